"""The Google side of the benchmark: mapws and the naive gspread script on the same plans, over the
loopback emulator with realistic latency and Google's per-minute quota on a sped-up clock.

Setup (fast, no HTTP): one plan is created through ``app.create_plan`` (measured), then its
spreadsheet is cloned inside the emulator with the seeding API, each clone its own file, deal slug
and plan ID (the clones share the source's cells until one is written: a write in the emulator
works on new sheet objects and never edits a cell in place, so sharing is safe and 1,000 plans
take seconds and little memory).
Buyers edit through the emulator's edit API (a Drive version bump, as a real edit), except in the
single-plan walk-through, where the buyer uses gspread.

The emulator runs in a child process, and there renders each distinct tab once (see
``_memoise_grid_rendering``): a full plan read is ~130 KB of JSON that costs the emulator 0.1-0.4 s of
CPU under its one lock, which in mapws's process, or unmemoised, would make the emulator the limit
of a 1,000-plan night instead of the quota. Plans edited by buyers are unique, so their reads (and
every write, which builds new sheet objects) still cost the emulator in full; the CPU figures of each
night show how much.

Nights (the same edits on both sides):
- cold: ``sync --all`` with an empty state store, 5% of the plans edited by buyers since creation;
- warm: the next night, another 5% edited. mapws reads only those.
- naive: the warm night for the script, over a sample of the same plans (it has no memory, so
  every night costs it the same); its per-plan calls are exact per kind of plan (edited or not)
  and are scaled to N, its wall time likewise (both labelled).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.naive import KeepingHTTPClient, NaiveScript
from map_workspace import app, nightly
from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.backends.google.sheets_io import Layout, value_data
from map_workspace.backends.google.store import GooglePlanStore
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import PLAN, PLAN_TAB, Snapshot
from map_workspace.ratelimit import RateLimiter
from map_workspace.reading import find_table
from map_workspace.state_store import StateStore
from map_workspace.sync import SyncPlan

REP = "rep@seller.example"          # creates the walk-through plan
NIGHTLY = "nightly@seller.example"  # mapws's nightly identity, owner of the N plans
SCRIPT = "script@seller.example"    # the naive script's identity, owner of its copies
BUYER = "dana@acme.example"
BUYER_PERSON = "Dana Tanaka <dana@acme.example>"
SELLER_PERSON = "Sam Rivera <sam@seller.example>"

CREATED = date(2026, 3, 2)
COLD_NIGHT = CREATED + timedelta(days=7)
WARM_NIGHT = COLD_NIGHT + timedelta(days=1)
PER_MINUTE = 60

_SPREADSHEET_PATH = re.compile(r"^/v4/spreadsheets/([^/:]+)")
_DRIVE_FILE_PATH = re.compile(r"^/drive/v3/files/([^/]+)")


# --- the emulator in its own process ------------------------------------------------------------

class _Commands:
    """What the parent may ask of the emulator (seeding, edits, the log), run in the child."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator

    def issue_token(self, principal: str) -> str:
        return self.emulator.issue_token(principal)

    def clone_plan(self, source_id: str, owner: str, deals: Sequence[tuple[str, str]],
                   shared_with: dict[str, str]) -> list[str]:
        """One new plan per (slug, plan ID), sharing the source's cells, with the appProperties
        and developer metadata a created plan carries."""
        from tests.google_emulator.drive_model import SPREADSHEET_MIME

        core = self.emulator.core
        with core.lock:
            source = core.spreadsheets[source_id]
        ids = []
        for slug, plan_id in deals:
            name = f"{slug} — Mutual Action Plan"
            file_id = self.emulator.seed_file(
                name, SPREADSHEET_MIME, owner=owner, shared_with=shared_with,
                app_properties={"mapws": "plan", "mapws_deal": slug, "mapws_plan_id": plan_id,
                                "mapws_schema": "1"})
            with core.lock:
                core.spreadsheets[file_id] = replace(
                    source, spreadsheet_id=file_id, properties={**source.properties, "title": name},
                    developer_metadata=[_retagged(item, slug, plan_id) for item in source.developer_metadata])
            ids.append(file_id)
        return ids

    def apply_edits(self, edits: Sequence[tuple[str, list[dict[str, Any]]]], editor: str) -> int:
        for spreadsheet_id, requests in edits:
            self.emulator.apply_edit(spreadsheet_id, requests, editor=editor)
        return len(edits)

    def log_mark(self) -> int:
        with self.emulator.log.lock:
            return len(self.emulator.log.entries)

    def log_since(self, mark: int) -> list[tuple[str, str, str, int]]:
        with self.emulator.log.lock:
            return [(e.get("principal", ""), e["method"], e["path"], int(e.get("status") or 0))
                    for e in self.emulator.log.entries[mark:]]

    def bytes_since(self, mark: int, principal: str) -> list[tuple[str, str, int, int]]:
        """(method, path, request bytes, response bytes) of ``principal``'s answered calls."""
        with self.emulator.log.lock:
            return [(e["method"], e["path"], int(e.get("request_bytes") or 0), int(e.get("response_bytes") or 0))
                    for e in self.emulator.log.entries[mark:] if e.get("principal") == principal]

    def cpu_s(self) -> float:
        """CPU seconds the emulator process has used (to tell its cost from mapws's)."""
        return time.process_time()

    def versions(self, ids: Sequence[str]) -> dict[str, int]:
        return {i: self.emulator.file_version(i) for i in ids}


