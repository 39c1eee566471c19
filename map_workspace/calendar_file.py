"""A plan's milestones and next check-ins as calendar events, and those events as an RFC 5545
file (``icalendar``). Pure: no I/O; the SEQUENCE of each event is the caller's to keep."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from map_workspace.domain.agenda import cadence_days, next_checkin
from map_workspace.domain.model import Assessment, Item, Plan, Status

_EMAIL = re.compile(r"[^\s<>@,;]+@[^\s<>@,;]+\.[^\s<>@,;]+")


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day event: ``uid`` is stable for the plan and the item (or the check-in's day)."""

    uid: str
    summary: str
    start: date
    kind: str  # "milestone" or "checkin"
    description: str = ""
    attendees: tuple[tuple[str, str], ...] = field(default=())  # (name, email)
    sequence: int = 0
    id: str = ""

    def as_json(self) -> dict[str, object]:
        return {"uid": self.uid, "kind": self.kind, "id": self.id or None, "summary": self.summary,
                "date": self.start.isoformat(), "sequence": self.sequence,
                "attendees": [email for _, email in self.attendees]}


def calendar_events(plan: Plan, assessment: Assessment, today: date, *, plan_key: str, link: str = "",
                    checkins: int = 4, holidays: Collection[date] = frozenset()) -> list[CalendarEvent]:
    """Every milestone with a date (N/A ones left out), then the next ``checkins`` check-ins: from
    the next one the Check-ins tab names, else the cadence after today, each on a working day of
    ``holidays`` (the plan's calendar: public holidays and company closures), as ``checkin`` puts it."""
    deal = " ".join(plan.overview.deal.split()) or plan.slug or "the plan"
    about = f"Mutual Action Plan: {deal}" + (f"\n{link}" if link else "")
    events = []
    for item in plan.items:
        if not item.is_milestone or item.due is None or item.status is Status.NA:
            continue
        done = "" if item.is_open else " (done)"
        events.append(CalendarEvent(
            uid=f"{plan_key}-{item.id or 'row'}@mapws", summary=f"{deal}: {' '.join(item.activity.split())}{done}",
            start=item.due, kind="milestone", description=f"{item.id} · {about}", id=item.id,
            attendees=_attendees(plan, assessment, item)))
    recorded: list[date] = []
    for checkin in plan.checkins:
        if checkin.next is not None and checkin.next >= today:
            recorded.append(checkin.next)
    day = min(recorded) if recorded else next_checkin(today, plan.overview.cadence, holidays)
    people = tuple((s.name, s.email) for s in plan.stakeholders if s.email.strip() and "@" in s.email)
    for _ in range(max(checkins, 0)):
        events.append(CalendarEvent(uid=f"{plan_key}-checkin-{day.isoformat()}@mapws", summary=f"{deal}: check-in",
                                    start=day, kind="checkin", description=f"Weekly check-in · {about}",
                                    attendees=people))
        day = next_checkin(day, plan.overview.cadence, holidays)
    return events


def _attendees(plan: Plan, assessment: Assessment, item: Item) -> tuple[tuple[str, str], ...]:
    """The item's owners whose address is known: typed in the Owner cell, or on the Stakeholders tab."""
    found: dict[str, str] = {}
    for email in _EMAIL.findall(item.owner):
        found.setdefault(email.lower(), re.sub(r"<[^>]*>", "", item.owner).strip() or email)
    names = assessment.people.get(item.id, ()) or ((assessment.owners[item.id],) if item.id in assessment.owners
                                                     else ())
    for name in names:
        person = next((s for s in plan.stakeholders if s.name.strip() == name.strip() and "@" in s.email), None)
        if person is not None:
            found.setdefault(person.email.strip().lower(), person.name.strip())
    return tuple((name, email) for email, name in found.items())


def ics_bytes(events: list[CalendarEvent], *, title: str, now: datetime) -> bytes:
    """The events as one VCALENDAR: all-day VEVENTs (DTEND the day after), attendees as mailto."""
    from icalendar import Calendar, Event, vCalAddress, vText

    calendar = Calendar()
    calendar.add("prodid", "-//mapws//Mutual Action Plans//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"MAP: {title}")
    for e in events:
        event = Event()
        event.add("uid", e.uid)
        event.add("summary", e.summary)
        event.add("dtstart", e.start)
        event.add("dtend", e.start + timedelta(days=1))
        event.add("dtstamp", now)
        event.add("sequence", e.sequence)
        event.add("transp", "TRANSPARENT")
        event.add("description", e.description)
        for name, email in e.attendees:
            attendee = vCalAddress(f"mailto:{email}")
            attendee.params["cn"] = vText(name)
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=False)
        calendar.add_component(event)
    return calendar.to_ical()


__all__ = ["CalendarEvent", "calendar_events", "cadence_days", "ics_bytes"]
