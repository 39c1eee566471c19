"""What the CLI prints: one JSON object (``--json``) or lines for a person, and a night's progress
bar and digest tables.

Every command's output is written here, so the commands themselves only parse and call. This
module is imported by every command (errors are printed through it), so it imports nothing heavy
at module level: rich, the nightly, the domain (and json) only inside the functions that use them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from map_workspace.textwidth import display_width, pad

if TYPE_CHECKING:
    from map_workspace.app import (
        AssignResult,
        CalendarResult,
        ChangesResult,
        CheckinResult,
        CloseResult,
        CreateRequest,
        CreateResult,
        LinkResult,
        PipelineRow,
        ReplanResult,
        ShareResult,
        SyncOutcome,
    )
    from map_workspace.config import Config, ConfigUpdate
    from map_workspace.domain.model import Finding
    from map_workspace.domain.templates import Template
    from map_workspace.errors import MapwsError
    from map_workspace.nightly import Night, PlanRun
    from map_workspace.notifying import Message, NotifyResult
    from map_workspace.plan_edits import Replan
    from map_workspace.ports import PlanRef, SummaryResult

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: object) -> str:
    """Text fit for a terminal: buyer cells can hold escape sequences (links, colours, cursor
    moves) and bidi overrides; they are dropped before anything is printed."""
    return _CONTROL.sub("", str(text))


def echo_json(obj: Any) -> None:
    import json

    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


# --- errors ------------------------------------------------------------------------------------

def print_error(exc: MapwsError, as_json: bool) -> None:
    """The message and hint on stderr; with ``--json`` also ``{"error": …}`` on stdout."""
    import json

    # A tripped policy (or a missing PDF) comes after the result was printed: stdout keeps its one
    # JSON result and the exit code says what went wrong; the words go to stderr.
    if as_json and exc.json_on_stdout:
        click.echo(json.dumps({"error": exc.as_json()}, ensure_ascii=False))
    click.secho(terminal_safe(f"Error: {exc.message}"), fg="red", err=True)
    if exc.hint:
        click.echo(terminal_safe(f"  → {exc.hint}"), err=True)


# --- init, create, list, summary, share ------------------------------------------------------------

def print_init(update: ConfigUpdate, config: Config, as_json: bool) -> None:
    path = update.path
    if as_json:
        echo_json({"config": str(path), "dir": str(config.dir), "backend": config.backend,
                   "folder": config.folder or None, "changed": list(update.changed), "kept": list(update.kept)})
        return
    if update.created:
        click.echo(f"Wrote {path}")
    elif update.changed:
        click.echo(f"Updated {path}: set {', '.join(update.changed)}"
                   + (f"; kept {', '.join(update.kept)}" if update.kept else ""))
    else:
        click.echo(f"{path} already says that; nothing changed.")
    if config.backend == "local":
        click.echo(f"Plans go to {config.dir}")
    elif config.folder:
        click.echo(f"Plans go to the Drive folder {config.folder}")
    click.echo('Next: mapws create "Deal name" --decision-date YYYY-MM-DD --buyer "Name <email>"')


def print_created(result: CreateResult, req: CreateRequest, *, dry_run: bool, as_json: bool) -> None:
    """What was made, which items still need an owner, and who to send it to."""
    if as_json:
        echo_json(result.as_json())
        return
    verb = "Would create" if dry_run else "Created"
    click.echo(f"{verb} {result.ref.id}")
    if _web_link(result.ref.url):
        click.echo(f"  Link to send: {result.ref.url}")
    click.echo(f"  {len(result.plan.items)} items from the '{result.plan.template}' template, decision "
               f"{req.decision.isoformat()}")
    if result.schedule is not None:
        click.echo(f"  Scheduled from {result.schedule.start.isoformat()} on working days "
                   f"({result.schedule.calendar})")
    for f in result.findings:
        if f.code.startswith("schedule."):
            click.echo(f"  {'!' if f.severity.value != 'info' else '·'} {f.message}")
            if f.severity.value != "info" and f.hint:  # what to do: the earliest decision that fits, …
                click.echo(f"    → {f.hint}")
    unassigned: dict[str, list[str]] = {}
    for item in result.plan.items:
        if not item.owner:
            unassigned.setdefault(item.role or "no role", []).append(item.id)
    if unassigned:
        click.echo(f"  ! {sum(map(len, unassigned.values()))} item(s) need an owner (flagged 'Needs owner'):")
        for role, ids in sorted(unassigned.items()):
            click.echo(f"      {role:<22} {', '.join(ids)}")
        click.echo('    Name them with --role ROLE="Name <email>", or type a name into their Owner cells.')
    if result.shared_with:
        click.echo(f"  Shared with: {', '.join(result.shared_with)}")
    elif not dry_run and req.buyers:
        click.echo(f"  Send the file to: {', '.join(str(p) for p in req.buyers)}")
    if not dry_run:
        click.echo(f"Next: open it, then run 'mapws sync {result.ref.slug}' after the buyer's edits.")


#: What ``mapws list`` says where the last sync did not tell (or no sync recorded it yet).
UNKNOWN = "—"
_HEALTH_WORDS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}


def pipeline_cells(row: PipelineRow) -> tuple[str, ...]:
    """One plan's line of ``mapws list``: plan, health, progress, decision, projected, next
    milestone, days since the buyer's last edit ('—' where unknown)."""
    health = _HEALTH_WORDS.get(str(row.fact("health") or ""), UNKNOWN)
    if row.fact("buyer_silent"):
        health += " (buyer silent)"
    progress = row.fact("progress")
    done = f"{progress['percent']}% ({progress['done']}/{progress['total']})" if isinstance(progress, dict) else UNKNOWN
    milestone = row.fact("next_milestone")
    nxt = (f"{milestone.get('id') or ''} {milestone.get('due') or ''}".strip() or UNKNOWN) if isinstance(
        milestone, dict) else UNKNOWN
    days = row.days_since_buyer_edit
    if days is not None:
        buyer = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
    elif row.status is not None and row.status.watched_since:
        buyer = f"none since {row.status.watched_since}"
    else:
        buyer = UNKNOWN
    return (terminal_safe(row.ref.slug or row.ref.id), health, done, str(row.fact("target_decision") or UNKNOWN),
            str(row.fact("projected_decision") or UNKNOWN), terminal_safe(nxt), buyer)


