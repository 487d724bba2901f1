"""The alternative texts of the charts (BITV NRW / PDF/UA-1: a chart without one is "Bild 1" to a
screen reader): one sentence on what the chart shows with its key numbers, one naming the table
that holds the same numbers. Built from the published text of the bericht tables only, like the
charts: a suppressed value is never named, the sentence says that values are withheld instead.

Pure functions (no matplotlib): each chart in assets/report/charts.py names its function here
when it is registered, so a chart cannot be drawn without one.
"""

from __future__ import annotations

import polars as pl

from assets.metrics.budget import reicht_laenger
from assets.metrics.kennzahl_texte import BUDGET, PHASEN, bezeichnung
from assets.report import bericht_tables as bt
from assets.report.disclosure import GESPERRT, NICHTS, parse_de
from assets.report.draft_sentences import anzahl, ist_prognosemonat, offen
from assets.report.published_tables import Tabellen
from sources import formats

GEHEIM = "weitere Werte sind aus Gründen der statistischen Geheimhaltung nicht ausgewiesen (in der Tabelle *)"


def _liste(teile: list[str]) -> str:
    return ", ".join(teile[:-1]) + " und " + teile[-1] if len(teile) > 1 else "".join(teile)


def _mit_geheim(satz: str, werte: list[str | None]) -> str:
    return satz + (f"; {GEHEIM}" if GESPERRT in werte else "")


def phasen(t: Tabellen) -> str:
    """Active participants per phase at each quarter end; the numbers of the Stichtag's quarter."""
    df = t.frames["phasen_quartale"]
    if not df.height:
        return "Balkendiagramm der aktiven Teilnehmenden nach Phase; bis zum Stichtag liegt noch kein Quartal vor"
    z = df.row(-1, named=True)
    werte = [z[f"phase_{i}"] for i in (1, 2, 3)]
    teile = [f"{anzahl(w, 'Personen')} in Phase {i} ({p})" for w, (i, p) in
             zip(werte, PHASEN) if offen(w)]
    satz = (f"Balkendiagramm der aktiven Teilnehmenden nach Phase am Ende jedes Quartals vom {df['quartal'][0]} bis zum "
            f"{z['quartal']}")
    if teile:
        satz += f"; am {z['stand_am']} sind {_liste(teile)}"
    return _mit_geheim(satz, werte)


def vermittlungen(t: Tabellen) -> str:
    """Placements (BA counting) and mini-jobs per calendar year, and the total since the start."""
    df = t.frames["vermittlungen"].filter(pl.col("zeitraum") != bt.INSGESAMT)
    werte: list[str | None] = []
    jahre = []
    for z in df.iter_rows(named=True):
        werte += [z["insgesamt"], z["minijobs"]]
        teile = [anzahl(w, n) for w, n in ((z["insgesamt"], "Vermittlungen"), (z["minijobs"], "Minijobs")) if offen(w)]
        if teile:  # '2026 bis 26.11.: 4 Vermittlungen' (a year followed by a count reads as one number)
            jahre.append(f"{z['zeitraum'].replace(' (bis ', ' bis ').rstrip(')')}: {_liste(teile)}")
    satz = "Balkendiagramm der Vermittlungen nach der Zählweise der BA und nachrichtlich der Minijobs je Kalenderjahr"
    if jahre:
        satz += " (" + "; ".join(jahre) + ")"
    ins = t.zeile("vermittlungen", bt.INSGESAMT)
    if ins and offen(ins.get("insgesamt")):
        satz += f"; seit Projektbeginn insgesamt {anzahl(ins['insgesamt'], 'Vermittlungen')}"
    return _mit_geheim(satz, werte + [ins.get("insgesamt") if ins else None])


