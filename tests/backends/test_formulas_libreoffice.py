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

from map_workspace.backends.local.formatting import formats_in_place
from map_workspace.backends.local.openpyxl_losses import unsafe_content
from map_workspace.backends.local.saving import apply_changes, write_workbook
from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.backends.local.workbook_reading import read_snapshot
from map_workspace.changes import CellWrite, ChangeSet, HistoryEntry
from map_workspace.domain.calendar import add_business_days
from map_workspace.domain.model import Item, ItemType, Plan, Side, Status
from map_workspace.domain.rules import Thresholds
from map_workspace.formulas import (
    colour_rules,
    colour_rules_from,
    flag_formula,
    is_colour_rule_formula,
    thresholds_of,
)
from map_workspace.layout import (
    CLOSED_DAYS_COLUMN,
    CLOSED_DAYS_HEADER,
    OVERVIEW,
    OVERVIEW_FIELDS,
    PLAN,
    PLAN_TAB,
    STATE,
    Cell,
    Grid,
    column_letter,
)
from map_workspace.render import plan_columns, render_plan
from map_workspace.sync import Settings, plan_sync
from tests.support.plans import meta_for, recalculated, small_plan, soffice_or_skip, state_for

#: The windows a plan is written with when config.toml sets none.
DEFAULT_DAYS = Thresholds()
NOT_STARTED, IN_PROGRESS, DONE, BLOCKED, NA = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.DONE,
                                              Status.BLOCKED, Status.NA)

# (activity, status or status text as typed, due in days from today (working days when ahead) or
#  text, owner, expected Flag, expected first colour rule that matches or None)
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


def _days_from(today: date, days: int) -> date:
    """Calendar days back (late counts calendar days), working days ahead ("due soon" counts those)."""
    return add_business_days(today, days) if days > 0 else today + timedelta(days=days)


