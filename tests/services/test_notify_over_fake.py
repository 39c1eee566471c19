"""notifying.notify over the in-memory store: a plan that cannot be read is named and the others
are still notified about; a dry run records nothing."""

from __future__ import annotations

from datetime import date

from map_workspace import app, notifying
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.errors import ExitStatus, PlanLocked
from map_workspace.state_store import StateStore
from tests.support.fake_store import FakePlanStore

CREATED = Config(backend="fake", today=date(2026, 3, 2))


def make(store: FakePlanStore, deal: str, buyer: str) -> str:
    req = app.CreateRequest(deal, date(2026, 6, 30), [Person.parse(buyer)],
                            [Person.parse("Sam Rivera <sam@seller.io>")])
    return app.create_plan(store, req, CREATED).ref.id


def test_an_unreadable_plan_is_named_and_the_others_still_go(fake_store: FakePlanStore, tmp_path) -> None:
    config = Config(backend="fake", today=date(2026, 3, 20), state=str(tmp_path / "state.sqlite"))
    acme = make(fake_store, "Acme rollout", "Dana Tanaka <dana@acme.com>")
    make(fake_store, "Globex pilot", "Lee Chen <lee@globex.com>")
    fake_store.fail_next_read[acme] = PlanLocked("acme is open in Excel.", "Close it and run again.")
    result = notifying.notify(fake_store, config, dry_run=True)
    assert [(ref.id, error.message) for ref, error in result.unread] == [(acme, "acme is open in Excel.")]
    assert result.exit_status is ExitStatus.PLAN
    reminded = {m.to for m in result.sent if m.kind == "reminder"}
    assert "lee@globex.com" in reminded and "dana@acme.com" not in reminded
    assert result.as_json()["unread"][0]["plan"] == acme and result.as_json()["dry_run"] is True
    state = StateStore(tmp_path / "state.sqlite")
    try:
        assert state.notifications() == []  # a dry run records nothing
    finally:
        state.close()


def test_a_plan_recorded_in_japanese_sends_japanese_reminders_and_the_seller_an_english_digest(
        fake_store: FakePlanStore, tmp_path) -> None:
    """The language comes from the plan's meta (``create --lang ja`` records it), not its locale
    (en_US here); the seller's digest stays English."""
    from map_workspace.catalog import META_LANGUAGE
    from map_workspace.changes import ChangeSet

    config = Config(backend="fake", today=date(2026, 3, 20), state=str(tmp_path / "state.sqlite"))
    acme = make(fake_store, "Acme rollout", "Dana Tanaka <dana@acme.com>")
    ref = fake_store.locate(acme)
    fake_store.apply(ref, fake_store.read(ref), ChangeSet(meta={META_LANGUAGE: "ja"}))
    result = notifying.notify(fake_store, config, dry_run=True)
    reminders = [m for m in result.sent if m.kind == "reminder"]
    assert reminders and all(m.subject.startswith("【Acme rollout】リマインダー") for m in reminders), reminders
    assert all("様" in m.text and "Hello" not in m.text for m in reminders)
    digests = [m for m in result.sent if m.kind == "digest"]
    assert digests and all(m.text.startswith("Hello ") for m in digests)
