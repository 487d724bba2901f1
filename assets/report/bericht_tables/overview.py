"""The overview table (``ueberblick``): the headline figures as of the Stichtag, tied to the same
figures in the detail tables so that a figure suppressed in one is suppressed in all; and the
budget forecast, withheld with the allowance it rests on."""

from __future__ import annotations

from datetime import date

import polars as pl

from assets.metrics.kennzahl_texte import (
    BA,
    BEWERTBAR_12M,
    BUDGET,
    INTEGRATIONSQUOTE_12M,
    KENNZAHL_TEXTE,
    NACHHALTIG_12M,
    bezeichnung,
)
from assets.metrics.teilnahme_rules import BA_MONATE, INTEGRATIONSARTEN_BA, ba_zeitraum_beginn
from assets.report.bericht_tables.budget_forecast import PROGNOSE, Prognose, prognose_rate_label, prognose_text
from assets.report.bericht_tables.reading import frame, jahr_text, quartal, quartal_text
from assets.report.bericht_tables.specs import EINHEITEN, INSGESAMT
from assets.report.disclosure import GESPERRT, Art, Bericht, Geheimhaltung, Ref
from sources.settings import Settings

# The BA-comparable labels live with the other labels (assets/metrics/kennzahl_texte.py).
ANTEIL_12M = f"Anteil nachhaltiger Vermittlungen nach {BA_MONATE} Monaten ({BA})"
# The rate's basis, not printed (hidden cells of the disclosure control).
ZAEHLER_12M, NENNER_12M = "(Vermittlungen im Zeitraum)", "(durchschnittlich aktiv)"

# The figures of kennzahlen.ueberblick that the overview prints as they are: key, label, unit.
# They are the rows of the change table (bericht.veraenderung), in the overview's order.
KENNZAHL_ZEILEN = tuple((k, *KENNZAHL_TEXTE[k]) for k in (
    "teilnehmende_gesamt", "teilnehmende_aktiv", "phase_1", "phase_2", "phase_3", "personen_mit_vermittlung",
    "vermittlungen", "minijobs", "nachhaltig_12m_bewertbar", "nachhaltig_12m", "mentorinnen_registriert",
    "mentorinnen_mit_zuschuss", "mentorinnen_geschult", "mentorinnen_aktiv", "tandems_aktiv", "kontaktstunden",
    "zuschuss_ausgezahlt_eur", "zuschuss_rest_eur", "co2_kg",
))
L = bezeichnung  # the printed label of a key of kennzahlen.ueberblick


def veraenderung_zeilen(ue: dict) -> list[tuple[str, float | None, Art]]:
    """(label, value, kind) of the printed key figures, for the change table."""
    return [(label, None if ue.get(k) is None else float(ue[k]), EINHEITEN[einheit])
            for k, label, einheit in KENNZAHL_ZEILEN if ue.get(k) is not None]


def _u(k: str) -> Ref:
    return ("ueberblick", k, "wert")


def _zeilen(ue: dict, nh: dict | None, prognose: Prognose, settings: Settings) -> list[dict]:
    """The overview rows in print order; a row whose figure is missing is left out."""
    n = settings.nachhaltigkeit_monate
    ue_rows: list[dict] = []

    def zeile(bereich: str, kennzahl: str, wert, einheit: str) -> None:
        if wert is None and einheit != "%":
            return
        ue_rows.append({"bereich": bereich, "kennzahl": kennzahl, "wert": None if wert is None else float(wert), "einheit": einheit, "_art": EINHEITEN[einheit].value})

    def kennzahl(bereich: str, key: str) -> None:
        """A figure of kennzahlen.ueberblick printed as it is, with its label and unit."""
        label, einheit = KENNZAHL_TEXTE[key]
        zeile(bereich, label, ue.get(key), einheit)

    gesamt, aktiv = ue.get("teilnehmende_gesamt"), ue.get("teilnehmende_aktiv")
    T, V, M, B, K = "Teilnehmende", "Vermittlungen", "Mentoring", "Ehrenamtszuschuss", "Klimarelevanz"
    kennzahl(T, "teilnehmende_gesamt")
    kennzahl(T, "teilnehmende_aktiv")
    zeile(T, "davon ausgeschieden", None if gesamt is None or aktiv is None else gesamt - aktiv, "Personen")
    kennzahl(T, "phase_1")
    kennzahl(T, "phase_2")
    kennzahl(T, "phase_3")
    kennzahl(V, "personen_mit_vermittlung")
    kennzahl(V, "vermittlungen")
    kennzahl(V, "minijobs")
    if nh is not None:
        zeile(V, f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)", nh["bewertbar"], "Vermittlungen")
        zeile(V, f"davon nach {n} Monaten beschäftigt (nachhaltig)", nh["nachhaltig"], "Vermittlungen")
        zeile(V, "Anteil nachhaltiger Vermittlungen", (nh["nachhaltig"] / nh["bewertbar"]) if nh["bewertbar"] else None, "%")
    if "integrationsquote_12m" in ue:  # NULL without a Berichtsmonat: printed as 'x'
        zeile(V, INTEGRATIONSQUOTE_12M, ue["integrationsquote_12m"], "%")
    bew_12, nh_12 = ue.get("nachhaltig_12m_bewertbar"), ue.get("nachhaltig_12m")
    if bew_12 is not None and nh_12 is not None:
        zeile(V, BEWERTBAR_12M, bew_12, "Vermittlungen")
        zeile(V, NACHHALTIG_12M, nh_12, "Vermittlungen")
        zeile(V, ANTEIL_12M, (nh_12 / bew_12) if bew_12 else None, "%")
    kennzahl(M, "mentorinnen_registriert")
    kennzahl(M, "mentorinnen_mit_zuschuss")
    kennzahl(M, "mentorinnen_geschult")
    # Not a "davon" of the registered: by docs/mentoring.md a mentor is active while a tandem runs,
    # also after their own Austritt (flagged to the coordinator as tandem_nach_austritt_mentorin).
    kennzahl(M, "mentorinnen_aktiv")
    kennzahl(M, "tandems_aktiv")
    kennzahl(M, "kontaktstunden")
    zeile(B, BUDGET, settings.budget_eur, "EUR")
    kennzahl(B, "zuschuss_ausgezahlt_eur")
    kennzahl(B, "zuschuss_rest_eur")
    if prognose.monatlich is not None and prognose.basis_monate:
        zeile(B, prognose_rate_label(len(prognose.basis_monate)), prognose.monatlich, "EUR")
    ue_rows.append({"bereich": B, "kennzahl": PROGNOSE, "wert": None, "einheit": "Monat", "_art": Art.BETRAG.value})
    kennzahl(K, "co2_kg")
    return ue_rows


