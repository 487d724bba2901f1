"""The data checks as Dagster asset checks in the real nightly job (in-process executor,
AssetSelection.all()): they pass on the demo inbox, a failing blocking check keeps the metric
assets from running and leaves the published reporting.duckdb intact, broken newer snapshots of
every kind leave every kennzahlen value unchanged, and a rerun without new files does not import
Great Expectations."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date

import dagster as dg
import duckdb
import pytest

import dq_support as dq
from checks.consistency import PRUEFUNGEN, evaluate_all
from conftest import BIN, KEY, PIPELINE_ROOT, cli_env
from checks.contract_suites import expectation_specs
from sources.kinds import ALL_KINDS, BY_NAME

GATE = dg.AssetKey(["kennzahlen", "datenqualitaet"])
BLOCKING = {p.name for p in PRUEFUNGEN if p.blocking}
WARNINGS = {p.name for p in PRUEFUNGEN if not p.blocking}
METRIC_AND_REPORT = {"kennzahlen/teilnahme", "kennzahlen/mentoring", "kennzahlen/ueberblick", "bericht/tabellen", "bericht/reporting_db", "bericht/dateien"}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_checks_are_registered_and_every_metric_asset_sits_behind_the_gate():
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    specs = {key.name: key for key in graph.asset_check_keys}
    assert BLOCKING | WARNINGS <= set(specs)
    for name in BLOCKING:
        assert specs[name].asset_key == GATE
        assert graph.get_check_spec(specs[name]).blocking
    for name in WARNINGS:
        assert not graph.get_check_spec(specs[name]).blocking
    # every kennzahlen asset except the gate itself and every bericht asset is downstream of the gate
    below = set()
    frontier = {GATE}
    while frontier:
        nxt = set()
        for k in frontier:
            nxt |= set(graph.get(k).child_keys)
        frontier = nxt - below
        below |= nxt
    for key in graph.get_all_asset_keys():
        if key.path[0] in ("kennzahlen", "bericht") and key != GATE:
            assert key in below, f"{key.to_user_string()} does not depend on kennzahlen/datenqualitaet: blocking checks would not stop it"


def test_demo_run_passes_every_blocking_check_and_publishes():
    base = dq.base_run()
    assert base.summary.success, base.summary.failures
    evals = dq.check_evaluations(base)
    assert BLOCKING | WARNINGS <= set(evals)
    for name in BLOCKING:
        assert evals[name].passed, (name, evals[name].metadata)
        assert evals[name].severity == dg.AssetCheckSeverity.ERROR
    assert METRIC_AND_REPORT <= dq.materialized(base)
    assert (base.out / "reporting.duckdb").exists()
    meta = evals["zuordnung_partner"].metadata
    assert 0 < meta["zuordnungsquote_jobcenter"].value <= 1 and 0 < meta["zuordnungsquote_vhs"].value <= 1
    assert evals["vertrag_kontakte"].metadata["erwartungen"].value == len(expectation_specs(BY_NAME["kontakte"]))


def test_failing_blocking_check_stops_the_metrics_and_keeps_the_published_database():
    base = dq.base_run()
    published = base.out / "reporting.duckdb"
    before_sha, before = _sha(published), dq.kennzahlen_tables(published, skip=())
    blocked = dq.blocked_run()  # same inbox; the warehouse was changed behind the pipeline's back

    assert not blocked.summary.success
    evals = dq.check_evaluations(blocked)
    assert not evals["vertrag_kontakte"].passed and evals["vertrag_kontakte"].severity == dg.AssetCheckSeverity.ERROR
    assert "bereich:Dauer (1 Zeile)" in evals["vertrag_kontakte"].metadata["fehlgeschlagen"].value
    assert evals["vertrag_kontakte"].metadata["geprueft"].value == "warehouse (gespeichert)"  # GX ran in the gate asset, once
    assert not evals["verweise_asyl"].passed
    assert evals["verweise_asyl"].metadata["tandems.mentor_id_ohne_ziel"].value >= 1
    assert {n for n, e in evals.items() if n in BLOCKING and not e.passed} == {"vertrag_kontakte", "verweise_asyl"}

    done = dq.materialized(blocked)
    assert "kennzahlen/datenqualitaet" in done  # findings and report are still produced
    assert not (METRIC_AND_REPORT & done), METRIC_AND_REPORT & done

    # the published database: byte for byte the previous one, and readable
    assert (blocked.out / "reporting.duckdb").exists()
    copy_sha = _sha(blocked.out / "reporting.duckdb")
    assert copy_sha == before_sha
    con = duckdb.connect(str(blocked.out / "reporting.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM kennzahlen.ueberblick").fetchone()[0] > 0
    finally:
        con.close()
    # the metric tables in the warehouse were not recomputed from the bad rows either
    wh = dq.kennzahlen_tables(blocked.out / "warehouse.duckdb", skip=())
    for name in ("phasen_bestand", "mentoring", "ueberblick", "sprache"):
        assert wh[name] == before[name]
    # and the findings say so
    rows = dq.query(blocked.out / "warehouse.duckdb", "SELECT regel, schwere, datei, zeile FROM kennzahlen.befunde WHERE regel IN ('vertrag', 'pruefung_verweis')")
    assert {(r[0], r[1]) for r in rows} == {("vertrag", "FEHLER"), ("pruefung_verweis", "FEHLER")}
    assert all(r[2] and r[2].startswith("asyl/") for r in rows)
    assert any(r[3] is not None for r in rows if r[0] == "pruefung_verweis")


def test_broken_newer_snapshot_of_each_kind_changes_no_kennzahl():
    base = dq.base_run()
    before = dq.kennzahlen_tables(base.out / "reporting.duckdb")
    broken, written = dq.broken_run()
    assert broken.summary.success, broken.summary.failures
    assert set(written) == {k.name for k in ALL_KINDS}
    after = dq.kennzahlen_tables(broken.out / "reporting.duckdb")
    assert set(after) == set(before)
    for name in before:
        assert after[name] == before[name], f"kennzahlen.{name} changed"
    dq_rows = {r[0]: r[1:] for r in dq.query(broken.out / "reporting.duckdb", "SELECT datei, status, grund FROM kennzahlen.datenqualitaet")}
    for kind, rel in written.items():
        status, grund = dq_rows[rel]
        assert status == "abgelehnt" and grund, (kind, status)
    # the snapshot in use is still the previous one, and the staging step says which
    for kind, rel in written.items():
        in_use = dq.query(broken.out / "warehouse.duckdb", "SELECT datenstand FROM meta.dateien WHERE art = ? AND status = 'verwendet'", [kind])
        assert in_use and in_use[0][0] < dq.BROKEN_DATENSTAND
    meta = {}
    for e in broken.events:
        de = e.dagster_event
        if de is not None and de.event_type_value == "ASSET_MATERIALIZATION":
            m = de.event_specific_data.materialization
            meta["/".join(m.asset_key.path)] = m.metadata
    assert meta["staging/kontakte"]["dateien_abgelehnt"].value == 1
    assert meta["staging/kontakte"]["datei_in_gebrauch"].value.endswith(f"{dq.DATENSTAND.isoformat()}.csv")


def test_warehouse_checks_agree_with_the_dagster_checks():
    """The gate asset evaluates the same functions as the checks (for the findings table)."""
    blocked = dq.blocked_run()
    con = duckdb.connect(str(blocked.out / "warehouse.duckdb"))
    try:
        results = {b.pruefung.name: b.ergebnis.ok for b in evaluate_all(con, dq.settings_for(blocked.inbox, blocked.out))}
    finally:
        con.close()
    evals = dq.check_evaluations(blocked)
    assert results == {n: evals[n].passed for n in results}


def test_rerun_without_new_files_does_not_import_great_expectations():
    """A second nightly run on the same inbox: no parsing, no GX import (checked in a fresh process)."""
    base = dq.base_run()
    inbox, out = dq.copy_of_base("rerun")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from datetime import date\n"
        "from pipelines.config import Settings\n"
        "from pipelines.runner import run_pipeline\n"
        f"s = run_pipeline(Settings(inbox=Path({str(inbox)!r}), out=Path({str(out)!r}), heute=date(2026, 11, 25)), key={KEY!r})\n"
        "print('ERFOLG', s.success, s.failures)\n"
        "print('GX', 'great_expectations' in sys.modules)\n"
        "from checks import gx_helfer\n"
        "print('HELFER', gx_helfer.STARTS)\n"
    )
    proc = subprocess.run([str(BIN / "python"), "-c", code], cwd=PIPELINE_ROOT, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert "ERFOLG True []" in proc.stdout, proc.stdout + proc.stderr[-3000:]
    assert "GX False" in proc.stdout
    assert "HELFER 0" in proc.stdout  # nor does it start the GX helper process
    # same published numbers as the first run
    assert dq.kennzahlen_tables(out / "reporting.duckdb") == dq.kennzahlen_tables(base.out / "reporting.duckdb")
    ort = dq.query(out / "warehouse.duckdb", "SELECT DISTINCT ort FROM meta.vertragspruefung")
    assert ort == [("laden",)]
