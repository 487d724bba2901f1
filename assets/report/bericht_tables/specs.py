"""What each council table shows: its columns with German headers and comments, the export
kinds its figures come from, and its notes; plus the labels and groupings the tables share."""

from __future__ import annotations

from dataclasses import dataclass, field

from assets.metrics import kennzahl_texte as texte
from assets.metrics.teilnahme_rules import BA_MONATE
from assets.report.disclosure import Art
from sources import asyl, jobcenter, vhs
from sources.kinds import ALL_KINDS, PARTNER_NAMEN
from sources.formats import zahl
from sources.settings import Settings

SCHEMA = "bericht"
INSGESAMT = "Insgesamt seit Projektbeginn"


@dataclass(frozen=True)
class Spalte:
    name: str
    titel: str  # column header in the files (German)
    art: Art | None = None  # None: a label column (text)
    dezimalen: int = 0
    kommentar: str = ""

    @property
    def beschreibung(self) -> str:
        """The column's COMMENT: header and meaning."""
        return f"{self.titel}: {self.kommentar}" if self.kommentar and self.kommentar != self.titel else self.titel


@dataclass(frozen=True)
class TabellenSpec:
    name: str
    titel: str
    spalten: tuple[Spalte, ...]
    quellen: tuple[str, ...]  # export kinds the figures come from (for the Datenstand footnote)
    hinweise: tuple[str, ...] = field(default=())

    def spalte(self, name: str) -> Spalte:
        return next(s for s in self.spalten if s.name == name)


ALLE_QUELLEN = ("teilnehmende", "massnahmen", "integrationen", "kursteilnahmen", "mentorinnen", "tandems", "kontakte")
PHASEN_QUELLEN = ("teilnehmende", "massnahmen", "integrationen", "kursteilnahmen")

QUELLEN_TITEL = {
    "teilnehmende": f"Teilnehmendenliste (Stadt Hilden, {asyl.PARTNER})",
    "mentorinnen": f"Mentor*innenliste (Stadt Hilden, {asyl.PARTNER})",
    "tandems": f"Tandemliste (Stadt Hilden, {asyl.PARTNER})",
    "kontakte": f"Kontaktprotokoll der Tandems (Stadt Hilden, {asyl.PARTNER})",
    "unternehmen": "Unternehmensnetzwerk (Stadt Hilden)",
    "massnahmen": f"Maßnahmen ({jobcenter.PARTNER})",
    "integrationen": f"Arbeitsaufnahmen ({jobcenter.PARTNER})",
    "kursteilnahmen": f"Kursteilnahmen ({vhs.PARTNER})",
}
# The export kinds of each partner, in contract order (sources/kinds.py).
PARTNER = {q: tuple(k.name for k in ALL_KINDS if k.quelle == q) for q in PARTNER_NAMEN}

# Units of the overview rows; rows in these units are counts (primary suppression of 1 and 2).
# (the units of assets/metrics/kennzahl_texte.py; rates print as "%" where kennzahlen says "Anteil")
ZAEHL_EINHEITEN = {e: Art.ANZAHL for e in (texte.PERSONEN, texte.VERMITTLUNGEN, texte.MINIJOBS, texte.MENTORINNEN, texte.TANDEMS)}
EINHEITEN = {**ZAEHL_EINHEITEN, **{e: Art.BETRAG for e in texte.BETRAGS_EINHEITEN}, "%": Art.QUOTE}

SV = "SV-pflichtige Beschäftigung (Voll- und Teilzeit)"
INTEGRATIONSGRUPPEN = {  # Integrationsart -> column of bericht.vermittlungen
    "SVB Vollzeit": "svb",
    "SVB Teilzeit": "svb",
    "Ausbildung": "ausbildung_selbstaendigkeit",
    "Selbständigkeit": "ausbildung_selbstaendigkeit",
    "geringfügig": "minijobs",
}
KURSART_REIHENFOLGE = ("Integrationskurs", "Alphabetisierungskurs", "Jugendintegrationskurs", "Berufssprachkurs", "Sonstiger Kurs")

# Printed under the overview and under the placements table.
VERMITTLUNG_HINWEIS = (
    "Vermittlungen nach der Zählweise der Bundesagentur für Arbeit (§ 48a SGB II): Aufnahme einer "
    "sozialversicherungspflichtigen Beschäftigung, einer Ausbildung oder einer Selbständigkeit "
    "(auch mit Eingliederungszuschuss, nicht nach § 16i SGB II); höchstens eine Vermittlung je Person "
    "und Kalendermonat. Minijobs (geringfügige Beschäftigung) werden nachrichtlich ausgewiesen und "
    "nicht als Vermittlung gezählt."
)

