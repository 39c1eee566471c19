"""The one-page summary as a .docx (python-docx): A4, compact type, light tables.

The layout only renders what ``summary.build_summary`` decided; keeping to one page is the job of
its row caps and cell lengths, which the PDF test checks against a worst-case plan.
"""

from __future__ import annotations

import os
import secrets
from copy import deepcopy
from pathlib import Path
from typing import cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph

from map_workspace.domain.model import Health
from map_workspace.errors import discard
from map_workspace.summary import Section, SummaryDoc, Table, cell_tone, fact_health

FONT = "Calibri"  # LibreOffice renders it with Carlito, which has the same metrics
#: The font for East Asian text (Japanese plans): named, so LibreOffice does not draw boxes when its
#: fallback finds nothing (Debian's fonts-noto-cjk; Word substitutes its own CJK font without it).
EAST_ASIAN_FONT = "Noto Sans CJK JP"
BODY_PT = 9
TABLE_PT = 8
TITLE_PT = 14
HEADING_PT = 10.5
SMALL_PT = 7.5

PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 21.0, 29.7, 1.5
TEXT_WIDTH_CM = PAGE_WIDTH_CM - 2 * MARGIN_CM

ACCENT = RGBColor(0x1F, 0x38, 0x64)
MUTED = RGBColor(0x59, 0x61, 0x6E)
ALERT = RGBColor(0xA6, 0x1B, 0x1B)
GOOD = RGBColor(0x1E, 0x6B, 0x34)
WARN = RGBColor(0x9A, 0x5B, 0x00)
HEADER_FILL = "E3EAF4"
BORDER = "C3CBD8"

# Child order of the property elements we touch (ECMA-376 part 1, 17.4).
_CHILD_ORDER = {
    qn("w:tblPr"): (
        "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
        "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
        "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
        "w:tblPrChange",
    ),
    qn("w:trPr"): (
        "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit",
        "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
        "w:trPrChange",
    ),
    qn("w:tcPr"): (
        "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap",
        "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
        "w:cellDel", "w:cellMerge", "w:tcPrChange",
    ),
}

_HEALTH_COLOURS = {Health.ON_TRACK: GOOD, Health.AT_RISK: WARN, Health.OFF_TRACK: ALERT}
_TONE_COLOURS = {"alert": ALERT, "good": GOOD}


def render_docx(doc: SummaryDoc, path: Path) -> Path:
    """Write ``doc`` to ``path`` as .docx; written to a temporary file beside it and renamed, so a
    reader never sees half a document and a failed render leaves the old one in place."""
    path = Path(path)
    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    properties = document.core_properties
    properties.title = doc.title
    properties.subject = doc.subtitle
    properties.author = "mapws"
    properties.last_modified_by = "mapws"
    properties.comments = doc.footer

    body = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    _text(body, doc.title, size=TITLE_PT, bold=True, colour=ACCENT)
    body.paragraph_format.space_after = Pt(1)
    subtitle = document.add_paragraph()
    _text(subtitle, doc.subtitle, size=BODY_PT + 0.5, colour=MUTED)
    subtitle.paragraph_format.space_after = Pt(2)

    # Looked up by name once: each lookup searches every style.
    heading = cast(ParagraphStyle, document.styles["Heading 2"])
    for section in doc.sections:
        _render_section(document, section, heading.style_id)

    footer = document.sections[0].footer.paragraphs[0]
    _text(footer, doc.footer, size=SMALL_PT, colour=MUTED)

    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        document.save(str(temp))
        os.replace(temp, path)
    except BaseException:
        discard(temp)
        raise
    return path


# --- page and styles ----------------------------------------------------------------------------


def _set_up_page(document: DocxDocument) -> None:
    page = document.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    page.left_margin = page.right_margin = Cm(MARGIN_CM)
    page.top_margin = Cm(1.3)
    page.bottom_margin = Cm(1.4)
    page.header_distance = Cm(0.6)
    page.footer_distance = Cm(0.6)


def _set_up_styles(document: DocxDocument) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if run_defaults is not None:
        _use_font(run_defaults)
    normal = document.styles["Normal"]
    _use_font(normal.element)
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    paragraph = normal.paragraph_format
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(0)
    paragraph.line_spacing_rule = WD_LINE_SPACING.SINGLE

    heading = document.styles["Heading 2"]
    _use_font(heading.element)
    heading.font.name = FONT
    heading.font.size = Pt(HEADING_PT)
    heading.font.bold = True
    heading.font.italic = False
    heading.font.color.rgb = ACCENT
    heading_paragraph = heading.paragraph_format
    heading_paragraph.space_before = Pt(5)
    heading_paragraph.space_after = Pt(1.5)
    heading_paragraph.keep_with_next = True


def _use_font(style_element: BaseOxmlElement) -> None:
    """Drop the theme-font references of the default template, which win over a named font, and
    name the fonts: ``FONT`` for Latin text, ``EAST_ASIAN_FONT`` for Japanese, Chinese and Korean."""
    run_properties = style_element.find(qn("w:rPr"))
    if run_properties is None:
        run_properties = style_element.get_or_add_rPr()
    fonts = run_properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        run_properties.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


# --- content ------------------------------------------------------------------------------------


