"""Council files in ``OUT/bericht/``, built from the suppressed ``bericht.*`` tables only.

One module per format:

- ``sachstand_<Stichtag>.docx``: draft for the Mitteilungsvorlage (``docx_draft``; its sentences
  in ``draft_sentences``, text blocks from elsewhere checked in ``text_blocks``);
- ``tabellen_<Stichtag>.xlsx``: one sheet per bericht table (``xlsx_file``);
- ``<tabelle>_<Stichtag>.csv``: one per bericht table, with its footnotes (``csv_files``);
- ``diagramm_*_<Stichtag>.png``: phases over time, placements per year, allowance budget
  (``charts``).

Every number in these files comes from a ``bericht`` table (read in ``published_tables``), so the
suppression decided there is the only one: nothing here can print a 1 or 2 that the tables do
not. The one exception is the forecast line of the budget chart (a projection from the published
total), which is drawn only if the forecast month in ``bericht.ueberblick`` is published.

Files are written into a scratch folder first and moved into place one by one with
``os.replace``, so a reader never opens a half-written file.

Entry point: ``write_bericht_files(con, settings, stichtag) -> [paths]``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import duckdb

from assets.metrics.kennzahl_texte import BUDGET
from assets.report import bericht_tables as bt
from assets.report.csv_files import write_csv
from assets.report.disclosure import parse_de
from assets.report.published_tables import lesen
from assets.report.text_blocks import textbausteine
from sources.settings import Settings

log = logging.getLogger(__name__)

# The council files are disclosure-controlled and meant to be passed on: readable by the analysts'
# group that may enter the data folder (docs/betrieb.md), whatever umask the run has (the run
# holds 0077 while the warehouse connection is open, for its WAL and spill files).
BERICHT_DIR_MODE = 0o755
BERICHT_FILE_MODE = 0o644


def _budget_prognose(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> bt.Prognose | None:
    try:
        return bt.budget_prognose(con, settings, stichtag)
    except Exception as exc:  # no forecast line rather than no report
        log.warning("Budgetprognose nicht verfügbar: %s", exc)
        return None


def write_bericht_files(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> list[Path]:
    """Write the council files for ``stichtag`` into ``settings.bericht_dir``; returns their paths.

    Reads ``bericht.*`` (built by ``build_bericht_tables``) from ``con``.
    """
    # matplotlib, python-docx and xlsxwriter take about half a second to import: loaded only when
    # the files are written, not when the code location loads (assets/preload.py starts them early).
    from assets.report import charts, docx_draft, xlsx_file

    t = lesen(con, settings, stichtag)
    ziel = settings.bericht_dir
    ziel.mkdir(parents=True, exist_ok=True)
    os.chmod(ziel, BERICHT_DIR_MODE)
    tag = stichtag.isoformat()
    prognose = _budget_prognose(con, settings, stichtag)
    budget = parse_de(t.ue(BUDGET)) or settings.budget_eur
    texte = textbausteine(con, settings, stichtag)

    tmp = Path(tempfile.mkdtemp(prefix=".neu-", dir=ziel))
    try:
        fertig: list[Path] = []
        for name in t.specs:
            p = tmp / f"{name}_{tag}.csv"
            write_csv(t, name, p)
            fertig.append(p)
        diagramme = charts.write_charts(t, prognose, budget, tmp, tag)
        fertig.extend(diagramme.values())
        xlsx = tmp / f"tabellen_{tag}.xlsx"
        xlsx_file.write_xlsx(t, xlsx)
        fertig.append(xlsx)
        docx = tmp / f"sachstand_{tag}.docx"
        docx_draft.write_docx(t, settings, diagramme, texte, docx)
        fertig.append(docx)
        out = []
        for p in fertig:
            dest = ziel / p.name
            os.chmod(p, BERICHT_FILE_MODE)
            os.replace(p, dest)
            out.append(dest)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
