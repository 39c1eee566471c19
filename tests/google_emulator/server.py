"""The HTTP side: a threaded loopback server, the JSON-lines log, latency, faults, batch, test hooks."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import socket
import struct
import threading
import time
import urllib.parse
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .auth import ANONYMOUS
from .core import EmulatorCore, Response
from .errors import ApiError, injected_fault
from .sheets_model import Bounds, read_values

STATUS_TEXT = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class RequestLog:
    """Entries in memory and, optionally, appended to a JSON-lines file flushed per line."""

    def __init__(self, path: str | None):
        self.lock = threading.Lock()
        self.entries: list[dict[str, Any]] = []
        self.handle = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115

    def write(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.entries.append(entry)
            if self.handle:
                self.handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
                self.handle.flush()

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def close(self) -> None:
        if self.handle:
            self.handle.close()


class FaultInjector:
    """Seeded: the same seed and the same request order give the same faults."""

    def __init__(self, rate: float, seed: int):
        self.rate = rate
        self.seed = seed
        self.lock = threading.Lock()
        self.rng = random.Random(seed)

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self.seed)

    def draw(self) -> str | None:
        if self.rate <= 0:
            return None
        with self.lock:
            if self.rng.random() >= self.rate:
                return None
            return self.rng.choice(["500", "503", "reset"])


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, port: int, core: EmulatorCore, log: RequestLog, faults: FaultInjector, latency_ms: float
    ):
        super().__init__(("127.0.0.1", port), Handler)
        self.core = core
        self.log = log
        self.faults = faults
        self.latency_ms = latency_ms
        self.batch_counter = 0
        self.batch_lock = threading.Lock()


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def pretty_print(query: dict[str, list[str]]) -> bool:
    """Google's standard ``prettyPrint`` parameter: JSON answers are indented unless it is false."""
    values = query.get("prettyPrint")
    return not values or values[0].strip().lower() not in ("false", "0")


