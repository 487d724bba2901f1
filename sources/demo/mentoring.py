"""Sachgebiet Asyl's mentoring exports in the demo: Mentorinnen, Tandems and Kontakte, with the
mentor-side cases that the mentoring checks must find (docs/mentoring.md) planted in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import numpy as np
import polars as pl

from sources.demo.days import NONE, Dates, day_number
from sources.demo.draws import between, choice, decimal_tenths, mask, num, pick, prefixed
from sources.demo.mistakes import Spec, bad_dates
from sources.demo.names import DE_LAST, MENTOR_FIRST_F, MENTOR_FIRST_M, OTHER_LAST

# headers exactly as the input contract names them (docs/datenvertrag.md)
H_MENTORINNEN = ["Mentor-Nr", "Nachname", "Vorname", "Eintritt", "Austritt", "Ehrenamtszuschuss", "Schulung"]
H_TANDEMS = ["Tandem-Nr", "Mentor-Nr", "TN-Nr", "Beginn", "Ende"]
H_KONTAKTE = ["Tandem-Nr", "Datum", "Dauer", "Kontaktart", "Kilometer", "Verkehrsmittel"]

WAITING_MENTORS = 0.05  # share of mentors who joined in the last weeks and have no tandem yet
DEMO_ANTEIL_ZUSCHUSS = 0.25  # share of mentors paid the Ehrenamtszuschuss (why: _new_mentors)
# planted mentor-side cases (docs/mentoring.md checks), each at least once in the first chunk:
ANTEIL_BEGINN_ZU_SPAET = 0.01  # tandems registered weeks after their first contacts
ANTEIL_AUSTRITT_LAUFEND = 0.01  # mentors with a running tandem whose Austritt was entered
ANTEIL_STILL = 0.03  # mentors of a single running tandem whose contacts stopped months ago

_KONTAKTART = ["persönlich", "telefonisch", "digital"]
_VM = ["Pkw", "ÖPNV", "Fahrrad", "zu Fuß"]
_VM_KM10 = [(20, 250), (20, 200), (5, 80), (2, 30)]  # tenths of km per Verkehrsmittel

MENTOR_MISTAKES = [
    Spec("duplicate_key", "dupkey", ["Mentor-Nr"]),
    Spec("invalid_date", "set", ["Eintritt", "Schulung"], bad_dates),
    Spec("missing_required", "null", ["Ehrenamtszuschuss", "Nachname"]),
]
# the repeated Tandem-Nr of a dupkey mistake is one with few contacts, and the second row is the
# one that lacks a value (a tandem entered again, incompletely)
TANDEM_MISTAKES = [
    Spec("duplicate_key", "dupkey", ["Tandem-Nr"]),
    Spec("missing_required", "null", ["Mentor-Nr", "Beginn"], on_added=True),
]


def contact_mistakes(n_total: int) -> list[Spec]:
    """The mistakes of the Kontakte; an unknown Tandem-Nr lies beyond every real one."""
    bad_ref_base = 1_001 + n_total + 1
    return [
        Spec("unknown_reference", "set", ["Tandem-Nr"],
             lambda r, k: [f"T-{v}" for v in (bad_ref_base + r.integers(0, 90_000, k)).tolist()]),
        Spec("exact_duplicate", "dupline", []),
        Spec("unknown_code", "set", ["Kontaktart"], ["Brief", "E-Mail", "Treffen"]),
        Spec("unknown_code", "set", ["Verkehrsmittel"], ["Auto", "Bus", "Motorrad"]),
        Spec("invalid_date", "set", ["Datum"], bad_dates),
        Spec("missing_required", "null", ["Dauer", "Kontaktart"]),
    ]


@dataclass
class Mentoring:
    """One chunk's mentors, tandems and contacts."""

    mentors: dict[str, Any]
    tandems: dict[str, np.ndarray]
    t_nr: np.ndarray  # running Tandem-Nr of each tandem
    contacts: pl.DataFrame
    per_tandem: np.ndarray  # contacts per tandem
    beginn: np.ndarray  # the Beginn as registered (weeks late for a few planted tandems)


