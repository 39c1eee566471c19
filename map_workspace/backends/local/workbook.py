"""Plan workbooks on disk: .xlsx written and read through openpyxl.

openpyxl rewrites the whole file on save and silently drops what it does not model (shapes,
sparklines, macros, slicers, unknown extensions). A buyer's work must never vanish that way, so
before every save the file's zip is inventoried and the save refused when something would be lost
(:func:`unsafe_content`). Writes go to a temporary file beside the plan and replace it atomically,
after one backup of the previous version is kept.
"""

from __future__ import annotations

import hashlib
import math
import os
import posixpath
import re
import secrets
import threading
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path, PurePosixPath

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.cell.rich_text import CellRichText
from openpyxl.chart.chartspace import ChartSpace
from openpyxl.chart.reader import read_chart
from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import fromstring as openpyxl_xml

from map_workspace.changes import CellWrite, ChangeSet, HistoryEntry, StateRow, merge_note
from map_workspace.errors import PlanChanged, PlanError, PlanLocked, PlanNotFound, StructuralBreak, UnsafeToSave
from map_workspace.formulas import (
    PlanColumns,
    canonical_formula,
    colour_rules_from,
    is_colour_rule_formula,
    plan_columns_at,
)
from map_workspace.layout import (
    HISTORY,
    OVERVIEW,
    OVERVIEW_FIELDS,
    OVERVIEW_TITLE,
    PLAN,
    PLAN_TAB,
    STATE,
    TABLE_TABS,
    TABS,
    Cell,
    CellValue,
    Column,
    Grid,
    Kind,
    Owner,
    ReadToken,
    Snapshot,
    TabSpec,
    column_letter,
    columns_by_position,
    normalise_header,
)
from map_workspace.reading import find_table
from map_workspace.render import formatted_rows

DATE_FORMAT = "yyyy-mm-dd"
AUTHOR = "mapws"
#: Document properties the product owns are stored as custom properties with this prefix.
META_PREFIX = "mapws."
#: Meta keys with this prefix are the backend's own bookkeeping, never written to the file.
PRIVATE_META = "_"
BACKUP_SUFFIX = ".bak"

_HEADER_FILL = PatternFill("solid", start_color="DCE6F1", end_color="DCE6F1")
_SYNC_FILL = PatternFill("solid", start_color="E7E6E6", end_color="E7E6E6")
_HEADER_FONT = Font(bold=True)
_SYNC_HEADER_FONT = Font(bold=True, italic=True, color="595959")
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)
_LEFT_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
#: Points per line of 10–11 pt text; characters per unit of column width (Calibri, roughly).
_LINE_HEIGHT = 15
_CHARS_PER_WIDTH = 1.15
#: Text a spreadsheet would read as the start of a formula when the cell is edited.
_FORMULA_LEAD = ("=", "+", "-", "@")


# --- writing a new workbook ---------------------------------------------------------------------


def write_workbook(path: Path, snapshot: Snapshot) -> None:
    """Write a new plan workbook from rendered grids, laid out and formatted as the contract says."""
    path = Path(path)
    last_row = _formats_last_row(snapshot)
    wb = Workbook()
    wb.remove(wb.active)
    for name in TABS:
        grid = snapshot.tabs.get(name) or Grid(title=name)
        ws = wb.create_sheet(name)
        ws.sheet_properties.codeName = code_name(name)
        if name == OVERVIEW:
            _write_overview(ws, grid)
        else:
            _write_table(ws, TABLE_TABS[name], grid, last_row)
        if name == STATE:
            ws.sheet_state = "hidden"
        else:
            _print_setup(ws)
    wb.active = 0
    deal = _overview_value(snapshot.tabs.get(OVERVIEW), "deal")
    wb.properties.title = f"{deal} — {OVERVIEW_TITLE}" if deal else OVERVIEW_TITLE
    wb.properties.subject = OVERVIEW_TITLE
    wb.properties.creator = AUTHOR
    _set_meta(wb, snapshot.meta)
    _save_atomically(wb, path)


def _formats_last_row(snapshot: Snapshot) -> int:
    try:
        return int(snapshot.meta["formatted_rows"])
    except (KeyError, ValueError):
        plan = snapshot.tabs.get(PLAN)
        return formatted_rows(max(0, len(plan.rows) - 1) if plan else 0)


def _overview_value(grid: Grid | None, key: str) -> str:
    label = next(f.label for f in OVERVIEW_FIELDS if f.key == key)
    for row in grid.rows if grid else ():
        if row and normalise_header(row[0].text) == normalise_header(label) and len(row) > 1:
            return row[1].text
    return ""


