"""The partners' fix lists: ``OUT/intern/korrekturen_<Partner>_<Stichtag>.xlsx`` and ``.html``.

One pair of files per partner (Sachgebiet Asyl, Jobcenter, VHS), written beside the
coordinator's data-quality report on every run that writes it, ready to be sent by e-mail: per
file, line and column what is wrong and how to fix it, in plain German (the texts of each rule in
``sources/findings.py``; no rule id, no library, no table name). A partner without anything to
fix gets a pair that says so, so that every run leaves the same set of files.

What goes in and what never does (docs/datenqualitaet.md, "Korrekturlisten für die Partner"):

- the findings of the partner's files in the inbox (not of older, replaced snapshots), of rules
  the partner can fix (``Regel.beheben``); findings about the warehouse or the contract check
  stay in the coordinator's report;
- file names, line numbers and column headers of the partner's own files, and the finding's
  German reason where it holds nothing but the file's structure (``Regel.grund_zeigen``);
- never the content of a row, an identifier or pseudonym, and no count of persons or rows: a
  count of rows excluded for consent or linked to nobody would tell a partner about people in
  another partner's data (1 or 2 would point at persons). Line numbers of the partner's own
  file are what it needs to fix it; a long list is cut in the HTML without saying how long
  (the XLSX has every line).

They lie in ``OUT/intern/`` (0700, files 0600) like the report: the coordinator decides what to
send, and nothing internal sits beside the public council files.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from checks.dq_report import escape_html as _e
from sources import xlsx_layout
from sources.archive import ensure_private_dir, write_private
from sources.findings import DATEI_IGNORIERT, FEHLER, WARNUNG, regel
from sources.formats import datum
from sources.kinds import PARTNER_NAMEN
from sources.settings import Settings

ZEILEN_JE_GRUPPE_HTML = 60  # lines printed per (file, column, rule) in the HTML; the XLSX has all
SCHWERE_TEXT = {FEHLER: "Fehler", WARNUNG: "Bitte prüfen"}  # everything else: "Hinweis"
# The pipeline's words in a reason, as a partner says them ("Quarantäne": rows held back with a fault).
PARTNER_WORTE = (("in Quarantäne", "fehlerhaft"),)
STATUS_TEXT = {"verwendet": "übernommen", "abgelehnt": "nicht übernommen"}
KOPF = ("Datei", "Zeile", "Spalte", "Art", "Was ist falsch", "So beheben Sie es")
BREITEN = (30, 6, 16, 24, 45, 50)  # XLSX column widths (characters)
ZEILENHOEHE = 13  # points per line of wrapped text in the XLSX
ZEILEN_HINWEIS = ("Zeilennummern wie in Excel oder LibreOffice: die Kopfzeile ist Zeile 1. Die Liste enthält keine Inhalte "
                  "Ihrer Datei und keine personenbezogenen Daten, nur Datei, Zeile und Spalte.")
_KORREKTUREN_SQL = """
SELECT b.datei, b.zeile, b.spalte, b.regel, b.schwere, b.grund
FROM kennzahlen.befunde b LEFT JOIN kennzahlen.datenqualitaet d USING (datei)
WHERE b.quelle = ? AND coalesce(d.status, '') <> 'ersetzt'
ORDER BY b.datei NULLS FIRST, b.zeile NULLS FIRST, b.spalte NULLS FIRST, b.regel
"""


@dataclass(frozen=True)
class Korrektur:
    """One line of a fix list."""

    datei: str | None
    zeile: int | None
    spalte: str | None
    art: str
    schwere: str
    was: str
    beheben: str


def partner_dateiname(quelle: str) -> str:
    """The partner as it stands in the file name: its name, spaces as ``_`` (``Sachgebiet_Asyl``)."""
    return PARTNER_NAMEN[quelle].replace(" ", "_")


def korrektur_pfade(settings: Settings, tag: date) -> dict[str, tuple[Path, Path]]:
    """quelle -> (xlsx, html) of the fix lists for the Stichtag ``tag``."""
    return {
        q: tuple(settings.intern_dir / f"korrekturen_{partner_dateiname(q)}_{tag.isoformat()}.{ext}" for ext in ("xlsx", "html"))
        for q in PARTNER_NAMEN
    }


def korrekturen(con: duckdb.DuckDBPyConnection, quelle: str) -> list[Korrektur]:
    """The fixes of one partner, from ``kennzahlen.befunde``: only rules the partner can fix."""
    out = []
    for datei, zeile, spalte, code, schwere, grund in con.execute(_KORREKTUREN_SQL, [quelle]).fetchall():
        r = regel(code)
        if r.beheben is None:
            continue
        was = grund if (r.grund_zeigen and grund) else r.was
        for intern, partner in PARTNER_WORTE:
            was = was.replace(intern, partner)
        out.append(Korrektur(datei, zeile, spalte, r.titel, SCHWERE_TEXT.get(schwere, "Hinweis"), was, r.beheben))
    return out


def write_korrekturen(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date | None) -> list[Path]:
    """Write every partner's fix list (XLSX and HTML) for ``stichtag`` (the run day if there is
    none) into ``settings.intern_dir`` and return their paths."""
    tag = stichtag or settings.run_day
    ensure_private_dir(settings.intern_dir)
    # the partner's deliveries, without files that are no export (ignored: nothing was delivered)
    dateien = con.execute(
        "SELECT quelle, datei, datenstand, status FROM kennzahlen.datenqualitaet WHERE datei NOT IN "
        "(SELECT datei FROM kennzahlen.befunde WHERE regel = ? AND datei IS NOT NULL) ORDER BY datei", [DATEI_IGNORIERT],
    ).fetchall()
    written: list[Path] = []
    for quelle, (xlsx_path, html_path) in korrektur_pfade(settings, tag).items():
        liste = korrekturen(con, quelle)
        eigene = [(d, ds, STATUS_TEXT[st]) for q, d, ds, st in dateien if q == quelle and st in STATUS_TEXT]
        titel = f"Korrekturliste für {PARTNER_NAMEN[quelle]} – Stichtag {datum(tag)}"
        absender = _erstellt(settings.amt)
        written.append(write_private(xlsx_path, _xlsx(titel, absender, liste, eigene)))
        written.append(write_private(html_path, _html(titel, absender, liste, eigene).encode("utf-8")))
    return written


def _erstellt(amt: str) -> str:
    """The sender line of both forms of a fix list: the office of the settings (``amt``), as on the council files."""
    return f"Erstellt am {datum(datetime.now())} von der Projektkoordination 3-Phasen-Modell, {amt}."


def _einleitung(liste: list[Korrektur]) -> str:
    if not liste:
        return "In Ihren Lieferungen gibt es zu diesem Stichtag nichts zu korrigieren. Vielen Dank!"
    return ("Bitte korrigieren Sie die folgenden Stellen in Ihrer Fachanwendung oder Exportvorlage und liefern Sie die Datei "
            "neu. „Fehler“: die Zeile (oder Datei) wurde nicht übernommen. „Bitte prüfen“: übernommen, aber unplausibel. "
            "„Hinweis“: nichts zu korrigieren.")


# --- XLSX ----------------------------------------------------------------------------------------

def _xlsx(titel: str, absender: str, liste: list[Korrektur], eigene: list[tuple]) -> bytes:
    """One sheet: title, the note, a table with autofilter (one row per line), the files looked at."""
    import xlsxwriter  # heavy: imported only when the lists are written

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    base = {**xlsx_layout.BASIS, "text_wrap": True}
    f_titel = wb.add_format({**base, "bold": True, "font_size": 12, "text_wrap": False})
    f_zeile = wb.add_format({**base, "text_wrap": False})
    f_text = wb.add_format(base)
    f_kopf = wb.add_format({**base, **xlsx_layout.KOPF})
    f_zahl = wb.add_format({**base, "align": "right"})
    ws = wb.add_worksheet("Korrekturen")
    ws.write(0, 0, titel, f_titel)
    ws.write(1, 0, absender, f_zeile)
    ws.merge_range(2, 0, 2, len(KOPF) - 1, _einleitung(liste) + " " + ZEILEN_HINWEIS, f_text)
    ws.set_row(2, 42)
    kopf = 4
    for c, h in enumerate(KOPF):
        ws.write(kopf, c, h, f_kopf)
    for i, k in enumerate(liste):
        r = kopf + 1 + i
        ws.write_string(r, 0, k.datei or "ganze Lieferung", f_text)
        if k.zeile is None:
            ws.write_string(r, 1, "–", f_zahl)
        else:
            ws.write_number(r, 1, k.zeile, f_zahl)
        texte = (k.spalte or "–", f"{k.schwere}: {k.art}", k.was, k.beheben)
        for c, v in enumerate(texte, start=2):
            ws.write_string(r, c, v, f_text)
        # xlsxwriter does not size rows to wrapped text, and LibreOffice keeps the default height
        zeilen = max(-(-len(v) // BREITEN[c]) for c, v in enumerate((k.datei or "", "", *texte)))
        ws.set_row(r, ZEILENHOEHE * max(1, zeilen))
    last = kopf + max(1, len(liste))
    if not liste:
        ws.merge_range(kopf + 1, 0, kopf + 1, len(KOPF) - 1, "Keine Korrekturen.", f_text)
    else:
        ws.autofilter(kopf, 0, last, len(KOPF) - 1)
    r = last + 2
    # in the columns wide enough for a date (Spalte) and the result (Art)
    for c, h in ((0, "Geprüfte Lieferungen"), (2, "Datenstand"), (3, "Ergebnis")):
        ws.write(r, c, h, f_kopf)
    for i, (d, ds, st) in enumerate(eigene, start=1):
        ws.write_string(r + i, 0, d, f_text)
        ws.write_string(r + i, 2, datum(ds) if ds else "–", f_text)
        ws.write_string(r + i, 3, st, f_text)
    for c, width in enumerate(BREITEN):
        ws.set_column(c, c, width)
    ws.freeze_panes(kopf + 1, 0)
    xlsx_layout.druck_a4(ws, kopf)
    ws.set_footer("&LSeite &P von &N&R&F")
    wb.close()
    return buf.getvalue()


# --- HTML ----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;margin:2em;color:#1a1a1a;max-width:80em}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1em 0;width:100%}th,td{border:1px solid #999;padding:.3em .5em;text-align:left;
vertical-align:top;font-size:.9em}caption{position:absolute;left:-9999px}thead th{background:#e8e8e8}tbody th{font-weight:normal}.zeilen{font-family:monospace}
.Fehler{color:#8a1c1c;font-weight:bold}
@media print{body{margin:0;max-width:none}thead{display:table-header-group}tr{break-inside:avoid}h2{break-after:avoid}}
@page{size:A4 landscape;margin:1.5cm}
"""


