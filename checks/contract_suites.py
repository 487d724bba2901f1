"""The export contract as Great Expectations suites: one suite per export kind, derived from
``sources.contract`` (there is no second, hand-kept list of rules).

What a suite validates: the rows of one snapshot **as they are stored** — typed, pseudonymised,
names dropped, the birth date reduced to year and age band (``ExportKind.stored_columns``). The
same suite runs in two places:

- the **load gate** (:func:`gate_outcome`, called from ``assets/staging/load.py::process_file``):
  on the rows about to be loaded, before they are written. A failed suite rejects the whole file
  with a German reason naming the failed expectations; the previous valid snapshot stays in use.
- the **asset check on the snapshot in use** (:func:`contract_status`, wired in
  ``checks/asset_checks.py``): the rows of ``aktuell.<kind>`` in the warehouse.

Decision on identifier formats: the cleartext patterns of the contract (``TN-`` + digits,
Kundennummer ``962D123456`` ...) are enforced row by row by the triage in ``sources/cells.py``
(from the same ``Col.pattern``; a bad row is quarantined with its line number, which is what the
partner needs). The suite sees identifiers only after pseudonymisation and checks that every
identifier column holds a well-formed keyed pseudonym (24 hex digits): a cleartext identifier can
therefore never pass the gate into the warehouse, and GX never sees a cleartext identifier.

Privacy: GX runs with ``RESULT_FORMAT`` (SUMMARY with ``partial_unexpected_count`` 0 and no
unexpected rows), and only an allow-list of numbers and names is copied out of its results
(:class:`ErwartungErgebnis`). No cell value reaches Dagster metadata, logs, findings or files.

Cost: ``import great_expectations`` takes seconds. This module imports GX only inside
:func:`_gx` — i.e. only when a frame is actually validated. Building the specs, the suite
fingerprint and the cached look-ups never import it, so a run with no new file does not pay it.
A run that may have something to check starts GX in a helper process early
(``checks/gx_helfer.py``), so that the import overlaps with the run's own start and parsing.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.metadata import version as _pkg_version
from typing import Any

import duckdb
import polars as pl

from sources.contract import SQL_TYPES, Col, ExportKind
from sources.cells import MAX_YEAR, MIN_YEAR
from sources.findings import BEFUND_SCHEMA, FEHLER
from sources.pseudonym import PSEUDONYM_HEX_CHARS

# SUMMARY gives counts; partial_unexpected_count 0 keeps the value lists empty, and no unexpected
# rows are returned. tests/test_contract_suites.py asserts that no cell value comes back.
RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 0, "include_unexpected_rows": False}

PSEUDONYM_REGEX = rf"^[0-9a-f]{{{PSEUDONYM_HEX_CHARS}}}$"

# pandas dtypes accepted per stored SQL type (frames go polars -> pandas). Text columns are handed
# to GX as pandas' StringDtype (see to_gx_frame).
TYPE_LISTS: dict[str, list[str]] = {
    "VARCHAR": ["StringDtype"],
    "DATE": ["datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]"],
    "INTEGER": ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"],
    "DOUBLE": ["float32", "float64"],
    "BOOLEAN": ["bool"],
}

# Rule ids of suite expectations (the "regel" part of a name; docs/datenqualitaet.md lists them).
REGELN = ("spalten", "typ", "pflichtwert", "code", "bereich", "pseudonym", "eindeutig", "pflicht_wenn", "reihenfolge", "zuordnung")


@dataclass(frozen=True)
class ErwartungSpec:
    """One expectation, as data. ``name`` is stable and readable: ``<regel>:<Spalte>``."""

    name: str
    regel: str
    gx_type: str  # class name in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    feld: str | None = None  # stored column the rule is about (None: table level)
    spalte: str | None = None  # its header in the contract
    beschreibung: str = ""
    # AND-ed row condition: ("not_null", feld) | ("gt", feld, value) | ("not_in", feld, [values])
    bedingung: tuple[tuple[Any, ...], ...] = ()
    # for pair rules: (later, earlier)
    paar: tuple[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "gx": self.gx_type, "kwargs": self.kwargs, "bedingung": self.bedingung}


def _stored_header(kind: ExportKind, feld: str) -> str:
    for c in kind.columns:
        if c.field == feld:
            return c.header
        if c.type == "birthdate" and feld == "geburtsjahr":
            return f"{c.header} (Jahr)"
        if c.type == "birthdate" and feld == "altersgruppe":
            return f"{c.header} (Altersgruppe)"
    if feld == "tn_id":
        return "TN-Nr (über Zuordnung)"
    return feld


def expectation_specs(kind: ExportKind) -> list[ErwartungSpec]:
    """Every rule of the kind's contract as expectation specs (pure Python, no GX import)."""
    stored = kind.stored_columns()
    fields = [f for f, _, _ in stored]
    specs: list[ErwartungSpec] = [
        ErwartungSpec(
            "spalten:alle", "spalten", "ExpectTableColumnsToMatchSet",
            {"column_set": fields, "exact_match": False},
            beschreibung="Alle gespeicherten Spalten des Vertrags sind vorhanden.",
        )
    ]
    for f, sqltype, _ in stored:
        h = _stored_header(kind, f)
        specs.append(ErwartungSpec(
            f"typ:{h}", "typ", "ExpectColumnValuesToBeInTypeList", {"column": f, "type_list": TYPE_LISTS[sqltype]},
            f, h, f"'{h}' hat den Typ {sqltype}.",
        ))
    for c in kind.columns:
        specs.extend(_column_specs(kind, c))
    if kind.key:
        h = kind.col(kind.key).header
        specs.append(ErwartungSpec(
            f"eindeutig:{h}", "eindeutig", "ExpectColumnValuesToBeUnique", {"column": kind.key}, kind.key, h,
            f"'{h}' ist im Stand eindeutig (Schlüssel).",
        ))
    for r in kind.required_if:
        h, hw = kind.col(r.column).header, kind.col(r.when).header
        cond: list[tuple[Any, ...]] = [("not_null", r.when)]
        if r.when_not:
            cond.append(("not_in", r.when, list(r.when_not)))
        if r.when_gt is not None:
            cond.append(("gt", r.when, r.when_gt))
        specs.append(ErwartungSpec(
            f"pflicht_wenn:{h}", "pflicht_wenn", "ExpectColumnValuesToNotBeNull", {"column": r.column}, r.column, h,
            f"'{h}' ist gesetzt, wenn '{hw}' gesetzt ist.", bedingung=tuple(cond),
        ))
    for nb in kind.not_before:
        hl, he = kind.col(nb.later).header, kind.col(nb.earlier).header
        specs.append(ErwartungSpec(
            f"reihenfolge:{hl}>={he}", "reihenfolge", "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": nb.later, "column_B": nb.earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
            nb.later, hl, f"'{hl}' liegt nicht vor '{he}'.", paar=(nb.later, nb.earlier),
        ))
    for ref in kind.references:
        if ref.mode == "link":
            h = _stored_header(kind, "tn_id")
            specs.append(ErwartungSpec(
                f"zuordnung:{h}", "zuordnung", "ExpectColumnValuesToNotBeNull", {"column": "tn_id"}, "tn_id", h,
                f"Jede Zeile ist über '{kind.col(ref.column).header}' einer teilnehmenden Person zugeordnet.",
            ))
            specs.append(ErwartungSpec(
                f"pseudonym:{h}", "pseudonym", "ExpectColumnValuesToMatchRegex", {"column": "tn_id", "regex": PSEUDONYM_REGEX},
                "tn_id", h, f"'{h}' ist ein Pseudonym ({PSEUDONYM_HEX_CHARS} Hex-Zeichen), keine Klartext-Kennung.",
            ))
    return specs


