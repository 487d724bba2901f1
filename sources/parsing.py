"""Parsing of one export: read the file, map its headers, triage its rows, pseudonymise.

``parse_export`` reads a file, maps its headers (aliases from the contract and the configuration),
has every cell and row rule of the contract checked (``sources/triage.py``, with the cell formats
of ``sources/cells.py``), and returns the valid rows, typed and already pseudonymised (names
dropped, birth date reduced to year and age band), together with one finding per problem: line,
column, rule and a German reason. Findings never carry a cell's content.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from sources.contract import ExportKind
from sources.findings import BEFUND_SCHEMA, FEHLER, HINWEIS
from sources.pseudonym import Pseudonymizer
from sources.reading import LINE_COL, FileRejected, Table, read_export
from sources.triage import triage
from sources.workbook import header_below_titles, percent_rows


@dataclass
class Parsed:
    kind: ExportKind
    rows: pl.DataFrame  # valid rows: _zeile + stored fields
    befunde: pl.DataFrame  # BEFUND_SCHEMA; FEHLER rows are the quarantine
    gelesen: int
    quarantaene: int
    dubletten: int
    encoding: str
    extra_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as found in the file
    # Pseudonyms of the key values of quarantined rows, in memory only: lets a file referring to
    # this one say "in quarantine there" instead of "unknown". Never stored.
    quarantined_keys: pl.Series = field(default_factory=lambda: pl.Series([], dtype=pl.String))
    # Identifiers (pseudonymised) and consent dates of the quarantined rows, in memory only: a
    # Widerruf in a row quarantined for another column must still remove the person everywhere.
    quarantined_rows: pl.DataFrame = field(default_factory=pl.DataFrame)


def _norm_header(h: str) -> str:
    """How headers compare: NFC, case-insensitive, every run of (also non-breaking) spaces as one,
    and without a trailing ``*`` (export templates mark their required columns so)."""
    return " ".join(unicodedata.normalize("NFC", h).replace("\ufeff", "").casefold().split()).removesuffix("*").rstrip()


def map_headers(kind: ExportKind, header: list[str], extra_aliases: dict[str, list[str]]) -> tuple[dict[int, str], list[str]]:
    """Position -> field for the contract's columns; the list of extra headers. Raises FileRejected."""
    lookup: dict[str, str] = {}
    for c in kind.columns:
        for name in (c.header, *c.aliases, *extra_aliases.get(c.header, [])):
            lookup[_norm_header(name)] = c.field
    mapping: dict[int, str] = {}
    extras: list[str] = []
    for i, h in enumerate(header):
        f = lookup.get(_norm_header(h))
        if f is None:
            if h.strip():
                extras.append(h.strip())
            continue
        if f in mapping.values():
            raise FileRejected(f"Spalte '{kind.col(f).header}' kommt in der Kopfzeile doppelt vor (Spalte {i + 1}).")
        mapping[i] = f
    missing = [c.header for c in kind.columns if c.required and c.field not in mapping.values()]
    if missing:
        raise FileRejected("Pflichtspalte fehlt: " + ", ".join(f"'{m}'" for m in missing) + ".")
    return mapping, extras


def _notes(hinweise: list[tuple[int, str, str]]) -> pl.DataFrame:
    """The reader's notes (title rows, a hidden sheet) as HINWEIS findings."""
    return pl.DataFrame(
        {"zeile": [z for z, _, _ in hinweise], "spalte": [None] * len(hinweise), "regel": [r for _, r, _ in hinweise],
         "schwere": [HINWEIS] * len(hinweise), "grund": [g for _, _, g in hinweise]},
        schema=BEFUND_SCHEMA,
    )


