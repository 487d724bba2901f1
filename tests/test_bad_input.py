"""Every bad-input class of docs/datenvertrag.md ("What bad input gets"), through the real nightly job.

One data folder, three runs of the real job (heute 01.03.2026):

1. a good snapshot of every kind (Datenstand 10.01.2026);
2. a newer snapshot of every kind (01.02.2026) with bad rows: each must be quarantined with file,
   line, column and rule while the file's other rows load; the older snapshot's rows stay in
   ``staging.*`` unchanged (history, now 'ersetzt');
3. per file-level class, a still newer file (from 10.02.2026) that must be rejected as a whole:
   the snapshots of run 2 stay 'verwendet', are not parsed again, and ``aktuell.*`` is exactly
   what it was after run 2.

A fake name (``FAKE``) is put into bad rows and rejected files; it must appear in no finding and
in no DuckDB file. A second, small data folder checks the file-level judgements that change from
run to run (a Datenstand in the future, a VHS .csv arriving beside a loaded .xlsx).
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import (
    Inbox,
    assert_exclusions_add_up,
    assert_staged,
    befunde,
    count,
    csv_bytes,
    datenqualitaet,
    dateien,
    headers,
    integration,
    kontakt,
    kundennummer,
    kursteilnahme,
    massnahme,
    mentor,
    person,
    query,
    rel_name,
    run,
    standard_rows,
    table,
    tandem,
    warehouse,
    write_standard,
)

OLD = date(2026, 1, 10)
NEW = date(2026, 2, 1)
HEUTE = date(2026, 3, 1)
FAKE = "Quengelmeier-Zwirbelstein"  # a name that appears in bad rows only
KINDS = ("teilnehmende", "mentorinnen", "tandems", "kontakte", "unternehmen", "massnahmen", "integrationen", "kursteilnahmen")


def _snapshot(out: Path) -> dict[str, list[tuple]]:
    """Every row of every aktuell view, sorted: what the reports see."""
    snap = {}
    for k in KINDS:
        rows = table(out, f"aktuell.{k}")
        snap[k] = sorted(tuple(sorted((c, str(v)) for c, v in r.items())) for r in rows)
    return snap


def _staging_of(out: Path, rel: str) -> list[tuple]:
    d = query(warehouse(out), "SELECT datei_id, art FROM meta.dateien WHERE datei = ?", [rel])[0]
    rows = table(out, f"staging.{d['art']}", "datei_id = ?", [d["datei_id"]])
    return sorted(tuple(sorted((c, str(v)) for c, v in r.items())) for r in rows)


def _findings(out: Path, rel: str, schwere: str | None = "FEHLER") -> list[tuple]:
    return [(b["zeile"], b["spalte"], b["regel"]) for b in befunde(out, rel) if schwere is None or b["schwere"] == schwere]


# --- file level ---------------------------------------------------------------------------------

FILE_CASES = {
    # id: (relative path, expected words in the reason)
    "nicht_dekodierbar": ("asyl/teilnehmende_2026-02-10.csv", ["nicht dekodierbar", "weder UTF-8 noch Windows-1252", "Zeile 7"]),
    "nicht_dekodierbar_trotz_bom": ("asyl/teilnehmende_2026-02-11.csv", ["nicht dekodierbar", "Zeile 7"]),
    "gemischte_kodierung": ("asyl/teilnehmende_2026-02-12.csv", ["nicht dekodierbar", "gemischte Kodierung"]),
    "utf16": ("asyl/mentorinnen_2026-02-11.csv", ["nicht dekodierbar", "UTF-16"]),
    "pflichtspalte_fehlt": ("asyl/mentorinnen_2026-02-10.csv", ["Pflichtspalte fehlt", "'Eintritt'"]),
    "keine_datenzeilen": ("asyl/tandems_2026-02-10.csv", ["Keine Datenzeilen"]),
    "leere_datei": ("asyl/tandems_2026-02-11.csv", ["leer"]),
    "kein_datenstand": ("asyl/kontakte.csv", ["Kein Datenstand im Dateinamen"]),
    "ungueltiges_datum_im_namen": ("asyl/unternehmen_2026-02-30.csv", ["Kein gültiges Datum", "2026-02-30"]),
    "datenstand_nach_lauftag": ("jobcenter/massnahmen_2026-03-15.csv", ["nach dem Tag des Laufs", "15.03.2026"]),
    "mehr_als_haelfte_quarantaene": ("jobcenter/integrationen_2026-02-10.csv", ["Mehr als 50%", "3 von 4"]),
    "vhs_xlsx_und_csv_xlsx": ("vhs/kursteilnahmen_2026-02-10.xlsx", ["Mehrdeutig"]),
    "vhs_xlsx_und_csv_csv": ("vhs/kursteilnahmen_2026-02-10.csv", ["Mehrdeutig"]),
    "falscher_ordner": ("jobcenter/teilnehmende_2026-02-10.csv", ["gehört in den Ordner 'asyl/'"]),
    "unbekannte_art": ("asyl/notizen.docx", ["Unbekannte Exportart"]),
    "registry_mehr_als_haelfte": ("asyl/teilnehmende_2026-02-13.csv", ["Mehr als 50%"]),
    "xlsx_zufallsbytes": ("vhs/kursteilnahmen_2026-02-14.xlsx", ["XLSX-Datei nicht lesbar"]),
    "xlsx_abgeschnitten": ("vhs/kursteilnahmen_2026-02-15.xlsx", ["XLSX-Datei nicht lesbar"]),
    # the contract's 5 columns, then 'Beginn' a second time
    "spalte_doppelt": ("jobcenter/massnahmen_2026-02-12.csv", ["Spalte 'Beginn' kommt in der Kopfzeile doppelt vor", "(Spalte 6)"]),
}


def _write_bad_files(inbox: Inbox) -> None:
    extra = "TN-1099;X;Y;01.01.1990;m;Syrien;NE;ja;01.01.2025;;;;01.01.2025;;;\r\n"
    cp1252_tn = csv_bytes(headers("teilnehmende"), [person(i) for i in range(1, 5)], encoding="cp1252")
    inbox.raw(FILE_CASES["nicht_dekodierbar"][0], cp1252_tn + extra.encode() + b"\x81\x8d;" + FAKE.encode() + b"\r\n")
    bom_tn = csv_bytes(headers("teilnehmende"), [person(i) for i in range(1, 5)], encoding="utf-8-sig")
    inbox.raw(FILE_CASES["nicht_dekodierbar_trotz_bom"][0], bom_tn + extra.encode() + "Äthiopien".encode("cp1252") + b"\r\n")
    # UTF-8 rows (the registry's "§") and one row typed in Windows-1252: garbled either way, so rejected
    utf8_tn = csv_bytes(headers("teilnehmende"), [person(i) for i in range(1, 5)], encoding="utf-8")
    inbox.raw(FILE_CASES["gemischte_kodierung"][0], utf8_tn + csv_bytes(headers("teilnehmende"), [person(5, staatsangehoerigkeit="Äthiopien")], encoding="cp1252").split(b"\r\n", 1)[1])
    inbox.csv(FILE_CASES["pflichtspalte_fehlt"][0], [[mentor(i)[h] for h in headers("mentorinnen") if h != "Eintritt"] for i in (1, 2)],
              header=[h for h in headers("mentorinnen") if h != "Eintritt"])
    inbox.raw(FILE_CASES["utf16"][0], csv_bytes(headers("mentorinnen"), [mentor(1), mentor(2)], encoding="utf-16"))
    inbox.csv(FILE_CASES["keine_datenzeilen"][0], [])
    inbox.raw(FILE_CASES["leere_datei"][0], b"")
    inbox.csv(FILE_CASES["kein_datenstand"][0], [kontakt(1)])
    inbox.csv(FILE_CASES["ungueltiges_datum_im_namen"][0], standard_rows()["unternehmen"])
    inbox.csv(FILE_CASES["datenstand_nach_lauftag"][0], [massnahme(1)], encoding="cp1252")
    inbox.csv(
        FILE_CASES["mehr_als_haelfte_quarantaene"][0],
        [integration(1, integrationsart="Minijob"), integration(2, integrationsart="Minijob"), integration(3, beginn="32.01.2025"), integration(4)],
        encoding="cp1252",
    )
    inbox.xlsx(FILE_CASES["vhs_xlsx_und_csv_xlsx"][0], [kursteilnahme(1)])
    inbox.csv(FILE_CASES["vhs_xlsx_und_csv_csv"][0], [kursteilnahme(1)])
    inbox.csv(FILE_CASES["falscher_ordner"][0], [person(i) for i in range(1, 5)])
    inbox.raw(FILE_CASES["unbekannte_art"][0], b"PK\x03\x04 not really a docx " + FAKE.encode())
    # a .xlsx that is really random bytes, and a real one cut off in the middle (no central directory)
    inbox.raw(FILE_CASES["xlsx_zufallsbytes"][0], random.Random(20260214).randbytes(4096) + FAKE.encode())
    cut = inbox.xlsx(FILE_CASES["xlsx_abgeschnitten"][0], [kursteilnahme(i) for i in range(1, 9)])
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    inbox.csv(
        FILE_CASES["spalte_doppelt"][0],
        [[*(massnahme(i)[h] for h in headers("massnahmen")), massnahme(i)["Beginn"]] for i in (1, 2, 3)],
        header=[*headers("massnahmen"), "Beginn"],
        encoding="cp1252",
    )
    inbox.csv(
        FILE_CASES["registry_mehr_als_haelfte"][0],
        [person(1), person(2, geschlecht="x", nachname=FAKE), person(3, eintritt="gestern", vorname=FAKE), person(4, geschlecht=None, nachname=FAKE)],
    )


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """The three runs; returns the data folder and what the tests compare against."""
    root = tmp_path_factory.mktemp("bad_input")
    inbox = Inbox(root / "inbox")
    out = root / "out"
    write_standard(inbox, OLD, standard_rows(n=8))
    assert_staged(run(inbox.root, out, HEUTE))
    old_rows = {k: _staging_of(out, rel_name(k, OLD)) for k in KINDS}

    rows, lines = _bad_rows()
    write_standard(inbox, NEW, rows)
    assert_staged(run(inbox.root, out, HEUTE))
    after_rows = _snapshot(out)
    files_after_rows = dateien(out)

    _write_bad_files(inbox)
    assert_staged(run(inbox.root, out, HEUTE))
    return {"out": out, "old_rows": old_rows, "lines": lines, "after_rows": after_rows, "files_after_rows": files_after_rows}


@pytest.fixture(scope="module")
def file_level(chain):
    return chain["out"], chain["after_rows"], chain["files_after_rows"]


@pytest.fixture(scope="module")
def row_level(chain):
    return chain["out"], chain["old_rows"], chain["lines"]


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_file_rejected_with_reason(file_level, case):
    out, _, _ = file_level
    rel, words = FILE_CASES[case]
    d = dateien(out)[rel]
    assert d["status"] == "abgelehnt"
    for w in words:
        assert w in d["grund"], (w, d["grund"])
    # a file that is no export is a note (decision 48); every other rejection an error
    regel, schwere = ("datei_ignoriert", "HINWEIS") if case == "unbekannte_art" else ("datei_abgelehnt", "FEHLER")
    file_findings = [b for b in befunde(out, rel) if b["regel"] == regel]
    assert len(file_findings) == 1
    assert (file_findings[0]["zeile"], file_findings[0]["spalte"], file_findings[0]["schwere"]) == (None, None, schwere)
    assert file_findings[0]["grund"] == d["grund"]
    dq = datenqualitaet(out)[rel]
    assert dq["status"] == "abgelehnt" and dq["grund"] == d["grund"]
    assert dq["zeilen_geladen"] == 0
    assert dq["zeilen_gelesen"] == dq["zeilen_geladen"] + dq["zeilen_quarantaene"] + dq["zeilen_ausgeschlossen"]


def test_datenqualitaet_is_published_in_reporting_db(file_level):
    """kennzahlen.datenqualitaet in OUT/reporting.duckdb (the published contract) is the warehouse's."""
    out, _, _ = file_level
    assert (out / "reporting.duckdb").exists()
    published = query(out / "reporting.duckdb", "SELECT * FROM kennzahlen.datenqualitaet ORDER BY datei")
    internal = query(warehouse(out), "SELECT * FROM kennzahlen.datenqualitaet ORDER BY datei")
    assert published == internal
    assert {r["datei"] for r in published} == set(dateien(out))


