"""The buyer's silence on local workbooks (issue 12) and the pipeline `list` (issue 13): the night
records the buyer's last save (the file's modified time, when its last-modified-by is not mapws),
keeps it seller-side through nights the plan is not read, flags `buyer.silent` after
`buyer_silent` business days, and `list` shows it without reading a workbook; `link` and
`create --crm-id` keep a CRM id seller-side."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime

import openpyxl
import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from map_workspace.layout import PLAN, normalise_header

BUYER = "Dana Tanaka <dana@acme.com>"
CREATED = "2027-03-01"  # a Monday; no US holiday in March


def run(*args, code=0, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


@pytest.fixture
def plans(tmp_path):
    maps = tmp_path / "maps"
    env = {"MAPWS_STATE": str(tmp_path / "state.sqlite")}
    run("create", "Acme rollout", "--decision-date", "2027-06-30", "--buyer", BUYER, "--seller",
        "Sam Rivera <sam@seller.io>", "--dir", maps, "--today", CREATED, env=env)
    return maps, env


def buyer_saves(path, when: str, by: str = "Dana Tanaka") -> None:
    """The buyer marks T-01 In progress in Excel, which records who saved; the file's time is ``when``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[PLAN]
    cols = {normalise_header(c.value): c.column for c in ws[1] if c.value}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, cols["id"]).value == "T-01")
    ws.cell(row, cols["status"]).value = "In progress"
    wb.properties.lastModifiedBy = by
    wb.save(path)
    stamp = datetime.fromisoformat(when).timestamp()
    os.utime(path, (stamp, stamp))


def health_in_summary(path) -> str:
    """The words after "Health" in the summary's "Where we are" facts."""
    from docx import Document

    document = Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [" ".join(c.text for c in row.cells) for t in document.tables for row in t.rows]
    for text in texts:
        found = re.search(r"\bHealth (On track|At risk|Off track)", text)
        if found:
            return found[1]
    raise AssertionError(f"no Health in the summary: {texts[:12]}")


def night(maps, env, day):
    lines = [json.loads(line) for line in run("sync", "--all", "--dir", maps, "--today", day, "--json",
                                              env=env).stdout.splitlines()]
    return {line["plan"]: line for line in lines if "plan" in line}


def listed(maps, env, day):
    return json.loads(run("list", "--dir", maps, "--today", day, "--json", env=env).stdout)["plans"]


def test_the_night_records_the_buyers_save_and_flags_silence_after_ten_business_days(plans):
    maps, env = plans
    path = maps / "acme-rollout.xlsx"
    night(maps, env, "2027-03-02")
    buyer_saves(path, "2027-03-03T10:00:00")
    [run_] = night(maps, env, "2027-03-04").values()
    assert "buyer.silent" not in {f["code"] for f in run_["findings"]} and run_["changed_by"] == "Dana Tanaka"
    assert openpyxl.load_workbook(path).properties.lastModifiedBy == "mapws"  # the sync saved it since
    [entry] = listed(maps, env, "2027-03-04")
    assert entry["buyer_last_edit"]["by"] == "Dana Tanaka" and entry["buyer_last_edit"]["at"].startswith("2027-03-03")
    assert entry["days_since_buyer_edit"] == 1 and entry["buyer_silent"] is False
    # Nine business days after the save: not yet. The tenth (2027-03-17): silent, health a step down,
    # though the plan was not read (its file did not change since the night that saved it).
    quiet = night(maps, env, "2027-03-16")
    assert "buyer.silent" not in {f["code"] for r in quiet.values() for f in r["findings"]}
    [silent] = night(maps, env, "2027-03-17").values()
    found = [f for f in silent["findings"] if f["code"] == "buyer.silent"]
    assert silent["unchanged"] is True and len(found) == 1
    assert found[0]["message"] == ("The buyer has not edited the plan for 10 business days (last edit 2027-03-03 "
                                   "by Dana Tanaka).")
    [entry] = listed(maps, env, "2027-03-17")
    assert entry["buyer_silent"] is True and entry["days_since_buyer_edit"] == 14
    assert entry["synced_on"] == "2027-03-17"
    text = run("list", "--dir", maps, "--today", "2027-03-17", env=env).stdout
    assert "(buyer silent)" in text and "14 days ago" in text
    # The summary's health is the sync's, a step down, read from what the seller side remembers.
    doc = json.loads(run("summary", "acme-rollout", "--dir", maps, "--today", "2027-03-17", "--json",
                         env=env).stdout)["document"]
    assert health_in_summary(doc) == {"at_risk": "At risk", "off_track": "Off track"}[silent["health"]]
    # A single sync says it too, and the buyer's next save ends it.
    said = run("sync", "acme-rollout", "--dir", maps, "--today", "2027-03-17", env=env).stdout
    assert "The buyer has not edited the plan for 10 business days" in said
    # The next night counts one more day, though the plan is unchanged (the message moves daily).
    [next_day] = night(maps, env, "2027-03-18").values()
    assert [f["message"] for f in next_day["findings"] if f["code"] == "buyer.silent"] == [
        "The buyer has not edited the plan for 11 business days (last edit 2027-03-03 by Dana Tanaka)."]
    buyer_saves(path, "2027-03-18T15:00:00")
    [heard] = night(maps, env, "2027-03-19").values()
    assert "buyer.silent" not in {f["code"] for f in heard["findings"]}


