"""Security (issue 5, "Security"): no secret in any output, least-privilege scopes, sharing with
named people only (and only at allowed domains), nothing seller-internal in what the buyer can
open, no credentials in the repository.

Everything goes through the CLI against the loopback emulator, with credentials made here: a
throwaway RSA service-account key, and a cached user token whose refresh token and client secret
are random for each run, so any hit in the scans is a leak and not a coincidence. A guard on
``socket.connect`` fails a test that tries to reach anything but loopback.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import tomllib
import traceback
import urllib.parse
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from map_workspace.backends.google import auth
from map_workspace.cli import cli
from tests.google_emulator import Emulator
from tests.google_emulator.auth import ANONYMOUS_CALLER, oauth_error
from tests.google_emulator.clients import docs_service, drive_service, gspread_client, sheets_service
from tests.robustness import report
from tests.support.google import buyer_credentials

REPO = Path(__file__).resolve().parents[2]
ROBOT = "mapws-nightly@security-tests.iam.gserviceaccount.com"
REP = "rep@seller.example"
BUYER = "dana@acme.example"
BOSS = "boss@seller.example"
CLIENT_ID = "4711-desktop.apps.googleusercontent.com"
DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"
DRIVE = "https://www.googleapis.com/auth/drive"
FOLDER_MIME = "application/vnd.google-apps.folder"
SHEET_MIME = "application/vnd.google-apps.spreadsheet"
DOC_MIME = "application/vnd.google-apps.document"
TODAY = "2026-03-02"
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")
#: Shapes of credentials, whatever their value: an OAuth access token, a signed JWT, a PEM key.
SECRET_SHAPES = {
    "an access token (ya29.)": re.compile(rb"ya29\.[\w-]"),
    "a signed JWT": re.compile(rb"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}"),
    "a PEM private key": re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def emulator_log(tmp_path_factory) -> Path:
    """The emulator's JSON-lines request log, which the secrets scan reads like any other output."""
    return tmp_path_factory.mktemp("emulator-log") / "requests.jsonl"


@pytest.fixture(scope="module")
def running_emulator(emulator_log: Path) -> Iterator[Emulator]:
    with Emulator(seed=17, log=str(emulator_log)) as emulator:
        yield emulator


@pytest.fixture
def emulator(running_emulator: Emulator) -> Emulator:
    running_emulator.reset()
    return running_emulator


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch) -> Iterator[list[object]]:
    """Refuse, and remember, any connection or name lookup for an address other than loopback."""
    attempts: list[object] = []
    real_connect, real_lookup = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        attempts.append(address)
        if isinstance(address, tuple) and address[0] not in LOCAL_HOSTS:
            raise OSError(f"test tried to leave the machine: {address}")
        return real_connect(sock, address)

    def lookup(host, *args, **kwargs):
        attempts.append((host, "lookup"))
        if host not in LOCAL_HOSTS:
            raise OSError(f"test tried to look up a name off the machine: {host}")
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    yield attempts
    outside = [a for a in attempts if isinstance(a, tuple) and a[0] not in LOCAL_HOSTS]
    assert outside == [], f"attempts to leave the machine: {outside}"


@dataclass(frozen=True)
class KeyMaterial:
    pem: str
    der: bytes


@pytest.fixture(scope="module")
def private_key() -> KeyMaterial:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = serialization.PrivateFormat.PKCS8
    return KeyMaterial(
        key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()).decode(),
        key.private_bytes(serialization.Encoding.DER, pkcs8, serialization.NoEncryption()),
    )


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every log record of every logger at DEBUG, formatted with its exception text, as a user who
    turned logging all the way up would see it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    saved = [(lg, lg.level) for lg in loggers] + [(root, root.level)]
    detached = [lg for lg in loggers if not lg.propagate]
    logging.disable(logging.NOTSET)
    root.addHandler(handler)
    for each in [root, *loggers]:
        each.setLevel(logging.DEBUG)
    for each in detached:
        each.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for each in detached:
            each.removeHandler(handler)
        for each, level in saved:
            each.setLevel(level)


# ------------------------------------------------------------------------------------------- helpers


def write_key(directory: Path, pem: str, *, mode: int = 0o600) -> Path:
    """A service-account key shaped like Google's (its token_uri is Google's: the product must send
    the token request to the API root instead, or the loopback guard fails the test)."""
    path = directory / "sa-key.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "security-tests", "private_key_id": "throwaway",
        "private_key": pem, "client_email": ROBOT, "client_id": "1098765432",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }), encoding="utf-8")
    path.chmod(mode)
    return path


def shared_drive_folder(emulator: Emulator) -> str:
    """A Shared Drive folder the service account may add files to (the nightly-job setup)."""
    return emulator.seed_file("Sales MAPs", FOLDER_MIME, owner=BOSS, shared_with={ROBOT: "writer"},
                              app_clients=[ROBOT])


