"""The German text blocks of the mentoring figures for the Mitteilungsvorlage (docs/mentoring.md,
Text blocks): the paragraphs ``mentoring`` and ``klimarelevanz``.
"""

from __future__ import annotations

from datetime import date

import duckdb

from assets.metrics.budget import BUDGET_COLUMNS, jenseits_horizont, reicht_laenger_text
from assets.metrics.mentoring_figures import budget_rows, prepare_mentoring, stichtag_werte, summen_seit_programmstart
from sources.formats import datum, monat_jahr, zahl
from sources.money import CENT_TOLERANZ
from sources.settings import Settings


def anzahl_de(n: int) -> str:
    """A count for text that leaves the office: 1 and 2 are 'weniger als drei', 0 is 'keine'."""
    if n == 0:
        return "keine"
    if n in (1, 2):
        return "weniger als drei"
    return zahl(n)


def teilanzahl_de(teil: int, gesamt: int) -> str:
    """A part of a stated total. If the rest (gesamt - teil) is 1 or 2 it could be worked out from
    the two figures, so the part is written as 'alle bis auf weniger als drei' (secondary
    suppression in words)."""
    if teil > 2 and gesamt - teil in (1, 2):
        return "alle bis auf weniger als drei"
    if teil == gesamt and teil > 2:
        return "alle"
    return anzahl_de(teil)


def eur_de(x: float) -> str:
    """An amount as the council tables print it: whole euros (rounded half up), unit 'EUR'."""
    return f"{zahl(x, 0)} EUR"


def satz_eur_de(x: float) -> str:
    """A configured rate (the hourly allowance): cents shown, as in the tables' footnote."""
    return f"{zahl(x, 2)} EUR"


def _satzanfang(text: str) -> str:
    """``text`` at the start of a sentence (first letter capital, the rest as it is)."""
    return text[:1].upper() + text[1:]


