"""Report layer: disclosure-controlled council tables, the council files, the published database."""


import dagster as dg

from assets import stand
from assets.metrics.assets import UNVERAENDERT, kennzahlen_key
from assets.metrics.zeitraum import resolve_stichtag
from pipelines.resources import PhasenmonitorResource

KENNZAHLEN_DEPS = [kennzahlen_key(n) for n in ("teilnahme", "mentoring", "datenqualitaet", "ueberblick")]


def bericht_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["bericht", name])


@dg.asset(
    key=bericht_key("tabellen"),
    deps=KENNZAHLEN_DEPS,
    group_name="bericht",
    kinds={"duckdb"},
    owners=["team:sozialamt-auswertung"],
    description="Tabellen im Schema bericht: aus kennzahlen abgeleitet, mit statistischer Geheimhaltung der BA (1 und 2 als *, 0 als –).",
)
def bericht_tabellen(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Council tables with primary and secondary suppression."""
    from assets.report.bericht_tables import build_bericht_tables

    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        skip, eingabe = stand.pruefen(con, settings, "bericht/tabellen")
        if skip:
            return dg.MaterializeResult(metadata=UNVERAENDERT)
        counts = build_bericht_tables(con, settings, stichtag)
        stand.merken(con, settings, "bericht/tabellen", eingabe)
    return dg.MaterializeResult(metadata={f"zeilen_{k}": v for k, v in counts.items()})


@dg.asset(
    key=bericht_key("reporting_db"),
    deps=KENNZAHLEN_DEPS + [bericht_key("tabellen")],
    group_name="bericht",
    kinds={"duckdb"},
    owners=["team:sozialamt-auswertung"],
    description="Veröffentlicht OUT/reporting.duckdb (Schemata kennzahlen und bericht) atomar: neben der alten Datei gebaut und dann ausgetauscht.",
)
def reporting_db(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Build reporting.duckdb beside the old one and swap it in."""
    from assets.report.publish import KATALOG, publish_reporting

    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        skip, eingabe = stand.pruefen(con, settings, "bericht/reporting_db")
        if skip:
            return dg.MaterializeResult(metadata={**UNVERAENDERT, "datei": dg.MetadataValue.path(str(settings.reporting_path))})
        path = publish_reporting(con, settings)
        stand.merken(con, settings, "bericht/reporting_db", eingabe, [path, settings.bericht_dir / KATALOG])
        n = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name IN ('kennzahlen','bericht')"
        ).fetchone()[0]
    return dg.MaterializeResult(metadata={"tabellen": n, "datei": dg.MetadataValue.path(str(path))})


@dg.asset(
    key=bericht_key("dateien"),
    deps=[bericht_key("tabellen"), bericht_key("reporting_db")],
    group_name="bericht",
    kinds={"python"},
    owners=["team:sozialamt-auswertung"],
    description="Ratsunterlagen in OUT/bericht/: Entwurf der Mitteilungsvorlage (DOCX), Tabellen (XLSX, CSV), Diagramme (PNG), Datenkatalog.",
)
def bericht_dateien(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Council files generated from the suppressed tables only."""
    from assets.report.files import write_bericht_files

    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        skip, eingabe = stand.pruefen(con, settings, "bericht/dateien")
        if skip:
            return dg.MaterializeResult(metadata=UNVERAENDERT)
        paths = write_bericht_files(con, settings, stichtag)
        stand.merken(con, settings, "bericht/dateien", eingabe, paths)
    return dg.MaterializeResult(metadata={"dateien": len(paths)})


REPORT_ASSETS = [bericht_tabellen, reporting_db, bericht_dateien]
