"""Snapshot ↔ the Sheets API's JSON: what one read returns turned into plain cells, and a plan or a
ChangeSet turned into the requests of one ``spreadsheets.batchUpdate``.

Pure: dicts in, dicts out; no HTTP. The store sends what this module builds.

How a plan is recognised and addressed:
- Each contract tab carries sheet-level developer metadata ``mapws.tab`` = its contract name, so
  the read finds it by its stable sheetId even after a buyer renames it (the title is the fallback).
- The spreadsheet carries ``mapws.plan_id``, ``mapws.schema`` and ``mapws.meta`` (the meta dict as
  JSON) as spreadsheet-level developer metadata.
- Text is always written as ``stringValue``: buyer-looking text (``=IMPORTXML(...)``) never becomes
  a formula. Formulas are only ever the product's own, as ``formulaValue``. Dates are serial
  numbers with a DATE format.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from map_workspace import catalog
from map_workspace.changes import ChangeSet, HistoryEntry, StateRow, history_columns, history_time, merge_note
from map_workspace.domain.thresholds import Thresholds
from map_workspace.errors import StructuralBreak
from map_workspace.formulas import (
    ColourRule,
    PlanColumns,
    canonical_formula,
    colour_rules_from,
    from_locale_syntax,
    is_colour_rule_formula,
    plan_columns_at,
    thresholds_of,
    to_locale_syntax,
)
from map_workspace.layout import (
    HISTORY,
    OVERVIEW,
    OVERVIEW_FIELDS,
    PLAN,
    PLAN_TAB,
    STATE,
    TABLE_TABS,
    TABS,
    TIMELINE,
    Cell,
    CellValue,
    Column,
    Grid,
    Owner,
    ReadToken,
    Snapshot,
    TabSpec,
    columns_by_position,
    date_format,
    formats_last_row,
    normalise_header,
    overview_labels,
    spec_in,
    tab_title,
    tab_titles,
)
from map_workspace.locales import sheets_time_zone
from map_workspace.reading import find_table
from map_workspace.textwidth import fitted_width
from map_workspace.timeline import (
    FIXED_COLUMNS,
    WEEK_WIDTH,
    TimelineLayout,
    TimelineWrite,
    fixed_headers,
    layout_from_meta,
    row_formulas,
    timeline_rules,
    today_header_rule,
    week_format,
)

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm"
PROTECTED_DESCRIPTION = "mapws: sync-owned"

KEY_PLAN_ID = "mapws.plan_id"
KEY_SCHEMA = "mapws.schema"
KEY_META = "mapws.meta"
KEY_TAB = "mapws.tab"
PRODUCT_KEYS = (KEY_PLAN_ID, KEY_SCHEMA, KEY_META, KEY_TAB)

#: Meta keys starting with this are bookkeeping of the backend, never written to the file.
#: Meta keys of this prefix are never stored in the spreadsheet (older snapshots carried the
#: read's bookkeeping there; it now lives in the snapshot's read token).
PRIVATE_META = "_"

#: Day 0 of Sheets' serial dates.
EPOCH = date(1899, 12, 30)

#: Sheet IDs of the contract tabs in a spreadsheet mapws builds itself (the first tab keeps the
#: ID 0 of the spreadsheet's first sheet). Reads never rely on these: they use the metadata.
NEW_SHEET_IDS = {name: (0 if i == 0 else 100 + i) for i, name in enumerate(TABS)}
#: Grid size of a new table tab; appendDimension grows History and the state tab when needed.
NEW_ROWS = 1000
NEW_COLUMNS = 26
PIXELS_PER_WIDTH = 7

HEADER_FILL = "DCE6F1"
SYNC_FILL = "E7E6E6"
SYNC_HEADER_TEXT = "595959"
GUIDE_TEXT = "1F3864"

#: Rows of dropdowns laid under a table tab's last used row on Google. The colour rules and live
#: counts still reach the plan's formatted rows (layout.MIN_FORMATTED_ROWS and more); the dropdowns,
#: which are cell data every read returns, follow the used rows: the sync lays them again, this far
#: under the last used row, once fewer than half of them are left (a buyer who adds many rows
#: between two syncs types into the rows past them meanwhile: the cells accept anything, and the
#: sync reads every row whatever its dropdown).
DROPDOWN_HEADROOM = 50

#: What a read must ask for in each cell's values so that smart chips are read: an @-mentioned
#: owner's cell text is "@", the email is only in its chip run.
CHIP_FIELDS = "chipRuns(startIndex,chip(personProperties(email),richLinkProperties(uri)))"
#: One read: every tab's cells with notes, number formats and chips, the sheets' properties (the
#: locale: formulas come back in its syntax), colour rules and metadata. Field masks also work in
#: Google's parenthesised form.
#:
#: No per-cell ``dataValidation``: a field mask selects fields, not rows, and Google returns every
#: row it holds data for, a cell holding only a dropdown as an empty ``{}``. So on Google the
#: dropdowns reach only ``DROPDOWN_HEADROOM`` rows under each table's last used row (not the
#: hundreds of pre-formatted rows of the colour rules, which are not cell data), and those few
#: ``{}`` rows are what tells the read the dropdowns are still there (``_dropdowns_in_place``).
READ_FIELDS = (
    "spreadsheetId,properties(title,locale,timeZone),"
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount)),"
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "conditionalFormats(ranges,booleanRule(condition(type,values))),"
    "data(startRow,startColumn,rowData(values(userEnteredValue,effectiveFormat(numberFormat(type)),note,"
    f"{CHIP_FIELDS})))),namedRanges(namedRangeId,name,range)"
)
#: The tabs marked by a named range of their own (``range_name``): the contract tabs (the whole sheet)
#: and the Timeline (its A1 only). The read asks for exactly these ranges (``LEAN_RANGES``), so the
#: Timeline's formula cells, which the sync never uses, are not sent back. A read that names a
#: range the spreadsheet lacks fails with Google's 400 "Unable to parse range": then (an older plan,
#: a tab or name the buyer deleted) the whole spreadsheet is read as before and the sync lays the
#: missing names again.
NAMED_TABS = (*TABS, TIMELINE)


def range_name(tab: str) -> str:
    """The named range marking a tab ("mapws_tab_Checkins" for "Check-ins"; the same words as the
    local backend's hidden defined names). Named ranges follow their sheet through renames."""
    return "mapws_tab_" + re.sub(r"[^A-Za-z]", "", tab.title() if tab == STATE else tab)


LEAN_RANGES = tuple(range_name(tab) for tab in NAMED_TABS)


# --- values ---------------------------------------------------------------------------------------


def serial(day: date | datetime) -> float | int:
    """Sheets' serial number of a date (days since 1899-12-30); a datetime keeps its time of day."""
    if isinstance(day, datetime):
        delta = day.replace(tzinfo=None) - datetime(EPOCH.year, EPOCH.month, EPOCH.day)
        return delta.days + delta.seconds / 86400
    return (day - EPOCH).days


def from_serial(number: float) -> date | datetime:
    """A serial number as a date, or a datetime when it has a time of day."""
    whole = int(number // 1)
    fraction = number - whole
    day = EPOCH + timedelta(days=whole)
    if abs(fraction) < 1e-9:
        return day
    seconds = round(fraction * 86400)
    return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)


def rgb(hex_colour: str) -> dict[str, float]:
    value = hex_colour.lstrip("#")
    return {name: channel(int(value[i:i + 2], 16)) for name, i in (("red", 0), ("green", 2), ("blue", 4))}


def channel(eight_bits: int) -> float:
    """A colour channel as Sheets takes it: 4 decimals, rounded up, since Sheets keeps 8 bits by flooring
    (224/255 rounded to 0.8784 would come back as 223)."""
    return math.ceil(eight_bits / 255 * 10_000) / 10_000


def colour_style(hex_colour: str) -> dict[str, Any]:
    return {"rgbColor": rgb(hex_colour)}


def value_data(value: CellValue, formula: str | None = None,
               dates: str = DATE_PATTERN) -> tuple[dict[str, Any], tuple[str, ...]]:
    """CellData for one value, and the fields it sets (an updateCells mask).

    Text is always ``stringValue`` (never parsed, never a formula); ``formula`` is the product's
    own; dates are serials with a DATE format; numbers drop any date format left in the cell."""
    if formula is not None:
        text = formula if formula.startswith("=") else "=" + formula
        return {"userEnteredValue": {"formulaValue": text}}, ("userEnteredValue",)
    if value is None or value == "":
        return {}, ("userEnteredValue",)
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}, ("userEnteredValue",)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            # Sheets has no time zones in cells: keep the instant readable, offset included, as text.
            return value_data(value.isoformat())
        number_format = {"type": "DATE_TIME", "pattern": dates + DATETIME_PATTERN.removeprefix(DATE_PATTERN)}
        return ({"userEnteredValue": {"numberValue": serial(value)},
                 "userEnteredFormat": {"numberFormat": number_format}},
                ("userEnteredValue", "userEnteredFormat.numberFormat"))
    if isinstance(value, date):
        return ({"userEnteredValue": {"numberValue": serial(value)},
                 "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": dates}}},
                ("userEnteredValue", "userEnteredFormat.numberFormat"))
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}, ("userEnteredValue", "userEnteredFormat.numberFormat")
    return {"userEnteredValue": {"stringValue": str(value)}}, ("userEnteredValue",)


