"""Metrics I: phase progression, placements under BA rules, language courses (docs/kennzahlen.md):
the published tables of schema ``kennzahlen`` and the ``ueberblick`` rows this module owns.

:func:`build_teilnahme_kennzahlen` runs the rules of :mod:`assets.metrics.teilnahme_rules`
(per-person TEMP tables ``tn_*``) and aggregates them into the contract tables.
"""

from __future__ import annotations

from datetime import date

import duckdb

from assets.metrics.ddl import create_commented_table
from assets.metrics.merkmale import build_merkmale
from assets.metrics.teilnahme_rules import KURS_STORNIERT, PHASE_AM_SQL, integrationsquote_12m, register_regeln
from sources.jobcenter import INTEGRATIONSARTEN
from sources.settings import Settings
from sources.transaction import atomic
from sources.vhs import KURSARTEN
from sources.zeitraum import register_berichtsmonate

UEBERGANG_PHASE_2 = "Eintritt bis Phase 2"
UEBERGANG_PHASE_3 = "Eintritt bis Phase 3"
# Exam results that reach at least B1 (the council's usual measure of course success).
ERGEBNISSE_B1_ODER_HOEHER: tuple[str, ...] = ("B1", "B2", "C1")
PRUEFUNG_KEINE = "keine"

# table -> (COMMENT ON TABLE, [(column, type, COMMENT ON COLUMN)]); order = contract order.
_MONAT = ("monat", "DATE", "Berichtsmonat (1. des Monats)")
TABELLEN: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "phasen_bestand": (
        "Teilnehmende im 3-Phasen-Modell je Berichtsmonat: aktive Teilnehmende am Zähltag nach Phase "
        "(1 Erkennen, 2 Fördern, 3 Integrieren). Bestand am Zähltag.",
        [
            _MONAT,
            ("zaehltag", "DATE", "Zähltag: letzter Tag des Monats, im Monat des Stichtags der Stichtag"),
            ("phase_1", "BIGINT", "Aktive Teilnehmende am Zähltag in Phase 1 (Erkennen): weder Phase 2 noch 3 begonnen"),
            ("phase_2", "BIGINT", "Aktive Teilnehmende am Zähltag in Phase 2 (Fördern): Kompetenzfeststellung oder Qualifizierung begonnen, noch keine Vermittlung"),
            ("phase_3", "BIGINT", "Aktive Teilnehmende am Zähltag in Phase 3 (Integrieren): mindestens eine Vermittlung nach BA-Regeln"),
            ("aktiv", "BIGINT", "Aktive Teilnehmende am Zähltag (Eintritt am oder vor dem Zähltag, kein Austritt vor dem Zähltag); = phase_1 + phase_2 + phase_3"),
        ],
    ),
    "phasen_bewegungen": (
        "Bewegungen im 3-Phasen-Modell je Berichtsmonat: Ereignisse vom 1. des Monats bis zum Zähltag.",
        [
            _MONAT,
            ("eintritte", "BIGINT", "Teilnehmende mit Eintritt in diesem Monat (bis zum Zähltag)"),
            ("beginn_phase_2", "BIGINT", "Teilnehmende, deren Phase 2 (Fördern) in diesem Monat begann"),
            ("beginn_phase_3", "BIGINT", "Teilnehmende, deren Phase 3 (Integrieren, erste Vermittlung) in diesem Monat begann"),
            ("austritte", "BIGINT", "Teilnehmende mit Austritt (letzter Tag im Programm) in diesem Monat (bis zum Zähltag)"),
        ],
    ),
    "phasen_dauer": (
        "Dauer vom Eintritt bis zum Beginn von Phase 2 bzw. Phase 3, über alle Teilnehmenden, die die Phase bis zum Stichtag erreicht haben (auch inzwischen ausgetretene).",
        [
            ("uebergang", "VARCHAR", "Übergang: 'Eintritt bis Phase 2' oder 'Eintritt bis Phase 3'"),
            ("personen", "BIGINT", "Teilnehmende, die die Phase bis zum Stichtag erreicht haben"),
            ("median_tage", "DOUBLE", "Median der Tage vom Eintritt bis zum Phasenbeginn (bei gerader Anzahl Mittel der beiden mittleren Werte); NULL, wenn niemand die Phase erreicht hat"),
        ],
    ),
    "vermittlungen": (
        "Vermittlungen nach BA-Zählweise (höchstens eine je Person und Kalendermonat, die mit dem frühesten Beginn) je Berichtsmonat und Integrationsart; Minijobs (geringfügig) gesondert, nie als Vermittlung. Alle Kombinationen, auch mit 0.",
        [
            _MONAT,
            ("integrationsart", "VARCHAR", "Integrationsart: SVB Vollzeit, SVB Teilzeit, Ausbildung, Selbständigkeit (Vermittlungen) oder geringfügig (Minijobs, keine Vermittlung)"),
            ("anzahl", "BIGINT", "Anzahl der Arbeits-/Ausbildungsaufnahmen mit Beginn in diesem Monat (bis zum Zähltag)"),
        ],
    ),
    "nachhaltigkeit": (
        "Nachhaltigkeit der Vermittlungen (personenbezogen wie bei der BA): eine Vermittlung ist bewertbar, wenn ihr Prüftag (Beginn + konfigurierte Monate) am oder vor dem Stichtag liegt, und nachhaltig, wenn die Person am Prüftag in irgendeiner Integration steht (jeder Arbeitgeber).",
        [
            ("bewertbar", "BIGINT", "Vermittlungen (BA-Zählweise), deren Prüftag am oder vor dem Stichtag liegt"),
            ("nachhaltig", "BIGINT", "Bewertbare Vermittlungen, deren Person am Prüftag in einer Integration (SVB, Ausbildung, Selbständigkeit; nicht §16i, kein Minijob) stand"),
            ("quote", "DOUBLE", "nachhaltig / bewertbar als Anteil 0..1; NULL, wenn nichts bewertbar ist"),
        ],
    ),
    "sprache": (
        "Sprachkurse der VHS je Kursart: Anmeldungen von Teilnehmenden, nicht storniert, mit Kursbeginn am oder vor dem Stichtag (Stand des VHS-Exports). Alle Kursarten, auch mit 0.",
        [
            ("kursart", "VARCHAR", "Kursart laut VHS (Integrationskurs, Alphabetisierungskurs, Berufssprachkurs, Jugendintegrationskurs, Sonstiger Kurs)"),
            ("begonnen", "BIGINT", "Kursteilnahmen mit Kursbeginn am oder vor dem Stichtag (nicht storniert)"),
            ("abgeschlossen", "BIGINT", "davon mit Status abgeschlossen"),
            ("abgebrochen", "BIGINT", "davon mit Status abgebrochen"),
            ("pruefungen", "BIGINT", "davon mit abgelegter Prüfung (Prüfung nicht 'keine' und Ergebnis eingetragen, auch 'nicht bestanden')"),
            ("b1_oder_hoeher", "BIGINT", "davon mit Prüfungsergebnis B1 oder höher (B1, B2, C1)"),
        ],
    ),
}

