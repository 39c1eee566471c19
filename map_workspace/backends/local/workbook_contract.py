"""How a plan workbook is recognised on disk: its tabs by code name, the product's document
properties by prefix, its one backup by suffix. Shared by reading, formatting and saving."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

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


#: The parts of a workbook that say whether it is a plan, and they are small: larger ones are not read.
_PROPERTIES_LIMIT = 1 << 20


@dataclass(frozen=True)
class WorkbookMarks:
    """What a workbook's document properties say, read without openpyxl (``mapws list`` opens every
    workbook in the folder): ``is_plan`` None when the file is not a readable workbook at all."""

    is_plan: bool | None
    #: The deal name from the file's title ("" when it has none).
    deal: str = ""


def read_marks(path: Path) -> WorkbookMarks:
    """A plan carries the product's custom document properties (``mapws.*``, which Excel and
    LibreOffice keep on save); any other workbook is not a plan. A file that is not a readable
    workbook may be a damaged plan: ``is_plan`` None, so it is not skipped in silence."""
    from map_workspace.layout import deal_from_file_title

    try:
        with zipfile.ZipFile(path) as archive:
            custom = _part(archive, "docProps/custom.xml")
            core = _part(archive, "docProps/core.xml")
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError):
        return WorkbookMarks(None)
    try:
        is_plan = custom is not None and any(
            el.tag.rsplit("}", 1)[-1] == "property" and (el.get("name") or "").startswith(META_PREFIX)
            for el in ElementTree.fromstring(custom).iter())
        title = next((el.text or "" for el in ElementTree.fromstring(core).iter()
                      if el.tag.rsplit("}", 1)[-1] == "title"), "") if core is not None else ""
    except ElementTree.ParseError:
        return WorkbookMarks(None)
    return WorkbookMarks(is_plan, deal_from_file_title(title) if is_plan else "")


def _part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(info) if info.file_size <= _PROPERTIES_LIMIT else None
