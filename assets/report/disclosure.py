"""Statistical confidentiality (Geheimhaltung) for everything that leaves the office.

The Bundesagentur für Arbeit's rule (kennzahlen.md, "Council tables"):

- a count of 1 or 2 is shown as ``*`` (primary suppression);
- so is every figure from which such a count can be worked out: totals of rows and columns,
  "davon" breakdowns whose remainder is small, the same figure in another table of the report,
  and differences between tables (secondary suppression);
- a rate, median or amount built on a suppressed count is suppressed too;
- 0 is shown as ``–``.

How it works, in one place so that every output (bericht tables, CSV, XLSX, DOCX, charts) uses
the same decisions:

1. A report is a set of *cells* (one per published number; ``Ref = (tabelle, zeile, spalte)``)
   plus *hidden cells* (remainders of "davon" breakdowns that are not printed but follow from
   two printed numbers, e.g. "registered but not active mentors"), and a set of linear
   *relations* between them (``sum(coef * cell) == constant``): row and column totals, "davon"
   breakdowns, the same figure in two tables, stock-flow identities.
2. Counts of 1 or 2 are suppressed (primary); dependent cells follow their basis.
3. An *attacker* computes what can be worked out from the printed numbers: exact Gaussian
   elimination over the rationals (a cell is determined if it is a linear combination of the
   relations' right-hand sides) plus interval propagation that uses what the attacker knows about
   a ``*``: it is a whole number of at least 1 (0 would be printed as ``–``) (``angriff``, fast);
   then, for every protected count it left open, a complete integer search for another solution
   of all count relations with that cell changed (``ganzzahlig_bestimmt``): if there is none,
   the cell is determined.
4. While the attacker can determine any suppressed cell, or a hidden remainder of 1 or 2, the
   next smallest printed non-zero cell of a relation that exposes it is suppressed as well (the
   BA's "next smallest" rule), and the attack is repeated. Every iteration suppresses one more
   cell, so the loop ends; the result is checked by the same attacker before it is returned.

Relations that a caller declares but that do not hold in the data (e.g. entries before the
programme start make "sum of Eintritte = Teilnehmende gesamt" false) are dropped: an attacker
using them would compute wrong values, so they cannot disclose anything.

Everything here is pure: polars frames and Python values in, polars frames of text out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Iterable, Mapping

import polars as pl

# --- the signs of official statistics (as the BA and the statistical offices use them) ---------

GESPERRT = "*"  # suppressed for confidentiality
NICHTS = "–"  # exactly zero (U+2013 EN DASH, as in BA tables)
NICHT_SINNVOLL = "x"  # cell blocked because a value would not make sense (e.g. rate of 0 cases)

BA_FUSSNOTE = (
    "Aus Gründen der statistischen Geheimhaltung werden Zahlenwerte von 1 oder 2 und Daten, aus "
    "denen rechnerisch auf einen solchen Zahlenwert geschlossen werden kann, anonymisiert (*)."
)
ZEICHENERKLAERUNG = (
    "Zeichenerklärung: * = anonymisiert (statistische Geheimhaltung); – = nichts vorhanden; "
    "0 = mehr als nichts, aber weniger als die Hälfte der kleinsten ausgewiesenen Einheit; "
    "x = Angabe nicht sinnvoll."
)

Ref = tuple[str, str, str]  # (tabelle, zeile, spalte)


class Art(StrEnum):
    """Kind of a published number: decides primary suppression, rounding and formatting."""

    ANZAHL = "anzahl"  # count of people, cases, events: primary suppression of 1 and 2
    BETRAG = "betrag"  # amount (hours, km, kg, EUR): suppressed only with its basis
    QUOTE = "quote"  # fraction 0..1, printed as percent; suppressed with numerator/denominator
    MEDIAN = "median"  # median of individual values; suppressed with its number of cases


class GeheimhaltungsFehler(RuntimeError):
    """The suppression could not protect a cell: the report must not be published."""


# --- German number formatting ------------------------------------------------------------------


def _round_half_up(value: float, dezimalen: int) -> Decimal:
    q = Decimal(1).scaleb(-dezimalen)
    return Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP)


def zahl_de(value: float, dezimalen: int = 0) -> str:
    """German notation: 1.234,5 (thousands '.', decimal ',')."""
    d = _round_half_up(value, dezimalen)
    sign = "-" if d < 0 else ""
    d = abs(d)
    whole, _, frac = f"{d:.{dezimalen}f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    return sign + (out + "," + frac if dezimalen > 0 else out)


def format_anzahl(value: float | int | None) -> str:
    if value is None:
        return NICHT_SINNVOLL
    v = int(round(value))
    return NICHTS if v == 0 else zahl_de(v, 0)


def format_betrag(value: float | None, dezimalen: int = 0) -> str:
    """Amounts: '–' only for exactly nothing; a positive amount that rounds to 0 shows as 0."""
    if value is None:
        return NICHT_SINNVOLL
    if value == 0:
        return NICHTS
    return zahl_de(value, dezimalen)


def format_quote(value: float | None, dezimalen: int = 1) -> str:
    """A fraction 0..1 as German percent ('66,7 %'); NULL (denominator 0) is 'x'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NICHT_SINNVOLL
    return zahl_de(value * 100, dezimalen) + " %"


