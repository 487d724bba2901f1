"""Operations: schedule, inbox sensor, history cleanup, instance config, reruns, retention, file modes.

Real components throughout: a real temporary inbox and Dagster instance for the sensor, the real
nightly job in-process for reruns and retention, the real deploy/dagster.yaml for the instance.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
import stat
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from conftest import PIPELINE_ROOT, Inbox, kontakt, person, query, report_modules_ready, run, standard_rows, write_standard
from sources.settings import Settings
from pipelines.jobs import NIGHTLY_JOB_NAME, WAREHOUSE_TAG, WAREHOUSE_TAG_VALUE, nightly_job
from assets.resources import PhasenmonitorResource
from sources.runlock import RunLocked, acquire_run_lock, release_run_lock
from pipelines.schedules import cleanup_job, nachtlauf_schedule, prune_run_history
from pipelines.sensors import SENSOR_NAME, parse_cursor, scan_inbox

HEUTE = date(2026, 11, 25)
D1 = date(2026, 11, 1)
D2 = date(2026, 11, 20)


# --- schedule ------------------------------------------------------------------------------------

@pytest.mark.integration
def test_nightly_schedule_runs_nachtlauf_at_two_in_berlin():
    assert nachtlauf_schedule.cron_schedule == "0 2 * * *"
    assert nachtlauf_schedule.execution_timezone == "Europe/Berlin"
    assert nachtlauf_schedule.job_name == NIGHTLY_JOB_NAME
    assert nachtlauf_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    with dg.instance_for_test() as instance:
        tick = datetime(2026, 3, 29, 2, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # night of the DST change
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=tick)
        data = nachtlauf_schedule.evaluate_tick(ctx)
    assert len(data.run_requests) == 1
    # the job's own tag puts every run into the warehouse queue (limit 1, deploy/dagster.yaml)
    assert nightly_job.tags[WAREHOUSE_TAG] == WAREHOUSE_TAG_VALUE


def test_definitions_contain_schedules_sensor_and_cleanup_job():
    from pipelines.definitions import defs

    repo = defs().get_repository_def()
    assert {s.name for s in repo.schedule_defs} == {"nachtlauf_0200", "historie_bereinigen_0430"}
    assert {s.name for s in repo.sensor_defs} == {"eingang_sensor"}
    assert {"nachtlauf", "historie_bereinigen"} <= {j.name for j in repo.get_all_jobs()}


# --- inbox sensor --------------------------------------------------------------------------------

def _old(path: Path, seconds: float = 3600) -> None:
    """Set a file's mtime into the past: it has settled (the sensor's Ruhezeit)."""
    t = time.time() - seconds
    os.utime(path, (t, t))


def _tick(instance, resource, cursor: str | None):
    from pipelines.definitions import build_definitions

    defs = build_definitions(resource)
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"phasenmonitor": resource},
                                 repository_def=defs.get_repository_def()) as ctx:
        return sensor.evaluate_tick(ctx)


@pytest.fixture
def sensor_env(tmp_path):
    inbox = Inbox(tmp_path / "inbox")
    inbox.root.mkdir()
    settings = Settings(inbox=inbox.root, out=tmp_path / "out", eingang_ruhezeit_sekunden=30)
    resource = PhasenmonitorResource(settings_json=settings.model_dump_json())
    with dg.instance_for_test() as instance:
        yield inbox, resource, instance


def test_sensor_new_file_one_run_same_file_none_changed_file_one(sensor_env):
    inbox, resource, instance = sensor_env
    files = write_standard(inbox, D2, standard_rows(n=4), kinds=["teilnehmende", "mentorinnen"])
    for rel in files.values():
        _old(inbox.path(rel))

    first = _tick(instance, resource, None)
    assert len(first.run_requests) == 1
    cursor = parse_cursor(first.cursor)
    assert set(cursor) == set(files.values())
    assert cursor[files["teilnehmende"]].sha256 == hashlib.sha256(inbox.path(files["teilnehmende"]).read_bytes()).hexdigest()

    again = _tick(instance, resource, first.cursor)
    assert again.run_requests == [] and again.skip_message

    # the same evaluation repeated (cursor update lost) gives the same run_key: Dagster starts it once
    assert _tick(instance, resource, None).run_requests[0].run_key == first.run_requests[0].run_key

    # touched, same content: no run
    p = inbox.path(files["mentorinnen"])
    _old(p, 1800)
    touched = _tick(instance, resource, again.cursor)
    assert touched.run_requests == []

    # changed content: one run, with a new run_key
    inbox.csv(files["mentorinnen"], standard_rows(n=4, mentors=5)["mentorinnen"])
    _old(p, 600)
    changed = _tick(instance, resource, touched.cursor)
    assert len(changed.run_requests) == 1
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key
    assert changed.run_requests[0].tags["phasenmonitor/ausloeser"] == "eingang"
    assert _tick(instance, resource, changed.cursor).run_requests == []


def test_sensor_ignores_hidden_and_temp_files_and_waits_for_copies_to_settle(sensor_env):
    inbox, resource, instance = sensor_env
    (rel,) = write_standard(inbox, D2, standard_rows(n=3), kinds=["teilnehmende"]).values()
    _old(inbox.path(rel))
    base = _tick(instance, resource, None)
    assert len(base.run_requests) == 1

    for junk in (".DS_Store", "asyl/.~lock.teilnehmende_2026-11-21.csv#", ".tmp/x.csv",
                 "asyl/teilnehmende_2026-11-21.csv.part", "asyl/teilnehmende_2026-11-21.csv.filepart",
                 "vhs/~$kursteilnahmen_2026-11-21.xlsx", "asyl/kontakte_2026-11-21.tmp"):
        _old(inbox.raw(junk, b"halb kopiert"))
    assert _tick(instance, resource, base.cursor).run_requests == []

    # a copy under way (younger than the Ruhezeit) is left for a later tick
    fresh = inbox.csv("asyl/mentorinnen_2026-11-21.csv", standard_rows(n=3)["mentorinnen"])
    waiting = _tick(instance, resource, base.cursor)
    assert waiting.run_requests == [] and "Ruhezeit" in waiting.skip_message
    assert "asyl/mentorinnen_2026-11-21.csv" not in parse_cursor(waiting.cursor)
    _old(fresh)
    settled = _tick(instance, resource, waiting.cursor)
    assert len(settled.run_requests) == 1


def test_sensor_hashes_only_files_whose_size_or_mtime_changed(tmp_path):
    inbox = Inbox(tmp_path / "inbox")
    files = write_standard(inbox, D2, standard_rows(n=3))
    for rel in files.values():
        _old(inbox.path(rel))
    first = scan_inbox(inbox.root, {}, ruhezeit_s=0)
    assert first.hashed == len(files) and len(first.changed) == len(files)
    second = scan_inbox(inbox.root, first.seen, ruhezeit_s=0)
    assert second.hashed == 0 and second.changed == []
    _old(inbox.path(files["kontakte"]), 100)
    third = scan_inbox(inbox.root, second.seen, ruhezeit_s=0)
    assert third.hashed == 1 and third.changed == []


def test_sensor_skips_when_inbox_is_missing(tmp_path):
    settings = Settings(inbox=tmp_path / "fehlt", out=tmp_path / "out")
    resource = PhasenmonitorResource(settings_json=settings.model_dump_json())
    with dg.instance_for_test() as instance:
        result = _tick(instance, resource, None)
    assert result.run_requests == [] and "existiert nicht" in result.skip_message


# --- Dagster history cleanup -----------------------------------------------------------------------

@dg.op
def _noop():
    return 1


@dg.job(name=NIGHTLY_JOB_NAME)
def _nachtlauf_stand_in():
    """A job named like the nightly one, so its runs count as nightly runs in the run storage."""
    _noop()


@dg.op
def _fails():
    raise RuntimeError("absichtlich")


@dg.job(name="anderer_job")
def _other_job():
    _fails()


def test_cleanup_deletes_old_finished_runs_keeps_newest_nightly_and_running(tmp_path):
    with dg.instance_for_test() as instance:
        ok_old = _nachtlauf_stand_in.execute_in_process(instance=instance).run_id
        ok_new = _nachtlauf_stand_in.execute_in_process(instance=instance).run_id
        failed = _other_job.execute_in_process(instance=instance, raise_on_error=False).run_id
        running = instance.create_run_for_job(_nachtlauf_stand_in).run_id  # NOT_STARTED: unfinished
        assert instance.all_logs(ok_old)

        # nothing is old yet
        settings = Settings(out=tmp_path / "out", dagster_historie_tage=30)
        res = cleanup_job.execute_in_process(
            instance=instance, resources={"phasenmonitor": PhasenmonitorResource(settings_json=settings.model_dump_json())}
        )
        assert res.success and res.output_for_node("dagster_historie_bereinigen") == 0
        assert instance.get_run_by_id(ok_old) is not None

        # 31 days later
        later = datetime.now(timezone.utc) + timedelta(days=31)
        result = prune_run_history(instance, 30, now=later)
        assert ok_old in result.geloescht and failed in result.geloescht
        assert result.behalten == ok_new
        assert instance.get_run_by_id(ok_old) is None and instance.get_run_by_id(failed) is None
        assert instance.all_logs(ok_old) == []
        assert instance.get_run_by_id(ok_new) is not None  # newest successful nachtlauf
        assert instance.get_run_by_id(running) is not None  # not finished
        assert res.run_id in result.geloescht  # the cleanup run itself is history too


# --- the instance configuration --------------------------------------------------------------------

def test_deploy_instance_config_limits_warehouse_runs_to_one(tmp_path, monkeypatch):
    (tmp_path / "dagster.yaml").write_bytes((PIPELINE_ROOT / "deploy" / "dagster.yaml").read_bytes())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # the storage section reads it
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 1
        # one run per warehouse: per value of the tag every warehouse-writing job sets
        assert {"key": WAREHOUSE_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in queue.tag_concurrency_limits
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_runtime_seconds > 0
        assert not instance.telemetry_enabled
        assert list(tmp_path.glob("history/runs.db"))  # SQLite run storage below DAGSTER_HOME
    finally:
        instance.dispose()


def test_run_lock_refuses_a_second_writer(tmp_path):
    """A run started while another holds the data folder stops before touching anything."""
    import subprocess

    from conftest import BIN, cli_env
    from pipelines.definitions import build_definitions
    from pipelines.runner import RunRefused

    inbox = Inbox(tmp_path / "inbox")
    write_standard(inbox, D2, standard_rows(n=3))
    out = tmp_path / "out"
    fd = acquire_run_lock(out)
    try:
        with pytest.raises(RunLocked):
            acquire_run_lock(out)
        # by hand: one sentence, exit status 2, before any import of the pipeline
        p = subprocess.run([str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox.root), "--out", str(out)],
                           env=cli_env(), capture_output=True, text=True, timeout=120)
        assert p.returncode == 2 and "Ein anderer Lauf schreibt gerade" in p.stderr
        with pytest.raises(RunRefused, match="anderer Lauf"):
            run(inbox.root, out, HEUTE)
        # a run the daemon launches (no command line in front): the resource waits for the lock,
        # saying so in the run's log, and gives up with one sentence after the configured time
        settings = Settings(inbox=inbox.root, out=out, heute=HEUTE, schreibsperre_warten_sekunden=2)
        resource = PhasenmonitorResource(settings_json=settings.model_dump_json())
        job = build_definitions(resource).resolve_job_def(NIGHTLY_JOB_NAME)
        t0 = time.monotonic()
        with dg.instance_for_test() as instance:
            result = job.execute_in_process(instance=instance, raise_on_error=False)
            logs = [e.message for e in instance.all_logs(result.run_id)]
        assert not result.success and time.monotonic() - t0 >= 2
        assert any("dieser Lauf wartet" in (m or "") for m in logs)
        init = [e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
        assert init and "Ein anderer Lauf schreibt gerade" in str(init[0].event_specific_data)
        assert not (out / "warehouse.duckdb").exists()
    finally:
        release_run_lock(fd)
    fd = acquire_run_lock(out)  # released, and no stale lock is left behind
    release_run_lock(fd)


# --- incremental, idempotent reruns ----------------------------------------------------------------

def _materializations(instance, run_id: str) -> dict[str, dict]:
    out = {}
    for rec in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records:
        mat = rec.event_log_entry.dagster_event.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return out


VOLATILE = {"meta.dateien": ("gesehen_am", "verarbeitet_am", "mtime_ns")}


WAREHOUSE_COMPARED = ("staging", "kennzahlen", "bericht", "meta.dateien", "meta.befunde")


def _contents(db: Path, parts: tuple[str, ...]) -> dict[str, list]:
    """Sorted rows of every table in the given schemas or named tables (``schema.table``)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            (s, t) for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
            if s in parts or f"{s}.{t}" in parts
        ]
        out = {}
        for s, t in tables:
            name = f"{s}.{t}"
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index", [s, t]
            ).fetchall() if c not in VOLATILE.get(name, ())]
            sel = ", ".join(f'"{c}"' for c in cols)
            out[name] = sorted(map(repr, con.execute(f'SELECT {sel} FROM {s}."{t}"').fetchall()))
        return out
    finally:
        con.close()