class Recorder:
    """Runs the CLI and keeps everything each run showed: stdout, stderr, the exception text."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def run(self, env: dict[str, str], *args: Any, code: int = 0) -> Result:
        words = [str(a) for a in args]
        result = CliRunner().invoke(cli, words, env=env)
        label = f"#{len(self.texts) // 3} mapws {' '.join(words)}"
        self.texts[f"{label} (stdout)"] = result.stdout
        self.texts[f"{label} (stderr)"] = result.stderr
        exc_info = result.exc_info
        shown = traceback.format_exception(*exc_info) if exc_info else []
        self.texts[f"{label} (exception)"] = "".join(shown)
        assert result.exit_code == code, (label, result.exit_code, result.output)
        return result

    def json(self, env: dict[str, str], *args: Any, code: int = 0) -> Any:
        return json.loads(self.run(env, *args, "--json", code=code).stdout)

    @property
    def all_text(self) -> str:
        return "\n".join(self.texts.values())


def buyer_edits(emulator: Emulator, plan_id: str, row: int, owner: str, status: str = "Done") -> None:
    """The buyer, in Sheets, sets one row's status and names a group as another row's owner."""
    client = gspread_client(emulator, buyer_credentials(emulator, BUYER))
    sheet = client.open_by_key(plan_id).worksheet("Plan")
    header = sheet.row_values(1)
    sheet.update_cell(row, header.index("Status") + 1, status)
    sheet.update_cell(row + 1, header.index("Owner") + 1, owner)


def drive_contents(emulator: Emulator, credentials: Any = None) -> dict[str, Any]:
    """Every file ``credentials`` can see (anonymous: every file there is) as the APIs return it:
    Drive metadata and permissions, each spreadsheet with its grid data, notes, developer metadata
    and properties, each document, and the exports a person can download."""
    drive = drive_service(emulator, credentials)
    sheets = sheets_service(emulator, credentials)
    docs = docs_service(emulator, credentials)
    files = drive.files().list(fields="*", pageSize=1000, supportsAllDrives=True,
                               includeItemsFromAllDrives=True).execute().get("files", [])
    out: dict[str, Any] = {}
    for item in files:
        file_id = item["id"]
        entry: dict[str, Any] = {
            "file": drive.files().get(fileId=file_id, fields="*", supportsAllDrives=True).execute(),
            "permissions": drive.permissions().list(fileId=file_id, fields="*",
                                                    supportsAllDrives=True).execute(),
        }
        export = drive.files().export
        if item.get("mimeType") == SHEET_MIME:
            grid = sheets.spreadsheets().get(spreadsheetId=file_id, includeGridData=True)
            entry["spreadsheet"] = grid.execute()
            entry["csv export"] = export(fileId=file_id, mimeType="text/csv").execute().decode()
        elif item.get("mimeType") == DOC_MIME:
            entry["document"] = docs.documents().get(documentId=file_id).execute()
            entry["text export"] = export(fileId=file_id, mimeType="text/plain").execute().decode()
        out[file_id] = entry
    return out


def files_under(*roots: Path, skip: tuple[Path, ...] = ()) -> dict[str, bytes]:
    """Every file under ``roots`` (bytes), except those under ``skip``."""
    found: dict[str, bytes] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not any(path == s or s in path.parents for s in skip):
                found[str(path)] = path.read_bytes()
    return found


@dataclass
class Needles:
    """The secret values a scan looks for, each in every encoding it could be written in."""

    variants: dict[str, list[bytes]] = field(default_factory=dict)

    def add(self, label: str, value: str | bytes) -> None:
        if isinstance(value, bytes):
            self.variants[label] = [value]
            return
        forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value),
                 json.dumps(value)[1:-1]}
        self.variants[label] = sorted({form.encode("utf-8") for form in forms})

    def add_key(self, key: KeyMaterial) -> None:
        """The PEM, each line of its body, and chunks of its base64 and of its raw DER bytes."""
        self.add("the private key (PEM)", key.pem)
        body = [line for line in key.pem.splitlines() if line and "PRIVATE KEY" not in line]
        for number, line in enumerate(body, 1):
            self.add(f"line {number} of the private key", line)
        flat = "".join(body)
        step = len(flat) // 6
        for start in range(0, len(flat) - 24, step):
            self.add(f"base64 of the key at {start}", flat[start:start + 24])
        for start in range(0, len(key.der) - 24, len(key.der) // 6):
            self.add(f"DER bytes of the key at {start}", key.der[start:start + 24])

    def __len__(self) -> int:
        return len(self.variants)

    def hits(self, outputs: dict[str, str | bytes]) -> list[str]:
        """``"<secret> in <where>"`` for every secret, or shape of one, found in any output."""
        found = []
        for where, content in outputs.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            found += [f"{label} in {where}" for label, forms in self.variants.items()
                      if any(form in data for form in forms)]
            found += [f"{shape} in {where}" for shape, pattern in SECRET_SHAPES.items()
                      if pattern.search(data)]
        return found


def refuse_every_token(header: str | None) -> Any:
    """The emulator's token lookup when every bearer token is refused (revoked): a 401 for all."""
    return None if header else ANONYMOUS_CALLER


