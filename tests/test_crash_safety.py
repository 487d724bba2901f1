"""Crash safety: `phasenmonitor run` killed with SIGKILL at several points of a run.

After each kill both databases open read-only and the published reporting.duckdb is still the
previous, complete one; the next run completes the work and removes what the killed runs left
behind. The kills are triggered by what the run writes (the warehouse's WAL appearing, the new
reporting database being built), not by guessed sleeps, so they hit the same phase on a fast or
a slow machine.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import BIN, Inbox, cli_env, kontakt, run, standard_rows, write_standard

HEUTE = date.today()  # the CLI judges Datenstände against today
D1 = HEUTE - timedelta(days=20)
RUN_LIMIT_S = 240


def _published(out: Path) -> dict[str, list]:
    """Every table of reporting.duckdb, read-only, as sorted rows."""
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        return {f"{s}.{t}": sorted(map(repr, con.execute(f'SELECT * FROM {s}."{t}"').fetchall())) for s, t in tables}
    finally:
        con.close()


def _warehouse_readable(out: Path) -> dict[str, str]:
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
            con.execute(f'SELECT count(*) FROM {s}."{t}"').fetchone()
        return dict(con.execute("SELECT datei, status FROM meta.dateien WHERE im_eingang").fetchall())
    finally:
        con.close()


def _kill_when(inbox: Path, out: Path, pattern: str, delay_s: float = 0.0) -> bool:
    """Start the CLI; SIGKILL it (whole process group) once ``OUT/pattern`` is written by this run."""
    t0 = time.time()
    proc = subprocess.Popen(
        [str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox), "--out", str(out)],
        env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        seen_at = None
        while proc.poll() is None and time.time() - t0 < RUN_LIMIT_S:
            if seen_at is None:
                for f in glob.glob(str(out / pattern)):
                    try:
                        if os.stat(f).st_mtime >= t0:
                            seen_at = time.time()
                            break
                    except OSError:
                        pass
            if seen_at is not None and time.time() - seen_at >= delay_s:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.002)
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_sigkill_at_several_points_leaves_previous_state_usable(tmp_path):
    inbox = Inbox(tmp_path / "inbox")
    out = tmp_path / "out"
    rows = standard_rows(n=8)
    write_standard(inbox, D1, rows)
    first = run(inbox.root, out, HEUTE)
    assert first.success, first.failures
    baseline = _published(out)

    # a new delivery: the next runs have real work to do (archive, parse, load, recompute, publish)
    rows["kontakte"].append(kontakt(2, 24))
    neu = inbox.csv(f"asyl/kontakte_{(D1 + timedelta(days=1)).isoformat()}.csv", rows["kontakte"])
    rel = neu.relative_to(inbox.root).as_posix()

    kill_points = [
        ("warehouse.duckdb.wal", 0.3),  # inside the first write transactions (raw / staging)
        ("reporting.duckdb.new", 0.0),  # while the new reporting database is being built
    ]
    for pattern, delay in kill_points:
        assert _kill_when(inbox.root, out, pattern, delay), f"the run ended before {pattern} appeared"
        # the previous, complete state: readable by an analyst right now
        assert _published(out) == baseline, pattern
        _warehouse_readable(out)

    # what a kill at other moments leaves behind (copy into the archive, council files' scratch folder)
    (out / "archiv" / ("0" * 64 + ".csv.tmp")).write_bytes(b"halb kopiert")
    (out / "bericht" / ".neu-abgebrochen").mkdir(parents=True, exist_ok=True)
    (out / "bericht" / ".neu-abgebrochen" / "sachstand.docx").write_bytes(b"halb")
    (out / "reporting.duckdb.new").write_bytes(b"kein duckdb")

    final = run(inbox.root, out, HEUTE)
    assert final.success, final.failures
    assert _warehouse_readable(out)[rel] == "verwendet"
    assert set(_published(out)) == set(baseline)
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        assert rel in {d for (d,) in con.execute("SELECT datei FROM kennzahlen.datenqualitaet").fetchall()}
    finally:
        con.close()
    leftovers = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*")
        if p.name.endswith((".tmp", ".new")) or p.name.startswith(".neu-") or p.name.endswith(".new.wal")
    )
    assert leftovers == []
