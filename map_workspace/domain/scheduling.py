"""Turn a template into dated plan rows, on the plan's working days.

``schedule_forward`` (what ``mapws create`` does) starts from today: the kick-off is due within
the first five business days, each item its lead time after its latest prerequisite, and the time
left between the last item and the decision is a buffer before the decision milestone. When the
template does not fit, it schedules backward and compresses, as ``schedule_backward`` does:

The decision milestone is due on the decision date. Everything that leads to it is placed as
late as its successors allow (each successor's lead time, in business days, before it), so the
plan asks for no false urgency; everything that follows the decision is placed forward from it.
When the decision date is too close for the template, the plan is still made: lead times are
compressed and a finding says by how much (PRODUCT.md, "Templates").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from map_workspace import catalog
from map_workspace.domain.calendar import (
    WEEKENDS_ONLY,
    MeetingDays,
    WorkCalendar,
    add_business_days,
    business_days_between,
    day_label,
    is_business_day,
    next_business_day,
    previous_business_day,
)
from map_workspace.domain.findings import Finding
from map_workspace.domain.model import (
    Item,
    ItemType,
    Person,
    Risk,
    RiskStatus,
    Side,
    Stakeholder,
    Status,
)
from map_workspace.domain.templates import GOAL_KEYS, Template
from map_workspace.errors import UsageError

#: Role title given to people named without a role (extra ``--buyer`` / ``--seller`` contacts): the
#: catalog key of its words in the plan's language.
CONTACT_ROLE = "plan.roles.contact"

#: The goal placeholders' words when the plan names no deal or company (catalog ``plan.goals``).
_GOAL_DEFAULTS = ("deal", "buyer_company", "seller_company")


@dataclass(frozen=True)
class Schedule:
    """The rows a new plan starts with; ``start`` is the first business day work must begin."""

    items: tuple[Item, ...]
    stakeholders: tuple[Stakeholder, ...]
    risks: tuple[Risk, ...]
    goals: dict[str, str]
    findings: tuple[Finding, ...]
    shortfall_days: int
    start: date
    #: Business days of slack between the last item before the decision and the decision.
    buffer_days: int = 0
    #: The IDs of the approval chain's steps, and the meeting days of the items that sit on them.
    chain: tuple[str, ...] = ()
    meetings: tuple[tuple[str, str], ...] = ()


#: The kick-off (an item with no prerequisite) is due within this many business days of the start.
KICKOFF_WITHIN_DAYS = 5


def schedule_forward(
    template: Template,
    decision: date,
    start: date,
    people: Mapping[str, Person],
    *,
    extra_people: Sequence[tuple[Side, Person]] = (),
    holidays: Collection[date] = WEEKENDS_ONLY,
    names: Mapping[str, str] | None = None,
    lang: str = catalog.DEFAULT,
) -> Schedule:
    """Schedule ``template`` from ``start`` (today, or the day work begins) on working days.

    An item with no prerequisite is due its lead time after the first working day, but within
    the first :data:`KICKOFF_WITHIN_DAYS`; every other item its lead time after its latest
    prerequisite; the decision milestone on ``decision``, the slack before it reported as
    ``buffer_days`` (and a ``schedule.buffer`` finding). The template's approval chain (its
    ``approval_chain`` steps: 稟議起案 → 承認 → 合議 → 経営会議) is laid out backward from the decision
    instead, each step its lead time before the next and a meeting on the last meeting day that
    leaves the next step its time, so the buffer sits before the chain's first step. A template that
    does not fit is scheduled backward and compressed (``schedule.compressed``, naming the earliest
    decision that fits). A decision on a day off is kept, with a ``schedule.decision_closed``
    warning naming the day.
    """
    if decision <= start:
        raise UsageError(
            f"The decision date {decision.isoformat()} is not after the start ({start.isoformat()}): "
            f"a plan needs at least one day before the decision.",
            hint="Agree a decision date in the future with the buyer and pass it again.",
        )
    _check_people(template, people)
    closed_day = _decision_closed(decision, holidays)
    graph = _Graph(template)
    leads = {a.key: a.lead_days for a in template.activities}
    first = next_business_day(start, holidays)
    anchor = previous_business_day(decision, holidays)
    dues = {**_as_early(graph, leads, first, holidays), graph.decision: decision}
    needed, last = _earliest(graph, dues, leads, first, holidays)
    if needed > anchor or last > anchor:
        backward = schedule_backward(template, decision, start, people,
                                     extra_people=extra_people, holidays=holidays, names=names, lang=lang)
        return replace(backward, findings=closed_day + backward.findings)
    if graph.chain:  # the approval chain runs backward from the decision; the work before it stays early
        late = graph.dates(leads, decision, holidays)
        dues.update({key: late[key] for key in graph.chain})
    for key in graph.order:
        if key in graph.followers:
            latest = max(dues[p] for p in graph.prerequisites[key])
            dues[key] = next_business_day(add_business_days(latest, leads[key], holidays), holidays)
    buffer, last, first_step = _slack(graph, dues, leads, decision, holidays)
    findings = [*closed_day]
    schedule = _schedule(template, dues, leads, people, extra_people, decision, names, start=first, lang=lang)
    if buffer > 0:  # the buffer shows on the row where it ends, where the buyer reads the date
        step = template.activity(first_step) if first_step else None
        if step is None:
            findings.append(Finding.of("schedule.buffer", days=buffer, last=last, decision=decision))
        else:
            findings.append(Finding.of("schedule.buffer", "chain", days=buffer, last=last, first=step.activity,
                                       starts=dues[step.key], decision=decision))
        ends = step or template.decision
        note = buffer_note(buffer, last, chain=step is not None, lang=lang)
        items = tuple(replace(i, notes=note) if i.activity == ends.activity and i.due == dues[ends.key]
                      else i for i in schedule.items)
        schedule = replace(schedule, items=items)
    return replace(schedule, findings=tuple(findings), buffer_days=buffer)


def earliest_decision(template: Template, start: date, holidays: Collection[date] = WEEKENDS_ONLY) -> date:
    """The first decision date ``template`` fits from ``start`` without compressing a lead time:
    every item as early as its prerequisites allow, a meeting on the first meeting day after."""
    graph = _Graph(template)
    leads = {a.key: a.lead_days for a in template.activities}
    first = next_business_day(start, holidays)
    return next_business_day(max(_earliest(graph, _as_early(graph, leads, first, holidays), leads, first, holidays)),
                             holidays)


def _earliest_backward(graph: _Graph, leads: Mapping[str, int], decision: date, floor: date, estimate: date,
                       holidays: Collection[date]) -> date:
    """The first business day after ``decision``, from ``estimate`` on, that lays the plan out backward
    without starting before ``floor`` (``estimate``: the earliest decision scheduled forward)."""
    day = next_business_day(max(estimate, decision + timedelta(days=1)), holidays)
    for _ in range(366):  # a year of business days: beyond it, the estimate is the honest answer
        if graph.start(graph.dates(leads, day, holidays), leads, day, holidays) >= floor:
            return day
        day = next_business_day(day + timedelta(days=1), holidays)
    return next_business_day(max(estimate, decision + timedelta(days=1)), holidays)


def _as_early(graph: _Graph, leads: Mapping[str, int], first: date, holidays: Collection[date]) -> dict[str, date]:
    """Due dates of the items before the decision (not the decision), each as early as it can be: an
    item with no prerequisite its lead time after ``first`` but within :data:`KICKOFF_WITHIN_DAYS`,
    every other item its lead time after its latest prerequisite, a meeting on its next meeting day."""
    dues: dict[str, date] = {}
    for key in graph.before:
        if key == graph.decision:
            continue
        prerequisites = graph.prerequisites[key]
        if prerequisites:
            dues[key] = add_business_days(max(dues[p] for p in prerequisites), leads[key], holidays)
        else:
            dues[key] = add_business_days(first, min(leads[key], KICKOFF_WITHIN_DAYS - 1), holidays)
        if key in graph.meetings:  # a board meets on its own days: the first one it can take the item
            dues[key] = graph.meetings[key].next_on_or_after(dues[key], holidays)
    return dues


def _earliest(graph: _Graph, dues: Mapping[str, date], leads: Mapping[str, int], first: date,
              holidays: Collection[date]) -> tuple[date, date]:
    """For items due as early as they can be: the first day the decision can be (its lead time after
    its latest prerequisite) and the last item's due date before it."""
    ready = [dues[p] for p in graph.prerequisites[graph.decision]]
    needed = add_business_days(max(ready), leads[graph.decision], holidays) if ready else first
    last = max((due for key, due in dues.items() if key != graph.decision), default=first)
    return needed, last


