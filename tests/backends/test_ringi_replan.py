"""The ringi chain survives the store (issue 14): on every backend, a ja-enterprise plan remembers its
approval chain and the board's meeting days, so `replan --decision-date` lays the chain out again with
経営会議 on a meeting day."""

from __future__ import annotations

from datetime import date

from map_workspace import app
from map_workspace.domain.calendar import MeetingDays
from map_workspace.reading import read_plan
from tests.backends.test_japanese_plan import TODAY, _config, _request
from tests.backends.test_japanese_plan import backend as backend  # noqa: F401 (the fixture)


def test_replan_lays_the_chain_out_again_from_the_stored_plan(backend, tmp_path):
    name, store = backend
    created = app.create_plan(store, _request(), _config(name, tmp_path, TODAY))
    replanned = app.replan_plan(store, created.ref.slug, _config(name, tmp_path, date(2026, 11, 2)),
                                decision=date(2027, 3, 26))
    assert replanned.written
    items = {i.activity: i for i in read_plan(store.read(created.ref), today=date(2026, 11, 2)).plan.items}
    assert items["決裁"].due == date(2027, 3, 26)
    assert items["経営会議"].due == date(2027, 3, 23)
    assert MeetingDays.parse("2nd and 4th Tue").sits_on(items["経営会議"].due)
    assert items["稟議起案"].due > date(2027, 2, 1)
