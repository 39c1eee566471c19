"""The emulator a test process shares: started once per process (per xdist worker), reset per test,
and saved states restored in place of re-creating plans through the API."""

from __future__ import annotations

import atexit
import threading

from tests.google_emulator import Emulator

_lock = threading.Lock()
_shared: Emulator | None = None


def shared_emulator() -> Emulator:
    """The process's emulator, started on first use (the contract suite's factory has no fixtures)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Emulator(seed=11).start()
            atexit.register(_shared.stop)
        return _shared


def quiet(emulator: Emulator) -> Emulator:
    """No injected faults and no quota: the state a test starts from unless it asks for more."""
    emulator.faults.rate = 0.0
    emulator.core.quota_per_minute = None
    return emulator
