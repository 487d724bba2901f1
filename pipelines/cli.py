"""The command line (its contract: docs/betrieb.md, README):

    phasenmonitor run --inbox DIR --out DIR [--stichtag JJJJ-MM-TT]
    phasenmonitor run --inbox DIR --out DIR --stichtag JJJJ-MM-TT --datenstand-bis JJJJ-MM-TT
    phasenmonitor demo-data --out DIR [--teilnehmende N] [--seed S]
    phasenmonitor freigeben --out DIR [--stichtag JJJJ-MM-TT]
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

# Light (the standard library only): the helper starts before anything heavy is imported.
from checks import gx_worker


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
    if args.command in ("run", "freigeben"):
        # Everything a run or a release writes (warehouse, archive, Dagster storage) is private by default.
        os.umask(0o077)
    if args.command == "run":
        # GX takes seconds to import: its helper starts before polars, pydantic and Dagster are
        # imported (below) when the inbox may hold something new, so that the import runs on the
        # second core meanwhile; the run's first step stops it again if not (checks/gx_worker.py,
        # assets/raw/inbox.py); if the guess misses a new file, that step starts the helper itself.
        if inbox_may_be_new(args.inbox, args.out):
            gx_worker.start()
    try:
        # The commands import polars and pydantic (a run also Dagster): only after the helper's start.
        from pipelines import commands

        rc = {"demo-data": commands.demo, "freigeben": commands.freigeben}.get(args.command, commands.run)(args)
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


if __name__ == "__main__":
    sys.exit(main())
