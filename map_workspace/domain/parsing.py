"""Reading what buyers type: dates, statuses, IDs, dependencies and owners.

Buyers write in their own words and their own locale. These parsers turn a cell's value into
meaning without ever changing or rejecting the cell: each returns the reading plus enough to say
what went wrong (``None``, a ``problem``, an :class:`OwnerKind`), and the rules turn that into
findings. Everything here is pure and never raises on what a buyer can type.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from map_workspace.domain.model import ItemType, Level, Person, RiskStatus, Side, Stakeholder, Status
from map_workspace.domain.vocabulary import (
    GROUP_WORDS,
    ITEM_TYPE_WORDS,
    LEVEL_WORDS,
    PLACEHOLDER_WORDS,
    RISK_STATUS_WORDS,
    SIDE_WORDS,
    STATUS_WORDS,
)

_Meaning = TypeVar("_Meaning")

# --- dates -------------------------------------------------------------------------------------

#: Day 0 of spreadsheet serial dates (Excel's 1900 system as Google Sheets and LibreOffice count it).
SERIAL_EPOCH = date(1899, 12, 30)
#: The serial of 9999-12-31, the last date a spreadsheet can hold.
MAX_SERIAL = 2958465

UNPARSEABLE = "unparseable"


class DateOrder(StrEnum):
    """How a locale writes a numeric date: ``5/15/2026``, ``15/05/2026`` or ``2026/5/15``."""

    MONTH_FIRST = "MDY"
    DAY_FIRST = "DMY"
    YEAR_FIRST = "YMD"


_YEAR_FIRST_LANGUAGES = frozenset({"ja", "zh", "ko", "hu", "lt", "mn"})
_DAY_FIRST_LANGUAGES = frozenset(
    {
        "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "es", "et", "eu", "fi", "fr", "ga",
        "gl", "he", "hi", "hr", "id", "is", "it", "lv", "ms", "nb", "nl", "nn", "no", "pl", "pt", "ro",
        "ru", "sk", "sl", "sq", "sr", "sv", "sw", "ta", "th", "tr", "uk", "ur", "vi",
    }
)
#: English-speaking regions that write the month first; every other English region is day-first.
_MONTH_FIRST_ENGLISH_REGIONS = frozenset({"us", "ph", "ca", "pr", "um", "as", "gu", "vi", "mp"})
#: The separator a day-first locale shows in its example (``15.05.2026`` reads as German).
_DAY_FIRST_EXAMPLE_SEPARATOR = {
    "de": ".", "ru": ".", "pl": ".", "cs": ".", "sk": ".", "fi": ".", "nb": ".", "nn": ".", "no": ".",
    "da": ".", "tr": ".", "uk": ".", "ro": ".", "bg": ".", "et": ".", "lv": ".", "nl": "-",
}

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_WEEKDAYS = frozenset(
    {
        "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs", "thursday",
        "fri", "friday", "sat", "saturday", "sun", "sunday",
    }
)
#: Words allowed between the parts of a month-name date: "the 15th of May".
_DATE_FILLER = frozenset({"of", "the"})

_ENGLISH_WEEKDAY = re.compile(r"\b(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b\.?,?")
_CJK_WEEKDAY = re.compile(
    r"\(\s*[月火水木金土日][曜]?[日]?\s*\)|[月火水木金土日]曜日?|\(\s*[월화수목금토일]\s*\)"
)
_TIME_OF_DAY = re.compile(
    r"(?:\s+|(?<=\d)t)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$"
)
_SERIAL_TEXT = re.compile(r"\d+|\d{3,}\.\d+")
_COMPACT_ISO = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEAR_FIRST = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})")
_CJK_DATE = re.compile(r"(?:(\d{2,4})\s*[年년]\s*)?(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日号일]")
#: Japanese era dates: "令和8年5月15日", "令和元年5月1日", "R8.5.15", "H31/4/30" (NFKC has made "㋿" 令和
#: and full-width digits half-width; the text is case-folded, so "R" is "r").
_ERA_DATE = re.compile(
    r"(?P<era>令和|平成|昭和|[rhs])\s*(?P<year>元|\d{1,2})\s*"
    r"(?:年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日|[-/.]\s*(?P<m2>\d{1,2})\s*[-/.]\s*(?P<d2>\d{1,2}))"
)
#: Each era's first day; its year N is the Gregorian year of that day plus N - 1.
_ERAS = {"令和": date(2019, 5, 1), "平成": date(1989, 1, 8), "昭和": date(1926, 12, 25)}
_ERA_LETTERS = {"r": "令和", "h": "平成", "s": "昭和"}
_NUMERIC_DATE = re.compile(r"(\d{1,4})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{1,4}))?")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


@dataclass(frozen=True)
class DateReading:
    """A date cell as read: ``value`` is ``None`` when the cell is empty or could not be read,
    and then ``problem`` says which (``None`` for empty, ``"unparseable"`` otherwise)."""

    value: date | None
    text: str
    problem: str | None = None

    @property
    def empty(self) -> bool:
        return self.value is None and self.problem is None


def to_serial(d: date) -> int:
    """The spreadsheet serial number of a date (days since 1899-12-30)."""
    if isinstance(d, datetime):
        d = d.date()
    return (d - SERIAL_EPOCH).days


def from_serial(n: float) -> date:
    """The date of a spreadsheet serial number; a fraction (the time of day) is dropped.

    Raises ``ValueError`` outside 1..2958465; :func:`parse_date` checks before calling.
    """
    if not (isinstance(n, int | float) and math.isfinite(n) and 1 <= n < MAX_SERIAL + 1):
        raise ValueError(f"not a spreadsheet date serial: {n!r}")
    return SERIAL_EPOCH + timedelta(days=math.floor(n))


def date_order(locale: str) -> DateOrder:
    """How ``locale`` orders a numeric date. US English and anything unknown are month-first."""
    parts = re.split(r"[-_.@]", (locale or "").strip().casefold())
    language, region = parts[0], (parts[1] if len(parts) > 1 else "")
    if language in _YEAR_FIRST_LANGUAGES:
        return DateOrder.YEAR_FIRST
    if language == "en":
        month_first = not region or region in _MONTH_FIRST_ENGLISH_REGIONS
        return DateOrder.MONTH_FIRST if month_first else DateOrder.DAY_FIRST
    if language in _DAY_FIRST_LANGUAGES:
        return DateOrder.DAY_FIRST
    return DateOrder.MONTH_FIRST


def accepted_date_forms(locale: str) -> str:
    """The date forms a buyer may type in ``locale``, as examples for a finding's hint."""
    order = date_order(locale)
    if order is DateOrder.DAY_FIRST:
        language = re.split(r"[-_.@]", (locale or "").casefold())[0]
        sep = _DAY_FIRST_EXAMPLE_SEPARATOR.get(language, "/")
        numeric, named = f"15{sep}05{sep}2026", "15 May 2026"
    elif order is DateOrder.YEAR_FIRST:
        if re.split(r"[-_.@]", (locale or "").casefold())[0] == "ja":
            return "2026-05-15, 2026/5/15, 2026年5月15日 or 令和8年5月15日"
        numeric, named = "2026/5/15", "May 15 2026"
    else:
        numeric, named = "5/15/2026", "May 15 2026"
    return f"2026-05-15, {numeric}, {named} or 2026年5月15日"


