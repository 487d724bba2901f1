"""Consent across the history of the warehouse (docs/datenvertrag.md, "teilnehmende"; decision 35):
a person without consent, or with a Widerruf in force, is removed from every snapshot of every
kind, so that no run, also no reproduction of an older report (``--datenstand-bis``), counts them.

The gate of the newest registry decides who is excluded (sources/linking.py); these functions
find when that gate must be re-run and remove the people from the older snapshots. The excluded
people's pseudonyms live only in memory (a frame handed to the purge), never in a table.
"""

from __future__ import annotations

from datetime import date

import polars as pl


def registry_needs_sweep(con, run_day: date) -> bool:
    """A withdrawal dated after the last run has come into force: the registry must be re-gated.
    The newest valid registry, not the run's selection (aktuell.*): consent is the person's word
    as of today, also in a reproduction of an older report."""
    row = con.execute(
        "SELECT count(*) FROM staging.teilnehmende s JOIN meta.dateien d ON d.datei_id = s.datei_id "
        "AND d.status = 'verwendet' AND d.art = 'teilnehmende' WHERE s.widerruf <= ?",
        [run_day],
    ).fetchone()
    return bool(row and row[0])


# People whose newest registry row in the history (the newest snapshot that lists them) carries a
# Widerruf in force: e.g. someone withdrawn in a snapshot and left out of the newer ones. The newest
# snapshot's own withdrawals are purged through its gate (stage_kind); these would otherwise stay
# in the older snapshots a reproduction (--datenstand-bis) selects. The inner filter keeps the
# window to the few people with such a row.
WIDERRUF_ZULETZT_SQL = """
SELECT tn_id FROM staging.teilnehmende
WHERE tn_id IN (SELECT tn_id FROM staging.teilnehmende WHERE widerruf <= $tag)
QUALIFY row_number() OVER (PARTITION BY tn_id ORDER BY datenstand DESC, datei_id DESC) = 1 AND widerruf <= $tag
"""


def purge_withdrawn_history(con, run_day: date) -> int:
    """Purge everyone whose newest registry row in the history is a Widerruf in force."""
    ids = con.sql(WIDERRUF_ZULETZT_SQL, params={"tag": run_day}).pl()["tn_id"]
    return purge_people(con, ids) if ids.len() else 0


def purge_people(con, tn_ids: pl.Series) -> int:
    """Remove every row of people without (or with withdrawn) consent from all snapshots."""
    ids = pl.DataFrame({"tn_id": tn_ids.drop_nulls().unique()})
    con.register("_weg", ids)
    # What leaves each file is booked as excluded for consent, so every file's balance
    # (gelesen = geladen + quarantaene + ausgeschlossen) stays true for the older snapshots too.
    con.execute("CREATE OR REPLACE TEMP TABLE _bereinigt (datei_id VARCHAR, n BIGINT)")
    removed = 0
    targets = [("kontakte", "tandem_id IN (SELECT tandem_id FROM staging.tandems WHERE tn_id IN (SELECT tn_id FROM _weg))")]
    targets += [(t, "tn_id IN (SELECT tn_id FROM _weg)") for t in ("teilnehmende", "tandems", "massnahmen", "integrationen", "kursteilnahmen")]
    for table, where in targets:  # contacts first: they are found through the tandems
        con.execute(f"INSERT INTO _bereinigt SELECT datei_id, count(*) FROM staging.{table} WHERE {where} GROUP BY datei_id")
        removed += con.execute(f"DELETE FROM staging.{table} WHERE {where}").fetchone()[0]
    con.execute(
        """UPDATE meta.dateien d SET zeilen_geladen = d.zeilen_geladen - b.n,
               zeilen_ausgeschlossen = d.zeilen_ausgeschlossen + b.n, ohne_einwilligung = d.ohne_einwilligung + b.n
           FROM (SELECT datei_id, sum(n) AS n FROM _bereinigt GROUP BY datei_id) b WHERE d.datei_id = b.datei_id"""
    )
    con.unregister("_weg")
    return removed
