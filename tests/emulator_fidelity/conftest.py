"""One emulator per test session, reset before each test that uses it."""

from __future__ import annotations

import pytest

from tests.google_emulator import Emulator


@pytest.fixture(scope="session")
def shared_emulator():
    with Emulator(seed=7) as emulator:
        yield emulator


@pytest.fixture
def emulator(shared_emulator):
    shared_emulator.reset()
    return shared_emulator
