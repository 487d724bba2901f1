"""The contract's GX suites (checks/contract_suites.py, run by checks/gx_validation.py, acted on
by checks/contract_records.py): derived from sources.contract, every expectation passes on the
demo inbox and fails on a crafted bad frame, results carry no cell value, and the load gate
rejects a file whose rows violate the suite (previous snapshot stays)."""

from __future__ import annotations

import dataclasses
import functools
import json
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

import dq_support as dq
from checks import contract_records, gx_validation
from checks import contract_suites as cs
from checks.contract_suites import expectation_specs, suite_fingerprint
from checks.gx_validation import RESULT_FORMAT, to_gx_frame, validate_frame
from conftest import KEY, Inbox, rel_name, standard_rows, write_standard
from sources.contract import SQL_TYPES
from sources.kinds import ALL_KINDS, BY_NAME

ALL_SPECS = [(k.name, s) for k in ALL_KINDS for s in expectation_specs(k)]
IDS = [f"{k}-{s.name}" for k, s in ALL_SPECS]


@functools.cache
def demo_frame(kind: str) -> pl.DataFrame:
    """The stored rows of the demo snapshot in use (what the suite validates)."""
    db = dq.base_run().out / "warehouse.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(f"SELECT * EXCLUDE (datei_id, datenstand, zeile) FROM aktuell.{kind} ORDER BY zeile").pl()
    finally:
        con.close()


@functools.cache
def demo_result(kind: str) -> dict[str, gx_validation.ErwartungErgebnis]:
    return {e.name: e for e in validate_frame(BY_NAME[kind], demo_frame(kind)).ergebnisse}


# --- derived from the contract ---------------------------------------------------------------------

def test_every_rule_of_the_contract_has_its_expectation():
    for kind in ALL_KINDS:
        names = {s.name for s in expectation_specs(kind)}
        assert "spalten:alle" in names
        for f, sqltype, _ in kind.stored_columns():
            assert any(s.regel == "typ" and s.feld == f for s in expectation_specs(kind)), (kind.name, f)
        for c in kind.columns:
            if c.type in ("name", "birthdate"):
                continue
            if c.required:
                assert f"pflichtwert:{c.header}" in names
            if c.codes:
                spec = next(s for s in expectation_specs(kind) if s.name == f"code:{c.header}")
                assert spec.kwargs["value_set"] == list(c.codes)
            if c.min is not None or c.max is not None:
                spec = next(s for s in expectation_specs(kind) if s.name == f"bereich:{c.header}")
                assert (spec.kwargs["min_value"], spec.kwargs["max_value"]) == (c.min, c.max)
            if c.type == "id":
                assert f"pseudonym:{c.header}" in names
        if kind.key:
            assert f"eindeutig:{kind.col(kind.key).header}" in names
        assert len([s for s in expectation_specs(kind) if s.regel == "reihenfolge"]) == len(kind.not_before)
        assert len([s for s in expectation_specs(kind) if s.regel == "pflicht_wenn"]) == len(kind.required_if)
    # the ranges named in the issue
    kontakte = {s.name: s.kwargs for s in expectation_specs(BY_NAME["kontakte"])}
    assert (kontakte["bereich:Dauer"]["min_value"], kontakte["bereich:Dauer"]["max_value"]) == (1, 600)
    assert kontakte["bereich:Kilometer"]["min_value"] == 0
    assert {s.name: s.kwargs for s in expectation_specs(BY_NAME["kursteilnahmen"])}["bereich:Anwesenheit"]["max_value"] == 100
    assert "bereich:Wochenstunden" in {s.name for s in expectation_specs(BY_NAME["integrationen"])}


def test_a_contract_change_changes_the_suite_and_its_fingerprint():
    kind = BY_NAME["kontakte"]
    dauer = kind.col("dauer_min")
    tighter = dataclasses.replace(kind, columns=tuple(dataclasses.replace(c, max=300) if c is dauer else c for c in kind.columns))
    spec = next(s for s in expectation_specs(tighter) if s.name == "bereich:Dauer")
    assert spec.kwargs["max_value"] == 300
    assert suite_fingerprint(tighter) != suite_fingerprint(kind)


def test_type_lists_cover_every_stored_sql_type():
    assert set(SQL_TYPES.values()) <= set(cs.TYPE_LISTS)