def issued_tokens(emulator: Emulator) -> dict[str, Any]:
    """Every access token the emulator issued, with who holds it."""
    with emulator.core.lock:
        return dict(emulator.core.tokens.access)


def permission_requests(emulator: Emulator) -> list[dict[str, Any]]:
    return [e for e in emulator.log_entries()
            if e["method"] == "POST" and re.fullmatch(r"/drive/v3/files/[^/]+/permissions", e["path"])]


def check_sharing(emulator: Emulator, principal: str) -> int:
    """Every permission the product asked for names one user; no file is open to a link or a domain."""
    sent = [e for e in permission_requests(emulator) if e["principal"] == principal]
    bodies = [e["body"] for e in sent]
    assert bodies and all(b["type"] == "user" and "@" in b.get("emailAddress", "") for b in bodies), bodies
    assert {b["role"] for b in bodies} <= {"writer", "commenter", "reader"}
    assert not any({"domain", "allowFileDiscovery"} & set(b) for b in bodies), bodies
    wide = [(f["name"], p) for f in emulator.state(spreadsheets=False)["files"] for p in f["permissions"]
            if p["type"] in ("anyone", "domain")]
    assert wide == []
    return len(sent)


def scan(recorder: Recorder, log: io.StringIO, caught: list[warnings.WarningMessage], emulator: Emulator,
         emulator_log: Path, roots: tuple[Path, ...], skip: tuple[Path, ...]) -> dict[str, str | bytes]:
    """All output of a run: the CLI's, the log records, warnings, the emulator's request log and
    everything the product left in Drive, and every file under ``roots`` (``skip`` aside)."""
    outputs: dict[str, str | bytes] = dict(recorder.texts)
    outputs["log records at DEBUG"] = log.getvalue()
    outputs["warnings"] = "\n".join(str(w.message) for w in caught)
    outputs["the emulator's request log file"] = emulator_log.read_bytes()
    outputs["the emulator's state"] = json.dumps(emulator.state(), default=str)
    outputs["everything in Drive"] = json.dumps(drive_contents(emulator), default=str)
    outputs.update(files_under(*roots, skip=skip))
    return outputs


def subprocess_run(env: dict[str, str], *args: str) -> dict[str, str]:
    """One command in its own process (output written to the real file descriptors counts too)."""
    full_env = {**os.environ, **env, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "map_workspace", *args], env=full_env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    label = f"process mapws {' '.join(args)}"
    return {f"{label} (stdout)": done.stdout, f"{label} (stderr)": done.stderr}


# ------------------------------------------------------------------------------------------- secrets