def gen_mentoring(
    rng: Callable[[int], np.random.Generator], p: dict[str, Any], D: int, dates: Dates, tandem_off: int,
    first: bool,
) -> Mentoring:
    """Mentors, tandems and contacts for the participants ``p``; ``rng(component)`` is the chunk's
    generator of a component (sources/demo/inbox.py)."""
    mt = _gen_mentors(rng(6), len(p["g"]), D)
    tdm = _gen_tandems(rng(7), p, mt, D)
    _mentor_exits(rng(8), mt, tdm, D)
    # volunteers who joined in the last weeks and wait for their first tandem
    # (at least one per kind of mistake forced into the first chunk)
    n_wait = max(round(len(mt["eintritt"]) * WAITING_MENTORS), len(MENTOR_MISTAKES) if first else 0)
    add_waiting_mentors(rng(24), mt, n_wait, D)
    kontakte_bis = _plant_mentor_cases(rng(25), p, mt, tdm, D, first)
    t_nr = 1_001 + tandem_off + np.arange(len(tdm["tn"]))
    contacts, per_tandem = _gen_contacts(rng(14), tdm, mt, t_nr, D, dates, kontakte_bis)
    beginn = _plant_late_beginn(rng(26), p, tdm, per_tandem, kontakte_bis, D, first)
    return Mentoring(mt, tdm, t_nr, contacts, per_tandem, beginn)


def tandem_frame(
    m: Mentoring, p: dict[str, Any], mentor_off: int, dates: Dates,
    rng_beginn: np.random.Generator, rng_ende: np.random.Generator,
) -> pl.DataFrame:
    tn_nr = prefixed("TN-", 100_001 + p["g"])
    k = len(m.t_nr)
    return pl.DataFrame({
        "Tandem-Nr": prefixed("T-", m.t_nr),
        "Mentor-Nr": prefixed("M-", 1_001 + mentor_off + m.tandems["mentor"]),
        "TN-Nr": tn_nr.gather(m.tandems["tn"]),
        "Beginn": dates.fmt(m.beginn, rng_beginn.random(k) < 0.05),
        "Ende": dates.fmt(m.tandems["ende"], rng_ende.random(k) < 0.05),
    })


def _gen_mentors(rng: np.random.Generator, n: int, D: int) -> dict[str, Any]:
    return _new_mentors(rng, max(1, round(n * 0.5)), day_number(date(2023, 10, 1)), D)


def add_waiting_mentors(rng: np.random.Generator, mt: dict[str, Any], k: int, D: int) -> None:
    """Append ``k`` mentors who joined in the last six weeks and have no tandem yet."""
    if k <= 0:
        return
    new = _new_mentors(rng, k, D - 41, D)
    for key, v in new.items():
        mt[key] = pl.concat([mt[key], v]) if isinstance(v, pl.Series) else np.concatenate([mt[key], v])


def _new_mentors(rng: np.random.Generator, nm: int, m0: int, D: int) -> dict[str, Any]:
    """``nm`` mentors who joined between day ``m0`` and ``D``."""
    eintritt = m0 + np.minimum((rng.beta(0.8, 1.6, nm) * (D - m0 + 1)).astype(np.int64), D - m0)
    female = rng.random(nm) < 0.65
    # trainings take place every eight weeks; a mentor attended one after joining, or none
    sessions = np.arange(day_number(date(2024, 1, 20)), D + 1, 56, dtype=np.int64)
    first = np.searchsorted(sessions, eintritt)
    avail = len(sessions) - first
    attended = (rng.random(nm) < 0.6 / 0.9) & (avail > 0)
    session = np.minimum(first + (rng.random(nm) * np.maximum(avail, 1)).astype(np.int64), max(len(sessions) - 1, 0))
    schulung = np.where(attended, sessions[session] if len(sessions) else NONE, NONE)
    last_de = rng.random(nm) < 0.88
    r = rng.integers(0, 1 << 30, (3, nm))
    return {
        "eintritt": eintritt,
        "austritt": np.full(nm, NONE, dtype=np.int64),
        # Seed document: the 10,000 EUR donation does not cover every mentor, so a minority was
        # selected; a quarter keeps the demo's spending near the budget without overdrawing it.
        "zuschuss": rng.random(nm) < DEMO_ANTEIL_ZUSCHUSS,
        "schulung": schulung,
        "pref_vm": choice(rng, [0.45, 0.25, 0.2, 0.1], nm),
        "first": pl.select(
            pl.when(pl.Series(female))
            .then(pick(MENTOR_FIRST_F, r[0] % len(MENTOR_FIRST_F)))
            .otherwise(pick(MENTOR_FIRST_M, r[0] % len(MENTOR_FIRST_M)))
        ).to_series(),
        "last": pl.select(
            pl.when(pl.Series(last_de))
            .then(pick(DE_LAST, r[1] % len(DE_LAST)))
            .otherwise(pick(OTHER_LAST, r[2] % len(OTHER_LAST)))
        ).to_series(),
    }


