"""Running the nightly job in-process, the way the CLI and the tests do it."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from pipelines.config import Settings
from pipelines.runlock import RunLocked, ensure_unlocked
from sources.pseudonym import KEY_ENV, KEY_FILE_ENV, load_key

if TYPE_CHECKING:  # dagster is imported only when a run starts: refusals answer at once
    import dagster as dg


class RunRefused(RuntimeError):
    """The run cannot produce reports; the message is one sentence for the user."""


@dataclass
class RunSummary:
    success: bool
    stichtag: date | None = None
    failures: list[str] = field(default_factory=list)
    failure_details: list[str] = field(default_factory=list)  # full error with stack, per failed step
    step_seconds: dict[str, float] = field(default_factory=dict)
    run_id: str = ""


@contextmanager
def _key_in_env(key: bytes | None) -> Iterator[None]:
    """Tests pass a key directly; it only ever lives in this process's environment."""
    if key is None:
        yield
        return
    saved = {k: os.environ.get(k) for k in (KEY_ENV, KEY_FILE_ENV)}
    os.environ[KEY_ENV] = key.decode("utf-8")
    os.environ.pop(KEY_FILE_ENV, None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def preflight(settings: Settings) -> bool:
    """The reasons a run cannot even start, as one clear sentence each.

    Returns whether the inbox may hold something to check (a file the warehouse has not seen
    with this size and mtime, or one registered but not yet staged): then the run starts the GX
    helper early (checks/gx_helfer.py)."""
    load_key()  # raises KeyMissing with its own sentence
    inbox = settings.inbox
    if not inbox.exists():
        raise RunRefused(f"Der Eingangsordner {inbox} existiert nicht.")
    if not inbox.is_dir() or not os.access(inbox, os.R_OK | os.X_OK):
        raise RunRefused(f"Der Eingangsordner {inbox} ist kein lesbarer Ordner.")
    try:  # before opening the warehouse: a running writer would make that fail with a lock error
        ensure_unlocked(settings.out)
    except RunLocked as exc:
        raise RunRefused(str(exc)) from None
    return _check_warehouse_key(settings)


def _check_warehouse_key(settings: Settings) -> bool:
    """Refuse before the job starts when the warehouse was built with another key (the raw step
    checks again under the run lock; this is what gives the user one sentence instead of a failed run).
    Returns whether the inbox may hold something new (see ``preflight``)."""
    import duckdb

    from sources.discovery import discover
    from sources.pseudonym import Pseudonymizer

    try:
        current = {(f.rel, f.size, f.mtime_ns) for f in discover(settings.inbox, settings.run_day) if f.problem is None}
    except OSError:
        current = set()
    path = settings.warehouse_path
    if not path.exists():
        return bool(current)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return bool(current)  # another process is writing it; the raw step decides
    neu = bool(current)
    try:
        row = con.execute("SELECT wert FROM meta.zustand WHERE schluessel = 'schluessel_fingerabdruck'").fetchone()
        known = set(con.execute("SELECT datei, groesse_bytes, mtime_ns FROM meta.dateien WHERE im_eingang").fetchall())
        offen = con.execute("SELECT count(*) FROM meta.dateien WHERE im_eingang AND status = 'neu'").fetchone()[0]
        neu = bool(current - known) or bool(offen)
    except duckdb.Error:
        row = None
    finally:
        con.close()
    if row and row[0] != Pseudonymizer(load_key()).fingerprint:
        raise RunRefused(
            f"Das Warehouse {path} wurde mit einem anderen Pseudonymisierungsschlüssel aufgebaut; "
            "Schlüsselwechsel siehe docs/betrieb.md (Warehouse neu aufbauen)."
        )
    return neu


def _instance() -> dg.DagsterInstance:
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_pipeline(
    settings: Settings,
    key: bytes | None = None,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "WARNING",
    gx_vorsorglich: bool = False,
) -> RunSummary:
    """Execute the nightly job in-process against ``settings.inbox`` / ``settings.out``.

    ``log_level`` is the console log level of the run; the CLI raises it and reports failures
    itself (the full errors are in ``RunSummary.failure_details`` and in the instance's event log).
    ``gx_vorsorglich``: the caller started the GX helper before knowing whether anything is new;
    it is stopped if the preflight finds nothing."""
    with _key_in_env(key):
        etwas_neu = preflight(settings)  # before the heavy imports: a refusal answers at once
        from checks import gx_helfer

        if etwas_neu:  # GX imports on the other core while Dagster starts and the files are parsed
            gx_helfer.starten()
        elif gx_vorsorglich:  # started by the CLI before it knew: nothing to check after all
            gx_helfer.beenden()
        from pipelines.definitions import build_definitions
        from pipelines.jobs import NIGHTLY_JOB_NAME
        from pipelines.resources import PhasenmonitorResource

        settings.out.mkdir(parents=True, exist_ok=True)
        resource = PhasenmonitorResource(settings_json=settings.model_dump_json())
        job = build_definitions(resource).resolve_job_def(NIGHTLY_JOB_NAME)
        inst = instance or _instance()
        # The helper outlives the run: the next run of this process (tests, scripts) reuses it;
        # it ends with the process.
        result = job.execute_in_process(
            instance=inst,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    summary = RunSummary(success=result.success, run_id=result.run_id)
    for stats in inst.get_run_step_stats(result.run_id):
        if stats.start_time and stats.end_time:
            summary.step_seconds[stats.step_key] = round(stats.end_time - stats.start_time, 3)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            err = event.step_failure_data.error
            cause = err
            while cause is not None and cause.cause is not None and cause.cls_name in ("DagsterExecutionStepExecutionError",):
                cause = cause.cause
            summary.failures.append(f"{event.step_key}: {(cause or err).message.strip().splitlines()[-1] if (cause or err).message else ''}")
            summary.failure_details.append(f"{event.step_key}:\n{err.to_string()}")
    summary.stichtag = _read_stichtag(settings)
    return summary


def _read_stichtag(settings: Settings) -> date | None:
    import duckdb

    from assets.metrics.zeitraum import KeinStichtag, resolve_stichtag

    if not settings.warehouse_path.exists():
        return None
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return resolve_stichtag(con, settings.stichtag)
    except KeinStichtag:
        return None
    finally:
        con.close()


def has_registry(settings: Settings) -> bool:
    import duckdb

    if not settings.warehouse_path.exists():
        return False
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return bool(con.execute("SELECT count(*) FROM meta.dateien WHERE art = 'teilnehmende' AND status = 'verwendet'").fetchone()[0])
    finally:
        con.close()


def reporting_path(out: Path) -> Path:
    return out / "reporting.duckdb"
