"""One client-side rate limiter shared by every worker of a run: never more than N requests of a
kind in any 60-second window (Google counts Sheets reads and writes per minute per identity)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

WINDOW_S = 60.0


class RateLimiter:
    """A sliding-window limiter per kind ("read", "write"). ``clock``/``sleep`` are injectable, and
    ``time_scale`` speeds the window up for emulated runs (60 s of quota pass in 60/scale s)."""

    def __init__(self, per_minute: int = 60, *, time_scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.window = WINDOW_S / time_scale
        self._clock = clock
        self._sleep = sleep
        self._sent: dict[str, deque[float]] = {}
        self._flying: dict[str, int] = {}  # slots whose answer has not come back: they hold their place
        self._lock = threading.Lock()
        self._ended = threading.Condition(self._lock)
        self.waited_s = 0.0
        self.counts: dict[str, int] = {}

    def acquire(self, kind: str) -> float:
        """Block until one more ``kind`` request fits in the window, then count it (from now,
        the time returned)."""
        return self._admit(kind, in_flight=False)

    def _admit(self, kind: str, *, in_flight: bool) -> float:
        """Wait for a place: fewer than ``per_minute`` counted in the window plus those in flight.
        ``in_flight``: the place is held until :meth:`slot` ends, however long that takes."""
        while True:
            with self._lock:
                now = self._clock()
                sent = self._sent.setdefault(kind, deque())
                while sent and now - sent[0] >= self.window:
                    sent.popleft()
                flying = self._flying.get(kind, 0)
                if len(sent) + flying < self.per_minute:
                    if in_flight:
                        self._flying[kind] = flying + 1
                    else:
                        sent.append(now)
                    self.counts[kind] = self.counts.get(kind, 0) + 1
                    return now
                if not sent:  # every place is held by a request still in flight: wait for an answer
                    self._ended.wait(self.window)
                    continue
                wait = self.window - (now - sent[0])
            self.waited_s += wait
            self._sleep(max(wait, 0.001))

    @contextmanager
    def slot(self, kind: str) -> Iterator[None]:
        """Hold one ``kind`` request's place while it runs, then count it from when it ended.

        Google charges a request when it arrives, somewhere between sending and the answer. Counted
        from the send, the window of request N+1 can open before Google's window of request 1 has
        closed (when request 1 was slower to arrive), and Google answers 429; the retry then takes a
        place the limiter gave to someone else, and 429s cascade. So a request in flight holds its
        place however long it takes (even longer than a window, as on a loaded machine), and once
        answered it is counted from the answer: the limiter's window always closes after Google's
        (costing a request's duration per window)."""
        self._admit(kind, in_flight=True)
        try:
            yield
        finally:
            with self._lock:
                self._flying[kind] -= 1
                # Every other counted place was taken before now: the deque stays in order.
                self._sent.setdefault(kind, deque()).append(self._clock())
                self._ended.notify_all()


class Unlimited(RateLimiter):
    """The limiter of a backend without quotas: counts, never waits."""

    def __init__(self) -> None:
        super().__init__(1)

    def acquire(self, kind: str) -> float:
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        return 0.0

    @contextmanager
    def slot(self, kind: str) -> Iterator[None]:
        self.acquire(kind)
        yield
