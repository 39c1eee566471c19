"""Each plan's summaries as Google Docs beside it: found with the plan (the same Drive lookup by
slug) or by one ``files.list``, created through Drive (so service accounts can too) and written with
one ``documents.batchUpdate``; later runs rebuild them in place after one ``documents.get``. A retried
write reads the document again and replaces its whole body, so a write that landed before its answer
was lost is never doubled. The plan's people may read them (never edit: they are rebuilt every run),
and ``--pdf`` exports through Drive.

The full and the light summary are two Docs. Each is rebuilt in place rather than made anew, so the
link the rep sent always opens the latest one, and Docs' version history keeps the earlier runs;
``--keep`` adds a dated copy (Drive ``files.copy``), which is never taken for the live summary."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from map_workspace import catalog
from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.docs_summary import DOCUMENT_MIME, rebuild_requests, summary_requests
from map_workspace.backends.google.drive_files import FILE_FIELDS, app_property_query, docs_url, tags
from map_workspace.backends.google.permissions import SUMMARY_ROLE, Permissions
from map_workspace.backends.google.plan_index import SUMMARY_KINDS, PlanIndex, summary_kind
from map_workspace.backends.google.recent import still_there
from map_workspace.errors import PlanNotFound, discard, file_error
from map_workspace.ports import PlanRef, SummaryResult
from map_workspace.summary import SummaryDoc, summary_name


def summary_notice(title: str, lang: str = catalog.DEFAULT) -> str:
    """What people whose address has no Google account read when Drive insists on emailing them
    about the summary (everyone else is shared with silently), in the plan's language."""
    return catalog.words(lang)("plan.share.summary_notice", title=title)