def _encode(response: Response, pretty: bool = True) -> tuple[bytes, str]:
    """The answer's bytes as Google sends them: indented by two spaces by default, on one line with
    ``prettyPrint=false`` (the pretty form costs json.dumps its pure-Python encoder: clients that
    move big answers, as mapws does, ask for the compact one)."""
    if response.body is None:
        return b"", response.content_type
    if isinstance(response.body, bytes):
        return response.body, response.content_type
    if pretty:
        return json.dumps(response.body, ensure_ascii=False, indent=2).encode("utf-8"), response.content_type
    return json.dumps(response.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), \
        response.content_type


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header on the emulated clock: Google stamps answers and modifiedTime alike."""
        from email.utils import formatdate

        return formatdate(self.server.core.clock.now() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self) -> None:
        self.handle_any()

    def do_POST(self) -> None:
        self.handle_any()

    def do_PUT(self) -> None:
        self.handle_any()

    def do_PATCH(self) -> None:
        self.handle_any()

    def do_DELETE(self) -> None:
        self.handle_any()

    # --------------------------------------------------------------------------------------------

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status, STATUS_TEXT.get(status))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def reset_connection(self) -> None:
        """Close with RST so the client sees a connection reset, not a clean EOF."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def handle_any(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        raw = self.read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        server = self.server
        core = server.core
        if path.startswith("/__emulator/"):
            self.handle_test_hook(path, raw)
            return
        if path == "/token" and self.command == "POST":
            try:
                body = core.tokens.token_endpoint(raw, core.base_url + "/token", headers.get("authorization"))
                status = 200
            except ApiError as error:
                body, status = error.body, error.status
            principal = ANONYMOUS
            if status == 200:
                caller = core.tokens.access.get(body["access_token"])
                principal = caller.principal if caller else ANONYMOUS
            server.log.write(
                {
                    "ts": _now_iso(),
                    "principal": principal,
                    "method": "POST",
                    "path": "/token",
                    "query": query,
                    "body": None,
                    "status": status,
                }
            )
            self.send(status, json.dumps(body).encode(), "application/json; charset=utf-8")
            return
        entry: dict[str, Any] = {
            "ts": _now_iso(),
            "principal": ANONYMOUS,
            "method": self.command,
            "path": path,
            "query": query,
            "body": None,
            "status": None,
        }
        fault = server.faults.draw()
        if fault:
            entry["fault"] = "connection_reset" if fault == "reset" else f"http_{fault}"
            caller = core.tokens.caller_for(headers.get("authorization"))
            entry["principal"] = caller.principal if caller else ANONYMOUS
            entry["body"] = _json_or_none(raw)
            if fault == "reset":
                entry["status"] = 0
                server.log.write(entry)
                self.reset_connection()
                return
            error = injected_fault(int(fault))
            entry["status"] = error.status
            server.log.write(entry)
            self.send(error.status, json.dumps(error.body).encode(), "application/json; charset=UTF-8")
            return
        if server.latency_ms:
            time.sleep(server.latency_ms / 1000)
        if path == "/batch/drive/v3" and self.command == "POST":
            self.handle_batch(raw, headers, entry)
            return
        response = dispatch_safely(core, self.command, path, query, raw, headers, entry)
        entry["status"] = response.status
        body, content_type = _encode(response, pretty_print(query))
        entry["request_bytes"], entry["response_bytes"] = len(raw), len(body)
        server.log.write(entry)
        if response.status == 0:  # the answer is lost (core.lose_answer): the client sees the connection drop
            self.reset_connection()
            return
        self.send(response.status, body, content_type, response.headers)

    # -------------------------------------------------------------------------------- batch

    def handle_batch(self, raw: bytes, headers: dict[str, str], envelope: dict[str, Any]) -> None:
        server = self.server
        with server.batch_lock:
            server.batch_counter += 1
            batch_id = f"batch-{server.batch_counter}"
        content_type = headers.get("content-type", "")
        message = BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        if not message.is_multipart():
            envelope["status"] = 400
            server.log.write(envelope)
            self.send(
                400,
                b'{"error":{"code":400,"message":"Batch requests must be multipart/mixed."}}',
                "application/json",
            )
            return
        outer_auth = headers.get("authorization")
        parts_out = []
        inner_count = 0
        for part in message.get_payload():
            content_id = part.get("Content-ID", "")
            payload = part.get_payload(decode=True) or b""
            head, _, body = payload.replace(b"\r\n", b"\n").partition(b"\n\n")
            lines = head.decode("utf-8").split("\n")
            request_line = lines[0].strip()
            method, target, *_ = request_line.split(" ")
            inner_headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, _, value = line.partition(":")
                    inner_headers[key.strip().lower()] = value.strip()
            if "authorization" not in inner_headers and outer_auth:
                inner_headers["authorization"] = outer_auth
            body = body.rstrip(b"\n") if body else b""
            split = urllib.parse.urlsplit(target)
            inner_query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
            entry: dict[str, Any] = {
                "ts": _now_iso(),
                "principal": ANONYMOUS,
                "method": method,
                "path": split.path,
                "query": inner_query,
                "body": None,
                "status": None,
                "batch": batch_id,
            }
            response = dispatch_safely(
                server.core, method, split.path, inner_query, body, inner_headers, entry
            )
            entry["status"] = response.status
            response_body, response_type = _encode(response, pretty_print(inner_query))
            entry["request_bytes"], entry["response_bytes"] = len(body), len(response_body)
            server.log.write(entry)
            inner_count += 1
            inner_id = content_id.strip("<>")
            http_text = (
                f"HTTP/1.1 {response.status} {STATUS_TEXT.get(response.status, 'OK')}\r\n"
                f"Content-Type: {response_type}\r\n\r\n"
            ).encode() + response_body
            parts_out.append((f"<response-{inner_id}>", http_text))
        boundary = f"batch_emu_{batch_id}"
        chunks = []
        for content_id, http_text in parts_out:
            chunks.append(
                f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: {content_id}\r\n\r\n".encode()
                + http_text
                + b"\r\n"
            )
        chunks.append(f"--{boundary}--\r\n".encode())
        envelope["status"] = 200
        envelope["batch"] = batch_id
        envelope["batch_size"] = inner_count
        server.log.write(envelope)
        self.send(200, b"".join(chunks), f"multipart/mixed; boundary={boundary}")

    # -------------------------------------------------------------------------------- test hooks

    def handle_test_hook(self, path: str, raw: bytes) -> None:
        core = self.server.core
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            self.send(400, b'{"error":"invalid json"}', "application/json")
            return
        if path == "/__emulator/reset" and self.command == "POST":
            reset_all(self.server)
            self.send(200, b"{}", "application/json")
        elif path == "/__emulator/state" and self.command == "GET":
            with core.lock:
                state = snapshot(core)
            self.send(200, json.dumps(state, default=str).encode(), "application/json")
        elif path == "/__emulator/hooks/after-read" and self.command == "POST":
            spreadsheet_id = body.get("spreadsheetId")
            requests = body.get("requests")
            if not spreadsheet_id or not isinstance(requests, list):
                self.send(400, b'{"error":"spreadsheetId and requests are required"}', "application/json")
                return
            with core.lock:
                core.after_read_hooks.setdefault(spreadsheet_id, __import__("collections").deque()).append(
                    copy.deepcopy(requests)
                )
            self.send(200, b"{}", "application/json")
        else:
            self.send(404, b'{"error":"unknown emulator hook"}', "application/json")


