"""The fast attacker: what a reader can work out about the unknown cells from the printed ones.

Exact Gaussian elimination over the rationals (a cell is determined if it is a linear
combination of the relations' right-hand sides), then interval propagation that uses what a
reader knows about a ``*``: a whole number of at least 1 (0 would be printed as ``–``).
``integer_audit`` completes it for the counts this leaves open.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping

from assets.report.disclosure.cells import Art, Beziehung, Ref, Zelle, vorkommen
from assets.report.disclosure.merker import Merker

# One relation over the unknowns, by index: ({index: coefficient}, right-hand side).
Gleichung = tuple[dict[int, Fraction], Fraction]


@dataclass
class Angriffsergebnis:
    intervalle: dict[Ref, tuple[float, float]]  # what the attacker knows about each unknown cell
    bestimmt: set[Ref]  # unknown cells whose value the attacker can work out exactly


def _rref(rows: list[dict[int, Fraction]], ncols: int) -> tuple[list[dict[int, Fraction]], list[int]]:
    """Reduced row echelon form of a sparse augmented matrix (column ``ncols`` = right-hand
    side), rows as {column: non-zero value}, in the order of their pivots.

    Column by column like the textbook method, but each step touches only the rows that have a
    non-zero in the pivot column (the relations are sparse: a dense matrix of a series of
    reports made the elimination most of a report's run, bench/berichtsreihe.py). The reduced
    form is unique, so the choice of the pivot row (the sparsest) changes nothing in the result.
    """
    m = [{k: Fraction(v) for k, v in r.items() if v} for r in rows]
    in_spalte: dict[int, set[int]] = defaultdict(set)
    for i, row in enumerate(m):
        for c in row:
            in_spalte[c].add(i)
    frei = set(range(len(m)))
    out: list[dict[int, Fraction]] = []
    pivots: list[int] = []
    for c in range(ncols):
        wahl = [i for i in in_spalte.get(c, ()) if i in frei]
        if not wahl:
            continue
        p = min(wahl, key=lambda i: (len(m[i]), i))
        frei.discard(p)
        f = m[p][c]
        prow = {k: v / f for k, v in m[p].items()}
        m[p] = prow
        for i in list(in_spalte[c]):
            if i == p:
                continue
            row, g = m[i], m[i][c]
            for k, v in prow.items():
                neu = row.get(k, 0) - g * v
                if neu:
                    if k not in row:
                        in_spalte[k].add(i)
                    row[k] = neu
                elif k in row:
                    del row[k]
                    in_spalte[k].discard(i)
        pivots.append(c)
        out.append(p)
        if not frei:
            break
    return [m[p] for p in out], pivots


def _components(n: int, reduced: list[Gleichung]) -> list[int]:
    """Component label per unknown: unknowns linked through a shared relation belong together.
    Neither elimination nor bounds carry information between components, so each can be
    attacked on its own (a few small systems instead of one large one)."""
    eltern = list(range(n))

    def root(i: int) -> int:
        while eltern[i] != i:
            eltern[i] = eltern[eltern[i]]
            i = eltern[i]
        return i

    for koeff, _ in reduced:
        it = iter(koeff)
        erster = root(next(it))
        for i in it:
            eltern[root(i)] = erster
    return [root(i) for i in range(n)]


def _equations(
    zellen: Mapping[Ref, Zelle], beziehungen: Iterable[Beziehung], unbekannt: set[Ref], idx: dict[Ref, int]
) -> list[Gleichung]:
    """The relations with every known cell moved to the right-hand side (exact fractions)."""
    reduced: list[Gleichung] = []
    for b in beziehungen:
        koeff: dict[int, Fraction] = defaultdict(Fraction)
        rhs = Fraction(b.konstante).limit_denominator(10**9)
        for r, k in b.terme:
            if r in unbekannt:
                koeff[idx[r]] += k
            else:
                rhs -= Fraction(zellen[r].wert or 0.0).limit_denominator(10**9) * k
        koeff = {i: k for i, k in koeff.items() if k != 0}
        if koeff:
            reduced.append((koeff, rhs))
    return reduced


def _auf_fokus(
    order: list[Ref], reduced: list[Gleichung], komp: list[int], idx: dict[Ref, int], fokus: Iterable[Ref]
) -> tuple[list[Ref], list[Gleichung], list[int]]:
    """Only the components of the ``fokus`` cells, renumbered."""
    gewollt = {komp[idx[r]] for r in fokus if r in idx}
    reduced = [(k, rhs) for k, rhs in reduced if komp[next(iter(k))] in gewollt]
    behalten = [i for i in range(len(order)) if komp[i] in gewollt]
    order = [order[i] for i in behalten]
    neu = {alt: i for i, alt in enumerate(behalten)}
    reduced = [({neu[i]: a for i, a in k.items()}, rhs) for k, rhs in reduced]
    return order, reduced, [komp[i] for i in behalten]


def _eliminate(order: list[Ref], reduced: list[Gleichung], komp: list[int]) -> tuple[set[Ref], list[Gleichung]]:
    """Determined cells of the linear system alone, one component at a time; also the reduced
    rows, which give the interval propagation more relations to work with."""
    bestimmt: set[Ref] = set()
    rref_rows: list[Gleichung] = []
    je_komp: dict[int, list[Gleichung]] = defaultdict(list)
    for koeff, rhs in reduced:
        je_komp[komp[next(iter(koeff))]].append((koeff, rhs))
    for gruppe in je_komp.values():
        spalten = sorted({i for koeff, _ in gruppe for i in koeff})
        lokal = {g: i for i, g in enumerate(spalten)}
        w = len(spalten)
        rows = []
        for koeff, rhs in gruppe:
            row = {lokal[i]: Fraction(k) for i, k in koeff.items() if k != 0}
            if rhs != 0:
                row[w] = Fraction(rhs)
            rows.append(row)
        m, pivots = _rref(rows, w)
        for row, p in zip(m, pivots):
            nz = {spalten[i]: v for i, v in sorted(row.items()) if i < w}
            rref_rows.append((nz, row.get(w, Fraction(0))))
            if set(nz) == {spalten[p]}:
                bestimmt.add(order[spalten[p]])
    return bestimmt, rref_rows


def _term(ai: Fraction, lo_i: Fraction, hi_i: Fraction | None) -> tuple[Fraction | None, Fraction | None]:
    """(min, max) of a_i x_i over the bounds; None = unbounded (x_i has no upper bound)."""
    top = None if hi_i is None else ai * hi_i
    return (ai * lo_i, top) if ai > 0 else (top, ai * lo_i)


def _new_bounds(
    aj: Fraction, rhs: Fraction, o_min: Fraction | None, o_max: Fraction | None, ganz: bool
) -> tuple[Fraction | None, Fraction | None]:
    """Bounds of x_j from ``a_j x_j = rhs - (the others' sum)``; whole numbers for counts."""
    t_lo = None if o_max is None else rhs - o_max  # a_j x_j >= t_lo
    t_hi = None if o_min is None else rhs - o_min  # a_j x_j <= t_hi
    if aj > 0:
        new_lo = None if t_lo is None else t_lo / aj
        new_hi = None if t_hi is None else t_hi / aj
    else:
        new_lo = None if t_hi is None else t_hi / aj
        new_hi = None if t_lo is None else t_lo / aj
    if ganz:
        new_lo = None if new_lo is None else Fraction(math.ceil(new_lo))
        new_hi = None if new_hi is None else Fraction(math.floor(new_hi))
    return new_lo, new_hi


def _eingrenzen(koeff: dict[int, Fraction], rhs: Fraction, lo: list, hi: list, ganz: list[bool]) -> list[int]:
    """Narrow the bounds of each unknown of one relation by the range of the others; the
    unknowns whose bounds moved (empty: none)."""
    changed: list[int] = []
    # sum of the finite parts and number of unbounded terms, for min and for max
    fmin = fmax = Fraction(0)
    nmin = nmax = 0
    terms = {i: _term(ai, lo[i], hi[i]) for i, ai in koeff.items()}
    for tmin, tmax in terms.values():
        if tmin is None:
            nmin += 1
        else:
            fmin += tmin
        if tmax is None:
            nmax += 1
        else:
            fmax += tmax
    for j, aj in koeff.items():
        tmin, tmax = terms[j]
        # the others' sum: min and max (None if unbounded)
        o_min = (fmin - tmin) if tmin is not None and nmin == 0 else (fmin if tmin is None and nmin == 1 else None)
        o_max = (fmax - tmax) if tmax is not None and nmax == 0 else (fmax if tmax is None and nmax == 1 else None)
        new_lo, new_hi = _new_bounds(aj, rhs, o_min, o_max, ganz[j])
        moved = False
        if new_lo is not None and new_lo > lo[j]:
            lo[j] = new_lo
            moved = True
        if new_hi is not None and (hi[j] is None or new_hi < hi[j]):
            hi[j] = new_hi
            moved = True
        if moved:
            changed.append(j)
            # keep the sums current: take the old term out, put the new one in
            nmin -= tmin is None
            nmax -= tmax is None
            fmin -= tmin or 0
            fmax -= tmax or 0
            terms[j] = tmin, tmax = _term(aj, lo[j], hi[j])
            nmin += tmin is None
            nmax += tmax is None
            fmin += tmin or 0
            fmax += tmax or 0
    return changed


# Sweeps of the interval propagation at most: bounds that keep narrowing by a little (two '*' of
# a change tied to each other) stop there; what is left open stays unknown (less is derived,
# the integer audit completes it for counts).
_DURCHLAEUFE = 200

# What a reader may assume of a change between reports: any value, also below zero (a finite
# stand-in for minus infinity keeps the interval arithmetic in exact fractions).
OHNE_UNTERGRENZE = Fraction(-(10**12))


def _untergrenze(z: Zelle) -> Fraction:
    """A '*' of a count is at least 1 (0 is printed as '–'), a hidden count at least 0, an
    amount at least 0, a change has no lower bound."""
    if z.vorzeichen:
        return OHNE_UNTERGRENZE
    return Fraction(1) if (z.sichtbar and z.art is Art.ANZAHL) else Fraction(0)


def _intervals(
    zellen: Mapping[Ref, Zelle], order: list[Ref], constraints: list[Gleichung]
) -> tuple[list[Fraction], list[Fraction | None]]:
    """Interval propagation on counts: what the attacker knows about '*' narrows the range."""
    ganz = [zellen[r].art is Art.ANZAHL for r in order]
    lo = [_untergrenze(zellen[r]) for r in order]
    hi: list[Fraction | None] = [None] * len(order)
    rels_of = vorkommen(constraints)
    # Sweeps in the constraints' order as before, but a relation none of whose unknowns moved
    # since its last visit (its own changes included) is skipped: visiting it would change
    # nothing, so the bounds after every sweep, and after the last one, are the same.
    offen = [True] * len(constraints)
    for _ in range(_DURCHLAEUFE):
        changed = False
        for n, (koeff, rhs) in enumerate(constraints):
            if not offen[n]:
                continue
            offen[n] = False
            for j in _eingrenzen(koeff, rhs, lo, hi, ganz):
                changed = True
                for m in rels_of[j]:
                    offen[m] = True
        if not changed:
            break
    return lo, hi


def angriff(
    zellen: Mapping[Ref, Zelle],
    beziehungen: Iterable[Beziehung],
    unbekannt: Iterable[Ref],
    fokus: Iterable[Ref] | None = None,
) -> Angriffsergebnis:
    """What can a reader work out about the unknown cells from the printed ones?

    ``unbekannt``: cells the reader does not see (suppressed and hidden). Every other cell is
    known with its true value. Unknown printed counts are whole numbers >= 1 (zeros are never
    suppressed, they show as '–'); hidden counts are whole numbers >= 0; amounts are >= 0.
    ``fokus``: if given, only the unknowns connected to these cells are attacked (the result
    for them is the same as for the whole report; other unknowns are left out of it).
    ``angriff_gemerkt`` gives the same with the results of earlier calls on the same model.
    """
    unbekannt = set(unbekannt)
    order = sorted(unbekannt)
    idx = {r: i for i, r in enumerate(order)}
    reduced = _equations(zellen, beziehungen, unbekannt, idx)
    komp = _components(len(order), reduced)
    if fokus is not None:
        order, reduced, komp = _auf_fokus(order, reduced, komp, idx, fokus)

    bestimmt, rref_rows = _eliminate(order, reduced, komp)
    lo, hi = _intervals(zellen, order, reduced + rref_rows)
    intervalle: dict[Ref, tuple[float, float]] = {}
    for i, r in enumerate(order):
        h = math.inf if hi[i] is None else float(hi[i])
        intervalle[r] = (float(lo[i]), h)
        if hi[i] is not None and lo[i] == hi[i]:
            bestimmt.add(r)
    return Angriffsergebnis(intervalle, bestimmt)


def angriff_gemerkt(merker: Merker, unbekannt: Iterable[Ref], fokus: Iterable[Ref] | None = None) -> Angriffsergebnis:
    """``angriff`` on the merker's model, component by component, each attacked once per set of
    unknown cells: a component's result depends on its own unknowns only."""
    unbekannt = set(unbekannt)
    ziele = unbekannt if fokus is None else {r for r in fokus if r in unbekannt}
    out = Angriffsergebnis({}, set())
    erledigt: set[Ref] = set()
    for r in sorted(ziele):
        if r in erledigt:
            continue
        komp = merker.komponente(r, unbekannt)
        erledigt |= komp
        erg = merker.schnell.get(komp)
        if erg is None:
            erg = merker.schnell[komp] = angriff(merker.zellen, merker.beziehungen_von(komp), komp)
        out.intervalle.update(erg.intervalle)
        out.bestimmt |= erg.bestimmt
    return out