_PIPELINE_HEAD = ("PLAN", "HEALTH", "PROGRESS", "DECISION", "PROJECTED", "NEXT MILESTONE", "BUYER'S LAST EDIT")


def print_pipeline(rows: Sequence[PipelineRow], where: Path, as_json: bool, skipped: Sequence[str] = ()) -> None:
    """``mapws list``: the pipeline, one line per plan as the last sync left it, with a second line
    for its deal name and the seller-side facts (deal value, forecast, CRM id, how it closed); then
    once each the spreadsheets that are not plans."""
    if as_json:
        echo_json({"plans": [row.as_json() for row in rows],
                   "skipped": [{"path": path, "reason": NOT_A_PLAN} for path in skipped]})
        return
    if not rows:
        click.echo(f"No plans in {where}. Create one with 'mapws create' or try 'mapws demo'.")
    else:
        lines = [_PIPELINE_HEAD] + [pipeline_cells(row) for row in rows]
        widths = [max(display_width(line[i]) for line in lines) for i in range(len(_PIPELINE_HEAD))]
        click.echo("  ".join(pad(h, w) for h, w in zip(_PIPELINE_HEAD, widths, strict=True)).rstrip())
        for row, cells in zip(rows, lines[1:], strict=True):
            click.echo("  ".join(pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip())
            p = row.private
            extra = [f"{p.deal_value:,.0f}" if p.deal_value is not None else "", p.forecast,
                     f"CRM {terminal_safe(row.crm_id)}" if row.crm_id else ""]
            if row.closed is not None:
                extra.append(f"closed: {row.closed.outcome} on {row.closed.on}")
            said = " · ".join(x for x in [terminal_safe(row.ref.title)] + extra if x)
            if said:
                click.echo(f"  {said}")
    print_skipped(skipped, as_json=False)


def print_linked(result: LinkResult, as_json: bool) -> None:
    """``mapws link``: the CRM id recorded (or that would be), and the one it replaced."""
    if as_json:
        echo_json(result.as_json())
        return
    name = terminal_safe(result.ref.slug or result.ref.id)
    verb = "Would link" if result.dry_run else "Linked"
    was = f" (was {terminal_safe(result.was)})" if result.was and result.was != result.crm_id else ""
    click.echo(f"{verb} {name} to CRM id {terminal_safe(result.crm_id)}{was}: kept on your side, never in the plan.")


def print_closed(result: CloseResult, as_json: bool) -> None:
    """``mapws close``: what the plan says now (or would say, with ``--dry-run``)."""
    if as_json:
        echo_json(result.as_json())
        return
    name = terminal_safe(result.ref.slug or result.ref.id)
    would = "Would mark" if result.dry_run else "Marked"
    if result.outcome is None:
        click.echo(f"{would} {name} open again: it flags dates and is synced every night again.")
        return
    assert result.on is not None
    click.echo(f"{would} {name} closed — {result.outcome} on {result.on.isoformat()}: its Overview says so, "
               "nothing is flagged overdue any more, and sync --all skips it.")
    if result.reason:
        click.echo("  The reason is kept on your side only, never in the plan.")
    if not result.dry_run:
        click.echo(f"Undo with 'mapws close {result.ref.slug or result.ref.id} --reopen'.")


def print_changes(result: ChangesResult, as_json: bool) -> None:
    """``mapws changes``: one line per change, when, what in words, and who where known."""
    if as_json:
        echo_json(result.as_json())
        return
    name = terminal_safe(result.ref.slug or result.ref.id)
    since = result.since.isoformat() if result.since else ""
    head = {"checkin": f" since the last check-in ({since})", "date": f" since {since}",
            "no-checkin": " (no check-in yet: every change)"}.get(result.since_what, "")
    if result.since_what == "no-checkin":
        click.echo(f"{name} has no check-in yet (its Check-ins tab has no dated row): showing every change.")
    if not result.changes:
        click.echo(f"{name}: no changes{head}.")
        return
    click.echo(f"{name}: {len(result.changes)} change(s){head}")
    for c in result.changes:
        at = str(c["at"] or "")[:16].replace("T", " ")
        by = f" — by {one_line(c['by'])}" if c["by"] else ""
        click.echo(f"  {at:<16}  {one_line(c['text'])}{by}")


#: ``mapws notify``'s reasons for sending nothing to someone, in words.
NOTIFY_WHY = {"opted_out": "opted out", "sent_recently": "heard from us recently",
              "nothing_due": "nothing due or overdue", "non_working_day": "not a working day on the plan's calendar",
              "no_email": "no email address in Stakeholders"}


def print_notify_message(message: Message, error: MapwsError | None, *, dry_run: bool, verbose: bool,
                         as_json: bool) -> None:
    """One line per message as it goes (the full text under it with ``--verbose`` and ``--dry-run``)."""
    if as_json:
        return
    what = f"{message.kind} to {message.to}"
    about = f"{len(message.plans)} plan(s), {len(message.items)} item(s)"
    if error is not None:
        click.secho(terminal_safe(f"  FAILED {what}: {one_line(error.message)}"), fg="red", err=True)
        return
    click.echo(terminal_safe(f"  {'would send' if dry_run else 'sent'} {what}: {one_line(message.subject)} ({about})"))
    if dry_run and verbose:
        for line in message.text.splitlines():
            click.echo(terminal_safe("      " + line))


def print_notified(result: NotifyResult, as_json: bool, *, verbose: bool = False, key: str = "") -> None:
    """The end of ``mapws notify``: who got nothing and why (each with ``verbose``, else counted by
    reason), what failed, the count. ``key``: the JSON goes under it (``sync --all --notify`` prints
    it as one more line after the night's)."""
    if as_json:
        echo_json({key: result.as_json()} if key else result.as_json())
        return
    from collections import Counter

    for ref, error in result.unread:
        click.secho(terminal_safe(f"  {ref.slug or ref.id}: not read — {one_line(error.message)}"), fg="red", err=True)
    if verbose:
        for skip in result.skipped:
            click.echo(terminal_safe(f"  skipped {skip.kind} to {skip.to}: {NOTIFY_WHY.get(skip.why, skip.why)}"))
    elif result.skipped:
        why = Counter(skip.why for skip in result.skipped)
        click.echo("  skipped: " + ", ".join(f"{n} {NOTIFY_WHY.get(w, w)}" for w, n in sorted(why.items())))
    verb = "would be sent" if result.dry_run else "sent"
    failed = f", {len(result.failed)} failed" if result.failed else ""
    click.echo(f"{len(result.sent)} message(s) {verb}{failed}, {len(result.skipped)} skipped.")
    hint = next((error.hint for _, error in result.failed if error.hint), "")
    if hint:
        click.echo(f"  → {one_line(hint)}", err=True)


def print_opted_out(email: str, plan: str, added: bool, as_json: bool) -> None:
    if as_json:
        echo_json({"opted_out": email, "plan": plan or None, "new": added})
        return
    about = f"about {terminal_safe(plan)}" if plan else "about any plan"
    said = "no longer gets" if added else "already did not get"
    click.echo(f"{terminal_safe(email)} {said} reminders or digests {about} (kept on your side, in the state store).")


#: Why a spreadsheet in the plans folder is left alone.
NOT_A_PLAN = "not a plan, skipped"


def print_skipped(paths: Sequence[str], as_json: bool) -> None:
    """Spreadsheets where plans live that are not plans: one line each (``--json``: one object each)."""
    for path in paths:
        if as_json:
            echo_json({"skipped": path, "reason": NOT_A_PLAN})
        else:
            click.echo(terminal_safe(f"{path}: {NOT_A_PLAN} (no mapws document properties)"))


def _web_link(url: str) -> bool:
    """A link a person can open from a mail (a Google file's), not a local ``file:`` URI."""
    return url.startswith(("https://", "http://"))


def print_summary_written(result: SummaryResult, as_json: bool) -> None:
    if as_json:
        problem = result.pdf_problem
        echo_json({"document": result.document, "url": result.url, "pdf": result.pdf, "kept": list(result.kept),
                   **({"pdf_error": problem.as_json()} if problem is not None else {})})
        return
    if _web_link(result.url):
        click.echo(f"Wrote the summary {result.document}")
        click.echo(f"  Link to send: {result.url}")
    else:
        click.echo(f"Wrote {result.document}")
    if result.pdf:
        click.echo(f"Wrote {result.pdf}")
    for copy in result.kept:
        click.echo(f"Kept a dated copy: {copy}")


def print_checkin(result: CheckinResult, as_json: bool) -> None:
    if as_json:
        echo_json(result.as_json())
        return
    agenda = result.agenda
    if result.markdown:
        click.echo(result.markdown, nl=False)
        return
    counts = (f"{len(agenda.changed)} changed, {len(agenda.done)} done, {len(agenda.slipped)} slipped, "
              f"{len(agenda.overdue)} overdue, {len(agenda.next_two_weeks)} due in two weeks, "
              f"{len(agenda.needs_owner)} need an owner")
    if result.dry_run:
        click.echo(f"Would hold the check-in of {agenda.on.isoformat()} ({counts}); nothing was written.")
    else:
        click.echo(f"Wrote the agenda {result.document}" if _web_link(result.url) else f"Wrote {result.document}")
        if _web_link(result.url):
            click.echo(f"  Link to send: {result.url}")
        click.echo(f"  {counts}")
    click.echo(f"  Next check-in: {agenda.next.isoformat()}")


def print_calendar(result: CalendarResult, as_json: bool) -> None:
    if as_json:
        echo_json(result.as_json())
        return
    kinds = [e["kind"] for e in result.events]
    click.echo(f"Wrote {result.path} ({kinds.count('milestone')} milestones, {kinds.count('checkin')} check-ins)")


def print_shared(result: ShareResult, as_json: bool) -> None:
    if as_json:
        echo_json(result.as_json())
        return
    verb = "Would share" if result.dry_run else "Shared"
    click.echo(f"{verb} {result.ref.slug} with {', '.join(result.shared_with) or 'nobody new'}.")
    if _web_link(result.ref.url):
        click.echo(f"  Link to send: {result.ref.url}")


# --- replan and assign ---------------------------------------------------------------------------

#: An activity longer than this is cut in the replan table (the JSON keeps it whole).
TABLE_ACTIVITY = 44


def print_replan_table(replan: Replan) -> None:
    """What a replan moves, before it is written: ID, activity, old → new due, why."""
    if not replan.moves:
        return
    rows = [("ID", "Activity", "Due", "Why")]
    rows += [(m.id, one_line(m.activity, TABLE_ACTIVITY),
              f"{m.before.isoformat() if m.before else '?'} → {m.after.isoformat()}", one_line(m.reason))
             for m in replan.moves]
    widths = [max(display_width(r[k]) for r in rows) for k in range(3)]
    for r in rows:
        click.echo("  " + "  ".join(pad(r[k], widths[k]) for k in range(3)) + "  " + r[3])


def print_replanned(result: ReplanResult, as_json: bool) -> None:
    if as_json:
        echo_json(result.as_json())
        return
    plan = result.replan
    if not result.written:
        print_replan_table(plan)  # a written replan showed it before writing
    a = plan.result.assessment
    n = len(plan.moves)
    did = ("nothing to move" if not n else f"would move {n} item(s)" if result.dry_run
           else f"{n} item(s) moved")
    projected = a.projected_decision.isoformat() if a.projected_decision else "unknown"
    click.echo(terminal_safe(f"{result.ref.slug}: {did} · {a.health.label} · projected decision {projected}"))
    for warning in plan.warnings:
        click.secho(terminal_safe(f"  ! {warning}"), fg="yellow", err=True)


def print_assigned(result: AssignResult, as_json: bool) -> None:
    if as_json:
        echo_json(result.as_json())
        return
    verb = "would own" if result.dry_run else "now owns"
    for a in result.assignments:
        owns = ", ".join(a.items) if a.items else "no unassigned open item"
        joined = "" if not a.added else "; would join Stakeholders" if result.dry_run else "; added to Stakeholders"
        click.echo(terminal_safe(f"{a.role}: {a.person} {verb} {owns}{joined}"))
        for item_id, owner in a.kept:
            click.echo(terminal_safe(f"  {item_id} kept: its owner '{one_line(owner, 40)}' was typed in the plan"))
    if not result.written and not result.dry_run:
        click.echo(f"{result.ref.slug}: nothing to write.")


# --- sync and status ---------------------------------------------------------------------------

#: An activity longer than this is cut in a finding line (the JSON keeps it whole).
ACTIVITY_WIDTH = 100
_ORDER = {"error": 0, "warning": 1, "info": 2}


def one_line(text: str, limit: int | None = None) -> str:
    text = " ".join(terminal_safe(text).split())
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


def finding_line(f: Finding) -> str:
    """"T-09 End-user feedback on the demo collected: no owner (Plan!E11)": the item and its
    activity, what is wrong, and the cell to fix (sheet!cell, as a spreadsheet names it)."""
    subject = " ".join(x for x in (f.id or "", one_line(f.activity, ACTIVITY_WIDTH)) if x)
    text = f"{subject}: {f.said_of_item}" if subject else one_line(f.message).rstrip(".")
    where = f" ({sheet_ref(f.sheet or f.tab)}!{f.cell})" if f.cell else ""
    return one_line(text + where)


def sheet_ref(name: str) -> str:
    """A tab's name as a spreadsheet formula writes it: ``Plan``, ``'Risk log'``."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else "'" + name.replace("'", "''") + "'"


def shown_findings(findings: Sequence[Finding], verbose: bool) -> list[Finding]:
    """Errors first, then warnings (info only with ``--verbose``), by tab and item."""
    shown = [f for f in findings if verbose or f.severity.value != "info"]
    return sorted(shown, key=lambda f: (_ORDER[f.severity.value], f.tab, f.id or "", f.code))


def finding_lines(findings: Sequence[Finding], *, verbose: bool, hints: bool) -> list[tuple[str, str | None]]:
    """Each finding as ``(line, colour)``, its hint on the next line (one line) unless ``hints`` is off."""
    out: list[tuple[str, str | None]] = []
    for f in shown_findings(findings, verbose):
        sev = f.severity.value
        out.append((f"  {sev:<7} {finding_line(f)}", {"error": "red", "warning": "yellow"}.get(sev)))
        if hints and f.hint:
            out.append((f"  {'':<7} → {one_line(f.hint)}", None))
    return out


def print_findings(findings: Sequence[Finding], verbose: bool, hints: bool = True) -> None:
    for line, colour in finding_lines(findings, verbose=verbose, hints=hints):
        click.secho(line, fg=colour)


def changed_lines(outcome: SyncOutcome) -> list[str]:
    """"What changed": the edits the sync observed, in words, and who made them when known."""
    changed = outcome.changed()
    if not changed:
        return []
    by = f" (last edited by {one_line(outcome.edited_by)})" if outcome.edited_by else ""
    return [f"  What changed{by}:"] + [f"    {one_line(c['text'])}" for c in changed]


def outcome_head(outcome: SyncOutcome, *, dry_run: bool) -> str:
    a = outcome.result.assessment
    n = outcome.changes
    did = f"would write {n} change(s)" if dry_run else (f"{n} change(s) written" if outcome.written
                                                         else "nothing to write")
    projected = a.projected_decision.isoformat() if a.projected_decision else "unknown"
    if outcome.result.closed:
        return terminal_safe(f"{outcome.ref.slug}: {did} · {a.progress.text} · {outcome.result.closed}")
    return terminal_safe(f"{outcome.ref.slug}: {did} · {a.progress.text} · {a.health.label} · projected decision "
                         f"{projected}")


def print_outcome(outcome: SyncOutcome, *, dry_run: bool, verbose: bool, as_json: bool,
                  planned: bool = False, hints: bool = True) -> None:
    """One plan's sync or status (``dry_run``: what it would write): a line, what the buyer changed,
    then the findings with their hints (``--dry-run --verbose``: the plan)."""
    if as_json:
        echo_json(outcome.as_json(planned=planned))
        return
    click.echo(outcome_head(outcome, dry_run=dry_run))
    for line in changed_lines(outcome):
        click.echo(line)
    print_findings(outcome.result.findings, verbose, hints)
    if dry_run and verbose:
        import json

        for change in outcome.result.changes.describe():
            click.echo(f"  plan: {json.dumps(change, ensure_ascii=False, default=str)}")


# --- a night (sync --all, status --all) --------------------------------------------------------------

LABELS = {"overdue": "Overdue", "stalled": "Stalled", "due_soon": "Due soon", "blocked": "Blocked",
          "slipped": "Slipped"}


class ProgressBar:
    """A rich progress bar on stderr, or its silent twin (not a terminal, --quiet, --json)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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


def plain_night() -> bool:
    """A night's report is plain text (no table, no width limit) when stdout is not a terminal:
    what cron mails, a CI log keeps, or a pipe reads."""
    return not sys.stdout.isatty()


def print_run_line(run: PlanRun, *, planned: bool, verbose: bool, dry_run: bool, as_json: bool) -> None:
    """One plan of the night as it finishes: a JSON line each, or on a terminal (``--verbose``,
    failures) a line. Plain text prints each plan once, at the end (``print_night_end``)."""
    if as_json:
        out = run.as_json()
        if planned and run.outcome is not None:
            out["planned"] = run.outcome.result.changes.describe()
        echo_json(out)
    elif (verbose or run.error is not None) and not plain_night():
        print_run(run, dry_run=dry_run, verbose=verbose)


def print_run(run: PlanRun, *, dry_run: bool, verbose: bool) -> None:
    if run.error is not None:
        click.secho(terminal_safe(f"{run.ref.slug}: FAILED — {run.error.message}"), fg="red")
        if run.error.hint:
            click.echo(terminal_safe(f"  → {run.error.hint}"))
        return
    assert run.outcome is not None
    click.echo(run_head(run, dry_run=dry_run))


def run_head(run: PlanRun, *, dry_run: bool) -> str:
    """"acme-rollout: 3 change(s) written · 5 of 26 done · 19% · At risk · projected decision …"."""
    assert run.outcome is not None
    head = outcome_head(run.outcome, dry_run=dry_run)
    if not run.read:
        slug = terminal_safe(run.ref.slug)
        head = f"{slug}: unchanged, {head[len(slug) + 2:]}"
    return head


def print_night_end(night: Night, as_json: bool, *, verbose: bool = False, hints: bool = True) -> None:
    """The totals (``{"totals": …}`` as the last JSON line; plain text per plan then the totals
    when stdout is not a terminal; else the digest tables), then on stderr what went wrong with
    the state store, if anything did."""
    if as_json:
        echo_json({"totals": night.totals()})
    elif plain_night():
        print_night_plain(night, verbose=verbose, hints=hints)
    else:
        print_night(night)
    if night.state_problem is not None:
        print_error(night.state_problem, as_json=False)


def night_sentence(night: Night) -> str:
    t = night.totals()
    shut = f" {t['closed']} closed plan(s) skipped." if t["closed"] else ""
    return _night_words(night, t) + shut


def _night_words(night: Night, t: dict[str, Any]) -> str:
    if night.dry_run:
        did = (f"nothing written: would write {t['changes']} change(s)" if t["changes"]
               else "nothing written, nothing to write")
        return (f"{t['synced']} of {t['plans']} plan(s) checked ({t['unchanged']} unchanged, not read), "
                f"{t['failed']} failed; {did}.")
    return (f"{t['synced']} of {t['plans']} plan(s) synced ({t['unchanged']} unchanged, not read), "
            f"{t['failed']} failed, {t['changes']} change(s) written.")


def print_night_plain(night: Night, *, verbose: bool = False, hints: bool = True) -> None:
    """For cron mail and logs: per plan its line (health, progress), what changed and each
    finding with its hint; then who has what, and the totals. No width limit, no colour."""
    from map_workspace.nightly import CATEGORIES

    for run in sorted(night.runs, key=lambda r: r.ref.slug):
        if run.error is not None:
            click.echo(terminal_safe(f"{run.ref.slug}: FAILED — {one_line(run.error.message)}"))
            if run.error.hint and hints:
                click.echo(f"  → {one_line(run.error.hint)}")
            continue
        assert run.outcome is not None
        click.echo(run_head(run, dry_run=night.dry_run))
        for line in changed_lines(run.outcome):
            click.echo(line)
        for line, _ in finding_lines(run.outcome.result.findings, verbose=verbose, hints=hints):
            click.echo(line)
    owners = night.by_owner()
    if owners:
        click.echo("By owner:")
        for owner, tally in sorted(owners.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            counts = ", ".join(f"{tally[c]} {LABELS[c].lower()}" for c in CATEGORIES if tally[c])
            click.echo(f"  {one_line(owner)}: {counts}")
    if night.resumed:
        click.echo(f"Resumed after an interrupted run (started {night.resumed['started']}, "
                   f"{night.resumed['done']} of {night.resumed['total']} plans done then).")
    click.echo(night_sentence(night))


def print_night(night: Night) -> None:
    """Per plan, then per owner: what is overdue, stalled, due soon, blocked or slipped."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from map_workspace.nightly import CATEGORIES

    console = Console()
    plans = Table(title="Tonight's plans" if not night.dry_run else "Tonight's plans (checked, nothing written)",
                  title_justify="left")
    last = "Would write" if night.dry_run else "Changes"
    for header in ("Plan", "Progress", "Health", *(LABELS[c] for c in CATEGORIES), last):
        plans.add_column(header, justify="right" if header not in ("Plan", "Health", "Progress") else "left")
    for run in sorted(night.runs, key=lambda r: r.ref.slug):
        if run.outcome is None:
            plans.add_row(escape(terminal_safe(run.ref.slug)), "[red]failed[/red]", "", *([""] * len(CATEGORIES)), "")
            continue
        a = run.outcome.result.assessment
        counts = [str(len(run.digest[c])) if run.digest.get(c) else "" for c in CATEGORIES]
        p = a.progress
        plans.add_row(escape(terminal_safe(run.ref.slug)), f"{p.done}/{p.total} {p.percent}%", a.health.label, *counts,
                      str(run.outcome.changes))
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
    if night.resumed:
        console.print(f"Resumed after an interrupted run (started {night.resumed['started']}, "
                      f"{night.resumed['done']} of {night.resumed['total']} plans done then).")
    console.print(escape(night_sentence(night)), highlight=False)
    for run in night.failed:
        assert run.error is not None
        console.print(f"[red]FAILED[/red] {escape(terminal_safe(run.ref.slug))}: "
                      f"{escape(terminal_safe(run.error.message))}", highlight=False)


# --- auth --------------------------------------------------------------------------------------

def print_login(principal: str, scopes: Sequence[str], token: Path, as_json: bool) -> None:
    if as_json:
        echo_json({"principal": principal, "scopes": list(scopes), "token": str(token)})
    else:
        click.echo(f"Signed in as {principal}; token kept in {token} (readable by you only).")


def print_auth_check(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(report)
        return
    click.echo(f"Identity: {report['principal']}")
    click.echo(f"Found:    {report['source']}")
    broad = "  (broader than drive.file: opted in)" if report["broad_scopes"] else ""
    click.echo(f"Scopes:   {', '.join(report['scopes'])}{broad}")
    folder = report.get("folder")
    if folder:
        state = "writable" if folder["writable"] else "NOT writable"
        click.echo(f"Folder:   {folder['name']} ({folder['id']}): {state}")
    for warning in report.get("warnings", []):
        click.secho(f"Warning:  {warning}", fg="yellow")


def print_logout(removed: bool, token: Path, as_json: bool) -> None:
    if as_json:
        echo_json({"removed": removed, "token": str(token)})
    else:
        click.echo(f"Removed {token}." if removed else "No cached token to remove.")


# --- templates ---------------------------------------------------------------------------------

def print_templates(rows: Sequence[tuple[str, str]], as_json: bool) -> None:
    if as_json:
        echo_json({"templates": [{"name": n, "description": d} for n, d in rows]})
        return
    for name, description in rows:
        click.echo(f"{name:<14} {description}")


def print_template(t: Template, as_json: bool) -> None:
    """A template's roles, activities and risks."""
    if as_json:
        echo_json({
            "name": t.name, "description": t.description,
            "roles": [{"key": r.key, "side": r.side.value, "title": r.title} for r in t.roles],
            "activities": [{"key": a.key, "type": a.type.value, "activity": a.activity, "side": a.side.value,
                            "owner_role": a.owner_role, "duration_days": a.duration_days,
                            "buffer_days": a.buffer_days, "depends_on": list(a.depends_on),
                            **({"meeting": a.meeting} if a.meeting else {}),
                            **({"approval_chain": True} if a.approval_chain else {})}
                           for a in t.activities],
            "risks": [{"risk": r.risk, "probability": r.probability.value, "impact": r.impact.value}
                      for r in t.risks],
            "calendar": {"holidays": list(t.calendar.holidays), "closures": list(t.calendar.closures),
                         "fiscal_year_start": t.calendar.fiscal_year_start,
                         "budget_release_weeks": t.calendar.budget_release_weeks},
        })
        return
    click.echo(f"{t.name}: {t.description}")
    click.echo("\nRoles (name people with --buyer, --seller and --role ROLE=\"Name <email>\"):")
    for r in t.roles:
        click.echo(f"  {r.key:<24} {r.side.value:<7} {r.title}")
    click.echo("\nActivities:")
    for a in t.activities:
        deps = f" after {', '.join(a.depends_on)}" if a.depends_on else ""
        days = f"{a.duration_days}+{a.buffer_days}d" if a.type.value == "Task" or a.lead_days else "milestone"
        meeting = f" (on {a.meeting})" if a.meeting else ""
        chain = " [approval chain]" if a.approval_chain else ""
        click.echo(f"  {a.key:<24} {a.side.value:<7} {days:<10} {a.activity}{deps}{meeting}{chain}")
    calendar = _template_calendar(t)
    if calendar:
        click.echo(f"\nCalendar: {calendar}")
    click.echo("\nRisks:")
    for risk in t.risks:
        click.echo(f"  {risk.probability.value}/{risk.impact.value}: {risk.risk}")


def _template_calendar(t: Template) -> str:
    """"JP holidays; closures 12-29..01-03; fiscal year from April (…)"; "" when it says nothing."""
    c = t.calendar
    parts = [", ".join(c.holidays) + " holidays"] if c.holidays else []
    if c.closures:
        parts.append("closures " + ", ".join(c.closures))
    if c.fiscal_year_start:
        month = date(2000, c.fiscal_year_start, 1).strftime("%B")
        parts.append(f"fiscal year from {month} (decisions in its first {c.budget_release_weeks} weeks warned)")
    return "; ".join(parts)


def print_template_check(file: Path, problems: Sequence[str], as_json: bool) -> None:
    """OK, or every problem (``--json``: the problems come with the error object instead)."""
    if not problems:
        if as_json:
            echo_json({"template": str(file), "ok": True, "problems": []})
        else:
            click.echo(f"{file}: OK")
        return
    if not as_json:
        click.echo(f"{file}: {len(problems)} problem(s)")
        for p in problems:
            click.echo(f"  - {p}")


def print_published(name: str, ref: PlanRef, as_json: bool) -> None:
    if as_json:
        echo_json({"template": name, "id": ref.id, "url": ref.url})
    else:
        click.echo(f"Published the '{name}' template: {ref.url}")
        click.echo("Brand it in Sheets (logo, colours, extra tabs); 'mapws create' now copies it.")


# --- the team report -------------------------------------------------------------------------------

def print_team_report(team: Any, *, fmt: str, written: Path | None, as_json: bool) -> None:
    """``mapws report``: the figures as tables with how each was made, or JSON, or where the file went.
    With --json every format prints the report's JSON (and ``written`` when a file was written)."""
    if as_json or (fmt == "json" and written is None):
        echo_json({**team.as_json(), **({"written": str(written)} if written is not None else {})})
        return
    if written is not None:
        click.echo(f"Wrote the report ({fmt}) to {written}")
        return
    if fmt == "csv":
        from map_workspace.team_report_files import pipeline_csv

        click.echo(pipeline_csv(team), nl=False)
        return
    _print_team_tables(team)


def _print_team_tables(team: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from map_workspace.team_report import records

    # A terminal's own width; written to a file or a pipe, wide enough that no column is cut.
    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    health = {"off_track": "[red]Off track[/]", "at_risk": "[yellow]At risk[/]", "on_track": "[green]On track[/]"}

    def text(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
        return terminal_safe(value).replace("[", r"\[")

    def rate(value: Any) -> str:
        return "—" if value is None else f"{value * 100:.0f}%"

    pipeline = Table(title=f"Pipeline: {len(team.pipeline)} open plan(s), riskiest first", title_justify="left")
    for column in ("Deal", "Seller", "Health", "Progress", "Overdue", "Slips", "Target", "Projected",
                   "Next milestone", "Buyer edit"):
        pipeline.add_column(column)
    for r in records(team.pipeline):
        edited = "never" if r["days_since_buyer_edit"] is None else f"{r['days_since_buyer_edit']} d ago"
        nxt = f"{text(r['next_milestone'])} ({r['next_milestone_due']})" if r["next_milestone"] else "—"
        pipeline.add_row(text(r["deal"]), text(r["seller"]), health.get(r["health"], text(r["health"])),
                         f"{r['progress']}%", text(r["overdue"]), f"{r['slips']} ({r['slip_days']} d)",
                         text(r["target_decision"]), text(r["projected_decision"]), nxt, edited)
    console.print(pipeline)

    outcomes = Table(title="Outcomes of closed deals", title_justify="left")
    for column in ("", "Deals", "Won", "Win rate", "Median cycle (days)"):
        outcomes.add_column(column)
    for key, words in (("with_map", "With an accepted MAP"), ("without_map", "Without one")):
        g = team.outcomes[key]
        outcomes.add_row(words, str(g["deals"]), str(g["won"]), rate(g["win_rate"]), text(g["median_cycle_days"]))
    console.print(outcomes)
    for line in team.cautions:
        console.print(f"[yellow]{text(line)}[/]")
    if team.significance:
        console.print(f"{team.significance['test']}: p = {team.significance['p_value']}")

    for title, frame, key in (("By slips", team.by_slips, "slips"), ("By completion at close", team.by_completion,
                                                                      "completion")):
        table = Table(title=title, title_justify="left")
        for column in (key.capitalize(), "Deals", "Won", "Win rate", "Median cycle (days)"):
            table.add_column(column)
        for r in records(frame):
            table.add_row(r[key], str(r["deals"]), str(r["won"]), rate(r["win_rate"]), text(r["median_cycle_days"]))
        console.print(table)

    p = team.projection_summary
    console.print(f"Projection error of won deals: {p['won_deals']} deal(s), median "
                  f"{text(p['median_business_days'])} business day(s) (positive: later than planned), mean absolute "
                  f"{text(p['mean_absolute_business_days'])}.")

    sellers = Table(title="Per seller", title_justify="left")
    for column in ("Seller", "Plans", "Accepted", "Closed", "Won", "Win rate", "Median slips"):
        sellers.add_column(column)
    for r in records(team.by_seller):
        sellers.add_row(text(r["seller"]), str(r["plans"]), str(r["accepted"]), str(r["closed"]), str(r["won"]),
                        rate(r["win_rate"]), text(r["median_slips"]))
    console.print(sellers)
    if team.crm_source:
        console.print(f"CRM rows that matched no plan: {team.unmatched_crm_rows}")
    console.print("How these figures are made:")
    for line in team.method:
        console.print(f"  · {text(line)}")
    console.print(f"({team.plans_read} plan(s) read, {team.plans_remembered} from the state store unread.)")
    for plan, why in team.failed:
        console.print(f"[red]Left out {text(plan)}: {text(why)}[/]")
