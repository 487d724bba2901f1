"""Dagster resources: the settings of a run and the single DuckDB writer."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from assets.staging.load import check_key
from assets.series.register import ensure_register
from assets.staging.schema import ensure_schema, set_datenstand_bis
from sources.archive import FILE_MODE
from sources.pseudonym import KeyMissing, Pseudonymizer, load_key
from sources.runlock import acquire_run_lock, release_run_lock
from sources.settings import Settings


def remove_leftovers(settings: Settings) -> list[str]:
    """Remove what a killed run left behind; called with the run lock held, before any step.

    - ``reporting.duckdb.new`` (+ ``.wal``): a publication that never reached ``os.replace``;
      the published ``reporting.duckdb`` is still the previous, complete one.
    - ``archiv/*.tmp``: a copy that never reached ``os.replace``; the file is still new in
      ``meta.dateien`` terms (its transaction rolled back) and is copied again.
    - ``bericht/.neu-*``: the scratch folder of the council files; the files in ``bericht/`` are
      the previous, complete ones. ``bericht/.*.neu``: a data catalogue not yet renamed.
    - ``intern/*.tmp``: a data-quality report that never reached ``os.replace``.
    - ``warehouse.duckdb.tmp/``: DuckDB's spill files (microdata) of a killed connection.

    Never ``warehouse.duckdb.wal``: it holds committed transactions that DuckDB replays on the
    next open.
    """
    removed: list[str] = []
    pub_tmp = settings.reporting_path.with_name(settings.reporting_path.name + ".new")
    candidates = [pub_tmp, Path(str(pub_tmp) + ".wal"), Path(str(settings.warehouse_path) + ".tmp")]
    if settings.archive_dir.is_dir():
        candidates += sorted(settings.archive_dir.glob("*.tmp"))
    if settings.bericht_dir.is_dir():
        candidates += sorted(settings.bericht_dir.glob(".neu-*")) + sorted(settings.bericht_dir.glob(".*.neu"))
    if settings.intern_dir.is_dir():
        candidates += sorted(settings.intern_dir.glob("*.tmp"))
    for p in candidates:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()
        else:
            continue
        removed.append(p.relative_to(settings.out).as_posix())
    return removed


# Dagster's pool for every step that opens a warehouse (assets and checks); its limit lives in
# deploy/dagster.yaml (concurrency.pools.default_limit). See docs/architektur.md.
WAREHOUSE_POOL = "warehouse"
OWNER = "team:sozialamt-auswertung"


def warehouse_asset(**kwargs):
    """``dg.asset`` for a step that opens the warehouse: in the pool of the one writer, owned by the
    team that answers for the figures. Every asset of phasenmonitor is one."""
    return dg.asset(pool=WAREHOUSE_POOL, owners=[OWNER], **kwargs)


class PhasenmonitorResource(dg.ConfigurableResource):
    """Where the inbox and the data folder are, and the run's settings.

    ``settings_json`` carries a whole Settings object (paths, rates, factors; never the
    pseudonymisation key, which only ever comes from the environment).
    """

    inbox: str = "data/inbox"
    out: str = "data/out"
    stichtag: str | None = None
    # A reproduction from the launchpad (docs/betrieb.md): only with a Stichtag (Settings refuses it alone).
    datenstand_bis: str | None = None
    settings_json: str | None = None
    _lock_fd: int | None = PrivateAttr(default=None)
    # The run's one writer connection: opened by the first step that needs it, shared by the
    # steps of the in-process executor, closed when the run ends (teardown). Opening, checking
    # the schema and checkpointing on close cost ~30 ms a step otherwise.
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _old_umask: int | None = PrivateAttr(default=None)
    _tiefe: int = PrivateAttr(default=0)  # nesting of warehouse() blocks on the shared connection
    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Every run that uses this resource writes the warehouse (also a UI "Materialize all",
        # whose run carries no job tags) and holds the data folder's writer lock; sensors (no
        # run) do not, and the cleanup job does not use this resource. Resources are set up once
        # per run, before the first step claims a pool slot, so waiting here holds no slot.
        if context.dagster_run is not None:
            settings = self.settings()
            self._lock_fd = acquire_run_lock(
                settings.out,
                wait_seconds=settings.schreibsperre_warten_sekunden,
                on_wait=lambda: context.log.warning(
                    f"Ein anderer Lauf schreibt gerade in {settings.out}; dieser Lauf wartet, bis er fertig ist."
                ),
            )
            try:
                self._refuse_another_key(settings)
                removed = remove_leftovers(settings)
            except BaseException:
                release_run_lock(self._lock_fd)
                self._lock_fd = None
                raise
            if removed:
                context.log.warning(f"Reste eines abgebrochenen Laufs entfernt: {', '.join(removed)}")

    def _refuse_another_key(self, settings: Settings) -> None:
        """A warehouse built with another key is refused before any step opens it for writing
        (read-only, so nothing changes; raw/eingang registers the key of a new warehouse)."""
        try:
            key = load_key()
        except KeyMissing:  # a run of metric assets only needs none; raw/eingang says so itself
            return
        if not settings.warehouse_path.exists():
            return
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            check_key(con, Pseudonymizer(key), register=False)
        finally:
            con.close()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._close_shared()
        if self._lock_fd is not None:
            release_run_lock(self._lock_fd)
            self._lock_fd = None

    def settings(self) -> Settings:
        """The run's settings, read once: Dagster builds one resource instance per run, and every
        step of the run asks it (the YAML file of PHASENMONITOR_CONFIG is not re-read per step)."""
        if self._settings is None:
            if self.settings_json:
                self._settings = Settings.model_validate_json(self.settings_json)
            else:
                self._settings = Settings.load(
                    inbox=Path(self.inbox), out=Path(self.out), stichtag=self.stichtag, datenstand_bis=self.datenstand_bis)
        return self._settings

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse, created private (0600). One connection at a time: one writer per file.

        Inside a writing run (the run lock is held) the connection is shared by all steps and
        closed at the end of the run; elsewhere (sensors, tests, scripts) it is closed on exit.
        """
        if self._lock_fd is None:
            con, old_umask = self._open()
            try:
                yield con
            finally:
                con.close()
                os.umask(old_umask)
            return
        if self._con is None:
            self._con, self._old_umask = self._open()
            # The writing run's Datenstand limit, before any step reads aktuell.*: every step of
            # the run sees the same snapshots (intern.staende); a run without one clears it.
            set_datenstand_bis(self._con, self.settings().datenstand_bis)
        self._tiefe += 1
        try:
            yield self._con
        finally:
            self._tiefe -= 1
            if self._tiefe == 0:
                # What closing the connection did when each step had its own: a transaction a
                # step left open (failed, or never committed) is rolled back, not inherited.
                try:
                    self._con.rollback()
                except duckdb.Error:
                    pass  # no transaction was open: the normal case

    def _close_shared(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._old_umask is not None:
            os.umask(self._old_umask)
            self._old_umask = None

    def _open(self) -> tuple[duckdb.DuckDBPyConnection, int]:
        settings = self.settings()
        settings.out.mkdir(parents=True, exist_ok=True)
        path = settings.warehouse_path
        # The WAL and DuckDB's spill files hold the same microdata: private while the connection
        # lives, whatever umask the process was started with (e.g. `dagster dev` in a shell).
        old_umask = os.umask(0o077)
        try:
            con = duckdb.connect(str(path))
        except BaseException:
            os.umask(old_umask)
            raise
        try:
            for p in (path, Path(str(path) + ".wal")):
                if p.exists():
                    os.chmod(p, FILE_MODE)
            # DuckDB's buffer pool would otherwise grow to 80 % of RAM beside polars' frames of
            # the same rows; above the limit it spills to OUT/warehouse.duckdb.tmp (removed as a leftover).
            con.execute(f"SET memory_limit = '{int(settings.duckdb_speicher_mb)}MB'")
            ensure_schema(con)
            ensure_register(con)
        except BaseException:
            con.close()
            os.umask(old_umask)
            raise
        return con, old_umask