# Printed under the overview and in the DOCX notes: what "BA-vergleichbar" means and why the rows
# so marked are not the BA's published figures (docs/kennzahlen.md, "Mit der BA vergleichbar").
BA_VERGLEICH_HINWEIS = (
    f"BA-vergleichbar: Diese Kennzahlen sind in der Sache wie die Kennzahlen der Jobcenter nach § 48a SGB II "
    f"berechnet. Integrationsquote: Vermittlungen (Zählweise der BA) in den letzten {BA_MONATE} Monaten bis zum "
    f"Stichtag geteilt durch die durchschnittliche Zahl aktiver Teilnehmender an den Monatsenden dieser Monate "
    f"(im Monat des Stichtags am Stichtag; ist das Projekt jünger, über die Monate seit Projektbeginn). Nachhaltig "
    f"nach {BA_MONATE} Monaten: Vermittlungen ohne Selbständigkeit, bei denen die Person {BA_MONATE} Monate nach "
    "Beginn sozialversicherungspflichtig beschäftigt oder in Ausbildung ist. Mit den veröffentlichten Zahlen der "
    "BA sind sie nicht gleichzusetzen: Die BA bezieht alle erwerbsfähigen Leistungsberechtigten des Jobcenters ein "
    "und rechnet mit ihren eigenen Bestands- und Beschäftigungsdaten (Meldungen zur Sozialversicherung), dieser "
    "Bericht nur mit den Teilnehmenden des Projekts und den Angaben der Partner."
)


def _ueberblick(settings: Settings) -> dict[str, TabellenSpec]:
    n = settings.nachhaltigkeit_monate
    faktoren = "; ".join(f"{k} {zahl(v, 3)}" for k, v in settings.emissionsfaktoren_kg_km.items())
    return {
        "ueberblick": TabellenSpec(
            "ueberblick",
            "Das 3-Phasen-Modell auf einen Blick",
            (
                Spalte("bereich", "Bereich", kommentar="Themenbereich der Kennzahl"),
                Spalte("kennzahl", "Kennzahl", kommentar="Bezeichnung der Kennzahl"),
                Spalte("wert", "Wert", Art.ANZAHL, kommentar="Wert am Stichtag bzw. seit Projektbeginn, geheimgehalten (Text)"),
                Spalte("einheit", "Einheit", kommentar="Einheit des Werts; Personen, Vermittlungen, Minijobs, Mentor*innen und Tandems sind Fallzahlen"),
            ),
            ALLE_QUELLEN,
            (
                VERMITTLUNG_HINWEIS,
                f"Nachhaltig: Die Person ist {n} Monate nach Beginn der Beschäftigung (Prüftag) beschäftigt; "
                "bewertbar sind Vermittlungen, deren Prüftag spätestens am Stichtag liegt.",
                f"Ehrenamtszuschuss: {zahl(settings.stundensatz_eur, 2)} EUR je Kontaktstunde für Mentor*innen mit "
                f"Zuschuss; Budget aus der Unternehmensspende ({zahl(settings.budget_eur, 0)} EUR). Prognose: "
                f"durchschnittlicher Zuschuss der letzten {settings.prognose_monate} abgeschlossenen Monate.",
                f"CO2-Äquivalente der Fahrten zu Tandemtreffen; Emissionsfaktoren in kg CO2e je Personenkilometer "
                f"(UBA/TREMOD): {faktoren}.",
                # last, so that the earlier footnotes keep their numbers in bericht.fussnoten
                BA_VERGLEICH_HINWEIS,
            ),
        ),
    }


