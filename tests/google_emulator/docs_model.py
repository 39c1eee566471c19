"""Google Docs documents: body structure with UTF-16 indices, and documents.batchUpdate requests."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid_argument
from .fieldmask import mask_paths, parse_mask, update_by_mask

SECTION_STYLE = {
    "columnSeparatorStyle": "NONE",
    "contentDirection": "LEFT_TO_RIGHT",
    "sectionType": "CONTINUOUS",
}
DOCUMENT_STYLE = {
    "background": {"color": {}},
    "pageNumberStart": 1,
    "marginTop": {"magnitude": 72, "unit": "PT"},
    "marginBottom": {"magnitude": 72, "unit": "PT"},
    "marginRight": {"magnitude": 72, "unit": "PT"},
    "marginLeft": {"magnitude": 72, "unit": "PT"},
    "pageSize": {"height": {"magnitude": 792, "unit": "PT"}, "width": {"magnitude": 612, "unit": "PT"}},
    "marginHeader": {"magnitude": 36, "unit": "PT"},
    "marginFooter": {"magnitude": 36, "unit": "PT"},
    "useCustomHeaderFooterMargins": True,
}
NAMED_STYLE_TYPES = [
    "NORMAL_TEXT",
    "TITLE",
    "SUBTITLE",
    "HEADING_1",
    "HEADING_2",
    "HEADING_3",
    "HEADING_4",
    "HEADING_5",
    "HEADING_6",
]
_HEADING_SIZES = {
    "TITLE": 26,
    "SUBTITLE": 15,
    "HEADING_1": 20,
    "HEADING_2": 16,
    "HEADING_3": 14,
    "HEADING_4": 12,
    "HEADING_5": 11,
    "HEADING_6": 11,
    "NORMAL_TEXT": 11,
}


def _named_styles() -> dict[str, Any]:
    styles = []
    for kind in NAMED_STYLE_TYPES:
        text_style: dict[str, Any] = {"fontSize": {"magnitude": _HEADING_SIZES[kind], "unit": "PT"}}
        if kind == "NORMAL_TEXT":
            text_style.update(
                {
                    "bold": False,
                    "italic": False,
                    "underline": False,
                    "strikethrough": False,
                    "smallCaps": False,
                    "backgroundColor": {},
                    "foregroundColor": {"color": {"rgbColor": {}}},
                    "weightedFontFamily": {"fontFamily": "Arial", "weight": 400},
                    "baselineOffset": "NONE",
                }
            )
        paragraph_style: dict[str, Any] = {"namedStyleType": kind, "direction": "LEFT_TO_RIGHT"}
        if kind == "NORMAL_TEXT":
            paragraph_style.update(
                {
                    "alignment": "START",
                    "lineSpacing": 115,
                    "spaceAbove": {"unit": "PT"},
                    "spaceBelow": {"unit": "PT"},
                    "keepLinesTogether": False,
                    "keepWithNext": False,
                    "avoidWidowAndOrphan": True,
                }
            )
        styles.append({"namedStyleType": kind, "textStyle": text_style, "paragraphStyle": paragraph_style})
    return {"styles": styles}


def u16(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Docs index (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_u16(text: str, offset: int) -> tuple[str, str]:
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return text[:index], text[index:]
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise _fail("The index falls inside a surrogate pair.")
    if units == offset:
        return text, ""
    raise _fail("Index out of range.")


class DocsRequestError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _fail(message: str) -> DocsRequestError:
    return DocsRequestError(message)


@dataclass
class Run:
    """A stretch of text with one style; `page_break` runs stand for one index and no text."""

    text: str
    style: dict[str, Any] = field(default_factory=dict)
    page_break: bool = False

    def length(self) -> int:
        return 1 if self.page_break else u16(self.text)


@dataclass
class Paragraph:
    runs: list[Run]
    style: dict[str, Any] = field(
        default_factory=lambda: {"namedStyleType": "NORMAL_TEXT", "direction": "LEFT_TO_RIGHT"}
    )
    bullet: dict[str, Any] | None = None

    def length(self) -> int:
        return sum(run.length() for run in self.runs)

    def text(self) -> str:
        return "".join("\x0c" if run.page_break else run.text for run in self.runs)


@dataclass
class Table:
    cells: list[list[list[Paragraph]]]

    def length(self) -> int:
        total = 2  # table start and table end markers
        for row in self.cells:
            total += 1
            for cell in row:
                total += 1 + sum(p.length() for p in cell)
        return total


@dataclass
class SectionBreak:
    style: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(SECTION_STYLE))

    def length(self) -> int:
        return 1


Element = Paragraph | Table | SectionBreak


def empty_paragraph(style: dict | None = None) -> Paragraph:
    paragraph = Paragraph([Run("\n")])
    if style is not None:
        paragraph.style = copy.deepcopy(style)
    return paragraph


@dataclass
class Document:
    document_id: str
    title: str
    body: list[Element] = field(default_factory=lambda: [SectionBreak(), empty_paragraph()])
    document_style: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DOCUMENT_STYLE))
    lists: dict[str, Any] = field(default_factory=dict)
    revision: int = 1

    def revision_id(self) -> str:
        return f"ALm37B{self.revision:08d}emu"

    def plain_text(self) -> str:
        out: list[str] = []

        def walk(elements: list[Element]) -> None:
            for element in elements:
                if isinstance(element, Paragraph):
                    out.append(element.text().replace("\x0c", ""))
                elif isinstance(element, Table):
                    for row in element.cells:
                        out.append(
                            "\t".join("".join(p.text() for p in cell).rstrip("\n") for cell in row) + "\n"
                        )

        walk(self.body)
        return "".join(out)


# ---------------------------------------------------------------- rendering


def _merge_runs(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if run.page_break or not run.text:
            if run.page_break:
                merged.append(run)
            continue
        if merged and not merged[-1].page_break and merged[-1].style == run.style:
            merged[-1] = Run(merged[-1].text + run.text, merged[-1].style)
        else:
            merged.append(Run(run.text, run.style))
    return merged


def _render_paragraph(paragraph: Paragraph, start: int) -> dict[str, Any]:
    elements = []
    position = start
    for run in _merge_runs(paragraph.runs):
        length = run.length()
        element: dict[str, Any] = {"endIndex": position + length}
        if position:
            element = {"startIndex": position, "endIndex": position + length}
        if run.page_break:
            element["pageBreak"] = {"textStyle": copy.deepcopy(run.style)}
        else:
            element["textRun"] = {"content": run.text, "textStyle": copy.deepcopy(run.style)}
        elements.append(element)
        position += length
    body: dict[str, Any] = {"elements": elements, "paragraphStyle": copy.deepcopy(paragraph.style)}
    if paragraph.bullet:
        body["bullet"] = copy.deepcopy(paragraph.bullet)
    out: dict[str, Any] = {"startIndex": start, "endIndex": position, "paragraph": body}
    if not start:
        out.pop("startIndex")
    return out


def render_content(elements: list[Element], start: int) -> tuple[list[dict[str, Any]], int]:
    out = []
    position = start
    for element in elements:
        if isinstance(element, SectionBreak):
            item: dict[str, Any] = {"endIndex": position + 1, "sectionBreak": {"sectionStyle": element.style}}
            if position:
                item["startIndex"] = position
            out.append(item)
            position += 1
        elif isinstance(element, Paragraph):
            out.append(_render_paragraph(element, position))
            position += element.length()
        else:
            table_start = position
            position += 1
            rows = []
            for row in element.cells:
                row_start = position
                position += 1
                cells = []
                for cell in row:
                    cell_start = position
                    position += 1
                    content, position = render_content(cell, position)
                    cells.append(
                        {
                            "startIndex": cell_start,
                            "endIndex": position,
                            "content": content,
                            "tableCellStyle": {
                                "rowSpan": 1,
                                "columnSpan": 1,
                                "backgroundColor": {},
                                "paddingLeft": {"magnitude": 5, "unit": "PT"},
                                "paddingRight": {"magnitude": 5, "unit": "PT"},
                                "paddingTop": {"magnitude": 5, "unit": "PT"},
                                "paddingBottom": {"magnitude": 5, "unit": "PT"},
                                "contentAlignment": "TOP",
                            },
                        }
                    )
                rows.append(
                    {
                        "startIndex": row_start,
                        "endIndex": position,
                        "tableCells": cells,
                        "tableRowStyle": {"minRowHeight": {"unit": "PT"}},
                    }
                )
            position += 1
            columns = len(element.cells[0]) if element.cells else 0
            out.append(
                {
                    "startIndex": table_start,
                    "endIndex": position,
                    "table": {
                        "rows": len(element.cells),
                        "columns": columns,
                        "tableRows": rows,
                        "tableStyle": {
                            "tableColumnProperties": [{"widthType": "EVENLY_DISTRIBUTED"}] * columns
                        },
                    },
                }
            )
    return out, position


def render_document(document: Document) -> dict[str, Any]:
    content, _ = render_content(document.body, 0)
    out: dict[str, Any] = {
        "title": document.title,
        "body": {"content": content},
        "documentStyle": copy.deepcopy(document.document_style),
        "namedStyles": _named_styles(),
        "revisionId": document.revision_id(),
        "suggestionsViewMode": "SUGGESTIONS_INLINE",
        "documentId": document.document_id,
    }
    if document.lists:
        out["lists"] = copy.deepcopy(document.lists)
    return out


# ---------------------------------------------------------------- locating indices


@dataclass
class Spot:
    container: list[Element]
    position: int  # index of the paragraph within container
    paragraph: Paragraph
    start: int  # document index where that paragraph starts


def paragraphs_with_starts(elements: list[Element], start: int):
    """Yield (container, position, paragraph, start index) for every paragraph, tables included."""
    position = start
    for index, element in enumerate(elements):
        if isinstance(element, Paragraph):
            yield elements, index, element, position
            position += element.length()
        elif isinstance(element, SectionBreak):
            position += 1
        else:
            position += 1
            for row in element.cells:
                position += 1
                for cell in row:
                    position += 1
                    yield from paragraphs_with_starts(cell, position)
                    position += sum(p.length() for p in cell)
            position += 1


def find_paragraph(document: Document, index: int) -> Spot:
    for container, position, paragraph, start in paragraphs_with_starts(document.body, 0):
        if start <= index < start + paragraph.length():
            return Spot(container, position, paragraph, start)
    raise _fail(
        "The insertion index must be inside the bounds of an existing paragraph. You can still "
        "create new paragraphs by inserting newlines."
    )


def _split_runs(runs: list[Run], offset: int) -> tuple[list[Run], list[Run]]:
    before: list[Run] = []
    after: list[Run] = []
    position = 0
    for run in runs:
        length = run.length()
        if position + length <= offset:
            before.append(run)
        elif position >= offset:
            after.append(run)
        else:
            head, tail = split_u16(run.text, offset - position)
            before.append(Run(head, dict(run.style)))
            after.append(Run(tail, dict(run.style)))
        position += length
    return before, after


def _style_at(runs: list[Run], offset: int) -> dict[str, Any]:
    """Inserted text takes the style of the character before it (or after, at a paragraph start)."""
    position = 0
    previous = None
    for run in runs:
        length = run.length()
        if position < offset <= position + length:
            previous = run.style
        position += length
    if previous is None and runs:
        previous = runs[0].style
    return dict(previous or {})


def _reflow(spot: Spot, runs: list[Run]) -> None:
    """Split a run list at newlines into paragraphs replacing spot.paragraph."""
    paragraphs: list[Paragraph] = []
    current: list[Run] = []
    for run in runs:
        if run.page_break:
            current.append(run)
            continue
        text = run.text
        while "\n" in text:
            head, _, text = text.partition("\n")
            current.append(Run(head + "\n", dict(run.style)))
            paragraphs.append(
                Paragraph(
                    [r for r in current if r.page_break or r.text],
                    copy.deepcopy(spot.paragraph.style),
                    copy.deepcopy(spot.paragraph.bullet),
                )
            )
            current = []
        if text:
            current.append(Run(text, dict(run.style)))
    if current:
        raise _fail("internal: paragraph without newline")
    spot.container[spot.position : spot.position + 1] = paragraphs


def insert_text(document: Document, index: int, text: str) -> None:
    if not text:
        return
    spot = find_paragraph(document, index)
    offset = index - spot.start
    before, after = _split_runs(spot.paragraph.runs, offset)
    style = _style_at(spot.paragraph.runs, offset)
    _reflow(spot, before + [Run(text, style)] + after)


def insert_page_break(document: Document, index: int) -> None:
    spot = find_paragraph(document, index)
    if spot.container is not document.body:
        raise _fail("Page breaks cannot be inserted inside a table.")
    offset = index - spot.start
    before, after = _split_runs(spot.paragraph.runs, offset)
    style = _style_at(spot.paragraph.runs, offset)
    _reflow(spot, before + [Run("", style, page_break=True), Run("\n", style)] + after)


def insert_table(document: Document, index: int, rows: int, columns: int) -> None:
    if rows < 1 or columns < 1:
        raise _fail("The table must have at least one row and one column.")
    spot = find_paragraph(document, index)
    if spot.container is not document.body:
        raise _fail("Tables cannot be inserted inside a table.")
    offset = index - spot.start
    before, after = _split_runs(spot.paragraph.runs, offset)
    style = _style_at(spot.paragraph.runs, offset)
    first = Paragraph(
        before + [Run("\n", style)], copy.deepcopy(spot.paragraph.style), copy.deepcopy(spot.paragraph.bullet)
    )
    rest = Paragraph(after, copy.deepcopy(spot.paragraph.style), copy.deepcopy(spot.paragraph.bullet))
    table = Table([[[empty_paragraph()] for _ in range(columns)] for _ in range(rows)])
    spot.container[spot.position : spot.position + 1] = [first, table, rest]


def _tables_with_starts(elements: list[Element], start: int):
    position = start
    for element in elements:
        if isinstance(element, Table):
            yield element, position
            position += 1
            for row in element.cells:
                position += 1
                for cell in row:
                    position += 1
                    yield from _tables_with_starts(cell, position)
                    position += sum(p.length() for p in cell)
            position += 1
        else:
            position += element.length()


def insert_table_row(document: Document, table_start: int, row_index: int, below: bool) -> None:
    for table, start in _tables_with_starts(document.body, 0):
        if start == table_start:
            if not 0 <= row_index < len(table.cells):
                raise _fail(f"Invalid table cell location: row {row_index} does not exist.")
            columns = len(table.cells[row_index])
            new_row = [[empty_paragraph()] for _ in range(columns)]
            table.cells.insert(row_index + (1 if below else 0), new_row)
            return
    raise _fail(f"Invalid table start location. There is no table at index {table_start}.")


def delete_content(document: Document, start: int, end: int) -> None:
    if start >= end:
        raise _fail("Invalid deletion range: the start index must be less than the end index.")
    _delete_in(document.body, 0, start, end, document_body=True)


def _delete_in(elements: list[Element], base: int, start: int, end: int, document_body: bool) -> None:
    spans = []
    position = base
    for element in elements:
        spans.append((element, position, position + element.length()))
        position += element.length()
    segment_end = position
    if end > segment_end or start < base:
        raise _fail(
            f"Index {end - 1} must be less than the end index of the referenced segment, {segment_end}."
        )
    if end == segment_end:
        raise _fail("The range cannot include the newline character at the end of the segment.")
    touched = [(e, s, t) for e, s, t in spans if s < end and start < t]
    for element, e_start, e_end in touched:
        if isinstance(element, SectionBreak):
            raise _fail("Invalid deletion range. Cannot delete a section break at the start of the body.")
        if isinstance(element, Table) and not (start <= e_start and e_end <= end):
            if len(touched) == 1:
                _delete_in_table(element, e_start, start, end)
                return
            raise _fail("Invalid deletion range. Cannot delete a table partially.")
    paragraphs = [(e, s, t) for e, s, t in touched if isinstance(e, Paragraph)]
    tables = [e for e, s, t in touched if isinstance(e, Table)]
    for table in tables:
        elements.remove(table)
    if not paragraphs:
        return
    first, first_start, _ = paragraphs[0]
    last, last_start, _ = paragraphs[-1]
    keep_before, _ = _split_runs(first.runs, max(0, start - first_start))
    _, keep_after = _split_runs(last.runs, min(last.length(), end - last_start))
    merged_runs = keep_before + keep_after
    removed = [p for p, _, _ in paragraphs]
    position_of_first = elements.index(first)
    for paragraph in removed:
        elements.remove(paragraph)
    if not any((not r.page_break and r.text.endswith("\n")) for r in merged_runs[-1:]):
        # the range ended inside the paragraph break: the next paragraph joins this one
        follower_index = position_of_first
        if follower_index < len(elements) and isinstance(elements[follower_index], Paragraph):
            follower = elements.pop(follower_index)
            merged_runs = merged_runs + follower.runs
        else:
            raise _fail("Invalid deletion range.")
    style_source = first if keep_before else last
    new_paragraph = Paragraph(
        merged_runs, copy.deepcopy(style_source.style), copy.deepcopy(style_source.bullet)
    )
    elements.insert(position_of_first, new_paragraph)


def _delete_in_table(table: Table, table_start: int, start: int, end: int) -> None:
    position = table_start + 1
    for row in table.cells:
        position += 1
        for cell in row:
            position += 1
            cell_end = position + sum(p.length() for p in cell)
            if position <= start and end <= cell_end:
                _delete_in(cell, position, start, end, document_body=False)
                return
            position = cell_end
    raise _fail("Invalid deletion range. Cannot delete across table cells.")


def _paragraph_runs_in(document: Document, start: int, end: int):
    """Yield (paragraph, paragraph start) for paragraphs overlapping [start, end)."""
    for _container, _position, paragraph, p_start in paragraphs_with_starts(document.body, 0):
        if p_start < end and start < p_start + paragraph.length():
            yield paragraph, p_start


def update_text_style(document: Document, start: int, end: int, style: dict, fields: str) -> None:
    paths = _paths(fields)
    for paragraph, p_start in list(_paragraph_runs_in(document, start, end)):
        local_start = max(0, start - p_start)
        local_end = min(paragraph.length(), end - p_start)
        before, rest = _split_runs(paragraph.runs, local_start)
        middle, after = _split_runs(rest, local_end - local_start)
        for run in middle:
            update_by_mask(run.style, style, paths)
        paragraph.runs = before + middle + after


def update_paragraph_style(document: Document, start: int, end: int, style: dict, fields: str) -> None:
    paths = _paths(fields)
    for paragraph, _ in list(_paragraph_runs_in(document, start, max(end, start + 1))):
        update_by_mask(paragraph.style, style, paths)
        if ("namedStyleType",) in paths and "namedStyleType" not in paragraph.style:
            paragraph.style["namedStyleType"] = "NORMAL_TEXT"


_BULLET_GLYPHS = {
    "BULLET_DISC_CIRCLE_SQUARE": ("●", "○", "■"),
    "NUMBERED_DECIMAL_ALPHA_ROMAN": ("%0.", "%1.", "%2."),
    "NUMBERED_DECIMAL_NESTED": ("%0.", "%0.%1.", "%0.%1.%2."),
}


def create_bullets(document: Document, start: int, end: int, preset: str, list_id: str) -> None:
    glyphs = _BULLET_GLYPHS.get(preset, ("●", "○", "■"))
    nesting = []
    for level in range(9):
        glyph = glyphs[min(level, len(glyphs) - 1)]
        entry: dict[str, Any] = {
            "bulletAlignment": "START",
            "indentFirstLine": {"magnitude": 18 + 36 * level, "unit": "PT"},
            "indentStart": {"magnitude": 36 + 36 * level, "unit": "PT"},
            "textStyle": {"underline": False},
            "startNumber": 1,
        }
        if glyph.startswith("%"):
            entry["glyphType"] = "DECIMAL"
            entry["glyphFormat"] = glyph
        else:
            entry["glyphSymbol"] = glyph
            entry["glyphFormat"] = f"%{level}"
        nesting.append(entry)
    document.lists[list_id] = {"listProperties": {"nestingLevels": nesting}}
    for paragraph, _ in list(_paragraph_runs_in(document, start, max(end, start + 1))):
        leading_tabs = 0
        first = paragraph.runs[0] if paragraph.runs else None
        if first and not first.page_break:
            stripped = first.text.lstrip("\t")
            leading_tabs = len(first.text) - len(stripped)
            if leading_tabs and stripped:
                first.text = stripped
        paragraph.bullet = {"listId": list_id, "textStyle": {"underline": False}}
        if leading_tabs:
            paragraph.bullet["nestingLevel"] = leading_tabs
        paragraph.style.setdefault("indentFirstLine", {"magnitude": 18, "unit": "PT"})
        paragraph.style.setdefault("indentStart", {"magnitude": 36, "unit": "PT"})


def delete_bullets(document: Document, start: int, end: int) -> None:
    for paragraph, _ in list(_paragraph_runs_in(document, start, max(end, start + 1))):
        paragraph.bullet = None
        paragraph.style.pop("indentFirstLine", None)
        paragraph.style.pop("indentStart", None)


def replace_all_text(document: Document, find: str, replacement: str, match_case: bool) -> int:
    if not find:
        raise _fail("The text to search for must not be empty.")
    count = 0

    def replace_in(elements: list[Element]) -> None:
        nonlocal count
        for element in elements:
            if isinstance(element, Paragraph):
                for run in element.runs:
                    if run.page_break:
                        continue
                    haystack = run.text if match_case else run.text.lower()
                    needle = find if match_case else find.lower()
                    hits = haystack.count(needle)
                    if hits:
                        count += hits
                        if match_case:
                            run.text = run.text.replace(find, replacement)
                        else:
                            pieces = []
                            position = 0
                            while True:
                                found = haystack.find(needle, position)
                                if found < 0:
                                    break
                                pieces.append(run.text[position:found])
                                pieces.append(replacement)
                                position = found + len(find)
                            pieces.append(run.text[position:])
                            run.text = "".join(pieces)
            elif isinstance(element, Table):
                for row in element.cells:
                    for cell in row:
                        replace_in(cell)

    replace_in(document.body)
    return count


def _paths(fields: str | None) -> list[tuple[str, ...]]:
    if not fields:
        raise _fail("At least one field must be specified in fields.")
    return mask_paths(parse_mask(fields) or {})


def _location_index(document: Document, request: dict) -> int:
    if request.get("location") is not None:
        location = request["location"]
        if location.get("segmentId"):
            raise _fail("Headers, footers and footnotes are not supported by the emulator.")
        return int(location.get("index") or 0)
    if request.get("endOfSegmentLocation") is not None:
        _, end = render_content(document.body, 0)
        return end - 1
    raise _fail("Either location or endOfSegmentLocation must be specified.")


def _range(request: dict) -> tuple[int, int]:
    rng = request.get("range") or {}
    if rng.get("segmentId"):
        raise _fail("Headers, footers and footnotes are not supported by the emulator.")
    start, end = int(rng.get("startIndex") or 0), int(rng.get("endIndex") or 0)
    if start >= end:
        raise _fail("The range must not be empty.")
    return start, end


def apply_document_requests(document: Document, requests: list[dict], new_list_id) -> list[dict]:
    """Apply documents.batchUpdate requests in order; each sees the previous one's result."""
    replies: list[dict] = []
    for position, request in enumerate(requests):
        kinds = [k for k, v in (request or {}).items() if v is not None]
        if len(kinds) != 1:
            raise invalid_argument(f"Invalid requests[{position}]: exactly one request kind must be set.")
        kind = kinds[0]
        body = request[kind]
        try:
            reply: dict[str, Any] = {}
            if kind == "insertText":
                index = _location_index(document, body)
                if index < 1:
                    raise (
                        _fail("Index 0 must be greater than 0.")
                        if index == 0
                        else _fail("Index must be >= 1.")
                    )
                insert_text(document, index, body.get("text") or "")
            elif kind == "deleteContentRange":
                start, end = _range(body)
                delete_content(document, start, end)
            elif kind == "insertTable":
                insert_table(
                    document,
                    _location_index(document, body),
                    int(body.get("rows") or 0),
                    int(body.get("columns") or 0),
                )
            elif kind == "insertTableRow":
                location = body.get("tableCellLocation") or {}
                insert_table_row(
                    document,
                    int((location.get("tableStartLocation") or {}).get("index") or 0),
                    int(location.get("rowIndex") or 0),
                    bool(body.get("insertBelow")),
                )
            elif kind == "updateTextStyle":
                start, end = _range(body)
                update_text_style(document, start, end, body.get("textStyle") or {}, body.get("fields"))
            elif kind == "updateParagraphStyle":
                start, end = _range(body)
                update_paragraph_style(
                    document, start, end, body.get("paragraphStyle") or {}, body.get("fields")
                )
            elif kind == "createParagraphBullets":
                start, end = _range(body)
                create_bullets(
                    document,
                    start,
                    end,
                    body.get("bulletPreset") or "BULLET_DISC_CIRCLE_SQUARE",
                    new_list_id(),
                )
            elif kind == "deleteParagraphBullets":
                start, end = _range(body)
                delete_bullets(document, start, end)
            elif kind == "replaceAllText":
                contains = body.get("containsText") or {}
                count = replace_all_text(
                    document,
                    contains.get("text") or "",
                    body.get("replaceText") or "",
                    bool(contains.get("matchCase")),
                )
                reply = {"replaceAllText": {"occurrencesChanged": count} if count else {}}
            elif kind == "insertPageBreak":
                insert_page_break(document, _location_index(document, body))
            elif kind == "updateDocumentStyle":
                update_by_mask(
                    document.document_style, body.get("documentStyle") or {}, _paths(body.get("fields"))
                )
            else:
                from .sheets_ops import NotImplementedByEmulator

                raise NotImplementedByEmulator(kind)
        except DocsRequestError as error:
            message = error.message
            if not message.startswith("Invalid requests["):
                message = f"Invalid requests[{position}].{kind}: {message}"
            raise invalid_argument(message) from None
        replies.append(reply)
    return replies
