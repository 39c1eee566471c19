"""Precedence: flag > MAPWS_* environment > config file > default."""

from datetime import date
from pathlib import Path

import pytest

from map_workspace.config import load_config, parse_bool, parse_day, write_config
from map_workspace.errors import UsageError


def test_defaults_without_file_or_environment():
    c = load_config({}, environ={})
    assert (c.backend, c.dir, c.locale, c.max_rpm, c.today) == ("local", Path("maps"), "en_US", 60, None)


def test_flag_beats_environment_beats_file(tmp_path):
    cfg = write_config(tmp_path / "config.toml", {"backend": "local", "dir": "/from/file", "locale": "de_DE",
                                                  "max_rpm": 30})
    env = {"MAPWS_CONFIG": str(cfg), "MAPWS_DIR": "/from/env"}
    c = load_config({}, environ=env)
    assert (c.dir, c.locale, c.max_rpm, c.source) == (Path("/from/env"), "de_DE", 30, str(cfg))
    c = load_config({"dir": Path("/from/flag"), "today": "2026-05-04"}, environ=env)
    assert c.dir == Path("/from/flag") and c.today == date(2026, 5, 4)
    c = load_config({"dir": None}, environ=env)  # an unset flag does not override
    assert c.dir == Path("/from/env")


def test_environment_today_and_bad_values_are_usage_errors(tmp_path):
    assert load_config({}, environ={"MAPWS_TODAY": "2026-01-31"}).today == date(2026, 1, 31)
    with pytest.raises(UsageError, match="not a date"):
        load_config({}, environ={"MAPWS_TODAY": "31/01/2026"})
    with pytest.raises(UsageError, match="Unknown backend"):
        load_config({}, environ={"MAPWS_BACKEND": "dropbox"})
    with pytest.raises(UsageError, match="does not exist"):
        load_config({}, environ={"MAPWS_CONFIG": str(tmp_path / "missing.toml")})
    bad = tmp_path / "bad.toml"
    bad.write_text("backend = \n")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_config({}, environ={"MAPWS_CONFIG": str(bad)})
    typo = tmp_path / "typo.toml"
    typo.write_text('bakend = "local"\n')
    with pytest.raises(UsageError, match="bakend"):
        load_config({}, environ={"MAPWS_CONFIG": str(typo)})


def test_holidays_and_thresholds_from_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('holidays = ["2026-12-25", 2026-12-26]\n[thresholds]\noff_track_after_days = 5\n')
    c = load_config({}, environ={"MAPWS_CONFIG": str(path)})
    assert c.holidays == {date(2026, 12, 25), date(2026, 12, 26)}
    assert c.thresholds.off_track_after_days == 5


@pytest.mark.parametrize(("text", "value"), [("1", True), ("yes", True), ("TRUE", True), ("0", False),
                                              ("no", False), ("false", False)])
def test_booleans(text, value):
    assert parse_bool(text) is value


def test_bad_boolean():
    with pytest.raises(UsageError):
        parse_bool("maybe")


def test_time_zone_and_locale_are_checked_with_a_clear_message():
    """Issue 10, item 6: Google accepts only IANA zones and the locales Sheets offers."""
    with pytest.raises(UsageError, match="'Not/AZone' is not an IANA time zone") as caught:
        load_config({"timezone": "Not/AZone"}, environ={})
    assert "Europe/Berlin" in caught.value.hint
    with pytest.raises(UsageError, match="'xx_YY' is not a locale Google Sheets offers") as caught:
        load_config({}, environ={"MAPWS_LOCALE": "xx_YY"})
    assert "en_US" in caught.value.hint
    with pytest.raises(UsageError, match=r"de_AT, de_CH, de_DE"):
        load_config({"locale": "de_XX"}, environ={})
    config = load_config({"locale": "de-de", "timezone": "Europe/Berlin"}, environ={})
    assert (config.locale, config.timezone) == ("de_DE", "Europe/Berlin")
    assert (load_config({}, environ={}).timezone, load_config({"locale": "ja_JP"}, environ={}).locale) == (
        "UTC", "ja_JP")


def test_the_fiscal_year_from_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("fiscal_year_start = 4\nbudget_release_weeks = 3\n")
    c = load_config({}, environ={"MAPWS_CONFIG": str(path)})
    assert (c.fiscal_year_start, c.budget_release_weeks) == (4, 3)
    assert load_config({}, environ={}).fiscal_year_start is None
    for bad in ("fiscal_year_start = 13\n", "fiscal_year_start = \"April\"\n", "budget_release_weeks = 0\n"):
        path.write_text(bad)
        with pytest.raises(UsageError, match="must be a whole number"):
            load_config({}, environ={"MAPWS_CONFIG": str(path)})


@pytest.mark.parametrize(
    "text",
    ["2027-03-11", "2027/03/11", "2027/3/11", "2027年3月11日", "令和9年3月11日", "R9.3.11", "２０２７／０３／１１"],
)
def test_a_command_line_date_reads_iso_and_the_year_first_forms_a_japanese_plan_writes(text):
    # A Japanese plan's findings write dates as 2027/03/11, and their hints name commands: pasted, they work.
    assert parse_day(text, "--decision-date") == date(2027, 3, 11)


@pytest.mark.parametrize("text", ["3/11/2027", "11/03/2027", "next friday", "2027-13-01"])
def test_a_command_line_date_that_could_mean_two_days_or_none_is_refused(text):
    with pytest.raises(UsageError, match="is not a date"):
        parse_day(text, "--decision-date")
