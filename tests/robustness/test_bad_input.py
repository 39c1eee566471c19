"""The bad-input corpus (issue 5, "Bad input"): every case in corpus.py, played by a buyer on every
backend of the contract suite, then synced through the service the CLI calls (``app.sync_plan``;
its ``as_json`` is what ``mapws sync --json`` prints).

For each case: the sync finishes (or, for a break it cannot handle, stops with a structural break:
``mapws sync`` exits 3 with a clear message and the file is untouched); each expected problem is
named with its code, item, field and the cell the buyer typed in, and date hints offer the forms
the plan's locale accepts; every buyer cell is the same byte for byte afterwards, and buyer tabs,
pictures and charts are still there; formula-looking text is still inert text wherever it was
copied; no cell exceeds the backend's length limit; and a second sync changes nothing.

The figures (cases per category, findings named, buyer cells compared, lost cells, changes on the
second sync) go to tests/robustness/report.py and are printed at the end of the session.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from map_workspace import app
from map_workspace.changes import merge_note
from map_workspace.cli import cli
from map_workspace.config import Config
from map_workspace.errors import MapwsError, StructuralBreak
from map_workspace.layout import (
    HISTORY,
    OVERVIEW,
    OVERVIEW_FIELDS,
    PLAN,
    STATE,
    TABLE_TABS,
    Owner,
    Snapshot,
    a1,
    header_of,
    normalise_header,
)
from map_workspace.reading import find_table
from map_workspace.sync import SyncPlan, plan_sync
from tests.robustness import report
from tests.robustness.corpus import AT_LIMIT, CORPUS
from tests.support.robustness import BACKENDS, SYNC_AT, SYNC_DAY, Extras, StoredCell, backend_abilities

#: Text for cells at the length limit: accents and kanji, and no separator an owner cell splits on.
_FILLER = "Lorem ipsum dolor sit amet ünïcödé 日本語 "
#: Buyer actions that add something besides cells (a renamed tab a backend does not recognise is
#: the buyer's from then on, so its cells are compared too).
_ADDITIONS = ("add_tab", "add_image", "add_chart", "rename_tab")


def pytest_generate_tests(metafunc) -> None:  # noqa: ANN001
    """One test per (backend, case) the backend's buyer can play; the backend is built once per module."""
    if not {"backend", "case"} <= set(metafunc.fixturenames):
        return
    pairs, ids = [], []
    for name in sorted(BACKENDS):
        abilities = backend_abilities(name)
        for case in CORPUS:
            if set(case.get("needs", ())) <= abilities:
                pairs.append((name, case))
                ids.append(f"{name}-{case['id']}")
            else:
                report.record(f"bad input ({name})", not_playable_here=1)
    metafunc.parametrize(("backend", "case"), pairs, ids=ids, indirect=["backend"], scope="module")


def test_bad_input(backend: Any, case: dict[str, Any], tmp_path) -> None:
    area = f"bad input ({backend.name})"
    report.record(area, group=case["category"], cases=1)
    try:
        _play(backend, case, tmp_path, area)
    except BaseException:
        report.record(area, cases_with_problems=1)
        raise


