"""One bounded retry policy for every Google call, gspread and google-api-python-client alike.

Retried: 429, 500/502/503/504, the 403s that mean "slow down" (Drive's ``userRateLimitExceeded`` /
``rateLimitExceeded``, Sheets' ``RESOURCE_EXHAUSTED``), and connection errors and timeouts. The
wait is truncated exponential backoff with full jitter (Google's advice): attempt ``n`` sleeps a
random time in ``[0, min(cap, base * 2**n))``. After ``max_retries`` retries the last failure is
raised as :class:`RetriesExhausted`, so a run always ends and says what failed.

Neither library's own retry is used: gspread's ``BackOffHTTPClient`` never gives up in 6.2.1, and
``execute(num_retries=...)`` would be a second policy. Callers pass ``num_retries=0``.
"""

from __future__ import annotations

import json
import random as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "RATE_LIMIT_EXCEEDED"})


@dataclass(frozen=True)
class Failure:
    """What a failed call said, read from either library's exception."""

    status: int | None  # None for a transport failure (no HTTP answer)
    reason: str  # Google's reason or status word, or the transport error's class
    message: str

    def describe(self) -> str:
        head = f"{self.status} {self.reason}".strip() if self.status is not None else self.reason
        return f"{head}: {self.message}" if self.message else head


class RetriesExhausted(Exception):
    """Every attempt failed with a retryable error; ``last`` is the final one."""

    def __init__(self, attempts: int, failure: Failure, cause: BaseException) -> None:
        super().__init__(f"failed after {attempts - 1} retries ({failure.describe()})")
        self.attempts = attempts
        self.failure = failure
        self.cause = cause


def _error_body(raw: Any) -> dict[str, Any]:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {"message": raw[:300]}
    if isinstance(raw, dict):
        error = raw.get("error", raw)
        return error if isinstance(error, dict) else {"message": str(error)}
    return {}


def _reason(error: dict[str, Any]) -> str:
    """The most specific reason Google gave: Drive's legacy ``errors[].reason``, the ErrorInfo
    detail's ``reason``, or the RPC status word."""
    for item in error.get("errors") or []:
        if isinstance(item, dict) and item.get("reason"):
            return str(item["reason"])
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            return str(detail["reason"])
    return str(error.get("status") or "")


def describe_failure(exc: BaseException) -> Failure | None:
    """Status, reason and message of a Google API or transport failure; None for anything else."""
    try:
        import gspread.exceptions

        if isinstance(exc, gspread.exceptions.APIError):
            response = exc.response
            error = _error_body(response.content if response is not None else exc.error)
            status = response.status_code if response is not None else int(exc.code)
            return Failure(status, _reason(error), str(error.get("message", ""))[:500])
    except ImportError:  # pragma: no cover - gspread is a dependency
        pass
    try:
        from googleapiclient.errors import HttpError

        if isinstance(exc, HttpError):
            error = _error_body(exc.content)
            return Failure(int(exc.resp.status), _reason(error), str(error.get("message", ""))[:500])
    except ImportError:  # pragma: no cover - google-api-python-client is a dependency
        pass
    if is_transport_error(exc):
        return Failure(None, type(exc).__name__, str(exc)[:300])
    return None


def is_transport_error(exc: BaseException) -> bool:
    """A connection that failed, broke or timed out: worth another try."""
    import requests

    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    try:
        from google.auth.exceptions import RefreshError, TransportError

        if isinstance(exc, TransportError) and not isinstance(exc, RefreshError):
            return True  # the token endpoint could not be reached
    except ImportError:  # pragma: no cover
        pass
    try:
        import http.client

        import httplib2

        return isinstance(exc, (http.client.HTTPException, httplib2.HttpLib2Error)) and not isinstance(
            exc, httplib2.RedirectLimit)
    except ImportError:  # pragma: no cover
        return False


def is_retryable(failure: Failure) -> bool:
    if failure.status is None:
        return True
    if failure.status in RETRYABLE_STATUS:
        return True
    return failure.status == 403 and (failure.reason in RATE_LIMIT_REASONS or failure.reason == "RESOURCE_EXHAUSTED")


@dataclass
class RetryPolicy:
    """Bounded retries with full-jitter exponential backoff; ``sleep`` and ``random`` can be
    replaced in tests (e.g. by a sleep that moves an emulator's clock)."""

    max_retries: int = 5
    base: float = 1.0
    cap: float = 32.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    random: Callable[[], float] = field(default=_random.random)

    def delay(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (0-based)."""
        return self.random() * min(self.cap, self.base * (2 ** retry))

    def run(self, call: Callable[[], T]) -> T:
        """``call()``, retried while it fails with a retryable error, at most ``max_retries`` times."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except Exception as exc:
                failure = describe_failure(exc)
                if failure is None or not is_retryable(failure):
                    raise
                if attempt > self.max_retries:
                    raise RetriesExhausted(attempt, failure, exc) from exc
                self.sleep(self.delay(attempt - 1))
