"""Drive v3 through google-api-python-client: files, appProperties queries, versions, sharing, batch."""

from __future__ import annotations

import io
import json

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from tests.google_emulator.clients import drive_batch, drive_service, sheets_service

SHEET = "application/vnd.google-apps.spreadsheet"
PLAN_QUERY = "appProperties has { key='mapws' and value='plan' } and trashed=false"


@pytest.fixture
def drive(emulator):
    return drive_service(emulator)


def test_create_copy_and_list_by_app_properties(emulator, drive):
    folder = (
        drive.files()
        .create(body={"name": "Plans", "mimeType": "application/vnd.google-apps.folder"}, fields="id")
        .execute()["id"]
    )
    template = (
        drive.files()
        .create(
            body={"name": "Template", "mimeType": SHEET, "appProperties": {"mapws": "template"}}, fields="id"
        )
        .execute()["id"]
    )
    copy = (
        drive.files()
        .copy(
            fileId=template,
            supportsAllDrives=True,
            fields="id,name,parents,appProperties",
            body={
                "name": "MAP Acme",
                "parents": [folder],
                "appProperties": {"mapws": "plan", "mapws_deal": "acme"},
            },
        )
        .execute()
    )
    assert copy["name"] == "MAP Acme" and copy["parents"] == [folder]
    assert copy["appProperties"] == {"mapws": "plan", "mapws_deal": "acme"}
    default = drive.files().copy(fileId=template, body={}).execute()
    assert set(default) == {"kind", "id", "name", "mimeType"} and default["name"] == "Copy of Template"
    listing = (
        drive.files()
        .list(
            q=PLAN_QUERY,
            pageSize=1000,
            supportsAllDrives=True,
            includeItemsFromAllDrives=True,
            fields="nextPageToken,files(id,name,modifiedTime,version,appProperties)",
        )
        .execute()
    )
    assert [f["id"] for f in listing["files"]] == [copy["id"]]
    assert set(listing["files"][0]) == {"id", "name", "modifiedTime", "version", "appProperties"}
    in_folder = (
        drive.files()
        .list(q=f"'{folder}' in parents and mimeType = '{SHEET}' and name = 'MAP Acme'", fields="files(id)")
        .execute()
    )
    assert in_folder == {"files": [{"id": copy["id"]}]}
    # the copied spreadsheet is a real spreadsheet
    assert (
        sheets_service(emulator).spreadsheets().get(spreadsheetId=copy["id"]).execute()["properties"]["title"]
        == "MAP Acme"
    )


def test_paging_and_app_property_privacy(emulator, drive):
    for number in range(5):
        emulator.seed_spreadsheet(f"Plan {number}", app_properties={"mapws": "plan"})
    first = drive.files().list(q=PLAN_QUERY, pageSize=2, fields="nextPageToken,files(id)").execute()
    assert len(first["files"]) == 2 and first["nextPageToken"]
    seen = [f["id"] for f in first["files"]]
    token = first["nextPageToken"]
    while token:
        page = (
            drive.files()
            .list(q=PLAN_QUERY, pageSize=2, pageToken=token, fields="nextPageToken,files(id)")
            .execute()
        )
        seen += [f["id"] for f in page["files"]]
        token = page.get("nextPageToken")
    assert len(set(seen)) == 5
    other_app = drive_service(emulator, Credentials(emulator.issue_token("anonymous", client="other-client")))
    assert other_app.files().list(q=PLAN_QUERY, fields="files(id)").execute() == {"files": []}


def test_version_grows_with_every_content_change(emulator, drive):
    spreadsheet_id = emulator.seed_spreadsheet("Versioned")
    version = int(drive.files().get(fileId=spreadsheet_id, fields="version").execute()["version"])
    sheets = sheets_service(emulator)
    sheets.spreadsheets().values().update(
        spreadsheetId=spreadsheet_id, range="A1", valueInputOption="RAW", body={"values": [["x"]]}
    ).execute()
    after_values = int(drive.files().get(fileId=spreadsheet_id, fields="version").execute()["version"])
    sheets.spreadsheets().batchUpdate(
        spreadsheetId=spreadsheet_id,
        body={
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            ]
        },
    ).execute()
    after_batch = (
        drive.files()
        .get(fileId=spreadsheet_id, fields="version,modifiedTime,capabilities/canEdit,owners(emailAddress)")
        .execute()
    )
    assert version < after_values < int(after_batch["version"])
    assert after_batch["capabilities"] == {"canEdit": True}
    assert after_batch["owners"] == [{"emailAddress": "anonymous"}]
    sheets.spreadsheets().get(spreadsheetId=spreadsheet_id).execute()
    assert (
        drive.files().get(fileId=spreadsheet_id, fields="version").execute()["version"]
        == after_batch["version"]
    )


