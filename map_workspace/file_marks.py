"""What a plan file says about itself outside its cells (its title, the closed mark), for the
code that lists plans without reading them: ``mapws list`` and every night look at each file in the
folder, and need none of the contract's tabs and columns (:mod:`map_workspace.layout`, which
re-exports these names) to do it."""

from __future__ import annotations

#: Meta key of a closed plan (``mapws close``): its outcome and the day it closed, "won 2027-03-31"
#: ("" once reopened). Backends also show it where their listing reads it for free (a workbook's
#: ``mapws.closed`` document property, a Drive ``mapws_closed`` appProperty).
META_CLOSED = "closed"

#: Overview: a title row, then one row per field: label in column A, value in column B.
OVERVIEW_TITLE = "Mutual Action Plan"


def deal_from_file_title(title: str) -> str:
    """The deal name in a plan file's title, as ``create`` names the file ("Acme rollout — Mutual
    Action Plan" → "Acme rollout", in any plan language); a title named otherwise is returned as it is."""
    title = title.strip()
    if title == OVERVIEW_TITLE:  # English first: listing English plans then reads no catalog
        return ""
    if title.endswith(f" — {OVERVIEW_TITLE}"):
        return title[: -len(OVERVIEW_TITLE) - 3].strip()
    from map_workspace import catalog  # here: only a title in another language needs the catalogs

    for name in catalog.in_every_language("sheet.overview.title"):
        suffix = f" — {name}"
        if title == name:
            return ""
        if title.endswith(suffix):
            return title[: -len(suffix)].strip()
    return title
