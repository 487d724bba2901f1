"""Metrics I, the breakdown by person group: ``kennzahlen.merkmale`` (docs/kennzahlen.md,
"Nach Merkmalen").

One row per Merkmal (Geschlecht, Altersgruppe, Aufenthaltsstatus, Austrittsgrund) and Ausprägung,
with the four overview counts as of the Stichtag. The counts are those of the rule ``tn_stand``
(:func:`assets.metrics.teilnahme_rules.register_stand`), which the overview counts too, so the
rows of one Merkmal add up to ``kennzahlen.ueberblick`` in every column. The Merkmale themselves
stay in the restricted warehouse (``aktuell.teilnehmende``); only the counts are published.
"""

from __future__ import annotations

import duckdb

from assets.metrics.ddl import create_commented_table
from sources.asyl import AUFENTHALTSSTATUS, AUSTRITTSGRUENDE, TEILNEHMENDE
from sources.parsing import altersgruppen
from sources.settings import Settings

TABELLE = "merkmale"
# Merkmal -> column of aktuell.teilnehmende; order = order of the rows.
MERKMALE: tuple[str, ...] = ("geschlecht", "altersgruppe", "aufenthaltsstatus", "austrittsgrund")
# Entscheidung: a person who has not left by the Stichtag has no Austrittsgrund yet (also one whose
# Austritt after the Stichtag is already exported): they are counted under this Ausprägung, so the
# rows of every Merkmal add up to the overview totals (docs/entscheidungen.md).
KEIN_AUSTRITT = "kein Austritt"
# A value missing in the warehouse (the contract requires all four, so this does not occur in
# loaded rows): counted rather than dropped, so the totals still add up.
OHNE_ANGABE = "ohne Angabe"

SPALTEN: list[tuple[str, str, str]] = [
    ("merkmal", "VARCHAR", "Merkmal: geschlecht, altersgruppe, aufenthaltsstatus oder austrittsgrund"),
    ("auspraegung", "VARCHAR", "Ausprägung: der Code wie im Export der Teilnehmendenliste (Geschlecht m, w, d; Aufenthaltsstatus; "
     "Austrittsgrund, dazu 'kein Austritt' für alle ohne Austritt bis zum Stichtag), bei altersgruppe die Altersgruppe des "
     "Warehouse (Alter am Datenstand des Exports: unter 18, 18–24, 25–34, 35–44, 45–54, 55 und älter)"),
    ("teilnehmende_gesamt", "BIGINT", "Teilnehmende mit dieser Ausprägung, Eintritt am oder vor dem Stichtag (wie ueberblick.teilnehmende_gesamt)"),
    ("teilnehmende_aktiv", "BIGINT", "davon am Stichtag aktiv (wie ueberblick.teilnehmende_aktiv)"),
    ("austritte", "BIGINT", "davon mit Austritt am oder vor dem Stichtag (wie ueberblick.austritte)"),
    ("personen_mit_vermittlung", "BIGINT", "davon mit mindestens einer Vermittlung nach BA-Zählweise (wie ueberblick.personen_mit_vermittlung)"),
]
KOMMENTAR = (
    "Teilnehmende nach Merkmal und Ausprägung zum Stichtag: je Merkmal eine Zeile je Ausprägung der Exportliste "
    "(auch mit 0) und je weiterer vorkommender Ausprägung; die Zeilen eines Merkmals ergeben in jeder Spalte die "
    "Zahl in kennzahlen.ueberblick."
)

MERKMALE_SQL = """
-- Per Merkmal and Ausprägung the counts of tn_stand (the overview's definitions). Every
-- Ausprägung of the catalogue gets a row, zeros included; a value outside it (an age band of an
-- earlier setting) gets one after them. Austrittsgrund counts only for who left by the Stichtag.
INSERT INTO kennzahlen.merkmale
WITH werte AS (
    SELECT s.tn_id, s.aktiv, s.ausgetreten, s.mit_vermittlung,
           coalesce(t.geschlecht, $ohne) AS geschlecht,
           coalesce(t.altersgruppe, $ohne) AS altersgruppe,
           coalesce(t.aufenthaltsstatus, $ohne) AS aufenthaltsstatus,
           CASE WHEN s.ausgetreten THEN coalesce(t.austrittsgrund, $ohne) ELSE $kein_austritt END AS austrittsgrund
    FROM tn_stand s
    JOIN aktuell.teilnehmende t ON t.tn_id = s.tn_id
),
lang AS (
    UNPIVOT werte ON geschlecht, altersgruppe, aufenthaltsstatus, austrittsgrund
    INTO NAME merkmal VALUE auspraegung
),
katalog AS (
    SELECT unnest($merkmal) AS merkmal, unnest($auspraegung) AS auspraegung, unnest(range(len($merkmal))) AS pos
),
zeilen AS (
    SELECT merkmal, auspraegung, pos FROM katalog
    UNION ALL
    SELECT DISTINCT l.merkmal, l.auspraegung, NULL FROM lang l
    WHERE NOT EXISTS (SELECT 1 FROM katalog k WHERE k.merkmal = l.merkmal AND k.auspraegung = l.auspraegung)
)
SELECT z.merkmal, z.auspraegung,
       count(l.tn_id),
       count(l.tn_id) FILTER (WHERE l.aktiv),
       count(l.tn_id) FILTER (WHERE l.ausgetreten),
       count(l.tn_id) FILTER (WHERE l.mit_vermittlung)
FROM zeilen z
LEFT JOIN lang l ON l.merkmal = z.merkmal AND l.auspraegung = z.auspraegung
GROUP BY z.merkmal, z.auspraegung, z.pos
ORDER BY list_position($merkmale, z.merkmal), z.pos NULLS LAST, z.auspraegung
"""


def katalog(settings: Settings) -> list[tuple[str, str]]:
    """(merkmal, auspraegung) of every row the table always has, in print order: the codes of
    the export contract and the age bands of the settings."""
    listen = {
        "geschlecht": TEILNEHMENDE.col("geschlecht").codes,
        "altersgruppe": altersgruppen(settings.altersgruppen),
        "aufenthaltsstatus": AUFENTHALTSSTATUS,
        "austrittsgrund": (*AUSTRITTSGRUENDE, KEIN_AUSTRITT),
    }
    return [(m, a) for m in MERKMALE for a in listen[m]]


def build_merkmale(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)create ``kennzahlen.merkmale`` from ``tn_stand`` and ``aktuell.teilnehmende`` (the rules
    of :mod:`assets.metrics.teilnahme_rules` must be registered on ``con``)."""
    create_commented_table(con, f"kennzahlen.{TABELLE}", SPALTEN, KOMMENTAR)
    k = katalog(settings)
    con.execute(MERKMALE_SQL, {"ohne": OHNE_ANGABE, "kein_austritt": KEIN_AUSTRITT, "merkmale": list(MERKMALE),
                               "merkmal": [m for m, _ in k], "auspraegung": [a for _, a in k]})