def _write_overview(ws: Worksheet, grid: Grid) -> None:
    fields = {normalise_header(f.label): f for f in OVERVIEW_FIELDS}
    for r, row in enumerate(grid.rows, 1):
        for c, cell in enumerate(row, 1):
            _put(ws.cell(r, c), cell)
        if r == 1:
            ws.cell(1, 1).font = Font(bold=True, size=14)
            continue
        field = fields.get(normalise_header(row[0].text)) if row else None
        ws.cell(r, 1).font = _HEADER_FONT
        ws.cell(r, 1).alignment = _TOP
        value = ws.cell(r, 2)
        value.alignment = _LEFT_WRAP
        if field is not None and field.owner is Owner.SYNC:
            ws.cell(r, 1).font = _SYNC_HEADER_FONT
            value.fill = _SYNC_FILL
        if field is not None and field.kind is Kind.DATE:
            value.number_format = DATE_FORMAT
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 80
    _fit_row_heights(ws, {2: 80}, first_row=2)


def _write_table(ws: Worksheet, spec: TabSpec, grid: Grid, last_row: int) -> None:
    header = grid.rows[0] if grid.rows else tuple(Cell(value=c.title) for c in spec.columns)
    columns = columns_by_position(spec, header)
    for c, cell in enumerate(header, 1):
        target = ws.cell(1, c)
        _put(target, cell)
        column = columns.get(c - 1)
        synced = column is not None and column.owner is Owner.SYNC
        target.font = _SYNC_HEADER_FONT if synced else _HEADER_FONT
        target.fill = _SYNC_FILL if synced else _HEADER_FILL
        target.alignment = _WRAP
        if synced and column is not None and column.note:
            target.comment = _comment(column.note, AUTHOR)
    for r, row in enumerate(grid.rows[1:], 2):
        for c, cell in enumerate(row, 1):
            target = ws.cell(r, c)
            _put(target, cell)
            column = columns.get(c - 1)
            if column is not None:
                _style_data_cell(target, column)
    for index, column in columns.items():
        letter = column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.wrap:
            ws.column_dimensions[letter].alignment = _WRAP
        if column.kind is Kind.DATE:
            ws.column_dimensions[letter].number_format = DATE_FORMAT
        if column.choices:
            ws.add_data_validation(_dropdown(column.choices, f"{letter}2:{letter}{last_row}"))
    ws.freeze_panes = "A2"
    widths = {i + 1: c.width for i, c in columns.items()}
    _fit_row_heights(ws, {i + 1: c.width for i, c in columns.items() if c.wrap}, first_row=2)
    if any(len(str(ws.cell(1, col).value or "")) > width * _CHARS_PER_WIDTH for col, width in widths.items()):
        ws.row_dimensions[1].height = 2 * _LINE_HEIGHT
    if spec.name == PLAN:
        cols = plan_columns_at({c.key: i for i, c in columns.items()}, last_row)
        _add_colour_rules(ws, cols, 1, max(len(header), len(spec.columns)))


def _fit_row_heights(ws: Worksheet, wrapped: dict[int, float], first_row: int) -> None:
    """Give rows with wrapped text the height they need: neither Excel nor LibreOffice re-measures
    rows when it opens a file, so without this long text overlaps the next row."""
    for row in range(first_row, ws.max_row + 1):
        lines = 1
        for col, width in wrapped.items():
            text = str(ws.cell(row, col).value or "")
            if text and not text.startswith("="):
                per_line = max(1.0, width * _CHARS_PER_WIDTH)
                lines = max(lines, sum(math.ceil(max(1, len(part)) / per_line) for part in text.split("\n")))
        if lines > 1:
            ws.row_dimensions[row].height = min(409, lines * _LINE_HEIGHT)


def _style_data_cell(cell: SheetCell, column: Column) -> None:
    cell.alignment = _WRAP if column.wrap else _TOP
    if column.kind is Kind.DATE and isinstance(cell.value, date):
        cell.number_format = DATE_FORMAT


def _dropdown(choices: tuple[str, ...], sqref: str) -> DataValidation:
    """A list dropdown that still accepts anything typed: buyers write "wip" or "done 3/5"."""
    dv = DataValidation(type="list", formula1=_choice_list(choices), allow_blank=True,
                        showErrorMessage=False, showInputMessage=False)
    dv.add(sqref)
    return dv


def _choice_list(choices: tuple[str, ...]) -> str:
    return '"' + ",".join(choices) + '"'


