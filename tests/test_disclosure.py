"""The disclosure module: BA confidentiality rules, German formatting, and an attack on the result.

The attacker here is independent of the module's own: a mixed-integer programme (scipy) that
computes, for every '*', the smallest and largest value consistent with everything printed and
every relation a reader knows. A cell is disclosed when both coincide.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.report.disclosure import (
    BA_FUSSNOTE,
    GESPERRT,
    NICHT_SINNVOLL,
    NICHTS,
    Art,
    Beziehung,
    Geheimhaltung,
    Zelle,
    angriff,
    format_anzahl,
    format_betrag,
    format_quote,
    parse_de,
    sperren,
)
from sources.formats import zahl

# --- formatting --------------------------------------------------------------------------------


def test_german_numbers():
    assert zahl(1234.5, 1) == "1.234,5"
    assert zahl(1234567) == "1.234.567"
    assert zahl(2.5) == "3"  # kaufmännisch gerundet, not banker's rounding
    assert zahl(0.125, 2) == "0,13"
    assert zahl(-1234.25, 1) == "-1.234,3"
    assert format_anzahl(0) == NICHTS == "–"
    assert format_anzahl(1234) == "1.234"
    assert format_betrag(0.0) == "–"
    assert format_betrag(0.3) == "0"  # more than nothing, less than half a unit
    assert format_betrag(1943.25) == "1.943"
    assert format_quote(8 / 17) == "47,1 %"
    assert format_quote(None) == NICHT_SINNVOLL


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False), st.integers(min_value=0, max_value=2))
def test_parse_is_inverse_of_format(v, d):
    text = zahl(v, d)
    assert abs(parse_de(text) - v) <= 0.5 * 10**-d + 1e-9 * v


def test_parse_never_turns_a_sign_into_a_number():
    assert parse_de(GESPERRT) is None
    assert parse_de(NICHT_SINNVOLL) is None
    assert parse_de(NICHTS) == 0.0
    assert parse_de("47,1 %") == pytest.approx(0.471)


def test_ba_footnote_wording():
    assert "statistischen Geheimhaltung" in BA_FUSSNOTE
    assert "Zahlenwerte von 1 oder 2" in BA_FUSSNOTE
    assert "rechnerisch" in BA_FUSSNOTE and "(*)" in BA_FUSSNOTE


# --- the rules ---------------------------------------------------------------------------------


def _tabelle(rows: dict[str, list[int]], cols: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"zeile": list(rows), **{c: [float(v[i]) for v in rows.values()] for i, c in enumerate(cols)}})


def test_primary_and_zero():
    g = Geheimhaltung()
    g.tabelle("t", _tabelle({"a": [0, 1, 2, 3]}, ["w", "x", "y", "z"]), "zeile", {c: Art.ANZAHL for c in "wxyz"})
    b = g.anwenden()
    assert b.tabellen["t"].row(0) == ("a", "–", "*", "*", "3")
    assert b.gesperrt == {("t", "a", "x"): "primär", ("t", "a", "y"): "primär"}


def test_row_total_with_one_primary_suppresses_the_next_smallest():
    g = Geheimhaltung()
    g.tabelle("t", _tabelle({"a": [1, 5, 9, 15]}, ["x", "y", "z", "summe"]), "zeile", {c: Art.ANZAHL for c in ["x", "y", "z", "summe"]})
    g.zeilensummen("t", "summe", ["x", "y", "z"])
    b = g.anwenden()
    assert b.tabellen["t"].row(0) == ("a", "*", "*", "9", "15")  # 5 is the next smallest
    assert b.gesperrt[("t", "a", "y")] == "sekundär"


def test_zeros_are_never_used_to_protect():
    g = Geheimhaltung()
    g.tabelle("t", _tabelle({"a": [1, 0, 7, 8]}, ["x", "y", "z", "summe"]), "zeile", {c: Art.ANZAHL for c in ["x", "y", "z", "summe"]})
    g.zeilensummen("t", "summe", ["x", "y", "z"])
    b = g.anwenden()
    assert b.tabellen["t"].row(0) == ("a", "*", "–", "*", "8")


def test_two_small_cells_summing_to_two_are_not_enough():
    """1 + 1 = 2 with both '*' and the total printed: both must be 1 (a '*' is at least 1)."""
    g = Geheimhaltung()
    g.tabelle("t", _tabelle({"a": [1, 1, 6, 8]}, ["x", "y", "z", "summe"]), "zeile", {c: Art.ANZAHL for c in ["x", "y", "z", "summe"]})
    g.zeilensummen("t", "summe", ["x", "y", "z"])
    b = g.anwenden()
    assert b.text(("t", "a", "z")) == GESPERRT
    b.pruefen()


def test_same_figure_in_two_tables_is_suppressed_in_both():
    g = Geheimhaltung()
    g.tabelle("detail", _tabelle({"2024": [1, 6], "2025": [4, 5], "Insgesamt": [5, 11]}, ["svb", "aus"]), "zeile", {"svb": Art.ANZAHL, "aus": Art.ANZAHL})
    g.spaltensummen("detail", "Insgesamt", ["svb", "aus"])
    g.tabelle("ueberblick", pl.DataFrame({"k": ["SVB 2025", "SVB gesamt"], "wert": [4.0, 5.0]}), "k", {"wert": Art.ANZAHL})
    g.gleich(("ueberblick", "SVB 2025", "wert"), ("detail", "2025", "svb"))
    g.gleich(("ueberblick", "SVB gesamt", "wert"), ("detail", "Insgesamt", "svb"))
    b = g.anwenden()
    b.pruefen()
    # 2025/svb protects 2024/svb in its column; the overview's copy of it must follow
    assert b.text(("detail", "2025", "svb")) == b.text(("ueberblick", "SVB 2025", "wert"))
    assert b.text(("detail", "Insgesamt", "svb")) == b.text(("ueberblick", "SVB gesamt", "wert"))
    assert GESPERRT in (b.text(("detail", "2025", "svb")), b.text(("detail", "Insgesamt", "svb")))


def test_davon_remainder_of_one_is_protected():
    """20 registered, 19 active: the 1 inactive mentor follows from two printed numbers."""
    g = Geheimhaltung()
    g.tabelle("m", pl.DataFrame({"k": ["registriert", "aktiv"], "wert": [20.0, 19.0]}), "k", {"wert": Art.ANZAHL})
    g.davon(("m", "registriert", "wert"), [("m", "aktiv", "wert")], "inaktiv")
    b = g.anwenden()
    assert b.tabellen["m"]["wert"].to_list() == ["20", "*"]
    b.pruefen()


def test_rates_medians_and_amounts_follow_their_count():
    g = Geheimhaltung()
    df = pl.DataFrame({"k": ["a", "b"], "n": [2.0, 10.0], "treffer": [1.0, 6.0], "quote": [0.5, 0.6], "stunden": [3.5, 20.0]})
    g.tabelle("t", df, "k", {"n": Art.ANZAHL, "treffer": Art.ANZAHL, "quote": Art.QUOTE, "stunden": Art.BETRAG}, {"quote": 1, "stunden": 0})
    g.quote("t", "quote", "treffer", "n")
    g.zeilen_abhaengig("t", ["stunden"], "n")
    b = g.anwenden()
    assert b.tabellen["t"].row(0) == ("a", "*", "*", "*", "*")
    assert b.tabellen["t"].row(1) == ("b", "10", "6", "60,0 %", "20")


@pytest.mark.parametrize("zaehler,nenner,gedruckt", [(2.0, 8.5, "*"), (6.0, 8.5, "70,6 %"), (6.0, 1.75, "*")])
def test_rate_with_a_hidden_numerator_and_denominator(zaehler, nenner, gedruckt):
    """A rate whose counts are not printed (the BA-comparable Integrationsquote): it is withheld
    when its hidden numerator or denominator is a count of 1 or 2 (a mean of 1.75 persons rounds
    to 2), and the hidden cells are never printed."""
    g = Geheimhaltung()
    g.tabelle("u", pl.DataFrame({"k": ["quote"], "wert": [zaehler / nenner]}), "k", {"wert": Art.QUOTE}, {"wert": 1})
    z, n = ("u", "quote", "(zaehler)"), ("u", "quote", "(nenner)")
    g.verdeckt(z, zaehler)
    g.verdeckt(n, nenner)
    g.abhaengig(("u", "quote", "wert"), [z, n])
    b = g.anwenden()
    b.pruefen()
    assert b.tabellen["u"].columns == ["k", "wert"] and b.tabellen["u"]["wert"].to_list() == [gedruckt]


def test_rate_follows_the_suppressed_cell_its_hidden_numerator_equals():
    """The window of the rate is the calendar year: its numerator is the year's printed total, and
    when that is withheld (here to protect a 1 in its column) the rate is withheld too."""
    g = Geheimhaltung()
    g.tabelle("v", _tabelle({"2024": [1], "2025": [5], "Insgesamt": [6]}, ["n"]), "zeile", {"n": Art.ANZAHL})
    g.spaltensummen("v", "Insgesamt", ["n"])
    g.tabelle("u", pl.DataFrame({"k": ["quote"], "wert": [5 / 9]}), "k", {"wert": Art.QUOTE}, {"wert": 1})
    z = ("u", "quote", "(zaehler)")
    g.verdeckt(z, 5.0)
    g.gleich(z, ("v", "2025", "n"))
    g.abhaengig(("u", "quote", "wert"), [z, ("v", "2025", "n")])
    b = g.anwenden()
    b.pruefen()
    assert b.text(("v", "2024", "n")) == b.text(("v", "2025", "n")) == GESPERRT
    assert b.text(("u", "quote", "wert")) == GESPERRT


def test_amount_suppressed_with_its_count_is_protected_in_its_column():
    g = Geheimhaltung()
    df = pl.DataFrame({"q": ["Q1", "Q2", "Q3", "Summe"], "kontakte": [2.0, 30.0, 40.0, 72.0], "stunden": [1.5, 40.0, 50.0, 91.5]})
    g.tabelle("m", df, "q", {"kontakte": Art.ANZAHL, "stunden": Art.BETRAG}, {"stunden": 0})
    g.spaltensummen("m", "Summe", ["kontakte", "stunden"])
    g.zeilen_abhaengig("m", ["stunden"], "kontakte")
    b = g.anwenden()
    b.pruefen()
    col = b.tabellen["m"]["stunden"].to_list()
    assert col[0] == GESPERRT and col.count(GESPERRT) >= 2


def test_relation_that_does_not_hold_is_ignored():
    g = Geheimhaltung()
    g.tabelle("t", pl.DataFrame({"k": ["a", "b", "summe"], "w": [1.0, 10.0, 12.0]}), "k", {"w": Art.ANZAHL})
    g.summe(("t", "summe", "w"), [("t", "a", "w"), ("t", "b", "w")])  # 1 + 10 != 12: not a real total
    b = g.anwenden()
    assert b.tabellen["t"]["w"].to_list() == ["*", "10", "12"]


def test_fixed_cells_are_never_suppressed():
    g = Geheimhaltung()
    df = pl.DataFrame({"k": ["budget", "ausgezahlt", "rest"], "w": [10000.0, 30.0, 9970.0], "n": [None, 2.0, None]})
    g.tabelle("b", df, "k", {"w": Art.BETRAG, "n": Art.ANZAHL}, fest=[("budget", "w")])
    g.abhaengig(("b", "ausgezahlt", "w"), [("b", "ausgezahlt", "n")])
    g.beziehung([(("b", "ausgezahlt", "w"), 1), (("b", "rest", "w"), 1)], 10000.0)
    b = g.anwenden()
    assert b.tabellen["b"]["w"].to_list() == ["10.000", "*", "*"]
    assert b.tabellen["b"]["n"].to_list() == [NICHT_SINNVOLL, "*", NICHT_SINNVOLL]


def test_module_attacker_finds_what_it_should():
    z = {("t", "r", c): Zelle(("t", "r", c), v, Art.ANZAHL) for c, v in (("a", 1.0), ("b", 1.0), ("s", 2.0))}
    rel = [Beziehung(((("t", "r", "s"), 1), (("t", "r", "a"), -1), (("t", "r", "b"), -1)))]
    # total printed, both parts '*': each is >= 1, so both are exactly 1
    assert angriff(z, rel, {("t", "r", "a"), ("t", "r", "b")}).bestimmt == {("t", "r", "a"), ("t", "r", "b")}
    # one unknown in a total: determined by elimination
    assert angriff(z, rel, {("t", "r", "a")}).bestimmt == {("t", "r", "a")}
    # all three unknown: nothing
    assert angriff(z, rel, {("t", "r", "a"), ("t", "r", "b"), ("t", "r", "s")}).bestimmt == set()


# --- property: random two-way tables with margins ---------------------------------------------


def _milp_disclosed(cells: dict, equations: list, shown: dict) -> list:
    """Cells printed as '*' whose value the MILP pins down."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    unknown = [k for k in cells if shown[k] == GESPERRT]
    if not unknown:
        return []
    idx = {k: i for i, k in enumerate(unknown)}
    A, b = [], []
    for terms in equations:
        row = np.zeros(len(unknown))
        rhs = 0.0
        for k, coef in terms:
            if k in idx:
                row[idx[k]] += coef
            else:
                rhs -= coef * parse_de(shown[k])
        if row.any():
            A.append(row)
            b.append(rhs)
    cons = [LinearConstraint(np.array(A), b, b)] if A else []
    lb, ub = np.ones(len(unknown)), np.full(len(unknown), 1e4)
    out = []
    for k, i in idx.items():
        c = np.zeros(len(unknown))
        c[i] = 1
        lo = milp(c, constraints=cons, integrality=np.ones(len(unknown)), bounds=Bounds(lb, ub))
        hi = milp(-c, constraints=cons, integrality=np.ones(len(unknown)), bounds=Bounds(lb, ub))
        assert lo.status == 0 and hi.status == 0
        if abs(-hi.fun - lo.fun) < 1e-6:
            out.append((k, lo.fun))
    return out