def parse_date(value: object, locale: str = "en_US", today: date | None = None) -> DateReading:
    """Read a date cell: a real date, a serial number, or text in ``locale``'s forms.

    A year left out ("May 15", "5/15") is the one that puts the date nearest ``today``; without
    ``today`` such text is unparseable. Text that is not a date is kept as typed.
    """
    if value is None:
        return DateReading(None, "")
    if isinstance(value, datetime):
        return DateReading(value.date(), _datetime_text(value))
    if isinstance(value, date):
        return DateReading(value, value.isoformat())
    if isinstance(value, bool):
        return DateReading(None, str(value), UNPARSEABLE)
    if isinstance(value, int | float):
        return _read_serial(value)
    text = str(value)
    if not text.strip():
        return DateReading(None, "")
    found = _read_date_text(text, date_order(locale), today)
    return DateReading(found, text, None if found else UNPARSEABLE)


def _datetime_text(value: datetime) -> str:
    return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()


def _read_serial(number: float) -> DateReading:
    text = str(int(number)) if isinstance(number, float) and number.is_integer() else str(number)
    try:
        return DateReading(from_serial(number), text)
    except (ValueError, OverflowError):
        return DateReading(None, text, UNPARSEABLE)


def _read_date_text(text: str, order: DateOrder, today: date | None) -> date | None:
    cleaned = _clean_date_text(text)
    if not cleaned:
        return None
    try:
        for shape, build in _DATE_SHAPES:
            match = shape.fullmatch(cleaned)
            if match:
                return build(match, order, today)
        return _from_month_name(cleaned, today)
    except (ValueError, OverflowError):
        return None  # the text has a date's shape but names no such day (2026-02-30)


def _clean_date_text(text: str) -> str:
    """Lower-case, half-width text without weekday names, a time of day or trailing dots."""
    s = unicodedata.normalize("NFKC", text).casefold().strip()
    s = _CJK_WEEKDAY.sub(" ", s)
    s = _ENGLISH_WEEKDAY.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip(" ,")
    s = _TIME_OF_DAY.sub("", s)
    return s.rstrip(". ,").lstrip(", ")


def _from_serial_text(match: re.Match[str], order: DateOrder, today: date | None) -> date | None:
    """A serial such as "46157"; "20260515" is too large to be one, so it is a compact ISO date."""
    compact = _COMPACT_ISO.fullmatch(match[0])
    if compact and float(match[0]) > MAX_SERIAL:
        return _ymd(*compact.groups())
    return from_serial(float(match[0]))


def _from_year_first(match: re.Match[str], order: DateOrder, today: date | None) -> date | None:
    return _ymd(*match.groups())


def _from_cjk(match: re.Match[str], order: DateOrder, today: date | None) -> date | None:
    year, month, day = match.groups()
    return _ymd(year, month, day) if year else _without_year(int(month), int(day), today)


def _from_era(match: re.Match[str], order: DateOrder, today: date | None) -> date | None:
    """A Japanese era date. A day before the era began names nothing ("令和元年4月30日" was Heisei);
    a year past the era's end is read on (forms printed before 2019 said "平成32年")."""
    era = _ERA_LETTERS.get(match["era"], match["era"])
    first = _ERAS[era]
    number = 1 if match["year"] == "元" else int(match["year"])
    if number < 1:
        return None
    found = date(first.year + number - 1, int(match["m1"] or match["m2"]), int(match["d1"] or match["d2"]))
    return found if found >= first else None


