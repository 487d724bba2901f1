"""The shape of a finding (``Befund``) and its severities, shared by the triage, the reference
and consent gate (``sources/linking.py``), the load and the checks: one finding per problem with
line, column, rule id and a German reason; never a cell's content."""

from __future__ import annotations

import polars as pl

FEHLER = "FEHLER"
WARNUNG = "WARNUNG"
HINWEIS = "HINWEIS"

BEFUND_SCHEMA = {"zeile": pl.Int64, "spalte": pl.String, "regel": pl.String, "schwere": pl.String, "grund": pl.String}


def empty_befunde() -> pl.DataFrame:
    return pl.DataFrame(schema=BEFUND_SCHEMA)
