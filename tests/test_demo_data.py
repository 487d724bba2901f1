"""The demo inbox generator (sources/demo.py) against the input contract exports.md."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from sources import demo
from sources.demo import write_demo_inbox

D = date(2025, 11, 20)
D_JC = date(2025, 11, 18)
D_VHS = date(2025, 11, 19)
D_OLD = date(2025, 10, 20)

# Headers copied from exports.md (deliberately not from sources/demo.py).
HEADERS = {
    "teilnehmende": "TN-Nr;Nachname;Vorname;Geburtsdatum;Geschlecht;Staatsangehörigkeit;Aufenthaltsstatus;"
    "Arbeitsmarktzugang;Eintritt;Kompetenzfeststellung;Austritt;Austrittsgrund;Einwilligung;Widerruf;"
    "JC-Kundennummer;VHS-Hörernummer",
    "mentorinnen": "Mentor-Nr;Nachname;Vorname;Eintritt;Austritt;Ehrenamtszuschuss;Schulung",
    "tandems": "Tandem-Nr;Mentor-Nr;TN-Nr;Beginn;Ende",
    "kontakte": "Tandem-Nr;Datum;Dauer;Kontaktart;Kilometer;Verkehrsmittel",
    "unternehmen": "Unternehmen;Branche;Netzwerk seit;Auftaktveranstaltung",
    "massnahmen": "Kundennummer;Maßnahmeart;Beginn;Ende;Status",
    "integrationen": "Kundennummer;Integrationsart;Beginn;Ende;Arbeitgeber;Wochenstunden;Förderung",
    "kursteilnahmen": "Hörernummer;Kursnummer;Kursart;Zielniveau;Kursbeginn;Kursende;Anwesenheit;Prüfung;"
    "Ergebnis;Status",
}

EXPECTED_FILES = {
    f"asyl/teilnehmende_{D}.csv",
    f"asyl/teilnehmende_{D_OLD}.csv",
    f"asyl/mentorinnen_{D}.csv",
    f"asyl/tandems_{D}.csv",
    f"asyl/kontakte_{D}.csv",
    f"asyl/unternehmen_{D}.csv",
    f"jobcenter/massnahmen_{D_JC}.csv",
    f"jobcenter/integrationen_{D_JC}.csv",
    f"vhs/kursteilnahmen_{D_VHS}.xlsx",
    "asyl/notizen.docx",
}

MISTAKE_TYPES = {
    "invalid_date", "unknown_code", "missing_required", "duplicate_key", "exact_duplicate", "unknown_reference",
}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _rows(root: Path, rel: str) -> list[dict[str, str]]:
    raw = (root / rel).read_bytes()
    text = raw.decode("cp1252") if rel.startswith("jobcenter/") else raw.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def _date(text: str) -> date | None:
    """A contract date, or None when empty or impossible (an injected mistake)."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("inbox")
    summary = write_demo_inbox(root, teilnehmende=60, seed=2024, datenstand=D)
    return root, summary


def test_all_expected_files_and_nothing_else(inbox):
    root, summary = inbox
    assert set(_files(root)) == EXPECTED_FILES
    assert summary["vhs_format"] == "xlsx"
    assert set(summary["files"]) | set(summary["other_files"]) == EXPECTED_FILES
    assert summary["rows"]["teilnehmende"] == 60
    assert summary["datenstand"] == {
        "asyl": str(D), "asyl_alt": str(D_OLD), "jobcenter": str(D_JC), "vhs": str(D_VHS),
    }


def test_same_arguments_give_identical_bytes_and_another_seed_differs(inbox, tmp_path):
    root, summary = inbox
    again = tmp_path / "again"
    assert write_demo_inbox(again, teilnehmende=60, seed=2024, datenstand=D) == summary
    assert _files(again) == _files(root)

    other = tmp_path / "other"
    write_demo_inbox(other, teilnehmende=60, seed=2025, datenstand=D)
    a, b = _files(root), _files(other)
    assert set(a) == set(b)
    for rel in a:
        if rel != "asyl/notizen.docx":
            assert a[rel] != b[rel], rel


def test_datenstand_in_file_names_never_after_d(inbox):
    root, _ = inbox
    for rel in _files(root):
        m = re.search(r"_(\d{4}-\d{2}-\d{2})\.(csv|xlsx)$", rel)
        if m:
            assert date.fromisoformat(m.group(1)) <= D, rel


def test_asyl_files_utf8_with_bom_and_crlf(inbox):
    root, _ = inbox
    for rel in EXPECTED_FILES:
        if rel.startswith("asyl/") and rel.endswith(".csv"):
            raw = (root / rel).read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), rel
            raw.decode("utf-8")
            assert raw.endswith(b"\r\n") and raw.count(b"\n") == raw.count(b"\r\n"), rel


