"""``mapws report`` on Google Sheets (through the loopback emulator): the same team as the local
test, made through the CLI, a buyer's edits typed through gspread as that buyer; the same figures,
and the plans the night left unchanged are not read."""

from __future__ import annotations

import json

from tests.support.google import calls, is_sheets_read, is_sheets_write
from tests.support.team import ACME_CRM_ID, AS_OF, SALESFORCE_REPORT, as_json, link_crm, make_team, run


def test_the_team_report_on_google(emulator, buyer, tmp_path):
    env = {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": AS_OF,
           "MAPWS_STATE": str(tmp_path / "state.sqlite")}
    buyers = {"acme-rollout": "dana@acme.example", "globex-pilot": "hank@globex.example"}

    def mark_done(slug: str) -> None:
        plan = next(p for p in as_json(env, "list")["plans"] if p["slug"] == slug)
        sheet = buyer(buyers[slug]).open_by_key(plan["plan"]).worksheet("Plan")
        sheet.update_cell(2, sheet.row_values(1).index("Status") + 1, "Done")

    ids = make_team(env, mark_done, time_passes=lambda: emulator.advance_clock(60))
    link_crm(tmp_path / "state.sqlite", f"google:{ids['Acme rollout']}", ACME_CRM_ID)
    crm = tmp_path / "salesforce.csv"
    crm.write_text(SALESFORCE_REPORT, encoding="utf-8")

    emulator.log.clear()
    doc = json.loads(run(env, "report", "--crm", crm, "--json").stdout)
    assert doc["outcomes"] == {
        "with_map": {"deals": 2, "won": 1, "win_rate": 0.5, "median_cycle_days": 105.5},
        "without_map": {"deals": 4, "won": 2, "win_rate": 0.5, "median_cycle_days": 84.5},
    }
    assert doc["unmatched_crm_rows"] == 4
    assert [(r["slips"], r["deals"], r["won"]) for r in doc["by_slips"]] == [("0", 2, 2), ("1–2", 0, 0), ("3+", 1, 0)]
    assert sorted((d["deal"], d["error_business_days"]) for d in doc["projection_error"]["deals"]) == [
        ("Acme rollout", -3), ("Initech renewal", 0)]
    assert [(s["seller"], s["plans"], s["accepted"], s["won"]) for s in doc["by_seller"]] == [
        ("Ana Ortiz", 2, 1, 1), ("Sam Rivera", 3, 2, 1)]
    assert {p["deal"] for p in doc["pipeline"]} == {"Umbrella expansion", "Hooli platform"}
    assert {p["plan"] for p in doc["pipeline"]} == {ids["Umbrella expansion"], ids["Hooli platform"]}
    # The two open plans come from the night's snapshots: only the three closed ones are read.
    assert doc["plans"] == {"read": 3, "from_state_store": 2}
    read = {e["path"].split("/")[3].split(":")[0] for e in calls(emulator) if is_sheets_read(e)}
    closed = {ids[d] for d in ("Acme rollout", "Globex pilot", "Initech renewal")}
    assert read == closed
    assert not [e for e in calls(emulator) if is_sheets_write(e)]  # a report writes nothing
    # The closed plans' snapshots are kept now: the next report reads no plan at all.
    emulator.log.clear()
    again = json.loads(run(env, "report", "--crm", crm, "--json").stdout)
    assert again["plans"] == {"read": 0, "from_state_store": 5} and again["outcomes"] == doc["outcomes"]
    assert not [e for e in calls(emulator) if is_sheets_read(e)]

    page = tmp_path / "team.html"
    run(env, "report", "--crm", crm, "-o", page)
    assert page.read_text(encoding="utf-8").count("<svg") == 4