def test_older_snapshots_stay_in_use_and_unchanged(file_level):
    out, before, files_before = file_level
    d = dateien(out)
    for k in KINDS:
        rel = rel_name(k, NEW)
        assert d[rel]["status"] == "verwendet", rel
        # not parsed again: the rejected newer files change nothing about the older ones
        assert d[rel]["verarbeitet_am"] == files_before[rel]["verarbeitet_am"], rel
        assert datenqualitaet(out)[rel]["status"] == "verwendet"
    assert _snapshot(out) == before
    assert sum(1 for r in d.values() if r["status"] == "verwendet") == len(KINDS)


def test_mostly_bad_file_keeps_its_row_findings(file_level):
    out, _, _ = file_level
    rel = FILE_CASES["mehr_als_haelfte_quarantaene"][0]
    assert _findings(out, rel) == [(None, None, "datei_abgelehnt"), (2, "Integrationsart", "code"), (3, "Integrationsart", "code"), (4, "Beginn", "datum")]
    d = dateien(out)[rel]
    # a rejected file holds back all its rows (decision 47): the valid one is in quarantine with the file
    assert (d["zeilen_gelesen"], d["zeilen_geladen"], d["zeilen_quarantaene"], d["zeilen_ausgeschlossen"]) == (4, 0, 4, 0)
    assert count(out, "staging.integrationen", "datei_id = ?", [d["datei_id"]]) == 0


