"""A head start for the council files: their libraries load while the run waits for GX.

Kept apart from the format modules that import these libraries at their top
(assets/report/charts.py, docx_draft.py, xlsx_file.py) so that the raw layer, which starts it,
does not import the report layer.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def preload_report_libraries() -> threading.Thread:
    """Import the libraries of the council files (matplotlib with its font cache, python-docx,
    xlsxwriter) in a background thread.

    The raw step calls this when there are new files: the run then spends seconds waiting for
    the GX helper's verdict on the first file, with the interpreter idle; the imports fill that
    wait instead of adding ~0.6 s to the report step. Imports are thread-safe; if the report step
    comes first, it simply waits for the module being imported.
    """

    def load() -> None:
        try:  # imported here, in the thread: that is the head start
            import docx  # noqa: F401
            import matplotlib.dates  # noqa: F401
            import matplotlib.patches  # noqa: F401
            import matplotlib.ticker  # noqa: F401
            import xlsxwriter  # noqa: F401
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            fig = Figure(figsize=(1, 1))
            FigureCanvasAgg(fig)
            fig.text(0.5, 0.5, "Ä")  # loads the font cache and the glyph renderer
            fig.canvas.draw()
        except Exception:  # only a head start: the report step imports (and fails) by itself
            log.debug("Vorladen der Berichtsbibliotheken fehlgeschlagen", exc_info=True)

    t = threading.Thread(target=load, name="bericht-preload", daemon=True)
    t.start()
    return t
