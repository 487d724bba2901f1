"""The commands of the command line (pipelines/cli.py parses the arguments and starts the GX
helper first, then imports this module: it pulls in polars, pydantic and, for a run, Dagster)."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date

from checks import gx_worker
from pipelines.report_summary import print_summary
from pipelines.runner import RunRefused, run_pipeline, run_release
from sources import formats
from sources.pseudonym import KeyMissing
from sources.settings import RunOnlyOption, Settings


def demo(args) -> int:
    from sources.demo import write_demo_inbox  # numpy and the generator: only `demo-data` needs them

    t0 = time.perf_counter()
    summary = write_demo_inbox(args.out, teilnehmende=args.teilnehmende, seed=args.seed, datenstand=args.datenstand)
    print(f"Demo-Eingang mit {args.teilnehmende} Teilnehmenden in {args.out} geschrieben ({time.perf_counter() - t0:.1f} s).")
    rows = summary.get("rows") if isinstance(summary, dict) else None
    if rows:
        print("Zeilen: " + ", ".join(f"{k} {v}" for k, v in rows.items()))
    return 0


def freigeben(args) -> int:
    try:
        settings = Settings.load(out=args.out, schreibsperre_warten_sekunden=0)
        summary = run_release(settings, args.stichtag)
    except RunRefused as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    if summary.refusal:
        print(f"Fehler: {summary.refusal}", file=sys.stderr)
        return 2
    if not summary.success:
        print("Fehler: Die Freigabe ist nicht durchgelaufen: " + "; ".join(summary.failures), file=sys.stderr)
        if summary.details_file:
            print(f"Einzelheiten (nur für die Betreuung): {summary.details_file}", file=sys.stderr)
        return 1
    m = summary.materialized.get("freigabe", {})
    print(f"Bericht zum Stichtag {formats.datum(date.fromisoformat(m['stichtag']))} freigegeben: {m['ordner']} "
          f"({m['dateien']} Dateien, Fingerabdruck {m['fingerabdruck'][:16]}…).")
    print("Die Dateien dort sind unveränderlich; spätere Berichte vergleichen mit ihm und sind gegen ihn geschützt.")
    if m.get("pdf_hinweis"):
        print(f"Hinweis: {m['pdf_hinweis']}", file=sys.stderr)
    return 0


def run(args) -> int:
    # The umask is set and the GX helper started by pipelines/cli.py, before this module loads.
    t0 = time.perf_counter()
    try:
        # By hand, a held data folder is refused at once (a Dagster run waits: sources/runlock.py).
        settings = Settings.load(inbox=args.inbox, out=args.out, stichtag=args.stichtag, datenstand_bis=args.datenstand_bis,
                                 schreibsperre_warten_sekunden=0)
        # Dagster's console log only for what the summary below cannot say; failures are reported here.
        summary = run_pipeline(settings, log_level="CRITICAL")
    except (KeyMissing, RunRefused, RunOnlyOption) as exc:
        gx_worker.stop()
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - t0
    _write_step_times(summary)
    if summary.refusal:
        print(f"Fehler: {summary.refusal}", file=sys.stderr)
        return 2
    if summary.staged and not summary.has_registry:
        if settings.datenstand_bis is not None:
            print(f"Fehler: Bis zum Datenstand {formats.datum(settings.datenstand_bis)} gibt es keinen gültigen Stand der "
                  "Teilnehmendenliste im Warehouse; ohne ihn kann die Reproduktion keinen Bericht erzeugen.", file=sys.stderr)
        else:
            print(
                "Fehler: Es gibt keine gültige Teilnehmendenliste (asyl/teilnehmende_JJJJ-MM-TT.csv); ohne sie kann kein Bericht entstehen.",
                file=sys.stderr,
            )
        print_summary(settings, summary, elapsed)  # the files and why they were rejected
        return 3
    print_summary(settings, summary, elapsed)
    if not summary.success:
        # One sentence per failed step; the full errors stay in Dagster's event log of the run.
        print("Fehler: Der Lauf ist nicht vollständig durchgelaufen: " + "; ".join(summary.failures), file=sys.stderr)
        if summary.details_file:
            print(f"Einzelheiten (nur für die Betreuung): {summary.details_file}", file=sys.stderr)
        return 1
    return 0


STEP_TIMES_ENV = "PHASENMONITOR_SCHRITTZEITEN"


def _write_step_times(summary) -> None:
    """Seconds per Dagster step as JSON, if the environment names a file (bench/run_bench.py;
    an operator asking where a night's time went). Step names and numbers only."""
    target = os.environ.get(STEP_TIMES_ENV)
    if not target:
        return
    with open(target, "w", encoding="utf-8") as fh:
        json.dump({"success": summary.success, "step_seconds": summary.step_seconds, "failures": summary.failures}, fh)
