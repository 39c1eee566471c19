"""``mapws close`` and ``mapws changes`` through the app services, on every backend (the contract
suite's stores: a folder of workbooks and Google through the loopback emulator)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from map_workspace import app
from map_workspace.changes import CellWrite, ChangeSet
from map_workspace.config import Config
from map_workspace.errors import UsageError
from map_workspace.layout import CHECKINS, OVERVIEW, PLAN
from map_workspace.nightly import run_night
from map_workspace.reading import read_plan
from map_workspace.sync import plan_sync
from tests.backends.test_contract import BACKENDS, new_plan

CREATED = date(2026, 3, 2)
CLOSED = date(2026, 5, 20)
#: Long after every due date: an open plan is all overdue by now.
LATE = date(2026, 12, 1)
REASON = "Chose us over Globex: the SSO story"


@pytest.fixture(params=sorted(BACKENDS))
def store(request, tmp_path):
    return BACKENDS[request.param](tmp_path)


def config(tmp_path, today: date) -> Config:
    return Config(today=today, state=str(tmp_path / "seller.db"))


def colour_rules(store, ref) -> list[str]:
    """The Plan tab's conditional-format formulas, as the file holds them."""
    if store.name == "local":
        from openpyxl import load_workbook

        ws = load_workbook(ref.id)[PLAN]
        return [f for cf in ws.conditional_formatting for r in cf.rules for f in (r.formula or ())[:1]]
    from tests.google_emulator.clients import sheets_service
    from tests.support.emulator import shared_emulator

    data = sheets_service(shared_emulator()).spreadsheets().get(
        spreadsheetId=ref.id, fields="sheets(properties(title),conditionalFormats(booleanRule(condition(values))))",
    ).execute()
    plan = next(s for s in data["sheets"] if s["properties"]["title"] == PLAN)
    return [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in plan.get("conditionalFormats", [])]


def every_text(snapshot) -> str:
    cells = [c.text + " " + c.note + " " + (c.formula or "") for g in snapshot.tabs.values() for row in g.rows
             for c in row]
    return " ".join(cells + [f"{k}={v}" for k, v in snapshot.meta.items()])


def overview_value(snapshot, label: str) -> str:
    grid = snapshot.tabs[OVERVIEW]
    return next(row[1].text for row in grid.rows if row and row[0].text == label)


def test_close_marks_the_plan_stops_every_date_flag_and_keeps_the_reason_seller_side(store, tmp_path):
    ref, _, _ = new_plan(store)
    assert len(colour_rules(store, ref)) == 5
    done = app.close_plan(store, ref.id, config(tmp_path, LATE), outcome="won", on=CLOSED, reason=REASON)
    assert done.as_json() == {"plan": ref.id, "outcome": "won", "on": "2026-05-20", "dry_run": False}
    snapshot = store.read(ref)
    assert overview_value(snapshot, "Health") == "Closed — won on 2026-05-20"
    assert overview_value(snapshot, "Projected decision date") == "2026-05-20"
    assert REASON not in every_text(snapshot)  # the buyer's file never hears why
    flags = [row[12].formula for row in snapshot.tabs[PLAN].rows[1:] if row and row[0].text]
    assert flags and not any("TODAY()" in (f or "") for f in flags)
    rules = colour_rules(store, ref)
    assert len(rules) == 2 and not any("TODAY()" in r for r in rules)  # Done and Blocked only
    # Months later: nothing overdue, nothing to write.
    later = plan_sync(snapshot, LATE)
    assert not {f.code for f in later.findings} & {"item.overdue", "item.stalled", "decision.late"}
    assert later.changes.is_empty
    assert later.closed == "Closed — won on 2026-05-20"
    kept = app.closed_plans(store, config(tmp_path, LATE))[ref.id]
    assert (kept.outcome, kept.on, kept.reason) == ("won", "2026-05-20", REASON)


def test_reopen_undoes_it_all(store, tmp_path):
    ref, _, _ = new_plan(store)
    cfg = config(tmp_path, LATE)
    app.close_plan(store, ref.id, cfg, outcome="no decision", on=CLOSED)
    reopened = app.close_plan(store, ref.id, cfg, outcome=None)
    assert reopened.as_json() == {"plan": ref.id, "outcome": None, "on": None, "dry_run": False}
    snapshot = store.read(ref)
    assert overview_value(snapshot, "Health") in ("On track", "At risk", "Off track")
    assert len(colour_rules(store, ref)) == 5
    again = plan_sync(snapshot, LATE)
    assert "item.overdue" in {f.code for f in again.findings} or "item.stalled" in {f.code for f in again.findings}
    assert again.changes.is_empty and not again.closed
    assert ref.id not in app.closed_plans(store, cfg)
    history = app.plan_history(store, ref.id, cfg)
    texts = [c["text"] for c in history.changes]
    assert "Plan: Open → Closed — no decision on 2026-05-20" in texts
    assert "Plan: Closed — no decision on 2026-05-20 → Reopened" in texts
    assert not any("edit undone" in t for t in texts)  # mapws's own cells are not a buyer's edits
    with pytest.raises(UsageError):  # open already: nothing to reopen
        app.close_plan(store, ref.id, cfg, outcome=None)


