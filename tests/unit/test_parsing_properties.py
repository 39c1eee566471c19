"""Properties of the parsers that must hold for anything a buyer can type."""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from map_workspace.domain.model import Stakeholder
from map_workspace.domain.parsing import (
    DateReading,
    OwnerKind,
    OwnerReading,
    format_id,
    parse_date,
    parse_depends,
    parse_status,
    read_owner,
)

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "pt_BR", "ja_JP", "zh_CN", "ko_KR", "", "xx_YY")

# conftest's autouse HOME fixture is function-scoped; these tests never touch the file system.
parsing_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)

#: Text that looks like what people type into cells: digits, separators, month and CJK characters.
cell_text = st.one_of(
    st.text(),
    st.text(alphabet="0123456789/.-年月日 ,:TtMmRrayJunFebSeptDec&+;、"),
    st.text(alphabet="Dana Tk,.;/&<>@()-さん様 \n"),
)
iso_range = st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31))
locales = st.sampled_from(LOCALES)
todays = st.none() | st.dates(min_value=date(1, 1, 2), max_value=date(9999, 12, 30))


@parsing_settings
@given(value=cell_text, locale=locales, today=todays)
def test_parse_date_never_raises_on_text(value, locale, today):
    reading = parse_date(value, locale, today)
    assert isinstance(reading, DateReading)
    assert (reading.value is None) == (reading.problem is not None or reading.empty)


@parsing_settings
@given(value=st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.booleans())
def test_parse_date_never_raises_on_numbers(value):
    reading = parse_date(value)
    assert reading.value is None or date(1899, 12, 31) <= reading.value <= date(9999, 12, 31)


@parsing_settings
@given(day=iso_range, locale=locales)
def test_iso_dates_read_back_in_every_locale(day, locale):
    assert parse_date(day.isoformat(), locale).value == day


@parsing_settings
@given(day=iso_range, locale=locales)
def test_dates_and_serials_read_back_in_every_locale(day, locale):
    assert parse_date(day, locale).value == day
    serial = (day - date(1899, 12, 30)).days
    assert parse_date(serial, locale).value == day
    assert parse_date(str(serial), locale).value == day


@parsing_settings
@given(value=cell_text)
def test_parse_status_never_raises(value):
    parse_status(value)


SEPARATORS = (", ", ",", "; ", " ", "\n", " and ", "/", " & ", "+", "、")
ids = st.builds(format_id, st.sampled_from("TM"), st.integers(min_value=1, max_value=999))


@parsing_settings
@given(value=cell_text)
def test_parse_depends_never_raises_and_never_invents(value):
    reading = parse_depends(value)
    assert all(i[0] in "TM" and i[1] == "-" for i in reading.ids)
    assert len(set(reading.ids)) == len(reading.ids)


@parsing_settings
@given(typed=st.lists(ids, max_size=8), separator=st.sampled_from(SEPARATORS))
def test_parse_depends_reads_back_what_was_listed(typed, separator):
    reading = parse_depends(separator.join(typed))
    assert reading.ids == tuple(dict.fromkeys(typed))
    assert reading.bad == ()
    assert parse_depends(", ".join(reading.ids)) == reading


_NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüøñ田中太郎山本花子李王金"
_TITLES = {"mr", "mrs", "ms", "mx", "miss", "dr", "prof", "professor"}
name_words = st.text(alphabet=_NAME_ALPHABET, min_size=1, max_size=7)
names = st.lists(name_words, min_size=1, max_size=3).map(" ".join)


def _distinct(stakeholder_names: list[str]) -> bool:
    """Names count as the same when they differ only in case, word order, spacing or a title."""
    seen: set[str] = set()
    for name in stakeholder_names:
        words = [w for w in unicodedata.normalize("NFKC", name).casefold().split() if w not in _TITLES]
        keys = {" ".join(sorted(words)), "".join(words)}
        if keys & seen:
            return False
        seen |= keys
    return True


@parsing_settings
@given(
    value=cell_text | names,
    people=st.lists(names | st.text(max_size=12), max_size=4),
    companies=st.lists(st.text(max_size=12) | names, max_size=2),
)
def test_read_owner_never_raises(value, people, companies):
    reading = read_owner(value, [Stakeholder(n) for n in people], companies)
    assert isinstance(reading, OwnerReading)
    assert (reading.kind is OwnerKind.PERSON) == (reading.stakeholder is not None)


@parsing_settings
@given(people=st.lists(names, min_size=1, max_size=5, unique=True), pick=st.integers(min_value=0))
def test_read_owner_finds_anyone_by_full_name_or_email(people, pick):
    assume(_distinct(people))
    stakeholders = [Stakeholder(name, email=f"person{i}@example.com") for i, name in enumerate(people)]
    chosen = stakeholders[pick % len(stakeholders)]
    assert read_owner(chosen.name, stakeholders).stakeholder == chosen
    assert read_owner(chosen.email.upper(), stakeholders).stakeholder == chosen
