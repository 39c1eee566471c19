"""The local .xlsx backend: a rendered plan written, read back and changed through openpyxl, and
the refusals that keep a buyer's work from being lost (open files, content openpyxl would drop,
a file that changed under the sync)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from PIL import Image as PILImage

from map_workspace.backends.local.openpyxl_losses import unsafe_content
from map_workspace.backends.local.saving import apply_changes, write_workbook
from map_workspace.backends.local.store import LocalPlanStore
from map_workspace.backends.local.workbook_contract import backup_path
from map_workspace.backends.local.workbook_reading import read_snapshot
from map_workspace.changes import CellWrite, ChangeSet, HistoryEntry, NoteWrite, StateRow
from map_workspace.domain.rules import Thresholds
from map_workspace.errors import PlanError, PlanExists, PlanLocked, PlanNotFound, UnsafeToSave
from map_workspace.formulas import colour_rules, flag_formula, overdue_formula, progress_formula, thresholds_meta
from map_workspace.layout import (
    HISTORY,
    OVERVIEW,
    OVERVIEW_FIELDS,
    PLAN,
    PLAN_TAB,
    RISKS,
    STAKEHOLDERS,
    STATE,
    STATE_TAB,
    STATUS_CHOICES,
    TABS,
    TIMELINE,
    Cell,
    Grid,
    Snapshot,
    column_letter,
)
from map_workspace.render import plan_columns
from map_workspace.summary import Section, SummaryDoc
from tests.support.plans import PLAN_ID, rendered, rewrite_zip, sheet_part

#: The windows a plan is written with when config.toml sets none.
DEFAULT_DAYS = Thresholds()
COL = {c.key: i for i, c in enumerate(PLAN_TAB.columns)}
LETTER = {k: column_letter(i) for k, i in COL.items()}
WHEN = "2026-05-12T09:30:00+02:00"


def _slips(value: int) -> ChangeSet:
    """A one-cell change: T-01's Slips."""
    return ChangeSet(cells=(CellWrite(PLAN, 2, COL["slips"], value, field="slips", id="T-01"),))


def overview_row(key: str) -> int:
    """1-based sheet row of an Overview field (row 1 is the title, row 2 the one-line guide)."""
    return next(i for i, f in enumerate(OVERVIEW_FIELDS, 3) if f.key == key)


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme-rollout.xlsx"
    write_workbook(path, rendered())
    return path


def _trimmed(rows) -> list[list[tuple[object, object]]]:  # type: ignore[no-untyped-def]
    """(value, formula) per cell, empty cells at the end of a row left out."""
    out = []
    for row in rows:
        cells = [(c.value, c.formula) for c in row]
        while cells and cells[-1] == (None, None):
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


# --- writing and reading back --------------------------------------------------------------------


def test_every_rendered_cell_reads_back_as_written(plan_file: Path) -> None:
    original = rendered()
    back = read_snapshot(plan_file)
    assert list(back.tabs) == [*TABS, TIMELINE]  # the Timeline noted as there, never read
    assert back.tabs[TIMELINE].rows == ()
    assert back.extra_tabs == ()
    for name in TABS:
        assert _trimmed(back.tabs[name].rows) == _trimmed(original.tabs[name].rows), name


def test_values_come_back_as_python_types(plan_file: Path) -> None:
    back = read_snapshot(plan_file)
    plan = back.tabs[PLAN]
    t01 = plan.rows[1]
    assert t01[COL["due"]].value == date(2026, 5, 2) and type(t01[COL["due"]].value) is date
    assert t01[COL["status"]].value == "Done"
    assert t01[COL["slips"]].value == 0
    assert t01[COL["flag"]].value is None
    assert t01[COL["flag"]].formula == flag_formula(2, plan_columns(500), thresholds=DEFAULT_DAYS)
    t03 = plan.rows[3]
    assert t03[COL["due"]].value == "TBD"
    assert t03[COL["owner"]].value is None
    assert plan.rows[4][COL["depends_on"]].value == "T-02, T-03"
    overview = back.tabs[OVERVIEW]
    assert overview.cell(overview_row("target_decision") - 1, 1).value == date(2026, 7, 11)
    assert overview.cell(overview_row("progress") - 1, 1).formula == progress_formula(plan_columns(500))
    assert overview.cell(overview_row("overdue") - 1, 1).formula == overdue_formula(plan_columns(500))
    assert plan.rows[0][COL["id"]].note == PLAN_TAB.column("id").note
    state = back.tabs[STATE]
    kickoff = date(2026, 5, 2)
    assert [c.value for c in state.rows[1][:4]] == ["T-01", "Kick-off call", kickoff, kickoff]


