"""The command line (its contract: docs/betrieb.md, README):

    phasenmonitor run --inbox DIR --out DIR [--stichtag JJJJ-MM-TT]
    phasenmonitor run --inbox DIR --out DIR --stichtag JJJJ-MM-TT --datenstand-bis JJJJ-MM-TT
    phasenmonitor demo-data --out DIR [--teilnehmende N] [--seed S]
    phasenmonitor freigeben --out DIR [--stichtag JJJJ-MM-TT]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from checks import gx_worker
from pipelines.report_summary import print_summary
from pipelines.runner import RunRefused, run_pipeline, run_release
from sources.pseudonym import KeyMissing
from sources import formats
from sources.settings import RunOnlyOption, Settings


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' ist kein Datum der Form JJJJ-MM-TT") from None


class _Parser(argparse.ArgumentParser):
    """A wrong command line gets one sentence (docs/betrieb.md), not argparse's usage block."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"Fehler: {_german(message)} (Hilfe: phasenmonitor --help)\n")


def _german(message: str) -> str:
    """argparse's own wording, the parts a user sees most, in German."""
    if message.startswith("argument "):
        name, _, rest = message[len("argument "):].partition(": ")
        if rest.startswith("invalid choice"):
            return f"Unbekannter Befehl {rest.split(':', 1)[1].split('(')[0].strip()}."
        return f"Angabe {name}: {rest}."
    if message.startswith("the following arguments are required: "):
        return "Es fehlt: " + message.split(": ", 1)[1] + "."
    if message.startswith("unrecognized arguments: "):
        return "Unbekannte Angabe: " + message.split(": ", 1)[1] + "."
    return message


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="phasenmonitor", description="Berichtspipeline des 3-Phasen-Modells (Stadt Hilden).")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="Nachtlauf: Eingang prüfen, laden, Kennzahlen und Ratsunterlagen erzeugen.")
    run.add_argument("--inbox", required=True, type=Path, help="Eingangsordner mit asyl/, jobcenter/, vhs/")
    run.add_argument("--out", required=True, type=Path, help="Datenordner für warehouse.duckdb, reporting.duckdb, bericht/")
    run.add_argument("--stichtag", type=_date, default=None, help="Stichtag JJJJ-MM-TT (Standard: ältester Datenstand der aktuellen Exporte)")
    run.add_argument(
        "--datenstand-bis", type=_date, default=None, metavar="JJJJ-MM-TT",
        help="Reproduktion: je Export der jüngste gültige Stand mit Datenstand bis zu diesem Tag (nur mit --stichtag)",
    )
    rel = sub.add_parser("freigeben", help="Den aktuellen Bericht an den Rat freigeben (einmal je Stichtag, danach unveränderlich).")
    rel.add_argument("--out", required=True, type=Path, help="Datenordner des Laufs")
    rel.add_argument("--stichtag", type=_date, default=None, help="Stichtag des freizugebenden Berichts (Standard: der des aktuellen Berichts)")
    demo = sub.add_parser("demo-data", help="Synthetischen Demo-Eingang erzeugen (deterministisch aus dem Seed).")
    demo.add_argument("--out", required=True, type=Path)
    demo.add_argument("--teilnehmende", type=int, default=60)
    demo.add_argument("--seed", type=int, default=2024)
    demo.add_argument("--datenstand", type=_date, default=None, help="Datenstand der Dateien (Standard: gestern)")
    return p


REPRODUKTION_OHNE_STICHTAG = (
    "--datenstand-bis braucht --stichtag: eine Reproduktion baut den Bericht eines bestimmten Stichtags nach "
    "(phasenmonitor run … --stichtag JJJJ-MM-TT --datenstand-bis JJJJ-MM-TT)."
)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "run" and args.datenstand_bis is not None and args.stichtag is None:
        parser.error(REPRODUKTION_OHNE_STICHTAG)  # exit 2, one sentence, before anything is opened
    try:
        rc = {"demo-data": _demo, "freigeben": _freigeben}.get(args.command, _run)(args)
        sys.stdout.flush()  # here, not at exit: a closed pipe must reach the handler below
        return rc
    except BrokenPipeError:
        # The summary's reader went away (``phasenmonitor run … | head``); the run's own work is
        # done and committed, so this is no failure worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last guard: one sentence, never a traceback
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"Fehler: Der Lauf konnte nicht ausgeführt werden ({type(exc).__name__}: {text}).", file=sys.stderr)
        return 1


def _demo(args) -> int:
    from sources.demo import write_demo_inbox  # numpy and the generator: only `demo-data` needs them

    t0 = time.perf_counter()
    summary = write_demo_inbox(args.out, teilnehmende=args.teilnehmende, seed=args.seed, datenstand=args.datenstand)
    print(f"Demo-Eingang mit {args.teilnehmende} Teilnehmenden in {args.out} geschrieben ({time.perf_counter() - t0:.1f} s).")
    rows = summary.get("rows") if isinstance(summary, dict) else None
    if rows:
        print("Zeilen: " + ", ".join(f"{k} {v}" for k, v in rows.items()))
    return 0


def _freigeben(args) -> int:
    os.umask(0o077)
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


def _run(args) -> int:
    # Everything the run writes (warehouse, archive, Dagster storage) is private by default.
    os.umask(0o077)
    # GX takes ~3 s to import: its helper starts before Dagster is imported when the inbox may
    # hold something new, and the run's first step stops it again if not (checks/gx_worker.py,
    # assets/raw/inbox.py); if the guess misses a new file, that step starts the helper itself.
    if inbox_may_be_new(args.inbox, args.out):
        gx_worker.start()

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


def inbox_may_be_new(inbox: Path, out: Path) -> bool:
    """A guess from file times alone (no warehouse is opened): some inbox file changed after the
    warehouse was last written, or there is no warehouse yet."""
    try:
        written = (out / "warehouse.duckdb").stat().st_mtime_ns
    except OSError:
        return True
    try:
        return any(p.stat().st_mtime_ns >= written for p in inbox.rglob("*") if p.is_file())
    except OSError:
        return True


STEP_TIMES_ENV = "PHASENMONITOR_SCHRITTZEITEN"


def _write_step_times(summary) -> None:
    """Seconds per Dagster step as JSON, if the environment names a file (bench/run_bench.py;
    an operator asking where a night's time went). Step names and numbers only."""
    target = os.environ.get(STEP_TIMES_ENV)
    if not target:
        return
    with open(target, "w", encoding="utf-8") as fh:
        json.dump({"success": summary.success, "step_seconds": summary.step_seconds, "failures": summary.failures}, fh)


if __name__ == "__main__":
    sys.exit(main())
