"""``mapws sync --all`` on Google, against the loopback emulator: the rate limiter measured on the
emulator's own log, change detection that never loses a buyer edit, the state kept in Drive with
its lease, crash-resume, ``--impersonate-owners``, exit codes and the digest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from map_workspace import app, nightly
from map_workspace.backends.google.drive_state import LEASE_KEY, DriveStateStore, Lease
from map_workspace.cli import cli
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.ratelimit import RateLimiter, Unlimited
from map_workspace.state_store import RunInProgress, StateStore
from tests.google_emulator.clients import drive_service, gspread_client
from tests.support.google import api_of, calls, is_sheets_read, is_sheets_write, make_store

TODAY = date(2026, 3, 2)
LATER = date(2026, 6, 10)  # items overdue and due soon, health and projection move: every plan is written
REPO = Path(__file__).resolve().parents[2]
BUYER = "Dana Tanaka <dana@acme.example>"
SELLER = "Sam Rivera <sam@seller.example>"


@pytest.fixture(autouse=True)
def quick_lease(monkeypatch):
    """The lease's waits, scaled down for tests (the logic is the same)."""
    monkeypatch.setattr(DriveStateStore, "settle_s", 0.05)
    monkeypatch.setattr(DriveStateStore, "poll_s", 0.05)


@pytest.fixture
def config(emulator, tmp_path) -> Config:
    return Config(backend="google", google_api_root=emulator.base_url, today=TODAY, timezone="UTC",
                  state=str(tmp_path / "state.sqlite"))


@pytest.fixture
def env(emulator, tmp_path) -> dict[str, str]:
    return {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url,
            "MAPWS_TODAY": LATER.isoformat(), "MAPWS_STATE": str(tmp_path / "state.sqlite")}


def create_plans(emulator, config: Config, count: int, store=None) -> list:
    """One plan made by the product (light template), the rest Drive copies of it with their own
    deal slug: setting up many plans costs one create."""
    store = store or make_store(emulator)
    # Work starts on 2026-06-02, so on LATER two items are overdue (not stalled) and the next due soon.
    req = app.CreateRequest("Deal 0", date(2026, 6, 30), [Person.parse(BUYER)], [Person.parse(SELLER)],
                            template="light", start=date(2026, 6, 2))
    first = app.create_plan(store, req, config).ref
    drive = drive_service(emulator)
    for i in range(1, count):
        drive.files().copy(fileId=first.id, body={"name": f"Deal {i}", "appProperties": {
            "mapws_deal": f"deal-{i}"}}).execute()
    return sorted(make_store(emulator).list_plans(), key=lambda r: r.slug)


def night(emulator, config: Config, state: StateStore, day: date, *, limiter=None, workers: int = 2, store=None):
    """One nightly run through the library; returns the runs and the requests it sent."""
    emulator.log.clear()
    runs = list(nightly.sync_every_plan(store or make_store(emulator), replace(config, today=day), state=state,
                                        limiter=limiter or Unlimited(), workers=workers))
    assert [r.error for r in runs] == [None] * len(runs)
    return {r.ref.id: r for r in runs}, calls(emulator)


def run_cli(env, *args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def night_cli(env, *args, code=0):
    lines = [json.loads(line) for line in run_cli(env, "sync", "--all", "--json", *args, code=code).stdout.splitlines()]
    return {x["plan"]: x for x in lines[:-1]}, lines[-1]["totals"]


def plan_cell(emulator, spreadsheet_id: str, item: str, header: str) -> tuple[int, int, int]:
    """(sheetId, row index, column index) of an item's cell on the Plan tab, found by ID and header."""
    sheet = gspread_client(emulator).open_by_key(spreadsheet_id).worksheet("Plan")
    values = sheet.get_all_values()
    column = next(i for i, h in enumerate(values[0]) if h.replace(" (auto)", "") == header)
    row = next(i for i, r in enumerate(values) if r and r[0] == item)
    return sheet.id, row, column


def set_cell(emulator, spreadsheet_id: str, item: str, header: str, text: str) -> list[dict]:
    """The batchUpdate a buyer's typing amounts to."""
    sheet_id, row, column = plan_cell(emulator, spreadsheet_id, item, header)
    return [{"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column},
                             "rows": [{"values": [{"userEnteredValue": {"stringValue": text}}]}],
                             "fields": "userEnteredValue"}}]


