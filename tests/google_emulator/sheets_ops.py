"""spreadsheets.batchUpdate requests and the values.* operations, applied to a Spreadsheet."""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import discovery
from .a1 import format_range
from .cellvalues import (
    FormulaSyntaxError,
    formula_for_locale,
    formula_to_canonical,
    is_sheets_locale,
    is_sheets_time_zone,
    raw_to_user_entered,
)
from .errors import ApiError, invalid_argument
from .fieldmask import mask_paths, parse_mask, update_by_mask
from .sheets_model import (
    PARSE_ERROR,
    Bounds,
    Evaluator,
    Sheet,
    Spreadsheet,
    bounds_of_grid_range,
    dimension_range_out,
    exceeds_grid,
    grid_range_out,
    metadata_out,
    named_range_out,
    new_sheet,
    normalize_format,
    protected_range_out,
    read_values,
    resolve_a1,
    strip_nulls,
)


class NotImplementedByEmulator(ApiError):
    """A valid request kind the emulator does not model: answered 501 so it is never silent."""

    def __init__(self, kind: str):
        super().__init__(
            501,
            {
                "error": {
                    "code": 501,
                    "message": f"The emulator does not implement the '{kind}' request.",
                    "status": "UNIMPLEMENTED",
                }
            },
        )


@dataclass
class Context:
    """What a request handler needs beyond the spreadsheet itself."""

    rng: random.Random
    owner_email: str
    requester_can_edit: bool
    today: dt.date


class RequestError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _fail(message: str) -> RequestError:
    return RequestError(message)


# ---------------------------------------------------------------- cell helpers


def _json_copy(value: Any) -> Any:
    """A copy of JSON-shaped data (dicts and lists copied, the rest shared): what ``copy.deepcopy``
    does for a cell, several times faster (a write of many rows copies every cell it touches)."""
    if isinstance(value, dict):
        return {k: _json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_copy(v) for v in value]
    if isinstance(value, str | int | float | bool | None):
        return value
    return copy.deepcopy(value)


def store_formula(cell: dict[str, Any], locale: str) -> None:
    """A formula just written is read in the spreadsheet's locale (";" between arguments in de_DE)
    and kept in Sheets' own (en_US) syntax; one that does not parse there is kept as typed and
    evaluates to #ERROR! ("Formula parse error."), as Sheets does with a cell it cannot parse."""
    cell.pop(PARSE_ERROR, None)
    value = cell.get("userEnteredValue") or {}
    formula = value.get("formulaValue")
    if not isinstance(formula, str):
        return
    try:
        value["formulaValue"] = formula_to_canonical(formula, locale)
    except FormulaSyntaxError:
        cell[PARSE_ERROR] = True


_DRIVE_LINK = re.compile(r"^https://(docs|drive|sheets)\.google\.com/")


