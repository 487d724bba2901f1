"""Shared fixtures: inboxes in the partners' real formats, real pipeline runs, warehouse readers.

Everything here writes real files and runs the real thing: CSV files with a chosen encoding and
line ends, XLSX files written by xlsxwriter (real Excel date cells or text), the nightly Dagster
job in-process through ``pipelines.runner.run_pipeline``, and read-only DuckDB connections to the
files it wrote. Nothing is mocked.

Typical use::

    def test_something(inbox, tmp_path):
        rows = standard_rows(n=10)
        write_standard(inbox, date(2026, 1, 10), rows)
        summary = run(inbox.root, tmp_path / "out", heute=date(2026, 3, 1))
        assert dateien(tmp_path / "out")["asyl/teilnehmende_2026-01-10.csv"]["status"] == "verwendet"

Row values are written as given: ``str`` verbatim, ``None`` as an empty cell, ``date`` as
``TT.MM.JJJJ`` (CSV) or as a real Excel date cell (XLSX), ``int``/``float`` as numbers (CSV: with a
decimal comma). Rows are dicts keyed by the contract's headers (see ``row``), so a test states only
what it changes.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import io
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import duckdb
import pytest

from sources.settings import Settings
from sources.kinds import BY_NAME

# session fixture of the two runs on the participant inbox, shared by two test modules
from teilnahme_run import teilnahme_berichte  # noqa: E402,F401

KEY = b"test-key-0123456789abcdef"
PIPELINE_ROOT = Path(__file__).resolve().parents[1]
BIN = PIPELINE_ROOT / ".venv" / "bin"

# The report steps (bericht/*) are written by another part of the project; until they exist a run
# builds the warehouse and kennzahlen.* but no reporting.duckdb.
REPORT_MODULES = ("assets.report.bericht_tables", "assets.report.files")


def report_modules_ready() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in REPORT_MODULES)


# --- writing exports ------------------------------------------------------------------------------

def headers(kind: str) -> list[str]:
    """The contract's headers of ``kind``, in contract order."""
    return [c.header for c in BY_NAME[kind].columns]


def row(kind: str, **fields: Any) -> dict[str, Any]:
    """A row dict keyed by header, from contract field names (``tn_id=...``, ``geburtsdatum=...``)."""
    k = BY_NAME[kind]
    out: dict[str, Any] = {c.header: None for c in k.columns}
    for name, value in fields.items():
        out[k.col(name).header] = value
    return out


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%d.%m.%Y")
    if isinstance(v, date):
        return v.strftime("%d.%m.%Y")
    if isinstance(v, bool):
        return "ja" if v else "nein"
    if isinstance(v, float):
        return f"{v:g}".replace(".", ",")
    return str(v)


def csv_bytes(
    header: list[str], rows: Iterable[dict[str, Any] | list[Any]], encoding: str = "utf-8-sig", newline: str = "\r\n"
) -> bytes:
    """A CSV export: ';', '"' quoting where needed, the given encoding (utf-8-sig = with BOM) and line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quotechar='"', lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        values = [r.get(h) for h in header] if isinstance(r, dict) else list(r)
        w.writerow([_csv_cell(v) for v in values])
    return buf.getvalue().encode(encoding)


def xlsx_write(path: Path, header: list[str], rows: Iterable[dict[str, Any] | list[Any]]) -> Path:
    """First sheet of an XLSX file: ``date`` values become real Excel date cells, numbers number cells."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Kursteilnahmen")
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    ws.write_row(0, 0, header)
    for i, r in enumerate(rows, start=1):
        values = [r.get(h) for h in header] if isinstance(r, dict) else list(r)
        for j, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, (date, datetime)):
                dt = v if isinstance(v, datetime) else datetime(v.year, v.month, v.day)
                ws.write_datetime(i, j, dt, date_fmt)
            elif isinstance(v, bool):
                ws.write_string(i, j, "ja" if v else "nein")
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    wb.close()
    return path


