"""Accessible and print-ready council files (issue 18, kennzahlen.md version 2, docs/bericht.md
"Barrierefreiheit"): the DOCX draft in German with its own properties, headings in order, tables
with captions and header rows, an alternative text with the key numbers on every chart; every XLSX
sheet on A4 one page wide; the release's tagged PDF/UA-1; the budget forecast within its horizon.

The DOCX and XLSX come from the module fixture ``bericht_dateien`` of tests/test_bericht_outputs.py
(a warehouse with kennzahlen of 40 participants); the PDF from one release of the demo inbox, run
in-process (the console script would run the main checkout's code).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assets.metrics.budget import horizont_ende, jenseits_horizont, reicht_laenger_text
from assets.report import alt_texte
from assets.report.bericht_tables.budget_forecast import Prognose, _reihe, prognose_text
from assets.report.bericht_tables import INSGESAMT
from assets.report.disclosure import GESPERRT, NICHTS
from conftest import assert_staged, run, settings_for
from sources import formats
from test_bericht_outputs import STICHTAG, bericht_dateien  # noqa: F401  (the module fixture)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
# a sentence ends with . ! ? after a non-digit ('3. Quartal', '30.09.2025' are no ends)
SATZENDE = re.compile(r"(?<!\d)[.!?](?:\s|$)")


# --- the forecast horizon (pure rules) ---------------------------------------------------------

def test_forecast_month_beyond_the_horizon_is_not_printed():
    stichtag = date(2025, 9, 30)
    assert horizont_ende(stichtag, 24) == date(2027, 9, 1)
    assert not jenseits_horizont(stichtag, date(2027, 9, 1), "prognose", 24)
    assert jenseits_horizont(stichtag, date(2027, 10, 1), "prognose", 24)
    assert not jenseits_horizont(stichtag, date(2025, 9, 1), "erschoepft", 24)
    assert reicht_laenger_text(24) == "länger als zwei Jahre" and reicht_laenger_text(18) == "länger als 18 Monate"
    # 20 years of tiny spending: the council reads the horizon; the exact month stays in the Prognose
    weit = Prognose(100.0, 9_900.0, 40.0, date(2046, 3, 1), "prognose", (), (), True, 24)
    assert prognose_text(weit) == "länger als zwei Jahre" and weit.erschoepft_im == date(2046, 3, 1)
    nah = Prognose(9_000.0, 1_000.0, 400.0, date(2026, 3, 1), "prognose", (), (), False, 24)
    assert prognose_text(nah) == formats.monat_jahr(date(2026, 3, 1)) == "März 2026"
    # the chart's forecast line stops at the horizon instead of running for decades
    reihe = _reihe(stichtag, 100.0, 40.0, True, 40.0, 10_000.0, horizont_ende(stichtag, 24))
    assert reihe[-1][0] == date(2027, 9, 30) and len(reihe) == 25
    assert reihe[-1][1] == pytest.approx(100.0 + 24 * 40.0)


def test_the_draft_says_the_budget_lasts_longer_than_the_horizon(bericht_dateien):
    """The fixture's budget (125 EUR a month, 8.058 EUR left) lasts until 2031: the draft says so
    in words; kennzahlen.zuschuss_budget keeps the exact month for the analysts."""
    import docx

    con, settings, paths = bericht_dateien
    monat, status = con.execute("SELECT prognose_erschoepft_monat, prognose_status FROM kennzahlen.zuschuss_budget "
                                "WHERE monat <= ? ORDER BY monat DESC LIMIT 1", [STICHTAG]).fetchone()
    assert status == "prognose" and monat > horizont_ende(STICHTAG, settings.prognose_horizont_monate)
    ue = dict(con.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    assert ue["Budget reicht voraussichtlich bis"] == "länger als zwei Jahre"
    text = "\n".join(p.text for p in docx.Document(str(_datei(paths, ".docx"))).paragraphs)
    assert "Das Budget reicht bei gleicher Inanspruchnahme noch länger als zwei Jahre." in text
    assert formats.monat_jahr(monat) not in text and str(monat.year) not in text


# --- the DOCX draft ----------------------------------------------------------------------------

def _datei(paths: list[Path], suffix: str, start: str = "") -> Path:
    return next(p for p in paths if p.suffix == suffix and p.name.startswith(start))


def test_docx_is_german_in_defaults_styles_and_every_run(bericht_dateien):
    _, _, paths = bericht_dateien
    with zipfile.ZipFile(_datei(paths, ".docx")) as z:
        dokument, stile, einstellungen = (z.read(n).decode() for n in ("word/document.xml", "word/styles.xml", "word/settings.xml"))
        teile = z.namelist()
        alles = "".join(z.read(n).decode("utf-8", "replace") for n in teile if n.endswith(".xml"))
    # nothing of the template in another language: Word 2010's copy of the styles and the empty
    # bibliography of python-docx's template are not in the package
    assert "word/stylesWithEffects.xml" not in teile and not any(n.startswith("customXml/") for n in teile)
    assert "en-US" not in alles
    import lxml.etree as et

    body = et.fromstring(dokument.encode())
    runs = list(body.iter(f"{W}r"))
    assert runs and all(r.find(f"{W}rPr/{W}lang").get(f"{W}val") == "de-DE" for r in runs)
    defaults = et.fromstring(stile.encode()).find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert defaults.get(f"{W}val") == "de-DE"
    # no other language anywhere: styles, runs, the theme's font language
    sprachen = set(re.findall(r'w:(?:val|eastAsia|bidi)="([a-z]{2}-[A-Z]{2})"', dokument + stile + einstellungen))
    assert sprachen == {"de-DE"}


def test_docx_properties_are_this_run_and_nothing_of_the_template(bericht_dateien):
    import docx

    _, settings, paths = bericht_dateien
    pfad = _datei(paths, ".docx")
    cp = docx.Document(str(pfad)).core_properties
    assert cp.title == f"Sachstand 3-Phasen-Modell, Stichtag {formats.datum(STICHTAG)}"
    assert "Sachstandsbericht" in cp.subject and formats.datum(STICHTAG) in cp.subject
    assert cp.author == cp.last_modified_by == settings.amt == "Stadt Hilden, Amt für Soziales"
    geschrieben = datetime.fromtimestamp(pfad.stat().st_mtime, timezone.utc).replace(tzinfo=None)
    for zeit in (cp.created, cp.modified):  # python-docx reads them back as UTC
        assert abs(zeit.replace(tzinfo=None) - geschrieben) < timedelta(minutes=5)
    assert cp.comments == "" and cp.keywords == "" and cp.language == "de-DE"
    with zipfile.ZipFile(pfad) as z:
        assert not [n for n in z.namelist() if "thumbnail" in n]
        app = z.read("docProps/app.xml").decode()
        rels = z.read("_rels/.rels").decode()
    assert "thumbnail" not in rels and "Microsoft" not in app and "Normal.dotm" not in app
    assert "<Company>Stadt Hilden, Amt für Soziales</Company>" in app


def test_docx_headings_in_order_tables_with_caption_and_header_row(bericht_dateien):
    import docx

    from assets.report.docx_draft import docx_tabellen
    from assets.report.published_tables import lesen

    con, settings, paths = bericht_dateien
    doc = docx.Document(str(_datei(paths, ".docx")))
    ebenen = [int(p.style.name.split()[-1]) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ebenen and ebenen[0] == 1 and all(b <= a + 1 for a, b in zip(ebenen, ebenen[1:]))
    t = lesen(con, settings, STICHTAG)
    body = list(doc.element.body)
    tabellen = [e for e in body if e.tag == f"{W}tbl"]
    assert len(tabellen) == len(docx_tabellen(t))
    for nr, (tbl, name) in enumerate(zip(tabellen, docx_tabellen(t)), 1):
        davor = body[body.index(tbl) - 1]
        stil = davor.find(f"{W}pPr/{W}pStyle").get(f"{W}val")
        text = "".join(x.text or "" for x in davor.iter(f"{W}t"))
        assert stil == "Caption" and text.startswith(f"Tabelle {nr}: {t.specs[name].titel}"), (stil, text)
        kopf = tbl.find(f"{W}tr/{W}trPr/{W}tblHeader")
        assert kopf is not None and kopf.get(f"{W}val") == "true"


def _alt_texte(pfad: Path) -> list[str]:
    import docx

    doc = docx.Document(str(pfad))
    return [shape._inline.docPr.get("descr") or "" for shape in doc.inline_shapes]


def test_every_chart_has_an_alternative_text_with_its_numbers_and_table(bericht_dateien):
    """Every picture in the draft: one or two German sentences with the key numbers as the
    tables print them, naming the annex table with the same numbers by its caption."""
    import docx

    from assets.report.charts import BREITE_CM, DIAGRAMME

    con, _, paths = bericht_dateien
    pfad = _datei(paths, ".docx")
    doc = docx.Document(str(pfad))
    texte = _alt_texte(pfad)
    bilder = [p for p in paths if p.name.startswith("diagramm_")]
    assert len(texte) == len(bilder) == len(DIAGRAMME) and all(t.strip() for t in texte)
    assert all(abs(s.width.cm - BREITE_CM) < 0.01 for s in doc.inline_shapes)  # printed at the width the fonts are sized for
    captions = {m.group(2): m.group(1) for p in doc.paragraphs if (m := re.match(r"Tabelle (\d+): (.+)", p.text))}
    for text in texte:
        assert 1 <= len(SATZENDE.findall(text)) <= 2, text
        verweise = re.findall(r"Tabelle (\d+) \u201e([^\u201c]+)\u201c", text)
        assert verweise and all(captions.get(titel) == nr for nr, titel in verweise), (text, captions)
        # no count of 1 or 2 (dates, quarter names, table numbers and phase names aside)
        rest = re.sub(r"\d{2}\.\d{2}\.\d{4}|\d\. Quartal \d{4}|Tabelle \d+|Phase \d", " ", text)
        assert not [x for x in re.findall(r"\d[\d.,]*\d|\d", rest) if x in ("1", "2")], text
    phasen, vermittlungen, zuschuss = (next(t for t in texte if t.startswith(a)) for a in ("Balkendiagramm der aktiven", "Balkendiagramm der Vermittlungen", "Liniendiagramm"))
    letzte = con.execute("SELECT stand_am, phase_1, phase_2, phase_3 FROM bericht.phasen_quartale ORDER BY rowid DESC LIMIT 1").fetchone()
    assert f"am {letzte[0]} sind " in phasen
    for i, wert in enumerate(letzte[1:], 1):
        assert (f"{wert} Personen in Phase {i}" in phasen) == (wert != GESPERRT), (wert, phasen)
    ue = dict(con.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    for k in ("Budget (Unternehmensspende)", "ausgezahlt seit Projektbeginn", "Restbudget"):
        assert ue[k] != GESPERRT and f"{ue[k]} EUR" in zuschuss
    assert "länger als zwei Jahre" in zuschuss
    jahre = con.execute("SELECT zeitraum, insgesamt, minijobs FROM bericht.vermittlungen").fetchall()
    ins = next(r for r in jahre if r[0] == INSGESAMT)
    assert f"insgesamt {ins[1]} Vermittlungen" in vermittlungen
    gesperrt = any(GESPERRT in r for r in jahre)
    assert (alt_texte.GEHEIM in vermittlungen) == gesperrt
    merkmale = next(t for t in texte if t.startswith("Balkendiagramm der Teilnehmenden seit Projektbeginn"))
    zeilen = con.execute("SELECT merkmal, auspraegung, teilnehmende_gesamt FROM bericht.merkmale").fetchall()
    for merkmal, auspraegung, n in zeilen:
        gezeigt = merkmal in alt_texte.MERKMALE_IM_DIAGRAMM and n not in (GESPERRT, NICHTS)
        if merkmal != "Altersgruppe":
            assert (f"{auspraegung} {n}" in merkmale) == gezeigt, (auspraegung, n, merkmale)
    assert "Jahre" in merkmale and "–" not in merkmale  # age bands read as words ('25 bis 34 Jahre')
    assert (alt_texte.GEHEIM in merkmale) == any(n == GESPERRT for m, _, n in zeilen if m in alt_texte.MERKMALE_IM_DIAGRAMM)


def test_chart_text_is_at_least_9_pt_at_its_printed_size(bericht_dateien, tmp_path):
    from matplotlib.text import Text

    from assets.report import charts
    from assets.report.published_tables import lesen

    con, settings, _ = bericht_dateien
    t = lesen(con, settings, STICHTAG)
    k = charts.Kontext(None, settings.budget_eur)
    for name, d in charts.DIAGRAMME.items():
        fig = d.zeichnen(t, k, tmp_path / f"{name}.png")
        assert fig.get_figwidth() * 2.54 == pytest.approx(charts.BREITE_CM)
        groessen = [x.get_fontsize() for x in fig.findobj(Text) if x.get_visible() and x.get_text().strip()]
        assert groessen and min(groessen) >= 9.0, (name, min(groessen))


# --- the XLSX ----------------------------------------------------------------------------------

def test_every_xlsx_sheet_prints_on_a4_one_page_wide_with_header_rows(bericht_dateien):
    import openpyxl

    _, _, paths = bericht_dateien
    wb = openpyxl.load_workbook(_datei(paths, ".xlsx"))
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ps.fitToWidth or 1, ps.fitToHeight) == (1, 0), ws.title  # fitToWidth 1 is the default: left out
        assert ws.print_title_rows.replace("$", "") == "4:4", ws.title
    links = {c.hyperlink.location for row in wb["Inhalt"].iter_rows() for c in row if c.hyperlink}
    assert links == {f"'{n}'!A1" for n in wb.sheetnames[1:]}


# --- the release's tagged PDF ------------------------------------------------------------------

DEMO_STAND = date(2026, 11, 28)


@pytest.fixture(scope="module")
def freigabe_pdf(tmp_path_factory):
    """The demo inbox (60 participants), one nightly run and its release, in-process."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) ist nicht installiert: das PDF der Freigabe ist nicht prüfbar (.ci/run installiert es)")
    from pipelines.runner import run_release
    from sources.demo import write_demo_inbox

    root = tmp_path_factory.mktemp("freigabe_pdf")
    write_demo_inbox(root / "inbox", teilnehmende=60, seed=11, datenstand=DEMO_STAND)
    heute = DEMO_STAND + timedelta(days=1)
    assert_staged(run(root / "inbox", root / "out", heute))
    summary = run_release(settings_for(root / "inbox", root / "out", heute), None)
    assert summary.success and not summary.refusal, (summary.refusal, summary.failures)
    meta = summary.materialized["freigabe"]
    ordner = Path(meta["ordner"])
    return ordner, meta, next(ordner.glob("sachstand_*.pdf"))


