"""The plan as plain data: no I/O, nothing about spreadsheets or Google.

Values a buyer typed are kept twice where it matters: the parsed meaning (``due``, ``status``)
and the text as typed (``due_text``, ``status_text``), so rules can say what was read and the
backends never have to write a buyer's cell back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from map_workspace.domain.findings import Finding as Finding
from map_workspace.domain.findings import Severity as Severity


class ItemType(StrEnum):
    TASK = "Task"
    MILESTONE = "Milestone"


class Side(StrEnum):
    BUYER = "Buyer"
    SELLER = "Seller"
    JOINT = "Joint"


class Status(StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    DONE = "Done"
    BLOCKED = "Blocked"
    NA = "N/A"

    @property
    def is_open(self) -> bool:
        return self not in (Status.DONE, Status.NA)


class Level(StrEnum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class RiskStatus(StrEnum):
    OPEN = "Open"
    MITIGATED = "Mitigated"
    CLOSED = "Closed"


class Health(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}[self.value]


_PERSON = re.compile(r"^\s*(?P<name>[^<>]*?)\s*(?:<\s*(?P<email>[^<>\s]+@[^<>\s]+)\s*>)?\s*$")


@dataclass(frozen=True)
class Person:
    """A named human, as given on the command line: ``"Dana Tanaka <dana@buyer.com>"``."""

    name: str
    email: str = ""

    @classmethod
    def parse(cls, text: str) -> Person:
        """Parse ``Name <email>``, a bare name, or a bare email (the name is then the local part)."""
        match = _PERSON.match(text or "")
        if not match or not (match["name"] or match["email"]):
            raise ValueError(f"expected 'Name <email>', got {text!r}")
        name, email = match["name"].strip(), (match["email"] or "").strip()
        if not email and "@" in name and " " not in name:
            name, email = "", name
        if not name:
            name = email.split("@", 1)[0].replace(".", " ").title()
        return cls(name=name, email=email.lower())

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


@dataclass(frozen=True)
class Stakeholder:
    """A person on either side of the deal, as the Stakeholders tab lists them."""

    name: str
    side: Side | None = None
    role: str = ""
    email: str = ""
    phone: str = ""
    availability: str = ""
    owns: int = 0


@dataclass(frozen=True)
class Item:
    """One row of the Plan tab: an action item (``T-01``) or a milestone (``M-01``).

    ``id`` is empty for a row the buyer added that has no ID yet. ``owner`` is the text as
    typed; rules resolve it against the stakeholders. ``due`` is ``None`` when the cell is empty
    or unreadable; ``due_text`` then holds what was typed.
    """

    id: str
    type: ItemType
    activity: str
    side: Side | None = None
    owner: str = ""
    due: date | None = None
    due_text: str = ""
    status: Status | None = Status.NOT_STARTED
    status_text: str = ""
    depends_on: tuple[str, ...] = ()
    depends_text: str = ""
    done_on: date | None = None
    notes: str = ""
    baseline: date | None = None
    slips: int = 0
    lead_days: int = 0
    role: str = ""

    @property
    def is_open(self) -> bool:
        """Open unless Done or N/A; an unreadable status counts as open (the safe side)."""
        return self.status is None or self.status.is_open

    @property
    def is_milestone(self) -> bool:
        return self.type is ItemType.MILESTONE


@dataclass(frozen=True)
class Risk:
    """A risk to the deal, with its probability, impact, owner and mitigation."""

    id: str
    risk: str
    probability: Level | None = None
    impact: Level | None = None
    mitigation: str = ""
    owner: str = ""
    status: RiskStatus | None = RiskStatus.OPEN

    @property
    def score(self) -> int:
        """Probability × impact on a 1–3 scale each, for ranking the top risks."""
        rank = {None: 1, Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3}
        return rank[self.probability] * rank[self.impact]


_Day = date  # CheckIn's field named "date" hides the type inside its class body


@dataclass(frozen=True)
class CheckIn:
    """A meeting of the two sides: who came, what was done, what blocks."""

    date: date | None
    attendees: str = ""
    done_since_last: str = ""
    blockers: str = ""
    timeline_changes: str = ""
    #: Where ``mapws checkin`` wrote the agenda (a file or a link), the notes taken, the next one.
    agenda: str = ""
    notes: str = ""
    next: _Day | None = None


@dataclass(frozen=True)
class Overview:
    """The deal at a glance: the companies, the decision date and the goals."""

    deal: str
    buyer_company: str = ""
    seller_company: str = ""
    target_decision: date | None = None
    #: The target decision cell as typed when it is not a readable date ("end of Q2").
    target_text: str = ""
    mutual_goal: str = ""
    buyer_goal: str = ""
    seller_goal: str = ""
    success_criteria: str = ""
    cadence: str = ""


@dataclass(frozen=True)
class Plan:
    """A whole plan as the domain sees it: the overview, items, stakeholders, risks and check-ins."""

    plan_id: str
    overview: Overview
    items: tuple[Item, ...] = ()
    stakeholders: tuple[Stakeholder, ...] = ()
    risks: tuple[Risk, ...] = ()
    checkins: tuple[CheckIn, ...] = ()
    slug: str = ""
    template: str = ""
    locale: str = "en_US"
    timezone: str = "UTC"

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class Progress:
    """How many items are done out of how many."""

    done: int
    total: int
    percent: int

    @property
    def text(self) -> str:
        """The same words the sheet's live formula shows: ``12 of 18 done · 67%``."""
        return f"{self.done} of {self.total} done · {self.percent}%"

    def as_json(self) -> dict[str, int]:
        return {"done": self.done, "total": self.total, "percent": self.percent}


@dataclass(frozen=True)
class Assessment:
    """Everything the rules conclude about a plan on a given day."""

    findings: tuple[Finding, ...]
    progress: Progress
    health: Health
    projected_decision: date | None
    next_milestone: Item | None = None
    owners: dict[str, str] = field(default_factory=dict)  # item ID -> stakeholder name it resolved to
    #: item ID -> every person its Owner cell names, as counted ("Bob & Priya" is two people): a
    #: listed person by their Stakeholders name, anyone else as typed. Empty cells and "TBD" name nobody.
    people: dict[str, tuple[str, ...]] = field(default_factory=dict)
