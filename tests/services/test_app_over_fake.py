"""app.create_plan and app.sync_plan over the in-memory store: the service logic (sharing when the
store shares, re-reading a plan that changed under the sync, nothing written on a dry run) without
a workbook or the emulator."""

from __future__ import annotations

from datetime import date

import pytest

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.errors import PlanChanged, UsageError
from tests.support.fake_store import FAKE_WITH_EVERYTHING, FakePlanStore

CONFIG = Config(backend="fake", today=date(2026, 3, 2))
LATER = Config(backend="fake", today=date(2026, 4, 20))


def request(decision: date = date(2026, 6, 30), **options) -> app.CreateRequest:
    return app.CreateRequest("Acme rollout", decision, [Person.parse("Dana Tanaka <dana@acme.com>")],
                             [Person.parse("Sam Rivera <sam@seller.io>")], **options)


def test_create_writes_one_plan_and_shares_only_where_the_store_shares() -> None:
    plain = FakePlanStore()
    made = app.create_plan(plain, request(), CONFIG)
    assert made.shared_with == () and plain.count("share") == 0
    assert plain.stored(made.ref).meta["plan_id"] == made.plan.plan_id
    sharing = FakePlanStore(FAKE_WITH_EVERYTHING)
    made = app.create_plan(sharing, request(commenter=True), CONFIG)
    assert made.shared_with == ("dana@acme.com",)
    assert sharing.plans[made.ref.id].shared == {"dana@acme.com": "commenter"}


def test_create_dry_run_and_a_past_decision_write_nothing(fake_store: FakePlanStore) -> None:
    assert app.create_plan(fake_store, request(), CONFIG, dry_run=True).dry_run
    with pytest.raises(UsageError):
        app.create_plan(fake_store, request(decision=date(2026, 3, 1)), CONFIG)
    assert fake_store.plans == {}


def test_a_new_plan_needs_no_sync_and_a_later_one_is_written_once(fake_store: FakePlanStore) -> None:
    ref = app.create_plan(fake_store, request(), CONFIG).ref
    first = app.sync_plan(fake_store, "acme-rollout", CONFIG)
    assert not first.written and fake_store.count("apply") == 0
    later = app.sync_plan(fake_store, ref, LATER)
    assert later.written and fake_store.count("apply") == 1
    assert not app.sync_plan(fake_store, ref, LATER).written  # the second sync changes nothing


def test_a_plan_changed_between_read_and_write_is_read_again(fake_store: FakePlanStore) -> None:
    ref = app.create_plan(fake_store, request(), CONFIG).ref
    real_read = fake_store.read
    edits = iter([True])

    def read_then_buyer_saves(plan_ref):
        snapshot = real_read(plan_ref)
        if next(edits, False):
            fake_store.edit(plan_ref, lambda s: s)
        return snapshot

    fake_store.read = read_then_buyer_saves  # type: ignore[method-assign]
    outcome = app.sync_plan(fake_store, ref, LATER)
    assert outcome.written
    assert fake_store.count("read") == 2 and fake_store.count("apply") == 2
    assert fake_store.plans[ref.id].version == 3  # created, the buyer's save, one write


def test_a_plan_that_keeps_changing_stops_with_plan_changed(fake_store: FakePlanStore) -> None:
    ref = app.create_plan(fake_store, request(), CONFIG).ref
    real_read = fake_store.read

    def always_edited(plan_ref):
        snapshot = real_read(plan_ref)
        fake_store.edit(plan_ref, lambda s: s)
        return snapshot

    fake_store.read = always_edited  # type: ignore[method-assign]
    with pytest.raises(PlanChanged) as err:
        app.sync_plan(fake_store, ref, LATER)
    assert err.value.hint and fake_store.count("read") == app.SYNC_ATTEMPTS
    assert fake_store.plans[ref.id].version == 1 + app.SYNC_ATTEMPTS  # nothing of ours written


def test_close_reads_again_when_the_buyer_saved_meanwhile(fake_store: FakePlanStore, tmp_path) -> None:
    ref = app.create_plan(fake_store, request(), CONFIG).ref
    real_read = fake_store.read
    edits = iter([True])

    def read_then_buyer_saves(plan_ref):
        snapshot = real_read(plan_ref)
        if next(edits, False):
            fake_store.edit(plan_ref, lambda s: s)
        return snapshot

    fake_store.read = read_then_buyer_saves  # type: ignore[method-assign]
    config = Config(backend="fake", today=date(2026, 4, 20), state=str(tmp_path / "seller.db"))
    done = app.close_plan(fake_store, ref.id, config, outcome="won")
    assert done.on == date(2026, 4, 20)
    assert fake_store.count("read") == 2 and fake_store.count("apply") == 2
    assert fake_store.stored(ref).meta["closed"] == "won 2026-04-20"
    assert ref.id in app.closed_plans(fake_store, config)
