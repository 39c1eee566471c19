"""Who mapws acts as on Google, and with which scopes.

Credentials are found in one documented order (``resolve_identity``), scopes are least privilege
(``drive.file``) unless the ``scopes`` setting opts into more, the user token from
``mapws auth login`` lives in the user config dir with mode 0600, and no token, refresh token,
private key or client secret ever appears in a message, an exception or a repr.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from google.auth.credentials import AnonymousCredentials, Credentials

from map_workspace.backends.google.calls import GoogleCalls
from map_workspace.backends.google.clients import GoogleClients, is_loopback
from map_workspace.backends.google.errors import ANONYMOUS, OTHER, SERVICE_ACCOUNT, USER
from map_workspace.backends.google.retry import RetryPolicy
from map_workspace.config import APP, Config
from map_workspace.errors import UsageError

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
DRIVE_FILE_SCOPE = SCOPE_PREFIX + "drive.file"
DEFAULT_SCOPES: tuple[str, ...] = (DRIVE_FILE_SCOPE,)

#: The scopes the ``scopes`` setting accepts (short names), and what each lets mapws open.
KNOWN_SCOPES = {
    "drive.file": "only the files mapws created (or you opened with it); the default",
    "drive": "every file in the Drive of the identity (needed for a template made by hand in the Drive UI)",
    "spreadsheets": "every spreadsheet the identity can open",
    "documents": "every document the identity can open",
}

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
FOLDER_MIME = "application/vnd.google-apps.folder"
SETUP_GUIDE = "docs/google-setup.md"
CREDENTIALS_SETTING = "--credentials / MAPWS_CREDENTIALS"
#: How long `mapws auth login` waits for the browser to come back.
LOGIN_TIMEOUT_SECONDS = 300

@dataclass(frozen=True)
class Identity:
    """The credentials mapws will use, and how to describe them to a person."""

    credentials: Credentials = field(repr=False, compare=False)
    source: str
    principal: str
    scopes: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    kind: str = OTHER  # service_account | user | anonymous | other

    @property
    def broad_scopes(self) -> tuple[str, ...]:
        return tuple(scope for scope in self.scopes if scope != DRIVE_FILE_SCOPE)


# ------------------------------------------------------------------------------------------ scopes


def configured_scopes(config: Config) -> tuple[str, ...]:
    """``drive.file`` plus whatever the ``scopes`` setting opts into, as full scope URLs."""
    raw: Any = getattr(config, "scopes", ()) or ()
    names = re.split(r"[\s,]+", raw) if isinstance(raw, str) else [str(item) for item in raw]
    scopes = list(DEFAULT_SCOPES)
    for name in (n.strip() for n in names):
        if not name:
            continue
        short = name[len(SCOPE_PREFIX):] if name.startswith(SCOPE_PREFIX) else name
        if short not in KNOWN_SCOPES:
            known = "; ".join(f"{key}: {what}" for key, what in KNOWN_SCOPES.items())
            raise UsageError(f"Unknown scope '{name}' in the scopes setting.", f"Known scopes — {known}.")
        full = SCOPE_PREFIX + short
        if full not in scopes:
            scopes.append(full)
    return tuple(scopes)


def short_scope(scope: str) -> str:
    return scope[len(SCOPE_PREFIX):] if scope.startswith(SCOPE_PREFIX) else scope


# -------------------------------------------------------------------------------------- token cache


def token_path() -> Path:
    """Where `mapws auth login` keeps the user token: the user config dir, never the working dir."""
    base = Path(platformdirs.user_config_dir(APP)).expanduser()
    if not base.is_absolute():  # a relative XDG_CONFIG_HOME would land in the working directory
        base = Path.home() / ".config" / APP
    return base / "token.json"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600 from the moment it exists)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    flags = os.O_CREAT | os.O_WRONLY | os.O_TRUNC | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)  # exactly 0600, whatever the umask
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            descriptor = -1
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if descriptor >= 0:
            os.close(descriptor)
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def logout() -> bool:
    """Remove the cached user token; True when there was one."""
    try:
        token_path().unlink()
    except FileNotFoundError:
        return False
    return True


# --------------------------------------------------------------------------------- the search order


def resolve_identity(config: Config) -> Identity:
    """The identity mapws acts as. Nothing is sent to Google here; the first API call refreshes.

    Search order (docs/google-setup.md, "Which credentials mapws uses"):

    1. ``--credentials`` / ``MAPWS_CREDENTIALS``: a service-account key (with ``--impersonate`` /
       ``MAPWS_IMPERSONATE``: domain-wide delegation to that user), an authorized-user JSON, or an
       OAuth client file, which then needs the cached token from ``mapws auth login --client FILE``.
    2. Application Default Credentials from a file: ``GOOGLE_APPLICATION_CREDENTIALS``, or gcloud's
       ``application_default_credentials.json``.
    3. The cached user token from ``mapws auth login`` (``token_path()``).
    4. Against real Google only: the metadata server of a Google Cloud machine (the last part of
       ADC, tried last because probing it off Google Cloud costs seconds on every command).

    With an API root (``MAPWS_GOOGLE_API_ROOT``) every token endpoint is ``<root>/token``; with a
    loopback root only ``GOOGLE_APPLICATION_CREDENTIALS`` counts as ADC, and when nothing is
    configured the calls go anonymous. Against real Google with nothing found: UsageError.
    """
    scopes = configured_scopes(config)
    root = config.google_api_root.rstrip("/")
    loopback = bool(root) and is_loopback(root)
    identity: Identity | None
    if config.credentials:
        identity = _from_credentials_setting(Path(config.credentials).expanduser(), config, scopes, root)
    else:
        identity = (_from_adc_file(scopes, root, loopback) or _from_cached_token(scopes, root)
                    or (_from_metadata_server(scopes) if not root else None))
    if identity is None:
        if loopback:
            return Identity(AnonymousCredentials(), "anonymous (loopback API root)", "anonymous", scopes,
                            _impersonation_ignored(config), ANONYMOUS)
        raise _nothing_found(root)
    if config.impersonate:
        identity = _impersonating(identity, config.impersonate)
    return identity


def _nothing_found(root: str) -> UsageError:
    target = f"the API root {root}" if root else "Google"
    return UsageError(
        f"No Google credentials found to reach {target}.",
        f"Follow {SETUP_GUIDE} and pick one: (a) a person: mapws auth login --client client_secret.json "
        "(an OAuth 'Desktop app' client); (b) a team or nightly job: a service-account key with "
        "--credentials KEY.json (or MAPWS_CREDENTIALS) and a Shared Drive --folder or --impersonate USER; "
        "(c) Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or gcloud auth "
        "application-default login --client-id-file ... with the Drive scope). Then: mapws auth check.",
    )


def _impersonation_ignored(config: Config) -> tuple[str, ...]:
    if config.impersonate:
        return (f"--impersonate {config.impersonate} is ignored: anonymous calls to a loopback API root "
                "act as nobody in particular.",)
    return ()


def _impersonating(identity: Identity, user: str) -> Identity:
    from google.oauth2 import service_account

    if not isinstance(identity.credentials, service_account.Credentials):
        raise UsageError(
            f"--impersonate {user} needs a service-account key, but the credentials in use are "
            f"{identity.source}.",
            "Domain-wide delegation works only for service accounts: pass the key with --credentials "
            "KEY.json, or drop --impersonate / MAPWS_IMPERSONATE to act as yourself.",
        )
    delegated = identity.credentials.with_subject(user)
    source = f"{identity.source}, impersonating {user} (domain-wide delegation)"
    return Identity(delegated, source, user, identity.scopes, identity.warnings, SERVICE_ACCOUNT)


def _from_credentials_setting(path: Path, config: Config, scopes: tuple[str, ...], root: str) -> Identity:
    info = _read_json(path, CREDENTIALS_SETTING)
    warnings = _loose_permissions(path)
    kind = info.get("type")
    if kind == "service_account":
        creds = _service_account(info, path, scopes, root)
        source = f"service-account key {_shown(path)} ({CREDENTIALS_SETTING})"
        return Identity(creds, source, creds.service_account_email, scopes, warnings, SERVICE_ACCOUNT)
    if kind == "authorized_user":
        creds = _authorized_user(info, path, scopes, root)
        source = f"authorized-user credentials {_shown(path)} ({CREDENTIALS_SETTING})"
        return Identity(creds, source, creds.account or "a Google user (email not in the file)", scopes,
                        warnings, USER)
    client = info.get("installed") or info.get("web")
    if isinstance(client, dict):
        client_id = str(client.get("client_id", ""))
        cached = _from_cached_token(scopes, root, client_file=path, client_id=client_id)
        if cached is None:
            raise UsageError(
                f"{_shown(path)} is an OAuth client file, and nobody has signed in with it on this "
                "machine yet.",
                f"Run: mapws auth login --client {_shown(path)}   (see {SETUP_GUIDE})",
            )
        source = f"{cached.source}, signed in with the OAuth client {_shown(path)} ({CREDENTIALS_SETTING})"
        return Identity(cached.credentials, source, cached.principal, cached.scopes,
                        warnings + cached.warnings, USER)
    if kind in ("external_account", "impersonated_service_account", "external_account_authorized_user"):
        raise UsageError(
            f"{_shown(path)} holds {kind} credentials, which mapws reads through Application Default "
            "Credentials only.",
            f"Drop --credentials / MAPWS_CREDENTIALS and set GOOGLE_APPLICATION_CREDENTIALS={_shown(path)}.",
        )
    raise UsageError(
        f"{_shown(path)} is not a credentials file mapws understands.",
        "Use a service-account key (\"type\": \"service_account\", see credentials.example.json), an "
        "authorized-user JSON, or an OAuth client file (\"installed\" or \"web\"). "
        f"See {SETUP_GUIDE}.",
    )


def _unrooted(what: str, root: str) -> tuple[str, ...]:
    """Credentials whose token endpoint cannot be redirected: refused with a loopback root (the
    point of one is that nothing leaves the machine), a warning with any other root."""
    if not root:
        return ()
    if is_loopback(root):
        raise UsageError(f"{what} get their tokens from Google's own endpoints, which would leave the "
                         f"machine although the API root is {root}.",
                         "Use a service-account key or an authorized-user file with a loopback API root.")
    return (f"{what} get their tokens from their own endpoints, not from {root}/token.",)


def _service_account(info: dict[str, Any], path: Path, scopes: tuple[str, ...], root: str) -> Any:
    from google.oauth2 import service_account

    missing = [key for key in ("client_email", "private_key") if not info.get(key)]
    if missing:
        raise UsageError(f"The service-account key {_shown(path)} lacks {', '.join(missing)}.",
                         "Download a new JSON key: Cloud console › IAM & Admin › Service accounts › Keys.")
    if "PRIVATE KEY" not in str(info["private_key"]):
        raise UsageError(
            f"The private_key in {_shown(path)} is not a key (still the placeholder of "
            "credentials.example.json?).",
            "Use the JSON key file Google gave you when you created the key, unchanged.",
        )
    info = dict(info)
    info["token_uri"] = f"{root}/token" if root else (info.get("token_uri") or GOOGLE_TOKEN_URI)
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=list(scopes))
    except (ValueError, TypeError):
        # The underlying message is about the key's encoding; never echo any part of the key itself.
        raise UsageError(f"The private_key in {_shown(path)} could not be read.",
                         "Download a new JSON key for the service account and use it unchanged.") from None


def _authorized_user(info: dict[str, Any], path: Path, scopes: tuple[str, ...], root: str) -> Any:
    """User credentials built here, because google-auth's loader always sends them to Google's
    token endpoint, which must not happen when an API root is configured."""
    from google.oauth2.credentials import Credentials as UserCredentials

    missing = [key for key in ("refresh_token", "client_id", "client_secret") if not info.get(key)]
    if missing:
        raise UsageError(f"The user credentials in {_shown(path)} lack {', '.join(missing)}.",
                         f"Sign in again: mapws auth login --client client_secret.json (see {SETUP_GUIDE}).")
    return UserCredentials(
        token=None,
        refresh_token=info["refresh_token"],
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        token_uri=f"{root}/token" if root else GOOGLE_TOKEN_URI,
        scopes=list(scopes),
        quota_project_id=info.get("quota_project_id"),
        account=info.get("account") or "",
    )


def _from_adc_file(scopes: tuple[str, ...], root: str, loopback: bool) -> Identity | None:
    """ADC when it comes from a file: the environment variable, or gcloud's well-known file.

    Keys and user files are read here, as for --credentials (so their token endpoint follows the
    API root); google-auth's ADC loader only gets the other types, and never with a loopback root:
    some of them call Google's endpoints while loading.
    """
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError, RefreshError

    env_path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    gcloud_file = _gcloud_adc_file()
    if env_path:
        path = Path(env_path).expanduser()
        origin, what = f"GOOGLE_APPLICATION_CREDENTIALS={_shown(path)}", "GOOGLE_APPLICATION_CREDENTIALS"
    elif not loopback and gcloud_file is not None and gcloud_file.exists():
        path = gcloud_file
        origin, what = f"gcloud application-default login, {_shown(path)}", "gcloud's ADC file"
    else:
        return None
    info = _read_json(path, what)
    source = f"Application Default Credentials ({origin})"
    warnings = _loose_permissions(path)
    if info.get("type") == "service_account":
        key = _service_account(info, path, scopes, root)
        return Identity(key, source, key.service_account_email, scopes, warnings, SERVICE_ACCOUNT)
    if info.get("type") == "authorized_user":
        user = _authorized_user(info, path, scopes, root)
        principal = user.account or "a Google user (email shown by mapws auth check)"
        return Identity(user, source, principal, scopes, warnings, USER)
    warnings += _unrooted(f"{info.get('type') or 'These'} credentials", root)
    try:
        creds, _project = google.auth.default(scopes=list(scopes))
    except (DefaultCredentialsError, RefreshError, ValueError) as exc:
        raise UsageError(f"Application Default Credentials ({origin}) could not be loaded: {exc}",
                         "Fix or unset GOOGLE_APPLICATION_CREDENTIALS, or run gcloud auth "
                         f"application-default login again (see {SETUP_GUIDE}).") from None
    creds, kind, principal = _describe_adc(creds, root)
    return Identity(creds, source, principal, scopes, warnings, kind)


def _describe_adc(creds: Any, root: str) -> tuple[Any, str, str]:
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    if isinstance(creds, service_account.Credentials):
        return (creds.with_token_uri(f"{root}/token") if root else creds), SERVICE_ACCOUNT, \
            creds.service_account_email
    if isinstance(creds, user_credentials.Credentials):
        rooted = creds.with_token_uri(f"{root}/token") if root else creds
        return rooted, USER, creds.account or "a Google user (email shown by mapws auth check)"
    email = getattr(creds, "service_account_email", None)
    if not email or email == "default":
        email = "the default service account of this Google Cloud machine"
    return creds, OTHER, email


def _from_metadata_server(scopes: tuple[str, ...]) -> Identity | None:
    """The last part of ADC: the service account of the Google Cloud machine this runs on."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        creds, _project = google.auth.default(scopes=list(scopes))
    except DefaultCredentialsError:
        return None
    creds, kind, principal = _describe_adc(creds, "")
    source = "Application Default Credentials (the metadata server of this Google Cloud machine)"
    return Identity(creds, source, principal, scopes, (), kind)