def test_update_metadata_and_parents(emulator, drive):
    a = (
        drive.files()
        .create(body={"name": "A", "mimeType": "application/vnd.google-apps.folder"})
        .execute()["id"]
    )
    b = (
        drive.files()
        .create(body={"name": "B", "mimeType": "application/vnd.google-apps.folder"})
        .execute()["id"]
    )
    file_id = (
        drive.files()
        .create(
            body={
                "name": "Plan",
                "mimeType": SHEET,
                "parents": [a],
                "appProperties": {"mapws": "plan", "keep": "1"},
            }
        )
        .execute()["id"]
    )
    updated = (
        drive.files()
        .update(
            fileId=file_id,
            addParents=b,
            removeParents=a,
            body={"name": "Plan (won)", "appProperties": {"mapws": "archived", "keep": None}},
            fields="name,parents,appProperties",
        )
        .execute()
    )
    assert updated == {"name": "Plan (won)", "parents": [b], "appProperties": {"mapws": "archived"}}


def test_permissions_and_notifications(emulator, drive):
    file_id = emulator.seed_spreadsheet("Shared plan")
    created = (
        drive.permissions()
        .create(
            fileId=file_id,
            sendNotificationEmail=True,
            emailMessage="Our plan",
            body={"type": "user", "role": "writer", "emailAddress": "buyer@acme.example"},
        )
        .execute()
    )
    assert set(created) == {"kind", "id", "type", "role"} and created["role"] == "writer"
    listed = (
        drive.permissions().list(fileId=file_id, fields="permissions(id,role,emailAddress,type)").execute()
    )
    assert {(p["role"], p.get("emailAddress")) for p in listed["permissions"]} == {
        ("owner", "anonymous"),
        ("writer", "buyer@acme.example"),
    }
    assert emulator.state(spreadsheets=False)["notifications"] == [
        {
            "fileId": file_id,
            "to": "buyer@acme.example",
            "role": "writer",
            "sent": True,
            "message": "Our plan",
            "from": "anonymous",
        }
    ]
    buyer = sheets_service(emulator, Credentials(emulator.issue_token("buyer@acme.example")))
    assert buyer.spreadsheets().get(spreadsheetId=file_id, fields="properties.title").execute() == {
        "properties": {"title": "Shared plan"}
    }
    drive.permissions().delete(fileId=file_id, permissionId=created["id"]).execute()
    with pytest.raises(HttpError) as caught:
        buyer.spreadsheets().get(spreadsheetId=file_id).execute()
    assert caught.value.resp.status == 403
    with pytest.raises(HttpError) as caught:
        drive.permissions().create(fileId=file_id, body={"type": "user", "role": "writer"}).execute()
    assert caught.value.resp.status == 400


def test_private_files_are_not_found_for_others(emulator):
    private = emulator.seed_spreadsheet("Private", owner="someone@example.com")
    drive = drive_service(emulator, Credentials(emulator.issue_token("rep@seller.example")))
    with pytest.raises(HttpError) as caught:
        drive.files().get(fileId=private).execute()
    assert caught.value.resp.status == 404
    assert json.loads(caught.value.content)["error"]["message"] == f"File not found: {private}."


def test_drive_file_scope_sees_only_its_apps_files(emulator):
    mine = emulator.seed_spreadsheet("Made by mapws", owner="rep@seller.example", client="mapws-client")
    by_hand = emulator.seed_spreadsheet("Made in the UI", owner="rep@seller.example", client="drive-ui")
    token = emulator.issue_token(
        "rep@seller.example", scopes=["https://www.googleapis.com/auth/drive.file"], client="mapws-client"
    )
    drive = drive_service(emulator, Credentials(token))
    assert [f["id"] for f in drive.files().list(fields="files(id)").execute()["files"]] == [mine]
    sheets = sheets_service(emulator, Credentials(token))
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().get(spreadsheetId=by_hand).execute()
    assert caught.value.resp.status == 403
    emulator.grant_app_access(by_hand, "mapws-client")
    assert sheets.spreadsheets().get(spreadsheetId=by_hand).execute()["spreadsheetId"] == by_hand


