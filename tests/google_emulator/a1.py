"""A1 notation: parse `'Tab name'!A1:B2`, `Tab!A:A`, `Tab!2:5`, named ranges; print Google's way."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
_R1C1 = re.compile(r"^[Rr](\d+)[Cc](\d+)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_CELL = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*)$")


@dataclass
class ParsedRange:
    """A range before it meets a spreadsheet: the tab title (or None) and 0-based half-open bounds."""

    sheet_title: str | None
    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None
    whole_sheet: bool = False
    raw_name: str | None = None  # the unqualified text, for named-range lookup


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    value = 0
    for char in letters.upper():
        value = value * 26 + (ord(char) - 64)
    return value - 1


def quote_title(title: str) -> str:
    """Google leaves simple titles bare ('Sheet1') and quotes the rest ('My tab', 'D3')."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str]:
    """Split `'It''s'!A1` into ("It's", "A1"); no `!` gives (None, text)."""
    text = text.strip()
    if text.startswith("'"):
        index = 1
        title_chars = []
        while index < len(text):
            char = text[index]
            if char == "'":
                if index + 1 < len(text) and text[index + 1] == "'":
                    title_chars.append("'")
                    index += 2
                    continue
                break
            title_chars.append(char)
            index += 1
        else:
            raise ValueError(text)
        rest = text[index + 1 :]
        title = "".join(title_chars)
        if rest == "":
            return title, ""
        if not rest.startswith("!"):
            raise ValueError(text)
        return title, rest[1:]
    if "!" in text:
        title, _, rest = text.rpartition("!")
        return title, rest
    return None, text


def _parse_cell(part: str) -> tuple[int | None, int | None]:
    """Return (row, col) 0-based; either may be None for A:A or 1:1 forms."""
    match = _R1C1.match(part)
    if match:
        return int(match.group(1)) - 1, int(match.group(2)) - 1
    match = _CELL.match(part.replace("$", ""))
    if not match or (not match.group(1) and not match.group(2)):
        raise ValueError(part)
    letters, digits = match.groups()
    if len(letters) > 3:
        raise ValueError(part)
    row = int(digits) - 1 if digits else None
    col = column_index(letters) if letters else None
    if row is not None and row < 0:
        raise ValueError(part)
    return row, col


def parse_a1(text: str) -> ParsedRange:
    """Parse without a spreadsheet; raises ValueError on text Google cannot parse."""
    title, cells = split_sheet(text)
    if title is not None and cells == "":
        return ParsedRange(title, whole_sheet=True)
    if title is None:
        # a bare word may be a tab title or a named range: the resolver decides
        try:
            parsed = _parse_cells(cells)
        except ValueError:
            return ParsedRange(None, whole_sheet=True, raw_name=cells)
        parsed.raw_name = cells
        return parsed
    parsed = _parse_cells(cells)
    parsed.sheet_title = title
    return parsed


def _parse_cells(cells: str) -> ParsedRange:
    if not cells:
        raise ValueError(cells)
    first, sep, second = cells.partition(":")
    row1, col1 = _parse_cell(first)
    if not sep:
        if row1 is None or col1 is None:
            raise ValueError(cells)
        return ParsedRange(None, row1, row1 + 1, col1, col1 + 1)
    row2, col2 = _parse_cell(second)
    # forms: A1:B2, A:B, 1:2, A1:B (open end row), A:B2 is accepted by Google as A1:B2
    if row1 is None and col1 is None:
        raise ValueError(cells)
    start_row, end_row = row1, row2
    start_col, end_col = col1, col2
    if col1 is None and col2 is not None or col1 is not None and col2 is None and row2 is None:
        raise ValueError(cells)
    if start_row is not None and end_row is not None and start_row > end_row:
        start_row, end_row = end_row, start_row
    if start_col is not None and end_col is not None and start_col > end_col:
        start_col, end_col = end_col, start_col
    return ParsedRange(
        None,
        start_row if start_row is not None else (0 if end_row is not None else None),
        end_row + 1 if end_row is not None else None,
        start_col if start_col is not None else None,
        end_col + 1 if end_col is not None else None,
    )


def format_range(title: str, start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    """`Sheet1!A1:B2`, or `Sheet1!A1` for a single cell."""
    first = f"{column_letters(start_col)}{start_row + 1}"
    last = f"{column_letters(end_col - 1)}{end_row}"
    cells = first if (end_row - start_row == 1 and end_col - start_col == 1) else f"{first}:{last}"
    return f"{quote_title(title)}!{cells}"