def format_wert(value: float | None, art: Art, dezimalen: int = 0) -> str:
    if art is Art.ANZAHL:
        return format_anzahl(value)
    if art is Art.QUOTE:
        return format_quote(value, dezimalen or 1)
    if art is Art.MEDIAN:
        return NICHT_SINNVOLL if value is None else zahl_de(value, dezimalen)
    return format_betrag(value, dezimalen)


def parse_de(text: str | None) -> float | None:
    """Inverse of the formatting for published cells: '1.234,5' -> 1234.5, '–' -> 0.0, '66,7 %' ->
    0.667; None for '*', 'x', empty or non-numeric text (so a chart can never plot a suppressed
    value as a number)."""
    if text is None:
        return None
    t = text.strip()
    if t == NICHTS:
        return 0.0
    if t in (GESPERRT, NICHT_SINNVOLL, ""):
        return None
    pct = t.endswith("%")
    t = t.rstrip("%").strip().replace(".", "").replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v / 100 if pct else v


# --- cells and relations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Zelle:
    ref: Ref
    wert: float | None
    art: Art
    dezimalen: int = 0
    sichtbar: bool = True  # False: hidden remainder of a "davon" breakdown, never printed
    fest: bool = False  # public anyway (e.g. the budget from the configuration): never suppressed


@dataclass(frozen=True)
class Beziehung:
    """``sum(koeffizient * zelle) == konstante``, known to every reader of the report."""

    terme: tuple[tuple[Ref, int], ...]
    konstante: float = 0.0
    bezeichnung: str = ""

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(r for r, _ in self.terme)


def haelt(b: Beziehung, werte: Mapping[Ref, float | None], toleranz: float = 1e-6) -> bool:
    """Does the relation hold in the data? (Relations that do not are not usable by an attacker.)"""
    s = 0.0
    scale = abs(b.konstante)
    for r, k in b.terme:
        v = werte.get(r)
        if v is None:
            return False
        s += k * v
        scale = max(scale, abs(v))
    return abs(s - b.konstante) <= toleranz * max(1.0, scale) + 1e-9


def ist_primaer(zelle: Zelle) -> bool:
    """Primary suppression: a count of 1 or 2."""
    return zelle.art is Art.ANZAHL and zelle.wert is not None and int(round(zelle.wert)) in (1, 2)


def ist_schutzbeduerftig(zelle: Zelle) -> bool:
    """A hidden remainder must not be derivable if it is a small count."""
    return ist_primaer(zelle)


