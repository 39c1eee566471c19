"""The live formulas the sheet carries, in the syntax Excel, LibreOffice and Google Sheets share.

They are built from the column letters the sync found (columns are found by header, so a buyer
inserting a column moves them) and use only functions all three engines know: IF, OR, AND,
ISNUMBER, N, TODAY, COUNTIF, COUNTA, SUMPRODUCT, ROUND, WORKDAY, INDIRECT — no LET, no array literals.

"Due soon" counts working days, as the sync does: an open item is due soon when its Due is no later
than ``WORKDAY(TODAY(), M, closed days)``, the closed days being the plan's weekday holidays and
closures, which the sync keeps in a column of the hidden state tab (:data:`CLOSED_DAYS_RANGE`).

The date windows (stalled after N days late, due soon within M days) are the ones the sync's
findings use: :class:`~map_workspace.domain.rules.Thresholds`, configurable in config.toml. A plan
records the windows its formulas and colour rules were written with in its meta
(:func:`thresholds_meta`), so the sync can tell when the config moved and rewrite them.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from map_workspace import catalog
from map_workspace.domain.model import Status
from map_workspace.domain.thresholds import Thresholds
from map_workspace.domain.vocabulary import status_words
from map_workspace.layout import CLOSED_DAYS_COLUMN, MIN_FORMATTED_ROWS, PLAN_TAB, STATE, column_letter
from map_workspace.locales import uses_semicolons

#: Meta keys recording the windows a plan's formulas and colour rules were written with.
META_STALLED = "stalled_after_days"
META_DUE_SOON = "due_soon_days"
#: Meta key: "off" once the plan is closed (``mapws close``): formulas and colour rules flag no dates.
META_DATE_FLAGS = "date_flags"

#: The plan's closed weekdays (public holidays, company closures) under their header in the hidden
#: state tab: the holidays of the live formulas' WORKDAY. A whole column would take the header's
#: text in, which WORKDAY refuses; 1000 rows is the height a new state tab has on every backend.
CLOSED_DAYS_RANGE = f"'{STATE}'!${column_letter(CLOSED_DAYS_COLUMN)}$2:${column_letter(CLOSED_DAYS_COLUMN)}$1000"



@dataclass(frozen=True)
class Words:
    """What a plan's formulas test and say, in its language: the status words they count (English's
    and the language's own), and the words they show (flags, the progress line)."""

    done: tuple[str, ...]
    na: tuple[str, ...]
    blocked: tuple[str, ...]
    stalled: str
    overdue: str
    due_soon: str
    progress: str  # "{done} of {total} done · {percent}%"

    @property
    def closed(self) -> tuple[str, ...]:
        return self.done + self.na


@functools.cache
def words_in(lang: str = catalog.DEFAULT) -> Words:
    """The formulas' words for a plan in ``lang`` (see :class:`Words`)."""
    statuses, w = status_words(lang), catalog.words(lang)
    return Words(statuses[Status.DONE], statuses[Status.NA], statuses[Status.BLOCKED], w("sheet.flags.stalled"),
                 w("sheet.flags.overdue"), w("sheet.flags.due_soon"), w("sheet.progress"))


#: An English plan's words (a plan in another language counts these too).
DONE_WORDS = words_in().done
NA_WORDS = words_in().na
CLOSED_WORDS = words_in().closed
BLOCKED_WORDS = words_in().blocked


def quote(text: str) -> str:
    """A formula string literal: the text can never escape into formula syntax."""
    return '"' + text.replace('"', '""') + '"'


def _any_equal(ref: str, words: tuple[str, ...]) -> str:
    return "OR(" + ",".join(f"{ref}={quote(w)}" for w in words) + ")"


def _none_equal_vector(rng: str, words: tuple[str, ...]) -> str:
    """1 where the range's cell is none of the words (vectorised, case-insensitive)."""
    return "*".join(f"({rng}<>{quote(w)})" for w in words)


@dataclass(frozen=True)
class PlanColumns:
    """Where the Plan tab's columns are, as letters; ``last_row`` bounds the ranges."""

    activity: str = "C"
    due: str = "F"
    status: str = "G"
    last_row: int = MIN_FORMATTED_ROWS
    tab: str = PLAN_TAB.name
    #: The plan's language: the words the formulas test and show.
    lang: str = catalog.DEFAULT

    @property
    def words(self) -> Words:
        return words_in(self.lang)

    def rng(self, col: str) -> str:
        return f"{sheet_ref(self.tab)}!{col}2:{col}{self.last_row}"


