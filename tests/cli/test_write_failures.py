"""Write failures are not bugs (issue 9, item 5): a folder the file system refuses — read-only
mount, permissions, a path through a file — gives a message naming the path and what to do, exit 3
(2 when the path itself cannot be right), never "Unexpected OSError … report it"."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from tests.support.unwritable import can_mount_read_only, run_with_read_only, unwritable

TODAY, LATER = "2026-03-02", "2026-05-20"
BUYER = "Dana Tanaka <dana@acme.com>"


def run(*args, code, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def create(folder: Path, deal: str = "Acme rollout", code: int = 0):
    return run("create", deal, "--decision-date", "2026-06-30", "--buyer", BUYER, "--dir", folder,
               "--today", TODAY, "--json", code=code)


def error_of(result) -> dict:
    error = json.loads(result.stdout.splitlines()[-1])["error"]
    assert "report it" not in error["hint"] and "Unexpected" not in error["message"], error
    assert "Unexpected" not in result.output and "report it" not in result.output
    return error


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_in_an_unwritable_folder_names_the_folder_and_exits_3(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    with unwritable(plans):
        error = error_of(create(plans, code=3))
    assert str(plans / "acme-rollout.xlsx") in error["message"] and "not created" in error["message"]
    assert str(plans) in error["hint"]
    assert not list(plans.iterdir())


def test_sync_in_an_unwritable_folder_writes_nothing_and_exits_3(tmp_path):
    plans = tmp_path / "plans"
    path = Path(json.loads(create(plans).stdout)["plan"])
    before = digest(path)
    with unwritable(plans):
        error = error_of(run("sync", "acme-rollout", "--dir", plans, "--today", LATER, "--json", code=3))
    assert str(path) in error["message"] and "not changed" in error["message"]
    assert digest(path) == before


def test_summary_in_an_unwritable_folder_names_the_file_and_exits_3(tmp_path):
    plans = tmp_path / "plans"
    create(plans)
    with unwritable(plans):
        result = run("summary", "acme-rollout", "--dir", plans, "--today", TODAY, "--json", code=3)
    error = error_of(result)
    assert str(plans / "acme-rollout-summary.docx") in error["message"]
    assert error["code"] == "file.refused" and str(plans) in error["hint"]
    assert not list(plans.glob("*summary*")) and not list(plans.glob(".*"))


def test_init_with_an_unwritable_config_folder_exits_3_naming_the_file(tmp_path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    env = {"MAPWS_CONFIG": str(config_dir / "config.toml")}
    with unwritable(config_dir):
        error = error_of(run("init", "--dir", tmp_path / "plans", "--json", code=3, env=env))
    assert str(config_dir / "config.toml") in error["message"] and str(config_dir) in error["hint"]


@pytest.mark.parametrize("command", ["create", "init"])
def test_a_plans_folder_through_a_file_exits_2_naming_the_path(tmp_path, command):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    plans = tmp_path / "notes.txt" / "plans"
    if command == "create":
        result = create(plans, code=2)
    else:
        result = run("init", "--dir", plans, "--json", code=2, env={"MAPWS_CONFIG": str(tmp_path / "c.toml")})
    error = error_of(result)
    assert str(plans) in error["message"] and "is a file" in error["message"] + error["hint"]


def test_a_config_file_that_is_a_folder_exits_2_naming_it(tmp_path):
    (tmp_path / "config.toml").mkdir()
    env = {"MAPWS_CONFIG": str(tmp_path / "config.toml")}
    error = error_of(run("list", "--dir", tmp_path, "--json", code=2, env=env))
    assert str(tmp_path / "config.toml") in error["message"]


@pytest.mark.skipif(not can_mount_read_only(), reason="unshare cannot make a private read-only mount here")
@pytest.mark.parametrize("command", ["sync", "summary", "create"])
def test_a_read_only_mount_is_named_with_what_to_do(tmp_path, command):
    plans = tmp_path / "plans"
    path = Path(json.loads(create(plans).stdout)["plan"])
    before = digest(path)
    args = {"sync": ["sync", "acme-rollout", "--today", LATER],
            "summary": ["summary", "acme-rollout", "--today", TODAY],
            "create": ["create", "Beta", "--decision-date", "2026-06-30", "--buyer", BUYER, "--today", TODAY]}[command]
    env = {"HOME": str(tmp_path / "home"), "NO_GCE_CHECK": "true", "MAPWS_STATE": str(tmp_path / "state.sqlite")}
    done = run_with_read_only(plans, [sys.executable, "-m", "map_workspace", *args, "--dir", str(plans)], env)
    assert done.returncode == 3, (done.returncode, done.stdout, done.stderr)
    named = {"sync": path, "summary": plans / "acme-rollout-summary.docx", "create": plans / "beta.xlsx"}[command]
    assert f"Cannot write {named}" in done.stderr or f"summary {named}" in done.stderr, done.stderr
    assert "read-only" in done.stderr and f"{plans} is on a read-only file system" in done.stderr
    assert ".tmp" not in done.stderr
    assert "report it" not in done.stderr and "Unexpected" not in done.stderr
    assert digest(path) == before and os.listdir(plans) == [path.name]


def test_a_state_file_that_cannot_be_opened_names_it_and_where_else_to_keep_it(tmp_path):
    plans = tmp_path / "plans"
    create(plans)
    state = tmp_path / "locked"
    state.mkdir()
    with unwritable(state):
        result = run("sync", "--all", "--dir", plans, "--today", TODAY, "--state", state / "state.sqlite", "--json",
                     code=3)
    error = error_of(result)
    assert str(state / "state.sqlite") in error["message"] and "--state" in error["hint"]
