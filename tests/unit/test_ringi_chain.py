"""The ringi chain as a first-class pattern (issue 14): ``create`` lays the approval chain of the
ja-enterprise template out backward from the decision date (稟議起案 → 課長承認 → 部長承認 → 合議 ×3 →
経営会議 on its meeting day → 決裁), the discovery and validation work forward from today, and says
when the chain does not fit, naming the earliest decision that does."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from map_workspace import app
from map_workspace.changes import apply_in_memory
from map_workspace.config import Config
from map_workspace.domain.calendar import (
    MeetingDays,
    WorkCalendar,
    add_business_days,
    business_days_between,
    previous_business_day,
)
from map_workspace.domain.model import Person, Severity
from map_workspace.domain.scheduling import earliest_decision, schedule_forward
from map_workspace.domain.templates import check_template_data, template_from_dict
from map_workspace.plan_edits import plan_replan
from map_workspace.reading import read_plan
from map_workspace.sync import Settings, plan_sync
from map_workspace.template_files import load_template
from map_workspace.workdays import build_calendar
from tests.unit.snapshot_edit import SnapshotEditor

CHAMPION = Person("田中 太郎", "taro@acme.example")
PEOPLE = {
    "buyer.champion": CHAMPION,
    "buyer.decision_maker": Person("山本 花子", "hanako@acme.example"),
    "buyer.manager": Person("佐藤 一郎", "ichiro@acme.example"),
    "buyer.director": Person("鈴木 次郎", "jiro@acme.example"),
    "seller.ae": Person("Sam Rivera", "sam@seller.example"),
}
CHAIN = ("ringi_draft", "manager_approval", "director_approval", "council_legal", "council_it", "council_finance",
         "board_meeting")


@pytest.fixture(scope="module")
def template():
    return load_template("ja-enterprise")


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return build_calendar(["JP"], ["12-29..01-03"], years=range(2025, 2029))


def by_key(schedule, template) -> dict:
    items = {i.activity: i for i in schedule.items}
    return {a.key: items[a.activity] for a in template.activities}


def lead(template, key: str) -> int:
    return template.activity(key).lead_days


def test_the_template_marks_the_approval_chain(template):
    assert {a.key for a in template.activities if a.approval_chain} == set(CHAIN)


def test_the_chain_is_laid_out_backward_from_the_decision(template, calendar):
    """Decision Fri 2027-02-26: the 4th Tuesday (02-23) is 天皇誕生日, so the board sits on the 2nd
    Tuesday (02-09), the last meeting that leaves 決裁 its lead time; each step before it its lead
    time before the next; discovery starts at once and the buffer sits before 稟議起案."""
    start, decision = date(2026, 10, 1), date(2027, 2, 26)
    schedule = schedule_forward(template, decision, start, PEOPLE, holidays=calendar)
    items = by_key(schedule, template)
    assert items["decision"].due == decision
    board = items["board_meeting"].due
    latest = add_business_days(previous_business_day(decision, calendar), -lead(template, "decision"), calendar)
    assert board == MeetingDays.parse("2nd and 4th Tue").previous_on_or_before(latest, calendar) == date(2027, 2, 9)
    councils = {items[k].due for k in ("council_legal", "council_it", "council_finance")}
    assert councils == {add_business_days(board, -lead(template, "board_meeting"), calendar)}
    council = councils.pop()
    director = items["director_approval"].due
    assert director == min(add_business_days(council, -lead(template, k), calendar)
                           for k in ("council_legal", "council_it", "council_finance"))
    manager = items["manager_approval"].due
    assert manager == add_business_days(director, -lead(template, "director_approval"), calendar)
    draft = items["ringi_draft"].due
    assert draft == add_business_days(manager, -lead(template, "manager_approval"), calendar)
    # The work before the chain starts now, not weeks later: the kick-off within a week.
    assert items["kickoff"].due <= date(2026, 10, 8)
    documents = items["ringi_documents"].due
    assert documents < date(2026, 12, 1) < draft
    buffer = business_days_between(add_business_days(documents, lead(template, "ringi_draft"), calendar), draft,
                                   calendar)
    assert schedule.buffer_days == buffer > 20 and schedule.shortfall_days == 0
    (found,) = schedule.findings
    assert found.code == "schedule.buffer" and found.severity is Severity.INFO
    assert found.message == (
        f"The plan keeps {buffer} business days of buffer between its last item before the approval chain "
        f"({documents.isoformat()}) and the chain's first step, 稟議起案 on {draft.isoformat()}; the chain then runs "
        f"to the decision on 2027-02-26.")
    assert items["ringi_draft"].notes.startswith(f"Buffer: {buffer} business days kept before this step")
    assert not items["decision"].notes


def test_the_board_sits_on_the_fourth_tuesday_when_it_is_a_working_day(template, calendar):
    schedule = schedule_forward(template, date(2027, 3, 26), date(2026, 10, 1), PEOPLE, holidays=calendar)
    assert by_key(schedule, template)["board_meeting"].due == date(2027, 3, 23)


def test_the_chain_steps_over_the_year_end_closure_and_new_year_holidays(template, calendar):
    """Decision Fri 2027-01-15: the board on Tue 01-12 (2nd Tuesday), the councils before 成人の日
    (Mon 01-11), and the approvals back across the 12/29-1/3 closure."""
    schedule = schedule_forward(template, date(2027, 1, 15), date(2026, 9, 1), PEOPLE, holidays=calendar)
    items = by_key(schedule, template)
    assert items["board_meeting"].due == date(2027, 1, 12)
    assert items["council_legal"].due == date(2027, 1, 7)
    assert items["director_approval"].due == date(2026, 12, 23)  # Jan 6, 5, 4, Dec 28, 25, 24, 23
    for item in schedule.items:
        assert calendar.is_working_day(item.due), (item.activity, item.due)


def test_a_chain_that_does_not_fit_names_the_earliest_decision(template, calendar):
    """From Thu 2026-12-03 the plan cannot reach 決裁 by 2027-02-26 (what README's example used to do):
    the rep is told by how much and the first decision date that fits, and that date does fit."""
    start = date(2026, 12, 3)
    schedule = schedule_forward(template, date(2027, 2, 26), start, PEOPLE, holidays=calendar)
    (found,) = [f for f in schedule.findings if f.code == "schedule.compressed"]
    earliest = earliest_decision(template, start, calendar)
    assert schedule.shortfall_days > 0
    assert found.hint.startswith(f"The earliest decision date the ja-enterprise template fits is {earliest}:")
    assert f"mapws replan PLAN --decision-date {earliest.isoformat()}" in found.hint
    fits = schedule_forward(template, earliest, start, PEOPLE, holidays=calendar)
    assert fits.shortfall_days == 0 and not [f for f in fits.findings if f.code == "schedule.compressed"]
    items = by_key(fits, template)
    assert MeetingDays.parse("2nd and 4th Tue").sits_on(items["board_meeting"].due)
    day_before = previous_business_day(earliest - timedelta(days=1), calendar)
    assert schedule_forward(template, day_before, start, PEOPLE, holidays=calendar).shortfall_days > 0


def test_stakeholders_and_owners_carry_the_ringi_roles(template, calendar):
    schedule = schedule_forward(template, date(2027, 2, 26), date(2026, 10, 1), PEOPLE, holidays=calendar)
    roles = {s.name: s.role for s in schedule.stakeholders}
    assert "起案者" in roles["田中 太郎"] and roles["山本 花子"] == "決裁者"
    assert roles["佐藤 一郎"].startswith("承認者") and roles["鈴木 次郎"].startswith("承認者")
    items = by_key(schedule, template)
    assert items["ringi_draft"].owner == "田中 太郎"
    assert items["manager_approval"].owner == "佐藤 一郎" and items["director_approval"].owner == "鈴木 次郎"
    assert items["board_meeting"].owner == items["decision"].owner == "山本 花子"
    assert items["council_legal"].owner == ""  # nobody named for 法務 yet: flagged, not a role name


NOW = datetime(2026, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))


def _created(decision: date, tmp_path, **config):
    request = app.CreateRequest("基幹システム刷新", decision, [CHAMPION], [PEOPLE["seller.ae"]],
                                roles={k: v for k, v in PEOPLE.items() if k.startswith("buyer.") and v != CHAMPION},
                                template="ja-enterprise")
    settings = Config(backend="local", dir=tmp_path, locale="ja_JP", timezone="Asia/Tokyo", today=NOW.date(),
                      **config)
    return app.build_new_plan(request, settings, NOW.date(), NOW)


@pytest.mark.parametrize(("decision", "config", "warned"), [
    (date(2027, 4, 9), {}, True),  # the template's April year, four weeks
    (date(2027, 4, 30), {}, False),
    (date(2027, 3, 31), {}, False),
    (date(2027, 4, 30), {"budget_release_weeks": 6}, True),
    (date(2027, 4, 9), {"fiscal_year_start": 1}, False),  # the config's January year overrides April
    (date(2027, 1, 22), {"fiscal_year_start": 1}, True),
])
def test_create_warns_of_a_decision_early_in_the_fiscal_year(tmp_path, decision, config, warned):
    created = _created(decision, tmp_path, **config)
    fiscal = [f for f in created.findings if f.code == "schedule.fiscal_year_start"]
    assert bool(fiscal) is warned


def test_create_schedules_on_the_japanese_calendar_by_default(tmp_path, calendar):
    created = _created(date(2027, 2, 26), tmp_path)
    assert created.schedule.regions == ("JP",) and created.schedule.closures == ("12-29..01-03",)
    assert all(calendar.is_working_day(i.due) for i in created.plan.items)
    board = next(i for i in created.plan.items if i.activity == "経営会議")
    assert board.due == date(2027, 2, 9)


def _template(**chain_flags) -> dict:
    def activity(key, *deps, **extra):
        return {"key": key, "type": "Milestone", "activity": key, "side": "Buyer", "owner_role": "buyer.champion",
                "duration_days": 1, "depends_on": list(deps), **extra}

    return {
        "description": "d", "goals": {k: "x" for k in ("mutual", "buyer", "seller", "success_criteria", "cadence")},
        "roles": [{"key": "buyer.champion", "side": "Buyer", "title": "起案者"}],
        "activities": [activity("prep"), activity("draft", "prep", **chain_flags.get("draft", {})),
                       activity("side_task", "draft"), activity("decision", "draft", decision=True)],
    }


def test_a_chain_step_must_lead_into_the_decision_through_the_chain():
    assert check_template_data(_template()) == []
    problems = check_template_data(_template(draft={"approval_chain": True}))
    assert problems == ["activity 'draft': approval_chain = true, but activity 'side_task' depends on it without "
                        "being part of the chain: the chain runs into the decision (mark them approval_chain too)"]
    assert check_template_data(_template(draft={"approval_chain": "yes"}))[0] == (
        "activity 'draft': approval_chain must be true or false, got 'yes'")


# --- replan keeps the chain and the board's meeting days --------------------------------------------

REPLAN_DAY = date(2026, 11, 2)
REPLAN_NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=9)))


@pytest.fixture(scope="module")
def ja_plan(tmp_path_factory):
    return _created(date(2027, 2, 26), tmp_path_factory.mktemp("ja")).snapshot


def _replanned(snapshot, **asked):
    # The rep's config knows no Japanese holiday: the plan's own calendar (its meta) is what counts.
    r = plan_replan(snapshot, REPLAN_DAY, now=REPLAN_NOW, settings=Settings(holidays=frozenset()), **asked)
    after = apply_in_memory(snapshot, r.changes)
    return r, {i.activity: i for i in read_plan(after).plan.items}


def _chain_dates(items) -> dict[str, date]:
    return {a: items[a].due for a in ("稟議起案", "課長承認", "部長承認", "合議（法務）", "経営会議", "決裁")}


def test_a_later_decision_lays_the_chain_out_again_with_the_board_on_its_meeting_day(ja_plan, template, calendar):
    r, items = _replanned(ja_plan, decision=date(2027, 3, 26))
    fresh = by_key(schedule_forward(template, date(2027, 3, 26), date(2026, 10, 1), PEOPLE, holidays=calendar),
                   template)
    assert _chain_dates(items) == {fresh[k].activity: fresh[k].due for k in
                                   ("ringi_draft", "manager_approval", "director_approval", "council_legal",
                                    "board_meeting", "decision")}
    assert items["経営会議"].due == date(2027, 3, 23)
    assert items["要件ヒアリング完了"].due == date(2026, 10, 14)  # the work before the chain keeps its dates
    relaid = {m.activity: m.reason for m in r.moves}
    assert relaid["経営会議"] == "approval chain laid out again from the decision"
    assert not r.warnings


def test_an_earlier_decision_brings_the_chain_forward_onto_an_earlier_meeting(ja_plan):
    """Decision Fri 2027-01-29: the board on the 4th Tuesday, 01-26, back across the year-end closure."""
    r, items = _replanned(ja_plan, decision=date(2027, 1, 29))
    assert items["経営会議"].due == date(2027, 1, 26)
    dates = list(_chain_dates(items).values())
    assert dates == sorted(dates) and dates[-1] == date(2027, 1, 29)
    assert not [w for w in r.warnings if "Still due after the decision" in w]


def test_a_decision_too_close_for_the_chain_says_so(ja_plan, calendar):
    r, items = _replanned(ja_plan, decision=date(2026, 11, 20))
    (warning,) = [w for w in r.warnings if w.startswith("The approval chain does not fit before the decision on "
                                                        "2026-11-20")]
    assert all(d >= REPLAN_DAY for d in _chain_dates(items).values())  # never a date in the past
    (earliest,) = re.findall(r"--decision-date (\d{4}-\d{2}-\d{2})", warning)
    fits, items = _replanned(ja_plan, decision=date.fromisoformat(earliest))
    assert not [w for w in fits.warnings if "does not fit" in w]
    documents = items["稟議資料の準備（見積書・導入効果・比較表）"].due
    assert items["稟議起案"].due >= add_business_days(documents, items["稟議起案"].lead_days, calendar)
    assert MeetingDays.parse("2nd and 4th Tue").sits_on(items["経営会議"].due)
    late, _ = _replanned(ja_plan, decision=date.fromisoformat(earliest) - timedelta(days=1))
    assert [w for w in late.warnings if "does not fit" in w]


def test_a_slip_into_the_chain_moves_the_board_to_its_next_meeting_day(ja_plan):
    """合議（法務） slips a week past the board's lead time: the board moves to the next 2nd or 4th
    Tuesday that keeps its two days, never to the Thursday after."""
    items = {i.activity: i for i in read_plan(ja_plan).plan.items}
    council = items["合議（法務）"]
    r, moved = _replanned(ja_plan, item_id=council.id, due=date(2027, 2, 12))
    assert moved["経営会議"].due == date(2027, 3, 9)  # 02-16 + 2 → 02-18; 02-23 is a holiday; 03-09
    board = next(m for m in r.moves if m.activity == "経営会議")
    assert board.reason.endswith("on the next meeting day")
    assert moved["決裁"].due == date(2027, 3, 11)
    assert any("--decision-date 2027-03-11" in w for w in r.warnings)


# --- what a Japanese buyer types, read by the sync of a ja plan (issue 14's Dates and Names) ------

SYNC_DAY = date(2026, 10, 5)


def _synced_edits(snapshot, edits):
    editor = SnapshotEditor(snapshot)
    for item_id, key, value in edits:
        editor.set(item_id, key, value)
    edited = editor.snapshot
    synced = plan_sync(edited, SYNC_DAY, now=REPLAN_NOW, settings=Settings(default_locale="ja_JP"))
    return synced, {i.id: i for i in read_plan(edited, default_locale="ja_JP", today=SYNC_DAY).plan.items}


@pytest.mark.parametrize("typed", [
    "12/10", "12月10日", "１２月１０日", "令和9年5月14日", "R9.5.14", "２０２７／０５／１４",
    "2027年5月14日", "2027年5月14日(金)", "R9/5/14", "令和９年５月１４日",
])
def test_a_japanese_date_is_read_in_a_ja_plan(ja_plan, typed):
    """Without a year, the date nearest the day it is read (12/10 in October 2026: 2026-12-10)."""
    item_id = next(i.id for i in read_plan(ja_plan).plan.items if i.activity == "導入計画の策定")
    synced, items = _synced_edits(ja_plan, [(item_id, "due", typed)])
    expected = date(2026, 12, 10) if "10" in typed or "１０" in typed else date(2027, 5, 14)
    assert items[item_id].due == expected
    assert not [f for f in synced.findings if f.code.startswith("date.") and f.id == item_id]


@pytest.mark.parametrize(("typed", "code"), [
    ("田中様", None), ("田中 さん", None), ("田中　さん", None), ("田中太郎", None), ("田中 太郎 様", None),
    ("情報システム部", "owner.group"), ("経理課", "owner.group"), ("法務チーム", "owner.group"),
    ("関係者各位", "owner.group"), ("全員", "owner.group"), ("担当者", "owner.group"),
    ("未定", "owner.missing"),
])
def test_a_japanese_owner_is_read_in_a_ja_plan(ja_plan, typed, code):
    item_id = next(i.id for i in read_plan(ja_plan).plan.items if i.activity == "合議（法務）")
    synced, _ = _synced_edits(ja_plan, [(item_id, "owner", typed)])
    owner = sorted(f.code for f in synced.findings if f.id == item_id and f.code.startswith("owner."))
    assert owner == ([code] if code else [])


def test_a_family_name_two_people_share_is_asked_about(tmp_path):
    request = app.CreateRequest("基幹システム刷新", date(2027, 2, 26), [CHAMPION], [PEOPLE["seller.ae"]],
                                roles={"buyer.legal": Person("田中 次郎", "jiro.tanaka@acme.example")},
                                template="ja-enterprise")
    settings = Config(backend="local", dir=tmp_path, locale="ja_JP", timezone="Asia/Tokyo", today=NOW.date())
    snapshot = app.build_new_plan(request, settings, NOW.date(), NOW).snapshot
    item_id = next(i.id for i in read_plan(snapshot).plan.items if i.activity == "課長承認")
    for typed, code in (("田中様", ["owner.ambiguous"]), ("田中 さん", ["owner.ambiguous"]), ("田中太郎", [])):
        synced, _ = _synced_edits(snapshot, [(item_id, "owner", typed)])
        assert sorted(f.code for f in synced.findings if f.id == item_id and f.code.startswith("owner.")) == code


# --- random templates with an approval chain ---------------------------------------------------------

@st.composite
def chained_templates(draw):
    """Random work before the chain, a random approval chain (serial and parallel steps, one perhaps
    on meeting days) that runs into the decision, and perhaps items after it."""
    activities: list[dict] = []

    def add(key, deps, **extra):
        activities.append({"key": key, "type": "Milestone", "activity": key, "side": "Buyer",
                           "owner_role": "buyer.champion", "duration_days": draw(st.integers(0, 6)),
                           "buffer_days": draw(st.integers(0, 3)), "depends_on": deps, **extra})

    pre = [f"p{n}" for n in range(draw(st.integers(0, 5)))]
    for n, key in enumerate(pre):
        add(key, draw(st.lists(st.sampled_from(pre[:n]), unique=True, max_size=2)) if n else [])
    steps = [f"c{n}" for n in range(draw(st.integers(1, 5)))]
    for n, key in enumerate(steps):
        earlier = steps[:n] or pre
        add(key, draw(st.lists(st.sampled_from(earlier), unique=True, min_size=1, max_size=2)) if earlier else [],
            approval_chain=True)
    sinks = [k for k in steps if not any(k in a["depends_on"] for a in activities)]
    board = draw(st.sampled_from([*steps, ""]))
    if board:
        next(a for a in activities if a["key"] == board)["meeting"] = draw(
            st.sampled_from(["Tue", "2nd and 4th Tue", "last Fri", "1st Mon"]))
    add("decision", sinks, decision=True)
    for n in range(draw(st.integers(0, 2))):
        add(f"f{n}", ["decision"])
    data = _template()
    data["activities"] = activities
    return template_from_dict(data, "chained")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=chained_templates(),
    today=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    days_ahead=st.integers(1, 150),
    holiday_offsets=st.frozensets(st.integers(-80, 160), max_size=8),
)
def test_random_chains_end_at_the_decision_and_keep_every_lead_time(template, today, days_ahead, holiday_offsets):
    decision = today + timedelta(days=days_ahead)
    holidays = frozenset(today + timedelta(days=offset) for offset in holiday_offsets)
    schedule = schedule_forward(template, decision, today, {}, holidays=holidays)
    items = by_key(schedule, template)
    anchor = previous_business_day(decision, holidays)
    assert items[template.decision.key].due == decision
    compressed = [f for f in schedule.findings if f.code == "schedule.compressed"]
    if compressed:
        (earliest,) = re.findall(r"--decision-date (\d{4}-\d{2}-\d{2})", compressed[0].hint)
        assert date.fromisoformat(earliest) > decision
        return
    assert schedule.buffer_days >= 0
    for a in template.activities:
        item = items[a.key]
        assert item.due >= today
        for dep in a.depends_on:
            due = anchor if a.key == template.decision.key else item.due
            assert business_days_between(items[dep].due, due, holidays) >= a.lead_days, (dep, a.key)
        if a.meeting:
            assert MeetingDays.parse(a.meeting).sits_on(item.due) and item.due not in holidays
        if a.approval_chain:  # as late as the next steps allow: the last (meeting) day that keeps them
            later = [b for b in template.activities if a.key in b.depends_on]
            latest = min(add_business_days(anchor if b.decision else items[b.key].due, -b.lead_days, holidays)
                         for b in later)
            if a.meeting:
                latest = MeetingDays.parse(a.meeting).previous_on_or_before(latest, holidays)
            assert item.due == previous_business_day(latest, holidays), a.key
