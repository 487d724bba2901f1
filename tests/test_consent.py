"""Consent gating (docs/datenvertrag.md, "teilnehmende"): no consent, no processing; a withdrawal removes the
person from every table, including the history of older snapshots.

One data folder, two runs of the real job, two snapshots of every kind in the inbox:

  person  OLD registry (10.01.)  NEW registry (01.02.)     run 1 (heute 01.03.)  run 2 (heute 25.03.)
  1-4     consent                consent                   kept                  kept
  5       no Einwilligung        no Einwilligung           excluded              excluded
  6       consent                Widerruf 15.02.           excluded, purged      excluded
  7       consent                Widerruf 01.03. (= heute) excluded, purged      excluded
  8       consent                Widerruf 20.03.           kept                  excluded, purged
  9       consent                Widerruf 15.02., row quarantined (Geschlecht)  excluded, purged
  10      consent                Widerruf unreadable (31.02.), row quarantined  excluded, purged
  11      consent                row quarantined (Aufenthaltsstatus), consent   not in use, history kept

Every person has a tandem with two contacts, a Jobcenter measure and take-up, a VHS enrolment.
One measure and one enrolment belong to nobody in the registry ("nicht zugeordnet").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import (
    Inbox,
    assert_exclusions_add_up,
    assert_staged,
    befunde,
    count,
    datenqualitaet,
    dateien,
    hoerernummer,
    integration,
    kontakt,
    kundennummer,
    kursteilnahme,
    massnahme,
    mentor,
    person,
    pseudonym,
    query,
    rel_name,
    run,
    tandem,
    tandem_nr,
    tn_nr,
    warehouse,
    write_standard,
)

OLD, NEW = date(2026, 1, 10), date(2026, 2, 1)
HEUTE_1, HEUTE_2 = date(2026, 3, 1), date(2026, 3, 25)
WIDERRUF = {6: date(2026, 2, 15), 7: HEUTE_1, 8: date(2026, 3, 20), 9: date(2026, 2, 15), 10: "31.02.2026"}
QUARANTINED = {9: {"geschlecht": "x"}, 10: {}, 11: {"aufenthaltsstatus": "Touristenvisum"}}
PEOPLE = range(1, 12)
KEPT_1 = {1, 2, 3, 4, 8}
KEPT_2 = {1, 2, 3, 4}


def _rows(new: bool) -> dict[str, list[dict]]:
    reg = []
    for i in PEOPLE:
        over: dict = {}
        if i == 5:
            over["einwilligung"] = None
        if new and i in WIDERRUF:
            over["widerruf"] = WIDERRUF[i]
        if new and i in QUARANTINED:
            over.update(QUARANTINED[i])
        reg.append(person(i, **over))
    return {
        "teilnehmende": reg,
        "mentorinnen": [mentor(1), mentor(2)],
        "tandems": [tandem(i, 1 + i % 2, i) for i in PEOPLE],
        "kontakte": [kontakt(i, d) for i in PEOPLE for d in (4, 18)],
        "massnahmen": [massnahme(i) for i in PEOPLE] + [massnahme(0, jc_id="962Z999999")],
        "integrationen": [integration(i) for i in PEOPLE],
        "kursteilnahmen": [kursteilnahme(i) for i in PEOPLE] + [kursteilnahme(0, vhs_id="H-99999")],
    }


def _presence(out: Path, i: int, only_current: bool = False) -> dict[str, int]:
    """Rows of person ``i`` in every staging table (or aktuell view), found by every identifier."""
    s = "aktuell" if only_current else "staging"
    checks = {
        "teilnehmende": ("tn_id", pseudonym(tn_nr(i), "tn")),
        "tandems": ("tn_id", pseudonym(tn_nr(i), "tn")),
        "kontakte": ("tandem_id", pseudonym(tandem_nr(i), "tandem")),
        "massnahmen": ("jc_id", pseudonym(kundennummer(i), "jc")),
        "integrationen": ("jc_id", pseudonym(kundennummer(i), "jc")),
        "kursteilnahmen": ("vhs_id", pseudonym(hoerernummer(i), "vhs")),
    }
    got = {t: count(out, f"{s}.{t}", f"{col} = ?", [v]) for t, (col, v) in checks.items()}
    got["teilnehmende_jc"] = count(out, f"{s}.teilnehmende", "jc_id = ?", [pseudonym(kundennummer(i), "jc")])
    got["tn_id_anywhere"] = sum(
        count(out, f"{s}.{t}", "tn_id = ?", [pseudonym(tn_nr(i), "tn")]) for t in ("massnahmen", "integrationen", "kursteilnahmen")
    )
    return got


@pytest.fixture(scope="module")
def consent_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("consent")
    inbox = Inbox(root / "inbox")
    out = root / "out"
    write_standard(inbox, OLD, _rows(new=False))
    write_standard(inbox, NEW, _rows(new=True))
    assert_staged(run(inbox.root, out, HEUTE_1))
    after_1 = {
        "presence": {i: _presence(out, i) for i in PEOPLE},
        "current": {i: _presence(out, i, only_current=True) for i in PEOPLE},
        "dateien": dateien(out),
        "dq": datenqualitaet(out),
        "ueberblick": {r["kennzahl"]: r["wert"] for r in query(warehouse(out), "SELECT * FROM kennzahlen.ueberblick")},
    }
    assert_staged(run(inbox.root, out, HEUTE_2))
    return out, after_1


def test_no_consent_and_withdrawal_until_run_day_exclude_from_every_source(consent_runs):
    out, a1 = consent_runs
    for i in (5, 6, 7):
        assert set(a1["presence"][i].values()) == {0}, (i, a1["presence"][i])


def test_withdrawal_in_a_quarantined_row_still_removes_the_person(consent_runs):
    """The newest registry row of 9 and 10 is quarantined, yet it says consent was withdrawn (or the
    Widerruf is there but unreadable): their rows leave every source and every older snapshot."""
    out, a1 = consent_runs
    for i in (9, 10):
        assert set(a1["presence"][i].values()) == {0}, (i, a1["presence"][i])
    # 11's row is quarantined for another reason, consent stands: the older snapshot keeps the history
    assert a1["presence"][11]["teilnehmende"] == 1 and a1["current"][11]["teilnehmende"] == 0
    rel = rel_name("teilnehmende", NEW)
    assert {b["zeile"] for b in befunde(out, rel) if b["schwere"] == "FEHLER"} == {10, 11, 12}


def test_people_with_consent_are_in_every_source(consent_runs):
    _, a1 = consent_runs
    for i in KEPT_1:
        cur = a1["current"][i]
        assert (cur["teilnehmende"], cur["tandems"], cur["kontakte"], cur["massnahmen"], cur["integrationen"], cur["kursteilnahmen"]) == (1, 1, 2, 1, 1, 1), i
        # both snapshots hold them (history)
        assert a1["presence"][i]["teilnehmende"] == 2, i


def test_withdrawal_after_run_day_keeps_then_removes_including_history(consent_runs):
    out, a1 = consent_runs
    assert a1["presence"][8]["teilnehmende"] == 2 and a1["presence"][8]["kontakte"] == 4
    after = _presence(out, 8)
    assert set(after.values()) == {0}, after
    for i in KEPT_2:
        assert _presence(out, i) == a1["presence"][i], i


def test_exclusions_are_counted_per_file(consent_runs):
    out, a1 = consent_runs
    d1 = a1["dateien"]

    def counts(d, kind, stand):
        r = d[rel_name(kind, stand)]
        return (r["zeilen_gelesen"], r["zeilen_geladen"], r["zeilen_quarantaene"], r["zeilen_ausgeschlossen"], r["ohne_einwilligung"], r["nicht_zugeordnet"])

    # gelesen, geladen, quarantaene, ausgeschlossen, ohne_einwilligung, nicht_zugeordnet
    # registry: 9-11 quarantined (counted there, not as excluded); 5-7 excluded
    assert counts(d1, "teilnehmende", NEW) == (11, 5, 3, 3, 3, 0)
    # the rows of 5, 6, 7, 9, 10 are excluded for consent; 11's tandem refers to a quarantined row
    assert counts(d1, "tandems", NEW) == (11, 5, 1, 5, 5, 0)
    assert counts(d1, "kontakte", NEW) == (22, 10, 2, 10, 10, 0)
    # 11 and the unknown Kundennummer / Hörernummer link to nobody in use
    assert counts(d1, "massnahmen", NEW) == (12, 5, 0, 7, 5, 2)
    assert counts(d1, "integrationen", NEW) == (11, 5, 0, 6, 5, 1)
    assert counts(d1, "kursteilnahmen", NEW) == (12, 5, 0, 7, 5, 2)
    # the older snapshot: 5 without consent in the file itself, 6, 7, 9, 10 purged for their Widerruf
    assert counts(d1, "teilnehmende", OLD) == (11, 6, 0, 5, 5, 0)
    assert a1["ueberblick"]["ohne_einwilligung"] == 3
    d2 = dateien(out)
    assert counts(d2, "teilnehmende", NEW) == (11, 4, 3, 4, 4, 0)
    assert counts(d2, "kontakte", NEW) == (22, 8, 2, 12, 12, 0)
    assert counts(d2, "massnahmen", NEW) == (12, 4, 0, 8, 6, 2)
    assert counts(d2, "kursteilnahmen", NEW) == (12, 4, 0, 8, 6, 2)
    assert counts(d2, "teilnehmende", OLD) == (11, 5, 0, 6, 6, 0)
    assert counts(d2, "kontakte", OLD) == (22, 8, 2, 12, 12, 0)
    u2 = {r["kennzahl"]: r["wert"] for r in query(warehouse(out), "SELECT * FROM kennzahlen.ueberblick")}
    assert u2["ohne_einwilligung"] == 4


def test_unlinked_rows_are_excluded_as_nicht_zugeordnet(consent_runs):
    out, _ = consent_runs
    for kind, col, value in (("massnahmen", "jc_id", pseudonym("962Z999999", "jc")), ("kursteilnahmen", "vhs_id", pseudonym("H-99999", "vhs"))):
        assert count(out, f"staging.{kind}", f"{col} = ?", [value]) == 0, kind
        assert count(out, f"staging.{kind}", "tn_id IS NULL") == 0, kind
        notes = [b for b in befunde(out, rel_name(kind, NEW)) if b["regel"] == "nicht_zugeordnet"]
        # the unknown number, and 11 whose registry row is quarantined
        assert len(notes) == 1 and notes[0]["schwere"] == "HINWEIS" and notes[0]["grund"].startswith("2 Zeilen"), notes
        assert dateien(out)[rel_name(kind, NEW)]["nicht_zugeordnet"] == 2


def test_counts_add_up_for_every_file(consent_runs):
    out, a1 = consent_runs
    for dq in (a1["dq"], datenqualitaet(out)):
        assert dq
        for rel, r in dq.items():
            assert r["zeilen_gelesen"] == r["zeilen_geladen"] + r["zeilen_quarantaene"] + r["zeilen_ausgeschlossen"], (rel, r)
            assert r["zeilen_ausgeschlossen"] == r["zeilen_ohne_einwilligung"] + r["zeilen_nicht_zugeordnet"], (rel, r)
    assert assert_exclusions_add_up(out)


def test_loaded_counts_match_the_warehouse_after_purges(consent_runs):
    """zeilen_geladen is what the warehouse holds, also for older snapshots a withdrawal purged."""
    out, _ = consent_runs
    for rel, d in dateien(out).items():
        if d["status"] in ("verwendet", "ersetzt"):
            n = count(out, f"staging.{d['art']}", "datei_id = ?", [d["datei_id"]])
            assert n == d["zeilen_geladen"], (rel, n, d["zeilen_geladen"])
            assert d["zeilen_gelesen"] == d["zeilen_geladen"] + d["zeilen_quarantaene"] + d["zeilen_ausgeschlossen"], rel
