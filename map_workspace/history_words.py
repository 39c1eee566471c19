"""The History tab's words in a plan's language (``catalogs/<lang>/history.toml``), and the rows the
product wrote read back whatever language wrote them.

The sync logs what changed (the Field column), before and after, and why (the Note column) in the
plan's language. Reading History back (``mapws changes``, the check-in agenda, ``sync --json``'s
``changed``) must understand a row written in English before the plan became Japanese, so every
recogniser here tries every language's words. A leaf module: it imports only the catalog.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from map_workspace import catalog


def field(key: str, lang: str) -> str:
    """The Field column's word for ``key`` ("due" → "Due" / "期限"); a key History has no word for
    (a header someone added) is written as given."""
    return str(catalog.words(lang).table("history.fields").get(key, key))


def note(key: str, lang: str, **values: Any) -> str:
    """The Note column's words for ``key`` ("new_row" → "new row added" / "行を追加")."""
    return catalog.words(lang)(f"history.notes.{key}", **values)


def joined(lang: str, *notes: str) -> str:
    """Reasons in one note, in the plan's way of joining them; empty ones left out."""
    return catalog.words(lang)("history.notes.join").join(n for n in notes if n)


def listed(lang: str, names: Any) -> str:
    return catalog.words(lang)("history.notes.list").join(names)


def value(key: str, lang: str, **values: Any) -> str:
    """A From/To word the product writes itself ("formula" → "(formula)")."""
    return catalog.words(lang)(f"history.values.{key}", **values)


def status(text: str, lang: str) -> str:
    """A status as History shows it: the canonical (English) label in the plan's language; text
    someone typed that is no status is shown as typed."""
    return str(catalog.words(lang).table("history.statuses").get(text, text))


def closure(outcome: str, on: str, lang: str) -> str:
    """A closed plan as History's From/To shows it: "Closed — won on 2027-03-31"."""
    said = catalog.words(lang).table("history.values").get(outcome.replace(" ", "_"), outcome)
    return value("closed", lang, outcome=said, on=on)


# --- reading back ---------------------------------------------------------------------------------


@functools.cache
def _fields() -> dict[str, str]:
    """Every language's Field word → its key."""
    out: dict[str, str] = {}
    for lang in catalog.languages():
        for key, word in catalog.words(lang).table("history.fields").items():
            out.setdefault(str(word), key)
    return out


def field_key(text: str) -> str:
    """The key of a Field word in any language ("Due", "期限" → "due"); "" when it is none of ours."""
    return _fields().get(text.strip(), "")


@functools.cache
def _statuses() -> dict[str, str]:
    out: dict[str, str] = {}
    for lang in catalog.languages():
        for key, word in catalog.words(lang).table("history.statuses").items():
            out.setdefault(str(word), key)
    return out


def status_key(text: str) -> str:
    """The canonical status a History status word says in any language ("完了" → "Done"); the text itself
    when it is none."""
    return _statuses().get(text.strip(), text)


def _pattern(template: str) -> re.Pattern[str]:
    """A note template as a pattern finding it inside a note ("slipped {days} …" → named groups)."""
    escaped = re.escape(template)
    return re.compile(re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m[1]}>.+?)", escaped) + r"(?=$|\W)", re.IGNORECASE)


@functools.cache
def _notes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for lang in catalog.languages():
        for key, template in catalog.words(lang).table("history.notes").items():
            if key not in ("join", "list") and isinstance(template, str):
                out.append((key, _pattern(template)))
    # Longer templates first: "edit … undone: IDs are given by mapws" before "edit … undone".
    return tuple(sorted(out, key=lambda kv: -len(kv[1].pattern)))


def opens_with(text: str, *keys: str) -> bool:
    """Whether a Note starts with one of the product's reasons ``keys``, in any language."""
    return any(key in keys and pattern.match((text or "").strip()) for key, pattern in _notes())


def notes_in(text: str) -> dict[str, dict[str, str]]:
    """The product's reasons a Note holds, by key, with the values read from it, whatever language
    wrote them ("replanned: new due date; slipped 3 business day(s) (slip 1)" → replanned, slipped…)."""
    found: dict[str, dict[str, str]] = {}
    for key, pattern in _notes():
        match = pattern.search(text or "")
        if match is not None and key not in found:
            found[key] = match.groupdict()
    return found
