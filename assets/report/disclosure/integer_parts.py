"""The integer audit (``integer_audit``) part by part, with the results kept in a ``Merker``.

For a count cell, only the part of its count component that matters is searched: the unknowns
that the relations left by ``_ohne_freie_differenzen`` link to it. The rest keeps its true values
in any solution, so the answer is the full audit's, and one more '*' elsewhere does not change
the part's key (docs/entscheidungen.md, decision 66). The search itself is ``integer_audit``'s
(its helpers are this package's internals, shared on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from assets.report.disclosure.cells import Art, Ref, vorkommen
from assets.report.disclosure.integer_audit import (
    Zaehlgleichung,
    _anders_moeglich,
    _behaltene,
    _connected,
    _obergrenze,
    _schranken,
    _zaehlgleichungen,
)
from assets.report.disclosure.merker import Merker


@dataclass
class _Komponente:
    """The count relations of one count component (each with its number in the merker's model)
    and its unknowns' bounds, numbered in the same order as the whole report's."""

    order: list[Ref]
    idx: dict[Ref, int]
    rels: list[Zaehlgleichung]
    nummern: list[int]
    schranken: tuple
    ohne_frei: list[int]  # positions of ``_ohne_freie_differenzen`` for a cell that is no hidden change
    # unknowns whose true value lies outside what the search allows (a '*' of 0): where one is
    # outside the searched part, only the whole component gives the full audit's answer
    abseits: frozenset[int]


def _komponente(merker: Merker, komp: frozenset[Ref]) -> _Komponente:
    if merker.obergrenze is None:
        merker.obergrenze = _obergrenze(merker.zellen)
    order = sorted(komp)
    idx = {x: i for i, x in enumerate(order)}
    rels, nummern = [], []
    for n in merker.nummern_von(komp, nur_anzahl=True):
        for rel in _zaehlgleichungen(merker.zellen, [merker.beziehungen[n]], idx):
            rels.append(rel)
            nummern.append(n)
    wahr, lo, hi, nicht_null, frei = schranken = _schranken(merker.zellen, order, merker.obergrenze)
    abseits = frozenset(i for i in range(len(order)) if not lo[i] <= wahr[i] <= hi[i] or (i in nicht_null and wahr[i] == 0))
    return _Komponente(order, idx, rels, nummern, schranken, _behaltene(rels, -1, frei), abseits)


def _teil(rels: list[Zaehlgleichung], j: int) -> tuple[list[int], list[int]]:
    """The unknowns linked to ``j`` through ``rels`` (sorted), and the positions of their relations."""
    komp_rels, gesehen = _connected(j, rels, vorkommen(rels))
    return sorted(gesehen), sorted(komp_rels)


def _im_teil(k: _Komponente, r: Ref, merker: Merker) -> bool:
    """``ganzzahlig_bestimmt`` for one cell: is there no other solution with its value changed?

    Searched on the part of its count component that the relations left by
    ``_ohne_freie_differenzen`` link to it: the rest of the component keeps its true values in
    any solution (unless one lies outside the search's bounds, then the whole component is
    searched, as the full audit does), so the answer is the same, and a part that no new '*'
    touched is not searched again."""
    wahr, lo, hi, nicht_null, frei = k.schranken
    j = k.idx[r]
    if not any(j in koeff for koeff, _ in k.rels):
        return False  # in no count relation: nothing to derive it from
    pos = k.ohne_frei if j not in frei else _behaltene(k.rels, j, frei)
    sub = [k.rels[p] for p in pos]
    teil, teil_pos = _teil(sub, j)
    if not k.abseits <= set(teil):
        teil, teil_pos = list(range(len(k.order))), list(range(len(sub)))
    key = (frozenset(k.order[i] for i in teil), tuple(k.nummern[pos[p]] for p in teil_pos), r)
    if key not in merker.ganz:
        neu = {i: n for n, i in enumerate(teil)}
        rels = [({neu[i]: a for i, a in koeff.items()}, rhs) for koeff, rhs in (sub[p] for p in teil_pos)]
        t_lo, t_hi, t_wahr = [lo[i] for i in teil], [hi[i] for i in teil], [wahr[i] for i in teil]
        t_nn = frozenset(neu[i] for i in nicht_null if i in neu)
        # The solution that showed the cell open before, with the true values of the cells that
        # are unknown since: if it solves the new part, the cell is still open, no search needed.
        zeuge = merker.zeugen.get(r, {})
        alt = [zeuge.get(k.order[i], wahr[i]) for i in teil]
        if zeuge and _loest(rels, alt, t_lo, t_hi, t_nn) and alt[neu[j]] != t_wahr[neu[j]]:
            merker.ganz[key] = False
        else:
            loesung: list[int] = []
            merker.ganz[key] = not _anders_moeglich(rels, neu[j], set(range(len(teil))), t_lo, t_hi, t_wahr, t_nn, loesung)
            if loesung:
                merker.zeugen[r] = {k.order[i]: loesung[n] for n, i in enumerate(teil)}
    return merker.ganz[key]


def _loest(rels: list[Zaehlgleichung], x: list[int], lo: list[int], hi: list[int], nicht_null: frozenset[int]) -> bool:
    """Is ``x`` a solution of ``rels`` within the bounds (the unknowns of ``nicht_null`` not 0)?"""
    return (all(lo[i] <= v <= hi[i] for i, v in enumerate(x)) and all(x[i] != 0 for i in nicht_null)
            and all(sum(a * x[i] for i, a in koeff.items()) == rhs for koeff, rhs in rels))


def ganzzahlig_bestimmt_gemerkt(merker: Merker, unbekannt: Iterable[Ref], pruefen: Iterable[Ref]) -> set[Ref]:
    """``integer_audit.ganzzahlig_bestimmt`` on the merker's model, with its results (per searched
    part and cell): the same answer, and a part no new '*' touched is not searched again."""
    unbekannt = set(unbekannt)
    out: set[Ref] = set()
    komp_von: dict[Ref, frozenset[Ref]] = {}  # each component searched once, not once per cell
    probleme: dict[frozenset[Ref], _Komponente] = {}
    for r in pruefen:
        if r not in unbekannt or merker.zellen[r].art is not Art.ANZAHL:
            continue
        if r not in komp_von:
            komp = merker.komponente(r, unbekannt, nur_anzahl=True)
            komp_von.update(dict.fromkeys(komp, komp))
            probleme[komp] = _komponente(merker, komp)
        if _im_teil(probleme[komp_von[r]], r, merker):
            out.add(r)
    return out
