"""How a night's run looks on a terminal: a progress bar on stderr, the digest as tables."""

from __future__ import annotations

import re
import sys
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from map_workspace.nightly import CATEGORIES, Night, PlanRun

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: object) -> str:
    """Text fit for a terminal: buyer cells can hold escape sequences (links, colours, cursor
    moves) and bidi overrides; they are dropped before anything is printed."""
    return _CONTROL.sub("", str(text))


LABELS = {"overdue": "Overdue", "stalled": "Stalled", "due_soon": "Due soon", "blocked": "Blocked",
          "slipped": "Slipped"}


class ProgressBar:
    """A rich progress bar on stderr, or its silent twin (not a terminal, --quiet, --json)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if not self.enabled:
            return
        self._progress = Progress(TextColumn("syncing"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[plan]}"), TimeRemainingColumn(),
                                  console=Console(stderr=True), transient=True)
        self._progress.start()
        self._task = self._progress.add_task("sync", total=total, plan="")

    def advance(self, label: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, plan=label)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def progress_bar(enabled: bool) -> ProgressBar:
    return ProgressBar(enabled)


def print_run(run: PlanRun, *, dry_run: bool, verbose: bool) -> None:
    if run.error is not None:
        click.secho(terminal_safe(f"{run.ref.slug}: FAILED — {run.error.message}"), fg="red")
        if run.error.hint:
            click.echo(terminal_safe(f"  → {run.error.hint}"))
        return
    assert run.outcome is not None
    a = run.outcome.result.assessment
    state = "unchanged" if not run.read else ("written" if run.outcome.written else "read")
    click.echo(terminal_safe(f"{run.ref.slug}: {state} · {a.progress.text} · {a.health.label}"))


def print_night(night: Night) -> None:
    """Per plan, then per owner: what is overdue, stalled, due soon, blocked or slipped."""
    console = Console()
    plans = Table(title="Tonight's plans", title_justify="left")
    for header in ("Plan", "Progress", "Health", *(LABELS[c] for c in CATEGORIES), "Changes"):
        plans.add_column(header, justify="right" if header not in ("Plan", "Health", "Progress") else "left")
    for run in sorted(night.runs, key=lambda r: r.ref.slug):
        if run.outcome is None:
            plans.add_row(escape(terminal_safe(run.ref.slug)), "[red]failed[/red]", "", *([""] * len(CATEGORIES)), "")
            continue
        a = run.outcome.result.assessment
        counts = [str(len(run.digest[c])) if run.digest.get(c) else "" for c in CATEGORIES]
        p = a.progress
        plans.add_row(escape(terminal_safe(run.ref.slug)), f"{p.done}/{p.total} {p.percent}%", a.health.label, *counts,
                      str(run.outcome.as_json()["changes"]))
    console.print(plans)
    owners = night.by_owner()
    if owners:
        table = Table(title="By owner", title_justify="left")
        table.add_column("Owner")
        for c in CATEGORIES:
            table.add_column(LABELS[c], justify="right")
        for owner, tally in sorted(owners.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            table.add_row(escape(terminal_safe(owner)), *[str(tally[c]) if tally[c] else "" for c in CATEGORIES])
        console.print(table)
    t = night.totals()
    if night.resumed:
        console.print(f"Resumed after an interrupted run (started {night.resumed['started']}, "
                      f"{night.resumed['done']} of {night.resumed['total']} plans done then).")
    console.print(f"{t['synced']} of {t['plans']} plan(s) synced ({t['unchanged']} unchanged, not read), "
                  f"{t['failed']} failed, {t['changes']} change(s).")
    for run in night.failed:
        assert run.error is not None
        console.print(f"[red]FAILED[/red] {escape(terminal_safe(run.ref.slug))}: "
                      f"{escape(terminal_safe(run.error.message))}", highlight=False)
