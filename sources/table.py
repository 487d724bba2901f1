"""One export read as text (``Table``), shared by the CSV reader (sources/reading.py) and the XLSX
reader (sources/workbook.py), and the file-level rejection both raise."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

LINE_COL = "_zeile"
SURPLUS_SCHEMA = {"zeile": pl.Int64, "felder": pl.Int64}


class FileRejected(Exception):
    """The whole file cannot be used; the message names the file-level reason (German)."""


@dataclass
class Table:
    """One export read as text."""

    rows: pl.DataFrame  # the data records as text, with ``_zeile``
    header: list[str]
    encoding: str
    # Records with more fields than the header (line, number of fields): not in ``rows``; every
    # value of such a record may sit in the wrong column, so the parser quarantines them whole.
    surplus: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SURPLUS_SCHEMA))
    header_line: int = 1  # the line (sheet row) of the header
    excel_1904: bool = False  # XLSX: serial dates count from 1904-01-01 (old Mac workbooks)
    sheet: int = 0  # XLSX: the index of the sheet read
    # Notes on how the file was read, for the data-quality report: (line, rule, German reason).
    hinweise: list[tuple[int, str, str]] = field(default_factory=list)


def split_header(frame: pl.DataFrame, lines: pl.Series | None = None) -> tuple[pl.DataFrame, list[str]]:
    """Header cells and the data records with ``_zeile``: ``lines`` (one per record, header
    included) if given, else the record number + 1."""
    if frame.height == 0:
        raise FileRejected("Datei ist leer (keine Kopfzeile, keine Datenzeilen).")
    header = ["" if v is None else str(v) for v in frame.row(0)]
    if lines is None:
        body = frame.slice(1).with_row_index(LINE_COL, offset=2)
        body = body.with_columns(pl.col(LINE_COL).cast(pl.Int64))
    else:
        body = frame.slice(1).insert_column(0, lines.slice(1).alias(LINE_COL))
    return body, header