def _read(path: Path, ext: str, kind: ExportKind, extra_aliases: dict[str, list[str]]) -> Table:
    """The file as text, its header found; in an XLSX file, numbers shown as percentages (0.92
    shown as 92 %) are the percentage the partner sees, in the contract's percent columns."""
    table = _with_header(read_export(path, ext), ext, kind, extra_aliases)
    percent = [c.field for c in kind.columns if c.type == "percent"]
    if ext != "xlsx" or not percent:
        return table
    shown = percent_rows(path, table.sheet, table.header_line)
    if not shown:
        return table
    mapping, _ = map_headers(kind, table.header, extra_aliases)
    data_cols = [c for c in table.rows.columns if c != LINE_COL]
    scaled = []
    for i, f in mapping.items():
        rows = shown.get(table.header[i].strip())  # the reader gives the header in NFC (sources/workbook.py)
        if f in percent and rows:
            v = pl.col(data_cols[i])
            # rounded to 10 places: 0.92 * 100 is 92.00000000000001 in binary
            as_shown = (v.cast(pl.Float64, strict=False) * 100).round(10).cast(pl.String)
            scaled.append(pl.when(pl.col(LINE_COL).is_in(sorted(rows))).then(as_shown).otherwise(v).alias(data_cols[i]))
    if scaled:
        table.rows = table.rows.with_columns(scaled)
    return table


def _with_header(table: Table, ext: str, kind: ExportKind, extra_aliases: dict[str, list[str]]) -> Table:
    """The table as read, or, for an XLSX sheet whose first row is not the header, read from the
    header below its title rows (sources/workbook.py); else the first row's error stands."""
    try:
        map_headers(kind, table.header, extra_aliases)
        return table
    except FileRejected:
        if ext != "xlsx":
            raise
        def is_header(h: list[str]) -> bool:
            try:
                map_headers(kind, h, extra_aliases)
                return True
            except FileRejected:
                return False
        below = header_below_titles(table, is_header)
        if below is None:
            raise
        return below


def altersgruppen(bounds: list[int]) -> list[str]:
    """The labels of the age bands kept instead of the birth date, youngest first ('unter 18',
    '18–24', ..., '55 und älter'); kennzahlen.merkmale lists them in this order."""
    bounds = sorted(bounds)
    return [f"unter {bounds[0]}", *(f"{lo}–{hi - 1}" for lo, hi in zip(bounds, bounds[1:])), f"{bounds[-1]} und älter"]


def _age_band(age: pl.Expr, bounds: list[int]) -> pl.Expr:
    bounds = sorted(bounds)
    labels = altersgruppen(bounds)
    expr = pl.when(age < bounds[0]).then(pl.lit(labels[0]))
    for hi, label in zip(bounds[1:], labels[1:]):
        expr = expr.when(age < hi).then(pl.lit(label))
    return expr.otherwise(pl.lit(labels[-1]))


def pseudonymise(kind: ExportKind, rows: pl.DataFrame, pseud: Pseudonymizer, datenstand: date, age_bounds: list[int]) -> pl.DataFrame:
    """Identifiers to keyed pseudonyms, the birth date to year and age band. Names never got here."""
    out = rows
    for c in kind.columns:
        if c.type == "id":
            out = out.with_columns(pseud.series(out[c.field], c.domain or c.field, normalised=True))
        elif c.type == "birthdate":
            b = pl.col(c.field)
            had_birthday = (b.dt.month() < datenstand.month) | ((b.dt.month() == datenstand.month) & (b.dt.day() <= datenstand.day))
            age = pl.lit(datenstand.year) - b.dt.year() - pl.when(had_birthday).then(0).otherwise(1)
            out = out.with_columns(b.dt.year().cast(pl.Int32).alias("geburtsjahr"), _age_band(age, age_bounds).alias("altersgruppe")).drop(c.field)
    return out


def surplus_findings(surplus: pl.DataFrame, header_fields: int) -> pl.DataFrame:
    """One FEHLER per record with more fields than the header. No column is named: the field
    positions beyond the header have none, and which value held the extra ';' cannot be known (so
    no value of the record is used, not even its identifiers)."""
    return surplus.select(
        pl.col("zeile"),
        pl.lit(None, pl.String).alias("spalte"),
        pl.lit("felder_zuviel").alias("regel"),
        pl.lit(FEHLER).alias("schwere"),
        pl.format(
            "Zeile hat {} Felder, die Kopfzeile {} (Trennzeichen ';' in einem Wert?)", pl.col("felder"), pl.lit(header_fields)
        ).alias("grund"),
    )