@dataclass
class TwoRuns:
    """A full run and a rerun with nothing new, 100 days later as far as the archive is concerned."""

    inbox: Inbox
    out: Path
    first: dict            # materialisation metadata of the full run, by asset
    second: dict           # ... of the rerun
    second_success: bool
    files: dict            # meta.dateien after the full run, by file
    modes: dict            # file modes after the full run (started with umask 022)
    wal_mode: int | None   # mode of the warehouse WAL while a connection writes
    umask_after: int
    archive_before: dict   # sha -> path after the full run
    archive_after: dict    # ... after the rerun
    lost_rel: str          # inbox file whose archive copy was deleted before the rerun
    warehouse: tuple       # compared warehouse contents after the full run, after the rerun
    reporting: tuple       # published contents after the full run, after the rerun


def _archive(out: Path) -> dict[str, Path]:
    return {p.name.split(".", 1)[0]: p for p in (out / "archiv").iterdir()}


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> TwoRuns:
    """Two registry snapshots, a withdrawn consent, a quarantined row, a rejected and an unknown file;
    the full run starts with umask 022 (as `dagster dev` from a shell would); before the rerun every
    archive copy is aged past the retention period and one copy of a snapshot in use is deleted."""
    tmp = tmp_path_factory.mktemp("zwei_laeufe")
    inbox = Inbox(tmp / "inbox")
    out = tmp / "out"
    rows = standard_rows(n=8)
    write_standard(inbox, D1, {"teilnehmende": rows["teilnehmende"][:6]}, kinds=["teilnehmende"])
    rows["teilnehmende"][2] = person(3, widerruf=D1)
    rows["kontakte"].append(kontakt(1, 5, datum="40.03.2025"))  # no such date: quarantined
    write_standard(inbox, D2, rows)
    inbox.raw("jobcenter/massnahmen_2026-13-01.csv", b"x")  # no valid Datenstand: rejected
    inbox.raw("asyl/notizen.docx", b"nur eine Notiz")  # unknown kind: reported, ignored

    with dg.instance_for_test() as instance:
        old_umask = os.umask(0o022)
        try:
            first = run(inbox.root, out, HEUTE, instance=instance)
            umask_after = os.umask(0o022)
            modes = {p: _mode(out / p) for p in ("warehouse.duckdb", "archiv", ".phasenmonitor.lock", "reporting.duckdb") if (out / p).exists()}
            modes.update({f"archiv/{p.name}": _mode(p) for p in (out / "archiv").iterdir()})
            for ordner in ("bericht", "intern"):
                if (out / ordner).is_dir():
                    modes[ordner] = _mode(out / ordner)
                    modes.update({f"{ordner}/{p.name}": _mode(p) for p in (out / ordner).iterdir()})
            resource = PhasenmonitorResource(settings_json=Settings(inbox=inbox.root, out=out).model_dump_json())
            with resource.warehouse() as con:
                con.execute("CREATE TABLE meta.probe AS SELECT range AS i FROM range(1000)")
                wal = out / "warehouse.duckdb.wal"
                wal_mode = _mode(wal) if wal.exists() else None
                con.execute("DROP TABLE meta.probe")
        finally:
            os.umask(old_umask)
        assert first.success, first.failures
        files = {r["datei"]: r for r in query(out / "warehouse.duckdb", "SELECT * FROM meta.dateien")}
        wh1 = _contents(out / "warehouse.duckdb", WAREHOUSE_COMPARED)
        rep1 = _contents(out / "reporting.duckdb", ("kennzahlen", "bericht")) if report_modules_ready() else None

        archive_before = _archive(out)
        past = time.time() - 100 * 86400
        for p in archive_before.values():
            os.utime(p, (past, past))
        lost_rel = "asyl/kontakte_2026-11-20.csv"
        archive_before[files[lost_rel]["inhalt_sha256"]].unlink()

        second = run(inbox.root, out, HEUTE, instance=instance)
        wh2 = _contents(out / "warehouse.duckdb", WAREHOUSE_COMPARED)
        rep2 = _contents(out / "reporting.duckdb", ("kennzahlen", "bericht")) if report_modules_ready() else None
        return TwoRuns(
            inbox, out, _materializations(instance, first.run_id), _materializations(instance, second.run_id),
            second.success, files, modes, wal_mode, umask_after, archive_before, _archive(out), lost_rel,
            (wh1, wh2), (rep1, rep2),
        )


