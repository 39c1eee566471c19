"""The rules the sync enforces (PRODUCT.md, "Rules the sync enforces"), as pure functions.

A rule decides that something is wrong and passes the data; ``domain/findings.py`` holds every
code with its severity and words (and docs/findings.md is generated from it).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from map_workspace.domain import parsing
from map_workspace.domain.calendar import add_business_days, business_days_between
from map_workspace.domain.findings import Finding, about_closed_item
from map_workspace.domain.model import (
    Assessment,
    Health,
    Item,
    Plan,
    Progress,
    Side,
    Stakeholder,
    Status,
)
from map_workspace.domain.parsing import OwnerKind
from map_workspace.domain.thresholds import Thresholds


@dataclass(frozen=True)
class Context:
    """What the rules need besides the plan itself."""

    today: date
    #: The plan's working calendar (a WorkCalendar, or plain dates): weekends only by default.
    holidays: Collection[date] = frozenset()
    thresholds: Thresholds = field(default_factory=Thresholds)
    shortfall_days: int = 0
    decision_id: str = ""
    #: What the sync could not see ("owner", "due", … columns; "stakeholders"): no claims about it.
    unseen: frozenset[str] = frozenset()
    #: The Overview's target decision date as the plan last had it, when it has changed since.
    previous_target: date | None = None
    #: The buyer's silence is counted from this day (their last edit, else the plan's creation);
    #: None: not known, no claim is made.
    buyer_since: date | None = None
    #: Who made the buyer's last edit ("" unknown); ``buyer_edited`` False: they never edited it.
    buyer_by: str = ""
    buyer_edited: bool = False


def assess(plan: Plan, ctx: Context) -> Assessment:
    """Every finding about the plan today, its progress, projected decision date and health."""
    findings: list[Finding] = []
    readings = _check_owners(plan, findings, ctx.unseen)
    owners = {k: r.stakeholder for k, r in readings.items() if r.kind is OwnerKind.PERSON and r.stakeholder}
    _check_dates(plan, ctx, findings)
    _check_statuses(plan, findings)
    cyclic = _check_dependencies(plan, ctx, findings)
    _check_availability(plan, ctx, readings, findings)
    _check_due(plan, ctx, findings)
    _check_hygiene(plan, ctx, owners, findings)
    _check_target_move(plan, ctx, findings)
    _check_silence(plan, ctx, findings)
    progress = compute_progress(plan.items)
    decision = decision_item(plan, ctx.decision_id)
    projected = projected_decision(plan, ctx, decision, cyclic)
    health = _health(plan, ctx, decision, projected, findings)
    next_ms = min(
        (i for i in plan.items if i.is_milestone and i.is_open and i.due),
        key=lambda i: (i.due, i.id), default=None,
    )
    return Assessment(settle_closed_items(plan, findings), progress, health, projected, next_ms,
                      {k: v.name for k, v in owners.items()}, _people(readings))


def settle_closed_items(plan: Plan, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Findings about a Done or N/A item at most info (``findings.about_closed_item``)."""
    closed = {i.id for i in plan.items if i.id and not i.is_open}
    return tuple(about_closed_item(f) if f.id in closed and f.tab == "Plan" else f for f in findings)


# --- owners -------------------------------------------------------------------------------------

def _check_owners(plan: Plan, findings: list[Finding],
                  unseen: frozenset[str] = frozenset()) -> dict[str, parsing.OwnerReading]:
    """Every item's Owner cell read against the Stakeholders tab; findings for the open ones."""
    companies = [c for c in (plan.overview.buyer_company, plan.overview.seller_company) if c]
    readings: dict[str, parsing.OwnerReading] = {}
    if "owner" in unseen:
        return readings
    for item in plan.items:
        reading = parsing.read_owner(item.owner, plan.stakeholders, companies)
        readings[item.id] = reading
        if not item.is_open and item.status is not None:
            continue
        for f in _owner_findings(item, reading, plan.stakeholders):
            if not ("stakeholders" in unseen and f.code in ("owner.unknown", "owner.ambiguous")):
                findings.append(f)
    return readings


