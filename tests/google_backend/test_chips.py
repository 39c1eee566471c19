"""People chips in Owner cells (issue 10, item 4): a buyer who @-mentions a person in the Owner
cell leaves "@" in the cell's text and the email only in its chip run. The sync reads the person
from the chip: a listed stakeholder owns the item (no finding, no note), an unlisted address is
"not in the Stakeholders tab" under its email (not "@"), and the chip stays as the buyer made it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import PLAN
from map_workspace.sync import plan_sync
from tests.google_emulator.clients import sheets_service

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
DANA = "dana@acme.example"
STRANGER = "lee@elsewhere.example"


def _create(store):
    req = app.CreateRequest(
        "Acme rollout",
        date(2026, 6, 30),
        [Person.parse(f"Dana Tanaka <{DANA}>")],
        [Person.parse("Sam Rivera <sam@seller.example>")],
    )
    new = app.build_new_plan(req, Config(), TODAY, NOW)
    ref = store.create(new.snapshot, slug=new.plan.slug, title="Acme rollout")
    store.share(ref, [DANA])
    return ref


def _chip(sheet_id, row, col, email, display="DEFAULT"):
    return {
        "updateCells": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": row,
                "endRowIndex": row + 1,
                "startColumnIndex": col,
                "endColumnIndex": col + 1,
            },
            "rows": [
                {
                    "values": [
                        {
                            "userEnteredValue": {"stringValue": "@"},
                            "chipRuns": [{"chip": {"personProperties": {"email": email, "displayFormat": display}}}],
                        }
                    ]
                }
            ],
            "fields": "userEnteredValue,chipRuns",
        }
    }


def _sync(store, ref):
    read = store.read(ref)
    result = plan_sync(read, TODAY, now=NOW)
    if not result.changes.is_empty:
        store.apply(ref, read, result.changes)
    return result


def test_a_person_chip_in_the_owner_cell_is_that_person(google_store, buyer, emulator):
    store = google_store()
    ref = _create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    sheet = spreadsheet.worksheet("Plan")
    owner = sheet.row_values(1).index("Owner")
    ids = sheet.col_values(1)
    spreadsheet.batch_update(
        {"requests": [_chip(sheet.id, 1, owner, DANA, "EMAIL"), _chip(sheet.id, 2, owner, STRANGER)]}
    )

    result = _sync(store, ref)
    first, second = ids[1], ids[2]
    about = {f.id: f.code for f in result.findings if f.code.startswith("owner.")}
    assert first not in about  # Dana is a listed stakeholder: she owns it
    assert about.get(second) == "owner.unknown"
    unknown = next(f for f in result.findings if f.id == second and f.code == "owner.unknown")
    assert STRANGER in unknown.message and "'@'" not in unknown.message
    assert next(i for i in result.plan.items if i.id == first).owner == DANA

    snapshot = store.read(ref)
    assert snapshot.tabs[PLAN].cell(1, owner).note == ""  # nothing written over Dana's chip
    data = (
        sheets_service(emulator)
        .spreadsheets()
        .get(
            spreadsheetId=ref.id,
            ranges=["Plan!A2:Z3"],
            fields=("sheets(data(rowData(values(userEnteredValue,chipRuns))))"),
        )
        .execute()
    )
    rows = data["sheets"][0]["data"][0]["rowData"]
    assert [row["values"][owner]["chipRuns"][0]["chip"]["personProperties"]["email"] for row in rows] == [
        DANA,
        STRANGER,
    ]  # the buyer's chips are kept
    assert plan_sync(store.read(ref), TODAY, now=NOW).changes.is_empty


def test_chip_placeholders_are_found_by_utf16_index():
    from map_workspace.backends.google.sheets_io import with_chips

    def person(email, start):
        return {"startIndex": start, "chip": {"personProperties": {"email": email}}}

    runs = [person("a@x.example", 3), {"startIndex": 4}, person("b@y.example", 9)]
    assert with_chips("👍 @ and @", runs) == "👍 a@x.example and b@y.example"
    assert with_chips("@", [person("a@x.example", 0)]) == "a@x.example"
    assert with_chips("no chip @ here", [person("a@x.example", 0)]) == "no chip @ here"  # not on a "@": kept
    assert with_chips("Dana", None) == "Dana"
