"""Metrics I: phase progression, placements under BA rules, language courses (kennzahlen.md).

Every domain rule is one named SQL statement below, run by a plain function on a DuckDB
connection that holds the warehouse (``aktuell.*`` views). The rules build per-person TEMP tables
(prefix ``tn_``; personal microdata never goes into schema ``kennzahlen``, which is published);
:func:`build_teilnahme_kennzahlen` then aggregates them into the contract tables of schema
``kennzahlen`` and returns the ``ueberblick`` rows this module owns.

Order of the rules (each reads the tables of the ones before it):

1. :func:`register_teilnehmende`  -> ``tn_teilnehmende``  who counts
2. :func:`register_qualifizierung` -> ``tn_qualifizierung`` qualification events, effective start
3. :func:`register_integrationen` -> ``tn_integrationen`` every take-up, classified
4. :func:`register_vermittlungen` -> ``tn_vermittlungen``, ``tn_minijobs`` BA counting
5. :func:`register_phasen`        -> ``tn_phasen``        phase-2 and phase-3 start per person
6. :func:`register_nachhaltigkeit` -> ``tn_nachhaltigkeit`` check day and result per placement

Decisions where kennzahlen.md is silent are marked ``Entscheidung`` and listed in
docs/kennzahlen.md.
"""

from __future__ import annotations

from datetime import date

import duckdb
from dateutil.relativedelta import relativedelta

from sources.zeitraum import register_berichtsmonate
from sources.settings import Settings
from sources.jobcenter import INTEGRATIONSARTEN
from sources.vhs import KURSARTEN
from sources.sql import literal

# BA integration (§48a SGB II): the four take-up kinds that count; `geringfügig` never does.
MINIJOB = "geringfügig"
INTEGRATIONSARTEN_BA: tuple[str, ...] = tuple(a for a in INTEGRATIONSARTEN if a != MINIJOB)
# A publicly subsidised job (§16i SGB II) is not an integration in the BA's sense; a wage subsidy
# (EGZ) still is.
FOERDERUNG_AUSGESCHLOSSEN = "§16i"
KURS_STORNIERT = "storniert"
MASSNAHME_GEPLANT = "geplant"
# Exam results that reach at least B1 (the council's usual measure of course success).
ERGEBNISSE_B1_ODER_HOEHER: tuple[str, ...] = ("B1", "B2", "C1")
PRUEFUNG_KEINE = "keine"

UEBERGANG_PHASE_2 = "Eintritt bis Phase 2"
UEBERGANG_PHASE_3 = "Eintritt bis Phase 3"


# --------------------------------------------------------------------------------------------
# 1. Who counts
# --------------------------------------------------------------------------------------------

TEILNEHMENDE_SQL = """
-- Participants: rows of the registry snapshot in use with consent and without (effective)
-- withdrawal, whose Eintritt is on or before the Stichtag. The warehouse applies consent already
-- at parse time; the rule is repeated here so the figures never depend on that alone.
-- Entscheidung: a Widerruf dated after the day of the run is not yet effective (exports.md).
-- Entscheidung: people entering after the Stichtag appear in no figure at all.
CREATE OR REPLACE TEMP TABLE tn_teilnehmende AS
SELECT tn_id, eintritt, kompetenzfeststellung, austritt
FROM aktuell.teilnehmende
WHERE einwilligung IS NOT NULL
  AND (widerruf IS NULL OR widerruf > $heute)
  AND eintritt <= $stichtag
"""


def register_teilnehmende(con: duckdb.DuckDBPyConnection, stichtag: date, heute: date) -> None:
    """``tn_teilnehmende(tn_id, eintritt, kompetenzfeststellung, austritt)``: who counts."""
    con.execute(TEILNEHMENDE_SQL, {"stichtag": stichtag, "heute": heute})


AKTIV_AM_SQL = """
SELECT tn_id FROM tn_teilnehmende
WHERE eintritt <= $tag AND (austritt IS NULL OR $tag <= austritt)
ORDER BY tn_id
"""


def aktiv_am(con: duckdb.DuckDBPyConnection, tag: date) -> list[str]:
    """Participants active on ``tag``: Eintritt <= tag and (no Austritt or tag <= Austritt)."""
    return [r[0] for r in con.execute(AKTIV_AM_SQL, {"tag": tag}).fetchall()]


# --------------------------------------------------------------------------------------------
# 2. Qualification events
# --------------------------------------------------------------------------------------------