def _print_setup(ws: Worksheet) -> None:
    """One page wide, landscape, header row on every page, narrow margins, no gridlines."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = False
    ws.page_margins = PageMargins(left=0.25, right=0.25, top=0.75, bottom=0.75, header=0.3, footer=0.3)


# --- cells ----------------------------------------------------------------------------------------


def _put(target: SheetCell, cell: Cell) -> None:
    if cell.formula is not None:
        target.value = cell.formula if cell.formula.startswith("=") else "=" + cell.formula
        target.quotePrefix = False
    else:
        _set_value(target, cell.value)
    if cell.note:
        target.comment = _comment(cell.note, AUTHOR)


def _set_value(target: SheetCell, value: CellValue) -> None:
    """Store a value; text is always inert text, never a formula, error code or number."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not text:
            target.value = None
            return
        target.value = text
        target.data_type = "s"
        # quotePrefix keeps Excel from turning "=…" into a formula when the buyer edits the cell.
        target.quotePrefix = text.startswith(_FORMULA_LEAD)
        return
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Excel has no time zones: keep the instant readable, offset included, as text.
        _set_value(target, value.isoformat())
        return
    target.value = value
    target.quotePrefix = False
    if isinstance(value, datetime):
        target.number_format = DATE_FORMAT + " hh:mm"
    elif isinstance(value, date):
        target.number_format = DATE_FORMAT


def _comment(text: str, author: str) -> Comment:
    lines = text.split("\n")
    wrapped = sum(max(1, math.ceil(len(line) / 48)) for line in lines)
    return Comment(text, author, height=min(400, max(60, 16 * wrapped + 12)), width=320)


# --- reading --------------------------------------------------------------------------------------


def read_snapshot(path: Path) -> Snapshot:
    """Read every tab of a plan workbook into plain cells (the backend-neutral snapshot)."""
    path = Path(path)
    data = _read_bytes(path)
    wb = _load(data, path)
    tabs: dict[str, Grid] = {}
    extra: list[str] = []
    found = {name: _sheet(wb, name) for name in TABS}
    for name, sheet in found.items():
        if sheet is not None:
            tabs[name] = _grid(sheet)
    contract_sheets = {id(s) for s in found.values() if s is not None}
    extra += [sheet.title for sheet in wb.worksheets if id(sheet) not in contract_sheets]
    extra += [cs.title for cs in wb.chartsheets]
    meta = {p.name[len(META_PREFIX):]: "" if p.value is None else str(p.value)
            for p in wb.custom_doc_props.props if p.name.startswith(META_PREFIX)}
    digest = hashlib.sha256(data).hexdigest()
    _LOADED.put(digest, wb)
    plan_sheet = _sheet(wb, PLAN)
    formats_ok = plan_sheet is not None and PLAN in tabs and _formats_in_place(plan_sheet, tabs[PLAN])
    return Snapshot(source=str(path.resolve()), meta=meta, tabs=tabs, formats_ok=formats_ok,
                    extra_tabs=tuple(extra), token=ReadToken(digest))


