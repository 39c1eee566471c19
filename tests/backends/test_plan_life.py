"""Thirteen weeks of one plan's life, on every backend of the contract suite (a folder of workbooks,
and Google through the loopback emulator), through the same services the commands call.

The clock is fixed and moves a week at a time (``Config.today``, as ``--today``/``MAPWS_TODAY``
do). The buyer edits the plan the way a buyer does — in Excel (openpyxl on the file) or in Google
Sheets (gspread, signed in as the buyer) — and the rep syncs every week, runs the weekly check-in,
replans after a slip, names the decision maker, and closes the deal as won.

    week  0  Tue 2027-01-05  create from "light", US holidays, decision Wed 2027-03-31
    week  1  Tue 2027-01-12  T-01 done; the buyer makes the check-ins weekly
    week  2  Tue 2027-01-19  T-02 done late; the buyer moves T-03 a week (slip 1)
    week  3  Tue 2027-01-26  T-03 slipped again: mapws replan T-03 → Thu 01-28, its dependents follow
    week  4  Tue 2027-02-02  T-03, M-01 done; mapws assign buyer.decision_maker
    week  5-12               the rest done as they fall due; T-05 the week after it was due
    week 12  Tue 2027-03-30  M-03 decided: mapws close --won; one sync more flags nothing

The figures it checks are listed in README ("A plan's life, week by week").
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import CHECKINS, CLOSED_DAYS_COLUMN, CLOSED_DAYS_HEADER, HISTORY, OVERVIEW, PLAN
from map_workspace.sync import DATE_CODES, plan_sync
from tests.backends.test_contract import BACKENDS
from tests.support.robustness import SheetsBuyer, XlsxBuyer

CREATED = date(2027, 1, 5)  # a Tuesday
DECISION = date(2027, 3, 31)
BUYER = "Dana Tanaka <dana@acme.com>"
SELLER = "Sam Rivera <sam@seller.io>"
DECIDER = "Lee Chen <lee@acme.com>"
WEEKS = 12


def week(n: int) -> date:
    return CREATED + timedelta(weeks=n)


@pytest.fixture(params=sorted(BACKENDS))
def store(request, tmp_path):
    return BACKENDS[request.param](tmp_path)


def config(tmp_path: Path, today: date) -> Config:
    return Config(today=today, dir=tmp_path / "maps", holiday_regions=("US",), state=str(tmp_path / "seller.db"))


def buyer_of(store, ref) -> Any:  # type: ignore[no-untyped-def]
    """The buyer, editing the plan in their own program: Excel on the file, or Google Sheets as themselves."""
    if store.name == "local":
        return XlsxBuyer(Path(ref.id))
    from tests.google_emulator.clients import gspread_client
    from tests.support.emulator import shared_emulator
    from tests.support.google import buyer_credentials

    emulator = shared_emulator()
    return SheetsBuyer(gspread_client(emulator, buyer_credentials(emulator, "dana@acme.com")).open_by_key(ref.id))


def done(buyer, item_id: str, on: date) -> None:  # type: ignore[no-untyped-def]
    buyer.set(item_id, "Status", "Done")
    buyer.set(item_id, "Done on", on)


def rows_of(snapshot, tab: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[c.text for c in row] for row in snapshot.tabs[tab].rows[1:] if any(c.text for c in row)]


#: The live words of the Flag formula, by the finding the sync reports for the same item.
LIVE_WORDS = {"item.stalled": "Stalled", "item.overdue": "Overdue", "item.due_soon": "Due soon"}


def live_flags(store, ref, monkeypatch, today: date) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Google: each item's live Flag word as the buyer sees it on ``today`` (the emulator computes
    the formulas, WORKDAY over the plan's closed days included, with TODAY() set to that day)."""
    from tests.support.emulator import shared_emulator

    monkeypatch.setattr(shared_emulator().core, "fixed_today", today)
    values = buyer_of(store, ref).sh.values_get("'Plan'", params={"valueRenderOption": "UNFORMATTED_VALUE"})["values"]
    flag = next(i for i, text in enumerate(values[0]) if str(text).startswith("Flag"))
    words = {}
    for row in values[1:]:
        if row and row[0]:
            word = str(row[flag] if flag < len(row) else "").split(" · ")[0]
            words[row[0]] = word if word in LIVE_WORDS.values() else ""
    return words


