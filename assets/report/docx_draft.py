"""``sachstand_<Stichtag>.docx``: the draft for the Mitteilungsvorlage (headings of the seed
document: "Erläuterungen und Begründungen", "Klimarelevanz"), sentences with the published
figures, the tables with their footnotes in a landscape annex, the charts.

python-docx is imported at the top: this module itself is imported only when the files are
written (assets/report/files.py); assets/preload.py loads python-docx ahead in the background.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from assets.report import bericht_tables as bt
from assets.report import docx_barrierefrei
from assets.report.charts import BREITE_CM, DIAGRAMME
from assets.report.disclosure import BA_FUSSNOTE, ZEICHENERKLAERUNG
from assets.report.draft_sentences import (
    satz_budget,
    satz_klima,
    satz_mentoring,
    satz_sprache,
    satz_teilnehmende,
    satz_veraenderung,
    satz_vermittlungen,
)
from assets.report.published_tables import FONT, Tabellen
from assets.report.text_blocks import textbaustein_zulaessig
from sources import formats
from sources.settings import Settings

# Tables in the DOCX annex, each with the chart that belongs to it.
DOCX_TABELLEN = ("ueberblick", "phasen_quartale", "phasen_bewegungen", "phasen_dauer", "vermittlungen",
                 "mentoring_quartale", "sprache", "merkmale", "datenbasis")


def _set_cell_background(cell, hex_color: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_color)
    tc_pr.append(shd)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


# Width of a column from the characters it must hold side by side: bold 8.5-9 pt plus the cell's
# margins, between a narrowest and a widest column.
_CM_JE_ZEICHEN, _CM_RAND, _CM_MIN, _CM_MAX = 0.2, 0.45, 1.5, 9.0
_FETT = 1.15  # a header is bold: its letters are this much wider (without, "begonnen" broke as "begonne-n")


def _cm(zeichen: float) -> float:
    return max(_CM_MIN, min(_CM_MAX, zeichen * _CM_JE_ZEICHEN + _CM_RAND))


def _spaltenbreiten_cm(titel: list[str], werte: list[list[str]], verfuegbar_cm: float) -> list[float]:
    """Widths from the content: a value never wraps, a header wraps only between words. Where the
    table is wider than the page, text that may wrap between words (a label such as "Insgesamt
    seit Projektbeginn") gives up width first, down to its longest word; only then do all columns
    narrow alike (scaling every column broke headers inside words: "Kontaktstund-en")."""
    wunsch, mindest = [], []
    for i, h in enumerate(titel):
        laengstes_wort = max((len(w) for w in h.split()), default=4)
        inhalt = max((len(r[i] or "") for r in werte), default=1)
        inhalt_wort = max((len(w) for r in werte for w in (r[i] or "").split()), default=1)
        wunsch.append(_cm(max(laengstes_wort * _FETT, inhalt, min(len(h), 14) * 0.7)))
        mindest.append(min(wunsch[-1], _cm(max(laengstes_wort * _FETT, inhalt_wort))))
    if sum(wunsch) <= verfuegbar_cm:
        return wunsch
    spielraum = sum(wunsch) - sum(mindest)
    if sum(mindest) <= verfuegbar_cm and spielraum > 0:
        anteil = (verfuegbar_cm - sum(mindest)) / spielraum
        return [m + (w - m) * anteil for w, m in zip(wunsch, mindest)]
    return [m * verfuegbar_cm / sum(mindest) for m in mindest]

# Columns the DOCX leaves out: the overview's section (its rows are grouped anyway) and the change
# table's Stichtag of the last report (the same in every row: it is in the caption).
NUR_IN_DATEIEN = {"ueberblick": {"bereich"}, "veraenderung": {"stichtag_vorbericht"}}


def docx_tabellen(t: Tabellen) -> tuple[str, ...]:
    """The annex tables; the change table after the overview once there is a release."""
    if "veraenderung" in t.specs and t.frames["veraenderung"].height:
        return (DOCX_TABELLEN[0], "veraenderung", *DOCX_TABELLEN[1:])
    return DOCX_TABELLEN


def _docx_tabelle(doc, t: Tabellen, name: str, nr: int, verfuegbar_cm: float) -> None:
    spec = t.specs[name]
    spalten = [s for s in spec.spalten if s.name not in NUR_IN_DATEIEN.get(name, ())]
    df = t.frames[name]
    cap = doc.add_paragraph(style="Caption")
    zusatz = f" (zum {df['stichtag_vorbericht'][0]})" if name == "veraenderung" else ""
    cap.add_run(f"Tabelle {nr}: {spec.titel}{zusatz}")
    cap.paragraph_format.keep_with_next = True
    # more columns, smaller print: ten bold headers fit a landscape page whole words only at 8 pt
    klein = Pt(8) if len(spalten) > 8 else Pt(8.5) if len(spalten) > 6 else Pt(9)
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


def tabellen_nummern(t: Tabellen) -> dict[str, int]:
    """The number of each annex table in its caption ('Tabelle 3: …')."""
    return {name: nr for nr, name in enumerate(docx_tabellen(t), 1)}


def _picture(doc, t: Tabellen, charts: dict[str, Path], name: str, unterschrift: str, nr: int) -> None:
    """A chart at its printed width (charts.BREITE_CM: its fonts are sized for it) with its
    alternative text and its caption."""
    bild = doc.add_picture(str(charts[name]), width=Cm(BREITE_CM))
    docx_barrierefrei.alt_text(bild, DIAGRAMME[name].alt_text(t, tabellen_nummern(t)))
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    cap = doc.add_paragraph(style="Caption")
    cap.add_run(f"Abbildung {nr}: {unterschrift}")


def _font(style, name: str) -> None:
    """Set a style's font for every script: the theme attributes of Word's built-in heading
    styles would otherwise win over ``font.name`` (Calibri Light headings in an Arial document)."""
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
    """Why sources with a later Datenstand are reported to an earlier Stichtag (docs/kennzahlen.md)."""
    if settings.stichtag is None:
        return ("Der Stichtag ist der älteste Datenstand der verwendeten Quellen: Nur bis zu diesem Tag liegen Angaben "
                "aller Partner vor, daher werden auch Quellen mit einem späteren Datenstand nur bis zum Stichtag ausgewertet.")
    return ("Der Stichtag wurde für diesen Bericht festgelegt; Quellen mit einem späteren Datenstand werden nur bis zum "
            "Stichtag ausgewertet.")


def _page_and_styles(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(2.0)
    for st in ("Normal", "Heading 1", "Heading 2", "Caption"):
        style = doc.styles[st]
        _font(style, FONT)
        style.font.color.rgb = RGBColor(0, 0, 0)
    doc.styles["Normal"].font.size = Pt(11)
    doc.styles["Normal"].paragraph_format.space_after = Pt(6)
    doc.styles["Heading 1"].font.size = Pt(12)
    doc.styles["Heading 1"].paragraph_format.space_before = Pt(14)
    doc.styles["Heading 2"].font.size = Pt(11)
    doc.styles["Caption"].font.size = Pt(9.5)
    doc.styles["Caption"].font.italic = False
    doc.styles["Caption"].font.bold = True


def _header(doc, stichtag: str) -> None:
    """Draft mark, title, the note on the figures and the proposed resolution."""
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


def _erlaeuterungen(doc, t: Tabellen, settings: Settings, charts: dict[str, Path], texte: dict[str, str], stichtag: str) -> None:
    doc.add_heading("Erläuterungen und Begründungen:", level=1)
    start = formats.datum(settings.programmstart)
    doc.add_paragraph(
        "Das Projekt \u201e3-Phasen-Modell \u2013 Integration in den Arbeitsmarkt\u201c bringt geflüchtete Menschen in drei "
        "aufeinanderfolgenden Phasen in Arbeit: Fähigkeiten und Potenziale werden erkannt (Phase 1), gefördert (Phase 2) "
        f"und die Teilnehmenden in geeignete berufliche Positionen integriert (Phase 3). Das Projekt ist am {start} "
        f"gestartet; dieser Bericht beschreibt den Stand zum Stichtag {stichtag}."
    )
    for absatz in (satz_veraenderung(t), satz_teilnehmende(t), satz_vermittlungen(t, settings), satz_sprache(t)):
        if absatz:
            doc.add_paragraph(absatz)
    mentoring = texte.get("mentoring")
    if mentoring and textbaustein_zulaessig(mentoring, t, settings):
        doc.add_paragraph(mentoring)
        if "Budget" not in mentoring:  # the mentoring block usually states the budget itself
            doc.add_paragraph(satz_budget(t))
    else:
        doc.add_paragraph(satz_mentoring(t))
        doc.add_paragraph(satz_budget(t))
    if "phasen" in charts:
        _picture(doc, t, charts, "phasen", "Aktive Teilnehmende nach Phase am Quartalsende", 1)
    doc.add_paragraph("Die Entwicklung im Einzelnen zeigen die Tabellen und Abbildungen der Anlage.")


def _klimarelevanz(doc, t: Tabellen, settings: Settings, texte: dict[str, str]) -> None:
    doc.add_heading("Klimarelevanz:", level=1)
    klima = texte.get("klimarelevanz")
    if klima and textbaustein_zulaessig(klima, t, settings):
        doc.add_paragraph("Kohlendioxidemissionen werden durch den mobilen Einsatz der ehrenamtlichen Mentor*innen verursacht. " + klima)
    else:
        doc.add_paragraph(satz_klima(t))


def _hinweise(doc, t: Tabellen, settings: Settings, stichtag: str) -> None:
    doc.add_heading("Hinweise zu den Zahlen:", level=1)
    for text in (
        f"Stichtag: {stichtag}. {stichtag_erklaerung(settings)} Bestände (Teilnehmende, Phasen, Mentor*innen, Tandems) am "
        "Stichtag bzw. am letzten Tag des Quartals; Bewegungen, Vermittlungen und Kontakte im jeweiligen Zeitraum.",
        "Datenstand der verwendeten Quellen: "
        + "; ".join(f"{r['quelle']}: {r['datenstand']}" for r in t.frames["datenbasis"].iter_rows(named=True)) + ".",
        bt.BA_VERGLEICH_HINWEIS,
        BA_FUSSNOTE,
        ZEICHENERKLAERUNG,
    ):
        q = doc.add_paragraph()
        q.add_run(text).font.size = Pt(9)


def _anlage(doc, t: Tabellen, charts: dict[str, Path]) -> None:
    # The annex in landscape: the quarterly tables have up to ten columns.
    anlage = doc.add_section(WD_SECTION.NEW_PAGE)
    anlage.orientation = WD_ORIENT.LANDSCAPE
    anlage.page_width, anlage.page_height = Cm(29.7), Cm(21.0)
    anlage.left_margin = anlage.right_margin = Cm(2.0)
    verfuegbar = 29.7 - 4.0
    doc.add_heading("Anlage: Tabellen und Abbildungen", level=1)
    abb = 1
    nach_tabelle = {"vermittlungen": ("vermittlungen", "Vermittlungen nach Art und Minijobs"),
                    "mentoring_quartale": ("zuschuss", "Ehrenamtszuschuss: Auszahlungen, Budget und Prognose"),
                    "merkmale": ("merkmale", "Teilnehmende nach Geschlecht, Alter und Aufenthaltsstatus")}
    for nr, name in enumerate(docx_tabellen(t), 1):
        _docx_tabelle(doc, t, name, nr, verfuegbar)
        if name in nach_tabelle and nach_tabelle[name][0] in charts:
            abb += 1
            _picture(doc, t, charts, nach_tabelle[name][0], nach_tabelle[name][1], abb)


def write_docx(t: Tabellen, settings: Settings, charts: dict[str, Path], texte: dict[str, str], path: Path) -> None:
    doc = Document()
    _page_and_styles(doc)
    stichtag = formats.datum(t.stichtag)
    _header(doc, stichtag)
    _erlaeuterungen(doc, t, settings, charts, texte, stichtag)
    _klimarelevanz(doc, t, settings, texte)
    _hinweise(doc, t, settings, stichtag)
    _anlage(doc, t, charts)
    docx_barrierefrei.deutsch(doc)
    docx_barrierefrei.eigenschaften(
        doc, titel=f"Sachstand 3-Phasen-Modell, Stichtag {stichtag}", amt=settings.amt,
        betreff=f"Mitteilungsvorlage: Sachstandsbericht zum 3-Phasen-Modell (Integration in den Arbeitsmarkt) zum Stichtag {stichtag}",
        jetzt=datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0))
    doc.save(str(path))
