"""Snapshot → domain: every cell is parsed here, through the layout, never ad hoc elsewhere.

Columns are found by header text (with a few synonyms a buyer might rename to) and rows by ID.
What cannot be read safely (the Plan tab gone, its ID or Activity column gone) is a
:class:`StructuralBreak`: the sync stops for that plan and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from map_workspace import SCHEMA_VERSION, catalog
from map_workspace.changes import StateRow
from map_workspace.domain import parsing
from map_workspace.domain.model import (
    CheckIn,
    Finding,
    Item,
    ItemType,
    Overview,
    Plan,
    Risk,
    Stakeholder,
    Status,
)
from map_workspace.errors import SchemaTooNew, StructuralBreak
from map_workspace.layout import (
    CHECKINS,
    CHECKINS_TAB,
    HISTORY,
    HISTORY_TAB,
    OVERVIEW,
    PLAN,
    PLAN_TAB,
    RISKS,
    RISKS_TAB,
    STAKEHOLDERS,
    STAKEHOLDERS_TAB,
    STATE,
    STATE_TAB,
    Cell,
    Grid,
    Snapshot,
    TabSpec,
    a1,
    header_names,
    normalise_header,
    overview_labels,
    parse_a1,
    spec_in,
    tab_title,
)

#: Columns without which a tab cannot be read by ID and text: a structural break.
REQUIRED = {PLAN: ("id", "activity"), RISKS: ("id", "risk"), STAKEHOLDERS: ("name",)}


@dataclass(frozen=True)
class Table:
    """A table tab as found: where its header is and which column holds which field."""

    tab: str
    header_row: int  # 0-based index into Grid.rows
    columns: dict[str, int]  # field key -> 0-based column
    grid: Grid

    def sheet_row(self, index: int) -> int:
        """1-based sheet row of the data row at ``index`` (0-based, after the header)."""
        return self.header_row + 2 + index

    def data(self) -> list[tuple[int, tuple[Cell, ...]]]:
        """(1-based sheet row, cells) of every non-blank row under the header."""
        out = []
        for i, row in enumerate(self.grid.rows[self.header_row + 1:]):
            if any(c.value not in (None, "") or c.formula for c in row):
                out.append((self.sheet_row(i), row))
        return out

    def get(self, row: tuple[Cell, ...], key: str) -> Cell:
        col = self.columns.get(key)
        if col is None or col >= len(row):
            return Cell()
        return row[col]

    def text(self, row: tuple[Cell, ...], key: str) -> str:
        return self.get(row, key).text.strip()

    def a1(self, sheet_row: int, key: str) -> str | None:
        col = self.columns.get(key)
        return a1(sheet_row, col) if col is not None else None


@dataclass(frozen=True)
class RowRef:
    """Where one item or risk was read: its sheet row and the ID cell as typed."""

    sheet_row: int
    id_text: str


@dataclass
class Reading:
    """A plan as read from a snapshot, with everything needed to address cells again."""

    snapshot: Snapshot
    plan: Plan
    tables: dict[str, Table]
    item_rows: list[RowRef]  # parallel to plan.items
    risk_rows: list[RowRef]  # parallel to plan.risks
    stakeholder_rows: list[int]  # parallel to plan.stakeholders
    overview_rows: dict[str, int]  # field key -> 1-based sheet row
    state: dict[str, StateRow]
    state_present: bool
    findings: list[Finding] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    _index: dict[tuple[str, str], int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _index_of: Plan | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def unseen(self) -> frozenset[str]:
        """What the sync cannot see (a Plan column it could not find, the Stakeholders tab), so the
        rules make no claim about it: a missing Owner column is not "no owner" on every row."""
        missing = {f.field for f in self.findings if f.code == "layout.column_missing" and f.field}
        if STAKEHOLDERS not in self.tables:
            missing.add("stakeholders")
        return frozenset(missing)

    def position_of(self, finding: Finding) -> tuple[str, int, int] | None:
        """(tab, 1-based row, 0-based column) of the cell a finding is about, when it names one."""
        if finding.cell and finding.tab in self.tables:
            row, col = parse_a1(finding.cell)
            return (finding.tab, row, col)
        if finding.tab == OVERVIEW and finding.field:
            overview_row = self.overview_rows.get(finding.field)
            return (OVERVIEW, overview_row, 1) if overview_row else None
        table = self.tables.get(finding.tab)
        if table is None or finding.id is None or finding.field not in table.columns:
            return None
        sheet_row = self._rows_by_id().get((finding.tab, finding.id))
        return (finding.tab, sheet_row, table.columns[finding.field]) if sheet_row is not None else None

    def cell_at(self, tab: str, row_id: str, key: str) -> str | None:
        """The A1 reference of a row's cell (the first row with that ID), as findings about it point."""
        table = self.tables.get(tab)
        sheet_row = self._rows_by_id().get((tab, row_id))
        return table.a1(sheet_row, key) if table is not None and sheet_row is not None else None

    def _rows_by_id(self) -> dict[tuple[str, str], int]:
        """(tab, ID) → sheet row of the first item or risk with that ID, built once per plan: the
        sync addresses every finding through it. Rebuilt when ``plan`` is replaced (the sync
        swaps in the plan with IDs given to new rows)."""
        if self._index_of is not self.plan:
            index: dict[tuple[str, str], int] = {}
            for item, ref in zip(self.plan.items, self.item_rows, strict=True):
                index.setdefault((PLAN, item.id), ref.sheet_row)
            for risk, ref in zip(self.plan.risks, self.risk_rows, strict=True):
                index.setdefault((RISKS, risk.id), ref.sheet_row)
            self._index, self._index_of = index, self.plan
        return self._index

    def cell_of(self, finding: Finding) -> str | None:
        """The A1 reference a finding points at, when it names an item and a field."""
        pos = self.position_of(finding)
        return a1(pos[1], pos[2]) if pos else None


