"""The spreadsheet contract: tabs, headers, who owns which cells — the one place both backends
read it from (PRODUCT.md, "The spreadsheet contract").

A backend reads a plan file into a :class:`Snapshot` (plain cells, no library objects) and the
pure core works from that. Columns are found by header text and rows by ID, never by position.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from map_workspace import catalog

# The closed plan's meta key, the Overview's title and the deal in a file's title: defined where the
# listings (which need nothing else of the contract) find them, part of the contract all the same.
from map_workspace.file_marks import META_CLOSED as META_CLOSED
from map_workspace.file_marks import OVERVIEW_TITLE as OVERVIEW_TITLE
from map_workspace.file_marks import deal_from_file_title as deal_from_file_title


class Owner(StrEnum):
    """Who may change a cell: the buyer's cells are never written by the product."""

    BUYER = "buyer"
    SYNC = "sync"


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    INT = "int"
    CHOICE = "choice"
    FORMULA = "formula"


#: Appended to the header of every sync-owned column so buyers can see which cells are the
#: product's. Header matching ignores it.
SYNC_MARK = " (auto)"

#: Width of the hidden note block the product adds to a cell's note.
NOTE_MARK = "[mapws]"


@dataclass(frozen=True)
class Column:
    """A column of a table tab: its header, who owns it and how its cells are parsed and formatted."""

    header: str
    key: str
    owner: Owner = Owner.BUYER
    kind: Kind = Kind.TEXT
    width: float = 14
    wrap: bool = False
    choices: tuple[str, ...] = ()
    note: str = ""
    #: "center" for numbers and dates beside text (Slips, Due), "left" for a date-time before an ID:
    #: never run together with the next cell.
    align: str = ""
    #: Left padding in characters, so a cell's text never touches the one before it.
    indent: int = 0
    #: The sync mark in the plan's language (:func:`spec_in`).
    mark: str = SYNC_MARK

    @property
    def title(self) -> str:
        """The header as written into the sheet (sync-owned columns carry the mark)."""
        return self.header + (self.mark if self.owner is Owner.SYNC else "")


@dataclass(frozen=True)
class TabSpec:
    """A table tab of the contract: its name and columns."""

    name: str
    columns: tuple[Column, ...]
    hidden: bool = False
    #: The tab's name as the sheet shows it, in the plan's language (:func:`spec_in`); ``name`` is
    #: the contract's (language-neutral) name, the key of :attr:`Snapshot.tabs`.
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def index(self, key: str) -> int:
        """0-based position of the column in a freshly created tab."""
        return next(i for i, c in enumerate(self.columns) if c.key == key)


STATUS_CHOICES = ("Not started", "In progress", "Done", "Blocked", "N/A")
TYPE_CHOICES = ("Task", "Milestone")
SIDE_CHOICES = ("Buyer", "Seller", "Joint")
LEVEL_CHOICES = ("Low", "Medium", "High")
RISK_STATUS_CHOICES = ("Open", "Mitigated", "Closed")

_SYNC_NOTE = "Filled in by mapws on every sync; edits here are undone and logged in History."

OVERVIEW = "Overview"
PLAN = "Plan"
STAKEHOLDERS = "Stakeholders"
RISKS = "Risks"
CHECKINS = "Check-ins"
HISTORY = "History"
STATE = "_mapws"
#: The product's Timeline tab (map_workspace/timeline.py): formulas only, never read back, so it is
#: not one of :data:`TABS`; a snapshot holds an empty grid under this name when the file has it.
TIMELINE = "Timeline"

PLAN_TAB = TabSpec(
    PLAN,
    (
        Column("ID", "id", Owner.SYNC, width=10, note=_SYNC_NOTE),
        Column("Type", "type", kind=Kind.CHOICE, width=11, choices=TYPE_CHOICES),
        Column("Activity", "activity", width=42, wrap=True),
        Column("Side", "side", kind=Kind.CHOICE, width=9, choices=SIDE_CHOICES),
        Column("Owner", "owner", width=20, wrap=True),
        Column("Due", "due", kind=Kind.DATE, width=12, align="center"),
        Column("Status", "status", kind=Kind.CHOICE, width=13, choices=STATUS_CHOICES),
        Column("Depends on", "depends_on", width=12, wrap=True),
        Column("Done on", "done_on", kind=Kind.DATE, width=12, align="center"),
        Column("Notes", "notes", width=34, wrap=True),
        Column("Baseline", "baseline", Owner.SYNC, Kind.DATE, width=12, note=_SYNC_NOTE, align="center"),
        Column("Slips", "slips", Owner.SYNC, Kind.INT, width=9, note=_SYNC_NOTE, align="center"),
        Column("Flag", "flag", Owner.SYNC, Kind.FORMULA, width=34, wrap=True, note=_SYNC_NOTE, indent=1),
    ),
)

