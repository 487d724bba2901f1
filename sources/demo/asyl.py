"""Sachgebiet Asyl's exports in the demo: the participant registry (Teilnehmende) and the employer
network (Unternehmen). Its mentoring files (Mentorinnen, Tandems, Kontakte): sources/demo/mentoring.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl

from sources.demo.days import NONE, P0, Dates, day_number
from sources.demo.draws import between, choice, mask, pick, prefixed
from sources.demo.mistakes import Spec, bad_dates
from sources.demo.names import TRADES, Companies

# headers exactly as the input contract names them (docs/datenvertrag.md)
H_TEILNEHMENDE = [
    "TN-Nr", "Nachname", "Vorname", "Geburtsdatum", "Geschlecht", "Staatsangehörigkeit",
    "Aufenthaltsstatus", "Arbeitsmarktzugang", "Eintritt", "Kompetenzfeststellung", "Austritt",
    "Austrittsgrund", "Einwilligung", "Widerruf", "JC-Kundennummer", "VHS-Hörernummer",
]
H_UNTERNEHMEN = ["Unternehmen", "Branche", "Netzwerk seit", "Auftaktveranstaltung"]

KICKOFF = date(2024, 2, 22)  # Auftaktveranstaltung of the employer network
KF_ANTEIL = 0.9  # share of participants who get a Kompetenzfeststellung (if they stay long enough)
KF_WARTEZEIT = (21, 150)  # days from Eintritt to the Kompetenzfeststellung

# (country, probability, name group)
_COUNTRIES = [
    ("Syrien", 0.26, 0), ("Irak", 0.07, 0), ("Afghanistan", 0.17, 1), ("Iran", 0.05, 1),
    ("Ukraine", 0.20, 2), ("Eritrea", 0.05, 3), ("Türkei", 0.09, 4), ("Guinea", 0.04, 5),
    ("Nigeria", 0.02, 5), ("Somalia", 0.03, 6), ("Georgien", 0.02, 7),
]
_UKRAINE = 4  # index in _COUNTRIES
_STATUS = ["Gestattung", "Duldung", "AE §25", "AE §24", "AE sonstige", "NE", "Eingebürgert"]
_STATUS_P_OTHER = [0.22, 0.10, 0.38, 0.05, 0.12, 0.10, 0.03]
_STATUS_P_UKR = [0.03, 0.0, 0.0, 0.90, 0.05, 0.02, 0.0]
_ZUGANG = ["ja", "nein", "beantragt"]
_GRUND = ["Arbeitsaufnahme", "Ausbildung", "Umzug", "Abbruch", "Sonstiges"]
_GRUND_P = [0.45, 0.12, 0.18, 0.15, 0.10]
_SEX = ["m", "w", "d"]

REGISTRY_MISTAKES = [
    Spec("invalid_date", "set", ["Geburtsdatum", "Eintritt", "Kompetenzfeststellung"], bad_dates),
    Spec("unknown_code", "set", ["Geschlecht"], ["x", "u"]),
    Spec("unknown_code", "set", ["Aufenthaltsstatus"], ["AE §23", "Fiktionsbescheinigung"]),
    Spec("missing_required", "null", ["Staatsangehörigkeit", "Arbeitsmarktzugang", "Geschlecht"]),
]
COMPANY_MISTAKES = [Spec("missing_required", "null", ["Netzwerk seit"])]


def gen_participants(rng: np.random.Generator, o: int, n: int, D: int, case: np.ndarray) -> dict[str, Any]:
    span = D - P0
    g = o + np.arange(n, dtype=np.int64)
    country = choice(rng, [c[1] for c in _COUNTRIES], n)
    group = np.array([c[2] for c in _COUNTRIES])[country]
    sex = choice(rng, [0.60, 0.38, 0.02], n)
    female = (sex == 1) | ((sex == 2) & (rng.random(n) < 0.5))
    # intake is roughly steady (a few people a month), so there are always recent entrants
    eintritt = P0 + np.minimum((rng.random(n) * (span + 1)).astype(np.int64), span)
    age_days = ((18 + rng.beta(1.6, 2.6, n) * 42) * 365.25).astype(np.int64)
    birth = eintritt - age_days
    status = np.where(country == _UKRAINE, choice(rng, _STATUS_P_UKR, n), choice(rng, _STATUS_P_OTHER, n))
    restricted = status <= 1  # Gestattung, Duldung
    zugang = np.where(restricted, choice(rng, [0.5, 0.2, 0.3], n), 0)

    # the skills assessment has a waiting time of 3 weeks to 5 months; some never get one
    kf = np.where(rng.random(n) < KF_ANTEIL, eintritt + between(rng, KF_WARTEZEIT[0], KF_WARTEZEIT[1], n), NONE)
    kf = np.where(kf > D, NONE, kf)
    has_exit = (rng.random(n) < 0.42 * (D - eintritt) / max(span, 1)) & (D - eintritt > 30)
    austritt = np.where(has_exit, between(rng, eintritt + 30, D, n), NONE)
    grund = np.where(has_exit, choice(rng, _GRUND_P, n), -1)
    kf = np.where(kf > austritt, NONE, kf)

    delay = np.minimum(rng.geometric(0.3, n) - 1, 14)
    ein = np.minimum(eintritt + delay, D)
    ein = np.where(case == 1, NONE, ein)
    wid = np.where(case == 2, between(rng, ein, D, n), NONE)
    return {
        "g": g, "case": case, "country": country, "group": group, "sex": sex, "female": female,
        "eintritt": eintritt, "birth": birth, "status": status, "zugang": zugang, "kf": kf,
        "austritt": austritt, "grund": grund, "ein": ein, "wid": wid,
        "has_jc": rng.random(n) < 0.85, "has_vhs": rng.random(n) < 0.70,
    }


def registry_frame(p: dict[str, Any], cut: int, dates: Dates, rng: np.random.Generator) -> pl.DataFrame:
    """The participant registry as the Sachgebiet Asyl exported it on day ``cut``."""
    sel = np.flatnonzero(p["eintritt"] <= cut)
    n = len(sel)

    def col(name: str) -> np.ndarray:
        return p[name][sel]

    def known(x: np.ndarray) -> np.ndarray:
        return np.where(x <= cut, x, NONE)

    def d(x: np.ndarray) -> pl.Series:
        return dates.fmt(x, rng.random(n) < 0.05)

    austritt = known(col("austritt"))
    grund = col("grund")
    return pl.DataFrame({
        "TN-Nr": prefixed("TN-", 100_001 + col("g")),
        "Nachname": p["last"].gather(sel),
        "Vorname": p["first"].gather(sel),
        "Geburtsdatum": d(col("birth")),
        "Geschlecht": pick(_SEX, col("sex")),
        "Staatsangehörigkeit": pick([c[0] for c in _COUNTRIES], col("country")),
        "Aufenthaltsstatus": pick(_STATUS, col("status")),
        "Arbeitsmarktzugang": pick(_ZUGANG, col("zugang")),
        "Eintritt": d(col("eintritt")),
        "Kompetenzfeststellung": d(known(col("kf"))),
        "Austritt": d(austritt),
        "Austrittsgrund": pick(_GRUND, np.maximum(grund, 0), austritt != NONE),
        "Einwilligung": d(known(col("ein"))),
        "Widerruf": d(known(col("wid"))),
        "JC-Kundennummer": mask(p["kdnr"].gather(sel), col("has_jc")),
        "VHS-Hörernummer": mask(p["hoer"].gather(sel), col("has_vhs")),
    })


def gen_companies(
    rng: np.random.Generator, companies: Companies, idx: np.ndarray, D: int, dates: Dates
) -> pl.DataFrame:
    k = len(idx)
    name, trade = companies.names(idx)
    c0 = day_number(date(2023, 9, 1))
    seit = c0 + np.minimum((rng.beta(0.7, 1.5, k) * (D - c0 + 1)).astype(np.int64), D - c0)
    early = seit <= day_number(KICKOFF)
    r = rng.random(k)
    auftakt = np.where(early, np.where(r < 0.75, 1, np.where(r < 0.95, 0, -1)), np.where(r < 0.85, 0, -1))
    return pl.DataFrame({
        "Unternehmen": name,
        "Branche": pick([t[2] for t in TRADES], trade, rng.random(k) < 0.9),
        "Netzwerk seit": dates.fmt(seit, rng.random(k) < 0.05),
        "Auftaktveranstaltung": pick(["nein", "ja"], np.maximum(auftakt, 0), auftakt >= 0),
    })