def find_table(grid: Grid, spec: TabSpec) -> Table:
    """Locate the header row (within the first ten rows) and each known column by its text."""
    keys_by_name = _header_names(spec)
    best_row, best_cols = 0, dict[str, int]()
    for r, row in enumerate(grid.rows[:10]):
        cols: dict[str, int] = {}
        for c, cell in enumerate(row):
            if not isinstance(cell.value, str):
                continue
            for key in keys_by_name.get(normalise_header(cell.value), ()):
                if key not in cols:
                    cols[key] = c
                    break
        if len(cols) > len(best_cols):
            best_row, best_cols = r, cols
    return Table(spec.name, best_row, best_cols, grid)


def _header_names(spec: TabSpec) -> dict[str, tuple[str, ...]]:
    """Header text (normalised, in any language) → the column keys it may name, exact header first."""
    return header_names(spec.name)


def read_plan(snapshot: Snapshot, *, default_locale: str = "en_US", today: date | None = None) -> Reading:
    meta = dict(snapshot.meta)
    _check_identity(snapshot)
    locale = meta.get("locale") or default_locale
    lang = catalog.plan_language(meta)  # the tab and header names the plan's sheet shows

    def shown(tab: str) -> str:
        return tab_title(tab, lang)

    tables: dict[str, Table] = {}
    for spec in (PLAN_TAB, STAKEHOLDERS_TAB, RISKS_TAB, CHECKINS_TAB, STATE_TAB):
        grid = snapshot.tabs.get(spec.name)
        if grid is None:
            if spec.name == PLAN:
                raise StructuralBreak(
                    f"{snapshot.source}: the {shown(PLAN)} tab is missing (renamed or deleted).",
                    f"Restore the tab named '{shown(PLAN)}' (undo, or File → Version history), then run sync again.",
                )
            continue
        table = find_table(grid, spec)
        missing = [k for k in REQUIRED.get(spec.name, ()) if k not in table.columns]
        if missing:
            headers = ", ".join(repr(spec_in(spec.name, lang).column(k).title) for k in missing)
            raise StructuralBreak(
                f"{snapshot.source}: the {shown(spec.name)} tab has no {headers} column, so rows cannot be matched.",
                f"Restore the header {headers} in the {shown(spec.name)} tab's first row (undo the rename or "
                "deletion), then run sync again.",
            )
        tables[spec.name] = table

    findings: list[Finding] = []
    for spec, variant in ((STAKEHOLDERS_TAB, ""), (RISKS_TAB, "Risks")):
        if spec.name not in tables:
            findings.append(Finding.of("layout.tab_missing", variant))
    for spec in (PLAN_TAB,):
        for col in spec.columns:
            if col.key not in tables[spec.name].columns and col.key not in REQUIRED[spec.name]:
                findings.append(Finding.of("layout.column_missing", field=col.key,
                                           title=spec_in(PLAN, lang).column(col.key).title))

    overview, overview_rows, ov_findings = _read_overview(snapshot.tabs.get(OVERVIEW), locale, today)
    findings += ov_findings
    stakeholders, stakeholder_rows = _read_stakeholders(tables.get(STAKEHOLDERS), locale, today, findings)
    items, item_rows = _read_items(tables[PLAN], locale, today, findings)
    risks, risk_rows = _read_risks(tables.get(RISKS), findings)
    checkins = _read_checkins(tables.get(CHECKINS), locale, today)
    state = _read_state(tables.get(STATE))
    plan = Plan(
        plan_id=meta.get("plan_id", ""),
        overview=overview,
        items=tuple(items),
        stakeholders=tuple(stakeholders),
        risks=tuple(risks),
        checkins=tuple(checkins),
        slug=meta.get("slug", ""),
        template=meta.get("template", ""),
        locale=locale,
        timezone=meta.get("timezone", "UTC"),
    )
    return Reading(snapshot, plan, tables, item_rows, risk_rows, stakeholder_rows, overview_rows, state,
                   STATE in tables, findings, meta)


