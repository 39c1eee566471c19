"""``Reading.position_of`` finds a finding's cell through an index built once per plan: the same
answers as a scan of every row (first row of a repeated ID, nothing for an unknown ID), on a plan
large enough that a scan per finding would be visibly slow."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from map_workspace.domain.model import Finding, Item, ItemType, Plan, Risk, Severity, Side, Status
from map_workspace.layout import OVERVIEW, PLAN, PLAN_TAB, RISKS, STAKEHOLDERS
from map_workspace.reading import Reading, read_plan
from map_workspace.render import render_plan
from map_workspace.sync import plan_sync
from tests.support.plans import meta_for, small_plan, state_for

TODAY = date(2026, 5, 12)
ITEMS = 3000


def _big_plan() -> Plan:
    """3,000 items; T-07 appears twice (rows 8 and 3,001); every 10th item has no owner."""
    items = [Item(f"T-{n:02d}", ItemType.TASK, f"Step {n}", Side.BUYER, "" if n % 10 == 0 else "Dana Tanaka",
                  TODAY + timedelta(days=n % 90), status=Status.NOT_STARTED) for n in range(1, ITEMS)]
    items.append(replace(items[6], activity="A copy of step 7"))
    return replace(small_plan(TODAY), items=tuple(items),
                   risks=(Risk("R-01", "Budget freeze"), Risk("R-02", "Reorg"), Risk("R-01", "Copied risk")))


@pytest.fixture(scope="module")
def reading() -> Reading:
    plan = _big_plan()
    return read_plan(render_plan(plan, state_for(plan), meta_for(plan)), today=TODAY)


def _scan(r: Reading, f: Finding) -> tuple[str, int, int] | None:
    """The lookup as it was: a scan of every row, for every finding."""
    table = r.tables.get(f.tab)
    if table is None or f.id is None or f.field not in table.columns:
        return None
    pairs = (zip(r.plan.items, r.item_rows, strict=True) if f.tab == PLAN
             else zip(r.plan.risks, r.risk_rows, strict=True) if f.tab == RISKS else ())
    return next(((f.tab, ref.sheet_row, table.columns[f.field]) for obj, ref in pairs if obj.id == f.id), None)


def _finding(item_id: str | None, tab: str = PLAN, field: str | None = "owner") -> Finding:
    return Finding("owner.missing", Severity.ERROR, "", id=item_id, tab=tab, field=field)


def test_every_item_is_found_on_its_row_and_a_repeated_id_on_its_first(reading: Reading) -> None:
    owner = PLAN_TAB.index("owner")
    assert reading.position_of(_finding("T-01")) == (PLAN, 2, owner)
    assert reading.position_of(_finding("T-2999")) == (PLAN, 3000, owner)
    assert reading.position_of(_finding("T-07")) == (PLAN, 8, owner)
    findings = [_finding(f"T-{n:02d}") for n in range(1, ITEMS + 5)]
    assert [reading.position_of(f) for f in findings] == [_scan(reading, f) for f in findings]


def test_what_names_no_row_has_no_position(reading: Reading) -> None:
    assert reading.position_of(_finding("T-9999")) is None
    assert reading.position_of(_finding(None)) is None
    assert reading.position_of(_finding("T-01", field="no_such_column")) is None
    assert reading.position_of(_finding("Dana Tanaka", tab=STAKEHOLDERS, field="name")) is None
    assert reading.position_of(_finding("T-01", tab="Elsewhere")) is None


def test_risks_and_explicit_cells_and_overview_fields(reading: Reading) -> None:
    risk = reading.tables[RISKS].columns["risk"]
    assert reading.position_of(_finding("R-01", tab=RISKS, field="risk")) == (RISKS, 2, risk)
    assert reading.position_of(_finding("R-02", tab=RISKS, field="risk")) == (RISKS, 3, risk)
    assert reading.position_of(replace(_finding("T-01"), cell="C7")) == (PLAN, 7, 2)
    target = reading.overview_rows["target_decision"]
    assert reading.position_of(_finding(None, tab=OVERVIEW, field="target_decision")) == (OVERVIEW, target, 1)


def test_a_replaced_plan_is_indexed_again(reading: Reading) -> None:
    """The sync swaps in the plan with new IDs; lookups then answer for the new IDs."""
    before = reading.plan
    try:
        items = list(before.items)
        items[-1] = replace(items[-1], id="T-3000")
        reading.plan = replace(before, items=tuple(items))
        assert reading.position_of(_finding("T-3000")) == (PLAN, ITEMS + 1, PLAN_TAB.index("owner"))
        assert reading.position_of(_finding("T-07"))[1] == 8  # type: ignore[index]
    finally:
        reading.plan = before


def test_a_3000_item_sync_gives_the_copy_an_id_and_notes_every_ownerless_row() -> None:
    plan = _big_plan()
    snapshot = render_plan(plan, state_for(plan), meta_for(plan))
    result = plan_sync(snapshot, TODAY, now=datetime(2026, 5, 12, 9, tzinfo=UTC))
    ids = [(w.tab, w.value) for w in result.changes.cells if w.field == "id"]
    assert ids == [(PLAN, "T-3000"), (RISKS, "R-03")]
    owner = PLAN_TAB.index("owner")
    noted = {(n.row, n.col) for n in result.changes.notes if n.tab == PLAN and n.col == owner}
    assert noted == {(n + 1, owner) for n in range(10, ITEMS, 10)}
    missing = [f for f in result.findings if f.code == "owner.missing"]
    assert len(missing) == len(noted) and all(f.cell == f"E{int(f.id[2:]) + 1}" for f in missing)


def test_a_plan_read_again_normalises_no_header_text_again(reading: Reading) -> None:
    """Every plan of a night has the same header rows: their texts are normalised once a process."""
    from map_workspace import layout

    snapshot = reading.snapshot
    read_plan(snapshot, today=TODAY)
    before = layout._normalised_header.cache_info()
    again = read_plan(snapshot, today=TODAY)
    after = layout._normalised_header.cache_info()
    assert after.misses == before.misses and after.hits > before.hits
    assert again.tables[PLAN].columns == reading.tables[PLAN].columns
