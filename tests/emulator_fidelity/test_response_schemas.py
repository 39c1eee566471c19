"""The emulator's own answers use only fields the discovery documents define (nothing invented)."""

from __future__ import annotations

from tests.google_emulator.clients import docs_service, drive_service, sheets_service
from tests.google_emulator.discovery import response_problems


def test_responses_conform_to_the_discovery_schemas(emulator):
    sheets, drive, docs = sheets_service(emulator), drive_service(emulator), docs_service(emulator)
    spreadsheet_id = emulator.seed_spreadsheet("Plan", sheets={"Plan": [["ID", "Due"], ["T-01", "=TODAY()"]]})
    rows = {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3}
    sheets.spreadsheets().batchUpdate(
        spreadsheetId=spreadsheet_id,
        body={
            "requests": [
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
                                "format": {"backgroundColor": {"red": 1}},
                            },
                        },
                    }
                },
                {
                    "addProtectedRange": {
                        "protectedRange": {"range": {"sheetId": 0, "endRowIndex": 1}, "warningOnly": True}
                    }
                },
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": "row",
                            "visibility": "DOCUMENT",
                            "location": {
                                "dimensionRange": {
                                    "sheetId": 0,
                                    "dimension": "ROWS",
                                    "startIndex": 1,
                                    "endIndex": 2,
                                }
                            },
                        }
                    }
                },
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": "tab",
                            "visibility": "DOCUMENT",
                            "location": {"sheetId": 0},
                        }
                    }
                },
                {"setBasicFilter": {"filter": {"range": {"sheetId": 0}}}},
                {
                    "mergeCells": {
                        "range": {
                            **rows,
                            "startRowIndex": 5,
                            "endRowIndex": 6,
                            "startColumnIndex": 0,
                            "endColumnIndex": 2,
                        }
                    }
                },
                {
                    "setDataValidation": {
                        "range": {**rows, "startColumnIndex": 1, "endColumnIndex": 2},
                        "rule": {"condition": {"type": "DATE_IS_VALID"}},
                    }
                },
                {
                    "addDimensionGroup": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3}
                    }
                },
                {"addNamedRange": {"namedRange": {"name": "Items", "range": {"sheetId": 0}}}},
            ]
        },
    ).execute()
    answers = [
        (
            "sheets",
            "sheets.spreadsheets.get",
            sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, includeGridData=True).execute(),
        ),
        (
            "sheets",
            "sheets.spreadsheets.batchUpdate",
            sheets.spreadsheets()
            .batchUpdate(
                spreadsheetId=spreadsheet_id,
                body={
                    "includeSpreadsheetInResponse": True,
                    "requests": [
                        {"findReplace": {"find": "T", "replacement": "U", "allSheets": True}},
                        {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}},
                        {"addSheet": {}},
                        {"duplicateSheet": {"sourceSheetId": 0}},
                    ],
                },
            )
            .execute(),
        ),
        (
            "sheets",
            "sheets.spreadsheets.values.append",
            sheets.spreadsheets()
            .values()
            .append(
                spreadsheetId=spreadsheet_id,
                range="Plan",
                valueInputOption="RAW",
                includeValuesInResponse=True,
                body={"values": [["a"]]},
            )
            .execute(),
        ),
        (
            "sheets",
            "sheets.spreadsheets.values.batchGetByDataFilter",
            sheets.spreadsheets()
            .values()
            .batchGetByDataFilter(
                spreadsheetId=spreadsheet_id, body={"dataFilters": [{"a1Range": "Plan!A1:B2"}]}
            )
            .execute(),
        ),
        (
            "sheets",
            "sheets.spreadsheets.create",
            sheets.spreadsheets().create(body={"properties": {"title": "New"}}).execute(),
        ),
    ]
    file_id = (
        drive.files()
        .create(
            body={
                "name": "x",
                "mimeType": "application/vnd.google-apps.spreadsheet",
                "appProperties": {"mapws": "plan"},
            }
        )
        .execute()["id"]
    )
    drive.permissions().create(fileId=file_id, body={"type": "anyone", "role": "reader"}).execute()
    answers += [
        ("drive", "drive.files.get", drive.files().get(fileId=file_id, fields="*").execute()),
        ("drive", "drive.files.list", drive.files().list(fields="*").execute()),
        ("drive", "drive.permissions.list", drive.permissions().list(fileId=file_id, fields="*").execute()),
        ("drive", "drive.changes.list", drive.changes().list(pageToken="1", fields="*").execute()),
    ]
    document_id = docs.documents().create(body={"title": "Summary"}).execute()["documentId"]
    docs.documents().batchUpdate(
        documentId=document_id,
        body={
            "requests": [
                {"insertTable": {"rows": 1, "columns": 2, "location": {"index": 1}}},
                {"insertText": {"location": {"index": 1}, "text": "Where we are"}},
                {
                    "createParagraphBullets": {
                        "range": {"startIndex": 1, "endIndex": 3},
                        "bulletPreset": "NUMBERED_DECIMAL_NESTED",
                    }
                },
                {"insertPageBreak": {"location": {"index": 2}}},
            ]
        },
    ).execute()
    answers.append(("docs", "docs.documents.get", docs.documents().get(documentId=document_id).execute()))
    for api, method_id, body in answers:
        assert response_problems(api, method_id, body) == [], method_id
    assert response_problems("sheets", "sheets.spreadsheets.get", {"spreadsheetId": "x", "invented": 1}) == [
        'Invalid JSON payload received. Unknown name "invented": Cannot find field.'
    ]
