"""The sheet in a plan's language (issue 14): tabs, headers, dropdown choices, the words the live
formulas test and show, from the catalogs (map_workspace/catalogs/<lang>/sheet.toml). English plans
are written as before, byte for byte; a reader accepts every language in any plan."""

from __future__ import annotations

from datetime import date

import pytest

from map_workspace import catalog
from map_workspace.domain import parsing
from map_workspace.domain.model import ItemType, Level, RiskStatus, Side, Status
from map_workspace.domain.thresholds import Thresholds
from map_workspace.domain.vocabulary import word_of
from map_workspace.formulas import (
    PlanColumns,
    colour_rules,
    flag_formula,
    is_colour_rule_formula,
    progress_formula,
    sheet_ref,
)
from map_workspace.layout import (
    PLAN,
    TABLE_TABS,
    TABS,
    Cell,
    Grid,
    header_names,
    normalise_header,
    spec_in,
    tab_of_title,
    tab_title,
)
from map_workspace.reading import find_table


def test_an_english_tab_is_the_contract_as_before():
    for name in TABLE_TABS:
        assert spec_in(name, "en").columns == TABLE_TABS[name].columns, name
        assert spec_in(name, "en").title == name


def test_a_japanese_plan_tab_has_the_issue_s_headers_and_marks_the_product_s_columns():
    spec = spec_in(PLAN, "ja")
    assert spec.title == "計画"
    assert [c.header for c in spec.columns] == ["ID", "種別", "項目", "担当側", "担当者", "期限", "状況", "前提",
                                                "完了日", "メモ", "基準日", "遅延回数", "フラグ"]
    assert spec.column("flag").title == "フラグ（自動）"
    assert spec.column("status").choices == ("未着手", "進行中", "完了", "保留", "ブロック", "対象外")
    assert [tab_title(t, "ja") for t in TABS[:-1]] == ["概要", "計画", "関係者", "リスク", "定例", "履歴"]
    assert tab_title("_mapws", "ja") == "_mapws"  # the hidden state tab is the product's own


@pytest.mark.parametrize("title", ["計画", "Plan", " plan "])
def test_a_tab_is_known_by_its_name_in_any_language(title):
    assert tab_of_title(title) == PLAN


def test_headers_match_in_any_language_and_either_sync_mark():
    assert normalise_header("フラグ（自動）") == normalise_header("フラグ(自動)") == "フラグ"
    assert header_names(PLAN)["状況"] == ("status",) and header_names(PLAN)["status"][0] == "status"
    mixed = Grid("計画", ((Cell("ID (auto)"), Cell("項目"), Cell("Due"), Cell("状況（自動）")),))
    assert find_table(mixed, TABLE_TABS[PLAN]).columns == {"id": 0, "activity": 1, "due": 2, "status": 3}


@pytest.mark.parametrize(
    ("text", "status"),
    [("完了", Status.DONE), ("済", Status.DONE), ("Done", Status.DONE), ("進行中", Status.IN_PROGRESS),
     ("未着手", Status.NOT_STARTED), ("保留", Status.BLOCKED), ("ブロック", Status.BLOCKED), ("対象外", Status.NA),
     ("該当なし", Status.NA), ("In progress", Status.IN_PROGRESS)],
)
def test_a_status_is_read_in_either_language(text, status):
    assert parsing.parse_status(text) is status


def test_every_dropdown_word_reads_back_as_the_value_it_stands_for():
    for lang in catalog.languages():
        for value in (*Status, *ItemType, *Side, *Level, *RiskStatus):
            word = word_of(value, lang)
            parse = {Status: parsing.parse_status, ItemType: parsing.parse_item_type, Side: parsing.parse_side,
                     Level: parsing.parse_level, RiskStatus: parsing.parse_risk_status}[type(value)]
            assert parse(word) is value, (lang, value, word)
        for name in TABLE_TABS:
            for column in spec_in(name, lang).columns:
                assert len(column.choices) == len(set(column.choices)), (lang, name, column.key)


def test_an_english_plan_s_formulas_are_written_as_before():
    cols = PlanColumns()
    progress = progress_formula(cols)
    assert progress.startswith('=(COUNTIF(Plan!G2:G500,"done")+') and '&" of "&' in progress
    assert progress.endswith('*100,0))&"%"')
    flag = flag_formula(5, cols, "Needs owner", thresholds=Thresholds())
    assert '"Stalled","Overdue"' in flag and flag.endswith('&" · Needs owner")')
    assert "完了" in flag  # as before: 済 and 完了 were Done in English plans already
    assert "対象外" not in flag  # the Japanese N/A words are a Japanese plan's