def _veraenderung() -> dict[str, TabellenSpec]:
    return {
        "veraenderung": TabellenSpec(
            "veraenderung",
            "Veränderung seit dem letzten Bericht",
            (
                Spalte("kennzahl", "Kennzahl", kommentar="Bezeichnung der Kennzahl wie in der Tabelle ueberblick"),
                Spalte("wert", "Wert am Stichtag", Art.ANZAHL, kommentar="Wert dieses Berichts, wie in ueberblick veröffentlicht"),
                Spalte("wert_vorbericht", "Wert im letzten Bericht", Art.ANZAHL, kommentar="Wert, wie er im letzten freigegebenen Bericht veröffentlicht wurde"),
                Spalte("veraenderung", "Veränderung", Art.ANZAHL, kommentar="Wert am Stichtag minus Wert im letzten Bericht"),
                Spalte("stichtag_vorbericht", "Stichtag des letzten Berichts", kommentar="Stichtag des letzten freigegebenen Berichts (TT.MM.JJJJ)"),
            ),
            ALLE_QUELLEN,
            ("Verglichen wird mit den Werten, wie sie im letzten freigegebenen Bericht veröffentlicht wurden. Die "
             "Veränderung enthält neue Ereignisse seit jenem Stichtag und Nachmeldungen der Partner für die Zeit davor.",
             "Beträge, Stunden und Emissionen sind auf ganze Einheiten gerundet; die Veränderung ist aus den genauen Werten "
             "berechnet und kann daher um 1 von der Differenz der gerundeten Werte abweichen.",
             "Auch Veränderungen um 1 oder 2 werden geheim gehalten, ebenso jeder Wert, aus dem sich zusammen mit einem "
             "früher veröffentlichten Bericht ein geheim gehaltener Wert errechnen ließe."),
        ),
    }


def _phasen() -> dict[str, TabellenSpec]:
    return {
        "phasen_quartale": TabellenSpec(
            "phasen_quartale",
            "Aktive Teilnehmende nach Phase am Quartalsende",
            (
                Spalte("quartal", "Quartal", kommentar="Kalenderquartal"),
                Spalte("stand_am", "Stand am", kommentar="Zähltag: letzter Tag des Quartals, im laufenden Quartal der Stichtag"),
                Spalte("phase_1", "Phase 1 (Erkennen)", Art.ANZAHL, kommentar="aktive Teilnehmende in Phase 1 am Zähltag"),
                Spalte("phase_2", "Phase 2 (Fördern)", Art.ANZAHL, kommentar="aktive Teilnehmende in Phase 2 am Zähltag"),
                Spalte("phase_3", "Phase 3 (Integrieren)", Art.ANZAHL, kommentar="aktive Teilnehmende in Phase 3 am Zähltag"),
                Spalte("aktiv", "Aktive insgesamt", Art.ANZAHL, kommentar="aktive Teilnehmende am Zähltag"),
            ),
            PHASEN_QUELLEN,
            ("Phase 1 = Fähigkeiten erkennen, Phase 2 = fördern (Kompetenzfeststellung, Sprachkurs oder Maßnahme), "
             "Phase 3 = in Arbeit oder Ausbildung integriert.",),
        ),
        "phasen_bewegungen": TabellenSpec(
            "phasen_bewegungen",
            "Eintritte, Übergänge und Austritte je Kalenderjahr",
            (
                Spalte("zeitraum", "Zeitraum", kommentar="Kalenderjahr (im laufenden Jahr bis zum Stichtag) oder Summe seit Projektbeginn"),
                Spalte("eintritte", "Eintritte", Art.ANZAHL, kommentar="Teilnehmende mit Eintritt im Zeitraum"),
                Spalte("beginn_phase_2", "Übergänge in Phase 2", Art.ANZAHL, kommentar="Teilnehmende, deren Phase 2 im Zeitraum begann"),
                Spalte("beginn_phase_3", "Übergänge in Phase 3", Art.ANZAHL, kommentar="Teilnehmende, deren Phase 3 im Zeitraum begann"),
                Spalte("austritte", "Austritte", Art.ANZAHL, kommentar="Teilnehmende mit Austritt im Zeitraum"),
            ),
            PHASEN_QUELLEN,
        ),
        "phasen_dauer": TabellenSpec(
            "phasen_dauer",
            "Dauer bis zum Erreichen der Phasen",
            (
                Spalte("uebergang", "Übergang", kommentar="Eintritt bis Phase 2 oder bis Phase 3"),
                Spalte("personen", "Personen", Art.ANZAHL, kommentar="Teilnehmende, die die Phase bis zum Stichtag erreicht haben"),
                Spalte("median_tage", "Median (Tage)", Art.MEDIAN, kommentar="Median der Tage vom Eintritt bis zum Beginn der Phase"),
            ),
            PHASEN_QUELLEN,
            ("Median: mittlerer Wert der Dauer über alle Personen, die die Phase erreicht haben; "
             "er wird mit der Zahl der Personen geheim gehalten.",),
        ),
    }


