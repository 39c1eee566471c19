"""``python -m benchmarks.sync [--quick] [--json]``: the nightly run's figures (issue 4, Benchmark).

Google (over the loopback emulator, realistic latency, Google's quota on a sped-up clock): API calls
per plan for create, a first sync, an edited and a no-edit sync; ``sync --all`` over N plans with 5%
edited, cold (empty state store) and warm (the next night); wall time against the quota floor; and
the naive gspread script on the same plans. Local: the same nightly run over 1,000 workbooks, cold
and warm, on one core. A readable table goes to stdout (progress to stderr); with ``--json`` the
last line of stdout is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks import google, local

QUICK_PLANS = 40
FULL_PLANS = 1000


@contextmanager
def one_core() -> Iterator[bool]:
    """Run the block on a single CPU (the local target is "on one core"); a no-op where the OS
    cannot pin."""
    if not hasattr(os, "sched_setaffinity"):
        yield False
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield True
    finally:
        os.sched_setaffinity(0, before)


def run_local(count: int, fraction: float) -> dict[str, Any]:
    with one_core() as pinned:
        figures = local.run(count, fraction)
    measured_1000 = count == FULL_PLANS
    return {
        **figures,
        "local_one_core": pinned,
        # The names; null unless 1,000 workbooks were measured (``local_plans`` says how many).
        "local_sync_all_1000_warm_s": figures["local_sync_all_warm_s"] if measured_1000 else None,
        "local_sync_all_1000_cold_s": figures["local_sync_all_cold_s"] if measured_1000 else None,
    }


def targets(f: dict[str, Any]) -> dict[str, bool | None]:
    """The issue's targets, each met (true), missed (false) or not measurable in this run (null)."""
    def at_least(value: float | None, floor: float) -> bool | None:
        return None if value is None else value >= floor

    warm_1000 = f.get("local_sync_all_1000_warm_s")
    within = f.get("wall_vs_quota_floor")
    return {
        "read_at_most_100_KB": f["read_bytes_no_edit_sync"] <= 100_000,
        "read_at_most_2x_minimal_read": None if f["read_vs_minimal_read"] is None else f["read_vs_minimal_read"] <= 2,
        "3_item_edit_writes_at_most_12_KB": f["write_bytes_edited_sync_3_item_edit"] <= 12_000,
        "2_sheets_calls_per_edited_plan": f["calls_per_edited_plan"] <= 2,
        "0_sheets_calls_per_unchanged_plan": f["calls_per_unchanged_plan"] == 0,
        "10x_fewer_calls_than_naive_per_edited_plan_all_apis":
            at_least(f["fewer_calls_than_naive_per_edited_plan_all_apis"], 10),
        "100x_fewer_calls_than_naive_per_night_all_apis": at_least(f["fewer_calls_than_naive_per_night_all_apis"], 100),
        "sync_all_within_25pct_of_quota_floor": None if within is None or f["n_plans"] < FULL_PLANS
        else within <= 1.25,
        "local_warm_1000_under_10s": None if warm_1000 is None else warm_1000 < 10,
    }


def machine() -> dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                          if line.startswith("model name")), "")
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(),
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d"),
            "load_avg_1m": round(os.getloadavg()[0], 2)}


