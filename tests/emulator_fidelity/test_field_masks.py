"""`fields` masks are checked against the discovery schema of the method's response, as Google's
front end does (issue 10, item 10): a path the response does not have is a 400 before anything
runs — Sheets and Docs with "Error expanding 'fields' parameter…", Drive with its legacy
"Invalid field selection"."""

from __future__ import annotations

import pytest
import requests
from googleapiclient.errors import HttpError

from map_workspace.backends.google.drive_files import FILE_FIELDS, LIST_FIELDS
from map_workspace.backends.google.drive_state import STATE_FIELDS
from map_workspace.backends.google.permissions import PERMISSION_FIELDS
from map_workspace.backends.google.sheets_io import READ_FIELDS
from map_workspace.backends.google.templates import TEMPLATE_FIELDS
from tests.google_emulator.clients import docs_service, drive_service, sheets_service
from tests.google_emulator.discovery import fields_problem


def test_a_bogus_sheets_mask_is_googles_400(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Masks", sheets={"Plan": [["ID"]]})
    response = requests.get(f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}?fields=bogus", timeout=10)
    assert response.status_code == 400
    description = "Error expanding 'fields' parameter. Cannot find matching fields for path 'bogus'."
    assert response.json() == {
        "error": {
            "code": 400,
            "message": "Request contains an invalid argument.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": "bogus", "description": description}],
                }
            ],
        }
    }


def test_a_deep_bad_path_is_named_in_full(emulator):
    """The recorded real answer names the whole dotted path of the first unknown field."""
    spreadsheet_id = emulator.seed_spreadsheet("Masks", sheets={"Plan": [["ID"]]})
    mask = "sheets(properties(sheetId,title),data(rowData(values(formattedValue,effectiveFormat(numberFormat,type)))))"
    with pytest.raises(HttpError) as caught:
        sheets_service(emulator).spreadsheets().get(spreadsheetId=spreadsheet_id, fields=mask).execute()
    assert caught.value.resp.status == 400
    assert caught.value.error_details == [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [
                {
                    "field": mask,
                    "description": "Error expanding 'fields' parameter. Cannot find "
                    "matching fields for path 'sheets.data.rowData.values.effectiveFormat.type'.",
                }
            ],
        }
    ]


def test_values_and_batch_update_masks_are_checked_against_their_own_responses(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Masks", sheets={"Plan": [["ID"]]})
    sheets = sheets_service(emulator).spreadsheets()
    assert sheets.values().get(spreadsheetId=spreadsheet_id, range="Plan!A1", fields="values").execute() == {
        "values": [["ID"]]
    }
    with pytest.raises(HttpError) as caught:  # `sheets` is a Spreadsheet field, not a ValueRange one
        sheets.values().get(spreadsheetId=spreadsheet_id, range="Plan!A1", fields="sheets").execute()
    assert caught.value.resp.status == 400
    body = {"requests": [{"updateSpreadsheetProperties": {"properties": {"title": "X"}, "fields": "title"}}]}
    with pytest.raises(HttpError):
        sheets.batchUpdate(spreadsheetId=spreadsheet_id, body=body, fields="replies,bogus").execute()
    assert emulator.state()["spreadsheets"][spreadsheet_id]["title"] == "Masks"  # refused before it ran
    assert sheets.batchUpdate(spreadsheetId=spreadsheet_id, body=body, fields="spreadsheetId").execute() == {
        "spreadsheetId": spreadsheet_id
    }


def test_drive_answers_invalid_field_selection(emulator):
    file_id = emulator.seed_spreadsheet("Masks")
    drive = drive_service(emulator)
    with pytest.raises(HttpError) as caught:
        drive.files().get(fileId=file_id, fields="files(id)").execute()  # a FileList field on a File
    assert caught.value.resp.status == 400
    error = caught.value.error_details[0]
    assert error["message"] == "Invalid field selection files"
    assert (error["reason"], error["location"]) == ("invalidParameter", "fields")
    with pytest.raises(HttpError):
        drive.files().list(fields="nextPageToken,files(id,bogus)").execute()
    # maps take any key, and * any field
    assert drive.files().get(fileId=file_id, fields="appProperties/mapws,*").execute()["id"] == file_id


def test_docs_masks_are_checked(emulator):
    document_id = emulator.seed_document("Summary", text="Hello")
    docs = docs_service(emulator).documents()
    assert docs.get(documentId=document_id, fields="revisionId,body(content(endIndex))").execute()["revisionId"]
    with pytest.raises(HttpError) as caught:
        docs.get(documentId=document_id, fields="body(content(text))").execute()
    assert caught.value.resp.status == 400
    assert "'body.content.text'" in caught.value.error_details[0]["fieldViolations"][0]["description"]


@pytest.mark.parametrize(
    ("api", "method", "mask"),
    [
        ("sheets", "sheets.spreadsheets.get", READ_FIELDS),
        ("sheets", "sheets.spreadsheets.get", TEMPLATE_FIELDS),
        ("drive", "drive.files.get", FILE_FIELDS),
        ("drive", "drive.files.create", FILE_FIELDS),
        ("drive", "drive.files.copy", FILE_FIELDS),
        ("drive", "drive.files.list", LIST_FIELDS),
        ("drive", "drive.files.get", STATE_FIELDS),
        ("drive", "drive.files.list", f"files({STATE_FIELDS})"),
        ("drive", "drive.permissions.list", PERMISSION_FIELDS),
    ],
)
def test_the_products_own_masks_are_valid(api, method, mask):
    assert fields_problem(api, method, mask) is None


@pytest.mark.parametrize(
    ("request_", "path"),
    [
        ({"updateCells": {"range": {"sheetId": 0}, "fields": "userEnteredValue,bogus"}}, "bogus"),
        (
            {"repeatCell": {"range": {"sheetId": 0}, "cell": {}, "fields": "userEnteredFormat.colour"}},
            "userEnteredFormat.colour",
        ),
        ({"updateSpreadsheetProperties": {"properties": {"title": "X"}, "fields": "title,zone"}}, "zone"),
        (
            {"updateSheetProperties": {"properties": {"sheetId": 0}, "fields": "gridProperties.rows"}},
            "gridProperties.rows",
        ),
    ],
)
def test_masks_inside_requests_are_checked_against_what_they_mask(emulator, request_, path):
    spreadsheet_id = emulator.seed_spreadsheet("Masks")
    with pytest.raises(HttpError) as caught:
        sheets_service(emulator).spreadsheets().batchUpdate(
            spreadsheetId=spreadsheet_id, body={"requests": [request_]}
        ).execute()
    assert caught.value.resp.status == 400
    kind = next(iter(request_))
    assert caught.value.reason == (
        f"Invalid requests[0].{kind}: Error expanding 'fields' parameter. Cannot find matching fields for path "
        f"'{path}'."
    )
