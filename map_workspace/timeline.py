"""The Timeline tab: one row per Plan item, one column per week, coloured by live rules.

Pure: plain data in, cells and colour rules out; both backends write the same ones. Every cell is
a formula over the Plan tab, so the Timeline keeps itself right between syncs and in any
spreadsheet program: row ``r`` shows the item on the Plan's row ``r`` by its ID (INDEX over
a fixed range, so deleting a Plan row never leaves a broken reference), and Activity,
Due, Baseline and Status are looked up by that ID (INDEX/MATCH), so sorting or filtering the Plan
moves rows together and never mixes one item's dates with another's. Functions used: IF, AND, OR,
NOT, N, ISNUMBER, INDEX, MATCH, WEEKDAY, IFERROR, TODAY — all in Excel, LibreOffice and Google Sheets.

The product never reads the Timeline's values back: a backend only notes that the tab is there
(an empty :class:`~map_workspace.layout.Grid` under :data:`~map_workspace.layout.TIMELINE` in a
snapshot), and a sync re-creates it when it is missing. An existing Timeline is never rewritten,
so nothing a buyer typed there is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from map_workspace import catalog
from map_workspace.domain.model import ItemType, Plan
from map_workspace.domain.vocabulary import word_of
from map_workspace.formulas import ColourRule, quote, sheet_ref, thresholds_of, words_in
from map_workspace.layout import PLAN, PLAN_TAB, TIMELINE, Cell, Grid, column_letter, tab_title

#: The Timeline's fixed columns before the weeks: (the catalog key of its header, width, hidden).
FIXED_COLUMNS = (
    ("id", 7.0, False),
    ("activity", 34.0, False),
    ("plan_row", 6.0, True),
    ("milestone_week", 10.0, True),
    ("due", 11.0, False),
    ("baseline", 11.0, False),
    ("status", 11.0, False),
)
#: The catalog keys of the fixed columns' headers (``sheet.headers.timeline.<key>``).
FIXED_KEYS = tuple(key for key, _, _ in FIXED_COLUMNS)
WEEK_WIDTH = 6.0
WEEK_FORMAT = "mmm d"


def fixed_headers(lang: str = catalog.DEFAULT) -> tuple[str, ...]:
    """The fixed columns' headers in a plan in ``lang``."""
    w = catalog.words(lang)
    return tuple(w(f"sheet.headers.timeline.{key}") for key in FIXED_KEYS)


def week_format(lang: str = catalog.DEFAULT) -> str:
    """The week headers' number format in a plan in ``lang`` ("mmm d"; "m/d" in Japanese)."""
    return catalog.words(lang)("sheet.week_format")
#: The Plan columns the Timeline looks up.
_LOOKED_UP = ("id", "type", "activity", "due", "baseline", "status")
_MILESTONE = ItemType.MILESTONE.value
DIAMOND = "◆"

#: Meta keys recording the Timeline's weeks (its first Monday and how many), so a sync that
#: re-creates the tab draws the same weeks.
META_START = "timeline_start"
META_WEEKS = "timeline_weeks"
META_ROWS = "timeline_rows"
#: Formula rows a Timeline keeps under the Plan's last item. Few: an item the buyer adds gets its
#: ID from a sync, and the same sync adds Timeline rows for it.
ROW_HEADROOM = 5


@dataclass(frozen=True)
class TimelineLayout:
    """Where a Timeline's weeks start and how far its formulas reach. ``plan`` maps the looked-up
    Plan columns (id, type, activity, due, baseline, status) to their letters."""

    first_week: date
    weeks: int
    last_row: int
    plan: Mapping[str, str]
    plan_tab: str = PLAN_TAB.name
    #: The last sheet row holding formulas (one per Plan row with room to spare; a sync adds rows
    #: as the Plan grows). ``last_row`` is how far the lookups and colour rules reach.
    rows: int = 0
    #: Whether the colours flag dates (overdue, slipped): off on a closed plan, as its Plan's
    #: (the plan's meta ``date_flags``).
    flags: bool = True
    #: The plan's language: the headers, and the status and type words the formulas test.
    lang: str = catalog.DEFAULT

    @property
    def formula_rows(self) -> int:
        return min(self.rows or self.last_row, self.last_row)

    @property
    def first_week_col(self) -> int:
        """0-based column of the first week."""
        return len(FIXED_COLUMNS)

    @property
    def last_col(self) -> int:
        return self.first_week_col + self.weeks - 1

    def week(self, k: int) -> date:
        return self.first_week + timedelta(weeks=k)

    def week_range(self, from_week: int = 0) -> str:
        """The A1 range of the week cells under the header (from week ``from_week`` on)."""
        return f"{column_letter(self.first_week_col + from_week)}2:{column_letter(self.last_col)}{self.last_row}"

    def header_range(self, from_week: int = 0) -> str:
        return f"{column_letter(self.first_week_col + from_week)}1:{column_letter(self.last_col)}1"

    def meta(self) -> dict[str, str]:
        return {META_START: self.first_week.isoformat(), META_WEEKS: str(self.weeks), META_ROWS: str(self.formula_rows)}


