"""The weekly check-in's agenda as data: what changed since the last check-in, what got done,
what slipped, what is late, what is due in the next two weeks, what needs an owner and the top open
risks. Pure: no I/O; the day of the check-in and the History (already in words) are passed in."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from map_workspace import catalog
from map_workspace.domain.calendar import is_business_day
from map_workspace.domain.model import Assessment, Item, Plan, Risk, RiskStatus, Status

#: How far "due in the next two weeks" looks ahead, in calendar days.
WINDOW_DAYS = 14
#: Open risks the agenda lists, highest probability × impact first.
TOP_RISKS = 3
#: A cadence nobody wrote (or one that cannot be read) means a weekly check-in.
DEFAULT_CADENCE_DAYS = 7

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


#: Meta key: when the last check-in ran, in the History's local time ("2027-01-12T16:50:36").
META_LAST_CHECKIN = "last_checkin_at"


@dataclass(frozen=True)
class Change:
    """One observed change, as the History logged it and as people say it."""

    at: str
    id: str
    activity: str
    field: str
    before: str
    after: str
    by: str
    words: str

    def as_json(self) -> dict[str, str]:
        return {"at": self.at, "id": self.id, "activity": self.activity, "field": self.field,
                "before": self.before, "after": self.after, "by": self.by, "words": self.words}


@dataclass(frozen=True)
class AgendaItem:
    """An item the agenda names; ``days`` is the slip or the lateness where it has one."""

    id: str
    activity: str
    owner: str
    due: date | None
    days: int = 0
    baseline: date | None = None
    done_on: date | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "activity": self.activity, "owner": self.owner,
                                  "due": self.due.isoformat() if self.due else None}
        if self.days:
            out["days"] = self.days
        if self.baseline:
            out["baseline"] = self.baseline.isoformat()
        if self.done_on:
            out["done_on"] = self.done_on.isoformat()
        return out


@dataclass(frozen=True)
class AgendaRisk:
    id: str
    risk: str
    probability: str
    impact: str
    mitigation: str
    owner: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "risk": self.risk, "probability": self.probability, "impact": self.impact,
                "mitigation": self.mitigation, "owner": self.owner}


@dataclass(frozen=True)
class Agenda:
    """Everything a check-in on ``on`` talks about; ``last`` is the previous check-in (None for the
    first), ``next`` the one the cadence puts after this one."""

    on: date
    last: date | None
    next: date
    changed: tuple[Change, ...] = ()
    done: tuple[AgendaItem, ...] = ()
    slipped: tuple[AgendaItem, ...] = ()
    overdue: tuple[AgendaItem, ...] = ()
    next_two_weeks: tuple[AgendaItem, ...] = ()
    needs_owner: tuple[AgendaItem, ...] = ()
    risks: tuple[AgendaRisk, ...] = ()
    blocked: tuple[AgendaItem, ...] = ()

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "changed": [c.as_json() for c in self.changed],
            "done": [i.as_json() for i in self.done],
            "slipped": [i.as_json() for i in self.slipped],
            "overdue": [i.as_json() for i in self.overdue],
            "next_two_weeks": [i.as_json() for i in self.next_two_weeks],
            "needs_owner": [i.as_json() for i in self.needs_owner],
            "risks": [r.as_json() for r in self.risks],
        }


#: The catalog's cadence words (``agenda.cadence.<key>``, every language) and the days they mean,
#: in the order they are looked for ("biweekly" before anything weekly).
_CADENCE_WORDS = (("every_two_weeks", 14), ("every_day", 1), ("every_month", 28), ("every_week", 7))


def cadence_days(cadence: str) -> int:
    """Days between check-ins as the Overview's cadence says it, in any language: "Weekly, 30
    minutes" / "毎週30分" → 7, "Every two weeks" / "biweekly" / "fortnightly" / "隔週" → 14, "every 10
    days" → 10, "monthly" / "月次" → 28; anything else → weekly."""
    text = cadence.strip().lower()
    match = re.search(r"every\s+(\d+|one|two|three|four|five|six)\s+(day|week|month)", text)
    if match:
        count = int(match[1]) if match[1].isdigit() else _NUMBERS[match[1]]
        unit = {"day": 1, "week": 7, "month": 28}[match[2]]
        return max(1, count * unit)
    for key, days in _CADENCE_WORDS:
        if any(word.lower() in text for word in catalog.in_every_language(f"agenda.cadence.{key}") if word):
            return days
    return DEFAULT_CADENCE_DAYS