def cell_from_data(data: dict[str, Any], locale: str = "") -> Cell:
    """One CellData of a read as a plain Cell; a formula comes back in the syntax of the
    spreadsheet's ``locale`` (";" in de_DE) and is kept in the product's own (",")."""
    note = str(data.get("note") or "")
    entered = data.get("userEnteredValue") or {}
    if "formulaValue" in entered:
        return Cell(formula=from_locale_syntax(str(entered["formulaValue"]), locale), note=note)
    value: CellValue = None
    if "stringValue" in entered:
        value = with_chips(str(entered["stringValue"]), data.get("chipRuns")) or None
    elif "numberValue" in entered:
        number = entered["numberValue"]
        kind = (((data.get("effectiveFormat") or {}).get("numberFormat") or {}).get("type")
                or ((data.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type"))
        if kind in ("DATE", "DATE_TIME"):
            value = from_serial(float(number))
        elif isinstance(number, float) and number.is_integer():
            value = int(number)
        else:
            value = number
    elif "boolValue" in entered:
        value = bool(entered["boolValue"])
    elif "errorValue" in entered:
        value = str(data.get("formattedValue") or "#ERROR!")
    return Cell(value=value, note=note)


def with_chips(text: str, runs: list[dict[str, Any]] | None) -> str:
    """A cell's text with each smart chip's "@" placeholder replaced by what the chip names: a
    person's email (an @-mentioned owner), a link's URI. ``startIndex`` counts UTF-16 code units."""
    if not runs or "@" not in text:
        return text
    units = text.encode("utf-16-le")
    out, last = [], 0
    for run in runs:
        chip = run.get("chip") or {}
        named = str((chip.get("personProperties") or {}).get("email")
                    or (chip.get("richLinkProperties") or {}).get("uri") or "")
        start = 2 * int(run.get("startIndex") or 0)
        if not named or start < last or units[start:start + 2] != "@".encode("utf-16-le"):
            continue
        out += [units[last:start].decode("utf-16-le"), named]
        last = start + 2
    return "".join(out) + units[last:].decode("utf-16-le")


def _used(cell: Cell) -> bool:
    return cell.value is not None or cell.formula is not None or bool(cell.note)


def grid_from_sheet(sheet: dict[str, Any], locale: str = "") -> Grid:
    """A sheet's grid data as rows of Cells, trimmed to the cells that hold something."""
    title = str((sheet.get("properties") or {}).get("title", ""))
    placed: dict[int, list[Cell]] = {}
    for block in sheet.get("data") or []:
        row0 = int(block.get("startRow") or 0)
        col0 = int(block.get("startColumn") or 0)
        for r, row in enumerate(block.get("rowData") or []):
            values = (row or {}).get("values") or []
            if not values:
                continue
            line = placed.setdefault(row0 + r, [])
            for c, data in enumerate(values):
                cell = cell_from_data(data or {}, locale)
                index = col0 + c
                while len(line) <= index:
                    line.append(Cell())
                line[index] = cell
    last_row = max((r for r, cells in placed.items() if any(_used(c) for c in cells)), default=-1)
    width = max((max((i for i, c in enumerate(cells) if _used(c)), default=-1) + 1 for cells in placed.values()),
                default=0)
    rows = tuple(tuple(placed.get(r, [])[:width]) for r in range(last_row + 1))
    return Grid(title=title, rows=rows)


# --- what the read tells apply ------------------------------------------------------------------


@dataclass
class SheetInfo:
    sheet_id: int
    title: str
    rows: int = NEW_ROWS
    columns: int = NEW_COLUMNS


@dataclass
class Layout:
    """Where things are in the spreadsheet as read: contract tab → sheet, every sheet ID in use,
    the positions of the product's colour rules on the Plan tab, which product metadata exists,
    and the Drive ``version`` seen before the read (the read is at least that new: ``apply``
    writes only while the file is still at it)."""

    tabs: dict[str, SheetInfo] = field(default_factory=dict)
    sheet_ids: list[int] = field(default_factory=list)
    product_rules: list[int] = field(default_factory=list)
    rule_count: int = 0
    metadata_keys: list[str] = field(default_factory=list)
    version: str = ""
    #: The spreadsheet's locale as read: formulas written to it use its syntax.
    locale: str = ""
    #: tab → [namedRangeId, sheet ID it points at, whether it marks the tab whole] of the product's
    #: named ranges as read (``range_name``).
    names: dict[str, list[Any]] = field(default_factory=dict)
    #: How many conditional-format rules the Timeline holds (all the product's: it is formulas only).
    timeline_rules: int = 0

    def names_in_place(self) -> bool:
        """Whether every tab read has its named range, marking all of it: a read of those ranges
        alone then returns every contract tab whole."""
        return all(tab in self.names and self.names[tab][1] == info.sheet_id and self.names[tab][2]
                   for tab, info in self.tabs.items())

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def of(cls, snapshot: Snapshot) -> Layout:
        """The layout kept in the snapshot's read token (empty for a snapshot not read from Sheets)."""
        raw = snapshot.token.detail
        if not raw:
            return cls()
        data = json.loads(raw)
        tabs = {name: SheetInfo(**info) for name, info in data.get("tabs", {}).items()}
        return cls(tabs, list(data.get("sheet_ids", [])), list(data.get("product_rules", [])),
                   int(data.get("rule_count", 0)), list(data.get("metadata_keys", [])),
                   str(data.get("version", "")), str(data.get("locale", "")),
                   {str(k): list(v) for k, v in data.get("names", {}).items()}, int(data.get("timeline_rules", 0)))

    def new_sheet_id(self, name: str) -> int:
        """An unused sheet ID for a contract tab being (re-)created."""
        candidate = NEW_SHEET_IDS.get(name, 200)
        while candidate in self.sheet_ids:
            candidate += 1000
        self.sheet_ids.append(candidate)
        return candidate


def _metadata(items: Iterable[dict[str, Any]] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or ():
        key = item.get("metadataKey")
        if key and key not in found:
            found[str(key)] = str(item.get("metadataValue") or "")
    return found


def parse_spreadsheet(data: dict[str, Any], source: str, version: str = "") -> Snapshot:
    """The one read (``READ_FIELDS``) as a Snapshot. Contract tabs are found by their ``mapws.tab``
    metadata first and by title second; other tabs are the buyer's (``extra_tabs``). ``version``
    is the Drive version seen before the read, kept for ``apply``'s check."""
    top = _metadata(data.get("developerMetadata"))
    try:
        loaded = json.loads(top.get(KEY_META) or "{}")
    except ValueError:
        loaded = {}
    meta = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    if top.get(KEY_PLAN_ID):
        meta["plan_id"] = top[KEY_PLAN_ID]
    if top.get(KEY_SCHEMA):
        meta["schema"] = top[KEY_SCHEMA]
    sheets = list(data.get("sheets") or [])
    located: dict[str, dict[str, Any]] = {}
    for sheet in sheets:
        name = _metadata(sheet.get("developerMetadata")).get(KEY_TAB)
        if name in TABS and name not in located:
            located[name] = sheet
    taken = {id(s) for s in located.values()}
    for name in TABS:
        if name in located:
            continue
        for sheet in sheets:
            title = str((sheet.get("properties") or {}).get("title", ""))
            if id(sheet) not in taken and title.strip().lower() in {t.lower() for t in tab_titles(name)}:
                located[name] = sheet
                taken.add(id(sheet))
                break
    timeline = next((sheet for sheet in sheets
                     if _metadata(sheet.get("developerMetadata")).get(KEY_TAB) == TIMELINE), None)
    if timeline is not None:
        taken.add(id(timeline))
    extra = tuple(str((s.get("properties") or {}).get("title", "")) for s in sheets if id(s) not in taken)
    locale = str((data.get("properties") or {}).get("locale") or "")
    tabs = {name: grid_from_sheet(located[name], locale) for name in TABS if name in located}
    if timeline is not None:  # never read: the product only needs to know it is there
        located[TIMELINE] = timeline
        tabs[TIMELINE] = Grid(title=str((timeline.get("properties") or {}).get("title", TIMELINE)))
    layout = Layout(metadata_keys=sorted(top), version=version, locale=locale)
    for sheet in sheets:
        props = sheet.get("properties") or {}
        layout.sheet_ids.append(int(props.get("sheetId") or 0))
    for name, sheet in located.items():
        props = sheet.get("properties") or {}
        grid_props = props.get("gridProperties") or {}
        layout.tabs[name] = SheetInfo(int(props.get("sheetId") or 0), str(props.get("title", "")),
                                      int(grid_props.get("rowCount") or 0), int(grid_props.get("columnCount") or 0))
    layout.names = _names_of(data.get("namedRanges"), located)
    if timeline is not None:
        layout.timeline_rules = len(timeline.get("conditionalFormats") or [])
    formats_ok = False
    if PLAN in located:
        rules = located[PLAN].get("conditionalFormats") or []
        layout.rule_count = len(rules)
        layout.product_rules = [i for i, rule in enumerate(rules) if _is_product_rule(rule)]
        lang = catalog.plan_language(meta)
        formats_ok = _formats_in_place(located[PLAN], tabs[PLAN], thresholds_of(meta), lang) and all(
            _dropdowns_in_place(sheet, tabs[name], TABLE_TABS[name]) for name, sheet in located.items()
            if name in TABLE_TABS and _choice_columns(TABLE_TABS[name])) and layout.names_in_place()
    return Snapshot(source=source, meta=meta, tabs=tabs, formats_ok=formats_ok, extra_tabs=extra,
                    token=ReadToken(version, layout.to_json()))


def _names_of(named_ranges: Iterable[dict[str, Any]] | None,
              located: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    """The product's named ranges by tab: [id, sheet ID, whether it marks its located tab whole
    (the Timeline's marks only its first cell)]. Google omits zero indexes and an unbounded end."""
    by_name = {range_name(tab): tab for tab in NAMED_TABS}
    found: dict[str, list[Any]] = {}
    for named in named_ranges or ():
        tab = by_name.get(str(named.get("name", "")))
        if tab is None or tab in found:
            continue
        bounds = named.get("range") or {}
        sheet_id = int(bounds.get("sheetId") or 0)
        props = (located.get(tab) or {}).get("properties") or {}
        grid = props.get("gridProperties") or {}
        whole = (int(props.get("sheetId") or 0) == sheet_id and tab in located
                 and not bounds.get("startRowIndex") and not bounds.get("startColumnIndex"))
        if tab != TIMELINE:
            whole = whole and all(bounds.get(end) is None or int(bounds[end]) >= int(grid.get(size) or 0)
                                  for end, size in (("endRowIndex", "rowCount"), ("endColumnIndex", "columnCount")))
        found[tab] = [str(named.get("namedRangeId", "")), sheet_id, whole]
    return found


def named_range_request(tab: str, sheet_id: int, named_id: str = "") -> dict[str, Any]:
    """Add (or, given the id of one the spreadsheet has, point again) a tab's named range: the
    whole sheet, or the Timeline's first cell."""
    bounds = grid_range(sheet_id, 0, 1, 0, 1) if tab == TIMELINE else {"sheetId": sheet_id}
    named = {"name": range_name(tab), "range": bounds}
    if named_id:
        return {"updateNamedRange": {"namedRange": {"namedRangeId": named_id, **named}, "fields": "name,range"}}
    return {"addNamedRange": {"namedRange": named}}


def _named_range_requests(layout: Layout, requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The named ranges a write leaves out of place: missing, pointing at a sheet no more in use
    (a tab re-created), marking part of a tab, or of a tab this batch grows (in case Google keeps
    a whole-sheet range at the grid's size when it is written)."""
    grown = {int((r.get("appendDimension") or {}).get("sheetId") or 0) for r in requests if "appendDimension" in r}
    out = []
    for tab in NAMED_TABS:
        info = layout.tabs.get(tab)
        if info is None:
            continue
        named_id, sheet_id, whole = layout.names.get(tab) or ("", None, False)
        if named_id and whole and sheet_id == info.sheet_id and (tab == TIMELINE or info.sheet_id not in grown):
            continue
        out.append(named_range_request(tab, info.sheet_id, named_id))
        layout.names[tab] = [named_id or "", info.sheet_id, True]
    return out


# --- the product's colour rules and dropdowns ----------------------------------------------------

_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')


def _rule_formulas(rule: dict[str, Any]) -> list[str]:
    condition = (rule.get("booleanRule") or {}).get("condition") or {}
    if condition.get("type") != "CUSTOM_FORMULA":
        return []
    return [str(v.get("userEnteredValue", "")) for v in condition.get("values") or []]


def _is_product_rule(rule: dict[str, Any]) -> bool:
    formulas = _rule_formulas(rule)
    return len(formulas) == 1 and is_colour_rule_formula(formulas[0])


def _covers(grid_range: dict[str, Any], first_row: int, last_row: int, col: int) -> bool:
    """Whether a GridRange covers 1-based rows first..last of 0-based column ``col``
    (Google omits zero indexes; a missing end is unbounded)."""
    start_row = int(grid_range.get("startRowIndex") or 0)
    end_row = grid_range.get("endRowIndex")
    start_col = int(grid_range.get("startColumnIndex") or 0)
    end_col = grid_range.get("endColumnIndex")
    return (start_row <= first_row - 1 and (end_row is None or int(end_row) >= last_row)
            and start_col <= col and (end_col is None or col < int(end_col)))


def shifted_rules(cols: PlanColumns, first_row: int, thresholds: Thresholds) -> list[tuple[str, ColourRule]]:
    """(formula with "=", rule) for data starting at sheet row ``first_row``."""
    return [("=" + formula, rule) for formula, rule in colour_rules_from(cols, first_row, thresholds)]


def _formats_in_place(sheet: dict[str, Any], grid: Grid, thresholds: Thresholds,
                      lang: str = catalog.DEFAULT) -> bool:
    """Every colour rule (with the windows the plan records) still covers the Plan rows (a buyer
    may have cleared them, or the plan outgrown them).

    The dropdowns are checked apart (``_dropdowns_in_place``): they follow the used rows, the
    rules reach the formatted rows."""
    try:
        table = find_table(grid, PLAN_TAB)
    except StructuralBreak:
        return False
    first = table.header_row + 2
    last = max(first, len(grid.rows))
    status = table.columns.get("status", PLAN_TAB.index("status"))
    present: set[str] = set()
    for rule in sheet.get("conditionalFormats") or []:
        if not any(_covers(r, first, last, status) for r in rule.get("ranges") or []):
            continue
        present.update(canonical_formula(f) for f in _rule_formulas(rule)[:1])
    cols = plan_columns_at(table.columns, last, lang=lang)
    return all(canonical_formula(formula) in present for formula, _ in shifted_rules(cols, first, thresholds))


def _choice_columns(spec: TabSpec) -> list[str]:
    return [column.key for column in spec.columns if column.choices]


def dropdown_last_row(grid: Grid) -> int:
    """The last sheet row (1-based) a table tab's dropdowns are laid to on Google."""
    return max(len(grid.rows), 1) + DROPDOWN_HEADROOM


def _reach(sheet: dict[str, Any], col: int) -> int:
    """The last sheet row (1-based) whose read cells reach column ``col`` (0-based); 0 for none.
    Cells come back up to a row's last cell that holds anything, a dropdown included (as ``{}``)."""
    last = 0
    for block in sheet.get("data") or []:
        row0 = int(block.get("startRow") or 0)
        col0 = int(block.get("startColumn") or 0)
        for r, row in enumerate(block.get("rowData") or []):
            if col0 <= col < col0 + len((row or {}).get("values") or []):
                last = max(last, row0 + r + 1)
    return last


def _dropdowns_in_place(sheet: dict[str, Any], grid: Grid, spec: TabSpec) -> bool:
    """Whether the read's cells still reach at least half of ``DROPDOWN_HEADROOM`` rows under the
    tab's last used row in each dropdown column: the dropdowns are there and the buyer has not
    (nearly) outgrown them. A field mask cannot ask for the validation of those rows without every
    row's, so their empty ``{}`` cells are the evidence. A buyer who removes the dropdowns by hand
    (Data → Data validation → Remove) is noticed when the last dropdown column of the row loses
    its own (the cells to its left come back as padding) under the used rows; a column formatted
    down to the bottom by the buyer looks like one whose dropdowns are there (never a false alarm,
    so never a write every sync)."""
    table = find_table(grid, spec)
    need = max(len(grid.rows), table.header_row + 1) + DROPDOWN_HEADROOM // 2
    return all(_reach(sheet, table.columns[key]) >= need
               for key in _choice_columns(spec) if key in table.columns)


# --- requests -----------------------------------------------------------------------------------


def grid_range(sheet_id: int, start_row: int | None = None, end_row: int | None = None,
               start_col: int | None = None, end_col: int | None = None) -> dict[str, int]:
    """A GridRange with 0-based, end-exclusive indexes; an index left None is unbounded."""
    out = {"sheetId": sheet_id}
    for key, value in (("startRowIndex", start_row), ("endRowIndex", end_row),
                       ("startColumnIndex", start_col), ("endColumnIndex", end_col)):
        if value is not None:
            out[key] = value
    return out


def dropdown_request(sheet_id: int, col: int, first_row: int, last_row: int,
                     choices: Sequence[str]) -> dict[str, Any]:
    """A list dropdown that still accepts anything typed (``strict: false``): buyers write
    "wip" or "done 3/5" and the sync reads it, rather than Sheets refusing it."""
    return {"setDataValidation": {
        "range": grid_range(sheet_id, first_row - 1, last_row, col, col + 1),
        "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": c} for c in choices]},
                 "strict": False, "showCustomUi": True},
    }}


def colour_rule_requests(sheet_id: int, cols: PlanColumns, header_row: int, width: int,
                         start_index: int, thresholds: Thresholds, locale: str = "") -> list[dict[str, Any]]:
    """The colour flags as conditional-format rules, first match first (``header_row`` 1-based),
    written in the syntax of the spreadsheet's ``locale`` (Sheets parses them as typed into a cell)."""
    first = header_row + 1
    requests = []
    for offset, (formula, rule) in enumerate(shifted_rules(cols, first, thresholds)):
        text_format: dict[str, Any] = {"foregroundColorStyle": colour_style(rule.font)}
        if rule.bold:
            text_format["bold"] = True
        requests.append({"addConditionalFormatRule": {"index": start_index + offset, "rule": {
            "ranges": [grid_range(sheet_id, first - 1, cols.last_row, 0, max(width, 1))],
            "booleanRule": {
                "condition": {"type": "CUSTOM_FORMULA",
                              "values": [{"userEnteredValue": to_locale_syntax(formula, locale)}]},
                "format": {"backgroundColorStyle": colour_style(rule.fill), "textFormat": text_format},
            },
        }}})
    return requests


def protect_request(range_: dict[str, int]) -> dict[str, Any]:
    return {"addProtectedRange": {"protectedRange": {
        "range": range_, "description": PROTECTED_DESCRIPTION, "warningOnly": True}}}


def metadata_request(key: str, value: str, sheet_id: int | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {"spreadsheet": True} if sheet_id is None else {"sheetId": sheet_id}
    return {"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": key, "metadataValue": value, "location": location, "visibility": "DOCUMENT"}}}


def meta_json(meta: dict[str, str]) -> str:
    """The meta dict as stored: the backend's private keys left out."""
    return json.dumps({k: str(v) for k, v in sorted(meta.items()) if not k.startswith(PRIVATE_META)},
                      ensure_ascii=False, separators=(",", ":"))


def _text_format(*, bold: bool = False, italic: bool = False, colour: str = "", size: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if bold:
        out["bold"] = True
    if italic:
        out["italic"] = True
    if colour:
        out["foregroundColorStyle"] = colour_style(colour)
    if size:
        out["fontSize"] = size
    return out


def _with_format(data: dict[str, Any], **fmt: Any) -> dict[str, Any]:
    merged = dict(data.get("userEnteredFormat") or {})
    merged.update({k: v for k, v in fmt.items() if v})
    out = dict(data)
    if merged:
        out["userEnteredFormat"] = merged
    return out


def _header_data(column: Column | None, cell: Cell) -> dict[str, Any]:
    synced = column is not None and column.owner is Owner.SYNC
    data, _ = value_data(cell.value, cell.formula)
    data = _with_format(
        data,
        backgroundColorStyle=colour_style(SYNC_FILL if synced else HEADER_FILL),
        textFormat=_text_format(bold=True, italic=synced, colour=SYNC_HEADER_TEXT if synced else ""),
        wrapStrategy="WRAP", verticalAlignment="TOP",
    )
    if synced and column is not None and column.note:
        data["note"] = column.note
    elif cell.note:
        data["note"] = cell.note
    return data


def _data_cell(column: Column | None, cell: Cell, dates: str = DATE_PATTERN) -> dict[str, Any]:
    data, _ = value_data(cell.value, cell.formula, dates)
    wrap = "WRAP" if column is not None and column.wrap else ""
    # Numbers and dates centred, so "0" never runs into the Flag beside it ("0Needs owner").
    align = column.align.upper() if column is not None and column.align else ""
    data = _with_format(data, wrapStrategy=wrap, verticalAlignment="TOP", horizontalAlignment=align)
    if cell.note:
        data["note"] = cell.note
    return data


def _rows_request(sheet_id: int, rows: list[list[dict[str, Any]]], fields: str, row0: int = 0,
                  col0: int = 0) -> dict[str, Any]:
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row0, "columnIndex": col0},
                            "rows": [{"values": values} for values in rows], "fields": fields}}


