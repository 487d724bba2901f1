"""``diagramm_*_<Stichtag>.png``: phases over time, placements per year, allowance budget.

Every chart is registered with :func:`diagramm` beside its drawing function, with its alternative
text (assets/report/alt_texte.py) and the bericht tables that hold its numbers: the DOCX gives
each picture that text, so no chart reaches the council without one. Printed at its own width
(``BREITE_CM``, the DOCX text width), no text is smaller than ``SCHRIFT_PT`` (BITV NRW).

Readable in black and white (grey levels, hatching, markers, line styles); a suppressed value is
never drawn as a number, only marked with ``*``; Stichtag in the title, and at the bottom the
Stichtag, the sources with their Datenstand and the sign legend. The one number not read from a
bericht table is the forecast line of the budget chart (a projection from the published total),
drawn only if the forecast month in ``bericht.ueberblick`` is published.

matplotlib is imported at the top: this module itself is imported only when the files are
written (assets/report/files.py); assets/preload.py loads matplotlib ahead in the background.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from assets.metrics.kennzahl_texte import PHASEN, bezeichnung
from assets.report import alt_texte
from assets.report import bericht_tables as bt
from assets.report.disclosure import GESPERRT, NICHT_SINNVOLL, NICHTS, parse_de
from assets.report.draft_sentences import anzahl, offen
from assets.report.published_tables import Tabellen
from sources import formats
from sources.money import CENT_TOLERANZ
from sources.zeitraum import month_end

# Grey levels and hatches: distinguishable on a black-and-white printout.
GRAU = ("#ffffff", "#bdbdbd", "#525252", "#f0f0f0")
SCHRAFFUR = ("", "////", "xxx", "...")


# Printed size and the smallest text at that size: the DOCX places every chart at BREITE_CM, so a
# font size here is the size on paper.
BREITE_CM, HOEHE_CM = 16.0, 11.5
SCHRIFT_PT, TITEL_PT = 9.0, 10.0


@dataclass(frozen=True)
class Kontext:
    """What a chart may need beside the bericht tables."""

    prognose: bt.Prognose | None
    budget: float


@dataclass(frozen=True)
class Diagramm:
    name: str
    zeichnen: Callable[[Tabellen, Kontext, Path], Figure]
    beschreibung: Callable[[Tabellen], str]  # the alternative text's first sentence (alt_texte)
    tabellen: tuple[str, ...]  # the bericht tables that hold the chart's numbers

    def alt_text(self, t: Tabellen, nummern: dict[str, int]) -> str:
        return alt_texte.alt_text(self.beschreibung(t), t, self.tabellen, nummern)


DIAGRAMME: dict[str, Diagramm] = {}


def diagramm(name: str, beschreibung: Callable[[Tabellen], str], tabellen: tuple[str, ...]):
    """Register a drawing function as the chart ``name``: no chart without an alternative text."""
    def register(zeichnen):
        DIAGRAMME[name] = Diagramm(name, zeichnen, beschreibung, tabellen)
        return zeichnen
    return register


def _figure(breite_cm: float = BREITE_CM, hoehe_cm: float = HOEHE_CM):
    fig = Figure(figsize=(breite_cm / 2.54, hoehe_cm / 2.54), dpi=200)
    FigureCanvasAgg(fig)
    return fig


def _de_achse(ax, dezimalen: int = 0, achse: str = "y") -> None:
    """German tick labels ('1.000', '2,5') on the value axis ``achse``."""
    getattr(ax, f"{achse}axis").set_major_formatter(FuncFormatter(lambda v, _: formats.zahl(v, dezimalen)))


def _style(ax, gitter: str = "y") -> None:
    """No frame at the top and right, light grid lines across the value axis ``gitter``."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis=gitter, color="#d9d9d9", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=SCHRIFT_PT)


def _titel(fig, ax, text: str) -> None:
    """The title, broken to the figure's width: before '(Stichtag …)' if it does not fit on one line."""
    breite = fig.get_figwidth() * fig.dpi * 0.9
    zeilen = _wrap(fig, text, breite, TITEL_PT)
    if len(zeilen) > 1 and " (Stichtag " in text:
        kopf, stichtag = text.split(" (Stichtag ", 1)
        zeilen = _wrap(fig, kopf, breite, TITEL_PT) + [f"(Stichtag {stichtag}"]
    ax.set_title("\n".join(zeilen), fontsize=TITEL_PT)


# The sign legend of a chart (docs/bericht.md: every public file carries the BA footnote in substance).
DIAGRAMM_ZEICHEN = "* = aus Gründen der statistischen Geheimhaltung nicht ausgewiesen (BA); – = null (nichts vorhanden)"
FUSSZEILE_PT = SCHRIFT_PT