def _column_specs(kind: ExportKind, c: Col) -> list[ErwartungSpec]:
    out: list[ErwartungSpec] = []
    if c.type == "name":
        return out  # never stored
    if c.type == "birthdate":
        hj, ha = _stored_header(kind, "geburtsjahr"), _stored_header(kind, "altersgruppe")
        if c.required:
            out.append(ErwartungSpec(f"pflichtwert:{hj}", "pflichtwert", "ExpectColumnValuesToNotBeNull", {"column": "geburtsjahr"}, "geburtsjahr", hj, f"'{hj}' ist gesetzt."))
            out.append(ErwartungSpec(f"pflichtwert:{ha}", "pflichtwert", "ExpectColumnValuesToNotBeNull", {"column": "altersgruppe"}, "altersgruppe", ha, f"'{ha}' ist gesetzt."))
        out.append(ErwartungSpec(
            f"bereich:{hj}", "bereich", "ExpectColumnValuesToBeBetween", {"column": "geburtsjahr", "min_value": MIN_YEAR, "max_value": MAX_YEAR},
            "geburtsjahr", hj, f"'{hj}' liegt zwischen {MIN_YEAR} und {MAX_YEAR}.",
        ))
        return out
    h, f = c.header, c.field
    if c.required:
        out.append(ErwartungSpec(f"pflichtwert:{h}", "pflichtwert", "ExpectColumnValuesToNotBeNull", {"column": f}, f, h, f"'{h}' ist gesetzt (Pflichtwert)."))
    if c.codes:
        out.append(ErwartungSpec(
            f"code:{h}", "code", "ExpectColumnValuesToBeInSet", {"column": f, "value_set": list(c.codes)}, f, h,
            f"'{h}' hat einen Wert der Codeliste ({', '.join(c.codes)}).",
        ))
    if c.min is not None or c.max is not None:
        out.append(ErwartungSpec(
            f"bereich:{h}", "bereich", "ExpectColumnValuesToBeBetween", {"column": f, "min_value": c.min, "max_value": c.max}, f, h,
            f"'{h}' liegt im Bereich {'…' if c.min is None else f'{c.min:g}'} bis {'…' if c.max is None else f'{c.max:g}'}.",
        ))
    # Dates: the type expectation only. The triage's year bounds (MIN_YEAR..MAX_YEAR) are a parsing
    # sanity bound, not a contract range, and GX's between on datetime columns costs ~8 s per
    # million rows (measured), more than the rest of a suite together.
    if c.type == "id":
        out.append(ErwartungSpec(
            f"pseudonym:{h}", "pseudonym", "ExpectColumnValuesToMatchRegex", {"column": f, "regex": PSEUDONYM_REGEX}, f, h,
            f"'{h}' ist ein Pseudonym ({PSEUDONYM_HEX_CHARS} Hex-Zeichen), keine Klartext-Kennung.",
        ))
    return out


