"""Report layer: disclosure-controlled council tables, the council files, the published database."""

from pathlib import Path

import dagster as dg

from assets import stand
from assets.metrics.assets import kennzahlen_key, result
from assets.report.bericht_tables import SCHEMA, SCHEMA_WERTE, build_bericht_tables
from assets.report.files import write_bericht_files
from assets.report.publish import KATALOG, PUBLISHED_SCHEMAS, publish_reporting
from assets.report.release import sha256
from assets.resources import PhasenmonitorResource, warehouse_asset
from assets.series import register
from assets.table_metadata import tables_in
from sources.zeitraum import resolve_stichtag

KENNZAHLEN_DEPS = [kennzahlen_key(n) for n in ("teilnahme", "mentoring", "datenqualitaet", "ueberblick", "berichtsreihe")]


def bericht_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["bericht", name])


@warehouse_asset(
    key=bericht_key("tabellen"),
    deps=KENNZAHLEN_DEPS,
    group_name="bericht",
    kinds={"duckdb"},
    description="Tabellen im Schema bericht: aus kennzahlen abgeleitet, mit statistischer Geheimhaltung der BA (1 und 2 als *, 0 als –); "
                "im Schema bericht_werte dieselben Tabellen mit Zahlen (NULL für *, 0 für –).",
)
def bericht_tabellen(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Council tables with primary and secondary suppression."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        neu, eingabe = stand.build_unless_unchanged(
            con, settings, "bericht/tabellen", lambda: build_bericht_tables(con, settings, stichtag))
        return result(con, tables_in(con, SCHEMA) + tables_in(con, SCHEMA_WERTE), None, neu, eingabe, stichtag=str(stichtag))


@warehouse_asset(
    key=bericht_key("reporting_db"),
    deps=KENNZAHLEN_DEPS + [bericht_key("tabellen")],
    group_name="bericht",
    kinds={"duckdb"},
    description="Veröffentlicht OUT/reporting.duckdb (Schemata kennzahlen, bericht und bericht_werte) atomar: neben der alten Datei gebaut und dann ausgetauscht.",
)
def reporting_db(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Build reporting.duckdb beside the old one and swap it in."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        def publish() -> list[Path]:
            publish_reporting(con, settings)
            return [settings.reporting_path, settings.bericht_dir / KATALOG]

        neu, eingabe = stand.build_unless_unchanged(con, settings, "bericht/reporting_db", publish, writes_files=True)
        n = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND list_contains(?, schema_name)",
            [list(PUBLISHED_SCHEMAS)]).fetchone()[0]
    return dg.MaterializeResult(
        metadata={"tabellen": int(n), "neu_berechnet": neu, "datei": dg.MetadataValue.path(str(settings.reporting_path))},
        data_version=dg.DataVersion(eingabe),
    )


@warehouse_asset(
    key=bericht_key("dateien"),
    deps=[bericht_key("tabellen"), bericht_key("reporting_db")],
    group_name="bericht",
    kinds={"python"},
    description="Ratsunterlagen in OUT/bericht/: Entwurf der Mitteilungsvorlage (DOCX), Tabellen (XLSX, CSV), Diagramme (PNG), Datenkatalog.",
)
def bericht_dateien(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Council files generated from the suppressed tables only."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        def schreiben() -> list[Path]:
            paths = write_bericht_files(con, settings, stichtag)
            # what a release takes (assets/report/release.py checks the files are still these)
            register.save_entwurf_dateien(con, [(p.name, sha256(p)) for p in paths])
            return paths

        neu, eingabe = stand.build_unless_unchanged(con, settings, "bericht/dateien", schreiben, writes_files=True)
        paths = stand.files(con, settings, "bericht/dateien")
    return dg.MaterializeResult(
        metadata={
            "dateien": len(paths),
            "neu_berechnet": neu,
            "ordner": dg.MetadataValue.path(str(settings.bericht_dir)),
            "stichtag": str(stichtag),
        },
        data_version=dg.DataVersion(eingabe),
    )


REPORT_ASSETS = [bericht_tabellen, reporting_db, bericht_dateien]
