"""``mapws notify`` (and ``sync --all --notify``): read the open plans, work out who hears what
tonight (``domain.notify``: the rules against fatigue live there), send it (``delivery``), and
record each message in the state store as it goes, so a rerun of the same night sends nothing twice.

The order per message: recorded as "sending" (committed), then sent, then marked sent — or the
record removed when the server refused it. A run killed between the first two steps leaves the
record behind: the rerun counts it as sent, so nobody gets a message twice; the worst a crash
costs is one reminder that waits for the next one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from map_workspace import app
from map_workspace.catalog import META_LANGUAGE
from map_workspace.config import Config
from map_workspace.domain.notify import (
    Digest,
    OptOut,
    PlanView,
    Reminder,
    Sent,
    Skip,
    changes_since,
    plan_outbox,
)
from map_workspace.errors import ExitStatus, MapwsError, UsageError
from map_workspace.ports import PlanRef, PlanStore


@dataclass(frozen=True)
class Message:
    """One message sent (or, with ``--dry-run``, that would be)."""

    to: str
    kind: str
    plans: tuple[str, ...]
    items: tuple[str, ...]
    subject: str = ""
    text: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"to": self.to, "kind": self.kind, "plans": list(self.plans), "items": list(self.items)}


@dataclass
class NotifyResult:
    sent: list[Message] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    failed: list[tuple[Message, MapwsError]] = field(default_factory=list)
    #: Plans that could not be read: named, the others still notified about.
    unread: list[tuple[PlanRef, MapwsError]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def exit_status(self) -> ExitStatus:
        return ExitStatus.PLAN if self.failed or self.unread else ExitStatus.OK

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sent": [m.as_json() for m in self.sent],
                               "skipped": [{"to": s.to, "why": s.why} for s in self.skipped]}
        if self.failed:
            out["failed"] = [{**m.as_json(), "error": e.as_json()} for m, e in self.failed]
        if self.unread:
            out["unread"] = [{"plan": r.id, "error": e.as_json()} for r, e in self.unread]
        if self.dry_run:
            out["dry_run"] = True
        return out


def plan_views(store: PlanStore, refs: Sequence[PlanRef], config: Config, state: Any, since: date,
               unread: list[tuple[PlanRef, MapwsError]]) -> list[PlanView]:
    """Each plan as notifying sees it: planned as a sync would (``status``), from the snapshot the
    nightly kept when the file has not changed since (no read), else read; with what the state store
    remembers of the buyer's edits, so the buyer's silence is in the digest as in ``list``."""
    from map_workspace.nightly import plan_key

    views = []
    for ref in refs:
        key = plan_key(store, ref)
        try:
            ref = ref if ref.version else _versioned(store, ref)
            remembered = state.get(key)
            cached = None
            if remembered is not None and ref.version and store.unchanged_since(remembered.version, ref):
                cached = remembered.snapshot
            outcome = app.sync_plan(store, ref, config, dry_run=True, cached=cached, buyer=state.buyer_watch(key))
        except MapwsError as exc:
            unread.append((ref, exc))
            continue
        result = outcome.result
        assert outcome.after is not None
        views.append(PlanView(key, result.plan, result.assessment, result.findings, ref.url, result.calendar,
                              tuple(changes_in_words(outcome.after, result.plan, since)),
                              language=outcome.after.meta.get(META_LANGUAGE, "")))
    return views


def _versioned(store: PlanStore, ref: PlanRef) -> PlanRef:
    from dataclasses import replace

    return replace(ref, version=store.version(ref))


def changes_in_words(snapshot: Any, plan: Any, since: date) -> list[str]:
    """The History rows logged on or after ``since``, each as the sync says it, and who where known."""
    for_words = app.history_in_words(snapshot, plan)
    from map_workspace.reading import read_history

    out = []
    for row, change in zip(read_history(snapshot), for_words, strict=True):
        if row.at is None or row.at.date() < since:
            continue
        out.append(change.words + (f" (by {row.by})" if row.by else ""))
    return out


def _sent_before(state: Any) -> list[Sent]:
    return [Sent(to, kind, date.fromisoformat(day), fp) for to, kind, day, fp, _ in state.notifications()]


def notify(store: PlanStore, config: Config, *, plan: str | None = None, digest: bool = True,
           reminders: bool = True, dry_run: bool = False,
           on_message: Callable[[Message, MapwsError | None], None] | None = None) -> NotifyResult:
    """Tonight's digest, reminders and Slack message for every open plan (or ``plan``)."""
    from map_workspace.nightly import open_state

    today = app.today_for(config)
    result = NotifyResult(dry_run=dry_run)
    if plan:
        refs = [store.locate(plan)]
    else:
        refs = app.list_plans(store)
        closed = app.closed_plans(store, config, refs)
        refs = [r for r in refs if r.id not in closed]
    state = open_state(store, config)
    try:
        with state.exclusive(wait=True):  # two notify runs at once must not both send
            _notify_locked(store, config, refs, state, result, today, digest=digest, reminders=reminders,
                           dry_run=dry_run, on_message=on_message)
    finally:
        state.close()
    return result