def test_a_full_run_as_a_service_account_leaks_no_secret(emulator, emulator_log, tmp_path, monkeypatch,
                                                         private_key, debug_log):
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    key = write_key(keys, private_key.pem)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    folder = shared_drive_folder(emulator)
    env = {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
           "MAPWS_STATE": str(tmp_path / "state" / "nightly.sqlite"), "MAPWS_CREDENTIALS": str(key)}
    earlier = set(issued_tokens(emulator))  # the worker's emulator serves other tests too
    rec = Recorder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec.run(env, "auth", "check")
        assert rec.json(env, "auth", "check")["principal"] == ROBOT
        init = rec.json(env, "init", "--backend", "google", "--credentials", key, "--folder", folder,
                        "--create-folder", "MAPs", "--api-root", emulator.base_url)
        created = rec.json(env, "create", "Acme rollout", "--decision-date", "2026-06-30", "--verbose",
                           "--buyer", f"Dana Tanaka <{BUYER}>", "--seller", f"Sam Rivera <{REP}>")
        rec.run(env, "create", "Beta pilot", "--decision-date", "2026-07-31", "--commenter", "--verbose",
                "--buyer", "Lee Chen <lee@acme.example>", "--seller", f"Sam Rivera <{REP}>")
        buyer_edits(emulator, created["plan"], row=2, owner="IT team")
        rec.run(env, "sync", "acme-rollout", "--verbose", "--today", "2026-03-20")
        rec.run(env, "sync", "acme-rollout", "--dry-run", "--json", "--verbose")
        rec.run(env, "sync", "--all", "--verbose", "--quiet")
        rec.run(env, "sync", "--all", "--json", "--today", "2026-04-20")
        rec.run(env, "status", "--all", "--json")
        rec.run(env, "summary", "acme-rollout", "--pdf", "--verbose")
        rec.run(env, "share", "acme-rollout", "ann@acme.example", "--commenter")
        rec.run(env, "share", "acme-rollout", "kim@acme.example", "--dry-run", "--json")
        rec.run(env, "list", "--json")
        buyer_edits(emulator, created["plan"], row=4, owner="Procurement")

        with monkeypatch.context() as denied:  # 403: the identity may no longer change the files
            denied.setattr(emulator.core, "can_edit", lambda f, caller: False)
            rec.run(env, "sync", "acme-rollout", "--traceback", "--verbose", code=3)
            rec.run(env, "share", "acme-rollout", "eve@acme.example", "--traceback", "--json", code=3)
        with monkeypatch.context() as revoked:  # 401: every access token refused, even a fresh one
            revoked.setattr(emulator.core.tokens, "caller_for", refuse_every_token)
            rec.run(env, "auth", "check", "--traceback", code=2)
            rec.run(env, "sync", "acme-rollout", "--traceback", "--verbose", code=2)
            rec.run(env, "sync", "--all", "--json", "--traceback", code=2)

        def refuse(*_args: Any, **_kwargs: Any) -> Any:
            raise oauth_error("invalid_grant", "Invalid JWT Signature.")

        with monkeypatch.context() as disabled:  # the token endpoint refuses the key (deleted, disabled)
            disabled.setattr(emulator.core.tokens, "token_endpoint", refuse)
            rec.run(env, "auth", "check", "--traceback", code=2)
            rec.run(env, "summary", "acme-rollout", "--traceback", code=2)
        rec.run(env, "sync", "acme-rollout", "--api-root", emulator.base_url + "/no-such-root", "--traceback",
                code=2)
        rec.texts.update(subprocess_run(env, "sync", "--all", "--verbose"))

    tokens = {t: c for t, c in issued_tokens(emulator).items() if t not in earlier}  # this run's only
    needles = Needles()
    needles.add_key(private_key)
    for number, token in enumerate(tokens, 1):
        needles.add(f"access token #{number}", token)
    outputs = scan(rec, debug_log, caught, emulator, emulator_log, roots=(tmp_path, Path.home()),
                   skip=(keys,))
    leaks = needles.hits(outputs)
    report.record("secrets", group="service-account key", cases=1, secrets_scanned=len(needles),
                  outputs_scanned=len(outputs), bytes_scanned=sum(len(v) for v in outputs.values()),
                  leaks=len(leaks))
    assert leaks == []

    # The scan looked at real output: the run happened, the identity shows, the errors were met.
    everything = rec.all_text
    assert ROBOT in everything and created["url"] in everything
    assert "refused the credentials" in everything and "has no permission" in everything
    assert len(tokens) >= 5
    assert "URL being requested" in debug_log.getvalue()  # DEBUG records of the libraries were captured
    robot_calls = [e for e in emulator.log_entries() if e["principal"] == ROBOT]
    assert not [e["path"] for e in robot_calls if "USER_ENTERED" in json.dumps(e["query"])]
    # Least privilege: every token the key was used for asked for drive.file only.
    assert {frozenset(c.scopes) for c in tokens.values() if c.principal == ROBOT} == {frozenset({DRIVE_FILE})}
    # The key stays where it was put: the config names it, nothing copies it; the working folder
    # holds only the PDF the summary exported.
    assert tomllib.loads(Path(init["config"]).read_text(encoding="utf-8"))["credentials"] == str(key)
    assert sorted(p.name for p in work.iterdir()) == ["acme-rollout-summary.pdf"]
    report.record("sharing", group="full run (service account)", cases=1,
                  permission_requests_checked=check_sharing(emulator, ROBOT))


