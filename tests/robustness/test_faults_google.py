"""Faults on the Google backend, through the loopback emulator: 429 storms, 500 and 503, connection
resets, slow answers, answers that never come in time, one batch Google refuses among good ones,
and a `mapws sync --all` killed mid-run then run again.

After each: every plan ends synced or named as failed (with a message that says which and why), no
History row is there twice, and no plan is half-written (``plan_audit``: each row's ID, Baseline,
Slips, Flag, note, state line and History entry come from one whole sync, or none do).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from google.auth.credentials import AnonymousCredentials

from map_workspace import app, nightly
from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.errors import GoogleApiFailed
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.backends.google.store import GooglePlanStore, WriteRefused
from map_workspace.config import Config
from map_workspace.layout import OVERVIEW
from map_workspace.ratelimit import Unlimited
from map_workspace.state_store import StateStore
from tests.google_emulator.clients import gspread_client
from tests.robustness import report
from tests.robustness.plan_audit import SYNC_DAY, audit_plan, plan_sheet_id, plant, typical_edits
from tests.support.google import instant_retry, is_sheets_write, make_store, shared_emulator

ROOT = Path(__file__).resolve().parents[2]
DEALS = ("Acme rollout", "Beta pilot", "Gamma renewal")


@pytest.fixture
def emulator():
    """The session's emulator, reset; whatever a test turns on (faults, quota, a fast clock,
    latency) is turned off again afterwards."""
    em = shared_emulator()
    em.reset()
    em.faults.rate = 0.0
    em.core.quota_per_minute = None
    yield em
    em.faults.rate = 0.0
    em.core.quota_per_minute = None
    em.server.latency_ms = 0
    em.set_time_scale(1.0)


@pytest.fixture
def config(emulator, tmp_path):
    return Config(backend="google", google_api_root=emulator.base_url, today=SYNC_DAY, timezone="UTC",
                  state=str(tmp_path / "state.sqlite"))


def plant_edited(emulator, deals=DEALS) -> dict[str, dict[str, str]]:
    """Plans a buyer edited since their last sync: spreadsheet ID → the items it was created with."""
    store = make_store(emulator)
    plans = {}
    for deal in deals:
        spreadsheet_id, original = plant(store, deal)
        sheet_id = plan_sheet_id(emulator.base_url, spreadsheet_id)
        emulator.apply_edit(spreadsheet_id, typical_edits(sheet_id, len(original), deal.split()[0]))
        plans[spreadsheet_id] = original
    return plans


def night(store: GooglePlanStore, config: Config, workers: int = 1) -> list[nightly.PlanRun]:
    state = StateStore(Path(config.state))
    try:
        return list(nightly.sync_every_plan(store, config, state=state, limiter=Unlimited(), workers=workers))
    finally:
        state.close()


def assert_whole(base_url: str, plans: dict[str, dict[str, str]], synced: set[str]) -> int:
    """Synced plans audit clean; the others were not written at all. Returns History duplicates."""
    duplicates = 0
    for spreadsheet_id, original in plans.items():
        audit = audit_plan(base_url, spreadsheet_id, original_ids=original)
        duplicates += audit.history_duplicates
        if spreadsheet_id in synced:
            assert audit.problems == [], (spreadsheet_id, audit.problems)
        else:  # never synced: the buyer's new rows have no ID, and nothing else is out of place
            assert audit.problems and all("never synced" in p for p in audit.problems), audit.problems
    return duplicates


def faults_in(emulator) -> Counter[str]:
    entries = emulator.log_entries()
    found = Counter(e["fault"] for e in entries if e.get("fault"))
    found["http_429"] = sum(1 for e in entries if e["status"] == 429)
    return found


def test_a_429_storm_is_waited_out_and_every_plan_is_synced(emulator, config):
    plans = plant_edited(emulator)
    emulator.log.clear()
    emulator.core.quota_per_minute = 2  # per identity: two reads and two writes a minute
    # The production backoff (1, 2, 4 … 32 s), each wait moving the emulated clock rather than
    # taking wall time; a quota minute passes after six waits, so eight retries are allowed.
    store = make_store(emulator, retry=replace(instant_retry(emulator), max_retries=8))

    runs = night(store, config, workers=len(plans))

    storm = faults_in(emulator)["http_429"]
    emulator.core.quota_per_minute = None
    assert [r.error for r in runs] == [None] * len(plans)
    assert storm >= 3
    assert sum(1 for e in emulator.log_entries() if is_sheets_write(e) and e["status"] == 200) == len(plans)
    duplicates = assert_whole(emulator.base_url, plans, set(plans))
    assert duplicates == 0
    report.record("faults", group="429 storm", cases=1, faults_injected=storm, plans_synced=len(runs),
                  plans_failed=0, history_duplicates=duplicates)


def test_server_errors_and_connection_resets_are_retried_and_every_plan_is_synced(emulator, config):
    plans = plant_edited(emulator)
    emulator.log.clear()
    emulator.faults.reset()
    emulator.faults.rate = 0.35  # seeded: the same request order draws the same faults

    runs = night(make_store(emulator), config)

    injected = faults_in(emulator)
    emulator.faults.rate = 0.0
    assert [r.error for r in runs] == [None] * len(plans)
    assert injected["http_500"] and injected["http_503"] and injected["connection_reset"]
    duplicates = assert_whole(emulator.base_url, plans, set(plans))
    assert duplicates == 0
    report.record("faults", group="500/503/reset", cases=1, faults_injected=sum(injected.values()),
                  plans_synced=len(runs), plans_failed=0, history_duplicates=duplicates)


def slow_store(emulator, timeout: float, **retry) -> GooglePlanStore:
    clients = GoogleClients(AnonymousCredentials(), emulator.base_url, timeout=timeout)
    return GooglePlanStore(clients, principal="anonymous", retry=RetryPolicy(**{"sleep": lambda s: None, **retry}))


def test_slow_answers_within_the_timeout_are_just_waited_for(emulator, config):
    plans = plant_edited(emulator, DEALS[:1])
    emulator.server.latency_ms = 100
    emulator.log.clear()

    outcome = app.sync_plan(slow_store(emulator, timeout=2.0, max_retries=0), next(iter(plans)), config)

    assert outcome.written
    assert all(e["status"] == 200 for e in emulator.log_entries())
    emulator.server.latency_ms = 0
    assert assert_whole(emulator.base_url, plans, set(plans)) == 0
    report.record("faults", group="slow answers", cases=1, faults_injected=len(emulator.log_entries()),
                  plans_synced=1, plans_failed=0, history_duplicates=0)


def test_a_write_whose_answer_never_comes_is_not_sent_blind_again(emulator, config, monkeypatch):
    """The batch lands but its answer comes after the client gave up (a lost response): the retry
    finds the plan's version moved, reads again and finds the work done, so nothing is written
    twice."""
    plans = plant_edited(emulator, DEALS[:1])
    (spreadsheet_id,) = plans
    dispatch = emulator.core.dispatch
    late: list[str] = []

    def answer_late(method, path, *args, **kwargs):
        response = dispatch(method, path, *args, **kwargs)
        if path.endswith(":batchUpdate") and not late:
            late.append(path)
            time.sleep(1.2)  # applied; the answer is late
        return response

    monkeypatch.setattr(emulator.core, "dispatch", answer_late)
    emulator.log.clear()

    outcome = app.sync_plan(slow_store(emulator, timeout=0.8, max_retries=3), spreadsheet_id, config)

    deadline = time.monotonic() + 5
    while not (writes := [e for e in emulator.log_entries() if is_sheets_write(e)]) and time.monotonic() < deadline:
        time.sleep(0.05)  # the late answer is logged once it is sent
    assert late and len(writes) == 1  # the retry found the version moved and read again instead
    assert outcome.written is False and outcome.result.changes.is_empty  # the lost write had done it all
    duplicates = assert_whole(emulator.base_url, plans, set(plans))
    assert duplicates == 0
    report.record("faults", group="timed out", cases=1, faults_injected=1, plans_synced=1, plans_failed=0,
                  history_duplicates=duplicates)


def test_answers_that_never_come_in_time_fail_each_plan_by_name_with_nothing_written(emulator, config):
    plans = plant_edited(emulator, DEALS[:2])
    refs = make_store(emulator).list_plans()
    versions = {i: emulator.file_version(i) for i in plans}
    emulator.server.latency_ms = 400
    store = slow_store(emulator, timeout=0.1, max_retries=1)

    failures = {}
    for ref in refs:
        with pytest.raises(GoogleApiFailed) as failure:
            app.sync_plan(store, ref, config)
        failures[ref.id] = failure.value

    time.sleep(0.5)  # let the emulator answer the abandoned requests before the next test
    emulator.server.latency_ms = 0
    for ref in refs:
        message = failures[ref.id].message
        assert ref.id in message and ref.title in message and "after 1 retries" in message
        assert "timed out" in message.lower() and failures[ref.id].exit_code == 3
    assert {i: emulator.file_version(i) for i in plans} == versions
    report.record("faults", group="timed out", cases=1, faults_injected=2 * len(refs), plans_synced=0,
                  plans_failed=len(refs), history_duplicates=0)


def test_one_batch_google_refuses_fails_that_plan_alone_and_writes_none_of_it(emulator, config):
    plans = plant_edited(emulator)
    broken = list(plans)[1]
    overview = next(s.sheet_id for s in emulator.core.spreadsheets[broken].sheets if s.title == OVERVIEW)
    emulator.apply_edit(broken, [{"updateSheetProperties": {
        "properties": {"sheetId": overview, "gridProperties": {"columnCount": 1}},
        "fields": "gridProperties.columnCount"}}])  # the buyer deleted every column but the labels
    before = emulator.file_version(broken)

    runs = night(make_store(emulator), config, workers=2)

    failed = {r.ref.id: r.error for r in runs if r.error is not None}
    assert set(failed) == {broken} and len(runs) == len(plans)
    error = failed[broken]
    assert isinstance(error, WriteRefused) and error.exit_code == 3
    assert broken in error.message and "nothing was written" in error.message
    assert "exceeds grid limits" in error.message and "Overview" in error.message
    assert emulator.file_version(broken) == before
    duplicates = assert_whole(emulator.base_url, plans, set(plans) - {broken})
    assert duplicates == 0
    report.record("faults", group="refused batch", cases=1, faults_injected=1, plans_synced=len(plans) - 1,
                  plans_failed=1, history_duplicates=duplicates)


# --- a process killed mid-run ------------------------------------------------------------------------


@pytest.fixture
def emulator_process(tmp_path):
    """The emulator alone in its own process, answering every request 80 ms late."""
    log = tmp_path / "emulator.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.google_emulator", "--port", "0", "--latency-ms", "80", "--seed", "5",
         "--log", str(log)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on "), line
        yield SimpleNamespace(base_url=f"http://127.0.0.1:{int(line.split()[-1])}", log=log)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def mapws(base_url: str, state: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": base_url,
           "MAPWS_TODAY": SYNC_DAY.isoformat(), "MAPWS_TIMEZONE": "UTC", "MAPWS_STATE": str(state)}
    return subprocess.Popen([sys.executable, "-m", "map_workspace", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def version_checks(log: Path) -> int:
    lines = log.read_text().splitlines() if log.exists() else []
    return sum(1 for line in lines if json.loads(line)["query"].get("fields") == ["version"])


def writes_in(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if json.loads(line)["path"].endswith(":batchUpdate"))


def test_a_sync_all_killed_mid_run_then_run_again_leaves_every_plan_whole(emulator_process, tmp_path):
    base_url = emulator_process.base_url
    store = GooglePlanStore(GoogleClients(AnonymousCredentials(), base_url, timeout=10), principal="anonymous")
    buyer = gspread_client(emulator_process).http_client
    plans = {}
    for deal in DEALS:
        spreadsheet_id, original = plant(store, deal)
        edits = typical_edits(plan_sheet_id(base_url, spreadsheet_id), len(original), deal.split()[0])
        buyer.batch_update(spreadsheet_id, {"requests": edits})
        plans[spreadsheet_id] = original
    state = tmp_path / "state.sqlite"

    first = mapws(base_url, state, "sync", "--all", "--json", "--workers", "1", "--max-rpm", "6000")
    done = [first.stdout.readline()]  # one plan synced…
    deadline = time.monotonic() + 20
    while version_checks(emulator_process.log) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)  # …and the second one's write about to go out
    time.sleep(0.04)
    first.send_signal(signal.SIGKILL)
    rest, _ = first.communicate(timeout=10)
    assert first.returncode == -signal.SIGKILL
    assert all(json.loads(line)["plan"] in plans for line in done) and "totals" not in rest
    time.sleep(0.2)  # a write already sent lands (the emulator answers 80 ms late) with no one to hear it
    landed = writes_in(emulator_process.log) - 2 * len(plans) - len(done)  # less creations, edits, plan 1
    assert landed in (0, 1)

    second = mapws(base_url, state, "sync", "--all", "--json", "--workers", "2", "--max-rpm", "6000")
    out, err = second.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines()]
    assert second.returncode == 0, err
    totals = lines[-1]["totals"]
    assert totals["plans"] == len(plans) and totals["failed"] == 0 and totals["resumed"] is True
    assert {line["plan"] for line in lines[:-1]} == set(plans)
    duplicates = assert_whole(base_url, plans, set(plans))
    assert duplicates == 0
    report.record("faults", group="killed mid-run", cases=1, faults_injected=1, plans_synced=len(plans),
                  plans_failed=0, history_duplicates=duplicates, killed_writes_landed=landed)
