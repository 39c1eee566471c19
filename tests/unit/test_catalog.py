"""The message catalogs: a language falls back to English key by key, and every key a language has,
English has too (a key only Japanese knows would be a typo)."""

from __future__ import annotations

import pytest

from map_workspace import catalog


def _keys(node: object, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return {prefix}
    return {key for name, child in node.items() for key in _keys(child, f"{prefix}.{name}" if prefix else name)}


def test_languages_are_found_from_the_catalog_folders():
    assert catalog.languages()[0] == "en"
    assert "ja" in catalog.languages()


@pytest.mark.parametrize(
    ("locale", "configured", "expected"),
    [
        ("ja_JP", None, "ja"),
        ("en_US", None, "en"),
        ("en_US", "ja", "ja"),
        ("ja_JP", "en", "en"),
        ("de_DE", None, "en"),
        ("ja-jp", "xx", "ja"),
    ],
)
def test_a_plan_language_comes_from_the_setting_else_the_locale(locale, configured, expected):
    assert catalog.language_of(locale, configured) == expected


def test_a_plan_without_a_recorded_language_was_written_in_english():
    assert catalog.plan_language({"locale": "ja_JP"}) == "en"
    assert catalog.plan_language({"locale": "ja_JP", "language": "ja"}) == "ja"


def test_a_missing_key_falls_back_to_english_and_an_unknown_one_raises():
    assert catalog.words("ja")("language.name") == "日本語"
    assert catalog.words("xx")("language.name") == "English"
    with pytest.raises(KeyError, match="catalogs/en"):
        catalog.words("ja")("no.such.key")


@pytest.mark.parametrize("lang", [lang for lang in catalog.languages() if lang != "en"])
def test_every_key_of_a_language_exists_in_english(lang):
    ours = catalog.words(lang)._tree
    english = catalog.words("en")._tree
    assert _keys(ours) - _keys(english) == set()


LAZY = """
import json, sys
from map_workspace import catalog
on_import = [m for m in ("tomllib", "importlib.resources") if m in sys.modules]
opened = []
import tomllib
loads = tomllib.loads
tomllib.loads = lambda text: opened.append(text[:0]) or loads(text)
words = catalog.words("ja")
before = len(opened)
name = words("language.name"), catalog.words("ja")("language.name"), catalog.words("en")("language.name")
print(json.dumps({"on_import": on_import, "before_a_key": before, "after": len(opened)}))
"""


def test_catalogs_load_lazily_one_part_file_once_per_language():
    """Importing the module parses nothing (a command's start-up); a language's catalog reads a part
    file when one of its keys is first needed, and only that part, once per process."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["on_import"] == []
    assert seen["before_a_key"] == 0
    assert seen["after"] == 2  # language.toml of ja and of en (its fallback), each once, and no other part