def mentoring_textbausteine(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict[str, str]:
    """German text blocks for the Mitteilungsvorlage: ``mentoring`` and ``klimarelevanz``.

    The period is programme start ('Projektbeginn', the word of the tables) to Stichtag (the figures
    equal kennzahlen.ueberblick). Amounts and hours are rounded as the council tables print them
    (whole units, half up; 'EUR'), so that a sentence never states a figure more precisely than
    its table. Counts of 1 or 2 are written as "weniger als drei" (statistical confidentiality).
    Computed from the warehouse in TEMP tables; writes nothing to ``kennzahlen``.
    """
    prepare_mentoring(con, settings, stichtag)
    summen = summen_seit_programmstart(con, settings)
    budget = budget_rows(con, settings)
    zeitraum = f"seit Projektbeginn am {datum(settings.programmstart.replace(day=1))} bis zum Stichtag"
    mentoring = " ".join(
        s
        for s in (
            *_bestand_saetze(stichtag_werte(con, stichtag), stichtag),
            _kontakt_satz(summen, zeitraum),
            _zuschuss_satz(summen, settings),
            _prognose_satz(budget[-1] if budget else None, stichtag, settings.prognose_horizont_monate),
        )
        if s
    )
    return {"mentoring": mentoring, "klimarelevanz": _klima_satz(con, summen, zeitraum, settings)}


def _bestand_saetze(bestand: dict[str, int], stichtag: date) -> tuple[str, str]:
    """The registered mentors (with allowance) and the running tandems on the Stichtag."""
    n = bestand["mentorinnen_registriert"]
    if n == 0:
        mentorinnen = f"Zum Stichtag {datum(stichtag)} sind keine Mentor*innen im Projekt registriert."
    else:
        mentorinnen = (
            f"Zum Stichtag {datum(stichtag)} sind {anzahl_de(n)} Mentor*innen im Projekt registriert, davon "
            f"{teilanzahl_de(bestand['mentorinnen_mit_zuschuss'], n)} mit Ehrenamtszuschuss."
        )
    tandems = f"Es laufen {anzahl_de(bestand['tandems_aktiv'])} Tandems aus Mentor*in und teilnehmender Person."
    return mentorinnen, tandems


def _kontakt_satz(summen: dict[str, float], zeitraum: str) -> str:
    kontakte = int(summen["kontakte"])
    if kontakte == 0:
        return f"{_satzanfang(zeitraum)} wurden keine Mentoring-Kontakte erfasst."
    return (
        f"{_satzanfang(zeitraum)} fanden {anzahl_de(kontakte)} Kontakte im Umfang von "
        f"{zahl(summen['kontaktstunden'], 0)} Stunden statt."
    )


def _zuschuss_satz(summen: dict[str, float], settings: Settings) -> str:
    """The allowance paid since programme start and what is left of the budget (or how far it is overdrawn)."""
    satz = (
        f"An Ehrenamtszuschüssen ({satz_eur_de(settings.stundensatz_eur)} je Kontaktstunde) wurden seit Projektbeginn "
        f"{eur_de(summen['zuschuss_ausgezahlt_eur'])} ausgezahlt; "
    )
    rest = summen["zuschuss_rest_eur"]
    if rest >= CENT_TOLERANZ:
        return satz + f"vom Budget in Höhe von {eur_de(settings.budget_eur)} stehen noch {eur_de(rest)} zur Verfügung."
    if rest > -CENT_TOLERANZ:
        return satz + f"das Budget in Höhe von {eur_de(settings.budget_eur)} ist damit aufgebraucht."
    return satz + (
        f"das Budget in Höhe von {eur_de(settings.budget_eur)} ist damit aufgebraucht und um "
        f"{eur_de(-rest)} überschritten."
    )


def _prognose_satz(row: tuple | None, stichtag: date, horizont_monate: int) -> str:
    """The forecast of the last Berichtsmonat (a row of kennzahlen.zuschuss_budget), if any."""
    if row is None:
        return ""
    r = dict(zip((c for c, _, _ in BUDGET_COLUMNS), row))
    basis, rate, monat, status = (
        r["prognose_basis_monate"], r["prognose_rate_eur_monat"], r["prognose_erschoepft_monat"], r["prognose_status"]
    )
    if status == "erschoepft":
        return ""  # said in the sentence before
    if status == "keine_basis":
        return "Für eine Prognose, wann das Budget aufgebraucht ist, liegt noch kein vollständiger Monat vor."
    zeitraum = "im letzten vollständigen Monat" if basis == 1 else f"in den letzten {basis} vollständigen Monaten"
    if status == "nie":
        return f"Da {zeitraum} keine Zuschüsse angefallen sind, ist bei dieser Rate kein Ende des Budgets absehbar."
    if jenseits_horizont(stichtag, monat, status, horizont_monate):  # no month decades ahead in a council text
        return f"Bleibt es bei durchschnittlich {eur_de(rate)} je Monat wie {zeitraum}, reicht das Budget noch " \
            f"{reicht_laenger_text(horizont_monate)}."
    return (
        f"Bleibt es bei durchschnittlich {eur_de(rate)} je Monat wie {zeitraum}, ist das Budget voraussichtlich "
        f"im {monat_jahr(monat)} aufgebraucht."
    )


# The Verkehrsmittel with kilometres in the period, the largest CO2 first.
VERKEHRSMITTEL_SQL = """
SELECT k.verkehrsmittel FROM mentoring_kontakte k
WHERE k.kilometer > 0 AND k.datum >= (SELECT min(monat) FROM berichtsmonate)
GROUP BY 1 ORDER BY sum(k.kilometer * k.kg_je_km) DESC, 1
"""


def _klima_satz(con: duckdb.DuckDBPyConnection, summen: dict[str, float], zeitraum: str, settings: Settings) -> str:
    """The Klimarelevanz sentence: only figures the council tables publish (total kilometres and
    CO2 of the period, whole units as the tables print them) and the emission factors in the
    wording that marks them as configuration ('Pkw 0,166 kg'), so that the council DOCX takes it
    (assets/report/text_blocks.py, textbaustein_zulaessig). Kilometres per Verkehrsmittel are in no
    council table and would be rejected there."""
    verkehrsmittel = [r[0] for r in con.execute(VERKEHRSMITTEL_SQL).fetchall()]
    km = summen["kilometer"]
    co2 = summen["co2_kg"]
    if km <= 0:
        return (
            f"{_satzanfang(zeitraum)} entstanden durch die Fahrten der ehrenamtlichen Mentor*innen keine "
            "CO2-Emissionen, da keine Fahrten erfasst wurden."
        )
    if co2 <= 0:
        return (
            f"{_satzanfang(zeitraum)} entstanden durch die Fahrten der ehrenamtlichen Mentor*innen keine "
            f"CO2-Emissionen ({zahl(km, 0)} gefahrene Kilometer, nur mit Verkehrsmitteln ohne direkte Emissionen)."
        )
    menge = "weniger als 1 kg" if co2 < 0.5 else f"rund {zahl(co2, 0)} kg"
    faktoren = [
        f"{vm} {zahl(settings.emissionsfaktoren_kg_km[vm], 3)} kg"
        for vm in verkehrsmittel
        if settings.emissionsfaktoren_kg_km.get(vm, 0) > 0
    ]
    return (
        f"Durch die Fahrten der ehrenamtlichen Mentor*innen entstanden {zeitraum} {menge} "
        f"CO2-Äquivalente ({zahl(km, 0)} gefahrene Kilometer; Emissionsfaktoren je "
        f"Personenkilometer: {', '.join(faktoren)} CO2-Äquivalente nach Umweltbundesamt, TREMOD)."
    )
