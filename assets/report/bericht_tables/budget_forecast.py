"""The allowance forecast as the council tables print it: when the Ehrenamtszuschuss budget runs
out if spending goes on as in the last complete months.

The rule lives once, in the mentoring metrics (assets/metrics/budget.py, docs/mentoring.md), which
write it to ``kennzahlen.zuschuss_budget``; this module reads that table as of the Stichtag and
adds only the monthly series the chart draws up to the month the budget runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
from dateutil.relativedelta import relativedelta

from assets.metrics.budget import erschoepfungsmonat, horizont_ende, jenseits_horizont, reicht_laenger_text
from sources.formats import monat_jahr
from sources.settings import Settings
from sources.sql import relation_exists
from sources.zeitraum import month_end

PROGNOSE = "Budget reicht voraussichtlich bis"


@dataclass(frozen=True)
class Prognose:
    ausgezahlt: float
    rest: float
    monatlich: float | None  # average allowance per month the forecast assumes
    erschoepft_im: date | None  # month in which the budget runs out (None: not foreseeable)
    status: str  # 'erschoepft', 'prognose', 'nie' (rate 0), 'keine_basis' (no complete month yet)
    reihe: tuple[tuple[date, float], ...]  # forecast of the cumulative allowance at month ends
    basis_monate: tuple[date, ...]  # months whose allowance drives the forecast
    # the council files print erschoepft_im only within the horizon (settings.prognose_horizont_monate)
    jenseits_horizont: bool = False
    horizont_monate: int = 24


def prognose_rate_label(n: int) -> str:
    return f"Zuschuss je Monat (Durchschnitt der letzten {n} vollständigen Monate)" if n != 1 else \
        "Zuschuss je Monat (letzter vollständiger Monat)"


def prognose_text(p: Prognose) -> str:
    if p.jenseits_horizont:
        return reicht_laenger_text(p.horizont_monate)
    return {
        "erschoepft": "bereits aufgebraucht",
        "nie": "nicht absehbar (zuletzt kein Zuschuss)",
        "keine_basis": "noch keine Prognose (kein vollständiger Monat)",
    }.get(p.status, monat_jahr(p.erschoepft_im) if p.erschoepft_im else "nicht absehbar")


def _reihe(stichtag: date, ausgezahlt: float, monat_zuschuss: float, vollstaendig: bool, rate: float | None,
           budget: float, bis: date) -> tuple[tuple[date, float], ...]:
    """Cumulative allowance at the end of each month from the Stichtag's month to the month the
    budget runs out (``bis``, at most the end of the horizon), spending ``rate`` per month (the
    Stichtag's month tops up to the rate)."""
    if not rate or rate <= 0 or ausgezahlt >= budget:
        return ()
    monat = date(stichtag.year, stichtag.month, 1)
    acc = ausgezahlt + (0.0 if vollstaendig else max(0.0, rate - monat_zuschuss))
    out = [(month_end(monat), min(acc, budget))]
    while acc < budget and monat < bis:
        monat = monat.replace(day=1) + relativedelta(months=1)
        acc += rate
        out.append((month_end(monat), min(acc, budget)))
    return tuple(out)


def budget_prognose(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> Prognose:
    """The forecast of ``kennzahlen.zuschuss_budget`` as of the Stichtag (its last month up to it).

    Without a month up to the Stichtag (the programme starts later) nothing is paid yet and there
    is no basis, as the metrics' rule says for an empty history."""
    if not relation_exists(con, "kennzahlen", "zuschuss_budget"):
        raise RuntimeError("Die Tabelle kennzahlen.zuschuss_budget fehlt: die Kennzahlen müssen vor dem Bericht berechnet sein.")
    budget, horizont = settings.budget_eur, settings.prognose_horizont_monate
    zb = con.sql(
        "SELECT monat, monat_vollstaendig, zuschuss_eur, zuschuss_kumuliert_eur, prognose_basis_monate, "
        "prognose_rate_eur_monat, prognose_erschoepft_monat, prognose_status FROM kennzahlen.zuschuss_budget "
        "WHERE monat <= ? ORDER BY monat", params=[stichtag]).pl()
    if not zb.height:
        monat, status = erschoepfungsmonat(date(stichtag.year, stichtag.month, 1), budget, None)
        return Prognose(0.0, budget, None, monat, status, (), (), horizont_monate=horizont)
    z = zb.row(-1, named=True)
    n = int(z["prognose_basis_monate"] or 0)
    basis = tuple(r["monat"] for r in zb.iter_rows(named=True) if r["monat_vollstaendig"])[-n:] if n else ()
    paid = float(z["zuschuss_kumuliert_eur"] or 0.0)
    rate = z["prognose_rate_eur_monat"]
    monat, status = z["prognose_erschoepft_monat"], z["prognose_status"]
    ende = horizont_ende(stichtag, horizont)
    reihe = _reihe(stichtag, paid, float(z["zuschuss_eur"] or 0), bool(z["monat_vollstaendig"]), rate, budget,
                   min(monat, ende) if monat else ende)
    return Prognose(paid, budget - paid, rate, monat, status, reihe, basis,
                    jenseits_horizont(stichtag, monat, status, horizont), horizont)
