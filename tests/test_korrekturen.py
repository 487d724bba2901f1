"""The partners' fix lists (checks/korrekturen.py) and the split of the excluded rows in
kennzahlen.datenqualitaet (contract version 2).

The fix lists come from the shared real runs of tests/dq_support.py (the demo inbox with its
deliberate mistakes, sources/demo/mistakes.py, and the same inbox with a broken newer snapshot of
every kind). They are read as a partner reads them (the XLSX with openpyxl, the HTML as text),
compared with kennzahlen.befunde, and scanned for identifiers, pseudonyms and counts; the scanner
is shown to fail on a pseudonym, a name, a birth date and a small count put in."""

from __future__ import annotations

import html
import re
import stat
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

import dq_support as dq
from conftest import assert_exclusions_add_up
from sources.findings import REGELN
from sources.kinds import PARTNER_NAMEN

STICHTAG = date(2026, 11, 18)  # as in tests/test_dq_report.py
DATEINAMEN = {"asyl": "Sachgebiet_Asyl", "jobcenter": "Jobcenter", "vhs": "VHS_Hilden-Haan"}
KOPF = ["Datei", "Zeile", "Spalte", "Art", "Was ist falsch", "So beheben Sie es"]
pytestmark = pytest.mark.integration


def _paths(out: Path, quelle: str) -> tuple[Path, Path]:
    stem = out / "intern" / f"korrekturen_{DATEINAMEN[quelle]}_{STICHTAG.isoformat()}"
    return stem.with_suffix(".xlsx"), stem.with_suffix(".html")


def _xlsx_rows(path: Path) -> tuple[list[list], list[str]]:
    """(the table's rows below the header, every cell's text of the sheet)."""
    ws = openpyxl.load_workbook(path, read_only=True).active
    cells = [list(r) for r in ws.iter_rows(values_only=True)]
    kopf = next(i for i, r in enumerate(cells) if r[: len(KOPF)] == KOPF)
    rows = []
    for r in cells[kopf + 1:]:
        if not r[0]:
            break
        rows.append(r[: len(KOPF)])
    return rows, [str(v) for r in cells for v in r if v is not None]


