"""Drive files: metadata, appProperties per OAuth client, permissions, versions, the changes feed, `q`."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DOCUMENT_MIME = "application/vnd.google-apps.document"
FOLDER_MIME = "application/vnd.google-apps.folder"
GOOGLE_MIME_PREFIX = "application/vnd.google-apps."


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def permission_id_for(identity: str) -> str:
    """Drive permission IDs for a user are stable numbers derived from the account."""
    digest = hashlib.sha256(identity.lower().encode()).hexdigest()
    return str(int(digest[:16], 16))[:20].rjust(20, "0")


@dataclass
class Permission:
    permission_id: str
    type: str
    role: str
    email_address: str | None = None
    domain: str | None = None
    allow_file_discovery: bool | None = None

    def resource(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "drive#permission",
            "id": self.permission_id,
            "type": self.type,
            "role": self.role,
        }
        if self.email_address:
            out["emailAddress"] = self.email_address
            out["displayName"] = self.email_address.split("@")[0]
        if self.domain:
            out["domain"] = self.domain
        if self.allow_file_discovery is not None:
            out["allowFileDiscovery"] = self.allow_file_discovery
        out["deleted"] = False
        out["pendingOwner"] = False
        return out


@dataclass
class DriveFile:
    file_id: str
    name: str
    mime_type: str
    owner: str
    created_by_client: str
    created_time: dt.datetime
    modified_time: dt.datetime
    parents: list[str] = field(default_factory=list)
    app_properties: dict[str, dict[str, str]] = field(default_factory=dict)  # client -> properties
    properties: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    starred: bool = False
    trashed: bool = False
    version: int = 1
    content: bytes = b""
    permissions: list[Permission] = field(default_factory=list)
    app_clients: set[str] = field(default_factory=set)  # OAuth clients granted drive.file access
    last_modifying_user: str | None = None
    drive_id: str | None = None  # the Shared Drive the file lives in (None: someone's My Drive)

    def touch(self, now: dt.datetime, who: str | None = None, step: int = 1) -> None:
        self.version += step
        self.modified_time = max(now, self.modified_time + dt.timedelta(milliseconds=1))
        if who:
            self.last_modifying_user = who


#: Drive's documented limits on appProperties: key + value at most 124 bytes in UTF-8, and at most
#: 30 private properties per file from any one application.
PROPERTY_BYTES = 124
APP_PROPERTIES_PER_APP = 30
#: Shared Drive roles from least to most (Drive's UI: Viewer, Commenter, Contributor, Content
#: manager, Manager).
SHARED_DRIVE_ROLES = ("reader", "commenter", "writer", "fileOrganizer", "organizer")


@dataclass
class SharedDrive:
    """A Shared Drive: files in it belong to the drive, and what a member may do is its role."""

    drive_id: str
    name: str
    members: dict[str, str] = field(default_factory=dict)  # lower-cased email -> role


def role_rank(role: str | None) -> int:
    """Higher is more (None and unknown roles: -1)."""
    return SHARED_DRIVE_ROLES.index(role) if role in SHARED_DRIVE_ROLES else -1


def user_resource(identity: str, me: bool, name: str = "") -> dict[str, Any]:
    """A Drive User: ``displayName`` is the account's profile name (``name``, as Google shows it),
    or the address's local part for an account whose name was never given to the emulator."""
    return {
        "kind": "drive#user",
        "displayName": name or identity.split("@")[0],
        "me": me,
        "permissionId": permission_id_for(identity),
        "emailAddress": identity,
        "photoLink": "https://lh3.googleusercontent.com/a/default-user=s64",
    }


