"""``mapws sync --all`` on the local backend: change detection, the digest, locks, crashes."""

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from map_workspace.config import load_config
from map_workspace.demo import BuyerEdits
from map_workspace.state_store import StateStore
from tests.support.plans import create_local

CREATED = date(2026, 3, 2)


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def night(tmp_path, day, *extra, code=0):
    out = run("sync", "--all", "--dir", tmp_path / "maps", "--state", tmp_path / "state.sqlite", "--today", day,
              "--json", *extra, code=code)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    return {Path(x["plan"]).stem: x for x in lines[:-1]}, lines[-1]["totals"]


@pytest.fixture
def plans(tmp_path):
    for deal in ("Alpha deal", "Beta deal", "Gamma deal"):
        create_local(tmp_path / "maps", deal, "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
                     "--seller", "Sam Rivera <sam@seller.io>", "--today", CREATED,
                     # Work starts in two weeks: the first nights see a plan far from its dates.
                     "--start", CREATED + timedelta(days=14))
    return tmp_path


def history_rows(path):
    """History as When · ID · Field · From · To · Note (the tab also names the activity and who)."""
    rows = list(openpyxl.load_workbook(path)["History"].iter_rows(values_only=True))
    keep = [i for i, title in enumerate(rows[0]) if str(title).split(" (")[0] not in ("Activity", "By")]
    return [tuple(row[i] for i in keep) for row in rows[1:]]


def test_unchanged_plans_are_not_read_and_buyer_edits_are_picked_up(plans):
    day = CREATED + timedelta(days=1)
    first, totals = night(plans, day)
    assert totals["plans"] == 3 and totals["unchanged"] == 0  # cold: all read
    second, totals = night(plans, day)
    assert totals["unchanged"] == 3 and totals["changes"] == 0
    edits = BuyerEdits(plans / "maps" / "beta-deal.xlsx")
    edits.set("T-01", "Status", "Done")
    edits.save()
    third, totals = night(plans, day)
    assert third["beta-deal"]["unchanged"] is False and third["beta-deal"]["changes"] > 0
    assert third["alpha-deal"]["unchanged"] is True
    assert third["beta-deal"]["progress"]["done"] == 1
    # The product's own write is not taken for a buyer edit: the next run reads nothing.
    fourth, totals = night(plans, day)
    assert totals["unchanged"] == 3 and totals["changes"] == 0


def test_a_new_day_rewrites_only_when_a_sync_owned_value_changes(plans):
    night(plans, CREATED + timedelta(days=1))
    later, totals = night(plans, date(2026, 5, 25))  # weeks later: items overdue, projection moves
    assert totals["unchanged"] == 3  # still no read
    assert all(x["changes"] > 0 for x in later.values())  # Overview's projection and health moved
    again, totals = night(plans, date(2026, 5, 25))
    assert totals["changes"] == 0


def test_the_digest_counts_per_plan_and_per_owner_and_fail_on_overdue(plans):
    edits = BuyerEdits(plans / "maps" / "alpha-deal.xlsx")
    first_task_due = edits.get("T-01", "Due")
    edits.set("M-01", "Due", edits.get("M-01", "Due") + timedelta(days=5))
    edits.save()
    day = first_task_due.date() + timedelta(days=3)
    results, totals = night(plans, day, "--fail-on", "overdue", code=1)
    alpha = results["alpha-deal"]
    assert "T-01" in alpha["digest"]["overdue"]
    assert alpha["digest"]["slipped"] == ["M-01"]
    assert totals["overdue"] >= 3 and totals["slipped"] == 1
    assert totals["by_owner"]["Sam Rivera"]["overdue"] >= 3


def test_a_broken_workbook_is_named_and_the_others_are_done(plans):
    (plans / "maps" / "broken.xlsx").write_bytes(b"not a workbook")
    results, totals = night(plans, CREATED + timedelta(days=1), code=3)
    assert totals["failed"] == 1 and totals["synced"] == 3
    assert results["broken"]["error"]["code"]