_OWNER_CODES = {
    OwnerKind.EMPTY: "owner.missing", OwnerKind.PLACEHOLDER: "owner.missing", OwnerKind.GROUP: "owner.group",
    OwnerKind.COMPANY: "owner.company", OwnerKind.MULTIPLE: "owner.multiple", OwnerKind.AMBIGUOUS: "owner.ambiguous",
    OwnerKind.UNKNOWN: "owner.unknown",
}


def _owner_findings(item: Item, reading: parsing.OwnerReading,
                    stakeholders: Sequence[Stakeholder]) -> list[Finding]:
    """The cell's finding, and for two people in one cell each one not matched to Stakeholders."""
    code = _OWNER_CODES.get(reading.kind)
    if code is None:
        return []
    variant = "placeholder" if reading.kind is OwnerKind.PLACEHOLDER else ""
    out = [Finding.of(code, variant, id=item.id, owner=reading.text,
                      suggest=(item.role, _role_holder(item.role, stakeholders)),
                      names=reading.candidates, candidates=reading.candidates)]
    for piece in reading.people:
        if piece.kind in (OwnerKind.UNKNOWN, OwnerKind.AMBIGUOUS):
            out.append(Finding.of(_OWNER_CODES[piece.kind], id=item.id, owner=piece.text,
                                  candidates=piece.candidates))
    return out


def _role_holder(role: str, stakeholders: Sequence[Stakeholder]) -> str:
    """The one person Stakeholders lists in a template role ("buyer.it_lead" → the buyer's "IT
    lead"), whom a hint can suggest; "" when nobody or several are."""
    side, _, title = role.partition(".")
    if not title:
        return ""
    words = title.replace("_", " ").casefold()
    holders = [p.name for p in stakeholders if p.name and (p.side is None or p.side.value.casefold() == side)
               and any(re.fullmatch(rf"{re.escape(words)}\b.*", part.strip().casefold())
                       for part in p.role.split("/"))]
    return holders[0] if len(set(holders)) == 1 else ""


def _people(readings: dict[str, parsing.OwnerReading]) -> dict[str, tuple[str, ...]]:
    """Each item's owners as counted: one name per person, two for "Bob & Priya" (a listed person by
    their Stakeholders name, anyone else as typed); nothing for an empty cell or a placeholder."""
    out: dict[str, tuple[str, ...]] = {}
    for item_id, r in readings.items():
        if r.kind is OwnerKind.PERSON and r.stakeholder is not None:
            out[item_id] = (r.stakeholder.name,)
        elif r.kind is OwnerKind.MULTIPLE:
            names = [p.stakeholder.name if p.stakeholder is not None else p.text.strip() for p in r.people
                     if p.kind not in (OwnerKind.EMPTY, OwnerKind.PLACEHOLDER)]
            out[item_id] = tuple(dict.fromkeys(names))
        elif r.kind not in (OwnerKind.EMPTY, OwnerKind.PLACEHOLDER):
            out[item_id] = (r.text.strip(),)
    return out


# --- dates and statuses -------------------------------------------------------------------------

def _check_dates(plan: Plan, ctx: Context, findings: list[Finding]) -> None:
    anchor = plan.overview.target_decision or ctx.today
    low = min(anchor, ctx.today) - timedelta(days=ctx.thresholds.window_days)
    high = max(anchor, ctx.today) + timedelta(days=ctx.thresholds.window_days)
    forms = parsing.accepted_date_forms(plan.locale)
    if plan.overview.target_decision is None and not plan.overview.target_text:
        findings.append(Finding.of("overview.no_target"))
    for item in plan.items:
        if "due" in ctx.unseen:
            break
        if item.due is None and item.due_text:
            findings.append(Finding.of("date.unparseable", id=item.id, text=item.due_text, forms=forms))
        elif item.due is None and item.is_open:
            findings.append(Finding.of("date.missing", id=item.id, forms=forms))
        elif item.due is not None and not (low <= item.due <= high):
            findings.append(Finding.of("date.out_of_window", id=item.id, due=item.due, low=low, high=high))