def test_dry_run_writes_nothing_anywhere(store, tmp_path):
    ref, _, _ = new_plan(store)
    before = store.read(ref)
    cfg = config(tmp_path, LATE)
    result = app.close_plan(store, ref.id, cfg, outcome="lost", reason=REASON, dry_run=True)
    assert result.dry_run and result.on == LATE
    assert store.read(ref).meta == before.meta
    assert app.closed_plans(store, cfg) == {}


def test_a_close_in_the_future_is_refused(store, tmp_path):
    ref, _, _ = new_plan(store)
    with pytest.raises(UsageError):
        app.close_plan(store, ref.id, config(tmp_path, CLOSED), outcome="won", on=LATE)


def test_sync_all_skips_a_closed_plan_without_reading_it(store, tmp_path):
    closed, _, _ = new_plan(store)
    other, _, _ = new_plan(store, "Beta deal", "light")
    cfg = config(tmp_path, LATE)
    app.close_plan(store, closed.id, cfg, outcome="lost", on=CLOSED)
    logged = 0
    if store.name == "local":  # a file mapws would fail to read: never opened
        from pathlib import Path

        Path(closed.id).write_bytes(b"not a workbook any more")
    else:
        from tests.support.emulator import shared_emulator

        logged = len(shared_emulator().log_entries())
    night = run_night(store, cfg)
    assert [r.ref.id for r in night.runs] == [other.id] and not night.failed
    assert [r.id for r in night.closed] == [closed.id] and night.totals()["closed"] == 1
    if store.name == "google":  # not one request names the closed plan
        from tests.support.emulator import shared_emulator

        assert not [e for e in shared_emulator().log_entries()[logged:] if closed.id in e["path"]]


def _buyer_marks_done(store, ref, item_index: int = 0) -> str:
    snapshot = store.read(ref)
    reading = read_plan(snapshot, today=CREATED)
    row = reading.item_rows[item_index].sheet_row
    store.apply(ref, snapshot, ChangeSet(cells=(CellWrite(PLAN, row, reading.tables[PLAN].columns["status"],
                                                          "Done"),)))
    return reading.plan.items[item_index].id


def test_changes_lists_each_observed_change_in_words(store, tmp_path):
    ref, _, plan = new_plan(store)
    item = _buyer_marks_done(store, ref)
    app.sync_plan(store, ref.id, config(tmp_path, date(2026, 3, 9)))
    result = app.plan_history(store, ref.id, config(tmp_path, date(2026, 3, 9)), since=date(2026, 3, 9))
    activity = next(i.activity for i in plan.items if i.id == item)
    data = result.as_json()
    assert data["since"] == "2026-03-09" and data["plan"] == ref.id
    change = next(c for c in data["changes"] if c["id"] == item)
    assert {k: change[k] for k in ("activity", "field", "before", "after")} == {
        "activity": activity, "field": "Status", "before": "Not started", "after": "Done"}
    assert change["at"].startswith("2026-03-09")
    assert change["text"] == f"{item} {activity}: done"
    assert set(change) >= {"at", "id", "activity", "field", "before", "after", "by"}
    # Everything since creation includes the creation itself; nothing before the day asked for.
    every = app.plan_history(store, ref.id, config(tmp_path, date(2026, 3, 9)))
    assert every.since is None and every.changes[0]["field"] == "Plan" and len(every.changes) > len(result.changes)


