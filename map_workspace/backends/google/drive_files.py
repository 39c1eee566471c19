"""What mapws asks Drive about a file, how it queries Drive by ``appProperties``, and the one paged
``files.list`` every lookup uses (plans, summaries, the nightly state file)."""

from __future__ import annotations

from typing import Any

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.errors import UsageError

#: What mapws keeps of a Drive file: enough to address it, share like it, and detect changes.
FILE_FIELDS = ("id,name,mimeType,webViewLink,version,parents,appProperties,permissions(type,role,emailAddress),"
               "lastModifyingUser(displayName,emailAddress,me),modifiedTime")
#: The listing also names each file's owner, so that ``--impersonate-owners`` can act as them, and
#: when it changed last (with who, in FILE_FIELDS), so that the product's own write is told from an
#: edit (versions.py).
LIST_FIELDS = f"nextPageToken,files({FILE_FIELDS},owners(emailAddress))"
#: The appProperty of a closed plan (``mapws close``): its outcome and day, as the plan's meta says
#: it, so listing the plans tells which are closed without reading them.
CLOSED_TAG = "mapws_closed"
#: Drive's largest page: listing costs one call per 1,000 files.
MAX_PAGE_SIZE = 1000


def sheets_url(spreadsheet_id: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


def docs_url(document_id: str) -> str:
    return f"https://docs.google.com/document/d/{document_id}/edit"


def quote_q(value: str) -> str:
    """A value inside single quotes in a Drive query."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


#: Drive's limits on ``appProperties``: key and value together at most 124 bytes in UTF-8, and at
#: most 30 properties from one app on a file.
PROPERTY_BYTES = 124
PROPERTIES_PER_APP = 30


def tags(properties: dict[str, str]) -> dict[str, str]:
    """``properties`` as they go into ``appProperties``, checked against Drive's limits first, so a
    value that cannot be tagged is refused with a clear message before any file exists (deal slugs
    are cut to fit: app.slugify)."""
    for key, value in properties.items():
        if len(key.encode()) + len(value.encode()) > PROPERTY_BYTES:
            raise UsageError(f"'{value}' is too long for Google Drive to tag a file with (a tag and its value "
                             f"may take {PROPERTY_BYTES} bytes in UTF-8).", "Use a shorter name.")
    if len(properties) > PROPERTIES_PER_APP:  # mapws sets at most four: a bug if ever met
        raise ValueError(f"Drive keeps at most {PROPERTIES_PER_APP} appProperties per app on a file")
    return properties


def app_property_query(key: str, value: str) -> str:
    return f"appProperties has {{ key='{quote_q(key)}' and value='{quote_q(value)}' }} and trashed=false"


def list_files(calls: GoogleCalls, action: str, query: str, *, page_size: int = MAX_PAGE_SIZE,
               all_drives: bool = False) -> list[dict[str, Any]]:
    """Every file ``query`` matches, one ``files.list`` per page (Shared Drives included with
    ``all_drives``, as when plans live in a configured folder)."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    params: dict[str, Any] = {"q": query, "pageSize": page_size, "fields": LIST_FIELDS,
                              "supportsAllDrives": True, "includeItemsFromAllDrives": True}
    if all_drives:
        params["corpora"] = "allDrives"
    while True:
        page_params = dict(params, pageToken=token) if token else params

        def request(p: dict[str, Any] = page_params) -> Any:
            return calls.drive.files().list(**p)

        page = calls.execute(action, request)
        found += page.get("files") or []
        token = page.get("nextPageToken")
        if not token:
            return found
