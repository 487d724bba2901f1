"""Wall time of a full nightly run vs a rerun with nothing new, through the real command line.

    .venv/bin/python bench/ops_rerun.py [--teilnehmende 60 100000] [--work DIR]

For each size: writes a demo inbox (fixed seed and Datenstand), runs `phasenmonitor run` on an
empty data folder (full run), then again on the same inbox (rerun: nothing new, so nothing is
hashed or parsed), and compares every published table of both runs. Prints one line per size;
wall times include process start and imports, as an operator sees them; CPU seconds (user +
system of the run's processes) are less sensitive to other load on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
KEY = "BENCH-KEY-nur-fuer-synthetische-Testdaten"


def published(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall():
            rows = sorted(map(repr, con.execute(f'SELECT * FROM {s}."{t}"').fetchall()))
            out[f"{s}.{t}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def timed_run(inbox: Path, out: Path) -> tuple[float, int, float, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "PHASENMONITOR_PSEUDONYM_KEY_FILE", "PHASENMONITOR_CONFIG")}
    env["PHASENMONITOR_PSEUDONYM_KEY"] = KEY
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox), "--out", str(out)], env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    if p.returncode != 0:
        print(p.stderr[-2000:], file=sys.stderr)
    # ru_maxrss of children is the largest child so far (KiB): an upper bound for this run
    return wall, p.returncode, ru1.ru_maxrss / 1024, cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--teilnehmende", type=int, nargs="+", default=[60, 100_000])
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ops_rerun_"))
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for n in args.teilnehmende:
        base = work / f"n{n}"
        shutil.rmtree(base, ignore_errors=True)
        inbox, out = base / "inbox", base / "out"
        subprocess.run([str(BIN / "phasenmonitor"), "demo-data", "--out", str(inbox), "--teilnehmende", str(n),
                        "--seed", "2024", "--datenstand", date(2026, 11, 20).isoformat()], check=True, capture_output=True)
        full, rc1, peak1, cpu1 = timed_run(inbox, out)
        pub1 = published(out / "reporting.duckdb") if (out / "reporting.duckdb").exists() else {}
        rerun, rc2, peak2, cpu2 = timed_run(inbox, out)
        pub2 = published(out / "reporting.duckdb") if (out / "reporting.duckdb").exists() else {}
        same = pub1 == pub2 and bool(pub1)
        diff = sorted(k for k in set(pub1) | set(pub2) if pub1.get(k) != pub2.get(k))
        print(f"{n:>8} Teilnehmende: full {full:6.1f} s wall / {cpu1:6.1f} s CPU (rc {rc1}), "
              f"rerun {rerun:6.1f} s wall / {cpu2:6.1f} s CPU (rc {rc2}), "
              f"peak RSS <= {max(peak1, peak2):.0f} MB, published tables identical: {same}"
              + (f" (differ: {', '.join(diff)})" if diff else ""))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
