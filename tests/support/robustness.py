"""The bad-input corpus runs against every store in the contract suite's ``BACKENDS``. For each one
this file provides a *backend* (plant a fresh copy of one master plan, run the CLI on it, see what
the file stores) and a *buyer* who edits the plan through that backend's own client — openpyxl on
the .xlsx as Excel would save it, gspread on the Sheet — finding columns by header and rows by ID.

A backend added to ``BACKENDS`` needs an entry in ``BACKEND_TYPES`` here; until it has one the
corpus fails for it (it is never skipped).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.domain.parsing import to_serial
from map_workspace.layout import OVERVIEW, PLAN, a1, normalise_header, tab_titles
from map_workspace.ports import PlanRef, PlanStore
from tests.backends.test_contract import BACKENDS

CREATED = date(2026, 3, 2)
CREATED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
#: The day of the sync after the buyer's edits: two weeks after the plan was made, nothing overdue yet.
SYNC_DAY = date(2026, 3, 16)
SYNC_AT = datetime(2026, 3, 16, 2, 0, tzinfo=timezone.utc)
DEAL = "Acme rollout"
BUYER_EMAIL = "dana@acme.example"
#: Rows a header may sit in (the reader looks at the first ten).
HEADER_ROWS = 10


# --- the plan every case starts from ---------------------------------------------------------------


def plan_request() -> app.CreateRequest:
    """Two buyers and two sellers, a CFO, and an IT lead who writes his name in kanji; two people
    are called Alex, so a bare "Alex" is ambiguous."""
    return app.CreateRequest(
        DEAL, date(2026, 6, 30),
        buyers=[Person("Dana Tanaka", BUYER_EMAIL), Person("Alex Kim", "alex.kim@acme.example")],
        sellers=[Person("Sam Rivera", "sam@seller.example"), Person("Alex Moreau", "alex@seller.example")],
        roles={"buyer.cfo": Person("Priya Shah", "priya@acme.example"),
               "buyer.it_lead": Person("田中 太郎", "taro@acme.example")},
        buyer_company="Acme Corp", seller_company="Widgets Ltd",
        # The corpus names items by the IDs and dates of the plan scheduled as late as possible on
        # weekends only (its cases are about buyer edits, not scheduling).
        as_late_as_possible=True,
    )


@functools.cache
def master(locale: str) -> app.NewPlan:
    """The enterprise plan scheduled once per plan locale (the slow part of ``create``), in English
    whatever the locale: the cases are about what a buyer types (a ja_JP plan reads dates the
    Japanese way), and name the English headers."""
    return app.build_new_plan(plan_request(), Config(locale=locale, language="en", holiday_regions=()), CREATED,
                              CREATED_AT)


# --- what a backend hands the test -----------------------------------------------------------------


@dataclass(frozen=True)
class StoredCell:
    """A cell as the file stores it: ``kind`` is text, formula, number, date, bool or error."""

    tab: str
    ref: str
    kind: str
    text: str


@dataclass
class Planted:
    """One case's own copy of the plan."""

    store: PlanStore
    ref: PlanRef
    locale: str


@dataclass
class Extras:
    """What a buyer may add besides cells: tabs (in order), and pictures and charts per tab."""

    tabs: tuple[str, ...]
    images: dict[str, int] = field(default_factory=dict)
    charts: dict[str, int] = field(default_factory=dict)


# --- local: the .xlsx through openpyxl ---------------------------------------------------------------