# --- the attacker ------------------------------------------------------------------------------


def _rref(rows: list[list[Fraction]], ncols: int) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form of an augmented matrix (last column = right-hand side)."""
    m = [r[:] for r in rows]
    pivots: list[int] = []
    r = 0
    for c in range(ncols):
        piv = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        f = m[r][c]
        m[r] = [x / f for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                g = m[i][c]
                m[i] = [a - g * b for a, b in zip(m[i], m[r])]
        pivots.append(c)
        r += 1
        if r == len(m):
            break
    return m[:r], pivots


@dataclass
class Angriffsergebnis:
    intervalle: dict[Ref, tuple[float, float]]  # what the attacker knows about each unknown cell
    bestimmt: set[Ref]  # unknown cells whose value the attacker can work out exactly


def _komponenten(n: int, reduced: list[tuple[dict[int, Fraction], Fraction]]) -> list[int]:
    """Component label per unknown: unknowns linked through a shared relation belong together.
    Neither elimination nor bounds carry information between components, so each can be
    attacked on its own (a few small systems instead of one large one)."""
    eltern = list(range(n))

    def wurzel(i: int) -> int:
        while eltern[i] != i:
            eltern[i] = eltern[eltern[i]]
            i = eltern[i]
        return i

    for koeff, _ in reduced:
        it = iter(koeff)
        erster = wurzel(next(it))
        for i in it:
            eltern[wurzel(i)] = erster
    return [wurzel(i) for i in range(n)]


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
    """
    unbekannt = set(unbekannt)
    order = sorted(unbekannt)
    idx = {r: i for i, r in enumerate(order)}
    n = len(order)

    reduced: list[tuple[dict[int, Fraction], Fraction]] = []
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

    komp = _komponenten(n, reduced)
    if fokus is not None:
        gewollt = {komp[idx[r]] for r in fokus if r in idx}
        reduced = [(k, rhs) for k, rhs in reduced if komp[next(iter(k))] in gewollt]
        behalten = [i for i in range(n) if komp[i] in gewollt]
        order = [order[i] for i in behalten]
        neu = {alt: i for i, alt in enumerate(behalten)}
        reduced = [({neu[i]: a for i, a in k.items()}, rhs) for k, rhs in reduced]
        komp = [komp[i] for i in behalten]
        n = len(order)

    # 1) linear algebra: determined cells of the linear system alone, one component at a time
    bestimmt: set[Ref] = set()
    rref_rows: list[tuple[dict[int, Fraction], Fraction]] = []
    je_komp: dict[int, list[tuple[dict[int, Fraction], Fraction]]] = defaultdict(list)
    for koeff, rhs in reduced:
        je_komp[komp[next(iter(koeff))]].append((koeff, rhs))
    for gruppe in je_komp.values():
        spalten = sorted({i for koeff, _ in gruppe for i in koeff})
        lokal = {g: i for i, g in enumerate(spalten)}
        w = len(spalten)
        rows = []
        for koeff, rhs in gruppe:
            row = [Fraction(0)] * (w + 1)
            for i, k in koeff.items():
                row[lokal[i]] = Fraction(k)
            row[w] = rhs
            rows.append(row)
        m, pivots = _rref(rows, w)
        for row, p in zip(m, pivots):
            nz = {spalten[i]: row[i] for i in range(w) if row[i] != 0}
            rref_rows.append((nz, row[w]))
            if set(nz) == {spalten[p]}:
                bestimmt.add(order[spalten[p]])

    # 2) interval propagation on counts: what the attacker knows about '*' narrows the range
    ganz = [zellen[r].art is Art.ANZAHL for r in order]
    lo = [Fraction(1) if (zellen[r].sichtbar and zellen[r].art is Art.ANZAHL) else Fraction(0) for r in order]
    hi: list[Fraction | None] = [None] * n
    constraints = reduced + rref_rows
    def term(ai: Fraction, i: int) -> tuple[Fraction | None, Fraction | None]:
        """(min, max) of a_i x_i over the bounds; None = unbounded (x_i has no upper bound)."""
        top = None if hi[i] is None else ai * hi[i]
        return (ai * lo[i], top) if ai > 0 else (top, ai * lo[i])

    for _ in range(200):
        changed = False
        for koeff, rhs in constraints:
            # sum of the finite parts and number of unbounded terms, for min and for max
            fmin = fmax = Fraction(0)
            nmin = nmax = 0
            terms = {i: term(ai, i) for i, ai in koeff.items()}
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
                t_lo = None if o_max is None else rhs - o_max  # a_j x_j >= t_lo
                t_hi = None if o_min is None else rhs - o_min  # a_j x_j <= t_hi
                if aj > 0:
                    new_lo = None if t_lo is None else t_lo / aj
                    new_hi = None if t_hi is None else t_hi / aj
                else:
                    new_lo = None if t_hi is None else t_hi / aj
                    new_hi = None if t_lo is None else t_lo / aj
                if ganz[j]:
                    new_lo = None if new_lo is None else Fraction(math.ceil(new_lo))
                    new_hi = None if new_hi is None else Fraction(math.floor(new_hi))
                moved = False
                if new_lo is not None and new_lo > lo[j]:
                    lo[j] = new_lo
                    moved = True
                if new_hi is not None and (hi[j] is None or new_hi < hi[j]):
                    hi[j] = new_hi
                    moved = True
                if moved:
                    changed = True
                    # keep the sums current: take the old term out, put the new one in
                    nmin -= tmin is None
                    nmax -= tmax is None
                    fmin -= tmin or 0
                    fmax -= tmax or 0
                    terms[j] = tmin, tmax = term(aj, j)
                    nmin += tmin is None
                    nmax += tmax is None
                    fmin += tmin or 0
                    fmax += tmax or 0
        if not changed:
            break
    intervalle: dict[Ref, tuple[float, float]] = {}
    for i, r in enumerate(order):
        h = math.inf if hi[i] is None else float(hi[i])
        intervalle[r] = (float(lo[i]), h)
        if hi[i] is not None and lo[i] == hi[i]:
            bestimmt.add(r)
    return Angriffsergebnis(intervalle, bestimmt)


