"""Which exports a table rests on: the ``datenbasis`` table and the footnotes every council table
carries (Stichtag, Datenstand of its sources, the BA's confidentiality note, the sign legend,
the table's own notes)."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from assets.report.bericht_tables.specs import PARTNER, QUELLEN_TITEL, TabellenSpec
from assets.report.disclosure import BA_FUSSNOTE, NICHT_SINNVOLL, ZEICHENERKLAERUNG
from sources.formats import datum
from sources.sql import relation_exists

DATENSTAND_PREFIX = "Datenstand der verwendeten Quellen: "


def _basename(datei: str | None) -> str:
    if not datei:
        return NICHT_SINNVOLL
    return datei.replace("\\", "/").rsplit("/", 1)[-1]


def _kind_von(quelle: str | None, datei: str | None) -> str | None:
    q = (quelle or "").lower()
    if q in QUELLEN_TITEL:
        return q
    name = _basename(datei).lower()
    for k in sorted(QUELLEN_TITEL, key=len, reverse=True):
        if name.startswith(k) or k in name:
            return k
    return None


def quelle_titel(quelle: str | None, datei: str | None) -> str:
    k = _kind_von(quelle, datei)
    return QUELLEN_TITEL[k] if k else (quelle or NICHT_SINNVOLL)


IN_GEBRAUCH_SQL = "SELECT quelle, datei, datenstand FROM intern.staende ORDER BY quelle, datei"


def in_gebrauch(con: duckdb.DuckDBPyConnection, dq: pl.DataFrame) -> pl.DataFrame:
    """The exports this run used (quelle, datei, datenstand): the warehouse's selection
    ``intern.staende``, so that a reproduction (``--datenstand-bis``) names the older snapshots it
    really used. A kennzahlen database without the warehouse's schemas (a report rebuilt from
    the published tables alone) has only the files' status: those marked ``verwendet``."""
    if relation_exists(con, "intern", "staende"):
        return con.sql(IN_GEBRAUCH_SQL).pl()
    return dq.filter(pl.col("status") == "verwendet").select("quelle", "datei", "datenstand").sort(["quelle", "datei"])


def datenstand_text(spec: TabellenSpec, gebraucht: pl.DataFrame) -> str:
    """'Datenstand der verwendeten Quellen: <Quelle> TT.MM.JJJJ; ...' for the kinds a table uses;
    ``gebraucht``: the exports in use (:func:`in_gebrauch`)."""
    verwendet = [r for r in gebraucht.sort(["quelle", "datei"]).iter_rows(named=True)]
    passend = [r for r in verwendet if _kind_von(r["quelle"], r["datei"]) in spec.quellen
               or (r["quelle"] or "").lower() in {p for p, ks in PARTNER.items() if set(ks) & set(spec.quellen)} and _kind_von(None, r["datei"]) is None]
    if not passend:
        passend = verwendet
    if not passend:
        return DATENSTAND_PREFIX + "keine verwendeten Exporte."
    teile = []
    for r in passend:
        teile.append(f"{quelle_titel(r['quelle'], r['datei'])} {datum(r['datenstand']) if r['datenstand'] else 'unbekannt'}")
    return DATENSTAND_PREFIX + "; ".join(dict.fromkeys(teile)) + "."


def fussnoten_fuer(specs: dict[str, TabellenSpec], gebraucht: pl.DataFrame, stichtag: date) -> list[tuple[str, int, str]]:
    out = []
    for name, spec in specs.items():
        texte = [
            f"Stichtag: {datum(stichtag)}. Bestände am Stichtag bzw. am letzten Tag des Zeitraums, Bewegungen im Zeitraum.",
            datenstand_text(spec, gebraucht),
            BA_FUSSNOTE,
            ZEICHENERKLAERUNG,
            *spec.hinweise,
        ]
        out.extend((name, i, t) for i, t in enumerate(texte, 1))
    return out


def datenbasis(gebraucht: pl.DataFrame) -> pl.DataFrame:
    """The exports in use (:func:`in_gebrauch`), one row each (no figures: nothing to suppress)."""
    verwendet = gebraucht.sort(["quelle", "datei"])
    db_rows = [{"quelle": quelle_titel(r["quelle"], r["datei"]), "datei": _basename(r["datei"]), "datenstand": datum(r["datenstand"]) if r["datenstand"] else NICHT_SINNVOLL}
               for r in verwendet.iter_rows(named=True)]
    return pl.DataFrame(
        {c: [r[c] for r in db_rows] for c in ("quelle", "datei", "datenstand")},
        schema={"quelle": pl.String, "datei": pl.String, "datenstand": pl.String},
    )
