"""The buyer-edit scenario end to end through the CLI, on the local backend (issue 2)."""

import json
from datetime import date, timedelta

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.comments import Comment

from map_workspace.cli import cli
from map_workspace.layout import PLAN, PLAN_TAB, Owner, normalise_header

CREATED = date(2026, 3, 2)
SYNC_DAY = date(2026, 4, 27)


def run(*args, ok=(0,)):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in ok, result.output
    return result


def plan_rows(ws):
    cols = {normalise_header(c.value): c.column for c in ws[1] if c.value}
    rows = {}
    for r in range(2, ws.max_row + 1):
        item_id = ws.cell(r, cols["id"]).value
        if item_id:
            rows[item_id] = r
    return cols, rows


def buyer_values(path):
    """Every buyer-editable Plan cell, by ID and header."""
    ws = openpyxl.load_workbook(path)[PLAN]
    cols, rows = plan_rows(ws)
    keys = [normalise_header(c.header) for c in PLAN_TAB.columns if c.owner is Owner.BUYER]
    return {(i, k): ws.cell(r, cols[k]).value for i, r in rows.items() for k in keys}


@pytest.fixture
def edited_plan(tmp_path):
    out = run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
              "--buyer", "Lee Chen <lee@acme.com>", "--seller", "Sam Rivera <sam@seller.io>",
              "--role", "buyer.cfo=Priya Shah <priya@acme.com>", "--dir", tmp_path, "--today", CREATED,
              "--json")
    created = json.loads(out.output)
    path = created["plan"]
    wb = openpyxl.load_workbook(path)
    ws = wb[PLAN]
    cols, rows = plan_rows(ws)

    def cell(item_id, key):
        return ws.cell(rows[item_id], cols[key])

    by_due = sorted(rows, key=lambda i: cell(i, "due").value)
    tasks = [i for i in by_due if i.startswith("T")]
    milestones = [i for i in by_due if i.startswith("M")]
    story = {
        "group": tasks[5], "unreadable": tasks[6], "status": tasks[7], "formula": tasks[8],
        "overdue": tasks[0], "deleted": tasks[-1], "milestone": milestones[-2],
    }
    cell(tasks[1], "status").value = "Done"
    cell(tasks[2], "status").value = "complete"
    cell(story["group"], "owner").value = "IT team"
    cell(story["unreadable"], "due").value = "next Friday"
    cell(story["unreadable"], "due").comment = Comment("Dana: waiting for the security calendar", "Dana")
    cell(story["status"], "status").value = "soon-ish"
    injected = '=HYPERLINK("http://evil.example","click")'
    c = cell(story["formula"], "notes")
    c.value = injected
    c.data_type = "s"  # typed as text (Excel: a leading apostrophe)
    ms_due = cell(story["milestone"], "due").value
    cell(story["milestone"], "due").value = ms_due + timedelta(days=7)
    ws.delete_rows(rows[story["deleted"]])
    new_row = ws.max_row + 1
    for key, value in {"activity": "Reference call with a retail customer", "owner": "Lee",
                       "due": SYNC_DAY + timedelta(days=4), "status": "Not started", "side": "Buyer"}.items():
        ws.cell(new_row, cols[key]).value = value
    # Sort the item rows by Activity, as a buyer would with Data → Sort (values move, formulas don't adjust).
    data = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(2, ws.max_row + 1)]
    notes = {r: [ws.cell(r, c).comment for c in range(1, ws.max_column + 1)] for r in range(2, ws.max_row + 1)}
    order = sorted(range(len(data)), key=lambda k: str(data[k][cols["activity"] - 1]))
    for new_r, k in enumerate(order, start=2):
        for c, value in enumerate(data[k], start=1):
            target = ws.cell(new_r, c)
            target.value = value
            target.comment = notes[k + 2][c - 1]
            if c == cols["notes"] and value == injected:
                target.data_type = "s"
    own = wb.create_sheet("Our notes")
    own["A1"] = "Internal buyer tab"
    own["B2"] = 42
    wb.save(path)
    return path, story, ms_due, injected


def test_buyer_edits_are_read_flagged_and_kept_and_a_second_sync_changes_nothing(edited_plan, tmp_path):
    path, story, ms_due, injected = edited_plan
    before = buyer_values(path)
    out = run("sync", path, "--today", SYNC_DAY, "--json")
    result = json.loads(out.output)
    assert result["changes"] > 0
    found = {(f["code"], f["id"]) for f in result["findings"]}
    assert ("owner.group", story["group"]) in found
    assert ("date.unparseable", story["unreadable"]) in found
    assert ("status.unknown", story["status"]) in found
    assert ("item.stalled", story["overdue"]) in found or ("item.overdue", story["overdue"]) in found
    assert set(result["progress"]) == {"done", "total", "percent"} and result["progress"]["done"] == 2
    assert result["health"] in ("on_track", "at_risk", "off_track")

    wb = openpyxl.load_workbook(path)
    ws = wb[PLAN]
    cols, rows = plan_rows(ws)
    # Findings point at the right cells after the sort.
    group = next(f for f in result["findings"] if f["code"] == "owner.group")
    assert ws[group["cell"]].value == "IT team"
    assert "[mapws]" in ws[group["cell"]].comment.text
    unreadable = ws.cell(rows[story["unreadable"]], cols["due"])
    assert unreadable.value == "next Friday"
    assert unreadable.comment.text.startswith("Dana: waiting for the security calendar")
    assert "[mapws]" in unreadable.comment.text
    # The new row got the next ID and its baseline; the deleted row is in History.
    new_id = next(i for i, r in rows.items() if ws.cell(r, cols["activity"]).value.startswith("Reference call"))
    assert new_id.startswith("T-")
    assert ws.cell(rows[new_id], cols["baseline"]).value.date() == SYNC_DAY + timedelta(days=4)
    titles = [str(c.value).split(" (")[0] for c in wb["History"][1]]
    # When · ID · Field · From · To · Note, leaving out the activity and who
    keep = [i for i, title in enumerate(titles) if title not in ("Activity", "By")]
    history = [[r[i] for i in keep] for r in wb["History"].iter_rows(min_row=2, values_only=True)]
    assert any(h[1] == story["deleted"] and "removed" in (h[5] or "") for h in history)
    assert any(h[1] == new_id and h[2] == "Row" for h in history)
    # The moved milestone slipped once; its baseline is the first agreed date.
    assert ws.cell(rows[story["milestone"]], cols["slips"]).value == 1
    assert ws.cell(rows[story["milestone"]], cols["baseline"]).value.date() == ms_due.date()
    # A formula typed into Notes stays inert text.
    notes = ws.cell(rows[story["formula"]], cols["notes"])
    assert notes.value == injected and notes.data_type == "s"
    # The buyer's own tab survives.
    assert wb["Our notes"]["B2"].value == 42
    # Not one buyer value changed.
    after = buyer_values(path)
    assert {k: v for k, v in after.items() if k[0] in {i for i, _ in before}} == {
        k: v for k, v in before.items() if k[0] in {i for i, _ in after}}

    again = json.loads(run("sync", path, "--today", SYNC_DAY, "--json").output)
    assert again["changes"] == 0
    assert again["findings"] == result["findings"]


