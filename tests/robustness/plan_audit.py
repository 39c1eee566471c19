"""Audit a Google plan after faults and races, over the Sheets API of an emulator (in-process or a
subprocess): is every row's sync-owned data its own, is History free of duplicates, and did every
sync land whole or not at all?

One sync writes, for a row the buyer added: the ID, the Baseline, the Slips, the Flag formula
(which names its own row), the hidden state tab's line for that ID (activity and baseline) and
History's "Row" entry — all in one batchUpdate. So on a plan that was never half-written:
- every row with an Activity has an ID (else the plan was not synced), and a Baseline and Slips
  exactly when it has an ID;
- the state tab's line for the row's ID names the row's own Activity, Baseline and Slips (a write
  that landed on the wrong row breaks this);
- the Flag formula refers to its own row only, and the row's owner note and its flag words agree;
- History holds each (ID, Field, From, To) once, and a "new row" entry names the Activity of the row
  that now carries that ID.
The audit reads cells as Sheets stores them (no mapws code), finding columns by header text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from map_workspace import app
from map_workspace.backends.google.store import GooglePlanStore
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.formulas import CLOSED_DAYS_RANGE
from map_workspace.layout import HISTORY, NOTE_MARK, PLAN, PLAN_TAB, STATE, normalise_header
from tests.google_emulator.clients import gspread_client

CREATED = date(2026, 3, 2)
CREATED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
#: The day the tests sync on: two weeks after creation.
SYNC_DAY = date(2026, 3, 16)

GRID_FIELDS = ("sheets(properties(title),data(rowData(values(userEnteredValue,formattedValue,note))))")
_ROW_REFERENCE = re.compile(r"\$?[A-Z]{1,3}\$?(\d+)")
_STRING = re.compile(r'"(?:[^"]|"")*"')
#: How the product's notes name what they are about: "Owner 'IT' is a group", "T-03 has no owner".
_NOTE_OWNER = re.compile(r"Owner '([^']*)'")
_NOTE_ITEM = re.compile(r"\b([TMR]-\d+) has no owner")


@dataclass(frozen=True)
class Cell:
    text: str = ""  # formatted, as a person sees it
    formula: str = ""
    note: str = ""


@dataclass
class Audit:
    spreadsheet_id: str
    #: Plan rows with an Activity, as (ID, Activity).
    rows: list[tuple[str, str]] = field(default_factory=list)
    history: list[tuple[str, ...]] = field(default_factory=list)
    history_duplicates: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ids(self) -> dict[str, str]:
        """Activity → ID."""
        return {activity: item_id for item_id, activity in self.rows}

    def history_count(self, item_id: str, field_name: str) -> int:
        return sum(1 for h in self.history if h[1] == item_id and h[2] == field_name)


def read_grid(base_url: str, spreadsheet_id: str) -> dict[str, list[list[Cell]]]:
    """Every tab's cells by title, through the Sheets API (anonymous: the emulator's superuser)."""
    client = gspread_client(SimpleNamespace(base_url=base_url))
    data = client.http_client.fetch_sheet_metadata(spreadsheet_id, params={"fields": GRID_FIELDS})
    tabs: dict[str, list[list[Cell]]] = {}
    for sheet in data.get("sheets") or []:
        rows: list[list[Cell]] = []
        for block in sheet.get("data") or []:
            for row in block.get("rowData") or []:
                cells = []
                for value in (row or {}).get("values") or []:
                    entered = (value or {}).get("userEnteredValue") or {}
                    cells.append(Cell(str(value.get("formattedValue", "")), str(entered.get("formulaValue", "")),
                                      str(value.get("note", ""))))
                rows.append(cells)
        tabs[sheet["properties"]["title"]] = rows
    return tabs


def _columns(header: list[Cell]) -> dict[str, int]:
    return {normalise_header(c.text): i for i, c in enumerate(header) if c.text}


def _get(row: list[Cell], col: int | None) -> Cell:
    return row[col] if col is not None and col < len(row) else Cell()


def _rows_named(formula: str) -> set[int]:
    """The Plan rows a formula names (the plan's closed days, a fixed range of the state tab, aside)."""
    return {int(m) for m in _ROW_REFERENCE.findall(_STRING.sub("", formula.replace(CLOSED_DAYS_RANGE, "")))}


def audit_plan(base_url: str, spreadsheet_id: str, *, original_ids: Iterable[str] = ()) -> Audit:
    """Check one plan; ``original_ids`` are the IDs the plan was created with (they have no
    "new row" History entry)."""
    original_ids = frozenset(original_ids)
    tabs = read_grid(base_url, spreadsheet_id)
    audit = Audit(spreadsheet_id)
    problems = audit.problems

    # When · ID · Field · From · To · Note, found by header (the tab also names the activity and who).
    history_rows = tabs.get(HISTORY, [])
    titles = [normalise_header(c.text) for c in history_rows[0]] if history_rows else []
    wanted = [titles.index(name) if name in titles else None for name in ("when", "id", "field", "from", "to", "note")]
    history = [tuple(_get(row, col).text if col is not None else "" for col in wanted) for row in history_rows[1:]]
    audit.history = [h for h in history if any(h)]
    keys = Counter(h[1:5] for h in audit.history)
    audit.history_duplicates = sum(n - 1 for n in keys.values() if n > 1)
    for key, n in keys.items():
        if n > 1:
            problems.append(f"History holds {key} {n} times")

    state_rows = tabs.get(STATE, [])
    state_cols = _columns(state_rows[0]) if state_rows else {}
    state = {}
    for row in state_rows[1:]:
        item_id = _get(row, state_cols.get("id")).text
        if item_id:
            state[item_id] = row

    plan_rows = tabs.get(PLAN, [])
    if not plan_rows:
        problems.append("no Plan tab")
        return audit
    cols = _columns(plan_rows[0])
    seen: Counter[str] = Counter()
    for index, row in enumerate(plan_rows[1:], start=2):
        item_id = _get(row, cols.get("id")).text
        activity = _get(row, cols.get("activity")).text
        baseline = _get(row, cols.get("baseline")).text
        slips = _get(row, cols.get("slips")).text
        flag = _get(row, cols.get("flag")).formula
        if not (item_id or activity):
            if baseline or slips or flag:
                problems.append(f"row {index} is empty but carries sync-owned cells {(baseline, slips, flag[:20])}")
            continue
        where = f"row {index} ({item_id or 'no ID'}: {activity!r})"
        audit.rows.append((item_id, activity))
        if not item_id:
            problems.append(f"{where} has no ID: it was never synced")
            continue
        seen[item_id] += 1
        if not (baseline and slips and flag):
            problems.append(f"{where} is half-written: baseline {baseline!r}, slips {slips!r}, flag {bool(flag)}")
        line = state.get(item_id)
        if line is None:
            problems.append(f"{where} has an ID the state tab does not know")
        else:
            remembered = {k: _get(line, state_cols.get(k)).text for k in ("activity", "baseline", "slips")}
            if remembered != {"activity": activity, "baseline": baseline, "slips": slips}:
                problems.append(f"{where} does not match the state kept for {item_id}: {remembered} vs "
                                f"{(activity, baseline, slips)}")
        if flag and _rows_named(flag) != {index}:
            problems.append(f"{where} has a Flag formula naming rows {sorted(_rows_named(flag))}")
        owner_cell = _get(row, cols.get("owner"))
        owner_note = NOTE_MARK in owner_cell.note
        if owner_note != ("owner" in flag.lower()):
            problems.append(f"{where}: owner note {owner_note} but flag words {_STRING.findall(flag)}")
        named = set(_NOTE_OWNER.findall(owner_cell.note))
        if named - {owner_cell.text}:
            problems.append(f"{where}: the owner note speaks of {sorted(named)}, the cell says {owner_cell.text!r}")
        if set(_NOTE_ITEM.findall(owner_cell.note)) - {item_id}:
            problems.append(f"{where}: the owner note speaks of {_NOTE_ITEM.findall(owner_cell.note)}")
        new_rows = [h for h in audit.history if h[1] == item_id and h[2] == "Row" and h[5].startswith("new")]
        if item_id not in original_ids:
            if len(new_rows) != 1 or new_rows[0][4] != activity:
                problems.append(f"{where} was added by the buyer but History's new-row entries say {new_rows}")
        elif new_rows:
            problems.append(f"{where} is an original item yet History logs it as new")
    problems += [f"the ID {item_id} is on {n} rows" for item_id, n in seen.items() if n > 1]
    return audit


# --- planting plans and playing the buyer (raw Sheets requests, as the Sheets UI sends them) -------

#: 0-based Plan columns of a plan as mapws creates it.
COLUMN = {c.key: i for i, c in enumerate(PLAN_TAB.columns)}
EPOCH = date(1899, 12, 30)


def plan_request(deal: str) -> app.CreateRequest:
    return app.CreateRequest(deal, date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.example>")],
                             [Person.parse("Sam Rivera <sam@seller.example>")], template="light")


def plant(store: GooglePlanStore, deal: str) -> tuple[str, dict[str, str]]:
    """A new plan laid out by the store (its first sync folded in): its spreadsheet ID, and its
    items' IDs with their activities."""
    new = app.build_new_plan(plan_request(deal), Config(), CREATED, CREATED_AT)
    ref = store.create(new.snapshot, slug=new.plan.slug, title=deal)
    return ref.id, {i.id: i.activity for i in new.plan.items}


def plan_sheet_id(base_url: str, spreadsheet_id: str) -> int:
    client = gspread_client(SimpleNamespace(base_url=base_url))
    data = client.http_client.fetch_sheet_metadata(spreadsheet_id,
                                                   params={"fields": "sheets(properties(sheetId,title))"})
    return next(int(s["properties"].get("sheetId", 0)) for s in data["sheets"] if s["properties"]["title"] == PLAN)


def cell(sheet_id: int, row: int, col: int, value: str | date) -> dict[str, Any]:
    """updateCells on one cell (0-based row and column): text as text, a date as a date."""
    if isinstance(value, date):
        data: dict[str, Any] = {"userEnteredValue": {"numberValue": (value - EPOCH).days},
                                "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}}
        fields = "userEnteredValue,userEnteredFormat.numberFormat"
    else:
        data, fields = {"userEnteredValue": {"stringValue": value}}, "userEnteredValue"
    return {"updateCells": {"range": {"sheetId": sheet_id, "startRowIndex": row, "endRowIndex": row + 1,
                                      "startColumnIndex": col, "endColumnIndex": col + 1},
                            "rows": [{"values": [data]}], "fields": fields}}


def new_row(sheet_id: int, row: int, activity: str, due: date, owner: str = "Dana Tanaka") -> list[dict[str, Any]]:
    """A buyer's row typed into an empty line (0-based ``row``): no ID, no Baseline."""
    return [cell(sheet_id, row, COLUMN["type"], "Task"), cell(sheet_id, row, COLUMN["activity"], activity),
            cell(sheet_id, row, COLUMN["side"], "Buyer"), cell(sheet_id, row, COLUMN["owner"], owner),
            cell(sheet_id, row, COLUMN["due"], due)]


def insert_row(sheet_id: int, row: int) -> dict[str, Any]:
    return {"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": row,
                                          "endIndex": row + 1}, "inheritFromBefore": False}}


