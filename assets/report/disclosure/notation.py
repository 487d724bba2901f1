"""The signs of official statistics (as the BA and the statistical offices use them), and the
formatting of a published cell as text and back."""

from __future__ import annotations

import math

from assets.report.disclosure.cells import Art
from sources.formats import runden, zahl

GESPERRT = "*"  # suppressed for confidentiality
NICHTS = "–"  # exactly zero (U+2013 EN DASH, as in BA tables)
NICHT_SINNVOLL = "x"  # cell blocked because a value would not make sense (e.g. rate of 0 cases)

BA_FUSSNOTE = (
    "Aus Gründen der statistischen Geheimhaltung werden Zahlenwerte von 1 oder 2 und Daten, aus "
    "denen rechnerisch auf einen solchen Zahlenwert geschlossen werden kann, anonymisiert (*)."
)
ZEICHENERKLAERUNG = (
    "Zeichenerklärung: * = anonymisiert (statistische Geheimhaltung); – = nichts vorhanden; "
    "0 = mehr als nichts, aber weniger als die Hälfte der kleinsten ausgewiesenen Einheit; "
    "x = Angabe nicht sinnvoll."
)


def format_anzahl(value: float | int | None) -> str:
    if value is None:
        return NICHT_SINNVOLL
    v = int(round(value))
    return NICHTS if v == 0 else zahl(v, 0)


def format_betrag(value: float | None, dezimalen: int = 0) -> str:
    """Amounts: '–' only for exactly nothing; a positive amount that rounds to 0 shows as 0."""
    if value is None:
        return NICHT_SINNVOLL
    if value == 0:
        return NICHTS
    return zahl(value, dezimalen)


def format_quote(value: float | None, dezimalen: int = 1) -> str:
    """A fraction 0..1 as German percent ('66,7 %'); NULL (denominator 0) is 'x'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NICHT_SINNVOLL
    return zahl(value * 100, dezimalen) + " %"


def format_wert(value: float | None, art: Art, dezimalen: int = 0) -> str:
    if art is Art.ANZAHL:
        return format_anzahl(value)
    if art is Art.QUOTE:
        return format_quote(value, dezimalen or 1)
    if art is Art.MEDIAN:
        return NICHT_SINNVOLL if value is None else zahl(value, dezimalen)
    return format_betrag(value, dezimalen)


def wert_wie_gedruckt(value: float | None, art: Art, dezimalen: int = 0) -> int | float | None:
    """The number ``format_wert`` prints, as a number: counts as int, everything else as float
    rounded to the printed decimals the same way (half up); a rate as a fraction 0..1 with the
    precision of the printed percent ('66,7 %' -> 0.667). None where the text is 'x'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if art is Art.ANZAHL:
        return int(round(value))
    if art is Art.QUOTE:
        return float(runden(value * 100, dezimalen or 1) / 100)
    if art is Art.BETRAG and value == 0:
        return 0.0
    return float(runden(value, dezimalen))


def parse_de(text: str | None) -> float | None:
    """Inverse of the formatting for published cells: '1.234,5' -> 1234.5, '–' -> 0.0, '66,7 %' ->
    0.667; None for '*', 'x', empty or non-numeric text (so a chart can never plot a suppressed
    value as a number)."""
    if text is None:
        return None
    t = text.strip()
    if t == NICHTS:
        return 0.0
    if t in (GESPERRT, NICHT_SINNVOLL, ""):
        return None
    pct = t.endswith("%")
    t = t.rstrip("%").strip().replace(".", "").replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v / 100 if pct else v
