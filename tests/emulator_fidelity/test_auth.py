"""The token endpoint, principals in the log, scope enforcement and require_auth."""

from __future__ import annotations

import json

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from googleapiclient.errors import HttpError

from tests.google_emulator import Emulator
from tests.google_emulator.clients import drive_service, gspread_client, sheets_service

SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
DRIVE_FILE_SCOPE = "https://www.googleapis.com/auth/drive.file"


def _service_account_info(token_uri: str) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "emulator-tests",
        "private_key_id": "throwaway",
        "private_key": pem,
        "client_email": "mapws-sync@emulator-tests.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": token_uri,
    }


def test_service_account_jwt_and_impersonation(emulator):
    info = _service_account_info(emulator.token_uri)
    creds = service_account.Credentials.from_service_account_info(
        info, scopes=[SHEETS_SCOPE, DRIVE_FILE_SCOPE]
    )
    drive = drive_service(emulator, creds)
    created = (
        drive.files()
        .create(body={"name": "By the robot", "mimeType": "application/vnd.google-apps.spreadsheet"})
        .execute()
    )
    delegated = creds.with_subject("rep@seller.example")
    sheets_service(emulator, delegated).spreadsheets().create(
        body={"properties": {"title": "By the rep"}}
    ).execute()
    entries = emulator.log_entries()
    token_calls = [e for e in entries if e["path"] == "/token"]
    assert [e["principal"] for e in token_calls] == [
        "mapws-sync@emulator-tests.iam.gserviceaccount.com",
        "rep@seller.example",
    ]
    api_calls = [e for e in entries if e["path"] != "/token"]
    assert [e["principal"] for e in api_calls] == [
        "mapws-sync@emulator-tests.iam.gserviceaccount.com",
        "rep@seller.example",
    ]
    owners = {f["name"]: f["owner"] for f in emulator.state(spreadsheets=False)["files"]}
    assert owners == {
        "By the robot": "mapws-sync@emulator-tests.iam.gserviceaccount.com",
        "By the rep": "rep@seller.example",
    }
    assert created["id"]


def test_token_endpoint_rejects_incomplete_assertions(emulator):
    import base64

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    assertion = f"{b64({'alg': 'RS256'})}.{b64({'iss': 'x@y', 'aud': emulator.token_uri})}.sig"
    response = requests.post(
        emulator.token_uri,
        timeout=10,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_authorized_user_refresh_token(emulator):
    emulator.register_refresh_token("1//refresh", "rep@seller.example", scopes=[SHEETS_SCOPE])
    creds = user_credentials.Credentials(
        None,
        refresh_token="1//refresh",
        token_uri=emulator.token_uri,
        client_id="desktop-client.apps.googleusercontent.com",
        client_secret="not-secret",
    )
    client = gspread_client(emulator, creds)
    spreadsheet_id = emulator.seed_spreadsheet(
        "Shared", owner="boss@seller.example", shared_with={"rep@seller.example": "writer"}
    )
    client.open_by_key(spreadsheet_id).sheet1.update_acell("A1", "hello")
    principals = {e["principal"] for e in emulator.log_entries()}
    assert principals == {"rep@seller.example"}
    token_reply = [e for e in emulator.log_entries() if e["path"] == "/token"]
    assert len(token_reply) == 1 and token_reply[0]["status"] == 200


def test_missing_scope_is_403_with_googles_body(emulator):
    readonly = emulator.issue_token(
        "rep@seller.example", scopes=["https://www.googleapis.com/auth/spreadsheets.readonly"]
    )
    spreadsheet_id = emulator.seed_spreadsheet("Read only", owner="rep@seller.example")
    sheets = sheets_service(emulator, user_credentials.Credentials(readonly))
    assert (
        sheets.spreadsheets().get(spreadsheetId=spreadsheet_id).execute()["spreadsheetId"] == spreadsheet_id
    )
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().batchUpdate(
            spreadsheetId=spreadsheet_id,
            body={"requests": [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}}]},
        ).execute()
    assert caught.value.resp.status == 403
    error = json.loads(caught.value.content)["error"]
    assert error["message"] == "Request had insufficient authentication scopes."
    assert error["status"] == "PERMISSION_DENIED"
    assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_require_auth_rejects_anonymous_and_unknown_tokens():
    with Emulator(require_auth=True) as emulator:
        anonymous = requests.get(emulator.base_url + "/drive/v3/files", timeout=10)
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["status"] == "UNAUTHENTICATED"
        forged = requests.get(
            emulator.base_url + "/drive/v3/files", timeout=10, headers={"Authorization": "Bearer not-a-token"}
        )
        assert forged.status_code == 401
        token = emulator.issue_token("rep@seller.example")
        ok = requests.get(
            emulator.base_url + "/drive/v3/files", timeout=10, headers={"Authorization": f"Bearer {token}"}
        )
        assert ok.status_code == 200
        assert [e["principal"] for e in emulator.log_entries()] == [
            "anonymous",
            "anonymous",
            "rep@seller.example",
        ]


def test_authorization_code_exchange_once_with_pkce(emulator):
    import base64
    import hashlib

    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    emulator.register_authorization_code(
        "4/code",
        "rep@seller.example",
        scopes=[SHEETS_SCOPE],
        redirect_uri="http://localhost:8765/",
        code_challenge=challenge,
    )
    form = {
        "grant_type": "authorization_code",
        "code": "4/code",
        "client_id": "desktop-client",
        "redirect_uri": "http://localhost:8765/",
        "code_verifier": verifier,
    }
    granted = requests.post(emulator.token_uri, data=form, timeout=10)
    assert granted.status_code == 200
    assert granted.json()["refresh_token"] and granted.json()["scope"] == SHEETS_SCOPE
    assert requests.post(emulator.token_uri, data=form, timeout=10).json()["error"] == "invalid_grant"
    refreshed = requests.post(
        emulator.token_uri,
        timeout=10,
        data={
            "grant_type": "refresh_token",
            "refresh_token": granted.json()["refresh_token"],
            "client_id": "desktop-client",
        },
    )
    assert refreshed.status_code == 200
    assert [e["principal"] for e in emulator.log_entries()] == [
        "rep@seller.example",
        "anonymous",
        "rep@seller.example",
    ]
