"""Dagster resources: the settings of a run and the single DuckDB writer."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

from pipelines.config import Settings
from sources.archive import FILE_MODE


class PhasenmonitorResource(dg.ConfigurableResource):
    """Where the inbox and the data folder are, and the run's settings.

    ``settings_json`` carries a whole Settings object (paths, rates, factors; never the
    pseudonymisation key, which only ever comes from the environment).
    """

    inbox: str = "data/inbox"
    out: str = "data/out"
    stichtag: str | None = None
    settings_json: str | None = None

    def settings(self) -> Settings:
        if self.settings_json:
            return Settings.model_validate_json(self.settings_json)
        return Settings.load(inbox=Path(self.inbox), out=Path(self.out), stichtag=self.stichtag)

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse, created private (0600). One connection at a time: one writer per file."""
        from assets.staging.schema import ensure_schema

        settings = self.settings()
        settings.out.mkdir(parents=True, exist_ok=True)
        path = settings.warehouse_path
        con = duckdb.connect(str(path))
        try:
            for p in (path, Path(str(path) + ".wal")):
                if p.exists():
                    os.chmod(p, FILE_MODE)
            ensure_schema(con)
            yield con
        finally:
            con.close()
