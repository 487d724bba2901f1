"""The coordinator's data-quality report: ``OUT/intern/datenqualitaet_<Stichtag>.html``.

Written for the person who has to call the partner: per partner and file, which lines and which
column are affected, what is wrong and how to fix it (a hint per rule id, :data:`FIX_HINTS`),
the file's status and its row balance (gelesen = geladen + Quarantäne + ausgeschlossen), and the
result of every data check. It is built from ``meta.dateien``, ``kennzahlen.befunde`` and
``meta.pruefungen`` only, so it holds no cell content and no pseudonym: file names, line
numbers, column headers, rule ids and German reasons. One self-contained HTML file (inline CSS,
no external resources: the server may be offline).

It is internal: it shows unsuppressed small counts (rows quarantined or excluded per file, 1s and
2s included), so it lives in ``OUT/intern/`` (0700, file 0600, like the warehouse and the archive),
never in the public ``OUT/bericht/`` (docs/datenqualitaet.md).
"""

from __future__ import annotations

import html
import os
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import duckdb

from checks.check_base import Bewertung
from sources.archive import FILE_MODE, ensure_private_dir, open_private
from sources.formats import anzahl_oder_strich, datum
from sources.kinds import PARTNER_NAMEN
from sources.settings import Settings
from sources.sql import relation_exists

MAX_ZEILEN_JE_GRUPPE = 100  # line numbers shown per (file, column, rule); all are in kennzahlen.befunde

