"""The policies a user can ask a sync to enforce (``--strict``, ``--fail-on overdue``): findings
alone are not failures (exit 0), unless one of these was asked for (exit 1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from map_workspace.errors import PolicyTripped

if TYPE_CHECKING:
    from map_workspace.app import SyncOutcome


def check_policy(outcomes: Sequence[SyncOutcome], *, strict: bool, fail_on: str | None) -> None:
    """Raise PolicyTripped when a policy asked for holds for any of these outcomes."""
    findings = [f for o in outcomes for f in o.result.findings]
    if strict and any(f.severity.value == "error" for f in findings):
        raise PolicyTripped("Error findings remain (--strict).", "Fix the cells named above and sync again.")
    if fail_on == "overdue" and any(f.code in ("item.overdue", "item.stalled") for f in findings):
        raise PolicyTripped("Some items are overdue (--fail-on overdue).", "See the findings above.")
