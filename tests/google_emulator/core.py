"""The emulator's state and request dispatch, independent of the HTTP plumbing.

One lock guards all state: requests run on server threads but apply one at a time, which is what
Google's per-document serialisation looks like from a client.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import random
import re
import threading
import time
import urllib.parse
import zoneinfo
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import discovery
from .auth import ANONYMOUS_CALLER, Caller, TokenRegistry
from .docs_model import Document, apply_document_requests, render_document
from .drive_model import (
    APP_PROPERTIES_PER_APP,
    DOCUMENT_MIME,
    EXPORT_FORMATS,
    EXPORT_LINK_FORMATS,
    FOLDER_MIME,
    GOOGLE_MIME_PREFIX,
    PROPERTY_BYTES,
    SPREADSHEET_MIME,
    DriveFile,
    Permission,
    QueryError,
    SharedDrive,
    compile_query,
    file_resource,
    permission_id_for,
    query_view,
    rfc3339,
    role_rank,
    tiny_pdf,
    user_resource,
)
from .errors import (
    ApiError,
    bad_request_violations,
    drive_error,
    drive_forbidden,
    drive_not_found,
    insufficient_scopes,
    invalid_argument,
    quota_exceeded,
    rpc_error,
    sheets_not_found,
    sheets_permission_denied,
    unauthenticated,
)
from .fieldmask import apply_mask, mask_selects, parse_mask
from .sheets_model import (
    Bounds,
    Spreadsheet,
    bounds_of_grid_range,
    new_sheet,
    new_spreadsheet,
    normalize_format,
    read_values,
    render_spreadsheet,
    resolve_a1,
    strip_nulls,
)
from .sheets_ops import (
    Context,
    NotImplementedByEmulator,
    RequestError,
    append_values,
    apply_requests,
    check_locale_and_zone,
    clear_values,
    get_values,
    lookup_matches,
    store_formula,
    write_values,
)

SHEETS_READ_METHODS = {
    "sheets.spreadsheets.get",
    "sheets.spreadsheets.getByDataFilter",
    "sheets.spreadsheets.values.get",
    "sheets.spreadsheets.values.batchGet",
    "sheets.spreadsheets.values.batchGetByDataFilter",
    "sheets.spreadsheets.developerMetadata.get",
    "sheets.spreadsheets.developerMetadata.search",
}
DOCS_READ_METHODS = {"docs.documents.get"}


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list -> JSON, bytes -> raw, None -> empty
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One API call after routing: what the handlers see."""

    method: str
    path: str
    query: dict[str, list[str]]
    raw_body: bytes
    headers: dict[str, str]
    caller: Caller
    params: dict[str, str]
    body: Any = None

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.q(name)
        if value is None:
            return default
        return value.lower() in ("true", "1")


class Clock:
    """Emulated time: runs `scale` times faster than the wall clock, and can be pushed forward."""

    def __init__(self, scale: float = 1.0):
        self.scale = scale
        self.start_wall = time.time()
        self.start_mono = time.monotonic()
        self.offset = 0.0

    def now(self) -> float:
        return self.start_wall + (time.monotonic() - self.start_mono) * self.scale + self.offset

    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now(), dt.UTC)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def set_scale(self, scale: float) -> None:
        """Change speed from now on without a jump (0 freezes emulated time)."""
        current = self.now()
        self.start_wall, self.start_mono, self.offset = current, time.monotonic(), 0.0
        self.scale = scale


ROUTES: list[tuple[str, re.Pattern, str | None, str]] = []


def route(method: str, pattern: str, method_id: str | None):
    def register(function: Callable) -> Callable:
        ROUTES.append((method, re.compile("^" + pattern + "$"), method_id, function.__name__))
        return function

    return register


def api_of(method_id: str | None) -> str | None:
    return method_id.split(".")[0] if method_id else None