def _gen_tandems(rng: np.random.Generator, p: dict[str, Any], mt: dict[str, Any], D: int) -> dict[str, np.ndarray]:
    n, nm = len(p["g"]), len(mt["eintritt"])
    cand = np.flatnonzero((rng.random(n) < 0.88) & (p["eintritt"] <= D - 3))
    cap = 1 + choice(rng, [0.5, 0.33, 0.17], nm)
    slots = np.repeat(np.arange(nm), cap)
    # match in order of entry (with some noise): early participants get early mentors
    c_order = cand[np.argsort(p["eintritt"][cand] + rng.normal(0, 30, len(cand)), kind="stable")]
    s_order = slots[np.argsort(mt["eintritt"][slots] + rng.normal(0, 30, len(slots)), kind="stable")]
    k = min(len(c_order), len(s_order))
    tn, mentor = c_order[:k], s_order[:k]
    beginn = np.maximum(p["eintritt"][tn], mt["eintritt"][mentor]) + between(rng, 3, 35, k)
    aus = p["austritt"][tn]
    ok = (beginn <= D) & (beginn <= aus)
    tn, mentor, beginn, aus = tn[ok], mentor[ok], beginn[ok], aus[ok]
    k = len(tn)
    ende = np.where(aus != NONE, aus, NONE)
    planned_end = beginn + between(rng, 90, 400, k)
    ende = np.where((ende == NONE) & (rng.random(k) < 0.18) & (planned_end <= D), planned_end, ende)
    order = np.lexsort((tn, beginn))
    return {"tn": tn[order], "mentor": mentor[order], "beginn": beginn[order], "ende": ende[order]}


def _mentor_exits(rng: np.random.Generator, mt: dict[str, Any], tdm: dict[str, np.ndarray], D: int) -> None:
    nm = len(mt["eintritt"])
    last = mt["eintritt"].copy()
    np.maximum.at(last, tdm["mentor"], tdm["ende"])  # NONE (running tandem) blocks an exit
    eligible = last != NONE
    share = eligible.mean() if nm else 0.0
    p_leave = min(1.0, 0.15 / max(share, 0.15))
    leave = eligible & (rng.random(nm) < p_leave)
    aus = np.maximum(last, mt["eintritt"] + 60) + between(rng, 0, 45, nm)
    mt["austritt"] = np.where(leave & (aus <= D), aus, NONE)
    mt["schulung"] = np.where(mt["schulung"] > mt["austritt"], NONE, mt["schulung"])


def _n_planted(n_cand: int, share: float, first: bool) -> int:
    return min(n_cand, max(1 if first else 0, round(share * n_cand)))


def _plant_mentor_cases(
    rng: np.random.Generator, p: dict[str, Any], mt: dict[str, Any], tdm: dict[str, np.ndarray], D: int, first: bool
) -> np.ndarray:
    """Plant two mentor-side cases of real registers; returns the last day with contacts per tandem.

    * a mentor of a single running tandem whose contacts stopped 70-110 days before D: the
      tandem went quiet and nobody closed it (``mentorin_ohne_kontakt``);
    * a mentor without allowance whose Austritt (14-45 days before D) was entered while her
      running tandem was not ended; contacts go on (``tandem_nach_austritt_mentorin``).

    Only tandems of participants with consent are used, so the pipeline sees every planted case.
    """
    nm, k = len(mt["eintritt"]), len(tdm["tn"])
    kontakte_bis = np.full(k, NONE, dtype=np.int64)
    if k == 0:
        return kontakte_bis
    running = (tdm["ende"] == NONE) & (p["case"][tdm["tn"]] == 0)
    n_tandems = np.bincount(tdm["mentor"], minlength=nm)
    taken = np.zeros(nm, dtype=bool)

    cand = np.flatnonzero(running & (tdm["beginn"] <= D - 150) & (n_tandems[tdm["mentor"]] == 1))
    still = rng.permutation(cand)[: _n_planted(len(cand), ANTEIL_STILL, first)]
    kontakte_bis[still] = D - between(rng, 70, 110, len(still))
    taken[tdm["mentor"][still]] = True

    ok = running & (tdm["beginn"] <= D - 90)
    ok &= (mt["austritt"][tdm["mentor"]] == NONE) & ~mt["zuschuss"][tdm["mentor"]] & ~taken[tdm["mentor"]]
    cand = np.unique(tdm["mentor"][ok])
    leave = rng.permutation(cand)[: _n_planted(len(cand), ANTEIL_AUSTRITT_LAUFEND, first)]
    mt["austritt"][leave] = D - between(rng, 14, 45, len(leave))
    mt["schulung"] = np.where(mt["schulung"] > mt["austritt"], NONE, mt["schulung"])
    return kontakte_bis


