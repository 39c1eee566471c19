"""The shared options work before the command name and after it (as in gh or gcloud), the one after
the command wins, and the context object is the seam where tests put a store of their own."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.cli import CliContext, cli
from map_workspace.errors import ExitStatus
from map_workspace.ports import PlanRef
from tests.google_emulator import Emulator

TODAY = "2026-03-02"
BUYER = "Dana Tanaka <dana@acme.com>"


def run(*args, code=0, obj=None, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], obj=obj, env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def as_json(*args, code=0, obj=None, env=None):
    return json.loads(run(*args, code=code, obj=obj, env=env).stdout)


@pytest.fixture
def plans(tmp_path):
    """One plan, created with every shared option before the command name."""
    folder = tmp_path / "plans"
    made = as_json("--dir", folder, "--today", TODAY, "--json", "create", "Acme rollout", "--decision-date",
                   "2026-06-30", "--buyer", BUYER)
    assert Path(made["plan"]).parent == folder.resolve()
    return folder


def test_list_takes_dir_and_json_before_or_after_the_command(plans):
    after = as_json("list", "--dir", plans, "--json")
    assert [p["slug"] for p in after["plans"]] == ["acme-rollout"]
    assert as_json("--dir", plans, "list", "--json") == after
    assert as_json("--dir", plans, "--json", "list") == after
    assert as_json("--json", "list", "--dir", plans) == after


def test_the_value_after_the_command_wins_over_the_one_before(plans, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()  # a folder that does not exist is an error (issue 9), an empty one lists nothing
    assert [p["slug"] for p in as_json("--dir", empty, "list", "--dir", plans, "--json")["plans"]] == ["acme-rollout"]
    assert as_json("--dir", plans, "list", "--dir", empty, "--json")["plans"] == []
    # A flag given before the command is not switched off by the command's own default.
    assert as_json("--json", "list", "--dir", plans)["plans"]


def test_sync_and_status_take_today_before_or_after(plans):
    later = "2026-05-20"
    after = as_json("status", "acme-rollout", "--dir", plans, "--today", later, "--json")
    assert as_json("--today", later, "--dir", plans, "--json", "status", "acme-rollout") == after
    assert {f["code"] for f in after["findings"]} & {"item.overdue", "item.stalled"}  # the date was used
    synced = as_json("--today", later, "--json", "sync", "acme-rollout", "--dir", plans, "--dry-run")
    # dry run: planned, nothing written; "changes" counts what would be written (issue 9)
    assert synced["changes"] == len(synced["planned"]) and synced["written"] is False
    # The policy flags stay on the command and still see the group's --today.
    run("--today", later, "sync", "acme-rollout", "--dir", plans, "--fail-on", "overdue", code=ExitStatus.POLICY)


def test_sync_all_takes_the_shared_options_before_the_command(plans, tmp_path):
    out = run("--dir", plans, "--today", TODAY, "--json", "sync", "--all", "--state", tmp_path / "state.sqlite")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert Path(lines[0]["plan"]).stem == "acme-rollout"
    assert lines[-1]["totals"]["plans"] == 1 and lines[-1]["totals"]["failed"] == 0
    # status --all too, with -v before the command: a line per plan (not read: the sync just saw it).
    plain = run("-v", "--dir", plans, "--today", TODAY, "status", "--all",
                env={"MAPWS_STATE": str(tmp_path / "state.sqlite")})
    assert "acme-rollout: unchanged" in plain.stdout and "1 of 1 plan(s) checked" in plain.stdout


def test_templates_subcommands_take_json_before_the_group(tmp_path):
    listed = as_json("--json", "templates", "list")
    assert listed == as_json("templates", "list", "--json")
    assert {"enterprise", "light"} <= {t["name"] for t in listed["templates"]}
    assert as_json("--json", "templates", "show", "light") == as_json("templates", "show", "light", "--json")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[activities]]\nkey = "a"\ntype = "Chore"\n')
    error = as_json("--json", "templates", "check", bad, code=ExitStatus.USAGE)["error"]
    assert error["code"] == "template.invalid"
    # Options a command does not take are accepted before it and ignored, as gcloud's global flags.
    assert as_json("--dir", tmp_path, "--today", TODAY, "--json", "templates", "list") == listed


def test_errors_honour_json_and_traceback_given_before_the_command(tmp_path):
    error = as_json("--json", "sync", "no-such-deal", "--dir", tmp_path, code=ExitStatus.PLAN)["error"]
    assert error["code"] == "plan.not_found"
    plain = run("--traceback", "sync", "no-such-deal", "--dir", tmp_path, code=ExitStatus.PLAN)
    assert "Traceback (most recent call last)" in plain.stderr and "Error:" in plain.stderr
    assert "Traceback" not in run("sync", "no-such-deal", "--dir", tmp_path, code=ExitStatus.PLAN).stderr
    usage = as_json("--json", "--today", "not-a-day", "list", "--dir", tmp_path, code=ExitStatus.USAGE)
    assert "not a date" in usage["error"]["message"]


def test_each_command_help_lists_the_shared_options_it_takes():
    plan_options = ("--backend", "--dir", "--today", "--json", "--verbose", "--traceback", "--credentials",
                    "--folder", "--impersonate", "--api-root")
    for command in (["list"], ["sync"], ["status"], ["create"], ["share"], ["summary"], ["init"],
                    ["templates", "publish"], []):
        text = run(*command, "--help").stdout
        assert all(option in text for option in plan_options), command
    auth_check = run("auth", "check", "--help").stdout
    assert "--api-root" in auth_check and "--json" in auth_check and "--backend" not in auth_check
    templates_list = run("templates", "list", "--help").stdout
    assert "--json" in templates_list and "--dir" not in templates_list
    assert "Where to put the demo plan" in run("demo", "--help").stdout


# --- the store seam ------------------------------------------------------------------------------

class Recipients:
    """A sharer that remembers who it was asked to add."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...], str, bool]] = []

    def share(self, ref: PlanRef, emails, *, role: str = "writer", message: str = "",
              dry_run: bool = False) -> tuple[str, ...]:
        self.calls.append((ref.slug, tuple(emails), role, dry_run))
        assert "mutual action plan" in message
        return tuple(emails)


