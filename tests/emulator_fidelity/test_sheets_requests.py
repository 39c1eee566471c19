"""The rest of the batchUpdate requests the product or a buyer may send, and concurrent clients."""

from __future__ import annotations

import threading

import pytest
from googleapiclient.errors import HttpError

from tests.google_emulator.clients import sheets_service


@pytest.fixture
def sheets(emulator):
    return sheets_service(emulator)


def _batch(sheets, spreadsheet_id, *requests):
    return (
        sheets.spreadsheets()
        .batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": list(requests)})
        .execute()["replies"]
    )


def _values(sheets, spreadsheet_id, range_):
    return (
        sheets.spreadsheets()
        .values()
        .get(spreadsheetId=spreadsheet_id, range=range_)
        .execute()
        .get("values", [])
    )


def _grid(sheet_id, r0, r1, c0, c1):
    return {
        "sheetId": sheet_id,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def test_rows_columns_and_sheets(emulator, sheets):
    spreadsheet_id = emulator.seed_spreadsheet(
        "Rows", sheets={"Plan": [["ID", "Due"], ["T-02", "2"], ["T-01", "1"]]}
    )
    _batch(
        sheets,
        spreadsheet_id,
        {
            "appendCells": {
                "sheetId": 0,
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "T-03"}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "sortRange": {
                "range": _grid(0, 1, 4, 0, 2),
                "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}],
            }
        },
        {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 3, "endIndex": 4}}},
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}},
        {
            "updateDimensionProperties": {
                "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                "properties": {"pixelSize": 240},
                "fields": "pixelSize",
            }
        },
    )
    assert _values(sheets, spreadsheet_id, "Plan!A1:B4") == [["ID", "Due"], ["T-01", "1"], ["T-02", "2"]]
    sheet = (
        sheets.spreadsheets()
        .get(
            spreadsheetId=spreadsheet_id,
            ranges=["Plan!A1:B1"],
            fields=("sheets(properties.gridProperties,data.columnMetadata)"),
        )
        .execute()["sheets"][0]
    )
    assert sheet["properties"]["gridProperties"] == {"rowCount": 999, "columnCount": 28}
    assert [c["pixelSize"] for c in sheet["data"][0]["columnMetadata"]] == [240, 100]
    replies = _batch(
        sheets,
        spreadsheet_id,
        {"duplicateSheet": {"sourceSheetId": 0, "newSheetName": "Plan copy"}},
        {"addSheet": {"properties": {"title": "Notes", "index": 0}}},
    )
    copy_id = replies[0]["duplicateSheet"]["properties"]["sheetId"]
    assert replies[1]["addSheet"]["properties"]["index"] == 0
    assert _values(sheets, spreadsheet_id, "'Plan copy'!A2") == [["T-01"]]
    _batch(sheets, spreadsheet_id, {"deleteSheet": {"sheetId": copy_id}})
    titles = [
        s["properties"]["title"]
        for s in sheets.spreadsheets().get(spreadsheetId=spreadsheet_id).execute()["sheets"]
    ]
    assert titles == ["Notes", "Plan"]
    with pytest.raises(HttpError) as caught:
        _batch(sheets, spreadsheet_id, {"addSheet": {"properties": {"title": "notes"}}})
    assert b'A sheet with the name \\"notes\\" already exists' in caught.value.content


