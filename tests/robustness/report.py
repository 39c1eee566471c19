"""Figures the robustness tests collect while they run, printed once at the end of the session.

A small registry: any test records counts under an area ("bad input (local)", "faults", "races",
"secrets" …) and, optionally, a group inside it (a category of inputs, a kind of fault)::

    from tests.robustness.report import record
    record("faults", group="429 storm", cases=1, plans_failed=0, history_duplicates=0)

The summary prints one line per area, e.g. ``bad input (local): 168 cases (dates 34, owners 32, …) ·
87 findings named · 0 lost buyer cells · 0 changes on second sync``. Counts are summed; ``cases``
is also tallied per group; a count's name is printed with spaces for underscores. The figures go
to the terminal only (tests/robustness/conftest.py calls :func:`terminal_summary`).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any


class Figures:
    """Counts by area, and cases by group within each area (thread-safe: workers may record)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[str, Counter[str]] = defaultdict(Counter)
        self._groups: dict[str, Counter[str]] = defaultdict(Counter)

    def record(self, area: str, *, group: str | None = None, **counts: int) -> None:
        """Add ``counts`` to ``area``'s totals; its ``cases`` (one if not given) count towards ``group``."""
        with self._lock:
            self._totals[area].update(counts)
            if group is not None:
                self._groups[area][group] += counts.get("cases", 1)

    def totals(self) -> dict[str, dict[str, int]]:
        """Every area's counts (a copy)."""
        with self._lock:
            return {area: dict(counts) for area, counts in self._totals.items()}

    def summary_lines(self) -> list[str]:
        """One line per area: cases by group first, then every other count as "N words"."""
        with self._lock:
            lines = []
            for area in sorted(self._totals):
                counts = self._totals[area]
                parts = []
                if "cases" in counts:
                    groups = ", ".join(f"{name} {n:,}" for name, n in self._groups[area].items())
                    parts.append(f"{counts['cases']:,} cases" + (f" ({groups})" if groups else ""))
                parts += [f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items() if name != "cases"]
                lines.append(f"{area}: " + " · ".join(parts))
            return lines


#: The session's figures.
FIGURES = Figures()
record = FIGURES.record


def terminal_summary(terminalreporter: Any) -> None:
    """Print the figures under their own heading (nothing when no test recorded any)."""
    lines = FIGURES.summary_lines()
    if not lines:
        return
    terminalreporter.write_sep("-", "robustness figures")
    for line in lines:
        terminalreporter.write_line(line)