PHASEN_BESTAND_SQL = """
INSERT INTO kennzahlen.phasen_bestand
WITH phase_je_monat AS (
    SELECT b.monat, b.zaehltag, p.tn_id,
           CASE WHEN p.beginn_phase_3 <= b.zaehltag THEN 3
                WHEN p.beginn_phase_2 <= b.zaehltag THEN 2
                ELSE 1 END AS phase
    FROM berichtsmonate b
    LEFT JOIN tn_phasen p
      ON p.eintritt <= b.zaehltag AND (p.austritt IS NULL OR b.zaehltag <= p.austritt)
)
SELECT monat, zaehltag,
       count(tn_id) FILTER (WHERE phase = 1),
       count(tn_id) FILTER (WHERE phase = 2),
       count(tn_id) FILTER (WHERE phase = 3),
       count(tn_id)
FROM phase_je_monat
GROUP BY monat, zaehltag
ORDER BY monat
"""

PHASEN_BEWEGUNGEN_SQL = """
INSERT INTO kennzahlen.phasen_bewegungen
WITH ereignisse AS (
    SELECT 'eintritt' AS art, eintritt AS tag FROM tn_phasen
    UNION ALL SELECT 'phase_2', beginn_phase_2 FROM tn_phasen WHERE beginn_phase_2 IS NOT NULL
    UNION ALL SELECT 'phase_3', beginn_phase_3 FROM tn_phasen WHERE beginn_phase_3 IS NOT NULL
    UNION ALL SELECT 'austritt', austritt FROM tn_phasen WHERE austritt IS NOT NULL
)
SELECT b.monat,
       count(e.tag) FILTER (WHERE e.art = 'eintritt'),
       count(e.tag) FILTER (WHERE e.art = 'phase_2'),
       count(e.tag) FILTER (WHERE e.art = 'phase_3'),
       count(e.tag) FILTER (WHERE e.art = 'austritt')
FROM berichtsmonate b
LEFT JOIN ereignisse e ON e.tag BETWEEN b.monat AND b.zaehltag
GROUP BY b.monat
ORDER BY b.monat
"""

