"""Every export kind in every format variant of docs/datenvertrag.md ("Common format rules").

Parser-level tests call ``parse_export`` on real files (fast); the end-to-end tests run the real
nightly job on an inbox mixing all variants and read what landed in the warehouse.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from conftest import (
    KEY,
    PARSE_STAND,
    Inbox,
    assert_staged,
    befunde,
    count,
    csv_bytes,
    dateien,
    headers,
    hoerernummer,
    integration,
    kontakt,
    kundennummer,
    kursteilnahme,
    massnahme,
    mentor,
    person,
    parse_file,
    pseudonym,
    run,
    standard_rows,
    table,
    tandem,
    tn_nr,
    unternehmen,
)
from sources.kinds import BY_NAME
from sources.parsing import parse_export
from sources.pseudonym import Pseudonymizer
from sources.reading import FileRejected

STAND = PARSE_STAND
PSEUD = Pseudonymizer(KEY)
parse = parse_file


def errors(parsed) -> list[dict]:
    return parsed.befunde.filter(pl.col("schwere") == "FEHLER").to_dicts()


# --- encodings and line ends --------------------------------------------------------------------

ENCODINGS = [("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("cp1252", "cp1252")]
NEWLINES = [("\r\n", "crlf"), ("\n", "lf")]


def _registry_rows() -> list[dict]:
    # Non-ASCII in several columns: the encoding must be decided for the whole file.
    return [
        person(1, staatsangehoerigkeit="Türkei", nachname="Öztürk", vorname="Gül"),
        person(2, staatsangehoerigkeit="Eritrea", aufenthaltsstatus="Eingebürgert"),
        person(3, staatsangehoerigkeit="Elfenbeinküste", aufenthaltsstatus="AE §24", nachname="Müller-Lüdenscheidt"),
    ]


@pytest.mark.parametrize("newline,nl_name", NEWLINES, ids=[n for _, n in NEWLINES])
@pytest.mark.parametrize("encoding,expected", ENCODINGS, ids=[e for e, _ in ENCODINGS])
def test_registry_every_encoding_and_line_end(inbox: Inbox, encoding, expected, newline, nl_name):
    path = inbox.csv(f"asyl/teilnehmende_{STAND}.csv", _registry_rows(), encoding=encoding, newline=newline)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert (b"\r\n" in raw) == (newline == "\r\n")
    p = parse(path, "teilnehmende")
    assert p.encoding == expected
    assert errors(p) == []
    assert p.rows.height == 3
    assert p.rows["staatsangehoerigkeit"].to_list() == ["Türkei", "Eritrea", "Elfenbeinküste"]
    assert p.rows["aufenthaltsstatus"].to_list() == ["AE §25", "Eingebürgert", "AE §24"]
    # no stray carriage return at the end of the last column
    assert p.rows["vhs_id"].to_list() == [pseudonym(hoerernummer(i), "vhs") for i in (1, 2, 3)]
    assert p.rows["tn_id"].to_list() == [pseudonym(tn_nr(i), "tn") for i in (1, 2, 3)]


def test_cp1252_jobcenter_files_with_umlaut_headers_and_codes(inbox: Inbox):
    m = inbox.csv(f"jobcenter/massnahmen_{STAND}.csv", [massnahme(1), massnahme(2, massnahmeart="FbW", status="laufend", ende=None)], encoding="cp1252")
    i = inbox.csv(
        f"jobcenter/integrationen_{STAND}.csv",
        [integration(1, integrationsart="Selbständigkeit", foerderung="§16i"), integration(2, integrationsart="geringfügig", foerderung=None)],
        encoding="cp1252",
    )
    assert "Maßnahmeart".encode("cp1252") in m.read_bytes()
    pm, pi = parse(m, "massnahmen"), parse(i, "integrationen")
    assert (pm.encoding, pi.encoding) == ("cp1252", "cp1252")
    assert errors(pm) == [] and errors(pi) == []
    assert pm.rows["massnahmeart"].to_list() == ["MAT", "FbW"]
    assert pi.rows["integrationsart"].to_list() == ["Selbständigkeit", "geringfügig"]
    assert pi.rows["foerderung"].to_list() == ["§16i", "keine"]  # empty = keine
    assert pi.rows["jc_id"].to_list() == [pseudonym(kundennummer(1), "jc"), pseudonym(kundennummer(2), "jc")]


def test_cp1252_with_every_latin1_letter_is_not_taken_for_mixed_encoding(inbox: Inbox):
    letters = "".join(chr(c) for c in range(0xC0, 0x100) if chr(c).isalpha())
    path = inbox.csv(
        f"asyl/teilnehmende_{STAND}.csv",
        [person(1, nachname=letters, vorname="SÃO ÂNGELO"), person(2, staatsangehoerigkeit="São Tomé", nachname="„Straße“ – 5 € °")],
        encoding="cp1252",
    )
    p = parse(path, "teilnehmende")
    assert p.encoding == "cp1252" and errors(p) == []
    assert p.rows["staatsangehoerigkeit"].to_list() == ["Syrien", "São Tomé"]


# --- dates --------------------------------------------------------------------------------------

def test_dates_both_text_forms(inbox: Inbox):
    path = inbox.csv(
        f"asyl/tandems_{STAND}.csv",
        [
            tandem(1, 1, 1, beginn="01.02.2025", ende="31.12.2025"),
            tandem(2, 1, 2, beginn="2025-02-01", ende="2025-12-31"),
            tandem(3, 1, 3, beginn=" 1.2.2025 ", ende=None),  # surrounding spaces trimmed; single digits
        ],
    )
    p = parse(path, "tandems")
    assert p.rows["beginn"].to_list()[:2] == [date(2025, 2, 1)] * 2
    assert p.rows["ende"].to_list()[:2] == [date(2025, 12, 31)] * 2
    # Single-digit day and month are unambiguous and read as such (real exports drop the zeros).
    assert p.rows["beginn"].to_list() == [date(2025, 2, 1)] * 3
    assert p.rows["ende"].to_list() == [date(2025, 12, 31), date(2025, 12, 31), None]


def test_two_digit_year_is_not_a_date(inbox: Inbox):
    path = inbox.csv(f"asyl/tandems_{STAND}.csv", [tandem(1, 1, 1, beginn="01.02.25"), tandem(2, 1, 2)])
    p = parse(path, "tandems")
    assert [(e["zeile"], e["spalte"], e["regel"]) for e in errors(p)] == [(2, "Beginn", "datum")]
    assert p.rows.height == 1


def test_birth_date_reduced_to_year_and_age_band(inbox: Inbox):
    path = inbox.csv(
        f"asyl/teilnehmende_{STAND}.csv",
        [person(1, geburtsdatum="10.01.2008"), person(2, geburtsdatum="2008-01-11"), person(3, geburtsdatum=date(1960, 5, 5))],
    )
    p = parse(path, "teilnehmende")
    assert "geburtsdatum" not in p.rows.columns and "nachname" not in p.rows.columns and "vorname" not in p.rows.columns
    assert p.rows["geburtsjahr"].to_list() == [2008, 2008, 1960]
    # Datenstand 10.01.2026: the first turned 18 that day, the second turns 18 tomorrow.
    assert p.rows["altersgruppe"].to_list() == ["18–24", "unter 18", "55 und älter"]


# --- numbers ------------------------------------------------------------------------------------

def test_decimal_comma_and_thousands_dot(inbox: Inbox):
    path = inbox.csv(
        f"asyl/kontakte_{STAND}.csv",
        [
            kontakt(1, 1, kilometer="12,5"),
            kontakt(1, 2, kilometer="1.250,75"),
            kontakt(1, 3, kilometer="3"),
            kontakt(1, 4, kilometer=None, verkehrsmittel=None),  # empty = 0, then no Verkehrsmittel needed
            kontakt(1, 5, kilometer="0,0", verkehrsmittel="keins"),
        ],
    )
    p = parse(path, "kontakte")
    assert errors(p) == []
    assert p.rows["kilometer"].to_list() == [12.5, 1250.75, 3.0, 0.0, 0.0]
    assert p.rows["dauer_min"].to_list() == [60] * 5


def test_decimal_point_in_csv_is_not_silently_misread(inbox: Inbox):
    # "12.5" in a CSV is not the contract's form; it must never become 125.
    path = inbox.csv(f"jobcenter/integrationen_{STAND}.csv", [integration(1, wochenstunden="12.5"), integration(2)], encoding="cp1252")
    p = parse(path, "integrationen")
    assert [(e["zeile"], e["spalte"], e["regel"]) for e in errors(p)] == [(2, "Wochenstunden", "zahl")]
    assert p.rows["wochenstunden"].to_list() == [38.5]


# --- VHS: XLSX and CSV ----------------------------------------------------------------------------

def _vhs_rows(xlsx: bool) -> list[dict]:
    return [
        kursteilnahme(1, kursbeginn=date(2025, 2, 3), kursende=date(2025, 9, 30), anwesenheit=85 if xlsx else "85"),
        kursteilnahme(2, kursbeginn="03.02.2025", kursende="2025-09-30", anwesenheit="85 %"),
        kursteilnahme(3, kursbeginn="2025-02-03", kursende=None, anwesenheit=72.5 if xlsx else "72,5", pruefung=None, ergebnis=None, status="laufend"),
        kursteilnahme(4, kursbeginn=date(2025, 2, 3), anwesenheit="100%", pruefung="telc B1", ergebnis="nicht bestanden"),
        kursteilnahme(5, kursbeginn=date(2025, 2, 3), anwesenheit=None, pruefung="keine", ergebnis=None, zielniveau=None),
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf-8", "csv-cp1252"])
def test_vhs_xlsx_and_csv(inbox: Inbox, fmt):
    if fmt == "xlsx":
        path = inbox.xlsx(f"vhs/kursteilnahmen_{STAND}.xlsx", _vhs_rows(True))
    else:
        enc = fmt.split("-", 1)[1]
        path = inbox.csv(f"vhs/kursteilnahmen_{STAND}.csv", _vhs_rows(False), encoding=enc, newline="\n")
    p = parse(path, "kursteilnahmen")
    assert errors(p) == []
    assert p.rows.height == 5
    assert p.rows["kursbeginn"].to_list() == [date(2025, 2, 3)] * 5
    assert p.rows["kursende"].to_list() == [date(2025, 9, 30), date(2025, 9, 30), None, date(2025, 9, 30), date(2025, 9, 30)]
    assert p.rows["anwesenheit"].to_list() == [85.0, 85.0, 72.5, 100.0, None]
    assert p.rows["pruefung"].to_list() == ["DTZ", "DTZ", "keine", "telc B1", "keine"]
    assert p.rows["vhs_id"].to_list() == [pseudonym(hoerernummer(i), "vhs") for i in range(1, 6)]


def test_vhs_xlsx_number_cell_with_three_decimals_is_not_a_thousands_dot(inbox: Inbox):
    # Excel's computed attendance rounded to three places: 66.667 percent, not 66,667
    rows = [kursteilnahme(1, anwesenheit=66.667), kursteilnahme(2, anwesenheit=100.0), kursteilnahme(3, anwesenheit="66,667 %")]
    p = parse(inbox.xlsx(f"vhs/kursteilnahmen_{STAND}.xlsx", rows), "kursteilnahmen")
    assert errors(p) == []
    assert p.rows["anwesenheit"].to_list() == [66.667, 100.0, 66.667]


def test_vhs_xlsx_numeric_hoerernummer_links_like_text(inbox: Inbox):
    # Excel turns a purely numeric Hörernummer into a number cell; it must still match the registry's text.
    path = inbox.xlsx(f"vhs/kursteilnahmen_{STAND}.xlsx", [kursteilnahme(1, vhs_id=4711, kursnummer=20251)])
    p = parse(path, "kursteilnahmen")
    assert errors(p) == []
    assert p.rows["vhs_id"].to_list() == [pseudonym("4711", "vhs")]
    assert p.rows["kursnummer"].to_list() == ["20251"]


# --- headers ------------------------------------------------------------------------------------

def test_header_aliases_and_case_insensitive_headers(inbox: Inbox):
    hdr = ["tn nr", "NAME", "vorname", "  Geb.-Datum ", "GESCHLECHT", "Staatsangehoerigkeit", "aufenthaltsstatus",
           "ARBEITSMARKTZUGANG", "eintritt", "Kompetenzfeststellung", "Austritt", "Austrittsgrund", "Einwilligung",
           "Widerruf", "kundennummer", "Hörernummer"]
    rows = [list(person(i).values()) for i in (1, 2)]
    path = inbox.raw(f"asyl/teilnehmende_{STAND}.csv", csv_bytes(hdr, rows))
    p = parse(path, "teilnehmende")
    assert errors(p) == [] and p.extra_columns == []
    assert p.rows["tn_id"].to_list() == [pseudonym(tn_nr(1), "tn"), pseudonym(tn_nr(2), "tn")]
    assert p.rows["jc_id"].to_list() == [pseudonym(kundennummer(1), "jc"), pseudonym(kundennummer(2), "jc")]
    assert p.rows["geburtsjahr"].to_list() == [1981, 1982]


def test_jobcenter_and_vhs_aliases(inbox: Inbox):
    m_hdr = ["Kunden-Nr", "Massnahmeart", "Beginn", "Ende", "Status"]
    m = inbox.raw(f"jobcenter/massnahmen_{STAND}.csv", csv_bytes(m_hdr, [list(massnahme(1).values())], encoding="cp1252"))
    v_hdr = ["Hoerernummer", *headers("kursteilnahmen")[1:7], "Pruefung", "Ergebnis", "Status"]
    v = inbox.xlsx(f"vhs/kursteilnahmen_{STAND}.xlsx", [list(kursteilnahme(1).values())], header=v_hdr)
    pm, pv = parse(m, "massnahmen"), parse(v, "kursteilnahmen")
    assert errors(pm) == [] and errors(pv) == []
    assert pm.rows["massnahmeart"].to_list() == ["MAT"]
    assert pv.rows["pruefung"].to_list() == ["DTZ"]
    assert pv.rows["vhs_id"].to_list() == [pseudonym(hoerernummer(1), "vhs")]


def test_renamed_column_needs_configured_alias(inbox: Inbox):
    hdr = ["Tandem-Nr", "Kontaktdatum", "Dauer (Min.)", "Kontaktart", "Kilometer", "Verkehrsmittel"]
    path = inbox.raw(f"asyl/kontakte_{STAND}.csv", csv_bytes(hdr, [list(kontakt(1).values())]))
    with pytest.raises(FileRejected) as exc:
        parse(path, "kontakte")
    assert "'Datum'" in str(exc.value) and "'Dauer'" in str(exc.value)
    p = parse(path, "kontakte", aliases={"Datum": ["Kontaktdatum"], "Dauer": ["dauer (min.)"]})
    assert errors(p) == []
    assert p.rows["datum"].to_list() == [date(2025, 3, 1)]
    # findings name the column as the file calls it
    bad = inbox.raw(f"asyl/kontakte_2026-01-11.csv", csv_bytes(hdr, [list(kontakt(1, dauer_min="0").values())]))
    pb = parse_export(bad, "csv", BY_NAME["kontakte"], PSEUD, STAND, extra_aliases={"Datum": ["Kontaktdatum"], "Dauer": ["Dauer (Min.)"]})
    assert [(e["spalte"], e["regel"]) for e in errors(pb)] == [("Dauer (Min.)", "bereich")]


def test_extra_columns_ignored_and_listed(inbox: Inbox):
    hdr = [*headers("mentorinnen"), "Telefon", "Bemerkung"]
    rows = [[*mentor(1).values(), "0211 12345", "kommt nur dienstags"], [*mentor(2).values(), "", ""]]
    path = inbox.raw(f"asyl/mentorinnen_{STAND}.csv", csv_bytes(hdr, rows))
    p = parse(path, "mentorinnen")
    assert p.extra_columns == ["Telefon", "Bemerkung"]
    assert set(p.rows.columns) == {"_zeile", "mentor_id", "eintritt", "austritt", "ehrenamtszuschuss", "schulung"}
    found = p.befunde.filter(pl.col("regel") == "zusatzspalte").select("zeile", "spalte", "schwere").to_dicts()
    assert found == [{"zeile": 1, "spalte": "Telefon", "schwere": "HINWEIS"}, {"zeile": 1, "spalte": "Bemerkung", "schwere": "HINWEIS"}]
    assert p.rows.height == 2 and errors(p) == []


def test_flags_ja_nein_j_n_x(inbox: Inbox):
    path = inbox.csv(
        f"asyl/mentorinnen_{STAND}.csv",
        [mentor(1, ehrenamtszuschuss="ja"), mentor(2, ehrenamtszuschuss="NEIN"), mentor(3, ehrenamtszuschuss="j"),
         mentor(4, ehrenamtszuschuss="n"), mentor(5, ehrenamtszuschuss="x")],
    )
    p = parse(path, "mentorinnen")
    assert errors(p) == []
    assert p.rows["ehrenamtszuschuss"].to_list() == [True, False, True, False, True]


def test_codes_case_insensitive_kept_canonical(inbox: Inbox):
    path = inbox.csv(
        f"asyl/kontakte_{STAND}.csv",
        [kontakt(1, 1, kontaktart="Persönlich", verkehrsmittel="öpnv"), kontakt(1, 2, kontaktart="DIGITAL", verkehrsmittel="Zu Fuß")],
    )
    p = parse(path, "kontakte")
    assert errors(p) == []
    assert p.rows["kontaktart"].to_list() == ["persönlich", "digital"]
    assert p.rows["verkehrsmittel"].to_list() == ["ÖPNV", "zu Fuß"]


# --- blank lines ----------------------------------------------------------------------------------

def test_blank_lines_are_no_data_rows_and_keep_line_numbers(inbox: Inbox):
    # an empty line in the middle, Excel's ";;;;;;" and a trailing empty line: none is a row read
    body = csv_bytes(headers("mentorinnen"), [mentor(1), mentor(2)])
    bad = csv_bytes(headers("mentorinnen"), [mentor(3, ehrenamtszuschuss="vielleicht")]).split(b"\r\n", 1)[1]
    path = inbox.raw(f"asyl/mentorinnen_{STAND}.csv", body + b"\r\n" + bad + b";;;;;;\r\n  ; ;;;;;\r\n\r\n")
    p = parse(path, "mentorinnen")
    assert (p.gelesen, p.quarantaene, p.dubletten) == (3, 1, 0)
    assert [(e["zeile"], e["spalte"], e["regel"]) for e in errors(p)] == [(5, "Ehrenamtszuschuss", "janein")]
    notes = p.befunde.filter(pl.col("regel") == "leerzeile").to_dicts()
    assert len(notes) == 1 and notes[0]["zeile"] == 4 and notes[0]["grund"].startswith("4 leere Zeile")
    assert p.rows["_zeile"].to_list() == [2, 3]


def test_blank_rows_in_xlsx_are_skipped(inbox: Inbox):
    rows = [kursteilnahme(1), {h: "  " for h in headers("kursteilnahmen")}, kursteilnahme(2)]
    p = parse(inbox.xlsx(f"vhs/kursteilnahmen_{STAND}.xlsx", rows), "kursteilnahmen")
    assert (p.gelesen, p.quarantaene) == (2, 0)
    assert p.rows["_zeile"].to_list() == [2, 4]


def test_only_blank_lines_is_no_data_rows(inbox: Inbox):
    path = inbox.raw(f"asyl/mentorinnen_{STAND}.csv", csv_bytes(headers("mentorinnen"), []) + b";;;;;;\r\n\r\n")
    with pytest.raises(FileRejected, match="Keine Datenzeilen"):
        parse(path, "mentorinnen")


# --- end to end: every kind, mixed variants, through the real job ----------------------------------

@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    """One inbox with each kind in a different variant; VHS twice (older CSV, newer XLSX)."""
    root = tmp_path_factory.mktemp("formats")
    inbox = Inbox(root / "inbox")
    rows = standard_rows(n=6, mentors=3)
    rows["teilnehmende"][0] = person(1, eintritt="2025-01-02", einwilligung="2025-01-02", staatsangehoerigkeit="Türkei")
    rows["kontakte"][0] = kontakt(1, 3, kilometer="1.250,5", verkehrsmittel="Pkw")
    hdr_tn = [h.upper() for h in headers("teilnehmende")]
    inbox.raw(f"asyl/teilnehmende_{STAND}.csv", csv_bytes(hdr_tn, [list(r.values()) for r in rows["teilnehmende"]], encoding="utf-8", newline="\n"))
    rows["mentorinnen"][0] = mentor(1, nachname="Weiß", vorname="Bärbel")
    inbox.csv(f"asyl/mentorinnen_{STAND}.csv", rows["mentorinnen"], encoding="cp1252", newline="\r\n")
    inbox.csv(f"asyl/tandems_{STAND}.csv", rows["tandems"], encoding="utf-8-sig", newline="\n")
    inbox.csv(f"asyl/kontakte_{STAND}.csv", rows["kontakte"], encoding="utf-8-sig", newline="\r\n")
    rows["unternehmen"][0] = unternehmen(1, branche="Gebäudereinigung")
    inbox.csv(f"asyl/unternehmen_{STAND}.csv", rows["unternehmen"], encoding="utf-8")
    # "Kd.-Nr." is no built-in alias: only the configuration makes it the Kundennummer
    m_hdr = ["Kd.-Nr.", "MASSNAHMEART", "beginn", "Ende", "Status", "Sachbearbeitung"]
    inbox.raw(
        f"jobcenter/massnahmen_{STAND}.csv",
        csv_bytes(m_hdr, [[*r.values(), "Team Süd"] for r in rows["massnahmen"]], encoding="cp1252"),
    )
    inbox.csv(f"jobcenter/integrationen_{STAND}.csv", rows["integrationen"], encoding="cp1252", newline="\n")
    vhs = [kursteilnahme(i, kursbeginn=(date(2025, 2, 3) if i % 2 else "03.02.2025"), anwesenheit=(80 + i if i % 2 else f"{80 + i} %")) for i in range(1, 7)]
    inbox.xlsx(f"vhs/kursteilnahmen_{STAND}.xlsx", vhs)
    inbox.csv("vhs/kursteilnahmen_2026-01-05.csv", [kursteilnahme(i, anwesenheit=f"{70 + i},5") for i in range(1, 7)], encoding="cp1252")
    out = root / "out"
    aliases = {"massnahmen": {"Kundennummer": ["kd.-nr."]}}
    summary = run(inbox.root, out, heute=date(2026, 2, 1), spalten_aliase=aliases)
    return out, summary


def test_e2e_every_kind_loads(mixed_run):
    out, summary = mixed_run
    assert_staged(summary)
    d = dateien(out)
    expect = {
        f"asyl/teilnehmende_{STAND}.csv": ("utf-8", 6), f"asyl/mentorinnen_{STAND}.csv": ("cp1252", 3),
        f"asyl/tandems_{STAND}.csv": ("utf-8-sig", 6), f"asyl/kontakte_{STAND}.csv": ("utf-8-sig", 12),
        f"asyl/unternehmen_{STAND}.csv": ("utf-8", 3), f"jobcenter/massnahmen_{STAND}.csv": ("cp1252", 6),
        f"jobcenter/integrationen_{STAND}.csv": ("cp1252", 3), f"vhs/kursteilnahmen_{STAND}.xlsx": ("xlsx", 6),
        "vhs/kursteilnahmen_2026-01-05.csv": ("cp1252", 6),
    }
    for rel, (enc, n) in expect.items():
        assert d[rel]["kodierung"] == enc, rel
        assert (d[rel]["zeilen_gelesen"], d[rel]["zeilen_geladen"], d[rel]["zeilen_quarantaene"]) == (n, n, 0), rel
    assert d[f"vhs/kursteilnahmen_{STAND}.xlsx"]["status"] == "verwendet"
    assert d["vhs/kursteilnahmen_2026-01-05.csv"]["status"] == "ersetzt"


def test_e2e_values_typed(mixed_run):
    out, _ = mixed_run
    tn = {r["tn_id"]: r for r in table(out, "aktuell.teilnehmende")}
    first = tn[pseudonym(tn_nr(1), "tn")]
    assert first["eintritt"] == date(2025, 1, 2) and first["staatsangehoerigkeit"] == "Türkei"
    km = sorted(r["kilometer"] for r in table(out, "aktuell.kontakte"))
    assert km[-1] == 1250.5 and km[0] == 2.5
    vhs = {r["tn_id"]: r for r in table(out, "aktuell.kursteilnahmen")}
    assert len(vhs) == 6
    assert sorted(r["anwesenheit"] for r in vhs.values()) == [81.0, 82.0, 83.0, 84.0, 85.0, 86.0]
    assert {r["kursbeginn"] for r in vhs.values()} == {date(2025, 2, 3)}
    old = table(out, "staging.kursteilnahmen", "datenstand = ?", [date(2026, 1, 5)])
    assert sorted(r["anwesenheit"] for r in old) == [71.5, 72.5, 73.5, 74.5, 75.5, 76.5]
    # Jobcenter rows link to participants through the pseudonymised Kundennummer
    jc = table(out, "aktuell.massnahmen")
    assert {r["tn_id"] for r in jc} == {pseudonym(tn_nr(i), "tn") for i in range(1, 7)}
    assert count(out, "aktuell.integrationen") == 3


def test_e2e_alias_from_settings_and_extra_column_finding(mixed_run):
    out, _ = mixed_run
    rel = f"jobcenter/massnahmen_{STAND}.csv"
    found = [(b["zeile"], b["spalte"], b["regel"], b["schwere"]) for b in befunde(out, rel)]
    assert found == [(1, "Sachbearbeitung", "zusatzspalte", "HINWEIS")]