def _struktur(pdf) -> list:
    """The structure elements in reading order (depth first)."""
    import pikepdf

    out = []

    def walk(node) -> None:
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                out.append(kid)
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return out


def test_release_pdf_is_tagged_pdf_ua_in_german_with_alt_texts(freigabe_pdf):
    import docx
    import pikepdf

    ordner, meta, pfad = freigabe_pdf
    assert meta["pdf_hinweis"] == ""
    summen = (ordner / "SHA256SUMS").read_text().splitlines()
    assert any(line.endswith(f"  {pfad.name}") for line in summen)  # written before the checksums, part of them
    assert pfad.stat().st_mode & 0o222 == 0  # frozen like every file of the release
    entwurf = docx.Document(str(ordner / pfad.name.replace(".pdf", ".docx")))
    with pikepdf.open(pfad) as pdf:
        root = pdf.Root
        assert str(root.Lang) == "de-DE"
        assert bool(root.MarkInfo.Marked) and bool(root.ViewerPreferences.DisplayDocTitle)
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"
            assert xmp.get("dc:title") == entwurf.core_properties.title == str(pdf.docinfo["/Title"])
        elemente = _struktur(pdf)
        rolle = {str(k): str(v) for k, v in root.StructTreeRoot.get("/RoleMap", {}).items()}
        typen = [rolle.get(str(e.S), str(e.S)) for e in elemente]
        ueberschriften = [int(t[2:]) for t in typen if re.fullmatch(r"/H\d", t)]
        assert ueberschriften and ueberschriften[0] == 1 and all(b <= a + 1 for a, b in zip(ueberschriften, ueberschriften[1:]))
        assert typen.count("/Table") == len(entwurf.tables) and "/TH" in typen
        figuren = [str(e.get("/Alt", "")) for e, t in zip(elemente, typen) if t == "/Figure"]
        assert figuren == [s._inline.docPr.get("descr") for s in entwurf.inline_shapes]
        assert len(figuren) >= 3 and all(figuren)


def test_without_libreoffice_the_release_says_so_in_one_sentence(bericht_dateien, tmp_path, monkeypatch):
    """The release's PDF step on a machine without LibreOffice (its binary name pointed at one
    that does not exist): no PDF, one German sentence naming the package; nothing raised, so the
    release freezes all other files (assets/report/release.py ``_kopie``)."""
    from assets.report import pdf_export, release

    _, settings, paths = bericht_dateien
    shutil.copy2(_datei(paths, ".docx"), tmp_path / _datei(paths, ".docx").name)
    monkeypatch.setattr(pdf_export, "SOFFICE", "soffice-gibt-es-hier-nicht")
    hinweis = release._pdf(settings, STICHTAG, tmp_path)
    assert hinweis and len(SATZENDE.findall(hinweis)) == 1 and hinweis.endswith(".")
    assert "LibreOffice ist nicht installiert" in hinweis and pdf_export.DEBIAN_PAKET in hinweis
    assert not (tmp_path / release.pdf_name(STICHTAG)).exists()
    betrieb = (Path(__file__).parents[1] / "docs" / "betrieb.md").read_text(encoding="utf-8")
    assert pdf_export.DEBIAN_PAKET in betrieb
