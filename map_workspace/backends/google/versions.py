"""Each plan's Drive ``version``, for the nightly run's change detection (docs/nightly.md, "On
Google"): as the last listing or lookup said, or — after the product's own write — a token that
recognises that write at no cost, so that it is not mistaken for a buyer's edit.

How far one write moves Drive's ``version`` is not documented (a recorded create + upload moved it
to 5, where one step a request gives 2), so the token does not rely on the number. It is
``<version written over + 1>@<when the write was answered>@<writer>``: the time on Google's own
clock, from the ``Date`` of the answer to the write. The next listing's file is the product's own
write, and nothing since, when its version is that number, or when it moved past the version
written over, the last change was the writer's (``lastModifyingUser``: ``me``, or the owner the
write acted as) and it was made no later than that answer (``modifiedTime``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.errors import MapwsError
from map_workspace.ports import PlanRef


def bumped(version: str, bump: int) -> str:
    """``version`` moved on by ``bump`` ("" when it is not a Drive version number)."""
    try:
        return str(int(version) + bump)
    except ValueError:
        return ""


def version_order(version: str) -> int:
    """Drive versions are increasing integers (as strings), an own-write token sorts as its number;
    anything else sorts first."""
    try:
        return int(version.partition("@")[0])
    except ValueError:
        return -1


def own_write_token(written_over: str, answered: datetime | None, writer: str = "") -> str:
    """What the plan's version is recorded as after ``writer``'s write over ``written_over`` (the
    predicted number alone when the answer's time is unknown)."""
    predicted = bumped(written_over, 1)
    if not predicted or answered is None:
        return predicted
    token = f"{predicted}@{answered.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return f"{token}@{writer}" if writer else token


def only_own_write(token: str, listed_version: str, listed: dict[str, Any] | None) -> bool:
    """Whether a listing's file (``listed``, at ``listed_version``) shows nothing but the product's
    write that ``token`` recorded: its version moved as predicted, or past the version written
    over with the last change made by the writer (the listing's identity, or the owner it acted
    as) no later than the answer to that write (whose ``Date`` has whole seconds: the second after
    it counts)."""
    number, sep, rest = token.partition("@")
    if not sep or listed is None:
        return False
    if listed_version == number:
        return True  # as predicted: one write moved the version by one
    if version_order(listed_version) < version_order(number):
        return False
    stamp, _, writer = rest.partition("@")
    last = listed.get("lastModifyingUser") or {}
    if not (last.get("me") or (writer and str(last.get("emailAddress") or "").lower() == writer.lower())):
        return False
    try:
        answered = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        modified = datetime.fromisoformat(str(listed.get("modifiedTime") or "").replace("Z", "+00:00"))
    except ValueError:
        return False
    return modified < answered + timedelta(seconds=1)


class PlanVersions:
    """What is known of each plan's Drive ``version``, by spreadsheet ID."""

    def __init__(self, calls: GoogleCalls) -> None:
        self.calls = calls
        #: Drive ``version`` of each plan as last listed or written.
        self.known: dict[str, str] = {}
        #: Plans written since their version was last listed: ``of`` predicts theirs.
        self._written: set[str] = set()
        #: Plans whose last write changed what a kept snapshot cannot show (a re-created tab, colour
        #: rules rewritten): ``of`` answers "" for them, so the next run reads them again.
        self._reread: set[str] = set()

    def seen(self, file_id: str, version: str) -> None:
        """Drive said the plan is at ``version`` (a listing or a lookup): no prediction pending."""
        self.known[file_id] = version
        self._written.discard(file_id)

    def reread(self, file_id: str, needed: bool = True) -> None:
        """Whether the next run must read the plan whatever its version says."""
        if needed:
            self._reread.add(file_id)
        else:
            self._reread.discard(file_id)

    def forget(self, file_id: str) -> None:
        self.known.pop(file_id, None)

    def wrote(self, file_id: str, written_over: str = "", answered: datetime | None = None) -> None:
        """Called right after the product's own write over version ``written_over``, answered at
        ``answered`` (Google's clock): from now on the plan's version is that write's token (asking
        Drive now could fold in a buyer's edit made since)."""
        self._written.add(file_id)
        token = own_write_token(written_over, answered, self.calls.principal)
        if token:
            self.known[file_id] = token
        else:
            self.known.pop(file_id, None)

    def unchanged_since(self, token: str, listed_version: str, listed: dict[str, Any] | None) -> bool:
        """Whether a plan listed at ``listed_version`` is as it was when ``token`` was recorded."""
        return bool(token) and (token == listed_version or only_own_write(token, listed_version, listed))

    def of(self, ref: PlanRef) -> str:
        """The plan's Drive ``version`` ("" makes the nightly run read the plan next time).

        After the product's own write it is that write's token, not asked: the version the write
        was made over (checked just before it, else ``ref.version``) and the time of its answer. Any
        later change — a buyer's edit right after it — is someone else's or later than that answer,
        so the next run reads the plan: no edit is folded in, and no call is spent. Otherwise: the
        listing's version, or one ``files.get``."""
        if ref.id in self._reread:
            return ""
        if ref.id in self._written:
            return self.known.get(ref.id) or bumped(ref.version, 1)
        if ref.id not in self.known:
            self._fetch(ref.id)
        return self.known.get(ref.id, "")

    def _fetch(self, file_id: str) -> None:
        calls = self.calls
        try:
            item = calls.execute("record the plan's version", lambda: calls.drive.files().get(
                fileId=file_id, supportsAllDrives=True, fields="version"), file_id)
        except MapwsError:
            self.known.pop(file_id, None)  # unknown: the next nightly run reads the plan again
            return
        self.known[file_id] = str(item.get("version", ""))
