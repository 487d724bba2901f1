"""The published ``bericht.*`` tables as the council files read them: every number in a council
file comes from here, so the suppression decided in ``bericht_tables`` is the only one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from assets.report import bericht_tables as bt
from assets.report.disclosure import NICHT_SINNVOLL
from sources import xlsx_layout
from sources.settings import Settings

# The one font of the XLSX and the DOCX.
FONT = xlsx_layout.FONT


@dataclass
class Tabellen:
    specs: dict[str, bt.TabellenSpec]
    frames: dict[str, pl.DataFrame]
    fussnoten: dict[str, list[str]]
    stichtag: date

    def ue(self, kennzahl: str) -> str:
        df = self.frames["ueberblick"].filter(pl.col("kennzahl") == kennzahl)
        return df["wert"][0] if df.height else NICHT_SINNVOLL

    def zeile(self, tabelle: str, key: str) -> dict:
        spec = self.specs[tabelle]
        df = self.frames[tabelle].filter(pl.col(spec.spalten[0].name) == key)
        return df.row(0, named=True) if df.height else {}


def lesen(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> Tabellen:
    specs = bt.tabellen_specs(settings)
    frames = {n: con.sql(f"SELECT * FROM {bt.SCHEMA}.{n}").pl() for n in specs}  # names are our constants
    if not frames["veraenderung"].height:
        # before the first release there is nothing to compare with: no sheet, file or table
        del specs["veraenderung"], frames["veraenderung"]
    else:
        # the unit of each key figure, for the writers' number formats (not a published column)
        frames["veraenderung"] = frames["veraenderung"].join(
            frames["ueberblick"].select("kennzahl", "einheit"), on="kennzahl", how="left", maintain_order="left")
    noten: dict[str, list[str]] = {}
    for t, _, text in sorted(frames["fussnoten"].iter_rows(), key=lambda r: (r[0], int(r[1]))):
        noten.setdefault(t, []).append(text)
    return Tabellen(specs, frames, noten, stichtag)