class EmulatorCore:
    def __init__(
        self,
        *,
        seed: int = 0,
        quota_per_minute: int | None = None,
        time_scale: float = 1.0,
        require_auth: bool = False,
        today: dt.date | None = None,
        base_url: str = "",
    ):
        self.lock = threading.RLock()
        self.seed = seed
        self.quota_per_minute = quota_per_minute
        self.clock = Clock(time_scale)
        self.require_auth = require_auth
        self.fixed_today = today
        self.base_url = base_url
        self.tokens = TokenRegistry()
        self.reset()

    # ------------------------------------------------------------ state

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self.seed)
            self.files: dict[str, DriveFile] = {}
            self.deleted: set[str] = set()
            self.spreadsheets: dict[str, Spreadsheet] = {}
            self.documents: dict[str, Document] = {}
            self.changes: list[dict[str, Any]] = []
            self.notifications: list[dict[str, Any]] = []
            self.after_read_hooks: dict[str, deque[list[dict]]] = {}
            self.quota_windows: dict[tuple[str, str, str], deque[float]] = {}
            self.list_counter = 0
            self.shared_drives: dict[str, SharedDrive] = {}
            # Drive behaviours a test switches on (each reset puts back the defaults):
            #: Domains whose addresses have no Google account: sharing with them without the
            #: notification email is refused, as Drive does (Microsoft 365 buyers, say).
            self.no_google_account_domains: set[str] = set()
            #: Seconds a new file stays out of files.list searches (files.get sees it at once).
            self.search_lag_s = 0.0
            #: How far one write moves a file's Drive `version`: a random step in [low, high].
            self.version_step = (1, 1)
            self.version_rng = random.Random(self.seed)
            #: Writes whose answer is lost after they were applied: (method id, status) each,
            #: used once, in order; status 0 drops the connection instead (a timeout, to the client).
            self.lost_answers: list[tuple[str, int]] = []
            #: Accounts' profile names (email → name), as Drive's User resources show them.
            self.people: dict[str, str] = {}

    #: What :meth:`save` keeps: everything :meth:`reset` clears (tokens and the clock carry on).
    _SAVED = ("files", "deleted", "spreadsheets", "documents", "changes", "notifications", "after_read_hooks",
              "quota_windows", "list_counter", "shared_drives", "people")

    def save(self) -> dict[str, Any]:
        """A copy of the whole Drive, Sheets and Docs state (and the id generator), for :meth:`restore`."""
        with self.lock:
            state = {name: getattr(self, name) for name in self._SAVED}
            return {"state": pickle.dumps(state, pickle.HIGHEST_PROTOCOL), "rng": self.rng.getstate()}

    def restore(self, saved: dict[str, Any]) -> None:
        """Put back what :meth:`save` kept, as it was then (``saved`` can be restored again)."""
        with self.lock:
            for name, value in pickle.loads(saved["state"]).items():
                setattr(self, name, value)
            self.rng = random.Random()
            self.rng.setstate(saved["rng"])

    def new_id(self, length: int = 44) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "1" + "".join(self.rng.choice(alphabet) for _ in range(length - 1))

    def today(self, spreadsheet: Spreadsheet | None = None) -> dt.date:
        if self.fixed_today:
            return self.fixed_today
        now = self.clock.datetime()
        if spreadsheet is not None:
            try:
                now = now.astimezone(zoneinfo.ZoneInfo(spreadsheet.properties.get("timeZone", "Etc/GMT")))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        return now.date()

    def record_change(self, file_id: str, removed: bool = False) -> None:
        self.changes.append({"fileId": file_id, "time": self.clock.datetime(), "removed": removed})

    def touch(self, f: DriveFile, caller: Caller) -> None:
        low, high = self.version_step
        step = low if low >= high else self.version_rng.randint(low, high)
        f.touch(self.clock.datetime(), caller.principal, step)
        self.record_change(f.file_id)

    def add_shared_drive(self, name: str, members: dict[str, str]) -> SharedDrive:
        """A Shared Drive with ``members`` (email -> role); its root is a folder of the same ID."""
        drive = SharedDrive(self.new_id(19), name, {e.lower(): r for e, r in members.items()})
        now = self.clock.datetime()
        self.shared_drives[drive.drive_id] = drive
        self.files[drive.drive_id] = DriveFile(
            file_id=drive.drive_id, name=name, mime_type=FOLDER_MIME, owner="", created_by_client="",
            created_time=now, modified_time=now, parents=[], drive_id=drive.drive_id,
        )
        return drive

    # ------------------------------------------------------------ creating things

    def add_file(
        self,
        name: str,
        mime_type: str,
        caller: Caller,
        parents: list[str] | None = None,
        file_id: str | None = None,
        app_properties: dict[str, str] | None = None,
        content: bytes = b"",
    ) -> DriveFile:
        now = self.clock.datetime()
        f = DriveFile(
            file_id=file_id or self.new_id(44 if mime_type.startswith(GOOGLE_MIME_PREFIX) else 33),
            name=name,
            mime_type=mime_type,
            owner=caller.principal,
            created_by_client=caller.client,
            created_time=now,
            modified_time=now,
            parents=list(parents or ["root-" + permission_id_for(caller.principal)[:12]]),
            content=content,
            last_modifying_user=caller.principal,
        )
        if app_properties:
            f.app_properties[caller.client] = {k: str(v) for k, v in app_properties.items() if v is not None}
        f.permissions.append(
            Permission(permission_id_for(caller.principal), "user", "owner", email_address=caller.principal)
        )
        self.files[f.file_id] = f
        self.record_change(f.file_id)
        return f

    def create_spreadsheet(
        self,
        caller: Caller,
        title: str,
        file_id: str | None = None,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
    ) -> tuple[DriveFile, Spreadsheet]:
        f = self.add_file(title, SPREADSHEET_MIME, caller, parents, file_id, app_properties)
        spreadsheet = new_spreadsheet(f.file_id, title)
        self.spreadsheets[f.file_id] = spreadsheet
        return f, spreadsheet

    def create_document(
        self,
        caller: Caller,
        title: str,
        file_id: str | None = None,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
    ) -> tuple[DriveFile, Document]:
        f = self.add_file(title, DOCUMENT_MIME, caller, parents, file_id, app_properties)
        document = Document(f.file_id, title)
        self.documents[f.file_id] = document
        return f, document

    # ------------------------------------------------------------ access control

    def drive_role(self, f: DriveFile, caller: Caller) -> str | None:
        """The caller's role on a Shared Drive file: the higher of its membership of the drive
        and a permission on the file itself (None: no access)."""
        if caller.superuser:
            return "organizer"
        drive = self.shared_drives.get(f.drive_id or "")
        roles = [drive.members.get(caller.principal.lower())] if drive else []
        roles += [p.role for p in f.permissions if (p.email_address or "").lower() == caller.principal.lower()]
        return max((r for r in roles if r), key=role_rank, default=None)

    def user_can_access(self, f: DriveFile, caller: Caller) -> bool:
        if f.drive_id:
            return self.drive_role(f, caller) is not None
        if caller.superuser or f.owner == caller.principal:
            return True
        domain = caller.principal.rpartition("@")[2].lower()
        for p in f.permissions:
            if p.type == "anyone":
                return True
            if p.type in ("user", "group") and (p.email_address or "").lower() == caller.principal.lower():
                return True
            if p.type == "domain" and (p.domain or "").lower() == domain:
                return True
        return False

    def can_edit(self, f: DriveFile, caller: Caller) -> bool:
        if f.drive_id:
            return role_rank(self.drive_role(f, caller)) >= role_rank("writer")
        if caller.superuser or f.owner == caller.principal:
            return True
        domain = caller.principal.rpartition("@")[2].lower()
        for p in f.permissions:
            if p.role not in ("writer", "owner", "organizer", "fileOrganizer"):
                continue
            if p.type == "anyone":
                return True
            if p.type in ("user", "group") and (p.email_address or "").lower() == caller.principal.lower():
                return True
            if p.type == "domain" and (p.domain or "").lower() == domain:
                return True
        return False

    def visible(self, f: DriveFile, caller: Caller, api: str) -> bool:
        if not self.user_can_access(f, caller):
            return False
        if caller.sees_all_of_user(api) or f.file_id == f.drive_id:  # a Shared Drive's root: its members'
            return True
        return f.created_by_client == caller.client or caller.client in f.app_clients

    def drive_file(self, call: Call, file_id: str, *, all_drives_flag: bool = True) -> DriveFile:
        """The file the caller may see (``all_drives_flag``: the method has ``supportsAllDrives``)."""
        f = self.files.get(file_id)
        if f is None or not self.visible(f, call.caller, "drive"):
            raise drive_not_found(file_id)
        if all_drives_flag and f.drive_id and not supports_all_drives(call):
            raise drive_not_found(file_id)  # Drive hides Shared Drive items from apps that do not say they support them
        return f

    def may_trash(self, f: DriveFile, caller: Caller) -> bool:
        """My Drive: only the owner trashes. A Shared Drive: a Content manager (fileOrganizer) or Manager."""
        if f.drive_id:
            return role_rank(self.drive_role(f, caller)) >= role_rank("fileOrganizer")
        return caller.superuser or f.owner == caller.principal

    def may_delete(self, f: DriveFile, caller: Caller) -> bool:
        """files.delete: the owner in My Drive; in a Shared Drive, "the user must be an organizer"."""
        if f.drive_id:
            return self.drive_role(f, caller) == "organizer"
        return caller.superuser or f.owner == caller.principal

    def resource(self, f: DriveFile, call: Call) -> dict[str, Any]:
        """The full File resource as the caller sees it."""
        return file_resource(
            f,
            principal=call.caller.principal,
            client=call.caller.client,
            can_edit=self.can_edit(f, call.caller),
            is_owner=f.owner == call.caller.principal or call.caller.superuser,
            drive_role=self.drive_role(f, call.caller) if f.drive_id else None,
            names=self.people,
        )

    def sheet_for(self, call: Call, write: bool) -> tuple[DriveFile, Spreadsheet]:
        spreadsheet_id = call.params["spreadsheetId"]
        spreadsheet = self.spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            if spreadsheet_id in self.deleted:
                raise sheets_permission_denied()
            raise sheets_not_found()
        f = self.files[spreadsheet_id]
        if not self.visible(f, call.caller, "sheets"):
            raise sheets_permission_denied()
        if write and not self.can_edit(f, call.caller):
            raise sheets_permission_denied()
        return f, spreadsheet

    def doc_for(self, call: Call, write: bool) -> tuple[DriveFile, Document]:
        document_id = call.params["documentId"]
        document = self.documents.get(document_id)
        if document is None:
            if document_id in self.deleted:
                raise sheets_permission_denied()
            raise sheets_not_found()
        f = self.files[document_id]
        if not self.visible(f, call.caller, "docs") or (write and not self.can_edit(f, call.caller)):
            raise sheets_permission_denied()
        return f, document

    # ------------------------------------------------------------ quota

    def charge_quota(self, caller: Caller, method_id: str) -> None:
        if not self.quota_per_minute:
            return
        api = api_of(method_id)
        if api == "sheets":
            bucket = "read" if method_id in SHEETS_READ_METHODS else "write"
        elif api == "docs":
            bucket = "read" if method_id in DOCS_READ_METHODS else "write"
        else:
            return
        now = self.clock.now()
        window = self.quota_windows.setdefault((caller.principal, api, bucket), deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.quota_per_minute:
            metric = "Read requests" if bucket == "read" else "Write requests"
            raise quota_exceeded(f"{api}.googleapis.com", metric, f"{metric} per minute per user")
        window.append(now)

    # ------------------------------------------------------------ dispatch

    def match_route(self, method: str, path: str) -> tuple[str | None, str, dict[str, str]] | None:
        for route_method, pattern, method_id, handler in ROUTES:
            if route_method != method:
                continue
            match = pattern.match(path)
            if match:
                params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
                return method_id, handler, params
        return None

    def dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        raw_body: bytes,
        headers: dict[str, str],
        log_extra: dict[str, Any],
    ) -> Response:
        """Route, authenticate, check scopes/quota/schema, run the handler; errors become responses."""
        found = self.match_route(method, path)
        if found is None:
            return Response(
                404, {"error": {"code": 404, "message": f"Not found: {method} {path}", "status": "NOT_FOUND"}}
            )
        method_id, handler_name, params = found
        api = api_of(method_id)
        caller = self.tokens.caller_for(headers.get("authorization"))
        if caller is None or (self.require_auth and caller is ANONYMOUS_CALLER):
            log_extra["principal"] = "anonymous" if caller is None else caller.principal
            error = unauthenticated(missing=caller is ANONYMOUS_CALLER)
            return Response(error.status, error.body)
        log_extra["principal"] = caller.principal
        call = Call(method, path, query, raw_body, headers, caller, params)
        content_type = headers.get("content-type", "")
        if raw_body and "json" in content_type:
            try:
                call.body = json.loads(raw_body.decode("utf-8"))
            except ValueError:
                error = invalid_argument("Invalid JSON payload received. Unexpected token.")
                return Response(error.status, error.body)
        elif raw_body and not content_type:
            try:
                call.body = json.loads(raw_body.decode("utf-8"))
            except ValueError:
                call.body = None
        log_extra["body"] = call.body
        try:
            if method_id is not None:
                if not caller.has_any(discovery.method_scopes(api, method_id)):
                    if api == "drive":
                        raise drive_error(
                            403, "Request had insufficient authentication scopes.", "insufficientPermissions"
                        )
                    raise insufficient_scopes(
                        f"{api}.googleapis.com", discovery.rpc_method_name(api, method_id)
                    )
                if api != "drive":
                    query_problems = discovery.query_violations(api, method_id, query)
                    if query_problems:
                        raise bad_request_violations(query_problems)
                _check_fields_parameter(api, method_id, call)
                if discovery.methods(api)[method_id].get("request") and call.body is not None:
                    problems = discovery.violations(api, method_id, call.body)
                    if problems:
                        if api == "drive":
                            log_extra["schema_violations"] = [text for _, text in problems]
                        else:
                            raise bad_request_violations(problems)
            with self.lock:
                if method_id is not None:
                    self.charge_quota(caller, method_id)
                response = getattr(self, handler_name)(call)
                if method_id in SHEETS_READ_METHODS and response.status == 200:
                    self.run_after_read_hook(call.params.get("spreadsheetId"), log_extra)
                lost = self.lose_answer(method_id, response, log_extra)
            return lost or response
        except ApiError as error:
            return Response(error.status, error.body)

    def lose_answer(self, method_id: str | None, response: Response, log_extra: dict[str, Any]) -> Response | None:
        """The write was applied, but the client hears a 5xx (or, status 0, nothing: the server
        drops the connection) — what a timeout or a failing front end looks like."""
        if response.status >= 300:
            return None
        for index, (wanted, status) in enumerate(self.lost_answers):
            if wanted == method_id:
                del self.lost_answers[index]
                log_extra["answer_lost"] = status or "connection"
                if not status:
                    return Response(0, None)
                return Response(status, {"error": {"code": status, "message": "Internal error encountered.",
                                                   "status": "INTERNAL" if status == 500 else "UNAVAILABLE"}})
        return None

    # ------------------------------------------------------------ hooks

    def run_after_read_hook(self, spreadsheet_id: str | None, log_extra: dict[str, Any]) -> None:
        queue = self.after_read_hooks.get(spreadsheet_id or "")
        if not queue:
            return
        requests = queue.popleft()
        spreadsheet = self.spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            return
        work = spreadsheet.clone()
        ctx = Context(self.rng, self.files[spreadsheet_id].owner, True, self.today(spreadsheet))
        apply_requests(work, requests, ctx)
        self.spreadsheets[spreadsheet_id] = work
        hook_caller = Caller("hook", "hook", superuser=True)
        self.touch(self.files[spreadsheet_id], hook_caller)
        log_extra["after_read_hook_applied"] = len(requests)


