"""Running the contract suites (``checks/contract_suites.py``) with Great Expectations.

:func:`validate_frame` is what the pipeline calls: it validates in the GX helper process if the
run started one (``checks/gx_worker.py``), else in this process (:func:`validate_local`). Either
way the result is a :class:`SuiteErgebnis` of names and counts.

Privacy: GX runs with ``RESULT_FORMAT`` (SUMMARY with ``partial_unexpected_count`` 0 and no
unexpected rows), and only an allow-list of numbers and names is copied out of its results
(:class:`ErwartungErgebnis`). No cell value reaches Dagster metadata, logs, findings or files.

Cost: ``import great_expectations`` takes seconds. This module imports GX only inside
:func:`gx_context` (and pandas only inside :func:`to_gx_frame`) — i.e. only when a frame is actually
validated in this process, so importing the module, and a run with no new file, do not pay it.
A run that may have something to check starts GX in a helper process early
(``checks/gx_worker.py``), so that the import overlaps with the run's own start and parsing.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import polars as pl

from checks import gx_worker
from checks.contract_suites import expectation_specs, suite_fingerprint
from sources.contract import ExportKind

# SUMMARY gives counts; partial_unexpected_count 0 keeps the value lists empty, and no unexpected
# rows are returned. tests/test_contract_suites.py asserts that no cell value comes back.
RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 0, "include_unexpected_rows": False}

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


class GxContext:
    """One ephemeral GX context per process, created on first use, with one validation
    definition per (kind, suite fingerprint, subset)."""

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # Imported here, not at the top: the import takes seconds, and only a run that
            # validates a frame in this process should pay it.
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
            # GX is loaded by now (__init__); kept local like the package import above.
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


_GX: GxContext | None = None
GX_IMPORT_SEKUNDEN = 0.0  # time this process spent importing GX and creating its context


def gx_context() -> GxContext:
    """This process's GX context; the first call imports GX (seconds)."""
    global _GX, GX_IMPORT_SEKUNDEN
    if _GX is None:
        t0 = time.perf_counter()
        _GX = GxContext()
        GX_IMPORT_SEKUNDEN = time.perf_counter() - t0
    return _GX


def to_gx_frame(df: pl.DataFrame):
    """polars -> pandas for GX, text columns as ``pd.StringDtype()``.

    pandas 3 gives text columns its 'str' dtype (NaN as missing), which GX's type expectation
    cannot name; as object columns GX would check their values one by one, and any object column
    makes every GX validation pass cost seconds per million rows (measured: 3-4 s for 1.9M rows
    even for a table-level expectation, against 0.3 s with StringDtype)."""
    import pandas as pd  # lazy: only a validation in this process needs pandas (GX pulls it in then)

    pdf = df.to_pandas()
    for name, dtype in df.schema.items():
        if dtype in (pl.String, pl.Null):
            pdf[name] = pdf[name].astype(pd.StringDtype())
    return pdf


def validate_frame(kind: ExportKind, df: pl.DataFrame, only: tuple[str, ...] | None = None) -> SuiteErgebnis:
    """Run the kind's suite (or the named subset) on ``df``: in the GX helper process if the run
    started one (``checks.gx_worker``), else here, importing GX on first use. ``sekunden`` is the
    time the caller waited, including what was left of the helper's import."""
    if gx_worker.is_running():
        t0 = time.perf_counter()
        res = gx_worker.validate(kind, df.drop([c for c in df.columns if c.startswith("_")]), only)
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
    g = gx_context()
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
