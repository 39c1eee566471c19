"""Docs v1 through google-api-python-client: structure, UTF-16 indices, tables, revisions."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from tests.google_emulator.clients import docs_service, drive_service


@pytest.fixture
def docs(emulator):
    return docs_service(emulator)


def _content(docs, document_id):
    return docs.documents().get(documentId=document_id).execute()["body"]["content"]


def test_new_document_is_a_section_break_and_an_empty_paragraph(docs):
    created = docs.documents().create(body={"title": "Summary", "body": {"content": []}}).execute()
    assert created["title"] == "Summary" and created["revisionId"]
    content = _content(docs, created["documentId"])
    assert content[0] == {
        "endIndex": 1,
        "sectionBreak": {
            "sectionStyle": {
                "columnSeparatorStyle": "NONE",
                "contentDirection": "LEFT_TO_RIGHT",
                "sectionType": "CONTINUOUS",
            }
        },
    }
    assert content[1]["startIndex"] == 1 and content[1]["endIndex"] == 2
    assert content[1]["paragraph"]["elements"][0]["textRun"]["content"] == "\n"


def test_insert_table_cell_indices_follow_googles_example(docs):
    document_id = docs.documents().create(body={"title": "Table"}).execute()["documentId"]
    docs.documents().batchUpdate(
        documentId=document_id,
        body={"requests": [{"insertTable": {"rows": 2, "columns": 2, "location": {"index": 1}}}]},
    ).execute()
    table = next(e for e in _content(docs, document_id) if "table" in e)
    assert table["startIndex"] == 2
    cells = [
        [cell["content"][0]["startIndex"] for cell in row["tableCells"]]
        for row in table["table"]["tableRows"]
    ]
    assert cells == [[5, 7], [10, 12]]
    # fill back to front so earlier indices stay valid, as Google's guide does
    docs.documents().batchUpdate(
        documentId=document_id,
        body={
            "requests": [
                {"insertText": {"location": {"index": index}, "text": text}}
                for index, text in ((12, "D"), (10, "C"), (7, "B"), (5, "A"))
            ]
        },
    ).execute()
    table = next(e for e in _content(docs, document_id) if "table" in e)
    texts = [
        [cell["content"][0]["paragraph"]["elements"][0]["textRun"]["content"] for cell in row["tableCells"]]
        for row in table["table"]["tableRows"]
    ]
    assert texts == [["A\n", "B\n"], ["C\n", "D\n"]]


def test_requests_see_each_other_and_count_utf16(docs):
    document_id = docs.documents().create(body={"title": "Indices"}).execute()["documentId"]
    reply = (
        docs.documents()
        .batchUpdate(
            documentId=document_id,
            body={
                "requests": [
                    {"insertText": {"location": {"index": 1}, "text": "Status 😀\nNext steps\n"}},
                    {
                        "updateParagraphStyle": {
                            "range": {"startIndex": 1, "endIndex": 10},
                            "paragraphStyle": {"namedStyleType": "HEADING_1"},
                            "fields": "namedStyleType",
                        }
                    },
                    # "Status 😀\n" is 10 UTF-16 units (the emoji counts 2), so "Next" starts at 11
                    {
                        "updateTextStyle": {
                            "range": {"startIndex": 11, "endIndex": 15},
                            "textStyle": {"bold": True},
                            "fields": "bold",
                        }
                    },
                    {
                        "createParagraphBullets": {
                            "range": {"startIndex": 11, "endIndex": 21},
                            "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE",
                        }
                    },
                    {
                        "replaceAllText": {
                            "containsText": {"text": "steps", "matchCase": True},
                            "replaceText": "moves",
                        }
                    },
                    {"insertPageBreak": {"location": {"index": 21}}},
                ]
            },
        )
        .execute()
    )
    assert reply["replies"][4] == {"replaceAllText": {"occurrencesChanged": 1}}
    content = _content(docs, document_id)
    heading, bullet = content[1], content[2]
    assert (heading["startIndex"], heading["endIndex"]) == (1, 11)
    assert heading["paragraph"]["paragraphStyle"]["namedStyleType"] == "HEADING_1"
    runs = bullet["paragraph"]["elements"]
    assert runs[0] == {
        "startIndex": 11,
        "endIndex": 15,
        "textRun": {"content": "Next", "textStyle": {"bold": True}},
    }
    assert runs[1]["textRun"]["content"] == " moves"
    # a page break and a newline were inserted before the paragraph's own newline
    assert [("pageBreak" in r, r.get("startIndex")) for r in runs[2:]] == [(True, 21), (False, 22)]
    assert "bullet" in bullet["paragraph"]
    assert content[3]["startIndex"] == 23


def test_delete_content_range_merges_paragraphs(docs):
    document_id = docs.documents().create(body={"title": "Delete"}).execute()["documentId"]
    docs.documents().batchUpdate(
        documentId=document_id,
        body={
            "requests": [
                {"insertText": {"location": {"index": 1}, "text": "Hello\nWorld"}},
                {"deleteContentRange": {"range": {"startIndex": 4, "endIndex": 9}}},
            ]
        },
    ).execute()
    content = _content(docs, document_id)
    assert [e["paragraph"]["elements"][0]["textRun"]["content"] for e in content[1:]] == ["Helrld\n"]
    with pytest.raises(HttpError) as caught:
        docs.documents().batchUpdate(
            documentId=document_id,
            body={"requests": [{"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 8}}}]},
        ).execute()
    assert caught.value.resp.status == 400
    assert b"newline character at the end of the segment" in caught.value.content


def test_required_revision_id_is_enforced(docs):
    created = docs.documents().create(body={"title": "Revisions"}).execute()
    first = (
        docs.documents()
        .batchUpdate(
            documentId=created["documentId"],
            body={
                "requests": [{"insertText": {"location": {"index": 1}, "text": "a"}}],
                "writeControl": {"requiredRevisionId": created["revisionId"]},
            },
        )
        .execute()
    )
    assert first["writeControl"]["requiredRevisionId"] != created["revisionId"]
    with pytest.raises(HttpError) as caught:
        docs.documents().batchUpdate(
            documentId=created["documentId"],
            body={
                "requests": [{"insertText": {"location": {"index": 1}, "text": "b"}}],
                "writeControl": {"requiredRevisionId": created["revisionId"]},
            },
        ).execute()
    assert caught.value.resp.status == 400


def test_doc_created_through_drive_is_usable(emulator, docs):
    drive = drive_service(emulator)
    created = (
        drive.files()
        .create(
            body={"name": "Summary", "mimeType": "application/vnd.google-apps.document"}, fields="id,version"
        )
        .execute()
    )
    docs.documents().batchUpdate(
        documentId=created["id"],
        body={"requests": [{"insertText": {"endOfSegmentLocation": {}, "text": "Where we are"}}]},
    ).execute()
    assert docs.documents().get(documentId=created["id"]).execute()["title"] == "Summary"
    after = drive.files().get(fileId=created["id"], fields="version").execute()
    assert int(after["version"]) > int(created["version"])
    text = drive.files().export(fileId=created["id"], mimeType="text/plain").execute().decode("utf-8-sig")
    assert text == "Where we are\n"
