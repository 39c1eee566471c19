"""Who hears what, and when: the seller's digest and the owners' reminders as plain data, and every
rule against mail fatigue in one place. No I/O: plans come in already read, what was sent before
and who opted out come in as data, and ``today`` is passed in.

A reminder goes to one person and lists only the items they own (whichever side they are on), with
each plan's title and link: a buyer never sees another plan's data, nor anything seller-internal.
The digest goes to the seller (each plan's seller lead, or ``notify.digest_to``), one mail for all
their plans.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from map_workspace import catalog
from map_workspace.domain.calendar import add_business_days, business_days_between, is_business_day
from map_workspace.domain.model import Assessment, Finding, Item, Person, Plan, Side, Stakeholder
from map_workspace.domain.thresholds import NotifyRules as NotifyRules

#: Why someone got nothing, as ``mapws notify --json`` says it.
SKIP_REASONS = ("opted_out", "sent_recently", "nothing_due", "non_working_day", "no_email")
KINDS = ("digest", "reminder", "slack")

#: Role titles that make a stakeholder their side's lead (the summary's contacts use the same words).
_LEAD_ROLE = re.compile(r"champion|account exec|\bae\b|チャンピオン|営業担当", re.IGNORECASE)


@dataclass(frozen=True)
class Sent:
    """One message sent before (the state store's record): to whom, which kind, on which day, and
    the fingerprint of what it listed (to tell an unchanged reminder)."""

    to: str
    kind: str
    day: date
    fingerprint: str = ""


@dataclass(frozen=True)
class OptOut:
    """``mapws notify --opt-out EMAIL [--plan PLAN]``: ``plan`` "" stops everything for that address."""

    email: str
    plan: str = ""


@dataclass(frozen=True)
class PlanView:
    """What notifying knows about one open plan on ``today``."""

    key: str
    plan: Plan
    assessment: Assessment
    findings: tuple[Finding, ...]
    link: str
    #: The plan's working calendar (its own, else the config's): closed dates.
    calendar: Collection[date] = frozenset()
    #: What changed since the last digest, each already in words ("T-02 Security review: done").
    changes: tuple[str, ...] = ()
    #: The plan's recorded language (its meta ``language``; "" when it has none): reminders are in it.
    language: str = ""

    @property
    def title(self) -> str:
        return self.plan.overview.deal or self.plan.slug or self.key

    @property
    def needs_attention(self) -> bool:
        """Not on track, or a warning or error to act on."""
        return self.assessment.health.value != "on_track" or any(
            f.severity.value in ("error", "warning") for f in self.findings)


@dataclass(frozen=True)
class DueItem:
    """One open item a person owns that is overdue or due soon, as their reminder lists it."""

    plan_key: str
    id: str
    activity: str
    due: date
    #: Days late (> 0, calendar days as the findings count them), 0 due today, < 0 due later.
    late: int
    status: str = ""

    @property
    def words(self) -> str:
        if self.late > 0:
            return f"{self.late} day(s) overdue (was due {self.due.isoformat()})"
        if self.late == 0:
            return f"due today ({self.due.isoformat()})"
        return f"due {_weekday(self.due)} {self.due.isoformat()}"


@dataclass(frozen=True)
class PlanItems:
    """A reminder's part about one plan: its title, link, the items and who to reply to."""

    key: str
    title: str
    link: str
    items: tuple[DueItem, ...]
    #: The seller's rep on this plan, whom "reply 'stop'" names.
    rep: str = ""
    #: The plan's locale: the reminder is written in its language.
    locale: str = "en_US"
    #: The plan's recorded language (meta ``language``); "" for a plan made before plans had one.
    language: str = ""


@dataclass(frozen=True)
class Reminder:
    to: str
    name: str
    plans: tuple[PlanItems, ...]

    @property
    def item_ids(self) -> list[str]:
        return [i.id for p in self.plans for i in p.items]

    @property
    def locale(self) -> str:
        """The first plan's locale (a person's plans are usually in one language)."""
        return self.plans[0].locale if self.plans else "en_US"

    @property
    def language(self) -> str:
        """The language to write in: the first plan's recorded language, else its locale's (a ja_JP
        plan made before plans recorded their language got Japanese reminders, and still does)."""
        recorded = self.plans[0].language if self.plans else ""
        return recorded if recorded in catalog.languages() else catalog.language_of(self.locale)

    @property
    def fingerprint(self) -> str:
        return fingerprint(i for p in self.plans for i in p.items)


@dataclass(frozen=True)
class Digest:
    """The seller's digest: one mail, every plan they lead (or all, for ``digest_to``)."""

    to: str
    name: str
    plans: tuple[PlanView, ...]

    @property
    def attention(self) -> int:
        return sum(1 for p in self.plans if p.needs_attention)

    @property
    def subject(self) -> str:
        n, a = len(self.plans), self.attention
        return f"MAP digest: {a} of {n} plan{'s' if n != 1 else ''} need{'s' if a == 1 else ''} attention"

    @property
    def item_ids(self) -> list[str]:
        return sorted({f.id for p in self.plans for f in p.findings if f.id})


@dataclass(frozen=True)
class Skip:
    to: str
    why: str
    kind: str = "reminder"


@dataclass(frozen=True)
class Outbox:
    """What tonight sends, and who gets nothing and why."""

    reminders: tuple[Reminder, ...] = ()
    digests: tuple[Digest, ...] = ()
    #: The Slack message: the whole digest, or None.
    slack: Digest | None = None
    skipped: tuple[Skip, ...] = ()


# --- people ----------------------------------------------------------------------------------------

def _weekday(d: date) -> str:
    return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d.weekday()]


