"""German number and date formats for everything a reader sees (council files, summaries, the
data-quality report). One copy, built on Babel's CLDR data for ``de_DE``.

Rounding is half up on the decimal value a reader sees (8.25 -> '8,3'), not half-even on the
binary one as Python's ``format`` and Babel's default do: the quantized ``Decimal`` is handed to
Babel, which then only groups and places the separators.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, get_month_names
from babel.numbers import format_decimal

LOCALE = "de_DE"

MONATSNAMEN: tuple[str, ...] = tuple(get_month_names("wide", locale=LOCALE)[m] for m in range(1, 13))


def runden(x: float, stellen: int = 0) -> Decimal:
    """``x`` rounded half up to ``stellen`` decimals; never a negative zero."""
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-stellen), rounding=ROUND_HALF_UP)
    return abs(q) if q == 0 else q


def zahl(x: float, stellen: int = 0) -> str:
    """1234.5 -> '1.234,5' (thousands dot, decimal comma, ``stellen`` decimals always shown)."""
    muster = "#,##0" + ("." + "0" * stellen if stellen else "")
    return format_decimal(runden(x, stellen), format=muster, locale=LOCALE)


def anzahl_oder_strich(v: float | None) -> str:
    """A count in an internal summary: '–' when there is none, else '1.417'."""
    return "–" if v is None else zahl(int(v))


def datum(d: date) -> str:
    """31.12.2026"""
    return format_date(d, "dd.MM.yyyy", locale=LOCALE)


def monat_jahr(d: date) -> str:
    """Dezember 2026"""
    return format_date(d, "MMMM y", locale=LOCALE)


# Numbers up to twelve are written in words in running text (Duden); Babel formats numbers, but
# does not spell them out.
ZAHLWORTE = ("null", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf")


def dauer(monate: int) -> str:
    """A span of months in words: 'zwei Jahre', 'ein Jahr', 'sechs Monate', '18 Monate'."""
    n, einheit = (monate // 12, ("Jahr", "Jahre")) if monate % 12 == 0 else (monate, ("Monat", "Monate"))
    wort = ZAHLWORTE[n] if n < len(ZAHLWORTE) else zahl(n)
    return f"{wort} {einheit[0] if n == 1 else einheit[1]}"
