"""`Emulator`: start the loopback server in-process for tests, seed state, read the log."""

from __future__ import annotations

import collections
import copy
import datetime as dt
import threading
from typing import Any

from .auth import ALL_SCOPES, Caller
from .cellvalues import raw_to_user_entered
from .core import EmulatorCore
from .docs_model import insert_text
from .drive_model import DriveFile
from .server import EmulatorServer, FaultInjector, RequestLog, reset_all, snapshot
from .sheets_model import new_sheet, normalize_format
from .sheets_ops import Context, apply_requests


class Emulator:
    """A running emulator on 127.0.0.1.

    Options: port (0 picks a free one), log (JSON-lines path), latency_ms, quota_per_minute,
    time_scale, fail_rate, seed, require_auth, today (a fixed date for TODAY()).
    Use as a context manager, or call start() and stop().
    """

    def __init__(
        self,
        port: int = 0,
        *,
        log: str | None = None,
        latency_ms: float = 0,
        quota_per_minute: int | None = None,
        time_scale: float = 1.0,
        fail_rate: float = 0.0,
        seed: int = 0,
        require_auth: bool = False,
        today: dt.date | None = None,
    ):
        self.core = EmulatorCore(
            seed=seed,
            quota_per_minute=quota_per_minute,
            time_scale=time_scale,
            require_auth=require_auth,
            today=today,
        )
        self.log = RequestLog(log)
        self.faults = FaultInjector(fail_rate, seed)
        self.server = EmulatorServer(port, self.core, self.log, self.faults, latency_ms)
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.core.base_url = self.base_url
        self.thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ life

    def start(self) -> Emulator:
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="google-emulator",
            daemon=True,
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join(timeout=5)
        self.log.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------ inspection

    @property
    def token_uri(self) -> str:
        return self.base_url + "/token"

    def log_entries(self) -> list[dict[str, Any]]:
        with self.log.lock:
            return copy.deepcopy(self.log.entries)

    def reset(self) -> None:
        reset_all(self.server)

    def save(self) -> dict[str, Any]:
        """The emulator's files, spreadsheets and documents as they are now (an opaque copy)."""
        return self.core.save()

    def restore(self, saved: dict[str, Any]) -> None:
        """``reset()``, then back to what ``save()`` returned: cheaper than re-creating files through
        the API (the same ids, versions and contents; the log is empty, faults start over)."""
        self.reset()
        self.core.restore(saved)

    def state(self, *, spreadsheets: bool = True) -> dict[str, Any]:
        """Files, documents, notifications, the change count and (unless ``spreadsheets=False``,
        which is much cheaper) every spreadsheet's formatted values and notes."""
        with self.core.lock:
            return snapshot(self.core, spreadsheets=spreadsheets)

    def file_version(self, file_id: str) -> int:
        with self.core.lock:
            return self.core.files[file_id].version

    def set_time_scale(self, scale: float) -> None:
        """Speed the emulated clock up, slow it down, or freeze it (0), from now on."""
        self.core.clock.set_scale(scale)

    def advance_clock(self, seconds: float) -> None:
        """Move emulated time forward (quota windows, modifiedTime)."""
        self.core.clock.advance(seconds)

    # -------------------------------------------------------------------------------------- identity

    def issue_token(self, principal: str, scopes: list[str] | None = None, client: str | None = None) -> str:
        """An access token for `principal` without the OAuth dance (fixtures)."""
        with self.core.lock:
            return self.core.tokens.issue(
                principal, client or principal, frozenset(scopes) if scopes else ALL_SCOPES
            )

    def name_user(self, email: str, name: str) -> None:
        """Give an account the profile name Google shows for it (Drive's ``displayName``)."""
        with self.core.lock:
            self.core.people[email] = name

    def register_refresh_token(
        self, refresh_token: str, principal: str, scopes: list[str] | None = None
    ) -> None:
        with self.core.lock:
            self.core.tokens.refresh[refresh_token] = (principal, frozenset(scopes) if scopes else ALL_SCOPES)

    def register_authorization_code(
        self,
        code: str,
        principal: str,
        scopes: list[str] | None = None,
        *,
        redirect_uri: str | None = None,
        code_challenge: str | None = None,
    ) -> None:
        """Stand in for Google's consent screen: `code` can be exchanged once at /token for `principal`."""
        with self.core.lock:
            self.core.tokens.codes[code] = {
                "principal": principal,
                "scopes": frozenset(scopes) if scopes else ALL_SCOPES,
                "redirect_uri": redirect_uri,
                "code_challenge": code_challenge,
            }

    # ------------------------------------------------------------------------------------------ seeding

    def _caller(self, owner: str, client: str | None) -> Caller:
        return Caller(owner, client or owner, ALL_SCOPES)

    def seed_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        *,
        sheets: dict[str, list[list[Any]]] | None = None,
        owner: str = "anonymous",
        client: str | None = None,
        spreadsheet_id: str | None = None,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
        requests: list[dict] | None = None,
        value_input: str = "USER_ENTERED",
        shared_with: dict[str, str] | None = None,
    ) -> str:
        """Create a spreadsheet directly in state; `sheets` maps tab titles to rows of values.

        `requests` (batchUpdate requests) run afterwards; `shared_with` maps emails to roles.
        """
        with self.core.lock:
            caller = self._caller(owner, client)
            f, spreadsheet = self.core.create_spreadsheet(
                caller, title, spreadsheet_id, parents, app_properties
            )
            if sheets:
                spreadsheet.sheets = []
                for index, (tab, rows) in enumerate(sheets.items()):
                    sheet_id = 0 if index == 0 else self.core.rng.randrange(1, 2**31 - 1)
                    height = max(1000, len(rows))
                    width = max(26, max((len(r) for r in rows), default=0))
                    sheet = new_sheet(sheet_id, tab, index, height, width)
                    for r, row in enumerate(rows):
                        for c, raw in enumerate(row):
                            if raw is None or raw == "":
                                continue
                            value, fmt = raw_to_user_entered(raw, value_input, "en_US")
                            if value is None:
                                continue
                            cell: dict[str, Any] = {"userEnteredValue": value}
                            if fmt:
                                cell["userEnteredFormat"] = normalize_format({"numberFormat": fmt})
                            sheet.cells[(r, c)] = cell
                    spreadsheet.sheets.append(sheet)
            if requests:
                ctx = Context(self.core.rng, f.owner, True, self.core.today(spreadsheet))
                work = spreadsheet.clone()
                apply_requests(work, requests, ctx)
                self.core.spreadsheets[f.file_id] = work
            self._share(f, shared_with)
            return f.file_id

    def seed_document(
        self,
        title: str = "Untitled document",
        *,
        text: str = "",
        owner: str = "anonymous",
        client: str | None = None,
        document_id: str | None = None,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
    ) -> str:
        with self.core.lock:
            f, document = self.core.create_document(
                self._caller(owner, client), title, document_id, parents, app_properties
            )
            if text:
                insert_text(document, 1, text)
            return f.file_id

    def seed_file(
        self,
        name: str,
        mime_type: str = "application/octet-stream",
        *,
        content: bytes = b"",
        owner: str = "anonymous",
        client: str | None = None,
        file_id: str | None = None,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
        shared_with: dict[str, str] | None = None,
        app_clients: list[str] | None = None,
    ) -> str:
        """A Drive file (any mimeType; Sheets/Docs types get an empty spreadsheet/document)."""
        from .drive_model import DOCUMENT_MIME, SPREADSHEET_MIME

        if mime_type == SPREADSHEET_MIME:
            file_id = self.seed_spreadsheet(
                name,
                owner=owner,
                client=client,
                spreadsheet_id=file_id,
                parents=parents,
                app_properties=app_properties,
            )
        elif mime_type == DOCUMENT_MIME:
            file_id = self.seed_document(
                name,
                owner=owner,
                client=client,
                document_id=file_id,
                parents=parents,
                app_properties=app_properties,
            )
        else:
            with self.core.lock:
                f = self.core.add_file(
                    name, mime_type, self._caller(owner, client), parents, file_id, app_properties, content
                )
                file_id = f.file_id
        with self.core.lock:
            f = self.core.files[file_id]
            self._share(f, shared_with)
            f.app_clients.update(app_clients or [])
        return file_id

    def _share(self, f: DriveFile, shared_with: dict[str, str] | None) -> None:
        from .drive_model import Permission, permission_id_for

        for email, role in (shared_with or {}).items():
            f.permissions.append(Permission(permission_id_for(email), "user", role, email_address=email))

    def grant_app_access(self, file_id: str, client: str) -> None:
        """What the Picker does for drive.file apps: let `client` see a file it did not create."""
        with self.core.lock:
            self.core.files[file_id].app_clients.add(client)

    # ------------------------------------------------------------------------------ Drive behaviours

    def add_shared_drive(self, name: str, members: dict[str, str]) -> str:
        """A Shared Drive whose ``members`` (email -> role: organizer = Manager, fileOrganizer =
        Content manager, writer = Contributor, commenter, reader) may use it; returns its ID, which
        is also the ID of its root folder."""
        with self.core.lock:
            return self.core.add_shared_drive(name, members).drive_id

    def without_google_account(self, *domains: str) -> None:
        """Addresses in these domains have no Google account (until the next reset)."""
        with self.core.lock:
            self.core.no_google_account_domains.update(d.lower() for d in domains)

    def set_search_lag(self, seconds: float) -> None:
        """New files stay out of files.list for this many (emulated) seconds; files.get sees them."""
        with self.core.lock:
            self.core.search_lag_s = seconds

    def set_version_step(self, low: int, high: int | None = None) -> None:
        """Each write moves a file's Drive version by a random step in [low, high] (default 1)."""
        with self.core.lock:
            self.core.version_step = (low, high if high is not None else low)

    def lose_answer(self, method_id: str, status: int = 503) -> None:
        """The next ``method_id`` call (e.g. "docs.documents.batchUpdate") is applied, but its answer
        is a ``status`` error (0: the connection drops), as after a timeout."""
        with self.core.lock:
            self.core.lost_answers.append((method_id, status))

    # ------------------------------------------------------------------------------------- concurrency

    def edit_between_read_and_write(self, spreadsheet_id: str, requests: list[dict]) -> None:
        """One-shot: apply these batchUpdate requests right after the next Sheets read of the file."""
        with self.core.lock:
            self.core.after_read_hooks.setdefault(spreadsheet_id, collections.deque()).append(
                copy.deepcopy(requests)
            )

    def apply_edit(
        self, spreadsheet_id: str, requests: list[dict], editor: str = "buyer@example.com"
    ) -> None:
        """A buyer's edit made directly (no HTTP, no log entry), bumping the Drive version."""
        with self.core.lock:
            spreadsheet = self.core.spreadsheets[spreadsheet_id]
            f = self.core.files[spreadsheet_id]
            work = spreadsheet.clone()
            apply_requests(work, requests, Context(self.core.rng, f.owner, True, self.core.today(work)))
            self.core.spreadsheets[spreadsheet_id] = work
            self.core.touch(f, Caller(editor, editor))
