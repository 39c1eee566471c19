"""The Timeline tab (issue 11): computed by a real engine (LibreOffice) against the real date, and
kept by the sync (added to older plans, restored when deleted, grown with the Plan).

One LibreOffice run computes everything: the Timeline's lookups after the buyer sorted the Plan,
the diamonds, and, in helper cells beside the weeks, which colour rule wins on each week cell (the
rules shifted to that cell, first match wins, as conditional formatting applies them).
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from map_workspace.backends.local.formatting import put_formula
from map_workspace.backends.local.saving import write_workbook
from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.backends.local.workbook_contract import code_name
from map_workspace.backends.local.workbook_reading import read_snapshot
from map_workspace.domain.model import Item, ItemType, Plan, Side, Status
from map_workspace.layout import PLAN, PLAN_TAB, TIMELINE, column_letter
from map_workspace.render import render_plan
from map_workspace.sync import plan_sync
from map_workspace.timeline import (
    DIAMOND,
    FIXED_COLUMNS,
    ROW_HEADROOM,
    layout_from_meta,
    monday,
    timeline_state_formula,
)
from tests.support.plans import meta_for, recalculated, small_plan, soffice_or_skip, state_for

# (id, type, activity, status, due and baseline in days from today)
ITEMS = [
    ("T-01", ItemType.TASK, "Kick-off call", Status.DONE, -14, -14),
    ("T-02", ItemType.TASK, "Security review", Status.IN_PROGRESS, -9, -9),
    ("T-03", ItemType.TASK, "Pilot", Status.NOT_STARTED, 21, 21),
    ("T-04", ItemType.TASK, "Legal redlines", Status.IN_PROGRESS, 28, 7),
    ("M-01", ItemType.MILESTONE, "Signature", Status.NOT_STARTED, 35, 35),
]


def _plan(today: date) -> Plan:
    def day(n: int) -> date:
        return today + timedelta(days=n)

    items = tuple(Item(i, kind, activity, Side.JOINT, "Dana Tanaka", day(due), status=status, baseline=day(base))
                  for i, kind, activity, status, due, base in ITEMS)
    plan = replace(small_plan(today), items=items)
    return replace(plan, overview=replace(plan.overview, target_decision=day(42)))


def _expected(status: Status, due: date, baseline: date, week: date, today: date) -> str:
    """The colour a week cell should show, from the issue's words, written independently of the rules."""
    end = week + timedelta(days=7)
    if status is Status.DONE and week <= due < end:
        return "done"
    if status is not Status.DONE and due < today and week <= today and end > due:
        return "overdue"
    if status is not Status.DONE and week <= due < end:
        return "planned"
    if baseline < due and end > baseline and week < due:
        return "slipped"
    if week <= today < end:
        return "today"
    return ""


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    soffice_or_skip()
    today = date.today()
    plan = _plan(today)
    work = tmp_path_factory.mktemp("timeline")
    source = work / "timeline.xlsx"
    snapshot = render_plan(plan, state_for(plan), meta_for(plan))
    write_workbook(source, snapshot)
    layout = layout_from_meta(snapshot.meta, {}, int(snapshot.meta["formatted_rows"]))
    assert layout is not None
    wb = load_workbook(source)
    # The buyer sorts the Plan by due date, latest first (values only: Flag stays where it was).
    plan_ws = wb[PLAN]
    width = PLAN_TAB.index("slips") + 1
    rows = [[plan_ws.cell(r, c).value for c in range(1, width + 1)] for r in range(2, len(ITEMS) + 2)]
    for r, values in enumerate(reversed(rows), 2):
        for c, value in enumerate(values, 1):
            plan_ws.cell(r, c).value = value
    # Helper cells right of the weeks: the colour rule that wins on each week cell.
    ws = wb[TIMELINE]
    helpers = layout.last_col + 2
    for row in range(2, len(ITEMS) + 3):
        for k in range(layout.weeks):
            put_formula(ws.cell(row, helpers + k), timeline_state_formula(layout, row, layout.first_week_col + k))
    wb.save(source)
    started = date.today()
    result = recalculated(source, work / "out")
    if date.today() != started:
        pytest.skip("the date changed while LibreOffice ran; run again")
    return {"wb": load_workbook(result, data_only=True), "layout": layout, "helpers": helpers, "today": today,
            "plan": plan, "source": source, "work": work}


def test_each_row_shows_one_item_looked_up_by_id_after_the_plan_was_sorted(computed: dict) -> None:
    ws, plan = computed["wb"][TIMELINE], computed["plan"]
    by_id = {i.id: i for i in plan.items}
    shown = []
    for row in range(2, len(ITEMS) + 2):
        item = by_id[ws.cell(row, 1).value]
        due, base = ws.cell(row, 5).value, ws.cell(row, 6).value
        assert isinstance(due, datetime) and isinstance(base, datetime)
        assert (ws.cell(row, 2).value, due.date(), base.date(), ws.cell(row, 7).value) == (
            item.activity, item.due, item.baseline, item.status.value)
        week = ws.cell(row, 4).value
        assert (week.date() if week else None) == (monday(item.due) if item.type is ItemType.MILESTONE else None)
        shown.append(item.id)
    assert shown == [i[0] for i in reversed(ITEMS)]  # the Plan's order, whatever it is
    assert [ws.cell(len(ITEMS) + 2, c).value or "" for c in range(1, 8)] == [""] * 7  # an empty row


