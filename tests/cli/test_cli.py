"""The command line's contracts: spellings, --json shapes, exit codes, friendly errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli

TODAY = "2026-03-02"
BUYER = "Dana Tanaka <dana@acme.com>"


def run(*args, code=0, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def create(tmp_path, deal="Acme rollout", *extra):
    out = run("create", deal, "--decision-date", "2026-06-30", "--buyer", BUYER, "--seller",
              "Sam Rivera <sam@seller.io>", "--dir", tmp_path, "--today", TODAY, "--json", *extra)
    return json.loads(out.output)


def test_create_json_shape_and_file(tmp_path):
    data = create(tmp_path)
    assert set(data) == {"plan", "url", "slug", "items", "shared_with", "schedule", "warnings"}
    assert set(data["schedule"]) == {"start", "buffer_days", "shortfall_days", "calendar"}
    assert data["slug"] == "acme-rollout"
    assert data["shared_with"] == []  # a local workbook is shared by sending the file
    assert Path(data["plan"]).is_absolute() and Path(data["plan"]).exists()
    assert data["url"].startswith("file://") and data["items"] >= 20


def test_creating_over_an_existing_plan_is_refused(tmp_path):
    create(tmp_path)
    out = run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", BUYER, "--dir", tmp_path,
              "--today", TODAY, "--json", code=3)
    assert json.loads(out.stdout)["error"]["code"] == "plan.exists"


def test_dry_run_create_writes_nothing(tmp_path):
    out = run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", BUYER, "--dir", tmp_path,
              "--today", TODAY, "--dry-run", "--json")
    assert json.loads(out.output)["items"] > 0
    assert not list(tmp_path.glob("*.xlsx"))


def test_non_ascii_deal_names_get_sensible_slugs(tmp_path):
    assert create(tmp_path, "Café Münster Rollout")["slug"] == "cafe-munster-rollout"
    assert create(tmp_path, "東京ガス 導入")["slug"] == "東京ガス-導入"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--decision-date", "30/06/2026", "--buyer", BUYER], "not a date"),
        (["--decision-date", "2026-01-01", "--buyer", BUYER], "not in the future"),
        (["--decision-date", "2026-06-30"], "at least one buyer"),
        (["--decision-date", "2026-06-30", "--buyer", BUYER, "--role", "cfo"], "ROLE="),
        (["--decision-date", "2026-06-30", "--buyer", BUYER, "--template", "nope"], "nope"),
    ],
)
def test_usage_errors_exit_2_with_a_json_error(tmp_path, args, fragment):
    out = run("create", "Deal", *args, "--dir", tmp_path, "--today", TODAY, "--json", code=2)
    error = json.loads(out.stdout)["error"]
    assert set(error) == {"code", "message", "hint"} and error["hint"]
    assert fragment in error["message"] + error["hint"]


def test_missing_plan_exits_3_with_a_hint(tmp_path):
    out = run("sync", "no-such-deal", "--dir", tmp_path, "--json", code=3)
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "plan.not_found" and error["hint"]
    plain = run("sync", "no-such-deal", "--dir", tmp_path, code=3)
    assert "Traceback" not in plain.output and "Error:" in plain.output


def test_sync_by_slug_and_status_writes_nothing(tmp_path):
    data = create(tmp_path)
    before = Path(data["plan"]).read_bytes()
    status = json.loads(run("status", "acme-rollout", "--dir", tmp_path, "--today", TODAY, "--json").output)
    assert set(status) >= {"plan", "changes", "findings", "progress", "health", "projected_decision"}
    assert status["changes"] == 0
    assert Path(data["plan"]).read_bytes() == before
    synced = json.loads(run("sync", "acme-rollout", "--dir", tmp_path, "--today", TODAY, "--json").output)
    assert synced["changes"] == 0  # a fresh plan is already in sync


def test_environment_variables_set_dir_and_today(tmp_path):
    env = {"MAPWS_DIR": str(tmp_path), "MAPWS_TODAY": TODAY}
    out = run("create", "Env deal", "--decision-date", "2026-06-30", "--buyer", BUYER, "--json", env=env)
    assert Path(json.loads(out.output)["plan"]).parent == tmp_path.resolve()
    listed = json.loads(run("list", "--json", env=env).output)
    assert [p["slug"] for p in listed["plans"]] == ["env-deal"]


def test_sync_all_prints_one_object_per_plan_then_totals(tmp_path):
    create(tmp_path, "First deal")
    create(tmp_path, "Second deal")
    (tmp_path / "~$first-deal.xlsx").write_bytes(b"lock")  # Office lock files are not plans
    out = run("sync", "--all", "--dir", tmp_path, "--today", TODAY, "--json")
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert len(lines) == 3 and lines[-1]["totals"]["plans"] == 2 and lines[-1]["totals"]["failed"] == 0
    assert {Path(x["plan"]).stem for x in lines[:2]} == {"first-deal", "second-deal"}


def test_sync_all_reports_a_broken_plan_and_still_does_the_others(tmp_path):
    create(tmp_path, "Good deal")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    out = run("sync", "--all", "--dir", tmp_path, "--today", TODAY, "--json", code=3)
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert lines[-1]["totals"] == {**lines[-1]["totals"], "plans": 2, "synced": 1, "failed": 1}
    assert any("error" in x and x["plan"].endswith("broken.xlsx") for x in lines)


def test_templates_list_show_check(tmp_path):
    listed = json.loads(run("templates", "list", "--json").output)["templates"]
    assert {"enterprise", "light"} <= {t["name"] for t in listed}
    shown = json.loads(run("templates", "show", "enterprise", "--json").output)
    assert len(shown["activities"]) >= 20 and "buyer.champion" in {r["key"] for r in shown["roles"]}
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[activities]]\nkey = "a"\ntype = "Chore"\n')
    out = run("templates", "check", bad, code=2)
    assert "problem" in out.output
    good = Path(__file__).parents[2] / "templates" / "light.toml"
    assert "OK" in run("templates", "check", good).output


def test_summary_json_and_light(tmp_path):
    create(tmp_path)
    out = json.loads(run("summary", "acme-rollout", "--dir", tmp_path, "--today", TODAY, "--json").output)
    assert set(out) == {"document", "url", "pdf", "kept"} and out["pdf"] is None and out["kept"] == []
    assert Path(out["document"]).exists() and out["document"].endswith("acme-rollout-summary.docx")
    light = json.loads(run("summary", "acme-rollout", "--light", "--dir", tmp_path, "--today", TODAY,
                           "--json").output)
    assert Path(light["document"]).exists() and light["document"].endswith("acme-rollout-summary-light.docx")
    assert Path(out["document"]).exists()  # the light one did not overwrite the full one


def test_summary_keep_leaves_dated_copies_that_later_runs_do_not_touch(tmp_path):
    create(tmp_path)
    kept = run("summary", "acme-rollout", "--keep", "--dir", tmp_path, "--today", TODAY)
    dated = tmp_path / f"acme-rollout-summary-{TODAY}.docx"
    assert dated.is_file() and f"Kept a dated copy: {dated.resolve()}" in kept.output
    before = dated.read_bytes()
    later = json.loads(run("summary", "acme-rollout", "--dir", tmp_path, "--today", "2026-03-09", "--json").output)
    assert later["kept"] == [] and dated.read_bytes() == before
    light = json.loads(run("summary", "acme-rollout", "--light", "--keep", "--dir", tmp_path, "--today",
                           "2026-03-09", "--json").output)
    assert light["kept"] == [str((tmp_path / "acme-rollout-summary-light-2026-03-09.docx").resolve())]


def test_init_writes_config_that_later_commands_use(tmp_path):
    plans = tmp_path / "plans"
    out = json.loads(run("init", "--dir", plans, "--seller", "Sam Rivera <sam@seller.io>", "--seller-company",
                         "Seller Inc", "--json").output)
    assert Path(out["config"]).exists() and plans.is_dir()
    run("init")  # exists, nothing given: nothing changes
    run("init", "--dir", tmp_path / "elsewhere", code=2)  # a value already set: refused without --force
    created = json.loads(run("create", "Via config", "--decision-date", "2026-06-30", "--buyer", BUYER,
                             "--today", TODAY, "--json").output)
    assert Path(created["plan"]).parent == plans.resolve()


def test_every_command_has_help_with_an_example():
    for args in (["init"], ["create"], ["sync"], ["status"], ["summary"], ["list"], ["demo"],
                 ["templates", "list"], ["templates", "show"], ["templates", "check"], ["auth", "login"],
                 ["auth", "check"], ["auth", "logout"], ["share"], ["templates", "publish"]):
        out = run(*args, "--help").output
        assert "Example" in out, args


def test_demo_runs_the_whole_loop(tmp_path):
    out = json.loads(run("demo", "--dir", tmp_path, "--today", "2026-05-04", "--json").output)
    assert Path(out["plan"]).exists() and Path(out["summary"]).exists()
    assert out["changes"] > 0 and out["second_sync_changes"] == 0


def test_installed_console_script_finds_the_templates_from_another_folder(tmp_path):
    """The templates ship inside the installed package (pip install . from a fresh clone)."""
    script = Path(sys.executable).with_name("mapws")
    if not script.exists():
        pytest.fail("the mapws console script is not installed in this environment: run pip install .")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(script), "templates", "list"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "enterprise" in out.stdout and "light" in out.stdout


def test_status_all_reads_every_plan_and_writes_nothing(tmp_path):
    first = create(tmp_path, "First deal")
    before = Path(first["plan"]).read_bytes()
    out = run("status", "--all", "--dir", tmp_path, "--today", "2026-05-20", "--json")
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert lines[-1]["totals"]["plans"] == 1 and "planned" not in lines[0]
    assert Path(first["plan"]).read_bytes() == before
    run("status", "--dir", tmp_path, code=2)
