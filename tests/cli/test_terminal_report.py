"""What the rep reads in the terminal after status and sync (issue 9, items 1–3), local backend."""

import json
import os
import re
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from map_workspace.layout import PLAN, normalise_header
from tests.support.plans import create_local

CREATED = "2026-11-02"
TODAY = "2026-12-21"
BUYER = "Dana Tanaka <dana@acme.com>"


def run(*args, code=0, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


def as_json(*args, code=0):
    return json.loads(run(*args, "--json", code=code).stdout)


def columns(ws):
    cols = {normalise_header(c.value): c.column for c in ws[1] if c.value}
    rows = {ws.cell(r, cols["id"]).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, cols["id"]).value}
    return cols, rows


@pytest.fixture
def plan(tmp_path):
    """A 13-week plan the buyer edited in Excel: T-01 done, M-01 moved later, T-20 deleted, a row added."""
    path = create_local(tmp_path, "Acme rollout", "--decision-date", "2027-02-26", "--buyer", BUYER, "--seller",
                        "Sam Rivera <sam@seller.io>", "--today", CREATED)
    wb = openpyxl.load_workbook(path)
    ws = wb[PLAN]
    cols, rows = columns(ws)
    ws.cell(rows["T-01"], cols["status"]).value = "Done"
    due = ws.cell(rows["M-01"], cols["due"]).value
    ws.cell(rows["M-01"], cols["due"]).value = due + timedelta(days=14)
    activities = {i: ws.cell(r, cols["activity"]).value for i, r in rows.items()}
    ws.delete_rows(rows["T-20"])
    new_row = ws.max_row + 1
    for key, value in {"activity": "Reference call with a retail customer", "owner": "Dana Tanaka",
                       "due": date(2027, 1, 8), "status": "Not started", "side": "Buyer"}.items():
        ws.cell(new_row, cols[key]).value = value
    wb.properties.lastModifiedBy = "Dana Tanaka"
    wb.save(path)
    saved = datetime.fromisoformat(f"{TODAY}T09:00").timestamp() - 86400  # the buyer saved it the day before
    os.utime(path, (saved, saved))
    return {"path": path, "dir": tmp_path, "activities": activities, "m01_due": due.date() if hasattr(due, "date")
            else due}


# --- item 1: status tells the truth ------------------------------------------------------------

def test_status_counts_what_sync_dry_run_would_write(plan):
    status = run("status", "acme-rollout", "--dir", plan["dir"], "--today", TODAY).stdout
    dry = run("sync", "acme-rollout", "--dry-run", "--dir", plan["dir"], "--today", TODAY).stdout
    status_json = as_json("status", "acme-rollout", "--dir", plan["dir"], "--today", TODAY)
    dry_json = as_json("sync", "acme-rollout", "--dry-run", "--dir", plan["dir"], "--today", TODAY)
    n = dry_json["changes"]
    assert n == len(dry_json["planned"]) > 0
    assert status_json["changes"] == n and status_json["findings"] == dry_json["findings"]
    assert status_json["written"] is False and dry_json["written"] is False
    assert f"would write {n} change(s)" in status.splitlines()[0]
    assert status.splitlines()[0] == dry.splitlines()[0]
    assert "nothing to write" not in status
    synced = as_json("sync", "acme-rollout", "--dir", plan["dir"], "--today", TODAY)
    assert synced["changes"] == n and synced["written"] is True  # what was announced is what was written


def test_status_all_says_what_it_would_write_not_that_it_synced(plan, tmp_path):
    env = {"MAPWS_STATE": str(tmp_path / "state.sqlite")}
    out = run("status", "--all", "--dir", plan["dir"], "--today", TODAY, env=env).stdout
    n = as_json("status", "acme-rollout", "--dir", plan["dir"], "--today", TODAY)["changes"]
    assert "synced" not in out and "Changes" not in out
    assert f"would write {n} change(s)" in out and "nothing written" in out
    totals = json.loads(run("status", "--all", "--dir", plan["dir"], "--today", TODAY, "--json",
                            env=env).stdout.splitlines()[-1])["totals"]
    assert totals["changes"] == n and totals["dry_run"] is True


# --- item 2: findings a person can act on ------------------------------------------------------

def test_each_finding_line_names_item_activity_cell_and_hint(plan):
    out = run("status", "acme-rollout", "--dir", plan["dir"], "--today", TODAY).stdout
    t10 = plan["activities"]["T-10"]
    line = next(ln for ln in out.splitlines() if f"T-10 {t10}: no owner" in ln)
    assert re.search(r"\(Plan!E\d+\)$", line), line
    hint = out.splitlines()[out.splitlines().index(line) + 1]
    assert hint.strip().startswith("→ Name one person from the Stakeholders tab")
    # No bare cell reference that reads like an error code, and no ID said twice.
    assert not re.search(r"(?<![!\w-])[A-Z]{1,2}\d+\b", out), out
    assert "T-10 T-10" not in out
    quiet = run("status", "acme-rollout", "--dir", plan["dir"], "--today", TODAY, "--quiet").stdout
    assert f"T-10 {t10}: no owner" in quiet
    assert not [ln for ln in quiet.splitlines() if ln.strip().startswith("→")]


