"""The digest and the reminders in words: jinja2 templates for the text and HTML bodies, an
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

if TYPE_CHECKING:
    import jinja2

    from map_workspace.domain.model import Finding
    from map_workspace.domain.notify import Digest, DueItem, PlanView, Reminder

DIGEST_TEXT = """\
Hello {{ name }},

{{ subject }}.
{% for p in plans %}
== {{ p.title }} — {{ p.health }}{% if p.attention %} (needs attention){% endif %}
Progress: {{ p.progress }}
Projected decision: {{ p.projected }}{% if p.target %} (target {{ p.target }}){% endif %}
{% if p.findings %}Open findings:
{% for f in p.findings %}  - {{ f }}
{% endfor %}{% if p.more %}  … and {{ p.more }} more in the plan
{% endif %}{% else %}No open findings.
{% endif %}{% if p.changes %}What changed since {{ since }}:
{% for c in p.changes %}  - {{ c }}
{% endfor %}{% else %}Nothing changed since {{ since }}.
{% endif %}Open the plan: {{ p.link }}
{% endfor %}
{{ '-- ' }}
mapws · stop this digest: mapws notify --opt-out {{ to }}
"""

DIGEST_HTML = """\
<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title></head>
<body style="margin:0;padding:12px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;
font-size:15px;line-height:1.45;color:#1f2328;">
<div style="max-width:600px;margin:0 auto;">
<p>Hello {{ name }},</p>
<p><strong>{{ subject }}</strong>.</p>
{% for p in plans %}
<div style="border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;margin:12px 0;">
<h2 style="font-size:17px;margin:0 0 6px;"><a href="{{ p.link }}">{{ p.title }}</a></h2>
<p style="margin:0 0 6px;"><span style="font-weight:bold;color:{{ p.colour }};">{{ p.health }}</span>
{% if p.attention %} · needs attention{% endif %}<br>
Progress: {{ p.progress }}<br>
Projected decision: {{ p.projected }}{% if p.target %} (target {{ p.target }}){% endif %}</p>
{% if p.findings %}<p style="margin:6px 0 2px;font-weight:bold;">Open findings</p>
<ul style="margin:0;padding-left:20px;">{% for f in p.findings %}<li>{{ f }}</li>{% endfor %}
{% if p.more %}<li>… and {{ p.more }} more in the plan</li>{% endif %}</ul>
{% else %}<p style="margin:6px 0;">No open findings.</p>{% endif %}
{% if p.changes %}<p style="margin:6px 0 2px;font-weight:bold;">What changed since {{ since }}</p>
<ul style="margin:0;padding-left:20px;">{% for c in p.changes %}<li>{{ c }}</li>{% endfor %}</ul>
{% else %}<p style="margin:6px 0;">Nothing changed since {{ since }}.</p>{% endif %}
<p style="margin:8px 0 0;"><a href="{{ p.link }}">Open the plan</a></p>
</div>
{% endfor %}
<p style="color:#656d76;font-size:13px;">mapws · stop this digest: <code>mapws notify --opt-out {{ to }}</code></p>
</div></body></html>
"""

REMINDER_TEXT = """\
Hello {{ name }},

A friendly note: {{ count }} item{{ "s" if count != 1 else "" }} you own {{ "are" if count != 1 else "is" }} \
due soon or past due. If one is already done, or its date needs to move, just update it in the plan.
{% for p in plans %}
== {{ p.title }}
{% for i in p.entries %}  - {{ i.id }} {{ i.activity }}: {{ i.words }}
{% endfor %}Open the plan: {{ p.link }}
{% endfor %}
Thank you!
{{ '-- ' }}
Too many of these? Reply 'stop' to {{ rep }} and they stop.
"""

REMINDER_HTML = """\
<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title></head>
<body style="margin:0;padding:12px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;
font-size:15px;line-height:1.45;color:#1f2328;">
<div style="max-width:600px;margin:0 auto;">
<p>Hello {{ name }},</p>
<p>A friendly note: {{ count }} item{{ "s" if count != 1 else "" }} you own {{ "are" if count != 1 else "is" }}
due soon or past due. If one is already done, or its date needs to move, just update it in the plan.</p>
{% for p in plans %}
<div style="border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;margin:12px 0;">
<h2 style="font-size:17px;margin:0 0 6px;"><a href="{{ p.link }}">{{ p.title }}</a></h2>
<ul style="margin:0;padding-left:20px;">{% for i in p.entries %}<li><strong>{{ i.id }}</strong> {{ i.activity }}:
{{ i.words }}</li>{% endfor %}</ul>
<p style="margin:8px 0 0;"><a href="{{ p.link }}">Open the plan</a></p>
</div>
{% endfor %}
<p>Thank you!</p>
<p style="color:#656d76;font-size:13px;">Too many of these? Reply 'stop' to {{ rep }} and they stop.</p>
</div></body></html>
"""

REMINDER_TEXT_JA = """\
{{ name }} 様

