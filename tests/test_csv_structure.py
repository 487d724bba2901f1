"""CSV structure: records with more fields than the header, and line numbers after values that
span lines (docs/datenvertrag.md, "What bad input gets": problems of a row are row-level).

Unit tests of the line computation and of the reader run on real bytes; parser tests call
``parse_export`` on real files; one real nightly run checks the warehouse end to end.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from conftest import (
    PARSE_STAND,
    Inbox,
    assert_exclusions_add_up,
    assert_staged,
    befunde,
    count,
    csv_bytes,
    dateien,
    datenqualitaet,
    headers,
    integration,
    mentor,
    person,
    parse_file,
    pseudonym,
    rel_name,
    run,
    standard_rows,
    write_standard,
)
import sources.reading as reading
from sources.reading import FileRejected, read_csv_text, record_lines

STAND = PARSE_STAND
FAKE = "Quengelmeier-Zwirbelstein"  # a name that appears in bad rows only
parse = parse_file


def errors(parsed) -> list[tuple]:
    """(line, column, rule) of the FEHLER findings, by line."""
    found = [(e["zeile"], e["spalte"], e["regel"]) for e in parsed.befunde.filter(pl.col("schwere") == "FEHLER").to_dicts()]
    return sorted(found, key=lambda f: f[0])


def export(kind: str, rows: list[dict], newline: str = "\r\n", encoding: str = "utf-8-sig", patch: dict[str, str] | None = None) -> bytes:
    """A CSV export as the conftest writer makes it; ``patch`` then replaces text in it verbatim
    (how a value with an unquoted ';' gets into a file)."""
    text = csv_bytes(headers(kind), rows, encoding="utf-8", newline=newline).decode("utf-8")
    for old, new in (patch or {}).items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text.encode(encoding)


def physical_line(data: bytes, marker: str) -> int:
    """Line (1-based) on which ``marker`` starts in the bytes, counted independently of the reader."""
    pos = data.find(marker.encode("utf-8"))
    assert pos >= 0, marker
    return data[:pos].count(b"\n") + 1


# --- the line computation -------------------------------------------------------------------------

def test_record_lines_adds_the_breaks_of_earlier_records():
    frame = pl.DataFrame({
        "a": ["kopf", "x", "y\nz", None, "p\r\nq\nr", "s"],
        "b": ["b", None, "1\n", "2", "", "t\n"],
    })
    # breaks per record: 0, 0, 2, 0, 2, 1 -> each record starts after its predecessors' lines
    assert record_lines(frame).to_list() == [1, 2, 3, 6, 7, 10]
    assert record_lines(frame, first_line=5).to_list() == [5, 6, 7, 10, 11, 14]


def test_record_lines_without_breaks_is_the_record_number():
    frame = pl.DataFrame({"a": ["h", "1", None, "3"], "b": [None, "x", "y", "z"]})
    assert record_lines(frame).to_list() == [1, 2, 3, 4]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("cell_break", ["\n", "\r\n"], ids=["lf_in_cell", "crlf_in_cell"])
def test_reader_lines_are_physical_lines_after_multiline_cells(newline, cell_break):
    rows = [
        mentor(1),
        mentor(2, nachname=f"Erste{cell_break}Zweite{cell_break}Dritte"),
        mentor(3),
        mentor(4, vorname=f"A{cell_break}B"),
        mentor(5),
    ]
    data = export("mentorinnen", rows, newline=newline, encoding="utf-8")
    t = read_csv_text(data)
    expected = [physical_line(data, f"M-10{i}") for i in range(1, 6)]
    assert expected == [2, 3, 6, 7, 9]  # the file really has the breaks where the test says
    assert t.rows["_zeile"].to_list() == expected
    assert t.rows.to_series(2)[1] == f"Erste{cell_break}Zweite{cell_break}Dritte"


def test_header_with_a_line_break_shifts_every_line():
    header = ["Mentor-Nr", "Nachname", "Vorname", "Eintritt\n(Datum)", "Austritt", "Ehrenamtszuschuss", "Schulung"]
    data = csv_bytes(header, [list(mentor(i).values()) for i in (1, 2)], encoding="utf-8")
    t = read_csv_text(data)
    assert t.header[3] == "Eintritt\n(Datum)"
    assert t.rows["_zeile"].to_list() == [3, 4] == [physical_line(data, "M-101"), physical_line(data, "M-102")]


def test_quoted_file_without_breaks_keeps_record_numbers():
    # every value quoted, none spanning lines
    text = "\r\n".join(";".join(f'"{v}"' for v in r) for r in [["Mentor-Nr", "Nachname"], ["M-1", "A"], ["M-2", "B"]]) + "\r\n"
    t = read_csv_text(text.encode())
    assert t.rows["_zeile"].to_list() == [2, 3]
    assert t.rows.to_series(2).to_list() == ["A", "B"]


def test_files_without_quotes_skip_the_line_computation(monkeypatch):
    calls = []
    real = reading.record_lines
    monkeypatch.setattr(reading, "record_lines", lambda frame, *a, **k: calls.append(frame.height) or real(frame, *a, **k))
    plain = export("mentorinnen", [mentor(i) for i in range(1, 4)])
    assert b'"' not in plain
    assert read_csv_text(plain).rows["_zeile"].to_list() == [2, 3, 4]
    assert calls == []
    quoted = export("mentorinnen", [mentor(1), mentor(2, nachname="A\nB"), mentor(3)])
    assert read_csv_text(quoted).rows["_zeile"].to_list() == [2, 3, 5]
    assert calls == [4]  # header + 3 records, computed once


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_finding_after_multiline_cell_names_the_physical_line(inbox: Inbox, newline, encoding):
    rows = [person(1), person(2, vorname="Anna\nLena"), person(3, staatsangehoerigkeit=f"Syrien{newline}(arabisch){newline}Ü"), person(4, geschlecht="q"), person(5)]
    data = export("teilnehmende", rows, newline=newline, encoding=encoding)
    p = parse(inbox.raw(f"asyl/teilnehmende_{STAND}.csv", data), "teilnehmende")
    bad_line = physical_line(data, "TN-1004")
    assert bad_line == 8  # records 2, 3, 4-5, 6-8 ... the bad record starts on line 8, not 5
    assert errors(p) == [(bad_line, "Geschlecht", "code")]
    assert p.rows["_zeile"].to_list() == [2, 3, 5, 9]
    assert (p.gelesen, p.quarantaene) == (5, 1)


def test_xlsx_keeps_sheet_rows_with_line_breaks_in_cells(inbox: Inbox):
    from conftest import kursteilnahme

    rows = [kursteilnahme(1, kursnummer="K-1\nAbend"), kursteilnahme(2, kursnummer="K-2\n\nSamstag"), kursteilnahme(3, anwesenheit=101)]
    p = parse(inbox.xlsx(f"vhs/kursteilnahmen_{STAND}.xlsx", rows), "kursteilnahmen")
    assert errors(p) == [(4, "Anwesenheit", "bereich")]
    assert p.rows["_zeile"].to_list() == [2, 3]


# --- records with more fields than the header -------------------------------------------------------

def test_row_with_too_many_fields_is_quarantined_and_the_rest_loads(inbox: Inbox):
    rows = [mentor(1), mentor(2), mentor(3, nachname="PLATZHALTER"), mentor(4)]
    data = export("mentorinnen", rows, patch={"PLATZHALTER": f"{FAKE};von Bülow"})
    p = parse(inbox.raw(f"asyl/mentorinnen_{STAND}.csv", data), "mentorinnen")
    assert errors(p) == [(4, None, "felder_zuviel")]
    finding = p.befunde.filter(pl.col("regel") == "felder_zuviel").to_dicts()[0]
    assert finding["schwere"] == "FEHLER"
    assert finding["grund"] == "Zeile hat 8 Felder, die Kopfzeile 7 (Trennzeichen ';' in einem Wert?)"
    assert (p.gelesen, p.quarantaene, p.dubletten, p.rows.height) == (4, 1, 0, 3)
    assert p.gelesen == p.rows.height + p.quarantaene + p.dubletten
    assert p.rows["_zeile"].to_list() == [2, 3, 5]
    assert sorted(p.rows["mentor_id"].to_list()) == sorted(pseudonym(m, "mentor") for m in ("M-101", "M-102", "M-104"))
    # the row's content is nowhere: not in findings, not among the rows kept in memory
    assert not any(FAKE in str(v) for r in p.befunde.to_dicts() for v in r.values())
    assert p.quarantined_rows.height == 0 and p.quarantined_keys.len() == 0


def test_too_many_fields_after_a_multiline_cell(inbox: Inbox):
    rows = [mentor(1, nachname="A\r\nB"), mentor(2, vorname="X"), mentor(3, ehrenamtszuschuss="vielleicht"), mentor(4)]
    data = export("mentorinnen", rows, patch={";X;": ";X;Y;"})
    p = parse(inbox.raw(f"asyl/mentorinnen_{STAND}.csv", data), "mentorinnen")
    assert errors(p) == [(4, None, "felder_zuviel"), (5, "Ehrenamtszuschuss", "janein")]
    assert [physical_line(data, "M-102"), physical_line(data, "M-103")] == [4, 5]
    assert p.rows["_zeile"].to_list() == [2, 6]
    assert (p.gelesen, p.quarantaene) == (4, 2)


def test_rows_with_fewer_fields_are_padded_as_before(inbox: Inbox):
    """A short row reads its missing trailing values as empty, with or without a wide row in the file."""
    short = "M-105;N;V;01.06.2024\r\n"  # Austritt, Ehrenamtszuschuss (required), Schulung missing
    short_ok = "M-106;N;V;01.06.2024;;ja\r\n"  # only Schulung missing
    plain = export("mentorinnen", [mentor(1)]) + (short + short_ok).encode()
    p = parse(inbox.raw(f"asyl/mentorinnen_{STAND}.csv", plain), "mentorinnen")
    assert errors(p) == [(3, "Ehrenamtszuschuss", "pflichtwert")]
    assert p.rows["_zeile"].to_list() == [2, 4]
    wide = export("mentorinnen", [mentor(1)]) + (short + short_ok + "M-107;N;V;X;01.06.2024;;ja;\r\n").encode()
    q = parse(inbox.raw(f"asyl/mentorinnen_2026-01-11.csv", wide), "mentorinnen")
    assert errors(q) == [(3, "Ehrenamtszuschuss", "pflichtwert"), (5, None, "felder_zuviel")]
    assert q.rows.drop("_zeile").equals(p.rows.drop("_zeile")) and q.rows["_zeile"].to_list() == [2, 4]


def test_wide_blank_line_is_a_blank_line_not_a_row(inbox: Inbox):
    data = export("mentorinnen", [mentor(1), mentor(2)]) + b";;;;;;;;;;\r\n"
    p = parse(inbox.raw(f"asyl/mentorinnen_{STAND}.csv", data), "mentorinnen")
    assert errors(p) == []
    assert (p.gelesen, p.quarantaene, p.rows.height) == (2, 0, 2)
    assert p.befunde.filter(pl.col("regel") == "leerzeile")["zeile"].to_list() == [4]


def test_only_rows_with_too_many_fields_are_read_and_all_quarantined(inbox: Inbox):
    data = export("mentorinnen", [mentor(1, vorname="X"), mentor(2, vorname="Y")], patch={";X;": ";X;1;", ";Y;": ";Y;2;"})
    p = parse(inbox.raw(f"asyl/mentorinnen_{STAND}.csv", data), "mentorinnen")
    assert errors(p) == [(2, None, "felder_zuviel"), (3, None, "felder_zuviel")]
    assert (p.gelesen, p.quarantaene, p.rows.height) == (2, 2, 0)


@pytest.mark.parametrize(
    "bad,line",
    [
        ('M-109;"Nach"name;V;01.06.2024;;ja;\r\n', 5),  # text after a closing quote
        ('M-109;Nach"name;V;01.06.2024;;ja;\r\n', 5),  # a lone quote in an unquoted value
        ('M-109;"Nachname;V;01.06.2024;;ja;\r\nM-110;N;V;01.06.2024;;ja;\r\n', 5),  # a quote never closed
    ],
    ids=["text_after_quote", "lone_quote", "unclosed_quote"],
)
def test_unreadable_structure_names_the_line(inbox: Inbox, bad, line):
    data = export("mentorinnen", [mentor(1), mentor(2, nachname="A\nB")]) + bad.encode()
    with pytest.raises(FileRejected) as exc:
        parse(inbox.raw(f"asyl/mentorinnen_{STAND}.csv", data), "mentorinnen")
    assert f"CSV-Struktur nicht lesbar ab Zeile {line} " in str(exc.value)
    assert "mehr Feldern" not in str(exc.value)


def test_too_many_fields_and_an_unreadable_quote_rejects_naming_the_line(inbox: Inbox):
    data = export("mentorinnen", [mentor(1), mentor(2, vorname="X"), mentor(3)], patch={";X;": ";X;Y;"})
    data += b'M-109;Nach"name;V;01.06.2024;;ja;\r\n'
    with pytest.raises(FileRejected, match="CSV-Struktur nicht lesbar ab Zeile 5 "):
        parse(inbox.raw(f"asyl/mentorinnen_{STAND}.csv", data), "mentorinnen")


# --- end to end: the real nightly job ---------------------------------------------------------------

@pytest.fixture(scope="module")
def nightly(tmp_path_factory):
    """One run: a mentor list with one row too wide, Jobcenter integrations with 3 of 4 rows too
    wide (Windows-1252), and a registry with values spanning lines and a bad code after them."""
    root = tmp_path_factory.mktemp("csv_structure")
    inbox = Inbox(root / "inbox")
    out = root / "out"
    rows = standard_rows(n=8)
    rows["teilnehmende"][1] = person(2, vorname="Anna\r\nLena")
    rows["teilnehmende"][3] = person(4, staatsangehoerigkeit="Syrien\n(arabisch)\nkurdisch")
    rows["teilnehmende"][6] = person(7, geschlecht="q")
    write_standard(inbox, STAND, rows, kinds=[k for k in rows if k not in ("mentorinnen", "integrationen")])
    mentors = rows["mentorinnen"] + [mentor(5, nachname="PLATZHALTER")]
    inbox.raw(rel_name("mentorinnen", STAND), export("mentorinnen", mentors, patch={"PLATZHALTER": f"{FAKE};Junior"}))
    ints = [integration(2, arbeitgeber_id="AG 2"), integration(4, arbeitgeber_id="AG 4"), integration(6, arbeitgeber_id="AG 6"), integration(8)]
    inbox.raw(
        rel_name("integrationen", STAND),
        export("integrationen", ints, encoding="cp1252", patch={"AG 2": "Müller; Söhne", "AG 4": "A;B;C", "AG 6": f"{FAKE}; Co"}),
    )
    registry = inbox.path(rel_name("teilnehmende", STAND)).read_bytes()
    assert_staged(run(inbox.root, out, date(2026, 3, 1)))
    return out, registry


def _errors_in(out: Path, rel: str) -> list[tuple]:
    return [(b["zeile"], b["spalte"], b["regel"]) for b in befunde(out, rel) if b["schwere"] == "FEHLER"]


def _counts(out: Path, rel: str) -> tuple:
    d = dateien(out)[rel]
    return (d["status"], d["zeilen_gelesen"], d["zeilen_geladen"], d["zeilen_quarantaene"], d["zeilen_ausgeschlossen"])


def test_e2e_row_with_too_many_fields_quarantined_file_loads(nightly):
    out, _ = nightly
    rel = rel_name("mentorinnen", STAND)
    assert _errors_in(out, rel) == [(6, None, "felder_zuviel")]
    b = [x for x in befunde(out, rel) if x["regel"] == "felder_zuviel"][0]
    assert b["grund"] == "Zeile hat 8 Felder, die Kopfzeile 7 (Trennzeichen ';' in einem Wert?)"
    assert _counts(out, rel) == ("verwendet", 5, 4, 1, 0)
    d = dateien(out)[rel]
    assert count(out, "staging.mentorinnen", "datei_id = ?", [d["datei_id"]]) == 4
    assert count(out, "staging.mentorinnen", "datei_id = ? AND zeile = 6", [d["datei_id"]]) == 0
    dq = datenqualitaet(out)[rel]
    assert (dq["zeilen_gelesen"], dq["zeilen_geladen"], dq["zeilen_quarantaene"], dq["zeilen_ausgeschlossen"]) == (5, 4, 1, 0)


def test_e2e_mostly_too_wide_file_is_rejected_by_the_half_rule(nightly):
    out, _ = nightly
    rel = rel_name("integrationen", STAND)
    status, *n = _counts(out, rel)
    assert status == "abgelehnt"
    assert "Mehr als 50%" in dateien(out)[rel]["grund"] and "3 von 4" in dateien(out)[rel]["grund"]
    assert _errors_in(out, rel) == [(None, None, "datei_abgelehnt"), (2, None, "felder_zuviel"), (3, None, "felder_zuviel"), (4, None, "felder_zuviel")]
    assert [b["grund"] for b in befunde(out, rel) if b["regel"] == "felder_zuviel"] == [
        "Zeile hat 8 Felder, die Kopfzeile 7 (Trennzeichen ';' in einem Wert?)",
        "Zeile hat 9 Felder, die Kopfzeile 7 (Trennzeichen ';' in einem Wert?)",
        "Zeile hat 8 Felder, die Kopfzeile 7 (Trennzeichen ';' in einem Wert?)",
    ]
    assert n == [4, 0, 4, 0]  # a rejected file holds back all its rows (decision 47)
    assert count(out, "staging.integrationen") == 0


def test_e2e_finding_after_multiline_values_names_the_physical_line(nightly):
    out, registry = nightly
    rel = rel_name("teilnehmende", STAND)
    line = physical_line(registry, "TN-1007")
    assert line == 11  # record 7 (line 8 by record count) after three extra line breaks
    assert _errors_in(out, rel) == [(line, "Geschlecht", "code")]
    assert _counts(out, rel) == ("verwendet", 8, 7, 1, 0)
    d = dateien(out)[rel]
    staged = [r[0] for r in duckdb.connect(str(out / "warehouse.duckdb"), read_only=True).execute(
        "SELECT zeile FROM staging.teilnehmende WHERE datei_id = ? ORDER BY zeile", [d["datei_id"]]).fetchall()]
    assert staged == [physical_line(registry, f"TN-10{i:02d}") for i in (1, 2, 3, 4, 5, 6, 8)] == [2, 3, 5, 6, 9, 10, 12]


def test_e2e_counts_add_up_and_no_content_in_findings(nightly):
    out, _ = nightly
    assert assert_exclusions_add_up(out)
    assert not [b for b in befunde(out) if FAKE in str(b)]
    for db in out.rglob("*.duckdb"):
        assert FAKE.encode() not in db.read_bytes(), db