def test_rerun_parses_nothing_and_publishes_identical_tables(two_runs):
    r = two_runs
    assert sum(v["dateien_verarbeitet"] for k, v in r.first.items() if k.startswith("staging/")) == 9
    assert r.files["asyl/teilnehmende_2026-11-01.csv"]["status"] == "ersetzt"
    assert r.files["jobcenter/massnahmen_2026-13-01.csv"]["status"] == r.files["asyl/notizen.docx"]["status"] == "abgelehnt"

    assert r.second_success
    assert r.second["raw/eingang"]["neue_dateien"] == 0
    assert r.second["raw/eingang"]["gehashte_dateien"] == 0  # size and mtime unchanged: not even read
    staging = {k: v for k, v in r.second.items() if k.startswith("staging/")}
    assert len(staging) == 8
    assert all(v["dateien_verarbeitet"] == 0 for v in staging.values()), staging
    assert r.warehouse[1] == r.warehouse[0]
    if r.reporting[0] is not None:
        assert r.reporting[1] == r.reporting[0]


DOWNSTREAM = ("kennzahlen/teilnahme", "kennzahlen/mentoring", "kennzahlen/datenqualitaet", "kennzahlen/ueberblick",
              "bericht/tabellen", "bericht/reporting_db", "bericht/dateien")