def test_export_pdf_and_csv(emulator, drive):
    spreadsheet_id = emulator.seed_spreadsheet("Export", sheets={"Plan": [["ID", "Note"], ["T-01", "a,b"]]})
    csv_bytes = drive.files().export(fileId=spreadsheet_id, mimeType="text/csv").execute()
    assert csv_bytes.decode() == 'ID,Note\r\nT-01,"a,b"'
    pdf = drive.files().export(fileId=spreadsheet_id, mimeType="application/pdf").execute()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    from googleapiclient.http import MediaIoBaseDownload

    buffer = io.BytesIO()
    downloader = MediaIoBaseDownload(
        buffer, drive.files().export_media(fileId=spreadsheet_id, mimeType="application/pdf")
    )
    done = False
    while not done:
        _, done = downloader.next_chunk()
    assert buffer.getvalue().startswith(b"%PDF-")
    with pytest.raises(HttpError) as caught:
        drive.files().export(fileId=spreadsheet_id, mimeType="image/gif").execute()
    assert caught.value.resp.status == 400


def test_batch_of_permission_creates(emulator, drive):
    file_id = emulator.seed_spreadsheet("Batch")
    results = {}

    def collect(request_id, response, exception):
        results[request_id] = exception or response

    batch = drive_batch(emulator, collect)
    for email in ("a@acme.example", "b@acme.example"):
        batch.add(
            drive.permissions().create(
                fileId=file_id,
                sendNotificationEmail=False,
                body={"type": "user", "role": "commenter", "emailAddress": email},
            )
        )
    batch.add(drive.files().get(fileId="missing-file-id"))
    batch.execute()
    assert [results[k]["role"] for k in ("1", "2")] == ["commenter", "commenter"]
    assert isinstance(results["3"], HttpError) and results["3"].resp.status == 404
    inner = [e for e in emulator.log_entries() if e.get("batch") and e["path"] != "/batch/drive/v3"]
    assert [e["status"] for e in inner] == [200, 200, 404]
    assert len({e["batch"] for e in inner}) == 1
    assert [n["sent"] for n in emulator.state(spreadsheets=False)["notifications"]] == [False, False]


def test_changes_feed(emulator, drive):
    start = drive.changes().getStartPageToken().execute()["startPageToken"]
    file_id = emulator.seed_spreadsheet("Changing")
    sheets_service(emulator).spreadsheets().values().update(
        spreadsheetId=file_id, range="A1", valueInputOption="RAW", body={"values": [["x"]]}
    ).execute()
    changes = (
        drive.changes().list(pageToken=start, fields="newStartPageToken,changes(fileId,removed)").execute()
    )
    assert [c["fileId"] for c in changes["changes"]] == [file_id, file_id]
    drive.files().delete(fileId=file_id).execute()
    later = drive.changes().list(pageToken=changes["newStartPageToken"]).execute()
    assert later["changes"][0]["removed"] is True


def test_multipart_upload_creates_a_spreadsheet_from_csv(emulator):
    import requests

    boundary = "xyz"
    body = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        + json.dumps({"name": "Imported", "mimeType": SHEET})
        + f"\r\n--{boundary}\r\nContent-Type: text/csv\r\n\r\nID,Owner\r\nT-01,Ann\r\n--{boundary}--\r\n"
    )
    response = requests.post(
        emulator.base_url + "/upload/drive/v3/files?uploadType=multipart",
        data=body.encode(),
        headers={"Content-Type": f"multipart/related; boundary={boundary}"},
        timeout=10,
    )
    assert response.status_code == 200
    file_id = response.json()["id"]
    values = emulator.state()["spreadsheets"][file_id]["sheets"][0]["values"]
    assert values == [["ID", "Owner"], ["T-01", "Ann"]]


def test_last_modifying_user_is_the_last_editor_by_their_profile_name(emulator, drive):
    """Drive names the account that made the latest change, by the name on its Google profile."""
    sheet_id = emulator.seed_spreadsheet("Plan", owner="rep@seller.example")
    emulator.name_user("dana@acme.example", "Dana Tanaka")
    emulator.apply_edit(sheet_id, [], editor="dana@acme.example")
    got = drive.files().get(fileId=sheet_id, fields="lastModifyingUser(displayName,emailAddress)").execute()
    assert got == {"lastModifyingUser": {"displayName": "Dana Tanaka", "emailAddress": "dana@acme.example"}}
    listed = drive.files().list(q="trashed=false", fields="files(id,lastModifyingUser(displayName))").execute()
    assert {"id": sheet_id, "lastModifyingUser": {"displayName": "Dana Tanaka"}} in listed["files"]
