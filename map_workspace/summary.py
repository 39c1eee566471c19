"""Plan → the one-page summary as a document model (sections, facts, tables), which each backend
renders (python-docx locally, the Docs API on Google). Pure: no I/O, ``today`` passed in.

The summary is for light-touch buyers (MAP digest: "a one-page next-steps document with the key
milestones"), so every section has a row cap and long cells are shortened: a worst-case plan
still fits one page, and the rest is one "+N more in the plan" away.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from map_workspace import catalog
from map_workspace.domain.model import Assessment, Health, Item, Plan, Risk, RiskStatus, Side, Stakeholder, Status
from map_workspace.textwidth import display_width


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Rows left out by the section's cap, shown as "+N more in the plan".
    more: int = 0
    #: Relative column widths (same length as ``columns``; here in cm of an A4 text width of 18),
    #: a hint for renderers; empty = equal.
    widths: tuple[float, ...] = ()
    #: The language of the words around the rows ("+N more in the plan").
    lang: str = catalog.DEFAULT

    @property
    def more_text(self) -> str:
        return catalog.words(self.lang)("summary.more", count=self.more) if self.more else ""


@dataclass(frozen=True)
class Section:
    title: str
    facts: tuple[tuple[str, str], ...] = ()
    table: Table | None = None
    text: str = ""
    #: Stable name of the section ("where", "next_steps", "attention", "milestones", "risks",
    #: "contacts"), for renderers and tests; titles are for people.
    key: str = ""


@dataclass(frozen=True)
class SummaryDoc:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    footer: str = ""
    light: bool = False
    #: The day the summary speaks of (ISO), which dated copies are named after.
    as_of: str = ""
    #: What the document is: "summary" (one per plan, rebuilt every run), or another name such as
    #: "checkin-2027-01-12" for a document of its own beside the plan (a check-in's agenda).
    kind: str = "summary"
    #: The plan's language, which the document is written in.
    lang: str = catalog.DEFAULT

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


@dataclass(frozen=True)
class SummaryCaps:
    """Row caps per section and cell lengths (in columns, see ``shorten``), chosen so a worst-case
    plan stays on one A4 page."""

    next_steps: int = 8
    attention: int = 6
    milestones: int = 6
    risks: int = 3
    contacts: int = 6
    #: The light summary: where we are, what is overdue, what we need from the buyer this week,
    #: and the milestones — short, but nothing that matters is left out of view.
    light_overdue: int = 8
    light_asks: int = 8
    light_milestones: int = 6
    activity_chars: int = 84
    attention_activity_chars: int = 56
    reason_chars: int = 80
    milestone_chars: int = 70
    risk_chars: int = 90
    mitigation_chars: int = 110
    name_chars: int = 30
    role_chars: int = 30
    email_chars: int = 80  # a cut address is useless; long ones wrap instead
    deal_chars: int = 60
    company_chars: int = 60


WINDOW_DAYS = 14
#: "This week" for the buyer's asks: today and the seven days after it.
ASK_DAYS = 7
#: Role titles that make a person their side's lead in the contacts (templates write "Champion
#: (project lead)" and "Account executive"); without one, a side's first person leads it.
_LEAD_ROLE = re.compile(r"champion|account exec|\bae\b|チャンピオン|営業担当", re.IGNORECASE)

# Bidirectional overrides and isolates can make a cell read differently from what was typed.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_WHITESPACE = re.compile(r"\s+")


def build_summary(
    plan: Plan,
    assessment: Assessment,
    today: date,
    *,
    light: bool = False,
    caps: SummaryCaps = SummaryCaps(),  # noqa: B008 - frozen, so a shared default is safe
    lang: str = catalog.DEFAULT,
) -> SummaryDoc:
    """The one-page summary of ``plan`` as seen on ``today``, in the plan's language ``lang``;
    ``light`` keeps it short: health and progress, what is overdue, what we need from the buyer this
    week, and the milestones."""
    say = _Say(lang, today, caps)
    overview = plan.overview
    deal = shorten(overview.deal, caps.deal_chars)
    title = say("title", deal=deal) if deal else say("title_no_deal")
    companies = (overview.buyer_company, overview.seller_company)
    parties = say("parties_joiner").join(shorten(c, caps.company_chars) for c in companies if clean_text(c))
    day = {"day": say.day(today), "iso": today.isoformat()}  # a catalog says which
    subtitle = say("subtitle", parties=parties, **day) if parties else say("subtitle_no_parties", **day)
    footer = say("footer", **day)
    if light:
        say = _Say(lang, today, replace(caps, milestones=caps.light_milestones))
        light_sections = (
            _where_we_are(plan, assessment, say, light=True),
            _overdue(plan, say),
            _asks(plan, say),
            _milestones(plan, say),
        )
        return SummaryDoc(title, subtitle, light_sections, footer, light=True, as_of=today.isoformat(), lang=lang)
    sections = (
        _where_we_are(plan, assessment, say),
        _next_steps(plan, say),
        _needs_attention(plan, assessment, say),
        _milestones(plan, say),
        _top_risks(plan, say),
        _contacts(plan, say),
    )
    return SummaryDoc(title, subtitle, sections, footer, as_of=today.isoformat(), lang=lang)


def summary_name(slug: str, doc: SummaryDoc, *, dated: bool = False) -> str:
    """The file name (without extension) of a plan's summary: ``acme-summary``, ``acme-summary-light``,
    and for a dated copy ``acme-summary-2026-12-10``. The full and light ones never share a name.
    Another kind of document is named after its kind: ``acme-checkin-2027-01-12``."""
    if doc.kind != "summary":
        return f"{slug}-{doc.kind}"
    name = f"{slug}-summary" + ("-light" if doc.light else "")
    return f"{name}-{doc.as_of}" if dated and doc.as_of else name


# --- text helpers -----------------------------------------------------------------------------


def clean_text(value: object) -> str:
    """Buyer text as plain, single-line text: control and bidi-override characters dropped (they
    are not valid in a document or would disguise the text), whitespace runs folded to one space."""
    text = "" if value is None else str(value)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r\v\f":
            kept.append(" ")
        elif category in ("Cc", "Cs", "Co") or char in _BIDI_CONTROLS or char in ("\ufffe", "\uffff"):
            continue
        else:
            kept.append(char)
    return _WHITESPACE.sub(" ", "".join(kept)).strip()


def shorten(value: object, limit: int, *, at_word: bool = True) -> str:
    """``clean_text`` cut to at most ``limit`` columns, ending with "…" when cut; at a word
    boundary when one is near and ``at_word`` (names and addresses are cut where the limit falls,
    so that "Dana Tanaka-Whitfield" keeps what tells people apart).

    Wide characters (Japanese, Chinese, Korean) count as two columns: they take about twice the
    room on the page, and a Japanese plan has to fit the same page."""
    text = clean_text(value)
    if limit <= 0 or display_width(text) <= limit:
        return text
    if limit == 1:
        return "…"
    room, kept = limit - 1, 0
    for index, char in enumerate(text):
        room -= display_width(char)
        if room < 0:
            break
        kept = index + 1
    cut = text[:kept]
    space = cut.rfind(" ") if at_word else -1
    if space >= kept * 3 // 4:
        cut = cut[:space]
    return cut.rstrip(" ,;:-·–—") + "…"


def format_day(day: date, today: date, lang: str = catalog.DEFAULT) -> str:
    """A day in the words of ``lang``'s catalog: "Tue 12 May" (the year added when it is not
    ``today``'s), "2026年5月12日(火)". Not strftime: that follows the machine's locale, not the plan's."""
    say = catalog.words(lang)
    weekdays, months = say.get("summary.date.weekdays"), say.get("summary.date.months")
    key = "summary.date.same_year" if day.year == today.year else "summary.date.other_year"
    return say(key, weekday=weekdays[day.weekday()], day=day.day, month=months[day.month - 1], year=day.year)