def _retagged(item: dict[str, Any], slug: str, plan_id: str) -> dict[str, Any]:
    item = dict(item)
    if item.get("metadataKey") == "mapws.plan_id":
        item["metadataValue"] = plan_id
    elif item.get("metadataKey") == "mapws.meta":
        meta = json.loads(item["metadataValue"])
        meta.update(plan_id=plan_id, slug=slug)
        item["metadataValue"] = json.dumps(meta, separators=(",", ":"), sort_keys=True)
    return item


def _memoise_grid_rendering(size: int = 8) -> None:
    """Render a tab's grid data once per distinct content (in the benchmark's emulator process only).

    The emulator rebuilds every cell of a full plan read (0.1–0.4 s of CPU, under one lock), which
    would make the emulator, not the quota, the limit of a 1,000-plan night. Cloned plans share
    their tabs until written (every write works on new sheet objects), so the rendering of a tab is
    a pure function of the tab objects, the spreadsheet's settings, the day and what the read's mask
    keeps: memoised on those, with the tab objects held so their ids stay unique. Answers are
    unchanged."""
    from collections import OrderedDict

    from tests.google_emulator import sheets_model

    original = sheets_model.render_grid_data
    cache: OrderedDict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = OrderedDict()

    def render(spreadsheet: Any, bounds: Any, evaluator: Any) -> dict[str, Any]:
        settings = {k: v for k, v in spreadsheet.properties.items() if k != "title"}
        located = [m for m in spreadsheet.developer_metadata
                   if m["location"]["locationType"] in ("ROW", "COLUMN")]
        key = (tuple(id(s) for s in spreadsheet.sheets), id(bounds.sheet), bounds.start_row, bounds.end_row,
               bounds.start_col, bounds.end_col, evaluator.today, id(spreadsheet.named_ranges),
               evaluator.values_wanted, evaluator.dimensions_wanted,
               json.dumps([settings, located], sort_keys=True, default=str))
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit[1]
        data = original(spreadsheet, bounds, evaluator)
        cache[key] = ((tuple(spreadsheet.sheets), spreadsheet.named_ranges), data)
        while len(cache) > size:
            cache.popitem(last=False)
        return data

    sheets_model.render_grid_data = render


def _serve(conn: Any, options: dict[str, Any]) -> None:
    os.environ.setdefault("NO_GCE_CHECK", "true")
    from tests.google_emulator import Emulator

    _memoise_grid_rendering()

    emulator = Emulator(**options).start()
    commands = _Commands(emulator)
    conn.send(("ok", emulator.base_url))
    try:
        while True:
            name, args, kwargs = conn.recv()
            if name == "stop":
                break
            try:
                conn.send(("ok", getattr(commands, name)(*args, **kwargs)))
            except Exception:  # noqa: BLE001 - reported to the parent, which raises it
                conn.send(("error", traceback.format_exc()))
    finally:
        emulator.stop()
        conn.send(("ok", None))


