"""Every buyer-visible word, per language, as data: ``map_workspace/catalogs/<lang>/<part>.toml``.

A key is the file's name and the TOML path inside it: ``words("ja")("sheet.tabs.plan")`` reads
``[tabs] plan = "計画"`` from ``catalogs/ja/sheet.toml``. A key a language lacks falls back to English,
so a new language can start from a few files; a key English lacks is a bug and raises. Values are
``str.format`` templates over the values a caller passes. Adding a language is a directory of
catalogs (and a template), no code: :func:`languages` finds it.

A leaf module like ``errors``: it imports nothing of the product, so the domain may use it. It is
cheap to import (no TOML parser, no package resources until words are needed), and a language's
catalog reads each part file the first time one of its keys is looked up, once per process: a command
that words only its findings never parses the summary's or the sheet's words (issue 8: start-up).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: The language every catalog falls back to, and a plan's language when nothing names one.
DEFAULT = "en"

#: The plan's meta key (hidden ``_mapws`` tab / document properties) naming its language.
META_LANGUAGE = "language"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages with a catalog, English first."""
    found = sorted(entry.name for entry in _folder().iterdir() if entry.is_dir() and not entry.name.startswith("_"))
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


def _folder(*parts: str) -> Traversable:
    from importlib import resources

    return resources.files(__package__).joinpath("catalogs", *parts)


class Words:
    """One language's catalog: call it with a key (and values) for the text. Its part files
    (``<part>.toml``) are read the first time a key of theirs is looked up."""

    def __init__(self, lang: str, parts: Mapping[str, Traversable], fallback: Words | None) -> None:
        self.lang = lang
        self._files = dict(parts)
        self._parts: dict[str, dict[str, Any]] = {}
        self._fallback = fallback

    def _part(self, name: str) -> dict[str, Any] | None:
        """The parsed part file ``name`` (None when this language has none), read once."""
        if name not in self._parts:
            entry = self._files.get(name)
            if entry is None:
                return None
            import tomllib

            self._parts[name] = tomllib.loads(entry.read_text(encoding="utf-8"))
        return self._parts[name]

    @property
    def _tree(self) -> dict[str, Any]:
        """Every part of this language, read (what a test comparing languages walks)."""
        return {name: self._part(name) for name in self._files}

    def _node(self, key: str) -> tuple[bool, Any]:
        """(found, value) of ``key`` in this language alone."""
        part, _, rest = key.partition(".")
        node: Any = self._part(part)
        if node is None:
            return False, None
        for name in rest.split(".") if rest else ():
            if not isinstance(node, dict) or name not in node:
                return False, None
            node = node[name]
        return True, node

    def __call__(self, key: str, /, **values: Any) -> str:
        text = self.get(key)
        if not isinstance(text, str):
            raise KeyError(f"catalog key {key!r} is not a text in {self.lang!r}")
        return text.format_map(values) if values else text

    def get(self, key: str) -> Any:
        """The raw value under ``key`` (a text, a list or a table), falling back to English."""
        found, node = self._node(key)
        if found:
            return node
        if self._fallback is not None:
            return self._fallback.get(key)
        raise KeyError(f"no catalog key {key!r}: add it to map_workspace/catalogs/{DEFAULT}/")

    def table(self, key: str) -> dict[str, Any]:
        """The table under ``key``, this language's entries over English's."""
        base = self._fallback.table(key) if self._fallback is not None else {}
        found, node = self._node(key)
        return {**base, **(node if found and isinstance(node, dict) else {})}


@functools.cache
def words(lang: str = DEFAULT) -> Words:
    """The catalog of ``lang`` (English for a language without one); its files are read as their
    keys are first looked up."""
    if lang not in languages():
        lang = DEFAULT
    files = _folder(lang).iterdir()
    parts = {entry.name.removesuffix(".toml"): entry for entry in files if entry.name.endswith(".toml")}
    return Words(lang, parts, None if lang == DEFAULT else words(DEFAULT))


@functools.cache
def in_every_language(key: str) -> tuple[str, ...]:
    """The text of ``key`` in every language, English first, without repeats: what a reader accepts
    (a Japanese header in an English plan is still that column). Cached: the catalogs never change
    within a process, and readers ask for the same keys for every plan a night reads."""
    seen: dict[str, None] = {}
    for lang in languages():
        value = words(lang).get(key)
        for text in value if isinstance(value, list) else [value]:
            seen.setdefault(str(text), None)
    return tuple(seen)