class _RecentlyRead:
    """The last few workbooks read, by content hash: a sync that writes right after reading
    saves a second parse (the hash proves the bytes on disk are the ones that were parsed)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[str, Workbook] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, digest: str, wb: Workbook) -> None:
        with self._lock:
            self._items[digest] = wb
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def take(self, digest: str) -> Workbook | None:
        with self._lock:
            return self._items.pop(digest, None)


_LOADED = _RecentlyRead()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PlanNotFound(f"{path} does not exist.", "Check the path, or run 'mapws list'.") from None
    except OSError as exc:
        raise PlanError(f"Cannot read {path}: {exc.strerror}.", "Check the file's permissions.") from exc


def _load(data: bytes, path: Path) -> Workbook:
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


def _grid(ws: Worksheet) -> Grid:
    rows: list[tuple[Cell, ...]] = []
    width = 0
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
        cells = tuple(_cell(c) for c in row)
        used = [i for i, c in enumerate(cells) if c.value is not None or c.formula is not None or c.note]
        if used:
            width = max(width, used[-1] + 1)
        rows.append(cells)
    while rows and not any(c.value is not None or c.formula is not None or c.note for c in rows[-1]):
        rows.pop()
    return Grid(title=ws.title, rows=tuple(r[:width] for r in rows))


def _cell(c: SheetCell) -> Cell:
    note = c.comment.text if c.comment is not None else ""
    value = c.value
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


def code_name(tab: str) -> str:
    """The VBA code name that marks a contract tab: Excel and LibreOffice keep it when a buyer
    renames the tab, so the tab is still found by it ("mapwsCheckins" for "Check-ins")."""
    return "mapws" + re.sub(r"[^A-Za-z]", "", tab.title() if tab == STATE else tab)


def _sheet(wb: Workbook, name: str) -> Worksheet | None:
    """A contract tab: by its code name first (survives renames), else by its title."""
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName == code_name(name):
            return ws
    for ws in wb.worksheets:
        if ws.title.strip().lower() == name.lower() and not (ws.sheet_properties.codeName or "").startswith("mapws"):
            return ws
    return None


# --- the product's formats: dropdowns and colour rules ---------------------------------------------




_PRODUCT_LISTS = {_choice_list(c.choices) for spec in TABLE_TABS.values() for c in spec.columns if c.choices}


def _is_product_rule(rule: Rule) -> bool:
    formulas = list(rule.formula or ())
    return len(formulas) == 1 and is_colour_rule_formula(formulas[0])


def _add_colour_rules(ws: Worksheet, cols: PlanColumns, header_row: int, width: int) -> None:
    """First match wins: each rule stops the ones after it, in the order formulas.py gives."""
    first = header_row + 1
    sqref = f"A{first}:{column_letter(max(width, 1) - 1)}{cols.last_row}"
    priority = max((r.priority or 0 for cf in ws.conditional_formatting for r in cf.rules), default=0)
    for formula, rule in colour_rules_from(cols, first):
        priority += 1
        fill = PatternFill("solid", start_color=rule.fill, end_color=rule.fill)
        cf_rule = FormulaRule(formula=[formula], fill=fill, font=Font(color=rule.font, bold=rule.bold),
                              stopIfTrue=True)
        cf_rule.priority = priority
        ws.conditional_formatting.add(sqref, cf_rule)


def _formats_in_place(ws: Worksheet, grid: Grid) -> bool:
    """The Status dropdown and every colour rule still cover the Plan rows (a buyer may have
    cleared them, or the plan outgrown them)."""
    table = find_table(grid, PLAN_TAB)
    first = table.header_row + 2
    last = max(first, len(grid.rows))
    status = column_letter(table.columns.get("status", PLAN_TAB.index("status")))
    dropdown = any(
        dv.type == "list" and f"{status}{first}" in dv.sqref and f"{status}{last}" in dv.sqref
        for dv in ws.data_validations.dataValidation
    )
    if not dropdown:
        return False
    cols = plan_columns_at(table.columns, last)
    present = {
        canonical_formula(f)
        for cf in ws.conditional_formatting
        if f"{status}{first}" in cf.sqref and f"{status}{last}" in cf.sqref
        for rule in cf.rules
        for f in (rule.formula or ())[:1]
    }
    return all(canonical_formula(formula) in present for formula, _ in colour_rules_from(cols, first))


def _refresh_formats(ws: Worksheet, grid: Grid | None, to_row: int) -> None:
    """Re-create the Plan's dropdowns and colour rules down to ``to_row``: the product's old ones
    go first; the buyer's own rules and lists stay as they are."""
    table = find_table(grid or _grid(ws), PLAN_TAB)
    header_row = table.header_row + 1
    first = header_row + 1
    kept = [dv for dv in ws.data_validations.dataValidation if dv.formula1 not in _PRODUCT_LISTS]
    ws.data_validations.dataValidation = kept
    for spec_column in PLAN_TAB.columns:
        index = table.columns.get(spec_column.key)
        if spec_column.choices and index is not None:
            letter = column_letter(index)
            ws.add_data_validation(_dropdown(spec_column.choices, f"{letter}{first}:{letter}{to_row}"))
    rules = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if not _is_product_rule(rule):
                rules.add(str(cf.sqref), rule)
    ws.conditional_formatting = rules
    # Rows are coloured across every headed column, the buyer's own included.
    headed = [c.column for c in ws[header_row] if c.value not in (None, "")]
    width = max([len(PLAN_TAB.columns), max(table.columns.values(), default=0) + 1, *headed])
    _add_colour_rules(ws, plan_columns_at(table.columns, to_row), header_row, width)


# --- document properties --------------------------------------------------------------------------


def _set_meta(wb: Workbook, meta: dict[str, str]) -> None:
    props = wb.custom_doc_props
    for key, value in sorted(meta.items()):
        if key.startswith(PRIVATE_META):
            continue
        name = META_PREFIX + key
        if name in props.names:
            del props[name]
        props.append(StringProperty(name=name, value=str(value)))


# --- what openpyxl would lose ---------------------------------------------------------------------

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"

#: Parts openpyxl does not carry over; their presence alone means content would be lost.
_DROPPED_PARTS = (
    ("xl/vbaProject.bin", "VBA macros"),
    ("xl/slicers/", "slicers"),
    ("xl/slicerCaches/", "slicers"),
    ("xl/timelines/", "timelines"),
    ("xl/timelineCaches/", "timelines"),
    ("xl/ctrlProps/", "form controls"),
    ("xl/activeX/", "ActiveX controls"),
    ("xl/embeddings/", "embedded objects"),
    ("xl/richData/", "pictures placed in cells or linked data types"),
    ("xl/featurePropertyBag/", "checkboxes in cells"),
    ("xl/threadedComments/", "threaded comments (openpyxl would turn them into plain notes)"),
    ("xl/connections.xml", "data connections or Power Query queries"),
    ("xl/queryTables/", "query tables"),
    ("xl/model/", "a Power Pivot data model"),
    ("xl/webextensions/", "Office add-ins"),
    ("xl/macrosheets/", "Excel 4 macro sheets"),
    ("xl/dialogsheets/", "dialog sheets"),
)

