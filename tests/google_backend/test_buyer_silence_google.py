"""The buyer's silence on Google (issue 12), through the emulator: the buyer's last edit comes from
the Drive listing the night already makes (``modifiedTime``, ``lastModifyingUser``; the product's
own writes, ``me``, are not the buyer's), is kept seller-side through nights the plan is not read,
and ``buyer.silent`` comes after ``buyer_silent`` business days; ``list`` shows it (issue 13)."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from map_workspace.cli import cli
from map_workspace.domain.calendar import add_business_days
from tests.support.google import api_of, calls

BUYER = "dana@acme.example"


def run(env, *args, code=0, today=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env={**env, **({"MAPWS_TODAY": str(today)} if today
                                                                             else {})}, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def night(env, day):
    lines = [json.loads(x) for x in run(env, "sync", "--all", "--json", today=day).stdout.splitlines()]
    [plan] = [x for x in lines if "plan" in x]
    return plan


def test_the_buyers_last_edit_from_the_listing_and_silence_after_ten_business_days(emulator, buyer, tmp_path):
    env = {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url,
           "MAPWS_STATE": str(tmp_path / "state.sqlite")}
    day0 = emulator.core.clock.datetime().date()  # Drive stamps modifiedTime on the emulated clock
    while day0.weekday() >= 5:
        day0 += timedelta(days=1)
        emulator.advance_clock(86400)
    created = json.loads(run(env, "create", "Acme rollout", "--template", "light", "--decision-date",
                             (day0 + timedelta(days=120)).isoformat(), "--buyer", f"Dana Tanaka <{BUYER}>",
                             "--seller", "Sam Rivera <sam@seller.example>", "--holidays", "none", "--json",
                             today=day0).stdout)
    first = night(env, day0)  # the product's own create and first write: nobody on the buyer's side yet
    assert first["changed_by"] is None
    [entry] = json.loads(run(env, "list", "--json", today=day0).stdout)["plans"]
    assert entry["buyer_last_edit"] is None and entry["health"] == "on_track"

    emulator.name_user(BUYER, "Dana Tanaka")
    sheet = buyer(BUYER).open_by_key(created["plan"]).worksheet("Plan")
    values = sheet.get_all_values()
    row = {r[0]: i + 1 for i, r in enumerate(values) if r and r[0]}
    sheet.update_cell(row["T-01"], values[0].index("Status") + 1, "In progress")
    edited = night(env, day0)
    assert edited["changed_by"] == f"Dana Tanaka <{BUYER}>"
    [entry] = json.loads(run(env, "list", "--json", today=day0).stdout)["plans"]
    assert entry["buyer_last_edit"]["by"] == f"Dana Tanaka <{BUYER}>"
    assert entry["buyer_last_edit"]["at"].startswith(day0.isoformat()) and entry["days_since_buyer_edit"] == 0

    # The night after it wrote: Drive's last modifier is the product itself; the buyer's edit is kept.
    emulator.log.clear()
    quiet_day = add_business_days(day0, 9)
    quiet = night(env, quiet_day)
    assert "buyer.silent" not in {f["code"] for f in quiet["findings"]}
    drive = [e for e in calls(emulator) if api_of(e) == "drive"]
    assert [e["method"] for e in drive] == ["GET"] and drive[0]["path"].endswith("/files")  # the listing, only
    assert not [e for e in calls(emulator) if api_of(e) == "sheets"]  # and no read

    silent_day = add_business_days(day0, 10)
    silent = night(env, silent_day)
    found = [f for f in silent["findings"] if f["code"] == "buyer.silent"]
    assert [f["message"] for f in found] == [
        f"The buyer has not edited the plan for 10 business days (last edit {day0.isoformat()} by "
        f"Dana Tanaka <{BUYER}>)."]
    assert silent["health"] == "at_risk"
    [entry] = json.loads(run(env, "list", "--json", today=silent_day).stdout)["plans"]
    assert entry["buyer_silent"] is True and entry["days_since_buyer_edit"] == (silent_day - day0).days
    text = run(env, "list", today=silent_day).stdout
    assert "At risk (buyer silent)" in text and f"{(silent_day - day0).days} days ago" in text


def test_with_impersonate_owners_the_buyers_edit_comes_from_the_robots_listing(emulator, buyer, tmp_path):
    """The owner's store reads the plan; the robot listed it: the buyer's edit still reaches the state,
    and the owner's own writes (the file's owner is the last modifier) are not the buyer's."""
    from dataclasses import replace

    from map_workspace import app
    from map_workspace.config import Config
    from map_workspace.domain.model import Person
    from tests.google_backend.test_nightly_google import ROBOT, service_account_key

    key = service_account_key(tmp_path)
    env = {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url,
           "MAPWS_STATE": str(tmp_path / "state.sqlite"), "MAPWS_CREDENTIALS": str(key)}
    day = emulator.core.clock.datetime().date()
    robot = Config(backend="google", google_api_root=emulator.base_url, today=day, timezone="UTC",
                   credentials=str(key))
    rep = "ana@seller.example"
    store = app.make_store(replace(robot, impersonate=rep))
    req = app.CreateRequest("Acme rollout", day + timedelta(days=120), [Person.parse(f"Dana Tanaka <{BUYER}>")],
                            [Person.parse("Sam Rivera <sam@seller.example>")], template="light")
    ref = app.create_plan(store, req, robot).ref
    store.share(ref, [ROBOT])
    run(env, "sync", "--all", "--impersonate-owners", today=day)
    [entry] = json.loads(run(env, "list", "--json", today=day).stdout)["plans"]
    assert entry["buyer_last_edit"] is None  # the owner's writes are the seller's

    emulator.name_user(BUYER, "Dana Tanaka")
    sheet = buyer(BUYER).open_by_key(ref.id).worksheet("Plan")
    values = sheet.get_all_values()
    row = {r[0]: i + 1 for i, r in enumerate(values) if r and r[0]}
    sheet.update_cell(row["T-01"], values[0].index("Status") + 1, "In progress")
    run(env, "sync", "--all", "--impersonate-owners", today=day)
    [entry] = json.loads(run(env, "list", "--json", today=day).stdout)["plans"]
    assert entry["buyer_last_edit"]["by"] == f"Dana Tanaka <{BUYER}>"
