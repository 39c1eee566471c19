"""The nightly's state logic over the in-memory store: an unchanged plan is not read again, an
edited one is, one broken plan does not stop the night, and a crashed run is reported on resume."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from map_workspace import app, nightly
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.errors import PlanError
from map_workspace.layout import Snapshot
from map_workspace.ratelimit import Unlimited
from map_workspace.state_store import StateStore
from tests.support.fake_store import FakePlanStore
from tests.unit.snapshot_edit import SnapshotEditor

CREATED = Config(backend="fake", today=date(2026, 3, 2))


def fill(store: FakePlanStore, deals: list[str]) -> None:
    for deal in deals:
        app.create_plan(store, app.CreateRequest(deal, date(2026, 6, 30), [Person.parse("Dana <dana@acme.com>")],
                                                 [Person.parse("Sam <sam@seller.io>")]), CREATED)


def night(store: FakePlanStore, state: StateStore, day: date, **options) -> list[nightly.PlanRun]:
    config = Config(backend="fake", today=day, state=str(state.path))
    return list(nightly.sync_every_plan(store, config, state=state, limiter=Unlimited(), **options))


def test_an_unchanged_plan_is_not_read_again_and_an_edited_one_is(fake_store: FakePlanStore, tmp_path: Path) -> None:
    fill(fake_store, ["Acme rollout", "Beta deal"])
    state = StateStore(tmp_path / "state.sqlite")
    first = night(fake_store, state, date(2026, 3, 3))
    assert all(r.read and r.error is None for r in first)
    reads = fake_store.count("read")
    second = night(fake_store, state, date(2026, 3, 3))
    assert not any(r.read for r in second) and fake_store.count("read") == reads
    beta = fake_store.locate("beta-deal")
    fake_store.edit(beta, lambda s: s)
    third = night(fake_store, state, date(2026, 3, 3))
    assert {r.ref.slug for r in third if r.read} == {"beta-deal"}


def test_what_a_night_wrote_is_remembered_without_reading_it_back(fake_store: FakePlanStore,
                                                                   tmp_path: Path) -> None:
    fill(fake_store, ["Acme rollout"])
    state = StateStore(tmp_path / "state.sqlite")
    written = night(fake_store, state, date(2026, 4, 20))
    assert written[0].outcome is not None and written[0].outcome.written
    reads = fake_store.count("read")
    again = night(fake_store, state, date(2026, 4, 20))
    assert not again[0].read and fake_store.count("read") == reads
    assert again[0].outcome is not None and not again[0].outcome.written


def test_one_broken_plan_is_reported_and_the_others_are_synced(fake_store: FakePlanStore, tmp_path: Path) -> None:
    fill(fake_store, ["Acme rollout", "Beta deal", "Gamma deal"])
    broken = fake_store.locate("beta-deal")
    fake_store.fail_next_read[broken.id] = PlanError("The file is damaged.", "Restore it.")
    runs = night(fake_store, StateStore(tmp_path / "state.sqlite"), date(2026, 3, 3), workers=2)
    failed = [r for r in runs if r.error is not None]
    assert [r.ref.slug for r in failed] == ["beta-deal"]
    assert sorted(r.ref.slug for r in runs if r.error is None) == ["acme-rollout", "gamma-deal"]


def test_a_crashed_night_is_reported_when_the_next_one_starts(fake_store: FakePlanStore, tmp_path: Path) -> None:
    fill(fake_store, ["Acme rollout", "Beta deal"])
    state = StateStore(tmp_path / "state.sqlite")
    config = Config(backend="fake", today=date(2026, 3, 3), state=str(state.path))
    runs = nightly.sync_every_plan(fake_store, config, state=state, limiter=Unlimited())
    next(runs)
    runs.close()  # killed after the first plan
    resumed: list[dict[str, object]] = []
    done = list(nightly.sync_every_plan(fake_store, config, state=state, limiter=Unlimited(),
                                        on_resume=resumed.append))
    assert len(done) == 2 and resumed and resumed[0]["done"] == 1 and resumed[0]["total"] == 2
    assert sum(r.read for r in done) == 1  # the plan finished before the crash is unchanged: no read



def test_two_people_in_one_owner_cell_are_two_owners_in_the_digest(fake_store: FakePlanStore,
                                                                   tmp_path: Path) -> None:
    fill(fake_store, ["Acme rollout"])
    ref = fake_store.locate("acme-rollout")

    def shared(snapshot: Snapshot) -> Snapshot:
        ed = SnapshotEditor(snapshot)
        for row in range(2, len(ed.grid) + 1):
            if ed.value_at(row, "id"):
                ed.set(ed.value_at(row, "id"), "owner", "Dana & Sam")
        return ed.snapshot

    fake_store.edit(ref, shared)
    owners = nightly.Night(runs=night(fake_store, StateStore(tmp_path / "state.sqlite"), date(2026, 6, 1))).by_owner()
    assert "Dana & Sam" not in owners
    assert owners["Dana"] == owners["Sam"] and owners["Dana"]["overdue"] + owners["Dana"]["stalled"] > 5


def test_a_done_item_whose_date_moves_is_not_in_the_nights_slipped_list(fake_store: FakePlanStore,
                                                                      tmp_path: Path) -> None:
    fill(fake_store, ["Acme rollout"])
    ref = fake_store.locate("acme-rollout")
    first = SnapshotEditor(fake_store.stored(ref)).value_at(2, "id")
    second = SnapshotEditor(fake_store.stored(ref)).value_at(3, "id")

    def moved(snapshot: Snapshot) -> Snapshot:
        ed = SnapshotEditor(snapshot)
        ed.set(first, "status", "Done")
        for item_id in (first, second):
            ed.set(item_id, "due", date(2026, 6, 1))
        return ed.snapshot

    fake_store.edit(ref, moved)
    runs = night(fake_store, StateStore(tmp_path / "state.sqlite"), date(2026, 3, 3))
    assert [e["id"] for e in runs[0].digest["slipped"]] == [second]


def test_an_unchanged_plan_to_plan_again_is_decoded_by_whoever_plans_it(fake_store: FakePlanStore,
                                                                         tmp_path: Path) -> None:
    """Deciding what to do with a plan costs no decoding: a night over worker processes hands each
    one the stored bytes, and only the process that plans the plan decodes its snapshot."""
    fill(fake_store, ["Acme rollout"])
    state = StateStore(tmp_path / "state.sqlite")
    night(fake_store, state, date(2026, 3, 3))
    later = date(2026, 5, 20)  # items overdue by then: last night's conclusions no longer hold
    ref = fake_store.list_plans()[0]
    job = nightly.prepare(fake_store, ref, Config(backend="fake", today=later), state, later)
    assert isinstance(job, nightly.Job) and job.unchanged
    assert job.remembered is not None and "snapshot" not in vars(job.remembered)
    assert job.cached is not None and job.cached.tabs  # decoded on first use, then kept
    assert vars(job.remembered)["snapshot"] is job.cached
