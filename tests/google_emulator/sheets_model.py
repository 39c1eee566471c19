"""Spreadsheet state: sheets, cells, merges, rules, protection, named ranges, developer metadata."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import pickle
from dataclasses import dataclass, field, fields
from typing import Any

from . import formula_eval
from .a1 import column_letters, format_range, parse_a1
from .cellvalues import float32, format_value, formula_for_locale, uses_semicolons
from .errors import ApiError, invalid_argument
from .fieldmask import Mask, mask_selects

#: A private mark on a cell whose formula did not parse in the spreadsheet's locale when written:
#: kept as typed, it evaluates to #ERROR! and is never sent out.
PARSE_ERROR = "_formulaParseError"
PARSE_ERROR_VALUE = {"type": "ERROR", "message": "Formula parse error."}

DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def _theme_color(
    kind: str, red: float | None = None, green: float | None = None, blue: float | None = None
) -> dict:
    rgb = {k: v for k, v in (("red", red), ("green", green), ("blue", blue)) if v}
    return {"colorType": kind, "color": {"rgbColor": rgb}}


SPREADSHEET_THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        _theme_color("TEXT"),
        _theme_color("BACKGROUND", 1, 1, 1),
        _theme_color("ACCENT1", 0.25882354, 0.52156866, 0.95686275),
        _theme_color("ACCENT2", 0.91764706, 0.2627451, 0.20784314),
        _theme_color("ACCENT3", 0.9843137, 0.7372549, 0.015686275),
        _theme_color("ACCENT4", 0.20392157, 0.65882355, 0.3254902),
        _theme_color("ACCENT5", 1, 0.42745098, 0.003921569),
        _theme_color("ACCENT6", 0.27450982, 0.7411765, 0.7764706),
        _theme_color("LINK", 0.06666667, 0.33333334, 0.8),
    ],
}

DEFAULT_ROW_PIXELS = 21
DEFAULT_COLUMN_PIXELS = 100


@dataclass
class Sheet:
    properties: dict[str, Any]
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    merges: list[dict[str, int]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    row_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    column_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    row_groups: list[dict[str, Any]] = field(default_factory=list)
    column_groups: list[dict[str, Any]] = field(default_factory=list)
    banded_ranges: list[dict[str, Any]] = field(default_factory=list)
    filter_views: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sheet_id(self) -> int:
        return self.properties.get("sheetId", 0)

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def row_count(self) -> int:
        return self.properties["gridProperties"]["rowCount"]

    @property
    def column_count(self) -> int:
        return self.properties["gridProperties"]["columnCount"]

    def set_size(self, rows: int | None = None, columns: int | None = None) -> None:
        grid = self.properties["gridProperties"]
        if rows is not None:
            grid["rowCount"] = rows
        if columns is not None:
            grid["columnCount"] = columns
        max_rows, max_cols = grid["rowCount"], grid["columnCount"]
        self.cells = {k: v for k, v in self.cells.items() if k[0] < max_rows and k[1] < max_cols}

    def copy_for_write(self) -> Sheet:
        """A copy a write may change: everything copied but the cells themselves, which stay shared
        in a new dict (a write replaces a cell it changes with a new dict, never edits one in place;
        see :meth:`Spreadsheet.clone`)."""
        rest = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "cells"}
        copied = pickle.loads(pickle.dumps(rest, pickle.HIGHEST_PROTOCOL))
        return Sheet(cells=dict(self.cells), **copied)

    def data_extent(self) -> tuple[int, int]:
        """(rows, columns) up to the last cell holding anything."""
        if not self.cells:
            return 0, 0
        return max(r for r, _ in self.cells) + 1, max(c for _, c in self.cells) + 1


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet]
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def sheet_by_title(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        lowered = title.lower()
        for sheet in self.sheets:
            if sheet.title.lower() == lowered:
                return sheet
        return None

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def clone(self) -> Spreadsheet:
        """A private copy a write works on, swapped in only when every request succeeded (so a failing
        batchUpdate leaves nothing changed).

        Copy on write: only what a write may change is copied (properties, metadata, each sheet's
        rules, merges and dimensions, with a pickle round trip, several times faster than
        ``copy.deepcopy``); the cells are not. Each sheet gets a new dict of the same cell dicts,
        and every writer puts a new dict in place of a cell it changes (``set_cell`` and the
        others copy first), so the spreadsheet a write started from stays as it was, and so do
        copies that share its cells (a Drive copy, a saved state, a benchmark's clones)."""
        rest = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sheets"}
        copied = pickle.loads(pickle.dumps(rest, pickle.HIGHEST_PROTOCOL))
        return Spreadsheet(sheets=[sheet.copy_for_write() for sheet in self.sheets], **copied)


def new_sheet(sheet_id: int, title: str, index: int, rows: int = 1000, columns: int = 26) -> Sheet:
    return Sheet(
        {
            "sheetId": sheet_id,
            "title": title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": rows, "columnCount": columns},
        }
    )


def new_spreadsheet(
    spreadsheet_id: str, title: str, locale: str = "en_US", time_zone: str = "Etc/GMT"
) -> Spreadsheet:
    properties = {
        "title": title,
        "locale": locale,
        "autoRecalc": "ON_CHANGE",
        "timeZone": time_zone,
        "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
        "spreadsheetTheme": copy.deepcopy(SPREADSHEET_THEME),
    }
    return Spreadsheet(spreadsheet_id, properties, [new_sheet(0, "Sheet1", 0)])


# ---------------------------------------------------------------- normalising what clients send

_COLOR_PAIRS = (("backgroundColor", "backgroundColorStyle"),)


def clean_color(color: dict[str, Any] | None) -> dict[str, Any]:
    if not color:
        return {}
    out = {}
    for channel in ("red", "green", "blue", "alpha"):
        value = color.get(channel)
        if value:
            # Sheets keeps 8 bits per channel (0.5 comes back as 127/255 = 0.49803922)
            eighths = math.floor(float(value) * 255 + 1e-6) if channel != "alpha" else None
            quantized = eighths / 255 if eighths is not None else float(value)
            if quantized:
                out[channel] = float32(quantized)
    return out


def _mirror_color(holder: dict[str, Any], plain: str, styled: str) -> None:
    if plain in holder and holder[plain] is not None:
        holder[plain] = clean_color(holder[plain])
        if styled not in holder or holder[styled] is None:
            holder[styled] = {"rgbColor": dict(holder[plain])}
    if isinstance(holder.get(styled), dict):
        style = holder[styled]
        if "rgbColor" in style and style["rgbColor"] is not None:
            style["rgbColor"] = clean_color(style["rgbColor"])
            if plain not in holder:
                holder[plain] = dict(style["rgbColor"])
        elif not style.get("themeColor"):
            holder.pop(styled)
            holder.pop(plain, None)


def normalize_format(fmt: dict[str, Any] | None) -> dict[str, Any] | None:
    """Colours come back float32, without zero channels, and mirrored into their *Style twin."""
    if not fmt:
        return fmt
    fmt = strip_nulls(fmt)
    _mirror_color(fmt, "backgroundColor", "backgroundColorStyle")
    text = fmt.get("textFormat")
    if isinstance(text, dict):
        _mirror_color(text, "foregroundColor", "foregroundColorStyle")
    borders = fmt.get("borders")
    if isinstance(borders, dict):
        for side in borders.values():
            if isinstance(side, dict):
                _mirror_color(side, "color", "colorStyle")
                if "width" not in side and side.get("style") not in (None, "NONE"):
                    side["width"] = (
                        2
                        if side.get("style") == "SOLID_MEDIUM"
                        else (3 if side.get("style") == "SOLID_THICK" else 1)
                    )
    return fmt


def strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def grid_range_out(range_: dict[str, Any]) -> dict[str, Any]:
    """GridRange as Google prints it: sheetId 0 is a proto default and is left out."""
    out = {}
    if range_.get("sheetId"):
        out["sheetId"] = range_["sheetId"]
    for key in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"):
        if range_.get(key) is not None:
            out[key] = range_[key]
    return out


def dimension_range_out(range_: dict[str, Any]) -> dict[str, Any]:
    out = {}
    if range_.get("sheetId"):
        out["sheetId"] = range_["sheetId"]
    for key in ("dimension", "startIndex", "endIndex"):
        if range_.get(key) is not None:
            out[key] = range_[key]
    return out


# ---------------------------------------------------------------- ranges


@dataclass
class Bounds:
    """A resolved rectangle on one sheet, 0-based half-open, clipped to nothing yet."""

    sheet: Sheet
    start_row: int
    end_row: int
    start_col: int
    end_col: int

    def a1(self) -> str:
        return format_range(self.sheet.title, self.start_row, self.end_row, self.start_col, self.end_col)

    def cells(self):
        for row in range(self.start_row, self.end_row):
            for col in range(self.start_col, self.end_col):
                yield row, col


def unable_to_parse(text: str) -> ApiError:
    return invalid_argument(f"Unable to parse range: {text}")


def exceeds_grid(sheet: Sheet, start_row: int, end_row: int, start_col: int, end_col: int) -> ApiError:
    cells = format_range(sheet.title, start_row, end_row, start_col, end_col).rpartition("!")[2]
    return invalid_argument(
        f"Range ('{sheet.title}'!{cells}) exceeds grid limits. Max rows: {sheet.row_count}, "
        f"max columns: {sheet.column_count}"
    )


def resolve_a1(spreadsheet: Spreadsheet, text: str, clip: bool = True, check_grid: bool = True) -> Bounds:
    """Resolve A1 text (tab title, named range or cells) against the spreadsheet, Google's way."""
    try:
        parsed = parse_a1(text)
    except ValueError:
        title, _, name = text.rpartition("!")
        for named in spreadsheet.named_ranges:
            if title and named["name"] == name:
                return bounds_of_grid_range(spreadsheet, named["range"])
        raise unable_to_parse(text) from None
    if parsed.sheet_title is None:
        if parsed.raw_name is not None:
            sheet = spreadsheet.sheet_by_title(parsed.raw_name)
            if sheet is not None:
                return Bounds(sheet, 0, sheet.row_count, 0, sheet.column_count)
            for named in spreadsheet.named_ranges:
                if named["name"] == parsed.raw_name:
                    return bounds_of_grid_range(spreadsheet, named["range"])
            if parsed.whole_sheet:
                raise unable_to_parse(text)
        sheet = spreadsheet.sheets[0]
    else:
        sheet = spreadsheet.sheet_by_title(parsed.sheet_title)
        if sheet is None:
            raise unable_to_parse(text)
    if parsed.whole_sheet:
        return Bounds(sheet, 0, sheet.row_count, 0, sheet.column_count)
    start_row = parsed.start_row if parsed.start_row is not None else 0
    end_row = parsed.end_row if parsed.end_row is not None else sheet.row_count
    start_col = parsed.start_col if parsed.start_col is not None else 0
    end_col = parsed.end_col if parsed.end_col is not None else sheet.column_count
    if check_grid and (start_row >= sheet.row_count or start_col >= sheet.column_count):
        raise exceeds_grid(
            sheet, start_row, max(end_row, start_row + 1), start_col, max(end_col, start_col + 1)
        )
    if clip:
        end_row = min(end_row, sheet.row_count)
        end_col = min(end_col, sheet.column_count)
    return Bounds(sheet, start_row, end_row, start_col, end_col)


def bounds_of_grid_range(spreadsheet: Spreadsheet, range_: dict[str, Any], where: str = "") -> Bounds:
    sheet = spreadsheet.sheet_by_id(range_.get("sheetId") or 0)
    if sheet is None:
        raise invalid_argument(f"{where}No grid with id: {range_.get('sheetId') or 0}")
    start_row = range_.get("startRowIndex") or 0
    end_row = range_.get("endRowIndex")
    start_col = range_.get("startColumnIndex") or 0
    end_col = range_.get("endColumnIndex")
    end_row = sheet.row_count if end_row is None else end_row
    end_col = sheet.column_count if end_col is None else end_col
    if start_row < 0 or start_col < 0 or end_row < start_row or end_col < start_col:
        raise invalid_argument(f"{where}Invalid range: startIndex must be less than or equal to endIndex.")
    if end_row > sheet.row_count or end_col > sheet.column_count:
        error = exceeds_grid(
            sheet, start_row, max(end_row, start_row + 1), start_col, max(end_col, start_col + 1)
        )
        raise invalid_argument(f"{where}{error.body['error']['message']}")
    return Bounds(sheet, start_row, end_row, start_col, end_col)


# ---------------------------------------------------------------- evaluation and rendering


class Evaluator:
    """Computes effective values of formula cells for one read, memoised, cycles cut."""

    def __init__(self, spreadsheet: Spreadsheet, today: dt.date):
        self.spreadsheet = spreadsheet
        self.today = today
        self.cache: dict[tuple[int, int, int], Any] = {}
        self.format_cache: dict[str, dict[str, Any]] = {}
        self.active: set[tuple[int, int, int]] = set()
        self.ranges: dict[tuple[int, int, int, int, int], list[list[Any]]] = {}
        #: Formulas go out in the spreadsheet locale's syntax (";" between arguments in de_DE).
        self.locale = str(spreadsheet.properties.get("locale") or "en_US")
        self.semicolons = uses_semicolons(self.locale)
        #: What the read's field mask leaves in the answer: formulas are evaluated, and each row's
        #: and column's metadata built, only for a read that keeps them (the answer is the same).
        self.values_wanted = True
        self.dimensions_wanted = True

    def effective(self, sheet: Sheet, row: int, col: int) -> tuple[str, Any] | None:
        """('number'|'string'|'bool'|'error', value) or None for empty/unknown."""
        cell = sheet.cells.get((row, col))
        if not cell:
            return None
        value = cell.get("userEnteredValue")
        if not value:
            return None
        if "numberValue" in value:
            return "number", value["numberValue"]
        if "stringValue" in value:
            return "string", value["stringValue"]
        if "boolValue" in value:
            return "bool", value["boolValue"]
        if "errorValue" in value:
            return "error", value["errorValue"]
        if "formulaValue" in value:
            if cell.get(PARSE_ERROR):
                return "error", PARSE_ERROR_VALUE
            key = (sheet.sheet_id, row, col)
            if key in self.cache:
                return self.cache[key]
            if key in self.active:
                return "error", {"type": "REF", "message": "Circular dependency detected."}
            self.active.add(key)
            try:
                result = self._evaluate(sheet, value["formulaValue"], cell)
            finally:
                self.active.discard(key)
            self.cache[key] = result
            return result
        return None

    def _evaluate(self, sheet: Sheet, formula: str, cell: dict) -> tuple[str, Any] | None:
        def resolve(title: str | None, r1: int, c1: int, r2: int, c2: int) -> list[list[Any]]:
            target = sheet if title is None else self.spreadsheet.sheet_by_title(title)
            if target is None:
                raise formula_eval.FormulaError("REF", f"Unresolved sheet name '{title}'.")
            if r1 < 0:
                r1, r2 = 0, target.row_count - 1
            # The same ranges (whole columns, mostly) come back in formula after formula: resolved
            # once per read. Values are only read, and a range hitting an error is not kept.
            key = (target.sheet_id, r1, c1, r2, c2)
            known = self.ranges.get(key)
            if known is not None:
                return known
            rows = []
            for r in range(min(r1, r2), min(max(r1, r2), target.row_count - 1) + 1):
                row = []
                for c in range(min(c1, c2), max(c1, c2) + 1):
                    found = self.effective(target, r, c)
                    if found is None:
                        row.append(None)
                    elif found[0] == "error":
                        raise formula_eval.FormulaError(
                            found[1].get("type", "ERROR"), found[1].get("message", "")
                        )
                    else:
                        row.append(found[1])
                rows.append(row)
            self.ranges[key] = rows
            return rows

        try:
            result = formula_eval.evaluate(formula, resolve, self.today)
        except formula_eval.FormulaError as error:
            return "error", {"type": error.kind, "message": error.message}
        except (
            formula_eval.Unsupported,
            RecursionError,
            ValueError,
            OverflowError,
            TypeError,
            ZeroDivisionError,
            IndexError,
        ):
            known = cell.get("effectiveValue")
            if known:
                kind = next(iter(known))
                return {
                    "numberValue": "number",
                    "stringValue": "string",
                    "boolValue": "bool",
                    "errorValue": "error",
                }[kind], known[kind]
            return None
        if result is None:
            return "number", 0
        if isinstance(result, bool):
            return "bool", result
        if isinstance(result, (int, float)):
            return "number", _json_number(result)
        return "string", str(result)


def _json_number(value: float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


_VALUE_KEYS = {"number": "numberValue", "string": "stringValue", "bool": "boolValue", "error": "errorValue"}


def effective_value_json(found: tuple[str, Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {_VALUE_KEYS[found[0]]: found[1]}


def implied_number_format(cell: dict[str, Any]) -> dict[str, Any] | None:
    fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat")
    if fmt:
        return fmt
    formula = (cell.get("userEnteredValue") or {}).get("formulaValue", "")
    head = formula.upper().replace(" ", "")
    if head.startswith("=TODAY()") or head.startswith("=DATE("):
        return {"type": "DATE", "pattern": "M/d/yyyy"}
    if head.startswith("=NOW()"):
        return {"type": "DATE_TIME", "pattern": "M/d/yyyy H:mm:ss"}
    return None


def formatted_value(found: tuple[str, Any] | None, cell: dict[str, Any]) -> str | None:
    if found is None:
        return None
    kind, value = found
    if kind == "error":
        return formula_eval.ERROR_TEXT.get(value.get("type", "ERROR"), "#ERROR!")
    if kind == "string":
        return value
    if kind == "bool":
        return "TRUE" if value else "FALSE"
    return format_value(value, implied_number_format(cell))


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def render_cell(spreadsheet: Spreadsheet, sheet: Sheet, row: int, col: int, evaluator: Evaluator) -> dict:
    cell = sheet.cells.get((row, col))
    if not cell:
        return {}
    # The stored dicts go out as they are: a rendered answer is serialised (or masked into new
    # dicts), never mutated, and writes copy the spreadsheet before they change anything.
    out: dict[str, Any] = {}
    if cell.get("userEnteredValue"):
        out["userEnteredValue"] = cell["userEnteredValue"]
        formula = cell["userEnteredValue"].get("formulaValue")
        if formula and evaluator.semicolons and not cell.get(PARSE_ERROR):
            out["userEnteredValue"] = {"formulaValue": formula_for_locale(formula, evaluator.locale)}
    if cell.get("userEnteredValue") and evaluator.values_wanted:
        found = evaluator.effective(sheet, row, col)
        effective = effective_value_json(found)
        if effective is not None:
            out["effectiveValue"] = effective
        text = formatted_value(found, cell)
        if text:  # proto3 leaves an empty string out
            out["formattedValue"] = text
    if cell.get("userEnteredFormat"):
        out["userEnteredFormat"] = cell["userEnteredFormat"]
    if cell.get("userEnteredValue") or cell.get("userEnteredFormat"):
        number_format = implied_number_format(cell)
        key = json.dumps([cell.get("userEnteredFormat"), number_format], sort_keys=True)
        effective_format = evaluator.format_cache.get(key)
        if effective_format is None:
            effective_format = deep_merge(
                spreadsheet.properties.get("defaultFormat", DEFAULT_FORMAT),
                cell.get("userEnteredFormat") or {},
            )
            if number_format:
                effective_format["numberFormat"] = copy.deepcopy(number_format)
            effective_format.setdefault("hyperlinkDisplayType", "PLAIN_TEXT")
            evaluator.format_cache[key] = effective_format
        out["effectiveFormat"] = effective_format  # shared between cells: serialised, never mutated
    for key in ("hyperlink", "note", "textFormatRuns", "dataValidation", "pivotTable"):
        if cell.get(key):
            out[key] = cell[key]
    if cell.get("chipRuns"):
        out["chipRuns"] = chip_runs_out(cell)
    return out


def chip_runs_out(cell: dict[str, Any]) -> list[dict[str, Any]]:
    """The chip runs as Sheets returns them: every run of the text, the plain ones (omitted on
    write) as a bare startIndex after each chip that more text follows; index 0 left out (proto3)."""
    text = str((cell.get("userEnteredValue") or {}).get("stringValue") or "")
    length = len(text.encode("utf-16-le")) // 2
    runs: list[dict[str, Any]] = []
    for run in cell.get("chipRuns") or []:
        start = int(run.get("startIndex") or 0)
        if runs and "chip" in runs[-1] and int(runs[-1].get("startIndex") or 0) + 1 < start:
            runs.append({"startIndex": int(runs[-1].get("startIndex") or 0) + 1})
        if not runs and start > 0:
            runs.append({})
        runs.append(copy.deepcopy(run))
    if runs and "chip" in runs[-1] and int(runs[-1].get("startIndex") or 0) + 1 < length:
        runs.append({"startIndex": int(runs[-1].get("startIndex") or 0) + 1})
    for run in runs:
        if not run.get("startIndex"):
            run.pop("startIndex", None)
    return runs


def metadata_out(item: dict[str, Any]) -> dict[str, Any]:
    out = {"metadataId": item["metadataId"], "metadataKey": item["metadataKey"]}
    if item.get("metadataValue"):
        out["metadataValue"] = item["metadataValue"]
    location = item["location"]
    loc_out: dict[str, Any] = {"locationType": location["locationType"]}
    if location["locationType"] == "SPREADSHEET":
        loc_out["spreadsheet"] = True
    elif location["locationType"] == "SHEET":
        loc_out["sheetId"] = location["sheetId"]
    else:
        loc_out["dimensionRange"] = dimension_range_out(location["dimensionRange"])
    out["location"] = loc_out
    out["visibility"] = item.get("visibility", "DOCUMENT")
    return out


def render_grid_data(spreadsheet: Spreadsheet, bounds: Bounds, evaluator: Evaluator) -> dict[str, Any]:
    sheet = bounds.sheet
    data: dict[str, Any] = {}
    if bounds.start_row:
        data["startRow"] = bounds.start_row
    if bounds.start_col:
        data["startColumn"] = bounds.start_col
    last_col_by_row: dict[int, int] = {}
    for r, c in sheet.cells:
        if bounds.start_row <= r < bounds.end_row and bounds.start_col <= c < bounds.end_col:
            last_col_by_row[r] = max(last_col_by_row.get(r, -1), c)
    last_row = max(last_col_by_row, default=bounds.start_row - 1) + 1
    rows = []
    for row in range(bounds.start_row, last_row):
        if row not in last_col_by_row:
            rows.append({})
            continue
        last_col = last_col_by_row[row] + 1
        values = [
            render_cell(spreadsheet, sheet, row, col, evaluator) for col in range(bounds.start_col, last_col)
        ]
        rows.append({"values": values})
    while rows and not rows[-1]:
        rows.pop()
    if rows:
        data["rowData"] = rows
    if not evaluator.dimensions_wanted:
        return data
    row_metadata_by_index: dict[int, list[dict]] = {}
    column_metadata_by_index: dict[int, list[dict]] = {}
    for item in spreadsheet.developer_metadata:
        location = item["location"]
        if location["locationType"] not in ("ROW", "COLUMN"):
            continue
        dimension_range = location["dimensionRange"]
        if (dimension_range.get("sheetId") or 0) != sheet.sheet_id:
            continue
        target = row_metadata_by_index if location["locationType"] == "ROW" else column_metadata_by_index
        for index in range(dimension_range["startIndex"], dimension_range["endIndex"]):
            target.setdefault(index, []).append(metadata_out(item))
    data["rowMetadata"] = [
        _dimension_out(sheet.row_meta.get(r), DEFAULT_ROW_PIXELS, row_metadata_by_index.get(r))
        for r in range(bounds.start_row, bounds.end_row)
    ]
    data["columnMetadata"] = [
        _dimension_out(sheet.column_meta.get(c), DEFAULT_COLUMN_PIXELS, column_metadata_by_index.get(c))
        for c in range(bounds.start_col, bounds.end_col)
    ]
    return data


def _dimension_out(meta: dict | None, default_pixels: int, metadata: list[dict] | None) -> dict:
    out: dict[str, Any] = {}
    meta = meta or {}
    if meta.get("hiddenByUser"):
        out["hiddenByUser"] = True
    if meta.get("hiddenByFilter"):
        out["hiddenByFilter"] = True
    out["pixelSize"] = meta.get("pixelSize", default_pixels)
    if metadata:
        out["developerMetadata"] = metadata
    return out


def render_sheet(
    spreadsheet: Spreadsheet,
    sheet: Sheet,
    data_bounds: list[Bounds] | None,
    evaluator: Evaluator,
    requester_can_edit: bool,
    owner_email: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {"properties": _sheet_properties_out(sheet)}
    if data_bounds is not None:
        out["data"] = [render_grid_data(spreadsheet, bounds, evaluator) for bounds in data_bounds]
    if sheet.merges:
        out["merges"] = [grid_range_out({**m, "sheetId": sheet.sheet_id}) for m in sheet.merges]
    if sheet.conditional_formats:
        out["conditionalFormats"] = [_rule_out(rule, evaluator.locale) for rule in sheet.conditional_formats]
    if sheet.protected_ranges:
        out["protectedRanges"] = [
            protected_range_out(pr, requester_can_edit, owner_email, for_reply=False)
            for pr in sheet.protected_ranges
        ]
    if sheet.basic_filter:
        basic = copy.deepcopy(sheet.basic_filter)
        basic["range"] = grid_range_out(basic["range"])
        out["basicFilter"] = basic
    sheet_metadata = [
        metadata_out(item)
        for item in spreadsheet.developer_metadata
        if item["location"]["locationType"] == "SHEET" and item["location"]["sheetId"] == sheet.sheet_id
    ]
    if sheet_metadata:
        out["developerMetadata"] = sheet_metadata
    if sheet.row_groups:
        out["rowGroups"] = [_group_out(g) for g in sheet.row_groups]
    if sheet.column_groups:
        out["columnGroups"] = [_group_out(g) for g in sheet.column_groups]
    if sheet.banded_ranges:
        out["bandedRanges"] = copy.deepcopy(sheet.banded_ranges)
    if sheet.filter_views:
        out["filterViews"] = copy.deepcopy(sheet.filter_views)
    return out


def _group_out(group: dict[str, Any]) -> dict[str, Any]:
    out = {"range": dimension_range_out(group["range"]), "depth": group["depth"]}
    if group.get("collapsed"):
        out["collapsed"] = True
    return out


def _rule_out(rule: dict[str, Any], locale: str = "en_US") -> dict[str, Any]:
    out = copy.deepcopy(rule)
    out["ranges"] = [grid_range_out(r) for r in rule.get("ranges", [])]
    condition = (out.get("booleanRule") or {}).get("condition") or {}
    if condition.get("type") == "CUSTOM_FORMULA":
        for value in condition.get("values") or []:
            value["userEnteredValue"] = formula_for_locale(str(value.get("userEnteredValue", "")), locale)
    return out


def _sheet_properties_out(sheet: Sheet) -> dict[str, Any]:
    props = copy.deepcopy(sheet.properties)
    grid = props.get("gridProperties", {})
    for key in ("frozenRowCount", "frozenColumnCount"):
        if not grid.get(key):
            grid.pop(key, None)
    for key in ("hideGridlines", "rowGroupControlAfter", "columnGroupControlAfter"):
        if not grid.get(key):
            grid.pop(key, None)
    for key in ("hidden", "rightToLeft"):
        if not props.get(key):
            props.pop(key, None)
    return props


def protected_range_out(
    pr: dict[str, Any], requester_can_edit: bool, owner_email: str, for_reply: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {"protectedRangeId": pr["protectedRangeId"]}
    if pr.get("range") is not None:
        out["range"] = grid_range_out(pr["range"])
    if pr.get("namedRangeId"):
        out["namedRangeId"] = pr["namedRangeId"]
    if pr.get("description"):
        out["description"] = pr["description"]
    if pr.get("warningOnly"):
        out["warningOnly"] = True
    if requester_can_edit:
        out["requestingUserCanEdit"] = True
    editors = copy.deepcopy(pr.get("editors") or {})
    editors = {k: v for k, v in editors.items() if v}
    if not for_reply:
        users = editors.get("users", [])
        if owner_email and owner_email not in users:
            editors["users"] = [owner_email, *users]
    out["editors"] = editors
    if pr.get("unprotectedRanges"):
        out["unprotectedRanges"] = [grid_range_out(r) for r in pr["unprotectedRanges"]]
    return out


def spreadsheet_url(spreadsheet_id: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


def named_range_out(named: dict[str, Any]) -> dict[str, Any]:
    return {
        "namedRangeId": named["namedRangeId"],
        "name": named["name"],
        "range": grid_range_out(named["range"]),
    }


def render_spreadsheet(
    spreadsheet: Spreadsheet,
    *,
    data_ranges: list[Bounds] | None,
    include_grid: bool,
    only_sheets_in_ranges: bool,
    today: dt.date,
    requester_can_edit: bool,
    owner_email: str,
    mask: Mask | None = None,
) -> dict[str, Any]:
    """The full Spreadsheet resource; the caller applies the field mask afterwards (``mask`` only
    spares the work on what it would drop: formula results, row and column metadata)."""
    evaluator = Evaluator(spreadsheet, today)
    values = ("sheets", "data", "rowData", "values")
    evaluator.values_wanted = mask_selects(mask, *values, "effectiveValue") or mask_selects(
        mask, *values, "formattedValue")
    evaluator.dimensions_wanted = mask_selects(mask, "sheets", "data", "rowMetadata") or mask_selects(
        mask, "sheets", "data", "columnMetadata")
    sheets_out = []
    for sheet in spreadsheet.sheets:
        bounds = None
        if data_ranges is not None:
            bounds = [b for b in data_ranges if b.sheet is sheet]
            if only_sheets_in_ranges and not bounds:
                continue
        if include_grid:
            if data_ranges is None:
                bounds = [Bounds(sheet, 0, sheet.row_count, 0, sheet.column_count)]
        else:
            bounds = None
        sheets_out.append(
            render_sheet(spreadsheet, sheet, bounds, evaluator, requester_can_edit, owner_email)
        )
    out: dict[str, Any] = {
        "spreadsheetId": spreadsheet.spreadsheet_id,
        "properties": copy.deepcopy(spreadsheet.properties),
        "sheets": sheets_out,
    }
    if spreadsheet.named_ranges:
        out["namedRanges"] = [named_range_out(n) for n in spreadsheet.named_ranges]
    top_metadata = [
        metadata_out(item)
        for item in spreadsheet.developer_metadata
        if item["location"]["locationType"] == "SPREADSHEET"
    ]
    if top_metadata:
        out["developerMetadata"] = top_metadata
    out["spreadsheetUrl"] = spreadsheet_url(spreadsheet.spreadsheet_id)
    return out


# ---------------------------------------------------------------- values API rendering


def value_for_render(
    found: tuple[str, Any] | None, cell: dict[str, Any] | None, render: str, date_render: str
) -> Any:
    if found is None and not (
        cell and render == "FORMULA" and (cell.get("userEnteredValue") or {}).get("formulaValue")
    ):
        return ""
    if render == "FORMULA" and cell and (cell.get("userEnteredValue") or {}).get("formulaValue"):
        return cell["userEnteredValue"]["formulaValue"]
    if render == "FORMATTED_VALUE":
        return formatted_value(found, cell or {}) or ""
    kind, value = found
    if kind == "error":
        return formula_eval.ERROR_TEXT.get(value.get("type", "ERROR"), "#ERROR!")
    if kind == "number":
        fmt = implied_number_format(cell or {})
        if fmt and fmt.get("type") in ("DATE", "DATE_TIME", "TIME") and date_render == "FORMATTED_STRING":
            return format_value(value, fmt)
        return value
    return value


def read_values(
    spreadsheet: Spreadsheet, bounds: Bounds, major: str, render: str, date_render: str, today: dt.date
) -> list[list[Any]]:
    evaluator = Evaluator(spreadsheet, today)
    sheet = bounds.sheet
    rows: list[list[Any]] = []
    for row in range(bounds.start_row, bounds.end_row):
        values = []
        for col in range(bounds.start_col, bounds.end_col):
            cell = sheet.cells.get((row, col))
            found = evaluator.effective(sheet, row, col) if cell else None
            value = value_for_render(found, cell, render, date_render)
            if render == "FORMULA" and evaluator.semicolons and cell and not cell.get(PARSE_ERROR):
                if (cell.get("userEnteredValue") or {}).get("formulaValue"):
                    value = formula_for_locale(value, evaluator.locale)
            values.append(value)
        rows.append(values)
    if major == "COLUMNS":
        rows = [list(column) for column in zip(*rows, strict=False)] if rows else []
    trimmed = []
    for values in rows:
        while values and values[-1] == "":
            values.pop()
        trimmed.append(values)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def column_label(index: int) -> str:
    return column_letters(index)
