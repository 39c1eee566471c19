"""How long what the sync concludes about an unchanged plan stays true.

A nightly run that finds a plan file unchanged need not plan it again before the first day on
which the calendar alone can change the sync's output: its writes, its findings (whose messages
name days overdue and window bounds), progress, health or projected decision. This module derives
that day from the plan as the sync read it, and the thresholds it was assessed with. It errs early
("tomorrow") whenever a value moves with every day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from map_workspace.domain.calendar import add_business_days
from map_workspace.domain.model import Plan
from map_workspace.domain.parsing import read_availability
from map_workspace.domain.rules import Thresholds, due_soon_until

_DAY = timedelta(days=1)
#: A date typed without a year is read in the year nearest today; it is read one year later only
#: once today is past the middle between the two (≥ 182.5 days after the date read).
_YEARLESS_FLIP = timedelta(days=182)


def stable_until(plan: Plan, today: date, thresholds: Thresholds | None = None,
                 holidays: Collection[date] = frozenset()) -> date:
    """The first day after ``today`` on which ``plan_sync`` of the same file may say something
    else than it says ``today``; every day before it gives the same changes and findings.

    ``plan`` is the plan as the sync read and reconciled it (``SyncPlan.plan``); ``holidays`` the
    calendar it reasoned with (``SyncPlan.calendar``): "due soon" counts its working days."""
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
                return tomorrow  # "N days overdue", and the projection starts from today
            candidates += [_due_soon_from(item.due, t, holidays), item.due + _DAY]
    for person in plan.stakeholders:
        if person.availability:
            typed += read_availability(person.availability, plan.locale, today).typed
    candidates += _yearless_flips(typed)
    return min(c for c in candidates if c > today)


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
