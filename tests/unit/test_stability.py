"""``stable_until``: before the day it names, an unchanged plan is synced to the very same output,
so a nightly run may print what it concluded last time instead of planning it again."""

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from map_workspace import app
from map_workspace.changes import apply_in_memory
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.domain.rules import Thresholds
from map_workspace.domain.stability import BLOCK, DueBlock, stable_until
from map_workspace.layout import STAKEHOLDERS, STAKEHOLDERS_TAB, Cell, Grid
from map_workspace.reading import find_table
from map_workspace.sync import Settings, SyncPlan, plan_sync
from tests.unit.snapshot_edit import SnapshotEditor

CREATED = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXAMPLES = max(10, int(os.environ.get("PROPERTY_EXAMPLES", "60")) // 2)

_req = app.CreateRequest("Acme", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                         [Person.parse("Sam Rivera <sam@seller.io>")], template="light")
BASE = app.build_new_plan(_req, Config(), CREATED, NOW).snapshot
IDS = [i.id for i in app.build_new_plan(_req, Config(), CREATED, NOW).plan.items]

dates = st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 30))
values = st.one_of(
    dates,
    # Dates typed without a year are read relative to today; "2/29" only in a year next to a leap year.
    st.sampled_from(["5/15", "May 3", "12/31", "1/2", "2/29", "3 June", "7/4/2026", "", "Done", "N/A",
                     "In progress", "Blocked", "wip", "T-01", "M-01, T-02", "Dana Tanaka", "Sam Rivera", "IT"]),
)
keys = st.sampled_from(["due", "status", "done_on", "owner", "depends_on"])
edit = st.tuples(st.sampled_from(IDS), keys, values)
availability = st.sampled_from(["", "travelling 2026-05-01 to 2026-05-21", "away May 1 - May 21",
                                "out 12/20 to 1/5", "leave 2026-07-01 to 2026-07-31"])
thresholds = st.builds(Thresholds, stalled_after_days=st.integers(1, 10), due_soon_days=st.integers(0, 6),
                       window_days=st.sampled_from([365, 120, 30]))


def _with_availability(snapshot, text):
    grid = snapshot.tabs[STAKEHOLDERS]
    table = find_table(grid, STAKEHOLDERS_TAB)
    col = table.columns["availability"]
    rows = [list(r) for r in grid.rows]
    row = rows[table.header_row + 1]
    row += [Cell()] * (col + 1 - len(row))
    row[col] = Cell(text)
    return replace(snapshot, tabs={**snapshot.tabs, STAKEHOLDERS: Grid(grid.title, tuple(map(tuple, rows)))})


def printed(result: SyncPlan) -> str:
    """Everything a night prints for a plan, and everything it would write."""
    a = result.assessment
    return json.dumps({"changes": result.changes.describe(), "findings": [f.as_json() for f in result.findings],
                       "progress": a.progress.as_json(), "health": a.health.value,
                       "projected": a.projected_decision, "owners": a.owners}, default=str, sort_keys=True)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, max_size=6), availability, st.integers(0, 200), thresholds)
def test_before_the_stable_date_every_day_syncs_to_the_same_output(edits, away, offset, limits):
    ed = SnapshotEditor(BASE)
    for item_id, key, value in edits:
        ed.set(item_id, key, value)
    snapshot = _with_availability(ed.snapshot, away)
    today = CREATED + timedelta(days=offset)
    config = Settings(thresholds=limits)
    # The night writes what today changes, then keeps the plan as written: that is what stays unchanged.
    kept = apply_in_memory(snapshot, plan_sync(snapshot, today, now=NOW, settings=config).changes)
    base = plan_sync(kept, today, now=NOW, settings=config)
    assert base.changes.is_empty
    until = stable_until(base.plan, today, limits)
    assert until > today
    day = today + timedelta(days=1)
    while day < until:
        assert printed(plan_sync(kept, day, now=NOW, settings=config)) == printed(base), (today, day, until)
        day += timedelta(days=1)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, max_size=6), availability, st.integers(0, 200), thresholds)
def test_before_the_dated_stable_date_every_day_syncs_to_the_same_output_but_the_dated_findings(
        edits, away, offset, limits):
    """With ``dated``: every day before the date, the sync's output is today's with the due-soon,
    overdue and stalled findings worded for that day by the block (items turn due soon, overdue,
    stalled; the counts move), and nothing else."""
    ed = SnapshotEditor(BASE)
    for item_id, key, value in edits:
        ed.set(item_id, key, value)
    snapshot = _with_availability(ed.snapshot, away)
    today = CREATED + timedelta(days=offset)
    config = Settings(thresholds=limits)
    kept = apply_in_memory(snapshot, plan_sync(snapshot, today, now=NOW, settings=config).changes)
    base = plan_sync(kept, today, now=NOW, settings=config)
    assert base.changes.is_empty
    block = DueBlock.of(base.plan, base.findings, today, config.thresholds, base.calendar, base.due_cells,
                        base.plan_sheet)
    if block is None:  # planned again when its dates move, as without ``dated``
        assert not any(f.code in BLOCK for f in base.findings) or len({i.id for i in base.plan.items}) < len(
            base.plan.items) or "" in {i.id for i in base.plan.items}
        return
    assert block.findings_on(base.findings, today) == base.findings
    until = stable_until(base.plan, today, limits, base.calendar, dated=True, decision_id=base.decision_id)
    assert until >= stable_until(base.plan, today, limits, base.calendar) > today
    day = today + timedelta(days=1)
    while day < until:
        findings = block.findings_on(base.findings, day)
        assert printed(plan_sync(kept, day, now=NOW, settings=config)) == printed(replace(base, findings=findings)), (
            today, day, until)
        day += timedelta(days=1)


