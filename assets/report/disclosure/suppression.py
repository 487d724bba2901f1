"""Primary, dependent and secondary suppression until no protected cell can be worked out.

Counts of 1 or 2 are suppressed (primary); dependent cells follow their basis. While the
attacker can determine any suppressed cell, or a hidden remainder of 1 or 2, the next smallest
printed non-zero cell of a relation that exposes it is suppressed as well (the BA's "next
smallest" rule), and the attack is repeated. Every iteration suppresses one more cell, so the
loop ends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from assets.report.disclosure.attack import angriff_gemerkt
from assets.report.disclosure.cells import (
    Art,
    Beziehung,
    GeheimhaltungsFehler,
    Ref,
    Zelle,
    haelt,
    ist_primaer,
    ist_schutzbeduerftig,
)
from assets.report.disclosure.integer_parts import ganzzahlig_bestimmt_gemerkt
from assets.report.disclosure.merker import Merker

# How many candidates per ring are tried before the smallest is taken anyway: bounds the work on
# large tables (every try is one attack) without changing the result on council-sized ones.
_LOOKAHEAD = 25


@dataclass
class Sperrung:
    gesperrt: dict[Ref, str]  # ref -> reason: 'primär', 'sekundär', 'abhängig'
    beziehungen: list[Beziehung]  # the relations that hold and were protected against
    # the attacker's results on this model, for the final check (``Bericht.pruefen``)
    merker: Merker | None = field(default=None, compare=False, repr=False)


def sperren(
    zellen: Mapping[Ref, Zelle],
    beziehungen: Iterable[Beziehung],
    abhaengigkeiten: Mapping[Ref, Iterable[Ref]] = {},
    vorgesperrt: Mapping[Ref, str] = {},
) -> Sperrung:
    """Primary, dependent and secondary suppression until no protected cell can be worked out.

    ``vorgesperrt``: cells that are '*' already and stay so (those of a released report, which
    a later report must not give away). Pure function; see the module docstring for the method.
    """
    werte = {r: z.wert for r, z in zellen.items()}
    gueltig = [b for b in beziehungen if all(r in zellen for r in b.refs) and haelt(b, werte)]
    abh = {r: tuple(bs) for r, bs in abhaengigkeiten.items()}
    gesperrt: dict[Ref, str] = {r: g for r, g in vorgesperrt.items() if r in zellen}
    gesperrt.update({r: "primär" for r, z in zellen.items() if z.sichtbar and not z.fest and r not in gesperrt and ist_primaer(z)})
    verdeckt = {r for r, z in zellen.items() if not z.sichtbar}
    rel_of: dict[Ref, list[int]] = defaultdict(list)
    for i, b in enumerate(gueltig):
        for r in b.refs:
            rel_of[r].append(i)
    reihenfolge = {r: i for i, r in enumerate(zellen)}
    # one per call: every round and every try attacks the same model, and only the components
    # around the newly suppressed cell are attacked again
    merker = Merker(zellen, gueltig)

    def abhaengige_sperren() -> None:
        changed = True
        while changed:
            changed = False
            for r, basis in abh.items():
                if r not in gesperrt and r in zellen and not zellen[r].fest and any(
                    b in gesperrt or (b in verdeckt and ist_schutzbeduerftig(zellen[b])) for b in basis
                ):
                    gesperrt[r] = "abhängig"
                    changed = True

    def kandidaten(bez: Beziehung) -> list[Ref]:
        out = []
        for r in bez.refs:
            z = zellen[r]
            if r in gesperrt or not z.sichtbar or z.fest or z.wert is None or z.wert == 0:
                continue
            out.append(r)
        return sorted(out, key=lambda r: (abs(zellen[r].wert or 0), len(rel_of[r]), reihenfolge[r]))

    for _ in range(len(zellen) + 1):
        abhaengige_sperren()
        unbekannt = set(gesperrt) | verdeckt
        schutz = set(gesperrt) | {r for r in verdeckt if ist_schutzbeduerftig(zellen[r])}
        offen = sorted(ableitbar(zellen, gueltig, unbekannt, schutz, merker), key=lambda r: reihenfolge[r])
        if not offen:
            return Sperrung(gesperrt, gueltig, merker)
        ziel = offen[0]
        wahl = _choose(ziel, gueltig, rel_of, unbekannt, kandidaten, zellen, merker, reihenfolge)
        if wahl is None:
            raise GeheimhaltungsFehler(f"Zelle {ziel} lässt sich nicht schützen", ziel)
        gesperrt[wahl] = "sekundär"
    raise GeheimhaltungsFehler("Sperrung konvergiert nicht")  # unreachable: one cell per round


def ableitbar(zellen, beziehungen, unbekannt: set[Ref], schutz: set[Ref], merker: Merker | None = None) -> set[Ref]:
    """Protected cells a reader can work out: fast attack first, then the complete integer
    search for the protected counts it left open. ``merker``: what was worked out before on the
    same model (``zellen``, ``beziehungen``), per component; a new one if None."""
    if merker is None:
        merker = Merker(zellen, beziehungen)
    schnell = angriff_gemerkt(merker, unbekannt, fokus=schutz).bestimmt & schutz
    rest = {r for r in schutz - schnell if zellen[r].art is Art.ANZAHL}
    return schnell | (ganzzahlig_bestimmt_gemerkt(merker, unbekannt, rest) if rest else set())


def _choose(ziel, gueltig, rel_of, unbekannt, kandidaten, zellen, merker, reihenfolge) -> Ref | None:
    """The cell to suppress next so that ``ziel`` can no longer be worked out.

    Candidates are the printed non-zero cells of the relations around ``ziel``: first those of
    its own relations (the BA's row/column rule), then, ring by ring, those of the relations of
    unknown cells connected to it (a cell can be exposed through a chain, e.g. via a total that
    itself was derived). Within a ring, the smallest value that actually stops the derivation
    wins; if none does on its own, the smallest candidate is taken and the next round continues.
    """

    def key(r: Ref) -> tuple:
        return (abs(zellen[r].wert or 0), len(rel_of[r]), reihenfolge[r])

    erster: Ref | None = None
    gesehen, front, geprueft = {ziel}, [ziel], set()
    while front:
        pool: list[Ref] = []
        nxt: list[Ref] = []
        for r in front:
            for i in rel_of[r]:
                pool.extend(k for k in kandidaten(gueltig[i]) if k not in geprueft)
                nxt.extend(x for x in gueltig[i].refs if x in unbekannt and x not in gesehen)
        pool = sorted(set(pool), key=key)
        for k in pool[:_LOOKAHEAD]:
            geprueft.add(k)
            if erster is None:
                erster = k
            if ziel not in ableitbar(zellen, gueltig, unbekannt | {k}, {ziel}, merker):
                return k
        gesehen.update(nxt)
        front = list(dict.fromkeys(nxt))
    return erster
