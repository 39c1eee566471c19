"""``mapws checkin`` and ``mapws calendar`` as services, on every backend of the contract suite:
the agenda from the History and the plan, the Check-ins row it appends (read back by its headers),
the summary citing it, and the calendar file parsed back with icalendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from map_workspace import app
from map_workspace.changes import CellWrite, ChangeSet
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import CHECKINS, CHECKINS_TAB, PLAN, PLAN_TAB
from map_workspace.reading import find_table, read_plan
from map_workspace.summary import build_summary
from map_workspace.sync import plan_sync
from tests.backends.test_contract import BACKENDS, TODAY, new_plan


@pytest.fixture(params=sorted(BACKENDS))
def store(request, tmp_path):
    return BACKENDS[request.param](tmp_path)


def _config(tmp_path, day: date) -> Config:
    return Config(today=day, state=str(tmp_path / "state.db"))


def _buyer_edits(store, ref, edits: dict[tuple[str, str], object]) -> None:
    """Type into the Plan tab as a buyer would: (item ID, column key) → value."""
    snapshot = store.read(ref)
    table = find_table(snapshot.tabs[PLAN], PLAN_TAB)
    rows = {table.text(row, "id"): sheet_row for sheet_row, row in table.data()}
    cells = tuple(CellWrite(PLAN, rows[item], table.columns[key], value) for (item, key), value in edits.items())
    store.apply(ref, snapshot, ChangeSet(cells=cells))


def _checkin_rows(store, ref):
    grid = store.read(ref).tabs[CHECKINS]
    table = find_table(grid, CHECKINS_TAB)
    return table, [row for _, row in table.data()]


def test_checkin_writes_the_agenda_and_a_checkins_row_then_the_next_one_starts_from_it(store, tmp_path):
    ref, _, plan = new_plan(store)
    first = TODAY + timedelta(days=1)
    earlier = app.run_checkin(store, ref.id, _config(tmp_path, first), notes="Kick-off booked")
    table, rows = _checkin_rows(store, ref)
    assert len(rows) == 1
    assert table.get(rows[0], "date").value in (first, first.isoformat()) or table.text(rows[0], "date") == \
        first.isoformat()
    assert table.text(rows[0], "notes") == "Kick-off booked"
    assert table.text(rows[0], "next") == (first + timedelta(days=7)).isoformat()  # "Weekly, 30 minutes"
    assert table.text(rows[0], "agenda")

    # A week of buyer edits: T-01 done, T-02 moved a week later; the sync logs them in History.
    t02 = plan.item("T-02")
    assert t02 is not None and t02.due is not None
    moved = t02.due + timedelta(days=7)
    week = first + timedelta(days=7)
    _buyer_edits(store, ref, {("T-01", "status"): "Done", ("T-01", "done_on"): week - timedelta(days=1),
                              ("T-02", "due"): moved})
    app.sync_plan(store, ref.id, _config(tmp_path, week))

    result = app.run_checkin(store, ref.id, _config(tmp_path, week))
    agenda = result.as_json()["agenda"]
    assert result.as_json()["checkin"] == {"date": week.isoformat(), "next": (week + timedelta(days=7)).isoformat(),
                                           "last": first.isoformat()}
    words = [c["words"] for c in agenda["changed"]]
    assert any(w.startswith("T-01 ") and w.endswith(": done") for w in words), words
    assert any(w.startswith("T-02 ") and f"due moved {t02.due.isoformat()} → {moved.isoformat()}" in w for w in words)
    assert [d["id"] for d in agenda["done"]] == ["T-01"]
    slipped = {s["id"]: s["days"] for s in agenda["slipped"]}
    assert slipped.get("T-02") == 7
    assert all(i["owner"] == "" or i["id"] for i in agenda["needs_owner"])
    assert "T-03" in [i["id"] for i in agenda["needs_owner"]]  # the template's unassigned role
    assert len(agenda["risks"]) == 3
    assert result.document and result.url
    # Each check-in has a document of its own, and the plan's summary stays a third one.
    summary = app.write_summary(store, ref.id, _config(tmp_path, week))
    assert len({earlier.document, result.document, summary.document}) == 3

    table, rows = _checkin_rows(store, ref)
    assert len(rows) == 2
    assert table.text(rows[1], "done_since_last") == "T-01"
    assert "T-02 +7d" in table.text(rows[1], "timeline_changes")

    # The summary cites the last check-in and the next one.
    read = plan_sync(store.read(ref), week + timedelta(days=1))
    doc = build_summary(read.plan, read.assessment, week + timedelta(days=1))
    facts = dict(doc.section("where").facts)
    assert facts["Last check-in"].startswith(f"{week.strftime('%a')} {week.day} ")
    assert "next" in facts["Last check-in"]


def test_checkin_dry_run_and_markdown_write_nothing(store, tmp_path):
    ref, _, _ = new_plan(store)
    before = store.read(ref)
    result = app.run_checkin(store, ref.id, _config(tmp_path, TODAY), dry_run=True, markdown=True)
    assert result.markdown.startswith("# Check-in — Acme rollout — ")
    assert "## Needs an owner" in result.markdown
    assert result.as_json()["dry_run"] is True
    assert any(c["field"] == "next" for c in result.as_json()["changes"])
    assert not result.document
    assert read_plan(store.read(ref)).plan.checkins == read_plan(before).plan.checkins


def test_calendar_has_stable_uids_and_raises_sequence_when_a_date_moves(store, tmp_path):
    ref, _, plan = new_plan(store)
    out = tmp_path / "acme.ics"
    first = app.write_calendar(store, ref.id, _config(tmp_path, TODAY), output=out)
    cal = Calendar.from_ical(out.read_bytes())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    milestones = [i for i in plan.items if i.is_milestone and i.due]
    assert len([u for u in events if "-checkin-" not in u]) == len(milestones)
    assert len([u for u in events if "-checkin-" in u]) == app.CALENDAR_CHECKINS
    m01 = next(e for e in events.values() if str(e["UID"]).endswith("-M-01@mapws"))
    m01_item = plan.item("M-01")
    assert m01_item is not None
    assert m01.decoded("DTSTART") == m01_item.due  # an all-day date, not a time
    assert m01.decoded("DTEND") == m01_item.due + timedelta(days=1)
    assert int(m01["SEQUENCE"]) == 0
    assert ref.url in str(m01["DESCRIPTION"])
    attendees = [str(a) for a in (m01.get("ATTENDEE") if isinstance(m01.get("ATTENDEE"), list)
                                  else [m01.get("ATTENDEE")]) if a]
    assert "mailto:dana@acme.com" in attendees  # M-01's owner is the buyer champion
    assert first.as_json()["calendar"] == str(out.resolve())

    # Same dates again: same UIDs, same SEQUENCE. Move M-01: only its SEQUENCE goes up.
    app.write_calendar(store, ref.id, _config(tmp_path, TODAY), output=out)
    again = {str(e["UID"]): int(e["SEQUENCE"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert set(again) == set(events) and set(again.values()) == {0}
    _buyer_edits(store, ref, {("M-01", "due"): m01_item.due + timedelta(days=3)})
    app.write_calendar(store, ref.id, _config(tmp_path, TODAY), output=out)
    moved = {str(e["UID"]): int(e["SEQUENCE"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert moved[str(m01["UID"])] == 1
    assert sum(moved.values()) == 1


def test_checkin_on_an_older_plan_adds_the_missing_checkins_headers(store, tmp_path):
    """A plan made before the Check-ins tab had Agenda, Notes and Next check-in: the headers are
    added after the last one the buyer has, and the row is filled in under them."""
    from dataclasses import replace

    from map_workspace.layout import Grid
    from tests.backends.test_contract import NOW

    req = app.CreateRequest("Old plan", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")], [])
    new = app.build_new_plan(req, Config(), TODAY, NOW)
    grid = new.snapshot.tabs[CHECKINS]
    old = Grid(grid.title, tuple(row[:5] for row in grid.rows))
    snapshot = replace(new.snapshot, tabs={**new.snapshot.tabs, CHECKINS: old})
    ref = store.create(snapshot, slug=new.plan.slug, title="Old plan")
    assert "next" not in find_table(store.read(ref).tabs[CHECKINS], CHECKINS_TAB).columns

    app.run_checkin(store, ref.id, _config(tmp_path, TODAY), notes="Old but fine")
    table, rows = _checkin_rows(store, ref)
    assert [table.columns[k] for k in ("agenda", "notes", "next")] == [5, 6, 7]
    assert table.text(rows[0], "notes") == "Old but fine"
    assert table.text(rows[0], "next") == (TODAY + timedelta(days=7)).isoformat()


def test_a_checkin_run_again_the_same_day_fills_in_its_own_row(store, tmp_path):
    ref, _, _ = new_plan(store)
    app.run_checkin(store, ref.id, _config(tmp_path, TODAY), markdown=True)
    app.run_checkin(store, ref.id, _config(tmp_path, TODAY), notes="Second thoughts")
    table, rows = _checkin_rows(store, ref)
    assert len(rows) == 1
    assert table.text(rows[0], "notes") == "Second thoughts"  # was empty: filled in
    assert table.text(rows[0], "agenda") != "Markdown (printed)"  # the document replaces it
    app.run_checkin(store, ref.id, _config(tmp_path, TODAY), notes="Third")
    table, rows = _checkin_rows(store, ref)
    assert len(rows) == 1 and table.text(rows[0], "notes") == "Second thoughts\nThird"  # people's words are kept



def test_a_plan_whose_checkins_tab_was_deleted_is_refused_before_anything_is_written(tmp_path):
    """Local (deleting a tab by hand is simplest there; the refusal is in the shared service)."""
    import openpyxl

    from map_workspace.errors import StructuralBreak
    from tests.backends.test_contract import local_store

    store = local_store(tmp_path)
    ref, _, _ = new_plan(store)
    workbook = openpyxl.load_workbook(ref.id)
    del workbook[CHECKINS]
    workbook.save(ref.id)
    with pytest.raises(StructuralBreak, match="Check-ins"):
        app.run_checkin(store, ref.id, _config(tmp_path, TODAY))
    assert not list((tmp_path / "maps").glob("*checkin*"))


def test_checkin_notes_that_look_like_a_formula_stay_text(store, tmp_path):
    ref, _, _ = new_plan(store)
    payload = '=IMPORTXML("http://127.0.0.1/x","//a")'
    app.run_checkin(store, ref.id, _config(tmp_path, TODAY), notes=payload)
    grid = store.read(ref).tabs[CHECKINS]
    table = find_table(grid, CHECKINS_TAB)
    (_, row), = table.data()
    cell = table.get(row, "notes")
    assert cell.formula is None and cell.text == payload


def test_the_next_checkins_fall_on_working_days_of_the_plans_calendar(store, tmp_path):
    """Issue 11: a weekly check-in a week after Fri 2026-12-18 would be Christmas Day (the plan's
    calendar: en_US → US holidays): the Check-ins row's next and the calendar's check-in events
    both move to the next working day, Mon 2026-12-28, and no event falls on a holiday."""
    ref, _, _ = new_plan(store)
    cfg = _config(tmp_path, date(2026, 12, 18))
    done = app.run_checkin(store, ref.id, cfg, markdown=True, dry_run=True)
    assert done.agenda.next == date(2026, 12, 28)
    cal = app.write_calendar(store, ref.id, _config(tmp_path, date(2026, 12, 18)), output=tmp_path / "plan.ics")
    checkins = [date.fromisoformat(e["date"]) for e in cal.events if e["kind"] == "checkin"]
    assert checkins[0] == date(2026, 12, 28), checkins
    assert not {date(2026, 12, 25), date(2027, 1, 1)} & set(checkins)
    assert all(d.weekday() < 5 for d in checkins)


def test_a_japanese_plans_checkin_agenda_and_row_are_in_japanese(store, tmp_path):
    """A plan recorded in Japanese (meta ``language``, as ``create --lang ja`` records it): the agenda's
    headings, its empty-section words and the Check-ins row (a slip, the printed agenda) in Japanese."""
    from map_workspace.catalog import META_LANGUAGE

    ref, _, plan = new_plan(store)
    store.apply(ref, store.read(ref), ChangeSet(meta={META_LANGUAGE: "ja"}))
    t02 = plan.item("T-02")
    assert t02 is not None and t02.due is not None
    _buyer_edits(store, ref, {("T-02", "due"): t02.due + timedelta(days=7)})
    result = app.run_checkin(store, ref.id, _config(tmp_path, TODAY), markdown=True)
    text = result.markdown
    assert text.startswith("# 定例 — Acme rollout — ")
    for heading in ("## 今回の定例", "## これまでの変更", "## 基準日から遅れた項目", "## 担当者未定",
                    "## 主な未解決リスク"):
        assert heading in text, heading
    assert "| 項目 | 担当者 | 基準日 → 期限 | 遅延 |" in text
    assert "**次回の定例:**" in text and "年" in text and "(" in text
    assert not [w for w in ("Check-in", "Needs an owner", "Slipped", "Top open risks", "No date") if w in text]
    table, rows = _checkin_rows(store, ref)
    assert table.text(rows[-1], "agenda") == "Markdown（画面に出力）"
    assert "T-02 +7日" in table.text(rows[-1], "timeline_changes")
