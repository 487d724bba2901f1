"""VHS Hilden-Haan: course enrolments and exams.

XLSX (first sheet; date cells may be real Excel dates or text) or, for installations beyond the
XLSX row limit, CSV with the same columns. Both for one Datenstand make the delivery ambiguous.
"""

from __future__ import annotations

from sources.contract import Col, ExportKind, NotBefore, Reference, RequiredIf

QUELLE = "vhs"
PARTNER = "VHS Hilden-Haan"  # as the partner is named in every text that leaves the office

KURSARTEN = ("Integrationskurs", "Alphabetisierungskurs", "Berufssprachkurs", "Jugendintegrationskurs", "Sonstiger Kurs")
NIVEAUS = ("A1", "A2", "B1", "B2", "C1")
PRUEFUNGEN = ("DTZ", "telc B1", "telc B2", "DTB B2", "keine")
ERGEBNISSE = ("unter A2", "A2", "B1", "B2", "C1", "nicht bestanden")
KURS_STATUS = ("angemeldet", "laufend", "abgeschlossen", "abgebrochen", "storniert")

KURSTEILNAHMEN = ExportKind(
    name="kursteilnahmen",
    quelle=QUELLE,
    description="Course enrolments and exams: one row per enrolment.",
    extensions=("xlsx", "csv"),
    columns=(
        Col("Hörernummer", "vhs_id", "id", required=True, domain="vhs", aliases=("Hoerernummer", "Hörer-Nr")),
        Col("Kursnummer", "kursnummer", "text", required=True),
        Col("Kursart", "kursart", "code", required=True, codes=KURSARTEN),
        Col("Zielniveau", "zielniveau", "code", codes=NIVEAUS),
        Col("Kursbeginn", "kursbeginn", "date", required=True),
        Col("Kursende", "kursende", "date"),
        Col("Anwesenheit", "anwesenheit", "percent", min=0, max=100, meaning="attendance in percent 0..100"),
        Col("Prüfung", "pruefung", "code", codes=PRUEFUNGEN, default="keine", aliases=("Pruefung",)),
        Col("Ergebnis", "ergebnis", "code", codes=ERGEBNISSE),
        Col("Status", "status", "code", required=True, codes=KURS_STATUS),
    ),
    required_if=(RequiredIf("ergebnis", when="pruefung", when_not=("keine",)),),
    not_before=(NotBefore("kursende", "kursbeginn"),),
    references=(Reference("vhs_id", "teilnehmende", "vhs_id", mode="link"),),
    extra_fields=(("tn_id", "VARCHAR", "keyed pseudonym of the participant's TN-Nr (linked through VHS-Hörernummer)"),),
)

KINDS = (KURSTEILNAHMEN,)
