"""The Dagster way and the command line run one pipeline, safely (issue 12).

Real processes throughout: ``dagster asset materialize --select '*'`` on the code location (the
repository's default executor and a real instance with the shipped ``deploy/dagster.yaml``, as
the UI's "Materialize all" runs), ``phasenmonitor run`` as a console script, two of them at once
on one data folder, and readers on ``reporting.duckdb`` while they write.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import BIN, PIPELINE_ROOT, cli_env, dagster_home, dagster_instance
from sources.kinds import ALL_KINDS

STAGING = [f"staging/{k.name}" for k in ALL_KINDS]
KENNZAHLEN = ["kennzahlen/teilnahme", "kennzahlen/mentoring", "kennzahlen/datenqualitaet", "kennzahlen/ueberblick"]


def published(out: Path) -> dict[str, list]:
    """Every kennzahlen.* and bericht.* table of the published database, rows sorted."""
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('kennzahlen', 'bericht') ORDER BY 1, 2"
        ).fetchall()
        return {f"{s}.{t}": sorted(map(repr, con.execute(f'SELECT * FROM "{s}"."{t}"').fetchall())) for s, t in tables}
    finally:
        con.close()


def council_files(out: Path) -> dict[str, bytes]:
    # The DOCX and XLSX carry the time they were written; their text is compared in bench/vergleich.py.
    return {p.name: p.read_bytes() for p in sorted((out / "bericht").glob("*")) if p.suffix in (".csv", ".md")}


def materialize_all(home: Path, inbox: Path, out: Path) -> subprocess.CompletedProcess:
    env = cli_env(DAGSTER_HOME=str(home), PHASENMONITOR_INBOX=str(inbox), PHASENMONITOR_OUT=str(out))
    return subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "--select", "*", "-m", "pipelines.definitions"],
        cwd=PIPELINE_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def cli_run(inbox: Path, out: Path, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox), "--out", str(out)],
        env=cli_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@dataclass
class Runs:
    home: Path
    inbox: Path
    dagster_out: Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def runs(tmp_path_factory, demo_run) -> Runs:
    """The demo inbox of the shared CLI run, materialised twice the way the UI's button does."""
    root = tmp_path_factory.mktemp("dagster_native")
    home = dagster_home(root / "home")
    out = root / "out"
    first = materialize_all(home, demo_run.inbox, out)
    second = materialize_all(home, demo_run.inbox, out)
    return Runs(home, demo_run.inbox, out, first, second)


def test_the_location_runs_every_asset_job_in_process():
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"
    assert all(j.executor_def.name == "in_process" for j in defs.resolve_all_job_defs())
    workspace = (PIPELINE_ROOT / "workspace.yaml").read_text(encoding="utf-8")
    assert "location_name: phasenmonitor" in workspace


def test_materialize_all_publishes_what_the_cli_publishes(runs, demo_run):
    assert runs.first.returncode == 0, runs.first.stderr[-3000:]
    assert "Could not set lock" not in runs.first.stderr + runs.first.stdout
    assert published(runs.dagster_out) == published(demo_run.out)
    assert council_files(runs.dagster_out) == council_files(demo_run.out)
    instance = dagster_instance(runs.home)
    try:
        [record] = instance.get_run_records(limit=1)
        logs = instance.all_logs(record.dagster_run.run_id)
        assert any("in process" in (e.message or "").lower() for e in logs)  # the Definitions' executor
        assert not instance.telemetry_enabled
    finally:
        instance.dispose()


def test_every_staging_asset_carries_its_contract_check():
    from pipelines.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    for kind in ALL_KINDS:
        key = dg.AssetKey(["staging", kind.name])
        names = {c.name for c in graph.get_check_keys_for_assets({key})}
        assert f"vertrag_{kind.name}" in names, kind.name
    # the metric assets depend on what they read, not on every export
    teilnahme = graph.get(dg.AssetKey(["kennzahlen", "teilnahme"])).parent_keys
    assert dg.AssetKey(["staging", "kontakte"]) not in teilnahme and dg.AssetKey(["staging", "massnahmen"]) in teilnahme
    mentoring = graph.get(dg.AssetKey(["kennzahlen", "mentoring"])).parent_keys
    assert dg.AssetKey(["staging", "massnahmen"]) not in mentoring and dg.AssetKey(["staging", "kontakte"]) in mentoring


