"""Sharing in Drive: each person a ``user`` permission (never "anyone" or a domain), addresses
checked against the allow-list of domains first, and people who already hold the role skipped —
known from what the lookup brought back about the file, so a repeated share costs nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.retry import describe_failure
from map_workspace.errors import MapwsError, UsageError
from map_workspace.sharing import check_allowed_recipients, normalise_domains

SHARE_ROLES = ("writer", "commenter")
#: The summary is rebuilt on every run, so the people of the plan may read it but not edit it.
SUMMARY_ROLE = "reader"
PERMISSION_FIELDS = "permissions(type,role,emailAddress)"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_RANK = {"reader": 0, "commenter": 1, "writer": 2, "fileOrganizer": 3, "organizer": 4, "owner": 5}


def distinct(emails: Sequence[str]) -> list[str]:
    """Each address once (the first spelling kept), blanks dropped."""
    seen: set[str] = set()
    out = []
    for email in emails:
        email = (email or "").strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            out.append(email)
    return out


def holders(item: dict[str, Any] | None) -> dict[str, str]:
    """Address → role of the people a file is known to be shared with (empty when unknown)."""
    return {str(p["emailAddress"]).lower(): str(p.get("role", "")) for p in (item or {}).get("permissions") or []
            if p.get("type") == "user" and p.get("emailAddress")}


def needs_notification(exc: MapwsError) -> bool:
    """Drive refused a share without the notification email: the address has no Google account."""
    failure = describe_failure(exc.__cause__) if exc.__cause__ is not None else None
    return failure is not None and failure.status == 400 and (
        failure.reason == "invalidSharingRequest" or "notify people" in failure.message.lower())


def holds(current: str | None, role: str) -> bool:
    return current is not None and _RANK.get(current, -1) >= _RANK.get(role, 0)


class Permissions:
    """Who may open which file. ``files`` is the lookups' record of each file (plan_index.py):
    its ``permissions`` say who holds it already, and each new permission is added to it."""

    def __init__(self, calls: GoogleCalls, files: dict[str, dict[str, Any]], *,
                 allowed_domains: Sequence[str] = ()) -> None:
        self.calls = calls
        self.files = files
        #: Domains people may be shared with (``--allow-domain``); empty allows every address.
        self.allowed_domains = normalise_domains(allowed_domains, setting="allowed_domains")

    def check_recipients(self, emails: Sequence[str]) -> None:
        """Refuse what is not a person's address, and (when an allow-list of domains is set)
        addresses outside it."""
        bad = [e for e in emails if not _EMAIL.fullmatch(e)]
        if bad:
            raise UsageError(f"Not an email address: {', '.join(bad)}.",
                             "Share with people by address: name@company.com.")
        check_allowed_recipients(emails, self.allowed_domains)

    def share(self, file_id: str, emails: Sequence[str], *, role: str, message: str = "", dry_run: bool = False,
              notify: bool = True) -> tuple[str, ...]:
        """One ``permissions.create`` per person who does not hold ``role`` yet (none with ``dry_run``);
        returns who was (or would be) added.

        Without ``notify`` nobody is emailed — except people whose address has no Google account:
        Drive refuses to share with them silently (400 ``invalidSharingRequest``, "you must check the
        'Notify people' box"), so they are shared with again, with the notification and ``message``."""
        if role not in SHARE_ROLES + (SUMMARY_ROLE,):
            raise UsageError(f"Unknown sharing role '{role}'.", "Share as writer (the default) or commenter.")
        people = distinct(emails)
        self.check_recipients(people)
        current = holders(self.files.get(file_id))
        people = [e for e in people if not holds(current.get(e.lower()), role)]
        if dry_run:
            return tuple(people)
        for email in people:
            try:
                self._create(file_id, email, role, message, notify)
            except MapwsError as exc:
                if notify or not needs_notification(exc):
                    raise
                self._create(file_id, email, role, message, True)
            if file_id in self.files:
                self.files[file_id].setdefault("permissions", []).append(
                    {"type": "user", "role": role, "emailAddress": email})
        return tuple(people)

    def _create(self, file_id: str, email: str, role: str, message: str, notify: bool) -> None:
        params: dict[str, Any] = {
            "fileId": file_id, "body": {"type": "user", "role": role, "emailAddress": email},
            "sendNotificationEmail": notify, "supportsAllDrives": True, "fields": "id,type,role,emailAddress",
        }
        if notify and message:
            params["emailMessage"] = message
        self.calls.execute(f"share it with {email}", lambda: self.calls.drive.permissions().create(**params), file_id)

    def people_of(self, file_id: str) -> list[str]:
        """The people a file is shared with (owners and mapws's own identity aside); one
        ``permissions.list`` only when the lookup did not bring them (Shared Drive files do not)."""
        item = self.files.get(file_id)
        if item is None or "permissions" not in item:
            calls = self.calls
            listed = calls.execute("list who has the plan", lambda: calls.drive.permissions().list(
                fileId=file_id, supportsAllDrives=True, fields=PERMISSION_FIELDS), file_id)
            item = {**(item or {}), "permissions": listed.get("permissions") or []}
            self.files[file_id] = item if "id" in item else {**item, "id": file_id}
        me = self.calls.principal.lower()
        return [p["emailAddress"] for p in item.get("permissions") or []
                if p.get("type") == "user" and p.get("role") != "owner" and p.get("emailAddress")
                and p["emailAddress"].lower() != me]
