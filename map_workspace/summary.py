"""Plan → the one-page summary as a document model (sections, facts, tables), which each backend
renders (python-docx locally, the Docs API on Google). Pure: no I/O, ``today`` passed in.

The summary is for light-touch buyers (MAP digest: "a one-page next-steps document with the key
milestones"), so every section has a row cap and long cells are shortened: a worst-case plan
still fits one page, and the rest is one "+N more in the plan" away.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from map_workspace.domain.model import Assessment, Item, Plan, Risk, RiskStatus, Side, Stakeholder, Status
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

    @property
    def more_text(self) -> str:
        return f"+{self.more} more in the plan" if self.more else ""


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
NEEDS_OWNER = "Needs owner"
NEXT_STEPS_TITLE = "Next steps (next two weeks)"
ASKS_TITLE = "What we need from you this week"
#: Role titles that make a person their side's lead in the contacts (templates write "Champion
#: (project lead)" and "Account executive"); without one, a side's first person leads it.
_LEAD_ROLE = re.compile(r"champion|account exec|\bae\b|チャンピオン|営業担当", re.IGNORECASE)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
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
) -> SummaryDoc:
    """The one-page summary of ``plan`` as seen on ``today``; ``light`` keeps it short: health and
    progress, what is overdue, what we need from the buyer this week, and the milestones."""
    overview = plan.overview
    deal = shorten(overview.deal, caps.deal_chars)
    title = f"Mutual Action Plan — {deal}" if deal else "Mutual Action Plan"
    # "and", not "&": company names such as "Müller GmbH & Co. KG" carry their own ampersand.
    companies = (overview.buyer_company, overview.seller_company)
    parties = " and ".join(shorten(c, caps.company_chars) for c in companies if clean_text(c))
    subtitle = f"{parties} · as of {today.isoformat()}" if parties else f"As of {today.isoformat()}"
    footer = (
        f"Summary of the shared plan on {today.isoformat()}. "
        "The plan itself is the source of truth: update it there."
    )
    if light:
        caps = replace(caps, milestones=caps.light_milestones)
        light_sections = (
            _where_we_are(plan, assessment, today, caps, light=True),
            _overdue(plan, today, caps),
            _asks(plan, today, caps),
            _milestones(plan, today, caps),
        )
        return SummaryDoc(title, subtitle, light_sections, footer, light=True, as_of=today.isoformat())
    sections = (
        _where_we_are(plan, assessment, today, caps),
        _next_steps(plan, today, caps),
        _needs_attention(plan, assessment, today, caps),
        _milestones(plan, today, caps),
        _top_risks(plan, caps),
        _contacts(plan, caps),
    )
    return SummaryDoc(title, subtitle, sections, footer, as_of=today.isoformat())


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




def format_day(day: date, today: date) -> str:
    """"Tue 12 May"; the year is added when it is not ``today``'s. English on purpose: strftime
    would follow the machine's locale, not the plan's."""
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _label(item: Item, limit: int) -> str:
    """"T-03 Security questionnaire": the ID helps find the row; buyer-added rows may have none."""
    activity = shorten(item.activity, limit) or "(no activity text)"
    return f"{item.id} {activity}" if item.id else activity


def _owner(item: Item, caps: SummaryCaps) -> str:
    return shorten(item.owner, caps.name_chars, at_word=False) or NEEDS_OWNER


def _by_due(items: list[Item]) -> list[Item]:
    """Due date order; rows without a date last; ties keep the plan's row order (sort is stable)."""
    return sorted(items, key=lambda i: (i.due is None, i.due or date.max))


def _capped(rows: Sequence[tuple[str, ...]], cap: int) -> tuple[tuple[tuple[str, ...], ...], int]:
    cap = max(cap, 0)
    return tuple(rows[:cap]), max(len(rows) - cap, 0)


# --- sections -----------------------------------------------------------------------------------


def _where_we_are(plan: Plan, assessment: Assessment, today: date, caps: SummaryCaps, *,
                  light: bool = False) -> Section:
    target = plan.overview.target_decision
    projected = assessment.projected_decision
    facts: list[tuple[str, str]] = [
        ("Progress", assessment.progress.text),
        ("Health", assessment.health.label),
        ("Target decision", format_day(target, today) if target else "Not set"),
        ("Projected decision", _projected_text(projected, target, today)),
    ]
    if light:  # the milestones follow: two rows of facts are enough
        return Section("Where we are", facts=tuple(facts), key="where")
    milestone = assessment.next_milestone
    if milestone is not None:
        when = format_day(milestone.due, today) if milestone.due else "no date yet"
        facts.append(("Next milestone", f"{_label(milestone, caps.milestone_chars)} · {when}"))
    else:
        facts.append(("Next milestone", "None open"))
    held = [c for c in plan.checkins if c.date is not None and c.date <= today]
    if held:
        last = max(held, key=lambda c: c.date or today)
        text = format_day(last.date or today, today)
        if last.next is not None and last.next >= today:
            text += f" · next {format_day(last.next, today)}"
        facts.append(("Last check-in", text))
    return Section("Where we are", facts=tuple(facts), key="where")