def _from_cached_token(scopes: tuple[str, ...], root: str, *, client_file: Path | None = None,
                       client_id: str = "") -> Identity | None:
    path = token_path()
    if not path.exists():
        return None
    info = _read_json(path, "the cached user token")
    login_hint = f"mapws auth login --client {_shown(client_file) if client_file else 'client_secret.json'}"
    if client_id and info.get("client_id") and info["client_id"] != client_id:
        raise UsageError(
            f"The cached sign-in ({_shown(path)}) was made with another OAuth client than "
            f"{_shown(client_file)}.",
            f"Sign in again with this client: {login_hint}",
        )
    granted = info.get("scopes") or []
    granted = granted.split() if isinstance(granted, str) else list(granted)
    missing = [short_scope(s) for s in scopes if granted and s not in granted]
    if missing:
        raise UsageError(
            f"The cached sign-in does not grant {', '.join(missing)}, which the scopes setting asks for.",
            f"Sign in again to grant it: {login_hint}",
        )
    creds = _authorized_user(info, path, scopes, root)
    principal = creds.account or "a Google user (email shown by mapws auth check)"
    return Identity(creds, f"cached user token ({_shown(path)})", principal, scopes, _loose_permissions(path),
                    USER)


def _gcloud_adc_file() -> Path | None:
    try:
        from google.auth import _cloud_sdk

        return Path(_cloud_sdk.get_application_default_credentials_path())
    except (ImportError, AttributeError, OSError):
        return None