def test_an_overlapping_run_is_refused_with_a_clear_message(plans):
    store = StateStore(plans / "state.sqlite")
    with store.exclusive():
        out = run("sync", "--all", "--dir", plans / "maps", "--state", plans / "state.sqlite", "--json", code=3)
    assert json.loads(out.stdout)["error"]["code"] == "run.in_progress"
    store.close()


def test_after_a_crash_the_next_run_resumes_and_no_history_row_is_doubled(plans, monkeypatch):
    from map_workspace import nightly
    from map_workspace.app import make_store
    from map_workspace.ratelimit import Unlimited

    for slug in ("alpha-deal", "beta-deal", "gamma-deal"):
        edits = BuyerEdits(plans / "maps" / f"{slug}.xlsx")
        edits.set("T-02", "Status", "In progress")
        edits.save()
    config = load_config({"dir": plans / "maps", "today": "2026-03-10"})
    state = StateStore(plans / "state.sqlite")
    runs = nightly.sync_every_plan(make_store(config), config, state=state, limiter=Unlimited())
    next(runs)  # one plan synced, then the process "dies"
    runs.close()
    state.close()
    results, totals = night(plans, date(2026, 3, 10))
    assert totals["resumed"] is True and totals["failed"] == 0
    for slug in ("alpha-deal", "beta-deal", "gamma-deal"):
        rows = [r for r in history_rows(plans / "maps" / f"{slug}.xlsx") if r[2] == "Status"]
        assert len(rows) == 1, (slug, rows)


def test_a_plan_written_after_the_night_hashed_it_is_remembered_as_it_was_read(plans):
    """The race behind a killed worker: the night hashes a plan, a worker process syncs and saves it
    and dies before answering, and this process syncs it again from the file the worker left. What is
    remembered is the version actually read (not the hash taken before), so the next night reads nothing."""
    from map_workspace import app, nightly
    from map_workspace.app import make_store
    from map_workspace.ratelimit import Unlimited

    day = date(2026, 5, 25)  # items overdue: the plan is written
    config = load_config({"dir": plans / "maps", "today": day.isoformat()})
    store = make_store(config)
    ref = store.locate("alpha-deal")
    state = StateStore(plans / "state.sqlite")
    try:
        job = nightly.prepare(store, ref, config, state, day)
        assert isinstance(job, nightly.Job) and job.ref.version
        assert app.sync_plan(store, job.ref, config).written  # the worker's sync, its answer lost
        run, facts = nightly.sync_job(store, job, config, Unlimited(), today=day)
        assert run.outcome.read and not run.outcome.written
        nightly.record(state, job, run, facts, day)
    finally:
        state.close()
    results, totals = night(plans, day)
    assert results["alpha-deal"]["unchanged"] is True and results["alpha-deal"]["changes"] == 0


def test_every_plan_is_in_exactly_one_shard(plans):
    seen = []
    for i in range(3):
        results, _ = night(plans, CREATED + timedelta(days=1), "--shard", f"{i}/3")
        seen += list(results)
    assert sorted(seen) == ["alpha-deal", "beta-deal", "gamma-deal"]
    run("sync", "--all", "--dir", plans / "maps", "--shard", "3/3", code=2)


def test_an_unchanged_plan_is_not_planned_again_and_prints_the_same(plans):
    import shutil
    import sqlite3

    from map_workspace import nightly
    from map_workspace.app import make_store

    night(plans, CREATED + timedelta(days=1))  # cold: read, nothing to write, conclusions kept
    shutil.copyfile(plans / "state.sqlite", plans / "replan.sqlite")
    with sqlite3.connect(plans / "replan.sqlite") as db:
        db.execute("UPDATE plans SET facts = ''")  # this copy must plan every plan again
    day = CREATED + timedelta(days=2)
    config = load_config({"dir": plans / "maps", "today": day.isoformat(), "state": str(plans / "state.sqlite")})
    state = StateStore(plans / "state.sqlite")
    store = make_store(config)
    try:
        decided = [nightly.prepare(store, ref, config, state, day) for ref in store.list_plans()]
    finally:
        state.close()
    assert all(isinstance(d, nightly.PlanRun) for d in decided)  # neither read nor planned
    remembered, totals = night(plans, day)
    replanned, again = night(plans, day, "--state", plans / "replan.sqlite")
    assert remembered == replanned and totals == again
    assert totals["unchanged"] == 3