def _width_request(sheet_id: int, col: int, pixels: int) -> dict[str, Any]:
    return {"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": col, "endIndex": col + 1},
        "properties": {"pixelSize": pixels}, "fields": "pixelSize"}}


def _sheet_properties(name: str, sheet_id: int, index: int, rows: int, columns: int,
                      title: str = "") -> dict[str, Any]:
    grid: dict[str, int] = {"rowCount": rows, "columnCount": columns}
    if name != OVERVIEW:
        grid["frozenRowCount"] = 1
    props: dict[str, Any] = {"sheetId": sheet_id, "title": title or name, "index": index, "gridProperties": grid}
    if name == STATE:
        props["hidden"] = True
    return props


def tab_requests(name: str, grid: Grid, sheet_id: int, last_row: int,
                 thresholds: Thresholds, lang: str = catalog.DEFAULT) -> list[dict[str, Any]]:
    """Cells, widths, dropdowns (``DROPDOWN_HEADROOM`` rows under the used ones), colour rules (Plan:
    to ``last_row``, with ``thresholds``' windows), protection and the locating metadata of one
    contract tab whose sheet already exists (empty) with ``sheet_id``."""
    if name == OVERVIEW:
        return _overview_requests(grid, sheet_id, lang)
    spec = spec_in(name, lang)
    header = grid.rows[0] if grid.rows else tuple(Cell(value=c.title) for c in spec.columns)
    columns = columns_by_position(spec, header)
    rows = [[_header_data(columns.get(c), cell) for c, cell in enumerate(header)]]
    for row in grid.rows[1:]:
        rows.append([_data_cell(columns.get(c), cell, date_format(lang)) for c, cell in enumerate(row)])
    requests: list[dict[str, Any]] = [_rows_request(sheet_id, rows, "userEnteredValue,userEnteredFormat,note")]
    for index, column in columns.items():
        width = fitted_width(column.width, column.choices)  # Japanese choices are twice as wide
        requests.append(_width_request(sheet_id, index, round(width * PIXELS_PER_WIDTH)))
        if column.choices:
            requests.append(dropdown_request(sheet_id, index, 2, dropdown_last_row(grid), column.choices))
    if name == PLAN:
        cols = plan_columns_at({c.key: i for i, c in columns.items()}, last_row, lang=lang)
        requests += colour_rule_requests(sheet_id, cols, 1, max(len(header), len(spec.columns)), 0, thresholds)
    if name in (HISTORY, STATE):
        requests.append(protect_request(grid_range(sheet_id)))
    else:
        for index, column in columns.items():
            if column.owner is Owner.SYNC:
                requests.append(protect_request(grid_range(sheet_id, start_col=index, end_col=index + 1)))
    requests.append(metadata_request(KEY_TAB, name, sheet_id))
    return requests


