"""Real-world variants of the partners' exports (issue 15, item 5; docs/datenvertrag.md "Varianten
der Exporte"): each one written in the partner's real format from a file of the fixture inbox
(tests/fixtures/teilnahme/), read by the real parser and compared with the plain file: the same
typed rows, pseudonyms and findings. Variants that cannot be read safely are rejected with a
German message naming the line. One end-to-end pair of runs (plain inbox vs an inbox in which
every file is a variant) compares every kennzahlen and bericht table.
"""

from __future__ import annotations

import shutil
import sys
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).parent))

from conftest import KEY, parse_file  # noqa: E402
from fixtures import varianten as V  # noqa: E402
from sources.cells import cell_rule  # noqa: E402
from sources.discovery import discover  # noqa: E402
from sources.kinds import BY_NAME  # noqa: E402
from sources.pseudonym import Pseudonymizer, normalise_id  # noqa: E402
from sources.reading import FileRejected  # noqa: E402


def kind_of(rel: str) -> str:
    return Path(rel).name.split("_", 1)[0]


def parse_bytes(tmp_path: Path, rel: str, data: bytes, tag: str = "v"):
    path = tmp_path / tag / Path(rel).name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return parse_file(path, kind_of(rel))


def plain(tmp_path: Path, rel: str):
    return parse_bytes(tmp_path, rel, V.plain_bytes(rel), "plain")


def findings(parsed, schwere: str | None = None) -> list[tuple]:
    b = parsed.befunde if schwere is None else parsed.befunde.filter(pl.col("schwere") == schwere)
    return sorted(b.select("zeile", "spalte", "regel", "schwere").rows(), key=str)


def assert_same(variant, base, line_shift: int = 0, hints: tuple[str, ...] = ()) -> None:
    """The variant gives the plain file's rows (typed, pseudonymised), counts and errors; its
    lines lie ``line_shift`` below; its notes are the plain file's plus ``hints``."""
    assert (variant.gelesen, variant.quarantaene, variant.dubletten) == (base.gelesen, base.quarantaene, base.dubletten)
    assert_frame_equal(variant.rows.with_columns(pl.col("_zeile") - line_shift), base.rows)
    shifted = [(z - line_shift, s, r, w) for z, s, r, w in findings(variant, "FEHLER")]
    assert shifted == findings(base, "FEHLER")
    assert sorted(r for _, _, r, _ in findings(variant, "HINWEIS")) == sorted([r for _, _, r, _ in findings(base, "HINWEIS")] + list(hints))


# --- Unicode normalisation ------------------------------------------------------------------------

@pytest.mark.parametrize("rel", [V.TN, V.MENTORINNEN, V.KONTAKTE, V.INTEGRATIONEN, V.KURSE])  # ("ß" has no decomposition)
def test_nfd_mac_export_reads_like_the_composed_one(tmp_path, rel):
    text = V.plain_text(rel)
    decomposed = V.nfd(text)
    assert decomposed != text  # the file has umlauts in headers, codes or identifiers
    assert_same(parse_bytes(tmp_path, rel, decomposed.encode("utf-8")), plain(tmp_path, rel))


def test_nfd_identifier_is_the_same_person():
    pseud = Pseudonymizer(KEY)
    composed, decomposed = "Bäckerei Schmitz", unicodedata.normalize("NFD", "Bäckerei Schmitz")
    assert composed != decomposed
    assert pseud.one(decomposed, "arbeitgeber") == pseud.one(composed, "arbeitgeber")
    values = pl.Series([composed, decomposed, " bäckerei  schmitz "])
    assert pseud.series(values, "arbeitgeber").n_unique() == 1
    assert normalise_id(values).n_unique() == 1


def test_nfd_employer_pseudonyms_equal_those_of_the_windows_1252_file(tmp_path):
    """The Jobcenter file in NFD UTF-8 (a Mac in between) links the same employers as the plain one."""
    variant = parse_bytes(tmp_path, V.INTEGRATIONEN, V.nfd(V.plain_text(V.INTEGRATIONEN)).encode("utf-8"))
    base = plain(tmp_path, V.INTEGRATIONEN)
    assert variant.rows["arbeitgeber_id"].to_list() == base.rows["arbeitgeber_id"].to_list()
    header, rows = V.records(V.INTEGRATIONEN)
    employers = {r[header.index("Arbeitgeber")] for r in rows} - {""}
    assert any(unicodedata.normalize("NFD", e) != e for e in employers)
    assert variant.rows["arbeitgeber_id"].drop_nulls().n_unique() == len(employers)


