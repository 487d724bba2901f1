"""Atomic publication of ``OUT/reporting.duckdb``.

The new database is built beside the old one and swapped in with ``os.replace``: a reader that
opened the old file keeps reading it, a reader that opens afterwards sees the new one, and no
reader ever sees a lock or a half-written state.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from pipelines.config import Settings

PUBLISHED_SCHEMAS = ("kennzahlen", "bericht")


def _quote(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def publish_reporting(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    target = settings.reporting_path
    tmp = target.with_name(target.name + ".new")
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    tables = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name IN ('kennzahlen', 'bericht') ORDER BY schema_name, table_name"
    ).fetchall()
    columns = con.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name IN ('kennzahlen', 'bericht') AND comment IS NOT NULL"
    ).fetchall()
    con.execute("ATTACH ? AS pub", [str(tmp)])
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS pub.{schema}")
        # Table and column names come from the catalogue of our own warehouse, not from input files.
        for schema, table, comment in tables:
            con.execute(f'CREATE TABLE pub.{schema}."{table}" AS SELECT * FROM {schema}."{table}"')
            if comment:
                con.execute(f'COMMENT ON TABLE pub.{schema}."{table}" IS {_quote(comment)}')
        for schema, table, column, comment in columns:
            con.execute(f'COMMENT ON COLUMN pub.{schema}."{table}"."{column}" IS {_quote(comment)}')
    finally:
        con.execute("DETACH pub")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