def next_checkin(on: date, cadence: str, holidays: Collection[date] = frozenset()) -> date:
    """The check-in the cadence puts after ``on``, moved off a weekend or a closed day of the plan's
    calendar (``holidays``: its public holidays and company closures) to the next working day."""
    day = on + timedelta(days=cadence_days(cadence))
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def last_checkin(plan: Plan, before: date) -> date | None:
    """The latest check-in the Check-ins tab records before ``before`` (a check-in run twice the
    same day is measured from the one before it)."""
    days = [c.date for c in plan.checkins if c.date is not None and c.date < before]
    return max(days, default=None)


def _moment(at: str) -> str:
    """A History time as compared: "2027-01-12T16:50:36" whether it was written with a T or a space."""
    return at.strip().replace(" ", "T", 1)[:19]


def build_agenda(plan: Plan, assessment: Assessment, changes: list[Change] | tuple[Change, ...], on: date,
                 holidays: Collection[date] = frozenset(), last_at: str = "") -> Agenda:
    """The agenda of a check-in on ``on``. ``changes`` is the whole History in words; only what was
    logged since the last check-in (all of it for the first one) is kept. The next check-in falls on
    a working day of ``holidays`` (the plan's calendar).

    ``last_at`` is when the last check-in ran, in the History's local time ("2027-01-12T16:50:36"),
    when the plan recorded it: a change logged that day before it (the sync run just before the
    meeting) was on that agenda and is not counted again; one logged after it is. Without it the
    whole day of the last check-in counts again."""
    last = last_checkin(plan, on)
    since = last.isoformat() if last else ""
    timed = last is not None and _moment(last_at)[:10] == since
    if timed:
        changed = tuple(c for c in changes if _moment(c.at) > _moment(last_at) and c.at[:10] <= on.isoformat())
    else:
        changed = tuple(c for c in changes if c.at[:10] >= since and c.at[:10] <= on.isoformat())
    done_ids = {c.id for c in changed if c.field.casefold() == "status" and c.after == Status.DONE.value}
    no_owner = {f.id for f in assessment.findings if f.id and f.code == "owner.missing"}

    done, slipped, overdue, soon, needs_owner, blocked = [], [], [], [], [], []
    horizon = on + timedelta(days=WINDOW_DAYS)
    for item in plan.items:
        if item.status is Status.NA:
            continue
        if not item.is_open:
            after_last = last is None or item.done_on is not None and (
                item.done_on > last if timed else item.done_on >= last)
            recent = item.done_on is not None and after_last and item.done_on <= on
            if recent or item.id in done_ids:
                done.append(_entry(item, done_on=item.done_on))
            continue
        if item.baseline is not None and item.due is not None and item.due > item.baseline:
            slipped.append(_entry(item, days=(item.due - item.baseline).days, baseline=item.baseline))
        if item.due is not None and item.due < on:
            overdue.append(_entry(item, days=(on - item.due).days))
        elif item.due is not None and item.due <= horizon:
            soon.append(_entry(item))
        if not item.owner.strip() or item.id in no_owner:
            needs_owner.append(_entry(item))
        if item.status is Status.BLOCKED:
            blocked.append(_entry(item))
    return Agenda(
        on=on, last=last, next=next_checkin(on, plan.overview.cadence, holidays), changed=changed,
        done=tuple(done), slipped=tuple(sorted(slipped, key=lambda i: -i.days)),
        overdue=tuple(sorted(overdue, key=lambda i: -i.days)), next_two_weeks=tuple(_by_due(soon)),
        needs_owner=tuple(_by_due(needs_owner)), risks=_top_risks(plan.risks), blocked=tuple(blocked),
    )


def _entry(item: Item, *, days: int = 0, baseline: date | None = None, done_on: date | None = None) -> AgendaItem:
    return AgendaItem(item.id, " ".join(item.activity.split()), " ".join(item.owner.split()), item.due, days,
                      baseline, done_on)


def _by_due(items: list[AgendaItem]) -> list[AgendaItem]:
    return sorted(items, key=lambda i: (i.due is None, i.due or date.max))


def _top_risks(risks: tuple[Risk, ...]) -> tuple[AgendaRisk, ...]:
    ranked = sorted((r for r in risks if r.status in (RiskStatus.OPEN, None)), key=lambda r: -r.score)
    return tuple(
        AgendaRisk(r.id, " ".join(r.risk.split()), r.probability.value if r.probability else "",
                   r.impact.value if r.impact else "", " ".join(r.mitigation.split()), " ".join(r.owner.split()))
        for r in ranked[:TOP_RISKS]
    )
