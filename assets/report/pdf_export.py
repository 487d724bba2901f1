"""The release's tagged PDF (PDF/UA-1) of the council draft, converted by LibreOffice headless
(docs/bericht.md "Barrierefreiheit"): the Ratsinformationssystem publishes PDF files, and a PDF
made by hand from the DOCX ("Drucken als PDF") carries no tags, no language and no alternative
texts. LibreOffice's Writer PDF export writes them from the DOCX (headings, tables with header
cells, ``/Alt`` from each picture's alternative text, ``/Lang`` from the document language, the
title as window title) when asked for PDF/UA.

Plain functions, no Dagster: the release (assets/report/release.py) calls :func:`docx_zu_pdf`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

SOFFICE = "soffice"
DEBIAN_PAKET = "libreoffice-writer-nogui"
# writer_pdf_Export's options (LibreOffice 7.2 and later): tagged PDF, PDF/UA-1 identification and
# checks, the document title as the window title.
FILTER_OPTIONEN = {
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "PDFUACompliance": {"type": "boolean", "value": "true"},
    "DisplayPDFDocumentTitle": {"type": "boolean", "value": "true"},
}


class PdfNichtMoeglich(RuntimeError):
    """The PDF could not be written; the message is one German sentence for the user."""


def soffice() -> str | None:
    """The LibreOffice binary on PATH, if installed."""
    return shutil.which(SOFFICE)


def docx_zu_pdf(docx: Path, ziel: Path, zeitlimit_sekunden: int) -> Path:
    """Convert ``docx`` to the tagged PDF ``ziel``; raises :class:`PdfNichtMoeglich`.

    LibreOffice runs with a profile of its own in a scratch folder (a second conversion at the
    same time, or a desktop LibreOffice of the same user, would otherwise share the profile's
    lock and fail), and within a time limit (a hanging conversion must not hold the release).
    """
    programm = soffice()
    if programm is None:
        raise PdfNichtMoeglich(
            f"LibreOffice ist nicht installiert, daher enthält diese Freigabe kein PDF, alle übrigen Dateien sind "
            f"freigegeben (für künftige Freigaben das Paket {DEBIAN_PAKET} installieren, docs/betrieb.md).")
    with tempfile.TemporaryDirectory(prefix="phasenmonitor-pdf-") as tmp:
        profil, ausgabe = Path(tmp) / "profil", Path(tmp) / "pdf"
        filter_ = "pdf:writer_pdf_Export:" + json.dumps(FILTER_OPTIONEN)
        cmd = [programm, "--headless", "--norestore", f"-env:UserInstallation={profil.as_uri()}",
               "--convert-to", filter_, "--outdir", str(ausgabe), str(docx)]
        # its own process group: on a timeout the whole LibreOffice it started is ended, not only the launcher
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            proc.communicate(timeout=zeitlimit_sekunden)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfNichtMoeglich(
                f"LibreOffice hat das PDF nicht innerhalb von {zeitlimit_sekunden} Sekunden erstellt, daher enthält die "
                "Freigabe kein PDF (Einstellung pdf_zeitlimit_sekunden).") from None
        pdf = ausgabe / (docx.stem + ".pdf")
        if proc.returncode != 0 or not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            raise PdfNichtMoeglich(
                f"LibreOffice konnte {docx.name} nicht in ein PDF umwandeln (Rückgabewert {proc.returncode}), daher enthält "
                "die Freigabe kein PDF.")
        shutil.move(str(pdf), ziel)
    return ziel
