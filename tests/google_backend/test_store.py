"""The Google PlanStore against the emulator: what a buyer does to the sheet (rename tabs, write
notes, type formula-looking text, delete tabs), what Google does to us (faults, 429s, 401/403/404),
sharing, templates, the summary document — and the retry policy and error mapping themselves."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import httplib2
import pytest
import requests
from googleapiclient.errors import HttpError

from map_workspace import app
from map_workspace.backends.google.errors import GoogleApiFailed, GoogleAuthError, GooglePermissionDenied, translate
from map_workspace.backends.google.retry import RetriesExhausted, RetryPolicy, describe_failure, is_retryable
from map_workspace.backends.google.sheets_io import KEY_TAB, PROTECTED_DESCRIPTION, from_serial, serial
from map_workspace.backends.google.store import GooglePlanStore
from map_workspace.changes import ChangeSet, NoteWrite, history_columns, note_block
from map_workspace.config import Config
from map_workspace.domain.model import Item, ItemType, Person, Side, Status
from map_workspace.errors import PlanNotFound, UsageError
from map_workspace.layout import HISTORY, PLAN, STAKEHOLDERS, STATE, a1
from map_workspace.ports import PlanRef
from map_workspace.reading import read_plan
from map_workspace.render import render_plan
from map_workspace.sync import plan_sync
from tests.support.google import buyer_credentials, calls, is_sheets_write
from tests.support.plans import meta_for, small_plan, state_for

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
DANA = "dana@acme.example"


def create(store, deal="Acme rollout", share=(DANA,), template_id=""):
    req = app.CreateRequest(deal, date(2026, 6, 30), [Person.parse(f"Dana Tanaka <{DANA}>")],
                            [Person.parse("Sam Rivera <sam@seller.example>")])
    new = app.build_new_plan(req, Config(), TODAY, NOW)
    ref = store.create(new.snapshot, slug=new.plan.slug, title=deal, template_id=template_id)
    store.share(ref, list(share))
    return ref, new.plan


def sync(store, ref, today=TODAY):
    now = datetime.combine(today, NOW.timetz())
    result = plan_sync(store.read(ref), today, now=now)
    if not result.changes.is_empty:
        store.apply(ref, store.read(ref), result.changes)
    return result


def plan_sheet(emulator, spreadsheet_id, title=PLAN):
    spreadsheet = emulator.core.spreadsheets[spreadsheet_id]
    return next(s for s in spreadsheet.sheets if s.title == title)


# --- what buyers do ---------------------------------------------------------------------------------


def test_a_buyer_renaming_tabs_does_not_break_the_read(google_store, buyer):
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    spreadsheet.worksheet("Plan").update_title("Our plan")
    spreadsheet.worksheet("Stakeholders").update_title("People")
    spreadsheet.add_worksheet("Dana's notes", rows=10, cols=3)

    snapshot = store.read(ref)
    assert snapshot.tabs[PLAN].title == "Our plan"
    assert snapshot.tabs[STAKEHOLDERS].title == "People"
    assert snapshot.extra_tabs == ()  # the read asks for the contract tabs' named ranges only
    assert [i.id for i in read_plan(snapshot, today=TODAY).plan.items] == [i.id for i in plan.items]
    later = TODAY + timedelta(days=30)
    sync(store, ref, later)
    assert plan_sync(store.read(ref), later, now=NOW + timedelta(days=30)).changes.is_empty


def test_the_buyers_own_note_is_kept_when_the_product_adds_and_removes_its_block(google_store, buyer, emulator):
    store = google_store()
    ref, _ = create(store)
    sheet = buyer(DANA).open_by_key(ref.id).worksheet("Plan")
    owner_col = sheet.row_values(1).index("Owner") + 1
    sheet.update_cell(2, owner_col, "IT")
    sheet.update_note(a1(2, owner_col - 1), "Dana: ask Priya who in IT")

    sync(store, ref)
    note = store.read(ref).tabs[PLAN].cell(1, owner_col - 1).note
    assert note.startswith("Dana: ask Priya who in IT\n\n[mapws] ")
    assert any("IT" in line for line in note_block(note))

    sheet.update_cell(2, owner_col, "Dana Tanaka")
    sync(store, ref)
    assert store.read(ref).tabs[PLAN].cell(1, owner_col - 1).note == "Dana: ask Priya who in IT"
    plan_tab = next(s for s in emulator.state()["spreadsheets"][ref.id]["sheets"] if s["title"] == PLAN)
    assert plan_tab["notes"][f"1,{owner_col - 1}"] == "Dana: ask Priya who in IT"


def test_changed_thresholds_replace_the_products_colour_rules_and_keep_the_buyers(google_store, emulator):
    """Rules written with other windows are still recognised as the product's: replaced, never
    kept beside the new ones; a buyer's own rule stays."""
    from map_workspace.domain.rules import Thresholds
    from map_workspace.sync import Settings

    store = google_store()
    ref, _ = create(store, share=())
    sheet = plan_sheet(emulator, ref.id)
    buyers_rule = {"ranges": [{"sheetId": sheet.sheet_id, "startRowIndex": 1, "endRowIndex": 50}],
                   "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                                 "values": [{"userEnteredValue": "=$B2=\"Milestone\""}]},
                                   "format": {"textFormat": {"bold": True}}}}
    sheet.conditional_formats.append(buyers_rule)
    product = len(sheet.conditional_formats) - 1
    custom = Settings(thresholds=Thresholds(stalled_after_days=10, due_soon_days=5))
    read = store.read(ref)
    store.apply(ref, read, plan_sync(read, TODAY, now=NOW, settings=custom).changes)
    rules = plan_sheet(emulator, ref.id).conditional_formats
    formulas = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in rules]
    assert len(rules) == product + 1 and formulas.count("=$B2=\"Milestone\"") == 1
    assert sum(">=10)" in f for f in formulas) == 1 and sum("WORKDAY(TODAY(),5," in f for f in formulas) == 1
    assert not any(">=7)" in f or "WORKDAY(TODAY(),3," in f for f in formulas)
    assert plan_sync(store.read(ref), TODAY, now=NOW, settings=custom).changes.is_empty


