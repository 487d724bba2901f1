"""The coordinator's data-quality report (checks/dq_report.py) and kennzahlen.befunde: per file
which line, which column, what is wrong and how to fix it, file status and row balance, the
checks; no cell content, no pseudonym, anywhere the findings go (report, tables, Dagster)."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

import dq_support as dq
from checks.consistency import PRUEFUNGEN
from checks.dq_report import FALLBACK_HINT, fix_hint
from sources.findings import REGELN
from conftest import KEY, PIPELINE_ROOT
from sources.kinds import ALL_KINDS

STICHTAG = date(2026, 11, 18)  # oldest Datenstand of the required kinds in use (Jobcenter: D-2)


def _report(lauf) -> str:
    path = lauf.out / "intern" / f"datenqualitaet_{STICHTAG.isoformat()}.html"
    assert path.exists(), sorted(p.name for p in (lauf.out / "intern").iterdir())
    return path.read_text(encoding="utf-8")


@pytest.mark.integration
def test_report_is_internal_never_in_the_public_bericht_folder():
    """docs/betrieb.md: only the files in bericht/ are meant for the public, and the report shows
    unsuppressed small counts (rows quarantined per file: 1s and 2s). It lives in OUT/intern/,
    readable by the owner only, like the warehouse and the archive."""
    import stat

    for lauf in (dq.base_run(), dq.broken_run()[0], dq.blocked_run()):
        intern, bericht = lauf.out / "intern", lauf.out / "bericht"
        reports = sorted(intern.glob("datenqualitaet_*.html"))
        assert reports, sorted(p.name for p in lauf.out.iterdir())
        assert stat.S_IMODE(intern.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in intern.iterdir()), {p.name: oct(p.stat().st_mode) for p in intern.iterdir()}
        if bericht.is_dir():
            assert not [p.name for p in bericht.rglob("*") if "datenqualitaet" in p.name]


def test_report_left_in_bericht_by_an_earlier_version_is_moved_to_intern(tmp_path):
    """An installation upgraded from a version that wrote the report into bericht/: the next
    report moves the old copies out of the public folder (private, 0600), whatever its mode was."""
    import stat

    from checks.dq_report import write_dq_report

    inbox, out = dq.copy_of_base("altbericht")
    settings = dq.settings_for(inbox, out)
    alt = settings.bericht_dir / "datenqualitaet_2026-10-01.html"
    alt.write_text("<html>alt</html>", encoding="utf-8")
    alt.chmod(0o644)
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        path = write_dq_report(con, settings, STICHTAG)
    finally:
        con.close()
    assert path.parent == settings.intern_dir and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(settings.bericht_dir.glob("datenqualitaet_*"))
    moved = settings.intern_dir / alt.name
    assert moved.read_text(encoding="utf-8") == "<html>alt</html>" and stat.S_IMODE(moved.stat().st_mode) == 0o600


def _text(html_doc: str) -> str:
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_doc)).split())


@pytest.mark.integration
def test_report_tells_the_coordinator_what_to_fix():
    broken, written = dq.broken_run()
    doc = _report(broken)
    text = _text(doc)
    assert "Nur für den internen Gebrauch" in text
    assert "Alle blockierenden Prüfungen bestanden" in text
    files = dq.query(broken.out / "warehouse.duckdb",
                     "SELECT datei, status, grund, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene, zeilen_ausgeschlossen FROM meta.dateien WHERE im_eingang")
    for datei, status, grund, *_ in files:
        assert datei in text and status in text
        if grund:
            assert grund in text
    ignoriert = [d for d, *_ in files if d.endswith(".docx")]
    assert ignoriert  # the demo inbox holds a file that is no export
    # every row balance adds up (the ignored files stand apart, without one)
    assert text.count("stimmt nicht") == 0 and text.count("stimmt") == len(files) - len(ignoriert)
    # a rejected file: the whole-file reason and its fix
    rel = written["teilnehmende"]
    section = text[text.index(rel + " (Status"):]
    assert "Pflichtspalte fehlt" in section and fix_hint("datei_abgelehnt") in section
    # a file with quarantined rows: lines, column, reason, fix
    rel = written["kontakte"]
    section = text[text.index(rel + " (Status"):]
    section = section[: section.index("Sachgebiet Asyl", 1) if "Sachgebiet Asyl" in section[1:] else None]
    n_rows, gelesen = dq.query(
        broken.out / "warehouse.duckdb",
        "SELECT count(*), any_value(d.zeilen_gelesen) FROM kennzahlen.befunde b JOIN meta.dateien d USING (datei) "
        "WHERE b.datei = ? AND b.spalte = 'Kontaktart' AND b.regel = 'code'",
        [rel],
    )[0]
    assert n_rows >= gelesen - 2  # every row (an exact duplicate line is counted once)
    assert f"{n_rows:,}".replace(",", ".") + " Zeilen: 2, 3, 4," in section
    assert "Kontaktart" in section and "Codeliste" in section and fix_hint("code") in section
    # every check, with its kind
    for p in PRUEFUNGEN:
        assert p.name in text
    # self-contained: nothing loaded from elsewhere
    assert "http://" not in doc and "https://" not in doc and "<script" not in doc


@pytest.mark.integration
def test_report_says_when_the_metrics_were_held_back():
    blocked = dq.blocked_run()
    text = _text(_report(blocked))
    assert "Die Kennzahlen wurden in diesem Lauf nicht neu berechnet" in text
    assert "vertrag_kontakte" in text and "verweise_asyl" in text
    assert fix_hint("vertrag") in text and fix_hint("pruefung_verweis") in text


def _rule_ids_in_code() -> set[str]:
    """Rule ids the code can write into a finding (a static scan, so that a new rule needs a hint)."""
    patterns = [
        r'return [^\n]*?, "(\w+)", f?"',  # cells.cell_rule: return expr, "regel", "grund"
        r'^\s+"(\w+)",\n\s+f?"',  # the same over several lines
        r'_err\([^\n]*?"(\w+)", f?"',  # triage: _err(cond, "regel", "grund")
        r'pl\.lit\("(\w+)"\)\.alias\("regel"\)',
        r'"regel": \[?"(\w+)"',
        r'"(\w+)", (?:FEHLER|WARNUNG|HINWEIS)\b',  # _finding / row_findings / failure findings
        r'hinweise\.append\(\([^,]+, "(\w+)"',  # workbook: the reader's notes (line, "regel", "grund")
    ]
    ids: set[str] = set()
    for rel in ("sources/cells.py", "sources/triage.py", "sources/parsing.py", "sources/workbook.py", "sources/linking.py", "assets/staging/load.py",
                "checks/consistency.py", "checks/contract_records.py"):
        src = (PIPELINE_ROOT / rel).read_text(encoding="utf-8")
        for p in patterns:
            ids |= set(re.findall(p, src, flags=re.M))
    # the mentor-side rules (assets/metrics/mentoring_findings.py, written by assets/metrics/mentoring_checks.py)
    ids |= set(re.findall(r'_befund\(\s*"(\w+)"', (PIPELINE_ROOT / "assets/metrics/mentoring_findings.py").read_text(encoding="utf-8")))
    return ids


@pytest.mark.integration
def test_report_separates_ignored_files_and_speaks_plain_german():
    """An ignored file (no export) is a note in its own section, not an error; no library, table
    or rule id in the text; why a contract check passes while rows are in quarantine."""
    text = _text(_report(dq.base_run()))
    fehler_teil, hinweis_teil = text.split("Hinweis: ignorierte Dateien")
    assert "notizen.docx" in hinweis_teil and "notizen.docx" not in fehler_teil
    n_fehler = dq.query(dq.base_run().out / "warehouse.duckdb", "SELECT count(*) FROM kennzahlen.befunde WHERE schwere = 'FEHLER'")[0][0]
    assert "Befunde: Fehler Warnungen Hinweise" in text
    assert "ignoriert (kein Export)" in text
    assert "Warum eine Vertragsprüfung bestanden sein kann, obwohl Zeilen in Quarantäne sind" in text
    for technical in ("Great-Expectations", "Great Expectations", "Suite", "aktuell.", "inaktiv_tage", "Regel:"):
        assert technical not in text, technical
    assert not [code for code in REGELN if "_" in code and code in text]
    assert n_fehler > 0


def test_every_rule_has_plain_german_texts():
    """sources/findings.py: every rule id a finding can carry has a title, what is wrong and what
    the coordination does; a partner's rule also how the partner fixes it. No text names a rule
    id, a library or a table (the texts are sent as they are)."""
    ids = _rule_ids_in_code() | {"datei_ignoriert"}
    assert ids <= set(REGELN), sorted(ids - set(REGELN))
    for code, r in REGELN.items():
        texts = [r.titel, r.was, r.koordination] + ([r.beheben] if r.beheben else [])
        assert all(t and t.strip() == t for t in texts), code
        for t in texts:
            assert not re.search(r"Great|Expectation|Suite|kennzahlen\.|aktuell\.|meta\.|staging\.", t), (code, t)
            assert not [c for c in REGELN if "_" in c and c in t], (code, t)
    # what goes to a partner: the row and file rules and the plausibility checks, not the warehouse's
    an_partner = {c for c, r in REGELN.items() if r.beheben}
    assert {"pflichtwert", "code", "schluessel_doppelt", "datei_abgelehnt", "kontakt_ausserhalb_tandem", "aktualitaet"} <= an_partner
    assert not an_partner & {"vertrag", "pruefung_verweis", "pruefung_zuordnung", "pruefung_reihenfolge", "datei_ignoriert"}


def test_every_rule_has_a_fix_hint():
    code_ids = _rule_ids_in_code()
    assert {"pflichtwert", "datum", "code", "bereich", "verweis", "schluessel_doppelt", "zusatzspalte", "datei_abgelehnt",
            "vertrag", "pruefung_verweis", "aktualitaet", "plausibel_dauer",
            # the mentor-side rules reach kennzahlen.befunde too (assets/metrics/mentoring_checks.py)
            "kontakt_ausserhalb_tandem", "tandem_nach_austritt_mentorin", "kontakt_ausserhalb_engagement",
            "mentorin_ohne_kontakt", "titelzeilen", "blatt_ausgeblendet"} <= code_ids
    seen = set()
    for lauf in (dq.base_run(), dq.broken_run()[0], dq.blocked_run()):
        seen |= {r[0] for r in dq.query(lauf.out / "warehouse.duckdb", "SELECT DISTINCT regel FROM kennzahlen.befunde")}
    missing = sorted(r for r in code_ids | seen if fix_hint(r) == FALLBACK_HINT)
    assert not missing, f"rules without a fix hint: {missing}"


@pytest.mark.integration
def test_befunde_table_is_documented_and_complete():
    broken, _ = dq.broken_run()
    pub = broken.out / "reporting.duckdb"
    con = duckdb.connect(str(pub), read_only=True)
    try:
        cols = con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = 'kennzahlen' AND table_name = 'befunde' ORDER BY column_index"
        ).fetchall()
        table_comment = con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = 'kennzahlen' AND table_name = 'befunde'").fetchone()[0]
        n = con.execute("SELECT count(*) FROM kennzahlen.befunde").fetchone()[0]
    finally:
        con.close()
    assert [(c, t) for c, t, _ in cols] == [("quelle", "VARCHAR"), ("datei", "VARCHAR"), ("zeile", "BIGINT"), ("spalte", "VARCHAR"),
                                            ("regel", "VARCHAR"), ("schwere", "VARCHAR"), ("grund", "VARCHAR")]
    assert table_comment and all(c for _, _, c in cols)
    n_meta = dq.query(broken.out / "warehouse.duckdb",
                      "SELECT count(*) FROM meta.befunde b JOIN meta.dateien d USING (datei_id) WHERE d.im_eingang")[0][0]
    assert n >= n_meta > 0


def test_report_without_registry_is_named_after_the_run_day(tmp_path):
    """No valid participant registry: no Stichtag, but the report (the reason why) is still written."""
    from assets.metrics.datenqualitaet import build_befunde, build_datenqualitaet
    from assets.staging.load import check_key, register_inbox, stage_kind
    from assets.staging.schema import ensure_schema
    from checks.consistency import evaluate_all, findings_of
    from checks.dq_report import record_pruefungen, write_dq_report
    from conftest import Inbox, headers, person
    from sources.discovery import discover
    from sources.pseudonym import Pseudonymizer

    inbox = Inbox(tmp_path / "inbox")
    inbox.csv("asyl/teilnehmende_2026-11-20.csv", [person(1)], header=[h for h in headers("teilnehmende") if h != "Eintritt"])
    settings = dq.settings_for(inbox.root, tmp_path / "out")
    settings.out.mkdir()
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        ensure_schema(con)
        pseud = Pseudonymizer(KEY)
        check_key(con, pseud)
        register_inbox(con, settings, discover(settings.inbox, settings.run_day))
        for k in ALL_KINDS:
            stage_kind(con, settings, pseud, k)
        build_datenqualitaet(con)
        bewertungen = evaluate_all(con, settings)
        record_pruefungen(con, bewertungen)
        build_befunde(con, findings_of(bewertungen))
        path = write_dq_report(con, settings, None)
    finally:
        con.close()
    assert path.name == f"datenqualitaet_{dq.HEUTE.isoformat()}.html"
    assert path.parent == settings.intern_dir and not settings.bericht_dir.exists()
    text = _text(path.read_text(encoding="utf-8"))
    assert "kein Stichtag bestimmbar" in text and "Pflichtspalte fehlt" in text and "'Eintritt'" in text
    assert fix_hint("stand_fehlt") in text


# --- privacy ----------------------------------------------------------------------------------------

def _dagster_texts(lauf) -> str:
    from dagster._serdes import serialize_value

    return "\n".join(serialize_value(e) for e in lauf.events)


@pytest.mark.integration
def test_no_cell_value_or_pseudonym_in_report_findings_or_dagster():
    broken, _ = dq.broken_run()
    blocked = dq.blocked_run()
    values = dq.inbox_identifiers(broken.inbox)
    pseudonyms = dq.warehouse_pseudonyms(broken.out / "warehouse.duckdb") | dq.warehouse_pseudonyms(blocked.out / "warehouse.duckdb")
    assert len(values) > 100 and len(pseudonyms) > 100
    word = re.compile(r"(?<![\w-])(" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) + r")(?![\w-])")
    texts = {
        "bericht (defekte Stände)": _report(broken),
        "bericht (blockiert)": _report(blocked),
    }
    for lauf, tag in ((broken, "defekt"), (blocked, "blockiert")):
        db = lauf.out / "warehouse.duckdb"
        texts[f"kennzahlen.befunde ({tag})"] = "\n".join(" ".join(map(str, r)) for r in dq.query(db, "SELECT * FROM kennzahlen.befunde"))
        texts[f"meta.pruefungen ({tag})"] = "\n".join(" ".join(map(str, r)) for r in dq.query(db, "SELECT * FROM meta.pruefungen"))
        texts[f"meta.vertragspruefung ({tag})"] = "\n".join(" ".join(map(str, r)) for r in dq.query(db, "SELECT * FROM meta.vertragspruefung"))
        texts[f"Dagster-Ereignisse ({tag})"] = _dagster_texts(lauf)
    leaks = {}
    for where, text in texts.items():
        found = set(word.findall(text)) | {p for p in pseudonyms if p in text}
        if found:
            leaks[where] = sorted(found)[:5]
    assert not leaks, leaks
