"""The benchmark harness and the scale-out script run, so that they cannot rot (no speed asserts)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_run_bench_at_the_smallest_size(tmp_path):
    results, docs, chart = tmp_path / "results", tmp_path / "performance.md", tmp_path / "performance.png"
    docs.write_text("# Performance\n\nHand-written text stays.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "bench/run_bench.py", "--sizes", "100", "--data-dir", str(tmp_path / "data"),
         "--results-dir", str(results), "--docs", str(docs), "--chart", str(chart)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    r = json.loads((results / "n100.json").read_text(encoding="utf-8"))
    assert r["size"] == 100 and r["rows"] > 100
    for phase in ("run", "rerun", "floor", "import_floor"):
        assert r[phase]["wall_s"] > 0 and r[phase]["peak_rss_mb"] > 0 and "load_before" in r[phase]
    # Issue 16: the import floor's CPU time, the four ratios (wall and CPU), and the machine.
    assert r["import_floor"]["cpu_s"] > 0
    assert {f"{k}{u}" for k in ("run_floor", "run_import_floor", "rerun_run", "rerun_import_floor") for u in ("", "_cpu")} <= set(r["ratios"])
    assert r["machine"]["cpu"] and r["machine"]["cpus"] >= 1 and r["machine"]["mem_gb"] is not None
    # Dagster's step stats: every staging asset and the check steps are timed.
    steps = r["run"]["step_seconds"]
    assert {"raw__eingang", "staging__teilnehmende", "staging__kontakte", "bericht__reporting_db"} <= set(steps)
    assert "kennzahlen__datenqualitaet" in steps  # the gate evaluates its checks in its own step
    # The floor read every export file of the inbox (CSV in both encodings, XLSX).
    encodings = {f["kodierung"] for f in r["floor"]["files"]}
    assert {"utf-8", "xlsx"} <= encodings and encodings & {"latin-1", "cp1252->utf-8"}
    text = docs.read_text(encoding="utf-8")
    assert "Hand-written text stays." in text and "| 100 |" in text and "staging/kontakte" in text
    assert "Importboden" in text and f"Maschine: {r['machine']['cpu']}" in text
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Again (the harness's own functions, no second benchmark): the inbox comes from the cache,
    # and the generated section of the docs is replaced, not appended.
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run_bench
    finally:
        sys.path.remove(str(ROOT / "bench"))
    inbox, generated_in = run_bench.ensure_inbox(tmp_path / "data", 100, 2024, "2026-10-31", results / "again.log")
    assert generated_in is None and (inbox / ".bench_complete").exists()
    assert not (results / "again.log").exists()  # nothing was generated, so nothing was logged
    run_bench.update_docs(results, docs, chart)
    again = docs.read_text(encoding="utf-8")
    assert again.count(run_bench.BEGIN) == 1 and again.count("| 100 |") == text.count("| 100 |")


@pytest.mark.integration
@pytest.mark.slow
def test_two_municipality_partitions_on_postgres_storage():
    """PostgreSQL from the Debian package (installed by the script when missing and run as root)."""
    proc = subprocess.run(
        [sys.executable, "bench/postgres_partitions.py", "--install"], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    if proc.returncode == 77:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert {k: v["reporting_duckdb"] for k, v in summary["kommunen"].items()} == {"hilden": True, "haan": True}
    assert sorted((r["partition"], r["status"]) for r in summary["postgres_runs"]) == [("haan", "SUCCESS"), ("hilden", "SUCCESS")]
    assert summary["postgres_events"] > 0


def test_cli_job_is_unchanged_and_the_partitioned_job_defaults_to_hilden():
    from pipelines.definitions import build_definitions
    from pipelines.jobs import NIGHTLY_JOB_NAME
    from pipelines.partitions import KOMMUNEN_JOB_NAME

    defs = build_definitions()
    assert defs.resolve_job_def(NIGHTLY_JOB_NAME).partitions_def is None
    job = defs.resolve_job_def(KOMMUNEN_JOB_NAME)
    assert job.partitions_def.get_partition_keys() == ["hilden"]