def test_meta_lives_in_custom_document_properties(plan_file: Path) -> None:
    back = read_snapshot(plan_file)
    assert back.meta["plan_id"] == PLAN_ID
    assert back.meta["schema"] == "1"
    assert back.meta["slug"] == "acme-rollout"
    assert back.meta["formatted_rows"] == "500"
    assert back.token.version == hashlib.sha256(plan_file.read_bytes()).hexdigest()
    assert not any(key.startswith("_") for key in back.meta)
    wb = load_workbook(plan_file)
    assert wb.custom_doc_props["mapws.plan_id"].value == PLAN_ID
    assert wb.custom_doc_props["mapws.schema"].value == "1"
    assert not any(name.startswith("mapws._") for name in wb.custom_doc_props.names)
    assert wb.properties.creator == "mapws"
    assert "Acme rollout" in wb.properties.title


def test_workbook_follows_the_contract_layout(plan_file: Path) -> None:
    wb = load_workbook(plan_file)
    assert wb.sheetnames == [*TABS[:2], TIMELINE, *TABS[2:]]  # the Timeline right after the Plan
    assert wb[STATE].sheet_state == "hidden"
    visible = [name for name in wb.sheetnames if name != STATE]
    assert all(wb[name].sheet_state == "visible" for name in visible)
    for name in (PLAN, STAKEHOLDERS, RISKS, "Check-ins", HISTORY):
        assert wb[name].freeze_panes == "A2", name
    for name in TABS:
        assert not wb[name].protection.sheet, f"{name} must not be protected"
    for name in visible:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert not ws.print_options.gridLines
        assert ws.page_margins.left == 0.25
    plan = wb[PLAN]
    assert plan.column_dimensions[LETTER["activity"]].width == PLAN_TAB.column("activity").width
    assert plan.cell(2, COL["activity"] + 1).alignment.wrap_text
    assert plan.cell(2, COL["due"] + 1).number_format == "yyyy-mm-dd"
    header, synced = plan.cell(1, COL["owner"] + 1), plan.cell(1, COL["slips"] + 1)
    assert header.font.b and header.fill.fgColor.rgb != synced.fill.fgColor.rgb
    assert synced.font.i and synced.comment.text == PLAN_TAB.column("slips").note
    overview = wb[OVERVIEW]
    assert overview["A1"].font.b and overview["A1"].font.sz == 14
    assert overview.column_dimensions["B"].width >= 60
    progress = overview.cell(overview_row("progress"), 2)
    deal = overview.cell(overview_row("deal"), 2)
    assert progress.fill.fgColor.rgb != deal.fill.fgColor.rgb


def _dropdowns(ws) -> dict[str, tuple[str, bool, str]]:  # type: ignore[no-untyped-def]
    """First cell of each list validation → (choices, error shown, range)."""
    return {str(dv.sqref).split(":")[0]: (dv.formula1, bool(dv.showErrorMessage), str(dv.sqref))
            for dv in ws.data_validations.dataValidation}


def test_dropdowns_accept_free_text(plan_file: Path) -> None:
    wb = load_workbook(plan_file)
    plan = _dropdowns(wb[PLAN])
    status = f"{LETTER['status']}2"
    assert plan[status] == ('"' + ",".join(STATUS_CHOICES) + '"', False, f"{status}:{LETTER['status']}500")
    assert plan[f"{LETTER['type']}2"][0] == '"Task,Milestone"'
    assert plan[f"{LETTER['side']}2"][0] == '"Buyer,Seller,Joint"'
    assert set(_dropdowns(wb[RISKS])) == {"C2", "D2", "G2"}
    assert set(_dropdowns(wb[STAKEHOLDERS])) == {"B2"}
    assert not any(error for dv in (plan, _dropdowns(wb[RISKS])) for _, error, _ in dv.values())


def test_colour_rules_in_first_match_order(plan_file: Path) -> None:
    ws = load_workbook(plan_file)[PLAN]
    (cf,) = list(ws.conditional_formatting)
    assert str(cf.sqref) == "A2:M500"
    rules = sorted(cf.rules, key=lambda r: r.priority)
    expected = colour_rules(plan_columns(500), DEFAULT_DAYS)
    assert [r.formula[0] for r in rules] == [e.formula for e in expected]
    assert all(r.stopIfTrue for r in rules)
    assert [r.dxf.fill.fgColor.rgb[-6:] for r in rules] == [e.fill for e in expected]
    assert [r.dxf.font.color.rgb[-6:] for r in rules] == [e.font for e in expected]


# --- applying a change set -----------------------------------------------------------------------