def _check_fields_parameter(api: str, method_id: str, call: Call) -> None:
    """A `fields` mask naming a field the response does not have is refused before anything runs:
    Sheets and Docs with the front end's BadRequest, Drive with its legacy invalidParameter."""
    fields = call.q("fields")
    if not fields or call.q("alt") == "media":
        return
    try:
        path = discovery.fields_problem(api, method_id, fields)
    except ValueError:
        return  # a mask that does not parse: the handler answers as before
    if path is None:
        return
    if api == "drive":
        raise drive_error(400, f"Invalid field selection {path}", "invalidParameter", "fields")
    description = f"Error expanding 'fields' parameter. Cannot find matching fields for path '{path}'."
    raise rpc_error(
        400,
        "Request contains an invalid argument.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": fields, "description": description}],
            }
        ],
    )


# =================================================================== Sheets handlers


def _sheets_ctx(core: EmulatorCore, f: DriveFile, spreadsheet: Spreadsheet, call: Call) -> Context:
    return Context(core.rng, f.owner, core.can_edit(f, call.caller), core.today(spreadsheet))


def _mask(call: Call):
    try:
        return parse_mask(call.q("fields"))
    except ValueError as error:
        raise invalid_argument(str(error)) from None


def _render(
    core: EmulatorCore,
    call: Call,
    f: DriveFile,
    spreadsheet: Spreadsheet,
    data_ranges: list[Bounds] | None,
    include_grid: bool,
) -> dict[str, Any]:
    mask = _mask(call)
    if mask is not None:
        # includeGridData is ignored once a mask is given: data comes back iff the mask asks for it
        include_grid = mask_selects(mask, "sheets", "data")
    out = render_spreadsheet(
        spreadsheet,
        data_ranges=data_ranges,
        include_grid=include_grid,
        only_sheets_in_ranges=data_ranges is not None,
        today=core.today(spreadsheet),
        requester_can_edit=core.can_edit(f, call.caller),
        owner_email=f.owner,
        mask=mask,
    )
    return apply_mask(out, mask)


def _sheets_get(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=False)
    ranges = call.query.get("ranges")
    data_ranges = [resolve_a1(spreadsheet, text) for text in ranges] if ranges else None
    return Response(200, _render(self, call, f, spreadsheet, data_ranges, call.flag("includeGridData")))


def _bounds_for_filter(self: EmulatorCore, spreadsheet: Spreadsheet, data_filter: dict) -> list[Bounds]:
    if data_filter.get("a1Range"):
        return [resolve_a1(spreadsheet, data_filter["a1Range"])]
    if data_filter.get("gridRange") is not None:
        return [bounds_of_grid_range(spreadsheet, data_filter["gridRange"])]
    if data_filter.get("developerMetadataLookup"):
        out = []
        for item in lookup_matches(spreadsheet, data_filter["developerMetadataLookup"]):
            location = item["location"]
            if location["locationType"] == "SHEET":
                sheet = spreadsheet.sheet_by_id(location["sheetId"])
                out.append(Bounds(sheet, 0, sheet.row_count, 0, sheet.column_count))
            elif location["locationType"] in ("ROW", "COLUMN"):
                rng = location["dimensionRange"]
                sheet = spreadsheet.sheet_by_id(rng.get("sheetId") or 0)
                if location["locationType"] == "ROW":
                    out.append(Bounds(sheet, rng["startIndex"], rng["endIndex"], 0, sheet.column_count))
                else:
                    out.append(Bounds(sheet, 0, sheet.row_count, rng["startIndex"], rng["endIndex"]))
        return out
    raise invalid_argument("Invalid dataFilter: a filter must be set.")


def _sheets_get_by_data_filter(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=False)
    body = call.body or {}
    filters = body.get("dataFilters") or []
    data_ranges = None
    if filters:
        data_ranges = []
        for data_filter in filters:
            data_ranges.extend(_bounds_for_filter(self, spreadsheet, data_filter))
    return Response(200, _render(self, call, f, spreadsheet, data_ranges, bool(body.get("includeGridData"))))


def _sheets_create(self: EmulatorCore, call: Call) -> Response:
    body = strip_nulls(call.body or {})
    props = body.get("properties") or {}
    title = props.get("title") or "Untitled spreadsheet"
    try:
        check_locale_and_zone(props)
    except RequestError as error:
        raise invalid_argument(error.message) from None
    f, spreadsheet = self.create_spreadsheet(call.caller, title)
    for key in ("locale", "timeZone", "autoRecalc"):
        if props.get(key):
            spreadsheet.properties[key] = props[key]
    if props.get("defaultFormat"):
        spreadsheet.properties["defaultFormat"] = normalize_format(props["defaultFormat"])
    sheets = body.get("sheets") or []
    if sheets:
        spreadsheet.sheets = []
        for index, sheet_body in enumerate(sheets):
            sp = sheet_body.get("properties") or {}
            grid = sp.get("gridProperties") or {}
            sheet_id = sp.get("sheetId", 0 if index == 0 else self.rng.randrange(1, 2**31 - 1))
            sheet = new_sheet(
                sheet_id,
                sp.get("title") or f"Sheet{index + 1}",
                index,
                grid.get("rowCount", 1000),
                grid.get("columnCount", 26),
            )
            for key, value in grid.items():
                sheet.properties["gridProperties"][key] = value
            for key in ("hidden", "tabColor", "tabColorStyle"):
                if key in sp:
                    sheet.properties[key] = sp[key]
            for block in sheet_body.get("data") or []:
                row0, col0 = block.get("startRow", 0), block.get("startColumn", 0)
                for r, row in enumerate(block.get("rowData") or []):
                    for c, cell in enumerate(row.get("values") or []):
                        keep = {
                            k: v
                            for k, v in cell.items()
                            if k in ("userEnteredValue", "userEnteredFormat", "note", "dataValidation")
                        }
                        if keep:
                            if "userEnteredFormat" in keep:
                                keep["userEnteredFormat"] = normalize_format(keep["userEnteredFormat"])
                            store_formula(keep, spreadsheet.properties.get("locale") or "en_US")
                            sheet.cells[(row0 + r, col0 + c)] = keep
            spreadsheet.sheets.append(sheet)
    f.name = spreadsheet.properties["title"]
    out = render_spreadsheet(
        spreadsheet,
        data_ranges=None,
        include_grid=False,
        only_sheets_in_ranges=False,
        today=self.today(spreadsheet),
        requester_can_edit=True,
        owner_email=f.owner,
    )
    return Response(200, apply_mask(out, _mask(call)))