def _notify_locked(store: PlanStore, config: Config, refs: Sequence[PlanRef], state: Any, result: NotifyResult,
                   today: date, *, digest: bool, reminders: bool, dry_run: bool,
                   on_message: Callable[[Message, MapwsError | None], None] | None) -> None:
    settings = config.notify
    sent = _sent_before(state)
    calendar = app.calendar_for(config, today)
    last = max((s.day for s in sent if s.kind in ("digest", "slack") and s.day < today), default=None)
    since = changes_since(today, last, calendar)
    views = plan_views(store, refs, config, state, since, result.unread)
    opt_outs = [OptOut(email, key) for email, key in state.opt_outs()]
    outbox = plan_outbox(views, today, settings.rules, digest=digest, reminders=reminders,
                         slack=digest and bool(settings.slack_webhook), calendar=calendar,
                         digest_to=settings.digest_to, sent=sent, opt_outs=opt_outs, rep=config.seller)
    result.skipped = list(outbox.skipped)
    names = {v.key: _plan_name(v) for v in views}
    mails = [*(_digest_mail(d, since) for d in outbox.digests),
             *(_reminder_mail(r, names) for r in outbox.reminders)]
    if mails and not dry_run and not (settings.smtp and settings.sender):
        raise UsageError("There is mail to send, but [notify] in the config file names no smtp server or no from.",
                         '[notify]\nsmtp = "smtps://sam@mail.seller.io:465"\nfrom = "Sam Rivera <sam@seller.io>"\n'
                         "(the password in MAPWS_SMTP_PASSWORD), or look first with --dry-run.")
    _deliver(mails, outbox.slack, since, state, settings, today, result, dry_run, on_message)


def _digest_mail(d: Digest, since: date) -> tuple[Message, Any, str, str]:
    from map_workspace.messages import digest_bodies

    subject, text, html = digest_bodies(d, since.isoformat())
    message = Message(d.to, "digest", tuple(_plan_name(p) for p in d.plans), tuple(d.item_ids), subject, text)
    return message, d, html, ""


def _reminder_mail(r: Reminder, names: dict[str, str]) -> tuple[Message, Any, str, str]:
    from map_workspace.messages import reminder_bodies

    subject, text, html = reminder_bodies(r)
    message = Message(r.to, "reminder", tuple(names[p.key] for p in r.plans), tuple(r.item_ids), subject, text)
    return message, r, html, r.fingerprint


def _plan_name(view: PlanView) -> str:
    return view.plan.slug or view.key.partition(":")[2]


def _deliver(mails: list[tuple[Message, Any, str, str]], slack: Digest | None, since: date, state: Any,
             settings: Any, today: date, result: NotifyResult, dry_run: bool,
             on_message: Callable[[Message, MapwsError | None], None] | None) -> None:
    from map_workspace.delivery import DeliveryFailed, SmtpSender, post_slack
    from map_workspace.messages import email_message, reply_to, slack_message

    day = today.isoformat()
    sender = SmtpSender(settings.smtp) if mails and not dry_run else None

    def one(message: Message, fingerprint: str, send: Callable[[], None]) -> None:
        error: MapwsError | None = None
        if not dry_run:
            state.sending(message.to, message.kind, day, list(message.plans), list(message.items), fingerprint)
            try:
                send()
            except DeliveryFailed as exc:
                state.not_sent(message.to, message.kind, day)
                error = exc
            else:
                state.sent(message.to, message.kind, day)
        if error is None:
            result.sent.append(message)
        else:
            result.failed.append((message, error))
        if on_message is not None:
            on_message(message, error)

    try:
        for message, what, html, fingerprint in mails:
            reps = reply_to(what) if message.kind == "reminder" else []
            mail = email_message(settings.sender or "mapws@localhost", message.to, what.name, message.subject,
                                 message.text, html, reps)
            assert sender is not None or dry_run
            one(message, fingerprint, functools.partial(_send, sender, mail))
    finally:
        if sender is not None:
            sender.close()
    if slack is not None:
        payload = slack_message(slack, since.isoformat())
        message = Message("slack", "slack", tuple(_plan_name(p) for p in slack.plans), tuple(slack.item_ids),
                          slack.subject, "\n".join(b["text"]["text"] for b in payload["blocks"]))
        one(message, "", lambda: post_slack(settings.slack_webhook, payload))


def _send(sender: Any, mail: Any) -> None:
    sender.send_mail(mail)


def opt_out(store: PlanStore, config: Config, email: str, plan: str | None = None) -> tuple[str, str, bool]:
    """Stop mail to ``email`` (about ``plan``, else every plan): (email, plan name or "", newly stopped)."""
    from map_workspace.nightly import open_state, plan_key

    address = app.email_of(email).strip().lower()
    ref = store.locate(plan) if plan else None
    state = open_state(store, config)
    try:
        with state.exclusive(wait=True):  # a state kept in Drive is downloaded here and saved back after
            added = state.opt_out(address, plan_key(store, ref) if ref else "")
    finally:
        state.close()
    return address, (ref.slug or ref.id) if ref else "", added
