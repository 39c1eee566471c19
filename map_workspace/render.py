"""Plan → the contract's grids: what a brand-new plan file holds, before any backend writes it.

Pure: plain data in, a :class:`Snapshot` out. Both backends write the same grids, so a plan
created locally and one created on Google start out cell for cell alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from map_workspace.changes import StateRow
from map_workspace.domain.model import CheckIn, Item, Plan, Risk, Stakeholder
from map_workspace.domain.thresholds import Thresholds
from map_workspace.formulas import PlanColumns, flag_formula, overdue_formula, progress_formula, thresholds_meta
from map_workspace.layout import (
    CHECKINS_TAB,
    HISTORY_TAB,
    OVERVIEW,
    OVERVIEW_FIELDS,
    OVERVIEW_GUIDE,
    OVERVIEW_TITLE,
    PLAN_TAB,
    RISKS_TAB,
    STAKEHOLDERS_TAB,
    STATE_TAB,
    TIMELINE,
    Cell,
    CellValue,
    Grid,
    Snapshot,
    TabSpec,
    column_letter,
    formatted_rows,
    recorded_formatted_rows,
)
from map_workspace.timeline import fresh_layout


def plan_columns(last_row: int) -> PlanColumns:
    """Where the formulas find Activity, Due and Status in a freshly rendered Plan tab."""
    return PlanColumns(
        activity=column_letter(PLAN_TAB.index("activity")),
        due=column_letter(PLAN_TAB.index("due")),
        status=column_letter(PLAN_TAB.index("status")),
        last_row=last_row,
        tab=PLAN_TAB.name,
    )


def render_plan(
    plan: Plan,
    state: Sequence[StateRow],
    meta: dict[str, str],
    *,
    rows_formatted: int | None = None,
    thresholds: Thresholds | None = None,
) -> Snapshot:
    """Lay a plan out as the contract's tabs. ``meta`` becomes the file's document properties;
    ``formatted_rows`` (``rows_formatted``, else the one in ``meta``, else room for the items) is
    put into it, so the sync knows how far dropdowns, colour rules and counting ranges reach.
    The Flag formulas use ``thresholds`` (default: the defaults), recorded in the meta too, so
    both backends write colour rules with the same windows and the sync sees when config moves."""
    if rows_formatted is None:
        rows_formatted = recorded_formatted_rows(meta) or None
    last_row = formatted_rows(len(plan.items), rows_formatted)
    thresholds = thresholds or Thresholds()
    cols = plan_columns(last_row)
    tabs = {
        OVERVIEW: _overview(plan, cols),
        PLAN_TAB.name: _table(PLAN_TAB, [_item_row(i, row, cols, thresholds)
                                         for row, i in enumerate(plan.items, 2)]),
        STAKEHOLDERS_TAB.name: _table(STAKEHOLDERS_TAB, [_stakeholder_row(s) for s in plan.stakeholders]),
        RISKS_TAB.name: _table(RISKS_TAB, [_risk_row(r) for r in plan.risks]),
        CHECKINS_TAB.name: _table(CHECKINS_TAB, [_checkin_row(c) for c in plan.checkins]),
        HISTORY_TAB.name: _table(HISTORY_TAB, []),
        STATE_TAB.name: _table(STATE_TAB, [tuple(_cell(v) for v in row.cells()) for row in state]),
        TIMELINE: Grid(TIMELINE),  # its cells come from the layout in the meta (timeline.py)
    }
    timeline = fresh_layout(plan, last_row)
    full_meta = {**meta, "formatted_rows": str(last_row), **thresholds_meta(thresholds), **timeline.meta()}
    return Snapshot(source="", meta=full_meta, tabs=tabs)


def _cell(value: CellValue) -> Cell:
    """Empty text is an empty cell: a cell holding "" would count as filled in COUNTA."""
    return Cell(value=None if value == "" else value)


def _table(spec: TabSpec, rows: Sequence[tuple[Cell, ...]]) -> Grid:
    header = tuple(Cell(value=c.title) for c in spec.columns)
    return Grid(title=spec.name, rows=(header, *rows))


def _overview(plan: Plan, cols: PlanColumns) -> Grid:
    live = {"progress": progress_formula(cols), "overdue": overdue_formula(cols)}
    rows: list[tuple[Cell, ...]] = [(Cell(value=OVERVIEW_TITLE),), (Cell(value=OVERVIEW_GUIDE),)]
    for field in OVERVIEW_FIELDS:
        if field.key in live:
            value = Cell(formula=live[field.key])
        else:
            value = _cell(getattr(plan.overview, field.key, None))
        rows.append((Cell(value=field.label), value))
    return Grid(title=OVERVIEW, rows=tuple(rows))


def _row(spec: TabSpec, values: dict[str, CellValue]) -> tuple[Cell, ...]:
    """Cells in the tab's column order; a column without a value stays empty."""
    return tuple(_cell(values.get(c.key)) for c in spec.columns)


def _label(value: StrEnum | None) -> str | None:
    return value.value if value is not None else None


def _item_row(item: Item, row: int, cols: PlanColumns, thresholds: Thresholds) -> tuple[Cell, ...]:
    due: date | str | None = item.due or item.due_text
    cells = list(_row(PLAN_TAB, {
        "id": item.id,
        "type": item.type.value,
        "activity": item.activity,
        "side": _label(item.side),
        "owner": item.owner,
        "due": due,
        "status": _label(item.status) or item.status_text,
        "depends_on": ", ".join(item.depends_on) or item.depends_text,
        "done_on": item.done_on,
        "notes": item.notes,
        "baseline": item.baseline,
        "slips": item.slips,
    }))
    cells[PLAN_TAB.index("flag")] = Cell(formula=flag_formula(row, cols, thresholds=thresholds))
    return tuple(cells)


def _stakeholder_row(person: Stakeholder) -> tuple[Cell, ...]:
    return _row(STAKEHOLDERS_TAB, {
        "name": person.name, "side": _label(person.side), "role": person.role, "email": person.email,
        "phone": person.phone, "availability": person.availability, "owns": person.owns,
    })


def _risk_row(risk: Risk) -> tuple[Cell, ...]:
    return _row(RISKS_TAB, {
        "id": risk.id, "risk": risk.risk, "probability": _label(risk.probability),
        "impact": _label(risk.impact), "mitigation": risk.mitigation, "owner": risk.owner,
        "status": _label(risk.status),
    })


def _checkin_row(checkin: CheckIn) -> tuple[Cell, ...]:
    return _row(CHECKINS_TAB, {
        "date": checkin.date, "attendees": checkin.attendees, "done_since_last": checkin.done_since_last,
        "blockers": checkin.blockers, "timeline_changes": checkin.timeline_changes,
        "agenda": checkin.agenda, "notes": checkin.notes, "next": checkin.next,
    })
