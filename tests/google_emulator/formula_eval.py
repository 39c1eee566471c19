"""A deliberately small formula evaluator: enough to give formulas a plausible effectiveValue.

Supported: numbers, strings, TRUE/FALSE, cell references (A1, $A$1, Tab!A1, 'My tab'!A1:B3),
operators + - * / ^ & = <> < > <= >= and unary minus/percent, and the functions in FUNCTIONS.
Anything else raises Unsupported and the caller leaves the formula's effective value unknown.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from .a1 import column_index
from .cellvalues import date_to_serial


class Unsupported(Exception):
    """The formula uses something this evaluator does not know."""


class FormulaError(Exception):
    """A spreadsheet error value such as #DIV/0!; `kind` is Google's ErrorValue type."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


ERROR_TEXT = {
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "ERROR": "#ERROR!",
}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+(\.\d*)?([eE][-+]?\d+)?|\.\d+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?
           |(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3})
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),:;])
""",
    re.X,
)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise Unsupported(text[pos:])
        pos = match.end()
        kind = match.lastgroup
        if kind == "ws":
            continue
        value = match.group(kind)
        if kind == "ref" and pos < len(text) and text[pos] == "(":
            kind = "name"  # e.g. LOG10( looks like a cell reference
        tokens.append((kind, value))
    return tokens


class RangeValue:
    """A rectangular block of cell values from a reference."""

    def __init__(self, rows: list[list[Any]]):
        self.rows = rows

    def flat(self) -> list[Any]:
        return [value for row in self.rows for value in row]

    def single(self) -> Any:
        if len(self.rows) == 1 and len(self.rows[0]) == 1:
            return self.rows[0][0]
        raise FormulaError("VALUE", "range used where a single value was expected")


Resolver = Callable[[str | None, int, int, int, int], list[list[Any]]]


class _Parser:
    def __init__(self, tokens: Sequence[tuple[str, str]], resolve: Resolver, today: dt.date):
        self.tokens = tokens
        self.pos = 0
        self.resolve = resolve
        self.today = today

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        token = self.peek()
        if token is None or token[1] != value:
            raise Unsupported(f"expected {value}")
        self.pos += 1

    # precedence: comparison < concat < additive < multiplicative < power < unary < percent
    def expression(self) -> Any:
        left = self.concat()
        while (token := self.peek()) and token[1] in ("=", "<>", "<", ">", "<=", ">="):
            self.take()
            right = self.concat()
            left = _compare(token[1], _scalar(left), _scalar(right))
        return left

    def concat(self) -> Any:
        left = self.additive()
        while (token := self.peek()) and token[1] == "&":
            self.take()
            right = self.additive()
            left = _text(_scalar(left)) + _text(_scalar(right))
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while (token := self.peek()) and token[1] in ("+", "-"):
            self.take()
            right = self.multiplicative()
            a, b = _number(_scalar(left)), _number(_scalar(right))
            left = a + b if token[1] == "+" else a - b
        return left

    def multiplicative(self) -> Any:
        left = self.power()
        while (token := self.peek()) and token[1] in ("*", "/"):
            self.take()
            right = self.power()
            a, b = _number(_scalar(left)), _number(_scalar(right))
            if token[1] == "*":
                left = a * b
            else:
                if b == 0:
                    raise FormulaError("DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero.")
                left = a / b
        return left

    def power(self) -> Any:
        left = self.unary()
        while (token := self.peek()) and token[1] == "^":
            self.take()
            right = self.unary()
            left = _number(_scalar(left)) ** _number(_scalar(right))
        return left

    def unary(self) -> Any:
        token = self.peek()
        if token and token[1] in ("-", "+"):
            self.take()
            value = _number(_scalar(self.unary()))
            return -value if token[1] == "-" else value
        value = self.primary()
        while (token := self.peek()) and token[1] == "%":
            self.take()
            value = _number(_scalar(value)) / 100
        return value

    def primary(self) -> Any:
        token = self.peek()
        if token is None:
            raise Unsupported("unexpected end")
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if text == "(":
            value = self.expression()
            self.expect(")")
            return value
        if kind == "ref":
            return self.reference(text)
        if kind == "name":
            upper = text.upper()
            if self.peek() and self.peek()[1] == "(":
                self.take()
                args: list[Callable[[], Any]] = []
                if self.peek() and self.peek()[1] == ")":
                    self.take()
                else:
                    while True:
                        start = self.pos
                        self.skip_argument()
                        args.append(self._thunk(start, self.pos))
                        token = self.take()
                        if token[1] == ")":
                            break
                        if token[1] not in (",", ";"):
                            raise Unsupported("bad argument list")
                function = FUNCTIONS.get(upper)
                if function is None:
                    raise Unsupported(upper)
                return function(self, args)
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            raise Unsupported(text)
        raise Unsupported(text)

    def skip_argument(self) -> None:
        depth = 0
        while self.pos < len(self.tokens):
            value = self.tokens[self.pos][1]
            if value == "(":
                depth += 1
            elif value == ")":
                if depth == 0:
                    return
                depth -= 1
            elif value in (",", ";") and depth == 0:
                return
            self.pos += 1
        raise Unsupported("unbalanced")

    def _thunk(self, start: int, end: int) -> Callable[[], Any]:
        def evaluate() -> Any:
            if start == end:
                return None
            sub = _Parser(self.tokens[start:end], self.resolve, self.today)
            value = sub.expression()
            if sub.pos != len(sub.tokens):
                raise Unsupported("trailing tokens")
            return value

        return evaluate

    def reference(self, text: str) -> RangeValue:
        sheet = None
        if "!" in text:
            sheet, _, text = text.rpartition("!")
            if sheet.startswith("'"):
                sheet = sheet[1:-1].replace("''", "'")
        text = text.replace("$", "")
        first, _, second = text.partition(":")
        second = second or first
        row1, col1 = _split_ref(first)
        row2, col2 = _split_ref(second)
        return RangeValue(self.resolve(sheet, row1, col1, row2, col2))


def _split_ref(ref: str) -> tuple[int, int]:
    match = re.match(r"^([A-Za-z]+)(\d*)$", ref)
    if not match:
        raise Unsupported(ref)
    row = int(match.group(2)) - 1 if match.group(2) else -1
    return row, column_index(match.group(1))


def _scalar(value: Any) -> Any:
    if isinstance(value, RangeValue):
        return value.single()
    return value


def _number(value: Any) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        raise FormulaError(
            "VALUE",
            f"Function expects number values. But '{value}' is a text and cannot be coerced to a number.",
        ) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.lower(), b.lower()
    elif isinstance(a, str) != isinstance(b, str):
        if a is None or b is None:
            a = "" if a is None else a
            b = "" if b is None else b
        if isinstance(a, str) != isinstance(b, str):
            # numbers sort before text in Sheets comparisons
            rank_a, rank_b = (1 if isinstance(a, str) else 0), (1 if isinstance(b, str) else 0)
            a, b = rank_a, rank_b
    else:
        a = 0.0 if a is None else a
        b = 0.0 if b is None else b
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _values(args: list[Callable[[], Any]]) -> list[Any]:
    out: list[Any] = []
    for arg in args:
        value = arg()
        if isinstance(value, RangeValue):
            out.extend(value.flat())
        else:
            out.append(value)
    return out


def _numbers(args: list[Callable[[], Any]]) -> list[float]:
    out = []
    for arg in args:
        value = arg()
        if isinstance(value, RangeValue):
            out.extend(
                float(v) for v in value.flat() if isinstance(v, (int, float)) and not isinstance(v, bool)
            )
        else:
            out.append(_number(value))
    return out


def _criteria(criterion: Any) -> Callable[[Any], bool]:
    if isinstance(criterion, str):
        match = re.match(r"^(<=|>=|<>|<|>|=)?(.*)$", criterion)
        op, operand = match.group(1) or "=", match.group(2)
        try:
            target: Any = float(operand)
        except ValueError:
            target = operand
        return lambda value: (
            value is not None and value != "" and _compare(op, value, target)
            if op != "<>"
            else _compare(op, value, target)
        )
    return lambda value: _compare("=", value, criterion)


def _if(parser: _Parser, args: list[Callable[[], Any]]) -> Any:
    condition = _scalar(args[0]())
    if _truthy(condition):
        return args[1]() if len(args) > 1 else True
    return args[2]() if len(args) > 2 else False


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        raise FormulaError("VALUE", "text used as a condition")
    return bool(value)


def _iferror(parser: _Parser, args: list[Callable[[], Any]]) -> Any:
    try:
        return _scalar(args[0]())
    except FormulaError:
        return args[1]() if len(args) > 1 else ""


def _isnumber(parser: _Parser, args: list[Callable[[], Any]]) -> bool:
    try:
        value = _scalar(args[0]())
    except FormulaError:
        return False
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _isblank(parser: _Parser, args: list[Callable[[], Any]]) -> bool:
    return _scalar(args[0]()) is None


def _date(parser: _Parser, args: list[Callable[[], Any]]) -> float:
    year, month, day = (int(_number(_scalar(arg()))) for arg in args[:3])
    base = dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return date_to_serial(base) + day - 1


def _countif(parser: _Parser, args: list[Callable[[], Any]]) -> float:
    block = args[0]()
    values = block.flat() if isinstance(block, RangeValue) else [block]
    test = _criteria(_scalar(args[1]()))
    return float(sum(1 for value in values if test(value)))


def _sumif(parser: _Parser, args: list[Callable[[], Any]]) -> float:
    block = args[0]()
    values = block.flat() if isinstance(block, RangeValue) else [block]
    sums = args[2]().flat() if len(args) > 2 else values
    test = _criteria(_scalar(args[1]()))
    return float(
        sum(_number(s) for v, s in zip(values, sums, strict=False) if test(v) and isinstance(s, (int, float)))
    )


def _round(parser: _Parser, args: list[Callable[[], Any]]) -> float:
    digits = int(_number(_scalar(args[1]()))) if len(args) > 1 else 0
    value = _number(_scalar(args[0]()))
    return (
        math.floor(value * 10**digits + 0.5) / 10**digits
        if value >= 0
        else -math.floor(-value * 10**digits + 0.5) / 10**digits
    )


FUNCTIONS: dict[str, Callable[[_Parser, list[Callable[[], Any]]], Any]] = {
    "SUM": lambda p, a: float(sum(_numbers(a))),
    "AVERAGE": lambda p, a: (sum(_numbers(a)) / len(_numbers(a))) if _numbers(a) else _raise_div0(),
    "MIN": lambda p, a: float(min(_numbers(a), default=0)),
    "MAX": lambda p, a: float(max(_numbers(a), default=0)),
    "COUNT": lambda p, a: float(len(_numbers(a))),
    "COUNTA": lambda p, a: float(sum(1 for v in _values(a) if v not in (None, ""))),
    "COUNTBLANK": lambda p, a: float(sum(1 for v in _values(a) if v in (None, ""))),
    "COUNTIF": _countif,
    "SUMIF": _sumif,
    "IF": _if,
    "IFERROR": _iferror,
    "AND": lambda p, a: all(_truthy(v) for v in _values(a) if v is not None),
    "OR": lambda p, a: any(_truthy(v) for v in _values(a) if v is not None),
    "NOT": lambda p, a: not _truthy(_scalar(a[0]())),
    "ISNUMBER": _isnumber,
    "ISBLANK": _isblank,
    "TODAY": lambda p, a: date_to_serial(p.today),
    "NOW": lambda p, a: date_to_serial(dt.datetime.combine(p.today, dt.datetime.now().time())),
    "DATE": _date,
    "LEN": lambda p, a: float(len(_text(_scalar(a[0]())))),
    "CONCATENATE": lambda p, a: "".join(_text(v) for v in _values(a)),
    "CONCAT": lambda p, a: "".join(_text(v) for v in _values(a)),
    "ROUND": _round,
    "ABS": lambda p, a: abs(_number(_scalar(a[0]()))),
    "UPPER": lambda p, a: _text(_scalar(a[0]())).upper(),
    "LOWER": lambda p, a: _text(_scalar(a[0]())).lower(),
    "TRIM": lambda p, a: " ".join(_text(_scalar(a[0]())).split()),
    "INDEX": lambda p, a: _index(a),
    "MATCH": lambda p, a: _match(a),
    "N": lambda p, a: _n(_scalar(a[0]())),
    "WEEKDAY": lambda p, a: _weekday(a),
    "WORKDAY": lambda p, a: _workday(a),
    "NETWORKDAYS": lambda p, a: _networkdays(a),
    "INDIRECT": lambda p, a: _indirect(p, a),
}


def _day_serial(value: Any, function: str, parameter: int) -> int:
    """A date argument as Sheets takes it: a number (or a numeric text) truncated to a whole day;
    other text is #VALUE!, as Sheets words it."""
    if isinstance(value, str) and value.strip():
        try:
            return int(float(value))
        except ValueError:
            raise FormulaError("VALUE", f"{function} parameter {parameter} expects number values. But '{value}' "
                                        "is a text and cannot be coerced to a number.") from None
    return int(_number(value))


