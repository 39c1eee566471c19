"""Properties of the sync over random buyer edits: it converges in one step, and it never plans a
write to a buyer cell."""

import os
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from map_workspace import app
from map_workspace.changes import apply_in_memory
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import CLOSED_DAYS_COLUMN, OVERVIEW, STATE, TABLE_TABS, Owner
from map_workspace.sync import plan_sync
from tests.unit.snapshot_edit import SnapshotEditor

TODAY = date(2026, 3, 2)
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "60"))  # raise it for a deeper local run
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

_req = app.CreateRequest("Acme", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                         [Person.parse("Sam Rivera <sam@seller.io>")], template="light")
_new = app.build_new_plan(_req, Config(), TODAY, NOW)
BASE, PLAN_ = _new.snapshot, _new.plan
IDS = [i.id for i in PLAN_.items]

values = st.one_of(
    st.sampled_from(["", "Done", "wip", "IT", "Dana", "Sam Rivera", "TBD", "next Friday", "=SUM(1)",
                     "T-01", "T-01, T-02", "M-01", "x", "Blocked", "N/A", "2026-04-01", "4/1/2026"]),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=50000),
)
buyer_keys = st.sampled_from(["owner", "due", "status", "depends_on", "notes", "type", "activity", "done_on"])
sync_keys = st.sampled_from(["baseline", "slips", "flag", "id"])
edit = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(IDS), buyer_keys, values),
    st.tuples(st.just("set"), st.sampled_from(IDS), sync_keys, values),
    st.tuples(st.just("add"), st.just(""), buyer_keys, values),
    st.tuples(st.just("delete"), st.sampled_from(IDS), st.just(""), st.just("")),
)


def _apply(edits):
    ed = SnapshotEditor(BASE)
    for kind, item_id, key, value in edits:
        try:
            if kind == "set":
                ed.set(item_id, key, value)
            elif kind == "add":
                ed.add_row(activity="Added by buyer", **{key: value} if key != "activity" else {})
            else:
                ed.delete(item_id)
        except KeyError:
            pass  # the row was deleted or its ID overwritten by an earlier edit
    return ed.snapshot


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, max_size=8))
def test_after_applying_a_changeset_the_next_one_is_empty(edits):
    snapshot = _apply(edits)
    first = plan_sync(snapshot, TODAY, now=NOW)
    after = apply_in_memory(snapshot, first.changes)
    second = plan_sync(after, TODAY, now=NOW)
    assert second.changes.is_empty, second.changes.describe()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, max_size=8))
def test_no_changeset_ever_writes_a_buyer_cell(edits):
    snapshot = _apply(edits)
    result = plan_sync(snapshot, TODAY, now=NOW)
    for write in result.changes.cells:
        if write.tab == OVERVIEW:
            assert write.col == 1 and write.field in {"progress", "overdue", "next_milestone",
                                                      "projected_decision", "health", "last_changed"}
        elif write.tab == STATE and write.field == "closed_days":
            assert write.col == CLOSED_DAYS_COLUMN  # the plan's closed days, beside the hidden state
        else:
            sync_owned = {c.key for c in TABLE_TABS[write.tab].columns if c.owner is Owner.SYNC}
            assert write.field in sync_owned
        assert write.formula is None or write.formula.startswith(("=IF(", "=(", "=SUMPRODUCT("))
