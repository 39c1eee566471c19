"""Races on the Google backend: a buyer moving rows between the sync's read and its write, and two
syncs of one plan at once (docs/reliability.md, "Races").

The sync's write addresses rows by position, and Sheets has no conditional write. The product
checks the file's Drive ``version`` right before its one batchUpdate; when it moved since the read,
nothing is written and the sync reads and plans again. The emulator's between-read-and-write hook
plays the buyer at the worst moment; ``plan_audit`` then checks that every ID, Baseline, Slips,
Flag and note sits on its own row, and that History holds nothing twice.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from map_workspace import app, nightly
from map_workspace.backends.google.sheets_io import apply_requests
from map_workspace.config import Config
from map_workspace.errors import PlanChanged
from map_workspace.ratelimit import Unlimited
from map_workspace.state_store import StateStore
from map_workspace.sync import plan_sync
from tests.google_emulator.clients import gspread_client
from tests.robustness import report
from tests.robustness.plan_audit import (
    SYNC_DAY,
    audit_plan,
    delete_row,
    insert_row,
    new_row,
    plan_sheet_id,
    plant,
    sort_rows,
    typical_edits,
)
from tests.support.google import api_of, calls, is_sheets_read, is_sheets_write, make_store, shared_emulator


@pytest.fixture
def emulator():
    """The session's emulator (tests/support/google.py), reset, with no faults and no quota."""
    em = shared_emulator()
    em.reset()
    em.faults.rate = 0.0
    em.core.quota_per_minute = None
    return em


@pytest.fixture
def config(emulator):
    return Config(backend="google", google_api_root=emulator.base_url, today=SYNC_DAY, timezone="UTC")


@pytest.fixture
def edited(emulator):
    """A plan a buyer edited since its last sync (two new rows, a group as owner, a slip), looked
    up the way the services do (its ref carries Drive's version)."""
    store = make_store(emulator)
    spreadsheet_id, original = plant(store, "Acme rollout")
    sheet_id = plan_sheet_id(emulator.base_url, spreadsheet_id)
    emulator.apply_edit(spreadsheet_id, typical_edits(sheet_id, len(original), "Acme"))
    return store, store.locate(spreadsheet_id), original, sheet_id


#: What the buyer does after the sync's read: each moves rows the sync is about to write.
RACES = {
    "insert above": lambda sheet_id, rows: [insert_row(sheet_id, 2),
                                            *new_row(sheet_id, 2, "Inserted mid-sync", date(2026, 4, 2))],
    "delete above": lambda sheet_id, rows: [delete_row(sheet_id, 1)],
    "sort by due": lambda sheet_id, rows: [sort_rows(sheet_id, rows, "due")],
}


@pytest.mark.parametrize("race", sorted(RACES))
def test_rows_moved_between_read_and_write_get_nothing_of_another_row(race, edited, emulator, config):
    store, ref, original, sheet_id = edited
    rows = len(original) + 2
    emulator.edit_between_read_and_write(ref.id, RACES[race](sheet_id, rows))
    emulator.log.clear()

    outcome = app.sync_plan(store, ref, config)

    sent = calls(emulator)
    kinds = ["read" if is_sheets_read(e) else "write" if is_sheets_write(e) else api_of(e) for e in sent]
    # read (the buyer moves rows) · version check: changed, nothing sent · read again · check · write
    assert kinds[:kinds.index("write") + 1] == ["read", "drive", "read", "drive", "write"]
    assert kinds.count("write") == 1  # the stale batch was never sent
    assert sent[0].get("after_read_hook_applied") == len(RACES[race](0, rows))
    assert outcome.written
    audit = audit_plan(emulator.base_url, ref.id, original_ids=original)
    assert audit.problems == []
    ids = audit.ids
    deleted = {"T-01"} if race == "delete above" else set()
    # Every item kept its own ID, whatever row it is on now.
    assert {original[item_id]: ids.get(original[item_id]) for item_id in set(original) - deleted} == {
        original[item_id]: item_id for item_id in set(original) - deleted}
    added = {activity for activity, item_id in ids.items() if item_id not in original}
    assert added == {"Acme: legal review of the order form", "Acme: security questionnaire"} | (
        {"Inserted mid-sync"} if race == "insert above" else set())
    assert audit.history_count("T-03", "Owner") == 1
    report.record("races", group=race, cases=1, races_run=1, races_detected=1, misplaced_cells=len(audit.problems),
                  history_duplicates=audit.history_duplicates)