def contact_of(name: str, stakeholders: Sequence[Stakeholder]) -> tuple[str, str, Side | None]:
    """(name, email, side) of a person an Owner cell names: their Stakeholders row, else the text
    itself when it carries an address ("lee@acme.com", "Lee Chen <lee@acme.com>")."""
    key = " ".join(name.split()).casefold()
    for s in stakeholders:
        if " ".join(s.name.split()).casefold() == key or (s.email and s.email.casefold() == key):
            return s.name, s.email.strip().lower(), s.side
    try:
        person = Person.parse(name)
    except ValueError:
        return name, "", None
    return person.name, person.email, None


def seller_lead(plan: Plan) -> Stakeholder | None:
    """The seller's lead on a plan: its account executive by role, else the seller side's first person."""
    sellers = [s for s in plan.stakeholders if s.side is Side.SELLER]
    return next((s for s in sellers if _LEAD_ROLE.search(s.role)), sellers[0] if sellers else None)


def rep_words(plan: Plan, fallback: str = "") -> str:
    lead = seller_lead(plan)
    if lead is None:
        return fallback
    return f"{lead.name} <{lead.email}>" if lead.email else lead.name


def finding_words(f: Finding) -> str:
    """"T-09 Collect feedback: 3 day(s) overdue": the item, its activity and what is wrong, in one line."""
    subject = " ".join(x for x in (f.id or "", " ".join(f.activity.split())) if x)
    return f"{subject}: {f.said_of_item}" if subject else " ".join(f.message.split()).rstrip(".")


def fingerprint(items: Iterable[DueItem]) -> str:
    """What a reminder listed, so an unchanged one is recognised: plan, item, due date, status."""
    return "|".join(sorted(f"{i.plan_key}#{i.id}#{i.due.isoformat()}#{i.status}" for i in items))


def opted_out(email: str, plan_key: str, opt_outs: Collection[OptOut]) -> bool:
    email = email.strip().lower()
    return any(o.email == email and o.plan in ("", plan_key) for o in opt_outs)


# --- reminders -------------------------------------------------------------------------------------