def _latest_checks(instance, key: dg.AssetKey) -> dict[str, dg.AssetCheckEvaluation]:
    out = {}
    for rec in instance.get_records_for_run(
        instance.get_run_records(limit=1)[0].dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records:
        ev = rec.event_log_entry.dagster_event.event_specific_data
        if ev.asset_key == key:
            out[ev.check_name] = ev
    return out


def test_quarantined_rows_turn_the_contract_check_to_warn_with_the_count(runs, demo_run):
    instance = dagster_instance(runs.home)
    try:
        for kind in ALL_KINDS:
            ev = _latest_checks(instance, dg.AssetKey(["staging", kind.name]))[f"vertrag_{kind.name}"]
            con = duckdb.connect(str(demo_run.out / "warehouse.duckdb"), read_only=True)
            try:
                row = con.execute(
                    "SELECT coalesce(sum(zeilen_quarantaene), 0) FROM meta.dateien WHERE art = ? AND status = 'verwendet'", [kind.name]
                ).fetchone()
            finally:
                con.close()
            meta = {k: v.value for k, v in ev.metadata.items()}
            assert meta["zeilen_quarantaene"] == row[0], kind.name
            if row[0]:
                assert not ev.passed and ev.severity == dg.AssetCheckSeverity.WARN, kind.name
            else:
                assert ev.passed, kind.name
    finally:
        instance.dispose()


def test_after_an_unchanged_rerun_metadata_shows_the_true_tables(runs):
    assert runs.second.returncode == 0, runs.second.stderr[-3000:]
    instance = dagster_instance(runs.home)
    con = duckdb.connect(str(runs.dagster_out / "warehouse.duckdb"), read_only=True)
    try:
        first, second = [r.dagster_run.run_id for r in instance.get_run_records(limit=2, ascending=False)][::-1]
        for asset in STAGING + KENNZAHLEN:
            key = dg.AssetKey(asset.split("/"))
            ev = instance.get_latest_materialization_event(key)
            assert ev.run_id == second, asset
            mat = ev.asset_materialization
            meta = {k: v.value for k, v in mat.metadata.items()}
            assert isinstance(meta["dagster/row_count"], int)
            if asset.startswith("staging/"):
                kind = asset.split("/")[1]
                true = con.execute(f"SELECT count(*) FROM aktuell.{kind}").fetchone()[0]
                assert meta["dagster/row_count"] == true, asset
                assert meta["dagster/column_schema"].columns, asset
            else:
                tables = [k[len("zeilen_"):] for k in meta if k.startswith("zeilen_") and k != "zeilen_in_quarantaene"] or [asset.split("/")[1]]
                true = sum(con.execute(f"SELECT count(*) FROM kennzahlen.{t}").fetchone()[0] for t in tables)
                assert meta["dagster/row_count"] == true, asset
                assert meta["neu_berechnet"] is False, asset  # nothing new: not recomputed ...
            # ... and its data version is the one of the first run: Dagster sees it unchanged, fresh
            versions = [
                instance.get_records_for_run(rid, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records for rid in (first, second)
            ]
            tags = [
                next(r.event_log_entry.dagster_event.event_specific_data.materialization.tags.get("dagster/data_version")
                     for r in recs if r.event_log_entry.dagster_event.asset_key == key)
                for recs in versions
            ]
            assert tags[0] and tags[0] == tags[1], asset
        # counts are integers everywhere, amounts rounded
        meta = {k: v.value for k, v in instance.get_latest_materialization_event(
            dg.AssetKey(["kennzahlen", "mentoring"])).asset_materialization.metadata.items()}
        assert isinstance(meta["tandems_aktiv"], int)
        assert meta["kontaktstunden"] == round(meta["kontaktstunden"], 2)
    finally:
        con.close()
        instance.dispose()


def test_a_rejected_newest_file_fails_its_contract_check(tmp_path, demo_run):
    """A newer participant registry without its key column is rejected: vertrag_teilnehmende fails
    with ERROR and says so; the older registry stays in use and the reports are still produced."""
    import shutil
    from datetime import date

    from conftest import run

    inbox = tmp_path / "inbox"
    shutil.copytree(demo_run.inbox, inbox)
    in_use = sorted((inbox / "asyl").glob("teilnehmende_*.csv"))[-1]
    (inbox / "asyl" / f"teilnehmende_{date.today().isoformat()}.csv").write_text("Name;Vorname\nMuster;Erika\n", encoding="utf-8")
    with dg.instance_for_test() as instance:
        summary = run(inbox, tmp_path / "out", heute=date.today(), instance=instance)
        assert summary.success and summary.has_registry and summary.published
        ev = _latest_checks(instance, dg.AssetKey(["staging", "teilnehmende"]))["vertrag_teilnehmende"]
    assert not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR
    meta = {k: v.value for k, v in ev.metadata.items()}
    assert meta["abgelehnt"] == f"asyl/teilnehmende_{date.today().isoformat()}.csv" and "Pflichtspalte" in meta["grund"]
    assert meta["datei_in_gebrauch"] == f"asyl/{in_use.name}" and meta["dateien_abgelehnt"] == 1
    assert summary.materialized["staging/teilnehmende"]["datei_in_gebrauch"] == f"asyl/{in_use.name}"


def test_two_cli_runs_at_once_on_one_data_folder(tmp_path, demo_run):
    """The second run, started while the first writes, waits or refuses with one sentence; the
    published tables equal a single run's; a reader never sees an error."""
    out = tmp_path / "out"
    errors: list[str] = []
    seen = {"ok": 0}
    stop = threading.Event()

    def reader():
        db = out / "reporting.duckdb"
        while not stop.is_set():
            if db.exists():
                try:
                    con = duckdb.connect(str(db), read_only=True)
                    try:
                        con.execute("SELECT count(*) FROM kennzahlen.ueberblick").fetchone()
                        seen["ok"] += 1
                    finally:
                        con.close()
                except duckdb.Error as exc:
                    errors.append(str(exc))
            time.sleep(0.05)

    t = threading.Thread(target=reader)
    t.start()
    try:
        first = cli_run(demo_run.inbox, out)
        time.sleep(1.0)
        second = cli_run(demo_run.inbox, out)
        results = [p.communicate(timeout=600) for p in (first, second)]
    finally:
        stop.set()
        t.join()
    (out1, err1), (out2, err2) = results
    assert first.returncode == 0, err1[-2000:]
    for text in (out1, err1, out2, err2):
        assert "Traceback" not in text and "Could not set lock" not in text
    if second.returncode != 0:  # refused: one German sentence, nothing else
        assert second.returncode == 2 and err2.strip().count("\n") == 0 and "Ein anderer Lauf schreibt gerade" in err2, err2
    assert published(out) == published(demo_run.out)
    assert not errors and seen["ok"] > 0


def test_without_a_registry_the_cli_says_only_what_is_true(tmp_path, demo_run):
    """Exit 3 with one sentence; the files and why they were rejected, no key figures, no
    "Ausgaben" (nothing was published)."""
    import shutil

    inbox = tmp_path / "inbox"
    shutil.copytree(demo_run.inbox, inbox)
    for p in (inbox / "asyl").glob("teilnehmende_*.csv"):
        p.unlink()
    proc = cli_run(inbox, tmp_path / "out")
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 3, stderr
    assert stderr.strip().startswith("Fehler: Es gibt keine gültige Teilnehmendenliste") and stderr.strip().count("\n") == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert "Eingang:" in stdout and "asyl/mentorinnen_" in stdout
    assert "Kennzahlen:" not in stdout and "Ausgaben:" not in stdout and "Stichtag:" not in stdout
    assert not (tmp_path / "out" / "reporting.duckdb").exists()


def test_operational_settings_do_not_change_the_eingabestand(tmp_path, demo_run):
    """A hand-started run (never waits for the writer lock) and the daemon's find the same
    Eingabestand, so neither recomputes the other's work; a setting of the rules does change it."""
    import shutil
    from datetime import date

    from assets.stand import eingabestand
    from sources.settings import Settings

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_run.out / "warehouse.duckdb", db)
    con = duckdb.connect(str(db))
    try:
        base = Settings(inbox=demo_run.inbox, out=demo_run.out, heute=date.today())
        same = base.model_copy(update={"schreibsperre_warten_sekunden": 0, "duckdb_speicher_mb": 512, "out": tmp_path})
        assert eingabestand(con, same) == eingabestand(con, base)
        assert eingabestand(con, base.model_copy(update={"stundensatz_eur": 20.0})) != eingabestand(con, base)
    finally:
        con.close()
