"""Jobcenter (ME-aktiv): support measures and take-ups of work or training.

Windows-1252 CSV, the common rules of docs/datenvertrag.md. Rows belong to a participant only through the
registry's JC-Kundennummer.
"""

from __future__ import annotations

from sources.contract import KUNDENNUMMER_PATTERN, Col, ExportKind, NotBefore, Reference

QUELLE = "jobcenter"
PARTNER = "Jobcenter"  # as the partner is named in every text that leaves the office

MASSNAHMEARTEN = ("MAT", "MAG", "FbW", "AGH", "BSK")
MASSNAHME_STATUS = ("geplant", "laufend", "beendet", "abgebrochen")
INTEGRATIONSARTEN = ("SVB Vollzeit", "SVB Teilzeit", "Ausbildung", "Selbständigkeit", "geringfügig")
FOERDERUNGEN = ("keine", "EGZ", "§16i")

_LINKED = (("tn_id", "VARCHAR", "keyed pseudonym of the participant's TN-Nr (linked through JC-Kundennummer)"),)

MASSNAHMEN = ExportKind(
    name="massnahmen",
    quelle=QUELLE,
    description="Support measures: one row per measure.",
    columns=(
        Col("Kundennummer", "jc_id", "id", required=True, pattern=KUNDENNUMMER_PATTERN, domain="jc", aliases=("Kunden-Nr", "Kundennr")),
        Col("Maßnahmeart", "massnahmeart", "code", required=True, codes=MASSNAHMEARTEN, aliases=("Massnahmeart",)),
        Col("Beginn", "beginn", "date", required=True),
        Col("Ende", "ende", "date", meaning="last day (planned or actual)"),
        Col("Status", "status", "code", required=True, codes=MASSNAHME_STATUS),
    ),
    not_before=(NotBefore("ende", "beginn"),),
    references=(Reference("jc_id", "teilnehmende", "jc_id", mode="link"),),
    extra_fields=_LINKED,
)

INTEGRATIONEN = ExportKind(
    name="integrationen",
    quelle=QUELLE,
    description="Take-ups of work or training: one row per take-up.",
    columns=(
        Col("Kundennummer", "jc_id", "id", required=True, pattern=KUNDENNUMMER_PATTERN, domain="jc", aliases=("Kunden-Nr", "Kundennr")),
        Col("Integrationsart", "integrationsart", "code", required=True, codes=INTEGRATIONSARTEN),
        Col("Beginn", "beginn", "date", required=True),
        Col("Ende", "ende", "date", meaning="last day; empty = still employed"),
        Col("Arbeitgeber", "arbeitgeber_id", "id", domain="arbeitgeber"),
        Col("Wochenstunden", "wochenstunden", "decimal", min=0, max=80),
        Col("Förderung", "foerderung", "code", codes=FOERDERUNGEN, default="keine", aliases=("Foerderung",)),
    ),
    not_before=(NotBefore("ende", "beginn"),),
    references=(Reference("jc_id", "teilnehmende", "jc_id", mode="link"),),
    extra_fields=_LINKED,
)

KINDS = (MASSNAHMEN, INTEGRATIONEN)
