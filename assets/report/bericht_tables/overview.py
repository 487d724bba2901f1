"""The overview table (``ueberblick``): the headline figures as of the Stichtag, tied to the same
figures in the detail tables so that a figure suppressed in one is suppressed in all; and the
budget forecast, withheld with the allowance it rests on."""

from __future__ import annotations

from datetime import date

import polars as pl

from assets.metrics.teilnahme_rules import BA_MONATE, INTEGRATIONSARTEN_BA, ba_zeitraum_beginn
from assets.report.bericht_tables.budget_forecast import PROGNOSE, Prognose, prognose_rate_label, prognose_text
from assets.report.bericht_tables.reading import frame, jahr_text, quartal, quartal_text
from assets.report.bericht_tables.specs import EINHEITEN, INSGESAMT
from assets.report.disclosure import GESPERRT, Art, Bericht, Geheimhaltung, Ref
from sources.settings import Settings

# The BA-comparable rows (kennzahlen.ueberblick: integrationsquote_12m, nachhaltig_12m_*): labelled
# as such, so that no reader takes them for the BA's own published figures (footnote in specs.py).
BA = "BA-vergleichbar"
INTEGRATIONSQUOTE_12M = f"Integrationsquote der letzten {BA_MONATE} Monate ({BA})"
BEWERTBAR_12M = f"Vermittlungen ohne Selbständigkeit mit Prüftag nach {BA_MONATE} Monaten (bewertbar, {BA})"
NACHHALTIG_12M = f"davon nach {BA_MONATE} Monaten sozialversicherungspflichtig beschäftigt oder in Ausbildung ({BA})"
ANTEIL_12M = f"Anteil nachhaltiger Vermittlungen nach {BA_MONATE} Monaten ({BA})"
# The rate's basis, not printed (hidden cells of the disclosure control).
ZAEHLER_12M, NENNER_12M = "(Vermittlungen im Zeitraum)", "(durchschnittlich aktiv)"