def history(emulator, spreadsheet_id: str) -> list[list[str]]:
    """History rows as When · ID · Field · From · To · Note (the tab also names the activity and who)."""
    rows = gspread_client(emulator).open_by_key(spreadsheet_id).worksheet("History").get_all_values()
    keep = [i for i, title in enumerate(rows[0]) if title.split(" (")[0] not in ("Activity", "By")]
    return [[row[i] for i in keep] for row in rows[1:]]


def arrivals(entries, kind) -> list[float]:
    return sorted(datetime.fromisoformat(e["ts"]).timestamp() for e in entries if kind(e))


def most_in_any_window(times: list[float], window: float) -> int:
    """The most requests whose arrival falls within any half-open window of that length."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# --- the rate limiter, measured where Google would measure it -------------------------------------------

def test_the_rate_limiter_never_exceeds_its_limit_in_any_window_of_the_emulators_clock(emulator, config):
    """Seven plans, three reads and three writes a minute, four workers, on a clock 30× faster
    than the wall: a quota minute is 2 s of the emulator's log (whose timestamps are wall time)."""
    refs = create_plans(emulator, config, 7)
    scale, limit = 30.0, 3
    state = StateStore(Path(config.state))
    emulator.set_time_scale(scale)
    emulator.core.quota_per_minute = limit  # the emulator answers 429 past the limit, as Google would
    try:
        runs, sent = night(emulator, config, state, LATER, limiter=RateLimiter(limit, time_scale=scale), workers=4)
    finally:
        emulator.set_time_scale(1.0)
    assert len(runs) == len(refs) and all(r.read and r.outcome.written for r in runs.values())
    reads, writes = arrivals(sent, is_sheets_read), arrivals(sent, is_sheets_write)
    assert len(reads) == len(writes) == 7
    minute = 60.0 / scale
    assert most_in_any_window(reads, minute) == limit
    assert most_in_any_window(writes, minute) == limit
    assert reads[-1] - reads[0] >= 2 * minute  # seven reads at three a minute span two full minutes
    assert [e for e in sent if e["status"] == 429] == []


# --- change detection: no buyer edit lost, the product's own write never taken for one -------------------

def test_a_buyer_edit_between_read_and_write_is_never_lost_and_our_own_write_is_not_an_edit(emulator, config):
    alpha, beta = create_plans(emulator, config, 2)
    state = StateStore(Path(config.state))
    day = TODAY + timedelta(days=1)
    runs, _ = night(emulator, config, state, day)
    assert all(r.read for r in runs.values())  # cold: every plan read once

    # The buyer works in Alpha before the night (so the run reads it) and again in the instant
    # between the run's read and its write.
    emulator.apply_edit(alpha.id, set_cell(emulator, alpha.id, "T-01", "Status", "In progress"))
    emulator.edit_between_read_and_write(alpha.id, set_cell(emulator, alpha.id, "T-02", "Status", "Done"))
    seen_done, hooked = [], []
    for _ in range(2):  # tonight, or at the latest the next night
        runs, sent = night(emulator, config, state, day)
        assert not runs[beta.id].read
        hooked += [e for e in sent if e.get("after_read_hook_applied")]
        if runs[alpha.id].read:
            seen_done.append(runs[alpha.id].outcome.result.assessment.progress.done)
    assert len(hooked) == 1 and hooked[0]["path"].endswith(alpha.id)  # the edit landed after a read
    assert seen_done[-1] == 1  # T-02 Done is in the plan as synced
    assert any(row[1:3] == ["T-02", "Status"] and row[4] == "Done" for row in history(emulator, alpha.id))

    # The product's own writes are not edits: the next night reads nothing, and what is stored
    # recognises the version Drive has as the product's own write.
    runs, sent = night(emulator, config, state, day)
    assert not any(r.read for r in runs.values()) and not any(is_sheets_read(e) for e in sent)
    listing = make_store(emulator)
    listed = next(r for r in listing.list_plans() if r.id == alpha.id)
    assert listing.unchanged_since(state.get(nightly.plan_key(listing, alpha)).version, listed)

    # A buyer edit right after the product's write (where a version asked for afterwards would have
    # folded it in) is read the next night.
    emulator.apply_edit(alpha.id, set_cell(emulator, alpha.id, "T-03", "Status", "In progress"))
    runs, sent = night(emulator, config, state, day)
    assert runs[alpha.id].read and not runs[beta.id].read
    assert [e["path"].split("/")[-1] for e in sent if is_sheets_read(e)] == [alpha.id]


