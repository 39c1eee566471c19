"""Files this machine created in Drive lately, by what they are looked up by (a plan's deal slug, a
plan's summary, a shard's nightly state file).

Drive's search is not read-after-write consistent: a file just created may be missing from
``files.list`` by ``appProperties`` for a while (seconds, sometimes minutes), while ``files.get`` by
its ID sees it at once. So the ID each create returns is kept here for a day, and a lookup whose
search comes back empty asks ``files.get`` about the IDs kept for it: ``mapws create`` then
``mapws sync <slug>`` straight away finds the plan, and a second ``create`` of the slug is refused.

The file (``google-recent.json`` beside the nightly state in the user data dir) holds IDs only —
no names, no tokens — and is rewritten whole (temp file, then rename) on each create.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from map_workspace.backends.google.calls import GoogleCalls

#: How long an ID is kept: far longer than Drive's search lags behind a create.
KEEP_S = 24 * 3600


def default_recent_path() -> Path:
    from map_workspace.state_store import default_state_path

    return default_state_path().with_name("google-recent.json")


class RecentCreates:
    """IDs of files created lately, under ``scope`` (the identity and API root they were made with)."""

    def __init__(self, scope: str, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.scope = scope
        self._path = path
        self._clock = clock
        self._memory: dict[str, list[list[object]]] = {}

    @property
    def path(self) -> Path:
        return self._path or default_recent_path()

    def ids(self, key: str) -> list[str]:
        """IDs created under ``key`` within the last day, newest first."""
        entries = self._load().get(self._key(key), [])
        return [str(file_id) for file_id, _ in sorted(entries, key=lambda e: -float(str(e[1])))]

    def add(self, key: str, file_id: str) -> None:
        """Remember a file just created (best effort: an unwritable data dir only costs the lag)."""
        data = self._load()
        data.setdefault(self._key(key), []).append([file_id, self._clock()])
        self._memory = data
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
            temp.write_text(json.dumps(data, ensure_ascii=False))
            os.replace(temp, self.path)
        except OSError:
            pass

    def _key(self, key: str) -> str:
        return f"{self.scope} {key}"

    def _load(self) -> dict[str, list[list[object]]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            data = self._memory
        if not isinstance(data, dict):
            data = {}
        cutoff = self._clock() - KEEP_S
        fresh: dict[str, list[list[object]]] = {}
        for key, entries in data.items():
            kept = [e for e in entries if isinstance(e, list) and len(e) == 2 and float(str(e[1])) >= cutoff]
            if kept:
                fresh[str(key)] = kept
        return fresh


def recent_for(calls: GoogleCalls) -> RecentCreates:
    """The IDs kept for this identity at this API root (an emulator's are not Google's)."""
    return RecentCreates(f"{calls.clients.api_root or 'google'} {calls.principal or 'default'}")


def still_there(calls: GoogleCalls, recent: RecentCreates, key: str, fields: str,
                accept: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The files kept under ``key`` that ``files.get`` still finds, out of the trash and ``accept``-ed
    (one call per kept ID; none when nothing is kept, the usual case)."""
    from map_workspace.errors import PlanNotFound

    found = []
    for file_id in recent.ids(key):
        def request(f: str = file_id) -> Any:
            return calls.drive.files().get(fileId=f, supportsAllDrives=True, fields=f"{fields},trashed")

        try:
            item = calls.execute("look up a file made moments ago", request, file_id)
        except PlanNotFound:
            continue
        if not item.pop("trashed", False) and accept(item):
            found.append(item)
    return found
