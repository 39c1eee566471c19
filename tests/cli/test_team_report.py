"""``mapws report`` on local plans made through the product, with CRM exports as Salesforce and
HubSpot write them: the figures (hand-computed below), the join, the outputs, the errors, and
that no other command pays for pandas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from tests.cli.test_imports import probe
from tests.support.team import AS_OF, HUBSPOT_EXPORT, SALESFORCE_REPORT, as_json, local_team, run

#: One worker runs every test that uses the team (``--dist loadgroup``): it is made once per process.
pytestmark = pytest.mark.xdist_group("team_report")


def mark_done(plans: Path, slug: str) -> None:
    """The buyer opens the workbook and marks the first item Done."""
    path = plans / f"{slug}.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = wb["Plan"]
    status = next(c.column_letter for c in sheet[1] if c.value == "Status")
    sheet[f"{status}2"] = "Done"
    wb.properties.lastModifiedBy = "Buyer"
    wb.save(path)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """The team's plans (tests/support/team.py), made once per test process; tests only read them or
    write beside them."""
    return local_team(tmp_path_factory.mktemp, mark_done)


def test_the_figures_with_a_salesforce_report(team):
    root, env, ids = team
    doc = as_json(env, "report", "--crm", root / "salesforce.csv")
    # Accepted MAPs: Acme (won; CRM created 2025-12-01 → 03-20: 109 days) and Globex (lost; 12-15 → 03-27:
    # 102 days). Without: Initech (plan untouched; won, 67 days) and the CRM deals with no plan: Stark
    # (lost, 149), Wayne (won, 102), Cyberdyne (lost, 57).
    assert doc["outcomes"] == {
        "with_map": {"deals": 2, "won": 1, "win_rate": 0.5, "median_cycle_days": 105.5},
        "without_map": {"deals": 4, "won": 2, "win_rate": 0.5, "median_cycle_days": 84.5},
    }
    # Stark, Wayne, Cyberdyne and the open Soylent deal: no plan of that id or name.
    assert doc["unmatched_crm_rows"] == 4
    assert doc["crm"] == "salesforce"
    assert [(r["slips"], r["deals"], r["won"], r["win_rate"], r["median_cycle_days"]) for r in doc["by_slips"]] == [
        ("0", 2, 2, 1.0, 88.0), ("1–2", 0, 0, None, None), ("3+", 1, 0, 0.0, 102.0)]
    assert sum(r["deals"] for r in doc["by_completion"]) == 3
    # Won deals: Acme closed 03-20 against its decision milestone 03-25 (3 working days early),
    # Initech on its day.
    proj = doc["projection_error"]
    assert sorted((d["deal"], d["planned_decision"], d["closed_on"], d["error_business_days"])
                  for d in proj["deals"]) == [("Acme rollout", "2026-03-25", "2026-03-20", -3),
                                              ("Initech renewal", "2026-03-13", "2026-03-13", 0)]
    assert proj["median_business_days"] == -1.5 and proj["mean_absolute_business_days"] == 1.5
    assert doc["by_seller"] == [
        {"seller": "Ana Ortiz", "plans": 2, "accepted": 1, "closed": 1, "won": 1, "win_rate": 1.0,
         "median_slips": 0.0},
        {"seller": "Sam Rivera", "plans": 3, "accepted": 2, "closed": 2, "won": 1, "win_rate": 0.5,
         "median_slips": 0.0},
    ]
    assert len(doc["cautions"]) == 2 and all("under 20" in c for c in doc["cautions"])
    assert any(m.startswith("Outcomes:") for m in doc["method"])
    # The pipeline: the two open plans, riskiest first; Acme's CRM id is the one kept seller-side.
    pipeline = doc["pipeline"]
    assert {p["deal"] for p in pipeline} == {"Umbrella expansion", "Hooli platform"}
    risk = {"off_track": 0, "at_risk": 1, "on_track": 2}
    keys = [(risk[p["health"]], -p["overdue"], -(p["projected_slip_days"] or 0)) for p in pipeline]
    assert keys == sorted(keys)
    umbrella = next(p for p in pipeline if p["deal"] == "Umbrella expansion")
    assert umbrella["accepted"] is True and umbrella["seller"] == "Ana Ortiz" and umbrella["deal_value"] == 250000
    assert umbrella["crm_id"] == "0065g00000UmbrB"  # joined by its exact name
    hooli = next(p for p in pipeline if p["deal"] == "Hooli platform")
    assert hooli["accepted"] is False and hooli["days_since_buyer_edit"] is None and hooli["crm_id"] is None
    assert set(pipeline[0]) >= {"deal", "seller", "created", "target_decision", "projected_decision", "health",
                                "progress", "slips", "slip_days", "overdue", "days_since_buyer_edit",
                                "next_milestone", "deal_value", "forecast", "crm_id"}


def test_globex_slipped_three_times_and_acme_was_edited_by_the_buyer(team):
    root, env, ids = team
    doc = as_json(env, "report")
    assert doc["unmatched_crm_rows"] == 0 and doc["crm"] is None
    # Without a CRM export the cycle starts on the day the plan was created (2026-01-05).
    # Acme: 01-05 → 03-20, 74 days; Globex: 01-05 → 03-27, 81 days; Initech: 01-05 → 03-13, 67 days.
    assert doc["outcomes"]["with_map"] == {"deals": 2, "won": 1, "win_rate": 0.5, "median_cycle_days": 77.5}
    assert doc["outcomes"]["without_map"] == {"deals": 1, "won": 1, "win_rate": 1.0, "median_cycle_days": 67.0}
    assert doc["by_slips"][2]["deals"] == 1  # Globex's three replans


def test_a_hubspot_export_joins_by_exact_name(team):
    root, env, ids = team
    doc = as_json(env, "report", "--crm", root / "hubspot.csv")
    assert doc["crm"] == "hubspot"
    assert doc["unmatched_crm_rows"] == 4  # Acme joins by its name here: the id kept is Salesforce's
    assert doc["outcomes"]["with_map"] == {"deals": 2, "won": 1, "win_rate": 0.5, "median_cycle_days": 105.5}
    assert doc["outcomes"]["without_map"] == {"deals": 4, "won": 2, "win_rate": 0.5, "median_cycle_days": 84.5}


def test_since_counts_only_deals_closed_from_that_day(team):
    root, env, ids = team
    doc = as_json(env, "report", "--crm", root / "salesforce.csv", "--since", "2026-03-01")
    # Left: Acme, Globex (with); Initech, Cyberdyne (without). Stark and Wayne closed in February.
    assert (doc["outcomes"]["with_map"]["deals"], doc["outcomes"]["without_map"]["deals"]) == (2, 2)
    assert len(doc["pipeline"]) == 2 and doc["since"] == "2026-03-01"


def test_unchanged_plans_come_from_the_state_store_unread(team):
    root, env, ids = team
    # The night skips closed plans, so the first report reads each closed plan once (and keeps its
    # snapshot in the state store); the open ones come from the night's snapshots.
    first = as_json(env, "report")
    assert first["plans"]["from_state_store"] >= 2
    again = as_json(env, "report")
    assert again["plans"] == {"read": 0, "from_state_store": 5}
    assert {k: v for k, v in again.items() if k != "plans"} == {k: v for k, v in first.items() if k != "plans"}
    # A night after that still skips them, and syncs the open ones as before.
    night = run(env, "sync", "--all").stdout
    assert "3 closed plan(s) skipped" in night


def test_a_plan_edited_since_the_night_is_read_and_its_edit_counts(tmp_path):
    env = {"MAPWS_BACKEND": "local", "MAPWS_DIR": str(tmp_path / "maps"), "MAPWS_STATE": str(tmp_path / "s.sqlite"),
           "MAPWS_TODAY": "2026-02-02"}
    for deal in ("Acme rollout", "Hooli platform"):
        run(env, "create", deal, "--decision-date", "2026-05-29", "--buyer", "dana@acme.example", "--template",
            "light", "--today", "2026-01-05")
    run(env, "sync", "--all")
    assert as_json(env, "report")["plans"] == {"read": 0, "from_state_store": 2}
    mark_done(tmp_path / "maps", "hooli-platform")
    doc = as_json(env, "report")
    assert doc["plans"] == {"read": 1, "from_state_store": 1}
    hooli = next(p for p in doc["pipeline"] if p["deal"] == "Hooli platform")
    assert hooli["accepted"] is True and hooli["days_since_buyer_edit"] == 0  # seen today, not yet synced
    assert next(p for p in doc["pipeline"] if p["deal"] == "Acme rollout")["accepted"] is False
    run(env, "sync", "--all", "--today", "2026-02-05")
    doc = as_json(env, "report", "--today", "2026-02-09")
    assert doc["plans"] == {"read": 0, "from_state_store": 2}
    hooli = next(p for p in doc["pipeline"] if p["deal"] == "Hooli platform")
    assert (hooli["accepted"], hooli["days_since_buyer_edit"]) == (True, 4)  # the sync of 02-05 logged it


def test_the_table_names_the_figures_and_the_method(team):
    root, env, ids = team
    out = run(env, "report", "--crm", root / "salesforce.csv").stdout
    for words in ("Pipeline: 2 open plan(s)", "With an accepted MAP", "Without one", "By slips",
                  "By completion at close", "Projection error of won deals", "Per seller",
                  "CRM rows that matched no plan: 4", "How these figures are made", "Caution: only 2"):
        assert words in out, words


def test_csv_xlsx_and_json_files(team, tmp_path):
    root, env, ids = team
    doc = as_json(env, "report", "--crm", root / "salesforce.csv")
    text = run(env, "report", "--crm", root / "salesforce.csv", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["deal"] for r in rows] == [p["deal"] for p in doc["pipeline"]]
    assert rows[0]["health"] == doc["pipeline"][0]["health"]

    xlsx = tmp_path / "team.xlsx"
    said = run(env, "report", "--crm", root / "salesforce.csv", "-o", xlsx).stdout
    assert f"Wrote the report (xlsx) to {xlsx}" in said
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Pipeline", "Outcomes", "By slips", "By completion", "Projection error", "By seller",
                             "Method"]
    outcomes = [[c.value for c in row] for row in wb["Outcomes"].iter_rows()]
    assert outcomes[0] == ["group", "deals", "won", "win_rate", "median_cycle_days"]
    assert outcomes[1][1:] == [2, 1, 0.5, 105.5] and outcomes[2][1:] == [4, 2, 0.5, 84.5]
    assert [r[0].value for r in wb["Pipeline"].iter_rows(min_row=2)] == [p["deal"] for p in doc["pipeline"]]

    out = tmp_path / "team.json"
    run(env, "report", "--crm", root / "salesforce.csv", "--format", "json", "-o", out)
    assert json.loads(out.read_text())["outcomes"] == doc["outcomes"]


@pytest.mark.parametrize(("text", "row", "column"), [
    (SALESFORCE_REPORT.replace('"3/20/2026"', '"3/32/2026"'), 2, "Close Date"),
    (SALESFORCE_REPORT.replace('"USD 45,000.00"', '"forty-five thousand"'), 3, "Amount"),
    (SALESFORCE_REPORT.replace('"Closed Won","USD 30,000.00",', '"Closed Won","USD 30,000.00"'), 4, ""),
    (HUBSPOT_EXPORT.replace("2025-10-01 09:00", "sometime in October"), 6, "Create Date"),
    (HUBSPOT_EXPORT.replace(",true\n14567890107", ",maybe\n14567890107"), 7, "Is Closed Won"),
])
def test_a_malformed_export_names_the_row_and_column(team, tmp_path, text, row, column):
    root, env, ids = team
    bad = tmp_path / "deals.csv"
    bad.write_text(text, encoding="utf-8")
    result = run(env, "report", "--crm", bad, "--json", code=2)
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "crm.malformed" and error["row"] == str(row)
    assert f"row {row}" in error["message"] and error["hint"]
    if column:
        assert error["column"] == column and f"column '{column}'" in error["message"]
    assert "Traceback" not in result.output


def test_an_export_of_something_else_is_refused(team, tmp_path):
    root, env, ids = team
    other = tmp_path / "contacts.csv"
    other.write_text("First Name,Last Name,Email\nDana,Tanaka,dana@acme.example\n", encoding="utf-8")
    result = run(env, "report", "--crm", other, code=2)
    assert "neither a Salesforce Opportunity report nor a HubSpot deals export" in result.stderr
    assert "First Name" in result.stderr
    missing = run(env, "report", "--crm", tmp_path / "nowhere.csv", code=2)
    assert "No CRM file" in missing.stderr


def test_no_other_command_imports_pandas_or_matplotlib(team):
    root, env, ids = team
    heavy = ("pandas", "matplotlib", "map_workspace.team_report")  # numpy: openpyxl loads it when installed
    for args in (["--help"], ["report", "--help"], ["list", "--dir", str(root / "maps")],
                 ["status", "hooli-platform", "--dir", str(root / "maps"), "--today", AS_OF]):
        seen = probe(args, heavy)
        assert seen["code"] == 0 and seen["after"] == [], (args, seen)
    assert "pandas" in probe(["report", "--dir", str(root / "maps"), "--today", AS_OF, "--json"],
                             heavy)["after"]


def test_a_damaged_plan_is_left_out_and_named(tmp_path):
    env = {"MAPWS_BACKEND": "local", "MAPWS_DIR": str(tmp_path / "maps"), "MAPWS_STATE": str(tmp_path / "s.sqlite"),
           "MAPWS_TODAY": "2026-02-02"}
    run(env, "create", "Acme rollout", "--decision-date", "2026-05-29", "--buyer", "dana@acme.example", "--template",
        "light", "--today", "2026-01-05")
    (tmp_path / "maps" / "broken.xlsx").write_bytes(b"not a workbook")
    result = run(env, "report", "--json", code=3)
    doc = json.loads(result.stdout)
    assert [p["deal"] for p in doc["pipeline"]] == ["Acme rollout"]
    assert [f["plan"] for f in doc["failed_plans"]] == ["broken"] and doc["failed_plans"][0]["error"]
    assert "1 plan(s) could not be read" in result.stderr and "mapws sync PLAN" in result.stderr


def test_the_buyers_last_edit_as_the_nights_saw_it_in_the_file(tmp_path):
    """Where the nightly recorded who last changed the file (the ``plan_status`` table engineer
    silence's nights keep for ``mapws list``), the report dates the buyer's last edit by it."""
    import sqlite3

    env = {"MAPWS_BACKEND": "local", "MAPWS_DIR": str(tmp_path / "maps"), "MAPWS_STATE": str(tmp_path / "s.sqlite"),
           "MAPWS_TODAY": "2026-02-16"}
    made = as_json(env, "create", "Hooli platform", "--decision-date", "2026-05-29", "--buyer", "gavin@hooli.example",
                   "--template", "light", "--today", "2026-01-05")
    run(env, "sync", "--all")
    before = as_json(env, "report")["pipeline"][0]
    assert (before["accepted"], before["days_since_buyer_edit"]) == (False, None)
    db = sqlite3.connect(tmp_path / "s.sqlite")
    db.execute("CREATE TABLE IF NOT EXISTS plan_status (plan_key TEXT PRIMARY KEY, buyer_at TEXT NOT NULL DEFAULT '',"
               " buyer_by TEXT NOT NULL DEFAULT '', watched_since TEXT NOT NULL DEFAULT '',"
               " day TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT '')")
    db.execute("INSERT OR REPLACE INTO plan_status (plan_key, buyer_at, buyer_by) VALUES (?, ?, ?)",
               (f"local:{made['plan']}", "2026-02-11T15:02:00+00:00", "Gavin Belson"))
    db.commit()
    db.close()
    after = as_json(env, "report")["pipeline"][0]
    assert (after["accepted"], after["days_since_buyer_edit"]) == (True, 5)


def test_output_options(team, tmp_path):
    root, env, ids = team
    refused = run(env, "report", "--format", "table", "-o", tmp_path / "t.txt", code=2)
    assert "-o writes a file" in refused.stderr and not (tmp_path / "t.txt").exists()
    both = json.loads(run(env, "report", "--json", "-o", tmp_path / "t.html").stdout)
    assert both["written"] == str(tmp_path / "t.html") and "outcomes" in both
    assert (tmp_path / "t.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    unknown = run(env, "report", "-o", tmp_path / "t.txt", code=2)
    assert "Its extension does not say" in unknown.stderr
    bad = run(env, "report", "--since", "yesterday", "--json", code=2)
    assert json.loads(bad.stdout)["error"]["code"] == "usage"
