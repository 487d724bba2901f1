"""The GX helper process itself (started by ``checks/gx_worker.py`` as
``python -m checks.gx_worker_process``): it imports Great Expectations, builds the suites of the
standard contracts, then answers one validation request after the other until its stdin closes.

Protocol (both ends in this package): a pickled header ``(kind, only, blocks)``, then per block
its length and its Arrow IPC bytes; the answer is a pickled ``("ok", SuiteErgebnis)`` or
``("error", exception class name)``. Nothing is written to disk.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import warnings
from typing import Any, BinaryIO

import polars as pl

from checks.gx_validation import gx_context, validate_local
from sources.kinds import ALL_KINDS


def _read_request(requests: BinaryIO):
    """(kind, only, frame) of the next request; None when the run went away."""
    try:
        kind, only, n_blocks = pickle.load(requests)
        blocks = []
        for _ in range(n_blocks):
            n = pickle.load(requests)
            ipc = requests.read(n)
            if len(ipc) < n:
                return None  # the run went away mid-request
            blocks.append(pl.read_ipc(io.BytesIO(ipc)))
            del ipc
    except EOFError:
        return None
    return kind, only, blocks


def main() -> None:
    """The helper's loop: one request in, one answer out, until stdin closes."""
    # GX or its dependencies must not write into the answer channel.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    warnings.simplefilter("ignore")
    try:
        # The import is the point of the helper: do it, and build the suites of the standard
        # contracts, before the first request arrives.
        g = gx_context()
        for kind in ALL_KINDS:
            g.definition(kind, None)
    except Exception:
        pass  # every request will answer with an error and the run validates by itself
    while True:
        request = _read_request(requests)
        if request is None:
            return
        kind, only, blocks = request
        del request
        try:
            df = pl.concat(blocks, how="vertical") if len(blocks) > 1 else blocks[0]
            del blocks
            answer: tuple[str, Any] = ("ok", validate_local(kind, df, only))
        except Exception as exc:  # the run falls back to validating itself
            answer = ("error", type(exc).__name__)
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    main()
