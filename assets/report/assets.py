"""Report layer: disclosure-controlled council tables, the council files, the published database."""

import dagster as dg

from assets import stand
from assets.metrics.assets import kennzahlen_key, result
from assets.report.bericht_tables import build_bericht_tables
from assets.report.files import write_bericht_files
from assets.report.publish import KATALOG, publish_reporting
from assets.resources import WAREHOUSE_POOL, PhasenmonitorResource
from assets.table_metadata import tables_in
from sources.zeitraum import resolve_stichtag

KENNZAHLEN_DEPS = [kennzahlen_key(n) for n in ("teilnahme", "mentoring", "datenqualitaet", "ueberblick")]


def bericht_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["bericht", name])


@dg.asset(
    key=bericht_key("tabellen"),
    deps=KENNZAHLEN_DEPS,
    pool=WAREHOUSE_POOL,
    group_name="bericht",
    kinds={"duckdb"},
    owners=["team:sozialamt-auswertung"],
    description="Tabellen im Schema bericht: aus kennzahlen abgeleitet, mit statistischer Geheimhaltung der BA (1 und 2 als *, 0 als –).",
)
def bericht_tabellen(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Council tables with primary and secondary suppression."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        skip, eingabe = stand.check_unchanged(con, settings, "bericht/tabellen")
        if not skip:
            build_bericht_tables(con, settings, stichtag)
            stand.record(con, settings, "bericht/tabellen", eingabe)
        return result(con, tables_in(con, "bericht"), None, not skip, eingabe, stichtag=str(stichtag))


@dg.asset(
    key=bericht_key("reporting_db"),
    deps=KENNZAHLEN_DEPS + [bericht_key("tabellen")],
    pool=WAREHOUSE_POOL,
    group_name="bericht",
    kinds={"duckdb"},
    owners=["team:sozialamt-auswertung"],
    description="Veröffentlicht OUT/reporting.duckdb (Schemata kennzahlen und bericht) atomar: neben der alten Datei gebaut und dann ausgetauscht.",
)
def reporting_db(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Build reporting.duckdb beside the old one and swap it in."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        skip, eingabe = stand.check_unchanged(con, settings, "bericht/reporting_db")
        if not skip:
            publish_reporting(con, settings)
            stand.record(con, settings, "bericht/reporting_db", eingabe, [settings.reporting_path, settings.bericht_dir / KATALOG])
        n = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name IN ('kennzahlen','bericht')"
        ).fetchone()[0]
    return dg.MaterializeResult(
        metadata={"tabellen": int(n), "neu_berechnet": not skip, "datei": dg.MetadataValue.path(str(settings.reporting_path))},
        data_version=dg.DataVersion(eingabe),
    )


@dg.asset(
    key=bericht_key("dateien"),
    deps=[bericht_key("tabellen"), bericht_key("reporting_db")],
    pool=WAREHOUSE_POOL,
    group_name="bericht",
    kinds={"python"},
    owners=["team:sozialamt-auswertung"],
    description="Ratsunterlagen in OUT/bericht/: Entwurf der Mitteilungsvorlage (DOCX), Tabellen (XLSX, CSV), Diagramme (PNG), Datenkatalog.",
)
def bericht_dateien(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Council files generated from the suppressed tables only."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        skip, eingabe = stand.check_unchanged(con, settings, "bericht/dateien")
        if skip:
            paths = stand.files(con, settings, "bericht/dateien")
        else:
            paths = write_bericht_files(con, settings, stichtag)
            stand.record(con, settings, "bericht/dateien", eingabe, paths)
    return dg.MaterializeResult(
        metadata={
            "dateien": len(paths),
            "neu_berechnet": not skip,
            "ordner": dg.MetadataValue.path(str(settings.bericht_dir)),
            "stichtag": str(stichtag),
        },
        data_version=dg.DataVersion(eingabe),
    )


REPORT_ASSETS = [bericht_tabellen, reporting_db, bericht_dateien]
