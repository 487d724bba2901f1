"""DDL of the warehouse (``OUT/warehouse.duckdb``), derived from the export contract.

Schemas:
- ``meta``: the inbox files seen (``meta.dateien``), findings (``meta.befunde``) and the
  processing state per kind (``meta.verarbeitung``). No personal data.
- ``staging``: one table per export kind holding every loaded snapshot (history), pseudonymised,
  with ``datei_id`` (the file's content hash) and ``datenstand``.
- ``aktuell``: one view per kind over the snapshot currently in use (status ``verwendet``).
- ``kennzahlen`` / ``bericht``: computed by the metrics and report assets, copied to
  ``reporting.duckdb`` on publication.
"""

from __future__ import annotations

import duckdb

from sources.kinds import ALL_KINDS

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.dateien (
    datei_id VARCHAR,            -- identifies (path, content): sha256 of both, shortened
    inhalt_sha256 VARCHAR,       -- sha256 of the file's content; the archive copy's name
    datei VARCHAR,               -- path relative to the inbox, e.g. asyl/teilnehmende_2026-11-20.csv
    quelle VARCHAR,              -- asyl / jobcenter / vhs / folder name for unknown files
    art VARCHAR,                 -- export kind, NULL when unknown
    datenstand DATE,
    groesse_bytes BIGINT,
    mtime_ns BIGINT,
    status VARCHAR,              -- verwendet / ersetzt / abgelehnt / neu
    grund VARCHAR,
    zeilen_gelesen BIGINT,
    zeilen_geladen BIGINT,
    zeilen_quarantaene BIGINT,
    zeilen_ausgeschlossen BIGINT,
    ohne_einwilligung BIGINT,    -- rows excluded for missing or withdrawn consent
    nicht_zugeordnet BIGINT,     -- rows excluded because they link to no participant
    endung VARCHAR,
    kodierung VARCHAR,
    kontext VARCHAR,             -- fingerprint of what the rows were checked against (key, aliases, referenced files)
    verarbeitet_am TIMESTAMP,
    gesehen_am TIMESTAMP,
    im_eingang BOOLEAN           -- still present in the inbox
);
CREATE TABLE IF NOT EXISTS meta.befunde (
    datei_id VARCHAR,
    quelle VARCHAR,
    datei VARCHAR,
    art VARCHAR,
    zeile BIGINT,                -- line in the file (header = 1); NULL for file-level findings
    spalte VARCHAR,              -- column header as found in the file
    regel VARCHAR,               -- rule identifier, e.g. pflichtwert, datum, code, schluessel_doppelt
    schwere VARCHAR,             -- FEHLER (row quarantined / file rejected), WARNUNG, HINWEIS
    grund VARCHAR                -- German explanation; never the cell's content
);
CREATE TABLE IF NOT EXISTS meta.zustand (
    schluessel VARCHAR PRIMARY KEY,
    wert VARCHAR
);
"""


def staging_ddl() -> str:
    parts = ["CREATE SCHEMA IF NOT EXISTS staging;", "CREATE SCHEMA IF NOT EXISTS aktuell;"]
    for k in ALL_KINDS:
        cols = ",\n    ".join(f"{name} {sqltype}" for name, sqltype, _ in k.stored_columns())
        parts.append(
            f"CREATE TABLE IF NOT EXISTS staging.{k.name} (\n    datei_id VARCHAR,\n    datenstand DATE,\n    zeile BIGINT,\n    {cols}\n);"
        )
        parts.append(
            f"CREATE OR REPLACE VIEW aktuell.{k.name} AS SELECT s.* FROM staging.{k.name} s "
            f"JOIN meta.dateien d ON d.datei_id = s.datei_id AND d.status = 'verwendet' AND d.art = '{k.name}';"
        )
    return "\n".join(parts)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)
    con.execute(staging_ddl())
    con.execute("CREATE SCHEMA IF NOT EXISTS kennzahlen; CREATE SCHEMA IF NOT EXISTS bericht;")
