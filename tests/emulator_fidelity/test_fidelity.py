"""Replay the recorded gspread traffic against the emulator and hold the agreement above a floor.

Run with `-s` to see the table. Each cassette is replayed from a clean emulator; structure means
the same keys recursively, the same list lengths and the same JSON kinds at the leaves.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.emulator_fidelity.replay import Replayer

# shared/ sits beside the repository (on developer machines and in CI alike)
_CANDIDATES = [Path(__file__).resolve().parents[3] / "shared", Path("/work/shared")]
CASSETTES = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0]) / "reference" / "gspread-cassettes"

STATUS_FLOOR = 0.97
STRUCTURE_FLOOR = 0.95
VALUE_FLOOR = 0.95


@pytest.mark.skipif(
    not CASSETTES.is_dir() and os.environ.get("CI") != "true",
    reason="the recorded cassettes (shared/reference/gspread-cassettes) are not on this machine",
)
def test_recorded_gspread_traffic_agrees_with_the_emulator(emulator):
    assert CASSETTES.is_dir(), f"cassettes missing at {CASSETTES}"
    replayer = Replayer(emulator)
    results = [replayer.replay(path) for path in sorted(CASSETTES.glob("*.json"))]
    compared = sum(r.compared for r in results)
    status = sum(r.status_agree for r in results)
    structure = sum(r.structure_agree for r in results)
    values = sum(r.value_agree for r in results)

    def pct(part: int, whole: int) -> str:
        return f"{100 * part / whole:>6.1f}%"

    print(f"\n{'cassette':<72} {'n':>4} {'status':>7} {'struct':>7} {'values':>7}")
    for r in results:
        print(
            f"{r.name:<72} {r.compared:>4} {pct(r.status_agree, r.compared)} "
            f"{pct(r.structure_agree, r.compared)} {pct(r.value_agree, r.compared)}"
        )
        for difference in (r.differences + r.value_differences)[:5]:
            print(f"    {difference[:150]}")
    label = f"overall ({len(results)} cassettes)"
    print(
        f"{label:<72} {compared:>4} {pct(status, compared)} {pct(structure, compared)} "
        f"{pct(values, compared)}"
    )
    assert len(results) >= 100
    assert compared >= 2000
    assert status / compared >= STATUS_FLOOR
    assert structure / compared >= STRUCTURE_FLOOR
    assert values / compared >= VALUE_FLOOR
    # and every emulated answer uses only fields the discovery documents define
    assert [problem for r in results for problem in r.schema_problems] == []


def test_structure_comparison_notices_a_missing_key():
    from tests.emulator_fidelity.replay import shape_difference

    recorded = {"properties": {"title": "x", "defaultFormat": {"padding": {}}}, "sheets": [{"a": 1}]}
    assert (
        shape_difference(
            recorded, {"properties": {"title": "y", "defaultFormat": {"padding": {}}}, "sheets": [{"a": 2}]}
        )
        is None
    )
    assert "defaultFormat" in shape_difference(recorded, {"properties": {"title": "x"}, "sheets": [{"a": 1}]})
    assert "items" in shape_difference(recorded, {"properties": recorded["properties"], "sheets": []})
    assert shape_difference({"v": "42"}, {"v": 42}) is not None
