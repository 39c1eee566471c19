"""No formula injection anywhere (issue 5, "Security"): formula-looking text a buyer types into a
plan stays inert text in the sheet, in History, in the hidden state tab, in the summary (.docx,
Google Doc, PDF) and in every JSON the CLI prints, on every backend; and the only live formulas the
product writes are its own (map_workspace/formulas.py), with no buyer text inside them.

One plan per backend carries every payload in every kind of buyer cell (Activity, Owner, Notes,
Depends on, a new row, Stakeholders, Risks, Check-ins, a milestone, and sync-owned cells the buyer
overwrote, so the undo writes the payload into History); one sync and one summary then run through
the CLI, and everything they produced is scanned.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from map_workspace import formulas, timeline
from map_workspace.cli import cli
from map_workspace.layout import HISTORY, STATE, a1, normalise_header
from map_workspace.sync import FLAG_WORDS
from tests.robustness import report
from tests.support.robustness import SYNC_DAY, SheetsBuyer, StoredCell

#: What a buyer types, as text: each would run (fetch a URL, make a link, start a program,
#: compute) if a spreadsheet took it for a formula.
INJECTIONS = {
    "importxml": '=IMPORTXML("http://x","//a")',
    "hyperlink": '=HYPERLINK("http://x","y")',
    "dde": "+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1+1)",
    "minus": "-2+3",
    "equals": "=1+1",
}
PAYLOADS = list(INJECTIONS.values())
STAKEHOLDERS = ["Dana Tanaka", "田中 太郎", "Priya Shah", "Sam Rivera", "Alex Kim", "Alex Moreau"]
#: The functions formulas.py and timeline.py use (their docstrings' lists): nothing else may appear in a
#: live formula.
PRODUCT_FUNCTIONS = {"IF", "OR", "AND", "NOT", "ISNUMBER", "N", "TODAY", "COUNTIF", "COUNTA", "SUMPRODUCT",
                     "ROUND", "IFERROR", "INDEX", "MATCH", "WEEKDAY", "WORKDAY", "INDIRECT"}
#: Every string literal formulas.py writes, besides the flag words the sync joins with " · ".
PRODUCT_LITERALS = {"", "Stalled", "Overdue", "Due soon", " of ", " done · ", "%",
                    *formulas.DONE_WORDS, *formulas.NA_WORDS, *formulas.BLOCKED_WORDS,
                    timeline.DIAMOND, timeline._MILESTONE, formulas.CLOSED_DAYS_RANGE}
_LITERAL = re.compile(r'"((?:[^"]|"")*)"')
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
#: Tab → cells in it that must still hold each payload as text after the sync (at least).
EXPECTED_PER_TAB = {"Plan": 4, "Stakeholders": 3, "Risks": 2, "Check-ins": 4, HISTORY: 2, STATE: 2}


class BatchedSheetsBuyer(SheetsBuyer):
    """The Sheets buyer, reading each tab once and sending every edit in one batchUpdate on
    ``save``: the same requests in far fewer round trips. Good for cell edits and appends at the
    end of a tab (nothing here moves a row another edit addresses)."""

    def __init__(self, spreadsheet: Any) -> None:
        super().__init__(spreadsheet)
        self._pending: list[dict[str, Any]] = []
        self._read: dict[tuple[str, str], Any] = {}

    def _values(self, tab: str) -> list[list[str]]:
        if ("values", tab) not in self._read:
            self._read["values", tab] = super()._values(tab)
        return self._read["values", tab]

    def _sheet(self, tab: str) -> dict[str, Any]:
        if ("sheet", tab) not in self._read:
            self._read["sheet", tab] = super()._sheet(tab)
        return self._read["sheet", tab]

    def _batch(self, *requests: dict[str, Any]) -> None:
        self._pending += requests

    def save(self) -> None:
        if self._pending:
            self.sh.batch_update({"requests": self._pending})
        self._pending, self._read = [], {}


def the_buyer_types_every_payload(buyer: Any) -> int:
    """Each payload in every kind of buyer cell; returns how many cells were typed. T-01…T-06 get
    due dates in the summary's two-week window, so their activity and owner reach the summary."""
    typed = 0
    for k, payload in enumerate(PAYLOADS):
        item, later, again = f"T-{k + 1:02d}", f"T-{k + 7:02d}", f"T-{k + 13:02d}"
        for header in ("Activity", "Owner", "Notes"):
            buyer.set(item, header, payload)
        buyer.set(item, "Due", SYNC_DAY + timedelta(days=k + 1))
        buyer.set(later, "Depends on", payload)
        buyer.set(again, "Baseline", payload)  # sync-owned: undone, and logged in History
        buyer.set_where("Stakeholders", "Name", STAKEHOLDERS[k], "Role", payload)
        buyer.set_where("Stakeholders", "Name", STAKEHOLDERS[k], "Availability / constraints", payload)
        buyer.set(f"R-{k + 1:02d}", "Risk", payload, "Risks")
        buyer.set(f"R-{k + 1:02d}", "Mitigation", payload, "Risks")
        typed += 10
    buyer.set("M-01", "Activity", PAYLOADS[0])
    buyer.add_rows([{"Activity": p, "Owner": "Dana Tanaka", "Side": "Buyer", "Type": "Task",
                     "Due": date(2026, 5, 20)} for p in PAYLOADS])
    buyer.add_rows([{"Name": p, "Side": "Buyer", "Role": "Contact"} for p in PAYLOADS], "Stakeholders")
    buyer.add_rows([{"Date": date(2026, 3, 10), "Attendees": p, "Done since last": p, "Blockers": p,
                     "Timeline changes": p} for p in PAYLOADS], "Check-ins")
    buyer.save()
    return typed + 1 + len(PAYLOADS) * 7


