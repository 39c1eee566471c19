"""How wide text is on a terminal or a page: East Asian wide characters take two columns, so
Japanese names line up with Latin ones. Standard library only (``mapws list`` imports it)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def display_width(text: str) -> int:
    """Columns ``text`` takes, wide (East Asian) characters counting two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` columns (``str.ljust`` counts characters)."""
    return text + " " * max(0, width - display_width(text))


def fitted_width(width: float, words: Iterable[str], room: int = 2) -> float:
    """A column ``width`` widened, when need be, so its widest word (in display columns) fits with
    ``room`` to spare (a dropdown's arrow): マイルストーン needs 16 where Milestone needs 11."""
    widest = max((display_width(word) for word in words), default=0)
    return width if not widest or widest + room <= width else widest + room
