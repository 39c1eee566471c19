"""How a plan workbook looks after real use: rows sized for their text after a sort, numbers and
dates never running into the next cell, headers that fit (issue 9, item 19). The look itself was
checked by rendering through LibreOffice (soffice --convert-to pdf, pdftoppm); these tests pin the
properties that rendering showed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from map_workspace import app
from map_workspace.backends.google.sheets_io import create_requests
from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import PLAN, PLAN_TAB, RISKS, RISKS_TAB, TABLE_TABS, column_letter
from tests.support.plans import rendered

TODAY = date(2026, 12, 10)
LONG_NOTE = ("Kick-off went well; the CFO joined for the last ten minutes and asked for a short business case "
             "before the holidays, with the numbers from the pilot and a phased option.")
COL = {c.key: i + 1 for i, c in enumerate(PLAN_TAB.columns)}


def new_plan(folder: Path) -> tuple[LocalPlanStore, Path, Config]:
    store = LocalPlanStore(folder)
    config = Config(dir=folder, today=TODAY)
    app.create_plan(store, app.CreateRequest("Globex rollout", date(2027, 2, 26),
                                             [Person.parse("Dana Tanaka <dana@acme.com>")],
                                             [Person.parse("Sam Rivera <sam@seller.io>")]), config)
    return store, store.path_for("globex-rollout"), config


def item_rows(ws) -> range:  # type: ignore[no-untyped-def]
    return range(2, max(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value) + 1)


def test_rows_are_sized_for_their_text_again_after_a_sort(tmp_path: Path) -> None:
    store, path, config = new_plan(tmp_path)
    wb = load_workbook(path)
    ws = wb[PLAN]
    ws.cell(2, COL["notes"]).value = LONG_NOTE
    wb.save(path)
    app.sync_plan(store, "globex-rollout", config)
    wb = load_workbook(path)
    ws = wb[PLAN]
    assert ws.row_dimensions[2].height >= 45  # three lines of notes
    rows = item_rows(ws)
    values = [[ws.cell(r, c).value for c in range(1, len(PLAN_TAB.columns) + 1)] for r in rows]
    for r, row in zip(rows, reversed(values), strict=True):  # a sort moves text, never row heights
        for c, value in enumerate(row, 1):
            ws.cell(r, c).value = value
    wb.save(path)
    assert app.sync_plan(store, "globex-rollout", config).written
    ws = load_workbook(path)[PLAN]
    noted = next(r for r in rows if ws.cell(r, COL["notes"]).value == LONG_NOTE)
    assert noted == rows[-1] and ws.row_dimensions[noted].height >= 45
    assert ws.row_dimensions[2].height is None or ws.row_dimensions[2].height <= 30  # no longer the note's row
    assert not app.sync_plan(store, "globex-rollout", config).written


def test_a_row_the_buyer_sized_by_hand_keeps_its_height(tmp_path: Path) -> None:
    store, path, config = new_plan(tmp_path)
    wb = load_workbook(path)
    wb[PLAN].row_dimensions[3].height = 52.5
    wb[PLAN].cell(2, COL["notes"]).value = LONG_NOTE
    wb.save(path)
    app.sync_plan(store, "globex-rollout", config)
    assert load_workbook(path)[PLAN].row_dimensions[3].height == 52.5


def test_numbers_and_dates_never_run_into_the_next_cell(tmp_path: Path) -> None:
    store, path, config = new_plan(tmp_path)
    wb = load_workbook(path)
    ws = wb[PLAN]
    added = max(item_rows(ws)) + 1
    ws.cell(added, COL["activity"]).value = "Buyer-added: reference call with a bank"  # no style of its own
    wb.save(path)
    app.sync_plan(store, "globex-rollout", config)
    ws = load_workbook(path)[PLAN]
    for row in (2, added):
        assert ws.cell(row, COL["slips"]).value == 0
        assert ws.cell(row, COL["slips"]).alignment.horizontal == "center", row  # not "0Needs owner"
        flag = ws.cell(row, COL["flag"]).alignment
        assert flag.horizontal == "left" and flag.indent >= 1 and flag.wrap_text, row
    assert ws.cell(2, COL["due"]).alignment.horizontal == "center"


def test_headers_fit_their_columns(tmp_path: Path) -> None:
    _, path, _ = new_plan(tmp_path)
    wb = load_workbook(path)
    for tab, spec in TABLE_TABS.items():
        if spec.hidden:
            continue
        ws = wb[tab]
        for index, column in enumerate(spec.columns):
            fits = len(column.title) <= ws.column_dimensions[column_letter(index)].width * 0.85
            assert fits or (ws.row_dimensions[1].height or 0) >= 30, (tab, column.title)  # wraps: row tall enough
        assert ws.cell(1, 1).font.name == "Calibri", tab
    risks = wb[RISKS]
    probability = column_letter(RISKS_TAB.index("probability"))
    assert risks.column_dimensions[probability].width >= len("Probability") + 2  # not "Probabilit y"


def test_google_centres_numbers_and_dates_too() -> None:
    requests = create_requests(rendered(), timezone="UTC", locale="en_US")
    cells = [r["updateCells"] for r in requests if "updateCells" in r]
    def header(cell: dict) -> list[str]:
        return [v.get("userEnteredValue", {}).get("stringValue", "") for v in cell["rows"][0]["values"]]

    plan_rows = next(c["rows"] for c in cells if "Flag (auto)" in header(c))
    header_texts = header({"rows": plan_rows})
    slips, due = header_texts.index("Slips (auto)"), header_texts.index("Due")
    first = plan_rows[1]["values"]
    assert first[slips]["userEnteredFormat"]["horizontalAlignment"] == "CENTER"
    assert first[due]["userEnteredFormat"]["horizontalAlignment"] == "CENTER"


def history_rows(ws) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    header = [str(c.value or "").replace(" (auto)", "") for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)
            if any(c.value for c in row)]


def test_history_shows_a_date_time_in_the_plans_time_zone_the_activity_and_who(tmp_path: Path) -> None:
    store = LocalPlanStore(tmp_path)
    config = Config(dir=tmp_path, today=TODAY, timezone="Asia/Tokyo")
    app.create_plan(store, app.CreateRequest("Globex rollout", date(2027, 2, 26),
                                             [Person.parse("Dana Tanaka <dana@acme.com>")],
                                             [Person.parse("Sam Rivera <sam@seller.io>")]), config)
    path = store.path_for("globex-rollout")
    wb = load_workbook(path)
    ws = wb[PLAN]
    ws.cell(2, COL["status"]).value = "Done"
    activity = ws.cell(2, COL["activity"]).value
    wb.properties.lastModifiedBy = "Dana Tanaka"  # Excel records who saved the file
    wb.save(path)
    app.sync_plan(store, "globex-rollout", config)
    ws = load_workbook(path)["History"]
    rows = history_rows(ws)
    done = next(r for r in rows if r["Field"] == "Status")
    assert done["ID"] == "T-01" and done["Activity"] == activity and done["By"] == "Dana Tanaka"
    when = done["When"]
    assert isinstance(when, datetime) and when.tzinfo is None  # a date-time cell, not ISO text
    assert ws.cell(rows.index(done) + 2, 1).number_format == "yyyy-mm-dd hh:mm"
    created = rows[0]
    assert created["Field"] == "Plan" and isinstance(created["When"], datetime) and not created["By"]


def test_an_old_history_tab_gets_the_new_columns_after_its_own(tmp_path: Path) -> None:
    store, path, config = new_plan(tmp_path)
    wb = load_workbook(path)
    history = wb["History"]
    for col in (7, 8):
        history.cell(1, col).value = None  # a plan made before History named the activity and who
    history.cell(1, 3).value, history.cell(1, 4).value, history.cell(1, 5).value = "Field (auto)", "From (auto)", \
        "To (auto)"
    history.cell(1, 6).value = "Note (auto)"
    for row in history.iter_rows(min_row=2):
        for cell in row:
            cell.value = None
    wb[PLAN].cell(2, COL["status"]).value = "Done"
    wb.save(path)
    app.sync_plan(store, "globex-rollout", config)
    rows = history_rows(load_workbook(path)["History"])
    done = next(r for r in rows if r["Field"] == "Status")
    assert done["To"] == "Done" and done["Activity"] and done["ID"] == "T-01"

