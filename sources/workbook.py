"""Reading an XLSX export into the same all-text frame as a CSV file (sources/reading.py).

What real workbooks vary in, and how it is read (docs/datenvertrag.md, "Varianten der Exporte"):

- the data sheet is the first *visible* sheet: a hidden sheet in front (a template's lookup lists)
  is not what the partner sees as the first one;
- line numbers are the sheet's rows, also when rows above the header are empty (the reader would
  otherwise start counting at the first filled row);
- title rows above the header (a heading, a merged "Stand: ..." cell) are skipped when a later row
  among the first ``MAX_TITLE_ROWS`` is the header (``header_below_titles``, called by the parser,
  which knows the kind's headers);
- text is Unicode-normalised to NFC, as in CSV files;
- the workbook's date system (1900, or 1904 of old Mac workbooks) is read from ``workbook.xml``,
  so that a date written as a bare serial number can be read (sources/cells.py).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl

from sources.table import FileRejected, Table, split_header

# Rows above the header a title may take (a heading, a date line, an empty row): beyond that the
# sheet is not an export of the contract.
MAX_TITLE_ROWS = 10

_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904\s*=\s*[\"'](?:1|true)[\"']")


def uses_1904_dates(path: Path) -> bool:
    """The workbook counts serial dates from 1904-01-01 (``<workbookPr date1904="1"/>``)."""
    try:
        with zipfile.ZipFile(path) as z:
            return bool(_DATE1904.search(z.read("xl/workbook.xml")))
    except (OSError, KeyError, zipfile.BadZipFile):
        return False  # fastexcel reports an unreadable file with its own reason


def read_xlsx_text(path: Path) -> Table:
    # Imported with the first XLSX file, not at the top: a run that reads only CSV files does not
    # load the library.
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        index, hidden, sheet = _first_visible_sheet(reader)
        frame = sheet.to_polars()
    except FileRejected:
        raise
    except Exception as exc:  # fastexcel raises its own error types per problem
        raise FileRejected(f"XLSX-Datei nicht lesbar ({type(exc).__name__}).") from None
    frame = frame.with_columns(pl.all().cast(pl.String).str.normalize("NFC"))
    body, header = split_header(frame)  # the sheet's row numbers, line breaks in cells or not
    table = Table(body, header, "xlsx", excel_1904=uses_1904_dates(path), sheet=index)
    if hidden:
        table.hinweise.append((1, "blatt_ausgeblendet", (
            f"Das erste Tabellenblatt ist ausgeblendet ({', '.join(hidden)}); gelesen wurde das erste sichtbare "
            f"Blatt '{reader.sheet_names[index]}'"
        )))
    return _leading_blank_rows_dropped(table)


def _first_visible_sheet(reader):
    """Index of the first visible sheet, the names of the hidden ones before it, and that sheet.

    Each sheet is loaded once, whole: fastexcel parses the whole sheet even for ``n_rows=1``, so
    asking for the visibility first parsed the sheet that is then read twice (a quarter of
    staging/kursteilnahmen at 100 000 participants, issue 16)."""
    hidden: list[str] = []
    for i, name in enumerate(reader.sheet_names):
        # skip_rows=0: keep empty rows above the header, so that ``_zeile`` is the sheet's row.
        sheet = reader.load_sheet(i, header_row=None, skip_rows=0, dtypes="string")
        if sheet.visible == "visible":
            return i, hidden, sheet
        hidden.append(name)
    raise FileRejected("XLSX-Datei hat kein sichtbares Tabellenblatt.")


def _blank(values: list[str | None]) -> bool:
    return all(v is None or not v.strip() for v in values)


def _promoted(table: Table, i: int) -> Table:
    """``table`` with its body row ``i`` as the header: the rows before it are dropped."""
    row = table.rows.row(i)
    header = ["" if v is None else v for v in row[1:]]
    return replace(table, rows=table.rows.slice(i + 1), header=header, header_line=int(row[0]), hinweise=list(table.hinweise))


def _leading_blank_rows_dropped(table: Table) -> Table:
    """Empty rows above the header are no part of the export; the header is the first filled row."""
    if not _blank(table.header):
        return table
    for i in range(min(table.rows.height, MAX_TITLE_ROWS)):
        if not _blank(list(table.rows.row(i)[1:])):
            return _promoted(table, i)
    return table


def header_below_titles(table: Table, is_header: Callable[[list[str]], bool]) -> Table | None:
    """The table read from the first row among the first ``MAX_TITLE_ROWS`` that ``is_header``
    accepts (the rows above it are titles), with a note for the data-quality report; None if none."""
    for i in range(min(table.rows.height, MAX_TITLE_ROWS)):
        candidate = ["" if v is None else v for v in table.rows.row(i)[1:]]
        if is_header(candidate):
            promoted = _promoted(table, i)
            first = table.header_line
            above = f"Zeile {first}" if promoted.header_line - first == 1 else f"Zeilen {first}–{promoted.header_line - 1}"
            promoted.hinweise.append((promoted.header_line, "titelzeilen", (
                f"Die Kopfzeile steht in Zeile {promoted.header_line}; {above} darüber (Titel) übersprungen"
            )))
            return promoted
    return None


# --- cells shown as percentages ---------------------------------------------------------------------
# Excel keeps "92 %" typed into a cell as the number 0.92 with a percent format; the reader sees
# 92 %, the file holds 0.92. The formats are read from the workbook's XML (styles, sheet, shared
# strings) with the standard library, and only when its styles have a percent format at all.

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PERCENT_BUILTIN = {9, 10}  # "0%" and "0.00%"
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def _percent_styles(z: zipfile.ZipFile) -> set[int]:
    try:
        root = ET.fromstring(z.read("xl/styles.xml"))
    except KeyError:
        return set()
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in root.iter(_MAIN + "numFmt")}
    xfs = root.find(_MAIN + "cellXfs")
    # a '%' outside quoted text and escapes is the percent format
    shown = lambda code: "%" in re.sub(r'"[^"]*"|\\.', "", code)  # noqa: E731
    return {
        i for i, xf in enumerate(xfs if xfs is not None else [])
        if int(xf.get("numFmtId", "0")) in _PERCENT_BUILTIN or shown(custom.get(int(xf.get("numFmtId", "0")), ""))
    }


def _sheet_part(z: zipfile.ZipFile, index: int) -> str:
    sheets = list(ET.fromstring(z.read("xl/workbook.xml")).iter(_MAIN + "sheet"))
    rid = sheets[index].get(_REL + "id")
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target", "") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    try:
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    except KeyError:
        return []
    return ["".join(t.text or "" for t in si.iter(_MAIN + "t")) for si in root.iter(_MAIN + "si")]


def percent_rows(path: Path, sheet_index: int, header_line: int) -> dict[str, set[int]]:
    """Header text (NFC, trimmed) -> the sheet rows whose cell in that column is a number shown as
    a percentage. Empty when the workbook has no percent format (the usual case: nothing is read)."""
    try:
        return _percent_rows(path, sheet_index, header_line)
    except (OSError, KeyError, IndexError, ValueError, StopIteration, ET.ParseError, zipfile.BadZipFile):
        # fastexcel read the cells; without their formats a 0.92 could be 92 % or 0.92: not safe
        raise FileRejected("XLSX-Datei nicht sicher lesbar: die Zahlenformate der Zellen (Prozent) sind nicht lesbar.") from None


def _percent_rows(path: Path, sheet_index: int, header_line: int) -> dict[str, set[int]]:
    with zipfile.ZipFile(path) as z:
        styles = _percent_styles(z)
        if not styles:
            return {}
        strings = _shared_strings(z)
        headers: dict[str, str] = {}
        rows: dict[str, set[int]] = {}
        for _, c in ET.iterparse(z.open(_sheet_part(z, sheet_index))):
            if c.tag != _MAIN + "c":
                continue
            m = _CELL.match(c.get("r", ""))
            v = c.find(_MAIN + "v")
            if m and int(m.group(2)) == header_line:
                kind = c.get("t")
                if kind == "s" and v is not None:
                    text = strings[int(v.text)]
                elif kind == "inlineStr":
                    text = "".join(t.text or "" for t in c.iter(_MAIN + "t"))
                else:
                    text = v.text or "" if v is not None else ""
                headers[m.group(1)] = unicodedata.normalize("NFC", text).strip()
            elif m and v is not None and c.get("t", "n") == "n" and int(c.get("s", "0")) in styles:
                rows.setdefault(m.group(1), set()).add(int(m.group(2)))
            c.clear()
    return {headers[col]: r for col, r in rows.items() if col in headers}