FIX_HINTS: dict[str, str] = {
    # row triage (sources/triage.py, cell formats in sources/cells.py)
    "pflichtwert": "Pflichtwert fehlt: den Partner bitten, die Zelle in diesen Zeilen zu füllen und die Datei neu zu liefern.",
    "datum": "Datum nicht lesbar: als TT.MM.JJJJ (oder JJJJ-MM-TT) eintragen; unmögliche Daten wie 31.02. korrigieren.",
    "ganzzahl": "Ganze Zahl ohne Nachkommastellen und ohne Einheit eintragen (z. B. 45).",
    "zahl": "Zahl mit Dezimalkomma und ohne Einheit eintragen (z. B. 12,5); Prozent als 85 oder 85 %.",
    "code": "Nur Werte der Codeliste verwenden (erlaubte Werte siehe Grund); Schreibweise in der Fachanwendung oder Exportvorlage angleichen.",
    "janein": "ja oder nein eintragen (auch j/n; bei Kennzeichen x oder leer).",
    "format": "Kennung im vereinbarten Format eintragen (siehe Grund); Tippfehler, Leerzeichen oder vertauschte Nummern prüfen.",
    "bereich": "Wert außerhalb des erlaubten Bereichs (siehe Grund): Eingabe prüfen (Tippfehler, falsche Einheit).",
    "pflicht_wenn": "Abhängiger Pflichtwert fehlt (Austrittsgrund bei Austritt, Verkehrsmittel bei Kilometern, Ergebnis bei Prüfung): ergänzen.",
    "reihenfolge": "Das spätere Datum liegt vor dem früheren (z. B. Austritt vor Eintritt): beide Daten beim Partner prüfen lassen.",
    "schluessel_doppelt": "Die Nummer steht in mehreren Zeilen; alle sind in Quarantäne. Dubletten in der Quelle zusammenführen oder die falsche Nummer korrigieren.",
    "dublette": "Exakt wiederholte Zeile, sie zählt einmal. Nur ein Hinweis: Exporteinstellung beim Partner prüfen.",
    "leerzeile": "Leere Zeilen werden übersprungen und nicht gezählt. Nur ein Hinweis: Exportvorlage beim Partner prüfen (Leerzeilen am Ende oder zwischen Blöcken).",
    "felder_zuviel": "Die Zeile hat mehr Felder als die Kopfzeile, meist wegen eines Semikolons in einem Wert: den Wert beim Partner in Anführungszeichen exportieren oder das Semikolon entfernen lassen und die Datei neu liefern.",
    "zusatzspalte": "Spalte ist nicht vereinbart und wird ignoriert. Ist es eine umbenannte Vertragsspalte, den Namen angleichen oder einen Alias (spalten_aliase) konfigurieren.",
    # how an XLSX sheet was read (sources/workbook.py)
    "titelzeilen": "Über der Kopfzeile stehen Titelzeilen; sie wurden übersprungen. Nur ein Hinweis: am besten liefert der Partner die Kopfzeile in Zeile 1.",
    "blatt_ausgeblendet": "Das erste Tabellenblatt ist ausgeblendet; gelesen wurde das erste sichtbare. Nur ein Hinweis: beim Partner prüfen, ob das richtige Blatt vorne liegt.",
    # references and consent (sources/linking.py)
    "verweis": "Die Nummer verweist auf einen Eintrag, den es im verwendeten Stand der Bezugsdatei nicht gibt oder der dort in Quarantäne ist: beide Listen beim Sachgebiet Asyl abgleichen lassen.",
    "nicht_zugeordnet": "Diese Zeilen gehören zu keiner teilnehmenden Person. Sind es Teilnehmende, JC-Kundennummer bzw. VHS-Hörernummer in der Teilnehmendenliste ergänzen.",
    "zuordnung_mehrdeutig": "Dieselbe Kundennummer/Hörernummer steht bei mehreren Teilnehmenden: in der Teilnehmendenliste korrigieren lassen.",
    # file level (sources/reading.py, discovery, assets/staging/load.py)
    "datei_abgelehnt": "Die ganze Datei wurde abgelehnt (Grund siehe links). Korrigierte Datei anfordern und in den Eingang legen; bis dahin bleibt der vorige gültige Stand in Gebrauch.",
    # the contract gate and the checks (checks/)
    "vertrag": "Kein Partnerfehler: die Zeilen verletzen den Exportvertrag, obwohl die Zeilenprüfung sie durchgelassen hat, oder der Stand wurde im Warehouse verändert. An die Fachadministration von phasenmonitor melden (Prüfung und Erwartung nennen).",
    "pruefung_verweis": "Kein Partnerfehler: das Warehouse ist in sich unstimmig. An die Fachadministration melden; sie liest die betroffene Datei aus dem Archiv neu ein.",
    "pruefung_zuordnung": "Kein Partnerfehler: das Warehouse ist in sich unstimmig. An die Fachadministration melden; sie liest die betroffene Datei aus dem Archiv neu ein.",
    "pruefung_reihenfolge": "Kein Partnerfehler: das Warehouse ist in sich unstimmig. An die Fachadministration melden; sie liest die betroffene Datei aus dem Archiv neu ein.",
    "kontakt_ausserhalb_tandem": "Datum des Kontakts oder Beginn/Ende des Tandems beim Sachgebiet Asyl prüfen lassen; der Kontakt zählt bis zur Klärung mit.",
    # mentor-side checks (assets/metrics/mentoring_checks.py)
    "tandem_nach_austritt_mentorin": "Beim Sachgebiet Asyl klären: Ende des Tandems in der Tandemliste nachtragen, das Tandem einer neuen Mentor*in zuordnen oder den Austritt der Mentor*in in der Mentor*innenliste korrigieren. Bis dahin zählen Tandem und Mentor*in als aktiv.",
    "kontakt_ausserhalb_engagement": "Beim Sachgebiet Asyl prüfen lassen, ob das Kontaktdatum oder Eintritt/Austritt der Mentor*in falsch ist; der Kontakt zählt bis zur Klärung mit und wird bei Ehrenamtszuschuss auch bezahlt. Lag er wirklich außerhalb des Engagements, die Zuschusszahlung mit der Koordination klären.",
    "mentorin_ohne_kontakt": "Bei der Mentor*in nachfragen, ob das Tandem noch läuft: fehlende Kontakte in der Kontaktliste nachtragen lassen oder das Ende des Tandems in der Tandemliste eintragen.",
    "plausibel_dauer": "Dauer beim Sachgebiet Asyl bestätigen lassen (Minuten statt Stunden? mehrere Termine in einer Zeile?).",
    "plausibel_kilometer": "Kilometer bestätigen lassen (eine Fahrt hin und zurück; Komma an der richtigen Stelle?).",
    "plausibel_anwesenheit": "Bei der VHS nachfragen: Anwesenheit nachtragen oder Status korrigieren (abgebrochen, storniert?).",
    "aktualitaet": "Aktuellen Export beim Partner anfordern; bis dahin beziehen sich die Kennzahlen dieser Quelle auf den älteren Stand.",
    "stand_fehlt": "Export dieser Art beim Partner anfordern und in den Eingang legen.",
}
FALLBACK_HINT = "Grund lesen und mit dem Partner klären."

