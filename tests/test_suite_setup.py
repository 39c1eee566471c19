"""How the suite runs: ``-n auto`` (pyproject's addopts) spreads it over a worker per CPU and, with
one CPU, runs it in process (tests/conftest.py's pytest_xdist_auto_num_workers)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_on(cpus: set[int], folder: Path) -> str:
    """A one-test run with ``-n auto`` and this suite's conftest, pinned to ``cpus``."""
    (folder / "test_one.py").write_text("def test_one():\n    assert True\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_AUTO_NUM_WORKERS"}
    env["PYTHONPATH"] = str(REPO)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
                          "-n", "auto", "test_one.py"],
                         cwd=folder, env=env, capture_output=True, text=True, timeout=120,
                         preexec_fn=lambda: os.sched_setaffinity(0, cpus))
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity (Linux)")
def test_one_cpu_runs_in_process_and_two_use_workers(tmp_path: Path) -> None:
    assert "bringing up nodes" not in run_on({0}, tmp_path)
    available = sorted(os.sched_getaffinity(0))
    if len(available) >= 2:
        assert "bringing up nodes" in run_on(set(available[:2]), tmp_path)
