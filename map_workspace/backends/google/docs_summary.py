"""The one-page summary as Google Docs ``batchUpdate`` requests, built from a SummaryDoc.

Docs addresses text by UTF-16 code unit (an emoji counts 2) and applies requests in order, each
seeing the result of the ones before. The document is built front to back in front of its last,
empty paragraph, so every index is known before the request is sent:

- a paragraph is ``insertText`` of its text and a newline at the current position;
- ``insertTable`` at index i first inserts a newline (an empty paragraph at i), so the table
  starts at S = i+1 and the paragraph of cell (r, c) of an empty R×C table is at
  S + 3 + r(2C+1) + 2c. The paragraph just before a table is written into that leading empty
  paragraph, so no blank line is left above a table; cells are filled back to front so earlier
  indexes stay valid.

Text is inserted as text only: nothing in it is markup, a field or a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from map_workspace.backends.google.sheets_io import rgb as _rgb
from map_workspace.domain.model import Health
from map_workspace.summary import Section, SummaryDoc, Table, cell_tone, clean_text, fact_health

ACCENT = "1F3864"
MUTED = "59616E"
ALERT = "A61B1B"
GOOD = "1E6B34"
WARN = "9A5B00"
HEALTH_COLOURS = {Health.ON_TRACK: GOOD, Health.AT_RISK: WARN, Health.OFF_TRACK: ALERT}
_TONE_COLOURS = {"alert": ALERT, "good": GOOD}
TABLE_PT = 9
SMALL_PT = 8

DOCUMENT_MIME = "application/vnd.google-apps.document"


def u16(text: str) -> int:
    """Length in UTF-16 code units, as Docs counts indexes."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Style:
    bold: bool = False
    italic: bool = False
    colour: str = ""
    size: float = 0

    def request(self, start: int, end: int) -> dict[str, Any] | None:
        """updateTextStyle for [start, end), or None when there is nothing to set."""
        style: dict[str, Any] = {}
        if self.bold:
            style["bold"] = True
        if self.italic:
            style["italic"] = True
        if self.colour:
            style["foregroundColor"] = {"color": {"rgbColor": _rgb(self.colour)}}
        if self.size:
            style["fontSize"] = {"magnitude": self.size, "unit": "PT"}
        if not style or end <= start:
            return None
        return {"updateTextStyle": {"range": {"startIndex": start, "endIndex": end}, "textStyle": style,
                                    "fields": ",".join(style)}}


@dataclass
class Paragraph:
    text: str
    named_style: str = "NORMAL_TEXT"
    style: Style = Style()
    #: Styled stretches inside the text: (start, end) in UTF-16 units from the paragraph's start.
    spans: list[tuple[int, int, Style]] = field(default_factory=list)


@dataclass
class TableBlock:
    rows: list[list[str]]
    styles: dict[tuple[int, int], Style] = field(default_factory=dict)


Block = Paragraph | TableBlock


def blocks(doc: SummaryDoc) -> list[Block]:
    """The summary as paragraphs and tables, in reading order."""
    out: list[Block] = [
        Paragraph(clean_text(doc.title), "TITLE", Style(bold=True, colour=ACCENT)),
        Paragraph(clean_text(doc.subtitle), "SUBTITLE", Style(colour=MUTED)),
    ]
    for section in doc.sections:
        out += _section(section)
    if doc.footer:
        out.append(Paragraph(clean_text(doc.footer), style=Style(italic=True, colour=MUTED, size=SMALL_PT)))
    return out


def _section(section: Section) -> list[Block]:
    out: list[Block] = [Paragraph(clean_text(section.title), "HEADING_2", Style(colour=ACCENT))]
    for label, value in section.facts:
        label_text = clean_text(label) + ": "
        text = label_text + clean_text(value)
        spans = [(0, u16(label_text), Style(bold=True, colour=MUTED))]
        health = fact_health(label, value)
        colour = HEALTH_COLOURS[health] if health is not None else None
        if colour:
            spans.append((u16(label_text), u16(text), Style(bold=True, colour=colour)))
        out.append(Paragraph(text, spans=spans))
    if section.table is not None:
        out.append(_table(section.table, alert_last_column=section.key == "attention"))
        if section.table.more:
            out.append(Paragraph(section.table.more_text, style=Style(italic=True, colour=MUTED, size=SMALL_PT)))
    if section.text:
        out.append(Paragraph(clean_text(section.text), style=Style(colour=MUTED)))
    return out


