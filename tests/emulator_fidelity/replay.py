"""Replay recorded gspread traffic (vcrpy cassettes) against the emulator and measure agreement.

Recorded IDs are mapped to the emulator's as responses reveal them; files the recording found
already in the account (listed or opened but never created in the cassette) are seeded first,
with the names and tabs the recording shows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.google_emulator.discovery import response_problems
from tests.google_emulator.drive_model import SPREADSHEET_MIME
from tests.google_emulator.sheets_model import new_sheet

HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
ID_KEYS = {
    "id",
    "spreadsheetId",
    "sheetId",
    "protectedRangeId",
    "namedRangeId",
    "metadataId",
    "permissionId",
    "fileId",
    "documentId",
    "sourceSheetId",
    "newSheetId",
}
_FILE_ID = re.compile(r"(?:spreadsheets|files)/([A-Za-z0-9_-]{25,})")


# leaves whose values legitimately differ between a recording and a replay
VOLATILE_KEYS = ID_KEYS | {
    "createdTime",
    "modifiedTime",
    "spreadsheetUrl",
    "selfLink",
    "etag",
    "version",
    "thumbnailLink",
    "alternateLink",
    "embedLink",
    "parentLink",
    "permissionId",
    "createdDate",
    "modifiedDate",
    "modifiedByMeDate",
    "lastViewedByMeDate",
    "displayName",
    "emailAddress",
    "ownerNames",
    "lastModifyingUserName",
    "users",
    "url",
    "iconLink",
    "exportLinks",
    "parents",
    "fileSize",
    "quotaBytesUsed",
    "timeZone",
}


@dataclass
class CassetteResult:
    name: str
    compared: int = 0
    status_agree: int = 0
    structure_agree: int = 0
    value_agree: int = 0
    schema_problems: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    value_differences: list[str] = field(default_factory=list)


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def shape_difference(recorded: Any, actual: Any, path: str = "$") -> str | None:
    """None when both have the same structure: same keys, same list lengths, same scalar kinds."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        if recorded.keys() != actual.keys():
            missing = sorted(set(recorded) - set(actual))
            extra = sorted(set(actual) - set(recorded))
            return f"{path}: missing {missing} extra {extra}"
        for key in recorded:
            found = shape_difference(recorded[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(actual, list):
        if len(recorded) != len(actual):
            return f"{path}: {len(recorded)} items recorded, {len(actual)} emulated"
        for index, (a, b) in enumerate(zip(recorded, actual, strict=True)):
            found = shape_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if _kind(recorded) != _kind(actual):
        return f"{path}: {_kind(recorded)} recorded, {_kind(actual)} emulated"
    return None


def value_difference(recorded: Any, actual: Any, path: str = "$", key: str | None = None) -> str | None:
    """None when the leaves agree too (IDs, times, URLs and account names excepted)."""
    if key in VOLATILE_KEYS:
        return None
    if isinstance(recorded, dict) and isinstance(actual, dict):
        for k in recorded:
            if k in actual:
                found = value_difference(recorded[k], actual[k], f"{path}.{k}", k)
                if found:
                    return found
        return None
    if isinstance(recorded, list) and isinstance(actual, list):
        for index, (a, b) in enumerate(zip(recorded, actual, strict=False)):
            found = value_difference(a, b, f"{path}[{index}]", key)
            if found:
                return found
        return None
    if (
        isinstance(recorded, (int, float))
        and isinstance(actual, (int, float))
        and not isinstance(recorded, bool)
        and not isinstance(actual, bool)
    ):
        if abs(recorded - actual) <= 1e-6 * max(1.0, abs(recorded)):
            return None
    elif recorded == actual:
        return None
    return f"{path}: {recorded!r} recorded, {actual!r} emulated"


class Replayer:
    PRINCIPAL = "gspread-replay@emulator-tests.iam.gserviceaccount.com"
    STRANGER = "someone-else@example.com"

    def __init__(self, emulator: Any):
        self.emulator = emulator
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + emulator.issue_token(self.PRINCIPAL)
        self.id_map: dict[Any, Any] = {}

    # ------------------------------------------------------------------------- ID mapping

    def map_value(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, (str, int)) and value in self.id_map:
            return self.id_map[value]
        if isinstance(value, str) and value.isdigit() and int(value) in self.id_map:
            return str(self.id_map[int(value)])
        return value

    def map_body(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.map_body(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.map_body(v, key) for v in value]
        if key in ID_KEYS or (isinstance(value, str) and value in self.id_map):
            return self.map_value(value)
        return value

    def learn(self, recorded: Any, actual: Any, key: str | None = None) -> None:
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for k in recorded:
                if k in actual and k not in ("files", "changes"):
                    self.learn(recorded[k], actual[k], k)
            return
        if isinstance(recorded, list) and isinstance(actual, list):
            for a, b in zip(recorded, actual, strict=False):
                self.learn(a, b, key)
            return
        if key in ID_KEYS and recorded is not None and actual is not None and recorded != actual:
            if not isinstance(recorded, bool) and recorded not in self.id_map:
                self.id_map[recorded] = actual
                if (
                    isinstance(recorded, str)
                    and recorded.isdigit()
                    and isinstance(actual, str)
                    and actual.isdigit()
                ):
                    self.id_map[int(recorded)] = int(actual)
                if isinstance(recorded, int) and isinstance(actual, int):
                    self.id_map[str(recorded)] = str(actual)

    def map_uri(self, uri: str) -> str:
        for host in HOSTS:
            if uri.startswith(host):
                uri = self.emulator.base_url + uri[len(host) :]
        for recorded, actual in sorted(
            ((r, a) for r, a in self.id_map.items() if isinstance(r, str) and len(r) > 20),
            key=lambda item: -len(item[0]),
        ):
            uri = uri.replace(recorded, str(actual))
        return uri

    # ------------------------------------------------------------------------- seeding

    def seed_preexisting(self, interactions: list[dict], upto: int, created: set[str]) -> None:
        """Seed files the recording lists or opens but never creates, before they are needed."""
        core = self.emulator.core
        wanted: dict[str, dict[str, Any]] = {}
        interaction = interactions[upto]
        request = interaction["request"]
        body = _json(interaction["response"]["body"]["string"])
        if (
            "/drive/v3/files" in request["uri"]
            and request["method"] == "GET"
            and isinstance(body, dict)
            and "files" in body
        ):
            for item in body["files"]:
                if item.get("id"):
                    wanted[item["id"]] = item
        for match in _FILE_ID.finditer(request["uri"]):
            wanted.setdefault(match.group(1), {})
        for file_id, listing in wanted.items():
            if (
                file_id in created
                or file_id in self.id_map
                or file_id in core.files
                or file_id in core.deleted
            ):
                continue
            status = interaction["response"]["status"]["code"]
            if status == 404 and not listing:
                continue
            owner = self.STRANGER if status == 403 and not listing else self.PRINCIPAL
            title = listing.get("name")
            sheets = None
            for later in interactions[upto:]:
                uri = later["request"]["uri"]
                if f"spreadsheets/{file_id}?" in uri and later["response"]["status"]["code"] == 200:
                    data = _json(later["response"]["body"]["string"])
                    if isinstance(data, dict) and "properties" in data and "sheets" in data:
                        title = title or data["properties"].get("title")
                        sheets = [s["properties"] for s in data["sheets"]]
                        break
            self.emulator.seed_spreadsheet(
                title or "Untitled spreadsheet", spreadsheet_id=file_id, owner=owner
            )
            with core.lock:
                spreadsheet = core.spreadsheets[file_id]
                if sheets:
                    spreadsheet.sheets = []
                    for props in sheets:
                        grid = props.get("gridProperties", {})
                        sheet = new_sheet(
                            props.get("sheetId", 0),
                            props["title"],
                            props.get("index", 0),
                            grid.get("rowCount", 1000),
                            grid.get("columnCount", 26),
                        )
                        sheet.properties["gridProperties"].update(grid)
                        spreadsheet.sheets.append(sheet)
                f = core.files[file_id]
                f.mime_type = SPREADSHEET_MIME
                for attribute, key in (("created_time", "createdTime"), ("modified_time", "modifiedTime")):
                    if listing.get(key):
                        setattr(f, attribute, dt.datetime.fromisoformat(listing[key].replace("Z", "+00:00")))

    # ------------------------------------------------------------------------- replay

    def replay(self, path: Path) -> CassetteResult:
        self.emulator.reset()
        self.id_map = {}
        cassette = json.loads(path.read_text(encoding="utf-8"))
        interactions = cassette["interactions"]
        result = CassetteResult(path.stem)
        created: set[str] = set()
        for interaction in interactions:
            request = interaction["request"]
            if request["method"] == "POST" and re.search(r"/files(/[^/]+/copy)?\?", request["uri"]):
                data = _json(interaction["response"]["body"]["string"])
                if isinstance(data, dict) and data.get("id"):
                    created.add(data["id"])
        for index, interaction in enumerate(interactions):
            self.seed_preexisting(interactions, index, created)
            request = interaction["request"]
            recorded_status = interaction["response"]["status"]["code"]
            recorded_text = interaction["response"]["body"]["string"]
            headers = {}
            for name, values in (request.get("headers") or {}).items():
                if name.lower() == "content-type":
                    headers["Content-Type"] = values[0] if isinstance(values, list) else values
            body = request.get("body")
            parsed = _json(body) if isinstance(body, str) else None
            if parsed is not None:
                data: bytes | None = json.dumps(self.map_body(parsed)).encode()
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = None
            response = self.session.request(
                request["method"], self.map_uri(request["uri"]), data=data, headers=headers, timeout=30
            )
            result.compared += 1
            recorded_json = _json(recorded_text)
            try:
                actual_json = response.json() if response.content else None
            except ValueError:
                actual_json = None
            if response.status_code == 200 and isinstance(actual_json, dict):
                path = urllib.parse.urlsplit(self.map_uri(request["uri"])).path
                routed = self.emulator.core.match_route(request["method"], path)
                if routed and routed[0]:
                    method_id = routed[0]
                    for problem in response_problems(method_id.split(".")[0], method_id, actual_json):
                        result.schema_problems.append(f"#{index} {method_id}: {problem}")
            if response.status_code == recorded_status:
                result.status_agree += 1
            else:
                result.differences.append(
                    f"#{index} {request['method']} {_short(request['uri'])}: status {recorded_status} "
                    f"recorded, {response.status_code} emulated {response.text[:160]!r}"
                )
            if recorded_json is None and actual_json is None:
                shape = None if (bool(recorded_text) == bool(response.content)) else "body presence differs"
            elif recorded_json is None or actual_json is None:
                shape = "JSON on one side only"
            else:
                shape = shape_difference(recorded_json, actual_json)
            if shape is None:
                result.structure_agree += 1
                values = None
                if recorded_json is not None and actual_json is not None:
                    values = value_difference(recorded_json, actual_json)
                elif recorded_text != response.text and recorded_json is None and response.content:
                    values = f"body {recorded_text[:40]!r} recorded, {response.text[:40]!r} emulated"
                if values is None:
                    result.value_agree += 1
                else:
                    result.value_differences.append(
                        f"#{index} {request['method']} {_short(request['uri'])}: {values}"[:300]
                    )
            else:
                result.differences.append(f"#{index} {request['method']} {_short(request['uri'])}: {shape}")
            if (
                recorded_json is not None
                and actual_json is not None
                and response.status_code == recorded_status
            ):
                self.learn(recorded_json, actual_json)
        return result


def _short(uri: str) -> str:
    for host in HOSTS:
        uri = uri.replace(host, "")
    uri = _FILE_ID.sub(lambda m: m.group(0).split("/")[0] + "/ID", uri)
    return urllib.parse.unquote(uri)[:90]