# --- complete integer audit of the counts ------------------------------------------------------

# Search budget per cell. If it runs out the cell is treated as determined: that can only
# suppress more, never less.
_KNOTEN = 20_000


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _propagieren(rels: list[tuple[dict[int, int], int]], lo: list[int], hi: list[int]) -> bool:
    """Narrow integer bounds until nothing changes; False if infeasible."""
    changed = True
    while changed:
        changed = False
        for koeff, rhs in rels:
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
                    changed = True
                    # keep the sums current
                    smin += (aj * lo[j] if aj > 0 else aj * hi[j]) - own_min
                    smax += (aj * hi[j] if aj > 0 else aj * lo[j]) - own_max
    return True


def _nah_zuerst(mitte: int, lo: int, hi: int):
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


def _loesung_gefunden(rels, lo: list[int], hi: list[int], wahr: list[int], budget: list[int]) -> bool | None:
    """Depth-first search for any integer point in the bounds satisfying ``rels``.
    True: found; False: none exists; None: budget exhausted."""
    budget[0] -= 1
    if budget[0] < 0:
        return None
    if not _propagieren(rels, lo, hi):
        return False
    offen = [i for i in range(len(lo)) if lo[i] < hi[i]]
    if not offen:
        return all(sum(a * lo[i] for i, a in k.items()) == r for k, r in rels)
    j = min(offen, key=lambda i: hi[i] - lo[i])
    unsicher = False
    for v in _nah_zuerst(wahr[j], lo[j], hi[j]):
        l2, h2 = lo[:], hi[:]
        l2[j] = h2[j] = v
        r = _loesung_gefunden(rels, l2, h2, wahr, budget)
        if r:
            return True
        if r is None:
            unsicher = True
            break
    return None if unsicher else False