class SharingFolder(LocalPlanStore):
    """Local plans with sharing of their own: what a test needs to drive ``share`` without Google."""

    traits = replace(LocalPlanStore.traits, shares=True)

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.recipients = Recipients()

    def sharer(self) -> Recipients:
        return self.recipients


def test_a_test_injects_its_store_through_the_context_object(plans):
    stores: list[SharingFolder] = []
    seen = []

    def make_store(config):
        seen.append(config)
        stores.append(SharingFolder(config.dir))
        return stores[-1]

    listed = as_json("--dir", plans, "list", "--json", obj=CliContext(make_store=make_store))
    assert [p["slug"] for p in listed["plans"]] == ["acme-rollout"]
    assert seen[-1].dir == plans and seen[-1].backend == "local"

    shared = as_json("--dir", plans, "share", "acme-rollout", "lee@acme.com", "--commenter", "--json",
                     obj=CliContext(make_store=make_store))
    assert shared["shared_with"] == ["lee@acme.com"] and shared["role"] == "commenter"
    assert shared["dry_run"] is False and shared["plan"].endswith("acme-rollout.xlsx")
    assert stores[-1].recipients.calls == [("acme-rollout", ("lee@acme.com",), "commenter", False)]

    error = as_json("share", "acme-rollout", "not-an-email", "--dir", plans, "--json", code=ExitStatus.USAGE,
                    obj=CliContext(make_store=make_store))["error"]
    assert error["message"] == "'not-an-email' is not an email address."
    # The allow-list is the service's, so it holds for any store, before the plan is looked up.
    error = as_json("share", "no-such-plan", "bob@evil.example", "--allow-domain", "acme.com", "--dir", plans,
                    "--json", code=ExitStatus.USAGE, obj=CliContext(make_store=make_store))["error"]
    assert error["message"] == "Not sharing with bob@evil.example: outside the allowed domains (acme.com)."
    assert stores[-1].recipients.calls == []


def test_share_on_a_store_without_sharing_says_so(plans):
    error = as_json("share", "acme-rollout", "lee@acme.com", "--dir", plans, "--json", code=ExitStatus.USAGE)
    assert "shared by sending the workbook" in error["error"]["message"]


# --- Google options before the group, against the loopback emulator --------------------------------

@pytest.fixture(scope="module")
def emulator():
    em = Emulator(seed=5).start()
    yield em
    em.stop()


def test_auth_check_takes_backend_and_api_root_before_the_group(emulator):
    before = as_json("--backend", "google", "--api-root", emulator.base_url, "auth", "check", "--json")
    assert before["principal"] == "anonymous"
    assert as_json("--json", "--api-root", emulator.base_url, "auth", "check") == before
    assert as_json("auth", "check", "--api-root", emulator.base_url, "--json") == before
    # The one after the command wins: a dead address before it is not used.
    dead = "http://127.0.0.1:9"
    assert as_json("--api-root", dead, "auth", "check", "--api-root", emulator.base_url, "--json") == before


def test_google_plan_commands_take_the_google_options_before_the_command(emulator, tmp_path):
    emulator.reset()
    env = {"MAPWS_STATE": str(tmp_path / "state.sqlite"), "MAPWS_TODAY": TODAY}
    google = ("--backend", "google", "--api-root", emulator.base_url)
    made = as_json(*google, "--json", "create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer",
                   "Dana Tanaka <dana@acme.example>", env=env)
    assert made["url"].startswith("https://docs.google.com/spreadsheets/d/")
    assert [p["slug"] for p in as_json(*google, "list", "--json", env=env)["plans"]] == ["acme-rollout"]
    assert as_json("list", *google, "--json", env=env) == as_json(*google, "--json", "list", env=env)


def test_ctrl_c_exits_130_with_a_word_and_no_traceback(tmp_path):
    def interrupted(config):
        raise KeyboardInterrupt

    out = run("list", "--dir", tmp_path, code=ExitStatus.INTERRUPTED, obj=CliContext(make_store=interrupted))
    assert out.stderr == "Interrupted.\n" and out.stdout == ""
