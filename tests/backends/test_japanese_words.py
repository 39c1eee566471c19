"""A plan's notes and History in its language, on every backend (issue 14): an English plan with bad
input gets English notes; once its meta records Japanese, the next sync replaces those notes with
Japanese ones (never beside them), logs History in Japanese, and a rerun changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from map_workspace import app
from map_workspace.changes import ChangeSet, note_block
from map_workspace.config import Config
from map_workspace.domain.model import Person
from map_workspace.layout import PLAN
from map_workspace.reading import read_history, read_plan
from tests.backends.test_contract import BACKENDS

CREATED = date(2026, 3, 2)
SYNC_DAY = date(2026, 3, 4)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=9)))
CHAMPION = Person("Dana Tanaka", "dana@acme.example")


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    return request.param, BACKENDS[request.param](tmp_path)


def _config(backend: str, tmp_path: Path, today: date) -> Config:
    google = {}
    if backend == "google":
        from tests.support.google import shared_emulator

        google = {"google_api_root": shared_emulator().base_url}
    return Config(backend=backend, dir=tmp_path / "maps", timezone="Asia/Tokyo", today=today, **google)


def _buyer(backend: str, ref):
    from tests.support.robustness import SheetsBuyer, XlsxBuyer

    if backend == "local":
        return XlsxBuyer(Path(ref.id))
    from tests.google_emulator.clients import gspread_client
    from tests.support.google import buyer_credentials, shared_emulator

    emulator = shared_emulator()
    return SheetsBuyer(gspread_client(emulator, buyer_credentials(emulator, CHAMPION.email)).open_by_key(ref.id))


def _notes(snapshot) -> dict[tuple[str, str], tuple[str, ...]]:
    """The product's note block on each Plan cell that has one, by (ID, column header)."""
    grid = snapshot.tabs[PLAN]
    header = [c.text for c in grid.rows[0]]
    out = {}
    for row in grid.rows[1:]:
        for col, cell in enumerate(row):
            if note_block(cell.note):
                out[(row[0].text, header[col])] = note_block(cell.note)
    return out


def test_a_japanese_plan_gets_japanese_notes_and_history_and_a_rerun_changes_nothing(backend, tmp_path):
    name, store = backend
    req = app.CreateRequest("Acme rollout", date(2026, 6, 30), [CHAMPION], [Person("Sam Rivera", "sam@seller.io")])
    created = app.create_plan(store, req, _config(name, tmp_path, CREATED))
    ref = created.ref
    buyer = _buyer(name, ref)
    buyer.set("T-01", "Owner", "IT team")
    buyer.set("T-02", "Due", "next-ish")
    buyer.save()
    config = _config(name, tmp_path, SYNC_DAY)
    app.sync_plan(store, ref.slug, config)
    english = _notes(store.read(ref))
    assert english[("T-01", "Owner")][0].startswith("Owner 'IT team' is a group")

    # The plan turns Japanese (as `create --lang ja` records it), and the buyer types more.
    store.apply(ref, store.read(ref), ChangeSet(meta={"language": "ja"}))
    buyer = _buyer(name, ref)
    buyer.set("T-03", "Status", "Someday")
    buyer.add_row({"Type": "Task", "Activity": "社内説明会の実施", "Side": "Buyer", "Owner": "Dana Tanaka",
                   "Due": "2026-04-10"})
    buyer.save()
    synced = app.sync_plan(store, ref.slug, config)
    snapshot = store.read(ref)
    notes = _notes(snapshot)
    assert notes[("T-01", "Owner")] == (
        "担当者「IT team」はグループで、個人ではありません。関係者タブから、実際に進める人を1人決めてください"
        "（計画では売り手側の営業担当を想定しています）。",)  # replaced, not beside the English one
    assert notes[("T-02", "Due")][0].startswith("期限「next-ish」は日付として読めない")
    assert notes[("T-03", "Status")][0].startswith("状況「Someday」は")
    assert not [line for block in notes.values() for line in block if line.isascii()]
    codes = {f["code"] for f in synced.as_json()["findings"]}
    assert {"owner.group", "date.unparseable", "status.unknown"} <= codes
    assert all(not f["message"].isascii() for f in synced.as_json()["findings"])  # in the plan's language

    history = read_history(snapshot)
    added = [h for h in history if h.field == "行"]
    assert [(h.to, h.note) for h in added] == [("社内説明会の実施", "行を追加")]
    new_id = next(i.id for i in read_plan(snapshot, today=SYNC_DAY).plan.items if i.activity == "社内説明会の実施")
    assert added[0].id == new_id
    changed = app.plan_history(store, ref.slug, config).changes
    assert any(c["text"] == f"{new_id} 社内説明会の実施: 追加" for c in changed)

    assert app.sync_plan(store, ref.slug, config).changes == 0  # converged