def _from_numeric(match: re.Match[str], order: DateOrder, today: date | None) -> date | None:
    """Digits in the locale's order; in another order only when no other reading is a real day:
    "15/12" is 15 December in any locale (no month 15), "5/6/2026" outside the locale is refused."""
    first, second, third = match.groups()
    orders = [order, *(o for o in DateOrder if o is not order)]
    readings = [_numeric_in(o, first, second, third, today) for o in orders]
    if readings[0] is not None:
        return readings[0]
    others = {d for d in readings[1:] if d is not None}
    return others.pop() if len(others) == 1 else None


def _numeric_in(order: DateOrder, first: str, second: str, third: str | None, today: date | None) -> date | None:
    """The day the digits name in one order, or None when they name none in it."""
    try:
        if third is None:
            month, day = (second, first) if order is DateOrder.DAY_FIRST else (first, second)
            if len(month) > 2 or len(day) > 2:
                return None
            return _without_year(int(month), int(day), today)
        year, month, day = {
            DateOrder.YEAR_FIRST: (first, second, third),
            DateOrder.DAY_FIRST: (third, second, first),
            DateOrder.MONTH_FIRST: (third, first, second),
        }[order]
        if len(month) > 2 or len(day) > 2:
            return None
        return _ymd(year, month, day)
    except (ValueError, OverflowError):
        return None


_DateBuilder = Callable[[re.Match[str], DateOrder, date | None], date | None]

#: Date shapes tried in order, each with the function that builds the date from its match.
_DATE_SHAPES: tuple[tuple[re.Pattern[str], _DateBuilder], ...] = (
    (_SERIAL_TEXT, _from_serial_text),
    (_YEAR_FIRST, _from_year_first),
    (_CJK_DATE, _from_cjk),
    (_ERA_DATE, _from_era),
    (_NUMERIC_DATE, _from_numeric),
)


def _from_month_name(s: str, today: date | None) -> date | None:
    """One month name and one or two numbers: "May 15", "15 May 2026", "15-May-26", "the 15th of May"."""
    tokens = [t for t in re.split(r"[\s,/.\-]+", s) if t and t not in _DATE_FILLER]
    months = [_MONTHS[t] for t in tokens if t in _MONTHS]
    numbers = [_ORDINAL.sub(r"\1", t) for t in tokens if t not in _MONTHS]
    if len(months) != 1 or not 1 <= len(numbers) <= 2 or not all(n.isdigit() for n in numbers):
        return None
    month = months[0]
    if len(numbers) == 1:
        return _without_year(month, int(numbers[0]), today) if len(numbers[0]) <= 2 else None
    years = [n for n in numbers if len(n) == 4]
    if len(years) > 1:
        return None
    day, year = (numbers[1 - numbers.index(years[0])], years[0]) if years else numbers
    return _ymd(year, str(month), day) if len(day) <= 2 else None


def _ymd(year: str, month: str, day: str) -> date | None:
    """A date from digit strings; a two-digit year is 20xx, any other length but four is no year."""
    if len(year) == 2:
        return date(2000 + int(year), int(month), int(day))
    if len(year) != 4:
        return None
    return date(int(year), int(month), int(day))


def _without_year(month: int, day: int, today: date | None) -> date | None:
    """The date in the year nearest ``today`` (a later one wins a tie: plans look ahead)."""
    if today is None:
        return None
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(f"no such day: {month}/{day}")
    return min(candidates, key=lambda d: (abs((d - today).days), d < today))


# --- statuses and other choice cells -----------------------------------------------------------

@dataclass(frozen=True)
class _WordTable:
    """Word lists indexed three ways: as written, letters and digits only, and bare symbols."""

    exact: Mapping[str, object]
    compact: Mapping[str, object]
    symbols: Mapping[str, object]


#: Emoji variation selectors and joiners: "✔️" is "✔" as far as a status is concerned.
_INVISIBLE = re.compile("[\ufe0e\ufe0f\u200d]")


def _word_key(text: object) -> str:
    s = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(text)))
    return re.sub(r"[\s_]+", " ", s.casefold()).strip()


def _compact(key: str) -> str:
    return re.sub(r"[\W_]+", "", key)


def _word_table(words: Mapping[_Meaning, Iterable[str]]) -> _WordTable:
    exact: dict[str, object] = {}
    compact: dict[str, object] = {}
    symbols: dict[str, object] = {}
    for meaning, synonyms in words.items():
        for word in synonyms:
            key = _word_key(word)
            exact.setdefault(key, meaning)
            if _compact(key):
                compact.setdefault(_compact(key), meaning)
            elif len(key) == 1:
                symbols.setdefault(key, meaning)
    return _WordTable(exact, compact, symbols)


def _look_up(text: object, table: _WordTable) -> object | None:
    """The meaning of a known word, however decorated: "✅ Done", "DONE!!", "In_Progress".

    A trailing question mark is doubt, not decoration, so "Done?" is not read as done.
    """
    key = _word_key(text)
    if key in table.exact:
        return table.exact[key]
    if "?" in key:
        return None
    core = _compact(key)
    if core:
        return table.compact.get(core)
    meanings = {table.symbols[ch] for ch in key if ch in table.symbols}
    return meanings.pop() if len(meanings) == 1 else None


_STATUS_TABLE = _word_table(STATUS_WORDS)
_LEVEL_TABLE = _word_table(LEVEL_WORDS)
_RISK_STATUS_TABLE = _word_table(RISK_STATUS_WORDS)
_SIDE_TABLE = _word_table(SIDE_WORDS)
_ITEM_TYPE_TABLE = _word_table(ITEM_TYPE_WORDS)


def _is_blank(text: object) -> bool:
    return text is None or not str(text).strip()


