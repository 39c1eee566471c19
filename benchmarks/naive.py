"""The naive baseline: a nightly gspread script written the way such scripts usually are, fixed so
that it cannot be tuned (issue 4, Benchmark).

Every night it visits every plan in its list (no change detection). Per plan: ``open_by_key``, then
for each tab it needs ``worksheet(name)`` and ``get_all_records()``; it writes each changed
sync-owned cell with ``update_cell``, appends each History row with ``append_row`` (after one more
``worksheet("History")``), and recolours every item row, each with the colour of its flag, in one
``Worksheet.batch_format`` call per plan (gspread 6; a reasonable person would not send a
``format`` call per row, which is what an earlier version of this script did). It has
no rate limiter: on a 429 it sleeps a fixed second and tries again, at most ``max_retries`` times.

What to write is decided by mapws's own pure core (``plan_sync`` on a Snapshot built from the
records), so both reach the same findings and cell values; only the I/O pattern differs. The
records are read with ``value_render_option=FORMULA`` and without numericising, so that formulas,
dates (as serial numbers, typed by the column) and text come back as mapws sees them; the plan's
ID and settings come from the spreadsheet metadata gspread already fetched in ``open_by_key``
(kept, not fetched again). Notes are not read by ``get_all_records`` and this script does not
write them (it plans as if the core's notes were in place); colour rules and dropdowns are not its
business (it recolours rows instead).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

import gspread
from gspread.http_client import HTTPClient
from gspread.utils import ValueRenderOption, rowcol_to_a1

from map_workspace.backends.google.sheets_io import from_serial, parse_spreadsheet
from map_workspace.changes import ChangeSet, StateRow, apply_in_memory
from map_workspace.layout import (
    CHECKINS,
    HISTORY,
    OVERVIEW,
    OVERVIEW_FIELDS,
    PLAN,
    PLAN_TAB,
    RISKS,
    STAKEHOLDERS,
    STATE,
    TABLE_TABS,
    TIMELINE,
    Cell,
    CellValue,
    Grid,
    Kind,
    Snapshot,
    normalise_header,
)
from map_workspace.reading import find_table
from map_workspace.sync import Settings, SyncPlan, plan_sync

T = TypeVar("T")

#: The tabs whose records the sync's core needs (History is only appended to).
TABS_READ = (OVERVIEW, PLAN, STAKEHOLDERS, RISKS, CHECKINS, STATE)

#: Row colours by flag, the way a script paints them (PRODUCT.md, colour flags).
COLOURS = {
    "stalled": "CC4125", "overdue": "F4CCCC", "blocked": "EAD1DC", "due_soon": "FFE599", "done": "D9EAD3",
    "none": "FFFFFF",
}
FLAG_CODES = (("item.stalled", "stalled"), ("item.overdue", "overdue"), ("item.blocked", "blocked"),
              ("item.due_soon", "due_soon"))

_DATE_HEADERS = {name: {normalise_header(c.header) for c in spec.columns if c.kind is Kind.DATE}
                 for name, spec in TABLE_TABS.items()}
_OVERVIEW_DATE_LABELS = {normalise_header(f.label) for f in OVERVIEW_FIELDS if f.kind is Kind.DATE}


class KeepingHTTPClient(HTTPClient):
    """gspread's own HTTP client, keeping the spreadsheet metadata ``open_by_key`` fetches anyway."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metadata: dict[str, Any] = {}

    def fetch_sheet_metadata(self, id: str, params: Any = None) -> Any:  # noqa: A002 - gspread's name
        data = super().fetch_sheet_metadata(id, params)
        self.metadata[id] = data
        return data


@dataclass
class NaivePlan:
    """What the script did to one plan: the core's verdict, how long it took, how it waited."""

    spreadsheet_id: str
    result: SyncPlan | None = None
    wall_s: float = 0.0
    cells_written: int = 0
    rows_appended: int = 0
    rows_coloured: int = 0
    error: str = ""