QUALIFIZIERUNG_SQL = """
-- A VHS enrolment that is not 'storniert' or a Jobcenter measure that is not 'geplant' counts for
-- a participant if it runs on or after Eintritt (Ende empty or Ende >= Eintritt); it takes effect
-- on max(Beginn, Eintritt), so a course already running at Eintritt starts Phase 2 on Eintritt.
CREATE OR REPLACE TEMP TABLE tn_qualifizierung AS
SELECT p.tn_id, 'VHS' AS quelle, k.kursart AS art, k.kursbeginn AS beginn, k.kursende AS ende,
       greatest(k.kursbeginn, p.eintritt) AS wirksamer_beginn
FROM aktuell.kursteilnahmen k
JOIN tn_teilnehmende p ON p.tn_id = k.tn_id
WHERE k.status <> $storniert
  AND (k.kursende IS NULL OR k.kursende >= p.eintritt)
UNION ALL
SELECT p.tn_id, 'Jobcenter' AS quelle, m.massnahmeart AS art, m.beginn, m.ende,
       greatest(m.beginn, p.eintritt) AS wirksamer_beginn
FROM aktuell.massnahmen m
JOIN tn_teilnehmende p ON p.tn_id = m.tn_id
WHERE m.status <> $geplant
  AND (m.ende IS NULL OR m.ende >= p.eintritt)
"""


def register_qualifizierung(con: duckdb.DuckDBPyConnection) -> None:
    """``tn_qualifizierung(tn_id, quelle, art, beginn, ende, wirksamer_beginn)``."""
    con.execute(QUALIFIZIERUNG_SQL, {"storniert": KURS_STORNIERT, "geplant": MASSNAHME_GEPLANT})


# --------------------------------------------------------------------------------------------
# 3. Take-ups, classified
# --------------------------------------------------------------------------------------------

INTEGRATIONEN_SQL = """
-- Every take-up of a participant, with three flags:
--   ist_integration: BA integration (SVB, Ausbildung, Selbständigkeit; not §16i; EGZ counts)
--   ist_minijob:     geringfügig (never a placement)
--   im_zeitraum:     the placement date rule Eintritt <= Beginn <= Stichtag, Beginn <= Austritt
CREATE OR REPLACE TEMP TABLE tn_integrationen AS
SELECT i.tn_id, i.integrationsart, i.beginn, i.ende, i.arbeitgeber_id,
       coalesce(i.foerderung, 'keine') AS foerderung, i.zeile,
       (list_contains($arten_ba, i.integrationsart)
        AND coalesce(i.foerderung, 'keine') <> $foerderung_aus) AS ist_integration,
       (i.integrationsart = $minijob) AS ist_minijob,
       (i.beginn >= p.eintritt AND i.beginn <= $stichtag
        AND (p.austritt IS NULL OR i.beginn <= p.austritt)) AS im_zeitraum
FROM aktuell.integrationen i
JOIN tn_teilnehmende p ON p.tn_id = i.tn_id
"""


def register_integrationen(con: duckdb.DuckDBPyConnection, stichtag: date) -> None:
    """``tn_integrationen``: every take-up of a participant with its classification flags."""
    con.execute(
        INTEGRATIONEN_SQL,
        {
            "arten_ba": list(INTEGRATIONSARTEN_BA),
            "foerderung_aus": FOERDERUNG_AUSGESCHLOSSEN,
            "minijob": MINIJOB,
            "stichtag": stichtag,
        },
    )


# --------------------------------------------------------------------------------------------
# 4. Placements (BA counting) and mini-jobs
# --------------------------------------------------------------------------------------------

VERMITTLUNGEN_SQL = """
-- BA counting: at most one placement per participant and calendar month, the one with the
-- earliest Beginn. Entscheidung: on a tie (two take-ups on the same day) the order of the
-- Integrationsart codes decides (SVB Vollzeit, SVB Teilzeit, Ausbildung, Selbständigkeit), then
-- the line in the export, so the result is reproducible.
CREATE OR REPLACE TEMP TABLE tn_vermittlungen AS
SELECT tn_id, integrationsart, beginn, ende, arbeitgeber_id,
       CAST(date_trunc('month', beginn) AS DATE) AS monat
FROM tn_integrationen
WHERE ist_integration AND im_zeitraum
QUALIFY row_number() OVER (
    PARTITION BY tn_id, date_trunc('month', beginn)
    ORDER BY beginn, list_position($arten_ba, integrationsart), zeile
) = 1
"""

MINIJOBS_SQL = """
-- Mini-jobs under the same date rules, counted separately. Entscheidung: every mini-job counts
-- (the one-per-month rule of the BA is a rule for integrations only).
CREATE OR REPLACE TEMP TABLE tn_minijobs AS
SELECT tn_id, integrationsart, beginn, ende, CAST(date_trunc('month', beginn) AS DATE) AS monat
FROM tn_integrationen
WHERE ist_minijob AND im_zeitraum
"""