def _holidays(args: list[Callable[[], Any]], index: int, function: str) -> set[int]:
    """The optional holidays argument: a range or a single date; empty cells are skipped, text is #VALUE!."""
    if len(args) <= index:
        return set()
    value = args[index]()
    cells = value.flat() if isinstance(value, RangeValue) else [value]
    days = set()
    for cell in cells:
        if cell is None or cell == "":
            continue
        if isinstance(cell, str):
            raise FormulaError("VALUE", f"{function} parameter {index + 1} expects number values. But '{cell}' "
                                        "is a text and cannot be coerced to a number.")
        days.add(int(_number(cell)))
    return days


def _working(serial: int, holidays: set[int]) -> bool:
    return (serial - 2) % 7 < 5 and serial not in holidays  # serial 2 (1900-01-01) was a Monday


def _workday(args: list[Callable[[], Any]]) -> float:
    """WORKDAY(start, days[, holidays]): the date ``days`` working days (Monday to Friday, not a
    holiday) after ``start`` (before it when negative); ``start`` itself is never counted and
    need not be a working day; 0 days is ``start``."""
    if len(args) < 2:
        raise FormulaError("N_A", "Wrong number of arguments to WORKDAY.")
    start = _day_serial(_scalar(args[0]()), "WORKDAY", 1)
    days = int(_number(_scalar(args[1]())))
    holidays = _holidays(args, 2, "WORKDAY")
    step = 1 if days > 0 else -1
    day, left = start, abs(days)
    while left:
        day += step
        if _working(day, holidays):
            left -= 1
    return float(day)


