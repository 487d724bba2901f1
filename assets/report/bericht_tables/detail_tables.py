"""The detail tables of the council report (phases, placements, mentoring, language), each
registered with the disclosure control together with its totals, breakdowns and dependencies.
Monthly ``kennzahlen.*`` rows in, quarters and years out."""

from __future__ import annotations

from datetime import date

import polars as pl

from assets.report.bericht_tables.reading import frame, jahr_text, quartal, quartal_text, stand_je_quartal, summe_je
from assets.report.bericht_tables.specs import INSGESAMT, INTEGRATIONSGRUPPEN, KURSART_REIHENFOLGE, TabellenSpec
from assets.report.disclosure import NICHT_SINNVOLL, Art, Geheimhaltung
from sources.formats import datum


def phasen_quartale(g: Geheimhaltung, bestand: pl.DataFrame) -> list[dict]:
    """Active participants per phase on each quarter's Zähltag (stocks); returns the rows."""
    pq_rows = []
    for r in stand_je_quartal(bestand, ["phase_1", "phase_2", "phase_3", "aktiv"]):
        y, q = r["yq"]
        pq_rows.append({"quartal": quartal_text(y, q), "stand_am": datum(r["zaehltag"]), **{k: r[k] for k in ("phase_1", "phase_2", "phase_3", "aktiv")}})
    pq_cols = ["quartal", "stand_am", "phase_1", "phase_2", "phase_3", "aktiv"]
    g.tabelle("phasen_quartale", frame(pq_rows, pq_cols), "quartal", {c: Art.ANZAHL for c in pq_cols[2:]})
    g.zeilensummen("phasen_quartale", "aktiv", ["phase_1", "phase_2", "phase_3"])
    return pq_rows


def phasen_bewegungen(g: Geheimhaltung, bewegungen: pl.DataFrame, pq_rows: list[dict], stichtag: date) -> None:
    """Entries, transitions and exits per calendar year, tied to the stocks at each year end."""
    bew_cols = ["eintritte", "beginn_phase_2", "beginn_phase_3", "austritte"]
    pb_rows = [{"zeitraum": jahr_text(r["k"], stichtag), "_jahr": r["k"], **{c: r[c] for c in bew_cols}} for r in summe_je(bewegungen, bew_cols, lambda d: d.year)]
    pb_rows.append({"zeitraum": INSGESAMT, **{c: sum(r[c] for r in pb_rows) for c in bew_cols}})
    g.tabelle("phasen_bewegungen", frame(pb_rows, ["zeitraum", *bew_cols]), "zeitraum", {c: Art.ANZAHL for c in bew_cols})
    g.spaltensummen("phasen_bewegungen", INSGESAMT, bew_cols)
    # Stock-flow identity at each year end: active(end of year) - active(end of previous year) =
    # entries - exits of the year. Holds unless someone leaves on a Zähltag; then it is dropped.
    jahresende: dict[int, str] = {}
    for r in pq_rows:
        jahresende[int(r["quartal"].split()[-1])] = r["quartal"]
    vorher = None
    for r in pb_rows[:-1]:
        ende = jahresende.get(r["_jahr"])
        if ende is None:
            continue
        terme = [(("phasen_quartale", ende, "aktiv"), 1), (("phasen_bewegungen", r["zeitraum"], "eintritte"), -1), (("phasen_bewegungen", r["zeitraum"], "austritte"), 1)]
        if vorher is not None:
            terme.append((("phasen_quartale", vorher, "aktiv"), -1))
        g.beziehung(terme, 0.0, f"Bestand und Bewegungen {r['zeitraum']}")
        vorher = ende