STAKEHOLDERS_TAB = TabSpec(
    STAKEHOLDERS,
    (
        Column("Name", "name", width=22),
        Column("Side", "side", kind=Kind.CHOICE, width=9, choices=SIDE_CHOICES),
        Column("Role", "role", width=26, wrap=True),
        Column("Email", "email", width=28),
        Column("Phone", "phone", width=16),
        Column("Availability / constraints", "availability", width=34, wrap=True),
        Column("Owns", "owns", Owner.SYNC, Kind.INT, width=10, note="Open items this person owns. " + _SYNC_NOTE,
               align="center"),
    ),
)

RISKS_TAB = TabSpec(
    RISKS,
    (
        Column("ID", "id", Owner.SYNC, width=10, note=_SYNC_NOTE),
        Column("Risk", "risk", width=40, wrap=True),
        Column("Probability", "probability", kind=Kind.CHOICE, width=14, choices=LEVEL_CHOICES),
        Column("Impact", "impact", kind=Kind.CHOICE, width=10, choices=LEVEL_CHOICES),
        Column("Mitigation", "mitigation", width=44, wrap=True),
        Column("Owner", "owner", width=20),
        Column("Status", "status", kind=Kind.CHOICE, width=11, choices=RISK_STATUS_CHOICES),
    ),
)

CHECKINS_TAB = TabSpec(
    CHECKINS,
    (
        Column("Date", "date", kind=Kind.DATE, width=12, align="center"),
        Column("Attendees", "attendees", width=28, wrap=True),
        Column("Done since last", "done_since_last", width=36, wrap=True),
        Column("Blockers", "blockers", width=30, wrap=True),
        Column("Timeline changes", "timeline_changes", width=30, wrap=True),
        Column("Agenda", "agenda", width=30, wrap=True),
        Column("Notes", "notes", width=34, wrap=True),
        Column("Next check-in", "next", kind=Kind.DATE, width=14),
    ),
)

HISTORY_TAB = TabSpec(
    HISTORY,
    (
        Column("When", "when", Owner.SYNC, width=17, align="left"),
        Column("ID", "id", Owner.SYNC, width=10),
        Column("Activity", "activity", Owner.SYNC, width=34, wrap=True),
        Column("Field", "field", Owner.SYNC, width=12),
        Column("From", "from", Owner.SYNC, width=22, wrap=True),
        Column("To", "to", Owner.SYNC, width=22, wrap=True),
        Column("By", "by", Owner.SYNC, width=18),
        Column("Note", "note", Owner.SYNC, width=40, wrap=True),
    ),
)

#: The product's memory of each row as it last saw it: what slips and changes are measured
#: against, and which IDs were ever issued (IDs are never reused). Hidden from buyers.
STATE_TAB = TabSpec(
    STATE,
    (
        Column("ID", "id", Owner.SYNC),
        Column("Activity", "activity", Owner.SYNC),
        Column("Baseline", "baseline", Owner.SYNC, Kind.DATE),
        Column("Due", "due", Owner.SYNC, Kind.DATE),
        Column("Status", "status", Owner.SYNC),
        Column("Owner", "owner", Owner.SYNC),
        Column("Slips", "slips", Owner.SYNC, Kind.INT),
        Column("Lead days", "lead_days", Owner.SYNC, Kind.INT),
        Column("Role", "role", Owner.SYNC),
        Column("Removed", "removed", Owner.SYNC),
    ),
    hidden=True,
)

#: Where the hidden state tab keeps the plan's closed weekdays (0-based column: L, one empty column
#: after the state's own): a "Closed days" header, then one date a row, written by the sync from the
#: plan's calendar for the years its dates span. The live "due soon" formulas' WORKDAY reads them.
CLOSED_DAYS_COLUMN = len(STATE_TAB.columns) + 1
CLOSED_DAYS_HEADER = "Closed days"


@dataclass(frozen=True)
class OverviewField:
    """A labelled row of the Overview tab: who owns it and how its value is parsed."""

    label: str
    key: str
    owner: Owner = Owner.BUYER
    kind: Kind = Kind.TEXT