def diagramm_quelle(t: Tabellen, tabelle: str) -> str:
    """'Stichtag TT.MM.JJJJ. Quelle und Datenstand: <Export> TT.MM.JJJJ; ...' from the table's
    Datenstand footnote in ``bericht.fussnoten`` (the same sources and dates the table names)."""
    text = next((n for n in t.fussnoten.get(tabelle, []) if n.startswith(bt.DATENSTAND_PREFIX)), "")
    quelle = text.removeprefix(bt.DATENSTAND_PREFIX).rstrip(".") or "Exporte der Partner"
    return f"Stichtag {formats.datum(t.stichtag)}. Quelle und Datenstand: {quelle}."


def _wrap(fig, text: str, breite_px: float, groesse: float) -> list[str]:
    """Greedy line breaks at word boundaries, measured with the figure's renderer (no guessing
    of character widths: a short last line of one word looks like an error in print)."""
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
        zeilen.extend(_wrap(fig, absatz, breite_px, FUSSZEILE_PT))
    fig.text(0.012, 0.012, "\n".join(zeilen), fontsize=FUSSZEILE_PT, va="bottom", ha="left", linespacing=1.35)
    hoehe_pt = fig.get_figheight() * 72
    return (len(zeilen) * FUSSZEILE_PT * 1.35 + 8) / hoehe_pt


def _fertig(fig, ax, t: Tabellen, titel: str, tabelle: str, hinweis: str, path: Path) -> Figure:
    """The end of every chart: the title with the Stichtag, the footer (Stichtag, the sources of
    ``tabelle`` with their Datenstand, the sign legend, ``hinweis``), the layout above the footer,
    and the file."""
    _titel(fig, ax, f"{titel} (Stichtag {formats.datum(t.stichtag)})")
    unten = _fusszeile(fig, t, tabelle, hinweis)
    fig.tight_layout(rect=(0, unten, 1, 1))
    fig.savefig(path)
    return fig


def _gruppen_balken(ax, gruppen: list[str], reihen: list[tuple[str, list[str]]], stile: list[dict] | None = None,
                    legende: dict | None = None) -> None:
    """Grouped bars with grey levels and hatching; '*' (suppressed) is written, never drawn as a
    bar; 0 ('–') is written as '–'. Legend handles are drawn explicitly so that a series whose
    values are all suppressed still shows its black-and-white style, not a default colour."""
    n = len(reihen)
    breite = 0.8 / n
    # bars narrower than their labels get the labels upright (the smallest text stays SCHRIFT_PT)
    balken_pt = ax.figure.get_figwidth() * 72 * 0.85 / max(1, len(gruppen)) * breite
    laengste = max([len(v) for _, werte in reihen for v in werte if v] + [1])
    quer = laengste * SCHRIFT_PT * 0.6 <= balken_pt  # one direction for all labels of the chart
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
                    ax.text(x, h + hoechster * 0.012, v, ha="center", va="bottom", fontsize=SCHRIFT_PT, rotation=0 if quer else 90)
            handles.append(Patch(label=label, **stil))
    ax.set_xticks(range(len(gruppen)))
    ax.set_xticklabels(gruppen)
    ax.set_xlim(-0.6, len(gruppen) - 0.4)
    ax.set_ylim(0, hoechster * 1.3)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(handles=handles, **(legende or {"fontsize": SCHRIFT_PT, "frameon": False, "ncols": n if n <= 3 else 2, "loc": "upper left"}))


def _kurz_quartal(label: str, stand_am: str | None = None) -> str:
    """'4. Quartal 2026' -> '4. Qu.\n2026'; a quarter counted only to the Stichtag (its Zähltag is
    not the quarter end) says so: '4. Qu.\n2026\n(Stand 27.11.)'."""
    m = re.match(r"(\d)\. Quartal (\d{4})", label)
    if not m:
        return label
    kurz = f"{m.group(1)}. Qu.\n{m.group(2)}"
    ende = _quartalsende(label)
    if stand_am and ende and stand_am != formats.datum(ende) and re.match(r"^\d{2}\.\d{2}\.\d{4}$", stand_am):
        kurz += f"\n(Stand {stand_am[:6]})"
    return kurz


@diagramm("phasen", alt_texte.phasen, ("phasen_quartale",))
def chart_phasen(t: Tabellen, k: Kontext, path: Path) -> Figure:
    df = t.frames["phasen_quartale"]
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    reihen = [(f"Phase {i} ({p})", df[f"phase_{i}"].to_list()) for i, p in PHASEN]
    _gruppen_balken(ax, [_kurz_quartal(q, s) for q, s in zip(df["quartal"], df["stand_am"])], reihen)
    _de_achse(ax)
    ax.set_ylabel("aktive Teilnehmende", fontsize=SCHRIFT_PT)
    return _fertig(fig, ax, t, "Aktive Teilnehmende nach Phase am Quartalsende", "phasen_quartale",
                   "Im laufenden Quartal: Stand am Stichtag", path)