def _overview_requests(grid: Grid, sheet_id: int, lang: str = catalog.DEFAULT) -> list[dict[str, Any]]:
    fields = {label: next(f for f in OVERVIEW_FIELDS if f.key == key) for label, key in overview_labels().items()}
    guides = catalog.in_every_language("sheet.overview.guide")
    rows: list[list[dict[str, Any]]] = []
    synced_rows: list[int] = []
    for r, row in enumerate(grid.rows):
        if r == 0:
            rows.append([_with_format(value_data(c.value, c.formula)[0],
                                      textFormat=_text_format(bold=True, size=14)) for c in row])
            continue
        if row and row[0].text in guides:  # one line, running over the empty cell beside it
            rows.append([_with_format(value_data(row[0].value)[0],
                                      textFormat=_text_format(italic=True, colour=GUIDE_TEXT))])
            continue
        spec = fields.get(normalise_header(row[0].text)) if row else None
        synced = spec is not None and spec.owner is Owner.SYNC
        if synced:
            synced_rows.append(r)
        values = []
        for c, cell in enumerate(row):
            data = value_data(cell.value, cell.formula, date_format(lang))[0]
            if c == 0:
                data = _with_format(data, textFormat=_text_format(bold=True, italic=synced,
                                                                  colour=SYNC_HEADER_TEXT if synced else ""),
                                    verticalAlignment="TOP")
            else:
                data = _with_format(data, wrapStrategy="WRAP", verticalAlignment="TOP", horizontalAlignment="LEFT",
                                    backgroundColorStyle=colour_style(SYNC_FILL) if synced else None)
            if cell.note:
                data["note"] = cell.note
            values.append(data)
        rows.append(values)
    requests: list[dict[str, Any]] = [_rows_request(sheet_id, rows, "userEnteredValue,userEnteredFormat,note")]
    requests += [_width_request(sheet_id, 0, 26 * PIXELS_PER_WIDTH), _width_request(sheet_id, 1, 80 * PIXELS_PER_WIDTH)]
    for start, end in _runs(synced_rows):
        requests.append(protect_request(grid_range(sheet_id, start, end + 1, 0, 2)))
    requests.append(metadata_request(KEY_TAB, OVERVIEW, sheet_id))
    return requests


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted integers as (first, last)."""
    runs: list[tuple[int, int]] = []
    for i in sorted(indexes):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


#: The locale the create batch's formulas are written in (the product's own "," syntax).
FORMULA_LOCALE = "en_US"


def spreadsheet_properties_request(timezone: str, locale: str) -> dict[str, Any]:
    """TODAY() follows the spreadsheet's time zone (UTC as Google names it, Etc/GMT); HOUR keeps
    the live flags fresh without edits."""
    return {"updateSpreadsheetProperties": {
        "properties": {"timeZone": sheets_time_zone(timezone), "locale": locale, "autoRecalc": "HOUR"},
        "fields": "timeZone,locale,autoRecalc"}}


def locale_request(locale: str) -> dict[str, Any]:
    return {"updateSpreadsheetProperties": {"properties": {"locale": locale}, "fields": "locale"}}


def create_requests(snapshot: Snapshot, *, timezone: str, locale: str, existing: dict[str, SheetInfo] | None = None,
                    first_sheet_id: int | None = 0) -> list[dict[str, Any]]:
    """Every request that turns a fresh spreadsheet (one empty sheet, ``first_sheet_id``, which
    becomes the Overview) into a plan. For a template copy, ``existing`` names the contract tabs it
    already has (cleared and reused) and ``first_sheet_id`` is None (its other tabs stay as they are)."""
    last_row = formats_last_row(snapshot)
    thresholds = thresholds_of(snapshot.meta)
    lang = catalog.plan_language(snapshot.meta)
    existing = dict(existing or {})
    # Sheets parses formulas and rule formulas in the spreadsheet's locale at the time of each
    # request: the batch writes them under en_US (whatever locale the new file or template came
    # with) and sets the plan's locale last, after which Sheets shows them in its syntax.
    requests: list[dict[str, Any]] = [spreadsheet_properties_request(timezone, FORMULA_LOCALE)]
    ids: dict[str, int] = {}
    used = {info.sheet_id for info in existing.values()}
    for index, name in enumerate(TABS):
        grid = snapshot.tabs.get(name) or Grid(title=tab_title(name, lang))
        title = grid.title or tab_title(name, lang)
        rows = max(NEW_ROWS, len(grid.rows) + 1, last_row + 1 if name == PLAN else 0)
        columns = max(NEW_COLUMNS, max((len(r) for r in grid.rows), default=0))
        if name in existing:
            info = existing[name]
            ids[name] = info.sheet_id
            props = _sheet_properties(name, info.sheet_id, index, max(rows, info.rows), max(columns, info.columns),
                                      title)
            props["hidden"] = name == STATE
            requests.append({"updateSheetProperties": {"properties": props,
                                                        "fields": "title,index,hidden,gridProperties"}})
            # A template's contract tab is laid out by mapws: its cells start empty.
            requests.append({"updateCells": {"range": grid_range(info.sheet_id), "fields": "*"}})
        elif index == 0 and first_sheet_id is not None and first_sheet_id not in used:
            ids[name] = first_sheet_id
            props = _sheet_properties(name, first_sheet_id, index, rows, columns, title)
            requests.append({"updateSheetProperties": {"properties": props,
                                                        "fields": "title,index,gridProperties"}})
        else:
            sheet_id = NEW_SHEET_IDS[name]
            while sheet_id in used or sheet_id == first_sheet_id:
                sheet_id += 1000
            ids[name] = sheet_id
            requests.append({"addSheet": {"properties": _sheet_properties(name, sheet_id, index, rows, columns,
                                                                          title)}})
        used.add(ids[name])
    for name in TABS:
        requests += tab_requests(name, snapshot.tabs.get(name) or Grid(title=tab_title(name, lang)), ids[name],
                                 last_row, thresholds, lang)
    timeline = layout_from_meta(snapshot.meta, {}, last_row)
    if timeline is not None:
        sheet_id = NEW_TIMELINE_ID
        while sheet_id in used:
            sheet_id += 1000
        requests += new_timeline_requests(timeline, sheet_id, TABS.index(PLAN) + 1, tab_title(TIMELINE, lang))
        ids[TIMELINE] = sheet_id
    requests += [named_range_request(tab, sheet_id) for tab, sheet_id in ids.items()]
    meta = dict(snapshot.meta)
    requests.append(metadata_request(KEY_PLAN_ID, str(meta.get("plan_id", ""))))
    requests.append(metadata_request(KEY_SCHEMA, str(meta.get("schema", ""))))
    requests.append(metadata_request(KEY_META, meta_json(meta)))
    requests.append(locale_request(locale))
    return requests


def template_cleanup_requests(structure: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, SheetInfo]]:
    """For a copied template: requests that remove the product's rules, protections and metadata it
    carries (mapws lays them out again), and the contract tabs it already has."""
    snapshot = parse_spreadsheet(structure, "")
    layout = Layout.of(snapshot)
    requests: list[dict[str, Any]] = []
    names = set(LEAN_RANGES)
    for named in structure.get("namedRanges") or []:  # a template made from a plan: laid out again
        if named.get("name") in names and named.get("namedRangeId"):  # (before a sheet they mark goes)
            requests.append({"deleteNamedRange": {"namedRangeId": named["namedRangeId"]}})
    timeline = layout.tabs.pop(TIMELINE, None)
    if timeline is not None:  # the template's own Timeline: mapws lays the plan's out again
        requests.append({"deleteSheet": {"sheetId": timeline.sheet_id}})
    for info in layout.tabs.values():
        sheet: dict[str, Any] = next((s for s in structure.get("sheets") or []
                      if int((s.get("properties") or {}).get("sheetId") or 0) == info.sheet_id), {})
        for index in reversed(range(len(sheet.get("conditionalFormats") or []))):
            requests.append({"deleteConditionalFormatRule": {"sheetId": info.sheet_id, "index": index}})
        for protected in sheet.get("protectedRanges") or []:
            if protected.get("description") == PROTECTED_DESCRIPTION and "protectedRangeId" in protected:
                requests.append({"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}})
    for key in PRODUCT_KEYS:
        requests.append({"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": key}}}})
    return requests, layout.tabs


# --- applying a ChangeSet -----------------------------------------------------------------------


def _single_cell(sheet_id: int, row: int, col: int, data: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """updateCells on one cell: ``row`` 1-based, ``col`` 0-based."""
    return {"updateCells": {"range": grid_range(sheet_id, row - 1, row, col, col + 1),
                            "rows": [{"values": [data]}], "fields": ",".join(dict.fromkeys(fields))}}


def _sheet_for(layout: Layout, tab: str, source: str) -> SheetInfo:
    info = layout.tabs.get(tab)
    if info is None:
        raise StructuralBreak(
            f"{source}: the spreadsheet has no '{tab}' tab to write to.",
            f"Restore the '{tab}' tab (Edit → Undo, or File → Version history), then run sync again.",
        )
    return info


def apply_requests(snapshot: Snapshot, changes: ChangeSet) -> list[dict[str, Any]]:
    """One batchUpdate's requests for a ChangeSet planned from ``snapshot`` (empty for an empty
    ChangeSet). Only sync-owned cells are written; a note keeps the buyer's own text."""
    if changes.is_empty:
        return []
    layout = Layout.of(snapshot)
    source = snapshot.source
    lang = catalog.plan_language(snapshot.meta)
    requests: list[dict[str, Any]] = []
    if changes.state is not None:  # first: a state tab the file lost is added before the closed days go in it
        requests += _state_requests(snapshot, layout, changes.state)
    for write in changes.cells:
        info = _sheet_for(layout, write.tab, source)
        formula = None if write.formula is None else to_locale_syntax(write.formula, layout.locale)
        data, fields = value_data(write.value, formula, date_format(lang))
        column = _ALIGNED_SYNC_COLUMNS.get((write.tab, write.field))
        if column is not None:  # a row the buyer added has no format yet: "0Needs owner" otherwise
            data = _with_format(data, horizontalAlignment=column.align.upper())
            fields = (*fields, "userEnteredFormat.horizontalAlignment")
        requests.append(_single_cell(info.sheet_id, write.row, write.col, data, fields))
    for note in changes.notes:
        info = _sheet_for(layout, note.tab, source)
        grid = snapshot.tabs.get(note.tab)
        existing = grid.cell(note.row - 1, note.col).note if grid is not None else ""
        merged = merge_note(existing, note.lines)
        if merged == existing:
            continue
        data = {"note": merged} if merged.strip() else {}
        requests.append(_single_cell(info.sheet_id, note.row, note.col, data, ("note",)))
    if changes.history:
        requests += _history_requests(snapshot, layout, changes.history)
    if changes.formats_to_row is not None:
        # The windows the plan records after this change: the sync moves them with the config.
        thresholds = thresholds_of({**snapshot.meta, **changes.meta})
        requests += _format_requests(snapshot, layout, changes.formats_to_row, thresholds)
    if changes.timeline is not None:
        requests += _timeline_requests(snapshot, layout, changes.timeline)
    if changes.meta:
        requests += _meta_requests(snapshot, layout, changes.meta)
    return requests + _named_range_requests(layout, requests)


