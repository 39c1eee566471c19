"""The Google backend's plan store: each plan a Google Sheet, found through Drive ``appProperties``,
its summary a Google Doc beside it.

Call plan (PRODUCT.md, Budgets; docs in ../shared/GOOGLE-API-NOTES.md):
- create: a Drive lookup of the slug (refuse duplicates), Drive ``files.create`` (or ``files.copy`` of
  a template, then one structure read), one ``spreadsheets.batchUpdate`` with everything, then one
  ``permissions.create`` per person shared with.
- read: one ``spreadsheets.get`` with a field mask over every tab; contract tabs are found by their
  sheet-level developer metadata, so a renamed tab still reads. (``getByDataFilter`` by sheetId
  would need the sheetIds before the read; the metadata-located full read costs the same one call.)
- apply: one Drive ``files.get(fields=version)`` that checks nobody changed the file since the read
  (else nothing is written and the sync reads again: docs/reliability.md, Races), one
  ``spreadsheets.batchUpdate`` (none for an empty ChangeSet). With ``track_versions`` the plan's
  new Drive version is then predicted, at no cost (``version``), so the nightly run can tell the
  product's own write from a buyer's edit (docs/nightly.md, "On Google").
- list: one Drive ``files.list`` per 1,000 plans.
- summary: the Doc is found with the plan (same Drive lookup by slug) or by one ``files.list``,
  created through Drive (so service accounts can too) and written with one ``documents.batchUpdate``;
  later runs rebuild it in place after one ``documents.get``. Sharing follows the plan's people.

Every call goes through one bounded retry policy (retry.py) and failures become mapws errors that
name the file and the identity (errors.py).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.docs_summary import DOCUMENT_MIME, rebuild_requests, summary_requests
from map_workspace.backends.google.errors import translate
from map_workspace.backends.google.retry import RetryPolicy, describe_failure
from map_workspace.backends.google.sheets_io import (
    READ_FIELDS,
    SPREADSHEET_MIME,
    Layout,
    apply_requests,
    create_requests,
    parse_spreadsheet,
    template_cleanup_requests,
)
from map_workspace.changes import ChangeSet
from map_workspace.errors import MapwsError, PlanChanged, PlanError, PlanExists, PlanNotFound, UsageError
from map_workspace.layout import OVERVIEW_TITLE, Snapshot
from map_workspace.ports import PlanRef, PlanStore, StoreTraits, SummaryResult
from map_workspace.sharing import check_allowed_recipients, normalise_domains
from map_workspace.summary import SummaryDoc

if TYPE_CHECKING:
    from map_workspace.state_store import StateStore

T = TypeVar("T")

#: What mapws keeps of a Drive file: enough to address it, share like it, and detect changes.
FILE_FIELDS = "id,name,mimeType,webViewLink,version,parents,appProperties,permissions(type,role,emailAddress)"
#: The listing also names each file's owner, so that ``--impersonate-owners`` can act as them.
LIST_FIELDS = f"nextPageToken,files({FILE_FIELDS},modifiedTime,owners(emailAddress))"
SHARE_ROLES = ("writer", "commenter")
#: The summary is rebuilt on every run, so the people of the plan may read it but not edit it.
SUMMARY_ROLE = "reader"
TEMPLATE_FIELDS = (
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount)),"
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "conditionalFormats(ranges,booleanRule(condition(type,values))),protectedRanges(protectedRangeId,description))"
)

_SHEETS_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{20,}")
_SLUG_SHAPED = re.compile(r"[a-z0-9-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def sheets_url(spreadsheet_id: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


def docs_url(document_id: str) -> str:
    return f"https://docs.google.com/document/d/{document_id}/edit"


def quote_q(value: str) -> str:
    """A value inside single quotes in a Drive query."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def app_property_query(key: str, value: str) -> str:
    return f"appProperties has {{ key='{quote_q(key)}' and value='{quote_q(value)}' }} and trashed=false"


