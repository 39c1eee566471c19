"""Move one date and carry the move through the dependency graph, as the rep and buyer agree it.

Pure: the plan, the new date and the holidays in, the moves out. A dependent moves only when
its prerequisite's new date breaks its lead time (it then lands on the first business day that
keeps it), never earlier than it already is; a Done (or N/A) item never moves, and nothing moves
through it. Dates are counted on business days with ``domain/calendar.py``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from map_workspace import catalog
from map_workspace.domain.calendar import (
    MeetingDays,
    add_business_days,
    is_business_day,
    next_business_day,
    previous_business_day,
)
from map_workspace.domain.model import Item, Plan
from map_workspace.domain.rules import find_cycles


@dataclass(frozen=True)
class Reason:
    """Why a date moved, as data: a catalog key (``history.notes.<key>``, or ``plan.replan.<key>``) and
    its values, said in a plan's language by :meth:`said` (the rep's terminal and ``--json`` read
    it in English, the plan's notes and History in the plan's language)."""

    key: str
    dep: str = ""
    due: date | None = None
    lead: int = 0
    meeting: bool = False  # moved on to its meeting's next day

    def said(self, lang: str = catalog.DEFAULT) -> str:
        say = catalog.words(lang)
        part = "plan.replan" if self.key == "chain_relaid" else "history.notes"
        values = {"dep": self.dep, "lead": self.lead,
                  "due": self.due.strftime(say("plan.date")) if self.due else ""}
        text = say(f"{part}.{self.key}", **values)
        return say("plan.replan.meeting_day", reason=text) if self.meeting else text


#: Why a date moved, for the date that was asked for.
ASKED_ITEM = Reason("asked_item")
ASKED_DECISION = Reason("asked_decision")
#: Why a step of the approval chain moved with the decision.
CHAIN_RELAID = Reason("chain_relaid")


#: Plan meta keys: the approval chain's step IDs ("M-03 M-04 …") and the meeting days of the items
#: that sit on them (``{"M-09": "2nd and 4th Tue"}``), as ``create`` scheduled them.
META_CHAIN = "approval_chain"
META_MEETINGS = "meeting_days"


def chain_meta(chain: Sequence[str], meetings: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The plan meta that lets a replan keep the chain and its meeting days (empty: none)."""
    out = {META_CHAIN: " ".join(chain)} if chain else {}
    if meetings:
        out[META_MEETINGS] = json.dumps(dict(meetings), ensure_ascii=False)
    return out


def chain_from_meta(meta: Mapping[str, str]) -> tuple[tuple[str, ...], dict[str, MeetingDays]]:
    """The approval chain's step IDs and the meeting days by ID a plan's meta records; what cannot be
    read is left out (a plan made before meta carried them has neither)."""
    chain = tuple(str(meta.get(META_CHAIN, "")).split())
    try:
        rules = json.loads(meta.get(META_MEETINGS, "") or "{}")
    except ValueError:
        rules = {}
    meetings: dict[str, MeetingDays] = {}
    for item_id, rule in (rules.items() if isinstance(rules, dict) else ()):
        try:
            meetings[str(item_id)] = MeetingDays.parse(str(rule))
        except ValueError:
            continue
    return chain, meetings


@dataclass(frozen=True)
class Move:
    """One item's due date before and after a replan, and why it moved."""

    id: str
    activity: str
    before: date | None
    after: date
    why: Reason

    @property
    def reason(self) -> str:
        """Why it moved, in English (the rep's words; the plan's are ``why.said(lang)``)."""
        return self.why.said()

    def as_json(self) -> dict[str, str | None]:
        return {"id": self.id, "activity": self.activity,
                "from": self.before.isoformat() if self.before else None, "to": self.after.isoformat(),
                "reason": self.reason}


def propagate(plan: Plan, item_id: str, new_due: date, *, reason: Reason = ASKED_ITEM,
              holidays: Collection[date] = frozenset(),
              meetings: Mapping[str, MeetingDays] | None = None) -> tuple[Move, ...]:
    """The moves that put ``item_id`` on ``new_due``: that item first (even when its date does not
    change, its dependents are still checked against it), then each dependent whose lead time
    the move breaks, in date order; a dependent that sits on a meeting's days (``meetings``, by ID:
    the board of a ringi chain) moves to the first meeting day that keeps its lead time. The caller
    checks that ``item_id`` is an open item."""
    meetings = meetings or {}
    by_id = {i.id: i for i in plan.items if i.id}
    successors: dict[str, list[str]] = {}
    for item in plan.items:
        for dep in item.depends_on:
            if dep != item.id and item.id:
                successors.setdefault(dep, []).append(item.id)
    cyclic = {node for cycle in find_cycles({k: list(v) for k, v in successors.items()}) for node in cycle}
    dates: dict[str, date] = {item_id: new_due}
    reasons: dict[str, Reason] = {item_id: reason}
    waiting = [item_id]
    while waiting:
        current = waiting.pop(0)
        if current in cyclic and current != item_id:
            continue  # a cycle has no order to keep: the sync reports it
        for follower_id in successors.get(current, ()):
            follower = by_id.get(follower_id)
            if follower is None or follower_id == item_id or not _movable(follower):
                continue
            earliest = next_business_day(add_business_days(dates[current], follower.lead_days, holidays), holidays)
            if earliest <= dates.get(follower_id, follower.due):  # type: ignore[operator]
                continue
            reasons[follower_id] = _follows(current, dates[current], follower.lead_days)
            if follower_id in meetings:
                earliest = meetings[follower_id].next_on_or_after(earliest, holidays)
                reasons[follower_id] = replace(reasons[follower_id], meeting=True)
            dates[follower_id] = earliest
            waiting.append(follower_id)
    found = list(dates)  # in the order the walk reached them: on one day, a prerequisite before its dependent
    moved = [Move(i, by_id[i].activity, by_id[i].due, d, reasons[i]) for i, d in dates.items()
             if i == item_id or d != by_id[i].due]
    return tuple(sorted(moved, key=lambda m: (m.id != item_id, m.after, found.index(m.id))))