def test_unchanged_inputs_skip_the_downstream_work_and_every_change_recomputes(tmp_path):
    """assets/stand.py: a rerun on the same Eingabestand skips the kennzahlen and bericht work;
    recomputing from scratch gives the same tables; a changed setting, a changed run day and a
    deleted council file each make the affected assets recompute."""
    inbox = Inbox(tmp_path / "inbox")
    out = tmp_path / "out"
    write_standard(inbox, D2, standard_rows(n=8))
    with dg.instance_for_test() as instance:
        def lauf(**kw):
            s = run(inbox.root, out, HEUTE, instance=instance, **kw)
            assert s.success, s.failures
            return _materializations(instance, s.run_id)

        def tabellen():
            return _contents(out / "reporting.duckdb", ("kennzahlen", "bericht"))

        erster = lauf()
        assert all(erster[a]["neu_berechnet"] is True for a in DOWNSTREAM)
        stand1 = tabellen()

        zweiter = lauf()
        assert all(zweiter[a]["neu_berechnet"] is False for a in DOWNSTREAM), {a: zweiter[a] for a in DOWNSTREAM}
        # the skipped materialisations still carry the figures the UI shows
        assert zweiter["kennzahlen/teilnahme"]["teilnehmende_gesamt"] == erster["kennzahlen/teilnahme"]["teilnehmende_gesamt"]
        assert tabellen() == stand1

        # recomputed from scratch: the same tables (idempotent computation, not just a skip)
        con = duckdb.connect(str(out / "warehouse.duckdb"))
        con.execute("DELETE FROM meta.zustand WHERE schluessel LIKE 'eingabestand:%'")
        con.close()
        dritter = lauf()
        assert all(dritter[a]["neu_berechnet"] is True for a in DOWNSTREAM)
        assert tabellen() == stand1

        # another allowance rate: everything downstream recomputes, and the amounts change
        vierter = lauf(stundensatz_eur=20.0)
        assert all(vierter[a]["neu_berechnet"] is True for a in DOWNSTREAM)
        assert tabellen() != stand1

        # a council file deleted by hand: only the step that writes it recomputes, and restores it
        docx = next((out / "bericht").glob("sachstand_*.docx"))
        docx.unlink()
        fuenfter = lauf(stundensatz_eur=20.0)
        assert fuenfter["bericht/dateien"]["neu_berechnet"] is True and docx.is_file()
        assert all(fuenfter[a]["neu_berechnet"] is False for a in DOWNSTREAM if a != "bericht/dateien")

        # the next day: consent is judged against the run day, so everything is recomputed
        sechster = run(inbox.root, out, HEUTE + timedelta(days=1), instance=instance, stundensatz_eur=20.0)
        assert sechster.success
        assert all(_materializations(instance, sechster.run_id)[a]["neu_berechnet"] is True for a in DOWNSTREAM)


