"""The local backend's nightly run over many workbooks: cold (empty state store, every plan read)
and warm (the next night, 5% edited by buyers), in one process on one core."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from map_workspace import app, nightly
from map_workspace.config import load_config
from map_workspace.demo import BuyerEdits
from map_workspace.domain.model import Person
from map_workspace.ratelimit import Unlimited
from map_workspace.state_store import StateStore

CREATED = date(2026, 3, 2)


def seed(folder: Path, count: int) -> list[Path]:
    """One real plan, copied: creating 1,000 through the scheduler would only measure setup."""
    config = load_config({"dir": folder, "today": CREATED.isoformat()}, environ={})
    store = app.make_store(config)
    req = app.CreateRequest("Seed deal", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")])
    first = Path(app.create_plan(store, req, config).ref.id)
    paths = [first]
    for n in range(1, count):
        target = folder / f"deal-{n:04d}.xlsx"
        shutil.copyfile(first, target)
        paths.append(target)
    return paths


def edit(paths: list[Path], fraction: float) -> int:
    step = max(1, round(1 / fraction))
    edited = paths[::step]
    for path in edited:
        edits = BuyerEdits(path)
        edits.set("T-01", "Status", "Done")
        edits.set("T-02", "Owner", "IT team")
        edits.set("M-01", "Due", edits.get("M-01", "Due") + timedelta(days=7))
        edits.save()
    return len(edited)


def night(folder: Path, state_path: Path, day: date) -> tuple[float, dict]:
    config = load_config({"dir": folder, "today": day.isoformat()}, environ={})
    store = app.make_store(config)
    limiter = Unlimited()
    state = StateStore(state_path)
    result = nightly.Night(limiter=limiter)
    start = time.perf_counter()
    for run in nightly.sync_every_plan(store, config, state=state, limiter=limiter):
        result.runs.append(run)
    elapsed = time.perf_counter() - start
    state.close()
    return elapsed, result.totals()


def run(count: int = 1000, fraction: float = 0.05) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as tmp:
        folder, state_path = Path(tmp) / "maps", Path(tmp) / "state.sqlite"
        folder.mkdir()
        paths = seed(folder, count)
        day = CREATED + timedelta(days=7)
        cold_s, cold = night(folder, state_path, day)
        edited = edit(paths, fraction)
        warm_s, warm = night(folder, state_path, day + timedelta(days=1))
        return {
            "local_plans": count, "local_edited": edited,
            "local_sync_all_cold_s": round(cold_s, 2), "local_cold_reads": count - cold["unchanged"],
            "local_sync_all_warm_s": round(warm_s, 2), "local_warm_reads": count - warm["unchanged"],
            "local_warm_failed": warm["failed"],
        }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
