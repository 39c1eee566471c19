"""A small sales team's plans, made through the product (create, a buyer's edits, sync, replan,
checkin, close), and the CRM exports that go with them, as Salesforce and HubSpot write them.

Five plans (created 2026-01-05, the report run on 2026-04-15):

============================  =======  ===========================  ==============  ===========
deal                          seller   buyer touched it             slips           outcome
============================  =======  ===========================  ==============  ===========
Acme rollout                  Sam      yes (T-01 Done)              0               won 03-20
Globex pilot                  Sam      yes (T-01 Done)              3 (replanned)   lost 03-27
Initech renewal               Ana      no                           0               won 03-13
Umbrella expansion            Ana      a check-in                   0               open
Hooli platform                Sam      no                           0               open
============================  =======  ===========================  ==============  ===========
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from map_workspace.cli import cli

SAM, ANA = "Sam Rivera <sam@seller.example>", "Ana Ortiz <ana@seller.example>"
CREATED = "2026-01-05"
AS_OF = "2026-04-15"
#: deal → (seller, buyer, decision date, deal value)
DEALS = {
    "Acme rollout": (SAM, "Dana Tanaka <dana@acme.example>", "2026-03-25", 120000),
    "Globex pilot": (SAM, "Hank Scorpio <hank@globex.example>", "2026-03-18", 45000),
    "Initech renewal": (ANA, "Bill Lumbergh <bill@initech.example>", "2026-03-13", 30000),
    "Umbrella expansion": (ANA, "Alice Abernathy <alice@umbrella.example>", "2026-03-31", 250000),
    "Hooli platform": (SAM, "Gavin Belson <gavin@hooli.example>", "2026-05-29", 80000),
}
#: Salesforce's 18-character ID kept seller-side for Acme (mapws link); the report export writes the
#: same record's 15-character form.
ACME_CRM_ID = "0065g00000AcmeQAAR"


_LOCAL_TEAM: dict[str, tuple[Path, dict[str, str], dict[str, str]]] = {}


def local_team(make_dir: Callable[[str], Path], mark_done: Callable[[Path, str], None]) -> tuple[Path, dict[str, str],
                                                                                                dict[str, str]]:
    """The team on the local backend, made once per test process (its tests only read it or write
    beside it): (folder, env, plan IDs by deal), with both CRM exports written in the folder."""
    if "team" not in _LOCAL_TEAM:
        root = make_dir("team")
        env = {"MAPWS_BACKEND": "local", "MAPWS_DIR": str(root / "maps"),
               "MAPWS_STATE": str(root / "state.sqlite"), "MAPWS_TODAY": AS_OF}
        ids = make_team(env, lambda slug: mark_done(root / "maps", slug))
        link_crm(root / "state.sqlite", f"local:{ids['Acme rollout']}", ACME_CRM_ID)
        (root / "salesforce.csv").write_text(SALESFORCE_REPORT, encoding="utf-8")
        (root / "hubspot.csv").write_text(HUBSPOT_EXPORT, encoding="utf-8")
        _LOCAL_TEAM["team"] = (root, env, ids)
    return _LOCAL_TEAM["team"]


def run(env: dict[str, str], *args: Any, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def as_json(env: dict[str, str], *args: Any, code: int = 0) -> dict[str, Any]:
    return json.loads(run(env, *args, "--json", code=code).stdout)


def link_crm(state: Path, key: str, crm_id: str) -> None:
    """Record a plan's CRM id where ``mapws link`` keeps it (the seller-side ``crm_links`` table of
    the state database; engineer silence's ``link`` command writes the same row)."""
    db = sqlite3.connect(state)
    try:
        db.execute("CREATE TABLE IF NOT EXISTS crm_links (plan_key TEXT PRIMARY KEY, crm_id TEXT NOT NULL)")
        db.execute("INSERT OR REPLACE INTO crm_links (plan_key, crm_id) VALUES (?, ?)", (key, crm_id))
        db.commit()
    finally:
        db.close()