# The figures of kennzahlen.ueberblick that the overview prints as they are: key, label, unit.
# They are the rows of the change table (bericht.veraenderung), in the overview's order.
KENNZAHL_ZEILEN = (
    ("teilnehmende_gesamt", "Teilnehmende seit Projektbeginn", "Personen"),
    ("teilnehmende_aktiv", "davon am Stichtag aktiv", "Personen"),
    ("phase_1", "aktiv in Phase 1 (Erkennen)", "Personen"),
    ("phase_2", "aktiv in Phase 2 (Fördern)", "Personen"),
    ("phase_3", "aktiv in Phase 3 (Integrieren)", "Personen"),
    ("personen_mit_vermittlung", "Personen mit Vermittlung", "Personen"),
    ("vermittlungen", "Vermittlungen (Zählweise der BA)", "Vermittlungen"),
    ("minijobs", "nachrichtlich: Minijobs", "Minijobs"),
    ("nachhaltig_12m_bewertbar", BEWERTBAR_12M, "Vermittlungen"),
    ("nachhaltig_12m", NACHHALTIG_12M, "Vermittlungen"),
    ("mentorinnen_registriert", "Mentor*innen registriert", "Mentor*innen"),
    ("mentorinnen_mit_zuschuss", "davon mit Ehrenamtszuschuss", "Mentor*innen"),
    ("mentorinnen_geschult", "davon geschult", "Mentor*innen"),
    ("mentorinnen_aktiv", "aktiv (mit laufendem Tandem)", "Mentor*innen"),
    ("tandems_aktiv", "Tandems aktiv", "Tandems"),
    ("kontaktstunden", "Kontaktstunden seit Projektbeginn", "Stunden"),
    ("zuschuss_ausgezahlt_eur", "ausgezahlt seit Projektbeginn", "EUR"),
    ("zuschuss_rest_eur", "Restbudget", "EUR"),
    ("co2_kg", "CO2-Emissionen der Fahrten seit Projektbeginn", "kg CO2e"),
)


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

    gesamt, aktiv = ue.get("teilnehmende_gesamt"), ue.get("teilnehmende_aktiv")
    T, V, M, B, K = "Teilnehmende", "Vermittlungen", "Mentoring", "Ehrenamtszuschuss", "Klimarelevanz"
    zeile(T, "Teilnehmende seit Projektbeginn", gesamt, "Personen")
    zeile(T, "davon am Stichtag aktiv", aktiv, "Personen")
    zeile(T, "davon ausgeschieden", None if gesamt is None or aktiv is None else gesamt - aktiv, "Personen")
    zeile(T, "aktiv in Phase 1 (Erkennen)", ue.get("phase_1"), "Personen")
    zeile(T, "aktiv in Phase 2 (Fördern)", ue.get("phase_2"), "Personen")
    zeile(T, "aktiv in Phase 3 (Integrieren)", ue.get("phase_3"), "Personen")
    zeile(V, "Personen mit Vermittlung", ue.get("personen_mit_vermittlung"), "Personen")
    zeile(V, "Vermittlungen (Zählweise der BA)", ue.get("vermittlungen"), "Vermittlungen")
    zeile(V, "nachrichtlich: Minijobs", ue.get("minijobs"), "Minijobs")
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
    zeile(M, "Mentor*innen registriert", ue.get("mentorinnen_registriert"), "Mentor*innen")
    zeile(M, "davon mit Ehrenamtszuschuss", ue.get("mentorinnen_mit_zuschuss"), "Mentor*innen")
    zeile(M, "davon geschult", ue.get("mentorinnen_geschult"), "Mentor*innen")
    # Not a "davon" of the registered: by docs/mentoring.md a mentor is active while a tandem runs,
    # also after their own Austritt (flagged to the coordinator as tandem_nach_austritt_mentorin).
    zeile(M, "aktiv (mit laufendem Tandem)", ue.get("mentorinnen_aktiv"), "Mentor*innen")
    zeile(M, "Tandems aktiv", ue.get("tandems_aktiv"), "Tandems")
    zeile(M, "Kontaktstunden seit Projektbeginn", ue.get("kontaktstunden"), "Stunden")
    zeile(B, "Budget (Unternehmensspende)", settings.budget_eur, "EUR")
    zeile(B, "ausgezahlt seit Projektbeginn", ue.get("zuschuss_ausgezahlt_eur"), "EUR")
    zeile(B, "Restbudget", ue.get("zuschuss_rest_eur"), "EUR")
    if prognose.monatlich is not None and prognose.basis_monate:
        zeile(B, prognose_rate_label(len(prognose.basis_monate)), prognose.monatlich, "EUR")
    ue_rows.append({"bereich": B, "kennzahl": PROGNOSE, "wert": None, "einheit": "Monat", "_art": Art.BETRAG.value})
    zeile(K, "CO2-Emissionen der Fahrten seit Projektbeginn", ue.get("co2_kg"), "kg CO2e")
    return ue_rows


