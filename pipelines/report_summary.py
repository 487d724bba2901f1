"""The short summary `phasenmonitor run` prints: key figures and data-quality findings."""

from __future__ import annotations

import sys
from typing import TextIO

import duckdb

from pipelines.config import Settings

MAX_FINDINGS_SHOWN = 15
UEBERBLICK_SHOWN = (
    "teilnehmende_gesamt", "teilnehmende_aktiv", "phase_1", "phase_2", "phase_3", "vermittlungen",
    "mentorinnen_aktiv", "tandems_aktiv", "kontaktstunden", "zuschuss_rest_eur", "co2_kg", "ohne_einwilligung",
)


def _fmt(v) -> str:
    if v is None:
        return "–"
    if float(v).is_integer():
        return f"{int(v):,}".replace(",", ".")
    return f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def print_summary(settings: Settings, summary, elapsed: float, stream: TextIO = sys.stdout) -> None:
    w = lambda s="": print(s, file=stream)  # noqa: E731
    w(f"phasenmonitor: Lauf {'abgeschlossen' if summary.success else 'mit Fehlern beendet'} in {elapsed:.1f} s")
    if summary.stichtag:
        w(f"Stichtag: {summary.stichtag:%d.%m.%Y}")
    rep = settings.reporting_path
    if rep.exists():
        con = duckdb.connect(str(rep), read_only=True)
        try:
            tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'kennzahlen'").fetchall()}
            if "ueberblick" in tables:
                values = dict(con.execute("SELECT kennzahl, wert FROM kennzahlen.ueberblick").fetchall())
                shown = [f"{k} {_fmt(values[k])}" for k in UEBERBLICK_SHOWN if k in values]
                if shown:
                    w("Kennzahlen: " + ", ".join(shown))
        finally:
            con.close()
    wh = settings.warehouse_path
    if not wh.exists():
        return
    con = duckdb.connect(str(wh), read_only=True)
    try:
        files = con.execute(
            "SELECT datei, datenstand, status, grund, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene, zeilen_ausgeschlossen "
            "FROM meta.dateien WHERE im_eingang ORDER BY datei"
        ).fetchall()
        w(f"Eingang: {len(files)} Dateien")
        for datei, stand, status, grund, gel, lad, qua, aus in files:
            line = f"  {status:<9} {datei}  gelesen {gel}, geladen {lad}, Quarantäne {qua}, ausgeschlossen {aus}"
            if grund:
                line += f"\n            Grund: {grund}"
            w(line)
        findings = con.execute(
            "SELECT datei, zeile, spalte, grund FROM meta.befunde b WHERE schwere = 'FEHLER' AND zeile IS NOT NULL "
            "AND datei_id IN (SELECT datei_id FROM meta.dateien WHERE im_eingang) ORDER BY datei, zeile"
        ).fetchall()
        if findings:
            w(f"Datenqualität: {len(findings)} Befunde (Zeile in Quarantäne):")
            for datei, zeile, spalte, grund in findings[:MAX_FINDINGS_SHOWN]:
                w(f"  {datei}, Zeile {zeile}, Spalte '{spalte}': {grund}")
            if len(findings) > MAX_FINDINGS_SHOWN:
                w(f"  … und {len(findings) - MAX_FINDINGS_SHOWN} weitere (kennzahlen.befunde / intern/datenqualitaet_*.html)")
    finally:
        con.close()
    w(f"Ausgaben: {settings.reporting_path}, {settings.bericht_dir}/ (Ratsunterlagen, öffentlich)")
    if settings.intern_dir.is_dir():
        w(f"Intern: {settings.intern_dir}/ (Datenqualitätsbericht, nur für die Projektkoordination, nicht weitergeben)")