def test_cells_merges_borders_find_replace_and_copy(emulator, sheets):
    spreadsheet_id = emulator.seed_spreadsheet("Cells", sheets={"Sheet1": [["a", "b"], ["c", "=A1&B1"]]})
    _batch(
        sheets,
        spreadsheet_id,
        {
            "repeatCell": {
                "range": _grid(0, 0, 1, 0, 2),
                "cell": {
                    "userEnteredFormat": {
                        "numberFormat": {"type": "NUMBER", "pattern": "0.00"},
                        "textFormat": {"bold": True},
                    }
                },
                "fields": "userEnteredFormat(numberFormat,textFormat.bold)",
            }
        },
        {
            "updateBorders": {
                "range": _grid(0, 0, 2, 0, 2),
                "top": {"style": "SOLID"},
                "innerHorizontal": {"style": "DASHED"},
            }
        },
        {"mergeCells": {"range": _grid(0, 3, 4, 0, 2), "mergeType": "MERGE_ALL"}},
        {"findReplace": {"find": "c", "replacement": "see", "sheetId": 0}},
        {
            "copyPaste": {
                "source": _grid(0, 1, 2, 0, 2),
                "destination": _grid(0, 5, 7, 0, 2),
                "pasteType": "PASTE_VALUES",
            }
        },
        {
            "autoResizeDimensions": {
                "dimensions": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 2}
            }
        },
    )
    read = (
        sheets.spreadsheets()
        .get(
            spreadsheetId=spreadsheet_id,
            ranges=["Sheet1!A1:B2"],
            fields=(
                "sheets(merges,data.rowData.values(userEnteredFormat(numberFormat,textFormat,borders),formattedValue))"
            ),
        )
        .execute()["sheets"][0]
    )
    assert read["merges"] == [
        {"startRowIndex": 3, "endRowIndex": 4, "startColumnIndex": 0, "endColumnIndex": 2}
    ]
    a1 = read["data"][0]["rowData"][0]["values"][0]["userEnteredFormat"]
    assert a1["numberFormat"] == {"type": "NUMBER", "pattern": "0.00"} and a1["textFormat"] == {"bold": True}
    assert a1["borders"]["top"]["style"] == "SOLID" and a1["borders"]["bottom"]["style"] == "DASHED"
    assert read["data"][0]["rowData"][1]["values"][1]["formattedValue"] == "ab"
    assert _values(sheets, spreadsheet_id, "A2:B2") == [["see", "ab"]]
    assert _values(sheets, spreadsheet_id, "A6:B7") == [["see", "ab"], ["see", "ab"]]
    formulas = (
        sheets.spreadsheets()
        .values()
        .get(spreadsheetId=spreadsheet_id, range="B6", valueRenderOption="FORMULA")
        .execute()
    )
    assert formulas["values"] == [["ab"]]  # PASTE_VALUES pasted the value, not the formula
    _batch(
        sheets,
        spreadsheet_id,
        {"copyPaste": {"source": _grid(0, 1, 2, 1, 2), "destination": _grid(0, 9, 10, 2, 3)}},
    )
    moved = (
        sheets.spreadsheets()
        .values()
        .get(spreadsheetId=spreadsheet_id, range="C10", valueRenderOption="FORMULA")
        .execute()
    )
    assert moved["values"] == [["=B9&C9"]]  # relative references follow the paste


def test_rules_protection_named_ranges_and_metadata(emulator, sheets):
    spreadsheet_id = emulator.seed_spreadsheet("Rules")
    rule = {
        "ranges": [_grid(0, 1, 10, 0, 3)],
        "booleanRule": {
            "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "Done"}]},
            "format": {"backgroundColor": {"green": 1}},
        },
    }
    replies = _batch(
        sheets,
        spreadsheet_id,
        {"addConditionalFormatRule": {"rule": rule, "index": 0}},
        {"addConditionalFormatRule": {"rule": rule, "index": 0}},
        {"addProtectedRange": {"protectedRange": {"range": _grid(0, 0, 1, 0, 3), "warningOnly": True}}},
        {"addNamedRange": {"namedRange": {"name": "Plan_IDs", "range": _grid(0, 1, 10, 0, 1)}}},
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "mapws.plan",
                    "metadataValue": "acme",
                    "visibility": "DOCUMENT",
                    "location": {"spreadsheet": True},
                }
            }
        },
    )
    protected_id = replies[2]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    named_id = replies[3]["addNamedRange"]["namedRange"]["namedRangeId"]
    metadata_id = replies[4]["createDeveloperMetadata"]["developerMetadata"]["metadataId"]
    found = (
        sheets.spreadsheets()
        .developerMetadata()
        .search(
            spreadsheetId=spreadsheet_id,
            body={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "mapws.plan"}}]},
        )
        .execute()
    )
    assert found["matchedDeveloperMetadata"][0]["developerMetadata"]["metadataValue"] == "acme"
    replies = _batch(
        sheets,
        spreadsheet_id,
        {"deleteConditionalFormatRule": {"sheetId": 0, "index": 1}},
        {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}},
        {"deleteProtectedRange": {"protectedRangeId": protected_id}},
        {
            "updateNamedRange": {
                "namedRange": {"namedRangeId": named_id, "name": "Item_IDs"},
                "fields": "name",
            }
        },
        {
            "updateDeveloperMetadata": {
                "dataFilters": [{"developerMetadataLookup": {"metadataId": metadata_id}}],
                "developerMetadata": {"metadataValue": "acme-2"},
                "fields": "metadataValue",
            }
        },
    )
    assert replies[0]["deleteConditionalFormatRule"]["rule"]["booleanRule"]["condition"]["type"] == "TEXT_EQ"
    assert replies[4]["updateDeveloperMetadata"]["developerMetadata"][0]["metadataValue"] == "acme-2"
    state = (
        sheets.spreadsheets()
        .get(
            spreadsheetId=spreadsheet_id,
            fields="namedRanges(name),developerMetadata(metadataValue),"
            "sheets(conditionalFormats,protectedRanges)",
        )
        .execute()
    )
    assert state == {
        "namedRanges": [{"name": "Item_IDs"}],
        "developerMetadata": [{"metadataValue": "acme-2"}],
        "sheets": [{}],
    }
    replies = _batch(
        sheets,
        spreadsheet_id,
        {"deleteNamedRange": {"namedRangeId": named_id}},
        {
            "deleteDeveloperMetadata": {
                "dataFilter": {"developerMetadataLookup": {"metadataKey": "mapws.plan"}}
            }
        },
    )
    assert replies[1]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"][0]["metadataId"] == metadata_id
    assert (
        sheets.spreadsheets()
        .get(spreadsheetId=spreadsheet_id, fields="namedRanges,developerMetadata")
        .execute()
        == {}
    )


