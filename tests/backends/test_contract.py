"""The behavioural contract every backend passes, written once against the PlanStore port.

Add a backend by adding a factory to BACKENDS: the same tests then run against it.
"""

from datetime import date, datetime, timedelta, timezone

import pytest

from map_workspace import app
from map_workspace.changes import CellWrite, ChangeSet, NoteWrite, note_block
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.errors import PlanExists, PlanNotFound
from map_workspace.layout import HISTORY, OVERVIEW, PLAN, STATE
from map_workspace.reading import read_plan
from map_workspace.summary import build_summary
from map_workspace.sync import plan_sync

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def local_store(tmp_path):
    from map_workspace.backends.local.store import LocalPlanStore

    return LocalPlanStore(tmp_path / "maps")


def google_store(tmp_path):
    """A GooglePlanStore with anonymous credentials against the (reset) loopback emulator, through
    the real gspread and google-api-python-client."""
    from tests.support.google import make_store, shared_emulator

    emulator = shared_emulator()
    emulator.reset()
    return make_store(emulator, pdf_dir=tmp_path)


BACKENDS = {"local": local_store, "google": google_store}


@pytest.fixture(params=sorted(BACKENDS))
def store(request, tmp_path):
    return BACKENDS[request.param](tmp_path)


#: Local plans ``new_plan`` wrote in this process, by (deal, template): (workbook bytes, snapshot, plan).
_MADE_LOCAL: dict[tuple[str, str], tuple[bytes, object, object]] = {}


def new_plan(store, deal="Acme rollout", template="enterprise"):
    """A new plan made by ``store.create``. On the local backend the first plan of each (deal,
    template) in a process is written by the store; later ones are a byte copy of that workbook at
    the path the store would write (with the same snapshot and plan returned), unless a file is
    already there — then the store is asked, and refuses as it should."""
    from pathlib import Path

    from map_workspace.ports import PlanRef

    key = (deal, template)
    if store.name == "local" and key in _MADE_LOCAL:
        data, snapshot, plan = _MADE_LOCAL[key]
        path = store.path_for(plan.slug)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path = path.resolve()
            return PlanRef(id=str(path), url=path.as_uri(), slug=path.stem, title=deal), snapshot, plan
    req = app.CreateRequest(deal, date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.com>")],
                            [Person.parse("Sam Rivera <sam@seller.io>")], template=template)
    new = app.build_new_plan(req, Config(), TODAY, NOW)
    ref = store.create(new.snapshot, slug=new.plan.slug, title=deal)
    if store.name == "local" and key not in _MADE_LOCAL:
        _MADE_LOCAL[key] = (Path(ref.id).read_bytes(), new.snapshot, new.plan)
    return ref, new.snapshot, new.plan


def test_created_plan_reads_back_as_written(store):
    ref, written, plan = new_plan(store)
    read = store.read(ref)
    assert read.meta["plan_id"] == plan.plan_id and read.meta["schema"] == "1"
    for tab in (OVERVIEW, PLAN, HISTORY, STATE):
        assert tab in read.tabs
    reading = read_plan(read, today=TODAY)
    assert [i.id for i in reading.plan.items] == [i.id for i in plan.items]
    assert [i.due for i in reading.plan.items] == [i.due for i in plan.items]
    assert reading.plan.overview.target_decision == date(2026, 6, 30)
    assert plan_sync(read, TODAY, now=NOW).changes.is_empty


def test_the_overview_tells_the_buyer_in_one_line_what_to_do(store):
    from map_workspace.layout import OVERVIEW_GUIDE

    ref, _, plan = new_plan(store)
    read = store.read(ref)
    assert read.tabs[OVERVIEW].rows[1][0].text == OVERVIEW_GUIDE
    assert OVERVIEW_GUIDE == ("Mark items Done, move dates, name owners in the Plan tab — "
                              "the flags update themselves.")
    assert read_plan(read, today=TODAY).plan.overview.deal == "Acme rollout"


def test_locate_by_slug_and_list(store):
    ref, _, _ = new_plan(store)
    new_plan(store, "Beta deal", "light")
    assert store.locate("acme-rollout").id == ref.id
    assert store.locate(ref.id).id == ref.id
    assert sorted(r.slug for r in store.list_plans()) == ["acme-rollout", "beta-deal"]
    with pytest.raises(PlanNotFound) as err:
        store.locate("gamma")
    assert err.value.hint


