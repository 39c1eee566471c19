"""``mapws checkin`` and ``mapws calendar`` through the CLI on the Google backend (loopback
emulator): the agenda is a Google Doc of its own beside the plan, shared read-only with the plan's
people, its link printed and kept in the Check-ins row; the calendar's description holds the plan's
link."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from map_workspace.cli import cli

TODAY = "2026-03-02"


@pytest.fixture
def env(emulator, tmp_path):
    return {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
            "MAPWS_STATE": str(tmp_path / "state.sqlite")}


def run(env, *args):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_checkin_writes_a_google_doc_and_calendar_links_the_plan(env, emulator, buyer, tmp_path):
    created = json.loads(run(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30",
                             "--buyer", "Dana Tanaka <dana@acme.example>", "--json"))
    out = json.loads(run(env, "checkin", "acme-rollout", "--notes", "Kick-off booked", "--json"))
    assert out["document"].startswith("https://docs.google.com/document/d/")
    assert out["checkin"]["next"] == "2026-03-16"  # the light template meets every two weeks
    files = emulator.state(spreadsheets=False)["files"]
    agenda = next(f for f in files if f["name"] == "Check-in — Acme rollout — 2026-03-02 (agenda)")
    assert out["document"].split("/d/")[1].split("/")[0] == agenda["id"]
    dana = [p for p in agenda["permissions"] if p.get("emailAddress") == "dana@acme.example"]
    assert [p["role"] for p in dana] == ["reader"]
    rows = buyer("dana@acme.example").open_by_key(created["plan"]).worksheet("Check-ins").get_all_records()
    assert rows[-1]["Agenda"] == out["document"] and rows[-1]["Notes"] == "Kick-off booked"

    printed = run(env, "checkin", "acme-rollout", "--on", "2026-03-03")
    assert "Link to send: https://docs.google.com/document/d/" in printed

    target = tmp_path / "acme.ics"
    run(env, "calendar", "acme-rollout", "-o", target)
    events = list(Calendar.from_ical(target.read_bytes()).walk("VEVENT"))
    assert events and all(created["url"] in str(e["DESCRIPTION"]) for e in events)
