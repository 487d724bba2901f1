"""Dagster metadata of the tables an asset writes: Dagster's standard keys, counts as integers.

Every table asset reports ``dagster/row_count`` and ``dagster/column_schema`` (the column types
with the COMMENT texts of the warehouse as descriptions, which is what the UI shows), taken from
the table as it is after the step, so a step that found nothing to recompute still describes the
table truthfully. Names only come from this code's constants; no value of a row is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import dagster as dg
import duckdb

# Decimal places for amounts and hours in metadata (as the council tables print EUR: cents).
DECIMALS = 2


def _schema(con: duckdb.DuckDBPyConnection, schema: str, table: str, descriptions: Mapping[str, str] | None = None) -> dg.TableSchema:
    descriptions = descriptions or {}
    cols = con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()
    return dg.TableSchema(columns=[dg.TableColumn(name=n, type=t, description=c or descriptions.get(n)) for n, t, c in cols])


def _rows(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?"
        " UNION ALL SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() AND schema_name = ? AND view_name = ?",
        [schema, table, schema, table],
    ).fetchall()
    if not any(n for (n,) in exists):
        return 0
    return int(con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0])


def table_metadata(
    con: duckdb.DuckDBPyConnection, tables: Iterable[str], descriptions: Mapping[str, str] | None = None
) -> dict[str, object]:
    """Metadata of the tables ``schema.table`` an asset writes.

    One table: ``dagster/row_count``, ``dagster/column_schema``, ``dagster/table_name``. Several
    (one asset writing a family of tables): ``dagster/row_count`` is their total, and each
    table gets ``zeilen_<table>`` and ``spalten_<table>`` (its schema) beside it. ``descriptions``
    stand in for columns without a COMMENT (the views over the staging tables)."""
    names = [tuple(t.split(".", 1)) for t in tables]
    if len(names) == 1:
        schema, table = names[0]
        return {
            "dagster/row_count": _rows(con, schema, table),
            "dagster/column_schema": _schema(con, schema, table, descriptions),
            "dagster/table_name": f"{schema}.{table}",
        }
    out: dict[str, object] = {}
    total = 0
    for schema, table in names:
        n = _rows(con, schema, table)
        total += n
        out[f"zeilen_{table}"] = n
        out[f"spalten_{table}"] = dg.MetadataValue.table_schema(_schema(con, schema, table))
    return {"dagster/row_count": total, **out}


def readable(values: Mapping[str, object]) -> dict[str, object]:
    """Counts as integers, other numbers rounded as printed; None and text unchanged."""
    out: dict[str, object] = {}
    for k, v in values.items():
        if isinstance(v, float):
            out[k] = int(v) if v.is_integer() else round(v, DECIMALS)
        else:
            out[k] = v
    return out


def tables_in(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Every table of a schema, as ``schema.table`` (the bericht tables are made per run)."""
    return [
        f"{schema}.{t}"
        for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? ORDER BY 1", [schema]
        ).fetchall()
    ]
