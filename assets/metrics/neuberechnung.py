"""The figures of ``kennzahlen.ueberblick`` for another Stichtag, with the data the run uses, and
without touching a published table: what ``kennzahlen.revisionen`` compares with each released
report (docs/entscheidungen.md, decision 34).

The recomputation runs on a cursor of the run's connection: a second DuckDB connection to the same
database, with its own TEMP tables and its own transaction. The rules build their per-person TEMP
tables there (``tn_*``, ``berichtsmonate``, ``mentoring_*``), so the run's own TEMP tables, which
later steps reuse for this run's Stichtag, stay as they are, and the transaction (rolled back,
it never writes) gives every rule the same committed state of the warehouse.
"""

from __future__ import annotations

from datetime import date
from typing import Callable

import duckdb

from assets.metrics import mentoring, teilnahme
from assets.metrics.datenqualitaet import UEBERBLICK_ORDER, ohne_einwilligung
from sources.settings import Settings
from sources.transaction import in_transaction

Teil = Callable[[duckdb.DuckDBPyConnection, Settings, date], list[tuple[str, float]]]

# The parts of kennzahlen.ueberblick (assets/metrics/datenqualitaet.py: UEBERBLICK_ORDER), each as
# the function its asset takes the rows from. The data-quality part does not depend on the Stichtag.
TEILE: dict[str, Teil] = {
    "teilnahme": teilnahme.ueberblick_werte,
    "mentoring": mentoring.ueberblick_werte,
    "datenqualitaet": lambda con, settings, stichtag: [("ohne_einwilligung", float(ohne_einwilligung(con)))],
}


class OffeneTransaktion(RuntimeError):
    """The caller holds an open transaction: its uncommitted changes would be invisible here."""


def ueberblick_am(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict[str, float | None]:
    """kennzahl -> wert of ``kennzahlen.ueberblick`` as it would be for ``stichtag`` (the run's
    snapshots: ``aktuell.*``, so a reproduction's selection too). Writes nothing.

    Refuses inside an open transaction of ``con``: the cursor sees only committed data, and a
    recomputation from a state the caller is still changing would be silently stale."""
    if in_transaction(con):
        raise OffeneTransaktion(
            "ueberblick_am rechnet in einer eigenen Transaktion auf dem festgeschriebenen Stand des Warehouse; "
            "bitte außerhalb einer offenen Transaktion aufrufen (erst COMMIT)."
        )
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            rows = [row for teil in UEBERBLICK_ORDER for row in TEILE[teil](cur, settings, stichtag)]
        finally:
            cur.execute("ROLLBACK")  # only TEMP tables were made: nothing to keep
    finally:
        cur.close()
    return {k: None if w is None else float(w) for k, w in rows}
