"""The VHS's export in the demo: Kursteilnahmen, keyed by Hörernummer (the file forms, XLSX or CSV:
sources/demo/writers.py).

It also holds students who are not in the programme (their rows link to nobody).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

import numpy as np
import polars as pl

from sources.demo.days import NONE, P0, QUALI_WARTEZEIT, Dates, day_number
from sources.demo.draws import between, choice, mask, num, pick, prefixed
from sources.demo.mistakes import Spec, bad_dates

# header exactly as the input contract names it (docs/datenvertrag.md)
H_KURSTEILNAHMEN = [
    "Hörernummer", "Kursnummer", "Kursart", "Zielniveau", "Kursbeginn", "Kursende", "Anwesenheit",
    "Prüfung", "Ergebnis", "Status",
]

_KURSART = ["Integrationskurs", "Alphabetisierungskurs", "Berufssprachkurs", "Jugendintegrationskurs", "Sonstiger Kurs"]
_KURSCODE = ["IK", "AK", "BSK", "JIK", "SK"]
_KURSART_P0 = [0.60, 0.15, 0.08, 0.07, 0.10]
_KURSART_P1 = [0.15, 0.05, 0.50, 0.0, 0.30]
_KURS_DUR = [(150, 280), (250, 400), (120, 300), (250, 350), (30, 120)]
_ZIEL = ["A1", "A2", "B1", "B2", "C1"]
_ZIEL_P = [  # per Kursart; the remainder is "no Zielniveau"
    [0.0, 0.05, 0.90, 0.0, 0.0],
    [0.10, 0.50, 0.40, 0.0, 0.0],
    [0.0, 0.05, 0.25, 0.55, 0.15],
    [0.0, 0.0, 1.0, 0.0, 0.0],
    [0.20, 0.30, 0.20, 0.0, 0.0],
]
_VSTATUS = ["angemeldet", "laufend", "abgeschlossen", "abgebrochen", "storniert"]
_PRUEFUNG = ["DTZ", "telc B1", "telc B2", "DTB B2", "keine"]
_ERGEBNIS = ["unter A2", "A2", "B1", "B2", "C1", "nicht bestanden"]
# per exam: probabilities over _ERGEBNIS
_ERGEBNIS_P = [
    [0.10, 0.32, 0.58, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.70, 0.0, 0.0, 0.30],
    [0.0, 0.0, 0.0, 0.65, 0.0, 0.35],
    [0.0, 0.0, 0.25, 0.55, 0.0, 0.20],
]

ENROLMENT_MISTAKES = [
    Spec("invalid_date", "set", ["Kursbeginn", "Kursende"], bad_dates),
    Spec("unknown_code", "set", ["Status"], ["beendet", "pausiert"]),
    Spec("unknown_code", "set", ["Kursart"], ["Deutschkurs", "Orientierungskurs"]),
    Spec("missing_required", "null", ["Kursnummer", "Kursbeginn"]),
]


def format_hoerernummer(h: np.ndarray) -> pl.Series:
    return prefixed("H-", h)


def gen_enrolments(
    rng: np.random.Generator, p: dict[str, Any], o: int, n: int, D: int, dates: Dates,
    hoerernummer: Callable[[np.ndarray], pl.Series], n_total: int,
) -> tuple[pl.DataFrame, int]:
    """The enrolments of the participants ``p`` and of some students unknown to the programme,
    and how many rows belong to the latter."""
    codes, e, birth, cnt, is_np = _students(rng, p, o, n, D, hoerernummer, n_total)
    r = _courses(rng, e, birth, cnt)
    keep = r["beg"] <= D + 90
    r = {key: v[keep] for key, v in r.items()}
    df = _enrolment_frame(rng, codes.gather(r["who"]), r["kart"], r["beg"], _outcomes(rng, r, D), dates)
    n_unl = int(is_np[r["who"]].sum())
    return df.sort(["Hörernummer", "_b"], maintain_order=True).drop("_b"), n_unl


def _students(
    rng: np.random.Generator, p: dict[str, Any], o: int, n: int, D: int,
    hoerernummer: Callable[[np.ndarray], pl.Series], n_total: int,
) -> tuple[pl.Series, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hörernummer, Eintritt, birth day and number of courses of each student (participants with
    a Hörernummer, then a few people unknown to the programme), and which are the latter."""
    owners = np.flatnonzero(p["has_vhs"])
    cnt = 1 + choice(rng, [0.55, 0.30, 0.15], len(owners))
    n_np = int(rng.binomial(len(owners), 0.03)) + (1 if o == 0 and len(owners) >= 10 else 0)
    e = np.concatenate([p["eintritt"][owners], between(rng, P0 - 200, D, n_np)])
    birth = np.concatenate([p["birth"][owners], between(rng, day_number(date(1970, 1, 1)), day_number(date(2004, 1, 1)), n_np)])
    cnt = np.concatenate([cnt, np.ones(n_np, dtype=np.int64)])
    codes = pl.concat([
        p["hoer"].gather(owners),
        hoerernummer(n_total + o + rng.choice(n, size=n_np, replace=n_np > n)) if n_np else pl.Series([], dtype=pl.String),
    ])
    is_np = np.arange(len(e)) >= len(owners)
    return codes, e, birth, cnt, is_np