def test_changes_since_the_last_checkin(store, tmp_path):
    ref, _, _ = new_plan(store)
    cfg = config(tmp_path, date(2026, 3, 16))
    nothing = app.plan_history(store, ref.id, cfg, since_checkin=True)
    assert nothing.since_what == "no-checkin" and nothing.since is None and nothing.changes  # says so, shows all
    snapshot = store.read(ref)
    checkins = read_plan(snapshot, today=CREATED).tables[CHECKINS]
    store.apply(ref, snapshot, ChangeSet(cells=(CellWrite(CHECKINS, 2, checkins.columns["date"], date(2026, 3, 9)),)))
    _buyer_marks_done(store, ref, 1)
    app.sync_plan(store, ref.id, replace(cfg, today=date(2026, 3, 10)))
    since = app.plan_history(store, ref.id, cfg, since_checkin=True)
    assert since.since == date(2026, 3, 9) and since.since_what == "checkin"
    assert [c["field"] for c in since.changes] == ["Status"]
    with pytest.raises(UsageError):
        app.plan_history(store, ref.id, cfg, since=date(2026, 3, 1), since_checkin=True)


def test_the_listing_tells_a_closed_plan_without_a_read_from_another_machine_too(store, tmp_path):
    ref, _, _ = new_plan(store)
    other, _, _ = new_plan(store, "Beta deal", "light")
    app.close_plan(store, ref.id, config(tmp_path, LATE), outcome="won", on=CLOSED)
    listed = {r.id: r.closed for r in store.list_plans()}
    assert listed == {ref.id: "won 2026-05-20", other.id: ""}
    elsewhere = Config(today=LATE, state=str(tmp_path / "another-machine.db"))  # no seller-side record there
    assert app.closed_plans(store, elsewhere, store.list_plans())[ref.id].outcome == "won"
    night = run_night(store, elsewhere)
    assert [r.ref.id for r in night.runs] == [other.id] and [r.id for r in night.closed] == [ref.id]
    app.close_plan(store, ref.id, config(tmp_path, LATE), outcome=None)
    assert {r.id: r.closed for r in store.list_plans()} == {ref.id: "", other.id: ""}
    assert app.closed_plans(store, elsewhere, store.list_plans()) == {}


#: The Timeline's week-cell fills that say time went by (issue 11): overdue red, slipped amber.
TIMELINE_DATE_FILLS = {"E06666", "F9CB9C"}
#: Every fill the Timeline's rules use: done, overdue, planned, slipped, today's week, today's header.
RULE_FILLS = ("93C47D", "E06666", "6FA8DC", "F9CB9C", "FFF2CC", "F1C232")


def timeline_fills(store, ref) -> list[str]:
    """The fills of the Timeline tab's conditional-format rules, as the file holds them (RRGGBB)."""
    from map_workspace.layout import TIMELINE

    if store.name == "local":
        from openpyxl import load_workbook

        ws = load_workbook(ref.id)[TIMELINE]
        return [str(r.dxf.fill.fgColor.rgb)[-6:].upper() for cf in ws.conditional_formatting for r in cf.rules]
    from tests.google_emulator.clients import sheets_service
    from tests.support.emulator import shared_emulator

    data = sheets_service(shared_emulator()).spreadsheets().get(
        spreadsheetId=ref.id, fields="sheets(properties(title),conditionalFormats(booleanRule(format)))",
    ).execute()
    timeline = next(s for s in data["sheets"] if s["properties"]["title"] == TIMELINE)
    fills = []
    for rule in timeline.get("conditionalFormats", []):
        rgb = rule["booleanRule"]["format"]["backgroundColorStyle"]["rgbColor"]
        got = [round(rgb.get(c, 0) * 255) for c in ("red", "green", "blue")]
        # Sheets keeps colours to within one step of 255 (the emulator as Google): the nearest rule colour
        fills.append(min(RULE_FILLS, key=lambda f: sum(abs(int(f[i:i + 2], 16) - v)
                                                       for i, v in zip((0, 2, 4), got, strict=True))))
    return fills


def test_a_closed_plans_timeline_shows_nothing_overdue_or_slipped_and_reopen_brings_it_back(store, tmp_path):
    """Issue 11: a closed plan stops flagging, its Timeline included: no overdue red, no slipped
    amber, whatever the date; done and planned stay; a reopen lays them all again, once each."""
    ref, _, _ = new_plan(store)
    cfg = config(tmp_path, LATE)
    before = timeline_fills(store, ref)
    assert TIMELINE_DATE_FILLS <= set(before)
    app.close_plan(store, ref.id, cfg, outcome="won", on=CLOSED)
    closed = timeline_fills(store, ref)
    assert not TIMELINE_DATE_FILLS & set(closed), closed
    assert {"93C47D", "6FA8DC"} <= set(closed)  # done, planned
    assert app.sync_plan(store, ref.id, cfg).written is False  # and it stays so
    assert timeline_fills(store, ref) == closed
    app.close_plan(store, ref.id, cfg, outcome=None)
    assert sorted(timeline_fills(store, ref)) == sorted(before)