class LocalBackend:
    name = "local"
    #: What a buyer can add here besides cells and tabs.
    abilities = frozenset({"image", "chart"})
    #: How the backend recognises its tabs: by title (xlsx), or by metadata that survives a rename.
    tabs_known_by = "metadata"  # contract tabs carry a VBA code name that survives renames
    #: The most characters one cell holds (Excel's limit).
    max_cell_chars = 32_767

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._masters: dict[str, bytes] = {}

    def _master_bytes(self, locale: str) -> bytes:
        """The master workbook, written once per locale by the store itself."""
        if locale not in self._masters:
            store = BACKENDS[self.name](self.workdir / f"master-{locale}")
            new = master(locale)
            ref = store.create(new.snapshot, slug=new.plan.slug, title=DEAL)
            self._masters[locale] = Path(ref.id).read_bytes()
        return self._masters[locale]

    def plant(self, locale: str, tmp: Path) -> Planted:
        """A byte copy of the master in the case's own plans folder."""
        store = BACKENDS[self.name](tmp)
        path = store.path_for(master(locale).plan.slug)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self._master_bytes(locale))
        return Planted(store, store.locate(str(path)), locale)

    def buyer(self, planted: Planted) -> XlsxBuyer:
        return XlsxBuyer(Path(planted.ref.id))

    def cli_args(self, planted: Planted) -> list[str]:
        return [planted.ref.id, "--backend", "local", "--dir", str(planted.store.directory)]

    def fingerprint(self, planted: Planted) -> dict[str, str]:
        """Every file in the plans folder and its hash: a write, a backup or a temp file shows."""
        folder = Path(planted.ref.id).parent
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.iterdir()) if p.is_file()}

    def inspect(self, planted: Planted) -> tuple[list[StoredCell], Extras]:
        """Every cell as stored (text or formula …), and the tabs, pictures and charts: one load."""
        wb = load_workbook(planted.ref.id)
        cells = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    kind = _XLSX_KINDS.get(cell.data_type, "number")
                    if kind == "number" and cell.is_date:
                        kind = "date"
                    formula = getattr(cell.value, "text", None) if kind == "formula" else None
                    cells.append(StoredCell(ws.title, cell.coordinate, kind,
                                            str(formula if formula is not None else cell.value)))
        extras = Extras(tuple(wb.sheetnames),
                        {ws.title: len(ws._images) for ws in wb.worksheets if ws._images},
                        {ws.title: len(ws._charts) for ws in wb.worksheets if ws._charts})
        return cells, extras


_XLSX_KINDS = {"f": "formula", "s": "text", "inlineStr": "text", "b": "bool", "e": "error", "d": "date"}


def _png() -> BytesIO:
    from PIL import Image

    data = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(data, "PNG")
    data.seek(0)
    return data


