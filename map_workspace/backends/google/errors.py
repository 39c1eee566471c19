"""Google failures as mapws errors: what happened, to which file, for which identity, and what to do.

The one translation for every Google call (calls.py sends them all): gspread's ``APIError``,
googleapiclient's ``HttpError``, transport errors, refused tokens and exhausted retries, converted at
the backend boundary (``raise … from``). The same failure reads the same from every command: a 401
is :class:`GoogleAuthError` with the same words in ``auth check``, ``init --create-folder``,
``sync`` and ``list``. Messages carry Google's own words and never a token: only the status,
Google's reason and message, the file and the identity's address.
"""

from __future__ import annotations

import re

from map_workspace.backends.google.retry import Failure, RetriesExhausted, describe_failure
from map_workspace.errors import MapwsError, PlanError, PlanNotFound, UsageError

#: Kinds of identity (auth.resolve_identity tells them apart): what to do about refused credentials
#: depends on the kind.
SERVICE_ACCOUNT = "service_account"
USER = "user"
ANONYMOUS = "anonymous"
OTHER = "other"

SETUP_GUIDE = "docs/google-setup.md"

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


def refused_hint(kind: str) -> str:
    """What to do when Google refuses the credentials, for the kind of identity that holds them."""
    if kind == USER:
        return ("Sign in again: mapws auth login --client client_secret.json (the sign-in may have expired "
                "or been revoked); 'mapws auth check' shows which identity is in use.")
    if kind == SERVICE_ACCOUNT:
        return ("Check that the service account's key is not deleted or disabled (Cloud console › IAM & Admin › "
                "Service accounts), and with --impersonate that an admin authorised its client ID for "
                "domain-wide delegation with the scopes mapws uses; 'mapws auth check' shows which identity "
                "is in use.")
    return ("Run 'mapws auth login' again, or check the key passed with --credentials / MAPWS_CREDENTIALS "
            f"('mapws auth check' shows which identity is in use; see {SETUP_GUIDE}).")


_OAUTH_ERROR = re.compile(r"[a-z_]{3,40}")
#: A run of 20 or more characters without a space could be a token or a key: never echoed.
_SECRET_SHAPED = re.compile(r"\S{20,}")


def oauth_reason(exc: BaseException) -> str:
    """The OAuth error code and description of a refused token request, never the raw reply (a
    proxy could echo secrets in it): the code only when it is a plain word, the description only
    when nothing in it looks like a token."""
    for arg in getattr(exc, "args", ())[1:]:
        if isinstance(arg, dict) and isinstance(arg.get("error"), str) and _OAUTH_ERROR.fullmatch(arg["error"]):
            description = str(arg.get("error_description") or "")[:200]
            if description and not _SECRET_SHAPED.search(description):
                return f"{arg['error']}: {description}"
            return str(arg["error"])
    return "the token endpoint refused them"


def translate(exc: BaseException, *, action: str, file: str = "", principal: str = "", kind: str = "",
              folder: str = "") -> MapwsError | None:
    """The mapws error for a failed Google call, or None when ``exc`` is not a Google failure
    (then the caller re-raises it unchanged). ``action`` says what was attempted ("read the plan"),
    ``file`` names the file (an ID or a title), ``kind`` is the identity's (for the advice on
    refused credentials), and ``folder`` the folder the call puts something into."""
    if isinstance(exc, RetriesExhausted):
        return _exhausted(exc, action, file, _who(principal))
    from google.auth.exceptions import RefreshError

    if isinstance(exc, RefreshError):
        return GoogleAuthError(
            f"Could not get an access token for {_who(principal)}: the credentials were refused "
            f"({oauth_reason(exc)}).",
            refused_hint(kind),
        )
    failure = describe_failure(exc)
    if failure is None:
        return None
    return from_failure(failure, action=action, file=file, principal=principal, kind=kind, folder=folder)


def from_failure(failure: Failure, *, action: str, file: str = "", principal: str = "", kind: str = "",
                 folder: str = "") -> MapwsError:
    who = _who(principal)
    target = f" {file}" if file else ""
    said = f" Google said: {failure.describe()}."
    if failure.status is None:
        return GoogleApiFailed(f"Could not {action}{target}: the connection to Google failed.{said}",
                               "Check the network (or MAPWS_GOOGLE_API_ROOT), then run the command again.")
    if failure.status == 401:
        return GoogleAuthError(
            f"Google refused the credentials of {who}: they are invalid, expired or revoked.",
            refused_hint(kind),
        )
    if failure.status == 403:
        return _forbidden(failure, action, file, who, folder, kind)
    if failure.status == 404:
        if folder:
            return _folder_unusable(folder, who, seen=False)
        return PlanNotFound(
            f"Could not {action}: there is no file{target} that {who} can see in Google Drive.",
            f"Check the spreadsheet ID or URL, or share the file with {who}. With the default drive.file "
            "scope mapws only sees files it created itself or that were opened with it.",
        )
    if failure.status == 400:
        return PlanError(f"Google rejected the request to {action}{target}.{said}",
                         "This is likely a bug in mapws; please report it with --traceback output.")
    return GoogleApiFailed(f"Could not {action}{target}.{said}", "Run the command again later.")


def _folder_unusable(folder: str, who: str, *, seen: bool) -> UsageError:
    """The configured folder is the problem: a configuration error (exit 2)."""
    return UsageError(
        f"{who} cannot {'use' if seen else 'see'} the folder {folder}.",
        f"Share the folder with {who} (Content manager in a Shared Drive, Editor otherwise) and check "
        "the --folder / MAPWS_FOLDER ID. With the default drive.file scope mapws sees only folders it "
        "created: make one with mapws init --backend google --create-folder \"MAPs\".",
    )


def _forbidden(failure: Failure, action: str, file: str, who: str, folder: str = "", kind: str = "") -> MapwsError:
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
            "Ask the Workspace admin to authorise the service account's client ID for the scopes 'mapws auth "
            "check' lists (domain-wide delegation)." if kind == SERVICE_ACCOUNT else
            "Run 'mapws auth login' again to grant the scopes mapws asks for; 'mapws auth check' lists "
            "the scopes in use.",
        )
    if failure.reason in _STORAGE_REASONS:
        return GooglePermissionDenied(
            f"Could not {action}: {who} has no Drive storage to put the file in.{said}",
            "A service account has no storage of its own: pass --folder with a Shared Drive folder it "
            "can write to, or --impersonate a user through domain-wide delegation.",
        )
    if folder:
        return _folder_unusable(folder, who, seen=True)
    return GooglePermissionDenied(
        f"{who} has no permission to {action}{target}.{said}",
        f"Share the file with {who} as Editor (or ask its owner to), or run mapws as an identity that "
        "has access.",
    )


def _exhausted(exc: RetriesExhausted, action: str, file: str, who: str) -> MapwsError:
    target = f" {file}" if file else ""
    return GoogleApiFailed(
        f"Google API failed after {exc.attempts - 1} retries ({exc.failure.describe()}) trying to "
        f"{action}{target} as {who}.",
        "Google is busy or over quota: run the command again later, or lower MAPWS_MAX_RPM.",
    )