def test_creating_twice_is_refused(store):
    new_plan(store)
    with pytest.raises(PlanExists):
        new_plan(store)


def test_apply_writes_cells_notes_history_and_keeps_the_buyers_note(store):
    ref, _, plan = new_plan(store)
    snap = store.read(ref)
    reading = read_plan(snap, today=TODAY)
    first = reading.item_rows[0].sheet_row
    owner_col = reading.tables[PLAN].columns["owner"]
    slips_col = reading.tables[PLAN].columns["slips"]
    changes = ChangeSet(
        cells=(CellWrite(PLAN, first, slips_col, 3, field="slips", id=plan.items[0].id),),
        notes=(NoteWrite(PLAN, first, owner_col, ("Owner 'IT' is a group, not a person.",)),),
    )
    store.apply(ref, snap, changes)
    snap2 = store.read(ref)
    assert snap2.tabs[PLAN].cell(first - 1, slips_col).value == 3
    assert note_block(snap2.tabs[PLAN].cell(first - 1, owner_col).note) == ("Owner 'IT' is a group, not a person.",)
    # Remove the block again: the cell ends with no note.
    store.apply(ref, snap2, ChangeSet(notes=(NoteWrite(PLAN, first, owner_col, ()),)))
    assert store.read(ref).tabs[PLAN].cell(first - 1, owner_col).note == ""


def test_sync_round_trip_converges(store):
    ref, _, plan = new_plan(store)
    later = TODAY + timedelta(days=45)
    result = plan_sync(store.read(ref), later, now=NOW + timedelta(days=45))
    if not result.changes.is_empty:
        store.apply(ref, store.read(ref), result.changes)
    assert plan_sync(store.read(ref), later, now=NOW + timedelta(days=45)).changes.is_empty


def test_summary_is_written_beside_the_plan(store):
    ref, snap, _ = new_plan(store)
    result = plan_sync(store.read(ref), TODAY, now=NOW)
    doc = build_summary(result.plan, result.assessment, TODAY)
    out = store.write_summary(ref, doc, pdf=False)
    assert out.document and out.url and out.pdf is None


def test_full_and_light_summaries_never_overwrite_each_other_and_keep_adds_a_dated_copy(store):
    ref, _, _ = new_plan(store)
    result = plan_sync(store.read(ref), TODAY, now=NOW)
    full_doc = build_summary(result.plan, result.assessment, TODAY)
    full = store.write_summary(ref, full_doc, pdf=False)
    light = store.write_summary(ref, build_summary(result.plan, result.assessment, TODAY, light=True), pdf=False)
    assert full.document != light.document and full.url != light.url
    assert full.kept == () and light.kept == ()
    again = store.write_summary(ref, full_doc, pdf=False, keep=True)
    assert (again.document, again.url) == (full.document, full.url)  # the link already sent still works
    assert len(again.kept) == 1 and again.kept[0] not in (full.document, full.url, light.document, light.url)
    assert TODAY.isoformat() in again.kept[0] or store.name == "google"


def test_changed_thresholds_rewrite_flags_and_colour_rules_once(store):
    """config.toml's stalled/due-soon windows move: one sync rewrites the Flag formulas, the colour
    rules and the plan's record of them; the next plans nothing; and back again."""
    from map_workspace.domain.rules import Thresholds
    from map_workspace.layout import PLAN_TAB
    from map_workspace.sync import Settings

    custom = Settings(thresholds=Thresholds(stalled_after_days=10, due_soon_days=5))
    ref, _, _ = new_plan(store)
    for settings, windows in ((custom, ("10", "5")), (Settings(), ("7", "3"))):
        read = store.read(ref)
        changes = plan_sync(read, TODAY, now=NOW, settings=settings).changes
        assert changes.formats_to_row and changes.meta == {"stalled_after_days": windows[0],
                                                           "due_soon_days": windows[1]}
        store.apply(ref, read, changes)
        after = store.read(ref)
        assert after.formats_ok
        assert (after.meta["stalled_after_days"], after.meta["due_soon_days"]) == windows
        flags = [row[PLAN_TAB.index("flag")].formula for row in after.tabs[PLAN].rows[1:]]
        assert flags and all(f">={windows[0]}," in (f or "") and f"WORKDAY(TODAY(),{windows[1]}," in (f or "")
                             for f in flags)
        assert plan_sync(after, TODAY, now=NOW, settings=settings).changes.is_empty
