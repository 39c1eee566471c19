"""What buyers type, read back: dates, statuses, choices, IDs, dependencies and owners."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from map_workspace.domain.model import ItemType, Level, RiskStatus, Side, Stakeholder, Status
from map_workspace.domain.parsing import (
    OPEN_END,
    OPEN_START,
    DateOrder,
    DependsReading,
    OwnerKind,
    accepted_date_forms,
    date_order,
    format_id,
    from_serial,
    parse_date,
    parse_depends,
    parse_id,
    parse_item_type,
    parse_level,
    parse_risk_status,
    parse_side,
    parse_status,
    read_availability,
    read_owner,
    to_serial,
)

TODAY = date(2026, 3, 1)
MAY_15 = date(2026, 5, 15)


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "2026-05-15",
        "2026-05-15T10:30:00Z",
        "2026-05-15 10:30",
        "2026-05-15T09:00:00+09:00",
        "2026/05/15",
        "2026.05.15",
        "2026/5/15",
        "2026年5月15日",
        "2026年5月15日(金)",
        "２０２６年５月１５日",
        "May 15",
        "may 15, 2026",
        "MAY 15 2026",
        "15 May 2026",
        "15-May-26",
        "Fri 15 May 2026",
        "Friday, May 15, 2026",
        "15th May 2026",
        "the 15th of May",
        "2026-May-15",
        "May 15th, 2026",
        "5/15/2026",
        "5/15/26",
        "5/15",
        "5-15-2026",
        "46157",
        "20260515",
        " 2026-05-15 ",
        "5/15/2026 10:30 AM",
        "May 15.",
        "5月15日",
        "5月15日 金曜日",
    ],
)
def test_us_english_reads_may_15(typed):
    reading = parse_date(typed, "en_US", today=TODAY)
    assert reading.value == MAY_15
    assert reading.problem is None
    assert reading.text == typed


@pytest.mark.parametrize(
    ("typed", "locale"),
    [
        ("15/05/2026", "en_GB"),
        ("15.05.2026", "de_DE"),
        ("15-05-2026", "nl_NL"),
        ("15/5/26", "fr_FR"),
        ("15.5.", "de_DE"),
        ("15/05", "es_ES"),
        ("15/05/2026", "pt_BR"),
        ("15/05/2026", "en_AU"),
        ("15/05/2026", "en-IN"),
        ("15/05/2026", "it_IT"),
        ("2026/5/15", "ja_JP"),
        ("26/5/15", "zh_CN"),
        ("5/15", "ko_KR"),
        ("2026년 5월 15일", "ko_KR"),
        ("5/15/2026", "en-US"),
        ("5/15/2026", "xx_YY"),
        ("5/15/2026", ""),
        ("15 May 2026", "de_DE"),
        ("2026-05-15", "de_DE"),
    ],
)
def test_locale_numeric_forms(typed, locale):
    assert parse_date(typed, locale, today=TODAY).value == MAY_15


@pytest.mark.parametrize(("locale", "expected"), [("en_US", date(2026, 3, 4)), ("en_GB", date(2026, 4, 3))])
def test_the_same_digits_mean_different_days_by_locale(locale, expected):
    assert parse_date("03/04/2026", locale).value == expected


@pytest.mark.parametrize(
    ("typed", "locale", "expected"),
    [
        ("15/12", "en_US", date(2025, 12, 15)),  # the year nearest today
        ("15/12/2026", "en_US", date(2026, 12, 15)),
        ("15.05.2026", "en_US", MAY_15),
        ("15-05-2026", "ja_JP", MAY_15),
        ("5/15/2026", "de_DE", MAY_15),
        ("12/15", "en_GB", date(2025, 12, 15)),
        ("5/15", "fr_FR", MAY_15),
    ],
)
def test_a_date_whose_order_is_unambiguous_is_read_in_any_locale(typed, locale, expected):
    assert parse_date(typed, locale, today=TODAY).value == expected


@pytest.mark.parametrize(
    ("typed", "locale"),
    [
        ("5/6/2026", "ja_JP"),  # 5 June or 6 May: a year-first plan cannot tell
        ("26/5/15", "en_US"),  # 26 May 2015 or 2026-05-15
        ("15/13/2026", "en_US"),
        ("13/13", "en_GB"),
    ],
)
def test_a_date_ambiguous_outside_the_locale_is_refused(typed, locale):
    assert parse_date(typed, locale, today=TODAY).problem == "unparseable"


@pytest.mark.parametrize(
    ("locale", "order"),
    [
        ("en_US", DateOrder.MONTH_FIRST),
        ("en_US.UTF-8", DateOrder.MONTH_FIRST),
        ("en", DateOrder.MONTH_FIRST),
        ("klingon", DateOrder.MONTH_FIRST),
        ("en_GB", DateOrder.DAY_FIRST),
        ("de-DE", DateOrder.DAY_FIRST),
        ("pt_PT", DateOrder.DAY_FIRST),
        ("ja_JP", DateOrder.YEAR_FIRST),
        ("zh_TW", DateOrder.YEAR_FIRST),
    ],
)
def test_date_order_of_locales(locale, order):
    assert date_order(locale) is order


@pytest.mark.parametrize(
    "typed",
    [
        "TBD",
        "next Friday",
        "Q3",
        "soon",
        "asap",
        "mid May",
        "May 2026",
        "2026-02-30",
        "2026-13-01",
        "13/13/2026",
        "31/31",
        "Fri",
        "5/15/202",
        "2026/05",
        "May 15 2026 2027",
        "0",
        "Feb 30",
        "🙂",
    ],
)
def test_unparseable_text_is_kept_as_typed(typed):
    reading = parse_date(typed, "en_US", today=TODAY)
    assert reading.value is None
    assert reading.problem == "unparseable"
    assert reading.text == typed
    assert not reading.empty


@pytest.mark.parametrize("value", [None, "", "   ", "\n"])
def test_an_empty_cell_is_empty_not_a_problem(value):
    reading = parse_date(value)
    assert reading.empty
    assert (reading.value, reading.text, reading.problem) == (None, "", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MAY_15, MAY_15),
        (datetime(2026, 5, 15, 17, 45), MAY_15),
        (46157, MAY_15),
        (46157.0, MAY_15),
        (46157.99, MAY_15),
        (1, date(1899, 12, 31)),
        (2958465, date(9999, 12, 31)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2200-12-31", date(2200, 12, 31)),
    ],
)
def test_real_dates_serials_and_far_dates_are_read(value, expected):
    reading = parse_date(value, "en_US")
    assert reading.value == expected
    assert reading.problem is None


@pytest.mark.parametrize("value", [0, -5, 2958466, 0.5, float("nan"), float("inf"), True, False])
def test_numbers_that_are_not_serial_dates(value):
    reading = parse_date(value)
    assert reading.value is None
    assert reading.problem == "unparseable"


def test_date_text_keeps_the_cell_as_a_sheet_shows_it():
    assert parse_date(datetime(2026, 5, 15)).text == "2026-05-15"
    assert parse_date(46157.0).text == "46157"


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("May 15", date(2026, 3, 1), date(2026, 5, 15)),
        ("Jan 5", date(2026, 12, 20), date(2027, 1, 5)),
        ("12/28", date(2027, 1, 3), date(2026, 12, 28)),
        ("Feb 29", date(2027, 6, 1), date(2028, 2, 29)),
    ],
)
def test_a_missing_year_is_the_one_nearest_today(typed, today, expected):
    assert parse_date(typed, "en_US", today=today).value == expected


@pytest.mark.parametrize("typed", ["May 15", "5/15", "5月15日"])
def test_a_missing_year_without_today_is_unparseable(typed):
    assert parse_date(typed, "en_US").problem == "unparseable"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en_US", "2026-05-15, 5/15/2026, May 15 2026 or 2026年5月15日"),
        ("en_GB", "2026-05-15, 15/05/2026, 15 May 2026 or 2026年5月15日"),
        ("de_DE", "2026-05-15, 15.05.2026, 15 May 2026 or 2026年5月15日"),
        ("ja_JP", "2026-05-15, 2026/5/15, 2026年5月15日 or 令和8年5月15日"),
        ("zh_CN", "2026-05-15, 2026/5/15, May 15 2026 or 2026年5月15日"),
    ],
)
def test_accepted_forms_show_the_locales_own_example(locale, expected):
    assert accepted_date_forms(locale) == expected


def test_every_example_in_the_accepted_forms_parses_in_its_locale():
    for locale in ("en_US", "en_GB", "de_DE", "nl_NL", "ja_JP", "zh_CN", "fr_FR"):
        examples = accepted_date_forms(locale).replace(" or ", ", ").split(", ")
        assert [parse_date(e, locale).value for e in examples] == [MAY_15] * 4, locale


def test_serial_helpers_round_trip():
    assert to_serial(MAY_15) == 46157
    assert to_serial(datetime(2026, 5, 15, 12)) == 46157
    assert from_serial(46157.5) == MAY_15
    assert from_serial(to_serial(date(1901, 1, 1))) == date(1901, 1, 1)
    with pytest.raises(ValueError):
        from_serial(0)


# --- statuses and choices ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", Status.NOT_STARTED),
        (None, Status.NOT_STARTED),
        ("Not started", Status.NOT_STARTED),
        ("todo", Status.NOT_STARTED),
        ("To-Do", Status.NOT_STARTED),
        ("In progress", Status.IN_PROGRESS),
        ("WIP", Status.IN_PROGRESS),
        ("in   progress", Status.IN_PROGRESS),
        ("In_Progress", Status.IN_PROGRESS),
        ("Done", Status.DONE),
        ("complete", Status.DONE),
        ("Completed.", Status.DONE),
        ("DONE!!", Status.DONE),
        ("✅ Done", Status.DONE),
        ("Done ✔", Status.DONE),
        ("✅", Status.DONE),
        ("✔️", Status.DONE),
        ("完了", Status.DONE),
        ("Blocked", Status.BLOCKED),
        ("on hold", Status.BLOCKED),
        ("⛔", Status.BLOCKED),
        ("N/A", Status.NA),
        ("n.a", Status.NA),
        ("Cancelled", Status.NA),
    ],
)
def test_status_synonyms_and_emoji(typed, expected):
    assert parse_status(typed) is expected


@pytest.mark.parametrize(
    "typed", ["Done?", "almost done", "not done", "waiting on legal review", "50%", "xyz", "🙂", "-", 42]
)
def test_status_free_text_is_not_understood(typed):
    assert parse_status(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("High", Level.HIGH), ("h", Level.HIGH), ("Med.", Level.MEDIUM), ("2", Level.MEDIUM), ("low", Level.LOW),
     ("", None), ("huge", None)],
)
def test_levels(typed, expected):
    assert parse_level(typed) is expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("", RiskStatus.OPEN), ("Open", RiskStatus.OPEN), ("mitigated", RiskStatus.MITIGATED),
     ("Resolved!", RiskStatus.CLOSED), ("maybe", None)],
)
def test_risk_statuses(typed, expected):
    assert parse_risk_status(typed) is expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Buyer", Side.BUYER),
        ("customer", Side.BUYER),
        ("Client", Side.BUYER),
        ("Seller", Side.SELLER),
        ("vendor", Side.SELLER),
        ("Supplier", Side.SELLER),
        ("Joint", Side.JOINT),
        ("both", Side.JOINT),
        ("Mutual", Side.JOINT),
        ("shared", Side.JOINT),
        ("", None),
        ("us", None),
        ("Dana", None),
    ],
)
def test_sides(typed, expected):
    assert parse_side(typed) is expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Task", ItemType.TASK),
        ("task", ItemType.TASK),
        ("Action", ItemType.TASK),
        ("Milestone", ItemType.MILESTONE),
        ("milestone", ItemType.MILESTONE),
        ("MS", ItemType.MILESTONE),
        ("M", ItemType.MILESTONE),
        ("◆", ItemType.MILESTONE),
        ("", None),
        ("Meeting", None),
    ],
)
def test_item_types(typed, expected):
    assert parse_item_type(typed) is expected


# --- IDs and dependencies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "n", "expected"), [("T", 3, "T-03"), ("M", 1, "M-01"), ("T", 123, "T-123"), ("r", 10, "R-10")]
)
def test_format_id(prefix, n, expected):
    assert format_id(prefix, n) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("T-03", ("T", 3)),
        ("t3", ("T", 3)),
        ("T03", ("T", 3)),
        ("T-003", ("T", 3)),
        (" m-1 ", ("M", 1)),
        ("R-12", ("R", 12)),
        ("T–03", ("T", 3)),
        ("Ｔ－０３", ("T", 3)),
        ("T-0", None),
        ("X-03", None),
        ("T-", None),
        ("3", None),
        ("", None),
        (None, None),
        ("T-03a", None),
    ],
)
def test_parse_id(typed, expected):
    assert parse_id(typed) == expected


@pytest.mark.parametrize(
    ("typed", "ids", "bad"),
    [
        ("", (), ()),
        (None, (), ()),
        ("T-03", ("T-03",), ()),
        ("T-03, T-04", ("T-03", "T-04"), ()),
        ("t3;m1", ("T-03", "M-01"), ()),
        ("T-03 / T-04", ("T-03", "T-04"), ()),
        ("T-03 and M-01", ("T-03", "M-01"), ()),
        ("T-03 & T-04 + T-05", ("T-03", "T-04", "T-05"), ()),
        ("T-03、T-04", ("T-03", "T-04"), ()),
        ("T-03\nT-04", ("T-03", "T-04"), ()),
        ("T-03 T-04", ("T-03", "T-04"), ()),
        ("T - 03", ("T-03",), ()),
        ("T-3, T-03, t03", ("T-03",), ()),
        ("(T-03)", ("T-03",), ()),
        ("R-01, T-02", ("T-02",), ("R-01",)),
        ("after contract, T-02", ("T-02",), ("after", "contract")),
        ("3, 4", (), ("3", "4")),
        ("#5", (), ("#5",)),
        ("step3", (), ("step3",)),
    ],
)
def test_parse_depends(typed, ids, bad):
    assert parse_depends(typed) == DependsReading(ids, bad)


# --- owners ------------------------------------------------------------------------------------

DANA = Stakeholder("Dana Tanaka", Side.BUYER, "Champion", "dana@buyer.com")
SAM = Stakeholder("Sam Lee", Side.SELLER, "AE", "sam@seller.com")
TARO = Stakeholder("田中 太郎", Side.BUYER, "CFO")
HANAKO = Stakeholder("山本花子", Side.BUYER, "CIO")
PEOPLE = (DANA, SAM, TARO, HANAKO, Stakeholder(""), Stakeholder("Dr. Alex Kim", Side.BUYER))
COMPANIES = ("Acme Corp", "Seller Systems GmbH")


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("Dana Tanaka", DANA),
        (" Dana   Tanaka ", DANA),
        ("dana tanaka", DANA),
        ("Tanaka Dana", DANA),
        ("Tanaka, Dana", DANA),
        ("Dana", DANA),
        ("Tanaka", DANA),
        ("Ms. Tanaka", DANA),
        ("D. Tanaka", DANA),
        ("Dana T", DANA),
        ("Tanaka-san", DANA),
        ("dana@buyer.com", DANA),
        ("DANA@Buyer.com", DANA),
        ("Dana Tanaka <dana@buyer.com>", DANA),
        ("Someone Else <dana@buyer.com>", DANA),
        ("Dana Tanaka <dana.t@gmail.com>", DANA),
        ("Dana Tanaka, VP Operations", DANA),
        ("Tanaka, Dana, Head of IT", DANA),
        ("Sam Lee, Legal", SAM),
        ("Dana Tanaka (Champion)", DANA),
        ("Sam Lee", SAM),
        ("Mr Lee", SAM),
        ("田中 太郎", TARO),
        ("田中太郎", TARO),
        ("田中", TARO),
        ("田中さん", TARO),
        ("山本花子", HANAKO),
        ("山本 花子", HANAKO),
        ("山本様", HANAKO),
        ("Alex Kim", PEOPLE[5]),
    ],
)
def test_owner_resolves_to_a_person(typed, who):
    reading = read_owner(typed, PEOPLE, COMPANIES)
    assert reading.kind is OwnerKind.PERSON
    assert reading.stakeholder == who
    assert reading.text == typed


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("", OwnerKind.EMPTY),
        ("   ", OwnerKind.EMPTY),
        (None, OwnerKind.EMPTY),
        ("IT", OwnerKind.GROUP),
        ("the operations team", OwnerKind.GROUP),
        ("Legal", OwnerKind.GROUP),
        ("TBD", OwnerKind.PLACEHOLDER),
        ("N/A", OwnerKind.PLACEHOLDER),
        ("Procurement team", OwnerKind.GROUP),
        ("Finance Dept.", OwnerKind.GROUP),
        ("team Alpha", OwnerKind.GROUP),
        ("IT / Legal", OwnerKind.GROUP),
        ("未定", OwnerKind.PLACEHOLDER),
        ("Acme Corp", OwnerKind.COMPANY),
        ("Acme", OwnerKind.COMPANY),
        ("ACME Corp.", OwnerKind.COMPANY),
        ("Acme, Inc.", OwnerKind.COMPANY),
        ("the Acme team", OwnerKind.COMPANY),
        ("Seller Systems", OwnerKind.COMPANY),
        ("Bob Smith", OwnerKind.UNKNOWN),
        ("bob@buyer.com", OwnerKind.UNKNOWN),
        ("Bob <bob@buyer.com>", OwnerKind.UNKNOWN),
        ("Smith, Bob", OwnerKind.UNKNOWN),
        ("Bob Smith, VP Sales", OwnerKind.UNKNOWN),
        ("Dr", OwnerKind.UNKNOWN),
        ("佐藤", OwnerKind.UNKNOWN),
    ],
)
def test_owner_kinds_that_are_not_one_known_person(typed, kind):
    reading = read_owner(typed, PEOPLE, COMPANIES)
    assert reading.kind is kind
    assert reading.stakeholder is None


@pytest.mark.parametrize(
    ("typed", "pieces"),
    [
        ("Dana Tanaka and Sam Lee", ("Dana Tanaka", "Sam Lee")),
        ("Dana & Sam", ("Dana", "Sam")),
        ("Dana/Sam", ("Dana", "Sam")),
        ("Dana + Sam", ("Dana", "Sam")),
        ("Dana; Sam", ("Dana", "Sam")),
        ("Dana\nSam", ("Dana", "Sam")),
        ("Dana und Sam", ("Dana", "Sam")),
        ("Dana or Sam", ("Dana", "Sam")),
        ("田中、山本", ("田中", "山本")),
        ("Dana, Sam", ("Dana", "Sam")),
        ("Sam Lee, Bob Smith", ("Sam Lee", "Bob Smith")),
        ("Dana and the IT team", ("Dana", "the IT team")),
        ("dana@buyer.com; sam@seller.com", ("dana@buyer.com", "sam@seller.com")),
    ],
)
def test_two_people_in_one_cell(typed, pieces):
    reading = read_owner(typed, PEOPLE, COMPANIES)
    assert reading.kind is OwnerKind.MULTIPLE
    assert reading.candidates == pieces


@pytest.mark.parametrize("typed", ["TBD", "tbd.", "TBC", "TBA", "?", "??", "n/a", "N/A", "-", "—", "--", "未定",
                                   "担当者未定", "unassigned", "Nobody yet", "TBD?"])
def test_a_placeholder_means_no_owner_yet(typed):
    reading = read_owner(typed, PEOPLE, COMPANIES)
    assert reading.kind is OwnerKind.PLACEHOLDER
    assert reading.text == typed


@pytest.mark.parametrize("typed", ["Dana & Sam Lee", "Dana and Sam Lee", "Dana, Sam Lee", "Dana / Sam Lee",
                                   "Sam Lee + Tanaka"])
def test_each_of_two_people_in_one_cell_is_resolved(typed):
    reading = read_owner(typed, PEOPLE, COMPANIES)
    assert reading.kind is OwnerKind.MULTIPLE
    assert {p.stakeholder for p in reading.people} == {DANA, SAM}


def test_an_unknown_one_of_two_people_is_read_as_unknown():
    reading = read_owner("Dana & Zed Unknown", PEOPLE, COMPANIES)
    assert [(p.kind, p.text) for p in reading.people] == [(OwnerKind.PERSON, "Dana"),
                                                         (OwnerKind.UNKNOWN, "Zed Unknown")]


def test_a_name_part_shared_by_two_people_is_ambiguous():
    people = (DANA, Stakeholder("Dana Brooks", Side.SELLER), SAM)
    reading = read_owner("Dana", people)
    assert reading.kind is OwnerKind.AMBIGUOUS
    assert reading.candidates == ("Dana Tanaka", "Dana Brooks")
    assert read_owner("Dana Brooks", people).stakeholder == people[1]
    assert read_owner("Brooks", people).stakeholder == people[1]


def test_namesakes_are_told_apart_by_email():
    namesake = Stakeholder("Dana Tanaka", Side.SELLER, email="dana@seller.com")
    reading = read_owner("Dana Tanaka", (DANA, namesake))
    assert reading.kind is OwnerKind.AMBIGUOUS
    assert reading.candidates == ("Dana Tanaka <dana@buyer.com>", "Dana Tanaka <dana@seller.com>")
    assert read_owner("dana@seller.com", (DANA, namesake)).stakeholder == namesake


def test_an_initial_alone_names_nobody():
    assert read_owner("D.", PEOPLE).kind is OwnerKind.UNKNOWN
    assert read_owner("D. Lee", PEOPLE).kind is OwnerKind.UNKNOWN


def test_the_same_person_listed_twice_is_still_one_person():
    reading = read_owner("Dana", (DANA, Stakeholder("Dana Tanaka", Side.BUYER, "Sponsor")))
    assert reading.kind is OwnerKind.PERSON


def test_no_stakeholders_means_every_name_is_unknown():
    assert read_owner("Dana Tanaka", ()).kind is OwnerKind.UNKNOWN
    assert read_owner("IT", ()).kind is OwnerKind.GROUP


DEC_10 = date(2026, 12, 10)
JAN_11_15 = ((date(2027, 1, 11), date(2027, 1, 15)),)


@pytest.mark.parametrize(
    ("typed", "ranges"),
    [
        ("Out Jan 11-15", JAN_11_15),
        ("Jan 11–15", JAN_11_15),
        ("11-15 Jan", JAN_11_15),
        ("on leave 1/11-1/15", JAN_11_15),
        ("1/11〜1/15", JAN_11_15),
        ("1月11日〜1月15日", JAN_11_15),
        ("Jan 11 - Jan 15", JAN_11_15),
        ("On leave 11 to 15 January 2027", JAN_11_15),
        ("travelling 2027-01-11 to 2027-01-15", JAN_11_15),
        ("PTO until Jan 15", ((OPEN_START, date(2027, 1, 15)),)),
        ("back Jan 18", ((OPEN_START, date(2027, 1, 17)),)),
        ("available from Jan 18", ((OPEN_START, date(2027, 1, 17)),)),
        ("out from Jan 11", ((date(2027, 1, 11), OPEN_END),)),
        ("Dec 28 - Jan 3", ((date(2026, 12, 28), date(2027, 1, 3)),)),
        ("Out Jan 11-15; back in office Feb 2-4 then PTO Mar 1-2",
         (*JAN_11_15, (date(2027, 2, 2), date(2027, 2, 4)), (date(2027, 3, 1), date(2027, 3, 2)))),
    ],
)
def test_availability_ranges_as_people_type_them(typed, ranges):
    reading = read_availability(typed, "en_US", DEC_10)
    assert reading.ranges == ranges
    assert not reading.unreadable


@pytest.mark.parametrize("typed", ["out sometime in Q1", "on leave next month", "PTO 31/31", "travelling in May"])
def test_availability_naming_days_mapws_cannot_read_is_unreadable(typed):
    reading = read_availability(typed, "en_US", DEC_10)
    assert reading.ranges == () and reading.unreadable


@pytest.mark.parametrize("typed", ["", "prefers mornings", "Mon-Fri only", "may be late", "Only by email"])
def test_availability_constraints_without_days_are_not_unreadable(typed):
    reading = read_availability(typed, "en_US", DEC_10)
    assert reading.ranges == () and not reading.unreadable


# --- Japanese dates (issue 14) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "5/15",
        "5月15日",
        "5月15日(金)",
        "5月15日（金）",
        "令和8年5月15日",
        "令和８年５月１５日",
        "令和8年5月15日(金)",
        "令和 8 年 5 月 15 日",
        "R8.5.15",
        "R8/5/15",
        "R8-5-15",
        "r8.5.15",
        "R08.05.15",
        "Ｒ８．５．１５",
        "R8年5月15日",
        "㋿8年5月15日",
        "２０２６／０５／１５",
        "２０２６－０５－１５",
        "２０２６．５．１５",
        "２０２６年５月１５日（金）",
        "５／１５",
    ],
)
def test_japanese_forms_read_may_15(typed):
    reading = parse_date(typed, "ja_JP", today=TODAY)
    assert reading.value == MAY_15, typed
    assert reading.problem is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("R1.5.1", date(2019, 5, 1)),
        ("令和2年1月6日", date(2020, 1, 6)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("H31.4.30", date(2019, 4, 30)),
        ("H30/12/28", date(2018, 12, 28)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("S63.12.1", date(1988, 12, 1)),
    ],
)
def test_japanese_era_years(typed, expected):
    assert parse_date(typed, "ja_JP", today=TODAY).value == expected
    # The era forms are unambiguous, so any locale reads them.
    assert parse_date(typed, "en_US", today=TODAY).value == expected


@pytest.mark.parametrize(
    "typed",
    [
        "令和元年4月30日",  # Reiwa began on 2019-05-01
        "平成元年1月7日",  # Heisei began on 1989-01-08
        "令和0年5月1日",
        "令和8年2月30日",
        "R8.13.1",
        "X8.5.15",
        "令和8年",
    ],
)
def test_impossible_era_dates_are_unparseable(typed):
    assert parse_date(typed, "ja_JP", today=TODAY).problem == "unparseable"


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("5/15", date(2026, 3, 1), date(2026, 5, 15)),
        ("5月15日", date(2026, 3, 1), date(2026, 5, 15)),
        ("1/8", date(2026, 12, 20), date(2027, 1, 8)),
        ("1月8日", date(2026, 12, 20), date(2027, 1, 8)),
        ("12/25", date(2027, 1, 6), date(2026, 12, 25)),
    ],
)
def test_a_japanese_date_without_a_year_is_the_one_nearest_today(typed, today, expected):
    assert parse_date(typed, "ja_JP", today=today).value == expected


# --- Japanese names (issue 14) ---------------------------------------------------------------------

ICHIRO = Stakeholder("阿部 一郎", Side.BUYER, "承認者")
MAKOTO = Stakeholder("長谷部 誠", Side.BUYER, "起案者")
JA_PEOPLE = (TARO, HANAKO, ICHIRO, MAKOTO, SAM)


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("田中様", TARO),
        ("田中 様", TARO),
        ("田中　様", TARO),
        ("田中さん", TARO),
        ("田中 さん", TARO),
        ("田中さま", TARO),
        ("田中殿", TARO),
        ("田中 殿", TARO),
        ("田中氏", TARO),
        ("田中 氏", TARO),
        ("田中君", TARO),
        ("田中 君", TARO),
        ("田中くん", TARO),
        ("田中太郎", TARO),
        ("田中太郎様", TARO),
        ("田中 太郎 様", TARO),
        ("太郎 田中", TARO),
        ("田中部長", TARO),
        ("田中 課長", TARO),
        ("山本さん", HANAKO),
        ("阿部", ICHIRO),
        ("阿部さん", ICHIRO),
        ("長谷部", MAKOTO),
        ("長谷部様", MAKOTO),
    ],
)
def test_japanese_honorifics_and_spacing_are_ignored(typed, who):
    reading = read_owner(typed, JA_PEOPLE, ("株式会社アクメ",))
    assert reading.kind is OwnerKind.PERSON, reading
    assert reading.stakeholder == who


def test_an_ambiguous_japanese_family_name_is_ambiguous():
    jiro = Stakeholder("田中 次郎", Side.BUYER, "承認者")
    for typed in ("田中様", "田中 さん", "田中"):
        reading = read_owner(typed, (TARO, jiro), ())
        assert reading.kind is OwnerKind.AMBIGUOUS, typed
        assert reading.candidates == ("田中 太郎", "田中 次郎")
    assert read_owner("田中太郎様", (TARO, jiro)).stakeholder == TARO
    assert read_owner("田中 次郎 さん", (TARO, jiro)).stakeholder == jiro


@pytest.mark.parametrize(
    "typed",
    ["情報システム部", "経理部", "法務部", "IT部", "事業本部", "経理課", "総務課", "法務チーム", "チーム",
     "関係者各位", "各位", "全員", "営業部全員", "担当者", "経理担当者", "情シスのチーム", "購買部門"],
)
def test_japanese_group_words_are_groups(typed):
    assert read_owner(typed, JA_PEOPLE, ()).kind is OwnerKind.GROUP


@pytest.mark.parametrize("typed", ["未定", "担当者未定", "未定です"])
def test_japanese_no_owner_words_are_placeholders(typed):
    assert read_owner(typed, JA_PEOPLE, ()).kind is OwnerKind.PLACEHOLDER


@pytest.mark.parametrize("typed", ["佐藤", "佐藤様", "服部さん", "日下部"])
def test_an_unlisted_japanese_name_is_unknown_not_a_group(typed):
    assert read_owner(typed, JA_PEOPLE, ()).kind is OwnerKind.UNKNOWN


@pytest.mark.parametrize(
    "typed",
    ["出張 R8.5.11〜R8.5.15", "令和8年5月11日〜令和8年5月15日 不在", "休暇 ２０２６／５／１１～２０２６／５／１５",
     "5月11日〜5月15日 出張"],
)
def test_japanese_availability_ranges(typed):
    assert read_availability(typed, "ja_JP", today=TODAY).ranges == ((date(2026, 5, 11), MAY_15),)


def test_the_owners_of_one_plan_are_read_against_one_directory_built_once() -> None:
    """Each item's Owner cell is read against the same Stakeholders: the names are tokenised once,
    and another list (another plan) gets its own directory."""
    from map_workspace.domain import parsing

    dana = (Stakeholder("Dana Tanaka", Side.BUYER, "Champion", "dana@acme.com"),)
    sam = (Stakeholder("Sam Rivera", Side.SELLER, "AE", "sam@seller.io"),)
    assert parsing._directory(dana) is parsing._directory(dana)
    assert [p.stakeholder.name for p in parsing._directory(sam)] == ["Sam Rivera"]
    assert read_owner("Dana", dana).stakeholder == dana[0] and read_owner("Dana", sam).stakeholder is None
    assert read_owner("Sam", list(sam)).stakeholder == sam[0]  # a list is read each time (it could change)


def test_an_id_or_depends_on_text_read_again_is_not_parsed_again() -> None:
    """IDs recur on every tab of a plan and from plan to plan over a night: each text is read once
    a process, and gives the same answer from then on."""
    from map_workspace.domain import parsing

    first = parse_depends("T-03, m2 and T 4")
    misses = (parsing._parse_id_text.cache_info().misses, parsing._parse_depends_text.cache_info().misses)
    assert parse_depends("T-03, m2 and T 4") == first and parse_id(" t - 3 ") == parse_id(" t - 3 ") == ("T", 3)
    assert parse_id("T-03") == ("T", 3) and parse_id(None) is None and parse_id("X-1") is None
    again = (parsing._parse_id_text.cache_info().misses, parsing._parse_depends_text.cache_info().misses)
    assert again[1] == misses[1] and again[0] <= misses[0] + 2  # " t - 3 " and "X-1" are new texts
    assert first.ids == ("T-03", "M-02", "T-04")