def test_each_week_cell_is_coloured_planned_done_overdue_slipped_or_today(computed: dict) -> None:
    ws, layout, today = computed["wb"][TIMELINE], computed["layout"], computed["today"]
    by_id = {i.id: i for i in computed["plan"].items}
    seen = set()
    for row in range(2, len(ITEMS) + 2):
        item = by_id[ws.cell(row, 1).value]
        got = [ws.cell(row, computed["helpers"] + k).value or "" for k in range(layout.weeks)]
        want = [_expected(item.status, item.due, item.baseline, layout.week(k), today) for k in range(layout.weeks)]
        assert got == want, item.id
        seen.update(got)
    assert {"done", "overdue", "planned", "slipped", "today"} <= seen
    empty = [ws.cell(len(ITEMS) + 2, computed["helpers"] + k).value or "" for k in range(layout.weeks)]
    assert empty == [""] * layout.weeks


def test_milestones_are_diamonds_in_their_due_week(computed: dict) -> None:
    ws, layout = computed["wb"][TIMELINE], computed["layout"]
    for row in range(2, len(ITEMS) + 2):
        marks = [ws.cell(row, layout.first_week_col + 1 + k).value or "" for k in range(layout.weeks)]
        if ws.cell(row, 1).value == "M-01":
            due = monday(computed["today"] + timedelta(days=35))
            assert marks == [DIAMOND if layout.week(k) == due else "" for k in range(layout.weeks)]
        else:
            assert marks == [""] * layout.weeks


def test_weeks_run_from_the_first_date_to_the_week_after_the_decision(computed: dict) -> None:
    ws, layout, today = computed["wb"][TIMELINE], computed["layout"], computed["today"]
    weeks = [ws.cell(1, layout.first_week_col + 1 + k).value for k in range(layout.weeks)]
    assert weeks[0].date() == monday(today - timedelta(days=14))
    assert weeks[-1].date() == monday(today + timedelta(days=42 + 7))
    assert all((b - a).days == 7 for a, b in zip(weeks, weeks[1:], strict=False))


