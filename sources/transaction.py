"""Whether a DuckDB connection is inside an explicit transaction."""

from __future__ import annotations

import duckdb


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True if the caller holds an open transaction on ``con``.

    In auto-commit mode every statement gets its own transaction id; inside an explicit
    transaction two statements share one. (A failed BEGIN would abort the caller's transaction,
    so it cannot be used as the probe.)"""
    first = con.execute("SELECT txid_current()").fetchone()[0]
    return con.execute("SELECT txid_current()").fetchone()[0] == first
