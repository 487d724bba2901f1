"""Raw layer: the inbox as it is tonight, archived."""


import dagster as dg

from assets.staging.load import check_key, register_inbox
from pipelines.resources import PhasenmonitorResource
from sources.discovery import discover
from sources.pseudonym import Pseudonymizer, load_key


@dg.asset(
    key=dg.AssetKey(["raw", "eingang"]),
    group_name="raw",
    kinds={"python", "duckdb"},
    owners=["team:sozialamt-auswertung"],
    description=(
        "Liest den Eingangsordner (nur lesend), erkennt Exportart und Datenstand am Dateinamen, "
        "kopiert neue Dateien (nach Inhalts-Hash) privat ins Archiv und verzeichnet jede Datei in "
        "meta.dateien. Dateien mit unbrauchbarem Namen werden hier schon abgelehnt."
    ),
)
def raw_eingang(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Discover and archive the inbox's files; reject bad names."""
    settings = phasenmonitor.settings()
    pseud = Pseudonymizer(load_key())
    files = discover(settings.inbox, settings.run_day)
    with phasenmonitor.warehouse() as con:
        check_key(con, pseud)
        stats = register_inbox(con, settings, files)
    return dg.MaterializeResult(
        metadata={
            "dateien_im_eingang": stats.dateien,
            "neue_dateien": stats.neu,
            "abgelehnt_dateiname": stats.abgelehnt_name,
            "gehashte_dateien": stats.gehasht,
        }
    )
