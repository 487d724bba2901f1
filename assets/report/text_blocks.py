"""Text blocks written elsewhere (assets/metrics/mentoring_text.py) and the test whether one may go into
the public DOCX draft: only with figures the bericht tables publish, exactly as they print them."""

from __future__ import annotations

import logging
import re
from datetime import date

import duckdb
import polars as pl

from assets.metrics.budget import REICHT_LAENGER, reicht_laenger
from assets.metrics.mentoring_text import mentoring_textbausteine
from assets.report import bericht_tables as bt
from assets.report.disclosure import GESPERRT, NICHTS, parse_de
from assets.report.published_tables import Tabellen
from sources import formats
from sources.settings import Settings

log = logging.getLogger(__name__)

_DATUM = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")
_MONAT_JAHR = re.compile(r"\b(?:" + "|".join(formats.MONATSNAMEN) + r")\s+\d{4}\b")
_ZAHL = re.compile(r"(?<![\w§])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![\w])(\s*%)?")


def _konfig_stellen(settings: Settings) -> list[re.Pattern]:
    """Where a text block may state a configuration value: only inside the wording that marks it
    as one. A bare number that happens to equal a configuration value (a forecast over 2 months,
    a sustainability check after 1 month) is treated like any other number: as a count, which must
    be a published figure. Otherwise '2 Tandems' would pass whenever some setting is 2."""

    def zahl(v: float, stellen: tuple[int, ...]) -> str:
        formen = sorted({formats.zahl(v, d) for d in stellen}, key=len, reverse=True)
        return "(?:" + "|".join(re.escape(f) for f in formen) + ")"

    eur = r"\s*(?:EUR|€)"
    muster = [
        zahl(settings.stundensatz_eur, (0, 2)) + eur + r"\s+je\s+(?:Kontakt)?[Ss]tunde",
        r"\bBudget\w*\s+(?:in\s+Höhe\s+)?von\s+" + zahl(settings.budget_eur, (0, 2)) + eur,
        r"\bletzten\s+" + zahl(settings.prognose_monate, (0,)) + r"\s+(?:vollständigen\s+|abgeschlossenen\s+)?Monate",
        zahl(settings.nachhaltigkeit_monate, (0,)) + r"\s+Monate\w*\s+nach\b",
        # the forecast horizon ('länger als 18 Monate'; 'zwei Jahre' has no digits)
        r"\blänger\s+als\s+" + zahl(settings.prognose_horizont_monate, (0,)) + r"\s+Monate\b",
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
    if re.search(rf"\b{REICHT_LAENGER}\b", text) and not reicht_laenger(prognose):
        return False  # a forecast beyond the horizon the table does not publish (or withholds)
    rest = _MONAT_JAHR.sub(" ", _DATUM.sub(" ", text))
    rest = re.sub(r"\bPhase\s+\d\b|\b\d-Phasen", " ", rest)
    for muster in _konfig_stellen(settings):
        rest = muster.sub(" ", rest)
    erlaubt = _veroeffentlicht(t)
    for m in _ZAHL.finditer(rest):
        if _zahl_norm(m.group(1) + ("%" if m.group(2) else "")) not in erlaubt:
            return False
    return True


def textbausteine(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict[str, str]:
    """The mentoring metrics' text blocks (``mentoring``, ``klimarelevanz``); none if they fail."""
    try:
        return dict(mentoring_textbausteine(con, settings, stichtag))
    except Exception as exc:  # a text block must never stop the council tables
        log.warning("Textbausteine Mentoring nicht verfügbar: %s", exc)
        return {}
