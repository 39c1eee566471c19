"""`list` and `sync --all` over a plans folder with other spreadsheets in it (issue 9, item 9): only
workbooks carrying the plan's properties are plans; others are named once as skipped and do not
fail the night; a folder that does not exist is an error; `--json` titles each plan with its deal."""

from __future__ import annotations

import json

from click.testing import CliRunner
from openpyxl import Workbook

from map_workspace.cli import cli

TODAY = "2026-03-02"


def run(*args, code=0, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def folder_with_a_stray_spreadsheet(tmp_path):
    plans = tmp_path / "plans"
    run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
        "--dir", plans, "--today", TODAY)
    stray = Workbook()
    stray.active["A1"] = "Q3 budget"
    (plans / "finance").mkdir()
    stray.save(plans / "finance" / "budget.xlsx")
    return plans, plans / "finance" / "budget.xlsx"


def test_list_names_plans_with_their_deal_and_a_stray_spreadsheet_once(tmp_path):
    plans, stray = folder_with_a_stray_spreadsheet(tmp_path)
    data = json.loads(run("list", "--dir", plans, "--json").stdout)
    assert [(p["slug"], p["title"]) for p in data["plans"]] == [("acme-rollout", "Acme rollout")]
    assert data["skipped"] == [{"path": str(stray.resolve()), "reason": "not a plan, skipped"}]
    text = run("list", "--dir", plans).stdout
    assert text.count("budget.xlsx") == 1 and f"{stray.resolve()}: not a plan, skipped" in text
    assert "Acme rollout" in text


def test_a_stray_spreadsheet_does_not_fail_the_night(tmp_path):
    plans, stray = folder_with_a_stray_spreadsheet(tmp_path)
    env = {"MAPWS_STATE": str(tmp_path / "state.sqlite")}
    out = run("sync", "--all", "--dir", plans, "--today", TODAY, "--json", env=env).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1]["totals"]["plans"] == 1 and lines[-1]["totals"]["failed"] == 0
    assert [x for x in lines if "skipped" in x] == [{"skipped": str(stray.resolve()), "reason": "not a plan, skipped"}]
    text = run("sync", "--all", "--dir", plans, "--today", TODAY, env=env).stdout
    assert text.count("not a plan, skipped") == 1


def test_list_of_a_folder_that_does_not_exist_exits_2_naming_it(tmp_path):
    missing = tmp_path / "nonexistent"
    error = json.loads(run("list", "--dir", missing, "--json", code=2).stdout)["error"]
    assert str(missing) in error["message"] and error["hint"]


def test_a_night_over_a_folder_that_does_not_exist_exits_2_naming_it(tmp_path):
    missing = tmp_path / "nonexistent"
    for command in ("sync", "status"):
        result = run(command, "--all", "--dir", missing, "--json", code=2,
                     env={"MAPWS_STATE": str(tmp_path / "state.sqlite")})
        assert str(missing) in json.loads(result.stdout)["error"]["message"]


def test_list_shows_a_new_plan_at_once_and_lines_up_japanese_deal_names(tmp_path):
    """create keeps what it concluded as a sync would, so the pipeline view is not all dashes until
    the first night; wide (East Asian) characters count two columns."""
    plans = tmp_path / "plans"
    run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
        "--dir", plans, "--today", TODAY)
    run("create", "基幹システム刷新", "--decision-date", "2026-06-30", "--buyer", "田中 太郎 <taro@acme.co.jp>",
        "--dir", plans, "--today", TODAY, env={"MAPWS_LOCALE": "ja_JP"})
    data = json.loads(run("list", "--dir", plans, "--json").stdout)
    assert [(p["health"], p["progress"]["total"], p["projected_decision"], p["synced_on"]) for p in data["plans"]] \
        == [("on_track", 26, "2026-06-30", TODAY)] * 2
    lines = [line for line in run("list", "--dir", plans).stdout.splitlines() if line and not line.startswith(" ")]
    assert len(lines) == 3
    from map_workspace.textwidth import display_width

    health_column = {display_width(line[: line.index("On track" if "On" in line else "HEALTH")]) for line in lines}
    assert len(health_column) == 1, lines