@dataclass
class NaiveScript:
    """One identity's nightly script. ``time_scale`` shrinks its fixed 1-second quota sleep the
    same way the emulator's clock is sped up, so its waits stay one Google second long."""

    client: gspread.Client
    settings: Settings = field(default_factory=Settings)
    time_scale: float = 1.0
    retry_sleep_s: float = 1.0
    max_retries: int = 120
    sleep: Callable[[float], None] = time.sleep
    quota_waits: int = 0

    def night(self, spreadsheet_ids: Sequence[str], today: date, now: datetime) -> list[NaivePlan]:
        """Visit every plan, in order, one at a time, as the script's for-loop does."""
        done = []
        for spreadsheet_id in spreadsheet_ids:
            start = time.perf_counter()
            plan = NaivePlan(spreadsheet_id)
            try:
                self.sync_plan(plan, today, now)
            except gspread.exceptions.GSpreadException as exc:
                plan.error = f"{type(exc).__name__}: {exc}"
            plan.wall_s = time.perf_counter() - start
            done.append(plan)
        return done

    def retrying(self, call: Callable[[], T]) -> T:
        """Call; on a 429 sleep a fixed second and try again (bounded), like such scripts do."""
        for attempt in range(self.max_retries + 1):
            try:
                return call()
            except gspread.exceptions.APIError as exc:
                status = exc.response.status_code if exc.response is not None else 0
                if status != 429 or attempt == self.max_retries:
                    raise
                self.quota_waits += 1
                self.sleep(self.retry_sleep_s / self.time_scale)
        raise AssertionError("unreachable")

    def sync_plan(self, plan: NaivePlan, today: date, now: datetime) -> None:
        spreadsheet = self.retrying(lambda: self.client.open_by_key(plan.spreadsheet_id))
        sheets: dict[str, gspread.Worksheet] = {}
        records: dict[str, list[dict[str, Any]]] = {}
        for title in TABS_READ:
            worksheet = self.retrying(partial(spreadsheet.worksheet, title))
            sheets[title] = worksheet
            records[title] = self.retrying(partial(worksheet.get_all_records,
                                                   value_render_option=ValueRenderOption.formula,
                                                   numericise_ignore=["all"]))
        kept = getattr(self.client.http_client, "metadata", {})
        metadata = kept.get(plan.spreadsheet_id, {})
        snapshot = snapshot_from_records(records, metadata, plan.spreadsheet_id)
        result = plan_sync(snapshot, today, now=now, settings=self.settings)
        if result.changes.notes:
            # Notes are neither read nor written by the script: plan as if the core's were in place,
            # so that a note alone does not make it write anything.
            snapshot = apply_in_memory(snapshot, ChangeSet(notes=result.changes.notes))
            result = plan_sync(snapshot, today, now=now, settings=self.settings)
        plan.result = result
        self.write(spreadsheet, sheets, snapshot, result, plan)

    def write(self, spreadsheet: gspread.Spreadsheet, sheets: dict[str, gspread.Worksheet],
              snapshot: Snapshot, result: SyncPlan, plan: NaivePlan) -> None:
        changes: ChangeSet = result.changes
        for cell in changes.cells:
            self.retrying(partial(sheets[cell.tab].update_cell, cell.row, cell.col + 1,
                                  cell_text(cell.value, cell.formula)))
            plan.cells_written += 1
        if changes.state is not None:
            updates, appends = state_cell_changes(snapshot.tabs.get(STATE), changes.state)
            for row, col, value in updates:
                self.retrying(partial(sheets[STATE].update_cell, row, col + 1, value))
                plan.cells_written += 1
            for values in appends:
                self.retrying(partial(sheets[STATE].append_row, values))
                plan.rows_appended += 1
        if changes.history:
            history = self.retrying(partial(spreadsheet.worksheet, HISTORY))
            for entry in changes.history:
                self.retrying(partial(history.append_row, list(entry.cells())))
                plan.rows_appended += 1
        formats = [{"range": f"A{row}:{rowcol_to_a1(row, len(PLAN_TAB.columns))}",
                    "format": {"backgroundColor": rgb(colour)}} for row, colour in row_colours(snapshot, result)]
        if formats:  # gspread 6's batch_format: every row its own colour, one call per plan
            self.retrying(partial(sheets[PLAN].batch_format, formats))
            plan.rows_coloured += len(formats)


def rgb(hex_colour: str) -> dict[str, float]:
    return {name: int(hex_colour[i:i + 2], 16) / 255 for name, i in (("red", 0), ("green", 2), ("blue", 4))}


