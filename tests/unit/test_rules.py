"""Each rule of PRODUCT.md's "Rules the sync enforces", with its edge cases, on plain data."""

from datetime import date

import pytest

from map_workspace.domain.model import (
    Health,
    Item,
    ItemType,
    Overview,
    Plan,
    Severity,
    Side,
    Stakeholder,
    Status,
)
from map_workspace.domain.rules import Context, Thresholds, assess, compute_progress, find_cycles

TODAY = date(2026, 5, 4)  # a Monday

PEOPLE = (
    Stakeholder("Dana Tanaka", Side.BUYER, "Champion", "dana@acme.com"),
    Stakeholder("Sam Rivera", Side.SELLER, "Account executive", "sam@seller.io"),
    Stakeholder("Priya Shah", Side.BUYER, "CFO", "priya@acme.com", availability="travelling 2026-05-11 to 2026-05-22"),
    Stakeholder("Dana Smith", Side.BUYER, "IT lead", "dsmith@acme.com"),
)


def item(id_: str, **kw) -> Item:
    kw.setdefault("type", ItemType.MILESTONE if id_.startswith("M") else ItemType.TASK)
    kw.setdefault("activity", f"Activity {id_}")
    kw.setdefault("owner", "Sam Rivera")
    kw.setdefault("due", date(2026, 5, 20))
    kw.setdefault("side", Side.SELLER)
    return Item(id=id_, **kw)


def plan(*items: Item, target: date | None = date(2026, 6, 30), people=PEOPLE) -> Plan:
    return Plan("p1", Overview("Acme rollout", "Acme", "Seller.io", target), tuple(items), tuple(people))


def codes(p: Plan, **ctx) -> list[tuple[str, str | None]]:
    return [(f.code, f.id) for f in assess(p, Context(today=TODAY, **ctx)).findings]


def code_set(p: Plan, **ctx) -> set[str]:
    return {c for c, _ in codes(p, **ctx)}


@pytest.mark.parametrize(
    ("owner", "code"),
    [
        ("", "owner.missing"),
        ("   ", "owner.missing"),
        ("IT", "owner.group"),
        ("the operations team", "owner.group"),
        ("TBD", "owner.missing"),
        ("everyone", "owner.group"),
        ("Acme", "owner.company"),
        ("Dana Tanaka and Sam Rivera", "owner.multiple"),
        ("Dana", "owner.ambiguous"),
        ("Jo Bloggs", "owner.unknown"),
    ],
)
def test_owner_must_be_one_named_person(owner, code):
    found = codes(plan(item("T-01", owner=owner)))
    assert (code, "T-01") in found


@pytest.mark.parametrize("owner", ["Dana Tanaka", "dana@acme.com", "Tanaka", "Tanaka Dana", "Sam", "Rivera"])
def test_owner_resolves_by_name_email_or_unique_part(owner):
    found = code_set(plan(item("T-01", owner=owner, side=Side.BUYER if "ana" in owner.lower() else Side.SELLER)))
    assert not {c for c in found if c.startswith("owner.")}


@pytest.mark.parametrize("owner", ["TBD", "TBC", "?", "n/a", "-", "未定"])
def test_a_placeholder_is_no_owner_yet_and_the_hint_names_the_roles_person(owner):
    p = plan(item("T-01", owner=owner, role="buyer.cfo", side=Side.BUYER))
    found = [f for f in assess(p, Context(today=TODAY)).findings if f.code.startswith("owner.")]
    assert [(f.code, f.severity.value) for f in found] == [("owner.missing", "error")]
    assert found[0].message == f"T-01 has no owner yet ('{owner}')."
    assert "the plan suggests Priya Shah, the buyer's CFO" in found[0].hint


@pytest.mark.parametrize("owner", ["Priya Shah & Dana Tanaka", "Priya Shah and Dana Tanaka",
                                   "Priya Shah, Dana Tanaka", "Priya Shah / Dana Tanaka"])
def test_two_people_in_one_cell_are_two_people(owner):
    p = plan(item("T-01", owner=owner, side=Side.BUYER, due=date(2026, 5, 15)))
    a = assess(p, Context(today=TODAY))
    assert a.people["T-01"] == ("Priya Shah", "Dana Tanaka")
    found = {(f.code, f.id) for f in a.findings}
    assert ("owner.multiple", "T-01") in found
    # Each is checked: Priya is away on 05-15.
    assert ("availability.conflict", "T-01") in found