PRUEFUNGEN_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE OR REPLACE TABLE meta.pruefungen (
    pruefung VARCHAR, asset VARCHAR, blockierend BOOLEAN, bestanden BOOLEAN, ergebnis VARCHAR,
    befunde BIGINT, beschreibung VARCHAR, details VARCHAR, geprueft_am TIMESTAMP
);
"""


def fix_hint(regel: str | None) -> str:
    return FIX_HINTS.get(regel or "", FALLBACK_HINT)


def record_pruefungen(con: duckdb.DuckDBPyConnection, bewertungen: list[Bewertung]) -> None:
    """The latest evaluation of every check, for the report (``meta.pruefungen``; no personal data)."""
    con.execute(PRUEFUNGEN_DDL)
    now = datetime.now()
    rows = []
    for b in bewertungen:
        p, r = b.pruefung, b.ergebnis
        ergebnis = "bestanden" if r.ok else p.schwere_von(r)
        details = "; ".join(f"{k}: {v}" for k, v in r.metadata.items() if v is not None and not k.endswith("zeilen"))
        rows.append((p.name, "/".join(p.asset), p.blocking, r.ok, ergebnis, r.befunde.height, p.beschreibung, details, now))
    con.executemany("INSERT INTO meta.pruefungen VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def blocking_failures(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT pruefung FROM meta.pruefungen WHERE blockierend AND NOT bestanden ORDER BY pruefung").fetchall()]


# --- HTML --------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;margin:2em;color:#1a1a1a;max-width:80em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0 1em 0;width:100%}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f0f0f0}td.n{text-align:right;white-space:nowrap}.intern{color:#8a1c1c;font-weight:bold}
.box{padding:.8em 1em;border-radius:4px;margin:1em 0}.ok{background:#e8f5e9;border:1px solid #66bb6a}.block{background:#fdecea;border:1px solid #e57373}
.FEHLER,.abgelehnt{color:#b71c1c;font-weight:bold}.WARNUNG{color:#e65100;font-weight:bold}.HINWEIS{color:#455a64}.zeilen{font-family:monospace;font-size:.85em}
"""


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _d(v) -> str:
    return datum(v) if isinstance(v, date) else "–"



def write_dq_report(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date | None) -> Path:
    """Write the report for ``stichtag`` (the run day if there is none) into ``settings.intern_dir``
    (0700, the file 0600) and return its path."""
    tag = stichtag or settings.run_day
    ensure_private_dir(settings.intern_dir)
    _move_old_reports(settings)
    path = settings.intern_dir / f"datenqualitaet_{tag.isoformat()}.html"
    dateien = con.execute(
        "SELECT quelle, datei, datenstand, status, grund, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene, zeilen_ausgeschlossen, "
        "ohne_einwilligung, nicht_zugeordnet FROM meta.dateien WHERE im_eingang ORDER BY quelle, datei"
    ).fetchall()
    befunde = con.execute(
        "SELECT quelle, datei, spalte, regel, schwere, grund, n, zeilen FROM ("
        "  SELECT quelle, datei, spalte, regel, schwere, grund, count(*) AS n,"
        "         list(zeile ORDER BY zeile) FILTER (WHERE zeile IS NOT NULL) AS zeilen, min(zeile) AS erste"
        "  FROM kennzahlen.befunde GROUP BY quelle, datei, spalte, regel, schwere, grund) "
        "ORDER BY quelle, datei NULLS FIRST, CASE schwere WHEN 'FEHLER' THEN 0 WHEN 'WARNUNG' THEN 1 ELSE 2 END, erste NULLS FIRST, spalte, regel"
    ).fetchall()
    schwere = dict(con.execute("SELECT schwere, count(*) FROM kennzahlen.befunde GROUP BY 1").fetchall())
    pruefungen = con.execute(
        "SELECT pruefung, asset, blockierend, bestanden, ergebnis, befunde, beschreibung FROM meta.pruefungen ORDER BY NOT blockierend, pruefung"
    ).fetchall() if relation_exists(con, "meta", "pruefungen") else []

    out: list[str] = []
    _head(out.append, settings, stichtag, tag, [p[0] for p in pruefungen if p[2] and not p[3]])
    _overview(out.append, dateien, schwere)
    _files_table(out.append, dateien)
    _checks_table(out.append, pruefungen)
    _findings(out.append, befunde, dateien)
    out.append("<p><small>Vollständige Liste: Tabelle <code>kennzahlen.befunde</code> in reporting.duckdb / warehouse.duckdb. "
               "Zeilennummern zählen die Kopfzeile als Zeile 1.</small></p></body></html>")
    tmp = path.with_name(path.name + ".tmp")
    # Private from its creation: it holds unsuppressed small counts, whatever umask the run has.
    with open_private(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out))
    os.replace(tmp, path)
    return path