VERMITTLUNGEN_STILE = [
    # solid dark grey against white with dense diagonal hatching: apart on any black-and-white print
    {"facecolor": "#404040", "edgecolor": "black", "linewidth": 0.7, "hatch": ""},
    {"facecolor": "white", "edgecolor": "black", "linewidth": 0.7, "hatch": "////"},
]


@diagramm("vermittlungen", alt_texte.vermittlungen, ("vermittlungen",))
def chart_vermittlungen(t: Tabellen, k: Kontext, path: Path) -> Figure:
    """Placements (all kinds together, BA counting) per calendar year, mini-jobs beside them.

    Only the year rows of ``bericht.vermittlungen`` (no cumulative group; the total since the
    programme start is named in the note), and only its published text: a '*' stays a '*'.
    """
    df = t.frames["vermittlungen"].filter(pl.col("zeitraum") != bt.INSGESAMT)
    ins = t.zeile("vermittlungen", bt.INSGESAMT)
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    gruppen = [z.replace(" (bis ", "\n(bis ") for z in df["zeitraum"]]
    reihen = [
        ("Vermittlungen (SV-pflichtige Beschäftigung, Ausbildung, Selbständigkeit)", df["insgesamt"].to_list()),
        ("nachrichtlich: Minijobs (zählen nicht als Vermittlung)", df["minijobs"].to_list()),
    ]
    # the legend below the years: two long entries would sit on the grid lines inside the plot
    _gruppen_balken(ax, gruppen, reihen, VERMITTLUNGEN_STILE,
                    {"fontsize": SCHRIFT_PT, "frameon": False, "ncols": 1, "loc": "upper center", "bbox_to_anchor": (0.5, -0.2)})
    _de_achse(ax)
    ax.set_ylabel("Anzahl", fontsize=SCHRIFT_PT)
    hinweis = ""
    if ins:
        hinweis = (f"Seit Projektbeginn insgesamt: {anzahl(ins.get('insgesamt'), 'Vermittlungen')}, nachrichtlich "
                   f"{anzahl(ins.get('minijobs'), 'Minijobs')} (nach Art: Tabelle Vermittlungen)")
    return _fertig(fig, ax, t, "Vermittlungen (Zählweise der BA) und Minijobs je Kalenderjahr", "vermittlungen", hinweis, path)


def _quartalsende(label: str) -> date | None:
    m = re.match(r"(\d)\. Quartal (\d{4})", label)
    if not m:
        return None
    q, y = int(m.group(1)), int(m.group(2))
    return month_end(date(y, 3 * q, 1))