def _sheets_batch_update(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=True)
    body = call.body or {}
    requests = body.get("requests") or []
    if not requests:
        raise invalid_argument("Must specify at least one request.")
    work = spreadsheet.clone()
    replies = apply_requests(work, requests, _sheets_ctx(self, f, work, call))
    self.spreadsheets[spreadsheet.spreadsheet_id] = work
    if work.properties["title"] != f.name:
        f.name = work.properties["title"]
    self.touch(f, call.caller)
    out: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        ranges = body.get("responseRanges")
        data_ranges = [resolve_a1(work, text) for text in ranges] if ranges else None
        out["updatedSpreadsheet"] = render_spreadsheet(
            work,
            data_ranges=data_ranges,
            include_grid=bool(body.get("responseIncludeGridData")),
            only_sheets_in_ranges=data_ranges is not None,
            today=self.today(work),
            requester_can_edit=True,
            owner_email=f.owner,
        )
    return Response(200, apply_mask(out, _mask(call)))


def _value_options(call: Call, body: dict | None = None) -> tuple[str, str, str]:
    body = body or {}
    major = call.q("majorDimension") or body.get("majorDimension") or "ROWS"
    render = call.q("valueRenderOption") or body.get("valueRenderOption") or "FORMATTED_VALUE"
    date_render = call.q("dateTimeRenderOption") or body.get("dateTimeRenderOption") or "SERIAL_NUMBER"
    if major not in ("ROWS", "COLUMNS"):
        raise invalid_argument(
            f"Invalid value at 'major_dimension' (type.googleapis.com/"
            f'google.apps.sheets.v4.Dimension), "{major}"'
        )
    return major, render, date_render


def _values_get(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=False)
    major, render, date_render = _value_options(call)
    out = get_values(spreadsheet, call.params["range"], major, render, date_render, self.today(spreadsheet))
    return Response(200, apply_mask(out, _mask(call)))


def _values_batch_get(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=False)
    major, render, date_render = _value_options(call)
    value_ranges = [
        get_values(spreadsheet, text, major, render, date_render, self.today(spreadsheet))
        for text in call.query.get("ranges", [])
    ]
    out: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
    if value_ranges:
        out["valueRanges"] = value_ranges
    return Response(200, apply_mask(out, _mask(call)))


def _values_batch_get_by_data_filter(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=False)
    body = call.body or {}
    major, render, date_render = _value_options(call, body)
    value_ranges = []
    for data_filter in body.get("dataFilters") or []:
        for bounds in _bounds_for_filter(self, spreadsheet, data_filter):
            values = read_values(spreadsheet, bounds, major, render, date_render, self.today(spreadsheet))
            value_range: dict[str, Any] = {"range": bounds.a1(), "majorDimension": major}
            if values:
                value_range["values"] = values
            value_ranges.append({"valueRange": value_range, "dataFilters": [data_filter]})
    out: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
    if value_ranges:
        out["valueRanges"] = value_ranges
    return Response(200, apply_mask(out, _mask(call)))


def _input_option(value: str | None) -> str:
    if value not in ("RAW", "USER_ENTERED"):
        raise invalid_argument("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return value


def _with_values_in_response(
    self: EmulatorCore,
    call: Call,
    spreadsheet: Spreadsheet,
    result: dict,
    include: bool,
    body: dict | None = None,
) -> dict:
    if include and result.get("updatedRange"):
        major, render, date_render = _value_options(call)
        render = (
            call.q("responseValueRenderOption")
            or (body or {}).get("responseValueRenderOption")
            or "FORMATTED_VALUE"
        )
        date_render = (
            call.q("responseDateTimeRenderOption")
            or (body or {}).get("responseDateTimeRenderOption")
            or "SERIAL_NUMBER"
        )
        result["updatedData"] = get_values(
            spreadsheet, result["updatedRange"], "ROWS", render, date_render, self.today(spreadsheet)
        )
    return result


def _values_update(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=True)
    body = call.body or {}
    option = _input_option(call.q("valueInputOption"))
    work = spreadsheet.clone()
    result = write_values(
        work, call.params["range"], body.get("values") or [], body.get("majorDimension") or "ROWS", option
    )
    self.spreadsheets[work.spreadsheet_id] = work
    self.touch(f, call.caller)
    result = _with_values_in_response(self, call, work, result, call.flag("includeValuesInResponse"))
    return Response(200, apply_mask(result, _mask(call)))


def _values_append(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=True)
    body = call.body or {}
    option = _input_option(call.q("valueInputOption"))
    insert = call.q("insertDataOption") or "OVERWRITE"
    work = spreadsheet.clone()
    result = append_values(
        work,
        call.params["range"],
        body.get("values") or [],
        body.get("majorDimension") or "ROWS",
        option,
        insert,
    )
    self.spreadsheets[work.spreadsheet_id] = work
    self.touch(f, call.caller)
    _with_values_in_response(self, call, work, result["updates"], call.flag("includeValuesInResponse"))
    return Response(200, apply_mask(result, _mask(call)))


def _values_clear(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=True)
    work = spreadsheet.clone()
    cleared = clear_values(work, call.params["range"])
    self.spreadsheets[work.spreadsheet_id] = work
    self.touch(f, call.caller)
    return Response(200, {"spreadsheetId": work.spreadsheet_id, "clearedRange": cleared})


def _values_batch_update(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=True)
    body = call.body or {}
    option = _input_option(body.get("valueInputOption"))
    work = spreadsheet.clone()
    responses = []
    for value_range in body.get("data") or []:
        result = write_values(
            work,
            value_range.get("range") or "",
            value_range.get("values") or [],
            value_range.get("majorDimension") or "ROWS",
            option,
        )
        responses.append(
            _with_values_in_response(
                self, call, work, result, bool(body.get("includeValuesInResponse")), body
            )
        )
    self.spreadsheets[work.spreadsheet_id] = work
    self.touch(f, call.caller)
    rows: set[tuple[str, int]] = set()
    cols: set[tuple[str, int]] = set()
    cells = 0
    sheets: set[str] = set()
    for result in responses:
        if not result.get("updatedCells"):
            continue
        bounds = resolve_a1(work, result["updatedRange"])
        sheets.add(bounds.sheet.title)
        rows.update((bounds.sheet.title, r) for r in range(bounds.start_row, bounds.end_row))
        cols.update((bounds.sheet.title, c) for c in range(bounds.start_col, bounds.end_col))
        cells += result["updatedCells"]
    out: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id}
    if cells:
        out.update(
            {
                "totalUpdatedRows": len(rows),
                "totalUpdatedColumns": len(cols),
                "totalUpdatedCells": cells,
                "totalUpdatedSheets": len(sheets),
            }
        )
    if responses:
        out["responses"] = responses
    return Response(200, apply_mask(out, _mask(call)))


def _values_batch_clear(self: EmulatorCore, call: Call) -> Response:
    f, spreadsheet = self.sheet_for(call, write=True)
    work = spreadsheet.clone()
    cleared = [clear_values(work, text) for text in (call.body or {}).get("ranges") or []]
    self.spreadsheets[work.spreadsheet_id] = work
    self.touch(f, call.caller)
    out: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id}
    if cleared:
        out["clearedRanges"] = cleared
    return Response(200, out)


def _developer_metadata_get(self: EmulatorCore, call: Call) -> Response:
    from .sheets_model import metadata_out

    f, spreadsheet = self.sheet_for(call, write=False)
    wanted = int(call.params["metadataId"]) if call.params["metadataId"].isdigit() else -1
    for item in spreadsheet.developer_metadata:
        if item["metadataId"] == wanted:
            return Response(200, metadata_out(item))
    raise rpc_error(404, f"No developer metadata with ID: {call.params['metadataId']}")


def _developer_metadata_search(self: EmulatorCore, call: Call) -> Response:
    from .sheets_model import metadata_out

    f, spreadsheet = self.sheet_for(call, write=False)
    matched = []
    for data_filter in (call.body or {}).get("dataFilters") or []:
        if not data_filter.get("developerMetadataLookup"):
            raise invalid_argument("Only developerMetadataLookup data filters are supported by search.")
        for item in lookup_matches(spreadsheet, data_filter["developerMetadataLookup"]):
            matched.append({"developerMetadata": metadata_out(item), "dataFilters": [data_filter]})
    return Response(200, {"matchedDeveloperMetadata": matched} if matched else {})


def _unimplemented(self: EmulatorCore, call: Call) -> Response:
    raise NotImplementedByEmulator(f"{call.method} {call.path}")


# =================================================================== Docs handlers


def _docs_create(self: EmulatorCore, call: Call) -> Response:
    body = call.body or {}
    f, document = self.create_document(call.caller, body.get("title") or "Untitled document")
    return Response(200, render_document(document))


def _docs_get(self: EmulatorCore, call: Call) -> Response:
    f, document = self.doc_for(call, write=False)
    return Response(200, apply_mask(render_document(document), _mask(call)))