def _check_statuses(plan: Plan, findings: list[Finding]) -> None:
    for item in plan.items:
        if item.status is None:
            findings.append(Finding.of("status.unknown", id=item.id, text=item.status_text))


# --- dependencies -------------------------------------------------------------------------------

def _check_dependencies(plan: Plan, ctx: Context, findings: list[Finding]) -> set[str]:
    by_id = {i.id: i for i in plan.items if i.id}
    for item in plan.items:
        bad = parsing.parse_depends(item.depends_text).bad
        if bad:
            findings.append(Finding.of("dep.unreadable", id=item.id, text=item.depends_text, bad=bad))
        for dep_ref in item.depends_on:
            if dep_ref == item.id:
                findings.append(Finding.of("dep.self", id=item.id))
            elif dep_ref not in by_id:
                findings.append(Finding.of("dep.unknown", id=item.id, dep=dep_ref))
    cyclic = set()
    for cycle in find_cycles(_dependency_graph(plan)):
        for node in cycle:
            cyclic.add(node)
            findings.append(Finding.of("dep.cycle", id=node, cycle=cycle))
    for item in plan.items:
        for dep_id in item.depends_on:
            dep = by_id.get(dep_id)
            if dep is None or dep_id == item.id or dep_id in cyclic:
                continue
            ready = _ready_on(dep, ctx.today)
            if item.due and ready and item.is_open:
                gap = business_days_between(ready, item.due, ctx.holidays)
                done = "done" if dep.status is Status.DONE else ""
                if item.due < ready:
                    findings.append(Finding.of("dep.order", done, id=item.id, due=item.due, dep=dep_id,
                                               dep_due=ready))
                elif gap < item.lead_days:
                    earliest = add_business_days(ready, item.lead_days, ctx.holidays)
                    findings.append(Finding.of("dep.lead", done, id=item.id, gap=gap, dep=dep_id,
                                               lead=item.lead_days, earliest=earliest, done_on=ready))
            if dep.is_open and item.status in (Status.IN_PROGRESS, Status.DONE):
                findings.append(Finding.of("dep.started_early", id=item.id, status=item.status.value, dep=dep_id))
    return cyclic


def _dependency_graph(plan: Plan) -> dict[str, list[str]]:
    by_id = {i.id for i in plan.items if i.id}
    return {i.id: [d for d in i.depends_on if d in by_id and d != i.id] for i in plan.items if i.id}


def cyclic_items(plan: Plan) -> set[str]:
    """The IDs on a dependency cycle (the projection ignores those links)."""
    return {node for cycle in find_cycles(_dependency_graph(plan)) for node in cycle}


