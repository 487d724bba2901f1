"""One writer per data folder: an exclusive ``flock`` on ``OUT/.phasenmonitor.lock``.

Dagster keeps runs apart with its own means (docs/architektur.md): the run queue allows one
queued run per warehouse (tag ``phasenmonitor/warehouse``, deploy/dagster.yaml) and the pool
``warehouse`` bounds the writer steps of one instance. Neither sees what runs outside the
instance: a ``phasenmonitor run`` on another DAGSTER_HOME, ``dagster asset materialize`` on a
temporary instance, the backup that holds this lock while it copies the data folder
(docs/betrieb.md). This lock is DuckDB's rule (one writer process per file) made explicit, per
file and not per machine; the kernel drops it when the holding process dies, so a killed run
leaves nothing stale. A run that finds it held waits (``Settings.schreibsperre_warten_sekunden``)
and then gives up with one sentence. Kept free of Dagster imports: the command line checks it
before the heavy imports.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Callable

LOCK_NAME = ".phasenmonitor.lock"
LOCK_FILE_MODE = 0o600


class RunLocked(RuntimeError):
    """Another run (or a backup) holds the data folder."""


POLL_SECONDS = 1.0


def acquire_run_lock(out: Path, wait_seconds: float = 0, on_wait: Callable[[], None] | None = None) -> int:
    """Take the lock; if another process holds it, wait up to ``wait_seconds`` (``on_wait`` is
    called once when waiting begins), then fail with one sentence."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, LOCK_FILE_MODE)
    deadline = time.monotonic() + wait_seconds
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise RunLocked(f"Ein anderer Lauf schreibt gerade in {out}; dieser Lauf wurde nicht gestartet.") from None
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(POLL_SECONDS)


def release_run_lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def ensure_unlocked(out: Path) -> None:
    """Raise RunLocked if another process holds the data folder right now."""
    if out.is_dir():
        release_run_lock(acquire_run_lock(out))