def register_vermittlungen(con: duckdb.DuckDBPyConnection) -> None:
    """``tn_vermittlungen`` (BA placements) and ``tn_minijobs``."""
    con.execute(VERMITTLUNGEN_SQL, {"arten_ba": list(INTEGRATIONSARTEN_BA)})
    con.execute(MINIJOBS_SQL)


# --------------------------------------------------------------------------------------------
# 5. Phases
# --------------------------------------------------------------------------------------------

PHASEN_SQL = """
-- Phase-2 start: earliest of Kompetenzfeststellung (if >= Eintritt) and the effective starts of
-- the qualification events. Phase-3 start: earliest counted placement (its date rules already
-- require Eintritt <= Beginn <= Stichtag and Beginn <= Austritt). A phase start counts only on or
-- before Austritt and Stichtag; a phase-2 start on or after the phase-3 start does not count.
-- Taking the minimum first and filtering afterwards is the same as filtering first: if the
-- earliest candidate is too late, so are all others.
CREATE OR REPLACE TEMP TABLE tn_phasen AS
WITH kandidaten_2 AS (
    SELECT tn_id, kompetenzfeststellung AS tag FROM tn_teilnehmende
    WHERE kompetenzfeststellung >= eintritt
    UNION ALL
    SELECT tn_id, wirksamer_beginn FROM tn_qualifizierung
),
start_2 AS (SELECT tn_id, min(tag) AS tag FROM kandidaten_2 GROUP BY tn_id),
start_3 AS (SELECT tn_id, min(beginn) AS tag FROM tn_vermittlungen GROUP BY tn_id),
gezaehlt AS (
    SELECT p.tn_id, p.eintritt, p.austritt,
           CASE WHEN s2.tag <= $stichtag AND (p.austritt IS NULL OR s2.tag <= p.austritt)
                THEN s2.tag END AS start_2,
           s3.tag AS start_3
    FROM tn_teilnehmende p
    LEFT JOIN start_2 s2 ON s2.tn_id = p.tn_id
    LEFT JOIN start_3 s3 ON s3.tn_id = p.tn_id
)
SELECT tn_id, eintritt, austritt,
       CASE WHEN start_3 IS NULL OR start_2 < start_3 THEN start_2 END AS beginn_phase_2,
       start_3 AS beginn_phase_3
FROM gezaehlt
"""


def register_phasen(con: duckdb.DuckDBPyConnection, stichtag: date) -> None:
    """``tn_phasen(tn_id, eintritt, austritt, beginn_phase_2, beginn_phase_3)``."""
    con.execute(PHASEN_SQL, {"stichtag": stichtag})


PHASE_AM_SQL = """
-- Phase on day d, active participants only: 3 from the phase-3 start, else 2 from the phase-2
-- start, else 1.
SELECT tn_id,
       CASE WHEN beginn_phase_3 <= $tag THEN 3
            WHEN beginn_phase_2 <= $tag THEN 2
            ELSE 1 END AS phase
FROM tn_phasen
WHERE eintritt <= $tag AND (austritt IS NULL OR $tag <= austritt)
"""


def phase_am(con: duckdb.DuckDBPyConnection, tag: date) -> dict[str, int]:
    """tn_id -> phase (1, 2, 3) of every participant active on ``tag``."""
    return dict(con.execute(PHASE_AM_SQL, {"tag": tag}).fetchall())


# --------------------------------------------------------------------------------------------
# 6. Sustainability
# --------------------------------------------------------------------------------------------


def pruefdatum(beginn: date, monate: int) -> date:
    """Check day: ``beginn`` + ``monate`` calendar months, clamped to the end of the month
    (31.08. + 6 months = 28.02., or 29.02. in a leap year). The SQL uses DuckDB's ``to_months``,
    which clamps the same way; the tests hold the two together."""
    return beginn + relativedelta(months=monate)


NACHHALTIGKEIT_SQL = """
-- Per placement: check day = Beginn + N calendar months. Assessable if the check day is on or
-- before the Stichtag; sustained if on the check day the participant holds any integration (any
-- employer, whether or not it was counted as a placement: also one begun after Austritt):
-- Beginn <= check day and (Ende empty or Ende >= check day). Mini-jobs and §16i jobs do not hold.
CREATE OR REPLACE TEMP TABLE tn_nachhaltigkeit AS
WITH v AS (
    SELECT tn_id, beginn, CAST(beginn + to_months($monate) AS DATE) AS pruefdatum
    FROM tn_vermittlungen
)
SELECT v.tn_id, v.beginn, v.pruefdatum,
       v.pruefdatum <= $stichtag AS bewertbar,
       v.pruefdatum <= $stichtag AND EXISTS (
           SELECT 1 FROM tn_integrationen i
           WHERE i.tn_id = v.tn_id AND i.ist_integration
             AND i.beginn <= v.pruefdatum AND (i.ende IS NULL OR i.ende >= v.pruefdatum)
       ) AS nachhaltig
FROM v
"""


