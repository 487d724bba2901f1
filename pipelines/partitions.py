"""One partition per municipality: the scale-out path of docs/skalierung.md.

The nightly job ``nachtlauf`` (one inbox, one data folder) stays exactly as it is; the CLI
``phasenmonitor run --inbox DIR --out DIR`` runs it. ``nachtlauf_kommunen`` is the same asset
graph as a second job whose run config comes from a ``StaticPartitionsDefinition`` of the
municipalities in ``Settings.kommunen`` (default: only ``hilden``): the run for partition key
``k`` reads ``INBOX/k`` and writes ``OUT/k`` (its own warehouse.duckdb and reporting.duckdb).

Why partitioned *config* and not partitioned assets: every municipality has its own DuckDB
warehouse (one writer per file), so the asset graph itself is not split by rows; what differs per
partition is where the run reads and writes. Runs of different partitions touch different files
and may run side by side (on a multiprocess/Celery/Kubernetes run launcher with a shared
PostgreSQL run storage); runs of the same partition are serialised by the warehouse tag, whose
value is per municipality.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.jobs import WAREHOUSE_TAG

KOMMUNEN_JOB_NAME = "nachtlauf_kommunen"
INBOX_ROOT_ENV = "PHASENMONITOR_INBOX"
OUT_ROOT_ENV = "PHASENMONITOR_OUT"


def kommunen_partitions(kommunen: list[str]) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition(list(kommunen))


def kommunen_job(kommunen: list[str], inbox_root: str | None = None, out_root: str | None = None):
    """The nightly graph partitioned by municipality: partition ``k`` = ``INBOX_ROOT/k`` -> ``OUT_ROOT/k``.

    The roots default to ``PHASENMONITOR_INBOX`` / ``PHASENMONITOR_OUT`` (read when a run is
    launched, so a code location can be loaded without them)."""
    partitions = kommunen_partitions(kommunen)

    def _roots() -> tuple[Path, Path]:
        return (
            Path(inbox_root or os.environ.get(INBOX_ROOT_ENV, "data/inbox")),
            Path(out_root or os.environ.get(OUT_ROOT_ENV, "data/out")),
        )

    def _config(partition_key: str) -> dict:
        inbox, out = _roots()
        return {
            "resources": {
                "phasenmonitor": {"config": {"inbox": str(inbox / partition_key), "out": str(out / partition_key), "settings_json": None}}
            }
        }

    def _tags(partition_key: str) -> dict[str, str]:
        # One writer per warehouse: the concurrency limit is per municipality, not global.
        return {WAREHOUSE_TAG: f"schreiben-{partition_key}"}

    config = dg.PartitionedConfig(partitions_def=partitions, run_config_for_partition_key_fn=_config, tags_for_partition_key_fn=_tags)
    return dg.define_asset_job(
        KOMMUNEN_JOB_NAME,
        selection=dg.AssetSelection.all(),
        config=config,
        tags={WAREHOUSE_TAG: "schreiben"},
        description="Nachtlauf je Kommune (Partition = Kommune): Eingang EINGANG/<kommune>, Daten DATEN/<kommune>.",
    )
