"""What the attacker has worked out before, per connected component of the relation graph.

Neither the elimination, the bounds nor the integer search carry information between two groups
of unknown cells that share no relation (``attack._components``). What a reader can work out
about a group is therefore a function of the group alone, once the report's cells and relations
are fixed: of which cells are unknown in it. The suppression (``suppression.sperren``) adds one
'*' per round, which changes only the groups around that cell; the ``Merker`` keeps the results
of all other groups, keyed by their unknown cells, so that only the changed ones are attacked
again (before, every round re-audited the whole report: minutes on a series of reports,
bench/berichtsreihe.py, docs/performance.md).

A ``Merker`` belongs to one model (cells, relations): ``passt`` says whether a caller's model is
that one, so a result is never reused for other values.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from assets.report.disclosure.cells import Art, Beziehung, Ref, Zelle


class Merker:
    """Cache of the attacker's results per component, for one fixed model."""

    def __init__(self, zellen: Mapping[Ref, Zelle], beziehungen: Iterable[Beziehung]) -> None:
        self.zellen = dict(zellen)
        self.beziehungen = list(beziehungen)
        # per relation its cells with a non-zero net coefficient (a cell twice, once + and once
        # -, links nothing): exactly the links of the attacker's equations
        netto: list[dict[Ref, int]] = []
        for b in self.beziehungen:
            k: dict[Ref, int] = defaultdict(int)
            for r, a in b.terme:
                k[r] += a
            netto.append({r: a for r, a in k.items() if a})
        self._netto = netto
        # only relations between counts enter the integer audit (integer_audit._zaehlgleichungen)
        self._nur_anzahl = [all(self.zellen[r].art is Art.ANZAHL for r in b.refs) for b in self.beziehungen]
        self._rel_of: dict[Ref, list[int]] = defaultdict(list)
        for n, k in enumerate(netto):
            for r in k:
                self._rel_of[r].append(n)
        self.schnell: dict[frozenset[Ref], object] = {}  # component -> attack.angriff's result on it
        # (searched unknowns, their relations' positions, cell) -> determined (integer_parts)
        self.ganz: dict[tuple[frozenset[Ref], tuple[int, ...], Ref], bool] = {}
        # per cell the last solution of the integer audit with another value of it (cell -> value
        # per unknown): one more '*' keeps it a solution, so the cell stays open without a search
        self.zeugen: dict[Ref, dict[Ref, int]] = {}
        self.obergrenze: int | None = None  # the integer audit's cap of a '*' count, once per model

    def passt(self, zellen: Mapping[Ref, Zelle], beziehungen: Iterable[Beziehung]) -> bool:
        """Is this the model the results were worked out for (same cells, values, relations)?"""
        return self.zellen == dict(zellen) and self.beziehungen == list(beziehungen)

    def komponente(self, start: Ref, unbekannt: set[Ref] | frozenset[Ref], nur_anzahl: bool = False) -> frozenset[Ref]:
        """The unknown cells linked to ``start`` (itself unknown) through relations; with
        ``nur_anzahl`` through the relations between counts only, as the integer audit sees them."""
        gesehen, front = {start}, [start]
        while front:
            nxt = []
            for r in front:
                for n in self._rel_of.get(r, ()):
                    if nur_anzahl and not self._nur_anzahl[n]:
                        continue
                    for x in self._netto[n]:
                        if x in unbekannt and x not in gesehen:
                            gesehen.add(x)
                            nxt.append(x)
            front = nxt
        return frozenset(gesehen)

    def beziehungen_von(self, komp: frozenset[Ref], nur_anzahl: bool = False) -> list[Beziehung]:
        """The relations that link a cell of ``komp``, in the model's order (the order the
        attacker visits them in, which the bounds after a capped number of sweeps depend on)."""
        return [self.beziehungen[n] for n in self.nummern_von(komp, nur_anzahl)]

    def nummern_von(self, komp: frozenset[Ref], nur_anzahl: bool = False) -> list[int]:
        """``beziehungen_von`` as the relations' positions in the model."""
        return sorted({n for r in komp for n in self._rel_of.get(r, ()) if not nur_anzahl or self._nur_anzahl[n]})