def test_each_of_two_people_is_checked_against_stakeholders():
    p = plan(item("T-01", owner="Sam Rivera & Zed Unknown"), item("T-02", owner="Sam & Dana"))
    found = [(f.code, f.id, f.message) for f in assess(p, Context(today=TODAY)).findings
             if f.code in ("owner.unknown", "owner.ambiguous")]
    assert found == [("owner.unknown", "T-01", "Owner 'Zed Unknown' is not in the Stakeholders tab."),
                     ("owner.ambiguous", "T-02", "Owner 'Dana' could be Dana Tanaka or Dana Smith.")]


def test_done_items_are_not_nagged_about_owners():
    assert not {c for c in code_set(plan(item("T-01", owner="IT", status=Status.DONE))) if c.startswith("owner.")}


def test_dates_missing_unreadable_and_far_outside_the_window():
    p = plan(
        item("T-01", due=None),
        item("T-02", due=None, due_text="next Friday"),
        item("T-03", due=date(2200, 1, 1)),
        item("T-04", due=date(1900, 1, 1)),
        item("T-05", due=None, status=Status.DONE),
    )
    found = codes(p)
    assert ("date.missing", "T-01") in found
    assert ("date.unparseable", "T-02") in found
    assert ("date.out_of_window", "T-03") in found
    assert ("date.out_of_window", "T-04") in found
    assert not any(i == "T-05" and c.startswith("date.") for c, i in found)


def test_unparseable_date_message_names_the_accepted_forms():
    f = next(f for f in assess(plan(item("T-01", due=None, due_text="Q3")), Context(today=TODAY)).findings
             if f.code == "date.unparseable")
    assert "Q3" in f.message and "2026-05-15" in f.hint


def test_unknown_status_is_flagged_and_counts_as_open():
    p = plan(item("T-01", status=None, status_text="soon-ish"))
    assert ("status.unknown", "T-01") in codes(p)
    assert p.items[0].is_open


def test_dependency_errors():
    p = plan(
        item("T-01", depends_on=("T-01",)),
        item("T-02", depends_on=("T-99",)),
        item("T-03", depends_on=("T-04",)),
        item("T-04", depends_on=("T-05",)),
        item("T-05", depends_on=("T-03",)),
        item("T-06", depends_text="T-01, banana", depends_on=("T-01",)),
    )
    found = codes(p)
    assert ("dep.self", "T-01") in found
    assert ("dep.unknown", "T-02") in found
    assert {("dep.cycle", x) for x in ("T-03", "T-04", "T-05")} <= set(found)
    assert ("dep.unreadable", "T-06") in found


def test_cycle_message_names_the_path():
    p = plan(item("T-03", depends_on=("T-04",)), item("T-04", depends_on=("T-03",)))
    msgs = [f.message for f in assess(p, Context(today=TODAY)).findings if f.code == "dep.cycle"]
    assert msgs and "T-03 → T-04 → T-03" in msgs[0]


def test_find_cycles_reports_each_cycle_once():
    assert find_cycles({"A": ["B"], "B": ["C"], "C": ["A"], "D": ["D"]}) == [["A", "B", "C"], ["D"]]
    assert find_cycles({"A": ["B"], "B": []}) == []


def test_item_due_before_or_too_soon_after_its_prerequisite():
    p = plan(
        item("T-01", due=date(2026, 5, 15)),
        item("T-02", due=date(2026, 5, 14), depends_on=("T-01",)),
        item("T-03", due=date(2026, 5, 19), depends_on=("T-01",), lead_days=5),
        item("T-04", due=date(2026, 5, 22), depends_on=("T-01",), lead_days=5),
    )
    found = codes(p)
    assert ("dep.order", "T-02") in found
    assert ("dep.lead", "T-03") in found
    assert not any(i == "T-04" and c.startswith("dep.") for c, i in found)