class EmulatorHost:
    """The emulator (tests/google_emulator) in a child process, driven over a pipe."""

    def __init__(self, *, latency_ms: float, time_scale: float, quota_per_minute: int = PER_MINUTE,
                 seed: int = 7) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        options = {"latency_ms": latency_ms, "time_scale": time_scale, "quota_per_minute": quota_per_minute,
                   "seed": seed}
        self._process = context.Process(target=_serve, args=(child, options), name="google-emulator",
                                        daemon=True)
        self.base_url = ""

    def start(self) -> EmulatorHost:
        self._process.start()
        self.base_url = self._answer()
        return self

    def _answer(self) -> Any:
        status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"emulator command failed:\n{value}")
        return value

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        return self._answer()

    def stop(self) -> None:
        if self._process.is_alive():
            try:
                self.call("stop")
            except (OSError, EOFError, RuntimeError):
                pass
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()

    def __enter__(self) -> EmulatorHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- counting calls from the emulator's log ----------------------------------------------------

@dataclass
class Traffic:
    """One identity's requests in a stretch of the log, by API and by spreadsheet."""

    sheets_reads: Counter[str] = field(default_factory=Counter)
    sheets_writes: Counter[str] = field(default_factory=Counter)
    drive: Counter[str] = field(default_factory=Counter)  # "" is the listing
    quota_refusals: int = 0
    other_failures: int = 0

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str, str, int]], principal: str) -> Traffic:
        """Successful calls count; 429s are counted apart (Google does not charge them)."""
        out = cls()
        for who, method, path, status in entries:
            if who != principal:
                continue
            if status == 429:
                out.quota_refusals += 1
                continue
            if status != 200:
                out.other_failures += 1
                continue
            sheet = _SPREADSHEET_PATH.match(path)
            if sheet:
                read = method == "GET" or path.endswith(":getByDataFilter")
                (out.sheets_reads if read else out.sheets_writes)[sheet[1]] += 1
            elif path.startswith(("/drive/", "/upload/drive/")):
                file = _DRIVE_FILE_PATH.match(path)
                out.drive[file[1] if file else ""] += 1
        return out

    @property
    def reads(self) -> int:
        return sum(self.sheets_reads.values())

    @property
    def writes(self) -> int:
        return sum(self.sheets_writes.values())

    @property
    def sheets(self) -> int:
        return self.reads + self.writes

    @property
    def drive_calls(self) -> int:
        return sum(self.drive.values())

    @property
    def listings(self) -> int:
        return self.drive.get("", 0)

    def sheets_of(self, ids: Iterable[str]) -> int:
        return sum(self.sheets_reads[i] + self.sheets_writes[i] for i in ids)

    def summary(self) -> dict[str, int]:
        return {"sheets_reads": self.reads, "sheets_writes": self.writes, "drive": self.drive_calls,
                "total": self.sheets + self.drive_calls}


def quota_floor_s(reads: int, writes: int, per_minute: int = PER_MINUTE) -> float:
    """Seconds on Google's clock that the per-minute quota alone forces on this many calls.

    Per kind (Sheets reads and writes have separate buckets): the first ``per_minute`` calls may go
    at once, and each further batch, full or partial, must wait one more 60-second window, so
    ``n`` calls need ``60 * (ceil(n / per_minute) - 1)`` seconds (0 for n <= per_minute): the
    whole minutes the quota forces, minus the last partial window. The floor is the larger of the
    two kinds (they wait in parallel). Latency and work are not in it."""
    def one(n: int) -> float:
        return 60.0 * (math.ceil(n / per_minute) - 1) if n > 0 else 0.0

    return max(one(reads), one(writes))


# --- plans, stores and edits ----------------------------------------------------------------------

def store_for(host: EmulatorHost, token: str, principal: str, time_scale: float) -> GooglePlanStore:
    """The product's store as ``mapws`` builds it, with its retry waits on the emulator's clock."""
    from google.oauth2.credentials import Credentials

    clients = GoogleClients(Credentials(token=token), host.base_url, timeout=60)
    retry = RetryPolicy(sleep=lambda seconds: time.sleep(seconds / time_scale))
    return GooglePlanStore(clients, principal=principal, timezone="UTC", retry=retry)


def gspread_for(host: EmulatorHost, token: str) -> Any:
    """A plain gspread client for a person or the script (no retries of its own)."""
    import gspread
    from google.oauth2.credentials import Credentials

    from tests.google_emulator.clients import RewritingSession

    credentials = Credentials(token=token)
    return gspread.Client(auth=credentials, session=RewritingSession(credentials, host.base_url),
                          http_client=KeepingHTTPClient)


