"""A tiny run of ``python -m benchmarks.sync`` (6 plans, no latency, a fast quota clock): the JSON
contract of its last line, and the call counts and ratios, which do not depend on timing. The
timed figures are the benchmark's own business (benchmarks/RESULTS.md), not a test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REQUIRED = (
    "calls_per_edited_plan", "calls_per_unchanged_plan", "naive_calls_per_edited_plan",
    "call_ratio_vs_naive", "calls_per_night", "naive_calls_per_night", "night_call_ratio_vs_naive",
    "wall_s_sync_all", "quota_floor_s",
    "naive_wall_s", "local_sync_all_1000_warm_s", "local_sync_all_1000_cold_s", "create_calls",
    "first_sync_calls", "no_edit_sync_calls", "n_plans", "latency_ms", "time_scale",
    "fewer_calls_than_naive_per_edited_plan_sheets_only", "fewer_calls_than_naive_per_edited_plan_all_apis",
    "fewer_calls_than_naive_per_night_sheets_only", "fewer_calls_than_naive_per_night_all_apis",
    "read_bytes_edited_sync", "read_bytes_no_edit_sync", "minimal_read_bytes_values_and_notes_of_used_cells",
    "read_vs_minimal_read", "write_bytes_edited_sync_3_item_edit",
)


def test_a_small_run_prints_every_figure_and_the_call_budgets_hold(tmp_path):
    env = {**os.environ, "NO_GCE_CHECK": "true", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "benchmarks.sync", "--plans", "6", "--local-plans", "6",
               "--naive-plans", "2", "--latency-ms", "0", "--time-scale", "60", "--json"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert "Targets" in done.stdout  # the readable table came first

    missing = [key for key in REQUIRED if key not in figures]
    assert not missing
    assert figures["n_plans"] == 6 and figures["latency_ms"] == 0 and figures["time_scale"] == 60
    # One plan through create: one Sheets batch, Drive for the slug lookup, the file and one share.
    assert figures["create_sheets_calls"] == 1
    assert figures["create_calls"] <= 4 + figures["create_shared_with"]
    assert figures["first_sync_calls"] == 1 and figures["no_edit_sync_calls"] == 1
    assert figures["edited_sync_calls"] == 2
    # The nightly budgets: 1 read + 1 write per edited plan, nothing for the others.
    assert figures["warm_edited_plans"] == 1
    assert figures["calls_per_edited_plan"] == 2
    assert figures["calls_per_unchanged_plan"] == 0
    assert figures["drive_listing_calls_per_night"] == 1
    assert figures["drive_version_calls_per_written_plan"] <= 1
    assert figures["failed_plans"] == 0 and figures["mapws_429s"] == 0
    # The naive script reaches the same verdict at many times the calls.
    assert figures["naive_same_verdict_plans"] == figures["naive_plans_measured"] == 2
    assert figures["naive_calls_per_edited_plan"] > 13  # open_by_key + 6 × (worksheet + records), then writes
    assert figures["call_ratio_vs_naive"] >= 10
    # The script recolours with one batch_format per plan: an edited plan costs it its reads, its
    # cell writes and History rows, and one call for the colours.
    assert figures["naive_calls_per_unchanged_plan"] == 14
    night = figures["naive_calls_per_night"] / figures["calls_per_night"]
    assert figures["fewer_calls_than_naive_per_night_sheets_only"] == round(night, 1) > 10
    assert figures["fewer_calls_than_naive_per_night_all_apis"] < round(night, 1)
    assert figures["fewer_calls_than_naive_per_edited_plan_all_apis"] >= 10
    # Bytes over the wire (issue 10): compact answers, lean reads, a lean 3-item write.
    assert 0 < figures["minimal_read_bytes_values_and_notes_of_used_cells"] < figures["read_bytes_no_edit_sync"]
    assert figures["write_bytes_edited_sync_3_item_edit"] <= 12_000
    assert figures["targets"]["2_sheets_calls_per_edited_plan"] is True
    # Not measured at this size, and said so rather than guessed.
    assert figures["local_sync_all_1000_warm_s"] is None and figures["local_plans"] == 6
    assert figures["local_warm_reads"] == 1


ROWS = ("help", "list", "sync_edited", "sync_unchanged", "summary", "sync_all_warm", "sync_all_cold", "sync_big")
SECONDS = ("median_s", "min_s", "max_s", "floor_median_s", "floor_min_s", "floor_max_s")


def test_the_whole_process_benchmark_prints_every_row_with_a_floor_and_a_ratio():
    """``python -m benchmarks.cli`` with tiny sizes and one run: every row measured against its floor,
    the JSON shape the coordinator reads, and nights that did what their names say. No timings."""
    env = {**os.environ, "NO_GCE_CHECK": "true", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "benchmarks.cli", "--runs", "1", "--warmup", "0", "--plans", "4",
               "--items", "40", "--json"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "verdict" in done.stdout  # the readable table came first

    assert result["plans"] == 4 and result["items"] == 40 and result["machine"]["nproc"] >= 1
    assert [row["name"] for row in result["rows"]] == list(ROWS)
    assert set(result["ratios"]) == set(ROWS)
    for row in result["rows"]:
        assert row["runs"] == 1 and row["warmup"] == 0
        assert all(isinstance(row[key], float) and row[key] > 0 for key in SECONDS), row
        assert isinstance(row["ratio"], float) and row["ratio"] > 0
        assert row["ratio"] == result["ratios"][row["name"]]
        assert row["cpu_ratio"] > 0 and row["target"] > 0 and isinstance(row["pass"], bool)
        assert row["command"].startswith("mapws") and row["floor_command"].startswith("python benchmarks/floors/")
    rows = {row["name"]: row for row in result["rows"]}
    assert rows["sync_big"]["figure"] == "mapws sync PLAN after an edit (40 items)"
    # The warm night reads only the edited plan and writes its changes; the cold one reads every plan.
    warm, cold = rows["sync_all_warm"]["detail"], rows["sync_all_cold"]["detail"]
    assert warm["plans"] == 4 and warm["failed"] == 0 and warm["unchanged"] == 3 and warm["changes"] > 0
    assert cold["plans"] == 4 and cold["failed"] == 0 and cold["unchanged"] == 0


def test_the_whole_process_benchmark_refuses_a_row_it_does_not_know():
    env = {**os.environ, "NO_GCE_CHECK": "true", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "benchmarks.cli", "--only", "help,nope"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown row(s) nope" in done.stderr