def date_widths(widths: tuple[float, ...], dates: tuple[int, ...], lang: str = catalog.DEFAULT) -> tuple[float, ...]:
    """``widths`` with the columns ``dates`` (which hold a day) at least as wide as a day takes in
    ``lang`` (``summary.date.column_cm``: "2026年11月6日(金)" is wider than "Fri 6 Nov"), the room
    taken from the first column, so that a date never wraps onto two lines."""
    out = list(widths)
    want = float(catalog.words(lang).get("summary.date.column_cm"))
    for index in dates:
        extra = max(0.0, want - out[index])
        out[index] += extra
        out[0] -= extra
    return tuple(round(w, 2) for w in out)


def count_days(count: int, lang: str = catalog.DEFAULT, *, late: bool = False) -> str:
    """"1 day", "3 days" ("3 days late" with ``late``) in ``lang``."""
    form = "one" if count == 1 else "other"
    return catalog.words(lang)(f"summary.{'late' if late else 'days'}.{form}", count=count)


def health_words(health: Health, lang: str = catalog.DEFAULT) -> str:
    return catalog.words(lang)(f"summary.health.{health.value}")


def progress_words(assessment: Assessment, lang: str = catalog.DEFAULT) -> str:
    """"12 of 18 done · 67%", "18件中12件完了 · 67%"."""
    p = assessment.progress
    return catalog.words(lang)("summary.progress", done=p.done, total=p.total, percent=p.percent)


