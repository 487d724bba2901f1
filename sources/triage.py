"""The row triage of one export against its contract, vectorised in polars: every cell rule
(``sources/cells.py``), the rules between the columns of one row (required-if, date order), and
the rules across rows (exact repeats, a key used twice). Valid rows come out typed; every other
row is quarantined with one finding per problem (line, column, rule, German reason), which
never carries a cell's content.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from sources.cells import MIN_YEAR, cell_rule
from sources.contract import ExportKind
from sources.findings import FEHLER, HINWEIS, empty_befunde
from sources.reading import LINE_COL

_SEP = "\x1f"  # joins rule id and reason inside one polars string column
CONSENT_FIELDS = ("einwilligung", "widerruf")  # registry columns consent is judged on (sources/linking.py)

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


def _triage_cells(kind: ExportKind, df: pl.DataFrame, xlsx: bool, keep_raw: list[str], excel_1904: bool = False) -> pl.DataFrame:
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
        parsed_expr, regel, grund = cell_rule(c, v, xlsx, excel_1904)
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
    excel_1904: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, int, int]:
    """Returns (valid typed rows, findings, rows quarantined, exact duplicates).

    ``frame`` may come wrapped in a one-element list, which is emptied: then the file's text is
    freed as soon as the cell rules are done (at 19 M rows it is gigabytes).
    ``quarantined_keys``, if given, receives the quarantined rows' identifiers (normalised, not yet
    pseudonymised) and consent dates, as far as they could be read. ``excel_1904``: the XLSX
    workbook counts serial dates from 1904 (sources/workbook.py)."""
    # Per block only the parsed values, the errors and what the consent gate reads are kept.
    keep_raw = [f for f in CONSENT_FIELDS if any(c.field == f for c in kind.columns)]
    blocks = _cell_blocks(kind, frame, mapping, xlsx, keep_raw, excel_1904)
    key_errs = _key_errors(kind, blocks)
    valid, befunde, qkeys, n_quar, n_dup = _sort_out(kind, blocks, key_errs, keep_raw, quarantined_keys is not None)
    if quarantined_keys is not None:
        quarantined_keys.append(qkeys)
    return valid, befunde, n_quar, n_dup


def _cell_blocks(
    kind: ExportKind, frame: pl.DataFrame | list[pl.DataFrame], mapping: dict[int, str], xlsx: bool, keep_raw: list[str],
    excel_1904: bool = False,
) -> list[pl.DataFrame]:
    """The file's columns picked by ``mapping``, exact repeats marked (``_dup``), and the cell
    rules applied block by block. A ``frame`` wrapped in a list is emptied (see ``triage``)."""
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
    return [
        _triage_cells(kind, whole.slice(off, TRIAGE_BLOCK_ROWS), xlsx, keep_raw, excel_1904)
        for off in range(0, max(whole.height, 1), TRIAGE_BLOCK_ROWS)
    ]


def _key_errors(kind: ExportKind, blocks: list[pl.DataFrame]) -> list[pl.Series | None]:
    """Per block, the error column of the key rule (None without a key).

    The only rule across rows besides exact repeats: a key used twice. It needs the whole key
    column; everything else stays per block (one frame of all blocks would be copied whole by
    polars as soon as it is evaluated: 1.5 GB at 19 M rows)."""
    key_errs: list[pl.Series | None] = [None] * len(blocks)
    if not kind.key:
        return key_errs
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
    return key_errs


def _sort_out(
    kind: ExportKind, blocks: list[pl.DataFrame], key_errs: list[pl.Series | None], keep_raw: list[str], want_keys: bool,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None, int, int]:
    """(valid rows, findings, quarantined identifiers and consent dates if ``want_keys``, rows
    quarantined, exact duplicates). Empties ``blocks`` and ``key_errs``, freeing each block as
    soon as it is done."""
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
        if want_keys:
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
    qkeys = pl.concat(qkey_parts, how="vertical") if want_keys else None
    return valid, pl.concat([befunde, _repeat_findings(dup_parts)], how="vertical"), qkeys, n_quar, n_dup


def _repeat_findings(dup_parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(dup_parts, how="vertical").select(
        pl.col("zeile"),
        pl.lit(None, pl.String).alias("spalte"),
        pl.lit("dublette").alias("regel"),
        pl.lit(HINWEIS).alias("schwere"),
        pl.lit("Zeile ist eine exakte Wiederholung einer früheren Zeile und wird einmal gezählt").alias("grund"),
    )


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
