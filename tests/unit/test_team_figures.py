"""The report's figures from plain rows (no files): the join never guesses, the groups and their
counts, the caution line, and Fisher's exact test only where scipy is."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import date

from map_workspace.crm_export import parse_export
from map_workspace.deal_facts import DealFacts
from map_workspace.team_report import SMALL_GROUP, build

BASE = DealFacts(plan="p", slug="s", deal="Deal", url="", seller="Sam Rivera", created="2026-01-05",
                 target_decision="2026-03-31", projected_decision="2026-03-31", health="on_track", progress=50,
                 items_done=4, items_total=8, slips=0, slip_days=0, overdue=0, next_milestone=None,
                 next_milestone_due=None, last_buyer_edit=None, days_since_buyer_edit=None, buyer_edits=0,
                 checkins=0, accepted=False, deal_value=None, forecast="", outcome=None, closed_on=None,
                 planned_decision="2026-03-31", crm_id=None, read=True)


def deal(name: str, **changes) -> DealFacts:
    return replace(BASE, plan=f"/maps/{name}.xlsx", slug=name, deal=name, **changes)


HEADER = "Id,Name,StageName,IsClosed,IsWon,CreatedDate,CloseDate,Amount\n"


def test_two_plans_of_one_name_are_not_guessed_between():
    plans = [deal("Acme"), replace(deal("Acme"), plan="/maps/acme-2.xlsx"), deal("Globex")]
    crm = parse_export(HEADER + "006A,Acme,Closed Won,true,true,2026-01-01,2026-03-01,10\n"
                                "006G,Globex,Closed Lost,true,false,2026-01-01,2026-03-01,10\n")
    report = build(plans, crm, as_of=date(2026, 4, 1))
    assert report.unmatched_crm_rows == 1  # Acme: two plans of that name
    assert report.outcomes["without_map"]["deals"] == 2  # the Acme CRM deal, and Globex's untouched plan


def test_a_salesforce_id_joins_in_its_15_and_18_character_forms_and_wins_over_a_name():
    plans = [deal("Acme", crm_id="0065g00000AcmeQAAR"), deal("Acme rollout")]
    crm = parse_export(HEADER + "0065g00000AcmeQ,Acme rollout,Closed Won,true,true,2025-12-01,2026-03-20,10\n")
    report = build(plans, crm, as_of=date(2026, 4, 1))
    assert report.unmatched_crm_rows == 0
    assert report.outcomes["without_map"] == {"deals": 1, "won": 1, "win_rate": 1.0, "median_cycle_days": 109.0}
    assert [p["deal"] for p in report.as_json()["pipeline"]] == ["Acme rollout"]  # Acme closed through its id


def test_groups_counts_and_the_caution_line():
    plans = [deal(f"Won {i}", accepted=True, outcome="won", closed_on="2026-03-01") for i in range(SMALL_GROUP)]
    plans += [deal("Lost", accepted=True, outcome="lost", closed_on="2026-03-10"),
              deal("Untouched", outcome="no decision", closed_on="2026-02-01")]
    report = build(plans, None, as_of=date(2026, 4, 1))
    assert report.outcomes["with_map"] == {"deals": SMALL_GROUP + 1, "won": SMALL_GROUP,
                                           "win_rate": round(SMALL_GROUP / (SMALL_GROUP + 1), 3),
                                           "median_cycle_days": 55.0}
    assert report.outcomes["without_map"] == {"deals": 1, "won": 0, "win_rate": 0.0, "median_cycle_days": 27.0}
    assert report.cautions == ["Caution: only 1 closed deal(s) without one; under 20, a win rate or median moves "
                               "a lot with one deal more or less."]


def test_fishers_exact_test_only_with_scipy_and_named_as_such():
    plans = [deal(f"W{i}", accepted=True, outcome="won", closed_on="2026-03-01") for i in range(8)]
    plans += [deal(f"L{i}", accepted=True, outcome="lost", closed_on="2026-03-01") for i in range(2)]
    plans += [deal(f"w{i}", outcome="won", closed_on="2026-03-01") for i in range(2)]
    plans += [deal(f"l{i}", outcome="lost", closed_on="2026-03-01") for i in range(8)]
    report = build(plans, None, as_of=date(2026, 4, 1))
    if importlib.util.find_spec("scipy") is None:
        assert report.significance is None
        assert any("needs scipy, which is not installed" in m for m in report.method)
    else:
        # 8/10 won with, 2/10 without: two-sided p = 0.0230 (hypergeometric, by hand).
        assert report.significance == {"test": "Fisher's exact test (two-sided)", "p_value": 0.023, "odds_ratio": 16.0}


def test_projection_error_counts_working_days_on_the_calendar_given():
    plans = [deal("Early", accepted=True, outcome="won", closed_on="2026-03-20", planned_decision="2026-03-25"),
             deal("Late", accepted=True, outcome="won", closed_on="2026-04-06", planned_decision="2026-04-02")]
    plain = build(plans, None, as_of=date(2026, 4, 10))
    assert sorted(plain.projection["error_business_days"]) == [-3, 2]
    good_friday = {date(2026, 4, 3)}

    def working_days(a: date, b: date) -> int:
        from map_workspace.domain.calendar import business_days_between

        return business_days_between(a, b, good_friday)

    holiday = build(plans, None, as_of=date(2026, 4, 10), business_days=working_days)
    assert sorted(holiday.projection["error_business_days"]) == [-3, 1]


def test_buyer_and_seller_text_never_becomes_markup_or_a_formula(tmp_path):
    import openpyxl

    from map_workspace.team_report_files import render_html, write_xlsx

    hostile = deal("<img src=x onerror=alert(1)>", next_milestone="=HYPERLINK(\"http://evil.example\",\"x\")",
                   next_milestone_due="2026-03-01")
    report = build([hostile, deal("@SUM(A1:A9)")], None, as_of=date(2026, 2, 1))
    page = render_html(report)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    write_xlsx(report, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["Pipeline"]
    cells = {c.value: c.data_type for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    assert cells['=HYPERLINK("http://evil.example","x")'] == "s" and cells["@SUM(A1:A9)"] == "s"
    assert "f" not in cells.values()