def _timeline_requests(snapshot: Snapshot, layout: Layout, change: TimelineWrite) -> list[dict[str, Any]]:
    """A Timeline the spreadsheet lacks is added whole (after the Plan; under another title when a
    buyer's tab already has its name); one it has gets the new formula rows only."""
    info = layout.tabs.get(TIMELINE)
    if info is None:
        titles = [*snapshot.extra_tabs, *(i.title for i in layout.tabs.values())]
        taken = {t.strip().lower() for t in titles}
        title = tab_title(TIMELINE, change.layout.lang)
        while title.lower() in taken:
            title += " (mapws)"
        sheet_id = layout.new_sheet_id(TIMELINE)  # added at the end of the tabs
        layout.tabs[TIMELINE] = SheetInfo(sheet_id, title)
        return new_timeline_requests(change.layout, sheet_id, None, title, layout.locale)
    timeline = change.layout
    requests = _grow(info, timeline.formula_rows)
    if change.rules_again:  # closed or reopened: every week's rules again, with or without the date flags
        requests += [{"deleteConditionalFormatRule": {"sheetId": info.sheet_id, "index": index}}
                     for index in reversed(range(layout.timeline_rules))]
    if change.first_new_week < timeline.weeks:  # week columns the decision moved into
        if timeline.last_col + 1 > info.columns:
            requests.append({"appendDimension": {"sheetId": info.sheet_id, "dimension": "COLUMNS",
                                                 "length": timeline.last_col + 1 - info.columns}})
            info.columns = timeline.last_col + 1
        first_col = timeline.first_week_col + change.first_new_week
        header = [_week_header(timeline, k) for k in range(change.first_new_week, timeline.weeks)]
        cells = [[{"userEnteredValue": {"formulaValue": to_locale_syntax(f, layout.locale)},
                   "userEnteredFormat": {"horizontalAlignment": "CENTER"}}
                  for f in row_formulas(timeline, row)[first_col:]] for row in range(2, change.first_row)]
        requests.append({"updateCells": {"start": {"sheetId": info.sheet_id, "rowIndex": 0, "columnIndex": first_col},
                                         "rows": [{"values": values} for values in [header, *cells]],
                                         "fields": "userEnteredValue,userEnteredFormat"}})
        requests.append(_week_widths(info.sheet_id, first_col, timeline.last_col + 1))
        if not change.rules_again:
            requests += _timeline_rule_requests(timeline, info.sheet_id, change.first_new_week, layout.locale)
    if change.rules_again:
        requests += _timeline_rule_requests(timeline, info.sheet_id, 0, layout.locale)
    if change.first_row <= timeline.formula_rows:
        rows = _timeline_rows(timeline, change.first_row, layout.locale)
        requests.append(_rows_request(info.sheet_id, rows, "userEnteredValue", change.first_row - 1))
    return requests


