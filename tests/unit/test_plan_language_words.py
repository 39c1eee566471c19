"""A plan's notes, findings and History in its own language (issue 14): a plan whose meta records
``language = "ja"`` gets Japanese notes and History rows from the sync and from replan; History and
notes any language wrote are read back and replaced, never duplicated."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from map_workspace import app, catalog, history_words
from map_workspace.changes import HistoryEntry, apply_in_memory, edit_in_words, note_block
from map_workspace.config import Config
from map_workspace.domain.findings import placeholders
from map_workspace.domain.model import Person
from map_workspace.plan_edits import plan_replan
from map_workspace.sync import plan_sync
from tests.unit.snapshot_edit import SnapshotEditor

CREATED = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 4)


@pytest.fixture(scope="module")
def english():
    req = app.CreateRequest(
        "Acme rollout", date(2026, 6, 30),
        [Person.parse("Dana Tanaka <dana@acme.com>"), Person.parse("Lee Chen <lee@acme.com>")],
        [Person.parse("Sam Rivera <sam@seller.io>")],
    )
    return app.build_new_plan(req, Config(), CREATED, NOW).snapshot


def in_language(snapshot, lang):
    return replace(snapshot, meta={**snapshot.meta, "language": lang})


def sync(snapshot, today=TODAY):
    return plan_sync(snapshot, today, now=datetime(today.year, today.month, today.day, 9, tzinfo=UTC))


def bad_input(snapshot):
    """A buyer's edits: a group as owner, a date nobody can read, a status outside the list, a slip."""
    ed = SnapshotEditor(snapshot)
    ed.set("T-01", "owner", "IT team")
    ed.set("T-02", "due", "next-ish")
    ed.set("T-03", "status", "Someday")
    ed.set("T-04", "due", date(2026, 5, 29))
    ed.add_row(activity="Reference call", owner="Lee Chen", due=date(2026, 4, 10), status="Not started")
    return ed.snapshot


def notes_of(snapshot):
    ed = SnapshotEditor(snapshot)
    return {(item, key): note_block(ed.note(item, key)) for item, key in
            (("T-01", "owner"), ("T-02", "due"), ("T-03", "status"))}


def test_a_japanese_plan_gets_japanese_notes_findings_and_history_and_settles(english):
    result = sync(bad_input(in_language(english, "ja")))
    after = apply_in_memory(bad_input(in_language(english, "ja")), result.changes)
    notes = notes_of(after)
    assert notes[("T-01", "owner")] == ("担当者「IT team」はグループで、個人ではありません。"
                                        "関係者タブから、実際に進める人を1人決めてください"
                                        "（計画では売り手側の営業担当を想定しています）。",)
    assert notes[("T-02", "due")][0].startswith("期限「next-ish」は日付として読めないため、入力のまま残しています。")
    assert notes[("T-03", "status")][0].startswith("状況「Someday」は 未着手・進行中・完了・ブロック・対象外")
    group = next(f for f in result.findings if f.code == "owner.group")
    assert group.message.startswith("担当者「IT team」") and group.as_json()["code"] == "owner.group"
    rows = {(h.id, h.field): h for h in result.changes.history}
    assert rows[("T-04", "期限")].note.endswith("営業日遅れ（1回目の遅れ）")
    assert rows[("T-04", "期限")].from_ and rows[("T-04", "期限")].to == "2026-05-29"  # dates kept as dates
    added = next(h for h in result.changes.history if h.field == "行")
    assert added.note == "行を追加" and added.to == "Reference call"
    assert sync(after).changes.is_empty, sync(after).changes.describe()


def test_an_english_plan_is_worded_as_before(english):
    result = sync(bad_input(english))
    after = apply_in_memory(bad_input(english), result.changes)
    assert notes_of(after)[("T-01", "owner")] == (
        "Owner 'IT team' is a group, not a person. Name one person from the Stakeholders tab who will make it "
        "happen (the plan suggests the seller's AE).",)
    rows = {(h.id, h.field): h for h in result.changes.history}
    assert rows[("T-04", "Due")].note == "slipped 52 business day(s) (slip 1)"
    assert any(h.field == "Row" and h.note == "new row added" for h in result.changes.history)


def test_notes_written_in_english_are_replaced_when_the_plan_turns_japanese(english):
    first = sync(bad_input(english))
    noted = apply_in_memory(bad_input(english), first.changes)
    assert notes_of(noted)[("T-01", "owner")][0].startswith("Owner 'IT team'")
    ed = SnapshotEditor(noted)
    ed.note("T-01", "owner", ed.note("T-01", "owner").replace("[mapws]", "Dana: ask IT who\n[mapws]", 1))
    turned = in_language(ed.snapshot, "ja")
    second = sync(turned)
    after = apply_in_memory(turned, second.changes)
    block = notes_of(after)[("T-01", "owner")]
    assert len(block) == 1 and block[0].startswith("担当者「IT team」")  # replaced, not added beside
    assert SnapshotEditor(after).note("T-01", "owner").startswith("Dana: ask IT who")  # the buyer's words kept
    assert not [h for h in second.changes.history if h.field in ("行", "Row")]  # nothing logged twice
    assert sync(after).changes.is_empty