def test_a_plan_is_planned_again_when_its_stable_date_comes(plans):
    night(plans, CREATED + timedelta(days=1))
    first_due = BuyerEdits(plans / "maps" / "alpha-deal.xlsx").get("T-01", "Due").date()
    due_soon, totals = night(plans, first_due - timedelta(days=1))  # remembered until the due-soon window
    assert totals["unchanged"] == 3 and "T-01" in due_soon["alpha-deal"]["digest"]["due_soon"]
    overdue, _ = night(plans, first_due + timedelta(days=2))
    assert "T-01" in overdue["alpha-deal"]["digest"]["overdue"]


def test_many_local_plans_are_synced_by_worker_processes_cold_and_warm(tmp_path, monkeypatch):
    import shutil

    from map_workspace import nightly

    monkeypatch.setattr(nightly, "PROCESS_POOL_MIN", 2)
    maps = tmp_path / "maps"
    run("create", "Seed deal", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
        "--seller", "Sam Rivera <sam@seller.io>", "--dir", maps, "--today", CREATED)
    for n in range(1, 5):
        shutil.copyfile(maps / "seed-deal.xlsx", maps / f"deal-{n}.xlsx")
    (maps / "broken.xlsx").write_bytes(b"not a workbook")
    day = date(2026, 5, 25)  # items overdue: every plan is written
    cold, totals = night(tmp_path, day, "--workers", "2", code=3)
    assert totals["failed"] == 1 and totals["synced"] == 5 and totals["unchanged"] == 0
    assert totals["reads"] == 6 and totals["writes"] == 5  # counted in the worker processes (and the broken one)
    assert all(cold[f"deal-{n}"]["changes"] > 0 for n in range(1, 5)) and "error" in cold["broken"]
    edits = BuyerEdits(maps / "deal-1.xlsx")
    edits.set("T-01", "Status", "Done")
    edits.save()
    warm, totals = night(tmp_path, day, "--workers", "2", code=3)
    assert warm["deal-1"]["unchanged"] is False and warm["deal-1"]["progress"]["done"] == 1
    assert totals["unchanged"] == 4 and totals["changes"] == warm["deal-1"]["changes"]
    rows = [r for r in history_rows(maps / "deal-1.xlsx") if r[2] == "Status"]
    assert len(rows) == 1


def test_stopping_a_night_over_worker_processes_starts_no_more_plans_and_doubles_nothing(tmp_path, monkeypatch):
    import shutil

    from map_workspace import nightly
    from map_workspace.app import make_store
    from map_workspace.ratelimit import Unlimited

    monkeypatch.setattr(nightly, "PROCESS_POOL_MIN", 2)
    maps = tmp_path / "maps"
    run("create", "Seed deal", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
        "--seller", "Sam Rivera <sam@seller.io>", "--dir", maps, "--today", CREATED)
    for n in range(1, 8):
        shutil.copyfile(maps / "seed-deal.xlsx", maps / f"deal-{n}.xlsx")
    for path in maps.glob("*.xlsx"):
        edits = BuyerEdits(path)
        edits.set("T-02", "Status", "In progress")
        edits.save()
    config = load_config({"dir": maps, "today": "2026-05-25"})
    state = StateStore(tmp_path / "state.sqlite")
    runs = nightly.sync_every_plan(make_store(config), config, state=state, limiter=Unlimited(), workers=2)
    first = next(runs)  # one plan done, then the user presses Ctrl-C
    runs.close()
    state.close()
    assert first.error is None and first.outcome.written
    results, totals = night(tmp_path, date(2026, 5, 25))
    assert totals["resumed"] is True and totals["failed"] == 0 and totals["plans"] == 8
    assert totals["unchanged"] >= 1  # what finished before the stop is remembered
    for path in maps.glob("*.xlsx"):
        rows = [r for r in history_rows(path) if r[2] == "Status"]
        assert len(rows) == 1, (path.name, rows)


