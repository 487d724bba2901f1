"""Staging layer: one asset per export kind, built from the contract."""


import dagster as dg

from assets.staging.load import stage_kind
from assets.table_metadata import table_metadata
from checks.asset_checks import check_result, check_specs_of, pruefungen_of
from assets.resources import PhasenmonitorResource, warehouse_asset
from sources.contract import ExportKind
from sources.kinds import ALL_KINDS, PARTNER_NAMEN
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


def staging_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", name])


def _staging_asset(kind: ExportKind) -> dg.AssetsDefinition:
    deps = [dg.AssetKey(["raw", "eingang"])] + [staging_key(k) for k in sorted({r.kind for r in kind.references})]
    key = ("staging", kind.name)

    @warehouse_asset(
        key=staging_key(kind.name),
        deps=deps,
        group_name="staging",
        kinds={"polars", "duckdb"},
        check_specs=check_specs_of(key),
        description=(
            f"{TITEL.get(kind.name, kind.description)} Quelle: {PARTNER_NAMEN.get(kind.quelle, kind.quelle)}. Prüft jede Zeile gegen den Exportvertrag "
            "(Quarantäne mit Datei, Zeile, Spalte, Grund), wendet Einwilligung und Verweise an, "
            "pseudonymisiert alle Kennungen und lädt gültige Stände nach staging."
            f"{kind.name}; der neueste gültige Stand ist 'verwendet' (aktuell.{kind.name})."
        ),
    )
    def _asset(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
        """Stage the new files of one export kind; report the snapshot in use as it is."""
        settings = phasenmonitor.settings()
        pseud = Pseudonymizer(load_key())
        with phasenmonitor.warehouse() as con:
            r = stage_kind(con, settings, pseud, kind)
            results = [(p, p.run(con, settings)) for p in pruefungen_of(key)]
            lieferung = next(res for p, res in results if p.name == f"vertrag_{kind.name}")
            table = table_metadata(con, [f"aktuell.{kind.name}"], column_descriptions(kind))
            version = snapshot_version(con, kind.name, table["dagster/row_count"])
        return dg.MaterializeResult(
            metadata={
                **table,
                # the snapshot in use, whatever this run did (a quiet night changes nothing here)
                **{k: lieferung.metadata[k] for k in IN_USE_KEYS},
                # what this run did
                "dateien_verarbeitet": r.verarbeitet,
                "zeilen_bereinigt_einwilligung": r.bereinigt,
            },
            check_results=[check_result(p, res) for p, res in results],
            data_version=version,
        )

    return _asset


# The columns every staging table has before the contract's (assets/staging/schema.py).
TECHNISCHE_SPALTEN = {
    "datei_id": "Datei, aus der die Zeile stammt (Hash aus Pfad und Inhalt, meta.dateien)",
    "datenstand": "Datenstand der Datei (aus dem Dateinamen)",
    "zeile": "Zeile in der Datei (Kopfzeile = 1), für Befunde und Rückfragen",
}


def column_descriptions(kind: ExportKind) -> dict[str, str]:
    """The contract's meaning of each stored column (sources/contract.py)."""
    return {**TECHNISCHE_SPALTEN, **{name: meaning for name, _, meaning in kind.stored_columns()}}


def snapshot_version(con, kind: str, rows: int) -> dg.DataVersion:
    """The snapshot in use as Dagster's data version: the file's id (a hash of path and content)
    and its row count (a consent purge removes rows without changing the file)."""
    row = con.execute("SELECT datei_id FROM intern.staende WHERE art = ?", [kind]).fetchone()
    return dg.DataVersion(f"{row[0] if row else 'kein-stand'}:{rows}")


# Metadata of the delivery check that describe the snapshot in use (checks/consistency.py).
IN_USE_KEYS = ("datei_in_gebrauch", "datenstand", "zeilen_gelesen", "zeilen_geladen", "zeilen_quarantaene", "zeilen_ausgeschlossen", "dateien_abgelehnt")

STAGING_ASSETS = [_staging_asset(k) for k in ALL_KINDS]