def test_thirteen_weeks_of_a_plan(store, tmp_path, monkeypatch):
    (tmp_path / "maps").mkdir()
    req = app.CreateRequest("Acme rollout", DECISION, [Person.parse(BUYER)], [Person.parse(SELLER)], template="light")
    created = app.create_plan(store, req, config(tmp_path, CREATED))
    ref = created.ref
    plan = created.plan
    dues = {i.id: i.due for i in plan.items}
    slug = plan.slug
    # Scheduled forward on working days: no item on a weekend or a US holiday (MLK Day 2027-01-18 is
    # skipped between M-01 and T-04), the kick-off in the first week, the decision kept.
    assert dues == {"T-01": date(2027, 1, 7), "T-02": date(2027, 1, 12), "T-03": date(2027, 1, 15),
                    "M-01": date(2027, 1, 15), "T-04": date(2027, 1, 21), "T-05": date(2027, 2, 2),
                    "M-02": date(2027, 2, 2), "M-03": DECISION, "T-06": date(2027, 4, 5)}
    assert created.schedule.buffer_days == 39
    needs_owner = [i.id for i in plan.items if not i.owner]
    assert needs_owner == ["M-02", "M-03"]

    seen: dict[int, Any] = {}

    def sync(n: int) -> Any:
        outcome = app.sync_plan(store, slug, config(tmp_path, week(n)))
        seen[n] = outcome
        if store.name == "google":  # the sheet's live flags say what the sync found, that week
            found = {f.id: LIVE_WORDS[f.code] for f in outcome.result.findings if f.code in LIVE_WORDS}
            assert live_flags(store, ref, monkeypatch, week(n)) == {i: found.get(i, "") for i in dues}, n
        return outcome

    def checkin(n: int, notes: str = "") -> Any:
        return app.run_checkin(store, slug, config(tmp_path, week(n)), notes=notes)

    # Week 1: the kick-off is done; the buyer wants to meet every week.
    buyer = buyer_of(store, ref)
    done(buyer, "T-01", date(2027, 1, 7))
    buyer.set_overview("Check-in cadence", "Weekly, 30 minutes")
    buyer.save()
    sync(1)
    week1 = checkin(1, "Kick-off done; weekly from now on")
    assert week1.agenda.next == date(2027, 1, 19)

    # Week 2: requirements done a day late; the demo moves a week.
    buyer = buyer_of(store, ref)
    done(buyer, "T-02", date(2027, 1, 13))
    buyer.set("T-03", "Due", date(2027, 1, 22))
    buyer.save()
    sync(2)
    since = app.plan_history(store, slug, config(tmp_path, week(2)), since_checkin=True)
    # What changed since last week's check-in: this week's edits only (week 1's were on its agenda).
    assert [(c["id"], c["field"], c["after"]) for c in since.changes] == [("T-02", "Status", "Done"),
                                                                         ("T-03", "Due", "2027-01-22")]
    checkin(2)

    # Week 3: the demo slipped again; the rep agrees a new date and moves what depends on it.
    sync(3)
    replan = app.replan_plan(store, slug, config(tmp_path, week(3)), item="T-03", due=date(2027, 1, 28))
    moved = [(m.id, m.before, m.after) for m in replan.replan.moves]
    checkin(3)

    # Week 4: the demo and the validation done; the decision maker named.
    buyer = buyer_of(store, ref)
    done(buyer, "T-03", date(2027, 1, 28))
    done(buyer, "M-01", date(2027, 1, 29))
    buyer.save()
    sync(4)
    assigned = app.assign_people(store, slug, {"buyer.decision_maker": Person.parse(DECIDER)},
                                 config(tmp_path, week(4)))
    checkin(4)

    # Weeks 5 to 12: the rest done as they fall due; the budget review a working day late.
    plan_of_week = {5: [("T-04", date(2027, 2, 3))], 7: [("T-05", date(2027, 2, 17)), ("M-02", date(2027, 2, 18))],
                    12: [("M-03", date(2027, 3, 30))]}
    for n in range(5, WEEKS + 1):
        if n in plan_of_week:
            buyer = buyer_of(store, ref)
            for item_id, on in plan_of_week[n]:
                done(buyer, item_id, on)
            buyer.save()
        sync(n)
        if n < WEEKS:
            checkin(n)
    closed = app.close_plan(store, slug, config(tmp_path, week(WEEKS)), outcome="won", reason="SSO story")
    after_close = sync(WEEKS)
    final = checkin(WEEKS, "Decided: won")

    # Every week's sync, as the rep saw it: progress, health and what the dates flagged.
    weekly = {n: (o.result.assessment.progress.percent, o.result.assessment.health.value, o.changes,
                  sorted(f"{f.code.removeprefix('item.')} {f.id}" for f in o.result.findings if f.code in DATE_CODES))
              for n, o in sorted(seen.items())}
    assert weekly == WEEKLY
    assert moved == MOVED
    assert [a.as_json() for a in assigned.assignments] == [
        {"role": "buyer.decision_maker", "person": DECIDER, "items": ["M-02", "M-03"], "kept": [],
         "added_to_stakeholders": True}]

    # The plan as it ends: 8 of 9 done (onboarding is after the decision), six slips on five items,
    # closed as won the day before the decision date.
    snapshot = store.read(ref)
    end = plan_sync(snapshot, week(WEEKS)).plan
    assert {i.id: i.slips for i in end.items if i.slips} == {"T-03": 2, "M-01": 1, "T-04": 1, "T-05": 1, "M-02": 1}
    assert {i.id: i.baseline for i in end.items if i.slips} == {
        "T-03": date(2027, 1, 15), "M-01": date(2027, 1, 15), "T-04": date(2027, 1, 21), "T-05": date(2027, 2, 2),
        "M-02": date(2027, 2, 2)}
    assert [i.id for i in end.items if i.is_open] == ["T-06"]
    assert {i.id: i.owner for i in end.items if i.id in ("M-02", "M-03")} == {"M-02": "Lee Chen", "M-03": "Lee Chen"}
    overview = {row[0].text: row[1].text for row in snapshot.tabs[OVERVIEW].rows if len(row) > 1}
    assert overview["Health"] == "Closed — won on 2027-03-30"
    assert overview["Projected decision date"] == "2027-03-30"
    assert (closed.outcome, closed.on) == ("won", week(WEEKS))
    a = after_close.result.assessment
    assert (a.progress.done, a.progress.total, a.progress.percent) == (8, 9, 89)
    # Closed: nothing is flagged by date any more, in the findings or in the sheet's live formulas.
    assert not [f for f in after_close.result.findings if f.code in DATE_CODES]
    flags = [row[12].formula or "" for row in snapshot.tabs[PLAN].rows[1:] if len(row) > 12 and row[0].text]
    assert len(flags) == 9 and not any("TODAY()" in f for f in flags)

    # History: one row per change observed or made, by field.
    history = rows_of(snapshot, HISTORY)
    fields: dict[str, int] = {}
    for row in history:
        fields[row[3]] = fields.get(row[3], 0) + 1
    assert (len(history), fields) == (19, {"Plan": 2, "Status": 8, "Due": 6, "Owner": 2, "Stakeholders": 1})
    assert sum(1 for row in history if row[7].startswith("replanned:")) == 5
    assert history[-1][4:6] == ["Open", "Closed — won on 2027-03-30"]

    # Check-ins: twelve weekly rows, each with its agenda and the next one a week later.
    checkins = rows_of(snapshot, CHECKINS)
    assert [row[0] for row in checkins] == [week(n).isoformat() for n in range(1, WEEKS + 1)]
    assert [row[7] for row in checkins] == [week(n + 1).isoformat() for n in range(1, WEEKS + 1)]
    assert all(row[5] for row in checkins)
    # "Done since last": each item once, at the first check-in after it was done (the sync run just
    # before a check-in logs its edits that same day: the next check-in does not count them again).
    assert [row[2] for row in checkins] == ["T-01", "T-02", "", "T-03, M-01", "T-04", "", "T-05, M-02", "", "", "",
                                            "", "M-03"]
    assert (checkins[0][6], checkins[-1][6]) == ("Kick-off done; weekly from now on", "Decided: won")
    assert final.agenda.overdue == () and [i.id for i in final.agenda.next_two_weeks] == ["T-06"]