def _load_noting_the_process(data, path):
    """The store's own parse, noting in the file named by MAPWS_TEST_PARSES which process parsed
    which plan (a worker process inherits the variable)."""
    import os

    from map_workspace.backends.local.workbook_reading import load_plan_workbook

    with open(os.environ["MAPWS_TEST_PARSES"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {Path(path).name}\n")
    return load_plan_workbook(data, path)


def test_a_worker_process_killed_mid_night_leaves_its_plans_to_this_process_and_the_night_completes(
        tmp_path, monkeypatch):
    """A worker dies (killed with SIGKILL while the pool has plans queued): the pool breaks, the
    plans it had not returned are synced in this process, and every plan ends as a night without
    worker processes leaves it — same findings and digest, History rows written once, nothing
    failed, and the next night reads nothing."""
    import multiprocessing
    import os
    import shutil
    import signal

    from map_workspace import nightly
    from map_workspace.backends.local.store import LocalPlanStore
    from map_workspace.ratelimit import Unlimited

    count, day = 12, date(2026, 5, 25)  # items overdue: every plan is written
    maps, reference = tmp_path / "killed" / "maps", tmp_path / "reference" / "maps"
    run("create", "Seed deal", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
        "--seller", "Sam Rivera <sam@seller.io>", "--dir", maps, "--today", CREATED)
    for n in range(1, count):
        shutil.copyfile(maps / "seed-deal.xlsx", maps / f"deal-{n:02d}.xlsx")
    for path in maps.glob("*.xlsx"):
        edits = BuyerEdits(path)
        edits.set("T-02", "Status", "In progress")
        edits.save()
    shutil.copytree(maps, reference)
    assert count < nightly.PROCESS_POOL_MIN  # so the reference night runs in this process only
    expected, _ = night(tmp_path / "reference", day)

    monkeypatch.setattr(nightly, "PROCESS_POOL_MIN", 2)
    parses = tmp_path / "parses.txt"
    monkeypatch.setenv("MAPWS_TEST_PARSES", str(parses))
    config = load_config({"dir": maps, "today": day.isoformat()})
    state = StateStore(tmp_path / "killed" / "state.sqlite")
    store = LocalPlanStore(maps, load=_load_noting_the_process)
    runs = nightly.sync_every_plan(store, config, state=state, limiter=Unlimited(), workers=2)
    try:
        done = [next(runs)]  # the pool is up and has plans queued
        workers = multiprocessing.active_children()
        assert workers, "no worker process to kill"
        victim = workers[0].pid
        os.kill(victim, signal.SIGKILL)
        done += list(runs)
    finally:
        runs.close()
        state.close()

    parsed_by = [line.split()[0] for line in parses.read_text(encoding="utf-8").splitlines()]
    assert str(os.getpid()) in parsed_by, "no plan was left to this process"
    assert sorted(Path(r.ref.id).stem for r in done) == sorted(expected)
    assert [r.error for r in done if r.error is not None] == []
    for r in done:
        got, want = r.as_json(), expected[Path(r.ref.id).stem]
        for key in ("findings", "progress", "health", "projected_decision", "digest"):
            assert got[key] == want[key], (r.ref.id, key)
    for path in maps.glob("*.xlsx"):
        rows = [r[1:] for r in history_rows(path)]  # the time of day each row was written aside
        assert rows == [r[1:] for r in history_rows(reference / path.name)], path.name
        assert len([r for r in rows if r[1] == "Status"]) == 1, path.name
    _, totals = night(tmp_path / "killed", day)
    assert totals["failed"] == 0 and totals["unchanged"] == count and totals["changes"] == 0


def _planned_tonight(folder, day):
    """Plans the night would plan (read, or planned from the stored snapshot) rather than print
    from what it concluded before."""
    from map_workspace import nightly
    from map_workspace.app import make_store

    config = load_config({"dir": folder / "maps", "today": day.isoformat(), "state": str(folder / "state.sqlite")})
    state = StateStore(folder / "state.sqlite")
    store = make_store(config)
    try:
        return {Path(ref.id).stem for ref in store.list_plans()
                if isinstance(nightly.prepare(store, ref, config, state, day), nightly.Job)}
    finally:
        state.close()


def test_a_plan_is_planned_again_on_the_day_its_file_must_change_and_not_for_findings_alone(tmp_path):
    """Night after night an unchanged plan prints what planning it again would print: items turn due
    soon, overdue ("T-01 is 3 day(s) overdue."), stalled, the counts move. It is planned again on
    the nights its file must change (the projected decision moves, a milestone stalls: the
    Overview's health and projection are written); on the nights only those findings move it is
    neither read nor planned (until the buyer's silence, whose message counts days too)."""
    import shutil
    import sqlite3

    create_local(tmp_path / "maps", "Alpha deal", "--decision-date", "2026-06-30", "--buyer",
                 "Dana Tanaka <dana@acme.com>", "--seller", "Sam Rivera <sam@seller.io>", "--today", CREATED)
    edits = BuyerEdits(tmp_path / "maps" / "alpha-deal.xlsx")
    due, milestone_due = edits.get("T-01", "Due").date(), edits.get("M-01", "Due").date()
    milestone_stalls = milestone_due + timedelta(days=7)
    night(tmp_path, CREATED)
    first = night(tmp_path, CREATED)[0]["alpha-deal"]
    planned_on, moved_on, written_on, silent, before = [], [], [], [], first["digest"]
    moved = (first["health"], first["projected_decision"])
    day = due
    while day <= milestone_stalls + timedelta(days=1):
        if _planned_tonight(tmp_path, day):
            planned_on.append(day)
        # The same night planned from scratch (no conclusions kept), on the same file.
        shutil.copytree(tmp_path / "maps", tmp_path / "kept")
        (tmp_path / "replan.sqlite").unlink(missing_ok=True)
        with sqlite3.connect(tmp_path / "state.sqlite") as kept, sqlite3.connect(tmp_path / "replan.sqlite") as db:
            kept.backup(db)  # the database as it is, what its write-ahead log holds included
            db.execute("UPDATE plans SET facts = ''")
        replanned, again = night(tmp_path, day, "--state", tmp_path / "replan.sqlite")
        shutil.rmtree(tmp_path / "maps")
        (tmp_path / "kept").rename(tmp_path / "maps")
        remembered, totals = night(tmp_path, day)
        assert remembered == replanned and totals == again, day
        alpha = remembered["alpha-deal"]
        if alpha["digest"] != before:
            moved_on.append(day)
        before = alpha["digest"]
        if any(f["code"] == "buyer.silent" for f in alpha["findings"]):
            silent.append(day)  # its message counts the days: planned again each night
        if day == due + timedelta(days=3):
            assert any(f["message"] == "T-01 is 3 day(s) overdue." for f in alpha["findings"]), alpha["findings"]
        if (alpha["health"], alpha["projected_decision"]) != moved:  # the Overview must say so: planned, written
            assert day in planned_on and alpha["changes"] > 0, (day, alpha["health"], moved)
            written_on.append(day)
            moved = (alpha["health"], alpha["projected_decision"])
        day += timedelta(days=1)
    assert milestone_stalls in written_on  # a stalled milestone: the plan is off track
    quiet = [d for d in moved_on if not silent or d < silent[0]]
    # Items turned due soon, overdue and stalled on many nights before the buyer fell silent; those
    # nights planned nothing.
    assert {due + timedelta(days=1), due + timedelta(days=7)} <= set(quiet)
    assert silent and not [d for d in planned_on if d < silent[0]], (planned_on, silent[0])