def _ready_on(dep: Item, today: date) -> date | None:
    """The day an item's dependents can count their lead time from: the day it was done when it
    is Done (by today at the latest when Done on is empty), else its due date. A prerequisite
    dropped as N/A times nothing."""
    if dep.status is Status.NA:
        return None
    if dep.status is Status.DONE:
        if dep.done_on is not None:
            return dep.done_on
        return min(dep.due, today) if dep.due else None
    return dep.due


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle found by depth-first search, once (rotated to start at its smallest ID)."""
    seen: set[tuple[str, ...]] = set()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):]
                k = cycle.index(min(cycle))
                key = tuple(cycle[k:] + cycle[:k])
                if key not in seen:
                    seen.add(key)
                    cycles.append(list(key))
            elif state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node)
    return cycles


# --- availability, due, hygiene -----------------------------------------------------------------

def unavailable_ranges(text: str, locale: str, today: date) -> list[tuple[date, date]]:
    """Date ranges in an Availability cell ("travelling 2026-05-01 to 2026-05-21", "Out Jan 11-15",
    "PTO until Jan 15"): see ``parsing.read_availability``."""
    return list(parsing.read_availability(text, locale, today).ranges)


def _check_availability(plan: Plan, ctx: Context, readings: dict[str, parsing.OwnerReading],
                        findings: list[Finding]) -> None:
    for item in plan.items:
        reading = readings.get(item.id)
        if reading is None or not (item.due and item.is_open):
            continue
        for person in reading.stakeholders:
            if not person.availability:
                continue
            for start, end in unavailable_ranges(person.availability, plan.locale, ctx.today):
                if start <= item.due <= end:
                    findings.append(Finding.of("availability.conflict", id=item.id, due=item.due,
                                               person=person.name, availability=person.availability))
                    break


def due_soon_until(today: date, thresholds: Thresholds, holidays: Collection[date] = frozenset()) -> date:
    """The last due date that is "due soon" today: ``due_soon_days`` working days after today on the
    plan's calendar, as the sheet's ``WORKDAY(TODAY(), days, closed days)`` counts them."""
    return add_business_days(today, thresholds.due_soon_days, holidays)


def _check_due(plan: Plan, ctx: Context, findings: list[Finding]) -> None:
    t = ctx.thresholds
    soon_until = due_soon_until(ctx.today, t, ctx.holidays)
    by_id = {i.id: i for i in plan.items if i.id}
    for item in plan.items:
        if item.status is Status.BLOCKED:
            waiting = [d for d in item.depends_on if d in by_id and by_id[d].is_open]
            findings.append(Finding.of("item.blocked", id=item.id, waiting=waiting))
        if not (item.is_open and item.due):
            continue
        late = (ctx.today - item.due).days
        if late >= t.stalled_after_days:
            findings.append(Finding.of("item.stalled", id=item.id, late=late, due=item.due))
        elif late >= 1:
            findings.append(Finding.of("item.overdue", id=item.id, late=late, due=item.due))
        elif item.due <= soon_until:
            findings.append(Finding.of("item.due_soon", id=item.id, due=item.due))
    for item in plan.items:
        if item.is_milestone and item.is_open and item.slips >= t.repeated_slips:
            findings.append(Finding.of("slip.milestone_repeated", id=item.id, slips=item.slips))


def _check_hygiene(plan: Plan, ctx: Context, owners: dict[str, Stakeholder], findings: list[Finding]) -> None:
    open_items = [i for i in plan.items if i.is_open]
    if len(open_items) > ctx.thresholds.max_open_items:
        findings.append(Finding.of("hygiene.too_many_open", open=len(open_items), limit=ctx.thresholds.max_open_items))
    for item in open_items:
        person = owners.get(item.id)
        if item.side is Side.BUYER and person is not None and person.side is Side.SELLER:
            findings.append(Finding.of("hygiene.buyer_item_seller_owner", id=item.id, person=person.name))
    if ctx.shortfall_days > 0:
        findings.append(Finding.of("schedule.compressed", shortfall=ctx.shortfall_days))


def _check_target_move(plan: Plan, ctx: Context, findings: list[Finding]) -> None:
    """The Overview's target decision date moved: name the open items now due after it."""
    new, old = plan.overview.target_decision, ctx.previous_target
    if new is None or old is None or new == old:
        return
    past = [i.id for i in plan.items if i.is_open and i.id and i.due and i.due > new]
    findings.append(Finding.of("decision.target_moved", "" if past else "none", old=old, new=new,
                               items=past, count=len(past)))


def silent_on(since: date, ctx: Context) -> date:
    """The day a buyer quiet since ``since`` counts as silent: ``buyer_silent`` business days of the
    plan's calendar later."""
    return add_business_days(since, ctx.thresholds.buyer_silent, ctx.holidays)