def test_apply_writes_cells_notes_history_state_and_meta(plan_file: Path) -> None:
    snap = read_snapshot(plan_file)
    cols = plan_columns(500)
    changes = ChangeSet(
        cells=(
            CellWrite(PLAN, 3, COL["slips"], 2, field="slips", id="T-02"),
            CellWrite(PLAN, 4, COL["baseline"], date(2026, 6, 1), field="baseline", id="T-03"),
            CellWrite(PLAN, 4, COL["flag"], formula=flag_formula(4, cols, "Needs owner", thresholds=DEFAULT_DAYS),
                      field="flag"),
            CellWrite(OVERVIEW, overview_row("health"), 1, "At risk", field="health"),
        ),
        notes=(NoteWrite(PLAN, 4, COL["owner"], ("Every item needs a named owner.",), id="T-03"),),
        history=(HistoryEntry(WHEN, "T-02", "Due", "2026-05-15", "2026-05-17", "slipped"),
                 HistoryEntry(WHEN, "T-03", "Owner", "", "(empty)")),
        state=(StateRow("T-01", "Kick-off call", date(2026, 5, 2), date(2026, 5, 2), "Done"),
               StateRow("T-02", "Security review", date(2026, 5, 15), date(2026, 5, 17), "In progress",
                        slips=2)),
        meta={"shortfall_days": "3"},
    )
    apply_changes(plan_file, snap, changes)
    back = read_snapshot(plan_file)
    plan = back.tabs[PLAN]
    assert plan.rows[2][COL["slips"]].value == 2
    assert plan.rows[3][COL["baseline"]].value == date(2026, 6, 1)
    assert plan.rows[3][COL["flag"]].formula == flag_formula(4, cols, "Needs owner", thresholds=DEFAULT_DAYS)
    assert plan.rows[3][COL["owner"]].note == "[mapws] Every item needs a named owner."
    assert back.tabs[OVERVIEW].cell(overview_row("health") - 1, 1).value == "At risk"
    history = [[c.value for c in row] for row in back.tabs[HISTORY].rows[1:]]
    # When: a date-time cell in the plan's zone (UTC here); the columns as the History tab names them.
    local = datetime(2026, 5, 12, 7, 30)
    assert history == [[local, "T-02", None, "Due", "2026-05-15", "2026-05-17", None, "slipped"],
                       [local, "T-03", None, "Owner", None, "(empty)", None, None]]
    state = back.tabs[STATE]
    assert [c.value for c in state.rows[0]] == [c.title for c in STATE_TAB.columns]
    assert [row[0].value for row in state.rows[1:]] == ["T-01", "T-02"]
    assert state.rows[2][6].value == 2
    assert back.meta["shortfall_days"] == "3" and back.meta["plan_id"] == PLAN_ID
    assert back.formats_ok
    wb = load_workbook(plan_file)
    assert wb[PLAN].cell(4, COL["baseline"] + 1).number_format == "yyyy-mm-dd"
    assert wb[STATE].sheet_state == "hidden"
    # History keeps growing below what is there.
    apply_changes(plan_file, back, ChangeSet(history=(HistoryEntry(WHEN, "M-01", "Status", "a", "b"),)))
    history = read_snapshot(plan_file).tabs[HISTORY].rows[1:]
    assert [row[1].value for row in history] == ["T-02", "T-03", "M-01"]


def test_an_empty_change_set_writes_nothing(plan_file: Path) -> None:
    before = plan_file.read_bytes()
    apply_changes(plan_file, read_snapshot(plan_file), ChangeSet())
    assert plan_file.read_bytes() == before
    assert not backup_path(plan_file).exists()


def test_buyer_note_is_kept_and_only_the_product_block_changes(plan_file: Path) -> None:
    wb = load_workbook(plan_file)
    wb[PLAN].cell(3, COL["owner"] + 1).comment = Comment("Dana:\nOmar is out until June", "Dana Tanaka")
    wb.save(plan_file)
    owner = (PLAN, 3, COL["owner"])

    def note_after(lines: tuple[str, ...]) -> Comment | None:
        apply_changes(plan_file, read_snapshot(plan_file), ChangeSet(notes=(NoteWrite(*owner, lines),)))
        return load_workbook(plan_file)[PLAN].cell(3, COL["owner"] + 1).comment

    first = note_after(("Omar Haddad is unavailable on the due date.",))
    assert first.text == ("Dana:\nOmar is out until June\n\n"
                          "[mapws] Omar Haddad is unavailable on the due date.")
    assert first.author == "Dana Tanaka"
    assert note_after(("Two problems.", "Second line.")).text == (
        "Dana:\nOmar is out until June\n\n[mapws] Two problems.\n[mapws] Second line.")
    assert note_after(()).text == "Dana:\nOmar is out until June"
    # A note that only ever held the product's block disappears with it.
    note_after_due = NoteWrite(PLAN, 5, COL["due"], ("x",))
    apply_changes(plan_file, read_snapshot(plan_file), ChangeSet(notes=(note_after_due,)))
    assert load_workbook(plan_file)[PLAN].cell(5, COL["due"] + 1).comment.author == "mapws"
    apply_changes(plan_file, read_snapshot(plan_file), ChangeSet(notes=(replace(note_after_due, lines=()),)))
    assert load_workbook(plan_file)[PLAN].cell(5, COL["due"] + 1).comment is None


