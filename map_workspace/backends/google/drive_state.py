"""``--state drive``: the nightly state store kept in one app-owned Drive file, for schedulers whose
hosts are thrown away after each run (Cloud Run Jobs, GitHub Actions).

The run works on a local SQLite copy with the ordinary :class:`StateStore`: the file is found by its
``appProperties`` (``mapws=state``, ``mapws_state=<shard I/N or "all">``, one file per shard, so
shards never wait for each other), downloaded at the start, uploaded every ``upload_every`` plans
(a killed run keeps most of its progress) and at the end.

Two overlapping runs must not both work. Drive has no compare-and-swap, so the run lock is a
best-effort lease in the file's ``appProperties`` (``mapws_lease=<holder>@<expiry>``): read it, and
when it is absent, expired or ours, write ours, wait ``settle_s``, read it back, and go on only if it
is still ours. Two runs that both read "free" both write; the later write wins, and each sees the
winner when it reads back — unless a request of the loser takes longer than ``settle_s`` to land,
which is the race that remains. A crashed run's lease lapses at its expiry (renewed with every
upload while the run lives); expiry compares host clocks, so hosts need NTP.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.drive_files import app_property_query, quote_q
from map_workspace.backends.google.recent import recent_for, still_there
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.errors import MapwsError, PlanError
from map_workspace.state_store import RunInProgress, StateStore

STATE_MIME = "application/x-sqlite3"
LEASE_KEY = "mapws_lease"
SHARD_KEY = "mapws_state"
#: Drive's limit for a multipart upload; larger state files go up resumably.
MULTIPART_LIMIT = 5 * 1024 * 1024
STATE_FIELDS = "id,name,createdTime,version,appProperties"


@dataclass(frozen=True)
class Lease:
    """Who holds the state file, and until when (UTC)."""

    holder: str
    expires: datetime

    @classmethod
    def parse(cls, text: str | None) -> Lease | None:
        holder, sep, when = (text or "").rpartition("@")
        if not sep or not holder:
            return None
        try:
            expires = datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        return cls(holder, expires)

    def text(self) -> str:
        return f"{self.holder}@{self.expires.strftime('%Y-%m-%dT%H:%M:%SZ')}"

    def live(self, now: datetime) -> bool:
        return self.expires > now


def new_holder() -> str:
    """A run's name in the lease: host, process and a random tag (appProperties allow 124 bytes)."""
    host = re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname())[:24] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


def shard_label(index: int, count: int) -> str:
    return "all" if count <= 1 else f"{index}/{count}"


