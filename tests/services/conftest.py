"""Fixtures for service tests over the in-memory FakePlanStore (tests/support/fake_store.py)."""

from __future__ import annotations

import pytest

from tests.support.fake_store import FakePlanStore


@pytest.fixture
def fake_store() -> FakePlanStore:
    return FakePlanStore()
