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
- The helper ends when the run ends (``beenden``) or, if the run is killed, when its stdin
  closes.
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

from sources.pseudonym import KEY_ENV, KEY_FILE_ENV

if TYPE_CHECKING:
    import polars as pl

    from sources.contract import ExportKind

UEBERTRAGUNG_ZEILEN = 1_000_000  # rows per block sent to the helper

_lock = threading.Lock()
_proc: subprocess.Popen | None = None
STARTS = 0  # helpers this process started (tests: a run with nothing new starts none)


def starten() -> bool:
    """Start the helper unless it runs already; False if it cannot be started (no error)."""
    global _proc, STARTS
    with _lock:
        if _proc is not None and _proc.poll() is None:
            return True
        env = {k: v for k, v in os.environ.items() if k not in (KEY_ENV, KEY_FILE_ENV)}
        try:
            _proc = subprocess.Popen(
                [sys.executable, "-m", "checks.gx_helfer"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            )
        except OSError:
            _proc = None
            return False
        STARTS += 1
        return True


def laeuft() -> bool:
    return _proc is not None and _proc.poll() is None


def beenden() -> None:
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


atexit.register(beenden)


def validieren(kind: ExportKind, df: pl.DataFrame, only: tuple[str, ...] | None) -> Any | None:
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
            starts = range(0, max(df.height, 1), UEBERTRAGUNG_ZEILEN)
            pickle.dump((kind, only, len(starts)), p.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            for off in starts:
                buf = io.BytesIO()
                df.slice(off, UEBERTRAGUNG_ZEILEN).write_ipc(buf)
                pickle.dump(buf.getbuffer().nbytes, p.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                p.stdin.write(buf.getbuffer())
                del buf
            p.stdin.flush()
            status, wert = pickle.load(p.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            _proc = None
            p.kill()
            return None
    return wert if status == "ok" else None


def _main() -> None:
    """The helper's loop: one request in, one answer out, until stdin closes."""
    import warnings

    # GX or its dependencies must not write into the answer channel.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    warnings.simplefilter("ignore")
    import polars as pl

    from checks import contract_suites
    from sources.kinds import ALL_KINDS

    try:
        # The import is the point of the helper: do it, and build the suites of the standard
        # contracts, before the first request arrives.
        g = contract_suites._gx()
        for kind in ALL_KINDS:
            g.definition(kind, None)
    except Exception:
        pass  # every request will answer with an error and the run validates by itself
    while True:
        try:
            kind, only, n_bloecke = pickle.load(requests)
            bloecke = []
            for _ in range(n_bloecke):
                n = pickle.load(requests)
                ipc = requests.read(n)
                if len(ipc) < n:
                    return  # the run went away mid-request
                bloecke.append(pl.read_ipc(io.BytesIO(ipc)))
                del ipc
        except EOFError:
            return
        try:
            df = pl.concat(bloecke, how="vertical") if len(bloecke) > 1 else bloecke[0]
            del bloecke
            antwort: tuple[str, Any] = ("ok", contract_suites.validate_local(kind, df, only))
        except Exception as exc:  # the run falls back to validating itself
            antwort = ("fehler", type(exc).__name__)
        pickle.dump(antwort, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    _main()
