"""A broad sample of findings, as JSON, so a change to how findings are worded shows up.

Every finding code (and each way one is worded) is produced here from plain data: plans in
memory for the rules, a snapshot edited in memory for what reading and scheduling report. The
expected output lives in ``findings_golden.json``, recorded before the findings registry existed;
``tests/unit/test_findings.py`` compares against it. After an intended change of wording,
regenerate it with ``python -m tests.unit.findings_sample`` and review the diff.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Finding, Item, ItemType, Overview, Person, Plan, Side, Stakeholder, Status
from map_workspace.domain.rules import Context, Thresholds, assess
from map_workspace.layout import (
    OVERVIEW,
    PLAN,
    PLAN_TAB,
    RISKS,
    RISKS_TAB,
    STAKEHOLDERS,
    STAKEHOLDERS_TAB,
    Cell,
    Grid,
    Snapshot,
)
from map_workspace.reading import find_table
from map_workspace.sync import plan_sync
from tests.unit.snapshot_edit import SnapshotEditor

GOLDEN = Path(__file__).with_name("findings_golden.json")

TODAY = date(2026, 5, 4)  # a Monday
PEOPLE = (
    Stakeholder("Dana Tanaka", Side.BUYER, "Champion", "dana@acme.com"),
    Stakeholder("Sam Rivera", Side.SELLER, "Account executive", "sam@seller.io"),
    Stakeholder("Priya Shah", Side.BUYER, "CFO", "priya@acme.com", availability="travelling 2026-05-11 to 2026-05-22"),
    Stakeholder("Dana Smith", Side.BUYER, "IT lead", "dsmith@acme.com"),
)


def _item(id_: str, **kw: Any) -> Item:
    kw.setdefault("type", ItemType.MILESTONE if id_.startswith("M") else ItemType.TASK)
    kw.setdefault("activity", f"Activity {id_}")
    kw.setdefault("owner", "Sam Rivera")
    kw.setdefault("due", date(2026, 5, 20))
    kw.setdefault("side", Side.SELLER)
    kw.setdefault("status", Status.NOT_STARTED)
    return Item(id=id_, **kw)


def _plan(*items: Item, target: date | None = date(2026, 6, 30), locale: str = "en_US") -> Plan:
    return Plan("p1", Overview("Acme rollout", "Acme", "Seller.io", target), tuple(items), PEOPLE, locale=locale)


def _assessed(p: Plan, **ctx: Any) -> list[Finding]:
    return list(assess(p, Context(today=TODAY, **ctx)).findings)


def _rule_cases() -> dict[str, list[Finding]]:
    i = _item
    cases: dict[str, list[Finding]] = {}
    cases["owners"] = _assessed(_plan(
        i("T-01", owner=""), i("T-02", owner="   ", role="buyer.it_lead"), i("", owner=""),
        i("T-03", owner="IT"), i("T-04", owner="the operations team", role="buyer.cfo"),
        i("T-05", owner="Acme"), i("T-06", owner="Acme", role="seller.ae"),
        i("T-07", owner="Dana Tanaka and Sam Rivera"), i("T-08", owner="Dana"),
        i("T-09", owner="Zed Unknown"), i("T-10", owner="", status=Status.DONE),
    ))
    cases["dates"] = _assessed(_plan(
        i("T-01", due=None, due_text="soonish"), i("T-02", due=None), i("", due=None),
        i("T-03", due=date(2028, 1, 5)), i("T-04", due=None, status=Status.DONE),
    ))
    cases["dates-ja"] = _assessed(_plan(i("T-01", due=None, due_text="来週"), i("T-02", due=None), locale="ja_JP"))
    cases["no-target"] = _assessed(_plan(i("T-01"), target=None))
    cases["window-without-target"] = _assessed(_plan(i("T-01", due=date(2024, 1, 5)), target=None))
    cases["statuses"] = _assessed(_plan(i("T-01", status=None, status_text="Pending"), i("", status=None)))
    cases["dependencies"] = _assessed(_plan(
        i("T-01", due=date(2026, 5, 8)),
        i("T-02", depends_text="T-01, banana", depends_on=("T-01",), due=date(2026, 5, 20)),
        i("T-03", depends_text="T-03", depends_on=("T-03",)),
        i("T-04", depends_text="T-99", depends_on=("T-99",)),
        i("", depends_text="T-98", depends_on=("T-98",)),
        i("T-05", depends_text="T-06", depends_on=("T-06",)), i("T-06", depends_text="T-07", depends_on=("T-07",)),
        i("T-07", depends_text="T-05", depends_on=("T-05",)),
        i("T-08", depends_on=("T-01",), due=date(2026, 5, 6)),
        i("T-09", depends_on=("T-01",), due=date(2026, 5, 11), lead_days=5),
        i("T-10", depends_on=("T-01",), due=date(2026, 5, 12), lead_days=1),
        i("T-11", depends_on=("T-01",), status=Status.IN_PROGRESS),
        i("T-12", depends_on=("T-01",), status=Status.DONE, due=date(2026, 5, 1)),
        i("T-13", depends_text="and, or", depends_on=()),
    ))
    cases["availability"] = _assessed(_plan(
        i("T-01", owner="Priya Shah", side=Side.BUYER, due=date(2026, 5, 15)),
        i("T-02", owner="Priya Shah", side=Side.BUYER, due=date(2026, 5, 29)),
    ))
    cases["due"] = _assessed(_plan(
        i("T-01", status=Status.BLOCKED), i("T-02", depends_on=("T-03", "T-04"), status=Status.BLOCKED),
        i("T-03"), i("T-04"), i("T-05", depends_on=("T-06",), status=Status.BLOCKED), i("T-06", status=Status.DONE),
        i("T-07", due=date(2026, 4, 20)), i("T-08", due=date(2026, 4, 27)), i("T-09", due=date(2026, 4, 28)),
        i("T-10", due=date(2026, 5, 3)), i("T-11", due=date(2026, 5, 4)), i("T-12", due=date(2026, 5, 7)),
        i("T-13", due=date(2026, 5, 8)), i("M-01", slips=2, activity="Decision"), i("M-02", slips=5),
    ))
    cases["due-custom-thresholds"] = _assessed(
        _plan(i("T-01", due=date(2026, 4, 30)), i("T-02", due=date(2026, 5, 9)), i("M-01", slips=1)),
        thresholds=Thresholds(stalled_after_days=3, due_soon_days=5, repeated_slips=1),
    )
    cases["hygiene"] = _assessed(
        _plan(*(i(f"T-{n:02d}") for n in range(1, 33)),
              i("T-40", side=Side.BUYER, owner="Sam Rivera"), i("T-41", side=Side.BUYER, owner="Dana Tanaka")),
        shortfall_days=4,
    )
    cases["hygiene-small"] = _assessed(
        _plan(i("T-01"), i("T-02"), i("T-03")), thresholds=Thresholds(max_open_items=2), shortfall_days=1,
    )
    cases["decision-late"] = _assessed(_plan(
        i("T-01", due=date(2026, 7, 3)), i("M-01", activity="Purchase decision", depends_on=("T-01",),
                                           due=date(2026, 7, 1), lead_days=2),
    ))
    cases["decision-off-track"] = _assessed(_plan(
        i("T-01", due=date(2026, 7, 31)), i("M-01", activity="Purchase decision", depends_on=("T-01",),
                                            due=date(2026, 7, 1), lead_days=2),
    ))
    cases["unseen"] = _assessed(
        _plan(i("T-01", owner="Zed Unknown", due=None), i("T-02", owner="")), unseen=frozenset({"stakeholders", "due"}),
    )
    cases["buyer-silent"] = _assessed(_plan(i("T-01")), buyer_since=date(2026, 4, 13), buyer_edited=True,
                                      buyer_by="Dana Tanaka")
    cases["buyer-never-edited"] = _assessed(_plan(i("T-01")), buyer_since=date(2026, 4, 1))
    return cases


CREATED = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _created(decision: date = date(2026, 6, 30), today: date = CREATED, template: str = "enterprise") -> app.NewPlan:
    req = app.CreateRequest(
        "Acme rollout", decision,
        [Person.parse("Dana Tanaka <dana@acme.com>"), Person.parse("Lee Chen <lee@acme.com>")],
        [Person.parse("Sam Rivera <sam@seller.io>")],
        roles={"buyer.cfo": Person.parse("Priya Shah <priya@acme.com>")} if template == "enterprise" else {},
        template=template,
    )
    return app.build_new_plan(req, Config(), today, NOW)


def _synced(snapshot: Snapshot, today: date = CREATED) -> list[Finding]:
    return list(plan_sync(snapshot, today, now=NOW.replace(day=today.day, month=today.month)).findings)


def _edit_tab(snapshot: Snapshot, tab: str, edit: Any) -> Snapshot:
    grid = [list(r) for r in snapshot.tabs[tab].rows]
    edit(grid)
    tabs = dict(snapshot.tabs)
    tabs[tab] = Grid(snapshot.tabs[tab].title, tuple(tuple(r) for r in grid))
    return replace(snapshot, tabs=tabs)


def _reading_cases() -> dict[str, list[Finding]]:
    new = _created()
    base = new.snapshot
    cases: dict[str, list[Finding]] = {"created": list(new.findings)}

    ed = SnapshotEditor(base)
    ed.set("T-01", "type", "Epic")
    ed.set("T-02", "done_on", "whenever")
    ed.set("T-03", "due", "next-ish")
    ed.set("T-04", "status", "Pending")
    ed.set("T-05", "owner", "the IT team")
    ed.set("T-06", "depends_on", "T-99")
    ed.add_row(owner="Dana Tanaka", due="2026-05-01")
    ed.add_row(activity="New thing", type="Story", done_on="later")
    cases["plan-edits"] = _synced(ed.snapshot)

    def target(grid: list[list[Cell]]) -> None:
        for row in grid:
            if row and row[0].text.strip().lower().startswith("target decision"):
                row[1] = Cell("some day")

    cases["overview-target"] = _synced(_edit_tab(base, OVERVIEW, target))

    def moved(day: date) -> Any:
        def edit(grid: list[list[Cell]]) -> None:
            for row in grid:
                if row and row[0].text.strip().lower().startswith("target decision"):
                    row[1] = Cell(day)
        return edit

    for name, day in (("target-moved-earlier", date(2026, 6, 12)), ("target-moved-later", date(2026, 7, 10))):
        cases[name] = [f for f in _synced(_edit_tab(base, OVERVIEW, moved(day))) if f.code == "decision.target_moved"]

    def drop_headers(grid: list[list[Cell]]) -> None:
        table = find_table(Grid(PLAN, tuple(tuple(r) for r in grid)), PLAN_TAB)
        for key in ("owner", "notes"):
            grid[table.header_row][table.columns[key]] = Cell("")

    cases["column-missing"] = _synced(_edit_tab(base, PLAN, drop_headers))

    tabs = {k: v for k, v in base.tabs.items() if k not in (STAKEHOLDERS, RISKS)}
    cases["tabs-missing"] = _synced(replace(base, tabs=tabs))

    def risks(grid: list[list[Cell]]) -> None:
        table = find_table(Grid(RISKS, tuple(tuple(r) for r in grid)), RISKS_TAB)
        first, second = table.header_row + 1, table.header_row + 2
        grid[first][table.columns["probability"]] = Cell("Huge")
        grid[first][table.columns["impact"]] = Cell("Meh")
        grid[second][table.columns["status"]] = Cell("Worrying")
        grid[second][table.columns["id"]] = Cell("")

    cases["risks"] = _synced(_edit_tab(base, RISKS, risks))

    def availability(grid: list[list[Cell]]) -> None:
        table = find_table(Grid(STAKEHOLDERS, tuple(tuple(r) for r in grid)), STAKEHOLDERS_TAB)
        row = grid[table.header_row + 1]
        row += [Cell() for _ in range(table.columns["availability"] + 1 - len(row))]
        row[table.columns["availability"]] = Cell("out sometime in Q2")

    cases["availability-unreadable"] = [f for f in _synced(_edit_tab(base, STAKEHOLDERS, availability))
                                        if f.code == "availability.unreadable"]

    for name, decision, today, template in (
        ("compressed", date(2026, 3, 20), CREATED, "enterprise"),
        ("compressed-one-day-left", date(2026, 3, 3), CREATED, "enterprise"),
        ("compressed-no-day-left", date(2026, 3, 7), date(2026, 3, 6), "enterprise"),
        ("compressed-by-one-day", date(2026, 3, 27), CREATED, "light"),
    ):
        cases[name] = [f for f in _created(decision, today, template).findings if f.code == "schedule.compressed"]
    cases["decision-on-a-day-off"] = [f for f in _created(date(2026, 7, 4)).findings
                                      if f.code.startswith("schedule.")]
    early = _created(date(2026, 4, 9), template="ja-enterprise")
    cases["decision-early-in-the-fiscal-year"] = [f for f in early.findings if f.code == "schedule.fiscal_year_start"]
    return cases


def sample() -> dict[str, list[dict[str, object]]]:
    """Every case's findings, as the JSON a script sees."""
    cases = {**_rule_cases(), **_reading_cases()}
    return {name: [f.as_json() for f in findings] for name, findings in cases.items()}


def codes_in(data: dict[str, list[dict[str, object]]]) -> set[str]:
    return {str(f["code"]) for findings in data.values() for f in findings}


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(sample(), indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
