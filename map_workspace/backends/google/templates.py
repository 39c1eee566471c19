"""New spreadsheets in Drive: a plan made from nothing or copied from a published template, and
the template itself — each created through Drive (so ``drive.file`` keeps seeing it) and laid out
with one ``spreadsheets.batchUpdate``. A file whose layout failed goes to the trash, so that the next
create is not refused as a duplicate."""

from __future__ import annotations

from typing import Any

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.drive_files import FILE_FIELDS, sheets_url, tags
from map_workspace.backends.google.sheets_io import (
    SPREADSHEET_MIME,
    create_requests,
    template_cleanup_requests,
)
from map_workspace.errors import MapwsError, PlanNotFound, UsageError
from map_workspace.layout import Snapshot
from map_workspace.ports import PlanRef

#: What a copied template's structure read asks for: enough to clean it up and lay it out again.
TEMPLATE_FIELDS = (
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount)),"
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "conditionalFormats(ranges,booleanRule(condition(type,values))),protectedRanges(protectedRangeId,description)),"
    "namedRanges(namedRangeId,name)"
)


class SpreadsheetMaker:
    """Creates spreadsheets in ``folder`` (the identity's My Drive when empty)."""

    def __init__(self, calls: GoogleCalls, *, folder: str = "", timezone: str = "UTC", locale: str = "en_US") -> None:
        self.calls = calls
        self.folder = folder
        self.timezone = timezone
        self.locale = locale

    def plan(self, snapshot: Snapshot, body: dict[str, Any], template_id: str = "") -> dict[str, Any]:
        """The plan's spreadsheet with ``snapshot`` laid out in it: Drive's ``files.create``, or
        ``files.copy`` of the template plus one structure read; then one batch. Returns Drive's item."""
        body = self._in_folder(body)
        meta = snapshot.meta
        timezone = meta.get("timezone") or self.timezone
        locale = meta.get("locale") or self.locale
        if template_id:
            item = self._copy_template(body, template_id)
            structure = self.calls.call("read the copied template",
                                        lambda: self.calls.sheets_http.fetch_sheet_metadata(
                                            item["id"], params={"fields": TEMPLATE_FIELDS}), item["id"])
            cleanup, existing = template_cleanup_requests(structure)
            requests = cleanup + create_requests(snapshot, timezone=timezone, locale=locale, existing=existing,
                                                 first_sheet_id=None)
        else:
            item = self._create({**body, "mimeType": SPREADSHEET_MIME}, "create the plan spreadsheet")
            requests = create_requests(snapshot, timezone=timezone, locale=locale)
        self._lay_out(item, requests, "lay out the new plan")
        return item

    def template(self, name: str, snapshot: Snapshot) -> PlanRef:
        """The template spreadsheet (people may brand it by hand): the contract's tabs, headers,
        formats and rules, with no deal in it."""
        body = self._in_folder({
            "name": f"mapws template — {name}", "mimeType": SPREADSHEET_MIME,
            "appProperties": tags({"mapws": "template", "mapws_template": name,
                                   "mapws_schema": str(snapshot.meta.get("schema", ""))}),
        })
        item = self._create(body, "create the template spreadsheet")
        requests = create_requests(snapshot, timezone=snapshot.meta.get("timezone") or self.timezone,
                                   locale=snapshot.meta.get("locale") or self.locale)
        self._lay_out(item, requests, "lay out the template")
        return PlanRef(id=item["id"], url=item.get("webViewLink") or sheets_url(item["id"]), slug=name,
                       title=body["name"])

    def _in_folder(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "parents": [self.folder]} if self.folder else body

    def _create(self, body: dict[str, Any], action: str) -> dict[str, Any]:
        calls = self.calls
        return calls.execute(action, lambda: calls.drive.files().create(
            body=body, supportsAllDrives=True, fields=FILE_FIELDS), self.folder, folder=self.folder)

    def _copy_template(self, body: dict[str, Any], template_id: str) -> dict[str, Any]:
        calls = self.calls
        try:
            return calls.execute("copy the plan template", lambda: calls.drive.files().copy(
                fileId=template_id, body=body, supportsAllDrives=True, fields=FILE_FIELDS), template_id)
        except PlanNotFound as exc:
            raise UsageError(
                f"The plan template {template_id} is not visible to {calls.who()}.",
                "Publish one with 'mapws templates publish NAME' (drive.file only sees files mapws created), "
                "or unset the template to build plans from scratch.",
            ) from exc

    def _lay_out(self, item: dict[str, Any], requests: list[dict[str, Any]], action: str) -> None:
        """One batch on the new file. A retry first asks Drive whether the file moved since it was
        made: only this batch writes to it, so a moved version means the batch landed and its answer
        was lost (a timeout), and sending it again would fail on its own work (ids it deleted)."""
        sent = False

        def send() -> Any:
            nonlocal sent
            if sent and self._written_since_made(item):
                return None
            sent = True
            return self.calls.sheets_http.batch_update(item["id"], {"requests": requests})

        try:
            self.calls.call(action, send, item.get("name", item["id"]))
        except MapwsError:
            self._discard(item["id"])
            raise

    def _written_since_made(self, item: dict[str, Any]) -> bool:
        made = item.get("version")
        if not made:
            return False
        now = self.calls.drive.files().get(fileId=item["id"], fields="version", supportsAllDrives=True).execute(
            num_retries=0)
        return str(now.get("version")) != str(made)

    def _discard(self, file_id: str) -> None:
        """Move a half-made file to the trash so that the next create is not refused (lookups skip
        trashed files); best effort. Trash, not delete: in a Shared Drive deleting needs a Manager,
        trashing a Content manager — the role the setup guide asks for."""
        calls = self.calls
        try:
            calls.execute("remove the half-made plan", lambda: calls.drive.files().update(
                fileId=file_id, body={"trashed": True}, supportsAllDrives=True, fields="id"), file_id)
        except MapwsError:
            pass