@dataclass(frozen=True)
class TimelineWrite:
    """What a sync writes into the Timeline: the formula rows from ``first_row`` to the layout's
    last (the tab itself, with its header and colour rules, when the file has no Timeline)."""

    layout: TimelineLayout
    first_row: int = 2
    #: Week columns from this one on are new to an existing Timeline (the decision moved later);
    #: ``layout.weeks`` or more: none.
    first_new_week: int = 0
    #: The colour rules laid again over every week (the plan was closed or reopened: ``layout.flags``
    #: changed); the old ones go.
    rules_again: bool = False


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_to_cover(plan: Plan, first_week: date) -> int:
    """The weeks a Timeline starting on ``first_week`` needs to reach the week after the decision.
    Only the decision counts: an item moved past it does not grow the Timeline (the sync flags it,
    and a buyer's one date edit stays a small write)."""
    dates: list[date] = []
    decision = plan.overview.target_decision
    end = max([*dates, *([decision] if decision else [])], default=first_week) + timedelta(weeks=1)
    return max(1, (monday(end) - first_week).days // 7 + 1)


def timeline_weeks(plan: Plan) -> tuple[date, int]:
    """The first Monday and the number of weeks: from the week of the plan's first date (the
    earliest baseline or due, the kick-off) to the week after the decision (or the last due date,
    when an item is due after it)."""
    dates = [d for i in plan.items for d in (i.baseline, i.due) if d is not None]
    decision = plan.overview.target_decision
    start = min(dates) if dates else (decision or date.today())
    end = max([*dates, *([decision] if decision else [])], default=start) + timedelta(weeks=1)
    first = monday(start)
    return first, (monday(end) - first).days // 7 + 1


def timeline_layout(
    first_week: date,
    weeks: int,
    plan_columns: Mapping[str, int],
    last_row: int,
    plan_tab: str = PLAN_TAB.name,
    rows: int = 0,
    flags: bool = True,
    lang: str = catalog.DEFAULT,
) -> TimelineLayout:
    """A layout from where the Plan's columns are (0-based, by key; a column not found keeps its
    place in a fresh plan)."""
    letters = {k: column_letter(plan_columns.get(k, PLAN_TAB.index(k))) for k in _LOOKED_UP}
    return TimelineLayout(monday(first_week), max(1, weeks), last_row, letters, plan_tab, rows, flags, lang)


def layout_from_meta(
    meta: Mapping[str, str], plan_columns: Mapping[str, int], last_row: int, plan_tab: str | None = None
) -> TimelineLayout | None:
    """The layout a plan's meta records (its colours flag dates unless the meta says ``date_flags``
    off); None when it records none (or nonsense)."""
    try:
        first = date.fromisoformat(str(meta[META_START]))
        weeks = int(str(meta[META_WEEKS]))
        rows = int(str(meta.get(META_ROWS, "0")))
    except (KeyError, ValueError):
        return None
    lang = catalog.plan_language(meta)
    return timeline_layout(first, weeks, plan_columns, last_row, plan_tab or tab_title(PLAN, lang), rows,
                           thresholds_of(meta).date_flags, lang)


# --- the cells ------------------------------------------------------------------------------------


def _plan_range(layout: TimelineLayout, key: str) -> str:
    col = layout.plan[key]
    return f"{sheet_ref(layout.plan_tab)}!${col}$1:${col}${layout.last_row}"


def _lookup(layout: TimelineLayout, key: str, row: int) -> str:
    return f"INDEX({_plan_range(layout, key)},MATCH($A{row},{_plan_range(layout, 'id')},0))"


def row_formulas(layout: TimelineLayout, row: int) -> list[str]:
    """The formulas of one Timeline row (sheet row ``row``), fixed columns then weeks. Hidden
    helpers keep every cell short (a Google read returns each formula's text): the Plan row that
    holds the ID (one MATCH), and the Monday of a milestone's due week (so a week cell only
    compares two dates)."""
    at = f"$C{row}"
    looked = lambda key: f"INDEX({_plan_range(layout, key)},{at})"  # noqa: E731
    text = lambda key: f'=IF({at}="","",""&{looked(key)})'  # noqa: E731
    day = lambda key: f'=IF({at}="","",IF(ISNUMBER({looked(key)}),{looked(key)},""))'  # noqa: E731
    cells = [
        f'=IFERROR(""&INDEX({_plan_range(layout, "id")},{row}),"")',
        text("activity"),
        f'=IF($A{row}="","",IFERROR(MATCH($A{row},{_plan_range(layout, "id")},0),""))',
        f'=IF({at}="","",IFERROR(IF({_is_milestone(looked("type"), layout.lang)},$E{row}-WEEKDAY($E{row},3),""),""))',
        day("due"),
        day("baseline"),
        text("status"),
    ]
    for k in range(layout.weeks):
        cells.append(f'=IF($D{row}={column_letter(layout.first_week_col + k)}$1,{quote(DIAMOND)},"")')
    return cells


def _is_milestone(ref: str, lang: str) -> str:
    """The type cell says Milestone (in English, or in the plan's language)."""
    words = tuple(dict.fromkeys((_MILESTONE, word_of(ItemType.MILESTONE, lang))))
    return f"{ref}={quote(words[0])}" if len(words) == 1 else _any_equal(ref, words)


def timeline_grid(layout: TimelineLayout) -> Grid:
    """The Timeline's cells: the header (week starts as dates) and the formula rows."""
    header = [Cell(value=h) for h in fixed_headers(layout.lang)]
    header += [Cell(value=layout.week(k)) for k in range(layout.weeks)]
    rows = [tuple(header)]
    for row in range(2, layout.formula_rows + 1):
        rows.append(tuple(Cell(formula=f) for f in row_formulas(layout, row)))
    return Grid(title=tab_title(TIMELINE, layout.lang), rows=tuple(rows))


# --- the colours ----------------------------------------------------------------------------------


def _any_equal(ref: str, words: tuple[str, ...]) -> str:
    return "OR(" + ",".join(f"{ref}={quote(w)}" for w in words) + ")"


def timeline_rules(layout: TimelineLayout, from_week: int = 0) -> tuple[ColourRule, ...]:
    """The week cells' colour rules, first match wins, each written for the top-left week cell
    (row 2) and shifting with the range: done (green), overdue (red, from the due week to today's),
    planned (blue), slipped (amber, from the baseline's week to the due week), today's week (pale).
    A closed plan's (``layout.flags`` off) flag nothing: no overdue, no slipped.
    ``from_week``: for a range that starts at that week's column."""
    w = f"{column_letter(layout.first_week_col + from_week)}$1"
    due, base, status = "N($E2)", "N($F2)", "$G2"
    dated = '$A2<>"",ISNUMBER($E2)'
    in_due_week = f"{due}>={w},{due}<{w}+7"
    words = words_in(layout.lang)
    is_open = f"NOT({_any_equal(status, words.closed)})"
    rules = (
        ColourRule("done", f"AND({dated},{_any_equal(status, words.done)},{in_due_week})", "93C47D", "274E13"),
        ColourRule(
            "overdue", f"AND({dated},{is_open},{due}<TODAY(),{w}+7>{due},{w}<=TODAY())", "E06666", "FFFFFF", True
        ),
        ColourRule("planned", f"AND({dated},{is_open},{in_due_week})", "6FA8DC", "073763"),
        ColourRule("slipped", f"AND({dated},ISNUMBER($F2),{base}<{due},{w}+7>{base},{w}<{due})", "F9CB9C", "7F6000"),
        ColourRule("today", f'AND($A2<>"",TODAY()>={w},TODAY()<{w}+7)', "FFF2CC"),
    )
    return rules if layout.flags else tuple(r for r in rules if r.name not in DATE_RULES)


#: The Timeline's rules that flag dates: a closed plan has none.
DATE_RULES = frozenset({"overdue", "slipped"})


def today_header_rule(layout: TimelineLayout, from_week: int = 0) -> ColourRule:
    """The header cell of today's week, for the header row's range."""
    w = f"{column_letter(layout.first_week_col + from_week)}1"
    return ColourRule("today_header", f"AND(TODAY()>={w},TODAY()<{w}+7)", "F1C232", "000000", True)


def timeline_state_formula(layout: TimelineLayout, row: int, col: int) -> str:
    """What the rules colour one week cell, as a formula giving the first matching rule's name
    ("" for none): the rules shifted to that cell, as a spreadsheet applies them (for checking a
    Timeline with a real engine)."""
    shifted = []
    for rule in timeline_rules(layout):
        shifted.append((rule.name, _shift(rule.formula, row, col, layout)))
    out = '""'
    for name, formula in reversed(shifted):
        out = f"IF({formula},{quote(name)},{out})"
    return "=" + out


def _shift(formula: str, row: int, col: int, layout: TimelineLayout) -> str:
    """The rule formula moved from the top-left week cell to (row, 0-based col)."""
    first = column_letter(layout.first_week_col)
    return (
        formula.replace(f"{first}$1", f"{column_letter(col)}$1")
        .replace("$A2", f"$A{row}")
        .replace("$G2", f"$G{row}")
        .replace("$E2", f"$E{row}")
        .replace("$F2", f"$F{row}")
    )


def plan_columns_of(columns: Mapping[str, int]) -> dict[str, int]:
    """Only the looked-up Plan columns, from a table's columns by key."""
    return {k: v for k, v in columns.items() if k in _LOOKED_UP}


def rows_for(last_plan_row: int, last_row: int) -> int:
    """Formula rows for a Plan whose last item is on sheet row ``last_plan_row``."""
    return min(last_row, max(2, last_plan_row) + ROW_HEADROOM)


def fresh_layout(plan: Plan, last_row: int, plan_tab: str = PLAN_TAB.name,
                 lang: str = catalog.DEFAULT) -> TimelineLayout:
    """The layout of a new plan's Timeline (the Plan's columns where a new plan has them)."""
    first, weeks = timeline_weeks(plan)
    return timeline_layout(first, weeks, {}, last_row, plan_tab, rows=rows_for(len(plan.items) + 1, last_row),
                           lang=lang)