def _play(backend: Any, case: dict[str, Any], tmp_path: Any, area: str) -> None:
    spec = {**case, **case.get("if_tabs_by_title", {})} if backend.tabs_known_by == "title" else case
    locale = case.get("locale", "en_US")
    planted = backend.plant(locale, tmp_path)
    buyer = backend.buyer(planted)
    for action, *arguments in _at_limit(case["do"], backend.max_cell_chars):
        getattr(buyer, action)(*arguments)
    buyer.save()

    if spec.get("stops"):
        _check_stopped(backend, planted, spec["stops"])
        report.record(area, stopped_safely=1)
        return
    # Looking at the stored file costs a full load: done when the case can show something there.
    adds = any(step[0] in _ADDITIONS for step in case["do"])
    looks = adds or bool(spec.get("inert")) or any(AT_LIMIT in repr(step) for step in case["do"])
    stored_before = backend.inspect(planted) if adds else None

    store = ReadRecorder(planted.store)
    try:
        outcome = app.sync_plan(store, planted.ref, Config(backend=backend.name, today=SYNC_DAY))
    except MapwsError as err:
        pytest.fail(f"the sync did not finish (mapws sync exits {err.exit_code}): {err.message} {err.hint}")
    (before,) = store.snapshots
    findings = outcome.as_json()["findings"]
    del outcome  # the plan and the snapshot as written (5,000 rows in one case): what follows reads its own
    after = planted.store.read(planted.ref)
    second = plan_sync(after, SYNC_DAY, now=SYNC_AT)
    before_cells, before_extras = stored_before or ([], _extras_of(before))
    after_cells, after_extras = backend.inspect(planted) if looks else ([], _extras_of(after))

    problems: list[str] = []
    named = _check_findings(spec, findings, after, locale, buyer.edited, problems)
    _check_reads(spec.get("reads", {}), second, problems)
    for item_id, row in spec.get("rows", {}).items():
        if _row_of(after, PLAN, item_id) != row:
            problems.append(f"{item_id} is in row {_row_of(after, PLAN, item_id)}, expected row {row}")
    _check_history(spec, before, after, problems)
    compared, lost = _check_buyer_cells(before, after, before_cells, after_cells, problems)
    _check_additions(spec.get("keeps", {}), before_extras, after_extras, problems)
    _check_inert(spec.get("inert"), after_cells, problems)
    too_long = [f"{c.tab}!{c.ref} ({len(c.text):,})" for c in after_cells
                if c.kind == "text" and len(c.text) > backend.max_cell_chars]
    if too_long:
        problems.append(f"cells beyond the {backend.max_cell_chars:,}-character limit: {too_long}")
    if not second.changes.is_empty:
        planned = second.changes.describe()[:6]
        problems.append(f"a second sync plans {second.changes.count} change(s): {planned}")

    report.record(area, findings_named=named, buyer_cells_compared=compared, lost_buyer_cells=lost,
                  changes_on_second_sync=second.changes.count)
    assert not problems, "\n".join(problems) + "\nfindings: " + _brief(findings)


