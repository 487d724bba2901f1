"""Council files in ``OUT/bericht/``, built from the suppressed ``bericht.*`` tables only.

- ``sachstand_<Stichtag>.docx``: draft for the Mitteilungsvorlage (headings of the seed document:
  "Erläuterungen und Begründungen", "Klimarelevanz"), sentences with the published figures, the
  tables with their footnotes, the charts;
- ``tabellen_<Stichtag>.xlsx``: one sheet per bericht table, numbers as numbers with number
  formats (Excel shows them in the reader's locale: 1.234 and 47,1 % in a German Excel), the
  signs ``*``, ``–``, ``x`` as text, footnotes under each table;
- ``<tabelle>_<Stichtag>.csv``: one per bericht table, ``;``-separated, UTF-8 with BOM (opens
  correctly in a German Excel); after one empty line the table's footnotes (Stichtag, Datenstand
  of each source, BA footnote, sign legend, own notes);
- ``diagramm_*_<Stichtag>.png``: phases over time, placements per year, allowance budget;
  readable in black and white (grey levels, hatching, markers, line styles); a suppressed value
  is never drawn as a number, only marked with ``*``; Stichtag in the title, and at the bottom
  the Stichtag, the sources with their Datenstand and the sign legend.

Every number in these files comes from a ``bericht`` table, so the suppression decided there is
the only one: nothing here can print a 1 or 2 that the tables do not. The one exception is the
forecast line of the budget chart (a projection from the published total), which is drawn only if
the forecast month in ``bericht.ueberblick`` is published.

Files are written into a scratch folder first and moved into place one by one with
``os.replace``, so a reader never opens a half-written file.

Entry point: ``write_bericht_files(con, settings, stichtag) -> [paths]``.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from assets.report import bericht_tables as bt
from assets.report.disclosure import (
    BA_FUSSNOTE,
    GESPERRT,
    NICHT_SINNVOLL,
    NICHTS,
    ZEICHENERKLAERUNG,
    Art,
    parse_de,
    zahl_de,
)
from sources.settings import Settings

log = logging.getLogger(__name__)

FONT = "Arial"
# Grey levels and hatches: distinguishable on a black-and-white printout.
GRAU = ("#ffffff", "#bdbdbd", "#525252", "#f0f0f0")
SCHRAFFUR = ("", "////", "xxx", "...")

# Tables in the DOCX annex, each with the chart that belongs to it.
DOCX_TABELLEN = ("ueberblick", "phasen_quartale", "phasen_bewegungen", "phasen_dauer", "vermittlungen",
                 "mentoring_quartale", "sprache", "datenbasis")


# --- reading the published tables --------------------------------------------------------------


@dataclass
class Tabellen:
    specs: dict[str, bt.TabellenSpec]
    frames: dict[str, pl.DataFrame]
    fussnoten: dict[str, list[str]]
    stichtag: date

    def ue(self, kennzahl: str) -> str:
        df = self.frames["ueberblick"].filter(pl.col("kennzahl") == kennzahl)
        return df["wert"][0] if df.height else NICHT_SINNVOLL

    def zeile(self, tabelle: str, key: str) -> dict:
        spec = self.specs[tabelle]
        df = self.frames[tabelle].filter(pl.col(spec.spalten[0].name) == key)
        return df.row(0, named=True) if df.height else {}


def lesen(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> Tabellen:
    specs = bt.tabellen_specs(settings)
    frames = {n: con.sql(f"SELECT * FROM {bt.SCHEMA}.{n}").pl() for n in specs}  # names are our constants
    noten: dict[str, list[str]] = {}
    for t, _, text in sorted(frames["fussnoten"].iter_rows(), key=lambda r: (r[0], int(r[1]))):
        noten.setdefault(t, []).append(text)
    return Tabellen(specs, frames, noten, stichtag)


def _zaehl(spec: bt.TabellenSpec, spalte: bt.Spalte, row: dict) -> bool:
    """Is this cell a count (so 1 and 2 must never appear)? Used by the XLSX writer's guard."""
    if spalte.art is not Art.ANZAHL:
        return False
    if spec.name == "ueberblick":
        return row.get("einheit") in bt.ZAEHL_EINHEITEN
    return True


def _art(spec: bt.TabellenSpec, spalte: bt.Spalte, row: dict) -> Art | None:
    if spec.name == "ueberblick" and spalte.name == "wert":
        return bt.EINHEITEN.get(row.get("einheit"))
    return spalte.art


# --- CSV ---------------------------------------------------------------------------------------


def csv_fussnoten(t: Tabellen, name: str) -> list[str]:
    """The footnote block under a table in its CSV: the table's footnotes from ``bericht.fussnoten``
    (Stichtag, Datenstand of every source it uses, the BA footnote, the sign legend, its own
    notes). kennzahlen.md: every public file carries them, also a CSV that travels alone."""
    noten = t.fussnoten.get(name, [])
    fehlt = [x for x, da in (("Stichtag", any(n.startswith("Stichtag: ") for n in noten)),
                             ("Datenstand", any(n.startswith(bt.DATENSTAND_PREFIX) for n in noten)),
                             ("BA-Fußnote", BA_FUSSNOTE in noten), ("Zeichenerklärung", ZEICHENERKLAERUNG in noten)) if not da]
    if fehlt:  # bericht.fussnoten always holds them: never publish a table without them
        raise RuntimeError(f"{name}: Fußnoten fehlen ({', '.join(fehlt)})")
    return list(noten)


def write_csv(t: Tabellen, name: str, path: Path) -> None:
    """``;``-separated, UTF-8 with BOM; the table, one empty line, then one footnote per line."""
    spec = t.specs[name]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        w.writerow([s.titel for s in spec.spalten])
        for row in t.frames[name].iter_rows(named=True):
            w.writerow([row[s.name] if row[s.name] is not None else "" for s in spec.spalten])
        w.writerow([])
        for text in csv_fussnoten(t, name):
            w.writerow([text])


# --- XLSX --------------------------------------------------------------------------------------


