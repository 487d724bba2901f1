"""The TEMP tables every mentoring figure is computed from, and the figures read from them
(docs/mentoring.md). Used by the published tables (:mod:`assets.metrics.mentoring`), the
mentor-side checks (:mod:`assets.metrics.mentoring_findings`) and the council text blocks
(:mod:`assets.metrics.mentoring_text`).

The helpers live in TEMP tables prefixed ``mentoring_`` so that nothing but the published tables
lands in schema ``kennzahlen``.
"""

from __future__ import annotations

from datetime import date

import duckdb

from assets.metrics import sql
from assets.metrics.budget import budget_zeilen
from sources.settings import Settings
from sources.zeitraum import register_berichtsmonate

# --- preparation: temp tables -------------------------------------------------------------------


class FehlenderEmissionsfaktor(ValueError):
    """Contacts with kilometres use a Verkehrsmittel that has no configured emission factor."""


def register_emissionsfaktoren(con: duckdb.DuckDBPyConnection, faktoren: dict[str, float]) -> None:
    """(Re)create the temp table ``mentoring_faktoren(verkehrsmittel, kg_je_km)`` from the settings."""
    con.execute("CREATE OR REPLACE TEMP TABLE mentoring_faktoren (verkehrsmittel VARCHAR, kg_je_km DOUBLE)")
    if faktoren:
        con.executemany("INSERT INTO mentoring_faktoren VALUES (?, ?)", [(k, float(v)) for k, v in faktoren.items()])


FEHLENDE_FAKTOREN_SQL = (
    "SELECT DISTINCT coalesce(verkehrsmittel, '(leer)') FROM mentoring_kontakte "
    "WHERE kilometer > 0 AND kg_je_km IS NULL ORDER BY 1"
)


def pruefe_emissionsfaktoren(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse to publish a CO2 figure that silently leaves out kilometres without a factor."""
    fehlend = [r[0] for r in con.execute(FEHLENDE_FAKTOREN_SQL).fetchall()]
    if fehlend:
        raise FehlenderEmissionsfaktor(
            "Für diese Verkehrsmittel ist kein Emissionsfaktor konfiguriert (emissionsfaktoren_kg_km): "
            + ", ".join(fehlend)
        )


def prepare_mentoring(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> None:
    """Create the temp tables every figure of this module is computed from.

    ``berichtsmonate`` (zeitraum.py), ``mentoring_faktoren``, ``mentoring_tandems`` (tandems that
    count), ``mentoring_kontakte`` (contacts up to the Stichtag, with mentor, factor and
    zuschussfaehig) and ``mentoring_monate`` (one row per Berichtsmonat). Nothing is written to a
    persistent schema.
    """
    schluessel = _vorbereitung(con, settings, stichtag)
    # Looked up in the catalog, not tried: a failed statement would abort the caller's transaction.
    vorhanden = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '_mentoring_vorbereitet'"
    ).fetchone()[0]
    row = con.execute("SELECT schluessel FROM _mentoring_vorbereitet").fetchone() if vorhanden else None
    if row and row[0] == schluessel:
        return  # built by an earlier step of this run on the same rows and settings
    register_berichtsmonate(con, settings.programmstart, stichtag)
    register_emissionsfaktoren(con, settings.emissionsfaktoren_kg_km)
    con.execute(sql.load("mentoring_tandems.sql"), [settings.run_day])
    con.execute(sql.load("mentoring_kontakte.sql"), [stichtag])
    pruefe_emissionsfaktoren(con)
    con.execute(sql.load("mentoring_monate.sql"))
    con.execute("CREATE OR REPLACE TEMP TABLE _mentoring_vorbereitet AS SELECT ?::VARCHAR AS schluessel", [schluessel])


# The tables prepare_mentoring reads. The run's steps share one connection, so its TEMP tables
# outlive a step; the metrics, the mentoring check and the council text blocks would otherwise
# build them three times (a third of a run at a million participants).
_MENTORING_QUELLEN = ("mentorinnen", "tandems", "kontakte", "teilnehmende")


def _vorbereitung(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> str:
    """What the prepared tables are a function of: the rows (count and hash of every row), the
    settings with the run day, and the Stichtag. Any change rebuilds them."""
    teile = [str(stichtag), settings.model_copy(update={"heute": settings.run_day}).model_dump_json()]
    for name in _MENTORING_QUELLEN:
        # Table names are constants above, not input.
        n, h = con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM aktuell.{name} t").fetchone()
        teile.append(f"{name}:{n}:{h}")
    return "|".join(teile)


# --- figures read from the prepared tables (each needs prepare_mentoring) -----------------------


def budget_rows(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[tuple]:
    """Rows of kennzahlen.zuschuss_budget from the temp table mentoring_monate."""
    monate_roh = con.execute(sql.load("mentoring_budget_monate.sql")).fetchall()
    return budget_zeilen(monate_roh, settings.stundensatz_eur, settings.budget_eur, settings.prognose_monate)


STICHTAG_KEYS = ("mentorinnen_registriert", "mentorinnen_aktiv", "mentorinnen_mit_zuschuss", "mentorinnen_geschult", "tandems_aktiv")


def stichtag_werte(con: duckdb.DuckDBPyConnection, stichtag: date) -> dict[str, int]:
    """The mentor and tandem stocks on the Stichtag."""
    r = con.execute(sql.load("mentoring_stichtag.sql"), [stichtag]).fetchone()
    return dict(zip(STICHTAG_KEYS, (int(v) for v in r)))


SUMMEN_SQL = (
    "SELECT coalesce(sum(minuten), 0), coalesce(sum(zuschuss_minuten), 0), coalesce(sum(kilometer), 0), "
    "coalesce(sum(co2_kg), 0), coalesce(sum(kontakte), 0) FROM mentoring_monate"
)


def summen_seit_programmstart(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, float]:
    """Flows summed over all Berichtsmonate (= column sums of kennzahlen.mentoring)."""
    minuten, zuschuss_minuten, km, co2, kontakte = con.execute(SUMMEN_SQL).fetchone()
    zuschuss = float(zuschuss_minuten) * settings.stundensatz_eur / 60.0
    return {
        "kontakte": float(kontakte),
        "kontaktstunden": float(minuten) / 60.0,
        "kilometer": float(km),
        "co2_kg": float(co2),
        "zuschuss_ausgezahlt_eur": zuschuss,
        "zuschuss_rest_eur": settings.budget_eur - zuschuss,
    }