def _html_text(doc: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", doc)).split())


def _partner_findings(out: Path, quelle: str) -> set[tuple]:
    """(datei, zeile, spalte) of every finding of the partner the lists must carry: files in the
    inbox that are not replaced, rules the partner can fix (computed from the tables)."""
    rows = dq.query(out / "warehouse.duckdb",
                    "SELECT b.datei, b.zeile, b.spalte, b.regel FROM kennzahlen.befunde b "
                    "LEFT JOIN kennzahlen.datenqualitaet d USING (datei) WHERE b.quelle = ? AND coalesce(d.status, '') <> 'ersetzt'",
                    [quelle])
    return {(d or "ganze Lieferung", z, s or "–") for d, z, s, r in rows if REGELN[r].beheben}


def test_a_pair_of_files_per_partner_beside_the_report_private():
    for lauf in (dq.base_run(), dq.broken_run()[0]):
        intern = lauf.out / "intern"
        for quelle in PARTNER_NAMEN:
            for p in _paths(lauf.out, quelle):
                assert p.exists(), sorted(x.name for x in intern.iterdir())
                assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert stat.S_IMODE(intern.stat().st_mode) == 0o700
        assert not list((lauf.out / "bericht").rglob("korrekturen_*"))


def test_every_finding_of_the_partner_is_in_its_lists_with_file_line_column():
    for lauf in (dq.base_run(), dq.broken_run()[0]):
        for quelle in PARTNER_NAMEN:
            expected = _partner_findings(lauf.out, quelle)
            xlsx, page = _paths(lauf.out, quelle)
            rows, _ = _xlsx_rows(xlsx)
            got = {(d, None if z == "–" else z, s) for d, z, s, *_ in rows}
            assert got == expected, (quelle, sorted(expected - got, key=str)[:5], sorted(got - expected, key=str)[:5])
            assert all(r[3] and r[4] and r[5] for r in rows)
            text = _html_text(page.read_text(encoding="utf-8"))
            for datei, zeile, spalte in expected:
                assert (datei if datei != "ganze Lieferung" else "Lieferung insgesamt") in text
                assert spalte in text
            # findings of other partners never: a partner sees its own files only
            others = {d for q in PARTNER_NAMEN if q != quelle for d, _, _ in _partner_findings(lauf.out, q)}
            assert not [d for d in others if d != "ganze Lieferung" and d in text]
    # the demo's mistakes: every partner has something to fix
    for quelle in PARTNER_NAMEN:
        assert _partner_findings(dq.base_run().out, quelle)


def test_the_lists_name_the_rejected_files_and_the_fix():
    broken, written = dq.broken_run()
    rows, _ = _xlsx_rows(_paths(broken.out, "asyl")[0])
    ganz = [r for r in rows if r[0] == written["teilnehmende"] and r[1] == "–"]
    assert ganz and ganz[0][3] == "Fehler: Datei abgelehnt" and "Pflichtspalte fehlt" in ganz[0][4]
    assert ganz[0][5] == REGELN["datei_abgelehnt"].beheben
    # a file with every row quarantined: every line, with the column and the allowed codes
    kontakte = [r for r in rows if r[0] == written["kontakte"] and r[1] != "–"]
    n_lines = dq.query(broken.out / "warehouse.duckdb",
                       "SELECT count(DISTINCT zeile) FROM kennzahlen.befunde WHERE datei = ? AND regel = 'code'", [written["kontakte"]])[0][0]
    assert len({r[1] for r in kontakte if r[3] == "Fehler: Wert nicht in der Liste"}) == n_lines > 100
    assert all("erlaubt:" in r[4] for r in kontakte if r[3] == "Fehler: Wert nicht in der Liste")
    # the coordinator's business stays out: the warehouse checks, ignored files, internal words
    _, cells = _xlsx_rows(_paths(broken.out, "asyl")[0])
    text = " ".join(cells) + _html_text(_paths(broken.out, "asyl")[1].read_text(encoding="utf-8"))
    assert "notizen.docx" not in text
    for technical in ("Quarantäne", "Warehouse", "Great", "Suite", "kennzahlen.", "aktuell.", "inaktiv_tage", "Regel"):
        assert technical not in text, technical
    assert not [c for c in REGELN if "_" in c and c in text]


# --- the scanner: identifiers, pseudonyms and counts ------------------------------------------------

def _names() -> set[str]:
    from sources.demo import names

    vocab = {n for group in names._NAMES for part in group for n in part}
    vocab |= set(names.MENTOR_FIRST_M) | set(names.MENTOR_FIRST_F) | set(names.DE_LAST) | set(names.OTHER_LAST)
    return {n for n in vocab if len(n) >= 3}


# A number next to a word for people or excluded rows is a count of persons (or tells about them).
_COUNT = re.compile(r"(?<![\d.,:/-])(\d+)\s+(?:Person|Personen|Teilnehmende|Mentor\*in|Mentor\*innen|Tandems?|Kontakte?|Fälle|Zeilen?\b"
                    r"(?! ?\d))", re.I)


def scan(text: str, words: set[str], pseudonyms: set[str]) -> list[str]:
    """What of a fix list's text must not be in it: identifiers and names (whole words), pseudonyms,
    birth-date-like values outside the Stichtag, counts of persons or rows."""
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(v) for v in sorted(words, key=len, reverse=True)) + r")(?![\w-])")
    found = set(pattern.findall(text)) | {p for p in pseudonyms if p in text}
    found |= {m.group(0) for m in _COUNT.finditer(text)}
    return sorted(found)


def _texts(lauf) -> dict[str, str]:
    out = {}
    for quelle in PARTNER_NAMEN:
        xlsx, page = _paths(lauf.out, quelle)
        rows, cells = _xlsx_rows(xlsx)
        # the lines are the Zeile column (numbers); everything else is text a person reads
        out[xlsx.name] = " ".join(c for c in cells if not re.fullmatch(r"\d+", c))
        doc = re.sub(r"<th scope='row' class='zeilen'>[^<]*</th>", " ", page.read_text(encoding="utf-8"))
        out[page.name] = _html_text(doc)
    return out


