"""The summary renders to a .docx that LibreOffice turns into exactly one PDF page, even for a
worst-case plan; and office.convert recalculates formulas of openpyxl-written workbooks."""

from __future__ import annotations

import os
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from map_workspace.backends.local import office
from map_workspace.backends.local.docx_summary import render_docx
from map_workspace.domain.model import (
    Assessment,
    Health,
    Item,
    ItemType,
    Level,
    Overview,
    Plan,
    Progress,
    Risk,
    RiskStatus,
    Side,
    Stakeholder,
    Status,
)
from map_workspace.errors import PlanError
from map_workspace.summary import build_summary

TODAY = date(2026, 5, 12)
SECTION_TITLES = ("Where we are", "Next steps", "Needs attention", "Milestones", "Top risks", "Contacts")


def _soffice_or_skip() -> str:
    found = office.find_soffice()
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required in CI but was not found")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def worst_case_plan(today: date = TODAY) -> tuple[Plan, Assessment]:
    """40 items (24 template-like + 16 buyer rows with 120-character names), 15 overdue, 5 blocked,
    10 stakeholders with long names, 6 long risks: everything that makes a summary grow."""
    people = [
        Stakeholder(
            name=f"Maximiliane-Josephine {surname} von Hohenzollern-Sigmaringen",
            side=Side.BUYER if n < 6 else Side.SELLER,
            role="Vice President, Global Procurement and Strategic Vendor Management (EMEA and APAC)",
            email=f"maximiliane.josephine.{surname.lower()}@very-long-subsidiary-name.example.com",
        )
        for n, surname in enumerate(
            ("Abernathy", "Blankenship", "Castellanos", "Delacroix", "Eisenhower",
             "Fitzgerald", "Gallagher", "Hargreaves", "Ivanovich", "Jorgensen")
        )
    ]
    items: list[Item] = []
    for n in range(24):
        milestone = n % 3 == 2  # 8 milestones
        items.append(
            Item(
                id=f"M-{n // 3 + 1:02d}" if milestone else f"T-{n + 1:02d}",
                type=ItemType.MILESTONE if milestone else ItemType.TASK,
                activity=f"Template activity number {n + 1} with a realistic but fairly descriptive name",
                side=Side.BUYER,
                owner=people[n % 10].name,
                due=today + timedelta(days=n - 9),  # 9 of these are overdue
                status=Status.DONE if n < 3 else Status.NOT_STARTED,
            )
        )
    long_name = (
        "Buyer-added row: coordinate the cross-functional review of the data processing agreement "
        "with the regional privacy office #{n}"
    )
    for n in range(16):
        assert len(long_name.format(n=n)) >= 120
        items.append(
            Item(
                id="" if n % 2 else f"T-{30 + n}",
                type=ItemType.TASK,
                activity=long_name.format(n=n),
                side=Side.BUYER,
                owner="" if n % 4 == 0 else people[n % 10].name,
                due=today + timedelta(days=(n - 10) if n < 9 else n - 5),  # 9 more overdue -> 15
                status=Status.BLOCKED if n >= 11 else Status.IN_PROGRESS,  # 5 blocked
                depends_on=("T-04", "T-05", "T-07") if n >= 11 else (),
            )
        )
    risks = tuple(
        Risk(
            id=f"R-{n + 1:02d}",
            risk="The executive sponsor may go on extended leave during the approval window, and the "
            "interim delegate has not been briefed on the business case or its assumptions",
            probability=(Level.HIGH, Level.MEDIUM, Level.LOW)[n % 3],
            impact=Level.HIGH,
            mitigation="Brief the interim delegate in a dedicated session, share the recorded demo and the "
            "one-page business case, and agree a written fallback approval path with the CFO office",
            owner=people[n].name,
            status=RiskStatus.OPEN,
        )
        for n in range(6)
    )
    plan = Plan(
        plan_id="worst-case",
        overview=Overview(
            deal="Enterprise-wide rollout of the analytics platform across all regional subsidiaries",
            buyer_company="Consolidated Intercontinental Holdings International GmbH & Co. KG",
            seller_company="Analytics Platform Vendor Incorporated",
            target_decision=today + timedelta(days=30),
        ),
        items=tuple(items),
        stakeholders=tuple(people),
        risks=risks,
    )
    done = sum(not i.is_open for i in items)
    assessment = Assessment(
        findings=(),
        progress=Progress(done=done, total=len(items), percent=round(100 * done / len(items))),
        health=Health.OFF_TRACK,
        projected_decision=today + timedelta(days=47),
        next_milestone=next(i for i in items if i.is_milestone and i.is_open),
    )
    return plan, assessment


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Both worst-case summaries rendered and converted in one soffice run each (it is slow)."""
    _soffice_or_skip()
    folder = tmp_path_factory.mktemp("summary")
    plan, assessment = worst_case_plan()
    results = {}
    for name, light in (("full", False), ("light", True)):
        docx = render_docx(build_summary(plan, assessment, TODAY, light=light), folder / f"{name}.docx")
        results[f"{name}.docx"] = docx
        results[f"{name}.pdf"] = office.convert(docx, "pdf", folder / "pdf")
    return results


def _pdf(path: Path) -> PdfReader:
    return PdfReader(str(path))


def test_worst_case_full_summary_is_one_page_with_every_section(rendered):
    reader = _pdf(rendered["full.pdf"])
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for title in SECTION_TITLES:
        assert title in text
    flat = " ".join(text.split())
    assert "+9 more in the plan" in flat  # 17 open tasks in the next two weeks, 8 shown
    assert "+14 more in the plan" in flat  # 20 items need attention, 6 shown
    assert "Needs owner" in text
    assert "Consolidated Intercontinental" in text


def test_worst_case_light_summary_is_one_page_with_health_overdue_and_this_weeks_asks(rendered):
    reader = _pdf(rendered["light.pdf"])
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    flat = " ".join(text.split())
    for title in ("Where we are", "Overdue", "What we need from you this week", "Milestones"):
        assert title in flat
    assert "Off track" in flat
    assert "Needs attention" not in text and "Top risks" not in text and "Contacts" not in text
    assert "days late" in flat and "Needs owner" in flat
    assert "+7 more in the plan" in flat  # 15 open items overdue, 8 shown


def test_docx_is_a4_with_the_body_font_and_every_section(tmp_path):
    plan, assessment = worst_case_plan()
    path = render_docx(build_summary(plan, assessment, TODAY), tmp_path / "summary.docx")
    with zipfile.ZipFile(path) as archive:
        document_xml = archive.read("word/document.xml").decode()
        styles = archive.read("word/styles.xml").decode()
    assert 'w:w="11906"' in document_xml and 'w:h="16838"' in document_xml  # A4 in twentieths of a point
    assert 'w:ascii="Calibri"' in styles
    document = Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert [h.split(" (")[0] for h in headings] == list(SECTION_TITLES)
    assert document.paragraphs[0].text.startswith("Mutual Action Plan — Enterprise-wide rollout")
    assert "Summary of the shared plan on 2026-05-12" in document.sections[0].footer.paragraphs[0].text
    next_steps = document.tables[1]
    assert [c.text for c in next_steps.rows[0].cells] == ["What", "Who", "When"]
    assert len(next_steps.rows) == 1 + 8


def test_buyer_text_is_written_as_plain_text_and_the_write_is_atomic(tmp_path):
    plan, assessment = worst_case_plan()
    sneaky = replace(plan.items[9], activity='=HYPERLINK("http://example.invalid","x")\x00\x0b{ PAGE }')
    plan = replace(plan, items=(*plan.items[:9], sneaky, *plan.items[10:]))
    target = tmp_path / "summary.docx"
    target.write_bytes(b"previous version")
    render_docx(build_summary(plan, assessment, TODAY), target)
    with zipfile.ZipFile(target) as archive:
        document_xml = archive.read("word/document.xml").decode()
    assert "<w:fldSimple" not in document_xml and "<w:instrText" not in document_xml
    assert "<w:hyperlink" not in document_xml
    cells = [c.text for row in Document(str(target)).tables[1].rows for c in row.cells]
    assert 'T-10 =HYPERLINK("http://example.invalid","x") { PAGE }' in cells
    assert [p.name for p in tmp_path.iterdir()] == ["summary.docx"]  # no temp file left behind


def test_convert_writes_next_to_an_existing_file_and_replaces_it(tmp_path):
    _soffice_or_skip()
    import openpyxl

    source = tmp_path / "plan.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "=1+1"
    sheet["A2"] = "=TODAY()"
    sheet["A3"] = 5
    sheet["A4"] = "=A3*2"
    sheet["A5"] = "=A3*3"
    workbook.save(source)
    _give_stale_cached_value(source, "A5", "999")  # as if last saved by Excel before A3 changed
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / "plan.xlsx").write_bytes(b"stale, not a workbook")

    result = office.recalculate_xlsx(source, outdir)

    assert result == outdir / "plan.xlsx"
    values = openpyxl.load_workbook(result, data_only=True).active
    assert values["A1"].value == 2
    assert values["A4"].value == 10
    assert values["A5"].value == 15  # recalculated although a (stale) cached value was present
    today_value = values["A2"].value
    assert today_value is not None  # computed on load; the real date, so only checked loosely
    assert sorted(p.name for p in outdir.iterdir()) == ["plan.xlsx"]  # no temp files left
    formulas = openpyxl.load_workbook(result).active
    assert formulas["A1"].value == "=1+1"


def _give_stale_cached_value(workbook: Path, cell: str, value: str) -> None:
    """openpyxl writes formulas with an empty cached value; put a wrong one in the sheet XML."""
    with zipfile.ZipFile(workbook) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index(f'<c r="{cell}"')
    empty = sheet.index("<v></v>", start)
    parts["xl/worksheets/sheet1.xml"] = (sheet[:empty] + f"<v>{value}</v>" + sheet[empty + 7:]).encode()
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_convert_of_a_broken_file_raises_plan_error(tmp_path):
    _soffice_or_skip()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(PlanError) as caught:
        office.convert(broken, "pdf", tmp_path / "out", timeout=60)
    assert "broken.docx" in caught.value.message
    assert not (tmp_path / "out" / "broken.pdf").exists()


def test_missing_soffice_raises_plan_error_with_install_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    monkeypatch.setattr(office, "_FIXED_LOCATIONS", ())
    source = tmp_path / "x.docx"
    source.write_bytes(b"irrelevant")
    assert office.find_soffice() is None
    with pytest.raises(PlanError) as caught:
        office.convert(source, "pdf", tmp_path)
    assert "apt-get install" in caught.value.hint
    assert "libreoffice-writer-nogui" in caught.value.hint