_TIMELINE_HEADER_FORMAT = {"backgroundColorStyle": colour_style(SYNC_FILL), "verticalAlignment": "TOP",
                           "textFormat": _text_format(bold=True, italic=True, colour=SYNC_HEADER_TEXT)}


def _week_header(layout: TimelineLayout, k: int) -> dict[str, Any]:
    return {"userEnteredValue": {"numberValue": serial(layout.week(k))},
            "userEnteredFormat": {**_TIMELINE_HEADER_FORMAT, "horizontalAlignment": "CENTER",
                                  "textRotation": {"angle": 90},
                                  "numberFormat": {"type": "DATE", "pattern": week_format(layout.lang)}}}


def _week_widths(sheet_id: int, start: int, end: int) -> dict[str, Any]:
    return {"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": start, "endIndex": end},
        "properties": {"pixelSize": round(WEEK_WIDTH * PIXELS_PER_WIDTH)}, "fields": "pixelSize"}}


def _timeline_rule_requests(layout: TimelineLayout, sheet_id: int, from_week: int,
                            locale: str) -> list[dict[str, Any]]:
    """The colour rules of the week columns from ``from_week`` on, first match first (inserted at
    the top: a Timeline grown later has its older columns' rules after them, over other cells)."""
    first_col = layout.first_week_col + from_week
    weeks = grid_range(sheet_id, 1, layout.last_row, first_col, layout.last_col + 1)
    header_range = grid_range(sheet_id, 0, 1, first_col, layout.last_col + 1)
    rules = [(weeks, rule) for rule in timeline_rules(layout, from_week)]
    rules.append((header_range, today_header_rule(layout, from_week)))
    requests = []
    for n, (range_, rule) in enumerate(rules):
        text_format: dict[str, Any] = {"foregroundColorStyle": colour_style(rule.font)}
        if rule.bold:
            text_format["bold"] = True
        requests.append({"addConditionalFormatRule": {"index": n, "rule": {
            "ranges": [range_],
            "booleanRule": {
                "condition": {"type": "CUSTOM_FORMULA",
                              "values": [{"userEnteredValue": to_locale_syntax("=" + rule.formula, locale)}]},
                "format": {"backgroundColorStyle": colour_style(rule.fill), "textFormat": text_format},
            },
        }}})
    return requests


