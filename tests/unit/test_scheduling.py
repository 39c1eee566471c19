"""Backward scheduling on business days: invariants on the shipped templates and on random ones."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from map_workspace.domain.calendar import (
    add_business_days,
    business_days_between,
    is_business_day,
    next_business_day,
    previous_business_day,
)
from map_workspace.domain.model import ItemType, Person, RiskStatus, Severity, Side, Status
from map_workspace.domain.scheduling import Schedule, earliest_decision, schedule_backward, schedule_forward
from map_workspace.domain.templates import Template, template_from_dict
from map_workspace.domain.vocabulary import GROUP_WORDS
from map_workspace.errors import UsageError
from map_workspace.template_files import load_template

MONDAY = date(2026, 6, 1)
DANA = Person.parse("Dana Tanaka <dana@buyer.example>")
SAM = Person.parse("Sam Okafor <sam@seller.example>")
PEOPLE = {"buyer.champion": DANA, "seller.ae": SAM}


@pytest.fixture(scope="module")
def enterprise() -> Template:
    return load_template("enterprise")


@pytest.fixture(scope="module")
def light() -> Template:
    return load_template("light")


def keyed(schedule: Schedule, template: Template) -> dict:
    """Items by template key (activity texts are unique in a template)."""
    by_text = {item.activity: item for item in schedule.items}
    return {a.key: by_text[a.activity] for a in template.activities}


def followers_of_decision(template: Template) -> set[str]:
    after: set[str] = set()
    changed = True
    while changed:
        changed = False
        for a in template.activities:
            if a.key not in after and any(d == template.decision.key or d in after for d in a.depends_on):
                after.add(a.key)
                changed = True
    return after


def assert_invariants(schedule: Schedule, template: Template, decision: date, today: date,
                      holidays: frozenset[date] = frozenset()) -> None:
    items = keyed(schedule, template)
    by_id = {item.id: item for item in schedule.items}
    after = followers_of_decision(template)
    planned = {a.key: a.lead_days for a in template.activities}
    compressed = schedule.shortfall_days > 0

    assert len(schedule.items) == len(template.activities)
    assert items[template.decision.key].due == decision
    for spec in template.activities:
        item = items[spec.key]
        assert item.due >= today
        assert is_business_day(item.due, holidays) or item.due == decision, (spec.key, item.due)
        if spec.key not in after:
            assert item.due <= decision, spec.key
        else:
            assert item.due >= decision, spec.key
        assert item.baseline == item.due
        assert item.status is Status.NOT_STARTED
        assert item.role == spec.owner_role
        assert 0 <= item.lead_days <= planned[spec.key]
        if not compressed or spec.key in after:
            assert item.lead_days == planned[spec.key], spec.key
        assert [by_id[d].activity for d in item.depends_on] == [
            template.activity(k).activity for k in spec.depends_on
        ]
        for dep_id in item.depends_on:
            prerequisite = by_id[dep_id]
            assert item.due >= prerequisite.due, (spec.key, dep_id)
            # Strictly the lead time after, with the leads actually used (compressed ones when short).
            assert business_days_between(prerequisite.due, item.due, holidays) >= item.lead_days, spec.key
    before = [a.key for a in template.activities if a.key not in after]
    assert schedule.start >= today
    assert schedule.start <= min(items[k].due for k in before)
    if compressed:
        assert [f.code for f in schedule.findings] == ["schedule.compressed"]
        finding = schedule.findings[0]
        assert finding.severity is Severity.WARNING and finding.id is None and finding.tab == "Plan"
        shortfall = schedule.shortfall_days
        assert f"compressed by {shortfall} business day" in finding.message
        earliest = re.search(r"--decision-date (\d{4}-\d{2}-\d{2})", finding.hint)
        assert earliest and date.fromisoformat(earliest[1]) > decision
        assert date.fromisoformat(earliest[1]) >= earliest_decision(template, today, holidays)
        assert not schedule_backward(template, date.fromisoformat(earliest[1]), today, PEOPLE,
                                     holidays=holidays).shortfall_days
    else:
        assert schedule.findings == ()
        assert schedule.start >= next_business_day(today, holidays)


# --- calendar ---------------------------------------------------------------------------------


def test_business_day_basics():
    saturday, sunday = date(2026, 6, 6), date(2026, 6, 7)
    assert is_business_day(MONDAY) and not is_business_day(saturday) and not is_business_day(sunday)
    assert not is_business_day(MONDAY, frozenset({MONDAY}))
    assert add_business_days(date(2026, 6, 5), 1) == date(2026, 6, 8)  # Friday + 1 = Monday
    assert add_business_days(MONDAY, -1) == date(2026, 5, 29)
    assert add_business_days(saturday, 0) == saturday  # zero leaves even a weekend day alone
    assert add_business_days(MONDAY, 5, frozenset({date(2026, 6, 3)})) == date(2026, 6, 9)
    assert previous_business_day(sunday) == date(2026, 6, 5)
    assert next_business_day(saturday) == date(2026, 6, 8)
    assert next_business_day(MONDAY) == MONDAY == previous_business_day(MONDAY)
    assert next_business_day(saturday, frozenset({date(2026, 6, 8)})) == date(2026, 6, 9)
    assert business_days_between(MONDAY, date(2026, 6, 8)) == 5
    assert business_days_between(date(2026, 6, 8), MONDAY) == -5
    assert business_days_between(MONDAY, MONDAY) == 0
    assert business_days_between(MONDAY, date(2026, 6, 8), frozenset({date(2026, 6, 3), saturday})) == 4


@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(date(2025, 1, 1), date(2028, 12, 31)),
    n=st.integers(-60, 60),
    holidays=st.frozensets(st.dates(date(2024, 10, 1), date(2029, 3, 31)), max_size=15),
)
def test_add_and_between_agree_on_business_days(start, n, holidays):
    start = next_business_day(start, holidays)
    end = add_business_days(start, n, holidays)
    assert is_business_day(end, holidays)
    assert business_days_between(start, end, holidays) == n
    assert (end > start) == (n > 0)
    # Brute-force count of business days in (start, end].
    lo, hi = sorted((start, end))
    days = sum(is_business_day(lo + timedelta(days=i), holidays) for i in range(1, (hi - lo).days + 1))
    assert abs(n) == days


# --- the shipped templates ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["enterprise", "light"])
@pytest.mark.parametrize(
    "today, decision",
    [
        (MONDAY, date(2026, 10, 30)),  # far
        (MONDAY, date(2026, 7, 15)),  # near
        (MONDAY, date(2026, 6, 12)),  # very near
        (MONDAY, date(2026, 6, 2)),  # tomorrow
        (date(2026, 6, 5), date(2026, 6, 8)),  # Friday for Monday
        (date(2026, 6, 6), date(2026, 6, 8)),  # Saturday for Monday: no business day left before it
        (date(2026, 6, 6), date(2026, 6, 7)),  # Saturday for Sunday
        (MONDAY, date(2026, 9, 19)),  # a Saturday decision, far
    ],
)
def test_invariants_on_shipped_templates(name, today, decision):
    template = load_template(name)
    schedule = schedule_backward(template, decision, today, PEOPLE)
    assert_invariants(schedule, template, decision, today)


def test_far_decision_fits_without_compression(enterprise):
    decision = date(2026, 10, 30)
    schedule = schedule_backward(enterprise, decision, MONDAY, PEOPLE)
    assert schedule.findings == () and schedule.shortfall_days == 0
    items = keyed(schedule, enterprise)
    # Scheduled backward: the first item is as late as the plan allows, the plan exactly as long as planned.
    plan_length = business_days_between(schedule.start, decision)
    assert 40 <= plan_length <= 60  # the digest's 8–12 weeks including buffers
    assert schedule.start == add_business_days(items["kickoff"].due, -items["kickoff"].lead_days)
    assert schedule.start > MONDAY
    assert items["approvals_done"].due == add_business_days(decision, -items["purchase_decision"].lead_days)


def test_light_plan_is_short(light):
    decision = date(2026, 10, 30)
    schedule = schedule_backward(light, decision, MONDAY, PEOPLE)
    assert 10 <= business_days_between(schedule.start, decision) <= 25


def test_very_near_decision_is_compressed_and_says_by_how_much(enterprise):
    decision = date(2026, 6, 12)  # nine business days after Monday 2026-06-01
    schedule = schedule_backward(enterprise, decision, MONDAY, PEOPLE)
    far = schedule_backward(enterprise, date(2026, 10, 30), MONDAY, PEOPLE)
    planned = business_days_between(far.start, date(2026, 10, 30))
    assert schedule.shortfall_days == planned - 9
    assert schedule.findings[0].message == (
        f"The decision date 2026-06-12 leaves 9 business days, but the enterprise template plans {planned}: "
        f"dates were compressed by {planned - 9} business days."
    )
    earliest = earliest_decision(enterprise, MONDAY)
    assert schedule.findings[0].hint == (
        f"The earliest decision date the enterprise template fits is {earliest.isoformat()}: agree it with the buyer "
        f"(mapws replan PLAN --decision-date {earliest}), or agree realistic dates for the compressed items."
    )
    assert schedule_forward(enterprise, earliest, MONDAY, PEOPLE).shortfall_days == 0
    assert schedule_forward(enterprise, earliest - timedelta(days=1), MONDAY, PEOPLE).shortfall_days > 0
    assert schedule.start == MONDAY  # the compressed plan uses the time there is
    assert any(item.lead_days > 0 for item in schedule.items if item.due <= decision)
    assert_invariants(schedule, enterprise, decision, MONDAY)


def test_decision_tomorrow_squeezes_everything_into_today(enterprise):
    decision = MONDAY + timedelta(days=1)
    schedule = schedule_backward(enterprise, decision, MONDAY, PEOPLE)
    items = keyed(schedule, enterprise)
    assert schedule.findings[0].message.startswith("The decision date 2026-06-02 leaves 1 business day,")
    assert {items[k].due for k in items if k != "implementation_planning"} <= {MONDAY, decision}
    assert items["implementation_planning"].due > decision
    assert_invariants(schedule, enterprise, decision, MONDAY)


def test_no_business_day_left_clamps_dates_in_order(light):
    saturday, monday = date(2026, 6, 6), date(2026, 6, 8)
    schedule = schedule_backward(light, monday, saturday, PEOPLE)
    items = keyed(schedule, light)
    assert schedule.findings[0].message.startswith("The decision date 2026-06-08 leaves no business day,")
    assert all(items[k].due == monday for k in items if k != "onboarding_kickoff")
    assert all(items[k].lead_days == 0 for k in items if k != "onboarding_kickoff")


@pytest.mark.parametrize("decision", [MONDAY, MONDAY - timedelta(days=3)])
def test_decision_on_or_before_today_is_a_usage_error(enterprise, decision):
    with pytest.raises(UsageError) as caught:
        schedule_backward(enterprise, decision, MONDAY, PEOPLE)
    assert caught.value.message.startswith(f"The decision date {decision.isoformat()} is not after today")
    assert caught.value.hint
    assert caught.value.exit_code == 2


def test_holidays_are_skipped(enterprise):
    decision = date(2026, 10, 30)
    plain = keyed(schedule_backward(enterprise, decision, MONDAY, PEOPLE), enterprise)
    # Make every weekday of the week before the decision's approvals a holiday.
    approvals = plain["approvals_done"].due
    holidays = frozenset(approvals - timedelta(days=i) for i in range(0, 10))
    schedule = schedule_backward(enterprise, decision, MONDAY, PEOPLE, holidays=holidays)
    items = keyed(schedule, enterprise)
    assert not {item.due for item in schedule.items} & holidays
    assert items["approvals_done"].due < approvals - timedelta(days=9)
    assert business_days_between(schedule.start, decision, holidays) == business_days_between(
        schedule_backward(enterprise, decision, MONDAY, PEOPLE).start, decision
    )
    assert_invariants(schedule, enterprise, decision, MONDAY, holidays)


def test_holiday_decision_date_is_kept_as_given(light):
    decision = date(2026, 12, 25)
    holidays = frozenset({decision, date(2026, 12, 24)})
    schedule = schedule_backward(light, decision, MONDAY, PEOPLE, holidays=holidays)
    items = keyed(schedule, light)
    assert items["purchase_decision"].due == decision
    assert items["approvals_done"].due == date(2026, 12, 22)  # one business day before, skipping the 24th
    assert items["onboarding_kickoff"].due == date(2026, 12, 30)  # 3 business days after, from the 25th
    assert_invariants(schedule, light, decision, MONDAY, holidays)


def test_weekend_decision_date_is_respected(enterprise):
    saturday = date(2026, 9, 19)
    schedule = schedule_backward(enterprise, saturday, MONDAY, PEOPLE)
    items = keyed(schedule, enterprise)
    assert items["purchase_decision"].due == saturday
    # Two business days of lead before a Saturday decision (Thursday, Friday): due Wednesday.
    assert items["approvals_done"].due == date(2026, 9, 16)
    others = [item for key, item in items.items() if key != "purchase_decision"]
    assert all(is_business_day(item.due) for item in others)
    assert items["implementation_planning"].due == add_business_days(saturday, 4)


def test_the_digest_dependencies_hold(enterprise):
    decision = date(2026, 10, 30)
    items = keyed(schedule_backward(enterprise, decision, MONDAY, PEOPLE), enterprise)
    pairs = [("arch_docs", "security_review"), ("legal_approval", "procurement_review"),
             ("purchase_decision", "implementation_planning")]
    for first, then in pairs:
        assert items[first].id in items[then].depends_on
        assert business_days_between(items[first].due, items[then].due) >= items[then].lead_days > 0
    assert items["implementation_planning"].due > decision


def test_roles_map_to_people_and_unassigned_roles_stay_empty(enterprise):
    people = {**PEOPLE, "buyer.cfo": Person.parse("Grace Lee <grace@buyer.example>")}
    schedule = schedule_backward(enterprise, date(2026, 10, 30), MONDAY, people)
    for item in schedule.items:
        expected = people[item.role].name if item.role in people else ""
        assert item.owner == expected, item.id
        assert item.owner.lower() not in GROUP_WORDS
    assert {item.owner for item in schedule.items} == {"Dana Tanaka", "Sam Okafor", "Grace Lee", ""}
    risks = {r.risk: r for r in schedule.risks}
    assert risks["Budget uncertainty: funds not confirmed for this fiscal period"].owner == "Grace Lee"
    assert risks["Technical unknowns (integrations, data migration) surface late"].owner == ""
    assert [r.id for r in schedule.risks] == ["R-01", "R-02", "R-03", "R-04", "R-05", "R-06"]
    assert all(r.status is RiskStatus.OPEN and r.probability and r.mitigation for r in schedule.risks)


def test_role_unknown_to_the_template_is_refused(light):
    with pytest.raises(UsageError) as caught:
        schedule_backward(light, date(2026, 10, 30), MONDAY, {"buyer.champoin": DANA})
    assert "has no role 'buyer.champoin'" in caught.value.message
    assert "Did you mean 'buyer.champion'?" in caught.value.message
    assert "buyer.decision_maker" in caught.value.hint


def test_stakeholders_in_role_order_deduplicated_with_contacts_last(enterprise):
    people = {
        "buyer.champion": DANA,
        "buyer.it_lead": Person.parse("Lee Park <lee@buyer.example>"),
        "buyer.security": Person.parse("LEE PARK <Lee@Buyer.example>"),  # same email, second role
        "seller.ae": SAM,
    }
    extra = [(Side.BUYER, Person.parse("Ana Ruiz <ana@buyer.example>")), (Side.SELLER, SAM)]
    schedule = schedule_backward(enterprise, date(2026, 10, 30), MONDAY, people, extra_people=extra)
    rows = [(s.name, s.side, s.role, s.email) for s in schedule.stakeholders]
    assert rows == [
        ("Dana Tanaka", Side.BUYER, "Champion (project lead)", "dana@buyer.example"),
        ("Lee Park", Side.BUYER, "IT lead / Security lead", "lee@buyer.example"),
        ("Sam Okafor", Side.SELLER, "Account executive", "sam@seller.example"),
        ("Ana Ruiz", Side.BUYER, "Contact", "ana@buyer.example"),
    ]


def test_ids_follow_due_dates_with_template_order_for_ties(enterprise):
    schedule = schedule_backward(enterprise, date(2026, 10, 30), MONDAY, PEOPLE)
    items = keyed(schedule, enterprise)
    position = {a.key: i for i, a in enumerate(enterprise.activities)}
    for kind, prefix in ((ItemType.MILESTONE, "M"), (ItemType.TASK, "T")):
        keys = sorted((k for k in items if items[k].type is kind), key=lambda k: (items[k].due, position[k]))
        assert [items[k].id for k in keys] == [f"{prefix}-{n:02d}" for n in range(1, len(keys) + 1)]
    assert items["discovery_done"].id == "M-01" and items["purchase_decision"].id == "M-06"
    assert items["kickoff"].id == "T-01"
    dues = [item.due for item in schedule.items]
    assert dues == sorted(dues)  # rows come in date order


def test_ids_pad_to_two_digits_then_grow():
    activities = [
        {"key": f"step_{n}", "type": "Task", "activity": f"Step {n}", "side": "Buyer",
         "owner_role": "buyer.champion", "duration_days": 0, "depends_on": [f"step_{n - 1}"] if n else []}
        for n in range(105)
    ]
    activities.append({"key": "decision", "type": "Milestone", "activity": "Decision", "side": "Buyer",
                       "owner_role": "buyer.champion", "duration_days": 1, "depends_on": ["step_104"],
                       "decision": True})
    template = template_from_dict(_template_data(activities), "long")
    schedule = schedule_backward(template, date(2026, 10, 30), MONDAY, {})
    ids = [item.id for item in schedule.items]
    assert ids[:2] == ["T-01", "T-02"] and "T-99" in ids and "T-100" in ids and "T-105" in ids
    assert ids[-1] == "M-01"


def test_goals_are_filled(enterprise):
    names = {"deal": "Acme rollout", "buyer_company": "Acme", "seller_company": "Globex"}
    schedule = schedule_backward(enterprise, date(2026, 10, 30), MONDAY, PEOPLE, names=names)
    assert schedule.goals["mutual"] == (
        "By 2026-10-30, Acme has what it needs to decide on Globex with confidence."
    )
    assert set(schedule.goals) == {"mutual", "buyer", "seller", "success_criteria", "cadence"}
    assert all("{" not in text for text in schedule.goals.values())
    assert schedule.goals["cadence"] == "Weekly, 30 minutes"


def test_items_not_leading_to_the_decision_are_due_the_business_day_before():
    activities = [
        {"key": "loose_end", "type": "Task", "activity": "Loose end", "side": "Buyer",
         "owner_role": "buyer.champion", "duration_days": 2},
        {"key": "decision", "type": "Milestone", "activity": "Decision", "side": "Buyer",
         "owner_role": "buyer.champion", "duration_days": 0, "decision": True},
    ]
    template = template_from_dict(_template_data(activities), "loose")
    monday_decision = date(2026, 10, 26)
    items = keyed(schedule_backward(template, monday_decision, MONDAY, {}), template)
    assert items["loose_end"].due == date(2026, 10, 23)  # the Friday before


# --- random templates -------------------------------------------------------------------------


def _template_data(activities: list[dict]) -> dict:
    return {
        "name": "random",
        "description": "generated",
        "goals": {"mutual": "m", "buyer": "b", "seller": "s", "success_criteria": "c", "cadence": "w"},
        "roles": [{"key": "buyer.champion", "side": "Buyer", "title": "Champion"},
                  {"key": "seller.ae", "side": "Seller", "title": "AE"}],
        "activities": activities,
        "risks": [],
    }


@st.composite
def random_dag_templates(draw) -> Template:
    size = draw(st.integers(1, 10))
    decision_at = draw(st.integers(0, size - 1))
    activities = []
    for n in range(size):
        deps = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=3)) if n else []
        is_decision = n == decision_at
        milestone = is_decision or draw(st.booleans())
        activities.append({
            "key": f"a{n}",
            "type": "Milestone" if milestone else "Task",
            "activity": f"Activity {n}",
            "side": draw(st.sampled_from(["Buyer", "Joint"])),
            "owner_role": "buyer.champion",
            "duration_days": draw(st.integers(0, 8)),
            "buffer_days": draw(st.integers(0, 4)),
            "depends_on": [f"a{d}" for d in deps],
            "decision": is_decision,
        })
    return template_from_dict(_template_data(activities), "random")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=random_dag_templates(),
    today=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    days_ahead=st.integers(1, 120),
    holiday_offsets=st.frozensets(st.integers(-80, 130), max_size=8),
)
def test_random_dag_templates_keep_the_invariants(template, today, days_ahead, holiday_offsets):
    decision = today + timedelta(days=days_ahead)
    holidays = frozenset(today + timedelta(days=offset) for offset in holiday_offsets)
    schedule = schedule_backward(template, decision, today, {}, holidays=holidays)
    assert_invariants(schedule, template, decision, today, holidays)
    assert all(item.owner == "" for item in schedule.items)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=random_dag_templates(),
    today=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    days_ahead=st.integers(1, 120),
    holiday_offsets=st.frozensets(st.integers(-80, 130), max_size=8),
)
def test_forward_schedules_of_random_dag_templates_keep_the_invariants(template, today, days_ahead,
                                                                      holiday_offsets):
    from map_workspace.domain.scheduling import KICKOFF_WITHIN_DAYS, schedule_forward

    decision = today + timedelta(days=days_ahead)
    holidays = frozenset(today + timedelta(days=offset) for offset in holiday_offsets)
    schedule = schedule_forward(template, decision, today, {}, holidays=holidays)
    items = keyed(schedule, template)
    by_id = {item.id: item for item in schedule.items}
    after = followers_of_decision(template)
    codes = [f.code for f in schedule.findings]
    assert set(codes) <= {"schedule.buffer", "schedule.decision_closed", "schedule.compressed"}
    assert ("schedule.decision_closed" in codes) == (not is_business_day(decision, holidays))
    assert items[template.decision.key].due == decision
    first = next_business_day(today, holidays)
    for spec in template.activities:
        item = items[spec.key]
        assert item.due >= today
        assert is_business_day(item.due, holidays) or item.due == decision, (spec.key, item.due)
        assert (item.due >= decision) if spec.key in after else (item.due <= decision), spec.key
        for dep_id in item.depends_on:
            assert business_days_between(by_id[dep_id].due, item.due, holidays) >= item.lead_days, spec.key
        if "schedule.compressed" not in codes and not spec.depends_on and spec.key != template.decision.key:
            assert business_days_between(first, item.due, holidays) < KICKOFF_WITHIN_DAYS, spec.key
    if "schedule.compressed" not in codes:
        assert schedule.shortfall_days == 0 and schedule.buffer_days >= 0
        assert ("schedule.buffer" in codes) == (schedule.buffer_days > 0)


# --- meeting days and the ringi chain (issue 14) ---------------------------------------------------

from map_workspace.domain.calendar import MeetingDays, WorkCalendar  # noqa: E402
from map_workspace.domain.scheduling import fiscal_year_findings  # noqa: E402


@pytest.mark.parametrize(
    ("rule", "day", "after", "before"),
    [
        ("Tue", date(2026, 6, 3), date(2026, 6, 9), date(2026, 6, 2)),
        ("2nd Tue", date(2026, 6, 3), date(2026, 6, 9), date(2026, 5, 12)),
        ("2nd and 4th Tue", date(2026, 6, 10), date(2026, 6, 23), date(2026, 6, 9)),
        ("last Fri", date(2026, 6, 1), date(2026, 6, 26), date(2026, 5, 29)),
        ("1st thursday", date(2026, 6, 4), date(2026, 6, 4), date(2026, 6, 4)),
    ],
)
def test_meeting_days_next_and_previous(rule, day, after, before):
    days = MeetingDays.parse(rule)
    assert days.next_on_or_after(day) == after
    assert days.previous_on_or_before(day) == before


def test_a_meeting_on_a_holiday_is_the_next_meeting():
    sports_day = date(2026, 10, 12)  # a Monday, 体育の日 in 2026
    calendar = WorkCalendar(closed=frozenset({sports_day}))
    assert MeetingDays.parse("2nd Mon").next_on_or_after(date(2026, 10, 1), calendar) == date(2026, 11, 9)


def ja_calendar() -> WorkCalendar:
    from map_workspace.workdays import build_calendar

    return build_calendar(["JP"], ["12-29..01-03"], years=range(2025, 2029))


def test_ja_enterprise_is_scheduled_on_japanese_working_days_with_the_board_on_its_meeting_day():
    template = load_template("ja-enterprise")
    calendar = ja_calendar()
    start, decision = date(2026, 10, 1), date(2027, 2, 26)
    schedule = schedule_forward(template, decision, start, PEOPLE, holidays=calendar)
    assert not [f for f in schedule.findings if f.code == "schedule.compressed"]
    by_text = {i.activity: i for i in schedule.items}
    for item in schedule.items:
        assert calendar.is_working_day(item.due), (item.activity, item.due)
        assert not (item.due.month == 12 and item.due.day >= 29) and not (item.due.month == 1 and item.due.day <= 3)
    board = by_text["経営会議"]
    meeting = MeetingDays.parse(template.activity("board_meeting").meeting)
    assert meeting.next_on_or_after(board.due, calendar) == board.due
    assert by_text["決裁"].due == decision
    chain = ["稟議起案", "課長承認", "部長承認", "合議（法務）", "経営会議", "決裁"]
    dues = [by_text[a].due for a in chain]
    assert dues == sorted(dues) and len(set(dues)) == len(dues)
    council = {by_text[a].due for a in ("合議（法務）", "合議（情報システム）", "合議（経理・財務）")}
    assert max(council) < board.due


def test_ja_enterprise_backward_puts_the_board_on_a_meeting_day():
    template = load_template("ja-enterprise")
    calendar = ja_calendar()
    schedule = schedule_backward(template, date(2027, 2, 26), date(2026, 10, 1), PEOPLE, holidays=calendar)
    board = next(i for i in schedule.items if i.activity == "経営会議")
    meeting = MeetingDays.parse(template.activity("board_meeting").meeting)
    assert meeting.previous_on_or_before(board.due, calendar) == board.due


@pytest.mark.parametrize(
    ("decision", "warned"),
    [
        (date(2027, 3, 31), False),
        (date(2027, 4, 1), True),
        (date(2027, 4, 28), True),
        (date(2027, 4, 29), False),
        (date(2027, 10, 1), False),
    ],
)
def test_a_decision_in_the_first_weeks_of_the_fiscal_year_is_warned(decision, warned):
    found = fiscal_year_findings(decision, start_month=4, weeks=4)
    assert bool(found) is warned
    if warned:
        (finding,) = found
        assert finding.code == "schedule.fiscal_year_start"
        assert finding.severity is Severity.WARNING
        assert "2027-04-01" in finding.message and decision.isoformat() in finding.message


def test_no_fiscal_year_means_no_warning():
    assert fiscal_year_findings(date(2027, 4, 1), start_month=None, weeks=4) == ()


def test_the_first_weeks_of_a_fiscal_year_may_run_into_the_next_calendar_year():
    (finding,) = fiscal_year_findings(date(2027, 1, 8), start_month=12, weeks=6)
    assert "2026-12-01" in finding.message
    assert fiscal_year_findings(date(2027, 1, 13), start_month=12, weeks=6) == ()