FORMULA_LOOKING = ('=IMPORTXML("http://evil.example/x","//a")', "+cmd|' /C calc'!A0", "@SUM(1+1)",
                   "-2+3", '=HYPERLINK("http://evil.example","click")')


def test_text_that_looks_like_a_formula_is_stored_as_text(google_store, emulator, buyer):
    store = google_store()
    plan = small_plan(TODAY)
    items = list(plan.items)
    items[0] = replace(items[0], activity=FORMULA_LOOKING[0], notes=FORMULA_LOOKING[1])
    items[1] = replace(items[1], owner=FORMULA_LOOKING[2])
    plan = replace(plan, items=tuple(items))
    ref = store.create(render_plan(plan, state_for(plan), meta_for(plan)), slug="acme-rollout", title="Acme")
    store.share(ref, [DANA])
    # The buyer types formula-looking text as text (RAW); the sync copies activities to its state tab.
    sheet = buyer(DANA).open_by_key(ref.id).worksheet("Plan")
    sheet.update([[FORMULA_LOOKING[4]]], "C4", value_input_option="RAW")
    sync(store, ref)

    entered = [cell.get("userEnteredValue", {}) for sheet_ in emulator.core.spreadsheets[ref.id].sheets
               for cell in sheet_.cells.values()]
    strings = {v["stringValue"] for v in entered if "stringValue" in v}
    formulas = [v["formulaValue"] for v in entered if "formulaValue" in v]
    assert set(FORMULA_LOOKING) - {"-2+3"} <= strings
    assert not [f for f in formulas if "IMPORTXML" in f or "HYPERLINK" in f or "cmd" in f or "SUM(1+1)" in f]
    state = store.read(ref).tabs[STATE]
    assert FORMULA_LOOKING[4] in {c.value for row in state.rows for c in row}
    assert store.read(ref).tabs[PLAN].cell(1, 2).value == FORMULA_LOOKING[0]


