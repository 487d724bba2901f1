"""The house layout of every workbook phasenmonitor writes (the council's tables,
assets/report/xlsx_file.py, and the partners' fix lists, checks/korrekturen.py): one font, one
header look, and the print setup the council files need (docs/bericht.md, "Barrierefreiheit").
Works on xlsxwriter objects without importing xlsxwriter."""

from __future__ import annotations

FONT = "Arial"
# Cell format of ordinary text, and what a header cell adds to it.
BASIS = {"font_name": FONT, "font_size": 10, "valign": "top"}
KOPF = {"bold": True, "bottom": 1, "top": 1, "bg_color": "#D9D9D9"}
A4 = 9  # xlsxwriter's paper code


def druck_a4(ws, kopf: int, landscape: bool = True) -> None:
    """A sheet prints on A4, one page wide, its header row ``kopf`` repeated on every page."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(kopf)