def parse_status(text: object) -> Status | None:
    """An item's status; blank is Not started, ``None`` means the words were not understood."""
    if _is_blank(text):
        return Status.NOT_STARTED
    found = _look_up(text, _STATUS_TABLE)
    return found if isinstance(found, Status) else None


def parse_level(text: object) -> Level | None:
    """Low/Medium/High for a risk's probability or impact; blank or unknown is ``None``."""
    found = None if _is_blank(text) else _look_up(text, _LEVEL_TABLE)
    return found if isinstance(found, Level) else None


def parse_risk_status(text: object) -> RiskStatus | None:
    """A risk's status; blank is Open, ``None`` means not understood."""
    if _is_blank(text):
        return RiskStatus.OPEN
    found = _look_up(text, _RISK_STATUS_TABLE)
    return found if isinstance(found, RiskStatus) else None


def parse_side(text: object) -> Side | None:
    """Buyer, Seller or Joint; blank or unknown is ``None``."""
    found = None if _is_blank(text) else _look_up(text, _SIDE_TABLE)
    return found if isinstance(found, Side) else None


def parse_item_type(text: object) -> ItemType | None:
    """Task or Milestone; blank or unknown is ``None`` (the caller decides the default)."""
    found = None if _is_blank(text) else _look_up(text, _ITEM_TYPE_TABLE)
    return found if isinstance(found, ItemType) else None


# --- IDs and dependencies ----------------------------------------------------------------------

#: Only tasks and milestones can be depended on; a risk ID in ``Depends on`` is a mistake.
_DEPENDABLE = ("T", "M")
_DASHES = "-‐‑‒–—−_."
_ID = re.compile(rf"([tmr])\s*[{re.escape(_DASHES)}]?\s*0*(\d+)")
#: "T - 03" and "T 03" are one ID, not two tokens.
_SPACED_ID = re.compile(rf"(?i)\b([tmr])(?:\s*[{re.escape(_DASHES)}]\s*|\s+)(?=\d)")
_DEPENDS_SEPARATORS = re.compile(r"[\s,;/、，；&+]+")
_DEPENDS_FILLER = frozenset({"and", "und"})


@dataclass(frozen=True)
class DependsReading:
    """IDs read from a ``Depends on`` cell, in the canonical form, and tokens that are not IDs."""

    ids: tuple[str, ...]
    bad: tuple[str, ...]


def format_id(prefix: str, n: int) -> str:
    """``format_id("T", 3) == "T-03"``: two digits at least, more when needed."""
    return f"{prefix.upper()}-{n:02d}"


def parse_id(text: object) -> tuple[str, int] | None:
    """``("T", 3)`` from "T-03", "t3", "T03", "T-003" or " t - 3 "; ``None`` for anything else."""
    if text is None:
        return None
    return _parse_id_text(str(text))


# A plan's IDs are read many times (the Plan and state tabs, every Depends on cell) and the same
# IDs recur from plan to plan over a night: each text is read once a process (the answer is immutable).
@functools.lru_cache(maxsize=4096)
def _parse_id_text(text: str) -> tuple[str, int] | None:
    match = _ID.fullmatch(unicodedata.normalize("NFKC", text).strip().casefold())
    if not match or int(match[2]) < 1:
        return None
    return match[1].upper(), int(match[2])


def parse_depends(text: object) -> DependsReading:
    """Task and milestone IDs in a ``Depends on`` cell, separated however the buyer liked."""
    if _is_blank(text):
        return DependsReading((), ())
    return _parse_depends_text(str(text))


@functools.lru_cache(maxsize=4096)
def _parse_depends_text(text: str) -> DependsReading:
    joined = _SPACED_ID.sub(lambda m: m[1] + "-", text)
    ids: list[str] = []
    bad: list[str] = []
    for token in _DEPENDS_SEPARATORS.split(joined):
        if not token or token.casefold() in _DEPENDS_FILLER:
            continue
        parsed = parse_id(token.strip("()[]{}.'\"“”"))
        if parsed and parsed[0] in _DEPENDABLE:
            ids.append(format_id(*parsed))
        else:
            bad.append(token)
    return DependsReading(tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(bad)))


# --- owners ------------------------------------------------------------------------------------


class OwnerKind(StrEnum):
    """What an Owner cell names: only PERSON passes the rules (PRODUCT.md: owners are people)."""

    PERSON = "person"
    EMPTY = "empty"
    #: "TBD", "?", "n/a", "未定": nobody owns it yet, as with an empty cell.
    PLACEHOLDER = "placeholder"
    GROUP = "group"
    COMPANY = "company"
    MULTIPLE = "multiple"
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class OwnerReading:
    """An Owner cell resolved against the Stakeholders tab. ``candidates`` holds the people a
    name part could mean (AMBIGUOUS) or the pieces of a shared cell as typed (MULTIPLE); ``people``
    holds, for a shared cell, each piece read on its own (two people are two people in every count)."""

    kind: OwnerKind
    text: str
    stakeholder: Stakeholder | None = None
    candidates: tuple[str, ...] = ()
    people: tuple[OwnerReading, ...] = ()

    @property
    def stakeholders(self) -> tuple[Stakeholder, ...]:
        """Every listed person the cell names: one for a person, each known piece of a shared cell."""
        if self.stakeholder is not None:
            return (self.stakeholder,)
        return tuple(dict.fromkeys(p.stakeholder for p in self.people if p.stakeholder is not None))


