"""kennzahlen.datenqualitaet and kennzahlen.ueberblick: the tables assembled from several parts."""

from __future__ import annotations

import duckdb
import polars as pl

from assets.metrics.kennzahl_texte import ANTEIL, BETRAGS_EINHEITEN, KENNZAHL_TEXTE, ZAEHL_EINHEITEN
from sources.sql import literal

DATENQUALITAET_COMMENTS = {
    "_table": "Eine Zeile je Datei im Eingang: Status, Grund und Zeilenbilanz (gelesen = geladen + Quarantäne + ausgeschlossen; "
              "ausgeschlossen = ohne Einwilligung + nicht zugeordnet).",
    "quelle": "Lieferant: asyl, jobcenter, vhs (bei unbekannten Dateien der Ordnername)",
    "datei": "Pfad der Datei im Eingangsordner",
    "datenstand": "Datenstand laut Dateiname (NULL, wenn der Name keinen gültigen enthält)",
    "status": "verwendet (neuester gültiger Stand), ersetzt (älterer gültiger Stand) oder abgelehnt",
    "grund": "Grund der Ablehnung der ganzen Datei (NULL bei verwendeten und ersetzten Dateien)",
    "zeilen_gelesen": "Datenzeilen der Datei (ohne Kopfzeile und Leerzeilen; eine exakt wiederholte Zeile zählt einmal)",
    "zeilen_geladen": "Zeilen, die ins Warehouse geladen wurden",
    "zeilen_quarantaene": "Zeilen mit Regelverstoß (Befunde mit Zeile, Spalte, Grund in kennzahlen.befunde); bei einer abgelehnten "
                          "Datei alle ihre Zeilen (sie bleiben mit der Datei zurückgehalten)",
    "zeilen_ausgeschlossen": "Zeilen, die nach Regel nicht verarbeitet werden: zeilen_ohne_einwilligung + zeilen_nicht_zugeordnet",
    "zeilen_ohne_einwilligung": "Ausgeschlossene Zeilen von Personen ohne oder mit widerrufener Einwilligung (auch die bei einem "
                                "späteren Widerruf aus älteren Ständen entfernten Zeilen)",
    "zeilen_nicht_zugeordnet": "Ausgeschlossene Jobcenter- und VHS-Zeilen, die zu keiner teilnehmenden Person gehören",
}

UEBERBLICK_COMMENTS = {
    "_table": "Kennzahlen zum Stichtag, eine Zeile je Kennzahl (Definitionen: docs/kennzahlen.md). Mit den Kennzahlen "
              "der BA nach § 48a SGB II vergleichbar (in der Sache, nicht in der Grundgesamtheit): integrationsquote_12m "
              "(Vermittlungen der letzten 12 Berichtsmonate / durchschnittlich Aktive an deren Zähltagen), "
              "nachhaltig_12m_bewertbar und nachhaltig_12m (Vermittlungen ohne Selbständigkeit, Prüftag Beginn + 12 Monate; "
              "am Prüftag SV-pflichtig beschäftigt oder in Ausbildung).",
    "kennzahl": "Name der Kennzahl",
    "wert": "Wert zum Stichtag: Anzahl, Betrag oder Quote (Name mit 'quote': Anteil, 0,25 = 25 %; NULL, wenn der Nenner 0 ist "
            "oder kein Berichtsmonat vorliegt)",
    "bezeichnung": "Deutsche Bezeichnung der Kennzahl, wie sie in der Tabelle bericht.ueberblick und im Sachstand steht",
    "einheit": "Einheit des Werts: Fallzahlen in " + ", ".join(ZAEHL_EINHEITEN) + "; Beträge in " + ", ".join(BETRAGS_EINHEITEN)
               + f"; {ANTEIL} = Bruch 0..1",
}


def apply_comments(con: duckdb.DuckDBPyConnection, table: str, comments: dict[str, str]) -> None:
    """COMMENT ON TABLE/COLUMN; the texts are constants of this code, passed as literals safely quoted."""
    for col, text in comments.items():
        quoted = literal(text)
        if col == "_table":
            con.execute(f"COMMENT ON TABLE {table} IS {quoted}")
        else:
            con.execute(f"COMMENT ON COLUMN {table}.{col} IS {quoted}")


DATENQUALITAET_SQL = """
CREATE OR REPLACE TABLE kennzahlen.datenqualitaet AS
SELECT quelle::VARCHAR AS quelle, datei::VARCHAR AS datei, datenstand::DATE AS datenstand,
       status::VARCHAR AS status, grund::VARCHAR AS grund,
       zeilen_gelesen::BIGINT AS zeilen_gelesen, zeilen_geladen::BIGINT AS zeilen_geladen,
       zeilen_quarantaene::BIGINT AS zeilen_quarantaene, zeilen_ausgeschlossen::BIGINT AS zeilen_ausgeschlossen,
       -- the split of zeilen_ausgeschlossen, computed once at load time (sources/linking.py: Zeilenbilanz)
       coalesce(ohne_einwilligung, 0)::BIGINT AS zeilen_ohne_einwilligung,
       coalesce(nicht_zugeordnet, 0)::BIGINT AS zeilen_nicht_zugeordnet
FROM meta.dateien WHERE im_eingang ORDER BY quelle, datei
"""


