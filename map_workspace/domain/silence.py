"""The buyer's silence: when the buyer last edited a plan, and from which day their silence counts.

Pure: the backends say who last changed a file and when (when it was not mapws itself), the state
store remembers the last edit it saw, and this module decides whether an edit was the buyer's and
where the silence starts.

What "silent" counts from: the buyer's last edit; for a plan the buyer never edited, the day it
was created (``create`` shares it with the buyer that day); for a plan older than this check, whose
earlier edits were never recorded, the later of that day and the first day a sync watched it (so
upgrading mapws does not call every old plan silent at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from map_workspace.domain.model import Side, Stakeholder


@dataclass(frozen=True)
class Touch:
    """An edit to the plan's file: when (timezone-aware) and by whom ("" when unknown)."""

    at: datetime
    by: str = ""

    @classmethod
    def parse(cls, at: str, by: str = "") -> Touch | None:
        """``at`` as ISO 8601 ("" or unreadable: None)."""
        try:
            return cls(datetime.fromisoformat(at.replace("Z", "+00:00")), by) if at else None
        except ValueError:
            return None

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass(frozen=True)
class BuyerWatch:
    """What the seller side remembers of the buyer's edits to one plan: the last one seen, and
    the first day a sync watched the plan."""

    last: Touch | None = None
    watched_since: date | None = None


def by_seller(who: str, stakeholders: Sequence[Stakeholder]) -> bool:
    """Whether ``who`` ("Sam Rivera", "sam@seller.io", "Sam Rivera <sam@seller.io>") is someone the
    Stakeholders tab lists on the seller side."""
    text = who.strip()
    name, _, rest = text.partition("<")
    email = rest.rstrip(">").strip().casefold() if rest else (text.casefold() if "@" in text else "")
    name = name.strip().casefold() if rest or "@" not in text else ""
    for person in stakeholders:
        if person.side is not Side.SELLER:
            continue
        if (email and person.email.strip().casefold() == email) or (name and person.name.strip().casefold() == name):
            return True
    return False


def last_buyer_touch(listed: Touch | None, remembered: Touch | None,
                     stakeholders: Sequence[Stakeholder]) -> Touch | None:
    """The buyer's last edit: the file's last change as read (``listed``, when it was not mapws's
    own and not a seller's) or the one remembered, whichever is later."""
    if listed is not None and by_seller(listed.by, stakeholders):
        listed = None
    if listed is None or (remembered is not None and remembered.at >= listed.at):
        return remembered
    return listed


def silence_since(last: Touch | None, created: date | None, watched_since: date | None) -> date | None:
    """The day the buyer's silence counts from (module docstring); None when nothing is known."""
    if last is not None:
        return last.day
    days = [d for d in (created, watched_since) if d is not None]
    return max(days) if days else None