def cell_text(value: CellValue, formula: str | None = None) -> Any:
    """What a script hands ``update_cell`` (USER_ENTERED): formulas and dates as typed text."""
    if formula is not None:
        return formula if formula.startswith("=") else "=" + formula
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _typed(value: Any, is_date: bool) -> Cell:
    if value is None or value == "":
        return Cell()
    if isinstance(value, str) and value.startswith("="):
        return Cell(formula=value)
    if is_date and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Cell(value=from_serial(float(value)))
    if isinstance(value, float) and value.is_integer():
        return Cell(value=int(value))
    return Cell(value=value)


def grid_from_records(title: str, rows: list[dict[str, Any]]) -> Grid:
    """Records back into rows: the header from the keys, each record's values in key order (the
    Overview's header row is its title row; its dates are found by their label)."""
    if not rows:
        return Grid(title=title)
    header = list(rows[0].keys())
    out = [tuple(_typed(h, False) for h in header)]
    dates = {i for i, h in enumerate(header) if normalise_header(h) in _DATE_HEADERS.get(title, set())}
    for record in rows:
        values = list(record.values())
        if title == OVERVIEW:
            dates = {1} if values and normalise_header(values[0]) in _OVERVIEW_DATE_LABELS else set()
        out.append(tuple(_typed(v, i in dates) for i, v in enumerate(values)))
    while out and not any(c.value is not None or c.formula for c in out[-1]):
        out.pop()
    return Grid(title=title, rows=tuple(out))


def snapshot_from_records(records: dict[str, list[dict[str, Any]]], metadata: dict[str, Any],
                          source: str) -> Snapshot:
    """A Snapshot the core can plan from: cells from the records, the plan's ID and settings from the
    spreadsheet metadata (developer metadata), no notes (records carry none)."""
    skeleton = parse_spreadsheet(metadata, source)
    tabs = {name: grid_from_records(name, rows) for name, rows in records.items()}
    if TIMELINE in skeleton.tabs:  # its cells are formulas the core never reads: it only needs to know it is there
        tabs.setdefault(TIMELINE, skeleton.tabs[TIMELINE])
    return Snapshot(source=source, meta=skeleton.meta, tabs=tabs, formats_ok=True,
                    extra_tabs=skeleton.extra_tabs)


def state_cell_changes(grid: Grid | None, state: Sequence[StateRow]) -> tuple[list[tuple[int, int, Any]],
                                                                            list[list[Any]]]:
    """The state tab's changed cells, found by ID as a script finds rows: ((1-based row, 0-based
    col, text) of cells to update, rows of new IDs to append)."""
    rows = grid.rows if grid is not None else ()
    where = {row[0].text: r + 1 for r, row in enumerate(rows[1:], start=1) if row and row[0].text}
    updates: list[tuple[int, int, Any]] = []
    appends: list[list[Any]] = []
    for entry in state:
        new = [None if v == "" else v for v in entry.cells()]
        if entry.id not in where:
            appends.append([cell_text(v) for v in new])
            continue
        sheet_row = where[entry.id]
        old = rows[sheet_row - 1]
        for c, value in enumerate(new):
            before = old[c].value if c < len(old) else None
            if before != value:
                updates.append((sheet_row, c, cell_text(value)))
    return updates, appends


def row_colours(snapshot: Snapshot, result: SyncPlan) -> list[tuple[int, str]]:
    """Every item row of the Plan tab with the colour of its flag."""
    grid = snapshot.tabs.get(PLAN)
    if grid is None:
        return []
    table = find_table(grid, PLAN_TAB)
    id_col = table.columns.get("id")
    if id_col is None:
        return []
    codes: dict[str, set[str]] = {}
    for finding in result.findings:
        if finding.id:
            codes.setdefault(finding.id, set()).add(finding.code)
    done = {i.id for i in result.plan.items if i.status is not None and i.status.value == "Done"}
    out = []
    for index in range(table.header_row + 1, len(grid.rows)):
        item_id = grid.cell(index, id_col).text
        if not item_id:
            continue
        found = codes.get(item_id, set())
        fallback = "done" if item_id in done else "none"
        colour = next((name for code, name in FLAG_CODES if code in found), fallback)
        out.append((index + 1, COLOURS[colour]))
    return out
