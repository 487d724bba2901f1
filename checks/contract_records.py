"""The verdicts of the contract suites the pipeline acts on, and their record.

- the **load gate** (:func:`gate_outcome`, called from ``assets/staging/load.py::process_file``):
  the rows about to be loaded are validated before they are written; a failed suite rejects the
  whole file with a German reason naming the failed expectations, and the previous valid snapshot
  stays in use.
- the **snapshot in use** (:func:`contract_status`, the asset check wired in
  ``checks/asset_checks.py``): the suite's verdict on ``aktuell.<kind>``.

Every validation is recorded in ``meta.vertragspruefung`` (names and counts, never a value), so
that a run with no new file needs no GX: a recorded verdict is reused while it belongs to the same
file, suite, context and rows. The suites are built in ``checks/contract_suites.py`` and run by
``checks/gx_validation.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import polars as pl

from checks.contract_suites import expectation_specs, suite_fingerprint
from checks.gx_validation import SuiteErgebnis, validate_frame
from sources.contract import ExportKind
from sources.findings import BEFUND_SCHEMA, FEHLER

def failure_text(res: SuiteErgebnis) -> str:
    parts = []
    for e in res.fehlgeschlagen:
        if e.ausnahme:
            parts.append(f"{e.name} (nicht auswertbar)")
        elif e.verletzt:
            parts.append(f"{e.name} ({e.verletzt} {'Zeile' if e.verletzt == 1 else 'Zeilen'})")
        else:
            parts.append(e.name)
    return ", ".join(parts)


def failure_findings(res: SuiteErgebnis, kind: ExportKind, where: str) -> pl.DataFrame:
    """One finding per failed expectation (file level: GX does not give line numbers here)."""
    specs = {s.name: s for s in expectation_specs(kind)}
    rows = []
    for e in res.fehlgeschlagen:
        if e.ausnahme:
            n = "nicht auswertbar"
        elif e.verletzt:
            n = f"verletzt in {e.verletzt} {'Zeile' if e.verletzt == 1 else 'Zeilen'}"
        else:
            n = "verletzt"
        rows.append({
            "zeile": None, "spalte": e.spalte, "regel": "vertrag", "schwere": FEHLER,
            "grund": f"Vertragsprüfung {where}: Erwartung '{e.name}' {n} (erwartet: {specs[e.name].beschreibung})",
        })
    return pl.DataFrame(rows, schema=BEFUND_SCHEMA) if rows else pl.DataFrame(schema=BEFUND_SCHEMA)


# --- recorded validations (so that a run with no new file needs no GX) ---------------------------

RECORD_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.vertragspruefung (
    datei_id VARCHAR,        -- the validated file (meta.dateien)
    art VARCHAR,
    suite VARCHAR,           -- suite_fingerprint: rules + GX version
    kontext VARCHAR,         -- meta.dateien.kontext the rows were checked against
    ort VARCHAR,             -- 'laden' (gate before loading) or 'warehouse' (snapshot in use)
    erfolgreich BOOLEAN,
    erwartungen INTEGER,
    fehlgeschlagen VARCHAR,  -- failed expectation names with counts; never a value
    zeilen BIGINT,
    pruefsumme VARCHAR,      -- row count and hash of the rows in aktuell.<art> the result belongs to
    sekunden DOUBLE,         -- time spent in GX for this validation
    geprueft_am TIMESTAMP
);
"""


def ensure_record_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RECORD_DDL)


def _record(con, kind: ExportKind, datei_id: str, kontext: str | None, ort: str, res: SuiteErgebnis, pruefsumme: str | None) -> None:
    ensure_record_table(con)
    suite = suite_fingerprint(kind)
    con.execute("DELETE FROM meta.vertragspruefung WHERE datei_id = ? AND suite = ?", [datei_id, suite])
    con.execute(
        "INSERT INTO meta.vertragspruefung VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [datei_id, kind.name, suite, kontext, ort, res.erfolgreich, len(res.ergebnisse), failure_text(res) or None,
         res.zeilen, pruefsumme, res.sekunden, datetime.now()],
    )


def _passed_record(con, kind: ExportKind, datei_id: str, kontext: str | None) -> bool:
    ensure_record_table(con)
    row = con.execute(
        "SELECT erfolgreich FROM meta.vertragspruefung WHERE datei_id = ? AND suite = ? AND kontext IS NOT DISTINCT FROM ?",
        [datei_id, suite_fingerprint(kind), kontext],
    ).fetchone()
    return bool(row and row[0])