def test_a_full_run_with_a_cached_user_token_leaks_no_secret(emulator, emulator_log, tmp_path, monkeypatch,
                                                            debug_log):
    client_secret = "GOCSPX-" + secrets.token_urlsafe(21)
    refresh_token = "1//0g" + secrets.token_urlsafe(40)
    emulator.register_refresh_token(refresh_token, REP, scopes=[DRIVE_FILE])
    token_file = auth.token_path()
    auth.write_private(token_file, json.dumps({
        "refresh_token": refresh_token, "client_id": CLIENT_ID, "client_secret": client_secret,
        "account": REP,
        "token_uri": "https://oauth2.googleapis.com/token", "scopes": [DRIVE_FILE]}))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    env = {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
           "MAPWS_STATE": str(tmp_path / "state" / "nightly.sqlite")}
    earlier = set(issued_tokens(emulator))  # the worker's emulator serves other tests too
    rec = Recorder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checked = rec.json(env, "auth", "check")
        assert checked["principal"] == REP and checked["source"].startswith("cached user token")
        rec.run(env, "auth", "check")
        created = rec.json(env, "create", "Gamma deal", "--decision-date", "2026-06-30", "--verbose",
                           "--buyer", f"Dana Tanaka <{BUYER}>", "--seller", f"Sam Rivera <{REP}>")
        buyer_edits(emulator, created["plan"], row=3, owner="Legal")
        rec.run(env, "sync", "gamma-deal", "--verbose")
        rec.run(env, "sync", "--all", "--json")
        rec.run(env, "summary", "gamma-deal", "--pdf", "--json")
        rec.run(env, "share", "gamma-deal", "ann@acme.example")
        with monkeypatch.context() as revoked:
            revoked.setattr(emulator.core.tokens, "caller_for", refuse_every_token)
            rec.run(env, "sync", "gamma-deal", "--traceback", code=2)

        def refuse(*_args: Any, **_kwargs: Any) -> Any:
            raise oauth_error("invalid_grant", "Token has been expired or revoked.")

        with monkeypatch.context() as expired:
            expired.setattr(emulator.core.tokens, "token_endpoint", refuse)
            rec.run(env, "auth", "check", "--traceback", code=2)
            rec.run(env, "sync", "--all", "--json", "--traceback", code=2)
            rec.run(env, "share", "gamma-deal", "kim@acme.example", "--traceback", code=2)

    tokens = {t: c for t, c in issued_tokens(emulator).items() if t not in earlier}  # this run's only
    needles = Needles()
    needles.add("the client secret", client_secret)
    needles.add("the refresh token", refresh_token)
    basic = base64.b64encode(f"{CLIENT_ID}:{client_secret}".encode()).decode()
    needles.add("client id:secret (basic auth)", basic)
    for number, token in enumerate(tokens, 1):
        needles.add(f"access token #{number}", token)
    outputs = scan(rec, debug_log, caught, emulator, emulator_log, roots=(tmp_path, Path.home()),
                   skip=(token_file,))
    leaks = needles.hits(outputs)
    report.record("secrets", group="cached user token", cases=1, secrets_scanned=len(needles),
                  outputs_scanned=len(outputs), bytes_scanned=sum(len(v) for v in outputs.values()),
                  leaks=len(leaks))
    assert leaks == []

    everything = rec.all_text
    assert REP in everything and "Could not get an access token" in everything
    assert len(tokens) >= 3
    assert {frozenset(c.scopes) for c in tokens.values() if c.principal == REP} == {frozenset({DRIVE_FILE})}
    # The token cache: the user config dir, 0600, never the repository or the working folder, and it
    # keeps the refresh token only (no access token on disk).
    assert token_file.parent == Path(os.environ["XDG_CONFIG_HOME"]) / "mapws"
    assert REPO not in token_file.parents and work not in token_file.parents
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert set(json.loads(token_file.read_text())) >= {"refresh_token"} and "token" not in json.loads(
        token_file.read_text())
    assert sorted(p.name for p in work.iterdir()) == ["gamma-deal-summary.pdf"]
    report.record("sharing", group="full run (user token)", cases=1,
                  permission_requests_checked=check_sharing(emulator, REP))


def test_a_key_file_others_can_read_is_named_with_the_fix(emulator, tmp_path, private_key):
    key = write_key(tmp_path, private_key.pem, mode=0o644)
    env = {"MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_CREDENTIALS": str(key)}
    result = CliRunner().invoke(cli, ["auth", "check"], env=env)
    assert result.exit_code == 0, result.output
    warning = f"Warning:  {key} can be read by other users of this machine (mode 644): chmod 600 {key}"
    assert warning in result.stdout
    key.chmod(0o600)
    assert "can be read by other users" not in CliRunner().invoke(cli, ["auth", "check"], env=env).stdout


# ------------------------------------------------------------------------------------------- sharing


def refused(env: dict[str, str], *args: Any) -> dict[str, str]:
    """Run a command that must be refused as a usage error; its JSON error."""
    result = CliRunner().invoke(cli, [str(a) for a in args] + ["--json"], env=env)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ")
    return json.loads(result.stdout)["error"]


