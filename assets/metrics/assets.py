"""Metrics layer: the published `kennzahlen` tables, computed in the warehouse."""


import dagster as dg

from assets.metrics.datenqualitaet import (
    build_datenqualitaet,
    build_ueberblick,
    ohne_einwilligung,
    save_ueberblick_part,
)
from assets.metrics.zeitraum import resolve_stichtag
from assets.staging.assets import staging_key
from pipelines.resources import PhasenmonitorResource
from sources.kinds import ALL_KINDS

STAGING_DEPS = [staging_key(k.name) for k in ALL_KINDS]


def kennzahlen_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["kennzahlen", name])


@dg.asset(
    key=kennzahlen_key("teilnahme"),
    deps=STAGING_DEPS,
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    owners=["team:sozialamt-auswertung"],
    description=(
        "Phasenverlauf, Vermittlungen nach BA-Zählweise, Nachhaltigkeit und Sprachkurse: "
        "kennzahlen.phasen_bestand, phasen_bewegungen, phasen_dauer, vermittlungen, nachhaltigkeit, sprache."
    ),
)
def kennzahlen_teilnahme(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Phase, placement and language tables of the contract."""
    from assets.metrics.teilnahme import build_teilnahme_kennzahlen

    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        rows = build_teilnahme_kennzahlen(con, settings, stichtag)
        save_ueberblick_part(con, "teilnahme", rows)
    return dg.MaterializeResult(metadata={"stichtag": str(stichtag), **{k: v for k, v in rows}})


@dg.asset(
    key=kennzahlen_key("mentoring"),
    deps=STAGING_DEPS,
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    owners=["team:sozialamt-auswertung"],
    description="Mentoring: Mentor*innen, Tandems, Kontaktstunden, Ehrenamtszuschuss und Budget, CO2 (kennzahlen.mentoring, kennzahlen.zuschuss_budget).",
)
def kennzahlen_mentoring(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Mentoring tables of the contract and the allowance budget forecast."""
    from assets.metrics.mentoring import build_mentoring_kennzahlen

    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        rows = build_mentoring_kennzahlen(con, settings, stichtag)
        save_ueberblick_part(con, "mentoring", rows)
    return dg.MaterializeResult(metadata={"stichtag": str(stichtag), **{k: v for k, v in rows}})


@dg.asset(
    key=kennzahlen_key("datenqualitaet"),
    deps=STAGING_DEPS,
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    owners=["team:sozialamt-auswertung"],
    description="kennzahlen.datenqualitaet: eine Zeile je Datei im Eingang mit Status, Grund und Zeilenbilanz.",
)
def kennzahlen_datenqualitaet(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """One row per inbox file; the counts add up per file."""
    with phasenmonitor.warehouse() as con:
        n = build_datenqualitaet(con)
        save_ueberblick_part(con, "datenqualitaet", [("ohne_einwilligung", float(ohne_einwilligung(con)))])
        by_status = dict(con.execute("SELECT status, count(*) FROM kennzahlen.datenqualitaet GROUP BY status").fetchall())
    return dg.MaterializeResult(metadata={"dateien": n, **{f"status_{k}": v for k, v in by_status.items()}})


@dg.asset(
    key=kennzahlen_key("ueberblick"),
    deps=[kennzahlen_key("teilnahme"), kennzahlen_key("mentoring"), kennzahlen_key("datenqualitaet")],
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    owners=["team:sozialamt-auswertung"],
    description="kennzahlen.ueberblick: die Schlüsselzahlen zum Stichtag, eine Zeile je Kennzahl.",
)
def kennzahlen_ueberblick(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Key figures at the Stichtag, gathered from the metric assets."""
    with phasenmonitor.warehouse() as con:
        n = build_ueberblick(con)
    return dg.MaterializeResult(metadata={"kennzahlen": n})


METRIC_ASSETS = [kennzahlen_teilnahme, kennzahlen_mentoring, kennzahlen_datenqualitaet, kennzahlen_ueberblick]
