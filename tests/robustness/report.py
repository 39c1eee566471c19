"""Figures the robustness tests collect while they run, printed once at the end of the session.

A small registry: any test records counts under an area ("bad input (local)", "faults", "races",
"secrets" …) and, optionally, a group inside it (a category of inputs, a kind of fault)::

    from tests.robustness.report import record
    record("faults", group="429 storm", cases=1, plans_failed=0, history_duplicates=0)

The summary prints one line per area, e.g. ``bad input (local): 168 cases (dates 34, owners 32, …) ·
87 findings named · 0 lost buyer cells · 0 changes on second sync``. Counts are summed; ``cases``
is also tallied per group; a count's name is printed with spaces for underscores. The figures go
to the terminal only. This module is also a pytest plugin (tests/conftest.py loads it): under
pytest-xdist each worker hands its figures to the controller when it finishes, and the controller
prints one merged block.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

import pytest


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

    def export(self) -> dict[str, dict[str, dict[str, int]]]:
        """Everything recorded, as plain dicts (what an xdist worker sends to the controller)."""
        with self._lock:
            return {"totals": {area: dict(c) for area, c in self._totals.items()},
                    "groups": {area: dict(c) for area, c in self._groups.items()}}

    def merge(self, exported: dict[str, dict[str, dict[str, int]]]) -> None:
        """Add another process's :meth:`export` to these figures (counts and group tallies sum)."""
        with self._lock:
            for area, counts in exported.get("totals", {}).items():
                self._totals[area].update(counts)
            for area, groups in exported.get("groups", {}).items():
                self._groups[area].update(groups)

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


def terminal_summary(terminalreporter: Any, figures: Figures = FIGURES) -> None:
    """Print the figures under their own heading (nothing when no test recorded any)."""
    lines = figures.summary_lines()
    if not lines:
        return
    terminalreporter.write_sep("-", "robustness figures")
    for line in lines:
        terminalreporter.write_line(line)


# --- the pytest plugin: one block of figures, however many xdist workers recorded them ------------

_WORKER_KEY = "robustness_figures"
#: Figures the workers sent, by worker id: merged in worker order so the printed order is stable.
_from_workers: dict[str, dict[str, Any]] = {}
#: What this process had recorded when collection ended: every worker collects every test, so what
#: is recorded while collecting (e.g. cases a backend cannot play) is counted from one worker only.
_at_collection: dict[str, dict[str, dict[str, int]]] = {}


def _is_worker(config: Any) -> bool:
    return hasattr(config, "workerinput")


def _minus(after: dict[str, dict[str, dict[str, int]]],
           before: dict[str, dict[str, dict[str, int]]]) -> dict[str, dict[str, dict[str, int]]]:
    """What was recorded between two exports (counts only grow)."""
    return {part: {area: dict(Counter(counts) - Counter(before.get(part, {}).get(area, {})))
                   for area, counts in areas.items()}
            for part, areas in after.items()}


def merged(own: dict[str, Any], workers: list[dict[str, Any]]) -> Figures:
    """This process's figures plus each worker's, the collection-time part of the workers once."""
    figures = Figures()
    figures.merge(own)
    for k, sent in enumerate(workers):
        figures.merge(sent["total"] if k == 0 else _minus(sent["total"], sent["collected"]))
    return figures


def pytest_collection_finish(session: Any) -> None:
    _at_collection.clear()
    _at_collection.update(FIGURES.export())


def pytest_sessionfinish(session: Any) -> None:
    """On an xdist worker: hand this process's figures to the controller."""
    if _is_worker(session.config):
        session.config.workeroutput[_WORKER_KEY] = {"total": FIGURES.export(), "collected": dict(_at_collection)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the controller: keep what a finished worker sent."""
    sent = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if sent:
        _from_workers[node.workerinput.get("workerid", str(len(_from_workers)))] = sent


def pytest_terminal_summary(terminalreporter: Any, config: Any) -> None:
    """Print the figures once: this process's own, plus every worker's."""
    if _is_worker(config):
        return
    workers = [_from_workers[w] for w in sorted(_from_workers, key=lambda w: (len(w), w))]
    terminal_summary(terminalreporter, merged(FIGURES.export(), workers))
