"""Snapshots to bytes and back, for the state store: compact JSON (dates tagged), compressed."""

from __future__ import annotations

import json
import zlib
from datetime import date, datetime
from typing import Any

from map_workspace.layout import Cell, Grid, ReadToken, Snapshot

_EMPTY = Cell()


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"dt": v.isoformat()}
    if isinstance(v, date):
        return {"d": v.isoformat()}
    return v


def _unvalue(v: Any) -> Any:
    if type(v) is dict:
        if "dt" in v:
            return datetime.fromisoformat(v["dt"])
        if "d" in v:
            return date.fromisoformat(v["d"])
    return v


def _blank(c: Cell) -> bool:
    """``c == Cell()``, without building two tuples for each of a snapshot's cells."""
    return c.value is None and c.formula is None and c.note == ""


def encode(snapshot: Snapshot) -> bytes:
    tabs = {
        name: [grid.title, [[0 if _blank(c) else [_value(c.value), c.formula, c.note] for c in row]
                            for row in grid.rows]]
        for name, grid in snapshot.tabs.items()
    }
    doc = {"source": snapshot.source, "meta": snapshot.meta, "tabs": tabs, "formats_ok": snapshot.formats_ok,
           "extra": list(snapshot.extra_tabs), "token": [snapshot.token.version, snapshot.token.detail]}
    return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def decode(data: bytes) -> Snapshot:
    doc = json.loads(zlib.decompress(data))
    tabs = {
        name: Grid(title, tuple(tuple(_EMPTY if c == 0 else Cell(_unvalue(c[0]), c[1], c[2]) for c in row)
                                for row in rows))
        for name, (title, rows) in doc["tabs"].items()
    }
    meta = dict(doc["meta"])
    if "token" in doc:
        token = ReadToken(*doc["token"])
    else:  # stored before read tokens existed: the backends kept them as "_" keys in meta
        token = ReadToken(meta.pop("_sha256", ""), meta.pop("_google", ""))
    return Snapshot(doc["source"], meta, tabs, doc["formats_ok"], tuple(doc["extra"]), token)