def _gleiche_zahlen(g: Geheimhaltung, letztes_q: str | None, letztes_mq: str | None) -> None:
    """The same figures in the detail tables (kept only where they are equal in the data)."""
    if letztes_q:
        for i in (1, 2, 3):
            g.gleich(_u(L(f"phase_{i}")), ("phasen_quartale", letztes_q, f"phase_{i}"))
        g.gleich(_u(L("teilnehmende_aktiv")), ("phasen_quartale", letztes_q, "aktiv"))
    g.gleich(_u(L("teilnehmende_gesamt")), ("phasen_bewegungen", INSGESAMT, "eintritte"))
    g.gleich(_u("davon ausgeschieden"), ("phasen_bewegungen", INSGESAMT, "austritte"))
    g.gleich(_u(L("personen_mit_vermittlung")), ("phasen_dauer", "Eintritt bis Phase 3", "personen"))
    g.gleich(_u(L("personen_mit_vermittlung")), ("phasen_bewegungen", INSGESAMT, "beginn_phase_3"))
    g.gleich(_u(L("vermittlungen")), ("vermittlungen", INSGESAMT, "insgesamt"))
    g.gleich(_u(L("minijobs")), ("vermittlungen", INSGESAMT, "minijobs"))
    if letztes_mq:
        g.gleich(_u(L("mentorinnen_registriert")), ("mentoring_quartale", letztes_mq, "mentorinnen_registriert"))
        g.gleich(_u(L("mentorinnen_aktiv")), ("mentoring_quartale", letztes_mq, "mentorinnen_aktiv"))
        g.gleich(_u(L("tandems_aktiv")), ("mentoring_quartale", letztes_mq, "tandems_aktiv"))
    g.gleich(_u(L("kontaktstunden")), ("mentoring_quartale", INSGESAMT, "stunden"))
    g.gleich(_u(L("zuschuss_ausgezahlt_eur")), ("mentoring_quartale", INSGESAMT, "zuschuss_eur"))
    g.gleich(_u(L("co2_kg")), ("mentoring_quartale", INSGESAMT, "co2_kg"))


def _integrationsquote_schutz(g: Geheimhaltung, verm: pl.DataFrame, bestand: pl.DataFrame, stichtag: date) -> None:
    """The BA-comparable rate is published only with its basis protected like a printed count:
    its numerator (placements in the window, from the same monthly rows as kennzahlen.vermittlungen)
    and its denominator (mean of the active on the window's Zähltage) are hidden cells, and the rate
    is suppressed with either when it is 1 or 2, or with the printed cell that equals the
    numerator (the year or the total of the placements table, when the window covers just that)."""
    rate = _u(INTEGRATIONSQUOTE_12M)
    if not g.hat(rate):
        return
    von = ba_zeitraum_beginn(stichtag)
    fenster_verm = verm.filter((pl.col("monat") >= von) & pl.col("integrationsart").is_in(list(INTEGRATIONSARTEN_BA)))
    fenster_aktiv = bestand.filter(pl.col("monat") >= von)["aktiv"]
    zaehler, nenner = ("ueberblick", INTEGRATIONSQUOTE_12M, ZAEHLER_12M), ("ueberblick", INTEGRATIONSQUOTE_12M, NENNER_12M)
    g.verdeckt(zaehler, float(fenster_verm["anzahl"].sum() or 0))
    g.verdeckt(nenner, float(fenster_aktiv.mean()) if fenster_aktiv.len() else None)
    gleiche = []
    if bestand.height and von <= bestand["monat"].min():
        gleiche.append(("vermittlungen", INSGESAMT, "insgesamt"))  # the window holds every Berichtsmonat
    if von == date(stichtag.year, 1, 1):
        gleiche.append(("vermittlungen", jahr_text(stichtag.year, stichtag), "insgesamt"))  # window = the calendar year
    for ref in gleiche:
        g.gleich(zaehler, ref)
    g.abhaengig(rate, [zaehler, nenner, *gleiche])


