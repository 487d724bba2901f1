"""Transactions on a DuckDB connection that may or may not be inside the caller's own."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True if the caller holds an open transaction on ``con``.

    In auto-commit mode every statement gets its own transaction id; inside an explicit
    transaction two statements share one. (A failed BEGIN would abort the caller's transaction,
    so it cannot be used as the probe.)"""
    first = con.execute("SELECT txid_current()").fetchone()[0]
    return con.execute("SELECT txid_current()").fetchone()[0] == first


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All statements of the block in one transaction: the caller's, if it holds one (its commit
    decides), else a new one that commits at the end and rolls back on any error."""
    if in_transaction(con):
        yield
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
