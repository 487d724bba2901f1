"""The published contract tables of schema ``kennzahlen``: explicit DDL with German comments."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from sources.sql import literal


def create_commented_table(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str, str]], comment: str
) -> None:
    """(Re)create the empty ``table`` with ``columns`` (name, type, meaning) and its COMMENTs."""
    # Explicit DDL (not CREATE TABLE AS): the contract fixes names, order and types.
    cols = ", ".join(f"{name} {sqltype}" for name, sqltype, _ in columns)
    con.execute(f"CREATE OR REPLACE TABLE {table} ({cols})")
    con.execute(f"COMMENT ON TABLE {table} IS {literal(comment)}")
    for name, _, meaning in columns:
        con.execute(f"COMMENT ON COLUMN {table}.{name} IS {literal(meaning)}")
