"""Writing plan workbooks: a new plan, and a sync's ChangeSet applied in one save.

A save never loses a buyer's work: it is refused while Excel or LibreOffice has the file open
(their lock file beside it), when the file holds content openpyxl would drop
(:mod:`~map_workspace.backends.local.openpyxl_losses`), or when the file changed since it was
read. Writes go to a temporary file beside the plan and replace it atomically, after one backup
of the previous version is kept.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.worksheet.worksheet import Worksheet

from map_workspace import catalog
from map_workspace.backends.local.formatting import (
    SIZED_TABS,
    CellStyles,
    comment,
    extend_timeline,
    fit_row_height,
    new_table_sheet,
    new_workbook,
    put_formula,
    refresh_formats,
    refresh_row_heights,
    set_value,
    style_data_cell,
    style_header_cell,
    write_timeline,
)
from map_workspace.backends.local.openpyxl_losses import check_safe_to_save
from map_workspace.backends.local.workbook_contract import (
    AUTHOR,
    BACKUP_SUFFIX,
    META_PREFIX,
    PRIVATE_META,
    backup_path,
    find_sheet,
    mark_tabs,
    timeline_sheet,
)
from map_workspace.backends.local.workbook_reading import (
    LoadWorkbook,
    load_plan_workbook,
    read_bytes,
    sheet_grid,
)
from map_workspace.changes import (
    CellWrite,
    ChangeSet,
    HistoryEntry,
    StateRow,
    history_columns,
    history_time,
    merge_note,
)
from map_workspace.errors import MapwsError, PlanChanged, PlanLocked, StructuralBreak, discard, file_error
from map_workspace.formulas import thresholds_of
from map_workspace.layout import (
    CLOSED_DAYS_COLUMN,
    HISTORY,
    PLAN,
    STATE,
    TABLE_TABS,
    Cell,
    Owner,
    Snapshot,
    date_format,
    spec_in,
)
from map_workspace.timeline import TimelineWrite

# --- a new plan -----------------------------------------------------------------------------------


def write_workbook(path: Path, snapshot: Snapshot) -> None:
    """Write a new plan workbook from rendered grids, laid out and formatted as the contract says."""
    path = Path(path)
    wb = new_workbook(snapshot)
    mark_tabs(wb)
    wb.properties.lastModifiedBy = AUTHOR
    _set_meta(wb, snapshot.meta)
    _save_atomically(wb, path)


# --- refusals -------------------------------------------------------------------------------------


def lock_file(path: Path) -> Path | None:
    """The Excel (``~$name``) or LibreOffice (``.~lock.name#``) lock file beside ``path``."""
    path = Path(path)
    for candidate in (path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")):
        if candidate.exists():
            return candidate
    return None


def check_not_locked(path: Path) -> None:
    lock = lock_file(path)
    if lock is not None:
        raise PlanLocked(
            f"{path.name} is open in Excel or LibreOffice (lock file {lock.name} beside it); "
            "it was not changed.",
            f"Close the workbook (and delete {lock.name} if no one has it open), then run sync again.",
        )


def _check_unchanged(path: Path, snapshot: Snapshot, data: bytes) -> None:
    expected = snapshot.token.version
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise PlanChanged(
            f"{path.name} changed on disk during the sync (someone saved it after it was read); "
            "nothing was written.",
            "Run sync again: it reads the new version.",
        )


# --- applying a change set ------------------------------------------------------------------------


def apply_changes(path: Path, snapshot: Snapshot, changes: ChangeSet, *, parsed: Workbook | None = None,
                  load: LoadWorkbook = load_plan_workbook) -> str:
    """Write a change set into the workbook it was planned from, in one save, and return the new
    file's SHA-256. Refuses when the workbook is open, holds content openpyxl would drop, or
    changed since it was read. ``parsed`` is the workbook the read parsed, when the caller kept
    it: used only once the bytes on disk are proven to be the ones read (and modified in place)."""
    path = Path(path)
    if changes.is_empty:
        return snapshot.token.version
    check_not_locked(path)
    data = read_bytes(path)
    check_safe_to_save(path, data)
    _check_unchanged(path, snapshot, data)
    wb = parsed if parsed is not None and snapshot.token.version else load(data, path)
    lang = catalog.plan_language(snapshot.meta)
    if changes.state is not None:  # first: a state tab the file lost is made before the closed days go in it
        _rewrite_state(wb, changes.state)
    _apply_cells(wb, changes.cells, path, date_format(lang))
    _apply_notes(wb, changes, path)
    if changes.history:
        _append_history(wb, changes.history, snapshot.meta.get("timezone", ""), lang)
    if changes.formats_to_row is not None:
        plan = find_sheet(wb, PLAN)
        if plan is None:
            raise StructuralBreak(f"{path.name} has no Plan tab.", "Restore the Plan tab, then sync again.")
        grid = snapshot.tabs.get(PLAN) or sheet_grid(plan)
        # The windows the plan records after this change: the sync moves them with the config.
        thresholds = thresholds_of({**snapshot.meta, **changes.meta})
        refresh_formats(plan, grid, changes.formats_to_row, thresholds, lang)
    if changes.timeline is not None:
        _write_timeline(wb, changes.timeline)
    if changes.meta:
        _set_meta(wb, changes.meta)
    for tab in SIZED_TABS:  # after a sort, text sits in rows sized for other text
        sheet, tab_grid = find_sheet(wb, tab), snapshot.tabs.get(tab)
        if sheet is not None and tab_grid is not None:
            refresh_row_heights(sheet, tab_grid, TABLE_TABS[tab])
    mark_tabs(wb)
    wb.properties.lastModifiedBy = AUTHOR  # so the next read tells a buyer's save from this one
    check_not_locked(path)
    return _save_over(wb, path, data)


def _write_timeline(wb: Workbook, change: TimelineWrite) -> None:
    """A Timeline the file lacks is created whole; one it has gets the new formula rows only."""
    ws = timeline_sheet(wb)
    if ws is None:
        write_timeline(wb, change.layout)
    else:
        extend_timeline(ws, change.layout, change.first_row, change.first_new_week, rules_again=change.rules_again)


def _tab(wb: Workbook, name: str, path: Path) -> Worksheet:
    ws = find_sheet(wb, name)
    if ws is None:
        raise StructuralBreak(
            f"{path.name} has no '{name}' tab to write to.",
            f"Restore the '{name}' tab (undo, or copy it from {path.name}{BACKUP_SUFFIX}), then sync again.",
        )
    return ws


def _apply_cells(wb: Workbook, writes: Iterable[CellWrite], path: Path, dates: str) -> None:
    styles = CellStyles()
    for write in writes:
        ws = _tab(wb, write.tab, path)
        _unmerge_over(ws, write.row, write.col + 1)
        cell = ws.cell(write.row, write.col + 1)
        if write.formula is not None:
            put_formula(cell, write.formula)
        else:
            set_value(cell, write.value, dates)
        column = _SYNC_COLUMNS.get((write.tab, write.field))
        if column is not None:  # a row the buyer added has no style yet: "0Needs owner" otherwise
            style_data_cell(cell, column, dates, styles)


_SYNC_COLUMNS = {(spec.name, column.key): column for spec in TABLE_TABS.values() for column in spec.columns
                 if column.owner is Owner.SYNC}


def _unmerge_over(ws: Worksheet, row: int, col: int) -> None:
    """A buyer's merge that covers a sync-owned cell is an edit to that cell: undo the merge (the
    merged text stays in its top-left cell, which is the buyer's), so the product's cell is back."""
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            if (row, col) != (merged.min_row, merged.min_col):
                ws.unmerge_cells(str(merged))


def _apply_notes(wb: Workbook, changes: ChangeSet, path: Path) -> None:
    for note in changes.notes:
        ws = _tab(wb, note.tab, path)
        _unmerge_over(ws, note.row, note.col + 1)
        cell = ws.cell(note.row, note.col + 1)
        existing = cell.comment.text if cell.comment is not None else ""
        merged = merge_note(existing, note.lines)
        if merged == existing:
            continue
        if not merged.strip():
            cell.comment = None
            continue
        # The buyer's note keeps its author while their words are in it.
        buyer_left = merge_note(existing, ()) != ""
        author = cell.comment.author if cell.comment is not None and buyer_left else AUTHOR
        cell.comment = comment(merged, author or AUTHOR)


def _last_used_row(ws: Worksheet) -> int:
    for row in range(ws.max_row, 0, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return 0


def _append_history(wb: Workbook, entries: Iterable[HistoryEntry], timezone: str, lang: str) -> None:
    """History rows under the last one, each column where the tab's header has it (a tab made
    before a column existed gets it after its own), the time as a date-time in the plan's zone."""
    spec = spec_in(HISTORY, lang)
    ws = find_sheet(wb, HISTORY) or new_table_sheet(wb, spec, before=STATE)
    positions, added = history_columns([Cell(value=c.value) for c in ws[1]], lang)
    columns = {c.key: c for c in spec.columns}
    for col, title in added:
        header = ws.cell(1, col + 1)
        set_value(header, title)
        style_header_cell(header, next(c for c in columns.values() if c.title == title))
    row = max(_last_used_row(ws), 1) + 1
    wrapped = {positions[key] + 1: column.width for key, column in columns.items() if column.wrap}
    styles = CellStyles()
    for entry in entries:
        for key, value in entry.values().items():
            cell = ws.cell(row, positions[key] + 1)
            set_value(cell, history_time(value, timezone) if key == "when" else value, date_format(lang))
            style_data_cell(cell, columns[key], date_format(lang), styles)
        fit_row_height(ws, row, wrapped)
        row += 1


def _rewrite_state(wb: Workbook, rows: Iterable[StateRow]) -> None:
    """The hidden state tab holds exactly ``rows`` under its header afterwards. Cells that already
    hold their value are left alone: a sync usually changes a few rows of a long state."""
    ws = find_sheet(wb, STATE)
    if ws is None:
        ws = new_table_sheet(wb, TABLE_TABS[STATE])
        ws.sheet_state = "hidden"
    wanted = [tuple(None if value == "" else value for value in row.cells()) for row in rows]
    # The closed days beside the state (the live formulas' holidays) are the sync's cell writes.
    width = min(max([ws.max_column, *(len(row) for row in wanted)]), CLOSED_DAYS_COLUMN)
    last = max(ws.max_row, len(wanted) + 1)
    for r in range(2, last + 1):
        values = wanted[r - 2] if r - 2 < len(wanted) else ()
        for c in range(1, width + 1):
            want = values[c - 1] if c <= len(values) else None
            cell = ws.cell(r, c)
            if not _holds(cell.value, want):
                set_value(cell, want)


def _holds(have: object, want: object) -> bool:
    """Whether a cell read from the file already holds ``want`` (openpyxl reads dates back as
    midnight datetimes, and empty text as no value)."""
    if isinstance(want, date) and not isinstance(want, datetime):
        return isinstance(have, datetime) and have.time() == time(0) and have.date() == want
    if type(have) is not type(want):
        return False
    return have == want


def _set_meta(wb: Workbook, meta: dict[str, str]) -> None:
    props = wb.custom_doc_props
    for key, value in sorted(meta.items()):
        if key.startswith(PRIVATE_META):
            continue
        name = META_PREFIX + key
        if name in props.names:
            del props[name]
        props.append(StringProperty(name=name, value=str(value)))


# --- saving ---------------------------------------------------------------------------------------


def _write_error(path: Path, exc: OSError, after: str = "The plan was not changed.") -> MapwsError:
    return file_error(exc, path.resolve(), doing="write", after=after)


def _temp_beside(path: Path) -> Path:
    """A name in the same folder that no plan listing picks up (hidden, ends in .tmp)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _save_atomically(wb: Workbook, path: Path) -> None:
    temp = _temp_beside(path)
    try:
        wb.save(temp)
        os.replace(temp, path)
    except OSError as exc:
        raise _write_error(path, exc, "The plan was not created.") from exc
    finally:
        discard(temp)


def _save_over(wb: Workbook, path: Path, original: bytes) -> str:
    """Keep one backup of the version being replaced, then swap the new file in atomically;
    returns the new file's SHA-256."""
    temp = _temp_beside(path)
    backup_temp = _temp_beside(backup_path(path))
    try:
        wb.save(temp)
        try:
            os.chmod(temp, path.stat().st_mode & 0o7777)
        except OSError:
            pass
        if read_bytes(path) != original:
            raise PlanChanged(
                f"{path.name} changed on disk during the sync (someone saved it while mapws was writing); "
                "nothing was written.",
                "Run sync again: it reads the new version.",
            )
        digest = hashlib.sha256(temp.read_bytes()).hexdigest()
        backup_temp.write_bytes(original)
        os.replace(backup_temp, backup_path(path))
        os.replace(temp, path)
        return digest
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        discard(temp)
        discard(backup_temp)
