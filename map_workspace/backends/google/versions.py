"""Each plan's Drive ``version``, for the nightly run's change detection (docs/nightly.md, "On
Google"): as the last listing or lookup said, or — after the product's own write — predicted at no
cost, so that the product's write is not mistaken for a buyer's edit."""

from __future__ import annotations

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
    """Drive versions are increasing integers (as strings); anything else sorts first."""
    try:
        return int(version)
    except ValueError:
        return -1


class PlanVersions:
    """What is known of each plan's Drive ``version``, by spreadsheet ID."""

    #: How much one ``batchUpdate`` moves Drive's ``version``: the emulator bumps it by one per
    #: change, and Drive documents it as reflecting every change (docs/nightly.md, "Change detection").
    own_write_bump = 1

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

    def wrote(self, file_id: str, written_over: str = "") -> None:
        """Called right after the product's own write over version ``written_over``: from now on
        the plan's version is predicted (asking Drive now could fold in a buyer's edit made since)."""
        self._written.add(file_id)
        predicted = bumped(written_over, self.own_write_bump)
        if predicted:
            self.known[file_id] = predicted
        else:
            self.known.pop(file_id, None)

    def of(self, ref: PlanRef) -> str:
        """The plan's Drive ``version`` ("" makes the nightly run read the plan next time).

        After the product's own write it is predicted, not asked: the version the write was made
        over (checked just before it, else ``ref.version``) plus one write's bump. Any other change —
        a buyer's edit between the read and the write, or right after it — moves Drive's version
        past the prediction, so the next run reads the plan: no edit is folded in, and no call is
        spent. Otherwise: the listing's version, or one ``files.get``."""
        if ref.id in self._reread:
            return ""
        if ref.id in self._written:
            return self.known.get(ref.id) or bumped(ref.version, self.own_write_bump)
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
