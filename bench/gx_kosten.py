"""What Great Expectations costs a nightly run (docs/datenqualitaet.md, "Cost").

    .venv/bin/python bench/gx_kosten.py --inbox DIR --out DIR

Runs the nightly job in-process on INBOX (first run: every file is new, so the contract gate
validates each of them) and reports, per file, how long the gate waited for its verdict (the
validation in the GX helper process, and for the first file whatever was left of the helper's
import). The import itself happens in the helper, overlapping with the run's start, so it is
measured apart in a fresh process (``import great_expectations`` + context + the suites). Then
the job runs again in a fresh process (no new file), which reports whether GX was imported there
at all. Needs PHASENMONITOR_PSEUDONYM_KEY in the environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RERUN = """
import sys, time
from pathlib import Path
from sources.settings import Settings
from pipelines.runner import run_pipeline
t = time.perf_counter()
s = run_pipeline(Settings.load(inbox=Path(sys.argv[1]), out=Path(sys.argv[2])))
print(f"{s.success} {time.perf_counter() - t:.1f} {'great_expectations' in sys.modules}")
"""

IMPORT = """
import time
t = time.perf_counter()
from checks import gx_validation
from sources.kinds import ALL_KINDS
g = gx_validation.gx_context()
for kind in ALL_KINDS:
    g.definition(kind, None)
print(f"{time.perf_counter() - t:.2f}")
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inbox", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    import duckdb

    from checks import gx_validation
    from sources.settings import Settings
    from pipelines.runner import run_pipeline

    settings = Settings.load(inbox=args.inbox, out=args.out)
    t0 = time.perf_counter()
    summary = run_pipeline(settings)
    total = time.perf_counter() - t0
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT d.datei, v.ort, v.zeilen, v.erwartungen, v.sekunden, v.erfolgreich FROM meta.vertragspruefung v "
            "JOIN meta.dateien d USING (datei_id) ORDER BY v.sekunden DESC"
        ).fetchall()
    finally:
        con.close()
    gx_validate = sum(r[4] for r in rows)
    print(f"Lauf 1 (alle Dateien neu): {total:.1f} s, erfolgreich={summary.success} {summary.failures}")
    imp = subprocess.run([sys.executable, "-c", IMPORT], cwd=ROOT, capture_output=True, text=True)
    print(f"  GX-Import, Kontext und Suiten (eigener Prozess, im Lauf im Hilfsprozess): {imp.stdout.strip() or '?'} s")
    if gx_validation.GX_IMPORT_SEKUNDEN:
        print(f"  davon im Laufprozess selbst importiert (Hilfsprozess nicht verfügbar): {gx_validation.GX_IMPORT_SEKUNDEN:.2f} s")
    print(f"  Wartezeit des Ladetors auf GX: {gx_validate:.2f} s über {len(rows)} Prüfungen")
    for datei, ort, zeilen, n, sek, ok in rows:
        print(f"    {sek:7.2f} s  {zeilen:>9} Zeilen  {n:>3} Erwartungen  {ort:<9} {'ok' if ok else 'FEHLER'}  {datei}")
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-c", RERUN, str(args.inbox), str(args.out)], cwd=ROOT, env=env, capture_output=True, text=True)
    ok, secs, gx = (proc.stdout.strip().splitlines() or ["? ? ?"])[-1].split()
    print(f"Lauf 2 (keine neue Datei, frischer Prozess): {secs} s, erfolgreich={ok}, great_expectations importiert: {gx}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