class XlsxBuyer:
    """A buyer in Excel, played with openpyxl. Text is stored as text (a formula-looking entry the
    way Excel keeps a quote-prefixed one), dates as dates; moved rows keep their formulas pointing
    at their own row, as Excel does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wb = load_workbook(path, rich_text=True)
        #: The cells typed into, by (tab, item ID): where a finding about that typing must point.
        self.edited: dict[tuple[str, str | None], list[str]] = {}

    def save(self) -> None:
        self.wb.save(self.path)

    # --- finding things like a person does: by header text and by ID ---------------------------

    def _ws(self, tab: str) -> Worksheet:
        """A tab by its title, or a contract tab by its name in the plan's language ("Plan" → 計画)."""
        if tab in self.wb.sheetnames:
            return self.wb[tab]
        return next(self.wb[t] for t in tab_titles(tab) if t in self.wb.sheetnames)

    def _header(self, ws: Worksheet, header: str) -> tuple[int, int]:
        """(row, column), 1-based, of a header cell (the sync mark "(auto)" is optional)."""
        want = normalise_header(header)
        for row in ws.iter_rows(min_row=1, max_row=HEADER_ROWS):
            for cell in row:
                if isinstance(cell.value, str) and normalise_header(cell.value) == want:
                    return cell.row, cell.column
        raise KeyError(f"no header {header!r} in {ws.title}")

    def _row_where(self, ws: Worksheet, header: str, value: str) -> int:
        header_row, col = self._header(ws, header)
        for r in range(header_row + 1, ws.max_row + 1):
            if str(ws.cell(r, col).value or "").strip() == value:
                return r
        raise KeyError(f"no row with {header} = {value!r} in {ws.title}")

    def _row_of(self, item_id: str, tab: str = PLAN) -> int:
        return self._row_where(self._ws(tab), "ID", item_id)

    def _last_row(self, ws: Worksheet) -> int:
        return max((c.row for row in ws.iter_rows() for c in row if c.value not in (None, "")), default=1)

    def _last_col(self, ws: Worksheet, header_row: int) -> int:
        return max((c.column for c in ws[header_row] if c.value not in (None, "")), default=0)

    @staticmethod
    def _type(cell: Any, value: Any) -> None:
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = value[:1] in "=+-@"
        elif isinstance(value, datetime):
            cell.value = value
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            cell.value = value
            cell.number_format = "yyyy-mm-dd"
        else:
            cell.value = value

    # --- cells ------------------------------------------------------------------------------------

    def set(self, item_id: str, header: str, value: Any, tab: str = PLAN) -> None:
        ws = self._ws(tab)
        cell = ws.cell(self._row_of(item_id, tab), self._header(ws, header)[1])
        self._type(cell, value)
        self.edited.setdefault((tab, item_id), []).append(cell.coordinate)

    def set_where(self, tab: str, key_header: str, key: str, header: str, value: Any) -> None:
        ws = self._ws(tab)
        self._type(ws.cell(self._row_where(ws, key_header, key), self._header(ws, header)[1]), value)

    def set_overview(self, label: str, value: Any) -> None:
        ws = self._ws(OVERVIEW)
        row = next(r for r in range(1, ws.max_row + 1) if normalise_header(ws.cell(r, 1).value) ==
                   normalise_header(label))
        self._type(ws.cell(row, 2), value)
        self.edited.setdefault((OVERVIEW, None), []).append(ws.cell(row, 2).coordinate)

    def note(self, item_id: str, header: str, text: str) -> None:
        ws = self._ws(PLAN)
        ws.cell(self._row_of(item_id), self._header(ws, header)[1]).comment = Comment(text, "Dana Tanaka")

    # --- rows ---------------------------------------------------------------------------------------

    def _fill(self, ws: Worksheet, row: int, values: dict[str, Any]) -> None:
        for header, value in values.items():
            self._type(ws.cell(row, self._header(ws, header)[1]), value)

    def add_row(self, values: dict[str, Any], tab: str = PLAN) -> None:
        ws = self._ws(tab)
        self._fill(ws, self._last_row(ws) + 1, values)

    def add_rows(self, rows: list[dict[str, Any]], tab: str = PLAN) -> None:
        ws = self._ws(tab)
        columns = {header: self._header(ws, header)[1] for header in rows[0]}
        first = self._last_row(ws) + 1
        for offset, values in enumerate(rows):
            for header, value in values.items():
                self._type(ws.cell(first + offset, columns[header]), value)

    def insert_row_above(self, item_id: str, values: dict[str, Any] | None = None) -> None:
        ws = self._ws(PLAN)
        row = self._row_of(item_id)
        ws.insert_rows(row)
        self._shift_formulas(ws, row + 1, 1)
        self._fill(ws, row, values or {})

    def insert_title_row(self, text: str, tab: str = PLAN) -> None:
        """A title line typed above the header (the header moves down one row)."""
        ws = self._ws(tab)
        ws.insert_rows(1)
        self._shift_formulas(ws, 2, 1)
        self._type(ws.cell(1, 1), text)

    def delete_row(self, item_id: str) -> None:
        ws = self._ws(PLAN)
        row = self._row_of(item_id)
        ws.delete_rows(row)
        self._shift_formulas(ws, row, -1)

    def delete_row_where(self, tab: str, header: str, value: str) -> None:
        ws = self._ws(tab)
        row = self._row_where(ws, header, value)
        ws.delete_rows(row)
        self._shift_formulas(ws, row, -1)

    def hide_row(self, item_id: str) -> None:
        self._ws(PLAN).row_dimensions[self._row_of(item_id)].hidden = True

    def sort_by(self, header: str, descending: bool = False) -> None:
        """Data → Sort on one column: every row under the header moves whole (blanks stay last)."""
        ws = self._ws(PLAN)
        header_row, col = self._header(ws, header)
        last, width = self._last_row(ws), ws.max_column
        rows = [[self._take(ws.cell(r, c)) for c in range(1, width + 1)]
                for r in range(header_row + 1, last + 1)]
        keyed = [(r, self._sort_key(cells[col - 1][1])) for r, cells in enumerate(rows)]
        filled = sorted((x for x in keyed if x[1] is not None), key=lambda x: x[1], reverse=descending)
        order = [r for r, _ in filled] + [r for r, k in keyed if k is None]
        for new_index, old_index in enumerate(order):
            for c, taken in enumerate(rows[old_index], 1):
                self._put(ws.cell(header_row + 1 + new_index, c), taken)

    @staticmethod
    def _sort_key(value: Any) -> tuple | None:
        """Excel's order: numbers and dates, then text (case-insensitive); blanks are left out."""
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return (0, value.toordinal(), "")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (0, value, "")
        return (1, 0, str(value).casefold())

    @staticmethod
    def _take(cell: Any) -> tuple:
        return (cell.coordinate, cell.value, cell.data_type, cell.comment, cell._style, cell.hyperlink)

    @staticmethod
    def _put(cell: Any, taken: tuple) -> None:
        """Paste what ``_take`` copied; a formula's references move with it, as Excel moves them."""
        origin, value, data_type, comment, style, hyperlink = taken
        if data_type == "f" and isinstance(value, str):
            value = Translator(value, origin=origin).translate_formula(cell.coordinate)
        cell.value = value
        cell.data_type = data_type
        cell.comment = comment
        cell._style = style
        cell.hyperlink = hyperlink

    @staticmethod
    def _shift_formulas(ws: Worksheet, from_row: int, delta: int) -> None:
        """Rows moved by ``delta`` keep formulas about their own row, as Excel rewrites them."""
        for row in ws.iter_rows(min_row=max(1, from_row)):
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    origin = f"{cell.column_letter}{cell.row - delta}"
                    cell.value = Translator(cell.value, origin=origin).translate_formula(cell.coordinate)

    # --- columns and headers ---------------------------------------------------------------------

    def rename_header(self, old: str, new: str | None, tab: str = PLAN) -> None:
        ws = self._ws(tab)
        self._type(ws.cell(*self._header(ws, old)), new)

    def add_column(self, header: str, values: dict[str, Any]) -> None:
        ws = self._ws(PLAN)
        header_row, _ = self._header(ws, "ID")
        col = self._last_col(ws, header_row) + 1
        self._type(ws.cell(header_row, col), header)
        for item_id, value in values.items():
            self._type(ws.cell(self._row_of(item_id), col), value)

    def insert_column_before(self, before: str, header: str, values: dict[str, Any]) -> None:
        ws = self._ws(PLAN)
        header_row, col = self._header(ws, before)
        ws.insert_cols(col)
        self._type(ws.cell(header_row, col), header)
        for item_id, value in values.items():
            self._type(ws.cell(self._row_of(item_id), col), value)

    def move_column_to_end(self, header: str) -> None:
        """Cut a column and paste it after the last one."""
        ws = self._ws(PLAN)
        header_row, col = self._header(ws, header)
        target = self._last_col(ws, header_row) + 1
        for r in range(1, ws.max_row + 1):
            self._put(ws.cell(r, target), self._take(ws.cell(r, col)))
        widths = ws.column_dimensions
        widths[get_column_letter(target)].width = widths[get_column_letter(col)].width
        ws.delete_cols(col)

    def merge(self, first_id: str, first_header: str, last_id: str, last_header: str) -> None:
        ws = self._ws(PLAN)
        start = ws.cell(self._row_of(first_id), self._header(ws, first_header)[1]).coordinate
        end = ws.cell(self._row_of(last_id), self._header(ws, last_header)[1]).coordinate
        ws.merge_cells(f"{start}:{end}")

    # --- tabs and drawings ------------------------------------------------------------------------

    def rename_tab(self, old: str, new: str) -> None:
        self._ws(old).title = new

    def delete_tab(self, name: str) -> None:
        self.wb.remove(self._ws(name))

    def add_tab(self, name: str, rows: list[list[Any]]) -> None:
        ws = self.wb.create_sheet(name)
        for r, values in enumerate(rows, 1):
            for c, value in enumerate(values, 1):
                self._type(ws.cell(r, c), value)

    def add_image(self, tab: str, anchor: str) -> None:
        from openpyxl.drawing.image import Image

        self._ws(tab).add_image(Image(_png()), anchor)

    def add_chart(self, tab: str, anchor: str) -> None:
        """A bar chart of the numbers in column B under a header in row 1."""
        from openpyxl.chart import BarChart, Reference

        ws = self._ws(tab)
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=self._last_row(ws)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=self._last_row(ws)))
        ws.add_chart(chart, anchor)