# --- each expectation: passes on the demo, fails on a crafted bad frame --------------------------

@pytest.mark.parametrize(("kind", "spec"), ALL_SPECS, ids=IDS)
def test_expectation_passes_on_demo_inbox(kind, spec):
    assert demo_frame(kind).height > 0
    res = demo_result(kind)[spec.name]
    assert res.erfolgreich, res


def _set(df: pl.DataFrame, col: str, i: int, value) -> pl.DataFrame:
    lit = pl.lit(value, dtype=df.schema[col]) if value is not None else pl.lit(None, dtype=df.schema[col])
    return df.with_columns(pl.when(pl.int_range(pl.len()) == i).then(lit).otherwise(pl.col(col)).alias(col))


def _some_value(kind, df: pl.DataFrame, col: str):
    non_null = df[col].drop_nulls()
    if non_null.len():
        return non_null[0]
    c = kind.col(col)
    return {"date": date(2025, 1, 1), "decimal": 5.0, "percent": 50.0, "int": 5}.get(c.type, c.codes[0] if c.codes else "x")


def break_frame(kind, spec: cs.ErwartungSpec, df: pl.DataFrame) -> pl.DataFrame:
    """The demo frame with exactly the one defect that ``spec`` is about."""
    f, r = spec.feld, spec.regel
    if r == "spalten":
        return df.drop(spec.kwargs["column_set"][-1])
    if r == "typ":
        # text where another type belongs (nulls filled: GX ignores missing values), numbers where text belongs
        wrong = pl.col(f).cast(pl.String).fill_null("falscher Typ") if df.schema[f] != pl.String else pl.int_range(pl.len())
        return df.with_columns(wrong.alias(f))
    if r in ("pflichtwert", "zuordnung"):
        return _set(df, f, 0, None)
    if r == "code":
        return _set(df, f, 0, "UNBEKANNTER-CODE")
    if r == "bereich":
        hi, lo = spec.kwargs["max_value"], spec.kwargs["min_value"]
        value = hi + 1 if hi is not None else lo - 1
        return _set(df, f, 0, int(value) if df.schema[f].is_integer() else float(value))
    if r == "pseudonym":
        return _set(df, f, 0, "TN-4711")  # a cleartext identifier
    if r == "eindeutig":
        return _set(df, f, 1, df[f][0])
    if r == "pflicht_wenn":
        for cond in spec.bedingung:
            op, col = cond[0], cond[1]
            if op == "not_null" and df[col][0] is None:
                df = _set(df, col, 0, _some_value(kind, df, col))
            elif op == "not_in":
                df = _set(df, col, 0, next(c for c in kind.col(col).codes if c not in cond[2]))
            elif op == "gt":
                df = _set(df, col, 0, float(cond[2]) + 5)
        return _set(df, f, 0, None)
    if r == "reihenfolge":
        later, earlier = spec.paar
        i = df.with_row_index().filter(pl.col(earlier).is_not_null())["index"][0]
        return _set(df, later, i, df[earlier][i] - timedelta(days=1))
    raise AssertionError(f"no crafted defect for rule {r}")


@pytest.mark.parametrize(("kind", "spec"), ALL_SPECS, ids=IDS)
def test_expectation_fails_on_crafted_bad_frame(kind, spec):
    good = demo_frame(kind)
    bad = break_frame(BY_NAME[kind], spec, good)
    res = validate_frame(BY_NAME[kind], bad, only=(spec.name,))
    assert [e.name for e in res.ergebnisse] == [spec.name]
    assert not res.erfolgreich, f"{spec.name} did not catch its defect"
    e = res.ergebnisse[0]
    if spec.regel not in ("spalten", "typ"):
        assert e.verletzt == 1 or (spec.regel == "eindeutig" and e.verletzt == 2), e


# --- privacy --------------------------------------------------------------------------------------

MARKERS = ("GEHEIM-4711-CODE", "TN-4711-GEHEIM")


