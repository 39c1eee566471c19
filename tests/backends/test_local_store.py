"""The local store's reuse of the workbook its read parsed: a sync parses each workbook once,
two stores share nothing, and a store sent to a worker process starts clean."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from map_workspace.backends.local.saving import write_workbook
from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.backends.local.workbook_reading import load_plan_workbook, read_snapshot
from map_workspace.changes import CellWrite, ChangeSet
from map_workspace.errors import PlanChanged
from map_workspace.layout import PLAN, PLAN_TAB
from map_workspace.sync import plan_sync
from tests.support.plans import rendered

SLIPS = PLAN_TAB.index("slips")


class CountingLoad:
    """The real loader, counting the parses it does (a fake around real code, not a mock)."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def __call__(self, data: bytes, path: Path) -> Workbook:
        self.paths.append(path)
        return load_plan_workbook(data, path)


@pytest.fixture
def plans(tmp_path: Path) -> Path:
    folder = tmp_path / "maps"
    folder.mkdir()
    write_workbook(folder / "acme-rollout.xlsx", rendered())
    return folder


def _slips(value: int) -> ChangeSet:
    return ChangeSet(cells=(CellWrite(PLAN, 2, SLIPS, value, field="slips", id="T-01"),))


def test_read_then_apply_parses_the_workbook_once(plans: Path) -> None:
    load = CountingLoad()
    store = LocalPlanStore(plans, load=load)
    ref = store.locate("acme-rollout")
    snapshot = store.read(ref)
    sync = plan_sync(snapshot, date(2026, 5, 12))
    assert not sync.changes.is_empty  # the first sync writes (Last changed, state …)
    version = store.apply(ref, snapshot, sync.changes)
    assert load.paths == [Path(ref.id)]
    assert version == read_snapshot(Path(ref.id)).token.version
    # The parsed workbook was used up by that write: the next read parses again.
    again = store.read(ref)
    store.apply(ref, again, _slips(7))
    assert len(load.paths) == 2
    assert read_snapshot(Path(ref.id)).tabs[PLAN].cell(1, SLIPS).value == 7


def test_apply_without_a_read_of_its_own_parses_the_file(plans: Path) -> None:
    """A snapshot from elsewhere (another store, a cache) is applied after parsing the file."""
    reader, load = LocalPlanStore(plans), CountingLoad()
    writer = LocalPlanStore(plans, load=load)
    ref = reader.locate("acme-rollout")
    snapshot = reader.read(ref)
    writer.apply(ref, snapshot, _slips(3))
    assert len(load.paths) == 1
    assert read_snapshot(Path(ref.id)).tabs[PLAN].cell(1, SLIPS).value == 3


def test_a_kept_workbook_is_not_used_when_the_file_changed(plans: Path) -> None:
    store = LocalPlanStore(plans)
    ref = store.locate("acme-rollout")
    snapshot = store.read(ref)
    LocalPlanStore(plans).apply(ref, snapshot, _slips(5))  # someone else wrote in between
    with pytest.raises(PlanChanged):
        store.apply(ref, snapshot, _slips(6))
    assert read_snapshot(Path(ref.id)).tabs[PLAN].cell(1, SLIPS).value == 5


def test_a_pickled_store_starts_without_parsed_workbooks_and_still_syncs(plans: Path) -> None:
    load = CountingLoad()
    store = LocalPlanStore(plans)
    ref = store.locate("acme-rollout")
    snapshot = store.read(ref)
    copy = pickle.loads(pickle.dumps(store))
    assert copy.directory == store.directory
    assert len(copy._parsed) == 0 and len(store._parsed) == 1
    copy._custom_load = load
    copy.apply(ref, snapshot, _slips(4))
    assert len(load.paths) == 1  # the copy parsed the file itself
    assert read_snapshot(Path(ref.id)).tabs[PLAN].cell(1, SLIPS).value == 4


def test_the_kept_workbooks_are_bounded(plans: Path) -> None:
    for n in range(12):
        write_workbook(plans / f"deal-{n:02d}.xlsx", rendered())
    store = LocalPlanStore(plans)
    for ref in store.list_plans():
        store.read(ref)
    assert len(store._parsed) == store._parsed.size == 8