# --- how renderers colour the words, in any language ------------------------------------------------


@functools.cache
def _tones() -> tuple[re.Pattern[str], frozenset[str], tuple[str, ...], dict[str, Health], frozenset[str]]:
    late = []
    for lang in catalog.languages():
        for form in ("one", "other"):
            template = re.escape(catalog.words(lang)(f"summary.late.{form}"))
            late.append(template.replace(re.escape("{count}"), r"\d+"))
    health = {catalog.words(lang)(f"summary.health.{h.value}"): h for lang in catalog.languages() for h in Health}
    return (re.compile("^(?:" + "|".join(late) + ")"), frozenset(catalog.in_every_language("summary.needs_owner")),
            catalog.in_every_language("summary.milestones.done"), health,
            frozenset(catalog.in_every_language("summary.where.health")))


def cell_tone(value: str) -> str:
    """"alert" for a cell saying something is late or has no owner, "good" for a done milestone,
    else "" (in any language the catalogs have)."""
    late, no_owner, done, _, _ = _tones()
    if late.match(value) or value in no_owner:
        return "alert"
    if value.startswith(done):
        return "good"
    return ""


def fact_health(label: str, value: str) -> Health | None:
    """The health a fact states, when it is the "Health" fact (in any language)."""
    _, _, _, health, labels = _tones()
    return health.get(value) if label in labels else None


class _Say:
    """The catalog of one summary: its language, the day it speaks of and its caps."""

    def __init__(self, lang: str, today: date, caps: SummaryCaps) -> None:
        self.lang, self.today, self.caps = lang, today, caps
        self._words = catalog.words(lang)

    def __call__(self, key: str, /, **values: object) -> str:
        return self._words(f"summary.{key}", **values)

    def day(self, day: date) -> str:
        return format_day(day, self.today, self.lang)

    def days(self, count: int, *, late: bool = False) -> str:
        return count_days(count, self.lang, late=late)

    def columns(self, *keys: str) -> tuple[str, ...]:
        return tuple(self(f"columns.{key}") for key in keys)

    def table(self, keys: tuple[str, ...], rows: tuple[tuple[str, ...], ...], more: int,
              widths: tuple[float, ...], *, dates: tuple[int, ...] = ()) -> Table:
        return Table(self.columns(*keys), rows, more, date_widths(widths, dates, self.lang), self.lang)

    def label(self, item: Item, limit: int) -> str:
        """"T-03 Security questionnaire": the ID helps find the row; buyer-added rows may have none."""
        activity = shorten(item.activity, limit) or self("no_activity")
        return f"{item.id} {activity}" if item.id else activity

    def owner(self, item: Item) -> str:
        return shorten(item.owner, self.caps.name_chars, at_word=False) or self("needs_owner")


