"""The command line contract (docs/betrieb.md): the real console script in .venv/bin, as subprocesses.

``demo_run`` (conftest) is ``phasenmonitor demo-data`` + ``phasenmonitor run`` on a demo inbox with
a Dagster instance on disk; here the same inbox is run a second time and the refusals are checked.
"""

from __future__ import annotations

import subprocess
from datetime import date

import dagster as dg
import pytest

from conftest import (
    BIN, PIPELINE_ROOT, Inbox, cli_env, dagster_instance, dateien, mentor, report_modules_ready, standard_rows, table,
    warehouse, warehouse_state, write_standard,
)


def _cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "phasenmonitor"), *args], env=env or cli_env(), capture_output=True, text=True, timeout=timeout)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _latest_metadata(home, key: list[str]) -> dict:
    inst = dagster_instance(home)
    try:
        event = inst.get_latest_materialization_event(dg.AssetKey(key))
        assert event is not None, key
        return {k: v.value for k, v in event.asset_materialization.metadata.items()}
    finally:
        inst.dispose()


def test_demo_data_writes_every_export(demo_run):
    assert demo_run.demo_proc.returncode == 0
    assert "Demo-Eingang mit 60 Teilnehmenden" in demo_run.demo_proc.stdout
    stand = demo_run.datenstand
    names = {p.relative_to(demo_run.inbox).as_posix() for p in demo_run.inbox.rglob("*") if p.is_file()}
    for rel in (f"asyl/teilnehmende_{stand}.csv", f"asyl/mentorinnen_{stand}.csv", f"asyl/tandems_{stand}.csv", f"asyl/kontakte_{stand}.csv"):
        assert rel in names, rel
    assert any(n.startswith("jobcenter/massnahmen_") for n in names) and any(n.startswith("vhs/kursteilnahmen_") for n in names)


def test_run_exits_0_and_prints_the_summary(demo_run):
    proc = demo_run.run_proc
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "phasenmonitor: Lauf abgeschlossen" in out
    assert "Stichtag:" in out and "Kennzahlen:" in out
    n_files = sum(1 for p in demo_run.inbox.rglob("*") if p.is_file())
    assert f"Eingang: {n_files} Dateien" in out
    assert "Datenqualität:" in out  # the demo's injected mistakes are listed as findings
    assert (demo_run.out / "reporting.duckdb").exists()
    # nothing went wrong (a library may still print a notice, e.g. matplotlib building its font cache)
    assert not [l for l in proc.stderr.splitlines() if "Fehler" in l or "Traceback" in l or "ERROR" in l], proc.stderr[-3000:]


