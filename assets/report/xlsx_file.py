"""``tabellen_<Stichtag>.xlsx``: one sheet per bericht table, numbers as numbers with number
formats (Excel shows them in the reader's locale: 1.234 and 47,1 % in a German Excel), the signs
``*``, ``–``, ``x`` as text, footnotes under each table.

xlsxwriter is imported at the top: this module itself is imported only when the files are
written (assets/report/files.py).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from assets.report import bericht_tables as bt
from assets.report.disclosure import BA_FUSSNOTE, NICHTS, ZEICHENERKLAERUNG, Art, parse_de
from assets.report.published_tables import Tabellen
from sources import formats, xlsx_layout


# Tables whose rows are key figures of different kinds: the unit of the row decides the format.
NACH_EINHEIT = {"ueberblick": ("wert",), "veraenderung": ("wert", "wert_vorbericht", "veraenderung")}


def _is_count(spec: bt.TabellenSpec, spalte: bt.Spalte, row: dict) -> bool:
    """Is this cell a count (so 1 and 2 must never appear)? Used by the writer's guard."""
    if spalte.art is not Art.ANZAHL:
        return False
    if spec.name in NACH_EINHEIT:
        return row.get("einheit") in bt.ZAEHL_EINHEITEN
    return True


def _art(spec: bt.TabellenSpec, spalte: bt.Spalte, row: dict) -> Art | None:
    if spalte.name in NACH_EINHEIT.get(spec.name, ()):
        return bt.EINHEITEN.get(row.get("einheit"))
    return spalte.art


def _excel_format(art: Art | None, dezimalen: int) -> str:
    if art is Art.QUOTE:
        return "0.0 %"
    return "#,##0" if dezimalen == 0 else "#,##0." + "0" * dezimalen


class _Formate:
    """The workbook's cell formats; number formats are added on first use."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.base = dict(xlsx_layout.BASIS)
        base = self.base
        self.titel = wb.add_format({**base, "bold": True, "font_size": 12})
        self.kopf = wb.add_format({**base, **xlsx_layout.KOPF, "text_wrap": True})
        self.text = wb.add_format({**base})
        self.zeichen = wb.add_format({**base, "align": "right"})
        self.note = wb.add_format({**base, "font_size": 8, "text_wrap": True})
        self.stand = wb.add_format({**base, "italic": True})
        self._zahl: dict[str, object] = {}

    def zahl(self, code: str):
        if code not in self._zahl:
            self._zahl[code] = self.wb.add_format({**self.base, "num_format": code})
        return self._zahl[code]


def _contents_sheet(wb: xlsxwriter.Workbook, f: _Formate, t: Tabellen) -> None:
    inhalt = wb.add_worksheet("Inhalt")
    inhalt.set_column(0, 0, 24)
    inhalt.set_column(1, 1, 70)
    inhalt.write(0, 0, "Sachstand 3-Phasen-Modell: Tabellen", f.titel)
    inhalt.write(1, 0, f"Stichtag: {formats.datum(t.stichtag)}", f.stand)
    inhalt.write(3, 0, "Blatt", f.kopf)
    inhalt.write(3, 1, "Inhalt", f.kopf)
    for i, (name, spec) in enumerate(t.specs.items()):
        inhalt.write_url(4 + i, 0, f"internal:'{name}'!A1", string=name)
        inhalt.write(4 + i, 1, spec.titel, f.text)
    r0 = 5 + len(t.specs)
    inhalt.merge_range(r0, 0, r0, 1, BA_FUSSNOTE, f.note)
    inhalt.set_row(r0, 40)
    inhalt.merge_range(r0 + 1, 0, r0 + 1, 1, ZEICHENERKLAERUNG, f.note)
    inhalt.set_row(r0 + 1, 40)
    xlsx_layout.druck_a4(inhalt, 3, landscape=False)


def _cells(ws, f: _Formate, name: str, spec: bt.TabellenSpec, df: pl.DataFrame, kopf: int, breiten: list[int]) -> None:
    """The table's rows below the header row ``kopf``; widens ``breiten`` for long texts."""
    for i, row in enumerate(df.iter_rows(named=True)):
        r = kopf + 1 + i
        for c, s in enumerate(spec.spalten):
            text = row[s.name]
            art = _art(spec, s, row)
            if s.art is None or art is None:
                ws.write_string(r, c, text or "", f.text)
                breiten[c] = max(breiten[c], min(60, len(text or "") + 2))
                continue
            v = parse_de(text)
            if v is None or text == NICHTS:
                ws.write_string(r, c, text or "", f.zeichen)  # '*', '–', 'x' or a month
                breiten[c] = max(breiten[c], min(30, len(text or "") + 2))
                continue
            if _is_count(spec, s, row) and v in (1.0, 2.0):  # cannot happen: guarded anyway
                raise RuntimeError(f"{name}: Zahlenwert {v} in einer Fallzahl")
            dez = 1 if art is Art.QUOTE else (s.dezimalen if name not in NACH_EINHEIT else 0)
            ws.write_number(r, c, v, f.zahl(_excel_format(art, dez)))


def _table_sheet(wb: xlsxwriter.Workbook, f: _Formate, t: Tabellen, name: str, spec: bt.TabellenSpec) -> None:
    ws = wb.add_worksheet(name[:31])
    ws.write(0, 0, spec.titel, f.titel)
    ws.write(1, 0, f"Stichtag: {formats.datum(t.stichtag)}", f.stand)
    kopf = 3
    breiten = []
    for c, s in enumerate(spec.spalten):
        ws.write(kopf, c, s.titel, f.kopf)
        breiten.append(max(10, min(45, len(s.titel) + 2)) if s.art is not None else 12)
    df = t.frames[name]
    _cells(ws, f, name, spec, df, kopf, breiten)
    ws.freeze_panes(kopf + 1, 1)
    for c, b in enumerate(breiten):
        ws.set_column(c, c, b)
    ws.set_row(kopf, 30)
    r = kopf + 2 + df.height
    letzte = max(1, len(spec.spalten) - 1)
    for text in t.fussnoten.get(name, []):
        ws.merge_range(r, 0, r, letzte, text, f.note)
        ws.set_row(r, 12 * max(1, len(text) // 110 + 1))
        r += 1
    xlsx_layout.druck_a4(ws, kopf)


def write_xlsx(t: Tabellen, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    f = _Formate(wb)
    _contents_sheet(wb, f, t)
    for name, spec in t.specs.items():
        _table_sheet(wb, f, t, name, spec)
    wb.close()
