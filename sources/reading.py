"""Reading one export into an all-text polars frame: encoding per file, CSV or XLSX.

Every cell comes back as text (or null); typing happens in sources/cells.py so that CSV and XLSX
go through exactly the same rules. The frame carries ``_zeile``, the line in the file (header = 1):
for CSV the physical line a record starts on (a quoted value may span lines), for XLSX the sheet row.

A CSV record with more fields than the header (a ``;`` inside an unquoted value) is a problem of that
row, not of the file: it is left out of the frame and listed in ``Table.surplus`` for quarantine.

The variants real exporters write are absorbed here, before any rule sees a value (the list is in
docs/datenvertrag.md, "Varianten der Exporte"): text is Unicode-normalised to NFC (a Mac writes
``ö`` as ``o`` + U+0308), and a file with CR-only line ends (Excel for Mac) gets LF. XLSX files
are read in sources/workbook.py.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sources.table import LINE_COL, SURPLUS_SCHEMA, FileRejected, Table, split_header
from sources.workbook import read_xlsx_text

__all__ = ["LINE_COL", "SURPLUS_SCHEMA", "FileRejected", "Table", "read_xlsx_text", "split_header"]


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
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or nul < 4:
            # Excel's "Unicode-Text" (UTF-16, tab-separated): not in the contract's encodings.
            raise FileRejected(
                "Datei nicht dekodierbar: sie ist in UTF-16 gespeichert (Excel „Unicode-Text“), erwartet UTF-8 oder "
                "Windows-1252 (Zeile 1, Byte 0). Bitte in Excel als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern."
            )
        raise FileRejected(
            f"Datei nicht dekodierbar: enthält Nullbytes, erwartet UTF-8 oder Windows-1252 (Zeile {_line_of(data, nul)}, Byte {nul})."
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


_CSV_OPTIONS = dict(separator=";", quote_char='"', has_header=False, infer_schema=False, raise_if_empty=False)


def nfc_bytes(data: bytes) -> bytes:
    """UTF-8 text in Unicode normal form NFC: a code, header or identifier written decomposed (a
    Mac's ``o`` + U+0308 for ``ö``) is the same text as the composed one. NFC never joins a
    delimiter, quote or line end with anything, so records and line numbers stay as they were;
    an ASCII file, or one already in NFC (the usual case), is not copied."""
    if data.isascii():
        return data
    text = data.decode("utf-8")
    return data if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text).encode("utf-8")


_OTHER_SEPARATORS = {"\t": "Tabulator", ",": "Komma"}


def _check_separator(data: bytes) -> None:
    """A header line without ';' but with tabs or commas is a file saved with another separator
    (Excel "Text (Tabstopp-getrennt)", an English-language Excel or LibreOffice with ','). Every
    export has several columns, so its header always holds a ';'; the contract allows no other."""
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)].decode("utf-8", errors="replace")
    if ";" in first:
        return
    for sep, name in _OTHER_SEPARATORS.items():
        if sep in first:
            raise FileRejected(
                f"Falsches Trennzeichen: die Kopfzeile (Zeile 1) ist durch {name} getrennt, vereinbart ist das Semikolon ';'. "
                "Bitte als „CSV (Trennzeichen-getrennt)“ mit Semikolon speichern."
            )


def read_csv_text(data: bytes) -> Table:
    encoding = detect_encoding(data)
    if encoding == "utf-8-sig":
        data = data[3:]
    elif encoding == "cp1252":
        data = data.decode("cp1252").encode("utf-8")  # Windows-1252 holds no combining marks: NFC already
    if encoding != "cp1252":
        data = nfc_bytes(data)
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise FileRejected("Datei ist leer (keine Kopfzeile, keine Datenzeilen).")
    if b"\n" not in data and b"\r" in data:
        # CR-only line ends (Excel for Mac's "CSV (Macintosh)"): without a single LF every CR is a line end.
        if encoding == "cp1252":
            # That format is written in Mac Roman, whose umlauts read as other letters in
            # Windows-1252 ("ü" as "Ÿ"): the text would be garbled without any error.
            raise FileRejected(
                "Datei nicht sicher lesbar: Zeilenenden nur mit CR und kein UTF-8, also vermutlich Excel „CSV (Macintosh)“ "
                "in Mac-Roman-Kodierung (Zeile 1), erwartet UTF-8 oder Windows-1252. Bitte als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern."
            )
        data = data.replace(b"\r", b"\n")
    _check_separator(data)
    try:
        frame = pl.read_csv(data, **_CSV_OPTIONS)
    except pl.exceptions.ComputeError:
        # Polars' message may quote the row and names no line: the slow reader below finds out
        # which records are wrong (only broken files get here).
        return _read_ragged(data, encoding)
    # A line break inside a value needs quotes: files without any pay one memchr for the line numbers.
    lines = record_lines(frame) if b'"' in data and _has_embedded_breaks(data, frame.height) else None
    body, header = split_header(frame, lines)
    return Table(body, header, encoding)


def _has_embedded_breaks(data: bytes, records: int) -> bool:
    """More line ends than records (polars yields a record for every line, blank ones too) means
    some value contains a line break."""
    return data.count(b"\n") != records - (0 if data.endswith(b"\n") else 1)


def record_lines(frame: pl.DataFrame, first_line: int = 1) -> pl.Series:
    """The physical line each record starts on: ``first_line`` plus the record's index plus the line
    breaks inside the values of all records before it ("\\r\\n" counts once, like in ``_line_of``)."""
    breaks = pl.sum_horizontal(
        [pl.col(c).str.count_matches("\n", literal=True).fill_null(0).cast(pl.Int64) for c in frame.columns]
    )
    before = breaks.cum_sum().shift(1, fill_value=0)
    return frame.select((pl.int_range(pl.len(), dtype=pl.Int64) + first_line + before).alias(LINE_COL)).to_series()


# A record as polars accepts it: fields either quoted (quotes doubled inside) or free of quotes.
_QFIELD = r'(?:"(?:[^"]|"")*"|[^;"]*)'
_RECORD = re.compile(rf"{_QFIELD}(?:;{_QFIELD})*")


@dataclass
class _Scan:
    header_fields: int = 0
    records: int = 0
    surplus: list[tuple[int, int, int]] = field(default_factory=list)  # (record index, line, fields)
    first_wide: int | None = None  # line of the first record wider than the header, blank or not
    max_fields: int = 0
    odd_line: int | None = None  # first record polars may refuse (quotes), if any
    error_line: int | None = None  # record at which the csv module gave up


def _scan_records(data: bytes) -> _Scan:
    """Field count and start line of every record, with Python's csv module (slow, fallback only)."""
    scan = _Scan()
    # Lines end at "\n" only, as in polars and ``_line_of``; "\r\n" stays in the line for csv.
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="\n")
    raw: list[str] = []

    def lines():
        for line in text:
            raw.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=";", quotechar='"', strict=True)
    start = 1
    try:
        for i, rec in enumerate(reader):
            n = len(rec)
            if i == 0:
                scan.header_fields = max(n, 1)  # polars makes one (empty) column of an empty first line
            elif n > scan.header_fields:
                scan.first_wide = scan.first_wide or start
                if any(v.strip() for v in rec):  # ";;;;;;;;" is a blank line, however wide
                    scan.surplus.append((i, start, n))
            scan.max_fields = max(scan.max_fields, n)
            if scan.odd_line is None and any('"' in r for r in raw):
                record = "".join(raw).removesuffix("\n").removesuffix("\r")
                if not _RECORD.fullmatch(record):
                    scan.odd_line = start
            raw.clear()
            scan.records = i + 1
            start = reader.line_num + 1
    except csv.Error:
        scan.error_line = start
    return scan


