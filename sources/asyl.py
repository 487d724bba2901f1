"""Sachgebiet Asyl (city of Hilden): participant registry, mentors, tandems, contact log, employers.

UTF-8 CSV (with or without BOM), the common rules of docs/datenvertrag.md.
"""

from __future__ import annotations

from sources.contract import (
    MENTOR_PATTERN,
    TANDEM_PATTERN,
    TN_PATTERN,
    KUNDENNUMMER_PATTERN,
    Col,
    ExportKind,
    NotBefore,
    Reference,
    RequiredIf,
)

QUELLE = "asyl"
PARTNER = "Sachgebiet Asyl"  # as the partner is named in every text that leaves the office

AUFENTHALTSSTATUS = ("Gestattung", "Duldung", "AE §25", "AE §24", "AE sonstige", "NE", "Eingebürgert")
AUSTRITTSGRUENDE = ("Arbeitsaufnahme", "Ausbildung", "Umzug", "Abbruch", "Sonstiges")
KONTAKTARTEN = ("persönlich", "telefonisch", "digital")
VERKEHRSMITTEL = ("Pkw", "ÖPNV", "Fahrrad", "zu Fuß", "keins")

TEILNEHMENDE = ExportKind(
    name="teilnehmende",
    quelle=QUELLE,
    description="Participant registry: one row per participant (primary key TN-Nr).",
    key="tn_id",
    columns=(
        Col("TN-Nr", "tn_id", "id", required=True, pattern=TN_PATTERN, domain="tn", aliases=("TN Nr", "TNNr", "Teilnehmernummer")),
        Col("Nachname", "nachname", "name", required=True, aliases=("Name",)),
        Col("Vorname", "vorname", "name", required=True),
        Col("Geburtsdatum", "geburtsdatum", "birthdate", required=True, aliases=("Geb.-Datum", "Geburtstag")),
        Col("Geschlecht", "geschlecht", "code", required=True, codes=("m", "w", "d")),
        Col("Staatsangehörigkeit", "staatsangehoerigkeit", "text", required=True, aliases=("Staatsangehoerigkeit", "Nationalität")),
        Col("Aufenthaltsstatus", "aufenthaltsstatus", "code", required=True, codes=AUFENTHALTSSTATUS),
        Col("Arbeitsmarktzugang", "arbeitsmarktzugang", "code", required=True, codes=("ja", "nein", "beantragt")),
        Col("Eintritt", "eintritt", "date", required=True, meaning="entry into the programme"),
        Col("Kompetenzfeststellung", "kompetenzfeststellung", "date", meaning="completion of the skills assessment"),
        Col("Austritt", "austritt", "date", meaning="last day in the programme"),
        Col("Austrittsgrund", "austrittsgrund", "code", codes=AUSTRITTSGRUENDE),
        Col("Einwilligung", "einwilligung", "date", meaning="date of written consent to data sharing"),
        Col("Widerruf", "widerruf", "date", meaning="date consent was withdrawn"),
        Col("JC-Kundennummer", "jc_id", "id", pattern=KUNDENNUMMER_PATTERN, domain="jc", aliases=("Kundennummer",)),
        Col("VHS-Hörernummer", "vhs_id", "id", domain="vhs", aliases=("VHS-Hoerernummer", "Hörernummer")),
    ),
    required_if=(RequiredIf("austrittsgrund", when="austritt"),),
    not_before=(NotBefore("austritt", "eintritt"),),
)

MENTORINNEN = ExportKind(
    name="mentorinnen",
    quelle=QUELLE,
    description="Volunteer mentors: one row per mentor (primary key Mentor-Nr).",
    key="mentor_id",
    columns=(
        Col("Mentor-Nr", "mentor_id", "id", required=True, pattern=MENTOR_PATTERN, domain="mentor", aliases=("Mentor Nr", "MentorNr")),
        Col("Nachname", "nachname", "name", required=True, aliases=("Name",)),
        Col("Vorname", "vorname", "name", required=True),
        Col("Eintritt", "eintritt", "date", required=True, meaning="start of engagement"),
        Col("Austritt", "austritt", "date", meaning="last day of engagement"),
        Col("Ehrenamtszuschuss", "ehrenamtszuschuss", "flag", required=True, meaning="mentor is paid the hourly volunteer allowance"),
        Col("Schulung", "schulung", "date", meaning="date of the latest mentor training attended"),
    ),
    not_before=(NotBefore("austritt", "eintritt"),),
)

TANDEMS = ExportKind(
    name="tandems",
    quelle=QUELLE,
    description="Mentor-mentee pairs: one row per tandem (primary key Tandem-Nr).",
    key="tandem_id",
    columns=(
        Col("Tandem-Nr", "tandem_id", "id", required=True, pattern=TANDEM_PATTERN, domain="tandem", aliases=("Tandem Nr", "TandemNr")),
        Col("Mentor-Nr", "mentor_id", "id", required=True, pattern=MENTOR_PATTERN, domain="mentor"),
        Col("TN-Nr", "tn_id", "id", required=True, pattern=TN_PATTERN, domain="tn"),
        Col("Beginn", "beginn", "date", required=True),
        Col("Ende", "ende", "date", meaning="last day of the tandem"),
    ),
    not_before=(NotBefore("ende", "beginn"),),
    references=(Reference("mentor_id", "mentorinnen", "mentor_id"), Reference("tn_id", "teilnehmende", "tn_id")),
)

KONTAKTE = ExportKind(
    name="kontakte",
    quelle=QUELLE,
    description="Mentoring contact log: one row per contact (no key).",
    columns=(
        Col("Tandem-Nr", "tandem_id", "id", required=True, pattern=TANDEM_PATTERN, domain="tandem"),
        Col("Datum", "datum", "date", required=True),
        Col("Dauer", "dauer_min", "int", required=True, min=1, max=600, meaning="contact duration in whole minutes"),
        Col("Kontaktart", "kontaktart", "code", required=True, codes=KONTAKTARTEN),
        Col("Kilometer", "kilometer", "decimal", min=0, default="0", meaning="distance the mentor travelled for this contact"),
        Col("Verkehrsmittel", "verkehrsmittel", "code", codes=VERKEHRSMITTEL),
    ),
    required_if=(RequiredIf("verkehrsmittel", when="kilometer", when_gt=0),),
    references=(Reference("tandem_id", "tandems", "tandem_id"),),
)

UNTERNEHMEN = ExportKind(
    name="unternehmen",
    quelle=QUELLE,
    description="Employer network (optional): one row per company (primary key Unternehmen).",
    key="unternehmen_id",
    required_kind=False,
    columns=(
        # Company names can be a sole trader's personal name: pseudonymised like Arbeitgeber, so
        # the two can still be matched.
        Col("Unternehmen", "unternehmen_id", "id", required=True, domain="arbeitgeber", aliases=("Firma",)),
        Col("Branche", "branche", "text"),
        Col("Netzwerk seit", "netzwerk_seit", "date", required=True),
        Col("Auftaktveranstaltung", "auftaktveranstaltung", "flag", meaning="took part in the kick-off event"),
    ),
)

KINDS = (TEILNEHMENDE, MENTORINNEN, TANDEMS, KONTAKTE, UNTERNEHMEN)
