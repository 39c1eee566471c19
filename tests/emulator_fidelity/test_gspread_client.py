"""The real gspread, as a buyer's script would use it, against the emulator."""

from __future__ import annotations

import pytest

from tests.google_emulator.clients import gspread_client


@pytest.fixture
def client(emulator):
    return gspread_client(emulator)


def test_open_update_read_back(client, emulator):
    spreadsheet_id = emulator.seed_spreadsheet(
        "Deal plan", sheets={"Plan": [["ID", "Activity", "Due"], ["T-01", "Kickoff", "2026-05-01"]]}
    )
    spreadsheet = client.open_by_key(spreadsheet_id)
    worksheet = spreadsheet.worksheet("Plan")
    assert worksheet.get_all_values() == [["ID", "Activity", "Due"], ["T-01", "Kickoff", "2026-05-01"]]
    worksheet.update_cell(2, 2, "Kick-off call")
    worksheet.update([["T-02", "Security review", "=1+2"]], "A3", value_input_option="USER_ENTERED")
    worksheet.append_row(["T-03", "Legal", 5])
    assert worksheet.get_all_records() == [
        {"ID": "T-01", "Activity": "Kick-off call", "Due": "2026-05-01"},
        {"ID": "T-02", "Activity": "Security review", "Due": 3},
        {"ID": "T-03", "Activity": "Legal", "Due": 5},
    ]
    assert worksheet.acell("C3", value_render_option="FORMULA").value == "=1+2"


def test_raw_update_keeps_formula_text(client, emulator):
    spreadsheet = client.open_by_key(emulator.seed_spreadsheet("Raw"))
    worksheet = spreadsheet.sheet1
    worksheet.update([["=1+1", "2026-01-02"]], "A1", value_input_option="RAW")
    assert worksheet.get("A1:B1", value_render_option="UNFORMATTED_VALUE") == [["=1+1", "2026-01-02"]]
    worksheet.update([["=1+1", "2026-01-02"]], "A1", value_input_option="USER_ENTERED")
    assert worksheet.get("A1:B1", value_render_option="UNFORMATTED_VALUE") == [[2, 46024]]
    assert worksheet.get("A1:B1") == [["2", "2026-01-02"]]


def test_format_batch_update_and_add_worksheet(client, emulator):
    spreadsheet = client.open_by_key(emulator.seed_spreadsheet("Formats", sheets={"Sheet1": [["a", "b"]]}))
    worksheet = spreadsheet.sheet1
    worksheet.format("A1:B1", {"textFormat": {"bold": True}, "backgroundColor": {"red": 1, "green": 0.5}})
    worksheet.batch_update([{"range": "A2:B2", "values": [["x", "y"]]}, {"range": "D1", "values": [["z"]]}])
    new = spreadsheet.add_worksheet("Risks", rows=20, cols=5)
    assert [w.title for w in spreadsheet.worksheets()] == ["Sheet1", "Risks"]
    assert new.row_count == 20 and new.col_count == 5
    cell_format = client.http_client.fetch_sheet_metadata(
        spreadsheet.id,
        params={"ranges": ["Sheet1!A1"], "fields": "sheets.data.rowData.values.userEnteredFormat"},
    )
    user_format = cell_format["sheets"][0]["data"][0]["rowData"][0]["values"][0]["userEnteredFormat"]
    assert user_format["textFormat"] == {"bold": True}
    # Sheets keeps 8 bits per channel: 0.5 comes back as 127/255 (seen in the recorded tab colours)
    assert user_format["backgroundColor"] == {"red": 1, "green": 0.49803922}
    assert user_format["backgroundColorStyle"] == {"rgbColor": {"red": 1, "green": 0.49803922}}
    assert worksheet.get_all_values() == [["a", "b", "", "z"], ["x", "y", "", ""]]


def test_one_read_and_one_write_through_the_http_client(client, emulator):
    """The product's sync path: one masked GET and one batchUpdate, nothing else on the wire."""
    spreadsheet_id = emulator.seed_spreadsheet("Sync", sheets={"Plan": [["ID"], ["T-01"]]})
    before = len(emulator.log_entries())
    metadata = client.http_client.fetch_sheet_metadata(
        spreadsheet_id,
        params={
            "ranges": ["'Plan'!A1:A5"],
            "fields": "sheets(properties(sheetId,title),data(rowData(values(userEnteredValue,note))))",
        },
    )
    sheet = metadata["sheets"][0]
    assert sheet["properties"] == {"sheetId": 0, "title": "Plan"}
    assert sheet["data"][0]["rowData"][1]["values"][0] == {"userEnteredValue": {"stringValue": "T-01"}}
    client.http_client.batch_update(
        spreadsheet_id,
        {
            "requests": [
                {
                    "updateCells": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 1,
                            "endRowIndex": 2,
                            "startColumnIndex": 0,
                            "endColumnIndex": 1,
                        },
                        "rows": [{"values": [{"note": "[mapws] check owner"}]}],
                        "fields": "note",
                    }
                }
            ]
        },
    )
    entries = emulator.log_entries()[before:]
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 200), ("POST", 200)]
    assert emulator.state()["spreadsheets"][spreadsheet_id]["sheets"][0]["notes"] == {
        "1,0": "[mapws] check owner"
    }