#: Week → (progress %, health, changes the sync wrote, date flags the sync found). Due soon counts
#: working days: on Tue 01-12 three working days reach Fri 01-15.
WEEKLY = {
    1: (11, "on_track", 4, ["due_soon M-01", "due_soon T-02", "due_soon T-03"]),
    2: (22, "on_track", 8, ["due_soon T-03", "due_soon T-04", "overdue M-01"]),
    3: (22, "at_risk", 2, ["overdue T-03", "overdue T-04", "stalled M-01"]),
    4: (44, "on_track", 9, ["due_soon T-04"]),
    5: (56, "on_track", 8, ["due_soon M-02", "due_soon T-05"]),
    6: (56, "on_track", 0, ["overdue M-02", "overdue T-05"]),
    7: (78, "on_track", 9, []),
    8: (78, "on_track", 0, []),
    9: (78, "on_track", 0, []),
    10: (78, "on_track", 0, []),
    11: (78, "on_track", 0, []),
    12: (89, "on_track", 0, []),
}
#: The replan of week 3: T-03 to Thu 01-28; what depends on it follows on working days (T-04 three
#: after M-01, T-05 eight after T-04); the decision (M-03, Wed 03-31) keeps its date.
MOVED = [("T-03", date(2027, 1, 22), date(2027, 1, 28)), ("M-01", date(2027, 1, 15), date(2027, 1, 28)),
         ("T-04", date(2027, 1, 21), date(2027, 2, 2)), ("T-05", date(2027, 2, 2), date(2027, 2, 12)),
         ("M-02", date(2027, 2, 2), date(2027, 2, 12))]