def due_items(view: PlanView, today: date, rules: NotifyRules) -> dict[str, list[DueItem]]:
    """Per owner name (as the rules resolved it), their open items overdue or due within
    ``rules.due_within`` business days of ``today`` on the plan's calendar."""
    horizon = add_business_days(today, rules.due_within, view.calendar)
    people = view.assessment.people
    out: dict[str, list[DueItem]] = {}
    for item in view.plan.items:
        if not (item.id and item.is_open and item.due is not None and item.due <= horizon):
            continue
        for owner in people.get(item.id) or ():
            out.setdefault(owner, []).append(_due(view.key, item, today))
    return out


def _due(key: str, item: Item, today: date) -> DueItem:
    assert item.due is not None
    return DueItem(key, item.id, " ".join(item.activity.split()), item.due, (today - item.due).days,
                   item.status.value if item.status else item.status_text)


def plan_reminders(views: Sequence[PlanView], today: date, rules: NotifyRules, *, sent: Sequence[Sent] = (),
                   opt_outs: Collection[OptOut] = (), rep: str = "") -> tuple[list[Reminder], list[Skip]]:
    """One reminder per person across every plan they own due items in, and who gets none and why.
    ``rep`` names who to reply to when a plan names no seller lead."""
    per_person: dict[str, dict[str, list[DueItem]]] = {}
    names: dict[str, str] = {}
    skipped: dict[str, str] = {}
    owners_seen: set[str] = set()
    for view in views:
        for owner, items in due_items(view, today, rules).items():
            name, email, _ = contact_of(owner, view.plan.stakeholders)
            if not email:
                skipped.setdefault(name, "no_email")
                continue
            names.setdefault(email, name)
            per_person.setdefault(email, {}).setdefault(view.key, []).extend(items)
        for item in view.plan.items:
            if item.id and item.is_open:
                for owner in view.assessment.people.get(item.id) or ():
                    email = contact_of(owner, view.plan.stakeholders)[1]
                    if email:
                        owners_seen.add(email)
                        names.setdefault(email, contact_of(owner, view.plan.stakeholders)[0])
    by_key = {v.key: v for v in views}
    reminders: list[Reminder] = []
    for email in sorted(owners_seen | set(per_person)):
        plans = per_person.get(email, {})
        if not plans:
            skipped[email] = "nothing_due"
            continue
        plans = {k: items for k, items in plans.items() if not opted_out(email, k, opt_outs)}
        if not plans:
            skipped[email] = "opted_out"
            continue
        plans = {k: items for k, items in plans.items() if is_business_day(today, by_key[k].calendar)}
        if not plans:
            skipped[email] = "non_working_day"
            continue
        closed: set[date] = set()
        for k in plans:
            closed |= set(by_key[k].calendar)
        parts = tuple(PlanItems(k, by_key[k].title, by_key[k].link,
                                tuple(sorted(items, key=lambda i: (i.due, i.id))),
                                rep_words(by_key[k].plan, rep), by_key[k].plan.locale, by_key[k].language)
                      for k, items in sorted(plans.items()))
        reminder = Reminder(email, names.get(email, email), parts)
        why = reminder_fatigue(reminder, today, rules, [s for s in sent if s.to == email and s.kind == "reminder"],
                               closed)
        if why:
            skipped[email] = why
            continue
        reminders.append(reminder)
    return reminders, [Skip(to, why) for to, why in skipped.items()]


def reminder_fatigue(reminder: Reminder, today: date, rules: NotifyRules, sent: Sequence[Sent],
                     calendar: Collection[date]) -> str:
    """"sent_recently" when this person heard from us too lately for another reminder today, else "".
    Once a day at most (a rerun of the night sends nothing twice); every ``rules.every`` business
    days at most; and ``rules.repeat_after`` when their items did not change since the last one."""
    if not sent:
        return ""
    last = max(sent, key=lambda s: s.day)
    if last.day >= today:
        return "sent_recently"
    gap = business_days_between(last.day, today, calendar)
    if gap < rules.every:
        return "sent_recently"
    if last.fingerprint == reminder.fingerprint and gap < rules.repeat_after:
        return "sent_recently"
    return ""


