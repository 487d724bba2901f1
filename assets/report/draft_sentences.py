"""The report's own sentences for the DOCX draft, built from the published figures only: a clause
whose figure is suppressed is left out, never written with a '*' in the middle of a sentence."""

from __future__ import annotations

import re

from assets.metrics.budget import reicht_laenger
from assets.metrics.kennzahl_texte import BUDGET, PHASEN, bezeichnung
from assets.metrics.teilnahme_rules import BA_MONATE
from assets.report import bericht_tables as bt
from assets.report.disclosure import GESPERRT, NICHT_SINNVOLL, NICHTS, parse_de
from assets.report.published_tables import Tabellen
from sources import formats
from sources.settings import Settings

GEHEIM_HINWEIS = "Einzelne Werte werden aus Gründen der statistischen Geheimhaltung nicht genannt (siehe Tabellen, *)."


def offen(text: str | None) -> bool:
    """A published figure that can go into a sentence (not '*', not 'x')."""
    return text not in (GESPERRT, NICHT_SINNVOLL, None, "")


def anzahl(text: str, nomen: str) -> str:
    """'33 Personen' or 'keine Personen'. Callers leave out clauses whose figure is '*'."""
    if text == NICHTS:
        return f"keine {nomen}"
    return f"{text} {nomen}"


class Absatz:
    """Sentences of one paragraph; a clause whose figure is suppressed is left out, and the
    paragraph then ends with one note instead of a '*' in the middle of a sentence."""

    def __init__(self) -> None:
        self.saetze: list[str] = []
        self.ausgelassen = False

    def satz(self, text: str, *werte: str | None) -> None:
        if all(offen(w) for w in werte):
            self.saetze.append(text)
        elif any(w == GESPERRT for w in werte):
            self.ausgelassen = True

    def aufzaehlung(self, einleitung: str, teile: list[tuple[str, str | None]], schluss: str = ".") -> None:
        da = [t for t, w in teile if offen(w)]
        if len(da) < len(teile):
            self.ausgelassen = self.ausgelassen or any(w == GESPERRT for _, w in teile)
        if da:
            self.saetze.append(einleitung + (", ".join(da[:-1]) + " und " + da[-1] if len(da) > 1 else da[0]) + schluss)

    def text(self) -> str:
        return " ".join(self.saetze + ([GEHEIM_HINWEIS] if self.ausgelassen else []))


def satz_teilnehmende(t: Tabellen) -> str:
    u = t.ue
    a = Absatz()
    g, akt, aus = u(bezeichnung("teilnehmende_gesamt")), u(bezeichnung("teilnehmende_aktiv")), u("davon ausgeschieden")
    a.satz(f"Seit Projektbeginn sind {anzahl(g, 'Personen')} in das Projekt eingetreten.", g)
    a.satz(f"Am Stichtag nehmen {anzahl(akt, 'Personen')} aktiv teil.", akt)
    a.satz(f"Ausgeschieden sind {anzahl(aus, 'Personen')}.", aus)
    a.aufzaehlung("Von den aktiven Teilnehmenden befinden sich ",
                  [(f"{anzahl(u(f'aktiv in Phase {i} ({p})'), 'Personen')} in Phase {i} ({p})", u(f"aktiv in Phase {i} ({p})"))
                   for i, p in PHASEN])
    d2 = t.zeile("phasen_dauer", "Eintritt bis Phase 2").get("median_tage")
    d3 = t.zeile("phasen_dauer", "Eintritt bis Phase 3").get("median_tage")
    a.satz(f"Vom Eintritt bis zum Beginn der Phase 2 vergingen im Median {d2} Tage.", d2)
    a.satz(f"Bis zum Beginn der Phase 3 dauerte es im Median {d3} Tage.", d3)
    return a.text()


def satz_vermittlungen(t: Tabellen, settings: Settings) -> str:
    u = t.ue
    n = settings.nachhaltigkeit_monate
    a = Absatz()
    v, pers, mini = u(bezeichnung("vermittlungen")), u(bezeichnung("personen_mit_vermittlung")), u(bezeichnung("minijobs"))
    a.satz(f"Seit Projektbeginn wurden nach der Zählweise der Bundesagentur für Arbeit {anzahl(v, 'Vermittlungen')} in "
           "sozialversicherungspflichtige Beschäftigung, Ausbildung oder Selbständigkeit erreicht.", v)
    a.satz(f"Mindestens eine Vermittlung hatten {anzahl(pers, 'Personen')}.", pers)
    a.satz(f"Zusätzlich wurden {anzahl(mini, 'Minijobs')} aufgenommen, die nicht als Vermittlung zählen.", mini)
    bew = u(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)")
    nh = u(f"davon nach {n} Monaten beschäftigt (nachhaltig)")
    quote = u("Anteil nachhaltiger Vermittlungen")
    if bew != NICHTS:
        # the table counts placements, not persons: 'in 10 Fällen', never '10 Personen'
        faelle = "in keinem Fall" if nh == NICHTS else f"in {nh} Fällen"
        a.satz(f"Von {anzahl(bew, 'Vermittlungen')}, deren Beginn mindestens {n} Monate zurückliegt, war {faelle} die Person "
               f"{n} Monate nach Beginn noch beschäftigt ({quote}).", bew, nh, quote)
    _ba_vergleich(a, t)
    return a.text()