def checked_chip_runs(cell: dict[str, Any]) -> list[dict[str, Any]]:
    """The chip runs of a cell being written, as stored (plain runs dropped: they are derived on
    read). Each chip sits on a "@" placeholder of the cell's text (UTF-16 index, ascending), a
    person chip names an email, a rich link a Drive file. Wording ours (unverified)."""
    text = (cell.get("userEnteredValue") or {}).get("stringValue")
    if not isinstance(text, str):
        raise _fail("ChipRuns require a userEnteredValue.stringValue with a placeholder '@' for each chip.")
    units = text.encode("utf-16-le")
    kept, last = [], -1
    for run in cell.get("chipRuns") or []:
        start = _int(run.get("startIndex"))
        if start <= last or start >= max(len(units) // 2, 1):
            raise _fail(f"Invalid ChipRun.startIndex: {start}. Runs must be in ascending order within the text.")
        last = start
        chip = run.get("chip")
        if not chip:
            continue
        kinds = [k for k in ("personProperties", "richLinkProperties") if chip.get(k) is not None]
        if len(kinds) != 1:
            raise _fail("A Chip must set exactly one of personProperties and richLinkProperties.")
        if units[2 * start : 2 * start + 2].decode("utf-16-le", errors="replace") != "@":
            raise _fail(f"Invalid ChipRun.startIndex: {start}. A chip must be placed on a placeholder '@'.")
        if kinds == ["personProperties"] and not str(chip["personProperties"].get("email") or "").strip():
            raise _fail("PersonProperties.email is required.")
        if kinds == ["richLinkProperties"] and not _DRIVE_LINK.match(str(chip["richLinkProperties"].get("uri") or "")):
            raise _fail("RichLinkProperties.uri must link to a Google Drive file.")
        kept.append(run)
    return kept


def set_cell(
    sheet: Sheet,
    row: int,
    col: int,
    source: dict[str, Any],
    paths: list[tuple[str, ...]],
    locale: str | None = None,
) -> None:
    """Write the masked paths of `source` into a cell; with `locale`, a formula written is parsed in it."""
    cell = _json_copy(sheet.cells.get((row, col), {}))
    source = strip_nulls(source)
    if "userEnteredFormat" in source:
        source["userEnteredFormat"] = normalize_format(source["userEnteredFormat"])
    before = (cell.get("userEnteredValue") or {}).get("stringValue")
    update_by_mask(cell, source, paths)
    if any(p[0] in ("userEnteredValue", "*") for p in paths):
        if locale is not None:
            store_formula(cell, locale)
        else:
            cell.pop(PARSE_ERROR, None)
        if (cell.get("userEnteredValue") or {}).get("stringValue") != before and not any(
            p[0] in ("chipRuns", "*") for p in paths
        ):
            cell.pop("chipRuns", None)  # new text: the chips that pointed into the old one are gone
    if cell.get("chipRuns") and any(p[0] in ("chipRuns", "*") for p in paths):
        cell["chipRuns"] = checked_chip_runs(cell)
    if "userEnteredFormat" in cell:
        cell["userEnteredFormat"] = normalize_format(cell["userEnteredFormat"]) or {}
        if not cell["userEnteredFormat"]:
            cell.pop("userEnteredFormat")
    if cell.get("userEnteredValue") == {}:
        cell.pop("userEnteredValue")
    if "userEnteredValue" in source or not cell.get("userEnteredValue"):
        cell.pop("effectiveValue", None)  # a seeded last-known value no longer applies
    for key in [k for k, v in cell.items() if v in (None, "", {}, [])]:
        if key == "note" and cell[key] == "":
            cell.pop(key)
        elif cell[key] in ({}, [], None):
            cell.pop(key)
    if cell:
        sheet.cells[(row, col)] = cell
    else:
        sheet.cells.pop((row, col), None)


def _locale(ss: Spreadsheet) -> str:
    return str(ss.properties.get("locale") or "en_US")


def _fields_paths(fields: str | None, schema: str | None = None) -> list[tuple[str, ...]]:
    """A request's `fields` mask as paths; with `schema` (the discovery message it masks), a path
    the message does not have is refused as the query-string masks are (wording unverified here)."""
    if not fields:
        raise _fail("At least one field must be specified.")
    try:
        mask = parse_mask(fields)
    except ValueError:
        raise _fail(f"Invalid field mask: {fields}") from None
    paths = mask_paths(mask or {})
    if schema is not None:
        bad = discovery.mask_path_problem("sheets", schema, paths)
        if bad is not None:
            raise _fail(f"Error expanding 'fields' parameter. Cannot find matching fields for path '{bad}'.")
    return paths


def _grid(spreadsheet: Spreadsheet, range_: dict[str, Any] | None) -> Bounds:
    if range_ is None:
        raise _fail("range is required")
    try:
        return bounds_of_grid_range(spreadsheet, range_)
    except ApiError as error:
        raise _fail(error.body["error"]["message"]) from None


def _sheet(spreadsheet: Spreadsheet, sheet_id: int | None) -> Sheet:
    sheet = spreadsheet.sheet_by_id(sheet_id or 0)
    if sheet is None:
        raise _fail(f"No grid with id: {sheet_id or 0}")
    return sheet


def _int(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    return int(value)


# ---------------------------------------------------------------- dimension shifting


def _shift_insert(index: int | None, start: int, count: int) -> int | None:
    if index is None:
        return None
    return index + count if index >= start else index


def _shift_insert_end(index: int | None, start: int, count: int) -> int | None:
    if index is None:
        return None
    return index + count if index > start else index


def _shift_delete(index: int | None, start: int, end: int) -> int | None:
    if index is None:
        return None
    if index <= start:
        return index
    if index <= end:
        return start
    return index - (end - start)


def _adjust_grid_range(
    range_: dict[str, Any], dimension: str, start: int, count: int, deleting: bool
) -> bool:
    """Shift a GridRange for an insert/delete; False when the range vanished."""
    lo, hi = (
        ("startRowIndex", "endRowIndex") if dimension == "ROWS" else ("startColumnIndex", "endColumnIndex")
    )
    if deleting:
        end = start + count
        if range_.get(lo) is not None:
            range_[lo] = _shift_delete(range_[lo], start, end)
        if range_.get(hi) is not None:
            range_[hi] = _shift_delete(range_[hi], start, end)
        if range_.get(lo) is not None and range_.get(hi) is not None and range_[lo] >= range_[hi]:
            return False
        return True
    if range_.get(lo) is not None:
        range_[lo] = _shift_insert(range_[lo], start, count)
    if range_.get(hi) is not None:
        range_[hi] = _shift_insert_end(range_[hi], start, count)
    return True


_REF_IN_FORMULA = re.compile(
    r"""(?P<sheet>(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_]*)!)?(?P<cabs>\$?)(?P<col>[A-Z]{1,3})(?P<rabs>\$?)(?P<row>\d+)(?![A-Za-z0-9_(])"""
)


def _rewrite_formula(
    formula: str, sheet_title: str, own_sheet: bool, dimension: str, start: int, count: int, deleting: bool
) -> str:
    """Move A1 references the way Sheets does when rows or columns are inserted or deleted."""
    from .a1 import column_index, column_letters

    pieces = re.split(r'("(?:[^"]|"")*")', formula)
    for index in range(0, len(pieces), 2):

        def replace(match: re.Match) -> str:
            sheet = match.group("sheet")
            if sheet:
                name = sheet[:-1]
                if name.startswith("'"):
                    name = name[1:-1].replace("''", "'")
                if name != sheet_title:
                    return match.group(0)
            elif not own_sheet:
                return match.group(0)
            col = column_index(match.group("col"))
            row = int(match.group("row")) - 1
            if dimension == "ROWS":
                if deleting:
                    if start <= row < start + count:
                        return "#REF!"
                    row = row - count if row >= start + count else row
                else:
                    row = row + count if row >= start else row
            else:
                if deleting:
                    if start <= col < start + count:
                        return "#REF!"
                    col = col - count if col >= start + count else col
                else:
                    col = col + count if col >= start else col
            return f"{sheet or ''}{match.group('cabs')}{column_letters(col)}{match.group('rabs')}{row + 1}"

        pieces[index] = _REF_IN_FORMULA.sub(replace, pieces[index])
    return "".join(pieces)


def shift_relative_references(formula: str, rows: int, cols: int) -> str:
    """Move the relative parts of A1 references, as pasting a formula elsewhere does."""
    from .a1 import column_index, column_letters

    pieces = re.split(r'("(?:[^"]|"")*")', formula)
    for index in range(0, len(pieces), 2):

        def move(match: re.Match) -> str:
            col = column_index(match.group("col"))
            row = int(match.group("row")) - 1
            if not match.group("cabs"):
                col += cols
            if not match.group("rabs"):
                row += rows
            if col < 0 or row < 0:
                return "#REF!"
            return (
                f"{match.group('sheet') or ''}{match.group('cabs')}{column_letters(col)}"
                f"{match.group('rabs')}{row + 1}"
            )

        pieces[index] = _REF_IN_FORMULA.sub(move, pieces[index])
    return "".join(pieces)


def shift_dimension(
    spreadsheet: Spreadsheet, sheet: Sheet, dimension: str, start: int, count: int, deleting: bool
) -> None:
    """Insert or delete rows/columns and carry everything anchored to them along."""
    axis = 0 if dimension == "ROWS" else 1
    moved: dict[tuple[int, int], dict] = {}
    for key, cell in sheet.cells.items():
        position = key[axis]
        if deleting:
            if start <= position < start + count:
                continue
            if position >= start + count:
                position -= count
        elif position >= start:
            position += count
        new_key = (position, key[1]) if axis == 0 else (key[0], position)
        moved[new_key] = cell
    sheet.cells = moved
    for other in spreadsheet.sheets:
        for key, cell in other.cells.items():
            formula = (cell.get("userEnteredValue") or {}).get("formulaValue")
            if formula:
                rewritten = _rewrite_formula(formula, sheet.title, other is sheet, dimension, start, count, deleting)
                if rewritten != formula:  # a new cell: cells are shared with the copy a write started from
                    other.cells[key] = {**cell, "userEnteredValue": {**cell["userEnteredValue"],
                                                                     "formulaValue": rewritten}}
    meta = sheet.row_meta if axis == 0 else sheet.column_meta
    shifted_meta = {}
    for index, value in meta.items():
        if deleting:
            if start <= index < start + count:
                continue
            shifted_meta[index - count if index >= start + count else index] = value
        else:
            shifted_meta[index + count if index >= start else index] = value
    if axis == 0:
        sheet.row_meta = shifted_meta
    else:
        sheet.column_meta = shifted_meta
    sheet.merges = [m for m in sheet.merges if _adjust_grid_range(m, dimension, start, count, deleting)]
    for rule in sheet.conditional_formats:
        rule["ranges"] = [
            r for r in rule.get("ranges", []) if _adjust_grid_range(r, dimension, start, count, deleting)
        ]
    sheet.conditional_formats = [rule for rule in sheet.conditional_formats if rule["ranges"]]
    sheet.protected_ranges = [
        pr
        for pr in sheet.protected_ranges
        if pr.get("range") is None or _adjust_grid_range(pr["range"], dimension, start, count, deleting)
    ]
    if sheet.basic_filter and not _adjust_grid_range(
        sheet.basic_filter["range"], dimension, start, count, deleting
    ):
        sheet.basic_filter = None
    spreadsheet.named_ranges = [
        n
        for n in spreadsheet.named_ranges
        if (n["range"].get("sheetId") or 0) != sheet.sheet_id
        or _adjust_grid_range(n["range"], dimension, start, count, deleting)
    ]
    kept_metadata = []
    for item in spreadsheet.developer_metadata:
        location = item["location"]
        if (
            location["locationType"] in ("ROW", "COLUMN")
            and (location["dimensionRange"].get("sheetId") or 0) == sheet.sheet_id
            and location["dimensionRange"]["dimension"] == dimension
        ):
            rng = location["dimensionRange"]
            if deleting:
                rng["startIndex"] = _shift_delete(rng["startIndex"], start, start + count)
                rng["endIndex"] = _shift_delete(rng["endIndex"], start, start + count)
                if rng["startIndex"] >= rng["endIndex"]:
                    continue
            else:
                rng["startIndex"] = _shift_insert(rng["startIndex"], start, count)
                rng["endIndex"] = _shift_insert_end(rng["endIndex"], start, count)
        kept_metadata.append(item)
    spreadsheet.developer_metadata = kept_metadata
    groups = sheet.row_groups if axis == 0 else sheet.column_groups
    kept_groups = []
    for group in groups:
        rng = group["range"]
        if deleting:
            rng["startIndex"] = _shift_delete(rng["startIndex"], start, start + count)
            rng["endIndex"] = _shift_delete(rng["endIndex"], start, start + count)
            if rng["startIndex"] >= rng["endIndex"]:
                continue
        else:
            rng["startIndex"] = _shift_insert(rng["startIndex"], start, count)
            rng["endIndex"] = _shift_insert_end(rng["endIndex"], start, count)
        kept_groups.append(group)
    if axis == 0:
        sheet.row_groups = kept_groups
    else:
        sheet.column_groups = kept_groups
    grid = sheet.properties["gridProperties"]
    key = "rowCount" if axis == 0 else "columnCount"
    grid[key] = grid[key] - count if deleting else grid[key] + count


# ---------------------------------------------------------------- the batchUpdate requests


def _update_cells(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    paths = _fields_paths(req.get("fields"), "CellData")
    rows = req.get("rows") or []
    if req.get("range") is not None:
        bounds = _grid(ss, req["range"])
        for r_offset, row in enumerate(range(bounds.start_row, bounds.end_row)):
            values = (rows[r_offset].get("values") or []) if r_offset < len(rows) else []
            for c_offset, col in enumerate(range(bounds.start_col, bounds.end_col)):
                source = values[c_offset] if c_offset < len(values) else {}
                set_cell(bounds.sheet, row, col, source or {}, paths, _locale(ss))
        return {}
    start = req.get("start")
    if start is None:
        raise _fail("Either range or start must be specified.")
    sheet = _sheet(ss, start.get("sheetId"))
    row0, col0 = _int(start.get("rowIndex")), _int(start.get("columnIndex"))
    for r_offset, row_data in enumerate(rows):
        values = row_data.get("values") or []
        row = row0 + r_offset
        if values and row >= sheet.row_count:
            raise _fail(f"GridCoordinate.rowIndex[{row}] is after last row in grid[{sheet.row_count - 1}]")
        for c_offset, source in enumerate(values):
            col = col0 + c_offset
            if col >= sheet.column_count:
                raise _fail(
                    f"GridCoordinate.columnIndex[{col}] is after last column in "
                    f"grid[{sheet.column_count - 1}]"
                )
            set_cell(sheet, row, col, source or {}, paths, _locale(ss))
    return {}


def _repeat_cell(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    paths = _fields_paths(req.get("fields"), "CellData")
    bounds = _grid(ss, req.get("range"))
    source = req.get("cell") or {}
    for row, col in bounds.cells():
        set_cell(bounds.sheet, row, col, source, paths, _locale(ss))
    return {}


def _append_cells(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    paths = _fields_paths(req.get("fields"), "CellData")
    sheet = _sheet(ss, req.get("sheetId"))
    rows = req.get("rows") or []
    start_row = sheet.data_extent()[0]
    needed_rows = start_row + len(rows)
    if needed_rows > sheet.row_count:
        sheet.set_size(rows=needed_rows)
    width = max((len(r.get("values") or []) for r in rows), default=0)
    if width > sheet.column_count:
        sheet.set_size(columns=width)
    for offset, row_data in enumerate(rows):
        for col, source in enumerate(row_data.get("values") or []):
            set_cell(sheet, start_row + offset, col, source or {}, paths, _locale(ss))
    return {}


def _append_dimension(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet = _sheet(ss, req.get("sheetId"))
    length = _int(req.get("length"))
    if length <= 0:
        raise _fail("length must be greater than 0")
    if req.get("dimension") == "COLUMNS":
        sheet.set_size(columns=sheet.column_count + length)
    else:
        sheet.set_size(rows=sheet.row_count + length)
    return {}


def _dimension_bounds(ss: Spreadsheet, rng: dict) -> tuple[Sheet, str, int, int]:
    sheet = _sheet(ss, rng.get("sheetId"))
    dimension = rng.get("dimension") or "ROWS"
    limit = sheet.row_count if dimension == "ROWS" else sheet.column_count
    start = _int(rng.get("startIndex"))
    end = _int(rng.get("endIndex"), limit)
    if start < 0 or end < start:
        raise _fail("Invalid dimension range.")
    return sheet, dimension, start, end


def _insert_dimension(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet, dimension, start, end = _dimension_bounds(ss, req.get("range") or {})
    limit = sheet.row_count if dimension == "ROWS" else sheet.column_count
    if start > limit:
        raise _fail(f"Cannot insert {dimension.lower()} at index {start}: the sheet only has {limit}.")
    if end <= start:
        raise _fail("Invalid dimension range: startIndex must be less than endIndex.")
    if req.get("inheritFromBefore") and start == 0:
        raise _fail("Cannot inherit from before when inserting at index 0.")
    shift_dimension(ss, sheet, dimension, start, end - start, deleting=False)
    return {}


def _delete_dimension(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet, dimension, start, end = _dimension_bounds(ss, req.get("range") or {})
    limit = sheet.row_count if dimension == "ROWS" else sheet.column_count
    end = min(end, limit)
    if start >= end:
        raise _fail("Invalid dimension range: startIndex must be less than endIndex.")
    if start == 0 and end >= limit:
        noun = "rows" if dimension == "ROWS" else "columns"
        raise _fail(f"You can't delete all the {noun} on the sheet.")
    shift_dimension(ss, sheet, dimension, start, end - start, deleting=True)
    return {}


def _new_sheet_id(ss: Spreadsheet, ctx: Context) -> int:
    while True:
        candidate = ctx.rng.randrange(1, 2**31 - 1)
        if ss.sheet_by_id(candidate) is None:
            return candidate


def _check_title(ss: Spreadsheet, title: str, ignore: Sheet | None = None) -> None:
    for sheet in ss.sheets:
        if sheet is not ignore and sheet.title.lower() == title.lower():
            raise _fail(f'A sheet with the name "{title}" already exists. Please enter another name.')


def _add_sheet(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    props = strip_nulls(req.get("properties") or {})
    sheet_id = props.get("sheetId")
    if sheet_id is not None:
        if ss.sheet_by_id(sheet_id) is not None:
            raise _fail(f"A sheet with the id {sheet_id} already exists.")
    else:
        sheet_id = _new_sheet_id(ss, ctx)
    title = props.get("title")
    if not title:
        number = len(ss.sheets) + 1
        while ss.sheet_by_title(f"Sheet{number}") is not None:
            number += 1
        title = f"Sheet{number}"
    _check_title(ss, title)
    grid = props.get("gridProperties") or {}
    sheet = new_sheet(sheet_id, title, 0, _int(grid.get("rowCount"), 1000), _int(grid.get("columnCount"), 26))
    for key, value in grid.items():
        if key not in ("rowCount", "columnCount"):
            sheet.properties["gridProperties"][key] = value
    for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
        if key in props:
            sheet.properties[key] = props[key]
    _mirror_tab_color(sheet.properties)
    index = props.get("index")
    index = len(ss.sheets) if index is None else max(0, min(int(index), len(ss.sheets)))
    ss.sheets.insert(index, sheet)
    ss.reindex()
    from .sheets_model import _sheet_properties_out

    return {"addSheet": {"properties": _sheet_properties_out(sheet)}}


def _mirror_tab_color(props: dict) -> None:
    from .sheets_model import _mirror_color

    _mirror_color(props, "tabColor", "tabColorStyle")


def _delete_sheet(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet = _sheet(ss, req.get("sheetId"))
    if len(ss.sheets) == 1:
        raise _fail("You can't remove all the sheets in a document.")
    if all(s.properties.get("hidden") for s in ss.sheets if s is not sheet):
        raise _fail("You can't remove all the visible sheets in a document.")
    ss.sheets.remove(sheet)
    ss.named_ranges = [n for n in ss.named_ranges if (n["range"].get("sheetId") or 0) != sheet.sheet_id]
    ss.developer_metadata = [
        m
        for m in ss.developer_metadata
        if not (
            m["location"].get("sheetId") == sheet.sheet_id
            or (m["location"].get("dimensionRange") or {}).get("sheetId", -1) == sheet.sheet_id
        )
    ]
    ss.reindex()
    return {}


def _update_sheet_properties(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    props = req.get("properties") or {}
    sheet = _sheet(ss, props.get("sheetId"))
    paths = _fields_paths(req.get("fields"), "SheetProperties")
    updated = copy.deepcopy(sheet.properties)
    source = strip_nulls(copy.deepcopy(props))
    if any(p[0] == "*" for p in paths):
        paths = [
            ("title",),
            ("index",),
            ("gridProperties",),
            ("hidden",),
            ("tabColor",),
            ("tabColorStyle",),
            ("rightToLeft",),
        ]
    for path in paths:
        if path[0] == "sheetId":
            continue
        if path[0] == "gridProperties" and len(path) == 1:
            grid = source.get("gridProperties") or {}
            updated["gridProperties"] = {**{k: v for k, v in grid.items()}}
            updated["gridProperties"].setdefault("rowCount", sheet.row_count)
            updated["gridProperties"].setdefault("columnCount", sheet.column_count)
            continue
        update_by_mask(updated, source, [path])
    if "tabColorStyle" in [p[0] for p in paths] and "tabColorStyle" not in updated:
        updated.pop("tabColor", None)
    if "tabColor" in [p[0] for p in paths] and "tabColor" not in updated:
        updated.pop("tabColorStyle", None)
    _mirror_tab_color(updated)
    if updated.get("title") != sheet.title:
        if not updated.get("title"):
            raise _fail("Sheet title cannot be empty.")
        _check_title(ss, updated["title"], ignore=sheet)
    if updated.get("hidden") and all(s.properties.get("hidden") for s in ss.sheets if s is not sheet):
        raise _fail("You can't hide all the sheets in a document.")
    grid = updated.setdefault("gridProperties", {})
    grid.setdefault("rowCount", sheet.row_count)
    grid.setdefault("columnCount", sheet.column_count)
    if grid["rowCount"] < 1 or grid["columnCount"] < 1:
        raise _fail("The sheet must have at least one row and one column.")
    if (
        grid.get("frozenRowCount", 0) >= grid["rowCount"]
        or grid.get("frozenColumnCount", 0) >= grid["columnCount"]
    ):
        if grid.get("frozenRowCount") or grid.get("frozenColumnCount"):
            raise _fail("You can't freeze all visible rows on the sheet.")
    new_index = updated.get("index", sheet.properties.get("index"))
    sheet.properties = updated
    sheet.set_size(grid["rowCount"], grid["columnCount"])
    if new_index is not None and ("index",) in paths:
        ss.sheets.remove(sheet)
        ss.sheets.insert(max(0, min(int(new_index), len(ss.sheets))), sheet)
    ss.reindex()
    return {}


def _update_spreadsheet_properties(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    paths = _fields_paths(req.get("fields"), "SpreadsheetProperties")
    source = strip_nulls(copy.deepcopy(req.get("properties") or {}))
    if any(p[0] == "*" for p in paths):
        paths = [
            (k,)
            for k in (
                "title",
                "locale",
                "autoRecalc",
                "timeZone",
                "defaultFormat",
                "iterativeCalculationSettings",
                "spreadsheetTheme",
            )
        ]
    if "defaultFormat" in source:
        source["defaultFormat"] = normalize_format(source["defaultFormat"])
    check_locale_and_zone(source, paths)
    update_by_mask(ss.properties, source, paths)
    if not ss.properties.get("title"):
        raise _fail("Spreadsheet title cannot be empty.")
    return {}


def check_locale_and_zone(properties: dict, paths: list[tuple[str, ...]] | None = None) -> None:
    """Only a locale Sheets offers and an IANA time zone are accepted (unverified wording)."""
    written = {p[0] for p in paths} if paths is not None else set(properties)
    locale = properties.get("locale")
    if "locale" in written and locale is not None and not is_sheets_locale(str(locale)):
        raise _fail(f"Unsupported locale: {locale}")
    zone = properties.get("timeZone")
    if "timeZone" in written and zone is not None and not is_sheets_time_zone(str(zone)):
        raise _fail(f"Invalid timeZone: {zone}")


def _set_data_validation(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    bounds = _grid(ss, req.get("range"))
    rule = strip_nulls(req.get("rule"))
    if rule:
        condition = rule.get("condition") or {}
        if not condition.get("type"):
            raise _fail("Invalid ConditionType: CONDITION_TYPE_UNSPECIFIED")
        if condition.get("type") in ("ONE_OF_LIST",) and not condition.get("values"):
            raise _fail("ConditionType 'ONE_OF_LIST' requires at least one ConditionValue, but 0 were given.")
    if rule:
        for flag in ("strict", "showCustomUi"):
            if rule.get(flag) is False:
                rule.pop(flag)  # proto3 leaves false booleans out of its JSON
    for row, col in bounds.cells():
        set_cell(bounds.sheet, row, col, {"dataValidation": rule} if rule else {}, [("dataValidation",)])
    return {}


def _check_rule(ss: Spreadsheet, rule: dict) -> dict:
    rule = strip_nulls(rule)
    if not rule.get("ranges"):
        raise _fail("At least one range must be specified.")
    sheet_ids = set()
    for rng in rule["ranges"]:
        bounds = _grid(ss, rng)
        sheet_ids.add(bounds.sheet.sheet_id)
    if len(sheet_ids) > 1:
        raise _fail("All ranges must be on the same sheet.")
    if "booleanRule" not in rule and "gradientRule" not in rule:
        raise _fail("Either booleanRule or gradientRule must be set.")
    boolean = rule.get("booleanRule")
    if boolean:
        condition = boolean.get("condition") or {}
        if not condition.get("type"):
            raise _fail("Invalid ConditionType: CONDITION_TYPE_UNSPECIFIED")
        if condition["type"] == "CUSTOM_FORMULA":
            values = condition.get("values") or []
            if len(values) != 1 or not str(values[0].get("userEnteredValue", "")).startswith("="):
                raise _fail(
                    "Invalid ConditionValue.userEnteredValue: CUSTOM_FORMULA requires a single formula value."
                )
            # "parsed as if the user typed into a cell": in the spreadsheet's locale
            typed = str(values[0]["userEnteredValue"])
            try:
                values[0]["userEnteredValue"] = formula_to_canonical(typed, _locale(ss))
            except FormulaSyntaxError:
                raise _fail(
                    f"Invalid ConditionValue.userEnteredValue: {typed} for ConditionType: CUSTOM_FORMULA"
                ) from None
        if boolean.get("format"):
            boolean["format"] = normalize_format(boolean["format"])
    return rule


def _add_conditional_format_rule(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    rule = _check_rule(ss, req.get("rule") or {})
    sheet = _sheet(ss, rule["ranges"][0].get("sheetId"))
    index = _int(req.get("index"))
    if index > len(sheet.conditional_formats) or index < 0:
        raise _fail(f"Invalid index {index}; the sheet has {len(sheet.conditional_formats)} rules.")
    sheet.conditional_formats.insert(index, rule)
    return {}


def _rule_reply(rule: dict, locale: str = "en_US") -> dict:
    out = copy.deepcopy(rule)
    out["ranges"] = [grid_range_out(r) for r in out.get("ranges", [])]
    condition = (out.get("booleanRule") or {}).get("condition") or {}
    if condition.get("type") == "CUSTOM_FORMULA":
        for value in condition.get("values") or []:
            value["userEnteredValue"] = formula_for_locale(str(value.get("userEnteredValue", "")), locale)
    return out


def _delete_conditional_format_rule(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet = _sheet(ss, req.get("sheetId"))
    index = _int(req.get("index"))
    if not 0 <= index < len(sheet.conditional_formats):
        raise _fail(f"No conditional format on sheet: {sheet.sheet_id} at index: {index}")
    rule = sheet.conditional_formats.pop(index)
    return {"deleteConditionalFormatRule": {"rule": _rule_reply(rule, _locale(ss))}}


def _update_conditional_format_rule(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet = _sheet(ss, req.get("sheetId"))
    index = _int(req.get("index"))
    if not 0 <= index < len(sheet.conditional_formats):
        raise _fail(f"No conditional format on sheet: {sheet.sheet_id} at index: {index}")
    old = sheet.conditional_formats[index]
    if req.get("rule") is not None:
        new = _check_rule(ss, req["rule"])
        sheet.conditional_formats[index] = new
        return {
            "updateConditionalFormatRule": {
                "newRule": _rule_reply(new, _locale(ss)),
                "oldRule": _rule_reply(old, _locale(ss)),
                **({"newIndex": index, "oldIndex": index} if index else {}),
            }
        }
    new_index = _int(req.get("newIndex"))
    sheet.conditional_formats.pop(index)
    sheet.conditional_formats.insert(new_index, old)
    reply = {"newRule": _rule_reply(old, _locale(ss)), "oldRule": _rule_reply(old, _locale(ss))}
    if new_index:
        reply["newIndex"] = new_index
    if index:
        reply["oldIndex"] = index
    return {"updateConditionalFormatRule": reply}


def _all_protected(ss: Spreadsheet):
    for sheet in ss.sheets:
        for pr in sheet.protected_ranges:
            yield sheet, pr


def _add_protected_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    pr = strip_nulls(copy.deepcopy(req.get("protectedRange") or {}))
    if pr.get("namedRangeId"):
        named = next((n for n in ss.named_ranges if n["namedRangeId"] == pr["namedRangeId"]), None)
        if named is None:
            raise _fail(f"No named range with id: {pr['namedRangeId']}")
        sheet = _sheet(ss, named["range"].get("sheetId"))
    else:
        if "range" not in pr:
            raise _fail("Either range or namedRangeId must be specified.")
        bounds = _grid(ss, pr["range"])
        sheet = bounds.sheet
        pr["range"] = {k: v for k, v in pr["range"].items()}
    if pr.get("warningOnly") and pr.get("editors") and any(pr["editors"].values()):
        raise _fail("ProtectedRange.editors cannot be set when warningOnly is true.")
    if pr.get("protectedRangeId") is None:
        pr["protectedRangeId"] = ctx.rng.randrange(1, 2**31 - 1)
    elif any(p["protectedRangeId"] == pr["protectedRangeId"] for _, p in _all_protected(ss)):
        raise _fail(f"A protected range with id {pr['protectedRangeId']} already exists.")
    pr.pop("requestingUserCanEdit", None)
    sheet.protected_ranges.append(pr)
    return {
        "addProtectedRange": {
            "protectedRange": protected_range_out(pr, True, ctx.owner_email, for_reply=True)
        }
    }


def _find_protected(ss: Spreadsheet, protected_id: Any) -> tuple[Sheet, dict]:
    for sheet, pr in _all_protected(ss):
        if pr["protectedRangeId"] == _int(protected_id):
            return sheet, pr
    raise _fail(f"No protected range with id: {protected_id}")


def _delete_protected_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet, pr = _find_protected(ss, req.get("protectedRangeId"))
    sheet.protected_ranges.remove(pr)
    return {}


def _update_protected_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    source = strip_nulls(req.get("protectedRange") or {})
    sheet, pr = _find_protected(ss, source.get("protectedRangeId"))
    paths = _fields_paths(req.get("fields"), "ProtectedRange")
    update_by_mask(pr, source, paths)
    if pr.get("range"):
        new_sheet_ = _grid(ss, pr["range"]).sheet
        if new_sheet_ is not sheet:
            sheet.protected_ranges.remove(pr)
            new_sheet_.protected_ranges.append(pr)
    return {}


def _metadata_location(ss: Spreadsheet, location: dict) -> dict:
    location = strip_nulls(location)
    if location.get("spreadsheet"):
        return {"locationType": "SPREADSHEET"}
    if location.get("sheetId") is not None:
        _sheet(ss, location["sheetId"])
        return {"locationType": "SHEET", "sheetId": location["sheetId"]}
    if location.get("dimensionRange"):
        rng = dict(location["dimensionRange"])
        sheet, dimension, start, end = _dimension_bounds(ss, rng)
        limit = sheet.row_count if dimension == "ROWS" else sheet.column_count
        if end > limit or start >= end:
            raise _fail("Invalid dimension range for developer metadata.")
        return {
            "locationType": "ROW" if dimension == "ROWS" else "COLUMN",
            "dimensionRange": {
                "sheetId": sheet.sheet_id,
                "dimension": dimension,
                "startIndex": start,
                "endIndex": end,
            },
        }
    raise _fail("A location must be specified.")


def _create_developer_metadata(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    item = strip_nulls(copy.deepcopy(req.get("developerMetadata") or {}))
    if not item.get("metadataKey"):
        raise _fail("metadataKey is required.")
    if item.get("visibility") not in ("DOCUMENT", "PROJECT"):
        raise _fail("Invalid DeveloperMetadataVisibility: DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED")
    item["location"] = _metadata_location(ss, item.get("location") or {})
    if item.get("metadataId") is None:
        item["metadataId"] = ctx.rng.randrange(1, 2**31 - 1)
    elif any(m["metadataId"] == item["metadataId"] for m in ss.developer_metadata):
        raise _fail(f"Developer metadata with id {item['metadataId']} already exists.")
    ss.developer_metadata.append(item)
    return {"createDeveloperMetadata": {"developerMetadata": metadata_out(item)}}


def lookup_matches(ss: Spreadsheet, lookup: dict) -> list[dict]:
    found = []
    for item in ss.developer_metadata:
        if lookup.get("metadataId") is not None and item["metadataId"] != _int(lookup["metadataId"]):
            continue
        if lookup.get("metadataKey") is not None and item["metadataKey"] != lookup["metadataKey"]:
            continue
        if lookup.get("metadataValue") is not None and item.get("metadataValue") != lookup["metadataValue"]:
            continue
        if lookup.get("visibility") and item.get("visibility") != lookup["visibility"]:
            continue
        if lookup.get("locationType") and item["location"]["locationType"] != lookup["locationType"]:
            continue
        location = lookup.get("metadataLocation")
        if location:
            wanted = _metadata_location(ss, location)
            if wanted["locationType"] != item["location"]["locationType"]:
                continue
            if wanted.get("sheetId") is not None and item["location"].get("sheetId") != wanted["sheetId"]:
                continue
            if "dimensionRange" in wanted:
                have = item["location"]["dimensionRange"]
                want = wanted["dimensionRange"]
                intersect = lookup.get("locationMatchingStrategy") == "INTERSECTING_LOCATION"
                if have.get("sheetId") != want.get("sheetId"):
                    continue
                if intersect:
                    if have["endIndex"] <= want["startIndex"] or want["endIndex"] <= have["startIndex"]:
                        continue
                elif (have["startIndex"], have["endIndex"]) != (want["startIndex"], want["endIndex"]):
                    continue
        found.append(item)
    return found


def _filter_metadata(ss: Spreadsheet, data_filter: dict) -> list[dict]:
    lookup = data_filter.get("developerMetadataLookup")
    if not lookup:
        raise _fail("Only developerMetadataLookup data filters select developer metadata.")
    return lookup_matches(ss, lookup)


def _update_developer_metadata(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    paths = _fields_paths(req.get("fields"), "DeveloperMetadata")
    source = strip_nulls(req.get("developerMetadata") or {})
    matched: list[dict] = []
    for data_filter in req.get("dataFilters") or []:
        for item in _filter_metadata(ss, data_filter):
            if item not in matched:
                matched.append(item)
    for item in matched:
        for path in paths:
            if path[0] == "location":
                item["location"] = _metadata_location(ss, source.get("location") or {})
            elif path[0] != "metadataId":
                update_by_mask(item, source, [path])
    return {"updateDeveloperMetadata": {"developerMetadata": [metadata_out(m) for m in matched]}}


def _delete_developer_metadata(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    matched = _filter_metadata(ss, req.get("dataFilter") or {})
    ss.developer_metadata = [m for m in ss.developer_metadata if m not in matched]
    reply: dict[str, Any] = {}
    if matched:
        reply["deletedDeveloperMetadata"] = [metadata_out(m) for m in matched]
    return {"deleteDeveloperMetadata": reply}


def _update_dimension_properties(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    if req.get("range") is None:
        raise _fail("range is required")
    sheet, dimension, start, end = _dimension_bounds(ss, req["range"])
    limit = sheet.row_count if dimension == "ROWS" else sheet.column_count
    if end > limit:
        raise _fail(f"Invalid dimension range: endIndex {end} exceeds the sheet's {limit}.")
    paths = _fields_paths(req.get("fields"), "DimensionProperties")
    source = strip_nulls(req.get("properties") or {})
    meta = sheet.row_meta if dimension == "ROWS" else sheet.column_meta
    for index in range(start, end):
        current = meta.setdefault(index, {})
        update_by_mask(current, source, paths)
        if not current:
            meta.pop(index)
    return {}


def _overlaps(a: dict, b: dict) -> bool:
    return not (
        a["endRowIndex"] <= b["startRowIndex"]
        or b["endRowIndex"] <= a["startRowIndex"]
        or a["endColumnIndex"] <= b["startColumnIndex"]
        or b["endColumnIndex"] <= a["startColumnIndex"]
    )


def _contains(outer: dict, inner: dict) -> bool:
    return (
        outer["startRowIndex"] <= inner["startRowIndex"]
        and inner["endRowIndex"] <= outer["endRowIndex"]
        and outer["startColumnIndex"] <= inner["startColumnIndex"]
        and inner["endColumnIndex"] <= outer["endColumnIndex"]
    )


def _merge_cells(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    bounds = _grid(ss, req.get("range"))
    merge_type = req.get("mergeType") or "MERGE_ALL"
    pieces = []
    if merge_type == "MERGE_ALL":
        pieces.append((bounds.start_row, bounds.end_row, bounds.start_col, bounds.end_col))
    elif merge_type == "MERGE_COLUMNS":
        pieces.extend(
            (bounds.start_row, bounds.end_row, c, c + 1) for c in range(bounds.start_col, bounds.end_col)
        )
    else:
        pieces.extend(
            (r, r + 1, bounds.start_col, bounds.end_col) for r in range(bounds.start_row, bounds.end_row)
        )
    sheet = bounds.sheet
    for r0, r1, c0, c1 in pieces:
        if (r1 - r0) * (c1 - c0) <= 1:
            continue
        merge = {"startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1}
        kept = []
        for existing in sheet.merges:
            if not _overlaps(existing, merge):
                kept.append(existing)
            elif not _contains(merge, existing):
                raise _fail("You can't merge cells that are already merged partially. Please unmerge first.")
        sheet.merges = kept + [merge]
        for row in range(r0, r1):
            for col in range(c0, c1):
                if (row, col) != (r0, c0):
                    set_cell(sheet, row, col, {}, [("userEnteredValue",)])
    return {}


def _unmerge_cells(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    bounds = _grid(ss, req.get("range"))
    target = {
        "startRowIndex": bounds.start_row,
        "endRowIndex": bounds.end_row,
        "startColumnIndex": bounds.start_col,
        "endColumnIndex": bounds.end_col,
    }
    sheet = bounds.sheet
    for merge in sheet.merges:
        if _overlaps(merge, target) and not (
            target["startRowIndex"] <= merge["startRowIndex"]
            and merge["endRowIndex"] <= target["endRowIndex"]
            and target["startColumnIndex"] <= merge["startColumnIndex"]
            and merge["endColumnIndex"] <= target["endColumnIndex"]
        ):
            raise _fail("Unmerging a range partially covering a merged range is not allowed.")
    sheet.merges = [m for m in sheet.merges if not _overlaps(m, target)]
    return {}


def _sort_key(found: tuple[str, Any] | None, descending: bool):
    if found is None:
        return (1, 0, 0)  # blanks last in both orders
    kind, value = found
    rank = {"number": 0, "string": 1, "bool": 2, "error": 3}[kind]
    if kind == "string":
        value = value.lower()
    elif kind == "error":
        value = 0
    return (0, rank if not descending else -rank, value)


def _sort_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    bounds = _grid(ss, req.get("range"))
    sheet = bounds.sheet
    evaluator = Evaluator(ss, ctx.today)
    rows = list(range(bounds.start_row, bounds.end_row))
    snapshot = {
        r: {c: sheet.cells.get((r, c)) for c in range(bounds.start_col, bounds.end_col)} for r in rows
    }
    specs = req.get("sortSpecs") or [{"dimensionIndex": bounds.start_col}]
    ordered = list(rows)
    for spec in reversed(specs):
        column = _int(spec.get("dimensionIndex"))
        descending = spec.get("sortOrder") == "DESCENDING"
        blanks = [r for r in ordered if evaluator.effective(sheet, r, column) is None]
        filled = [r for r in ordered if evaluator.effective(sheet, r, column) is not None]
        filled.sort(
            key=lambda r, c=column, d=descending: _sort_key(evaluator.effective(sheet, r, c), False)[1:],
            reverse=descending,
        )
        ordered = filled + blanks
    for target_row, source_row in zip(rows, ordered, strict=True):
        for col in range(bounds.start_col, bounds.end_col):
            cell = snapshot[source_row][col]
            if cell:
                sheet.cells[(target_row, col)] = cell
            else:
                sheet.cells.pop((target_row, col), None)
    return {}


def _find_replace(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    find = req.get("find")
    if not find:
        raise _fail("find must not be empty.")
    replacement = req.get("replacement") or ""
    flags = 0 if req.get("matchCase") else re.IGNORECASE
    pattern_text = find if req.get("searchByRegex") else re.escape(find)
    if req.get("matchEntireCell"):
        pattern_text = f"^(?:{pattern_text})$"
    try:
        pattern = re.compile(pattern_text, flags)
    except re.error:
        raise _fail(f"Invalid regular expression: {find}") from None
    if req.get("range"):
        areas = [_grid(ss, req["range"])]
    elif req.get("sheetId") is not None:
        sheet = _sheet(ss, req["sheetId"])
        areas = [Bounds(sheet, 0, sheet.row_count, 0, sheet.column_count)]
    elif req.get("allSheets"):
        areas = [Bounds(s, 0, s.row_count, 0, s.column_count) for s in ss.sheets]
    else:
        raise _fail("One of range, sheetId or allSheets must be set.")
    counts = {"valuesChanged": 0, "formulasChanged": 0, "occurrencesChanged": 0}
    rows_changed: set[tuple[int, int]] = set()
    sheets_changed: set[int] = set()
    repl = replacement if req.get("searchByRegex") else replacement.replace("\\", "\\\\")
    for area in areas:
        for (row, col), cell in list(area.sheet.cells.items()):
            if not (area.start_row <= row < area.end_row and area.start_col <= col < area.end_col):
                continue
            value = cell.get("userEnteredValue") or {}
            if "formulaValue" in value:
                if not req.get("includeFormulas"):
                    continue
                key, text = "formulaValue", value["formulaValue"]
            elif "stringValue" in value:
                key, text = "stringValue", value["stringValue"]
            elif "numberValue" in value:
                key, text = "numberValue", str(value["numberValue"])
            else:
                continue
            new_text, count = pattern.subn(repl, text)
            if not count:
                continue
            counts["occurrencesChanged"] += count
            counts["formulasChanged" if key == "formulaValue" else "valuesChanged"] += 1
            rows_changed.add((area.sheet.sheet_id, row))
            sheets_changed.add(area.sheet.sheet_id)
            cell = dict(cell)  # a new cell: cells are shared with the copy a write started from
            area.sheet.cells[(row, col)] = cell
            if key == "formulaValue":
                cell["userEnteredValue"] = {"formulaValue": new_text}
            else:
                parsed, _fmt = raw_to_user_entered(
                    new_text, "USER_ENTERED", ss.properties.get("locale", "en_US")
                )
                if parsed is None:
                    cell.pop("userEnteredValue", None)
                else:
                    cell["userEnteredValue"] = parsed
    reply = {k: v for k, v in counts.items() if v}
    if rows_changed:
        reply["rowsChanged"] = len(rows_changed)
    if sheets_changed:
        reply["sheetsChanged"] = len(sheets_changed)
    return {"findReplace": reply}


def _check_named_name(ss: Spreadsheet, name: str, ignore: dict | None = None) -> None:
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", name or "") or re.match(r"^[A-Za-z]{1,3}\d+$", name):
        raise _fail(f"Invalid name: {name}")
    for existing in ss.named_ranges:
        if existing is not ignore and existing["name"].lower() == name.lower():
            raise _fail(f"Named range with name {name} already exists.")


def _add_named_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    named = strip_nulls(copy.deepcopy(req.get("namedRange") or {}))
    _check_named_name(ss, named.get("name", ""))
    _grid(ss, named.get("range") or {})
    if not named.get("namedRangeId"):
        named["namedRangeId"] = str(ctx.rng.randrange(10**8, 2**31 - 1))
    ss.named_ranges.append(named)
    return {"addNamedRange": {"namedRange": named_range_out(named)}}


def _find_named(ss: Spreadsheet, named_id: str | None) -> dict:
    for named in ss.named_ranges:
        if named["namedRangeId"] == named_id:
            return named
    raise _fail(f"No named range with id: {named_id}")


def _delete_named_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    named = _find_named(ss, req.get("namedRangeId"))
    ss.named_ranges.remove(named)
    return {}


def _update_named_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    source = strip_nulls(req.get("namedRange") or {})
    named = _find_named(ss, source.get("namedRangeId"))
    paths = _fields_paths(req.get("fields"), "NamedRange")
    updated = copy.deepcopy(named)
    update_by_mask(updated, source, [p for p in paths if p[0] != "namedRangeId"])
    if updated["name"] != named["name"]:
        _check_named_name(ss, updated["name"], ignore=named)
    _grid(ss, updated.get("range") or {})
    named.clear()
    named.update(updated)
    return {}


def _update_borders(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    bounds = _grid(ss, req.get("range"))
    sheet = bounds.sheet

    def apply(row: int, col: int, side: str, border: dict | None) -> None:
        if border is None:
            return
        cell = sheet.cells.get((row, col), {})
        fmt = copy.deepcopy(cell.get("userEnteredFormat") or {})
        borders = fmt.setdefault("borders", {})
        border = strip_nulls(border)
        if border.get("style") == "NONE":
            borders.pop(side, None)
        else:
            borders[side] = border
        if not borders:
            fmt.pop("borders")
        set_cell(sheet, row, col, {"userEnteredFormat": fmt}, [("userEnteredFormat",)])

    for row, col in bounds.cells():
        if row == bounds.start_row:
            apply(row, col, "top", req.get("top"))
        elif req.get("innerHorizontal") is not None:
            apply(row, col, "top", req.get("innerHorizontal"))
        if row == bounds.end_row - 1:
            apply(row, col, "bottom", req.get("bottom"))
        elif req.get("innerHorizontal") is not None:
            apply(row, col, "bottom", req.get("innerHorizontal"))
        if col == bounds.start_col:
            apply(row, col, "left", req.get("left"))
        elif req.get("innerVertical") is not None:
            apply(row, col, "left", req.get("innerVertical"))
        if col == bounds.end_col - 1:
            apply(row, col, "right", req.get("right"))
        elif req.get("innerVertical") is not None:
            apply(row, col, "right", req.get("innerVertical"))
    return {}


def _auto_resize_dimensions(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    if req.get("dimensions") is None:
        raise _fail("dimensions is required")
    sheet, dimension, start, end = _dimension_bounds(ss, req["dimensions"])
    evaluator = Evaluator(ss, ctx.today)
    for index in range(start, end):
        if dimension == "COLUMNS":
            longest = 0
            for (row, col), cell in sheet.cells.items():
                if col == index and cell.get("userEnteredValue"):
                    from .sheets_model import formatted_value

                    text = formatted_value(evaluator.effective(sheet, row, col), cell) or ""
                    longest = max(longest, len(text))
            sheet.column_meta.setdefault(index, {})["pixelSize"] = (
                max(8 + 7 * longest, 21) if longest else 100
            )
        else:
            sheet.row_meta.setdefault(index, {})["pixelSize"] = 21
    return {}


def _duplicate_sheet(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    source = _sheet(ss, req.get("sourceSheetId"))
    new_id = req.get("newSheetId")
    if new_id is None:
        new_id = _new_sheet_id(ss, ctx)
    elif ss.sheet_by_id(new_id) is not None:
        raise _fail(f"A sheet with the id {new_id} already exists.")
    title = req.get("newSheetName")
    if not title:
        title = f"Copy of {source.title}"
        number = 2
        while ss.sheet_by_title(title) is not None:
            title = f"Copy of {source.title} {number}"
            number += 1
    _check_title(ss, title)
    clone = copy.deepcopy(source)
    clone.properties["sheetId"] = new_id
    clone.properties["title"] = title
    for rule in clone.conditional_formats:
        for rng in rule["ranges"]:
            rng["sheetId"] = new_id
    for pr in clone.protected_ranges:
        if pr.get("range") is not None:
            pr["range"]["sheetId"] = new_id
        pr["protectedRangeId"] = ctx.rng.randrange(1, 2**31 - 1)
    if clone.basic_filter:
        clone.basic_filter["range"]["sheetId"] = new_id
    index = req.get("insertSheetIndex")
    index = source.properties["index"] + 1 if index is None else max(0, min(int(index), len(ss.sheets)))
    ss.sheets.insert(index, clone)
    ss.reindex()
    from .sheets_model import _sheet_properties_out

    return {"duplicateSheet": {"properties": _sheet_properties_out(clone)}}


_PASTE_FIELDS = {
    "PASTE_NORMAL": None,
    "PASTE_VALUES": ("userEnteredValue",),
    "PASTE_FORMAT": ("userEnteredFormat",),
    "PASTE_NO_BORDERS": None,
    "PASTE_FORMULA": ("userEnteredValue",),
    "PASTE_DATA_VALIDATION": ("dataValidation",),
    "PASTE_CONDITIONAL_FORMATTING": (),
}


def _paste_cell(source: dict | None, paste_type: str, target: dict | None) -> dict:
    source = copy.deepcopy(source or {})
    fields = _PASTE_FIELDS.get(paste_type)
    if fields is None:
        if paste_type == "PASTE_NO_BORDERS" and source.get("userEnteredFormat"):
            source["userEnteredFormat"].pop("borders", None)
        return source
    out = copy.deepcopy(target or {})
    for key in fields:
        if key in source:
            out[key] = source[key]
        else:
            out.pop(key, None)
    return out


def _copy_block(
    ss: Spreadsheet,
    source: Bounds,
    dest_sheet: Sheet,
    dest_row: int,
    dest_col: int,
    rows: int,
    cols: int,
    paste_type: str,
    transpose: bool,
    today: dt.date,
) -> None:
    block = {
        (r, c): copy.deepcopy(source.sheet.cells.get((r, c)))
        for r in range(source.start_row, source.end_row)
        for c in range(source.start_col, source.end_col)
    }
    if paste_type == "PASTE_VALUES":
        evaluator = Evaluator(ss, today)
        for (r, c), cell in block.items():
            if cell and "formulaValue" in (cell.get("userEnteredValue") or {}):
                found = evaluator.effective(source.sheet, r, c)
                kind_key = {"number": "numberValue", "string": "stringValue", "bool": "boolValue"}
                if found is None or found[0] not in kind_key:
                    cell.pop("userEnteredValue")
                else:
                    cell["userEnteredValue"] = {kind_key[found[0]]: found[1]}
    height, width = source.end_row - source.start_row, source.end_col - source.start_col
    for dr in range(rows):
        for dc in range(cols):
            if transpose:
                sr, sc = dc % height, dr % width
            else:
                sr, sc = dr % height, dc % width
            src = block[(source.start_row + sr, source.start_col + sc)]
            key = (dest_row + dr, dest_col + dc)
            formula = ((src or {}).get("userEnteredValue") or {}).get("formulaValue")
            if formula and paste_type in ("PASTE_NORMAL", "PASTE_NO_BORDERS", "PASTE_FORMULA"):
                src = copy.deepcopy(src)
                src["userEnteredValue"]["formulaValue"] = shift_relative_references(
                    formula, key[0] - (source.start_row + sr), key[1] - (source.start_col + sc)
                )
            if key[0] >= dest_sheet.row_count or key[1] >= dest_sheet.column_count:
                continue
            cell = _paste_cell(src, paste_type, dest_sheet.cells.get(key))
            if cell:
                dest_sheet.cells[key] = cell
            else:
                dest_sheet.cells.pop(key, None)


def _copy_paste(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    source = _grid(ss, req.get("source"))
    dest = _grid(ss, req.get("destination"))
    paste_type = req.get("pasteType") or "PASTE_NORMAL"
    transpose = req.get("pasteOrientation") == "TRANSPOSE"
    height, width = source.end_row - source.start_row, source.end_col - source.start_col
    if transpose:
        height, width = width, height
    rows = max(height, (dest.end_row - dest.start_row) // height * height)
    cols = max(width, (dest.end_col - dest.start_col) // width * width)
    _copy_block(
        ss, source, dest.sheet, dest.start_row, dest.start_col, rows, cols, paste_type, transpose, ctx.today
    )
    if paste_type in ("PASTE_NORMAL", "PASTE_CONDITIONAL_FORMATTING"):
        pass
    return {}


def _cut_paste(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    source = _grid(ss, req.get("source"))
    dest = req.get("destination") or {}
    dest_sheet = _sheet(ss, dest.get("sheetId"))
    paste_type = req.get("pasteType") or "PASTE_NORMAL"
    block = {
        (r, c): source.sheet.cells.pop((r, c), None)
        for r in range(source.start_row, source.end_row)
        for c in range(source.start_col, source.end_col)
    }
    row0, col0 = _int(dest.get("rowIndex")), _int(dest.get("columnIndex"))
    for (r, c), cell in block.items():
        key = (row0 + r - source.start_row, col0 + c - source.start_col)
        if key[0] >= dest_sheet.row_count or key[1] >= dest_sheet.column_count:
            continue
        new = _paste_cell(cell, paste_type, dest_sheet.cells.get(key))
        if new:
            dest_sheet.cells[key] = new
        else:
            dest_sheet.cells.pop(key, None)
    return {}


def _set_basic_filter(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    basic = strip_nulls(copy.deepcopy(req.get("filter") or {}))
    bounds = _grid(ss, basic.get("range") or {})
    basic["range"] = {
        "sheetId": bounds.sheet.sheet_id,
        "startRowIndex": bounds.start_row,
        "endRowIndex": bounds.end_row,
        "startColumnIndex": bounds.start_col,
        "endColumnIndex": bounds.end_col,
    }
    bounds.sheet.basic_filter = basic
    return {}


def _clear_basic_filter(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    _sheet(ss, req.get("sheetId")).basic_filter = None
    return {}


def _groups(sheet: Sheet, dimension: str) -> list[dict]:
    return sheet.row_groups if dimension == "ROWS" else sheet.column_groups


def _recompute_depths(groups: list[dict]) -> None:
    for group in groups:
        rng = group["range"]
        group["depth"] = 1 + sum(
            1
            for other in groups
            if other is not group
            and other["range"]["startIndex"] <= rng["startIndex"]
            and rng["endIndex"] <= other["range"]["endIndex"]
            and (other["range"]["startIndex"], other["range"]["endIndex"])
            != (rng["startIndex"], rng["endIndex"])
        )


def _group_reply(groups: list[dict]) -> list[dict]:
    return [
        {
            "range": dimension_range_out(g["range"]),
            "depth": g["depth"],
            **({"collapsed": True} if g.get("collapsed") else {}),
        }
        for g in groups
    ]


def _add_dimension_group(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet, dimension, start, end = _dimension_bounds(ss, req.get("range") or {})
    groups = _groups(sheet, dimension)
    if any(g["range"]["startIndex"] == start and g["range"]["endIndex"] == end for g in groups):
        raise _fail("A group with this range already exists.")
    groups.append(
        {
            "range": {
                "sheetId": sheet.sheet_id,
                "dimension": dimension,
                "startIndex": start,
                "endIndex": end,
            },
            "depth": 1,
        }
    )
    groups.sort(key=lambda g: (g["range"]["startIndex"], -g["range"]["endIndex"]))
    _recompute_depths(groups)
    control = "rowGroupControlAfter" if dimension == "ROWS" else "columnGroupControlAfter"
    sheet.properties["gridProperties"].setdefault(control, True)
    return {"addDimensionGroup": {"dimensionGroups": _group_reply(groups)}}


def _delete_dimension_group(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet, dimension, start, end = _dimension_bounds(ss, req.get("range") or {})
    groups = _groups(sheet, dimension)
    match = [g for g in groups if g["range"]["startIndex"] == start and g["range"]["endIndex"] == end]
    if not match:
        raise _fail("No group exists with the given range.")
    groups.remove(match[-1])
    _recompute_depths(groups)
    reply: dict[str, Any] = {}
    if groups:
        reply["dimensionGroups"] = _group_reply(groups)
    return {"deleteDimensionGroup": reply}


def _update_dimension_group(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    source = req.get("dimensionGroup") or {}
    sheet, dimension, start, end = _dimension_bounds(ss, source.get("range") or {})
    for group in _groups(sheet, dimension):
        if group["range"]["startIndex"] == start and group["range"]["endIndex"] == end:
            update_by_mask(group, strip_nulls(source), _fields_paths(req.get("fields"), "DimensionGroup"))
            return {}
    raise _fail("No group exists with the given range.")


def _move_dimension(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    sheet, dimension, start, end = _dimension_bounds(ss, req.get("source") or {})
    destination = _int(req.get("destinationIndex"))
    count = end - start
    axis = 0 if dimension == "ROWS" else 1
    order = list(range(sheet.row_count if axis == 0 else sheet.column_count))
    moving = order[start:end]
    rest = order[:start] + order[end:]
    insert_at = destination if destination <= start else destination - count
    new_order = rest[:insert_at] + moving + rest[insert_at:]
    position_of = {old: new for new, old in enumerate(new_order)}
    sheet.cells = {
        ((position_of[r], c) if axis == 0 else (r, position_of[c])): cell
        for (r, c), cell in sheet.cells.items()
    }
    return {}


def _insert_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    bounds = _grid(ss, req.get("range"))
    sheet = bounds.sheet
    if req.get("shiftDimension") == "COLUMNS":
        width = bounds.end_col - bounds.start_col
        sheet.set_size(columns=sheet.column_count + width)
        sheet.cells = {
            (
                (r, c + width) if bounds.start_row <= r < bounds.end_row and c >= bounds.start_col else (r, c)
            ): cell
            for (r, c), cell in sheet.cells.items()
        }
    else:
        height = bounds.end_row - bounds.start_row
        sheet.set_size(rows=sheet.row_count + height)
        sheet.cells = {
            (
                (r + height, c)
                if bounds.start_col <= c < bounds.end_col and r >= bounds.start_row
                else (r, c)
            ): cell
            for (r, c), cell in sheet.cells.items()
        }
    return {}


def _delete_range(ss: Spreadsheet, req: dict, ctx: Context) -> dict:
    bounds = _grid(ss, req.get("range"))
    sheet = bounds.sheet
    moved = {}
    for (r, c), cell in sheet.cells.items():
        inside = bounds.start_row <= r < bounds.end_row and bounds.start_col <= c < bounds.end_col
        if inside:
            continue
        if req.get("shiftDimension") == "COLUMNS":
            if bounds.start_row <= r < bounds.end_row and c >= bounds.end_col:
                c -= bounds.end_col - bounds.start_col
        elif bounds.start_col <= c < bounds.end_col and r >= bounds.end_row:
            r -= bounds.end_row - bounds.start_row
        moved[(r, c)] = cell
    sheet.cells = moved
    return {}


HANDLERS: dict[str, Callable[[Spreadsheet, dict, Context], dict]] = {
    "updateCells": _update_cells,
    "repeatCell": _repeat_cell,
    "appendCells": _append_cells,
    "appendDimension": _append_dimension,
    "insertDimension": _insert_dimension,
    "deleteDimension": _delete_dimension,
    "moveDimension": _move_dimension,
    "insertRange": _insert_range,
    "deleteRange": _delete_range,
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "duplicateSheet": _duplicate_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateSpreadsheetProperties": _update_spreadsheet_properties,
    "setDataValidation": _set_data_validation,
    "addConditionalFormatRule": _add_conditional_format_rule,
    "deleteConditionalFormatRule": _delete_conditional_format_rule,
    "updateConditionalFormatRule": _update_conditional_format_rule,
    "addProtectedRange": _add_protected_range,
    "updateProtectedRange": _update_protected_range,
    "deleteProtectedRange": _delete_protected_range,
    "createDeveloperMetadata": _create_developer_metadata,
    "updateDeveloperMetadata": _update_developer_metadata,
    "deleteDeveloperMetadata": _delete_developer_metadata,
    "updateDimensionProperties": _update_dimension_properties,
    "mergeCells": _merge_cells,
    "unmergeCells": _unmerge_cells,
    "sortRange": _sort_range,
    "findReplace": _find_replace,
    "addNamedRange": _add_named_range,
    "deleteNamedRange": _delete_named_range,
    "updateNamedRange": _update_named_range,
    "updateBorders": _update_borders,
    "autoResizeDimensions": _auto_resize_dimensions,
    "copyPaste": _copy_paste,
    "cutPaste": _cut_paste,
    "setBasicFilter": _set_basic_filter,
    "clearBasicFilter": _clear_basic_filter,
    "addDimensionGroup": _add_dimension_group,
    "deleteDimensionGroup": _delete_dimension_group,
    "updateDimensionGroup": _update_dimension_group,
}


def apply_requests(spreadsheet: Spreadsheet, requests: list[dict], ctx: Context) -> list[dict]:
    """Apply batchUpdate requests in order to `spreadsheet` (a working copy); raise on the first bad one."""
    replies = []
    for index, request in enumerate(requests):
        kinds = [k for k, v in (request or {}).items() if v is not None]
        if len(kinds) != 1:
            raise invalid_argument(
                f"Invalid requests[{index}]: No request set."
                if not kinds
                else f"Invalid requests[{index}]: Only one request may be set."
            )
        kind = kinds[0]
        handler = HANDLERS.get(kind)
        if handler is None:
            raise NotImplementedByEmulator(kind)
        try:
            replies.append(handler(spreadsheet, request[kind], ctx))
        except RequestError as error:
            raise invalid_argument(f"Invalid requests[{index}].{kind}: {error.message}") from None
    return replies


# ---------------------------------------------------------------- values.*


def write_values(
    spreadsheet: Spreadsheet, range_text: str, values: list[list[Any]], major: str, input_option: str
) -> dict[str, Any]:
    """values.update semantics: grow the grid as needed, '' clears, null leaves a cell alone."""
    bounds = resolve_a1(spreadsheet, range_text, clip=False, check_grid=False)
    rows = values or []
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        rows = [[col[i] if i < len(col) else None for col in rows] for i in range(width)]
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    explicit = bounds.end_row - bounds.start_row, bounds.end_col - bounds.start_col
    single_cell_or_open = True
    try:
        from .a1 import parse_a1

        parsed = parse_a1(range_text)
        single_cell_or_open = parsed.whole_sheet or (
            parsed.end_row is not None
            and parsed.end_col is not None
            and parsed.end_row - (parsed.start_row or 0) == 1
            and parsed.end_col - (parsed.start_col or 0) == 1
        )
    except ValueError:
        pass
    if not single_cell_or_open:
        if height > explicit[0] and explicit[0] > 0:
            raise invalid_argument(
                f"Requested writing within range [{bounds.a1()}], but tried writing to row "
                f"[{bounds.start_row + height}]"
            )
        if width > explicit[1] and explicit[1] > 0:
            from .a1 import column_letters

            raise invalid_argument(
                f"Requested writing within range [{bounds.a1()}], but tried writing to column "
                f"[{column_letters(bounds.start_col + width - 1)}]"
            )
    sheet = bounds.sheet
    if height and bounds.start_row + height > sheet.row_count:
        sheet.set_size(rows=bounds.start_row + height)
    if width and bounds.start_col + width > sheet.column_count:
        sheet.set_size(columns=bounds.start_col + width)
    locale = spreadsheet.properties.get("locale", "en_US")
    updated_cells = 0
    touched_rows: set[int] = set()
    touched_cols: set[int] = set()
    for r_offset, row_values in enumerate(rows):
        for c_offset, raw in enumerate(row_values or []):
            if raw is None:
                continue
            row, col = bounds.start_row + r_offset, bounds.start_col + c_offset
            value, number_format = raw_to_user_entered(raw, input_option, locale)
            cell = copy.deepcopy(sheet.cells.get((row, col), {}))
            if value is None:
                cell.pop("userEnteredValue", None)
            else:
                cell["userEnteredValue"] = value
            store_formula(cell, locale)
            cell.pop("chipRuns", None)  # typed over: the chips are gone
            if number_format:
                fmt = cell.setdefault("userEnteredFormat", {})
                fmt["numberFormat"] = number_format
            cell.pop("effectiveValue", None)
            if cell:
                sheet.cells[(row, col)] = cell
            else:
                sheet.cells.pop((row, col), None)
            updated_cells += 1
            touched_rows.add(row)
            touched_cols.add(col)
    result: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
    if height and width:
        result["updatedRange"] = format_range(
            sheet.title,
            bounds.start_row,
            bounds.start_row + height,
            bounds.start_col,
            bounds.start_col + width,
        )
    else:
        result["updatedRange"] = bounds.a1()
    if updated_cells:
        result["updatedRows"] = len(touched_rows)
        result["updatedColumns"] = len(touched_cols)
        result["updatedCells"] = updated_cells
    return result


def find_table(sheet: Sheet, bounds: Bounds) -> tuple[int, int, int, int] | None:
    """The table an append extends, as Google finds it (checked against recordings).

    Take the last non-empty cell inside the range (row-major); the table is the block of cells
    connected to it (4-neighbours, across the whole sheet); None when the range holds no data.
    """
    filled = {key for key, cell in sheet.cells.items() if cell.get("userEnteredValue")}
    inside = [
        key
        for key in filled
        if bounds.start_row <= key[0] < bounds.end_row and bounds.start_col <= key[1] < bounds.end_col
    ]
    if not inside:
        return None
    seed = max(inside)
    component = {seed}
    frontier = [seed]
    while frontier:
        row, col = frontier.pop()
        for neighbour in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
            if neighbour in filled and neighbour not in component:
                component.add(neighbour)
                frontier.append(neighbour)
    rows = [r for r, _ in component]
    cols = [c for _, c in component]
    return min(rows), max(rows) + 1, min(cols), max(cols) + 1


def append_values(
    spreadsheet: Spreadsheet,
    range_text: str,
    values: list[list[Any]],
    major: str,
    input_option: str,
    insert_option: str,
) -> dict[str, Any]:
    bounds = resolve_a1(spreadsheet, range_text)
    sheet = bounds.sheet
    table = find_table(sheet, bounds)
    result: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
    if table is None:
        start_row, start_col = bounds.start_row, bounds.start_col
    else:
        t_start, t_end, c_start, c_end = table
        result["tableRange"] = format_range(sheet.title, t_start, t_end, c_start, c_end)
        start_row, start_col = t_end, c_start
    rows = values or []
    height = len(rows) if major != "COLUMNS" else max((len(r) for r in rows), default=0)
    if insert_option == "INSERT_ROWS" and height and start_row < sheet.row_count:
        shift_dimension(spreadsheet, sheet, "ROWS", start_row, height, deleting=False)
    target = format_range(sheet.title, start_row, start_row + 1, start_col, start_col + 1)
    result["updates"] = write_values(spreadsheet, target, rows, major, input_option)
    return result


def clear_values(spreadsheet: Spreadsheet, range_text: str) -> str:
    bounds = resolve_a1(spreadsheet, range_text)
    for row, col in list(bounds.sheet.cells):
        if bounds.start_row <= row < bounds.end_row and bounds.start_col <= col < bounds.end_col:
            cell = {k: v for k, v in bounds.sheet.cells[(row, col)].items()
                    if k not in ("userEnteredValue", "effectiveValue")}  # a new cell: cells are shared
            if cell:
                bounds.sheet.cells[(row, col)] = cell
            else:
                del bounds.sheet.cells[(row, col)]
    return bounds.a1()


def get_values(
    spreadsheet: Spreadsheet, range_text: str, major: str, render: str, date_render: str, today: dt.date
) -> dict[str, Any]:
    bounds = resolve_a1(spreadsheet, range_text)
    values = read_values(spreadsheet, bounds, major, render, date_render, today)
    out: dict[str, Any] = {"range": bounds.a1(), "majorDimension": major}
    if values:
        out["values"] = values
    return out


def exceeds(sheet: Sheet, bounds: Bounds) -> ApiError:
    return exceeds_grid(sheet, bounds.start_row, bounds.end_row, bounds.start_col, bounds.end_col)
