"""How a plan workbook looks: header styles, column widths, row heights, dropdowns, the colour
rules, print setup, and values put into cells as inert text, dates or the product's formulas.

A new workbook is laid out here (:func:`new_workbook`); a sync re-applies only the Plan's
dropdowns and colour rules (:func:`refresh_formats`), never touching the buyer's own.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Hashable
from copy import copy
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from map_workspace import catalog
from map_workspace.backends.local.workbook_contract import AUTHOR, DATE_FORMAT, code_name, find_sheet
from map_workspace.domain.thresholds import Thresholds
from map_workspace.formulas import (
    ColourRule,
    PlanColumns,
    canonical_formula,
    colour_rules_from,
    is_colour_rule_formula,
    plan_columns_at,
    thresholds_of,
)
from map_workspace.layout import (
    CHECKINS,
    OVERVIEW,
    OVERVIEW_FIELDS,
    PLAN,
    PLAN_TAB,
    RISKS,
    STAKEHOLDERS,
    STATE,
    TABLE_TABS,
    TABS,
    TIMELINE,
    Cell,
    CellValue,
    Column,
    Grid,
    Kind,
    Owner,
    Snapshot,
    TabSpec,
    column_letter,
    columns_by_position,
    date_format,
    formats_last_row,
    normalise_header,
    overview_labels,
    overview_title,
    spec_in,
    tab_title,
)
from map_workspace.reading import find_table
from map_workspace.textwidth import display_width, fitted_width
from map_workspace.timeline import (
    FIXED_COLUMNS,
    WEEK_WIDTH,
    TimelineLayout,
    fixed_headers,
    layout_from_meta,
    row_formulas,
    timeline_rules,
    today_header_rule,
    week_format,
)

_HEADER_FILL = PatternFill("solid", start_color="DCE6F1", end_color="DCE6F1")
_SYNC_FILL = PatternFill("solid", start_color="E7E6E6", end_color="E7E6E6")
#: Headers in the body's font: without a name, LibreOffice draws them in a wider serif.
_HEADER_FONT = Font(name="Calibri", bold=True)
_SYNC_HEADER_FONT = Font(name="Calibri", bold=True, italic=True, color="595959")
_GUIDE_FONT = Font(name="Calibri", italic=True, color="1F3864")
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)
_LEFT_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
_CENTRED = Alignment(horizontal="center", vertical="center")
_WEEK_HEADER = Alignment(horizontal="center", vertical="top", text_rotation=90)
#: Points per line of 10–11 pt text; characters per unit of column width (Calibri, roughly), and
#: fewer for bold headers, so a header never wraps onto the first row.
_LINE_HEIGHT = 15
_CHARS_PER_WIDTH = 1.15
_HEADER_CHARS_PER_WIDTH = 0.85
#: A wide (Japanese) character's share of a line, in Latin characters: LibreOffice draws 22 of them
#: on a line of a width-44 column, where 50 Latin ones fit.
_WIDE_SPAN = 2.4
_MAX_HEIGHT = 409
#: A Flag formula's static words, joined after its date word: ``&" · Needs owner"``.
_STATIC_WORDS = re.compile(r'&"((?:[^"]|"")*)"')
#: Text a spreadsheet would read as the start of a formula when the cell is edited.
_FORMULA_LEAD = ("=", "+", "-", "@")


# --- cell styles, each built once -----------------------------------------------------------------


class CellStyles:
    """The styles a loop gives many cells of one workbook, each built once and then copied.

    Setting a font, fill, alignment or number format through openpyxl hashes the style object and
    looks it up in the workbook's list, per cell: most of the time of writing a large plan. Here
    the first cell given a style (``key``, from what the cell already had) gets it through those
    setters, and every later one a copy of the style ids that produced (openpyxl's ``StyleArray``):
    the saved styles are the same, byte for byte. ``key`` must name the ``attributes`` it comes
    with; one instance serves one workbook (the ids index its lists)."""

    def __init__(self) -> None:
        self._made: dict[tuple[Hashable, tuple[int, ...] | None], StyleArray | None] = {}

    def apply(self, cell: SheetCell, key: Hashable, **attributes: object) -> None:
        before = cell._style
        memo = (key, None if before is None else tuple(before))
        if memo in self._made:
            made = self._made[memo]
            cell._style = None if made is None else copy(made)
            return
        for name, value in attributes.items():
            setattr(cell, name, value)
        self._made[memo] = None if cell._style is None else copy(cell._style)


# --- a new workbook -----------------------------------------------------------------------------


def new_workbook(snapshot: Snapshot) -> Workbook:
    """A plan workbook from rendered grids, laid out and formatted as the contract says (the
    document properties and the save are the caller's)."""
    last_row = formats_last_row(snapshot)
    thresholds = thresholds_of(snapshot.meta)
    lang = catalog.plan_language(snapshot.meta)
    wb = Workbook()
    wb.remove(wb.active)
    for name in TABS:
        grid = snapshot.tabs.get(name) or Grid(title=tab_title(name, lang))
        ws = wb.create_sheet(grid.title or tab_title(name, lang))
        ws.sheet_properties.codeName = code_name(name)
        if name == OVERVIEW:
            _write_overview(ws, grid, date_format(lang))
        else:
            _write_table(ws, spec_in(name, lang), grid, last_row, thresholds, lang)
        if name == STATE:
            ws.sheet_state = "hidden"
        else:
            _print_setup(ws)
    layout = layout_from_meta(snapshot.meta, {}, last_row)
    if layout is not None:
        write_timeline(wb, layout)
    wb.active = 0
    deal = _overview_value(snapshot.tabs.get(OVERVIEW), "deal")
    title = overview_title(lang)
    wb.properties.title = f"{deal} — {title}" if deal else title
    wb.properties.subject = title
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    return wb


def _overview_value(grid: Grid | None, key: str) -> str:
    labels = overview_labels()
    for row in grid.rows if grid else ():
        if row and labels.get(normalise_header(row[0].text)) == key and len(row) > 1:
            return row[1].text
    return ""


def _write_overview(ws: Worksheet, grid: Grid, dates: str = DATE_FORMAT) -> None:
    keys = overview_labels()
    fields = {label: next(f for f in OVERVIEW_FIELDS if f.key == key) for label, key in keys.items()}
    guides = catalog.in_every_language("sheet.overview.guide")
    for r, row in enumerate(grid.rows, 1):
        for c, cell in enumerate(row, 1):
            put(ws.cell(r, c), cell)
        if r == 1:
            ws.cell(1, 1).font = Font(name="Calibri", bold=True, size=14)
            continue
        if row and row[0].text in guides:  # one line, running over the empty cell beside it
            ws.cell(r, 1).font = _GUIDE_FONT
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
            value.number_format = dates
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 80
    _fit_row_heights(ws, {2: 80}, first_row=2)


def _write_table(ws: Worksheet, spec: TabSpec, grid: Grid, last_row: int, thresholds: Thresholds,
                 lang: str = catalog.DEFAULT) -> None:
    header = grid.rows[0] if grid.rows else tuple(Cell(value=c.title) for c in spec.columns)
    columns = columns_by_position(spec, header)
    dates = date_format(lang)
    for c, cell in enumerate(header, 1):
        target = ws.cell(1, c)
        put(target, cell)
        column = columns.get(c - 1)
        synced = column is not None and column.owner is Owner.SYNC
        target.font = _SYNC_HEADER_FONT if synced else _HEADER_FONT
        target.fill = _SYNC_FILL if synced else _HEADER_FILL
        target.alignment = _WRAP
        if synced and column is not None and column.note:
            target.comment = comment(column.note, AUTHOR)
    styles = CellStyles()
    for r, row in enumerate(grid.rows[1:], 2):
        for c, cell in enumerate(row, 1):
            target = ws.cell(r, c)
            put(target, cell, dates)
            column = columns.get(c - 1)
            if column is not None:
                style_data_cell(target, column, dates, styles)
    for index, column in columns.items():
        letter = column_letter(index)
        ws.column_dimensions[letter].width = column_width(column)
        if column.wrap:
            ws.column_dimensions[letter].alignment = _WRAP
        if column.kind is Kind.DATE:
            ws.column_dimensions[letter].number_format = dates
        if column.choices:
            ws.add_data_validation(_dropdown(column.choices, f"{letter}2:{letter}{last_row}"))
    ws.freeze_panes = "A2"
    widths = {i + 1: column_width(c) for i, c in columns.items()}
    _fit_row_heights(ws, {i + 1: column_width(c) for i, c in columns.items() if c.wrap}, first_row=2)
    header_lines = max((_lines(str(ws.cell(1, col).value or ""), width * _HEADER_CHARS_PER_WIDTH)
                        for col, width in widths.items()), default=1)
    if header_lines > 1:
        ws.row_dimensions[1].height = header_lines * _LINE_HEIGHT
    if spec.name == PLAN:
        cols = plan_columns_at({c.key: i for i, c in columns.items()}, last_row, lang=lang)
        _add_colour_rules(ws, cols, 1, max(len(header), len(spec.columns)), thresholds)


def new_table_sheet(wb: Workbook, spec: TabSpec, before: str | None = None) -> Worksheet:
    """A contract tab the file lost, re-created with its header (at its place in the order)."""
    index = None
    if before is not None:
        other = find_sheet(wb, before)
        index = wb.worksheets.index(other) if other is not None else None
    ws = wb.create_sheet(spec.title, index)
    ws.sheet_properties.codeName = code_name(spec.name)
    for c, column in enumerate(spec.columns, 1):
        cell = ws.cell(1, c)
        set_value(cell, column.title)
        style_header_cell(cell, column)
        ws.column_dimensions[column_letter(c - 1)].width = column_width(column)
    ws.freeze_panes = "A2"
    return ws


def column_width(column: Column) -> float:
    """A column's width in the plan's language: the contract's, widened so its widest dropdown
    choice fits (Japanese characters are twice as wide as Latin ones)."""
    return fitted_width(column.width, column.choices)


def write_timeline(wb: Workbook, layout: TimelineLayout) -> Worksheet:
    """The Timeline tab, right after the Plan: week headers, one formula row per Plan row, the
    colour rules, and print setup (landscape, one page wide)."""
    plan = find_sheet(wb, PLAN)
    index = wb.worksheets.index(plan) + 1 if plan is not None else None
    ws = wb.create_sheet(tab_title(TIMELINE, layout.lang), index)
    ws.sheet_properties.codeName = code_name(TIMELINE)
    for c, (header, (_, width, hidden)) in enumerate(zip(fixed_headers(layout.lang), FIXED_COLUMNS, strict=True), 1):
        cell = ws.cell(1, c)
        set_value(cell, header)
        cell.font, cell.fill, cell.alignment = _SYNC_HEADER_FONT, _SYNC_FILL, _WRAP
        dim = ws.column_dimensions[column_letter(c - 1)]
        dim.width, dim.hidden = width, hidden
    _week_headers(ws, layout, 0)
    ws.row_dimensions[1].height = 50
    timeline_rows(ws, layout, 2)
    _add_rules(ws, layout.week_range(), timeline_rules(layout))
    _add_rules(ws, layout.header_range(), (today_header_rule(layout),))
    ws.freeze_panes = ws.cell(2, layout.first_week_col + 1).coordinate
    _print_setup(ws)
    ws.print_title_cols = "A:B"
    return ws


def _week_headers(ws: Worksheet, layout: TimelineLayout, from_week: int) -> None:
    styles, weeks = CellStyles(), week_format(layout.lang)
    for k in range(from_week, layout.weeks):
        cell = ws.cell(1, layout.first_week_col + k + 1)
        set_value(cell, layout.week(k))
        styles.apply(cell, ("week_header", weeks), number_format=weeks, font=_SYNC_HEADER_FONT, fill=_SYNC_FILL,
                     alignment=_WEEK_HEADER)
        ws.column_dimensions[column_letter(layout.first_week_col + k)].width = WEEK_WIDTH


def extend_timeline(ws: Worksheet, layout: TimelineLayout, first_row: int, first_new_week: int, *,
                    rules_again: bool = False) -> None:
    """An existing Timeline grown: week columns from ``first_new_week`` (header, formulas and
    their own colour rules, the old ones untouched) and formula rows from ``first_row``.
    ``rules_again`` (the plan was closed or reopened): every week's colour rules replace the old ones."""
    if rules_again:
        ws.conditional_formatting = ConditionalFormattingList()
        _add_rules(ws, layout.week_range(), timeline_rules(layout))
        _add_rules(ws, layout.header_range(), (today_header_rule(layout),))
    if first_new_week < layout.weeks:
        _week_headers(ws, layout, first_new_week)
        first_col = layout.first_week_col + first_new_week
        styles = CellStyles()
        for row in range(2, first_row):
            formulas = row_formulas(layout, row)
            for col in range(first_col, layout.last_col + 1):
                cell = ws.cell(row, col + 1)
                if cell.value in (None, ""):
                    put_formula(cell, formulas[col])
                    styles.apply(cell, "week", alignment=_CENTRED)
        if not rules_again:
            _add_rules(ws, layout.week_range(first_new_week), timeline_rules(layout, first_new_week))
            _add_rules(ws, layout.header_range(first_new_week), (today_header_rule(layout, first_new_week),))
    timeline_rows(ws, layout, first_row)


def timeline_rows(ws: Worksheet, layout: TimelineLayout, first: int) -> None:
    """The Timeline's formula rows from sheet row ``first`` to the layout's last; a cell something
    else already holds is left as it is (a buyer's words are never overwritten)."""
    styles, dates = CellStyles(), date_format(layout.lang)
    for row in range(first, layout.formula_rows + 1):
        for c, formula in enumerate(row_formulas(layout, row), 1):
            cell = ws.cell(row, c)
            if cell.value not in (None, ""):
                continue
            put_formula(cell, formula)
            if c in (4, 5, 6):  # the milestone's week, Due, Baseline
                styles.apply(cell, ("date", dates), number_format=dates)
            elif c > len(FIXED_COLUMNS):
                styles.apply(cell, "week", alignment=_CENTRED)


def _add_rules(ws: Worksheet, sqref: str, rules: tuple[ColourRule, ...]) -> None:
    priority = max((r.priority or 0 for cf in ws.conditional_formatting for r in cf.rules), default=0)
    for rule in rules:
        priority += 1
        fill = PatternFill("solid", start_color=rule.fill, end_color=rule.fill)
        cf_rule = FormulaRule(formula=[rule.formula], fill=fill, font=Font(color=rule.font, bold=rule.bold),
                              stopIfTrue=True)
        cf_rule.priority = priority
        ws.conditional_formatting.add(sqref, cf_rule)


def _lines(text: str, per_line: float) -> int:
    """Lines ``text`` wraps onto at ``per_line`` Latin characters a line (a wide character counts more)."""
    per_line = max(1.0, per_line)
    return sum(math.ceil(max(1, _span(part)) / per_line) for part in text.split("\n")) if text else 1


def _span(text: str) -> float:
    """``text``'s length in Latin characters of the estimate, a wide character counting ``_WIDE_SPAN``."""
    wide = 0 if text.isascii() else display_width(text) - len(text)
    return len(text) + wide * (_WIDE_SPAN - 1)


@functools.cache
def _date_words() -> tuple[str, ...]:
    """Every language's words a Flag formula shows for a date (Stalled, 停滞 …), widest first."""
    keys = ("sheet.flags.stalled", "sheet.flags.overdue", "sheet.flags.due_soon")
    found = {word for key in keys for word in catalog.in_every_language(key)}
    return tuple(sorted(found, key=lambda word: (-display_width(word), word)))


def _shown_text(value: object) -> str:
    """The text a cell shows, near enough to size its row; for a Flag formula, its static words
    after the widest date word of its own language it may show ("Due soon · Needs owner",
    「期限超過・担当者未定」)."""
    text = "" if value is None else str(value)
    if not text.startswith("="):
        return text
    static = _STATIC_WORDS.search(text)
    if not static:
        return ""
    word = next((w for w in _date_words() if f'"{w}"' in text), "")
    return word + static[1].replace('""', '"')


def _height_for(ws: Worksheet, row: int, wrapped: dict[int, float]) -> float | None:
    """The height row ``row`` needs for its wrapped columns (1-based column → width); None for one line."""
    lines = 1
    for col, width in wrapped.items():
        text = _shown_text(ws.cell(row, col).value)
        if text:
            lines = max(lines, _lines(text, width * _CHARS_PER_WIDTH))
    return min(_MAX_HEIGHT, lines * _LINE_HEIGHT) if lines > 1 else None


def fit_row_height(ws: Worksheet, row: int, wrapped: dict[int, float]) -> None:
    """Size one row for its wrapped columns (1-based column → width)."""
    height = _height_for(ws, row, wrapped)
    if height is not None:
        ws.row_dimensions[row].height = height


def style_header_cell(cell: SheetCell, column: Column) -> None:
    synced = column.owner is Owner.SYNC
    cell.font = _SYNC_HEADER_FONT if synced else _HEADER_FONT
    cell.fill = _SYNC_FILL if synced else _HEADER_FILL
    cell.alignment = _WRAP


def _fit_row_heights(ws: Worksheet, wrapped: dict[int, float], first_row: int) -> None:
    """Give rows with wrapped text the height they need: neither Excel nor LibreOffice re-measures
    rows when it opens a file, so without this long text overlaps the next row."""
    for row in range(first_row, ws.max_row + 1):
        height = _height_for(ws, row, wrapped)
        if height is not None:
            ws.row_dimensions[row].height = height


#: Tabs whose rows buyers sort and fill: their heights follow the text again on every sync, since a
#: sort moves text to rows sized for other text.
SIZED_TABS = (PLAN, STAKEHOLDERS, RISKS, CHECKINS)


def _is_product_height(height: float | None) -> bool:
    """A height mapws set (whole lines) or none at all; a row the buyer sized by hand is theirs."""
    return height is None or height == _MAX_HEIGHT or float(height) % _LINE_HEIGHT == 0


def _wrapped_columns(ws: Worksheet, grid: Grid, spec: TabSpec) -> tuple[int, dict[int, float]]:
    """The first data row and the wrapped columns (1-based → width as the sheet has it)."""
    table = find_table(grid, spec)
    wrapped: dict[int, float] = {}
    for column in spec.columns:
        index = table.columns.get(column.key)
        if column.wrap and index is not None:
            dimension = ws.column_dimensions.get(column_letter(index))
            wrapped[index + 1] = (dimension.width if dimension is not None and dimension.width else column.width)
    return table.header_row + 2, wrapped


def _height_changes(ws: Worksheet, grid: Grid, spec: TabSpec) -> list[tuple[int, float | None]]:
    first, wrapped = _wrapped_columns(ws, grid, spec)
    changes = []
    for row in range(first, ws.max_row + 1):
        dimension = ws.row_dimensions.get(row)
        current = dimension.height if dimension is not None else None
        if _is_product_height(current):
            wanted = _height_for(ws, row, wrapped)
            if wanted != current:
                changes.append((row, wanted))
    return changes


def row_heights_in_place(ws: Worksheet, grid: Grid, spec: TabSpec) -> bool:
    """Every row mapws sizes has the height its text needs (a sort moves text, not heights)."""
    return not _height_changes(ws, grid, spec)


def refresh_row_heights(ws: Worksheet, grid: Grid, spec: TabSpec) -> None:
    """Size each row for its text again (rows the buyer sized by hand are left alone)."""
    for row, height in _height_changes(ws, grid, spec):
        ws.row_dimensions[row].height = height


@functools.cache
def _alignment(wrap: bool, align: str, indent: int) -> Alignment:
    return Alignment(horizontal=align or ("left" if indent else None), vertical="top", wrap_text=wrap or None,
                     indent=indent)


def style_data_cell(cell: SheetCell, column: Column, dates: str = DATE_FORMAT,
                    styles: CellStyles | None = None) -> None:
    """A data cell's alignment, and a date's format. ``styles``: the loop's, when it styles many cells."""
    alignment = _alignment(column.wrap, column.align, column.indent)
    if column.kind is Kind.DATE and isinstance(cell.value, date):
        (styles or CellStyles()).apply(cell, (column.wrap, column.align, column.indent, dates), alignment=alignment,
                                       number_format=dates)
    else:
        (styles or CellStyles()).apply(cell, (column.wrap, column.align, column.indent), alignment=alignment)


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


def put(target: SheetCell, cell: Cell, dates: str = DATE_FORMAT) -> None:
    """A rendered cell into a sheet cell: the product's formula, or a value, and its note."""
    if cell.formula is not None:
        put_formula(target, cell.formula)
    else:
        set_value(target, cell.value, dates)
    if cell.note:
        target.comment = comment(cell.note, AUTHOR)


def put_formula(target: SheetCell, formula: str) -> None:
    target.value = formula if formula.startswith("=") else "=" + formula
    target.quotePrefix = False


def set_value(target: SheetCell, value: CellValue, dates: str = DATE_FORMAT) -> None:
    """Store a value; text is always inert text, never a formula, error code or number. A date is
    shown in ``dates`` (the plan's language's date format)."""
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
        set_value(target, value.isoformat())
        return
    target.value = value
    target.quotePrefix = False
    if isinstance(value, datetime):
        target.number_format = dates + " hh:mm"
    elif isinstance(value, date):
        target.number_format = dates


def comment(text: str, author: str) -> Comment:
    """A note sized to its text, so it opens readable rather than as a sliver."""
    lines = text.split("\n")
    wrapped = sum(max(1, math.ceil(len(line) / 48)) for line in lines)
    return Comment(text, author, height=min(400, max(60, 16 * wrapped + 12)), width=320)


# --- the product's formats: dropdowns and colour rules ---------------------------------------------


def _dropdown(choices: tuple[str, ...], sqref: str) -> DataValidation:
    """A list dropdown that still accepts anything typed: buyers write "wip" or "done 3/5"."""
    dv = DataValidation(type="list", formula1=_choice_list(choices), allow_blank=True,
                        showErrorMessage=False, showInputMessage=False)
    dv.add(sqref)
    return dv


def _choice_list(choices: tuple[str, ...]) -> str:
    return '"' + ",".join(choices) + '"'


_PRODUCT_LISTS = {_choice_list(c.choices) for lang in catalog.languages() for name in TABLE_TABS
                  for c in spec_in(name, lang).columns if c.choices}


def _is_product_rule(rule: Rule) -> bool:
    formulas = list(rule.formula or ())
    return len(formulas) == 1 and is_colour_rule_formula(formulas[0])


def _add_colour_rules(ws: Worksheet, cols: PlanColumns, header_row: int, width: int, thresholds: Thresholds) -> None:
    """First match wins: each rule stops the ones after it, in the order formulas.py gives."""
    first = header_row + 1
    sqref = f"A{first}:{column_letter(max(width, 1) - 1)}{cols.last_row}"
    priority = max((r.priority or 0 for cf in ws.conditional_formatting for r in cf.rules), default=0)
    for formula, rule in colour_rules_from(cols, first, thresholds):
        priority += 1
        fill = PatternFill("solid", start_color=rule.fill, end_color=rule.fill)
        cf_rule = FormulaRule(formula=[formula], fill=fill, font=Font(color=rule.font, bold=rule.bold),
                              stopIfTrue=True)
        cf_rule.priority = priority
        ws.conditional_formatting.add(sqref, cf_rule)


def formats_in_place(ws: Worksheet, grid: Grid, thresholds: Thresholds, lang: str = catalog.DEFAULT) -> bool:
    """The Status dropdown and every colour rule (with the windows the plan records) still cover
    the Plan rows (a buyer may have cleared them, or the plan outgrown them)."""
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
    cols = plan_columns_at(table.columns, last, lang=lang)
    present = {
        canonical_formula(f)
        for cf in ws.conditional_formatting
        if f"{status}{first}" in cf.sqref and f"{status}{last}" in cf.sqref
        for rule in cf.rules
        for f in (rule.formula or ())[:1]
    }
    wanted = colour_rules_from(cols, first, thresholds)
    return all(canonical_formula(formula) in present for formula, _ in wanted)


def refresh_formats(ws: Worksheet, grid: Grid, to_row: int, thresholds: Thresholds,
                    lang: str = catalog.DEFAULT) -> None:
    """Re-create the Plan's dropdowns and colour rules down to ``to_row``: the product's old ones
    go first (whatever windows they were written with); the buyer's own rules and lists stay."""
    table = find_table(grid, PLAN_TAB)
    header_row = table.header_row + 1
    first = header_row + 1
    kept = [dv for dv in ws.data_validations.dataValidation if dv.formula1 not in _PRODUCT_LISTS]
    ws.data_validations.dataValidation = kept
    for spec_column in spec_in(PLAN, lang).columns:
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
    _add_colour_rules(ws, plan_columns_at(table.columns, to_row, lang=lang), header_row, width, thresholds)