def _docs_batch_update(self: EmulatorCore, call: Call) -> Response:
    f, document = self.doc_for(call, write=True)
    body = call.body or {}
    control = body.get("writeControl") or {}
    required = control.get("requiredRevisionId")
    if required and required != document.revision_id():
        raise invalid_argument(
            f"The required revision ID '{required}' does not match the latest revision of the document."
        )
    requests = body.get("requests") or []
    if not requests:
        raise invalid_argument("Must specify at least one request.")
    work = copy.deepcopy(document)
    counter = len(work.lists)

    def new_list_id() -> str:
        nonlocal counter
        counter += 1
        return f"kix.emu{counter:06d}"

    replies = apply_document_requests(work, requests, new_list_id)
    work.revision += 1
    self.documents[document.document_id] = work
    self.touch(f, call.caller)
    return Response(
        200,
        {
            "documentId": work.document_id,
            "replies": replies,
            "writeControl": {"requiredRevisionId": work.revision_id()},
        },
    )


# =================================================================== Drive handlers

DEFAULT_FILE_FIELDS = "kind,id,name,mimeType"


def _file_out(self: EmulatorCore, call: Call, f: DriveFile, default: str = DEFAULT_FILE_FIELDS) -> dict:
    return apply_mask(self.resource(f, call), parse_mask(call.q("fields") or default))


def supports_all_drives(call: Call) -> bool:
    return call.flag("supportsAllDrives") or call.flag("supportsTeamDrives")


def _drive_fields_mask(call: Call, default: str):
    try:
        return parse_mask(call.q("fields") or default)
    except ValueError:
        raise drive_error(
            400, f"Invalid field selection {call.q('fields')}", "invalidParameter", "fields"
        ) from None


def _apply_app_properties(f: DriveFile, client: str, values: dict | None) -> None:
    if values is None:
        return
    current = merged_app_properties(f.app_properties.get(client, {}), values)
    if current:
        f.app_properties[client] = current
    else:
        f.app_properties.pop(client, None)


def merged_app_properties(before: dict[str, str], values: dict) -> dict[str, str]:
    """``before`` with ``values`` set (None removes a key), within Drive's limits (else its 403)."""
    check_property_sizes(values)
    current = dict(before)
    for key, value in values.items():
        if value is None:
            current.pop(key, None)
        else:
            current[key] = str(value)
    if len(current) > APP_PROPERTIES_PER_APP:
        # the documented limit; the reason and wording of Google's answer are not recorded
        raise drive_error(
            403,
            f"A file may have at most {APP_PROPERTIES_PER_APP} private properties from one application.",
            "propertyCountLimitExceeded",
        )
    return current


def check_property_sizes(values: dict) -> None:
    """Drive refuses a property whose key and value take more than 124 bytes in UTF-8 (with 403)."""
    for key, value in values.items():
        if value is not None and len(str(key).encode()) + len(str(value).encode()) > PROPERTY_BYTES:
            raise drive_error(
                403,
                "Properties and app properties are limited to 124 bytes in UTF-8 encoding, counting both the key "
                "and the value.",
                "propertyLengthLimitExceeded",
            )


def _apply_properties(f: DriveFile, values: dict | None) -> None:
    check_property_sizes(values or {})
    for key, value in (values or {}).items():
        if value is None:
            f.properties.pop(key, None)
        else:
            f.properties[key] = str(value)


def _parse_multipart_related(raw: bytes, content_type: str) -> tuple[dict, bytes, str]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise drive_error(400, "Malformed multipart body.", "badContent")
    boundary = match.group(1).encode()
    parts = [p for p in raw.split(b"--" + boundary) if p.strip() not in (b"", b"--")]
    metadata: dict = {}
    media = b""
    media_type = "application/octet-stream"
    for index, part in enumerate(parts):
        head, payload = _split_part(part)
        head_text = head.decode("latin-1").lower()
        if index == 0 and "json" in head_text:
            metadata = json.loads(payload.decode("utf-8") or "{}")
        else:
            media = payload
            found = re.search(r"content-type:\s*([^\r\n;]+)", head_text)
            if found:
                media_type = found.group(1).strip()
    return metadata, media, media_type


def _split_part(part: bytes) -> tuple[bytes, bytes]:
    """Headers and body of one multipart part, the body byte for byte: only the one line break
    before the next delimiter is dropped (it belongs to the delimiter, RFC 2046), so binary
    content that ends in CR or LF survives. Parts use CRLF or bare LF, as the sender chose."""
    for eol in (b"\r\n", b"\n"):
        if part.startswith(eol):
            part = part[len(eol):]
            break
    crlf, lf = part.find(b"\r\n\r\n"), part.find(b"\n\n")
    eol = b"\r\n" if crlf != -1 and (lf == -1 or crlf < lf) else b"\n"
    head, _, payload = part.partition(eol + eol)
    return head, payload[: -len(eol)] if payload.endswith(eol) else payload


def _csv_into_spreadsheet(spreadsheet: Spreadsheet, text: str, title: str) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    sheet = new_sheet(0, title, 0, max(len(rows), 1000), max(26, max((len(r) for r in rows), default=0)))
    from .cellvalues import parse_user_entered

    for r, row in enumerate(rows):
        for c, text_value in enumerate(row):
            value, fmt = parse_user_entered(text_value, spreadsheet.properties.get("locale", "en_US"))
            if value is not None:
                cell: dict[str, Any] = {"userEnteredValue": value}
                if fmt:
                    cell["userEnteredFormat"] = {"numberFormat": fmt}
                sheet.cells[(r, c)] = cell
    spreadsheet.sheets = [sheet]


def _create_from_metadata(
    self: EmulatorCore, call: Call, metadata: dict, media: bytes | None, media_type: str | None
) -> DriveFile:
    metadata = metadata or {}
    mime_type = metadata.get("mimeType") or media_type or "application/octet-stream"
    name = metadata.get("name")
    parents = metadata.get("parents")
    merged_app_properties({}, metadata.get("appProperties") or {})
    check_property_sizes(metadata.get("properties") or {})
    if parents and len(parents) > 1:
        raise drive_error(403, "Increasing the number of parents is not allowed.", "cannotAddParent")
    drive_id = None
    for parent in parents or []:
        if parent != "root" and not parent.startswith("root-"):
            # as Drive: a folder the caller cannot see is not found; one it may only read refuses
            folder = self.drive_file(call, parent) if parent in self.files else None
            if folder is None:
                raise drive_not_found(parent)
            if not self.can_edit(folder, call.caller):
                raise drive_forbidden()
            drive_id = folder.drive_id
    if mime_type == SPREADSHEET_MIME:
        f, spreadsheet = self.create_spreadsheet(call.caller, name or "Untitled spreadsheet", parents=parents)
        if media:
            _csv_into_spreadsheet(spreadsheet, media.decode("utf-8", "replace"), f.name)
    elif mime_type == DOCUMENT_MIME:
        f, document = self.create_document(call.caller, name or "Untitled document", parents=parents)
        if media:
            from .docs_model import insert_text

            insert_text(document, 1, media.decode("utf-8", "replace").rstrip("\n"))
    else:
        f = self.add_file(name or "Untitled", mime_type, call.caller, parents=parents, content=media or b"")
    if drive_id:
        _into_shared_drive(f, drive_id)
    _apply_app_properties(f, call.caller.client, metadata.get("appProperties"))
    _apply_properties(f, metadata.get("properties"))
    if metadata.get("description"):
        f.description = metadata["description"]
    if metadata.get("starred"):
        f.starred = True
    return f


def _into_shared_drive(f: DriveFile, drive_id: str) -> None:
    """Files in a Shared Drive belong to the drive: no owner permission, access by membership."""
    f.drive_id = drive_id
    f.permissions = [p for p in f.permissions if p.role != "owner"]


def _drive_files_create(self: EmulatorCore, call: Call) -> Response:
    f = _create_from_metadata(self, call, call.body or {}, None, None)
    return Response(200, _file_out(self, call, f))


def _drive_upload_create(self: EmulatorCore, call: Call) -> Response:
    upload_type = call.q("uploadType") or "media"
    content_type = call.headers.get("content-type", "application/octet-stream")
    if upload_type == "multipart":
        metadata, media, media_type = _parse_multipart_related(call.raw_body, content_type)
    elif upload_type == "media":
        metadata, media, media_type = {}, call.raw_body, content_type
    else:
        raise NotImplementedByEmulator(f"uploadType={upload_type}")
    f = _create_from_metadata(self, call, metadata, media, media_type)
    return Response(200, _file_out(self, call, f))