def test_lead_time_counts_from_the_day_a_done_prerequisite_was_done():
    # T-01 was due 05-15 but done 05-06: T-02, due 05-19 with 7 days of lead time, is fine.
    early = plan(
        item("T-01", due=date(2026, 5, 15), status=Status.DONE, done_on=date(2026, 5, 6)),
        item("T-02", due=date(2026, 5, 19), depends_on=("T-01",), lead_days=7),
        item("T-03", due=date(2026, 5, 12), depends_on=("T-01",)),
    )
    assert not {(c, i) for c, i in codes(early) if c.startswith("dep.")}
    # Done late (05-18): the lead time counts from that day, and the hint says so.
    late = plan(
        item("T-01", due=date(2026, 5, 8), status=Status.DONE, done_on=date(2026, 5, 18)),
        item("T-02", due=date(2026, 5, 21), depends_on=("T-01",), lead_days=7),
    )
    lead = [f for f in assess(late, Context(today=TODAY)).findings if f.code == "dep.lead"]
    assert [f.id for f in lead] == ["T-02"]
    assert "3 business day(s) after T-01" in lead[0].message
    assert "2026-05-27" in lead[0].hint


def test_a_prerequisite_dropped_as_na_no_longer_times_its_dependents():
    p = plan(item("T-01", due=date(2026, 5, 15), status=Status.NA),
             item("T-02", due=date(2026, 5, 14), depends_on=("T-01",), lead_days=5))
    assert not {c for c in code_set(p) if c.startswith("dep.")}


def test_started_while_prerequisite_open_is_warned():
    p = plan(item("T-01"), item("T-02", status=Status.IN_PROGRESS, depends_on=("T-01",), due=date(2026, 5, 25)))
    assert ("dep.started_early", "T-02") in codes(p)
    closed = plan(item("T-01", status=Status.DONE),
                  item("T-02", status=Status.IN_PROGRESS, depends_on=("T-01",), due=date(2026, 5, 25)))
    assert ("dep.started_early", "T-02") not in codes(closed)


def test_due_while_owner_unavailable():
    p = plan(item("T-01", owner="Priya Shah", side=Side.BUYER, due=date(2026, 5, 15)),
             item("T-02", owner="Priya Shah", side=Side.BUYER, due=date(2026, 5, 29)))
    found = codes(p)
    assert ("availability.conflict", "T-01") in found
    assert ("availability.conflict", "T-02") not in found


def test_overdue_stalled_due_soon_and_blocked():
    p = plan(
        item("T-01", due=date(2026, 5, 1)),   # 3 days late
        item("T-02", due=date(2026, 4, 20)),  # 14 days late
        item("T-03", due=date(2026, 5, 6)),   # in 2 days
        item("T-04", due=date(2026, 5, 1), status=Status.DONE),
        item("T-05", status=Status.BLOCKED, depends_on=("T-01",), due=date(2026, 5, 25)),
    )
    found = codes(p)
    assert ("item.overdue", "T-01") in found
    assert ("item.stalled", "T-02") in found
    assert ("item.due_soon", "T-03") in found
    assert not any(i == "T-04" for _, i in found)
    blocked = next(f for f in assess(p, Context(today=TODAY)).findings if f.code == "item.blocked")
    assert "T-01" in blocked.message


def test_due_soon_counts_the_plans_working_days():
    """Three working days from Thursday 2026-05-07: Fri, Mon, Tue — or Fri, Tue, Wed when Monday
    is a holiday; a weekend never counts. The sheet's WORKDAY(TODAY(), 3, closed days) says the same."""
    thursday = date(2026, 5, 7)
    p = plan(item("T-01", due=date(2026, 5, 12)), item("T-02", due=date(2026, 5, 13)),
             item("T-03", due=date(2026, 5, 9)))
    found = {i for c, i in codes(p) if c == "item.due_soon"}
    assert {i for c, i in [(f.code, f.id) for f in assess(p, Context(today=thursday)).findings]
            if c == "item.due_soon"} == {"T-01", "T-03"}
    closed = frozenset({date(2026, 5, 11)})
    soon = {f.id for f in assess(p, Context(today=thursday, holidays=closed)).findings if f.code == "item.due_soon"}
    assert soon == {"T-01", "T-02", "T-03"}
    assert found == set()  # seen from Monday 2026-05-04, all three are further off


def test_hygiene_too_many_open_items_and_buyer_item_owned_by_seller():
    many = plan(*[item(f"T-{n:02d}", due=date(2026, 5, 20)) for n in range(1, 32)])
    assert "hygiene.too_many_open" in code_set(many)
    assert "hygiene.too_many_open" not in code_set(plan(*[item(f"T-{n:02d}") for n in range(1, 31)]))
    p = plan(item("T-01", side=Side.BUYER, owner="Sam Rivera"))
    assert ("hygiene.buyer_item_seller_owner", "T-01") in codes(p)


