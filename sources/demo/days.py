"""The programme's calendar as day numbers, and dates as text the way the partners write them.

The generator computes with integer day numbers (days since 1970-01-01), so that a column of dates
is a numpy array; only the last step turns a column into text, by looking each day up in a table
(one strftime per calendar day instead of one per row).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sources.demo.draws import mask

EPOCH = date(1970, 1, 1)
NONE = 10_000_000  # sentinel "no date" (day number far in the future: open end)
PROGRAMME_START = date(2024, 1, 1)
QUALI_WARTEZEIT = (30, 180)  # days from Eintritt to a course or measure (waiting lists, profiling)
_TABLE_START = date(1930, 1, 1)
_TABLE_END = date(2100, 12, 31)


def day_number(x: date) -> int:
    return (x - EPOCH).days


P0 = day_number(PROGRAMME_START)


class Dates:
    """Vectorised date formatting by table lookup (day number -> text)."""

    def __init__(self) -> None:
        days = pl.date_range(_TABLE_START, _TABLE_END, interval="1d", eager=True)
        self.base = day_number(_TABLE_START)
        self.de = days.dt.strftime("%d.%m.%Y")
        self.iso = days.dt.strftime("%Y-%m-%d")
        self.year = days.dt.year().to_numpy().astype(np.int64)
        self.month = days.dt.month().to_numpy().astype(np.int64)
        self.size = len(days)

    def _idx(self, days: np.ndarray, valid: np.ndarray) -> np.ndarray:
        idx = np.where(valid, np.asarray(days, dtype=np.int64) - self.base, 0)
        if len(idx) and (idx.min() < 0 or idx.max() >= self.size):
            raise ValueError("date outside the supported range 1930..2100")
        return idx

    def fmt(self, days: np.ndarray, iso: np.ndarray | None = None) -> pl.Series:
        days = np.asarray(days, dtype=np.int64)
        valid = days != NONE
        idx = self._idx(days, valid)
        s = self.de.gather(idx)
        if iso is not None and iso.any():
            s = pl.select(pl.when(pl.Series(iso)).then(self.iso.gather(idx)).otherwise(s)).to_series()
        return mask(s, valid)

    def year_of(self, days: np.ndarray) -> np.ndarray:
        return self.year[np.asarray(days, dtype=np.int64) - self.base]

    def month_of(self, days: np.ndarray) -> np.ndarray:
        return self.month[np.asarray(days, dtype=np.int64) - self.base]
