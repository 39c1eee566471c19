"""The sheet's live formulas, computed by a real spreadsheet engine (LibreOffice) against the real
date: progress text, overdue count, each row's Flag, and which colour rule wins on each row.

One LibreOffice run for everything: the colour rules are copied into helper cells of the same
workbook, shifted to each row, so the engine evaluates them like conditional formatting would.
The recalculated file, saved by LibreOffice, then doubles as "a buyer saved it in LibreOffice".
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from map_workspace.backends.local.workbook import apply_changes, read_snapshot, unsafe_content, write_workbook
from map_workspace.changes import CellWrite, ChangeSet, HistoryEntry
from map_workspace.domain.model import Item, ItemType, Plan, Side, Status
from map_workspace.formulas import colour_rules, flag_formula
from map_workspace.layout import OVERVIEW, OVERVIEW_FIELDS, PLAN, PLAN_TAB, Cell, Grid, column_letter
from map_workspace.render import plan_columns, render_plan
from tests.support.plans import meta_for, recalculated, small_plan, soffice_or_skip, state_for

NOT_STARTED, IN_PROGRESS, DONE, BLOCKED, NA = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE,
                                              Status.BLOCKED, Status.NA)

# (activity, status or status text as typed, due in days from today or text, owner,
#  expected Flag, expected first colour rule that matches or None)
ROWS: list[tuple[str, Status | str, int | str | None, str, str, str | None]] = [
    ("overdue 2 days", NOT_STARTED, -2, "Dana", "Overdue", "overdue"),
    ("stalled 10 days", IN_PROGRESS, -10, "Dana", "Stalled", "stalled"),
    ("due in 2 days", NOT_STARTED, 2, "Dana", "Due soon", "due_soon"),
    ("due in 20 days", NOT_STARTED, 20, "Dana", "", None),
    ("done but overdue", DONE, -5, "Dana", "", "done"),
    ("not applicable", NA, -3, "Dana", "", None),
    ("complete, a synonym", "complete", 1, "Dana", "", "done"),
    ("date as text", NOT_STARTED, "TBD", "Dana", "", None),
    ("blocked and late: blocked wins", BLOCKED, -1, "Dana", "Overdue", "blocked"),
    ("late, nobody owns it", NOT_STARTED, -1, "", "Overdue · Needs owner", "overdue"),
    ("due today", NOT_STARTED, 0, "Dana", "Due soon", "due_soon"),
    ("exactly 7 days late", NOT_STARTED, -7, "Dana", "Stalled", "stalled"),
    ("due in 3 days", NOT_STARTED, 3, "Dana", "Due soon", "due_soon"),
    ("due in 4 days", NOT_STARTED, 4, "Dana", "", None),
    ("cancelled, an N/A synonym", "cancelled", -2, "Dana", "", None),
    ("no date yet", NOT_STARTED, None, "Dana", "", None),
    ("wip, late", "wip", -3, "Dana", "Overdue", "overdue"),
    ("in progress, far", "in progress", 30, "Dana", "", None),
]
#: 18 rows, 2 of them N/A (excluded), 2 done: 2/16 = 12.5 % → 13 % (ROUND half up, not to even).
EXPECTED_PROGRESS = "2 of 16 done · 13%"
#: Open items with a date before today: rows 1, 2, 9, 10, 12, 17.
EXPECTED_OVERDUE = 6
STATIC_FLAG_ROW = 10  # the 10th item carries the sync's static words


def _plan(today: date) -> Plan:
    items = []
    for n, (activity, status, due, owner, _flag, _rule) in enumerate(ROWS, 1):
        typed = status if isinstance(status, str) else ""
        items.append(Item(
            id=f"T-{n:02d}", type=ItemType.TASK, activity=activity, side=Side.BUYER, owner=owner,
            due=today + timedelta(days=due) if isinstance(due, int) else None,
            due_text=due if isinstance(due, str) else "",
            status=None if typed else status, status_text=typed,
        ))
    return replace(small_plan(today), items=tuple(items))


def _shift(formula: str, row: int) -> str:
    """A colour rule written for row 2, moved to ``row`` the way conditional formatting moves it."""
    return re.sub(r"(\$[A-Z]{1,3})2(?![0-9])", lambda m: f"{m.group(1)}{row}", formula)


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Write the workbook, let LibreOffice compute it once, read the results."""
    soffice_or_skip()
    today = date.today()
    plan = _plan(today)
    snapshot = render_plan(plan, state_for(plan), meta_for(plan))
    cols = plan_columns(int(snapshot.meta["formatted_rows"]))
    rules = colour_rules(cols)
    width = len(PLAN_TAB.columns)
    grid = snapshot.tabs[PLAN]
    rows = [grid.rows[0] + tuple(Cell(value=f"rule:{r.name}") for r in rules)]
    for sheet_row, row in enumerate(grid.rows[1:], 2):
        cells = list(row)
        if sheet_row - 1 == STATIC_FLAG_ROW:
            cells[PLAN_TAB.index("flag")] = Cell(formula=flag_formula(sheet_row, cols, "Needs owner"))
        helpers = [Cell(formula="=" + _shift(r.formula, sheet_row)) for r in rules]
        rows.append(tuple(cells) + tuple(helpers))
    tabs = dict(snapshot.tabs)
    tabs[PLAN] = Grid(PLAN, tuple(rows))
    work = tmp_path_factory.mktemp("libreoffice")
    source = work / "formulas.xlsx"
    write_workbook(source, replace(snapshot, tabs=tabs))
    started = date.today()
    result = recalculated(source, work / "out")
    if date.today() != started:  # midnight passed during the run: TODAY() moved under us
        pytest.skip("the date changed while LibreOffice ran; run again")
    wb = load_workbook(result, data_only=True)
    return {"wb": wb, "result": result, "rules": rules, "width": width, "today": today}


