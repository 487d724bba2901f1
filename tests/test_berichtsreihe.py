"""The council's report series (issue 14, docs/bericht.md "Die Berichtsreihe"): a June report is
released, a December report on the same OUT compares with it and is protected against it.

The inbox, worked by hand (tests/conftest.py ``standard_rows``: every participant has a tandem
with two one-hour contacts, every even one an SVB job from 01.06.2025):

=====================  ==================================  ====================================
                       June (Datenstand 30.06.2025)        December (Datenstand 31.12.2025)
=====================  ==================================  ====================================
Teilnehmende           TN 1..20                            + TN 21..26 (Eintritt 01.09.2025);
                                                           TN 3 withdraws consent (01.10.2025)
Vermittlungen          TN 2, 4, …, 20: 10                  + TN 22, 24, 26 (01.11.2025); + TN 5
                                                           on 15.05.2025, delivered late
Mentor*innen           4                                   + mentor 5 (Eintritt 01.08.2025)
Kontaktstunden         20 tandems × 2 h = 40               25 tandems (TN 3 gone) × 2 h = 50
=====================  ==================================  ====================================

So December prints 25 / 14 / 50 against 20 / 10 / 40, a change of +5, +4 and +10 hours. The one
new mentor is a change of 1: it must never be computable from the two reports (with the series
protection) and is computable without it. Recomputed today for 30.06.2025, June would read 19
Teilnehmende (TN 3 withdrew), 11 Vermittlungen (TN 5 delivered late) and 38 hours.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from assets.report.disclosure import GESPERRT, Art, Beziehung, Zelle, angriff
from assets.series import register
from assets.series.register import Modell
from conftest import (
    BIN,
    KEY,
    Inbox,
    assert_staged,
    integration,
    kontakt,
    mentor,
    person,
    query,
    run,
    settings_for,
    standard_rows,
    tandem,
    warehouse,
    write_standard,
)
from pipelines.runner import run_release
from werte_support import assert_twins

JUNI, DEZEMBER = date(2025, 6, 30), date(2025, 12, 31)
HEUTE_JUNI, HEUTE_DEZEMBER = date(2025, 7, 3), date(2026, 1, 8)
NEU = range(21, 27)


def _juni() -> dict[str, list[dict]]:
    return standard_rows(n=20, mentors=4)


def _dezember() -> dict[str, list[dict]]:
    rows = standard_rows(n=20, mentors=4)
    rows["teilnehmende"] = [person(i, widerruf=date(2025, 10, 1)) if i == 3 else person(i) for i in range(1, 21)]
    rows["teilnehmende"] += [person(i, eintritt=date(2025, 9, 1), einwilligung=date(2025, 9, 1)) for i in NEU]
    rows["mentorinnen"].append(mentor(5, eintritt=date(2025, 8, 1)))
    rows["tandems"] += [tandem(i, 1 + i % 5, i, beginn=date(2025, 9, 15)) for i in NEU]
    rows["kontakte"] += [kontakt(i, d, datum=date(2025, 10, d)) for i in NEU for d in (6, 20)]
    rows["integrationen"] += [integration(i, beginn=date(2025, 11, 1)) for i in NEU if i % 2 == 0]
    rows["integrationen"].append(integration(5, beginn=date(2025, 5, 15)))
    return rows


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _release(out: Path, stichtag: date):
    return run_release(settings_for(Path("."), out, HEUTE_DEZEMBER), stichtag)


@pytest.fixture(scope="module")
def reihe(tmp_path_factory):
    """June run and release; a copy of that OUT; December on both, with and without protection."""
    root = tmp_path_factory.mktemp("reihe")
    inbox = Inbox(root / "inbox")
    out, ohne = root / "out", root / "ohne_schutz"
    write_standard(inbox, JUNI, _juni())
    assert_staged(run(inbox.root, out, HEUTE_JUNI, stichtag=JUNI))
    freigabe = _release(out, JUNI)
    assert freigabe.success and not freigabe.refusal, (freigabe.refusal, freigabe.failures)
    ordner = out / "veroeffentlicht" / JUNI.isoformat()
    nach_freigabe = _hashes(ordner)
    shutil.copytree(out, ohne)
    write_standard(inbox, DEZEMBER, _dezember())
    assert_staged(run(inbox.root, out, HEUTE_DEZEMBER, stichtag=DEZEMBER))
    assert_staged(run(inbox.root, ohne, HEUTE_DEZEMBER, stichtag=DEZEMBER, reihenschutz=False))
    return {"out": out, "ohne": ohne, "ordner": ordner, "nach_freigabe": nach_freigabe, "freigabe": freigabe}


def _public(out: Path, table: str) -> dict[str, dict]:
    rows = query(out / "reporting.duckdb", f"SELECT * FROM bericht.{table}")  # our constant
    return {r["kennzahl"]: r for r in rows}


def _internal(out: Path, table: str) -> list[dict]:
    return query(warehouse(out), f"SELECT * FROM kennzahlen.{table}")  # our constant


# --- releases --------------------------------------------------------------------------------

def test_release_freezes_files_tables_and_checksums(reihe):
    ordner = reihe["ordner"]
    names = set(reihe["nach_freigabe"])
    assert {"SHA256SUMS", "bericht_2025-06-30.duckdb", "sachstand_2025-06-30.docx", "tabellen_2025-06-30.xlsx",
            "ueberblick_2025-06-30.csv"} <= names
    summen = dict(reversed(line.split("  ")) for line in (ordner / "SHA256SUMS").read_text().splitlines())
    assert summen == {n: h for n, h in reihe["nach_freigabe"].items() if n != "SHA256SUMS"}
    # the December run changed nothing in it, and the folder is read-only
    assert _hashes(ordner) == reihe["nach_freigabe"]
    assert not os.access(ordner, os.W_OK) or os.geteuid() == 0
    assert all(p.stat().st_mode & 0o222 == 0 for p in ordner.iterdir())
    assert (ordner.stat().st_mode & 0o222) == 0
    assert ordner.parent.stat().st_mode & 0o777 == 0o755  # readable like bericht/
    # the frozen tables are the June report as published
    juni = duckdb.connect(str(ordner / "bericht_2025-06-30.duckdb"), read_only=True)
    try:
        ue = dict(juni.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    finally:
        juni.close()
    assert ue["Teilnehmende seit Projektbeginn"] == "20" and ue["Vermittlungen (Zählweise der BA)"] == "10"


def test_register_has_one_row_per_release_with_the_fingerprint(reihe):
    rows = _internal(reihe["out"], "berichte")
    assert [r["stichtag"] for r in rows] == [JUNI]
    sums = (reihe["ordner"] / "SHA256SUMS").read_bytes()
    assert rows[0]["fingerabdruck"] == hashlib.sha256(sums).hexdigest()
    assert rows[0]["datenstand_bis"] == JUNI
    assert rows[0]["freigegeben_am"] is not None
    # the public copy of the register travels with reporting.duckdb
    assert [r["stichtag"] for r in query(reihe["out"] / "reporting.duckdb", "SELECT * FROM kennzahlen.berichte")] == [JUNI]


def test_second_release_of_a_stichtag_is_refused_in_one_sentence(reihe, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reihe["out"], out)
    # December is the current report; releasing June again is refused, and so is a Stichtag that
    # is not the current report's
    again = _release(out, JUNI)
    assert not again.success or again.refusal
    assert again.refusal and "bereits am" in again.refusal and "freigegeben" in again.refusal
    env = {**os.environ, "PHASENMONITOR_PSEUDONYM_KEY": KEY.decode()}
    proc = subprocess.run([str(BIN / "phasenmonitor"), "freigeben", "--out", str(out), "--stichtag", "2025-09-30"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert "den Stichtag 31.12.2025, nicht den 30.09.2025" in proc.stderr
    assert [r["stichtag"] for r in _internal(out, "berichte")] == [JUNI]


def test_report_built_without_series_protection_cannot_be_released(reihe, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reihe["ohne"], out)
    s = _release(out, DEZEMBER)
    assert s.refusal and "ohne Schutz gegen frühere Berichte" in s.refusal


# --- the change since the last report ------------------------------------------------------------

def test_change_table_internal_values_worked_by_hand(reihe):
    v = {r["kennzahl"]: r for r in _internal(reihe["out"], "veraenderung")}
    expected = {"teilnehmende_gesamt": (25, 20), "vermittlungen": (14, 10), "personen_mit_vermittlung": (14, 10),
                "mentorinnen_registriert": (5, 4), "kontaktstunden": (50, 40)}
    for k, (jetzt, vorher) in expected.items():
        assert (v[k]["wert"], v[k]["wert_vorbericht"], v[k]["veraenderung"]) == (jetzt, vorher, jetzt - vorher), k
        assert v[k]["stichtag_vorbericht"] == JUNI
    assert not [k for k in v if "quote" in k]  # rates have no change in the contract's sense


def test_change_table_public_form_repeats_the_published_values(reihe):
    v = _public(reihe["out"], "veraenderung")
    ue_dez = {k: r["wert"] for k, r in _public(reihe["out"], "ueberblick").items()}
    juni = duckdb.connect(str(reihe["ordner"] / "bericht_2025-06-30.duckdb"), read_only=True)
    try:
        ue_juni = dict(juni.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    finally:
        juni.close()
    assert v["Vermittlungen (Zählweise der BA)"]["veraenderung"] == "+4"
    assert v["Tandems aktiv"]["veraenderung"] == "+5"
    assert v["Kontaktstunden seit Projektbeginn"]["veraenderung"] == "+10"
    for label, r in v.items():
        assert r["wert"] == ue_dez[label], label  # exactly as published now
        assert r["wert_vorbericht"] == ue_juni[label], label  # exactly as released
        assert r["stichtag_vorbericht"] == "30.06.2025"
        if r["veraenderung"] == GESPERRT:  # a suppressed change never sits beside two published values
            assert GESPERRT in (r["wert"], r["wert_vorbericht"]), label
    # the single new mentor: a change of 1
    assert v["Mentor*innen registriert"]["veraenderung"] == GESPERRT


def test_change_table_has_its_twin_with_signed_numbers(reihe):
    """bericht_werte after a release (docs/kennzahlen.md, version 2): the change table with rows,
    '+4' as 4, its '*' as NULL, checked cell by cell like every other table."""
    con = duckdb.connect(str(reihe["out"] / "reporting.duckdb"), read_only=True)
    try:
        n = assert_twins(con)
        werte = {k: (w, alt, d) for k, w, alt, d in con.execute(
            "SELECT kennzahl, wert, wert_vorbericht, veraenderung FROM bericht_werte.veraenderung").fetchall()}
    finally:
        con.close()
    assert n["*"] and n["zahl"], n
    assert werte["Vermittlungen (Zählweise der BA)"] == (14.0, 10.0, 4.0)
    assert werte["Kontaktstunden seit Projektbeginn"] == (50.0, 40.0, 10.0)
    assert werte["Mentor*innen registriert"][2] is None  # the single new mentor stays hidden


def test_change_table_in_the_xlsx_and_csv_and_not_before_a_release(reihe):
    import openpyxl

    bericht = reihe["out"] / "bericht"
    wb = openpyxl.load_workbook(bericht / "tabellen_2025-12-31.xlsx")
    assert "veraenderung" in wb.sheetnames
    assert (bericht / "veraenderung_2025-12-31.csv").is_file()
    # June had nothing to compare with
    assert not (bericht / "veraenderung_2025-06-30.csv").exists()
    assert "veraenderung" not in openpyxl.load_workbook(reihe["ordner"] / "tabellen_2025-06-30.xlsx").sheetnames


def test_docx_of_december_has_the_change_sentence_and_table(reihe):
    import docx

    doc = docx.Document(str(reihe["out"] / "bericht" / "sachstand_2025-12-31.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    # the Teilnehmende are withheld (see test_withdrawal_is_not_disclosed_by_the_closed_quarters): left out
    assert "Seit dem letzten Bericht zum 30.06.2025 sind es 4 Vermittlungen mehr (jetzt 14), 10 Kontaktstunden der Tandems mehr (jetzt 50)" in text
    assert "Tabelle 2: Veränderung seit dem letzten Bericht (zum 30.06.2025)" in text
    tab = doc.tables[1]
    assert [c.text for c in tab.rows[0].cells] == ["Kennzahl", "Wert am Stichtag", "Wert im letzten Bericht", "Veränderung"]
    first = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in tab.rows[1:]}
    assert first["Vermittlungen (Zählweise der BA)"] == ["14", "10", "+4"]
    assert first["Teilnehmende seit Projektbeginn"] == ["*", "20", "*"]
    juni = docx.Document(str(reihe["ordner"] / "sachstand_2025-06-30.docx"))
    assert not any("Seit dem letzten Bericht" in p.text for p in juni.paragraphs)


# --- disclosure across the series ------------------------------------------------------------------

def _modelle(out: Path) -> tuple[Modell, Modell]:
    """The released June report and the December report as their disclosure control kept them
    (schema reihe in the private warehouse: cells with their true values and printed texts)."""
    con = duckdb.connect(str(warehouse(out)), read_only=True)
    try:
        return register.modell(con, JUNI.isoformat()), register.modell(con, register.ENTWURF)
    finally:
        con.close()


def _series_attack(out: Path) -> dict[tuple, float]:
    """disclosure.angriff on the two reports together: every printed cell of June and of December
    is known, every '*' unknown, each report's own relations hold, and every cell printed in both
    is tied through its change (a whole number of either sign, never printed except in the change
    table). Returns the '*' it works out, and the hidden remainders and changes of 1 or 2."""
    juni, dez = _modelle(out)
    zellen, unbekannt, rels, kleine = {}, set(), [], set()
    for name, m in (("juni", juni), ("dez", dez)):
        for t, z, sp, wert, art, dez_, sichtbar, _fest, gesperrt, vorzeichen, _text in m.zellen:
            ref = (f"{name}:{t}", z, sp)
            zellen[ref] = Zelle(ref, wert, Art(art), dez_, sichtbar, False, vorzeichen)
            if gesperrt or not sichtbar:
                unbekannt.add(ref)
            if not sichtbar and wert is not None and abs(wert) in (1, 2):
                kleine.add(ref)  # a hidden remainder (e.g. 'davon nicht aktiv') of 1 or 2
        rels += [Beziehung(tuple(((f"{name}:{t}", z, sp), k) for t, z, sp, k in terme), konst, bez) for konst, bez, terme in m.beziehungen]
    for t, z, sp, wert, art, *_ in juni.zellen:
        a, b = (f"juni:{t}", z, sp), (f"dez:{t}", z, sp)
        if Art(art) is not Art.ANZAHL or b not in zellen or wert is None or zellen[b].wert is None:
            continue
        d = ("diff", f"{t}/{z}", sp)
        zellen[d] = Zelle(d, zellen[b].wert - wert, Art.ANZAHL, sichtbar=False, vorzeichen=True)
        unbekannt.add(d)
        rels.append(Beziehung(((b, 1), (a, -1), (d, -1)), 0.0, f"Veränderung {t}/{z}/{sp}"))
        if abs(zellen[d].wert) in (1, 2):
            kleine.add(d)
    # the change table's printed change of a key figure is the change of its overview cell
    for t, z, sp, *_ in dez.zellen:
        if t == "veraenderung" and sp == "veraenderung" and ("diff", f"ueberblick/{z}", "wert") in zellen:
            rels.append(Beziehung(((("dez:veraenderung", z, sp), 1), (("diff", f"ueberblick/{z}", "wert"), -1)), 0.0, z))
    result = angriff(zellen, rels, unbekannt)
    return {r: zellen[r].wert for r in result.bestimmt if r in kleine or (r in unbekannt and zellen[r].sichtbar)}


def test_series_models_print_what_the_files_print(reihe):
    """The attack reads the reports' cells from schema reihe: they are the published texts."""
    juni, dez = _modelle(reihe["out"])
    for m, ue in ((juni, _juni_ueberblick(reihe)), (dez, {k: r["wert"] for k, r in _public(reihe["out"], "ueberblick").items()})):
        printed = {z: (GESPERRT if gesperrt else text) for t, z, sp, _w, _a, _d, sichtbar, _f, gesperrt, _v, text in m.zellen
                   if t == "ueberblick" and sp == "wert" and sichtbar}
        assert printed and all(ue[z] == v for z, v in printed.items())