@diagramm("zuschuss", alt_texte.zuschuss, ("mentoring_quartale", "ueberblick"))
def chart_zuschuss(t: Tabellen, k: Kontext, path: Path) -> Figure:
    """Allowance paid (cumulative, at quarter ends), the budget, and the forecast if published
    (up to the month the budget runs out, at most to the end of the forecast horizon)."""
    prognose, budget = k.prognose, k.budget
    df = t.frames["mentoring_quartale"].filter(pl.col("quartal") != bt.INSGESAMT)
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    xs, ys = [], []
    acc = 0.0
    for q, stand, v in zip(df["quartal"], df["stand_am"], df["zuschuss_eur"]):
        w = parse_de(v)
        if w is None:  # a suppressed quarter: the running total is unknown from here on
            break
        acc += w
        ende = _quartalsende(q)
        xs.append(min(ende, t.stichtag) if ende else t.stichtag)
        ys.append(acc)
    gesamt = parse_de(t.ue(bezeichnung("zuschuss_ausgezahlt_eur")))
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
    if prognose is not None and prognose.reihe and prognose_text != GESPERRT and gesamt is not None and offen(rate):
        px = [t.stichtag] + [d for d, _ in prognose.reihe]
        py = [gesamt] + [v for _, v in prognose.reihe]
        ax.plot(px, py, linestyle=(0, (1.5, 1.5)), color="#525252", linewidth=1.6,
                label=f"Prognose: {rate} EUR je Monat wie zuletzt")
        if prognose.jenseits_horizont:  # the line ends at the horizon: say so at its end
            # below the line's end: above it the budget line runs through the text (seen in the release PDF)
            ax.annotate(f"Budget reicht {prognose_text}", xy=(px[-1], py[-1]), xytext=(0, -8), textcoords="offset points",
                        ha="right", va="top", fontsize=SCHRIFT_PT)
        elif py[-1] >= budget - CENT_TOLERANZ:
            ax.plot([px[-1], px[-1]], [0, budget], color="#525252", linestyle=(0, (1, 2)), linewidth=0.8)
            # above the budget line, left of the dotted one: the only place no curve can pass
            ax.annotate(f"voraussichtlich aufgebraucht: {prognose_text}", xy=(px[-1], budget), xytext=(-4, 3),
                        textcoords="offset points", ha="right", va="bottom", fontsize=SCHRIFT_PT)
    ax.axhline(budget, color="black", linestyle=(0, (6, 2)), linewidth=1.0, label=f"Budget {formats.zahl(budget)} EUR")
    oben = max([budget] + ys)
    ax.set_ylim(0, oben * 1.14)  # room above the budget line for its label
    rest = parse_de(t.ue(bezeichnung("zuschuss_rest_eur")))
    if ys and rest is not None and rest < 0:
        # above and left of the last point: the cumulative curve only rises, so nothing is up there
        ax.annotate(f"Budget um {formats.zahl(-rest)} EUR überschritten", xy=(xs[-1], ys[-1]), xytext=(-4, 5),
                    textcoords="offset points", ha="right", va="bottom", fontsize=SCHRIFT_PT)
    _de_achse(ax)
    # at most six dates: at 9 pt, one a quarter would run into each other over a few years
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%Y"))
    ax.set_ylabel("EUR", fontsize=SCHRIFT_PT)
    # below the plot, not in it: inside, a legend box hides parts of the lines wherever it sits
    ax.legend(fontsize=SCHRIFT_PT, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, handlelength=2.5,
              columnspacing=1.2)
    unterbrochen = any(v == GESPERRT for v in df["zuschuss_eur"])
    hinweis = "Beträge gerundet" + ("; Quartale mit * sind nicht dargestellt" if unterbrochen else "")
    return _fertig(fig, ax, t, "Ehrenamtszuschuss: Auszahlungen und Budget", "mentoring_quartale", hinweis, path)


@diagramm("merkmale", alt_texte.merkmale, ("merkmale",))
def chart_merkmale(t: Tabellen, k: Kontext, path: Path) -> Figure:
    """Participants since the start per Ausprägung, one bar each, the Merkmale one under the
    other (horizontal: the labels of the Ausprägungen are longer than a bar is wide)."""
    zeilen = alt_texte.merkmal_zeilen(t)
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    _style(ax, gitter="x")
    werte = [parse_de(z["teilnehmende_gesamt"]) if z["teilnehmende_gesamt"] != GESPERRT else None for z in zeilen]
    hoechster = max([w or 0 for w in werte] + [4])
    labels, y = [], 0
    for i, (z, w) in enumerate(zip(zeilen, werte)):
        if i == 0 or z["merkmal"] != zeilen[i - 1]["merkmal"]:
            y += 1 if i else 0
            labels.append((y, z["merkmal"], True))  # the Merkmal as a bold heading line of the axis
            y += 1
        if w is None:
            ax.text(hoechster * 0.01, y, "*", va="center", ha="left", fontsize=11, fontweight="bold")
        else:
            ax.barh([y], [w], 0.7, color=GRAU[1], edgecolor="black", linewidth=0.7, hatch=SCHRAFFUR[1])
            ax.text(w + hoechster * 0.01, y, z["teilnehmende_gesamt"], va="center", ha="left", fontsize=SCHRIFT_PT)
        labels.append((y, z["auspraegung"], False))
        y += 1
    ax.set_yticks([p for p, _, _ in labels], [text for _, text, _ in labels])
    for tick, (_, _, kopf) in zip(ax.get_yticklabels(), labels):
        tick.set_fontweight("bold" if kopf else "normal")
    ax.set_ylim(y - 0.4, -0.6)  # first Merkmal on top
    ax.set_xlim(0, hoechster * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _de_achse(ax, achse="x")
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Teilnehmende seit Projektbeginn", fontsize=SCHRIFT_PT)
    return _fertig(fig, ax, t, "Teilnehmende nach Geschlecht, Alter und Aufenthaltsstatus", "merkmale",
                   "Ausprägungen ohne Teilnehmende sind nicht dargestellt", path)


def write_charts(t: Tabellen, prognose: bt.Prognose | None, budget: float, ordner: Path, tag: str) -> dict[str, Path]:
    """Every registered chart into ``ordner``; returns their paths by chart name."""
    k = Kontext(prognose, budget)
    charts = {}
    for name, d in DIAGRAMME.items():
        charts[name] = ordner / f"diagramm_{name}_{tag}.png"
        d.zeichnen(t, k, charts[name])
    return charts