def _projected_text(projected: date | None, target: date | None, today: date) -> str:
    if projected is None:
        return "Not known yet (some dates are missing)"
    text = format_day(projected, today)
    if target is None:
        return text
    days = (projected - target).days
    if days > 0:
        return f"{text} — {_plural(days, 'day')} after target"
    if days < 0:
        return f"{text} — {_plural(-days, 'day')} before target"
    return f"{text} — on target"


def _next_steps(plan: Plan, today: date, caps: SummaryCaps) -> Section:
    """Open tasks due from today to two weeks out; milestones have their own section."""
    horizon = today + timedelta(days=WINDOW_DAYS)
    due_soon = [
        i for i in plan.items
        if i.is_open and not i.is_milestone and i.due is not None and today <= i.due <= horizon
    ]
    rows = [(_label(i, caps.activity_chars), _owner(i, caps), format_day(i.due or today, today))
            for i in _by_due(due_soon)]
    if not rows:
        return Section(NEXT_STEPS_TITLE, text="Nothing is due in the next two weeks.", key="next_steps")
    shown, more = _capped(rows, caps.next_steps)
    table = Table(("What", "Who", "When"), shown, more, widths=(11.2, 4.6, 2.2))
    return Section(NEXT_STEPS_TITLE, table=table, key="next_steps")


def _overdue(plan: Plan, today: date, caps: SummaryCaps) -> Section:
    """Every open item past its date, the oldest first: the light summary never hides them."""
    late = sorted((i for i in plan.items if i.is_open and i.due is not None and i.due < today),
                  key=lambda i: i.due or today)
    title = "Overdue"
    if not late:
        return Section(title, text="Nothing is overdue.", key="overdue")
    rows = [(_label(i, caps.attention_activity_chars), _owner(i, caps), format_day(i.due or today, today),
             _plural((today - (i.due or today)).days, "day") + " late") for i in late]
    shown, more = _capped(rows, caps.light_overdue)
    return Section(title, table=Table(("What", "Who", "Due", "Late"), shown, more, widths=(9.0, 4.6, 2.2, 2.2)),
                   key="overdue")


def _asks(plan: Plan, today: date, caps: SummaryCaps) -> Section:
    """The buyer's open tasks due this week, each with its owner and date: what the rep asks for.
    A joint task counts unless a seller-side person owns it."""
    sellers = {clean_text(s.name).casefold() for s in plan.stakeholders if s.side is Side.SELLER and s.name.strip()}
    horizon = today + timedelta(days=ASK_DAYS)

    def is_ask(item: Item) -> bool:
        if not item.is_open or item.is_milestone or item.due is None or not today <= item.due <= horizon:
            return False
        if item.side is Side.BUYER:
            return True
        return item.side is Side.JOINT and clean_text(item.owner).casefold() not in sellers

    rows = [(_label(i, caps.activity_chars), _owner(i, caps), format_day(i.due or today, today))
            for i in _by_due([i for i in plan.items if is_ask(i)])]
    if not rows:
        return Section(ASKS_TITLE, text="Nothing from your side is due this week.", key="asks")
    shown, more = _capped(rows, caps.light_asks)
    return Section(ASKS_TITLE, table=Table(("What", "Who", "When"), shown, more, widths=(11.2, 4.6, 2.2)),
                   key="asks")


def _needs_attention(plan: Plan, assessment: Assessment, today: date, caps: SummaryCaps) -> Section:
    """Open items that are blocked, late, or have no named owner. Blocked ones first (the digest:
    raise blockers at once and solve them together), then late ones (oldest first), then those
    only missing an owner or a readable date."""
    owner_problems = {f.id for f in assessment.findings if f.id and f.code.startswith("owner.")}
    no_owner = {f.id for f in assessment.findings if f.id and f.code == "owner.missing"}  # empty, or "TBD"
    entries: list[tuple[tuple[int, date], Item, str]] = []
    for item in plan.items:
        if not item.is_open:
            continue
        reasons: list[str] = []
        rank = 9
        if item.due is not None and item.due < today:
            reasons.append(f"{_plural((today - item.due).days, 'day')} late")
            rank = 1
        if item.status is Status.BLOCKED:
            reasons.insert(0, _blocked_reason(plan, item))
            rank = 0
        if not item.owner.strip() or item.id in no_owner:
            reasons.append("needs an owner")
            rank = min(rank, 2)
        elif item.id in owner_problems:
            reasons.append("needs a named person as owner")
            rank = min(rank, 2)
        if item.due is None:
            reasons.append("needs a date")
            rank = min(rank, 3)
        if reasons:
            text = "; ".join(reasons)
            entries.append(((rank, item.due or date.max), item, text[:1].upper() + text[1:]))
    entries.sort(key=lambda entry: entry[0])
    rows = [(_label(item, caps.attention_activity_chars), _owner(item, caps), shorten(why, caps.reason_chars))
            for _, item, why in entries]
    title = "Needs attention"
    if not rows:
        return Section(title, text="Nothing is late, blocked or without an owner.", key="attention")
    shown, more = _capped(rows, caps.attention)
    return Section(title, table=Table(("What", "Who", "Why"), shown, more, widths=(7.6, 4.6, 5.8)),
                   key="attention")