def suite_fingerprint(kind: ExportKind) -> str:
    """Identifies the suite (its rules and the GX version) without importing GX."""
    payload = json.dumps([s.as_json() for s in expectation_specs(kind)], sort_keys=True, default=str)
    return hashlib.sha256(f"{_pkg_version('great-expectations')}|{payload}".encode()).hexdigest()[:16]


# --- running GX ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErwartungErgebnis:
    """What is kept of one GX result: names and counts, never a value."""

    name: str
    regel: str
    spalte: str | None
    erfolgreich: bool
    verletzt: int | None  # rows violating (None for table-level expectations)
    ausnahme: str | None = None  # exception class name if GX could not evaluate it


@dataclass
class SuiteErgebnis:
    art: str
    erfolgreich: bool
    ergebnisse: list[ErwartungErgebnis]
    zeilen: int
    sekunden: float

    @property
    def fehlgeschlagen(self) -> list[ErwartungErgebnis]:
        return [e for e in self.ergebnisse if not e.erfolgreich]


class _Gx:
    """One ephemeral GX context per process, created on first use, with one validation
    definition per (kind, suite fingerprint, subset)."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig
        self.gx = gx
        self.ctx = gx.get_context(mode="ephemeral")
        # Offline server, and the run's output is read by people: no analytics, no progress bars.
        self.ctx.config.analytics_enabled = False
        self.ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.batch = self.ctx.data_sources.add_pandas("phasenmonitor").add_dataframe_asset("stand").add_batch_definition_whole_dataframe("ganz")
        self._defs: dict[tuple[str, str, tuple[str, ...] | None], Any] = {}

    def definition(self, kind: ExportKind, only: tuple[str, ...] | None):
        key = (kind.name, suite_fingerprint(kind), only)
        if key not in self._defs:
            import great_expectations.expectations as gxe
            from great_expectations.expectations.row_conditions import Column

            n = len(self._defs)
            suite = self.gx.ExpectationSuite(name=f"vertrag_{kind.name}_{n}")
            for spec in expectation_specs(kind):
                if only is not None and spec.name not in only:
                    continue
                kwargs = dict(spec.kwargs)
                if spec.bedingung:
                    kwargs["row_condition"] = _condition(Column, spec.bedingung)
                suite.add_expectation(getattr(gxe, spec.gx_type)(**kwargs, meta={"name": spec.name}))
            suite = self.ctx.suites.add(suite)
            self._defs[key] = self.ctx.validation_definitions.add(
                self.gx.ValidationDefinition(name=f"pruefung_{kind.name}_{n}", data=self.batch, suite=suite)
            )
        return self._defs[key]


def _condition(Column, parts: tuple[tuple[Any, ...], ...]):
    conds = []
    for p in parts:
        if p[0] == "not_null":
            conds.append(Column(p[1]).is_not_null())
        elif p[0] == "gt":
            conds.append(Column(p[1]) > p[2])
        elif p[0] == "not_in":
            conds.append(Column(p[1]).is_not_in(p[2]))
        else:  # pragma: no cover - specs are built above
            raise ValueError(p[0])
    out = conds[0]
    for c in conds[1:]:
        out = out & c
    return out


_GX: _Gx | None = None
GX_IMPORT_SEKUNDEN = 0.0  # time this process spent importing GX and creating its context


def _gx() -> _Gx:
    global _GX, GX_IMPORT_SEKUNDEN
    if _GX is None:
        t0 = time.perf_counter()
        _GX = _Gx()
        GX_IMPORT_SEKUNDEN = time.perf_counter() - t0
    return _GX


def to_gx_frame(df: pl.DataFrame):
    """polars -> pandas for GX, text columns as ``pd.StringDtype()``.

    pandas 3 gives text columns its 'str' dtype (NaN as missing), which GX's type expectation
    cannot name; as object columns GX would check their values one by one, and any object column
    makes every GX validation pass cost seconds per million rows (measured: 3-4 s for 1.9M rows
    even for a table-level expectation, against 0.3 s with StringDtype)."""
    import pandas as pd

    pdf = df.to_pandas()
    for name, dtype in df.schema.items():
        if dtype in (pl.String, pl.Null):
            pdf[name] = pdf[name].astype(pd.StringDtype())
    return pdf


def validate_frame(kind: ExportKind, df: pl.DataFrame, only: tuple[str, ...] | None = None) -> SuiteErgebnis:
    """Run the kind's suite (or the named subset) on ``df``: in the GX helper process if the run
    started one (``checks.gx_helfer``), else here, importing GX on first use. ``sekunden`` is the
    time the caller waited, including what was left of the helper's import."""
    from checks import gx_helfer

    if gx_helfer.laeuft():
        t0 = time.perf_counter()
        res = gx_helfer.validieren(kind, df.drop([c for c in df.columns if c.startswith("_")]), only)
        if res is not None:
            res.sekunden = time.perf_counter() - t0
            return res
    return validate_local(kind, df, only)


