"""`mapws create --lang`: a plan's language from the flag, the config's ``language``, MAPWS_LANGUAGE,
else the locale's (ja_JP → ja); recorded in the plan's meta; an unknown language is a friendly stop
(issue 14)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from map_workspace import catalog
from map_workspace.cli import cli
from map_workspace.errors import ExitStatus

BUYER = "Dana Tanaka <dana@acme.com>"


def create(tmp_path, *extra, env=None, code=0):
    (tmp_path / "none.toml").touch()
    args = ["create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", BUYER, "--seller",
            "Sam Rivera <sam@seller.io>", "--dir", str(tmp_path), "--today", "2026-03-02", "--json", *extra]
    result = CliRunner().invoke(cli, args, env={"MAPWS_CONFIG": str(tmp_path / "none.toml"), **(env or {})},
                                catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def sheet(result):
    path = Path(json.loads(result.output)["plan"])
    wb = load_workbook(path)
    meta = {p.name.removeprefix("mapws."): p.value for p in wb.custom_doc_props.props}
    return wb.sheetnames, meta


@pytest.mark.parametrize(
    ("env", "extra", "tabs", "language"),
    [
        ({"MAPWS_LOCALE": "ja_JP"}, (), ["概要", "計画", "日程"], "ja"),
        ({"MAPWS_LOCALE": "ja_JP"}, ("--lang", "en"), ["Overview", "Plan", "Timeline"], "en"),
        ({"MAPWS_LOCALE": "en_US"}, ("--lang", "JA"), ["概要", "計画", "日程"], "ja"),
        ({"MAPWS_LOCALE": "en_US", "MAPWS_LANGUAGE": "ja"}, (), ["概要", "計画", "日程"], "ja"),
        ({"MAPWS_LOCALE": "en_US"}, (), ["Overview", "Plan", "Timeline"], "en"),
    ],
)
def test_the_plan_s_language_comes_from_the_flag_the_environment_or_the_locale(tmp_path, env, extra, tabs, language):
    names, meta = sheet(create(tmp_path, *extra, env=env))
    assert names[:3] == tabs
    assert meta[catalog.META_LANGUAGE] == language


def test_the_config_file_s_language_is_used(tmp_path):
    (tmp_path / "config.toml").write_text('language = "ja"\n', encoding="utf-8")
    names, meta = sheet(create(tmp_path, env={"MAPWS_CONFIG": str(tmp_path / "config.toml")}))
    assert names[1] == "計画" and meta["language"] == "ja"


def test_an_unknown_language_names_the_languages_there_are(tmp_path):
    result = create(tmp_path, "--lang", "fr", code=int(ExitStatus.USAGE))
    assert result.output.startswith('{"error": {"code": "usage"')
    assert "There is no language 'fr'" in result.output
    assert "en (English), ja (日本語)" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.glob("*.xlsx"))


def test_assign_adds_a_stakeholder_with_the_side_in_the_plan_s_language(tmp_path):
    names, _meta = sheet(create(tmp_path, "--lang", "ja"))
    result = CliRunner().invoke(cli, ["assign", "acme-rollout", "buyer.cfo=Lee Chen <lee@acme.com>", "--dir",
                                      str(tmp_path), "--today", "2026-03-02"],
                                env={"MAPWS_CONFIG": str(tmp_path / "none.toml")}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    people = load_workbook(next(tmp_path.glob("*.xlsx")))["関係者"]
    row = next(r for r in people.iter_rows(values_only=True) if r[0] == "Lee Chen")
    assert row[1] == "購入側"


def test_init_sets_the_language_of_new_plans_and_refuses_an_unknown_one(tmp_path):
    config = tmp_path / "config.toml"
    env = {"MAPWS_CONFIG": str(config)}
    args = ["init", "--dir", str(tmp_path / "plans")]
    refused = CliRunner().invoke(cli, [*args, "--lang", "xx"], env=env, catch_exceptions=False)
    assert refused.exit_code == int(ExitStatus.USAGE) and "There is no language 'xx'" in refused.output
    assert not config.exists()  # refused before the file was touched
    done = CliRunner().invoke(cli, [*args, "--lang", "JA"], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert 'language = "ja"' in config.read_text(encoding="utf-8")
