"""Scheduling from now on working days (issue 11): public holidays from the holidays package,
company closures, the calendar stored with the plan and used by every later sync."""

from datetime import UTC, date, datetime, timedelta

import pytest

from map_workspace import app
from map_workspace.changes import apply_in_memory
from map_workspace.config import Config, load_config
from map_workspace.domain.calendar import (
    WEEKENDS_ONLY,
    WorkCalendar,
    add_business_days,
    business_days_between,
    day_label,
    is_business_day,
)
from map_workspace.domain.model import Person
from map_workspace.domain.scheduling import schedule_forward
from map_workspace.errors import UsageError
from map_workspace.sync import Settings, plan_sync
from map_workspace.template_files import load_template
from map_workspace.workdays import build_calendar, calendar_from_meta, default_regions, years_around
from tests.unit.snapshot_edit import SnapshotEditor

JAN_5 = date(2027, 1, 5)  # a Tuesday: the example plan is created on it
MARCH_31 = date(2027, 3, 31)
BUYER = Person("Dana Tanaka", "dana@acme.com")


def us_calendar(*days: date, closures: tuple[str, ...] = ("12-29..01-03",)) -> WorkCalendar:
    return build_calendar(["US"], closures, years=years_around(*(days or (JAN_5,))))


def by_key(schedule, template):
    keys = {a.activity: a.key for a in template.activities}
    return {keys[i.activity]: i for i in schedule.items}


def test_create_schedules_forward_from_today_with_a_buffer_before_the_decision():
    template = load_template("enterprise")
    cal = us_calendar()
    schedule = schedule_forward(template, MARCH_31, JAN_5, {}, holidays=cal)
    items = by_key(schedule, template)
    # The kick-off is due within the first five business days, not weeks later.
    assert business_days_between(JAN_5, items["kickoff"].due, cal) <= 4
    assert schedule.start == JAN_5
    before = [i for i in schedule.items if i.due < MARCH_31]
    last = max(i.due for i in before)
    assert last < date(2027, 3, 25)  # the old backward schedule put the last approvals on 2027-03-29
    # Each item its lead time after its latest prerequisite, never less.
    for spec in template.activities:
        for dep in spec.depends_on:
            gap = business_days_between(items[dep].due, items[spec.key].due, cal)
            assert gap >= spec.lead_days, (spec.key, dep)
    assert schedule.buffer_days == business_days_between(
        add_business_days(items["approvals_done"].due, items["purchase_decision"].lead_days, cal), MARCH_31, cal)
    assert schedule.buffer_days > 0
    buffer = [f for f in schedule.findings if f.code == "schedule.buffer"]
    assert buffer and f"{schedule.buffer_days} business days" in buffer[0].message
    assert items["purchase_decision"].due == MARCH_31
    # Visible in the plan too: the decision milestone's Notes say how much buffer it has.
    assert items["purchase_decision"].notes.startswith(f"Buffer: {schedule.buffer_days} business days")


def test_no_item_is_due_on_a_weekend_holiday_or_closure():
    template = load_template("enterprise")
    start = date(2026, 12, 14)
    cal = us_calendar(start, MARCH_31)
    assert {date(2026, 12, 25), date(2026, 12, 30), date(2027, 1, 1), date(2027, 1, 18)} <= set(cal)
    schedule = schedule_forward(template, MARCH_31, start, {}, holidays=cal)
    for item in schedule.items:
        assert is_business_day(item.due, cal), (item.activity, day_label(item.due), cal.why_closed(item.due))


def test_lead_times_count_working_days():
    cal = us_calendar()
    # Friday 2027-01-15 + 1 working day skips the weekend and Martin Luther King Jr. Day.
    assert add_business_days(date(2027, 1, 15), 1, cal) == date(2027, 1, 19)
    assert add_business_days(date(2027, 1, 15), 1, WEEKENDS_ONLY) == date(2027, 1, 18)
    # The closure 12-29..01-03 recurs every year.
    assert business_days_between(date(2027, 12, 28), date(2028, 1, 4), cal) == 1


