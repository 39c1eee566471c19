"""``mapws checkin`` and ``mapws calendar`` through the CLI on local plans: the JSON shapes the
issue names, --format md, --dry-run, and the agenda .docx rendered to PDF by LibreOffice."""

import json
import os
from datetime import date

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from pypdf import PdfReader

from map_workspace.backends.local.office import convert, find_soffice
from map_workspace.cli import cli

CREATED = date(2027, 1, 5)


def invoke(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def create(tmp_path) -> str:
    out = invoke("create", "Acme rollout", "--decision-date", "2027-03-31", "--buyer", "Dana Tanaka <dana@acme.com>",
                 "--seller", "Sam Rivera <sam@seller.io>", "--dir", tmp_path, "--today", CREATED, "--json")
    return json.loads(out)["plan"]


def test_checkin_json_has_the_issues_shape_and_writes_a_docx_beside_the_plan(tmp_path):
    create(tmp_path)
    out = json.loads(invoke("checkin", "acme-rollout", "--on", "2027-01-12", "--notes", "First one",
                            "--dir", tmp_path, "--today", "2027-01-12", "--json"))
    assert set(out) == {"plan", "checkin", "agenda", "document"}
    assert out["checkin"]["date"] == "2027-01-12" and out["checkin"]["next"] == "2027-01-19"
    assert set(out["agenda"]) == {"changed", "done", "slipped", "overdue", "next_two_weeks", "needs_owner", "risks"}
    assert out["document"].endswith("acme-rollout-checkin-2027-01-12.docx")
    assert (tmp_path / "acme-rollout-checkin-2027-01-12.docx").is_file()


def test_checkin_format_md_prints_markdown_and_dry_run_writes_nothing(tmp_path):
    create(tmp_path)
    before = (tmp_path / "acme-rollout.xlsx").read_bytes()
    text = invoke("checkin", "acme-rollout", "--format", "md", "--dry-run", "--dir", tmp_path, "--today", "2027-01-12")
    assert text.startswith("# Check-in — Acme rollout — 2027-01-12\n")
    assert "| T-03 Security questionnaire sent to the seller |" in text
    assert (tmp_path / "acme-rollout.xlsx").read_bytes() == before
    assert not list(tmp_path.glob("*checkin*"))
    plain = invoke("checkin", "acme-rollout", "--dry-run", "--dir", tmp_path, "--today", "2027-01-12")
    assert plain.startswith("Would hold the check-in of 2027-01-12")


def test_calendar_json_and_file(tmp_path):
    create(tmp_path)
    target = tmp_path / "out" / "acme.ics"
    out = json.loads(invoke("calendar", "acme-rollout", "-o", target, "--dir", tmp_path, "--today", "2027-01-12",
                            "--json"))
    assert set(out) == {"plan", "calendar", "events"}
    assert out["calendar"] == str(target.resolve())
    parsed = Calendar.from_ical(target.read_bytes())
    assert len(list(parsed.walk("VEVENT"))) == len(out["events"])
    assert {e["kind"] for e in out["events"]} == {"milestone", "checkin"}


@pytest.fixture
def soffice():
    if find_soffice() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice (soffice) is not installed")


def test_agenda_docx_renders_to_pdf_with_every_section(tmp_path, soffice):
    create(tmp_path)
    invoke("checkin", "acme-rollout", "--on", "2027-01-19", "--notes", "Legal joins next time", "--dir", tmp_path,
           "--today", "2027-01-19")
    pdf = convert(tmp_path / "acme-rollout-checkin-2027-01-19.docx", "pdf", tmp_path / "pdf")
    reader = PdfReader(pdf)
    text = " ".join(page.extract_text() for page in reader.pages)
    for title in ("This check-in", "What changed", "Done", "Slipped", "Overdue", "Due in the next two weeks",
                  "Needs an owner", "Top open risks", "Legal joins next time"):
        assert title in text, title
    assert len(reader.pages) <= 2
