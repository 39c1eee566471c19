"""A closed plan's formulas and colour rules, its closure in the meta, and History read by header
names (the pure parts of ``mapws close`` and ``mapws changes``)."""

from datetime import date, datetime

import pytest

from map_workspace.changes import HistoryEntry, edit_in_words
from map_workspace.formulas import (
    PlanColumns,
    colour_rules,
    flag_formula,
    is_colour_rule_formula,
    same_windows,
    thresholds_meta,
    thresholds_of,
)
from map_workspace.layout import HISTORY, Cell, Grid, Snapshot
from map_workspace.reading import read_history
from map_workspace.sync import Closure, closure_of

OPEN = thresholds_of({})
CLOSED = thresholds_of({"date_flags": "off"})


def test_a_closed_plan_flags_no_dates():
    cols = PlanColumns()
    assert "TODAY()" in flag_formula(2, cols, thresholds=OPEN)
    assert flag_formula(2, cols, thresholds=CLOSED) == '=""'
    assert flag_formula(2, cols, "Needs owner", thresholds=CLOSED) == '="Needs owner"'
    assert [r.name for r in colour_rules(cols, CLOSED)] == ["done", "blocked"]
    assert len(colour_rules(cols, OPEN)) == 5
    # The rules kept are still recognised as mapws's own (replaced on reopen, never duplicated).
    assert all(is_colour_rule_formula(r.formula) for r in colour_rules(cols, CLOSED))


def test_closing_and_reopening_move_the_windows_the_rules_are_written_with():
    assert not same_windows(OPEN, CLOSED)
    assert thresholds_meta(CLOSED)["date_flags"] == "off" and "date_flags" not in thresholds_meta(OPEN)
    assert thresholds_of({"date_flags": "on"}).date_flags


@pytest.mark.parametrize(("meta", "closure"), [
    ("won 2027-03-31", Closure("won", date(2027, 3, 31))),
    ("no decision 2027-04-02", Closure("no decision", date(2027, 4, 2))),
    ("", None), ("won", None), ("maybe 2027-03-31", None), ("lost 31/03/2027", None),
])
def test_closure_in_the_meta(meta, closure):
    assert closure_of({"closed": meta}) == closure


def test_closure_words():
    assert Closure("won", date(2027, 3, 31)).words == "Closed — won on 2027-03-31"


def test_the_plan_rows_of_history_in_words():
    closed = HistoryEntry(when="", id="", field="Plan", from_="Open", to="Closed — lost on 2027-03-31")
    assert edit_in_words(closed) == "Plan: Open → Closed — lost on 2027-03-31"
    created = HistoryEntry(when="", id="", field="Plan", from_="", to="enterprise", note="created from 'enterprise'")
    assert edit_in_words(created) == "Plan: created from 'enterprise'"


def _history(*rows):
    return Snapshot("x", {}, {HISTORY: Grid(HISTORY, tuple(tuple(Cell(v) for v in row) for row in rows))})


def test_history_is_read_by_header_names_in_todays_columns():
    rows = read_history(_history(("When (auto)", "ID (auto)", "Field (auto)", "From (auto)", "To (auto)",
                                  "Note (auto)"),
                                 ("2027-01-05T09:30:00+09:00", "T-01", "Status", "Not started", "Done", "")))
    assert len(rows) == 1
    row = rows[0]
    assert (row.id, row.field, row.from_, row.to, row.activity, row.by) == ("T-01", "Status", "Not started", "Done",
                                                                           "", "")
    assert row.at == datetime.fromisoformat("2027-01-05T09:30:00+09:00")


def test_history_is_read_by_header_names_with_activity_and_by_and_a_real_date_time():
    """The layout the History tab is moving to: When · ID · Activity · Field · From · To · By · Note,
    When a date-time cell, By who last modified the file."""
    when = datetime(2027, 1, 5, 9, 30)
    rows = read_history(_history(("When", "ID", "Activity", "Field", "From", "To", "By", "Note"),
                                 (when, "T-01", "Kick-off call", "Due", "2027-01-06", "2027-01-08",
                                  "Dana Tanaka", "slip 2"),
                                 (None, None, None, None, None, None, None, None),
                                 ("not a time", "", "", "Plan", "", "enterprise", "", "created")))
    assert [(r.at, r.activity, r.by) for r in rows] == [(when, "Kick-off call", "Dana Tanaka"), (None, "", "")]
    assert rows[1].when == "not a time" and rows[1].field == "Plan"


def test_no_history_tab_reads_as_no_changes():
    assert read_history(Snapshot("x", {}, {})) == []
