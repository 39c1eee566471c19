"""A check-in's agenda (domain/agenda.py) as a document model the summary renderers already draw
(python-docx locally, the Docs API on Google), and as Markdown. Pure: no I/O."""

from __future__ import annotations

from datetime import date

from map_workspace.domain.agenda import Agenda, AgendaItem, Change
from map_workspace.domain.model import Plan
from map_workspace.summary import NEEDS_OWNER, Section, SummaryDoc, Table, format_day, shorten

#: Changes listed in the document; the rest are one "+N more" away (all of them in --json).
CHANGES_SHOWN = 40
#: An activity named in a change is cut to this many columns: the change itself must show.
ACTIVITY_IN_CHANGE = 44


def _label(item: AgendaItem) -> str:
    return shorten(f"{item.id} {item.activity}" if item.id else item.activity or "(no activity text)", 70)


def _owner(item: AgendaItem) -> str:
    return shorten(item.owner, 30, at_word=False) or NEEDS_OWNER


def _change(change: Change) -> str:
    """The change in words with a long activity shortened, so that what happened to it shows."""
    words = change.words
    if change.activity and change.activity in words:
        words = words.replace(change.activity, shorten(change.activity, ACTIVITY_IN_CHANGE), 1)
    return shorten(words, 160)


def _day(day: date | None, today: date) -> str:
    return format_day(day, today) if day else "No date"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def agenda_sections(agenda: Agenda) -> tuple[Section, ...]:
    """The agenda's sections, in the order a check-in goes through them."""
    on = agenda.on
    since = f"since the last check-in ({format_day(agenda.last, on)})" if agenda.last else "so far"
    sections: list[Section] = []
    rows: tuple[tuple[str, ...], ...]

    rows = tuple((_change(c), shorten(c.by, 30, at_word=False) or "—", c.at[:10]) for c in agenda.changed)
    sections.append(_section(f"What changed {since}", "changed", ("Change", "By", "When"), rows,
                             "Nothing changed in the plan.", (12.2, 3.6, 2.2), cap=CHANGES_SHOWN))
    rows = tuple((_label(i), _owner(i), _day(i.done_on, on) if i.done_on else "—") for i in agenda.done)
    sections.append(_section(f"Done {since}", "done", ("What", "Who", "Done on"), rows,
                             "Nothing was marked done.", (11.2, 4.6, 2.2)))
    rows = tuple((_label(i), _owner(i), f"{_day(i.baseline, on)} → {_day(i.due, on)}", _days(i.days))
                 for i in agenda.slipped)
    sections.append(_section("Slipped", "slipped", ("What", "Who", "Baseline → due", "Slip"), rows,
                             "Nothing has slipped from its baseline.", (8.0, 3.8, 4.2, 2.0)))
    rows = tuple((_label(i), _owner(i), _day(i.due, on), _days(i.days)) for i in agenda.overdue)
    sections.append(_section("Overdue", "overdue", ("What", "Who", "Due", "Late"), rows,
                             "Nothing is overdue.", (9.8, 4.0, 2.2, 2.0)))
    rows = tuple((_label(i), _owner(i), _day(i.due, on)) for i in agenda.next_two_weeks)
    sections.append(_section("Due in the next two weeks", "next_two_weeks", ("What", "Who", "When"), rows,
                             "Nothing is due in the next two weeks.", (11.2, 4.6, 2.2)))
    rows = tuple((_label(i), _day(i.due, on)) for i in agenda.needs_owner)
    sections.append(_section("Needs an owner", "needs_owner", ("What", "Due"), rows,
                             "Every open item has an owner.", (15.8, 2.2)))
    rows = tuple((shorten(f"{r.id} {r.risk}" if r.id else r.risk, 80), r.impact or "—",
                  shorten(r.mitigation, 100) or "—", shorten(r.owner, 30, at_word=False) or NEEDS_OWNER)
                 for r in agenda.risks)
    sections.append(_section("Top open risks", "risks", ("Risk", "Impact", "Mitigation", "Owner"), rows,
                             "No open risks.", (6.0, 1.2, 7.2, 3.6)))
    return tuple(sections)


def _section(title: str, key: str, columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], empty: str,
             widths: tuple[float, ...], *, cap: int = 0) -> Section:
    if not rows:
        return Section(title, text=empty, key=key)
    shown, more = (rows[:cap], len(rows) - cap) if cap and len(rows) > cap else (rows, 0)
    return Section(title, table=Table(columns, shown, more, widths), key=key)


def agenda_document(agenda: Agenda, plan: Plan, *, notes: str = "", link: str = "") -> SummaryDoc:
    """The agenda as a document: a title naming the deal and the day, the check-in's facts, then
    each section."""
    on = agenda.on
    deal = shorten(plan.overview.deal, 60)
    title = f"Check-in — {deal} — {on.isoformat()}" if deal else f"Check-in — {on.isoformat()}"
    parties = " and ".join(shorten(c, 60) for c in (plan.overview.buyer_company, plan.overview.seller_company)
                           if c.strip())
    subtitle = f"{parties} · {format_day(on, on)}" if parties else format_day(on, on)
    facts = [("Last check-in", format_day(agenda.last, on) if agenda.last else "None yet (first check-in)"),
             ("Next check-in", format_day(agenda.next, on))]
    if notes.strip():
        facts.append(("Notes", shorten(notes, 400)))
    head = Section("This check-in", facts=tuple(facts), key="checkin")
    footer = (f"Agenda of the check-in on {on.isoformat()}, made from the shared plan"
              f"{f' ({link})' if link.startswith('http') else ''}. The plan is the source of truth.")
    return SummaryDoc(title, subtitle, (head, *agenda_sections(agenda)), footer, kind=f"checkin-{on.isoformat()}")


def agenda_markdown(doc: SummaryDoc) -> str:
    """The same document as Markdown (``--format md``)."""
    lines = [f"# {doc.title}", "", doc.subtitle, ""]
    for section in doc.sections:
        lines += [f"## {section.title}", ""]
        for label, value in section.facts:
            lines.append(f"- **{label}:** {_md(value)}")
        if section.facts:
            lines.append("")
        if section.table is not None:
            table = section.table
            lines.append("| " + " | ".join(table.columns) + " |")
            lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
            lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in table.rows]
            if table.more:
                lines += ["", f"_{table.more_text}_"]
            lines.append("")
        if section.text:
            lines += [section.text, ""]
    lines.append(f"_{doc.footer}_")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Cell text that cannot break the Markdown table or turn into markup."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