def _by_due(items: list[Item]) -> list[Item]:
    """Due date order; rows without a date last; ties keep the plan's row order (sort is stable)."""
    return sorted(items, key=lambda i: (i.due is None, i.due or date.max))


def _capped(rows: Sequence[tuple[str, ...]], cap: int) -> tuple[tuple[tuple[str, ...], ...], int]:
    cap = max(cap, 0)
    return tuple(rows[:cap]), max(len(rows) - cap, 0)


# --- sections -----------------------------------------------------------------------------------


def _where_we_are(plan: Plan, assessment: Assessment, say: _Say, *, light: bool = False) -> Section:
    today = say.today
    target = plan.overview.target_decision
    projected = assessment.projected_decision
    facts: list[tuple[str, str]] = [
        (say("where.progress"), progress_words(assessment, say.lang)),
        (say("where.health"), health_words(assessment.health, say.lang)),
        (say("where.target"), say.day(target) if target else say("where.not_set")),
        (say("where.projected"), _projected_text(projected, target, say)),
    ]
    title = say("where.title")
    if light:  # the milestones follow: two rows of facts are enough
        return Section(title, facts=tuple(facts), key="where")
    milestone = assessment.next_milestone
    if milestone is not None:
        when = say.day(milestone.due) if milestone.due else say("where.no_date_yet")
        facts.append((say("where.next_milestone"),
                      say("where.milestone_when", milestone=say.label(milestone, say.caps.milestone_chars),
                          when=when)))
    else:
        facts.append((say("where.next_milestone"), say("where.none_open")))
    held = [c for c in plan.checkins if c.date is not None and c.date <= today]
    if held:
        last = max(held, key=lambda c: c.date or today)
        text = say.day(last.date or today)
        if last.next is not None and last.next >= today:
            text = say("where.next_checkin", last=text, next=say.day(last.next))
        facts.append((say("where.last_checkin"), text))
    return Section(title, facts=tuple(facts), key="where")


def _projected_text(projected: date | None, target: date | None, say: _Say) -> str:
    if projected is None:
        return say("where.unknown")
    text = say.day(projected)
    if target is None:
        return text
    days = (projected - target).days
    if days > 0:
        return say("where.after", day=text, days=say.days(days))
    if days < 0:
        return say("where.before", day=text, days=say.days(-days))
    return say("where.on_target", day=text)


def _next_steps(plan: Plan, say: _Say) -> Section:
    """Open tasks due from today to two weeks out; milestones have their own section."""
    today, caps = say.today, say.caps
    horizon = today + timedelta(days=WINDOW_DAYS)
    due_soon = [
        i for i in plan.items
        if i.is_open and not i.is_milestone and i.due is not None and today <= i.due <= horizon
    ]
    rows = [(say.label(i, caps.activity_chars), say.owner(i), say.day(i.due or today)) for i in _by_due(due_soon)]
    title = say("next_steps.title")
    if not rows:
        return Section(title, text=say("next_steps.empty"), key="next_steps")
    shown, more = _capped(rows, caps.next_steps)
    table = say.table(("what", "who", "when"), shown, more, (11.2, 4.6, 2.2), dates=(2,))
    return Section(title, table=table, key="next_steps")


def _overdue(plan: Plan, say: _Say) -> Section:
    """Every open item past its date, the oldest first: the light summary never hides them."""
    today, caps = say.today, say.caps
    late = sorted((i for i in plan.items if i.is_open and i.due is not None and i.due < today),
                  key=lambda i: i.due or today)
    title = say("overdue.title")
    if not late:
        return Section(title, text=say("overdue.empty"), key="overdue")
    rows = [(say.label(i, caps.attention_activity_chars), say.owner(i), say.day(i.due or today),
             say.days((today - (i.due or today)).days, late=True)) for i in late]
    shown, more = _capped(rows, caps.light_overdue)
    table = say.table(("what", "who", "due", "late"), shown, more, (9.0, 4.6, 2.2, 2.2), dates=(2,))
    return Section(title, table=table, key="overdue")