def _overview_value(wb, key: str):  # type: ignore[no-untyped-def]
    row = next(i for i, f in enumerate(OVERVIEW_FIELDS, 2) if f.key == key)
    return wb[OVERVIEW].cell(row, 2).value


def test_progress_text_counts_synonyms_leaves_out_na_and_rounds_half_up(computed: dict) -> None:
    assert _overview_value(computed["wb"], "progress") == EXPECTED_PROGRESS


def test_overdue_count_is_open_items_past_due(computed: dict) -> None:
    assert _overview_value(computed["wb"], "overdue") == EXPECTED_OVERDUE


def test_each_rows_flag(computed: dict) -> None:
    ws = computed["wb"][PLAN]
    flag_col = PLAN_TAB.index("flag") + 1
    got = [(ws.cell(r, 3).value, ws.cell(r, flag_col).value or "") for r in range(2, len(ROWS) + 2)]
    assert got == [(activity, flag) for activity, _s, _d, _o, flag, _r in ROWS]


def test_colour_rules_first_match_per_row(computed: dict) -> None:
    ws = computed["wb"][PLAN]
    rules, width = computed["rules"], computed["width"]
    for sheet_row, (activity, *_rest, expected) in enumerate(ROWS, 2):
        values = [ws.cell(sheet_row, width + 1 + i).value for i in range(len(rules))]
        assert all(isinstance(v, bool) for v in values), f"{activity}: a rule gave no TRUE/FALSE: {values}"
        first = next((rule.name for rule, hit in zip(rules, values, strict=True) if hit), None)
        assert first == expected, f"{activity}: {dict(zip([r.name for r in rules], values, strict=True))}"


def test_a_libreoffice_save_keeps_formats_and_is_safe_to_write(computed: dict, tmp_path: Path) -> None:
    """A buyer who edits the plan in LibreOffice: the file is still recognised, its dropdowns and
    colour rules still count as in place, nothing in it blocks the next sync's save."""
    result: Path = computed["result"]
    assert unsafe_content(result.read_bytes()) == []
    snapshot = read_snapshot(result)
    assert snapshot.meta["plan_id"] == small_plan().plan_id
    assert snapshot.formats_ok
    ws = load_workbook(result)[PLAN]
    status = column_letter(PLAN_TAB.index("status"))
    dropdowns = ws.data_validations.dataValidation
    assert any(f"{status}2" in dv.sqref and not dv.showErrorMessage for dv in dropdowns)
    changes = ChangeSet(cells=(CellWrite(PLAN, 2, PLAN_TAB.index("slips"), 3, field="slips", id="T-01"),),
                        history=(HistoryEntry("2026-05-12T09:00:00+00:00", "T-01", "Due", "a", "b"),))
    apply_changes(result, snapshot, changes)
    again = read_snapshot(result)
    assert again.tabs[PLAN].cell(1, PLAN_TAB.index("slips")).value == 3
    assert again.formats_ok
