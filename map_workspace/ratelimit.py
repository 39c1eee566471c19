"""One client-side rate limiter shared by every worker of a run: never more than N requests of a
kind in any 60-second window (Google counts Sheets reads and writes per minute per identity)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

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
        self._lock = threading.Lock()
        self.waited_s = 0.0
        self.counts: dict[str, int] = {}

    def acquire(self, kind: str) -> None:
        """Block until one more ``kind`` request fits in the window, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                sent = self._sent.setdefault(kind, deque())
                while sent and now - sent[0] >= self.window:
                    sent.popleft()
                if len(sent) < self.per_minute:
                    sent.append(now)
                    self.counts[kind] = self.counts.get(kind, 0) + 1
                    return
                wait = self.window - (now - sent[0])
            self.waited_s += wait
            self._sleep(max(wait, 0.001))


class Unlimited(RateLimiter):
    """The limiter of a backend without quotas: counts, never waits."""

    def __init__(self) -> None:
        super().__init__(1)

    def acquire(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