class ReadRecorder:
    """The planted store, every call passed through unchanged; it keeps the snapshot the sync read,
    so the test compares against exactly what the sync saw without a full read of its own."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.snapshots: list[Snapshot] = []

    def read(self, ref: Any) -> Snapshot:
        snapshot = self.store.read(ref)
        self.snapshots.append(snapshot)
        return snapshot

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


# --- the checks ----------------------------------------------------------------------------------------


def _check_stopped(backend: Any, planted: Any, says: str) -> None:
    """A break the product cannot handle: the service raises a structural break that names it and
    says what to do, the CLI exits 3 with that message, and not one byte of the plan is written."""
    before = backend.fingerprint(planted)
    with pytest.raises(StructuralBreak) as raised:
        app.sync_plan(planted.store, planted.ref, Config(backend=backend.name, today=SYNC_DAY))
    assert raised.value.exit_code == 3 and says in raised.value.message and raised.value.hint, raised.value
    result = CliRunner().invoke(cli, ["sync", *backend.cli_args(planted), "--today", SYNC_DAY.isoformat(),
                                      "--json"])
    assert result.exit_code == 3, f"a structural break exits 3, not {result.exit_code}: {result.output}"
    error = json.loads(result.stdout)["error"]
    assert error == raised.value.as_json() and error["code"] == "plan.structure", error
    assert f"Error: {error['message']}" in result.stderr and error["hint"] in result.stderr
    assert backend.fingerprint(planted) == before, "the plan was written although the sync stopped"


def _check_findings(spec: dict[str, Any], findings: list[dict[str, Any]], after: Snapshot, locale: str,
                    edited: dict[tuple[str, str | None], list[str]], problems: list[str]) -> int:
    named = 0
    for expected in spec.get("expect", ()):
        code, item_id, field, tab = (*expected, PLAN)[:4]
        matches = [f for f in findings if _code_is(f["code"], code) and f["id"] == item_id
                   and (field is None or f["field"] == header_of(tab, field)) and f["tab"] == tab]
        if not matches:
            problems.append(f"no finding {code} for {item_id or tab} {field or ''}".rstrip())
            continue
        finding = matches[0]
        named += 1
        if not finding["message"] or (finding["severity"] != "info" and not finding["hint"]):
            problems.append(f"{code} for {item_id} says too little: {finding}")
        cell = _cell_of(after, tab, item_id, field)
        if cell and finding["cell"] != cell:
            problems.append(f"{code} for {item_id} points at {finding['cell']}, not its {field} cell {cell}")
        typed = edited.get((tab, item_id))
        if typed and code.startswith(_ABOUT_WHAT_WAS_TYPED) and finding["cell"] not in typed:
            problems.append(f"{code} for {item_id} points at {finding['cell']}, not the typed cell {typed}")
        if code in ("date.unparseable", "date.missing"):
            missing = [form for form in DATE_FORMS[locale] if form not in finding["hint"]]
            if missing:
                problems.append(f"{code} for {item_id}: hint {finding['hint']!r} does not offer {missing}")
    for prefix, item_id in spec.get("absent", ()):
        wrong = [f for f in findings
                 if f["code"].startswith(prefix) and (item_id is None or f["id"] == item_id)]
        if wrong:
            problems.append(f"unexpected {prefix}* finding(s): {_brief(wrong)}")
    return named


#: Finding codes about what the buyer typed in a cell: they point at that very cell.
_ABOUT_WHAT_WAS_TYPED = ("date.", "owner.", "status.", "risk.", "type.", "dep.unreadable", "dep.unknown",
                         "dep.self", "dep.cycle", "hygiene.buyer_item_seller_owner")
#: What a date hint must offer in each plan locale: ISO, the locale's own numeric form, the Japanese form.
DATE_FORMS = {
    "en_US": ("2026-05-15", "5/15/2026", "2026年5月15日"),
    "en_GB": ("2026-05-15", "15/05/2026", "2026年5月15日"),
    "de_DE": ("2026-05-15", "15.05.2026", "2026年5月15日"),
    "ja_JP": ("2026-05-15", "2026/5/15", "2026年5月15日"),
}


def _code_is(code: str, wanted: str) -> bool:
    """``wanted`` ending in "." names a family of codes ("layout.")."""
    return code.startswith(wanted) if wanted.endswith(".") else code == wanted


def _cell_of(snapshot: Snapshot, tab: str, item_id: str | None, field: str | None) -> str | None:
    """The A1 reference of an item's field (by ID and header), or of an Overview field."""
    grid = snapshot.tabs.get(tab)
    if grid is None or field is None:
        return None
    if tab == OVERVIEW:
        label = next(f.label for f in OVERVIEW_FIELDS if f.key == field)
        row = next(r for r, line in enumerate(grid.rows, 1) if line and normalise_header(line[0].text) ==
                   normalise_header(label))
        return a1(row, 1)
    col = find_table(grid, TABLE_TABS[tab]).columns.get(field)
    row = _row_of(snapshot, tab, item_id) if item_id else None
    return a1(row, col) if row and col is not None else None


def _row_of(snapshot: Snapshot, tab: str, item_id: str) -> int | None:
    """The sheet row (1-based) holding ``item_id`` in its ID column."""
    grid = snapshot.tabs[tab]
    table = find_table(grid, TABLE_TABS[tab])
    id_col = table.columns["id"]
    for r, line in enumerate(grid.rows[table.header_row + 1:], table.header_row + 2):
        if id_col < len(line) and line[id_col].text.strip() == item_id:
            return r
    return None


def _check_reads(reads: dict[str, dict[str, Any]], result: SyncPlan, problems: list[str]) -> None:
    plan, owners = result.plan, result.assessment.owners
    for item_id, wanted in reads.items():
        if item_id.startswith("R-"):
            risk = next((r for r in plan.risks if r.id == item_id), None)
            got = {"risk_status": risk.status.value if risk and risk.status else None}
        else:
            item = plan.item(item_id)
            if item is None:
                problems.append(f"{item_id} is not in the plan after the sync")
                continue
            got = {"due": item.due, "done_on": item.done_on, "slips": item.slips, "activity": item.activity,
                   "status": item.status.value if item.status else None, "owner": owners.get(item_id),
                   "depends_on": item.depends_on}
        for key, value in wanted.items():
            if got[key] != value:
                problems.append(f"{item_id} {key} read as {got[key]!r}, expected {value!r}")