def _asks(plan: Plan, say: _Say) -> Section:
    """The buyer's open tasks due this week, each with its owner and date: what the rep asks for.
    A joint task counts unless a seller-side person owns it."""
    today, caps = say.today, say.caps
    sellers = {clean_text(s.name).casefold() for s in plan.stakeholders if s.side is Side.SELLER and s.name.strip()}
    horizon = today + timedelta(days=ASK_DAYS)

    def is_ask(item: Item) -> bool:
        if not item.is_open or item.is_milestone or item.due is None or not today <= item.due <= horizon:
            return False
        if item.side is Side.BUYER:
            return True
        return item.side is Side.JOINT and clean_text(item.owner).casefold() not in sellers

    rows = [(say.label(i, caps.activity_chars), say.owner(i), say.day(i.due or today))
            for i in _by_due([i for i in plan.items if is_ask(i)])]
    title = say("asks.title")
    if not rows:
        return Section(title, text=say("asks.empty"), key="asks")
    shown, more = _capped(rows, caps.light_asks)
    table = say.table(("what", "who", "when"), shown, more, (11.2, 4.6, 2.2), dates=(2,))
    return Section(title, table=table, key="asks")


def _needs_attention(plan: Plan, assessment: Assessment, say: _Say) -> Section:
    """Open items that are blocked, late, or have no named owner. Blocked ones first (the digest:
    raise blockers at once and solve them together), then late ones (oldest first), then those
    only missing an owner or a readable date."""
    today, caps = say.today, say.caps
    owner_problems = {f.id for f in assessment.findings if f.id and f.code.startswith("owner.")}
    no_owner = {f.id for f in assessment.findings if f.id and f.code == "owner.missing"}  # empty, or "TBD"
    entries: list[tuple[tuple[int, date], Item, str]] = []
    for item in plan.items:
        if not item.is_open:
            continue
        reasons: list[str] = []
        rank = 9
        if item.due is not None and item.due < today:
            reasons.append(say.days((today - item.due).days, late=True))
            rank = 1
        if item.status is Status.BLOCKED:
            reasons.insert(0, _blocked_reason(plan, item, say))
            rank = 0
        if not item.owner.strip() or item.id in no_owner:
            reasons.append(say("attention.needs_owner"))
            rank = min(rank, 2)
        elif item.id in owner_problems:
            reasons.append(say("attention.needs_person"))
            rank = min(rank, 2)
        if item.due is None:
            reasons.append(say("attention.needs_date"))
            rank = min(rank, 3)
        if reasons:
            text = say("attention.separator").join(reasons)
            entries.append(((rank, item.due or date.max), item, text[:1].upper() + text[1:]))
    entries.sort(key=lambda entry: entry[0])
    rows = [(say.label(item, caps.attention_activity_chars), say.owner(item), shorten(why, caps.reason_chars))
            for _, item, why in entries]
    title = say("attention.title")
    if not rows:
        return Section(title, text=say("attention.empty"), key="attention")
    shown, more = _capped(rows, caps.attention)
    return Section(title, table=say.table(("what", "who", "why"), shown, more, (7.6, 4.6, 5.8)), key="attention")


def _blocked_reason(plan: Plan, item: Item, say: _Say) -> str:
    """Say what a blocked item waits for: its prerequisites that are still open."""
    waiting = []
    for prerequisite_id in item.depends_on:
        prerequisite = plan.item(prerequisite_id)
        if prerequisite is None or prerequisite.is_open:
            waiting.append(prerequisite_id)
    if not waiting:
        return say("attention.blocked")
    name = ""
    if len(waiting) == 1:
        prerequisite = plan.item(waiting[0])
        name = f" {shorten(prerequisite.activity, 30)}" if prerequisite is not None else ""
    return say("attention.waits_for", ids=say("attention.ids_joiner").join(waiting), name=name)