def test_a_japanese_plan_s_formulas_say_japanese_and_count_both_languages():
    cols = PlanColumns(tab="計画", lang="ja")
    progress = progress_formula(cols)
    assert "'計画'!G2:G500" in progress and '&"件中"&' in progress and '&"件完了 · "&' in progress
    assert progress.index('"件中"') < progress.index('"件完了 · "')  # 18件中12件完了: the total first
    flag = flag_formula(5, cols, "担当者未定", thresholds=Thresholds())
    assert '"停滞","期限超過"' in flag and '"期限間近"' in flag and flag.endswith('&"・担当者未定")')
    assert 'G5="done"' in flag and 'G5="完了"' in flag and 'G5="対象外"' in flag
    for rule in colour_rules(cols, Thresholds(stalled_after_days=9, due_soon_days=4)):
        assert is_colour_rule_formula(rule.formula), rule.name  # recognised as the product's own


def test_a_non_ascii_tab_is_quoted_in_a_reference():
    assert sheet_ref("Plan") == "Plan" and sheet_ref("計画") == "'計画'"


def test_every_language_has_the_sheet_s_words():
    for lang in catalog.languages():
        words = catalog.words(lang)
        assert words("sheet.progress", done=12, total=18, percent=67)
        assert words.get("sheet.date_format")
    assert catalog.words("ja")("sheet.progress", done=12, total=18, percent=67) == "18件中12件完了 · 67%"
    assert date(2026, 5, 15).strftime(catalog.words("ja")("sheet.date_format").replace("yyyy", "%Y")
                                      .replace("mm", "%m").replace("dd", "%d")) == "2026/05/15"


def test_a_plan_made_before_languages_stays_english_whatever_its_locale():
    """No ``language`` in its meta (a ja_JP plan created before plans had languages): its sheet was
    written in English, and the sync keeps writing English into it."""
    from map_workspace.changes import apply_in_memory
    from map_workspace.render import render_plan
    from map_workspace.sync import plan_sync
    from tests.support.plans import meta_for, small_plan, state_for

    plan = small_plan()
    snapshot = render_plan(plan, state_for(plan), {**meta_for(plan), "locale": "ja_JP"})
    assert catalog.META_LANGUAGE not in snapshot.meta
    assert snapshot.tabs[PLAN].title == "Plan" and snapshot.tabs[PLAN].rows[0][6].text == "Status"
    today = date(2026, 5, 12)
    first = plan_sync(snapshot, today)
    written = " ".join(w.formula or str(w.value or "") for w in first.changes.cells)
    assert "Needs owner" in written and '"Overdue"' in written
    assert not [w for w in ("期限超過", "担当者未定", "件中", "順調", "要注意", "遅延") if w in written], written
    again = plan_sync(apply_in_memory(snapshot, first.changes), today)
    assert again.changes.is_empty or not again.changes.cells


def test_a_japanese_plan_s_structural_stop_names_its_tab_and_header_as_the_sheet_shows_them():
    from dataclasses import replace

    from map_workspace.errors import StructuralBreak
    from map_workspace.reading import read_plan
    from map_workspace.render import render_plan
    from tests.support.plans import meta_for, small_plan, state_for

    plan = small_plan()
    snapshot = render_plan(plan, state_for(plan), {**meta_for(plan), "language": "ja"})
    grid = snapshot.tabs[PLAN]
    header = (Cell("番号"), *grid.rows[0][1:])
    broken = replace(snapshot, tabs={**snapshot.tabs, PLAN: Grid(grid.title, (header, *grid.rows[1:]))})
    with pytest.raises(StructuralBreak) as stop:
        read_plan(broken)
    assert "the 計画 tab has no 'ID（自動）' column" in stop.value.message
    gone = replace(snapshot, tabs={k: v for k, v in snapshot.tabs.items() if k != PLAN})
    with pytest.raises(StructuralBreak, match="the 計画 tab is missing") as stop:
        read_plan(gone)
    assert "Restore the tab named '計画'" in stop.value.hint
