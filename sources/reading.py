"""Reading one export into an all-text polars frame: encoding per file, CSV or XLSX.

Every cell comes back as text (or null); typing happens in sources/parsing.py so that CSV and XLSX
go through exactly the same rules. The frame carries ``_zeile``, the line in the file (header = 1).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

LINE_COL = "_zeile"


class FileRejected(Exception):
    """The whole file cannot be used; the message names the file-level reason (German)."""


# UTF-8 encodings of "À".."ÿ" and of "\xa0".."¿" (§, °, ...): in Windows-1252 text these byte pairs
# read "Ã¤", "Â§" and never occur in real German exports. Next to bytes that are not UTF-8 they
# mean the file mixes both encodings; reading it as Windows-1252 would garble the UTF-8 rows silently.
_UTF8_LATIN = re.compile(rb"\xc3[\x80-\xbf]|\xc2[\xa0-\xbf]")


def _line_of(data: bytes, pos: int) -> int:
    return data[:pos].count(b"\n") + 1


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, decided once for the whole file."""
    nul = data.find(b"\x00")
    if nul >= 0:  # every byte decodes in Windows-1252, but no text export holds NUL bytes
        hint = " (UTF-16?)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") or nul < 4 else ""
        raise FileRejected(
            f"Datei nicht dekodierbar: enthält Nullbytes{hint}, erwartet UTF-8 oder Windows-1252 (Zeile {_line_of(data, nul)}, Byte {nul})."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            pos = exc.start + 3
            raise FileRejected(
                f"Datei nicht dekodierbar: beginnt mit UTF-8-Kennung (BOM), enthält aber Bytes, die kein UTF-8 sind "
                f"(Zeile {_line_of(data, pos)}, Byte {pos})."
            ) from None
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"Datei nicht dekodierbar: weder UTF-8 noch Windows-1252 (Zeile {_line_of(data, exc.start)}, Byte {exc.start})."
        ) from None
    mixed = _UTF8_LATIN.search(data)
    if mixed:
        raise FileRejected(
            "Datei nicht dekodierbar: gemischte Kodierung, UTF-8 (z. B. Zeile "
            f"{_line_of(data, mixed.start())}) und Windows-1252 (z. B. Zeile {_line_of(data, first_bad)}) in einer Datei."
        )
    return "cp1252"


def read_csv_text(data: bytes) -> tuple[pl.DataFrame, list[str], str]:
    """(rows as text with ``_zeile``, header cells, encoding)."""
    encoding = detect_encoding(data)
    if encoding == "utf-8-sig":
        data = data[3:]
    elif encoding == "cp1252":
        data = data.decode("cp1252").encode("utf-8")
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise FileRejected("Datei ist leer (keine Kopfzeile, keine Datenzeilen).")
    try:
        frame = pl.read_csv(
            data,
            separator=";",
            quote_char='"',
            has_header=False,
            infer_schema=False,
            raise_if_empty=False,
        )
    except pl.exceptions.ComputeError as exc:
        # Polars' message may quote the row; only the kind of problem is passed on.
        hint = "Zeile mit mehr Feldern als die Kopfzeile" if "field" in str(exc).lower() else "CSV-Struktur nicht lesbar"
        raise FileRejected(f"{hint} (Trennzeichen ';' erwartet).") from None
    return _split_header(frame), encoding


def read_xlsx_text(path: Path) -> tuple[pl.DataFrame, list[str], str]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:  # fastexcel raises its own error types per problem
        raise FileRejected(f"XLSX-Datei nicht lesbar ({type(exc).__name__}).") from None
    frame = frame.with_columns(pl.all().cast(pl.String))
    return _split_header(frame), "xlsx"


def _split_header(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    if frame.height == 0:
        raise FileRejected("Datei ist leer (keine Kopfzeile, keine Datenzeilen).")
    header = ["" if v is None else str(v) for v in frame.row(0)]
    body = frame.slice(1).with_row_index(LINE_COL, offset=2)
    body = body.with_columns(pl.col(LINE_COL).cast(pl.Int64))
    return body, header


def read_table(path: Path, ext: str) -> tuple[pl.DataFrame, list[str], str]:
    if ext == "xlsx":
        (frame, header), enc = read_xlsx_text(path)
    else:
        (frame, header), enc = read_csv_text(path.read_bytes())
    return frame, header, enc
