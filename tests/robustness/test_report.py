"""The robustness figures add up the same however many xdist workers recorded them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.robustness import report

REPO = Path(__file__).resolve().parents[2]


def test_merged_exports_print_what_one_process_would() -> None:
    one = report.Figures()
    first, second = report.Figures(), report.Figures()
    for figures, group, found in ((first, "dates", 2), (second, "dates", 1), (second, "owners", 1000)):
        figures.record("bad input (x)", group=group, cases=1, findings_named=found)
        one.record("bad input (x)", group=group, cases=1, findings_named=found)
    second.record("faults", injected=3)
    one.record("faults", injected=3)
    merged = report.Figures()
    merged.merge(first.export())
    merged.merge(second.export())
    assert merged.summary_lines() == one.summary_lines() == [
        "bad input (x): 3 cases (dates 2, owners 1) · 1,003 findings named",
        "faults: 3 injected",
    ]


def test_what_every_worker_recorded_while_collecting_counts_once() -> None:
    collected = {"totals": {"area": {"not_playable": 2}}, "groups": {}}
    ran = {"totals": {"area": {"not_playable": 2, "cases": 3}}, "groups": {"area": {"g": 3}}}
    other = {"totals": {"area": {"not_playable": 2, "cases": 1}}, "groups": {"area": {"g": 1}}}
    figures = report.merged({}, [{"total": ran, "collected": collected}, {"total": other, "collected": collected}])
    assert figures.summary_lines() == ["area: 4 cases (g 4) · 2 not playable"]


def test_two_xdist_workers_print_one_merged_block(tmp_path: Path) -> None:
    """A real run with two workers: each records in its own process, the controller prints once."""
    for name, count in (("a", 2), ("b", 3)):
        (tmp_path / f"test_{name}.py").write_text(
            "import pytest\nfrom tests.robustness import report\n\n"
            f"report.record('area', skipped_{name}=1)  # at collection, in every worker\n"
            f"@pytest.mark.parametrize('n', range({count}))\n"
            f"def test_{name}(n):\n"
            f"    report.record('area', group='{name}', cases=1, cells=10)\n",
            encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-p", "tests.robustness.report", "-p", "no:cacheprovider",
         "-q", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("robustness figures") == 1
    line = next(x for x in run.stdout.splitlines() if x.startswith("area: "))
    assert line.startswith("area: 5 cases (") and " · 50 cells" in line
    assert " · 1 skipped a" in line and " · 1 skipped b" in line  # recorded at collection: once, not per worker
    assert "a 2" in line and "b 3" in line