def _cell_xml(path: Path, title: str, ref: str) -> str:
    xml = zipfile.ZipFile(path).read(sheet_part(path, title)).decode()
    match = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)
    assert match, f"{ref} not in the sheet XML"
    return match.group(0)


def test_text_that_looks_like_a_formula_stays_inert(plan_file: Path) -> None:
    hyperlink = '=HYPERLINK("http://x","y")'
    wb = load_workbook(plan_file)
    typed = wb[PLAN].cell(2, COL["notes"] + 1)
    typed.value = "=1+1 as the buyer typed it after an apostrophe"
    typed.data_type = "s"
    wb.save(plan_file)
    writes = [(2, COL["flag"], hyperlink), (3, COL["flag"], "+1 555 0100"), (4, COL["flag"], "-5 days"),
              (5, COL["flag"], "@mention"), (2, COL["slips"], "#N/A")]
    changes = ChangeSet(cells=tuple(CellWrite(PLAN, r, c, text) for r, c, text in writes))
    apply_changes(plan_file, read_snapshot(plan_file), changes)
    back = read_snapshot(plan_file)
    for row, col, text in writes + [(2, COL["notes"], typed.value)]:
        cell = back.tabs[PLAN].cell(row - 1, col)
        assert (cell.value, cell.formula) == (text, None)
        xml = _cell_xml(plan_file, PLAN, f"{column_letter(col)}{row}")
        assert "<f>" not in xml and 't="inlineStr"' in xml, xml
    wb = load_workbook(plan_file)
    assert wb[PLAN].cell(2, COL["flag"] + 1).quotePrefix
    assert wb[PLAN].cell(2, COL["flag"] + 1).data_type == "s"


def test_rich_text_in_a_buyer_cell_survives_a_save(plan_file: Path) -> None:
    wb = load_workbook(plan_file, rich_text=True)
    wb[PLAN].cell(3, COL["notes"] + 1).value = CellRichText(
        "Waiting on ", TextBlock(InlineFont(b=True, color="FFC00000"), "Omar"), " for the form")
    wb.save(plan_file)
    snap = read_snapshot(plan_file)
    assert snap.tabs[PLAN].cell(2, COL["notes"]).value == "Waiting on Omar for the form"
    apply_changes(plan_file, snap, ChangeSet(cells=(CellWrite(PLAN, 3, COL["slips"], 4),)))
    value = load_workbook(plan_file, rich_text=True)[PLAN].cell(3, COL["notes"] + 1).value
    assert isinstance(value, CellRichText)
    bold = [block for block in value if isinstance(block, TextBlock)]
    assert [(b.text, b.font.b) for b in bold] == [("Omar", True)]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lock_name", ["~$acme-rollout.xlsx", ".~lock.acme-rollout.xlsx#"])
def test_an_open_workbook_is_not_written(plan_file: Path, lock_name: str) -> None:
    snap = read_snapshot(plan_file)
    (plan_file.parent / lock_name).write_text("someone")
    before = plan_file.read_bytes()
    with pytest.raises(PlanLocked) as caught:
        apply_changes(plan_file, snap, _slips(1))
    assert lock_name in caught.value.message and "sync again" in caught.value.hint
    assert plan_file.read_bytes() == before
    assert not backup_path(plan_file).exists()


def test_a_file_changed_since_it_was_read_is_not_written(plan_file: Path) -> None:
    snap = read_snapshot(plan_file)
    wb = load_workbook(plan_file)
    wb[PLAN].cell(2, COL["notes"] + 1).value = "edited while the sync ran"
    wb.save(plan_file)
    buyers = plan_file.read_bytes()
    with pytest.raises(PlanError, match="changed on disk") as caught:
        apply_changes(plan_file, snap, _slips(1))
    assert "sync again" in caught.value.hint
    assert plan_file.read_bytes() == buyers


