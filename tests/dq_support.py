"""Shared, cached set-up of the data-quality tests (test_contract_suites, test_asset_checks,
test_dq_report): real demo inboxes, real nightly Dagster runs in-process, real DuckDB files.

The runs are cached so that the test modules share them (each run costs seconds): one good run
on the demo inbox, and copies of its data folder for the scenarios. Under `make test` the test
files run in several worker processes (pytest-xdist); the first worker that needs a run builds
it under a file lock in a folder of this test session, the others load its result (the runs are
only read afterwards; every scenario works on its own copy).
"""

from __future__ import annotations

import atexit
import functools
import os
import pickle
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import dagster as dg
import duckdb
import polars as pl
from filelock import FileLock

from conftest import KEY, csv_bytes

DATENSTAND = date(2026, 11, 20)
HEUTE = date(2026, 11, 25)
BROKEN_DATENSTAND = DATENSTAND + timedelta(days=1)
IGNORED_KENNZAHLEN = ("datenqualitaet", "befunde")  # legitimately change when files are added

_ROOT = Path(tempfile.mkdtemp(prefix="pm-dq-tests-"))  # this process's scenario copies
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
# The cached runs, shared by the workers of one test session (xdist names the session).
_SESSION = os.environ.get("PYTEST_XDIST_TESTRUNUID")
_SHARED = Path(tempfile.gettempdir()) / f"pm-dq-shared-{_SESSION}" if _SESSION else _ROOT
for _old in Path(tempfile.gettempdir()).glob("pm-dq-shared-*"):  # earlier sessions' (their workers are gone)
    if _old != _SHARED and time.time() - _old.stat().st_mtime > 3600:
        shutil.rmtree(_old, ignore_errors=True)


def _shared(name: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per test session, whichever worker asks first; the others load its result."""
    _SHARED.mkdir(parents=True, exist_ok=True)
    done = _SHARED / f"{name}.pickle"
    with FileLock(str(_SHARED / f"{name}.lock")):
        if done.exists():
            return pickle.loads(done.read_bytes())
        value = build()
        done.write_bytes(pickle.dumps(value))
        return value


@dataclass
class Lauf:
    inbox: Path
    out: Path
    summary: Any
    events: list  # Dagster event log entries of the run


def settings_for(inbox: Path, out: Path, **kw):
    from sources.settings import Settings

    return Settings(inbox=inbox, out=out, heute=HEUTE, **kw)


def run(inbox: Path, out: Path, **kw) -> Lauf:
    from pipelines.runner import run_pipeline

    instance = dg.DagsterInstance.ephemeral()
    summary = run_pipeline(settings_for(inbox, out, **kw), key=KEY, instance=instance)
    return Lauf(inbox, out, summary, list(instance.all_logs(summary.run_id)))


def _write_demo_inbox() -> Path:
    from sources.demo import write_demo_inbox

    inbox = _SHARED / "demo-inbox"
    write_demo_inbox(inbox, teilnehmende=60, seed=2024, datenstand=DATENSTAND)
    return inbox


@functools.cache
def demo_inbox() -> Path:
    return _shared("demo-inbox", _write_demo_inbox)


@functools.cache
def base_run() -> Lauf:
    """The nightly job on the demo inbox: the good, published state every scenario starts from."""
    return _shared("base", lambda: run(demo_inbox(), _SHARED / "base-out"))


def copy_of_base(name: str, mutate_inbox: Callable[[Path], None] | None = None, root: Path | None = None) -> tuple[Path, Path]:
    """A fresh copy of the base run's inbox and data folder (warehouse, archive, reporting.duckdb)."""
    base = base_run()
    inbox, out = (root or _ROOT) / f"{name}-inbox", (root or _ROOT) / f"{name}-out"
    shutil.copytree(base.inbox, inbox)
    shutil.copytree(base.out, out)
    if mutate_inbox:
        mutate_inbox(inbox)
    return inbox, out


# --- broken newer snapshots of every kind ----------------------------------------------------------

def _good_file(inbox: Path, kind: str) -> Path:
    files = sorted(p for p in inbox.rglob(f"{kind}_*") if p.suffix in (".csv", ".xlsx"))
    return files[-1]


def write_broken_snapshots(inbox: Path) -> dict[str, str]:
    """A newer snapshot of EACH kind, derived from the good one and broken by the contract:
    the registry loses a required column (file-level rejection), every other kind gets an invalid
    value in its first required code (or date) column in every row (more than half quarantined).
    Returns kind -> relative path."""
    from sources.kinds import ALL_KINDS
    from sources.reading import read_table

    written = {}
    for kind in ALL_KINDS:
        src = _good_file(inbox, kind.name)
        frame, header, _ = read_table(src, src.suffix[1:])
        data = frame.drop("_zeile")
        data.columns = header
        if kind.name == "teilnehmende":
            col = next(c for c in kind.columns if c.required and c.type == "code")
            data = data.drop(col.header)
        else:
            col = next((c for c in kind.columns if c.required and c.type == "code"), None) or next(
                c for c in kind.columns if c.required and c.type == "date"
            )
            data = data.with_columns(pl.lit("31.02.2024" if col.type == "date" else "UNBEKANNTER-CODE").alias(col.header))
        rel = f"{kind.quelle}/{kind.name}_{BROKEN_DATENSTAND.isoformat()}.csv"
        (inbox / rel).write_bytes(csv_bytes(data.columns, [list(r) for r in data.iter_rows()]))
        written[kind.name] = rel
    return written


@functools.cache
def broken_run() -> tuple[Lauf, dict[str, str]]:
    def build() -> tuple[Lauf, dict[str, str]]:
        written: dict[str, str] = {}

        def mutate(inbox: Path) -> None:
            written.update(write_broken_snapshots(inbox))

        inbox, out = copy_of_base("broken", mutate, _SHARED)
        return run(inbox, out), written

    return _shared("broken", build)


# --- a warehouse changed behind the pipeline's back -------------------------------------------------

def corrupt_warehouse(out: Path) -> None:
    """One contact of 900 minutes (contract: 1..600) and one mentor removed who has tandems."""
    con = duckdb.connect(str(out / "warehouse.duckdb"))
    try:
        con.execute(
            "UPDATE staging.kontakte SET dauer_min = 900 WHERE datei_id = (SELECT datei_id FROM aktuell.kontakte LIMIT 1) "
            "AND zeile = (SELECT min(zeile) FROM aktuell.kontakte)"
        )
        con.execute(
            "DELETE FROM staging.mentorinnen WHERE mentor_id = (SELECT min(mentor_id) FROM aktuell.tandems) "
            "AND datei_id = (SELECT datei_id FROM aktuell.mentorinnen LIMIT 1)"
        )
    finally:
        con.close()


@functools.cache
def blocked_run() -> Lauf:
    def build() -> Lauf:
        inbox, out = copy_of_base("blocked", root=_SHARED)
        corrupt_warehouse(out)
        return run(inbox, out)

    return _shared("blocked", build)


# --- reading ------------------------------------------------------------------------------------------

def kennzahlen_tables(db: Path, skip: tuple[str, ...] = IGNORED_KENNZAHLEN) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'kennzahlen' ORDER BY 1"
        ).fetchall()]
        return {n: sorted(con.execute(f'SELECT * FROM kennzahlen."{n}"').fetchall(), key=repr) for n in names if n not in skip}
    finally:
        con.close()