small_counts = st.sampled_from([0, 0, 1, 1, 2, 2, 3, 4, 5, 7, 9, 12, 20])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=2, max_value=5).flatmap(
    lambda r: st.integers(min_value=2, max_value=5).flatmap(
        lambda c: st.lists(st.lists(small_counts, min_size=c, max_size=c), min_size=r, max_size=r))))
def test_random_tables_with_totals_cannot_be_attacked(grid):
    r, c = len(grid), len(grid[0])
    cols = [f"c{j}" for j in range(c)] + ["summe"]
    rows = {f"r{i}": grid[i] + [sum(grid[i])] for i in range(r)}
    rows["Insgesamt"] = [sum(grid[i][j] for i in range(r)) for j in range(c)] + [sum(map(sum, grid))]
    g = Geheimhaltung()
    g.tabelle("t", _tabelle(rows, cols), "zeile", {x: Art.ANZAHL for x in cols})
    g.zeilensummen("t", "summe", cols[:-1])
    g.spaltensummen("t", "Insgesamt", cols)
    b = g.anwenden()
    b.pruefen()
    shown = {}
    for row in b.tabellen["t"].iter_rows(named=True):
        for x in cols:
            shown[(row["zeile"], x)] = row[x]
            assert parse_de(row[x]) not in (1.0, 2.0)
    cells = {k: None for k in shown}
    equations = [[((z, "summe"), 1)] + [((z, x), -1) for x in cols[:-1]] for z in rows]
    equations += [[(("Insgesamt", x), 1)] + [((z, x), -1) for z in rows if z != "Insgesamt"] for x in cols]
    assert _milp_disclosed(cells, equations, shown) == []