def _excel_format(art: Art | None, dezimalen: int) -> str:
    if art is Art.QUOTE:
        return "0.0 %"
    return "#,##0" if dezimalen == 0 else "#,##0." + "0" * dezimalen


def write_xlsx(t: Tabellen, path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    base = {"font_name": FONT, "font_size": 10, "valign": "top"}
    f_titel = wb.add_format({**base, "bold": True, "font_size": 12})
    f_kopf = wb.add_format({**base, "bold": True, "text_wrap": True, "bottom": 1, "top": 1, "bg_color": "#D9D9D9"})
    f_text = wb.add_format({**base})
    f_zeichen = wb.add_format({**base, "align": "right"})
    f_note = wb.add_format({**base, "font_size": 8, "text_wrap": True})
    f_stand = wb.add_format({**base, "italic": True})
    zahl_formate: dict[str, object] = {}

    def zf(code: str):
        if code not in zahl_formate:
            zahl_formate[code] = wb.add_format({**base, "num_format": code})
        return zahl_formate[code]

    inhalt = wb.add_worksheet("Inhalt")
    inhalt.set_column(0, 0, 24)
    inhalt.set_column(1, 1, 70)
    inhalt.write(0, 0, "Sachstand 3-Phasen-Modell: Tabellen", f_titel)
    inhalt.write(1, 0, f"Stichtag: {bt.de_datum(t.stichtag)}", f_stand)
    inhalt.write(3, 0, "Blatt", f_kopf)
    inhalt.write(3, 1, "Inhalt", f_kopf)
    for i, (name, spec) in enumerate(t.specs.items()):
        inhalt.write_url(4 + i, 0, f"internal:'{name}'!A1", string=name)
        inhalt.write(4 + i, 1, spec.titel, f_text)
    r0 = 5 + len(t.specs)
    inhalt.merge_range(r0, 0, r0, 1, BA_FUSSNOTE, f_note)
    inhalt.set_row(r0, 40)
    inhalt.merge_range(r0 + 1, 0, r0 + 1, 1, ZEICHENERKLAERUNG, f_note)
    inhalt.set_row(r0 + 1, 40)

    for name, spec in t.specs.items():
        ws = wb.add_worksheet(name[:31])
        ws.write(0, 0, spec.titel, f_titel)
        ws.write(1, 0, f"Stichtag: {bt.de_datum(t.stichtag)}", f_stand)
        kopf = 3
        breiten = []
        for c, s in enumerate(spec.spalten):
            ws.write(kopf, c, s.titel, f_kopf)
            breiten.append(max(10, min(45, len(s.titel) + 2)) if s.art is not None else 12)
        df = t.frames[name]
        for i, row in enumerate(df.iter_rows(named=True)):
            r = kopf + 1 + i
            for c, s in enumerate(spec.spalten):
                text = row[s.name]
                art = _art(spec, s, row)
                if s.art is None or art is None:
                    ws.write_string(r, c, text or "", f_text)
                    breiten[c] = max(breiten[c], min(60, len(text or "") + 2))
                    continue
                v = parse_de(text)
                if v is None or text == NICHTS:
                    ws.write_string(r, c, text or "", f_zeichen)  # '*', '–', 'x' or a month
                    breiten[c] = max(breiten[c], min(30, len(text or "") + 2))
                    continue
                if _zaehl(spec, s, row) and v in (1.0, 2.0):  # cannot happen: guarded anyway
                    raise RuntimeError(f"{name}: Zahlenwert {v} in einer Fallzahl")
                dez = 1 if art is Art.QUOTE else (s.dezimalen if name != "ueberblick" else 0)
                ws.write_number(r, c, v, zf(_excel_format(art, dez)))
        ws.freeze_panes(kopf + 1, 1)
        for c, b in enumerate(breiten):
            ws.set_column(c, c, b)
        ws.set_row(kopf, 30)
        r = kopf + 2 + df.height
        letzte = max(1, len(spec.spalten) - 1)
        for text in t.fussnoten.get(name, []):
            ws.merge_range(r, 0, r, letzte, text, f_note)
            ws.set_row(r, 12 * max(1, len(text) // 110 + 1))
            r += 1
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(kopf)
    wb.close()


# --- charts ------------------------------------------------------------------------------------


def _figure(breite_cm: float = 16.0, hoehe_cm: float = 10.0):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(breite_cm / 2.54, hoehe_cm / 2.54), dpi=200)
    FigureCanvasAgg(fig)
    return fig


def _de_achse(ax, dezimalen: int = 0) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: zahl_de(v, dezimalen)))


def _stil(ax) -> None:
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="y", color="#d9d9d9", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=7)


# The sign legend of a chart (kennzahlen.md: every public file carries the BA footnote in substance).
DIAGRAMM_ZEICHEN = "* = aus Gründen der statistischen Geheimhaltung nicht ausgewiesen (BA); – = null (nichts vorhanden)"
FUSSZEILE_PT = 5.5


def diagramm_quelle(t: Tabellen, tabelle: str) -> str:
    """'Stichtag TT.MM.JJJJ. Quelle und Datenstand: <Export> TT.MM.JJJJ; ...' from the table's
    Datenstand footnote in ``bericht.fussnoten`` (the same sources and dates the table names)."""
    text = next((n for n in t.fussnoten.get(tabelle, []) if n.startswith(bt.DATENSTAND_PREFIX)), "")
    quelle = text.removeprefix(bt.DATENSTAND_PREFIX).rstrip(".") or "Exporte der Partner"
    return f"Stichtag {bt.de_datum(t.stichtag)}. Quelle und Datenstand: {quelle}."


def _umbrechen(fig, text: str, breite_px: float, groesse: float) -> list[str]:
    """Greedy line breaks at word boundaries, measured with the figure's renderer (no guessing
    of character widths: a short last line of one word looks like an error in print)."""
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    font = FontProperties(size=groesse)

    def breite(s: str) -> float:
        return renderer.get_text_width_height_descent(s, font, ismath=False)[0]

    zeilen: list[str] = []
    for wort in text.split():
        if zeilen and breite(zeilen[-1] + " " + wort) <= breite_px:
            zeilen[-1] += " " + wort
        else:
            zeilen.append(wort)
    return zeilen


