"""What the series protection costs: four quarterly releases on the demo inbox, each report built
twice, with and without the protection against the released ones (docs/bericht.md, "Die
Berichtsreihe"), counting the cells printed as ``*``.

    python bench/berichtsreihe.py [--teilnehmende 60] [--json out.json] [--zellen cells.json] [--behalten DIR]

Each quarter: ``phasenmonitor run --stichtag S`` on the series' OUT, the same on a copy of it with
``reihenschutz: false``, then ``phasenmonitor freigeben`` of the protected report. Prints one row
per quarter: cells in the bericht tables, '*' with and without protection (the change table
apart, it exists only with a release before it), and the run times. ``--zellen`` writes every
printed cell of both reports per quarter, to compare two commits' series cell by cell.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
KEY = "BENCH-nur-fuer-synthetische-Testdaten"
DEMO_STAND = "2026-11-30"
STICHTAGE = ("2025-12-31", "2026-03-31", "2026-06-30", "2026-09-30")
HEUTE = "2026-12-01"


def _cli(*args: str, config: Path) -> float:
    env = {**os.environ, "PHASENMONITOR_PSEUDONYM_KEY": KEY, "PHASENMONITOR_CONFIG": str(config)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: {proc.stderr.strip()}")
    return time.perf_counter() - t0


def _sterne(out: Path) -> tuple[int, int, int]:
    """(cells, '*' outside the change table, '*' in the change table) of reporting.duckdb."""
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        zellen = sterne = sterne_v = 0
        tabellen = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'bericht' AND table_name NOT IN ('fussnoten', 'datenbasis')").fetchall()]
        for t in tabellen:
            rows = con.execute(f'SELECT * FROM bericht."{t}"').fetchall()  # names from the catalogue
            n = sum(1 for r in rows for v in r[1:] if v == "*")
            zellen += sum(len(r) - 1 for r in rows)
            if t == "veraenderung":
                sterne_v += n
            else:
                sterne += n
        return zellen, sterne, sterne_v
    finally:
        con.close()


def _zellen(out: Path) -> dict[str, list[list[str | None]]]:
    """Every row of every bericht table, as printed (str), to compare two commits cell by cell."""
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        tabellen = sorted(t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'bericht'").fetchall())
        return {t: [[None if v is None else str(v) for v in r]
                    for r in con.execute(f'SELECT * FROM bericht."{t}"').fetchall()] for t in tabellen}
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teilnehmende", default="60")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--zellen", type=Path, help="write every printed cell of both reports per quarter here")
    ap.add_argument("--behalten", type=Path, help="copy each release and each unprotected report here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="reihe-") as tmp:
        tmp = Path(tmp)
        mit, ohne = tmp / "mit.yaml", tmp / "ohne.yaml"
        mit.write_text(f"heute: {HEUTE}\n", encoding="utf-8")
        ohne.write_text(f"heute: {HEUTE}\nreihenschutz: false\n", encoding="utf-8")
        inbox, out = tmp / "inbox", tmp / "out"
        _cli("demo-data", "--out", str(inbox), "--teilnehmende", args.teilnehmende, "--datenstand", DEMO_STAND, config=mit)
        rows, zellen = [], {}
        for s in STICHTAGE:
            vergleich = tmp / f"ohne_{s}"
            if out.exists():  # the series so far; the first report has none
                shutil.copytree(out, vergleich)
            t_ohne = _cli("run", "--inbox", str(inbox), "--out", str(vergleich), "--stichtag", s, config=ohne)
            t_mit = _cli("run", "--inbox", str(inbox), "--out", str(out), "--stichtag", s, config=mit)
            z, st_mit, v_mit = _sterne(out)
            _, st_ohne, v_ohne = _sterne(vergleich)
            zellen[s] = {"mit": _zellen(out), "ohne": _zellen(vergleich)}
            _cli("freigeben", "--out", str(out), "--stichtag", s, config=mit)
            if args.behalten:
                shutil.copytree(out / "veroeffentlicht" / s, args.behalten / "veroeffentlicht" / s)
                shutil.copytree(vergleich, args.behalten / f"ohne_{s}", ignore=shutil.ignore_patterns("warehouse.duckdb*"))
            rows.append({"stichtag": s, "zellen": z, "sterne_mit": st_mit, "sterne_ohne": st_ohne, "veraenderung_mit": v_mit,
                         "veraenderung_ohne": v_ohne, "sekunden_mit": round(t_mit, 1), "sekunden_ohne": round(t_ohne, 1)})
            print(f"{s}: {z} Zellen; '*' mit Reihenschutz {st_mit} (+{v_mit} in veraenderung), ohne {st_ohne} "
                  f"(+{v_ohne}); Lauf {t_mit:.1f} s mit, {t_ohne:.1f} s ohne", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.zellen:
        args.zellen.write_text(json.dumps(zellen, indent=0, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