def register_nachhaltigkeit(con: duckdb.DuckDBPyConnection, stichtag: date, monate: int) -> None:
    """``tn_nachhaltigkeit(tn_id, beginn, pruefdatum, bewertbar, nachhaltig)`` per placement."""
    con.execute(NACHHALTIGKEIT_SQL, {"stichtag": stichtag, "monate": monate})


def register_regeln(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> None:
    """Run every rule in order: the per-person TEMP tables ``tn_*`` of this connection."""
    register_teilnehmende(con, stichtag, settings.run_day)
    register_qualifizierung(con)
    register_integrationen(con, stichtag)
    register_vermittlungen(con)
    register_phasen(con, stichtag)
    register_nachhaltigkeit(con, stichtag, settings.nachhaltigkeit_monate)


# --------------------------------------------------------------------------------------------
# The published tables (kennzahlen.md, "The published contract")
# --------------------------------------------------------------------------------------------

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
    (SELECT count(*) FROM tn_teilnehmende),
    (SELECT count(*) FROM tn_teilnehmende WHERE austritt IS NULL OR $stichtag <= austritt),
    (SELECT count(*) FROM tn_teilnehmende WHERE austritt <= $stichtag),
    (SELECT count(DISTINCT tn_id) FROM tn_vermittlungen),
    (SELECT count(*) FROM tn_vermittlungen),
    (SELECT count(*) FROM tn_minijobs),
    phasen.phase_1, phasen.phase_2, phasen.phase_3
FROM (
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
)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the empty contract tables of schema ``kennzahlen`` with their COMMENTs."""
    con.execute("CREATE SCHEMA IF NOT EXISTS kennzahlen")
    for name, (table_comment, cols) in TABELLEN.items():
        coldefs = ", ".join(f"{c} {t}" for c, t, _ in cols)
        con.execute(f"CREATE OR REPLACE TABLE kennzahlen.{name} ({coldefs})")
        con.execute(f"COMMENT ON TABLE kennzahlen.{name} IS {literal(table_comment)}")
        for c, _, comment in cols:
            con.execute(f"COMMENT ON COLUMN kennzahlen.{name}.{c} IS {literal(comment)}")


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


def ueberblick(con: duckdb.DuckDBPyConnection, stichtag: date) -> list[tuple[str, float]]:
    """The ``kennzahlen.ueberblick`` rows this module owns, as of the Stichtag."""
    gesamt, aktiv, austritte, personen, vermittlungen, minijobs, p1, p2, p3 = con.execute(
        UEBERBLICK_SQL, {"stichtag": stichtag, "tag": stichtag}
    ).fetchone()
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
    }
    return [(k, float(werte[k])) for k in UEBERBLICK_KEYS]


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True if the caller holds an open transaction on ``con``.

    In auto-commit mode every statement gets its own transaction id; inside an explicit
    transaction two statements share one. (A failed BEGIN would abort the caller's transaction,
    so it cannot be used as the probe.)"""
    first = con.execute("SELECT txid_current()").fetchone()[0]
    return con.execute("SELECT txid_current()").fetchone()[0] == first


def build_teilnahme_kennzahlen(
    con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date
) -> list[tuple[str, float]]:
    """Build ``kennzahlen.phasen_bestand``, ``phasen_bewegungen``, ``phasen_dauer``,
    ``vermittlungen``, ``nachhaltigkeit`` and ``sprache`` from the ``aktuell.*`` views of ``con``
    and return the ueberblick rows (kennzahl, wert) for the participant figures.

    Runs in one transaction when the caller has none open, so a failure leaves the previous
    tables in place.
    """
    own_tx = not _in_transaction(con)
    if own_tx:
        con.execute("BEGIN TRANSACTION")
    try:
        register_berichtsmonate(con, settings.programmstart, stichtag)
        register_regeln(con, settings, stichtag)
        create_tables(con)
        fill_tables(con, stichtag)
        rows = ueberblick(con, stichtag)
    except BaseException:
        if own_tx:
            con.execute("ROLLBACK")
        raise
    if own_tx:
        con.execute("COMMIT")
    return rows