class GooglePlanStore(PlanStore):
    """Plans as Google Sheets tagged with ``appProperties`` (``mapws=plan``, the deal slug, plan ID
    and schema), in ``folder`` when one is given (a Shared Drive folder for service accounts)."""

    traits = StoreTraits("google", rate_limited=True, default_workers=8, shares=True, publishes_templates=True,
                         knows_owners=True, hosts_state=True)
    #: Drive's largest page: listing costs one call per 1,000 plans.
    list_page_size = 1000

    def __init__(self, clients: GoogleClients, *, folder: str = "", principal: str = "", timezone: str = "UTC",
                 locale: str = "en_US", template_id: str = "", track_versions: bool = True,
                 retry: RetryPolicy | None = None, pdf_dir: Path | None = None,
                 allowed_domains: Sequence[str] = ()) -> None:
        self.clients = clients
        self.folder = folder
        self.principal = principal
        self.timezone = timezone
        self.locale = locale
        self.template_id = template_id
        #: Keep each plan's Drive ``version`` after listing and after the product's own writes, for
        #: nightly change detection (costs one Drive call per written plan).
        self.track_versions = track_versions
        self.retry = retry or RetryPolicy()
        #: Where ``--pdf`` exports go (the working folder unless given).
        self.pdf_dir = pdf_dir
        #: Domains people may be shared with (``--allow-domain``); empty allows every address.
        self.allowed_domains = normalise_domains(allowed_domains, setting="allowed_domains")
        #: Drive ``version`` of each plan as last listed or written, by spreadsheet ID.
        self.versions: dict[str, str] = {}
        #: Plans written since their version was last listed: ``version`` predicts theirs.
        self._written: set[str] = set()
        #: Plans whose last write changed what a kept snapshot cannot show (a re-created tab, colour
        #: rules rewritten): ``version`` answers "" for them, so the next run reads them again.
        self._reread: set[str] = set()
        self._files: dict[str, dict[str, Any]] = {}
        #: Each plan's summary document, for the plans whose summary lookup is done (None: there is none).
        self._summaries: dict[str, dict[str, Any] | None] = {}
        # httplib2 (under google-api-python-client) is not thread-safe: one set of clients per
        # thread, so `sync --all` workers can share the store.
        self._local = threading.local()

    # --- clients and the call boundary ----------------------------------------------------------

    def _client(self, name: str, build: Callable[[], Any]) -> Any:
        client = getattr(self._local, name, None)
        if client is None:
            client = build()
            setattr(self._local, name, client)
        return client

    @property
    def _sheets_http(self) -> Any:
        return self._client("sheets", lambda: self.clients.gspread().http_client)

    @property
    def _drive(self) -> Any:
        return self._client("drive", self.clients.drive)

    @property
    def _docs(self) -> Any:
        return self._client("docs", self.clients.docs)

    def _call(self, action: str, call: Callable[[], T], file: str = "") -> T:
        """Run one Google call under the retry policy; failures become mapws errors."""
        try:
            return self.retry.run(call)
        except MapwsError:
            raise
        except Exception as exc:
            mapped = translate(exc, action=action, file=file, principal=self.principal)
            if mapped is None:
                raise
            raise mapped from exc

    def _execute(self, action: str, build: Callable[[], Any], file: str = "") -> Any:
        """A google-api-python-client request, built fresh for each attempt, its own retries off."""
        return self._call(action, lambda: build().execute(num_retries=0), file)

    def _who(self) -> str:
        return self.principal or "the configured Google identity"

    def _remember(self, item: dict[str, Any]) -> PlanRef:
        self._files[item["id"]] = item
        if item.get("version"):
            self.versions[item["id"]] = str(item["version"])
            self._written.discard(item["id"])  # a fresh version: no prediction pending
        props = item.get("appProperties") or {}
        return PlanRef(id=item["id"], url=item.get("webViewLink") or sheets_url(item["id"]),
                       slug=props.get("mapws_deal", ""), title=item.get("name", ""),
                       version=str(item.get("version") or ""))

    def _list(self, action: str, query: str, page_size: int | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token: str | None = None
        params: dict[str, Any] = {"q": query, "pageSize": page_size or self.list_page_size, "fields": LIST_FIELDS,
                                  "supportsAllDrives": True, "includeItemsFromAllDrives": True}
        if self.folder:
            params["corpora"] = "allDrives"
        while True:
            page_params = dict(params, pageToken=token) if token else params

            def request(p: dict[str, Any] = page_params) -> Any:
                return self._drive.files().list(**p)

            page = self._execute(action, request)
            found += page.get("files") or []
            token = page.get("nextPageToken")
            if not token:
                return found

    # --- create and share -----------------------------------------------------------------------

    def create(self, snapshot: Snapshot, *, slug: str, title: str, template_id: str = "") -> PlanRef:
        plans = [f for f in self._find_by_slug(slug) if _is_plan(f)]
        if plans:
            raise PlanExists(
                f"A plan for '{slug}' already exists in Google Drive: {plans[0].get('webViewLink') or plans[0]['id']}.",
                f"Sync it with 'mapws sync {slug}', or pick another deal name for the new plan.",
            )
        meta = snapshot.meta
        body: dict[str, Any] = {
            "name": f"{title} — {OVERVIEW_TITLE}" if title else OVERVIEW_TITLE,
            "appProperties": {"mapws": "plan", "mapws_deal": slug, "mapws_plan_id": str(meta.get("plan_id", "")),
                              "mapws_schema": str(meta.get("schema", ""))},
        }
        if self.folder:
            body["parents"] = [self.folder]
        timezone = meta.get("timezone") or self.timezone
        locale = meta.get("locale") or self.locale
        template_id = template_id or self.template_id
        if template_id:
            item = self._copy_template(body, template_id)
            structure = self._call("read the copied template",
                                   lambda: self._sheets_http.fetch_sheet_metadata(
                                       item["id"], params={"fields": TEMPLATE_FIELDS}), item["id"])
            cleanup, existing = template_cleanup_requests(structure)
            requests = cleanup + create_requests(snapshot, timezone=timezone, locale=locale, existing=existing,
                                                 first_sheet_id=None)
        else:
            body["mimeType"] = SPREADSHEET_MIME
            item = self._execute("create the plan spreadsheet", lambda: self._drive.files().create(
                body=body, supportsAllDrives=True, fields=FILE_FIELDS), self.folder)
            requests = create_requests(snapshot, timezone=timezone, locale=locale)
        try:
            self._call("lay out the new plan", lambda: self._sheets_http.batch_update(
                item["id"], {"requests": requests}), item.get("name", item["id"]))
        except MapwsError:
            self._discard(item["id"])
            raise
        ref = self._remember(item)
        self._reread.add(ref.id)  # the version from files.create predates the layout just written
        return PlanRef(id=ref.id, url=ref.url, slug=slug, title=title)

    def publish_template(self, name: str, snapshot: Snapshot) -> PlanRef:
        """Create the template spreadsheet in Drive (so drive.file keeps seeing it, and people can
        brand it by hand): the contract's tabs, headers, formats and rules, with no deal in it."""
        body: dict[str, Any] = {
            "name": f"mapws template — {name}", "mimeType": SPREADSHEET_MIME,
            "appProperties": {"mapws": "template", "mapws_template": name,
                              "mapws_schema": str(snapshot.meta.get("schema", ""))},
        }
        if self.folder:
            body["parents"] = [self.folder]
        item = self._execute("create the template spreadsheet", lambda: self._drive.files().create(
            body=body, supportsAllDrives=True, fields=FILE_FIELDS), self.folder)
        requests = create_requests(snapshot, timezone=snapshot.meta.get("timezone") or self.timezone,
                                   locale=snapshot.meta.get("locale") or self.locale)
        try:
            self._call("lay out the template", lambda: self._sheets_http.batch_update(
                item["id"], {"requests": requests}), item.get("name", item["id"]))
        except MapwsError:
            self._discard(item["id"])
            raise
        return PlanRef(id=item["id"], url=item.get("webViewLink") or sheets_url(item["id"]), slug=name,
                       title=body["name"])

    def _copy_template(self, body: dict[str, Any], template_id: str) -> dict[str, Any]:
        try:
            return self._execute("copy the plan template", lambda: self._drive.files().copy(
                fileId=template_id, body=body, supportsAllDrives=True, fields=FILE_FIELDS), template_id)
        except PlanNotFound as exc:
            raise UsageError(
                f"The plan template {template_id} is not visible to {self._who()}.",
                "Publish one with 'mapws templates publish NAME' (drive.file only sees files mapws created), "
                "or unset the template to build plans from scratch.",
            ) from exc

    def _discard(self, file_id: str) -> None:
        """Remove a half-made plan so that the next create is not refused; best effort."""
        try:
            self._execute("remove the half-made plan", lambda: self._drive.files().delete(
                fileId=file_id, supportsAllDrives=True), file_id)
        except MapwsError:
            pass

    def share(self, ref: PlanRef, emails: Sequence[str], *, role: str = "writer", message: str = "",
              dry_run: bool = False) -> tuple[str, ...]:
        """Give each person access as a Drive user (never "anyone" or a domain), with Drive's
        notification email and ``message``. People who already hold that role are skipped."""
        return self._share_file(ref.id, emails, role=role, message=message, dry_run=dry_run, notify=True)

    def _share_file(self, file_id: str, emails: Sequence[str], *, role: str, message: str, dry_run: bool,
                    notify: bool) -> tuple[str, ...]:
        if role not in SHARE_ROLES + (SUMMARY_ROLE,):
            raise UsageError(f"Unknown sharing role '{role}'.", "Share as writer (the default) or commenter.")
        people = _distinct(emails)
        self.check_recipients(people)
        holders = _holders(self._files.get(file_id))
        people = [e for e in people if not _holds(holders.get(e.lower()), role)]
        if dry_run:
            return tuple(people)
        for email in people:
            params: dict[str, Any] = {
                "fileId": file_id, "body": {"type": "user", "role": role, "emailAddress": email},
                "sendNotificationEmail": notify, "supportsAllDrives": True, "fields": "id,type,role,emailAddress",
            }
            if notify and message:
                params["emailMessage"] = message
            def request(p: dict[str, Any] = params) -> Any:
                return self._drive.permissions().create(**p)

            self._execute(f"share it with {email}", request, file_id)
            if file_id in self._files:
                self._files[file_id].setdefault("permissions", []).append(
                    {"type": "user", "role": role, "emailAddress": email})
        return tuple(people)

    def check_recipients(self, emails: Sequence[str]) -> None:
        """Refuse what is not a person's address, and (when an allow-list of domains is set)
        addresses outside it."""
        bad = [e for e in emails if not _EMAIL.fullmatch(e)]
        if bad:
            raise UsageError(f"Not an email address: {', '.join(bad)}.",
                             "Share with people by address: name@company.com.")
        check_allowed_recipients(emails, self.allowed_domains)

    # --- finding plans --------------------------------------------------------------------------

    def _find_by_slug(self, slug: str) -> list[dict[str, Any]]:
        """Plans and summaries tagged with this deal slug, in one Drive call; summaries found here
        are remembered so that ``write_summary`` needs no lookup of its own."""
        items = self._list(f"look up the plan '{slug}'", app_property_query("mapws_deal", slug), page_size=100)
        for item in items:
            if _is_plan(item):
                self._summaries.setdefault(item["id"], None)
        for item in items:
            props = item.get("appProperties") or {}
            if props.get("mapws") == "summary" and props.get("mapws_plan"):
                self._summaries[props["mapws_plan"]] = item
        return items

    def locate(self, plan: str) -> PlanRef:
        """A Sheets URL, a spreadsheet ID or a deal slug."""
        text = plan.strip()
        match = _SHEETS_URL.search(text)
        if match:
            return self._by_id(match[1])
        if _FILE_ID.fullmatch(text) and not _SLUG_SHAPED.fullmatch(text):
            return self._by_id(text)
        plans = [f for f in self._find_by_slug(text) if _is_plan(f)]
        if len(plans) == 1:
            return self._remember(plans[0])
        if len(plans) > 1:
            raise PlanNotFound(f"Several plans in Google Drive are tagged '{text}'.",
                               "Pass one by spreadsheet ID: " + ", ".join(p["id"] for p in plans))
        if _FILE_ID.fullmatch(text):
            return self._by_id(text)
        raise PlanNotFound(f"No plan '{text}' among the Google Drive files {self._who()} can see.",
                           "Run 'mapws list' to see the plans, or pass the spreadsheet's ID or URL "
                           f"(and share it with {self._who()} if someone else created it).")

    def _by_id(self, file_id: str) -> PlanRef:
        item = self._execute("find the plan", lambda: self._drive.files().get(
            fileId=file_id, supportsAllDrives=True, fields=FILE_FIELDS), file_id)
        if item.get("mimeType") and item["mimeType"] != SPREADSHEET_MIME:
            raise PlanNotFound(f"{item.get('name', file_id)} ({file_id}) is not a Google Sheet.",
                               "Pass the ID or URL of the plan's spreadsheet.")
        return self._remember(item)

    def list_plans(self) -> list[PlanRef]:
        """Every plan this identity can see, one Drive call per 1,000; each file's ``version`` is
        kept in ``versions``."""
        items = self._list("list the plans", app_property_query("mapws", "plan"))
        return sorted((self._remember(item) for item in items), key=lambda r: (r.slug, r.id))

    def publisher(self) -> GooglePlanStore:
        return self

    def sharer(self) -> GooglePlanStore:
        return self

    def owners(self) -> GooglePlanStore:
        return self

    def owner_of(self, ref: PlanRef) -> str:
        """The plan's owner as the listing named it ("" when unknown, e.g. on a Shared Drive)."""
        owners = (self._files.get(ref.id) or {}).get("owners") or []
        return str(owners[0].get("emailAddress") or "") if owners else ""

    def state_host(self) -> GooglePlanStore:
        return self

    def open_state(self, shard_index: int, shard_count: int) -> StateStore:
        """``--state drive``: the shard's state file beside the plans, reached as the same identity."""
        from map_workspace.backends.google.drive_state import DriveStateStore, shard_label

        return DriveStateStore.for_store(self, shard_label(shard_index, shard_count))

    # --- read and apply -------------------------------------------------------------------------

    def read(self, ref: PlanRef) -> Snapshot:
        """One ``spreadsheets.get``. The snapshot keeps ``ref.version`` (seen before the read, so
        the read is at least that new) for ``apply``'s check that nobody changed the file since."""
        label = ref.title or ref.slug or ref.id
        data = self._call("read the plan", lambda: self._sheets_http.fetch_sheet_metadata(
            ref.id, params={"fields": READ_FIELDS}), f"'{label}' ({ref.id})" if label != ref.id else ref.id)
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

        Returns the version the file is at after the write (predicted, see ``version``; "" when unknown).
        """
        requests = apply_requests(snapshot, changes)
        if not requests:
            return snapshot.token.version
        file = snapshot.source or ref.id
        expected = max((v for v in (Layout.of(snapshot).version, ref.version) if v),
                       key=_version_order, default="")

        def check_then_write() -> Any:
            if expected:
                item = self._drive.files().get(fileId=ref.id, supportsAllDrives=True, fields="version").execute(
                    num_retries=0)
                current = str(item.get("version") or "")
            else:
                current = ""
            if current and current != expected:
                raise PlanChanged(
                    f"{file} changed after mapws read it (Drive version {expected} → {current}): someone edited "
                    "it during the sync, so nothing was written.",
                    "Run sync again: it reads the new version.", current)
            return self._sheets_http.batch_update(ref.id, {"requests": requests})

        try:
            self._call("write the plan", check_then_write, file)
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
        self.versions.pop(ref.id, None)
        known_tabs = set(Layout.of(snapshot).tabs)
        restructured = changes.formats_to_row is not None or any(
            "addSheet" in r for r in requests) or not known_tabs
        if restructured:
            self._reread.add(ref.id)
        else:
            self._reread.discard(ref.id)
        if not self.track_versions:
            return ""
        self._track_version(ref.id, expected)
        return self.version(ref)

    #: How much one ``batchUpdate`` moves Drive's ``version``: the emulator bumps it by one per
    #: change, and Drive documents it as reflecting every change (docs/nightly.md, "Change detection").
    own_write_bump = 1

    def version(self, ref: PlanRef) -> str:
        """The plan's Drive ``version`` for the nightly run's change detection ("" makes it read the
        plan next time).

        After the product's own write it is predicted, not asked: the version the write was made
        over (checked just before it, else ``ref.version``) plus one write's bump. Any other change —
        a buyer's edit between the read and the write, or right after it — moves Drive's version
        past the prediction, so the next run reads the plan: no edit is folded in, and no call is
        spent. Otherwise: the listing's version, or one ``files.get``."""
        if ref.id in self._reread:
            return ""
        if ref.id in self._written:
            return self.versions.get(ref.id) or _bumped(ref.version, self.own_write_bump)
        if ref.id not in self.versions:
            self._fetch_version(ref.id)
        return self.versions.get(ref.id, "")

    def _track_version(self, file_id: str, written_over: str = "") -> None:
        """Called right after the product's own write over version ``written_over``: from now on
        the plan's version is predicted (asking Drive now could fold in a buyer's edit made since)."""
        self._written.add(file_id)
        predicted = _bumped(written_over, self.own_write_bump)
        if predicted:
            self.versions[file_id] = predicted
        else:
            self.versions.pop(file_id, None)

    def _fetch_version(self, file_id: str) -> None:
        try:
            item = self._execute("record the plan's version", lambda: self._drive.files().get(
                fileId=file_id, supportsAllDrives=True, fields="version"), file_id)
        except MapwsError:
            self.versions.pop(file_id, None)  # unknown: the next nightly run reads the plan again
            return
        self.versions[file_id] = str(item.get("version", ""))

    # --- summary --------------------------------------------------------------------------------

    def write_summary(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool) -> SummaryResult:
        """One Google Doc per plan, beside it, rebuilt in place on later runs and shared (read-only)
        with the plan's people; ``pdf`` exports it through Drive into ``pdf_dir``."""
        if ref.id in self._summaries:
            existing = self._summaries[ref.id]
        else:
            found = self._list("look up the plan's summary", app_property_query("mapws_plan", ref.id), page_size=10)
            existing = found[0] if found else None
        document = None
        if existing is not None:
            document = self._rebuild(existing, doc)
        if document is None:
            document = self._new_summary(ref, doc)
        self._summaries[ref.id] = document
        self._share_summary(ref, document)
        pdf_path = self._export_pdf(document["id"], ref.slug or document["id"]) if pdf else None
        return SummaryResult(document=document["id"], url=document.get("webViewLink") or docs_url(document["id"]),
                             pdf=pdf_path)

    def _rebuild(self, item: dict[str, Any], doc: SummaryDoc) -> dict[str, Any] | None:
        """Rewrite an existing summary in place; None when it is gone (then a new one is made)."""
        try:
            current = self._execute("read the summary document", lambda: self._docs.documents().get(
                documentId=item["id"], fields="revisionId,body(content(endIndex))"), item["id"])
        except PlanNotFound:
            return None
        content = (current.get("body") or {}).get("content") or []
        end = max((int(c.get("endIndex") or 0) for c in content), default=2)
        body: dict[str, Any] = {"requests": rebuild_requests(doc, end)}
        if current.get("revisionId"):
            body["writeControl"] = {"requiredRevisionId": current["revisionId"]}
        self._execute("write the summary document", lambda: self._docs.documents().batchUpdate(
            documentId=item["id"], body=body), item["id"])
        self._files[item["id"]] = item
        return item

    def _new_summary(self, ref: PlanRef, doc: SummaryDoc) -> dict[str, Any]:
        plan = self._files.get(ref.id) or {}
        parents = plan.get("parents") or ([self.folder] if self.folder else None)
        body: dict[str, Any] = {
            "name": f"{doc.title} (summary)", "mimeType": DOCUMENT_MIME,
            "appProperties": {"mapws": "summary", "mapws_plan": ref.id, "mapws_deal": ref.slug},
        }
        if parents:
            body["parents"] = parents[:1]
        item = self._execute("create the summary document", lambda: self._drive.files().create(
            body=body, supportsAllDrives=True, fields=FILE_FIELDS), ref.id)
        self._execute("write the summary document", lambda: self._docs.documents().batchUpdate(
            documentId=item["id"], body={"requests": summary_requests(doc)}), item["id"])
        self._files[item["id"]] = item
        return item

    def _share_summary(self, ref: PlanRef, document: dict[str, Any]) -> None:
        """The plan's people may read the summary; the plan's permissions are listed only when
        the lookup did not bring them (Shared Drive files do not carry them)."""
        plan = self._files.get(ref.id)
        if plan is None or "permissions" not in plan:
            listed = self._execute("list who has the plan", lambda: self._drive.permissions().list(
                fileId=ref.id, supportsAllDrives=True, fields="permissions(type,role,emailAddress)"), ref.id)
            plan = {**(plan or {}), "permissions": listed.get("permissions") or []}
            self._files[ref.id] = plan if "id" in plan else {**plan, "id": ref.id}
        people = [p["emailAddress"] for p in plan.get("permissions") or []
                  if p.get("type") == "user" and p.get("role") != "owner" and p.get("emailAddress")
                  and p["emailAddress"].lower() != self.principal.lower()]
        if people:
            self._share_file(document["id"], people, role=SUMMARY_ROLE, message="", dry_run=False, notify=False)

    def _export_pdf(self, document_id: str, slug: str) -> str:
        data = self._execute("export the summary as PDF", lambda: self._drive.files().export_media(
            fileId=document_id, mimeType="application/pdf"), document_id)
        folder = (self.pdf_dir or Path.cwd()).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{slug}-summary.pdf"
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            temp.write_bytes(data)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return str(path)


class WriteRefused(PlanError):
    """Google answered 400 to the plan's write batch: the whole batch was refused, nothing written."""

    code = "plan.write_refused"


def _bumped(version: str, bump: int) -> str:
    """``version`` moved on by ``bump`` ("" when it is not a Drive version number)."""
    try:
        return str(int(version) + bump)
    except ValueError:
        return ""


def _version_order(version: str) -> int:
    """Drive versions are increasing integers (as strings); anything else sorts first."""
    try:
        return int(version)
    except ValueError:
        return -1


def _is_plan(item: dict[str, Any]) -> bool:
    return (item.get("appProperties") or {}).get("mapws") == "plan"


def _distinct(emails: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for email in emails:
        email = (email or "").strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            out.append(email)
    return out


_RANK = {"reader": 0, "commenter": 1, "writer": 2, "fileOrganizer": 3, "organizer": 4, "owner": 5}


def _holders(item: dict[str, Any] | None) -> dict[str, str]:
    """Address → role of the people a file is known to be shared with (empty when unknown)."""
    return {str(p["emailAddress"]).lower(): str(p.get("role", "")) for p in (item or {}).get("permissions") or []
            if p.get("type") == "user" and p.get("emailAddress")}


def _holds(current: str | None, role: str) -> bool:
    return current is not None and _RANK.get(current, -1) >= _RANK.get(role, 0)