def test_history_written_in_either_language_is_read_back_in_the_plans_language():
    japanese = HistoryEntry("2026-03-04T09:00:00+00:00", "T-04", "期限", "2026-05-08", "2026-05-29",
                            "15営業日遅れ（2回目の遅れ）")
    english = HistoryEntry("2026-03-04T09:00:00+00:00", "T-04", "Due", "2026-05-08", "2026-05-29",
                           "replanned: new due date; slipped 15 business day(s) (slip 2)")
    assert edit_in_words(japanese, "Security review") == (
        "T-04 Security review: due moved 2026-05-08 → 2026-05-29 (slip 2)")
    assert edit_in_words(english, "Security review", "ja") == (
        "T-04 Security review: 期限 2026-05-08 → 2026-05-29（2回目の遅れ）")
    done = HistoryEntry("w", "T-01", "状況", "進行中", "完了")
    assert edit_in_words(done, "Kickoff") == "T-01 Kickoff: done"
    assert edit_in_words(done, "Kickoff", "ja") == "T-01 Kickoff: 完了"
    added = HistoryEntry("w", "T-09", "Row", "", "Reference call", "new row added")
    assert edit_in_words(added, "Reference call", "ja") == "T-09 Reference call: 追加"
    undone = HistoryEntry("w", "T-02", "基準日", "2026-01-01", "2026-04-01",
                          "同期が管理するセルへの編集を元に戻しました")
    assert edit_in_words(undone) == "T-02: Baseline edit undone ('2026-01-01' → 2026-04-01): mapws keeps this cell"


def test_replan_logs_its_reasons_in_the_plans_language(english):
    snapshot = in_language(english, "ja")
    moved = plan_replan(snapshot, TODAY, item_id="T-02", due=date(2026, 5, 29))
    due_rows = [h for h in moved.changes.history if h.field == "期限"]
    assert due_rows and due_rows[0].id == "T-02"
    assert due_rows[0].note.startswith("再計画：新しい期限；") and "回目の遅れ" in due_rows[0].note
    followers = [h for h in due_rows[1:]]
    assert all(h.note.startswith("再計画：") and "新しい期限 " in h.note for h in followers)
    english_moved = plan_replan(english, TODAY, item_id="T-02", due=date(2026, 5, 29))
    assert [h.note for h in english_moved.changes.history if h.field == "Due"][0].startswith(
        "replanned: new due date; slipped")


def test_the_agenda_reads_a_japanese_history_as_it_reads_an_english_one(english):
    snapshot = in_language(english, "ja")
    ed = SnapshotEditor(snapshot)
    ed.set("T-01", "status", "Done")
    ed.set("T-01", "done_on", TODAY)
    result = sync(ed.snapshot)
    after = apply_in_memory(ed.snapshot, result.changes)
    assert [(h.field, h.from_, h.to) for h in result.changes.history if h.id == "T-01"] == [("状況", "未着手", "完了")]
    changes = [c for c in app.history_in_words(after, result.plan) if c.id == "T-01"]
    assert [(c.field, c.after) for c in changes] == [("Status", "Done")]  # as the agenda reasons with it
    assert changes[0].words.endswith(": 完了")


@pytest.mark.parametrize("lang", [lang for lang in catalog.languages() if lang != catalog.DEFAULT])
@pytest.mark.parametrize("section", ["fields", "notes", "values", "statuses", "said"])
def test_every_history_word_has_its_own_translation_with_the_same_values(lang, section):
    english = catalog.words(catalog.DEFAULT).table(f"history.{section}")
    theirs = catalog.words(lang)._tree["history"][section]
    assert set(theirs) == set(english), f"catalogs/{lang}/history.toml [{section}]"
    for key, text in english.items():
        assert placeholders(theirs[key]) == placeholders(text), (section, key)


def test_the_recognisers_tell_every_note_apart_in_every_language():
    for lang in catalog.languages():
        for key in ("new_row", "new_risk", "row_restored", "undone", "undone_id", "moved_earlier"):
            assert key in history_words.notes_in(history_words.note(key, lang)), (lang, key)
        slipped = history_words.note("slipped", lang, days=3, slips=2)
        assert history_words.notes_in(slipped)["slipped"]["slips"] == "2"
        assert history_words.field_key(history_words.field("due", lang)) == "due"
        assert history_words.status_key(history_words.status("Done", lang)) == "Done"