# Rows per GX validation. GX works on a pandas copy and copies again per row condition: on the
# 19 M contacts of a million participants one pass held 5.7 GB. Every rule but key uniqueness is
# about one row at a time, so it is validated block by block and the violations are added up;
# uniqueness is validated once on the key column alone.
GX_BLOCK_ROWS = 1_000_000
QUER_REGELN = ("eindeutig",)  # rules that compare rows with each other


def validate_local(kind: ExportKind, df: pl.DataFrame, only: tuple[str, ...] | None = None) -> SuiteErgebnis:
    """Run the kind's suite (or the named subset) on ``df`` in this process; imports GX on first
    use. Frames above ``GX_BLOCK_ROWS`` rows are validated in blocks (same verdict, same counts)."""
    if df.height <= GX_BLOCK_ROWS:
        return _validate_once(kind, df, only)
    t0 = time.perf_counter()
    specs = [s for s in expectation_specs(kind) if only is None or s.name in only]
    quer = tuple(s.name for s in specs if s.regel in QUER_REGELN)
    zeilen = tuple(s.name for s in specs if s.regel not in QUER_REGELN)
    teile: list[SuiteErgebnis] = []
    if quer:
        spalten = sorted({s.feld for s in specs if s.name in quer})
        teile.append(_validate_once(kind, df.select(spalten), quer))
    if zeilen:
        for off in range(0, df.height, GX_BLOCK_ROWS):
            teile.append(_validate_once(kind, df.slice(off, GX_BLOCK_ROWS), zeilen))
    je_name: dict[str, ErwartungErgebnis] = {}
    for teil in teile:
        for e in teil.ergebnisse:
            alt = je_name.get(e.name)
            if alt is None:
                je_name[e.name] = e
                continue
            verletzt = None if alt.verletzt is None and e.verletzt is None else (alt.verletzt or 0) + (e.verletzt or 0)
            je_name[e.name] = ErwartungErgebnis(
                e.name, e.regel, e.spalte, alt.erfolgreich and e.erfolgreich, verletzt, alt.ausnahme or e.ausnahme
            )
    ergebnisse = [je_name[s.name] for s in specs if s.name in je_name]
    return SuiteErgebnis(kind.name, all(e.erfolgreich for e in ergebnisse), ergebnisse, df.height, time.perf_counter() - t0)