def test_the_product_predicts_the_version_of_its_own_write_without_asking_drive(emulator, config):
    """A written plan costs no Drive call for version bookkeeping, and what is stored recognises
    what Drive then says as the product's own write (versions.py)."""
    (alpha,) = create_plans(emulator, config, 1)
    state = StateStore(Path(config.state))
    night(emulator, config, state, TODAY)
    emulator.apply_edit(alpha.id, set_cell(emulator, alpha.id, "T-01", "Owner", "IT team"))
    runs, sent = night(emulator, config, state, TODAY)
    assert runs[alpha.id].outcome.written
    drive_gets = [e for e in sent if api_of(e) == "drive" and e["path"].endswith(alpha.id)]
    assert len(drive_gets) <= 1  # at most the check before the write; nothing after it
    listing = make_store(emulator)
    (listed,) = listing.list_plans()
    stored = state.get(nightly.plan_key(listing, alpha)).version
    assert listing.unchanged_since(stored, listed) and listed.version == str(emulator.file_version(alpha.id))
    assert stored.partition("@")[0] == listed.version  # with Drive's step of one, the number is predicted too


# --- the state store in Drive ---------------------------------------------------------------------------

def state_files(emulator) -> list[dict]:
    """The nightly state files not in the trash (a duplicate from a race is trashed)."""
    return [f for f in emulator.state(spreadsheets=False)["files"] if not f["trashed"]
            and (f.get("appProperties") or {}).get("anonymous", {}).get("mapws") == "state"]


def drive_file(emulator, file_id: str):
    return emulator.core.files[file_id]


def test_state_in_drive_round_trip_the_second_night_reads_nothing(emulator, config, env):
    refs = create_plans(emulator, config, 3)
    env = {**env, "MAPWS_STATE": "drive"}
    first, totals = night_cli(env)
    assert totals["plans"] == 3 and totals["unchanged"] == 0 and totals["reads"] == 3
    (state_file,) = state_files(emulator)
    props = state_file["appProperties"]["anonymous"]
    assert props["mapws_state"] == "all" and LEASE_KEY not in props  # the lease was let go
    saved = drive_file(emulator, state_file["id"]).content
    assert saved.startswith(b"SQLite format 3\x00")

    emulator.log.clear()
    second, totals = night_cli(env)
    assert totals["unchanged"] == 3 and totals["reads"] == 0 and totals["changes"] == 0
    assert not any(is_sheets_read(e) for e in calls(emulator))
    assert [f["id"] for f in state_files(emulator)] == [state_file["id"]]  # found again, not made anew
    uploads = [e for e in calls(emulator) if e["path"].startswith("/upload/drive/v3/files/")]
    assert [e["query"]["uploadType"] for e in uploads] == [["multipart"]]  # saved once, at the end
    assert drive_file(emulator, state_file["id"]).content != saved  # this night's visit recorded

    # Shards keep a file each, and together cover every plan once.
    seen = []
    for shard in ("0/2", "1/2"):
        results, _ = night_cli(env, "--shard", shard)
        seen += list(results)
    assert sorted(seen) == sorted(r.id for r in refs)
    labels = sorted(f["appProperties"]["anonymous"]["mapws_state"] for f in state_files(emulator))
    assert labels == ["0/2", "1/2", "all"]


