"""Schedules of the code location: the nightly run and the cleanup of Dagster's own history.

Dagster keeps every run and its event log for ever (there is no run retention in dagster.yaml,
only for schedule/sensor ticks). ``historie_bereinigen`` deletes finished runs older than
``Settings.dagster_historie_tage`` through the instance API (``DagsterInstance.delete_run``
removes the run and its events; the run's captured step logs are deleted too). It keeps runs
that are not finished and the newest successful ``nachtlauf``, so the UI always shows when the
assets were last materialised even after a long pause. It touches only Dagster's storage, never
the warehouse.
"""


from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import dagster as dg

from pipelines.jobs import NIGHTLY_JOB_NAME, nightly_job
from sources.settings import Settings

ZEITZONE = "Europe/Berlin"
NACHTLAUF_CRON = "0 2 * * *"
# After the nightly run, so a slow night is not slowed further.
BEREINIGUNG_CRON = "30 4 * * *"
CLEANUP_JOB_NAME = "historie_bereinigen"
# Runs are deleted in pages so a years-old instance does not load every record at once.
SEITE = 500

FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


@dataclass
class Bereinigung:
    geloescht: list[str] = field(default_factory=list)
    behalten: str | None = None  # the newest successful nightly run, kept whatever its age


def prune_run_history(instance: dg.DagsterInstance, max_age_days: int, now: datetime | None = None) -> Bereinigung:
    """Delete finished runs (and their event logs) created more than ``max_age_days`` ago."""
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=max_age_days)
    result = Bereinigung()
    newest_ok = instance.get_run_records(
        filters=dg.RunsFilter(job_name=NIGHTLY_JOB_NAME, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
    )
    if newest_ok:
        result.behalten = newest_ok[0].dagster_run.run_id
    while True:
        records = instance.get_run_records(
            filters=dg.RunsFilter(created_before=cutoff, statuses=FINISHED), limit=SEITE, ascending=True
        )
        batch = [r.dagster_run.run_id for r in records if r.dagster_run.run_id != result.behalten]
        for run_id in batch:
            instance.delete_run(run_id)
            _delete_compute_logs(instance, run_id)
        result.geloescht.extend(batch)
        if len(records) < SEITE:
            return result


def _delete_compute_logs(instance: dg.DagsterInstance, run_id: str) -> None:
    """Captured stdout/stderr of the run's steps live under the run id (local compute log manager)."""
    try:
        instance.compute_log_manager.delete_logs(prefix=[run_id])
    except NotImplementedError:  # a log manager without deletion (e.g. a no-op one)
        pass


@dg.op(
    description=(
        "Löscht abgeschlossene Dagster-Läufe samt Ereignisprotokoll, die älter als "
        "dagster_historie_tage sind; der letzte erfolgreiche Nachtlauf bleibt erhalten."
    ),
)
def dagster_historie_bereinigen(context: dg.OpExecutionContext) -> dg.Output:
    # Settings from the configuration file only: this job never opens a warehouse, so it takes
    # no writer lock and waits for no nightly run (assets/resources.py).
    days = Settings.load().dagster_historie_tage
    result = prune_run_history(context.instance, days)
    context.log.info(f"{len(result.geloescht)} Läufe älter als {days} Tage gelöscht.")
    return dg.Output(
        len(result.geloescht),
        metadata={"geloeschte_laeufe": len(result.geloescht), "aufbewahrung_tage": days},
    )


@dg.job(
    name=CLEANUP_JOB_NAME,
    description="Räumt Dagsters Laufhistorie auf (Aufbewahrung: dagster_historie_tage).",
)
def cleanup_job():
    dagster_historie_bereinigen()

nachtlauf_schedule = dg.ScheduleDefinition(
    name="nachtlauf_0200",
    job=nightly_job,
    cron_schedule=NACHTLAUF_CRON,
    execution_timezone=ZEITZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    tags={"phasenmonitor/ausloeser": "zeitplan"},
    description="Nachtlauf jede Nacht um 02:00 Uhr (Europe/Berlin).",
)

bereinigung_schedule = dg.ScheduleDefinition(
    name="historie_bereinigen_0430",
    job=cleanup_job,
    cron_schedule=BEREINIGUNG_CRON,
    execution_timezone=ZEITZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Löscht jede Nacht um 04:30 Uhr Dagster-Läufe, die älter als dagster_historie_tage sind.",
)

SCHEDULES: list[dg.ScheduleDefinition] = [nachtlauf_schedule, bereinigung_schedule]
