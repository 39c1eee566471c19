"""The digest and the reminders in words: jinja2 templates for the text and HTML bodies (files beside
each language's catalog, ``catalogs/<lang>/reminder.txt``; the words code puts together in
``catalogs/<lang>/mail.toml``), an
``EmailMessage`` with both alternatives and properly encoded headers, and the Slack Block Kit
message. Nothing is sent here (``delivery.py`` sends).

Buyer text (activities, the deal's name) goes into the HTML escaped by the template engine, and
into a header only as one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from functools import cache
from typing import TYPE_CHECKING, Any

from map_workspace import catalog

if TYPE_CHECKING:
    import jinja2

    from map_workspace.domain.model import Finding
    from map_workspace.domain.notify import Digest, DueItem, PlanView, Reminder

#: Findings a digest lists per plan (the most severe first); the rest are counted ("… and 12 more").
FINDINGS_SHOWN = 15

_COLOURS = {"on_track": "#1a7f37", "at_risk": "#9a6700", "off_track": "#cf222e"}


@cache
def _environment() -> jinja2.Environment:
    """The mail templates are files beside each language's catalog (``catalogs/<lang>/reminder.txt``),
    named ``<lang>/<name>``; a language without its own template of a mail uses English's."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _template_source(name: str) -> str | None:
    from importlib import resources

    lang, _, file = name.partition("/")
    for folder in dict.fromkeys((lang, catalog.DEFAULT)):
        found = resources.files("map_workspace").joinpath("catalogs", folder, file)
        if found.is_file():
            return found.read_text(encoding="utf-8")
    return None


def _line(text: str) -> str:
    """One line of text (a header must never carry a line break)."""
    return " ".join(str(text).split())


def plan_facts(view: PlanView) -> dict[str, Any]:
    """A plan as the digest shows it."""
    a = view.assessment
    target = view.plan.overview.target_decision
    lines = digest_findings(view.findings)
    return {"title": _line(view.title), "link": view.link, "health": a.health.label,
            "colour": _COLOURS.get(a.health.value, "#1f2328"), "attention": view.needs_attention,
            "progress": a.progress.text,
            "projected": a.projected_decision.isoformat() if a.projected_decision else "not known",
            "target": target.isoformat() if target else "",
            "findings": lines[:FINDINGS_SHOWN], "more": max(0, len(lines) - FINDINGS_SHOWN),
            "changes": list(view.changes)}


#: The order a digest lists findings in: what is late first, then what blocks or waits on someone.
_FIRST = ("item.stalled", "item.overdue", "item.blocked", "buyer.silent", "owner.missing", "item.due_soon")


def digest_findings(findings: Sequence[Finding]) -> list[str]:
    """The findings in words, the most pressing first (late, blocked, silent, unowned, due soon, then
    the rest by severity), items without an owner said in one line."""
    from map_workspace.domain.notify import finding_words

    severity = {"error": 0, "warning": 1, "info": 2}
    ranked = sorted(findings, key=lambda f: (_FIRST.index(f.code) if f.code in _FIRST else len(_FIRST),
                                             severity.get(f.severity.value, 3)))
    unowned = [f.id for f in ranked if f.code == "owner.missing" and f.id]
    lines: list[str] = []
    for f in ranked:
        if f.code == "owner.missing" and f.id and len(unowned) > 1:
            if f.id == unowned[0]:
                lines.append(f"{len(unowned)} items have no owner: {', '.join(unowned)}")
            continue
        lines.append(finding_words(f))
    return lines


def digest_context(digest: Digest, since: str) -> dict[str, Any]:
    return {"name": _line(digest.name), "to": digest.to, "subject": digest.subject, "since": since,
            "plans": [plan_facts(p) for p in digest.plans]}


def due_words(item: DueItem, lang: str) -> str:
    """"2 day(s) overdue (was due 2026-03-18)", "due today (2026-03-20)", "due Tue 2026-03-24"; in
    Japanese "2日超過（期限 2026/03/18）", "本日期限（2026/03/20）", "期限 2026/03/24（火）"."""
    say = catalog.words(lang)
    due = item.due
    day = say("mail.due.day", iso=due.isoformat(), year=due.year, month=due.month, dom=due.day)
    values = {"iso": due.isoformat(), "day": day, "weekday": say.get("mail.due.weekdays")[due.weekday()]}
    if item.late > 0:
        return say("mail.due.late", count=item.late, **values)
    if item.late == 0:
        return say("mail.due.today", **values)
    return say("mail.due.later", **values)