def test_history_grows_its_grid_and_a_deleted_history_tab_comes_back(google_store, buyer, emulator):
    store = google_store()
    ref, _ = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    history = spreadsheet.worksheet("History")
    history.resize(rows=2)  # the creation entry fills row 2: the next entries need new rows
    plan_tab = spreadsheet.worksheet("Plan")
    due_col = plan_tab.row_values(1).index("Due") + 1
    plan_tab.update_cell(3, due_col, "2026-07-20")
    emulator.log.clear()
    sync(store, ref)
    batch = next(e for e in calls(emulator) if is_sheets_write(e))
    assert any("appendDimension" in r for r in batch["body"]["requests"])
    rows = store.read(ref).tabs[HISTORY].rows
    assert len(rows) > 2 and rows[1][0].value and rows[-1][0].value

    spreadsheet.del_worksheet(spreadsheet.worksheet("History"))
    plan_tab.update_cell(4, due_col, "2026-07-21")
    sync(store, ref)
    snapshot = store.read(ref)
    assert snapshot.tabs[HISTORY].rows[0][0].value == "When (auto)"
    assert any(c.text == "Due" for row in snapshot.tabs[HISTORY].rows for c in row)
    assert store.version(ref) == ""  # a re-created tab: the next nightly run reads the plan again


def test_history_rows_carry_a_date_time_in_the_plans_zone_and_the_activity(google_store, buyer, emulator):
    store = google_store()
    ref, plan = create(store)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    plan_tab = spreadsheet.worksheet("Plan")
    plan_tab.update_cell(2, plan_tab.row_values(1).index("Status") + 1, "Done")
    sync(store, ref)
    history = spreadsheet.worksheet("History")
    titles = [t.split(" (")[0] for t in history.row_values(1)]
    assert titles == ["When", "ID", "Activity", "Field", "From", "To", "By", "Note"]
    rows = [dict(zip(titles, row, strict=False)) for row in history.get_all_values()[1:]]
    done = next(r for r in rows if r["Field"] == "Status")
    assert done["ID"] == plan.items[0].id and done["Activity"] == plan.items[0].activity
    assert done["When"] == "2026-03-02 08:30"  # NOW is 09:30+01:00; the plan's zone is UTC
    written = history.get("A2:A", value_render_option="UNFORMATTED_VALUE")
    assert all(isinstance(cell, (int, float)) for row in written for cell in row)  # date-time serials, not text


def test_slips_written_on_a_row_the_buyer_added_are_centred(google_store, buyer, emulator):
    store = google_store()
    ref, plan = create(store)
    plan_tab = buyer(DANA).open_by_key(ref.id).worksheet("Plan")
    header = plan_tab.row_values(1)
    row = len(plan.items) + 2
    plan_tab.update_cell(row, header.index("Activity") + 1, "Buyer-added: reference call with a bank")
    sync(store, ref)
    slips = plan_sheet(emulator, ref.id).cells[(row - 1, header.index("Slips (auto)"))]
    assert slips["userEnteredValue"] == {"numberValue": 0}
    assert slips["userEnteredFormat"]["horizontalAlignment"] == "CENTER"  # never "0Needs owner"


def test_a_template_brands_the_plan_and_its_tabs_are_laid_out_again(google_store, buyer, emulator):
    publisher = google_store()
    template, _ = create(publisher, "Template source")
    buyer(DANA).open_by_key(template.id).add_worksheet("Cover", rows=5, cols=2).update_acell("A1", "Widgets Ltd")
    store = google_store()
    ref, plan = create(store, "Beta deal", template_id=template.id)

    snapshot = store.read(ref)
    assert snapshot.meta["plan_id"] == plan.plan_id
    assert snapshot.extra_tabs == ()  # the read asks for the contract tabs' named ranges only
    assert [w.title for w in buyer(DANA).open_by_key(ref.id).worksheets()].count("Cover") == 1
    assert [i.id for i in read_plan(snapshot, today=TODAY).plan.items] == [i.id for i in plan.items]
    assert plan_sync(snapshot, TODAY, now=NOW).changes.is_empty
    spreadsheet = emulator.core.spreadsheets[ref.id]
    plan_tab = plan_sheet(emulator, ref.id)
    assert len(plan_tab.conditional_formats) == 5
    fresh = emulator.core.spreadsheets[template.id]
    protected = [len(s.protected_ranges) for s in spreadsheet.sheets]
    assert sum(protected) == sum(len(s.protected_ranges) for s in fresh.sheets)
    assert sum(1 for m in spreadsheet.developer_metadata if m["metadataKey"] == KEY_TAB) == 8  # with the Timeline


