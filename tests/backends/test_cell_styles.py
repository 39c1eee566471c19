"""CellStyles: a style copied from the first cell is the one openpyxl's setters would give, whatever
the cell had before (a buyer's own formatting included)."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from map_workspace.backends.local.formatting import CellStyles

CENTRED = Alignment(horizontal="center", vertical="center")


def test_a_copied_style_is_the_one_the_setters_give() -> None:
    wb = Workbook()
    ws = wb.active
    ws["B1"].font = Font(bold=True, color="FF0000")  # the buyer's own formatting survives
    ws["B2"].fill = PatternFill("solid", start_color="00FF00", end_color="00FF00")
    styles = CellStyles()
    for row in range(1, 6):
        for col in (1, 2):
            styles.apply(ws.cell(row, col), ("week", "m/d"), alignment=CENTRED, number_format="m/d")
    other = Workbook().active
    other["B1"].font = Font(bold=True, color="FF0000")
    other["B2"].fill = PatternFill("solid", start_color="00FF00", end_color="00FF00")
    for row in range(1, 6):
        for col in (1, 2):
            cell = other.cell(row, col)
            cell.alignment, cell.number_format = CENTRED, "m/d"
    assert [tuple(ws.cell(r, c)._style) for r in range(1, 6) for c in (1, 2)] == [
        tuple(other.cell(r, c)._style) for r in range(1, 6) for c in (1, 2)
    ]
    assert ws["B1"].font.bold and ws["B2"].fill.start_color.rgb.endswith("00FF00")
    assert ws["A3"].alignment.horizontal == "center" and ws["A3"].number_format == "m/d"
    # each cell has its own copy: restyling one leaves the others
    ws["A4"].number_format = "yyyy"
    assert ws["A5"].number_format == "m/d"
