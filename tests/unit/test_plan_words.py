"""The words mapws writes into a plan's cells outside the sheet's frame — the buffer note at create,
replan's reasons in notes and History — are in the plan's language (issue 14, catalog ``plan.toml``)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from map_workspace import app
from map_workspace.backends.google.summary_files import summary_notice
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.plan_edits import plan_replan
from map_workspace.reading import read_plan
from map_workspace.sync import Settings

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
CHAMPION = Person("田中 太郎", "taro@acme.example")
BUYERS = {"buyer.decision_maker": Person("山本 花子", "hanako@acme.example"),
          "buyer.manager": Person("佐藤 一郎", "ichiro@acme.example")}


def _created(tmp_path, lang: str):
    request = app.CreateRequest("基幹システム刷新", date(2027, 2, 26), [CHAMPION],
                                [Person("Sam Rivera", "sam@seller.example")], roles=BUYERS,
                                template="ja-enterprise")
    config = Config(backend="local", dir=tmp_path, locale="ja_JP", timezone="Asia/Tokyo", today=NOW.date(),
                    language=lang)
    return app.build_new_plan(request, config, NOW.date(), NOW)


@pytest.mark.parametrize(("lang", "note"), [
    ("ja", "余裕：稟議のこのステップの前に"),
    ("en", "Buffer: "),
])
def test_the_buffer_note_is_in_the_plan_language(tmp_path, lang, note):
    created = _created(tmp_path, lang)
    draft = next(i for i in read_plan(created.snapshot).plan.items if i.activity == "稟議起案")
    assert draft.notes.startswith(note), draft.notes
    if lang == "ja":
        assert "営業日を確保しています" in draft.notes and "-" not in draft.notes  # 2026/11/20, not ISO


def test_a_japanese_replan_of_the_decision_writes_japanese_reasons(tmp_path):
    """The ringi chain laid out again from a later decision: every moved step's History row says why in
    Japanese (the chain's own reason, the board's meeting day), with no English left in it."""
    snapshot = _created(tmp_path, "ja").snapshot
    moved = plan_replan(snapshot, date(2026, 11, 2), now=NOW, settings=Settings(holidays=frozenset()),
                        decision=date(2027, 3, 26))
    due_rows = [h for h in moved.changes.history if h.field == "期限"]
    notes = [h.note for h in due_rows]
    assert notes and all(n.startswith("再計画：") for n in notes), notes
    assert any("決定日から稟議を組み直し" in n for n in notes), notes
    assert not [n for n in notes if re.search(r"[A-Za-z]{3,}", n)], notes
    english = plan_replan(_created(tmp_path / "en", "en").snapshot, date(2026, 11, 2), now=NOW,
                          settings=Settings(holidays=frozenset()), decision=date(2027, 3, 26))
    assert any(h.note.startswith("replanned: approval chain laid out again from the decision; slipped")
               for h in english.changes.history if h.field == "Due")
    assert "approval chain laid out again from the decision" in {m.reason for m in moved.moves}  # the rep's words


def test_drives_share_mail_for_the_summary_is_in_the_plan_language():
    assert summary_notice("Acme rollout").startswith("The one-page summary of Acme rollout: where the plan stands")
    japanese = summary_notice("基幹システム刷新", "ja")
    assert japanese.startswith("基幹システム刷新 の1ページのサマリー") and not re.search(r"[A-Za-z]{3,}", japanese)
