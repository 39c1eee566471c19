"""Fixtures and hooks of the robustness tests: a backend per module, and the robustness figures
printed once at the end (merged across xdist workers). The backends and buyers live in
tests/support/robustness.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.robustness import BACKEND_TYPES


@pytest.fixture(scope="module")
def backend(request, tmp_path_factory) -> Iterator[Any]:
    """One backend per module, by name (parametrise it indirectly): its master plans are made once."""
    yield BACKEND_TYPES[request.param](tmp_path_factory.mktemp(f"masters-{request.param}"))
