"""How a plan workbook is recognised on disk: its tabs by code name, by a defined name per tab or
by their header row, the product's document properties by prefix, its one backup by suffix. Shared
by reading, formatting and saving."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

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
    from map_workspace.layout import TABS

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
    for tab in TABS:
        claim(tab, next((ws for ws in wb.worksheets if ws.title.strip().lower() == tab.lower()
                         and not (ws.sheet_properties.codeName or "").startswith("mapws")), None))
    for tab in [tab for tab in TABS if tab not in found]:
        claim(tab, next((ws for ws in wb.worksheets if id(ws) not in claimed and _looks_like(ws, tab)), None))
    return found


def _looks_like(ws: Worksheet, tab: str) -> bool:
    """Whether the sheet is laid out as the contract tab ``tab``: a table tab's first row holds all
    its headers; the Overview's first column holds most of its labels."""
    from map_workspace.layout import HISTORY, OVERVIEW_FIELDS, TABLE_TABS, normalise_header

    if tab in TABLE_TABS:
        first = {normalise_header(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1), ()) if c.value}
        # History gained Activity and By later: an older History tab has neither.
        later = _HISTORY_LATER if tab == HISTORY else ()
        return all(normalise_header(column.header) in first for column in TABLE_TABS[tab].columns
                   if column.key not in later)
    labels = {normalise_header(row[0].value) for row in ws.iter_rows(min_row=1, max_row=len(OVERVIEW_FIELDS) + 5,
                                                                     max_col=1) if row and row[0].value}
    return 3 * sum(normalise_header(f.label) in labels for f in OVERVIEW_FIELDS) >= 2 * len(OVERVIEW_FIELDS)


def find_sheet(wb: Workbook, name: str) -> Worksheet | None:
    """A contract tab, however the buyer renamed it (see :func:`contract_sheets`); by its code name
    at once when it has one, as every tab has after a sync."""
    wanted = code_name(name)
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName == wanted:
            return ws
    return contract_sheets(wb).get(name)


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

    from map_workspace.layout import OVERVIEW, STATE

    for tab, ws in contract_sheets(wb).items():
        ws.sheet_properties.codeName = code_name(tab)
        name = tab_marker(tab)
        defined = wb.defined_names.get(name)
        if defined is None or not defined.hidden or _marked_title(wb, tab) != ws.title:
            wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!{_MARKER_CELL}",
                                                 hidden=True)
        if tab not in (OVERVIEW, STATE) and ws.freeze_panes is None:
            ws.freeze_panes = FROZEN_HEADER


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + BACKUP_SUFFIX)