#: Japanese job titles written after a family name the way an honorific is ("田中部長"), longest first.
_JAPANESE_TITLES = ("本部長", "部長", "課長", "次長", "係長", "室長", "社長", "専務", "常務", "主任")
_JAPANESE_HONORIFICS = ("さん", "さま", "様", "殿", "氏", "君", "くん")
_HONORIFIC_WORDS = frozenset(
    {"mr", "mrs", "ms", "mx", "miss", "dr", "prof", "professor", *_JAPANESE_HONORIFICS, *_JAPANESE_TITLES}
)
_HONORIFIC_ENDINGS = ("-san", "-sama", *_JAPANESE_HONORIFICS, *_JAPANESE_TITLES)
#: Japanese words that make a name a group: a team, department (部, 課) or everyone concerned (各位).
_JAPANESE_GROUP = re.compile(r".*(?:チーム|部門|グループ|各位|全員|担当者)|.+課|.{2,}部")
#: Family names that end in 部 with two characters before it (阿部 and 服部 have one, so need none).
_FAMILY_NAMES_IN_BU = frozenset({"長谷部", "日下部", "曽我部", "曾我部", "五十部", "宇佐部"})
_GROUP_NOUNS = ("team", "department", "dept", "group", "committee", "office", "squad", "unit", "division")
_GROUP_PATTERN = re.compile(
    r"(?:the )?[\w&'’ .-]*\b(?:" + "|".join(_GROUP_NOUNS) + r")|team\b.*|[\w ]*(?:チーム|部門|グループ)"
)
_COMPANY_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "ltd", "limited", "llc", "llp", "gmbh", "kk", "k.k", "co", "corp",
        "corporation", "plc", "ag", "sa", "sas", "bv", "nv", "pty", "srl", "spa", "ab", "oy", "as",
        "株式会社", "(株)", "有限会社", "合同会社",
    }
)
#: Words that make the text after a comma a job title ("Dana Tanaka, VP Operations").
_TITLE_WORDS = frozenset(
    {
        "vp", "svp", "evp", "avp", "ceo", "cfo", "cto", "cio", "coo", "ciso", "cmo", "cro", "cpo",
        "chief", "head", "director", "manager", "lead", "leader", "officer", "president", "vice",
        "counsel", "engineer", "architect", "analyst", "administrator", "admin", "owner", "sponsor",
        "champion", "specialist", "consultant", "partner", "principal", "executive", "buyer", "gm",
        "coordinator", "controller", "treasurer", "secretary", "founder", "md", "pm", "sre",
    }
)
#: How text that a spreadsheet would take for a formula starts ("=IMPORTXML(…)", "+cmd|…", "@SUM(…)").
_FORMULA_LEAD = ("=", "+", "@")
_NAME_AND_ADDRESS = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>]*)>")
_NOT_IN_EMAIL = frozenset(" \t\n\r<>,;()")
_MULTI_SEPARATORS = re.compile(r"\s+(?:and|und|or|&)\s+|\s*[/+;、\n\r]\s*", re.IGNORECASE)
_PARENTHESISED = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class _Person:
    """A stakeholder with the keys an owner cell is matched by."""

    stakeholder: Stakeholder
    tokens: tuple[str, ...]
    full_keys: frozenset[str]
    email: str