#: Sheet ID of the Timeline in a spreadsheet mapws builds itself.
NEW_TIMELINE_ID = 150


def _timeline_rows(layout: TimelineLayout, first: int, locale: str = "") -> list[list[dict[str, Any]]]:
    return [[{"userEnteredValue": {"formulaValue": to_locale_syntax(f, locale)}} for f in row_formulas(layout, row)]
            for row in range(first, layout.formula_rows + 1)]


def new_timeline_requests(layout: TimelineLayout, sheet_id: int, index: int | None, title: str,
                          locale: str = "") -> list[dict[str, Any]]:
    """The Timeline tab: week headers, formula rows, colour rules, widths and its locating metadata.
    Sheets keeps no print setup in the file (orientation and fit are chosen when printing)."""
    columns = max(NEW_COLUMNS, layout.last_col + 1)
    props = _sheet_properties(title, sheet_id, index or 0, max(NEW_ROWS, layout.last_row + 1), columns)
    props["gridProperties"]["frozenColumnCount"] = layout.first_week_col
    if index is None:
        del props["index"]
    header = [{"userEnteredValue": {"stringValue": h}, "userEnteredFormat": _TIMELINE_HEADER_FORMAT}
              for h in fixed_headers(layout.lang)]
    header += [_week_header(layout, k) for k in range(layout.weeks)]
    day_format = {"numberFormat": {"type": "DATE", "pattern": date_format(layout.lang)}}
    rows = _timeline_rows(layout, 2, locale)
    for row in rows:
        for c in (3, 4, 5):  # the milestone's week, Due, Baseline
            row[c]["userEnteredFormat"] = day_format
        for cell in row[layout.first_week_col:]:
            cell["userEnteredFormat"] = {"horizontalAlignment": "CENTER"}
    requests: list[dict[str, Any]] = [
        {"addSheet": {"properties": props}},
        _rows_request(sheet_id, [header, *rows], "userEnteredValue,userEnteredFormat"),
    ]
    for c, (_, width, hidden) in enumerate(FIXED_COLUMNS):
        requests.append(_width_request(sheet_id, c, round(width * PIXELS_PER_WIDTH)))
        if hidden:
            requests.append({"updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
                "properties": {"hiddenByUser": True}, "fields": "hiddenByUser"}})
    requests.append(_week_widths(sheet_id, layout.first_week_col, layout.last_col + 1))
    requests += _timeline_rule_requests(layout, sheet_id, 0, locale)
    requests.append(protect_request(grid_range(sheet_id)))
    requests.append(metadata_request(KEY_TAB, TIMELINE, sheet_id))
    return requests


_ALIGNED_SYNC_COLUMNS = {(spec.name, column.key): column for spec in TABLE_TABS.values() for column in spec.columns
                         if column.owner is Owner.SYNC and column.align}


def _recreate_tab(layout: Layout, name: str, rows: int,
                  lang: str = catalog.DEFAULT) -> tuple[SheetInfo, list[dict[str, Any]]]:
    """A contract tab the spreadsheet lost, added again with its header in the plan's language (at
    the end of the tabs)."""
    sheet_id = layout.new_sheet_id(name)
    spec = spec_in(name, lang)
    info = SheetInfo(sheet_id, spec.title, max(NEW_ROWS, rows), max(NEW_COLUMNS, len(spec.columns)))
    props = _sheet_properties(name, sheet_id, len(layout.sheet_ids) - 1, info.rows, info.columns, spec.title)
    del props["index"]
    header = Grid(title=spec.title, rows=(tuple(Cell(value=c.title) for c in spec.columns),))
    layout.tabs[name] = info
    # Only History and State are re-created this way: tabs without colour rules or windows.
    requests = tab_requests(name, header, sheet_id, NEW_ROWS, Thresholds(), lang)
    return info, [{"addSheet": {"properties": props}}, *requests]


def _grow(info: SheetInfo, rows_needed: int) -> list[dict[str, Any]]:
    """appendDimension when writing past the grid (Sheets answers 400 "exceeds grid limits")."""
    if rows_needed <= info.rows:
        return []
    extra = rows_needed - info.rows
    info.rows = rows_needed
    return [{"appendDimension": {"sheetId": info.sheet_id, "dimension": "ROWS", "length": extra}}]