#: Extension blocks (``<ext uri>``) openpyxl drops but whose loss changes nothing a buyer made:
#: program settings that Excel or LibreOffice write back on their next save.
_HARMLESS_EXT = {
    "{140A7094-0E35-4892-8432-C4D2E57EDEB5}",  # x15:workbookPr (chart tracking)
    "{79F54976-1DA5-4618-B147-ACDE4B953A38}",  # x14:workbookPr (default image DPI)
    "{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}",  # xcalcf:calcFeatures (calc engine feature list)
    "{7523E5D3-25F3-A5E0-1632-64F254C22452}",  # mx:ArchID (Excel for Mac)
    "{7626C862-2A13-11E5-B345-FEFF819CDC9F}",  # loext:extCalcPr (LibreOffice reference syntax)
    "{01252117-D84E-4E92-8308-4BE1C098FCBB}",  # x14 ignored errors (the green triangles)
}

_KNOWN_EXT = {
    "{05C60535-1F16-4FD2-B633-F4F36F0B64E0}": "sparklines",
    "{78C0D931-6437-407D-A8EE-F0AAD7539E65}": "data bars, icon sets or other newer conditional formats",
    "{B025F937-C7B1-47D3-B67F-A62EFF666E3E}": "data bars, icon sets or other newer conditional formats",
    "{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}": "dropdowns of a newer kind (lists from another tab)",
    "{A8765BA9-456A-4DAB-B4F3-ACF838C121DE}": "slicers",
    "{3A4CF648-6AED-40F4-86FF-DC5316D8AED3}": "slicers",
    "{BBE1A952-AA13-448E-AADC-164F8A28A991}": "slicers",
    "{46BE6895-7355-4A93-B00E-2C351335B9C9}": "slicers",
    "{7E03D99C-DC04-49D9-9315-930204A7B6E9}": "timelines",
    "{D0CA8CA8-9F24-4464-BF8E-62219DCF47F9}": "timelines",
    "{A2CB5862-8E78-49C6-8D9D-AF26E26ADB89}": "timelines",
    "{F7C9EE02-42E1-4005-9D12-6889AFFD525C}": "Office add-ins",
    "{FC87AEE6-9EDD-4A0A-B7FB-166176984837}": "protected ranges",
    "{876F7934-8845-4945-9796-88D515C7AA90}": "pivot table caches of a newer kind",
    "{FCE2AD5D-F65C-4FA6-A056-5C36A1767C68}": "a Power Pivot data model",
}

