"""Metrics II: mentoring (docs/mentoring.md): the published tables ``kennzahlen.mentoring`` and
``kennzahlen.zuschuss_budget`` and the ueberblick rows of the mentoring figures.

Plain functions over a DuckDB connection to the warehouse (the ``aktuell.*`` views); the Dagster
asset and the asset checks only wire them. The parts:

- :mod:`assets.metrics.mentoring_figures`: the TEMP tables (:func:`prepare_mentoring`) and the
  figures read from them;
- :mod:`assets.metrics.budget`: the allowance budget and its forecast (pure);
- :mod:`assets.metrics.mentoring_findings`: the mentor-side findings (``mentoring_befunde``);
- :mod:`assets.metrics.mentoring_text`: the German paragraphs for the Mitteilungsvorlage.
"""

from __future__ import annotations

from datetime import date

import duckdb

from assets.metrics.budget import BUDGET_COLUMNS, BUDGET_COMMENT, BUDGET_TABLE
from assets.metrics.ddl import create_commented_table
from assets.metrics.mentoring_figures import (
    budget_rows,
    prepare_mentoring,
    stichtag_werte,
    summen_seit_programmstart,
)
from sources.settings import Settings
from sources.transaction import atomic

# The ueberblick keys this module owns, in publication order (docs/kennzahlen.md, Überblick).
UEBERBLICK_KEYS: tuple[str, ...] = (
    "mentorinnen_registriert",
    "mentorinnen_aktiv",
    "mentorinnen_mit_zuschuss",
    "mentorinnen_geschult",
    "tandems_aktiv",
    "kontaktstunden",
    "zuschuss_ausgezahlt_eur",
    "zuschuss_rest_eur",
    "co2_kg",
)

MENTORING_TABLE = "kennzahlen.mentoring"

MENTORING_COMMENT = (
    "Mentoring je Berichtsmonat (kennzahlen.md, Abschnitt Mentoring): Bestände am Zähltag (letzter Tag "
    "des Monats bzw. Stichtag), Kontakte, Stunden, Kilometer, CO2 und Ehrenamtszuschuss als Fluss vom "
    "1. des Monats bis zum Zähltag."
)
MENTORING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("monat", "DATE", "Berichtsmonat (1. des Monats)."),
    ("mentorinnen_registriert", "BIGINT",
     "Mentor*innen, die am Zähltag registriert sind (Eintritt <= Zähltag und Austritt leer oder >= Zähltag)."),
    ("mentorinnen_aktiv", "BIGINT",
     "Mentor*innen mit mindestens einem am Zähltag laufenden Tandem (kennzahlen.md; auch nach ihrem Austritt, das meldet die Prüfung tandem_nach_austritt_mentorin)."),
    ("tandems_aktiv", "BIGINT",
     "Am Zähltag laufende Tandems (Beginn <= Zähltag und Ende leer oder >= Zähltag); Tandems von Teilnehmenden ohne Einwilligung zählen nicht."),
    ("kontakte", "BIGINT", "Mentoring-Kontakte mit Datum vom 1. des Monats bis zum Zähltag."),
    ("stunden", "DOUBLE", "Kontaktstunden im Monat: Summe der Kontaktminuten / 60."),
    ("kilometer", "DOUBLE", "Von den Mentor*innen für die Kontakte des Monats zurückgelegte Kilometer."),
    ("co2_kg", "DOUBLE",
     "CO2-Äquivalente in kg: Kilometer x Emissionsfaktor des Verkehrsmittels (Konfiguration, UBA/TREMOD)."),
    ("zuschuss_eur", "DOUBLE",
     "Ehrenamtszuschuss in EUR: Stunden der Kontakte von Mentor*innen mit Ehrenamtszuschuss = ja x Stundensatz."),
)

MENTORING_SQL = f"""
INSERT INTO {MENTORING_TABLE}
SELECT monat, mentorinnen_registriert, mentorinnen_aktiv, tandems_aktiv, kontakte,
       minuten / 60.0, kilometer::DOUBLE, co2_kg::DOUBLE, zuschuss_minuten * ? / 60.0
FROM mentoring_monate ORDER BY monat
"""


def build_mentoring_kennzahlen(
    con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date
) -> list[tuple[str, float]]:
    """(Re)create ``kennzahlen.mentoring`` and ``kennzahlen.zuschuss_budget`` and return the
    ueberblick rows of the mentoring figures, as of ``stichtag``.

    Reads ``aktuell.mentorinnen``, ``aktuell.tandems``, ``aktuell.kontakte`` and
    ``aktuell.teilnehmende`` (consenting participants). Raises
    :class:`~assets.metrics.mentoring_figures.FehlenderEmissionsfaktor` before writing anything if
    kilometres use a Verkehrsmittel without a configured factor. Runs in one transaction when the
    caller has none open, so a failure leaves the previous tables.
    """
    with atomic(con):
        rows = ueberblick_werte(con, settings, stichtag)  # prepares the TEMP tables the tables below read
        _write_tables(con, settings, budget_rows(con, settings))
    return rows


def ueberblick_werte(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> list[tuple[str, float]]:
    """The ueberblick rows of the mentoring figures as of ``stichtag``, from TEMP tables alone: no
    persistent table is written (assets/metrics/neuberechnung.py recomputes an earlier Stichtag)."""
    prepare_mentoring(con, settings, stichtag)
    werte: dict[str, float] = {k: float(v) for k, v in stichtag_werte(con, stichtag).items()}
    werte.update(summen_seit_programmstart(con, settings))
    return [(k, werte[k]) for k in UEBERBLICK_KEYS]


def _write_tables(con: duckdb.DuckDBPyConnection, settings: Settings, budget_rows: list[tuple]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS kennzahlen")
    create_commented_table(con, MENTORING_TABLE, MENTORING_COLUMNS, MENTORING_COMMENT)
    con.execute(MENTORING_SQL, [settings.stundensatz_eur])
    create_commented_table(con, BUDGET_TABLE, BUDGET_COLUMNS, BUDGET_COMMENT)
    if budget_rows:
        placeholders = ", ".join("?" for _ in BUDGET_COLUMNS)
        con.executemany(f"INSERT INTO {BUDGET_TABLE} VALUES ({placeholders})", budget_rows)