def test_jobcenter_files_are_windows_1252(inbox):
    root, _ = inbox
    for rel in (f"jobcenter/massnahmen_{D_JC}.csv", f"jobcenter/integrationen_{D_JC}.csv"):
        raw = (root / rel).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("cp1252")
        assert any(ord(ch) > 127 for ch in text)  # Maßnahmeart, Förderung, umlauts in employers
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert raw.count(b"\n") == raw.count(b"\r\n")
    assert "Maßnahmeart".encode("cp1252") in (root / f"jobcenter/massnahmen_{D_JC}.csv").read_bytes()


def test_headers_exactly_as_in_exports_md(inbox):
    root, _ = inbox
    for kind, header in HEADERS.items():
        if kind == "kursteilnahmen":
            continue
        for rel in EXPECTED_FILES:
            if f"/{kind}_" in rel:
                raw = (root / rel).read_bytes()
                text = raw.decode("cp1252") if rel.startswith("jobcenter/") else raw.decode("utf-8-sig")
                assert text.split("\r\n", 1)[0] == header, rel


def test_vhs_xlsx_mixes_date_cells_with_text_dates(inbox):
    openpyxl = pytest.importorskip("openpyxl")
    fastexcel = pytest.importorskip("fastexcel")
    root, summary = inbox
    path = root / f"vhs/kursteilnahmen_{D_VHS}.xlsx"
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert ";".join(rows[0]) == HEADERS["kursteilnahmen"]
    assert len(rows) - 1 == summary["rows"]["kursteilnahmen"]
    for col in (4, 5):  # Kursbeginn, Kursende
        values = [r[col] for r in rows[1:] if r[col] is not None]
        assert any(isinstance(v, datetime) for v in values)
        texts = [v for v in values if isinstance(v, str)]
        assert texts and any(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", v) for v in texts)
        assert all(v.date() <= date(2028, 1, 1) for v in values if isinstance(v, datetime))
    anw = [r[6] for r in rows[1:] if r[6] is not None]
    assert any(isinstance(v, (int, float)) for v in anw)
    assert any(isinstance(v, str) and v.endswith("%") for v in anw)

    frame = fastexcel.read_excel(path).load_sheet(0, dtypes="string").to_polars()
    assert frame.columns == HEADERS["kursteilnahmen"].split(";")
    assert frame.height == summary["rows"]["kursteilnahmen"]


def test_event_dates_not_after_the_files_datenstand(inbox):
    root, _ = inbox
    checks = {
        f"asyl/teilnehmende_{D}.csv": (D, ["Geburtsdatum", "Eintritt", "Kompetenzfeststellung", "Austritt",
                                             "Einwilligung", "Widerruf"]),
        f"asyl/teilnehmende_{D_OLD}.csv": (D_OLD, ["Eintritt", "Kompetenzfeststellung", "Austritt",
                                                    "Einwilligung", "Widerruf"]),
        f"asyl/mentorinnen_{D}.csv": (D, ["Eintritt", "Austritt", "Schulung"]),
        f"asyl/tandems_{D}.csv": (D, ["Beginn", "Ende"]),
        f"asyl/kontakte_{D}.csv": (D, ["Datum"]),
        f"asyl/unternehmen_{D}.csv": (D, ["Netzwerk seit"]),
        f"jobcenter/integrationen_{D_JC}.csv": (D_JC, ["Beginn", "Ende"]),
    }
    for rel, (ds, cols) in checks.items():
        for row in _rows(root, rel):
            for c in cols:
                d = _date(row[c])
                assert d is None or d <= ds, (rel, c)
    # the programme started on 2024-01-01
    eintritte = [_date(r["Eintritt"]) for r in _rows(root, f"asyl/teilnehmende_{D}.csv")]
    assert min(d for d in eintritte if d) >= date(2024, 1, 1)
    # Jobcenter: planned measures lie in the future, all others have begun
    for row in _rows(root, f"jobcenter/massnahmen_{D_JC}.csv"):
        b = _date(row["Beginn"])
        if b and row["Status"] in ("laufend", "beendet", "abgebrochen"):
            assert b <= D_JC
        if b and row["Status"] == "geplant":
            assert b > D_JC


def test_iso_dates_and_decimal_commas_appear(inbox):
    root, _ = inbox
    text = (root / f"asyl/kontakte_{D}.csv").read_text(encoding="utf-8-sig")
    assert re.search(r";\d{4}-\d{2}-\d{2};", text)  # some JJJJ-MM-TT
    assert re.search(r";\d{2}\.\d{2}\.\d{4};", text)
    assert re.search(r";\d+,\d;", text)  # Kilometer with decimal comma
    stunden = [r["Wochenstunden"] for r in _rows(root, f"jobcenter/integrationen_{D_JC}.csv")]
    assert all(re.fullmatch(r"\d+(,\d)?", s) for s in stunden if s)


def test_id_formats_and_links(inbox):
    root, summary = inbox
    reg = _rows(root, f"asyl/teilnehmende_{D}.csv")
    assert all(re.fullmatch(r"TN-\d+", r["TN-Nr"]) for r in reg)
    kd = [r["JC-Kundennummer"] for r in reg if r["JC-Kundennummer"]]
    assert 0.6 * len(reg) <= len(kd) < len(reg)
    assert all(re.fullmatch(r"\d{3}[A-Z]\d{6}", k) for k in kd) and len(set(kd)) == len(kd)
    hoer = {r["VHS-Hörernummer"] for r in reg if r["VHS-Hörernummer"]}
    assert 0.4 * len(reg) <= len(hoer) < len(reg)
    # Jobcenter and VHS rows link through the numbers; a few belong to nobody in the programme
    m_kd = {r["Kundennummer"] for r in _rows(root, f"jobcenter/massnahmen_{D_JC}.csv")}
    assert m_kd & set(kd) and m_kd - set(kd)
    assert summary["unlinked"]["massnahmen"] >= 1 and summary["unlinked"]["kursteilnahmen"] >= 1
    mentors = _rows(root, f"asyl/mentorinnen_{D}.csv")
    assert all(re.fullmatch(r"M-\d+", r["Mentor-Nr"]) for r in mentors)
    assert 20 <= len(mentors) <= 40
    tandems = _rows(root, f"asyl/tandems_{D}.csv")
    assert all(re.fullmatch(r"T-\d+", r["Tandem-Nr"]) for r in tandems)
    assert len(_rows(root, f"asyl/unternehmen_{D}.csv")) >= 5
    # the older registry snapshot: same TN-Nr, only people who had entered by then
    old = _rows(root, f"asyl/teilnehmende_{D_OLD}.csv")
    assert 0 < len(old) <= len(reg)
    assert {r["TN-Nr"] for r in old} <= {r["TN-Nr"] for r in reg}


def test_consent_cases_present(inbox):
    root, summary = inbox
    reg = _rows(root, f"asyl/teilnehmende_{D}.csv")
    without = [r for r in reg if not r["Einwilligung"]]
    withdrawn = [r for r in reg if r["Widerruf"]]
    assert len(without) == summary["consent"]["ohne_einwilligung"] >= 1
    assert len(withdrawn) == summary["consent"]["widerruf"] == 1
    w = withdrawn[0]
    assert _date(w["Einwilligung"]) <= _date(w["Widerruf"]) <= D
    # tandems of participants without consent are in the export too (the pipeline excludes them)
    tandem_tn = {r["TN-Nr"] for r in _rows(root, f"asyl/tandems_{D}.csv")}
    assert any(r["TN-Nr"] in tandem_tn for r in without + withdrawn)


def test_injected_mistakes_counted_and_present(inbox):
    root, summary = inbox
    seen = {t for per_kind in summary["mistakes"].values() for t, n in per_kind.items() if n >= 1}
    assert seen == MISTAKE_TYPES
    for kind, per_kind in summary["mistakes"].items():
        assert sum(per_kind.values()) * 2 <= summary["rows"][kind], kind  # never half a file bad

    mentors = [r["Mentor-Nr"] for r in _rows(root, f"asyl/mentorinnen_{D}.csv")]
    assert len(mentors) - len(set(mentors)) == summary["mistakes"]["mentorinnen"]["duplicate_key"]
    tandems = _rows(root, f"asyl/tandems_{D}.csv")
    t_nr = [r["Tandem-Nr"] for r in tandems if r["Tandem-Nr"]]
    assert len(t_nr) - len(set(t_nr)) == summary["mistakes"]["tandems"]["duplicate_key"]

    lines = (root / f"asyl/kontakte_{D}.csv").read_bytes().split(b"\r\n")[1:-1]
    assert len(lines) - len(set(lines)) >= summary["mistakes"]["kontakte"]["exact_duplicate"] >= 1
    contacts = _rows(root, f"asyl/kontakte_{D}.csv")
    unknown = [c for c in contacts if c["Tandem-Nr"] and c["Tandem-Nr"] not in set(t_nr)]
    assert len(unknown) == summary["mistakes"]["kontakte"]["unknown_reference"]
    assert any(c["Kontaktart"] not in ("persönlich", "telefonisch", "digital") for c in contacts)

    reg = _rows(root, f"asyl/teilnehmende_{D}.csv")
    bad_dates = sum(
        1 for r in reg for c in ("Geburtsdatum", "Eintritt", "Kompetenzfeststellung") if r[c] and _date(r[c]) is None
    )
    assert bad_dates == summary["mistakes"]["teilnehmende"]["invalid_date"]


def test_realistic_shapes_at_a_few_thousand(tmp_path):
    summary = write_demo_inbox(tmp_path, teilnehmende=3000, seed=11, datenstand=D)
    reg = _rows(tmp_path, f"asyl/teilnehmende_{D}.csv")
    n = len(reg)
    assert n == 3000
    assert 0.15 <= sum(1 for r in reg if r["Austritt"]) / n <= 0.35
    assert 0.70 <= sum(1 for r in reg if r["Kompetenzfeststellung"]) / n <= 0.95
    assert summary["consent"] == {"ohne_einwilligung": 90, "widerruf": 3}
    gruende = [r["Austrittsgrund"] for r in reg if r["Austrittsgrund"]]
    assert max(set(gruende), key=gruende.count) == "Arbeitsaufnahme"
    for kind, per_kind in summary["mistakes"].items():
        assert sum(per_kind.values()) <= 0.02 * summary["rows"][kind] + 6, kind
    contacts = _rows(tmp_path, f"asyl/kontakte_{D}.csv")
    dauer = [int(c["Dauer"]) for c in contacts if c["Dauer"].isdigit()]
    assert min(dauer) >= 30 and max(dauer) <= 180
    for c in contacts:
        if c["Kontaktart"] in ("telefonisch", "digital"):
            assert c["Kilometer"] == "" and c["Verkehrsmittel"] not in ("Pkw", "ÖPNV", "Fahrrad", "zu Fuß")


def test_vhs_csv_above_threshold_and_ids_unique_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "CHUNK", 25)  # many chunks, small and fast
    summary = write_demo_inbox(tmp_path, teilnehmende=200, seed=3, datenstand=D, vhs_xlsx_max_rows=80)
    assert summary["vhs_format"] == "csv"
    assert not (tmp_path / f"vhs/kursteilnahmen_{D_VHS}.xlsx").exists()
    raw = (tmp_path / f"vhs/kursteilnahmen_{D_VHS}.csv").read_bytes()
    text = raw.decode("utf-8")
    assert text.splitlines()[0] == HEADERS["kursteilnahmen"]
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == summary["rows"]["kursteilnahmen"] > 80
    assert all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", r["Kursbeginn"]) for r in rows if _date(r["Kursbeginn"]))

    reg = _rows(tmp_path, f"asyl/teilnehmende_{D}.csv")
    assert len({r["TN-Nr"] for r in reg}) == 200
    kd = [r["JC-Kundennummer"] for r in reg if r["JC-Kundennummer"]]
    assert len(set(kd)) == len(kd)
    mentors = [r["Mentor-Nr"] for r in _rows(tmp_path, f"asyl/mentorinnen_{D}.csv")]
    assert len(mentors) - len(set(mentors)) == summary["mistakes"]["mentorinnen"]["duplicate_key"]
    t_nr = [r["Tandem-Nr"] for r in _rows(tmp_path, f"asyl/tandems_{D}.csv") if r["Tandem-Nr"]]
    assert len(t_nr) - len(set(t_nr)) == summary["mistakes"]["tandems"]["duplicate_key"]
    companies = [r["Unternehmen"] for r in _rows(tmp_path, f"asyl/unternehmen_{D}.csv")]
    assert len(set(companies)) == len(companies)

    # below the threshold the same inbox is an XLSX again, and only one form exists
    summary = write_demo_inbox(tmp_path, teilnehmende=200, seed=3, datenstand=D)
    assert summary["vhs_format"] == "xlsx"
    assert sorted(p.name for p in (tmp_path / "vhs").iterdir()) == [f"kursteilnahmen_{D_VHS}.xlsx"]


def test_default_datenstand_is_yesterday_and_bad_arguments(tmp_path):
    from datetime import timedelta

    summary = write_demo_inbox(tmp_path / "x", teilnehmende=3, seed=1)
    assert summary["datenstand"]["asyl"] == str(date.today() - timedelta(days=1))
    with pytest.raises(ValueError):
        write_demo_inbox(tmp_path / "y", teilnehmende=0)
    with pytest.raises(ValueError):
        write_demo_inbox(tmp_path / "z", teilnehmende=5, datenstand=date(2023, 12, 1))