def test_no_identifier_pseudonym_name_or_count_in_the_lists():
    base = dq.base_run()
    broken, _ = dq.broken_run()
    words = dq.inbox_identifiers(broken.inbox) | _names()
    pseudonyms = dq.warehouse_pseudonyms(broken.out / "warehouse.duckdb")
    assert len(words) > 500 and len(pseudonyms) > 100
    leaks = {}
    for lauf in (base, broken):
        for name, text in _texts(lauf).items():
            if found := scan(text, words, pseudonyms):
                leaks[f"{lauf.out.name}/{name}"] = found[:5]
    assert not leaks, leaks
    # the excluded rows of the partners' files (consent, linkage) are never counted in the lists
    split = dq.query(base.out / "warehouse.duckdb",
                     "SELECT quelle, sum(zeilen_ohne_einwilligung), sum(zeilen_nicht_zugeordnet) FROM kennzahlen.datenqualitaet GROUP BY 1")
    assert any(n for _, a, b in split for n in (a, b))  # the demo has both kinds
    texts = _texts(base)
    for text in texts.values():
        assert "Einwilligung" not in text


def test_the_scanner_finds_what_is_put_in():
    """The scanner of the test above is not blind: a pseudonym, a name, a partner's ID, a birth
    date and a small count of persons, each put into a real fix list, are found."""
    broken, _ = dq.broken_run()
    words = dq.inbox_identifiers(broken.inbox) | _names()
    pseudonyms = dq.warehouse_pseudonyms(broken.out / "warehouse.duckdb")
    text = next(iter(_texts(broken).values()))
    assert scan(text, words, pseudonyms) == []
    pseudonym = sorted(pseudonyms)[0]
    tn_nr = sorted(w for w in words if w.startswith("TN-"))[0]
    birth = sorted(w for w in words if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}|\d{4}-\d{2}-\d{2}", w))[0]
    for planted in (pseudonym, "Müller", tn_nr, birth, "2 Personen ohne Einwilligung", "1 Zeile gehört zu keiner Person",
                    "3 Zeilen gehören zu keiner teilnehmenden Person"):
        assert scan(text + " Bitte beachten: " + planted + ".", words, pseudonyms), planted


# --- a partner without anything to fix, and the exclusions ------------------------------------------

def test_a_partner_without_findings_gets_a_list_that_says_so(tmp_path):
    """Rule level on a hand-made warehouse: one Jobcenter finding; the VHS and the Sachgebiet Asyl
    have none (a replaced file's finding and a warehouse finding do not count)."""
    from checks.korrekturen import korrekturen, write_korrekturen
    from sources.settings import Settings

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA kennzahlen")
    con.execute("CREATE TABLE kennzahlen.datenqualitaet (quelle VARCHAR, datei VARCHAR, datenstand DATE, status VARCHAR)")
    con.execute("INSERT INTO kennzahlen.datenqualitaet VALUES ('jobcenter', 'jobcenter/massnahmen_2026-11-18.csv', '2026-11-18', 'verwendet'),"
                " ('vhs', 'vhs/kursteilnahmen_2026-10-01.csv', '2026-10-01', 'ersetzt'), ('vhs', 'vhs/kursteilnahmen_2026-11-17.csv', '2026-11-17', 'verwendet')")
    con.execute("CREATE TABLE kennzahlen.befunde (quelle VARCHAR, datei VARCHAR, zeile BIGINT, spalte VARCHAR, regel VARCHAR, schwere VARCHAR, grund VARCHAR)")
    con.execute("INSERT INTO kennzahlen.befunde VALUES "
                "('jobcenter', 'jobcenter/massnahmen_2026-11-18.csv', 7, 'Beginn', 'datum', 'FEHLER', 'kein gültiges Datum'),"
                "('vhs', 'vhs/kursteilnahmen_2026-10-01.csv', 3, 'Status', 'pflichtwert', 'FEHLER', 'Pflichtwert fehlt'),"
                "('asyl', 'asyl/tandems_2026-11-18.csv', 4, 'Mentor-Nr', 'pruefung_verweis', 'FEHLER', 'Warehouse inkonsistent')")
    amt = "Kreis Mettmann, Kommunales Integrationszentrum"  # not the default: the sender comes from the settings
    settings = Settings(inbox=tmp_path / "inbox", out=tmp_path / "out", heute=date(2026, 11, 20), amt=amt)
    paths = write_korrekturen(con, settings, STICHTAG)
    assert len(paths) == 6
    assert [(k.datei, k.zeile, k.spalte) for k in korrekturen(con, "jobcenter")] == [("jobcenter/massnahmen_2026-11-18.csv", 7, "Beginn")]
    assert korrekturen(con, "vhs") == [] and korrekturen(con, "asyl") == []
    for quelle in ("vhs", "asyl"):
        xlsx, page = _paths(settings.out, quelle)
        rows, cells = _xlsx_rows(xlsx)
        assert rows == [["Keine Korrekturen.", None, None, None, None, None]] or not rows
        assert any("nichts zu korrigieren" in c for c in cells)
        assert "nichts zu korrigieren" in _html_text(page.read_text(encoding="utf-8"))
    for quelle in ("vhs", "asyl", "jobcenter"):
        xlsx, page = _paths(settings.out, quelle)
        assert any(c.endswith(f"Projektkoordination 3-Phasen-Modell, {amt}.") for c in _xlsx_rows(xlsx)[1])
        assert f"Projektkoordination 3-Phasen-Modell, {amt}." in _html_text(page.read_text(encoding="utf-8"))
        assert "Stadt Hilden" not in _html_text(page.read_text(encoding="utf-8"))
    # the VHS's delivery in use is listed as looked at; the replaced one is not
    text = _html_text(_paths(settings.out, "vhs")[1].read_text(encoding="utf-8"))
    assert "kursteilnahmen_2026-11-17.csv" in text and "kursteilnahmen_2026-10-01.csv" not in text
    con.close()


