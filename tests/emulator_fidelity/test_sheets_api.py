"""Sheets v4 through google-api-python-client: masks, data filters, atomic batches, values options."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from tests.google_emulator.clients import sheets_service


@pytest.fixture
def sheets(emulator):
    return sheets_service(emulator)


def _plan(emulator) -> str:
    return emulator.seed_spreadsheet(
        "Plan",
        sheets={
            "Overview": [["Deal", "Acme"]],
            "Plan": [["ID", "Due", "Status"], ["T-01", "2026-05-01", "Done"], ["T-02", "=B2+7", ""]],
        },
    )


def test_get_with_parenthesised_and_dotted_masks(emulator, sheets):
    spreadsheet_id = _plan(emulator)
    nested = (
        sheets.spreadsheets()
        .get(
            spreadsheetId=spreadsheet_id,
            ranges=["'Plan'!A1:C3"],
            fields="sheets(properties(sheetId,title),data(rowData(values(userEnteredValue,effectiveValue,"
            "formattedValue,effectiveFormat/numberFormat,note))))",
        )
        .execute()
    )
    dotted = (
        sheets.spreadsheets()
        .get(
            spreadsheetId=spreadsheet_id,
            ranges=["'Plan'!A1:C3"],
            fields="sheets.properties.sheetId,sheets.properties.title,sheets.data.rowData.values.userEnteredValue,"
            "sheets.data.rowData.values.effectiveValue,sheets.data.rowData.values.formattedValue,"
            "sheets.data.rowData.values.effectiveFormat.numberFormat,sheets.data.rowData.values.note",
        )
        .execute()
    )
    assert nested == dotted
    assert len(nested["sheets"]) == 1  # only the tab named in ranges
    rows = nested["sheets"][0]["data"][0]["rowData"]
    due = rows[1]["values"][1]
    assert due["userEnteredValue"] == {"numberValue": 46143}
    assert due["formattedValue"] == "2026-05-01"
    assert due["effectiveFormat"] == {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
    computed = rows[2]["values"][1]
    assert computed["userEnteredValue"] == {"formulaValue": "=B2+7"}
    assert computed["effectiveValue"] == {"numberValue": 46150}
    assert len(rows[2]["values"]) == 2  # the empty C3 is trimmed, as Google trims trailing cells
    assert "note" not in due


def test_unmasked_get_omits_empty_fields(emulator, sheets):
    spreadsheet = sheets.spreadsheets().get(spreadsheetId=_plan(emulator)).execute()
    first = spreadsheet["sheets"][0]
    assert set(first) == {"properties"}  # no merges, rules, protectedRanges, basicFilter, data
    assert set(spreadsheet) == {"spreadsheetId", "properties", "sheets", "spreadsheetUrl"}
    assert spreadsheet["properties"]["defaultFormat"]["textFormat"]["fontSize"] == 10


def test_get_by_data_filter_survives_a_renamed_tab(emulator, sheets):
    spreadsheet_id = _plan(emulator)
    plan_id = (
        sheets.spreadsheets()
        .get(spreadsheetId=spreadsheet_id)
        .execute()["sheets"][1]["properties"]["sheetId"]
    )
    sheets.spreadsheets().batchUpdate(
        spreadsheetId=spreadsheet_id,
        body={
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": plan_id, "title": "Our plan"},
                        "fields": "title",
                    }
                }
            ]
        },
    ).execute()
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, ranges=["'Plan'!A1:C3"]).execute()
    assert caught.value.resp.status == 400
    assert "Unable to parse range: 'Plan'!A1:C3" in caught.value.content.decode()
    found = (
        sheets.spreadsheets()
        .getByDataFilter(
            spreadsheetId=spreadsheet_id,
            fields="sheets(properties(title),data(rowData(values(formattedValue))))",
            body={"dataFilters": [{"gridRange": {"sheetId": plan_id, "startRowIndex": 0, "endRowIndex": 2}}]},
        )
        .execute()
    )
    assert found["sheets"][0]["properties"]["title"] == "Our plan"
    assert [
        [v.get("formattedValue") for v in row["values"]] for row in found["sheets"][0]["data"][0]["rowData"]
    ] == [["ID", "Due", "Status"], ["T-01", "2026-05-01", "Done"]]


def test_batch_update_is_atomic(emulator, sheets):
    spreadsheet_id = _plan(emulator)
    version = emulator.file_version(spreadsheet_id)
    body = {
        "requests": [
            {
                "updateCells": {
                    "range": {
                        "sheetId": 0,
                        "startRowIndex": 0,
                        "endRowIndex": 1,
                        "startColumnIndex": 0,
                        "endColumnIndex": 1,
                    },
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "changed"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            {"deleteProtectedRange": {"protectedRangeId": 12345}},
        ]
    }
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().batchUpdate(spreadsheetId=spreadsheet_id, body=body).execute()
    assert caught.value.resp.status == 400
    assert (
        "Invalid requests[1].deleteProtectedRange: No protected range with id: 12345"
        in caught.value.content.decode()
    )
    values = sheets.spreadsheets().values().get(spreadsheetId=spreadsheet_id, range="Overview!A1").execute()
    assert values["values"] == [["Deal"]]
    assert emulator.file_version(spreadsheet_id) == version


def test_the_products_write_batch(emulator, sheets):
    spreadsheet_id = _plan(emulator)
    plan = (
        sheets.spreadsheets()
        .get(spreadsheetId=spreadsheet_id)
        .execute()["sheets"][1]["properties"]["sheetId"]
    )
    rows = {
        "sheetId": plan,
        "startRowIndex": 1,
        "endRowIndex": 200,
        "startColumnIndex": 0,
        "endColumnIndex": 3,
    }
    reply = (
        sheets.spreadsheets()
        .batchUpdate(
            spreadsheetId=spreadsheet_id,
            body={
                "requests": [
                    {
                        "updateSpreadsheetProperties": {
                            "properties": {"timeZone": "Europe/Berlin", "autoRecalc": "HOUR"},
                            "fields": "timeZone,autoRecalc",
                        }
                    },
                    {
                        "updateCells": {
                            "range": {**rows, "endRowIndex": 2, "endColumnIndex": 1},
                            "rows": [
                                {
                                    "values": [
                                        {"userEnteredValue": {"stringValue": "T-01"}, "note": "[mapws] x"}
                                    ]
                                }
                            ],
                            "fields": "userEnteredValue,userEnteredFormat.numberFormat,note",
                        }
                    },
                    {
                        "setDataValidation": {
                            "range": {**rows, "startColumnIndex": 2},
                            "rule": {
                                "condition": {
                                    "type": "ONE_OF_LIST",
                                    "values": [{"userEnteredValue": "Done"}],
                                },
                                "strict": False,
                                "showCustomUi": True,
                            },
                        }
                    },
                    {
                        "addConditionalFormatRule": {
                            "index": 0,
                            "rule": {
                                "ranges": [rows],
                                "booleanRule": {
                                    "condition": {
                                        "type": "CUSTOM_FORMULA",
                                        "values": [{"userEnteredValue": "=$B2<TODAY()"}],
                                    },
                                    "format": {
                                        "backgroundColorStyle": {
                                            "rgbColor": {"red": 0.96, "green": 0.8, "blue": 0.8}
                                        }
                                    },
                                },
                            },
                        }
                    },
                    {
                        "addProtectedRange": {
                            "protectedRange": {
                                "range": {**rows, "endColumnIndex": 1},
                                "description": "mapws: sync-owned",
                                "warningOnly": True,
                            }
                        }
                    },
                    {
                        "createDeveloperMetadata": {
                            "developerMetadata": {
                                "metadataKey": "mapws.item",
                                "metadataValue": "T-01",
                                "visibility": "DOCUMENT",
                                "location": {
                                    "dimensionRange": {
                                        "sheetId": plan,
                                        "dimension": "ROWS",
                                        "startIndex": 1,
                                        "endIndex": 2,
                                    }
                                },
                            }
                        }
                    },
                    {
                        "insertDimension": {
                            "range": {"sheetId": plan, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
                        }
                    },
                ]
            },
        )
        .execute()
    )
    replies = reply["replies"]
    assert replies[0] == {} and replies[1] == {}
    protected = replies[4]["addProtectedRange"]["protectedRange"]
    assert isinstance(protected["protectedRangeId"], int)
    assert protected["warningOnly"] is True and protected["description"] == "mapws: sync-owned"
    metadata = replies[5]["createDeveloperMetadata"]["developerMetadata"]
    assert metadata["location"] == {
        "locationType": "ROW",
        "dimensionRange": {"sheetId": plan, "dimension": "ROWS", "startIndex": 1, "endIndex": 2},
    }
    read = (
        sheets.spreadsheets()
        .get(
            spreadsheetId=spreadsheet_id,
            ranges=["'Plan'!A1:C3"],
            fields="properties(timeZone,autoRecalc),sheets(conditionalFormats,protectedRanges,"
            "data(rowMetadata(developerMetadata),rowData(values(note,dataValidation))))",
        )
        .execute()
    )
    assert read["properties"] == {"timeZone": "Europe/Berlin", "autoRecalc": "HOUR"}
    sheet = read["sheets"][0]
    # the inserted row moved the rule, the protection and the metadata one row down
    assert sheet["conditionalFormats"][0]["ranges"][0]["startRowIndex"] == 2
    assert sheet["protectedRanges"][0]["range"]["startRowIndex"] == 2
    row_metadata = sheet["data"][0]["rowMetadata"]
    assert "developerMetadata" not in row_metadata[1]
    assert row_metadata[2]["developerMetadata"][0]["metadataValue"] == "T-01"
    assert sheet["data"][0]["rowData"][2]["values"][0]["note"] == "[mapws] x"
    assert sheet["data"][0]["rowData"][2]["values"][2]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"


def test_values_operations(emulator, sheets):
    spreadsheet_id = emulator.seed_spreadsheet("Values")
    values = sheets.spreadsheets().values()
    update = values.update(
        spreadsheetId=spreadsheet_id,
        range="Sheet1!A1",
        valueInputOption="USER_ENTERED",
        body={"values": [["=2*3", "03/04/2026", "12%", "TRUE", "'007"]]},
    ).execute()
    assert update["updatedRange"] == "Sheet1!A1:E1" and update["updatedCells"] == 5
    read = values.get(
        spreadsheetId=spreadsheet_id, range="Sheet1!A1:E1", valueRenderOption="UNFORMATTED_VALUE"
    ).execute()
    assert read["values"] == [[6, 46085, 0.12, True, "007"]]
    appended = values.append(
        spreadsheetId=spreadsheet_id,
        range="Sheet1",
        valueInputOption="RAW",
        body={"values": [["=not a formula"]]},
    ).execute()
    assert appended["tableRange"] == "Sheet1!A1:E1"
    assert appended["updates"]["updatedRange"] == "Sheet1!A2"
    batch = values.batchGet(
        spreadsheetId=spreadsheet_id, ranges=["A2", "Sheet1!E1"], valueRenderOption="FORMULA"
    ).execute()
    assert [r["values"] for r in batch["valueRanges"]] == [[["=not a formula"]], [["007"]]]
    values.batchClear(spreadsheetId=spreadsheet_id, body={"ranges": ["Sheet1!A1:B1"]}).execute()
    assert values.get(spreadsheetId=spreadsheet_id, range="Sheet1!A1:C1").execute()["values"] == [
        ["", "", "12%"]
    ]
    with pytest.raises(HttpError) as caught:
        values.update(spreadsheetId=spreadsheet_id, range="Sheet1!A1", body={"values": [["x"]]}).execute()
    assert caught.value.resp.status == 400


def test_missing_and_forbidden_spreadsheets(emulator, sheets):
    private = emulator.seed_spreadsheet("Private", owner="someone@example.com")
    token = emulator.issue_token("rep@seller.example")
    from google.oauth2.credentials import Credentials

    as_rep = sheets_service(emulator, Credentials(token))
    with pytest.raises(HttpError) as caught:
        as_rep.spreadsheets().get(spreadsheetId=private).execute()
    assert caught.value.resp.status == 403
    assert b"The caller does not have permission" in caught.value.content
    with pytest.raises(HttpError) as caught:
        as_rep.spreadsheets().get(spreadsheetId="no-such-spreadsheet").execute()
    assert caught.value.resp.status == 404
    shared = emulator.seed_spreadsheet(
        "Shared", owner="someone@example.com", shared_with={"rep@seller.example": "reader"}
    )
    assert as_rep.spreadsheets().get(spreadsheetId=shared).execute()["properties"]["title"] == "Shared"
    with pytest.raises(HttpError) as caught:
        as_rep.spreadsheets().values().update(
            spreadsheetId=shared, range="A1", valueInputOption="RAW", body={"values": [["x"]]}
        ).execute()
    assert caught.value.resp.status == 403


@pytest.mark.parametrize("api", ["sheets", "drive"])
def test_answers_are_indented_unless_prettyprint_is_false(emulator, api):
    """Google's standard ``prettyPrint`` parameter: answers are indented by default and on one line
    with ``prettyPrint=false``, the same JSON either way; the log keeps the bytes sent."""

    import requests

    spreadsheet_id = _plan(emulator)
    url = (f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}" if api == "sheets"
           else f"{emulator.base_url}/drive/v3/files/{spreadsheet_id}")
    emulator.log.clear()
    pretty = requests.get(url, params={"fields": "*"} if api == "sheets" else {}, timeout=10)
    compact = requests.get(url, params={"prettyPrint": "false", **({"fields": "*"} if api == "sheets" else {})},
                           timeout=10)
    assert pretty.status_code == compact.status_code == 200
    assert pretty.json() == compact.json()
    assert pretty.text.startswith('{\n  "') and "\n" not in compact.text and '": ' not in compact.text
    assert len(compact.content) < len(pretty.content)
    logged = [e["response_bytes"] for e in emulator.log_entries()]
    assert logged == [len(pretty.content), len(compact.content)]


@pytest.mark.parametrize("fields", [
    "sheets(properties(title),data(rowData(values(userEnteredValue,note,effectiveFormat(numberFormat(type))))))",
    "sheets.data.rowData.values(userEnteredValue,formattedValue)",
    "sheets.data(rowMetadata,rowData.values.effectiveValue)",
    "sheets.data.columnMetadata.pixelSize",
])
def test_a_masked_read_is_the_full_read_masked(emulator, sheets, fields):
    """The emulator evaluates formulas and builds row and column metadata only for a read whose
    mask keeps them: whatever the mask, the answer is the full answer with the mask applied."""
    from tests.google_emulator.fieldmask import apply_mask, parse_mask

    spreadsheet_id = _plan(emulator)
    full = sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, includeGridData=True).execute()
    masked = sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, fields=fields).execute()
    assert masked == apply_mask(full, parse_mask(fields))
    assert masked.get("sheets")