def test_unknown_kind_is_reported_and_ignored(file_level):
    out, _, _ = file_level
    d = dateien(out)["asyl/notizen.docx"]
    assert d["art"] is None and d["zeilen_gelesen"] == 0
    # no export: a note, not an error (the coordinator's report lists it apart)
    assert [(b["regel"], b["schwere"]) for b in befunde(out, "asyl/notizen.docx")] == [("datei_ignoriert", "HINWEIS")]
    # not copied into the archive: only exports are archived
    assert not (out / "archiv" / f"{d['inhalt_sha256']}.docx").exists()


def test_fake_name_in_rejected_files_appears_nowhere(file_level):
    out, _, _ = file_level
    _assert_nowhere(out, FAKE)


# --- row level ----------------------------------------------------------------------------------

def _bad_registry() -> tuple[list[dict], dict[str, int]]:
    # participants 45 and 46 share a JC-Kundennummer: both load, their Jobcenter rows are ambiguous
    rows = [person(i) for i in range(1, 13)] + [person(45, jc_id=kundennummer(46)), person(46)]
    lines: dict[str, int] = {}

    def add(name: str, r: dict) -> None:
        rows.append(r)
        lines[name] = len(rows) + 1  # header is line 1

    add("pflichtwert", person(40, geschlecht=None, nachname=FAKE))
    add("datum", person(41, geburtsdatum="31.02.1990", vorname=FAKE))
    add("code", person(42, aufenthaltsstatus="Touristenvisum"))
    add("reihenfolge", person(43, eintritt=date(2025, 5, 1), austritt=date(2025, 4, 30), austrittsgrund="Umzug"))
    add("pflicht_wenn", person(44, austritt=date(2025, 6, 30)))
    add("schluessel_doppelt_1", person(50, nachname=FAKE))
    add("dublette_original", person(3))  # an exact repeat of line 4
    add("schluessel_doppelt_2", person(50, geburtsdatum=date(1999, 9, 9)))
    return rows, lines


