"""The report series in the published contract (kennzahlen.md, version 2): ``kennzahlen.berichte``
(the release register), ``kennzahlen.veraenderung`` (the key figures against the last release)
and ``kennzahlen.revisionen`` (each release's figures as released and as recomputed today).

Pure of Dagster; the register is read from ``reihe.*`` (assets/series/register.py).
"""

from __future__ import annotations

from datetime import date
from typing import Callable

import duckdb
import polars as pl

from assets.metrics.datenqualitaet import apply_comments
from assets.series import register
from sources.formats import datum
from sources.transaction import atomic

VERAENDERUNG_KOMMENTARE = {
    "_table": "Veränderung der Kennzahlen seit dem letzten freigegebenen Bericht (ohne Geheimhaltung): eine Zeile je "
              "Kennzahl von kennzahlen.ueberblick, die eine Anzahl oder ein Betrag ist; leer vor der ersten Freigabe.",
    "kennzahl": "Name der Kennzahl wie in kennzahlen.ueberblick",
    "wert": "Wert zum Stichtag dieses Berichts",
    "wert_vorbericht": "Wert, wie er im letzten freigegebenen Bericht stand (NULL, wenn es die Kennzahl damals nicht gab)",
    "veraenderung": "wert minus wert_vorbericht",
    "stichtag_vorbericht": "Stichtag des letzten freigegebenen Berichts vor diesem Stichtag",
}
REVISIONEN_KOMMENTARE = {
    "_table": "Revisionen (intern): je freigegebenem Bericht und Kennzahl der freigegebene Wert und der Wert, der sich heute "
              "für denselben Stichtag aus den heutigen Daten ergibt (Nachmeldungen, Korrekturen, widerrufene Einwilligungen).",
    "stichtag": "Stichtag des freigegebenen Berichts",
    "kennzahl": "Name der Kennzahl wie in kennzahlen.ueberblick",
    "wert_veroeffentlicht": "Wert, wie er freigegeben wurde",
    "wert_heute": "Wert für denselben Stichtag, heute neu berechnet",
    "differenz": "wert_heute minus wert_veroeffentlicht",
}
# In a reproduction (--datenstand-bis) the figures differ from the released ones although the
# snapshots are the same: people who withdrew consent since are gone from every snapshot. The
# table says so; how many registry rows that is shows its row ohne_einwilligung (decision 35).
REPRODUKTION_HINWEIS = (
    "Reproduktion mit den Datenständen bis {bis}: wert_heute ist aus diesen Ständen neu berechnet. Wer seine Einwilligung "
    "seitdem widerrufen hat, ist darin nicht enthalten (auch nicht in den älteren Ständen); deshalb kann wert_heute vom "
    "freigegebenen Wert abweichen. Um wie viele Einträge der Teilnehmendenliste, zeigt die Zeile ohne_einwilligung."
)

_VERAENDERUNG = {"kennzahl": pl.String, "wert": pl.Float64, "wert_vorbericht": pl.Float64, "veraenderung": pl.Float64,
                 "stichtag_vorbericht": pl.Date}
_REVISIONEN = {"stichtag": pl.Date, "kennzahl": pl.String, "wert_veroeffentlicht": pl.Float64, "wert_heute": pl.Float64,
               "differenz": pl.Float64}


def ist_anzahl_oder_betrag(kennzahl: str) -> bool:
    """Rates (``*quote*``, fractions 0..1) have no change in the contract's sense."""
    return "quote" not in kennzahl


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def veraenderung(jetzt: list[tuple[str, float | None]], vor: dict[str, float | None], vor_stichtag: date | None) -> pl.DataFrame:
    """One row per count or amount key of the overview: now, as released, and the change."""
    rows = [(k, w, vor.get(k), _minus(w, vor.get(k)), vor_stichtag) for k, w in jetzt if ist_anzahl_oder_betrag(k)]
    return pl.DataFrame(rows if vor_stichtag else [], schema=_VERAENDERUNG, orient="row")


def revisionen(freigaben: list[tuple[date, dict[str, float | None]]], heute: Callable[[date], dict[str, float | None]]) -> pl.DataFrame:
    """For each release (Stichtag, figures as released) and each of its count or amount keys,
    the figure as released and as recomputed today for that Stichtag."""
    rows = []
    for stichtag, released in freigaben:
        neu = heute(stichtag)
        rows += [(stichtag, k, w, neu.get(k), _minus(neu.get(k), w)) for k, w in released.items() if ist_anzahl_oder_betrag(k)]
    return pl.DataFrame(rows, schema=_REVISIONEN, orient="row")


def _schreiben(con: duckdb.DuckDBPyConnection, tabelle: str, df: pl.DataFrame, kommentare: dict[str, str]) -> None:
    con.register("_reihe", df)
    con.execute(f"CREATE OR REPLACE TABLE kennzahlen.{tabelle} AS SELECT * FROM _reihe")  # our constant
    con.unregister("_reihe")
    apply_comments(con, f"kennzahlen.{tabelle}", kommentare)


def revisionen_kommentare(datenstand_bis: date | None) -> dict[str, str]:
    """The comments of kennzahlen.revisionen; a reproduction adds why its figures differ."""
    if datenstand_bis is None:
        return REVISIONEN_KOMMENTARE
    tabelle = REVISIONEN_KOMMENTARE["_table"] + " " + REPRODUKTION_HINWEIS.format(bis=datum(datenstand_bis))
    return {**REVISIONEN_KOMMENTARE, "_table": tabelle}


def build_berichtsreihe(
    con: duckdb.DuckDBPyConnection, stichtag: date, heute: Callable[[date], dict[str, float | None]],
    datenstand_bis: date | None = None,
) -> dict[str, int]:
    """(Re)build the three tables; ``heute(s)`` gives the overview for Stichtag ``s`` with the
    data in use (the current overview for this run's own Stichtag); ``datenstand_bis``: the
    run's limit when it is a reproduction.

    The recomputations come first, outside any transaction (assets/metrics/neuberechnung.py
    needs its own); the three tables are then replaced in one."""
    jetzt = con.execute("SELECT kennzahl, wert FROM kennzahlen.ueberblick").fetchall()
    vor = register.vorbericht(con, stichtag)
    df_v = veraenderung(jetzt, register.kennzahlen_von(con, vor.stichtag.isoformat()) if vor else {}, vor.stichtag if vor else None)
    freigaben = [(f.stichtag, register.kennzahlen_von(con, f.stichtag.isoformat())) for f in register.freigaben(con)]

    def heute_oder_jetzt(s: date) -> dict[str, float | None]:
        return dict(jetzt) if s == stichtag else heute(s)

    df_r = revisionen(freigaben, heute_oder_jetzt)
    with atomic(con):
        n = {"berichte": register.build_berichte_table(con)}
        _schreiben(con, "veraenderung", df_v, VERAENDERUNG_KOMMENTARE)
        _schreiben(con, "revisionen", df_r, revisionen_kommentare(datenstand_bis))
    return {**n, "veraenderung": df_v.height, "revisionen": df_r.height}
