"""Staging layer: one asset per export kind, built from the contract."""


import dagster as dg

from assets.staging.load import stage_kind
from pipelines.resources import PhasenmonitorResource
from sources.contract import ExportKind
from sources.kinds import ALL_KINDS
from sources.pseudonym import Pseudonymizer, load_key


# German titles for the UI (the contract's own descriptions in sources/ are English).
TITEL = {
    "teilnehmende": "Teilnehmendenliste: eine Zeile je Person (Schlüssel TN-Nr).",
    "mentorinnen": "Mentor*innen: eine Zeile je Mentor*in (Schlüssel Mentor-Nr).",
    "tandems": "Tandems aus Mentor*in und teilnehmender Person: eine Zeile je Tandem (Schlüssel Tandem-Nr).",
    "kontakte": "Kontaktprotokoll des Mentorings: eine Zeile je Kontakt (ohne Schlüssel).",
    "unternehmen": "Unternehmensnetzwerk (optional): eine Zeile je Unternehmen (Schlüssel Unternehmen).",
    "massnahmen": "Fördermaßnahmen des Jobcenters: eine Zeile je Maßnahme.",
    "integrationen": "Aufnahmen von Arbeit oder Ausbildung: eine Zeile je Aufnahme.",
    "kursteilnahmen": "Kursteilnahmen und Prüfungen der VHS: eine Zeile je Anmeldung.",
}
QUELLE = {"asyl": "Sachgebiet Asyl", "jobcenter": "Jobcenter", "vhs": "VHS Hilden-Haan"}


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
            f"{TITEL.get(kind.name, kind.description)} Quelle: {QUELLE.get(kind.quelle, kind.quelle)}. Prüft jede Zeile gegen den Exportvertrag "
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
