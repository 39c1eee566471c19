"""Drive and Docs behaviours live Google has and a lenient emulator would hide (issue 10): sharing
with addresses that have no Google account, appProperties limits, Shared Drive roles for trash and
delete, search lagging behind writes, `version` steps larger than one, and a write whose answer is
lost. Each is a switch a test turns on (reset puts back the defaults), except the limits and the
roles, which always hold."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httplib2
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from tests.google_emulator.clients import docs_service, drive_service

SHEET = "application/vnd.google-apps.spreadsheet"
FOLDER = "application/vnd.google-apps.folder"


@pytest.fixture
def drive(emulator):
    return drive_service(emulator)


def as_user(emulator, email):
    return drive_service(emulator, Credentials(emulator.issue_token(email)))


def reason(caught) -> str:
    return json.loads(caught.value.content)["error"]["errors"][0]["reason"]


# --- 1. sharing with an address that has no Google account ----------------------------------------


def test_sharing_without_the_notification_is_refused_for_an_address_without_a_google_account(emulator, drive):
    emulator.without_google_account("outlook-buyer.example")
    file_id = emulator.seed_spreadsheet("Plan")
    person = {"type": "user", "role": "reader", "emailAddress": "kim@outlook-buyer.example"}
    with pytest.raises(HttpError) as caught:
        drive.permissions().create(fileId=file_id, body=person, sendNotificationEmail=False).execute()
    assert caught.value.resp.status == 400 and reason(caught) == "invalidSharingRequest"
    assert "you must check the 'Notify people' box" in json.loads(caught.value.content)["error"]["message"]
    drive.permissions().create(fileId=file_id, body=person, sendNotificationEmail=True,
                               emailMessage="The plan's summary").execute()
    google_user = {"type": "user", "role": "reader", "emailAddress": "dana@acme.example"}
    drive.permissions().create(fileId=file_id, body=google_user, sendNotificationEmail=False).execute()
    assert [(n["to"], n["sent"]) for n in emulator.state(spreadsheets=False)["notifications"]] == [
        ("kim@outlook-buyer.example", True), ("dana@acme.example", False)]


def test_every_address_has_a_google_account_by_default(emulator, drive):
    file_id = emulator.seed_spreadsheet("Plan")
    drive.permissions().create(fileId=file_id, sendNotificationEmail=False,
                               body={"type": "user", "role": "reader", "emailAddress": "kim@outlook.example"}).execute()


# --- 2. appProperties limits ----------------------------------------------------------------------


def test_an_app_property_over_124_bytes_is_refused_and_nothing_is_created(emulator, drive):
    fits = "東" * 38  # 10 bytes of key + 114 of value = 124
    created = drive.files().create(body={"name": "ok", "mimeType": SHEET, "appProperties": {"mapws_deal": fits}},
                                   fields="id,appProperties").execute()
    assert created["appProperties"] == {"mapws_deal": fits}
    for body in ({"name": "too long", "mimeType": SHEET, "appProperties": {"mapws_deal": fits + "a"}},
                 {"name": "too long", "properties": {"mapws_deal": "é" * 58}}):
        with pytest.raises(HttpError) as caught:
            drive.files().create(body=body).execute()
        assert caught.value.resp.status == 403 and reason(caught) == "propertyLengthLimitExceeded"
    with pytest.raises(HttpError) as caught:
        drive.files().update(fileId=created["id"], body={"name": "renamed", "appProperties": {"k": "v" * 124}}
                             ).execute()
    assert reason(caught) == "propertyLengthLimitExceeded"
    with pytest.raises(HttpError) as caught:
        drive.files().copy(fileId=created["id"], body={"appProperties": {"mapws_deal": fits + "a"}}).execute()
    assert reason(caught) == "propertyLengthLimitExceeded"
    files = emulator.state(spreadsheets=False)["files"]
    assert [f["name"] for f in files] == ["ok"]  # the refused update renamed nothing


def test_at_most_30_app_properties_per_app(emulator, drive):
    many = {f"k{i}": "v" for i in range(30)}
    file_id = drive.files().create(body={"name": "f", "appProperties": many}).execute()["id"]
    with pytest.raises(HttpError) as caught:
        drive.files().update(fileId=file_id, body={"appProperties": {"k30": "v"}}).execute()
    assert caught.value.resp.status == 403
    drive.files().update(fileId=file_id, body={"appProperties": {"k0": None, "k30": "v"}}).execute()


# --- 3. Shared Drive roles: trash needs a Content manager, delete a Manager -----------------------


def test_a_content_manager_trashes_but_cannot_delete_in_a_shared_drive(emulator):
    drive_id = emulator.add_shared_drive("Sales MAPs", {"bot@seller.example": "fileOrganizer",
                                                        "boss@seller.example": "organizer",
                                                        "rep@seller.example": "writer"})
    bot, boss, rep = (as_user(emulator, e) for e in ("bot@seller.example", "boss@seller.example",
                                                     "rep@seller.example"))
    made = [bot.files().create(body={"name": name, "mimeType": SHEET, "parents": [drive_id]},
                               supportsAllDrives=True, fields="id,driveId,capabilities(canTrash,canDelete)").execute()
            for name in ("a", "b")]
    assert made[0]["driveId"] == drive_id and made[0]["capabilities"] == {"canTrash": True, "canDelete": False}
    first, second = (m["id"] for m in made)
    with pytest.raises(HttpError) as caught:
        bot.files().delete(fileId=first, supportsAllDrives=True).execute()
    assert caught.value.resp.status == 403 and reason(caught) == "insufficientFilePermissions"
    with pytest.raises(HttpError) as caught:
        rep.files().update(fileId=first, body={"trashed": True}, supportsAllDrives=True).execute()
    assert caught.value.resp.status == 403  # a Contributor may edit, not trash
    bot.files().update(fileId=first, body={"trashed": True}, supportsAllDrives=True).execute()
    boss.files().delete(fileId=second, supportsAllDrives=True).execute()
    listed = bot.files().list(q="trashed=false", supportsAllDrives=True, includeItemsFromAllDrives=True,
                              corpora="allDrives", fields="files(id)").execute()["files"]
    assert listed == [] and second not in emulator.core.files and emulator.core.files[first].trashed


def test_shared_drive_items_are_hidden_from_apps_that_do_not_say_they_support_them(emulator):
    drive_id = emulator.add_shared_drive("Sales MAPs", {"bot@seller.example": "fileOrganizer"})
    bot = as_user(emulator, "bot@seller.example")
    with pytest.raises(HttpError) as caught:
        bot.files().create(body={"name": "a", "parents": [drive_id]}).execute()
    assert caught.value.resp.status == 404
    file_id = bot.files().create(body={"name": "a", "parents": [drive_id]}, supportsAllDrives=True).execute()["id"]
    with pytest.raises(HttpError) as caught:
        bot.files().get(fileId=file_id).execute()
    assert caught.value.resp.status == 404
    assert bot.files().list(fields="files(id)").execute()["files"] == []
    assert bot.files().list(supportsAllDrives=True, includeItemsFromAllDrives=True,
                            fields="files(id,owners)").execute()["files"] == [{"id": file_id}]  # no owners there
    outsider = as_user(emulator, "someone@else.example")
    with pytest.raises(HttpError) as caught:
        outsider.files().get(fileId=file_id, supportsAllDrives=True).execute()
    assert caught.value.resp.status == 404


def test_in_my_drive_only_the_owner_trashes(emulator, drive):
    file_id = emulator.seed_spreadsheet("Plan", owner="rep@seller.example",
                                        shared_with={"dana@acme.example": "writer"})
    dana = as_user(emulator, "dana@acme.example")
    with pytest.raises(HttpError) as caught:
        dana.files().update(fileId=file_id, body={"trashed": True}).execute()
    assert caught.value.resp.status == 403 and reason(caught) == "insufficientFilePermissions"
    as_user(emulator, "rep@seller.example").files().update(fileId=file_id, body={"trashed": True}).execute()


# --- 8. search lags writes --------------------------------------------------------------------------


def test_a_new_file_is_found_by_get_at_once_and_by_search_only_after_the_lag(emulator, drive):
    emulator.set_search_lag(30)
    query = "appProperties has { key='mapws' and value='state' } and trashed=false"
    file_id = drive.files().create(body={"name": "state", "appProperties": {"mapws": "state"}}).execute()["id"]
    assert drive.files().list(q=query).execute()["files"] == []
    assert drive.files().get(fileId=file_id, fields="id").execute() == {"id": file_id}
    emulator.advance_clock(31)
    assert [f["id"] for f in drive.files().list(q=query).execute()["files"]] == [file_id]


# --- 9. how far one write moves `version` ---------------------------------------------------------


def test_the_version_step_is_one_by_default_and_configurable(emulator, drive):
    file_id = emulator.seed_spreadsheet("Plan")

    def version() -> int:
        return int(drive.files().get(fileId=file_id, fields="version").execute()["version"])

    def write() -> None:
        drive.files().update(fileId=file_id, body={"description": "x"}).execute()

    start = version()
    write()
    assert version() == start + 1
    emulator.set_version_step(1, 4)
    steps = []
    for _ in range(20):
        before = version()
        write()
        steps.append(version() - before)
    assert set(steps) <= {1, 2, 3, 4} and max(steps) > 1


# --- 7. a write whose answer is lost ----------------------------------------------------------------


def test_a_lost_answer_means_the_write_landed(emulator):
    docs = docs_service(emulator)
    document_id = docs.documents().create(body={"title": "Summary"}).execute()["documentId"]
    insert = {"requests": [{"insertText": {"location": {"index": 1}, "text": "Hello"}}]}
    emulator.lose_answer("docs.documents.batchUpdate", 503)
    with pytest.raises(HttpError) as caught:
        docs.documents().batchUpdate(documentId=document_id, body=insert).execute()
    assert caught.value.resp.status == 503
    emulator.lose_answer("docs.documents.batchUpdate", 0)
    with pytest.raises((httplib2.HttpLib2Error, ConnectionError, OSError)):
        docs.documents().batchUpdate(documentId=document_id, body=insert).execute()
    assert emulator.state(spreadsheets=False)["documents"][document_id]["text"] == "HelloHello\n"


def test_the_date_header_and_modified_time_share_googles_clock(emulator, drive):
    """The Date of a write's answer is on the clock modifiedTime is on (seconds, truncated)."""
    from email.utils import parsedate_to_datetime

    import requests

    emulator.advance_clock(3 * 3600)
    file_id = emulator.seed_spreadsheet("Plan")
    answer = requests.post(f"{emulator.base_url}/v4/spreadsheets/{file_id}:batchUpdate", timeout=10, json={
        "requests": [{"updateSpreadsheetProperties": {"properties": {"title": "Renamed"}, "fields": "title"}}]})
    stamped = parsedate_to_datetime(answer.headers["Date"])
    modified = drive.files().get(fileId=file_id, fields="modifiedTime").execute()["modifiedTime"]
    modified_at = datetime.fromisoformat(modified.replace("Z", "+00:00"))
    assert stamped <= modified_at < stamped + timedelta(seconds=1)
