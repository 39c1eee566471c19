"""Findings worded from the catalogs: every code and variant has its words in every language, saying
every value English says, and a finding made in one language can be said in another (its code unchanged)."""

from __future__ import annotations

from datetime import date

import pytest

from map_workspace import catalog
from map_workspace.domain.findings import RULES, Finding, business_days, example, placeholders, role_words, wording

OTHER_LANGUAGES = [lang for lang in catalog.languages() if lang != catalog.DEFAULT]
WORDINGS = [(code, variant) for code, rule in RULES.items() for variant in ("", *rule.variants)]


def test_japanese_has_a_catalog():
    assert "ja" in OTHER_LANGUAGES


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize(("code", "variant"), WORDINGS)
def test_every_code_and_variant_has_its_own_words_with_the_same_values(lang, code, variant):
    key = f"findings.{code}"
    tree = catalog.words(lang)._tree.get("findings", {})
    for part in code.split("."):
        tree = tree.get(part, {})
    assert "message" in tree, f"{key} has no message in catalogs/{lang}/findings.toml"
    english = wording(catalog.DEFAULT, code, variant)
    theirs = wording(lang, code, variant)
    assert theirs != english, f"{key} {variant!r} is not translated into {lang}"
    # Every value English says, and nothing a rule does not pass (a language may say more: the due date).
    said, passed = placeholders(theirs[0] + theirs[1]), placeholders(english[0] + english[1])
    rule = RULES[code]
    data = {"id", "field", "tab", *rule.example, *(rule.variants[variant].example if variant else {})}
    assert passed <= said <= passed | data, (code, variant, said ^ passed)


@pytest.mark.parametrize(("code", "variant"), WORDINGS)
def test_every_example_is_worded_in_japanese_politely_without_leftovers(code, variant):
    f = example(RULES[code], variant, "ja")
    english = example(RULES[code], variant)
    assert (f.code, f.severity, f.tab, f.field, f.id) == (english.code, english.severity, english.tab,
                                                          english.field, english.id)
    assert f.message.endswith("。") and "{" not in f.message + f.hint
    assert any(ending in f.message for ending in ("ます", "です", "ません", "ました")), f.message
    if f.hint:
        assert "{" not in f.hint and any(ending in f.hint for ending in ("ください", "ます", "です", "mapws"))
    if english.id and english.id in english.message:  # IDs are kept
        assert f.id in f.message


def test_a_japanese_finding_keeps_ids_and_writes_dates_the_japanese_way():
    f = Finding.of("item.overdue", id="T-03", late=4, due=date(2026, 5, 15), lang="ja")
    assert f.message == "T-03 は期限（2026/05/15）を4日過ぎています。"
    assert f.code == "item.overdue" and f.lang == "ja"
    moved = Finding.of("decision.target_moved", old="2027-02-26", new="2027-02-12", items=("T-20", "T-21"),
                       count=2, lang="ja")
    assert "2027/02/26" in moved.message and "T-20、T-21" in moved.message and "2027/02/12" in moved.hint
    typed = Finding.of("date.unparseable", id="T-04", text="2026-02-30", forms="2026/05/15", lang="ja")
    assert "「2026-02-30」" in typed.message  # what someone typed is quoted as typed


def test_a_finding_is_worded_again_in_another_language_and_back():
    english = Finding.of("owner.group", id="T-04", owner="Legal", suggest=("buyer.it_lead", "Ken Sato"))
    japanese = english.worded("ja")
    assert japanese.message == "担当者「Legal」はグループで、個人ではありません。"
    assert japanese.hint == ("関係者タブから、実際に進める人を1人決めてください"
                             "（計画では買い手側のIT責任者のKen Satoさんを想定しています）。")
    assert japanese.as_json()["code"] == english.as_json()["code"] == "owner.group"
    assert japanese.worded("en").message == english.message == "Owner 'Legal' is a group, not a person."
    assert japanese.worded("en").hint == english.hint


def test_a_finding_taken_as_worded_is_kept_as_it_is():
    remembered = Finding.from_json(Finding.of("dep.self", id="T-03").as_json())
    assert remembered.worded("ja").message == "T-03 depends on itself."


def test_phrases_come_from_the_catalog():
    assert business_days(1) == "1 business day" and business_days(3) == "3 business days"
    assert business_days(3, "ja") == "3営業日"
    assert role_words("buyer.it_lead") == "buyer's IT lead"
    assert role_words("seller.solutions_vp") == "seller's solutions VP"  # not listed: said from its words
    assert role_words("buyer.cfo", "ja") == "買い手側のCFO"
    subject = Finding.of("owner.missing", suggest=("", ""), lang="ja")
    assert subject.message == "この項目に担当者がいません。"


def test_said_of_item_drops_the_subject_in_each_language():
    f = Finding.of("dep.self", id="T-03")
    assert f.said_of_item == "depends on itself"
    assert f.worded("ja").said_of_item == "自分自身を前提にしています"
    unknown = Finding.of("availability.unreadable", person="Priya Shah", text="soon", lang="ja")
    assert unknown.said_of_item.startswith("Priya Shahさん")  # no capital lowered in Japanese


def test_words_a_rule_passes_in_english_are_said_in_japanese():
    closed = Finding.of("schedule.decision_closed", day="Sat 2027-02-27", why="a Saturday", lang="ja")
    assert closed.message == "決定日 2027/02/27（土）は土曜日ですが、指定どおりにしています。"
    holiday = Finding.of("schedule.decision_closed", day="Tue 2027-02-23", why="a holiday (天皇誕生日)")
    assert holiday.worded("ja").message.startswith("決定日 2027/02/23（火）は祝日（天皇誕生日）")
    forms = "2026-05-15, 2026/5/15, 2026年5月15日 or 令和8年5月15日"
    assert Finding.of("date.missing", id="T-01", forms=forms).hint.endswith(f"write it as {forms}.")
    assert Finding.of("date.missing", id="T-01", forms=forms, lang="ja").hint == (
        "担当者と期限を決め、2026-05-15、2026/5/15、2026年5月15日、または令和8年5月15日 "
        "のいずれかの形で書いてください。")
    kind = Finding.of("type.unknown", id="T-01", text="Epic", read_as="Task", lang="ja")
    assert "タスクとして読みました" in kind.message
    started = Finding.of("dep.started_early", id="T-11", status="In progress", dep="T-01", lang="ja")
    assert started.message.startswith("T-11 は「進行中」ですが")