def _history_requests(snapshot: Snapshot, layout: Layout, entries: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    """History rows written at computed row indexes after the last filled row: sending the same
    batch twice writes the same rows (appendCells would append twice)."""
    requests: list[dict[str, Any]] = []
    info = layout.tabs.get(HISTORY)
    grid = snapshot.tabs.get(HISTORY)
    lang = catalog.plan_language(snapshot.meta)
    spec = spec_in(HISTORY, lang)
    if info is None:
        info, requests = _recreate_tab(layout, HISTORY, len(entries) + 1, lang)
        grid = None
    last = 0
    for r, row in enumerate(grid.rows if grid is not None else ()):
        if any(c.value not in (None, "") or c.formula for c in row):
            last = r + 1
    first_index = max(last, 1)  # 0-based index of the first new row (row 1 is the header)
    requests += _grow(info, first_index + len(entries))
    # Each column where the tab's header has it; a tab made before a column existed gets it after its own.
    positions, added = history_columns(grid.rows[0] if grid is not None and grid.rows else
                                       tuple(Cell(value=c.title) for c in spec.columns), lang)
    columns = {c.key: c for c in spec.columns}
    by_title = {c.title: c for c in columns.values()}
    for col, title in added:
        requests.append(_rows_request(info.sheet_id, [[_header_data(by_title.get(title), Cell(value=title))]],
                                      "userEnteredValue,userEnteredFormat,note", 0, col))
    timezone = snapshot.meta.get("timezone", "")
    width = max(positions.values()) + 1
    rows = []
    for entry in entries:
        values: list[dict[str, Any]] = [{} for _ in range(width)]
        for key, value in entry.values().items():
            data, _ = value_data(history_time(value, timezone) if key == "when" else value, None, date_format(lang))
            values[positions[key]] = _with_format(data, wrapStrategy="WRAP" if columns[key].wrap else "",
                                                  verticalAlignment="TOP")
        rows.append(values)
    requests.append(_rows_request(info.sheet_id, rows, "userEnteredValue,userEnteredFormat", first_index))
    return requests


def _state_requests(snapshot: Snapshot, layout: Layout, state: Sequence[StateRow]) -> list[dict[str, Any]]:
    """The hidden state tab made to hold exactly ``state`` from row 2: only the rows that differ
    from what the read saw are written (one updateCells per run of them), and rows beyond the new
    state that still hold something are cleared. A sync usually changes a few rows of a long state."""
    requests: list[dict[str, Any]] = []
    info = layout.tabs.get(STATE)
    grid = snapshot.tabs.get(STATE)
    if info is None:
        info, requests = _recreate_tab(layout, STATE, len(state) + 1)
        grid = None
    requests += _grow(info, len(state) + 1)
    width = max(len(TABLE_TABS[STATE].columns), 1)
    have = [tuple(c.value for c in row) for row in (grid.rows[1:] if grid is not None else ())]
    # The rows keep their places (the tab is read by ID; order means nothing): an ID the tab holds
    # stays in its row, new ones go at the end, so a plan laid out in template order is not
    # rewritten in ID order by its first sync.
    place = {str(row[0]): i for i, row in reversed(list(enumerate(have))) if row and row[0] not in (None, "")}
    state = sorted(state, key=lambda row: place.get(row.id, len(have)))
    wanted = [tuple(None if v == "" else v for v in row.cells()) for row in state]
    changed = [i for i in range(max(len(wanted), len(have)))
               if not _row_holds(have[i] if i < len(have) else (), wanted[i] if i < len(wanted) else (), width)]
    for first, last in _runs(changed):
        rows = [[value_data(v)[0] for v in wanted[i]] if i < len(wanted) else [] for i in range(first, last + 1)]
        requests.append({"updateCells": {
            "range": grid_range(info.sheet_id, 1 + first, 2 + last, 0, width),
            "rows": [{"values": values} for values in rows],
            "fields": "userEnteredValue,userEnteredFormat.numberFormat",
        }})
    return requests


def _row_holds(have: Sequence[CellValue], want: Sequence[CellValue], width: int) -> bool:
    """Whether a state row as read already holds ``want`` in its first ``width`` cells (same value
    and same kind: a date is not its serial number, 1 is not "1")."""
    for c in range(width):
        a = have[c] if c < len(have) else None
        b = want[c] if c < len(want) else None
        if type(a) is not type(b) or a != b:
            return False
    return True


def _format_requests(snapshot: Snapshot, layout: Layout, to_row: int,
                     thresholds: Thresholds) -> list[dict[str, Any]]:
    """The Plan's colour rules again, down to ``to_row`` (the product's old rules go first, by index,
    descending; the buyer's own rules stay where they are), and every table tab's dropdowns again,
    ``DROPDOWN_HEADROOM`` rows under its last used row."""
    info = _sheet_for(layout, PLAN, snapshot.source)
    lang = catalog.plan_language(snapshot.meta)
    grid = snapshot.tabs.get(PLAN) or Grid(title=tab_title(PLAN, lang))
    table = find_table(grid, PLAN_TAB)
    header_row = table.header_row + 1
    requests: list[dict[str, Any]] = [
        {"deleteConditionalFormatRule": {"sheetId": info.sheet_id, "index": index}}
        for index in sorted(layout.product_rules, reverse=True)
    ]
    requests += _grow(info, to_row)
    requests += _dropdown_requests(snapshot, layout, PLAN)
    header = grid.rows[table.header_row] if len(grid.rows) > table.header_row else ()
    headed = [i + 1 for i, cell in enumerate(header) if cell.value not in (None, "")]
    width = max([len(PLAN_TAB.columns), max(table.columns.values(), default=0) + 1, *headed])
    cols = plan_columns_at(table.columns, to_row, grid.title or tab_title(PLAN, lang), lang)
    remaining = layout.rule_count - len(layout.product_rules)
    requests += colour_rule_requests(info.sheet_id, cols, header_row, width, remaining, thresholds, layout.locale)
    for name in TABLE_TABS:
        if name != PLAN and name in layout.tabs and name in snapshot.tabs:
            requests += _dropdown_requests(snapshot, layout, name)
    return requests


def _dropdown_requests(snapshot: Snapshot, layout: Layout, name: str) -> list[dict[str, Any]]:
    """A table tab's dropdowns from under its header to ``dropdown_last_row`` (laying one again
    over itself changes nothing; rows past it keep whatever validation they have)."""
    spec = spec_in(name, catalog.plan_language(snapshot.meta))
    info = layout.tabs[name]
    grid = snapshot.tabs.get(name) or Grid(title=spec.title)
    table = find_table(grid, spec)
    last_row = dropdown_last_row(grid)
    requests = []
    for column in spec.columns:
        index = table.columns.get(column.key)
        if column.choices and index is not None:
            requests.append(dropdown_request(info.sheet_id, index, table.header_row + 2, last_row, column.choices))
    return _grow(info, last_row) + requests if requests else []


def _meta_requests(snapshot: Snapshot, layout: Layout, changed: dict[str, str]) -> list[dict[str, Any]]:
    meta = {**snapshot.meta, **changed}
    values = {KEY_META: meta_json(meta)}
    if "plan_id" in changed:
        values[KEY_PLAN_ID] = str(changed["plan_id"])
    if "schema" in changed:
        values[KEY_SCHEMA] = str(changed["schema"])
    requests: list[dict[str, Any]] = []
    for key, value in values.items():
        if key in layout.metadata_keys:
            requests.append({"updateDeveloperMetadata": {
                "dataFilters": [{"developerMetadataLookup": {"metadataKey": key}}],
                "developerMetadata": {"metadataValue": value},
                "fields": "metadataValue",
            }})
        else:
            requests.append(metadata_request(key, value))
    return requests