@pytest.mark.parametrize(
    ("done", "na", "open_", "expected"),
    [(12, 0, 6, (12, 18, 67)), (0, 0, 0, (0, 0, 0)), (1, 1, 1, (1, 2, 50)), (1, 0, 7, (1, 8, 13)),
     (1, 0, 1, (1, 2, 50)), (5, 2, 3, (5, 8, 63)), (3, 0, 0, (3, 3, 100))],
)
def test_progress_excludes_na_and_rounds_half_up(done, na, open_, expected):
    items = ([item(f"T-{n}", status=Status.DONE) for n in range(done)]
             + [item(f"N-{n}", status=Status.NA) for n in range(na)]
             + [item(f"O-{n}") for n in range(open_)])
    p = compute_progress(items)
    assert (p.done, p.total, p.percent) == expected
    assert p.text == f"{expected[0]} of {expected[1]} done · {expected[2]}%"


def test_half_up_rounding_matches_spreadsheet_round():
    # 1 of 8 = 12.5% → 13 (ROUND), whereas Python's round() would give 12.
    assert compute_progress([item("a", status=Status.DONE)] + [item(f"b{n}") for n in range(7)]).percent == 13


def test_projected_decision_follows_the_graph_from_today():
    decision = item("M-01", activity="Purchase decision", due=date(2026, 5, 29), depends_on=("T-02",), lead_days=2)
    p = plan(
        item("T-01", due=date(2026, 4, 27)),  # overdue: finishes no earlier than today (May 4)
        item("T-02", due=date(2026, 5, 5), depends_on=("T-01",), lead_days=10),
        decision,
        target=date(2026, 5, 29),
    )
    a = assess(p, Context(today=TODAY, decision_id="M-01"))
    # T-01 today (Mon 4 May) → T-02 10 business days later (18 May) → decision 2 later (20 May) < due 29 May.
    assert a.projected_decision == date(2026, 5, 29)
    late = plan(
        item("T-01", due=date(2026, 4, 27)),
        item("T-02", due=date(2026, 5, 5), depends_on=("T-01",), lead_days=20),
        decision, target=date(2026, 5, 29),
    )
    a = assess(late, Context(today=TODAY, decision_id="M-01"))
    # T-02 = 4 May + 20 business days = 1 June; decision = 3 June.
    assert a.projected_decision == date(2026, 6, 3)
    assert a.health is Health.AT_RISK


def test_health_thresholds_are_configurable():
    decision = item("M-01", activity="Purchase decision", due=date(2026, 5, 29), depends_on=("T-01",), lead_days=0)
    p = plan(item("T-01", due=date(2026, 6, 30)), decision, target=date(2026, 5, 29))
    assert assess(p, Context(today=TODAY, decision_id="M-01")).health is Health.OFF_TRACK
    lenient = Context(today=TODAY, decision_id="M-01", thresholds=Thresholds(off_track_after_days=60))
    assert assess(p, lenient).health is Health.AT_RISK
    on_time = plan(item("T-01", due=date(2026, 5, 20)), decision, target=date(2026, 5, 29))
    assert assess(on_time, Context(today=TODAY, decision_id="M-01")).health is Health.ON_TRACK


def test_repeated_milestone_slips_lower_health():
    ms = item("M-01", activity="Technical validation complete", slips=2, due=date(2026, 5, 20))
    decision = item("M-02", activity="Purchase decision", due=date(2026, 6, 30))
    p = plan(ms, decision)
    a = assess(p, Context(today=TODAY, decision_id="M-02"))
    assert ("slip.milestone_repeated", "M-01") in [(f.code, f.id) for f in a.findings]
    assert a.health is Health.AT_RISK


def test_slip_warnings_stop_once_a_milestone_is_done():
    ms = item("M-01", activity="Technical validation complete", slips=3, due=date(2026, 5, 1),
              status=Status.DONE, done_on=date(2026, 5, 1))
    decision = item("M-02", activity="Purchase decision", due=date(2026, 6, 30))
    a = assess(plan(ms, decision), Context(today=TODAY, decision_id="M-02"))
    assert "slip.milestone_repeated" not in {f.code for f in a.findings}
    assert a.health is Health.ON_TRACK