def test_sync_owned_ranges_are_protected_with_a_warning_only(google_store, emulator):
    store = google_store()
    ref, _ = create(store)
    spreadsheet = emulator.core.spreadsheets[ref.id]
    protected = [(s.title, p) for s in spreadsheet.sheets for p in s.protected_ranges]
    assert all(p["warningOnly"] and p["description"] == PROTECTED_DESCRIPTION for _, p in protected)
    plan_columns = sorted(p["range"]["startColumnIndex"] for title, p in protected if title == PLAN)
    assert plan_columns == [0, 10, 11, 12]  # ID, Baseline, Slips, Flag
    assert {title for title, _ in protected} == {"Overview", "Plan", "Timeline", "Stakeholders", "Risks", "History",
                                                 "_mapws"}
    assert next(s for s in spreadsheet.sheets if s.title == STATE).properties["hidden"] is True
    assert spreadsheet.properties["autoRecalc"] == "HOUR"


# --- sharing ----------------------------------------------------------------------------------------


def test_share_sends_only_user_permissions_with_the_message(google_store, emulator):
    store = google_store()
    ref, _ = create(store, share=())
    emulator.log.clear()
    assert store.share(ref, ["a@x.example", "B@y.example", "a@x.example"], dry_run=True) == ("a@x.example",
                                                                                              "B@y.example")
    assert calls(emulator) == []
    added = store.share(ref, ["a@x.example", "B@y.example"], role="commenter", message="Our plan for you")
    assert added == ("a@x.example", "B@y.example")
    sent = calls(emulator)
    assert [e["body"] for e in sent] == [{"type": "user", "role": "commenter", "emailAddress": "a@x.example"},
                                         {"type": "user", "role": "commenter", "emailAddress": "B@y.example"}]
    assert all(e["query"]["sendNotificationEmail"] == ["true"] for e in sent)
    assert [n["message"] for n in emulator.state(spreadsheets=False)["notifications"]] == ["Our plan for you"] * 2
    assert store.share(ref, ["a@x.example"], role="commenter") == ()  # already has it: no second email
    with pytest.raises(UsageError):
        store.share(ref, ["not an address"])
    with pytest.raises(UsageError, match="allowed domains"):
        google_store(allowed_domains=["acme.example"]).share(ref, ["eve@evil.example"])


# --- what Google does to us -------------------------------------------------------------------------


def test_faults_are_retried_and_the_call_succeeds(google_store, emulator):
    store = google_store()
    ref, _ = create(store)
    emulator.log.clear()
    emulator.faults.rate = 0.5
    snapshot = store.read(ref)
    emulator.faults.rate = 0.0
    assert PLAN in snapshot.tabs
    attempts = calls(emulator)
    assert len(attempts) > 1 and all(e.get("fault") for e in attempts[:-1]) and attempts[-1]["status"] == 200


def test_a_429_storm_is_waited_out(google_store, emulator):
    store = google_store()
    ref, _ = create(store)
    emulator.core.quota_per_minute = 2
    store.read(ref)
    store.read(ref)
    emulator.advance_clock(50)
    emulator.log.clear()
    assert PLAN in store.read(ref).tabs  # the waits move the emulated clock past the minute
    statuses = [e["status"] for e in calls(emulator)]
    assert statuses[:-1] == [429] * (len(statuses) - 1) and statuses[-1] == 200 and len(statuses) > 1


def test_a_permanent_server_error_ends_after_bounded_retries(google_store, emulator):
    store = google_store()
    ref, _ = create(store)
    emulator.log.clear()
    emulator.faults.rate = 1.0
    with pytest.raises(GoogleApiFailed) as failed:
        store.read(ref)
    emulator.faults.rate = 0.0
    assert failed.value.exit_code == 3
    assert "after 5 retries" in failed.value.message and "read the plan" in failed.value.message
    assert len(calls(emulator)) == 6