PHASEN_DAUER_SQL = """
INSERT INTO kennzahlen.phasen_dauer
WITH uebergaenge(uebergang, reihenfolge) AS (VALUES ($u2, 1), ($u3, 2)),
dauern AS (
    SELECT $u2 AS uebergang, beginn_phase_2 - eintritt AS tage FROM tn_phasen WHERE beginn_phase_2 IS NOT NULL
    UNION ALL
    SELECT $u3, beginn_phase_3 - eintritt FROM tn_phasen WHERE beginn_phase_3 IS NOT NULL
)
SELECT u.uebergang, count(d.tage), quantile_cont(d.tage, 0.5)
FROM uebergaenge u
LEFT JOIN dauern d ON d.uebergang = u.uebergang
GROUP BY u.uebergang, u.reihenfolge
ORDER BY u.reihenfolge
"""

VERMITTLUNGEN_TABELLE_SQL = """
INSERT INTO kennzahlen.vermittlungen
WITH arten AS (SELECT unnest($arten) AS integrationsart),
faelle AS (
    SELECT monat, integrationsart FROM tn_vermittlungen
    UNION ALL
    SELECT monat, integrationsart FROM tn_minijobs
)
SELECT b.monat, a.integrationsart, count(f.monat)
FROM berichtsmonate b
CROSS JOIN arten a
LEFT JOIN faelle f ON f.monat = b.monat AND f.integrationsart = a.integrationsart
GROUP BY b.monat, a.integrationsart
ORDER BY b.monat, list_position($arten, a.integrationsart)
"""

NACHHALTIGKEIT_TABELLE_SQL = """
INSERT INTO kennzahlen.nachhaltigkeit
SELECT count(*) FILTER (WHERE bewertbar),
       count(*) FILTER (WHERE nachhaltig),
       CAST(count(*) FILTER (WHERE nachhaltig) AS DOUBLE) / nullif(count(*) FILTER (WHERE bewertbar), 0)
FROM tn_nachhaltigkeit
"""

SPRACHE_SQL = """
-- Entscheidung: every Kursart of the contract gets a row, zeros included (like vermittlungen).
-- Entscheidung: enrolments count regardless of Eintritt (the language rule names none); status and
-- exam result are those of the VHS export in use.
INSERT INTO kennzahlen.sprache
WITH arten AS (SELECT unnest($kursarten) AS kursart),
kurse AS (
    SELECT k.kursart, k.status,
           (k.pruefung <> $keine AND k.ergebnis IS NOT NULL) AS geprueft,
           list_contains($b1, k.ergebnis) AS b1
    FROM aktuell.kursteilnahmen k
    JOIN tn_teilnehmende p ON p.tn_id = k.tn_id
    WHERE k.status <> $storniert AND k.kursbeginn <= $stichtag
)
SELECT a.kursart,
       count(k.kursart),
       count(k.kursart) FILTER (WHERE k.status = 'abgeschlossen'),
       count(k.kursart) FILTER (WHERE k.status = 'abgebrochen'),
       count(k.kursart) FILTER (WHERE k.geprueft),
       count(k.kursart) FILTER (WHERE k.geprueft AND k.b1)
FROM arten a
LEFT JOIN kurse k ON k.kursart = a.kursart
GROUP BY a.kursart
ORDER BY list_position($kursarten, a.kursart)
"""

UEBERBLICK_SQL = """
SELECT
    stand.gesamt, stand.aktiv, stand.austritte, stand.mit_vermittlung,
    (SELECT count(*) FROM tn_vermittlungen),
    (SELECT count(*) FROM tn_minijobs),
    phasen.phase_1, phasen.phase_2, phasen.phase_3
FROM (
    SELECT count(*) AS gesamt, count(*) FILTER (WHERE aktiv) AS aktiv,
           count(*) FILTER (WHERE ausgetreten) AS austritte, count(*) FILTER (WHERE mit_vermittlung) AS mit_vermittlung
    FROM tn_stand
) stand, (
    SELECT count(*) FILTER (WHERE phase = 1) AS phase_1,
           count(*) FILTER (WHERE phase = 2) AS phase_2,
           count(*) FILTER (WHERE phase = 3) AS phase_3
    FROM (""" + PHASE_AM_SQL + """)
) phasen
"""