def test_prints_landscape_on_one_page(computed: dict, tmp_path: Path) -> None:
    """Only the Timeline printed (the other tabs hidden): one landscape page for a short plan."""
    wb = load_workbook(computed["source"])
    for ws in wb.worksheets:
        if ws.title != TIMELINE:
            ws.sheet_state = "hidden"
    wb.active = wb.sheetnames.index(TIMELINE)
    only = tmp_path / "only.xlsx"
    wb.save(only)
    subprocess.run([soffice_or_skip(), "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(only)],
                   check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(tmp_path / "only.pdf")], check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert int(fields["Pages"]) == 1
    width, _, height = fields["Page size"].split()[:3]
    assert float(width) > float(height)


# --- the sync keeps it ------------------------------------------------------------------------------


def _store_plan(tmp_path: Path) -> tuple[LocalPlanStore, object, date]:
    today = date(2026, 5, 12)
    plan = _plan(today)
    store = LocalPlanStore(tmp_path / "maps")
    ref = store.create(render_plan(plan, state_for(plan), meta_for(plan)), slug=plan.slug, title="")
    return store, ref, today


def _sync(store: LocalPlanStore, ref: object, today: date):  # type: ignore[no-untyped-def]
    snapshot = store.read(ref)  # type: ignore[arg-type]
    changes = plan_sync(snapshot, today).changes
    store.apply(ref, snapshot, changes)  # type: ignore[arg-type]
    return changes


def test_a_new_plan_has_it_and_a_sync_leaves_it(tmp_path: Path) -> None:
    store, ref, today = _store_plan(tmp_path)
    wb = load_workbook(ref.id)  # type: ignore[attr-defined]
    assert wb.sheetnames.index(TIMELINE) == wb.sheetnames.index(PLAN) + 1
    assert wb[TIMELINE].sheet_properties.codeName == code_name(TIMELINE)
    assert wb[TIMELINE].page_setup.orientation == "landscape" and wb[TIMELINE].page_setup.fitToWidth == 1
    assert TIMELINE in store.read(ref).tabs  # type: ignore[arg-type]
    _sync(store, ref, today)
    assert _sync(store, ref, today).timeline is None


def test_a_deleted_timeline_comes_back_and_a_renamed_one_is_kept(tmp_path: Path) -> None:
    store, ref, today = _store_plan(tmp_path)
    _sync(store, ref, today)
    wb = load_workbook(ref.id)  # type: ignore[attr-defined]
    del wb[TIMELINE]
    wb.save(ref.id)  # type: ignore[attr-defined]
    changes = _sync(store, ref, today)
    assert changes.timeline is not None and changes.timeline.first_row == 2
    wb = load_workbook(ref.id)  # type: ignore[attr-defined]
    ws = wb[TIMELINE]
    assert ws["A2"].value.startswith("=")
    ws.title = "Gantt"
    ws["H20"] = "the buyer's note"
    wb.save(ref.id)  # type: ignore[attr-defined]
    assert _sync(store, ref, today).timeline is None
    assert load_workbook(ref.id)["Gantt"]["H20"].value == "the buyer's note"  # type: ignore[attr-defined]


def test_an_older_plan_gets_one_on_sync(tmp_path: Path) -> None:
    store, ref, today = _store_plan(tmp_path)
    wb = load_workbook(ref.id)  # type: ignore[attr-defined]
    del wb[TIMELINE]
    for key in ("timeline_start", "timeline_weeks", "timeline_rows"):
        del wb.custom_doc_props["mapws." + key]
    wb.save(ref.id)  # type: ignore[attr-defined]
    changes = _sync(store, ref, today)
    assert changes.timeline is not None
    ws = load_workbook(ref.id)[TIMELINE]  # type: ignore[attr-defined]
    first = ws.cell(1, len(FIXED_COLUMNS) + 1).value
    assert first.date() == monday(today - timedelta(days=14))
    assert store.read(ref).meta["timeline_weeks"] == str(changes.timeline.layout.weeks)  # type: ignore[arg-type]


def test_rows_the_buyer_adds_get_timeline_rows(tmp_path: Path) -> None:
    store, ref, today = _store_plan(tmp_path)
    _sync(store, ref, today)
    had = int(store.read(ref).meta["timeline_rows"])  # type: ignore[arg-type]
    assert had == len(ITEMS) + 1 + ROW_HEADROOM
    wb = load_workbook(ref.id)  # type: ignore[attr-defined]
    activity = PLAN_TAB.index("activity") + 1
    for row in range(len(ITEMS) + 2, had + 5):
        wb[PLAN].cell(row, activity).value = f"Buyer task {row}"
    wb.save(ref.id)  # type: ignore[attr-defined]
    changes = _sync(store, ref, today)
    assert changes.timeline is not None and changes.timeline.first_row == had + 1
    ws = load_workbook(ref.id)[TIMELINE]  # type: ignore[attr-defined]
    now = int(store.read(ref).meta["timeline_rows"])  # type: ignore[arg-type]
    assert now == had + 4 + ROW_HEADROOM  # the last buyer row, and room under it
    assert ws.cell(now, 1).value.startswith("=") and ws.cell(now + 1, 1).value is None
    week = column_letter(len(FIXED_COLUMNS))
    assert any(f"{week}2" in str(cf.sqref) for cf in ws.conditional_formatting)


def test_a_libreoffice_save_keeps_the_timeline_found(computed: dict) -> None:
    """Calc drops code names: the Timeline is still found by its hidden defined name, so the next
    sync neither adds a second one nor reads its cells."""
    result = next(Path(computed["work"], "out").glob("*.xlsx"))
    snapshot = read_snapshot(result)
    assert snapshot.tabs[TIMELINE].rows == ()
    assert TIMELINE not in snapshot.extra_tabs
    assert plan_sync(snapshot, computed["today"]).changes.timeline is None


def test_a_decision_moved_later_gets_its_weeks(tmp_path: Path) -> None:
    store, ref, today = _store_plan(tmp_path)
    _sync(store, ref, today)
    had = int(store.read(ref).meta["timeline_weeks"])  # type: ignore[arg-type]
    wb = load_workbook(ref.id)  # type: ignore[attr-defined]
    overview = wb["Overview"]
    row = next(r for r in range(1, overview.max_row + 1) if overview.cell(r, 1).value == "Target decision date")
    decision = today + timedelta(days=42 + 7 * 6)
    overview.cell(row, 2).value = decision
    wb.save(ref.id)  # type: ignore[attr-defined]
    changes = _sync(store, ref, today)
    assert changes.timeline is not None and changes.timeline.first_new_week == had
    layout = changes.timeline.layout
    assert layout.weeks == had + 6 and layout.week(layout.weeks - 1) == monday(decision) + timedelta(weeks=1)
    ws = load_workbook(ref.id)[TIMELINE]  # type: ignore[attr-defined]
    new_col = layout.first_week_col + had + 1
    assert ws.cell(1, new_col).value.date() == layout.week(had)
    assert ws.cell(2, new_col).value.startswith("=") and ws.cell(layout.formula_rows, layout.last_col + 1).value
    assert any(str(cf.sqref).startswith(f"{column_letter(new_col - 1)}2:") for cf in ws.conditional_formatting)
    assert _sync(store, ref, today).timeline is None