def _table(model: Table, *, alert_last_column: bool) -> TableBlock:
    rows = [[clean_text(c) for c in model.columns]] + [[clean_text(v) for v in row] for row in model.rows]
    styles: dict[tuple[int, int], Style] = {}
    last = len(model.columns) - 1
    for c in range(len(model.columns)):
        styles[(0, c)] = Style(bold=True, colour=ACCENT, size=TABLE_PT)
    for r, row in enumerate(rows[1:], 1):
        for c, value in enumerate(row):
            colour = ALERT if alert_last_column and c == last else _TONE_COLOURS.get(cell_tone(value), "")
            styles[(r, c)] = Style(colour=colour, size=TABLE_PT)
    return TableBlock(rows, styles)


class _Writer:
    """Emits requests for blocks inserted in front of the document's last empty paragraph."""

    def __init__(self, start: int) -> None:
        self.pos = start
        self.requests: list[dict[str, Any]] = []

    def _styles(self, paragraph: Paragraph, start: int) -> None:
        length = u16(paragraph.text)
        self.requests.append({"updateParagraphStyle": {
            "range": {"startIndex": start, "endIndex": start + length + 1},
            "paragraphStyle": {"namedStyleType": paragraph.named_style}, "fields": "namedStyleType"}})
        for request in (paragraph.style.request(start, start + length),
                        *(style.request(start + a, start + b) for a, b, style in paragraph.spans)):
            if request is not None:
                self.requests.append(request)

    def paragraph(self, paragraph: Paragraph) -> None:
        self.requests.append({"insertText": {"location": {"index": self.pos}, "text": paragraph.text + "\n"}})
        self._styles(paragraph, self.pos)
        self.pos += u16(paragraph.text) + 1

    def table(self, table: TableBlock, lead: Paragraph | None) -> None:
        rows, columns = len(table.rows), max(len(r) for r in table.rows)
        self.requests.append({"insertTable": {"rows": rows, "columns": columns, "location": {"index": self.pos}}})
        lead_length = 0
        if lead is not None:
            lead_length = u16(lead.text)
            if lead.text:
                self.requests.append({"insertText": {"location": {"index": self.pos}, "text": lead.text}})
            self._styles(lead, self.pos)
        start = self.pos + lead_length + 1  # S: the table itself, after the (lead) paragraph
        cells = [(r, c) for r in range(rows) for c in range(columns)]
        for r, c in reversed(cells):
            text = table.rows[r][c] if c < len(table.rows[r]) else ""
            if text:
                index = start + 3 + r * (2 * columns + 1) + 2 * c
                self.requests.append({"insertText": {"location": {"index": index}, "text": text}})
        filled = 0
        for r, c in cells:
            text = table.rows[r][c] if c < len(table.rows[r]) else ""
            at = start + 3 + r * (2 * columns + 1) + 2 * c + filled
            style = table.styles.get((r, c))
            request = style.request(at, at + u16(text)) if style is not None else None
            if request is not None:
                self.requests.append(request)
            filled += u16(text)
        self.pos = start + 2 + rows * (2 * columns + 1) + filled

    def finish(self) -> None:
        """The last, empty paragraph stays plain body text."""
        self.requests.append({"updateParagraphStyle": {
            "range": {"startIndex": self.pos, "endIndex": self.pos + 1},
            "paragraphStyle": {"namedStyleType": "NORMAL_TEXT"}, "fields": "namedStyleType"}})


def summary_requests(doc: SummaryDoc, start: int = 1) -> list[dict[str, Any]]:
    """Requests that write ``doc`` into a document whose body is one empty paragraph at ``start``."""
    writer = _Writer(start)
    pending: Paragraph | None = None
    for block in blocks(doc):
        if isinstance(block, TableBlock):
            writer.table(block, pending)
            pending = None
            continue
        if pending is not None:
            writer.paragraph(pending)
        pending = block
    if pending is not None:
        writer.paragraph(pending)
    writer.finish()
    return writer.requests


def rebuild_requests(doc: SummaryDoc, body_end: int) -> list[dict[str, Any]]:
    """Replace the whole body of an existing document (``body_end``: the end index of its last
    element) with ``doc``, in one batch: everything but the final newline goes, then the build."""
    requests: list[dict[str, Any]] = []
    if body_end - 1 > 1:
        requests.append({"deleteContentRange": {"range": {"startIndex": 1, "endIndex": body_end - 1}}})
    return requests + summary_requests(doc, 1)
