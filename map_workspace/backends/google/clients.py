"""The real Google clients — gspread for Sheets, google-api-python-client for Drive and Docs —
built for one identity, with a timeout on every call, and pointed at another base URL when
``MAPWS_GOOGLE_API_ROOT`` / ``--api-root`` says so (an emulator or a proxy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession

#: Google's hosts as the libraries write them; all are rewritten to the API root when one is set.
GOOGLE_HOSTS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://docs.googleapis.com",
    "https://drive.googleapis.com",
    "https://oauth2.googleapis.com",
)

#: Seconds before a Google call gives up (then the retry policy decides).
DEFAULT_TIMEOUT = 60.0

#: Google's answers are indented unless a call says otherwise: a plan read is three times larger.
COMPACT = "prettyPrint=false"


def compact(url: str) -> str:
    """``url`` asking for Google's compact JSON (``prettyPrint=false``) unless it already says.
    The token endpoint is left alone: it is not one of the APIs."""
    if url.startswith("https://oauth2.googleapis.com") or url.endswith("/token") or "prettyPrint=" in url:
        return url
    base, _, fragment = url.partition("#")
    joined = base + ("&" if "?" in base else "?") + COMPACT
    return joined + ("#" + fragment if fragment else "")


def is_loopback(api_root: str) -> bool:
    host = (urlsplit(api_root).hostname or "").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


class RootedSession(AuthorizedSession):
    """An AuthorizedSession with a default timeout that, when an API root is set, sends Google's
    hosts there instead (gspread's URL constants are fixed at import, so the session rewrites)."""

    def __init__(self, credentials: Credentials, api_root: str = "", timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(credentials)
        self.api_root = api_root.rstrip("/")
        self.default_timeout = timeout

    def rooted(self, url: str) -> str:
        if self.api_root:
            for host in GOOGLE_HOSTS:
                if url.startswith(host):
                    return self.api_root + url[len(host):]
        return url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, self.rooted(compact(url)), *args, **kwargs)


def _compact_http() -> type:
    """google-api-python-client's transport with every request asking for compact JSON (mapws
    sends no Drive batches, whose inner requests would not pass through here)."""
    import google_auth_httplib2

    class CompactHttp(google_auth_httplib2.AuthorizedHttp):  # type: ignore[misc]
        def request(self, uri: str, *args: Any, **kwargs: Any) -> Any:
            return super().request(compact(uri), *args, **kwargs)

    return CompactHttp


@dataclass
class GoogleClients:
    """The clients one identity uses. Built lazily: nothing connects until a call is made."""

    credentials: Credentials
    api_root: str = ""
    timeout: float = DEFAULT_TIMEOUT

    def session(self) -> RootedSession:
        return RootedSession(self.credentials, self.api_root, self.timeout)

    def gspread(self) -> Any:
        """A gspread Client; use ``client.http_client`` directly to keep reads to one call."""
        import gspread

        client = gspread.Client(auth=self.credentials, session=self.session())
        client.set_timeout(self.timeout)
        return client

    def _build(self, name: str, version: str, path: str) -> Any:
        import httplib2
        from googleapiclient.discovery import build

        http = _compact_http()(self.credentials, http=httplib2.Http(timeout=self.timeout))
        options = {"api_endpoint": self.api_root.rstrip("/") + path} if self.api_root else None
        return build(name, version, http=http, client_options=options, static_discovery=True,
                     cache_discovery=False)

    def drive(self) -> Any:
        return self._build("drive", "v3", "/drive/v3/")

    def docs(self) -> Any:
        return self._build("docs", "v1", "")

    def sheets(self) -> Any:
        return self._build("sheets", "v4", "")

    @property
    def token_uri(self) -> str:
        return (self.api_root.rstrip("/") + "/token") if self.api_root else "https://oauth2.googleapis.com/token"