def _slack(
    graph: _Graph, dues: Mapping[str, date], leads: Mapping[str, int], decision: date, holidays: Collection[date]
) -> tuple[int, date, str]:
    """Business days the work before the decision (or before the approval chain) can slip before a
    date of the chain or the decision itself moves: the buffer, the last item before it, and the
    chain's first step it ends at ("" when it ends at the decision)."""
    anchor = previous_business_day(decision, holidays)
    ends = {graph.decision, *graph.chain}
    edges = [(p, s) for s in ends for p in graph.prerequisites[s] if p not in ends]
    if not edges:
        return 0, next_business_day(decision, holidays), ""
    def room(p: str, s: str) -> int:
        due = anchor if s == graph.decision else dues[s]
        return business_days_between(add_business_days(dues[p], leads[s], holidays), due, holidays)
    tightest = min(edges, key=lambda edge: (room(*edge), graph.position[edge[1]]))
    last = max(dues[k] for k in graph.before if k not in ends)
    return max(0, room(*tightest)), last, "" if tightest[1] == graph.decision else tightest[1]


def fiscal_year_findings(decision: date, *, start_month: int | None, weeks: int) -> tuple[Finding, ...]:
    """A decision in the first ``weeks`` weeks of the buyer's fiscal year (which starts on the 1st
    of ``start_month``; None: not known) is warned about: budgets are often not released yet."""
    if start_month is None:
        return ()
    starts = (date(decision.year, start_month, 1), date(decision.year - 1, start_month, 1))
    year_start = next((s for s in starts if s <= decision < s + timedelta(weeks=weeks)), None)
    if year_start is None:
        return ()
    released = year_start + timedelta(weeks=weeks)
    return (Finding.of("schedule.fiscal_year_start", decision=decision.isoformat(),
                       year_start=year_start.isoformat(), weeks=weeks,
                       released=released.isoformat()),)


