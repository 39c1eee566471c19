"""`python -m tests.google_emulator` runs alone and announces its port first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def test_module_prints_its_port_first_and_logs(tmp_path):
    log = tmp_path / "requests.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.google_emulator", "--port", "0", "--log", str(log), "--seed", "3"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline().strip()
        assert first.startswith("listening on ")
        port = int(first.rsplit(" ", 1)[1])
        base = f"http://127.0.0.1:{port}"
        created = requests.post(
            base + "/drive/v3/files?supportsAllDrives=true",
            timeout=10,
            json={"name": "CLI", "mimeType": "application/vnd.google-apps.spreadsheet"},
        )
        assert created.status_code == 200
        requests.get(
            base + "/v4/spreadsheets/" + created.json()["id"], params={"fields": "spreadsheetId"}, timeout=10
        )
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["method"], e["status"], e["principal"]) for e in entries] == [
        ("POST", 200, "anonymous"),
        ("GET", 200, "anonymous"),
    ]
    assert entries[0]["query"] == {"supportsAllDrives": ["true"]}
    assert entries[0]["body"] == {"name": "CLI", "mimeType": "application/vnd.google-apps.spreadsheet"}
    assert set(entries[1]) >= {"ts", "principal", "method", "path", "query", "body", "status"}
