"""The German label and the unit of every key of ``kennzahlen.ueberblick``: one copy, read by
the metrics (columns ``bezeichnung`` and ``einheit``, docs/kennzahlen.md version 2) and by the
council overview (``bericht.ueberblick``, assets/report/bericht_tables/overview.py), so a label
printed in the council files is the label an analyst finds in the database.

Units (``einheit``): counts are ``Personen``, ``Vermittlungen``, ``Minijobs``, ``Mentor*innen``,
``Tandems`` and ``Zeilen`` (rows of an export); amounts ``Stunden``, ``EUR`` and ``kg CO2e``;
rates ``Anteil`` (a fraction 0..1, 0,25 = 25 %; printed in the council files as percent).
"""

from __future__ import annotations

from assets.metrics.teilnahme_rules import BA_MONATE

PERSONEN, VERMITTLUNGEN, MINIJOBS, MENTORINNEN, TANDEMS, ZEILEN = "Personen", "Vermittlungen", "Minijobs", "Mentor*innen", "Tandems", "Zeilen"
STUNDEN, EUR, KG_CO2E = "Stunden", "EUR", "kg CO2e"
ANTEIL = "Anteil"
ZAEHL_EINHEITEN = (PERSONEN, VERMITTLUNGEN, MINIJOBS, MENTORINNEN, TANDEMS, ZEILEN)
BETRAGS_EINHEITEN = (STUNDEN, EUR, KG_CO2E)
EINHEITEN = (*ZAEHL_EINHEITEN, *BETRAGS_EINHEITEN, ANTEIL)

# The BA-comparable rows: labelled as such, so that no reader takes them for the BA's own
# published figures (footnote in assets/report/bericht_tables/specs.py).
BA = "BA-vergleichbar"
INTEGRATIONSQUOTE_12M = f"Integrationsquote der letzten {BA_MONATE} Monate ({BA})"
BEWERTBAR_12M = f"Vermittlungen ohne Selbständigkeit mit Prüftag nach {BA_MONATE} Monaten (bewertbar, {BA})"
NACHHALTIG_12M = f"davon nach {BA_MONATE} Monaten sozialversicherungspflichtig beschäftigt oder in Ausbildung ({BA})"

# The three phases of the model (docs/kennzahlen.md), as every text and chart names them.
PHASEN = ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren"))
# The overview's budget row: a value of the configuration, not a key of kennzahlen.ueberblick.
BUDGET = "Budget (Unternehmensspende)"

# key -> (label as printed in bericht.ueberblick and the DOCX, unit), in the order of
# kennzahlen.ueberblick. Keys the overview does not print get a label in the same style.
KENNZAHL_TEXTE: dict[str, tuple[str, str]] = {
    "teilnehmende_gesamt": ("Teilnehmende seit Projektbeginn", PERSONEN),
    "teilnehmende_aktiv": ("davon am Stichtag aktiv", PERSONEN),
    **{f"phase_{i}": (f"aktiv in Phase {i} ({p})", PERSONEN) for i, p in PHASEN},
    "austritte": ("Teilnehmende mit Austritt bis zum Stichtag", PERSONEN),
    "personen_mit_vermittlung": ("Personen mit Vermittlung", PERSONEN),
    "vermittlungen": ("Vermittlungen (Zählweise der BA)", VERMITTLUNGEN),
    "minijobs": ("nachrichtlich: Minijobs", MINIJOBS),
    "integrationsquote_12m": (INTEGRATIONSQUOTE_12M, ANTEIL),
    "nachhaltig_12m_bewertbar": (BEWERTBAR_12M, VERMITTLUNGEN),
    "nachhaltig_12m": (NACHHALTIG_12M, VERMITTLUNGEN),
    "mentorinnen_registriert": ("Mentor*innen registriert", MENTORINNEN),
    "mentorinnen_aktiv": ("aktiv (mit laufendem Tandem)", MENTORINNEN),
    "mentorinnen_mit_zuschuss": ("davon mit Ehrenamtszuschuss", MENTORINNEN),
    "mentorinnen_geschult": ("davon geschult", MENTORINNEN),
    "tandems_aktiv": ("Tandems aktiv", TANDEMS),
    "kontaktstunden": ("Kontaktstunden seit Projektbeginn", STUNDEN),
    "zuschuss_ausgezahlt_eur": ("ausgezahlt seit Projektbeginn", EUR),
    "zuschuss_rest_eur": ("Restbudget", EUR),
    "co2_kg": ("CO2-Emissionen der Fahrten seit Projektbeginn", KG_CO2E),
    "ohne_einwilligung": ("Zeilen der Teilnehmendenliste ohne Einwilligung (ausgeschlossen)", ZEILEN),
}


def bezeichnung(kennzahl: str) -> str:
    return KENNZAHL_TEXTE[kennzahl][0]


def einheit(kennzahl: str) -> str:
    return KENNZAHL_TEXTE[kennzahl][1]
