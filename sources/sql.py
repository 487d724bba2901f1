"""SQL text the pipeline writes itself.

DuckDB binds no parameters in ``COMMENT ON`` (and in a few catalog statements), so those take
their texts as literals. The texts are this code's constants, dates and the names of its own
schemas; never a value read from an input file (those are always bound parameters).
"""

from __future__ import annotations


def literal(text: str | None) -> str:
    """``text`` as an SQL string literal, quotes doubled; ``None`` as NULL."""
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def relation_exists(con, schema: str, name: str) -> bool:
    """A table or view ``schema.name`` in the connection's own database (not an attached one)."""
    return bool(con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?)"
        " + (SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() AND schema_name = ? AND view_name = ?)",
        [schema, name, schema, name],
    ).fetchall()[0][0])  # fetchall: DuckDB 2.0 keeps a result open after fetchone (docs/CONTRIBUTING.md)