def relay_chain(plan: Plan, decision_id: str, decision: date, chain: Collection[str], *,
                meetings: Mapping[str, MeetingDays] | None = None,
                holidays: Collection[date] = frozenset()) -> tuple[Move, ...]:
    """The approval chain (``chain``: the IDs of its steps) laid out again backward from the decision
    on ``decision``, as ``create`` laid it out: each open step its successor's lead time before its
    successor in the chain (the decision's before the decision), a meeting (``meetings``) on the last
    meeting day that leaves its successors their time. A done step keeps its date and is the date its
    predecessors are counted from; a step with a successor outside the chain is left where it is."""
    meetings = meetings or {}
    by_id = {i.id: i for i in plan.items if i.id}
    steps = [i for i in chain if i in by_id and i != decision_id]
    ends = {*steps, decision_id}
    successors: dict[str, list[str]] = {i: [] for i in ends}
    for item in plan.items:
        for dep in item.depends_on:
            if dep in successors and item.id:
                successors[dep].append(item.id)
    anchor = previous_business_day(decision, holidays)
    dates: dict[str, date] = {decision_id: decision}
    moves: list[Move] = []
    pending = list(steps)
    while pending:  # a step once every successor in the chain has its date (the chain is acyclic)
        ready = [i for i in pending if all(s in dates for s in successors[i])]
        if not ready:
            break  # a cycle: the sync reports it
        for step_id in ready:
            pending.remove(step_id)
            step = by_id[step_id]
            later = successors[step_id]
            if not _movable(step) or not later or any(s not in ends for s in later):
                dates[step_id] = step.due or anchor
                continue
            due = min(add_business_days(anchor if s == decision_id else dates[s], -by_id[s].lead_days, holidays)
                      for s in later)
            due = previous_business_day(due, holidays)
            if step_id in meetings:
                due = meetings[step_id].previous_on_or_before(due, holidays)
            dates[step_id] = due
            if due != step.due:
                moves.append(Move(step_id, step.activity, step.due, due, CHAIN_RELAID))
    return tuple(sorted(moves, key=lambda m: (m.after, m.id)))


def too_early(plan: Plan, moves: Sequence[Move], chain: Collection[str], soonest: date,
              holidays: Collection[date] = frozenset()) -> tuple[str, ...]:
    """The IDs of the chain's moved steps that land before ``soonest`` (the first working day from today)
    or sooner than their lead time after a prerequisite outside the chain (the work before it)."""
    by_id = {i.id: i for i in plan.items if i.id}
    early = []
    for move in moves:
        step = by_id[move.id]
        outside = [by_id[d].due for d in step.depends_on if d in by_id and d not in chain and by_id[d].due]
        floor = max([soonest, *(add_business_days(d, step.lead_days, holidays) for d in outside if d)])
        if move.after < floor:
            early.append(move.id)
    return tuple(early)


def earliest_chain_decision(plan: Plan, decision_id: str, decision: date, chain: Collection[str], soonest: date, *,
                            meetings: Mapping[str, MeetingDays] | None = None,
                            holidays: Collection[date] = frozenset()) -> date:
    """The first working day from ``decision`` on which the approval chain, laid out again backward
    from it (:func:`relay_chain`), fits after today and the work before it (:func:`too_early`)."""
    day = decision
    for _ in range(366):
        moves = relay_chain(plan, decision_id, day, chain, meetings=meetings, holidays=holidays)
        if not too_early(plan, moves, chain, soonest, holidays):
            return day
        day = next_business_day(day + timedelta(days=1), holidays)
    return day


def _movable(item: Item) -> bool:
    """Open and dated: a Done or N/A item keeps its date, and an item without a readable date has
    nothing to compare (the sync asks for one)."""
    return item.is_open and item.due is not None


def _follows(prerequisite: str, due: date, lead: int) -> Reason:
    return Reason("needs" if lead > 0 else "follows", dep=prerequisite, due=due, lead=lead)


def due_after_decision(plan: Plan, decision_id: str, day: date) -> tuple[str, ...]:
    """Open items due after ``day`` that lead to the decision (not the decision, nor what follows it):
    what still ends after a decision moved earlier, for the rep to move by hand."""
    after: set[str] = {decision_id}
    grew = True
    while grew:
        grew = False
        for item in plan.items:
            if item.id and item.id not in after and after.intersection(item.depends_on):
                after.add(item.id)
                grew = True
    return tuple(i.id for i in plan.items if i.id and i.is_open and i.due and i.due > day and i.id not in after)


def non_working_day(day: date, holidays: Collection[date] = frozenset()) -> str:
    """"Sat 2027-02-27" when ``day`` is a weekend day or holiday, else ""."""
    return "" if is_business_day(day, holidays) else f"{day.strftime('%a')} {day.isoformat()}"
