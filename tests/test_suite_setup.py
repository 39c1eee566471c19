"""How the suite runs: ``-n auto`` spreads it over a worker per CPU and, with one CPU, runs it in
process (tests/conftest.py's pytest_xdist_auto_num_workers)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ONE_TEST = "tests/services/test_fake_store.py::test_a_created_plan_reads_back_with_a_version"


def run_on(cpus: set[int]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_AUTO_NUM_WORKERS"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_TEST],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
                         preexec_fn=lambda: os.sched_setaffinity(0, cpus))
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity (Linux)")
def test_one_cpu_runs_in_process_and_two_use_workers() -> None:
    assert "bringing up nodes" not in run_on({0})
    available = sorted(os.sched_getaffinity(0))
    if len(available) >= 2:
        assert "bringing up nodes" in run_on(set(available[:2]))
