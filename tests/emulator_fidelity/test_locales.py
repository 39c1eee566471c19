"""Locales and time zones as Sheets treats them (issue 10, items 5 and 6).

- Only a locale Sheets offers and an IANA time zone are accepted.
- Formulas and CUSTOM_FORMULA rule values are "parsed as if the user typed into a cell": in the
  spreadsheet's locale. Semicolon locales (de_DE, fr_FR, ...) separate arguments with ";"; en_US and
  ja_JP with ",". Sheets keeps formulas in one syntax and shows (and returns) them in the current
  locale's, so a formula written under en_US reads back with ";" once the locale is de_DE.
- A rule formula with the wrong separator is a 400 (nothing applies); a cell formula with the wrong
  separator is kept as typed and evaluates to #ERROR! ("Formula parse error.").
"""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from tests.google_emulator.clients import sheets_service

RULE_COMMA = '=AND($A1<>"",$A1>1)'
RULE_SEMICOLON = '=AND($A1<>"";$A1>1)'
CELL_COMMA = '=IF(A1>1,"big","small")'
CELL_SEMICOLON = '=IF(A1>1;"big";"small")'


def _properties(locale=None, zone=None):
    properties, fields = {}, []
    if locale is not None:
        properties["locale"], fields = locale, [*fields, "locale"]
    if zone is not None:
        properties["timeZone"], fields = zone, [*fields, "timeZone"]
    return {"updateSpreadsheetProperties": {"properties": properties, "fields": ",".join(fields)}}


def _rule(formula):
    return {
        "addConditionalFormatRule": {
            "index": 0,
            "rule": {
                "ranges": [
                    {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 5, "startColumnIndex": 0, "endColumnIndex": 2}
                ],
                "booleanRule": {
                    "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
                    "format": {"textFormat": {"bold": True}},
                },
            },
        }
    }


def _formula_cell(formula, row=0, col=1):
    return {
        "updateCells": {
            "range": {
                "sheetId": 0,
                "startRowIndex": row,
                "endRowIndex": row + 1,
                "startColumnIndex": col,
                "endColumnIndex": col + 1,
            },
            "rows": [{"values": [{"userEnteredValue": {"formulaValue": formula}}]}],
            "fields": "userEnteredValue",
        }
    }


def _read(sheets, spreadsheet_id):
    data = sheets.get(
        spreadsheetId=spreadsheet_id,
        fields=(
            "properties(locale,timeZone),sheets(conditionalFormats(booleanRule(condition(values))),"
            "data(rowData(values(userEnteredValue,effectiveValue,formattedValue))))"
        ),
    ).execute()
    sheet = data["sheets"][0]
    rules = [
        r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in sheet.get("conditionalFormats", [])
    ]
    values = sheet["data"][0]["rowData"][0]["values"]
    cell = values[1] if len(values) > 1 else {}
    return data["properties"], rules, cell


