"""Words buyers type, and what they mean. One list, read by the parsers and by the sheet's live
formulas alike, so the spreadsheet and the sync count the same things as done. The words of
each language live in its catalog (``map_workspace/catalogs/<lang>/sheet.toml``, ``[words]``)."""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import TypeVar

from map_workspace import catalog
from map_workspace.domain.model import ItemType, Level, RiskStatus, Side, Status

E = TypeVar("E", bound=StrEnum)

def _words(kind: str, enum: type[E], lang: str | None = None) -> dict[E, tuple[str, ...]]:
    """``sheet.words.<kind>`` of the catalog: in ``lang`` (English first, then its own), or in every
    language when ``lang`` is None. Each member's canonical word comes first."""
    langs = catalog.languages() if lang is None else tuple(dict.fromkeys((catalog.DEFAULT, lang)))
    out: dict[E, tuple[str, ...]] = {}
    for member in enum:
        seen: dict[str, None] = {}
        for language in langs:
            for word in catalog.words(language).get(f"sheet.words.{kind}.{member.name.lower()}"):
                seen.setdefault(str(word).strip().lower(), None)
        out[member] = tuple(seen)
    return out


def status_words(lang: str = catalog.DEFAULT) -> dict[Status, tuple[str, ...]]:
    """The status words a plan in ``lang``'s live formulas count: English's, then the language's own."""
    return _status_words(lang)


@functools.cache
def _status_words(lang: str) -> dict[Status, tuple[str, ...]]:
    return _words("status", Status, lang)


def word_of(value: StrEnum, lang: str = catalog.DEFAULT) -> str:
    """What a plan in ``lang`` writes for a status, type, side, level or risk status ("Done" → "完了")."""
    kind = _KINDS[type(value).__name__]
    return catalog.words(lang)(f"sheet.{kind}.{value.name.lower()}")


_KINDS = {"Status": "status", "ItemType": "type", "Side": "side", "Level": "level", "RiskStatus": "risk_status"}

#: Lower-case words (after trimming) read as each status, in every language (the catalog's
#: ``sheet.words``): a buyer typing 完了 in an English plan, or Done in a Japanese one, is understood.
STATUS_WORDS: dict[Status, tuple[str, ...]] = _words("status", Status)
ITEM_TYPE_WORDS: dict[ItemType, tuple[str, ...]] = _words("type", ItemType)
SIDE_WORDS: dict[Side, tuple[str, ...]] = _words("side", Side)

#: Words that name a group or a placeholder rather than a person (PRODUCT.md: owners are people).
GROUP_WORDS: frozenset[str] = frozenset(
    {
        "team", "the team", "sales", "sales team", "it", "it team", "the it team", "legal", "legal team",
        "procurement", "purchasing", "tbd", "tba", "tbc", "everyone", "all", "both", "both sides",
        "us", "them", "we", "they", "buyer", "seller", "customer", "vendor", "security", "security team",
        "finance", "finance team", "operations", "ops", "the operations team", "engineering", "management",
        "exec", "execs", "leadership", "committee", "board", "hr", "marketing", "support", "admin",
        "someone", "somebody", "anyone",
        "architects", "architecture team", "stakeholders", "champion", "cfo team",
        "全員",
    }
)

#: Words that say nobody owns the item yet: read as an empty Owner cell, not as a group. Text made
#: of punctuation only ("?", "-", "—") is a placeholder too.
PLACEHOLDER_WORDS: frozenset[str] = frozenset(
    {
        "tbd", "tba", "tbc", "tbd.", "n/a", "na", "n.a.", "none", "nobody", "nobody yet", "no one", "no owner",
        "unassigned", "not assigned", "not yet assigned", "to be decided", "to be confirmed", "to be assigned",
        "未定", "担当者未定", "未割当", "未定義", "未定です", "担当未定", "なし",
    }
)

LEVEL_WORDS: dict[Level, tuple[str, ...]] = _words("level", Level)
RISK_STATUS_WORDS: dict[RiskStatus, tuple[str, ...]] = _words("risk_status", RiskStatus)
