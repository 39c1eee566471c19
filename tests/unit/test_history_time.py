"""History times in the plan's zone: UTC (the default) converts without zoneinfo, any other zone
through it, and an unknown zone or none keeps the time as given (issue 8 made UTC a fast path)."""

from datetime import datetime

from map_workspace.changes import history_time

WHEN = "2026-03-09T10:00:00+02:00"


def test_each_zone_gives_the_local_time_without_its_offset():
    assert history_time(WHEN, "UTC") == datetime(2026, 3, 9, 8, 0)
    assert history_time(WHEN, "Asia/Tokyo") == datetime(2026, 3, 9, 17, 0)
    assert history_time("2026-03-09T10:00:00.123456+00:00", "UTC") == datetime(2026, 3, 9, 10, 0)


def test_no_zone_or_an_unknown_one_keeps_the_time_as_written_and_text_stays_text():
    assert history_time(WHEN, "") == datetime(2026, 3, 9, 10, 0)
    assert history_time(WHEN, "Nowhere/Atlantis") == datetime(2026, 3, 9, 10, 0)
    assert history_time("2026-03-09T10:00:00", "UTC") == datetime(2026, 3, 9, 10, 0)
    assert history_time("last Tuesday", "UTC") == "last Tuesday"