def config_for(host: EmulatorHost, day: date, state: Path) -> Config:
    """The configuration ``mapws`` would load; ``state`` keeps the seller-side database (which
    create consults) out of the user's data dir."""
    return Config(backend="google", google_api_root=host.base_url, today=day, timezone="UTC",
                  max_rpm=PER_MINUTE, state=str(state))


@dataclass(frozen=True)
class EditTargets:
    """Where a buyer's typical edits land in a plan cloned from the walk-through plan."""

    sheet_id: int
    status: tuple[int, int]  # 0-based (row, col) of T-01's Status
    owner: tuple[int, int]   # T-02's Owner
    due: tuple[int, int]     # M-01's Due
    due_value: date

    @classmethod
    def of(cls, snapshot: Snapshot) -> EditTargets:
        grid = snapshot.tabs[PLAN]
        table = find_table(grid, PLAN_TAB)
        rows = {grid.cell(r, table.columns["id"]).text: r
                for r in range(table.header_row + 1, len(grid.rows))}
        due_cell = grid.cell(rows["M-01"], table.columns["due"])
        assert isinstance(due_cell.value, date), due_cell
        return cls(Layout.of(snapshot).tabs[PLAN].sheet_id,
                   (rows["T-01"], table.columns["status"]), (rows["T-02"], table.columns["owner"]),
                   (rows["M-01"], table.columns["due"]), due_cell.value)

    def requests(self) -> list[dict[str, Any]]:
        """A buyer marks T-01 Done, names a group ("IT team") as T-02's owner, moves M-01 a week."""
        def cell(at: tuple[int, int], value: Any) -> dict[str, Any]:
            data, fields = value_data(value)
            return {"updateCells": {
                "range": {"sheetId": self.sheet_id, "startRowIndex": at[0], "endRowIndex": at[0] + 1,
                          "startColumnIndex": at[1], "endColumnIndex": at[1] + 1},
                "rows": [{"values": [data]}], "fields": ",".join(fields)}}

        return [cell(self.status, "Done"), cell(self.owner, "IT team"),
                cell(self.due, self.due_value + timedelta(days=7))]


