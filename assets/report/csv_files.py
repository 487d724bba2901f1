"""``<tabelle>_<Stichtag>.csv``: one per bericht table, ``;``-separated, UTF-8 with BOM (opens
correctly in a German Excel); after one empty line the table's footnotes."""

from __future__ import annotations

import csv
from pathlib import Path

from assets.report import bericht_tables as bt
from assets.report.disclosure import BA_FUSSNOTE, ZEICHENERKLAERUNG
from assets.report.published_tables import Tabellen


def csv_fussnoten(t: Tabellen, name: str) -> list[str]:
    """The footnote block under a table in its CSV: the table's footnotes from ``bericht.fussnoten``
    (Stichtag, Datenstand of every source it uses, the BA footnote, the sign legend, its own
    notes). docs/bericht.md: every public file carries them, also a CSV that travels alone."""
    noten = t.fussnoten.get(name, [])
    fehlt = [x for x, da in (("Stichtag", any(n.startswith("Stichtag: ") for n in noten)),
                             ("Datenstand", any(n.startswith(bt.DATENSTAND_PREFIX) for n in noten)),
                             ("BA-Fußnote", BA_FUSSNOTE in noten), ("Zeichenerklärung", ZEICHENERKLAERUNG in noten)) if not da]
    if fehlt:  # bericht.fussnoten always holds them: never publish a table without them
        raise RuntimeError(f"{name}: Fußnoten fehlen ({', '.join(fehlt)})")
    return list(noten)


def write_csv(t: Tabellen, name: str, path: Path) -> None:
    """``;``-separated, UTF-8 with BOM; the table, one empty line, then one footnote per line."""
    spec = t.specs[name]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        w.writerow([s.titel for s in spec.spalten])
        for row in t.frames[name].iter_rows(named=True):
            w.writerow([row[s.name] if row[s.name] is not None else "" for s in spec.spalten])
        w.writerow([])
        for text in csv_fussnoten(t, name):
            w.writerow([text])