def test_sperren_is_pure_and_deterministic():
    z = {("t", "r", c): Zelle(("t", "r", c), v, Art.ANZAHL) for c, v in (("a", 1.0), ("b", 4.0), ("c", 6.0), ("s", 11.0))}
    rel = [Beziehung(((("t", "r", "s"), 1), (("t", "r", "a"), -1), (("t", "r", "b"), -1), (("t", "r", "c"), -1)))]
    first = sperren(z, rel).gesperrt
    assert first == sperren(z, rel).gesperrt == {("t", "r", "a"): "primär", ("t", "r", "b"): "sekundär"}
    assert all(zz.wert is not None for zz in z.values())  # inputs untouched


def _dense_rref(rows: list[list], w: int) -> list[tuple[int, list]]:
    """The textbook Gauss–Jordan elimination on a dense matrix: the reference for the sparse one."""
    from fractions import Fraction

    m, out, r = [[Fraction(x) for x in row] for row in rows], [], 0
    for c in range(w):
        piv = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        m[r] = [x / m[r][c] for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                m[i] = [a - m[i][c] * b for a, b in zip(m[i], m[r])]
        out.append(c)
        r += 1
    return list(zip(out, m))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=8).flatmap(lambda w: st.tuples(
    st.lists(st.integers(min_value=-6, max_value=6), min_size=w, max_size=w),
    st.lists(st.lists(st.sampled_from([0, 0, 0, 1, -1, 2]), min_size=w, max_size=w), min_size=1, max_size=8))))
