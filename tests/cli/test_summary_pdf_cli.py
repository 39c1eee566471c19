"""The real path: the enterprise template plus buyer-added rows in worst-case states, summarised
through the CLI and rendered to PDF by LibreOffice: exactly one page."""

import json
import os
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from map_workspace.backends.local.office import find_soffice
from map_workspace.cli import cli
from map_workspace.demo import BuyerEdits

CREATED = date(2026, 3, 2)
LATER = date(2026, 5, 20)


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def soffice():
    if find_soffice() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice (soffice) is not installed")


def test_forty_item_enterprise_plan_summary_is_one_page(tmp_path, soffice):
    created = run("create", "Consolidated Intercontinental Holdings — enterprise analytics rollout",
                  "--decision-date", "2026-06-30", "--buyer", "Maximiliane-Josephine Abernathy <max@cih.example>",
                  "--seller", "Bartholomew Montgomery-Featherstonehaugh <bart@vendor.example>",
                  "--dir", tmp_path, "--today", CREATED, "--json")
    edits = BuyerEdits(created["plan"])
    long_name = ("Buyer-added: coordinate the cross-functional review of the data processing agreement with the "
                 "regional privacy office, workstream {n}")
    for n in range(14):
        edits.add_row(activity=long_name.format(n=n), side="Buyer", owner="IT team" if n % 3 else "",
                      due=LATER - timedelta(days=20 - n), status="Blocked" if n % 4 == 0 else "In progress",
                      depends_on="T-04, T-05" if n % 4 == 0 else "")
    edits.save()
    assert created["items"] + 14 >= 40
    run("sync", created["plan"], "--today", LATER, "--json")
    for light in (False, True):
        args = ["summary", created["plan"], "--pdf", "--today", LATER, "--json"] + (["--light"] if light else [])
        out = run(*args)
        reader = PdfReader(out["pdf"])
        assert len(reader.pages) == 1, (light, len(reader.pages))
        text = reader.pages[0].extract_text()
        assert ("What we need from you this week" if light else "Next steps") in " ".join(text.split())
        assert "Milestones" in text
        if light:
            assert "Overdue" in text and "Health" in text
        else:
            assert "Needs attention" in text and "more in the plan" in text
