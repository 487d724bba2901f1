"""What makes the DOCX draft an accessible council document (BITV NRW, docs/bericht.md
"Barrierefreiheit"): German as the language of the document defaults, of every style and every run
(a screen reader otherwise reads German with English pronunciation), the document properties of
this run instead of those of python-docx's template (its dates, description, thumbnail and the
application that wrote it), and an alternative text on every picture (``wp:docPr/@descr``, which
Word shows as "Alternativtext" and LibreOffice carries into the PDF's ``/Alt``).

python-docx is imported at the top: like docx_draft, this module is imported only when the files
are written.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

SPRACHE = "de-DE"
_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>phasenmonitor</Application><Company>{amt}</Company></Properties>"
)


def _lang(parent) -> None:
    """``w:lang`` de-DE for all scripts on an ``rPr`` element (created if missing)."""
    lang = parent.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        parent.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), SPRACHE)


def deutsch(doc) -> None:
    """German for the document defaults, every style that sets a language, every run, and as the
    theme's font language (Word's spelling and hyphenation follow it)."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    _lang(rpr)
    for lang in styles.iter(qn("w:lang")):
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), SPRACHE)
    for run in doc.element.body.iter(qn("w:r")):
        _lang(run.get_or_add_rPr())
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        for attr in ("w:val", "w:eastAsia"):
            theme_lang.set(qn(attr), SPRACHE)


def eigenschaften(doc, *, titel: str, betreff: str, amt: str, jetzt: datetime) -> None:
    """Title, subject, author (the office) and the time of this run; nothing of the template."""
    cp = doc.core_properties
    cp.title, cp.subject, cp.author, cp.last_modified_by = titel, betreff, amt, amt
    cp.created = cp.modified = jetzt
    cp.language = SPRACHE
    cp.comments = cp.keywords = cp.category = cp.content_status = cp.identifier = cp.version = ""
    cp.revision = 1
    paket = doc.part.package
    for rid, rel in list(paket.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # the template's page image, not this document's
            paket.rels.pop(rid)
        elif rel.reltype == RT.EXTENDED_PROPERTIES:  # "Microsoft Macintosh Word", "Normal.dotm", 1 page
            rel.target_part._blob = _APP_XML.format(amt=escape(amt)).encode("utf-8")
    for rid, rel in list(doc.part.rels.items()):
        # Word 2010's copy of the styles (still en-US) and the template's empty bibliography; a part
        # no relationship reaches is not written (python-docx saves the parts it can walk to)
        if rel.reltype.endswith("/stylesWithEffects") or rel.reltype == RT.CUSTOM_XML:
            doc.part.rels.pop(rid)


def alt_text(inline_shape, text: str) -> None:
    """The picture's alternative text (Word: "Alternativtext", PDF: ``/Alt``)."""
    if not text.strip():
        raise ValueError("Ein Bild im Entwurf braucht einen Alternativtext.")
    inline_shape._inline.docPr.set("descr", text)