def ganzzahlig_bestimmt(
    zellen: Mapping[Ref, Zelle], beziehungen: Iterable[Beziehung], unbekannt: Iterable[Ref], pruefen: Iterable[Ref]
) -> set[Ref]:
    """Which of the count cells ``pruefen`` does every integer solution of the count relations
    give the same value? (Complete for counts: finds what elimination and per-relation bounds
    miss, e.g. two totals whose difference leaves two '*' summing to 2.)

    For each cell, an alternative solution is searched with the cell's value changed; the
    true values are a solution, so the search starts from them.
    """
    unbekannt = set(unbekannt)
    order = sorted(r for r in unbekannt if zellen[r].art is Art.ANZAHL)
    idx = {r: i for i, r in enumerate(order)}
    rels: list[tuple[dict[int, int], int]] = []
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
    wahr = [int(round(zellen[r].wert or 0)) for r in order]
    lo = [1 if zellen[r].sichtbar else 0 for r in order]
    # No '*' can exceed the largest printed count of the report by much; a cap only narrows the
    # search (more suppression at worst), it never hides a disclosure.
    cap = 10 * max([int(round(z.wert or 0)) for z in zellen.values() if z.art is Art.ANZAHL] + [1]) + 10
    hi = [cap] * len(order)
    rels_of: dict[int, list[int]] = defaultdict(list)
    for n, (k, _) in enumerate(rels):
        for i in k:
            rels_of[i].append(n)
    out: set[Ref] = set()
    for r in pruefen:
        if r not in idx:
            continue
        j = idx[r]
        if not rels_of[j]:
            continue  # in no count relation: nothing to derive it from
        # Only the relations connected to the cell through unknown cells matter: everything
        # else can keep its true values.
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
        sub = [rels[n] for n in sorted(komp_rels)]
        gefunden = False
        for seite in ("unten", "oben"):
            l2, h2 = lo[:], hi[:]
            for i in range(len(order)):
                if i not in gesehen:
                    l2[i] = h2[i] = wahr[i]
            if seite == "unten":
                h2[j] = wahr[j] - 1
            else:
                l2[j] = wahr[j] + 1
            if l2[j] > h2[j]:
                continue
            if _loesung_gefunden(sub, l2, h2, wahr, [_KNOTEN]):
                gefunden = True
                break
        if not gefunden:
            out.add(r)
    return out


# --- suppression -------------------------------------------------------------------------------


@dataclass
class Sperrung:
    gesperrt: dict[Ref, str]  # ref -> reason: 'primär', 'sekundär', 'abhängig'
    beziehungen: list[Beziehung]  # the relations that hold and were protected against


def sperren(
    zellen: Mapping[Ref, Zelle],
    beziehungen: Iterable[Beziehung],
    abhaengigkeiten: Mapping[Ref, Iterable[Ref]] = {},
) -> Sperrung:
    """Primary, dependent and secondary suppression until no protected cell can be worked out.

    Pure function; see the module docstring for the method.
    """
    werte = {r: z.wert for r, z in zellen.items()}
    gueltig = [b for b in beziehungen if all(r in zellen for r in b.refs) and haelt(b, werte)]
    abh = {r: tuple(bs) for r, bs in abhaengigkeiten.items()}
    gesperrt: dict[Ref, str] = {
        r: "primär" for r, z in zellen.items() if z.sichtbar and not z.fest and ist_primaer(z)
    }
    verdeckt = {r for r, z in zellen.items() if not z.sichtbar}
    rel_of: dict[Ref, list[int]] = defaultdict(list)
    for i, b in enumerate(gueltig):
        for r in b.refs:
            rel_of[r].append(i)
    reihenfolge = {r: i for i, r in enumerate(zellen)}

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
        offen = sorted(_bestimmt(zellen, gueltig, unbekannt, schutz), key=lambda r: reihenfolge[r])
        if not offen:
            return Sperrung(gesperrt, gueltig)
        ziel = offen[0]
        wahl = _waehle(ziel, gueltig, rel_of, unbekannt, kandidaten, zellen, schutz, reihenfolge)
        if wahl is None:
            raise GeheimhaltungsFehler(f"Zelle {ziel} lässt sich nicht schützen")
        gesperrt[wahl] = "sekundär"
    raise GeheimhaltungsFehler("Sperrung konvergiert nicht")  # unreachable: one cell per round