def test_dry_run_lists_the_planned_changes_and_writes_nothing(edited_plan):
    path, *_ = edited_plan
    before = open(path, "rb").read()
    out = json.loads(run("sync", path, "--today", SYNC_DAY, "--json", "--dry-run").output)
    assert out["changes"] == len(out["planned"]) > 0 and out["written"] is False
    assert open(path, "rb").read() == before


def test_strict_exits_1_with_error_findings(edited_plan):
    path, *_ = edited_plan
    run("sync", path, "--today", SYNC_DAY, "--strict", ok=(1,))
    run("sync", path, "--today", SYNC_DAY, "--fail-on", "overdue", ok=(1,))


def test_a_tripped_policy_keeps_stdout_to_one_json_object(edited_plan):
    path, *_ = edited_plan
    out = run("sync", path, "--today", SYNC_DAY, "--strict", "--json", ok=(1,))
    assert len(out.stdout.strip().splitlines()) == 1 and "findings" in json.loads(out.stdout)


def test_escape_sequences_typed_by_a_buyer_never_reach_the_terminal(tmp_path):
    out = run("create", "Esc deal", "--decision-date", "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.com>",
              "--dir", tmp_path, "--today", CREATED, "--json")
    path = json.loads(out.output)["plan"]
    wb = openpyxl.load_workbook(path)
    ws = wb[PLAN]
    cols, rows = plan_rows(ws)
    # xlsx cannot hold ESC (Excel and openpyxl refuse it; Google cells can, the same filter applies),
    # but it can hold bidi overrides, which reorder what the terminal shows.
    ws.cell(rows["T-01"], cols["owner"]).value = "IT team\u202e\u2066gnp.exe"
    wb.save(path)
    plain = run("sync", path, "--today", SYNC_DAY)
    assert "IT team" in plain.output
    assert not {"\u202e", "\u2066", "\x1b"} & set(plain.output)


def test_findings_name_the_column_header_as_the_buyer_sees_it(edited_plan):
    path, story, *_ = edited_plan
    result = json.loads(run("sync", path, "--today", SYNC_DAY, "--json").output)
    fields = {(f["code"], f["field"]) for f in result["findings"]}
    assert ("owner.group", "Owner") in fields and ("date.unparseable", "Due") in fields


def test_a_buyer_moving_the_target_decision_date_in_the_workbook(tmp_path):
    created = json.loads(run("create", "Acme rollout", "--decision-date", "2026-06-30", "--buyer",
                             "Dana Tanaka <dana@acme.com>", "--dir", tmp_path, "--today", CREATED, "--json").output)
    path = created["plan"]
    wb = openpyxl.load_workbook(path)
    overview = wb["Overview"]
    row = {overview.cell(r, 1).value: r for r in range(1, overview.max_row + 1)}
    mutual = overview.cell(row["Mutual goal"], 2).value
    overview.cell(row["Target decision date"], 2).value = date(2026, 7, 10)
    wb.save(path)

    synced = json.loads(run("sync", path, "--today", CREATED, "--json", ok=(0, 1)).output)
    assert "decision.target_moved" in {f["code"] for f in synced["findings"]}
    wb = openpyxl.load_workbook(path)
    assert wb["Overview"].cell(row["Mutual goal"], 2).value == mutual.replace("2026-06-30", "2026-07-10")
    log = wb["History"]
    column = {str(log.cell(1, c).value).removesuffix(" (auto)"): c - 1 for c in range(1, log.max_column + 1)}
    history = [tuple(r[column[h]].value for h in ("ID", "Field", "From", "To")) for r in log.iter_rows(min_row=2)]
    assert ("", "Target decision date", "2026-06-30", "2026-07-10") in [
        (a or "", b, c, d) for a, b, c, d in history]
    ws = wb[PLAN]
    cols, rows = plan_rows(ws)
    dues = [ws.cell(r, cols["due"]).value for r in rows.values()]
    assert max(d.date() if hasattr(d, "date") else d for d in dues) == date(2026, 7, 10)
    assert json.loads(run("sync", path, "--today", CREATED, "--json", ok=(0, 1)).output)["changes"] == 0