def plan_columns_at(columns: Mapping[str, int], last_row: int, tab: str = PLAN_TAB.name,
                    lang: str = catalog.DEFAULT) -> PlanColumns:
    """The formulas' columns from where a backend found the Plan's columns (0-based, by key);
    a column not found keeps its place in a fresh plan."""
    letter = {k: column_letter(columns.get(k, PLAN_TAB.index(k))) for k in ("activity", "due", "status")}
    return PlanColumns(letter["activity"], letter["due"], letter["status"], last_row, tab, lang)


def sheet_ref(tab: str) -> str:
    """A tab name as a formula reference, quoted when it needs to be."""
    return tab if tab.isascii() and tab.isalnum() else "'" + tab.replace("'", "''") + "'"


def thresholds_of(meta: Mapping[str, str]) -> Thresholds:
    """The windows a plan's formulas were written with, from its meta; a plan that records none
    was written before they were configurable, with the defaults."""
    default = Thresholds()
    return Thresholds(stalled_after_days=_meta_int(meta, META_STALLED, default.stalled_after_days),
                      due_soon_days=_meta_int(meta, META_DUE_SOON, default.due_soon_days),
                      date_flags=str(meta.get(META_DATE_FLAGS, "")).strip().lower() != "off")


def thresholds_meta(thresholds: Thresholds) -> dict[str, str]:
    """The meta entries that record the windows formulas and colour rules are written with (and, on a
    closed plan, that they flag no dates)."""
    out = {META_STALLED: str(thresholds.stalled_after_days), META_DUE_SOON: str(thresholds.due_soon_days)}
    if not thresholds.date_flags:
        out[META_DATE_FLAGS] = "off"
    return out


def same_windows(a: Thresholds, b: Thresholds) -> bool:
    """Whether formulas written with ``a`` read the same as ones written with ``b``."""
    return ((a.stalled_after_days, a.due_soon_days, a.date_flags)
            == (b.stalled_after_days, b.due_soon_days, b.date_flags))


def _meta_int(meta: Mapping[str, str], key: str, default: int) -> int:
    try:
        return int(str(meta[key]))
    except (KeyError, ValueError):
        return default


# Every sync writes (or compares) each item row's flag formula, and the same rows recur from plan to
# plan over a night: each (row, columns, thresholds) is built once a process.
@functools.lru_cache(maxsize=4096)
def live_flag(row: int, cols: PlanColumns, thresholds: Thresholds) -> str:
    """The date-dependent flag of one row, as an expression (no leading ``=``); on a closed plan
    (``thresholds.date_flags`` off) none: an item left open never turns "Overdue"."""
    if not thresholds.date_flags:
        return '""'
    due, status = f"{cols.due}{row}", f"{cols.status}{row}"
    stalled, soon = int(thresholds.stalled_after_days), int(thresholds.due_soon_days)
    w = cols.words
    return (
        f"IF({_any_equal(status, w.closed)},\"\","
        f"IF(NOT(ISNUMBER({due})),\"\","
        f"IF({due}<TODAY(),IF(TODAY()-{due}>={stalled},{quote(w.stalled)},{quote(w.overdue)}),"
        f"IF({due}<=WORKDAY(TODAY(),{soon},{CLOSED_DAYS_RANGE}),{quote(w.due_soon)},\"\"))))"
    )


def flag_formula(row: int, cols: PlanColumns, static: str = "", *, thresholds: Thresholds) -> str:
    """The Flag cell: the sync's own words (``static``: "Needs owner · Blocked by T-03") joined
    with the live date flag, which keeps itself right between syncs."""
    live = live_flag(row, cols, thresholds)
    if not thresholds.date_flags:
        return "=" + (quote(static) if static else '""')
    if not static:
        return "=" + live
    joiner = catalog.words(cols.lang)("sheet.flags.joiner")
    return f"=IF({live}=\"\",{quote(static)},{live}&{quote(joiner + static)})"


def progress_formula(cols: PlanColumns) -> str:
    """``12 of 18 done · 67%`` (``18件中12件完了 · 67%``: the catalog's ``sheet.progress`` around the
    numbers): N/A rows leave the total; ROUND rounds half up."""
    w = cols.words
    done = _count_words(cols.rng(cols.status), w.done)
    na = _count_words(cols.rng(cols.status), w.na)
    total = f"(COUNTA({cols.rng(cols.activity)})-({na}))"
    numbers = {"done": f"({done})", "total": total,
               "percent": f"IF({total}<=0,0,ROUND(({done})/{total}*100,0))"}
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(w.progress):
        if literal:
            parts.append(quote(literal))
        if name:
            parts.append(numbers[name])
    return "=" + "&".join(parts)