def test_sparse_elimination_equals_the_textbook_one(system):
    """The attacker's sparse elimination gives the unique reduced form of every consistent system
    (the relations of a report always hold), pivots and right-hand sides included."""
    from assets.report.disclosure.attack import _rref

    x, a = system
    w = len(x)
    dense = [row + [sum(k * v for k, v in zip(row, x))] for row in a]
    sparse = [{i: v for i, v in enumerate(row) if v} for row in dense]
    m, pivots = _rref(sparse, w)
    expected = _dense_rref(dense, w)
    assert pivots == [c for c, _ in expected]
    assert m == [{i: v for i, v in enumerate(row) if v} for _, row in expected]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=3).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(st.lists(st.sampled_from([0, 1, -1, 2]), min_size=n, max_size=n), st.integers(-4, 4)),
             min_size=1, max_size=3),
    st.lists(st.integers(-3, 0), min_size=n, max_size=n), st.lists(st.integers(0, 3), min_size=n, max_size=n),
    st.sets(st.integers(0, n - 1)))))
def test_integer_programme_and_search_agree_with_counting_every_point(system):
    """The integer audit's two ways of finding another solution (the depth-first search and the
    integer programme it falls back on) against trying every integer point."""
    from itertools import product

    from assets.report.disclosure.integer_audit import _milp_loesung, _solution_found

    zeilen, lo, hi, nicht_null = system
    rels = [({i: a for i, a in enumerate(k) if a}, rhs) for k, rhs in zeilen if any(k)]
    n = len(lo)
    punkte = [x for x in product(*(range(a, b + 1) for a, b in zip(lo, hi)))
              if all(x[i] != 0 for i in nicht_null) and all(sum(a * x[i] for i, a in k.items()) == r for k, r in rels)]
    nn = frozenset(nicht_null)
    assert _milp_loesung(rels, list(range(n)), lo, hi, nn) == bool(punkte)
    assert _solution_found(rels, lo[:], hi[:], [0] * n, [10_000], nn) == bool(punkte)