def _bestimmt(zellen, beziehungen, unbekannt: set[Ref], schutz: set[Ref]) -> set[Ref]:
    """Protected cells a reader can work out: fast attack first, then the complete integer
    search for the protected counts it left open."""
    schnell = angriff(zellen, beziehungen, unbekannt, fokus=schutz).bestimmt & schutz
    rest = {r for r in schutz - schnell if zellen[r].art is Art.ANZAHL}
    return schnell | (ganzzahlig_bestimmt(zellen, beziehungen, unbekannt, rest) if rest else set())


def _waehle(ziel, gueltig, rel_of, unbekannt, kandidaten, zellen, schutz, reihenfolge) -> Ref | None:
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
            if ziel not in _bestimmt(zellen, gueltig, unbekannt | {k}, {ziel}):
                return k
        gesehen.update(nxt)
        front = list(dict.fromkeys(nxt))
    return erster


# How many candidates per ring are tried before the smallest is taken anyway: bounds the work on
# large tables (every try is one attack) without changing the result on council-sized ones.
_LOOKAHEAD = 25


# --- a report as polars frames -----------------------------------------------------------------


@dataclass
class _Tabelle:
    name: str
    frame: pl.DataFrame
    schluessel: str
    spalten: dict[str, Art | str]
    dezimalen: dict[str, int]
    zeilen: list[str] = field(default_factory=list)


