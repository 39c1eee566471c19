"""Templates as data: the shipped playbooks load clean, and every check names what is wrong."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from map_workspace.domain.model import ItemType, Level, Side
from map_workspace.domain.templates import check_template_data, template_from_dict
from map_workspace.errors import TemplateError
from map_workspace.template_files import (
    check_template_file,
    list_templates,
    load_template,
    template_dir,
)

SHIPPED = ("enterprise", "ja-enterprise", "light")


def minimal() -> dict:
    """The smallest valid template; each test breaks one thing in a copy of it."""
    return {
        "name": "tiny",
        "description": "A tiny plan.",
        "goals": {
            "mutual": "By {decision_date}, {buyer_company} decides on {seller_company}.",
            "buyer": "Decide.",
            "seller": "Win {deal}.",
            "success_criteria": "A decision.",
            "cadence": "Weekly",
        },
        "roles": [
            {"key": "buyer.champion", "side": "Buyer", "title": "Champion"},
            {"key": "seller.ae", "side": "Seller", "title": "Account executive"},
        ],
        "activities": [
            {
                "key": "arch_docs", "type": "Task", "activity": "Architecture docs", "side": "Seller",
                "owner_role": "seller.ae", "duration_days": 3, "buffer_days": 2, "depends_on": [],
            },
            {
                "key": "security_review", "type": "Task", "activity": "Security review", "side": "Buyer",
                "owner_role": "buyer.champion", "duration_days": 5, "depends_on": ["arch_docs"],
            },
            {
                "key": "decision", "type": "Milestone", "activity": "Purchase decision", "side": "Joint",
                "owner_role": "buyer.champion", "duration_days": 0, "depends_on": ["security_review"],
                "decision": True,
            },
        ],
        "risks": [
            {"risk": "Budget", "probability": "Medium", "impact": "High", "mitigation": "Ask early.",
             "owner_role": "seller.ae"},
        ],
    }


def activity(data: dict, key: str) -> dict:
    return next(a for a in data["activities"] if a["key"] == key)


def problems_after(change) -> list[str]:
    data = copy.deepcopy(minimal())
    change(data)
    return check_template_data(data)


def test_minimal_template_is_clean_and_builds():
    assert check_template_data(minimal()) == []
    template = template_from_dict(minimal(), name="ignored")
    assert template.name == "tiny"
    assert template.decision.key == "decision"
    review = template.activity("security_review")
    assert review.buffer_days == 0 and review.decision is False  # optional fields default
    assert review.depends_on == ("arch_docs",)
    assert template.activity("arch_docs").lead_days == 5
    assert template.risks[0].probability is Level.MEDIUM
    assert template.roles[1].side is Side.SELLER


# --- the shipped templates ---------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_template_checks_clean_and_loads_by_name(name):
    path = template_dir() / f"{name}.toml"
    assert check_template_file(path) == []
    template = load_template(name)
    assert template.name == name == path.stem
    assert template.description
    # Activity texts are what buyers read, so each one is distinct.
    assert len({a.activity for a in template.activities}) == len(template.activities)


def test_list_templates_names_both_with_descriptions():
    listed = dict(list_templates())
    assert set(SHIPPED) <= set(listed)
    assert all(listed[name] for name in SHIPPED)


def test_enterprise_template_follows_the_digest():
    template = load_template("enterprise")
    assert 22 <= len(template.activities) <= 26
    milestones = [a.activity for a in template.activities if a.type is ItemType.MILESTONE]
    assert milestones == [
        "Discovery complete", "Technical validation complete", "Business case approved",
        "Stakeholder consensus", "Approvals complete", "Purchase decision",
    ]
    assert template.decision.activity == "Purchase decision"
    roles = {r.key for r in template.roles}
    assert {
        "buyer.champion", "buyer.it_lead", "buyer.security", "buyer.cfo", "buyer.legal",
        "buyer.procurement", "buyer.exec_sponsor", "buyer.end_user_lead",
        "seller.ae", "seller.se", "seller.legal", "seller.exec_sponsor",
    } <= roles
    texts = " | ".join(a.activity.lower() for a in template.activities)
    for expected in ("technical deep dive", "security questionnaire", "stakeholder alignment",
                     "business case", "procurement", "architecture documentation", "demo for end users",
                     "three customer reference", "final proposal with pricing",
                     "legal review of contract terms", "implementation planning"):
        assert expected in texts, expected
    assert len(template.risks) == 6
    risks = " | ".join(r.risk.lower() for r in template.risks)
    for expected in ("leave", "competing priorities", "budget", "technical unknowns", "legal or security",
                     "organisational change"):
        assert expected in risks, expected
    assert all(r.mitigation for r in template.risks)
    assert all("{" not in v or "}" in v for v in template.goals.values())
    # The digest: plan two weeks of work as three, so the longer activities carry a buffer.
    assert all(a.buffer_days > 0 for a in template.activities if a.duration_days >= 3)


def test_light_template_is_one_page():
    template = load_template("light")
    assert 6 <= len(template.activities) <= 9
    assert sum(a.type is ItemType.MILESTONE for a in template.activities) == 3
    assert 2 <= len(template.roles) <= 3
    assert {"buyer.champion", "seller.ae"} <= {r.key for r in template.roles}
    assert len(template.risks) == 2


# --- every check rule, with the sentence it produces -----------------------------------------


def test_unknown_dependency_suggests_the_close_key():
    problems = problems_after(lambda d: activity(d, "security_review").update(depends_on=["arch_doc"]))
    assert problems == [
        "activity 'security_review': depends_on names 'arch_doc', which is not an activity key "
        "(did you mean 'arch_docs'?)"
    ]


def test_self_dependency():
    problems = problems_after(lambda d: activity(d, "arch_docs").update(depends_on=["arch_docs"]))
    assert problems == ["activity 'arch_docs': depends_on names the activity itself; remove 'arch_docs'"]


def test_repeated_dependency():
    problems = problems_after(
        lambda d: activity(d, "security_review").update(depends_on=["arch_docs", "arch_docs"])
    )
    assert problems == ["activity 'security_review': depends_on names 'arch_docs' twice"]


def test_cycle_names_its_path():
    problems = problems_after(lambda d: activity(d, "arch_docs").update(depends_on=["security_review"]))
    assert len(problems) == 1
    assert problems[0].startswith("dependency cycle: ")
    path = problems[0].removeprefix("dependency cycle: ").split(":")[0]
    assert path == "arch_docs → security_review → arch_docs"


def test_longer_cycle_lists_every_step_in_dependency_order():
    def change(d):
        activity(d, "arch_docs").update(depends_on=["decision"])

    problems = problems_after(change)
    assert [p for p in problems if p.startswith("dependency cycle")] == [
        "dependency cycle: arch_docs → security_review → decision → arch_docs: "
        "break it by removing one of these depends_on"
    ]


def test_missing_required_field():
    problems = problems_after(lambda d: activity(d, "arch_docs").pop("duration_days"))
    assert problems == ["activity 'arch_docs': missing required field 'duration_days'"]


def test_missing_top_level_section():
    problems = problems_after(lambda d: d.pop("goals"))
    assert problems == ["the template: missing required field 'goals'"]


def test_unknown_field_is_reported_as_a_likely_typo():
    def change(d):
        activity(d, "arch_docs")["buffer_day"] = activity(d, "arch_docs").pop("buffer_days")

    assert problems_after(change) == [
        "activity 'arch_docs': unknown field 'buffer_day' (did you mean 'buffer_days'?)"
    ]


def test_unknown_top_level_and_goal_keys():
    def change(d):
        d["activites"] = []
        d["goals"]["cadense"] = "Weekly"

    problems = problems_after(change)
    assert "the template: unknown field 'activites' (did you mean 'activities'?)" in problems
    assert "goals: unknown field 'cadense' (did you mean 'cadence'?)" in problems


@pytest.mark.parametrize("value", [-1, "3", 2.5, True])
def test_durations_are_whole_non_negative_numbers(value):
    problems = problems_after(lambda d: activity(d, "arch_docs").update(duration_days=value))
    assert problems == [
        f"activity 'arch_docs': duration_days must be a whole number of business days, 0 or more, "
        f"got {'true' if value is True else repr(value)}"
    ]


def test_negative_buffer():
    problems = problems_after(lambda d: activity(d, "arch_docs").update(buffer_days=-2))
    assert problems == [
        "activity 'arch_docs': buffer_days must be a whole number of business days, 0 or more, got -2"
    ]


def test_side_type_and_level_values():
    def change(d):
        activity(d, "arch_docs")["side"] = "seller"
        activity(d, "security_review")["type"] = "Step"
        d["risks"][0]["impact"] = "Huge"

    problems = problems_after(change)
    assert (
        "activity 'arch_docs': side must be one of Buyer, Seller, Joint, got 'seller' "
        "(did you mean 'Seller'?)" in problems
    )
    assert "activity 'security_review': type must be one of Task, Milestone, got 'Step'" in problems
    assert "risk #1: impact must be one of Low, Medium, High, got 'Huge'" in problems


def test_owner_role_must_be_declared():
    problems = problems_after(lambda d: activity(d, "security_review").update(owner_role="buyer.champ"))
    assert problems == [
        "activity 'security_review': owner_role 'buyer.champ' is not a declared role "
        "(did you mean 'buyer.champion'?): add it under [[roles]] or use one of buyer.champion, seller.ae"
    ]


def test_risk_owner_role_must_be_declared():
    problems = problems_after(lambda d: d["risks"][0].update(owner_role="buyer.cfo"))
    assert len(problems) == 1
    assert problems[0].startswith("risk #1: owner_role 'buyer.cfo' is not a declared role")


def test_buyer_item_needs_a_buyer_owner():
    problems = problems_after(lambda d: activity(d, "security_review").update(owner_role="seller.ae"))
    assert problems == [
        "activity 'security_review': side is 'Buyer' but owner_role 'seller.ae' is a seller role: "
        "a buyer item needs a buyer owner (or make it Joint)"
    ]


def test_no_decision_milestone():
    problems = problems_after(lambda d: activity(d, "decision").pop("decision"))
    assert problems == [
        "no activity has decision = true: mark exactly one Milestone as the purchase decision"
    ]


def test_two_decision_milestones():
    def change(d):
        activity(d, "security_review").update(type="Milestone", decision=True, duration_days=0)

    problems = problems_after(change)
    assert problems == [
        "2 activities have decision = true (activity 'security_review', activity 'decision'): "
        "mark exactly one, the purchase decision"
    ]


def test_decision_must_be_a_milestone():
    problems = problems_after(lambda d: activity(d, "decision").update(type="Task"))
    assert problems == [
        "activity 'decision': decision = true but type is 'Task': the purchase decision must be a Milestone"
    ]


def test_decision_must_be_boolean():
    problems = problems_after(lambda d: activity(d, "arch_docs").update(decision="no"))
    assert problems == ["activity 'arch_docs': decision must be true or false, got 'no'"]


def test_depends_on_must_be_a_list_of_keys():
    problems = problems_after(lambda d: activity(d, "security_review").update(depends_on="arch_docs"))
    assert problems == [
        "activity 'security_review': depends_on must be a list of activity keys, e.g. ['arch_docs'], "
        "got 'arch_docs'"
    ]


def test_duplicate_activity_key():
    def change(d):
        d["activities"].insert(2, copy.deepcopy(activity(d, "arch_docs")))

    assert problems_after(change) == ["activity 'arch_docs': key is used twice (activities #1 and #3)"]


def test_activity_key_format():
    problems = problems_after(lambda d: activity(d, "arch_docs").update(key="Arch Docs"))
    assert any(p.startswith("activity 'Arch Docs': key must be lower-case letters") for p in problems)


def test_duplicate_role_key():
    problems = problems_after(
        lambda d: d["roles"].append({"key": "seller.ae", "side": "Seller", "title": "AE"})
    )
    assert problems == ["role 'seller.ae': key 'seller.ae' is declared twice"]


def test_role_key_side_prefix_must_match_side():
    problems = problems_after(
        lambda d: d["roles"].append({"key": "buyer.cfo", "side": "Seller", "title": "CFO"})
    )
    assert problems == [
        "role 'buyer.cfo': side is 'Seller' but the key starts with 'buyer.': make them agree"
    ]


def test_role_key_shape():
    problems = problems_after(lambda d: d["roles"].append({"key": "cfo", "side": "Buyer", "title": "CFO"}))
    assert problems == [
        "role 'cfo': key must look like 'buyer.champion' or 'seller.ae' "
        "(side, a dot, lower-case letters, digits or _), got 'cfo'"
    ]


def test_goal_placeholders_are_limited():
    problems = problems_after(lambda d: d["goals"].update(mutual="By {decision_day}, {buyer} decides."))
    assert problems == [
        "goals.mutual: unknown placeholder {decision_day} (did you mean {decision_date}?) "
        "(allowed: {deal}, {buyer_company}, {seller_company}, {decision_date})",
        "goals.mutual: unknown placeholder {buyer} "
        "(allowed: {deal}, {buyer_company}, {seller_company}, {decision_date})",
    ]


def test_wrong_types_for_text_and_sections():
    def change(d):
        d["description"] = 3
        d["risks"] = {"risk": "x"}

    problems = problems_after(change)
    assert "the template: description must be text, got 3" in problems
    assert "risks must be a list of [[risks]] tables" in problems


def test_every_problem_is_reported_at_once():
    def change(d):
        activity(d, "arch_docs").update(duration_days=-1, side="Vendor")
        activity(d, "security_review").update(depends_on=["nope"])
        activity(d, "decision").update(type="Task")

    assert len(problems_after(change)) == 4


def test_template_from_dict_raises_with_all_problems():
    data = minimal()
    activity(data, "arch_docs")["duration_days"] = -1
    activity(data, "decision")["type"] = "Task"
    with pytest.raises(TemplateError) as caught:
        template_from_dict(data, name="tiny")
    assert len(caught.value.problems) == 2
    assert "Template 'tiny' is invalid (2 problems)" in caught.value.message
    assert "mapws templates check" in caught.value.hint
    assert caught.value.exit_code == 2


# --- files ------------------------------------------------------------------------------------


def test_unknown_template_name_lists_the_available_ones():
    with pytest.raises(TemplateError) as caught:
        load_template("enterprize")
    assert caught.value.message == "No template named 'enterprize'."
    assert "enterprise" in caught.value.hint and "light" in caught.value.hint


def test_missing_template_file(tmp_path):
    with pytest.raises(TemplateError, match="Template file not found"):
        load_template(str(tmp_path / "mine.toml"))


def test_load_template_from_a_path(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text((template_dir() / "light.toml").read_text(encoding="utf-8").replace(
        'name = "light"', 'name = "mine"'), encoding="utf-8")
    template = load_template(str(path))
    assert template.name == "mine"
    assert load_template(path).name == "mine"  # a Path works too


def test_toml_syntax_error_is_a_problem_with_a_line_number(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "broken"\ndescription = "x"\n[goals\nmutual = "y"\n', encoding="utf-8")
    problems = check_template_file(path)
    assert len(problems) == 1
    assert problems[0].startswith("broken.toml: TOML syntax error:")
    assert "line 3" in problems[0]
    with pytest.raises(TemplateError) as caught:
        load_template(str(path))
    assert "line 3" in caught.value.message


def test_check_template_file_reports_data_problems(tmp_path):
    shipped = (template_dir() / "light.toml").read_text(encoding="utf-8")
    path = tmp_path / "typo.toml"
    broken = shipped.replace('depends_on = ["proposal"]', 'depends_on = ["propsal"]')
    path.write_text(broken, encoding="utf-8")
    assert check_template_file(path) == [
        "activity 'internal_approval': depends_on names 'propsal', which is not an activity key "
        "(did you mean 'proposal'?)"
    ]


def test_unreadable_template_file(tmp_path):
    problems = check_template_file(tmp_path / "absent.toml")
    assert len(problems) == 1 and "cannot be read" in problems[0]


def test_template_dir_is_the_checkout_folder_when_not_installed():
    folder = template_dir()
    assert (folder / "enterprise.toml").is_file()
    # In a source checkout the package folder does not exist, so the repo's templates/ is used;
    # when installed, the package copy is used. Either way the content is the same file.
    repo_copy = Path(__file__).resolve().parents[2] / "templates" / "enterprise.toml"
    if repo_copy.is_file():
        with (folder / "enterprise.toml").open("rb") as a, repo_copy.open("rb") as b:
            assert tomllib.load(a) == tomllib.load(b)


# --- the ringi chain (issue 14) ----------------------------------------------------------------


def test_ja_enterprise_lays_out_the_ringi_chain():
    template = load_template("ja-enterprise")
    titles = {r.key: r.title for r in template.roles}
    assert {"決裁者", "承認者（課長）", "承認者（部長）"} <= set(titles.values())
    assert "起案者" in titles["buyer.champion"]  # the champion drafts the ringi
    by_text = {a.activity: a for a in template.activities}
    draft, manager, director = by_text["稟議起案"], by_text["課長承認"], by_text["部長承認"]
    council = [by_text["合議（法務）"], by_text["合議（情報システム）"], by_text["合議（経理・財務）"]]
    board, decision = by_text["経営会議"], by_text["決裁"]
    chain = [draft, manager, director, *council, board, decision]
    assert all(a.type is ItemType.MILESTONE and a.lead_days > 0 for a in chain)
    assert all(a.buffer_days > 0 for a in chain)
    assert draft.owner_role == "buyer.champion"
    # Serial approvals, then the three 合議 in parallel, then the board on its meeting day, then 決裁.
    assert manager.depends_on == (draft.key,) and director.depends_on == (manager.key,)
    assert all(c.depends_on == (director.key,) for c in council)
    assert set(board.depends_on) == {c.key for c in council}
    assert board.meeting
    assert decision.decision and decision.depends_on == (board.key,)
    assert titles[decision.owner_role] == "決裁者"
    assert {titles[manager.owner_role], titles[director.owner_role]} == {"承認者（課長）", "承認者（部長）"}
    # Discovery and validation as in the enterprise template, in Japanese.
    assert {"要件ヒアリング完了", "技術検証完了"} <= set(by_text)
    assert all(not a.activity.isascii() for a in template.activities)
    # Japanese holidays and the year-end closure by default; April fiscal years.
    assert template.calendar.holidays == ("JP",)
    assert template.calendar.closures == ("12-29..01-03",)
    assert template.calendar.fiscal_year_start == 4


def test_a_template_calendar_is_checked():
    def bad(data):
        data["calendar"] = {"holidays": "JP", "closures": ["12-29-01-03"], "fiscal_year_start": 13,
                            "budget_release_weeks": -1, "weekends": True}

    problems = problems_after(bad)
    assert "calendar: holidays must be a list of region codes, e.g. [\"JP\"], got 'JP'" in problems
    assert any("calendar: closure '12-29-01-03'" in p for p in problems)
    assert "calendar: fiscal_year_start must be a month, 1 to 12, got 13" in problems
    assert "calendar: budget_release_weeks must be a whole number of weeks, 1 or more, got -1" in problems
    assert any("calendar: unknown field 'weekends'" in p for p in problems)


@pytest.mark.parametrize("rule", ["Tue", "2nd Tue", "2nd and 4th Tuesday", "1st, 3rd thu", "last Fri"])
def test_a_meeting_rule_reads(rule):
    assert problems_after(lambda d: activity(d, "decision").update(meeting=rule)) == []


@pytest.mark.parametrize("rule", ["Saturday", "5th Tue", "monthly", "", 3])
def test_a_bad_meeting_rule_is_a_problem(rule):
    problems = problems_after(lambda d: activity(d, "decision").update(meeting=rule))
    assert len(problems) == 1 and "meeting must be a weekday" in problems[0], problems