def test_nfd_file_names_are_matched_composed(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "asyl").mkdir(parents=True)
    (inbox / "asyl" / unicodedata.normalize("NFD", "Übersicht_Maßnahmen.docx")).write_bytes(b"x")
    (inbox / "asyl" / f"kontakte_{V.STAND}.csv").write_bytes(V.plain_bytes(V.KONTAKTE))
    found = {f.rel: f for f in discover(inbox, date(2025, 4, 1))}
    assert set(found) == {"asyl/Übersicht_Maßnahmen.docx", f"asyl/kontakte_{V.STAND}.csv"}
    assert found["asyl/Übersicht_Maßnahmen.docx"].problem == "Unbekannte Exportart 'übersicht' (ignoriert)."
    assert found[f"asyl/kontakte_{V.STAND}.csv"].problem is None


# --- encodings and line ends -----------------------------------------------------------------------

@pytest.mark.parametrize("rel,encoding", [
    (V.TN, "cp1252"),  # Excel "CSV (Trennzeichen-getrennt)" at the Sachgebiet Asyl
    (V.KONTAKTE, "utf-8"),  # without BOM
    (V.MASSNAHMEN, "utf-8-sig"),  # the Jobcenter on UTF-8 (Excel "CSV UTF-8")
    (V.INTEGRATIONEN, "utf-8"),
    (V.KURSE, "cp1252"),
    (V.KURSE, "utf-8-sig"),
])
def test_every_contract_encoding(tmp_path, rel, encoding):
    assert_same(parse_bytes(tmp_path, rel, V.plain_text(rel).encode(encoding)), plain(tmp_path, rel))


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
@pytest.mark.parametrize("rel", [V.TN, V.MASSNAHMEN])
def test_line_ends(tmp_path, rel, newline):
    """CR alone is Excel for Mac's "CSV (Macintosh)": read when the file is UTF-8 or ASCII."""
    data = V.line_ends(V.plain_text(rel), newline).encode("utf-8")
    assert_same(parse_bytes(tmp_path, rel, data), plain(tmp_path, rel))


def test_cr_only_mac_roman_is_rejected(tmp_path):
    data = V.line_ends(V.plain_text(V.TN), "\r").encode("mac_roman")
    with pytest.raises(FileRejected, match=r"CSV \(Macintosh\).*Mac-Roman.*\(Zeile 1\)"):
        parse_bytes(tmp_path, V.TN, data)


def test_utf16_unicode_text_is_rejected_with_how_to_fix(tmp_path):
    data = V.plain_text(V.TN).replace(";", "\t").encode("utf-16")  # Excel "Unicode-Text": UTF-16 LE, BOM, tabs
    with pytest.raises(FileRejected, match=r"UTF-16.*Unicode-Text.*\(Zeile 1, Byte 0\).*CSV UTF-8"):
        parse_bytes(tmp_path, V.TN, data)


@pytest.mark.parametrize("sep,name", [(",", "Komma"), ("\t", "Tabulator")])
def test_other_separator_is_rejected_naming_it(tmp_path, sep, name):
    header, rows = V.records(V.MASSNAHMEN)
    text = "".join(sep.join(r) + "\r\n" for r in [header, *rows])
    with pytest.raises(FileRejected, match=rf"Kopfzeile \(Zeile 1\) ist durch {name} getrennt.*Semikolon"):
        parse_bytes(tmp_path, V.MASSNAHMEN, text.encode("cp1252"))


def test_end_of_file_variants(tmp_path):
    text = V.plain_text(V.MASSNAHMEN)
    base = plain(tmp_path, V.MASSNAHMEN)
    assert_same(parse_bytes(tmp_path, V.MASSNAHMEN, text.rstrip("\r\n").encode("cp1252")), base)
    assert_same(parse_bytes(tmp_path, V.MASSNAHMEN, (text + "\r\n;;;;\r\n\r\n").encode("cp1252")), base, hints=("leerzeile",))


# --- delimiters, quotes, headers -------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("rel", [V.TANDEMS, V.MASSNAHMEN])
def test_trailing_delimiter_on_every_line(tmp_path, rel, n):
    """Excel's ';' after the last cell of every line, the header's too: empty columns, nothing shifted."""
    data = V.trailing_delimiter(rel, data_only=False, n=n).encode(V.ENCODING[rel.split("/")[0]])
    assert_same(parse_bytes(tmp_path, rel, data), plain(tmp_path, rel))


