"""app.replan_plan and app.assign_people on every backend of the contract suite (local .xlsx, Google
through the emulator): one write, read back as planned, a second sync with nothing to do, nothing
written on a dry run, and a plan edited between the read and the write read and planned again."""

from __future__ import annotations

from datetime import date

import pytest

from map_workspace import app
from map_workspace.changes import CellWrite, ChangeSet
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.errors import UsageError
from map_workspace.layout import HISTORY, HISTORY_TAB, PLAN
from map_workspace.reading import find_table, read_plan
from map_workspace.sync import plan_sync
from tests.backends.test_contract import BACKENDS, new_plan

TODAY = date(2026, 3, 9)
CONFIG = Config(today=TODAY)


@pytest.fixture(params=sorted(BACKENDS))
def store(request, tmp_path):
    return BACKENDS[request.param](tmp_path)


def history_rows(snapshot) -> list[dict[str, str]]:
    """The History tab's rows by column key (found by header, not position)."""
    table = find_table(snapshot.tabs[HISTORY], HISTORY_TAB)
    return [{key: table.text(row, key) for key in table.columns} for _, row in table.data()]


def dues(snapshot) -> dict[str, date | None]:
    return {i.id: i.due for i in read_plan(snapshot, today=TODAY).plan.items}


def test_replan_writes_once_and_reads_back_on_every_backend(store):
    ref, _, plan = new_plan(store)
    before = store.read(ref)
    dry = app.replan_plan(store, ref.id, CONFIG, item="T-12", due=date(2026, 6, 10), dry_run=True)
    assert dry.dry_run and not dry.written and len(dry.replan.moves) > 1
    assert store.read(ref).token.version == before.token.version or dues(store.read(ref)) == dues(before)
    shown = []
    result = app.replan_plan(store, ref.id, CONFIG, item="T-12", due=date(2026, 6, 10), before_write=shown.append)
    assert result.written and shown == [result.replan]          # the table was shown before the write
    assert [m.as_json() for m in result.replan.moves] == [m.as_json() for m in dry.replan.moves]
    after = store.read(ref)
    now_due = dues(after)
    for m in result.replan.moves:
        assert now_due[m.id] == m.after
    synced = plan_sync(after, TODAY)
    assert synced.changes.is_empty                              # Slips, Flags, Overview already written
    items = {i.id: i for i in synced.plan.items}
    assert all(items[m.id].slips == 1 and items[m.id].baseline == plan.item(m.id).baseline
               for m in result.replan.moves)
    marked = [r for r in history_rows(after) if r["note"].startswith("replanned")]
    assert sorted(r["id"] for r in marked) == sorted(m.id for m in result.replan.moves)
    out = result.as_json()
    assert set(out) >= {"plan", "moved", "projected_decision", "health"}
    assert out["moved"][0] == {"id": "T-12", "activity": plan.item("T-12").activity,
                               "from": plan.item("T-12").due.isoformat(),
                               "to": "2026-06-10", "reason": "new due date"}
    assert out["projected_decision"] == result.replan.moves[-2].after.isoformat()  # M-06, T-20 after it


def test_replan_the_decision_moves_the_overview_target_on_every_backend(store):
    ref, _, _ = new_plan(store)
    result = app.replan_plan(store, ref.id, CONFIG, decision=date(2026, 7, 14))
    assert [m.id for m in result.replan.moves] == ["M-06", "T-20"]
    after = read_plan(store.read(ref), today=TODAY).plan
    assert after.overview.target_decision == date(2026, 7, 14)
    assert result.as_json()["health"] == "on_track"


def test_assign_names_the_role_on_every_backend(store):
    ref, _, _ = new_plan(store)
    people = {"buyer.security": Person.parse("Ivy Park <ivy@acme.com>")}
    assert not app.assign_people(store, ref.id, people, CONFIG, dry_run=True).written
    result = app.assign_people(store, ref.id, people, CONFIG)
    [one] = result.assignments
    assert result.written and one.items and one.added
    read = store.read(ref)
    plan = read_plan(read, today=TODAY).plan
    assert all(plan.item(i).owner == "Ivy Park" for i in one.items)
    assert [(s.email, s.role) for s in plan.stakeholders if s.name == "Ivy Park"] == [("ivy@acme.com",
                                                                                      "Security lead")]
    assert plan_sync(read, TODAY).changes.is_empty
    assert result.as_json() == {"plan": ref.id, "dry_run": False, "assigned": [
        {"role": "buyer.security", "person": "Ivy Park <ivy@acme.com>", "items": list(one.items), "kept": [],
         "added_to_stakeholders": True}]}
    again = app.assign_people(store, ref.id, people, CONFIG)
    assert not again.written and again.assignments[0].items == ()


def test_an_unknown_role_is_refused_with_the_closest_before_anything_is_written(store):
    ref, _, _ = new_plan(store)
    version = store.read(ref).token.version
    with pytest.raises(UsageError) as err:
        app.assign_people(store, ref.id, {"buyer.cfoo": Person.parse("lee@acme.com")}, CONFIG)
    assert "Did you mean 'buyer.cfo'?" in err.value.message and err.value.exit_code == 2
    assert store.read(ref).token.version == version


def test_a_plan_edited_between_the_read_and_the_write_is_read_and_planned_again(store):
    ref, _, _ = new_plan(store)
    real_read = store.read
    edits = iter([True])
    reads = []

    def read_then_buyer_saves(plan_ref):
        snapshot = real_read(plan_ref)
        reads.append(snapshot.token.version)
        if next(edits, False):  # the buyer types a note on T-13 meanwhile
            reading = read_plan(snapshot, today=TODAY)
            row = next(r.sheet_row for i, r in zip(reading.plan.items, reading.item_rows, strict=True)
                       if i.id == "T-13")
            note = CellWrite(PLAN, row, reading.tables[PLAN].columns["notes"], "waiting for legal")
            store.apply(plan_ref, snapshot, ChangeSet(cells=(note,)))
        return snapshot

    store.read = read_then_buyer_saves
    result = app.replan_plan(store, ref.id, CONFIG, item="T-12", due=date(2026, 6, 10))
    assert result.written and len(reads) == 2  # PlanChanged on the first write: read and planned again
    after = real_read(ref)
    plan = read_plan(after, today=TODAY).plan
    assert plan.item("T-13").notes == "waiting for legal" and plan.item("T-13").due == date(2026, 6, 15)
    marked = [r["id"] for r in history_rows(after) if r["note"].startswith("replanned")]
    assert sorted(marked) == sorted(m.id for m in result.replan.moves)  # each once
