"""Reading ``kennzahlen.*`` for the council tables: monthly rows up to the Stichtag, grouped to
the quarters and years the public sees, and rows turned into frames for the disclosure control."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from sources.sql import relation_exists


def lesen(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    if not relation_exists(con, "kennzahlen", name):
        raise RuntimeError(f"Die Tabelle kennzahlen.{name} fehlt: die Kennzahlen müssen vor dem Bericht berechnet sein.")
    return con.sql(f'SELECT * FROM kennzahlen."{name}"').pl()  # name is one of our constants


def quartal(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def quartal_text(y: int, q: int) -> str:
    return f"{q}. Quartal {y}"


def jahr_text(y: int, stichtag: date) -> str:
    if y == stichtag.year and (stichtag.month, stichtag.day) != (12, 31):
        return f"{y} (bis {stichtag.strftime('%d.%m.')})"
    return str(y)


def bis_stichtag(df: pl.DataFrame, stichtag: date) -> pl.DataFrame:
    """Berichtsmonate up to the Stichtag, with their Zähltag (last day, or the Stichtag)."""
    df = df.filter(pl.col("monat") <= stichtag).sort("monat")
    if "zaehltag" not in df.columns:
        df = df.with_columns(
            pl.min_horizontal(pl.col("monat").dt.month_end(), pl.lit(stichtag)).alias("zaehltag")
        )
    return df


def stand_je_quartal(df: pl.DataFrame, spalten: list[str]) -> list[dict]:
    """Stocks: the value on the Zähltag of the quarter's last Berichtsmonat."""
    out: dict[tuple[int, int], dict] = {}
    for row in df.iter_rows(named=True):
        out[quartal(row["monat"])] = {"zaehltag": row.get("zaehltag"), **{s: row[s] for s in spalten}}
    return [{"yq": k, **v} for k, v in sorted(out.items())]


def summe_je(df: pl.DataFrame, spalten: list[str], key) -> list[dict]:
    out: dict = {}
    for row in df.iter_rows(named=True):
        k = key(row["monat"])
        acc = out.setdefault(k, {s: 0.0 for s in spalten})
        for s in spalten:
            acc[s] += row[s] or 0
    return [{"k": k, **v} for k, v in sorted(out.items())]


def frame(rows: list[dict], spalten: list[str]) -> pl.DataFrame:
    data, schema = {}, {}
    for s in spalten:
        data[s] = [r.get(s) for r in rows]
        schema[s] = pl.String if any(isinstance(v, str) for v in data[s]) else pl.Float64
        if schema[s] is pl.Float64:
            data[s] = [None if v is None else float(v) for v in data[s]]
    return pl.DataFrame(data, schema=schema)
