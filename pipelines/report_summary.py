"""The short summary `phasenmonitor run` prints: key figures and data-quality findings."""

from __future__ import annotations

import sys
from typing import TextIO

from sources.formats import datum, zahl
from sources.settings import Settings

UEBERBLICK_SHOWN = (
    "teilnehmende_gesamt", "teilnehmende_aktiv", "phase_1", "phase_2", "phase_3", "vermittlungen",
    "mentorinnen_aktiv", "tandems_aktiv", "kontaktstunden", "zuschuss_rest_eur", "co2_kg", "ohne_einwilligung",
)


def _fmt(v) -> str:
    if v is None:
        return "–"
    return zahl(v, 0 if float(v).is_integer() else 2)


def _records(value) -> list[dict]:
    """Rows of a table metadata value (dagster.TableMetadataValue), as dicts."""
    return [dict(r.data) for r in getattr(value, "records", None) or []]


def print_summary(settings: Settings, summary, elapsed: float, stream: TextIO = sys.stdout) -> None:
    """The summary from the run's own materialisations (pipelines/runner.RunSummary): what is
    said is what this run produced; nothing is read from the warehouse."""
    w = lambda s="": print(s, file=stream)  # noqa: E731
    w(f"phasenmonitor: Lauf {'abgeschlossen' if summary.success else 'mit Fehlern beendet'} in {elapsed:.1f} s")
    if summary.stichtag and summary.has_registry:
        w(f"Stichtag: {datum(summary.stichtag)}")
    dq = summary.materialized.get("kennzahlen/datenqualitaet")
    if settings.datenstand_bis is not None and dq is not None:
        staende = ", ".join(f"{s['datei']}" for s in _records(dq.get("staende")))
        w(f"Reproduktion mit den Datenständen bis {datum(settings.datenstand_bis)}: {staende or 'keine gültigen Stände'}")
    values = summary.materialized.get("kennzahlen/ueberblick", {})
    shown = [f"{k} {_fmt(values[k])}" for k in UEBERBLICK_SHOWN if values.get(k) is not None]
    if shown and summary.published:
        w("Kennzahlen: " + ", ".join(shown))
    if dq is None:
        return
    files = _records(dq.get("eingang"))
    w(f"Eingang: {len(files)} Dateien")
    for f in files:
        line = (f"  {f['status']:<9} {f['datei']}  gelesen {f['gelesen']}, geladen {f['geladen']}, "
                f"Quarantäne {f['quarantaene']}, ausgeschlossen {f['ausgeschlossen']}")
        if f["grund"]:
            line += f"\n            Grund: {f['grund']}"
        w(line)
    n = dq.get("zeilen_in_quarantaene", 0)
    if n:
        w(f"Datenqualität: {n} Befunde (Zeile in Quarantäne):")
        shown = _records(dq.get("quarantaene_erste"))  # the first ones, as the asset's metadata lists them
        for f in shown:
            w(f"  {f['datei']}, Zeile {f['zeile']}, Spalte '{f['spalte']}': {f['grund']}")
        if n > len(shown):
            w(f"  … und {n - len(shown)} weitere (kennzahlen.befunde / intern/datenqualitaet_*.html)")
    if summary.published:
        w(f"Ausgaben: {settings.reporting_path}, {settings.bericht_dir}/ (Ratsunterlagen, öffentlich)")
    if "bericht" in dq:
        w(f"Intern: {settings.intern_dir}/ (Datenqualitätsbericht, nur für die Projektkoordination, nicht weitergeben; "
          "Korrekturlisten korrekturen_<Partner>_<Stichtag>.xlsx/.html zum Versand an den jeweiligen Partner)")