def _validate_once(kind: ExportKind, df: pl.DataFrame, only: tuple[str, ...] | None) -> SuiteErgebnis:
    g = _gx()
    t0 = time.perf_counter()  # import time is kept apart in GX_IMPORT_SEKUNDEN
    specs = {s.name: s for s in expectation_specs(kind)}
    vd = g.definition(kind, only)
    frame = to_gx_frame(df.drop([c for c in df.columns if c.startswith("_")]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = vd.run(batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT)
    ergebnisse: list[ErwartungErgebnis] = []
    for r in res.results:
        name = r.expectation_config.meta["name"]
        spec = specs[name]
        exc = r.exception_info or {}
        raised = bool(exc.get("raised_exception")) if isinstance(exc, dict) else False
        verletzt = r.result.get("unexpected_count") if isinstance(r.result, dict) else None
        ergebnisse.append(ErwartungErgebnis(
            name=name, regel=spec.regel, spalte=spec.spalte, erfolgreich=bool(r.success) and not raised,
            verletzt=int(verletzt) if verletzt is not None else None,
            ausnahme=_exception_class(exc) if raised else None,
        ))
    order = list(specs)  # res.results is not in suite order
    ergebnisse.sort(key=lambda e: order.index(e.name))
    return SuiteErgebnis(kind.name, all(e.erfolgreich for e in ergebnisse), ergebnisse, df.height, time.perf_counter() - t0)


def _exception_class(exc: dict) -> str:
    # Only the class name: a message may quote a value.
    msg = str(exc.get("exception_message") or "")
    return msg.split(":", 1)[0].split("(", 1)[0].strip()[:60] if msg else "Fehler"


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
    return con.execute(
        "SELECT datei_id, datei, datenstand, kontext FROM meta.dateien WHERE art = ? AND status = 'verwendet' AND im_eingang "
        "ORDER BY datenstand DESC LIMIT 1",
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
