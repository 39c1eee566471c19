"""A plan's working calendar from the ``holidays`` package and the company's closures.

The config names public-holiday regions by the package's codes (``holidays = ["JP"]``,
``["US", "GB-ENG"]``: country, or country-subdivision), single days (``"2026-12-24"``) and company
closures as ranges (``closures = ["12-29..01-03", "2027-08-13..2027-08-16"]``; the first form
recurs every year). With no region named, the region is the country of the plan's locale
(en_US → US, ja_JP → JP, de_DE → DE).

A plan stores the recipe in its meta (:func:`calendar_meta`: ``calendar_regions``,
``calendar_closures``, ``calendar_dates``), so a later sync rebuilds the calendar the plan was made
with (:func:`calendar_from_meta`), whatever the rep's config says by then. The dates are built for
the years around the plan (:func:`years_around`): the package computes any year, so nothing is
hand-written and nothing goes stale. The closed days computed at create are stored too
(``calendar_closed`` for ``calendar_years``), so a sync within those years needs no ``holidays``
import (a third of a second at start-up); outside them the recipe is built again.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta

from map_workspace.domain.calendar import WorkCalendar
from map_workspace.errors import UsageError

META_REGIONS = "calendar_regions"
META_CLOSURES = "calendar_closures"
META_DATES = "calendar_dates"
META_CLOSED = "calendar_closed"
META_YEARS = "calendar_years"

_CLOSURE = re.compile(r"^\s*(\d{4}-)?(\d{2})-(\d{2})\s*\.\.\s*(\d{4}-)?(\d{2})-(\d{2})\s*$")
_CLOSURE_HINT = ("Write closures as MM-DD..MM-DD (every year) or YYYY-MM-DD..YYYY-MM-DD, "
                 'e.g. closures = ["12-29..01-03"].')


@functools.cache
def _supported() -> dict[str, list[str]]:
    import holidays

    return {code: list(subdivisions) for code, subdivisions in holidays.list_supported_countries().items()}


def region_of_locale(locale: str) -> str:
    """The country of a locale: en_US → US, ja_JP → JP; "" when it names none."""
    parts = re.split(r"[_-]", locale.strip())
    return parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 and parts[1].isalpha() else ""


def check_region(code: str, supported: Mapping[str, Sequence[str]] | None = None) -> str:
    """``code`` normalised ("gb-eng" → "GB-ENG"), or a UsageError naming the closest codes."""
    supported = _supported() if supported is None else supported
    text = code.strip().upper().replace("_", "-")
    country, _, subdivision = text.partition("-")
    if country in supported and (not subdivision or subdivision in supported[country]):
        return text
    if country in supported and supported[country]:
        near = difflib.get_close_matches(subdivision, list(supported[country]), n=3, cutoff=0.3)
        close = [f"{country}-{s}" for s in near] or [f"{country}-{s}" for s in list(supported[country])[:5]]
        raise UsageError(f"'{code}' is not a region of the holidays package: {country} has no subdivision "
                         f"'{subdivision}'. Closest: {', '.join(close)}.",
                         f'Use a country code, or country-subdivision, e.g. holidays = ["{close[0]}"] or '
                         f"--holidays {country}.")
    if country in supported:
        raise UsageError(f"'{code}' is not a region of the holidays package: {country} has no subdivisions.",
                         f'Use the country code alone, e.g. holidays = ["{country}"] or --holidays {country}.')
    codes = [c for c in supported if len(c) == 2]
    # A typo keeps the first letter more often than not: those codes first, nearest second letter first.
    same_start = sorted((c for c in codes if country[:1] == c[0]),
                        key=lambda c: abs(ord(c[1]) - ord(country[1:2] or "A")))
    close = list(dict.fromkeys(same_start[:3] + difflib.get_close_matches(country, codes, n=3, cutoff=0.3)))[:3]
    raise UsageError(f"'{code}' is not a country code of the holidays package. Closest: "
                     f"{', '.join(close) or 'none'}.",
                     'Use an ISO 3166 country code, optionally with a subdivision, e.g. holidays = ["US"], '
                     '["GB-ENG"] or --holidays JP.')


def parse_closure(text: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """A closure's two ends as (year or 0, month, day); UsageError when it is not a range."""
    m = _CLOSURE.match(str(text))
    if not m or bool(m[1]) != bool(m[4]):
        raise UsageError(f"Closure '{text}' is not a range of days.", _CLOSURE_HINT)
    first = (int(m[1][:4]) if m[1] else 0, int(m[2]), int(m[3]))
    last = (int(m[4][:4]) if m[4] else 0, int(m[5]), int(m[6]))
    try:
        start = date(first[0] or 2000, first[1], first[2])  # 2000: a leap year, so 02-29 passes
        end = date(last[0] or 2000, last[1], last[2])
    except ValueError:
        raise UsageError(f"Closure '{text}' names a day that does not exist.", _CLOSURE_HINT) from None
    if first[0] and end < start:
        raise UsageError(f"Closure '{text}' ends before it starts.", _CLOSURE_HINT)
    return first, last


