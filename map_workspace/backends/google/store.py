"""The Google backend's plan store: each plan a Google Sheet, found through Drive ``appProperties``,
its summary a Google Doc beside it.

The store is the :class:`~map_workspace.ports.PlanStore` face of a few parts, each along one seam:

- calls.py — the call boundary: clients per thread, one retry policy, one error translation;
- plan_index.py — listing and locating plans (by URL, ID or slug), and what each lookup said;
- templates.py — new spreadsheets, blank or copied from a published template, and templates;
- permissions.py — sharing, recipients and who already holds a file;
- plan_sheets.py and versions.py — reading, writing with the version check, version prediction;
- summary_files.py — the summary documents (create, rebuild, share, export).

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
  version is then a token for that write, at no cost (``version``; versions.py), so the nightly
  run can tell the product's own write from a buyer's edit whatever Drive's version step
  (``unchanged_since``; docs/nightly.md, "On Google").
- list: one Drive ``files.list`` per 1,000 plans.
- summary: the Doc is found with the plan (same Drive lookup by slug) or by one ``files.list``,
  created through Drive and written with one ``documents.batchUpdate``; later runs rebuild it in
  place after one ``documents.get``. Sharing follows the plan's people. The full and the light
  summary are two Docs; each keeps its link (Docs' version history holds the earlier runs), and
  ``--keep`` adds a dated copy (one Drive ``files.copy``) that later runs leave alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from map_workspace import catalog
from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.clients import GoogleClients
from map_workspace.backends.google.drive_files import CLOSED_TAG, FILE_FIELDS, tags
from map_workspace.backends.google.permissions import Permissions
from map_workspace.backends.google.plan_index import PlanIndex
from map_workspace.backends.google.plan_sheets import PlanSheets, WriteRefused
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.backends.google.summary_files import SummaryDocuments
from map_workspace.backends.google.templates import SpreadsheetMaker
from map_workspace.backends.google.versions import PlanVersions
from map_workspace.changes import ChangeSet
from map_workspace.errors import PlanExists
from map_workspace.layout import META_CLOSED, Snapshot, overview_title
from map_workspace.ports import PlanRef, PlanStore, StoreTraits, SummaryResult
from map_workspace.summary import SummaryDoc

if TYPE_CHECKING:
    from map_workspace.state_store import StateStore

__all__ = ["GooglePlanStore", "WriteRefused"]


class GooglePlanStore(PlanStore):
    """Plans as Google Sheets tagged with ``appProperties`` (``mapws=plan``, the deal slug, plan ID
    and schema), in ``folder`` when one is given (a Shared Drive folder for service accounts).
    It is its own publisher, sharer and owner directory (the capabilities of ports.py)."""

    traits = StoreTraits("google", rate_limited=True, default_workers=8, shares=True, publishes_templates=True,
                         knows_owners=True, hosts_state=True)

    def __init__(self, clients: GoogleClients, *, folder: str = "", principal: str = "", timezone: str = "UTC",
                 locale: str = "en_US", track_versions: bool = True, retry: RetryPolicy | None = None,
                 pdf_dir: Path | None = None, allowed_domains: Sequence[str] = ()) -> None:
        self.folder = folder
        self.calls = GoogleCalls(clients, principal=principal, retry=retry)
        self._versions = PlanVersions(self.calls)
        self.listing = PlanIndex(self.calls, self._versions, folder=folder)
        self.maker = SpreadsheetMaker(self.calls, folder=folder, timezone=timezone, locale=locale)
        self.permissions = Permissions(self.calls, self.listing.files, allowed_domains=allowed_domains)
        #: Keep each plan's Drive ``version`` after the product's own writes, for nightly change detection.
        self.sheets = PlanSheets(self.calls, self._versions, track_versions=track_versions)
        self.summaries = SummaryDocuments(self.calls, self.listing, self.permissions, pdf_dir=pdf_dir)

    # --- the identity and clients (the nightly state file reaches Drive the same way) ------------

    @property
    def clients(self) -> GoogleClients:
        return self.calls.clients

    @clients.setter
    def clients(self, clients: GoogleClients) -> None:
        self.calls.clients = clients

    @property
    def principal(self) -> str:
        return self.calls.principal

    @property
    def retry(self) -> RetryPolicy:
        return self.calls.retry

    @property
    def versions(self) -> dict[str, str]:
        """Drive ``version`` of each plan as last listed or written, by spreadsheet ID."""
        return self._versions.known

    # --- PlanStore ------------------------------------------------------------------------------

    def create(self, snapshot: Snapshot, *, slug: str, title: str, template_id: str = "") -> PlanRef:
        """A new plan spreadsheet (a copy of the published template ``template_id`` when given),
        refused when a plan is already tagged ``slug``."""
        plans = self.listing.plans_tagged(slug)
        if plans:
            raise PlanExists(
                f"A plan for '{slug}' already exists in Google Drive: {plans[0].get('webViewLink') or plans[0]['id']}.",
                f"Sync it with 'mapws sync {slug}', or pick another deal name for the new plan.",
            )
        meta = snapshot.meta
        kind = overview_title(catalog.plan_language(meta))  # "Mutual Action Plan", "共同行動計画（MAP）"
        body: dict[str, Any] = {
            "name": f"{title} — {kind}" if title else kind,
            "appProperties": tags({"mapws": "plan", "mapws_deal": slug, "mapws_plan_id": str(meta.get("plan_id", "")),
                                   "mapws_schema": str(meta.get("schema", ""))}),
        }
        item = self.maker.plan(snapshot, body, template_id)
        self.listing.created(f"plan:{slug}", item)
        ref = self.listing.remember(item)
        self._versions.reread(ref.id)  # the version from files.create predates the layout just written
        return PlanRef(id=ref.id, url=ref.url, slug=slug, title=title)

    def locate(self, plan: str) -> PlanRef:
        """A Sheets URL, a spreadsheet ID or a deal slug."""
        return self.listing.locate(plan)

    def list_plans(self) -> list[PlanRef]:
        """Every plan this identity can see, one Drive call per 1,000; each file's ``version`` is
        kept in ``versions``."""
        return self.listing.list_plans()

    def read(self, ref: PlanRef) -> Snapshot:
        """The plan as one Sheets read; who last edited it, and when, comes from the Drive lookup
        that found it (listing or locating), at no call of its own."""
        known = ref.id in self.listing.files  # else another identity listed it (``--impersonate-owners``)
        return replace(self.sheets.read(ref), edited_by=self.listing.last_editor(ref.id) if known else ref.edited_by,
                       edited_at=self.listing.last_change(ref.id) if known else ref.edited_at)

    def apply(self, ref: PlanRef, snapshot: Snapshot, changes: ChangeSet) -> str:
        version = self.sheets.apply(ref, snapshot, changes)
        if META_CLOSED in changes.meta:  # closed or reopened: the listing says so without a read
            self._tag_closed(ref, changes.meta[META_CLOSED])
            return ""  # the tag moved Drive's version past the write's: the next night reads the plan
        return version

    def _tag_closed(self, ref: PlanRef, closed: str) -> None:
        """Set (or, reopened, remove) the plan's ``mapws_closed`` appProperty."""
        item = self.calls.execute(
            "mark the plan closed in Drive" if closed else "mark the plan open again in Drive",
            lambda: self.calls.drive.files().update(
                fileId=ref.id, body={"appProperties": tags({CLOSED_TAG: closed}) if closed else {CLOSED_TAG: None}},
                supportsAllDrives=True, fields=FILE_FIELDS),
            file=ref.id)
        known = self.listing.files.get(ref.id)
        if known is not None and isinstance(item, dict):
            known["appProperties"] = item.get("appProperties") or {}
        self._versions.reread(ref.id)

    def version(self, ref: PlanRef) -> str:
        return self._versions.of(ref)

    def unchanged_since(self, stored: str, ref: PlanRef) -> bool:
        """Drive's version moved by the product's own write alone counts as unchanged (versions.py)."""
        return self._versions.unchanged_since(stored, ref.version, self.listing.files.get(ref.id))

    def write_summary(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool, keep: bool = False) -> SummaryResult:
        return self.summaries.write(ref, doc, pdf=pdf, keep=keep)

    # --- capabilities ---------------------------------------------------------------------------

    def publisher(self) -> GooglePlanStore:
        return self

    def sharer(self) -> GooglePlanStore:
        return self

    def owners(self) -> GooglePlanStore:
        return self

    def state_host(self) -> GooglePlanStore:
        return self

    def open_state(self, shard_index: int, shard_count: int) -> StateStore:
        """``--state drive``: the shard's state file beside the plans, reached as the same identity."""
        from map_workspace.backends.google.drive_state import DriveStateStore, shard_label

        return DriveStateStore.for_store(self, shard_label(shard_index, shard_count))

    def publish_template(self, name: str, snapshot: Snapshot) -> PlanRef:
        """Create the template spreadsheet in Drive (so drive.file keeps seeing it, and people can
        brand it by hand): the contract's tabs, headers, formats and rules, with no deal in it."""
        return self.maker.template(name, snapshot)

    def share(self, ref: PlanRef, emails: Sequence[str], *, role: str = "writer", message: str = "",
              dry_run: bool = False) -> tuple[str, ...]:
        """Give each person access as a Drive user (never "anyone" or a domain), with Drive's
        notification email and ``message``. People who already hold that role are skipped."""
        return self.permissions.share(ref.id, emails, role=role, message=message, dry_run=dry_run)

    def owner_of(self, ref: PlanRef) -> str:
        """The plan's owner as the listing named it ("" when unknown, e.g. on a Shared Drive)."""
        return self.listing.owner_of(ref)
