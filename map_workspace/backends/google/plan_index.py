"""Finding plans in Drive: listing them, locating one by URL, spreadsheet ID or deal slug (the
``appProperties`` mapws tags its files with), and remembering what each lookup said about each file
— its version, its owner, who it is shared with, and the plan's summary document — so that later
steps need no call of their own."""

from __future__ import annotations

import re
from typing import Any

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.drive_files import (
    CLOSED_TAG,
    FILE_FIELDS,
    MAX_PAGE_SIZE,
    app_property_query,
    list_files,
    sheets_url,
)
from map_workspace.backends.google.recent import recent_for, still_there
from map_workspace.backends.google.sheets_io import SPREADSHEET_MIME
from map_workspace.backends.google.versions import PlanVersions
from map_workspace.errors import PlanNotFound
from map_workspace.layout import deal_from_file_title
from map_workspace.ports import PlanRef

_SHEETS_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{20,}")
_SLUG_SHAPED = re.compile(r"[a-z0-9-]+")


#: The kinds of summary a plan has, each its own Doc (``appProperties.mapws_summary``; a Doc
#: made before light ones had their own is the full one).
SUMMARY_KINDS = ("full", "light")


def is_plan(item: dict[str, Any]) -> bool:
    return (item.get("appProperties") or {}).get("mapws") == "plan"


def summary_kind(item: dict[str, Any]) -> str | None:
    """"full" or "light" for a plan's live summary Doc; None for anything else (a dated copy too)."""
    props = item.get("appProperties") or {}
    if props.get("mapws") != "summary" or not props.get("mapws_plan"):
        return None
    kind = props.get("mapws_summary") or "full"
    return kind if kind in SUMMARY_KINDS else None