def test_lookup_and_date_functions_the_timeline_uses(client, emulator):
    """INDEX, MATCH (exact, text without case), N and WEEKDAY as Sheets computes them (Sheets'
    function reference): an empty cell through INDEX is empty, a MATCH that finds nothing is #N/A,
    2026-12-07 is a Monday."""
    spreadsheet = client.open_by_key(emulator.seed_spreadsheet(
        "Lookups", sheets={"Plan": [["ID", "Due"], ["T-01", "2026-12-07"], ["M-01", ""]]}))
    worksheet = spreadsheet.add_worksheet("Timeline", rows=5, cols=12)
    formulas = ['=INDEX(Plan!$A$1:$A$9,3)', '=MATCH("m-01",Plan!$A$1:$A$9,0)', '=""&INDEX(Plan!$B$1:$B$9,3)',
                '=IFERROR(MATCH("X-9",Plan!$A$1:$A$9,0),"none")', '=N(Plan!$B$2)', '=N("text")',
                '=WEEKDAY(Plan!$B$2,3)', '=WEEKDAY(Plan!$B$2)', '=WEEKDAY(Plan!$B$2,2)',
                '=ISNUMBER(INDEX(Plan!$B$1:$B$9,3))']
    worksheet.update([formulas], "A1", value_input_option="USER_ENTERED")
    got = worksheet.get("A1:J1", value_render_option="UNFORMATTED_VALUE")[0]
    assert got == ["M-01", 3, "", "none", 46363, 0, 0, 2, 1, False]


def _serial(day):
    return (day - __import__("datetime").date(1899, 12, 30)).days


def test_working_day_functions_the_due_soon_flag_uses(client, emulator):
    """WORKDAY and NETWORKDAYS with a holidays range, as Sheets computes them (Sheets' function
    reference): Monday to Friday less the holidays; WORKDAY never counts its start, which need not
    be a working day, and goes back for a negative count; NETWORKDAYS counts both ends and is
    negative backwards; empty cells in the range are skipped, text in it is #VALUE!; INDIRECT reaches
    the range from an A1 text (how a colour rule names another tab). 2027-01-01 is a Friday."""
    from datetime import date

    spreadsheet = client.open_by_key(emulator.seed_spreadsheet(
        "Working days", sheets={"_mapws": [["Closed days"], ["2027-01-01"], [""], ["2027-01-18"]],
                                "Text": [["2027-01-01"], ["soon"]]}))
    worksheet = spreadsheet.add_worksheet("Plan", rows=5, cols=12)
    days = "'_mapws'!$A$2:$A$1000"
    formulas = [f'=WORKDAY(DATE(2026,12,30),3,{days})', '=WORKDAY(DATE(2026,12,30),3)',
                f'=WORKDAY(DATE(2027,1,2),1,{days})', f'=WORKDAY(DATE(2027,1,2),0,{days})',
                f'=WORKDAY(DATE(2027,1,4),-1,{days})', f'=NETWORKDAYS(DATE(2026,12,28),DATE(2027,1,8),{days})',
                f'=NETWORKDAYS(DATE(2027,1,8),DATE(2026,12,28),{days})', '=NETWORKDAYS(DATE(2027,1,2),DATE(2027,1,3))',
                f'=WORKDAY(DATE(2027,1,15),1,INDIRECT("{days}"))',
                '=IFERROR(WORKDAY(DATE(2027,1,1),1,Text!$A$1:$A$2),"bad")',
                f'=DATE(2027,1,5)<=WORKDAY(DATE(2026,12,31),2,{days})']
    worksheet.update([formulas], "A1", value_input_option="USER_ENTERED")
    got = worksheet.get("A1:K1", value_render_option="UNFORMATTED_VALUE")[0]
    assert got == [_serial(date(2027, 1, 5)), _serial(date(2027, 1, 4)), _serial(date(2027, 1, 4)),
                   _serial(date(2027, 1, 2)), _serial(date(2026, 12, 31)), 9, -9, 0,
                   _serial(date(2027, 1, 19)), "bad", True]