def _check_identity(snapshot: Snapshot) -> None:
    if not snapshot.meta.get("plan_id"):
        raise StructuralBreak(
            f"{snapshot.source} is not a mapws plan (it carries no plan ID).",
            "Create plans with 'mapws create'; a copy made with 'Save as' keeps the ID.",
        )
    try:
        schema = int(snapshot.meta.get("schema", "1"))
    except ValueError:
        schema = SCHEMA_VERSION + 1
    if schema > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{snapshot.source} uses plan schema {snapshot.meta.get('schema')}, newer than this mapws "
            f"understands ({SCHEMA_VERSION}).",
            "Upgrade mapws (pip install -U mapws) and run sync again.",
        )


def _read_overview(
    grid: Grid | None, locale: str, today: date | None
) -> tuple[Overview, dict[str, int], list[Finding]]:
    rows: dict[str, int] = {}
    values: dict[str, Cell] = {}
    labels = overview_labels()
    if grid is not None:
        for r, row in enumerate(grid.rows):
            if not row:
                continue
            key = labels.get(normalise_header(row[0].text))
            if key and key not in rows:
                rows[key] = r + 1
                values[key] = row[1] if len(row) > 1 else Cell()
    findings: list[Finding] = []
    target = None
    cell = values.get("target_decision")
    if cell is not None:
        reading = parsing.parse_date(cell.value, locale, today)
        target = reading.value
        if reading.problem:
            findings.append(Finding.of("date.unparseable", "target_decision", text=reading.text,
                                    forms=parsing.accepted_date_forms(locale)))
    text = {k: (v.text.strip() if v is not None else "") for k, v in values.items()}
    overview = Overview(
        deal=text.get("deal", ""),
        buyer_company=text.get("buyer_company", ""),
        seller_company=text.get("seller_company", ""),
        target_decision=target,
        target_text=text.get("target_decision", "") if target is None else "",
        mutual_goal=text.get("mutual_goal", ""),
        buyer_goal=text.get("buyer_goal", ""),
        seller_goal=text.get("seller_goal", ""),
        success_criteria=text.get("success_criteria", ""),
        cadence=text.get("cadence", ""),
    )
    return overview, rows, findings


