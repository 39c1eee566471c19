"""Plan → the contract's grids: what a brand-new plan file holds, before any backend writes it.

Pure: plain data in, a :class:`Snapshot` out. Both backends write the same grids, so a plan
created locally and one created on Google start out cell for cell alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from map_workspace import catalog
from map_workspace.changes import StateRow
from map_workspace.domain.model import CheckIn, Item, Plan, Risk, Stakeholder
from map_workspace.domain.thresholds import Thresholds
from map_workspace.domain.vocabulary import word_of
from map_workspace.formulas import PlanColumns, flag_formula, overdue_formula, progress_formula, thresholds_meta
from map_workspace.layout import (
    CHECKINS,
    CHECKINS_TAB,
    HISTORY,
    OVERVIEW,
    PLAN,
    PLAN_TAB,
    RISKS,
    RISKS_TAB,
    STAKEHOLDERS,
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
    overview_fields_in,
    overview_guide,
    overview_title,
    recorded_formatted_rows,
    spec_in,
    tab_title,
)
from map_workspace.timeline import fresh_layout


def plan_columns(last_row: int, lang: str = catalog.DEFAULT) -> PlanColumns:
    """Where the formulas find Activity, Due and Status in a freshly rendered Plan tab."""
    return PlanColumns(
        activity=column_letter(PLAN_TAB.index("activity")),
        due=column_letter(PLAN_TAB.index("due")),
        status=column_letter(PLAN_TAB.index("status")),
        last_row=last_row,
        tab=tab_title(PLAN, lang),
        lang=lang,
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
    lang = catalog.plan_language(meta)
    cols = plan_columns(last_row, lang)
    tabs = {
        OVERVIEW: _overview(plan, cols),
        PLAN: _table(spec_in(PLAN, lang), [_item_row(i, row, cols, thresholds) for row, i in enumerate(plan.items, 2)]),
        STAKEHOLDERS: _table(spec_in(STAKEHOLDERS, lang), [_stakeholder_row(s, lang) for s in plan.stakeholders]),
        RISKS: _table(spec_in(RISKS, lang), [_risk_row(r, lang) for r in plan.risks]),
        CHECKINS: _table(spec_in(CHECKINS, lang), [_checkin_row(c) for c in plan.checkins]),
        HISTORY: _table(spec_in(HISTORY, lang), []),
        STATE_TAB.name: _table(STATE_TAB, [tuple(_cell(v) for v in row.cells()) for row in state]),
        # its cells come from the layout in the meta (timeline.py)
        TIMELINE: Grid(tab_title(TIMELINE, lang)),
    }
    timeline = fresh_layout(plan, last_row, cols.tab, lang)
    full_meta = {**meta, "formatted_rows": str(last_row), **thresholds_meta(thresholds), **timeline.meta()}
    return Snapshot(source="", meta=full_meta, tabs=tabs)


def _cell(value: CellValue) -> Cell:
    """Empty text is an empty cell: a cell holding "" would count as filled in COUNTA."""
    return Cell(value=None if value == "" else value)


def _table(spec: TabSpec, rows: Sequence[tuple[Cell, ...]]) -> Grid:
    header = tuple(Cell(value=c.title) for c in spec.columns)
    return Grid(title=spec.title, rows=(header, *rows))


def _overview(plan: Plan, cols: PlanColumns) -> Grid:
    live = {"progress": progress_formula(cols), "overdue": overdue_formula(cols)}
    rows: list[tuple[Cell, ...]] = [(Cell(value=overview_title(cols.lang)),), (Cell(value=overview_guide(cols.lang)),)]
    for field in overview_fields_in(cols.lang):
        if field.key in live:
            value = Cell(formula=live[field.key])
        else:
            value = _cell(getattr(plan.overview, field.key, None))
        rows.append((Cell(value=field.label), value))
    return Grid(title=tab_title(OVERVIEW, cols.lang), rows=tuple(rows))


def _row(spec: TabSpec, values: dict[str, CellValue]) -> tuple[Cell, ...]:
    """Cells in the tab's column order; a column without a value stays empty."""
    return tuple(_cell(values.get(c.key)) for c in spec.columns)


def _label(value: StrEnum | None, lang: str) -> str | None:
    """What the sheet of a plan in ``lang`` shows for a status, type, side or level."""
    return word_of(value, lang) if value is not None else None


def _item_row(item: Item, row: int, cols: PlanColumns, thresholds: Thresholds) -> tuple[Cell, ...]:
    due: date | str | None = item.due or item.due_text
    lang = cols.lang
    cells = list(_row(PLAN_TAB, {
        "id": item.id,
        "type": word_of(item.type, lang),
        "activity": item.activity,
        "side": _label(item.side, lang),
        "owner": item.owner,
        "due": due,
        "status": _label(item.status, lang) or item.status_text,
        "depends_on": ", ".join(item.depends_on) or item.depends_text,
        "done_on": item.done_on,
        "notes": item.notes,
        "baseline": item.baseline,
        "slips": item.slips,
    }))
    cells[PLAN_TAB.index("flag")] = Cell(formula=flag_formula(row, cols, thresholds=thresholds))
    return tuple(cells)


def _stakeholder_row(person: Stakeholder, lang: str) -> tuple[Cell, ...]:
    return _row(STAKEHOLDERS_TAB, {
        "name": person.name, "side": _label(person.side, lang), "role": person.role, "email": person.email,
        "phone": person.phone, "availability": person.availability, "owns": person.owns,
    })


def _risk_row(risk: Risk, lang: str) -> tuple[Cell, ...]:
    return _row(RISKS_TAB, {
        "id": risk.id, "risk": risk.risk, "probability": _label(risk.probability, lang),
        "impact": _label(risk.impact, lang), "mitigation": risk.mitigation, "owner": risk.owner,
        "status": _label(risk.status, lang),
    })


def _checkin_row(checkin: CheckIn) -> tuple[Cell, ...]:
    return _row(CHECKINS_TAB, {
        "date": checkin.date, "attendees": checkin.attendees, "done_since_last": checkin.done_since_last,
        "blockers": checkin.blockers, "timeline_changes": checkin.timeline_changes,
        "agenda": checkin.agenda, "notes": checkin.notes, "next": checkin.next,
    })
