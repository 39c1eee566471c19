"""build_summary: what each section says, in which order, and how caps keep it to one page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from map_workspace.domain.model import (
    Assessment,
    Finding,
    Health,
    Item,
    ItemType,
    Level,
    Overview,
    Plan,
    Progress,
    Risk,
    RiskStatus,
    Severity,
    Side,
    Stakeholder,
    Status,
)
from map_workspace.summary import (
    SummaryCaps,
    SummaryDoc,
    build_summary,
    clean_text,
    display_width,
    format_day,
    shorten,
)

TODAY = date(2026, 5, 12)  # a Tuesday


def task(item_id: str, activity: str = "", *, due_in: int | None = 3, owner: str = "Dana Tanaka",
         status: Status = Status.NOT_STARTED, depends_on: tuple[str, ...] = ()) -> Item:
    return Item(
        id=item_id,
        type=ItemType.TASK,
        activity=activity or f"Activity {item_id}",
        side=Side.BUYER,
        owner=owner,
        due=None if due_in is None else TODAY + timedelta(days=due_in),
        status=status,
        depends_on=depends_on,
    )


def milestone(item_id: str, activity: str = "", *, due_in: int = 10, status: Status = Status.NOT_STARTED,
              done_on: date | None = None) -> Item:
    return Item(
        id=item_id,
        type=ItemType.MILESTONE,
        activity=activity or f"Milestone {item_id}",
        side=Side.JOINT,
        owner="Dana Tanaka",
        due=TODAY + timedelta(days=due_in),
        status=status,
        done_on=done_on,
    )


def make_plan(items=(), *, risks=(), stakeholders=(), target_in: int | None = 30) -> Plan:
    return Plan(
        plan_id="p1",
        overview=Overview(
            deal="Acme rollout",
            buyer_company="Acme Corp",
            seller_company="Globex",
            target_decision=None if target_in is None else TODAY + timedelta(days=target_in),
        ),
        items=tuple(items),
        stakeholders=tuple(stakeholders),
        risks=tuple(risks),
    )


def make_assessment(plan: Plan, *, projected_in: int | None = 30, findings=(),
                    health: Health = Health.ON_TRACK) -> Assessment:
    done = sum(not i.is_open for i in plan.items)
    total = len(plan.items)
    return Assessment(
        findings=tuple(findings),
        progress=Progress(done, total, round(100 * done / total) if total else 0),
        health=health,
        projected_decision=None if projected_in is None else TODAY + timedelta(days=projected_in),
        next_milestone=next((i for i in plan.items if i.is_milestone and i.is_open), None),
    )


def summarise(plan: Plan, **kwargs) -> SummaryDoc:
    assessment_kwargs = {k: kwargs.pop(k) for k in ("projected_in", "findings", "health") if k in kwargs}
    return build_summary(plan, make_assessment(plan, **assessment_kwargs), TODAY, **kwargs)


def column(doc: SummaryDoc, key: str, index: int) -> list[str]:
    section = doc.section(key)
    assert section is not None and section.table is not None
    return [row[index] for row in section.table.rows]


# --- title and "where we are" ------------------------------------------------------------------


def test_title_subtitle_and_the_six_sections_in_order():
    doc = summarise(make_plan([task("T-01")]))
    assert doc.title == "Mutual Action Plan — Acme rollout"
    assert "Acme Corp" in doc.subtitle and "Globex" in doc.subtitle
    assert "as of 2026-05-12" in doc.subtitle
    keys = ["where", "next_steps", "attention", "milestones", "risks", "contacts"]
    assert [s.key for s in doc.sections] == keys
    assert [s.title for s in doc.sections] == [
        "Where we are", "Next steps (next two weeks)", "Needs attention", "Milestones", "Top risks",
        "Contacts",
    ]


def test_where_we_are_states_progress_health_dates_and_next_milestone():
    items = [task("T-01", status=Status.DONE), task("T-02"), milestone("M-01", "Business case approved")]
    plan = make_plan(items, target_in=17)
    doc = summarise(plan, projected_in=24, health=Health.AT_RISK)
    facts = dict(doc.section("where").facts)
    assert facts["Progress"] == "1 of 3 done · 33%"
    assert facts["Health"] == "At risk"
    assert facts["Target decision"] == "Fri 29 May"
    assert facts["Projected decision"] == "Fri 5 Jun — 7 days after target"
    assert facts["Next milestone"] == "M-01 Business case approved · Fri 22 May"


def test_projected_decision_before_on_and_without_target():
    plan = make_plan([task("T-01")], target_in=20)
    assert dict(summarise(plan, projected_in=19).section("where").facts)["Projected decision"].endswith(
        "— 1 day before target")
    assert dict(summarise(plan, projected_in=20).section("where").facts)["Projected decision"].endswith(
        "— on target")
    unknown = dict(summarise(plan, projected_in=None).section("where").facts)["Projected decision"]
    assert unknown.startswith("Not known")
    no_target = summarise(make_plan([task("T-01")], target_in=None), projected_in=3).section("where")
    assert dict(no_target.facts)["Target decision"] == "Not set"
    assert dict(no_target.facts)["Projected decision"] == "Fri 15 May"


def test_no_open_milestone_is_said_plainly():
    doc = summarise(make_plan([task("T-01")]))
    assert dict(doc.section("where").facts)["Next milestone"] == "None open"


# --- next steps ------------------------------------------------------------------------------------


def test_next_steps_window_is_today_to_two_weeks_inclusive_sorted_by_due():
    items = [
        task("T-01", due_in=15),   # one day past the window
        task("T-02", due_in=14),   # last day of the window
        task("T-03", due_in=0),    # today
        task("T-04", due_in=-1),   # overdue: belongs to "Needs attention"
        task("T-05", due_in=5, status=Status.DONE),
        task("T-06", due_in=5, status=Status.NA),
        task("T-07", due_in=None),
        task("T-08", due_in=5, status=Status.IN_PROGRESS),
        milestone("M-01", due_in=4),  # milestones have their own section
    ]
    doc = summarise(make_plan(items))
    assert column(doc, "next_steps", 0) == ["T-03 Activity T-03", "T-08 Activity T-08", "T-02 Activity T-02"]
    assert column(doc, "next_steps", 2) == ["Tue 12 May", "Sun 17 May", "Tue 26 May"]
    assert doc.section("next_steps").table.columns == ("What", "Who", "When")


def test_next_steps_name_the_owner_or_say_it_needs_one():
    doc = summarise(make_plan([task("T-01", owner="Sarah Chen"), task("T-02", owner="  ")]))
    assert column(doc, "next_steps", 1) == ["Sarah Chen", "Needs owner"]


def test_next_steps_cap_counts_the_rest_as_more_in_the_plan():
    items = [task(f"T-{n:02d}", due_in=12 - n) for n in range(1, 13)]  # latest first in the plan
    doc = summarise(make_plan(items), caps=SummaryCaps(next_steps=5))
    table = doc.section("next_steps").table
    assert len(table.rows) == 5
    assert table.more == 7
    assert table.more_text == "+7 more in the plan"
    # The earliest ones are the ones kept.
    assert column(doc, "next_steps", 0) == ["T-12 Activity T-12", "T-11 Activity T-11", "T-10 Activity T-10",
                                            "T-09 Activity T-09", "T-08 Activity T-08"]


def test_empty_next_steps_say_so_instead_of_an_empty_table():
    section = summarise(make_plan([task("T-01", due_in=40)])).section("next_steps")
    assert section.table is None
    assert "Nothing is due" in section.text


def test_buyer_added_row_without_id_shows_its_activity_alone():
    doc = summarise(make_plan([task("", "Extra legal review")]))
    assert column(doc, "next_steps", 0) == ["Extra legal review"]


# --- needs attention --------------------------------------------------------------------------------


def test_attention_lists_overdue_blocked_and_unowned_items_with_reasons():
    items = [
        task("T-01", "Architecture docs", due_in=-1, status=Status.DONE),
        task("T-02", "Security questionnaire", due_in=2),
        task("T-03", due_in=-1),
        task("T-04", due_in=-12),
        task("T-05", due_in=4, status=Status.BLOCKED, depends_on=("T-01", "T-02")),
        task("T-06", due_in=6, owner=""),
        task("T-07", due_in=8, status=Status.BLOCKED, depends_on=("T-02", "T-03")),
        task("T-08", due_in=9),  # nothing wrong
    ]
    doc = summarise(make_plan(items))
    section = doc.section("attention")
    reasons = dict(zip(column(doc, "attention", 0), column(doc, "attention", 2), strict=True))
    # Blocked first, then overdue oldest first, then unowned.
    assert list(reasons) == [
        "T-05 Activity T-05", "T-07 Activity T-07", "T-04 Activity T-04", "T-03 Activity T-03",
        "T-06 Activity T-06",
    ]
    # T-01 is done, so T-05 waits for T-02 only, and names it.
    assert reasons["T-05 Activity T-05"] == "Blocked: waits for T-02 Security questionnaire"
    assert reasons["T-07 Activity T-07"] == "Blocked: waits for T-02, T-03"
    assert reasons["T-04 Activity T-04"] == "12 days late"
    assert reasons["T-03 Activity T-03"] == "1 day late"
    assert reasons["T-06 Activity T-06"] == "Needs an owner"
    assert column(doc, "attention", 1)[-1] == "Needs owner"
    assert section.table.columns == ("What", "Who", "Why")


def test_attention_combines_reasons_and_names_group_owners_from_findings():
    items = [task("T-01", due_in=-3, owner=""), task("T-02", due_in=2, owner="the IT team"),
             task("T-03", due_in=None)]
    finding = Finding(code="owner.group", severity=Severity.ERROR, message="a group", id="T-02")
    doc = summarise(make_plan(items), findings=[finding])
    reasons = dict(zip(column(doc, "attention", 0), column(doc, "attention", 2), strict=True))
    assert reasons["T-01 Activity T-01"] == "3 days late; needs an owner"
    assert reasons["T-02 Activity T-02"] == "Needs a named person as owner"
    assert reasons["T-03 Activity T-03"] == "Needs a date"


def test_attention_says_a_placeholder_owner_needs_an_owner():
    finding = Finding(code="owner.missing", severity=Severity.ERROR, message="no owner yet", id="T-01")
    doc = summarise(make_plan([task("T-01", due_in=2, owner="TBD")]), findings=[finding])
    assert column(doc, "attention", 2) == ["Needs an owner"]


def test_blocked_item_whose_prerequisites_are_done_is_still_listed():
    items = [task("T-01", status=Status.DONE), task("T-02", status=Status.BLOCKED, depends_on=("T-01",))]
    doc = summarise(make_plan(items))
    assert column(doc, "attention", 2) == ["Blocked"]


def test_attention_cap_and_empty_text():
    items = [task(f"T-{n:02d}", due_in=-n) for n in range(1, 10)]
    table = summarise(make_plan(items), caps=SummaryCaps(attention=4)).section("attention").table
    assert len(table.rows) == 4 and table.more == 5
    calm = summarise(make_plan([task("T-01")])).section("attention")
    assert calm.table is None and "Nothing is late" in calm.text


# --- milestones -----------------------------------------------------------------------------------


def test_milestones_show_every_one_with_date_and_status():
    items = [
        milestone("M-02", "Technical validation", due_in=-2),
        milestone("M-01", "Discovery complete", due_in=-9, status=Status.DONE,
                  done_on=TODAY - timedelta(days=10)),
        milestone("M-03", "Business case", due_in=6, status=Status.IN_PROGRESS),
        milestone("M-04", "Dropped", due_in=7, status=Status.NA),
        milestone("M-05", "Purchase decision", due_in=20),
        task("T-01"),
    ]
    doc = summarise(make_plan(items))
    table = doc.section("milestones").table
    assert table.columns == ("Milestone", "Due", "Status")
    assert table.rows == (
        ("M-01 Discovery complete", "Sun 3 May", "Done ✓ Sat 2 May"),
        ("M-02 Technical validation", "Sun 10 May", "2 days late"),
        ("M-03 Business case", "Mon 18 May", "In progress"),
        ("M-05 Purchase decision", "Mon 1 Jun", "Open"),
    )
    assert table.more == 0


def test_milestone_cap_keeps_open_ones_and_the_latest_done_one():
    items = [milestone(f"M-{n:02d}", due_in=n * 5 - 20, status=Status.DONE if n <= 4 else Status.NOT_STARTED)
             for n in range(1, 9)]
    table = summarise(make_plan(items), caps=SummaryCaps(milestones=5)).section("milestones").table
    assert [row[0].split()[0] for row in table.rows] == ["M-04", "M-05", "M-06", "M-07", "M-08"]
    assert table.more == 3


# --- risks and contacts -------------------------------------------------------------------------------


def test_top_risks_are_open_ones_ranked_by_score():
    risks = [
        Risk("R-01", "Budget freeze", Level.LOW, Level.HIGH, "Phase the purchase", "Sarah Chen"),
        Risk("R-02", "Sponsor on leave", Level.HIGH, Level.HIGH, "Brief the delegate", "Dana Tanaka"),
        Risk("R-03", "Legal delay", Level.HIGH, Level.HIGH, "", "", status=RiskStatus.CLOSED),
        Risk("R-04", "Security review", Level.MEDIUM, Level.HIGH, "Start early", "Ivo Petrov"),
        Risk("R-05", "Competing project", Level.MEDIUM, Level.MEDIUM, "Agree priorities", "Ivo Petrov",
             status=RiskStatus.MITIGATED),
        Risk("R-06", "Reorganisation", Level.MEDIUM, Level.LOW, "", ""),
    ]
    doc = summarise(make_plan([task("T-01")], risks=risks))
    table = doc.section("risks").table
    assert table.columns == ("Risk", "Impact", "Mitigation", "Owner")
    assert table.rows == (
        ("R-02 Sponsor on leave", "High", "Brief the delegate", "Dana Tanaka"),
        ("R-04 Security review", "High", "Start early", "Ivo Petrov"),
        ("R-01 Budget freeze", "High", "Phase the purchase", "Sarah Chen"),
    )
    assert table.more == 1  # R-06; closed and mitigated risks are not counted


def test_contacts_list_stakeholders_with_a_cap():
    people = [Stakeholder(f"Person {n}", Side.BUYER if n % 2 else Side.SELLER, "Role", f"p{n}@x.com")
              for n in range(1, 9)]
    table = summarise(make_plan([task("T-01")], stakeholders=people)).section("contacts").table
    assert table.columns == ("Name", "Side", "Role", "Email")
    assert table.rows[0] == ("Person 1", "Buyer", "Role", "p1@x.com")
    assert table.rows[1][1] == "Seller"
    assert len(table.rows) == 6 and table.more == 2


def test_contacts_always_show_both_sides_leads_however_many_people_come_first():
    buyers = [Stakeholder(f"Buyer {n}", Side.BUYER, f"Lead {n}", f"b{n}@acme.com") for n in range(1, 8)]
    champion = Stakeholder("Dana Tanaka", Side.BUYER, "Champion (project lead)", "dana@acme.com")
    rep = Stakeholder("Sam Rivera", Side.SELLER, "Account executive", "sam@globex.com")
    people = [*buyers, champion, Stakeholder("Ivo Petrov", Side.SELLER, "Solutions engineer"), rep]
    table = summarise(make_plan([task("T-01")], stakeholders=people)).section("contacts").table
    names = [row[0] for row in table.rows]
    assert names[:2] == ["Dana Tanaka", "Sam Rivera"]
    assert len(table.rows) == 6 and table.more == 4
    # Without a lead's title, the first person of each side leads it.
    plain = [*buyers, Stakeholder("Ivo Petrov", Side.SELLER, "Solutions engineer")]
    table = summarise(make_plan([task("T-01")], stakeholders=plain)).section("contacts").table
    assert [row[0] for row in table.rows][:2] == ["Buyer 1", "Ivo Petrov"]


# --- light mode -----------------------------------------------------------------------------------


def test_light_mode_keeps_health_overdue_and_this_weeks_asks_and_stays_short():
    items = [task("T-01", status=Status.DONE), task("T-02", due_in=-4), task("T-03"), milestone("M-01")]
    risks = [Risk("R-01", "Budget", Level.HIGH, Level.HIGH)]
    doc = summarise(make_plan(items, risks=risks, target_in=17), light=True, health=Health.OFF_TRACK)
    assert doc.light
    assert [s.key for s in doc.sections] == ["where", "overdue", "asks", "milestones"]
    where = dict(doc.section("where").facts)
    assert where["Health"] == "Off track" and where["Progress"] == "1 of 4 done · 25%"
    assert where["Target decision"] == "Fri 29 May"
    assert column(doc, "overdue", 0) == ["T-02 Activity T-02"]
    assert column(doc, "overdue", 3) == ["4 days late"]
    assert "Acme Corp" in doc.subtitle and "as of 2026-05-12" in doc.subtitle


def test_light_mode_says_what_we_need_from_the_buyer_this_week_with_owners_and_dates():
    seller_side = replace(task("T-04", "Send the order form", due_in=2, owner="Sam Rivera"), side=Side.SELLER)
    joint_with_rep = replace(task("T-05", "Demo", due_in=3, owner="Sam Rivera"), side=Side.JOINT)
    joint_with_buyer = replace(task("T-06", "Pilot review", due_in=4, owner="Dana Tanaka"), side=Side.JOINT)
    items = [task("T-01", "Sign the NDA", due_in=0), task("T-02", "Security questionnaire", due_in=7, owner=""),
             task("T-03", "Budget approval", due_in=8), seller_side, joint_with_rep, joint_with_buyer,
             task("T-07", "Late one", due_in=-2), task("T-08", "Done one", due_in=1, status=Status.DONE)]
    people = [Stakeholder("Dana Tanaka", Side.BUYER, "Champion"), Stakeholder("Sam Rivera", Side.SELLER, "AE")]
    doc = summarise(make_plan(items, stakeholders=people), light=True)
    asks = doc.section("asks")
    assert asks.title == "What we need from you this week"
    assert asks.table.columns == ("What", "Who", "When")
    assert asks.table.rows == (
        ("T-01 Sign the NDA", "Dana Tanaka", "Tue 12 May"),
        ("T-06 Pilot review", "Dana Tanaka", "Sat 16 May"),
        ("T-02 Security questionnaire", "Needs owner", "Tue 19 May"),
    )
    nothing = summarise(make_plan([seller_side], stakeholders=people), light=True)
    assert nothing.section("asks").table is None and "Nothing" in nothing.section("asks").text
    assert "Nothing is overdue" in nothing.section("overdue").text


def test_light_mode_overdue_items_are_all_counted_oldest_first():
    items = [task(f"T-{n:02d}", due_in=-n) for n in range(1, 13)]
    doc = summarise(make_plan(items), light=True, caps=SummaryCaps(light_overdue=5))
    table = doc.section("overdue").table
    assert [row[0][:4] for row in table.rows] == ["T-12", "T-11", "T-10", "T-09", "T-08"]
    assert table.more == 7


def test_light_mode_uses_its_own_caps():
    items = [task(f"T-{n:02d}", due_in=n % 7) for n in range(1, 21)]
    caps = SummaryCaps(light_asks=12)
    light = summarise(make_plan(items), caps=caps, light=True).section("asks").table
    assert len(light.rows) == 12 and light.more == 8


# --- text safety and length -------------------------------------------------------------------------


def test_long_cells_are_cut_with_an_ellipsis_within_their_cap():
    caps = SummaryCaps()
    long_activity = "Coordinate the cross-functional review " * 10
    long_owner = "Maximiliane-Josephine Abernathy von Hohenzollern-Sigmaringen"
    risk = Risk("R-01", "x" * 300, Level.HIGH, Level.HIGH, "Mitigate " * 40, long_owner)
    doc = summarise(make_plan([task("T-01", long_activity, owner=long_owner)], risks=[risk]))
    what, who, _ = doc.section("next_steps").table.rows[0]
    assert what.endswith("…") and len(what) <= len("T-01 ") + caps.activity_chars
    assert who == long_owner[: caps.name_chars - 1] + "…"  # names are cut where the limit falls
    risk_row = doc.section("risks").table.rows[0]
    assert len(risk_row[0]) <= caps.risk_chars and risk_row[0].endswith("…")
    assert len(risk_row[2]) <= caps.mitigation_chars and risk_row[2].endswith("…")


def test_buyer_text_stays_plain_text_without_control_characters():
    activity = "=HYPERLINK(\"http://evil\",\"x\")\x00\x07 line\nbreak\u202e"
    doc = summarise(make_plan([task("T-01", activity, owner="Dana\tTanaka\x1b")]))
    what, who, _ = doc.section("next_steps").table.rows[0]
    assert what == 'T-01 =HYPERLINK("http://evil","x") line break'
    assert who == "Dana Tanaka"


def test_wide_characters_count_double_so_japanese_plans_fit_the_same_page():
    activity = "セキュリティ質問票への回答と情報システム部門による技術評価の完了" * 3
    doc = summarise(make_plan([task("T-01", activity, owner="田中 太郎")]))
    what, who, _ = doc.section("next_steps").table.rows[0]
    assert what.endswith("…")
    assert display_width(what) <= len("T-01 ") + SummaryCaps().activity_chars
    assert len(what) < len("T-01 ") + SummaryCaps().activity_chars // 2 + 1
    assert who == "田中 太郎"


def test_dates_in_another_year_carry_the_year():
    assert format_day(date(2026, 5, 12), TODAY) == "Tue 12 May"
    assert format_day(date(2027, 1, 4), TODAY) == "Mon 4 Jan 2027"


@given(st.text(max_size=400), st.integers(min_value=1, max_value=120), st.booleans())
def test_shorten_never_exceeds_its_limit_and_leaves_no_control_characters(text, limit, at_word):
    result = shorten(text, limit, at_word=at_word)
    assert display_width(result) <= limit
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in result)
    if display_width(clean_text(text)) <= limit:
        assert result == clean_text(text)
    else:
        assert result.endswith("…")


def test_summary_is_pure_for_a_given_day():
    plan = make_plan([task("T-01"), milestone("M-01")])
    assessment = make_assessment(plan)
    assert build_summary(plan, assessment, TODAY) == build_summary(plan, assessment, TODAY)
    later = build_summary(plan, replace(assessment), TODAY + timedelta(days=1))
    assert "as of 2026-05-13" in later.subtitle


# --- the plan's language (issue 14) ---------------------------------------------------------------


def test_a_japanese_plans_summary_is_written_in_japanese():
    blocked = replace(task("T-04", due_in=20), status=Status.BLOCKED, depends_on=("T-02",))
    items = [task("T-01", status=Status.DONE), task("T-02", due_in=-3), task("T-03", owner=""), blocked,
             milestone("M-01", "稟議起案", due_in=3), milestone("M-02", "要件確定", status=Status.DONE,
                                                           done_on=TODAY - timedelta(days=2))]
    risks = [Risk("R-01", "予算凍結", Level.HIGH, Level.HIGH, "早期に稟議を起案", "田中 太郎")]
    people = [Stakeholder("田中 太郎", Side.BUYER, "チャンピオン", "taro@acme.example")]
    plan = make_plan(items, risks=risks, stakeholders=people, target_in=3)
    doc = summarise(plan, projected_in=10, health=Health.AT_RISK, lang="ja")
    assert doc.lang == "ja" and doc.title == "相互行動計画 — Acme rollout"
    assert doc.subtitle == "Acme Corp・Globex · 2026年5月12日(火)時点"
    assert doc.footer.startswith("2026年5月12日(火)時点の共有計画の概要です。")
    assert [s.title for s in doc.sections] == ["現在の状況", "今後2週間の予定", "要対応", "マイルストーン",
                                               "主なリスク", "連絡先"]
    facts = dict(doc.section("where").facts)
    assert facts["進捗"] == "6件中2件完了 · 33%"
    assert facts["健全性"] == "要注意"
    assert facts["目標決定日"] == "2026年5月15日(金)"
    assert facts["見込み決定日"] == "2026年5月22日(金) — 目標より7日遅れ"
    assert facts["次の節目"] == "M-01 稟議起案 · 2026年5月15日(金)"
    assert doc.section("next_steps").table.columns == ("項目", "担当者", "期限")
    attention = {row[0]: row[2] for row in doc.section("attention").table.rows}
    assert attention["T-02 Activity T-02"] == "3日遅れ"
    assert attention["T-03 Activity T-03"] == "担当者が必要"
    assert attention["T-04 Activity T-04"] == "ブロック中：T-02 Activity T-02待ち"
    assert column(doc, "attention", 1)[-1] == "担当者未定"
    assert column(doc, "milestones", 2) == ["未着手", "完了 ✓ 2026年5月10日(日)"]
    assert doc.section("risks").table.rows[0][1] == "高"
    assert doc.section("contacts").table.rows[0][1] == "顧客"
    english = {"Progress", "Health", "Where we are", "Needs owner", "late", "Done", "more in the plan"}
    everything = " ".join([doc.title, doc.subtitle, doc.footer] + [
        " ".join([s.title, s.text, *(f for fact in s.facts for f in fact),
                  *((*s.table.columns, *(c for r in s.table.rows for c in r)) if s.table else ())])
        for s in doc.sections])
    assert not [word for word in english if word in everything]


def test_the_more_line_and_the_light_summary_follow_the_plans_language():
    plan = make_plan([task(f"T-{n:02d}", due_in=-n) for n in range(1, 12)])
    light = summarise(plan, light=True, lang="ja")
    assert [s.title for s in light.sections] == ["現在の状況", "期限超過", "今週お願いしたいこと", "マイルストーン"]
    assert light.section("overdue").table.more_text == "ほか3件は計画を参照"
    assert light.section("asks").text == "今週、御社側で期限の項目はありません。"
    assert summarise(plan, light=True).section("overdue").table.more_text == "+3 more in the plan"


def test_renderers_colour_the_same_words_in_every_language():
    from map_workspace.summary import cell_tone, fact_health

    for value in ("3 days late", "1 day late", "3日遅れ", "Needs owner", "担当者未定"):
        assert cell_tone(value) == "alert", value
    for value in ("Done ✓ Tue 12 May", "完了 ✓ 2026年5月10日(日)", "Done ✓"):
        assert cell_tone(value) == "good", value
    for value in ("Open", "未着手", "Fri 15 May", "Dana Tanaka", "T-03 3日遅れの件"):
        assert cell_tone(value) == "", value
    assert fact_health("健全性", "要注意") is Health.AT_RISK and fact_health("Health", "Off track") is Health.OFF_TRACK
    assert fact_health("進捗", "要注意") is None


def test_japanese_dates_carry_the_year_and_the_weekday():
    assert format_day(date(2026, 5, 15), TODAY, "ja") == "2026年5月15日(金)"
    assert format_day(date(2027, 1, 4), TODAY, "ja") == "2027年1月4日(月)"
    assert format_day(date(2026, 5, 15), TODAY) == "Fri 15 May"