# --- an older plan: "due soon" moves to working days on its next sync -------------------------------

OLD_SOON = "-TODAY()<=3"


def _make_older(store, ref) -> None:  # type: ignore[no-untyped-def]
    """Turn a new plan into one made before "due soon" counted working days: its Flag formulas and
    its due-soon colour rule count calendar days, and its state tab holds no closed days."""
    def older(formula: str) -> str:
        return (formula.replace("<=WORKDAY(TODAY(),3,INDIRECT(\"'_mapws'!$L$2:$L$1000\"))", OLD_SOON)
                .replace("<=WORKDAY(TODAY(),3,'_mapws'!$L$2:$L$1000)", OLD_SOON))

    if store.name == "local":
        from openpyxl import load_workbook

        wb = load_workbook(ref.id)
        for row in wb[PLAN].iter_rows(min_row=2):
            cell = row[12]
            if isinstance(cell.value, str) and "WORKDAY" in cell.value:
                cell.value = older(cell.value)
        for cf in wb[PLAN].conditional_formatting:
            for rule in cf.rules:
                if rule.formula and "WORKDAY" in rule.formula[0]:
                    rule.formula = [older(rule.formula[0])]
        state = wb["_mapws"]
        for r in range(1, state.max_row + 1):
            state.cell(r, CLOSED_DAYS_COLUMN + 1).value = None
        wb.save(ref.id)
        return
    from tests.google_emulator.clients import sheets_service
    from tests.support.emulator import shared_emulator

    api = sheets_service(shared_emulator()).spreadsheets()
    data = api.get(spreadsheetId=ref.id, includeGridData=True,
                   fields="sheets(properties(sheetId,title),conditionalFormats,"
                          "data(rowData(values(userEnteredValue))))").execute()
    requests: list[dict[str, Any]] = []
    for sheet in data["sheets"]:
        sheet_id, title = sheet["properties"]["sheetId"], sheet["properties"]["title"]
        if title == "_mapws":
            requests.append({"updateCells": {"range": {"sheetId": sheet_id, "startColumnIndex": CLOSED_DAYS_COLUMN,
                                                       "endColumnIndex": CLOSED_DAYS_COLUMN + 1},
                                             "fields": "userEnteredValue"}})
        if title != PLAN:
            continue
        for index, rule in enumerate(sheet.get("conditionalFormats", [])):
            value = rule["booleanRule"]["condition"]["values"][0]
            if "WORKDAY" in value["userEnteredValue"]:
                value["userEnteredValue"] = older(value["userEnteredValue"])
                requests.append({"updateConditionalFormatRule": {"sheetId": sheet_id, "index": index, "rule": rule}})
        for r, row in enumerate(sheet["data"][0].get("rowData", [])):
            values = row.get("values", [])
            formula = values[12].get("userEnteredValue", {}).get("formulaValue", "") if len(values) > 12 else ""
            if "WORKDAY" in formula:
                requests.append({"updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": r, "columnIndex": 12},
                    "rows": [{"values": [{"userEnteredValue": {"formulaValue": older(formula)}}]}],
                    "fields": "userEnteredValue"}})
    api.batchUpdate(spreadsheetId=ref.id, body={"requests": requests}).execute()


