"""``mapws close`` and ``mapws changes`` on the command line: spellings, --json shapes, exit codes,
what the terminal says."""

import json

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from tests.support.plans import create_local

BUYER = "Dana Tanaka <dana@acme.com>"


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


@pytest.fixture
def plan(tmp_path):
    create_local(tmp_path, "Acme rollout", "--decision-date", "2026-06-30", "--buyer", BUYER, "--today", "2026-03-02")
    return tmp_path


def test_close_json_list_and_sync_all(plan):
    out = run("close", "acme-rollout", "--won", "--on", "2026-05-20", "--reason", "best SSO story", "--dir", plan,
              "--today", "2026-05-21", "--json")
    data = json.loads(out.output)
    assert data == {"plan": str((plan / "acme-rollout.xlsx").resolve()), "outcome": "won", "on": "2026-05-20",
                    "dry_run": False}
    listed = json.loads(run("list", "--dir", plan, "--json").output)["plans"][0]
    assert listed["closed"] == {"outcome": "won", "on": "2026-05-20"}
    assert "closed: won on 2026-05-20" in run("list", "--dir", plan).output
    night = run("sync", "--all", "--dir", plan, "--today", "2026-12-01").output
    assert "1 closed plan(s) skipped" in night and "0 of 0 plan(s) synced" in night
    said = run("sync", "acme-rollout", "--dir", plan, "--today", "2026-12-01").output
    assert "Closed — won on 2026-05-20" in said and "overdue" not in said


def test_close_words_and_reopen(plan):
    out = run("close", "acme-rollout", "--no-decision", "--dir", plan, "--today", "2026-05-21").output
    assert "closed — no decision on 2026-05-21" in out and "--reopen" in out
    out = run("close", "acme-rollout", "--reopen", "--dir", plan, "--today", "2026-05-22").output
    assert "open again" in out
    assert "closed" not in run("list", "--dir", plan).output
    again = run("close", "acme-rollout", "--reopen", "--dir", plan, "--today", "2026-05-22", "--json", code=2)
    assert "nothing to reopen" in json.loads(again.stdout)["error"]["message"]


@pytest.mark.parametrize("args", [(), ("--won", "--lost"), ("--reopen", "--won"), ("--reopen", "--reason", "x"),
                                  ("--won", "--on", "2026-13-01")])
def test_close_needs_exactly_one_outcome(plan, args):
    out = run("close", "acme-rollout", *args, "--dir", plan, "--today", "2026-05-21", "--json", code=2)
    assert json.loads(out.stdout)["error"]["hint"]


def test_close_dry_run_writes_nothing(plan):
    before = (plan / "acme-rollout.xlsx").read_bytes()
    out = run("close", "acme-rollout", "--lost", "--dry-run", "--dir", plan, "--today", "2026-05-21").output
    assert out.startswith("Would mark acme-rollout closed — lost on 2026-05-21")
    assert (plan / "acme-rollout.xlsx").read_bytes() == before
    assert "closed" not in run("list", "--dir", plan).output


def test_changes_json_and_words(plan):
    run("close", "acme-rollout", "--won", "--dir", plan, "--today", "2026-05-21")
    data = json.loads(run("changes", "acme-rollout", "--since", "2026-05-01", "--dir", plan, "--json").output)
    assert data["since"] == "2026-05-01"
    assert [(c["field"], c["before"], c["after"]) for c in data["changes"]] == [
        ("Plan", "Open", "Closed — won on 2026-05-21")]
    assert set(data["changes"][0]) >= {"at", "id", "activity", "field", "before", "after", "by"}
    words = run("changes", "acme-rollout", "--dir", plan).output
    assert "2 change(s)" in words and "Plan: Open → Closed — won on 2026-05-21" in words


def test_changes_since_checkin_without_one_says_so_and_shows_all(plan):
    out = run("changes", "acme-rollout", "--since-checkin", "--dir", plan).output
    assert "no check-in yet" in out and "Plan: created from the 'enterprise' template" in out
    both = run("changes", "acme-rollout", "--since-checkin", "--since", "2026-03-01", "--dir", plan, "--json", code=2)
    assert json.loads(both.stdout)["error"]["code"] == "usage"


def test_changes_names_who_when_the_workbook_says(plan):
    import openpyxl

    path = plan / "acme-rollout.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Plan"]["G2"] = "Done"
    wb.properties.lastModifiedBy = "Dana Tanaka"
    wb.save(path)
    run("sync", "acme-rollout", "--dir", plan, "--today", "2026-03-09")
    data = json.loads(run("changes", "acme-rollout", "--since", "2026-03-09", "--dir", plan, "--json").output)
    assert [(c["id"], c["field"], c["after"], c["by"]) for c in data["changes"]] == [("T-01", "Status", "Done",
                                                                                      "Dana Tanaka")]
    line = run("changes", "acme-rollout", "--since", "2026-03-09", "--dir", plan).output.splitlines()[1]
    assert line.startswith("  2026-03-09 ") and line.endswith(": done — by Dana Tanaka")
