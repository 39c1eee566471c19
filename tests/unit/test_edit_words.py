""""What changed" in words: each History row the sync logs, as the terminal and --json say it (issue 9.3)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from map_workspace import app
from map_workspace.changes import HistoryEntry, apply_in_memory, edit_in_words
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.sync import plan_sync
from tests.unit.snapshot_edit import SnapshotEditor

CREATED = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def created():
    req = app.CreateRequest("Acme rollout", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")])
    new = app.build_new_plan(req, Config(), CREATED, NOW)
    return new.snapshot, new.plan


def said(snapshot):
    result = plan_sync(snapshot, CREATED, now=NOW)
    named = {i.id: i.activity for i in result.plan.items}
    return [edit_in_words(h, (h.to or h.from_) if h.field == "Row" else named.get(h.id, ""))
            for h in result.changes.history], apply_in_memory(snapshot, result.changes)


def test_each_kind_of_edit_is_said_in_words(created):
    snapshot, plan = created
    ms = next(i for i in plan.items if i.is_milestone and i.due and i.due > CREATED + timedelta(days=30))
    t1, t2, last = plan.items[0], plan.items[1], plan.items[-1]
    t3 = next(i for i in plan.items[2:] if i.id != ms.id)
    ed = SnapshotEditor(snapshot)
    ed.set(ms.id, "due", ms.due + timedelta(days=7))
    ed.set(t1.id, "status", "complete")
    ed.set(t2.id, "status", "Blocked")
    ed.set(t2.id, "owner", "Lee Chen")
    ed.set(t3.id, "slips", 9)
    ed.delete(last.id)
    ed.add_row(activity="Reference call", owner="Dana Tanaka", due=date(2026, 4, 1))
    lines, after = said(ed.snapshot)
    later = ms.due + timedelta(days=7)
    assert f"{ms.id} {ms.activity}: due moved {ms.due} → {later} (slip 1)" in lines
    assert f"{t1.id} {t1.activity}: done" in lines
    assert f"{t2.id} {t2.activity}: status Not started → Blocked" in lines
    assert f"{t2.id} {t2.activity}: owner {t2.owner} → Lee Chen" in lines or (
        not t2.owner and f"{t2.id} {t2.activity}: owner set to Lee Chen" in lines)
    assert f"{t3.id} {t3.activity}: Slips edit undone ('9' → 0): mapws keeps this cell" in lines
    assert f"{last.id} {last.activity}: deleted" in lines
    assert any(line.endswith(" Reference call: added") for line in lines)
    ed = SnapshotEditor(after)
    ed.set(ms.id, "due", ms.due)
    lines, _ = said(ed.snapshot)
    assert lines == [f"{ms.id} {ms.activity}: due moved {later} → {ms.due} (earlier)"]


def test_an_edit_the_words_do_not_know_is_still_said():
    entry = HistoryEntry("2026-03-02T09:00:00+00:00", "", "Target decision date", "2027-02-26", "2027-03-12",
                         "moved by the buyer")
    assert edit_in_words(entry) == "Overview: Target decision date 2027-02-26 → 2027-03-12 (moved by the buyer)"