def test_without_the_check_the_same_race_writes_onto_the_wrong_rows(edited, emulator):
    """The hazard the check prevents, shown by sending the stale batch anyway (what a blind write
    would do): the audit sees the damage — so its clean verdicts above mean something."""
    store, ref, original, sheet_id = edited
    snapshot = store.read(ref)
    stale = apply_requests(snapshot, plan_sync(snapshot, SYNC_DAY).changes)
    emulator.apply_edit(ref.id, RACES["insert above"](sheet_id, len(original) + 2))
    gspread_client(emulator).http_client.batch_update(ref.id, {"requests": stale})

    problems = audit_plan(emulator.base_url, ref.id, original_ids=original).problems
    assert any("owner note speaks of ['IT']" in p for p in problems)
    assert any("does not match the state kept" in p for p in problems)


def test_a_plan_that_keeps_changing_is_named_as_failed_with_nothing_written(edited, emulator, config):
    store, ref, original, sheet_id = edited
    for n in range(app.SYNC_ATTEMPTS):
        emulator.edit_between_read_and_write(ref.id, new_row(sheet_id, len(original) + 3 + n, f"Typed {n}",
                                                             date(2026, 5, 4)))
    before = emulator.file_version(ref.id)
    emulator.log.clear()

    with pytest.raises(PlanChanged) as failure:
        app.sync_plan(store, ref, config)

    assert f"under each of {app.SYNC_ATTEMPTS} attempts" in failure.value.message
    assert failure.value.exit_code == 3 and "run sync again" in failure.value.hint
    assert emulator.file_version(ref.id) == before + app.SYNC_ATTEMPTS  # the buyer's edits only
    assert not [e for e in calls(emulator) if is_sheets_write(e)]
    report.record("races", group="edited under every attempt", cases=1, races_run=app.SYNC_ATTEMPTS,
                  races_detected=app.SYNC_ATTEMPTS, plans_failed=1)


# --- two syncs of one plan at once ------------------------------------------------------------------


def test_a_sync_that_finishes_between_another_ones_read_and_write_makes_the_other_replan(edited, emulator,
                                                                                          config):
    store, ref, original, _ = edited
    other = make_store(emulator)  # another process: its own clients and bookkeeping
    snapshot = store.read(ref)
    late = plan_sync(snapshot, SYNC_DAY).changes
    assert app.sync_plan(other, ref, config).written

    with pytest.raises(PlanChanged):
        store.apply(ref, snapshot, late)
    assert app.sync_plan(store, ref, config).written is False  # re-planned: the other did it all

    audit = audit_plan(emulator.base_url, ref.id, original_ids=original)
    assert audit.problems == [] and audit.history_duplicates == 0
    report.record("races", group="second sync", cases=1, races_run=1, races_detected=1, history_duplicates=0)


def test_two_syncs_that_both_pass_the_check_write_the_same_rows(edited, emulator):
    """The window that remains between the check and the batch: both syncs read the same version
    and plan the same IDs and History rows at the same places, so the later batch overwrites the
    earlier one's rows instead of adding to them."""
    store, ref, original, _ = edited
    first, second = store.read(ref), store.read(ref)
    sheets = gspread_client(emulator).http_client
    for snapshot, hour in ((first, 2), (second, 3)):  # both checks passed: each sends its batch
        when = app.now_for(Config(today=SYNC_DAY)).replace(hour=hour)
        changes = plan_sync(snapshot, SYNC_DAY, now=when).changes
        sheets.batch_update(ref.id, {"requests": apply_requests(snapshot, changes)})

    audit = audit_plan(emulator.base_url, ref.id, original_ids=original)
    assert audit.problems == [] and audit.history_duplicates == 0
    assert {h[0][11:13] for h in audit.history[1:]} == {"03"}  # the second sync's rows replaced the first's