OVERVIEW_FIELDS = (
    OverviewField("Deal", "deal"),
    OverviewField("Buyer company", "buyer_company"),
    OverviewField("Seller company", "seller_company"),
    OverviewField("Target decision date", "target_decision", kind=Kind.DATE),
    OverviewField("Mutual goal", "mutual_goal"),
    OverviewField("Buyer goal", "buyer_goal"),
    OverviewField("Seller goal", "seller_goal"),
    OverviewField("Success criteria", "success_criteria"),
    OverviewField("Check-in cadence", "cadence"),
    OverviewField("Progress", "progress", Owner.SYNC, Kind.FORMULA),
    OverviewField("Overdue items", "overdue", Owner.SYNC, Kind.FORMULA),
    OverviewField("Next milestone", "next_milestone", Owner.SYNC),
    OverviewField("Projected decision date", "projected_decision", Owner.SYNC, Kind.DATE),
    OverviewField("Health", "health", Owner.SYNC),
    OverviewField("Last changed by sync", "last_changed", Owner.SYNC),
)

#: The one line under the title that tells the buyer what to do (row 2 of a new plan).
OVERVIEW_GUIDE = "Mark items Done, move dates, name owners in the Plan tab — the flags update themselves."

#: Tabs in the order the contract fixes (the hidden state tab last).
TABS = (OVERVIEW, PLAN, STAKEHOLDERS, RISKS, CHECKINS, HISTORY, STATE)
TABLE_TABS = {t.name: t for t in (PLAN_TAB, STAKEHOLDERS_TAB, RISKS_TAB, CHECKINS_TAB, HISTORY_TAB, STATE_TAB)}

# --- the sheet in a plan's language (map_workspace/catalogs/<lang>/sheet.toml) ---------------------

#: The catalog key of each contract tab (``sheet.tabs.<key>``, ``sheet.headers.<key>.<column>``).
TAB_KEYS = {OVERVIEW: "overview", PLAN: "plan", STAKEHOLDERS: "stakeholders", RISKS: "risks",
            CHECKINS: "checkins", HISTORY: "history", TIMELINE: "timeline"}
#: The catalog list (``sheet.choices.<name>``) of each dropdown.
_CHOICE_LISTS = {STATUS_CHOICES: "status", TYPE_CHOICES: "type", SIDE_CHOICES: "side",
                 LEVEL_CHOICES: "level", RISK_STATUS_CHOICES: "risk_status"}


def tab_title(tab: str, lang: str = catalog.DEFAULT) -> str:
    """The name a contract tab has in a plan in ``lang`` ("Plan" → "計画"); the hidden state tab's
    never changes."""
    key = TAB_KEYS.get(tab)
    return catalog.words(lang)(f"sheet.tabs.{key}") if key else tab


@functools.cache
def tab_titles(tab: str) -> tuple[str, ...]:
    """Every name the contract tab has in some language (English first): what a reader accepts."""
    key = TAB_KEYS.get(tab)
    return catalog.in_every_language(f"sheet.tabs.{key}") if key else (tab,)


def tab_of_title(title: str) -> str | None:
    """The contract tab a sheet's title names in any language ("計画" → "Plan"), case-insensitive."""
    wanted = normalise_header(title)
    return next((tab for tab in TAB_KEYS if any(normalise_header(t) == wanted for t in tab_titles(tab))), None)


@functools.cache
def spec_in(tab: str, lang: str = catalog.DEFAULT) -> TabSpec:
    """A table tab as a plan in ``lang`` writes it: its name, headers, header notes, sync mark and
    dropdown choices from the catalog; keys, owners, kinds and widths are the contract's."""
    base = TABLE_TABS[tab]
    if tab == STATE:
        return base
    w = catalog.words(lang)
    sync_note, mark = w("sheet.notes.sync"), w("sheet.sync_mark")
    columns = []
    for c in base.columns:
        note = c.note
        if c.note == _SYNC_NOTE:
            note = sync_note
        elif c.note.endswith(_SYNC_NOTE):
            note = w(f"sheet.notes.{c.key}") + sync_note
        choices = tuple(w.get(f"sheet.choices.{_CHOICE_LISTS[c.choices]}")) if c.choices else ()
        columns.append(replace(c, header=w(f"sheet.headers.{TAB_KEYS[tab]}.{c.key}"), note=note, choices=choices,
                               mark=mark))
    return replace(base, columns=tuple(columns), label=tab_title(tab, lang))