def _fusszeile(fig, t: Tabellen, tabelle: str, hinweis: str = "") -> float:
    """Stichtag, source with its Datenstand and the sign legend at the bottom of a chart; returns
    the figure fraction they take (for ``tight_layout(rect=...)``)."""
    breite_px = fig.get_figwidth() * fig.dpi * 0.975
    zeilen = []
    for absatz in (diagramm_quelle(t, tabelle), DIAGRAMM_ZEICHEN + ".", hinweis + "." if hinweis else ""):
        zeilen.extend(_umbrechen(fig, absatz, breite_px, FUSSZEILE_PT))
    fig.text(0.012, 0.012, "\n".join(zeilen), fontsize=FUSSZEILE_PT, va="bottom", ha="left", linespacing=1.35)
    hoehe_pt = fig.get_figheight() * 72
    return (len(zeilen) * FUSSZEILE_PT * 1.35 + 8) / hoehe_pt


def _gruppen_balken(ax, gruppen: list[str], reihen: list[tuple[str, list[str]]], stile: list[dict] | None = None,
                    legende: dict | None = None) -> None:
    """Grouped bars with grey levels and hatching; '*' (suppressed) is written, never drawn as a
    bar; 0 ('–') is written as '–'. Legend handles are drawn explicitly so that a series whose
    values are all suppressed still shows its black-and-white style, not a default colour."""
    import matplotlib as mpl
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    n = len(reihen)
    breite = 0.8 / n
    hoechster = max([parse_de(v) or 0 for _, werte in reihen for v in werte] + [4])
    handles = []
    with mpl.rc_context({"hatch.linewidth": 0.7}):
        for j, (label, werte) in enumerate(reihen):
            stil = stile[j] if stile else {"facecolor": GRAU[j % 4], "edgecolor": "black", "linewidth": 0.7, "hatch": SCHRAFFUR[j % 4]}
            xs = [i - 0.4 + breite * (j + 0.5) for i in range(len(gruppen))]
            hs = [parse_de(v) if v not in (GESPERRT, NICHT_SINNVOLL) else None for v in werte]
            for x, v, h in zip(xs, werte, hs):
                if v == GESPERRT:
                    ax.text(x, hoechster * 0.015, "*", ha="center", va="bottom", fontsize=11, fontweight="bold")
                elif v == NICHTS:
                    ax.text(x, hoechster * 0.015, "–", ha="center", va="bottom", fontsize=10)
                elif h is not None:
                    ax.bar([x], [h], breite * 0.92, **stil)
                    ax.text(x, h + hoechster * 0.012, v, ha="center", va="bottom", fontsize=6.5)
            handles.append(Patch(label=label, **stil))
    ax.set_xticks(range(len(gruppen)))
    ax.set_xticklabels(gruppen)
    ax.set_xlim(-0.6, len(gruppen) - 0.4)
    ax.set_ylim(0, hoechster * 1.22)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(handles=handles, **(legende or {"fontsize": 7, "frameon": False, "ncols": n if n <= 3 else 2, "loc": "upper left"}))


def _kurz_quartal(label: str, stand_am: str | None = None) -> str:
    """'4. Quartal 2026' -> '4. Qu.\n2026'; a quarter counted only to the Stichtag (its Zähltag is
    not the quarter end) says so: '4. Qu.\n2026\n(Stand 27.11.)'."""
    m = re.match(r"(\d)\. Quartal (\d{4})", label)
    if not m:
        return label
    kurz = f"{m.group(1)}. Qu.\n{m.group(2)}"
    ende = _quartalsende(label)
    if stand_am and ende and stand_am != bt.de_datum(ende) and re.match(r"^\d{2}\.\d{2}\.\d{4}$", stand_am):
        kurz += f"\n(Stand {stand_am[:6]})"
    return kurz