def gate_outcome(con, kind: ExportKind, datei_id: str, kontext: str | None, outcome):
    """The load gate: validate the rows about to be loaded; reject the file if the suite fails.

    ``outcome`` is a ``sources.linking.Outcome`` that passed triage. A file whose identical rows
    already passed under the same suite and context (a re-parse of the snapshot in use as the
    target of another kind's references) is not validated again.
    """
    if _passed_record(con, kind, datei_id, kontext):
        return outcome
    res = validate_frame(kind, outcome.loaded)
    _record(con, kind, datei_id, kontext, "laden", res, None)
    if not res.erfolgreich:
        outcome.rejected = (
            f"Vertragsprüfung (Great Expectations) nicht bestanden: {failure_text(res)}. "
            "Datei abgelehnt, der vorige gültige Stand bleibt in Gebrauch."
        )
        outcome.befunde = pl.concat([outcome.befunde, failure_findings(res, kind, "beim Laden")], how="vertical")
    return outcome


# --- the snapshot in use ------------------------------------------------------------------------

@dataclass
class VertragsStatus:
    art: str
    datei: str | None  # file in use (None: no valid snapshot)
    datenstand: date | None
    erfolgreich: bool
    erwartungen: int
    fehlgeschlagen: str | None  # names with counts
    zeilen: int
    quelle: str  # 'kein Stand' | 'laden (gespeichert)' | 'warehouse (gespeichert)' | 'warehouse (neu geprüft)'
    gx_sekunden: float = 0.0
    befunde: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=BEFUND_SCHEMA))


def _in_use(con, kind: ExportKind):
    # The snapshot whose rows aktuell.<kind> holds (intern.staende), so that a record binds to them.
    return con.execute(
        "SELECT d.datei_id, d.datei, d.datenstand, d.kontext FROM meta.dateien d JOIN intern.staende s USING (datei_id) "
        "WHERE s.art = ? ORDER BY d.datenstand DESC LIMIT 1",
        [kind.name],
    ).fetchone()


def rows_checksum(con, kind: ExportKind) -> tuple[int, str]:
    # Table names come from the contract, not from input files.
    n, h = con.execute(f"SELECT count(*), coalesce(sum(hash(s)), 0) FROM aktuell.{kind.name} s").fetchone()
    return int(n), f"{n}:{h}"


def contract_status(con, kind: ExportKind) -> VertragsStatus:
    """The contract suite's verdict on the snapshot in use.

    Re-uses a recorded validation when it belongs to this file, this suite, this context and
    exactly these rows (row-count + hash checksum of ``aktuell.<kind>``); otherwise validates the
    rows in the warehouse with GX and records the result. A rerun without new files therefore
    needs no GX, while rows changed in the warehouse behind the pipeline's back are re-validated.
    """
    ensure_record_table(con)
    cur = _in_use(con, kind)
    if cur is None:
        return VertragsStatus(kind.name, None, None, True, 0, None, 0, "kein Stand")
    datei_id, datei, datenstand, kontext = cur
    zeilen, summe = rows_checksum(con, kind)
    suite = suite_fingerprint(kind)
    rec = con.execute(
        "SELECT erfolgreich, erwartungen, fehlgeschlagen, pruefsumme, ort FROM meta.vertragspruefung "
        "WHERE datei_id = ? AND suite = ? AND kontext IS NOT DISTINCT FROM ?",
        [datei_id, suite, kontext],
    ).fetchone()
    if rec is not None:
        ok, n, failed, pruefsumme, ort = rec
        if pruefsumme is None and ok and ort == "laden":
            # First look after the gate loaded these rows: bind the record to them.
            con.execute(
                "UPDATE meta.vertragspruefung SET pruefsumme = ? WHERE datei_id = ? AND suite = ?", [summe, datei_id, suite]
            )
            pruefsumme = summe
        if pruefsumme == summe:
            status = VertragsStatus(kind.name, datei, datenstand, bool(ok), int(n), failed, zeilen, f"{ort} (gespeichert)")
            if not ok:
                status.befunde = _stored_failure_findings(kind, failed)
            return status
    frame = _frame(con, f"SELECT * EXCLUDE (datei_id, datenstand, zeile) FROM aktuell.{kind.name}")
    res = validate_frame(kind, frame)
    _record(con, kind, datei_id, kontext, "warehouse", res, summe)
    return VertragsStatus(
        kind.name, datei, datenstand, res.erfolgreich, len(res.ergebnisse), failure_text(res) or None, zeilen,
        "warehouse (neu geprüft)", res.sekunden, failure_findings(res, kind, "im Warehouse"),
    )


def _frame(con, sql: str) -> pl.DataFrame:
    # execute(), not sql(): DuckDB 2.0 refuses con.sql() while an earlier execute() result on the
    # same connection is still open (any fetchone() by whoever used the connection before).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "extra copy" notice
        return pl.from_arrow(con.execute(sql).to_arrow_table())


def _stored_failure_findings(kind: ExportKind, failed: str | None) -> pl.DataFrame:
    return pl.DataFrame(
        [{"zeile": None, "spalte": None, "regel": "vertrag", "schwere": FEHLER,
          "grund": f"Vertragsprüfung im Warehouse nicht bestanden: {failed or 'unbekannt'}"}],
        schema=BEFUND_SCHEMA,
    )
