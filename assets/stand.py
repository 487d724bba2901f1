"""Has anything a metric or report asset depends on changed since it last ran?

A nightly run with no new file re-registers the inbox and stages nothing; without this, it would
still recompute every kennzahl, run the disclosure control and redraw every council file (at a
million participants most of a full run). Every ``kennzahlen`` and ``bericht`` asset is a
function of:

- the files in use and their outcome (``meta.dateien``: which snapshot of each kind is in use,
  what was rejected and why, the row counts; ``datei_id`` is the hash of path and content), the
  findings (``meta.befunde``) and the contract validations (``meta.vertragspruefung``);
- the settings of the run, with the run day (consent is judged against it) and the Stichtag;
- the code and the versions of the libraries that compute and write the outputs.

``eingabestand`` hashes exactly these. An asset that finds its stored Eingabestand equal to the
current one, and its output files still present, skips its work; Dagster still records the
materialisation (``neu_berechnet: false``, the Eingabestand as its data version, the tables'
metadata as they are) and the check results stored with that state.

Crash safety: an asset forgets its stored state before it recomputes and stores the new one only
after its outputs are complete, so a run killed in between recomputes it next time.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Iterable

import dagster as dg
import duckdb

from checks.contract_records import ensure_record_table
from assets.series.register import register_fingerprint
from sources.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("pipelines", "assets", "sources", "checks")
LIBRARIES = ("duckdb", "polars", "dagster", "great-expectations", "matplotlib", "python-docx", "xlsxwriter", "fastexcel")


@lru_cache(maxsize=1)
def code_stand() -> str:
    """The project's source files and the library versions (an upgrade recomputes everything)."""
    h = hashlib.sha256()
    for d in CODE_DIRS:
        for p in sorted((ROOT / d).rglob("*")):
            if p.suffix in (".py", ".sql") and "__pycache__" not in p.parts:
                h.update(p.relative_to(ROOT).as_posix().encode())
                h.update(p.read_bytes())
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={version(lib)}".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=-".encode())
    return h.hexdigest()


# Settings of operations that change how a run runs, never what it computes: a hand-started run
# (which never waits for the writer lock) and the daemon's must find the same Eingabestand.
BETRIEB = frozenset({
    "out", "schreibsperre_warten_sekunden", "duckdb_speicher_mb", "kommunen",
    "archiv_aufbewahrung_tage", "dagster_historie_tage", "eingang_ruhezeit_sekunden",
})


def eingabestand(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    dateien = con.execute(
        """SELECT datei_id, status, grund, kontext, art, datenstand, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene,
                  zeilen_ausgeschlossen, ohne_einwilligung, nicht_zugeordnet, im_eingang
           FROM meta.dateien ORDER BY datei_id"""
    ).fetchall()
    befunde = con.execute("SELECT count(*), coalesce(sum(hash(b)), 0) FROM meta.befunde b").fetchone()
    ensure_record_table(con)  # not tried and caught: a failed statement would abort a transaction
    vertrag = con.execute(
        # Only the load gate's records: the checks on the snapshot in use add theirs after the
        # metrics began, and those are a function of the loaded rows anyway.
        "SELECT datei_id, suite, kontext, erfolgreich, fehlgeschlagen FROM meta.vertragspruefung WHERE ort = 'laden' ORDER BY ALL"
    ).fetchall()
    einstellungen = settings.model_copy(update={"heute": settings.run_day}).model_dump_json(exclude=BETRIEB)
    payload = json.dumps([dateien, befunde, vertrag, einstellungen, code_stand(), register_fingerprint(con)], default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _schluessel(asset: str) -> str:
    return f"eingabestand:{asset}"


def is_unchanged(con: duckdb.DuckDBPyConnection, settings: Settings, asset: str, stand: str) -> bool:
    """True if ``asset`` last completed on this Eingabestand and its output files still exist."""
    row = con.execute("SELECT wert FROM meta.zustand WHERE schluessel = ?", [_schluessel(asset)]).fetchone()
    if not row:
        return False
    gespeichert = json.loads(row[0])
    return gespeichert.get("stand") == stand and all((settings.out / p).is_file() for p in gespeichert.get("dateien", []))


def forget(con: duckdb.DuckDBPyConnection, asset: str) -> None:
    con.execute("DELETE FROM meta.zustand WHERE schluessel = ?", [_schluessel(asset)])


def record(
    con: duckdb.DuckDBPyConnection, settings: Settings, asset: str, stand: str, dateien: Iterable[Path] = (),
    checks: Iterable[dg.AssetCheckResult] = (),
) -> None:
    """Store the completed state: the Eingabestand, the output files and the asset's check results
    (the same inputs give the same verdicts, so an unchanged step reports them again)."""
    wert = json.dumps({
        "stand": stand,
        "dateien": sorted(Path(p).relative_to(settings.out).as_posix() for p in dateien),
        "pruefungen": [_check_json(c) for c in checks],
    }, default=str)
    con.execute("INSERT OR REPLACE INTO meta.zustand VALUES (?, ?)", [_schluessel(asset), wert])


def _check_json(c: dg.AssetCheckResult) -> dict:
    return {
        "name": c.check_name, "asset": c.asset_key.path if c.asset_key else None, "passed": c.passed,
        "severity": c.severity.value, "metadata": {k: getattr(v, "value", v) for k, v in (c.metadata or {}).items()},
    }


def checks(con: duckdb.DuckDBPyConnection, asset: str) -> list[dg.AssetCheckResult]:
    """The check results ``asset`` stored with its last completed state."""
    row = con.execute("SELECT wert FROM meta.zustand WHERE schluessel = ?", [_schluessel(asset)]).fetchone()
    return [
        dg.AssetCheckResult(
            check_name=c["name"], asset_key=dg.AssetKey(c["asset"]), passed=c["passed"],
            severity=dg.AssetCheckSeverity(c["severity"]), metadata=c["metadata"],
        )
        for c in (json.loads(row[0]).get("pruefungen", []) if row else [])
    ]


def check_unchanged(con: duckdb.DuckDBPyConnection, settings: Settings, asset: str) -> tuple[bool, str]:
    """(skip?, current Eingabestand); forgets the stored state when the asset must recompute."""
    stand = eingabestand(con, settings)
    if is_unchanged(con, settings, asset, stand):
        return True, stand
    forget(con, asset)
    return False, stand


def build_unless_unchanged(
    con: duckdb.DuckDBPyConnection, settings: Settings, asset: str, build: Callable[[], object], writes_files: bool = False,
) -> tuple[bool, str]:
    """(recomputed?, Eingabestand): ``build`` runs unless the asset's inputs are unchanged, then the
    new state is stored, with the files ``build`` returns when it ``writes_files``: the pattern of
    every metric and report asset."""
    skip, stand = check_unchanged(con, settings, asset)
    if not skip:
        result = build()
        record(con, settings, asset, stand, result if writes_files else ())
    return not skip, stand


def files(con: duckdb.DuckDBPyConnection, settings: Settings, asset: str) -> list[Path]:
    """The output files ``asset`` stored with its last completed state."""
    row = con.execute("SELECT wert FROM meta.zustand WHERE schluessel = ?", [_schluessel(asset)]).fetchone()
    return [settings.out / p for p in json.loads(row[0]).get("dateien", [])] if row else []
