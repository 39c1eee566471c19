"""The discovery documents shipped with google-api-python-client: schemas, scopes, validation.

Loaded at run time from the installed package so the emulator checks requests against exactly the
schema the real client was built from.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

API_FILES = {"sheets": "sheets.v4.json", "drive": "drive.v3.json", "docs": "docs.v1.json"}
PROTO_PACKAGES = {
    "sheets": "google.apps.sheets.v4",
    "drive": "google.apps.drive.v3",
    "docs": "google.apps.docs.v1",
}
# the name of the request body inside the proto request message, as Google prefixes it in error paths
BODY_FIELD = {
    "sheets.spreadsheets.values.update": "data",
    "sheets.spreadsheets.values.append": "data",
    "sheets.spreadsheets.create": "spreadsheet",
    "docs.documents.create": "document",
}


def _documents_dir() -> Path:
    import googleapiclient

    return Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


@functools.cache
def document(api: str) -> dict[str, Any]:
    return json.loads((_documents_dir() / API_FILES[api]).read_text(encoding="utf-8"))


@functools.cache
def methods(api: str) -> dict[str, dict[str, Any]]:
    """Every method of an API by its id (e.g. sheets.spreadsheets.values.get)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                found[method["id"]] = method
            walk(resource.get("resources", {}))

    walk(document(api)["resources"])
    return found


def method_scopes(api: str, method_id: str) -> list[str]:
    return list(methods(api)[method_id].get("scopes", []))


def rpc_method_name(api: str, method_id: str) -> str:
    """A readable stand-in for the gRPC method name Google puts in ErrorInfo metadata."""
    parts = method_id.split(".")
    verb = parts[-1][:1].upper() + parts[-1][1:]
    noun = parts[-2][:1].upper() + parts[-2][1:]
    return f"{PROTO_PACKAGES[api]}.{noun}Service.{verb}"