def buffer_note(days: int, last: date, *, chain: bool = False, lang: str = catalog.DEFAULT) -> str:
    """The decision milestone's note on a plan scheduled with slack before it (``chain``: the note of
    the approval chain's first step, where the buffer ends), in the plan's language ``lang``."""
    say = catalog.words(lang)
    return say("plan.buffer.one" if days == 1 else "plan.buffer.many", days=days,
               before=say("plan.buffer.chain" if chain else "plan.buffer.decision"),
               last=last.strftime(say("plan.date")))


def _decision_closed(decision: date, holidays: Collection[date]) -> tuple[Finding, ...]:
    """A decision on a weekend, holiday or closure is accepted, with a warning naming the day."""
    if is_business_day(decision, holidays):
        return ()
    why = holidays.why_closed(decision) if isinstance(holidays, WorkCalendar) else (
        "a weekend day" if decision.weekday() >= 5 else "a holiday")
    return (Finding.of("schedule.decision_closed", day=day_label(decision), why=why),)


def schedule_backward(
    template: Template,
    decision: date,
    today: date,
    people: Mapping[str, Person],
    *,
    extra_people: Sequence[tuple[Side, Person]] = (),
    holidays: Collection[date] = WEEKENDS_ONLY,
    names: Mapping[str, str] | None = None,
    lang: str = catalog.DEFAULT,
) -> Schedule:
    """Schedule ``template`` so its decision milestone falls on ``decision``, everything before
    it as late as its successors allow.

    ``people`` maps role keys (``"buyer.champion"``) to people; an item whose role has nobody
    keeps an empty owner so the sync flags it, rather than a role or group name. ``names`` fills
    the goal placeholders ``{deal}``, ``{buyer_company}`` and ``{seller_company}``.
    """
    if decision <= today:
        raise UsageError(
            f"The decision date {decision.isoformat()} is not after today ({today.isoformat()}): "
            f"a plan needs at least one day before the decision.",
            hint="Agree a decision date in the future with the buyer and pass it again.",
        )
    _check_people(template, people)

    graph = _Graph(template)
    planned_leads = {a.key: a.lead_days for a in template.activities}
    floor = next_business_day(today, holidays)
    anchor = previous_business_day(decision, holidays)

    dues = graph.dates(planned_leads, decision, holidays)
    planned_start = graph.start(dues, planned_leads, decision, holidays)
    leads, shortfall = planned_leads, 0
    findings: list[Finding] = []
    if planned_start < floor:
        needed = business_days_between(planned_start, anchor, holidays)
        available = business_days_between(floor, anchor, holidays)  # negative: not one business day left
        shortfall = needed - available
        leads, dues = _compress(graph, planned_leads, needed, decision, floor, holidays)
        findings.append(Finding.of("schedule.compressed", "create", decision=decision, available=available,
                                template=template.name, needed=needed, shortfall=shortfall,
                                earliest=_earliest_backward(graph, planned_leads, decision, floor,
                                                            earliest_decision(template, today, holidays),
                                                            holidays).isoformat()))
    start = graph.start(dues, leads, decision, holidays)
    if start < floor:  # clamped: nothing can start before today, so the plan starts on its first date
        start = min(dues[key] for key in graph.before)
    return replace(_schedule(template, dues, leads, people, extra_people, decision, names, start=start, lang=lang),
                   findings=tuple(findings), shortfall_days=shortfall)


