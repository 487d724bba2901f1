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


def _columns(con: duckdb.DuckDBPyConnection, names: list[tuple[str, str]]) -> dict[tuple[str, str], list[tuple]]:
    """(schema, table) -> [(column, type, comment)] of the tables and views that exist, in one
    catalog query."""
    out: dict[tuple[str, str], list[tuple]] = {}
    for schema, table, column, typ, comment in con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND list_contains(?, schema_name || '.' || table_name) "
        "ORDER BY schema_name, table_name, column_index",
        [[f"{s}.{t}" for s, t in names]],
    ).fetchall():
        out.setdefault((schema, table), []).append((column, typ, comment))
    return out


def _schema(cols: list[tuple], descriptions: Mapping[str, str] | None) -> dg.TableSchema:
    descriptions = descriptions or {}
    return dg.TableSchema(columns=[dg.TableColumn(name=n, type=t, description=c or descriptions.get(n)) for n, t, c in cols])


def _rows(con: duckdb.DuckDBPyConnection, schema: str, table: str, exists: bool) -> int:
    return int(con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]) if exists else 0


def table_metadata(
    con: duckdb.DuckDBPyConnection, tables: Iterable[str], descriptions: Mapping[str, str] | None = None
) -> dict[str, object]:
    """Metadata of the tables ``schema.table`` an asset writes.

    One table: ``dagster/row_count``, ``dagster/column_schema``, ``dagster/table_name``. Several
    (one asset writing a family of tables): ``dagster/row_count`` is their total, and each
    table gets ``zeilen_<table>`` and ``spalten_<table>`` (its schema) beside it. ``descriptions``
    stand in for columns without a COMMENT (the views over the staging tables)."""
    names = [tuple(t.split(".", 1)) for t in tables]
    cols = _columns(con, names)
    if len(names) == 1:
        schema, table = names[0]
        return {
            "dagster/row_count": _rows(con, schema, table, names[0] in cols),
            "dagster/column_schema": _schema(cols.get(names[0], []), descriptions),
            "dagster/table_name": f"{schema}.{table}",
        }
    out: dict[str, object] = {}
    total = 0
    erstes = {}  # a table name met in a second schema (bericht_werte beside bericht) is keyed with its schema
    for schema, table in names:
        erstes.setdefault(table, schema)
        name = table if erstes[table] == schema else f"{schema}.{table}"
        n = _rows(con, schema, table, (schema, table) in cols)
        total += n
        out[f"zeilen_{name}"] = n
        out[f"spalten_{name}"] = dg.MetadataValue.table_schema(_schema(cols.get((schema, table), []), descriptions))
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


def records_table(rows: list[tuple], columns: list[tuple[str, str]]) -> dg.MetadataValue:
    """A small table of facts (file names, lines, reasons; never a row's content) as metadata."""
    return dg.MetadataValue.table(
        records=[dg.TableRecord(dict(zip([c for c, _ in columns], r))) for r in rows],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in columns]),
    )


def tables_in(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Every table of a schema, as ``schema.table`` (the bericht tables are made per run)."""
    return [
        f"{schema}.{t}"
        for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? ORDER BY 1", [schema]
        ).fetchall()
    ]