def _courses(rng: np.random.Generator, e: np.ndarray, birth: np.ndarray, cnt: np.ndarray) -> dict[str, np.ndarray]:
    """Up to three courses per student, one after the other: student, Kursart, begin and end."""
    parts: list[dict[str, np.ndarray]] = []
    prev_end = np.zeros(len(e), dtype=np.int64)
    for rank in range(3):
        sel = np.flatnonzero(cnt > rank)
        k = len(sel)
        if rank == 0:
            kart = choice(rng, _KURSART_P0, k)
            # a course begun before Eintritt, or the first one after the waiting list
            off = np.where(rng.random(k) < 0.15, -between(rng, 30, 365, k), between(rng, *QUALI_WARTEZEIT, k))
            beg = e[sel] + off
        else:
            kart = choice(rng, _KURSART_P1, k)
            beg = prev_end[sel] + between(rng, 14, 150, k)
        beg = beg - (beg + 3) % 7  # courses start on Mondays
        kart = np.where((kart == 3) & (beg - birth[sel] >= 27 * 365), 0, kart)
        lo = np.array([x[0] for x in _KURS_DUR])[kart]
        hi = np.array([x[1] for x in _KURS_DUR])[kart]
        end = beg + between(rng, lo, hi, k)
        prev_end[sel] = end
        parts.append({"who": sel, "kart": kart, "beg": beg, "end": end})
    return {key: np.concatenate([x[key] for x in parts]) for key in parts[0]}


def _outcomes(rng: np.random.Generator, r: dict[str, np.ndarray], D: int) -> dict[str, np.ndarray]:
    """Status, Kursende as known, attendance, Zielniveau, exam and result of the courses ``r``."""
    kart, beg, end = r["kart"], r["beg"], r["end"]
    t = len(beg)
    fut, run = beg > D, (beg <= D) & (end >= D)
    u = rng.random(t)
    status = np.select(
        [fut & (u < 0.9), fut, run & (u < 0.9), run & (u < 0.97), run, u < 0.78, u < 0.94],
        [0, 4, 1, 3, 4, 2, 3],
        default=4,
    )
    kende = np.where(((status == 0) & (rng.random(t) < 0.1)) | ((status == 4) & (rng.random(t) < 0.3)), NONE, end)
    anw = np.select(
        [(status == 1) | (status == 2), status == 3],
        [100 - (rng.beta(1.2, 4.0, t) * 50).astype(np.int64), between(rng, 10, 60, t)],
        default=-1,
    )
    anw = np.where(rng.random(t) < 0.05, -1, anw)
    anw_fmt = choice(rng, [0.6, 0.25, 0.15], t)
    ziel_p = np.array(_ZIEL_P)[kart]
    ziel_u = rng.random(t)
    ziel = (ziel_u[:, None] > np.cumsum(ziel_p, axis=1)).sum(axis=1)  # 5 = none
    # exams after completed courses
    u2 = rng.random(t)
    pr = np.select(
        [kart == 0, kart == 3, kart == 1, kart == 2],
        [np.where(u2 < 0.92, 0, 4), np.where(u2 < 0.92, 0, 4), np.where(u2 < 0.7, 0, 4),
         np.select([(ziel == 2) & (u2 < 0.85), (ziel >= 3) & (u2 < 0.45), (ziel >= 3) & (u2 < 0.85)],
                   [1, 2, 3], default=4)],
        default=np.where(u2 < 0.6, 4, -1),
    )
    pr = np.where(status == 2, pr, np.where(rng.random(t) < 0.5, 4, -1))
    erg_p = np.array(_ERGEBNIS_P)[np.clip(pr, 0, 3)]
    erg = (rng.random(t)[:, None] > np.cumsum(erg_p, axis=1)).sum(axis=1).clip(0, 5)
    took = (pr >= 0) & (pr <= 3)
    return {"status": status, "kende": kende, "anw": anw, "anw_fmt": anw_fmt, "ziel": ziel, "pr": pr,
            "erg": erg, "took": took}


def _enrolment_frame(
    rng: np.random.Generator, hoer: pl.Series, kart: np.ndarray, beg: np.ndarray, x: dict[str, np.ndarray],
    dates: Dates,
) -> pl.DataFrame:
    """The enrolment rows as text, plus the typed values the XLSX form needs (``_`` columns)."""
    t = len(beg)
    year = dates.year_of(beg) % 100
    sem = np.where(dates.month_of(beg) <= 6, "F", "H")
    kursnr = pl.select(pl.concat_str(
        num(year).str.zfill(2), pl.Series(sem), pl.lit("-"), pick(_KURSCODE, kart), pl.lit("-"),
        num(between(rng, 1, 12, t)).str.zfill(2),
    )).to_series()
    anw, kende = x["anw"], x["kende"]
    anw_text = pl.select(
        pl.concat_str(num(np.maximum(anw, 0)), pick(["", " %", "%"], x["anw_fmt"]))
    ).to_series()
    kb, ke = dates.fmt(beg), dates.fmt(kende)
    return pl.DataFrame({
        "Hörernummer": hoer,
        "Kursnummer": kursnr,
        "Kursart": pick(_KURSART, kart),
        "Zielniveau": pick(_ZIEL + ["A1"], x["ziel"], x["ziel"] < 5),
        "Kursbeginn": kb,
        "Kursende": ke,
        "Anwesenheit": mask(anw_text, anw >= 0),
        "Prüfung": pick(_PRUEFUNG, np.maximum(x["pr"], 0), x["pr"] >= 0),
        "Ergebnis": pick(_ERGEBNIS, x["erg"], x["took"]),
        "Status": pick(_VSTATUS, x["status"]),
        # for the XLSX form: typed values and which cells are real date/number cells
        "_kb": beg, "_ke": kende, "_kb_s": kb, "_ke_s": ke,
        "_kb_cell": rng.random(t) < 0.7, "_ke_cell": rng.random(t) < 0.7,
        "_anw": anw, "_anw_num": x["anw_fmt"] == 0,
        "_b": beg,
    })