def _drive_files_get(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    if call.q("alt") == "media":
        if f.mime_type.startswith(GOOGLE_MIME_PREFIX):
            raise drive_error(
                403,
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                "fileNotDownloadable",
                "alt",
            )
        return Response(200, f.content, f.mime_type)
    _drive_fields_mask(call, DEFAULT_FILE_FIELDS)
    return Response(200, _file_out(self, call, f))


def _drive_files_list(self: EmulatorCore, call: Call) -> Response:
    try:
        predicate = compile_query(call.q("q"))
    except QueryError:
        raise drive_error(400, "Invalid Value", "invalid", "q") from None
    page_size = int(call.q("pageSize") or 100)
    if not 1 <= page_size <= 1000:
        raise drive_error(
            400,
            f"Invalid value '{page_size}'. Values must be within the range: [1, 1000]",
            "invalid",
            "pageSize",
        )
    all_drives = supports_all_drives(call) and (
        call.flag("includeItemsFromAllDrives") or call.flag("includeTeamDriveItems")
    )
    indexed_before = self.clock.datetime() - dt.timedelta(seconds=self.search_lag_s)
    visible = [
        f
        for f in self.files.values()
        if self.visible(f, call.caller, "drive")
        and f.file_id != f.drive_id
        and (all_drives or not f.drive_id)
        and (not self.search_lag_s or f.created_time <= indexed_before)
        and predicate(query_view(f, call.caller.client, call.caller.principal))
    ]
    order = call.q("orderBy")
    if order:
        for clause in reversed([c.strip() for c in order.split(",") if c.strip()]):
            key, _, direction = clause.partition(" ")
            attribute = {
                "modifiedTime": "modified_time",
                "createdTime": "created_time",
                "name": "name",
                "name_natural": "name",
                "folder": "mime_type",
            }.get(key)
            if attribute is None:
                raise drive_error(400, "Invalid Value", "invalid", "orderBy")
            visible.sort(key=lambda f, a=attribute: getattr(f, a), reverse=direction.lower() == "desc")
    else:
        visible.sort(key=lambda f: (f.created_time, f.file_id), reverse=True)
    offset = 0
    token = call.q("pageToken")
    if token:
        try:
            offset = int(token.rsplit("~", 1)[1])
        except (IndexError, ValueError):
            raise drive_error(400, "Invalid Value", "invalid", "pageToken") from None
    page = visible[offset : offset + page_size]
    out: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False}
    if offset + page_size < len(visible):
        out["nextPageToken"] = f"emu~{offset + page_size}"
    full_files = [self.resource(f, call) for f in page]
    out["files"] = full_files
    mask = _drive_fields_mask(call, "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)")
    return Response(200, apply_mask(out, mask))


def _drive_files_update(self: EmulatorCore, call: Call) -> Response:
    return _update_file(self, call, call.body or {}, None)


def _drive_upload_update(self: EmulatorCore, call: Call) -> Response:
    content_type = call.headers.get("content-type", "application/octet-stream")
    if (call.q("uploadType") or "media") == "multipart":
        metadata, media, _ = _parse_multipart_related(call.raw_body, content_type)
    else:
        metadata, media = {}, call.raw_body
    return _update_file(self, call, metadata, media)


def _update_file(self: EmulatorCore, call: Call, metadata: dict, media: bytes | None) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    if not self.can_edit(f, call.caller):
        raise drive_forbidden(f"The user does not have sufficient permissions for file {f.file_id}.")
    if metadata.get("trashed") is not None and not self.may_trash(f, call.caller):
        raise drive_forbidden()
    merged_app_properties(f.app_properties.get(call.caller.client, {}), metadata.get("appProperties") or {})
    check_property_sizes(metadata.get("properties") or {})
    if metadata.get("name") is not None:
        f.name = metadata["name"]
        if f.file_id in self.spreadsheets:
            self.spreadsheets[f.file_id].properties["title"] = f.name
        if f.file_id in self.documents:
            self.documents[f.file_id].title = f.name
    _apply_app_properties(f, call.caller.client, metadata.get("appProperties"))
    _apply_properties(f, metadata.get("properties"))
    for key, attribute in (("description", "description"), ("starred", "starred"), ("trashed", "trashed")):
        if metadata.get(key) is not None:
            setattr(f, attribute, metadata[key])
    remove = [p for p in (call.q("removeParents") or "").split(",") if p]
    add = [p for p in (call.q("addParents") or "").split(",") if p]
    for parent in add:
        if parent not in self.files and not parent.startswith("root"):
            raise drive_not_found(parent)
    f.parents = [p for p in f.parents if p not in remove] + [p for p in add if p not in f.parents]
    if media is not None:
        if f.file_id in self.spreadsheets:
            _csv_into_spreadsheet(self.spreadsheets[f.file_id], media.decode("utf-8", "replace"), f.name)
        else:
            f.content = media
    self.touch(f, call.caller)
    return Response(200, _file_out(self, call, f))


