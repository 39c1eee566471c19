"""How a plan workbook is recognised on disk: its tabs by code name, by a defined name per tab or
by their header row, the product's document properties by prefix, its one backup by suffix. Shared
by reading, formatting and saving."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from map_workspace.file_marks import META_CLOSED, deal_from_file_title

if TYPE_CHECKING:  # the plans registry (mapws list) names backups without loading openpyxl
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


#: Document properties the product owns are stored as custom properties with this prefix.
META_PREFIX = "mapws."
#: Meta keys with this prefix are the backend's own bookkeeping, never written to the file.
PRIVATE_META = "_"
BACKUP_SUFFIX = ".bak"
#: Author of the product's notes and of the file.
AUTHOR = "mapws"
DATE_FORMAT = "yyyy-mm-dd"
#: The cell a tab's defined name points at; the header row is frozen under it.
_MARKER_CELL = "$A$1"
FROZEN_HEADER = "A2"
#: History columns a tab made by an older mapws lacks.
_HISTORY_LATER = ("activity", "by")


def code_name(tab: str) -> str:
    """The VBA code name that marks a contract tab: Excel keeps it when a buyer renames the tab, so
    the tab is still found by it ("mapwsCheckins" for "Check-ins"). LibreOffice Calc keeps it in
    memory but never writes it to .xlsx: see :func:`tab_marker`."""
    from map_workspace.layout import STATE  # here: listing plans (BACKUP_SUFFIX) needs no layout

    return "mapws" + re.sub(r"[^A-Za-z]", "", tab.title() if tab == STATE else tab)


def tab_marker(tab: str) -> str:
    """The hidden workbook-level defined name that marks a contract tab ("mapws_tab_Checkins",
    pointing at 'Check-ins'!$A$1). Excel and LibreOffice Calc both keep defined names and rewrite
    their reference when a tab is renamed, so after a Calc save (which drops code names) the tab
    is still found by it."""
    return "mapws_tab_" + code_name(tab)[len("mapws"):]


def _marked_title(wb: Workbook, tab: str) -> str | None:
    """The title of the tab ``tab``'s defined name points at (None: no such name, or #REF!)."""
    defined = wb.defined_names.get(tab_marker(tab))
    if defined is None:
        return None
    try:
        titles = [title for title, _ in defined.destinations]
    except (ValueError, TypeError, AttributeError):
        return None
    return titles[0] if len(titles) == 1 else None


def contract_sheets(wb: Workbook) -> dict[str, Worksheet]:
    """Each contract tab the workbook has, found by what survives the buyer's tools: its code name
    (Excel), else its defined name (Calc drops code names), else its title; a tab found none of
    these ways is recognised by its header row (a plan made before tabs had defined names, renamed
    in Calc). Each sheet stands for one tab at most."""
    from map_workspace.layout import TABS, tab_titles

    found: dict[str, Worksheet] = {}
    claimed: set[int] = set()

    def claim(tab: str, ws: Worksheet | None) -> None:
        if ws is not None and tab not in found and id(ws) not in claimed:
            found[tab] = ws
            claimed.add(id(ws))

    for tab in TABS:
        wanted = code_name(tab)
        claim(tab, next((ws for ws in wb.worksheets if ws.sheet_properties.codeName == wanted), None))
    by_title = {ws.title: ws for ws in wb.worksheets}
    for tab in TABS:
        title = _marked_title(wb, tab)
        if title is not None:
            claim(tab, by_title.get(title))
    for tab in TABS:  # by its name in any language ("Plan", "計画")
        names = {title.strip().lower() for title in tab_titles(tab)}
        claim(tab, next((ws for ws in wb.worksheets if ws.title.strip().lower() in names
                         and not (ws.sheet_properties.codeName or "").startswith("mapws")), None))
    for tab in [tab for tab in TABS if tab not in found]:
        claim(tab, next((ws for ws in wb.worksheets if id(ws) not in claimed and _looks_like(ws, tab)), None))
    return found