def edited_indexes(count: int, fraction: float, night: int) -> list[int]:
    """Every 1/fraction-th plan; the warm night's half a step further on (never the same plans)."""
    step = max(1, round(1 / fraction))
    offset = 0 if night == 0 else min(step // 2, count - 1)
    return list(range(offset, count, step))


def buyer_walkthrough_edits(client: Any, spreadsheet_id: str) -> None:
    """What a buyer does in the sheet with gspread: one item done, one date moved, a group named."""
    sheet = client.open_by_key(spreadsheet_id).worksheet(PLAN)
    values = sheet.get_all_values()

    def column(header: str) -> int:
        return next(i for i, h in enumerate(values[0]) if h.replace(" (auto)", "") == header) + 1

    sheet.update_cell(2, column("Status"), "Done")
    sheet.update_cell(3, column("Due"), "2026-07-20")
    sheet.update_cell(4, column("Owner"), "IT")


# --- mapws's nights -------------------------------------------------------------------------------

@dataclass
class MapwsNight:
    runs: list[nightly.PlanRun]
    wall_s: float
    traffic: Traffic
    limiter_wait_s: float
    #: CPU seconds of mapws's process and of the emulator's during the night: when the emulator's
    #: come near the wall time, the emulator (one lock, ~1 MB rendered per plan read) was the limit.
    mapws_cpu_s: float = 0.0
    emulator_cpu_s: float = 0.0


def mapws_night(host: EmulatorHost, token: str, day: date, state_path: Path, *, workers: int,
                time_scale: float) -> MapwsNight:
    """``mapws sync --all`` as the CLI runs it: a fresh store, the shared limiter, N workers, the
    state store at ``state_path``."""
    store = store_for(host, token, NIGHTLY, time_scale)
    limiter = RateLimiter(PER_MINUTE, time_scale=time_scale)
    state = StateStore(state_path)
    mark = host.call("log_mark")
    emulator_cpu, mapws_cpu = host.call("cpu_s"), time.process_time()
    start = time.perf_counter()
    try:
        runs = list(nightly.sync_every_plan(store, config_for(host, day, state_path), state=state,
                                            limiter=limiter, workers=workers))
    finally:
        state.close()
    wall = time.perf_counter() - start
    mapws_cpu = time.process_time() - mapws_cpu
    emulator_cpu = host.call("cpu_s") - emulator_cpu
    return MapwsNight(runs, wall, Traffic.of(host.call("log_since", mark), NIGHTLY), limiter.waited_s,
                      mapws_cpu, emulator_cpu)


# --- comparing verdicts ---------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def verdict(result: SyncPlan) -> dict[str, Any]:
    """What both must agree on: findings, cell values written, History rows, the state tab (the
    time of day a run happens to write is left out, and notes, which the script does not keep)."""
    def shown(value: Any) -> Any:
        if isinstance(value, datetime):
            value = value.isoformat()
        if isinstance(value, date):
            value = value.isoformat()
        return "<timestamp>" if isinstance(value, str) and _TIMESTAMP.match(value) else value

    changes = result.changes
    return {
        "findings": sorted((f.code, f.severity.value, f.id or "", f.tab or "", f.field or "")
                           for f in result.findings),
        "cells": sorted((c.tab, c.row, c.col, str(shown(c.value)), c.formula or "") for c in changes.cells),
        "history": sorted((h.id, h.field, h.from_, h.to, h.note) for h in changes.history),
        "state": None if changes.state is None else [tuple(map(str, r.cells())) for r in changes.state],
    }


# --- the whole Google run -------------------------------------------------------------------------

def naive_sample(count: int, edited: Sequence[int], wanted: int, fraction: float) -> list[int]:
    """The plans the naive script visits: all when ``wanted >= count``, else the first edited ones
    (in the night's proportion, at least one) and the first of the others."""
    if wanted >= count:
        return list(range(count))
    k_edited = min(len(edited), max(1, round(wanted * fraction)))
    chosen = list(edited[:k_edited])
    others = [i for i in range(count) if i not in set(edited)]
    return sorted(chosen + others[:max(0, wanted - k_edited)])


def run(n_plans: int = 1000, *, fraction: float = 0.05, latency_ms: float = 80, time_scale: float = 4.0,
        workers: int = 8, naive_plans: int = 20, seed: int = 7,
        say: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Every Google figure of the benchmark, as one flat dict."""
    out: dict[str, Any] = {"n_plans": n_plans, "latency_ms": latency_ms, "time_scale": time_scale,
                           "workers": workers, "edited_fraction": fraction}
    with EmulatorHost(latency_ms=latency_ms, time_scale=time_scale, seed=seed) as host, \
            tempfile.TemporaryDirectory() as tmp:
        tokens = {p: host.call("issue_token", p) for p in (REP, NIGHTLY, SCRIPT, BUYER)}
        state_path = Path(tmp) / "state.sqlite"

        def config(day: date) -> Config:
            return config_for(host, day, state_path)

        # 1. One plan through the product's create, then the walk-through syncs of that plan.
        say("creating one plan through mapws, cloning it in the emulator")
        rep = store_for(host, tokens[REP], REP, time_scale)
        request = app.CreateRequest("Acme rollout", date(2026, 6, 30), [Person.parse(BUYER_PERSON)],
                                    [Person.parse(SELLER_PERSON)])
        mark = host.call("log_mark")
        created = app.create_plan(rep, request, config(CREATED))
        create = Traffic.of(host.call("log_since", mark), REP)
        targets = EditTargets.of(rep.read(created.ref))

        start = time.perf_counter()
        deals = [(f"deal-{k:04d}", f"{k:016x}") for k in range(n_plans)]
        shared = {BUYER: "writer"}
        mapws_ids = host.call("clone_plan", created.ref.id, NIGHTLY, deals, shared)
        cold_edits = edited_indexes(n_plans, fraction, 0)
        warm_edits = edited_indexes(n_plans, fraction, 1)
        sample = naive_sample(n_plans, warm_edits, naive_plans, fraction)
        naive_ids = host.call("clone_plan", created.ref.id, SCRIPT, [deals[k] for k in sample], shared)
        out["seed_s"] = round(time.perf_counter() - start, 2)

        walk = {}
        wire: dict[str, list[tuple[str, str, int, int]]] = {}
        for step, day in (("first_sync", CREATED), ("edited_sync", COLD_NIGHT), ("no_edit_sync", COLD_NIGHT)):
            if step == "edited_sync":
                buyer_walkthrough_edits(gspread_for(host, tokens[BUYER]), created.ref.id)
            mark = host.call("log_mark")
            outcome = app.sync_plan(rep, created.ref.slug, config(day))  # as `mapws sync SLUG`
            walk[step] = (Traffic.of(host.call("log_since", mark), REP), outcome.written)
            wire[step] = host.call("bytes_since", mark, REP)
        out.update(_bytes_figures(wire, minimal_read_bytes(host, tokens[REP], rep, created.ref)))
        out.update({
            "create_calls": create.sheets + create.drive_calls, "create_sheets_calls": create.sheets,
            "create_drive_calls": create.drive_calls, "create_shared_with": len(created.shared_with),
            "first_sync_calls": walk["first_sync"][0].sheets,
            "first_sync_drive_calls": walk["first_sync"][0].drive_calls,
            "edited_sync_calls": walk["edited_sync"][0].sheets,
            "edited_sync_drive_calls": walk["edited_sync"][0].drive_calls,
            "no_edit_sync_calls": walk["no_edit_sync"][0].sheets,
            "no_edit_sync_drive_calls": walk["no_edit_sync"][0].drive_calls,
        })

        # 2. mapws: the cold night, then the warm one.
        request_edits = targets.requests()
        host.call("apply_edits", [(mapws_ids[k], request_edits) for k in cold_edits], BUYER)
        say(f"mapws cold night: {n_plans} plans, {len(cold_edits)} edited, empty state store")
        cold = mapws_night(host, tokens[NIGHTLY], COLD_NIGHT, state_path, workers=workers,
                           time_scale=time_scale)
        host.call("apply_edits", [(mapws_ids[k], request_edits) for k in warm_edits], BUYER)
        say(f"mapws warm night: {len(warm_edits)} edited since")
        warm = mapws_night(host, tokens[NIGHTLY], WARM_NIGHT, state_path, workers=workers,
                           time_scale=time_scale)

        # 3. The naive script on its copies of the sampled plans: last night (only the plans edited
        #    then had anything to change, so only those are replayed, unmeasured), then tonight.
        script = NaiveScript(gspread_for(host, tokens[SCRIPT]), settings=app.settings_for(config(WARM_NIGHT)),
                             time_scale=time_scale)
        position = {k: j for j, k in enumerate(sample)}
        last_night = [naive_ids[position[k]] for k in cold_edits if k in position]
        host.call("apply_edits", [(i, request_edits) for i in last_night], BUYER)
        if last_night:
            say(f"naive script, last night (unmeasured): {len(last_night)} plans")
            script.night(last_night, COLD_NIGHT, app.now_for(config(COLD_NIGHT)))
        tonight = [naive_ids[position[k]] for k in warm_edits if k in position]
        host.call("apply_edits", [(i, request_edits) for i in tonight], BUYER)
        say(f"naive script: {len(sample)} plans ({len(tonight)} edited), one at a time")
        script.quota_waits = 0
        mark = host.call("log_mark")
        start = time.perf_counter()
        script.client.list_spreadsheet_files()
        listing_s = time.perf_counter() - start
        naive_runs = script.night(naive_ids, WARM_NIGHT, app.now_for(config(WARM_NIGHT)))
        naive_wall_measured = time.perf_counter() - start
        naive = Traffic.of(host.call("log_since", mark), SCRIPT)

    out.update(_mapws_figures(cold, warm, mapws_ids, cold_edits, warm_edits, n_plans, time_scale))
    out.update(_naive_figures(naive, naive_runs, sample, warm_edits, n_plans, listing_s, naive_wall_measured,
                              script.quota_waits, time_scale))
    out.update(_agreement(warm, naive_runs, mapws_ids, sample))
    out["call_ratio_vs_naive"] = _ratio(out["naive_calls_per_edited_plan"], out["calls_per_edited_plan"])
    out["night_call_ratio_vs_naive"] = _ratio(out["naive_calls_per_night"], out["calls_per_night"])
    out["night_call_ratio_vs_naive_all_apis"] = _ratio(out["naive_calls_per_night_all_apis"],
                                                       out["calls_per_night_all_apis"])
    # The headline (issue 10): how many times fewer calls than the naive script (batch_format, one
    # call per plan), per edited plan and per night, counting Sheets only and every API.
    out["fewer_calls_than_naive_per_edited_plan_sheets_only"] = out["call_ratio_vs_naive"]
    out["fewer_calls_than_naive_per_edited_plan_all_apis"] = _ratio(
        out["naive_calls_per_edited_plan_all_apis"], out["calls_per_edited_plan_all_apis"])
    out["fewer_calls_than_naive_per_night_sheets_only"] = out["night_call_ratio_vs_naive"]
    out["fewer_calls_than_naive_per_night_all_apis"] = out["night_call_ratio_vs_naive_all_apis"]
    return out


def minimal_read_bytes(host: EmulatorHost, token: str, store: GooglePlanStore, ref: Any) -> int:
    """The floor a plan read is compared with: one compact ``spreadsheets.get`` of the values and
    notes of the used cells only (each tab's rows and columns up to its last used cell, as mapws's
    own read of the same plan finds them), nothing else."""
    snapshot = store.read(ref)
    ranges = []
    for tab, grid in snapshot.tabs.items():
        width = max((len(row) for row in grid.rows), default=0)
        if grid.rows and width:
            title = Layout.of(snapshot).tabs[tab].title.replace("'", "''")
            ranges.append(f"'{title}'!A1:{_column(width)}{len(grid.rows)}")
    answer = gspread_for(host, token).http_client.request(
        "get", f"https://sheets.googleapis.com/v4/spreadsheets/{ref.id}",
        params={"ranges": ranges, "fields": "sheets(data(rowData(values(userEnteredValue,note))))",
                "prettyPrint": "false"})
    return len(answer.content)


def _column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _bytes_figures(wire: dict[str, list[tuple[str, str, int, int]]], minimal: int) -> dict[str, Any]:
    """Bytes over the wire of the walk-through syncs (issue 10, Lean reads and writes)."""
    def sheets(step: str, write: bool) -> int:
        return sum(req if write else resp for method, path, req, resp in wire[step]
                   if _SPREADSHEET_PATH.match(path) and (method == "POST") == write)

    settled = sheets("no_edit_sync", write=False)  # the plan as the minimal read sees it
    return {
        "read_bytes_edited_sync": sheets("edited_sync", write=False),
        "read_bytes_no_edit_sync": settled,
        "minimal_read_bytes_values_and_notes_of_used_cells": minimal,
        "read_vs_minimal_read": round(settled / minimal, 2) if minimal else None,
        "write_bytes_edited_sync_3_item_edit": sheets("edited_sync", write=True),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 1) if b else None


def _mapws_figures(cold: MapwsNight, warm: MapwsNight, ids: list[str], cold_edits: list[int],
                   warm_edits: list[int], n: int, time_scale: float) -> dict[str, Any]:
    edited = {ids[k] for k in warm_edits}
    unchanged = [i for i in ids if i not in edited]
    written = [r for r in warm.runs if r.outcome is not None and r.outcome.written]
    cold_floor = quota_floor_s(cold.traffic.reads, cold.traffic.writes)
    warm_floor = quota_floor_s(warm.traffic.reads, warm.traffic.writes)
    version_calls = sum(c for key, c in warm.traffic.drive.items() if key)
    drive_edited = sum(warm.traffic.drive[i] for i in edited)
    return {
        "calls_per_edited_plan": round(warm.traffic.sheets_of(edited) / max(1, len(edited)), 2),
        # Sheets and Drive calls of an edited plan, and its share of the night's listings
        "calls_per_edited_plan_all_apis": round(
            (warm.traffic.sheets_of(edited) + drive_edited) / max(1, len(edited)) + warm.traffic.listings / n, 3),
        "calls_per_unchanged_plan": round(warm.traffic.sheets_of(unchanged) / max(1, len(unchanged)), 3),
        "calls_per_night": warm.traffic.sheets,
        "calls_per_night_all_apis": warm.traffic.sheets + warm.traffic.drive_calls,
        "drive_listing_calls_per_night": warm.traffic.listings,
        "drive_version_calls_per_written_plan": round(version_calls / max(1, len(written)), 2),
        "warm_edited_plans": len(edited), "warm_written_plans": len(written),
        "warm_plans_read": sum(1 for r in warm.runs if r.read),
        "warm": warm.traffic.summary(),
        "cold_edited_plans": len(cold_edits),
        "cold": cold.traffic.summary(),
        "failed_plans": sum(1 for r in cold.runs + warm.runs if r.error is not None),
        "mapws_429s": cold.traffic.quota_refusals + warm.traffic.quota_refusals,
        "wall_s_sync_all": round(cold.wall_s, 2),
        "quota_floor_s": round(cold_floor / time_scale, 2),
        "quota_floor_google_min": round(cold_floor / 60, 2),
        "wall_google_min_sync_all": round(cold.wall_s * time_scale / 60, 2),
        "wall_vs_quota_floor": round(cold.wall_s / (cold_floor / time_scale), 3) if cold_floor else None,
        "limiter_wait_s_cold": round(cold.limiter_wait_s, 2),
        "mapws_cpu_s_cold": round(cold.mapws_cpu_s, 1), "emulator_cpu_s_cold": round(cold.emulator_cpu_s, 1),
        "wall_s_sync_all_warm": round(warm.wall_s, 2),
        "mapws_cpu_s_warm": round(warm.mapws_cpu_s, 1), "emulator_cpu_s_warm": round(warm.emulator_cpu_s, 1),
        "quota_floor_warm_s": round(warm_floor / time_scale, 2),
    }


def _naive_figures(naive: Traffic, runs: list[Any], sample: list[int], warm_edits: list[int], n: int,
                   listing_s: float, wall_measured: float, quota_waits: int,
                   time_scale: float) -> dict[str, Any]:
    edited_positions = {j for j, k in enumerate(sample) if k in set(warm_edits)}
    per_plan = [naive.sheets_of([r.spreadsheet_id]) for r in runs]
    reads = [naive.sheets_reads[r.spreadsheet_id] for r in runs]
    writes = [naive.sheets_writes[r.spreadsheet_id] for r in runs]

    def mean(values: Sequence[float], edited: bool) -> float:
        chosen = [v for j, v in enumerate(values) if (j in edited_positions) == edited]
        return sum(chosen) / len(chosen) if chosen else 0.0

    e = len(warm_edits)
    u = n - e

    def scaled(values: Sequence[float]) -> float:
        return mean(values, True) * e + mean(values, False) * u

    listings = math.ceil(n / 1000)
    calls_night = scaled(per_plan)
    reads_night, writes_night = scaled(reads), scaled(writes)
    wall = scaled([r.wall_s for r in runs]) + listing_s * listings
    floor = quota_floor_s(round(reads_night), round(writes_night))
    return {
        "naive_plans_measured": len(runs), "naive_edited_measured": len(edited_positions),
        "naive_failed_plans": sum(1 for r in runs if r.error),
        "naive_calls_per_edited_plan": round(mean(per_plan, True), 2),
        "naive_calls_per_unchanged_plan": round(mean(per_plan, False), 2),
        "naive_calls_per_night": round(calls_night),
        "naive_calls_per_night_all_apis": round(calls_night) + listings,
        # its Sheets calls (it makes no Drive call per plan) and its share of the listings
        "naive_calls_per_edited_plan_all_apis": round(mean(per_plan, True) + listings / n, 3),
        "naive_reads_per_night": round(reads_night), "naive_writes_per_night": round(writes_night),
        "naive_429s_measured": naive.quota_refusals, "naive_quota_sleeps_measured": quota_waits,
        "naive_wall_s": round(wall, 1),
        "naive_wall_s_measured": round(wall_measured, 1),
        "naive_wall_extrapolated": len(runs) < n,
        "naive_quota_floor_google_min": round(floor / 60, 1),
        "naive_quota_floor_s": round(floor / time_scale, 1),
    }


def _agreement(warm: MapwsNight, naive_runs: list[Any], ids: list[str], sample: list[int]) -> dict[str, Any]:
    """How many sampled plans got the same verdict from both, and where the others differ."""
    by_id = {r.ref.id: r for r in warm.runs}
    same = 0
    differences: Counter[str] = Counter()
    for j, k in enumerate(sample):
        mapws_run, naive_run = by_id.get(ids[k]), naive_runs[j]
        if mapws_run is None or mapws_run.outcome is None or naive_run.result is None:
            differences["failed"] += 1
            continue
        ours, theirs = verdict(mapws_run.outcome.result), verdict(naive_run.result)
        if ours == theirs:
            same += 1
        else:
            differences.update(key for key in ours if ours[key] != theirs[key])
            if os.environ.get("MAPWS_BENCH_DEBUG"):
                for key in ours:
                    if ours[key] != theirs[key]:
                        print(f"[verdict] plan {k} {key}\n  mapws {ours[key]}\n  naive {theirs[key]}")
    return {"naive_same_verdict_plans": same, "naive_different_verdict_plans": len(sample) - same,
            "naive_verdict_differences": dict(differences)}