def overdue_formula(cols: PlanColumns) -> str:
    """How many open items are past their due date today."""
    due, status, activity = cols.rng(cols.due), cols.rng(cols.status), cols.rng(cols.activity)
    return (
        f"=SUMPRODUCT(ISNUMBER({due})*({due}<TODAY())*({activity}<>\"\")*"
        f"{_none_equal_vector(status, cols.words.closed)})"
    )


def _count_words(rng: str, words: tuple[str, ...]) -> str:
    return "+".join(f"COUNTIF({rng},{quote(w)})" for w in words)


@dataclass(frozen=True)
class ColourRule:
    """A conditional-format rule over the Plan rows: ``formula`` is written for the range's first
    data row (row 2) and shifts down with it, as both Excel and Sheets apply it."""

    name: str
    formula: str
    fill: str  # RRGGBB
    font: str = "000000"
    bold: bool = False


def colour_rules(cols: PlanColumns, thresholds: Thresholds) -> tuple[ColourRule, ...]:
    """The colour flags, first match wins (PRODUCT.md): Done green, Blocked grey-red, Stalled
    dark red, Overdue red, Due soon amber. A closed plan (``thresholds.date_flags`` off) keeps Done
    and Blocked only: nothing turns red with time."""
    stalled, soon = int(thresholds.stalled_after_days), int(thresholds.due_soon_days)
    due, status, act = f"${cols.due}2", f"${cols.status}2", f"${cols.activity}2"
    w = cols.words
    is_open = f"NOT({_any_equal(status, w.closed)})"
    dated = f"AND({act}<>\"\",ISNUMBER({due}),{is_open}"
    # AND() evaluates every argument, so date arithmetic on a text date ("TBD") would make the
    # whole rule an error rather than FALSE; N() reads text as 0 and keeps the rule a plain FALSE.
    day = f"N({due})"
    # A colour rule may not name another tab in Sheets (it refuses the rule): INDIRECT reaches the
    # closed days instead, in LibreOffice and Excel alike.
    soon_end = f"WORKDAY(TODAY(),{soon},INDIRECT({quote(CLOSED_DAYS_RANGE)}))"
    kept = (
        ColourRule("done", f"AND({act}<>\"\",{_any_equal(status, w.done)})", "D9EAD3", "274E13"),
        ColourRule("blocked", f"AND({act}<>\"\",{_any_equal(status, w.blocked)})", "E6CFCF", "5B3A3A"),
    )
    if not thresholds.date_flags:
        return kept
    return (
        *kept,
        ColourRule("stalled", f"{dated},TODAY()-{day}>={stalled})", "990000", "FFFFFF", True),
        ColourRule("overdue", f"{dated},{day}<TODAY())", "F4CCCC", "990000", True),
        ColourRule("due_soon", f"{dated},{day}>=TODAY(),{day}<={soon_end})", "FFE599", "7F6000"),
    )


# --- the syntax of a spreadsheet's locale ----------------------------------------------------------

#: String literals ("a""b") and quoted sheet names ('My tab'): never rewritten.
_LITERAL = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
_DECIMAL_POINT = re.compile(r"(?<![A-Za-z$\d])(\d+)\.(\d+)")
_DECIMAL_COMMA = re.compile(r"(?<![A-Za-z$\d])(\d+),(\d+)")