def _blocked_reason(plan: Plan, item: Item) -> str:
    """Say what a blocked item waits for: its prerequisites that are still open."""
    waiting = []
    for prerequisite_id in item.depends_on:
        prerequisite = plan.item(prerequisite_id)
        if prerequisite is None or prerequisite.is_open:
            waiting.append(prerequisite_id)
    if not waiting:
        return "blocked"
    if len(waiting) == 1:
        prerequisite = plan.item(waiting[0])
        name = f" {shorten(prerequisite.activity, 30)}" if prerequisite is not None else ""
        return f"blocked: waits for {waiting[0]}{name}"
    return f"blocked: waits for {', '.join(waiting)}"


def _milestones(plan: Plan, today: date, caps: SummaryCaps) -> Section:
    """Every milestone (N/A ones dropped). Over the cap, the open ones win over the done ones,
    and the most recently done ones over older ones."""
    milestones = [i for i in plan.items if i.is_milestone and i.status is not Status.NA]
    title = "Milestones"
    if not milestones:
        return Section(title, text="The plan has no milestones.", key="milestones")
    open_ones = _by_due([m for m in milestones if m.is_open])
    done_ones = _by_due([m for m in milestones if not m.is_open])
    cap = max(caps.milestones, 0)
    chosen = open_ones[:cap]
    chosen += done_ones[::-1][: cap - len(chosen)]
    chosen_ids = {id(m) for m in chosen}
    shown = [m for m in _by_due(milestones) if id(m) in chosen_ids]
    rows = tuple(
        (
            _label(m, caps.milestone_chars),
            format_day(m.due, today) if m.due else "No date",
            _milestone_status(m, today),
        )
        for m in shown
    )
    table = Table(("Milestone", "Due", "Status"), rows, len(milestones) - len(shown), widths=(12.8, 2.2, 3.0))
    return Section(title, table=table, key="milestones")


def _milestone_status(milestone: Item, today: date) -> str:
    if not milestone.is_open:
        return f"Done ✓ {format_day(milestone.done_on, today)}" if milestone.done_on else "Done ✓"
    if milestone.due is not None and milestone.due < today:
        return f"{_plural((today - milestone.due).days, 'day')} late"
    if milestone.status is Status.BLOCKED:
        return "Blocked"
    if milestone.status is Status.IN_PROGRESS:
        return "In progress"
    return "Open"


def _top_risks(plan: Plan, caps: SummaryCaps) -> Section:
    """Open risks (an unreadable status counts as open), highest probability × impact first."""
    open_risks: list[Risk] = [r for r in plan.risks if r.status in (RiskStatus.OPEN, None)]
    ranked = sorted(open_risks, key=lambda r: -r.score)
    title = "Top risks"
    if not ranked:
        return Section(title, text="No open risks.", key="risks")
    rows = [
        (
            shorten(f"{r.id} {clean_text(r.risk)}" if r.id else r.risk, caps.risk_chars),
            r.impact.value if r.impact else "—",
            shorten(r.mitigation, caps.mitigation_chars) or "—",
            shorten(r.owner, caps.name_chars, at_word=False) or NEEDS_OWNER,
        )
        for r in ranked
    ]
    shown, more = _capped(rows, caps.risks)
    return Section(title, table=Table(("Risk", "Impact", "Mitigation", "Owner"), shown, more,
                                      widths=(6.0, 1.2, 7.2, 3.6)), key="risks")


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


def _contacts(plan: Plan, caps: SummaryCaps) -> Section:
    """Both sides' leads first (never behind "+N more"), then everyone else in the plan's order."""
    title = "Contacts"
    people: list[Stakeholder] = [s for s in plan.stakeholders if s.name.strip() or s.email.strip()]
    if not people:
        return Section(title, text="No stakeholders listed yet.", key="contacts")
    leads = _leads(people)
    people = leads + [s for s in people if all(s is not lead for lead in leads)]
    rows = [
        (
            shorten(s.name, caps.name_chars, at_word=False) or "—",
            s.side.value if isinstance(s.side, Side) else "—",
            shorten(s.role, caps.role_chars) or "—",
            shorten(s.email, caps.email_chars, at_word=False) or "—",
        )
        for s in people
    ]
    shown, more = _capped(rows, max(caps.contacts, len(leads)))
    return Section(title, table=Table(("Name", "Side", "Role", "Email"), shown, more,
                                      widths=(4.4, 1.1, 3.8, 8.7)), key="contacts")
