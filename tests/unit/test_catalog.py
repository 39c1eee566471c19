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