UEBERBLICK_KEYS: tuple[str, ...] = (
    "teilnehmende_gesamt",
    "teilnehmende_aktiv",
    "phase_1",
    "phase_2",
    "phase_3",
    "austritte",
    "personen_mit_vermittlung",
    "vermittlungen",
    "minijobs",
    # BA-comparable (§48a SGB II in substance; docs/kennzahlen.md "Mit der BA vergleichbar")
    "integrationsquote_12m",
    "nachhaltig_12m_bewertbar",
    "nachhaltig_12m",
)

NACHHALTIGKEIT_12M_UEBERBLICK_SQL = """
SELECT count(*) FILTER (WHERE bewertbar), count(*) FILTER (WHERE nachhaltig) FROM tn_nachhaltigkeit_12m
"""


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the empty contract tables of schema ``kennzahlen`` with their COMMENTs."""
    con.execute("CREATE SCHEMA IF NOT EXISTS kennzahlen")
    for name, (table_comment, cols) in TABELLEN.items():
        create_commented_table(con, f"kennzahlen.{name}", cols, table_comment)


def fill_tables(con: duckdb.DuckDBPyConnection, stichtag: date) -> None:
    """Aggregate the ``tn_*`` tables and ``berichtsmonate`` into the contract tables."""
    con.execute(PHASEN_BESTAND_SQL)
    con.execute(PHASEN_BEWEGUNGEN_SQL)
    con.execute(PHASEN_DAUER_SQL, {"u2": UEBERGANG_PHASE_2, "u3": UEBERGANG_PHASE_3})
    con.execute(VERMITTLUNGEN_TABELLE_SQL, {"arten": list(INTEGRATIONSARTEN)})
    con.execute(NACHHALTIGKEIT_TABELLE_SQL)
    con.execute(
        SPRACHE_SQL,
        {
            "kursarten": list(KURSARTEN),
            "keine": PRUEFUNG_KEINE,
            "b1": list(ERGEBNISSE_B1_ODER_HOEHER),
            "storniert": KURS_STORNIERT,
            "stichtag": stichtag,
        },
    )


def ueberblick(con: duckdb.DuckDBPyConnection, stichtag: date) -> list[tuple[str, float | None]]:
    """The ``kennzahlen.ueberblick`` rows this module owns, as of the Stichtag (a rate is None
    where its denominator is 0 or missing)."""
    gesamt, aktiv, austritte, personen, vermittlungen, minijobs, p1, p2, p3 = con.execute(
        UEBERBLICK_SQL, {"tag": stichtag}
    ).fetchone()
    _, _, quote_12m = integrationsquote_12m(con, stichtag)
    bewertbar_12m, nachhaltig_12m = con.execute(NACHHALTIGKEIT_12M_UEBERBLICK_SQL).fetchone()
    werte = {
        "teilnehmende_gesamt": gesamt,
        "teilnehmende_aktiv": aktiv,
        "phase_1": p1,
        "phase_2": p2,
        "phase_3": p3,
        "austritte": austritte,
        "personen_mit_vermittlung": personen,
        "vermittlungen": vermittlungen,
        "minijobs": minijobs,
        "integrationsquote_12m": quote_12m,
        "nachhaltig_12m_bewertbar": bewertbar_12m,
        "nachhaltig_12m": nachhaltig_12m,
    }
    return [(k, None if werte[k] is None else float(werte[k])) for k in UEBERBLICK_KEYS]


def ueberblick_werte(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> list[tuple[str, float]]:
    """The ueberblick rows of the participant figures as of ``stichtag``, from the rules' TEMP
    tables alone: no persistent table is written (assets/metrics/neuberechnung.py recomputes
    an earlier Stichtag with it)."""
    register_berichtsmonate(con, settings.programmstart, stichtag)
    register_regeln(con, settings, stichtag)
    return ueberblick(con, stichtag)


def build_teilnahme_kennzahlen(
    con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date
) -> list[tuple[str, float | None]]:
    """Build ``kennzahlen.phasen_bestand``, ``phasen_bewegungen``, ``phasen_dauer``,
    ``vermittlungen``, ``nachhaltigkeit``, ``sprache`` and ``merkmale`` from the ``aktuell.*`` views of ``con``
    and return the ueberblick rows (kennzahl, wert) for the participant figures.

    Runs in one transaction when the caller has none open, so a failure leaves the previous
    tables in place.
    """
    with atomic(con):
        rows = ueberblick_werte(con, settings, stichtag)  # registers the TEMP tables the tables below read
        create_tables(con)
        fill_tables(con, stichtag)
        build_merkmale(con, settings)
    return rows