def _structure_rejected(line: int | None) -> FileRejected:
    where = f" ab Zeile {line}" if line is not None else ""
    return FileRejected(f"CSV-Struktur nicht lesbar{where} (Trennzeichen ';' und Anführungszeichen '\"' erwartet).")


def _read_ragged(data: bytes, encoding: str) -> Table:
    """Polars refused the file: if records with more fields than the header are the only problem,
    read the others (same polars parser, wider) and list those records; else reject naming a line."""
    scan = _scan_records(data)
    if scan.error_line is not None or scan.first_wide is None:
        raise _structure_rejected(scan.error_line if scan.error_line is not None else scan.odd_line)
    first = scan.first_wide
    width = max(scan.max_fields, scan.header_fields)
    try:
        wide = pl.read_csv(
            data, **_CSV_OPTIONS, schema={f"column_{i}": pl.String for i in range(width)},
            missing_columns="insert", truncate_ragged_lines=True,
        )
    except pl.exceptions.ComputeError:
        if scan.odd_line is not None:
            raise _structure_rejected(scan.odd_line) from None
        raise FileRejected(
            f"Zeile mit mehr Feldern als die Kopfzeile (Zeile {first}) und CSV-Struktur nicht lesbar (Trennzeichen ';' erwartet)."
        ) from None
    lines = record_lines(wide)
    bad = pl.Series([i for i, _, _ in scan.surplus], dtype=pl.Int64)
    m = scan.header_fields
    beyond = wide.columns[m:]
    # Both readers must agree on the records, else a row could be quarantined for its neighbour.
    outside = wide.with_row_index("_i").filter(
        pl.any_horizontal([pl.col(c).str.strip_chars().str.len_chars() > 0 for c in beyond]) & ~pl.col("_i").is_in(bad.implode())
    ).height if beyond else 0
    if wide.height != scan.records or outside or lines.gather(bad).to_list() != [z for _, z, _ in scan.surplus]:
        raise FileRejected(
            f"Zeile mit mehr Feldern als die Kopfzeile (Zeile {first}), Datei nicht eindeutig lesbar (Trennzeichen ';' erwartet)."
        )
    keep = ~pl.int_range(wide.height, dtype=pl.Int64, eager=True).is_in(bad.implode())
    frame = wide.select(wide.columns[:m]).filter(keep)
    body, header = split_header(frame, lines.filter(keep))
    surplus = pl.DataFrame(
        {"zeile": [z for _, z, _ in scan.surplus], "felder": [n for _, _, n in scan.surplus]}, schema=SURPLUS_SCHEMA
    )
    return Table(body, header, encoding, surplus)


def read_export(path: Path, ext: str) -> Table:
    return read_xlsx_text(path) if ext == "xlsx" else read_csv_text(path.read_bytes())


def read_table(path: Path, ext: str) -> tuple[pl.DataFrame, list[str], str]:
    """(rows, header, encoding); records with too many fields are left out (see ``read_export``)."""
    t = read_export(path, ext)
    return t.rows, t.header, t.encoding