def _head(w: Callable[[str], None], settings: Settings, stichtag: date | None, tag: date, blockiert: list[str]) -> None:
    w("<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>")
    w(f"<title>Datenqualität phasenmonitor – Stichtag {_d(tag)}</title><style>{_CSS}</style></head><body>")
    w(f"<h1>Datenqualität der Partnerexporte – {'Stichtag' if stichtag else 'Lauftag (kein Stichtag bestimmbar)'} {_d(tag)}</h1>")
    w("<p class='intern'>Nur für den internen Gebrauch (Projektkoordination). Enthält keine Zellinhalte und keine Kennungen, "
      "aber ungeschützte kleine Fallzahlen: nicht veröffentlichen.</p>")
    jetzt = datetime.now()
    w(f"<p>Erstellt am {datum(jetzt)} {jetzt:%H:%M} · Lauftag {_d(settings.run_day)} · Eingang <code>{_e(settings.inbox)}</code></p>")
    if blockiert:
        w("<div class='box block'><strong>Die Kennzahlen wurden in diesem Lauf nicht neu berechnet.</strong> "
          f"Blockierende Prüfung(en) fehlgeschlagen: {_e(', '.join(blockiert))}. Die zuletzt veröffentlichte "
          "<code>reporting.duckdb</code> und die Ratsunterlagen bleiben unverändert in Gebrauch, bis der Fehler behoben ist.</div>")
    else:
        w("<div class='box ok'>Alle blockierenden Prüfungen bestanden: die Kennzahlen beruhen auf den unten als "
          "<em>verwendet</em> markierten Dateien.</div>")


def _overview(w: Callable[[str], None], dateien: list[tuple], schwere: dict[str, int]) -> None:
    by_status = defaultdict(int)
    for d in dateien:
        by_status[d[3]] += 1
    w("<h2>Überblick</h2><table><tr><th>Dateien im Eingang</th><th>verwendet</th><th>ersetzt</th><th>abgelehnt</th>"
      "<th>Befunde: Fehler</th><th>Warnungen</th><th>Hinweise</th></tr>")
    w(f"<tr><td class='n'>{len(dateien)}</td><td class='n'>{by_status['verwendet']}</td><td class='n'>{by_status['ersetzt']}</td>"
      f"<td class='n'>{by_status['abgelehnt']}</td>"
      + "".join(f"<td class='n'>{anzahl_oder_strich(schwere.get(s, 0))}</td>" for s in ("FEHLER", "WARNUNG", "HINWEIS"))
      + "</tr></table>")


def _files_table(w: Callable[[str], None], dateien: list[tuple]) -> None:
    w("<h2>Dateien und Zeilenbilanz</h2><p>gelesen = geladen + Quarantäne + ausgeschlossen (ohne Einwilligung, keiner Person "
      "zugeordnet, exakte Dubletten, oder die gültigen Zeilen einer abgelehnten Datei).</p>")
    w("<table><tr><th>Partner</th><th>Datei</th><th>Datenstand</th><th>Status</th><th>Grund</th><th>gelesen</th><th>geladen</th>"
      "<th>Quarantäne</th><th>ausgeschlossen</th><th>davon ohne Einwilligung</th><th>davon nicht zugeordnet</th><th>Bilanz</th></tr>")
    for quelle, datei, ds, status, grund, gel, lad, qua, aus, einw, nicht in dateien:
        bilanz = (gel or 0) == (lad or 0) + (qua or 0) + (aus or 0)
        counts = "".join(f"<td class='n'>{anzahl_oder_strich(v)}</td>" for v in (gel, lad, qua, aus, einw, nicht))
        w(f"<tr><td>{_e(PARTNER_NAMEN.get(quelle, quelle))}</td><td>{_e(datei)}</td><td>{_d(ds)}</td>"
          f"<td class='{_e(status)}'>{_e(status)}</td><td>{_e(grund)}</td>{counts}"
          f"<td>{'stimmt' if bilanz else '<span class=FEHLER>stimmt nicht</span>'}</td></tr>")
    w("</table>")


