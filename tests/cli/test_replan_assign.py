"""`mapws replan` and `mapws assign` on the command line (local plans): the table before the write,
--json in the shape the issue gives, --dry-run writing nothing, and exit 2 for what cannot be done."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from tests.support.plans import create_local


def mapws(*args: str, today: str = "2026-03-09"):
    return CliRunner().invoke(cli, [*args, "--today", today])


@pytest.fixture
def plans(tmp_path):
    create_local(tmp_path, "Acme rollout", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
                 "--seller", "Sam Rivera <sam@seller.io>", "--today", "2026-03-02")
    return tmp_path


def plan_bytes(folder):
    return (folder / "acme-rollout.xlsx").read_bytes()


def test_replan_prints_the_moves_then_writes_them(plans):
    out = mapws("replan", "acme-rollout", "--item", "T-12", "--due", "2026-06-10", "--dir", str(plans))
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["ID", "Activity", "Due", "Why"]
    assert lines[1].split()[0] == "T-12" and "2026-04-13 → 2026-06-10" in lines[1] and "new due date" in lines[1]
    assert any(line.split()[0] == "M-06" and "needs 2 business day(s) after M-05" in line for line in lines)
    assert lines[-1].startswith("acme-rollout: 13 item(s) moved · Off track · projected decision 2026-07-16")
    assert "--decision-date 2026-07-16" in out.stderr  # the decision now falls after the target
    status = json.loads(mapws("status", "acme-rollout", "--dir", str(plans), "--json").stdout)
    assert status["changes"] == 0 and status["projected_decision"] == "2026-07-16"


def test_replan_json_and_dry_run(plans):
    before = plan_bytes(plans)
    out = mapws("replan", "acme-rollout", "--decision-date", "2026-07-14", "--dry-run", "--json", "--dir", str(plans))
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["moved"] == [
        {"id": "M-06", "activity": "Purchase decision", "from": "2026-06-30", "to": "2026-07-14",
         "reason": "new decision date"},
        {"id": "T-20", "activity": "Implementation planning", "from": "2026-07-07", "to": "2026-07-20",
         "reason": "needs 4 business day(s) after M-06, now due 2026-07-14"}]
    assert (data["projected_decision"], data["health"], data["dry_run"]) == ("2026-07-14", "on_track", True)
    assert data["plan"].endswith("acme-rollout.xlsx")
    assert plan_bytes(plans) == before


@pytest.mark.parametrize(("args", "words"), [
    (["--item", "T-12"], "--item ID with --due DATE"),
    (["--item", "T-12", "--due", "2026-06-10", "--decision-date", "2026-07-01"], "--item ID with --due DATE"),
    (["--item", "T-99", "--due", "2026-06-10"], "no item 'T-99'"),
    (["--item", "T-12", "--due", "10/06/2026"], "is not a date"),
    (["--decision-date", "2026-03-01"], "not after today"),
])
def test_replan_refuses_with_exit_2_and_writes_nothing(plans, args, words):
    before = plan_bytes(plans)
    out = mapws("replan", "acme-rollout", *args, "--json", "--dir", str(plans))
    assert out.exit_code == 2, out.output
    assert words in json.loads(out.stdout)["error"]["message"]
    assert plan_bytes(plans) == before


def test_assign_json_dry_run_and_write(plans):
    before = plan_bytes(plans)
    dry = mapws("assign", "acme-rollout", 'buyer.cfo=Lee Chen <lee@acme.com>', "--dry-run", "--json",
                "--dir", str(plans))
    assert dry.exit_code == 0, dry.output
    assert plan_bytes(plans) == before
    out = mapws("assign", "acme-rollout", 'buyer.cfo=Lee Chen <lee@acme.com>', "seller.se=sam@seller.io",
                "--dir", str(plans))
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == [
        "buyer.cfo: Lee Chen <lee@acme.com> now owns M-03; added to Stakeholders",
        "seller.se: Sam Rivera <sam@seller.io> now owns T-04, T-05, T-07, T-20"]
    assert json.loads(dry.stdout) == {"plan": json.loads(dry.stdout)["plan"], "dry_run": True, "assigned": [
        {"role": "buyer.cfo", "person": "Lee Chen <lee@acme.com>", "items": ["M-03"], "kept": [],
         "added_to_stakeholders": True}]}


@pytest.mark.parametrize(("person", "words"), [("buyer.cfoo=lee@acme.com", "Did you mean 'buyer.cfo'?"),
                                               ("lee@acme.com", "is not ROLE=")])
def test_assign_refuses_an_unknown_role_or_a_missing_one(plans, person, words):
    before = plan_bytes(plans)
    out = mapws("assign", "acme-rollout", person, "--json", "--dir", str(plans))
    assert out.exit_code == 2, out.output
    assert words in json.loads(out.stdout)["error"]["message"]
    assert plan_bytes(plans) == before