def _html(titel: str, absender: str, liste: list[Korrektur], eigene: list[tuple]) -> str:
    out = [f"<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>{_e(titel)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{_e(titel)}</h1>",
           f"<p>{_e(absender)}</p>",
           f"<p>{_e(_einleitung(liste))}</p><p>{_e(ZEILEN_HINWEIS)}</p>"]
    gruppen: dict[str | None, dict[tuple, list[int | None]]] = {}
    for k in liste:
        gruppen.setdefault(k.datei, {}).setdefault((k.spalte, k.schwere, k.art, k.was, k.beheben), []).append(k.zeile)
    for datei, zeilen_je in gruppen.items():
        out.append(f"<h2>{_e(datei) if datei else 'Lieferung insgesamt'}</h2>")
        out.append(f"<table><caption class='sr'>Korrekturen in {_e(datei or 'der Lieferung')}</caption><thead><tr>"
                   + "".join(f"<th scope='col'>{h}</th>" for h in ("Zeilen", *KOPF[2:])) + "</tr></thead><tbody>")
        for (spalte, schwere, art, was, beheben), zeilen in zeilen_je.items():
            out.append(f"<tr><th scope='row' class='zeilen'>{_zeilen(zeilen)}</th><td>{_e(spalte) or '–'}</td>"
                       f"<td><span class='{_e(schwere.split()[0])}'>{_e(schwere)}</span>: {_e(art)}</td>"
                       f"<td>{_e(was)}</td><td>{_e(beheben)}</td></tr>")
        out.append("</tbody></table>")
    if eigene:
        out.append("<h2>Geprüfte Lieferungen</h2><table><thead><tr><th scope='col'>Datei</th><th scope='col'>Datenstand</th>"
                   "<th scope='col'>Ergebnis</th></tr></thead><tbody>")
        out += [f"<tr><th scope='row'>{_e(d)}</th><td>{datum(ds) if ds else '–'}</td><td>{_e(st)}</td></tr>" for d, ds, st in eigene]
        out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out)


def _zeilen(zeilen: list[int | None]) -> str:
    """The lines of one group: all up to the limit, then a pointer to the XLSX (no count)."""
    nummern = sorted(z for z in zeilen if z is not None)
    if not nummern:
        return "ganze Datei"
    shown = ", ".join(str(z) for z in nummern[:ZEILEN_JE_GRUPPE_HTML])
    if len(nummern) > ZEILEN_JE_GRUPPE_HTML:
        shown += ", … (alle Zeilen in der XLSX-Datei)"
    return _e(shown)
