"""Council tables: schema ``bericht``, built from ``kennzahlen.*`` through the disclosure package.

Everything the public sees (these tables and every file built from them) is aggregated to
quarters or years, so that at Hilden's scale (tens of people) most cells stay publishable, and
passes through ``assets.report.disclosure`` in one go: the same figure in two tables is
suppressed in both, totals and breakdowns are protected across tables. Values are text in the
notation of official statistics (``*``, ``–``, ``x``). docs/bericht.md explains the choices.

Entry point: ``build_bericht_tables(con, settings, stichtag) -> {tabelle: zeilen}``.

Modules: ``specs`` (what each table shows), ``reading`` (kennzahlen to quarters and years),
``detail_tables`` and ``overview`` (registration with the disclosure control),
``budget_forecast``, ``footnotes`` (Datenbasis and footnotes), ``werte`` (schema ``bericht_werte``:
the same tables with numbers), ``builder`` (the whole run).
This namespace is the public API.
"""

from __future__ import annotations

from assets.report.bericht_tables.budget_forecast import PROGNOSE, Prognose, budget_prognose
from assets.report.bericht_tables.builder import berechnen, build_bericht_tables, tabellen_sha
from assets.report.bericht_tables.footnotes import DATENSTAND_PREFIX
from assets.report.bericht_tables.overview import ANTEIL_12M, BEWERTBAR_12M, INTEGRATIONSQUOTE_12M, NACHHALTIG_12M
from assets.report.bericht_tables.werte import SCHEMA_WERTE
from assets.report.bericht_tables.specs import (
    BA_VERGLEICH_HINWEIS,
    EINHEITEN,
    INSGESAMT,
    MERKMAL_TITEL,
    SCHEMA,
    ZAEHL_EINHEITEN,
    Spalte,
    TabellenSpec,
    tabellen_specs,
)


__all__ = [
    "ANTEIL_12M",
    "BA_VERGLEICH_HINWEIS",
    "BEWERTBAR_12M",
    "DATENSTAND_PREFIX",
    "EINHEITEN",
    "INSGESAMT",
    "INTEGRATIONSQUOTE_12M",
    "MERKMAL_TITEL",
    "NACHHALTIG_12M",
    "PROGNOSE",
    "SCHEMA",
    "SCHEMA_WERTE",
    "ZAEHL_EINHEITEN",
    "Prognose",
    "Spalte",
    "TabellenSpec",
    "berechnen",
    "budget_prognose",
    "build_bericht_tables",
    "tabellen_sha",
    "tabellen_specs",
]
