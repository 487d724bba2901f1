"""The complete integer audit of the counts: for every protected count the fast attacker
(``attack``) left open, a search for another solution of all count relations with that cell
changed. If there is none, the cell is determined."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Iterable, Mapping

from assets.report.disclosure.cells import Art, Beziehung, Ref, Zelle, vorkommen

# One count relation over the unknown counts, by index: ({index: coefficient}, right-hand side).
Zaehlgleichung = tuple[dict[int, int], int]

# Search budget of the depth-first search per cell and side. It decides most cells within a few
# nodes (an alternative solution lies next to the true values, or propagation proves there is
# none); what it leaves open goes to an exact integer programme (``_milp_loesung``, a few ms). Before,
# an exhausted budget counted as determined: on a series of reports (signed change cells of wide
# range) that withheld cells nobody could work out, and the search took minutes
# (bench/berichtsreihe.py, docs/entscheidungen.md).
_KNOTEN = 100
# The integer programme's time limit per solve; a solve that does not finish counts as
# "no other solution": the cell is withheld (more suppression at worst, never less).
_MILP_SEKUNDEN = 20.0
# The cap of a '*' count: this many times the largest count of the report, plus this much.
_CAP_FAKTOR = 10
_CAP_ZUSCHLAG = 10


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _propagate(rels: list[Zaehlgleichung], lo: list[int], hi: list[int], rels_of: Mapping[int, list[int]] | None = None,
               geaendert: Iterable[int] | None = None) -> bool:
    """Narrow integer bounds until nothing changes; False if infeasible.

    A worklist: only relations with an unknown whose bounds moved are visited again (those of
    ``geaendert`` first, all if None; the bounds must be narrowed already for every other
    relation). Every relation only narrows, so the end is the same in any order: the widest
    bounds that no relation narrows any more (or none)."""
    if rels_of is None:
        rels_of = vorkommen(rels)
    start = range(len(rels)) if geaendert is None else sorted({n for i in geaendert for n in rels_of.get(i, ())})
    schlange = deque(start)
    wartet = set(schlange)
    while schlange:
        n = schlange.popleft()
        wartet.discard(n)
        koeff, rhs = rels[n]
        # range of sum(a_i x_i) over the current bounds, then each term's share removed
        smin = smax = 0
        for i, ai in koeff.items():
            if ai > 0:
                smin += ai * lo[i]
                smax += ai * hi[i]
            else:
                smin += ai * hi[i]
                smax += ai * lo[i]
        if smin > rhs or smax < rhs:
            return False
        for j, aj in koeff.items():
            own_min, own_max = (aj * lo[j], aj * hi[j]) if aj > 0 else (aj * hi[j], aj * lo[j])
            rlo = rhs - (smax - own_max)  # a_j x_j >= rlo
            rhi = rhs - (smin - own_min)  # a_j x_j <= rhi
            if aj > 0:
                nlo, nhi = _ceil_div(rlo, aj), rhi // aj
            else:
                nlo, nhi = _ceil_div(rhi, aj), rlo // aj
            if nlo > lo[j] or nhi < hi[j]:
                lo[j], hi[j] = max(lo[j], nlo), min(hi[j], nhi)
                if lo[j] > hi[j]:
                    return False
                for m in rels_of[j]:  # this relation too: its other terms saw j's old bounds
                    if m not in wartet:
                        wartet.add(m)
                        schlange.append(m)
                # keep the sums current
                smin += (aj * lo[j] if aj > 0 else aj * hi[j]) - own_min
                smax += (aj * hi[j] if aj > 0 else aj * lo[j]) - own_max
    return True


def _nearest_first(mitte: int, lo: int, hi: int):
    """lo..hi, the values nearest ``mitte`` first (the other cells usually keep their true values
    in an alternative solution)."""
    mitte = min(max(mitte, lo), hi)
    yield mitte
    for d in range(1, hi - lo + 1):
        if mitte + d <= hi:
            yield mitte + d
        if mitte - d >= lo:
            yield mitte - d
        if mitte + d > hi and mitte - d < lo:
            return


def _solution_found(
    rels, lo: list[int], hi: list[int], wahr: list[int], budget: list[int], nicht_null: frozenset[int] = frozenset(),
    rels_of: Mapping[int, list[int]] | None = None, geaendert: Iterable[int] | None = None,
    loesung: list[int] | None = None,
) -> bool | None:
    """Depth-first search for any integer point in the bounds satisfying ``rels``; the unknowns
    in ``nicht_null`` (a printed '*' of a change, which is never 0) skip 0. ``geaendert``: the
    unknowns fixed since the bounds were last narrowed (None: all relations are narrowed).
    True: found (then in ``loesung``, if given); False: none exists; None: budget exhausted."""
    budget[0] -= 1
    if budget[0] < 0:
        return None
    if rels_of is None:
        rels_of = vorkommen(rels)
    if not _propagate(rels, lo, hi, rels_of, geaendert):
        return False
    offen = [i for i in range(len(lo)) if lo[i] < hi[i]]
    if not offen:
        ok = all(lo[i] != 0 for i in nicht_null) and all(sum(a * lo[i] for i, a in k.items()) == r for k, r in rels)
        if ok and loesung is not None:
            loesung[:] = lo
        return ok
    j = min(offen, key=lambda i: hi[i] - lo[i])
    unsicher = False
    for v in _nearest_first(wahr[j], lo[j], hi[j]):
        if v == 0 and j in nicht_null:
            continue
        l2, h2 = lo[:], hi[:]
        l2[j] = h2[j] = v
        r = _solution_found(rels, l2, h2, wahr, budget, nicht_null, rels_of, (j,), loesung)
        if r:
            return True
        if r is None:
            unsicher = True
            break
    return None if unsicher else False


def _zaehlgleichungen(
    zellen: Mapping[Ref, Zelle], beziehungen: Iterable[Beziehung], idx: dict[Ref, int]
) -> list[Zaehlgleichung]:
    """The relations between counts only, with every known count moved to the right-hand side."""
    rels: list[Zaehlgleichung] = []
    for b in beziehungen:
        if any(zellen[r].art is not Art.ANZAHL for r in b.refs):
            continue
        koeff: dict[int, int] = defaultdict(int)
        rhs = int(round(b.konstante))
        for r, k in b.terme:
            if r in idx:
                koeff[idx[r]] += k
            else:
                rhs -= k * int(round(zellen[r].wert or 0))
        koeff = {i: k for i, k in koeff.items() if k}
        if koeff:
            rels.append((koeff, rhs))
    return rels


def _connected(j: int, rels: list[Zaehlgleichung], rels_of: Mapping[int, list[int]]) -> tuple[set[int], set[int]]:
    """The relations connected to unknown ``j`` through unknown cells, and those unknowns: only
    they matter, everything else can keep its true values."""
    komp_rels, gesehen, front = set(), {j}, [j]
    while front:
        nxt = []
        for i in front:
            for n in rels_of[i]:
                if n not in komp_rels:
                    komp_rels.add(n)
                    nxt.extend(x for x in rels[n][0] if x not in gesehen)
                    gesehen.update(rels[n][0])
        front = nxt
    return komp_rels, gesehen


def _anders_moeglich(
    sub: list[Zaehlgleichung], j: int, gesehen: set[int], lo: list[int], hi: list[int], wahr: list[int],
    nicht_null: frozenset[int] = frozenset(), loesung: list[int] | None = None,
) -> bool:
    """Is there a solution of ``sub`` with unknown ``j`` below or above its true value? The
    depth-first search first, the integer programme where its budget runs out. The solution
    found goes to ``loesung``, if given."""
    for seite in ("unten", "oben"):
        l2, h2 = lo[:], hi[:]
        for i in range(len(lo)):
            if i not in gesehen:
                l2[i] = h2[i] = wahr[i]
        if seite == "unten":
            h2[j] = wahr[j] - 1
        else:
            l2[j] = wahr[j] + 1
        if l2[j] > h2[j]:
            continue
        gefunden = _solution_found(sub, l2[:], h2[:], wahr, [_KNOTEN], nicht_null, loesung=loesung)
        if gefunden is None:
            gefunden = _milp_loesung(sub, sorted(gesehen), l2, h2, nicht_null, loesung)
        if gefunden:
            return True
    return False


def _milp_loesung(sub: list[Zaehlgleichung], var: list[int], lo: list[int], hi: list[int],
                  nicht_null: frozenset[int], loesung: list[int] | None = None) -> bool:
    """Does ``sub`` have an integer solution within ``lo``..``hi`` (the unknowns in
    ``nicht_null`` not 0)? Exact integer programme (HiGHS through scipy, installed with GX);
    a solution is checked in whole numbers before it counts, and a solve that fails or runs out
    of time counts as none (more suppression at worst)."""
    import numpy as np  # heavy: only for the rare cells the search leaves open
    from scipy.optimize import Bounds, LinearConstraint, milp  # heavy: as above

    spalte = {i: n for n, i in enumerate(var)}
    schalter = [i for i in var if i in nicht_null and lo[i] < 0 < hi[i]]
    nv = len(var) + len(schalter)
    a = np.zeros((len(sub) + 2 * len(schalter), nv))
    unten, oben = [], []
    for n, (koeff, rhs) in enumerate(sub):
        for i, k in koeff.items():
            a[n, spalte[i]] = k
        unten.append(rhs)
        oben.append(rhs)
    for m, i in enumerate(schalter):  # x != 0 as x >= 1 or x <= -1, switched by a 0/1 variable y
        zeile, y = len(sub) + 2 * m, len(var) + m
        a[zeile, spalte[i]], a[zeile, y] = 1, 1 - lo[i]  # x + (1 - lo) y >= 1
        a[zeile + 1, spalte[i]], a[zeile + 1, y] = 1, hi[i] + 1  # x + (hi + 1) y <= hi
        unten += [1, -np.inf]
        oben += [np.inf, hi[i]]
    lo2 = [max(lo[i], 1) if i in nicht_null and lo[i] == 0 else lo[i] for i in var] + [0] * len(schalter)
    hi2 = [min(hi[i], -1) if i in nicht_null and hi[i] == 0 else hi[i] for i in var] + [1] * len(schalter)
    if any(x > y for x, y in zip(lo2, hi2)):
        return False
    res = milp(np.zeros(nv), constraints=LinearConstraint(a, unten, oben), integrality=np.ones(nv),
               bounds=Bounds(lo2, hi2), options={"time_limit": _MILP_SEKUNDEN})
    if res.status != 0 or res.x is None:
        return False
    x = {i: int(round(res.x[spalte[i]])) for i in var}
    ok = (all(lo[i] <= x[i] <= hi[i] for i in var) and all(x[i] != 0 for i in var if i in nicht_null)
          and all(sum(k * x[i] for i, k in koeff.items()) == rhs for koeff, rhs in sub))
    if ok and loesung is not None:
        loesung[:] = [x.get(i, lo[i]) for i in range(len(lo))]
    return ok


def _ohne_freie_differenzen(sub: list[Zaehlgleichung], j: int, frei: frozenset[int]) -> list[Zaehlgleichung]:
    """``sub`` without the relations that a hidden change (a signed cell no report prints) in
    no other relation can always satisfy: such a relation says nothing about the other cells, and
    left in, its change's wide range of values makes the search of a series of reports explode
    (every released cell is tied to the new one through such a change). ``j`` itself stays."""
    return [sub[n] for n in _behaltene(sub, j, frei)]


def _behaltene(sub: list[Zaehlgleichung], j: int, frei: frozenset[int]) -> list[int]:
    """The positions in ``sub`` that ``_ohne_freie_differenzen`` keeps."""
    bleiben = list(range(len(sub)))
    while True:
        anzahl: dict[int, int] = defaultdict(int)
        for n in bleiben:
            for i in sub[n][0]:
                anzahl[i] += 1
        weg = {n for n in bleiben
               if any(i in frei and i != j and anzahl[i] == 1 and abs(a) == 1 for i, a in sub[n][0].items())}
        if not weg:
            return bleiben
        bleiben = [n for n in bleiben if n not in weg]


def _obergrenze(zellen: Mapping[Ref, Zelle]) -> int:
    """No '*' can exceed the largest printed count of the report by much; a cap only narrows the
    search (more suppression at worst), it never hides a disclosure."""
    return _CAP_FAKTOR * max([abs(int(round(z.wert or 0))) for z in zellen.values() if z.art is Art.ANZAHL] + [1]) + _CAP_ZUSCHLAG


def _schranken(zellen: Mapping[Ref, Zelle], order: list[Ref], cap: int):
    """True values, bounds, the '*' of changes (never 0) and the hidden changes of ``order``."""
    wahr = [int(round(zellen[r].wert or 0)) for r in order]
    lo = [-cap if zellen[r].vorzeichen else (1 if zellen[r].sichtbar else 0) for r in order]
    hi = [cap] * len(order)
    nicht_null = frozenset(i for i, r in enumerate(order) if zellen[r].vorzeichen and zellen[r].sichtbar)
    frei = frozenset(i for i, r in enumerate(order) if zellen[r].vorzeichen and not zellen[r].sichtbar)
    return wahr, lo, hi, nicht_null, frei


def ganzzahlig_bestimmt(
    zellen: Mapping[Ref, Zelle], beziehungen: Iterable[Beziehung], unbekannt: Iterable[Ref], pruefen: Iterable[Ref]
) -> set[Ref]:
    """Which of the count cells ``pruefen`` does every integer solution of the count relations
    give the same value? (Complete for counts: finds what elimination and per-relation bounds
    miss, e.g. two totals whose difference leaves two '*' summing to 2.)

    For each cell, an alternative solution is searched with the cell's value changed; the
    true values are a solution, so the search starts from them. The full audit, on the whole
    report; ``integer_parts.ganzzahlig_bestimmt_gemerkt`` gives the same with a merker.
    """
    unbekannt = set(unbekannt)
    order = sorted(r for r in unbekannt if zellen[r].art is Art.ANZAHL)
    idx = {r: i for i, r in enumerate(order)}
    rels = _zaehlgleichungen(zellen, beziehungen, idx)
    wahr, lo, hi, nicht_null, frei = _schranken(zellen, order, _obergrenze(zellen))
    rels_of = vorkommen(rels)
    out: set[Ref] = set()
    for r in pruefen:
        if r not in idx:
            continue
        j = idx[r]
        if not rels_of[j]:
            continue  # in no count relation: nothing to derive it from
        komp_rels, gesehen = _connected(j, rels, rels_of)
        sub = _ohne_freie_differenzen([rels[n] for n in sorted(komp_rels)], j, frei)
        if not _anders_moeglich(sub, j, gesehen, lo, hi, wahr, nicht_null):
            out.add(r)
    return out
