"""kennzahlen.datenqualitaet and kennzahlen.ueberblick: the tables assembled from several parts."""

from __future__ import annotations

import duckdb

DATENQUALITAET_COMMENTS = {
    "_table": "Eine Zeile je Datei im Eingang: Status, Grund und Zeilenbilanz (gelesen = geladen + Quarantäne + ausgeschlossen).",
    "quelle": "Lieferant: asyl, jobcenter, vhs (bei unbekannten Dateien der Ordnername)",
    "datei": "Pfad der Datei im Eingangsordner",
    "datenstand": "Datenstand laut Dateiname (NULL, wenn der Name keinen gültigen enthält)",
    "status": "verwendet (neuester gültiger Stand), ersetzt (älterer gültiger Stand) oder abgelehnt",
    "grund": "Grund der Ablehnung der ganzen Datei (NULL bei verwendeten und ersetzten Dateien)",
    "zeilen_gelesen": "Datenzeilen der Datei (ohne Kopfzeile)",
    "zeilen_geladen": "Zeilen, die ins Warehouse geladen wurden",
    "zeilen_quarantaene": "Zeilen mit Regelverstoß (Befunde mit Zeile, Spalte, Grund in meta.befunde)",
    "zeilen_ausgeschlossen": "Zeilen, die nach Regel nicht verarbeitet werden: ohne Einwilligung, keiner teilnehmenden Person zugeordnet, exakte Dubletten, oder die gültigen Zeilen einer abgelehnten Datei",
}

UEBERBLICK_COMMENTS = {
    "_table": "Kennzahlen zum Stichtag, eine Zeile je Kennzahl (Definitionen: docs/kennzahlen.md).",
    "kennzahl": "Name der Kennzahl",
    "wert": "Wert zum Stichtag",
}


def apply_comments(con: duckdb.DuckDBPyConnection, table: str, comments: dict[str, str]) -> None:
    """COMMENT ON TABLE/COLUMN; the texts are constants of this code, passed as literals safely quoted."""
    for col, text in comments.items():
        quoted = "'" + text.replace("'", "''") + "'"
        if col == "_table":
            con.execute(f"COMMENT ON TABLE {table} IS {quoted}")
        else:
            con.execute(f"COMMENT ON COLUMN {table}.{col} IS {quoted}")


def build_datenqualitaet(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        """CREATE OR REPLACE TABLE kennzahlen.datenqualitaet AS
           SELECT quelle::VARCHAR AS quelle, datei::VARCHAR AS datei, datenstand::DATE AS datenstand,
                  status::VARCHAR AS status, grund::VARCHAR AS grund,
                  zeilen_gelesen::BIGINT AS zeilen_gelesen, zeilen_geladen::BIGINT AS zeilen_geladen,
                  zeilen_quarantaene::BIGINT AS zeilen_quarantaene, zeilen_ausgeschlossen::BIGINT AS zeilen_ausgeschlossen
           FROM meta.dateien WHERE im_eingang ORDER BY quelle, datei"""
    )
    apply_comments(con, "kennzahlen.datenqualitaet", DATENQUALITAET_COMMENTS)
    return con.execute("SELECT count(*) FROM kennzahlen.datenqualitaet").fetchone()[0]


def ohne_einwilligung(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT coalesce(sum(ohne_einwilligung), 0) FROM meta.dateien WHERE art = 'teilnehmende' AND status = 'verwendet'"
    ).fetchone()
    return int(row[0])


def save_ueberblick_part(con: duckdb.DuckDBPyConnection, teil: str, rows: list[tuple[str, float]]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS intern")
    con.execute("CREATE TABLE IF NOT EXISTS intern.ueberblick_teile (teil VARCHAR, kennzahl VARCHAR, wert DOUBLE, pos INTEGER)")
    con.execute("DELETE FROM intern.ueberblick_teile WHERE teil = ?", [teil])
    con.executemany(
        "INSERT INTO intern.ueberblick_teile VALUES (?, ?, ?, ?)",
        [(teil, k, None if v is None else float(v), i) for i, (k, v) in enumerate(rows)],
    )


UEBERBLICK_ORDER = ("teilnahme", "mentoring", "datenqualitaet")


def build_ueberblick(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        """CREATE OR REPLACE TABLE kennzahlen.ueberblick AS
           SELECT kennzahl::VARCHAR AS kennzahl, wert::DOUBLE AS wert FROM intern.ueberblick_teile
           ORDER BY CASE teil WHEN 'teilnahme' THEN 1 WHEN 'mentoring' THEN 2 ELSE 3 END, pos"""
    )
    apply_comments(con, "kennzahlen.ueberblick", UEBERBLICK_COMMENTS)
    return con.execute("SELECT count(*) FROM kennzahlen.ueberblick").fetchone()[0]