def build_datenqualitaet(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(DATENQUALITAET_SQL)
    apply_comments(con, "kennzahlen.datenqualitaet", DATENQUALITAET_COMMENTS)
    return con.execute("SELECT count(*) FROM kennzahlen.datenqualitaet").fetchone()[0]


BEFUNDE_COMMENTS = {
    "_table": "Eine Zeile je Befund zu den Dateien im Eingang: Zeilenprüfung beim Laden (meta.befunde) und Datenprüfungen "
    "auf dem verwendeten Stand (checks/). Nie ein Zellinhalt oder eine Kennung; Behebungshinweise je Regel im "
    "Datenqualitätsbericht intern/datenqualitaet_<Stichtag>.html.",
    "quelle": "Lieferant: asyl, jobcenter, vhs (bei unbekannten Dateien der Ordnername)",
    "datei": "Pfad der Datei im Eingangsordner; NULL, wenn der Befund keine Datei betrifft (z. B. fehlender Export)",
    "zeile": "Zeile in der Datei (Kopfzeile = 1); NULL bei Befunden zur ganzen Datei",
    "spalte": "Spaltenüberschrift, wie sie in der Datei steht (bei Datenprüfungen: laut Exportvertrag); NULL bei Befunden zur ganzen Datei",
    "regel": "Regel-ID, z. B. pflichtwert, datum, code, verweis, datei_abgelehnt, vertrag, aktualitaet, plausibel_dauer",
    "schwere": "FEHLER (Zeile in Quarantäne, Datei abgelehnt oder blockierende Prüfung), WARNUNG (Plausibilität, Aktualität), HINWEIS",
    "grund": "Deutsche Erklärung des Befunds; nie der Zellinhalt",
}


# _pruef_befunde: the checks' findings, a data frame registered for the statement.
BEFUNDE_SQL = """
CREATE OR REPLACE TABLE kennzahlen.befunde AS
SELECT quelle::VARCHAR AS quelle, datei::VARCHAR AS datei, zeile::BIGINT AS zeile, spalte::VARCHAR AS spalte,
       regel::VARCHAR AS regel, schwere::VARCHAR AS schwere, grund::VARCHAR AS grund
FROM (
    SELECT b.quelle, b.datei, b.zeile, b.spalte, b.regel, b.schwere, b.grund
    FROM meta.befunde b JOIN meta.dateien d USING (datei_id) WHERE d.im_eingang
    UNION ALL
    SELECT quelle, datei, zeile, spalte, regel, schwere, grund FROM _pruef_befunde
)
ORDER BY quelle, datei NULLS FIRST, zeile NULLS FIRST, spalte, regel
"""


def build_befunde(con: duckdb.DuckDBPyConnection, pruef_befunde: pl.DataFrame) -> int:
    """kennzahlen.befunde: the load findings of the files in the inbox plus the checks' findings."""
    con.register("_pruef_befunde", pruef_befunde)
    try:
        con.execute(BEFUNDE_SQL)
    finally:
        con.unregister("_pruef_befunde")
    apply_comments(con, "kennzahlen.befunde", BEFUNDE_COMMENTS)
    return con.execute("SELECT count(*) FROM kennzahlen.befunde").fetchone()[0]


OHNE_EINWILLIGUNG_SQL = (
    "SELECT coalesce(sum(d.ohne_einwilligung), 0) FROM meta.dateien d JOIN intern.staende s USING (datei_id) "
    "WHERE s.art = 'teilnehmende'"
)


def ohne_einwilligung(con: duckdb.DuckDBPyConnection) -> int:
    """Registry rows of the snapshot the run uses left out for want of consent: counted at parse
    time, plus the rows a later withdrawal purged from it (assets/staging/consent.py: purge_people)."""
    return int(con.execute(OHNE_EINWILLIGUNG_SQL).fetchone()[0])


def save_ueberblick_part(con: duckdb.DuckDBPyConnection, teil: str, rows: list[tuple[str, float]]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS intern")
    con.execute("CREATE TABLE IF NOT EXISTS intern.ueberblick_teile (teil VARCHAR, kennzahl VARCHAR, wert DOUBLE, pos INTEGER)")
    con.execute("DELETE FROM intern.ueberblick_teile WHERE teil = ?", [teil])
    con.executemany(
        "INSERT INTO intern.ueberblick_teile VALUES (?, ?, ?, ?)",
        [(teil, k, None if v is None else float(v), i) for i, (k, v) in enumerate(rows)],
    )


UEBERBLICK_ORDER = ("teilnahme", "mentoring", "datenqualitaet")


# The parts in UEBERBLICK_ORDER, each in its own order; label and unit from KENNZAHL_TEXTE.
# wert stays DOUBLE for every key (docs/kennzahlen.md, version 2): counts, amounts and rates share it.
UEBERBLICK_SQL = """
CREATE OR REPLACE TABLE kennzahlen.ueberblick AS
SELECT t.kennzahl::VARCHAR AS kennzahl, t.wert::DOUBLE AS wert, x.bezeichnung::VARCHAR AS bezeichnung,
       x.einheit::VARCHAR AS einheit
FROM intern.ueberblick_teile t
LEFT JOIN (SELECT unnest($kennzahlen) AS kennzahl, unnest($bezeichnungen) AS bezeichnung, unnest($einheiten) AS einheit) x
  ON x.kennzahl = t.kennzahl
ORDER BY CASE t.teil WHEN 'teilnahme' THEN 1 WHEN 'mentoring' THEN 2 ELSE 3 END, t.pos
"""


def build_ueberblick(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(UEBERBLICK_SQL, {"kennzahlen": list(KENNZAHL_TEXTE),
                                 "bezeichnungen": [b for b, _ in KENNZAHL_TEXTE.values()],
                                 "einheiten": [e for _, e in KENNZAHL_TEXTE.values()]})
    apply_comments(con, "kennzahlen.ueberblick", UEBERBLICK_COMMENTS)
    return con.execute("SELECT count(*) FROM kennzahlen.ueberblick").fetchone()[0]
