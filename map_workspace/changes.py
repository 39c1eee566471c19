"""The sync's plan as data: what to write, worked out before anything is written.

A :class:`ChangeSet` only ever addresses sync-owned cells; the product's note blocks are carried
without the buyer's own note text, which the backend keeps when it merges them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from map_workspace import catalog, history_words
from map_workspace.domain.model import Status
from map_workspace.layout import (
    HISTORY,
    NOTE_MARK,
    STATE,
    STATE_TAB,
    TIMELINE,
    Cell,
    CellValue,
    Grid,
    Snapshot,
    header_names,
    normalise_header,
    spec_in,
    tab_title,
)
from map_workspace.timeline import TimelineWrite


@dataclass(frozen=True)
class CellWrite:
    """Write one sync-owned cell. ``row`` is the 1-based sheet row, ``col`` the 0-based column as
    found in the snapshot. A ``str`` value is always stored as inert text; ``formula`` (built by
    the product, never from buyer text) is stored as a live formula instead of ``value``."""

    tab: str
    row: int
    col: int
    value: CellValue = None
    formula: str | None = None
    field: str = ""
    id: str | None = None

    def describe(self) -> dict[str, object]:
        shown = self.formula if self.formula is not None else self.value
        if isinstance(shown, date):
            shown = shown.isoformat()
        return {"kind": "cell", "tab": self.tab, "row": self.row, "col": self.col,
                "field": self.field, "id": self.id, "value": shown}


@dataclass(frozen=True)
class NoteWrite:
    """Set the product's note block on a cell: ``lines`` are the block's messages (each written as
    ``[mapws] message``); an empty tuple removes the block. Buyer note text is not in here."""

    tab: str
    row: int
    col: int
    lines: tuple[str, ...] = ()
    id: str | None = None

    def describe(self) -> dict[str, object]:
        return {"kind": "note", "tab": self.tab, "row": self.row, "col": self.col, "id": self.id,
                "note": list(self.lines)}


@dataclass(frozen=True)
class HistoryEntry:
    """One History row: ``when`` is ISO 8601 with offset; ``activity`` names the item or risk
    ``id`` stands for, ``by`` who made the change when the backend can tell."""

    when: str
    id: str
    field: str
    from_: str
    to: str
    note: str = ""
    activity: str = ""
    by: str = ""

    def cells(self) -> tuple[str, str, str, str, str, str]:
        return (self.when, self.id, self.field, self.from_, self.to, self.note)

    def values(self) -> dict[str, str]:
        """By History column key."""
        return {"when": self.when, "id": self.id, "activity": self.activity, "field": self.field,
                "from": self.from_, "to": self.to, "by": self.by, "note": self.note}

    def describe(self) -> dict[str, object]:
        return {"kind": "history", "when": self.when, "id": self.id, "field": self.field,
                "from": self.from_, "to": self.to, "note": self.note, "activity": self.activity,
                "by": self.by}


def history_time(when: str, timezone: str) -> datetime | str:
    """``when`` (ISO with offset) as the plan's local date and time, for a date-time cell (cells
    have no time zone); the text as given when it is not a time."""
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return when
    if moment.tzinfo is not None and timezone == "UTC":
        moment = moment.astimezone(UTC)  # the default zone, without loading zoneinfo (sync's start-up)
    elif moment.tzinfo is not None and timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            moment = moment.astimezone(ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment.replace(tzinfo=None, microsecond=0)


def history_columns(header: Sequence[Cell], lang: str = catalog.DEFAULT) -> tuple[dict[str, int],
                                                                                list[tuple[int, str]]]:
    """Where each History column sits (0-based) in a tab whose header row is ``header`` (in any
    language), and the header cells to add, in the plan's language ``lang``: a History tab made
    before a column existed gets it after its last one."""
    found: dict[str, int] = {}
    by_name = {name: keys[0] for name, keys in header_names(HISTORY).items()}
    spec = spec_in(HISTORY, lang)
    for index, cell in enumerate(header):
        key = by_name.get(normalise_header(cell.text))
        if key is not None and key not in found:
            found[key] = index
    if not found:  # no header at all: the contract's layout
        return {c.key: i for i, c in enumerate(spec.columns)}, [
            (i, c.header + c.mark) for i, c in enumerate(spec.columns)]
    added: list[tuple[int, str]] = []
    width = max(len(header), max(found.values()) + 1)
    for column in spec.columns:
        if column.key not in found:
            found[column.key] = width
            added.append((width, column.title))
            width += 1
    return found, added


@dataclass(frozen=True)
class StateRow:
    """The product's memory of one ID (the hidden state tab): what it last saw, what it issued."""

    id: str
    activity: str = ""
    baseline: date | None = None
    due: date | None = None
    status: str = ""
    owner: str = ""
    slips: int = 0
    lead_days: int = 0
    role: str = ""
    removed: bool = False

    def cells(self) -> tuple[CellValue, ...]:
        return (self.id, self.activity, self.baseline, self.due, self.status, self.owner,
                self.slips, self.lead_days, self.role, "yes" if self.removed else "")