#: Worksheet elements openpyxl reads and writes back.
_SHEET_KEPT = {
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetProtection",
    "autoFilter", "mergeCells", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
    "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "drawing", "legacyDrawing",
    "tableParts", "extLst", "scenarios",
}
#: Worksheet elements openpyxl drops whose loss is harmless (the program recomputes them).
_SHEET_HARMLESS = {
    "sheetCalcPr", "sortState", "phoneticPr", "ignoredErrors", "smartTags", "cellWatches",
    "dataConsolidate", "webPublishItems",
}
_SHEET_DROPPED = {
    "protectedRanges": "protected ranges",
    "legacyDrawingHF": "pictures in the page header or footer",
    "drawingHF": "pictures in the page header or footer",
    "picture": "a background picture",
    "oleObjects": "embedded objects",
    "controls": "form or ActiveX controls",
    "customProperties": "custom sheet properties",
    "customSheetViews": "custom views",
    "AlternateContent": "form controls or embedded objects",
}
_ANCHORS = {"twoCellAnchor", "oneCellAnchor", "absoluteAnchor"}
_SHAPES = {
    "sp": "a shape or text box",
    "grpSp": "a group of shapes",
    "cxnSp": "a connector line",
    "contentPart": "an ink drawing",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def unsafe_content(data: bytes) -> list[str]:
    """What a save through openpyxl would lose from this .xlsx, as "what (where)" lines; empty
    when nothing would be lost. Reads the zip only — the workbook is not loaded."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        return []  # not a workbook at all: loading it fails with its own message
    with archive:
        names = set(archive.namelist())
        problems: list[str] = []
        for prefix, what in _DROPPED_PARTS:
            if any(n == prefix or (prefix.endswith("/") and n.startswith(prefix)) for n in names):
                problems.append(f"{what} (in the workbook)")
        metadata = _read(archive, "xl/metadata.xml")
        if metadata and b"dynamicArrayProperties" in metadata:
            problems.append("dynamic array formulas (spill ranges) (in the workbook)")
        workbook_xml = _read(archive, "xl/workbook.xml")
        if workbook_xml:
            extensions = _unknown_extensions(ET.fromstring(workbook_xml))
            problems += [f"{what} (in the workbook)" for what in extensions]
        for part, title in _sheet_parts(archive, names):
            xml = _read(archive, part)
            if xml is None:
                continue
            root = ET.fromstring(xml)
            where = f"(tab '{title}')"
            for child in root:
                name = _local(child.tag)
                if name in _SHEET_KEPT or name in _SHEET_HARMLESS:
                    continue
                problems.append(f"{_SHEET_DROPPED.get(name, f'unsupported content <{name}>')} {where}")
            problems += [f"{what} {where}" for what in _unknown_extensions(root)]
            for drawing in _related(archive, names, part, "/drawing"):
                problems += [f"{what} {where}" for what in _drawing_problems(archive, names, drawing)]
    return list(dict.fromkeys(problems))


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        return None


def _unknown_extensions(root: ET.Element) -> list[str]:
    found = []
    for element in root.iter():
        uri = element.get("uri")
        if _local(element.tag) != "ext" or not uri:
            continue
        key = uri.strip().upper()
        if key in _HARMLESS_EXT:
            continue
        found.append(_KNOWN_EXT.get(key, f"an extension openpyxl cannot keep ({uri})"))
    return found


def _rels(archive: zipfile.ZipFile, names: set[str], part: str) -> dict[str, tuple[str, str, bool]]:
    """A part's relationships: id → (type, target part name or URL, whether it is external)."""
    path = PurePosixPath(part)
    rels_name = str(path.parent / "_rels" / (path.name + ".rels"))
    if rels_name not in names:
        return {}
    out = {}
    for rel in ET.fromstring(archive.read(rels_name)):
        target = rel.get("Target", "")
        external = rel.get("TargetMode", "Internal") == "External"
        if not external:
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                str(path.parent / target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), target, external)
    return out


