"""One source of thresholds: the stalled/due-soon windows the sync's findings use are the ones its
Flag formulas and colour rules are written with, and the plan records them so a change in
config.toml rewrites them once. One constant says how far the Plan's formats reach."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from map_workspace import app
from map_workspace.changes import apply_in_memory
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.domain.rules import Thresholds
from map_workspace.formulas import (
    CLOSED_WORDS,
    PlanColumns,
    colour_rules,
    flag_formula,
    is_colour_rule_formula,
    live_flag,
    thresholds_meta,
    thresholds_of,
)
from map_workspace.layout import MIN_FORMATTED_ROWS, PLAN, PLAN_TAB
from map_workspace.render import render_plan
from map_workspace.sync import Settings, plan_sync

CREATED = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CUSTOM = Thresholds(stalled_after_days=10, due_soon_days=5)
FLAG = PLAN_TAB.index("flag")


def _new(config: Config):  # type: ignore[no-untyped-def]
    req = app.CreateRequest("Acme rollout", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")])
    return app.build_new_plan(req, config, CREATED, NOW)


def _flags(snapshot) -> list[str]:  # type: ignore[no-untyped-def]
    return [row[FLAG].formula or "" for row in snapshot.tabs[PLAN].rows[1:] if len(row) > FLAG]


def _windows(formula: str) -> tuple[int, int]:
    """(stalled, due soon) days a live flag formula was written with."""
    stalled = re.search(r"TODAY\(\)-[A-Z]+\d+>=(\d+)", formula)
    soon = re.search(r"<=WORKDAY\(TODAY\(\),(\d+),", formula)
    assert stalled and soon, formula
    return int(stalled[1]), int(soon[1])


def test_formulas_carry_the_windows_they_are_given() -> None:
    cols = PlanColumns()
    assert _windows(live_flag(2, cols, CUSTOM)) == (10, 5)
    assert _windows(flag_formula(7, cols, "Needs owner", thresholds=Thresholds())) == (7, 3)
    rules = {r.name: r.formula for r in colour_rules(cols, CUSTOM)}
    assert rules["stalled"].endswith(">=10)")
    assert rules["due_soon"].endswith("<=WORKDAY(TODAY(),5,INDIRECT(\"'_mapws'!$L$2:$L$1000\")))")


@pytest.mark.parametrize("days", [Thresholds(), CUSTOM, Thresholds(stalled_after_days=30, due_soon_days=0)])
def test_the_products_rules_are_recognised_whatever_their_windows(days: Thresholds) -> None:
    moved = PlanColumns(activity="E", due="H", status="J", last_row=900)
    for rule in colour_rules(moved, days):
        assert is_colour_rule_formula(rule.formula), rule.name
        assert is_colour_rule_formula("=" + rule.formula.lower().replace(",", ", "))
    # A buyer's own rule that looks alike is not the product's.
    stalled = next(r.formula for r in colour_rules(moved, days) if r.name == "stalled")
    assert not is_colour_rule_formula(stalled.replace("TODAY()", "NOW()"))
    assert not is_colour_rule_formula(stalled.replace(">=", ">"))


def test_a_plan_records_its_windows_and_reads_defaults_when_it_records_none() -> None:
    assert thresholds_of({}) == Thresholds()
    assert thresholds_of({"stalled_after_days": "x"}).stalled_after_days == Thresholds().stalled_after_days
    recorded = thresholds_of(thresholds_meta(CUSTOM))
    assert (recorded.stalled_after_days, recorded.due_soon_days) == (10, 5)


def test_render_writes_and_records_the_windows_it_is_given() -> None:
    new = _new(Config())
    snapshot = render_plan(new.plan, [], {"plan_id": "p"}, thresholds=CUSTOM)
    assert snapshot.meta["stalled_after_days"] == "10" and snapshot.meta["due_soon_days"] == "5"
    assert {_windows(f) for f in _flags(snapshot)} == {(10, 5)}
    assert snapshot.meta["formatted_rows"] == str(MIN_FORMATTED_ROWS)
    assert PlanColumns().last_row == MIN_FORMATTED_ROWS


def test_a_plan_created_with_custom_windows_is_settled() -> None:
    new = _new(Config(thresholds=CUSTOM))
    assert (new.snapshot.meta["stalled_after_days"], new.snapshot.meta["due_soon_days"]) == ("10", "5")
    assert {_windows(f) for f in _flags(new.snapshot)} == {(10, 5)}
    assert plan_sync(new.snapshot, CREATED, now=NOW, settings=Settings(thresholds=CUSTOM)).changes.is_empty


def test_changed_windows_rewrite_flags_rules_and_meta_once() -> None:
    old = _new(Config()).snapshot
    assert plan_sync(old, CREATED, now=NOW).changes.is_empty
    moved = plan_sync(old, CREATED, now=NOW, settings=Settings(thresholds=CUSTOM)).changes
    assert moved.formats_to_row == MIN_FORMATTED_ROWS
    assert moved.meta == {"stalled_after_days": "10", "due_soon_days": "5"}
    flags = [w for w in moved.cells if w.field == "flag"]
    assert len(flags) == len(_flags(old)) and {_windows(w.formula or "") for w in flags} == {(10, 5)}
    assert not any(h.note.startswith("edit to a sync-owned") for h in moved.history)
    after = apply_in_memory(old, moved)
    assert plan_sync(after, CREATED, now=NOW, settings=Settings(thresholds=CUSTOM)).changes.is_empty
    # And back to the defaults.
    back = plan_sync(after, CREATED, now=NOW).changes
    assert back.meta == {"stalled_after_days": "7", "due_soon_days": "3"} and back.formats_to_row


def test_a_plan_from_before_windows_were_recorded_reads_as_the_defaults() -> None:
    old = _new(Config()).snapshot
    meta = {k: v for k, v in old.meta.items() if k not in ("stalled_after_days", "due_soon_days")}
    unrecorded = replace(old, meta=meta)
    assert plan_sync(unrecorded, CREATED, now=NOW).changes.is_empty
    assert plan_sync(unrecorded, CREATED, now=NOW, settings=Settings(thresholds=CUSTOM)).changes.meta


def test_a_due_soon_rule_from_before_working_days_is_still_the_products() -> None:
    """Plans made before "due soon" counted working days have a calendar-day rule: the product's,
    so the next sync replaces it rather than keeping it beside the new one as a buyer's rule."""
    older = ('AND($C2<>"",ISNUMBER($F2),NOT(OR(' + ",".join(f'$G2="{w}"' for w in CLOSED_WORDS)
             + ')),N($F2)>=TODAY(),N($F2)-TODAY()<=3)')
    assert is_colour_rule_formula(older)
    assert not is_colour_rule_formula(older.replace("<=3", "<3"))


def test_a_rows_live_flag_is_built_once_a_process_for_its_columns_and_thresholds() -> None:
    """Each sync builds every item row's flag: the same rows recur from plan to plan over a night."""
    cols = PlanColumns()
    first = live_flag(7, cols, CUSTOM)
    before = live_flag.cache_info()
    assert live_flag(7, PlanColumns(), Thresholds(stalled_after_days=10, due_soon_days=5)) == first
    assert live_flag.cache_info().hits == before.hits + 1
    assert _windows(live_flag(7, cols, Thresholds())) == (7, 3) and _windows(first) == (10, 5)
