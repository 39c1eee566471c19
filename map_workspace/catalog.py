"""Every buyer-visible word, per language, as data: ``map_workspace/catalogs/<lang>/<part>.toml``.

A key is the file's name and the TOML path inside it: ``words("ja")("sheet.tabs.plan")`` reads
``[tabs] plan = "計画"`` from ``catalogs/ja/sheet.toml``. A key a language lacks falls back to English,
so a new language can start from a few files; a key English lacks is a bug and raises. Values are
``str.format`` templates over the values a caller passes. Adding a language is a directory of
catalogs (and a template), no code: :func:`languages` finds it.

A leaf module like ``errors``: it reads its own package data once per language and imports nothing
of the product, so the domain may use it.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

#: The language every catalog falls back to, and a plan's language when nothing names one.
DEFAULT = "en"

#: The plan's meta key (hidden ``_mapws`` tab / document properties) naming its language.
META_LANGUAGE = "language"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages with a catalog, English first."""
    root = resources.files(__package__).joinpath("catalogs")
    found = sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith("_"))
    return (DEFAULT, *(lang for lang in found if lang != DEFAULT))


def language_of(locale: str = "", configured: str | None = None) -> str:
    """The language of a plan: ``configured`` (``--lang``, config ``language``) when it has a catalog,
    else the locale's language when it has one (ja_JP → ja), else English."""
    for candidate in (configured or "", locale.replace("-", "_").split("_")[0]):
        lang = candidate.strip().lower()
        if lang in languages():
            return lang
    return DEFAULT


def plan_language(meta: Mapping[str, str]) -> str:
    """The language a plan was made in: its recorded ``language``; English for a plan made before
    plans had languages (its tabs and headers were written in English, whatever its locale)."""
    recorded = meta.get(META_LANGUAGE, "").strip().lower()
    return recorded if recorded in languages() else DEFAULT


class Words:
    """One language's catalog: call it with a key (and values) for the text."""

    def __init__(self, lang: str, tree: dict[str, Any], fallback: Words | None) -> None:
        self.lang = lang
        self._tree = tree
        self._fallback = fallback

    def __call__(self, key: str, /, **values: Any) -> str:
        text = self.get(key)
        if not isinstance(text, str):
            raise KeyError(f"catalog key {key!r} is not a text in {self.lang!r}")
        return text.format_map(values) if values else text

    def get(self, key: str) -> Any:
        """The raw value under ``key`` (a text, a list or a table), falling back to English."""
        node: Any = self._tree
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if self._fallback is not None:
                    return self._fallback.get(key)
                raise KeyError(f"no catalog key {key!r}: add it to map_workspace/catalogs/{DEFAULT}/")
            node = node[part]
        return node

    def table(self, key: str) -> dict[str, Any]:
        """The table under ``key``, this language's entries over English's."""
        base = self._fallback.table(key) if self._fallback is not None else {}
        node: Any = self._tree
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return {**base, **(node or {})}


@functools.cache
def words(lang: str = DEFAULT) -> Words:
    """The catalog of ``lang`` (English for a language without one)."""
    if lang not in languages():
        lang = DEFAULT
    folder = resources.files(__package__).joinpath("catalogs", lang)
    tree = {
        entry.name.removesuffix(".toml"): tomllib.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }
    return Words(lang, tree, None if lang == DEFAULT else words(DEFAULT))


def in_every_language(key: str) -> tuple[str, ...]:
    """The text of ``key`` in every language, English first, without repeats: what a reader accepts
    (a Japanese header in an English plan is still that column)."""
    seen: dict[str, None] = {}
    for lang in languages():
        value = words(lang).get(key)
        for text in value if isinstance(value, list) else [value]:
            seen.setdefault(str(text), None)
    return tuple(seen)