def test_a_plan_the_buyer_never_edited_counts_from_its_first_watched_day(plans):
    maps, env = plans
    night(maps, env, "2027-03-01")  # the day it was created
    [quiet] = night(maps, env, "2027-03-12").values()
    assert "buyer.silent" not in {f["code"] for f in quiet["findings"]}
    [silent] = night(maps, env, "2027-03-15").values()
    found = [f for f in silent["findings"] if f["code"] == "buyer.silent"]
    assert [f["message"] for f in found] == [
        "The buyer has not edited the plan since it was created on 2027-03-01 (10 business days)."]
    assert silent["health"] != "on_track"
    [entry] = listed(maps, env, "2027-03-15")
    assert entry["buyer_last_edit"] is None and entry["days_since_buyer_edit"] is None
    assert "none since 2027-03-01" in run("list", "--dir", maps, "--today", "2027-03-15", env=env).stdout


def test_a_sellers_save_is_not_the_buyers(plans):
    maps, env = plans
    night(maps, env, "2027-03-01")
    buyer_saves(maps / "acme-rollout.xlsx", "2027-03-03T10:00:00", by="Sam Rivera")
    night(maps, env, "2027-03-04")
    [entry] = listed(maps, env, "2027-03-04")
    assert entry["buyer_last_edit"] is None


def test_list_is_the_pipeline_and_says_dash_before_any_sync(plans, tmp_path):
    maps, env = plans
    [created] = listed(maps, env, "2027-03-01")  # create keeps what it concluded, as a sync would
    assert created["health"] == "on_track" and created["synced_on"] == CREATED
    env = {"MAPWS_STATE": str(tmp_path / "another-state.sqlite")}  # a plan no state database knows yet
    [before] = listed(maps, env, "2027-03-01")
    assert before["health"] is None and before["progress"] is None and before["days_since_buyer_edit"] is None
    text = run("list", "--dir", maps, "--today", "2027-03-01", env=env).stdout
    head, line, second = text.splitlines()[:3]
    assert head.split()[:2] == ["PLAN", "HEALTH"] and "BUYER'S LAST EDIT" in head
    assert line.startswith("acme-rollout") and line.count("—") == 6 and second.strip() == "Acme rollout"
    night(maps, env, "2027-03-02")
    [after] = listed(maps, env, "2027-03-02")
    assert after["health"] == "on_track" and after["progress"]["total"] > 0
    assert after["target_decision"] == "2027-06-30" and after["projected_decision"]
    assert after["next_milestone"]["id"].startswith("M-") and after["next_milestone"]["due"]
    line = run("list", "--dir", maps, "--today", "2027-03-02", env=env).stdout.splitlines()[1]
    assert "On track" in line and "2027-06-30" in line and after["next_milestone"]["id"] in line


def test_link_and_create_crm_id_are_kept_seller_side(plans, tmp_path):
    maps, env = plans
    assert listed(maps, env, "2027-03-01")[0]["crm_id"] is None
    dry = json.loads(run("link", "acme-rollout", "0065g00000AbCdE", "--dir", maps, "--dry-run", "--json",
                         env=env).stdout)
    assert dry["crm_id"] == "0065g00000AbCdE" and dry["dry_run"] is True
    assert listed(maps, env, "2027-03-01")[0]["crm_id"] is None
    assert "Linked acme-rollout to CRM id 0065g00000AbCdE" in run("link", "acme-rollout", "0065g00000AbCdE", "--dir",
                                                                   maps, env=env).stdout
    assert listed(maps, env, "2027-03-01")[0]["crm_id"] == "0065g00000AbCdE"
    again = json.loads(run("link", "acme-rollout", "006NEW", "--dir", maps, "--json", env=env).stdout)
    assert (again["crm_id"], again["was"]) == ("006NEW", "0065g00000AbCdE")
    assert "CRM 006NEW" in run("list", "--dir", maps, env=env).stdout
    # Never in the buyer's file.
    with open(maps / "acme-rollout.xlsx", "rb") as f:
        assert b"006NEW" not in f.read()
    run("create", "Globex pilot", "--decision-date", "2027-06-30", "--buyer", "Ann Ito <ann@globex.com>",
        "--crm-id", "14567890123", "--dir", maps, "--today", CREATED, env=env)
    by_slug = {p["slug"]: p["crm_id"] for p in listed(maps, env, "2027-03-01")}
    assert by_slug == {"acme-rollout": "006NEW", "globex-pilot": "14567890123"}
    bad = json.loads(run("link", "acme-rollout", "  ", "--dir", maps, "--json", code=2, env=env).stdout)
    assert "CRM id" in bad["error"]["message"] and bad["error"]["hint"]


def test_a_single_sync_without_a_usable_state_database_still_syncs(plans, tmp_path):
    maps, _ = plans
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the state's folder should be")
    env = {"MAPWS_STATE": str(blocked / "state.sqlite")}
    out = json.loads(run("sync", "acme-rollout", "--dir", maps, "--today", "2027-03-02", "--json", env=env).stdout)
    assert out["plan"].endswith("acme-rollout.xlsx") and "error" not in out