def _history(snapshot: Snapshot) -> list[tuple[str, ...]]:
    """History rows as When · ID · Field · From · To · Note, found by header (the tab also names the
    activity and who)."""
    grid = snapshot.tabs.get(HISTORY)
    if not grid or not grid.rows:
        return []
    titles = [normalise_header(c.text) for c in grid.rows[0]]
    wanted = [titles.index(name) if name in titles else None for name in ("when", "id", "field", "from", "to", "note")]
    return [tuple(grid.cell(r, col).text if col is not None else "" for col in wanted)
            for r in range(1, len(grid.rows))]


def _check_history(spec: dict[str, Any], before: Snapshot, after: Snapshot, problems: list[str]) -> None:
    old = _history(before)
    new = _history(after)[len(old):]
    for item_id, field, words in spec.get("history", ()):
        if not any(row[1] == item_id and row[2] == field and words in row[5] for row in new):
            problems.append(f"History has no row ({item_id}, {field}, …{words}…); new rows: {new[:8]}")
    for item_id, field, words in spec.get("no_history", ()):
        wrong = [row for row in new if row[1] == item_id and row[2] == field and words in row[5]]
        if wrong:
            problems.append(f"History claims {wrong}")


def _buyer_cells(snapshot: Snapshot) -> dict[tuple[str, str], tuple]:
    """Every non-empty cell of the contract tabs that is not sync-owned: value (with its type),
    formula, and the buyer's part of its note."""
    out: dict[tuple[str, str], tuple] = {}
    synced_labels = {normalise_header(f.label) for f in OVERVIEW_FIELDS if f.owner is Owner.SYNC}
    for tab, grid in snapshot.tabs.items():
        if tab in (HISTORY, STATE):
            continue
        header_row, owned_cols = -1, set()
        if tab in TABLE_TABS:
            spec = TABLE_TABS[tab]
            table = find_table(grid, spec)
            header_row = table.header_row
            owned_cols = {col for key, col in table.columns.items() if spec.column(key).owner is Owner.SYNC}
        for r, row in enumerate(grid.rows):
            overview_synced = tab == OVERVIEW and row and normalise_header(row[0].text) in synced_labels
            for c, cell in enumerate(row):
                if (r > header_row and c in owned_cols) or (overview_synced and c == 1):
                    continue
                kept = (type(cell.value).__name__, cell.value, cell.formula, merge_note(cell.note, ()))
                if kept[1:] != (None, None, ""):
                    out[(tab, a1(r + 1, c))] = kept
    return out


def _check_buyer_cells(before: Snapshot, after: Snapshot, before_cells: list[StoredCell],
                       after_cells: list[StoredCell], problems: list[str]) -> tuple[int, int]:
    """(cells compared, cells changed): contract tabs through the store, buyer tabs as stored."""
    old, new = _buyer_cells(before), _buyer_cells(after)
    # the buyer's tabs: those the snapshot names, and (Google's read asks for the contract tabs only) the
    # stored file's tabs the snapshot does not hold
    titles = set(before.extra_tabs) | ({c.tab for c in before_cells} - {g.title for g in before.tabs.values()})
    for title in sorted(titles):
        old.update({(title, c.ref): (c.kind, c.text) for c in before_cells if c.tab == title})
        new.update({(title, c.ref): (c.kind, c.text) for c in after_cells if c.tab == title})
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    if changed:
        shown = [f"{tab}!{ref}: {str(old.get((tab, ref)))[:80]} → {str(new.get((tab, ref)))[:80]}"
                 for tab, ref in changed[:6]]
        problems.append(f"{len(changed)} buyer cell(s) changed by the sync: {shown}")
    return len(old), len(changed)