def _ba_vergleich(a: Absatz, t: Tabellen) -> None:
    """The BA-comparable rates, each named as such (what the label means: the overview's footnote
    and the notes at the end of the document)."""
    u = t.ue
    m = BA_MONATE
    iq = u(bt.INTEGRATIONSQUOTE_12M)
    a.satz(f"Berechnet wie die Kennzahlen der Jobcenter nach § 48a SGB II (BA-vergleichbar, siehe Hinweise zu den "
           f"Zahlen), beträgt die Integrationsquote der letzten {m} Monate {iq}.", iq)
    bew, nh, quote = u(bt.BEWERTBAR_12M), u(bt.NACHHALTIG_12M), u(bt.ANTEIL_12M)
    if offen(bew) and bew != NICHTS:
        faelle = "in keinem Fall" if nh == NICHTS else f"in {nh} Fällen"
        a.satz(f"Von {anzahl(bew, 'Vermittlungen')} ohne Selbständigkeit, deren Beginn mindestens {m} Monate zurückliegt, "
               f"war {faelle} die Person {m} Monate nach Beginn sozialversicherungspflichtig beschäftigt oder in Ausbildung "
               f"(BA-vergleichbar: {quote}).", bew, nh, quote)
    elif bew == GESPERRT:
        a.ausgelassen = True


def satz_sprache(t: Tabellen) -> str:
    z = t.zeile("sprache", "Insgesamt")
    if not z:
        return ""
    a = Absatz()
    a.satz(f"In den Sprachkursen der VHS wurden bis zum Stichtag {anzahl(z['begonnen'], 'Kursteilnahmen')} begonnen.", z["begonnen"])
    a.satz(f"Abgeschlossen wurden {anzahl(z['abgeschlossen'], 'Kursteilnahmen')}.", z["abgeschlossen"])
    if z["pruefungen"] != NICHTS:
        b1 = z["b1_oder_hoeher"]
        bestanden = "wurde keine mit B1 oder höher bestanden" if b1 == NICHTS else f"wurden {b1} Prüfungen mit B1 oder höher bestanden"
        a.satz(f"Von {anzahl(z['pruefungen'], 'abgelegten Prüfungen')} {bestanden} ({z['quote_b1']}).",
               z["pruefungen"], b1, z["quote_b1"])
    return a.text()


def satz_mentoring(t: Tabellen) -> str:
    u = t.ue
    ins = t.zeile("mentoring_quartale", bt.INSGESAMT)
    a = Absatz()
    reg = u(bezeichnung("mentorinnen_registriert"))
    a.satz(f"Zum Stichtag sind {anzahl(reg, 'Mentor*innen')} registriert.", reg)
    a.aufzaehlung("Davon sind ", [
        (f"{anzahl(u(bezeichnung('mentorinnen_aktiv')), 'Mentor*innen')} in einem laufenden Tandem aktiv", u(bezeichnung("mentorinnen_aktiv"))),
        (f"{anzahl(u(bezeichnung('mentorinnen_mit_zuschuss')), 'Mentor*innen')} mit Ehrenamtszuschuss tätig", u(bezeichnung("mentorinnen_mit_zuschuss"))),
        (f"{anzahl(u(bezeichnung('mentorinnen_geschult')), 'Mentor*innen')} geschult", u(bezeichnung("mentorinnen_geschult"))),
    ])
    a.satz(f"Es laufen {anzahl(u(bezeichnung('tandems_aktiv')), 'Tandems')}.", u(bezeichnung("tandems_aktiv")))
    if ins:
        a.satz(f"Seit Projektbeginn fanden {anzahl(ins['kontakte'], 'Kontakte')} mit insgesamt "
               f"{u(bezeichnung('kontaktstunden'))} Stunden statt.", ins["kontakte"], u(bezeichnung("kontaktstunden")))
    return a.text()


# A forecast month as the overview prints it ("März 2027").
_PROGNOSEMONAT = re.compile(r"^[A-ZÄÖÜ][a-zäöü]+ \d{4}$")


def ist_prognosemonat(p: str | None) -> bool:
    """Does the overview's forecast cell name the month the budget runs out?"""
    return bool(_PROGNOSEMONAT.match(p or ""))