def test_retention_deletes_old_copies_but_keeps_those_in_use(two_runs):
    r = two_runs
    alt = r.files["asyl/teilnehmende_2026-11-01.csv"]
    in_use = {f["inhalt_sha256"] for f in r.files.values() if f["status"] == "verwendet"}
    assert len(in_use) == 8 and alt["inhalt_sha256"] not in in_use
    # after the full run every copy is young and stays, in use or not
    assert set(r.archive_before) == in_use | {alt["inhalt_sha256"]}
    # the rerun, 100 days later: the copy no longer in use is deleted, the copies in use stay
    # (files referring to them are re-checked against them), and the missing one is restored
    assert r.second["raw/eingang"]["archiv_geloescht"] == 1
    assert set(r.archive_after) == in_use
    assert r.second["raw/eingang"]["archiv_wiederhergestellt"] == 1
    lost = r.archive_after[r.files[r.lost_rel]["inhalt_sha256"]]
    assert lost.read_bytes() == r.inbox.path(r.lost_rel).read_bytes()


def test_warehouse_and_archive_are_private_whatever_the_umask(two_runs):
    r = two_runs
    assert r.modes["warehouse.duckdb"] == 0o600
    assert r.modes["archiv"] == 0o700
    assert r.modes[".phasenmonitor.lock"] == 0o600
    assert [m for k, m in r.modes.items() if k.startswith("archiv/")] and all(
        m == 0o600 for k, m in r.modes.items() if k.startswith("archiv/")
    )
    if "reporting.duckdb" in r.modes:
        assert r.modes["reporting.duckdb"] == 0o644  # the published file is meant to be read
    assert r.wal_mode == 0o600  # while a connection writes, the WAL holds the same microdata
    # The council files are passed on: readable although the run writes under umask 0077
    assert r.modes["bericht"] == 0o755
    bericht = {k: m for k, m in r.modes.items() if k.startswith("bericht/")}
    assert any(k.endswith(".docx") for k in bericht)
    assert all(m == 0o644 for m in bericht.values()), bericht
    # The data-quality report shows unsuppressed small counts: internal, owner only, never in bericht/
    assert not [k for k in bericht if "datenqualitaet" in k], bericht
    assert r.modes["intern"] == 0o700
    intern = {k: m for k, m in r.modes.items() if k.startswith("intern/")}
    assert any(k.startswith("intern/datenqualitaet_") and k.endswith(".html") for k in intern), intern
    assert all(m == 0o600 for m in intern.values()), intern
    assert r.umask_after == 0o022  # the process umask is restored after the run
    assert _mode(r.archive_after[r.files[r.lost_rel]["inhalt_sha256"]]) == 0o600  # also a restored copy