# --- google: the Sheet through gspread, over the loopback emulator ---------------------------------


class GoogleBackend:
    name = "google"
    #: The Sheets API places no pictures over cells, and the emulator answers addChart with 501.
    abilities: frozenset[str] = frozenset()
    tabs_known_by = "metadata"
    max_cell_chars = 50_000

    def __init__(self, workdir: Path) -> None:
        from tests.support.google import shared_emulator

        self.emulator = shared_emulator()
        self.emulator.faults.rate = 0.0
        self.emulator.core.quota_per_minute = None

    #: Per locale, the emulator's state right after the master was created and shared, and its ref:
    #: made through the API once per process, restored into the emulator for every case.
    _saved: dict[str, tuple[dict[str, Any], PlanRef]] = {}

    def plant(self, locale: str, tmp: Path) -> Planted:
        """The master's spreadsheet, shared with the buyer, alone on a clean Drive: created by the
        store the first time, restored from the emulator's saved state after that."""
        from map_workspace.backends.google.clients import DEFAULT_TIMEOUT

        store = BACKENDS[self.name](tmp)  # resets the emulator: each case starts from a clean Drive
        # The production timeout: the emulator takes seconds to serve the 5,000-row plan in one read.
        store.clients = replace(store.clients, timeout=DEFAULT_TIMEOUT)
        if locale in self._saved:
            saved, ref = self._saved[locale]
            self.emulator.restore(saved)
            return Planted(store, ref, locale)
        new = master(locale)
        ref = store.create(new.snapshot, slug=new.plan.slug, title=DEAL)
        store.share(ref, [BUYER_EMAIL])
        self._saved[locale] = (self.emulator.save(), ref)
        return Planted(store, ref, locale)

    def _spreadsheet(self, planted: Planted, email: str | None = None) -> Any:
        from tests.google_emulator.clients import gspread_client
        from tests.support.google import buyer_credentials

        credentials = buyer_credentials(self.emulator, email) if email else None
        return gspread_client(self.emulator, credentials).open_by_key(planted.ref.id)

    def buyer(self, planted: Planted) -> SheetsBuyer:
        return SheetsBuyer(self._spreadsheet(planted, BUYER_EMAIL))

    def cli_args(self, planted: Planted) -> list[str]:
        return [planted.ref.id, "--backend", "google", "--api-root", self.emulator.base_url]

    def _grid(self, planted: Planted, fields: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"includeGridData": "true"}
        if fields:
            params["fields"] = fields
        return self._spreadsheet(planted).fetch_sheet_metadata(params=params)

    def fingerprint(self, planted: Planted) -> str:
        """The whole spreadsheet as the API returns it: cells, notes, formats, metadata, tabs."""
        return hashlib.sha256(json.dumps(self._grid(planted, None), sort_keys=True).encode()).hexdigest()

    def inspect(self, planted: Planted) -> tuple[list[StoredCell], Extras]:
        """Every cell as entered (text, formula …) and the tabs in order: one read."""
        data = self._grid(planted, "sheets(properties(title,index),data(startRow,startColumn,rowData(values("
                                   "userEnteredValue,userEnteredFormat(numberFormat)))))")
        sheets = sorted(data.get("sheets") or [], key=lambda s: s["properties"].get("index", 0))
        cells = []
        for sheet in sheets:
            title = sheet["properties"]["title"]
            for block in sheet.get("data") or []:
                row0, col0 = int(block.get("startRow") or 0), int(block.get("startColumn") or 0)
                for r, row in enumerate(block.get("rowData") or []):
                    for c, value in enumerate((row or {}).get("values") or []):
                        entered = (value or {}).get("userEnteredValue")
                        if not entered:
                            continue
                        ((key, raw),) = entered.items()
                        kind = _SHEETS_KINDS.get(key, "number")
                        number_format = (value.get("userEnteredFormat") or {}).get("numberFormat") or {}
                        if kind == "number" and number_format.get("type") in ("DATE", "DATE_TIME"):
                            kind = "date"
                        cells.append(StoredCell(title, a1(row0 + r + 1, col0 + c), kind, str(raw)))
        return cells, Extras(tuple(s["properties"]["title"] for s in sheets))


