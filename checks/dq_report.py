"""The coordinator's data-quality report: ``OUT/intern/datenqualitaet_<Stichtag>.html``.

Written for the person who has to call the partner: per partner and file, which lines and which
column are affected, what is wrong and how to fix it (the texts of each rule in
``sources/findings.py``), the file's status and its row balance (gelesen = geladen + Quarantäne +
ausgeschlossen, ausgeschlossen = ohne Einwilligung + nicht zugeordnet), and the result of every
data check. Real errors and ignored files (no export: a note) stand apart; the partners' fix
lists beside it are ``checks/korrekturen.py``. It is built from ``meta.dateien``, ``kennzahlen.befunde`` and
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
from sources.archive import FILE_MODE, ensure_private_dir, write_private
from sources.findings import DATEI_IGNORIERT, UNBEKANNT, regel
from sources.formats import anzahl_oder_strich, datum
from sources.kinds import PARTNER_NAMEN
from sources.settings import Settings
from sources.sql import relation_exists

MAX_ZEILEN_JE_GRUPPE = 100  # line numbers shown per (file, column, rule); all are in kennzahlen.befunde

FALLBACK_HINT = UNBEKANNT.koordination

PRUEFUNGEN_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE OR REPLACE TABLE meta.pruefungen (
    pruefung VARCHAR, asset VARCHAR, blockierend BOOLEAN, bestanden BOOLEAN, ergebnis VARCHAR,
    befunde BIGINT, beschreibung VARCHAR, details VARCHAR, geprueft_am TIMESTAMP
);
"""


def fix_hint(code: str | None) -> str:
    """What the coordination does about a finding of rule ``code`` (sources/findings.py: REGELN)."""
    return regel(code).koordination


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


def escape_html(v) -> str:
    """A value as HTML text ('' for NULL); also the partners' fix lists (checks/korrekturen.py)."""
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
        "zeilen_ohne_einwilligung, zeilen_nicht_zugeordnet FROM kennzahlen.datenqualitaet ORDER BY quelle, datei"
    ).fetchall()
    befunde = con.execute(
        "SELECT quelle, datei, spalte, regel, schwere, grund, n, zeilen FROM ("
        "  SELECT quelle, datei, spalte, regel, schwere, grund, count(*) AS n,"
        "         list(zeile ORDER BY zeile) FILTER (WHERE zeile IS NOT NULL) AS zeilen, min(zeile) AS erste"
        "  FROM kennzahlen.befunde GROUP BY quelle, datei, spalte, regel, schwere, grund) "
        "ORDER BY quelle, datei NULLS FIRST, CASE schwere WHEN 'FEHLER' THEN 0 WHEN 'WARNUNG' THEN 1 ELSE 2 END, erste NULLS FIRST, spalte, regel"
    ).fetchall()
    # An ignored file (no export) is a note of its own section, not a finding among the errors.
    ignoriert = [b for b in befunde if b[3] == DATEI_IGNORIERT]
    befunde = [b for b in befunde if b[3] != DATEI_IGNORIERT]
    schwere = defaultdict(int)
    for b in befunde:
        schwere[b[4]] += b[6]
    pruefungen = con.execute(
        "SELECT pruefung, asset, blockierend, bestanden, ergebnis, befunde, beschreibung FROM meta.pruefungen ORDER BY NOT blockierend, pruefung"
    ).fetchall() if relation_exists(con, "meta", "pruefungen") else []

    out: list[str] = []
    _head(out.append, settings, stichtag, tag, [p[0] for p in pruefungen if p[2] and not p[3]])
    ignoriert_dateien = {b[1] for b in ignoriert}
    _overview(out.append, dateien, schwere, ignoriert_dateien)
    _files_table(out.append, [d for d in dateien if d[1] not in ignoriert_dateien])
    _checks_table(out.append, pruefungen)
    _findings(out.append, befunde, dateien)
    _ignored(out.append, ignoriert)
    out.append("<p><small>Vollständige Liste: Tabelle <code>kennzahlen.befunde</code> in reporting.duckdb / warehouse.duckdb. "
               "Zeilennummern zählen die Kopfzeile als Zeile 1. Die Korrekturlisten für die Partner liegen im selben Ordner "
               "(<code>korrekturen_&lt;Partner&gt;_&lt;Stichtag&gt;.xlsx</code> und <code>.html</code>).</small></p></body></html>")
    return write_private(path, "\n".join(out).encode("utf-8"))


