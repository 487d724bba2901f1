"""What every data check of ``checks/consistency.py`` is built from: the result of a check
(:class:`Pruefergebnis`), the check itself (:class:`Pruefung`, where it hangs in Dagster and
whether it blocks) and the helpers that turn line numbers of the snapshots in use into findings
for ``kennzahlen.befunde``. A finding names a row by its file and line, never by a cell value or a
pseudonym.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import duckdb
import polars as pl

from sources.contract import ExportKind
from sources.findings import BEFUND_SCHEMA, FEHLER, WARNUNG
from sources.settings import Settings

# The findings of the checks: BEFUND_SCHEMA with the partner and the file in front.
BEFUND_COLUMNS = {"quelle": pl.String, "datei": pl.String, **BEFUND_SCHEMA}

MAX_ZEILEN_META = 20  # line numbers listed in Dagster metadata per check (all are in kennzahlen.befunde)


@dataclass
class Pruefergebnis:
    name: str
    ok: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    befunde: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=BEFUND_COLUMNS))
    # FEHLER or WARNUNG for a failed result whose severity depends on what was found (the
    # delivery checks); None: the check's own severity (Pruefung.schwere).
    schwere: str | None = None


@dataclass(frozen=True)
class Pruefung:
    """One check: where it hangs in Dagster, whether it blocks, and the function behind it."""

    name: str
    asset: tuple[str, ...]
    blocking: bool
    beschreibung: str
    fn: Callable[[duckdb.DuckDBPyConnection, Settings], Pruefergebnis]

    @property
    def schwere(self) -> str:
        return FEHLER if self.blocking else WARNUNG

    def schwere_von(self, ergebnis: "Pruefergebnis") -> str:
        return ergebnis.schwere or self.schwere

    def run(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> Pruefergebnis:
        return self.fn(con, settings)


@dataclass
class Bewertung:
    """One check and its result in this run."""

    pruefung: Pruefung
    ergebnis: Pruefergebnis


def file_in_use(con, kind: str) -> tuple[str, date] | None:
    """(file, Datenstand) of the snapshot of ``kind`` the run uses (``intern.staende``, whose rows
    ``aktuell.<kind>`` holds), or None."""
    row = con.execute(
        "SELECT datei, datenstand FROM intern.staende WHERE art = ? ORDER BY datenstand DESC LIMIT 1",
        [kind],
    ).fetchone()
    return (row[0], row[1]) if row else None


def lines_meta(lines: list[int]) -> str:
    shown = ", ".join(str(z) for z in lines[:MAX_ZEILEN_META])
    return shown + (f", … (+{len(lines) - MAX_ZEILEN_META})" if len(lines) > MAX_ZEILEN_META else "")


def row_findings(kind: ExportKind, datei: str, lines: list[int], spalte: str | None, regel: str, schwere: str, grund: str) -> pl.DataFrame:
    n = len(lines)
    return pl.DataFrame(
        {"quelle": [kind.quelle] * n, "datei": [datei] * n, "zeile": lines, "spalte": [spalte] * n,
         "regel": [regel] * n, "schwere": [schwere] * n, "grund": [grund] * n},
        schema=BEFUND_COLUMNS,
    )


def concat_findings(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=BEFUND_COLUMNS)


def line_numbers(con, sql: str, params: list | None = None) -> list[int]:
    return [int(r[0]) for r in con.execute(sql, params or []).fetchall()]
