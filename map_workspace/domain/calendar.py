"""Business-day arithmetic: plans are negotiated in working days, not calendar days.

A business day is Monday to Friday and not one of the given holidays. The holidays are either a
plain set of dates or a :class:`WorkCalendar` (a plan's public holidays and company closures, which
is a collection of its closed dates, so every function here takes either). Nothing here reads the
clock or any file: the calendar's dates are built outside the domain (``map_workspace/workdays.py``
reads them from the ``holidays`` package) and passed in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

_NO_HOLIDAYS: frozenset[date] = frozenset()
_ONE_DAY = timedelta(days=1)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WorkCalendar(Collection[date]):
    """The days a plan is worked on: Monday to Friday less ``closed`` (public holidays of
    ``regions`` and the company ``closures``, as dates over the years the plan spans).

    ``regions`` ("US", "GB-ENG") and ``closures`` ("12-29..01-03", "2027-08-13..2027-08-16") are
    the calendar's recipe, kept so a plan can store it and a later sync rebuild the same calendar;
    ``dates`` are single days named in the config. As a collection it holds the closed dates, so
    it goes wherever a set of holidays went. The default is weekends only.
    """

    closed: frozenset[date] = frozenset()
    regions: tuple[str, ...] = ()
    closures: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()
    names: tuple[tuple[date, str], ...] = ()  # holiday names, for messages ("Christmas Day")

    def __contains__(self, d: object) -> bool:
        return d in self.closed

    def __iter__(self) -> Iterator[date]:
        return iter(self.closed)

    def __len__(self) -> int:
        return len(self.closed)

    def is_working_day(self, d: date) -> bool:
        return is_business_day(d, self.closed)

    def why_closed(self, d: date) -> str:
        """"a Saturday", "a holiday (Christmas Day)", "a company closure"; "" on a working day."""
        if d.weekday() >= 5:
            return "a " + ("Saturday" if d.weekday() == 5 else "Sunday")
        if d not in self.closed:
            return ""
        name = dict(self.names).get(d)
        return f"a holiday ({name})" if name else "a company closure"

    def describe(self) -> str:
        """The recipe in words: "US holidays, closures 12-29..01-03"; "weekends only" when empty."""
        parts = [", ".join(self.regions) + " holidays"] if self.regions else []
        if self.closures:
            parts.append("closures " + ", ".join(self.closures))
        if self.dates:
            parts.append(f"{len(self.dates)} named day(s)")
        return "; ".join(parts) or "weekends only"


_WEEKDAY_WORDS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4}
_NTH_WORDS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "last": -1}
_MEETING_RULE = re.compile(
    r"(?:(?P<nths>(?:1st|2nd|3rd|4th|last)(?:\s*(?:,|and)\s*(?:1st|2nd|3rd|4th|last))*)\s+)?"
    r"(?P<day>mon|tue|wed|thu|fri)(?:day|sday|nesday|rsday|s|r|rs|urs)?\.?"
)
MEETING_RULE_FORMS = ('a weekday ("Tue": every week), or which ones of the month '
                      '("2nd Tue", "2nd and 4th Tue", "last Fri")')


@dataclass(frozen=True)
class MeetingDays:
    """The days a recurring meeting sits: a weekday, every week or on some of the month's
    (``nths``: 1 to 4, -1 for the last). A meeting that falls on a closed day is skipped to the
    next one (a board does not meet on a holiday), never moved to another weekday."""

    weekday: int
    nths: tuple[int, ...] = ()

    @classmethod
    def parse(cls, rule: str) -> MeetingDays:
        """"Tue", "2nd Tue", "2nd and 4th Tuesday", "1st, 3rd Thu", "last Fri"; ValueError otherwise."""
        m = _MEETING_RULE.fullmatch(re.sub(r"\s+", " ", str(rule).strip().casefold()))
        if not m:
            raise ValueError(f"not a meeting rule: {rule!r}")
        nths = tuple(_NTH_WORDS[n] for n in re.findall(r"1st|2nd|3rd|4th|last", m["nths"] or ""))
        return cls(_WEEKDAY_WORDS[m["day"]], tuple(sorted(set(nths))))

    def sits_on(self, d: date) -> bool:
        if d.weekday() != self.weekday:
            return False
        if not self.nths:
            return True
        nth = (d.day - 1) // 7 + 1
        last = (d + timedelta(days=7)).month != d.month
        return nth in self.nths or (last and -1 in self.nths)

    def next_on_or_after(self, d: date, holidays: Collection[date] = _NO_HOLIDAYS) -> date:
        """The first meeting day on or after ``d`` that is a working day."""
        while not (self.sits_on(d) and is_business_day(d, holidays)):
            d += _ONE_DAY
        return d

    def previous_on_or_before(self, d: date, holidays: Collection[date] = _NO_HOLIDAYS) -> date:
        """The last meeting day on or before ``d`` that is a working day."""
        while not (self.sits_on(d) and is_business_day(d, holidays)):
            d -= _ONE_DAY
        return d


#: Monday to Friday, no holidays: the default wherever no calendar is given.
WEEKENDS_ONLY = WorkCalendar()


def day_label(d: date) -> str:
    """"Sat 2027-02-27": a date with its weekday, as messages name a day."""
    return f"{_DAY_NAMES[d.weekday()]} {d.isoformat()}"


def is_business_day(d: date, holidays: Collection[date] = _NO_HOLIDAYS) -> bool:
    """Monday to Friday and not a holiday."""
    return d.weekday() < 5 and d not in holidays


def working_days(start: date, end: date, holidays: Collection[date] = _NO_HOLIDAYS) -> list[date]:
    """The business days from ``start`` through ``end``, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)
            if is_business_day(start + timedelta(days=i), holidays)]


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
    if isinstance(holidays, WorkCalendar):
        holidays = holidays.closed
    closed = sum(1 for h in holidays if after < h <= up_to and h.weekday() < 5)
    return weekdays - closed


def _weekdays_through(d: date) -> int:
    """Weekdays from 0001-01-01 (a Monday) through ``d`` inclusive."""
    ordinal = d.toordinal()
    full_weeks, rest = divmod(ordinal, 7)
    return full_weeks * 5 + min(rest, 5)
