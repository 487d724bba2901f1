"""``bericht.merkmale``: the overview's four person counts by Geschlecht, Altersgruppe,
Aufenthaltsstatus and Austrittsgrund, registered with the disclosure control together with the
totals they add up to, here and in the other tables.

Small person groups are what this table is about, so its protection rests on the relations a
reader knows: the rows of one Merkmal add up to the row ``Insgesamt`` in every column; that row
is the overview's Teilnehmende seit Projektbeginn, davon am Stichtag aktiv and Personen mit
Vermittlung, and the Austritte of ``phasen_bewegungen`` (each tie is dropped by the engine where
it does not hold in the data); within a row, the active, the left and the placed are "davon"
counts of the Teilnehmende, whose remainders (not active any more, without Austritt, without
placement) are protected like printed counts.
"""

from __future__ import annotations

import polars as pl

from assets.report.bericht_tables.reading import frame
from assets.report.bericht_tables.specs import AUSPRAEGUNG_TITEL, INSGESAMT, MERKMAL_TITEL, MERKMALE_ALLE, MERKMALE_INSGESAMT
from assets.report.disclosure import GESPERRT, Art, Bericht, Geheimhaltung, Ref

TABELLE = "merkmale"
ZAEHLSPALTEN = ("teilnehmende_gesamt", "teilnehmende_aktiv", "austritte", "personen_mit_vermittlung")
# The cells of the other tables that print the totals of the row Insgesamt (overview labels, specs.py).
GLEICHE_SUMMEN: tuple[tuple[str, Ref], ...] = (
    ("teilnehmende_gesamt", ("ueberblick", "Teilnehmende seit Projektbeginn", "wert")),
    ("teilnehmende_aktiv", ("ueberblick", "davon am Stichtag aktiv", "wert")),
    ("personen_mit_vermittlung", ("ueberblick", "Personen mit Vermittlung", "wert")),
    ("austritte", ("phasen_bewegungen", INSGESAMT, "austritte")),
    # equal unless someone leaves on the Stichtag (then active and left at once)
    ("austritte", ("ueberblick", "davon ausgeschieden", "wert")),
)


def zeilen_schluessel(merkmal_titel: str, auspraegung: str) -> str:
    """The row key of a Merkmal row in the disclosure model ('Geschlecht: weiblich'); the row
    Insgesamt is keyed 'Insgesamt'."""
    return f"{merkmal_titel}: {auspraegung}"


def merkmal_zeilen(df: pl.DataFrame) -> list[dict]:
    """The printed rows: Insgesamt first (from the rows of the first Merkmal), then every
    Merkmal with its Ausprägungen in the order of kennzahlen.merkmale."""
    rows = []
    for r in df.iter_rows(named=True):
        titel = MERKMAL_TITEL.get(r["merkmal"], r["merkmal"])
        auspraegung = AUSPRAEGUNG_TITEL.get((r["merkmal"], r["auspraegung"]), r["auspraegung"])
        rows.append({"_zeile": zeilen_schluessel(titel, auspraegung), "_merkmal": r["merkmal"], "merkmal": titel,
                     "auspraegung": auspraegung, **{c: float(r[c] or 0) for c in ZAEHLSPALTEN}})
    erstes = rows[0]["_merkmal"] if rows else None
    insgesamt = {"_zeile": MERKMALE_INSGESAMT, "_merkmal": None, "merkmal": MERKMALE_INSGESAMT, "auspraegung": MERKMALE_ALLE,
                 **{c: sum(r[c] for r in rows if r["_merkmal"] == erstes) for c in ZAEHLSPALTEN}}
    return [insgesamt, *rows]


def merkmal_von(ref: Ref | None) -> str | None:
    """The Merkmal (kennzahlen code) of a cell of this table; None for Insgesamt or another table."""
    if ref is None or ref[0] != TABELLE or ref[1] == MERKMALE_INSGESAMT:
        return None
    titel = ref[1].split(": ", 1)[0]
    return next((m for m, t in MERKMAL_TITEL.items() if t == titel), None)


def merkmale(g: Geheimhaltung, df: pl.DataFrame, zurueck: set[str] = frozenset()) -> None:
    """Register the table with its relations: each Merkmal's rows sum to Insgesamt in every
    column, Insgesamt is the same figure as in the other tables (registered before), and the
    "davon" counts of each row. The rows of the Merkmale ``zurueck`` are printed but not
    registered: every cell of them is withheld (:func:`merkmale_zurueckhalten`), so nothing of
    them enters the model."""
    rows = merkmal_zeilen(df)
    werte = [r if r["_merkmal"] not in zurueck else {**r, **{c: None for c in ZAEHLSPALTEN}} for r in rows]
    g.tabelle(TABELLE, frame(werte, ["_zeile", "merkmal", "auspraegung", *ZAEHLSPALTEN]), "_zeile", {c: Art.ANZAHL for c in ZAEHLSPALTEN})
    rows = [r for r in rows if r["_merkmal"] not in zurueck]
    for m in dict.fromkeys(r["_merkmal"] for r in rows[1:]):
        teile = [r["_zeile"] for r in rows if r["_merkmal"] == m]
        for c in ZAEHLSPALTEN:
            g.summe((TABELLE, MERKMALE_INSGESAMT, c), [(TABELLE, z, c) for z in teile], f"{TABELLE}: {m} {c}")
    for r in rows:
        z = r["_zeile"]
        gesamt, aktiv, austritte = ((TABELLE, z, c) for c in ZAEHLSPALTEN[:3])
        if r["teilnehmende_gesamt"] == r["teilnehmende_aktiv"] + r["austritte"]:
            # active or left: then the remainders of the two "davon" are the printed other count
            g.beziehung([(gesamt, 1), (aktiv, -1), (austritte, -1)], 0.0, f"{TABELLE}: {z} aktiv oder ausgetreten")
        else:  # someone of the group leaves on the Stichtag (active and left at once)
            g.davon(gesamt, [aktiv], "nicht mehr aktiv")
            g.davon(gesamt, [austritte], "ohne Austritt")
        g.davon(gesamt, [(TABELLE, z, "personen_mit_vermittlung")], "ohne Vermittlung")
    for spalte, ref in GLEICHE_SUMMEN:
        g.gleich((TABELLE, MERKMALE_INSGESAMT, spalte), ref)


def merkmale_zurueckhalten(bericht: Bericht, zurueck: set[str]) -> None:
    """Print '*' in every cell of the withheld Merkmale, zeros included: a '–' beside them would
    tell which of the others are at least 1."""
    if not zurueck:
        return
    titel = {MERKMAL_TITEL.get(m, m) for m in zurueck}
    df = bericht.tabellen[TABELLE]
    bericht.tabellen[TABELLE] = df.with_columns(
        *(pl.when(pl.col("merkmal").is_in(list(titel))).then(pl.lit(GESPERRT)).otherwise(pl.col(c)).alias(c) for c in ZAEHLSPALTEN))