def _check_silence(plan: Plan, ctx: Context, findings: list[Finding]) -> None:
    """An open plan the buyer has not edited for ``buyer_silent`` business days (never on a closed one)."""
    since = ctx.buyer_since
    if since is None or not ctx.thresholds.date_flags or not any(i.is_open for i in plan.items):
        return
    if ctx.today < silent_on(since, ctx):
        return
    days = business_days_between(since, ctx.today, ctx.holidays)
    findings.append(Finding.of("buyer.silent", "" if ctx.buyer_edited else "never", days=days,
                               since=since.isoformat(), by=ctx.buyer_by))


# --- progress, projection, health ---------------------------------------------------------------

def compute_progress(items: Sequence[Item]) -> Progress:
    """Done of all items, N/A left out; percent rounded half up, as the sheet's ROUND does."""
    counted = [i for i in items if i.status is not Status.NA]
    done = sum(1 for i in counted if i.status is Status.DONE)
    total = len(counted)
    percent = (200 * done + total) // (2 * total) if total else 0
    return Progress(done, total, percent)


def decision_item(plan: Plan, decision_id: str = "") -> Item | None:
    """The purchase decision milestone: the one the plan names, else the likeliest milestone."""
    if decision_id and (item := plan.item(decision_id)):
        return item
    milestones = [i for i in plan.items if i.is_milestone]
    named = [i for i in milestones if "decision" in i.activity.lower()]
    pool = named or milestones
    return max(pool, key=lambda i: (i.due or date.min, i.id), default=None)


def projected_decision(plan: Plan, ctx: Context, decision: Item | None,
                       cyclic: frozenset[str] | set[str] = frozenset()) -> date | None:
    """Follow the dependency graph from today's dates: an open item finishes no earlier than its due
    date, an overdue one no earlier than today, and each item no earlier than its lead time after
    its prerequisites."""
    if decision is None:
        return plan.overview.target_decision
    by_id = {i.id: i for i in plan.items if i.id}
    memo: dict[str, date | None] = {}

    def finish(item: Item, trail: frozenset[str]) -> date | None:
        if item.id in memo:
            return memo[item.id]
        if not item.is_open:
            result = item.done_on or item.due
            memo[item.id] = result
            return result
        base = item.due
        if base is not None and base < ctx.today:
            base = ctx.today
        for dep_id in item.depends_on:
            dep = by_id.get(dep_id)
            if dep is None or dep_id == item.id or dep_id in trail or dep_id in cyclic or not dep.is_open:
                continue
            prior = finish(dep, trail | {item.id})
            if prior is not None:
                ready = add_business_days(prior, item.lead_days, ctx.holidays)
                base = ready if base is None or ready > base else base
        memo[item.id] = base
        return base

    return finish(decision, frozenset()) or plan.overview.target_decision


def _health(plan: Plan, ctx: Context, decision: Item | None, projected: date | None,
            findings: list[Finding]) -> Health:
    target = plan.overview.target_decision
    if decision is not None and not decision.is_open:
        return Health.ON_TRACK
    level = 0
    if target and projected and projected > target:
        late = business_days_between(target, projected, ctx.holidays)
        level = 2 if late > ctx.thresholds.off_track_after_days else 1
        findings.append(Finding.of("decision.late", "off_track" if level == 2 else "", projected=projected,
                                late=late, target=target))
    if any(i.is_milestone and i.is_open and i.slips >= ctx.thresholds.repeated_slips for i in plan.items):
        level += 1
    if ctx.shortfall_days > 0 or any(f.code == "item.stalled" and (it := plan.item(f.id or "")) is not None
                                     and it.is_milestone for f in findings):
        level = max(level, 1)
    if any(f.code == "buyer.silent" for f in findings):  # a step below whatever the rest says
        level += 1
    return (Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK)[min(level, 2)]