def test_include_grid_data_without_a_mask(emulator, sheets):
    spreadsheet_id = emulator.seed_spreadsheet("Grid", sheets={"Sheet1": [["x", 1]]})
    full = sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, includeGridData=True).execute()
    data = full["sheets"][0]["data"][0]
    assert set(data) == {"rowData", "rowMetadata", "columnMetadata"}
    assert len(data["rowMetadata"]) == 1000 and data["rowMetadata"][0] == {"pixelSize": 21}
    cell = data["rowData"][0]["values"][1]
    assert set(cell) == {"userEnteredValue", "effectiveValue", "formattedValue", "effectiveFormat"}
    assert "data" not in sheets.spreadsheets().get(spreadsheetId=spreadsheet_id).execute()["sheets"][0]


def test_concurrent_writers_are_serialised(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Busy")
    version = emulator.file_version(spreadsheet_id)
    errors = []

    def writer(column: int) -> None:
        service = sheets_service(emulator)  # httplib2 objects are not thread-safe: one per thread
        try:
            for row in range(5):
                service.spreadsheets().values().update(
                    spreadsheetId=spreadsheet_id,
                    range=f"R{row + 1}C{column + 1}",
                    valueInputOption="RAW",
                    body={"values": [[f"{column}-{row}"]]},
                ).execute()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(column,)) for column in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    values = emulator.state()["spreadsheets"][spreadsheet_id]["sheets"][0]["values"]
    assert values == [[f"{c}-{r}" for c in range(4)] for r in range(5)]
    assert emulator.file_version(spreadsheet_id) == version + 20
    assert len([e for e in emulator.log_entries() if e["method"] == "PUT"]) == 20


