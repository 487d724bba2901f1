"""Every cross-source check of checks/consistency.py driven to failure, through the real job.

A small crafted inbox in the partners' formats (8 participants, conftest's ``standard_rows``) with
one planted problem per warning check, at lines the test knows because it wrote them:

- ``kontakte_im_tandemzeitraum``: a contact before its tandem's Beginn, one after its Ende;
- ``plausible_kontakte``: a contact of 600 minutes (the contract allows it, the limit is 480),
  one of 300 km (limit 200); a contact of exactly 480 minutes / 200 km is not flagged;
- ``plausible_kurse``: 0 % attendance on an 'abgeschlossen' course (not on an 'abgebrochen' one);
- ``aktualitaet``: the employer network's Datenstand 66 days behind every other export;
- plus rows that link to nobody and a participant without consent, for the linkage rates.

Run 1 (the real nightly job): only warnings fail, the metrics are published. Run 2 starts from a
copy of run 1's data folder whose warehouse was changed behind the pipeline's back (rows that no
longer belong to a participant, Ende before Beginn): the blocking checks ``zuordnung_partner``
and ``reihenfolge_daten`` fail with ERROR and stop the metrics. For each check the test asserts
the Dagster evaluation (passed, severity, counts, line numbers) and the rows of
``kennzahlen.befunde``.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

import dq_support as dq
from checks.consistency import PRUEFUNGEN
from conftest import (
    Inbox,
    integration,
    kontakt,
    kursteilnahme,
    massnahme,
    person,
    pseudonym,
    rel_name,
    standard_rows,
    tandem,
    tn_nr,
    write_standard,
)

D = date(2026, 11, 20)  # Datenstand of every export but the employer network (heute: dq.HEUTE, 25.11.2026)
ALT = date(2026, 9, 15)  # the employer network's: 66 days behind, limit 45
BLOCKING = {p.name for p in PRUEFUNGEN if p.blocking}

KONTAKTE = rel_name("kontakte", D)
KURSE = rel_name("kursteilnahmen", D)
MASSNAHMEN = rel_name("massnahmen", D)
INTEGRATIONEN = rel_name("integrationen", D)
UNTERNEHMEN = rel_name("unternehmen", ALT)

# Lines (header = 1) of the planted rows, as written below.
K_VOR_BEGINN, K_NACH_ENDE, K_600_MIN, K_300_KM = 18, 19, 20, 21
KURS_NULL_PROZENT = 4  # participant 3's enrolment
M_OHNE_PERSON = (3, 7)  # run 2: measures of participants 2 and 6 lose their person
I_ENDE_VOR_BEGINN = 3  # run 2: participant 4's job
KURS_ENDE_VOR_BEGINN = 8  # run 2: participant 7's course


def _rows() -> dict[str, list[dict]]:
    rows = standard_rows(n=8, mentors=4)
    # participant 5 without consent: their measure still counts as matched to a registry person
    rows["teilnehmende"][4] = person(5, einwilligung=None)
    rows["tandems"][1] = tandem(2, 3, 2, ende=date(2025, 3, 31))
    # lines 2..17 are the 16 standard contacts (tandems 1..8, 3rd and 17th of March 2025)
    rows["kontakte"] += [
        kontakt(1, datum=date(2025, 1, 20)),  # 18: before tandem 1 began (01.02.2025)
        kontakt(2, datum=date(2025, 4, 10)),  # 19: after tandem 2 ended (31.03.2025)
        kontakt(3, 20, dauer_min="600"),  # 20
        kontakt(4, 21, kilometer="300", verkehrsmittel="Pkw"),  # 21
        kontakt(6, 22, dauer_min="480", kilometer="200", verkehrsmittel="Pkw"),  # 22: at the limits, no warning
        kontakt(2, datum=date(2025, 3, 31)),  # 23: on tandem 2's last day, no warning
        kontakt(5, 24, dauer_min="599"),  # 24: tandem of a person without consent: not in use, no warning
    ]
    kurse = rows["kursteilnahmen"]
    kurse[2] = kursteilnahme(3, anwesenheit=0, pruefung="keine", ergebnis=None)  # line 4, abgeschlossen
    kurse[5] = kursteilnahme(6, anwesenheit=0, pruefung="keine", ergebnis=None, status="abgebrochen")  # no warning
    kurse[6] = kursteilnahme(7, anwesenheit=1)  # no warning
    kurse.append(kursteilnahme(90))  # line 10: a VHS student unknown to the programme
    rows["massnahmen"].append(massnahme(90))  # line 10: a Jobcenter customer unknown to the programme
    rows["integrationen"].append(integration(91))  # line 6
    return rows


# Linkage rates, by hand: matched rows (loaded or excluded for consent) / rows that passed triage.
#   massnahmen: participants 1..8 (5 without consent, still matched) + 1 unknown   -> 8/9
#   integrationen: participants 2, 4, 6, 8 + 1 unknown                             -> 4/5
#   jobcenter: (8 + 4) / (9 + 5)                                                    -> 12/14
#   kursteilnahmen: participants 1..8 + 1 unknown                                   -> 8/9
QUOTEN = {
    "zuordnungsquote_massnahmen": round(8 / 9, 4),
    "zuordnungsquote_integrationen": round(4 / 5, 4),
    "zuordnungsquote_jobcenter": round(12 / 14, 4),
    "zuordnungsquote_kursteilnahmen": round(8 / 9, 4),
    "zuordnungsquote_vhs": round(8 / 9, 4),
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_rows(out: Path, regeln: tuple[str, ...]) -> list[tuple]:
    """kennzahlen.befunde rows of the given rules, as (quelle, datei, zeile, spalte, regel, schwere, grund)."""
    ph = ", ".join("?" for _ in regeln)
    return dq.query(
        out / "warehouse.duckdb",
        f"SELECT quelle, datei, zeile, spalte, regel, schwere, grund FROM kennzahlen.befunde WHERE regel IN ({ph}) "
        "ORDER BY datei, zeile, regel",
        list(regeln),
    )


def _meta(evaluation) -> dict:
    return {k: v.value for k, v in evaluation.metadata.items()}


@pytest.fixture(scope="module")
def warn_run(tmp_path_factory) -> dq.Lauf:
    root = tmp_path_factory.mktemp("consistency")
    inbox = Inbox(root / "inbox")
    rows = _rows()
    write_standard(inbox, D, rows, kinds=[k for k in rows if k != "unternehmen"])
    write_standard(inbox, ALT, rows, kinds=["unternehmen"])
    return dq.run(inbox.root, root / "out")


@pytest.fixture(scope="module")
def blocked_run(warn_run, tmp_path_factory) -> tuple[dq.Lauf, str]:
    """Run 1's inbox and data folder, copied; the warehouse changed behind the pipeline's back."""
    root = tmp_path_factory.mktemp("consistency_blocked")
    inbox, out = root / "inbox", root / "out"
    shutil.copytree(warn_run.inbox, inbox)
    shutil.copytree(warn_run.out, out)
    published = _sha(out / "reporting.duckdb")
    con = duckdb.connect(str(out / "warehouse.duckdb"))
    try:
        def datei_id(rel: str) -> str:
            return con.execute("SELECT datei_id FROM meta.dateien WHERE datei = ?", [rel]).fetchone()[0]

        # a well-formed pseudonym (the contract suite checks the shape), of nobody in the registry
        con.execute(
            "UPDATE staging.massnahmen SET tn_id = ? WHERE datei_id = ? AND zeile IN (?, ?)",
            [pseudonym(tn_nr(99), "tn"), datei_id(MASSNAHMEN), *M_OHNE_PERSON],
        )
        con.execute(
            "UPDATE staging.integrationen SET ende = beginn - INTERVAL 1 DAY WHERE datei_id = ? AND zeile = ?",
            [datei_id(INTEGRATIONEN), I_ENDE_VOR_BEGINN],
        )
        con.execute(
            "UPDATE staging.kursteilnahmen SET kursende = kursbeginn - INTERVAL 3 DAY WHERE datei_id = ? AND zeile = ?",
            [datei_id(KURSE), KURS_ENDE_VOR_BEGINN],
        )
    finally:
        con.close()
    return dq.run(inbox, out), published


# --- run 1: warnings only ------------------------------------------------------------------------

def test_warnings_fail_but_block_nothing(warn_run):
    assert warn_run.summary.success, warn_run.summary.failures
    evals = dq.check_evaluations(warn_run)
    failed = {n for n, e in evals.items() if not e.passed}
    assert {"kontakte_im_tandemzeitraum", "plausible_kontakte", "plausible_kurse", "aktualitaet"} <= failed
    assert not failed & BLOCKING, failed & BLOCKING
    for name in ("kontakte_im_tandemzeitraum", "plausible_kontakte", "plausible_kurse", "aktualitaet"):
        assert evals[name].severity == dg.AssetCheckSeverity.WARN, name
    assert {"kennzahlen/teilnahme", "kennzahlen/mentoring", "bericht/reporting_db"} <= dq.materialized(warn_run)
    assert (warn_run.out / "reporting.duckdb").exists()


def test_linkage_rates_are_the_hand_computed_ones(warn_run):
    e = dq.check_evaluations(warn_run)["zuordnung_partner"]
    assert e.passed
    meta = _meta(e)
    assert {k: meta[k] for k in QUOTEN} == QUOTEN
    assert (meta["massnahmen_ohne_person"], meta["integrationen_ohne_person"], meta["kursteilnahmen_ohne_person"]) == (0, 0, 0)


def test_kontakte_im_tandemzeitraum(warn_run):
    e = dq.check_evaluations(warn_run)["kontakte_im_tandemzeitraum"]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    assert e.asset_key == dg.AssetKey(["staging", "kontakte"])
    meta = _meta(e)
    assert (meta["vor_beginn"], meta["nach_ende"], meta["befunde"]) == (1, 1, 2)
    assert meta["datei"] == KONTAKTE
    assert meta["zeilen"] == f"{K_VOR_BEGINN}, {K_NACH_ENDE}"
    assert _check_rows(warn_run.out, ("kontakt_ausserhalb_tandem",)) == [
        ("asyl", KONTAKTE, K_VOR_BEGINN, "Datum", "kontakt_ausserhalb_tandem", "WARNUNG", "Kontakt liegt vor dem Beginn seines Tandems"),
        ("asyl", KONTAKTE, K_NACH_ENDE, "Datum", "kontakt_ausserhalb_tandem", "WARNUNG", "Kontakt liegt nach dem Ende seines Tandems"),
    ]


def test_plausible_kontakte(warn_run):
    e = dq.check_evaluations(warn_run)["plausible_kontakte"]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    meta = _meta(e)
    assert (meta["dauer_ueber_grenze"], meta["kilometer_ueber_grenze"], meta["befunde"]) == (1, 1, 2)
    assert (meta["grenze_minuten"], meta["grenze_km"]) == (480, 200.0)
    assert meta["datei"] == KONTAKTE
    assert meta["zeilen"] == f"{K_600_MIN}, {K_300_KM}"
    rows = _check_rows(warn_run.out, ("plausibel_dauer", "plausibel_kilometer"))
    assert [r[:6] for r in rows] == [
        ("asyl", KONTAKTE, K_600_MIN, "Dauer", "plausibel_dauer", "WARNUNG"),
        ("asyl", KONTAKTE, K_300_KM, "Kilometer", "plausibel_kilometer", "WARNUNG"),
    ]
    assert "über 480 Minuten" in rows[0][6] and "Mehr als 200 km" in rows[1][6]


def test_plausible_kurse(warn_run):
    e = dq.check_evaluations(warn_run)["plausible_kurse"]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    assert e.asset_key == dg.AssetKey(["staging", "kursteilnahmen"])
    meta = _meta(e)
    assert (meta["abgeschlossen_ohne_anwesenheit"], meta["befunde"]) == (1, 1)
    assert meta["datei"] == KURSE and meta["zeilen"] == str(KURS_NULL_PROZENT)
    assert _check_rows(warn_run.out, ("plausibel_anwesenheit",)) == [
        ("vhs", KURSE, KURS_NULL_PROZENT, "Anwesenheit", "plausibel_anwesenheit", "WARNUNG",
         "Kurs mit 0 % Anwesenheit ist als 'abgeschlossen' gemeldet: Anwesenheit oder Status prüfen"),
    ]


def test_aktualitaet(warn_run):
    e = dq.check_evaluations(warn_run)["aktualitaet"]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    meta = _meta(e)
    assert (meta["veraltet_oder_fehlend"], meta["befunde"], meta["grenze_tage"]) == (1, 1, 45)
    assert meta["stichtag"] == "2026-11-20"  # the employer network does not hold the Stichtag back
    assert (meta["asyl/unternehmen_datenstand"], meta["asyl/unternehmen_alter_tage"], meta["asyl/unternehmen_rueckstand_tage"]) == ("2026-09-15", 66, 66)
    for key in ("asyl/teilnehmende", "jobcenter/massnahmen", "vhs/kursteilnahmen"):
        assert (meta[f"{key}_alter_tage"], meta[f"{key}_rueckstand_tage"]) == (0, 0), key
    assert _check_rows(warn_run.out, ("aktualitaet", "stand_fehlt")) == [
        ("asyl", UNTERNEHMEN, None, None, "aktualitaet", "WARNUNG",
         "Datenstand 15.09.2026 ist am Stichtag 20.11.2026 66 Tage alt und 66 Tage älter als der neueste Export (Grenze 45 Tage)"),
    ]


# --- run 2: the blocking checks ------------------------------------------------------------------

def test_blocking_checks_fail_and_stop_the_metrics(warn_run, blocked_run):
    lauf, published = blocked_run
    assert not lauf.summary.success
    evals = dq.check_evaluations(lauf)
    failed_blocking = {n for n, e in evals.items() if n in BLOCKING and not e.passed}
    # the contract suites of the two kinds see the date order too; nothing else fails
    assert failed_blocking == {"zuordnung_partner", "reihenfolge_daten", "stand_integrationen", "stand_kursteilnahmen"}
    for name in failed_blocking:
        assert evals[name].severity == dg.AssetCheckSeverity.ERROR, name
    done = dq.materialized(lauf)
    assert "kennzahlen/datenqualitaet" in done
    assert not {"kennzahlen/teilnahme", "kennzahlen/mentoring", "bericht/reporting_db"} & done
    assert _sha(lauf.out / "reporting.duckdb") == published


def test_zuordnung_partner(blocked_run):
    lauf, _ = blocked_run
    e = dq.check_evaluations(lauf)["zuordnung_partner"]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    meta = _meta(e)
    assert (meta["massnahmen_ohne_person"], meta["integrationen_ohne_person"], meta["kursteilnahmen_ohne_person"]) == (2, 0, 0)
    assert meta["massnahmen_zeilen"] == ", ".join(map(str, M_OHNE_PERSON))
    assert "integrationen_zeilen" not in meta and "kursteilnahmen_zeilen" not in meta
    assert meta["befunde"] == 2
    assert {k: meta[k] for k in QUOTEN} == QUOTEN  # the rates come from the load, not from the changed rows
    grund = "Zeile ist über 'Kundennummer' keiner teilnehmenden Person des verwendeten Stands zugeordnet (Warehouse inkonsistent)"
    assert _check_rows(lauf.out, ("pruefung_zuordnung",)) == [
        ("jobcenter", MASSNAHMEN, z, "Kundennummer", "pruefung_zuordnung", "FEHLER", grund) for z in M_OHNE_PERSON
    ]


def test_reihenfolge_daten(blocked_run):
    lauf, _ = blocked_run
    e = dq.check_evaluations(lauf)["reihenfolge_daten"]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    meta = _meta(e)
    assert meta["integrationen.ende_vor_beginn"] == 1
    assert meta["kursteilnahmen.kursende_vor_kursbeginn"] == 1
    for key in ("teilnehmende.austritt_vor_eintritt", "mentorinnen.austritt_vor_eintritt", "tandems.ende_vor_beginn", "massnahmen.ende_vor_beginn"):
        assert meta[key] == 0, key
    assert meta["befunde"] == 2
    assert _check_rows(lauf.out, ("pruefung_reihenfolge",)) == [
        ("jobcenter", INTEGRATIONEN, I_ENDE_VOR_BEGINN, "Ende", "pruefung_reihenfolge", "FEHLER", "'Ende' liegt vor 'Beginn' (Warehouse inkonsistent)"),
        ("vhs", KURSE, KURS_ENDE_VOR_BEGINN, "Kursende", "pruefung_reihenfolge", "FEHLER",
         "'Kursende' liegt vor 'Kursbeginn' (Warehouse inkonsistent)"),
    ]


def test_warnings_of_run_1_are_still_reported_in_run_2(warn_run, blocked_run):
    lauf, _ = blocked_run
    regeln = ("kontakt_ausserhalb_tandem", "plausibel_dauer", "plausibel_kilometer", "plausibel_anwesenheit", "aktualitaet")
    assert _check_rows(lauf.out, regeln) == _check_rows(warn_run.out, regeln)
    assert len(_check_rows(lauf.out, regeln)) == 6
