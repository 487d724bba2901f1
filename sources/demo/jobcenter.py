"""The Jobcenter's exports in the demo: Maßnahmen and Integrationen, keyed by Kundennummer.

Both also hold customers who are not in the programme (their rows link to nobody).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import polars as pl

from sources.demo.days import NONE, P0, QUALI_WARTEZEIT, Dates
from sources.demo.draws import between, choice, mask, num, pick
from sources.demo.mistakes import Spec, bad_dates
from sources.demo.names import Companies

# headers exactly as the input contract names them (docs/datenvertrag.md)
H_MASSNAHMEN = ["Kundennummer", "Maßnahmeart", "Beginn", "Ende", "Status"]
H_INTEGRATIONEN = ["Kundennummer", "Integrationsart", "Beginn", "Ende", "Arbeitgeber", "Wochenstunden", "Förderung"]

_MASSNAHME = ["MAT", "MAG", "FbW", "AGH", "BSK"]
_MASSNAHME_P = [0.20, 0.30, 0.12, 0.13, 0.25]
_MASSNAHME_DUR = [(14, 56), (30, 180), (180, 720), (180, 365), (90, 240)]
_MSTATUS = ["geplant", "laufend", "beendet", "abgebrochen"]

_INTART = ["SVB Vollzeit", "SVB Teilzeit", "Ausbildung", "Selbständigkeit", "geringfügig"]
_INTART_P = [0.37, 0.25, 0.15, 0.03, 0.20]
_STUNDEN = [
    ["40", "39", "38,5", "37,5", "35"],
    ["20", "25", "30", "19,5", "32", "24"],
    ["39", "40", "37,5"],
    ["40", "30", "45"],
    ["8", "10", "12,5", "6", "9,5"],
]
_FOERDERUNG = ["keine", "EGZ", "§16i"]

MEASURE_MISTAKES = [
    Spec("unknown_code", "set", ["Maßnahmeart"], ["AVGS", "EGZ", "§16e"]),
    Spec("invalid_date", "set", ["Beginn", "Ende"], bad_dates),
    Spec("missing_required", "null", ["Status", "Beginn"]),
]
INTEGRATION_MISTAKES = [
    Spec("unknown_code", "set", ["Integrationsart"], ["Minijob", "Praktikum"]),
    Spec("invalid_date", "set", ["Beginn"], bad_dates),
]


def format_kundennummer(q: np.ndarray) -> pl.Series:
    """Numbers of [0, 52,000,000) as Kundennummern like ``962A123456``."""
    pre = pick(["962", "963"], q // 26_000_000)
    letter = pick([chr(65 + i) for i in range(26)], (q // 1_000_000) % 26)
    return pl.select(pl.concat_str(pre, letter, num(q % 1_000_000).str.zfill(6))).to_series()


def _measure_rows(rng: np.random.Generator, e: np.ndarray, D: int) -> dict[str, np.ndarray]:
    m = len(e)
    art = choice(rng, _MASSNAHME_P, m)
    before = rng.random(m) < 0.12
    # measures taken up in the programme start after a waiting time (profiling, allocation), then
    # spread over the rest of the participation and the next three months
    wait = e + between(rng, QUALI_WARTEZEIT[0], QUALI_WARTEZEIT[1], m)
    beginn = np.where(
        before, e - between(rng, 1, 180, m), wait + (rng.random(m) * (np.maximum(D - wait, 0) + 91)).astype(np.int64)
    )
    lo = np.array([x[0] for x in _MASSNAHME_DUR])[art]
    hi = np.array([x[1] for x in _MASSNAHME_DUR])[art]
    dur = between(rng, lo, hi, m)
    ende = beginn + dur - 1
    status = np.where(beginn > D, 0, np.where(ende >= D, 1, 2))
    r = rng.random(m)
    broke_running = (status == 1) & (r < 0.08)
    broke_past = (status == 2) & (r < 0.15)
    ende = np.where(broke_running, between(rng, beginn, D, m), ende)
    ende = np.where(broke_past, beginn + (rng.random(m) * dur).astype(np.int64), ende)
    status = np.where(broke_running | broke_past, 3, status)
    r2 = rng.random(m)
    ende = np.where(((status == 0) & (r2 < 0.2)) | ((status == 1) & (r2 < 0.05)), NONE, ende)
    return {"art": art, "beginn": beginn, "ende": ende, "status": status}


def gen_measures(
    rng: np.random.Generator, p: dict[str, Any], o: int, n: int, D: int, dates: Dates,
    kundennummer: Callable[[np.ndarray], pl.Series], n_total: int,
) -> tuple[pl.DataFrame, int]:
    owners = np.flatnonzero(p["has_jc"])
    cnt = choice(rng, [0.30, 0.35, 0.22, 0.13], len(owners))
    who = np.repeat(owners, cnt)
    rows = _measure_rows(rng, p["eintritt"][who], D)
    codes = p["kdnr"].gather(who)
    # customers of the Jobcenter who are not in the programme
    n_np = int(rng.binomial(len(who), 0.03)) + (1 if o == 0 and len(who) >= 10 else 0)
    if n_np:
        e_np = between(rng, P0 - 90, D, n_np)
        extra = _measure_rows(rng, e_np, D)
        rows = {k: np.concatenate([rows[k], extra[k]]) for k in rows}
        codes = pl.concat([codes, kundennummer(n_total + o + rng.choice(n, size=n_np, replace=n_np > n))])
    keep = rows["beginn"] <= D + 90
    df = pl.DataFrame({
        "Kundennummer": codes,
        "Maßnahmeart": pick(_MASSNAHME, rows["art"]),
        "Beginn": dates.fmt(rows["beginn"]),
        "Ende": dates.fmt(rows["ende"]),
        "Status": pick(_MSTATUS, rows["status"]),
        "_b": rows["beginn"],
        "_np": np.arange(len(keep)) >= len(who),
    }).filter(pl.Series(keep))
    n_unl = int(df["_np"].sum())
    return df.sort(["Kundennummer", "_b"], maintain_order=True).drop("_b", "_np"), n_unl


def gen_integrations(
    rng: np.random.Generator, p: dict[str, Any], o: int, n: int, D: int, dates: Dates,
    kundennummer: Callable[[np.ndarray], pl.Series], n_total: int, companies: Companies, comp_idx: np.ndarray,
) -> tuple[pl.DataFrame, int]:
    e, aus, grund = p["eintritt"], p["austritt"], p["grund"]
    jc = p["has_jc"]
    # 1) exits into work or training: the take-up starts shortly before the Austritt
    job_exit = jc & (aus != NONE) & ((grund == 0) | (grund == 1))
    a = np.flatnonzero(job_exit)
    b_a = np.maximum(e[a], aus[a] - between(rng, 0, 14, len(a)))
    art_a = np.where(grund[a] == 1, 2, choice(rng, [0.55, 0.35, 0.0, 0.05, 0.05], len(a)))
    # 2) other participants: some take up work months after Eintritt (a few already before)
    others = np.flatnonzero(jc & ~job_exit)
    take = rng.random(len(others)) < 0.40
    o_idx = others[take]
    k = len(o_idx)
    b_o = np.where(
        rng.random(k) < 0.04,
        e[o_idx] - between(rng, 30, 365, k),
        e[o_idx] + 45 + rng.exponential(250, k).astype(np.int64),
    )
    art_o = choice(rng, _INTART_P, k)
    ok = b_o <= np.minimum(aus[o_idx], D)
    o_idx, b_o, art_o = o_idx[ok], b_o[ok], art_o[ok]
    who = np.concatenate([a, o_idx])
    beg = np.concatenate([b_a, b_o])
    art = np.concatenate([art_a, art_o])
    ok = beg <= D
    who, beg, art = who[ok], beg[ok], art[ok]
    m = len(who)
    # some jobs end; some of those people find the next one (change of employer)
    end_c = beg + between(rng, 30, 400, m)
    ends = (rng.random(m) < 0.22) & (end_c <= D)
    ende = np.where(ends, end_c, NONE)
    again = ends & (rng.random(m) < 0.5)
    b2 = end_c + between(rng, 7, 120, m)
    again &= b2 <= D
    who2, beg2 = who[again], b2[again]
    art2 = choice(rng, [0.45, 0.30, 0.05, 0.02, 0.18], len(who2))
    codes = p["kdnr"].gather(np.concatenate([who, who2]))
    beg = np.concatenate([beg, beg2])
    art = np.concatenate([art, art2])
    ende = np.concatenate([ende, np.full(len(who2), NONE, dtype=np.int64)])
    n_p = len(beg)
    n_np = int(rng.binomial(n_p, 0.02)) + (1 if o == 0 and n_p >= 10 else 0)
    if n_np:
        codes = pl.concat([codes, kundennummer(n_total + o + rng.choice(n, size=n_np, replace=n_np > n))])
        beg = np.concatenate([beg, between(rng, P0 - 60, D, n_np)])
        art = np.concatenate([art, choice(rng, _INTART_P, n_np)])
        ende = np.concatenate([ende, np.full(n_np, NONE, dtype=np.int64)])
    df = _integration_frame(rng, codes, art, beg, ende, dates, companies, comp_idx)
    return df.sort(["Kundennummer", "_b"], maintain_order=True).drop("_b"), n_np


def _integration_frame(
    rng: np.random.Generator, codes: pl.Series, art: np.ndarray, beg: np.ndarray, ende: np.ndarray, dates: Dates,
    companies: Companies, comp_idx: np.ndarray,
) -> pl.DataFrame:
    """The integration rows: Wochenstunden, Förderung and employer drawn per Integrationsart."""
    t = len(beg)
    # Wochenstunden from typical values per Integrationsart
    sizes = np.array([len(s) for s in _STUNDEN])
    offs = np.cumsum(sizes) - sizes
    stunden = pick([v for s in _STUNDEN for v in s], offs[art] + rng.integers(0, 1 << 30, t) % sizes[art], rng.random(t) < 0.92)
    svb = art <= 1
    r = rng.random(t)
    foerd = np.where(svb, np.where(r < 0.45, 0, np.where(r < 0.75, -1, np.where(r < 0.93, 1, 2))),
                     np.where(r < 0.6, 0, -1))
    # employer: mostly network companies or other local firms; none for self-employment
    r2 = rng.random(t)
    any_firm = rng.integers(0, companies.m1, t)
    net = comp_idx[rng.integers(0, len(comp_idx), t)] if len(comp_idx) else any_firm
    firm_idx = np.where(r2 < 0.35, net, any_firm)
    firm, _ = companies.names(firm_idx)
    has_firm = (art != 3) & (rng.random(t) < 0.92)
    return pl.DataFrame({
        "Kundennummer": codes,
        "Integrationsart": pick(_INTART, art),
        "Beginn": dates.fmt(beg),
        "Ende": dates.fmt(ende),
        "Arbeitgeber": mask(firm, has_firm),
        "Wochenstunden": stunden,
        "Förderung": pick(_FOERDERUNG, np.maximum(foerd, 0), foerd >= 0),
        "_b": beg,
    })
