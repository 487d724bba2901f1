"""Cell parsing of the export formats: how one text cell of a contract column becomes a typed
value (German dates and decimals, XLSX cells, code lists, yes/no flags, identifier patterns).

Each rule is a polars expression on the cell's text, with the rule id and the German reason a
finding gets when the value cannot be read; the row triage (``sources/triage.py``) applies them.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from sources.contract import Col

MIN_YEAR, MAX_YEAR = 1900, 2100  # a parsing sanity bound for dates, not a contract range


# Day 0 of Excel's serial dates: 1899-12-30 in the 1900 date system (Excel counts a 29.02.1900
# that never was, so from 01.03.1900 on this is exact), 1904-01-01 in that of old Mac workbooks.
EXCEL_EPOCH = {False: date(1899, 12, 30), True: date(1904, 1, 1)}
# A date cell whose date format was lost shows its serial number (45355 = 04.03.2024). Only five
# digits count as one (from 18.05.1927 on): a four-digit number in a date column is a year typed
# alone, never a date of the 1900s, and is quarantined as before.
_SERIAL = r"^\d{5}(\.\d+)?$"


def _date(v: pl.Expr, xlsx: bool = False, excel_1904: bool = False) -> pl.Expr:
    forms = [
        v.str.strptime(pl.Date, "%d.%m.%Y", strict=False),
        v.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        # XLSX date cells arrive as "JJJJ-MM-TT 00:00:00"
        v.str.strptime(pl.Datetime, "%Y-%m-%d %H:%M:%S", strict=False).dt.date(),
    ]
    if xlsx:
        days = v.cast(pl.Float64, strict=False).floor().cast(pl.Int64)
        forms.append(pl.when(v.str.contains(_SERIAL)).then(pl.lit(EXCEL_EPOCH[excel_1904]) + pl.duration(days=days)))
    return pl.coalesce(*forms)


def _decimal(v: pl.Expr, allow_dot: bool) -> pl.Expr:
    # The typographic minus U+2212 (Word, some report generators) is a minus: a negative value is
    # then "out of range", not "no number".
    v = v.str.replace("\u2212", "-", literal=True)
    german = v.str.contains(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$") | v.str.contains(r"^-?\d+(,\d+)?$")
    as_german = v.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    if allow_dot:
        # XLSX number cells come with a decimal point, and first: 66.667 is a number cell, never 66,667 thousand
        dotted = v.str.contains(r"^-?\d+\.\d+$")
        return pl.when(dotted).then(v.cast(pl.Float64, strict=False)).when(german).then(as_german).otherwise(None)
    return pl.when(german).then(as_german).otherwise(None)


def cell_rule(c: Col, v: pl.Expr, xlsx: bool, excel_1904: bool = False) -> tuple[pl.Expr | None, str, str]:
    """(parsed expression, rule id, reason when the value cannot be read); None for names.
    ``excel_1904``: the XLSX workbook's serial dates count from 1904 (sources/workbook.py)."""
    t = c.type
    if t in ("date", "birthdate"):
        d = _date(v, xlsx, excel_1904)
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
        # Inner runs of spaces, also non-breaking ones (a value copied from Word or a web page), are
        # one space: "SVB\u00a0Vollzeit" and "SVB  Vollzeit" are the code "SVB Vollzeit".
        spaced = v.str.replace_all(r"\s{2,}|[^\S ]", " ")
        return (
            spaced.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.String),
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
