"""One run per data folder: an exclusive ``flock`` on ``OUT/.phasenmonitor.lock``.

The instance's run queue (tag ``phasenmonitor/warehouse``, limit 1, deploy/dagster.yaml)
serialises the runs the daemon starts; this lock also covers a ``phasenmonitor run`` started by
hand at the same time, and a backup that holds the lock while it copies the data folder. The
kernel drops the lock when the holding process dies, so a killed run leaves nothing stale.
Kept free of Dagster imports: the command line checks it before the heavy imports.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".phasenmonitor.lock"
LOCK_FILE_MODE = 0o600


class RunLocked(RuntimeError):
    """Another run (or a backup) holds the data folder."""


def acquire_run_lock(out: Path) -> int:
    """Take the lock or fail at once (never wait: a hanging nightly run helps nobody)."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, LOCK_FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RunLocked(f"Ein anderer Lauf schreibt gerade in {out}; dieser Lauf wurde nicht gestartet.") from None
    return fd


def release_run_lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def ensure_unlocked(out: Path) -> None:
    """Raise RunLocked if another process holds the data folder right now."""
    if out.is_dir():
        release_run_lock(acquire_run_lock(out))