def _bad_rows() -> tuple[dict[str, list[dict]], dict[str, dict[str, int]]]:
    """The newer snapshot of every kind with its bad rows; kind -> case -> line."""
    rows = standard_rows(n=12)
    lines: dict[str, dict[str, int]] = {}
    rows["teilnehmende"], lines["teilnehmende"] = _bad_registry()

    def add(kind: str, name: str, r: dict) -> None:
        rows[kind].append(r)
        lines.setdefault(kind, {})[name] = len(rows[kind]) + 1

    add("mentorinnen", "janein", mentor(9, ehrenamtszuschuss="vielleicht", nachname=FAKE))
    add("tandems", "verweis_unbekannt", tandem(90, 999, 1))
    add("tandems", "verweis_mentor_quarantaene", tandem(91, 9, 2))
    add("tandems", "verweis_tn_quarantaene", tandem(92, 1, 50))
    add("tandems", "reihenfolge", tandem(93, 1, 4, beginn=date(2025, 3, 1), ende=date(2025, 2, 28)))
    add("kontakte", "verweis_unbekannt", kontakt(999, 5))
    add("kontakte", "verweis_tandem_quarantaene", kontakt(93, 5))
    add("kontakte", "verweis_tandem_verweis_quarantaene", kontakt(91, 5))  # tandem 91 is quarantined for its mentor
    add("kontakte", "pflicht_wenn", kontakt(1, 6, kilometer="4,5", verkehrsmittel=None))
    add("kontakte", "dauer_null", kontakt(1, 7, dauer_min="0"))
    add("kontakte", "dauer_zu_lang", kontakt(1, 8, dauer_min="601"))
    add("kontakte", "dauer_keine_zahl", kontakt(1, 9, dauer_min="1,5"))
    add("kontakte", "kilometer_negativ", kontakt(1, 10, kilometer="-3"))
    add("massnahmen", "code", massnahme(1, massnahmeart="XYZ"))
    add("massnahmen", "reihenfolge", massnahme(2, beginn=date(2025, 5, 1), ende=date(2025, 4, 1)))
    add("massnahmen", "format", massnahme(3, jc_id="962-A-1"))
    add("massnahmen", "zuordnung_mehrdeutig", massnahme(46))
    add("integrationen", "bereich", integration(2, wochenstunden="81"))
    add("integrationen", "zuordnung_mehrdeutig", integration(46))
    add("kursteilnahmen", "pflicht_wenn", kursteilnahme(1, pruefung="telc B1", ergebnis=None))
    add("kursteilnahmen", "anwesenheit_zu_hoch", kursteilnahme(2, anwesenheit=101))
    add("kursteilnahmen", "anwesenheit_text_zu_hoch", kursteilnahme(3, anwesenheit="120 %"))
    add("kursteilnahmen", "datum", kursteilnahme(4, kursbeginn="31.02.2025"))
    add("unternehmen", "pflichtwert", row_unternehmen_without_date())
    return rows, lines


