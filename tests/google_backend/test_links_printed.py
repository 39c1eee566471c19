"""Google `create`, `summary` and `share` print the link the rep sends, not only a file ID
(issue 9, item 6)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from map_workspace.cli import cli

TODAY = "2026-03-02"


@pytest.fixture
def env(emulator, tmp_path):
    return {"MAPWS_BACKEND": "google", "MAPWS_GOOGLE_API_ROOT": emulator.base_url, "MAPWS_TODAY": TODAY,
            "MAPWS_STATE": str(tmp_path / "state.sqlite")}


def run(env, *args):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, (result.exit_code, result.output)
    return result.stdout


def test_create_summary_and_share_print_the_links_to_send(env):
    created = run(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30",
                  "--buyer", "Dana Tanaka <dana@acme.example>")
    sheet = re.search(r"Link to send: (https://docs\.google\.com/spreadsheets/d/([\w-]+)\S*)", created)
    assert sheet, created
    assert sheet.group(2) in created.splitlines()[0]  # the ID the first line names is the linked sheet

    summary = run(env, "summary", "acme-rollout")
    doc = re.search(r"Link to send: https://docs\.google\.com/document/d/([\w-]+)", summary)
    assert doc, summary

    shared = run(env, "share", "acme-rollout", "lee@acme.example")
    assert f"Link to send: {sheet.group(1)}" in shared


def test_list_json_titles_each_plan_with_its_deal(env):
    run(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30",
        "--buyer", "Dana Tanaka <dana@acme.example>")
    plans = json.loads(run(env, "list", "--json"))["plans"]
    assert [(p["slug"], p["title"]) for p in plans] == [("acme-rollout", "Acme rollout")]


def test_a_pdf_the_folder_refuses_leaves_the_doc_and_says_so(env, tmp_path, monkeypatch):
    from tests.support.unwritable import unwritable

    run(env, "create", "Acme rollout", "--template", "light", "--decision-date", "2026-06-30",
        "--buyer", "Dana Tanaka <dana@acme.example>")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)  # Google exports the PDF into the working folder
    with unwritable(here):
        result = CliRunner().invoke(cli, ["summary", "acme-rollout", "--pdf", "--json"], env=env,
                                    catch_exceptions=False)
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert data["url"].startswith("https://docs.google.com/document/d/") and data["pdf"] is None
    assert str(here / "acme-rollout-summary.pdf") in data["pdf_error"]["message"]
    assert "report it" not in result.output and str(here) in data["pdf_error"]["hint"]
