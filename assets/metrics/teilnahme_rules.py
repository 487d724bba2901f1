"""Metrics I, the rules: who counts, qualification, take-ups, placements under BA rules, phases and
sustainability (docs/kennzahlen.md). :mod:`assets.metrics.teilnahme` aggregates them into the
published tables.

Every domain rule is one named SQL statement below, run by a plain function on a DuckDB
connection that holds the warehouse (``aktuell.*`` views). The rules build per-person TEMP tables
(prefix ``tn_``; personal microdata never goes into schema ``kennzahlen``, which is published).

Order of the rules (each reads the tables of the ones before it):

1. :func:`register_teilnehmende`  -> ``tn_teilnehmende``  who counts
2. :func:`register_qualifizierung` -> ``tn_qualifizierung`` qualification events, effective start
3. :func:`register_integrationen` -> ``tn_integrationen`` every take-up, classified
4. :func:`register_vermittlungen` -> ``tn_vermittlungen``, ``tn_minijobs`` BA counting;
   :func:`register_stand` -> ``tn_stand`` active, left, placed as of the Stichtag
5. :func:`register_phasen`        -> ``tn_phasen``        phase-2 and phase-3 start per person
6. :func:`register_nachhaltigkeit` -> ``tn_nachhaltigkeit`` check day and result per placement
7. :func:`register_nachhaltigkeit_12m` -> ``tn_nachhaltigkeit_12m`` the BA-comparable one (12 months);
   :func:`integrationsquote_12m` the BA-comparable placement rate (one row, no TEMP table)

Decisions where the spec is silent are marked ``Entscheidung`` and listed in docs/kennzahlen.md.
"""

from __future__ import annotations

from datetime import date

import duckdb
from dateutil.relativedelta import relativedelta

from sources.jobcenter import INTEGRATIONSARTEN
from sources.settings import Settings

# BA integration (§48a SGB II): the four take-up kinds that count; `geringfügig` never does.
MINIJOB = "geringfügig"
INTEGRATIONSARTEN_BA: tuple[str, ...] = tuple(a for a in INTEGRATIONSARTEN if a != MINIJOB)
# A publicly subsidised job (§16i SGB II) is not an integration in the BA's sense; a wage subsidy
# (EGZ) still is.
FOERDERUNG_AUSGESCHLOSSEN = "§16i"
KURS_STORNIERT = "storniert"
MASSNAHME_GEPLANT = "geplant"


# --------------------------------------------------------------------------------------------
# 1. Who counts
# --------------------------------------------------------------------------------------------

TEILNEHMENDE_SQL = """
-- Participants: rows of the registry snapshot in use with consent and without (effective)
-- withdrawal, whose Eintritt is on or before the Stichtag. The warehouse applies consent already
-- at parse time; the rule is repeated here so the figures never depend on that alone.
-- Entscheidung: a Widerruf dated after the day of the run is not yet effective (docs/entscheidungen.md).
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


STAND_SQL = """
-- Each participant's standing as of the Stichtag: the one definition behind the overview's
-- teilnehmende_gesamt (every row), teilnehmende_aktiv, austritte and personen_mit_vermittlung, and
-- behind their breakdown by Merkmal (kennzahlen.merkmale), so the two always add up. A person
-- leaving on the Stichtag is both active and left (active on d: d <= Austritt).
CREATE OR REPLACE TEMP TABLE tn_stand AS
SELECT p.tn_id,
       (p.austritt IS NULL OR $stichtag <= p.austritt) AS aktiv,
       coalesce(p.austritt <= $stichtag, false) AS ausgetreten,
       EXISTS (SELECT 1 FROM tn_vermittlungen v WHERE v.tn_id = p.tn_id) AS mit_vermittlung
FROM tn_teilnehmende p
"""


def register_stand(con: duckdb.DuckDBPyConnection, stichtag: date) -> None:
    """``tn_stand(tn_id, aktiv, ausgetreten, mit_vermittlung)``: per participant, as of the Stichtag."""
    con.execute(STAND_SQL, {"stichtag": stichtag})


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


# --------------------------------------------------------------------------------------------
# 7. BA-comparable rates (§48a SGB II, in substance)
# --------------------------------------------------------------------------------------------

# The BA's window: the contract names it in its keys (integrationsquote_12m, nachhaltig_12m), so
# it is part of the definition, not a setting (another number would need other key names).
BA_MONATE = 12
SELBSTAENDIGKEIT = "Selbständigkeit"
# What holds a placement after 12 months in the BA's sense: employment subject to social insurance
# or vocational training (the BA reads both from the SV-Meldungen, which know no self-employment).
ARTEN_SV: tuple[str, ...] = tuple(a for a in INTEGRATIONSARTEN_BA if a != SELBSTAENDIGKEIT)


def ba_zeitraum_beginn(stichtag: date) -> date:
    """First day of the BA window: the Stichtag's month and the 11 calendar months before it."""
    return stichtag.replace(day=1) - relativedelta(months=BA_MONATE - 1)