def make_team(env: dict[str, str], buyer_marks_done: Callable[[str], None],
              time_passes: Callable[[], None] = lambda: None) -> dict[str, str]:
    """Create the five plans through the CLI (``env`` names the backend, state and folder) and live
    their lives up to the report day. ``buyer_marks_done(slug)``: the buyer marks T-01 Done in the
    plan's file, as they would in Excel or Google Sheets. ``time_passes()``: the clock moves on
    after the first night (on Google, a write by mapws's own identity within a second of the
    night's is taken for the night's own: docs/nightly.md). Returns each deal's plan ID."""
    ids = {}
    for deal, (seller, buyer, decision, value) in DEALS.items():
        made = as_json(env, "create", deal, "--decision-date", decision, "--buyer", buyer, "--seller", seller,
                       "--deal-value", value, "--template", "light", "--today", CREATED)
        ids[deal] = made["plan"]
    for slug in ("acme-rollout", "globex-pilot"):
        buyer_marks_done(slug)
    run(env, "sync", "--all", "--today", "2026-01-12")
    time_passes()
    # Globex: the same item moved three times (three slips).
    for due in ("2026-02-10", "2026-02-17", "2026-02-24"):
        run(env, "replan", "globex-pilot", "--item", "T-02", "--due", due, "--today", "2026-01-20")
    run(env, "checkin", "umbrella-expansion", "--notes", "Security review scheduled", "--format", "md",
        "--today", "2026-02-02")
    run(env, "checkin", "umbrella-expansion", "--notes", "Security review scheduled", "--today", "2026-02-02")
    run(env, "close", "acme-rollout", "--won", "--on", "2026-03-20", "--today", "2026-03-23")
    run(env, "close", "globex-pilot", "--lost", "--on", "2026-03-27", "--reason", "budget cut", "--today",
        "2026-03-30")
    run(env, "close", "initech-renewal", "--won", "--on", "2026-03-13", "--today", "2026-03-13")
    run(env, "sync", "--all", "--today", AS_OF)
    return ids


#: A Salesforce Opportunity report exported as CSV ("Details Only"): report labels, US dates, the
#: currency in the amount, the Closed/Won checkboxes as 1/0, and the footer Salesforce appends.
SALESFORCE_REPORT = """\
"Opportunity Owner","Account Name","Opportunity Name","Opportunity ID","Stage","Amount","Probability (%)",\
"Created Date","Close Date","Closed","Won","Fiscal Period"
"Sam Rivera","Acme Corp","Acme rollout (renamed in CRM)","0065g00000AcmeQ","Closed Won","USD 120,000.00","100",\
"12/1/2025","3/20/2026","1","1","Q1-2026"
"Sam Rivera","Globex","Globex pilot","0065g00000GlbxZ","Closed Lost","USD 45,000.00","0","12/15/2025","3/27/2026",\
"1","0","Q1-2026"
"Ana Ortiz","Initech","Initech renewal","0065g00000InitA","Closed Won","USD 30,000.00","100","1/5/2026",\
"3/13/2026","1","1","Q1-2026"
"Ana Ortiz","Umbrella Corp","Umbrella expansion","0065g00000UmbrB","Negotiation/Review","USD 250,000.00","80",\
"11/20/2025","3/31/2026","0","0","Q1-2026"
"Sam Rivera","Stark Industries","Stark arc reactor","0065g00000StrkC","Closed Lost","USD 310,500.00","0",\
"10/1/2025","2/27/2026","1","0","Q1-2026"
"Ana Ortiz","Wayne Enterprises","Wayne security","0065g00000WaynD","Closed Won","USD 72,250.50","100",\
"11/3/2025","2/13/2026","1","1","Q1-2026"
"Ana Ortiz","Cyberdyne","Cyberdyne trial","0065g00000CybrE","Closed Lost","USD 18,000.00","0","1/8/2026",\
"3/6/2026","1","0","Q1-2026"
"Sam Rivera","Soylent","Soylent renewal","0065g00000SoylF","Prospecting","USD 9,900.00","10","3/2/2026",\
"6/30/2026","0","0","Q2-2026"

"Grand Totals (8 records)"

"Confidential Information - Do Not Distribute"
"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."
"""

#: The same deals as a HubSpot deals export: property labels, "YYYY-MM-DD HH:MM" dates, plain
#: amounts, the default pipeline's stage labels, the Record ID.
HUBSPOT_EXPORT = """\
Record ID,Deal Name,Deal Stage,Close Date,Create Date,Amount,Deal owner,Pipeline,Is Closed Won
14567890101,Acme rollout,Closed Won,2026-03-20 16:02,2025-12-01 09:15,120000,Sam Rivera,Sales Pipeline,true
14567890102,Globex pilot,Closed Lost,2026-03-27 11:40,2025-12-15 10:00,45000,Sam Rivera,Sales Pipeline,false
14567890103,Initech renewal,Closed Won,2026-03-13 17:30,2026-01-05 08:45,30000,Ana Ortiz,Sales Pipeline,true
14567890104,Umbrella expansion,Contract Sent,2026-03-31 00:00,2025-11-20 14:20,250000,Ana Ortiz,Sales Pipeline,false
14567890105,Stark arc reactor,Closed Lost,2026-02-27 12:00,2025-10-01 09:00,310500,Sam Rivera,Sales Pipeline,false
14567890106,Wayne security,Closed Won,2026-02-13 15:45,2025-11-03 11:11,72250.5,Ana Ortiz,Sales Pipeline,true
14567890107,Cyberdyne trial,Closed Lost,2026-03-06 09:30,2026-01-08 13:00,18000,Ana Ortiz,Sales Pipeline,false
14567890108,Soylent renewal,Appointment Scheduled,2026-06-30 00:00,2026-03-02 10:10,9900,Sam Rivera,Sales Pipeline,false
"""