# ------------------------------------------------------------------------------------------ sign-in


def login(client_file: Path, config: Config, *, open_browser: bool = True, port: int = 0,
          timeout_seconds: float = LOGIN_TIMEOUT_SECONDS) -> Identity:
    """`mapws auth login`: the installed-app flow in the browser, then the token cached at 0600.

    The address to open is printed on stderr (stdout stays clean for ``--json``).
    """
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    client_file = Path(client_file).expanduser()
    info = _read_json(client_file, "--client")
    section = "installed" if isinstance(info.get("installed"), dict) else "web" if isinstance(
        info.get("web"), dict) else ""
    if not section:
        raise UsageError(
            f"{_shown(client_file)} is not an OAuth client file (it has no 'installed' section).",
            "Create an OAuth client of type 'Desktop app' (Cloud console › APIs & Services › "
            f"Credentials) and download its JSON. See {SETUP_GUIDE}.",
        )
    root = config.google_api_root.rstrip("/")
    client_config = copy.deepcopy(info)
    if root:
        client_config[section]["token_uri"] = f"{root}/token"
    token_uri = str(client_config[section].get("token_uri") or GOOGLE_TOKEN_URI)
    scopes = configured_scopes(config)
    flow = InstalledAppFlow.from_client_config(client_config, scopes=list(scopes))
    try:
        with _oauthlib_allowances(token_uri), _oauth_libraries_quiet(), \
                contextlib.redirect_stdout(sys.stderr):
            creds = flow.run_local_server(
                host="127.0.0.1", port=port, open_browser=open_browser,
                authorization_prompt_message="Open this address in a browser to let mapws use your Google "
                                             "account:\n{url}\n",
                success_message="mapws is signed in. You can close this tab.",
                timeout_seconds=timeout_seconds, prompt="consent",
            )
    except WSGITimeoutError:
        raise UsageError("The browser did not come back from Google's sign-in page in time.",
                         f"Run mapws auth login --client {_shown(client_file)} again.") from None
    except OAuth2Error as exc:
        raise UsageError(f"Google sign-in did not complete ({exc.error}).",
                         "Approve the access mapws asks for, with the Google account that should own the "
                         f"plans, then run mapws auth login --client {_shown(client_file)} again.") from None
    except OSError as exc:
        raise UsageError(f"The sign-in could not finish: {exc.strerror or type(exc).__name__}.",
                         "Check that nothing else uses the port and that the API root answers.") from None
    if not creds.refresh_token:
        raise UsageError("Google returned no refresh token, so the sign-in would not survive the hour.",
                         "Remove mapws at https://myaccount.google.com/permissions, then sign in again.")
    granted_scopes = creds.granted_scopes or scopes
    granted = set(granted_scopes.split() if isinstance(granted_scopes, str) else granted_scopes)
    if DRIVE_FILE_SCOPE not in granted and not (granted & {SCOPE_PREFIX + "drive"}):
        raise UsageError(
            "The sign-in did not grant access to the Drive files mapws creates.",
            "Sign in again and tick 'See, edit, create and delete only the specific Google Drive files "
            "you use with this app'.",
        )
    warnings: list[str] = []
    kept = tuple(scope for scope in scopes if scope in granted)
    if kept != scopes:  # granular consent: keep (and cache) only what was ticked
        from google.oauth2.credentials import Credentials as UserCredentials

        warnings.append(f"Not granted: {', '.join(short_scope(s) for s in scopes if s not in kept)}; "
                        "mapws works without it, but sign in again to grant it if you opted into it.")
        creds = UserCredentials(creds.token, refresh_token=creds.refresh_token, token_uri=creds.token_uri,
                                client_id=creds.client_id, client_secret=creds.client_secret,
                                scopes=list(kept), granted_scopes=sorted(granted))
        scopes = kept
    email = ""
    try:
        about = RetryPolicy().run(GoogleClients(creds, root).drive().about().get(
            fields="user(emailAddress)").execute)
        email = str(about.get("user", {}).get("emailAddress") or "")
    except Exception as exc:  # noqa: BLE001 - the sign-in itself worked; the name is a nicety
        warnings.append(f"Signed in, but the account's email could not be read ({type(exc).__name__}); "
                        "mapws auth check will show it.")
    if email:
        creds = creds.with_account(email)
    path = token_path()
    write_private(path, creds.to_json(strip=["token", "expiry"]))
    logger.info("cached the user token in %s", path)
    principal = email or "a Google user (email shown by mapws auth check)"
    return Identity(creds, f"cached user token ({_shown(path)})", principal, scopes, tuple(warnings), USER)