def row_unternehmen_without_date() -> dict:
    from conftest import unternehmen

    return unternehmen(9, netzwerk_seit=None)


ROW_CASES = [
    # (kind, line name, column, rule)
    ("teilnehmende", "pflichtwert", "Geschlecht", "pflichtwert"),
    ("teilnehmende", "datum", "Geburtsdatum", "datum"),
    ("teilnehmende", "code", "Aufenthaltsstatus", "code"),
    ("teilnehmende", "reihenfolge", "Austritt", "reihenfolge"),
    ("teilnehmende", "pflicht_wenn", "Austrittsgrund", "pflicht_wenn"),
    ("mentorinnen", "janein", "Ehrenamtszuschuss", "janein"),
    ("tandems", "verweis_unbekannt", "Mentor-Nr", "verweis"),
    ("tandems", "reihenfolge", "Ende", "reihenfolge"),
    ("kontakte", "verweis_unbekannt", "Tandem-Nr", "verweis"),
    ("kontakte", "pflicht_wenn", "Verkehrsmittel", "pflicht_wenn"),
    ("kontakte", "dauer_null", "Dauer", "bereich"),
    ("kontakte", "dauer_zu_lang", "Dauer", "bereich"),
    ("kontakte", "dauer_keine_zahl", "Dauer", "ganzzahl"),
    ("kontakte", "kilometer_negativ", "Kilometer", "bereich"),
    ("massnahmen", "code", "Maßnahmeart", "code"),
    ("massnahmen", "reihenfolge", "Ende", "reihenfolge"),
    ("massnahmen", "format", "Kundennummer", "format"),
    ("massnahmen", "zuordnung_mehrdeutig", "Kundennummer", "zuordnung_mehrdeutig"),
    ("integrationen", "bereich", "Wochenstunden", "bereich"),
    ("integrationen", "zuordnung_mehrdeutig", "Kundennummer", "zuordnung_mehrdeutig"),
    ("kursteilnahmen", "pflicht_wenn", "Ergebnis", "pflicht_wenn"),
    ("kursteilnahmen", "anwesenheit_zu_hoch", "Anwesenheit", "bereich"),
    ("kursteilnahmen", "anwesenheit_text_zu_hoch", "Anwesenheit", "bereich"),
    ("kursteilnahmen", "datum", "Kursbeginn", "datum"),
    ("unternehmen", "pflichtwert", "Netzwerk seit", "pflichtwert"),
]


