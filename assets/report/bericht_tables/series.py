"""The report series in the disclosure control: a new report is protected against every
released one (docs/bericht.md, "Die Berichtsreihe").

Every released report enters the model as it was published: its printed cells as known values,
its '*' as unknowns that must stay unknown, its own relations. Between two reports, the same
cell (table, row, column) is tied: equal values as the same figure (a reader may assume that a
closed quarter did not change), different counts through their change, which is not printed but
follows from the two printed values and is protected like a count (10 in June and 12 in
December tell everyone that 2 came in between). The change table ``veraenderung`` prints that
change for the key figures against the last release, tied to the overview and to the released
value as published.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from assets.report.bericht_tables.reading import frame
from assets.report.disclosure import Art, Bericht, Beziehung, Geheimhaltung, Ref, Zelle
from assets.report.disclosure.suppression import ableitbar
from assets.series.register import ENTWURF, Modell
from sources.formats import datum

TABELLE = "veraenderung"


def _praefix(bericht: str, tabelle: str) -> str:
    return f"{bericht}:{tabelle}"


def _zellen(m: Modell) -> dict[Ref, tuple[Zelle, bool]]:
    """The released cells under their report's name, with whether each was printed as '*'."""
    out: dict[Ref, tuple[Zelle, bool]] = {}
    for tabelle, zeile, spalte, wert, art, dez, sichtbar, _fest, gesperrt, vorzeichen, _text in m.zellen:
        ref = (_praefix(m.bericht, tabelle), zeile, spalte)
        # every printed cell of a released report is public: known, and never withheld again
        out[ref] = (Zelle(ref, wert, Art(art), dez, sichtbar, sichtbar and not gesperrt, vorzeichen), gesperrt)
    return out


def _beziehungen(m: Modell) -> list[tuple[list[tuple[Ref, int]], float, str]]:
    return [([((_praefix(m.bericht, t), z, s), k) for t, z, s, k in terme], konstante, f"{m.bericht}: {bez}")
            for konstante, bez, terme in m.beziehungen]


def _schon_offen(zellen: dict[Ref, tuple[Zelle, bool]], beziehungen) -> set[Ref]:
    """'*' of the released reports that their published cells already give away (a release made
    without series protection): nothing a new report does can protect them any more, so they
    count as known; every other '*' stays protected."""
    z = {r: c for r, (c, _) in zellen.items()}
    unbekannt = {r for r, (c, gesperrt) in zellen.items() if gesperrt or not c.sichtbar}
    schutz = {r for r, (c, gesperrt) in zellen.items() if gesperrt}
    rels = [Beziehung(tuple(terme), k, b) for terme, k, b in beziehungen if all(r in z for r, _ in terme)]
    return ableitbar(z, rels, unbekannt, schutz) if schutz else set()


def fruehere_berichte(g: Geheimhaltung, modelle: list[Modell]) -> None:
    """Register the released reports and tie them to each other and to the current report's
    cells (registered before)."""
    aktuelle = g.eigene()
    alle: dict[Ref, tuple[Zelle, bool]] = {}
    rels = []
    for m in modelle:
        alle.update(_zellen(m))
        rels.extend(_beziehungen(m))
    gleich = _gleiche_zellen(modelle, alle)
    offen = _schon_offen(alle, rels + [([(a, 1), (b, -1)], 0.0, "") for a, b in gleich])
    for ref, (zelle, gesperrt) in alle.items():
        known = ref in offen
        g.bekannt(replace(zelle, fest=zelle.fest or known), gesperrt and not known)
    for terme, konstante, bez in rels:
        g.beziehung(terme, konstante, bez)
    for a, b in gleich:
        g.gleich(a, b)
    for m in modelle:
        for ref in aktuelle:
            alt = (_praefix(m.bericht, ref[0]), ref[1], ref[2])
            if alt not in alle or not alle[alt][0].sichtbar or g.wert(ref) is None or alle[alt][0].wert is None:
                continue
            if g.wert(ref) == alle[alt][0].wert:
                g.gleich(ref, alt)
                if alle[alt][0].fest:
                    g.festlegen(ref)  # printed before: withholding it now would protect nothing
            elif alle[alt][0].art is Art.ANZAHL and not g.ist_fest(ref):
                # (a printed value that is public anyway, such as a released one repeated in
                # the change table, cannot be withheld: its change was public before)
                g.differenz(ref, alt)


