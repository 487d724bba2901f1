"""The two real Dagster runs on the hand-built participant inbox (tests/fixtures/teilnahme/),
shared by tests/test_teilnahme_fixture.py and tests/test_merkmale.py through tests/conftest.py,
so the slowest fixture of the suite runs once per session.

Stichtag B = 31.03.2025 (the Datenstand) first, then A = 30.09.2024 into the same data folder
(the second run finds no new file and only recomputes the figures). Each run's reporting.duckdb
is read right after it, with the draft's disclosure model from the warehouse.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from fixtures import teilnahme_inbox

from assets.series import register
from sources.settings import Settings

HEUTE = date(2025, 4, 1)
STICHTAG_A = date(2024, 9, 30)
STICHTAG_B = date(2025, 3, 31)
KEY = b"test-key-teilnahme-fixture"  # the pseudonymisation key needs at least 16 characters
TABLES = ("ueberblick", "phasen_bestand", "phasen_bewegungen", "phasen_dauer", "vermittlungen", "nachhaltigkeit", "sprache",
          "merkmale")
# the public tables the Merkmal tests read (their text, as printed)
BERICHT = ("merkmale", "ueberblick", "phasen_bewegungen")


def _read_reporting(path: Path) -> dict[str, object]:
    """The published tables (sorted rows), the COMMENTs of schema kennzahlen, and the public
    tables of BERICHT as printed (rows in print order)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out: dict[str, object] = {t: sorted(con.execute(f"SELECT * FROM kennzahlen.{t}").fetchall()) for t in TABLES}
        out["merkmale_reihenfolge"] = con.execute("SELECT merkmal, auspraegung FROM kennzahlen.merkmale").fetchall()
        out["datenqualitaet"] = con.sql("SELECT * FROM kennzahlen.datenqualitaet").pl().to_dicts()
        out["kommentare"] = con.execute(
            "SELECT table_name, NULL, comment FROM duckdb_tables() WHERE schema_name = 'kennzahlen' "
            "UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'kennzahlen'"
        ).fetchall()
        out["bericht"] = {t: con.sql(f"SELECT * FROM bericht.{t}").pl().to_dicts() for t in BERICHT}
        out["bericht_werte"] = con.sql("SELECT * FROM bericht_werte.merkmale").pl().to_dicts()
        return out
    finally:
        con.close()


@pytest.fixture(scope="session")
def teilnahme_berichte(tmp_path_factory) -> dict[date, dict[str, object]]:
    """Per Stichtag: what _read_reporting reads, and ``modell``, the draft's disclosure model."""
    from pipelines.runner import run_pipeline

    base = tmp_path_factory.mktemp("teilnahme")
    inbox = base / "inbox"
    shutil.copytree(teilnahme_inbox.FIXTURE_DIR, inbox)
    out: dict[date, dict[str, object]] = {}
    for stichtag in (STICHTAG_B, STICHTAG_A):
        settings = Settings(inbox=inbox, out=base / "out", stichtag=stichtag, heute=HEUTE)
        summary = run_pipeline(settings, key=KEY)
        assert summary.success, summary.failures
        assert summary.stichtag == stichtag
        out[stichtag] = _read_reporting(settings.reporting_path)
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            out[stichtag]["modell"] = register.modell(con, register.ENTWURF)
        finally:
            con.close()
    return out