@pytest.mark.parametrize("rel", [V.TANDEMS, V.MASSNAHMEN])
def test_trailing_delimiter_on_data_lines_only_stays_quarantined(tmp_path, rel):
    """One field more than the header on every data line, and it is empty: an exporter's ';' at
    the end, or a ';' inside a value of every line with the last column empty? The two cannot be
    told apart (tests/test_csv_structure.py has the second), so the rows stay in quarantine."""
    data = V.trailing_delimiter(rel, data_only=True).encode(V.ENCODING[rel.split("/")[0]])
    parsed = parse_bytes(tmp_path, rel, data)
    lines = list(range(2, plain(tmp_path, rel).gelesen + 2))
    assert [(z, s, r) for z, s, r, _ in findings(parsed, "FEHLER")] == [(z, None, "felder_zuviel") for z in lines]


def test_one_row_wider_than_the_others_stays_quarantined(tmp_path):
    """One wider line may hide a shifted value: quarantined, the others load."""
    header, rows = V.records(V.MASSNAHMEN)
    rows[1] = rows[1] + [""]
    parsed = parse_bytes(tmp_path, V.MASSNAHMEN, V.join(header, rows, "\r\n").encode("cp1252"))
    assert [(z, r) for z, _, r, _ in findings(parsed, "FEHLER")] == [(3, "felder_zuviel")]


def test_every_field_quoted(tmp_path):
    for rel in (V.TN, V.INTEGRATIONEN):
        data = V.quote_all(rel).encode(V.ENCODING[rel.split("/")[0]])
        assert_same(parse_bytes(tmp_path, rel, data), plain(tmp_path, rel))


HEADER_VARIANTS = {
    "spaces": lambda h: f"  {h} ",
    "nbsp": lambda h: f"\u00a0{h}\u00a0",
    "upper": str.upper,
    "lower": str.lower,
    "star": lambda h: h + "*",  # a template's mark of a required column
    "star-space": lambda h: h + " *",
}


@pytest.mark.parametrize("variant", HEADER_VARIANTS)
@pytest.mark.parametrize("rel", [V.TN, V.INTEGRATIONEN, V.KURSE])
def test_header_variants(tmp_path, rel, variant):
    encoding = V.ENCODING[rel.split("/")[0]]
    data = V.header_cells(V.plain_text(rel), HEADER_VARIANTS[variant]).encode(encoding)
    assert_same(parse_bytes(tmp_path, rel, data), plain(tmp_path, rel))


# --- values: codes, dates, numbers, identifiers ----------------------------------------------------

CODE_VARIANTS = {
    "upper": str.upper,
    "around": lambda v: f" {v}\u00a0" if v else v,
    "nbsp-inside": lambda v: v.replace(" ", "\u00a0"),
    "double-space": lambda v: v.replace(" ", "  "),
}


@pytest.mark.parametrize("variant", CODE_VARIANTS)
@pytest.mark.parametrize("rel,column", [
    (V.INTEGRATIONEN, "Integrationsart"), (V.TN, "Aufenthaltsstatus"), (V.KURSE, "Kursart"), (V.KURSE, "Prüfung"),
])
def test_code_variants(tmp_path, rel, column, variant):
    fn = CODE_VARIANTS[variant]
    assert any(fn(v) != v for v in (r[V.records(rel)[0].index(column)] for r in V.records(rel)[1]))
    data = V.map_cells(rel, column, fn).encode("utf-8")
    assert_same(parse_bytes(tmp_path, rel, data), plain(tmp_path, rel))


@pytest.mark.parametrize("fn", [V.no_leading_zeros, V.iso], ids=["T.M.JJJJ", "JJJJ-MM-TT"])
@pytest.mark.parametrize("rel,column", [(V.MASSNAHMEN, "Beginn"), (V.MASSNAHMEN, "Ende"), (V.TN, "Geburtsdatum"), (V.TN, "Eintritt")])
def test_date_variants(tmp_path, rel, column, fn):
    data = V.map_cells(rel, column, fn).encode("utf-8")
    assert data != V.plain_text(rel).encode("utf-8")
    assert_same(parse_bytes(tmp_path, rel, data), plain(tmp_path, rel))


