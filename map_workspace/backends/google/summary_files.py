"""Each plan's summary as a Google Doc beside it: found with the plan (the same Drive lookup by
slug) or by one ``files.list``, created through Drive (so service accounts can too) and written with
one ``documents.batchUpdate``; later runs rebuild it in place after one ``documents.get``. A retried
write reads the document again and replaces its whole body, so a write that landed before its answer
was lost is never doubled. The plan's people may read it (never edit: it is rebuilt every run), and
``--pdf`` exports it through Drive."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.docs_summary import DOCUMENT_MIME, rebuild_requests, summary_requests
from map_workspace.backends.google.drive_files import FILE_FIELDS, app_property_query, docs_url, tags
from map_workspace.backends.google.permissions import SUMMARY_ROLE, Permissions
from map_workspace.backends.google.plan_index import PlanIndex
from map_workspace.backends.google.recent import still_there
from map_workspace.errors import PlanNotFound, discard, file_error
from map_workspace.ports import PlanRef, SummaryResult
from map_workspace.summary import SummaryDoc


def summary_notice(title: str) -> str:
    """What people whose address has no Google account read when Drive insists on emailing them
    about the summary (everyone else is shared with silently)."""
    return (f"The one-page summary of {title}: where the plan stands, the next two weeks and what needs "
            "attention. It is rebuilt from the plan after every update, so make changes in the plan itself.")


class SummaryDocuments:
    """The summary documents of the plans ``index`` found, shared through ``permissions``."""

    def __init__(self, calls: GoogleCalls, index: PlanIndex, permissions: Permissions, *,
                 pdf_dir: Path | None = None) -> None:
        self.calls = calls
        self.index = index
        self.permissions = permissions
        #: Where ``--pdf`` exports go (the working folder unless given).
        self.pdf_dir = pdf_dir

    def write(self, ref: PlanRef, doc: SummaryDoc, *, pdf: bool) -> SummaryResult:
        """One Google Doc per plan, beside it, rebuilt in place on later runs and shared (read-only)
        with the plan's people; ``pdf`` exports it through Drive into ``pdf_dir``. A document of
        another kind (a check-in's agenda) is a new Doc of its own beside the plan, every time."""
        summaries = self.index.summaries
        if doc.kind != "summary":
            existing = None
        elif ref.id in summaries:
            existing = summaries[ref.id]
        else:
            found = self.index.query("look up the plan's summary", app_property_query("mapws_plan", ref.id),
                                     page_size=10)
            existing = found[0] if found else None
        # Drive's search lags creates: a summary made moments ago is asked for by ID.
        if existing is None and doc.kind == "summary":
            made = still_there(self.calls, self.index.recent, f"summary:{ref.id}", FILE_FIELDS,
                               lambda item: (item.get("appProperties") or {}).get("mapws_plan") == ref.id)
            existing = made[0] if made else None
        document = None
        if existing is not None:
            document = self._rebuild(existing, doc)
        if document is None:
            document = self._new(ref, doc)
        if doc.kind == "summary":
            summaries[ref.id] = document
        people = self.permissions.people_of(ref.id)
        if people:
            self.permissions.share(document["id"], people, role=SUMMARY_ROLE, notify=False,
                                   message=summary_notice(doc.title))
        pdf_path, problem = None, None
        if pdf:
            try:
                pdf_path = self._export_pdf(document["id"], ref.slug or document["id"])
            except OSError as exc:  # the Doc is written; the PDF's folder refused it
                problem = file_error(exc, self._pdf_path(ref.slug or document["id"]), doing="write")
        return SummaryResult(document=document["id"], url=document.get("webViewLink") or docs_url(document["id"]),
                             pdf=pdf_path, pdf_problem=problem)

    def _rebuild(self, item: dict[str, Any], doc: SummaryDoc) -> dict[str, Any] | None:
        """Rewrite an existing summary in place; None when it is gone (then a new one is made)."""
        try:
            current = self._read(item["id"])
        except PlanNotFound:
            return None
        self._write(item["id"], doc, current)
        self.index.files[item["id"]] = item
        return item

    def _new(self, ref: PlanRef, doc: SummaryDoc) -> dict[str, Any]:
        calls = self.calls
        plan = self.index.files.get(ref.id) or {}
        parents = plan.get("parents") or ([self.index.folder] if self.index.folder else None)
        summary = doc.kind == "summary"
        body: dict[str, Any] = {
            "name": f"{doc.title} (summary)" if summary else doc.title, "mimeType": DOCUMENT_MIME,
            # Only the summary is tagged as the plan's summary: other documents are never rebuilt.
            "appProperties": tags({"mapws": "summary", "mapws_plan": ref.id, "mapws_deal": ref.slug} if summary
                                  else {"mapws": doc.kind[:40], "mapws_of_plan": ref.id}),
        }
        if parents:
            body["parents"] = parents[:1]
        item = calls.execute("create the summary document", lambda: calls.drive.files().create(
            body=body, supportsAllDrives=True, fields=FILE_FIELDS), ref.id)
        if summary:
            self.index.created(f"summary:{ref.id}", item)
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

    def _pdf_path(self, slug: str) -> Path:
        return (self.pdf_dir or Path.cwd()).resolve() / f"{slug}-summary.pdf"

    def _export_pdf(self, document_id: str, slug: str) -> str:
        calls = self.calls
        data = calls.execute("export the summary as PDF", lambda: calls.drive.files().export_media(
            fileId=document_id, mimeType="application/pdf"), document_id)
        path = self._pdf_path(slug)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            temp.write_bytes(data)
            os.replace(temp, path)
        finally:
            discard(temp)
        return str(path)