def test_json_findings_keep_their_codes_and_name_the_activity(plan):
    out = as_json("status", "acme-rollout", "--dir", plan["dir"], "--today", TODAY)
    t10 = next(f for f in out["findings"] if f["id"] == "T-10" and f["code"] == "owner.missing")
    assert t10["activity"] == plan["activities"]["T-10"] and re.fullmatch(r"E\d+", t10["cell"])


# --- item 3: what changed ----------------------------------------------------------------------

def test_sync_says_what_the_buyer_changed_and_who(plan):
    out = run("sync", "acme-rollout", "--dir", plan["dir"], "--today", TODAY).stdout
    acts = plan["activities"]
    moved = plan["m01_due"]
    assert "What changed (last edited by Dana Tanaka):" in out
    assert f"M-01 {acts['M-01']}: due moved {moved} → {moved + timedelta(days=14)} (slip 1)" in out
    assert f"T-01 {acts['T-01']}: done" in out
    assert f"T-20 {acts['T-20']}: deleted" in out
    assert re.search(r"T-\d+ Reference call with a retail customer: added", out)
    # The findings come after what changed.
    assert out.index("What changed") < out.index("no owner")
    # mapws's own save is not a buyer's: the file now says mapws, and a second sync changes nothing.
    assert openpyxl.load_workbook(plan["path"]).properties.lastModifiedBy == "mapws"
    again = run("sync", "acme-rollout", "--dir", plan["dir"], "--today", TODAY).stdout
    assert "What changed" not in again


def test_json_lists_what_changed(plan):
    out = as_json("sync", "acme-rollout", "--dir", plan["dir"], "--today", TODAY)
    assert out["changed_by"] == "Dana Tanaka"
    by_id = {c["id"]: c for c in out["changed"]}
    assert by_id["T-01"]["field"] == "Status" and by_id["T-01"]["to"] == "Done"
    assert by_id["T-01"]["text"] == f"T-01 {plan['activities']['T-01']}: done"
    assert by_id["M-01"]["field"] == "Due" and by_id["M-01"]["text"].endswith("(slip 1)")
    assert by_id["T-20"]["text"].endswith(": deleted")
    again = as_json("sync", "acme-rollout", "--dir", plan["dir"], "--today", TODAY)
    assert again["changed"] == [] and again["changed_by"] is None


# --- item 4: a night read in a cron mail -------------------------------------------------------

def test_night_without_a_terminal_prints_plain_text_per_plan_then_totals(plan, tmp_path):
    env = {"MAPWS_STATE": str(tmp_path / "state.sqlite")}
    out = run("sync", "--all", "--dir", plan["dir"], "--today", TODAY, env=env).stdout
    lines = out.splitlines()
    acts = plan["activities"]
    assert lines[0].startswith("acme-rollout: ") and "change(s) written" in lines[0] and "At risk" in lines[0]
    assert lines[1] == "  What changed (last edited by Dana Tanaka):"
    assert f"    T-01 {acts['T-01']}: done" in lines
    t10 = next(i for i, ln in enumerate(lines) if ln.startswith(f"  error   T-10 {acts['T-10']}: no owner (Plan!E"))
    assert lines[t10 + 1].strip().startswith("→ Name one person")
    assert "By owner:" in lines and lines[-1].startswith("1 of 1 plan(s) synced (0 unchanged, not read), 0 failed, ")
    # No table, no width limit: nothing boxed or cut to 80 columns.
    assert max(map(len, lines)) > 100 and "…" not in out and not set("┃━│─┏") & set(out)
    # The next night: unchanged, not read, and still says what needs doing.
    later = run("sync", "--all", "--dir", plan["dir"], "--today", TODAY, env=env).stdout
    assert later.startswith("acme-rollout: unchanged, nothing to write · ") and "What changed" not in later
    assert f"T-10 {acts['T-10']}: no owner (Plan!E" in later


def test_a_renamed_tab_is_named_as_the_buyer_sees_it(plan):
    wb = openpyxl.load_workbook(plan["path"])
    wb[PLAN].title = "Action plan"
    wb.save(plan["path"])
    out = run("status", "acme-rollout", "--dir", plan["dir"], "--today", TODAY).stdout
    assert re.search(rf"T-10 {re.escape(plan['activities']['T-10'])}: no owner \('Action plan'!E\d+\)$", out, re.M)
