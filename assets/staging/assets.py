"""Staging layer: one asset per export kind, built from the contract."""


import dagster as dg

from assets.staging.load import stage_kind
from pipelines.resources import PhasenmonitorResource
from sources.contract import ExportKind
from sources.kinds import ALL_KINDS
from sources.pseudonym import Pseudonymizer, load_key


def staging_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", name])


def _staging_asset(kind: ExportKind) -> dg.AssetsDefinition:
    deps = [dg.AssetKey(["raw", "eingang"])] + [staging_key(k) for k in sorted({r.kind for r in kind.references})]

    @dg.asset(
        key=staging_key(kind.name),
        deps=deps,
        group_name="staging",
        kinds={"polars", "duckdb"},
        owners=["team:sozialamt-auswertung"],
        description=(
            f"{kind.description} Quelle: {kind.quelle}. Prüft jede Zeile gegen den Exportvertrag "
            "(Quarantäne mit Datei, Zeile, Spalte, Grund), wendet Einwilligung und Verweise an, "
            "pseudonymisiert alle Kennungen und lädt gültige Stände nach staging."
            f"{kind.name}; der neueste gültige Stand ist 'verwendet'."
        ),
    )
    def _asset(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
        settings = phasenmonitor.settings()
        pseud = Pseudonymizer(load_key())
        with phasenmonitor.warehouse() as con:
            r = stage_kind(con, settings, pseud, kind)
            rows = con.execute(f"SELECT count(*) FROM aktuell.{kind.name}").fetchone()[0]
        return dg.MaterializeResult(
            metadata={
                "dateien_verarbeitet": r.verarbeitet,
                "dateien_abgelehnt": r.abgelehnt,
                "zeilen_geladen": r.geladen,
                "zeilen_quarantaene": r.quarantaene,
                "zeilen_ausgeschlossen": r.ausgeschlossen,
                "zeilen_aktueller_stand": rows,
                "datei_in_gebrauch": r.aktuell or "keine",
                "datenstand": str(r.aktuell_datenstand) if r.aktuell_datenstand else "–",
                "zeilen_bereinigt_einwilligung": r.bereinigt,
            }
        )

    return _asset


STAGING_ASSETS = [_staging_asset(k) for k in ALL_KINDS]
