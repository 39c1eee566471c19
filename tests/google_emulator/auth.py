"""The OAuth token endpoint and the mapping from bearer tokens to principals and scopes."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError

ALL_SCOPES = frozenset(
    {
        "https://www.googleapis.com/auth/drive",
        "https://www.googleapis.com/auth/spreadsheets",
        "https://www.googleapis.com/auth/documents",
    }
)
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the identity, its OAuth client, its scopes; anonymous callers see everything."""

    principal: str
    client: str
    scopes: frozenset[str] = field(default_factory=lambda: ALL_SCOPES)
    superuser: bool = False

    def has_any(self, scopes: list[str]) -> bool:
        return self.superuser or not scopes or any(scope in self.scopes for scope in scopes)

    def sees_all_of_user(self, api: str, write: bool = False) -> bool:
        """False when only drive.file grants access, so the caller sees just its app's files."""
        if self.superuser:
            return True
        base = "https://www.googleapis.com/auth/"
        broad = {
            base + "drive",
            base + "drive.readonly",
            base + "drive.metadata",
            base + "drive.metadata.readonly",
        }
        if api == "sheets":
            broad |= {base + "spreadsheets", base + "spreadsheets.readonly"}
        if api == "docs":
            broad |= {base + "documents", base + "documents.readonly"}
        return bool(self.scopes & broad)


ANONYMOUS_CALLER = Caller(ANONYMOUS, ANONYMOUS, ALL_SCOPES, superuser=True)


def oauth_error(error: str, description: str, status: int = 400) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description})


def decode_jwt_payload(token: str) -> dict[str, Any]:
    """The claims of a JWT, signature not checked (the emulator trusts its callers)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        raise oauth_error("invalid_grant", "Invalid JWT: malformed.") from None


@dataclass
class TokenRegistry:
    """Issued access tokens and the refresh tokens the emulator knows about."""

    access: dict[str, Caller] = field(default_factory=dict)
    refresh: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    # authorization codes a test handed out in place of Google's consent screen (one use each)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def issue(self, principal: str, client: str, scopes: frozenset[str]) -> str:
        token = "ya29.emu-" + secrets.token_urlsafe(24)
        self.access[token] = Caller(principal, client, scopes)
        return token

    def caller_for(self, authorization: str | None) -> Caller | None:
        """None means the header named no usable token (a 401)."""
        if not authorization:
            return ANONYMOUS_CALLER
        kind, _, token = authorization.partition(" ")
        if kind.lower() != "bearer" or not token:
            return None
        token = token.strip()
        if token in self.access:
            return self.access[token]
        if token.count(".") == 2:
            # a self-signed JWT (service accounts can call APIs with one directly)
            try:
                claims = decode_jwt_payload(token)
            except ApiError:
                return None
            principal = claims.get("sub") or claims.get("iss")
            if not principal:
                return None
            scopes = frozenset((claims.get("scope") or "").split()) or ALL_SCOPES
            return Caller(principal, claims.get("iss", principal), scopes)
        return None

    def token_endpoint(
        self, form_body: bytes, token_uri: str, authorization: str | None = None
    ) -> dict[str, Any]:
        """Answer POST /token for refresh_token, jwt-bearer and authorization_code grants."""
        form = {k: v[0] for k, v in urllib.parse.parse_qs(form_body.decode("utf-8")).items()}
        kind, _, credentials = (authorization or "").partition(" ")
        if kind.lower() == "basic" and "client_id" not in form:
            # client_secret_basic (RFC 6749 2.3.1), as requests-oauthlib sends it
            try:
                client_id = base64.b64decode(credentials).decode("utf-8").partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                raise oauth_error("invalid_client", "The OAuth client was not found.", 401) from None
            form["client_id"] = urllib.parse.unquote_plus(client_id)
        grant = form.get("grant_type")
        if grant == "refresh_token":
            refresh_token = form.get("refresh_token")
            client_id = form.get("client_id")
            if not refresh_token or not client_id:
                raise oauth_error("invalid_request", "Missing required parameter: refresh_token or client_id")
            known = self.refresh.get(refresh_token)
            principal = known[0] if known else client_id
            requested = frozenset((form.get("scope") or "").split())
            scopes = requested or (known[1] if known else ALL_SCOPES)
            token = self.issue(principal, client_id, scopes)
            return {
                "access_token": token,
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": " ".join(sorted(scopes)),
            }
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            assertion = form.get("assertion")
            if not assertion:
                raise oauth_error("invalid_request", "Missing required parameter: assertion")
            claims = decode_jwt_payload(assertion)
            for claim in ("iss", "scope", "aud"):
                if not claims.get(claim):
                    raise oauth_error("invalid_grant", f"Invalid JWT: missing claim '{claim}'.")
            principal = claims.get("sub") or claims["iss"]
            scopes = frozenset(claims["scope"].split())
            token = self.issue(principal, claims["iss"], scopes)
            return {
                "access_token": token,
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": " ".join(sorted(scopes)),
            }
        if grant == "authorization_code":
            return self.exchange_code(form)
        raise oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")

    def exchange_code(self, form: dict[str, str]) -> dict[str, Any]:
        """The installed-app flow's code exchange: a refresh token and an access token for the
        principal the code was registered for; PKCE (S256) checked when a challenge was given."""
        code = form.get("code")
        if not code or not form.get("client_id") or not form.get("redirect_uri"):
            raise oauth_error(
                "invalid_request", "Missing required parameter: code, client_id or redirect_uri"
            )
        granted = self.codes.pop(code, None)
        if granted is None:
            raise oauth_error("invalid_grant", "Malformed auth code.")
        if granted["redirect_uri"] and form["redirect_uri"] != granted["redirect_uri"]:
            raise oauth_error("redirect_uri_mismatch", "Bad Request")
        if granted["code_challenge"]:
            verifier = (form.get("code_verifier") or "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).decode().rstrip("=")
            if digest != granted["code_challenge"]:
                raise oauth_error("invalid_grant", "Invalid code verifier.")
        refresh_token = "1//emu-" + secrets.token_urlsafe(24)
        self.refresh[refresh_token] = (granted["principal"], granted["scopes"])
        token = self.issue(granted["principal"], form["client_id"], granted["scopes"])
        return {
            "access_token": token,
            "expires_in": 3599,
            "refresh_token": refresh_token,
            "scope": " ".join(sorted(granted["scopes"])),
            "token_type": "Bearer",
        }