def test_not_found_and_forbidden_name_the_identity_and_the_file(google_store, emulator):
    rep = "rep@seller.example"
    store = google_store(credentials=buyer_credentials(emulator, rep), principal=rep)
    missing = "1Zz" + "x" * 41
    with pytest.raises(PlanNotFound) as not_found:
        store.locate(missing)
    assert rep in not_found.value.message and missing in not_found.value.message
    assert f"share the file with {rep}" in not_found.value.hint

    theirs = emulator.seed_spreadsheet("Someone else's plan", owner="owner@else.example")
    with pytest.raises(GooglePermissionDenied) as forbidden:
        store.read(PlanRef(theirs, "", "their-plan"))
    assert rep in forbidden.value.message and theirs in forbidden.value.message
    assert f"Share the file with {rep} as Editor" in forbidden.value.hint
    assert forbidden.value.exit_code == 3


def test_refused_credentials_are_a_configuration_error_without_the_token(google_store, emulator):
    from google.oauth2.credentials import Credentials

    store = google_store(credentials=Credentials(token="ya29.secret-looking-token"), principal="rep@seller.example")
    with pytest.raises(GoogleAuthError) as refused:
        store.list_plans()
    assert refused.value.exit_code == 2
    assert "mapws auth login" in refused.value.hint
    assert "secret-looking" not in refused.value.message + refused.value.hint


def test_make_store_builds_the_google_store_for_a_loopback_root(emulator):
    store = app.make_store(Config(backend="google", google_api_root=emulator.base_url))
    assert isinstance(store, GooglePlanStore) and store.principal == "anonymous"
    assert store.list_plans() == []


# --- the summary document ---------------------------------------------------------------------------


def test_the_summary_is_one_document_rebuilt_in_place_and_shared_read_only(google_store, emulator, tmp_path):
    store = google_store(pdf_dir=tmp_path)
    ref, plan = create(store, "Acme 🚀 rollout 東京")
    config = Config(backend="google", google_api_root=emulator.base_url, today=TODAY)
    first = app.write_summary(store, ref.slug, config, pdf=True)
    second = app.write_summary(google_store(), ref.slug, config)
    assert first.document == second.document
    state = emulator.state(spreadsheets=False)
    text = state["documents"][first.document]["text"]
    assert text.startswith("Mutual Action Plan — Acme 🚀 rollout 東京\n")
    m01 = next(i for i in plan.items if i.id == "M-01")
    day = f"{m01.due:%a} {m01.due.day} {m01.due:%b}"
    assert f"M-01 Discovery complete\t{day}\tOpen\n" in text  # cells filled at UTF-16 indexes
    assert text.count("Needs attention\n") == 1 and text.count("Milestones\n") == 1
    doc_file = next(f for f in state["files"] if f["id"] == first.document)
    assert doc_file["appProperties"]["anonymous"]["mapws_plan"] == ref.id  # per OAuth client, as Drive keeps them
    assert {(p.get("emailAddress"), p["role"]) for p in doc_file["permissions"]} >= {(DANA, "reader")}
    assert first.pdf == str(tmp_path / "acme-rollout-東京-summary.pdf")
    assert open(first.pdf, "rb").read(5) == b"%PDF-"


