"""The data checks as Dagster asset checks in the real nightly job (in-process executor,
AssetSelection.all()): they pass on the demo inbox, a failing blocking check keeps the metric
assets from running and leaves the published reporting.duckdb intact, broken newer snapshots of
every kind leave every kennzahlen value unchanged, and a rerun without new files does not import
Great Expectations."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from typing import Any

import dagster as dg
import duckdb
import pytest

import dq_support as dq
from checks.consistency import PRUEFUNGEN, evaluate_all
from conftest import BIN, KEY, PIPELINE_ROOT, cli_env
from checks.contract_suites import expectation_specs
from sources.kinds import ALL_KINDS, BY_NAME

GATE = dg.AssetKey(["kennzahlen", "datenqualitaet"])
BLOCKING = {p.name for p in PRUEFUNGEN if p.blocking}
WARNINGS = {p.name for p in PRUEFUNGEN if not p.blocking}
METRIC_AND_REPORT = {"kennzahlen/teilnahme", "kennzahlen/mentoring", "kennzahlen/ueberblick", "bericht/tabellen", "bericht/reporting_db", "bericht/dateien"}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- linkage rates derived from the inbox files, independently of sources/ ----------------------

def _file_rows(path) -> list[dict[str, Any]]:
    """Rows of an export as header -> raw cell (text, or an XLSX number or date cell); empty lines skipped."""
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = [str(h) for h in next(it)]
        rows = [dict(zip(header, r)) for r in it]
        wb.close()
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        it = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
        header = next(it)
        rows = [dict(zip(header, r)) for r in it if any(c.strip() for c in r)]
    return rows


def _cell(col, raw):
    """(readable?, value) of one cell under the contract column ``col`` (docs/datenvertrag.md's cell rules)."""
    if isinstance(raw, datetime):
        v: Any = raw.date()
    elif isinstance(raw, (int, float)):
        v = raw
    else:
        v = " ".join(str(raw).split()) if raw is not None else ""
        v = v or None
    if v is None and col.default is not None:
        v = col.default
    if v is None:
        return not col.required, None
    t = col.type
    if t in ("date", "birthdate"):
        if not isinstance(v, date):
            for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
                try:
                    v = datetime.strptime(v, fmt).date()
                    break
                except ValueError:
                    pass
            else:
                return False, None
        return 1900 <= v.year <= 2100, v
    if t in ("int", "decimal", "percent"):
        if isinstance(v, str):
            s = v.rstrip("%").strip() if t == "percent" else v
            if t == "int" and not s.isdigit():
                return False, None
            try:
                v = float(s.replace(".", "").replace(",", "."))
            except ValueError:
                return False, None
        lo = col.min if col.min is not None else float("-inf")
        hi = col.max if col.max is not None else float("inf")
        return lo <= v <= hi, v
    if t == "code":
        codes = {c.lower(): c for c in col.codes}
        return str(v).lower() in codes, codes.get(str(v).lower())
    if t == "flag":
        return str(v).lower() in ("ja", "j", "x", "nein", "n"), str(v).lower()
    if t == "id":
        v = str(v).upper()
        return (re.match(col.pattern, v) is not None) if col.pattern else True, v
    return True, v


def _valid_rows(path, kind) -> list[dict[str, Any]]:
    """The rows of ``path`` that pass every cell and row rule of the contract, exact repeats once."""
    by_header = {" ".join(h.casefold().split()): c for c in kind.columns for h in (c.header, *c.aliases)}
    seen, valid, keys = set(), [], []
    for raw in _file_rows(path):
        sig = tuple(str(v) for v in raw.values())
        if sig in seen:
            continue
        seen.add(sig)
        cols = {by_header[" ".join(h.casefold().split())]: v for h, v in raw.items() if " ".join(h.casefold().split()) in by_header}
        ok, row = True, {}
        for c in kind.columns:
            good, row[c.field] = _cell(c, cols.get(c, None))
            ok &= good
        for r in kind.required_if:
            w = row[r.when]
            if w is not None and (not r.when_not or w not in r.when_not) and (r.when_gt is None or w > r.when_gt) and row[r.column] is None:
                ok = False
        for nb in kind.not_before:
            if row[nb.later] is not None and row[nb.earlier] is not None and row[nb.later] < row[nb.earlier]:
                ok = False
        keys.append(row[kind.key] if kind.key else None)
        valid.append(row if ok else None)
    if kind.key:  # a repeated key quarantines every row that carries it
        n = Counter(k for k in keys if k is not None)
        valid = [r if r is not None and n[k] == 1 else None for r, k in zip(valid, keys)]
    return [r for r in valid if r is not None]


def _expected_linkage_rates(inbox) -> dict[str, float]:
    """zuordnungsquote_* from the newest export of each kind: rows whose Kundennummer/Hörernummer
    belongs to exactly one valid registry row (with or without consent) / valid rows; a number
    two registry rows share makes the row ambiguous (quarantined, counted in neither)."""
    registry = _valid_rows(dq._good_file(inbox, "teilnehmende"), BY_NAME["teilnehmende"])
    out, per_quelle = {}, {}
    for name, link in (("massnahmen", "jc_id"), ("integrationen", "jc_id"), ("kursteilnahmen", "vhs_id")):
        kind = BY_NAME[name]
        owners = Counter(r[link] for r in registry if r[link] is not None)
        rows = [r for r in _valid_rows(dq._good_file(inbox, name), kind) if owners[r[link]] <= 1]
        matched = sum(1 for r in rows if owners[r[link]] == 1)
        out[f"zuordnungsquote_{name}"] = round(matched / len(rows), 4)
        acc = per_quelle.setdefault(kind.quelle, [0, 0])
        acc[0] += matched
        acc[1] += len(rows)
    for quelle, (m, n) in per_quelle.items():
        out[f"zuordnungsquote_{quelle}"] = round(m / n, 4)
    return out


def test_checks_are_registered_and_every_metric_asset_sits_behind_the_gate():
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    specs = {key.name: key for key in graph.asset_check_keys}
    assert BLOCKING | WARNINGS <= set(specs)
    for name in BLOCKING:
        assert specs[name].asset_key == GATE
        assert graph.get_check_spec(specs[name]).blocking
    for name in WARNINGS:
        assert not graph.get_check_spec(specs[name]).blocking
    # every kennzahlen asset except the gate itself and every bericht asset is downstream of the gate
    below = set()
    frontier = {GATE}
    while frontier:
        nxt = set()
        for k in frontier:
            nxt |= set(graph.get(k).child_keys)
        frontier = nxt - below
        below |= nxt
    for key in graph.get_all_asset_keys():
        if key.path[0] in ("kennzahlen", "bericht") and key != GATE:
            assert key in below, f"{key.to_user_string()} does not depend on kennzahlen/datenqualitaet: blocking checks would not stop it"


@pytest.mark.integration
def test_demo_run_passes_every_blocking_check_and_publishes():
    base = dq.base_run()
    assert base.summary.success, base.summary.failures
    evals = dq.check_evaluations(base)
    assert BLOCKING | WARNINGS <= set(evals)
    for name in BLOCKING:
        assert evals[name].passed, (name, evals[name].metadata)
        assert evals[name].severity == dg.AssetCheckSeverity.ERROR
    assert METRIC_AND_REPORT <= dq.materialized(base)
    assert (base.out / "reporting.duckdb").exists()
    meta = {k: v.value for k, v in evals["zuordnung_partner"].metadata.items()}
    expected = _expected_linkage_rates(base.inbox)
    assert {k: meta[k] for k in expected} == expected
    assert all(q < 1 for q in expected.values())  # the demo has rows of people unknown to the programme
    assert evals["stand_kontakte"].metadata["erwartungen"].value == len(expectation_specs(BY_NAME["kontakte"]))


@pytest.mark.integration
def test_failing_blocking_check_stops_the_metrics_and_keeps_the_published_database():
    base = dq.base_run()
    published = base.out / "reporting.duckdb"
    before_sha, before = _sha(published), dq.kennzahlen_tables(published, skip=())
    blocked = dq.blocked_run()  # same inbox; the warehouse was changed behind the pipeline's back

    assert not blocked.summary.success
    evals = dq.check_evaluations(blocked)
    assert not evals["stand_kontakte"].passed and evals["stand_kontakte"].severity == dg.AssetCheckSeverity.ERROR
    assert "bereich:Dauer (1 Zeile)" in evals["stand_kontakte"].metadata["fehlgeschlagen"].value
    # GX ran once, in the gate step (the rows changed behind the pipeline); the findings reuse that result
    assert evals["stand_kontakte"].metadata["geprueft"].value == "warehouse (neu geprüft)"
    assert not evals["verweise_asyl"].passed
    assert evals["verweise_asyl"].metadata["tandems.mentor_id_ohne_ziel"].value >= 1
    assert {n for n, e in evals.items() if n in BLOCKING and not e.passed} == {"stand_kontakte", "verweise_asyl"}

    done = dq.materialized(blocked)
    assert "kennzahlen/datenqualitaet" in done  # findings and report are still produced
    assert not (METRIC_AND_REPORT & done), METRIC_AND_REPORT & done

    # the published database: byte for byte the previous one, and readable
    assert (blocked.out / "reporting.duckdb").exists()
    copy_sha = _sha(blocked.out / "reporting.duckdb")
    assert copy_sha == before_sha
    con = duckdb.connect(str(blocked.out / "reporting.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM kennzahlen.ueberblick").fetchone()[0] > 0
    finally:
        con.close()
    # the metric tables in the warehouse were not recomputed from the bad rows either
    wh = dq.kennzahlen_tables(blocked.out / "warehouse.duckdb", skip=())
    for name in ("phasen_bestand", "mentoring", "ueberblick", "sprache"):
        assert wh[name] == before[name]
    # and the findings say so
    rows = dq.query(blocked.out / "warehouse.duckdb", "SELECT regel, schwere, datei, zeile FROM kennzahlen.befunde WHERE regel IN ('vertrag', 'pruefung_verweis')")
    assert {(r[0], r[1]) for r in rows} == {("vertrag", "FEHLER"), ("pruefung_verweis", "FEHLER")}
    assert all(r[2] and r[2].startswith("asyl/") for r in rows)
    assert any(r[3] is not None for r in rows if r[0] == "pruefung_verweis")


@pytest.mark.integration
def test_broken_newer_snapshot_of_each_kind_changes_no_kennzahl():
    base = dq.base_run()
    before = dq.kennzahlen_tables(base.out / "reporting.duckdb")
    broken, written = dq.broken_run()
    assert broken.summary.success, broken.summary.failures
    assert set(written) == {k.name for k in ALL_KINDS}
    after = dq.kennzahlen_tables(broken.out / "reporting.duckdb")
    assert set(after) == set(before)
    for name in before:
        assert after[name] == before[name], f"kennzahlen.{name} changed"
    dq_rows = {r[0]: r[1:] for r in dq.query(broken.out / "reporting.duckdb", "SELECT datei, status, grund FROM kennzahlen.datenqualitaet")}
    for kind, rel in written.items():
        status, grund = dq_rows[rel]
        assert status == "abgelehnt" and grund, (kind, status)
    # the snapshot in use is still the previous one, and the staging step says which
    for kind, rel in written.items():
        in_use = dq.query(broken.out / "warehouse.duckdb", "SELECT datenstand FROM meta.dateien WHERE art = ? AND status = 'verwendet'", [kind])
        assert in_use and in_use[0][0] < dq.BROKEN_DATENSTAND
    meta = {}
    for e in broken.events:
        de = e.dagster_event
        if de is not None and de.event_type_value == "ASSET_MATERIALIZATION":
            m = de.event_specific_data.materialization
            meta["/".join(m.asset_key.path)] = m.metadata
    assert meta["staging/kontakte"]["dateien_abgelehnt"].value == 1
    assert meta["staging/kontakte"]["datei_in_gebrauch"].value.endswith(f"{dq.DATENSTAND.isoformat()}.csv")
    # the published reports name the older (good) Datenstand of every kind, never the broken one
    good = {dq._good_file(base.inbox, kind) for kind in written}
    expected = {(p.name, datetime.strptime(p.stem.rsplit("_", 1)[1], "%Y-%m-%d").strftime("%d.%m.%Y")) for p in good}
    assert len(expected) == len(written)
    datenbasis = dq.query(broken.out / "reporting.duckdb", "SELECT datei, datenstand FROM bericht.datenbasis")
    assert len(datenbasis) == len(written)
    assert set(datenbasis) == expected
    assert not [r for r in datenbasis if f"{dq.BROKEN_DATENSTAND:%d.%m.%Y}" in r[1] or dq.BROKEN_DATENSTAND.isoformat() in r[0]]


@pytest.mark.integration
def test_warehouse_checks_agree_with_the_dagster_checks():
    """The gate asset evaluates the same functions as the checks (for the findings table)."""
    blocked = dq.blocked_run()
    con = duckdb.connect(str(blocked.out / "warehouse.duckdb"))
    try:
        results = {b.pruefung.name: b.ergebnis.ok for b in evaluate_all(con, dq.settings_for(blocked.inbox, blocked.out))}
    finally:
        con.close()
    evals = dq.check_evaluations(blocked)
    assert results == {n: evals[n].passed for n in results}


@pytest.mark.integration
def test_rerun_without_new_files_does_not_import_great_expectations():
    """A second nightly run on the same inbox: no parsing, no GX import (checked in a fresh process)."""
    base = dq.base_run()
    inbox, out = dq.copy_of_base("rerun")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from datetime import date\n"
        "from sources.settings import Settings\n"
        "from pipelines.runner import run_pipeline\n"
        f"s = run_pipeline(Settings(inbox=Path({str(inbox)!r}), out=Path({str(out)!r}), heute=date(2026, 11, 25)), key={KEY!r})\n"
        "print('ERFOLG', s.success, s.failures)\n"
        "print('GX', 'great_expectations' in sys.modules)\n"
        "from checks import gx_worker\n"
        "print('HELFER', gx_worker.STARTS)\n"
    )
    proc = subprocess.run([str(BIN / "python"), "-c", code], cwd=PIPELINE_ROOT, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert "ERFOLG True []" in proc.stdout, proc.stdout + proc.stderr[-3000:]
    assert "GX False" in proc.stdout
    assert "HELFER 0" in proc.stdout  # nor does it start the GX helper process
    # same published numbers as the first run
    assert dq.kennzahlen_tables(out / "reporting.duckdb") == dq.kennzahlen_tables(base.out / "reporting.duckdb")
    ort = dq.query(out / "warehouse.duckdb", "SELECT DISTINCT ort FROM meta.vertragspruefung")
    assert ort == [("laden",)]
