"""Metrics layer: the published `kennzahlen` tables, computed in the warehouse."""


import dagster as dg

from assets.metrics.datenqualitaet import (
    build_befunde,
    build_datenqualitaet,
    build_ueberblick,
    ohne_einwilligung,
    save_ueberblick_part,
)
from assets import stand
from assets.metrics.zeitraum import resolve_stichtag
from assets.staging.assets import staging_key
from pipelines.resources import PhasenmonitorResource
from sources.kinds import ALL_KINDS

STAGING_DEPS = [staging_key(k.name) for k in ALL_KINDS]


def kennzahlen_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["kennzahlen", name])


UNVERAENDERT = {"unveraendert": True}  # metadata of a materialisation that found nothing to recompute


def _teil(con, teil: str) -> dict[str, float | None]:
    return dict(con.execute("SELECT kennzahl, wert FROM intern.ueberblick_teile WHERE teil = ? ORDER BY pos", [teil]).fetchall())


# The blocking data checks (checks/asset_checks.py) hang on kennzahlen/datenqualitaet: every metric
# asset must depend on it, so that a failed blocking check keeps it from running on bad data.
GEPRUEFT_DEPS = [*STAGING_DEPS, kennzahlen_key("datenqualitaet")]


@dg.asset(
    key=kennzahlen_key("teilnahme"),
    deps=GEPRUEFT_DEPS,
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
        skip, eingabe = stand.pruefen(con, settings, "kennzahlen/teilnahme")
        if skip:
            return dg.MaterializeResult(metadata={"stichtag": str(stichtag), **UNVERAENDERT, **_teil(con, "teilnahme")})
        rows = build_teilnahme_kennzahlen(con, settings, stichtag)
        save_ueberblick_part(con, "teilnahme", rows)
        stand.merken(con, settings, "kennzahlen/teilnahme", eingabe)
    return dg.MaterializeResult(metadata={"stichtag": str(stichtag), **{k: v for k, v in rows}})


@dg.asset(
    key=kennzahlen_key("mentoring"),
    deps=GEPRUEFT_DEPS,
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
        skip, eingabe = stand.pruefen(con, settings, "kennzahlen/mentoring")
        if skip:
            return dg.MaterializeResult(metadata={"stichtag": str(stichtag), **UNVERAENDERT, **_teil(con, "mentoring")})
        rows = build_mentoring_kennzahlen(con, settings, stichtag)
        save_ueberblick_part(con, "mentoring", rows)
        stand.merken(con, settings, "kennzahlen/mentoring", eingabe)
    return dg.MaterializeResult(metadata={"stichtag": str(stichtag), **{k: v for k, v in rows}})


@dg.asset(
    key=kennzahlen_key("datenqualitaet"),
    deps=STAGING_DEPS,
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    owners=["team:sozialamt-auswertung"],
    description=(
        "kennzahlen.datenqualitaet (eine Zeile je Datei im Eingang mit Status, Grund und Zeilenbilanz), kennzahlen.befunde "
        "(eine Zeile je Befund) und der Datenqualitätsbericht intern/datenqualitaet_<Stichtag>.html. Trägt die "
        "blockierenden Datenprüfungen: schlägt eine fehl, laufen die Kennzahlen und die Veröffentlichung nicht."
    ),
)
def kennzahlen_datenqualitaet(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """One row per inbox file (the counts add up per file), the findings table and the coordinator's report.

    Evaluates the same checks as the asset checks that hang on this asset (checks/consistency.py),
    so that the findings and the report are complete even when a blocking check then stops the metrics.
    """
    from assets.metrics.zeitraum import KeinStichtag, resolve_stichtag
    from checks.consistency import Bewertung, evaluate_all, findings_of
    from checks.mentoring_checks import MENTORING_PRUEFUNG
    from checks.dq_report import record_pruefungen, write_dq_report

    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        skip, eingabe = stand.pruefen(con, settings, "kennzahlen/datenqualitaet")
        if skip:
            return dg.MaterializeResult(metadata={
                **UNVERAENDERT,
                "dateien": con.execute("SELECT count(*) FROM kennzahlen.datenqualitaet").fetchone()[0],
                "befunde": con.execute("SELECT count(*) FROM kennzahlen.befunde").fetchone()[0],
            })
        n = build_datenqualitaet(con)
        save_ueberblick_part(con, "datenqualitaet", [("ohne_einwilligung", float(ohne_einwilligung(con)))])
        by_status = dict(con.execute("SELECT status, count(*) FROM kennzahlen.datenqualitaet GROUP BY status").fetchall())
        bewertungen = evaluate_all(con, settings)
        # the mentor-side rules (WARN) are Dagster checks on kennzahlen/mentoring; their findings
        # belong in the same findings table and report as every other check's
        bewertungen.append(Bewertung(MENTORING_PRUEFUNG, MENTORING_PRUEFUNG.run(con, settings)))
        record_pruefungen(con, bewertungen)
        n_befunde = build_befunde(con, findings_of(bewertungen))
        by_schwere = dict(con.execute("SELECT schwere, count(*) FROM kennzahlen.befunde GROUP BY 1").fetchall())
        try:
            stichtag = resolve_stichtag(con, settings.stichtag)
        except KeinStichtag:
            stichtag = None
        bericht = write_dq_report(con, settings, stichtag)
        stand.merken(con, settings, "kennzahlen/datenqualitaet", eingabe, [bericht])
    failed = [b.pruefung.name for b in bewertungen if not b.ergebnis.ok]
    return dg.MaterializeResult(metadata={
        "dateien": n,
        **{f"status_{k}": v for k, v in by_status.items()},
        "befunde": n_befunde,
        **{f"befunde_{k.lower()}": v for k, v in by_schwere.items()},
        "pruefungen_nicht_bestanden": ", ".join(failed) or "keine",
        "bericht": dg.MetadataValue.path(str(bericht)),
    })


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
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        skip, eingabe = stand.pruefen(con, settings, "kennzahlen/ueberblick")
        if skip:
            n = con.execute("SELECT count(*) FROM kennzahlen.ueberblick").fetchone()[0]
            return dg.MaterializeResult(metadata={"kennzahlen": n, **UNVERAENDERT})
        n = build_ueberblick(con)
        stand.merken(con, settings, "kennzahlen/ueberblick", eingabe)
    return dg.MaterializeResult(metadata={"kennzahlen": n})


METRIC_ASSETS = [kennzahlen_teilnahme, kennzahlen_mentoring, kennzahlen_datenqualitaet, kennzahlen_ueberblick]
