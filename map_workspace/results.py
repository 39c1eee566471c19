"""What ``replan``, ``assign``, ``calendar``, ``link`` and ``share`` return: their own module so
that a sync, which makes none of them, does not build their classes at start-up (issue 8: each
dataclass costs an import about a millisecond). ``app`` re-exports every name here
(``app.ReplanResult`` keeps working).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from map_workspace.plan_edits import Assignment, Replan
    from map_workspace.ports import PlanRef


@dataclass(frozen=True)
class ReplanResult:
    """What ``mapws replan`` moved (or would move, with ``dry_run``), and the plan's outlook after."""

    ref: PlanRef
    replan: Replan
    written: bool
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        a = self.replan.result.assessment
        return {"plan": self.ref.id, "moved": [m.as_json() for m in self.replan.moves],
                "projected_decision": a.projected_decision.isoformat() if a.projected_decision else None,
                "health": a.health.value, "warnings": list(self.replan.warnings), "dry_run": self.dry_run}


@dataclass(frozen=True)
class AssignResult:
    """Who ``mapws assign`` named for which role, and the items they now own."""

    ref: PlanRef
    assignments: tuple[Assignment, ...]
    written: bool
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "assigned": [a.as_json() for a in self.assignments], "dry_run": self.dry_run}


@dataclass
class CalendarResult:
    ref: PlanRef
    path: Path
    events: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.slug or self.ref.id, "calendar": str(self.path), "events": self.events}


@dataclass(frozen=True)
class LinkResult:
    """The CRM id ``mapws link`` recorded for a plan (or would, with ``dry_run``), and the one before."""

    ref: PlanRef
    crm_id: str
    was: str = ""
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "slug": self.ref.slug, "crm_id": self.crm_id, "was": self.was or None,
                "dry_run": self.dry_run}


@dataclass(frozen=True)
class ShareResult:
    """Who a plan was shared with (or would be, with ``dry_run``), and as what."""

    ref: PlanRef
    shared_with: tuple[str, ...]
    role: str
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"plan": self.ref.id, "shared_with": list(self.shared_with), "role": self.role,
                "dry_run": self.dry_run}