def test_a_decision_on_a_day_off_is_kept_with_a_warning_naming_the_day():
    template = load_template("light")
    saturday = date(2027, 2, 27)
    schedule = schedule_forward(template, saturday, JAN_5, {}, holidays=us_calendar())
    warning = [f for f in schedule.findings if f.code == "schedule.decision_closed"]
    assert warning and "Sat 2027-02-27" in warning[0].message and warning[0].severity.value == "warning"
    assert max(i.due for i in schedule.items if i.is_milestone) >= saturday
    assert [i.activity for i in schedule.items if i.due == saturday] == ["Purchase decision"]


def test_too_little_time_compresses_and_says_so():
    template = load_template("enterprise")
    schedule = schedule_forward(template, date(2027, 2, 5), JAN_5, {}, holidays=us_calendar())
    assert [f.code for f in schedule.findings] == ["schedule.compressed"]
    assert schedule.shortfall_days > 0
    assert all(i.due >= JAN_5 for i in schedule.items)


def test_japanese_holidays_and_the_locale_default():
    assert default_regions("ja_JP") == ("JP",) and default_regions("de_DE") == ("DE",)
    assert default_regions("en_US") == ("US",)
    cal = build_calendar(["JP"], years=years_around(date(2027, 5, 1)))
    golden_week = [date(2027, 5, 3), date(2027, 5, 4), date(2027, 5, 5)]
    assert all(d in cal for d in golden_week)
    assert cal.why_closed(date(2027, 5, 3)).startswith("a holiday (")


def test_config_reads_region_codes_dates_and_closures(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('holidays = ["US", "gb-eng", "2026-12-24"]\ncloses = 1\n')
    with pytest.raises(UsageError):
        load_config(environ={"MAPWS_CONFIG": str(path)})
    path.write_text('holidays = ["US", "gb-eng", "2026-12-24"]\n'
                    'closures = ["12-29..01-03", "2027-08-13..2027-08-16"]\n')
    config = load_config(environ={"MAPWS_CONFIG": str(path)})
    assert config.holiday_regions == ("US", "GB-ENG")
    assert config.holidays == {date(2026, 12, 24)}
    assert config.closures == ("12-29..01-03", "2027-08-13..2027-08-16")
    cal = app.calendar_for(config, date(2027, 8, 1))
    assert date(2027, 8, 16) in cal and date(2027, 8, 30) in cal  # a closure; the English summer bank holiday
    flag = load_config({"holiday_regions": "JP"}, environ={"MAPWS_CONFIG": str(path)})
    assert flag.holiday_regions == ("JP",)
    assert load_config({"holiday_regions": "none"}, environ={"MAPWS_CONFIG": str(path)}).holiday_regions == ()
    path.write_text('holidays = ["none", "2026-12-24"]\n')
    weekends = load_config(environ={"MAPWS_CONFIG": str(path)})
    assert weekends.holiday_regions == () and app.calendar_for(weekends, date(2026, 12, 1)).closed == {
        date(2026, 12, 24)}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('holidays = ["USA1"]', "Closest:"),
        ('holidays = ["JP-XX"]', "JP has no subdivision"),
        ('holidays = ["XQ"]', "not a country code"),
        ('holidays = ["GB-ENGG"]', "GB-ENG"),
        ('closures = ["12-29-01-03"]', "not a range of days"),
        ('closures = ["2027-08-16..2027-08-13"]', "ends before it starts"),
        ('closures = ["02-30..03-01"]', "does not exist"),
    ],
)
def test_config_mistakes_are_named(tmp_path, text, fragment):
    path = tmp_path / "config.toml"
    path.write_text(text + "\n")
    with pytest.raises(UsageError) as caught:
        load_config(environ={"MAPWS_CONFIG": str(path)})
    assert fragment in caught.value.message
    assert caught.value.exit_code == 2


def test_an_unknown_country_suggests_the_closest_codes(tmp_path):
    with pytest.raises(UsageError) as caught:
        load_config({"holiday_regions": "JQ"}, environ={"MAPWS_CONFIG": str(tmp_path / "none.toml")},
                    missing_ok=True)
    assert "JP" in caught.value.message