def test_allow_domain_refuses_outside_addresses_before_anything_is_created_or_shared(emulator, tmp_path,
                                                                                    private_key):
    key = write_key(tmp_path, private_key.pem)
    env = {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
           "MAPWS_STATE": str(tmp_path / "state.sqlite"), "MAPWS_CREDENTIALS": str(key),
           "MAPWS_FOLDER": shared_drive_folder(emulator)}
    files_before = len(emulator.state(spreadsheets=False)["files"])
    refusals = 0
    for extra in ([], ["--dry-run"]):
        error = refused(env, "create", "Evil deal", "--decision-date", "2026-06-30", *extra,
                        "--buyer", f"Dana Tanaka <{BUYER}>", "--buyer", "Bob Stone <bob@evil.example>",
                        "--allow-domain", "acme.example", "--allow-domain", "acme-corp.example")
        refusals += 1
        assert error["message"] == ("Not sharing with bob@evil.example: outside the allowed domains "
                                    "(acme.example, acme-corp.example).")
        assert "nothing was created or shared" in error["hint"]
    # Nothing was created, and not one request for it went out: no file, no layout, no permission.
    assert len(emulator.state(spreadsheets=False)["files"]) == files_before
    assert [e for e in emulator.log_entries() if e["method"] != "GET" and e["path"] != "/token"] == []

    created = json.loads(CliRunner().invoke(cli, [
        "create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", f"Dana Tanaka <{BUYER}>",
        "--allow-domain", "ACME.example", "--json"], env=env).stdout)
    assert created["shared_with"] == [BUYER]
    shared_before = len(permission_requests(emulator))
    outside = ["bob@evil.example", "bob@acme.example.evil.example", "bob@eu.acme.example",
               "bob@xn--acme-xyz.example", "bob@acme.example.",
               "bob@acmе.example"]  # a Cyrillic "е" in "acme"
    only_acme = ("--allow-domain", "acme.example")
    for address in outside:
        error = refused(env, "share", "acme-rollout", "ann@acme.example", address, *only_acme)
        refusals += 1
        assert error["message"] == f"Not sharing with {address}: outside the allowed domains (acme.example)."
    for not_an_address in ("bob@acme-example", "bob@acme.example@evil.example"):
        error = refused(env, "share", "acme-rollout", not_an_address, *only_acme)
        refusals += 1
        assert not_an_address in error["message"]
    error = refused(env, "share", "acme-rollout", "bob@evil.example", "--dry-run", *only_acme)
    refusals += 1
    assert "bob@evil.example" in error["message"]
    assert len(permission_requests(emulator)) == shared_before  # not one permission asked for

    # From config.toml, and the flag over the file (flag > environment > file).
    config = tmp_path / "config.toml"
    config.write_text('allow_domains = ["acme.example"]\n', encoding="utf-8")
    with_file = {**env, "MAPWS_CONFIG": str(config)}
    assert "bob@evil.example" in refused(with_file, "share", "acme-rollout", "bob@evil.example")["message"]
    refusals += 1
    shared = CliRunner().invoke(cli, ["share", "acme-rollout", "ANN@Acme.Example", "--json"], env=with_file)
    assert json.loads(shared.stdout)["shared_with"] == ["ANN@Acme.Example"]
    over = CliRunner().invoke(cli, ["share", "acme-rollout", "lee@partner.example", "--allow-domain",
                                    "partner.example", "--json"], env=with_file)
    assert json.loads(over.stdout)["shared_with"] == ["lee@partner.example"]
    sent = [e["body"]["emailAddress"].lower() for e in permission_requests(emulator)]
    assert sent == [BUYER, "ann@acme.example", "lee@partner.example"]
    for bad in ("*.acme.example", "bob@acme.example", "https://acme.example", "acme"):
        error = refused(env, "share", "acme-rollout", "ann@acme.example", "--allow-domain", bad)
        assert error["message"] == f"'{bad}' in allow_domains is not a domain."
        refusals += 1
    config.write_text('allow_domains = ["acme.example", "*"]\n', encoding="utf-8")
    assert "'*' in allow_domains is not a domain." == refused(with_file, "list")["message"]
    report.record("sharing", group="allow-list (google)", cases=1, refusals=refusals + 1,
                  permission_requests_checked=check_sharing(emulator, ROBOT))


def test_allow_domain_refuses_an_outside_buyer_on_the_local_backend_too(tmp_path):
    plans = tmp_path / "maps"
    error = refused({}, "create", "Evil deal", "--decision-date", "2026-06-30", "--today", TODAY,
                    "--dir", plans, "--buyer", "Bob Stone <bob@evil.example>",
                    "--allow-domain", "acme.example")
    assert error["message"] == ("Not sharing with bob@evil.example: outside the allowed domains "
                                "(acme.example).")
    assert not plans.exists() or list(plans.iterdir()) == []
    made = CliRunner().invoke(cli, ["create", "Acme rollout", "--decision-date", "2026-06-30",
                                    "--today", TODAY, "--dir", plans, "--buyer", f"Dana Tanaka <{BUYER}>",
                                    "--allow-domain", "acme.example", "--json"])
    assert made.exit_code == 0, made.output
    assert [p.name for p in plans.iterdir()] == ["acme-rollout.xlsx"]
    report.record("sharing", group="allow-list (local)", cases=1, refusals=1)