def stored_cells(backend: Any, planted: Any) -> list[StoredCell]:
    """Every non-empty cell of every tab as the file stores it (text, formula, number, date, …)."""
    out = []
    if backend.name == "local":
        for ws in load_workbook(planted.ref.id).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    kind = {"f": "formula", "s": "text", "inlineStr": "text", "b": "bool", "e": "error",
                            "d": "date"}.get(cell.data_type, "number")
                    text = getattr(cell.value, "text", None) if kind == "formula" else None
                    out.append(StoredCell(ws.title, cell.coordinate, kind, str(text or cell.value)))
        return out
    from tests.google_emulator.clients import sheets_service

    data = sheets_service(backend.emulator).spreadsheets().get(spreadsheetId=planted.ref.id,
                                                                includeGridData=True).execute()
    for sheet in data.get("sheets") or []:
        for block in sheet.get("data") or []:
            row0, col0 = int(block.get("startRow") or 0), int(block.get("startColumn") or 0)
            for r, row in enumerate(block.get("rowData") or []):
                for c, value in enumerate(row.get("values") or []):
                    for key, raw in (value.get("userEnteredValue") or {}).items():
                        kind = {"formulaValue": "formula", "stringValue": "text", "boolValue": "bool",
                                "errorValue": "error"}.get(key, "number")
                        out.append(StoredCell(sheet["properties"]["title"], a1(row0 + r + 1, col0 + c), kind,
                                              str(raw)))
    return out


def formula_problems(formula: str, where: str) -> list[str]:
    """What makes ``formula`` not one of the product's: a function formulas.py does not use, a
    string literal it does not write, or buyer text anywhere in it."""
    problems = []
    literals = [text.replace('""', '"') for text in _LITERAL.findall(formula)]
    outside = _LITERAL.sub('""', formula)
    unknown = {name.upper() for name in _FUNCTION.findall(outside)} - PRODUCT_FUNCTIONS
    if unknown:
        problems.append(f"{where}: functions {sorted(unknown)} in {formula!r}")
    flag_words = set(FLAG_WORDS.values())
    for literal in literals:
        if literal in PRODUCT_LITERALS:
            continue
        if not set(literal.removeprefix(" · ").split(" · ")) <= flag_words:
            problems.append(f"{where}: literal {literal!r} in {formula!r}")
    cores = [p.lstrip("=+-@")[:9] for p in PAYLOADS]
    problems += [f"{where}: buyer text {core!r} in {formula!r}" for core in cores if core in formula]
    return problems


def check_cells(cells: list[StoredCell]) -> tuple[list[str], Counter[str], int]:
    """Problems, payload cells per tab, and the number of formulas checked."""
    problems: list[str] = []
    per_tab: Counter[str] = Counter()
    formulas_checked = 0
    for cell in cells:
        where = f"{cell.tab}!{cell.ref}"
        if cell.kind == "formula":
            formulas_checked += 1
            problems += formula_problems(cell.text, where)
        elif any(p in cell.text for p in PAYLOADS) and cell.kind != "text":
            problems.append(f"{where} holds {cell.text!r} as {cell.kind}")
        if cell.kind == "text" and cell.text in PAYLOADS:
            per_tab[f"{cell.tab}|{cell.text}"] += 1
    for tab, least in EXPECTED_PER_TAB.items():
        for payload in PAYLOADS:
            if per_tab[f"{tab}|{payload}"] < least:
                problems.append(f"{payload!r} is text in {per_tab[f'{tab}|{payload}']} cell(s) of {tab}, "
                                f"expected at least {least}")
    return problems, per_tab, formulas_checked


