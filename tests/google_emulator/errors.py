"""Google's error bodies, one exception type carrying the HTTP status and the JSON body to send."""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error answer: `status` is the HTTP code, `body` the JSON Google sends with it."""

    def __init__(self, status: int, body: dict[str, Any]):
        error = body.get("error")
        super().__init__(error.get("message", str(status)) if isinstance(error, dict) else str(error))
        self.status = status
        self.body = body


def rpc_error(code: int, message: str, details: list[dict] | None = None) -> ApiError:
    """The error shape of the Sheets and Docs APIs (google.rpc.Status as JSON)."""
    error: dict[str, Any] = {"code": code, "message": message, "status": STATUS_NAMES.get(code, "UNKNOWN")}
    if details:
        error["details"] = details
    return ApiError(code, {"error": error})


def invalid_argument(message: str) -> ApiError:
    return rpc_error(400, message)


def bad_request_violations(messages: list[tuple[str | None, str]]) -> ApiError:
    """400 with a google.rpc.BadRequest detail listing each (field, description)."""
    violations = []
    for field, description in messages:
        violation = {"description": description}
        if field:
            violation = {"field": field, "description": description}
        violations.append(violation)
    message = "\n".join(description for _, description in messages)
    return rpc_error(
        400,
        message,
        [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}],
    )


def drive_error(
    code: int, message: str, reason: str, location: str | None = None, location_type: str = "parameter"
) -> ApiError:
    """Drive v3 still answers with the legacy `errors` list beside code and message."""
    item: dict[str, Any] = {"message": message, "domain": "global", "reason": reason}
    if location:
        item["location"] = location
        item["locationType"] = location_type
    return ApiError(code, {"error": {"code": code, "message": message, "errors": [item]}})


def drive_not_found(file_id: str) -> ApiError:
    return drive_error(404, f"File not found: {file_id}.", "notFound", "fileId")


def drive_forbidden(
    message: str = "The user does not have sufficient permissions for this file.",
    reason: str = "insufficientFilePermissions",
) -> ApiError:
    return drive_error(403, message, reason)


def sheets_permission_denied() -> ApiError:
    return rpc_error(403, "The caller does not have permission")


def sheets_not_found() -> ApiError:
    return rpc_error(404, "Requested entity was not found.")


def insufficient_scopes(service: str, method: str) -> ApiError:
    return rpc_error(
        403,
        "Request had insufficient authentication scopes.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": service, "method": method},
            }
        ],
    )


def unauthenticated(missing: bool) -> ApiError:
    if missing:
        message = (
            "Request is missing required authentication credential. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential. See "
            "https://developers.google.com/identity/sign-in/web/devconsole-project."
        )
    else:
        message = (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
            "cookie or other valid authentication credential. See "
            "https://developers.google.com/identity/sign-in/web/devconsole-project."
        )
    return rpc_error(
        401,
        message,
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "CREDENTIALS_MISSING" if missing else "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                "domain": "googleapis.com",
            }
        ],
    )


def quota_exceeded(service: str, metric: str, limit_name: str, project: str = "000000000000") -> ApiError:
    """The 429 Sheets/Docs send when a per-minute bucket is empty."""
    message = (
        f"Quota exceeded for quota metric '{metric}' and limit '{limit_name}' of service "
        f"'{service}' for consumer 'project_number:{project}'."
    )
    return rpc_error(
        429,
        message,
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "quota_limit_value": "",
                    "quota_metric": f"{service}/{metric.lower().replace(' ', '_')}",
                    "quota_limit": limit_name.replace(" ", ""),
                    "service": service,
                    "consumer": f"projects/{project}",
                    "quota_location": "global",
                },
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                    }
                ],
            },
        ],
    )


def injected_fault(code: int) -> ApiError:
    if code == 503:
        return rpc_error(503, "The service is currently unavailable.")
    return rpc_error(500, "Internal error encountered.")
