"""``mapws demo``: the whole loop on a sample deal, on the local backend.

It plays a buyer with openpyxl the way a person edits in Excel: marks items done, names a group
as owner, types a date nobody can read, moves a milestone, adds and deletes rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment

from map_workspace import app
from map_workspace.config import load_config
from map_workspace.domain.model import Person
from map_workspace.layout import PLAN, normalise_header
from map_workspace.report import changed_lines, finding_lines, terminal_safe

DEAL = "Acme Corp — analytics rollout"


class BuyerEdits:
    """Edits to a plan workbook as a buyer would make them in Excel (finds columns by header)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wb = openpyxl.load_workbook(path, rich_text=True)
        self.ws = self.wb[PLAN]
        self.cols = {normalise_header(c.value): c.column for c in self.ws[1] if c.value}

    def row_of(self, item_id: str) -> int:
        for row in range(2, self.ws.max_row + 1):
            if self.ws.cell(row, self.cols["id"]).value == item_id:
                return row
        raise KeyError(item_id)

    def set(self, item_id: str, header: str, value: Any) -> None:
        cell = self.ws.cell(self.row_of(item_id), self.cols[normalise_header(header)])
        cell.value = value
        if isinstance(value, str) and value[:1] in "=+-@":
            cell.data_type = "s"  # typed as text, the way a quote-prefixed entry is

    def get(self, item_id: str, header: str) -> Any:
        return self.ws.cell(self.row_of(item_id), self.cols[normalise_header(header)]).value

    def note(self, item_id: str, header: str, text: str) -> None:
        self.ws.cell(self.row_of(item_id), self.cols[normalise_header(header)]).comment = Comment(text, "Buyer")

    def add_row(self, **values: Any) -> int:
        row = max(r for r in range(1, self.ws.max_row + 1)
                  if any(self.ws.cell(r, c).value not in (None, "") for c in self.cols.values())) + 1
        for header, value in values.items():
            self.ws.cell(row, self.cols[normalise_header(header.replace("_", " "))]).value = value
        return row

    def delete(self, item_id: str) -> None:
        self.ws.delete_rows(self.row_of(item_id))

    def save(self) -> None:
        self.wb.save(self.path)


def run_demo(folder: Path, today: date, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Create a sample plan four weeks ago, play the buyer's edits since, sync today, summarise."""
    folder.mkdir(parents=True, exist_ok=True)
    slug = app.slugify(DEAL)
    for old in folder.glob(f"{slug}*"):
        old.unlink()
    created_on = today - timedelta(days=28)
    config = load_config({"backend": "local", "dir": folder, "today": created_on.isoformat()})
    store = app.make_store(config)
    req = app.CreateRequest(
        deal=DEAL, decision=today + timedelta(days=56),
        buyers=[Person("Dana Tanaka", "dana.tanaka@acme.example"), Person("Lee Chen", "lee.chen@acme.example")],
        sellers=[Person("Sam Rivera", "sam@seller.example")],
        roles={"buyer.cfo": Person("Priya Shah", "priya.shah@acme.example"),
               "buyer.it_lead": Person("Jonas Berg", "jonas.berg@acme.example"),
               "buyer.security": Person("Aiko Mori", "aiko.mori@acme.example"),
               "buyer.legal": Person("Tom Okafor", "tom.okafor@acme.example"),
               "buyer.procurement": Person("Eva Lind", "eva.lind@acme.example"),
               "buyer.exec_sponsor": Person("Maria Gomez", "maria.gomez@acme.example"),
               "seller.se": Person("Kim Park", "kim@seller.example"),
               "seller.legal": Person("Ravi Iyer", "ravi@seller.example")},
        buyer_company="Acme Corp", seller_company="Seller Inc",
    )
    created = app.create_plan(store, req, config)
    path = Path(created.ref.id)
    echo(f"1. Created {path.name}: {len(created.plan.items)} items scheduled back from "
         f"{req.decision.isoformat()} (as of {created_on.isoformat()}).")

    edits = BuyerEdits(path)
    items = sorted(created.plan.items, key=lambda i: i.due or date.max)
    tasks = [i for i in items if not i.is_milestone]
    milestones = [i for i in items if i.is_milestone]
    for item in [milestones[0], *tasks[:3]]:
        edits.set(item.id, "Status", "Done")
    edits.set(tasks[3].id, "Status", "wip")
    edits.set(tasks[4].id, "Owner", "IT team")
    edits.set(tasks[5].id, "Due", "next Friday")
    edits.note(tasks[5].id, "Due", "Dana: waiting on the security team's calendar")
    moved = milestones[1]
    assert moved.due is not None  # every scheduled item has a date
    edits.set(moved.id, "Due", moved.due + timedelta(days=7))
    edits.set(tasks[6].id, "Notes", "=HYPERLINK(\"http://example.com\",\"see deck\")")
    edits.delete(tasks[-1].id)
    edits.add_row(activity="Reference call with a retail customer", side="Buyer", owner="Lee",
                  due=today + timedelta(days=5), status="Not started")
    edits.save()
    echo("2. Played the buyer's edits: 4 items done, one 'wip', 'IT team' as an owner, 'next Friday' as a "
         "date, a milestone moved a week, a formula typed into Notes, a row added, a row deleted.")

    config = load_config({"backend": "local", "dir": folder, "today": today.isoformat()})
    outcome = app.sync_plan(store, created.ref, config)
    a = outcome.result.assessment
    echo(f"3. Synced as of {today.isoformat()}: {outcome.result.changes.count} change(s) written; "
         f"{a.progress.text}; health {a.health.label}; projected decision "
         f"{a.projected_decision.isoformat() if a.projected_decision else 'unknown'}.")
    for line in changed_lines(outcome):
        echo(f" {line}")
    for line, _ in finding_lines(outcome.result.findings, verbose=False, hints=False):
        echo(f" {line}")
    echo("   (each of these is a [mapws] note on its cell, with what to do, and a word in the Flag column)")
    again = app.sync_plan(store, created.ref, config)
    echo(f"   A second sync writes {again.result.changes.count if again.written else 0} change(s).")

    from map_workspace.backends.local.office import find_soffice

    result = app.write_summary(store, slug, config, pdf=find_soffice() is not None)
    echo(f"4. Wrote the one-page summary: {result.document}" + (f" and {result.pdf}" if result.pdf else ""))
    if result.pdf_problem is not None:
        echo(terminal_safe(f"   No PDF: {result.pdf_problem.message}"))
    echo("")
    echo(f"Open {path} in Excel or LibreOffice (see the Flag column, the notes and the History tab),")
    echo(f"and {result.pdf or result.document} for what a light-touch buyer reads.")
    return {"plan": str(path), "summary": result.document, "pdf": result.pdf,
            "changes": outcome.result.changes.count, "second_sync_changes": again.result.changes.count
            if again.written else 0, "findings": len(outcome.result.findings)}