def test_an_overdue_item_is_planned_again_tomorrow():
    snapshot = SnapshotEditor(BASE).snapshot
    plan = plan_sync(snapshot, CREATED).plan
    first_due = min(i.due for i in plan.items if i.due)
    late = first_due + timedelta(days=2)
    assert stable_until(plan_sync(snapshot, late).plan, late) == late + timedelta(days=1)


def test_a_plan_far_from_its_dates_is_stable_until_the_due_soon_window():
    # A plan is scheduled from the day it is made: seen three weeks earlier it is far from its dates.
    early = CREATED - timedelta(days=21)
    plan = plan_sync(BASE, early).plan
    first_due = min(i.due for i in plan.items if i.due and i.is_open)
    # "Due soon" counts working days: three of them before a Wednesday is the Friday before.
    assert first_due.weekday() == 2
    assert stable_until(plan, early, Thresholds(due_soon_days=3)) == first_due - timedelta(days=5)


def test_the_due_soon_window_counts_the_plans_working_days():
    """An item due the Tuesday after a Monday holiday is due soon from the Wednesday before (three
    working days: Thu, Fri, Tue), not from the Friday; the night plans it again that Wednesday."""
    early = CREATED - timedelta(days=21)
    plan = plan_sync(BASE, early).plan
    due = date(2026, 5, 26)  # Memorial Day is Monday 2026-05-25
    holiday = frozenset({date(2026, 5, 25)})
    plan = replace(plan, items=(replace(plan.items[0], due=due),))
    assert stable_until(plan, date(2026, 5, 1), Thresholds(due_soon_days=3), holiday) == date(2026, 5, 20)
    assert stable_until(plan, date(2026, 5, 1), Thresholds(due_soon_days=3)) == date(2026, 5, 21)


def test_new_year_is_always_a_stable_date_boundary():
    ed = SnapshotEditor(BASE)
    for item_id in IDS:
        ed.set(item_id, "status", "Done")
    day = date(2026, 12, 20)
    assert stable_until(plan_sync(ed.snapshot, day).plan, day) <= date(2027, 1, 1)


def test_a_done_item_without_its_done_on_date_times_its_dependents_from_today_until_its_due_date():
    """A prerequisite marked Done with no Done on date counts as done today until its due date (the
    rules cannot tell when): its dependent's lead time runs from a day that moves with every night,
    so the plan is planned again each day until then."""
    ed = SnapshotEditor(BASE)
    for item_id in ("T-01", "T-02", "T-03", "M-01", "T-04"):
        ed.set(item_id, "status", "Done")
    ed.set("T-04", "due", date(2026, 3, 26))  # T-05 follows it with a lead time of 8 working days
    ed.set("T-05", "due", date(2026, 3, 27))
    today = date(2026, 3, 13)
    kept = apply_in_memory(ed.snapshot, plan_sync(ed.snapshot, today, now=NOW).changes)
    base = plan_sync(kept, today, now=NOW)
    until = stable_until(base.plan, today, Thresholds(), base.calendar)
    day = today + timedelta(days=1)
    while day < until:
        assert printed(plan_sync(kept, day, now=NOW)) == printed(base), (day, until)
        day += timedelta(days=1)


def test_a_japanese_plans_dated_findings_are_worded_for_the_day_in_japanese():
    """The block words a Japanese plan's due-soon, overdue and stalled findings in Japanese, as the
    sync does, so a Japanese plan is not planned again each day either."""
    snapshot = replace(BASE, meta={**BASE.meta, "language": "ja"})
    first = plan_sync(snapshot, CREATED, now=NOW)
    kept = apply_in_memory(snapshot, first.changes)
    today = min(i.due for i in first.plan.items if i.due) + timedelta(days=2)
    kept = apply_in_memory(kept, plan_sync(kept, today, now=NOW).changes)
    base = plan_sync(kept, today, now=NOW)
    assert base.lang == "ja" and base.changes.is_empty
    assert any(f.code == "item.overdue" and "過ぎ" in f.message for f in base.findings)
    block = DueBlock.of(base.plan, base.findings, today, Thresholds(), base.calendar, base.due_cells,
                        base.plan_sheet, base.lang)
    assert block is not None and block.findings_on(base.findings, today) == base.findings
    later = today + timedelta(days=3)
    assert printed(plan_sync(kept, later, now=NOW)) == printed(replace(base, findings=block.findings_on(
        base.findings, later)))