def reminder_context(reminder: Reminder) -> dict[str, Any]:
    from markupsafe import Markup

    lang = reminder.language
    say = catalog.words(lang)
    reps = say("mail.reminder.reps_joiner").join(reply_to(reminder))
    return {"name": _line(reminder.name), "count": len(reminder.item_ids), "subject": reminder_subject(reminder),
            "stop": say("mail.reminder.stop", rep=reps) if reps else say("mail.reminder.stop_no_rep"),
            # The catalog's words are ours, trusted as they are; the reps' names are escaped.
            "stop_html": Markup(say.get("mail.reminder.stop")).format(rep=reps) if reps
            else Markup(say("mail.reminder.stop_no_rep")),
            "plans": [{"title": _line(p.title), "link": p.link,
                       "entries": [{"id": i.id, "activity": _line(i.activity), "words": due_words(i, lang)}
                                   for i in p.items]}
                      for p in reminder.plans]}


def reminder_subject(reminder: Reminder) -> str:
    """"Reminder for Acme rollout: 2 items overdue, 1 due soon", "【アクメ導入】リマインダー: 期限超過 1件"
    (in the plan's language)."""
    say = catalog.words(reminder.language)
    items = [i for p in reminder.plans for i in p.items]
    late = sum(1 for i in items if i.late > 0)
    soon = len(items) - late

    def counted(key: str, count: int) -> str:
        return say(f"mail.reminder.{key}.{'one' if count == 1 else 'other'}", count=count)

    parts = ([counted("late", late)] if late else []) + (
        [counted("soon_after" if late else "soon", soon)] if soon else [])
    titles = [_line(p.title) for p in reminder.plans]
    where = titles[0] if len(titles) == 1 else say("mail.reminder.plans", count=len(titles))
    return say("mail.reminder.subject", where=where, said=say("mail.reminder.joiner").join(parts))


def render(name: str, context: dict[str, Any]) -> str:
    return _environment().get_template(name).render(**context)


def digest_bodies(digest: Digest, since: str) -> tuple[str, str, str]:
    """(subject, text, html)."""
    context = digest_context(digest, since)
    # The seller's digest is English, whatever the plans' languages.
    return digest.subject, render("en/digest.txt", context), render("en/digest.html", context)


def reply_to(reminder: Reminder) -> list[str]:
    """The reps of the reminder's plans, whom "reply 'stop'" names."""
    return sorted({p.rep for p in reminder.plans if p.rep})


def reminder_bodies(reminder: Reminder) -> tuple[str, str, str]:
    """(subject, text, html), in the language of the reminder's plan."""
    context = reminder_context(reminder)
    lang = reminder.language
    return context["subject"], render(f"{lang}/reminder.txt", context), render(f"{lang}/reminder.html", context)


def address(text: str) -> Address:
    """``"Sam Rivera <sam@seller.io>"`` or ``sam@seller.io`` as a header address (a non-ASCII name is
    encoded by the email package, RFC 2047)."""
    from map_workspace.domain.model import Person

    person = Person.parse(text)
    return Address(display_name=_line(person.name) if "<" in text else "", addr_spec=person.email)


def email_message(sender: str, to: str, name: str, subject: str, text: str, html: str,
                  reply_to: Sequence[str] = ()) -> EmailMessage:
    """A mail with a plain-text and an HTML alternative; ``reply_to``: the reps a reply ("stop")
    should reach when they are not the sender."""
    msg = EmailMessage()
    msg["From"] = address(sender)
    msg["To"] = Address(display_name=_line(name) if name and name != to else "", addr_spec=to)
    answer = [address(rep) for rep in reply_to if "@" in rep]
    if answer and {a.addr_spec.lower() for a in answer} != {address(sender).addr_spec.lower()}:
        msg["Reply-To"] = answer
    msg["Subject"] = _line(subject)
    msg["Message-ID"] = make_msgid(domain=address(sender).domain or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def slack_message(digest: Digest, since: str) -> dict[str, Any]:
    """The night's digest as one Slack message (Block Kit sections), with a text fallback."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": digest.subject[:150]}}]
    for view in digest.plans:
        facts = plan_facts(view)
        lines = [f"*<{_slack_escape(facts['link'])}|{_slack_escape(facts['title'])}>* — {facts['health']}"
                 + (" · needs attention" if facts["attention"] else ""),
                 f"Progress: {facts['progress']} · projected decision {facts['projected']}"]
        lines += [f"• {_slack_escape(f)}" for f in facts["findings"][:10]]
        more = len(facts["findings"]) - 10 + facts["more"]
        if more > 0:
            lines.append(f"… and {more} more")
        if facts["changes"]:
            lines.append(f"Changed since {since}: {len(facts['changes'])}")
            lines += [f"◦ {_slack_escape(c)}" for c in facts["changes"][:5]]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}})
    return {"text": digest.subject, "blocks": blocks[:50]}


def _slack_escape(text: str) -> str:
    """Slack's three control characters, as its docs ask."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