class DriveStateStore(StateStore):
    """A :class:`StateStore` whose database lives in Drive between runs (see the module docstring)."""

    #: Seconds a lease lasts; renewed with every upload while the run lives.
    lease_s: float = 600.0
    #: Seconds between writing the lease and reading it back (longer than a competitor's
    #: read-then-write takes, so that two runs that both saw it free see the same winner).
    settle_s: float = 2.0
    #: Seconds between looks at a held lease with ``--wait``.
    poll_s: float = 15.0
    #: Plans between uploads during a run.
    upload_every: int = 50

    def __init__(self, clients: GoogleClients, *, label: str = "all", folder: str = "", principal: str = "",
                 retry: RetryPolicy | None = None, holder: str | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="mapws-state-"))
        super().__init__(self._workdir / "state.sqlite")
        self.calls = GoogleCalls(clients, principal=principal, retry=retry)
        self.label = label
        self.folder = folder
        self.holder = holder or new_holder()
        self._clock = clock
        self._sleep = sleep
        self.file_id = ""
        self.file_name = f"mapws nightly state ({label.replace('/', ' of ')})"
        self._lease: Lease | None = None
        self._since_upload = 0
        self._saved_changes = 0
        #: Uploads made (for tests and the curious).
        self.uploads = 0
        #: State files this machine created lately (Drive's search lags creates: recent.py).
        self.recent = recent_for(self.calls)
        self._recent_key = f"state:{folder} {label}"

    @classmethod
    def for_store(cls, store: Any, label: str, **options: Any) -> DriveStateStore:
        """The state file beside a GooglePlanStore's plans, reached as the same identity."""
        return cls(store.clients, label=label, folder=store.folder, principal=store.principal, retry=store.retry,
                   **options)

    @property
    def clients(self) -> GoogleClients:
        return self.calls.clients

    def close(self) -> None:
        super().close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    # --- the run lock: a lease on the Drive file --------------------------------------------------

    @contextmanager
    def exclusive(self, wait: bool = False) -> Iterator[None]:
        """Hold the lease, work on the downloaded copy, upload it and let go at the end (also when
        the run fails or is interrupted)."""
        self._take_lease(wait)
        try:
            self._download()
            yield
        finally:
            self._finish()

    def _take_lease(self, wait: bool) -> None:
        while True:
            found = self._find()
            if found is None:
                if self._create_holding():
                    return
                continue
            lease = Lease.parse((found.get("appProperties") or {}).get(LEASE_KEY))
            now = self._clock()
            if lease is not None and lease.holder != self.holder and lease.live(now):
                self._held_by_another(lease, wait)
                continue
            mine = self._new_lease()
            self._update(found["id"], {LEASE_KEY: mine.text()}, action="take the lease on the nightly state file")
            self._sleep(self.settle_s)
            confirmed = self._get(found["id"])
            if Lease.parse((confirmed.get("appProperties") or {}).get(LEASE_KEY)) == mine:
                self.file_id, self._lease = found["id"], mine
                return
            # Another run wrote its lease after ours: the next look finds it holding the file.

    def _create_holding(self) -> bool:
        """Create the state file already leased to this run; True when it is the one file for the
        shard (two runs that both found none may both create one: the oldest wins, the other goes)."""
        mine = self._new_lease()
        body: dict[str, Any] = {"name": self.file_name, "mimeType": STATE_MIME,
                                "appProperties": {"mapws": "state", SHARD_KEY: self.label, LEASE_KEY: mine.text()}}
        if self.folder:
            body["parents"] = [self.folder]
        created = self._execute("create the nightly state file", lambda: self._drive.files().create(
            body=body, supportsAllDrives=True, fields=STATE_FIELDS))
        self.recent.add(self._recent_key, created["id"])
        self._sleep(self.settle_s)
        oldest = self._find()
        if oldest is None or oldest["id"] == created["id"]:
            self.file_id, self._lease = created["id"], mine
            return True
        # Trash, not delete: in a Shared Drive deleting needs a Manager, trashing a Content manager.
        self._execute("remove a duplicate nightly state file", lambda: self._drive.files().update(
            fileId=created["id"], body={"trashed": True}, supportsAllDrives=True, fields="id"))
        return False

    def _new_lease(self) -> Lease:
        expires = self._clock().replace(microsecond=0) + timedelta(seconds=self.lease_s)
        return Lease(self.holder, expires)

    def _held_by_another(self, lease: Lease, wait: bool) -> None:
        until = lease.expires.strftime("%Y-%m-%d %H:%M:%S UTC")
        if not wait:
            raise RunInProgress(
                f"Another 'mapws sync --all' holds the nightly state in Google Drive ('{self.file_name}', run "
                f"{lease.holder}, lease until {until}).",
                "Let it finish, or pass --wait to queue behind it. If that run was killed, its lease lapses at "
                f"{until} and the next run takes over.",
            )
        left = (lease.expires - self._clock()).total_seconds()
        self._sleep(max(0.01, min(self.poll_s, left + 0.01)))

    def holds_lease(self) -> bool:
        """Whether the file's lease still names this run (one Drive call)."""
        if not self.file_id:
            return False
        item = self._get(self.file_id)
        lease = Lease.parse((item.get("appProperties") or {}).get(LEASE_KEY))
        return lease is not None and lease.holder == self.holder

    # --- download, checkpoints, upload ------------------------------------------------------------

    def _download(self) -> None:
        data = self._execute("download the nightly state", lambda: self._drive.files().get_media(
            fileId=self.file_id, supportsAllDrives=True))
        if isinstance(data, str):
            data = data.encode("latin-1")
        with self._lock:
            self._db.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            if data:
                self.path.write_bytes(data)
            try:
                self._db = self._connect()
            except Exception:  # noqa: BLE001 — a damaged state file costs one read per plan, never data
                Path(self.path).unlink(missing_ok=True)
                self._db = self._connect()
        self._saved_changes = self.changes_made()

    def plan_done(self, run_id: int, failed: bool = False) -> None:
        """Count the plan, and every ``upload_every`` plans (or when the lease is half spent) save
        the state to Drive and renew the lease; a failed checkpoint is tried again at the next one."""
        super().plan_done(run_id, failed)
        self._since_upload += 1
        half_spent = self._lease is not None and (
            self._lease.expires - self._clock()).total_seconds() < self.lease_s / 2
        if self._since_upload >= self.upload_every or half_spent:
            try:
                self._upload(self._new_lease())
            except MapwsError:
                pass

    def _finish(self) -> None:
        """Upload the state and release the lease, unless another run took it over meanwhile (this
        one outlived its lease): then its newer state is kept, and the problem is reported."""
        if not self.file_id:
            return
        try:
            if not self.holds_lease():
                self.problem = PlanError(
                    f"This run lost its lease on the nightly state in Google Drive ('{self.file_name}') to another "
                    "run, so its state was not saved.",
                    "Nothing is lost: plans whose state was not saved are read again next time. Give runs "
                    "more time between starts, or fewer plans per shard.",
                )
                return
            self._upload(None)
        except MapwsError as exc:
            self.problem = PlanError(
                f"The night's work is done, but the state could not be saved to Google Drive: {exc.message}",
                "The next run reads the plans again (nothing is lost). If the lease stayed behind, it lapses "
                f"within {int(self.lease_s // 60)} minutes.",
            )
        finally:
            self.file_id, self._lease = "", None

    def _upload(self, lease: Lease | None) -> None:
        """One ``files.update``: the database (when it changed) and the lease (renewed, or removed
        with ``None``) together."""
        metadata = {"appProperties": {LEASE_KEY: lease.text() if lease else None}}
        if self.changes_made() == self._saved_changes:
            self._update(self.file_id, metadata["appProperties"], action="renew the lease on the nightly state")
            self._lease = lease
            self._since_upload = 0
            return
        changes = self.changes_made()
        copy = self._workdir / "upload.sqlite"
        self.copy_to(copy)
        data = copy.read_bytes()

        def request() -> Any:
            from googleapiclient.http import MediaIoBaseUpload  # type: ignore[import-untyped]

            media = MediaIoBaseUpload(io.BytesIO(data), mimetype=STATE_MIME, resumable=len(data) > MULTIPART_LIMIT)
            return self._follow_api_root(self._drive.files().update(
                fileId=self.file_id, body=metadata, media_body=media, supportsAllDrives=True, fields=STATE_FIELDS))

        self._execute("save the nightly state to Drive", request)
        self.uploads += 1
        self._saved_changes = changes
        self._lease = lease
        self._since_upload = 0

    # --- Drive calls --------------------------------------------------------------------------------

    @property
    def _drive(self) -> Any:
        return self.calls.drive

    def _find(self) -> dict[str, Any] | None:
        """The shard's state file (the oldest, should a race have left two)."""
        query = f"{app_property_query('mapws', 'state')} and appProperties has {{ key='{SHARD_KEY}' and " \
                f"value='{quote_q(self.label)}' }}"
        params: dict[str, Any] = {"q": query, "fields": f"files({STATE_FIELDS})", "pageSize": 10,
                                  "supportsAllDrives": True, "includeItemsFromAllDrives": True}
        if self.folder:
            params["q"] += f" and '{quote_q(self.folder)}' in parents"
            params["corpora"] = "allDrives"
        found = self._execute("find the nightly state file", lambda: self._drive.files().list(**params))
        files = found.get("files") or []
        if not files:  # Drive's search lags creates: a state file made moments ago is asked for by ID
            files = still_there(self.calls, self.recent, self._recent_key, STATE_FIELDS, lambda item: (
                item.get("appProperties") or {}).get(SHARD_KEY) == self.label)
        return min(files, key=lambda f: (f.get("createdTime", ""), f["id"])) if files else None

    def _get(self, file_id: str) -> dict[str, Any]:
        return self._execute("read the lease on the nightly state", lambda: self._drive.files().get(
            fileId=file_id, supportsAllDrives=True, fields=STATE_FIELDS))

    def _update(self, file_id: str, app_properties: dict[str, Any], *, action: str) -> dict[str, Any]:
        return self._execute(action, lambda: self._drive.files().update(
            fileId=file_id, body={"appProperties": app_properties}, supportsAllDrives=True, fields=STATE_FIELDS))

    def _execute(self, action: str, build: Callable[[], Any]) -> Any:
        return self.calls.execute(action, build, f"'{self.file_name}'")

    def _follow_api_root(self, request: Any) -> Any:
        """google-api-python-client keeps the discovery document's https:// scheme for upload URLs
        when the API endpoint is moved (to an emulator or proxy on plain http): follow the root."""
        root = urlsplit(self.clients.api_root)
        uri = urlsplit(request.uri)
        if root.scheme and root.netloc == uri.netloc and uri.scheme != root.scheme:
            request.uri = urlunsplit(uri._replace(scheme=root.scheme))
        return request