ご担当の項目のうち {{ count }} 件が、期限を過ぎているか、まもなく期限を迎えます。\
すでに完了している項目や、日程の変更が必要な項目があれば、プランでそのまま更新してください。
{% for p in plans %}
== {{ p.title }}
{% for i in p.entries %}  - {{ i.id }} {{ i.activity }}: {{ i.words }}
{% endfor %}プランを開く: {{ p.link }}
{% endfor %}
いつもありがとうございます。
{{ '-- ' }}
このお知らせが不要でしたら、{{ rep }} に「停止」とご返信ください。
"""

REMINDER_HTML_JA = """\
<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title></head>
<body style="margin:0;padding:12px;font-family:-apple-system,'Hiragino Sans','Noto Sans CJK JP',Meiryo,sans-serif;
font-size:15px;line-height:1.6;color:#1f2328;">
<div style="max-width:600px;margin:0 auto;">
<p>{{ name }} 様</p>
<p>ご担当の項目のうち {{ count }} 件が、期限を過ぎているか、まもなく期限を迎えます。
すでに完了している項目や、日程の変更が必要な項目があれば、プランでそのまま更新してください。</p>
{% for p in plans %}
<div style="border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;margin:12px 0;">
<h2 style="font-size:17px;margin:0 0 6px;"><a href="{{ p.link }}">{{ p.title }}</a></h2>
<ul style="margin:0;padding-left:20px;">{% for i in p.entries %}<li><strong>{{ i.id }}</strong> {{ i.activity }}:
{{ i.words }}</li>{% endfor %}</ul>
<p style="margin:8px 0 0;"><a href="{{ p.link }}">プランを開く</a></p>
</div>
{% endfor %}
<p>いつもありがとうございます。</p>
<p style="color:#656d76;font-size:13px;">このお知らせが不要でしたら、{{ rep }} に「停止」とご返信ください。</p>
</div></body></html>
"""

#: Findings a digest lists per plan (the most severe first); the rest are counted ("… and 12 more").
FINDINGS_SHOWN = 15

_COLOURS = {"on_track": "#1a7f37", "at_risk": "#9a6700", "off_track": "#cf222e"}


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.DictLoader({"digest.txt": DIGEST_TEXT, "digest.html": DIGEST_HTML,
                                  "reminder.txt": REMINDER_TEXT, "reminder.html": REMINDER_HTML,
                                  "reminder.ja.txt": REMINDER_TEXT_JA, "reminder.ja.html": REMINDER_HTML_JA}),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


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


def language(locale: str) -> str:
    """The language a reminder is written in: Japanese for a ja_* plan, else English."""
    return "ja" if locale.lower().startswith("ja") else "en"


_WEEKDAYS_JA = "月火水木金土日"


def due_words(item: DueItem, lang: str) -> str:
    """"2 day(s) overdue (was due 2026-03-18)", "due today", "due Tue 2026-03-24"; in Japanese
    "2日超過（期限 2026/03/18）", "本日期限", "期限 2026/03/24（火）"."""
    if lang != "ja":
        return item.words
    day = f"{item.due.year}/{item.due.month:02d}/{item.due.day:02d}"
    if item.late > 0:
        return f"{item.late}日超過（期限 {day}）"
    if item.late == 0:
        return f"本日期限（{day}）"
    return f"期限 {day}（{_WEEKDAYS_JA[item.due.weekday()]}）"


def reminder_context(reminder: Reminder) -> dict[str, Any]:
    lang = language(reminder.locale)
    reps = sorted({p.rep for p in reminder.plans if p.rep})
    count = len(reminder.item_ids)
    return {"name": _line(reminder.name), "count": count, "subject": reminder_subject(reminder),
            "rep": (" / " if lang == "ja" else " or ").join(reps) or ("担当者" if lang == "ja" else "the sender"),
            "plans": [{"title": _line(p.title), "link": p.link,
                       "entries": [{"id": i.id, "activity": _line(i.activity), "words": due_words(i, lang)}
                                   for i in p.items]}
                      for p in reminder.plans]}


def reminder_subject(reminder: Reminder) -> str:
    """"Reminder for Acme rollout: 2 items overdue, 1 due soon" (in the plan's language)."""
    items = [i for p in reminder.plans for i in p.items]
    late = sum(1 for i in items if i.late > 0)
    soon = len(items) - late
    titles = [_line(p.title) for p in reminder.plans]
    if language(reminder.locale) == "ja":
        where = titles[0] if len(titles) == 1 else f"{len(titles)}件のプラン"
        said = "、".join(([f"期限超過 {late}件"] if late else []) + ([f"まもなく期限 {soon}件"] if soon else []))
        return f"【{where}】リマインダー: {said}"
    parts = ([f"{late} item{'s' if late != 1 else ''} overdue"] if late else []) + (
        [f"{soon}{' item' + ('s' if soon != 1 else '') if not late else ''} due soon"] if soon else [])
    where = titles[0] if len(titles) == 1 else f"{len(titles)} plans"
    return f"Reminder for {where}: {', '.join(parts)}"


def render(name: str, context: dict[str, Any]) -> str:
    return _environment().get_template(name).render(**context)


def digest_bodies(digest: Digest, since: str) -> tuple[str, str, str]:
    """(subject, text, html)."""
    context = digest_context(digest, since)
    return digest.subject, render("digest.txt", context), render("digest.html", context)


def reply_to(reminder: Reminder) -> list[str]:
    """The reps of the reminder's plans, whom "reply 'stop'" names."""
    return sorted({p.rep for p in reminder.plans if p.rep})


def reminder_bodies(reminder: Reminder) -> tuple[str, str, str]:
    """(subject, text, html), in the language of the reminder's plan."""
    context = reminder_context(reminder)
    suffix = ".ja" if language(reminder.locale) == "ja" else ""
    return (context["subject"], render(f"reminder{suffix}.txt", context),
            render(f"reminder{suffix}.html", context))


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
