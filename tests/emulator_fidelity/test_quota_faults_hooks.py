"""Quota buckets on a fast clock, seeded fault injection, and the edit-between-read-and-write hook."""

from __future__ import annotations

import json

import requests

from tests.google_emulator import Emulator
from tests.google_emulator.clients import sheets_service


def test_sixty_one_reads_in_a_minute_hit_the_quota_then_recover():
    with Emulator(quota_per_minute=60, time_scale=60) as emulator:
        spreadsheet_id = emulator.seed_spreadsheet("Quota")
        session = requests.Session()
        url = f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}?fields=spreadsheetId"
        # freeze the fast clock for the burst so slow machines cannot let the window slide
        emulator.set_time_scale(0)
        statuses = [session.get(url, timeout=10).status_code for _ in range(61)]
        assert statuses[:60] == [200] * 60
        assert statuses[60] == 429
        body = session.get(url, timeout=10).json()["error"]
        assert body["status"] == "RESOURCE_EXHAUSTED"
        assert "Read requests per minute per user" in body["message"]
        write = session.put(
            f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}/values/A1?valueInputOption=RAW",
            data=json.dumps({"values": [["w"]]}),
            timeout=10,
        )
        assert write.status_code == 200  # writes have their own bucket
        emulator.set_time_scale(60)
        emulator.advance_clock(60)  # the burst's minute is over (at scale 60 that is one real second)
        assert session.get(url, timeout=10).status_code == 200
        assert [e["status"] for e in emulator.log_entries()].count(429) == 2


def test_emulated_minute_passes_in_a_second_at_time_scale_60():
    import time

    with Emulator(quota_per_minute=2, time_scale=60) as emulator:
        spreadsheet_id = emulator.seed_spreadsheet("Fast clock")
        url = f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}"
        assert [requests.get(url, timeout=10).status_code for _ in range(3)][-1] == 429
        time.sleep(1.1)
        assert requests.get(url, timeout=10).status_code == 200


def _run_with_faults(seed: int) -> list[tuple[str, int]]:
    with Emulator(fail_rate=0.3, seed=seed) as emulator:
        spreadsheet_id = emulator.seed_spreadsheet("Faults")
        outcomes = []
        for _ in range(30):
            try:
                response = requests.get(f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}", timeout=10)
                outcomes.append(("http", response.status_code))
            except requests.ConnectionError:
                outcomes.append(("reset", 0))
        logged = [(e.get("fault"), e["status"]) for e in emulator.log_entries()]
    assert [status for _, status in logged] == [status for _, status in outcomes]
    assert {fault for fault, _ in logged} - {None} <= {"http_500", "http_503", "connection_reset"}
    return outcomes


def test_faults_are_deterministic_with_a_seed():
    first = _run_with_faults(seed=11)
    assert first == _run_with_faults(seed=11)
    kinds = {status for _, status in first}
    assert 200 in kinds and kinds & {500, 503, 0}
    assert first != _run_with_faults(seed=12)


def test_after_read_hook_edits_between_read_and_write(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Race", sheets={"Plan": [["ID", "Status"], ["T-01", "Open"]]})
    version = emulator.file_version(spreadsheet_id)
    emulator.edit_between_read_and_write(
        spreadsheet_id,
        [
            {
                "updateCells": {
                    "range": {
                        "sheetId": 0,
                        "startRowIndex": 1,
                        "endRowIndex": 2,
                        "startColumnIndex": 1,
                        "endColumnIndex": 2,
                    },
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "Done"}}]}],
                    "fields": "userEnteredValue",
                }
            }
        ],
    )
    sheets = sheets_service(emulator)
    read = sheets.spreadsheets().values().get(spreadsheetId=spreadsheet_id, range="Plan!A1:B2").execute()
    assert read["values"][1] == ["T-01", "Open"]  # the read saw the state before the edit
    again = sheets.spreadsheets().values().get(spreadsheetId=spreadsheet_id, range="Plan!B2").execute()
    assert again["values"] == [["Done"]]  # and the edit landed right after it, once
    assert emulator.file_version(spreadsheet_id) == version + 1


def test_after_read_hook_over_http_and_reset(emulator):
    spreadsheet_id = emulator.seed_spreadsheet("Race over HTTP")
    response = requests.post(
        emulator.base_url + "/__emulator/hooks/after-read",
        timeout=10,
        data=json.dumps(
            {
                "spreadsheetId": spreadsheet_id,
                "requests": [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}}],
            }
        ),
    )
    assert response.status_code == 200
    requests.get(f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}", timeout=10)
    grid = requests.get(
        f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}?fields=sheets.properties."
        "gridProperties.rowCount",
        timeout=10,
    ).json()
    assert grid == {"sheets": [{"properties": {"gridProperties": {"rowCount": 1005}}}]}
    state = requests.get(emulator.base_url + "/__emulator/state", timeout=10).json()
    assert list(state["spreadsheets"]) == [spreadsheet_id]
    requests.post(emulator.base_url + "/__emulator/reset", timeout=10)
    assert requests.get(emulator.base_url + "/__emulator/state", timeout=10).json()["files"] == []
    assert emulator.log_entries() == []


def test_latency_is_added_to_each_request():
    import time

    with Emulator(latency_ms=150) as emulator:
        spreadsheet_id = emulator.seed_spreadsheet("Slow")
        started = time.monotonic()
        requests.get(f"{emulator.base_url}/v4/spreadsheets/{spreadsheet_id}", timeout=10)
        assert time.monotonic() - started >= 0.15