def test_results_never_carry_cell_values():
    assert RESULT_FORMAT["result_format"] == "SUMMARY"
    assert RESULT_FORMAT["partial_unexpected_count"] == 0
    assert RESULT_FORMAT["include_unexpected_rows"] is False
    kind = BY_NAME["kursteilnahmen"]
    bad = _set(_set(demo_frame("kursteilnahmen"), "kursart", 0, MARKERS[0]), "vhs_id", 1, MARKERS[1])
    # a value no id or timestamp of the result can contain by chance (digits, a point, digits)
    bad = _set(bad, "anwesenheit", 2, 4711.25)
    # the raw GX result, exactly as validate_frame obtains it
    vd = gx_validation.gx_context().definition(kind, None)
    raw = vd.run(batch_parameters={"dataframe": to_gx_frame(bad)}, result_format=RESULT_FORMAT)
    text = json.dumps(raw.describe_dict(), default=str) + json.dumps(raw.to_json_dict(), default=str)
    assert not raw.success
    for marker in (*MARKERS, "4711.25"):
        assert marker not in text
    # and what we keep of it
    res = validate_frame(kind, bad)
    kept = repr(res) + contract_records.failure_text(res) + repr(contract_records.failure_findings(res, kind, "beim Laden").to_dicts())
    assert {"code:Kursart", "pseudonym:Hörernummer", "bereich:Anwesenheit"} <= {e.name for e in res.fehlgeschlagen}
    for marker in (*MARKERS, "4711.25"):
        assert marker not in kept


# --- the load gate ------------------------------------------------------------------------------

def _stage_all(inbox, out, heute):
    from assets.staging.load import check_key, register_inbox, stage_kind
    from assets.staging.schema import ensure_schema
    from sources.discovery import discover
    from sources.pseudonym import Pseudonymizer

    settings = dq.settings_for(inbox, out).model_copy(update={"heute": heute})
    out.mkdir(parents=True, exist_ok=True)
    pseud = Pseudonymizer(KEY)
    con = duckdb.connect(str(out / "warehouse.duckdb"))
    try:
        ensure_schema(con)
        check_key(con, pseud)
        register_inbox(con, settings, discover(settings.inbox, settings.run_day))
        for k in ALL_KINDS:
            stage_kind(con, settings, pseud, k)
    finally:
        con.close()


def test_gate_rejects_a_file_whose_rows_break_the_suite(tmp_path, monkeypatch):
    """A defect after triage (simulated: the parser hands over a contact of 900 minutes although
    the contract allows 1..600) is caught by the gate: the file is rejected with a German reason
    naming the failed expectation, the previous snapshot stays in use, nothing of it is loaded."""
    import assets.staging.load as load
    from sources.parsing import parse_export as real_parse

    inbox = Inbox(tmp_path / "inbox")
    rows = standard_rows(n=10)
    write_standard(inbox, date(2026, 1, 10), rows)
    out = tmp_path / "out"
    _stage_all(inbox.root, out, date(2026, 2, 1))
    newer = rel_name("kontakte", date(2026, 1, 20))
    inbox.csv(newer, rows["kontakte"][:-1])

    def defective_parse(path, ext, kind, *a, **kw):
        parsed = real_parse(path, ext, kind, *a, **kw)
        if kind.name == "kontakte" and parsed.gelesen == len(rows["kontakte"]) - 1:
            parsed.rows = parsed.rows.with_columns(
                pl.when(pl.col("_zeile") == 2).then(900).otherwise(pl.col("dauer_min")).alias("dauer_min")
            )
        return parsed

    monkeypatch.setattr(load, "parse_export", defective_parse)
    load._OUTCOMES.clear()
    _stage_all(inbox.root, out, date(2026, 2, 1))

    db = out / "warehouse.duckdb"
    files = {r[0]: r[1:] for r in dq.query(db, "SELECT datei, status, grund FROM meta.dateien")}
    status, grund = files[newer]
    assert status == "abgelehnt"
    assert "Vertragsprüfung" in grund and "bereich:Dauer (1 Zeile)" in grund
    assert "vorige gültige Stand" in grund
    assert files[rel_name("kontakte", date(2026, 1, 10))][0] == "verwendet"
    assert dq.query(db, "SELECT count(*) FROM staging.kontakte WHERE dauer_min > 600")[0][0] == 0
    regeln = {r[0] for r in dq.query(db, "SELECT regel FROM meta.befunde WHERE datei = ?", [newer])}
    assert {"vertrag", "datei_abgelehnt"} <= regeln
    rec = dq.query(db, "SELECT ort, erfolgreich FROM meta.vertragspruefung v JOIN meta.dateien d USING (datei_id) WHERE d.datei = ?", [newer])
    assert rec == [("laden", False)]