def _clean(text: str) -> str:
    """NFKC, case-folded, single-spaced: the form every comparison below uses."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) for ch in text)


def _name_tokens(text: str) -> tuple[str, ...]:
    """Name parts without commas, brackets, honorifics ("Dr.", "-san", "様") or trailing dots."""
    cleaned = _clean(text)
    without_brackets = _PARENTHESISED.sub(" ", cleaned).strip()
    tokens = [t.strip(".") for t in re.split(r"[\s,]+", without_brackets or cleaned) if t.strip(".")]
    tokens = [_drop_honorific_ending(t) for t in tokens]
    kept = [t for t in tokens if t not in _HONORIFIC_WORDS]
    return tuple(kept or tokens)


def _drop_honorific_ending(token: str) -> str:
    """"田中さん" → "田中", "田中部長様" → "田中" (a title and an honorific)."""
    dropped = True
    while dropped:
        dropped = False
        for ending in _HONORIFIC_ENDINGS:
            if token.endswith(ending) and len(token) > len(ending):
                token, dropped = token[: -len(ending)], True
                break
    return token


def _full_keys(tokens: Sequence[str]) -> frozenset[str]:
    """Order-insensitive full-name keys; CJK names also compare with the spaces removed."""
    if not tokens:
        return frozenset()
    keys = {" ".join(sorted(tokens))}
    if _is_cjk("".join(tokens)):
        keys.add("".join(tokens))
    return frozenset(keys)


#: The last Stakeholders list read into a directory, and its directory: a plan's owners are read
#: one item at a time against the same list, which is read once (the list is kept, so its
#: identity cannot be reused by another list meanwhile).
_LAST_DIRECTORY: tuple[Sequence[Stakeholder], tuple[_Person, ...]] | None = None


def _directory(stakeholders: Sequence[Stakeholder]) -> tuple[_Person, ...]:
    global _LAST_DIRECTORY
    last = _LAST_DIRECTORY
    if last is not None and last[0] is stakeholders and isinstance(stakeholders, tuple):
        return last[1]
    people = _read_directory(stakeholders)
    _LAST_DIRECTORY = (stakeholders, people)
    return people


def _read_directory(stakeholders: Sequence[Stakeholder]) -> tuple[_Person, ...]:
    people = []
    for stakeholder in stakeholders:
        tokens = _name_tokens(stakeholder.name or "")
        if tokens:
            people.append(_Person(stakeholder, tokens, _full_keys(tokens), _email(stakeholder.email or "")))
    return tuple(people)


def _company_key(text: str) -> str:
    tokens = [t.strip(".,") for t in _clean(text).replace("株式会社", " 株式会社 ").split()]
    tokens = [t for t in tokens if t]
    while tokens and tokens[-1] in _COMPANY_SUFFIXES:
        tokens.pop()
    while tokens and tokens[0] in _COMPANY_SUFFIXES:
        tokens.pop(0)
    return " ".join(tokens)


def read_owner(
    text: object, stakeholders: Sequence[Stakeholder], companies: Sequence[str] = ()
) -> OwnerReading:
    """Resolve an Owner cell to one stakeholder, or say why it names no single known person."""
    typed = "" if text is None else str(text)
    if not typed.strip():
        return OwnerReading(OwnerKind.EMPTY, typed)
    if typed.strip().startswith(_FORMULA_LEAD):
        # Formula-looking text is nobody's name; splitting it on "/" or "," would invent people.
        return OwnerReading(OwnerKind.UNKNOWN, typed)
    people = _directory(stakeholders)
    if _is_placeholder(typed) and _full_name_match(typed, people) is None:
        return OwnerReading(OwnerKind.PLACEHOLDER, typed)
    reading = _read_one(typed, people, companies, split=True)
    if reading.kind is OwnerKind.MULTIPLE:
        pieces = tuple(_read_one(p, people, companies, split=False) for p in reading.candidates)
        return replace(reading, people=pieces)
    return reading


def _read_one(typed: str, people: Sequence[_Person], companies: Sequence[str], *, split: bool) -> OwnerReading:
    bracketed = _NAME_AND_ADDRESS.fullmatch(typed.strip())
    name, email = (bracketed["name"], _email(bracketed["address"])) if bracketed else (typed, _email(typed))
    if email:
        matches = [p for p in people if p.email == email]
        if matches:
            return OwnerReading(OwnerKind.PERSON, typed, matches[0].stakeholder)
        if not name.strip() or not bracketed:
            return OwnerReading(OwnerKind.UNKNOWN, typed)
        # "Name <address>" with an address not listed: the name may still be known.
    if not split:
        return _read_piece(name, typed, people, companies)
    return _read_named_owner(name, typed, people, companies)


def _read_piece(name: str, typed: str, people: Sequence[_Person], companies: Sequence[str]) -> OwnerReading:
    """One piece of a shared cell ("Dana" of "Dana & Sam"), read without splitting it again."""
    whole = _full_name_match(name, people)
    if whole is not None:
        return _person_or_ambiguous(whole, typed)
    if _is_company(name, companies):
        return OwnerReading(OwnerKind.COMPANY, typed)
    if _is_group(name, people):
        return OwnerReading(OwnerKind.GROUP, typed)
    if _is_placeholder(name):
        return OwnerReading(OwnerKind.PLACEHOLDER, typed)
    return _read_single_name(name, typed, people)


def _is_placeholder(text: str) -> bool:
    """"TBD", "TBD?", "n/a", "未定", or punctuation only ("?", "-", "—"): nobody owns it yet."""
    key = _clean(text)
    if key and not any(ch.isalnum() for ch in key):
        return True
    return key in PLACEHOLDER_WORDS or key.rstrip(".!?") in PLACEHOLDER_WORDS


def _email(text: str) -> str:
    """The address, normalised, when the whole text is one email address; otherwise ""."""
    address = _clean(text).removeprefix("mailto:")
    local, at, domain = address.partition("@")
    if not (local and at and "." in domain.strip(".")) or "@" in domain:
        return ""
    return "" if _NOT_IN_EMAIL.intersection(address) else address


def _read_named_owner(
    name: str, typed: str, people: Sequence[_Person], companies: Sequence[str]
) -> OwnerReading:
    whole = _full_name_match(name, people)
    if whole is not None:
        return _person_or_ambiguous(whole, typed)
    if _is_company(name, companies):
        return OwnerReading(OwnerKind.COMPANY, typed)
    if _is_group_word(name):
        return OwnerReading(OwnerKind.GROUP, typed)
    pieces = _pieces(name, _MULTI_SEPARATORS)
    if len(pieces) >= 2:
        if all(_is_group(p, people) for p in pieces):
            return OwnerReading(OwnerKind.GROUP, typed)
        return OwnerReading(OwnerKind.MULTIPLE, typed, candidates=tuple(pieces))
    if _is_group(name, people):
        return OwnerReading(OwnerKind.GROUP, typed)
    if "," in name:
        return _read_comma_owner(name, typed, people)
    return _read_single_name(name, typed, people)


def _pieces(text: str, separators: re.Pattern[str]) -> list[str]:
    return [p.strip() for p in separators.split(text.strip()) if p and p.strip()]


def _full_name_match(name: str, people: Sequence[_Person]) -> list[_Person] | None:
    keys = _full_keys(_name_tokens(name))
    matches = [p for p in people if p.full_keys & keys]
    return matches or None


def _part_matches(name: str, people: Sequence[_Person]) -> list[_Person]:
    """People whose name holds every part typed: "Dana", "Tanaka", "D. Tanaka", or a CJK
    family-name prefix ("田中" for "田中太郎")."""
    tokens = set(_name_tokens(name))
    if not tokens:
        return []
    matches = [p for p in people if _holds_parts(p.tokens, tokens)]
    if not matches and len(tokens) == 1:
        (only,) = tokens
        if _is_cjk(only):
            matches = [p for p in people if "".join(p.tokens).startswith(only)]
    return matches


def _holds_parts(parts: Sequence[str], typed: set[str]) -> bool:
    """Every typed part is one of ``parts``, or an initial of one when a whole part is typed too."""
    whole = typed & set(parts)
    if not whole:
        return False
    rest = [p for p in parts if p not in whole]
    return all(len(t) == 1 and any(p.startswith(t) for p in rest) for t in typed - whole)


def _person_or_ambiguous(matches: Sequence[_Person], typed: str) -> OwnerReading:
    same_name = len({p.full_keys for p in matches}) == 1
    if same_name and len({p.email for p in matches if p.email}) <= 1:
        return OwnerReading(OwnerKind.PERSON, typed, matches[0].stakeholder)
    names = [p.stakeholder.name for p in matches]
    if len(set(names)) < len(names):  # namesakes: tell them apart by address
        names = [str(Person(p.stakeholder.name, p.email)) for p in matches]
    return OwnerReading(OwnerKind.AMBIGUOUS, typed, candidates=tuple(dict.fromkeys(names)))


def _read_single_name(name: str, typed: str, people: Sequence[_Person]) -> OwnerReading:
    matches = _part_matches(name, people)
    if matches:
        return _person_or_ambiguous(matches, typed)
    return OwnerReading(OwnerKind.UNKNOWN, typed)


def _read_comma_owner(name: str, typed: str, people: Sequence[_Person]) -> OwnerReading:
    """Commas that are not (family, given) of a listed person: a trailing job title is dropped
    ("Dana Tanaka, VP Operations" is Dana); "Dana, Sam" is two people; "Smith, Bob" is one person
    we do not know, unless either piece names someone listed."""
    pieces = _pieces(name, re.compile(r","))
    while len(pieces) > 1 and _is_title(pieces[-1], people):
        pieces.pop()
    if len(pieces) < 2:  # a title, or a stray comma: ", Dana"
        return _read_single_name(pieces[0] if pieces else "", typed, people)
    whole = _full_name_match(" ".join(pieces), people)
    if whole is not None:
        return _person_or_ambiguous(whole, typed)
    known = any(_full_name_match(p, people) or _part_matches(p, people) for p in pieces)
    if len(pieces) == 2 and not known and all(len(_name_tokens(p)) == 1 for p in pieces):
        return OwnerReading(OwnerKind.UNKNOWN, typed)
    return OwnerReading(OwnerKind.MULTIPLE, typed, candidates=tuple(pieces))


def _is_title(piece: str, people: Sequence[_Person]) -> bool:
    if _full_name_match(piece, people) or _part_matches(piece, people):
        return False
    words = set(re.split(r"[\s/&,.-]+", _clean(piece)))
    return bool(words & _TITLE_WORDS) or _is_group(piece)


def _is_group_word(text: str) -> bool:
    """One of the listed words ("IT", "TBD", "n/a"), checked before splitting on "/" and "and"."""
    key = _clean(text)
    return key in GROUP_WORDS or key.rstrip(".!") in GROUP_WORDS


def _is_group(text: str, people: Sequence[_Person] = ()) -> bool:
    """A listed word, or a team by its name: "the IT team", "Finance dept.", "team Alpha", and in
    Japanese "情報システム部", "経理課", "関係者各位", "経理担当者" — but not a listed person's
    name ("長谷部" when 長谷部 誠 is a stakeholder) nor a name with an honorific ("長谷部さん")."""
    key = _clean(text).rstrip(".!")
    if _is_group_word(text) or _GROUP_PATTERN.fullmatch(key):
        return True
    if not _JAPANESE_GROUP.fullmatch(key) or key in _FAMILY_NAMES_IN_BU:
        return False
    return not _part_matches(text, people)


def _is_company(text: str, companies: Sequence[str]) -> bool:
    names = {_company_key(c) for c in companies if c and str(c).strip()} - {""}
    if not names:
        return False
    key = _company_key(text)
    if key in names:
        return True
    team = re.fullmatch(r"(?:the )?(.+?) team", _clean(text))
    return team is not None and _company_key(team[1]) in names


# --- availability ------------------------------------------------------------------------------

#: The first and last day a range can name: "until Jan 15" starts, "from Jan 11" ends, nowhere.
OPEN_START, OPEN_END = date.min, date.max

_MONTH_WORD = r"(?<![a-z])(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![a-z])\.?"
_DAY_NUMBER = r"\d{1,2}(?:st|nd|rd|th)?"
#: One date as people write it in an availability cell (the parts parse_date then reads).
_ONE_DATE = (
    r"(?:\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"
    r"|(?:令和|平成|昭和|(?<![a-z])[rhs])\s*(?:元|\d{1,2})\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[-/.]\d{1,2}[-/.]\d{1,2})"
    r"|(?:\d{2,4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?"
    r"|\d{1,2}-\d{1,2}-\d{2,4}"
    rf"|{_MONTH_WORD}\s+{_DAY_NUMBER}(?:,?\s+\d{{4}})?"
    rf"|{_DAY_NUMBER}\s+(?:of\s+)?{_MONTH_WORD}(?:,?\s+\d{{4}})?)"
)
_TO = r"\s*(?:-|–|—|~|〜|～|to|until|till|through|thru|bis|au)\s*"
#: The shapes an availability cell's ranges take, as patterns (compiled on first use: see
#: ``_availability_patterns``).
_AVAILABILITY_SHAPES: tuple[tuple[str, str], ...] = (
    # "2026-01-11 to 2026-01-15", "Jan 11 - Jan 15", "1/11-1/15", "1/11〜1/15"
    ("range", rf"(?P<a>{_ONE_DATE}){_TO}(?P<b>{_ONE_DATE})"),
    # "Jan 11-15", "Jan 11–15", "January 11 to 15, 2027"
    ("month_days", rf"(?P<m>{_MONTH_WORD})\s+(?P<d1>{_DAY_NUMBER}){_TO}(?P<d2>{_DAY_NUMBER})"
                   r"(?:,?\s+(?P<y>\d{4}))?(?![\d/.])"),
    # "11-15 Jan", "11 to 15 January 2027"
    ("days_month", rf"(?<![\d/.])(?P<d1>{_DAY_NUMBER}){_TO}(?P<d2>{_DAY_NUMBER})\s+(?:of\s+)?(?P<m>{_MONTH_WORD})"
                   r"(?:,?\s+(?P<y>\d{4}))?"),
    # "available until Jan 15": away from the day after
    ("available_until", rf"\bavailable\s+(?:until|till|through|thru|to)\s+(?P<a>{_ONE_DATE})"),
    # "available from Jan 18", "back Jan 18", "returns on 1/18": away until the day before
    ("back", rf"\b(?:available\s+(?:from|again)|back(?:\s+(?:on|from))?|returns?(?:\s+on)?|returning(?:\s+on)?)"
             rf"\s+(?P<a>{_ONE_DATE})"),
    # "PTO until Jan 15", "out till 1/15", "available after Jan 15": away until then
    ("until", rf"\b(?:until|till|through|thru|up\s+to|available\s+after)\s+(?P<a>{_ONE_DATE})"),
    # "out from Jan 11", "leaving 1/11", "starting Jan 11": away from then on
    ("from", rf"\b(?:from|starting|leaving)\s+(?P<a>{_ONE_DATE})"),
)
#: Words that say an availability cell talks about days, so one mapws cannot read is reported.
_TIME_OFF_WORDS = (
    r"\d|\b(?:out|off|leave|pto|ooo|vacation|holidays?|travel\w*|away|back|until|till|sabbatical|parental|"
    r"maternity|paternity|sick|absent|unavailable)\b|"
    # A month's name, but "may" only before a day: "may be late" is not a date.
    + _MONTH_WORD.replace("|may|", "|") + r"|\bmay\s*\d|休|不在|出張"
)


@functools.cache
def _availability_patterns() -> tuple[tuple[tuple[str, re.Pattern[str]], ...], re.Pattern[str]]:
    """The shapes compiled, and the time-off words: built with the first availability cell read, not
    at import (these patterns are long: compiling them was a third of this module's import, which
    every command that reads a plan pays, with or without an Availability cell)."""
    shapes = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _AVAILABILITY_SHAPES)
    return shapes, re.compile(_TIME_OFF_WORDS, re.IGNORECASE)


@dataclass(frozen=True)
class AvailabilityReading:
    """An Availability cell as read: the days its person is away (``OPEN_START``/``OPEN_END`` for
    "until …"/"from …"), the dates as typed (the calendar moves their year), and whether the cell
    seems to name days mapws could not read (``unreadable``)."""

    ranges: tuple[tuple[date, date], ...]
    typed: tuple[date, ...] = ()
    unreadable: bool = False


def read_availability(text: object, locale: str = "en_US", today: date | None = None) -> AvailabilityReading:
    """The time off in an Availability cell: "travelling 2026-05-01 to 2026-05-21", "Out Jan 11-15",
    "11-15 Jan", "on leave 1/11-1/15", "1/11〜1/15", "PTO until Jan 15", "back Jan 18"."""
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    if not s.strip():
        return AvailabilityReading(())
    ranges: list[tuple[date, date]] = []
    typed: list[date] = []
    rest = s
    shapes, time_off_words = _availability_patterns()
    for kind, shape in shapes:
        for m in list(shape.finditer(rest)):
            found = _availability_range(kind, m, locale, today)
            if found is None:
                continue
            ranges.append(found[0])
            typed += found[1]
            rest = rest[:m.start()] + " " * (m.end() - m.start()) + rest[m.end():]
    ranges.sort()
    unreadable = not ranges and bool(time_off_words.search(s))
    return AvailabilityReading(tuple(ranges), tuple(typed), unreadable)


def _availability_range(kind: str, m: re.Match[str], locale: str,
                        today: date | None) -> tuple[tuple[date, date], list[date]] | None:
    def read(text: str) -> date | None:
        return parse_date(text, locale, today).value

    one_day = timedelta(days=1)
    if kind in ("month_days", "days_month"):
        year = f" {m['y']}" if m["y"] else ""
        a, b = read(f"{m['m']} {m['d1']}{year}"), read(f"{m['m']} {m['d2']}{year}")
    elif kind == "range":
        a, b = read(m["a"]), read(m["b"])
        if a and b and b < a and not re.search(r"\d{4}", m["b"]):
            b = _a_year_later(b)  # "Dec 28 - Jan 3"
    else:
        a = read(m["a"])
        if a is None:
            return None
        span = {"available_until": (a + one_day, OPEN_END) if a < OPEN_END else None,
                "back": (OPEN_START, a - one_day) if a > OPEN_START else None,
                "until": (OPEN_START, a), "from": (a, OPEN_END)}[kind]
        return (span, [a]) if span else None
    if a is None or b is None or b < a:
        return None
    return (a, b), [a, b]


def _a_year_later(d: date) -> date | None:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return None