def _vermittlungen_und_mentoring() -> dict[str, TabellenSpec]:
    return {
        "vermittlungen": TabellenSpec(
            "vermittlungen",
            "Vermittlungen nach Art und Kalenderjahr",
            (
                Spalte("zeitraum", "Zeitraum", kommentar="Kalenderjahr (im laufenden Jahr bis zum Stichtag) oder Summe seit Projektbeginn"),
                Spalte("svb", SV, Art.ANZAHL, kommentar="Vermittlungen in SV-pflichtige Beschäftigung (Vollzeit und Teilzeit)"),
                Spalte("ausbildung_selbstaendigkeit", "Ausbildung oder Selbständigkeit", Art.ANZAHL, kommentar="Vermittlungen in Ausbildung oder Selbständigkeit"),
                Spalte("insgesamt", "Vermittlungen insgesamt", Art.ANZAHL, kommentar="Vermittlungen nach Zählweise der BA"),
                Spalte("minijobs", "nachrichtlich: Minijobs", Art.ANZAHL, kommentar="geringfügige Beschäftigungen (keine Vermittlung)"),
            ),
            ("teilnehmende", "integrationen"),
            (VERMITTLUNG_HINWEIS,
             "Ausbildung und Selbständigkeit sind zusammengefasst, damit möglichst wenige Werte geheim gehalten werden müssen."),
        ),
        "mentoring_quartale": TabellenSpec(
            "mentoring_quartale",
            "Mentoring je Quartal",
            (
                Spalte("quartal", "Quartal", kommentar="Kalenderquartal oder Summe seit Projektbeginn"),
                Spalte("stand_am", "Stand am", kommentar="Zähltag der Bestände: letzter Tag des Quartals, im laufenden Quartal der Stichtag"),
                Spalte("mentorinnen_registriert", "Mentor*innen registriert", Art.ANZAHL, kommentar="registrierte Mentor*innen am Zähltag"),
                Spalte("mentorinnen_aktiv", "aktiv (laufendes Tandem)", Art.ANZAHL, kommentar="Mentor*innen mit mindestens einem laufenden Tandem am Zähltag"),
                Spalte("tandems_aktiv", "Tandems aktiv", Art.ANZAHL, kommentar="laufende Tandems am Zähltag"),
                Spalte("kontakte", "Kontakte", Art.ANZAHL, kommentar="Kontakte der Tandems im Quartal"),
                Spalte("stunden", "Kontaktstunden", Art.BETRAG, 0, "Summe der Kontaktdauer im Quartal in Stunden (gerundet)"),
                Spalte("kilometer", "Kilometer", Art.BETRAG, 0, "gefahrene Kilometer im Quartal (gerundet)"),
                Spalte("co2_kg", "CO2 (kg CO2e)", Art.BETRAG, 0, "CO2-Äquivalente der Fahrten im Quartal in kg (gerundet)"),
                Spalte("zuschuss_eur", "Ehrenamtszuschuss (EUR)", Art.BETRAG, 0, "ausgezahlter Ehrenamtszuschuss im Quartal in EUR (gerundet)"),
            ),
            ("mentorinnen", "tandems", "kontakte", "teilnehmende"),
            ("Mentor*innen und Tandems: Bestand am Zähltag; Kontakte, Stunden, Kilometer, CO2 und Zuschuss: Summe im Quartal. "
             "Stunden, Kilometer, CO2 und Zuschuss werden zusammen mit der Zahl der Kontakte geheim gehalten.",),
        ),
    }


# bericht.merkmale: the titles of the Merkmale of kennzahlen.merkmale, and the Ausprägungen that
# are printed in words (every other one as in the export).
MERKMAL_TITEL = {"geschlecht": "Geschlecht", "altersgruppe": "Altersgruppe", "aufenthaltsstatus": "Aufenthaltsstatus",
                 "austrittsgrund": "Austrittsgrund"}
AUSPRAEGUNG_TITEL = {("geschlecht", "m"): "männlich", ("geschlecht", "w"): "weiblich", ("geschlecht", "d"): "divers"}
MERKMALE_INSGESAMT = "Insgesamt"
MERKMALE_ALLE = "alle Teilnehmenden"