def test_a_write_leaves_the_spreadsheet_it_started_from_as_it_was(emulator, sheets):
    """Writes copy only what they change (issue 8): the cells are shared between the spreadsheet a
    write started from and its result, so no writer may edit a cell in place. Every kind of cell
    write, applied by successful batches and value calls, leaves the old state (held here, as a
    Drive copy or a saved state would hold it) byte for byte as it was; a refused batch changes
    nothing."""
    import pickle

    spreadsheet_id = emulator.seed_spreadsheet(
        "Shared cells",
        sheets={"Plan": [["ID", "Due", "Next"], ["T-01", "2026-05-01", "=B2+7"], ["T-02", "2026-05-03", "=B3+7"],
                         ["T-03", "note me", "=SUM(B2:B3)"]],
                "Other": [["=Plan!C2", "=Plan!B3"]]},
    )
    plan = next(s.sheet_id for s in emulator.core.spreadsheets[spreadsheet_id].sheets if s.title == "Plan")
    steps = [
        [{"insertDimension": {"range": {"sheetId": plan, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}],
        [{"findReplace": {"find": "T-0", "replacement": "X-0", "allSheets": True, "includeFormulas": True}}],
        [{"findReplace": {"find": "B", "replacement": "B", "allSheets": True, "includeFormulas": True}}],
        [{"updateCells": {"range": _grid(plan, 2, 3, 0, 3), "fields": "note,userEnteredFormat.textFormat.bold",
                          "rows": [{"values": [{"note": "n"},
                                               {"userEnteredFormat": {"textFormat": {"bold": True}}}]}]}}],
        [{"sortRange": {"range": _grid(plan, 1, 5, 0, 3), "sortSpecs": [{"dimensionIndex": 0,
                                                                         "sortOrder": "DESCENDING"}]}}],
        [{"copyPaste": {"source": _grid(plan, 2, 3, 0, 3), "destination": _grid(plan, 6, 7, 0, 3)}}],
        [{"cutPaste": {"source": _grid(plan, 6, 7, 0, 3), "destination": {"sheetId": plan, "rowIndex": 8,
                                                                            "columnIndex": 0}}}],
        [{"deleteDimension": {"range": {"sheetId": plan, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}],
        [{"repeatCell": {"range": _grid(plan, 1, 4, 1, 2), "fields": "userEnteredFormat.numberFormat",
                         "cell": {"userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy"}}}}}],
    ]
    values = sheets.spreadsheets().values()
    calls = [lambda: values.clear(spreadsheetId=spreadsheet_id, range="Plan!A2:B3", body={}).execute(),
             lambda: values.update(spreadsheetId=spreadsheet_id, range="Plan!C2", valueInputOption="RAW",
                                   body={"values": [["x"]]}).execute(),
             lambda: values.append(spreadsheetId=spreadsheet_id, range="Plan!A1", valueInputOption="RAW",
                                   insertDataOption="INSERT_ROWS", body={"values": [["y"]]}).execute()]
    calls = [(lambda requests=requests: _batch(sheets, spreadsheet_id, *requests)) for requests in steps] + calls
    for call in calls:
        before = emulator.core.spreadsheets[spreadsheet_id]
        frozen = pickle.dumps(before)
        call()
        assert emulator.core.spreadsheets[spreadsheet_id] is not before
        assert pickle.dumps(before) == frozen, "a write changed the spreadsheet it started from"
    before = emulator.core.spreadsheets[spreadsheet_id]
    frozen = pickle.dumps(before)
    with pytest.raises(HttpError):
        _batch(sheets, spreadsheet_id, *steps[0], {"deleteSheet": {"sheetId": 987654}})
    assert emulator.core.spreadsheets[spreadsheet_id] is before and pickle.dumps(before) == frozen


def test_a_get_by_named_ranges_returns_only_the_sheets_they_cover(emulator, sheets):
    """What the product's read relies on (Sheets API docs: "Limiting the range returns only the
    portions of the spreadsheet that intersect the requested ranges"; named ranges are A1 notation):
    sheets no range covers are left out, a range's sheet comes back with its data limited to the
    range, spreadsheet-level fields come back whole, and a name the spreadsheet lacks is a 400
    "Unable to parse range" for the whole call. A whole-sheet named range (a GridRange of its sheet
    ID alone) stays unbounded when the grid grows."""
    spreadsheet_id = emulator.seed_spreadsheet(
        "Named", sheets={"Plan": [["ID", "Due"], ["T-01", 3]], "Gantt": [["ID", "W1"], ["T-01", "x"]],
                         "Notes": [["ours"]]})
    ids = {s["properties"]["title"]: s["properties"]["sheetId"]
           for s in sheets.spreadsheets().get(spreadsheetId=spreadsheet_id).execute()["sheets"]}
    _batch(sheets, spreadsheet_id,
           {"addNamedRange": {"namedRange": {"name": "mark_Plan", "range": {"sheetId": ids["Plan"]}}}},
           {"addNamedRange": {"namedRange": {"name": "mark_Gantt", "range": _grid(ids["Gantt"], 0, 1, 0, 1)}}},
           {"appendDimension": {"sheetId": ids["Plan"], "dimension": "ROWS", "length": 10}})
    fields = ("namedRanges(name,range),sheets(properties(title),"
              "data(startRow,startColumn,rowData(values(userEnteredValue))))")
    got = sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, ranges=["mark_Plan", "mark_Gantt"],
                                    fields=fields).execute()
    assert [s["properties"]["title"] for s in got["sheets"]] == ["Plan", "Gantt"]
    rows = {s["properties"]["title"]: [[v["userEnteredValue"] for v in r["values"]] for d in s["data"]
                                       for r in d["rowData"]] for s in got["sheets"]}
    assert rows["Plan"] == [[{"stringValue": "ID"}, {"stringValue": "Due"}],
                            [{"stringValue": "T-01"}, {"numberValue": 3}]]
    assert rows["Gantt"] == [[{"stringValue": "ID"}]]
    whole = {n["name"]: n["range"] for n in got["namedRanges"]}["mark_Plan"]
    assert whole.get("sheetId", 0) == ids["Plan"] and set(whole) <= {"sheetId"}  # zeros are left out
    with pytest.raises(HttpError) as refused:
        sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, ranges=["mark_Plan", "mark_Risks"],
                                  fields=fields).execute()
    assert refused.value.resp.status == 400 and "Unable to parse range: mark_Risks" in str(refused.value)


def test_the_products_colours_come_back_from_sheets_as_the_same_eight_bits():
    """Sheets keeps 8 bits per channel by flooring; a channel rounded down to 4 decimals came back one lower."""
    from map_workspace.backends.google.sheets_io import rgb
    from tests.google_emulator.sheets_model import clean_color

    for hex_colour in ("E06666", "F6B26B", "93C47D", "FFFFFF", "010203", "FEFEFE"):
        kept = clean_color(rgb(hex_colour))
        back = "".join(f"{round(kept.get(name, 0.0) * 255):02X}" for name in ("red", "green", "blue"))
        assert back == hex_colour
