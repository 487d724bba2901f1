"""Running the nightly job in-process, the way the CLI and the tests do it."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from sources.archive import open_private
from sources.settings import Settings
from sources.runlock import RunLocked, ensure_unlocked
from sources.key_names import KEY_ENV, KEY_FILE_ENV
from sources.pseudonym import load_key

if TYPE_CHECKING:  # dagster is imported only when a run starts: refusals answer at once
    import dagster as dg


class RunRefused(RuntimeError):
    """The run cannot produce reports; the message is one sentence for the user."""


@dataclass
class RunSummary:
    """What the run itself reported: its events and the metadata of its materialisations."""

    success: bool
    stichtag: date | None = None
    failures: list[str] = field(default_factory=list)  # "step: last line of the error", one per failed step
    refusal: str | None = None  # one sentence when a step refused the run (another key's warehouse)
    step_seconds: dict[str, float] = field(default_factory=dict)
    run_id: str = ""
    materialized: dict[str, dict[str, Any]] = field(default_factory=dict)  # asset key -> metadata values
    details: list[str] = field(default_factory=list)  # the full errors, for details_file only
    details_file: Path | None = None

    @property
    def staged(self) -> bool:
        """The staging of the registry ran (so "no valid registry" is a finding, not a failure)."""
        return "staging/teilnehmende" in self.materialized

    def meta(self, asset: str, key: str, default: Any = None) -> Any:
        return self.materialized.get(asset, {}).get(key, default)

    @property
    def has_registry(self) -> bool:
        """A valid participant registry is in use (staging/teilnehmende says which file)."""
        return self.meta("staging/teilnehmende", "datei_in_gebrauch", "keine") != "keine"

    @property
    def published(self) -> bool:
        return "bericht/reporting_db" in self.materialized


# Errors a step raises on purpose, whose message is the sentence for the user (exit 2).
REFUSALS = ("KeyMismatch", "RunLocked", "FreigabeAbgelehnt")


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


def preflight(settings: Settings) -> None:
    """The reasons a run cannot even start, as one clear sentence each; no warehouse is opened
    (the run's own steps judge it: raw/eingang refuses a warehouse of another key)."""
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


def _instance() -> dg.DagsterInstance:
    import dagster as dg  # heavy (see run_pipeline); only once a run starts

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_pipeline(
    settings: Settings,
    key: bytes | None = None,
    instance: dg.DagsterInstance | None = None,
    log_level: str = "WARNING",
) -> RunSummary:
    """Execute the nightly job in-process against ``settings.inbox`` / ``settings.out``.

    ``log_level`` is the console log level of the run; the CLI lowers Dagster's console output
    and reports from the returned summary (the full errors are in the instance's event log)."""
    with _key_in_env(key):
        preflight(settings)
        # Dagster and the asset graph cost ~0.8 s to import: only after the preflight, so that a
        # refusal answers at once.
        from pipelines.definitions import build_definitions
        from pipelines.jobs import NIGHTLY_JOB_NAME
        from assets.resources import PhasenmonitorResource

        settings.out.mkdir(parents=True, exist_ok=True)
        resource = PhasenmonitorResource(settings_json=settings.model_dump_json())
        job = build_definitions(resource).resolve_job_def(NIGHTLY_JOB_NAME)
        inst = instance or _instance()
        result = job.execute_in_process(
            instance=inst,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    summary = summarize(result, inst)
    if summary.details and not summary.refusal:
        summary.details_file = _write_details(settings, summary)
    return summary


def run_release(settings: Settings, stichtag: date | None, instance: dg.DagsterInstance | None = None) -> RunSummary:
    """Execute the ``freigabe`` job in-process (``phasenmonitor freigeben``)."""
    try:
        ensure_unlocked(settings.out)
    except RunLocked as exc:
        raise RunRefused(str(exc)) from None
    if not settings.warehouse_path.exists():
        raise RunRefused(f"In {settings.out} gibt es noch kein Warehouse; bitte zuerst `phasenmonitor run` ausführen.")
    from pipelines.definitions import build_definitions  # heavy (see run_pipeline)
    from pipelines.release_job import RELEASE_JOB_NAME
    from assets.resources import PhasenmonitorResource

    resource = PhasenmonitorResource(settings_json=settings.model_dump_json())
    job = build_definitions(resource).resolve_job_def(RELEASE_JOB_NAME)
    inst = instance or _instance()
    result = job.execute_in_process(
        instance=inst, raise_on_error=False,
        run_config={"ops": {"freigabe_op": {"config": {"stichtag": stichtag.isoformat() if stichtag else None}}},
                    "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    summary = summarize(result, inst)
    for event in result.all_events:
        if event.event_type_value == "STEP_OUTPUT":
            summary.materialized["freigabe"] = {k: _value(v) for k, v in (event.event_specific_data.metadata or {}).items()}
    if summary.details and not summary.refusal:
        summary.details_file = _write_details(settings, summary)
    return summary


def _write_details(settings: Settings, summary: RunSummary) -> Path | None:
    """The full errors of a failed run, for whoever maintains the installation, in the private
    folder intern/ (0700/0600); the user sees one sentence per step. A temporary Dagster
    instance keeps no event log, so this file is where they can be read afterwards."""
    try:
        settings.intern_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = settings.intern_dir / f"lauf_{summary.run_id}.txt"
        with open_private(path, "w", encoding="utf-8") as fh:
            fh.write("\n\n".join(summary.details))
        return path
    except OSError:
        return None


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


def summarize(result, instance) -> RunSummary:
    """The summary of a finished run from its own events (no connection to the warehouse)."""
    summary = RunSummary(success=result.success, run_id=result.run_id)
    for stats in instance.get_run_step_stats(result.run_id):
        if stats.start_time and stats.end_time:
            summary.step_seconds[stats.step_key] = round(stats.end_time - stats.start_time, 3)
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            summary.materialized[mat.asset_key.to_user_string()] = {k: _value(v) for k, v in mat.metadata.items()}
        elif event.event_type_value in ("STEP_FAILURE", "RESOURCE_INIT_FAILURE"):
            err = event.step_failure_data.error if event.event_type_value == "STEP_FAILURE" else event.event_specific_data.error
            cause = err
            while cause is not None and cause.cause is not None and cause.cls_name not in REFUSALS:
                cause = cause.cause
            message = cause.message.strip().splitlines()[-1] if cause.message else ""
            if cause.cls_name in REFUSALS:
                summary.refusal = message.split(": ", 1)[-1]
            summary.failures.append(f"{event.step_key or 'Lauf'}: {message}")
            summary.details.append(f"{event.step_key or 'Lauf'}:\n{err.to_string()}")
    for asset in ("kennzahlen/datenqualitaet", "kennzahlen/teilnahme", "bericht/tabellen"):
        stichtag = summary.meta(asset, "stichtag")
        if stichtag and stichtag != "–":
            summary.stichtag = date.fromisoformat(stichtag)
            break
    return summary


def reporting_path(out: Path) -> Path:
    return out / "reporting.duckdb"


def run_kommune(kommune: str, instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    """Run partition ``kommune`` of ``nachtlauf_kommunen`` in this process on the instance of
    ``DAGSTER_HOME`` (e.g. PostgreSQL storage, bench/postgres_partitions.py)."""
    import dagster as dg  # heavy (see run_pipeline)

    from pipelines.definitions import build_definitions
    from pipelines.partitions import KOMMUNEN_JOB_NAME

    job = build_definitions().resolve_job_def(KOMMUNEN_JOB_NAME)
    return job.execute_in_process(partition_key=kommune, instance=instance or dg.DagsterInstance.get(), raise_on_error=False)


if __name__ == "__main__":  # python -m pipelines.runner KOMMUNE: one partition, as a worker would
    import sys

    result = run_kommune(sys.argv[1])
    print(f"{sys.argv[1]} {result.run_id} {'ok' if result.success else 'fehlgeschlagen'}")
    sys.exit(0 if result.success else 1)