def _milestones(plan: Plan, say: _Say) -> Section:
    """Every milestone (N/A ones dropped). Over the cap, the open ones win over the done ones,
    and the most recently done ones over older ones."""
    milestones = [i for i in plan.items if i.is_milestone and i.status is not Status.NA]
    title = say("milestones.title")
    if not milestones:
        return Section(title, text=say("milestones.empty"), key="milestones")
    open_ones = _by_due([m for m in milestones if m.is_open])
    done_ones = _by_due([m for m in milestones if not m.is_open])
    cap = max(say.caps.milestones, 0)
    chosen = open_ones[:cap]
    chosen += done_ones[::-1][: cap - len(chosen)]
    chosen_ids = {id(m) for m in chosen}
    shown = [m for m in _by_due(milestones) if id(m) in chosen_ids]
    rows = tuple(
        (
            say.label(m, say.caps.milestone_chars),
            say.day(m.due) if m.due else say("milestones.no_date"),
            _milestone_status(m, say),
        )
        for m in shown
    )
    table = say.table(("milestone", "due", "status"), rows, len(milestones) - len(shown), (12.8, 2.2, 3.0),
                      dates=(1, 2))
    return Section(title, table=table, key="milestones")


def _milestone_status(milestone: Item, say: _Say) -> str:
    today = say.today
    if not milestone.is_open:
        return say("milestones.done_on", day=say.day(milestone.done_on)) if milestone.done_on \
            else say("milestones.done")
    if milestone.due is not None and milestone.due < today:
        return say.days((today - milestone.due).days, late=True)
    if milestone.status is Status.BLOCKED:
        return say("milestones.blocked")
    if milestone.status is Status.IN_PROGRESS:
        return say("milestones.in_progress")
    return say("milestones.open")


def _top_risks(plan: Plan, say: _Say) -> Section:
    """Open risks (an unreadable status counts as open), highest probability × impact first."""
    caps = say.caps
    open_risks: list[Risk] = [r for r in plan.risks if r.status in (RiskStatus.OPEN, None)]
    ranked = sorted(open_risks, key=lambda r: -r.score)
    title = say("risks.title")
    if not ranked:
        return Section(title, text=say("risks.empty"), key="risks")
    rows = [
        (
            shorten(f"{r.id} {clean_text(r.risk)}" if r.id else r.risk, caps.risk_chars),
            say(f"level.{r.impact.value}") if r.impact else say("none"),
            shorten(r.mitigation, caps.mitigation_chars) or say("none"),
            shorten(r.owner, caps.name_chars, at_word=False) or say("needs_owner"),
        )
        for r in ranked
    ]
    shown, more = _capped(rows, caps.risks)
    return Section(title, table=say.table(("risk", "impact", "mitigation", "owner"), shown, more,
                                          (6.0, 1.2, 7.2, 3.6)), key="risks")


def _leads(people: list[Stakeholder]) -> list[Stakeholder]:
    """Each side's lead: the buyer's champion and the seller's account executive by their role,
    else the side's first person. Buyer side first."""
    leads = []
    for side in (Side.BUYER, Side.SELLER):
        on_side = [s for s in people if s.side is side]
        lead = next((s for s in on_side if _LEAD_ROLE.search(s.role)), on_side[0] if on_side else None)
        if lead is not None:
            leads.append(lead)
    return leads


def _contacts(plan: Plan, say: _Say) -> Section:
    """Both sides' leads first (never behind "+N more"), then everyone else in the plan's order."""
    caps = say.caps
    title = say("contacts.title")
    people: list[Stakeholder] = [s for s in plan.stakeholders if s.name.strip() or s.email.strip()]
    if not people:
        return Section(title, text=say("contacts.empty"), key="contacts")
    leads = _leads(people)
    people = leads + [s for s in people if all(s is not lead for lead in leads)]
    none = say("none")
    rows = [
        (
            shorten(s.name, caps.name_chars, at_word=False) or none,
            say(f"side.{s.side.value}") if isinstance(s.side, Side) else none,
            shorten(s.role, caps.role_chars) or none,
            shorten(s.email, caps.email_chars, at_word=False) or none,
        )
        for s in people
    ]
    shown, more = _capped(rows, max(caps.contacts, len(leads)))
    return Section(title, table=say.table(("name", "side", "role", "email"), shown, more, (4.4, 1.1, 3.8, 8.7)),
                   key="contacts")
