"""How a plan workbook is recognised on disk: its tabs by code name, the product's document
properties by prefix, its one backup by suffix. Shared by reading, formatting and saving."""

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


def code_name(tab: str) -> str:
    """The VBA code name that marks a contract tab: Excel and LibreOffice keep it when a buyer
    renames the tab, so the tab is still found by it ("mapwsCheckins" for "Check-ins")."""
    from map_workspace.layout import STATE  # here: listing plans (BACKUP_SUFFIX) needs no layout

    return "mapws" + re.sub(r"[^A-Za-z]", "", tab.title() if tab == STATE else tab)


def find_sheet(wb: Workbook, name: str) -> Worksheet | None:
    """A contract tab: by its code name first (survives renames), else by its title."""
    for ws in wb.worksheets:
        if ws.sheet_properties.codeName == code_name(name):
            return ws
    for ws in wb.worksheets:
        if ws.title.strip().lower() == name.lower() and not (ws.sheet_properties.codeName or "").startswith("mapws"):
            return ws
    return None


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + BACKUP_SUFFIX)