@dataclass(frozen=True)
class ChangeSet:
    """Every write a sync plans for one plan, as data: a backend applies it in one batch."""

    cells: tuple[CellWrite, ...] = ()
    notes: tuple[NoteWrite, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    #: The whole state tab, rewritten, when it changed; ``None`` leaves it as it is.
    state: tuple[StateRow, ...] | None = None
    #: Re-apply dropdowns and colour rules down to this sheet row when they went missing or the
    #: plan outgrew them; ``None`` leaves them.
    formats_to_row: int | None = None
    meta: dict[str, str] = field(default_factory=dict)
    #: Formula rows to add to the Timeline tab (all of it, with the tab, when ``first_row`` is 2
    #: and the file has none); ``None`` leaves the Timeline as it is.
    timeline: TimelineWrite | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.cells or self.notes or self.history or self.state is not None
                    or self.formats_to_row is not None or self.meta or self.timeline is not None)

    @property
    def count(self) -> int:
        """Cells written plus rows added, as ``"changes"`` reports it (the hidden state tab and
        format refreshes count as one change each when present)."""
        return (len(self.cells) + len(self.notes) + len(self.history)
                + (1 if self.state is not None else 0) + (1 if self.formats_to_row is not None else 0)
                + (1 if self.meta else 0) + (1 if self.timeline is not None else 0))

    def describe(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = [c.describe() for c in self.cells]
        out += [n.describe() for n in self.notes]
        out += [h.describe() for h in self.history]
        if self.state is not None:
            out.append({"kind": "state", "rows": len(self.state)})
        if self.formats_to_row is not None:
            out.append({"kind": "formats", "to_row": self.formats_to_row})
        if self.meta:
            out.append({"kind": "meta", **self.meta})
        if self.timeline is not None:
            out.append({"kind": "timeline", "from_row": self.timeline.first_row,
                        "to_row": self.timeline.layout.formula_rows})
        return out


def merge_note(existing: str, lines: tuple[str, ...]) -> str:
    """The buyer's note with the product's block replaced: lines starting with ``[mapws]`` are
    the product's, everything else is the buyer's and is kept as written."""
    own = [ln for ln in (existing or "").split("\n") if not ln.startswith(NOTE_MARK)]
    while own and not own[-1].strip():
        own.pop()
    block = [f"{NOTE_MARK} {line}" for line in lines]
    if own and block:
        return "\n".join(own + [""] + block)
    return "\n".join(own + block)


def note_block(note: str) -> tuple[str, ...]:
    """The product's lines in a note, without the mark."""
    if not note or NOTE_MARK not in note:
        return ()  # most cells (a sync looks at every cell of four tabs): no note, or the buyer's only
    return tuple(ln[len(NOTE_MARK):].strip() for ln in (note or "").split("\n") if ln.startswith(NOTE_MARK))


def apply_in_memory(snapshot: Snapshot, changes: ChangeSet) -> Snapshot:
    """The snapshot as it would read after ``changes`` were applied: used to fold the first sync
    into a new plan before it is written, and by tests ("the next ChangeSet is empty")."""
    tabs = {name: [list(row) for row in grid.rows] for name, grid in snapshot.tabs.items()}

    def put(tab: str, row: int, col: int, cell: Cell) -> None:
        rows = tabs.setdefault(tab, [])
        while len(rows) < row:
            rows.append([])
        line = rows[row - 1]
        while len(line) <= col:
            line.append(Cell())
        line[col] = cell

    def get(tab: str, row: int, col: int) -> Cell:
        rows = tabs.get(tab, [])
        return rows[row - 1][col] if row <= len(rows) and col < len(rows[row - 1]) else Cell()

    for w in changes.cells:
        old = get(w.tab, w.row, w.col)
        put(w.tab, w.row, w.col, Cell(None if w.formula else w.value, w.formula, old.note))
    for n in changes.notes:
        old = get(n.tab, n.row, n.col)
        put(n.tab, n.row, n.col, Cell(old.value, old.formula, merge_note(old.note, n.lines)))
    lang = catalog.plan_language(snapshot.meta)
    if changes.history:
        rows = tabs.setdefault(HISTORY, [[Cell(c.title) for c in spec_in(HISTORY, lang).columns]])
        last = max((i for i, r in enumerate(rows) if any(c.value not in (None, "") for c in r)), default=0)
        positions, added = history_columns(rows[0] if rows else (), lang)
        for col, title in added:
            put(HISTORY, 1, col, Cell(title))
        timezone = snapshot.meta.get("timezone", "")
        for k, entry in enumerate(changes.history):
            for key, value in entry.values().items():
                shown = history_time(value, timezone) if key == "when" else value
                put(HISTORY, last + 2 + k, positions[key], Cell(shown or None))
    if changes.state is not None:
        # The state's own columns are rewritten; what sits beside them (the closed days) stays.
        width = len(STATE_TAB.columns)
        beside = [row[width:] for row in tabs.get(STATE, [])]
        rows = [[Cell(c.title) for c in STATE_TAB.columns]] + [
            [Cell(v if v != "" else None) for v in row.cells()] for row in changes.state
        ]
        rows += [[] for _ in range(len(beside) - len(rows))]
        for row, kept in zip(rows, beside, strict=False):
            if kept:
                row += [Cell()] * (width - len(row)) + kept
        tabs[STATE] = rows
    if changes.timeline is not None:
        tabs.setdefault(TIMELINE, [])
    meta = {**snapshot.meta, **changes.meta}
    grids = {name: Grid(snapshot.tabs[name].title if name in snapshot.tabs else tab_title(name, lang),
                        tuple(tuple(r) for r in rows)) for name, rows in tabs.items()}
    return Snapshot(snapshot.source, meta, grids, True if changes.formats_to_row else snapshot.formats_ok,
                    snapshot.extra_tabs, snapshot.token)


def edit_in_words(entry: HistoryEntry, activity: str = "", lang: str = catalog.DEFAULT) -> str:
    """One observed edit (a History row the sync logged, in whatever language it was logged) as a
    person says it in ``lang``: "M-01 Technical win: due moved 2026-12-24 → 2027-01-07 (slip 2)",
    "T-01 Kickoff: done", "T-21 …: added"."""
    what = _edit_words(entry, lang)
    field = history_words.field_key(entry.field)
    subject = " ".join(x for x in (entry.id, " ".join(activity.split())) if x) or (
        _said(lang, "plan") if field == "plan" else _said(lang, "overview"))
    return f"{subject}: {what}"


def _said(lang: str, key: str, **values: object) -> str:
    return catalog.words(lang)(f"history.said.{key}", **values)


def _edit_words(e: HistoryEntry, lang: str) -> str:
    old, new = e.from_, e.to
    field = history_words.field_key(e.field)
    notes = history_words.notes_in(e.note)
    empty = _said(lang, "empty")
    if field == "plan":  # the plan itself: created, closed, reopened
        return f"{old} → {new}" if old else (e.note or new)
    if history_words.opens_with(e.note, "undone", "undone_id"):
        return _said(lang, "undone", field=history_words.field(field, lang) if field else e.field, old=old, new=new)
    if field == "row":
        if "new_row" in notes or "new_risk" in notes:
            return _said(lang, "added")
        if "row_restored" in notes:
            return _said(lang, "restored")
        return _said(lang, "deleted")
    if field == "id":
        return _said(lang, "own_id", old=old)
    if field == "due":
        slipped = notes.get("slipped")
        if slipped:
            return _said(lang, "slipped", old=old, new=new, slips=slipped.get("slips", ""))
        return _said(lang, "earlier", old=old, new=new)
    if field == "status":
        old, new = (history_words.status(history_words.status_key(x), lang) for x in (old, new))
        if history_words.status_key(e.to) == Status.DONE:
            return _said(lang, "done")
        return _said(lang, "status_set", new=new) if not old else _said(lang, "status", old=old, new=new or empty)
    if field == "owner":
        if not old:
            return _said(lang, "owner_set", new=new)
        return _said(lang, "owner", old=old, new=new) if new else _said(lang, "owner_cleared", old=old)
    name = history_words.field(field, lang) if field else e.field
    if e.note:
        return _said(lang, "changed_why", field=name, old=old or empty, new=new or empty, note=e.note)
    return _said(lang, "changed", field=name, old=old or empty, new=new or empty)