def _juni_ueberblick(reihe) -> dict[str, str]:
    juni = duckdb.connect(str(reihe["ordner"] / "bericht_2025-06-30.duckdb"), read_only=True)
    try:
        return dict(juni.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    finally:
        juni.close()


def test_series_attack_recovers_nothing_with_protection(reihe):
    assert _series_attack(reihe["out"]) == {}


def test_series_attack_recovers_small_changes_without_protection(reihe):
    """Control: the same attack on the December report built without the series protection
    finds the new mentor (a change of 1) and TN 3's withdrawal from the closed second quarter
    (20 active in June, 19 now), so the test above is not passing for a blind attacker."""
    found = _series_attack(reihe["ohne"])
    assert found.get(("diff", "ueberblick/Mentor*innen registriert", "wert")) == 1, found
    assert found.get(("diff", "phasen_quartale/2. Quartal 2025", "aktiv")) == -1, found
    assert _public(reihe["ohne"], "ueberblick")["Mentor*innen registriert"]["wert"] == "5"


def test_protection_withholds_the_small_change_in_the_overview_too(reihe):
    ue = _public(reihe["out"], "ueberblick")
    assert ue["Mentor*innen registriert"]["wert"] == GESPERRT  # 4 released, 5 now
    assert ue["Vermittlungen (Zählweise der BA)"]["wert"] == "14"


def test_withdrawal_is_not_disclosed_by_the_closed_quarters(reihe):
    """TN 3 was active in the second quarter; after the withdrawal that quarter counts 19, not the
    20 released in June. Printing 19 would tell everyone that one person left the count."""
    juni = duckdb.connect(str(reihe["ordner"] / "bericht_2025-06-30.duckdb"), read_only=True)
    try:
        q2_juni = juni.execute("SELECT aktiv FROM bericht.phasen_quartale WHERE quartal = '2. Quartal 2025'").fetchall()
    finally:
        juni.close()
    q2_dez = query(reihe["out"] / "reporting.duckdb", "SELECT aktiv FROM bericht.phasen_quartale WHERE quartal = '2. Quartal 2025'")
    assert q2_juni == [("20",)] and q2_dez == [{"aktiv": GESPERRT}]
    ohne = query(reihe["ohne"] / "reporting.duckdb", "SELECT aktiv FROM bericht.phasen_quartale WHERE quartal = '2. Quartal 2025'")
    assert ohne == [{"aktiv": "19"}]


# --- revisions --------------------------------------------------------------------------------

def test_revisions_compare_the_release_with_today_for_its_stichtag(reihe):
    rev = {(r["stichtag"], r["kennzahl"]): r for r in _internal(reihe["out"], "revisionen")}
    expected = {"teilnehmende_gesamt": (20, 19), "vermittlungen": (10, 11), "kontaktstunden": (40, 38),
                "mentorinnen_registriert": (4, 4)}
    for k, (released, heute) in expected.items():
        r = rev[(JUNI, k)]
        assert (r["wert_veroeffentlicht"], r["wert_heute"], r["differenz"]) == (released, heute, heute - released), k
    assert {s for s, _ in rev} == {JUNI}