def check_evaluations(lauf: Lauf) -> dict[str, Any]:
    """check name -> AssetCheckEvaluation of the run."""
    out = {}
    for e in lauf.events:
        de = e.dagster_event
        if de is not None and de.event_type_value == "ASSET_CHECK_EVALUATION":
            out[de.event_specific_data.check_name] = de.event_specific_data
    return out


def materialized(lauf: Lauf) -> set[str]:
    out = set()
    for e in lauf.events:
        de = e.dagster_event
        if de is not None and de.event_type_value == "ASSET_MATERIALIZATION":
            out.add("/".join(de.event_specific_data.materialization.asset_key.path))
    return out


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# --- what a privacy scan looks for (test_dq_report, test_korrekturen) -------------------------------

_PERSONAL_HEADERS = {"TN-Nr", "Nachname", "Vorname", "Geburtsdatum", "Mentor-Nr", "Tandem-Nr", "JC-Kundennummer",
                     "VHS-Hörernummer", "Kundennummer", "Hörernummer", "Arbeitgeber", "Unternehmen"}


def inbox_identifiers(inbox: Path) -> set[str]:
    """Values of the personal columns of the partners' files (names, IDs, birth dates, companies)."""
    from sources.reading import read_table

    values: set[str] = set()
    for path in sorted(inbox.rglob("*")):
        if path.suffix not in (".csv", ".xlsx"):
            continue
        frame, header, _ = read_table(path, path.suffix[1:])
        for i, h in enumerate(header):
            if h.strip() in _PERSONAL_HEADERS:
                col = frame.columns[i + 1] if frame.columns[0] == "_zeile" else frame.columns[i]
                values |= {str(v).strip() for v in frame[col].drop_nulls().to_list() if len(str(v).strip()) >= 3}
    return values


def warehouse_pseudonyms(db: Path) -> set[str]:
    """Every pseudonym the warehouse holds (the *_id columns of staging)."""
    from sources.kinds import ALL_KINDS

    out: set[str] = set()
    con = duckdb.connect(str(db), read_only=True)
    try:
        for k in ALL_KINDS:
            for f, _, _ in k.stored_columns():
                if f.endswith("_id"):
                    out |= {r[0] for r in con.execute(f"SELECT DISTINCT {f} FROM staging.{k.name} WHERE {f} IS NOT NULL").fetchall()}
    finally:
        con.close()
    return out