@pytest.mark.parametrize("kind,name,spalte,regel", ROW_CASES, ids=[f"{k}-{n}" for k, n, _, _ in ROW_CASES])
def test_row_quarantined_with_line_column_rule(row_level, kind, name, spalte, regel):
    out, old_rows, lines = row_level
    rel = rel_name(kind, NEW)
    zeile = lines[kind][name]
    found = [f for f in _findings(out, rel) if f[0] == zeile]
    assert found == [(zeile, spalte, regel)]
    b = [x for x in befunde(out, rel) if x["zeile"] == zeile][0]
    assert b["grund"] and b["schwere"] == "FEHLER"
    # the file's other rows load; the bad row does not
    d = dateien(out)[rel]
    assert d["status"] == "verwendet"
    assert count(out, f"staging.{kind}", "datei_id = ? AND zeile = ?", [d["datei_id"], zeile]) == 0
    assert d["zeilen_geladen"] > 0
    assert count(out, f"aktuell.{kind}") == d["zeilen_geladen"]
    # the older snapshot is history, untouched
    old = dateien(out)[rel_name(kind, OLD)]
    assert old["status"] == "ersetzt"
    assert _staging_of(out, rel_name(kind, OLD)) == old_rows[kind]


def test_every_quarantined_row_has_exactly_the_expected_findings(row_level):
    """No bad row goes unreported, no good row is flagged."""
    out, _, lines = row_level
    for kind, named in lines.items():
        rel = rel_name(kind, NEW)
        flagged = {f[0] for f in _findings(out, rel)}
        expected = {z for n, z in named.items() if n != "dublette_original"}
        assert flagged == expected, kind


def test_duplicated_key_quarantines_all_its_rows(row_level):
    out, _, lines = row_level
    rel = rel_name("teilnehmende", NEW)
    l1, l2 = lines["teilnehmende"]["schluessel_doppelt_1"], lines["teilnehmende"]["schluessel_doppelt_2"]
    found = [f for f in _findings(out, rel) if f[2] == "schluessel_doppelt"]
    assert found == [(l1, "TN-Nr", "schluessel_doppelt"), (l2, "TN-Nr", "schluessel_doppelt")]
    from conftest import pseudonym, tn_nr

    assert count(out, "staging.teilnehmende", "tn_id = ?", [pseudonym(tn_nr(50), "tn")]) == 0


def test_exact_duplicate_line_counts_once(row_level):
    out, _, lines = row_level
    rel = rel_name("teilnehmende", NEW)
    z = lines["teilnehmende"]["dublette_original"]
    notes = [(b["zeile"], b["regel"], b["schwere"]) for b in befunde(out, rel) if b["regel"] == "dublette"]
    assert notes == [(z, "dublette", "HINWEIS")]
    from conftest import pseudonym, tn_nr

    assert count(out, "aktuell.teilnehmende", "tn_id = ?", [pseudonym(tn_nr(3), "tn")]) == 1
    d = dateien(out)[rel]
    # 14 good + 8 more lines: 7 quarantined (the duplicated key twice), 1 exact repeat: the same
    # record, read once (decision 47)
    assert (d["zeilen_gelesen"], d["zeilen_geladen"], d["zeilen_quarantaene"], d["zeilen_ausgeschlossen"]) == (21, 14, 7, 0)