def _head(w: Callable[[str], None], settings: Settings, stichtag: date | None, tag: date, blockiert: list[str]) -> None:
    w("<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>")
    w(f"<title>Datenqualität phasenmonitor – Stichtag {_d(tag)}</title><style>{_CSS}</style></head><body>")
    w(f"<h1>Datenqualität der Partnerexporte – {'Stichtag' if stichtag else 'Lauftag (kein Stichtag bestimmbar)'} {_d(tag)}</h1>")
    w("<p class='intern'>Nur für den internen Gebrauch (Projektkoordination). Enthält keine Zellinhalte und keine Kennungen, "
      "aber ungeschützte kleine Fallzahlen: nicht veröffentlichen.</p>")
    jetzt = datetime.now()
    w(f"<p>Erstellt am {datum(jetzt)} {jetzt:%H:%M} · Lauftag {_d(settings.run_day)} · Eingang <code>{escape_html(settings.inbox)}</code></p>")
    if blockiert:
        w("<div class='box block'><strong>Die Kennzahlen wurden in diesem Lauf nicht neu berechnet.</strong> "
          f"Blockierende Prüfung(en) fehlgeschlagen: {escape_html(', '.join(blockiert))}. Die zuletzt veröffentlichte "
          "<code>reporting.duckdb</code> und die Ratsunterlagen bleiben unverändert in Gebrauch, bis der Fehler behoben ist.</div>")
    else:
        w("<div class='box ok'>Alle blockierenden Prüfungen bestanden: die Kennzahlen beruhen auf den unten als "
          "<em>verwendet</em> markierten Dateien.</div>")


def _overview(w: Callable[[str], None], dateien: list[tuple], schwere: dict[str, int], ignoriert: set[str]) -> None:
    by_status = defaultdict(int)
    for d in dateien:
        by_status["ignoriert" if d[1] in ignoriert else d[3]] += 1
    w("<h2>Überblick</h2><table><tr><th scope='col'>Dateien im Eingang</th><th scope='col'>verwendet</th><th scope='col'>ersetzt</th>"
      "<th scope='col'>abgelehnt</th><th scope='col'>ignoriert (kein Export)</th>"
      "<th scope='col'>Befunde: Fehler</th><th scope='col'>Warnungen</th><th scope='col'>Hinweise</th></tr>")
    w(f"<tr><td class='n'>{len(dateien)}</td>"
      + "".join(f"<td class='n'>{anzahl_oder_strich(by_status[s])}</td>" for s in ("verwendet", "ersetzt", "abgelehnt", "ignoriert"))
      + "".join(f"<td class='n'>{anzahl_oder_strich(schwere.get(s, 0))}</td>" for s in ("FEHLER", "WARNUNG", "HINWEIS"))
      + "</tr></table>")


def _files_table(w: Callable[[str], None], dateien: list[tuple]) -> None:
    w("<h2>Dateien und Zeilenbilanz</h2><p>gelesen = geladen + Quarantäne + ausgeschlossen. <em>Quarantäne</em>: Zeilen mit "
      "einem Fehler (unten je Datei mit Zeile und Spalte), bei einer abgelehnten Datei alle ihre Zeilen. <em>Ausgeschlossen</em> "
      "nach Regel = ohne Einwilligung + keiner teilnehmenden Person zugeordnet. Eine exakt wiederholte Zeile zählt einmal.</p>")
    w("<table><tr>" + "".join(f"<th scope='col'>{h}</th>" for h in (
        "Partner", "Datei", "Datenstand", "Status", "Grund", "gelesen", "geladen", "Quarantäne", "ausgeschlossen",
        "davon ohne Einwilligung", "davon nicht zugeordnet", "Bilanz")) + "</tr>")
    for quelle, datei, ds, status, grund, gel, lad, qua, aus, einw, nicht in dateien:
        bilanz = (gel or 0) == (lad or 0) + (qua or 0) + (aus or 0) and (aus or 0) == (einw or 0) + (nicht or 0)
        counts = "".join(f"<td class='n'>{anzahl_oder_strich(v)}</td>" for v in (gel, lad, qua, aus, einw, nicht))
        w(f"<tr><td>{escape_html(PARTNER_NAMEN.get(quelle, quelle))}</td><th scope='row'>{escape_html(datei)}</th><td>{_d(ds)}</td>"
          f"<td class='{escape_html(status)}'>{escape_html(status)}</td><td>{escape_html(grund)}</td>{counts}"
          f"<td>{'stimmt' if bilanz else '<span class=FEHLER>stimmt nicht</span>'}</td></tr>")
    w("</table>")


