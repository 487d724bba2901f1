"""Which exports a table rests on: the ``datenbasis`` table and the footnotes every council table
carries (Stichtag, Datenstand of its sources, the BA's confidentiality note, the sign legend,
the table's own notes)."""

from __future__ import annotations

from datetime import date

import polars as pl

from assets.report.bericht_tables.specs import PARTNER, QUELLEN_TITEL, TabellenSpec
from assets.report.disclosure import BA_FUSSNOTE, NICHT_SINNVOLL, ZEICHENERKLAERUNG
from sources.formats import datum

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


def datenstand_text(spec: TabellenSpec, dq: pl.DataFrame) -> str:
    """'Datenstand der verwendeten Quellen: <Quelle> TT.MM.JJJJ; ...' for the kinds a table uses."""
    verwendet = [r for r in dq.filter(pl.col("status") == "verwendet").sort(["quelle", "datei"]).iter_rows(named=True)]
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


def fussnoten_fuer(specs: dict[str, TabellenSpec], dq: pl.DataFrame, stichtag: date) -> list[tuple[str, int, str]]:
    out = []
    for name, spec in specs.items():
        texte = [
            f"Stichtag: {datum(stichtag)}. Bestände am Stichtag bzw. am letzten Tag des Zeitraums, Bewegungen im Zeitraum.",
            datenstand_text(spec, dq),
            BA_FUSSNOTE,
            ZEICHENERKLAERUNG,
            *spec.hinweise,
        ]
        out.extend((name, i, t) for i, t in enumerate(texte, 1))
    return out


def datenbasis(dq: pl.DataFrame) -> pl.DataFrame:
    """The exports in use, one row each (no figures: nothing to suppress)."""
    verwendet = dq.filter(pl.col("status") == "verwendet").sort(["quelle", "datei"])
    db_rows = [{"quelle": quelle_titel(r["quelle"], r["datei"]), "datei": _basename(r["datei"]), "datenstand": datum(r["datenstand"]) if r["datenstand"] else NICHT_SINNVOLL}
               for r in verwendet.iter_rows(named=True)]
    return pl.DataFrame(
        {c: [r[c] for r in db_rows] for c in ("quelle", "datei", "datenstand")},
        schema={"quelle": pl.String, "datei": pl.String, "datenstand": pl.String},
    )
