"""`init` updates the keys given and keeps the rest of the config file, comments included; `--force`
only allows overwriting a value already set (issue 9, item 7)."""

from __future__ import annotations

import json
import tomllib

from click.testing import CliRunner

from map_workspace.cli import cli

SELLER = "Sam Rivera <sam@seller.io>"


def run(*args, code=0, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def test_init_force_backend_google_keeps_name_company_folder_and_comments(tmp_path):
    config = tmp_path / "config.toml"
    env = {"MAPWS_CONFIG": str(config)}
    run("init", "--seller", SELLER, "--seller-company", "Seller Inc", "--dir", tmp_path / "plans", env=env)
    with config.open("a", encoding="utf-8") as f:
        f.write('# our team writes British dates\nlocale = "en_GB"  # set by Sam\n\n'
                "[thresholds]\nstalled_after_days = 9\n")

    refused = run("init", "--backend", "google", "--json", code=2, env=env)
    error = json.loads(refused.stdout)["error"]
    assert "backend = 'local'" in error["message"] and "--force" in error["hint"]

    out = json.loads(run("init", "--force", "--backend", "google", "--folder", "FOLDER1", "--json", env=env).stdout)
    assert out["changed"] == ["backend", "folder"]
    text = config.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["backend"] == "google" and data["folder"] == "FOLDER1"
    assert data["seller"] == SELLER and data["seller_company"] == "Seller Inc"
    assert data["dir"] == str((tmp_path / "plans").resolve())
    assert data["locale"] == "en_GB" and data["thresholds"] == {"stalled_after_days": 9}
    assert "# our team writes British dates" in text and "# set by Sam" in text


def test_init_adds_unset_keys_without_force_and_a_same_value_is_no_conflict(tmp_path):
    config = tmp_path / "config.toml"
    env = {"MAPWS_CONFIG": str(config)}
    run("init", "--seller", SELLER, "--dir", tmp_path / "plans", env=env)
    out = json.loads(run("init", "--seller", SELLER, "--seller-company", "Seller Inc", "--timezone",
                         "Europe/Berlin", "--json", env=env).stdout)
    assert out["changed"] == ["seller_company", "timezone"] and "seller" in out["kept"]
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data["timezone"] == "Europe/Berlin" and data["seller"] == SELLER


def test_a_refused_init_changes_nothing(tmp_path):
    config = tmp_path / "config.toml"
    env = {"MAPWS_CONFIG": str(config)}
    run("init", "--seller", SELLER, "--dir", tmp_path / "plans", env=env)
    before = config.read_bytes()
    run("init", "--seller", "Lee Chen <lee@seller.io>", "--timezone", "Europe/Berlin", code=2, env=env)
    assert config.read_bytes() == before
