"""Google failures as mapws errors: what happened, to which file, for which identity, and what to do.

Converted at the backend boundary (``raise … from``): gspread's ``APIError``, googleapiclient's
``HttpError``, transport errors and exhausted retries. Messages carry Google's own words and never
a token: only the status, Google's reason and message, the file and the identity's address.
"""

from __future__ import annotations

from map_workspace.backends.google.retry import Failure, RetriesExhausted, describe_failure
from map_workspace.errors import MapwsError, PlanError, PlanNotFound, UsageError


class GoogleAuthError(UsageError):
    """The credentials were refused (401): a configuration problem, exit 2."""

    code = "auth.invalid"


class GooglePermissionDenied(PlanError):
    """The identity may not read or change the file, or the API is not enabled (403)."""

    code = "plan.permission"


class GoogleApiFailed(PlanError):
    """Google kept failing (quota, server errors, network) after the bounded retries."""

    code = "plan.api_failed"


_SCOPE_REASONS = {"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions", "insufficientScopes"}
_DISABLED_REASONS = {"SERVICE_DISABLED", "accessNotConfigured"}
_STORAGE_REASONS = {"storageQuotaExceeded", "quotaExceeded"}


def _who(principal: str) -> str:
    return principal or "the configured Google identity"


def translate(exc: BaseException, *, action: str, file: str = "", principal: str = "") -> MapwsError | None:
    """The mapws error for a failed Google call, or None when ``exc`` is not a Google failure
    (then the caller re-raises it unchanged). ``action`` says what was attempted ("read the plan"),
    ``file`` names the file (an ID or a title)."""
    if isinstance(exc, RetriesExhausted):
        return _exhausted(exc, action, file)
    from google.auth.exceptions import RefreshError

    if isinstance(exc, RefreshError):
        # The token endpoint's reply is not echoed: a proxy could put secrets in it.
        return GoogleAuthError(
            f"Could not get an access token for {_who(principal)} to {action}: the credentials were refused "
            "(revoked, expired or disabled).",
            "Run 'mapws auth login' again, or check the key passed with --credentials / MAPWS_CREDENTIALS "
            "('mapws auth check' shows which identity is in use).",
        )
    failure = describe_failure(exc)
    if failure is None:
        return None
    return from_failure(failure, action=action, file=file, principal=principal)


def from_failure(failure: Failure, *, action: str, file: str = "", principal: str = "") -> MapwsError:
    who = _who(principal)
    target = f" {file}" if file else ""
    said = f" Google said: {failure.describe()}."
    if failure.status is None:
        return GoogleApiFailed(f"Could not {action}{target}: the connection to Google failed.{said}",
                               "Check the network (or MAPWS_GOOGLE_API_ROOT), then run the command again.")
    if failure.status == 401:
        return GoogleAuthError(
            f"Google refused the credentials of {who} while trying to {action}: they are invalid or "
            "expired.",
            "Run 'mapws auth login' again, or check the key passed with --credentials / MAPWS_CREDENTIALS "
            "('mapws auth check' shows which identity is in use).",
        )
    if failure.status == 403:
        return _forbidden(failure, action, file, who)
    if failure.status == 404:
        return PlanNotFound(
            f"Could not {action}: there is no file{target} that {who} can see in Google Drive.",
            f"Check the spreadsheet ID or URL, or share the file with {who}. With the default drive.file "
            "scope mapws only sees files it created itself or that were opened with it.",
        )
    if failure.status == 400:
        return PlanError(f"Google rejected the request to {action}{target}.{said}",
                         "This is likely a bug in mapws; please report it with --traceback output.")
    return GoogleApiFailed(f"Could not {action}{target}.{said}", "Run the command again later.")


def _forbidden(failure: Failure, action: str, file: str, who: str) -> MapwsError:
    said = f" Google said: {failure.describe()}."
    target = f" {file}" if file else ""
    if failure.reason in _DISABLED_REASONS:
        return GoogleAuthError(
            f"Could not {action}: the Google API is not enabled for the Cloud project of {who}.{said}",
            "Enable the Google Sheets, Drive and Docs APIs in that project (APIs & Services → Library).",
        )
    if failure.reason in _SCOPE_REASONS:
        return GoogleAuthError(
            f"Could not {action}: the credentials of {who} lack a needed scope.{said}",
            "Run 'mapws auth login' again to grant the scopes mapws asks for; 'mapws auth check' lists "
            "the scopes in use.",
        )
    if failure.reason in _STORAGE_REASONS:
        return GooglePermissionDenied(
            f"Could not {action}: {who} has no Drive storage to put the file in.{said}",
            "A service account has no storage of its own: pass --folder with a Shared Drive folder it "
            "can write to, or --impersonate a user through domain-wide delegation.",
        )
    return GooglePermissionDenied(
        f"{who} has no permission to {action}{target}.{said}",
        f"Share the file with {who} as Editor (or ask its owner to), or run mapws as an identity that "
        "has access.",
    )


def _exhausted(exc: RetriesExhausted, action: str, file: str) -> MapwsError:
    target = f" {file}" if file else ""
    return GoogleApiFailed(
        f"Google API failed after {exc.attempts - 1} retries ({exc.failure.describe()}) trying to "
        f"{action}{target}.",
        "Google is busy or over quota: run the command again later, or lower MAPWS_MAX_RPM.",
    )