def test_one_backup_of_the_previous_version_is_kept(plan_file: Path) -> None:
    first = plan_file.read_bytes()
    apply_changes(plan_file, read_snapshot(plan_file), _slips(1))
    assert backup_path(plan_file).read_bytes() == first
    second = plan_file.read_bytes()
    apply_changes(plan_file, read_snapshot(plan_file), _slips(2))
    assert backup_path(plan_file).read_bytes() == second
    assert sorted(p.name for p in plan_file.parent.iterdir()) == [plan_file.name, plan_file.name + ".bak"]


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (60, 30), (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


def _add_picture_and_chart(path: Path, title: str = PLAN) -> None:
    wb = load_workbook(path)
    ws = wb[title]
    ws.add_image(Image(io.BytesIO(_png())), "P2")
    chart = BarChart()
    chart.title = "Slips per item"
    chart.add_data(Reference(ws, min_col=COL["slips"] + 1, min_row=1, max_row=5), titles_from_data=True)
    ws.add_chart(chart, "P10")
    wb.save(path)


_SHAPE = (
    '<xdr:twoCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    "<xdr:from><xdr:col>15</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>20</xdr:row><xdr:rowOff>0</xdr:rowOff>"
    "</xdr:from><xdr:to><xdr:col>18</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>24</xdr:row><xdr:rowOff>0"
    '</xdr:rowOff></xdr:to><xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="9" name="TextBox 8"/>'
    '<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1828800" '
    'cy="762000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/>'
    "<a:lstStyle/><a:p><a:r><a:t>Buyer's reminder: budget call</a:t></a:r></a:p></xdr:txBody></xdr:sp>"
    "<xdr:clientData/></xdr:twoCellAnchor>"
)

_SPARKLINES = (
    '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/><x14:sparklines>'
    "<x14:sparkline><xm:f>Plan!L2:L5</xm:f><xm:sqref>N2</xm:sqref></x14:sparkline></x14:sparklines>"
    "</x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
)


def _with_shape(path: Path) -> None:
    _add_picture_and_chart(path)
    rewrite_zip(path, lambda name, data: data.replace(b"</wsDr>", _SHAPE.encode() + b"</wsDr>")
                if name == "xl/drawings/drawing1.xml" else None)


def _with_sparkline(path: Path) -> None:
    part = sheet_part(path, PLAN)
    rewrite_zip(path, lambda name, data: data.replace(b"</worksheet>", _SPARKLINES.encode() + b"</worksheet>")
                if name == part else None)


def _with_vba(path: Path) -> None:
    rewrite_zip(path, lambda name, data: None, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really"})


def _with_threaded_comment(path: Path) -> None:
    thread = (b'<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
              b'<threadedComment ref="E3" id="{00000000-0000-0000-0000-000000000001}">'
              b"<text>Who owns this?</text></threadedComment></ThreadedComments>")
    rewrite_zip(path, lambda name, data: None, add={"xl/threadedComments/threadedComment1.xml": thread})


def _with_unknown_workbook_extension(path: Path) -> None:
    ext = (b'<extLst><ext uri="{FFFFFFFF-0000-4000-8000-123456789ABC}"><x:thing xmlns:x="urn:x"/></ext>'
           b"</extLst>")
    rewrite_zip(path, lambda name, data: data.replace(b"</workbook>", ext + b"</workbook>")
                if name == "xl/workbook.xml" else None)


def _with_extension_in_a_row(path: Path) -> None:
    """An extension inside the cell data, where the inventory does not otherwise look."""
    part = sheet_part(path, PLAN)
    ext = b'<extLst><ext uri="{EEEEEEEE-0000-4000-8000-123456789ABC}"><x:thing xmlns:x="urn:x"/></ext></extLst>'
    rewrite_zip(path, lambda name, data: re.sub(rb"(<row [^>]*>)(.*?)(</row>)", lambda m: m[1] + m[2] + ext + m[3],
                                                data, count=1, flags=re.S) if name == part else None)


@pytest.mark.parametrize(("build", "named"), [
    (_with_shape, "a shape or text box (tab 'Plan')"),
    (_with_sparkline, "sparklines (tab 'Plan')"),
    (_with_vba, "VBA macros"),
    (_with_threaded_comment, "threaded comments"),
    (_with_unknown_workbook_extension, "{FFFFFFFF-0000-4000-8000-123456789ABC}"),
    (_with_extension_in_a_row, "({EEEEEEEE-0000-4000-8000-123456789ABC}) (tab 'Plan')"),
])
def test_content_openpyxl_would_drop_is_refused_and_the_file_left_alone(plan_file: Path, build, named) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    build(plan_file)
    snap = read_snapshot(plan_file)
    before = plan_file.read_bytes()
    with pytest.raises(UnsafeToSave) as caught:
        apply_changes(plan_file, snap, _slips(1))
    assert named in caught.value.message
    assert "will not write" in caught.value.hint
    assert plan_file.read_bytes() == before
    assert sorted(p.name for p in plan_file.parent.iterdir()) == ["acme-rollout.xlsx"]


@pytest.mark.parametrize(("build", "marker"), [(_with_shape, b"Buyer's reminder"),
                                               (_with_sparkline, b"sparkline")])
@pytest.mark.filterwarnings("ignore:Sparkline Group extension")
def test_openpyxl_really_drops_what_is_refused(plan_file: Path, build, marker: bytes) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    """Why the refusals exist: a plain openpyxl load and save loses these. Should a later openpyxl
    keep them, this fails and the refusal can be relaxed."""
    build(plan_file)
    with zipfile.ZipFile(plan_file) as archive:
        assert any(marker in archive.read(name) for name in archive.namelist())
    saved = plan_file.with_name("resaved.xlsx")
    load_workbook(plan_file, rich_text=True).save(saved)
    with zipfile.ZipFile(saved) as archive:
        assert not any(marker in archive.read(name) for name in archive.namelist())


def test_program_settings_extensions_do_not_block_a_save(plan_file: Path) -> None:
    """Excel stamps these on every save; losing them changes nothing the buyer made."""
    ext = (b'<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
           b'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
           b'<x15:workbookPr chartTrackingRefBase="1"/></ext>'
           b'<ext uri="{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}" '
           b'xmlns:xcalcf="http://schemas.microsoft.com/office/spreadsheetml/2018/calcfeatures">'
           b'<xcalcf:calcFeatures><xcalcf:feature name="microsoft.com:RD"/></xcalcf:calcFeatures></ext>'
           b"</extLst>")
    rewrite_zip(plan_file, lambda name, data: data.replace(b"</workbook>", ext + b"</workbook>")
                if name == "xl/workbook.xml" else None)
    assert unsafe_content(plan_file.read_bytes()) == []
    apply_changes(plan_file, read_snapshot(plan_file), _slips(1))
    assert read_snapshot(plan_file).tabs[PLAN].cell(1, COL["slips"]).value == 1


def test_buyer_picture_chart_tab_and_column_survive_a_sync_save(plan_file: Path) -> None:
    _add_picture_and_chart(plan_file)
    wb = load_workbook(plan_file)
    extra = wb.create_sheet("Buyer notes", 2)
    extra["A1"], extra["B2"] = "Internal approvals", date(2026, 5, 20)
    _add_picture_and_chart_to(extra)
    wb[PLAN].cell(1, 14).value = "Budget line"
    wb[PLAN].cell(3, 14).value = 12500
    wb.save(plan_file)
    assert unsafe_content(plan_file.read_bytes()) == []
    snap = read_snapshot(plan_file)
    assert snap.extra_tabs == ("Buyer notes",)
    assert snap.tabs[PLAN].cell(2, 13).value == 12500
    apply_changes(plan_file, snap, ChangeSet(cells=(CellWrite(PLAN, 2, COL["slips"], 5),),
                                             history=(HistoryEntry(WHEN, "T-01", "Slips", "0", "5"),)))
    wb = load_workbook(plan_file)
    for title in (PLAN, "Buyer notes"):
        assert len(wb[title]._images) == 1, title
        assert len(wb[title]._charts) == 1, title
    assert wb.sheetnames[2] == "Buyer notes"
    assert wb["Buyer notes"]["B2"].value.date() == date(2026, 5, 20)
    assert wb[PLAN].cell(3, 14).value == 12500 and wb[PLAN].cell(1, 14).value == "Budget line"
    with zipfile.ZipFile(plan_file) as archive:
        media = [n for n in archive.namelist() if n.startswith("xl/media/")]
        assert len(media) == 2 and all(archive.read(n) == _png() for n in media)
        charts = [n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) == 2 and all(b"barChart" in archive.read(n) for n in charts)


def _add_picture_and_chart_to(ws) -> None:  # type: ignore[no-untyped-def]
    ws.add_image(Image(io.BytesIO(_png())), "D2")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    ws.add_chart(chart, "D12")


# --- the product's formats -----------------------------------------------------------------------


def _product_rules(ws) -> list[str]:  # type: ignore[no-untyped-def]
    expected = {r.formula for r in colour_rules(plan_columns(500), DEFAULT_DAYS)}
    return [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules if r.formula[0] in expected]


def test_formats_are_rebuilt_without_touching_the_buyers_own(plan_file: Path) -> None:
    wb = load_workbook(plan_file)
    ws = wb[PLAN]
    buyer_rule = FormulaRule(formula=['$E2="Dana Tanaka"'], fill=PatternFill("solid", start_color="CCE5FF",
                                                                           end_color="CCE5FF"))
    ws.conditional_formatting.add("E2:E50", buyer_rule)
    ws.data_validations.dataValidation = [dv for dv in ws.data_validations.dataValidation
                                          if LETTER["status"] not in str(dv.sqref)]
    buyers_list = DataValidation(type="list", formula1='"Yes,No"')
    buyers_list.add("N2:N40")
    ws.add_data_validation(buyers_list)
    wb.save(plan_file)
    snap = read_snapshot(plan_file)
    assert not snap.formats_ok
    apply_changes(plan_file, snap, ChangeSet(formats_to_row=700))
    back = read_snapshot(plan_file)
    assert back.formats_ok
    ws = load_workbook(plan_file)[PLAN]
    assert len(_product_rules(ws)) == len(colour_rules(plan_columns(500), DEFAULT_DAYS))
    assert ['$E2="Dana Tanaka"'] in [r.formula for cf in ws.conditional_formatting for r in cf.rules]
    ranges = {str(cf.sqref) for cf in ws.conditional_formatting}
    assert ranges == {"E2:E50", "A2:M700"}
    status = [dv for dv in ws.data_validations.dataValidation if LETTER["status"] in str(dv.sqref)]
    assert [str(dv.sqref) for dv in status] == [f"{LETTER['status']}2:{LETTER['status']}700"]
    assert sorted(dv.formula1 for dv in ws.data_validations.dataValidation) == sorted(
        ['"Yes,No"', '"Task,Milestone"', '"Buyer,Seller,Joint"', '"' + ",".join(STATUS_CHOICES) + '"'])


def test_own_rules_are_recognised_after_the_buyer_moved_columns(tmp_path: Path) -> None:
    """A column inserted before Due moves Due and Status: the rules written for the new letters
    are still the product's, so a refresh replaces them instead of piling up copies."""
    snap = rendered()
    at = COL["due"]
    rows = tuple(row[:at] + (Cell(value="Priority" if n == 0 else "High"),) + row[at:]
                 for n, row in enumerate(snap.tabs[PLAN].rows))
    path = tmp_path / "moved.xlsx"
    write_workbook(path, replace(snap, tabs={**snap.tabs, PLAN: Grid(PLAN, rows)}))
    moved = plan_columns(500)
    moved = replace(moved, due=column_letter(at + 1), status=column_letter(at + 2))
    ws = load_workbook(path)[PLAN]
    assert [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules] == [
        r.formula for r in colour_rules(moved, DEFAULT_DAYS)]
    read = read_snapshot(path)
    assert read.formats_ok
    apply_changes(path, read, ChangeSet(formats_to_row=800))
    ws = load_workbook(path)[PLAN]
    formulas = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    assert formulas == [r.formula for r in colour_rules(moved, DEFAULT_DAYS)]
    assert {str(cf.sqref) for cf in ws.conditional_formatting} == {"A2:N800"}
    status = [str(dv.sqref) for dv in ws.data_validations.dataValidation if dv.formula1.startswith('"Not')]
    assert status == [f"{moved.status}2:{moved.status}800"]


def test_formats_count_as_missing_when_a_colour_rule_is_gone(plan_file: Path) -> None:
    wb = load_workbook(plan_file)
    ws = wb[PLAN]
    ws.conditional_formatting["A2:M500"].pop()  # the last rule, "due soon"
    wb.save(plan_file)
    assert len(list(load_workbook(plan_file)[PLAN].conditional_formatting)[0].rules) == 4
    assert not read_snapshot(plan_file).formats_ok


# --- the store -----------------------------------------------------------------------------------


def test_store_creates_locates_and_refuses_to_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        ) -> None:
    store = LocalPlanStore(tmp_path / "maps")
    ref = store.create(rendered(), slug="acme-rollout", title="Acme rollout")
    path = tmp_path / "maps" / "acme-rollout.xlsx"
    assert ref.id == str(path.resolve()) and ref.url == path.resolve().as_uri()
    assert ref.slug == "acme-rollout" and ref.title == "Acme rollout"
    with pytest.raises(PlanExists) as caught:
        store.create(rendered(), slug="acme-rollout", title="Acme rollout")
    assert "mapws sync acme-rollout" in caught.value.hint
    monkeypatch.chdir(tmp_path)
    for name in ("acme-rollout", "acme-rollout.xlsx", str(path), "maps/acme-rollout.xlsx"):
        assert store.locate(name).id == ref.id, name
    with pytest.raises(PlanNotFound) as missing:
        store.locate("globex")
    assert "acme-rollout" in missing.value.hint
    snap = store.read(ref)
    assert isinstance(snap, Snapshot) and snap.meta["plan_id"] == PLAN_ID
    store.apply(ref, snap, ChangeSet(cells=(CellWrite(PLAN, 2, COL["slips"], 7),)))
    assert store.read(ref).tabs[PLAN].cell(1, COL["slips"]).value == 7


def test_store_lists_plans_but_not_locks_backups_or_temp_files(tmp_path: Path) -> None:
    store = LocalPlanStore(tmp_path)
    store.create(rendered(), slug="acme-rollout", title="Acme")
    store.create(rendered(), slug="team-b/globex", title="Globex")
    for leftover in ("~$acme-rollout.xlsx", ".~lock.acme-rollout.xlsx#", "acme-rollout.xlsx.bak",
                     ".acme-rollout.xlsx.123.abcd.tmp", ".hidden/old.xlsx", "notes.txt"):
        (tmp_path / leftover).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / leftover).write_bytes(b"x")
    assert [ref.slug for ref in store.list_plans()] == ["acme-rollout", "globex"]
    assert store.locate("globex").id == str((tmp_path / "team-b" / "globex.xlsx").resolve())
    assert LocalPlanStore(tmp_path / "nowhere").list_plans() == []


