"""Reading a plan (one ``spreadsheets.get``) and writing a ChangeSet to it (one version check, one
``spreadsheets.batchUpdate``), and the version the file is at after the write (versions.py)."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.retry import describe_failure
from map_workspace.backends.google.sheets_io import (
    LEAN_RANGES,
    NAMED_TABS,
    READ_FIELDS,
    Layout,
    apply_requests,
    parse_spreadsheet,
)
from map_workspace.backends.google.versions import PlanVersions, version_order
from map_workspace.changes import ChangeSet
from map_workspace.errors import MapwsError, PlanChanged, PlanError
from map_workspace.layout import Snapshot
from map_workspace.ports import PlanRef


def answered_at(answer: Any) -> datetime | None:
    """When Google answered (its ``Date`` header, whole seconds); None when it did not say."""
    try:
        return parsedate_to_datetime(answer.headers["Date"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


class WriteRefused(PlanError):
    """Google answered 400 to the plan's write batch: the whole batch was refused, nothing written."""

    code = "plan.write_refused"


class PlanSheets:
    """The plan spreadsheets' contents, read and written through one call boundary."""

    def __init__(self, calls: GoogleCalls, versions: PlanVersions, *, track_versions: bool = True) -> None:
        self.calls = calls
        self.versions = versions
        #: Predict each plan's version after the product's own write, for nightly change detection.
        self.track_versions = track_versions

    def read(self, ref: PlanRef) -> Snapshot:
        """One ``spreadsheets.get`` of the tabs' named ranges (``LEAN_RANGES``: every contract tab
        whole, the Timeline's first cell). When the spreadsheet lacks one of them (Google's 400), or
        one no longer marks its whole tab, a second ``spreadsheets.get`` reads every tab, as for a
        plan made before the names existed; the sync then lays them again. The snapshot keeps
        ``ref.version`` (seen before the read, so the read is at least that new) for ``apply``'s
        check that nobody changed the file since.

        A read by the names does not see tabs the buyer added: the sync needs them only to name a
        tab it re-creates, which it does only after a whole read (a re-created tab's name was missing)."""
        label = ref.title or ref.slug or ref.id
        file = f"'{label}' ({ref.id})" if label != ref.id else ref.id

        def by_names() -> dict[str, Any] | None:
            try:
                return self.calls.sheets_http.fetch_sheet_metadata(
                    ref.id, params={"fields": READ_FIELDS, "ranges": list(LEAN_RANGES)})
            except Exception as exc:
                failure = describe_failure(exc)
                if failure is not None and failure.status == 400:
                    return None  # a name the spreadsheet lacks: read every tab
                raise

        data = self.calls.call("read the plan", by_names, file)
        if data is not None:
            title = (data.get("properties") or {}).get("title") or label
            snapshot = parse_spreadsheet(data, f"'{title}' ({ref.id})", ref.version)
            layout = Layout.of(snapshot)
            if set(layout.tabs) >= set(NAMED_TABS) and layout.names_in_place():
                return snapshot
        data = self.calls.call("read the plan", lambda: self.calls.sheets_http.fetch_sheet_metadata(
            ref.id, params={"fields": READ_FIELDS}), file)
        title = (data.get("properties") or {}).get("title") or label
        return parse_spreadsheet(data, f"'{title}' ({ref.id})", ref.version)

    def apply(self, ref: PlanRef, snapshot: Snapshot, changes: ChangeSet) -> str:
        """One batchUpdate with every write, sent only while the file is still at the version the
        snapshot was read at; nothing at all for an empty ChangeSet.

        Sheets has no conditional write, and the batch addresses rows by position: a buyer who
        inserts, deletes or sorts rows after the read would get one row's ID, flag or note written
        onto another. So one Drive ``files.get(fields=version)`` goes right before the batch (and
        before each retry of it); a version other than the snapshot's raises :class:`PlanChanged`
        with nothing written, and the caller reads again. ``ref.version`` counts as a version the
        snapshot reflects (the nightly run reuses a stored snapshot only when the listing's version
        equals the one stored with it). What remains is the time between that check and the batch.
        A ref without a version (as ``create`` returns) cannot be checked: the services always pass
        the listing's or the lookup's.

        Returns the plan's version after the write (a token for the write, see versions.py; "" when unknown).
        """
        requests = apply_requests(snapshot, changes)
        if not requests:
            return snapshot.token.version
        file = snapshot.source or ref.id
        expected = max((v for v in (Layout.of(snapshot).version, ref.version) if v),
                       key=version_order, default="")
        calls = self.calls

        def check_then_write() -> Any:
            if expected:
                item = calls.drive.files().get(fileId=ref.id, supportsAllDrives=True, fields="version").execute(
                    num_retries=0)
                current = str(item.get("version") or "")
            else:
                current = ""
            if current and current != expected:
                raise PlanChanged(
                    f"{file} changed after mapws read it (Drive version {expected} → {current}): someone edited "
                    "it during the sync, so nothing was written.",
                    "Run sync again: it reads the new version.", current)
            from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

            # gspread's request, not its batch_update: the answer's Date header is wanted (versions.py)
            return calls.sheets_http.request("post", SPREADSHEET_BATCH_UPDATE_URL % ref.id,
                                             json={"requests": requests})

        try:
            answer = calls.call("write the plan", check_then_write, file)
        except PlanChanged:
            raise
        except MapwsError as exc:
            failure = describe_failure(exc.__cause__) if exc.__cause__ is not None else None
            if failure is not None and failure.status == 400:
                raise WriteRefused(
                    f"Google refused the write to {file}, so nothing was written (a batch applies whole or "
                    f"not at all). Google said: {failure.describe()}.",
                    "Something in the spreadsheet blocks the write (a shrunk tab or a deleted column, say): undo "
                    "that change, then run sync again. If it keeps happening, report it with --traceback output.",
                ) from exc
            raise
        self.versions.forget(ref.id)
        known_tabs = set(Layout.of(snapshot).tabs)
        restructured = changes.formats_to_row is not None or any(
            "addSheet" in r for r in requests) or not known_tabs
        self.versions.reread(ref.id, restructured)
        if not self.track_versions:
            return ""
        self.versions.wrote(ref.id, expected, answered_at(answer))
        return self.versions.of(ref)