def test_kundennummer_of_two_registry_rows_quarantines_its_jobcenter_rows(row_level):
    """Two registry rows with the same JC-Kundennummer both load; the Jobcenter rows with that
    number belong to neither (quarantined as ambiguous), the other rows still link."""
    from conftest import pseudonym, tn_nr

    out, _, lines = row_level
    for tn in (45, 46):
        assert count(out, "aktuell.teilnehmende", "tn_id = ?", [pseudonym(tn_nr(tn), "tn")]) == 1, tn
    for kind in ("massnahmen", "integrationen"):
        rel = rel_name(kind, NEW)
        b = [x for x in befunde(out, rel) if x["regel"] == "zuordnung_mehrdeutig"]
        assert [(x["zeile"], x["spalte"], x["schwere"]) for x in b] == [(lines[kind]["zuordnung_mehrdeutig"], "Kundennummer", "FEHLER")]
        assert b[0]["grund"] == "'Kundennummer' ist in der Teilnehmendenliste mehreren Personen zugeordnet"
        for tn in (45, 46):
            assert count(out, f"aktuell.{kind}", "tn_id = ?", [pseudonym(tn_nr(tn), "tn")]) == 0, (kind, tn)
        assert count(out, f"aktuell.{kind}", "tn_id = ?", [pseudonym(tn_nr(2), "tn")]) == 1, kind


def test_reference_to_quarantined_key_says_so(row_level):
    """A tandem whose mentor or participant is quarantined is quarantined too; the reason says the
    key is in quarantine in the other file, not that it is unknown."""
    out, _, lines = row_level
    by_line = {b["zeile"]: b for b in befunde(out, rel_name("tandems", NEW)) if b["schwere"] == "FEHLER"}
    unknown = by_line[lines["tandems"]["verweis_unbekannt"]]
    q_mentor = by_line[lines["tandems"]["verweis_mentor_quarantaene"]]
    q_tn = by_line[lines["tandems"]["verweis_tn_quarantaene"]]
    assert (q_mentor["spalte"], q_tn["spalte"]) == ("Mentor-Nr", "TN-Nr")
    assert "Quarantäne" not in unknown["grund"] and "unbekannt" in unknown["grund"]
    assert "Quarantäne" in q_mentor["grund"] and "mentorinnen" in q_mentor["grund"]
    assert "Quarantäne" in q_tn["grund"] and "teilnehmende" in q_tn["grund"]
    k = {b["zeile"]: b for b in befunde(out, rel_name("kontakte", NEW)) if b["schwere"] == "FEHLER"}
    assert "Quarantäne" in k[lines["kontakte"]["verweis_tandem_quarantaene"]]["grund"]
    assert "Quarantäne" in k[lines["kontakte"]["verweis_tandem_verweis_quarantaene"]]["grund"]
    assert "unbekannt" in k[lines["kontakte"]["verweis_unbekannt"]]["grund"]


def test_counts_add_up_for_every_file(chain):
    for out in (chain["out"],):
        assert assert_exclusions_add_up(out)
        for rel, d in dateien(out).items():
            if d["status"] in ("verwendet", "ersetzt"):
                assert count(out, f"staging.{d['art']}", "datei_id = ?", [d["datei_id"]]) == d["zeilen_geladen"], rel


def test_fake_name_in_quarantined_rows_appears_nowhere(row_level):
    out, _, _ = row_level
    _assert_nowhere(out, FAKE)


# --- file-level judgements that change between runs ---------------------------------------------