# --- the digest ------------------------------------------------------------------------------------

def plan_digests(views: Sequence[PlanView], today: date, *, calendar: Collection[date] = frozenset(),
                 digest_to: Sequence[str] = (), sent: Sequence[Sent] = (),
                 opt_outs: Collection[OptOut] = ()) -> tuple[list[Digest], list[Skip]]:
    """One digest per seller lead (``digest_to``: every plan to each of those addresses), on the
    seller's working days (``calendar``), once a day, and only when some plan has something to
    say (a finding or a change)."""
    groups: dict[str, list[PlanView]] = {}
    names: dict[str, str] = {}
    skipped: list[Skip] = []
    for view in views:
        if digest_to:
            for to in digest_to:
                person = Person.parse(to)
                groups.setdefault(person.email, []).append(view)
                names.setdefault(person.email, person.name)
            continue
        lead = seller_lead(view.plan)
        if lead is None or not lead.email:
            skipped.append(Skip(lead.name if lead else f"seller lead of {view.title}", "no_email", "digest"))
            continue
        email = lead.email.strip().lower()
        groups.setdefault(email, []).append(view)
        names.setdefault(email, lead.name)
    digests: list[Digest] = []
    for email, plans in sorted(groups.items()):
        # A plan the recipient opted out of is left out; opted out of all of them, they get none.
        kept = [p for p in plans if not opted_out(email, p.key, opt_outs)]
        digest = Digest(email, names.get(email, email), tuple(kept or plans))
        why = digest_fatigue(digest, today, calendar, [s for s in sent if s.to == email and s.kind == "digest"],
                             opt_outs)
        if why:
            skipped.append(Skip(email, why, "digest"))
        else:
            digests.append(digest)
    return digests, skipped


def digest_fatigue(digest: Digest, today: date, calendar: Collection[date], sent: Sequence[Sent],
                   opt_outs: Collection[OptOut] = ()) -> str:
    if digest.to and all(opted_out(digest.to, p.key, opt_outs) for p in digest.plans):
        return "opted_out"
    if not is_business_day(today, calendar):
        return "non_working_day"
    if any(s.day >= today for s in sent):
        return "sent_recently"
    if not any(p.findings or p.changes for p in digest.plans):
        return "nothing_due"
    return ""


def plan_outbox(views: Sequence[PlanView], today: date, rules: NotifyRules, *, digest: bool, reminders: bool,
                slack: bool, calendar: Collection[date] = frozenset(), digest_to: Sequence[str] = (),
                sent: Sequence[Sent] = (), opt_outs: Collection[OptOut] = (), rep: str = "") -> Outbox:
    """Everything tonight sends: the digests, the reminders, the Slack message (the digest of every
    plan, once a day), and the skips."""
    out_reminders: list[Reminder] = []
    out_digests: list[Digest] = []
    skipped: list[Skip] = []
    if reminders:
        out_reminders, skips = plan_reminders(views, today, rules, sent=sent, opt_outs=opt_outs, rep=rep)
        skipped += skips
    if digest:
        out_digests, skips = plan_digests(views, today, calendar=calendar, digest_to=digest_to, sent=sent,
                                          opt_outs=opt_outs)
        skipped += skips
    slack_digest = None
    if slack and views:
        whole = Digest("slack", "Slack", tuple(views))
        why = digest_fatigue(whole, today, calendar, [s for s in sent if s.kind == "slack"])
        if why:
            skipped.append(Skip("slack", why, "slack"))
        else:
            slack_digest = whole
    return Outbox(tuple(out_reminders), tuple(out_digests), slack_digest, tuple(skipped))


def changes_since(today: date, last_digest: date | None, calendar: Collection[date]) -> date:
    """From which day a digest's "what changed" starts: the day after the last digest, else the
    previous working day."""
    if last_digest is not None and last_digest < today:
        return date.fromordinal(last_digest.toordinal() + 1)
    return add_business_days(today, -1, calendar)