def _plan(today: date) -> Plan:
    items = []
    for n, (activity, status, due, owner, _flag, _rule) in enumerate(ROWS, 1):
        typed = status if isinstance(status, str) else ""
        items.append(Item(
            id=f"T-{n:02d}", type=ItemType.TASK, activity=activity, side=Side.BUYER, owner=owner,
            due=_days_from(today, due) if isinstance(due, int) else None,
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
    rules = colour_rules(cols, DEFAULT_DAYS)
    width = len(PLAN_TAB.columns)
    grid = snapshot.tabs[PLAN]
    rows = [grid.rows[0] + tuple(Cell(value=f"rule:{r.name}") for r in rules)]
    for sheet_row, row in enumerate(grid.rows[1:], 2):
        cells = list(row)
        if sheet_row - 1 == STATIC_FLAG_ROW:
            cells[PLAN_TAB.index("flag")] = Cell(
                formula=flag_formula(sheet_row, cols, "Needs owner", thresholds=DEFAULT_DAYS))
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
    row = next(i for i, f in enumerate(OVERVIEW_FIELDS, 3) if f.key == key)
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
    ws = load_workbook(result)[PLAN]
    # The dropdowns and colour rules survive; the tabs' code names and frozen header row do not (a
    # Calc save drops them), so the next sync counts formats to restore: tests/backends/test_calc_round_trip.py.
    assert formats_in_place(ws, snapshot.tabs[PLAN], thresholds_of(snapshot.meta))
    assert not snapshot.formats_ok
    status = column_letter(PLAN_TAB.index("status"))
    dropdowns = ws.data_validations.dataValidation
    assert any(f"{status}2" in dv.sqref and not dv.showErrorMessage for dv in dropdowns)
    changes = ChangeSet(cells=(CellWrite(PLAN, 2, PLAN_TAB.index("slips"), 3, field="slips", id="T-01"),),
                        history=(HistoryEntry("2026-05-12T09:00:00+00:00", "T-01", "Due", "a", "b"),))
    apply_changes(result, snapshot, changes)
    again = read_snapshot(result)
    assert again.tabs[PLAN].cell(1, PLAN_TAB.index("slips")).value == 3
    assert again.formats_ok


# --- custom windows: the sheet and the sync's findings agree --------------------------------------

#: config.toml's [thresholds] for this part: stalled after 10 days late, due soon within 5 days.
CUSTOM = Thresholds(stalled_after_days=10, due_soon_days=5)
#: (activity, status, due in days from today: working days ahead) at the edges of each window, under CUSTOM and
#: under the defaults the plan was first written with (7 and 3), so a stale formula shows.
EDGES: list[tuple[str, Status, int]] = [
    ("11 days late", NOT_STARTED, -11),
    ("10 days late: stalled starts", IN_PROGRESS, -10),
    ("9 days late: still overdue", NOT_STARTED, -9),
    ("7 days late: stalled by default, overdue here", NOT_STARTED, -7),
    ("1 day late", NOT_STARTED, -1),
    ("due today", NOT_STARTED, 0),
    ("due in 4 days: not soon by default, soon here", NOT_STARTED, 4),
    ("due in 5 days: due soon ends", NOT_STARTED, 5),
    ("due in 6 days", NOT_STARTED, 6),
    ("done, 12 days late", DONE, -12),
]
#: What the sync's finding on an item shows in the sheet: (Flag's live word, first colour rule).
SHOWN = {"item.stalled": ("Stalled", "stalled"), "item.overdue": ("Overdue", "overdue"),
         "item.due_soon": ("Due soon", "due_soon")}
LIVE_WORDS = {"Stalled", "Overdue", "Due soon"}


def _edge_plan(today: date) -> Plan:
    items = tuple(
        Item(f"T-{n:02d}", ItemType.TASK, activity, Side.BUYER, "Dana Tanaka", _days_from(today, due),
             status=status, done_on=today if status is DONE else None)
        for n, (activity, status, due) in enumerate(EDGES, 1)
    )
    return replace(small_plan(today), items=items, risks=())


@pytest.fixture(scope="module")
def custom_windows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A plan written with the default windows, synced through the store with CUSTOM ones, its
    colour rules (as the file holds them) copied into helper cells, computed by LibreOffice."""
    soffice_or_skip()
    today = date.today()
    plan = _edge_plan(today)
    work = tmp_path_factory.mktemp("windows")
    store = LocalPlanStore(work / "maps")
    ref = store.create(render_plan(plan, state_for(plan), meta_for(plan)), slug=plan.slug, title="")
    snapshot = store.read(ref)
    sync = plan_sync(snapshot, today, settings=Settings(thresholds=CUSTOM))
    store.apply(ref, snapshot, sync.changes)
    synced = store.read(ref)
    assert plan_sync(synced, today, settings=Settings(thresholds=CUSTOM)).changes.is_empty
    wb = load_workbook(ref.id)
    ws = wb[PLAN]
    rules = sorted((rule for cf in ws.conditional_formatting for rule in cf.rules
                    if rule.formula and is_colour_rule_formula(rule.formula[0])), key=lambda r: r.priority)
    formulas = [rule.formula[0] for rule in rules]
    width = len(PLAN_TAB.columns)
    for sheet_row in range(2, len(EDGES) + 2):
        for i, formula in enumerate(formulas):
            ws.cell(sheet_row, width + 1 + i).value = "=" + _shift(formula, sheet_row)
    probe = work / "probe.xlsx"
    wb.save(probe)
    started = date.today()
    result = recalculated(probe, work / "out")
    if date.today() != started:
        pytest.skip("the date changed while LibreOffice ran; run again")
    return {"wb": load_workbook(result, data_only=True), "findings": sync.findings, "formulas": formulas,
            "meta": synced.meta, "width": width, "today": today}


def test_custom_windows_are_recorded_and_the_rules_rewritten_once(custom_windows: dict) -> None:
    meta = custom_windows["meta"]
    assert (meta["stalled_after_days"], meta["due_soon_days"]) == ("10", "5")
    cols = plan_columns(int(meta["formatted_rows"]))
    expected = [formula for formula, _rule in colour_rules_from(cols, 2, CUSTOM)]
    assert custom_windows["formulas"] == expected  # the old 7/3 rules are gone, not kept beside


def test_with_custom_windows_the_sheet_shows_what_the_sync_found(custom_windows: dict) -> None:
    ws = custom_windows["wb"][PLAN]
    names = [rule.name for rule in colour_rules(plan_columns(500), CUSTOM)]
    width, flag_col = custom_windows["width"], PLAN_TAB.index("flag") + 1
    found = {f.id: f.code for f in custom_windows["findings"] if f.code in SHOWN}
    seen, said = [], []
    for n, (activity, status, _due) in enumerate(EDGES, 1):
        sheet_row = n + 1
        assert ws.cell(sheet_row, 3).value == activity
        flag = str(ws.cell(sheet_row, flag_col).value or "")
        live = flag.split(" · ")[0] if flag.split(" · ")[0] in LIVE_WORDS else ""
        hits = [ws.cell(sheet_row, width + 1 + i).value for i in range(len(names))]
        assert all(isinstance(h, bool) for h in hits), f"{activity}: {hits}"
        first = next((name for name, hit in zip(names, hits, strict=True) if hit), None)
        seen.append((activity, live, first))
        code = found.get(f"T-{n:02d}")
        word, rule = SHOWN[code] if code else ("", "done" if status is DONE else None)
        said.append((activity, word, rule))
    assert seen == said
    # The edges fall where CUSTOM puts them, not where the defaults would.
    assert [w for _a, w, _r in said] == ["Stalled", "Stalled", "Overdue", "Overdue", "Overdue", "Due soon",
                                        "Due soon", "Due soon", "", ""]


# --- "due soon" on the plan's working days: a holiday moves it --------------------------------------

#: (activity, due in working days from today, weekends only): with a holiday on the first working
#: day after today, three working days reach one day further.
HOLIDAY_ROWS: list[tuple[str, int]] = [
    ("due in 3 working days", 3),
    ("due in 4 working days: soon only because of the holiday", 4),
    ("due in 5 working days", 5),
]


@pytest.fixture(scope="module")
def holiday_week(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A plan written before "due soon" counted working days (its Flag formulas count calendar
    days, it has no closed days), synced through the store on a calendar with a holiday on the next
    working day; its colour rules (as the file holds them) copied into helper cells; computed by
    LibreOffice."""
    soffice_or_skip()
    today = date.today()
    holiday = add_business_days(today, 1)
    items = tuple(Item(f"T-{n:02d}", ItemType.TASK, activity, Side.BUYER, "Dana Tanaka", add_business_days(today, due))
                  for n, (activity, due) in enumerate(HOLIDAY_ROWS, 1))
    plan = replace(small_plan(today), items=items, risks=())
    snapshot = render_plan(plan, state_for(plan), meta_for(plan))
    grid = snapshot.tabs[PLAN]
    flag = PLAN_TAB.index("flag")
    older = [list(row) for row in grid.rows]
    for sheet_row, row in enumerate(older[1:], 2):  # the Flag formula as plans had it before
        due = f"F{sheet_row}"
        row[flag] = Cell(formula=str(row[flag].formula).replace(
            f"{due}<=WORKDAY(TODAY(),3,'_mapws'!$L$2:$L$1000)", f"{due}-TODAY()<=3"))
    snapshot = replace(snapshot, tabs={**snapshot.tabs, PLAN: Grid(PLAN, tuple(map(tuple, older)))})
    work = tmp_path_factory.mktemp("holiday")
    store = LocalPlanStore(work / "maps")
    ref = store.create(snapshot, slug=plan.slug, title="")
    settings = Settings(holidays=frozenset({holiday}))
    sync = plan_sync(store.read(ref), today, settings=settings)
    store.apply(ref, store.read(ref), sync.changes)
    synced = store.read(ref)
    assert plan_sync(synced, today, settings=settings).changes.is_empty
    wb = load_workbook(ref.id)
    ws = wb[PLAN]
    rules = sorted((rule for cf in ws.conditional_formatting for rule in cf.rules
                    if rule.formula and is_colour_rule_formula(rule.formula[0])), key=lambda r: r.priority)
    width = len(PLAN_TAB.columns)
    for sheet_row in range(2, len(HOLIDAY_ROWS) + 2):
        for i, rule in enumerate(rules):
            ws.cell(sheet_row, width + 1 + i).value = "=" + _shift(rule.formula[0], sheet_row)
    probe = work / "probe.xlsx"
    wb.save(probe)
    started = date.today()
    result = recalculated(probe, work / "out")
    if date.today() != started:
        pytest.skip("the date changed while LibreOffice ran; run again")
    without = plan_sync(synced, today)  # the same plan on weekends only
    return {"wb": load_workbook(result, data_only=True), "findings": sync.findings, "without": without.findings,
            "names": [str(r.formula[0]) for r in rules], "width": width, "holiday": holiday, "synced": synced}


def test_the_closed_days_are_written_beside_the_state_on_the_first_sync(holiday_week: dict) -> None:
    state = holiday_week["synced"].tabs[STATE]
    assert state.cell(0, CLOSED_DAYS_COLUMN).value == CLOSED_DAYS_HEADER
    assert [state.cell(r, CLOSED_DAYS_COLUMN).value for r in range(1, len(state.rows))
            if state.cell(r, CLOSED_DAYS_COLUMN).value] == [holiday_week["holiday"]]


def test_a_holiday_makes_an_item_due_soon_in_the_sheet_as_in_the_sync(holiday_week: dict) -> None:
    ws = holiday_week["wb"][PLAN]
    width, flag_col = holiday_week["width"], PLAN_TAB.index("flag") + 1
    names = [rule.name for rule in colour_rules(plan_columns(500), DEFAULT_DAYS)]
    found = {f.id for f in holiday_week["findings"] if f.code == "item.due_soon"}
    without = {f.id for f in holiday_week["without"] if f.code == "item.due_soon"}
    seen, said = [], []
    for n, (activity, _due) in enumerate(HOLIDAY_ROWS, 1):
        sheet_row = n + 1
        assert ws.cell(sheet_row, 3).value == activity
        hits = [ws.cell(sheet_row, width + 1 + i).value for i in range(len(names))]
        assert all(isinstance(h, bool) for h in hits), f"{activity}: {hits}"
        first = next((name for name, hit in zip(names, hits, strict=True) if hit), None)
        seen.append((activity, str(ws.cell(sheet_row, flag_col).value or ""), first))
        soon = f"T-{n:02d}" in found
        said.append((activity, "Due soon" if soon else "", "due_soon" if soon else None))
    assert seen == said
    assert found == {"T-01", "T-02"}
    assert without == {"T-01"}  # on weekends only, four working days out is not soon
