"""Writing a public schema (``bericht`` as text, ``bericht_werte`` as numbers): the same tables,
each with its comment and column comments, inside the caller's transaction."""

from __future__ import annotations

import duckdb

from sources.sql import literal


def schema_neu(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")  # names are our constants
    con.execute(f"CREATE SCHEMA {schema}")


def tabelle_anlegen(con: duckdb.DuckDBPyConnection, schema: str, name: str, spalten: list[tuple[str, str, str]],
                    rows: list[list], kommentar: str) -> None:
    """One table: ``spalten`` as (name, type, comment), its rows and the table's comment."""
    cols = ", ".join(f'"{s}" {t}' for s, t, _ in spalten)
    con.execute(f"CREATE TABLE {schema}.{name} ({cols})")
    if rows:
        con.executemany(f"INSERT INTO {schema}.{name} VALUES ({', '.join('?' for _ in spalten)})", rows)
    con.execute(f"COMMENT ON TABLE {schema}.{name} IS {literal(kommentar)}")
    for s, _, text in spalten:
        con.execute(f'COMMENT ON COLUMN {schema}.{name}."{s}" IS {literal(text)}')