def _looks_like(ws: Worksheet, tab: str) -> bool:
    """Whether the sheet is laid out as the contract tab ``tab``: a table tab's first row holds all
    its headers; the Overview's first column holds most of its labels."""
    from map_workspace import catalog
    from map_workspace.layout import HISTORY, OVERVIEW_FIELDS, TABLE_TABS, normalise_header, overview_labels, spec_in

    if tab in TABLE_TABS:
        first = {normalise_header(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1), ()) if c.value}
        headers = {normalise_header(c.header): c.key
                   for lang in catalog.languages() for c in spec_in(tab, lang).columns}
        named = {headers[text] for text in first if text in headers}
        # History gained Activity and By later: an older History tab has neither.
        later = _HISTORY_LATER if tab == HISTORY else ()
        return all(column.key in named for column in TABLE_TABS[tab].columns if column.key not in later)
    known = overview_labels()
    labels = {known.get(normalise_header(row[0].value)) for row in ws.iter_rows(
        min_row=1, max_row=len(OVERVIEW_FIELDS) + 5, max_col=1) if row and row[0].value}
    return 3 * sum(f.key in labels for f in OVERVIEW_FIELDS) >= 2 * len(OVERVIEW_FIELDS)


def find_sheet(wb: Workbook, name: str) -> Worksheet | None:
    """A contract tab, however the buyer renamed it (see :func:`contract_sheets`); by its code name
    at once when it has one, as every tab has after a sync."""
    wanted = code_name(name)
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName == wanted:
            return ws
    return contract_sheets(wb).get(name)


def timeline_sheet(wb: Workbook) -> Worksheet | None:
    """The product's Timeline tab: by its code name, else by its hidden defined name (a Calc save
    drops code names); never by title, so a buyer's own tab called "Timeline" stays theirs."""
    from map_workspace.layout import TIMELINE

    wanted = code_name(TIMELINE)
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName == wanted:
            return ws
    title = _marked_title(wb, TIMELINE)
    return next((ws for ws in wb.worksheets if ws.title == title), None) if title is not None else None


def markers_in_place(wb: Workbook, sheets: dict[str, Worksheet]) -> bool:
    """Every contract tab found carries its code name and its hidden defined name, and every visible
    table tab has its header row frozen (what a Calc save drops)."""
    from map_workspace.layout import OVERVIEW, STATE

    for tab, ws in sheets.items():
        if ws.sheet_properties.codeName != code_name(tab):
            return False
        defined = wb.defined_names.get(tab_marker(tab))
        if defined is None or not defined.hidden or _marked_title(wb, tab) != ws.title:
            return False
        if tab not in (OVERVIEW, STATE) and ws.freeze_panes is None:
            return False
    return True


def mark_tabs(wb: Workbook) -> None:
    """Give every contract tab its code name and hidden defined name again, and freeze the header
    row of a table tab that has nothing frozen (a buyer's own frozen panes are kept)."""
    from openpyxl.utils import quote_sheetname
    from openpyxl.workbook.defined_name import DefinedName

    from map_workspace.layout import OVERVIEW, STATE, TIMELINE

    sheets = contract_sheets(wb)
    timeline = timeline_sheet(wb)
    if timeline is not None:
        sheets[TIMELINE] = timeline
    for tab, ws in sheets.items():
        ws.sheet_properties.codeName = code_name(tab)
        name = tab_marker(tab)
        defined = wb.defined_names.get(name)
        if defined is None or not defined.hidden or _marked_title(wb, tab) != ws.title:
            wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!{_MARKER_CELL}",
                                                 hidden=True)
        if tab not in (OVERVIEW, STATE, TIMELINE) and ws.freeze_panes is None:
            ws.freeze_panes = FROZEN_HEADER


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + BACKUP_SUFFIX)


#: The parts of a workbook that say whether it is a plan, and they are small: larger ones are not read.
_PROPERTIES_LIMIT = 1 << 20
_CUSTOM, _CORE = "docProps/custom.xml", "docProps/core.xml"
_WANTED = {_CUSTOM.encode(): _CUSTOM, _CORE.encode(): _CORE}
_PLAN_PROPERTY = re.compile(rb"""\sname\s*=\s*["']""" + re.escape(META_PREFIX.encode()))
#: The closed plan's property and its text value (``mapws close``; "" once reopened).
_CLOSED_PROPERTY = re.compile(rb"""\sname\s*=\s*["']""" + re.escape(f"{META_PREFIX}{META_CLOSED}".encode())
                              + rb"""["'][^>]*>\s*<(?:\w+:)?lpwstr[^>]*>([^<]*)<""")
#: End of central directory: signature, then disk numbers, entry counts, directory size and offset.
_EOCD = struct.Struct("<4s4H2LH")
#: A central directory entry: up to the name's length, extra and comment lengths and local offset.
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")


@dataclass(frozen=True)
class WorkbookMarks:
    """What a workbook's document properties say, read without openpyxl (``mapws list`` and every
    night look at each workbook in the folder): ``is_plan`` None when the file is not a readable
    workbook at all."""

    is_plan: bool | None
    #: The deal name from the file's title ("" when it has none).
    deal: str = ""
    #: The ``mapws.closed`` property: how the plan closed ("won 2027-03-31"), "" while it is open.
    closed: str = ""


