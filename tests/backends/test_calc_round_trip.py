"""A buyer who opens the plan in LibreOffice Calc, edits it, renames tabs and saves it as .xlsx.

Calc never writes tab code names to .xlsx and its headless save drops frozen panes, so the plan's
tabs are found by what Calc keeps (a defined name per tab, which follows renames; for plans made
before those names, the tab's header row), and the sync puts the markers and the frozen header
row back. Each case is a real Calc save through LibreOffice (skipped without it locally, required
in CI)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from map_workspace import app
from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.backends.local.workbook_contract import code_name, tab_marker
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import CHECKINS, HISTORY, OVERVIEW, PLAN, RISKS, STAKEHOLDERS, STATE, TABS, TIMELINE
from tests.support.calc import calc_save
from tests.support.plans import soffice_or_skip

TODAY = date(2026, 12, 1)
RENAMES = {OVERVIEW: "Summary", PLAN: "Action plan", STAKEHOLDERS: "People", RISKS: "Risk log",
           CHECKINS: "Meetings", HISTORY: "Change log", STATE: "mapws state", TIMELINE: "Gantt"}
#: The tabs of a new plan in order: the contract's, with the Timeline right after the Plan.
ORDER = [*TABS[:2], TIMELINE, *TABS[2:]]
VISIBLE_TABLES = (PLAN, STAKEHOLDERS, RISKS, CHECKINS, HISTORY)


@pytest.fixture(scope="module")
def soffice() -> str:
    return soffice_or_skip()


def new_plan(folder: Path) -> tuple[LocalPlanStore, Path, Config]:
    store = LocalPlanStore(folder)
    config = Config(dir=folder, today=TODAY)
    request = app.CreateRequest("Globex rollout", date(2027, 2, 26), [Person.parse("Dana Tanaka <dana@acme.com>")],
                                [Person.parse("Sam Rivera <sam@seller.io>")])
    app.create_plan(store, request, config)
    return store, store.path_for("globex-rollout"), config


def through_calc(soffice: str, path: Path, **kwargs) -> None:
    """Open ``path`` in Calc, change it as asked, and save it over itself, as a buyer would."""
    saved = calc_save(soffice, path, path.with_name("calc-" + path.name), **kwargs)
    os.replace(saved, path)


def row_of(path: Path, tab_title: str, item_id: str) -> int:
    ws = load_workbook(path)[tab_title]
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == item_id)


def assert_markers_in_place(path: Path, titles: dict[str, str]) -> None:
    wb = load_workbook(path)
    for tab in ORDER:
        ws = wb[titles.get(tab, tab)]
        assert ws.sheet_properties.codeName == code_name(tab), tab
        marker = wb.defined_names[tab_marker(tab)]
        assert marker.hidden and [title for title, _ in marker.destinations] == [ws.title], tab
    for tab in VISIBLE_TABLES:
        assert wb[titles.get(tab, tab)].freeze_panes == "A2", tab


def test_a_calc_save_without_edits_is_read_whole_and_the_sync_restores_markers_and_frozen_header(tmp_path, soffice):
    store, path, config = new_plan(tmp_path)
    through_calc(soffice, path)
    calc_saved = load_workbook(path)
    assert all(ws.sheet_properties.codeName is None for ws in calc_saved.worksheets)  # what Calc does
    assert all(ws.freeze_panes is None for ws in calc_saved.worksheets)
    outcome = app.sync_plan(store, "globex-rollout", config)
    assert not [f for f in outcome.result.findings if f.code.startswith("layout.")]
    assert load_workbook(path).sheetnames == ORDER  # the Timeline found again, not added twice
    assert_markers_in_place(path, {})
    assert not app.sync_plan(store, "globex-rollout", config).written  # and then nothing more


@pytest.mark.parametrize("made_before_markers", [False, True], ids=["marked", "made-before-markers"])
def test_every_tab_renamed_and_edited_in_calc_is_still_the_plans(tmp_path, soffice, made_before_markers):
    store, path, config = new_plan(tmp_path)
    if made_before_markers:  # a plan written before tabs carried a defined name (and History named the
        wb = load_workbook(path)  # activity and who): found by its header row
        for tab in TABS:
            del wb.defined_names[tab_marker(tab)]
        history = wb[HISTORY]
        for col, title in enumerate(("When (auto)", "ID (auto)", "Field (auto)", "From (auto)", "To (auto)",
                                     "Note (auto)", None, None), 1):
            history.cell(1, col).value = title
        for row in history.iter_rows(min_row=2):
            for cell in row:
                cell.value = None
        wb.save(path)
    t01 = row_of(path, PLAN, "T-01")
    through_calc(soffice, path, renames=[(tab, RENAMES[tab]) for tab in ORDER],
                 edits=[(RENAMES[PLAN], f"G{t01}", "Done"), (RENAMES[PLAN], f"I{t01}", "2026-11-30")])
    assert load_workbook(path).sheetnames == [RENAMES[tab] for tab in ORDER]
    outcome = app.sync_plan(store, "globex-rollout", config)
    assert not [f for f in outcome.result.findings if f.code.startswith("layout.")], outcome.result.findings
    assert outcome.result.plan.risks and outcome.result.plan.risks[0].id == "R-01"
    wb = load_workbook(path)
    assert wb.sheetnames == [RENAMES[tab] for tab in ORDER]  # no second History, Risks or Timeline
    history = wb[RENAMES[HISTORY]]
    titles = [str(c.value).split(" (")[0] for c in history[1]]
    logged = [dict(zip(titles, row, strict=False)) for row in history.iter_rows(min_row=2, values_only=True)]
    assert any((r["ID"], r["Field"], r["From"], r["To"]) == ("T-01", "Status", "Not started", "Done") for r in logged)
    assert_markers_in_place(path, RENAMES)
    assert not app.sync_plan(store, "globex-rollout", config).written