def _prognose_basis(prognose: Prognose) -> tuple[Ref, list[str]]:
    """The forecast rate's cell and the quarters of its basis months."""
    basis_q = sorted({quartal_text(*quartal(m)) for m in prognose.basis_monate})
    return _u(prognose_rate_label(len(prognose.basis_monate))), basis_q


def ueberblick(g: Geheimhaltung, ue: dict, nachh: pl.DataFrame, prognose: Prognose, settings: Settings,
               letztes_q: str | None, letztes_mq: str | None, verm: pl.DataFrame, bestand: pl.DataFrame,
               stichtag: date) -> None:
    """Register the overview with its breakdowns, its links to the detail tables and the forecast."""
    nh = next(nachh.iter_rows(named=True), None) if nachh.height else None
    n = settings.nachhaltigkeit_monate
    ue_rows = _zeilen(ue, nh, prognose, settings)
    g.tabelle("ueberblick", frame(ue_rows, ["bereich", "kennzahl", "wert", "einheit", "_art"]), "kennzahl", {"wert": "_art"},
              {"wert": 0}, fest=[(BUDGET, "wert")])

    g.summe(_u(L("teilnehmende_gesamt")), [_u(L("teilnehmende_aktiv")), _u("davon ausgeschieden")])
    g.summe(_u(L("teilnehmende_aktiv")), [_u(L(f"phase_{i}")) for i in (1, 2, 3)])
    g.davon(_u(L("teilnehmende_gesamt")), [_u(L("personen_mit_vermittlung"))], "ohne Vermittlung")
    g.davon(_u(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)"), [_u(f"davon nach {n} Monaten beschäftigt (nachhaltig)")], "nicht nachhaltig")
    g.abhaengig(_u("Anteil nachhaltiger Vermittlungen"), [_u(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)"), _u(f"davon nach {n} Monaten beschäftigt (nachhaltig)")])
    g.davon(_u(BEWERTBAR_12M), [_u(NACHHALTIG_12M)], f"nicht nachhaltig nach {BA_MONATE} Monaten")
    g.abhaengig(_u(ANTEIL_12M), [_u(BEWERTBAR_12M), _u(NACHHALTIG_12M)])
    _integrationsquote_schutz(g, verm, bestand, stichtag)
    # Active mentors are protected like a breakdown of the registered wherever the data allow it
    # (davon() skips the relation when there are more active than registered mentors).
    for k in (L("mentorinnen_aktiv"), L("mentorinnen_mit_zuschuss"), L("mentorinnen_geschult")):
        g.davon(_u(L("mentorinnen_registriert")), [_u(k)], "ohne " + k.removeprefix("davon "))
    # Budget - paid = rest (the budget is public): protects 'paid' and 'rest' together.
    g.beziehung([(_u(L("zuschuss_ausgezahlt_eur")), 1), (_u(L("zuschuss_rest_eur")), 1)], settings.budget_eur, "Budget")
    _gleiche_zahlen(g, letztes_q, letztes_mq)

    # The forecast rests on the allowance of its basis months: it is withheld with them.
    rate_ref, basis_q = _prognose_basis(prognose)
    g.abhaengig(rate_ref, [("mentoring_quartale", q, "zuschuss_eur") for q in basis_q] + [_u(L("zuschuss_ausgezahlt_eur"))])
    g.fester_text(_u(PROGNOSE), prognose_text(prognose))


def prognose_zurueckhalten(bericht: Bericht, prognose: Prognose) -> None:
    """The forecast month goes with the rate it is computed from (and the allowance behind it)."""
    rate_ref, basis_q = _prognose_basis(prognose)
    zuschuss_refs = [rate_ref, _u(L("zuschuss_ausgezahlt_eur"))] + [("mentoring_quartale", q, "zuschuss_eur") for q in basis_q]
    if any(r in bericht.gesperrt for r in zuschuss_refs) and prognose.status == "prognose":
        ue_df = bericht.tabellen["ueberblick"]
        bericht.tabellen["ueberblick"] = ue_df.with_columns(
            pl.when(pl.col("kennzahl") == PROGNOSE).then(pl.lit(GESPERRT)).otherwise(pl.col("wert")).alias("wert")
        )
