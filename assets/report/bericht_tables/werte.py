"""Schema ``bericht_werte``: the council tables of schema ``bericht`` with their numbers as
numbers, for analysts who compute with the published figures (docs/kennzahlen.md, version 2).

Same tables, columns, rows and order as ``bericht``, written in the same transaction from the
same suppressed cells the text is formatted from (``Bericht.zahl``), so the two cannot disagree;
every value is checked against its printed text on the way. Per column:

- a value column registered with the disclosure control with a fixed kind: BIGINT for counts,
  DOUBLE for amounts, medians and rates; a column whose kind is given per row (the overview and
  the change table mix persons, EUR and percent): DOUBLE;
- label columns (Quartal, Zeitraum, Stand am, Einheit, ...) and the tables without numbers
  (datenbasis, fussnoten): VARCHAR, as in ``bericht``;
- NULL where ``bericht`` shows ``*``, ``x`` or a text in a number column (the month of the budget
  forecast); 0 where it shows ``–``;
- values rounded as printed (nothing more precise than the public text); rates as fractions
  0..1 as in ``kennzahlen`` and the XLSX ('66,7 %' -> 0.667).

A table added to ``specs.tabellen_specs`` gets its twin here without further code.
"""

from __future__ import annotations

import duckdb
import polars as pl

from assets.report.bericht_tables import ddl
from assets.report.bericht_tables.specs import Spalte, TabellenSpec
from assets.report.disclosure import GESPERRT, NICHT_SINNVOLL, NICHTS, Art, Bericht

SCHEMA_WERTE = "bericht_werte"
TEXT, GANZZAHL, KOMMAZAHL = "VARCHAR", "BIGINT", "DOUBLE"

HINWEIS_TABELLE = ("Die Werte der Tabelle bericht.{name} als Zahlen: NULL, wo dort * (geheim gehalten) oder x (nicht "
                   "sinnvoll) steht, 0 für –; gerundet wie gedruckt, Anteile als Bruch (0,667 = 66,7 %).")
NULL_NULL = "NULL = * oder x, 0 = –"
HINWEIS_SPALTE = {  # what the number means, by how the column was registered
    Art.ANZAHL: f"Anzahl; {NULL_NULL}",
    Art.QUOTE: "Anteil als Bruch 0..1 (0,471 = 47,1 %); NULL = * oder x",
    Art.BETRAG: f"gerundet wie gedruckt; {NULL_NULL}",
    Art.MEDIAN: "gerundet wie gedruckt; NULL = * oder x",
    None: "Anzahl, Betrag oder Anteil (Bruch 0..1) je nach Einheit der Zeile, gerundet wie gedruckt; NULL = *, x oder "
          "ein Text (der Monat der Budgetprognose), 0 = –",
}


def spalten_typen(spec: TabellenSpec, bericht: Bericht) -> list[tuple[Spalte, str]]:
    """The SQL type of every column of a table, from how the disclosure control registered it."""
    aufbau = bericht.aufbau.get(spec.name)
    out = []
    for s in spec.spalten:
        if s.art is None:
            out.append((s, TEXT))
            continue
        if aufbau is None or s.name not in aufbau.arten:
            raise RuntimeError(f"bericht.{spec.name}.{s.name}: Zahlenspalte ohne Zellen der Geheimhaltung")
        out.append((s, GANZZAHL if aufbau.arten[s.name] is Art.ANZAHL else KOMMAZAHL))
    return out


def _gleich_gedruckt(tabelle: str, spalte: str, text: str | None, wert: int | float | None) -> None:
    """The number and its printed text say the same (a guard: both come from the same cell)."""
    if (text in (GESPERRT, NICHT_SINNVOLL) and wert is not None) or (text == NICHTS and wert != 0) \
            or (wert is None and text not in (GESPERRT, NICHT_SINNVOLL) and text is not None and text[:1].isdigit()):
        raise RuntimeError(f"bericht_werte.{tabelle}.{spalte}: {wert!r} passt nicht zum gedruckten {text!r}")


def zeilen(spec: TabellenSpec, typen: list[tuple[Spalte, str]], bericht: Bericht, frame: pl.DataFrame) -> list[list]:
    """The rows of the twin of ``bericht.<spec.name>``, whose text rows are ``frame``."""
    aufbau = bericht.aufbau.get(spec.name)
    if aufbau is not None and len(aufbau.zeilen) != frame.height:
        raise RuntimeError(f"bericht.{spec.name}: {frame.height} Zeilen, {len(aufbau.zeilen)} in der Geheimhaltung")
    out = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        werte = []
        for s, typ in typen:
            if typ == TEXT:
                werte.append(row[s.name])
                continue
            wert = bericht.zahl((spec.name, aufbau.zeilen[i], s.name))
            _gleich_gedruckt(spec.name, s.name, row[s.name], wert)
            werte.append(wert)
        out.append(werte)
    return out


def schreiben(con: duckdb.DuckDBPyConnection, specs: dict[str, TabellenSpec], bericht: Bericht,
              tabellen: dict[str, pl.DataFrame], noten: dict[str, list[str]]) -> dict[str, int]:
    """(Re)create schema ``bericht_werte`` beside ``bericht`` (inside the caller's transaction);
    returns rows per table."""
    ddl.schema_neu(con, SCHEMA_WERTE)
    counts = {}
    for name, spec in specs.items():  # names and columns are our constants
        typen = spalten_typen(spec, bericht)
        rows = zeilen(spec, typen, bericht, tabellen[name])
        arten = bericht.aufbau[name].arten if name in bericht.aufbau else {}
        spalten = [(s.name, typ, s.beschreibung if typ == TEXT else f"{s.beschreibung} ({HINWEIS_SPALTE[arten[s.name]]})")
                   for s, typ in typen]
        ddl.tabelle_anlegen(con, SCHEMA_WERTE, name, spalten, rows,
                            " ".join([f"{spec.titel}.", HINWEIS_TABELLE.format(name=name), *noten.get(name, [])]))
        counts[name] = len(rows)
    return counts
