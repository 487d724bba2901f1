"""The nightly job: every asset and check, in one process (the executor of the Definitions)."""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB_NAME = "nachtlauf"
# Every run that writes the warehouse carries this tag; the instance (deploy/dagster.yaml) allows
# one run per tag value at a time, because DuckDB allows one writer process per file.
WAREHOUSE_TAG = "phasenmonitor/warehouse"
WAREHOUSE_TAG_VALUE = "schreiben"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    tags={WAREHOUSE_TAG: WAREHOUSE_TAG_VALUE},
    description="Eingang lesen, prüfen, ins Warehouse laden, Kennzahlen berechnen, Ratsunterlagen schreiben.",
)
