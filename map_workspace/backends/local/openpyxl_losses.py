"""The inventory of what a save through openpyxl would drop from an .xlsx.

openpyxl rewrites the whole file on save and silently drops what it does not model (shapes,
sparklines, macros, slicers, unknown extensions). A buyer's work must never vanish that way, so
before every save the file's zip is inventoried and the save refused when something would be lost.
Reads the zip only: the workbook is never loaded for this.
"""

from __future__ import annotations

import posixpath
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

from openpyxl.chart.chartspace import ChartSpace
from openpyxl.chart.reader import read_chart
from openpyxl.xml.functions import fromstring as openpyxl_xml

from map_workspace.errors import UnsafeToSave

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
            root = ET.fromstring(_without_cells(xml))
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


_SHEET_DATA_START = re.compile(rb"<(?:\w+:)?sheetData\b")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")  # searched for from its literal "</"
_EXTENSION = re.compile(rb"<(?:\w+:)?ext\b")


def _without_cells(xml: bytes) -> bytes:
    """A worksheet's XML without its cells, unless an extension hides among them: the inventory
    looks at the sheet's own parts and extensions, and parsing every cell of a long plan would be
    most of its cost."""
    start = _SHEET_DATA_START.search(xml)
    end = _SHEET_DATA_END.search(xml, start.end()) if start is not None else None
    if start is None or end is None:
        return xml
    if xml.find(b"ext", start.start(), end.end()) != -1 and _EXTENSION.search(xml, start.start(), end.end()):
        return xml
    return xml[:start.start()] + xml[end.end():]


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



def check_safe_to_save(path: Path, data: bytes) -> None:
    """Refuse (UnsafeToSave) to rewrite a workbook whose save would lose something."""
    problems = unsafe_content(data)
    if problems:
        raise UnsafeToSave(
            f"{path.name} holds content that saving through openpyxl would drop: {'; '.join(problems)}.",
            "mapws will not write this file. Remove or move that object (for example to another "
            "workbook), or keep this plan read-only (mapws status reads it without writing).",
        )
