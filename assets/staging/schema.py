"""DDL of the warehouse (``OUT/warehouse.duckdb``), derived from the export contract.

Schemas:
- ``meta``: the inbox files seen (``meta.dateien``), findings (``meta.befunde``) and the
  processing state per kind (``meta.verarbeitung``). No personal data.
- ``staging``: one table per export kind holding every loaded snapshot (history), pseudonymised,
  with ``datei_id`` (the file's content hash) and ``datenstand``.
- ``intern``: ``intern.auswahl`` (the run's Datenstand limit: one row, none without a limit; read
  by ``sources/zeitraum.py: reproduktion_bis``) and the view
  ``intern.staende``: per kind the snapshot the run uses. Without a limit that is the file with
  status ``verwendet`` (the newest valid one in the inbox); with ``--datenstand-bis D`` the newest
  valid snapshot with a Datenstand on or before D, also of a file that has left the inbox (its
  rows stay as history). ``intern.ueberblick_teile``: the parts of ``kennzahlen.ueberblick``.
- ``aktuell``: one view per kind over the snapshot in ``intern.staende``.
- ``kennzahlen`` / ``bericht``: computed by the metrics and report assets, copied to
  ``reporting.duckdb`` on publication.
"""

from __future__ import annotations

from datetime import date

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


# The statuses of a valid snapshot (assets/staging/load.py: _set_statuses).
GUELTIG = ("verwendet", "ersetzt")

# One branch per case, so that without a limit the view is exactly the former status filter (the
# same files, the same rows in aktuell.*). With a limit: per kind the newest valid snapshot on or
# before it, ties broken by the file name as _set_statuses breaks them.
AUSWAHL_DDL = f"""
CREATE SCHEMA IF NOT EXISTS intern;
CREATE TABLE IF NOT EXISTS intern.auswahl (datenstand_bis DATE);
CREATE OR REPLACE VIEW intern.staende AS
WITH grenze AS (SELECT max(datenstand_bis) AS bis FROM intern.auswahl)
SELECT d.art, d.datei_id, d.datei, d.quelle, d.datenstand
FROM meta.dateien d, grenze g
WHERE g.bis IS NULL AND d.status = 'verwendet' AND d.art IS NOT NULL
UNION ALL
SELECT art, datei_id, datei, quelle, datenstand FROM (
    SELECT d.art, d.datei_id, d.datei, d.quelle, d.datenstand,
           row_number() OVER (PARTITION BY d.art ORDER BY d.datenstand DESC, d.datei) AS rang
    FROM meta.dateien d, grenze g
    WHERE g.bis IS NOT NULL AND d.status IN {GUELTIG} AND d.art IS NOT NULL AND d.datenstand <= g.bis
) WHERE rang = 1;
"""


def staging_ddl() -> str:
    parts = ["CREATE SCHEMA IF NOT EXISTS staging;", "CREATE SCHEMA IF NOT EXISTS aktuell;", AUSWAHL_DDL]
    for k in ALL_KINDS:
        cols = ",\n    ".join(f"{name} {sqltype}" for name, sqltype, _ in k.stored_columns())
        parts.append(
            f"CREATE TABLE IF NOT EXISTS staging.{k.name} (\n    datei_id VARCHAR,\n    datenstand DATE,\n    zeile BIGINT,\n    {cols}\n);"
        )
        parts.append(
            f"CREATE OR REPLACE VIEW aktuell.{k.name} AS SELECT s.* FROM staging.{k.name} s "
            f"JOIN intern.staende d ON d.datei_id = s.datei_id AND d.art = '{k.name}';"
        )
    return "\n".join(parts)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)
    con.execute(staging_ddl())
    con.execute("CREATE SCHEMA IF NOT EXISTS kennzahlen; CREATE SCHEMA IF NOT EXISTS bericht;")


def set_datenstand_bis(con: duckdb.DuckDBPyConnection, datenstand_bis: date | None) -> None:
    """The run's Datenstand limit for ``intern.staende`` (and so every ``aktuell.*`` view); None:
    the newest valid snapshot of each kind. Written only when it changes, so a nightly run
    without a limit writes nothing here."""
    # fetchall: a result left open by fetchone() would refuse the step's next register() (docs/CONTRIBUTING.md)
    row = con.execute("SELECT count(*), max(datenstand_bis) FROM intern.auswahl").fetchall()[0]
    if row[0] == (0 if datenstand_bis is None else 1) and row[1] == datenstand_bis:
        return
    con.execute("DELETE FROM intern.auswahl")
    if datenstand_bis is not None:
        con.execute("INSERT INTO intern.auswahl VALUES (?)", [datenstand_bis])

