"""Building schema ``bericht``: read ``kennzahlen.*``, register every table with one disclosure
control, suppress, and write the text tables with their comments in one transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import duckdb
import polars as pl

from assets.report.bericht_tables.budget_forecast import budget_prognose
from assets.report.bericht_tables.detail_tables import (
    mentoring_quartale,
    phasen_bewegungen,
    phasen_dauer,
    phasen_quartale,
    sprachkurse,
    vermittlungen,
)
from assets.report.bericht_tables.footnotes import datenbasis, fussnoten_fuer, in_gebrauch
from assets.report.bericht_tables.merkmale import merkmal_von, merkmale, merkmale_zurueckhalten
from assets.report.bericht_tables import ddl, series, werte
from assets.report.bericht_tables.overview import prognose_zurueckhalten, ueberblick, veraenderung_zeilen
from assets.report.bericht_tables.reading import bis_stichtag, lesen
from assets.report.bericht_tables.specs import SCHEMA, TabellenSpec, tabellen_specs
from assets.metrics.merkmale import MERKMALE
from assets.report.disclosure import Bericht, Geheimhaltung
from assets.report.disclosure.cells import GeheimhaltungsFehler
from assets.series import register
from sources.settings import Settings
from sources.sql import relation_exists
from sources.transaction import atomic


def berechnen(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> tuple[Bericht, dict[str, TabellenSpec], list[tuple[str, int, str]]]:
    """Read ``kennzahlen.*``, aggregate, suppress. Returns the text tables, their specs and the
    footnotes (tabelle, nr, text). Writes nothing.

    Two passes over one model: first the report without the breakdown by person group, then the
    whole report, in which the first pass's decisions stand (its printed cells as public, its '*'
    as protected) and the breakdown is protected against all of it, like a table published after
    them. So a small group in ``merkmale`` is withheld in ``merkmale`` itself and never costs a
    headline figure (docs/entscheidungen.md, decision 64); the attacker checks the whole report at the end."""
    specs = tabellen_specs(settings)
    daten = _lesen(con, settings, stichtag)
    basis = _modell(con, settings, stichtag, specs, daten, None).anwenden()
    zurueck: set[str] = set()  # Merkmale withheld as a whole
    while True:
        g = _modell(con, settings, stichtag, specs, daten, zurueck)
        g.uebernehmen(basis)
        try:
            bericht = g.anwenden()
            break
        except GeheimhaltungsFehler as fehler:
            # A Merkmal whose small groups follow from the public totals whatever is withheld in
            # it (four exits, four reasons, one each) is withheld as a whole (docs/bericht.md).
            m = merkmal_von(fehler.zelle)
            if m is None or m in zurueck:
                m = next((x for x in MERKMALE if x not in zurueck), None)
            if m is None:
                raise
            zurueck.add(m)
    merkmale_zurueckhalten(bericht, zurueck)
    bericht.pruefen()
    bericht.tabellen["datenbasis"] = datenbasis(daten["gebraucht"])
    prognose_zurueckhalten(bericht, daten["prognose"])

    # before the first release the change table stays empty, and no file prints it: no footnotes
    veroeffentlicht = {n: s for n, s in specs.items() if n != series.TABELLE or bericht.tabellen[n].height}
    fussnoten = fussnoten_fuer(veroeffentlicht, daten["gebraucht"], stichtag)
    return bericht, specs, fussnoten


def _lesen(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict:
    """The kennzahlen tables the report is built from, up to the Stichtag."""
    return {
        "ue": {r["kennzahl"]: r["wert"] for r in lesen(con, "ueberblick").iter_rows(named=True)},
        "bestand": bis_stichtag(lesen(con, "phasen_bestand"), stichtag),
        "bewegungen": bis_stichtag(lesen(con, "phasen_bewegungen"), stichtag),
        "dauer": lesen(con, "phasen_dauer"),
        "verm": bis_stichtag(lesen(con, "vermittlungen"), stichtag),
        "nachh": lesen(con, "nachhaltigkeit"),
        "ment": bis_stichtag(lesen(con, "mentoring"), stichtag),
        "sprache": lesen(con, "sprache"),
        "merkmale": lesen(con, "merkmale"),
        "gebraucht": in_gebrauch(con, lesen(con, "datenqualitaet")),
        "prognose": budget_prognose(con, settings, stichtag),
    }


def _modell(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date, specs: dict[str, TabellenSpec], d: dict,
            ohne_merkmale: set[str] | None) -> Geheimhaltung:
    """Every table of the report registered with one disclosure control, with their relations;
    ``merkmale`` without the Merkmale ``ohne_merkmale``, or not at all when it is None."""
    g = Geheimhaltung()
    # Registration order breaks ties when secondary suppression picks a cell: keep it.
    pq_rows = phasen_quartale(g, d["bestand"])
    letztes_q = pq_rows[-1]["quartal"] if pq_rows else None
    phasen_bewegungen(g, d["bewegungen"], pq_rows, stichtag)
    phasen_dauer(g, d["dauer"])
    vermittlungen(g, d["verm"], d["bestand"], stichtag)
    letztes_mq = mentoring_quartale(g, d["ment"], specs["mentoring_quartale"])
    sprachkurse(g, d["sprache"])
    ueberblick(g, d["ue"], d["nachh"], d["prognose"], settings, letztes_q, letztes_mq, d["verm"], d["bestand"], stichtag)
    if ohne_merkmale is not None:
        merkmale(g, d["merkmale"], ohne_merkmale)
    _reihe(g, con, settings, stichtag, d["ue"])
    return g


def _reihe(g: Geheimhaltung, con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date, ue: dict) -> None:
    """The change since the last release, and the protection against every release but one of
    this Stichtag itself (a reproduction of it is compared in kennzahlen.revisionen instead)."""
    vor = register.vorbericht(con, stichtag)
    vor_modell = register.modell(con, vor.stichtag.isoformat()) if vor else None
    series.veraenderung(g, veraenderung_zeilen(ue), vor_modell, vor.stichtag if vor else None, settings.reihenschutz)
    if settings.reihenschutz:
        series.fruehere_berichte(g, [register.modell(con, f.stichtag.isoformat()) for f in register.freigaben(con) if f.stichtag != stichtag])


def build_bericht_tables(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict[str, int]:
    """(Re)create schema ``bericht`` in ``con`` from ``kennzahlen.*``; returns rows per table.

    All tables are replaced in one transaction, so a failed run leaves the previous report.
    """
    bericht, specs, fussnoten = berechnen(con, settings, stichtag)
    tabellen = dict(bericht.tabellen)
    tabellen["fussnoten"] = pl.DataFrame(
        {"tabelle": [t for t, _, _ in fussnoten], "nr": [str(n) for _, n, _ in fussnoten], "text": [x for _, _, x in fussnoten]},
        schema={"tabelle": pl.String, "nr": pl.String, "text": pl.String},
    )
    noten: dict[str, list[str]] = {}
    for t, _, x in fussnoten:
        noten.setdefault(t, []).append(x)
    counts: dict[str, int] = {}
    with atomic(con):
        ddl.schema_neu(con, SCHEMA)
        for name, spec in specs.items():
            df = tabellen[name].select([s.name for s in spec.spalten])
            ddl.tabelle_anlegen(con, SCHEMA, name, [(s.name, "VARCHAR", s.beschreibung) for s in spec.spalten],
                                [list(r) for r in df.iter_rows()], f"{spec.titel}. " + " ".join(noten.get(name, [])))
            counts[name] = df.height
        werte.schreiben(con, specs, bericht, tabellen, noten)
        _entwurf(con, settings, stichtag, bericht)
    return counts


def tabellen_sha(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The hash of the ``bericht`` tables as they are in ``con``: kept with the draft when they are
    built, compared by the release (assets/report/release.py) before it freezes them."""
    teile = []
    for name, spec in tabellen_specs(settings).items():
        cols = ", ".join(f'"{s.name}"' for s in spec.spalten)  # our constants
        teile.append([name, [list(r) for r in con.execute(f"SELECT {cols} FROM {SCHEMA}.{name}").fetchall()]])
    return hashlib.sha256(json.dumps(teile).encode()).hexdigest()


def _entwurf(con, settings: Settings, stichtag: date, bericht: Bericht) -> None:
    """Keep this report's model as the draft a release takes (assets/series/register.py)."""
    register.ensure_register(con)
    # What a reproduction needs to rebuild this report: the run's own limit, else the newest
    # Datenstand it used (--datenstand-bis that day selects the same snapshots).
    datenstand_bis = settings.datenstand_bis or (con.execute("SELECT max(datenstand) FROM intern.staende").fetchall()[0][0]
                                                 if relation_exists(con, "intern", "staende") else None)
    kennzahlen = con.execute("SELECT kennzahl, wert FROM kennzahlen.ueberblick").fetchall()
    register.save_entwurf(con, stichtag, datenstand_bis, tabellen_sha(con, settings), settings.reihenschutz, kennzahlen,
                          series.modell_aus(bericht))