def chart_phasen(t: Tabellen, path: Path) -> None:
    df = t.frames["phasen_quartale"]
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    _stil(ax)
    reihen = [(f"Phase {i} ({p})", df[f"phase_{i}"].to_list()) for i, p in ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren"))]
    _gruppen_balken(ax, [_kurz_quartal(q, s) for q, s in zip(df["quartal"], df["stand_am"])], reihen)
    _de_achse(ax)
    ax.set_ylabel("aktive Teilnehmende", fontsize=8)
    ax.set_title(f"Aktive Teilnehmende nach Phase am Quartalsende (Stichtag {bt.de_datum(t.stichtag)})", fontsize=9)
    unten = _fusszeile(fig, t, "phasen_quartale", "Im laufenden Quartal: Stand am Stichtag")
    fig.tight_layout(rect=(0, unten, 1, 1))
    fig.savefig(path)


VERMITTLUNGEN_STILE = [
    # solid dark grey against white with dense diagonal hatching: apart on any black-and-white print
    {"facecolor": "#404040", "edgecolor": "black", "linewidth": 0.7, "hatch": ""},
    {"facecolor": "white", "edgecolor": "black", "linewidth": 0.7, "hatch": "////"},
]


def chart_vermittlungen(t: Tabellen, path: Path) -> None:
    """Placements (all kinds together, BA counting) per calendar year, mini-jobs beside them.

    Only the year rows of ``bericht.vermittlungen`` (no cumulative group; the total since the
    programme start is named in the note), and only its published text: a '*' stays a '*'.
    """
    df = t.frames["vermittlungen"].filter(pl.col("zeitraum") != bt.INSGESAMT)
    ins = t.zeile("vermittlungen", bt.INSGESAMT)
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    _stil(ax)
    gruppen = [z.replace(" (bis ", "\n(bis ") for z in df["zeitraum"]]
    reihen = [
        ("Vermittlungen (SV-pflichtige Beschäftigung, Ausbildung, Selbständigkeit)", df["insgesamt"].to_list()),
        ("nachrichtlich: Minijobs (zählen nicht als Vermittlung)", df["minijobs"].to_list()),
    ]
    # the legend below the years: two long entries would sit on the grid lines inside the plot
    _gruppen_balken(ax, gruppen, reihen, VERMITTLUNGEN_STILE,
                    {"fontsize": 7, "frameon": False, "ncols": 1, "loc": "upper center", "bbox_to_anchor": (0.5, -0.17)})
    _de_achse(ax)
    ax.set_ylabel("Anzahl", fontsize=8)
    ax.set_title(f"Vermittlungen (Zählweise der BA) und Minijobs je Kalenderjahr (Stichtag {bt.de_datum(t.stichtag)})", fontsize=9)
    hinweis = ""
    if ins:
        hinweis = (f"Seit Projektbeginn insgesamt: {anzahl(ins.get('insgesamt'), 'Vermittlungen')}, nachrichtlich "
                   f"{anzahl(ins.get('minijobs'), 'Minijobs')} (nach Art: Tabelle Vermittlungen)")
    unten = _fusszeile(fig, t, "vermittlungen", hinweis)
    fig.tight_layout(rect=(0, unten, 1, 1))
    fig.savefig(path)


def _quartalsende(label: str) -> date | None:
    m = re.match(r"(\d)\. Quartal (\d{4})", label)
    if not m:
        return None
    q, y = int(m.group(1)), int(m.group(2))
    return bt._month_end(date(y, 3 * q, 1))


def chart_zuschuss(t: Tabellen, prognose: bt.Prognose | None, budget: float, path: Path) -> None:
    """Allowance paid (cumulative, at quarter ends), the budget, and the forecast if published."""
    import matplotlib.dates as mdates

    df = t.frames["mentoring_quartale"].filter(pl.col("quartal") != bt.INSGESAMT)
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    _stil(ax)
    xs, ys = [], []
    acc = 0.0
    start = bt._month_end(date(t.stichtag.year, t.stichtag.month, 1))
    for q, stand, v in zip(df["quartal"], df["stand_am"], df["zuschuss_eur"]):
        w = parse_de(v)
        if w is None:  # a suppressed quarter: the running total is unknown from here on
            break
        acc += w
        ende = _quartalsende(q)
        xs.append(min(ende, t.stichtag) if ende else t.stichtag)
        ys.append(acc)
    gesamt = parse_de(t.ue("ausgezahlt seit Projektbeginn"))
    if gesamt is not None:
        # end on the published total (the sum of rounded quarters may differ by a few euros)
        if xs and xs[-1] == t.stichtag:
            ys[-1] = gesamt
        else:
            xs.append(t.stichtag)
            ys.append(gesamt)
            ax.plot(xs[-1:], ys[-1:], marker="D", color="black", linestyle="none")
    ax.plot(xs, ys, marker="o", color="black", linewidth=1.4, markersize=4, label="ausgezahlt (kumuliert, Quartalsende)")
    prognose_text = t.ue(bt.PROGNOSE)
    rate = next((w for k, w in zip(t.frames["ueberblick"]["kennzahl"], t.frames["ueberblick"]["wert"])
                 if k.startswith("Zuschuss je Monat")), None)
    if prognose is not None and prognose.reihe and prognose_text != GESPERRT and gesamt is not None and _offen(rate):
        px = [t.stichtag] + [d for d, _ in prognose.reihe]
        py = [gesamt] + [v for _, v in prognose.reihe]
        ax.plot(px, py, linestyle=(0, (1.5, 1.5)), color="#525252", linewidth=1.6,
                label=f"Prognose: {rate} EUR je Monat wie zuletzt")
        if py[-1] >= budget - 0.005:
            ax.plot([px[-1], px[-1]], [0, budget], color="#525252", linestyle=(0, (1, 2)), linewidth=0.8)
            # above the budget line, left of the dotted one: the only place no curve can pass
            ax.annotate(f"voraussichtlich aufgebraucht: {prognose_text}", xy=(px[-1], budget), xytext=(-4, 3),
                        textcoords="offset points", ha="right", va="bottom", fontsize=7)
    ax.axhline(budget, color="black", linestyle=(0, (6, 2)), linewidth=1.0, label=f"Budget {zahl_de(budget)} EUR")
    oben = max([budget] + ys)
    ax.set_ylim(0, oben * 1.14)  # room above the budget line for its label
    rest = parse_de(t.ue("Restbudget"))
    if ys and rest is not None and rest < 0:
        # above and left of the last point: the cumulative curve only rises, so nothing is up there
        ax.annotate(f"Budget um {zahl_de(-rest)} EUR überschritten", xy=(xs[-1], ys[-1]), xytext=(-4, 5),
                    textcoords="offset points", ha="right", va="bottom", fontsize=7)
    _de_achse(ax)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%Y"))
    ax.tick_params(axis="x", labelsize=6.5)
    ax.set_ylabel("EUR", fontsize=8)
    ax.set_title(f"Ehrenamtszuschuss: Auszahlungen und Budget (Stichtag {bt.de_datum(t.stichtag)})", fontsize=9)
    # below the plot, not in it: inside, a legend box hides parts of the lines wherever it sits
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3, handlelength=2.5,
              columnspacing=1.2)
    unterbrochen = any(v == GESPERRT for v in df["zuschuss_eur"])
    hinweis = "Beträge gerundet" + ("; Quartale mit * sind nicht dargestellt" if unterbrochen else "")
    unten = _fusszeile(fig, t, "mentoring_quartale", hinweis)
    fig.tight_layout(rect=(0, unten, 1, 1))
    fig.savefig(path)


# --- sentences ---------------------------------------------------------------------------------


GEHEIM_HINWEIS = "Einzelne Werte werden aus Gründen der statistischen Geheimhaltung nicht genannt (siehe Tabellen, *)."


