"""The fake keeps the PlanStore contract the services rely on: what was written reads back, a write
planned from a stale read is refused with nothing written, and capabilities follow the traits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from map_workspace import app
from map_workspace.changes import CellWrite, ChangeSet
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.errors import PlanChanged, PlanExists, PlanNotFound, UsageError
from map_workspace.layout import PLAN
from map_workspace.summary import SummaryDoc
from tests.support.fake_store import FAKE_WITH_EVERYTHING, FakePlanStore

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def new_plan(store: FakePlanStore, deal: str = "Acme rollout"):
    req = app.CreateRequest(deal, date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")])
    new = app.build_new_plan(req, Config(), TODAY, NOW)
    return store.create(new.snapshot, slug=new.plan.slug, title=deal), new.snapshot


def test_a_created_plan_reads_back_with_a_version(fake_store: FakePlanStore) -> None:
    ref, written = new_plan(fake_store)
    read = fake_store.read(ref)
    assert read.tabs == written.tabs and read.meta == written.meta
    assert read.token.version == "1" == fake_store.version(ref)
    assert fake_store.locate("acme-rollout") == ref == fake_store.locate(ref.id)
    assert [r.slug for r in fake_store.list_plans()] == ["acme-rollout"]


def test_creating_twice_and_unknown_plans_are_refused(fake_store: FakePlanStore) -> None:
    new_plan(fake_store)
    with pytest.raises(PlanExists):
        new_plan(fake_store)
    with pytest.raises(PlanNotFound) as err:
        fake_store.locate("gamma")
    assert err.value.hint


def test_apply_folds_the_changes_in_and_moves_the_version(fake_store: FakePlanStore) -> None:
    ref, _ = new_plan(fake_store)
    read = fake_store.read(ref)
    assert fake_store.apply(ref, read, ChangeSet(cells=(CellWrite(PLAN, 2, 0, "written"),))) == "2"
    again = fake_store.read(ref)
    assert again.tabs[PLAN].rows[1][0].value == "written"
    assert again.token.version == "2"


def test_a_write_planned_from_a_stale_read_is_refused_and_writes_nothing(fake_store: FakePlanStore) -> None:
    ref, _ = new_plan(fake_store)
    stale = fake_store.read(ref)
    fake_store.edit(ref, lambda s: s)  # the buyer saved meanwhile
    before = fake_store.stored(ref)
    with pytest.raises(PlanChanged) as err:
        fake_store.apply(ref, stale, ChangeSet(cells=(CellWrite(PLAN, 2, 0, "lost"),)))
    assert err.value.version == "2"
    assert fake_store.stored(ref) is before


def test_summaries_are_kept_and_capabilities_follow_the_traits(fake_store: FakePlanStore) -> None:
    ref, _ = new_plan(fake_store)
    doc = SummaryDoc("Acme rollout", "subtitle", ())
    assert fake_store.write_summary(ref, doc, pdf=True).pdf
    assert fake_store.summaries[ref.id] is doc
    for accessor in (fake_store.sharer, fake_store.publisher, fake_store.owners):
        with pytest.raises(UsageError):
            accessor()
    rich = FakePlanStore(FAKE_WITH_EVERYTHING)
    ref, _ = new_plan(rich)
    assert rich.sharer().share(ref, ["dana@acme.com"]) == ("dana@acme.com",)
    assert rich.sharer().share(ref, ["dana@acme.com"]) == ()
    assert rich.owners().owner_of(ref) == "seller@example.com"
    assert rich.publisher().publish_template("light", fake_store.stored(replace(ref, id="fake-0001"))).slug == "light"