class Geheimhaltung:
    """Collects the tables of one report and the relations between them, then suppresses.

    Usage::

        g = Geheimhaltung()
        g.tabelle("vermittlungen", df, "zeitraum", {"svb": Art.ANZAHL, ...})
        g.zeilensummen("vermittlungen", "insgesamt", ["svb", "ausbildung_selbstaendigkeit"])
        g.spaltensummen("vermittlungen", "Insgesamt", ["svb", ...])
        g.gleich(("ueberblick", "Vermittlungen", "wert"), ("vermittlungen", "Insgesamt", "insgesamt"))
        ergebnis = g.anwenden()

    A value column's kind is an ``Art``, or the name of a frame column that holds the ``Art`` per
    row (for key-value tables such as the overview). ``None`` values print as 'x' and take no part
    in suppression. ``fest`` cells are public anyway (configuration values) and never suppressed.
    """

    def __init__(self) -> None:
        self._tabellen: dict[str, _Tabelle] = {}
        self._zellen: dict[Ref, Zelle] = {}
        self._beziehungen: list[Beziehung] = []
        self._abh: dict[Ref, tuple[Ref, ...]] = {}
        self._fest_text: dict[Ref, str] = {}

    # -- registration ---------------------------------------------------------------------------

    def tabelle(
        self,
        name: str,
        frame: pl.DataFrame,
        schluessel: str,
        spalten: Mapping[str, Art | str],
        dezimalen: Mapping[str, int] | None = None,
        fest: Iterable[tuple[str, str]] = (),
    ) -> None:
        if name in self._tabellen:
            raise ValueError(f"Tabelle {name} doppelt")
        zeilen = [str(z) for z in frame[schluessel].to_list()]
        if len(set(zeilen)) != len(zeilen):
            raise ValueError(f"Tabelle {name}: Zeilenschlüssel nicht eindeutig")
        dez = dict(dezimalen or {})
        fest = set(fest)
        t = _Tabelle(name, frame, schluessel, dict(spalten), dez, zeilen)
        self._tabellen[name] = t
        for i, zeile in enumerate(zeilen):
            for spalte, art in t.spalten.items():
                a = art if isinstance(art, Art) else Art(frame[art][i])
                v = frame[spalte][i]
                if v is None:
                    continue
                ref = (name, zeile, spalte)
                self._zellen[ref] = Zelle(ref, float(v), a, dez.get(spalte, 0), True, (zeile, spalte) in fest)

    def fester_text(self, ref: Ref, text: str) -> None:
        """Print a literal text in a cell that is not a number of the statistics (e.g. a month)."""
        self._fest_text[ref] = text

    def ref(self, tabelle: str, zeile: str, spalte: str) -> Ref:
        return (tabelle, str(zeile), spalte)

    def hat(self, ref: Ref) -> bool:
        return ref in self._zellen

    def wert(self, ref: Ref) -> float | None:
        z = self._zellen.get(ref)
        return None if z is None else z.wert

    # -- relations ------------------------------------------------------------------------------

    def beziehung(self, terme: Mapping[Ref, int] | Iterable[tuple[Ref, int]], konstante: float = 0.0, bezeichnung: str = "") -> None:
        items = tuple(terme.items()) if isinstance(terme, Mapping) else tuple(terme)
        if all(r in self._zellen for r, _ in items):
            self._beziehungen.append(Beziehung(items, konstante, bezeichnung))

    def summe(self, gesamt: Ref, teile: Iterable[Ref], bezeichnung: str = "") -> None:
        """gesamt = sum(teile)."""
        self.beziehung([(gesamt, 1)] + [(t, -1) for t in teile], 0.0, bezeichnung or f"Summe {gesamt}")

    def gleich(self, a: Ref, b: Ref, bezeichnung: str = "") -> None:
        """The same figure printed twice (e.g. in the overview and in a detail table)."""
        self.beziehung([(a, 1), (b, -1)], 0.0, bezeichnung or f"{a} = {b}")

    def zeilensummen(self, tabelle: str, gesamt_spalte: str, teil_spalten: Iterable[str]) -> None:
        teil_spalten = list(teil_spalten)
        for zeile in self._tabellen[tabelle].zeilen:
            self.summe((tabelle, zeile, gesamt_spalte), [(tabelle, zeile, s) for s in teil_spalten], f"{tabelle}: Zeile {zeile}")

    def spaltensummen(self, tabelle: str, gesamt_zeile: str, spalten: Iterable[str]) -> None:
        zeilen = [z for z in self._tabellen[tabelle].zeilen if z != gesamt_zeile]
        for s in spalten:
            self.summe((tabelle, gesamt_zeile, s), [(tabelle, z, s) for z in zeilen], f"{tabelle}: Spalte {s}")

    def davon(self, gesamt: Ref, teile: Iterable[Ref], rest: str) -> None:
        """gesamt = sum(teile) + an unprinted remainder; the remainder is protected like a printed
        count (e.g. 20 registered mentors, 19 of them active: 1 inactive must not be derivable)."""
        teile = [t for t in teile if t in self._zellen]
        if gesamt not in self._zellen or not teile:
            return
        v = self._zellen[gesamt].wert - sum(self._zellen[t].wert for t in teile)
        if v < -1e-9:
            return  # not a breakdown in the data: nothing to derive
        tabelle, zeile, _ = gesamt
        ref = (tabelle, zeile, f"({rest})")
        self._zellen[ref] = Zelle(ref, max(v, 0.0), self._zellen[gesamt].art, 0, sichtbar=False)
        self.beziehung([(gesamt, 1)] + [(t, -1) for t in teile] + [(ref, -1)], 0.0, f"davon {gesamt}")

    def abhaengig(self, zelle: Ref, basis: Iterable[Ref]) -> None:
        """Suppress ``zelle`` whenever one of ``basis`` is suppressed (rates, medians, amounts)."""
        if zelle in self._zellen:
            self._abh[zelle] = tuple(self._abh.get(zelle, ())) + tuple(b for b in basis if b in self._zellen)

    def quote(self, tabelle: str, quote_spalte: str, zaehler: str, nenner: str) -> None:
        for zeile in self._tabellen[tabelle].zeilen:
            self.abhaengig((tabelle, zeile, quote_spalte), [(tabelle, zeile, zaehler), (tabelle, zeile, nenner)])

    def zeilen_abhaengig(self, tabelle: str, spalten: Iterable[str], basis_spalte: str) -> None:
        spalten = list(spalten)
        for zeile in self._tabellen[tabelle].zeilen:
            for s in spalten:
                self.abhaengig((tabelle, zeile, s), [(tabelle, zeile, basis_spalte)])

    # -- result ---------------------------------------------------------------------------------

    def anwenden(self) -> "Bericht":
        sperrung = sperren(self._zellen, self._beziehungen, self._abh)
        tabellen: dict[str, pl.DataFrame] = {}
        for name, t in self._tabellen.items():
            art_spalten = {a for a in t.spalten.values() if not isinstance(a, Art)}
            cols: dict[str, list[str | None]] = {}
            for c in t.frame.columns:
                if c in art_spalten:
                    continue  # the per-row kind column is internal
                if c not in t.spalten:
                    cols[c] = [None if v is None else str(v) for v in t.frame[c].to_list()]
                    continue
                vals: list[str | None] = []
                for zeile in t.zeilen:
                    ref = (name, zeile, c)
                    if ref in self._fest_text:
                        vals.append(self._fest_text[ref])
                    elif ref in sperrung.gesperrt:
                        vals.append(GESPERRT)
                    elif ref in self._zellen:
                        z = self._zellen[ref]
                        vals.append(format_wert(z.wert, z.art, z.dezimalen))
                    else:
                        vals.append(NICHT_SINNVOLL)
                cols[c] = vals
            tabellen[name] = pl.DataFrame(cols, schema={c: pl.String for c in cols})
        return Bericht(tabellen, sperrung.gesperrt, dict(self._zellen), sperrung.beziehungen, dict(self._abh))


