"""The call boundary: every request mapws sends to Google — the plan store's, ``auth check``'s,
``init --create-folder``'s and the nightly state file's — goes through one :class:`GoogleCalls`,
so each runs under the same bounded retry policy (retry.py) and each failure becomes the same
mapws error (errors.py): one 401 is one code and one message, whichever command met it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.errors import ANONYMOUS, OTHER, SERVICE_ACCOUNT, USER, translate
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.errors import MapwsError

T = TypeVar("T")


def kind_of(credentials: Any) -> str:
    """What kind of identity holds ``credentials`` (so that a refusal says what to do about it)."""
    from google.auth.credentials import AnonymousCredentials
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    if isinstance(credentials, service_account.Credentials):
        return SERVICE_ACCOUNT
    if isinstance(credentials, user_credentials.Credentials):
        return USER
    if isinstance(credentials, AnonymousCredentials):
        return ANONYMOUS
    return OTHER


class GoogleCalls:
    """Clients for one identity (one set per thread), and the one way to send a request with them.

    httplib2 (under google-api-python-client) is not thread-safe: each thread builds its own
    clients, so ``sync --all`` workers can share one store."""

    def __init__(self, clients: GoogleClients, *, principal: str = "", retry: RetryPolicy | None = None,
                 kind: str = "") -> None:
        self._clients = clients
        self.principal = principal
        self.retry = retry or RetryPolicy()
        #: The identity's kind (errors.py): picks the advice when Google refuses the credentials.
        self.kind = kind or kind_of(clients.credentials)
        self._local = threading.local()

    @property
    def clients(self) -> GoogleClients:
        return self._clients

    @clients.setter
    def clients(self, clients: GoogleClients) -> None:
        """New clients (another timeout, say): the clients built from the old ones are dropped."""
        self._clients = clients
        self._local = threading.local()

    def who(self) -> str:
        return self.principal or "the configured Google identity"

    def _client(self, name: str, build: Callable[[], Any]) -> Any:
        client = getattr(self._local, name, None)
        if client is None:
            client = build()
            setattr(self._local, name, client)
        return client

    @property
    def sheets_http(self) -> Any:
        """gspread's HTTP client: one request per call (no gspread helper that reads twice)."""
        return self._client("sheets", lambda: self._clients.gspread().http_client)

    @property
    def drive(self) -> Any:
        return self._client("drive", self._clients.drive)

    @property
    def docs(self) -> Any:
        return self._client("docs", self._clients.docs)

    def call(self, action: str, call: Callable[[], T], file: str = "", *, folder: str = "") -> T:
        """Run one Google call under the retry policy; failures become mapws errors that say what
        was attempted (``action``), on which ``file``, as whom — and, when the call puts something
        into ``folder``, that the folder is the problem."""
        try:
            return self.retry.run(call)
        except MapwsError:
            raise
        except Exception as exc:
            mapped = translate(exc, action=action, file=file, principal=self.principal, kind=self.kind,
                               folder=folder)
            if mapped is None:
                raise
            raise mapped from exc

    def execute(self, action: str, build: Callable[[], Any], file: str = "", *, folder: str = "") -> Any:
        """A google-api-python-client request, built fresh for each attempt, its own retries off."""
        return self.call(action, lambda: build().execute(num_retries=0), file, folder=folder)
