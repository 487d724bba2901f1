"""The Dagster code location of phasenmonitor (`dagster dev -w workspace.yaml`)."""

from __future__ import annotations

import os

import dagster as dg

from assets.metrics.assets import METRIC_ASSETS
from assets.raw.inbox import raw_eingang
from assets.report.assets import REPORT_ASSETS
from assets.staging.assets import STAGING_ASSETS
from sources.settings import Settings
from pipelines.jobs import nightly_job
from pipelines.partitions import kommunen_job
from pipelines.release_job import release_job
from assets.resources import PhasenmonitorResource
from pipelines.schedules import SCHEDULES
from pipelines.sensors import build_eingang_sensor


def default_resource() -> PhasenmonitorResource:
    return PhasenmonitorResource(
        inbox=os.environ.get("PHASENMONITOR_INBOX", "data/inbox"),
        out=os.environ.get("PHASENMONITOR_OUT", "data/out"),
    )


def build_definitions(resource: PhasenmonitorResource | None = None) -> dg.Definitions:
    # The in-process executor for every run of the location, also the UI's "Materialize all"
    # and `dagster asset materialize`: DuckDB allows one writer process per file, and the
    # multiprocess executor would open the warehouse from a process per step.
    kommunen = kommunen_job(Settings.load().kommunen)
    return dg.Definitions(
        executor=dg.in_process_executor,
        assets=[raw_eingang, *STAGING_ASSETS, *METRIC_ASSETS, *REPORT_ASSETS],
        jobs=[nightly_job, kommunen, release_job],
        schedules=SCHEDULES,
        sensors=[build_eingang_sensor(kommunen)],
        resources={"phasenmonitor": resource or default_resource()},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev`, the daemon and `dagster asset materialize` load. A function, so that
    importing this module reads no configuration: the municipalities of ``nachtlauf_kommunen``
    come from ``Settings.load()`` when the code location loads, not when a test imports it."""
    return build_definitions()