def _closure_days(text: str, years: Iterable[int]) -> set[date]:
    (y1, m1, d1), (y2, m2, d2) = parse_closure(text)
    spans: list[tuple[date, date]] = []
    if y1:
        spans.append((date(y1, m1, d1), date(y2, m2, d2)))
    else:
        for year in years:
            wraps = (m2, d2) < (m1, d1)  # 12-29..01-03 runs into the next year
            try:
                spans.append((date(year, m1, d1), date(year + 1 if wraps else year, m2, d2)))
            except ValueError:  # 02-29 in a common year
                continue
    days: set[date] = set()
    for start, end in spans:
        days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return days


def years_around(*days: date) -> range:
    """The years a calendar covers for a plan spanning ``days``: one before to two after."""
    return range(min(d.year for d in days) - 1, max(d.year for d in days) + 3)


def default_regions(locale: str) -> tuple[str, ...]:
    """The regions a plan gets when none is named: its locale's country, if the package knows it."""
    country = region_of_locale(locale)
    return (country,) if country in _supported() else ()


def build_calendar(regions: Sequence[str], closures: Sequence[str] = (), dates: Iterable[date] = (), *,
                   years: Iterable[int]) -> WorkCalendar:
    """The calendar for these regions' public holidays, closures and single days over ``years``."""
    return _build(tuple(regions), tuple(closures), tuple(sorted(dates)), tuple(years))


@functools.lru_cache(maxsize=32)
def _build(regions: tuple[str, ...], closures: tuple[str, ...], dates: tuple[date, ...],
           years: tuple[int, ...]) -> WorkCalendar:
    import holidays

    names: dict[date, str] = {}
    for region in regions:
        country, _, subdivision = region.partition("-")
        for day, name in holidays.country_holidays(country, subdiv=subdivision or None, years=years).items():
            names.setdefault(day, name)
    closed = set(names) | set(dates)
    for closure in closures:
        closed |= _closure_days(closure, years)
    return WorkCalendar(closed=frozenset(closed), regions=tuple(regions), closures=tuple(closures),
                        dates=dates, names=tuple(sorted(names.items())))


def calendar_meta(calendar: WorkCalendar, years: range | None = None) -> dict[str, str]:
    """The meta entries a plan keeps its calendar's recipe in, and (``years``: those it was built
    for) the closed days themselves, compact ("20261225")."""
    out = {META_REGIONS: ",".join(calendar.regions), META_CLOSURES: ",".join(calendar.closures),
           META_DATES: ",".join(d.isoformat() for d in calendar.dates)}
    if years:
        out[META_YEARS] = f"{years.start}-{years.stop - 1}"
        out[META_CLOSED] = ",".join(f"{d:%Y%m%d}" for d in sorted(calendar.closed))
    return out


def _stored(meta: Mapping[str, str], years: range) -> WorkCalendar | None:
    """The closed days the plan stored, when they cover ``years``; None otherwise."""
    first, _, last = str(meta.get(META_YEARS) or "").partition("-")
    if not (first.isdigit() and last.isdigit()) or not (int(first) <= years.start and years.stop - 1 <= int(last)):
        return None
    try:
        closed = frozenset(date(int(t[:4]), int(t[4:6]), int(t[6:8]))
                           for t in str(meta.get(META_CLOSED) or "").split(",") if t.strip())
    except ValueError:
        return None

    def listed(key: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in str(meta.get(key) or "").split(",") if part.strip())

    return WorkCalendar(closed=closed, regions=listed(META_REGIONS), closures=listed(META_CLOSURES))


class DeferredCalendar(Collection[date]):
    """A calendar built on first use: a sync reasons with the plan's own calendar when the plan
    records one, so the config's is usually never needed (and ``holidays`` never imported)."""

    def __init__(self, build: Callable[[], WorkCalendar]) -> None:
        self._build = build
        self._calendar: WorkCalendar | None = None

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = self._build()
        return self._calendar

    def __contains__(self, d: object) -> bool:
        return d in self.calendar

    def __iter__(self) -> Iterator[date]:
        return iter(self.calendar)

    def __len__(self) -> int:
        return len(self.calendar)

    def __getattr__(self, name: str) -> object:  # why_closed, is_working_day, names ...
        return getattr(self.calendar, name)


def calendar_from_meta(meta: Mapping[str, str], *days: date) -> WorkCalendar | None:
    """The calendar a plan was made with, for the years around ``days``; None when the plan
    records none (made before calendars were stored: the config's calendar applies)."""
    if META_REGIONS not in meta:
        return None
    stored = _stored(meta, years_around(*days))
    if stored is not None:
        return stored

    def listed(key: str) -> list[str]:
        return [part.strip() for part in str(meta.get(key) or "").split(",") if part.strip()]

    dates = []
    for text in listed(META_DATES):
        try:
            dates.append(date.fromisoformat(text))
        except ValueError:
            continue
    closures = []
    for text in listed(META_CLOSURES):
        try:
            parse_closure(text)
        except UsageError:
            continue
        closures.append(text)
    supported = _supported()
    regions = []
    for code in listed(META_REGIONS):
        try:
            regions.append(check_region(code, supported))
        except UsageError:
            continue
    return build_calendar(regions, closures, dates, years=years_around(*days))
