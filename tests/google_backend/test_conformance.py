"""Every request the product sends — create (from scratch and from a published template), share, sync with a
buyer's edits, list, locate, summary (new and rebuilt, with PDF) — conforms to the discovery
documents shipped with google-api-python-client: bodies and query parameter names, Drive included
(Google is lenient there; mapws is not)."""

from __future__ import annotations

from datetime import date

from map_workspace import app
from map_workspace.config import Config
from map_workspace.domain.model import Person
from tests.google_emulator import validate_request
from tests.google_emulator.clients import gspread_client
from tests.google_emulator.discovery import document, methods
from tests.support.google import buyer_credentials, calls

TODAY = date(2026, 3, 2)


def violations_of(emulator, entry) -> list[str]:
    found = emulator.core.match_route(entry["method"], entry["path"])
    if found is None or found[0] is None:
        return [f"not a discovery method: {entry['method']} {entry['path']}"]
    method_id = found[0]
    api = method_id.split(".")[0]
    problems = [f"{method_id}: {text}" for text in validate_request(api, method_id, entry["body"])]
    known = set(methods(api)[method_id].get("parameters", {})) | set(document(api).get("parameters", {}))
    problems += [f"{method_id}: unknown query parameter {name!r}" for name in entry["query"] if name not in known]
    problems += [f"{method_id}: {text}" for text in entry.get("schema_violations", [])]
    return problems


def run_everything(emulator, google_store, tmp_path) -> list[dict]:
    config = Config(backend="google", google_api_root=emulator.base_url, today=TODAY)
    store = google_store(pdf_dir=tmp_path)
    req = app.CreateRequest("Acme rollout", date(2026, 6, 30), [Person.parse("Dana Tanaka <dana@acme.example>")],
                            [Person.parse("Sam Rivera <sam@seller.example>")])
    created = app.create_plan(store, req, config)
    store.share(created.ref, ["omar@acme.example"], role="commenter", message="Have a look")
    sheet = gspread_client(emulator, buyer_credentials(emulator, "dana@acme.example")).open_by_key(
        created.ref.id).worksheet("Plan")
    sheet.update_cell(2, 7, "Done")
    sheet.update_cell(3, 6, "2026-07-20")
    sheet.update_note("E4", "Dana: ask IT who")
    sheet.update_cell(4, 5, "IT")
    (ref,) = store.list_plans()
    app.sync_plan(store, ref, config)
    app.sync_plan(store, created.ref.id, config)
    app.write_summary(store, "acme-rollout", config, pdf=True)
    app.write_summary(store, "acme-rollout", config, light=True)
    app.write_summary(store, "acme-rollout", config)  # rebuilt in place: documents.get, then batchUpdate
    app.publish_template(store, "enterprise", config)  # create_plan then passes its id to create
    app.create_plan(google_store(), app.CreateRequest("Beta deal", date(2026, 7, 31),
                                                      [Person.parse("Lee <lee@beta.example>")]), config)
    return calls(emulator)


def test_every_request_the_product_sends_conforms(emulator, google_store, tmp_path):
    sent = run_everything(emulator, google_store, tmp_path)
    kinds = {(e["method"], e["path"].split("/")[1]) for e in sent}
    assert {("GET", "v4"), ("POST", "v4"), ("POST", "v1"), ("GET", "v1"), ("GET", "drive"), ("POST", "drive")} <= kinds
    assert len(sent) > 15
    assert any(e["method"] == "POST" and e["path"].endswith("/copy") for e in sent)  # the template was copied
    problems = [p for entry in sent for p in violations_of(emulator, entry)]
    assert problems == []
    assert all(e["status"] in (200, 204) for e in sent), [(e["path"], e["status"]) for e in sent if e["status"] >= 300]
