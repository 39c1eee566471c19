"""Snapshots to bytes and back, for the state store: compact JSON (dates tagged), compressed."""

from __future__ import annotations

import json
import zlib
from datetime import date, datetime
from typing import Any

from map_workspace.layout import Cell, Grid, Snapshot


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"dt": v.isoformat()}
    if isinstance(v, date):
        return {"d": v.isoformat()}
    return v


def _unvalue(v: Any) -> Any:
    if isinstance(v, dict):
        if "dt" in v:
            return datetime.fromisoformat(v["dt"])
        if "d" in v:
            return date.fromisoformat(v["d"])
    return v


def encode(snapshot: Snapshot) -> bytes:
    tabs = {
        name: [grid.title, [[[_value(c.value), c.formula, c.note] for c in row] for row in grid.rows]]
        for name, grid in snapshot.tabs.items()
    }
    doc = {"source": snapshot.source, "meta": snapshot.meta, "tabs": tabs, "formats_ok": snapshot.formats_ok,
           "extra": list(snapshot.extra_tabs)}
    return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def decode(data: bytes) -> Snapshot:
    doc = json.loads(zlib.decompress(data))
    tabs = {
        name: Grid(title, tuple(tuple(Cell(_unvalue(v), f, n) for v, f, n in row) for row in rows))
        for name, (title, rows) in doc["tabs"].items()
    }
    return Snapshot(doc["source"], dict(doc["meta"]), tabs, doc["formats_ok"], tuple(doc["extra"]))