def test_light_and_full_summaries_are_two_docs_and_keep_makes_a_dated_doc(google_store, emulator, tmp_path):
    """Default: one Doc per kind rebuilt in place (the link the rep sent always shows the latest;
    Docs' version history keeps the earlier ones); --keep adds a dated Doc the next run leaves alone."""
    store = google_store(pdf_dir=tmp_path)
    ref, _ = create(store)
    config = Config(backend="google", google_api_root=emulator.base_url, today=TODAY)
    full = app.write_summary(store, ref.slug, config, pdf=True)
    light = app.write_summary(google_store(pdf_dir=tmp_path), ref.slug, config, light=True, pdf=True)
    assert full.document != light.document
    state = emulator.state(spreadsheets=False)
    assert "Needs attention" in state["documents"][full.document]["text"]
    assert "What we need from you this week" in state["documents"][light.document]["text"]
    assert full.pdf == str(tmp_path / "acme-rollout-summary.pdf")
    assert light.pdf == str(tmp_path / "acme-rollout-summary-light.pdf")
    kept = app.write_summary(google_store(pdf_dir=tmp_path), ref.slug, config, keep=True)
    assert kept.document == full.document and len(kept.kept) == 1
    state = emulator.state(spreadsheets=False)
    copy_file = next(f for f in state["files"] if f["id"] in kept.kept[0])
    assert copy_file["name"].endswith(f"(summary {TODAY.isoformat()})")
    assert "Needs attention" in state["documents"][copy_file["id"]]["text"]
    assert {(p.get("emailAddress"), p["role"]) for p in copy_file["permissions"]} >= {(DANA, "reader")}
    later = app.write_summary(google_store(), ref.slug, replace(config, today=TODAY + timedelta(days=7)))
    assert later.document == full.document  # the dated copy is never taken for the live summary


def test_a_summary_doc_the_user_deleted_is_made_again(google_store, emulator):
    store = google_store()
    ref, _ = create(store)
    config = Config(backend="google", google_api_root=emulator.base_url, today=TODAY)
    first = app.write_summary(store, ref.slug, config)
    store.calls.drive.files().delete(fileId=first.document).execute()
    again = app.write_summary(google_store(), ref.slug, config)
    assert again.document != first.document and again.document in emulator.state(spreadsheets=False)["documents"]


# --- the retry policy and error mapping, unit by unit ---------------------------------------------


def http_error(status: int, body: dict) -> HttpError:
    return HttpError(httplib2.Response({"status": status}), json.dumps(body).encode())


def api_error(status: int, body: dict):
    import gspread

    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return gspread.exceptions.APIError(response)


DRIVE_RATE = {"error": {"code": 403, "message": "User rate limit exceeded.",
                        "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded"}]}}
FORBIDDEN = {"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}
QUOTA = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}


@pytest.mark.parametrize(("error", "retry"), [
    (http_error(403, DRIVE_RATE), True),
    (http_error(403, FORBIDDEN), False),
    (http_error(404, {"error": {"code": 404, "message": "File not found"}}), False),
    (http_error(503, {"error": {"code": 503, "message": "Backend Error"}}), True),
    (api_error(429, QUOTA), True),
    (api_error(403, {"error": {"code": 403, "message": "x", "status": "RESOURCE_EXHAUSTED"}}), True),
    (api_error(400, {"error": {"code": 400, "message": "Invalid", "status": "INVALID_ARGUMENT"}}), False),
    (requests.ConnectionError("reset"), True),
    (TimeoutError("timed out"), True),
])
def test_what_is_retried(error, retry):
    assert is_retryable(describe_failure(error)) is retry


