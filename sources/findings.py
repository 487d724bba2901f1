"""The shape of a finding (``Befund``), its severities, and every rule that can write one.

A finding is shared by the triage, the reference and consent gate (``sources/linking.py``), the
load and the checks: one finding per problem with line, column, rule id and a German reason;
never a cell's content.

:data:`REGELN` is the one list of rule ids, each with its texts in plain German: a short title,
what is wrong and how the partner fixes it (the partners' fix lists,
``checks/korrekturen.py``) and what the coordination does about it (the data-quality report,
``checks/dq_report.py``). A rule without ``beheben`` is not the partner's to fix (the warehouse
or the pipeline's administration) and never goes into a fix list. The texts name no rule id, no
library and no table: they are meant to be sent as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

FEHLER = "FEHLER"
WARNUNG = "WARNUNG"
HINWEIS = "HINWEIS"

BEFUND_SCHEMA = {"zeile": pl.Int64, "spalte": pl.String, "regel": pl.String, "schwere": pl.String, "grund": pl.String}

# The finding of an inbox file that is no export (its name matches no export kind): not an error,
# the file is left alone (assets/staging/load.py).
DATEI_IGNORIERT = "datei_ignoriert"


def empty_befunde() -> pl.DataFrame:
    return pl.DataFrame(schema=BEFUND_SCHEMA)


@dataclass(frozen=True)
class Regel:
    """One rule id and its texts.

    ``grund_zeigen``: the finding's own German reason (``grund``) is specific and holds nothing
    but the file's own structure (allowed codes, expected format, the columns involved), so the
    fix list shows it as "Was ist falsch"; otherwise the general ``was`` stands there (e.g. a
    count of rows that belong to no participant is another partner's information)."""

    titel: str
    was: str
    koordination: str
    beheben: str | None = None
    grund_zeigen: bool = True


_KOORD_SACHGEBIET = "Beim Sachgebiet Asyl klären (Korrekturliste); "
_WAREHOUSE = ("Kein Fehler des Partners: die Daten im Warehouse sind in sich unstimmig. An die Fachadministration von "
              "phasenmonitor melden; sie liest die betroffene Datei aus dem Archiv neu ein.")

REGELN: dict[str, Regel] = {
    # row triage (sources/triage.py, cell formats in sources/cells.py)
    "pflichtwert": Regel(
        "Pflichtangabe fehlt", "In dieser Zeile ist ein Feld leer, das immer ausgefüllt sein muss.",
        "Den Partner bitten, die Zelle in diesen Zeilen zu füllen und die Datei neu zu liefern.",
        "Bitte tragen Sie den fehlenden Wert ein und liefern Sie die Datei neu."),
    "datum": Regel(
        "Datum nicht lesbar", "Das Datum ist nicht lesbar oder existiert nicht (z. B. 31.02.).",
        "Datum als TT.MM.JJJJ (oder JJJJ-MM-TT) eintragen lassen; unmögliche Daten wie 31.02. korrigieren.",
        "Bitte tragen Sie das Datum als TT.MM.JJJJ ein (z. B. 05.03.2026) und prüfen Sie Tag und Monat."),
    "ganzzahl": Regel(
        "Keine ganze Zahl", "Hier wird eine ganze Zahl erwartet.",
        "Ganze Zahl ohne Nachkommastellen und ohne Einheit eintragen lassen (z. B. 45).",
        "Bitte tragen Sie eine ganze Zahl ohne Nachkommastellen und ohne Einheit ein (z. B. 45)."),
    "zahl": Regel(
        "Keine Zahl", "Hier wird eine Zahl erwartet.",
        "Zahl mit Dezimalkomma und ohne Einheit eintragen lassen (z. B. 12,5); Prozent als 85 oder 85 %.",
        "Bitte tragen Sie eine Zahl mit Dezimalkomma und ohne Einheit ein (z. B. 12,5); Prozent als 85 oder 85 %."),
    "code": Regel(
        "Wert nicht in der Liste", "Der Wert gehört nicht zu den vereinbarten Werten dieser Spalte.",
        "Nur Werte der Codeliste verwenden lassen (erlaubte Werte siehe Grund); Schreibweise in der Fachanwendung oder "
        "Exportvorlage angleichen.",
        "Bitte verwenden Sie nur die genannten Werte in genau dieser Schreibweise; passen Sie gegebenenfalls die "
        "Auswahlliste oder die Exportvorlage an."),
    "janein": Regel(
        "Ja/Nein-Angabe nicht lesbar", "Hier wird ja oder nein erwartet.",
        "ja oder nein eintragen lassen (auch j/n; bei Kennzeichen x oder leer).",
        "Bitte tragen Sie ja oder nein ein (bei einem Kennzeichen: x oder leer)."),
    "format": Regel(
        "Kennung im falschen Format", "Die Nummer hat nicht das vereinbarte Format.",
        "Kennung im vereinbarten Format eintragen lassen (siehe Grund); Tippfehler, Leerzeichen oder vertauschte Nummern prüfen.",
        "Bitte prüfen Sie die Nummer auf Tippfehler und Leerzeichen und tragen Sie sie im genannten Format ein."),
    "bereich": Regel(
        "Wert außerhalb des erlaubten Bereichs", "Der Wert liegt außerhalb des erlaubten Bereichs.",
        "Eingabe prüfen lassen (Tippfehler, falsche Einheit).",
        "Bitte prüfen Sie die Eingabe (Tippfehler, falsche Einheit)."),
    "pflicht_wenn": Regel(
        "Abhängige Angabe fehlt", "Weil ein anderes Feld dieser Zeile ausgefüllt ist, muss auch dieses Feld ausgefüllt sein.",
        "Abhängigen Pflichtwert ergänzen lassen (Austrittsgrund bei Austritt, Verkehrsmittel bei Kilometern, Ergebnis bei Prüfung).",
        "Bitte ergänzen Sie den Wert (z. B. den Austrittsgrund, wenn ein Austritt eingetragen ist)."),
    "reihenfolge": Regel(
        "Daten in falscher Reihenfolge", "Das spätere Datum liegt vor dem früheren (z. B. Austritt vor Eintritt).",
        "Beide Daten beim Partner prüfen lassen.",
        "Bitte prüfen Sie beide Daten dieser Zeile und korrigieren Sie das falsche."),
    "schluessel_doppelt": Regel(
        "Nummer mehrfach vergeben", "Dieselbe Nummer steht in mehreren Zeilen; keine dieser Zeilen wurde übernommen.",
        "Die Nummer steht in mehreren Zeilen; alle sind in Quarantäne. Dubletten in der Quelle zusammenführen oder die falsche "
        "Nummer korrigieren lassen.",
        "Bitte führen Sie doppelte Einträge zusammen oder korrigieren Sie die falsche Nummer.", grund_zeigen=False),
    "dublette": Regel(
        "Zeile doppelt", "Die Zeile wiederholt eine frühere Zeile genau; sie zählt nur einmal.",
        "Nur ein Hinweis: Exporteinstellung beim Partner prüfen lassen.",
        "Nichts zu korrigieren; wenn möglich, prüfen Sie bitte die Exporteinstellung."),
    "leerzeile": Regel(
        "Leere Zeilen", "Die Datei enthält leere Zeilen; sie werden übersprungen.",
        "Nur ein Hinweis: Exportvorlage beim Partner prüfen lassen (Leerzeilen am Ende oder zwischen Blöcken).",
        "Nichts zu korrigieren; wenn möglich, entfernen Sie leere Zeilen aus der Exportvorlage."),
    "felder_zuviel": Regel(
        "Zu viele Felder", "Die Zeile hat mehr Felder als die Kopfzeile, meist wegen eines Semikolons in einem Wert.",
        "Den Wert beim Partner in Anführungszeichen exportieren oder das Semikolon entfernen lassen und die Datei neu anfordern.",
        "Bitte entfernen Sie das Semikolon aus dem Wert oder exportieren Sie Texte in Anführungszeichen, und liefern Sie die "
        "Datei neu."),
    "zusatzspalte": Regel(
        "Spalte nicht vereinbart", "Die Spalte ist nicht vereinbart und wird nicht gelesen.",
        "Ist es eine umbenannte Vertragsspalte, den Namen angleichen oder in der Konfiguration einen anderen Spaltennamen "
        "zulassen (spalten_aliase, docs/betrieb.md).",
        "Ist es eine umbenannte vereinbarte Spalte, verwenden Sie bitte wieder den vereinbarten Namen; sonst nichts zu tun."),
    # references and consent (sources/linking.py)
    "verweis": Regel(
        "Verweis ins Leere", "Die Nummer verweist auf einen Eintrag, den es in der zugehörigen Liste nicht gibt oder der dort "
        "selbst fehlerhaft ist.",
        "Beide Listen beim Sachgebiet Asyl abgleichen lassen.",
        "Bitte gleichen Sie die Nummer mit der zugehörigen Liste ab (Tandemliste, Mentor*innenliste).", grund_zeigen=False),
    "nicht_zugeordnet": Regel(
        "Zeilen ohne Teilnehmende", "Einige Zeilen der Datei gehören zu keiner teilnehmenden Person des Projekts und werden "
        "nicht verarbeitet.",
        "Sind es Teilnehmende, JC-Kundennummer bzw. VHS-Hörernummer in der Teilnehmendenliste ergänzen lassen.",
        "Bitte prüfen Sie, ob die Datei nur Teilnehmende des 3-Phasen-Modells enthält und ihre Nummern stimmen; die "
        "Projektkoordination gleicht die Nummern mit der Teilnehmendenliste ab.",
        grund_zeigen=False),
    "zuordnung_mehrdeutig": Regel(
        "Nummer nicht eindeutig", "Die Nummer ist in der Teilnehmendenliste mehreren Personen zugeordnet.",
        "Dieselbe Kundennummer/Hörernummer steht bei mehreren Teilnehmenden: in der Teilnehmendenliste korrigieren lassen.",
        "Bitte prüfen Sie die Nummer; stimmt sie, klärt die Projektkoordination die Teilnehmendenliste."),
    # file level (sources/discovery.py, sources/reading.py, assets/staging/load.py)
    "datei_abgelehnt": Regel(
        "Datei abgelehnt", "Die ganze Datei wurde nicht übernommen.",
        "Korrigierte Datei anfordern und in den Eingang legen; bis dahin bleibt der vorige gültige Stand in Gebrauch.",
        "Bitte beheben Sie den genannten Grund und liefern Sie die Datei neu; bis dahin gilt Ihre vorige Lieferung."),
    DATEI_IGNORIERT: Regel(
        "Datei ignoriert", "Die Datei ist kein vereinbarter Export und wird nicht gelesen.",
        "Kein Fehler: Datei aus dem Eingang nehmen, wenn sie dort nicht hingehört; ist es ein Export, den Dateinamen "
        "angleichen (art_JJJJ-MM-TT)."),
    # the contract check on the snapshot in use and the data checks (checks/)
    "vertrag": Regel(
        "Vertragsprüfung", "Geladene Zeilen verletzen den Exportvertrag.",
        "Kein Fehler des Partners: die Zeilen verletzen den Exportvertrag, obwohl die Zeilenprüfung sie durchgelassen hat, oder "
        "der Stand wurde im Warehouse verändert. An die Fachadministration von phasenmonitor melden (Prüfung und Erwartung nennen)."),
    "pruefung_verweis": Regel("Verweis im Warehouse", "Ein Verweis im Warehouse führt ins Leere.", _WAREHOUSE),
    "pruefung_zuordnung": Regel("Zuordnung im Warehouse", "Eine Zeile im Warehouse gehört zu keiner Person.", _WAREHOUSE),
    "pruefung_reihenfolge": Regel("Reihenfolge im Warehouse", "Daten im Warehouse in falscher Reihenfolge.", _WAREHOUSE),
    "kontakt_ausserhalb_tandem": Regel(
        "Kontakt außerhalb des Tandemzeitraums", "Der Kontakt liegt vor dem Beginn oder nach dem Ende seines Tandems.",
        _KOORD_SACHGEBIET + "der Kontakt zählt bis zur Klärung mit.",
        "Bitte prüfen Sie das Datum des Kontakts und Beginn/Ende des Tandems in der Tandemliste."),
    # mentor-side checks (assets/metrics/mentoring_findings.py)
    "tandem_nach_austritt_mentorin": Regel(
        "Tandem nach Austritt der Mentor*in", "Das Tandem läuft nach dem Austritt seiner Mentor*in weiter.",
        _KOORD_SACHGEBIET + "bis dahin zählen Tandem und Mentor*in als aktiv.",
        "Bitte tragen Sie das Ende des Tandems ein, ordnen Sie das Tandem einer neuen Mentor*in zu oder korrigieren Sie den "
        "Austritt in der Mentor*innenliste."),
    "kontakt_ausserhalb_engagement": Regel(
        "Kontakt außerhalb des Engagements", "Der Kontakt liegt vor dem Eintritt oder nach dem Austritt der Mentor*in.",
        _KOORD_SACHGEBIET + "der Kontakt zählt bis zur Klärung mit und wird bei Ehrenamtszuschuss auch bezahlt; lag er wirklich "
        "außerhalb des Engagements, die Zuschusszahlung klären.",
        "Bitte prüfen Sie das Kontaktdatum und Eintritt/Austritt der Mentor*in."),
    "mentorin_ohne_kontakt": Regel(
        "Tandem ohne Kontakt", "Zu einem laufenden Tandem ist seit längerer Zeit kein Kontakt eingetragen.",
        "Bei der Mentor*in nachfragen, ob das Tandem noch läuft.",
        "Bitte tragen Sie fehlende Kontakte nach oder das Ende des Tandems in der Tandemliste ein."),
    "plausibel_dauer": Regel(
        "Ungewöhnliche Dauer", "Die Dauer des Kontakts ist ungewöhnlich lang.",
        "Dauer beim Sachgebiet Asyl bestätigen lassen.",
        "Bitte bestätigen oder korrigieren Sie die Dauer (Minuten statt Stunden? mehrere Termine in einer Zeile?)."),
    "plausibel_kilometer": Regel(
        "Ungewöhnliche Kilometer", "Die gefahrenen Kilometer sind ungewöhnlich hoch.",
        "Kilometer beim Sachgebiet Asyl bestätigen lassen.",
        "Bitte bestätigen oder korrigieren Sie die Kilometer (eine Fahrt hin und zurück; Komma an der richtigen Stelle?)."),
    "plausibel_anwesenheit": Regel(
        "Abgeschlossen ohne Anwesenheit", "Der Kurs ist als abgeschlossen gemeldet, die Anwesenheit aber 0 %.",
        "Bei der VHS nachfragen.",
        "Bitte tragen Sie die Anwesenheit nach oder korrigieren Sie den Status (abgebrochen, storniert?)."),
    "aktualitaet": Regel(
        "Export veraltet", "Der verwendete Export ist älter als vereinbart.",
        "Aktuellen Export beim Partner anfordern; bis dahin beziehen sich die Kennzahlen dieser Quelle auf den älteren Stand.",
        "Bitte liefern Sie einen aktuellen Export."),
    "stand_fehlt": Regel(
        "Export fehlt", "Von diesem Export liegt keine gültige Lieferung vor.",
        "Export dieser Art beim Partner anfordern und in den Eingang legen.",
        "Bitte liefern Sie diesen Export."),
    # how an XLSX sheet was read (sources/workbook.py)
    "titelzeilen": Regel(
        "Titelzeilen über der Kopfzeile", "Über der Kopfzeile stehen Titelzeilen; sie wurden übersprungen.",
        "Nur ein Hinweis: am besten liefert der Partner die Kopfzeile in Zeile 1.",
        "Die Datei wurde gelesen. Wenn möglich, beginnen Sie das Blatt künftig mit der Kopfzeile in Zeile 1."),
    "blatt_ausgeblendet": Regel(
        "Erstes Tabellenblatt ausgeblendet", "Das erste Tabellenblatt ist ausgeblendet; gelesen wurde das erste sichtbare.",
        "Nur ein Hinweis: beim Partner prüfen, ob das richtige Blatt vorne liegt.",
        "Bitte prüfen Sie, ob das erste sichtbare Blatt die Daten des Exports enthält."),
}

UNBEKANNT = Regel("Befund", "Unbekannter Befund.", "Grund lesen und mit dem Partner klären.")


def regel(code: str | None) -> Regel:
    return REGELN.get(code or "", UNBEKANNT)