def file_resource(
    f: DriveFile,
    *,
    principal: str,
    client: str,
    can_edit: bool,
    is_owner: bool,
    api_base: str = "",
    drive_role: str | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The full v3 File resource (what `fields=*` returns); callers mask it. ``drive_role``: the
    caller's role on a Shared Drive file (its capabilities to trash and delete follow from it)."""
    out: dict[str, Any] = {
        "kind": "drive#file",
        "id": f.file_id,
        "name": f.name,
        "mimeType": f.mime_type,
        "starred": f.starred,
        "trashed": f.trashed,
        "explicitlyTrashed": f.trashed,
        "parents": list(f.parents),
        "spaces": ["drive"],
        "version": str(f.version),
        "webViewLink": _web_link(f),
        "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{f.mime_type}",
        "hasThumbnail": False,
        "thumbnailVersion": "0",
        "viewedByMe": is_owner,
        "createdTime": rfc3339(f.created_time),
        "modifiedTime": rfc3339(f.modified_time),
        "modifiedByMe": f.last_modifying_user == principal,
        "owners": [user_resource(f.owner, f.owner == principal, (names or {}).get(f.owner, ""))],
        "lastModifyingUser": user_resource(
            f.last_modifying_user or f.owner,
            (f.last_modifying_user or f.owner) == principal,
            (names or {}).get(f.last_modifying_user or f.owner, ""),
        ),
        "shared": any(p.role != "owner" for p in f.permissions),
        "ownedByMe": is_owner,
        "capabilities": {
            "canEdit": can_edit,
            "canComment": can_edit or any(p.role == "commenter" for p in f.permissions),
            "canCopy": True,
            "canDelete": is_owner,
            "canDownload": True,
            "canRename": can_edit,
            "canShare": can_edit,
            "canTrash": is_owner,
            "canReadRevisions": can_edit,
            "canAddChildren": f.mime_type == FOLDER_MIME and can_edit,
            "canListChildren": f.mime_type == FOLDER_MIME,
            "canRemoveChildren": f.mime_type == FOLDER_MIME and can_edit,
        },
        "viewersCanCopyContent": True,
        "copyRequiresWriterPermission": False,
        "writersCanShare": True,
        "permissionIds": [p.permission_id for p in f.permissions],
        "permissions": [p.resource() for p in f.permissions],
        "isAppAuthorized": f.created_by_client == client,
        "headRevisionId": str(f.version) if not f.mime_type.startswith(GOOGLE_MIME_PREFIX) else None,
        "quotaBytesUsed": str(len(f.content)),
    }
    if out["headRevisionId"] is None:
        out.pop("headRevisionId")
    if f.drive_id:
        # Shared Drive items have no owners and list no permissions; trashing needs a Content
        # manager, deleting a Manager (files.delete: "the user must be an organizer").
        out["driveId"] = f.drive_id
        for key in ("owners", "ownedByMe", "permissions"):
            out.pop(key)
        out["capabilities"]["canTrash"] = role_rank(drive_role) >= role_rank("fileOrganizer")
        out["capabilities"]["canDelete"] = drive_role == "organizer"
    app_properties = f.app_properties.get(client)
    if app_properties:
        out["appProperties"] = dict(app_properties)
    if f.properties:
        out["properties"] = dict(f.properties)
    if f.description:
        out["description"] = f.description
    if f.mime_type.startswith(GOOGLE_MIME_PREFIX) and f.mime_type != FOLDER_MIME:
        out["exportLinks"] = {
            mime: f"https://docs.google.com/feeds/download/export?id={f.file_id}&exportFormat={ext}"
            for mime, ext in EXPORT_LINK_FORMATS.get(f.mime_type, {}).items()
        }
    elif f.mime_type != FOLDER_MIME:
        out["size"] = str(len(f.content))
        out["md5Checksum"] = hashlib.md5(f.content).hexdigest()
        out["originalFilename"] = f.name
        out["fullFileExtension"] = f.name.rpartition(".")[2] if "." in f.name else ""
        out["fileExtension"] = out["fullFileExtension"]
    return out


def _web_link(f: DriveFile) -> str:
    if f.mime_type == SPREADSHEET_MIME:
        return f"https://docs.google.com/spreadsheets/d/{f.file_id}/edit?usp=drivesdk"
    if f.mime_type == DOCUMENT_MIME:
        return f"https://docs.google.com/document/d/{f.file_id}/edit?usp=drivesdk"
    if f.mime_type == FOLDER_MIME:
        return f"https://drive.google.com/drive/folders/{f.file_id}"
    return f"https://drive.google.com/file/d/{f.file_id}/view?usp=drivesdk"


EXPORT_LINK_FORMATS = {
    SPREADSHEET_MIME: {
        "application/x-vnd.oasis.opendocument.spreadsheet": "ods",
        "text/tab-separated-values": "tsv",
        "application/pdf": "pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
        "text/csv": "csv",
        "application/zip": "zip",
        "application/vnd.oasis.opendocument.spreadsheet": "ods",
    },
    DOCUMENT_MIME: {
        "application/rtf": "rtf",
        "application/vnd.oasis.opendocument.text": "odt",
        "text/html": "html",
        "application/pdf": "pdf",
        "text/x-markdown": "md",
        "text/markdown": "md",
        "application/epub+zip": "epub",
        "application/zip": "zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "text/plain": "txt",
    },
}

EXPORT_FORMATS = {
    SPREADSHEET_MIME: {
        "text/csv": "csv",
        "text/tab-separated-values": "tsv",
        "application/pdf": "pdf",
    },
    DOCUMENT_MIME: {
        "text/plain": "txt",
        "application/pdf": "pdf",
        "text/html": "html",
    },
}


# ---------------------------------------------------------------- the `q` language


class QueryError(Exception):
    pass


_Q_TOKEN = re.compile(
    r"""
    \s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<op>!=|<=|>=|=|<|>|\(|\)|\{|\})
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.X,
)


def _tokenize_q(text: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _Q_TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(text)
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


FileView = dict[str, Any]  # what a query sees of a file: name, mimeType, parents, appProperties...
Predicate = Callable[[FileView], bool]


class _QueryParser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise QueryError("unexpected end")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def word(self, expected: str) -> None:
        token = self.take()
        if token[1].lower() != expected:
            raise QueryError(f"expected {expected}")

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.pos != len(self.tokens):
            raise QueryError("trailing input")
        return predicate

    def disjunction(self) -> Predicate:
        left = self.conjunction()
        while (token := self.peek()) and token[0] == "word" and token[1].lower() == "or":
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda f: a(f) or b(f))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while (token := self.peek()) and token[0] == "word" and token[1].lower() == "and":
            self.take()
            right = self.negation()
            left = (lambda a, b: lambda f: a(f) and b(f))(left, right)
        return left

    def negation(self) -> Predicate:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == "not":
            self.take()
            inner = self.negation()
            return lambda f: not inner(f)
        return self.term()

    def term(self) -> Predicate:
        token = self.peek()
        if token and token[1] == "(":
            self.take()
            inner = self.disjunction()
            if self.take()[1] != ")":
                raise QueryError("expected )")
            return inner
        if token and token[0] == "string":
            # '<value>' in parents|owners|writers|readers
            value = self.take()[1]
            self.word("in")
            collection = self.take()[1]
            if collection not in ("parents", "owners", "writers", "readers"):
                raise QueryError(collection)
            return lambda f: value in f[collection]
        field_token = self.take()
        if field_token[0] != "word":
            raise QueryError(field_token[1])
        name = field_token[1]
        if name in ("appProperties", "properties"):
            self.word("has")
            if self.take()[1] != "{":
                raise QueryError("expected {")
            self.word("key")
            if self.take()[1] != "=":
                raise QueryError("expected =")
            key = self._literal()
            self.word("and")
            self.word("value")
            if self.take()[1] != "=":
                raise QueryError("expected =")
            value = self._literal()
            if self.take()[1] != "}":
                raise QueryError("expected }")
            return lambda f: f[name].get(key) == value
        op = self.take()
        operator = op[1].lower()
        if name in ("trashed", "starred", "sharedWithMe"):
            literal = self.take()[1].lower()
            if literal not in ("true", "false") or operator not in ("=", "!="):
                raise QueryError(name)
            wanted = literal == "true"
            return (lambda f: f[name] == wanted) if operator == "=" else (lambda f: f[name] != wanted)
        if name not in ("name", "mimeType", "modifiedTime", "createdTime", "fullText", "viewedByMeTime"):
            raise QueryError(name)
        value = self._literal()
        if operator == "contains":
            if name == "name":
                return lambda f: (
                    any(word.lower().startswith(value.lower()) for word in [f["name"]])
                    or value.lower() in f["name"].lower()
                )
            return lambda f: value.lower() in f.get(name, "").lower()
        comparisons = {
            "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            ">=": lambda a, b: a >= b,
        }
        if operator not in comparisons:
            raise QueryError(operator)
        compare = comparisons[operator]
        if name in ("modifiedTime", "createdTime"):
            when = _parse_time(value)
            return lambda f: compare(f[name], when)
        return lambda f: compare(f[name], value)

    def _literal(self) -> str:
        token = self.take()
        if token[0] != "string":
            raise QueryError(token[1])
        return token[1]


def _parse_time(text: str) -> dt.datetime:
    text = text.replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def compile_query(text: str | None) -> Predicate:
    """Compile the subset of Drive's `q` the product uses; QueryError for anything else."""
    if not text or not text.strip():
        return lambda f: True
    return _QueryParser(_tokenize_q(text)).parse()


def query_view(f: DriveFile, client: str, principal: str) -> FileView:
    return {
        "name": f.name,
        "mimeType": f.mime_type,
        "parents": set(f.parents),
        "appProperties": f.app_properties.get(client, {}),
        "properties": f.properties,
        "trashed": f.trashed,
        "starred": f.starred,
        "sharedWithMe": f.owner != principal and any(p.email_address == principal for p in f.permissions),
        "modifiedTime": f.modified_time,
        "createdTime": f.created_time,
        "fullText": f.name,
        "owners": {f.owner},
        "writers": {
            p.email_address for p in f.permissions if p.role in ("writer", "owner") and p.email_address
        },
        "readers": {p.email_address for p in f.permissions if p.email_address},
    }


# ---------------------------------------------------------------- small valid PDFs


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with the given text lines (enough for pypdf and pdftotext)."""

    def escape(text: str) -> str:
        return (
            text.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
        )

    stream_lines = ["BT", "/F1 11 Tf", "72 760 Td", "14 TL"]
    for line in lines[:50] or [""]:
        stream_lines.append(f"({escape(line)}) Tj T*")
    stream_lines.append("ET")
    stream = "\n".join(stream_lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def copy_file_record(f: DriveFile) -> DriveFile:
    return copy.deepcopy(f)