def _plant_late_beginn(
    rng: np.random.Generator, p: dict[str, Any], tdm: dict[str, np.ndarray], per_tandem: np.ndarray,
    kontakte_bis: np.ndarray, D: int, first: bool,
) -> np.ndarray:
    """The Beginn as registered: for a few tandems 36-50 days after the real start, so that their
    first two contacts lie before it (``kontakt_ausserhalb_tandem``)."""
    beginn = tdm["beginn"].copy()
    late = between(rng, 36, 50, len(beginn))
    ok = (per_tandem >= 4) & (p["case"][tdm["tn"]] == 0) & (kontakte_bis == NONE)
    ok &= beginn + late < np.minimum(tdm["ende"], D)
    cand = np.flatnonzero(ok)
    late_ones = rng.permutation(cand)[: _n_planted(len(cand), ANTEIL_BEGINN_ZU_SPAET, first)]
    beginn[late_ones] += late[late_ones]
    return beginn


def mentor_frame(mt: dict[str, Any], off: int, dates: Dates, rng: np.random.Generator) -> pl.DataFrame:
    nm = len(mt["eintritt"])

    def d(x: np.ndarray) -> pl.Series:
        return dates.fmt(x, rng.random(nm) < 0.05)

    return pl.DataFrame({
        "Mentor-Nr": prefixed("M-", 1_001 + off + np.arange(nm)),
        "Nachname": mt["last"],
        "Vorname": mt["first"],
        "Eintritt": d(mt["eintritt"]),
        "Austritt": d(mt["austritt"]),
        "Ehrenamtszuschuss": pick(["nein", "ja"], mt["zuschuss"].astype(np.int64)),
        "Schulung": d(mt["schulung"]),
    })


def _gen_contacts(
    rng: np.random.Generator, tdm: dict[str, np.ndarray], mt: dict[str, Any], t_nr: np.ndarray, D: int, dates: Dates,
    kontakte_bis: np.ndarray | None = None,
) -> tuple[pl.DataFrame, np.ndarray]:
    """The contacts of the tandems ``tdm``, and how many each tandem has (none after ``kontakte_bis``)."""
    beg = tdm["beginn"]
    end = np.minimum(tdm["ende"], D)
    if kontakte_bis is not None:
        end = np.minimum(end, kontakte_bis)
    kmax = (end - beg) // 14 + 1
    total = int(kmax.sum())
    tid = np.repeat(np.arange(len(beg)), kmax)
    starts = np.cumsum(kmax) - kmax
    gaps = rng.integers(14, 29, total)
    if len(beg):
        gaps[starts] = rng.integers(0, 8, len(beg))
    cs = np.cumsum(gaps)
    within = cs - np.repeat(cs[starts] - gaps[starts], kmax) if total else cs
    datum = beg[tid] + within
    keep = datum <= end[tid]
    tid, datum = tid[keep], datum[keep]
    order = np.lexsort((tid, datum))
    tid, datum = tid[order], datum[order]
    k = len(tid)

    art = choice(rng, [0.55, 0.25, 0.20], k)
    dauer = np.where(rng.random(k) < 0.7, 15 * between(rng, 2, 12, k), between(rng, 30, 180, k))
    pers = art == 0
    pref = mt["pref_vm"][tdm["mentor"][tid]]
    vm = np.where(rng.random(k) < 0.8, pref, choice(rng, [0.45, 0.25, 0.2, 0.1], k))
    lo = np.array([r[0] for r in _VM_KM10])[vm]
    hi = np.array([r[1] for r in _VM_KM10])[vm]
    km10 = between(rng, lo, hi, k)
    vm_text = pl.select(
        pl.when(pl.Series(pers)).then(pick(_VM, vm))
        .when(pl.Series(rng.random(k) < 0.6)).then(pl.lit("keins"))
    ).to_series()
    per_tandem = np.bincount(tid, minlength=len(beg))
    return pl.DataFrame({
        "Tandem-Nr": prefixed("T-", t_nr).gather(tid),
        "Datum": dates.fmt(datum, rng.random(k) < 0.05),
        "Dauer": num(dauer),
        "Kontaktart": pick(_KONTAKTART, art),
        "Kilometer": mask(decimal_tenths(km10), pers),
        "Verkehrsmittel": vm_text,
    }), per_tandem
