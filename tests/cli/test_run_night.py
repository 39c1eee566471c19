"""``nightly.run_night``: the wiring of ``sync --all`` as a service the CLI only prints from."""

from __future__ import annotations

from click.testing import CliRunner

from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.cli import cli
from map_workspace.config import load_config
from map_workspace.errors import ExitStatus, MapwsError, PlanError
from map_workspace.nightly import Night, run_night
from map_workspace.ratelimit import Unlimited

TODAY = "2026-03-02"


def make_plans(folder, *deals):
    for deal in deals:
        made = CliRunner().invoke(cli, ["create", deal, "--decision-date", "2026-06-30", "--buyer",
                                        "Dana Tanaka <dana@acme.com>", "--dir", str(folder), "--today", TODAY])
        assert made.exit_code == 0, made.output


def test_run_night_calls_back_per_plan_and_decides_the_exit_status(tmp_path):
    folder = tmp_path / "maps"
    make_plans(folder, "Alpha deal", "Beta deal")
    config = load_config({"dir": folder, "today": "2026-03-03", "state": str(tmp_path / "state.sqlite")})
    store = LocalPlanStore(folder)
    listed: list[int] = []
    heard: list[str] = []
    night = run_night(store, config, on_listed=listed.append, on_run=lambda run: heard.append(run.ref.slug))
    assert isinstance(night, Night) and isinstance(night.limiter, Unlimited)  # a local store has no quota
    assert listed == [2] and sorted(heard) == ["alpha-deal", "beta-deal"]
    assert night.exit_status is ExitStatus.OK and night.state_problem is None
    assert night.totals()["synced"] == 2 and "state_error" not in night.totals()
    again = run_night(store, config)
    assert again.totals()["unchanged"] == 2  # the state store was opened, written and closed

    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    broken = run_night(store, config)
    assert broken.exit_status is ExitStatus.PLAN and [r.ref.slug for r in broken.failed] == ["broken"]


def test_run_night_takes_a_shard_as_the_option_spells_it(tmp_path):
    folder = tmp_path / "maps"
    make_plans(folder, "Alpha deal", "Beta deal", "Gamma deal")
    config = load_config({"dir": folder, "today": TODAY, "state": str(tmp_path / "state.sqlite")})
    halves = [{r.ref.slug for r in run_night(LocalPlanStore(folder), config, shard=f"{i}/2", dry_run=True).runs}
              for i in (0, 1)]
    assert halves[0].isdisjoint(halves[1]) and halves[0] | halves[1] == {"alpha-deal", "beta-deal", "gamma-deal"}
    try:
        run_night(LocalPlanStore(folder), config, shard="2/2")
    except MapwsError as exc:
        assert exc.exit_code is ExitStatus.USAGE and "--shard" in exc.message
    else:
        raise AssertionError("a shard out of range was accepted")


def test_a_state_that_was_not_kept_fails_the_night_and_shows_in_the_totals():
    night = Night(state_problem=PlanError("The nightly state could not be saved to Drive.", "Run it again."))
    assert night.exit_status is ExitStatus.PLAN
    assert night.totals()["state_error"] == {"code": "plan.error", "hint": "Run it again.",
                                             "message": "The nightly state could not be saved to Drive."}


def test_exit_statuses_keep_their_numbers():
    assert [(s.name, int(s)) for s in ExitStatus] == [("OK", 0), ("POLICY", 1), ("USAGE", 2), ("PLAN", 3),
                                                      ("INTERRUPTED", 130)]
