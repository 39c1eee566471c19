"""What the nightly run remembers between nights: per plan, the version it last saw, the
snapshot as it left it (so an unchanged plan costs no read) and what the last sync concluded with
the day until which that holds (so an unchanged plan is not even planned again), what the last
sync concluded and when the buyer last edited the plan (``plan_status``: ``mapws list`` shows it
without reading a plan, and the buyer's silence is counted from it on nights the plan is not
read), and the runs themselves (so an overlapping run is refused and a crashed one is noticed).

SQLite in the user data dir by default (``--state PATH`` / ``MAPWS_STATE`` elsewhere); with
``--state drive`` the same database travels in a Drive file between runs
(backends/google/drive_state.py).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from map_workspace.config import default_state_path
from map_workspace.errors import ExitStatus, FileRefused, MapwsError, file_error

if TYPE_CHECKING:  # the codec (json, zlib, the layout) loads with the first snapshot encoded or decoded
    from map_workspace.domain.silence import BuyerWatch
    from map_workspace.layout import Snapshot

SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    plan_key TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    snapshot BLOB NOT NULL,
    synced_day TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    facts TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS plan_status (
    plan_key TEXT PRIMARY KEY,
    buyer_at TEXT NOT NULL DEFAULT '',
    buyer_by TEXT NOT NULL DEFAULT '',
    watched_since TEXT NOT NULL DEFAULT '',
    day TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS notifications (
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    plans TEXT NOT NULL DEFAULT '',
    items TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'sent',
    PRIMARY KEY (recipient, kind, day)
);
CREATE TABLE IF NOT EXISTS notify_opt_outs (
    email TEXT NOT NULL,
    plan_key TEXT NOT NULL DEFAULT '',
    since TEXT NOT NULL,
    PRIMARY KEY (email, plan_key)
);
"""


class RunInProgress(MapwsError):
    """Another ``sync --all`` holds the state store: two overlapping runs must not both work."""

    exit_code = ExitStatus.PLAN
    code = "run.in_progress"


@dataclass(frozen=True)
class Remembered:
    """One plan's entry. The snapshot is decoded only when asked for: a plan the night does not
    plan again never pays for it."""

    version: str
    blob: bytes
    synced_day: str
    #: What the last sync concluded, as the nightly wrote it ("" when it must plan again).
    facts: str = ""

    @cached_property
    def snapshot(self) -> Snapshot | None:
        """The snapshot as the plan was left; None when the entry is damaged (it costs one read)."""
        from map_workspace.snapshot_codec import decode

        try:
            return decode(self.blob)
        except (ValueError, KeyError, TypeError, zlib.error):
            return None


@dataclass(frozen=True)
class PlanStatus:
    """What the last sync of a plan concluded, as ``mapws list`` shows it without reading the plan:
    ``status`` is the JSON the sync left (health, progress, target and projected decision, next
    milestone; {} when no sync recorded one), ``day`` the day of that sync, and the buyer's last
    edit (``buyer_at`` ISO 8601, "" when none was seen since ``watched_since``)."""

    status: dict[str, object]
    day: str = ""
    buyer_at: str = ""
    buyer_by: str = ""
    watched_since: str = ""


def remembered_statuses(path: Path | None = None) -> dict[str, PlanStatus]:
    """Every plan's last status by plan key ("local:/path/plan.xlsx"), read-only: {} when there is no
    state database (or it predates statuses). Listing plans creates nothing and reads no plan."""
    import json

    target = Path(path) if path else default_state_path()
    if not target.is_file():
        return {}
    try:
        db = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        rows = db.execute("SELECT plan_key, buyer_at, buyer_by, watched_since, day, status FROM plan_status").fetchall()
    except sqlite3.Error:  # no such table yet
        return {}
    finally:
        db.close()
    out = {}
    for key, buyer_at, buyer_by, watched, day, status in rows:
        try:
            doc = json.loads(status) if status else {}
        except ValueError:
            doc = {}
        out[key] = PlanStatus(doc if isinstance(doc, dict) else {}, day, buyer_at, buyer_by, watched)
    return out