def satz_budget(t: Tabellen) -> str:
    u = t.ue
    a = Absatz()
    b, paid, rest = u(BUDGET), u(bezeichnung("zuschuss_ausgezahlt_eur")), u(bezeichnung("zuschuss_rest_eur"))
    a.satz(f"Aus der Spende in Höhe von {b} EUR wurden bis zum Stichtag {'kein' if paid == NICHTS else paid + ' EUR'} "
           "Ehrenamtszuschuss ausgezahlt.", b, paid)
    rest_wert = parse_de(rest)
    if rest_wert is not None and rest_wert < 0:
        a.satz(f"Das Budget ist damit aufgebraucht und um {formats.zahl(-rest_wert)} EUR überschritten.", rest)
    else:
        a.satz(f"Es verbleiben {'keine Mittel' if rest == NICHTS else rest + ' EUR'}.", rest)
    p = u(bt.PROGNOSE)
    if p == "bereits aufgebraucht":
        return a.text()
    if ist_prognosemonat(p):
        a.satz(f"Bleibt die Inanspruchnahme wie in den letzten Monaten, ist das Budget voraussichtlich im {p} aufgebraucht.", p)
    elif p == GESPERRT:
        a.ausgelassen = True
    elif reicht_laenger(p):  # beyond the forecast horizon (bericht_tables.budget_forecast)
        a.satz(f"Das Budget reicht bei gleicher Inanspruchnahme noch {p}.", p)
    elif p:
        a.satz(f"Prognose zum Budget: {p}.", p)
    return a.text()


def satz_klima(t: Tabellen) -> str:
    u = t.ue
    ins = t.zeile("mentoring_quartale", bt.INSGESAMT)
    co2 = u(bezeichnung("co2_kg"))
    km = ins.get("kilometer") if ins else None
    a = Absatz()
    a.saetze.append("Kohlendioxidemissionen werden durch den mobilen Einsatz der ehrenamtlichen Mentor*innen verursacht.")
    if co2 == NICHTS:
        a.saetze.append("Seit Projektbeginn sind durch ihre Fahrten zu den Tandemtreffen keine CO2-Emissionen entstanden.")
    elif offen(km) and km != NICHTS:
        a.satz(f"Seit Projektbeginn entstanden durch ihre Fahrten zu den Tandemtreffen ({km} km) rund {co2} kg "
               "CO2-Äquivalente (Emissionsfaktoren des Umweltbundesamts, TREMOD).", co2)
    else:
        a.satz(f"Seit Projektbeginn entstanden durch ihre Fahrten zu den Tandemtreffen rund {co2} kg CO2-Äquivalente "
               "(Emissionsfaktoren des Umweltbundesamts, TREMOD).", co2)
    return a.text()


# The change sentence names the flows a council member asks about first; the table has them all.
VERAENDERUNG_IM_SATZ = (
    (bezeichnung("teilnehmende_gesamt"), "Teilnehmende", ""),
    (bezeichnung("vermittlungen"), "Vermittlungen", ""),
    (bezeichnung("kontaktstunden"), "Kontaktstunden der Tandems", ""),
    (bezeichnung("zuschuss_ausgezahlt_eur"), "EUR ausgezahlter Ehrenamtszuschuss", " EUR"),
)


VORZEICHEN = "+-\u2212"


def _bewegung(z: dict, nomen: str, einheit: str) -> tuple[str, str | None]:
    """'6 Teilnehmende mehr (jetzt 53)'; the clause needs the change and the value now."""
    wert, diff = z.get("wert"), z.get("veraenderung")
    if not (offen(wert) and offen(diff)):
        return "", GESPERRT if GESPERRT in (wert, diff) else None
    d = parse_de(diff)
    if d == 0:
        return f"{nomen.removeprefix('EUR ')} unverändert ({wert}{einheit})", diff
    # a cumulative figure falls only through corrections (docs/bericht.md, "Die Berichtsreihe")
    return f"{diff.lstrip(VORZEICHEN)} {nomen} {'mehr' if d > 0 else 'weniger'} (jetzt {wert}{einheit})", diff


def satz_veraenderung(t: Tabellen) -> str:
    """'Seit dem letzten Bericht zum …': empty before the first release (no change table)."""
    if "veraenderung" not in t.specs or not t.frames["veraenderung"].height:
        return ""
    vor = t.frames["veraenderung"]["stichtag_vorbericht"][0]
    a = Absatz()
    a.aufzaehlung(f"Seit dem letzten Bericht zum {vor} sind es ",
                  [_bewegung(t.zeile("veraenderung", k), nomen, e) for k, nomen, e in VERAENDERUNG_IM_SATZ])
    a.saetze.append("Die Veränderung aller Kennzahlen gegenüber den damals veröffentlichten Werten zeigt die Tabelle "
                    "\u201eVeränderung seit dem letzten Bericht\u201c in der Anlage; sie enthält auch Nachmeldungen der "
                    "Partner für die Zeit vor jenem Stichtag.")
    return a.text()
