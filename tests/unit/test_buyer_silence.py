"""The buyer's silence (issue 12): which edit is the buyer's, from when silence counts, the
``buyer.silent`` finding on the plan's calendar and the step it takes off health — on plain data,
and through ``plan_sync`` with what the seller side remembers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Health, Item, ItemType, Overview, Person, Plan, Side, Stakeholder, Status
from map_workspace.domain.rules import Context, Thresholds, assess
from map_workspace.domain.silence import BuyerWatch, Touch, by_seller, last_buyer_touch, silence_since
from map_workspace.sync import Settings, plan_sync

PEOPLE = (Stakeholder("Dana Tanaka", Side.BUYER, "Champion", "dana@acme.com"),
          Stakeholder("Sam Rivera", Side.SELLER, "Account executive", "sam@seller.io"))


def plan(*statuses: Status) -> Plan:
    items = tuple(Item(id=f"T-0{n}", type=ItemType.TASK, activity=f"Step {n}", owner="Dana Tanaka",
                       due=date(2027, 3, 1), status=s, side=Side.BUYER) for n, s in enumerate(statuses, 1))
    return Plan("p1", Overview("Acme", "Acme", "Seller.io", date(2027, 3, 31)), items, PEOPLE)


def silent(p: Plan, today: date, since: date, **kw) -> list:
    ctx = Context(today=today, buyer_since=since, **kw)
    return [f for f in assess(p, ctx).findings if f.code == "buyer.silent"]


def test_silent_after_ten_business_days_on_the_plans_calendar():
    p = plan(Status.NOT_STARTED)
    since = date(2027, 1, 4)  # a Monday
    assert silent(p, date(2027, 1, 15), since) == []  # nine business days later
    found = silent(p, date(2027, 1, 18), since, buyer_edited=True, buyer_by="Dana Tanaka")  # the tenth
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert found[0].message == ("The buyer has not edited the plan for 10 business days (last edit 2027-01-04 "
                                "by Dana Tanaka).")
    # A holiday on the plan's calendar is not a day of silence.
    assert silent(p, date(2027, 1, 18), since, holidays=frozenset({date(2027, 1, 11)})) == []


def test_never_edited_is_worded_so_and_threshold_is_configurable():
    found = silent(plan(Status.IN_PROGRESS), date(2027, 1, 11), date(2027, 1, 4),
                   thresholds=Thresholds(buyer_silent=5))
    assert [f.message for f in found] == ["The buyer has not edited the plan since it was created on 2027-01-04 "
                                          "(5 business days)."]


def test_no_open_items_no_claim_and_unknown_start_no_claim():
    assert silent(plan(Status.DONE, Status.NA), date(2027, 3, 1), date(2027, 1, 4)) == []
    assert [f for f in assess(plan(Status.NOT_STARTED), Context(today=date(2027, 3, 1))).findings
            if f.code == "buyer.silent"] == []
    closed = Thresholds(date_flags=False)
    assert silent(plan(Status.NOT_STARTED), date(2027, 3, 1), date(2027, 1, 4), thresholds=closed) == []


def test_silence_drops_health_one_step():
    p = plan(Status.NOT_STARTED)
    quiet = assess(p, Context(today=date(2027, 1, 18), buyer_since=date(2027, 1, 4)))
    heard = assess(p, Context(today=date(2027, 1, 18), buyer_since=date(2027, 1, 11)))
    assert (heard.health, quiet.health) == (Health.ON_TRACK, Health.AT_RISK)
    compressed = assess(p, Context(today=date(2027, 1, 18), buyer_since=date(2027, 1, 4), shortfall_days=3))
    assert compressed.health is Health.OFF_TRACK  # At risk (compressed), one step below


def test_which_edit_is_the_buyers():
    at = datetime(2027, 1, 6, 9, tzinfo=UTC)
    assert by_seller("Sam Rivera", PEOPLE) and by_seller("sam@seller.io", PEOPLE)
    assert by_seller("Sam Rivera <SAM@seller.io>", PEOPLE) and not by_seller("Dana Tanaka <dana@acme.com>", PEOPLE)
    older = Touch(datetime(2027, 1, 4, tzinfo=UTC), "Dana Tanaka")
    assert last_buyer_touch(Touch(at, "Dana Tanaka"), older, PEOPLE) == Touch(at, "Dana Tanaka")
    assert last_buyer_touch(Touch(at, "Sam Rivera"), older, PEOPLE) == older  # the seller's edit is not the buyer's
    assert last_buyer_touch(None, older, PEOPLE) == older
    assert silence_since(None, date(2027, 1, 4), date(2027, 2, 1)) == date(2027, 2, 1)  # older than the check
    assert silence_since(None, date(2027, 1, 4), None) == date(2027, 1, 4)
    assert silence_since(older, date(2026, 12, 1), date(2027, 2, 1)) == date(2027, 1, 4)


def test_plan_sync_reads_the_buyers_edit_from_the_snapshot_and_remembers_it():
    start = date(2026, 3, 2)
    req = app.CreateRequest("Acme rollout", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")])
    snapshot = app.build_new_plan(req, Config(), start, datetime(2026, 3, 2, 9, tzinfo=UTC)).snapshot
    assert Touch.parse(snapshot.meta["created"]).day == start
    quiet_watch = BuyerWatch(None, start)
    later = date(2026, 3, 16)  # ten business days after creation
    result = plan_sync(snapshot, later, settings=Settings(buyer=quiet_watch))
    assert "buyer.silent" in {f.code for f in result.findings}
    assert result.assessment.health is Health.AT_RISK
    assert plan_sync(snapshot, date(2026, 3, 13), settings=Settings(buyer=quiet_watch)).assessment.health \
        is Health.ON_TRACK
    assert result.buyer == quiet_watch and result.silent_on is not None and result.silent_on <= later
    edited = replace(snapshot, edited_by="Dana Tanaka", edited_at=f"{later.isoformat()}T08:00:00+00:00")
    heard = plan_sync(edited, later, settings=Settings(buyer=quiet_watch))
    assert "buyer.silent" not in {f.code for f in heard.findings}
    assert heard.buyer is not None and heard.buyer.last == Touch.parse(edited.edited_at, "Dana Tanaka")
    # A seller's edit does not break the buyer's silence.
    by_sam = replace(snapshot, edited_by="Sam Rivera", edited_at=edited.edited_at)
    assert "buyer.silent" in {f.code for f in plan_sync(by_sam, later, settings=Settings(buyer=quiet_watch)).findings}
    # Without what the seller side remembers, nothing is claimed.
    assert plan_sync(snapshot, later).buyer is None
    assert "buyer.silent" not in {f.code for f in plan_sync(snapshot, later).findings}


def test_the_threshold_comes_from_config_toml(tmp_path):
    from map_workspace.config import load_config

    path = tmp_path / "c.toml"
    path.write_text("[thresholds]\nbuyer_silent = 15\n")
    assert load_config({}, environ={"MAPWS_CONFIG": str(path)}).thresholds.buyer_silent == 15
    assert Thresholds().buyer_silent == 10


def test_the_night_plans_an_unchanged_plan_again_when_silence_begins_and_each_day_after():
    """What a night remembers of an unchanged plan holds until the buyer's silence begins, and for one
    day at a time once it has (its message counts the days)."""
    import json

    from map_workspace import nightly
    from map_workspace.ports import PlanRef

    req = app.CreateRequest("Acme rollout", date(2026, 9, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")], start=date(2026, 6, 1))
    config = Config()
    snapshot = app.build_new_plan(req, config, date(2026, 3, 2), datetime(2026, 3, 2, 9, tzinfo=UTC)).snapshot

    def until(today: date) -> str:
        settings = replace(app.settings_for(config), buyer=BuyerWatch(None, date(2026, 3, 2)))
        from map_workspace.changes import apply_in_memory

        written = apply_in_memory(snapshot, plan_sync(snapshot, today, settings=settings).changes)
        result = plan_sync(written, today, settings=settings)  # as the night finds it after its write
        assert result.changes.is_empty
        outcome = app.SyncOutcome(PlanRef("p", "", "acme-rollout"), result, written=False)
        return json.loads(nightly.conclusions_of(outcome, {}, config, today))["until"]

    assert until(date(2026, 3, 4)) == "2026-03-16"  # the day silence begins (nothing else is due before June)
    assert until(date(2026, 3, 16)) == "2026-03-17"
    assert until(date(2026, 3, 20)) == "2026-03-21"
