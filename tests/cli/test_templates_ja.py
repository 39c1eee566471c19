"""`mapws templates show ja-enterprise`: the ringi chain's lead times, the board's meeting days and
the template's calendar are shown (issue 14)."""

import json

from click.testing import CliRunner

from map_workspace.cli import cli


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_show_gives_milestone_lead_times_meeting_days_and_the_calendar():
    out = run("templates", "show", "ja-enterprise")
    board = next(line for line in out.splitlines() if line.strip().startswith("board_meeting"))
    assert "1+1d" in board and "経営会議" in board and "on 2nd and 4th Tue" in board
    kickoff_done = next(line for line in out.splitlines() if line.strip().startswith("discovery_done"))
    assert "milestone" in kickoff_done  # a milestone without a lead time is still said so
    assert ("Calendar: JP holidays; closures 12-29..01-03; fiscal year from April (decisions in its first 4 weeks "
            "warned)") in out
    shown = json.loads(run("templates", "show", "ja-enterprise", "--json"))
    board_json = next(a for a in shown["activities"] if a["key"] == "board_meeting")
    assert board_json["meeting"] == "2nd and 4th Tue"
    assert shown["calendar"] == {"holidays": ["JP"], "closures": ["12-29..01-03"], "fiscal_year_start": 4,
                                 "budget_release_weeks": 4}


def test_show_marks_the_approval_chain():
    out = run("templates", "show", "ja-enterprise")
    marked = [line.split()[0] for line in out.splitlines() if line.endswith("[approval chain]")]
    assert marked == ["ringi_draft", "manager_approval", "director_approval", "council_legal", "council_it",
                      "council_finance", "board_meeting"]
    board = next(line for line in out.splitlines() if line.strip().startswith("board_meeting"))
    assert board.endswith("(on 2nd and 4th Tue) [approval chain]")
    shown = json.loads(run("templates", "show", "ja-enterprise", "--json"))
    assert [a["key"] for a in shown["activities"] if a.get("approval_chain")] == [
        "ringi_draft", "manager_approval", "director_approval", "council_legal", "council_it", "council_finance",
        "board_meeting"]