ROUNDS = 2


def test_two_syncs_at_once_in_threads_leave_no_duplicate_ids_or_history(emulator, config):
    """Rounds of buyer edits, each followed by two syncs started together from two stores (two
    processes, say cron and a rep's laptop)."""
    stores = [make_store(emulator), make_store(emulator)]
    spreadsheet_id, original = plant(stores[0], "Acme rollout")
    sheet_id = plan_sheet_id(emulator.base_url, spreadsheet_id)
    rows = len(original)
    outcomes: list[object] = []
    for round_no in range(ROUNDS):
        emulator.apply_edit(spreadsheet_id, [
            *new_row(sheet_id, rows + 1, f"Round {round_no}: pilot", date(2026, 5, 4)),
            *new_row(sheet_id, rows + 2, f"Round {round_no}: training", date(2026, 5, 11))])
        rows += 2
        ref = stores[0].locate(spreadsheet_id)
        start = threading.Barrier(2)

        def sync(store, ref=ref, start=start):
            start.wait()
            try:
                outcomes.append(app.sync_plan(store, ref, config))
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                outcomes.append(exc)

        threads = [threading.Thread(target=sync, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

    assert all(isinstance(o, app.SyncOutcome) for o in outcomes), outcomes
    audit = audit_plan(emulator.base_url, spreadsheet_id, original_ids=original)
    assert audit.problems == [] and audit.history_duplicates == 0
    assert len(audit.rows) == len(original) + 2 * ROUNDS and len(audit.ids) == len(audit.rows)
    writes = sum(1 for e in emulator.log_entries() if is_sheets_write(e)) - 1  # less the plan's creation
    report.record("races", group="two syncs at once", cases=ROUNDS, races_run=ROUNDS, history_duplicates=0,
                  plans_synced=sum(1 for o in outcomes if getattr(o, "written", False)))
    assert ROUNDS <= writes <= 2 * ROUNDS


def test_the_nightly_run_replans_a_plan_edited_after_its_listing(edited, emulator, config, tmp_path):
    """The nightly run reuses the stored snapshot of a plan whose listed version has not moved;
    a buyer who edits right after the listing is caught by the same check before the write."""
    store, ref, original, sheet_id = edited
    state = StateStore(tmp_path / "state.sqlite")
    try:
        first = list(nightly.sync_every_plan(store, config, state=state, limiter=Unlimited()))
        assert [r.error for r in first] == [None]
        emulator.log.clear()
        later = replace(config, today=date(2026, 6, 29))  # open items push the projected decision out
        runs = list(nightly.sync_every_plan(
            make_store(emulator), later, state=state, limiter=Unlimited(),
            on_listed=lambda _: emulator.apply_edit(ref.id, RACES["insert above"](sheet_id, 0))))
    finally:
        state.close()

    (run,) = runs
    assert run.error is None and run.read and run.outcome.written
    kinds = ["read" if is_sheets_read(e) else "write" if is_sheets_write(e) else api_of(e)
             for e in calls(emulator)]
    # listing · (stored snapshot) version check: changed · read · check · write
    assert kinds[:kinds.index("write") + 1] == ["drive", "drive", "read", "drive", "write"]
    audit = audit_plan(emulator.base_url, ref.id, original_ids=original)
    assert audit.problems == [] and "Inserted mid-sync" in audit.ids
    report.record("races", group="edited after the nightly listing", cases=1, races_run=1, races_detected=1,
                  history_duplicates=audit.history_duplicates)