def test_second_run_gives_identical_tables_and_parses_nothing(demo_run):
    first = demo_run.after_first_run
    n_files = sum(1 for p in demo_run.inbox.rglob("*") if p.is_file())
    meta_first = _latest_metadata(demo_run.dagster_home, ["raw", "eingang"])
    # the first run hashed every file and archived every export (the .docx of an unknown kind is not one)
    assert (meta_first["gehashte_dateien"], meta_first["neue_dateien"]) == (n_files, n_files - 1), meta_first
    proc = _cli("run", "--inbox", str(demo_run.inbox), "--out", str(demo_run.out), env=cli_env(DAGSTER_HOME=str(demo_run.dagster_home)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    second = warehouse_state(demo_run.out)
    for part in ("datenqualitaet", "staging_counts", "aktuell_counts", "aktuell_rows", "befunde", "verarbeitet_am"):
        assert second[part] == first[part], part
    raw = _latest_metadata(demo_run.dagster_home, ["raw", "eingang"])
    assert (raw["gehashte_dateien"], raw["neue_dateien"]) == (0, 0), raw
    for kind in ("teilnehmende", "mentorinnen", "tandems", "kontakte", "unternehmen", "massnahmen", "integrationen", "kursteilnahmen"):
        meta = _latest_metadata(demo_run.dagster_home, ["staging", kind])
        assert meta["dateien_verarbeitet"] == 0, (kind, meta)


def test_summary_into_a_closed_pipe_is_no_failure(demo_run):
    """``phasenmonitor run … | head -1``: the reader is gone before the summary is printed."""
    proc = subprocess.Popen(
        [str(BIN / "phasenmonitor"), "run", "--inbox", str(demo_run.inbox), "--out", str(demo_run.out)],
        env=cli_env(DAGSTER_HOME=str(demo_run.dagster_home)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    proc.stdout.close()
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err and "BrokenPipe" not in err, err[-3000:]


def test_missing_inbox_is_one_sentence(tmp_path):
    out = tmp_path / "out"
    proc = _cli("run", "--inbox", str(tmp_path / "gibt-es-nicht"), "--out", str(out), timeout=120)
    assert proc.returncode != 0
    lines = _lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert "existiert nicht" in lines[0] and "gibt-es-nicht" in lines[0]
    assert not warehouse(out).exists()


def test_no_valid_registry_is_one_sentence(tmp_path):
    inbox = Inbox(tmp_path / "inbox")
    inbox.csv(f"asyl/mentorinnen_2026-01-10.csv", [mentor(1), mentor(2)])
    inbox.raw("asyl/teilnehmende_2026-01-10.csv", b"\x81\x8d")  # present, but cannot be read
    out = tmp_path / "out"
    proc = _cli("run", "--inbox", str(inbox.root), "--out", str(out))
    assert proc.returncode != 0
    lines = _lines(proc.stderr)
    assert len(lines) == 1, proc.stderr[-3000:]
    assert "keine gültige Teilnehmendenliste" in lines[0]
    # the summary (on stdout) says why the registry was rejected
    assert "asyl/teilnehmende_2026-01-10.csv" in proc.stdout and "nicht dekodierbar" in proc.stdout
    assert dateien(out)["asyl/teilnehmende_2026-01-10.csv"]["status"] == "abgelehnt"


@pytest.mark.integration
def test_dagster_definitions_validate():
    proc = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PIPELINE_ROOT, env=cli_env(), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]


def test_explicit_stichtag_is_honoured(tmp_path):
    inbox = Inbox(tmp_path / "inbox")
    write_standard(inbox, date(2026, 1, 20), standard_rows(n=6))  # the default Stichtag would be 2026-01-20
    out = tmp_path / "out"
    proc = _cli("run", "--inbox", str(inbox.root), "--out", str(out), "--stichtag", "2025-12-15")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Stichtag: 15.12.2025" in proc.stdout
    bestand = table(out, "kennzahlen.phasen_bestand")
    assert max(r["zaehltag"] for r in bestand) == date(2025, 12, 15)
    assert max(r["monat"] for r in bestand) == date(2025, 12, 1)
    if report_modules_ready():
        names = sorted(p.name for p in (out / "bericht").iterdir())
        assert "ueberblick_2025-12-15.csv" in names, names
        assert not any("2026-01-20" in n for n in names), names


@pytest.mark.parametrize("value", ["2026-02-30", "15.12.2025", "gestern"])
def test_invalid_stichtag_exits_non_zero_in_german(tmp_path, value):
    inbox = Inbox(tmp_path / "inbox")
    inbox.csv("asyl/mentorinnen_2026-01-10.csv", [mentor(1)])
    out = tmp_path / "out"
    proc = _cli("run", "--inbox", str(inbox.root), "--out", str(out), "--stichtag", value, timeout=120)
    assert proc.returncode != 0
    assert f"'{value}' ist kein Datum der Form JJJJ-MM-TT" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not out.exists()  # refused before anything was written


def test_invalid_stichtag_is_one_sentence(tmp_path):
    proc = _cli("run", "--inbox", str(tmp_path), "--out", str(tmp_path / "out"), "--stichtag", "2026-02-30", timeout=120)
    assert proc.returncode != 0
    lines = _lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert "2026-02-30" in lines[0] and "error" not in lines[0] and "usage" not in lines[0]


@pytest.mark.integration
@pytest.mark.parametrize("args, wort", [(["run", "--inbox", "x"], "--out"), (["bericht"], "bericht"), (["run", "--inbox", "x", "--out", "y", "--bla"], "--bla")])
def test_wrong_command_line_is_one_german_sentence(args, wort):
    proc = _cli(*args, timeout=120)
    assert proc.returncode == 2
    lines = _lines(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("Fehler: ") and wort in lines[0], proc.stderr
