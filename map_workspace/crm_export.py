"""A CRM export (``mapws report --crm FILE.csv``) read into plain deals: a Salesforce Opportunity
report or Data Loader export, or a HubSpot deals export, told apart by the header row.

Each export's own forms are read: dates as ``2026-03-31``, ``2026-03-31T17:04:05.000Z``,
``2026-03-31 17:04``, ``3/31/2026`` (with or without a time), amounts with a currency symbol or
code and thousands separators (``$120,000.00``, ``EUR 98.500,00``). Anything else stops the
report with the row and column it is in (exit 2): a deal guessed is worse than none.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from map_workspace.errors import UsageError

SALESFORCE, HUBSPOT = "salesforce", "hubspot"

#: Each field the report uses, and the headers that carry it in each export (report label first,
#: then the API name a Data Loader or a property export uses). Matched ignoring case and spaces.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    SALESFORCE: {
        "id": ("Opportunity ID", "Id"),
        "name": ("Opportunity Name", "Name"),
        "stage": ("Stage", "StageName"),
        "closed": ("Closed", "IsClosed"),
        "won": ("Won", "IsWon"),
        "created": ("Created Date", "CreatedDate"),
        "close_date": ("Close Date", "CloseDate"),
        "amount": ("Amount",),
    },
    HUBSPOT: {
        "id": ("Record ID", "hs_object_id"),
        "name": ("Deal Name", "dealname"),
        "stage": ("Deal Stage", "dealstage"),
        "created": ("Create Date", "createdate"),
        "close_date": ("Close Date", "closedate"),
        "amount": ("Amount", "amount"),
        "won": ("Is Closed Won", "hs_is_closed_won"),
        "closed": ("Is Closed", "hs_is_closed"),
    },
}
#: What must be there for the header to be read as that export.
REQUIRED = {SALESFORCE: ("id", "name", "stage", "close_date"), HUBSPOT: ("id", "name", "stage", "close_date")}
#: HubSpot's default pipeline stages that end a deal, by label and by internal value.
HUBSPOT_WON = {"closed won", "closedwon"}
HUBSPOT_LOST = {"closed lost", "closedlost"}

_TRUE = {"true", "1", "yes", "y", "x", "✓"}
_FALSE = {"false", "0", "no", "n", ""}


class CrmExportError(UsageError):
    """A CRM export that cannot be read: which row (as a spreadsheet numbers it, the header being 1)
    and column, and what was found there."""

    code = "crm.malformed"

    def __init__(self, message: str, hint: str = "", *, row: int | None = None, column: str = "") -> None:
        super().__init__(message, hint)
        self.row = row
        self.column = column

    def as_json(self) -> dict[str, str]:
        return {**super().as_json(), **({"row": str(self.row)} if self.row else {}),
                **({"column": self.column} if self.column else {})}


@dataclass(frozen=True)
class CrmDeal:
    """One CRM deal (opportunity) as the export gave it."""

    crm_id: str
    name: str
    stage: str
    closed: bool
    won: bool
    created: date | None
    close_date: date | None
    amount: float | None
    #: The row in the file (the header is row 1), for messages.
    row: int

    @property
    def outcome(self) -> str | None:
        """"won" or "lost" for a closed deal (a deal closed without a win counts as lost), None while open."""
        if not self.closed:
            return None
        return "won" if self.won else "lost"


@dataclass(frozen=True)
class CrmExport:
    source: str
    deals: tuple[CrmDeal, ...]
    path: str = ""


def _norm(header: str) -> str:
    return re.sub(r"[\s_]+", "", header.strip().lstrip("\ufeff")).lower()


def detect(header: Sequence[str]) -> tuple[str, dict[str, int]]:
    """The export's kind and, per field, its column; CrmExportError naming what is missing."""
    at = {_norm(h): i for i, h in reversed(list(enumerate(header)))}
    best: tuple[int, str, dict[str, int]] | None = None
    for source, fields in COLUMNS.items():
        found = {}
        for key, names in fields.items():
            for name in names:
                if _norm(name) in at:
                    found[key] = at[_norm(name)]
                    break
        if all(k in found for k in REQUIRED[source]):
            score = len(found)
            if best is None or score > best[0]:
                best = (score, source, found)
    if best is None:
        raise CrmExportError(
            "The CRM file's header is neither a Salesforce Opportunity report nor a HubSpot deals export "
            f"(it has: {', '.join(h for h in header if h.strip()) or 'no column names'}).",
            "Export opportunities from Salesforce with Opportunity ID, Opportunity Name, Stage, Close Date "
            "(and Closed, Won, Created Date, Amount), or deals from HubSpot with Record ID, Deal Name, "
            "Deal Stage, Close Date (and Create Date, Amount).", row=1)
    return best[1], best[2]


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?)?")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?)?")


