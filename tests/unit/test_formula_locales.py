"""Formulas in a spreadsheet's locale (issue 10, item 5): the semicolon locales write ";" between
arguments and "," for decimals; the product writes and compares its own formulas in the comma
syntax and recognises them, and its colour rules, in either."""

from __future__ import annotations

import pytest

from map_workspace.domain.thresholds import Thresholds
from map_workspace.formulas import (
    PlanColumns,
    canonical_formula,
    colour_rules,
    flag_formula,
    from_locale_syntax,
    is_colour_rule_formula,
    progress_formula,
    to_locale_syntax,
)
from map_workspace.locales import is_sheets_locale, normalise_locale, sheets_time_zone, uses_semicolons

FORMULA = '=IF(AND($C2<>"",\'My, tab\'!F2<TODAY()),"late, very",ROUND(1.5*F2,0))'


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de_DE", '=IF(AND($C2<>"";\'My, tab\'!F2<TODAY());"late, very";ROUND(1,5*F2;0))'),
        ("fr_FR", '=IF(AND($C2<>"";\'My, tab\'!F2<TODAY());"late, very";ROUND(1,5*F2;0))'),
        ("ja_JP", FORMULA),
        ("en_US", FORMULA),
    ],
)
def test_formulas_round_trip_through_each_locale(locale, expected):
    written = to_locale_syntax(FORMULA, locale)
    assert written == expected  # literals and quoted tab names untouched
    assert from_locale_syntax(written, locale) == FORMULA


def test_the_products_formulas_and_rules_are_recognised_in_either_separator():
    cols, thresholds = PlanColumns(), Thresholds()
    for rule in colour_rules(cols, thresholds):
        for locale in ("de_DE", "fr_FR", "ja_JP", "en_US"):
            assert is_colour_rule_formula("=" + to_locale_syntax(rule.formula, locale))
    for formula in (flag_formula(5, cols, "Needs owner", thresholds=thresholds), progress_formula(cols)):
        semicolons = to_locale_syntax(formula, "de_DE")
        assert semicolons != formula and canonical_formula(semicolons) == canonical_formula(formula)
        # read back from a spreadsheet whose locale is filed wrongly here: still the same formula
        assert from_locale_syntax(semicolons, "en_US") == formula


def test_locales_and_zones():
    assert [uses_semicolons(x) for x in ("de_DE", "fr_FR", "pt_BR", "ja_JP", "en_US", "en_GB", "de")] == [
        True,
        True,
        True,
        False,
        False,
        False,
        True,
    ]
    assert (normalise_locale("de-de"), normalise_locale("en_GB.UTF-8"), normalise_locale("ja")) == (
        "de_DE",
        "en_GB",
        "ja",
    )
    assert is_sheets_locale("ja_JP") and not is_sheets_locale("xx_YY")
    assert (sheets_time_zone("UTC"), sheets_time_zone("Etc/UTC"), sheets_time_zone("Europe/Berlin")) == (
        "Etc/GMT",
        "Etc/GMT",
        "Europe/Berlin",
    )