def _drive_files_delete(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    if not self.may_delete(f, call.caller):
        raise drive_forbidden(f"The user does not have sufficient permissions for file {f.file_id}.")
    self._delete_file(f)
    return Response(204, None, "text/html")


def _delete_file(self: EmulatorCore, f: DriveFile) -> None:
    for child in [c for c in self.files.values() if f.file_id in c.parents]:
        self._delete_file(child)
    self.files.pop(f.file_id, None)
    self.spreadsheets.pop(f.file_id, None)
    self.documents.pop(f.file_id, None)
    self.deleted.add(f.file_id)
    self.record_change(f.file_id, removed=True)


def _drive_files_copy(self: EmulatorCore, call: Call) -> Response:
    source = self.drive_file(call, call.params["fileId"])
    if source.mime_type == FOLDER_MIME:
        raise drive_error(403, "This file cannot be copied by the user.", "cannotCopyFile")
    body = strip_nulls(call.body or {})
    merged_app_properties(source.app_properties.get(call.caller.client, {}), body.get("appProperties") or {})
    check_property_sizes(body.get("properties") or {})
    name = body.get("name") or f"Copy of {source.name}"
    parents = body.get("parents") or list(source.parents)
    f = self.add_file(name, source.mime_type, call.caller, parents, content=source.content)
    f.app_properties = copy.deepcopy(source.app_properties)
    f.properties = dict(source.properties)
    f.description = body.get("description", source.description)
    if source.file_id in self.spreadsheets:
        clone = self.spreadsheets[source.file_id].clone()
        clone.spreadsheet_id = f.file_id
        clone.properties["title"] = name
        self.spreadsheets[f.file_id] = clone
    if source.file_id in self.documents:
        clone_doc = copy.deepcopy(self.documents[source.file_id])
        clone_doc.document_id = f.file_id
        clone_doc.title = name
        clone_doc.revision = 1
        self.documents[f.file_id] = clone_doc
    _apply_app_properties(f, call.caller.client, body.get("appProperties"))
    _apply_properties(f, body.get("properties"))
    return Response(200, _file_out(self, call, f))


def _export_spreadsheet_text(self: EmulatorCore, spreadsheet: Spreadsheet, delimiter: str) -> str:
    import csv
    import io

    sheet = spreadsheet.sheets[0]
    rows, cols = sheet.data_extent()
    values = (
        read_values(
            spreadsheet,
            Bounds(sheet, 0, rows, 0, cols),
            "ROWS",
            "FORMATTED_VALUE",
            "FORMATTED_STRING",
            self.today(spreadsheet),
        )
        if rows
        else []
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in values:
        writer.writerow(row + [""] * (cols - len(row)))
    return buffer.getvalue().rstrip("\r\n")


def _drive_files_export(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"], all_drives_flag=False)  # files.export has no such flag
    mime = call.q("mimeType")
    if not mime:
        raise drive_error(400, "Required parameter: mimeType", "required", "mimeType")
    if not f.mime_type.startswith(GOOGLE_MIME_PREFIX) or f.mime_type == FOLDER_MIME:
        raise drive_error(403, "Export only supports Docs Editors files.", "fileNotExportable")
    if mime not in EXPORT_LINK_FORMATS.get(f.mime_type, {}):
        raise drive_error(400, "The requested conversion is not supported.", "badRequest", "convertTo")
    if mime not in EXPORT_FORMATS.get(f.mime_type, {}):
        raise NotImplementedByEmulator(f"export to {mime}")
    if f.file_id in self.spreadsheets:
        spreadsheet = self.spreadsheets[f.file_id]
        if mime == "text/csv":
            return Response(200, self._export_spreadsheet_text(spreadsheet, ",").encode(), "text/csv")
        if mime == "text/tab-separated-values":
            return Response(
                200, self._export_spreadsheet_text(spreadsheet, "\t").encode(), "text/tab-separated-values"
            )
        lines = [spreadsheet.properties["title"], ""] + self._export_spreadsheet_text(
            spreadsheet, "\t"
        ).split("\r\n")
        return Response(200, tiny_pdf(lines), "application/pdf")
    document = self.documents[f.file_id]
    text = document.plain_text()
    if mime == "text/plain":
        return Response(200, ("\ufeff" + text).encode("utf-8"), "text/plain")
    if mime == "text/html":
        import html

        body = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))
        return Response(200, f"<html><body>{body}</body></html>".encode(), "text/html")
    return Response(200, tiny_pdf([document.title, ""] + text.split("\n")), "application/pdf")


def _drive_generate_ids(self: EmulatorCore, call: Call) -> Response:
    count = int(call.q("count") or 10)
    return Response(
        200,
        {
            "kind": "drive#generatedIds",
            "space": call.q("space") or "drive",
            "ids": [self.new_id(33) for _ in range(count)],
        },
    )


def _drive_comments_list(self: EmulatorCore, call: Call) -> Response:
    self.drive_file(call, call.params["fileId"], all_drives_flag=False)
    return Response(
        200,
        apply_mask(
            {"kind": "drive#commentList", "comments": []}, parse_mask(call.q("fields") or "kind,comments")
        ),
    )


def _drive_about_get(self: EmulatorCore, call: Call) -> Response:
    out = {
        "kind": "drive#about",
        "user": user_resource(call.caller.principal, True, self.people.get(call.caller.principal, "")),
        "storageQuota": {"limit": "16106127360", "usage": "0", "usageInDrive": "0", "usageInDriveTrash": "0"},
    }
    return Response(200, apply_mask(out, parse_mask(call.q("fields") or "*")))


VALID_ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")


def _drive_permissions_create(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    if not self.can_edit(f, call.caller):
        raise drive_forbidden(f"The user does not have sufficient permissions for file {f.file_id}.")
    body = call.body or {}
    kind = body.get("type")
    role = body.get("role")
    if kind not in ("user", "group", "domain", "anyone"):
        raise drive_error(
            400,
            "The permission type field is required." if not kind else "Invalid permission type.",
            "required" if not kind else "invalid",
            "permission.type",
        )
    if role not in VALID_ROLES:
        raise drive_error(
            400,
            "The permission role field is required." if not role else "Invalid permission role.",
            "required" if not role else "invalid",
            "permission.role",
        )
    email = body.get("emailAddress")
    if kind in ("user", "group") and not email:
        raise drive_error(
            400, "The permission emailAddress field is required.", "required", "permission.emailAddress"
        )
    if kind == "domain" and not body.get("domain"):
        raise drive_error(400, "The permission domain field is required.", "required", "permission.domain")
    send = call.flag("sendNotificationEmail", default=kind in ("user", "group"))
    if kind == "user" and not send and email.rpartition("@")[2].lower() in self.no_google_account_domains:
        raise drive_error(
            400,
            f'Bad Request. User message: "You are trying to invite {email}. Since there is no Google account '
            "associated with this email address, you must check the 'Notify people' box to invite this "
            'recipient."',
            "invalidSharingRequest",
        )
    if role == "owner" and not call.flag("transferOwnership"):
        raise drive_error(
            403,
            "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
            "forbidden",
            "transferOwnership",
        )
    if kind == "anyone":
        permission_id = "anyoneWithLink" if not body.get("allowFileDiscovery") else "anyone"
    elif kind == "domain":
        permission_id = permission_id_for("domain:" + body["domain"])
    else:
        permission_id = permission_id_for(email)
    permission = Permission(
        permission_id,
        kind,
        role,
        email_address=email,
        domain=body.get("domain"),
        allow_file_discovery=body.get("allowFileDiscovery") if kind in ("anyone", "domain") else None,
    )
    f.permissions = [p for p in f.permissions if p.permission_id != permission_id or p.role == "owner"]
    f.permissions.append(permission)
    if kind in ("user", "group"):
        self.notifications.append(
            {
                "fileId": f.file_id,
                "to": email,
                "role": role,
                "sent": send,
                "message": call.q("emailMessage"),
                "from": call.caller.principal,
            }
        )
    self.touch(f, call.caller)
    return Response(
        200, apply_mask(permission.resource(), parse_mask(call.q("fields") or "kind,id,type,role"))
    )


def _drive_permissions_list(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    members = []
    if f.drive_id in self.shared_drives:  # a Shared Drive's members hold its files too (inherited)
        members = [
            Permission(permission_id_for(email), "user", role, email_address=email)
            for email, role in self.shared_drives[f.drive_id].members.items()
        ]
    out = {"kind": "drive#permissionList", "permissions": [p.resource() for p in members + f.permissions]}
    mask = parse_mask(call.q("fields") or "kind,permissions(kind,id,type,role)")
    return Response(200, apply_mask(out, mask))


def _find_permission(f: DriveFile, permission_id: str) -> Permission:
    for permission in f.permissions:
        if permission.permission_id == permission_id:
            return permission
    raise drive_error(404, f"Permission not found: {permission_id}.", "notFound", "permissionId")


def _drive_permissions_get(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    permission = _find_permission(f, call.params["permissionId"])
    return Response(
        200, apply_mask(permission.resource(), parse_mask(call.q("fields") or "kind,id,type,role"))
    )


def _drive_permissions_delete(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    if not self.can_edit(f, call.caller):
        raise drive_forbidden(f"The user does not have sufficient permissions for file {f.file_id}.")
    permission = _find_permission(f, call.params["permissionId"])
    if permission.role == "owner":
        raise drive_error(403, "The owner of a file cannot be removed.", "cannotRemoveOwner")
    f.permissions.remove(permission)
    self.touch(f, call.caller)
    return Response(204, None, "text/html")


def _drive_permissions_update(self: EmulatorCore, call: Call) -> Response:
    f = self.drive_file(call, call.params["fileId"])
    if not self.can_edit(f, call.caller):
        raise drive_forbidden(f"The user does not have sufficient permissions for file {f.file_id}.")
    permission = _find_permission(f, call.params["permissionId"])
    role = (call.body or {}).get("role")
    if role:
        if role not in VALID_ROLES:
            raise drive_error(400, "Invalid permission role.", "invalid", "permission.role")
        permission.role = role
    self.touch(f, call.caller)
    return Response(
        200, apply_mask(permission.resource(), parse_mask(call.q("fields") or "kind,id,type,role"))
    )


def _drive_changes_start(self: EmulatorCore, call: Call) -> Response:
    return Response(200, {"kind": "drive#startPageToken", "startPageToken": str(len(self.changes) + 1)})


def _drive_changes_list(self: EmulatorCore, call: Call) -> Response:
    token = call.q("pageToken")
    if not token or not token.isdigit() or int(token) < 1:
        raise drive_error(400, "Invalid Value", "invalid", "pageToken")
    start = int(token) - 1
    page_size = int(call.q("pageSize") or 100)
    include_removed = call.flag("includeRemoved", default=True)
    changes = []
    position = start
    while position < len(self.changes) and len(changes) < page_size:
        change = self.changes[position]
        position += 1
        f = self.files.get(change["fileId"])
        if change["removed"] or f is None:
            if include_removed:
                changes.append(
                    {
                        "kind": "drive#change",
                        "changeType": "file",
                        "removed": True,
                        "fileId": change["fileId"],
                        "time": rfc3339(change["time"]),
                    }
                )
            continue
        if not self.visible(f, call.caller, "drive"):
            continue
        changes.append(
            {
                "kind": "drive#change",
                "changeType": "file",
                "removed": False,
                "fileId": f.file_id,
                "time": rfc3339(change["time"]),
                "file": self.resource(f, call),
            }
        )
    out: dict[str, Any] = {"kind": "drive#changeList", "changes": changes}
    if position < len(self.changes):
        out["nextPageToken"] = str(position + 1)
    else:
        out["newStartPageToken"] = str(len(self.changes) + 1)
    mask = parse_mask(
        call.q("fields")
        or "kind,nextPageToken,newStartPageToken,changes(kind,changeType,time,removed,fileId,"
        "file(kind,id,name,mimeType))"
    )
    return Response(200, apply_mask(out, mask))


def _drive_v2_upload(self: EmulatorCore, call: Call) -> Response:
    """gspread's import_csv: PUT /upload/drive/v2/files/{id}?uploadType=media&convert=True."""
    f = self.drive_file(call, call.params["fileId"])
    if not self.can_edit(f, call.caller):
        raise drive_forbidden(f"The user does not have sufficient permissions for file {f.file_id}.")
    if f.file_id in self.spreadsheets:
        _csv_into_spreadsheet(self.spreadsheets[f.file_id], call.raw_body.decode("utf-8", "replace"), f.name)
    else:
        f.content = call.raw_body
    self.touch(f, call.caller)
    owner = user_resource(f.owner, True)
    v2_user = {
        "displayName": f.owner,
        "kind": "drive#user",
        "isAuthenticatedUser": True,
        "permissionId": owner["permissionId"],
        "emailAddress": f.owner,
        "picture": {"url": owner["photoLink"]},
    }
    # The upload's caller is now the file's last modifying user, shown by their profile name.
    editor = user_resource(call.caller.principal, True, self.people.get(call.caller.principal, ""))
    v2_editor = {**v2_user, "displayName": editor["displayName"], "permissionId": editor["permissionId"],
                 "emailAddress": call.caller.principal}
    api = "https://www.googleapis.com/drive/v2/files/"
    return Response(
        200,
        {
            "kind": "drive#file",
            "userPermission": {
                "id": "me",
                "type": "user",
                "role": "owner",
                "kind": "drive#permission",
                "selfLink": f"{api}{f.file_id}/permissions/me",
                "etag": f'"{f.version}"',
                "pendingOwner": False,
            },
            "selfLink": api + f.file_id,
            "ownerNames": [f.owner],
            "lastModifyingUserName": v2_editor["displayName"],
            "editable": True,
            "writersCanShare": True,
            "mimeType": f.mime_type,
            "exportLinks": {
                m: f"https://docs.google.com/spreadsheets/export?id={f.file_id}&exportFormat={e}"
                for m, e in EXPORT_LINK_FORMATS.get(f.mime_type, {}).items()
            },
            "parents": [
                {
                    "selfLink": f"{api}{f.file_id}/parents/{p}",
                    "id": p,
                    "isRoot": p.startswith("root"),
                    "kind": "drive#parentReference",
                    "parentLink": api + p,
                }
                for p in f.parents
            ],
            "thumbnailLink": f"https://docs.google.com/feeds/vt?id={f.file_id}",
            "appDataContents": False,
            "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{f.mime_type}",
            "shared": False,
            "lastModifyingUser": v2_editor,
            "owners": [v2_user],
            "copyable": True,
            "etag": f'"{f.version}"',
            "alternateLink": f"https://docs.google.com/spreadsheets/d/{f.file_id}/edit?usp=drivesdk",
            "embedLink": f"https://docs.google.com/spreadsheets/d/{f.file_id}/htmlembed",
            "fileSize": str(len(call.raw_body)),
            "copyRequiresWriterPermission": False,
            "spaces": ["drive"],
            "id": f.file_id,
            "title": f.name,
            "labels": {
                "viewed": True,
                "restricted": False,
                "starred": f.starred,
                "hidden": False,
                "trashed": f.trashed,
            },
            "explicitlyTrashed": f.trashed,
            "createdDate": rfc3339(f.created_time),
            "modifiedDate": rfc3339(f.modified_time),
            "modifiedByMeDate": rfc3339(f.modified_time),
            "lastViewedByMeDate": rfc3339(f.modified_time),
            "markedViewedByMeDate": "1970-01-01T00:00:00.000Z",
            "quotaBytesUsed": str(len(call.raw_body)),
            "version": str(f.version),
            "capabilities": {"canEdit": True, "canCopy": True},
        },
    )


# attach handlers to the core and register the routes --------------------------------------------

_SS = r"/v4/spreadsheets/(?P<spreadsheetId>[^/:]+)"
_DRIVE = r"/drive/v3"
_ROUTE_TABLE = [
    ("POST", r"/v4/spreadsheets", "sheets.spreadsheets.create", _sheets_create),
    ("GET", _SS, "sheets.spreadsheets.get", _sheets_get),
    ("POST", _SS + r":getByDataFilter", "sheets.spreadsheets.getByDataFilter", _sheets_get_by_data_filter),
    ("POST", _SS + r":batchUpdate", "sheets.spreadsheets.batchUpdate", _sheets_batch_update),
    ("GET", _SS + r"/values:batchGet", "sheets.spreadsheets.values.batchGet", _values_batch_get),
    (
        "POST",
        _SS + r"/values:batchGetByDataFilter",
        "sheets.spreadsheets.values.batchGetByDataFilter",
        _values_batch_get_by_data_filter,
    ),
    ("POST", _SS + r"/values:batchUpdate", "sheets.spreadsheets.values.batchUpdate", _values_batch_update),
    ("POST", _SS + r"/values:batchClear", "sheets.spreadsheets.values.batchClear", _values_batch_clear),
    (
        "POST",
        _SS + r"/values:batchUpdateByDataFilter",
        "sheets.spreadsheets.values.batchUpdateByDataFilter",
        _unimplemented,
    ),
    (
        "POST",
        _SS + r"/values:batchClearByDataFilter",
        "sheets.spreadsheets.values.batchClearByDataFilter",
        _unimplemented,
    ),
    ("POST", _SS + r"/values/(?P<range>.+):append", "sheets.spreadsheets.values.append", _values_append),
    ("POST", _SS + r"/values/(?P<range>.+):clear", "sheets.spreadsheets.values.clear", _values_clear),
    ("GET", _SS + r"/values/(?P<range>.+)", "sheets.spreadsheets.values.get", _values_get),
    ("PUT", _SS + r"/values/(?P<range>.+)", "sheets.spreadsheets.values.update", _values_update),
    (
        "GET",
        _SS + r"/developerMetadata/(?P<metadataId>[^/:]+)",
        "sheets.spreadsheets.developerMetadata.get",
        _developer_metadata_get,
    ),
    (
        "POST",
        _SS + r"/developerMetadata:search",
        "sheets.spreadsheets.developerMetadata.search",
        _developer_metadata_search,
    ),
    (
        "POST",
        _SS + r"/sheets/(?P<sheetId>[^/:]+):copyTo",
        "sheets.spreadsheets.sheets.copyTo",
        _unimplemented,
    ),
    ("POST", r"/v1/documents", "docs.documents.create", _docs_create),
    ("GET", r"/v1/documents/(?P<documentId>[^/:]+)", "docs.documents.get", _docs_get),
    (
        "POST",
        r"/v1/documents/(?P<documentId>[^/:]+):batchUpdate",
        "docs.documents.batchUpdate",
        _docs_batch_update,
    ),
    ("GET", _DRIVE + r"/files", "drive.files.list", _drive_files_list),
    ("POST", _DRIVE + r"/files", "drive.files.create", _drive_files_create),
    ("GET", _DRIVE + r"/files/generateIds", "drive.files.generateIds", _drive_generate_ids),
    ("GET", _DRIVE + r"/files/(?P<fileId>[^/]+)", "drive.files.get", _drive_files_get),
    ("PATCH", _DRIVE + r"/files/(?P<fileId>[^/]+)", "drive.files.update", _drive_files_update),
    ("DELETE", _DRIVE + r"/files/(?P<fileId>[^/]+)", "drive.files.delete", _drive_files_delete),
    ("POST", _DRIVE + r"/files/(?P<fileId>[^/]+)/copy", "drive.files.copy", _drive_files_copy),
    ("GET", _DRIVE + r"/files/(?P<fileId>[^/]+)/export", "drive.files.export", _drive_files_export),
    ("GET", _DRIVE + r"/files/(?P<fileId>[^/]+)/comments", "drive.comments.list", _drive_comments_list),
    (
        "POST",
        _DRIVE + r"/files/(?P<fileId>[^/]+)/permissions",
        "drive.permissions.create",
        _drive_permissions_create,
    ),
    (
        "GET",
        _DRIVE + r"/files/(?P<fileId>[^/]+)/permissions",
        "drive.permissions.list",
        _drive_permissions_list,
    ),
    (
        "GET",
        _DRIVE + r"/files/(?P<fileId>[^/]+)/permissions/(?P<permissionId>[^/]+)",
        "drive.permissions.get",
        _drive_permissions_get,
    ),
    (
        "DELETE",
        _DRIVE + r"/files/(?P<fileId>[^/]+)/permissions/(?P<permissionId>[^/]+)",
        "drive.permissions.delete",
        _drive_permissions_delete,
    ),
    (
        "PATCH",
        _DRIVE + r"/files/(?P<fileId>[^/]+)/permissions/(?P<permissionId>[^/]+)",
        "drive.permissions.update",
        _drive_permissions_update,
    ),
    ("GET", _DRIVE + r"/changes/startPageToken", "drive.changes.getStartPageToken", _drive_changes_start),
    ("GET", _DRIVE + r"/changes", "drive.changes.list", _drive_changes_list),
    ("GET", _DRIVE + r"/about", "drive.about.get", _drive_about_get),
    ("POST", r"/upload/drive/v3/files", "drive.files.create", _drive_upload_create),
    ("PATCH", r"/upload/drive/v3/files/(?P<fileId>[^/]+)", "drive.files.update", _drive_upload_update),
    ("PUT", r"/upload/drive/v2/files/(?P<fileId>[^/]+)", None, _drive_v2_upload),
]

for _method, _pattern, _method_id, _function in _ROUTE_TABLE:
    setattr(EmulatorCore, _function.__name__, _function)
    ROUTES.append((_method, re.compile("^" + _pattern + "$"), _method_id, _function.__name__))

EmulatorCore._delete_file = _delete_file
EmulatorCore._export_spreadsheet_text = _export_spreadsheet_text