def parse_date(text: str) -> date | None:
    """A date as CRM exports write it; None for an empty cell; ValueError for anything else.
    ``3/4/2026`` is March 4 (both exports write month first for US English users)."""
    value = text.strip()
    if not value:
        return None
    if m := _ISO.fullmatch(value):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _US.fullmatch(value):
        mo, d, y = int(m[1]), int(m[2]), int(m[3])
        y += 2000 if y < 100 else 0
    elif m := _DOTTED.fullmatch(value):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    elif value.isdigit() and len(value) == 13:  # HubSpot's API exports: epoch milliseconds
        return datetime.fromtimestamp(int(value) / 1000, UTC).date()
    else:
        raise ValueError(value)
    return date(y, mo, d)


_CURRENCY = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$|[$€£¥₹]|\s")


def parse_amount(text: str) -> float | None:
    """An amount with or without a currency symbol or code and thousands separators; None when empty."""
    value = _CURRENCY.sub("", text.strip())
    if not value:
        return None
    negative = value.startswith("(") and value.endswith(")")
    value = value.strip("()")
    if "," in value and "." in value:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        value = value.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in value:
        # 120,000 or 1,234,567: thousands; 98,50: a decimal comma.
        value = value.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", value) else value.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}", value):
        value = value.replace(".", "")
    number = float(value)  # ValueError for anything else
    return -number if negative else number


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(text)


def read_export(path: Path) -> CrmExport:
    """The deals in a CRM export file; CrmExportError (exit 2) naming the row and column of the
    first thing that cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"No CRM file at {path}.", "Give the CSV you exported: --crm opportunities.csv") from None
    except OSError as exc:
        raise UsageError(f"Cannot read the CRM file {path}: {exc.strerror or exc}.",
                         "Check the path and that your user may read it.") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return parse_export(text, str(path))


def parse_export(text: str, name: str = "the CRM file") -> CrmExport:
    try:
        rows = list(csv.reader(text.splitlines(), strict=True))
    except csv.Error as exc:
        raise CrmExportError(f"{name} is not a readable CSV: {exc}.",
                             "Export it again as CSV (comma-separated, UTF-8).") from None
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise CrmExportError(f"{name} is empty.", "Export the deals again, with the header row.", row=1)
    source, at = detect(rows[0])
    header = rows[0]
    deals = []
    label = "Salesforce" if source == SALESFORCE else "HubSpot"
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            # Report exports end with a footer block ("Grand Totals", "Confidential Information…").
            if len(row) <= 2 and number > 2 and all(len(r) <= 2 for r in rows[number - 1:]):
                break
            raise CrmExportError(
                f"{name}, row {number}: {len(row)} column(s) where the header has {len(header)}.",
                "A quote or comma is probably unbalanced in that row: fix it, or export the file again.",
                row=number, column="")
        deals.append(_deal(row, number, source, at, header, name, label))
    return CrmExport(source, tuple(deals), name)


def _deal(row: list[str], number: int, source: str, at: dict[str, int], header: list[str], name: str,
          label: str) -> CrmDeal:
    def cell(key: str) -> str:
        return row[at[key]].strip() if key in at else ""

    def read(key: str, parse, what: str):  # noqa: ANN001, ANN202
        try:
            return parse(cell(key))
        except (ValueError, OverflowError):
            column = header[at[key]].strip()
            raise CrmExportError(
                f"{name}, row {number}, column '{column}': '{cell(key)}' is not {what}.",
                f"Fix that cell (or export the {label} report again); mapws reads {_FORMS[what]}.",
                row=number, column=column) from None

    crm_id = cell("id")
    if not crm_id:
        column = header[at["id"]].strip()
        raise CrmExportError(f"{name}, row {number}, column '{column}': the deal has no ID.",
                             "Every exported deal has one: export the file again with the ID column.",
                             row=number, column=column)
    stage = cell("stage")
    won = read("won", parse_flag, "a yes/no value") if "won" in at else False
    closed = read("closed", parse_flag, "a yes/no value") if "closed" in at else False
    if source == HUBSPOT:
        lowered = stage.lower()
        won = won or lowered in HUBSPOT_WON
        closed = closed or won or lowered in HUBSPOT_WON | HUBSPOT_LOST
    elif "closed" not in at:  # a report without the Closed column: the stage names say it
        lowered = stage.lower()
        closed = lowered.startswith("closed")
        won = won or lowered == "closed won"
    return CrmDeal(crm_id=crm_id, name=cell("name"), stage=stage, closed=closed or won, won=won,
                   created=read("created", parse_date, "a date"), close_date=read("close_date", parse_date, "a date"),
                   amount=read("amount", parse_amount, "an amount"), row=number)


_FORMS = {"a date": "2026-03-31, 2026-03-31T17:04:05Z, 2026-03-31 17:04 and 3/31/2026",
          "an amount": "120000, 120,000.00, $120,000 and EUR 98.500,00",
          "a yes/no value": "true/false, 1/0 and yes/no"}
