"""Fixtures for the Google backend over the loopback emulator: one emulator per test process (per
xdist worker), reset before each test that uses it. The helpers live in tests/support/google.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from map_workspace.backends.google.store import GooglePlanStore
from tests.google_emulator import Emulator
from tests.support.emulator import quiet, shared_emulator
from tests.support.google import buyer_credentials, make_store


@pytest.fixture
def emulator() -> Emulator:
    em = shared_emulator()
    em.reset()
    return quiet(em)


@pytest.fixture
def google_store(emulator: Emulator, tmp_path: Path) -> Callable[..., GooglePlanStore]:
    """A factory: ``google_store(**options)`` → a GooglePlanStore against the reset emulator."""
    def build(**options: Any) -> GooglePlanStore:
        options.setdefault("pdf_dir", tmp_path)
        return make_store(emulator, **options)

    return build


@pytest.fixture
def buyer(emulator: Emulator) -> Callable[[str], Any]:
    """``buyer(email)`` → a gspread client acting as that person (share the plan with them first)."""
    from tests.google_emulator.clients import gspread_client

    return lambda email: gspread_client(emulator, buyer_credentials(emulator, email))
