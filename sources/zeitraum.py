"""The reporting period: Stichtag, Berichtsmonate and Zähltage (docs/kennzahlen.md, "Grundbegriffe")."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import duckdb

from sources.formats import datum
from sources.kinds import ALL_KINDS
from sources.sql import relation_exists

# Kinds whose Datenstand bounds the default Stichtag: every kind the metrics read. The optional
# employer network does not feed any published figure, so a stale one must not hold the report back.
STICHTAG_KINDS: tuple[str, ...] = tuple(k.name for k in ALL_KINDS if k.required_kind)


class KeinStichtag(RuntimeError):
    """No valid snapshot of any required kind: there is nothing to report on."""


def default_stichtag(datenstaende: dict[str, date]) -> date:
    """Oldest Datenstand among the newest valid snapshots of the required kinds present.

    ``datenstaende`` maps kind -> Datenstand of its snapshot in use. Kinds that were never
    delivered are skipped; the participant registry must be there.
    """
    relevant = {k: d for k, d in datenstaende.items() if k in STICHTAG_KINDS and d is not None}
    if "teilnehmende" not in relevant:
        raise KeinStichtag("Es gibt keinen gültigen Export der Teilnehmendenliste (asyl/teilnehmende_JJJJ-MM-TT.csv).")
    return min(relevant.values())


def datenstaende_in_use(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """kind -> Datenstand of the snapshot the run uses (``intern.staende``: the newest valid one,
    or the newest on or before the run's Datenstand limit)."""
    rows = con.execute("SELECT art, max(datenstand) FROM intern.staende GROUP BY art").fetchall()
    return {art: ds for art, ds in rows}


def reproduktion_bis(con: duckdb.DuckDBPyConnection) -> date | None:
    """The Datenstand limit the warehouse's selection follows (``intern.auswahl``), or None."""
    if not relation_exists(con, "intern", "auswahl"):
        return None
    return con.execute("SELECT max(datenstand_bis) FROM intern.auswahl").fetchall()[0][0]


def resolve_stichtag(con: duckdb.DuckDBPyConnection, explicit: date | None) -> date:
    if explicit is None:
        return default_stichtag(datenstaende_in_use(con))
    # A reproduction whose limit lies before every registry snapshot would publish a report of
    # nobody under the Stichtag of a real one: refused like a run without any registry.
    bis = reproduktion_bis(con)
    if bis is not None and "teilnehmende" not in datenstaende_in_use(con):
        raise KeinStichtag(f"Bis zum Datenstand {datum(bis)} gibt es keinen gültigen Stand der Teilnehmendenliste im Warehouse.")
    return explicit


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


@dataclass(frozen=True)
class Berichtsmonat:
    monat: date  # 1st of the month
    zaehltag: date  # last day of the month, or the Stichtag in the Stichtag's month


def berichtsmonate(programmstart: date, stichtag: date) -> list[Berichtsmonat]:
    """Every calendar month from the programme start's month to the Stichtag's month."""
    out: list[Berichtsmonat] = []
    y, m = programmstart.year, programmstart.month
    while (y, m) <= (stichtag.year, stichtag.month):
        first = date(y, m, 1)
        out.append(Berichtsmonat(first, min(month_end(first), stichtag)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def register_berichtsmonate(con: duckdb.DuckDBPyConnection, programmstart: date, stichtag: date) -> None:
    """(Re)create the temp table ``berichtsmonate(monat, zaehltag)`` for the metric SQL to join on."""
    con.execute("CREATE OR REPLACE TEMP TABLE berichtsmonate (monat DATE, zaehltag DATE)")
    rows = [(b.monat, b.zaehltag) for b in berichtsmonate(programmstart, stichtag)]
    if rows:  # a Stichtag before the programme start has none (DuckDB refuses an empty executemany)
        con.executemany("INSERT INTO berichtsmonate VALUES (?, ?)", rows)