def _rule_formulas(store, ref) -> list[str]:  # type: ignore[no-untyped-def]
    if store.name == "local":
        from openpyxl import load_workbook

        ws = load_workbook(ref.id)[PLAN]
        return [f for cf in ws.conditional_formatting for r in cf.rules for f in (r.formula or ())[:1]]
    from tests.google_emulator.clients import sheets_service
    from tests.support.emulator import shared_emulator

    data = sheets_service(shared_emulator()).spreadsheets().get(
        spreadsheetId=ref.id, fields="sheets(properties(title),conditionalFormats(booleanRule(condition(values))))",
    ).execute()
    plan = next(s for s in data["sheets"] if s["properties"]["title"] == PLAN)
    return [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in plan.get("conditionalFormats", [])]


def test_an_older_plan_counts_working_days_after_its_next_sync(store, tmp_path):
    (tmp_path / "maps").mkdir()
    req = app.CreateRequest("Acme rollout", DECISION, [Person.parse(BUYER)], [Person.parse(SELLER)], template="light")
    ref = app.create_plan(store, req, config(tmp_path, CREATED)).ref
    _make_older(store, ref)
    old = store.read(ref)
    assert not old.formats_ok
    flags = [row[12].formula or "" for row in old.tabs[PLAN].rows[1:] if len(row) > 12 and row[0].text]
    assert len(flags) == 9 and all(OLD_SOON in f and "WORKDAY" not in f for f in flags)
    assert sum(OLD_SOON in f for f in _rule_formulas(store, ref)) == 1

    outcome = app.sync_plan(store, "acme-rollout", config(tmp_path, week(1)))
    assert outcome.written
    after = store.read(ref)
    flags = [row[12].formula or "" for row in after.tabs[PLAN].rows[1:] if len(row) > 12 and row[0].text]
    assert len(flags) == 9 and all("WORKDAY(TODAY(),3,'_mapws'!$L$2:$L$1000)" in f and OLD_SOON not in f
                                   for f in flags)
    rules = _rule_formulas(store, ref)
    assert len(rules) == 5 and not any(OLD_SOON in f for f in rules)
    assert sum("WORKDAY(TODAY(),3,INDIRECT(" in f for f in rules) == 1
    # The plan's closed weekdays for the years its dates span (2027): US holidays Mon to Fri.
    state = after.tabs["_mapws"]
    days = [state.cell(r, CLOSED_DAYS_COLUMN).value for r in range(len(state.rows))]
    assert days[0] == CLOSED_DAYS_HEADER
    assert [d for d in days[1:] if d] == [
        date(2027, 1, 1), date(2027, 1, 18), date(2027, 2, 15), date(2027, 5, 31), date(2027, 6, 18),
        date(2027, 7, 5), date(2027, 9, 6), date(2027, 10, 11), date(2027, 11, 11), date(2027, 11, 25),
        date(2027, 12, 24), date(2027, 12, 31)]
    assert app.sync_plan(store, "acme-rollout", config(tmp_path, week(1))).changes == 0