@contextlib.contextmanager
def _oauthlib_allowances(token_uri: str) -> Iterator[None]:
    """oauthlib refuses plain http and a narrowed grant; allow http for a loopback token endpoint
    only, and let a narrowed grant through so the granted scopes can be checked here."""
    wanted = {"OAUTHLIB_RELAX_TOKEN_SCOPE": "1"}
    if token_uri.startswith("http://") and is_loopback(token_uri):
        wanted["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _BelowWarningDropped(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


@contextlib.contextmanager
def _oauth_libraries_quiet() -> Iterator[None]:
    """requests-oauthlib logs the token request and reply (client secret, code verifier, tokens) at
    DEBUG, and the flow logs the redirect with its code at INFO: drop those records while signing in."""
    prefixes = ("requests_oauthlib", "oauthlib", "google_auth_oauthlib")
    names = [name for name in list(logging.root.manager.loggerDict) if name.startswith(prefixes)]
    quiet = _BelowWarningDropped()
    loggers = [logging.getLogger(name) for name in {*names, *prefixes}]
    for each in loggers:
        each.addFilter(quiet)
    try:
        yield
    finally:
        for each in loggers:
            each.removeFilter(quiet)


# ------------------------------------------------------------------------------------ check, folder


def calls_for(identity: Identity, config: Config, retry: RetryPolicy | None = None) -> GoogleCalls:
    """The call boundary the plan store uses too, so a failure reads the same from every command."""
    return GoogleCalls(GoogleClients(identity.credentials, config.google_api_root), principal=identity.principal,
                       retry=retry, kind=identity.kind)


def check(config: Config, *, retry: RetryPolicy | None = None) -> dict[str, Any]:
    """`mapws auth check`: which identity, which scopes, and whether the target folder is writable."""
    identity = resolve_identity(config)
    calls = calls_for(identity, config, retry)
    warnings = list(identity.warnings)
    principal = identity.principal
    if identity.kind != ANONYMOUS:
        about = calls.execute("read the account's Drive profile", lambda: calls.drive.about().get(
            fields="user(emailAddress,displayName)"))
        principal = str(about.get("user", {}).get("emailAddress") or principal)
        calls.principal = principal
    folder = None
    if config.folder:
        meta = calls.execute("open the folder", lambda: calls.drive.files().get(
            fileId=config.folder, supportsAllDrives=True, fields="id,name,mimeType,capabilities(canAddChildren)"),
            folder=config.folder)
        if meta.get("mimeType", FOLDER_MIME) != FOLDER_MIME:
            raise UsageError(f"--folder {config.folder} is '{meta.get('name')}', which is not a folder.",
                             "Pass the ID of a Drive folder (the last part of the folder's address).")
        writable = bool(meta.get("capabilities", {}).get("canAddChildren"))
        folder = {"id": meta.get("id", config.folder), "name": meta.get("name"), "writable": writable}
        if not writable:
            warnings.append(f"{principal} can see the folder '{meta.get('name')}' but cannot add files to "
                            f"it: share it with {principal} as Content manager (Shared Drive) or Editor.")
    elif identity.kind == SERVICE_ACCOUNT and not config.impersonate:
        warnings.append(f"{principal} is a service account, which has no Drive storage of its own: set "
                        "--folder to a Shared Drive folder it is a Content manager of, or --impersonate a "
                        "user.")
    broad = identity.broad_scopes
    if broad:
        warnings.append(f"Broad scope(s) {', '.join(short_scope(s) for s in broad)} in use (scopes setting): "
                        "mapws can open every file they cover, not only its own. Remove them from the "
                        "scopes setting to go back to drive.file.")
    return {"source": identity.source, "principal": principal, "scopes": list(identity.scopes),
            "broad_scopes": bool(broad), "folder": folder, "warnings": warnings}


def create_folder(config: Config, name: str, *, retry: RetryPolicy | None = None) -> dict[str, Any]:
    """`mapws init --create-folder NAME`: a folder the app owns, so drive.file can see it.

    Inside ``config.folder`` when set (e.g. a Shared Drive folder for a service account).
    """
    identity = resolve_identity(config)
    if identity.kind == SERVICE_ACCOUNT and not config.folder and not config.impersonate:
        raise UsageError(
            f"A folder created by {identity.principal} without --folder would sit in the service "
            "account's own Drive, which no person can open.",
            "Pass --folder with the ID of a Shared Drive (or a folder in it) the service account is a "
            "Content manager of, or --impersonate a user.",
        )
    calls = calls_for(identity, config, retry)
    body: dict[str, Any] = {"name": name, "mimeType": FOLDER_MIME}
    if config.folder:
        body["parents"] = [config.folder]
    created = calls.execute(f"create the folder '{name}'", lambda: calls.drive.files().create(
        body=body, supportsAllDrives=True, fields="id,name,webViewLink"), folder=config.folder)
    return {"id": created.get("id"), "name": created.get("name"), "webViewLink": created.get("webViewLink")}


# ---------------------------------------------------------------------------------------- helpers


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.exists():
        raise UsageError(f"{what} names {_shown(path)}, which does not exist.",
                         f"Check the path; {SETUP_GUIDE} says which file to download.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise UsageError(f"{_shown(path)} ({what}) is not a readable JSON file{reason}.",
                         "Use the JSON file Google gave you, unchanged.") from None
    if not isinstance(data, dict):
        raise UsageError(f"{_shown(path)} ({what}) is not a JSON object.",
                         "Use the JSON file Google gave you.")
    return data


def _loose_permissions(path: Path) -> tuple[str, ...]:
    """A warning when other users of the machine can read (or change) a credentials file."""
    if os.name == "nt":
        return ()
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return ()
    if mode & 0o077:
        shown = _shown(path)
        return (f"{shown} can be read by other users of this machine (mode {mode:o}): chmod 600 {shown}",)
    return ()


def _shown(path: Path | None) -> str:
    """A path as a person would type it, with the home directory as ~."""
    if path is None:
        return ""
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text