def _extras_of(snapshot: Snapshot) -> Extras:
    """The tabs a snapshot shows (no pictures or charts: the master has none and no action added any)."""
    return Extras(tuple(grid.title for grid in snapshot.tabs.values()) + snapshot.extra_tabs)


def _check_additions(keeps: dict[str, Any], before: Any, after: Any, problems: list[str]) -> None:
    gone = [t for t in before.tabs if t not in after.tabs]
    if gone:
        problems.append(f"tabs gone after the sync: {gone}")
    for kind in ("images", "charts"):
        if getattr(before, kind) != getattr(after, kind):
            problems.append(f"{kind} before {getattr(before, kind)}, after {getattr(after, kind)}")
    for title in keeps.get("tabs", ()):
        if title not in before.tabs or title not in after.tabs:
            problems.append(f"buyer tab {title!r} missing (before {before.tabs}, after {after.tabs})")
    for kind in ("images", "charts"):
        for title, count in keeps.get(kind, {}).items():
            had, has = getattr(before, kind), getattr(after, kind)
            if had.get(title) != count or has.get(title) != count:
                problems.append(f"{kind} on {title!r}: before {had}, after {has}")


def _check_inert(payload: str | None, cells: list[StoredCell], problems: list[str]) -> None:
    """The buyer's formula-looking text is stored as text, and no copy of it became a formula."""
    if not payload:
        return
    core = payload.lstrip("=+-@")[:14]
    live = [f"{c.tab}!{c.ref}" for c in cells if c.kind == "formula" and core in c.text]
    if live:
        problems.append(f"{payload!r} became a formula in {live}")
    if not any(c.kind == "text" and c.text == payload for c in cells):
        problems.append(f"{payload!r} is no longer stored as text anywhere")


def _at_limit(steps: list[tuple], limit: int) -> list[tuple]:
    """The steps with each ``AT_LIMIT`` placeholder replaced by text of exactly ``limit`` characters."""
    text = (_FILLER * (limit // len(_FILLER) + 1))[:limit]

    def fill(value: Any) -> Any:
        if value == AT_LIMIT:
            return text
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return [tuple(fill(v) for v in step) for step in steps]


def _brief(findings: list[dict[str, Any]]) -> str:
    return "; ".join(f"{f['code']} {f['id'] or ''} {f['cell'] or ''}".strip() for f in findings[:40])


# --- the checks themselves can fail ---------------------------------------------------------------------


def test_the_buyer_cell_check_sees_a_changed_buyer_cell_and_ignores_sync_owned_ones() -> None:
    from tests.support.robustness import master
    from tests.unit.snapshot_edit import SnapshotEditor

    before = master("en_US").snapshot
    edited = SnapshotEditor(before)
    edited.set("T-03", "notes", "Waiting for the CISO ")  # a buyer cell: one trailing space more
    edited.set("T-03", "slips", 5)  # sync-owned: the sync may rewrite it
    problems: list[str] = []
    compared, changed = _check_buyer_cells(before, edited.snapshot, [], [], problems)
    assert changed == 1 and compared > 100
    assert "Plan!J5" in problems[0]


def test_the_inert_check_sees_a_formula_copy_and_a_lost_text_cell() -> None:
    from tests.robustness.corpus import IMPORTXML

    problems: list[str] = []
    _check_inert(IMPORTXML, [StoredCell("History", "E9", "formula", IMPORTXML[1:])], problems)
    assert len(problems) == 2 and "History!E9" in problems[0]


def test_figures_sum_counts_and_tally_cases_by_group() -> None:
    figures = report.Figures()
    figures.record("bad input (x)", group="dates", cases=1, lost_buyer_cells=0, findings_named=2)
    figures.record("bad input (x)", group="dates", cases=1, lost_buyer_cells=0, findings_named=1)
    figures.record("bad input (x)", group="owners", cases=1, lost_buyer_cells=1, findings_named=1000)
    figures.record("faults", injected=3)
    assert figures.summary_lines() == [
        "bad input (x): 3 cases (dates 2, owners 1) · 1 lost buyer cells · 1,003 findings named",
        "faults: 3 injected",
    ]
    assert figures.totals()["bad input (x)"]["cases"] == 3
