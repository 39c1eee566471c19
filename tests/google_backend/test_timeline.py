"""The Timeline tab on Google (issue 11): created with the plan, computed by Sheets' formulas
(the emulator evaluates INDEX/MATCH/N like Sheets), restored by the sync when a buyer deletes it,
and never read back by the sync beyond noting it is there."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import PLAN, PLAN_TAB, TIMELINE
from map_workspace.sync import plan_sync
from map_workspace.timeline import DIAMOND, FIXED_COLUMNS, monday

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


def sync(store, ref):  # type: ignore[no-untyped-def]
    result = plan_sync(store.read(ref), TODAY, now=NOW)
    if not result.changes.is_empty:
        store.apply(ref, store.read(ref), result.changes)
    return result


def test_a_new_plan_has_a_live_timeline_after_the_plan(google_store, buyer) -> None:  # type: ignore[no-untyped-def]
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    titles = [ws.title for ws in spreadsheet.worksheets()]
    assert titles.index(TIMELINE) == titles.index(PLAN) + 1
    values = spreadsheet.worksheet(TIMELINE).get_all_values()
    rows = [r for r in values[1:] if r and r[0]]
    assert [r[0] for r in rows] == [i.id for i in plan.items]
    assert [r[1] for r in rows] == [i.activity for i in plan.items]
    assert [r[4] for r in rows] == [i.due.isoformat() if i.due else "" for i in plan.items]
    first = len(FIXED_COLUMNS)
    weeks = values[0][first:]
    for item, row in zip(plan.items, rows, strict=True):
        marks = row[first:first + len(weeks)]
        if item.type.value == "Milestone" and item.due is not None:
            assert marks.count(DIAMOND) == 1
            week = monday(item.due)
            assert marks.index(DIAMOND) == (week - monday(min(i.due for i in plan.items if i.due))).days // 7
        else:
            assert DIAMOND not in marks
    spreadsheet.worksheet(TIMELINE).update_title("Gantt")  # found by its metadata, not its title
    assert store.read(ref).tabs[TIMELINE].title == "Gantt"
    assert store.read(ref).tabs[TIMELINE].rows == ()  # noted, never read
    assert sync(store, ref).changes.timeline is None


def test_the_timeline_follows_the_plan_sorted_by_the_buyer(google_store, buyer) -> None:  # type: ignore[no-untyped-def]
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    sheet = spreadsheet.worksheet(PLAN)
    width = PLAN_TAB.index("slips") + 1
    values = sheet.get_all_values()[1:len(plan.items) + 1]
    swapped = [values[-1], *values[1:-1], values[0]]
    sheet.update([row[:width] for row in swapped], "A2", value_input_option="USER_ENTERED")
    timeline = spreadsheet.worksheet(TIMELINE).get_all_values()
    shown = {r[0]: (r[1], r[4]) for r in timeline[1:] if r and r[0]}
    assert timeline[1][0] == plan.items[-1].id
    assert shown == {i.id: (i.activity, i.due.isoformat() if i.due else "") for i in plan.items}


def test_a_deleted_timeline_is_restored_by_the_sync(google_store, buyer) -> None:  # type: ignore[no-untyped-def]
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    spreadsheet.del_worksheet(spreadsheet.worksheet(TIMELINE))
    spreadsheet.add_worksheet(TIMELINE, rows=5, cols=2).update_acell("A1", "Dana's own timeline")
    result = sync(store, ref)
    assert result.changes.timeline is not None
    titles = [ws.title for ws in spreadsheet.worksheets()]
    assert "Timeline (mapws)" in titles
    assert spreadsheet.worksheet(TIMELINE).acell("A1").value == "Dana's own timeline"
    restored = spreadsheet.worksheet("Timeline (mapws)").get_all_values()
    assert [r[0] for r in restored[1:] if r and r[0]] == [i.id for i in plan.items]
    assert sync(store, ref).changes.timeline is None


def test_a_decision_moved_later_gets_its_weeks(google_store, buyer) -> None:  # type: ignore[no-untyped-def]
    """The buyer moves the decision and its milestone six weeks later: the sync adds the week
    columns, and the milestone's diamond shows in the new week."""
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    before = spreadsheet.worksheet(TIMELINE).get_all_values()[0]
    decision = plan.overview.target_decision + timedelta(weeks=6)
    overview = spreadsheet.worksheet("Overview")
    label_row = next(r for r, row in enumerate(overview.get_all_values(), 1)
                     if row and row[0] == "Target decision date")
    overview.update_cell(label_row, 2, decision.isoformat())
    sheet = spreadsheet.worksheet(PLAN)
    milestone = next(i for i in reversed(plan.items) if i.type.value == "Milestone")
    m_row = next(r for r, values in enumerate(sheet.get_all_values(), 1) if values and values[0] == milestone.id)
    sheet.update_cell(m_row, PLAN_TAB.index("due") + 1, decision.isoformat())
    had = len(before) - len(FIXED_COLUMNS)
    result = sync(store, ref)
    assert result.changes.timeline is not None and result.changes.timeline.first_new_week == had
    layout = result.changes.timeline.layout
    assert layout.week(layout.weeks - 1) == monday(decision) + timedelta(weeks=1)
    values = spreadsheet.worksheet(TIMELINE).get_all_values()
    assert len(values[0]) - len(FIXED_COLUMNS) == layout.weeks > had
    shown = next(r for r in values[1:] if r and r[0] == milestone.id)
    marks = shown[len(FIXED_COLUMNS):]
    assert marks.count(DIAMOND) == 1 and marks.index(DIAMOND) >= had
    assert sync(store, ref).changes.timeline is None