def check_history(cells: list[StoredCell]) -> tuple[list[str], int]:
    """Each payload is in History as a logged change: From (an undone edit) and To (a new owner)."""
    rows: dict[str, dict[str, str]] = {}
    header: dict[str, str] = {}
    for cell in cells:
        if cell.tab != HISTORY:
            continue
        column, row = re.fullmatch(r"([A-Z]+)(\d+)", cell.ref).groups()
        if row == "1":
            header[column] = cell.text
        else:
            rows.setdefault(row, {})[column] = cell.text
    wanted = {normalise_header(h): h for h in ("Field", "From", "To")}
    names = {column: wanted.get(normalise_header(text), text) for column, text in header.items()}
    entries = [{names.get(c, c): v for c, v in row.items()} for row in rows.values()]
    problems = []
    for payload in PAYLOADS:
        if not any(e.get("From") == payload for e in entries):
            problems.append(f"no History row has From = {payload!r}")
        if not any(e.get("To") == payload and e.get("Field") == "Owner" for e in entries):
            problems.append(f"no History row has Owner To = {payload!r}")
    return problems, sum(1 for e in entries for field in ("From", "To") if e.get(field) in PAYLOADS)


def run_json(args: list[str]) -> list[Any]:
    """The CLI's stdout as JSON: one object, or one per line (``sync --all``)."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def check_docx(path: Path) -> tuple[list[str], set[str]]:
    """The summary .docx: payloads are plain text runs; no field, hyperlink or external target."""
    problems = []
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            xml = package.read(name).decode("utf-8", "replace")
            for tag in ("w:fldSimple", "w:instrText", "w:fldChar", "w:hyperlink", "w:object", "o:OLEObject"):
                if f"<{tag}" in xml:
                    problems.append(f"{name} has <{tag}>")
            if 'TargetMode="External"' in xml:
                problems.append(f"{name} points outside the document")
    document = Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return problems, {p for p in PAYLOADS if any(p in t for t in texts)}


def check_pdf(path: Path) -> tuple[list[str], set[str]]:
    """The PDF: payloads are printed text; no link, launch action or script."""
    problems = []
    raw = path.read_bytes()
    for marker in (b"/URI", b"/Launch", b"/JavaScript", b"/JS", b"/SubmitForm", b"/ImportData"):
        if marker in raw:
            problems.append(f"{path.name} contains {marker.decode()}")
    reader = PdfReader(str(path))
    text = re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))
    return problems, {p for p in PAYLOADS if re.sub(r"\s+", "", p) in text}


def soffice_available() -> bool:
    if shutil.which("soffice"):
        return True
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is required on CI for the PDF summary check")
    return False


def check_google_requests(emulator: Any, document_id: str) -> tuple[list[str], int]:
    """The product's own requests (the buyer's are dana's): no USER_ENTERED value writes, every
    formula one of the product's, every payload sent as stringValue, no link in the summary Doc."""
    problems: list[str] = []
    checked = 0

    def walk(node: Any, where: str) -> None:
        nonlocal checked
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "formulaValue" or (key == "userEnteredValue" and isinstance(value, str)):
                    checked += 1
                    problems.extend(formula_problems(str(value), where))
                elif key == "userEnteredValue" and isinstance(value, dict):
                    text = json.dumps(value, ensure_ascii=False)
                    if any(json.dumps(p)[1:-1] in text for p in PAYLOADS) and set(value) != {"stringValue"}:
                        problems.append(f"{where}: a payload sent as {value}")
                elif key in ("link", "url", "uri") and value:
                    problems.append(f"{where}: {key} {value!r}")
                walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for entry in emulator.log_entries():
        if entry.get("principal") != "anonymous":
            continue
        where = f"{entry['method']} {entry['path']}"
        if any("USER_ENTERED" in v for values in (entry.get("query") or {}).values() for v in values):
            problems.append(f"{where} asks Sheets to parse values (USER_ENTERED)")
        if entry["method"] != "GET" and "/values" in entry["path"]:
            problems.append(f"{where}: a values write (Sheets would parse what it is given)")
        walk(entry.get("body"), where)
    edits = [e for e in emulator.log_entries() if e["path"] == f"/v1/documents/{document_id}:batchUpdate"]
    if not edits:
        problems.append("the summary Doc was never written")
    return problems, checked