def test_store_writes_the_summary_beside_the_plan(tmp_path: Path) -> None:
    store = LocalPlanStore(tmp_path)
    ref = store.create(rendered(), slug="acme-rollout", title="Acme")
    doc = SummaryDoc("Acme rollout", "Mutual Action Plan · 12 May 2026",
                     (Section("Where we are", facts=(("Progress", "1 of 4 done · 25%"),)),), footer="mapws")
    result = store.write_summary(ref, doc, pdf=False)
    summary = tmp_path / "acme-rollout-summary.docx"
    assert result.document == str(summary.resolve()) and result.url == summary.resolve().as_uri()
    assert result.pdf is None
    with zipfile.ZipFile(summary) as archive:
        assert b"1 of 4 done" in archive.read("word/document.xml")
    assert [r.slug for r in store.list_plans()] == ["acme-rollout"]


def test_a_snapshot_from_render_has_the_formatted_rows(tmp_path: Path) -> None:
    snap = rendered()
    assert snap.meta["formatted_rows"] == "500"
    bigger = replace(snap, meta={**snap.meta, "formatted_rows": "640"})
    write_workbook(tmp_path / "big.xlsx", bigger)
    ws = load_workbook(tmp_path / "big.xlsx")[PLAN]
    assert {str(cf.sqref) for cf in ws.conditional_formatting} == {"A2:M640"}