@functools.cache
def overview_fields_in(lang: str = catalog.DEFAULT) -> tuple[OverviewField, ...]:
    """The Overview's rows with their labels in ``lang``."""
    w = catalog.words(lang)
    return tuple(replace(f, label=w(f"sheet.overview.labels.{f.key}")) for f in OVERVIEW_FIELDS)


@functools.cache
def overview_labels() -> dict[str, str]:
    """Normalised Overview label in any language → field key."""
    return {normalise_header(label): f.key for f in OVERVIEW_FIELDS
            for label in catalog.in_every_language(f"sheet.overview.labels.{f.key}")}


@functools.cache
def header_names(tab: str) -> dict[str, tuple[str, ...]]:
    """Normalised header text in any language → the column keys it may name (the plan's own header
    first, then other languages', then the synonyms a buyer might rename to)."""
    names: dict[str, list[str]] = {}
    specs = [spec_in(tab, lang) for lang in catalog.languages()] if tab != STATE else [TABLE_TABS[tab]]
    for spec in specs:
        for column in spec.columns:
            keys = names.setdefault(normalise_header(column.header), [])
            if column.key not in keys:
                keys.append(column.key)
    for column in TABLE_TABS[tab].columns:
        for synonym in HEADER_SYNONYMS.get(column.key, ()):
            if column.key not in names.setdefault(synonym, []):
                names[synonym].append(column.key)
    return {k: tuple(v) for k, v in names.items()}


def date_format(lang: str = catalog.DEFAULT) -> str:
    """The number format of a date cell in a plan in ``lang`` (yyyy-mm-dd; yyyy/mm/dd in Japanese)."""
    return catalog.words(lang)("sheet.date_format")


def overview_title(lang: str = catalog.DEFAULT) -> str:
    return catalog.words(lang)("sheet.overview.title")


def overview_guide(lang: str = catalog.DEFAULT) -> str:
    return catalog.words(lang)("sheet.overview.guide")


#: Header synonyms a buyer might type when renaming a column; matching is case-insensitive.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "owner": ("owner", "owned by", "responsible", "who"),
    "due": ("due", "due date", "date", "deadline", "target date", "when"),
    "status": ("status", "state"),
    "activity": ("activity", "action", "action item", "task", "item", "description"),
    "depends_on": ("depends on", "dependencies", "depends", "prerequisites", "after"),
    "done_on": ("done on", "completed on", "completed", "done date"),
    "notes": ("notes", "comments", "note"),
}


def header_of(tab: str, key: str | None) -> str | None:
    """The column header (or Overview label) a field key stands for, as scripts see it in
    ``--json`` ("due" → "Due", "target_decision" → "Target decision date")."""
    if key is None:
        return None
    if tab == OVERVIEW:
        return next((f.label for f in OVERVIEW_FIELDS if f.key == key), key)
    spec = TABLE_TABS.get(tab)
    return next((c.header for c in spec.columns if c.key == key), key) if spec else key


def normalise_header(text: object) -> str:
    """Header text as compared: no sync mark, no case, single spaces."""
    return _normalised_header(str(text or ""))


@functools.lru_cache(maxsize=1024)
def _normalised_header(s: str) -> str:
    """Every plan read compares the same few hundred header-row texts: each is normalised once."""
    s = unicodedata.normalize("NFKC", s)
    for mark in _SYNC_MARKS:
        s = s.replace(mark, "")
    return re.sub(r"\s+", " ", s).strip().lower()


#: The sync mark in every language (NFKC: "（自動）" and "(自動)" alike), stripped when headers are compared.
_SYNC_MARKS = tuple(unicodedata.normalize("NFKC", m).strip() for m in catalog.in_every_language("sheet.sync_mark"))


# --- the backend-neutral picture of a plan file -------------------------------------------------

CellValue = str | int | float | bool | date | datetime | None


@dataclass(frozen=True)
class Cell:
    """One cell as read back. ``value`` is what the cell holds (a date for a date-formatted
    cell, a number, text); ``formula`` the formula text when it holds one; ``note`` its note."""

    value: CellValue = None
    formula: str | None = None
    note: str = ""

    @property
    def text(self) -> str:
        if self.value is None:
            return ""
        if isinstance(self.value, datetime):
            return self.value.date().isoformat() if self.value.time() == datetime.min.time() else self.value.isoformat()
        if isinstance(self.value, date):
            return self.value.isoformat()
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value)