def test_accessible_printable_html():
    doc = _paths(dq.base_run().out, "jobcenter")[1].read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html><html lang='de'>")
    assert "<th scope='col'>" in doc and "<th scope='row'" in doc and "<caption" in doc
    assert "@media print" in doc and "@page" in doc
    assert "http://" not in doc and "https://" not in doc and "<script" not in doc


def test_the_exclusion_split_adds_up_for_every_file_of_the_demo_runs(demo_run):
    """kennzahlen.datenqualitaet (v2) on the demo inbox (the CLI's run, and the in-process runs
    of the data-quality tests, also with broken snapshots and a corrupted warehouse)."""
    n = 0
    for out in (demo_run.out, dq.base_run().out, dq.broken_run()[0].out, dq.blocked_run().out):
        n += assert_exclusions_add_up(out)
    assert n > 40
    # the split against what the files say: the registry in use excludes exactly its rows without
    # consent (Einwilligung empty, or a Widerruf on or before the run day) that are not quarantined
    from sources.reading import read_table

    lauf = dq.base_run()
    row = dq.query(lauf.out / "warehouse.duckdb",
                   "SELECT datei, zeilen_ohne_einwilligung, zeilen_nicht_zugeordnet FROM kennzahlen.datenqualitaet "
                   "WHERE status = 'verwendet' AND datei LIKE 'asyl/teilnehmende_%'")[0]
    frame, header, _ = read_table(lauf.inbox / row[0], "csv")
    frame.columns = ["_zeile", *header] if frame.columns[0] == "_zeile" else header
    quarantined = {z for (z,) in dq.query(lauf.out / "warehouse.duckdb",
                                           "SELECT DISTINCT zeile FROM kennzahlen.befunde WHERE datei = ? AND schwere = 'FEHLER'", [row[0]])}

    def _datum(text: str) -> date:
        return date.fromisoformat(text) if "-" in text else datetime.strptime(text, "%d.%m.%Y").date()

    def _no_consent(r) -> bool:
        w = _datum(r["Widerruf"].strip()) if (r["Widerruf"] or "").strip() else None
        return not (r["Einwilligung"] or "").strip() or (w is not None and w <= dq.HEUTE)

    expected = sum(1 for r in frame.iter_rows(named=True) if r["_zeile"] not in quarantined and _no_consent(r))
    assert (row[1], row[2]) == (expected, 0) and expected > 0
    # the Jobcenter's and the VHS's files have rows linked to nobody, and rows of people without consent
    by_quelle = dict(((q, (a, b)) for q, a, b in dq.query(
        lauf.out / "warehouse.duckdb",
        "SELECT quelle, sum(zeilen_ohne_einwilligung), sum(zeilen_nicht_zugeordnet) FROM kennzahlen.datenqualitaet WHERE status = 'verwendet' GROUP BY 1")))
    assert all(v > 0 for v in by_quelle["jobcenter"]) and by_quelle["vhs"][1] > 0