def _read_stakeholders(table: Table | None, locale: str, today: date | None,
                       findings: list[Finding]) -> tuple[list[Stakeholder], list[int]]:
    if table is None:
        return [], []
    people, rows = [], []
    for sheet_row, row in table.data():
        name = table.text(row, "name")
        email = table.text(row, "email")
        if not (name or email):
            continue
        availability = table.text(row, "availability")
        if parsing.read_availability(availability, locale, today).unreadable:
            findings.append(Finding.of("availability.unreadable", cell=table.a1(sheet_row, "availability"),
                                       person=name or email, text=availability))
        people.append(Stakeholder(
            name=name,
            side=parsing.parse_side(table.text(row, "side")),
            role=table.text(row, "role"),
            email=email,
            phone=table.text(row, "phone"),
            availability=table.text(row, "availability"),
        ))
        rows.append(sheet_row)
    return people, rows


def _read_items(
    table: Table, locale: str, today: date | None, findings: list[Finding]
) -> tuple[list[Item], list[RowRef]]:
    items, refs = [], []
    for sheet_row, row in table.data():
        activity = table.text(row, "activity")
        id_text = table.text(row, "id")
        if not activity:
            if any(table.text(row, k) for k in ("owner", "due", "status", "notes", "type")):
                findings.append(Finding.of("row.no_activity", id=id_text or None, cell=table.a1(sheet_row, "activity"),
                                        row=sheet_row))
            continue
        parsed_id = parsing.parse_id(id_text)
        item_id = parsing.format_id(*parsed_id) if parsed_id and parsed_id[0] in "TM" else ""
        due = parsing.parse_date(table.get(row, "due").value, locale, today)
        done_on = parsing.parse_date(table.get(row, "done_on").value, locale, today)
        deps = parsing.parse_depends(table.text(row, "depends_on"))
        type_text = table.text(row, "type")
        item_type = parsing.parse_item_type(type_text)
        if item_type is None:
            item_type = ItemType.MILESTONE if item_id.startswith("M") else ItemType.TASK
        status_text = table.text(row, "status")
        items.append(Item(
            id=item_id,
            type=item_type,
            activity=activity,
            side=parsing.parse_side(table.text(row, "side")),
            owner=table.text(row, "owner"),
            due=due.value,
            due_text=due.text,
            status=parsing.parse_status(status_text),
            status_text=status_text,
            depends_on=deps.ids,
            depends_text=table.text(row, "depends_on"),
            done_on=done_on.value,
            notes=table.text(row, "notes"),
            slips=_int(table.get(row, "slips").value),
        ))
        refs.append(RowRef(sheet_row, id_text))
        if type_text and parsing.parse_item_type(type_text) is None:
            findings.append(Finding.of("type.unknown", id=item_id or None, cell=table.a1(sheet_row, "type"),
                                    text=type_text, read_as=item_type.value))
        if done_on.problem:
            findings.append(Finding.of("date.unparseable", "done_on", id=item_id or None,
                                    cell=table.a1(sheet_row, "done_on"), text=done_on.text,
                                    forms=parsing.accepted_date_forms(locale)))
    return items, refs