# --- a renamed column: alias in the configuration file, no code --------------------------------------

def test_header_alias_in_config_file_rechecks_the_rejected_file(tmp_path, monkeypatch):
    """docs/betrieb.md: a partner renames a column; an alias in PHASENMONITOR_CONFIG fixes it on the next run."""
    from assets.staging.load import check_key, register_inbox, stage_kind
    from assets.staging.schema import ensure_schema
    from sources.discovery import discover
    from sources.kinds import BY_NAME
    from sources.pseudonym import Pseudonymizer

    from conftest import KEY, headers, rel_name

    inbox = Inbox(tmp_path / "inbox")
    rows = standard_rows(n=4)
    write_standard(inbox, D2, rows, kinds=["teilnehmende"])
    contract = headers("massnahmen")
    renamed = ["Art der Maßnahme" if h == "Maßnahmeart" else h for h in contract]
    rel = rel_name("massnahmen", D2)
    inbox.csv(rel, [[r[h] for h in contract] for r in rows["massnahmen"]], header=renamed, encoding="cp1252")

    def nightly(settings: Settings) -> dict:
        con = duckdb.connect(str(settings.warehouse_path))
        try:
            ensure_schema(con)
            pseud = Pseudonymizer(KEY)
            check_key(con, pseud)
            register_inbox(con, settings, discover(settings.inbox, settings.run_day))
            for kind in ("teilnehmende", "massnahmen"):
                stage_kind(con, settings, pseud, BY_NAME[kind])
            return dict(zip(("status", "grund"), con.execute("SELECT status, grund FROM meta.dateien WHERE datei = ?", [rel]).fetchone()))
        finally:
            con.close()

    monkeypatch.delenv("PHASENMONITOR_CONFIG", raising=False)
    (tmp_path / "out").mkdir()
    before = nightly(Settings.load(inbox=inbox.root, out=tmp_path / "out", heute=HEUTE))
    assert before["status"] == "abgelehnt" and "Pflichtspalte fehlt" in before["grund"]

    cfg = tmp_path / "config.yaml"
    cfg.write_text('spalten_aliase:\n  massnahmen:\n    Maßnahmeart: ["Art der Maßnahme"]\n', encoding="utf-8")
    monkeypatch.setenv("PHASENMONITOR_CONFIG", str(cfg))
    after = nightly(Settings.load(inbox=inbox.root, out=tmp_path / "out", heute=HEUTE))
    assert after == {"status": "verwendet", "grund": None}