def delete_row(sheet_id: int, row: int) -> dict[str, Any]:
    return {"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": row,
                                          "endIndex": row + 1}}}


def sort_rows(sheet_id: int, last_row: int, key: str, descending: bool = True) -> dict[str, Any]:
    """Sort the data rows (below the header, down to 0-based ``last_row``) by one column."""
    return {"sortRange": {"range": {"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": last_row + 1,
                                    "startColumnIndex": 0, "endColumnIndex": len(PLAN_TAB.columns)},
                          "sortSpecs": [{"dimensionIndex": COLUMN[key],
                                         "sortOrder": "DESCENDING" if descending else "ASCENDING"}]}}


def typical_edits(sheet_id: int, rows: int, tag: str) -> list[dict[str, Any]]:
    """What a buyer does between two syncs of a plan with ``rows`` data rows: two new rows at the
    bottom, a group named as owner of the third item, the fifth item moved later."""
    first_free = rows + 1
    return [*new_row(sheet_id, first_free, f"{tag}: legal review of the order form", date(2026, 5, 20)),
            *new_row(sheet_id, first_free + 1, f"{tag}: security questionnaire", date(2026, 5, 27)),
            cell(sheet_id, 3, COLUMN["owner"], "IT"),
            cell(sheet_id, 5, COLUMN["due"], date(2026, 6, 26))]