def google_doc_text(emulator: Any, document_id: str) -> tuple[list[str], set[str]]:
    from tests.google_emulator.clients import docs_service

    document = docs_service(emulator).documents().get(documentId=document_id).execute()
    runs: list[dict[str, Any]] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if "textRun" in node:
                runs.append(node["textRun"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(document.get("body"))
    problems = [f"a link on {r['content']!r}" for r in runs if (r.get("textStyle") or {}).get("link")]
    text = "".join(r.get("content", "") for r in runs)
    return problems, {p for p in PAYLOADS if p in text}


@pytest.mark.parametrize("backend", ["local", "google"], indirect=True)
def test_formula_looking_buyer_text_stays_text_everywhere(backend, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    planted = backend.plant("en_US", tmp_path)
    buyer = backend.buyer(planted)
    typed = the_buyer_types_every_payload(BatchedSheetsBuyer(buyer.sh) if backend.name == "google" else buyer)
    args = backend.cli_args(planted)
    day = ["--today", SYNC_DAY.isoformat(), "--json"]

    (planned,) = run_json(["sync", *args, "--dry-run", *day])
    planned_history = [c for c in planned["planned"] if c["kind"] == "history"]
    problems = [f"the dry run does not plan History To = {p!r}" for p in PAYLOADS
                if not any(c["to"] == p for c in planned_history)]
    (synced,) = run_json(["sync", *args, *day])
    assert synced["changes"] > 0
    nightly = run_json(["sync", "--all", *args[1:], "--state", str(tmp_path / "state.sqlite"), *day])
    assert nightly[-1]["totals"]["failed"] == 0
    pdf = backend.name == "google" or soffice_available()
    (summary,) = run_json(["summary", *args, *day, *(["--pdf"] if pdf else [])])

    cells = stored_cells(backend, planted)
    cell_problems, per_tab, formulas_checked = check_cells(cells)
    history_problems, history_cells = check_history(cells)
    problems += cell_problems + history_problems
    if backend.name == "local":
        workbook = load_workbook(planted.ref.id)
        for tab in (HISTORY, STATE, "Overview"):
            for row in workbook[tab].iter_rows():
                for cell in row:
                    value = cell.value
                    if isinstance(value, str) and value[:1] in "=+-@" and cell.data_type != "f":
                        if cell.data_type != "s" or not cell.quotePrefix:
                            problems.append(f"{tab}!{cell.coordinate} {value!r}: type {cell.data_type}, "
                                            f"quotePrefix {cell.quotePrefix}")
        document_problems, in_summary = check_docx(Path(summary["document"]))
        requests_checked = 0
    else:
        request_problems, requests_checked = check_google_requests(backend.emulator, summary["document"])
        document_problems, in_summary = google_doc_text(backend.emulator, summary["document"])
        problems += request_problems
    problems += document_problems
    problems += [f"{p!r} is missing from the summary" for p in PAYLOADS if p not in in_summary]
    if summary.get("pdf"):
        pdf_problems, in_pdf = check_pdf(Path(summary["pdf"]))
        problems += pdf_problems
        if backend.name == "local":  # rendered by LibreOffice from the product's .docx
            problems += [f"{p!r} is missing from the PDF" for p in PAYLOADS if p not in in_pdf]
        else:  # rendered by Drive from the Doc checked above: the product keeps Drive's bytes as they are
            from tests.google_emulator.clients import drive_service

            exported = drive_service(backend.emulator).files().export(
                fileId=summary["document"], mimeType="application/pdf").execute()
            if Path(summary["pdf"]).read_bytes() != exported:
                problems.append("the PDF on disk is not the PDF Drive exported")

    report.record(f"injection ({backend.name})", group="payload × field", cases=1,
                  injection_strings_checked=len(PAYLOADS), buyer_cells_typed=typed, cells_scanned=len(cells),
                  payload_cells_still_text=sum(per_tab.values()), history_cells_checked=history_cells,
                  formulas_checked=formulas_checked + requests_checked, json_outputs_checked=3 + len(nightly),
                  summary_payloads_checked=len(in_summary), live_payloads=len(problems))
    assert problems == []