def test_two_digit_year_is_quarantined_naming_line_and_column(tmp_path):
    """``01.03.24``: 1924 or 2024? The contract wants four digits; the row is quarantined, not guessed."""
    header, rows = V.records(V.MASSNAHMEN)
    rows[2][2] = rows[2][2][:-4] + rows[2][2][-2:]
    parsed = parse_bytes(tmp_path, V.MASSNAHMEN, V.join(header, rows, "\r\n").encode("cp1252"))
    bad = parsed.befunde.filter(pl.col("schwere") == "FEHLER").to_dicts()
    assert [(b["zeile"], b["spalte"], b["regel"]) for b in bad] == [(4, "Beginn", "datum")]
    assert "TT.MM.JJJJ" in bad[0]["grund"]


@pytest.mark.parametrize("fn", [lambda v: v.replace("%", " %"), lambda v: v.replace("%", "\u00a0%"),
                                lambda v: f"{v.rstrip('%')},0 %" if v else v], ids=["space", "nbsp", "decimal"])
def test_percent_variants(tmp_path, fn):
    data = V.map_cells(V.KURSE, "Anwesenheit", fn).encode("utf-8")
    assert_same(parse_bytes(tmp_path, V.KURSE, data), plain(tmp_path, V.KURSE))


def test_identifier_case_and_spaces(tmp_path):
    """``962d000001`` with spaces around is the Kundennummer ``962D000001``: same pseudonym, same link."""
    for rel in (V.INTEGRATIONEN, V.MASSNAHMEN):
        data = V.map_cells(rel, "Kundennummer", lambda v: f" {v.lower()}\u00a0").encode("cp1252")
        assert_same(parse_bytes(tmp_path, rel, data), plain(tmp_path, rel))


def test_decimal_with_trailing_zero_and_typographic_minus():
    col = BY_NAME["kontakte"].col("kilometer")
    expr, _, _ = cell_rule(col, pl.col("v"), False)
    got = pl.DataFrame({"v": ["5,50", "1.234,50", "\u22125,5", "-5,5"]}).select(expr).to_series().to_list()
    assert got == [5.5, 1234.5, -5.5, -5.5]  # the minus sign is read, so the range rule (>= 0) says what is wrong


# --- XLSX variants of the VHS export ---------------------------------------------------------------

@pytest.mark.parametrize("dates,percent,epoch_1904", [
    ("cells", "number", False), ("text", "text", False), ("serial", "number", False), ("datetime", "number", False),
    ("cells", "number", True), ("serial1904", "number", True),
], ids=["date-cells", "text-cells", "serial-numbers", "date-time", "1904-date-cells", "1904-serial-numbers"])
def test_vhs_xlsx_cell_variants(tmp_path, dates, percent, epoch_1904):
    header, rows = V.kurs_rows(dates, percent)
    path = V.openpyxl_workbook(tmp_path / "x" / Path(V.KURSE_XLSX).name, header, rows, epoch_1904=epoch_1904)
    assert_same(parse_file(path, "kursteilnahmen"), plain(tmp_path, V.KURSE))


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_vhs_xlsx_attendance_in_percent_format(tmp_path, writer):
    """"92 %" typed into Excel is stored as 0.92 with a percent format: read as the 92 the VHS sees
    (before, 0.92 was stored: an attendance of under one percent, without any finding)."""
    header, rows = V.kurs_rows("cells", "fraction")
    path = tmp_path / Path(V.KURSE_XLSX).name
    if writer == "xlsxwriter":
        V.xlsxwriter_workbook(path, header, rows, percent_format=True)
    else:
        V.openpyxl_workbook(path, header, rows, above=[["Kursteilnahmen"]], percent_format=True)
    assert_same(parse_file(path, "kursteilnahmen"), plain(tmp_path, V.KURSE), line_shift=writer == "openpyxl",
                hints=("titelzeilen",) if writer == "openpyxl" else ())


def test_vhs_xlsx_fraction_without_percent_format_stays_a_number(tmp_path):
    """Only the cell's format makes 0.92 a percentage; a plain 0.92 is 0.92, as the VHS sees it."""
    header, rows = V.kurs_rows("cells", "fraction")
    parsed = parse_file(V.xlsxwriter_workbook(tmp_path / Path(V.KURSE_XLSX).name, header, rows), "kursteilnahmen")
    j = header.index("Anwesenheit")
    assert parsed.quarantaene == 0 and parsed.rows["anwesenheit"].to_list() == [r[j] for r in rows]