def _networkdays(args: list[Callable[[], Any]]) -> float:
    """NETWORKDAYS(start, end[, holidays]): the working days from ``start`` to ``end``, both
    counted; negative when ``end`` is before ``start``."""
    if len(args) < 2:
        raise FormulaError("N_A", "Wrong number of arguments to NETWORKDAYS.")
    start = _day_serial(_scalar(args[0]()), "NETWORKDAYS", 1)
    end = _day_serial(_scalar(args[1]()), "NETWORKDAYS", 2)
    holidays = _holidays(args, 2, "NETWORKDAYS")
    low, high = min(start, end), max(start, end)
    count = sum(1 for day in range(low, high + 1) if _working(day, holidays))
    return float(count if end >= start else -count)


def _indirect(parser: _Parser, args: list[Callable[[], Any]]) -> RangeValue:
    """INDIRECT("'Tab'!A1:B2"): the range an A1 text names (a colour rule's way to another tab)."""
    text = _text(_scalar(args[0]())).strip()
    tokens = tokenize(text)
    if len(tokens) != 1 or tokens[0][0] != "ref":
        raise FormulaError("REF", f"Function INDIRECT parameter 1 value is '{text}'. It is not a valid cell/range "
                                  "reference.")
    return parser.reference(tokens[0][1])