def read_marks(path: Path) -> WorkbookMarks:
    """A plan carries the product's custom document properties (``mapws.*``, which Excel and
    LibreOffice keep on save); any other workbook is not a plan. A file that is not a readable
    workbook may be a damaged plan: ``is_plan`` None, so it is not skipped in silence.

    The two small parts are found through the archive's central directory directly (about 0.2 ms a
    workbook, where :mod:`zipfile` takes 1.4 ms: a night lists 1,000 plans); anything unusual
    (ZIP64, encryption, another compression) is read by :mod:`zipfile` instead."""
    try:
        parts = _fast_parts(path)
        if parts is None:
            parts = _zipfile_parts(path)
    except (OSError, zipfile.BadZipFile, zlib.error, struct.error, RuntimeError, ValueError, EOFError):
        return WorkbookMarks(None)
    custom, core = parts
    try:
        # A property named mapws.* (an attribute search: parsing the XML costs as much as the rest).
        is_plan = custom is not None and _PLAN_PROPERTY.search(custom) is not None
        title = next((el.text or "" for el in ElementTree.fromstring(core).iter()
                      if el.tag.rsplit("}", 1)[-1] == "title"), "") if core is not None else ""
    except ElementTree.ParseError:
        return WorkbookMarks(None)
    closed = _CLOSED_PROPERTY.search(custom) if is_plan and custom is not None else None
    return WorkbookMarks(is_plan, deal_from_file_title(title) if is_plan else "",
                         closed[1].decode("utf-8", "replace").strip() if closed else "")


def _zipfile_parts(path: Path) -> tuple[bytes | None, bytes | None]:
    with zipfile.ZipFile(path) as archive:
        def part(name: str) -> bytes | None:
            try:
                info = archive.getinfo(name)
            except KeyError:
                return None
            return archive.read(info) if info.file_size <= _PROPERTIES_LIMIT else None

        return part(_CUSTOM), part(_CORE)


def _fast_parts(path: Path) -> tuple[bytes | None, bytes | None] | None:
    """custom.xml and core.xml through the central directory; None for anything but the plain
    case (then :mod:`zipfile` reads it); BadZipFile when it is not a ZIP at all."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        tail_size = min(size, 1 << 16)
        f.seek(size - tail_size)
        tail = f.read(tail_size)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            raise zipfile.BadZipFile("no end of central directory")
        _, _, _, _, entries, dir_size, dir_offset, _ = _EOCD.unpack_from(tail, at)
        if entries == 0xFFFF or dir_offset == 0xFFFFFFFF:
            return None  # ZIP64
        f.seek(dir_offset)
        directory = f.read(dir_size)
        wanted: dict[str, tuple[int, int, int, int]] = {}  # name -> offset, packed, unpacked, method
        pos = 0
        for _ in range(entries):
            fields = _CENTRAL.unpack_from(directory, pos)
            if fields[0] != b"PK\x01\x02":
                return None
            flags, method, packed, unpacked = fields[5], fields[6], fields[10], fields[11]
            name_len, extra_len, comment_len, offset = fields[12], fields[13], fields[14], fields[18]
            raw_name = directory[pos + _CENTRAL.size:pos + _CENTRAL.size + name_len]
            if raw_name in _WANTED:
                name = _WANTED[raw_name]
                if flags & 0x1 or method not in (0, 8) or 0xFFFFFFFF in (offset, packed, unpacked):
                    return None  # encrypted, another compression, or ZIP64 sizes: zipfile reads it
                wanted[name] = (offset, packed, unpacked, method)
            pos += _CENTRAL.size + name_len + extra_len + comment_len
        found: dict[str, bytes | None] = {}
        for name, (offset, packed, unpacked, method) in wanted.items():
            if unpacked > _PROPERTIES_LIMIT or packed > _PROPERTIES_LIMIT:
                found[name] = None
                continue
            f.seek(offset)
            local = _LOCAL.unpack(f.read(_LOCAL.size))
            if local[0] != b"PK\x03\x04":
                return None
            f.seek(local[10] + local[11], 1)  # the local name and extra field
            data = f.read(packed)
            # Never more than the limit, whatever the directory claims (a lying size is a bomb).
            part = zlib.decompressobj(-15).decompress(data, _PROPERTIES_LIMIT + 1) if method == 8 else data
            found[name] = part if len(part) <= _PROPERTIES_LIMIT else None
        return found.get(_CUSTOM), found.get(_CORE)