class PlanIndex:
    """The plans one identity can see in Drive (in ``folder``'s Shared Drive too, when one is set)."""

    def __init__(self, calls: GoogleCalls, versions: PlanVersions, *, folder: str = "") -> None:
        self.calls = calls
        self.versions = versions
        self.folder = folder
        #: Files per page of the plan listing (Drive's largest: one call per 1,000 plans).
        self.page_size = MAX_PAGE_SIZE
        #: What Drive last said about each file mapws met, by ID.
        self.files: dict[str, dict[str, Any]] = {}
        #: Each plan's summary documents by (plan ID, kind), for the plans whose summary lookup is
        #: done (None: there is none).
        self.summaries: dict[tuple[str, str], dict[str, Any] | None] = {}
        #: Files this machine created lately (Drive's search lags creates: recent.py).
        self.recent = recent_for(calls)

    def query(self, action: str, query: str, page_size: int | None = None) -> list[dict[str, Any]]:
        return list_files(self.calls, action, query, page_size=page_size or self.page_size,
                          all_drives=bool(self.folder))

    def remember(self, item: dict[str, Any]) -> PlanRef:
        self.files[item["id"]] = item
        if item.get("version"):
            self.versions.seen(item["id"], str(item["version"]))
        props = item.get("appProperties") or {}
        return PlanRef(id=item["id"], url=item.get("webViewLink") or sheets_url(item["id"]),
                       slug=props.get("mapws_deal", ""), title=deal_from_file_title(item.get("name", "")),
                       version=str(item.get("version") or ""), closed=props.get(CLOSED_TAG, ""),
                       edited_at=self.last_change(item["id"]), edited_by=self.last_editor(item["id"]))

    def find_by_slug(self, slug: str) -> list[dict[str, Any]]:
        """Plans and summaries tagged with this deal slug, in one Drive call; summaries found here
        are remembered so that the summary needs no lookup of its own."""
        items = self.query(f"look up the plan '{slug}'", app_property_query("mapws_deal", slug), page_size=100)
        for item in items:
            if is_plan(item):
                for kind in SUMMARY_KINDS:
                    self.summaries.setdefault((item["id"], kind), None)
        for item in items:
            summary = summary_kind(item)
            if summary is not None:
                self.summaries[((item.get("appProperties") or {})["mapws_plan"], summary)] = item
        return items

    def plans_tagged(self, slug: str) -> list[dict[str, Any]]:
        """The plans tagged ``slug``: Drive's search, else (it lags creates) the plans this machine
        created with that slug lately, asked for by ID."""
        plans = [f for f in self.find_by_slug(slug) if is_plan(f)]
        if not plans:
            plans = still_there(self.calls, self.recent, f"plan:{slug}", FILE_FIELDS, lambda item: is_plan(item) and (
                item.get("appProperties") or {}).get("mapws_deal") == slug)
        return plans

    def created(self, key: str, item: dict[str, Any]) -> None:
        """A file just created, kept for the lookups Drive's search does not answer yet."""
        self.recent.add(key, item["id"])

    def locate(self, plan: str) -> PlanRef:
        """A Sheets URL, a spreadsheet ID or a deal slug."""
        text = plan.strip()
        match = _SHEETS_URL.search(text)
        if match:
            return self.by_id(match[1])
        if _FILE_ID.fullmatch(text) and not _SLUG_SHAPED.fullmatch(text):
            return self.by_id(text)
        plans = self.plans_tagged(text)
        if len(plans) == 1:
            return self.remember(plans[0])
        if len(plans) > 1:
            raise PlanNotFound(f"Several plans in Google Drive are tagged '{text}'.",
                               "Pass one by spreadsheet ID: " + ", ".join(p["id"] for p in plans))
        if _FILE_ID.fullmatch(text):
            return self.by_id(text)
        who = self.calls.who()
        raise PlanNotFound(f"No plan '{text}' among the Google Drive files {who} can see.",
                           "Run 'mapws list' to see the plans, or pass the spreadsheet's ID or URL "
                           f"(and share it with {who} if someone else created it).")

    def by_id(self, file_id: str) -> PlanRef:
        calls = self.calls
        item = calls.execute("find the plan", lambda: calls.drive.files().get(
            fileId=file_id, supportsAllDrives=True, fields=FILE_FIELDS), file_id)
        if item.get("mimeType") and item["mimeType"] != SPREADSHEET_MIME:
            raise PlanNotFound(f"{item.get('name', file_id)} ({file_id}) is not a Google Sheet.",
                               "Pass the ID or URL of the plan's spreadsheet.")
        return self.remember(item)

    def list_plans(self) -> list[PlanRef]:
        """Every plan this identity can see, one Drive call per page; each file's ``version`` is
        kept in ``versions``."""
        items = self.query("list the plans", app_property_query("mapws", "plan"))
        return sorted((self.remember(item) for item in items), key=lambda r: (r.slug, r.id))

    def last_editor(self, file_id: str) -> str:
        """Who last changed the file, as the last Drive lookup said ("Dana Tanaka <dana@acme.com>"),
        "" when it did not say."""
        user = (self.files.get(file_id) or {}).get("lastModifyingUser") or {}
        name, email = str(user.get("displayName") or "").strip(), str(user.get("emailAddress") or "").strip()
        if name and email and name != email:
            return f"{name} <{email}>"
        return name or email

    def last_change(self, file_id: str) -> str:
        """When the file last changed (Drive's ``modifiedTime``, from the last lookup), when that
        change was not made by this identity (``me``: mapws, or the rep it signs in as) nor by the
        file's owner (the seller whose plan it is); "" otherwise or when unknown."""
        item = self.files.get(file_id) or {}
        user = item.get("lastModifyingUser") or {}
        if not user or user.get("me"):
            return ""
        owners = {str(o.get("emailAddress") or "").lower() for o in item.get("owners") or []}
        if str(user.get("emailAddress") or "").lower() in owners - {""}:
            return ""
        return str(item.get("modifiedTime") or "")

    def owner_of(self, ref: PlanRef) -> str:
        """The plan's owner as the listing named it ("" when unknown, e.g. on a Shared Drive)."""
        owners = (self.files.get(ref.id) or {}).get("owners") or []
        return str(owners[0].get("emailAddress") or "") if owners else ""