@dataclass
class Inbox:
    """An inbox folder; every writer takes the path relative to it (``asyl/teilnehmende_2026-01-10.csv``)."""

    root: Path

    def path(self, rel: str) -> Path:
        return self.root / rel

    def raw(self, rel: str, data: bytes) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p

    def csv(
        self,
        rel: str,
        rows: Iterable[dict[str, Any] | list[Any]],
        header: list[str] | None = None,
        encoding: str = "utf-8-sig",
        newline: str = "\r\n",
    ) -> Path:
        """``header`` defaults to the contract's headers of the kind named in the file name."""
        return self.raw(rel, csv_bytes(header or headers(kind_of(rel)), rows, encoding, newline))

    def xlsx(self, rel: str, rows: Iterable[dict[str, Any] | list[Any]], header: list[str] | None = None) -> Path:
        return xlsx_write(self.root / rel, header or headers(kind_of(rel)), rows)

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()


def kind_of(rel: str) -> str:
    return Path(rel).name.split("_", 1)[0].split(".", 1)[0]


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    root = tmp_path / "inbox"
    root.mkdir()
    return Inbox(root)


# --- a consistent small data set -----------------------------------------------------------------

def tn_nr(i: int) -> str:
    return f"TN-{1000 + i}"


def kundennummer(i: int) -> str:
    return f"962A{100000 + i:06d}"


def hoerernummer(i: int) -> str:
    return f"H-{5000 + i}"


def mentor_nr(i: int) -> str:
    return f"M-{100 + i}"


def tandem_nr(i: int) -> str:
    return f"T-{200 + i}"


def person(i: int, **over: Any) -> dict[str, Any]:
    """Participant ``i`` with consent, Kundennummer and Hörernummer; overrides by field name."""
    fields = dict(
        tn_id=tn_nr(i), nachname=f"Nachname{i}", vorname=f"Vorname{i}", geburtsdatum=date(1980 + i % 20, 1 + i % 12, 1 + i % 27),
        geschlecht="mw"[i % 2], staatsangehoerigkeit="Syrien", aufenthaltsstatus="AE §25", arbeitsmarktzugang="ja",
        eintritt=date(2025, 1, 1 + i % 27), einwilligung=date(2025, 1, 1 + i % 27), jc_id=kundennummer(i), vhs_id=hoerernummer(i),
    )
    fields.update(over)
    return row("teilnehmende", **fields)


def mentor(i: int, **over: Any) -> dict[str, Any]:
    fields = dict(mentor_id=mentor_nr(i), nachname=f"Mentorin{i}", vorname=f"Vorname{i}", eintritt=date(2024, 6, 1), ehrenamtszuschuss="ja")
    fields.update(over)
    return row("mentorinnen", **fields)


def tandem(i: int, mentor_i: int, tn_i: int, **over: Any) -> dict[str, Any]:
    fields = dict(tandem_id=tandem_nr(i), mentor_id=mentor_nr(mentor_i), tn_id=tn_nr(tn_i), beginn=date(2025, 2, 1))
    fields.update(over)
    return row("tandems", **fields)


def kontakt(tandem_i: int, day: int = 1, **over: Any) -> dict[str, Any]:
    fields = dict(tandem_id=tandem_nr(tandem_i), datum=date(2025, 3, day), dauer_min="60", kontaktart="persönlich", kilometer="2,5", verkehrsmittel="ÖPNV")
    fields.update(over)
    return row("kontakte", **fields)


def massnahme(tn_i: int, **over: Any) -> dict[str, Any]:
    fields = dict(jc_id=kundennummer(tn_i), massnahmeart="MAT", beginn=date(2025, 3, 1), ende=date(2025, 3, 28), status="beendet")
    fields.update(over)
    return row("massnahmen", **fields)


def integration(tn_i: int, **over: Any) -> dict[str, Any]:
    fields = dict(jc_id=kundennummer(tn_i), integrationsart="SVB Vollzeit", beginn=date(2025, 6, 1), arbeitgeber_id="Bäckerei Beispiel GmbH", wochenstunden="38,5", foerderung="keine")
    fields.update(over)
    return row("integrationen", **fields)


