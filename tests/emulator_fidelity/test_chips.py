"""Smart chips (issue 10, item 4): a person chip is a "@" placeholder in the cell's text and a
chip run naming the person (CellData.chipRuns → ChipRun → Chip.personProperties{email,
displayFormat}, as the Sheets discovery document has them). Written with updateCells and a mask
that includes chipRuns, stored, and returned with every run of the text."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from tests.google_emulator.clients import sheets_service

DANA = {"personProperties": {"email": "dana@acme.example", "displayFormat": "DEFAULT"}}
DOC = {"richLinkProperties": {"uri": "https://docs.google.com/document/d/abc/edit"}}


def _write(sheets, spreadsheet_id, cell, fields="userEnteredValue,chipRuns"):
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
                    "rows": [{"values": [cell]}],
                    "fields": fields,
                }
            }
        ]
    }
    return sheets.batchUpdate(spreadsheetId=spreadsheet_id, body=body).execute()


def _read(sheets, spreadsheet_id, fields="userEnteredValue,chipRuns"):
    data = sheets.get(
        spreadsheetId=spreadsheet_id, ranges=["A1"], fields=f"sheets(data(rowData(values({fields}))))"
    ).execute()
    rows = data["sheets"][0]["data"][0].get("rowData") or [{}]
    return (rows[0].get("values") or [{}])[0]


@pytest.fixture
def sheet(emulator):
    return sheets_service(emulator).spreadsheets(), emulator.seed_spreadsheet("Chips")


def test_a_person_chip_is_stored_and_returned(sheet):
    sheets, spreadsheet_id = sheet
    _write(sheets, spreadsheet_id, {"userEnteredValue": {"stringValue": "@"}, "chipRuns": [{"chip": DANA}]})
    assert _read(sheets, spreadsheet_id) == {"userEnteredValue": {"stringValue": "@"}, "chipRuns": [{"chip": DANA}]}
    # a read that does not ask for chipRuns does not get them
    assert _read(sheets, spreadsheet_id, "userEnteredValue") == {"userEnteredValue": {"stringValue": "@"}}


def test_chips_among_text_come_back_with_the_plain_runs(sheet):
    sheets, spreadsheet_id = sheet
    text = "@ is the owner of @."
    _write(
        sheets,
        spreadsheet_id,
        {"userEnteredValue": {"stringValue": text}, "chipRuns": [{"chip": DANA}, {"startIndex": 18, "chip": DOC}]},
    )
    assert _read(sheets, spreadsheet_id)["chipRuns"] == [
        {"chip": DANA},
        {"startIndex": 1},
        {"startIndex": 18, "chip": DOC},
        {"startIndex": 19},
    ]


@pytest.mark.parametrize(
    "cell",
    [
        {"userEnteredValue": {"stringValue": "Dana"}, "chipRuns": [{"chip": DANA}]},  # no placeholder
        {
            "userEnteredValue": {"stringValue": "@"},
            "chipRuns": [{"chip": {"personProperties": {"displayFormat": "EMAIL"}}}],
        },
        {"userEnteredValue": {"stringValue": "@"}, "chipRuns": [{"chip": {**DANA, **DOC}}]},
        {
            "userEnteredValue": {"stringValue": "@"},
            "chipRuns": [{"chip": {"richLinkProperties": {"uri": "https://example.com/x"}}}],
        },
        {"userEnteredValue": {"numberValue": 3}, "chipRuns": [{"chip": DANA}]},
    ],
)
def test_a_chip_off_its_placeholder_or_without_a_person_is_refused(sheet, cell):
    sheets, spreadsheet_id = sheet
    with pytest.raises(HttpError) as caught:
        _write(sheets, spreadsheet_id, cell)
    assert caught.value.resp.status == 400
    assert caught.value.reason.startswith("Invalid requests[0].updateCells: ")
    assert _read(sheets, spreadsheet_id) == {}


def test_new_text_drops_the_chips_a_note_keeps_them(sheet):
    sheets, spreadsheet_id = sheet
    _write(sheets, spreadsheet_id, {"userEnteredValue": {"stringValue": "@"}, "chipRuns": [{"chip": DANA}]})
    _write(sheets, spreadsheet_id, {"note": "[mapws] hi"}, fields="note")
    assert _read(sheets, spreadsheet_id, "userEnteredValue,chipRuns,note") == {
        "userEnteredValue": {"stringValue": "@"},
        "chipRuns": [{"chip": DANA}],
        "note": "[mapws] hi",
    }
    sheets.values().update(
        spreadsheetId=spreadsheet_id, range="A1", valueInputOption="RAW", body={"values": [["Dana Tanaka"]]}
    ).execute()
    assert _read(sheets, spreadsheet_id) == {"userEnteredValue": {"stringValue": "Dana Tanaka"}}
