"""Loading exports into the warehouse: the plain functions behind the raw and staging assets.

``register_inbox`` records every inbox file in ``meta.dateien`` and archives the new ones.
``stage_kind`` parses what is new for one kind (or must be re-checked because a file it refers
to changed), loads valid rows into ``staging.<kind>``, records findings, and decides which
snapshot is in use. Each kind is one transaction: a crash leaves the previous state intact.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import polars as pl

from assets.staging.consent import purge_people, purge_withdrawn_history, registry_needs_sweep
from checks.contract_records import gate_outcome
from sources.settings import Settings
from sources.archive import archive_file, archived_path, content_hash
from sources.contract import ExportKind
from sources.discovery import InboxFile
from sources.kinds import ALL_KINDS, BY_NAME
from sources.linking import Outcome, apply_references, gate_registry, reject_if_mostly_bad
from sources.findings import BEFUND_SCHEMA, DATEI_IGNORIERT, FEHLER, HINWEIS
from sources.parsing import Parsed, parse_export
from sources.pseudonym import Pseudonymizer
from sources.reading import LINE_COL, FileRejected
from sources.transaction import atomic
from sources.sql import relation_exists

# Outcomes of files other kinds refer to, per process: (datei_id, kontext) -> Outcome. Lets the
# tandems step reuse the registry parsed by the registry step of the same run.
# The run day is part of the key: consent is judged against it, so a process that runs on several
# days (tests, a long-lived worker) must not reuse yesterday's gating after a Widerruf came due.
_OUTCOMES: dict[tuple[str, str, date], Outcome] = {}
REFERENCED_KINDS = {r.kind for k in ALL_KINDS for r in k.references}


class KeyMismatch(RuntimeError):
    pass


def _now() -> datetime:
    return datetime.now()


def check_key(con: duckdb.DuckDBPyConnection, pseud: Pseudonymizer, register: bool = True) -> None:
    """A warehouse holds pseudonyms of one key; mixing keys would split every person in two.
    ``register``: a warehouse without a key yet gets this one (read-only callers pass False)."""
    has_state = relation_exists(con, "meta", "zustand")
    row = con.execute("SELECT wert FROM meta.zustand WHERE schluessel = 'schluessel_fingerabdruck'").fetchone() if has_state else None
    if row is None:
        if register:
            con.execute("INSERT INTO meta.zustand VALUES ('schluessel_fingerabdruck', ?)", [pseud.fingerprint])
    elif row[0] != pseud.fingerprint:
        raise KeyMismatch(
            "Das Warehouse wurde mit einem anderen Pseudonymisierungsschlüssel aufgebaut; "
            "Schlüsselwechsel siehe docs/betrieb.md (Warehouse neu aufbauen)."
        )


# --- raw: the inbox ----------------------------------------------------------------------------

@dataclass
class InboxStats:
    dateien: int = 0
    neu: int = 0
    abgelehnt_name: int = 0
    gehasht: int = 0


def register_inbox(con: duckdb.DuckDBPyConnection, settings: Settings, files: list[InboxFile]) -> InboxStats:
    stats = InboxStats(dateien=len(files))
    known = {
        rel: (sha, size, mtime)
        for rel, sha, size, mtime in con.execute(
            "SELECT datei, inhalt_sha256, groesse_bytes, mtime_ns FROM meta.dateien WHERE im_eingang"
        ).fetchall()
    }
    now = _now()
    present: list[str] = []
    with atomic(con):
        for f in files:
            prev = known.get(f.rel)
            if prev and prev[1] == f.size and prev[2] == f.mtime_ns and prev[0]:
                sha = prev[0]  # unchanged since last run: no need to read it again
            else:
                sha = content_hash(f.path)
                stats.gehasht += 1
            datei_id = hashlib.sha256(f"{f.rel}\0{sha}".encode()).hexdigest()[:20]
            present.append(datei_id)
            exists = con.execute("SELECT status, grund, kontext FROM meta.dateien WHERE datei_id = ?", [datei_id]).fetchone()
            if exists:
                con.execute(
                    "UPDATE meta.dateien SET im_eingang = true, gesehen_am = ?, mtime_ns = ? WHERE datei_id = ?",
                    [now, f.mtime_ns, datei_id],
                )
                _recheck_name(con, settings, f, datei_id, sha, exists, stats)
                continue
            if f.problem is None:
                archive_file(f.path, settings.archive_dir, sha, f.ext)
                status, grund = "neu", None
                stats.neu += 1
            else:
                status, grund = "abgelehnt", f.problem
                stats.abgelehnt_name += 1
            con.execute(
                """INSERT INTO meta.dateien (datei_id, inhalt_sha256, datei, quelle, art, datenstand, groesse_bytes,
                       mtime_ns, status, grund, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene,
                       zeilen_ausgeschlossen, ohne_einwilligung, nicht_zugeordnet, endung, gesehen_am, im_eingang)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, ?, ?, true)""",
                [datei_id, sha, f.rel, f.quelle, f.art, f.datenstand, f.size, f.mtime_ns, status, grund, f.ext, now],
            )
            if grund:
                _insert_befunde(con, datei_id, f.quelle, f.rel, f.art, _file_finding(grund, ignoriert=f.art is None))
        # A file that left the inbox is no longer a candidate; its rows stay as history.
        con.execute("CREATE OR REPLACE TEMP TABLE _present (datei_id VARCHAR)")
        con.executemany("INSERT INTO _present VALUES (?)", [(d,) for d in present])
        con.execute(
            """UPDATE meta.dateien SET im_eingang = false,
                   status = CASE WHEN status = 'verwendet' THEN 'ersetzt' ELSE status END
               WHERE im_eingang AND datei_id NOT IN (SELECT datei_id FROM _present)"""
        )
    return stats


def _recheck_name(con, settings: Settings, f: InboxFile, datei_id: str, sha: str, prev: tuple, stats: InboxStats) -> None:
    """Re-judge a known file by its name: that judgement depends on the run day (a Datenstand in the
    future becomes valid when its day comes) and on the other files (a VHS .csv arriving beside an
    already loaded .xlsx of the same Datenstand makes both ambiguous; removing one clears it)."""
    status, grund, kontext = prev
    rejected_by_name = status == "abgelehnt" and kontext is None
    if f.problem is not None and not (rejected_by_name and grund == f.problem):
        if f.art in BY_NAME:
            con.execute(f"DELETE FROM {BY_NAME[f.art].table} WHERE datei_id = ?", [datei_id])
        con.execute("DELETE FROM meta.befunde WHERE datei_id = ?", [datei_id])
        con.execute(
            """UPDATE meta.dateien SET status = 'abgelehnt', grund = ?, kontext = NULL, zeilen_gelesen = 0,
                   zeilen_geladen = 0, zeilen_quarantaene = 0, zeilen_ausgeschlossen = 0, ohne_einwilligung = 0,
                   nicht_zugeordnet = 0 WHERE datei_id = ?""",
            [f.problem, datei_id],
        )
        _insert_befunde(con, datei_id, f.quelle, f.rel, f.art, _file_finding(f.problem, ignoriert=f.art is None))
        stats.abgelehnt_name += 1
    elif f.problem is None and rejected_by_name:
        archive_file(f.path, settings.archive_dir, sha, f.ext)
        con.execute("DELETE FROM meta.befunde WHERE datei_id = ?", [datei_id])
        con.execute("UPDATE meta.dateien SET status = 'neu', grund = NULL WHERE datei_id = ?", [datei_id])
        stats.neu += 1


def _file_finding(grund: str, ignoriert: bool = False) -> pl.DataFrame:
    """The finding of a whole file. A file whose name matches no export kind is no delivery that
    went wrong: it is left alone, a note (HINWEIS), not an error."""
    regel, schwere = (DATEI_IGNORIERT, HINWEIS) if ignoriert else ("datei_abgelehnt", FEHLER)
    return pl.DataFrame(
        {"zeile": [None], "spalte": [None], "regel": [regel], "schwere": [schwere], "grund": [grund]},
        schema=BEFUND_SCHEMA,
    )


def _insert_befunde(con, datei_id, quelle, datei, art, befunde: pl.DataFrame) -> None:
    if befunde.height == 0:
        return
    frame = befunde.select(
        pl.lit(datei_id).alias("datei_id"), pl.lit(quelle).alias("quelle"), pl.lit(datei).alias("datei"),
        pl.lit(art, pl.String).alias("art"), "zeile", "spalte", "regel", "schwere", "grund",
    )
    con.register("_befunde", frame)
    con.execute("INSERT INTO meta.befunde BY NAME SELECT * FROM _befunde")
    con.unregister("_befunde")


# --- staging: one kind -------------------------------------------------------------------------

@dataclass
class StageResult:
    kind: str
    verarbeitet: int = 0
    abgelehnt: int = 0
    geladen: int = 0
    quarantaene: int = 0
    ausgeschlossen: int = 0
    aktuell: str | None = None
    aktuell_datenstand: date | None = None
    bereinigt: int = 0
    notes: list[str] = field(default_factory=list)


def base_fingerprint(settings: Settings, pseud: Pseudonymizer, kind: ExportKind) -> str:
    extra = json.dumps(settings.spalten_aliase.get(kind.name, {}), sort_keys=True)
    return hashlib.sha256(f"{pseud.fingerprint}|{extra}|{settings.max_quarantaene_anteil}".encode()).hexdigest()[:16]


def _current_file(con, art: str):
    # fetchall: a result left open by fetchone() makes DuckDB refuse the next register() (the
    # purge after current_outcome in stage_kind), docs/CONTRIBUTING.md "Gotchas".
    rows = con.execute(
        "SELECT datei_id, inhalt_sha256, datei, quelle, endung, datenstand, kontext, verarbeitet_am FROM meta.dateien "
        "WHERE art = ? AND status = 'verwendet' AND im_eingang ORDER BY datenstand DESC LIMIT 1",
        [art],
    ).fetchall()
    return rows[0] if rows else None


def context_fingerprint(con, settings: Settings, pseud: Pseudonymizer, kind: ExportKind) -> str:
    """What a file of ``kind`` is checked against: key, aliases and the referenced files in use."""
    parts = [base_fingerprint(settings, pseud, kind)]
    for ref_kind in sorted({r.kind for r in kind.references}):
        cur = _current_file(con, ref_kind)
        parts.append(f"{ref_kind}={cur[0]}@{cur[7]}" if cur else f"{ref_kind}=-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def process_file(
    con, settings: Settings, pseud: Pseudonymizer, kind: ExportKind, datei_id: str, sha: str, ext: str,
    datenstand: date, kontext: str,
) -> Outcome | str:
    """Parse one archived file and resolve its references; a string is a file-level rejection."""
    cached = _OUTCOMES.get((datei_id, kontext, settings.run_day))
    if cached is not None:
        return cached
    path = archived_path(settings.archive_dir, sha, ext)
    if not path.exists():
        return "Archivkopie fehlt (Aufbewahrungsfrist abgelaufen); Datei erneut in den Eingang legen."
    try:
        parsed = parse_export(
            path, ext, kind, pseud, datenstand,
            extra_aliases=settings.spalten_aliase.get(kind.name, {}), age_bounds=settings.altersgruppen,
        )
    except FileRejected as exc:
        return str(exc)
    if kind.name == "teilnehmende":
        outcome = gate_registry(parsed, settings.run_day)
    elif kind.references:
        targets = {}
        for ref_kind in {r.kind for r in kind.references}:
            target = current_outcome(con, settings, pseud, BY_NAME[ref_kind])
            if target is None:
                return f"Bezugsdatei '{ref_kind}' fehlt oder ist ungültig; Verweise können nicht geprüft werden."
            targets[ref_kind] = target
        outcome = apply_references(parsed, targets)
    else:
        outcome = Outcome(parsed, parsed.rows, pl.DataFrame(), parsed.befunde, parsed.quarantaene)
    outcome = reject_if_mostly_bad(outcome, settings.max_quarantaene_anteil)
    if not outcome.rejected:
        # Contract gate (GX suite on the rows about to be loaded); GX is imported only when it
        # validates in this process (checks/gx_validation.py).
        outcome = gate_outcome(con, kind, datei_id, kontext, outcome)
    if kind.name in REFERENCED_KINDS and not outcome.rejected:
        _OUTCOMES[(datei_id, kontext, settings.run_day)] = outcome
    return outcome


def current_outcome(con, settings: Settings, pseud: Pseudonymizer, kind: ExportKind) -> Outcome | None:
    """The outcome of the snapshot in use, re-parsed from the archive if this process lacks it."""
    cur = _current_file(con, kind.name)
    if cur is None:
        return None
    datei_id, sha, _, _, ext, datenstand, kontext, _ = cur
    result = process_file(con, settings, pseud, kind, datei_id, sha, ext, datenstand, kontext)
    return result if isinstance(result, Outcome) else None


def stage_kind(con: duckdb.DuckDBPyConnection, settings: Settings, pseud: Pseudonymizer, kind: ExportKind) -> StageResult:
    result = StageResult(kind.name)
    kontext = context_fingerprint(con, settings, pseud, kind)
    files = con.execute(
        "SELECT datei_id, inhalt_sha256, datei, quelle, endung, datenstand, status, kontext FROM meta.dateien "
        "WHERE art = ? AND im_eingang AND NOT (status = 'abgelehnt' AND kontext IS NULL) "
        "ORDER BY datenstand DESC, datei",
        [kind.name],
    ).fetchall()
    sweep = kind.name == "teilnehmende" and registry_needs_sweep(con, settings.run_day)
    with atomic(con):
        current_found = False
        excluded_now: pl.DataFrame | None = None
        older_staged = False
        for datei_id, sha, datei, quelle, ext, datenstand, status, file_kontext in files:
            is_candidate = not current_found
            needs = status == "neu" or (is_candidate and (file_kontext != kontext or sweep))
            if needs:
                outcome = process_file(con, settings, pseud, kind, datei_id, sha, ext, datenstand, kontext)
                _store(con, kind, datei_id, quelle, datei, datenstand, kontext, outcome)
                result.verarbeitet += 1
                ok = isinstance(outcome, Outcome) and not outcome.rejected
                if isinstance(outcome, Outcome):
                    bilanz = outcome.bilanz
                    result.quarantaene += bilanz.quarantaene
                    result.ausgeschlossen += bilanz.ausgeschlossen
                    result.geladen += bilanz.geladen
                if not ok:
                    result.abgelehnt += 1
                elif is_candidate and kind.name == "teilnehmende":
                    excluded_now = outcome.excluded_keys
                else:
                    older_staged = True
            else:
                ok = status != "abgelehnt"
            if ok and not current_found:
                current_found = True
                result.aktuell, result.aktuell_datenstand = datei, datenstand
        _set_statuses(con, kind.name)
        if kind.name == "teilnehmende" and excluded_now is None and older_staged:
            # Only an older snapshot was staged (a late or restored delivery): it may list people
            # the newest registry excludes since. The newest one's verdict applies to all history.
            cur = current_outcome(con, settings, pseud, kind)
            excluded_now = cur.excluded_keys if cur is not None else None
        if excluded_now is not None and excluded_now.height:
            result.bereinigt = purge_people(con, excluded_now["tn_id"])
        if kind.name == "teilnehmende":
            result.bereinigt += purge_withdrawn_history(con, settings.run_day)
    return result


def _store(con, kind: ExportKind, datei_id, quelle, datei, datenstand, kontext, outcome: Outcome | str) -> None:
    con.execute(f"DELETE FROM {kind.table} WHERE datei_id = ?", [datei_id])
    con.execute("DELETE FROM meta.befunde WHERE datei_id = ?", [datei_id])
    now = _now()
    if isinstance(outcome, str):
        con.execute(
            """UPDATE meta.dateien SET status = 'abgelehnt', grund = ?, zeilen_gelesen = 0, zeilen_geladen = 0,
                   zeilen_quarantaene = 0, zeilen_ausgeschlossen = 0, ohne_einwilligung = 0, nicht_zugeordnet = 0,
                   kontext = ?, verarbeitet_am = ? WHERE datei_id = ?""",
            [outcome, kontext, now, datei_id],
        )
        _insert_befunde(con, datei_id, quelle, datei, kind.name, _file_finding(outcome))
        return
    p: Parsed = outcome.parsed
    b = outcome.bilanz
    befunde = outcome.befunde
    if outcome.rejected:
        befunde = pl.concat([_file_finding(outcome.rejected), befunde])
    else:
        stored = [name for name, _, _ in kind.stored_columns()]
        missing = [c for c in stored if c not in outcome.loaded.columns]
        frame = outcome.loaded.select(pl.col(LINE_COL).alias("zeile"), *[c for c in stored if c not in missing])
        # File id and Datenstand are the same for every row: parameters of the INSERT, not two
        # columns of 19 M repeated values in polars. Absent optional columns stay NULL.
        con.register("_rows", frame)
        con.execute(
            f"INSERT INTO {kind.table} BY NAME SELECT ?::VARCHAR AS datei_id, ?::DATE AS datenstand, * FROM _rows",
            [datei_id, datenstand],
        )
        con.unregister("_rows")
        del frame
    con.execute(
        """UPDATE meta.dateien SET status = ?, grund = ?, zeilen_gelesen = ?, zeilen_geladen = ?,
               zeilen_quarantaene = ?, zeilen_ausgeschlossen = ?, ohne_einwilligung = ?, nicht_zugeordnet = ?,
               kodierung = ?, kontext = ?, verarbeitet_am = ? WHERE datei_id = ?""",
        [
            "abgelehnt" if outcome.rejected else "ersetzt", outcome.rejected, b.gelesen, b.geladen,
            b.quarantaene, b.ausgeschlossen, b.ohne_einwilligung, b.nicht_zugeordnet,
            p.encoding, kontext, now, datei_id,
        ],
    )
    _insert_befunde(con, datei_id, quelle, datei, kind.name, befunde)


def _set_statuses(con, art: str) -> None:
    """The newest valid snapshot in the inbox is 'verwendet', the other valid ones 'ersetzt'."""
    con.execute(
        """UPDATE meta.dateien SET status = CASE WHEN datei_id = (
                   SELECT datei_id FROM meta.dateien WHERE art = ? AND im_eingang AND status IN ('verwendet', 'ersetzt')
                   ORDER BY datenstand DESC, datei LIMIT 1) THEN 'verwendet' ELSE 'ersetzt' END
           WHERE art = ? AND status IN ('verwendet', 'ersetzt')""",
        [art, art],
    )


def datenqualitaet_frame(con) -> pl.DataFrame:
    return con.sql(
        """SELECT quelle, datei, datenstand, status, grund, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene,
                  zeilen_ausgeschlossen FROM meta.dateien WHERE im_eingang ORDER BY quelle, datei"""
    ).pl()
