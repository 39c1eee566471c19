"""Build the real gspread and google-api-python-client clients against an Emulator (tests only)."""

from __future__ import annotations

from typing import Any

from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com", "https://docs.googleapis.com")


class RewritingSession(AuthorizedSession):
    """An AuthorizedSession that sends Google's hosts to the emulator instead (gspread's URLs are fixed)."""

    def __init__(self, credentials: Credentials, base_url: str, compact: bool = True):
        super().__init__(credentials)
        self.emulator_base = base_url.rstrip("/")
        #: Ask for compact JSON (``prettyPrint=false``) unless the request says otherwise.
        self.compact = compact

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # type: ignore[override]
        for host in GOOGLE_HOSTS:
            if url.startswith(host):
                url = self.emulator_base + url[len(host) :]
                break
        if not url.startswith(self.emulator_base):
            raise RuntimeError(f"refusing to send a test request off the machine: {url}")
        if self.compact and "prettyPrint=" not in url:
            # as mapws asks: the emulator's indented answers cost json.dumps its pure-Python encoder
            url += ("&" if "?" in url else "?") + "prettyPrint=false"
        return super().request(method, url, *args, **kwargs)


def gspread_client(emulator: Any, credentials: Credentials | None = None):
    """A gspread.Client whose every request goes to the emulator."""
    import gspread

    session = RewritingSession(credentials or AnonymousCredentials(), emulator.base_url)
    return gspread.Client(auth=credentials or AnonymousCredentials(), session=session)


def _build(name: str, version: str, endpoint: str, credentials: Credentials | None):
    from googleapiclient.discovery import build

    return build(
        name,
        version,
        credentials=credentials or AnonymousCredentials(),
        client_options={"api_endpoint": endpoint},
        static_discovery=True,
        cache_discovery=False,
    )


def sheets_service(emulator: Any, credentials: Credentials | None = None):
    return _build("sheets", "v4", emulator.base_url, credentials)


def drive_service(emulator: Any, credentials: Credentials | None = None):
    return _build("drive", "v3", emulator.base_url + "/drive/v3/", credentials)


def docs_service(emulator: Any, credentials: Credentials | None = None):
    return _build("docs", "v1", emulator.base_url, credentials)


def drive_batch(emulator: Any, callback=None):
    """A BatchHttpRequest aimed at the emulator's /batch/drive/v3 (batch ignores api_endpoint)."""
    from googleapiclient.http import BatchHttpRequest

    return BatchHttpRequest(callback=callback, batch_uri=emulator.base_url + "/batch/drive/v3")
