"""Business-day arithmetic: plans are negotiated in working days, not calendar days.

A business day is Monday to Friday and not one of the given holidays (holidays come from the
config, so they are always passed in). Nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

_NO_HOLIDAYS: frozenset[date] = frozenset()
_ONE_DAY = timedelta(days=1)


def is_business_day(d: date, holidays: Collection[date] = _NO_HOLIDAYS) -> bool:
    """Monday to Friday and not a holiday."""
    return d.weekday() < 5 and d not in holidays


def add_business_days(d: date, n: int, holidays: Collection[date] = _NO_HOLIDAYS) -> date:
    """The date ``n`` business days after ``d`` (before it when ``n`` is negative).

    ``n == 0`` returns ``d`` itself, even when ``d`` is not a business day: a lead time of zero
    means "same day", and the caller decides whether to snap it.
    """
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    current = d
    while remaining:
        current += step
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def business_days_between(a: date, b: date, holidays: Collection[date] = _NO_HOLIDAYS) -> int:
    """How many business days must be added to ``a`` to reach ``b`` (negative when ``b < a``).

    For business days ``a`` and ``b``: ``add_business_days(a, business_days_between(a, b)) == b``.
    """
    if b >= a:
        return _business_days_in(a, b, holidays)
    # Going back from a to b counts the business days in [b, a), i.e. in (b - 1 day, a - 1 day].
    return -_business_days_in(b - _ONE_DAY, a - _ONE_DAY, holidays)


def previous_business_day(d: date, holidays: Collection[date] = _NO_HOLIDAYS) -> date:
    """``d`` itself when it is a business day, else the closest business day before it."""
    while not is_business_day(d, holidays):
        d -= _ONE_DAY
    return d


def next_business_day(d: date, holidays: Collection[date] = _NO_HOLIDAYS) -> date:
    """``d`` itself when it is a business day, else the closest business day after it."""
    while not is_business_day(d, holidays):
        d += _ONE_DAY
    return d


def _business_days_in(after: date, up_to: date, holidays: Collection[date]) -> int:
    """Business days in the half-open range (after, up_to]; weekdays counted in O(1)."""
    weekdays = _weekdays_through(up_to) - _weekdays_through(after)
    closed = sum(1 for h in holidays if after < h <= up_to and h.weekday() < 5)
    return weekdays - closed


def _weekdays_through(d: date) -> int:
    """Weekdays from 0001-01-01 (a Monday) through ``d`` inclusive."""
    ordinal = d.toordinal()
    full_weeks, rest = divmod(ordinal, 7)
    return full_weeks * 5 + min(rest, 5)