def test_four_digit_number_in_a_date_column_is_no_serial_date(tmp_path):
    header, rows = V.kurs_rows("cells")
    rows[0][header.index("Kursende")] = 2024  # a year typed alone
    parsed = parse_file(V.openpyxl_workbook(tmp_path / Path(V.KURSE_XLSX).name, header, rows), "kursteilnahmen")
    assert [(z, s, r) for z, s, r, _ in findings(parsed, "FEHLER")] == [(2, "Kursende", "datum")]


@pytest.mark.parametrize("above,merge,hints", [
    ([[]], False, ()),
    ([[], []], False, ()),
    ([["Kursteilnahmen VHS Hilden-Haan"], ["Stand: 31.03.2025"], []], False, ("titelzeilen",)),
    ([["Kursteilnahmen VHS Hilden-Haan"]], True, ("titelzeilen",)),
], ids=["one-empty-row", "two-empty-rows", "title-rows", "merged-title"])
def test_vhs_xlsx_rows_above_the_header(tmp_path, above, merge, hints):
    header, rows = V.kurs_rows()
    path = V.openpyxl_workbook(tmp_path / Path(V.KURSE_XLSX).name, header, rows, above=above, merge_title=merge)
    parsed = parse_file(path, "kursteilnahmen")
    assert_same(parsed, plain(tmp_path, V.KURSE), line_shift=len(above), hints=hints)
    if hints:
        note = parsed.befunde.filter(pl.col("regel") == "titelzeilen").to_dicts()[0]
        assert note["zeile"] == len(above) + 1 and f"Kopfzeile steht in Zeile {len(above) + 1}" in note["grund"]


def test_vhs_xlsx_finding_names_the_sheet_row_below_empty_rows(tmp_path):
    """Before: the reader started counting at the first filled row, so findings named the line above."""
    header, rows = V.kurs_rows()
    rows[3][header.index("Kursart")] = "Kochkurs"
    path = V.openpyxl_workbook(tmp_path / Path(V.KURSE_XLSX).name, header, rows, above=[[], []])
    parsed = parse_file(path, "kursteilnahmen")
    # header in sheet row 3, the fourth data row in sheet row 7
    assert [(z, s, r) for z, s, r, _ in findings(parsed, "FEHLER")] == [(7, "Kursart", "code")]


def test_vhs_xlsx_header_too_far_down_is_rejected(tmp_path):
    header, rows = V.kurs_rows()
    path = V.openpyxl_workbook(tmp_path / Path(V.KURSE_XLSX).name, header, rows, above=[["Titel"]] * 12)
    with pytest.raises(FileRejected, match="Pflichtspalte fehlt"):
        parse_file(path, "kursteilnahmen")


def test_vhs_xlsx_hidden_first_sheet_and_second_sheet(tmp_path):
    header, rows = V.kurs_rows()
    hidden = V.openpyxl_workbook(tmp_path / "h" / Path(V.KURSE_XLSX).name, header, rows, hidden_first=True)
    parsed = parse_file(hidden, "kursteilnahmen")
    assert_same(parsed, plain(tmp_path, V.KURSE), hints=("blatt_ausgeblendet",))
    assert "Schlüssel" in parsed.befunde.filter(pl.col("regel") == "blatt_ausgeblendet")["grund"][0]
    second = V.openpyxl_workbook(tmp_path / "s" / Path(V.KURSE_XLSX).name, header, rows, second_sheet=True)
    assert_same(parse_file(second, "kursteilnahmen"), plain(tmp_path, V.KURSE))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) ist nicht installiert")
def test_vhs_xlsx_saved_by_libreoffice(tmp_path):
    header, rows = V.kurs_rows("cells", "fraction")
    source = V.openpyxl_workbook(tmp_path / "excel" / "kursteilnahmen.xlsx", header, rows, above=[["Kursteilnahmen"]], percent_format=True)
    path = V.libreoffice_xlsx(source, tmp_path / "lo")
    final = path.rename(path.with_name(Path(V.KURSE_XLSX).name))
    assert_same(parse_file(final, "kursteilnahmen"), plain(tmp_path, V.KURSE), line_shift=1, hints=("titelzeilen",))


# --- end to end: the plain fixture inbox and the same exports, every file a variant ---------------

HEUTE = date(2025, 4, 1)
STICHTAG = date(2025, 3, 31)
# Tables that name the delivered files (the VHS file is .xlsx in the variant inbox) or list the
# reading notes (title rows, hidden sheet): compared on their counts below, not cell by cell.
BY_FILE = {("kennzahlen", "datenqualitaet"), ("kennzahlen", "befunde"), ("bericht", "datenbasis")}