def state_file_error(path: Path, exc: OSError | sqlite3.Error) -> MapwsError:
    """A state (or seller-private) database that cannot be opened: its path, and where else to keep it."""
    if isinstance(exc, OSError):
        err = file_error(exc, path, doing="open the state file")
        err.hint += " Or keep the state elsewhere: --state PATH (env MAPWS_STATE)."
        return err
    return FileRefused(f"Cannot open the state file {path}: {exc}.",
                       f"Let your user write in {path.parent}, or keep the state elsewhere: --state PATH "
                       "(env MAPWS_STATE).")


class StateStore:
    """One SQLite file, shared by the run's worker threads (writes serialised by a lock)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_state_path()
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect()
        except (OSError, sqlite3.Error) as exc:
            raise state_file_error(self.path, exc) from exc
        #: A failure that did not stop the run but should be reported after it (e.g. the state could
        #: not be saved back to Drive: the next run then reads every plan again).
        self.problem: MapwsError | None = None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        # A cache, not a ledger: after a power cut a lost entry costs one extra read, never data.
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(plans)")}
        if "facts" not in columns:  # a state file from before the night remembered conclusions
            db.execute("ALTER TABLE plans ADD COLUMN facts TEXT NOT NULL DEFAULT ''")
        return db

    def close(self) -> None:
        self._db.close()

    def changes_made(self) -> int:
        """Rows changed since the database was opened (to tell whether there is anything to save)."""
        with self._lock:
            return self._db.total_changes

    def copy_to(self, target: Path) -> None:
        """A consistent single-file copy of the database, taken while workers keep writing."""
        target.unlink(missing_ok=True)
        copy = sqlite3.connect(target)
        try:
            with self._lock:
                self._db.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()

    # --- the run lock ---------------------------------------------------------------------------

    @contextmanager
    def exclusive(self, wait: bool = False) -> Iterator[None]:
        """Hold the run lock (an OS file lock beside the database: released even if the process
        is killed). A second run waits for it, or is refused at once with a clear message."""
        fd = os.open(str(self.path) + ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise RunInProgress(
                    f"Another 'mapws sync --all' is running with the state store {self.path}.",
                    "Let it finish (pass --wait to queue behind it), or give this run its own --state.",
                ) from None
            yield
        finally:
            os.close(fd)

    # --- plans -----------------------------------------------------------------------------------

    def get(self, plan_key: str) -> Remembered | None:
        with self._lock:
            row = self._db.execute("SELECT version, snapshot, synced_day, facts FROM plans WHERE plan_key = ?",
                                   (plan_key,)).fetchone()
        if row is None:
            return None
        return Remembered(row[0], bytes(row[1]), row[2], row[3] or "")

    def put(self, plan_key: str, version: str, snapshot: Snapshot | bytes, synced_day: str, facts: str = "") -> None:
        """``snapshot`` may come encoded already (by a worker process)."""
        from map_workspace.snapshot_codec import encode

        blob = snapshot if isinstance(snapshot, bytes) else encode(snapshot)
        with self._lock:
            self._db.execute(
                "INSERT INTO plans (plan_key, version, snapshot, synced_day, synced_at, facts) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(plan_key) DO UPDATE SET version=excluded.version, snapshot=excluded.snapshot, "
                "synced_day=excluded.synced_day, synced_at=excluded.synced_at, facts=excluded.facts",
                (plan_key, version, blob, synced_day, _now(), facts),
            )

    def touch(self, plan_key: str, synced_day: str, facts: str | None = None) -> None:
        """Record a night's visit that changed nothing (no need to store the snapshot again), and
        what it concluded when that is new."""
        with self._lock:
            if facts is None:
                self._db.execute("UPDATE plans SET synced_day = ?, synced_at = ? WHERE plan_key = ?",
                                 (synced_day, _now(), plan_key))
            else:
                self._db.execute("UPDATE plans SET synced_day = ?, synced_at = ?, facts = ? WHERE plan_key = ?",
                                 (synced_day, _now(), facts, plan_key))

    # --- what list shows, and the buyer's last edit ------------------------------------------------

    def buyer_watch(self, plan_key: str) -> BuyerWatch:
        """What is remembered of the buyer's edits to the plan (nothing yet: an empty watch)."""
        from map_workspace.domain.silence import BuyerWatch, Touch

        with self._lock:
            row = self._db.execute("SELECT buyer_at, buyer_by, watched_since FROM plan_status WHERE plan_key = ?",
                                   (plan_key,)).fetchone()
        if row is None:
            return BuyerWatch()
        try:
            since = date.fromisoformat(row[2]) if row[2] else None
        except ValueError:
            since = None
        return BuyerWatch(Touch.parse(row[0], row[1]), since)

    def remember_status(self, plan_key: str, day: str, status: str, watch: BuyerWatch | None) -> None:
        """The last sync's conclusions (JSON) for ``mapws list``, and the buyer's edits as it left them."""
        at = watch.last.at.isoformat() if watch and watch.last else ""
        by = watch.last.by if watch and watch.last else ""
        since = watch.watched_since.isoformat() if watch and watch.watched_since else ""
        with self._lock:
            self._db.execute(
                "INSERT INTO plan_status (plan_key, buyer_at, buyer_by, watched_since, day, status) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(plan_key) DO UPDATE SET buyer_at=excluded.buyer_at, "
                "buyer_by=excluded.buyer_by, watched_since=excluded.watched_since, day=excluded.day, "
                "status=excluded.status",
                (plan_key, at, by, since, day, status))

    # --- runs ------------------------------------------------------------------------------------

    def unfinished_run(self) -> dict[str, object] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT run_id, started, total, done FROM runs WHERE finished IS NULL ORDER BY run_id DESC LIMIT 1"
            ).fetchone()
        return dict(zip(("run_id", "started", "total", "done"), row, strict=True)) if row else None

    def begin_run(self, total: int) -> int:
        with self._lock:
            self._db.execute("UPDATE runs SET finished = 'interrupted' WHERE finished IS NULL")
            cur = self._db.execute("INSERT INTO runs (started, total) VALUES (?, ?)", (_now(), total))
            return int(cur.lastrowid or 0)

    def plan_done(self, run_id: int, failed: bool = False) -> None:
        column = "failed" if failed else "done"
        with self._lock:
            self._db.execute(f"UPDATE runs SET {column} = {column} + 1 WHERE run_id = ?", (run_id,))

    def finish_run(self, run_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE runs SET finished = ? WHERE run_id = ?", (_now(), run_id))


    # --- what was sent (mapws notify) --------------------------------------------------------------

    def sending(self, recipient: str, kind: str, day: str, plans: list[str], items: list[str],
                fingerprint: str = "") -> None:
        """Record a message as about to be sent, committed before the first byte goes out: a run that
        dies mid-send then finds it recorded and does not send it again (at most once a day)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO notifications (recipient, kind, day, sent_at, plans, items, fingerprint, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?, 'sending')",
                (recipient, kind, day, _now(), "\n".join(plans), "\n".join(items), fingerprint))

    def sent(self, recipient: str, kind: str, day: str) -> None:
        """The server took it."""
        with self._lock:
            self._db.execute("UPDATE notifications SET status = 'sent', sent_at = ? WHERE recipient = ? AND kind = ? "
                             "AND day = ?", (_now(), recipient, kind, day))

    def not_sent(self, recipient: str, kind: str, day: str) -> None:
        """The server refused it, or could not be reached: the next run tries again."""
        with self._lock:
            self._db.execute("DELETE FROM notifications WHERE recipient = ? AND kind = ? AND day = ?",
                             (recipient, kind, day))

    def notifications(self) -> list[tuple[str, str, str, str, str]]:
        """Every message recorded: (recipient, kind, day, fingerprint, status), oldest first."""
        with self._lock:
            return [tuple(row) for row in self._db.execute(  # type: ignore[misc]
                "SELECT recipient, kind, day, fingerprint, status FROM notifications ORDER BY day")]

    def opt_out(self, email: str, plan_key: str = "") -> bool:
        """Stop mail to ``email`` (about one plan, or every plan); False when already stopped."""
        with self._lock:
            cur = self._db.execute("INSERT OR IGNORE INTO notify_opt_outs (email, plan_key, since) VALUES (?, ?, ?)",
                                   (email.strip().lower(), plan_key, _now()))
            return cur.rowcount > 0

    def opt_outs(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(row[0], row[1]) for row in self._db.execute("SELECT email, plan_key FROM notify_opt_outs")]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
