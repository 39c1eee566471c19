"""Seller-internal facts about a deal — value, forecast category, internal notes, how it closed, its
CRM id — and the rep's own setup (which published template to copy), kept on the seller's side only
(the state database in the user data dir), never in a file the buyer can open.

Plans are keyed as the nightly state keys them: ``"<backend>:<plan id>"`` ("local:/abs/path.xlsx",
"google:<spreadsheet id>"). To read a plan's CRM id (``mapws link``, ``create --crm-id``)::

    private = PrivateStore.reader()          # None when there is no database yet
    crm = private.crm_id("google:1AbC…") if private else ""    # "" when none was recorded
    every = private.crm_ids() if private else {}              # {plan key: CRM id}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from map_workspace.config import default_state_path
from map_workspace.errors import UsageError

FORECASTS = ("pipeline", "best case", "commit", "closed won", "closed lost")

SCHEMA = """
CREATE TABLE IF NOT EXISTS published_templates (
    backend TEXT NOT NULL,
    name TEXT NOT NULL,
    file_id TEXT NOT NULL,
    PRIMARY KEY (backend, name)
);
CREATE TABLE IF NOT EXISTS private_deals (
    plan_key TEXT PRIMARY KEY,
    deal_value REAL,
    forecast TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS closed_plans (
    plan_key TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    closed_on TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS crm_links (
    plan_key TEXT PRIMARY KEY,
    crm_id TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS calendar_events (
    plan_key TEXT NOT NULL,
    uid TEXT NOT NULL,
    start TEXT NOT NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_key, uid)
);
"""


@dataclass(frozen=True)
class PrivateDeal:
    """The seller's own facts about a deal, kept out of every file the buyer can open."""

    deal_value: float | None = None
    forecast: str = ""
    notes: str = ""

    @property
    def empty(self) -> bool:
        return self.deal_value is None and not self.forecast and not self.notes


def parse_crm_id(text: str | None) -> str:
    """A CRM id as given, trimmed; refused when it is empty or spans lines."""
    value = (text or "").strip()
    if not value or any(ch in value for ch in "\r\n\t") or len(value) > 200:
        raise UsageError(f"'{text}' is not a CRM id.",
                         "Give the deal's id in your CRM, e.g. a Salesforce Opportunity ID (0065g00000AbCdE) or a "
                         "HubSpot deal's Record ID (14567890123).")
    return value


def parse_forecast(text: str | None) -> str:
    value = (text or "").strip().lower()
    if value and value not in FORECASTS:
        raise UsageError(f"Forecast category '{text}' is not one of {', '.join(FORECASTS)}.",
                         "Example: --forecast commit")
    return value


@dataclass(frozen=True)
class ClosedDeal:
    """How a plan closed, as the seller keeps it (the reason never goes in the plan)."""

    outcome: str
    on: str
    reason: str = ""


class PrivateStore:
    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        import sqlite3  # here: most commands never open the database

        self.path = Path(path) if path else default_state_path()
        if read_only:  # raises sqlite3.OperationalError when there is no database
            self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            from map_workspace.state_store import state_file_error

            raise state_file_error(self.path, exc) from exc

    @classmethod
    def reader(cls, path: Path | None = None) -> PrivateStore | None:
        """The database to read facts from, opened read-only; None when there is none yet (listing
        plans creates nothing)."""
        if not (Path(path) if path else default_state_path()).is_file():
            return None
        import sqlite3

        try:
            return cls(path, read_only=True)
        except sqlite3.OperationalError:
            return None

    def close(self) -> None:
        self._db.close()

    def put(self, plan_key: str, deal: PrivateDeal) -> None:
        self._db.execute(
            "INSERT INTO private_deals (plan_key, deal_value, forecast, notes) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(plan_key) DO UPDATE SET deal_value=excluded.deal_value, forecast=excluded.forecast, "
            "notes=excluded.notes",
            (plan_key, deal.deal_value, deal.forecast, deal.notes),
        )

    def remember_template(self, backend: str, name: str, file_id: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO published_templates (backend, name, file_id) VALUES (?, ?, ?)",
                         (backend, name, file_id))

    def published_template(self, backend: str, name: str) -> str:
        row = self._db.execute("SELECT file_id FROM published_templates WHERE backend = ? AND name = ?",
                               (backend, name)).fetchone()
        return row[0] if row else ""

    def event_sequence(self, plan_key: str, uid: str, start: str) -> int:
        """The SEQUENCE of a calendar event whose date is now ``start``: as last time when the date
        is the same, one more when it moved (so calendars update the event they have)."""
        row = self._db.execute("SELECT start, sequence FROM calendar_events WHERE plan_key = ? AND uid = ?",
                               (plan_key, uid)).fetchone()
        sequence = 0 if row is None else row[1] + (row[0] != start)
        self._db.execute("INSERT OR REPLACE INTO calendar_events (plan_key, uid, start, sequence) VALUES (?, ?, ?, ?)",
                         (plan_key, uid, start, sequence))
        return sequence

    def get(self, plan_key: str) -> PrivateDeal:
        import sqlite3

        try:
            row = self._db.execute("SELECT deal_value, forecast, notes FROM private_deals WHERE plan_key = ?",
                                   (plan_key,)).fetchone()
        except sqlite3.OperationalError:  # read-only, before any private fact was kept: no such table
            return PrivateDeal()
        return PrivateDeal(*row) if row else PrivateDeal()

    def close_plan(self, plan_key: str, deal: ClosedDeal) -> None:
        self._db.execute("INSERT OR REPLACE INTO closed_plans (plan_key, outcome, closed_on, reason) "
                         "VALUES (?, ?, ?, ?)", (plan_key, deal.outcome, deal.on, deal.reason))

    def reopen_plan(self, plan_key: str) -> None:
        self._db.execute("DELETE FROM closed_plans WHERE plan_key = ?", (plan_key,))

    def link_crm(self, plan_key: str, crm_id: str) -> None:
        """Record the plan's CRM id ("" forgets it)."""
        if crm_id:
            self._db.execute("INSERT OR REPLACE INTO crm_links (plan_key, crm_id) VALUES (?, ?)", (plan_key, crm_id))
        else:
            self._db.execute("DELETE FROM crm_links WHERE plan_key = ?", (plan_key,))

    def crm_id(self, plan_key: str) -> str:
        """The plan's CRM id (a Salesforce Opportunity ID, a HubSpot deal's Record ID …), "" when none."""
        import sqlite3

        try:
            row = self._db.execute("SELECT crm_id FROM crm_links WHERE plan_key = ?", (plan_key,)).fetchone()
        except sqlite3.OperationalError:  # read-only, before any CRM id was recorded: no such table
            return ""
        return row[0] if row else ""

    def crm_ids(self) -> dict[str, str]:
        """Every recorded CRM id, by plan key."""
        import sqlite3

        try:
            return dict(self._db.execute("SELECT plan_key, crm_id FROM crm_links").fetchall())
        except sqlite3.OperationalError:  # read-only, before any CRM id was recorded: no such table
            return {}

    def closed(self) -> dict[str, ClosedDeal]:
        """Every closed plan, by key: what ``sync --all`` skips without reading."""
        import sqlite3

        try:
            rows = self._db.execute("SELECT plan_key, outcome, closed_on, reason FROM closed_plans").fetchall()
        except sqlite3.OperationalError:  # read-only, before any plan was closed: no such table
            return {}
        return {key: ClosedDeal(outcome, on, reason) for key, outcome, on, reason in rows}
