"""The file writers: a CSV export appended chunk by chunk, the VHS's XLSX, and the VHS export's
choice between the two forms.
"""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from pathlib import Path

import polars as pl

from sources.demo.days import EPOCH, NONE
from sources import vhs
from sources.demo.vhs import H_KURSTEILNAHMEN

_BOM = b"\xef\xbb\xbf"


class CsvOut:
    """A CSV export appended chunk by chunk (header once, own encoding and line ends)."""

    def __init__(self, path: Path, columns: list[str], encoding: str, bom: bool, crlf: bool = True) -> None:
        self.path, self.columns, self.encoding = path, columns, encoding
        self.crlf = crlf
        self.fh = open(path, "wb")
        if bom:
            self.fh.write(_BOM)
        self.rows = 0
        self._header()

    def _header(self) -> None:
        buf = io.BytesIO()
        pl.DataFrame({c: pl.Series([], dtype=pl.String) for c in self.columns}).write_csv(
            buf, separator=";", line_terminator="\r\n" if self.crlf else "\n", include_header=True
        )
        self.fh.write(self._encode(buf.getvalue()))

    def _encode(self, data: bytes) -> bytes:
        return data if self.encoding == "utf-8" else data.decode("utf-8").encode(self.encoding)

    def write(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        assert df.columns == self.columns, (df.columns, self.columns)
        buf = io.BytesIO()
        df.write_csv(
            buf, separator=";", line_terminator="\r\n" if self.crlf else "\n", include_header=False,
            quote_style="necessary", null_value="",
        )
        self.fh.write(self._encode(buf.getvalue()))
        self.rows += df.height

    def close(self) -> None:
        self.fh.close()


class VhsExport:
    """The Kursteilnahmen of all chunks: held for one XLSX while there are at most ``max_rows``
    rows; beyond that appended to the CSV form instead (the rows held so far first)."""

    def __init__(self, out: Path, xlsx: str, csv: str, max_rows: int) -> None:
        self.out, self.xlsx, self.csv, self.max_rows = out, xlsx, csv, max_rows
        self.frames: list[pl.DataFrame] = []
        self.rows = 0
        self.csv_out: CsvOut | None = None
        for stale in (xlsx, csv):  # never leave both forms for one Datenstand
            (out / stale).unlink(missing_ok=True)

    def write(self, df: pl.DataFrame) -> None:
        self.rows += df.height
        if self.csv_out is None and self.rows > self.max_rows:
            self.csv_out = CsvOut(self.out / self.csv, H_KURSTEILNAHMEN, "utf-8", bom=False, crlf=False)
            for f in self.frames:
                self.csv_out.write(f.select(H_KURSTEILNAHMEN))
            self.frames = []
        if self.csv_out is not None:
            self.csv_out.write(df.select(H_KURSTEILNAHMEN))
        else:
            self.frames.append(df)

    def close(self) -> None:
        if self.csv_out is not None:
            self.csv_out.close()

    def finish(self, D: int) -> tuple[str, str]:
        """Writes the XLSX unless the CSV form was chosen; returns the file's relative path and form."""
        if self.csv_out is not None:
            return self.csv, "csv"
        write_xlsx(self.out / self.xlsx, pl.concat(self.frames) if self.frames else None, D)
        return self.xlsx, "xlsx"


def _row_batches(df: pl.DataFrame, names: list[str], size: int = 20_000):
    """Rows of ``df`` as tuples, converted to Python objects one slice at a time."""
    for start in range(0, df.height, size):
        part = df.slice(start, size)
        yield from zip(*(part[c].to_list() for c in names))


def write_xlsx(path: Path, df: pl.DataFrame | None, D: int) -> None:
    """The VHS's XLSX: dates as Excel date cells or text, Anwesenheit as number or text, as given
    by the ``_`` columns of ``df``; fixed document dates, so the same rows give the same bytes."""
    import xlsxwriter  # lazy: heavy, and only needed when the VHS export is an XLSX

    created = datetime.combine(EPOCH + timedelta(days=D), time(6, 0))
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"title": "Kursteilnahmen", "author": vhs.PARTNER, "created": created})
    ws = wb.add_worksheet("Kursteilnahmen")
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    bold = wb.add_format({"bold": True})
    for c, h in enumerate(H_KURSTEILNAHMEN):
        ws.write_string(0, c, h, bold)
    ws.set_column(0, 9, 16)
    if df is not None and df.height:
        # a date cell only where the text is still the real date (injected mistakes stay text)
        df = df.with_columns(
            (pl.col("_kb_cell") & pl.col("Kursbeginn").eq_missing(pl.col("_kb_s"))).alias("_kb_cell"),
            (pl.col("_ke_cell") & pl.col("Kursende").eq_missing(pl.col("_ke_s")) & (pl.col("_ke") != NONE)).alias("_ke_cell"),
            (pl.col("_kb") + 25_569).alias("_kb"),  # Excel serial day numbers
            (pl.col("_ke") + 25_569).alias("_ke"),
            (pl.col("_anw_num") & pl.col("Anwesenheit").is_not_null()).alias("_anw_num"),
        )
        text_cols = ["Hörernummer", "Kursnummer", "Kursart", "Zielniveau"]
        tail_cols = ["Prüfung", "Ergebnis", "Status"]
        names = text_cols + ["Kursbeginn", "Kursende", "Anwesenheit"] + tail_cols
        names += ["_kb_cell", "_kb", "_ke_cell", "_ke", "_anw_num", "_anw"]
        ws_str, ws_num = ws.write_string, ws.write_number
        for i, row in enumerate(_row_batches(df, names), start=1):
            (hoer, knr, kart, ziel, kb, ke, anw, pr, erg, st, kb_cell, kb_n, ke_cell, ke_n, anw_num, anw_n) = row
            for c, v in ((0, hoer), (1, knr), (2, kart), (3, ziel)):
                if v is not None:
                    ws_str(i, c, v)
            if kb_cell:
                ws_num(i, 4, kb_n, date_fmt)
            elif kb is not None:
                ws_str(i, 4, kb)
            if ke_cell:
                ws_num(i, 5, ke_n, date_fmt)
            elif ke is not None:
                ws_str(i, 5, ke)
            if anw_num:
                ws_num(i, 6, anw_n)
            elif anw is not None:
                ws_str(i, 6, anw)
            for c, v in ((7, pr), (8, erg), (9, st)):
                if v is not None:
                    ws_str(i, c, v)
    wb.close()
