"""Whether a workbook is a plan, from its document properties, read without openpyxl (issue 9,
item 9): the quick central-directory reader agrees with zipfile, and anything it does not handle
falls back to zipfile; a file that is no workbook at all is "unknown", never "not a plan"."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from map_workspace.backends.local.workbook_contract import WorkbookMarks, _fast_parts, _zipfile_parts, read_marks
from map_workspace.cli import cli


@pytest.fixture
def plan(tmp_path) -> Path:
    result = CliRunner().invoke(cli, ["create", "Café Ünal — rollout", "--decision-date", "2026-06-30", "--buyer",
                                      "dana@acme.com", "--dir", str(tmp_path), "--today", "2026-03-02"])
    assert result.exit_code == 0, result.output
    return next(tmp_path.glob("*.xlsx"))


def test_a_plan_is_a_plan_titled_with_its_deal_and_both_readers_agree(plan):
    assert read_marks(plan) == WorkbookMarks(True, "Café Ünal — rollout")
    assert _fast_parts(plan) == _zipfile_parts(plan) and _fast_parts(plan)[0] is not None


def test_other_workbooks_are_not_plans(tmp_path):
    plain = tmp_path / "budget.xlsx"
    Workbook().save(plain)
    assert read_marks(plain) == WorkbookMarks(False)
    tagged = tmp_path / "tagged.xlsx"  # custom properties, but not the product's
    wb = Workbook()
    from openpyxl.packaging.custom import StringProperty

    wb.custom_doc_props.append(StringProperty(name="ContentTypeId", value="0x0101"))
    wb.save(tagged)
    assert read_marks(tagged) == WorkbookMarks(False)


def test_zip64_entries_are_read_and_other_compressions_go_through_zipfile(plan, tmp_path):
    zip64, bzip2 = tmp_path / "zip64.xlsx", tmp_path / "bzip2.xlsx"
    with zipfile.ZipFile(plan) as source:
        with zipfile.ZipFile(zip64, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                with target.open(info.filename, "w", force_zip64=True) as out:
                    out.write(source.read(info))
        with zipfile.ZipFile(bzip2, "w", zipfile.ZIP_BZIP2) as target:
            for info in source.infolist():
                target.writestr(info.filename, source.read(info))
    assert _fast_parts(zip64) == _zipfile_parts(zip64)
    assert _fast_parts(bzip2) is None  # not the plain case: zipfile reads it
    assert read_marks(zip64) == read_marks(bzip2) == read_marks(plan)


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"PK\x05\x06" + b"\x00" * 10])
def test_a_file_that_is_no_workbook_is_unknown_not_skipped(tmp_path, content):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(content)
    assert read_marks(broken).is_plan is None


def test_a_truncated_plan_is_unknown(plan, tmp_path):
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(plan.read_bytes()[: plan.stat().st_size // 2])
    assert read_marks(cut).is_plan is None