def _weekday(args: list[Callable[[], Any]]) -> float:
    """WEEKDAY(date[, type]): type 1 Sunday 1 … Saturday 7, type 2 Monday 1 … Sunday 7, type 3
    Monday 0 … Sunday 6; text that is not a number is #VALUE!."""
    value = _scalar(args[0]())
    kind = int(_number(_scalar(args[1]()))) if len(args) > 1 else 1
    if kind not in (1, 2, 3):
        raise Unsupported(f"WEEKDAY type {kind}")
    monday0 = (int(_number(value)) - 2) % 7  # serial 2 (1900-01-01) was a Monday
    return float({1: (monday0 + 1) % 7 + 1, 2: monday0 + 1, 3: monday0}[kind])


def _rows_of(value: Any) -> list[list[Any]]:
    return value.rows if isinstance(value, RangeValue) else [[value]]


def _index(args: list[Callable[[], Any]]) -> Any:
    """INDEX(range, row[, column]): one cell of the range (an empty cell is empty); 0 (a whole row
    or column) is not supported; a position outside the range is #REF!."""
    rows = _rows_of(args[0]())
    row = int(_number(_scalar(args[1]()))) if len(args) > 1 else 1
    col = int(_number(_scalar(args[2]()))) if len(args) > 2 else 1
    if len(rows) == 1 and len(args) == 2:  # a single row: the position is the column
        row, col = 1, row
    if row == 0 or col == 0:
        raise Unsupported("INDEX of a whole row or column")
    if row < 0 or col < 0 or row > len(rows) or col > len(rows[0] if rows else ()):
        raise FormulaError("REF", "Function INDEX parameter 2 value is out of range.")
    return rows[row - 1][col - 1]


