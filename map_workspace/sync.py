"""Plan the sync as data: ``plan_changes(snapshot, today) -> ChangeSet``, then a backend applies it.

Pure: no I/O, ``today`` (and ``now`` for History timestamps) passed in. The ChangeSet only
addresses sync-owned cells; buyer cells are read, never written. A second run over the result
plans nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from map_workspace import catalog, history_words
from map_workspace.changes import CellWrite, ChangeSet, HistoryEntry, NoteWrite, StateRow, note_block
from map_workspace.domain import parsing
from map_workspace.domain.calendar import business_days_between
from map_workspace.domain.findings import FLAG_WORDS as FLAG_WORDS
from map_workspace.domain.findings import NOTE_CODES
from map_workspace.domain.model import Assessment, Finding, Item, Overview, Plan
from map_workspace.domain.rules import Context, Thresholds, assess, decision_item, settle_closed_items, silent_on
from map_workspace.domain.silence import BuyerWatch, Touch, last_buyer_touch, silence_since
from map_workspace.formulas import (
    META_DATE_FLAGS,
    PlanColumns,
    flag_formula,
    overdue_formula,
    plan_columns_at,
    progress_formula,
    same_windows,
    thresholds_meta,
    thresholds_of,
)
from map_workspace.layout import (
    CLOSED_DAYS_COLUMN,
    CLOSED_DAYS_HEADER,
    FORMAT_HEADROOM,
    META_CLOSED,
    META_FORMATTED_ROWS,
    MIN_FORMATTED_ROWS,
    OVERVIEW,
    PLAN,
    RISKS,
    STAKEHOLDERS,
    STATE,
    TIMELINE,
    Cell,
    CellValue,
    Grid,
    Snapshot,
    parse_a1,
    recorded_formatted_rows,
)
from map_workspace.reading import Reading, read_plan, status_label
from map_workspace.timeline import (
    ROW_HEADROOM,
    TimelineWrite,
    layout_from_meta,
    rows_for,
    timeline_layout,
    timeline_weeks,
    weeks_to_cover,
)


@dataclass(frozen=True)
class Settings:
    """What a sync reasons with besides the plan and the date (from the configuration)."""

    default_locale: str = "en_US"
    #: The config's working calendar (a WorkCalendar, or plain dates); a plan that records its own
    #: calendar in its meta is synced on that one instead.
    holidays: Collection[date] = frozenset()
    thresholds: Thresholds = Thresholds()
    #: What the seller side remembers of the buyer's edits to this plan; None: the buyer's silence
    #: is not assessed (a command that does not know it).
    buyer: BuyerWatch | None = None


@dataclass(frozen=True)
class SyncPlan:
    """What a sync would do, and what it concluded."""

    changes: ChangeSet
    assessment: Assessment
    plan: Plan
    findings: tuple[Finding, ...]
    #: "Closed — won on 2027-03-31" for a closed plan (``mapws close``), "" while it is open.
    closed: str = ""
    #: The working calendar it reasoned with (the plan's own, else the config's).
    calendar: Collection[date] = frozenset()
    #: The buyer's edits as this sync leaves them (its last edit, now including the one just read),
    #: for the state store; None when not assessed.
    buyer: BuyerWatch | None = None
    #: The day the buyer's silence starts (or started), when known: the nightly plans the plan again then.
    silent_on: date | None = None
    #: The plan's language: what its findings, notes and History rows are worded in.
    lang: str = catalog.DEFAULT
    #: The decision milestone the plan's meta names ("" when it names none): what the projection follows.
    decision_id: str = ""
    #: The Due cell of each open item with a due date (where a due-soon or overdue finding about it
    #: points), and the Plan tab's name when the buyer renamed it: the nightly words such findings
    #: for a later day without planning the plan again (``domain.stability.DueBlock``).
    due_cells: Mapping[str, str] = field(default_factory=dict)
    plan_sheet: str = ""


def plan_changes(snapshot: Snapshot, today: date, *, now: datetime | None = None,
                 settings: Settings = Settings()) -> ChangeSet:
    return plan_sync(snapshot, today, now=now, settings=settings).changes


def plan_sync(snapshot: Snapshot, today: date, *, now: datetime | None = None,
              settings: Settings = Settings(), reasons: Mapping[tuple[str, str], str] | None = None) -> SyncPlan:
    """``reasons``: the History note for changes a command made itself, by (ID, field key) — ``mapws
    replan`` plans its moves into the snapshot and marks each Due row "replanned: …" this way (the
    sync's own words, such as the slip count, follow it). Notes, History and the findings are in
    the plan's language (``catalog.plan_language``)."""
    reading = read_plan(snapshot, default_locale=settings.default_locale, today=today)
    when = (now or datetime.combine(today, time(), tzinfo=UTC)).isoformat(timespec="seconds")
    return _Planner(reading, today, when, settings, reasons or {}).run()


class _Planner:
    def __init__(self, reading: Reading, today: date, when: str, settings: Settings,
                 reasons: Mapping[tuple[str, str], str]) -> None:
        self.r = reading
        self.reasons = reasons
        #: The plan's language: its notes, History rows and findings are written in it.
        self.lang = catalog.plan_language(reading.meta)
        self.target_move: tuple[date, date] | None = None
        self.decision_id = ""  # the decision milestone, when the target moved
        self.moved_decision = ""
        self.today = today
        self.when = when
        #: A closed plan (``mapws close``) flags no dates: its findings, Flag formulas and colour rules.
        self.closed = closure_of(reading.meta)
        #: The plan's language: what the sync writes into the sheet (flags, formulas' words, repairs).
        self.lang = catalog.plan_language(reading.meta)
        self.settings = replace(settings, thresholds=replace(settings.thresholds, date_flags=self.closed is None))
        self.calendar = _plan_calendar(reading, today, settings)
        self.cells: list[CellWrite] = []
        self.notes: list[NoteWrite] = []
        self.history: list[HistoryEntry] = []
        #: What each ID stands for, so History rows say it in words (last seen, then as it reads now).
        self.activities = {row.id: row.activity for row in reading.state.values()}
        self.activities.update({i.id: i.activity for i in reading.plan.items if i.id})
        self.activities.update({r.id: r.risk for r in reading.plan.risks if r.id})
        #: Who saved the edits this sync observes, when the backend can tell ("" otherwise).
        self.by = reading.snapshot.edited_by
        #: IDs logged as new rows, and IDs whose Due change was logged: looked up per written cell,
        #: so kept as sets (scanning the History for each made a 5,000-row plan quadratic).
        self._new_rows: set[str] = set()
        self._due_logged: set[str] = set()

    def log(self, item_id: str, key: str, old: object, new: object, *why: str) -> None:
        """A History row: ``key`` names the field ("due"), ``why`` the notes already in words
        (:meth:`said`), after the reason a command gave for the change."""
        note = history_words.joined(self.lang, self.reasons.get((item_id, key), ""), *why)
        activity = self.activities.get(item_id) or ((_show(new) or _show(old)) if key == "row" else "")
        shown_old, shown_new = _show(old), _show(new)
        if key == "status":
            shown_old, shown_new = (history_words.status(x, self.lang) for x in (shown_old, shown_new))
        self.history.append(HistoryEntry(self.when, item_id, history_words.field(key, self.lang), shown_old,
                                         shown_new, note, activity=activity, by=self.by))
        if key == "due":
            self._due_logged.add(item_id)

    def said(self, key: str, **values: object) -> str:
        """A History note in the plan's language."""
        return history_words.note(key, self.lang, **values)

    # --- the steps ------------------------------------------------------------------------------

    def run(self) -> SyncPlan:
        r = self.r
        self.target_move = self._target_move()
        items, state = self._reconcile_items()
        risks = self._assign_risk_ids(state)
        plan = replace(r.plan, items=tuple(items), risks=tuple(risks))
        buyer, since = self._buyer(plan)
        ctx = Context(
            today=self.today,
            holidays=self.calendar,
            thresholds=self.settings.thresholds,
            shortfall_days=_int(r.meta.get("shortfall_days")),
            decision_id=r.meta.get("decision_id", ""),
            unseen=r.unseen,
            previous_target=self.target_move[0] if self.target_move else None,
            buyer_since=since,
            buyer_by=buyer.last.by if buyer and buyer.last else "",
            buyer_edited=bool(buyer and buyer.last),
        )
        assessment = assess(plan, ctx)
        new_ids: dict[tuple[str, int], CellValue] = {}
        for write in self.cells:
            if write.field == "id":
                new_ids.setdefault((write.tab, write.row), write.value)
        findings = settle_closed_items(plan, [self._with_new_id(f, new_ids) for f in r.findings]
                                       + list(assessment.findings))
        if self.closed is not None:
            findings = tuple(f for f in findings if f.code not in DATE_CODES)
            # Decided: the decision date is the day it closed, and nothing is next.
            assessment = replace(assessment, findings=tuple(f for f in assessment.findings
                                                            if f.code not in DATE_CODES),
                                 projected_decision=self.closed.on, next_milestone=None)
        # Addresses: rows of this reading, IDs as (re)assigned.
        r.plan = plan
        named = {i.id: i.activity for i in plan.items} | {x.id: x.risk for x in plan.risks if x.id}
        renamed = {tab: grid.title for tab, grid in r.snapshot.tabs.items() if grid.title and grid.title != tab}
        findings = tuple(replace(f, cell=f.cell or r.cell_of(f), activity=f.activity or named.get(f.id or "", ""),
                                 sheet=f.sheet or renamed.get(f.tab, "")).worded(self.lang) for f in findings)
        assessment = replace(assessment, findings=tuple(f.worded(self.lang) for f in assessment.findings))
        self._sync_owned_plan_cells(plan, state, findings)
        self._notes(plan, findings)
        self._owns(plan, assessment)
        self._closed_days(plan, state)
        self._overview(plan, assessment)
        meta: dict[str, str] = {}
        self._target(plan, meta)
        formats_to_row = self._formats(meta)
        timeline = self._timeline(plan, meta)
        new_state = tuple(state[k] for k in sorted(state, key=_id_order))
        state_change = None if (r.state_present and new_state == tuple(
            r.state[k] for k in sorted(r.state, key=_id_order))) else new_state
        changed = bool(self.cells or self.notes or self.history or state_change is not None
                       or formats_to_row is not None or meta or timeline is not None)
        if changed:
            self._stamp()
        changes = ChangeSet(tuple(self.cells), tuple(self.notes), tuple(self.history), state_change,
                            formats_to_row, meta, timeline)
        return SyncPlan(changes, assessment, plan, findings, self.closed.words if self.closed else "",
                        self.calendar, buyer, self._silent_on(plan, ctx), self.lang, ctx.decision_id,
                        {i.id: cell for i in plan.items if i.id and i.is_open and i.due
                         and (cell := r.cell_at(PLAN, i.id, "due"))}, renamed.get(PLAN, ""))

    @staticmethod
    def _silent_on(plan: Plan, ctx: Context) -> date | None:
        """The day the buyer's silence starts (or started) when it can (an open plan, dates flagged)."""
        if ctx.buyer_since is None or not ctx.thresholds.date_flags or not any(i.is_open for i in plan.items):
            return None
        return silent_on(ctx.buyer_since, ctx)

    def _buyer(self, plan: Plan) -> tuple[BuyerWatch | None, date | None]:
        """The buyer's edits with the one just read (the file's last change, when it was neither
        mapws's nor a seller's), and the day their silence counts from (domain/silence.py)."""
        watch = self.settings.buyer
        if watch is None:
            return None, None
        snapshot = self.r.snapshot
        listed = Touch.parse(snapshot.edited_at, snapshot.edited_by)
        watch = replace(watch, last=last_buyer_touch(listed, watch.last, plan.stakeholders),
                        watched_since=watch.watched_since or self.today)
        created = Touch.parse(str(self.r.meta.get("created") or ""))
        return watch, silence_since(watch.last, created.day if created else None, watch.watched_since)

    def _with_new_id(self, finding: Finding, new_ids: dict[tuple[str, int], CellValue]) -> Finding:
        """A reading finding on a row that only now got its ID names that ID (``new_ids``: the ID
        written per (tab, row), the first write of each)."""
        if not finding.cell or finding.tab not in (PLAN, RISKS):
            return finding
        row, _ = parse_a1(finding.cell)
        new = new_ids.get((finding.tab, row))
        return replace(finding, id=str(new)) if new else finding

    def _reconcile_items(self) -> tuple[list[Item], dict[str, StateRow]]:
        """Give new rows IDs and baselines, notice removed rows, count slips, log changes."""
        r = self.r
        state = dict(r.state)
        if not r.state_present:
            # A plan whose state tab is gone: today's values become the memory, nothing is a slip.
            for item in r.plan.items:
                if item.id and item.id not in state:
                    state[item.id] = StateRow(item.id, item.activity, item.due, item.due, status_label(item),
                                              item.owner, item.slips)
        issued = {k for k in state} | {i.id for i in r.plan.items if i.id}
        next_no = {p: max([_number(x) for x in issued if x.startswith(p + "-")] + [0]) + 1 for p in "TM"}
        seen: set[str] = set()
        items: list[Item] = []
        for item, ref in zip(r.plan.items, r.item_rows, strict=True):
            prefix = "M" if item.is_milestone else "T"
            if item.id and item.id not in seen:
                seen.add(item.id)
                item = self._with_the_target(item, ref.sheet_row, state)
                items.append(self._existing(item, ref.sheet_row, state))
                continue
            new_id = parsing.format_id(prefix, next_no[prefix])
            self.activities[new_id] = item.activity
            next_no[prefix] += 1
            seen.add(new_id)
            self._write(PLAN, ref.sheet_row, "id", new_id, new_id)
            if item.id:
                self.log(new_id, "id", item.id, new_id, self.said("repeated_id", row=ref.sheet_row, id=item.id))
            elif ref.id_text:
                self.log(new_id, "id", ref.id_text, new_id, self.said("undone_id"))
            self.log(new_id, "row", "", item.activity, self.said("new_row"))
            self._new_rows.add(new_id)
            state[new_id] = StateRow(new_id, item.activity, item.due, item.due, status_label(item), item.owner)
            items.append(replace(item, id=new_id, baseline=item.due, slips=0))
        for item_id, row in list(state.items()):
            if item_id[0] in "TM" and item_id not in seen and not row.removed:
                self.log(item_id, "row", row.activity, "", self.said("row_removed"))
                state[item_id] = replace(row, removed=True)
        return items, state

    def _existing(self, item: Item, sheet_row: int, state: dict[str, StateRow]) -> Item:
        row = state.get(item.id) or StateRow(item.id, item.activity, item.due, item.due, status_label(item),
                                             item.owner)
        if row.removed:
            self.log(item.id, "row", "", item.activity, self.said("row_restored"))
            row = replace(row, removed=False)
        slips, due = row.slips, row.due
        if item.due is not None and row.due is not None and item.due != row.due:
            why = self.said("with_target") if item.id == self.moved_decision else ""
            if item.due > row.due:
                slips += 1
                days = business_days_between(row.due, item.due, self.calendar)
                self.log(item.id, "due", row.due, item.due, self.said("slipped", days=days, slips=slips), why)
            else:
                self.log(item.id, "due", row.due, item.due, self.said("moved_earlier"), why)
        if item.due is not None:
            due = item.due
        baseline = row.baseline or item.due
        status = status_label(item)
        if status != row.status:
            self.log(item.id, "status", row.status, status)
        if item.owner != row.owner:
            self.log(item.id, "owner", row.owner, item.owner)
        state[item.id] = replace(row, activity=item.activity, baseline=baseline, due=due, status=status,
                                 owner=item.owner, slips=slips)
        return replace(item, baseline=baseline, slips=slips, lead_days=row.lead_days, role=row.role)

    # --- the target decision date -----------------------------------------------------------------

    def _target_move(self) -> tuple[date, date] | None:
        """(old, new) when the Overview's target decision date differs from the one the plan last
        had: the one its meta records, else (a plan from before it did) the decision milestone's
        baseline. None when it did not move, or is not a readable date now."""
        new = self.r.plan.overview.target_decision
        old = _iso_date(self.r.meta.get(META_TARGET, ""))
        decision_id = self.r.meta.get("decision_id", "")
        if old is None and META_TARGET not in self.r.meta and decision_id:
            row = self.r.state.get(decision_id)
            old = row.baseline if row is not None else None
        if old is None or new is None or old == new:
            return None
        decision = decision_item(self.r.plan, decision_id)
        self.decision_id = decision.id if decision is not None else ""
        return old, new

    def _with_the_target(self, item: Item, sheet_row: int, state: dict[str, StateRow]) -> Item:
        """The decision milestone follows a moved target when its date was still the old target
        (and nobody moved it since the last sync); a date someone chose is left as it is."""
        move = self.target_move
        if move is None or item.id != self.decision_id or "due" not in self.r.tables[PLAN].columns:
            return item
        row = state.get(item.id)
        if item.due != move[0] or row is None or row.due != move[0]:
            return item
        self.moved_decision = item.id
        self._write(PLAN, sheet_row, "due", move[1], item.id)
        return replace(item, due=move[1], due_text=move[1].isoformat())

    def _target(self, plan: Plan, meta: dict[str, str]) -> None:
        """Remember the target; when it moved, log it and keep the goal texts mapws wrote that quote it
        in step (a goal someone edited is theirs: its digest no longer matches, and it is left)."""
        target = plan.overview.target_decision
        if target is None:
            return
        digests = _digests(self.r.meta.get(META_GOAL_DIGESTS, ""))
        if self.target_move is not None:
            old, new = self.target_move
            moved_by = ("", TARGET_FIELD) in self.reasons  # a command moved it, not an edit on the Overview
            self.log("", TARGET_FIELD, old, new, "" if moved_by else self.said("on_overview"))
            for key in GOAL_KEYS:
                text = getattr(plan.overview, key)
                row = self.r.overview_rows.get(key)
                if row is None or old.isoformat() not in text or digests.get(key) != _digest(text):
                    continue
                moved = text.replace(old.isoformat(), new.isoformat())
                self.cells.append(CellWrite(OVERVIEW, row, 1, moved, None, key))
                self.log("", key, text, moved, self.said("goal_in_step"))
                digests[key] = _digest(moved)
        # A plan made before the meta kept these gets them with its first move (nothing to write before).
        want = {META_TARGET: target.isoformat(), META_GOAL_DIGESTS: _digests_text(digests)}
        for key, value in want.items():
            if self.r.meta.get(key, "") != value and (key in self.r.meta or self.target_move is not None):
                meta[key] = value

    def _assign_risk_ids(self, state: dict[str, StateRow]) -> list:
        r = self.r
        risks = list(r.plan.risks)
        table = r.tables.get(RISKS)
        if table is None:
            return risks
        used = {x.id for x in risks if x.id} | {k for k in r.state if k.startswith("R-")}
        next_no = max([_number(x) for x in used] + [0]) + 1
        seen: set[str] = set()
        out = []
        for risk, ref in zip(risks, r.risk_rows, strict=True):
            if risk.id and risk.id not in seen:
                seen.add(risk.id)
                out.append(risk)
                continue
            new_id = parsing.format_id("R", next_no)
            next_no += 1
            self._write(RISKS, ref.sheet_row, "id", new_id, new_id)
            self.log(new_id, "row", "", risk.risk, self.said("new_risk"))
            self._new_rows.add(new_id)
            out.append(replace(risk, id=new_id))
        for risk in out:
            if risk.id not in state:
                state[risk.id] = StateRow(risk.id, risk.risk)
            elif state[risk.id].removed or state[risk.id].activity != risk.risk:
                state[risk.id] = replace(state[risk.id], activity=risk.risk, removed=False)
        ids = {x.id for x in out}
        for rid, row in list(state.items()):
            if rid.startswith("R-") and rid not in ids and not row.removed:
                self.log(rid, "row", row.activity, "", self.said("risk_removed"))
                state[rid] = replace(row, removed=True)
        return out

    def _sync_owned_plan_cells(self, plan: Plan, state: dict[str, StateRow], findings: tuple[Finding, ...]) -> None:
        table = self.r.tables[PLAN]
        cols = self._plan_columns()
        flags: dict[str, list[str]] = {}
        for f in findings:
            word = flag_word(f.code, self.lang)
            if word and f.id and f.tab == PLAN and word not in flags.setdefault(f.id, []):
                flags[f.id].append(word)
        for item, ref in zip(plan.items, self.r.item_rows, strict=True):
            row_cells = table.grid.rows[ref.sheet_row - 1]
            baseline = state[item.id].baseline
            self._ensure(PLAN, ref.sheet_row, row_cells, "baseline", baseline, item.id)
            self._ensure(PLAN, ref.sheet_row, row_cells, "slips", state[item.id].slips, item.id)
            if "flag" in table.columns:
                formula = flag_formula(ref.sheet_row, cols, " · ".join(flags.get(item.id, [])),
                                       thresholds=self.settings.thresholds)
                cell = table.get(row_cells, "flag")
                if cell.formula != formula:
                    if cell.formula is None and cell.value not in (None, ""):
                        self.log(item.id, "flag", cell.text, self._formula_word(), self.said("undone"))
                    self._write(PLAN, ref.sheet_row, "flag", None, item.id, formula=formula)

    def _ensure(self, tab: str, sheet_row: int, row_cells: tuple[Cell, ...], key: str, want: CellValue,
                item_id: str) -> None:
        """Write a sync-owned value when the cell differs, logging it when the buyer had edited it."""
        table = self.r.tables[tab]
        if key not in table.columns:
            return
        cell = table.get(row_cells, key)
        have = _comparable(cell.value)
        if have == _comparable(want) and cell.formula is None:
            return
        self._write(tab, sheet_row, key, want, item_id)
        if not self._written_for_new_row(item_id) and have not in (None, "") and not self._known_change(item_id, key):
            self.log(item_id, key, cell.text, want, self.said("undone"))

    def _written_for_new_row(self, item_id: str) -> bool:
        return item_id in self._new_rows

    def _known_change(self, item_id: str, key: str) -> bool:
        """A Slips change the sync itself just logged (a slip) is not a buyer edit."""
        return key == "slips" and item_id in self._due_logged

    def _notes(self, plan: Plan, findings: tuple[Finding, ...]) -> None:
        want: dict[tuple[str, int, int], list[str]] = {}
        gap = catalog.words(self.lang)("findings.phrases.sentence_gap")
        for f in findings:
            if not f.code.startswith(NOTE_CODES):
                continue
            key = self.r.position_of(f)
            if key is None:
                continue
            # One line each (the block is line-based), its sentences spaced as the language spaces them.
            line = gap.join(" ".join(text.split()) for text in (f.message, f.hint) if text.strip())
            lines = want.setdefault(key, [])
            if line not in lines:
                lines.append(line)
        # Every cell that carries a block now, or should.
        for tab in (PLAN, RISKS, STAKEHOLDERS, OVERVIEW):
            grid = self.r.snapshot.tabs.get(tab)
            if grid is None:
                continue
            for r_i, row in enumerate(grid.rows):
                for c_i, cell in enumerate(row):
                    if note_block(cell.note):
                        want.setdefault((tab, r_i + 1, c_i), [])
        for (tab, sheet_row, col), lines in sorted(want.items()):
            grid = self.r.snapshot.tabs[tab]
            if tuple(lines) != note_block(grid.cell(sheet_row - 1, col).note):
                self.notes.append(NoteWrite(tab, sheet_row, col, tuple(lines), _id_at(self.r, tab, sheet_row)))

    def _owns(self, plan: Plan, assessment: Assessment) -> None:
        table = self.r.tables.get(STAKEHOLDERS)
        if table is None or "owns" not in table.columns:
            return
        counts: dict[str, int] = {}
        for item in plan.items:
            if item.is_open:
                for name in assessment.people.get(item.id, ()):
                    counts[name] = counts.get(name, 0) + 1
        for person, sheet_row in zip(plan.stakeholders, self.r.stakeholder_rows, strict=True):
            row_cells = table.grid.rows[sheet_row - 1]
            cell = table.get(row_cells, "owns")
            want = counts.get(person.name, 0)
            if _comparable(cell.value) != want or cell.formula is not None:
                self._write(STAKEHOLDERS, sheet_row, "owns", want, None)

    def _overview(self, plan: Plan, assessment: Assessment) -> None:
        rows = self.r.overview_rows
        grid = self.r.snapshot.tabs.get(OVERVIEW)
        if grid is None:
            return
        cols = self._plan_columns()
        nxt = assessment.next_milestone
        words = catalog.words(self.lang)
        wanted: dict[str, tuple[CellValue, str | None]] = {
            "progress": (None, progress_formula(cols)),
            "overdue": (None, overdue_formula(cols)),
            "next_milestone": (words("sheet.next_milestone", id=nxt.id, activity=_short(nxt.activity),
                                     due=nxt.due.strftime(words("sheet.date_text"))) if nxt and nxt.due
                               else "", None),
            "projected_decision": (assessment.projected_decision, None),
            "health": (words(f"sheet.health.{assessment.health.value}"), None),
        }
        if self.closed is not None:  # the deal is decided: nothing is overdue or next any more
            # A formula still (=0): reopening puts the live count back without reading as an edit undone.
            closed = words("sheet.closed", outcome=words.table("sheet.outcomes").get(self.closed.outcome,
                                                                                     self.closed.outcome),
                           day=self.closed.on.strftime(words("sheet.date_text")))
            wanted.update(overdue=(None, "=0"), health=(closed, None))
        for key, (value, formula) in wanted.items():
            row = rows.get(key)
            if row is None:
                continue
            cell = grid.cell(row - 1, 1)
            if formula is not None:
                if cell.formula != formula:
                    if cell.formula is None and cell.value not in (None, ""):
                        self.log("", key, cell.text, self._formula_word(), self.said("undone"))
                    self.cells.append(CellWrite(OVERVIEW, row, 1, None, formula, key))
            elif _comparable(cell.value) != _comparable(value) or cell.formula is not None:
                self.cells.append(CellWrite(OVERVIEW, row, 1, value, None, key))

    def _stamp(self) -> None:
        row = self.r.overview_rows.get("last_changed")
        if row is not None:
            self.cells.append(CellWrite(OVERVIEW, row, 1, self.when, None, "last_changed"))

    def _formats(self, meta: dict[str, str]) -> int | None:
        """Re-apply dropdowns and colour rules when they went missing, the plan outgrew them, or
        the configured date windows differ from the ones the plan's rules were written with (the
        meta records them; the Flag formulas are rewritten with the cells, so sheet and findings
        agree again)."""
        table = self.r.tables[PLAN]
        last_data = table.header_row + 1 + len(table.grid.rows[table.header_row + 1:])
        covered = recorded_formatted_rows(self.r.meta) or MIN_FORMATTED_ROWS
        windows_moved = not same_windows(thresholds_of(self.r.meta), self.settings.thresholds)
        if windows_moved:
            meta.update(thresholds_meta(self.settings.thresholds))
            if self.settings.thresholds.date_flags and META_DATE_FLAGS in self.r.meta:
                meta[META_DATE_FLAGS] = "on"  # reopened
        if self.r.snapshot.formats_ok and last_data + FORMAT_HEADROOM // 4 <= covered:
            return covered if windows_moved else None
        target = max(covered, last_data + FORMAT_HEADROOM)
        if target != covered:
            meta[META_FORMATTED_ROWS] = str(target)
        return target

    def _closed_days(self, plan: Plan, state: dict[str, StateRow]) -> None:
        """The plan's closed weekdays under their header in the hidden state tab, for the years its
        dates span: the holidays of the live formulas' WORKDAY ("due soon" on working days, as the
        findings count it). Only cells that differ are written; an older plan gets them on its next
        sync. A state tab the file lost is made again by this sync, closed days included."""
        grid = self.r.snapshot.tabs.get(STATE) or Grid(STATE)
        wanted: list[CellValue] = [CLOSED_DAYS_HEADER, *closed_days_for(self.calendar, self._plan_years(plan, state))]
        have = [_day_or_value(grid.cell(row, CLOSED_DAYS_COLUMN).value) for row in range(len(grid.rows))]
        for row in range(max(len(wanted), len(have))):
            want = wanted[row] if row < len(wanted) else None
            if _comparable(have[row] if row < len(have) else None) != _comparable(want):
                self.cells.append(CellWrite(STATE, row + 1, CLOSED_DAYS_COLUMN, want, None, "closed_days"))

    def _plan_years(self, plan: Plan, state: dict[str, StateRow]) -> range:
        """The years the plan's dates span: due dates, baselines, the target decision and its start."""
        days = [d for d in (*(i.due for i in plan.items), *(row.baseline for row in state.values()),
                            plan.overview.target_decision, _iso_date(self.r.meta.get("start", "")))
                if isinstance(d, date)]
        if not days:
            return range(self.today.year, self.today.year + 1)
        return range(min(d.year for d in days), max(d.year for d in days) + 1)

    def _timeline(self, plan: Plan, meta: dict[str, str]) -> TimelineWrite | None:
        """The Timeline tab, product-owned: re-created when the file has none (an older plan, or
        the buyer deleted it: it holds only formulas, nothing of theirs), with the weeks the plan
        recorded (more when the decision moved past them); formula rows added when the Plan grew
        near its last one, week columns when the decision moved past its last week.
        What an existing Timeline holds is never rewritten."""
        table = self.r.tables[PLAN]
        last_data = table.header_row + 1 + len(table.grid.rows[table.header_row + 1:])
        cols = self._plan_columns()
        recorded = layout_from_meta(self.r.meta, table.columns, cols.last_row, cols.tab)
        flags = self.settings.thresholds.date_flags  # off on a closed plan: its Timeline flags nothing
        if TIMELINE not in self.r.snapshot.tabs:
            first, weeks = (recorded.first_week, recorded.weeks) if recorded else timeline_weeks(plan)
            weeks = max(weeks, weeks_to_cover(plan, first))
            layout = timeline_layout(first, weeks, table.columns, cols.last_row, cols.tab,
                                     rows_for(last_data, cols.last_row), flags, self.lang)
            meta.update(layout.meta())
            return TimelineWrite(layout, 2)
        if recorded is None:
            return None
        rows = recorded.formula_rows
        if last_data + ROW_HEADROOM // 4 > rows:
            rows = max(rows, rows_for(last_data, cols.last_row))
        weeks = max(recorded.weeks, weeks_to_cover(plan, recorded.first_week))
        if (rows, weeks, flags) == (recorded.formula_rows, recorded.weeks, recorded.flags):
            return None
        layout = replace(recorded, rows=rows, weeks=weeks, flags=flags)
        meta.update(layout.meta())
        return TimelineWrite(layout, recorded.formula_rows + 1, recorded.weeks, flags != recorded.flags)

    # --- helpers --------------------------------------------------------------------------------

    def _plan_columns(self) -> PlanColumns:
        table = self.r.tables[PLAN]
        covered = recorded_formatted_rows(self.r.meta) or MIN_FORMATTED_ROWS
        last_data = table.header_row + 1 + len(table.grid.rows[table.header_row + 1:])
        if last_data + FORMAT_HEADROOM // 4 > covered:
            covered = max(covered, last_data + FORMAT_HEADROOM)
        return plan_columns_at(table.columns, covered, table.grid.title or PLAN, self.lang)

    def _formula_word(self) -> str:
        return history_words.value("formula", self.lang)

    def _write(self, tab: str, sheet_row: int, key: str, value: CellValue, item_id: str | None,
               formula: str | None = None) -> None:
        col = self.r.tables[tab].columns[key]
        self.cells.append(CellWrite(tab, sheet_row, col, value, formula, key, item_id))


#: Findings that only say time went by: a closed plan has none.
DATE_CODES = frozenset({"item.overdue", "item.stalled", "item.due_soon", "decision.late"})
OUTCOMES = ("won", "lost", "no decision")


@dataclass(frozen=True)
class Closure:
    """How and when a plan closed."""

    outcome: str
    on: date

    @property
    def words(self) -> str:
        """What the Overview shows: "Closed — won on 2027-03-31"."""
        return history_words.closure(self.outcome, self.on.isoformat(), catalog.DEFAULT)

    @property
    def meta(self) -> str:
        return f"{self.outcome} {self.on.isoformat()}"


def closure_of(meta: dict[str, str]) -> Closure | None:
    """The plan's closure from its meta; None when it is open (or the value is not one mapws wrote)."""
    outcome, _, day = str(meta.get(META_CLOSED, "")).strip().rpartition(" ")
    on = _iso_date(day) if outcome in OUTCOMES else None
    return Closure(outcome, on) if on else None


#: Meta keys: the target decision date the plan last had, and digests of the goal texts mapws wrote
#: that quote it (``mutual_goal=3f2a…;seller_goal=…``), so a moved target moves them and nothing typed.
META_TARGET = "target_decision"
#: The History field key of the Overview's target decision date (its words: catalogs/<lang>/history.toml).
TARGET_FIELD = "target"
META_GOAL_DIGESTS = "goal_digests"
GOAL_KEYS = ("mutual_goal", "buyer_goal", "seller_goal", "success_criteria")


def _plan_calendar(r: Reading, today: date, settings: Settings) -> Collection[date]:
    """The calendar the plan was made with (recorded in its meta), over the years around today and
    its target; the config's for a plan that records none."""
    from map_workspace.workdays import calendar_from_meta

    target = r.plan.overview.target_decision
    days = (today, target) if isinstance(target, date) else (today,)
    recorded = calendar_from_meta(r.meta, *days)
    return settings.holidays if recorded is None else recorded


def goal_digests(overview: Overview) -> str:
    """The meta value recording the goal texts that quote the target date, as mapws writes them."""
    target = overview.target_decision
    if target is None:
        return ""
    return _digests_text({k: _digest(getattr(overview, k)) for k in GOAL_KEYS
                          if target.isoformat() in getattr(overview, k)})


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()[:12]


def _digests(text: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in text.split(";") if part)
    return {k: v for k, _, v in pairs if k in GOAL_KEYS and v}


def _digests_text(digests: dict[str, str]) -> str:
    return ";".join(f"{k}={digests[k]}" for k in GOAL_KEYS if k in digests)


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def flag_word(code: str, lang: str) -> str:
    """The word the sync puts in the Flag column for a finding, in the plan's language ("" for none)."""
    if not FLAG_WORDS.get(code):
        return ""
    return str(catalog.words(lang).table("sheet.flag_words").get(code) or FLAG_WORDS[code])


def _id_at(r: Reading, tab: str, row: int) -> str | None:
    table = r.tables.get(tab)
    if table is None or "id" not in table.columns:
        return None
    return table.grid.cell(row - 1, table.columns["id"]).text or None


#: At most this many closed days are written: the formulas read the state tab's rows 2 to 1000.
_MAX_CLOSED_DAYS = 999


def closed_days_for(calendar: Collection[date], years: range) -> list[date]:
    """The calendar's closed weekdays in ``years``, in order (a weekend is never a working day:
    WORKDAY needs no holiday for it)."""
    days = sorted(d for d in calendar if d.weekday() < 5 and d.year in years)
    return days[:_MAX_CLOSED_DAYS]


def _day_or_value(value: object) -> object:
    """A cell of the closed-days column as the sync compares it: a date whatever form it came back in."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return date(1899, 12, 30) + timedelta(days=int(value))
    return value


def _comparable(value: object) -> object:
    if isinstance(value, datetime):
        return value.date() if value.time() == time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == "":
        return None
    return value


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _int(value: object) -> int:
    try:
        return int(str(value)) if value not in (None, "") else 0
    except ValueError:
        return 0


def _short(text: str, limit: int = 120) -> str:
    """Buyer text quoted inside a cell the product composes: short, so it never nears a cell limit."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(item_id: str) -> int:
    parsed = parsing.parse_id(item_id)
    return parsed[1] if parsed else 0


def _id_order(item_id: str) -> tuple[str, int]:
    parsed = parsing.parse_id(item_id)
    return (parsed[0], parsed[1]) if parsed else (item_id, 0)
