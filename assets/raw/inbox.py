"""Raw layer: the inbox as it is tonight, archived."""


import dagster as dg

from assets.staging.load import check_key, register_inbox
from pipelines.resources import PhasenmonitorResource
from sources.archive import prune_archive
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
        "meta.dateien. Dateien mit unbrauchbarem Namen werden hier schon abgelehnt. Archivkopien, die "
        "älter als archiv_aufbewahrung_tage sind, werden gelöscht, außer denen der Stände in Gebrauch."
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
        # Retention keeps the copies of the snapshots in use (and of files not yet staged): a
        # changed referenced file (e.g. a new registry) makes the files that point to it be
        # re-checked from their archive copy, which must therefore outlive the retention period.
        in_use = {
            sha for (sha,) in con.execute(
                "SELECT DISTINCT inhalt_sha256 FROM meta.dateien WHERE status IN ('verwendet', 'neu')"
            ).fetchall()
        }
    removed = prune_archive(settings.archive_dir, in_use, settings.archiv_aufbewahrung_tage)
    return dg.MaterializeResult(
        metadata={
            "dateien_im_eingang": stats.dateien,
            "neue_dateien": stats.neu,
            "abgelehnt_dateiname": stats.abgelehnt_name,
            "gehashte_dateien": stats.gehasht,
            "archiv_geloescht": len(removed),
        }
    )