_SHEETS_KINDS = {"formulaValue": "formula", "stringValue": "text", "boolValue": "bool", "errorValue": "error"}


def _cell_data(value: Any) -> tuple[dict[str, Any], str]:
    """(CellData, fields) for a value as a buyer enters it: text as text (RAW), a date as a date."""
    if value is None:
        return {}, "userEnteredValue"
    if isinstance(value, datetime):
        serial = to_serial(value.date()) + (value.hour * 3600 + value.minute * 60) / 86400
        return ({"userEnteredValue": {"numberValue": serial},
                 "userEnteredFormat": {"numberFormat": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}}},
                "userEnteredValue,userEnteredFormat.numberFormat")
    if isinstance(value, date):
        return ({"userEnteredValue": {"numberValue": to_serial(value)},
                 "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}},
                "userEnteredValue,userEnteredFormat.numberFormat")
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}, "userEnteredValue"
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}, "userEnteredValue"
    return {"userEnteredValue": {"stringValue": str(value)}}, "userEnteredValue"


class SheetsBuyer:
    """A buyer in Google Sheets, played with gspread as that person: one API request per action,
    the way the Sheets UI sends them."""

    def __init__(self, spreadsheet: Any) -> None:
        self.sh = spreadsheet
        #: The cells typed into, by (tab, item ID): where a finding about that typing must point.
        self.edited: dict[tuple[str, str | None], list[str]] = {}

    def save(self) -> None:
        """Sheets saves as it goes."""

    # --- finding things ---------------------------------------------------------------------------

    def _sheet(self, tab: str) -> dict[str, Any]:
        """A tab by its title, or a contract tab by its name in the plan's language ("Plan" → 計画)."""
        data = self.sh.fetch_sheet_metadata(params={"fields": "sheets(properties)"})
        sheets = [s["properties"] for s in data["sheets"]]
        return next((p for p in sheets if p["title"] == tab), None) or next(
            p for t in tab_titles(tab) for p in sheets if p["title"] == t)

    def _values(self, tab: str) -> list[list[str]]:
        from gspread.exceptions import APIError

        params = {"valueRenderOption": "UNFORMATTED_VALUE"}
        try:
            answer = self.sh.values_get(f"'{tab}'", params=params)
        except APIError:  # a contract tab named in the plan's language
            answer = self.sh.values_get(f"'{self._sheet(tab)['title']}'", params=params)
        return answer.get("values", [])

    @staticmethod
    def _header(values: list[list[Any]], header: str) -> tuple[int, int]:
        """(row, column), 0-based."""
        want = normalise_header(header)
        for r, row in enumerate(values[:HEADER_ROWS]):
            for c, text in enumerate(row):
                if isinstance(text, str) and normalise_header(text) == want:
                    return r, c
        raise KeyError(f"no header {header!r}")

    def _row_where(self, values: list[list[Any]], header: str, value: str) -> int:
        header_row, col = self._header(values, header)
        for r in range(header_row + 1, len(values)):
            if col < len(values[r]) and str(values[r][col]).strip() == value:
                return r
        raise KeyError(f"no row with {header} = {value!r}")

    @staticmethod
    def _last_row(values: list[list[Any]]) -> int:
        """0-based index of the last row holding anything (-1 when none)."""
        return max((r for r, row in enumerate(values) if any(v not in ("", None) for v in row)), default=-1)

    def _batch(self, *requests: dict[str, Any]) -> None:
        self.sh.batch_update({"requests": list(requests)})

    @staticmethod
    def _write(sheet_id: int, row: int, col: int, value: Any) -> dict[str, Any]:
        data, fields = _cell_data(value)
        return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": col},
                                "rows": [{"values": [data]}], "fields": fields}}

    def _ensure_rows(self, props: dict[str, Any], rows: int) -> list[dict[str, Any]]:
        have = props["gridProperties"]["rowCount"]
        if rows <= have:
            return []
        return [{"appendDimension": {"sheetId": props["sheetId"], "dimension": "ROWS",
                                     "length": rows - have}}]

    def _ensure_columns(self, props: dict[str, Any], columns: int) -> list[dict[str, Any]]:
        have = props["gridProperties"]["columnCount"]
        if columns <= have:
            return []
        return [{"appendDimension": {"sheetId": props["sheetId"], "dimension": "COLUMNS",
                                     "length": columns - have}}]

    # --- cells ------------------------------------------------------------------------------------

    def set(self, item_id: str, header: str, value: Any, tab: str = PLAN) -> None:
        values = self._values(tab)
        row, col = self._row_where(values, "ID", item_id), self._header(values, header)[1]
        self._batch(self._write(self._sheet(tab)["sheetId"], row, col, value))
        self.edited.setdefault((tab, item_id), []).append(a1(row + 1, col))

    def set_where(self, tab: str, key_header: str, key: str, header: str, value: Any) -> None:
        values = self._values(tab)
        row, col = self._row_where(values, key_header, key), self._header(values, header)[1]
        self._batch(self._write(self._sheet(tab)["sheetId"], row, col, value))

    def set_overview(self, label: str, value: Any) -> None:
        values = self._values(OVERVIEW)
        row = next(r for r, line in enumerate(values)
                   if line and normalise_header(line[0]) == normalise_header(label))
        self._batch(self._write(self._sheet(OVERVIEW)["sheetId"], row, 1, value))
        self.edited.setdefault((OVERVIEW, None), []).append(a1(row + 1, 1))

    def note(self, item_id: str, header: str, text: str) -> None:
        values = self._values(PLAN)
        row, col = self._row_where(values, "ID", item_id), self._header(values, header)[1]
        self._batch({"updateCells": {"start": {"sheetId": self._sheet(PLAN)["sheetId"], "rowIndex": row,
                                               "columnIndex": col}, "rows": [{"values": [{"note": text}]}],
                                     "fields": "note"}})

    # --- rows ---------------------------------------------------------------------------------------

    def _row_requests(self, tab: str, values: list[list[Any]], row: int, cells: dict[str, Any],
                      sheet_id: int) -> list[dict[str, Any]]:
        return [self._write(sheet_id, row, self._header(values, header)[1], value)
                for header, value in cells.items()]

    def add_row(self, cells: dict[str, Any], tab: str = PLAN) -> None:
        values, props = self._values(tab), self._sheet(tab)
        row = self._last_row(values) + 1
        self._batch(*self._ensure_rows(props, row + 1),
                    *self._row_requests(tab, values, row, cells, props["sheetId"]))

    def add_rows(self, rows: list[dict[str, Any]], tab: str = PLAN) -> None:
        values, props = self._values(tab), self._sheet(tab)
        first = self._last_row(values) + 1
        columns = {header: self._header(values, header)[1] for header in rows[0]}
        width = max(columns.values()) + 1
        row_data = []
        for cells in rows:
            line: list[dict[str, Any]] = [{} for _ in range(width)]
            for header, value in cells.items():
                line[columns[header]] = _cell_data(value)[0]
            row_data.append({"values": line})
        self._batch(*self._ensure_rows(props, first + len(rows)),
                    {"updateCells": {
                        "start": {"sheetId": props["sheetId"], "rowIndex": first, "columnIndex": 0},
                        "rows": row_data, "fields": "userEnteredValue,userEnteredFormat.numberFormat"}})

    def _insert_rows(self, sheet_id: int, row: int) -> dict[str, Any]:
        return {"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": row,
                                              "endIndex": row + 1}, "inheritFromBefore": False}}

    def insert_row_above(self, item_id: str, cells: dict[str, Any] | None = None) -> None:
        values, props = self._values(PLAN), self._sheet(PLAN)
        row = self._row_where(values, "ID", item_id)
        self._batch(self._insert_rows(props["sheetId"], row),
                    *self._row_requests(PLAN, values, row, cells or {}, props["sheetId"]))

    def insert_title_row(self, text: str, tab: str = PLAN) -> None:
        sheet_id = self._sheet(tab)["sheetId"]
        self._batch(self._insert_rows(sheet_id, 0), self._write(sheet_id, 0, 0, text))

    def _delete_row(self, tab: str, row: int) -> None:
        sheet_id = self._sheet(tab)["sheetId"]
        self._batch({"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS",
                                                   "startIndex": row, "endIndex": row + 1}}})

    def delete_row(self, item_id: str) -> None:
        self._delete_row(PLAN, self._row_where(self._values(PLAN), "ID", item_id))

    def delete_row_where(self, tab: str, header: str, value: str) -> None:
        self._delete_row(tab, self._row_where(self._values(tab), header, value))

    def hide_row(self, item_id: str) -> None:
        row = self._row_where(self._values(PLAN), "ID", item_id)
        self._batch({"updateDimensionProperties": {
            "range": {"sheetId": self._sheet(PLAN)["sheetId"], "dimension": "ROWS", "startIndex": row,
                      "endIndex": row + 1},
            "properties": {"hiddenByUser": True}, "fields": "hiddenByUser"}})

    def sort_by(self, header: str, descending: bool = False) -> None:
        values, props = self._values(PLAN), self._sheet(PLAN)
        header_row, col = self._header(values, header)
        self._batch({"sortRange": {
            "range": {"sheetId": props["sheetId"], "startRowIndex": header_row + 1,
                      "endRowIndex": self._last_row(values) + 1, "startColumnIndex": 0,
                      "endColumnIndex": props["gridProperties"]["columnCount"]},
            "sortSpecs": [{"dimensionIndex": col,
                           "sortOrder": "DESCENDING" if descending else "ASCENDING"}]}})

    # --- columns and headers ---------------------------------------------------------------------

    def rename_header(self, old: str, new: str | None, tab: str = PLAN) -> None:
        row, col = self._header(self._values(tab), old)
        self._batch(self._write(self._sheet(tab)["sheetId"], row, col, new))

    def _column_values(self, values: list[list[Any]], sheet_id: int, col: int,
                       cells: dict[str, Any]) -> list[dict[str, Any]]:
        return [self._write(sheet_id, self._row_where(values, "ID", item_id), col, value)
                for item_id, value in cells.items()]

    def add_column(self, header: str, cells: dict[str, Any]) -> None:
        values, props = self._values(PLAN), self._sheet(PLAN)
        header_row, _ = self._header(values, "ID")
        col = len(values[header_row])
        self._batch(*self._ensure_columns(props, col + 1),
                    self._write(props["sheetId"], header_row, col, header),
                    *self._column_values(values, props["sheetId"], col, cells))

    def insert_column_before(self, before: str, header: str, cells: dict[str, Any]) -> None:
        values, props = self._values(PLAN), self._sheet(PLAN)
        header_row, col = self._header(values, before)
        self._batch({"insertDimension": {"range": {"sheetId": props["sheetId"], "dimension": "COLUMNS",
                                                   "startIndex": col, "endIndex": col + 1},
                                         "inheritFromBefore": False}},
                    self._write(props["sheetId"], header_row, col, header),
                    *self._column_values(values, props["sheetId"], col, cells))

    def move_column_to_end(self, header: str) -> None:
        values, props = self._values(PLAN), self._sheet(PLAN)
        header_row, col = self._header(values, header)
        end = len(values[header_row])
        self._batch(*self._ensure_columns(props, end + 1),
                    {"moveDimension": {"source": {"sheetId": props["sheetId"], "dimension": "COLUMNS",
                                                  "startIndex": col, "endIndex": col + 1},
                                       "destinationIndex": end}})

    def merge(self, first_id: str, first_header: str, last_id: str, last_header: str) -> None:
        values = self._values(PLAN)
        rows = [self._row_where(values, "ID", i) for i in (first_id, last_id)]
        cols = [self._header(values, h)[1] for h in (first_header, last_header)]
        self._batch({"mergeCells": {"mergeType": "MERGE_ALL", "range": {
            "sheetId": self._sheet(PLAN)["sheetId"], "startRowIndex": min(rows), "endRowIndex": max(rows) + 1,
            "startColumnIndex": min(cols), "endColumnIndex": max(cols) + 1}}})

    # --- tabs -------------------------------------------------------------------------------------

    def rename_tab(self, old: str, new: str) -> None:
        self._batch({"updateSheetProperties": {
            "properties": {"sheetId": self._sheet(old)["sheetId"], "title": new}, "fields": "title"}})

    def delete_tab(self, name: str) -> None:
        self._batch({"deleteSheet": {"sheetId": self._sheet(name)["sheetId"]}})

    def add_tab(self, name: str, rows: list[list[Any]]) -> None:
        reply = self.sh.batch_update({"requests": [{"addSheet": {"properties": {"title": name}}}]})
        sheet_id = reply["replies"][0]["addSheet"]["properties"]["sheetId"]
        self._batch(*[self._write(sheet_id, r, c, value) for r, line in enumerate(rows)
                      for c, value in enumerate(line)])


BACKEND_TYPES: dict[str, Any] = {"local": LocalBackend, "google": GoogleBackend}


def backend_abilities(name: str) -> frozenset[str]:
    """What a buyer can do on a backend beyond cells and tabs (read at collection time)."""
    kind = BACKEND_TYPES.get(name)
    if kind is None:
        raise LookupError(f"The contract suite has a backend '{name}' but tests/support/robustness.py "
                          "has no buyer for it: add one to BACKEND_TYPES.")
    return kind.abilities