@pytest.mark.parametrize("status", [Status.DONE, Status.NA])
def test_a_closed_item_gets_at_most_an_info_finding(status):
    p = plan(
        item("T-01", due=None, due_text="next Fri", status=status),
        item("T-02", depends_on=("T-99", "T-02"), depends_text="T-99, T-02, banana", status=status),
        item("T-03", due=date(2029, 1, 1), status=status),
        item("T-04", due=None, due_text="next Fri"),
    )
    found = assess(p, Context(today=TODAY)).findings
    closed = [f for f in found if f.id in ("T-01", "T-02", "T-03")]
    assert {f.code for f in closed} >= {"date.unparseable", "dep.unknown", "dep.self", "dep.unreadable",
                                        "date.out_of_window"}
    assert {f.severity for f in closed} == {Severity.INFO}
    # The same words as for an open item, which keeps its error.
    assert [f.severity for f in found if f.id == "T-04"] == [Severity.ERROR]


def test_compressed_schedule_keeps_the_plan_at_risk():
    decision = item("M-01", activity="Purchase decision", due=date(2026, 6, 30))
    a = assess(plan(decision), Context(today=TODAY, decision_id="M-01", shortfall_days=12))
    assert "schedule.compressed" in {f.code for f in a.findings}
    assert a.health is Health.AT_RISK


def test_next_milestone_is_the_first_open_one():
    p = plan(item("M-01", status=Status.DONE, due=date(2026, 5, 1)), item("M-02", due=date(2026, 5, 20)),
             item("M-03", due=date(2026, 5, 10)))
    assert assess(p, Context(today=TODAY)).next_milestone.id == "M-03"


def test_findings_have_stable_json_shape():
    f = assess(plan(item("T-01", owner="IT")), Context(today=TODAY)).findings[0]
    assert set(f.as_json()) == {"code", "severity", "id", "tab", "cell", "field", "message", "hint"}


@pytest.mark.parametrize("availability", ["Out May 11-15", "May 11–15", "11-15 May", "on leave 5/11-5/15",
                                          "5/11〜5/15", "PTO until May 15", "back May 18"])
def test_availability_as_people_type_it_flags_an_item_due_while_away(availability):
    away = Stakeholder("Priya Shah", Side.BUYER, "CFO", "priya@acme.com", availability=availability)
    people = (PEOPLE[0], PEOPLE[1], away)
    p = plan(item("T-01", owner="Priya Shah", side=Side.BUYER, due=date(2026, 5, 15)),
             item("T-02", owner="Priya Shah", side=Side.BUYER, due=date(2026, 5, 19)), people=people)
    found = codes(p)
    assert ("availability.conflict", "T-01") in found
    assert ("availability.conflict", "T-02") not in found


JA_PEOPLE = (
    Stakeholder("田中 太郎", Side.BUYER, "起案者", "taro@acme.co.jp"),
    Stakeholder("田中 次郎", Side.BUYER, "承認者", "jiro@acme.co.jp"),
    Stakeholder("山本 花子", Side.BUYER, "決裁者", "hanako@acme.co.jp"),
    Stakeholder("Sam Rivera", Side.SELLER, "Account executive", "sam@seller.io"),
)


@pytest.mark.parametrize(
    ("owner", "code"),
    [
        ("田中様", "owner.ambiguous"),
        ("田中 さん", "owner.ambiguous"),
        ("情報システム部", "owner.group"),
        ("経理課", "owner.group"),
        ("関係者各位", "owner.group"),
        ("担当者", "owner.group"),
        ("未定", "owner.missing"),
        ("佐藤様", "owner.unknown"),
    ],
)
def test_japanese_owners_that_are_not_one_known_person(owner, code):
    found = codes(plan(item("T-01", owner=owner, side=Side.BUYER), people=JA_PEOPLE))
    assert (code, "T-01") in found


@pytest.mark.parametrize("owner", ["山本様", "山本 さん", "山本花子", "田中太郎", "田中 次郎 殿", "山本部長"])
def test_japanese_owners_resolve_to_one_person(owner):
    p = plan(item("T-01", owner=owner, side=Side.BUYER), people=JA_PEOPLE)
    assert not {c for c in code_set(p) if c.startswith("owner.")}


def test_an_ambiguous_japanese_family_name_names_both_people():
    p = plan(item("T-01", owner="田中様", side=Side.BUYER), people=JA_PEOPLE)
    found = [f for f in assess(p, Context(today=TODAY)).findings if f.code == "owner.ambiguous"]
    assert [f.message for f in found] == ["Owner '田中様' could be 田中 太郎 or 田中 次郎."]