def zuschuss(t: Tabellen) -> str:
    """Allowance paid against the budget, the rest and the forecast, as the overview prints them."""
    u = t.ue
    budget, paid, rest, p = u(BUDGET), u(bezeichnung("zuschuss_ausgezahlt_eur")), u(bezeichnung("zuschuss_rest_eur")), u(bt.PROGNOSE)
    satz = "Liniendiagramm des seit Projektbeginn ausgezahlten Ehrenamtszuschusses (kumuliert zum Quartalsende)"
    if offen(budget):
        satz += f" gegenüber dem Budget von {budget} EUR"
    teile = []
    if offen(paid):
        teile.append(f"bis zum Stichtag {formats.datum(t.stichtag)} wurden {'kein Zuschuss' if paid == NICHTS else paid + ' EUR'} ausgezahlt")
    rest_wert = parse_de(rest) if offen(rest) else None
    if rest_wert is not None and rest_wert < 0:
        teile.append(f"das Budget ist um {formats.zahl(-rest_wert)} EUR überschritten")
    elif offen(rest):
        teile.append(f"es verbleiben {'keine Mittel' if rest == NICHTS else rest + ' EUR'}")
    if offen(p) and reicht_laenger(p):
        teile.append(f"bei gleicher Inanspruchnahme reicht das Budget noch {p}")
    elif offen(p) and ist_prognosemonat(p):
        teile.append(f"bei gleicher Inanspruchnahme ist das Budget voraussichtlich im {p} aufgebraucht")
    if teile:
        satz += ": " + ", ".join(teile)
    return _mit_geheim(satz, [budget, paid, rest, p])


# The Merkmale the chart of bericht.merkmale shows, by their printed titles: all but the
# Austrittsgründe, which are in its table only (docs/entscheidungen.md, decision 65).
MERKMALE_IM_DIAGRAMM = tuple(titel for m, titel in bt.MERKMAL_TITEL.items() if m != "austrittsgrund")


def merkmal_zeilen(t: Tabellen) -> list[dict]:
    """The rows of bericht.merkmale the chart draws: every Ausprägung of MERKMALE_IM_DIAGRAMM
    that has participants (a '–' row would be an empty line)."""
    df = t.frames["merkmale"]
    return [z for z in df.iter_rows(named=True) if z["merkmal"] in MERKMALE_IM_DIAGRAMM and z["teilnehmende_gesamt"] != NICHTS]


def merkmale(t: Tabellen) -> str:
    """Participants since the start by Geschlecht, Altersgruppe and Aufenthaltsstatus, with the
    printed numbers."""
    zeilen = merkmal_zeilen(t)
    werte = [z["teilnehmende_gesamt"] for z in zeilen]
    satz = "Balkendiagramm der Teilnehmenden seit Projektbeginn nach Geschlecht, Altersgruppe und Aufenthaltsstatus"
    gruppen: dict[str, list[str]] = {}
    for z in zeilen:
        if offen(z["teilnehmende_gesamt"]):
            gruppen.setdefault(z["merkmal"], []).append(f"{_vorgelesen(z['merkmal'], z['auspraegung'])} {z['teilnehmende_gesamt']}")
    if gruppen:  # 'Altersgruppe: 25 bis 34 Jahre 16, …; Aufenthaltsstatus: …' reads as words, not as '25–34 16'
        satz += ": " + "; ".join(f"{m} {', '.join(teile)}" for m, teile in gruppen.items())
    return _mit_geheim(satz, werte)


def _vorgelesen(merkmal: str, auspraegung: str) -> str:
    """An age band as a screen reader should say it ('25–34' -> '25 bis 34 Jahre')."""
    if merkmal != "Altersgruppe":
        return auspraegung
    if "–" in auspraegung:
        return auspraegung.replace("–", " bis ") + " Jahre"
    return auspraegung.replace(" und älter", " Jahre und älter") if "älter" in auspraegung else auspraegung + " Jahre"


def verweis(t: Tabellen, tabellen: tuple[str, ...], nummern: dict[str, int]) -> str:
    """'Dieselben Zahlen enthält Tabelle 3 „…“ der Anlage.' for the tables of one chart."""
    teile = [f"Tabelle {nummern[n]} \u201e{t.specs[n].titel}\u201c" for n in tabellen if n in nummern]
    if not teile:
        return ""
    return f"Dieselben Zahlen {'enthält' if len(teile) == 1 else 'enthalten'} {_liste(teile)} in der Anlage."


def alt_text(beschreibung: str, t: Tabellen, tabellen: tuple[str, ...], nummern: dict[str, int]) -> str:
    """The two sentences: the description and the tables with the same numbers."""
    return " ".join(x for x in (beschreibung + ".", verweis(t, tabellen, nummern)) if x)
