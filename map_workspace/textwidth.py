"""How wide text is on a terminal or a page: East Asian wide characters take two columns, so
Japanese names line up with Latin ones. Standard library only (``mapws list`` imports it)."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns ``text`` takes, wide (East Asian) characters counting two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` columns (``str.ljust`` counts characters)."""
    return text + " " * max(0, width - display_width(text))