def _published(db: Path) -> dict[tuple[str, str], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('kennzahlen', 'bericht') ORDER BY ALL"
        ).fetchall()
        return {(s, t): sorted(con.execute(f'SELECT * FROM "{s}"."{t}"').fetchall(), key=str) for s, t in names}
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Real in-process Dagster runs: the fixture inbox as committed, and the variant inbox."""
    from pipelines.runner import run_pipeline
    from sources.settings import Settings

    base = tmp_path_factory.mktemp("varianten")
    plain_inbox = base / "plain"
    shutil.copytree(V.FIX, plain_inbox)
    inboxes = {"plain": plain_inbox, "variant": V.variant_inbox(base / "variant")}
    out = {}
    for name, inbox in inboxes.items():
        settings = Settings(inbox=inbox, out=base / f"out_{name}", stichtag=STICHTAG, heute=HEUTE)
        summary = run_pipeline(settings, key=KEY)
        assert summary.success, summary.failures
        out[name] = settings
    return out


def test_e2e_every_variant_file_is_used_whole(two_runs):
    con = duckdb.connect(str(two_runs["variant"].reporting_path), read_only=True)
    try:
        rows = con.execute("SELECT datei, status, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene FROM kennzahlen.datenqualitaet").fetchall()
    finally:
        con.close()
    assert {r[0] for r in rows} == set(V.ALL_CSV) - {V.KURSE} | {V.KURSE_XLSX}
    for datei, status, gelesen, geladen, quarantaene in rows:  # (people without consent are excluded, not quarantined)
        assert (status, quarantaene) == ("verwendet", 0) and gelesen >= geladen > 0, datei


def test_e2e_variant_inbox_gives_the_numbers_of_the_plain_one(two_runs):
    plain_tables = _published(two_runs["plain"].reporting_path)
    variant_tables = _published(two_runs["variant"].reporting_path)
    assert set(variant_tables) == set(plain_tables)
    compared = 0
    for name in sorted(set(plain_tables) - BY_FILE):
        assert variant_tables[name] == plain_tables[name], name
        compared += bool(plain_tables[name])
    assert compared >= 10  # the figures are there, not empty tables compared with empty tables


def test_e2e_file_tables_agree_but_for_the_file_form(two_runs):
    def per_kind(settings) -> dict[str, tuple]:
        con = duckdb.connect(str(settings.reporting_path), read_only=True)
        try:
            dq = con.execute(
                "SELECT regexp_replace(datei, '\\.(csv|xlsx)$', ''), status, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene, "
                "zeilen_ausgeschlossen FROM kennzahlen.datenqualitaet"
            ).fetchall()
            basis = con.execute("SELECT quelle, regexp_replace(datei, '\\.(csv|xlsx)$', ''), datenstand FROM bericht.datenbasis").fetchall()
            errors = con.execute("SELECT datei, zeile, spalte, regel FROM kennzahlen.befunde WHERE schwere <> 'HINWEIS'").fetchall()
            hints = con.execute("SELECT regel FROM kennzahlen.befunde WHERE schwere = 'HINWEIS'").fetchall()
        finally:
            con.close()
        return {"dq": sorted(dq), "basis": sorted(basis), "errors": sorted(errors), "hints": sorted(h for (h,) in hints)}

    plain_, variant = per_kind(two_runs["plain"]), per_kind(two_runs["variant"])
    assert variant["dq"] == plain_["dq"] and variant["basis"] == plain_["basis"]
    assert variant["errors"] == plain_["errors"]
    assert variant["hints"] == sorted(plain_["hints"] + ["blatt_ausgeblendet", "titelzeilen"])


def test_vhs_xlsx_merged_data_cells_are_quarantined_not_filled_down(tmp_path):
    """A value merged over several rows stands in the first cell only; which rows it was meant for
    is a guess, so the other rows miss a required value (line and column named)."""
    import openpyxl

    header, rows = V.kurs_rows()
    path = V.openpyxl_workbook(tmp_path / Path(V.KURSE_XLSX).name, header, rows)
    wb = openpyxl.load_workbook(path)
    col = header.index("Kursnummer") + 1
    wb.active.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    wb.save(path)
    parsed = parse_file(path, "kursteilnahmen")
    assert [(z, s, r) for z, s, r, _ in findings(parsed, "FEHLER")] == [(3, "Kursnummer", "pflichtwert")]
