"""Raw layer: the inbox as it is tonight, archived."""


import dagster as dg

from assets.staging.load import check_key, register_inbox
from assets.preload import preload_report_libraries
from checks import gx_worker
from sources.settings import Settings
from assets.table_metadata import table_metadata
from assets.resources import PhasenmonitorResource, warehouse_asset
from sources.archive import archive_file, archived_path, content_hash, prune_archive
from sources.discovery import discover
from sources.pseudonym import Pseudonymizer, load_key


def restore_missing_copies(settings: Settings, in_use_files: list[tuple]) -> int:
    """Copy a file in use into the archive again if its copy is missing but the inbox still has it.

    The backup of the data folder leaves out archiv/ (raw data, docs/betrieb.md); after a restore
    (or a copy deleted by hand) the snapshots in use could otherwise not be re-checked. Only the
    unchanged file is copied: its content hash must still be the one recorded.
    """
    restored = 0
    for rel, sha, ext, im_eingang in in_use_files:
        if not im_eingang or archived_path(settings.archive_dir, sha, ext).exists():
            continue
        src = settings.inbox / rel
        try:
            if src.is_file() and content_hash(src) == sha:
                archive_file(src, settings.archive_dir, sha, ext)
                restored += 1
        except OSError:  # changed or vanished meanwhile: the staging step reports the missing copy
            continue
    return restored


@warehouse_asset(
    key=dg.AssetKey(["raw", "eingang"]),
    group_name="raw",
    kinds={"python", "duckdb"},
    description=(
        "Liest den Eingangsordner (nur lesend), erkennt Exportart und Datenstand am Dateinamen, "
        "kopiert neue Dateien (nach Inhalts-Hash) privat ins Archiv und verzeichnet jede Datei in "
        "meta.dateien. Dateien mit unbrauchbarem Namen werden hier schon abgelehnt. Archivkopien, die "
        "älter als archiv_aufbewahrung_tage sind, werden gelöscht, außer denen der Stände in Gebrauch; "
        "fehlt die Kopie eines Stands in Gebrauch, wird sie aus dem Eingang wiederhergestellt."
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
        if stats.neu:
            # Runs started by Dagster itself: GX imports on the other core while staging parses;
            # the report libraries load while this process waits for GX's first verdict.
            gx_worker.start()
            preload_report_libraries()
        else:  # nothing to validate: a helper the command line started ahead is not needed
            gx_worker.stop()
        # Retention keeps the copies of the snapshots in use (and of files not yet staged): a
        # changed referenced file (e.g. a new registry) makes the files that point to it be
        # re-checked from their archive copy, which must therefore outlive the retention period.
        in_use_files = con.execute(
            "SELECT datei, inhalt_sha256, endung, im_eingang FROM meta.dateien WHERE status IN ('verwendet', 'neu')"
        ).fetchall()
        # The inbox as Dagster's data version: which files (path and content) lie there tonight.
        (inbox_hash,) = con.execute(
            "SELECT coalesce(sha256(string_agg(datei_id, ',' ORDER BY datei_id)), 'leer') FROM meta.dateien WHERE im_eingang"
        ).fetchone()
        table = table_metadata(con, ["meta.dateien"])
    in_use = {sha for _, sha, _, _ in in_use_files}
    restored = restore_missing_copies(settings, in_use_files)
    removed = prune_archive(settings.archive_dir, in_use, settings.archiv_aufbewahrung_tage)
    return dg.MaterializeResult(
        data_version=dg.DataVersion(inbox_hash),
        metadata={
            **table,
            "dateien_im_eingang": stats.dateien,
            "neue_dateien": stats.neu,
            "abgelehnt_dateiname": stats.abgelehnt_name,
            "gehashte_dateien": stats.gehasht,
            "archiv_geloescht": len(removed),
            "archiv_wiederhergestellt": restored,
        }
    )