def phasen_dauer(g: Geheimhaltung, dauer: pl.DataFrame) -> None:
    """Time to phase 2 and 3: the median is withheld with its number of people."""
    pd_rows = [{"uebergang": r["uebergang"], "personen": r["personen"], "median_tage": r["median_tage"] if r["personen"] else None} for r in dauer.iter_rows(named=True)]
    g.tabelle("phasen_dauer", frame(pd_rows, ["uebergang", "personen", "median_tage"]), "uebergang", {"personen": Art.ANZAHL, "median_tage": Art.MEDIAN}, {"median_tage": 0})
    g.quote("phasen_dauer", "median_tage", "personen", "personen")
    g.gleich(("phasen_dauer", "Eintritt bis Phase 2", "personen"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_2"))
    g.gleich(("phasen_dauer", "Eintritt bis Phase 3", "personen"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_3"))


def vermittlungen(g: Geheimhaltung, verm: pl.DataFrame, bestand: pl.DataFrame, stichtag: date) -> None:
    """Placements per calendar year and group (as the BA counts them), Minijobs for information."""
    unbekannt = sorted(set(verm["integrationsart"].unique().to_list()) - set(INTEGRATIONSGRUPPEN))
    if unbekannt:
        raise ValueError(f"kennzahlen.vermittlungen: unbekannte Integrationsart {unbekannt}")
    v_cols = ["svb", "ausbildung_selbstaendigkeit", "minijobs"]
    jahre: dict[int, dict[str, float]] = {}
    for d in sorted({m.year for m in bestand["monat"].to_list()} | {m.year for m in verm["monat"].to_list()}):
        jahre[d] = {c: 0.0 for c in v_cols}
    for r in verm.iter_rows(named=True):
        jahre[r["monat"].year][INTEGRATIONSGRUPPEN[r["integrationsart"]]] += r["anzahl"] or 0
    vm_rows = [{"zeitraum": jahr_text(y, stichtag), **v, "insgesamt": v["svb"] + v["ausbildung_selbstaendigkeit"]} for y, v in sorted(jahre.items())]
    vm_rows.append({"zeitraum": INSGESAMT, **{c: sum(r[c] for r in vm_rows) for c in [*v_cols, "insgesamt"]}})
    vm_cols = ["zeitraum", "svb", "ausbildung_selbstaendigkeit", "insgesamt", "minijobs"]
    g.tabelle("vermittlungen", frame(vm_rows, vm_cols), "zeitraum", {c: Art.ANZAHL for c in vm_cols[1:]})
    g.zeilensummen("vermittlungen", "insgesamt", ["svb", "ausbildung_selbstaendigkeit"])
    g.spaltensummen("vermittlungen", INSGESAMT, vm_cols[1:])


def mentoring_quartale(g: Geheimhaltung, ment: pl.DataFrame, mspec: TabellenSpec) -> str | None:
    """Mentoring per quarter (stocks on the Zähltag, flows summed); returns the last quarter's label."""
    stock = ["mentorinnen_registriert", "mentorinnen_aktiv", "tandems_aktiv"]
    flow = ["kontakte", "stunden", "kilometer", "co2_kg", "zuschuss_eur"]
    mq = {r["yq"]: r for r in stand_je_quartal(ment, stock)}
    mf = {r["k"]: r for r in summe_je(ment, flow, quartal)}
    mq_rows = []
    for yq in sorted(set(mq) | set(mf)):
        s, f = mq.get(yq, {}), mf.get(yq, {})
        mq_rows.append({"quartal": quartal_text(*yq), "stand_am": datum(s["zaehltag"]) if s.get("zaehltag") else NICHT_SINNVOLL,
                        **{c: s.get(c) for c in stock}, **{c: f.get(c, 0.0) for c in flow}})
    mq_rows.append({"quartal": INSGESAMT, "stand_am": NICHT_SINNVOLL, **{c: None for c in stock}, **{c: sum(r[c] for r in mq_rows) for c in flow}})
    mq_cols = ["quartal", "stand_am", *stock, *flow]
    g.tabelle("mentoring_quartale", frame(mq_rows, mq_cols), "quartal",
              {c: mspec.spalte(c).art for c in [*stock, *flow]}, {c: mspec.spalte(c).dezimalen for c in flow})
    g.spaltensummen("mentoring_quartale", INSGESAMT, flow)
    g.zeilen_abhaengig("mentoring_quartale", ["stunden", "kilometer", "co2_kg", "zuschuss_eur"], "kontakte")
    for r in mq_rows[:-1]:
        g.davon(("mentoring_quartale", r["quartal"], "mentorinnen_registriert"), [("mentoring_quartale", r["quartal"], "mentorinnen_aktiv")], "nicht aktiv")
    return mq_rows[-2]["quartal"] if len(mq_rows) > 1 else None


def sprachkurse(g: Geheimhaltung, sprache: pl.DataFrame) -> None:
    """Language courses per Kursart, with their "davon" breakdowns and the B1 rate."""
    s_cols = ["begonnen", "abgeschlossen", "abgebrochen", "pruefungen", "b1_oder_hoeher"]
    reihen = {r["kursart"]: r for r in sprache.iter_rows(named=True)}
    ordnung = [k for k in KURSART_REIHENFOLGE if k in reihen] + sorted(k for k in reihen if k not in KURSART_REIHENFOLGE)
    sp_rows = [{"kursart": k, **{c: reihen[k][c] or 0 for c in s_cols}} for k in ordnung]
    sp_rows.append({"kursart": "Insgesamt", **{c: sum(r[c] for r in sp_rows) for c in s_cols}})
    for r in sp_rows:
        r["quote_b1"] = (r["b1_oder_hoeher"] / r["pruefungen"]) if r["pruefungen"] else None
    g.tabelle("sprache", frame(sp_rows, ["kursart", *s_cols, "quote_b1"]), "kursart", {**{c: Art.ANZAHL for c in s_cols}, "quote_b1": Art.QUOTE}, {"quote_b1": 1})
    g.spaltensummen("sprache", "Insgesamt", s_cols)
    for r in sp_rows:
        k = r["kursart"]
        g.davon(("sprache", k, "begonnen"), [("sprache", k, "abgeschlossen"), ("sprache", k, "abgebrochen")], "laufend")
        g.davon(("sprache", k, "begonnen"), [("sprache", k, "pruefungen")], "ohne Prüfung")
        g.davon(("sprache", k, "pruefungen"), [("sprache", k, "b1_oder_hoeher")], "unter B1")
    g.quote("sprache", "quote_b1", "b1_oder_hoeher", "pruefungen")
