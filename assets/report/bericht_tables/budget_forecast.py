"""The allowance forecast as the council tables print it: when the Ehrenamtszuschuss budget runs
out if spending goes on as in the last complete months.

This is the report-side reading of ``kennzahlen.zuschuss_budget`` (the forecast of the
mentoring metrics, assets/metrics/mentoring.py ``budget_prognose``, docs/mentoring.md), with the
same rule applied to ``kennzahlen.mentoring`` when that table is not there. Not yet merged with
the metrics' own function: that is a separate step of the restructuring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
from dateutil.relativedelta import relativedelta

from assets.report.bericht_tables.reading import bis_stichtag, lesen, tabelle_da
from sources.formats import monat_jahr
from sources.money import CENT_TOLERANZ
from sources.settings import Settings
from sources.zeitraum import month_end

PROGNOSE = "Budget reicht voraussichtlich bis"

BUDGET_SPALTEN = {"monat", "zuschuss_eur", "zuschuss_kumuliert_eur", "prognose_basis_monate", "prognose_rate_eur_monat",
                  "prognose_erschoepft_monat", "prognose_status", "monat_vollstaendig"}


@dataclass(frozen=True)
class Prognose:
    ausgezahlt: float
    rest: float
    monatlich: float | None  # average allowance per month the forecast assumes
    erschoepft_im: date | None  # month in which the budget runs out (None: not foreseeable)
    status: str  # 'erschoepft', 'prognose', 'nie' (rate 0), 'keine_basis' (no complete month yet)
    reihe: tuple[tuple[date, float], ...]  # forecast of the cumulative allowance at month ends
    basis_monate: tuple[date, ...]  # months whose allowance drives the forecast
    quelle: str  # 'kennzahlen.zuschuss_budget' or 'kennzahlen.mentoring'


def prognose_rate_label(n: int) -> str:
    return f"Zuschuss je Monat (Durchschnitt der letzten {n} vollständigen Monate)" if n != 1 else \
        "Zuschuss je Monat (letzter vollständiger Monat)"


def prognose_text(p: Prognose) -> str:
    return {
        "erschoepft": "bereits aufgebraucht",
        "nie": "nicht absehbar (zuletzt kein Zuschuss)",
        "keine_basis": "noch keine Prognose (kein vollständiger Monat)",
    }.get(p.status, monat_jahr(p.erschoepft_im) if p.erschoepft_im else "nicht absehbar")


def _reihe(stichtag: date, ausgezahlt: float, monat_zuschuss: float, vollstaendig: bool, rate: float | None,
           budget: float, bis: date | None) -> tuple[tuple[date, float], ...]:
    """Cumulative allowance at the end of each month from the Stichtag's month to the month the
    budget runs out, spending ``rate`` per month (the Stichtag's month tops up to the rate)."""
    if not rate or rate <= 0 or ausgezahlt >= budget:
        return ()
    monat = date(stichtag.year, stichtag.month, 1)
    acc = ausgezahlt + (0.0 if vollstaendig else max(0.0, rate - monat_zuschuss))
    out = [(month_end(monat), min(acc, budget))]
    for _ in range(600):  # at most 50 years: a forecast beyond that says nothing
        if acc >= budget or (bis is not None and monat >= bis):
            break
        monat = monat.replace(day=1) + relativedelta(months=1)
        acc += rate
        out.append((month_end(monat), min(acc, budget)))
    return tuple(out)


def _aus_zuschuss_budget(con: duckdb.DuckDBPyConnection, stichtag: date, budget: float) -> Prognose | None:
    """The forecast of ``kennzahlen.zuschuss_budget`` as of the Stichtag; None if that table is
    not there (or lacks a column, or a row up to the Stichtag)."""
    if not tabelle_da(con, "kennzahlen", "zuschuss_budget"):
        return None
    cols = {c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'kennzahlen' AND table_name = 'zuschuss_budget' "
        "AND database_name = current_database()").fetchall()}
    if not BUDGET_SPALTEN <= cols:
        return None
    zb = con.sql(
        "SELECT monat, monat_vollstaendig, zuschuss_eur, zuschuss_kumuliert_eur, prognose_basis_monate, "
        "prognose_rate_eur_monat, prognose_erschoepft_monat, prognose_status FROM kennzahlen.zuschuss_budget "
        "WHERE monat <= ? ORDER BY monat", params=[stichtag]).pl()
    if not zb.height:
        return None
    z = zb.row(-1, named=True)
    n = int(z["prognose_basis_monate"] or 0)
    basis = tuple(r["monat"] for r in zb.iter_rows(named=True) if r["monat_vollstaendig"])[-n:] if n else ()
    paid = float(z["zuschuss_kumuliert_eur"] or 0.0)
    rate = z["prognose_rate_eur_monat"]
    return Prognose(paid, budget - paid, rate, z["prognose_erschoepft_monat"], z["prognose_status"],
                    _reihe(stichtag, paid, float(z["zuschuss_eur"] or 0), bool(z["monat_vollstaendig"]), rate, budget, z["prognose_erschoepft_monat"]),
                    basis, "kennzahlen.zuschuss_budget")


def _vollstaendig(r: dict) -> bool:
    """The Berichtsmonat was counted to its last day (not cut short by the Stichtag)."""
    return r["zaehltag"].day == month_end(r["monat"]).day


def budget_prognose(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> Prognose:
    """When does the allowance budget run out if spending goes on as in the last complete months?

    Taken from ``kennzahlen.zuschuss_budget`` (the mentoring metrics' forecast, docs/mentoring.md)
    when that table is there; otherwise computed the same way from ``kennzahlen.mentoring``: the
    average allowance of the last ``prognose_monate`` complete months.
    """
    m = bis_stichtag(lesen(con, "mentoring"), stichtag)
    budget = settings.budget_eur
    rows = list(m.iter_rows(named=True))
    ausgezahlt = float(sum(r["zuschuss_eur"] or 0 for r in rows))
    letzte = rows[-1] if rows else None
    monat_zuschuss = float(letzte["zuschuss_eur"] or 0) if letzte else 0.0
    vollstaendig = bool(letzte and _vollstaendig(letzte))

    aus_metrik = _aus_zuschuss_budget(con, stichtag, budget)
    if aus_metrik is not None:
        return aus_metrik

    komplett = [r for r in rows if _vollstaendig(r)]
    basis_rows = komplett[-settings.prognose_monate:]
    basis = tuple(r["monat"] for r in basis_rows)
    rest = budget - ausgezahlt
    monat = date(stichtag.year, stichtag.month, 1)
    rate = (sum(r["zuschuss_eur"] or 0 for r in basis_rows) / len(basis_rows)) if basis_rows else None
    if rest < CENT_TOLERANZ:
        return Prognose(ausgezahlt, rest, rate, monat, "erschoepft", (), basis, "kennzahlen.mentoring")
    if rate is None:
        return Prognose(ausgezahlt, rest, None, None, "keine_basis", (), basis, "kennzahlen.mentoring")
    if rate <= 0:
        return Prognose(ausgezahlt, rest, rate, None, "nie", (), basis, "kennzahlen.mentoring")
    reihe = _reihe(stichtag, ausgezahlt, monat_zuschuss, vollstaendig, rate, budget, None)
    erschoepft = next((date(d.year, d.month, 1) for d, v in reihe if v >= budget - CENT_TOLERANZ), None)
    return Prognose(ausgezahlt, rest, rate, erschoepft, "prognose", reihe, basis, "kennzahlen.mentoring")