def dispatch_safely(
    core: EmulatorCore, method: str, path: str, query: dict, raw: bytes, headers: dict, entry: dict[str, Any]
) -> Response:
    """An emulator bug answers 500 with the traceback's last line instead of dropping the connection."""
    try:
        return core.dispatch(method, path, query, raw, headers, entry)
    except Exception as error:  # noqa: BLE001 - the boundary that keeps the server alive
        import traceback

        entry["emulator_error"] = traceback.format_exc(limit=8)
        return Response(
            500,
            {
                "error": {
                    "code": 500,
                    "status": "INTERNAL",
                    "message": f"emulator error: {type(error).__name__}: {error}",
                }
            },
        )


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None


def reset_all(server: EmulatorServer) -> None:
    server.core.reset()
    server.log.clear()
    server.faults.reset()
    with server.batch_lock:
        server.batch_counter = 0


def snapshot(core: EmulatorCore, *, spreadsheets: bool = True) -> dict[str, Any]:
    """What tests may want to assert on, without going through the APIs. Without ``spreadsheets``
    the cell values are left out (rendering them evaluates every formula of every spreadsheet)."""
    files = []
    for f in core.files.values():
        files.append(
            {
                "id": f.file_id,
                "name": f.name,
                "mimeType": f.mime_type,
                "owner": f.owner,
                "version": f.version,
                "parents": f.parents,
                "trashed": f.trashed,
                "appProperties": f.app_properties,
                "createdByClient": f.created_by_client,
                "permissions": [p.resource() for p in f.permissions],
            }
        )
    sheets_out = {}
    for spreadsheet_id, spreadsheet in core.spreadsheets.items() if spreadsheets else ():
        sheets = []
        for sheet in spreadsheet.sheets:
            rows, cols = sheet.data_extent()
            values = (
                read_values(
                    spreadsheet,
                    Bounds(sheet, 0, rows, 0, cols),
                    "ROWS",
                    "FORMATTED_VALUE",
                    "FORMATTED_STRING",
                    core.today(spreadsheet),
                )
                if rows
                else []
            )
            sheets.append(
                {
                    "sheetId": sheet.sheet_id,
                    "title": sheet.title,
                    "values": values,
                    "notes": {
                        f"{r},{c}": cell["note"] for (r, c), cell in sheet.cells.items() if cell.get("note")
                    },
                }
            )
        sheets_out[spreadsheet_id] = {"title": spreadsheet.properties["title"], "sheets": sheets}
    documents = {
        doc_id: {"title": doc.title, "text": doc.plain_text(), "revisionId": doc.revision_id()}
        for doc_id, doc in core.documents.items()
    }
    out = {
        "files": files,
        "documents": documents,
        "notifications": core.notifications,
        "changes": len(core.changes),
    }
    if spreadsheets:
        out["spreadsheets"] = sheets_out
    return out