def _checks_table(w: Callable[[str], None], pruefungen: list[tuple]) -> None:
    if not pruefungen:
        return
    w("<h2>Prüfungen</h2><p>Blockierende Prüfungen halten bei einem Fehler die Kennzahlen und die Veröffentlichung an; "
      "Warnungen halten nichts an.</p>"
      "<p><strong>Warum eine Vertragsprüfung bestanden sein kann, obwohl Zeilen in Quarantäne sind:</strong> die Prüfung "
      "„Stand … hält den Exportvertrag ein“ sieht nur die Zeilen, die geladen wurden. Zeilen mit einem Fehler wurden beim Einlesen "
      "vorher herausgenommen (Quarantäne); sie fehlen in den Kennzahlen und stehen unten bei ihrer Datei. Die Prüfung "
      "„Lieferung gegen den Exportvertrag“ derselben Exportart meldet sie als Warnung.</p>"
      "<table><tr><th scope='col'>Was geprüft wird</th><th scope='col'>Art</th><th scope='col'>Ergebnis</th>"
      "<th scope='col'>Befunde</th><th scope='col'>Name in Dagster</th></tr>")
    for name, asset, blocking, ok, ergebnis, n, beschreibung in pruefungen:
        cls = "" if ok else ergebnis
        w(f"<tr><td>{escape_html(beschreibung)}</td><td>{'blockierend' if blocking else 'Warnung'}</td>"
          f"<td class='{escape_html(cls)}'>{escape_html(ergebnis)}</td><td class='n'>{anzahl_oder_strich(n)}</td>"
          f"<td><small>{escape_html(name)}<br>{escape_html(asset)}</small></td></tr>")
    w("</table>")


def _findings(w: Callable[[str], None], befunde: list[tuple], dateien: list[tuple]) -> None:
    w("<h2>Befunde je Partner und Datei</h2><p>Fehler: die Zeile (oder Datei) wurde nicht übernommen. Warnung: übernommen, "
      "aber unplausibel. Hinweis: nichts zu korrigieren. Was davon an den Partner geht, steht in seiner Korrekturliste.</p>")
    if not befunde:
        w("<p>Keine Befunde.</p>")
    groups: dict[str, dict[str | None, list]] = defaultdict(lambda: defaultdict(list))
    for b in befunde:
        groups[b[0]][b[1]].append(b)
    status_of = {d[1]: (d[3], d[2]) for d in dateien}
    for quelle in sorted(groups, key=lambda q: (q not in PARTNER_NAMEN, q or "")):
        w(f"<h3>{escape_html(PARTNER_NAMEN.get(quelle, quelle))}</h3>")
        for datei, rows in groups[quelle].items():
            st, ds = status_of.get(datei, (None, None))
            title = escape_html(datei) if datei else "ohne Datei"
            if st:
                title += f" <small>(Status <span class='{escape_html(st)}'>{escape_html(st)}</span>, Datenstand {_d(ds)})</small>"
            w(f"<h4>{title}</h4><table><tr><th scope='col'>Spalte</th><th scope='col'>Schwere</th><th scope='col'>Zeilen</th>"
              "<th scope='col'>Was ist falsch</th><th scope='col'>So beheben</th></tr>")
            for _, _, spalte, code, sw, grund, n, zeilen in rows:
                w(f"<tr><td>{escape_html(spalte) or '–'}</td><td class='{escape_html(sw)}'>{escape_html(sw)}</td><td>{_where(code, n, zeilen)}</td>"
                  f"<td><strong>{escape_html(regel(code).titel)}:</strong> {escape_html(grund)}</td><td>{escape_html(fix_hint(code))}</td></tr>")
            w("</table>")


def _ignored(w: Callable[[str], None], ignoriert: list[tuple]) -> None:
    """Files in the inbox that are no export: a note, apart from the errors."""
    if not ignoriert:
        return
    w("<h2>Hinweis: ignorierte Dateien</h2><p>Diese Dateien sind keine vereinbarten Exporte (der Dateiname passt zu keiner "
      "Exportart). Sie werden nicht gelesen und sind kein Fehler; was nicht in den Eingang gehört, bitte herausnehmen.</p>"
      "<table><tr><th scope='col'>Ordner</th><th scope='col'>Datei</th><th scope='col'>Grund</th></tr>")
    for quelle, datei, _, _, _, grund, _, _ in ignoriert:
        w(f"<tr><td>{escape_html(quelle)}</td><th scope='row'>{escape_html(datei)}</th><td>{escape_html(grund)}</td></tr>")
    w("</table>")


def _where(regel: str | None, n: int, zeilen: list[int] | None) -> str:
    """The lines of one group of findings, as many as the report shows."""
    zeilen = zeilen or []
    shown = ", ".join(str(z) for z in zeilen[:MAX_ZEILEN_JE_GRUPPE])
    if len(zeilen) > MAX_ZEILEN_JE_GRUPPE:
        shown += f", … und {len(zeilen) - MAX_ZEILEN_JE_GRUPPE} weitere (kennzahlen.befunde)"
    if zeilen:
        return f"{anzahl_oder_strich(n)} {'Zeile' if n == 1 else 'Zeilen'}: <span class='zeilen'>{escape_html(shown)}</span>"
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
