"""Row triage of one export against its contract, vectorised in polars.

``parse_export`` reads a file, maps its headers (aliases from the contract and the configuration),
checks every cell and row rule of exports.md, and returns the valid rows, typed and already
pseudonymised (names dropped, birth date reduced to year and age band), together with one finding
per problem: line, column, rule and a German reason. Findings never carry a cell's content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from sources.contract import Col, ExportKind
from sources.pseudonym import Pseudonymizer
from sources.reading import LINE_COL, FileRejected, read_export

FEHLER = "FEHLER"
WARNUNG = "WARNUNG"
HINWEIS = "HINWEIS"

BEFUND_SCHEMA = {"zeile": pl.Int64, "spalte": pl.String, "regel": pl.String, "schwere": pl.String, "grund": pl.String}
_SEP = "\x1f"  # joins rule id and reason inside one polars string column
MIN_YEAR, MAX_YEAR = 1900, 2100
CONSENT_FIELDS = ("einwilligung", "widerruf")  # registry columns consent is judged on (sources/linking.py)


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


def empty_befunde() -> pl.DataFrame:
    return pl.DataFrame(schema=BEFUND_SCHEMA)


def _norm_header(h: str) -> str:
    return " ".join(h.replace("\ufeff", "").strip().casefold().split())


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


# --- cell parsers: (parsed expression, rule id, reason when the value cannot be read) -----------

def _date(v: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        v.str.strptime(pl.Date, "%d.%m.%Y", strict=False),
        v.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        # XLSX date cells arrive as "JJJJ-MM-TT 00:00:00"
        v.str.strptime(pl.Datetime, "%Y-%m-%d %H:%M:%S", strict=False).dt.date(),
    )


def _decimal(v: pl.Expr, allow_dot: bool) -> pl.Expr:
    german = v.str.contains(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$") | v.str.contains(r"^-?\d+(,\d+)?$")
    as_german = v.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    if allow_dot:
        # XLSX number cells come with a decimal point, and first: 66.667 is a number cell, never 66,667 thousand
        dotted = v.str.contains(r"^-?\d+\.\d+$")
        return pl.when(dotted).then(v.cast(pl.Float64, strict=False)).when(german).then(as_german).otherwise(None)
    return pl.when(german).then(as_german).otherwise(None)


def _cell(c: Col, v: pl.Expr, xlsx: bool) -> tuple[pl.Expr | None, str, str]:
    t = c.type
    if t in ("date", "birthdate"):
        d = _date(v)
        d = pl.when(d.dt.year().is_between(MIN_YEAR, MAX_YEAR)).then(d)
        return d, "datum", "kein gültiges Datum (TT.MM.JJJJ oder JJJJ-MM-TT erwartet)"
    if t == "int":
        return (
            pl.when(v.str.contains(r"^\d+$")).then(v.cast(pl.Int64, strict=False)),
            "ganzzahl",
            "keine ganze Zahl",
        )
    if t == "decimal":
        return _decimal(v, xlsx), "zahl", "keine Zahl (Dezimalkomma erwartet, z. B. 12,5)"
    if t == "percent":
        return _decimal(v.str.replace(r"\s*%$", ""), xlsx), "zahl", "keine Prozentzahl (z. B. 85 oder 85 %)"
    if t == "code":
        mapping = {code.lower(): code for code in c.codes}  # not casefold: "ß" must stay "ß" like polars lowercases it
        return (
            v.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.String),
            "code",
            "Wert nicht in der Codeliste (erlaubt: " + ", ".join(c.codes) + ")",
        )
    if t == "flag":
        return (
            v.str.to_lowercase().replace_strict({"ja": True, "j": True, "x": True, "nein": False, "n": False}, default=None, return_dtype=pl.Boolean),
            "janein",
            "kein Ja/Nein-Wert (ja/nein erwartet)",
        )
    if t == "id":
        norm = v.str.replace_all(r"\s+", " ").str.to_uppercase()
        if c.pattern:
            return pl.when(norm.str.contains(c.pattern)).then(norm), "format", f"Format ungültig (erwartet: {_pattern_hint(c)})"
        return norm, "format", "Format ungültig"
    if t == "name":
        return None, "", ""
    return v, "format", "Format ungültig"  # text


def _pattern_hint(c: Col) -> str:
    hints = {
        r"^TN-\d+$": "TN- und Ziffern",
        r"^M-\d+$": "M- und Ziffern",
        r"^T-\d+$": "T- und Ziffern",
        r"^\d{3}[A-Z]\d{6}$": "3 Ziffern, 1 Großbuchstabe, 6 Ziffern",
    }
    return hints.get(c.pattern or "", c.pattern or "")


# Error columns hold a small number per row, not the text: building a text (or categorical) column
# per column and block was 60 % of the cell rules' time. The numbers are indexes into this list of
# "rule<_SEP>reason" texts, filled as the rules are built (the same texts in every block and run).
_ERROR_TEXTS: list[str] = [""]
_ERROR_CODES: dict[str, int] = {}
ERROR_DTYPE = pl.UInt16


def _error_code(text: str) -> int:
    code = _ERROR_CODES.get(text)
    if code is None:
        code = _ERROR_CODES[text] = len(_ERROR_TEXTS)
        _ERROR_TEXTS.append(text)
    return code


def _err(cond: pl.Expr, regel: str, grund: str) -> tuple[pl.Expr, pl.Expr]:
    return cond, pl.lit(_error_code(f"{regel}{_SEP}{grund}"), ERROR_DTYPE)


def _first_error(cases: list[tuple[pl.Expr, pl.Expr]], name: str) -> pl.Expr:
    if not cases:
        return pl.lit(None, ERROR_DTYPE).alias(name)
    expr = pl.when(cases[0][0]).then(cases[0][1])
    for cond, val in cases[1:]:
        expr = expr.when(cond).then(val)
    return expr.otherwise(pl.lit(None, ERROR_DTYPE)).alias(name)


def _error_text(code: pl.Expr) -> pl.Expr:
    return code.replace_strict(list(range(1, len(_ERROR_TEXTS))), _ERROR_TEXTS[1:], default=None, return_dtype=pl.String)


# Rows per block of the cell rules in ``triage`` (bounds the intermediates, not the result).
TRIAGE_BLOCK_ROWS = 1_000_000


def _triage_cells(kind: ExportKind, df: pl.DataFrame, xlsx: bool, keep_raw: list[str]) -> pl.DataFrame:
    """Row-local rules of one block: normalised text, parsed values (``_p_<field>``) and the first
    error per column (``_e_<field>``); of the text columns only ``keep_raw`` stay."""
    # Two passes, each reading the previous one's columns: eager polars does not share common
    # subexpressions, so a rule written on the expression would strip or parse the text again.
    df = df.with_columns([pl.col(c.field).str.strip_chars() for c in kind.columns])
    norm = []
    for c in kind.columns:
        v = pl.when(pl.col(c.field).str.len_chars() > 0).then(pl.col(c.field))
        if c.default is not None:
            v = v.fill_null(pl.lit(c.default))
        norm.append(v.alias(c.field))
    df = df.with_columns(norm)

    parsed_exprs, err_exprs = [], []
    for c in kind.columns:
        v = pl.col(c.field)
        parsed_expr, regel, grund = _cell(c, v, xlsx)
        cases = []
        if c.required:
            cases.append(_err(v.is_null(), "pflichtwert", "Pflichtwert fehlt"))
        if parsed_expr is not None:
            parsed_exprs.append(parsed_expr.alias("_p_" + c.field))
            # the rules read the parsed column, computed once in the first pass
            parsed = pl.col("_p_" + c.field)
            cases.append(_err(v.is_not_null() & parsed.is_null(), regel, grund))
            if c.min is not None or c.max is not None:
                lo = c.min if c.min is not None else float("-inf")
                hi = c.max if c.max is not None else float("inf")
                shown = f"{c.min:g}" if c.min is not None else "…"
                shown += f" bis {c.max:g}" if c.max is not None else " oder mehr"
                cases.append(_err(parsed.is_not_null() & ~parsed.is_between(lo, hi), "bereich", f"Wert außerhalb des erlaubten Bereichs ({shown})"))
        err_exprs.append(_first_error(cases, "_e_" + c.field))
    df = df.with_columns(parsed_exprs)
    df = df.with_columns(err_exprs)
    # The rules between columns of one row, here too: over the whole file their when/then text
    # columns cost ~1.5 GB at 19 M rows.
    rules = _row_rules(kind)
    if rules:
        df = df.with_columns(rules)

    return df.select(
        pl.col(LINE_COL), pl.col("_dup"), *[pl.col(f) for f in keep_raw],
        *[c for c in df.columns if c.startswith(("_p_", "_e_"))],
        *[c for c in df.columns if c.startswith(("_r_", "_o_"))],
    )


def _row_rules(kind: ExportKind) -> list[pl.Expr]:
    """First error of each rule that relates columns of one row (required-if, date order)."""
    rule_errs = []
    for r in kind.required_if:
        when_col = pl.col("_p_" + r.when)
        cond = when_col.is_not_null()
        if r.when_not:
            cond = cond & ~when_col.is_in(list(r.when_not))
        if r.when_gt is not None:
            cond = cond & (when_col > r.when_gt)
        rule_errs.append(
            _first_error(
                [_err(cond & pl.col(r.column).is_null(), "pflicht_wenn", f"Pflichtwert fehlt, weil '{kind.col(r.when).header}' gesetzt ist")],
                "_r_" + r.column,
            )
        )
    for nb in kind.not_before:
        rule_errs.append(
            _first_error(
                [_err(pl.col("_p_" + nb.later) < pl.col("_p_" + nb.earlier), "reihenfolge", f"'{kind.col(nb.later).header}' liegt vor '{kind.col(nb.earlier).header}'")],
                "_o_" + nb.later,
            )
        )
    return rule_errs


_HASH_MIX = 1_099_511_628_211  # FNV-64 prime: spreads one column's hash before the next is xor-ed in


def exact_repeats(frame: pl.DataFrame, cols: list[str]) -> pl.Series:
    """True for every row that repeats an earlier row exactly in ``cols`` (nulls equal).

    One 64-bit hash per row first (column hashes combined, no row copy); only rows whose hash
    occurs more than once are compared in full. Same result as
    ``~pl.struct(cols).is_first_distinct()``, which at 19 M rows needed ~3.6 GB for its row
    encoding against ~1.2 GB here."""
    dup = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True).alias("_dup")
    if not cols:
        return dup
    combined = None
    for i, c in enumerate(cols):
        h = pl.col(c).hash(i + 1)
        combined = h if combined is None else (combined * pl.lit(_HASH_MIX, pl.UInt64)) ^ h
    candidates = frame.select(combined.is_duplicated()).to_series().arg_true()
    if candidates.len():
        exact = frame[candidates].select(~pl.struct(cols).is_first_distinct()).to_series()
        dup = dup.scatter(candidates, exact)
    return dup


def triage(
    kind: ExportKind,
    frame: pl.DataFrame | list[pl.DataFrame],
    mapping: dict[int, str],
    xlsx: bool,
    quarantined_keys: list[pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, int, int]:
    """Returns (valid typed rows, findings, rows quarantined, exact duplicates).

    ``frame`` may come wrapped in a one-element list, which is emptied: then the file's text is
    freed as soon as the cell rules are done (at 19 M rows it is gigabytes).
    ``quarantined_keys``, if given, receives the quarantined rows' identifiers (normalised, not yet
    pseudonymised) and consent dates, as far as they could be read."""
    if isinstance(frame, list):
        frame = frame.pop()
    data_cols = [c for c in frame.columns if c != LINE_COL]
    picked = [pl.col(data_cols[i]).alias(f) for i, f in mapping.items() if i < len(data_cols)]
    present = {f for i, f in mapping.items() if i < len(data_cols)}
    absent = [pl.lit(None, pl.String).alias(c.field) for c in kind.columns if c.field not in present]
    # An exact repeat of a whole line is one record delivered twice: keep the first, count the rest.
    dup = exact_repeats(frame, data_cols)
    whole = frame.select(pl.col(LINE_COL), pl.lit(dup).alias("_dup"), *picked, *absent)
    del dup
    del frame
    # The cell rules are evaluated block by block: at once, their intermediates (stripped copies,
    # parsed values, one error column per column) were ~10x the file (13.9 GB at 19 M contacts).
    # Per block only the parsed values, the errors and what the consent gate reads are kept.
    keep_raw = [f for f in CONSENT_FIELDS if any(c.field == f for c in kind.columns)]
    blocks = [
        _triage_cells(kind, whole.slice(off, TRIAGE_BLOCK_ROWS), xlsx, keep_raw)
        for off in range(0, max(whole.height, 1), TRIAGE_BLOCK_ROWS)
    ]
    del whole

    # The only rule across rows besides exact repeats: a key used twice. It needs the whole key
    # column; everything else stays per block (one frame of all blocks would be copied whole by
    # polars as soon as it is evaluated: 1.5 GB at 19 M rows).
    key_errs: list[pl.Series | None] = [None] * len(blocks)
    if kind.key:
        keyv = pl.col("_p_" + kind.key)
        counted = pl.when(~pl.col("_dup") & keyv.is_not_null()).then(keyv)
        n = pl.len().over(counted)
        keys = pl.concat([b.select("_dup", "_p_" + kind.key) for b in blocks], how="vertical")
        key_err = keys.select(
            _first_error(
                [_err(counted.is_not_null() & (n > 1), "schluessel_doppelt", f"'{kind.col(kind.key).header}' kommt mehrfach vor; alle Zeilen mit diesem Wert sind in Quarantäne")],
                "_k_" + kind.key,
            )
        ).to_series()
        del keys
        off = 0
        for i, b in enumerate(blocks):
            key_errs[i] = key_err.slice(off, b.height)
            off += b.height
        del key_err

    names = [(LINE_COL, LINE_COL)] + [("_p_" + c.field, c.field) for c in kind.columns if c.type != "name"]
    ids = [pl.col("_p_" + c.field).alias(c.field) for c in kind.columns if c.type == "id"]
    # A consent date that is there but unreadable counts as withdrawn: unclear consent, no processing.
    consent = [
        pl.when(pl.col(f).is_not_null() & pl.col("_p_" + f).is_null())
        .then(pl.lit(None if f == "einwilligung" else date(MIN_YEAR, 1, 1), pl.Date))
        .otherwise(pl.col("_p_" + f)).alias(f)
        for f in keep_raw
    ]
    valid_parts, befunde_parts, dup_parts, qkey_parts = [], [], [], []
    n_quar = n_dup = 0
    blocks.reverse()  # popped from the end: each block is freed as soon as it is done
    key_errs.reverse()
    while blocks:
        b, key_err = blocks.pop(), key_errs.pop()
        err_cols = [c for c in b.columns if c[:3] in ("_e_", "_r_", "_o_")]
        if key_err is not None:
            b = b.with_columns(key_err)  # one block: no copy of other blocks
            err_cols.append(key_err.name)
        del key_err
        dup = b.get_column("_dup")
        has_err = b.select(pl.any_horizontal([pl.col(c).is_not_null() for c in err_cols]) if err_cols else pl.lit(False)).to_series()
        quar = ~dup & has_err
        bad = b.filter(quar)
        befunde_parts.append(_collect_findings(kind, bad, err_cols))
        if quarantined_keys is not None:
            qkey_parts.append(bad.select(ids + consent))
        del bad
        dup_parts.append(b.filter(dup).select(pl.col(LINE_COL).alias("zeile")))
        n_quar += int(quar.sum())
        n_dup += int(dup.sum())
        keep = ~dup & ~quar
        valid_parts.append(b.select([pl.col(src).alias(name) for src, name in names]).filter(keep))
        del b, dup, has_err, quar, keep

    valid = pl.concat(valid_parts, how="vertical", rechunk=False) if len(valid_parts) > 1 else valid_parts[0]
    del valid_parts
    befunde = pl.concat(befunde_parts, how="vertical")
    dups = pl.concat(dup_parts, how="vertical").select(
        pl.col("zeile"),
        pl.lit(None, pl.String).alias("spalte"),
        pl.lit("dublette").alias("regel"),
        pl.lit(HINWEIS).alias("schwere"),
        pl.lit("Zeile ist eine exakte Wiederholung einer früheren Zeile und wird einmal gezählt").alias("grund"),
    )
    if quarantined_keys is not None:
        quarantined_keys.append(pl.concat(qkey_parts, how="vertical"))
    return valid, pl.concat([befunde, dups], how="vertical"), n_quar, n_dup


def _collect_findings(kind: ExportKind, bad: pl.DataFrame, err_cols: list[str]) -> pl.DataFrame:
    parts = []
    for ec in err_cols:
        f = ec[3:]
        part = bad.select(pl.col(LINE_COL).alias("zeile"), pl.lit(f).alias("_f"), _error_text(pl.col(ec)).alias("_e")).filter(pl.col("_e").is_not_null())
        if part.height:
            parts.append(part)
    if not parts:
        return empty_befunde()
    long = pl.concat(parts)
    split = pl.col("_e").str.split_exact(_SEP, 1)
    return long.select(
        pl.col("zeile"),
        pl.col("_f").alias("spalte"),
        split.struct.field("field_0").alias("regel"),
        pl.lit(FEHLER).alias("schwere"),
        split.struct.field("field_1").alias("grund"),
    ).sort("zeile", maintain_order=True)


def _age_band(age: pl.Expr, bounds: list[int]) -> pl.Expr:
    bounds = sorted(bounds)
    expr = pl.when(age < bounds[0]).then(pl.lit(f"unter {bounds[0]}"))
    for lo, hi in zip(bounds, bounds[1:]):
        expr = expr.when(age < hi).then(pl.lit(f"{lo}–{hi - 1}"))
    return expr.otherwise(pl.lit(f"{bounds[-1]} und älter"))


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
    table = read_export(path, ext)
    frame, header, encoding, surplus = table.rows, table.header, table.encoding, table.surplus
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
    valid, befunde, n_quar, n_dup = triage(kind, uebergabe, mapping, xlsx=(ext == "xlsx"), quarantined_keys=quar_keys)
    if surplus.height:
        befunde = pl.concat([befunde, surplus_findings(surplus, len(header))])
        n_quar += surplus.height
    if blank_lines:
        befunde = pl.concat([befunde, pl.DataFrame(
            {"zeile": [blank_lines[0]], "spalte": [None], "regel": ["leerzeile"], "schwere": [HINWEIS],
             "grund": [f"{len(blank_lines)} leere Zeile(n) ohne jeden Wert übersprungen (erste hier)"]},
            schema=BEFUND_SCHEMA,
        )])
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