def test_the_lease_refuses_an_overlapping_run_and_wait_queues_behind_it(emulator, config, env):
    create_plans(emulator, config, 1)
    env = {**env, "MAPWS_STATE": "drive"}
    night_cli(env)
    holder = DriveStateStore.for_store(make_store(emulator), "all")
    with holder.exclusive():
        out = run_cli(env, "sync", "--all", "--json", code=3)
        error = json.loads(out.stdout)["error"]
        assert error["code"] == "run.in_progress"
        assert holder.holder in error["message"] and "--wait" in error["hint"]
        lease = Lease.parse(drive_file(emulator, holder.file_id).app_properties["anonymous"][LEASE_KEY])
        assert lease.holder == holder.holder and lease.live(datetime.now(UTC))

    holder = DriveStateStore.for_store(make_store(emulator), "all")
    release = threading.Event()

    def hold_a_while():
        with holder.exclusive():
            release.wait(5)

    first = threading.Thread(target=hold_a_while)
    first.start()
    try:
        while not holder.file_id:
            time.sleep(0.01)
        threading.Timer(0.3, release.set).start()
        started = time.monotonic()
        _, totals = night_cli(env, "--wait")
        assert totals["plans"] == 1 and time.monotonic() - started >= 0.25  # it queued, then ran
    finally:
        release.set()
        first.join()


