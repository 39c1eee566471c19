"""The sync's one read asks for the tabs' named ranges only (issue 10, lean reads, with issue 11's
Timeline): every contract tab whole and the Timeline's first cell, so the Timeline's formula cells
never come back. A plan missing a name (made before the names, or a buyer deleted or narrowed one)
is read whole, exactly as before, and the sync lays the names again."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from map_workspace import app
from map_workspace.backends.google.sheets_io import LEAN_RANGES, range_name
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import PLAN, TIMELINE
from map_workspace.sync import plan_sync
from tests.support.google import calls, is_sheets_read, is_sheets_write

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
DANA = "dana@acme.example"


def create(store):  # type: ignore[no-untyped-def]
    req = app.CreateRequest("Acme rollout", date(2026, 6, 30), [Person.parse(f"Dana Tanaka <{DANA}>")],
                            [Person.parse("Sam Rivera <sam@seller.example>")])
    new = app.build_new_plan(req, Config(), TODAY, NOW)
    ref = store.create(new.snapshot, slug=new.plan.slug, title="Acme rollout")
    store.share(ref, [DANA])
    return ref, new.plan


def read_and_sync(store, emulator, ref):  # type: ignore[no-untyped-def]
    """One sync (read, plan, write when needed); returns its snapshot and the Sheets reads it made."""
    emulator.log.clear()
    snapshot = store.read(ref)
    reads = [e for e in calls(emulator) if is_sheets_read(e)]
    result = plan_sync(snapshot, TODAY, now=NOW)
    if not result.changes.is_empty:
        (ref,) = [r for r in store.list_plans() if r.id == ref.id]
        store.apply(ref, snapshot, result.changes)
    return snapshot, reads, result


def names_of(spreadsheet) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {n["name"]: n["range"] for n in spreadsheet.list_named_ranges()}


def test_the_read_names_the_tabs_and_leaves_the_timelines_cells_out(google_store, emulator, buyer) -> None:  # type: ignore[no-untyped-def]
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    names = names_of(spreadsheet)
    assert set(names) == set(LEAN_RANGES)
    assert names[range_name(TIMELINE)]["endRowIndex"] == 1
    spreadsheet.add_worksheet("Dana's notes", 10, 5).update_acell("A1", "ours")  # a buyer's own tab
    spreadsheet.worksheet(TIMELINE).update_title("Gantt")
    snapshot, reads, _ = read_and_sync(store, emulator, ref)
    (read,) = reads
    assert read["query"]["ranges"] == list(LEAN_RANGES)
    assert snapshot.tabs[TIMELINE].title == "Gantt" and snapshot.tabs[TIMELINE].rows == ()
    assert [row[0].value for row in snapshot.tabs[PLAN].rows[1:len(plan.items) + 1]] == [i.id for i in plan.items]
    assert spreadsheet.worksheet("Dana's notes").acell("A1").value == "ours"


def test_a_plan_without_the_names_is_read_whole_and_gets_them_back(google_store, emulator, buyer) -> None:  # type: ignore[no-untyped-def]
    """As a plan made before the names (every one deleted), then a buyer deleting one, then one
    narrowed to a corner of the Plan: each time the sync reads every tab (never a part of the
    Plan as if the rest were deleted), finds nothing changed, and points the names again."""
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    first, _, _ = read_and_sync(store, emulator, ref)
    plan_id = spreadsheet.worksheet(PLAN).id
    breaks = [
        lambda ids: [{"deleteNamedRange": {"namedRangeId": i}} for i in ids.values()],
        lambda ids: [{"deleteNamedRange": {"namedRangeId": ids[range_name(TIMELINE)]}}],
        lambda ids: [{"updateNamedRange": {"namedRange": {"namedRangeId": ids[range_name(PLAN)], "range": {
            "sheetId": plan_id, "startRowIndex": 0, "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 3}},
            "fields": "range"}}],
    ]
    for broken in breaks:
        ids = {n["name"]: n["namedRangeId"] for n in spreadsheet.list_named_ranges()}
        spreadsheet.batch_update({"requests": broken(ids)})
        snapshot, reads, result = read_and_sync(store, emulator, ref)
        assert len(reads) == 2 and "ranges" not in reads[1]["query"]
        assert snapshot.tabs[PLAN].rows == first.tabs[PLAN].rows
        assert not result.changes.history, result.changes.history
        assert any(is_sheets_write(e) for e in calls(emulator))
        names = names_of(spreadsheet)
        assert set(names) == set(LEAN_RANGES)
        assert names[range_name(PLAN)] == {"sheetId": plan_id}
        _, reads, result = read_and_sync(store, emulator, ref)
        assert len(reads) == 1 and result.changes.is_empty