def _render_section(document: DocxDocument, section: Section, heading_id: str) -> None:
    # The style set by its ID, as python-docx's ``style=`` ends up doing: that path first searches
    # every style of the document for the default one (to leave a default style unnamed), each time.
    document.add_paragraph(section.title)._p.style = heading_id
    if section.facts:
        _facts_table(document, section.facts)
    if section.table is not None:
        _table(document, section.table, alert_last_column=section.key == "attention")
        if section.table.more:
            more = document.add_paragraph()
            _text(more, section.table.more_text, size=SMALL_PT, italic=True, colour=MUTED)
            more.paragraph_format.space_before = Pt(1)
    if section.text:
        _text(document.add_paragraph(), section.text, colour=MUTED)


def _facts_table(document: DocxDocument, facts: tuple[tuple[str, str], ...]) -> None:
    """Facts as label/value pairs, two pairs to a row, without borders: compact and scannable."""
    rows = (len(facts) + 1) // 2
    table = document.add_table(rows=rows, cols=4)
    _fix_layout(table, (2.6, 6.4, 2.6, 6.4))
    _cell_margins(table, top=10, bottom=10, left=0, right=80)
    for index, (label, value) in enumerate(facts):
        row, column = divmod(index, 2)
        cells = table.rows[row].cells
        _text(cells[column * 2].paragraphs[0], label, bold=True, colour=MUTED)
        health = fact_health(label, value)
        colour = _HEALTH_COLOURS[health] if health is not None else None
        value_cell = cells[column * 2 + 1]
        if index == len(facts) - 1 and column == 0:
            value_cell = value_cell.merge(cells[3])  # a last fact alone on its row gets the full width
        _text(value_cell.paragraphs[0], value, bold=colour is not None, colour=colour)


def _table(document: DocxDocument, model: Table, *, alert_last_column: bool) -> None:
    table = document.add_table(rows=1 + len(model.rows), cols=len(model.columns))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    widths = model.widths if len(model.widths) == len(model.columns) else (1.0,) * len(model.columns)
    total = sum(widths)
    _fix_layout(table, tuple(TEXT_WIDTH_CM * w / total for w in widths))
    _borders(table)
    _cell_margins(table, top=15, bottom=15, left=70, right=70)

    header = table.rows[0]
    _repeat_as_header(header)
    for cell, name in zip(header.cells, model.columns, strict=True):
        _shade(cell, HEADER_FILL)
        _text(cell.paragraphs[0], name, size=TABLE_PT, bold=True, colour=ACCENT)
    last = len(model.columns) - 1
    for row, values in zip(table.rows[1:], model.rows, strict=True):
        _keep_row_together(row)
        for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            colour = ALERT if alert_last_column and column == last else _TONE_COLOURS.get(cell_tone(value))
            _text(cell.paragraphs[0], value, size=TABLE_PT, colour=colour)


def _text(paragraph: Paragraph, text: str, *, size: float = BODY_PT, bold: bool = False,
          italic: bool = False, colour: RGBColor | None = None) -> None:
    """Add ``text`` as one plain run: buyer text is only ever text, never a field or markup. Its
    properties are a copy of those python-docx made for the first run formatted the same: its font
    setters each search the run's XML, and were a third of the summary's rendering (issue 8)."""
    key = (size, bold, italic, colour)
    if key not in _RUN_PROPERTIES:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold or None
        run.font.italic = italic or None
        if colour is not None:
            run.font.color.rgb = colour
        _RUN_PROPERTIES[key] = deepcopy(run._r.get_or_add_rPr())
        return
    paragraph.add_run(text)._r.insert(0, deepcopy(_RUN_PROPERTIES[key]))  # <w:rPr> is a run's first child


#: Run properties (``<w:rPr>``) by (size, bold, italic, colour), as python-docx writes them.
_RUN_PROPERTIES: dict[tuple[float, bool, bool, RGBColor | None], BaseOxmlElement] = {}


# --- table XML the python-docx API does not cover ----------------------------------------------------


def _fix_layout(table: DocxTable, widths_cm: tuple[float, ...]) -> None:
    """Fixed column widths in the grid (LibreOffice reads these) and in every cell (Word does)."""
    table.autofit = False  # writes <w:tblLayout w:type="fixed"/>
    width = OxmlElement("w:tblW")
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(int(Cm(w).twips) for w in widths_cm)))
    _put(table._tbl.tblPr, width)
    for grid_column, width_cm in zip(table._tbl.tblGrid.gridCol_lst, widths_cm, strict=True):
        grid_column.w = Cm(width_cm)
    for row in table.rows:
        for cell, width_cm in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width_cm)


def _borders(table: DocxTable) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), BORDER)
        borders.append(element)
    _put(table._tbl.tblPr, borders)


def _cell_margins(table: DocxTable, *, top: int, bottom: int, left: int, right: int) -> None:
    """Cell padding in twentieths of a point."""
    margins = OxmlElement("w:tblCellMar")
    for edge, value in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    _put(table._tbl.tblPr, margins)


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    _put(cell._tc.get_or_add_tcPr(), shading)


def _repeat_as_header(row: _Row) -> None:
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    _put(row._tr.get_or_add_trPr(), element)


def _keep_row_together(row: _Row) -> None:
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    _put(row._tr.get_or_add_trPr(), element)


def _put(parent: BaseOxmlElement, child: BaseOxmlElement) -> None:
    """Set ``child`` on a properties element in the order the schema requires (Word refuses files
    with properties out of order), replacing one of the same kind."""
    for existing in parent.findall(child.tag):
        parent.remove(existing)
    order = [qn(tag) for tag in _CHILD_ORDER[parent.tag]]
    later = order[order.index(child.tag) + 1:]
    for index, sibling in enumerate(parent):
        if sibling.tag in later:
            parent.insert(index, child)
            return
    parent.append(child)