def test_two_runs_racing_for_the_lease_one_works_the_other_is_refused(emulator, monkeypatch):
    """Drive has no compare-and-swap: both runs read the file free, both write a lease, and after the
    settle time both read back the same winner. Once without a state file (both create one: the
    oldest stays), once with one."""
    monkeypatch.setattr(DriveStateStore, "settle_s", 0.3)
    for attempt in ("no file yet", "file exists"):
        outcomes: list[str] = []
        refused = threading.Event()
        stores = [DriveStateStore.for_store(make_store(emulator), "all") for _ in range(2)]
        start = threading.Barrier(2)

        def contend(store: DriveStateStore, start=start, outcomes=outcomes, refused=refused) -> None:
            start.wait()
            try:
                with store.exclusive():
                    outcomes.append("worked")
                    refused.wait(5)  # hold the lease until the other run has given up
            except RunInProgress:
                outcomes.append("refused")
                refused.set()

        threads = [threading.Thread(target=contend, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["refused", "worked"], attempt
        assert len(state_files(emulator)) == 1, attempt
        for store in stores:
            store.close()


def test_a_killed_runs_lease_lapses_and_the_next_run_resumes(emulator, config):
    refs = create_plans(emulator, config, 3)
    crashed = DriveStateStore.for_store(make_store(emulator), "all")
    crashed.upload_every = 1  # a checkpoint after every plan
    runs = nightly.sync_every_plan(make_store(emulator), config, state=crashed, limiter=Unlimited())
    next(runs)
    next(runs)  # two plans done and checkpointed; then the process dies without letting go
    assert crashed.uploads >= 1

    soon = DriveStateStore.for_store(make_store(emulator), "all")
    with pytest.raises(RunInProgress):
        list(nightly.sync_every_plan(make_store(emulator), config, state=soon, limiter=Unlimited()))
    later = DriveStateStore.for_store(make_store(emulator), "all",
                                      clock=lambda: datetime.now(UTC) + timedelta(seconds=DriveStateStore.lease_s + 1))
    emulator.log.clear()
    night = nightly.Night()
    done = list(nightly.sync_every_plan(make_store(emulator), config, state=later, limiter=Unlimited(),
                                        on_resume=lambda previous: setattr(night, "resumed", previous)))
    assert night.resumed is not None and night.resumed["done"] == 2 and night.resumed["total"] == 3
    assert sorted(r.ref.id for r in done) == sorted(r.id for r in refs)
    assert sum(1 for r in done if r.read) == 1  # the two finished before the crash cost no read
    runs.close()  # the crashed run's generator, collected: it finds its lease taken and saves nothing
    assert crashed.problem is not None and "lost its lease" in crashed.problem.message
    for store in (soon, later, crashed):
        store.close()


# --- crash-resume: a run killed mid-night ------------------------------------------------------------------

def test_a_run_killed_mid_night_is_resumed_and_no_history_row_lands_twice(emulator, config, env):
    refs = create_plans(emulator, config, 4)
    for ref in refs:
        emulator.apply_edit(ref.id, set_cell(emulator, ref.id, "T-01", "Status", "In progress"))
    env = {**env, "MAPWS_TODAY": TODAY.isoformat()}
    emulator.log.clear()
    emulator.server.latency_ms = 100  # slow enough to stop it between plans
    process = subprocess.Popen(
        [sys.executable, "-m", "map_workspace", "sync", "--all", "--json", "--quiet", "--workers", "1"],
        cwd=REPO, env={**os.environ, **env, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while sum(1 for e in emulator.log_entries() if is_sheets_write(e)) < 2:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)  # no finally, no cleanup: a crash
        process.wait(10)
    finally:
        emulator.server.latency_ms = 0
        if process.poll() is None:
            process.kill()
    written_before = {e["path"].split("/")[-1].split(":")[0] for e in emulator.log_entries() if is_sheets_write(e)}
    assert 2 <= len(written_before) < len(refs)

    results, totals = night_cli(env)
    assert totals["resumed"] is True and totals["failed"] == 0 and totals["plans"] == len(refs)
    for ref in refs:
        rows = [row for row in history(emulator, ref.id) if row[1:3] == ["T-01", "Status"]]
        assert [row[4] for row in rows] == ["In progress"], (ref.slug, rows)
    _, totals = night_cli(env)
    assert totals["reads"] == 0 and totals["changes"] == 0 and totals["resumed"] is False


# --- --impersonate-owners -----------------------------------------------------------------------------------

ROBOT = "mapws-nightly@seller-project.iam.gserviceaccount.com"
REPS = ("ana@seller.example", "ben@seller.example")


def service_account_key(directory: Path) -> Path:
    """A service-account key shaped like Google's (a fresh throwaway RSA key); the product sends its
    token requests to the API root, where the emulator takes the JWT's ``sub`` as the principal."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    path = directory / "robot.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "seller-project", "private_key_id": "throwaway",
        "private_key": pem, "client_email": ROBOT, "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token"}), encoding="utf-8")
    path.chmod(0o600)
    return path


def test_impersonate_owners_syncs_each_plan_as_its_owner_within_their_own_quota(emulator, config, env, tmp_path):
    key = service_account_key(tmp_path)
    robot = replace(config, credentials=str(key))
    emulator.set_version_step(2, 4)  # each write moves Drive's version by 2-4 (issue 10, item 9)
    owned: dict[str, list[str]] = {}
    for rep in REPS:  # each rep's plans live in their own Drive, shared with the nightly robot
        store = app.make_store(replace(robot, impersonate=rep))
        for deal in (f"{rep[:3]} one", f"{rep[:3]} two"):
            req = app.CreateRequest(deal, date(2026, 6, 30), [Person.parse(BUYER)], [Person.parse(SELLER)],
                                    template="light")
            ref = app.create_plan(store, req, robot).ref
            store.share(ref, [ROBOT])
            owned.setdefault(rep, []).append(ref.id)
    assert {emulator.core.files[i].owner for ids in owned.values() for i in ids} == set(REPS)

    emulator.core.quota_per_minute = 2  # each principal may read twice and write twice a minute
    emulator.log.clear()
    results, totals = night_cli({**env, "MAPWS_CREDENTIALS": str(key)}, "--impersonate-owners", "--max-rpm", 2)
    assert totals["failed"] == 0 and totals["plans"] == 4
    assert totals["by_identity"] == {rep: {"reads": 2, "writes": 2} for rep in REPS}
    sent = emulator.log_entries()
    for rep in REPS:
        mine = [e for e in sent if e.get("principal") == rep and api_of(e) == "sheets"]
        assert sorted({e["path"].split("/")[3].split(":")[0] for e in mine}) == sorted(owned[rep])
        assert sum(map(is_sheets_read, mine)) == 2 and sum(map(is_sheets_write, mine)) == 2
    assert not [e for e in sent if e.get("principal") == ROBOT and api_of(e) == "sheets"]
    assert [e["path"] for e in sent if e.get("principal") == ROBOT and api_of(e) == "drive"] == ["/drive/v3/files"]
    assert [e for e in sent if e["status"] == 429] == []

    # The next night the plans each owner's write moved are recognised from the robot's listing
    # (lastModifyingUser is the owner the write acted as): nothing is read.
    emulator.advance_clock(120)
    _, totals = night_cli({**env, "MAPWS_CREDENTIALS": str(key)}, "--impersonate-owners", "--max-rpm", 2)
    assert totals["by_identity"] == {rep: {"reads": 0, "writes": 0} for rep in REPS}


def test_impersonate_owners_needs_a_service_account(emulator, env):
    out = run_cli(env, "sync", "--all", "--impersonate-owners", "--json", code=2)
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "usage" and "service-account key" in error["message"]
    assert not calls(emulator)  # refused before anything was listed or leased


# --- exit codes and the digest ------------------------------------------------------------------------------

def test_exit_codes_and_the_digest_per_plan_and_per_owner(emulator, config, env):
    first, second = create_plans(emulator, config, 2)
    emulator.apply_edit(second.id, set_cell(emulator, second.id, "M-01", "Due", "2026-06-20"))
    broken = emulator.seed_spreadsheet("Not a plan", sheets={"Sheet1": [["hello"]]},
                                       app_properties={"mapws": "plan", "mapws_deal": "not-a-plan"})

    results, totals = night_cli(env, "--fail-on", "overdue", code=3)  # a plan failed: that comes first
    assert results[broken]["error"]["code"] == "plan.structure"
    assert totals["failed"] == 1 and totals["synced"] == 2
    for ref in (first, second):
        digest = results[ref.id]["digest"]
        assert digest["overdue"] == ["T-01", "T-02"] and "T-03" in digest["due_soon"]
    assert results[second.id]["digest"]["slipped"] == ["M-01"] and "slipped" not in results[first.id]["digest"]
    assert totals["overdue"] == 4 and totals["slipped"] == 1
    assert totals["by_owner"]["Sam Rivera"]["overdue"] == 2 and totals["by_owner"]["Dana Tanaka"]["overdue"] == 2

    drive_service(emulator).files().delete(fileId=broken).execute()
    results, totals = night_cli(env, "--fail-on", "overdue", code=1)  # only the policy asked for
    assert totals["failed"] == 0 and totals["overdue"] == 4 and totals["unchanged"] == 2
    night_cli(env)  # findings alone are not failures

    table = run_cli(env, "sync", "--all").stdout
    assert "By owner" in table and "Sam Rivera" in table and "deal-1" in table
    assert "2 of 2 plan(s) synced (2 unchanged, not read)" in table


def test_state_in_drive_needs_the_google_backend(tmp_path):
    out = run_cli({}, "sync", "--all", "--dir", tmp_path, "--state", "drive", "--json", code=2)
    assert "Google" in json.loads(out.stdout)["error"]["message"]
    assert not (Path.cwd() / "drive").exists()