def _merkmale() -> dict[str, TabellenSpec]:
    return {
        "merkmale": TabellenSpec(
            "merkmale",
            "Teilnehmende nach Geschlecht, Alter, Aufenthaltsstatus und Austrittsgrund",
            (
                Spalte("merkmal", "Merkmal", kommentar="Geschlecht, Altersgruppe, Aufenthaltsstatus oder Austrittsgrund; Insgesamt: alle Teilnehmenden"),
                Spalte("auspraegung", "Ausprägung", kommentar="Ausprägung des Merkmals wie in der Teilnehmendenliste (Geschlecht ausgeschrieben)"),
                Spalte("teilnehmende_gesamt", "Teilnehmende seit Projektbeginn", Art.ANZAHL, kommentar="Teilnehmende mit Eintritt bis zum Stichtag"),
                Spalte("teilnehmende_aktiv", "davon am Stichtag aktiv", Art.ANZAHL, kommentar="am Stichtag aktive Teilnehmende"),
                Spalte("austritte", "Austritte bis zum Stichtag", Art.ANZAHL, kommentar="Teilnehmende mit Austritt bis zum Stichtag"),
                Spalte("personen_mit_vermittlung", "Personen mit Vermittlung", Art.ANZAHL, kommentar="Teilnehmende mit mindestens einer Vermittlung (Zählweise der BA)"),
            ),
            ("teilnehmende", "integrationen"),
            ("Die Zeilen eines Merkmals ergeben zusammen die Zeile Insgesamt. Altersgruppe: Alter am Datenstand der "
             "Teilnehmendenliste. Austrittsgrund: nur für Personen mit Austritt bis zum Stichtag; alle anderen stehen "
             "unter 'kein Austritt'.",
             "Aufenthaltsstatus: AE = Aufenthaltserlaubnis (§ 24, § 25 oder sonstige), NE = Niederlassungserlaubnis.",
             "Kleine Gruppen werden geheim gehalten, auch wenn sie sich aus anderen Tabellen dieses Berichts errechnen ließen. "
             "Wo sie sich anders nicht schützen lassen, ist ein Merkmal ganz mit * ausgewiesen; * steht dort auch für null."),
        ),
    }


def _sprache() -> dict[str, TabellenSpec]:
    return {
        "sprache": TabellenSpec(
            "sprache",
            "Sprachkurse nach Kursart",
            (
                Spalte("kursart", "Kursart", kommentar="Kursart der VHS"),
                Spalte("begonnen", "begonnen", Art.ANZAHL, kommentar="Kursteilnahmen (nicht storniert) mit Kursbeginn bis zum Stichtag"),
                Spalte("abgeschlossen", "abgeschlossen", Art.ANZAHL, kommentar="davon abgeschlossen"),
                Spalte("abgebrochen", "abgebrochen", Art.ANZAHL, kommentar="davon abgebrochen"),
                Spalte("pruefungen", "Prüfungen", Art.ANZAHL, kommentar="abgelegte Prüfungen mit Ergebnis"),
                Spalte("b1_oder_hoeher", "darunter B1 oder höher", Art.ANZAHL, kommentar="Prüfungen mit Ergebnis B1, B2 oder C1"),
                Spalte("quote_b1", "Anteil B1 oder höher", Art.QUOTE, 1, "Anteil der Prüfungen mit B1 oder höher (gedruckt in Prozent)"),
            ),
            ("kursteilnahmen", "teilnehmende"),
            ("Gezählt werden Kursteilnahmen, nicht Personen: eine Person kann mehrere Kurse besuchen.",),
        ),
    }


def _datenbasis() -> dict[str, TabellenSpec]:
    return {
        "datenbasis": TabellenSpec(
            "datenbasis",
            "Datenbasis: verwendete Exporte der Partner",
            (
                Spalte("quelle", "Quelle", kommentar="Export eines Partners (Stadt Hilden, Jobcenter, VHS)"),
                Spalte("datei", "Datei", kommentar="Name der verwendeten Exportdatei"),
                Spalte("datenstand", "Datenstand", kommentar="Datenstand des Exports (TT.MM.JJJJ)"),
            ),
            ALLE_QUELLEN,
            ("Je Quelle wird der jüngste gültige Export verwendet.",),
        ),
        "fussnoten": TabellenSpec(
            "fussnoten",
            "Fußnoten der Tabellen",
            (
                Spalte("tabelle", "Tabelle", kommentar="Name der Tabelle im Schema bericht"),
                Spalte("nr", "Nr.", kommentar="laufende Nummer der Fußnote"),
                Spalte("text", "Text", kommentar="Wortlaut der Fußnote"),
            ),
            ALLE_QUELLEN,
        ),
    }


def tabellen_specs(settings: Settings) -> dict[str, TabellenSpec]:
    """The published tables, in the order of the report."""
    # the breakdown by person group after the content tables, before the Datenbasis and the footnotes
    return {**_ueberblick(settings), **_veraenderung(), **_phasen(), **_vermittlungen_und_mentoring(), **_sprache(),
            **_merkmale(), **_datenbasis()}