def _match(args: list[Callable[[], Any]]) -> float:
    """MATCH(value, range, 0): the 1-based position of the first equal cell (text compared without
    case); #N/A when none. The sorted match types (1, -1) are not supported."""
    wanted = _scalar(args[0]())
    kind = int(_number(_scalar(args[2]()))) if len(args) > 2 else 1
    if kind != 0:
        raise Unsupported("MATCH on a sorted range")
    rows = _rows_of(args[1]())
    values = [row[0] for row in rows] if rows and len(rows[0]) == 1 else (rows[0] if rows else [])
    for position, value in enumerate(values, 1):
        if value is None or value == "" or isinstance(value, str) != isinstance(wanted, str):
            continue
        if _compare("=", value, wanted):
            return float(position)
    raise FormulaError("N_A", f"Did not find value '{_text(wanted)}' in MATCH evaluation.")


def _n(value: Any) -> float:
    """N(value): a number as it is, TRUE 1, anything else 0."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return 0.0


def _raise_div0() -> float:
    raise FormulaError("DIVIDE_BY_ZERO", "Evaluation of function AVERAGE caused a divide by zero error.")


@functools.lru_cache(maxsize=4096)
def _tokens_of(text: str) -> tuple[tuple[str, str], ...]:
    """A formula's tokens, tokenised once (a read evaluates the same few formulas over and over)."""
    return tuple(tokenize(text))


def evaluate(formula: str, resolve: Resolver, today: dt.date) -> Any:
    """Evaluate `=...`; returns a float, str or bool, or raises FormulaError / Unsupported."""
    tokens = _tokens_of(formula[1:] if formula.startswith("=") else formula)
    parser = _Parser(tokens, resolve, today)
    value = parser.expression()
    if parser.pos != len(tokens):
        raise Unsupported("trailing tokens")
    value = _scalar(value)
    return value