def _checks_table(w: Callable[[str], None], pruefungen: list[tuple]) -> None:
    if not pruefungen:
        return
    w("<h2>Prüfungen</h2><p>Blockierende Prüfungen halten bei einem Fehler die Kennzahlen und die Veröffentlichung an; "
      "Warnungen halten nichts an.</p><table><tr><th>Prüfung</th><th>Art</th><th>Ergebnis</th><th>Befunde</th><th>Was geprüft wird</th></tr>")
    for name, asset, blocking, ok, ergebnis, n, beschreibung in pruefungen:
        cls = "" if ok else ergebnis
        w(f"<tr><td>{_e(name)}<br><small>{_e(asset)}</small></td><td>{'blockierend' if blocking else 'Warnung'}</td>"
          f"<td class='{_e(cls)}'>{_e(ergebnis)}</td><td class='n'>{anzahl_oder_strich(n)}</td><td>{_e(beschreibung)}</td></tr>")
    w("</table>")


def _findings(w: Callable[[str], None], befunde: list[tuple], dateien: list[tuple]) -> None:
    w("<h2>Befunde je Partner und Datei</h2>")
    if not befunde:
        w("<p>Keine Befunde.</p>")
    groups: dict[str, dict[str | None, list]] = defaultdict(lambda: defaultdict(list))
    for b in befunde:
        groups[b[0]][b[1]].append(b)
    status_of = {d[1]: (d[3], d[2]) for d in dateien}
    for quelle in sorted(groups, key=lambda q: (q not in PARTNER_NAMEN, q or "")):
        w(f"<h3>{_e(PARTNER_NAMEN.get(quelle, quelle))}</h3>")
        for datei, rows in groups[quelle].items():
            st, ds = status_of.get(datei, (None, None))
            title = _e(datei) if datei else "ohne Datei"
            if st:
                title += f" <small>(Status <span class='{_e(st)}'>{_e(st)}</span>, Datenstand {_d(ds)})</small>"
            w(f"<h4>{title}</h4><table><tr><th>Spalte</th><th>Schwere</th><th>Zeilen</th><th>Was ist falsch</th><th>So beheben</th></tr>")
            for _, _, spalte, regel, sw, grund, n, zeilen in rows:
                w(f"<tr><td>{_e(spalte) or '–'}</td><td class='{_e(sw)}'>{_e(sw)}</td><td>{_where(regel, n, zeilen)}</td>"
                  f"<td>{_e(grund)}<br><small>Regel: {_e(regel)}</small></td><td>{_e(fix_hint(regel))}</td></tr>")
            w("</table>")


def _where(regel: str | None, n: int, zeilen: list[int] | None) -> str:
    """The lines of one group of findings, as many as the report shows."""
    zeilen = zeilen or []
    shown = ", ".join(str(z) for z in zeilen[:MAX_ZEILEN_JE_GRUPPE])
    if len(zeilen) > MAX_ZEILEN_JE_GRUPPE:
        shown += f", … und {len(zeilen) - MAX_ZEILEN_JE_GRUPPE} weitere (kennzahlen.befunde)"
    if zeilen:
        return f"{anzahl_oder_strich(n)} {'Zeile' if n == 1 else 'Zeilen'}: <span class='zeilen'>{_e(shown)}</span>"
    return "ganze Datei" if regel == "datei_abgelehnt" else "ohne Zeilenangabe"


def _move_old_reports(settings: Settings) -> None:
    """Earlier versions wrote the report into the public ``bericht/``: move such copies into
    ``intern/`` (private) so that nothing internal stays beside the council files."""
    if not settings.bericht_dir.is_dir():
        return
    for alt in sorted(settings.bericht_dir.glob("datenqualitaet_*.html*")):
        ziel = settings.intern_dir / alt.name
        os.chmod(alt, FILE_MODE)
        if ziel.exists() or alt.name.endswith(".tmp"):
            alt.unlink()
        else:
            os.replace(alt, ziel)
