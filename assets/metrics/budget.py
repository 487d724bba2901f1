"""The allowance budget and its forecast (docs/mentoring.md): the contract of
``kennzahlen.zuschuss_budget`` and the rows of that table, computed from the monthly allowance
figures. Pure functions; the figures are read by :mod:`assets.metrics.mentoring_figures`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from sources.formats import dauer
from sources.money import CENT_TOLERANZ

BUDGET_TABLE = "kennzahlen.zuschuss_budget"

BUDGET_COMMENT = (
    "Budget des Ehrenamtszuschusses je Berichtsmonat (docs/mentoring.md): Zuschuss, kumulierte Auszahlung, "
    "Restbudget, Mentor*innen mit Zuschuss und die Prognose, in welchem Monat das Budget beim Durchschnitt "
    "der letzten vollständigen Monate aufgebraucht ist. Grundlage für die Entscheidung, wie viele "
    "Mentor*innen mit Zuschuss weiter finanziert werden können."
)
BUDGET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("monat", "DATE", "Berichtsmonat (1. des Monats)."),
    ("zaehltag", "DATE", "Zähltag des Monats: letzter Tag des Monats bzw. der Stichtag im Monat des Stichtags."),
    ("monat_vollstaendig", "BOOLEAN",
     "true, wenn der Zähltag der letzte Tag des Monats ist; nur vollständige Monate gehen in die Prognose ein."),
    ("mentorinnen_mit_zuschuss", "BIGINT", "Am Zähltag registrierte Mentor*innen mit Ehrenamtszuschuss = ja."),
    ("mentorinnen_mit_zuschuss_aktiv", "BIGINT",
     "Mentor*innen mit Ehrenamtszuschuss = ja und mindestens einem am Zähltag laufenden Tandem (aktiv wie in kennzahlen.mentoring)."),
    ("mentorinnen_abgerechnet", "BIGINT",
     "Mentor*innen mit Ehrenamtszuschuss = ja und mindestens einem Kontakt im Monat (für sie wurde Zuschuss gezahlt)."),
    ("zuschuss_stunden", "DOUBLE", "Zuschussfähige Kontaktstunden im Monat (Minuten / 60)."),
    ("zuschuss_eur", "DOUBLE", "Ehrenamtszuschuss des Monats in EUR (zuschuss_stunden x Stundensatz); gleich kennzahlen.mentoring.zuschuss_eur."),
    ("zuschuss_kumuliert_eur", "DOUBLE", "Ehrenamtszuschuss seit Programmstart bis zum Zähltag in EUR."),
    ("budget_eur", "DOUBLE", "Budget für Ehrenamtszuschüsse in EUR (Konfiguration budget_eur: die Spende)."),
    ("budget_rest_eur", "DOUBLE", "Restbudget am Zähltag: budget_eur - zuschuss_kumuliert_eur; negativ = überzogen."),
    ("prognose_basis_monate", "BIGINT",
     "Anzahl der vollständigen Monate, über die die Prognoserate gemittelt ist (höchstens prognose_monate der Konfiguration)."),
    ("prognose_rate_eur_monat", "DOUBLE",
     "Durchschnittlicher Zuschuss je Monat über die letzten vollständigen Monate bis einschließlich dieses Monats; NULL ohne vollständigen Monat."),
    ("prognose_eur_je_mentorin_monat", "DOUBLE",
     "Durchschnittlicher Zuschuss je abgerechneter Mentor*in und Monat in denselben Basismonaten; NULL, wenn dort niemand abgerechnet wurde."),
    ("prognose_reichweite_monate", "DOUBLE",
     "Restbudget / Prognoserate: so viele Monate reicht das Restbudget bei gleicher Rate; 0 wenn aufgebraucht, NULL bei Rate 0 oder ohne Basis."),
    ("prognose_mentorinnen_monate", "DOUBLE",
     "Restbudget / Zuschuss je Mentor*in und Monat: so viele Mentor*innen-Monate lassen sich noch finanzieren (z. B. 24 = 4 Mentor*innen für 6 Monate); 0 wenn aufgebraucht."),
    ("prognose_erschoepft_monat", "DATE",
     "Monat (1. des Monats), in dem das Budget bei der Prognoserate aufgebraucht ist; dieser Monat, wenn es bereits aufgebraucht ist; NULL, wenn es bei Rate 0 nie aufgebraucht wird oder keine Basis besteht."),
    ("prognose_status", "VARCHAR",
     "erschoepft (am Zähltag aufgebraucht), prognose (Monat berechnet), nie (Rate 0: reicht bei dieser Rate dauerhaft), keine_basis (noch kein vollständiger Monat)."),
)


@dataclass(frozen=True)
class Prognose:
    basis_monate: int
    rate_eur_monat: float | None
    eur_je_mentorin_monat: float | None
    reichweite_monate: float | None
    mentorinnen_monate: float | None
    erschoepft_monat: date | None
    status: str  # erschoepft / prognose / nie / keine_basis


def erschoepfungsmonat(
    monat: date,
    rest_eur: float,
    rate_eur_monat: float | None,
    zuschuss_monat_eur: float = 0.0,
    monat_vollstaendig: bool = True,
) -> tuple[date | None, str]:
    """The month in which the budget is used up at ``rate_eur_monat`` per month, and a status.

    - already used up on the Zähltag (``rest_eur`` below half a cent): ``monat``, ``erschoepft``;
    - no complete month to average over (``rate`` None): None, ``keine_basis``;
    - rate 0: None, ``nie`` (the budget never runs out at this rate);
    - otherwise ``prognose``: the month in which the spending reaches the budget. The rest of a
      month that is not yet complete (the Stichtag's month) is assumed to spend the rate as well,
      less what it has already spent (at least nothing); every later month spends the rate.
    """
    # Less than half a cent left counts as used up: the amounts are sums of minutes x rate / 60 in
    # floating point, and the forecast must not promise a month for a budget that is gone.
    if rest_eur < CENT_TOLERANZ:
        return monat, "erschoepft"
    if rate_eur_monat is None:
        return None, "keine_basis"
    if rate_eur_monat <= 0:
        return None, "nie"
    rest = rest_eur
    if not monat_vollstaendig:
        rest -= max(0.0, rate_eur_monat - zuschuss_monat_eur)
        if rest < CENT_TOLERANZ:
            return monat, "prognose"
    # k further months spend k x rate; the budget is gone in the first month where that covers rest.
    k = math.ceil(rest / rate_eur_monat - 1e-9)
    return monat + relativedelta(months=max(k, 1)), "prognose"


def horizont_ende(stichtag: date, horizont_monate: int) -> date:
    """The last month (1st of the month) whose name the council files may print as the month the
    budget runs out: ``horizont_monate`` after the Stichtag's month."""
    return date(stichtag.year, stichtag.month, 1) + relativedelta(months=horizont_monate)


def jenseits_horizont(stichtag: date, erschoepft_monat: date | None, status: str, horizont_monate: int) -> bool:
    """A forecast month beyond the horizon: years of tiny spending extrapolated into a month no
    council should read (the budget lasting until 2047). Only a computed month can be beyond it."""
    return status == "prognose" and erschoepft_monat is not None and erschoepft_monat > horizont_ende(stichtag, horizont_monate)


# How the council files begin the forecast beyond the horizon; the texts that print it (the draft,
# the alternative text, the text blocks' check) recognise it by this, not by their own copy.
REICHT_LAENGER = "länger als"


def reicht_laenger_text(horizont_monate: int) -> str:
    """What the council files say instead of a month beyond the horizon."""
    return f"{REICHT_LAENGER} {dauer(horizont_monate)}"


def reicht_laenger(text: str | None) -> bool:
    """Is this printed forecast the one beyond the horizon (``reicht_laenger_text``)?"""
    return bool(text) and text.startswith(REICHT_LAENGER + " ")


@dataclass(frozen=True)
class BudgetMonat:
    """Input of the forecast: one Berichtsmonat's allowance figures."""

    monat: date
    vollstaendig: bool
    zuschuss_eur: float
    mentorinnen_abgerechnet: int
    budget_rest_eur: float


def budget_prognose(monate: list[BudgetMonat], index: int, prognose_monate: int) -> Prognose:
    """Forecast as of month ``monate[index]`` from the up to ``prognose_monate`` most recent
    complete months up to and including it (``monate`` in calendar order)."""
    aktuell = monate[index]
    basis = [m for m in monate[: index + 1] if m.vollstaendig][-prognose_monate:]
    rate: float | None = None
    je_mentorin: float | None = None
    if basis:
        summe = sum(m.zuschuss_eur for m in basis)
        rate = summe / len(basis)
        mentorinnen_monate = sum(m.mentorinnen_abgerechnet for m in basis)
        je_mentorin = summe / mentorinnen_monate if mentorinnen_monate else None
    monat, status = erschoepfungsmonat(
        aktuell.monat, aktuell.budget_rest_eur, rate, aktuell.zuschuss_eur, aktuell.vollstaendig
    )
    rest = max(aktuell.budget_rest_eur, 0.0) if status != "erschoepft" else 0.0
    return Prognose(
        basis_monate=len(basis),
        rate_eur_monat=rate,
        eur_je_mentorin_monat=je_mentorin,
        reichweite_monate=(0.0 if status == "erschoepft" else rest / rate) if rate else None,
        mentorinnen_monate=(0.0 if status == "erschoepft" else rest / je_mentorin) if je_mentorin else None,
        erschoepft_monat=monat,
        status=status,
    )


def budget_zeilen(
    monate_roh: list[tuple], stundensatz_eur: float, budget_eur: float, prognose_monate: int
) -> list[tuple]:
    """Rows of ``kennzahlen.zuschuss_budget`` (in :data:`BUDGET_COLUMNS` order) from one row per
    Berichtsmonat in calendar order: (monat, zaehltag, monat_vollstaendig, mentorinnen_mit_zuschuss,
    mentorinnen_mit_zuschuss_aktiv, mentorinnen_abgerechnet, zuschuss_minuten, minuten_kumuliert)."""
    monate: list[BudgetMonat] = []
    rows: list[tuple] = []
    for monat, zaehltag, vollst, mit_z, mit_z_aktiv, abgerechnet, minuten, minuten_kum in monate_roh:
        # Amounts from minutes in one multiplication: no drift from adding up rounded months.
        zuschuss = minuten * stundensatz_eur / 60.0
        kumuliert = float(minuten_kum) * stundensatz_eur / 60.0
        rest = budget_eur - kumuliert
        monate.append(BudgetMonat(monat, vollst, zuschuss, abgerechnet, rest))
        p = budget_prognose(monate, len(monate) - 1, prognose_monate)
        rows.append(
            (
                monat, zaehltag, vollst, mit_z, mit_z_aktiv, abgerechnet, minuten / 60.0, zuschuss, kumuliert,
                budget_eur, rest, p.basis_monate, p.rate_eur_monat, p.eur_je_mentorin_monat, p.reichweite_monate,
                p.mentorinnen_monate, p.erschoepft_monat, p.status,
            )
        )
    return rows