def kursteilnahme(tn_i: int, **over: Any) -> dict[str, Any]:
    fields = dict(
        vhs_id=hoerernummer(tn_i), kursnummer=f"K-{tn_i % 3}", kursart="Integrationskurs", zielniveau="B1", kursbeginn=date(2025, 2, 3),
        kursende=date(2025, 9, 30), anwesenheit=90, pruefung="DTZ", ergebnis="B1", status="abgeschlossen",
    )
    fields.update(over)
    return row("kursteilnahmen", **fields)


def unternehmen(i: int, **over: Any) -> dict[str, Any]:
    fields = dict(unternehmen_id=f"Firma {i} GmbH", branche="Handwerk", netzwerk_seit=date(2024, 5, 1), auftaktveranstaltung="ja")
    fields.update(over)
    return row("unternehmen", **fields)


def standard_rows(n: int = 10, mentors: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Participants 1..n, each with a tandem (two contacts), a measure, a course; every other one a job."""
    return {
        "teilnehmende": [person(i) for i in range(1, n + 1)],
        "mentorinnen": [mentor(i) for i in range(1, mentors + 1)],
        "tandems": [tandem(i, 1 + i % mentors, i) for i in range(1, n + 1)],
        "kontakte": [kontakt(i, d) for i in range(1, n + 1) for d in (3, 17)],
        "unternehmen": [unternehmen(i) for i in range(1, 4)],
        "massnahmen": [massnahme(i) for i in range(1, n + 1)],
        "integrationen": [integration(i) for i in range(1, n + 1) if i % 2 == 0],
        "kursteilnahmen": [kursteilnahme(i) for i in range(1, n + 1)],
    }


STANDARD_FORMAT = {  # kind -> (folder, extension, encoding) as the partners deliver
    "teilnehmende": ("asyl", "csv", "utf-8-sig"),
    "mentorinnen": ("asyl", "csv", "utf-8-sig"),
    "tandems": ("asyl", "csv", "utf-8-sig"),
    "kontakte": ("asyl", "csv", "utf-8-sig"),
    "unternehmen": ("asyl", "csv", "utf-8-sig"),
    "massnahmen": ("jobcenter", "csv", "cp1252"),
    "integrationen": ("jobcenter", "csv", "cp1252"),
    "kursteilnahmen": ("vhs", "xlsx", None),
}


def rel_name(kind: str, datenstand: date, ext: str | None = None) -> str:
    folder, default_ext, _ = STANDARD_FORMAT[kind]
    return f"{folder}/{kind}_{datenstand.isoformat()}.{ext or default_ext}"


def write_standard(inbox: Inbox, datenstand: date, rows: dict[str, list[dict[str, Any]]], kinds: Iterable[str] | None = None) -> dict[str, str]:
    """Write ``rows`` (kind -> rows) as the partners would; returns kind -> relative path."""
    written = {}
    for kind in kinds or rows:
        folder, ext, enc = STANDARD_FORMAT[kind]
        rel = rel_name(kind, datenstand)
        if ext == "xlsx":
            inbox.xlsx(rel, rows[kind])
        else:
            inbox.csv(rel, rows[kind], encoding=enc)
        written[kind] = rel
    return written


# --- running -------------------------------------------------------------------------------------

PARSE_STAND = date(2026, 1, 10)  # Datenstand of the parser-level tests


def parse_file(path: Path, kind: str, aliases: dict | None = None):
    """``parse_export`` of one real file with the test key (parser-level tests, no pipeline)."""
    from sources.parsing import parse_export
    from sources.pseudonym import Pseudonymizer

    ext = path.suffix.lstrip(".").lower()
    return parse_export(path, ext, BY_NAME[kind], Pseudonymizer(KEY), PARSE_STAND, extra_aliases=aliases)


def settings_for(inbox: Path, out: Path, heute: date, **kw: Any) -> Settings:
    return Settings(inbox=inbox, out=out, heute=heute, **kw)


def run(inbox: Path, out: Path, heute: date, key: bytes = KEY, instance=None, **kw: Any):
    """The real nightly Dagster job, in-process; returns pipelines.runner.RunSummary."""
    from pipelines.runner import run_pipeline

    return run_pipeline(settings_for(Path(inbox), Path(out), heute, **kw), key=key, instance=instance)


def assert_staged(summary) -> None:
    """Every step of the run succeeded, the report steps (``bericht__*``) included."""
    assert not summary.failures, summary.failures


# --- reading the warehouse (read-only) ---------------------------------------------------------

def query(db: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()


def warehouse(out: Path) -> Path:
    return Path(out) / "warehouse.duckdb"


def dateien(out: Path) -> dict[str, dict[str, Any]]:
    """meta.dateien of the files in the inbox, by relative path."""
    return {r["datei"]: r for r in query(warehouse(out), "SELECT * FROM meta.dateien WHERE im_eingang")}


def befunde(out: Path, datei: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT datei, zeile, spalte, regel, schwere, grund FROM meta.befunde"
    params: list = []
    if datei is not None:
        sql += " WHERE datei = ?"
        params.append(datei)
    return query(warehouse(out), sql + " ORDER BY datei, zeile NULLS FIRST, spalte", params)


def table(out: Path, name: str, where: str = "", params: list | None = None) -> list[dict[str, Any]]:
    """Rows of ``staging.x`` / ``aktuell.x`` / ``kennzahlen.x`` in the warehouse."""
    sql = f"SELECT * FROM {name}" + (f" WHERE {where}" if where else "")
    return query(warehouse(out), sql, params)


def count(out: Path, name: str, where: str = "", params: list | None = None) -> int:
    sql = f"SELECT count(*) AS n FROM {name}" + (f" WHERE {where}" if where else "")
    return query(warehouse(out), sql, params)[0]["n"]


def datenqualitaet(out: Path) -> dict[str, dict[str, Any]]:
    """kennzahlen.datenqualitaet by file: from OUT/reporting.duckdb (the published contract) when it
    exists, otherwise from the warehouse where the kennzahlen asset builds it."""
    rep = Path(out) / "reporting.duckdb"
    db = rep if rep.exists() else warehouse(out)
    return {r["datei"]: r for r in query(db, "SELECT * FROM kennzahlen.datenqualitaet")}


def assert_exclusions_add_up(out: Path) -> int:
    """kennzahlen.datenqualitaet (contract version 2) of the data folder ``out``: for every file
    ``gelesen = geladen + quarantaene + ausgeschlossen`` and ``ausgeschlossen = ohne_einwilligung +
    nicht_zugeordnet``, no count negative. Returns the number of files looked at."""
    rows = datenqualitaet(out)
    assert rows, out
    for rel, r in rows.items():
        counts = [r[c] for c in ("zeilen_gelesen", "zeilen_geladen", "zeilen_quarantaene", "zeilen_ausgeschlossen",
                                 "zeilen_ohne_einwilligung", "zeilen_nicht_zugeordnet")]
        assert all(isinstance(v, int) and v >= 0 for v in counts), (rel, r)
        gelesen, geladen, quarantaene, ausgeschlossen, ohne, nicht = counts
        assert gelesen == geladen + quarantaene + ausgeschlossen, (rel, r)
        assert ausgeschlossen == ohne + nicht, (rel, r)
    return len(rows)


def pseudonym(value: str, domain: str, key: bytes = KEY) -> str:
    """The pseudonym the pipeline stores for an identifier (the test knows the key)."""
    from sources.pseudonym import Pseudonymizer, normalise_id
    import polars as pl

    norm = normalise_id(pl.Series([value]))[0]
    return Pseudonymizer(key).one(norm, domain)


@pytest.fixture
def clean_key_env(monkeypatch):
    """No pseudonymisation key in the environment unless the test sets one."""
    monkeypatch.delenv("PHASENMONITOR_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PHASENMONITOR_PSEUDONYM_KEY_FILE", raising=False)
    return monkeypatch


def dagster_home(path: Path) -> Path:
    """A DAGSTER_HOME with the installation's instance config (deploy/dagster.yaml)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "dagster.yaml").write_bytes((PIPELINE_ROOT / "deploy" / "dagster.yaml").read_bytes())
    return path


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for a CLI subprocess: the test key, no inherited key file or DAGSTER_HOME."""
    env = {k: v for k, v in os.environ.items() if k not in ("PHASENMONITOR_PSEUDONYM_KEY_FILE", "DAGSTER_HOME", "PHASENMONITOR_CONFIG")}
    env["PHASENMONITOR_PSEUDONYM_KEY"] = KEY.decode()
    env.update(extra)
    return env


# --- the demo inbox and one CLI run on it, shared by the CLI and privacy tests ------------------

@dataclass
class DemoRun:
    root: Path
    inbox: Path
    out: Path
    dagster_home: Path
    datenstand: date
    demo_proc: subprocess.CompletedProcess
    run_proc: subprocess.CompletedProcess
    after_first_run: dict[str, Any]


def warehouse_state(out: Path) -> dict[str, Any]:
    """What must not change when the same inbox is run again."""
    return {
        "datenqualitaet": sorted(tuple(r.values()) for r in datenqualitaet(out).values()),
        "staging_counts": {k: count(out, f"staging.{k}") for k in BY_NAME},
        "aktuell_counts": {k: count(out, f"aktuell.{k}") for k in BY_NAME},
        "aktuell_rows": {k: sorted(tuple(map(str, r.values())) for r in table(out, f"aktuell.{k}")) for k in BY_NAME},
        "verarbeitet_am": {d: r["verarbeitet_am"] for d, r in dateien(out).items()},
        "befunde": sorted(tuple(str(v) for v in b.values()) for b in befunde(out)),
    }


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """``phasenmonitor demo-data`` and ``phasenmonitor run`` as subprocesses (the real console
    script), with a Dagster instance on disk; the run day is today, the Datenstand yesterday."""
    from datetime import timedelta

    root = tmp_path_factory.mktemp("demo_cli")
    inbox, out, home = root / "inbox", root / "out", dagster_home(root / "dagster_home")
    stand = date.today() - timedelta(days=1)
    env = cli_env(DAGSTER_HOME=str(home))
    demo = subprocess.run(
        [str(BIN / "phasenmonitor"), "demo-data", "--out", str(inbox), "--teilnehmende", "60", "--seed", "11", "--datenstand", stand.isoformat()],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    proc = subprocess.run(
        [str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox), "--out", str(out)],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )
    assert warehouse(out).exists(), proc.stderr[-3000:]
    return DemoRun(root, inbox, out, home, stand, demo, proc, warehouse_state(out))


def dagster_instance(home: Path):
    """The Dagster instance stored in ``home``; the caller disposes it."""
    import dagster as dg

    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(home))
    try:
        return dg.DagsterInstance.get()
    finally:
        mp.undo()


# --- test levels ---------------------------------------------------------------------------------
# Pure rule tests take no fixture but their parameters (no files, no Dagster); everything else is
# an integration test: a temporary folder, a warehouse, a Dagster run or a subprocess.
# `make test-fast` runs the pure level alone (docs/architektur.md, "Tests by level"). A test that
# runs the pipeline or builds files without a fixture (e.g. through tests/dq_support.py) says so
# with @pytest.mark.integration.
PURE_FIXTURES = {"request", "monkeypatch", "capsys", "recwarn"}


def _is_integration(item) -> bool:
    params = set(getattr(getattr(item, "callspec", None), "params", {}))
    return bool(set(getattr(item, "fixturenames", ())) - PURE_FIXTURES - params) or item.get_closest_marker("integration") is not None


# The test files that take longest (`pytest --durations=0`, docs/architektur.md "Tests by level"),
# collected first: `make test` hands whole files to its workers in collection order, and the long
# ones started first keep the workers busy to the end instead of one finishing a long file alone.
LONGEST_FIRST = ("test_crash_safety", "test_bench", "test_operations", "test_gx_worker", "test_cli", "test_dagster_native",
                 "test_publish", "test_bad_input", "test_consent", "test_dq_report", "test_privacy")


def _order(item) -> int:
    name = item.path.stem
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_integration(item):
            item.add_marker(pytest.mark.integration)
    items.sort(key=_order)  # stable: within a file, and for the other files, the collected order