def table(f: dict[str, Any]) -> str:
    """The figures as a readable text table."""
    lines = [f"mapws nightly benchmark: {f['n_plans']} plans on the emulator, "
             f"latency {f['latency_ms']:g} ms, quota {google.PER_MINUTE}/min on a clock "
             f"{f['time_scale']:g}x faster, {f['workers']} workers", ""]

    def row(label: str, value: Any, note: str = "") -> None:
        shown = "-" if value is None else (f"{value:,}" if isinstance(value, int) else str(value))
        lines.append(f"  {label:<46} {shown:>12}  {note}".rstrip())

    def pair(a: str, b: str) -> str:
        return f"{f[a]} / {f[b]}"

    lines.append("One plan (mapws create, then `mapws sync SLUG`)")
    row("create: Sheets / Drive calls", pair("create_sheets_calls", "create_drive_calls"),
        f"shared with {f['create_shared_with']}; budget 4 + 1 per person")
    row("first sync: Sheets / Drive calls", pair("first_sync_calls", "first_sync_drive_calls"))
    row("sync after a buyer edit: Sheets / Drive calls", pair("edited_sync_calls", "edited_sync_drive_calls"))
    row("no-edit sync: Sheets / Drive calls", pair("no_edit_sync_calls", "no_edit_sync_drive_calls"))
    row("read bytes: after an edit / no edit", pair("read_bytes_edited_sync", "read_bytes_no_edit_sync"),
        "target <= 100,000")
    row("minimal read: values and notes of used cells", f["minimal_read_bytes_values_and_notes_of_used_cells"],
        f"read / minimal {f['read_vs_minimal_read']} (target <= 2)")
    row("write bytes of the 3-item edit's sync", f["write_bytes_edited_sync_3_item_edit"], "target <= 12,000")
    lines += ["", f"sync --all, warm night ({f['warm_edited_plans']} of {f['n_plans']} plans edited since)"]
    row("Sheets calls per edited plan", f["calls_per_edited_plan"], "target 2")
    row("Sheets calls per unchanged plan", f["calls_per_unchanged_plan"], "target 0")
    row("Sheets calls per night", f["calls_per_night"], f"all APIs {f['calls_per_night_all_apis']}")
    row("Drive: listings / version calls per written plan",
        pair("drive_listing_calls_per_night", "drive_version_calls_per_written_plan"),
        "budget 1 per 1,000 / at most 1")
    row("wall time (s)", f["wall_s_sync_all_warm"], f"quota floor {f['quota_floor_warm_s']} s")
    row("CPU s: mapws / emulator", pair("mapws_cpu_s_warm", "emulator_cpu_s_warm"))
    lines.append(f"sync --all, cold night (empty state store, {f['cold_edited_plans']} edited)")
    row("Sheets reads / writes", f"{f['cold']['sheets_reads']} / {f['cold']['sheets_writes']}",
        f"Drive {f['cold']['drive']}")
    row("wall time (s)", f["wall_s_sync_all"], f"= {f['wall_google_min_sync_all']} Google-minutes")
    row("quota floor (s)", f["quota_floor_s"], f"= {f['quota_floor_google_min']} Google-minutes")
    row("wall / floor", f["wall_vs_quota_floor"], "target <= 1.25 at 1,000 plans")
    row("CPU s: mapws / emulator", pair("mapws_cpu_s_cold", "emulator_cpu_s_cold"))
    row("429s seen by mapws / failed plans", pair("mapws_429s", "failed_plans"))
    scaled = ", per-plan figures scaled to N" if f["naive_wall_extrapolated"] else ""
    lines += ["", f"Naive gspread script, warm night ({f['naive_plans_measured']} plans visited{scaled})"]
    row("Sheets calls per edited plan", f["naive_calls_per_edited_plan"],
        f"mapws: {f['fewer_calls_than_naive_per_edited_plan_sheets_only']}x fewer; all APIs "
        f"{f['fewer_calls_than_naive_per_edited_plan_all_apis']}x (target 10x, all APIs)")
    row("Sheets calls per unchanged plan", f["naive_calls_per_unchanged_plan"])
    row("Sheets calls per night", f["naive_calls_per_night"],
        f"mapws: {f['fewer_calls_than_naive_per_night_sheets_only']}x fewer; all APIs "
        f"{f['fewer_calls_than_naive_per_night_all_apis']}x (target 100x, all APIs)")
    row("wall time (s)", f["naive_wall_s"], f"measured {f['naive_wall_s_measured']} s")
    row("its quota floor (Google-minutes)", f["naive_quota_floor_google_min"])
    row("same verdict as mapws (plans)", f"{f['naive_same_verdict_plans']} of {f['naive_plans_measured']}")
    pinned = "one core" if f["local_one_core"] else "not pinned"
    lines += ["", f"Local backend ({f['local_plans']} workbooks, {f['local_edited']} edited, {pinned})"]
    row("warm sync --all (s)", f["local_sync_all_warm_s"], "target < 10 s at 1,000")
    row("cold sync --all (s)", f["local_sync_all_cold_s"])
    lines += ["", "Targets"]
    for name, met in f["targets"].items():
        verdict = "met" if met else ("not measured" if met is None else "NOT MET")
        lines.append(f"  {name:<46} {verdict:>12}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_PLANS} plans everywhere (well under a minute)")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on the last line")
    parser.add_argument("--plans", type=int, help=f"Google plans (default {FULL_PLANS}, quick {QUICK_PLANS})")
    parser.add_argument("--local-plans", type=int,
                        help=f"local workbooks (default {FULL_PLANS}, quick {QUICK_PLANS})")
    parser.add_argument("--naive-plans", type=int,
                        help="plans the naive script visits (default 20, quick 2); "
                        "its per-plan figures are scaled to --plans")
    parser.add_argument("--latency-ms", type=float, default=80.0,
                        help="emulator latency per request (default 80)")
    parser.add_argument("--time-scale", type=float, default=4.0,
                        help="how much faster the quota clock runs than the wall clock (default 4)")
    parser.add_argument("--workers", type=int, default=8, help="mapws workers (default 8, as the CLI)")
    parser.add_argument("--fraction", type=float, default=0.05, help="share of plans edited per night (0.05)")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(f"[benchmark] {text}", file=sys.stderr, flush=True)

    os.environ.setdefault("NO_GCE_CHECK", "true")  # everything goes to the loopback emulator

    plans_default = QUICK_PLANS if args.quick else FULL_PLANS
    plans = args.plans or plans_default
    local_plans = args.local_plans if args.local_plans is not None else plans_default
    naive_plans = args.naive_plans or (2 if args.quick else 20)
    started = time.perf_counter()
    figures: dict[str, Any] = {"machine": machine()}
    figures.update(google.run(plans, fraction=args.fraction, latency_ms=args.latency_ms,
                              time_scale=args.time_scale, workers=args.workers, naive_plans=naive_plans,
                              say=say))
    say(f"local backend: {local_plans} workbooks, cold then warm, on one core")
    figures.update(run_local(local_plans, args.fraction))
    figures["targets"] = targets(figures)
    figures["command"] = "python -m benchmarks.sync " + " ".join(argv if argv is not None else sys.argv[1:])
    figures["total_s"] = round(time.perf_counter() - started, 1)
    print(table(figures))
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