def _gleiche_zahlen(g: Geheimhaltung, letztes_q: str | None, letztes_mq: str | None) -> None:
    """The same figures in the detail tables (kept only where they are equal in the data)."""
    if letztes_q:
        for i, p in ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren")):
            g.gleich(_u(f"aktiv in Phase {i} ({p})"), ("phasen_quartale", letztes_q, f"phase_{i}"))
        g.gleich(_u("davon am Stichtag aktiv"), ("phasen_quartale", letztes_q, "aktiv"))
    g.gleich(_u("Teilnehmende seit Projektbeginn"), ("phasen_bewegungen", INSGESAMT, "eintritte"))
    g.gleich(_u("davon ausgeschieden"), ("phasen_bewegungen", INSGESAMT, "austritte"))
    g.gleich(_u("Personen mit Vermittlung"), ("phasen_dauer", "Eintritt bis Phase 3", "personen"))
    g.gleich(_u("Personen mit Vermittlung"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_3"))
    g.gleich(_u("Vermittlungen (Zählweise der BA)"), ("vermittlungen", INSGESAMT, "insgesamt"))
    g.gleich(_u("nachrichtlich: Minijobs"), ("vermittlungen", INSGESAMT, "minijobs"))
    if letztes_mq:
        g.gleich(_u("Mentor*innen registriert"), ("mentoring_quartale", letztes_mq, "mentorinnen_registriert"))
        g.gleich(_u("aktiv (mit laufendem Tandem)"), ("mentoring_quartale", letztes_mq, "mentorinnen_aktiv"))
        g.gleich(_u("Tandems aktiv"), ("mentoring_quartale", letztes_mq, "tandems_aktiv"))
    g.gleich(_u("Kontaktstunden seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "stunden"))
    g.gleich(_u("ausgezahlt seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "zuschuss_eur"))
    g.gleich(_u("CO2-Emissionen der Fahrten seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "co2_kg"))


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
              {"wert": 0}, fest=[("Budget (Unternehmensspende)", "wert")])

    g.summe(_u("Teilnehmende seit Projektbeginn"), [_u("davon am Stichtag aktiv"), _u("davon ausgeschieden")])
    g.summe(_u("davon am Stichtag aktiv"), [_u(f"aktiv in Phase {i} ({p})") for i, p in ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren"))])
    g.davon(_u("Teilnehmende seit Projektbeginn"), [_u("Personen mit Vermittlung")], "ohne Vermittlung")
    g.davon(_u(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)"), [_u(f"davon nach {n} Monaten beschäftigt (nachhaltig)")], "nicht nachhaltig")
    g.abhaengig(_u("Anteil nachhaltiger Vermittlungen"), [_u(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)"), _u(f"davon nach {n} Monaten beschäftigt (nachhaltig)")])
    g.davon(_u(BEWERTBAR_12M), [_u(NACHHALTIG_12M)], f"nicht nachhaltig nach {BA_MONATE} Monaten")
    g.abhaengig(_u(ANTEIL_12M), [_u(BEWERTBAR_12M), _u(NACHHALTIG_12M)])
    _integrationsquote_schutz(g, verm, bestand, stichtag)
    # Active mentors are protected like a breakdown of the registered wherever the data allow it
    # (davon() skips the relation when there are more active than registered mentors).
    for k in ("aktiv (mit laufendem Tandem)", "davon mit Ehrenamtszuschuss", "davon geschult"):
        g.davon(_u("Mentor*innen registriert"), [_u(k)], "ohne " + k.removeprefix("davon "))
    # Budget - paid = rest (the budget is public): protects 'paid' and 'rest' together.
    g.beziehung([(_u("ausgezahlt seit Projektbeginn"), 1), (_u("Restbudget"), 1)], settings.budget_eur, "Budget")
    _gleiche_zahlen(g, letztes_q, letztes_mq)

    # The forecast rests on the allowance of its basis months: it is withheld with them.
    rate_ref, basis_q = _prognose_basis(prognose)
    g.abhaengig(rate_ref, [("mentoring_quartale", q, "zuschuss_eur") for q in basis_q] + [_u("ausgezahlt seit Projektbeginn")])
    g.fester_text(_u(PROGNOSE), prognose_text(prognose))


def prognose_zurueckhalten(bericht: Bericht, prognose: Prognose) -> None:
    """The forecast month goes with the rate it is computed from (and the allowance behind it)."""
    rate_ref, basis_q = _prognose_basis(prognose)
    zuschuss_refs = [rate_ref, _u("ausgezahlt seit Projektbeginn")] + [("mentoring_quartale", q, "zuschuss_eur") for q in basis_q]
    if any(r in bericht.gesperrt for r in zuschuss_refs) and prognose.status == "prognose":
        ue_df = bericht.tabellen["ueberblick"]
        bericht.tabellen["ueberblick"] = ue_df.with_columns(
            pl.when(pl.col("kennzahl") == PROGNOSE).then(pl.lit(GESPERRT)).otherwise(pl.col("wert")).alias("wert")
        )