def test_sensor_serves_every_configured_municipality(tmp_path, monkeypatch):
    """An inbox with a folder per municipality: one partition run of nachtlauf_kommunen per
    municipality whose file changed, none for the others."""
    from sources.settings import CONFIG_ENV
    from pipelines.partitions import KOMMUNEN_JOB_NAME

    (tmp_path / "config.yaml").write_text("kommunen: [hilden, haan]\n", encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "config.yaml"))
    root = tmp_path / "eingang"
    settings = Settings(inbox=root, out=tmp_path / "daten", kommunen=["hilden", "haan"], eingang_ruhezeit_sekunden=30)
    resource = PhasenmonitorResource(settings_json=settings.model_dump_json())
    written = {}
    for kommune in ("hilden", "haan"):
        inbox = Inbox(root / kommune)
        written[kommune] = write_standard(inbox, D2, standard_rows(n=3), kinds=["teilnehmende"])["teilnehmende"]
        _old(inbox.path(written[kommune]))
    with dg.instance_for_test() as instance:
        first = _tick(instance, resource, None)
        assert sorted((r.job_name, r.partition_key) for r in first.run_requests) == [
            (KOMMUNEN_JOB_NAME, "haan"), (KOMMUNEN_JOB_NAME, "hilden")]
        assert _tick(instance, resource, first.cursor).run_requests == []
        haan = Inbox(root / "haan")
        haan.csv(written["haan"], standard_rows(n=4)["teilnehmende"])
        _old(haan.path(written["haan"]), 600)
        changed = _tick(instance, resource, first.cursor)
        assert [(r.job_name, r.partition_key) for r in changed.run_requests] == [(KOMMUNEN_JOB_NAME, "haan")]