def test_a_time_with_an_offset_is_written_as_iso_text(plan_file: Path) -> None:
    """Excel has no time zones; History's "When" keeps its offset as text."""
    from datetime import datetime, timedelta, timezone

    when = datetime(2026, 5, 12, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    row = overview_row("last_changed")
    apply_changes(plan_file, read_snapshot(plan_file), ChangeSet(cells=(CellWrite(OVERVIEW, row, 1, when),)))
    assert read_snapshot(plan_file).tabs[OVERVIEW].cell(row - 1, 1).value == "2026-05-12T09:30:00+02:00"


def test_unreadable_or_missing_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(PlanNotFound):
        read_snapshot(tmp_path / "gone.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(PlanError, match="not a readable .xlsx workbook") as caught:
        read_snapshot(broken)
    assert "broken.xlsx.bak" in caught.value.hint


def test_rules_written_with_other_windows_are_replaced_not_kept_beside(plan_file: Path) -> None:
    """The sync moves the plan's windows (meta) with a format refresh: the old rules are still
    recognised as the product's and replaced; the new ones read as in place."""
    custom = Thresholds(stalled_after_days=10, due_soon_days=5)
    wb = load_workbook(plan_file)
    wb[PLAN].conditional_formatting.add("E2:E50", FormulaRule(formula=['$E2="Dana Tanaka"']))
    wb.save(plan_file)
    snap = read_snapshot(plan_file)
    assert snap.formats_ok
    apply_changes(plan_file, snap, ChangeSet(formats_to_row=500, meta=thresholds_meta(custom)))
    back = read_snapshot(plan_file)
    assert back.formats_ok and back.meta["stalled_after_days"] == "10"
    ws = load_workbook(plan_file)[PLAN]
    formulas = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    assert formulas == ['$E2="Dana Tanaka"'] + [r.formula for r in colour_rules(plan_columns(500), custom)]


def test_the_state_tab_is_rewritten_to_exactly_the_new_rows(plan_file: Path) -> None:
    """Rows kept, one changed in place, one new, the rest gone (a long state is rewritten by
    touching only what differs, and must still end up exact)."""
    before = read_snapshot(plan_file).tabs[STATE]
    assert len(before.rows) == 1 + 5  # header, four items and a risk
    kickoff = date(2026, 5, 2)
    rows = (StateRow("T-01", "Kick-off call", kickoff, kickoff, "Done"),
            StateRow("T-02", "Security review", kickoff, date(2026, 6, 1), "In progress", "Omar Haddad", 2),
            StateRow("T-09", "=Looks like a formula", None, None, "", "", 0, 3, "buyer.cfo", True))
    apply_changes(plan_file, read_snapshot(plan_file), ChangeSet(state=rows))
    state = read_snapshot(plan_file).tabs[STATE]
    got = [tuple(c.value for c in row) + (None,) * (len(STATE_TAB.columns) - len(row)) for row in state.rows[1:]]
    assert got == [tuple(None if v == "" else v for v in row.cells()) for row in rows]
    assert all(c.formula is None for row in state.rows for c in row)
    assert load_workbook(plan_file)[STATE].sheet_state == "hidden"
