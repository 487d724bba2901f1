"""Great Expectations in a helper process, so that its import does not hold up a run.

``import great_expectations`` costs about 2.5 s of CPU on this machine (more than Dagster,
polars and DuckDB together), and a run with new files needs GX before it may load the first of
them. The run therefore starts one helper process as early as it knows there may be something
to check (the CLI before it imports Dagster; the raw step when it registers new files). The
helper imports GX on the second core while the run starts Dagster and parses the files; the
load gate then sends it the rows to validate and waits for the result.

- What crosses the pipe: the export kind (its contract), the rows as they are stored (already
  pseudonymised, names dropped; in blocks of Arrow IPC bytes after a pickled header) and the
  expectation names. Back comes the
  ``SuiteErgebnis`` (names and counts, never a value). Nothing is written to disk.
- The helper gets the run's environment without the pseudonymisation key: it never needs it.
- Anything wrong with the helper (it could not start, died, answered with an error) makes the
  gate validate in the run's own process instead, with the same suite: the helper only ever
  changes where GX runs, never what it decides.
- The helper ends when the run ends (:func:`stop`) or, if the run is killed, when its stdin
  closes.

This module is the run's side and stays light (neither GX nor the suites are imported here: the
command line imports it before anything else to start the helper at once); the helper's own loop
is ``checks/gx_worker_process.py``.
"""

from __future__ import annotations

import atexit
import io
import os
import pickle
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

from sources.key_names import KEY_ENV, KEY_FILE_ENV

if TYPE_CHECKING:
    import polars as pl

    from sources.contract import ExportKind

PIPE_BLOCK_ROWS = 1_000_000  # rows per block sent to the helper

_lock = threading.Lock()
_proc: subprocess.Popen | None = None
STARTS = 0  # helpers this process started (tests: a run with nothing new starts none)


def start() -> bool:
    """Start the helper unless it runs already; False if it cannot be started (no error)."""
    global _proc, STARTS
    with _lock:
        if _proc is not None and _proc.poll() is None:
            return True
        env = {k: v for k, v in os.environ.items() if k not in (KEY_ENV, KEY_FILE_ENV)}
        try:
            _proc = subprocess.Popen(
                [sys.executable, "-m", "checks.gx_worker_process"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            )
        except OSError:
            _proc = None
            return False
        STARTS += 1
        return True


def is_running() -> bool:
    return _proc is not None and _proc.poll() is None


def stop() -> None:
    """End the helper. It holds no state worth keeping (its GX context is in memory, nothing is
    written), so it is killed rather than waited for: it may still be importing GX."""
    global _proc
    with _lock:
        p, _proc = _proc, None
    if p is None:
        return
    for stream in (p.stdin, p.stdout):
        try:
            if stream:
                stream.close()
        except OSError:
            pass
    if p.poll() is None:
        p.kill()
    p.wait()


atexit.register(stop)


def validate(kind: ExportKind, df: pl.DataFrame, only: tuple[str, ...] | None) -> Any | None:
    """The helper's ``SuiteErgebnis`` for ``df``; None if there is no working helper (the caller
    then validates in its own process)."""
    global _proc
    with _lock:
        p = _proc
        if p is None or p.poll() is not None or p.stdin is None or p.stdout is None:
            return None
        try:
            # Header, then the rows in blocks, each as a length and its Arrow IPC bytes: the run
            # never holds a serialised copy of a whole large frame.
            starts = range(0, max(df.height, 1), PIPE_BLOCK_ROWS)
            pickle.dump((kind, only, len(starts)), p.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            for off in starts:
                buf = io.BytesIO()
                df.slice(off, PIPE_BLOCK_ROWS).write_ipc(buf)
                pickle.dump(buf.getbuffer().nbytes, p.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                p.stdin.write(buf.getbuffer())
                del buf
            p.stdin.flush()
            status, value = pickle.load(p.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            _proc = None
            p.kill()
            return None
    return value if status == "ok" else None