class SummaryDocuments:
    """The summary documents of the plans ``index`` found, shared through ``permissions``."""

    def __init__(self, calls: GoogleCalls, index: PlanIndex, permissions: Permissions, *,
                 pdf_dir: Path | None = None) -> None:
        self.calls = calls
        self.index = index
        self.permissions = permissions
        #: Where ``--pdf`` exports go (the working folder unless given).
        self.pdf_dir = pdf_dir

    def write(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool, keep: bool = False) -> SummaryResult:
        """One Google Doc per plan and kind (full, light), beside it, rebuilt in place on later runs
        and shared (read-only) with the plan's people; ``pdf`` exports it through Drive into
        ``pdf_dir``; ``keep`` adds a dated copy of it, shared the same way."""
        kind = ("light" if doc.light else "full") if doc.kind == "summary" else doc.kind
        summaries = self.index.summaries
        if kind not in SUMMARY_KINDS:  # a check-in's agenda: a Doc of its own, named after its day
            existing = None
        elif (ref.id, kind) in summaries:
            existing = summaries[(ref.id, kind)]
        else:
            found = self.index.query("look up the plan's summary", app_property_query("mapws_plan", ref.id),
                                     page_size=10)
            existing = next((f for f in found if summary_kind(f) == kind), None)
        # Drive's search lags creates: a summary made moments ago is asked for by ID.
        if existing is None and kind in SUMMARY_KINDS:
            made = still_there(self.calls, self.index.recent, f"summary:{ref.id}:{kind}", FILE_FIELDS,
                               lambda item: summary_kind(item) == kind
                               and (item.get("appProperties") or {}).get("mapws_plan") == ref.id)
            existing = made[0] if made else None
        document = None
        if existing is not None:
            document = self._rebuild(existing, doc)
        if document is None:
            document = self._new(ref, doc, kind)
        summaries[(ref.id, kind)] = document
        people = self.permissions.people_of(ref.id)
        if people:
            self.permissions.share(document["id"], people, role=SUMMARY_ROLE, notify=False,
                                   message=summary_notice(doc.title, doc.lang))
        stem = summary_name(ref.slug or document["id"], doc)
        pdf_path, problem = None, None
        kept: tuple[str, ...] = ()
        try:
            pdf_path = self._export_pdf(document["id"], stem) if pdf else None
            if keep:
                copy = self._dated_copy(ref, doc, kind, document["id"])
                if people:
                    self.permissions.share(copy["id"], people, role=SUMMARY_ROLE, notify=False,
                                           message=summary_notice(doc.title, doc.lang))
                kept = (copy.get("webViewLink") or docs_url(copy["id"]),)
                if pdf_path is not None:
                    dated = summary_name(ref.slug or document["id"], doc, dated=True)
                    kept += (self._export_pdf(copy["id"], dated),)
        except OSError as exc:  # the Doc is written; the PDF's folder refused it
            problem = file_error(exc, self._pdf_path(stem), doing="write")
        return SummaryResult(document=document["id"], url=document.get("webViewLink") or docs_url(document["id"]),
                             pdf=pdf_path, pdf_problem=problem, kept=kept)

    def _dated_copy(self, ref: PlanRef, doc: SummaryDoc, kind: str, document_id: str) -> dict[str, Any]:
        """A copy of the summary just written, named after its day and tagged so that no lookup
        takes it for the live summary."""
        calls = self.calls
        body = {"name": f"{doc.title} ({_label(kind)} {doc.as_of})".replace("  ", " "),
                "appProperties": tags({"mapws": "summary-copy", "mapws_plan": ref.id, "mapws_deal": ref.slug,
                                       "mapws_summary": kind})}
        item = calls.execute("keep a dated copy of the summary", lambda: calls.drive.files().copy(
            fileId=document_id, body=body, supportsAllDrives=True, fields=FILE_FIELDS), document_id)
        self.index.files[item["id"]] = item
        return item

    def _rebuild(self, item: dict[str, Any], doc: SummaryDoc) -> dict[str, Any] | None:
        """Rewrite an existing summary in place; None when it is gone (then a new one is made)."""
        try:
            current = self._read(item["id"])
        except PlanNotFound:
            return None
        self._write(item["id"], doc, current)
        self.index.files[item["id"]] = item
        return item

    def _new(self, ref: PlanRef, doc: SummaryDoc, kind: str) -> dict[str, Any]:
        calls = self.calls
        plan = self.index.files.get(ref.id) or {}
        parents = plan.get("parents") or ([self.index.folder] if self.index.folder else None)
        body: dict[str, Any] = {
            "name": f"{doc.title} ({_label(kind)})", "mimeType": DOCUMENT_MIME,
            # Only a live summary is tagged "summary": an agenda is never looked up and rebuilt.
            "appProperties": tags({"mapws": "summary" if kind in SUMMARY_KINDS else "agenda", "mapws_plan": ref.id,
                                   "mapws_deal": ref.slug, "mapws_summary": kind}),
        }
        if parents:
            body["parents"] = parents[:1]
        item = calls.execute("create the summary document", lambda: calls.drive.files().create(
            body=body, supportsAllDrives=True, fields=FILE_FIELDS), ref.id)
        self.index.created(f"summary:{ref.id}:{kind}", item)
        self._write(item["id"], doc, None)
        self.index.files[item["id"]] = item
        return item

    def _read(self, document_id: str) -> dict[str, Any]:
        calls = self.calls
        return calls.execute("read the summary document", lambda: calls.docs.documents().get(
            documentId=document_id, fields="revisionId,body(content(endIndex))"), document_id)

    def _write(self, document_id: str, doc: SummaryDoc, current: dict[str, Any] | None) -> None:
        """One ``documents.batchUpdate`` that makes the document hold ``doc`` and nothing else.

        ``current`` is what a read just said (its end index and ``revisionId``: the whole body is
        replaced, only while the document is still at that revision); None for a document just
        created, which is known to be empty, so the first attempt needs no read. A failed attempt
        may still have landed (a 5xx or a timeout after Docs applied it), so every retry reads the
        document again and replaces whatever is there: a retry never adds a second copy."""
        calls = self.calls
        attempts = 0

        def write() -> Any:
            nonlocal attempts
            attempts += 1
            known = current if attempts == 1 else calls.docs.documents().get(
                documentId=document_id, fields="revisionId,body(content(endIndex))").execute(num_retries=0)
            if known is None:
                body: dict[str, Any] = {"requests": summary_requests(doc)}
            else:
                content = (known.get("body") or {}).get("content") or []
                end = max((int(c.get("endIndex") or 0) for c in content), default=2)
                body = {"requests": rebuild_requests(doc, end)}
                if known.get("revisionId"):
                    body["writeControl"] = {"requiredRevisionId": known["revisionId"]}
            return calls.docs.documents().batchUpdate(documentId=document_id, body=body).execute(num_retries=0)

        calls.call("write the summary document", write, document_id)

    def _pdf_path(self, stem: str) -> Path:
        return (self.pdf_dir or Path.cwd()).resolve() / f"{stem}.pdf"

    def _export_pdf(self, document_id: str, stem: str) -> str:
        calls = self.calls
        data = calls.execute("export the summary as PDF", lambda: calls.drive.files().export_media(
            fileId=document_id, mimeType="application/pdf"), document_id)
        path = self._pdf_path(stem)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            temp.write_bytes(data)
            os.replace(temp, path)
        finally:
            discard(temp)
        return str(path)


def _label(kind: str) -> str:
    """How a Doc's name says which summary it is: "summary", "light summary"."""
    if kind in SUMMARY_KINDS:
        return "light summary" if kind == "light" else "summary"
    return "agenda"