def test_backoff_is_truncated_exponential_with_full_jitter_and_bounded():
    waits: list[float] = []
    policy = RetryPolicy(sleep=waits.append, random=lambda: 0.5)
    assert [RetryPolicy(random=lambda: 1.0).delay(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 32, 32]
    attempts = []

    def always_busy():
        attempts.append(1)
        raise api_error(429, QUOTA)

    with pytest.raises(RetriesExhausted) as exhausted:
        policy.run(always_busy)
    assert len(attempts) == 6 and waits == [0.5, 1, 2, 4, 8]
    mapped = translate(exhausted.value, action="read the plan", file="Acme")
    assert isinstance(mapped, GoogleApiFailed) and "after 5 retries (429 RESOURCE_EXHAUSTED" in mapped.message

    def forbidden():
        attempts.append(1)
        raise http_error(403, FORBIDDEN)

    attempts.clear()
    with pytest.raises(HttpError):
        policy.run(forbidden)
    assert len(attempts) == 1


def test_serial_dates_round_trip():
    assert serial(date(2026, 5, 15)) == 46157
    assert from_serial(46157) == date(2026, 5, 15)
    assert from_serial(serial(datetime(2026, 5, 15, 12, 30))) == datetime(2026, 5, 15, 12, 30)


def test_note_writes_that_change_nothing_send_nothing(google_store, emulator):
    store = google_store()
    ref, _ = create(store)
    snapshot = store.read(ref)
    emulator.log.clear()
    store.apply(ref, snapshot, ChangeSet(notes=(NoteWrite(PLAN, 2, 4, ()),)))
    assert calls(emulator) == []


def test_an_item_without_an_id_gets_one_written_back(google_store, buyer):
    store = google_store()
    ref, plan = create(store)
    sheet = buyer(DANA).open_by_key(ref.id).worksheet("Plan")
    row = len(plan.items) + 2
    sheet.update([["", "Task", "Pilot with the Tokyo team", "Buyer", "Dana Tanaka", "2026-05-04"]], f"A{row}",
                 value_input_option="USER_ENTERED")
    sync(store, ref)
    items = read_plan(store.read(ref), today=TODAY).plan.items
    new = next(i for i in items if i.activity == "Pilot with the Tokyo team")
    assert new.id.startswith("T-") and new.due == date(2026, 5, 4)
    assert isinstance(new, Item) and new.type is ItemType.TASK and new.side is Side.BUYER
    assert new.status in (None, Status.NOT_STARTED)


def test_listing_pages_through_drive_and_keeps_each_version(google_store, emulator):
    for n in range(5):
        emulator.seed_file(f"Plan {n}", "application/vnd.google-apps.spreadsheet",
                           app_properties={"mapws": "plan", "mapws_deal": f"deal-{n}"})
    emulator.seed_file("Not a plan", "application/vnd.google-apps.spreadsheet", app_properties={"mapws": "summary"})
    store = google_store()
    store.listing.page_size = 2
    refs = store.list_plans()
    assert [r.slug for r in refs] == [f"deal-{n}" for n in range(5)]
    assert all(r.version and store.versions[r.id] == r.version for r in refs)
    listings = calls(emulator)
    assert len(listings) == 3 and all(e["query"]["pageSize"] == ["2"] for e in listings)
    assert listings[0]["query"]["q"] == ["appProperties has { key='mapws' and value='plan' } and trashed=false"]


def test_a_buyer_moving_the_target_decision_date_is_logged_and_the_products_text_follows(google_store, buyer):
    store = google_store()
    ref, plan = create(store)
    decision = next(i for i in plan.items if i.is_milestone and "decision" in i.activity.lower())
    overview = buyer(DANA).open_by_key(ref.id).worksheet("Overview")
    labels = overview.col_values(1)
    mutual = overview.cell(labels.index("Mutual goal") + 1, 2).value
    assert "2026-06-30" in mutual
    overview.update_cell(labels.index("Target decision date") + 1, 2, "2026-06-12")
    overview.update_cell(labels.index("Buyer goal") + 1, 2, "Decide by 2026-06-30 at the latest")

    result = sync(store, ref)
    assert [f.code for f in result.findings if f.code == "decision.target_moved"] == ["decision.target_moved"]
    snapshot = store.read(ref)
    history = snapshot.tabs[HISTORY].rows
    at, _ = history_columns(history[0])
    logged = [tuple(row[at[key]].text for key in ("field", "from", "to")) for row in history[1:]]
    assert ("Target decision date", "2026-06-30", "2026-06-12") in logged
    assert overview.cell(labels.index("Mutual goal") + 1, 2).value == mutual.replace("2026-06-30", "2026-06-12")
    assert overview.cell(labels.index("Buyer goal") + 1, 2).value == "Decide by 2026-06-30 at the latest"
    assert read_plan(snapshot, today=TODAY).plan.item(decision.id).due == date(2026, 6, 12)
    assert plan_sync(store.read(ref), TODAY, now=NOW).changes.is_empty


# --- dropdowns follow the used rows (issue 10, Lean reads) -------------------------------------------

def _dropdown_rows(buyer, spreadsheet_id, tab, header):
    """The 1-based sheet rows whose cell in column ``header`` holds a list dropdown, as a buyer's
    own read of the validation sees them."""
    sheet = buyer(DANA).open_by_key(spreadsheet_id).worksheet(tab)
    col = sheet.row_values(1).index(header)
    answer = buyer(DANA).http_client.request(
        "get", f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}",
        params={"ranges": [f"'{tab}'!A1:Z2000"], "fields": "sheets(data(rowData(values(dataValidation))))"}).json()
    rows = answer["sheets"][0]["data"][0].get("rowData", [])
    return [r + 1 for r, row in enumerate(rows)
            if len(row.get("values", [])) > col and "dataValidation" in row["values"][col]]


