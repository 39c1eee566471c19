"""A check-in's agenda (domain/agenda.py) as a document model the summary renderers already draw
(python-docx locally, the Docs API on Google), and as Markdown. Pure: no I/O."""

from __future__ import annotations

from datetime import date

from map_workspace import catalog
from map_workspace.domain.agenda import Agenda, AgendaItem, Change
from map_workspace.domain.model import Plan
from map_workspace.summary import Section, SummaryDoc, Table, count_days, date_widths, format_day, shorten

#: Changes listed in the document; the rest are one "+N more" away (all of them in --json).
CHANGES_SHOWN = 40
#: An activity named in a change is cut to this many columns: the change itself must show.
ACTIVITY_IN_CHANGE = 44


class _Say:
    """The agenda's words in the plan's language: its own (``agenda.*``) and the summary's."""

    def __init__(self, lang: str, on: date) -> None:
        self.lang, self.on = lang, on
        self.words = catalog.words(lang)

    def __call__(self, key: str, /, **values: object) -> str:
        return self.words(f"agenda.{key}", **values)

    def summary(self, key: str, /, **values: object) -> str:
        return self.words(f"summary.{key}", **values)

    def day(self, day: date | None) -> str:
        return format_day(day, self.on, self.lang) if day else self.summary("milestones.no_date")

    def logged(self, at: str) -> str:
        """The day a History time names, as the language writes it ("2027-02-03", "2027年2月3日(水)")."""
        try:
            day = date.fromisoformat(at[:10])
        except ValueError:
            return at[:10]
        return self("logged", iso=day.isoformat(), day=self.day(day))

    def columns(self, *keys: str) -> tuple[str, ...]:
        """Column names: the agenda's own, else the summary's."""
        agenda = self.words.table("agenda.columns")
        return tuple(self(f"columns.{k}") if k in agenda else self.summary(f"columns.{k}") for k in keys)

    def label(self, item: AgendaItem) -> str:
        return shorten(f"{item.id} {item.activity}" if item.id else item.activity or self.summary("no_activity"), 70)

    def owner(self, text: str) -> str:
        return shorten(text, 30, at_word=False) or self.summary("needs_owner")


def _change(change: Change) -> str:
    """The change in words with a long activity shortened, so that what happened to it shows."""
    words = change.words
    if change.activity and change.activity in words:
        words = words.replace(change.activity, shorten(change.activity, ACTIVITY_IN_CHANGE), 1)
    return shorten(words, 160)


def agenda_sections(agenda: Agenda, lang: str = catalog.DEFAULT) -> tuple[Section, ...]:
    """The agenda's sections, in the order a check-in goes through them, in the plan's language."""
    say = _Say(lang, agenda.on)
    since = say("since_last", day=say.day(agenda.last)) if agenda.last else say("since_start")
    none = say.summary("none")
    sections: list[Section] = []
    rows: tuple[tuple[str, ...], ...]

    rows = tuple((_change(c), shorten(c.by, 30, at_word=False) or none, say.logged(c.at)) for c in agenda.changed)
    sections.append(_section(say, "changed", ("change", "by", "changed_on"), rows, (12.2, 3.6, 2.2), since=since,
                             cap=CHANGES_SHOWN, dates=(2,)))
    rows = tuple((say.label(i), say.owner(i.owner), say.day(i.done_on) if i.done_on else none) for i in agenda.done)
    sections.append(_section(say, "done", ("what", "who", "done_on"), rows, (11.2, 4.6, 2.2), since=since,
                             dates=(2,)))
    rows = tuple((say.label(i), say.owner(i.owner), say("slip_span", baseline=say.day(i.baseline), due=say.day(i.due)),
                  count_days(i.days, lang)) for i in agenda.slipped)
    sections.append(_section(say, "slipped", ("what", "who", "baseline_due", "slip"), rows, (8.0, 3.8, 4.2, 2.0)))
    rows = tuple((say.label(i), say.owner(i.owner), say.day(i.due), count_days(i.days, lang)) for i in agenda.overdue)
    sections.append(_section(say, "overdue", ("what", "who", "due", "late"), rows, (9.8, 4.0, 2.2, 2.0),
                             dates=(2,)))
    rows = tuple((say.label(i), say.owner(i.owner), say.day(i.due)) for i in agenda.next_two_weeks)
    sections.append(_section(say, "next_two_weeks", ("what", "who", "when"), rows, (11.2, 4.6, 2.2),
                             dates=(2,)))
    rows = tuple((say.label(i), say.day(i.due)) for i in agenda.needs_owner)
    sections.append(_section(say, "needs_owner", ("what", "due"), rows, (15.8, 2.2), dates=(1,)))
    rows = tuple((shorten(f"{r.id} {r.risk}" if r.id else r.risk, 80),
                  say.summary(f"level.{r.impact}") if r.impact else none,
                  shorten(r.mitigation, 100) or none, say.owner(r.owner))
                 for r in agenda.risks)
    sections.append(_section(say, "risks", ("risk", "impact", "mitigation", "owner"), rows, (6.0, 1.2, 7.2, 3.6)))
    return tuple(sections)


def _section(say: _Say, key: str, columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...],
             widths: tuple[float, ...], *, since: str = "", cap: int = 0, dates: tuple[int, ...] = ()) -> Section:
    title = say(f"{key}.title", since=since)
    if not rows:
        return Section(title, text=say(f"{key}.empty"), key=key)
    shown, more = (rows[:cap], len(rows) - cap) if cap and len(rows) > cap else (rows, 0)
    table = Table(say.columns(*columns), shown, more, date_widths(widths, dates, say.lang), say.lang)
    return Section(title, table=table, key=key)


def agenda_document(agenda: Agenda, plan: Plan, *, notes: str = "", link: str = "",
                    lang: str = catalog.DEFAULT) -> SummaryDoc:
    """The agenda as a document in the plan's language ``lang``: a title naming the deal and the
    day, the check-in's facts, then each section."""
    on = agenda.on
    say = _Say(lang, on)
    deal = shorten(plan.overview.deal, 60)
    day = {"day": say.day(on), "iso": on.isoformat()}  # a catalog says which
    title = say("title", deal=deal, **day) if deal else say("title_no_deal", **day)
    parties = say("parties_joiner").join(
        shorten(c, 60) for c in (plan.overview.buyer_company, plan.overview.seller_company) if c.strip())
    subtitle = say("subtitle", parties=parties, day=say.day(on)) if parties else say.day(on)
    facts = [(say("head.last"), say.day(agenda.last) if agenda.last else say("head.first")),
             (say("head.next"), say.day(agenda.next))]
    if notes.strip():
        facts.append((say("head.notes"), shorten(notes, 400)))
    head = Section(say("head.title"), facts=tuple(facts), key="checkin")
    footer = say("footer", **day, link=say("footer_link", link=link) if link.startswith("http") else "")
    return SummaryDoc(title, subtitle, (head, *agenda_sections(agenda, lang)), footer,
                      kind=f"checkin-{on.isoformat()}", lang=lang)


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
