"""How a Japanese plan's sheet looks (issue 14). Rendering the README's ja-enterprise plan through
LibreOffice (soffice --convert-to pdf, pdftoppm) showed マイルストーン running into the Activity
column, wrapped Japanese notes and activities cut off after one or two lines, and headers such as
遅延回数（自動） wrapping onto lines the header row had no room for: widths and heights were
estimated from character counts, and a full-width character is twice as wide as a Latin one.
These tests pin the properties the rendering showed, by display width (map_workspace/textwidth.py)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook

from map_workspace import app
from map_workspace.backends.google.sheets_io import PIXELS_PER_WIDTH, create_requests
from map_workspace.backends.local.formatting import fit_row_height
from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import OVERVIEW, PLAN, RISKS, TABLE_TABS, column_letter, spec_in, tab_title
from map_workspace.render import render_plan
from map_workspace.textwidth import display_width
from tests.support.plans import meta_for, small_plan, state_for

TODAY = date(2026, 10, 1)
NOTE = "現行業務フローの資料を情報システム部から受領済み。追加のヒアリングは来週火曜日に実施予定です。"


def japanese_plan(folder: Path, template: str = "enterprise") -> tuple[LocalPlanStore, Path, Config]:
    store = LocalPlanStore(folder)
    config = Config(dir=folder, today=TODAY, language="ja")
    made = app.create_plan(store, app.CreateRequest("基幹システム刷新", date(2027, 2, 26),
                                                    [Person.parse("田中 太郎 <taro@acme.co.jp>")],
                                                    [Person.parse("Sam Rivera <sam@seller.io>")], template=template),
                           config)
    return store, store.path_for(made.ref.slug), config


def test_a_japanese_dropdown_column_fits_its_widest_choice(tmp_path: Path) -> None:
    _, path, _ = japanese_plan(tmp_path)
    wb = load_workbook(path)
    for name, base in TABLE_TABS.items():
        spec = spec_in(name, "ja")
        if base.hidden or spec.title not in wb.sheetnames:
            continue
        ws = wb[spec.title]
        for index, column in enumerate(spec.columns):
            if column.choices:
                widest = max(display_width(choice) for choice in column.choices)
                width = ws.column_dimensions[column_letter(index)].width
                assert width >= widest + 2, (name, column.key, widest, width)  # マイルストーン: 14 + the arrow


def test_a_japanese_header_row_is_tall_enough_for_its_wrapped_headers(tmp_path: Path) -> None:
    _, path, _ = japanese_plan(tmp_path)
    ws = load_workbook(path)[tab_title(PLAN, "ja")]
    for index, column in enumerate(spec_in(PLAN, "ja").columns):
        width = ws.column_dimensions[column_letter(index)].width
        lines = math.ceil(display_width(column.title) / (width * 0.85))
        assert (ws.row_dimensions[1].height or 15) >= 15 * lines, (column.title, width)  # 遅延回数（自動）: 3


def test_a_row_is_tall_enough_for_its_wrapped_japanese_text(tmp_path: Path) -> None:
    store, path, config = japanese_plan(tmp_path)
    wb = load_workbook(path)
    ws = wb[tab_title(PLAN, "ja")]
    notes = 1 + next(i for i, c in enumerate(spec_in(PLAN, "ja").columns) if c.key == "notes")
    ws.cell(3, notes).value = NOTE
    wb.save(path)
    app.sync_plan(store, path.stem, config)
    ws = load_workbook(path)[tab_title(PLAN, "ja")]
    width = ws.column_dimensions[column_letter(notes - 1)].width
    lines = math.ceil(display_width(NOTE) / (width * 1.15))
    assert lines >= 3 and ws.row_dimensions[3].height >= 15 * lines  # 92 columns wide: three lines at 34


def test_a_japanese_overview_value_gets_the_lines_it_wraps_onto(tmp_path: Path) -> None:
    _, path, _ = japanese_plan(tmp_path, "ja-enterprise")
    ws = load_workbook(path)[tab_title(OVERVIEW, "ja")]
    wrapped = 0
    for row in range(2, ws.max_row + 1):
        text = str(ws.cell(row, 2).value or "")
        if text.startswith("="):  # the progress line: one short line
            continue
        lines = math.ceil(display_width(text) / (ws.column_dimensions["B"].width * 1.15)) if text else 1
        if lines > 1:
            wrapped += 1
            assert (ws.row_dimensions[row].height or 15) >= 15 * lines, text  # the goals: two lines at 80
    assert wrapped


def test_a_japanese_flags_row_is_sized_for_its_own_words() -> None:
    ws = Workbook().active
    ws.cell(2, 1).value = ('=IF(F2="","",IF(F2<TODAY(),IF(TODAY()-F2>=7,"停滞","期限超過"),'
                           'IF(F2<=TODAY()+3,"期限間近","")))&"・担当者未定"')
    fit_row_height(ws, 2, {1: 6})  # 期限超過・担当者未定: ten wide characters, 6.9 Latin ones a line
    assert ws.row_dimensions[2].height >= 45  # "Stalled" + 担当者未定 counted as 13 characters: two lines


def test_google_gives_a_japanese_dropdown_column_its_widest_choice() -> None:
    plan = small_plan()
    snapshot = render_plan(plan, state_for(plan), {**meta_for(plan), "language": "ja"})
    requests = create_requests(snapshot, timezone="Asia/Tokyo", locale="ja_JP")
    spec = spec_in(PLAN, "ja")
    type_index = next(i for i, c in enumerate(spec.columns) if c.key == "type")
    plan_sheet = next(r["updateCells"]["start"]["sheetId"] for r in requests if "updateCells" in r
                      and any(v.get("userEnteredValue", {}).get("stringValue") == spec.columns[type_index].title
                              for v in r["updateCells"]["rows"][0]["values"]))
    (pixels,) = [r["updateDimensionProperties"]["properties"]["pixelSize"] for r in requests
                 if "updateDimensionProperties" in r
                 and r["updateDimensionProperties"]["range"]["sheetId"] == plan_sheet
                 and r["updateDimensionProperties"]["range"]["startIndex"] == type_index
                 and "pixelSize" in r["updateDimensionProperties"]["properties"]]
    assert pixels >= (display_width("マイルストーン") + 2) * PIXELS_PER_WIDTH


def test_a_japanese_risk_gets_every_line_libreoffice_wraps_it_onto(tmp_path: Path) -> None:
    _, path, _ = japanese_plan(tmp_path, "ja-enterprise")
    spec = spec_in(RISKS, "ja")
    ws = load_workbook(path)[spec.title]
    mitigation = 1 + next(i for i, c in enumerate(spec.columns) if c.key == "mitigation")
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, mitigation).value).startswith("予算の確保状況"))
    # 47 characters: LibreOffice drew 22 a line at width 44 (three lines); counting each as two made it two
    assert len(ws.cell(row, mitigation).value) > 44 and ws.row_dimensions[row].height >= 45


def test_a_japanese_google_plan_made_through_the_emulator_fits_its_widest_type(tmp_path: Path) -> None:
    from tests.backends.test_contract import google_store
    from tests.google_emulator.clients import gspread_client
    from tests.support.google import buyer_credentials, shared_emulator

    store = google_store(tmp_path)
    emulator = shared_emulator()
    config = Config(backend="google", dir=tmp_path, today=TODAY, language="ja", google_api_root=emulator.base_url)
    made = app.create_plan(store, app.CreateRequest("基幹システム刷新", date(2027, 2, 26),
                                                    [Person.parse("田中 太郎 <taro@acme.co.jp>")],
                                                    [Person.parse("Sam Rivera <sam@seller.io>")]), config)
    sheet = gspread_client(emulator, buyer_credentials(emulator, "taro@acme.co.jp")).open_by_key(made.ref.id)
    data = sheet.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": "'計画'!A1:M1"})
    columns = data["sheets"][0]["data"][0]["columnMetadata"]
    type_index = next(i for i, c in enumerate(spec_in(PLAN, "ja").columns) if c.key == "type")
    assert columns[type_index]["pixelSize"] >= (display_width("マイルストーン") + 2) * PIXELS_PER_WIDTH