def _read_risks(table: Table | None, findings: list[Finding]) -> tuple[list[Risk], list[RowRef]]:
    if table is None:
        return [], []
    risks, refs = [], []
    for sheet_row, row in table.data():
        text = table.text(row, "risk")
        if not text:
            continue
        id_text = table.text(row, "id")
        parsed = parsing.parse_id(id_text)
        risk_id = parsing.format_id(*parsed) if parsed and parsed[0] == "R" else ""
        values = {k: table.text(row, k) for k in ("probability", "impact", "status")}
        risk = Risk(
            id=risk_id,
            risk=text,
            probability=parsing.parse_level(values["probability"]),
            impact=parsing.parse_level(values["impact"]),
            mitigation=table.text(row, "mitigation"),
            owner=table.text(row, "owner"),
            status=parsing.parse_risk_status(values["status"]),
        )
        for key in ("probability", "impact"):
            if values[key] and getattr(risk, key) is None:
                findings.append(Finding.of("risk.level_unknown", id=risk_id or None, field=key,
                                        cell=table.a1(sheet_row, key), text=values[key]))
        if values["status"] and risk.status is None:
            findings.append(Finding.of("risk.status_unknown", id=risk_id or None, cell=table.a1(sheet_row, "status"),
                                    text=values["status"]))
        risks.append(risk)
        refs.append(RowRef(sheet_row, id_text))
    return risks, refs


def _read_checkins(table: Table | None, locale: str, today: date | None) -> list[CheckIn]:
    if table is None:
        return []
    return [
        CheckIn(
            date=parsing.parse_date(table.get(row, "date").value, locale, today).value,
            attendees=table.text(row, "attendees"),
            done_since_last=table.text(row, "done_since_last"),
            blockers=table.text(row, "blockers"),
            timeline_changes=table.text(row, "timeline_changes"),
            agenda=table.text(row, "agenda"),
            notes=table.text(row, "notes"),
            next=parsing.parse_date(table.get(row, "next").value, locale, today).value
            if table.text(row, "next") else None,
        )
        for _, row in table.data()
    ]


def _read_state(table: Table | None) -> dict[str, StateRow]:
    if table is None:
        return {}
    state: dict[str, StateRow] = {}
    for _, row in table.data():
        item_id = table.text(row, "id")
        if not item_id:
            continue
        state[item_id] = StateRow(
            id=item_id,
            activity=table.text(row, "activity"),
            baseline=_date(table.get(row, "baseline").value),
            due=_date(table.get(row, "due").value),
            status=table.text(row, "status"),
            owner=table.text(row, "owner"),
            slips=_int(table.get(row, "slips").value),
            lead_days=_int(table.get(row, "lead_days").value),
            role=table.text(row, "role"),
            removed=table.text(row, "removed").lower() in ("yes", "true", "1"),
        )
    return state


def _date(value: object) -> date | None:
    return parsing.parse_date(value, "en_US").value if value not in (None, "") else None


def _int(value: object) -> int:
    if value in (None, "") or isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return 0
    try:
        return int(float(value))
    except ValueError:
        return 0


def status_label(item: Item) -> str:
    """How the state remembers a status: the canonical label, or the text as typed."""
    return item.status.value if item.status is not None else item.status_text


__all__ = ["Reading", "RowRef", "Status", "Table", "find_table", "read_history", "read_plan",
           "status_label"]


# --- the History tab -------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryRow:
    """One row of the History tab as read: ``at`` when it was logged (None when the cell holds no
    readable time, ``when`` then keeps the text), ``activity`` and ``by`` "" when the file's History
    has no such column."""

    when: str
    at: datetime | None
    id: str
    activity: str
    field: str
    from_: str
    to: str
    by: str
    note: str


def read_history(snapshot: Snapshot) -> list[HistoryRow]:
    """Every History row, oldest first, its columns found by header name; [] without a History tab."""
    grid = snapshot.tabs.get(HISTORY)
    if grid is None:
        return []
    table = find_table(grid, HISTORY_TAB)  # by header names: an older tab lacks Activity and By
    rows = []
    for _, row in table.data():
        cell = table.get(row, "when")
        rows.append(HistoryRow(cell.text, _moment(cell.value), *(table.text(row, key) for key in (
            "id", "activity", "field", "from", "to", "by", "note"))))
    return rows


def _moment(value: object) -> datetime | None:
    """A History time: a date-time cell, or the ISO 8601 text mapws wrote before it wrote cells."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    try:
        return datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
