"""The check-in's agenda as pure data: the cadence, the window since the last check-in, and what
lands in each section."""

from datetime import date

import pytest

from map_workspace.agenda_doc import agenda_document, agenda_markdown
from map_workspace.domain.agenda import Change, build_agenda, cadence_days, next_checkin
from map_workspace.domain.model import (
    Assessment,
    CheckIn,
    Health,
    Item,
    ItemType,
    Level,
    Overview,
    Plan,
    Progress,
    Risk,
    RiskStatus,
    Status,
)

ON = date(2027, 2, 9)  # a Tuesday


@pytest.mark.parametrize(("text", "days"), [
    ("Weekly, 30 minutes", 7), ("Every two weeks, 15 minutes", 14), ("biweekly", 14), ("Fortnightly", 14),
    ("every 10 days", 10), ("Monthly", 28), ("", 7), ("whenever", 7), ("Every 3 weeks", 21),
])
def test_cadence_days(text, days):
    assert cadence_days(text) == days


def test_next_checkin_never_falls_on_a_weekend():
    assert next_checkin(date(2027, 2, 5), "every 8 days") == date(2027, 2, 15)  # Sat 13 → Mon 15


def _item(item_id, due, status=Status.NOT_STARTED, owner="Ann", baseline=None, done_on=None):
    return Item(item_id, ItemType.TASK, f"Activity {item_id}", owner=owner, due=due, status=status,
                baseline=baseline or due, done_on=done_on)


def _plan():
    items = (
        _item("T-01", date(2027, 2, 1), Status.DONE, done_on=date(2027, 2, 4)),
        _item("T-02", date(2027, 1, 20), Status.DONE, done_on=date(2027, 1, 20)),  # before the last check-in
        _item("T-03", date(2027, 2, 12), baseline=date(2027, 2, 5)),  # slipped 7, due soon
        _item("T-04", date(2027, 2, 3)),  # overdue 6
        _item("T-05", date(2027, 3, 30), owner=""),  # needs an owner, not soon
        _item("T-06", date(2027, 2, 1), Status.NA),
    )
    risks = tuple(Risk(f"R-0{n}", f"Risk {n}", p, i, status=s) for n, p, i, s in (
        (1, Level.LOW, Level.LOW, RiskStatus.OPEN), (2, Level.HIGH, Level.HIGH, RiskStatus.OPEN),
        (3, Level.HIGH, Level.HIGH, RiskStatus.CLOSED), (4, Level.MEDIUM, Level.HIGH, RiskStatus.OPEN),
        (5, Level.MEDIUM, Level.MEDIUM, RiskStatus.OPEN)))
    checkins = (CheckIn(date(2027, 1, 26)), CheckIn(date(2027, 2, 2)), CheckIn(ON))
    return Plan("p", Overview(deal="Acme", cadence="Every two weeks"), items, risks=risks, checkins=checkins)


def _assessment():
    return Assessment((), Progress(0, 0, 0), Health.ON_TRACK, None)


def test_build_agenda_sorts_each_section():
    changes = [Change("2027-01-30T09:00:00+00:00", "T-02", "", "Status", "", "Done", "", "T-02: done"),
               Change("2027-02-03T09:00:00+00:00", "T-03", "", "Due", "2027-02-05", "2027-02-12", "dana", "x"),
               Change("2027-02-10T09:00:00+00:00", "T-04", "", "Owner", "", "Ann", "", "later")]
    agenda = build_agenda(_plan(), _assessment(), changes, ON)
    assert agenda.last == date(2027, 2, 2)  # today's own row does not count as the last one
    assert agenda.next == date(2027, 2, 23)
    assert [c.id for c in agenda.changed] == ["T-03"]  # since the last check-in, not after today
    assert [i.id for i in agenda.done] == ["T-01"]
    assert [(i.id, i.days) for i in agenda.slipped] == [("T-03", 7)]
    assert [(i.id, i.days) for i in agenda.overdue] == [("T-04", 6)]
    assert [i.id for i in agenda.next_two_weeks] == ["T-03"]
    assert [i.id for i in agenda.needs_owner] == ["T-05"]
    assert [r.id for r in agenda.risks] == ["R-02", "R-04", "R-05"]


def test_markdown_escapes_table_breaking_text():
    plan = _plan()
    items = (*plan.items, _item("T-09", ON, owner="A | B *bold*"))
    agenda = build_agenda(Plan("p", plan.overview, items), _assessment(), [], ON)
    text = agenda_markdown(agenda_document(agenda, plan))
    assert "A \\| B \\*bold\\*" in text
    assert "## Due in the next two weeks" in text


def test_a_long_activity_is_shortened_in_a_change_so_the_change_shows():
    long = "Discovery sessions: current process, pain points, requirements, decision process and timing"
    change = Change("2027-02-03T09:00:00", "T-02", long, "Due", "2027-02-05", "2027-02-12", "Dana",
                    f"T-02 {long}: due moved 2027-02-05 → 2027-02-12 (slip 5)")
    agenda = build_agenda(_plan(), _assessment(), [change], ON)
    doc = agenda_document(agenda, _plan())
    section = doc.section("changed")
    assert section is not None and section.table is not None
    text = section.table.rows[0][0]
    assert text.endswith(": due moved 2027-02-05 → 2027-02-12 (slip 5)")
    assert "…" in text


