"""replan and assign planned as data: the dependency walk (domain), and the ChangeSet each plans over a
snapshot in memory — Due and Owner cells, the target decision date, History marked with why."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from map_workspace import app
from map_workspace.changes import apply_in_memory
from map_workspace.config import Config
from map_workspace.domain.calendar import business_days_between
from map_workspace.domain.model import Item, ItemType, Overview, Person, Plan, Status
from map_workspace.domain.replanning import non_working_day, propagate
from map_workspace.errors import UsageError
from map_workspace.layout import OVERVIEW
from map_workspace.plan_edits import plan_assign, plan_replan
from map_workspace.reading import read_plan
from map_workspace.sync import plan_sync
from map_workspace.template_files import load_template
from tests.unit.snapshot_edit import SnapshotEditor

CREATED = date(2026, 3, 2)
TODAY = date(2026, 3, 9)
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def item(item_id, due, *deps, lead=0, status=Status.NOT_STARTED):
    return Item(item_id, ItemType.TASK, f"Activity {item_id}", due=due, depends_on=deps, lead_days=lead,
                status=status)


def chain(*items):
    return Plan("p", Overview("Deal"), items=tuple(items))


# --- the walk through the graph (pure domain) ----------------------------------------------------

def test_a_dependent_moves_only_when_its_lead_time_breaks_and_lands_on_a_working_day():
    plan = chain(item("T-01", date(2027, 2, 1)),
                 item("T-02", date(2027, 2, 10), "T-01", lead=3),   # 7 business days of slack
                 item("T-03", date(2027, 2, 8), "T-01", lead=5))    # 5: exactly its lead
    moves = propagate(plan, "T-01", date(2027, 2, 3))               # Wed, two days later
    assert [(m.id, m.before, m.after) for m in moves] == [
        ("T-01", date(2027, 2, 1), date(2027, 2, 3)),
        ("T-03", date(2027, 2, 8), date(2027, 2, 10))]              # T-02 still has its 3 days
    assert moves[1].reason == "needs 5 business day(s) after T-01, now due 2027-02-03"
    # Past a weekend: Fri + 1 business day is Monday, never Saturday.
    moves = propagate(chain(item("A-1", date(2027, 2, 1)), item("T-09", date(2027, 2, 2), "A-1", lead=1)),
                      "A-1", date(2027, 2, 5))
    assert moves[-1].after == date(2027, 2, 8)


def test_nothing_moves_earlier_done_items_stay_and_nothing_moves_through_them():
    plan = chain(item("T-01", date(2027, 2, 1)),
                 item("T-02", date(2027, 2, 3), "T-01", lead=2, status=Status.DONE),
                 item("T-03", date(2027, 2, 5), "T-02", lead=2),
                 item("T-04", date(2027, 2, 4), "T-01", lead=1))
    moves = propagate(plan, "T-01", date(2027, 2, 15))
    assert [m.id for m in moves] == ["T-01", "T-04"]                # T-02 done: it and T-03 stay
    assert [m.id for m in propagate(plan, "T-01", date(2027, 1, 20))] == ["T-01"]  # earlier: dependents stay


def test_a_chain_moves_transitively_with_holidays_counted():
    holiday = date(2027, 2, 8)
    plan = chain(item("T-01", date(2027, 2, 1)), item("T-02", date(2027, 2, 3), "T-01", lead=2),
                 item("M-01", date(2027, 2, 3), "T-02"))
    moves = propagate(plan, "T-01", date(2027, 2, 4), holidays=frozenset({holiday}))
    assert [(m.id, m.after) for m in moves] == [("T-01", date(2027, 2, 4)), ("T-02", date(2027, 2, 9)),
                                                ("M-01", date(2027, 2, 9))]
    assert moves[2].reason == "follows T-02, now due 2027-02-09"


def test_a_cycle_does_not_loop_forever():
    plan = chain(item("T-01", date(2027, 2, 1), "T-02", lead=1), item("T-02", date(2027, 2, 2), "T-01", lead=1))
    assert [m.id for m in propagate(plan, "T-01", date(2027, 2, 10))] == ["T-01", "T-02"]


def test_a_non_working_day_is_named():
    assert non_working_day(date(2027, 2, 27)) == "Sat 2027-02-27"
    assert non_working_day(date(2027, 2, 26)) == ""
    assert non_working_day(date(2027, 2, 26), frozenset({date(2027, 2, 26)})) == "Fri 2027-02-26"


# --- replan over a whole plan ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def created():
    req = app.CreateRequest("Acme rollout", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")],
                            as_late_as_possible=True)  # the dates below are those of the backward schedule
    new = app.build_new_plan(req, Config(holiday_regions=()), CREATED, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    return new.snapshot


def replanned(snapshot, **asked):
    r = plan_replan(snapshot, TODAY, now=NOW, **asked)
    after = apply_in_memory(snapshot, r.changes)
    assert plan_sync(after, TODAY, now=NOW).changes.is_empty  # written once, the next sync has nothing to do
    return r, after


def test_replan_writes_the_moves_with_baselines_kept_slips_counted_and_history_marked(created):
    plan = plan_sync(created, TODAY).plan
    r, after = replanned(created, item_id="t-12", due=date(2026, 6, 10))  # IDs as a person types them
    moved = {m.id: m for m in r.moves}
    assert moved["T-12"].after == date(2026, 6, 10) and moved["M-06"].after > date(2026, 6, 30)
    ed = SnapshotEditor(after)
    for m in r.moves:
        assert ed.value(m.id, "due") == m.after
        assert ed.value(m.id, "baseline") == plan.item(m.id).baseline
        assert ed.value(m.id, "slips") == 1
    untouched = [i for i in plan.items if i.id not in moved]
    assert untouched and all(ed.value(i.id, "due") == i.due for i in untouched)
    due_rows = [h for h in r.changes.history if h.field == "Due"]
    assert sorted(h.id for h in due_rows) == sorted(moved)           # one History row per moved item
    assert all(h.note.startswith("replanned: ") for h in due_rows)
    assert "(slip 1)" in next(h.note for h in due_rows if h.id == "T-12")
    # The target is the buyer's agreement: an item pushing the decision says so, and leaves it.
    assert read_plan(after).plan.overview.target_decision == date(2026, 6, 30)
    assert r.warnings and "--decision-date" in r.warnings[0]
    assert r.result.assessment.projected_decision == moved["M-06"].after


def test_replan_the_decision_moves_the_target_and_what_follows(created):
    r, after = replanned(created, decision=date(2026, 7, 14))
    assert [m.id for m in r.moves] == ["M-06", "T-20"]
    reading = read_plan(after)
    assert reading.plan.overview.target_decision == date(2026, 7, 14)
    assert SnapshotEditor(after).value("M-06", "due") == date(2026, 7, 14)
    target = [h for h in r.changes.history if h.field == "Target decision date"]
    assert [(h.from_, h.to, h.note) for h in target] == [("2026-06-30", "2026-07-14", "replanned: new decision date")]
    assert not [f for f in r.result.findings if f.code == "decision.target_moved"]
    assert r.result.assessment.health.value == "on_track"
    # Earlier: what leads to the decision keeps its dates, and the rep is told what ends after it.
    r, after = replanned(created, decision=date(2026, 6, 20))
    assert [m.id for m in r.moves] == ["M-06"]
    assert any("Sat 2026-06-20" in w for w in r.warnings)
    assert any("Still due after the decision on 2026-06-20: " in w and "T-19" in w for w in r.warnings)


def test_replan_refuses_what_it_cannot_do(created):
    with pytest.raises(UsageError, match="no item 'T-99'"):
        plan_replan(created, TODAY, item_id="T-99", due=date(2026, 6, 1))
    with pytest.raises(UsageError, match="before today"):
        plan_replan(created, TODAY, item_id="T-12", due=date(2026, 3, 6))
    with pytest.raises(UsageError, match="not after today"):
        plan_replan(created, TODAY, decision=TODAY)
    ed = SnapshotEditor(created)
    ed.set("T-12", "status", "Done")
    with pytest.raises(UsageError, match="T-12 is Done"):
        plan_replan(ed.snapshot, TODAY, item_id="T-12", due=date(2026, 6, 10))


def test_a_done_dependent_keeps_its_date_and_an_unmoved_date_writes_nothing(created):
    ed = SnapshotEditor(created)
    ed.set("T-13", "status", "Done")
    r, after = replanned(ed.snapshot, item_id="T-12", due=date(2026, 6, 10))
    assert "T-13" not in {m.id for m in r.moves} and "T-14" not in {m.id for m in r.moves}
    assert SnapshotEditor(after).value("T-13", "due") == date(2026, 6, 1)
    same = plan_replan(created, TODAY, item_id="T-12", due=date(2026, 5, 27), now=NOW)
    assert same.moves == () and same.changes.is_empty


def test_business_days_between_is_what_the_history_counts(created):
    r, _ = replanned(created, item_id="T-12", due=date(2026, 6, 10))
    note = next(h.note for h in r.changes.history if h.id == "T-12")
    assert f"slipped {business_days_between(date(2026, 5, 27), date(2026, 6, 10))} business day(s)" in note


# --- assign ----------------------------------------------------------------------------------------

ROLES = load_template("enterprise").roles


def test_assign_fills_unassigned_owners_keeps_typed_ones_and_adds_the_stakeholder(created):
    plan = read_plan(created).plan
    security = [i.id for i in plan_sync(created, TODAY).plan.items if i.role == "buyer.security"]
    assert len(security) >= 2
    ed = SnapshotEditor(created)
    ed.set(security[0], "owner", "Bob Marley")      # a name someone typed
    ed.set(security[1], "owner", "TBD")             # a placeholder: nobody yet
    a = plan_assign(ed.snapshot, {"buyer.security": Person.parse("Ivy Park <ivy@acme.com>")}, ROLES, TODAY, now=NOW)
    [one] = a.assignments
    assert one.items == tuple(security[1:]) and one.kept == ((security[0], "Bob Marley"),) and one.added
    after = apply_in_memory(ed.snapshot, a.changes)
    assert plan_sync(after, TODAY, now=NOW).changes.is_empty
    out = SnapshotEditor(after)
    assert out.value(security[0], "owner") == "Bob Marley"
    assert all(out.value(i, "owner") == "Ivy Park" for i in security[1:])
    people = read_plan(after).plan.stakeholders
    ivy = [s for s in people if s.name == "Ivy Park"]
    assert [(s.side.value if s.side else "", s.role, s.email) for s in ivy] == [
        ("Buyer", "Security lead", "ivy@acme.com")]
    assert len(people) == len(plan.stakeholders) + 1
    owners = [h for h in a.changes.history if h.field == "Owner" and h.note]
    assert [(h.id, h.note) for h in owners] == [(i, "assigned: buyer.security") for i in security[1:]]
    assert [(h.field, h.to) for h in a.changes.history if h.field == "Stakeholders"] == [
        ("Stakeholders", "Ivy Park <ivy@acme.com>")]


def test_assign_uses_the_listed_name_of_a_known_person_and_adds_nobody_twice(created):
    a = plan_assign(created, {"seller.se": Person.parse("sam@seller.io")}, ROLES, TODAY, now=NOW)
    [one] = a.assignments
    assert str(one.person) == "Sam Rivera <sam@seller.io>" and one.items and not one.added
    after = apply_in_memory(created, a.changes)
    assert all(SnapshotEditor(after).value(i, "owner") == "Sam Rivera" for i in one.items)
    again = plan_assign(after, {"seller.se": Person.parse("sam@seller.io")}, ROLES, TODAY, now=NOW)
    assert again.changes.is_empty and again.assignments[0].items == ()


def test_overview_is_found_by_its_labels_not_positions(created):
    assert OVERVIEW in created.tabs  # the target cell is addressed through the reading's overview rows
    reading = read_plan(created)
    assert "target_decision" in reading.overview_rows
    moved = replace(created, meta={**created.meta})
    r = plan_replan(moved, TODAY, decision=date(2026, 7, 14), now=NOW)
    [target] = [w for w in r.changes.cells if w.field == "target_decision"]
    assert (target.tab, target.row) == (OVERVIEW, reading.overview_rows["target_decision"])


def test_an_item_moved_sooner_than_its_prerequisites_allow_says_so(created):
    r, _ = replanned(created, item_id="T-13", due=date(2026, 5, 28))  # M-03 due 05-27, T-13 needs 3 days
    assert [m.id for m in r.moves] == ["T-13"]
    assert any("M-03" in w for w in r.warnings), r.warnings
