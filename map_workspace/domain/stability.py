"""How long what the sync concludes about an unchanged plan stays true.

A nightly run that finds a plan file unchanged need not plan it again before the first day on
which the calendar alone can change the sync's output: its writes, its findings (whose messages
name days overdue and window bounds), progress, health or projected decision. This module derives
that day from the plan as the sync read it, and the thresholds it was assessed with. It errs early
("tomorrow") whenever a value moves with every day.

One such value is left to the night instead: an overdue item's day count ("T-01 is 7 day(s)
overdue"). It is in no cell of the file (the sheet's live Flag and Overview formulas count it), only
in the finding's words, so with ``counts=True`` the day returned is the first on which anything else
may change (the item turns stalled, the projected decision moves, ...) and :func:`advance` words
those findings for each day before it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from map_workspace.domain.calendar import add_business_days
from map_workspace.domain.findings import Finding
from map_workspace.domain.model import Plan
from map_workspace.domain.parsing import read_availability
from map_workspace.domain.rules import (
    Context,
    Thresholds,
    cyclic_items,
    decision_item,
    due_soon_until,
    projected_decision,
)

_DAY = timedelta(days=1)
#: A date typed without a year is read in the year nearest today; it is read one year later only
#: once today is past the middle between the two (≥ 182.5 days after the date read).
_YEARLESS_FLIP = timedelta(days=182)
#: Findings whose words count the days an open item is past its due date, and change by nothing
#: else while it stays open and late: :func:`advance` words them for a later day.
COUNTING = ("item.overdue", "item.stalled")


def stable_until(plan: Plan, today: date, thresholds: Thresholds | None = None,
                 holidays: Collection[date] = frozenset(), *, counts: bool = False, decision_id: str = "") -> date:
    """The first day after ``today`` on which ``plan_sync`` of the same file may say something
    else than it says ``today``; every day before it gives the same changes and findings.

    ``plan`` is the plan as the sync read and reconciled it (``SyncPlan.plan``); ``holidays`` the
    calendar it reasoned with (``SyncPlan.calendar``): "due soon" counts its working days.

    With ``counts``, the day counts of the ``COUNTING`` findings are left out: before the day
    returned the sync says the same but for those counts (re-worded with :func:`advance`); an
    overdue item then bounds it by the day it turns stalled and the day the projected decision
    (``decision_id``: the plan's decision milestone, as its meta names it) starts to move."""
    tomorrow = today + _DAY
    t = thresholds or Thresholds()
    if t.due_soon_days < 0 or t.stalled_after_days < 1 or t.window_days < 0:
        return tomorrow  # unusual thresholds: do not reason about them
    # Texts such as "5/15" read relative to today change reading when the year turns (and a
    # "2/29" may become readable): every plan is planned again on the 1st of January.
    candidates = [date(today.year + 1, 1, 1)]
    target = plan.overview.target_decision
    anchor = target or today
    low = min(anchor, today) - timedelta(days=t.window_days)
    high = max(anchor, today) + timedelta(days=t.window_days)
    typed: list[date] = [target] if target else []
    overdue = False
    for item in plan.items:
        typed += [d for d in (item.due, item.done_on) if d is not None]
        if item.due is None:
            continue
        if not low <= item.due <= high:
            return tomorrow  # "far outside the plan's window (low to high)": a bound moves daily
        # It leaves or enters the window when the bound that moves with today passes it.
        candidates += [item.due + timedelta(days=t.window_days + 1), item.due - timedelta(days=t.window_days)]
        if item.is_open:
            if item.due < today:
                if not counts:
                    return tomorrow  # "N days overdue", and the projection starts from today
                overdue = True
                # "overdue" turns "stalled" (and a stalled milestone puts the plan at risk).
                candidates.append(item.due + timedelta(days=t.stalled_after_days))
                continue
            candidates += [_due_soon_from(item.due, t, holidays), item.due + _DAY]
    for person in plan.stakeholders:
        if person.availability:
            typed += read_availability(person.availability, plan.locale, today).typed
    candidates += _yearless_flips(typed)
    until = min(c for c in candidates if c > today)
    if overdue:
        until = _projection_holds_until(plan, today, until, t, holidays, decision_id)
    return until


def counted_from(plan: Plan, findings: Sequence[Finding], today: date) -> dict[int, date] | None:
    """For each ``COUNTING`` finding, by its place in ``findings``, the due date its count runs from;
    None when one cannot be told, or :func:`advance` would not word it as it reads ``today`` (the
    plan must then be planned again each day)."""
    dues: dict[str, date | None] = {}
    for item in plan.items:
        if item.id:  # an ID on two rows: neither date can be told
            dues[item.id] = None if item.id in dues else item.due
    out = {}
    for n, f in enumerate(findings):
        if f.code in COUNTING:
            due = dues.get(f.id or "")
            if due is None or advance(f, due, today) != f:
                return None
            out[n] = due
    return out


def advance(finding: Finding, due: date, day: date) -> Finding:
    """A ``COUNTING`` finding about an item due ``due``, as the sync words it on ``day`` (where it
    points, and what it names, as it was)."""
    again = Finding.of(finding.code, id=finding.id, late=(day - due).days)
    return replace(again, cell=finding.cell, activity=finding.activity, sheet=finding.sheet)


def _projection_holds_until(plan: Plan, today: date, until: date, t: Thresholds, holidays: Collection[date],
                            decision_id: str) -> date:
    """The first day before ``until`` on which the projected decision differs from today's (an
    overdue item finishes no earlier than the day it is seen), else ``until``. The projection
    never moves back as days pass (each item finishes no earlier than the later of its due date and
    today, and its lead time after its prerequisites), so the days it holds are a run from today:
    the first one it fails is found by halving."""
    decision = decision_item(plan, decision_id)
    if decision is None:
        return until  # the target date: it does not move with the day
    cyclic = cyclic_items(plan)

    def projected(day: date) -> date | None:
        return projected_decision(plan, Context(today=day, holidays=holidays, thresholds=t), decision, cyclic)

    now = projected(today)
    holds, fails = today, until  # projected(holds) == now; from ``fails`` on it may differ
    while (fails - holds).days > 1:
        mid = date.fromordinal(holds.toordinal() + (fails - holds).days // 2)
        if projected(mid) == now:
            holds = mid
        else:
            fails = mid
    return fails


def _due_soon_from(due: date, t: Thresholds, holidays: Collection[date]) -> date:
    """The first day on which an item due ``due`` is "due soon" (``due_soon_until`` reaches it)."""
    day = add_business_days(due, -(t.due_soon_days + 1), holidays) + _DAY
    while due_soon_until(day, t, holidays) < due:
        day += _DAY
    return day


def _yearless_flips(dates: Iterable[date]) -> list[date]:
    """Days before which a date, had it been typed without a year, is still read as the same day."""
    out = []
    for d in dates:
        try:
            out.append(d + _YEARLESS_FLIP)
        except OverflowError:
            continue
    return out
