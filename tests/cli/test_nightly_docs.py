"""The scheduling examples in docs/ are run here, as a scheduler would run them (local backend)."""

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.support.plans import create_local

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def env(tmp_path):
    """PATH with this environment's `mapws` first, HOME isolated, three plans in ~/maps."""
    script = Path(sys.executable).with_name("mapws")
    if not script.exists():
        pytest.fail("the mapws console script is not installed in this environment: run pip install .")
    home = tmp_path / "home"
    (home / "maps").mkdir(parents=True)
    for deal in ("Alpha deal", "Beta deal", "Gamma deal", "Delta deal"):
        create_local(home / "maps", deal, "--decision-date", "2027-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
                     "--seller", "Sam Rivera <sam@s.io>", "--today", "2026-03-02")
    return {"PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CONFIG_HOME": str(home / ".config"),
            "NO_GCE_CHECK": "true", "LANG": "C.UTF-8"}


def cron_command() -> str:
    line = next(ln for ln in (EXAMPLES / "cron.txt").read_text().splitlines() if ln and not ln.startswith("#"))
    return line.split(None, 5)[5]  # after the five time fields


def test_cron_line_is_silent_when_all_is_well_and_speaks_when_something_is_overdue(env):
    cmd = cron_command()
    quiet = subprocess.run(["sh", "-c", cmd], env={**env, "MAPWS_TODAY": "2026-03-03"}, capture_output=True,
                           text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stdout == "", quiet.stdout + quiet.stderr
    late = subprocess.run(["sh", "-c", cmd], env={**env, "MAPWS_TODAY": "2027-05-01"}, capture_output=True,
                          text=True, timeout=120)
    assert "overdue" in late.stdout.lower()


def test_systemd_execstart_runs_the_nightly_sync(env, tmp_path):
    service = (EXAMPLES / "mapws-sync.service").read_text()
    assert "[Install]" in (EXAMPLES / "mapws-sync.timer").read_text() and "OnCalendar=" in service + \
        (EXAMPLES / "mapws-sync.timer").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", service, re.M).group(1)
    environment = dict(re.findall(r"^Environment=(\w+)=(.+)$", service, re.M))
    assert set(environment) == {"MAPWS_DIR", "MAPWS_STATE"}
    argv = exec_start.split()
    argv[0] = shutil.which("mapws", path=env["PATH"])
    done = subprocess.run(argv, env={**env, "MAPWS_DIR": str(Path(env["HOME"]) / "maps"),
                                     "MAPWS_STATE": str(tmp_path / "state.sqlite")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "4 of 4 plan(s) synced" in done.stdout
    assert (tmp_path / "state.sqlite").exists()


def test_cloud_run_entrypoint_shards_cover_every_plan_once_and_split_the_quota(env, tmp_path):
    seen: list[str] = []
    for index in range(3):
        done = subprocess.run(
            ["sh", str(EXAMPLES / "cloud-run-entrypoint.sh")],
            env={**env, "CLOUD_RUN_TASK_INDEX": str(index), "CLOUD_RUN_TASK_COUNT": "3",
                 "MAPWS_DIR": str(Path(env["HOME"]) / "maps"), "MAPWS_STATE": str(tmp_path / f"s{index}.sqlite")},
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        lines = [json.loads(ln) for ln in done.stdout.splitlines()]
        seen += [Path(x["plan"]).stem for x in lines[:-1]]
    assert sorted(seen) == ["alpha-deal", "beta-deal", "delta-deal", "gamma-deal"]
    script = (EXAMPLES / "cloud-run-entrypoint.sh").read_text()
    assert 'rpm=$(( per_identity / count ))' in script and "--max-rpm" in script


def test_github_actions_workflow_keeps_the_key_private_and_runs_one_at_a_time():
    text = (EXAMPLES / "github-actions-nightly.yml").read_text()
    assert "umask 077" in text and "secrets." in text and "concurrency:" in text
    assert "mapws sync --all --state drive" in text
    assert date  # the workflow itself runs on GitHub; its mapws command is the one tested above


def test_the_cron_mail_shown_in_the_docs_is_what_the_cron_line_prints():
    """docs/nightly.md shows a real night's mail: findings above the policy's "see the findings above"."""
    from tests.cli import nightly_example

    shown = nightly_example.current()
    assert shown == nightly_example.render(), "stale: run python -m tests.cli.nightly_example"
    assert "What changed (last edited by Dana Tanaka):" in shown and "(Plan!F" in shown
    assert shown.index("overdue (Plan!") < shown.index("See the findings above")