def _schedule(
    template: Template,
    dues: Mapping[str, date],
    leads: Mapping[str, int],
    people: Mapping[str, Person],
    extra_people: Sequence[tuple[Side, Person]],
    decision: date,
    names: Mapping[str, str] | None,
    *,
    start: date,
    lang: str = catalog.DEFAULT,
) -> Schedule:
    """The plan's rows for these due dates and lead times (no findings, no shortfall)."""
    graph_position = {a.key: i for i, a in enumerate(template.activities)}
    ids = _assign_ids(template, dues)
    owner_of = {role: person.name for role, person in people.items()}
    in_date_order = sorted(template.activities, key=lambda a: (dues[a.key], graph_position[a.key]))
    items = tuple(
        Item(
            id=ids[a.key],
            type=a.type,
            activity=a.activity,
            side=a.side,
            owner=owner_of.get(a.owner_role, ""),
            due=dues[a.key],
            status=Status.NOT_STARTED,
            depends_on=tuple(ids[d] for d in a.depends_on),
            baseline=dues[a.key],
            lead_days=leads[a.key],
            role=a.owner_role,
        )
        for a in in_date_order
    )
    risks = tuple(
        Risk(
            id=_numbered("R", n),
            risk=r.risk,
            probability=r.probability,
            impact=r.impact,
            mitigation=r.mitigation,
            owner=owner_of.get(r.owner_role, ""),
            status=RiskStatus.OPEN,
        )
        for n, r in enumerate(template.risks, start=1)
    )
    return Schedule(
        items=items,
        stakeholders=_stakeholders(template, people, extra_people, lang),
        risks=risks,
        goals=_fill_goals(template.goals, decision, names or {}, lang),
        findings=(),
        shortfall_days=0,
        start=start,
        chain=tuple(ids[a.key] for a in in_date_order if a.approval_chain and not a.decision),
        meetings=tuple((ids[a.key], a.meeting) for a in in_date_order if a.meeting),
    )