def test_a_buyer_who_removes_the_dropdowns_gets_them_back(google_store, emulator, buyer):
    """Dropdowns reach a headroom of rows under the used ones, not every pre-formatted row (their
    cells are data every read returns); a buyer who removes them (Data → Data validation → Remove
    on the whole tab) is noticed by the read and the next sync lays them again, once."""
    from map_workspace.backends.google.sheets_io import DROPDOWN_HEADROOM

    store = google_store()
    ref, _ = create(store)
    used = len(store.read(ref).tabs[PLAN].rows)
    assert _dropdown_rows(buyer, ref.id, PLAN, "Status") == list(range(2, used + DROPDOWN_HEADROOM + 1))
    assert _dropdown_rows(buyer, ref.id, STAKEHOLDERS, "Side")[-1] == (
        len(store.read(ref).tabs[STAKEHOLDERS].rows) + DROPDOWN_HEADROOM)
    sync(store, ref)
    spreadsheet = buyer(DANA).open_by_key(ref.id)
    plan_id = spreadsheet.worksheet(PLAN).id
    spreadsheet.batch_update({"requests": [{"setDataValidation": {"range": {"sheetId": plan_id}}}]})
    assert _dropdown_rows(buyer, ref.id, PLAN, "Status") == []
    read = store.read(ref)
    assert not read.formats_ok
    changes = plan_sync(read, TODAY, now=NOW).changes
    assert changes.formats_to_row
    store.apply(ref, read, changes)
    assert _dropdown_rows(buyer, ref.id, PLAN, "Status") == list(range(2, used + DROPDOWN_HEADROOM + 1))
    assert _dropdown_rows(buyer, ref.id, PLAN, "Type")[-1] == used + DROPDOWN_HEADROOM
    again = store.read(ref)
    assert again.formats_ok and plan_sync(again, TODAY, now=NOW).changes.is_empty


def test_dropdowns_follow_the_rows_a_buyer_adds_between_syncs(google_store, emulator, buyer):
    """A buyer who adds more rows than the dropdowns' headroom between two syncs: every row is
    read (the read is not bounded by the dropdowns), and the sync lays the dropdowns under the new
    last row; the sync after that writes nothing."""
    from map_workspace.backends.google.sheets_io import DROPDOWN_HEADROOM

    store = google_store()
    ref, _ = create(store)
    sync(store, ref)
    sheet = buyer(DANA).open_by_key(ref.id).worksheet(PLAN)
    header = sheet.row_values(1)
    used = len(store.read(ref).tabs[PLAN].rows)
    added = DROPDOWN_HEADROOM + 30
    activity, status = header.index("Activity"), header.index("Status")
    rows = []
    for n in range(added):
        row = [""] * (status + 1)
        row[activity], row[status] = f"Buyer task {n + 1}", "Not started"
        rows.append(row)
    sheet.update(rows, f"A{used + 1}", value_input_option="RAW")
    read = store.read(ref)
    assert len(read.tabs[PLAN].rows) == used + added
    assert not read.formats_ok  # fewer than half the headroom is left under the new rows
    result = plan_sync(read, TODAY, now=NOW)
    store.apply(ref, read, result.changes)
    after = store.read(ref)
    ids = [row[0].value for row in after.tabs[PLAN].rows[used:]]
    assert len(ids) == added and all(ids)
    assert _dropdown_rows(buyer, ref.id, PLAN, "Status")[-1] == used + added + DROPDOWN_HEADROOM
    assert after.formats_ok and plan_sync(after, TODAY, now=NOW).changes.is_empty
