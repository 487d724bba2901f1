"""The nightly job: every asset and check, in one process (one DuckDB writer)."""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB_NAME = "nachtlauf"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Eingang lesen, prüfen, ins Warehouse laden, Kennzahlen berechnen, Ratsunterlagen schreiben.",
)