class _Graph:
    """The template's dependencies, split around the decision milestone."""

    def __init__(self, template: Template) -> None:
        self.decision = template.decision.key
        self.position = {a.key: i for i, a in enumerate(template.activities)}
        self.prerequisites = {a.key: a.depends_on for a in template.activities}
        self.successors: dict[str, list[str]] = {a.key: [] for a in template.activities}
        for a in template.activities:
            for dep in a.depends_on:
                self.successors[dep].append(a.key)
        self.meetings = {a.key: MeetingDays.parse(a.meeting) for a in template.activities if a.meeting}
        #: The approval chain's steps (laid out backward from the decision by ``schedule_forward``).
        self.chain = {a.key for a in template.activities if a.approval_chain and not a.decision}
        self.order = self._topological_order()
        self.followers = self._descendants(self.decision)
        # Everything not after the decision is planned before it (the decision itself included).
        self.before = [k for k in self.order if k not in self.followers]

    def dates(
        self,
        leads: Mapping[str, int],
        decision: date,
        holidays: Collection[date],
        clamp_from: date | None = None,
    ) -> dict[str, date]:
        """Due dates for the given lead times; ``clamp_from`` pulls early dates up to that day."""
        anchor = previous_business_day(decision, holidays)  # lead times count business days
        last_before = previous_business_day(decision - timedelta(days=1), holidays)
        dues: dict[str, date] = {self.decision: decision}
        for key in reversed(self.before):
            if key == self.decision:
                continue
            later = [s for s in self.successors[key] if s not in self.followers]
            if later:
                due = min(
                    add_business_days(anchor if s == self.decision else dues[s], -leads[s], holidays)
                    for s in later
                )
            else:
                due = last_before
            if key in self.meetings:  # the last meeting that still leaves its successors their time
                due = self.meetings[key].previous_on_or_before(due, holidays)
            if clamp_from is not None:
                due = min(max(due, clamp_from), decision)
            dues[key] = due
        for key in self.order:
            if key in self.followers:
                latest = max(dues[p] for p in self.prerequisites[key])
                dues[key] = next_business_day(add_business_days(latest, leads[key], holidays), holidays)
        return dues

    def start(
        self, dues: Mapping[str, date], leads: Mapping[str, int], decision: date, holidays: Collection[date]
    ) -> date:
        """The first day work must begin: each pre-decision item's due date less its lead time."""
        anchor = previous_business_day(decision, holidays)
        return min(
            add_business_days(anchor if key == self.decision else dues[key], -leads[key], holidays)
            for key in self.before
        )

    def _topological_order(self) -> list[str]:
        """Prerequisites first; ties in template order (the template is checked acyclic)."""
        waiting = {key: len(deps) for key, deps in self.prerequisites.items()}
        ready = [key for key in self.position if waiting[key] == 0]
        order: list[str] = []
        while ready:
            ready.sort(key=self.position.__getitem__)
            key = ready.pop(0)
            order.append(key)
            for successor in self.successors[key]:
                waiting[successor] -= 1
                if waiting[successor] == 0:
                    ready.append(successor)
        return order

    def _descendants(self, key: str) -> set[str]:
        found: set[str] = set()
        stack = list(self.successors[key])
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.successors[current])
        return found


def _compress(
    graph: _Graph,
    planned: Mapping[str, int],
    needed: int,
    decision: date,
    floor: date,
    holidays: Collection[date],
) -> tuple[dict[str, int], dict[str, date]]:
    """Shrink pre-decision lead times in proportion until the plan starts no earlier than ``floor``.

    Each scaling (rounded to nearest, rounded down) tries the largest share first, so leads shrink
    no more than needed; the fit that uses the most of the time left wins. If even zero lead times
    start too early, dates are clamped into [floor, decision], which keeps prerequisite order.
    """

    def rounded(lead: int, share: int) -> int:
        return (2 * lead * share + needed) // (2 * needed)

    def rounded_down(lead: int, share: int) -> int:
        return lead * share // needed

    fits: list[tuple[date, int, dict[str, int], dict[str, date]]] = []
    for scale in (rounded, rounded_down):
        for share in range(needed - 1, -1, -1):
            leads = {
                key: lead if key in graph.followers else scale(lead, share) for key, lead in planned.items()
            }
            dues = graph.dates(leads, decision, holidays)
            start = graph.start(dues, leads, decision, holidays)
            if start >= floor:
                fits.append((start, -sum(leads.values()), leads, dues))
                break
    if fits:
        _, _, leads, dues = min(fits, key=lambda fit: fit[:2])
        return leads, dues
    leads = {key: lead if key in graph.followers else 0 for key, lead in planned.items()}
    return leads, graph.dates(leads, decision, holidays, clamp_from=floor)


