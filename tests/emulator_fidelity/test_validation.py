"""Request bodies are checked against the discovery documents, as Google's strict APIs do."""

from __future__ import annotations

import json

import pytest
import requests

from tests.google_emulator import validate_request


def _post(emulator, path, body):
    return requests.post(
        emulator.base_url + path,
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )


def test_unknown_field_is_a_400_with_googles_body(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Strict")
    response = _post(
        emulator,
        f"/v4/spreadsheets/{spreadsheet_id}:batchUpdate",
        {"requests": [{"updateCells": {"range": {"sheetId": 0}, "fields": "note", "foo": 1}}]},
    )
    assert response.status_code == 400
    message = (
        "Invalid JSON payload received. Unknown name \"foo\" at 'requests[0].update_cells': "
        "Cannot find field."
    )
    assert response.json() == {
        "error": {
            "code": 400,
            "message": message,
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": "requests[0].update_cells", "description": message}],
                }
            ],
        }
    }


def test_wrong_enum_and_wrong_type_are_400s(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Strict")
    bad_enum = _post(
        emulator,
        f"/v4/spreadsheets/{spreadsheet_id}:batchUpdate",
        {"requests": [{"addSheet": {"properties": {"sheetType": "SPREADSHEET"}}}]},
    )
    assert bad_enum.status_code == 400
    assert bad_enum.json()["error"]["message"] == (
        "Invalid value at 'requests[0].add_sheet.properties.sheet_type' "
        '(type.googleapis.com/google.apps.sheets.v4.SheetType), "SPREADSHEET"'
    )
    bad_type = requests.put(
        emulator.base_url + f"/v4/spreadsheets/{spreadsheet_id}/values/A1?valueInputOption=RAW",
        data=json.dumps({"values": "X"}),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert bad_type.status_code == 400
    assert bad_type.json()["error"]["message"] == (
        "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""
    )
    docs_unknown = _post(emulator, "/v1/documents", {"title": "x", "tittle": "typo"})
    assert docs_unknown.status_code == 400
    # nothing was applied
    assert [s["title"] for s in emulator.state()["spreadsheets"][spreadsheet_id]["sheets"]] == ["Sheet1"]
    assert emulator.state(spreadsheets=False)["documents"] == {}


def test_drive_is_lenient_but_the_log_records_the_violation(emulator):
    response = _post(emulator, "/drive/v3/files", {"name": "x", "withLink": True})
    assert response.status_code == 200
    entry = emulator.log_entries()[-1]
    assert entry["schema_violations"] == [
        'Invalid JSON payload received. Unknown name "withLink": Cannot find field.'
    ]


@pytest.mark.parametrize(
    ("api", "method", "body"),
    [
        (
            "sheets",
            "sheets.spreadsheets.batchUpdate",
            {
                "requests": [
                    {
                        "updateCells": {
                            "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                            "rows": [
                                {
                                    "values": [
                                        {
                                            "userEnteredValue": {"numberValue": 46150},
                                            "note": "n",
                                            "userEnteredFormat": {
                                                "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}
                                            },
                                        }
                                    ]
                                }
                            ],
                            "fields": "userEnteredValue,userEnteredFormat.numberFormat,note",
                        }
                    }
                ]
            },
        ),
        (
            "sheets",
            "sheets.spreadsheets.values.update",
            {"values": [[1, "a", True, None]], "majorDimension": "ROWS"},
        ),
        ("sheets", "sheets.spreadsheets.getByDataFilter", {"dataFilters": [{"gridRange": {"sheetId": 3}}]}),
        (
            "drive",
            "drive.permissions.create",
            {"type": "user", "role": "writer", "emailAddress": "a@b.example"},
        ),
        (
            "docs",
            "docs.documents.batchUpdate",
            {
                "requests": [{"insertTable": {"rows": 2, "columns": 2, "location": {"index": 1}}}],
                "writeControl": {"requiredRevisionId": "abc"},
            },
        ),
    ],
)
def test_valid_requests_pass(api, method, body):
    assert validate_request(api, method, body) == []


def test_validate_request_reports_each_problem():
    problems = validate_request(
        "sheets",
        "sheets.spreadsheets.batchUpdate",
        {
            "requests": [
                {
                    "repeatCell": {
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": "yes"}}},
                        "fields": "*",
                    }
                },
                {"mergeCells": {"mergeType": "MERGE_EVERYTHING"}},
            ],
            "extra": 1,
        },
    )
    assert problems == [
        "Invalid value at 'requests[0].repeat_cell.cell.user_entered_format.text_format.bold' "
        '(TYPE_BOOL), "yes"',
        "Invalid value at 'requests[1].merge_cells.merge_type' "
        '(type.googleapis.com/google.apps.sheets.v4.MergeType), "MERGE_EVERYTHING"',
        'Invalid JSON payload received. Unknown name "extra": Cannot find field.',
    ]


def test_query_parameters_are_checked_for_sheets(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Query")
    bad_enum = requests.get(
        f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}/values/A1?valueRenderOption=PRETTY", timeout=10
    )
    assert bad_enum.status_code == 400
    assert bad_enum.json()["error"]["message"] == (
        "Invalid value at 'value_render_option' "
        '(type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), "PRETTY"'
    )
    unknown = requests.get(
        f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}?includeGridDta=true", timeout=10
    )
    assert unknown.status_code == 400
    assert "Cannot bind query parameter" in unknown.json()["error"]["message"]
    python_style = requests.get(
        f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}?includeGridData=False", timeout=10
    )
    assert python_style.status_code == 200  # gspread sends Python's True/False and Google accepts them
