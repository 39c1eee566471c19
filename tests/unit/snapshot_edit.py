"""Edit a Snapshot in memory the way a buyer edits the sheet (for tests of the pure sync)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from map_workspace.layout import PLAN, PLAN_TAB, Cell, Grid, Snapshot
from map_workspace.reading import find_table


class SnapshotEditor:
    def __init__(self, snapshot: Snapshot, tab: str = PLAN) -> None:
        self.base = snapshot
        self.tab = tab
        self.grid = [list(r) for r in snapshot.tabs[tab].rows]
        self.columns = find_table(snapshot.tabs[tab], PLAN_TAB).columns
        self.rows: list[int] = []

    @property
    def snapshot(self) -> Snapshot:
        tabs = dict(self.base.tabs)
        tabs[self.tab] = Grid(self.base.tabs[self.tab].title, tuple(tuple(r) for r in self.grid))
        return replace(self.base, tabs=tabs)

    def _row(self, item_id: str) -> int:
        col = self.columns["id"]
        for i, row in enumerate(self.grid):
            if col < len(row) and row[col].value == item_id:
                return i
        raise KeyError(item_id)

    def _cell(self, r: int, key: str) -> Cell:
        row = self.grid[r]
        col = self.columns[key]
        return row[col] if col < len(row) else Cell()

    def _put(self, r: int, key: str, cell: Cell) -> None:
        row = self.grid[r]
        col = self.columns[key]
        while len(row) <= col:
            row.append(Cell())
        row[col] = cell

    def set(self, item_id: str, key: str, value: Any) -> None:
        r = self._row(item_id)
        self._put(r, key, Cell(value, None, self._cell(r, key).note))

    def note(self, item_id: str, key: str, text: str | None = None) -> str:
        r = self._row(item_id)
        old = self._cell(r, key)
        if text is not None:
            self._put(r, key, Cell(old.value, old.formula, text))
            return text
        return old.note

    def value(self, item_id: str, key: str) -> Any:
        return self._cell(self._row(item_id), key).value

    def formula(self, item_id: str, key: str) -> str:
        return self._cell(self._row(item_id), key).formula or ""

    def value_at(self, sheet_row: int, key: str) -> Any:
        return self._cell(sheet_row - 1, key).value

    def add_row(self, **values: Any) -> int:
        width = max(len(r) for r in self.grid)
        row = [Cell() for _ in range(width)]
        self.grid.append(row)
        for key, value in values.items():
            self._put(len(self.grid) - 1, key, Cell(value))
        self.rows.append(len(self.grid))
        return len(self.grid)

    def delete(self, item_id: str) -> None:
        del self.grid[self._row(item_id)]
