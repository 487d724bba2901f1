"""The attacker's cache (``disclosure.merker``): with it, every answer is the one of a full audit
without it, also while the suppression adds '*' after '*' to the same model.

Pure (no Dagster). The reference is the uncached full audit (``angriff`` and
``ganzzahlig_bestimmt`` without a merker, on the whole report each time); a cache that handed
out a component's result after that component changed would fail here.
"""

from __future__ import annotations

import random

import pytest

from assets.report.disclosure import Art, Beziehung, Geheimhaltung, Zelle, angriff, sperren
from assets.report.disclosure.attack import angriff_gemerkt
from assets.report.disclosure.cells import ist_primaer
from assets.report.disclosure.integer_audit import ganzzahlig_bestimmt
from assets.report.disclosure.merker import Merker
from assets.report.disclosure.suppression import ableitbar

# a few tables of a report, each with row and column totals and a hidden remainder, tied to the
# table before as the reports of a series are
TABELLEN, ZEILEN, SPALTEN = 4, 4, 3
SCHRITTE = 25  # '*' added one by one, as the suppression does


def _modell(seed: int) -> tuple[dict, list[Beziehung]]:
    rnd = random.Random(seed)
    zellen, rels = {}, []
    for t in range(TABELLEN):
        werte = [[rnd.choice([0, 1, 2, 3, 4, 5, 8, 13]) for _ in range(SPALTEN)] for _ in range(ZEILEN)]
        for z in range(ZEILEN):
            for s in range(SPALTEN):
                ref = (f"t{t}", f"z{z}", f"s{s}")
                zellen[ref] = Zelle(ref, float(werte[z][s]), Art.ANZAHL, sichtbar=not (z == 0 and s == 1 and t % 2))
            gesamt = (f"t{t}", f"z{z}", "gesamt")
            zeile = [zellen[(f"t{t}", f"z{z}", f"s{s}")].wert for s in range(SPALTEN)]
            zellen[gesamt] = Zelle(gesamt, float(sum(zeile)), Art.ANZAHL)
            rels.append(Beziehung(tuple([(gesamt, 1)] + [((f"t{t}", f"z{z}", f"s{s}"), -1) for s in range(SPALTEN)])))
        for s in [*(f"s{i}" for i in range(SPALTEN)), "gesamt"]:
            summe = (f"t{t}", "summe", s)
            zellen[summe] = Zelle(summe, sum(zellen[(f"t{t}", f"z{z}", s)].wert for z in range(ZEILEN)), Art.ANZAHL)
            rels.append(Beziehung(tuple([(summe, 1)] + [((f"t{t}", f"z{z}", s), -1) for z in range(ZEILEN)])))
        for z in ["summe", *(f"z{i}" for i in range(ZEILEN))] if t else []:
            # against the table before: the same figure, or the change (printed for the total,
            # hidden for the rows, as a series of reports has them)
            a, b = (f"t{t}", z, "gesamt"), (f"t{t - 1}", z, "gesamt")
            if zellen[a].wert == zellen[b].wert:
                rels.append(Beziehung(((a, 1), (b, -1))))
                continue
            d = ("veraenderung", f"t{t}", z)
            zellen[d] = Zelle(d, zellen[a].wert - zellen[b].wert, Art.ANZAHL, sichtbar=z == "summe", vorzeichen=True)
            rels.append(Beziehung(((a, 1), (b, -1), (d, -1))))
    return zellen, rels


def _voll(zellen, rels, unbekannt, schutz):
    """The full audit, uncached: what the suppression asked before the merker existed."""
    schnell = angriff(zellen, rels, unbekannt, fokus=schutz).bestimmt & schutz
    rest = {r for r in schutz - schnell if zellen[r].art is Art.ANZAHL}
    return schnell | ganzzahlig_bestimmt(zellen, rels, unbekannt, rest)


@pytest.mark.parametrize("seed", range(6))
def test_cached_attack_equals_full_audit_while_cells_are_added(seed):
    zellen, rels = _modell(seed)
    rnd = random.Random(1000 + seed)
    merker = Merker(zellen, rels)
    verdeckt = {r for r, z in zellen.items() if not z.sichtbar}
    gesperrt = {r for r, z in zellen.items() if z.sichtbar and ist_primaer(z)}
    # printed non-zero cells, as the suppression picks them (a 0 is '–', never '*': a reader
    # knows every '*' of a count is at least 1)
    kandidaten = [r for r, z in zellen.items() if r not in gesperrt and r not in verdeckt and z.wert and not z.vorzeichen]
    rnd.shuffle(kandidaten)
    antworten = []
    for k in kandidaten[:SCHRITTE]:
        unbekannt = gesperrt | verdeckt
        schutz = gesperrt | {r for r in verdeckt if ist_primaer(zellen[r])}
        assert ableitbar(zellen, rels, unbekannt, schutz, merker) == _voll(zellen, rels, unbekannt, schutz)
        mit = angriff_gemerkt(merker, unbekannt)
        ohne = angriff(zellen, rels, unbekannt)
        assert (mit.bestimmt, mit.intervalle) == (ohne.bestimmt, ohne.intervalle)
        # a try as the suppression makes it: one more '*', asked about one cell
        for ziel in sorted(schutz)[:2]:
            assert ableitbar(zellen, rels, unbekannt | {k}, {ziel}, merker) == _voll(zellen, rels, unbekannt | {k}, {ziel})
        antworten.append(frozenset(_voll(zellen, rels, unbekannt, schutz)))
        gesperrt.add(k)
    assert merker.schnell and merker.ganz  # the cache was used ...
    assert len(set(antworten)) > 1  # ... while the answers changed: a stale entry would show


def test_sperren_with_its_merker_equals_the_full_audit():
    """The suppression's result, checked by the uncached audit: nothing protected is derivable,
    and the merker it hands on (for ``Bericht.pruefen``) agrees."""
    for seed in range(4):
        zellen, rels = _modell(seed)
        s = sperren(zellen, rels)
        verdeckt = {r for r, z in zellen.items() if not z.sichtbar}
        schutz = set(s.gesperrt) | {r for r in verdeckt if ist_primaer(zellen[r])}
        unbekannt = set(s.gesperrt) | verdeckt
        assert _voll(zellen, s.beziehungen, unbekannt, schutz) == set()
        assert s.merker is not None and s.merker.passt(zellen, s.beziehungen)
        assert ableitbar(zellen, s.beziehungen, unbekannt, schutz, s.merker) == set()


def test_a_merker_is_not_reused_for_other_values():
    """``Bericht.pruefen`` drops the suppression's merker once a cell's value changed: the old
    results would vouch for a model that is no longer the report."""
    g = Geheimhaltung()
    import polars as pl

    g.tabelle("t", pl.DataFrame({"k": ["a", "b", "c"], "n": [1, 5, 6]}), "k", {"n": Art.ANZAHL})
    g.summe(("t", "c", "n"), [("t", "a", "n"), ("t", "b", "n")])
    b = g.anwenden()
    assert b.merker is not None and b.merker.passt(b.zellen, b.beziehungen)
    b.pruefen()
    # the same report with 'b' printed: 'a' follows from the total, whatever the merker says
    del b.gesperrt[("t", "b", "n")]
    with pytest.raises(Exception, match="ableitbar"):
        b.pruefen()
    b.zellen[("t", "b", "n")] = Zelle(("t", "b", "n"), 4.0, Art.ANZAHL)
    assert not b.merker.passt(b.zellen, b.beziehungen)
