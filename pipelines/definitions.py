"""The Dagster code location of phasenmonitor (`dagster dev -w workspace.yaml`)."""

from __future__ import annotations

import os

import dagster as dg

from assets.metrics.assets import METRIC_ASSETS
from assets.raw.inbox import raw_eingang
from assets.report.assets import REPORT_ASSETS
from assets.staging.assets import STAGING_ASSETS
from checks.registry import ASSET_CHECKS
from pipelines.config import Settings
from pipelines.jobs import nightly_job
from pipelines.partitions import kommunen_job
from pipelines.resources import PhasenmonitorResource
from pipelines.schedules import SCHEDULES
from pipelines.sensors import SENSORS


def default_resource() -> PhasenmonitorResource:
    return PhasenmonitorResource(
        inbox=os.environ.get("PHASENMONITOR_INBOX", "data/inbox"),
        out=os.environ.get("PHASENMONITOR_OUT", "data/out"),
    )


def build_definitions(resource: PhasenmonitorResource | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[raw_eingang, *STAGING_ASSETS, *METRIC_ASSETS, *REPORT_ASSETS],
        asset_checks=ASSET_CHECKS,
        jobs=[nightly_job, kommunen_job(Settings.load().kommunen)],
        schedules=SCHEDULES,
        sensors=SENSORS,
        resources={"phasenmonitor": resource or default_resource()},
    )


defs = build_definitions()
