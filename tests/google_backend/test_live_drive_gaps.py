"""What live Google does that a lenient emulator hid (issue 10), each turned on in the emulator and
met by the product: buyers without a Google account, long non-Latin deal names against the
appProperties limit, Shared Drive roles (a Content manager can trash but not delete), a summary
write whose answer is lost, Drive search lagging behind a create, and `version` steps above one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from map_workspace import app
from map_workspace.backends.google.drive_state import DriveStateStore
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.errors import PlanExists
from tests.support.google import buyer_credentials, calls, make_store

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
BOT = "mapws-sync@sales.example"


def config_for(emulator) -> Config:
    return Config(backend="google", google_api_root=emulator.base_url, today=TODAY, timezone="UTC")


def create(store, emulator, deal="Acme rollout", buyer="Dana Tanaka <dana@acme.example>"):
    req = app.CreateRequest(deal, date(2026, 6, 30), [Person.parse(buyer)],
                            [Person.parse("Sam Rivera <sam@seller.example>")])
    return app.create_plan(store, req, config_for(emulator))


def live_files(emulator, kind: str, client: str = "anonymous") -> list[dict]:
    return [f for f in emulator.state(spreadsheets=False)["files"] if not f["trashed"]
            and (f["appProperties"].get(client) or {}).get("mapws") == kind]


# --- 1. buyers without a Google account -------------------------------------------------------------


def test_a_buyer_without_a_google_account_gets_the_plan_and_its_summary(emulator, google_store):
    emulator.without_google_account("outlook-buyer.example")
    store = google_store()
    created = create(store, emulator, buyer="Kim Lee <kim@outlook-buyer.example>")
    assert created.shared_with == ("kim@outlook-buyer.example",)
    summary = app.write_summary(store, created.ref.slug, config_for(emulator))
    again = app.write_summary(google_store(), created.ref.slug, config_for(emulator))  # a rerun shares nothing
    assert again.document == summary.document
    sent = [n for n in emulator.state(spreadsheets=False)["notifications"] if n["fileId"] == summary.document]
    assert len(sent) == 1 and sent[0]["to"] == "kim@outlook-buyer.example" and sent[0]["role"] == "reader"
    assert sent[0]["sent"] and "summary" in sent[0]["message"] and "Acme rollout" in sent[0]["message"]


def test_buyers_with_a_google_account_get_the_summary_without_an_email(emulator, google_store):
    emulator.without_google_account("outlook-buyer.example")
    store = google_store()
    created = create(store, emulator)
    summary = app.write_summary(store, created.ref.slug, config_for(emulator))
    sent = [n for n in emulator.state(spreadsheets=False)["notifications"] if n["fileId"] == summary.document]
    assert [(n["to"], n["sent"]) for n in sent] == [("dana@acme.example", False)]


# --- 2. appProperties: 124 bytes for key and value ---------------------------------------------------


@pytest.mark.parametrize("deal", [
    "東京ガス株式会社次世代基幹システム導入プロジェクト二〇二六年度第一期全社展開計画書",  # 41 characters, 123 bytes
    "Überweisungs- und Zahlungsverkehrsplattform für die Großkundenbetreuung Süd",
    "Ελληνικά Ταχυδρομεία μετάβαση σε νέο σύστημα διαχείρισης πελατών",
])
def test_any_deal_name_fits_drives_app_properties(emulator, google_store, deal):
    store = google_store()
    created = create(store, emulator, deal=deal)
    plan = live_files(emulator, "plan")[0]
    for key, value in plan["appProperties"]["anonymous"].items():
        assert len(key.encode()) + len(value.encode()) <= 124
    assert app.sync_plan(google_store(), created.ref.slug, config_for(emulator)).ref.id == created.ref.id
    summary = app.write_summary(google_store(), created.ref.slug, config_for(emulator))
    assert summary.document in emulator.state(spreadsheets=False)["documents"]
    with pytest.raises(Exception, match="already exists"):
        create(google_store(), emulator, deal=deal)


# --- 3. Shared Drives: a Content manager trashes, only a Manager deletes ----------------------------


def bot_store(emulator, folder: str, **options):
    return make_store(emulator, credentials=buyer_credentials(emulator, BOT), principal=BOT, folder=folder,
                      **options)


def test_a_half_made_plan_in_a_shared_drive_is_trashed_and_the_next_create_goes_through(emulator):
    drive_id = emulator.add_shared_drive("Sales MAPs", {BOT: "fileOrganizer"})  # the guide's Content manager
    emulator.lose_answer("sheets.spreadsheets.batchUpdate", 500)
    store = bot_store(emulator, drive_id, retry=RetryPolicy(max_retries=0))
    with pytest.raises(Exception, match="lay out the new plan"):
        create(store, emulator)
    files = emulator.state(spreadsheets=False)["files"]
    assert [f["trashed"] for f in files if f["mimeType"].endswith("spreadsheet")] == [True]
    created = create(bot_store(emulator, drive_id), emulator)
    assert [f["id"] for f in live_files(emulator, "plan", BOT)] == [created.ref.id]


def test_a_duplicate_state_file_in_a_shared_drive_is_trashed_and_the_night_goes_on(emulator, monkeypatch):
    drive_id = emulator.add_shared_drive("Sales MAPs", {BOT: "fileOrganizer"})
    monkeypatch.setattr(DriveStateStore, "settle_s", 0.0)
    store = DriveStateStore.for_store(bot_store(emulator, drive_id), "all")
    other = bot_store(emulator, drive_id).calls.drive

    def another_run_created_one_first(_seconds: float) -> None:
        if len(emulator.core.files) == 2:  # the drive's root and ours: the other run's is older
            made = other.files().create(body={"name": "state", "parents": [drive_id], "appProperties": {
                "mapws": "state", "mapws_state": "all"}}, supportsAllDrives=True).execute()
            emulator.core.files[made["id"]].created_time -= timedelta(seconds=5)

    store._sleep = another_run_created_one_first
    with store.exclusive():
        held = store.file_id
    files = [f for f in emulator.state(spreadsheets=False)["files"] if f["id"] != drive_id]
    assert sorted(f["trashed"] for f in files) == [False, True]
    assert held == next(f["id"] for f in files if not f["trashed"])
    store.close()


# --- 7. a new summary's first write, retried after its answer was lost -------------------------------


@pytest.mark.parametrize("lost", [503, 0], ids=["5xx", "timeout"])
def test_a_retried_first_summary_write_does_not_duplicate_the_document(emulator, google_store, lost):
    store = google_store()
    created = create(store, emulator)
    emulator.lose_answer("docs.documents.batchUpdate", lost)  # applied, but the client hears a failure
    summary = app.write_summary(store, created.ref.slug, config_for(emulator))
    text = emulator.state(spreadsheets=False)["documents"][summary.document]["text"]
    assert text.count("Mutual Action Plan — Acme rollout") == 1 and text.count("Milestones\n") == 1
    again = app.write_summary(google_store(), created.ref.slug, config_for(emulator))
    assert emulator.state(spreadsheets=False)["documents"][again.document]["text"] == text


def test_a_retried_summary_rebuild_does_not_fail_on_its_own_landed_write(emulator, google_store):
    store = google_store()
    created = create(store, emulator)
    first = app.write_summary(store, created.ref.slug, config_for(emulator))
    text = emulator.state(spreadsheets=False)["documents"][first.document]["text"]
    emulator.lose_answer("docs.documents.batchUpdate", 503)
    again = app.write_summary(google_store(), created.ref.slug, config_for(emulator))
    documents = emulator.state(spreadsheets=False)["documents"]
    assert again.document == first.document and documents[first.document]["text"] == text


# --- 8. Drive's search lags a create; files.get does not -------------------------------------------


def test_create_then_sync_straight_away_while_drive_search_lags(emulator, google_store):
    emulator.set_search_lag(600)
    created = create(google_store(), emulator)
    # each step a new store, as each command is a new process
    assert app.sync_plan(google_store(), created.ref.slug, config_for(emulator)).ref.id == created.ref.id
    first = app.write_summary(google_store(), created.ref.slug, config_for(emulator))
    again = app.write_summary(google_store(), created.ref.slug, config_for(emulator))
    assert again.document == first.document
    with pytest.raises(PlanExists):
        create(google_store(), emulator)
    assert len(live_files(emulator, "plan")) == 1 and len(live_files(emulator, "summary")) == 1


def test_two_nights_in_a_row_keep_one_state_file_while_drive_search_lags(emulator, google_store, monkeypatch):
    emulator.set_search_lag(600)
    monkeypatch.setattr(DriveStateStore, "settle_s", 0.0)
    held = []
    for _night in range(2):
        state = DriveStateStore.for_store(google_store(), "all")
        with state.exclusive():
            held.append(state.file_id)
        state.close()
    assert held[0] == held[1] and len(live_files(emulator, "state")) == 1


# --- 9. one write may move Drive's version by more than one -----------------------------------------


@pytest.mark.parametrize("step", [(1, 1), (1, 4), (5, 5)], ids=["step 1", "step 1-4", "step 5"])
def test_the_next_night_reads_no_plan_the_product_alone_wrote_whatever_the_version_step(emulator, tmp_path, step):
    from map_workspace import nightly
    from map_workspace.ratelimit import Unlimited
    from map_workspace.state_store import StateStore
    from tests.support.google import is_sheets_read

    emulator.set_version_step(*step)
    config = Config(backend="google", google_api_root=emulator.base_url, today=TODAY, timezone="UTC")
    store = make_store(emulator)
    refs = [create(store, emulator, deal=f"Deal {i}").ref for i in range(3)]
    state = StateStore(tmp_path / "state.sqlite")

    def night(day: date) -> dict:
        emulator.log.clear()
        runs = list(nightly.sync_every_plan(make_store(emulator), replace(config, today=day),
                                            state=state, limiter=Unlimited(), workers=1))
        assert [r.error for r in runs] == [None] * len(runs)
        return {r.ref.id: r for r in runs}

    later = date(2026, 6, 10)  # items overdue: every plan is written
    runs = night(later)
    assert all(r.read and r.outcome.written for r in runs.values())
    runs = night(later)
    assert not any(r.read for r in runs.values())
    assert not any(is_sheets_read(e) for e in calls(emulator))
    # a buyer's edit after the product's write is still read the next night, and only that plan
    emulator.apply_edit(refs[1].id, [{"updateSpreadsheetProperties": {"properties": {"title": "Renamed"},
                                                                      "fields": "title"}}])
    runs = night(later)
    assert [ref_id for ref_id, r in runs.items() if r.read] == [refs[1].id]
    state.close()


def test_the_cli_create_then_sync_straight_away_while_drive_search_lags(emulator):
    from click.testing import CliRunner

    from map_workspace.cli import cli

    emulator.set_search_lag(600)
    env = {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": "2026-03-02"}
    runner = CliRunner()
    created = runner.invoke(cli, ["create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer",
                                  "Dana Tanaka <dana@acme.example>", "--json"], env=env)
    assert created.exit_code == 0, created.output
    synced = runner.invoke(cli, ["sync", "acme-rollout", "--json"], env=env)
    assert synced.exit_code == 0, synced.output
    again = runner.invoke(cli, ["create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer",
                                "Dana Tanaka <dana@acme.example>"], env=env)
    assert again.exit_code != 0 and "already exists" in again.output


def test_the_guides_shared_drive_setup_works_with_a_content_manager(emulator, tmp_path, monkeypatch):
    """docs/google-setup.md, option (b): a service account added to a Shared Drive as Content
    manager, `init --create-folder` inside it, then create, summary and two nights with the state in
    Drive — nothing needs a Manager."""
    from map_workspace import nightly
    from map_workspace.backends.google import auth
    from map_workspace.ratelimit import Unlimited
    from tests.google_backend.test_nightly_google import ROBOT, service_account_key

    monkeypatch.setattr(DriveStateStore, "settle_s", 0.0)
    drive_id = emulator.add_shared_drive("Sales MAPs", {ROBOT: "fileOrganizer", "boss@seller.example": "organizer"})
    robot = replace(config_for(emulator), credentials=str(service_account_key(tmp_path)), folder=drive_id)
    folder = auth.create_folder(robot, "MAPs")["id"]
    robot = replace(robot, folder=folder)
    assert auth.check(robot)["folder"]["writable"] is True
    store = app.make_store(robot)
    created = create(store, emulator)
    app.write_summary(app.make_store(robot), created.ref.slug, robot)
    assert {f["id"] for f in live_files(emulator, "plan", ROBOT)} == {created.ref.id}
    for day in (date(2026, 6, 10), date(2026, 6, 10)):
        state = DriveStateStore.for_store(app.make_store(robot), "all")
        runs = list(nightly.sync_every_plan(app.make_store(robot), replace(robot, today=day), state=state,
                                            limiter=Unlimited(), workers=1))
        state.close()
        assert [r.error for r in runs] == [None]
    assert not runs[0].read  # the second night: the product's own write is recognised
    assert len(live_files(emulator, "state", ROBOT)) == 1
    assert all(emulator.core.files[i].drive_id == drive_id for i in (folder, created.ref.id))