def _offen(text: str | None) -> bool:
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
        if all(_offen(w) for w in werte):
            self.saetze.append(text)
        elif any(w == GESPERRT for w in werte):
            self.ausgelassen = True

    def aufzaehlung(self, einleitung: str, teile: list[tuple[str, str | None]], schluss: str = ".") -> None:
        da = [t for t, w in teile if _offen(w)]
        if len(da) < len(teile):
            self.ausgelassen = self.ausgelassen or any(w == GESPERRT for _, w in teile)
        if da:
            self.saetze.append(einleitung + (", ".join(da[:-1]) + " und " + da[-1] if len(da) > 1 else da[0]) + schluss)

    def text(self) -> str:
        return " ".join(self.saetze + ([GEHEIM_HINWEIS] if self.ausgelassen else []))


def _satz_teilnehmende(t: Tabellen) -> str:
    u = t.ue
    a = Absatz()
    g, akt, aus = u("Teilnehmende seit Projektbeginn"), u("davon am Stichtag aktiv"), u("davon ausgeschieden")
    a.satz(f"Seit Projektbeginn sind {anzahl(g, 'Personen')} in das Projekt eingetreten.", g)
    a.satz(f"Am Stichtag nehmen {anzahl(akt, 'Personen')} aktiv teil.", akt)
    a.satz(f"Ausgeschieden sind {anzahl(aus, 'Personen')}.", aus)
    a.aufzaehlung("Von den aktiven Teilnehmenden befinden sich ",
                  [(f"{anzahl(u(f'aktiv in Phase {i} ({p})'), 'Personen')} in Phase {i} ({p})", u(f"aktiv in Phase {i} ({p})"))
                   for i, p in ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren"))])
    d2 = t.zeile("phasen_dauer", "Eintritt bis Phase 2").get("median_tage")
    d3 = t.zeile("phasen_dauer", "Eintritt bis Phase 3").get("median_tage")
    a.satz(f"Vom Eintritt bis zum Beginn der Phase 2 vergingen im Median {d2} Tage.", d2)
    a.satz(f"Bis zum Beginn der Phase 3 dauerte es im Median {d3} Tage.", d3)
    return a.text()


def _satz_vermittlungen(t: Tabellen, settings: Settings) -> str:
    u = t.ue
    n = settings.nachhaltigkeit_monate
    a = Absatz()
    v, pers, mini = u("Vermittlungen (Zählweise der BA)"), u("Personen mit Vermittlung"), u("nachrichtlich: Minijobs")
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
    return a.text()


def _satz_sprache(t: Tabellen) -> str:
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


def _satz_mentoring(t: Tabellen) -> str:
    u = t.ue
    ins = t.zeile("mentoring_quartale", bt.INSGESAMT)
    a = Absatz()
    reg = u("Mentor*innen registriert")
    a.satz(f"Zum Stichtag sind {anzahl(reg, 'Mentor*innen')} registriert.", reg)
    a.aufzaehlung("Davon sind ", [
        (f"{anzahl(u('aktiv (mit laufendem Tandem)'), 'Mentor*innen')} in einem laufenden Tandem aktiv", u("aktiv (mit laufendem Tandem)")),
        (f"{anzahl(u('davon mit Ehrenamtszuschuss'), 'Mentor*innen')} mit Ehrenamtszuschuss tätig", u("davon mit Ehrenamtszuschuss")),
        (f"{anzahl(u('davon geschult'), 'Mentor*innen')} geschult", u("davon geschult")),
    ])
    a.satz(f"Es laufen {anzahl(u('Tandems aktiv'), 'Tandems')}.", u("Tandems aktiv"))
    if ins:
        a.satz(f"Seit Projektbeginn fanden {anzahl(ins['kontakte'], 'Kontakte')} mit insgesamt "
               f"{u('Kontaktstunden seit Projektbeginn')} Stunden statt.", ins["kontakte"], u("Kontaktstunden seit Projektbeginn"))
    return a.text()


def _satz_budget(t: Tabellen) -> str:
    u = t.ue
    a = Absatz()
    b, paid, rest = u("Budget (Unternehmensspende)"), u("ausgezahlt seit Projektbeginn"), u("Restbudget")
    a.satz(f"Aus der Spende in Höhe von {b} EUR wurden bis zum Stichtag {'kein' if paid == NICHTS else paid + ' EUR'} "
           "Ehrenamtszuschuss ausgezahlt.", b, paid)
    rest_wert = parse_de(rest)
    if rest_wert is not None and rest_wert < 0:
        a.satz(f"Das Budget ist damit aufgebraucht und um {zahl_de(-rest_wert)} EUR überschritten.", rest)
    else:
        a.satz(f"Es verbleiben {'keine Mittel' if rest == NICHTS else rest + ' EUR'}.", rest)
    p = u(bt.PROGNOSE)
    if p == "bereits aufgebraucht":
        return a.text()
    if re.match(r"^[A-ZÄÖÜ][a-zäöü]+ \d{4}$", p or ""):
        a.satz(f"Bleibt die Inanspruchnahme wie in den letzten Monaten, ist das Budget voraussichtlich im {p} aufgebraucht.", p)
    elif p == GESPERRT:
        a.ausgelassen = True
    elif p:
        a.satz(f"Prognose zum Budget: {p}.", p)
    return a.text()


def _satz_klima(t: Tabellen) -> str:
    u = t.ue
    ins = t.zeile("mentoring_quartale", bt.INSGESAMT)
    co2 = u("CO2-Emissionen der Fahrten seit Projektbeginn")
    km = ins.get("kilometer") if ins else None
    a = Absatz()
    a.saetze.append("Kohlendioxidemissionen werden durch den mobilen Einsatz der ehrenamtlichen Mentor*innen verursacht.")
    if co2 == NICHTS:
        a.saetze.append("Seit Projektbeginn sind durch ihre Fahrten zu den Tandemtreffen keine CO2-Emissionen entstanden.")
    elif _offen(km) and km != NICHTS:
        a.satz(f"Seit Projektbeginn entstanden durch ihre Fahrten zu den Tandemtreffen ({km} km) rund {co2} kg "
               "CO2-Äquivalente (Emissionsfaktoren des Umweltbundesamts, TREMOD).", co2)
    else:
        a.satz(f"Seit Projektbeginn entstanden durch ihre Fahrten zu den Tandemtreffen rund {co2} kg CO2-Äquivalente "
               "(Emissionsfaktoren des Umweltbundesamts, TREMOD).", co2)
    return a.text()


_DATUM = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")
_MONAT_JAHR = re.compile(r"\b(?:" + "|".join(bt.MONATE) + r")\s+\d{4}\b")
_ZAHL = re.compile(r"(?<![\w§])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![\w])(\s*%)?")


def _konfig_stellen(settings: Settings) -> list[re.Pattern]:
    """Where a text block may state a configuration value: only inside the wording that marks it
    as one. A bare number that happens to equal a configuration value (a forecast over 2 months,
    a sustainability check after 1 month) is treated like any other number: as a count, which must
    be a published figure. Otherwise '2 Tandems' would pass whenever some setting is 2."""

    def zahl(v: float, stellen: tuple[int, ...]) -> str:
        formen = sorted({zahl_de(v, d) for d in stellen}, key=len, reverse=True)
        return "(?:" + "|".join(re.escape(f) for f in formen) + ")"

    eur = r"\s*(?:EUR|€)"
    muster = [
        zahl(settings.stundensatz_eur, (0, 2)) + eur + r"\s+je\s+(?:Kontakt)?[Ss]tunde",
        r"\bBudget\w*\s+(?:in\s+Höhe\s+)?von\s+" + zahl(settings.budget_eur, (0, 2)) + eur,
        r"\bletzten\s+" + zahl(settings.prognose_monate, (0,)) + r"\s+(?:vollständigen\s+|abgeschlossenen\s+)?Monate",
        zahl(settings.nachhaltigkeit_monate, (0,)) + r"\s+Monate\w*\s+nach\b",
    ]
    for vm, faktor in settings.emissionsfaktoren_kg_km.items():
        muster.append(re.escape(vm) + r"\s+" + zahl(faktor, (3,)) + r"\s*kg\b")
    return [re.compile(m) for m in muster]


def _veroeffentlicht(t: Tabellen) -> set[str]:
    """The published figures a text block may repeat, exactly as printed (same rounding): the
    overview and the totals row of the mentoring table. Negative amounts (an overdrawn budget)
    are stated as their absolute value in words ('um 5 EUR überschritten')."""
    werte = list(t.frames["ueberblick"]["wert"])
    ins = t.zeile("mentoring_quartale", bt.INSGESAMT)
    werte += [ins.get(c) for c in ("kontakte", "stunden", "kilometer", "co2_kg", "zuschuss_eur")] if ins else []
    return {_zahl_norm(w.lstrip("-")) for w in werte if w and parse_de(w) is not None and w != NICHTS}


def _zahl_norm(text: str) -> str:
    return re.sub(r"\s+%", "%", text.strip())


def textbaustein_zulaessig(text: str, t: Tabellen, settings: Settings) -> bool:
    """May a text block written elsewhere go into the public document?

    Only if every figure in it is a published figure exactly as the tables print it (same
    rounding: '1.840' passes where the table shows 1.840, '1.840,3' does not), apart from dates,
    the published forecast month and configuration values inside the wording that marks them
    (:func:`_konfig_stellen`), and if it uses no wording of its own for small counts ('weniger
    als drei', 'alle bis auf'): such wording tells more about a '*' than the tables do. Otherwise
    the report's own sentence, built from the bericht tables, is used.
    """
    if re.search(r"weniger als|alle bis auf|mehr als", text, re.IGNORECASE):
        return False
    ue = t.frames["ueberblick"]
    if any(w == GESPERRT for w in ue.filter(pl.col("bereich").is_in(["Mentoring", "Ehrenamtszuschuss", "Klimarelevanz"]))["wert"]) \
            and re.search(r"\balle\b", text):
        return False
    prognose = t.ue(bt.PROGNOSE)
    if any(m.group(0) != prognose for m in _MONAT_JAHR.finditer(text)):
        return False  # a forecast month the table does not publish (or withholds)
    rest = _MONAT_JAHR.sub(" ", _DATUM.sub(" ", text))
    rest = re.sub(r"\bPhase\s+\d\b|\b\d-Phasen", " ", rest)
    for muster in _konfig_stellen(settings):
        rest = muster.sub(" ", rest)
    erlaubt = _veroeffentlicht(t)
    for m in _ZAHL.finditer(rest):
        if _zahl_norm(m.group(1) + ("%" if m.group(2) else "")) not in erlaubt:
            return False
    return True


def _textbausteine(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict[str, str]:
    """The mentoring metrics' text blocks, if that module provides them (it may not exist yet)."""
    try:
        from assets.metrics.mentoring import mentoring_textbausteine
    except ImportError:
        return {}
    try:
        return dict(mentoring_textbausteine(con, settings, stichtag))
    except Exception as exc:  # a text block must never stop the council tables
        log.warning("Textbausteine Mentoring nicht verfügbar: %s", exc)
        return {}


# --- DOCX --------------------------------------------------------------------------------------


def _set_cell_background(cell, hex_color: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_color)
    tc_pr.append(shd)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _spaltenbreiten_cm(titel: list[str], werte: list[list[str]], verfuegbar_cm: float) -> list[float]:
    """Widths from the content: a value never wraps, a header wraps only between words."""
    breiten = []
    for i, h in enumerate(titel):
        laengstes_wort = max((len(w) for w in h.split()), default=4)
        inhalt = max((len(r[i] or "") for r in werte), default=1)
        zeichen = max(laengstes_wort, inhalt, min(len(h), 14) * 0.7)
        breiten.append(max(1.5, min(9.0, zeichen * 0.2 + 0.45)))
    summe = sum(breiten)
    if summe > verfuegbar_cm:
        breiten = [b * verfuegbar_cm / summe for b in breiten]
    return breiten


def _docx_tabelle(doc, t: Tabellen, name: str, nr: int, verfuegbar_cm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    spec = t.specs[name]
    spalten = [s for s in spec.spalten if not (name == "ueberblick" and s.name == "bereich")]
    df = t.frames[name]
    cap = doc.add_paragraph(style="Caption")
    cap.add_run(f"Tabelle {nr}: {spec.titel}")
    cap.paragraph_format.keep_with_next = True
    klein = Pt(8.5) if len(spalten) > 6 else Pt(9)
    zeilen = [[row[s.name] for s in spalten] for row in df.iter_rows(named=True)]
    breiten = _spaltenbreiten_cm([s.titel for s in spalten], zeilen, verfuegbar_cm)
    tab = doc.add_table(rows=1, cols=len(spalten))
    tab.style = "Table Grid"
    tab.alignment = WD_TABLE_ALIGNMENT.LEFT
    tab.autofit = False
    for c, b in enumerate(breiten):
        tab.columns[c].width = Cm(b)

    def fuellen(cell, text: str, rechts: bool, fett: bool = False) -> None:
        cell.text = ""
        para = cell.paragraphs[0]
        para.paragraph_format.space_after = Pt(0)
        para.paragraph_format.keep_with_next = True
        run = para.add_run(text)
        run.font.size = klein
        run.bold = fett
        if rechts:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    for c, s in enumerate(spalten):
        cell = tab.rows[0].cells[c]
        cell.width = Cm(breiten[c])
        fuellen(cell, s.titel, s.art is not None, True)
        _set_cell_background(cell, "D9D9D9")
    _repeat_header(tab.rows[0])
    bereich = None
    for row in df.iter_rows(named=True):
        if name == "ueberblick" and row["bereich"] != bereich:
            bereich = row["bereich"]
            zr = tab.add_row()
            merged = zr.cells[0].merge(zr.cells[-1])
            fuellen(merged, bereich, False, True)
            _set_cell_background(merged, "F2F2F2")
        cells = tab.add_row().cells
        for c, s in enumerate(spalten):
            cells[c].width = Cm(breiten[c])
            insgesamt = str(row[spalten[0].name]).startswith("Insgesamt")
            fuellen(cells[c], row[s.name] or "", s.art is not None, insgesamt)
    for text in _tabellen_noten(t, name):
        para = doc.add_paragraph()
        para.paragraph_format.space_after = Pt(0)
        r = para.add_run(text)
        r.font.size = Pt(7.5)
    doc.add_paragraph()


def _tabellen_noten(t: Tabellen, name: str) -> list[str]:
    """Under each table: Stichtag, Datenstand, the BA footnote and the table's own notes (the
    sign legend once, at the end of the document)."""
    return [x for x in t.fussnoten.get(name, []) if x != ZEICHENERKLAERUNG]


def _bild(doc, path: Path, unterschrift: str, nr: int) -> None:
    from docx.shared import Cm

    doc.add_picture(str(path), width=Cm(15))
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    cap = doc.add_paragraph(style="Caption")
    cap.add_run(f"Abbildung {nr}: {unterschrift}")


def _schrift(style, name: str) -> None:
    """Set a style's font for every script: the theme attributes of Word's built-in heading
    styles would otherwise win over ``font.name`` (Calibri Light headings in an Arial document)."""
    from docx.oxml.ns import qn

    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        return
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)


def stichtag_erklaerung(settings: Settings) -> str:
    """Why sources with a later Datenstand are reported to an earlier Stichtag (kennzahlen.md)."""
    if settings.stichtag is None:
        return ("Der Stichtag ist der älteste Datenstand der verwendeten Quellen: Nur bis zu diesem Tag liegen Angaben "
                "aller Partner vor, daher werden auch Quellen mit einem späteren Datenstand nur bis zum Stichtag ausgewertet.")
    return ("Der Stichtag wurde für diesen Bericht festgelegt; Quellen mit einem späteren Datenstand werden nur bis zum "
            "Stichtag ausgewertet.")


def write_docx(t: Tabellen, settings: Settings, charts: dict[str, Path], texte: dict[str, str], path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(2.0)
    for st in ("Normal", "Heading 1", "Heading 2", "Caption"):
        style = doc.styles[st]
        _schrift(style, FONT)
        style.font.color.rgb = RGBColor(0, 0, 0)
    doc.styles["Normal"].font.size = Pt(11)
    doc.styles["Normal"].paragraph_format.space_after = Pt(6)
    doc.styles["Heading 1"].font.size = Pt(12)
    doc.styles["Heading 1"].paragraph_format.space_before = Pt(14)
    doc.styles["Heading 2"].font.size = Pt(11)
    doc.styles["Caption"].font.size = Pt(9.5)
    doc.styles["Caption"].font.italic = False
    doc.styles["Caption"].font.bold = True

    stichtag = bt.de_datum(t.stichtag)
    kopf = doc.add_paragraph()
    r = kopf.add_run("Mitteilungsvorlage – Entwurf")
    r.font.size = Pt(10)
    titel = doc.add_paragraph()
    r = titel.add_run("Sachstand 3-Phasen-Modell")
    r.bold = True
    r.font.size = Pt(16)
    hinweis = doc.add_paragraph()
    r = hinweis.add_run(
        f"Stichtag der Zahlen: {stichtag}. Automatisch erstellter Textentwurf (phasenmonitor); vor der Übernahme in "
        "die Vorlage fachlich prüfen. Alle Zahlen unterliegen der statistischen Geheimhaltung der Bundesagentur für "
        "Arbeit (siehe Hinweise zu den Zahlen)."
    )
    r.font.size = Pt(9)
    r.italic = True

    doc.add_heading("Beschlussvorschlag:", level=1)
    doc.add_paragraph("Der Integrationsrat und der Sozialausschuss nehmen Kenntnis über den Sachstandsbericht zum 3-Phasen-Modell.")

    doc.add_heading("Erläuterungen und Begründungen:", level=1)
    start = bt.de_datum(settings.programmstart)
    doc.add_paragraph(
        "Das Projekt \u201e3-Phasen-Modell \u2013 Integration in den Arbeitsmarkt\u201c bringt geflüchtete Menschen in drei "
        "aufeinanderfolgenden Phasen in Arbeit: Fähigkeiten und Potenziale werden erkannt (Phase 1), gefördert (Phase 2) "
        f"und die Teilnehmenden in geeignete berufliche Positionen integriert (Phase 3). Das Projekt ist am {start} "
        f"gestartet; dieser Bericht beschreibt den Stand zum Stichtag {stichtag}."
    )
    for absatz in (_satz_teilnehmende(t), _satz_vermittlungen(t, settings), _satz_sprache(t)):
        if absatz:
            doc.add_paragraph(absatz)
    mentoring = texte.get("mentoring")
    if mentoring and textbaustein_zulaessig(mentoring, t, settings):
        doc.add_paragraph(mentoring)
        if "Budget" not in mentoring:  # the mentoring block usually states the budget itself
            doc.add_paragraph(_satz_budget(t))
    else:
        doc.add_paragraph(_satz_mentoring(t))
        doc.add_paragraph(_satz_budget(t))
    if "phasen" in charts:
        doc.add_picture(str(charts["phasen"]), width=Cm(16))
        cap = doc.add_paragraph(style="Caption")
        cap.add_run("Abbildung 1: Aktive Teilnehmende nach Phase am Quartalsende")
    doc.add_paragraph("Die Entwicklung im Einzelnen zeigen die Tabellen und Abbildungen der Anlage.")

    doc.add_heading("Klimarelevanz:", level=1)
    klima = texte.get("klimarelevanz")
    if klima and textbaustein_zulaessig(klima, t, settings):
        doc.add_paragraph("Kohlendioxidemissionen werden durch den mobilen Einsatz der ehrenamtlichen Mentor*innen verursacht. " + klima)
    else:
        doc.add_paragraph(_satz_klima(t))

    doc.add_heading("Hinweise zu den Zahlen:", level=1)
    for text in (
        f"Stichtag: {stichtag}. {stichtag_erklaerung(settings)} Bestände (Teilnehmende, Phasen, Mentor*innen, Tandems) am "
        "Stichtag bzw. am letzten Tag des Quartals; Bewegungen, Vermittlungen und Kontakte im jeweiligen Zeitraum.",
        "Datenstand der verwendeten Quellen: "
        + "; ".join(f"{r['quelle']}: {r['datenstand']}" for r in t.frames["datenbasis"].iter_rows(named=True)) + ".",
        BA_FUSSNOTE,
        ZEICHENERKLAERUNG,
    ):
        q = doc.add_paragraph()
        q.add_run(text).font.size = Pt(9)

    # The annex in landscape: the quarterly tables have up to ten columns.
    anlage = doc.add_section(WD_SECTION.NEW_PAGE)
    anlage.orientation = WD_ORIENT.LANDSCAPE
    anlage.page_width, anlage.page_height = Cm(29.7), Cm(21.0)
    anlage.left_margin = anlage.right_margin = Cm(2.0)
    verfuegbar = 29.7 - 4.0
    doc.add_heading("Anlage: Tabellen und Abbildungen", level=1)
    abb = 1
    nach_tabelle = {"vermittlungen": ("vermittlungen", "Vermittlungen nach Art und Minijobs"),
                    "mentoring_quartale": ("zuschuss", "Ehrenamtszuschuss: Auszahlungen, Budget und Prognose")}
    for nr, name in enumerate(DOCX_TABELLEN, 1):
        _docx_tabelle(doc, t, name, nr, verfuegbar)
        if name in nach_tabelle and nach_tabelle[name][0] in charts:
            abb += 1
            _bild(doc, charts[nach_tabelle[name][0]], nach_tabelle[name][1], abb)

    doc.core_properties.title = f"Sachstand 3-Phasen-Modell, Stichtag {stichtag}"
    doc.core_properties.author = "phasenmonitor"
    doc.save(str(path))


# --- entry point -------------------------------------------------------------------------------


# The council files are disclosure-controlled and meant to be passed on: readable by the analysts'
# group that may enter the data folder (docs/betrieb.md), whatever umask the run has (the run
# holds 0077 while the warehouse connection is open, for its WAL and spill files).
BERICHT_DIR_MODE = 0o755
BERICHT_FILE_MODE = 0o644


def write_bericht_files(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> list[Path]:
    """Write the council files for ``stichtag`` into ``settings.bericht_dir``; returns their paths.

    Reads ``bericht.*`` (built by ``build_bericht_tables``) from ``con``.
    """
    t = lesen(con, settings, stichtag)
    ziel = settings.bericht_dir
    ziel.mkdir(parents=True, exist_ok=True)
    os.chmod(ziel, BERICHT_DIR_MODE)
    tag = stichtag.isoformat()
    try:
        prognose = bt.budget_prognose(con, settings, stichtag)
    except Exception as exc:  # no forecast line rather than no report
        log.warning("Budgetprognose nicht verfügbar: %s", exc)
        prognose = None
    budget = parse_de(t.ue("Budget (Unternehmensspende)")) or settings.budget_eur
    texte = _textbausteine(con, settings, stichtag)

    tmp = Path(tempfile.mkdtemp(prefix=".neu-", dir=ziel))
    try:
        fertig: list[Path] = []
        for name in t.specs:
            p = tmp / f"{name}_{tag}.csv"
            write_csv(t, name, p)
            fertig.append(p)
        charts = {
            "phasen": tmp / f"diagramm_phasen_{tag}.png",
            "vermittlungen": tmp / f"diagramm_vermittlungen_{tag}.png",
            "zuschuss": tmp / f"diagramm_zuschuss_{tag}.png",
        }
        chart_phasen(t, charts["phasen"])
        chart_vermittlungen(t, charts["vermittlungen"])
        chart_zuschuss(t, prognose, budget, charts["zuschuss"])
        fertig.extend(charts.values())
        xlsx = tmp / f"tabellen_{tag}.xlsx"
        write_xlsx(t, xlsx)
        fertig.append(xlsx)
        docx = tmp / f"sachstand_{tag}.docx"
        write_docx(t, settings, charts, texte, docx)
        fertig.append(docx)
        out = []
        for p in fertig:
            dest = ziel / p.name
            os.chmod(p, BERICHT_FILE_MODE)
            os.replace(p, dest)
            out.append(dest)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
