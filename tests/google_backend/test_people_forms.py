"""A person is named as "Name <email>" or as a bare address everywhere (issue 9, item 10): `share`
took only the bare form while `create` took both."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli

TODAY = "2026-03-02"


@pytest.fixture
def env(emulator, tmp_path):
    return {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
            "MAPWS_STATE": str(tmp_path / "state.sqlite")}


def run(env, *args, code=0):
    result = CliRunner().invoke(cli, [*(str(a) for a in args), "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.output)
    return json.loads(result.stdout)


def test_share_and_create_take_both_forms_of_a_person(env, emulator):
    created = run(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30",
                  "--buyer", "dana@acme.example", "--seller", "Sam Rivera <sam@seller.example>")
    assert created["shared_with"] == ["dana@acme.example"]
    shared = run(env, "share", "acme-rollout", "Lee Chen <lee@acme.example>", "ann@acme.example")
    assert shared["shared_with"] == ["lee@acme.example", "ann@acme.example"]
    file = next(f for f in emulator.state(spreadsheets=False)["files"] if f["id"] == created["plan"])
    assert {"lee@acme.example", "ann@acme.example"} <= {p.get("emailAddress") for p in file["permissions"]}

    refused = run(env, "share", "acme-rollout", "Lee Chen", code=2)["error"]
    assert "lee@acme.com" in refused["hint"] and "<lee@acme.com>" in refused["hint"]