def _outside_literals(formula: str, change: Callable[[str], str]) -> str:
    out, last = [], 0
    for match in _LITERAL.finditer(formula):
        out.append(change(formula[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(change(formula[last:]))
    return "".join(out)


def to_locale_syntax(formula: str, locale: str) -> str:
    """A formula written here (with ",") as typed in a spreadsheet in ``locale``: ";" between
    arguments and "," for decimals in the semicolon locales (de_DE, fr_FR, ...), unchanged otherwise."""
    if not uses_semicolons(locale):
        return formula
    return _outside_literals(formula, lambda part: _DECIMAL_POINT.sub(r"\1,\2", part.replace(",", ";")))


def from_locale_syntax(formula: str, locale: str) -> str:
    """A formula as a spreadsheet in ``locale`` returns it, in the syntax written here (",").
    A ";" between arguments is read as the semicolon syntax whatever the locale says (a locale
    this module files wrongly must not make every sync rewrite every formula)."""
    if not uses_semicolons(locale) and not _semicolon_syntax(formula):
        return formula
    return _outside_literals(formula, lambda part: _DECIMAL_COMMA.sub(r"\1.\2", part).replace(";", ","))


def _semicolon_syntax(formula: str) -> bool:
    """";" outside literals and no array literal ({1;2} is a column in the comma syntax)."""
    code = _LITERAL.sub("", formula)
    return ";" in code and "{" not in code


# --- recognising the product's own rules in a file ------------------------------------------------

_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')


def canonical_formula(formula: str) -> str:
    """Formula text as compared: no leading "=", no spaces or case outside string literals
    (spreadsheet programs re-serialise formulas in their own style), and ";" read as "," (the
    argument separator of a semicolon locale: the product's formulas have no array literals)."""
    text = formula.strip().removeprefix("=")
    out, last = [], 0
    for match in _STRING_LITERAL.finditer(text):
        out.append(re.sub(r"\s+", "", text[last:match.start()]).upper().replace(";", ","))
        out.append(match.group(0))
        last = match.end()
    out.append(re.sub(r"\s+", "", text[last:]).upper().replace(";", ","))
    return "".join(out)


#: Stand-in windows, numbers no real config uses, replaced by "any number" in the patterns.
_MARK_DAYS = Thresholds(stalled_after_days=918273645, due_soon_days=546372819)


@functools.cache
def _colour_rule_patterns() -> list[re.Pattern[str]]:
    """The colour rules with any columns, rows and windows: a plan keeps recognising its rules
    after a buyer moved columns or the config changed the windows."""
    marks = ("\x01", "\x02", "\x03")
    days = (str(_MARK_DAYS.stalled_after_days), str(_MARK_DAYS.due_soon_days))
    patterns = []
    formulas = []
    for lang in catalog.languages():
        cols = PlanColumns(*marks, lang=lang)
        formulas += [rule.formula for rule in colour_rules(cols, _MARK_DAYS)]
        formulas += [_calendar_days_due_soon(cols, _MARK_DAYS)]
    for formula in dict.fromkeys(formulas):
        text = canonical_formula(formula)
        for mark in marks:
            text = text.replace(mark + "2", mark)
        pattern = re.escape(text)
        for mark in marks:
            pattern = pattern.replace(re.escape(mark), r"\$?[A-Z]{1,3}\d+")
        for number in days:
            pattern = pattern.replace(number, r"-?\d+")
        # INDIRECT's text names a range: any case reaches the same cells.
        days_text = re.escape(quote(CLOSED_DAYS_RANGE))
        pattern = pattern.replace(days_text, f"(?i:{days_text})")
        patterns.append(re.compile(pattern))
    return patterns



def _calendar_days_due_soon(cols: PlanColumns, thresholds: Thresholds) -> str:
    """The "due soon" rule as plans made before it counted working days have it: still the
    product's, so their next sync replaces it."""
    due, status, act = f"${cols.due}2", f"${cols.status}2", f"${cols.activity}2"
    day = f"N({due})"
    return (f"AND({act}<>\"\",ISNUMBER({due}),NOT({_any_equal(status, cols.words.closed)}),{day}>=TODAY(),"
            f"{day}-TODAY()<={int(thresholds.due_soon_days)})")


def is_colour_rule_formula(formula: str) -> bool:
    """One of the product's colour rules, with any columns and rows: how a backend recognises its
    own rules after a buyer moved columns, and never touches a buyer's own rule."""
    text = canonical_formula(formula)
    return any(p.fullmatch(text) for p in _colour_rule_patterns())  # built on first use: a sync may need none


_RELATIVE_ROW = re.compile(r"(\$?[A-Z]{1,3})(\d+)")


def shift_rows(formula: str, offset: int) -> str:
    """Move the row numbers of A1 references (outside string literals) down by ``offset``."""
    if not offset:
        return formula
    out, last = [], 0
    for match in _STRING_LITERAL.finditer(formula):
        out.append(_RELATIVE_ROW.sub(lambda m: f"{m[1]}{int(m[2]) + offset}", formula[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_RELATIVE_ROW.sub(lambda m: f"{m[1]}{int(m[2]) + offset}", formula[last:]))
    return "".join(out)


def colour_rules_from(cols: PlanColumns, first_row: int, thresholds: Thresholds) -> list[tuple[str, ColourRule]]:
    """(formula without "=", rule) for data starting at sheet row ``first_row`` (the rules are
    written for row 2)."""
    return [(shift_rows(rule.formula, first_row - 2), rule) for rule in colour_rules(cols, thresholds)]
