"""A plan workbook read into the backend-neutral :class:`Snapshot`: every tab's plain cells, the
product's document properties, whether its formats are in place, and the bytes' SHA-256 as the
read token (``apply`` writes only over exactly those bytes)."""

from __future__ import annotations

import hashlib
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from datetime import datetime, time, timedelta
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.cell.rich_text import CellRichText
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from map_workspace import catalog
from map_workspace.backends.local.formatting import SIZED_TABS, formats_in_place, row_heights_in_place
from map_workspace.backends.local.workbook_contract import (
    AUTHOR,
    BACKUP_SUFFIX,
    META_PREFIX,
    contract_sheets,
    markers_in_place,
    timeline_sheet,
)
from map_workspace.errors import PlanError, PlanNotFound
from map_workspace.formulas import thresholds_of
from map_workspace.layout import PLAN, TABLE_TABS, TABS, TIMELINE, Cell, Grid, ReadToken, Snapshot

#: How a workbook's bytes are parsed (a store may wrap it, e.g. to count parses).
LoadWorkbook = Callable[[bytes, Path], Workbook]


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PlanNotFound(f"{path} does not exist.", "Check the path, or run 'mapws list'.") from None
    except OSError as exc:
        raise PlanError(f"Cannot read {path}: {exc.strerror}.", "Check the file's permissions.") from exc


def load_plan_workbook(data: bytes, path: Path) -> Workbook:
    """Load with rich text kept, so a buyer's bold and colours survive the next save."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about what it will drop; unsafe_content() refuses those files instead.
            warnings.simplefilter("ignore")
            return load_workbook(BytesIO(data), rich_text=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, ET.ParseError) as exc:
        raise PlanError(
            f"{path} is not a readable .xlsx workbook ({exc.__class__.__name__}: {exc}).",
            f"Open it in Excel or LibreOffice and save it as .xlsx; the previous version may be in "
            f"{path.name}{BACKUP_SUFFIX}.",
        ) from exc


def read_workbook(path: Path, load: LoadWorkbook = load_plan_workbook) -> tuple[Snapshot, Workbook]:
    """Every tab of a plan workbook as plain cells, and the workbook parsed to get them (a store
    may keep it to apply the sync's changes without parsing the same bytes again)."""
    path = Path(path)
    data = read_bytes(path)
    wb = load(data, path)
    tabs: dict[str, Grid] = {}
    extra: list[str] = []
    sheets = contract_sheets(wb)
    found = {name: sheets.get(name) for name in TABS}
    for name, sheet in found.items():
        if sheet is not None:
            tabs[name] = sheet_grid(sheet)
    timeline = timeline_sheet(wb)
    if timeline is not None:  # never read: the product only needs to know it is there
        tabs[TIMELINE] = Grid(title=timeline.title)
    contract_ids = {id(s) for s in (*found.values(), timeline) if s is not None}
    extra += [sheet.title for sheet in wb.worksheets if id(sheet) not in contract_ids]
    extra += [cs.title for cs in wb.chartsheets]
    meta = {p.name[len(META_PREFIX):]: "" if p.value is None else str(p.value)
            for p in wb.custom_doc_props.props if p.name.startswith(META_PREFIX)}
    plan_sheet = found[PLAN]
    # A save in LibreOffice Calc drops the tabs' code names and frozen header rows: the next write
    # restores them (saving.apply_changes), so their absence counts as formats to put back.
    formats_ok = (plan_sheet is not None and PLAN in tabs
                  and formats_in_place(plan_sheet, tabs[PLAN], thresholds_of(meta), catalog.plan_language(meta))
                  and markers_in_place(wb, sheets)
                  and all(row_heights_in_place(sheets[tab], tabs[tab], TABLE_TABS[tab])
                          for tab in SIZED_TABS if tab in tabs))
    editor = (wb.properties.lastModifiedBy or "").strip()
    snapshot = Snapshot(source=str(path.resolve()), meta=meta, tabs=tabs, formats_ok=formats_ok,
                        extra_tabs=tuple(extra), token=ReadToken(hashlib.sha256(data).hexdigest()),
                        edited_by="" if editor == AUTHOR else editor,
                        edited_at="" if editor == AUTHOR else _modified_at(path))
    return snapshot, wb


def _modified_at(path: Path) -> str:
    """The file's modification time (local time, with its offset), "" when it cannot be told."""
    from datetime import datetime

    try:
        return datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="seconds")
    except OSError:
        return ""


def read_snapshot(path: Path) -> Snapshot:
    """Read every tab of a plan workbook into plain cells (the backend-neutral snapshot)."""
    return read_workbook(path)[0]


def sheet_grid(ws: Worksheet) -> Grid:
    """A sheet's cells, trailing empty rows and columns left out."""
    rows: list[tuple[Cell, ...]] = []
    last = 0  # rows up to the last one that holds anything
    width = 0
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
        cells = tuple(_cell(c) for c in row)
        rows.append(cells)
        used = len(cells)
        while used and _blank(cells[used - 1]):
            used -= 1
        if used:
            width, last = max(width, used), len(rows)
    return Grid(title=ws.title, rows=tuple(r[:width] for r in rows[:last]))


def _blank(cell: Cell) -> bool:
    return cell is _EMPTY or (cell.value is None and cell.formula is None and not cell.note)


#: Every empty cell of a grid is this one (a Cell is immutable): most of a sheet's cells are empty.
_EMPTY = Cell()


def _cell(c: SheetCell) -> Cell:
    value = c.value
    if value is None and c.comment is None:
        return _EMPTY
    note = c.comment.text if c.comment is not None else ""
    if c.data_type == "f":
        text = getattr(value, "text", value)
        return Cell(formula=str(text) if text is not None else "", note=note)
    if isinstance(value, CellRichText):
        value = str(value)
    elif isinstance(value, datetime):
        if value.time() == time(0):
            value = value.date()
    elif isinstance(value, time | timedelta):
        value = str(value)
    return Cell(value=value, note=note)