def _related(archive: zipfile.ZipFile, names: set[str], part: str, type_suffix: str) -> list[str]:
    return [target for typ, target, external in _rels(archive, names, part).values()
            if typ.endswith(type_suffix) and not external]


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(part name, tab title) of every worksheet and chartsheet."""
    workbook_xml = _read(archive, "xl/workbook.xml")
    if workbook_xml is None:
        return []
    rels = _rels(archive, names, "xl/workbook.xml")
    out = []
    for sheet in ET.fromstring(workbook_xml).iter(f"{{{_NS_MAIN}}}sheet"):
        typ, target, external = rels.get(sheet.get(f"{{{_NS_REL}}}id", ""), ("", "", True))
        if not external:
            out.append((target, sheet.get("name", "?")))
    return out


def _drawing_problems(archive: zipfile.ZipFile, names: set[str], drawing: str) -> list[str]:
    """What in one drawing openpyxl would not write back: it keeps charts and pictures only."""
    xml = _read(archive, drawing)
    if xml is None:
        return []
    rels = _rels(archive, names, drawing)
    problems = []
    for anchor in ET.fromstring(xml):
        kind = _local(anchor.tag)
        if kind == "AlternateContent":
            problems.append(_alternate_content(anchor))
            continue
        if kind not in _ANCHORS:
            continue
        for child in anchor:
            name = _local(child.tag)
            if name in _SHAPES:
                problems.append(_SHAPES[name])
            elif name == "graphicFrame":
                chart = child.find(f".//{{{_NS_CHART}}}chart")
                if chart is None:
                    problems.append("SmartArt or another graphic that is not a chart")
                elif not _chart_readable(archive, rels.get(chart.get(f"{{{_NS_REL}}}id", ""))):
                    problems.append("a chart openpyxl cannot read")
            elif name == "pic":
                problem = _picture_problem(archive, child, rels)
                if problem:
                    problems.append(problem)
    return problems


def _chart_readable(archive: zipfile.ZipFile, rel: tuple[str, str, bool] | None) -> bool:
    """openpyxl rebuilds each chart from its own model and drops one it cannot parse."""
    if rel is None or rel[2]:
        return False
    data = _read(archive, rel[1])
    if data is None:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read_chart(ChartSpace.from_tree(openpyxl_xml(data)))
    except Exception:  # any failure here is a failure in openpyxl's own reader too
        return False
    return True


def _alternate_content(element: ET.Element) -> str:
    text = ET.tostring(element, encoding="unicode")
    if "chartex" in text:
        return "a chart of a newer type (waterfall, treemap, funnel …)"
    if "slicer" in text.lower():
        return "slicers"
    if "timeslicer" in text.lower() or "timeline" in text.lower():
        return "timelines"
    return "a form control or another object openpyxl cannot keep"


_Rels = dict[str, tuple[str, str, bool]]


def _picture_problem(archive: zipfile.ZipFile, pic: ET.Element, rels: _Rels) -> str | None:
    """openpyxl keeps an embedded picture Pillow can open, except WMF; a linked one it drops."""
    blip = pic.find(f".//{{{_NS_A}}}blip")
    embed = blip.get(f"{{{_NS_REL}}}embed") if blip is not None else None
    _, target, external = rels.get(embed or "", ("", "", True))
    if external:
        return "a linked picture (not stored in the file)"
    fmt = _image_format(_read(archive, target))
    if fmt is None or fmt == "WMF":
        return f"a picture in a format openpyxl drops ({PurePosixPath(target).suffix or 'unknown'})"
    return None


def _image_format(data: bytes | None) -> str | None:
    if not data:
        return None
    try:
        from PIL import Image

        with Image.open(BytesIO(data)) as image:
            return (image.format or "").upper() or None
    except Exception:  # any failure means openpyxl cannot read it either
        return None


# --- applying a change set ------------------------------------------------------------------------


def lock_file(path: Path) -> Path | None:
    """The Excel (``~$name``) or LibreOffice (``.~lock.name#``) lock file beside ``path``."""
    path = Path(path)
    for candidate in (path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")):
        if candidate.exists():
            return candidate
    return None


def check_not_locked(path: Path) -> None:
    lock = lock_file(path)
    if lock is not None:
        raise PlanLocked(
            f"{path.name} is open in Excel or LibreOffice (lock file {lock.name} beside it); "
            "it was not changed.",
            f"Close the workbook (and delete {lock.name} if no one has it open), then run sync again.",
        )


def check_safe_to_save(path: Path, data: bytes) -> None:
    problems = unsafe_content(data)
    if problems:
        raise UnsafeToSave(
            f"{path.name} holds content that saving through openpyxl would drop: {'; '.join(problems)}.",
            "mapws will not write this file. Remove or move that object (for example to another "
            "workbook), or keep this plan read-only (mapws status reads it without writing).",
        )


def apply_changes(path: Path, snapshot: Snapshot, changes: ChangeSet) -> str:
    """Write a change set into the workbook it was planned from, in one save, and return the new
    file's SHA-256. Refuses when the workbook is open, holds content openpyxl would drop, or
    changed since it was read."""
    path = Path(path)
    if changes.is_empty:
        return snapshot.token.version
    check_not_locked(path)
    data = _read_bytes(path)
    check_safe_to_save(path, data)
    _check_unchanged(path, snapshot, data)
    wb = _LOADED.take(snapshot.token.version) or _load(data, path)
    _apply_cells(wb, changes.cells, path)
    _apply_notes(wb, changes, path)
    if changes.history:
        _append_history(wb, changes.history)
    if changes.state is not None:
        _rewrite_state(wb, changes.state)
    if changes.formats_to_row is not None:
        plan = _sheet(wb, PLAN)
        if plan is None:
            raise StructuralBreak(f"{path.name} has no Plan tab.", "Restore the Plan tab, then sync again.")
        _refresh_formats(plan, snapshot.tabs.get(PLAN), changes.formats_to_row)
    if changes.meta:
        _set_meta(wb, changes.meta)
    check_not_locked(path)
    return _save_over(wb, path, data)


def _check_unchanged(path: Path, snapshot: Snapshot, data: bytes) -> None:
    expected = snapshot.token.version
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise PlanChanged(
            f"{path.name} changed on disk during the sync (someone saved it after it was read); "
            "nothing was written.",
            "Run sync again: it reads the new version.",
        )


def _tab(wb: Workbook, name: str, path: Path) -> Worksheet:
    ws = _sheet(wb, name)
    if ws is None:
        raise StructuralBreak(
            f"{path.name} has no '{name}' tab to write to.",
            f"Restore the '{name}' tab (undo, or copy it from {path.name}{BACKUP_SUFFIX}), then sync again.",
        )
    return ws


def _apply_cells(wb: Workbook, writes: Iterable[CellWrite], path: Path) -> None:
    for write in writes:
        ws = _tab(wb, write.tab, path)
        _unmerge_over(ws, write.row, write.col + 1)
        cell = ws.cell(write.row, write.col + 1)
        if write.formula is not None:
            cell.value = write.formula if write.formula.startswith("=") else "=" + write.formula
            cell.quotePrefix = False
        else:
            _set_value(cell, write.value)


def _unmerge_over(ws: Worksheet, row: int, col: int) -> None:
    """A buyer's merge that covers a sync-owned cell is an edit to that cell: undo the merge (the
    merged text stays in its top-left cell, which is the buyer's), so the product's cell is back."""
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            if (row, col) != (merged.min_row, merged.min_col):
                ws.unmerge_cells(str(merged))


def _apply_notes(wb: Workbook, changes: ChangeSet, path: Path) -> None:
    for note in changes.notes:
        ws = _tab(wb, note.tab, path)
        _unmerge_over(ws, note.row, note.col + 1)
        cell = ws.cell(note.row, note.col + 1)
        existing = cell.comment.text if cell.comment is not None else ""
        merged = merge_note(existing, note.lines)
        if merged == existing:
            continue
        if not merged.strip():
            cell.comment = None
            continue
        # The buyer's note keeps its author while their words are in it.
        buyer_left = merge_note(existing, ()) != ""
        author = cell.comment.author if cell.comment is not None and buyer_left else AUTHOR
        cell.comment = _comment(merged, author or AUTHOR)


def _last_used_row(ws: Worksheet) -> int:
    for row in range(ws.max_row, 0, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return 0


def _append_history(wb: Workbook, entries: Iterable[HistoryEntry]) -> None:
    ws = _sheet(wb, HISTORY) or _new_table_sheet(wb, TABLE_TABS[HISTORY], before=STATE)
    row = max(_last_used_row(ws), 1) + 1
    columns = TABLE_TABS[HISTORY].columns
    for entry in entries:
        for col, value in enumerate(entry.cells(), 1):
            cell = ws.cell(row, col)
            _set_value(cell, value)
            if col <= len(columns):
                _style_data_cell(cell, columns[col - 1])
        row += 1


def _rewrite_state(wb: Workbook, rows: Iterable[StateRow]) -> None:
    ws = _sheet(wb, STATE)
    if ws is None:
        ws = _new_table_sheet(wb, TABLE_TABS[STATE])
        ws.sheet_state = "hidden"
    if ws.max_row > 1:
        ws.delete_rows(2, ws.max_row - 1)
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row.cells(), 1):
            _set_value(ws.cell(r, c), None if value == "" else value)


def _new_table_sheet(wb: Workbook, spec: TabSpec, before: str | None = None) -> Worksheet:
    """A contract tab the file lost, re-created with its header (at its place in the order)."""
    index = None
    if before is not None:
        other = _sheet(wb, before)
        index = wb.worksheets.index(other) if other is not None else None
    ws = wb.create_sheet(spec.name, index)
    ws.sheet_properties.codeName = code_name(spec.name)
    for c, column in enumerate(spec.columns, 1):
        cell = ws.cell(1, c)
        _set_value(cell, column.title)
        cell.font = _SYNC_HEADER_FONT if column.owner is Owner.SYNC else _HEADER_FONT
        cell.fill = _SYNC_FILL if column.owner is Owner.SYNC else _HEADER_FILL
        ws.column_dimensions[column_letter(c - 1)].width = column.width
    ws.freeze_panes = "A2"
    return ws


def _write_error(path: Path, exc: OSError) -> PlanError:
    return PlanError(f"Cannot write {path}: {exc.strerror or exc}.",
                     "Check the folder's permissions and free space.")


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + BACKUP_SUFFIX)


def _temp_beside(path: Path) -> Path:
    """A name in the same folder that no plan listing picks up (hidden, ends in .tmp)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _save_atomically(wb: Workbook, path: Path) -> None:
    temp = _temp_beside(path)
    try:
        wb.save(temp)
        os.replace(temp, path)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        temp.unlink(missing_ok=True)


def _save_over(wb: Workbook, path: Path, original: bytes) -> str:
    """Keep one backup of the version being replaced, then swap the new file in atomically;
    returns the new file's SHA-256."""
    temp = _temp_beside(path)
    backup_temp = _temp_beside(backup_path(path))
    try:
        wb.save(temp)
        try:
            os.chmod(temp, path.stat().st_mode & 0o7777)
        except OSError:
            pass
        if _read_bytes(path) != original:
            raise PlanChanged(
                f"{path.name} changed on disk during the sync (someone saved it while mapws was writing); "
                "nothing was written.",
                "Run sync again: it reads the new version.",
            )
        digest = hashlib.sha256(temp.read_bytes()).hexdigest()
        backup_temp.write_bytes(original)
        os.replace(backup_temp, backup_path(path))
        os.replace(temp, path)
        return digest
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        temp.unlink(missing_ok=True)
        backup_temp.unlink(missing_ok=True)