def _gleiche_zellen(modelle: list[Modell], alle: dict[Ref, tuple[Zelle, bool]]) -> list[tuple[Ref, Ref]]:
    """The same printed cell with the same value in two released reports."""
    out = []
    for i, a in enumerate(modelle):
        for b in modelle[i + 1:]:
            for tabelle, zeile, spalte, wert, *_ in a.zellen:
                ra, rb = (_praefix(a.bericht, tabelle), zeile, spalte), (_praefix(b.bericht, tabelle), zeile, spalte)
                if rb in alle and alle[ra][0].sichtbar and alle[rb][0].sichtbar and wert is not None and alle[rb][0].wert == wert:
                    out.append((ra, rb))
    return out


def veraenderung(g: Geheimhaltung, zeilen: list[tuple[str, float | None, Art]], vor: Modell | None,
                 vor_stichtag: date | None, reihenschutz: bool) -> None:
    """The change table: for each key figure (overview label, value, kind) the value now, the
    value as released in the last report, and the change.

    With ``reihenschutz`` off (only to show what the series protection prevents), the three
    columns are suppressed each on its own, as a report that knew of no earlier one would do."""
    released = {}
    if vor is not None:
        released = {z: (wert, gesperrt) for t, z, s, wert, _a, _d, sichtbar, _f, gesperrt, _v, _x in vor.zellen
                    if t == "ueberblick" and s == "wert" and sichtbar}
    rows = []
    for label, wert, art in zeilen if vor is not None else []:
        alt, alt_gesperrt = released.get(label, (None, False))
        rows.append({"kennzahl": label, "wert": wert, "wert_vorbericht": alt,
                     "veraenderung": None if wert is None or alt is None else wert - alt,
                     "stichtag_vorbericht": datum(vor_stichtag), "_art": art.value, "_gesperrt": alt_gesperrt})
    df = frame(rows, ["kennzahl", "wert", "wert_vorbericht", "veraenderung", "stichtag_vorbericht", "_art"])
    g.tabelle(TABELLE, df, "kennzahl", {c: "_art" for c in ("wert", "wert_vorbericht", "veraenderung")},
              fest=[(r["kennzahl"], "wert_vorbericht") for r in rows if not r["_gesperrt"]], vorzeichen=["veraenderung"])
    for r in rows:
        ref = (TABELLE, r["kennzahl"], "wert_vorbericht")
        if r["_gesperrt"]:
            g.vorsperren(ref)
        g.gleich((TABELLE, r["kennzahl"], "wert"), ("ueberblick", r["kennzahl"], "wert"))
        if reihenschutz:
            g.beziehung([((TABELLE, r["kennzahl"], "wert"), 1), (ref, -1), ((TABELLE, r["kennzahl"], "veraenderung"), -1)],
                        0.0, f"Veränderung {r['kennzahl']}")
            if vor is not None:
                g.gleich(ref, (_praefix(vor.bericht, "ueberblick"), r["kennzahl"], "wert"))


def modell_aus(bericht: Bericht) -> Modell:
    """This report's own cells and relations, as a release keeps them (register.ENTWURF)."""
    eigen = {r for r in bericht.zellen if r not in bericht.fremd}
    zellen = [(t, z, s, c.wert, c.art.value, c.dezimalen, c.sichtbar, c.fest, r in bericht.gesperrt, c.vorzeichen,
               bericht.text(r) if c.sichtbar else None)
              for r, c in bericht.zellen.items() if r in eigen for t, z, s in [r]]
    bez = [(b.konstante, b.bezeichnung, [(*r, k) for r, k in b.terme]) for b in bericht.beziehungen if all(r in eigen for r in b.refs)]
    return Modell(ENTWURF, zellen, bez)
