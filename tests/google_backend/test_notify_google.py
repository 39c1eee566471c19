"""``mapws sync --all --notify`` on the Google backend (loopback emulator) into a real SMTP server on
127.0.0.1: the mails link the Google Sheet, and the digest says what the buyer changed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli
from tests.support.google import api_of, calls
from tests.support.mail import bodies, smtp_server


@pytest.fixture
def env(emulator, tmp_path):
    config = tmp_path / "config.toml"
    return {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": "2026-03-02",
            "MAPWS_STATE": str(tmp_path / "state.sqlite"), "MAPWS_CONFIG": str(config)}


def run(env, *args):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_night_mails_google_links_and_the_buyers_change(env, emulator, buyer, tmp_path):
    with smtp_server() as sink:
        (tmp_path / "config.toml").write_text(
            f'[notify]\nsmtp = "smtp://127.0.0.1:{sink.port}"\nfrom = "Sam Rivera <sam@seller.example>"\n',
            encoding="utf-8")
        created = json.loads(run(env, "create", "Acme rollout", "--template", "light", "--decision-date",
                                 "2026-06-30", "--buyer", "Dana Tanaka <dana@acme.example>", "--seller",
                                 "Sam Rivera <sam@seller.example>", "--deal-value", "987654", "--json"))
        link = created["url"]
        assert link.startswith("https://docs.google.com/spreadsheets/d/")
        plan = buyer("dana@acme.example").open_by_key(created["plan"]).worksheet("Plan")
        header = plan.row_values(1)
        plan.update_cell(2, header.index("Status") + 1, "Done")
        first = plan.cell(2, 1).value

        night = {**env, "MAPWS_TODAY": "2026-03-20"}
        lines = [json.loads(line) for line in run(night, "sync", "--all", "--notify", "--json").splitlines()]
        sent = {(m["to"], m["kind"]) for m in lines[-1]["notify"]["sent"]}
        assert ("sam@seller.example", "digest") in sent and ("dana@acme.example", "reminder") in sent

        digest = next(m for m in sink.to("sam@seller.example") if m["Subject"].startswith("MAP digest"))
        text, html = bodies(digest)
        assert link in text and f'href="{link}"' in html
        changed = text.split("What changed since 2026-03-19:\n")[1].splitlines()[0]
        assert changed.startswith(f"  - {first} ") and ": done (by " in changed and "dana@acme.example" in changed
        dana = sink.to("dana@acme.example")[0]
        dana_text, dana_html = bodies(dana)
        assert link in dana_text and f'href="{link}"' in dana_html
        assert "987654" not in dana.as_string() and "987,654" not in dana.as_string()

        emulator.log.clear()
        again = json.loads(run(night, "notify", "--json"))  # the night's snapshot: no read, nothing twice
        assert again["sent"] == [] and len(sink.received) == len(lines[-1]["notify"]["sent"])
        assert [api_of(e) for e in calls(emulator)] == ["drive"]  # the listing; no Sheets read


def test_with_the_state_in_drive_opt_outs_and_what_was_sent_travel_with_it(env, emulator, tmp_path):
    env = {**env, "MAPWS_STATE": "drive"}
    with smtp_server() as sink:
        (tmp_path / "config.toml").write_text(
            f'[notify]\nsmtp = "smtp://127.0.0.1:{sink.port}"\nfrom = "Sam Rivera <sam@seller.example>"\n',
            encoding="utf-8")
        run(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30", "--buyer",
            "Dana Tanaka <dana@acme.example>", "--seller", "Sam Rivera <sam@seller.example>")
        run(env, "notify", "--opt-out", "dana@acme.example")
        night = {**env, "MAPWS_TODAY": "2026-03-20"}
        first = json.loads(run(night, "notify", "--json"))
        assert {"to": "dana@acme.example", "why": "opted_out"} in first["skipped"]
        assert [m["to"] for m in first["sent"]] == ["sam@seller.example", "sam@seller.example"]
        again = json.loads(run(night, "notify", "--json"))  # another host: what was sent came from Drive
        assert again["sent"] == [] and len(sink.received) == 2
        assert any(f["name"].startswith("mapws") for f in emulator.state()["files"] if "state" in f["name"])
