"""The whole loop through the CLI on the Google backend, against the loopback emulator: the
newcomer's path of docs/google-setup.md, command by command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from tests.support.google import api_of, calls

TODAY = "2026-03-02"


@pytest.fixture
def env(emulator, tmp_path):
    return {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
            "MAPWS_STATE": str(tmp_path / "state.sqlite")}


def run(env, *args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def as_json(env, *args, code=0):
    out = run(env, *args, "--json", code=code).stdout
    return json.loads(out)


def test_from_a_folder_to_a_shared_synced_plan(env, emulator, buyer, tmp_path):
    check = as_json(env, "auth", "check")
    assert check["principal"] == "anonymous" and check["broad_scopes"] is False

    init = as_json(env, "init", "--backend", "google", "--create-folder", "MAPs",
                   "--api-root", emulator.base_url)
    assert init["folder"]
    assert init["folder"] in open(init["config"]).read()

    published = as_json(env, "templates", "publish", "light")
    emulator.log.clear()
    created = as_json(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30",
                      "--buyer", "Dana Tanaka <dana@acme.example>", "--seller", "Sam Rivera <sam@seller.example>")
    assert created["shared_with"] == ["dana@acme.example"]
    assert created["url"].startswith("https://docs.google.com/spreadsheets/d/")
    sent = calls(emulator)
    assert any(e["path"].endswith(f"/files/{published['id']}/copy") for e in sent)  # the branded template
    assert len([e for e in sent if "/permissions" not in e["path"]]) <= 4
    sheet_id = created["plan"]
    file = next(f for f in emulator.state(spreadsheets=False)["files"] if f["id"] == sheet_id)
    assert file["parents"] == [init["folder"]]
    dana = [p for p in file["permissions"] if p.get("emailAddress") == "dana@acme.example"]
    assert [(p["type"], p["role"]) for p in dana] == [("user", "writer")]
    assert not [p for p in file["permissions"] if p["type"] in ("anyone", "domain")]

    sheet = buyer("dana@acme.example").open_by_key(sheet_id).worksheet("Plan")
    values = sheet.get_all_values()
    owner_col = values[0].index("Owner") + 1
    sheet.update_cell(2, owner_col, "IT team")
    synced = as_json(env, "sync", "acme-rollout")
    assert synced["changes"] > 0
    assert ("owner.group", values[1][0]) in {(f["code"], f["id"]) for f in synced["findings"]}
    assert as_json(env, "sync", "acme-rollout")["changes"] == 0

    summary = as_json(env, "summary", "acme-rollout")
    assert summary["url"].startswith("https://docs.google.com/document/d/")

    shared = as_json(env, "share", "acme-rollout", "lee@acme.example", "--commenter")
    assert shared["shared_with"] == ["lee@acme.example"] and shared["role"] == "commenter"
    assert as_json(env, "share", "acme-rollout", "not-an-email", code=2)["error"]["code"] == "usage"

    listed = as_json(env, "list")["plans"]
    assert [p["slug"] for p in listed] == ["acme-rollout"]

    emulator.log.clear()
    lines = [json.loads(line) for line in run(env, "sync", "--all", "--json").stdout.splitlines()]
    assert lines[-1]["totals"]["plans"] == 1 and lines[-1]["totals"]["failed"] == 0
    assert sum(1 for e in calls(emulator) if api_of(e) == "drive") == 1  # the listing


def test_a_missing_plan_names_the_identity_and_exits_3(env):
    error = as_json(env, "sync", "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", code=3)["error"]
    assert error["code"] == "plan.not_found" and error["hint"]


def test_sync_says_what_the_buyer_changed_who_changed_it_and_what_to_fix(env, emulator, buyer):
    """Issue 9 (items 1–3) on Google: status counts what sync would write; sync says in words what
    the buyer changed and who (Drive's lastModifyingUser, by the name Google shows); findings name
    the item, its activity and the cell."""
    created = as_json(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30",
                      "--buyer", "Dana Tanaka <dana@acme.example>", "--seller", "Sam Rivera <sam@seller.example>")
    emulator.name_user("dana@acme.example", "Dana Tanaka")
    sheet = buyer("dana@acme.example").open_by_key(created["plan"]).worksheet("Plan")
    values = sheet.get_all_values()
    header = values[0]
    row = {r[0]: i + 1 for i, r in enumerate(values) if r and r[0]}
    activity = {r[0]: r[header.index("Activity")] for r in values[1:] if r and r[0]}
    sheet.update_cell(row["T-01"], header.index("Status") + 1, "Done")
    sheet.update_cell(row["T-02"], header.index("Owner") + 1, "")

    status = as_json(env, "status", "acme-rollout")
    dry = as_json(env, "sync", "acme-rollout", "--dry-run")
    assert status["changes"] == dry["changes"] == len(dry["planned"]) > 0 and status["written"] is False
    text = run(env, "status", "acme-rollout").stdout
    assert f"would write {dry['changes']} change(s)" in text.splitlines()[0]
    assert f"T-02 {activity['T-02']}: no owner (Plan!E{row['T-02']})" in text

    out = run(env, "sync", "acme-rollout").stdout
    assert "What changed (last edited by Dana Tanaka <dana@acme.example>):" in out
    assert f"T-01 {activity['T-01']}: done" in out and f"T-02 {activity['T-02']}: owner cleared (was " in out
    again = as_json(env, "sync", "acme-rollout")
    assert again["changed"] == [] and again["changed_by"] is None and again["changes"] == 0
    sheet.update_cell(row["T-02"], header.index("Status") + 1, "In progress")
    edited = as_json(env, "sync", "acme-rollout")
    assert edited["changed_by"] == "Dana Tanaka <dana@acme.example>"
    assert [c["text"] for c in edited["changed"]] == [f"T-02 {activity['T-02']}: status Not started → In progress"]
    # The night, as cron reads it: plain text, who edited, each finding with its cell and hint.
    sheet.update_cell(row["T-02"], header.index("Status") + 1, "Done")
    night = run(env, "sync", "--all").stdout
    assert night.startswith("acme-rollout: ")
    assert "What changed (last edited by Dana Tanaka <dana@acme.example>):" in night
    assert f"    T-02 {activity['T-02']}: done" in night.splitlines()
    assert f"T-02 {activity['T-02']}: no owner (Plan!E{row['T-02']})" not in night  # done: no longer chased
    assert "→ " in night and night.splitlines()[-1].startswith("1 of 1 plan(s) synced")