def _new_plan(config: Config, today: date = JAN_5, decision: date = MARCH_31, start: date | None = None):
    req = app.CreateRequest(deal="Acme rollout", decision=decision, buyers=[BUYER], start=start)
    return app.build_new_plan(req, config, today, datetime.combine(today, datetime.min.time(), tzinfo=UTC))


def test_the_plan_records_its_calendar_and_a_later_sync_uses_it():
    new = _new_plan(Config(locale="ja_JP", language="en", closures=("12-29..01-03",)))
    meta = new.snapshot.meta
    assert meta["calendar_regions"] == "JP" and meta["calendar_closures"] == "12-29..01-03"
    assert meta["start"] == JAN_5.isoformat() and int(meta["buffer_days"]) == new.schedule.buffer_days
    jp = calendar_from_meta(meta, JAN_5)
    assert jp is not None and date(2027, 2, 11) in jp  # National Foundation Day
    assert all(is_business_day(i.due, jp) for i in new.plan.items if "decision" not in i.activity.lower())
    # A buyer moves an item across National Foundation Day (Thu 2027-02-11): Wed 02-10 → Fri 02-12
    # is one working day in Japan, two on a weekends-only calendar (the rep's config now says none).
    item = new.plan.items[3]
    first = SnapshotEditor(new.snapshot)
    first.set(item.id, "due", date(2027, 2, 10))
    weekends_only = Settings(holidays=WEEKENDS_ONLY)
    moved = apply_in_memory(first.snapshot, plan_sync(first.snapshot, JAN_5, settings=weekends_only).changes)
    then = SnapshotEditor(moved)
    then.set(item.id, "due", date(2027, 2, 12))
    synced = plan_sync(then.snapshot, JAN_5 + timedelta(days=1), settings=weekends_only)
    notes = [h.note for h in synced.changes.history if h.id == item.id and h.field == "Due"]
    assert notes and notes[0].startswith("slipped 1 business day"), notes


def test_start_flag_schedules_from_that_day():
    new = _new_plan(Config(holiday_regions=()), decision=date(2027, 5, 28), start=date(2027, 2, 1))
    assert new.schedule.shortfall_days == 0 and new.schedule.buffer_days > 0
    assert min(i.due for i in new.plan.items) <= date(2027, 2, 5)
    assert new.schedule.start == date(2027, 2, 1)



def test_create_on_the_command_line(tmp_path):
    import json

    from click.testing import CliRunner

    from map_workspace.cli import cli

    def create(*extra: str) -> tuple[int, dict]:
        out = CliRunner().invoke(cli, ["create", "Acme rollout", "--decision-date", "2027-02-27", "--buyer",
                                       "Dana Tanaka <dana@acme.com>", "--dir", str(tmp_path), "--today",
                                       JAN_5.isoformat(), "--dry-run", "--json", *extra])
        return out.exit_code, json.loads(out.stdout)

    code, bad = create("--holidays", "JX")
    assert code == 2 and "JP" in bad["error"]["message"]
    code, made = create("--holidays", "JP", "--template", "light")
    assert code == 0
    assert made["schedule"]["calendar"] == {"holidays": ["JP"], "closures": []}
    assert made["schedule"]["start"] == JAN_5.isoformat() and made["schedule"]["buffer_days"] > 0
    assert any("Sat 2027-02-27" in w for w in made["warnings"])


def test_as_late_as_possible_keeps_the_backward_schedule():
    req = app.CreateRequest(deal="Acme rollout", decision=MARCH_31, buyers=[BUYER], as_late_as_possible=True)
    new = app.build_new_plan(req, Config(), JAN_5, datetime(2027, 1, 5, tzinfo=UTC))
    forward = _new_plan(Config())
    assert new.schedule.buffer_days == 0 < forward.schedule.buffer_days
    last = max(i.due for i in new.plan.items if i.due < MARCH_31)
    assert last > max(i.due for i in forward.plan.items if i.due < MARCH_31)
