"""The report series in the warehouse (schema ``reihe``): the release register and, for every
released report and for the current draft, what its disclosure control decided.

A later report is protected against every released one (docs/bericht.md, "Die Berichtsreihe"),
so each release keeps, beside its frozen files, the model its suppression was computed on: every
published cell with its true value (aggregates, never microdata) and whether it was printed as
``*``, the relations between them, and the key figures of ``kennzahlen.ueberblick``. The draft
(``bericht = 'entwurf'``) is the report of the last run; ``phasenmonitor freigeben`` copies it
under the release's Stichtag. The register lives with the data: it is part of the warehouse
and its backups, and no run ever deletes from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from sources.sql import literal, relation_exists

ENTWURF = "entwurf"

REIHE_DDL = """
CREATE SCHEMA IF NOT EXISTS reihe;
CREATE TABLE IF NOT EXISTS reihe.berichte (
    stichtag DATE PRIMARY KEY,
    freigegeben_am TIMESTAMP,
    datenstand_bis DATE,
    fingerabdruck VARCHAR        -- sha256 of the release's SHA256SUMS
);
CREATE TABLE IF NOT EXISTS reihe.entwurf (
    stichtag DATE,
    datenstand_bis DATE,         -- newest Datenstand used (or the run's --datenstand-bis)
    tabellen_sha VARCHAR,        -- hash of the bericht tables as built
    reihenschutz BOOLEAN         -- built with the protection against the released reports
);
CREATE TABLE IF NOT EXISTS reihe.entwurf_dateien (datei VARCHAR, sha256 VARCHAR);
CREATE TABLE IF NOT EXISTS reihe.kennzahlen (bericht VARCHAR, kennzahl VARCHAR, wert DOUBLE);
CREATE TABLE IF NOT EXISTS reihe.zellen (
    bericht VARCHAR, tabelle VARCHAR, zeile VARCHAR, spalte VARCHAR, wert DOUBLE, art VARCHAR,
    dezimalen INTEGER, sichtbar BOOLEAN, fest BOOLEAN, gesperrt BOOLEAN, vorzeichen BOOLEAN, text VARCHAR
);
CREATE TABLE IF NOT EXISTS reihe.beziehungen (bericht VARCHAR, nr INTEGER, konstante DOUBLE, bezeichnung VARCHAR);
CREATE TABLE IF NOT EXISTS reihe.terme (
    bericht VARCHAR, nr INTEGER, tabelle VARCHAR, zeile VARCHAR, spalte VARCHAR, koeffizient INTEGER
);
"""

MODELL_TABELLEN = ("kennzahlen", "zellen", "beziehungen", "terme")


@dataclass(frozen=True)
class Freigabe:
    stichtag: date
    freigegeben_am: datetime
    datenstand_bis: date | None
    fingerabdruck: str


@dataclass(frozen=True)
class Modell:
    """One report as its disclosure control saw it."""

    bericht: str
    zellen: list[tuple]  # (tabelle, zeile, spalte, wert, art, dezimalen, sichtbar, fest, gesperrt, vorzeichen, text)
    beziehungen: list[tuple[float, str, list[tuple[str, str, str, int]]]]  # (konstante, bezeichnung, terme)


def ensure_register(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(REIHE_DDL)


def freigaben(con: duckdb.DuckDBPyConnection) -> list[Freigabe]:
    if not relation_exists(con, "reihe", "berichte"):  # a warehouse no run has opened yet (read-only readers)
        return []
    rows = con.execute("SELECT stichtag, freigegeben_am, datenstand_bis, fingerabdruck FROM reihe.berichte ORDER BY stichtag").fetchall()
    return [Freigabe(*r) for r in rows]


def vorbericht(con: duckdb.DuckDBPyConnection, stichtag: date) -> Freigabe | None:
    """The last release before ``stichtag``: the report a new one is compared with."""
    frueher = [f for f in freigaben(con) if f.stichtag < stichtag]
    return frueher[-1] if frueher else None


def kennzahlen_von(con: duckdb.DuckDBPyConnection, bericht: str) -> dict[str, float | None]:
    return dict(con.execute("SELECT kennzahl, wert FROM reihe.kennzahlen WHERE bericht = ?", [bericht]).fetchall())


def modell(con: duckdb.DuckDBPyConnection, bericht: str) -> Modell:
    zellen = con.execute(
        "SELECT tabelle, zeile, spalte, wert, art, dezimalen, sichtbar, fest, gesperrt, vorzeichen, text FROM reihe.zellen "
        "WHERE bericht = ? ORDER BY rowid", [bericht]).fetchall()
    terme: dict[int, list] = {}
    for nr, t, z, s, k in con.execute(
        "SELECT nr, tabelle, zeile, spalte, koeffizient FROM reihe.terme WHERE bericht = ? ORDER BY nr, rowid", [bericht]
    ).fetchall():
        terme.setdefault(nr, []).append((t, z, s, k))
    bez = [(k, b, terme.get(nr, [])) for nr, k, b in con.execute(
        "SELECT nr, konstante, bezeichnung FROM reihe.beziehungen WHERE bericht = ? ORDER BY nr", [bericht]).fetchall()]
    return Modell(bericht, zellen, bez)


def save_entwurf(con: duckdb.DuckDBPyConnection, stichtag: date, datenstand_bis: date | None, tabellen_sha: str,
                 reihenschutz: bool, kennzahlen: list[tuple[str, float | None]], m: Modell) -> None:
    """Replace the draft by the report just built (inside the caller's transaction)."""
    for t in MODELL_TABELLEN:
        con.execute(f"DELETE FROM reihe.{t} WHERE bericht = ?", [ENTWURF])  # t: our constants
    con.execute("DELETE FROM reihe.entwurf")
    con.execute("DELETE FROM reihe.entwurf_dateien")
    con.execute("INSERT INTO reihe.entwurf VALUES (?, ?, ?, ?)", [stichtag, datenstand_bis, tabellen_sha, reihenschutz])
    con.executemany("INSERT INTO reihe.kennzahlen VALUES (?, ?, ?)", [(ENTWURF, k, w) for k, w in kennzahlen])
    if m.zellen:
        con.executemany("INSERT INTO reihe.zellen VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [(ENTWURF, *z) for z in m.zellen])
    con.executemany("INSERT INTO reihe.beziehungen VALUES (?, ?, ?, ?)",
                    [(ENTWURF, nr, k, b) for nr, (k, b, _) in enumerate(m.beziehungen)])
    terme = [(ENTWURF, nr, *term) for nr, (_, _, ts) in enumerate(m.beziehungen) for term in ts]
    if terme:
        con.executemany("INSERT INTO reihe.terme VALUES (?, ?, ?, ?, ?, ?)", terme)


def save_entwurf_dateien(con: duckdb.DuckDBPyConnection, dateien: list[tuple[str, str]]) -> None:
    """The council files of the draft as written (name, sha256): a release takes exactly these."""
    con.execute("DELETE FROM reihe.entwurf_dateien")
    if dateien:
        con.executemany("INSERT INTO reihe.entwurf_dateien VALUES (?, ?)", dateien)


def entwurf(con: duckdb.DuckDBPyConnection) -> tuple[date, date | None, str, bool] | None:
    """(Stichtag, Datenstand, hash of the bericht tables, built with series protection)."""
    rows = con.execute("SELECT stichtag, datenstand_bis, tabellen_sha, reihenschutz FROM reihe.entwurf").fetchall()
    return rows[0] if rows else None


def entwurf_dateien(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("SELECT datei, sha256 FROM reihe.entwurf_dateien ORDER BY datei").fetchall()


def register_release(con: duckdb.DuckDBPyConnection, f: Freigabe) -> None:
    """Enter the release and keep the draft's model under its Stichtag (caller's transaction)."""
    con.execute("INSERT INTO reihe.berichte VALUES (?, ?, ?, ?)", [f.stichtag, f.freigegeben_am, f.datenstand_bis, f.fingerabdruck])
    name = f.stichtag.isoformat()
    for t in MODELL_TABELLEN:
        con.execute(f"INSERT INTO reihe.{t} SELECT ? AS bericht, * EXCLUDE (bericht) FROM reihe.{t} WHERE bericht = ?", [name, ENTWURF])


def register_fingerprint(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """What the register holds, for the Eingabestand (assets/stand.py): a release changes what
    every later report is compared with and protected against."""
    ensure_register(con)
    return con.execute("SELECT stichtag, fingerabdruck FROM reihe.berichte ORDER BY stichtag").fetchall()


BERICHTE_KOMMENTARE = {
    "_table": "Freigegebene Berichte: eine Zeile je Bericht, den phasenmonitor freigeben an den Rat gegeben hat "
              "(Dateien unter OUT/veroeffentlicht/<Stichtag>/).",
    "stichtag": "Stichtag des freigegebenen Berichts",
    "freigegeben_am": "Zeitpunkt der Freigabe",
    "datenstand_bis": "Jüngster Datenstand der verwendeten Exporte (mit --datenstand-bis reproduzierbar)",
    "fingerabdruck": "SHA-256 der Datei SHA256SUMS im Freigabeordner (Prüfsummen aller freigegebenen Dateien)",
}


def build_berichte_table(con: duckdb.DuckDBPyConnection) -> int:
    """kennzahlen.berichte: the register as published."""
    con.execute("CREATE SCHEMA IF NOT EXISTS kennzahlen")
    con.execute("CREATE OR REPLACE TABLE kennzahlen.berichte AS SELECT stichtag, freigegeben_am, datenstand_bis, fingerabdruck "
                "FROM reihe.berichte ORDER BY stichtag")
    for col, text in BERICHTE_KOMMENTARE.items():
        target = "TABLE kennzahlen.berichte" if col == "_table" else f"COLUMN kennzahlen.berichte.{col}"
        con.execute(f"COMMENT ON {target} IS {literal(text)}")
    return con.execute("SELECT count(*) FROM kennzahlen.berichte").fetchall()[0][0]
