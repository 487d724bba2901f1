"""Atomic publication of ``OUT/reporting.duckdb`` and its data catalogue.

The new database is built beside the old one (``reporting.duckdb.new``, attached to the warehouse
connection), closed, and swapped in with ``os.replace``:

- ``os.replace`` is an atomic rename on POSIX: a reader that opens the path gets either the old or
  the new file, complete, never a mixture;
- a reader that already has the old file open keeps reading it (on Linux its open descriptor
  still points at the old inode, which lives on until the last reader closes it);
- the writer never opens ``reporting.duckdb`` itself, so analysts' read-only connections (DuckDB
  allows many readers or one writer per file) never meet a lock held by the pipeline;
- a crash before the swap leaves the previous file untouched; a stale ``.new`` is removed by the
  next run.

Everything in the schemas ``kennzahlen``, ``bericht`` and ``bericht_werte`` is copied (views are materialised as
tables: the warehouse objects they read are not published), and the COMMENTs on tables and
columns are applied again, because ``CREATE TABLE AS`` does not carry them over. From the new
file, ``OUT/bericht/datenkatalog.md`` lists every published table and column with its comment.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from assets.report import bericht_tables as bt
from sources.settings import Settings
from sources.sql import literal

PUBLISHED_SCHEMAS = ("kennzahlen", bt.SCHEMA, bt.SCHEMA_WERTE)
ALIAS = "phasenmonitor_reporting_neu"  # attach name of the file being built (unlikely to clash)
KATALOG = "datenkatalog.md"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def published_objects(con: duckdb.DuckDBPyConnection, database: str | None = None) -> list[tuple[str, str, str | None, bool]]:
    """(schema, name, comment, is_view) of every table and view of the published schemas."""
    db = "current_database()" if database is None else "?"
    params = [] if database is None else [database, database]
    schemas = ", ".join(literal(s) for s in PUBLISHED_SCHEMAS)
    return con.execute(
        f"SELECT schema_name, table_name, comment, false FROM duckdb_tables() WHERE database_name = {db} "
        f"AND schema_name IN ({schemas}) "
        f"UNION ALL SELECT schema_name, view_name, comment, true FROM duckdb_views() WHERE database_name = {db} "
        f"AND schema_name IN ({schemas}) AND NOT internal ORDER BY 1, 2",
        params,
    ).fetchall()


def _column_comments(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    schemas = ", ".join(literal(s) for s in PUBLISHED_SCHEMAS)
    return con.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE database_name = current_database() "
        f"AND schema_name IN ({schemas}) AND comment IS NOT NULL"
    ).fetchall()


def publish_reporting(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Copy schemas ``kennzahlen``, ``bericht`` and ``bericht_werte`` of the warehouse connection ``con`` into a new
    ``reporting.duckdb`` and swap it in atomically; write ``bericht/datenkatalog.md``.

    Returns the path of the published file.
    """
    target = settings.reporting_path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".new")
    tmp_wal = Path(str(tmp) + ".wal")
    _remove(tmp, tmp_wal)  # left over from a run that crashed before the swap

    objects = published_objects(con)
    columns = _column_comments(con)
    con.execute("ATTACH ? AS " + ALIAS, [str(tmp)])
    attached = True
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{_ident(schema)}")
        # Names come from our own warehouse catalogue, never from input files.
        for schema, name, comment, _is_view in objects:
            src = f"{_ident(schema)}.{_ident(name)}"
            con.execute(f"CREATE TABLE {ALIAS}.{src} AS SELECT * FROM {src}")
            if comment:
                con.execute(f"COMMENT ON TABLE {ALIAS}.{src} IS {literal(comment)}")
        for schema, table, column, comment in columns:
            con.execute(f"COMMENT ON COLUMN {ALIAS}.{_ident(schema)}.{_ident(table)}.{_ident(column)} IS {literal(comment)}")
        katalog = datenkatalog(con, ALIAS)
        con.execute(f"DETACH {ALIAS}")  # checkpoints and closes the new file
        attached = False
        if tmp_wal.exists():
            raise RuntimeError(f"{tmp_wal} nach dem Schließen vorhanden: Veröffentlichung abgebrochen")
        os.chmod(tmp, 0o644)  # analysts read it; the warehouse stays private
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)  # make the rename itself durable
    except BaseException:
        if attached:
            try:
                con.execute(f"DETACH {ALIAS}")
            except duckdb.Error:
                pass
        _remove(tmp, tmp_wal)
        raise
    _write_atomic(settings.bericht_dir / KATALOG, katalog)
    return target


# --- the data catalogue ------------------------------------------------------------------------


def _md(text: str | None) -> str:
    return (text or "–").replace("|", "\\|").replace("\n", " ")


def datenkatalog(con: duckdb.DuckDBPyConnection, database: str) -> str:
    """Markdown: every published table and column with type and COMMENT, from ``database``."""
    lines = [
        "# Datenkatalog: `reporting.duckdb`",
        "",
        "Veröffentlichte Tabellen mit ihren Kommentaren (automatisch erzeugt bei jeder Veröffentlichung).",
        "Schema `kennzahlen`: interne Kennzahlen ohne Geheimhaltung, nur für die Auswertung in der Verwaltung.",
        "Schema `bericht`: Ratstabellen mit statistischer Geheimhaltung (Werte als Text); nur diese dürfen das Haus verlassen.",
        "Schema `bericht_werte`: dieselben Ratstabellen mit Zahlen statt Text (NULL, wo `bericht` * oder x zeigt; 0 für –); "
        "öffentlich wie `bericht`.",
        "",
    ]
    cols = con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() WHERE database_name = ? "
        "ORDER BY schema_name, table_name, column_index",
        [database],
    ).fetchall()
    by_table: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for schema, table, column, dtype, comment in cols:
        by_table.setdefault((schema, table), []).append((column, dtype, comment))
    for schema, name, comment, _ in published_objects(con, database):
        n = con.execute(f"SELECT count(*) FROM {_ident(database)}.{_ident(schema)}.{_ident(name)}").fetchall()[0][0]
        lines += [f"## `{schema}.{name}`", "", _md(comment), "", f"Zeilen: {n}", "",
                  "| Spalte | Typ | Bedeutung |", "|---|---|---|"]
        for column, dtype, ccomment in by_table.get((schema, name), []):
            lines.append(f"| `{column}` | {dtype} | {_md(ccomment)} |")
        lines.append("")
    return "\n".join(lines)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".neu")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o644)  # a data dictionary of the published tables: no microdata
    os.replace(tmp, path)
