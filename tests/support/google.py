"""The Google backend over the loopback emulator: stores built on the real gspread and
google-api-python-client clients, retries that cost no wall time, buyers' credentials, and readers
of the emulator's request log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials, Credentials

from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.backends.google.store import GooglePlanStore
from tests.google_emulator import Emulator
from tests.support.emulator import shared_emulator

__all__ = ["api_of", "buyer_credentials", "calls", "instant_retry", "is_sharing", "is_sheets_read",
           "is_sheets_write", "make_store", "shared_emulator"]


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


def buyer_credentials(emulator: Emulator, email: str) -> Credentials:
    """An access token for a buyer, issued by the emulator (no OAuth dance)."""
    from google.oauth2.credentials import Credentials as UserCredentials

    return UserCredentials(token=emulator.issue_token(email))


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