@pytest.fixture
def sheet(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Locale", sheets={"Sheet1": [[5]]})
    return sheets_service(emulator).spreadsheets(), spreadsheet_id


@pytest.mark.parametrize(("locale", "zone"), [("xx_YY", None), (None, "Not/AZone"), ("de-DE", None), (None, "")])
def test_only_sheets_locales_and_iana_zones_are_accepted(emulator, sheet, locale, zone):
    sheets, spreadsheet_id = sheet
    with pytest.raises(HttpError) as caught:
        sheets.batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": [_properties(locale, zone)]}).execute()
    assert caught.value.resp.status == 400
    assert "Invalid requests[0].updateSpreadsheetProperties" in caught.value.reason
    assert _read(sheets, spreadsheet_id)[0] == {"locale": "en_US", "timeZone": "Etc/GMT"}


@pytest.mark.parametrize(
    ("locale", "zone"),
    [
        ("de_DE", "Europe/Berlin"),
        ("fr_FR", "Europe/Paris"),
        ("ja_JP", "Asia/Tokyo"),
        ("en_US", "Etc/GMT"),
        ("en", "GMT-07:00"),
    ],
)
def test_real_locales_and_zones_are_kept(sheet, locale, zone):
    sheets, spreadsheet_id = sheet
    sheets.batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": [_properties(locale, zone)]}).execute()
    assert _read(sheets, spreadsheet_id)[0] == {"locale": locale, "timeZone": zone}


def test_create_checks_them_too(emulator):
    with pytest.raises(HttpError) as caught:
        sheets_service(emulator).spreadsheets().create(
            body={"properties": {"title": "X", "timeZone": "Mars/Base"}}
        ).execute()
    assert caught.value.resp.status == 400


@pytest.mark.parametrize(
    ("locale", "good", "bad", "good_cell", "bad_cell"),
    [
        ("de_DE", RULE_SEMICOLON, RULE_COMMA, CELL_SEMICOLON, CELL_COMMA),
        ("fr_FR", RULE_SEMICOLON, RULE_COMMA, CELL_SEMICOLON, CELL_COMMA),
        ("ja_JP", RULE_COMMA, RULE_SEMICOLON, CELL_COMMA, CELL_SEMICOLON),
        ("en_US", RULE_COMMA, RULE_SEMICOLON, CELL_COMMA, CELL_SEMICOLON),
    ],
)
def test_formulas_are_parsed_in_the_spreadsheet_locale(sheet, locale, good, bad, good_cell, bad_cell):
    sheets, spreadsheet_id = sheet
    sheets.batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": [_properties(locale)]}).execute()
    with pytest.raises(HttpError) as caught:
        sheets.batchUpdate(
            spreadsheetId=spreadsheet_id, body={"requests": [_formula_cell(good_cell), _rule(bad)]}
        ).execute()
    assert caught.value.resp.status == 400
    assert caught.value.reason == (
        f"Invalid requests[1].addConditionalFormatRule: Invalid ConditionValue.userEnteredValue: {bad} "
        "for ConditionType: CUSTOM_FORMULA"
    )
    assert _read(sheets, spreadsheet_id)[1] == []  # atomic: the cell did not apply either
    sheets.batchUpdate(
        spreadsheetId=spreadsheet_id, body={"requests": [_formula_cell(good_cell), _rule(good)]}
    ).execute()
    _, rules, cell = _read(sheets, spreadsheet_id)
    assert rules == [good]  # read back in the locale's own syntax
    assert cell == {
        "userEnteredValue": {"formulaValue": good_cell},
        "effectiveValue": {"stringValue": "big"},
        "formattedValue": "big",
    }
    # a cell formula with the wrong separator is kept as typed and is an error, not a 400
    sheets.batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": [_formula_cell(bad_cell)]}).execute()
    _, _, cell = _read(sheets, spreadsheet_id)
    assert cell == {
        "userEnteredValue": {"formulaValue": bad_cell},
        "effectiveValue": {"errorValue": {"type": "ERROR", "message": "Formula parse error."}},
        "formattedValue": "#ERROR!",
    }


def test_changing_the_locale_shows_existing_formulas_in_the_new_syntax(sheet):
    sheets, spreadsheet_id = sheet
    body = {"requests": [_formula_cell(CELL_COMMA), _rule(RULE_COMMA), _properties("de_DE")]}  # locale last
    sheets.batchUpdate(spreadsheetId=spreadsheet_id, body=body).execute()
    _, rules, cell = _read(sheets, spreadsheet_id)
    assert rules == [RULE_SEMICOLON]
    assert cell["userEnteredValue"] == {"formulaValue": CELL_SEMICOLON}
    assert cell["formattedValue"] == "big"
    values = sheets.values().get(spreadsheetId=spreadsheet_id, range="B1", valueRenderOption="FORMULA").execute()
    assert values["values"] == [[CELL_SEMICOLON]]
    # the locale first and the same en_US formulas: the batch is refused
    with pytest.raises(HttpError):
        sheets.batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": [_rule(RULE_COMMA)]}).execute()


def test_decimals_follow_the_locale(sheet):
    sheets, spreadsheet_id = sheet
    sheets.batchUpdate(
        spreadsheetId=spreadsheet_id, body={"requests": [_formula_cell("=ROUND(A1*1.5,0)"), _properties("de_DE")]}
    ).execute()
    _, _, cell = _read(sheets, spreadsheet_id)
    assert cell["userEnteredValue"] == {"formulaValue": "=ROUND(A1*1,5;0)"}
    assert cell["effectiveValue"] == {"numberValue": 8}


def test_create_reads_its_formulas_in_its_locale(emulator):
    body = {
        "properties": {"title": "X", "locale": "de_DE"},
        "sheets": [
            {
                "data": [
                    {
                        "rowData": [
                            {
                                "values": [
                                    {"userEnteredValue": {"numberValue": 2}},
                                    {"userEnteredValue": {"formulaValue": "=ROUND(A1*1,5;0)"}},
                                ]
                            }
                        ]
                    }
                ]
            }
        ],
    }
    created = sheets_service(emulator).spreadsheets().create(body=body).execute()
    _, _, cell = _read(sheets_service(emulator).spreadsheets(), created["spreadsheetId"])
    assert cell["userEnteredValue"] == {"formulaValue": "=ROUND(A1*1,5;0)"}
    assert cell["effectiveValue"] == {"numberValue": 3}