INTEGRATIONSQUOTE_12M_SQL = """
-- integrationsquote_12m (K2 in substance): placements (BA counting, tn_vermittlungen) with their
-- month among the Berichtsmonate of the window, divided by the mean of the active participants on
-- those months' Zähltage (the stock of phasen_bestand.aktiv: Eintritt <= Zähltag <= Austritt).
-- Entscheidung: numerator and denominator run over the same Berichtsmonate, so a programme
-- younger than the window is measured over the months it has (no annualising), and a placement
-- before the programme start (in no Berichtsmonat) does not count, as in kennzahlen.vermittlungen.
-- NULL without a Berichtsmonat in the window, or when nobody was active on any of its Zähltage.
WITH monate AS (SELECT monat, zaehltag FROM berichtsmonate WHERE monat >= $von),
bestand AS (
    SELECT m.monat, count(p.tn_id) AS aktiv
    FROM monate m
    LEFT JOIN tn_teilnehmende p
      ON p.eintritt <= m.zaehltag AND (p.austritt IS NULL OR m.zaehltag <= p.austritt)
    GROUP BY m.monat
),
zaehler AS (SELECT count(*) AS n FROM tn_vermittlungen WHERE monat IN (SELECT monat FROM monate))
SELECT zaehler.n, avg(bestand.aktiv), zaehler.n / nullif(avg(bestand.aktiv), 0)
FROM zaehler LEFT JOIN bestand ON true
GROUP BY zaehler.n
"""


def integrationsquote_12m(con: duckdb.DuckDBPyConnection, stichtag: date) -> tuple[int, float | None, float | None]:
    """(placements in the window, mean active on its Zähltage, rate 0..; None without a month).
    Reads ``berichtsmonate``, ``tn_teilnehmende`` and ``tn_vermittlungen``."""
    n, bestand, quote = con.execute(INTEGRATIONSQUOTE_12M_SQL, {"von": ba_zeitraum_beginn(stichtag)}).fetchone()
    return int(n), bestand, quote


NACHHALTIGKEIT_12M_SQL = """
-- nachhaltig_12m (the BA's sustainability at 12 months, in substance): per placement (BA counting)
-- other than Selbständigkeit, check day = Beginn + 12 calendar months, clamped to the month end
-- like the 6-month rule (to_months; 29.02. + 12 months = 28.02.). Assessable if the check day is
-- on or before the Stichtag; sustained if on the check day the person holds an integration of an
-- SV kind (SVB Vollzeit, SVB Teilzeit, Ausbildung; not §16i, no mini-job): Beginn <= check day
-- and (Ende empty or Ende >= check day). Entscheidung: like the 6-month rule, any such integration
-- of the person holds (any employer, counted as a placement or not); Selbständigkeit neither
-- counts nor holds.
CREATE OR REPLACE TEMP TABLE tn_nachhaltigkeit_12m AS
WITH v AS (
    SELECT tn_id, beginn, CAST(beginn + to_months($monate) AS DATE) AS pruefdatum
    FROM tn_vermittlungen
    WHERE integrationsart <> $selbstaendigkeit
)
SELECT v.tn_id, v.beginn, v.pruefdatum,
       v.pruefdatum <= $stichtag AS bewertbar,
       v.pruefdatum <= $stichtag AND EXISTS (
           SELECT 1 FROM tn_integrationen i
           WHERE i.tn_id = v.tn_id AND i.ist_integration AND list_contains($arten_sv, i.integrationsart)
             AND i.beginn <= v.pruefdatum AND (i.ende IS NULL OR i.ende >= v.pruefdatum)
       ) AS nachhaltig
FROM v
"""


def register_nachhaltigkeit_12m(con: duckdb.DuckDBPyConnection, stichtag: date) -> None:
    """``tn_nachhaltigkeit_12m(tn_id, beginn, pruefdatum, bewertbar, nachhaltig)`` per placement
    other than Selbständigkeit."""
    con.execute(NACHHALTIGKEIT_12M_SQL, {"stichtag": stichtag, "monate": BA_MONATE,
                                         "selbstaendigkeit": SELBSTAENDIGKEIT, "arten_sv": list(ARTEN_SV)})


def register_regeln(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> None:
    """Run every rule in order: the per-person TEMP tables ``tn_*`` of this connection."""
    register_teilnehmende(con, stichtag, settings.run_day)
    register_qualifizierung(con)
    register_integrationen(con, stichtag)
    register_vermittlungen(con)
    register_stand(con, stichtag)
    register_phasen(con, stichtag)
    register_nachhaltigkeit(con, stichtag, settings.nachhaltigkeit_monate)
    register_nachhaltigkeit_12m(con, stichtag)