def drop_blank_lines(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    """Lines without any value (a trailing empty line, Excel's ``;;;;;`` or formatted empty rows) are
    no data rows: they are neither read nor quarantined. Returns the other rows and the blank lines."""
    data_cols = [c for c in frame.columns if c != LINE_COL]
    if not data_cols:
        return frame.clear(), frame[LINE_COL].to_list()
    blank = frame.select(pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in data_cols])).to_series()
    if not blank.any():  # the usual case: no copy of the file's text
        return frame, []
    return frame.filter(~blank), frame.filter(blank)[LINE_COL].to_list()


def parse_export(
    path: Path,
    ext: str,
    kind: ExportKind,
    pseud: Pseudonymizer,
    datenstand: date,
    extra_aliases: dict[str, list[str]] | None = None,
    age_bounds: list[int] | None = None,
) -> Parsed:
    """Read, triage and pseudonymise one export. Raises FileRejected for file-level problems."""
    table = _read(path, ext, kind, extra_aliases or {})
    frame, header, encoding, surplus = table.rows, table.header, table.encoding, table.surplus
    excel_1904, hinweise = table.excel_1904, table.hinweise
    del table
    mapping, extras = map_headers(kind, header, extra_aliases or {})
    frame, blank_lines = drop_blank_lines(frame)
    if frame.height == 0 and surplus.height == 0:
        raise FileRejected("Keine Datenzeilen (nur die Kopfzeile" + (" und leere Zeilen)." if blank_lines else ")."))
    quar_keys: list[pl.DataFrame] = []
    # Records with more fields than the header are read and quarantined, never loaded.
    gelesen = frame.height + surplus.height
    # Handed over, not kept: triage frees the text of the file once its cell rules are done.
    uebergabe = [frame]
    del frame
    valid, befunde, n_quar, n_dup = triage(
        kind, uebergabe, mapping, xlsx=(ext == "xlsx"), quarantined_keys=quar_keys, excel_1904=excel_1904,
    )
    if surplus.height:
        befunde = pl.concat([befunde, surplus_findings(surplus, len(header))])
        n_quar += surplus.height
    if blank_lines:
        befunde = pl.concat([befunde, pl.DataFrame(
            {"zeile": [blank_lines[0]], "spalte": [None], "regel": ["leerzeile"], "schwere": [HINWEIS],
             "grund": [f"{len(blank_lines)} leere Zeile(n) ohne jeden Wert übersprungen (erste hier)"]},
            schema=BEFUND_SCHEMA,
        )])
    if hinweise:
        befunde = pl.concat([befunde, _notes(hinweise)])
    headers = {f: header[i].strip() for i, f in mapping.items()}
    for c in kind.columns:
        headers.setdefault(c.field, c.header)
    befunde = befunde.with_columns(pl.col("spalte").replace(headers))
    if extras:
        befunde = pl.concat([
            befunde,
            pl.DataFrame(
                {"zeile": [1] * len(extras), "spalte": extras, "regel": ["zusatzspalte"] * len(extras),
                 "schwere": [HINWEIS] * len(extras), "grund": ["Spalte ist im Vertrag nicht vorgesehen und wird ignoriert"] * len(extras)},
                schema=BEFUND_SCHEMA,
            ),
        ])
    rows = pseudonymise(kind, valid, pseud, datenstand, age_bounds or [18, 25, 35, 45, 55])
    parsed = Parsed(kind, rows, befunde, gelesen, n_quar, n_dup, encoding, extras, headers)
    if quar_keys and quar_keys[0].height:
        q = quar_keys[0]
        q = q.with_columns([pseud.series(q[c.field], c.domain or c.field, normalised=True) for c in kind.columns if c.type == "id"])
        parsed.quarantined_rows = q
        if kind.key:
            parsed.quarantined_keys = q[kind.key].drop_nulls().unique()
    return parsed