def test_what_the_last_check_in_already_had_is_not_counted_again():
    """The last check-in ran on Tue 02-02 at 10:00, right after a sync logged T-07 done (09:58); the
    buyer marked T-08 done after the meeting (15:00). The next agenda has T-08, not T-07 — and, for a
    plan that never recorded when its check-in ran, the whole of 02-02 as before."""
    last_day = date(2027, 2, 2)
    items = (_item("T-07", date(2027, 2, 1), Status.DONE, done_on=last_day),
             _item("T-08", date(2027, 2, 3), Status.DONE, done_on=last_day))
    plan = Plan("p", Overview(deal="Acme"), items, checkins=(CheckIn(last_day),))
    changes = [Change("2027-02-02T09:58:00", "T-07", "Activity T-07", "Status", "Not started", "Done", "", "done"),
               Change("2027-02-02 15:00:00", "T-08", "Activity T-08", "Status", "Not started", "Done", "", "done")]
    timed = build_agenda(plan, _assessment(), changes, ON, last_at="2027-02-02T10:00:00")
    assert [c.id for c in timed.changed] == ["T-08"] and [i.id for i in timed.done] == ["T-08"]
    untimed = build_agenda(plan, _assessment(), changes, ON)
    assert [c.id for c in untimed.changed] == ["T-07", "T-08"] and [i.id for i in untimed.done] == ["T-07", "T-08"]
    # Run again the same day, a check-in is measured from the one before: the stamp of the first run is not used.
    again = build_agenda(plan, _assessment(), changes, last_day, last_at="2027-02-02T10:00:00")
    assert again.last is None and [c.id for c in again.changed] == ["T-07", "T-08"]


@pytest.mark.parametrize(("text", "days"), [
    ("毎週30分", 7), ("隔週、30分", 14), ("２週間ごと", 14), ("月次", 28), ("毎月第2火曜", 28), ("毎日", 1),
    ("随時", 7),
])
def test_cadence_days_in_japanese(text, days):
    assert cadence_days(text) == days


def test_a_japanese_agenda_document_is_in_japanese():
    agenda = build_agenda(_plan(), _assessment(), [], ON)
    doc = agenda_document(agenda, _plan(), notes="予算確認", lang="ja")
    assert doc.title == "定例 — Acme — 2027年2月9日(火)" and doc.lang == "ja"
    head = dict(doc.section("checkin").facts)
    assert head == {"前回の定例": "2027年2月2日(火)", "次回の定例": "2027年2月23日(火)", "メモ": "予算確認"}
    assert doc.section("changed").title == "前回の定例（2027年2月2日(火)）以降の変更"
    assert doc.section("changed").text == "計画に変更はありません。"
    assert doc.section("slipped").table.rows[0][2:] == ("2027年2月5日(金) → 2027年2月12日(金)", "7日")
    assert doc.section("overdue").table.rows[0][3] == "6日"
    assert doc.section("needs_owner").table.rows[0] == ("T-05 Activity T-05", "2027年3月30日(火)")
    assert doc.section("risks").table.columns == ("リスク", "影響", "対策", "担当者")
    assert doc.footer.startswith("2027年2月9日(火)の定例の議題")
    change = Change("2027-02-03T09:00:00", "T-03", "Activity T-03", "Due", "2027-02-05", "2027-02-12", "Ann",
                    "T-03 Activity T-03: 期限 2027/02/05 → 2027/02/12")
    logged = agenda_document(build_agenda(_plan(), _assessment(), [change], ON), _plan(), lang="ja")
    assert logged.section("changed").table.rows[0][1:] == ("Ann", "2027年2月3日(水)")
    english = agenda_document(agenda, _plan())
    assert english.title == "Check-in — Acme — 2027-02-09" and english.section("slipped").title == "Slipped"


def test_a_japanese_agendas_change_dates_fit_on_one_line_under_their_own_heading():
    """Rendered (soffice, pdftoppm): the change log's "2026年10月26日(月)" wrapped onto two lines in a
    2.2 cm column headed 期限 (due); it is the day of the change, as wide as the other tables' dates."""
    change = Change("2027-02-03T09:00:00", "T-03", "Activity T-03", "Due", "2027-02-05", "2027-02-12", "Ann",
                    "T-03 Activity T-03: 期限 2027/02/05 → 2027/02/12")
    agenda = build_agenda(_plan(), _assessment(), [change], ON)
    table = agenda_document(agenda, _plan(), lang="ja").section("changed").table
    due = agenda_document(agenda, _plan(), lang="ja").section("needs_owner").table
    assert table.columns[2] == "変更日" and table.widths[2] >= due.widths[1] >= 3.3
    english = agenda_document(agenda, _plan()).section("changed").table
    assert english.columns[2] == "When" and english.widths == (12.2, 3.6, 2.2)