# ------------------------------------------------------------------------------- seller-internal data

INTERNAL_NOTE = "Champion hinted budget is 310k; push for multi-year"
DEAL_VALUE = "987654"


def test_seller_internal_data_never_reaches_what_the_buyer_can_open_on_google(emulator, tmp_path,
                                                                             private_key):
    """Deal value, forecast, internal note and the rep's own configuration: none of it in any cell,
    note, developer metadata, sheet or spreadsheet property, Drive name, description or property,
    permission, export or summary text the buyer can open."""
    keys = tmp_path / "keys"
    keys.mkdir()
    key = write_key(keys, private_key.pem)
    private_state = tmp_path / "private" / "private-state.sqlite"
    config = tmp_path / "rep-config" / "config.toml"
    config.parent.mkdir()
    config.write_text("\n".join([
        'backend = "google"', f'google_api_root = "{emulator.base_url}"', f'credentials = "{key}"',
        f'folder = "{shared_drive_folder(emulator)}"', f'state = "{private_state}"',
        'seller = "Sam Rivera <sam@seller.example>"', 'seller_company = "Widgets Ltd"', ""]),
        encoding="utf-8")
    env = {"MAPWS_CONFIG": str(config)}

    def run(*args: Any) -> Any:
        result = CliRunner().invoke(cli, [str(a) for a in args] + ["--json"], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    created = run("create", "Acme rollout", "--decision-date", "2026-06-30", "--today", TODAY,
                  "--buyer", f"Dana Tanaka <{BUYER}>", "--deal-value", DEAL_VALUE, "--forecast", "best case",
                  "--internal-note", INTERNAL_NOTE)
    listed = run("list")["plans"]
    assert listed[0]["private"] == {"deal_value": float(DEAL_VALUE), "forecast": "best case",
                                    "notes": INTERNAL_NOTE}  # kept, on the seller's side
    buyer_edits(emulator, created["plan"], row=2, owner="IT team")
    run("sync", "acme-rollout", "--today", "2026-04-20")
    run("summary", "acme-rollout", "--today", "2026-04-20")

    seen = drive_contents(emulator, buyer_credentials(emulator, BUYER))
    kinds = sorted(entry["file"]["mimeType"] for entry in seen.values())
    assert kinds == [DOC_MIME, SHEET_MIME]  # the plan and its summary: what the buyer was given
    visible = json.dumps(seen, ensure_ascii=False)
    internal = {"the deal value": [DEAL_VALUE, "987,654", "987.654", "987 654", "9.87654"],
                "the forecast category": ["best case", "best_case"],
                "the internal note": [INTERNAL_NOTE, "310k", "multi-year"],
                "the credentials path": [str(key), "sa-key.json", str(keys)],
                "the private state path": [str(private_state), "private-state"],
                "the rep's config": [str(config), "rep-config", str(tmp_path)]}
    leaks = [f"{what} ({form!r})" for what, forms in internal.items() for form in forms
             if form.lower() in visible.lower()]
    key_lines = [line for line in private_key.pem.splitlines() if line and "PRIVATE KEY" not in line]
    leaks += ["the private key"] * any(line in visible for line in key_lines)

    # appProperties are private to the app's Cloud project: the buyer's client gets none, and what
    # the product keeps there names the plan only.
    assert "appProperties" not in visible
    files = emulator.state(spreadsheets=False)["files"]
    app_properties = {f["name"]: f["appProperties"] for f in files if f["appProperties"]}
    kept = json.dumps(app_properties)
    leaks += [f"{what} in appProperties" for what, forms in internal.items() for form in forms
              if form.lower() in kept.lower()]
    keys_kept = {k for by_client in app_properties.values() for props in by_client.values() for k in props}
    assert keys_kept <= {"mapws", "mapws_deal", "mapws_plan_id", "mapws_schema", "mapws_plan",
                         "mapws_template", "mapws_summary"}

    cells = notes = metadata = 0
    for entry in seen.values():
        spreadsheet = entry.get("spreadsheet")
        if not spreadsheet:
            continue
        metadata += len(spreadsheet.get("developerMetadata") or [])
        for sheet in spreadsheet["sheets"]:
            metadata += len(sheet.get("developerMetadata") or [])
            for block in sheet.get("data") or []:
                for row in block.get("rowData") or []:
                    for value in row.get("values") or []:
                        cells += bool(value.get("userEnteredValue"))
                        notes += bool(value.get("note"))
    document_text = next(e["text export"] for e in seen.values() if "document" in e)
    assert cells > 300 and notes > 0 and metadata >= 6 and "Dana Tanaka" in document_text
    assert "Sam Rivera" in visible  # the seller contact is meant to be seen: the scan reads real content
    report.record("seller-internal data", group="google", cases=1, cells_scanned=cells, notes_scanned=notes,
                  metadata_entries_scanned=metadata, files_scanned=len(seen),
                  values_checked=sum(map(len, internal.values())) + len(key_lines), found=len(leaks))
    assert leaks == []


# -------------------------------------------------------------------------------------------- scopes


def test_drive_file_by_default_and_broader_scopes_only_by_opt_in_shown_by_auth_check(emulator, tmp_path,
                                                                                   private_key):
    key = write_key(tmp_path, private_key.pem)
    env = {"MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_CREDENTIALS": str(key)}
    earlier = set(issued_tokens(emulator))  # the emulator's reset keeps the tokens it issued before

    def asked_for() -> list[frozenset[str]]:
        """The scopes of each token the key obtained in this test, oldest first."""
        return [frozenset(c.scopes) for token, c in issued_tokens(emulator).items()
                if c.principal == ROBOT and token not in earlier]

    default = CliRunner().invoke(cli, ["auth", "check"], env=env)
    assert default.exit_code == 0, default.output
    assert f"Scopes:   {DRIVE_FILE}\n" in default.stdout
    assert "broader" not in default.stdout and "Broad scope" not in default.stdout
    as_json = CliRunner().invoke(cli, ["auth", "check", "--json"], env=env)
    assert json.loads(as_json.stdout)["scopes"] == [DRIVE_FILE]
    asked = asked_for()
    assert asked and set(asked) == {frozenset({DRIVE_FILE})}  # what the key actually asked Google for

    config = tmp_path / "config.toml"
    config.write_text('backend = "google"\nscopes = ["drive"]\n', encoding="utf-8")
    opted = CliRunner().invoke(cli, ["auth", "check"], env={**env, "MAPWS_CONFIG": str(config)})
    assert opted.exit_code == 0, opted.output
    assert f"Scopes:   {DRIVE_FILE}, {DRIVE}  (broader than drive.file: opted in)" in opted.stdout
    assert "Warning:  Broad scope(s) drive in use (scopes setting)" in opted.stdout
    report_json = json.loads(CliRunner().invoke(cli, ["auth", "check", "--json"],
                                                env={**env, "MAPWS_CONFIG": str(config)}).stdout)
    assert report_json["broad_scopes"] is True and report_json["scopes"] == [DRIVE_FILE, DRIVE]
    opted_in = asked_for()[len(asked):]
    assert opted_in and set(opted_in) == {frozenset({DRIVE_FILE, DRIVE})}
    report.record("scopes", group="auth check", cases=2, tokens_checked=len(asked) + len(opted_in))


#: Names of files that hold credentials (the .gitignore list, and what Google's downloads are called).
CREDENTIAL_NAMES = re.compile(
    r"(^|/)(credentials\.json|client_secret[^/]*\.json|service[-_]account[^/]*\.json|token[^/]*\.json|"
    r"[^/]*\.(pem|p12|pfx|key)|\.env|id_rsa[^/]*|application_default_credentials\.json)$", re.IGNORECASE)
#: What real secrets look like inside a file.
CREDENTIAL_CONTENT = {
    "a PEM private key header": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an OAuth client secret": re.compile(r"GOCSPX-[\w-]{10,}"),
    "an access token": re.compile(r"ya29\.[\w-]{20,}"),
    "a refresh token": re.compile(r"[\"']1//0[\w-]{20,}"),
    "a private_key value": re.compile(r"\"private_key\"\s*:\s*\"-----BEGIN"),
}


def test_no_credentials_are_tracked_by_git():
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, timeout=60,
                                check=False)
    except FileNotFoundError:
        pytest.skip("git is not installed")
    if listed.returncode != 0:
        pytest.skip(f"{REPO} is not a git checkout")
    names = [n for n in listed.stdout.decode("utf-8", "replace").split("\0") if n]
    assert "credentials.example.json" in names and len(names) > 20
    named_like_credentials = [n for n in names if CREDENTIAL_NAMES.search(n)]
    assert named_like_credentials == []
    found = []
    scanned = 0
    for name in names:
        if name.startswith("tests/"):
            continue  # the tests build throwaway keys on purpose (and say so)
        path = REPO / name
        if not path.is_file():
            continue  # deleted in the working tree
        text = path.read_bytes().decode("utf-8", "replace")
        scanned += 1
        found += [f"{what} in {name}" for what, pattern in CREDENTIAL_CONTENT.items() if pattern.search(text)]
    example = json.loads((REPO / "credentials.example.json").read_text(encoding="utf-8"))
    assert "PRIVATE KEY" not in example["private_key"]  # a placeholder, refused if used as it is
    report.record("secrets", group="git ls-files", cases=1, tracked_files_scanned=scanned, leaks=len(found))
    assert found == []