@dataclass
class Bericht:
    """Result of ``Geheimhaltung.anwenden``: text tables plus what was decided and why."""

    tabellen: dict[str, pl.DataFrame]
    gesperrt: dict[Ref, str]
    zellen: dict[Ref, Zelle]
    beziehungen: list[Beziehung]
    abhaengigkeiten: dict[Ref, tuple[Ref, ...]]

    def text(self, ref: Ref) -> str:
        """The printed text of a cell ('*' if suppressed)."""
        if ref in self.gesperrt:
            return GESPERRT
        z = self.zellen.get(ref)
        if z is None:
            return NICHT_SINNVOLL
        return format_wert(z.wert, z.art, z.dezimalen)

    def pruefen(self) -> None:
        """Re-run the attacker on the final state; raise if anything protected is derivable."""
        verdeckt = {r for r, z in self.zellen.items() if not z.sichtbar}
        schutz = set(self.gesperrt) | {r for r in verdeckt if ist_schutzbeduerftig(self.zellen[r])}
        offen = _bestimmt(self.zellen, self.beziehungen, set(self.gesperrt) | verdeckt, schutz)
        if offen:
            raise GeheimhaltungsFehler(f"ableitbar: {sorted(offen)}")
        for r, z in self.zellen.items():
            if z.sichtbar and r not in self.gesperrt and ist_primaer(z):
                raise GeheimhaltungsFehler(f"Zahlenwert 1 oder 2 sichtbar: {r}")