@dataclass(frozen=True)
class Grid:
    """A tab's cells, row by row; ``rows[0]`` is sheet row 1."""

    title: str
    rows: tuple[tuple[Cell, ...], ...] = ()

    def cell(self, row: int, col: int) -> Cell:
        """0-based row and column; a cell beyond the data is empty."""
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return Cell()


@dataclass(frozen=True)
class ReadToken:
    """What a backend wants to remember about the file as it read it, opaque to everyone else.
    ``version`` is the file's change token at the read (the workbook's SHA-256; Drive's
    ``version``), "" when unknown; ``detail`` is backend-private text that must survive the state
    store (Google: where the tabs, colour rules and metadata sit). Services pass it through."""

    version: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Snapshot:
    """What a backend read from one plan file. ``tabs`` is keyed by contract tab name (a backend
    locates tabs by name or by stable sheet ID); a tab missing from the file is absent here.
    ``meta`` carries the plan's document properties: ``plan_id``, ``schema``, ``template``,
    ``locale``, ``timezone``, ``slug``, ``shortfall_days``. ``formats_ok`` is the backend's word
    on whether the validation and conditional-format rules are still in place; ``token`` is the
    backend's own note on the read (never a key in ``meta``). ``edited_by`` is who last changed the
    file, as the backend can tell (Drive's last modifying user; a workbook's last-modified-by), ""
    when it cannot or when mapws itself saved it last; ``edited_at`` when that change was made."""

    source: str
    meta: dict[str, str]
    tabs: dict[str, Grid]
    formats_ok: bool = True
    extra_tabs: tuple[str, ...] = field(default=())
    token: ReadToken = field(default=ReadToken())
    edited_by: str = ""
    #: When the file last changed (ISO 8601), when that change was not mapws's own; "" otherwise.
    edited_at: str = ""


def columns_by_position(spec: TabSpec, header: Iterable[Cell]) -> dict[int, Column]:
    """0-based position → contract column, matched by header text (a renderer's view of a header
    row it is about to write or has just written)."""
    by_name = {normalise_header(c.header): c for c in spec.columns}
    for lang in catalog.languages():
        for c in spec_in(spec.name, lang).columns if spec.name in TABLE_TABS else ():
            by_name.setdefault(normalise_header(c.header), spec.column(c.key))
    found: dict[int, Column] = {}
    for i, cell in enumerate(header):
        column = by_name.get(normalise_header(cell.text))
        if column is not None and column not in found.values():
            found[i] = column
    return found


def a1(row: int, col: int) -> str:
    """A1 reference from 1-based row and 0-based column: ``a1(2, 0) == "A2"``."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def parse_a1(ref: str) -> tuple[int, int]:
    """``parse_a1("B3") == (3, 1)``: 1-based row, 0-based column."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref.strip().upper())
    if not match:
        raise ValueError(f"not an A1 reference: {ref!r}")
    col = 0
    for ch in match[1]:
        col = col * 26 + ord(ch) - 64
    return int(match[2]), col - 1


def column_letter(col: int) -> str:
    """Letter of a 0-based column index."""
    return a1(1, col)[:-1]


# --- how far the Plan's formats reach ------------------------------------------------------------

#: Rows the dropdowns, colour rules and live counts reach at least, so buyers can add rows.
MIN_FORMATTED_ROWS = 500
#: Room left under the last item for rows the buyer adds.
FORMAT_HEADROOM = 200
#: Meta key recording the last sheet row the Plan's formats and range formulas cover.
META_FORMATTED_ROWS = "formatted_rows"


def formatted_rows(item_count: int, rows_formatted: int | None = None) -> int:
    """The last sheet row the Plan tab's formats and range formulas cover in a new plan."""
    if rows_formatted:
        return rows_formatted
    return max(MIN_FORMATTED_ROWS, item_count + FORMAT_HEADROOM)


def recorded_formatted_rows(meta: dict[str, str]) -> int:
    """The formatted rows a plan's meta records; 0 when it records none (or nonsense)."""
    try:
        return max(0, int(str(meta.get(META_FORMATTED_ROWS, "")).strip()))
    except ValueError:
        return 0


def formats_last_row(snapshot: Snapshot) -> int:
    """How far a backend writing ``snapshot`` as a new file lays out the Plan's formats."""
    plan = snapshot.tabs.get(PLAN)
    return recorded_formatted_rows(snapshot.meta) or formatted_rows(max(0, len(plan.rows) - 1) if plan else 0)