@functools.cache
def _snake(name: str) -> str:
    """A field's name as Google's error paths spell it (cached: the same few names, every cell)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _type_label(schema: dict[str, Any], api: str, field_name: str) -> str:
    if "$ref" in schema:
        return f"type.googleapis.com/{PROTO_PACKAGES[api]}.{schema['$ref']}"
    kind = schema.get("type")
    if kind == "string":
        if "enum" in schema:
            pascal = field_name[:1].upper() + field_name[1:]
            return f"type.googleapis.com/{PROTO_PACKAGES[api]}.{pascal}"
        if schema.get("format") in ("int64", "uint64"):
            return "TYPE_INT64"
        return "TYPE_STRING"
    if kind == "integer":
        return "TYPE_UINT32" if schema.get("format") == "uint32" else "TYPE_INT32"
    if kind == "number":
        return "TYPE_FLOAT" if schema.get("format") == "float" else "TYPE_DOUBLE"
    if kind == "boolean":
        return "TYPE_BOOL"
    if kind == "array":
        items = schema.get("items", {})
        if items.get("type") == "any" or (items.get("type") == "array"):
            return "type.googleapis.com/google.protobuf.ListValue"
        return _type_label(items, api, field_name)
    if kind == "any":
        return "type.googleapis.com/google.protobuf.Value"
    return "type.googleapis.com/google.protobuf.Struct"


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


_NUMERIC = re.compile(r"^-?\d+$")
_FLOAT_TEXT = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^(NaN|-?Infinity)$")


class _Validator:
    def __init__(self, api: str):
        self.api = api
        self.schemas = document(api)["schemas"]
        self.problems: list[tuple[str | None, str]] = []

    def invalid(self, path: str, schema: dict[str, Any], value: Any, field_name: str) -> None:
        label = _type_label(schema, self.api, field_name)
        text = f"Invalid value at '{path}' ({label}), {_json_text(value)}"
        self.problems.append((path, text))

    def check(self, value: Any, schema: dict[str, Any], path: str, field_name: str) -> None:
        if value is None:
            return
        if "$ref" in schema:
            target = self.schemas[schema["$ref"]]
            if not isinstance(value, dict):
                if target.get("type") == "object" and "properties" in target:
                    self.invalid(path, schema, value, field_name)
                    return
                self.check(value, target, path, field_name)
                return
            self.check_message(value, target, path, schema["$ref"])
            return
        kind = schema.get("type")
        if kind == "object":
            if "properties" in schema:
                if not isinstance(value, dict):
                    self.invalid(path, schema, value, field_name)
                    return
                self.check_message(value, schema, path, field_name)
                return
            if not isinstance(value, dict):
                self.invalid(path, schema, value, field_name)
                return
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for key, item in value.items():
                    self.check(item, extra, f"{path}[{_json_text(key)}]", field_name)
            return
        if kind == "array":
            items = schema.get("items", {})
            if not isinstance(value, list):
                # protobuf's JSON parser reads a lone value as one element and then rejects it
                self.invalid(path, schema, value, field_name)
                return
            for index, item in enumerate(value):
                item_path = f"{path}[{index}]"
                if items.get("type") == "array" and not isinstance(item, list):
                    self.invalid(item_path, items, item, field_name)
                    continue
                self.check(item, items, item_path, field_name)
            return
        if kind == "string":
            fmt = schema.get("format")
            if fmt in ("int64", "uint64"):
                if isinstance(value, bool) or not (
                    isinstance(value, int) or (isinstance(value, str) and _NUMERIC.match(value))
                ):
                    self.invalid(path, schema, value, field_name)
                return
            if not isinstance(value, str):
                self.invalid(path, schema, value, field_name)
                return
            if "enum" in schema and value not in schema["enum"]:
                self.invalid(path, schema, value, field_name)
            return
        if kind == "integer":
            ok = (
                (isinstance(value, int) and not isinstance(value, bool))
                or (isinstance(value, float) and value.is_integer())
                or (isinstance(value, str) and _NUMERIC.match(value) is not None)
            )
            if not ok:
                self.invalid(path, schema, value, field_name)
            return
        if kind == "number":
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
                isinstance(value, str) and _FLOAT_TEXT.match(value) is not None
            )
            if not ok:
                self.invalid(path, schema, value, field_name)
            return
        if kind == "boolean":
            if not isinstance(value, bool):
                self.invalid(path, schema, value, field_name)
            return
        # "any" and untyped schemas accept every JSON value

    def check_message(self, value: dict[str, Any], schema: dict[str, Any], path: str, name: str) -> None:
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key not in properties:
                where = f" at '{path}'" if path else ""
                self.problems.append(
                    (
                        path or None,
                        f"Invalid JSON payload received. Unknown name {_json_text(key)}{where}: "
                        "Cannot find field.",
                    )
                )
                continue
            child_path = f"{path}.{_snake(key)}" if path else _snake(key)
            self.check(item, properties[key], child_path, key)


def violations(api: str, method_id: str, body: Any) -> list[tuple[str | None, str]]:
    """(field path, Google's description) for each way `body` breaks the method's request schema."""
    method = methods(api).get(method_id)
    if method is None:
        raise KeyError(method_id)
    request = method.get("request")
    if request is None or body is None:
        return []
    validator = _Validator(api)
    prefix = BODY_FIELD.get(method_id, "")
    schema_name = request["$ref"]
    if not isinstance(body, dict):
        validator.invalid(prefix or "", {"$ref": schema_name}, body, schema_name)
        return validator.problems
    validator.check_message(body, validator.schemas[schema_name], prefix, schema_name)
    return validator.problems


_STANDARD_QUERY = {
    "$.xgafv",
    "access_token",
    "alt",
    "callback",
    "fields",
    "key",
    "oauth_token",
    "prettyPrint",
    "quotaUser",
    "uploadType",
    "upload_protocol",
}


def query_violations(api: str, method_id: str, query: dict[str, list[str]]) -> list[tuple[str | None, str]]:
    """Unknown query parameters and bad enum values, as ESF reports them for Sheets and Docs."""
    parameters = methods(api)[method_id].get("parameters", {})
    problems: list[tuple[str | None, str]] = []
    for name, values in query.items():
        spec = parameters.get(name)
        if spec is None:
            if name not in _STANDARD_QUERY:
                problems.append(
                    (
                        None,
                        f"Invalid JSON payload received. Unknown name {_json_text(name)}: Cannot "
                        f"bind query parameter. Field {_json_text(name)} could not be found in "
                        f"request message.",
                    )
                )
            continue
        if spec.get("location") != "query":
            continue
        for value in values:
            if "enum" in spec and value not in spec["enum"]:
                label = f"type.googleapis.com/{PROTO_PACKAGES[api]}.{name[:1].upper() + name[1:]}"
                problems.append(
                    (_snake(name), f"Invalid value at '{_snake(name)}' ({label}), {_json_text(value)}")
                )
            elif spec.get("type") == "boolean" and value.lower() not in ("true", "false", "1", "0"):
                problems.append(
                    (_snake(name), f"Invalid value at '{_snake(name)}' (TYPE_BOOL), {_json_text(value)}")
                )
            elif spec.get("type") == "integer" and not _NUMERIC.match(value):
                problems.append(
                    (_snake(name), f"Invalid value at '{_snake(name)}' (TYPE_INT32), {_json_text(value)}")
                )
    return problems


def response_problems(api: str, method_id: str, body: Any) -> list[str]:
    """Fields or types in a response that the method's response schema does not know (a self-check)."""
    reference = methods(api)[method_id].get("response", {}).get("$ref")
    if reference is None or not isinstance(body, dict):
        return []
    validator = _Validator(api)
    validator.check_message(body, validator.schemas[reference], "", reference)
    return [description for _, description in validator.problems]


def validate_request(api: str, method_id: str, body: Any) -> list[str]:
    """Check a request body against the discovery schema; an empty list means it conforms.

    `api` is "sheets", "drive" or "docs"; `method_id` the discovery id, e.g.
    "sheets.spreadsheets.batchUpdate". Messages read like Google's 400 answers.
    """
    return [description for _, description in violations(api, method_id, body)]


def _resolve(api: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its `$ref` followed and arrays unwrapped to their items."""
    schemas = document(api)["schemas"]
    while True:
        if "$ref" in schema:
            schema = schemas[schema["$ref"]]
        elif schema.get("type") == "array":
            schema = schema.get("items", {})
        else:
            return schema


def mask_path_problem(api: str, schema_name: str, paths: list[tuple[str, ...]]) -> str | None:
    """The first field path (dotted, as Google prints it) that the schema does not have, or None.

    Maps (`appProperties`) take any key below them; `*` stands for every field at its level."""
    root = document(api)["schemas"][schema_name]
    for path in paths:
        schema = root
        for depth, part in enumerate(path):
            if part == "*":
                break
            schema = _resolve(api, schema)
            properties = schema.get("properties")
            if properties is None and isinstance(schema.get("additionalProperties"), dict):
                break  # a map: its keys are data, any of them may be selected
            if properties is None or part not in properties:
                return ".".join(path[: depth + 1])
            schema = properties[part]
    return None


def fields_problem(api: str, method_id: str, fields: str) -> str | None:
    """What is wrong with a `fields` query parameter for this method's response, or None.

    Raises ValueError for a mask that does not parse; returns the first path (dotted) that the
    response schema does not have."""
    from .fieldmask import mask_paths, parse_mask

    response = methods(api).get(method_id, {}).get("response", {}).get("$ref")
    mask = parse_mask(fields)
    if response is None or mask is None:
        return None
    return mask_path_problem(api, response, mask_paths(mask))