@pytest.fixture(scope="module")
def judged_again(tmp_path_factory):
    """Run A (01.03.): registry, VHS .xlsx of 01.02., a registry dated 05.03. (future).
    Run B (01.03.): a VHS .csv of the same Datenstand arrives.
    Run C (05.03.): the .csv is gone again, and the future registry's day has come."""
    root = tmp_path_factory.mktemp("judged_again")
    inbox = Inbox(root / "inbox")
    out = root / "out"
    rows = standard_rows(n=4)
    future = date(2026, 3, 5)
    write_standard(inbox, OLD, rows, kinds=["teilnehmende"])
    write_standard(inbox, future, {"teilnehmende": rows["teilnehmende"][:3]})
    inbox.xlsx(rel_name("kursteilnahmen", NEW), rows["kursteilnahmen"])
    states = {}
    assert_staged(run(inbox.root, out, HEUTE))
    states["A"] = (dateien(out), count(out, "aktuell.kursteilnahmen"), count(out, "aktuell.teilnehmende"))
    inbox.csv(rel_name("kursteilnahmen", NEW, "csv"), rows["kursteilnahmen"])
    assert_staged(run(inbox.root, out, HEUTE))
    states["B"] = (dateien(out), count(out, "aktuell.kursteilnahmen"), count(out, "aktuell.teilnehmende"))
    inbox.remove(rel_name("kursteilnahmen", NEW, "csv"))
    assert_staged(run(inbox.root, out, future))
    states["C"] = (dateien(out), count(out, "aktuell.kursteilnahmen"), count(out, "aktuell.teilnehmende"))
    return out, future, states


def test_vhs_csv_beside_a_loaded_xlsx_rejects_both(judged_again):
    _, _, states = judged_again
    d, n_vhs, _ = states["A"]
    assert d[rel_name("kursteilnahmen", NEW)]["status"] == "verwendet" and n_vhs == 4
    d, n_vhs, _ = states["B"]
    for ext in ("xlsx", "csv"):
        assert d[rel_name("kursteilnahmen", NEW, ext)]["status"] == "abgelehnt", ext
        assert "Mehrdeutig" in d[rel_name("kursteilnahmen", NEW, ext)]["grund"]
    assert n_vhs == 0
    assert d[rel_name("kursteilnahmen", NEW)]["zeilen_geladen"] == 0


def test_removing_the_second_vhs_file_makes_the_first_valid_again(judged_again):
    out, _, states = judged_again
    d, n_vhs, _ = states["C"]
    assert d[rel_name("kursteilnahmen", NEW)]["status"] == "verwendet" and d[rel_name("kursteilnahmen", NEW)]["grund"] is None
    assert n_vhs == 3  # checked against the registry now in use, which lists participants 1-3 only
    assert d[rel_name("kursteilnahmen", NEW)]["nicht_zugeordnet"] == 1
    assert not [b for b in befunde(out, rel_name("kursteilnahmen", NEW)) if b["regel"] == "datei_abgelehnt"]


def test_future_datenstand_is_accepted_once_the_day_has_come(judged_again):
    out, future, states = judged_again
    for run_name in ("A", "B"):
        d, _, n_tn = states[run_name]
        assert d[rel_name("teilnehmende", future)]["status"] == "abgelehnt"
        assert "nach dem Tag des Laufs" in d[rel_name("teilnehmende", future)]["grund"]
        assert d[rel_name("teilnehmende", OLD)]["status"] == "verwendet" and n_tn == 4
    d, _, n_tn = states["C"]
    assert d[rel_name("teilnehmende", future)]["status"] == "verwendet", d[rel_name("teilnehmende", future)]["grund"]
    assert d[rel_name("teilnehmende", OLD)]["status"] == "ersetzt"
    assert n_tn == 3
    assert not [b for b in befunde(out, rel_name("teilnehmende", future)) if b["regel"] == "datei_abgelehnt"]


# --- helpers ------------------------------------------------------------------------------------

def _assert_nowhere(out: Path, needle: str) -> None:
    """``needle`` is in no finding, no VARCHAR cell of any table, and not in the bytes of any DuckDB file."""
    for b in befunde(out):
        assert needle not in " ".join(str(v) for v in b.values())
    for db in sorted(out.glob("*.duckdb")):
        con = duckdb.connect(str(db), read_only=True)
        try:
            cols = con.execute(
                "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
                "WHERE database_name = current_database() AND data_type = 'VARCHAR'"
            ).fetchall()
            for schema, tbl, col in cols:
                n = con.execute(f'SELECT count(*) FROM "{schema}"."{tbl}" WHERE "{col}" LIKE ?', [f"%{needle}%"]).fetchone()[0]
                assert n == 0, (db.name, schema, tbl, col)
        finally:
            con.close()
    for f in list(out.glob("*.duckdb")) + list(out.glob("*.wal")):
        assert needle.encode() not in f.read_bytes(), f.name
