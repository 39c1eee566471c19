"""The Google backend over the loopback emulator: one emulator per test session, reset before each
test that uses it, and stores built on the real gspread and google-api-python-client clients."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials, Credentials

from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.backends.google.store import GooglePlanStore
from tests.google_emulator import Emulator

_lock = threading.Lock()
_shared: Emulator | None = None


def shared_emulator() -> Emulator:
    """The session's emulator, started on first use (the contract suite's factory has no fixtures)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Emulator(seed=11).start()
            atexit.register(_shared.stop)
        return _shared


def instant_retry(emulator: Emulator | None = None) -> RetryPolicy:
    """The production policy with waits that cost no wall time: each wait moves the emulator's
    clock instead (so per-minute quota windows pass), and jitter is fixed at its maximum."""
    def sleep(seconds: float) -> None:
        if emulator is not None:
            emulator.advance_clock(seconds)

    return RetryPolicy(sleep=sleep, random=lambda: 1.0)


def make_store(emulator: Emulator, *, credentials: Credentials | None = None, principal: str = "anonymous",
               pdf_dir: Path | None = None, **options: Any) -> GooglePlanStore:
    clients = GoogleClients(credentials or AnonymousCredentials(), emulator.base_url, timeout=10)
    options.setdefault("retry", instant_retry(emulator))
    return GooglePlanStore(clients, principal=principal, pdf_dir=pdf_dir, **options)


@pytest.fixture
def emulator() -> Emulator:
    em = shared_emulator()
    em.reset()
    em.faults.rate = 0.0
    em.core.quota_per_minute = None
    return em


@pytest.fixture
def google_store(emulator: Emulator, tmp_path: Path) -> Callable[..., GooglePlanStore]:
    """A factory: ``google_store(**options)`` → a GooglePlanStore against the reset emulator."""
    def build(**options: Any) -> GooglePlanStore:
        options.setdefault("pdf_dir", tmp_path)
        return make_store(emulator, **options)

    return build


# --- reading the emulator's log ---------------------------------------------------------------------

def api_of(entry: dict[str, Any]) -> str:
    """"sheets", "drive", "docs", "batch" or "other" for one log entry."""
    path = entry["path"]
    if path.startswith("/v4/spreadsheets"):
        return "sheets"
    if path.startswith(("/drive/", "/upload/drive/")):
        return "drive"
    if path.startswith("/v1/documents"):
        return "docs"
    if path.startswith("/batch/"):
        return "batch"
    return "other"


def is_sheets_read(entry: dict[str, Any]) -> bool:
    return api_of(entry) == "sheets" and (entry["method"] == "GET" or entry["path"].endswith(":getByDataFilter"))


def is_sheets_write(entry: dict[str, Any]) -> bool:
    return api_of(entry) == "sheets" and not is_sheets_read(entry)


def is_sharing(entry: dict[str, Any]) -> bool:
    return api_of(entry) == "drive" and "/permissions" in entry["path"]


def calls(emulator: Emulator, principal: str = "anonymous") -> list[dict[str, Any]]:
    """The requests ``principal`` sent since the log was last cleared (batch envelopes left out:
    their inner calls are logged one by one)."""
    return [e for e in emulator.log_entries() if e.get("principal") == principal and api_of(e) != "batch"]


def buyer_credentials(emulator: Emulator, email: str) -> Credentials:
    """An access token for a buyer, issued by the emulator (no OAuth dance)."""
    from google.oauth2.credentials import Credentials as UserCredentials

    return UserCredentials(token=emulator.issue_token(email))


@pytest.fixture
def buyer(emulator: Emulator) -> Callable[[str], Any]:
    """``buyer(email)`` → a gspread client acting as that person (share the plan with them first)."""
    from tests.google_emulator.clients import gspread_client

    return lambda email: gspread_client(emulator, buyer_credentials(emulator, email))