def _assign_ids(template: Template, dues: Mapping[str, date]) -> dict[str, str]:
    """M-01… and T-01… in due-date order, ties in template order."""
    ids: dict[str, str] = {}
    for kind, prefix in ((ItemType.MILESTONE, "M"), (ItemType.TASK, "T")):
        of_kind = [(dues[a.key], i, a.key) for i, a in enumerate(template.activities) if a.type is kind]
        for n, (_, _, key) in enumerate(sorted(of_kind), start=1):
            ids[key] = _numbered(prefix, n)
    return ids


def _numbered(prefix: str, n: int) -> str:
    return f"{prefix}-{n:02d}"


def _stakeholders(
    template: Template, people: Mapping[str, Person], extra_people: Sequence[tuple[Side, Person]],
    lang: str = catalog.DEFAULT,
) -> tuple[Stakeholder, ...]:
    """One row per person, in role order; a person holding two roles gets both titles."""
    rows: dict[str, Stakeholder] = {}
    for role in template.roles:
        person = people.get(role.key)
        if person is None:
            continue
        identity = _identity(person)
        if identity in rows:
            row = rows[identity]
            rows[identity] = Stakeholder(
                name=row.name, side=row.side, role=f"{row.role} / {role.title}", email=row.email
            )
        else:
            rows[identity] = Stakeholder(
                name=person.name, side=role.side, role=role.title, email=person.email
            )
    for side, person in extra_people:
        identity = _identity(person)
        if identity not in rows:
            rows[identity] = Stakeholder(name=person.name, side=side, role=catalog.words(lang)(CONTACT_ROLE),
                                            email=person.email)
    return tuple(rows.values())


def _identity(person: Person) -> str:
    return person.email.lower() if person.email else "name:" + person.name.strip().lower()


def _check_people(template: Template, people: Mapping[str, Person]) -> None:
    """A person named for a role the template lacks would silently own nothing: refuse it."""
    check_roles(people, [r.key for r in template.roles], template.name)


def check_roles(roles: Iterable[str], known: Sequence[str], template: str) -> None:
    """UsageError (exit 2) for the first of ``roles`` the ``template`` lacks, with the closest of its
    ``known`` roles (``create --role`` and ``assign`` both name people this way)."""
    for role in roles:
        if role not in known:
            close = closest_roles(role, known)
            suggestion = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise UsageError(
                f"The {template} template has no role {role!r}.{suggestion}",
                hint=f"Roles of the {template} template: {', '.join(known)}.",
            )


def closest_roles(given: str, known: Sequence[str]) -> list[str]:
    """The roles a mistyped one most likely meant: "cfo" → buyer.cfo (the name after the side),
    "legal" → buyer.legal and seller.legal, "buyer.cfoo" → buyer.cfo; [] when none is close."""
    def plain(text: str) -> str:
        return re.sub(r"[\s-]+", "_", text.strip().lower())

    wanted = plain(given)
    if wanted in (plain(k) for k in known):
        return [k for k in known if plain(k) == wanted]
    tail = wanted.rsplit(".", 1)[-1]
    same_name = [k for k in known if plain(k).rsplit(".", 1)[-1] == tail]
    if same_name:
        side = wanted.split(".", 1)[0] if "." in wanted else ""
        return [k for k in same_name if k.startswith(side + ".")] or same_name if side else same_name
    close = difflib.get_close_matches(wanted, [plain(k) for k in known], n=1)
    if not close:
        names = {plain(k).rsplit(".", 1)[-1]: k for k in known}
        near = difflib.get_close_matches(tail, list(names), n=1)
        return [k for k in known if plain(k).rsplit(".", 1)[-1] == near[0]] if near else []
    return [k for k in known if plain(k) == close[0]]


def _fill_goals(goals: Mapping[str, str], decision: date, names: Mapping[str, str],
                lang: str = catalog.DEFAULT) -> dict[str, str]:
    given = {key: value for key, value in names.items() if value}
    say = catalog.words(lang)
    defaults = {key: say(f"plan.goals.{key}") for key in _GOAL_DEFAULTS}
    values = {**defaults, **given, "decision_date": decision.isoformat()}
    filled: dict[str, str] = {}
    for key in GOAL_KEYS:
        text = goals.get(key, "")
        for placeholder, value in values.items():
            text = text.replace("{" + placeholder + "}", value)
        filled[key] = text
    return filled
