"""Vectorised random draws, and the text columns (polars) built from them.

Each component of a chunk draws whole columns from its own seeded generator
(sources/demo/inbox.py), so the order of the draws inside a function is part of the output:
reordering two calls changes every file.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def between(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int) -> np.ndarray:
    """Uniform integers in [lo, hi] (inclusive, elementwise; hi < lo gives lo)."""
    lo = np.asarray(lo, dtype=np.int64)
    width = np.maximum(np.asarray(hi, dtype=np.int64) - lo + 1, 1)
    return lo + (rng.random(n) * width).astype(np.int64)


def choice(rng: np.random.Generator, p: list[float], n: int) -> np.ndarray:
    p_arr = np.asarray(p, dtype=float)
    return np.searchsorted(np.cumsum(p_arr / p_arr.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def unique_random(rng: np.random.Generator, m: int, k: int) -> np.ndarray:
    """``k`` distinct random integers from [0, m), in random order, without an O(m) table."""
    out = np.empty(0, dtype=np.int64)
    while len(out) < k:
        cand = np.concatenate([out, rng.integers(0, m, size=int((k - len(out)) * 1.3) + 16)])
        _, first = np.unique(cand, return_index=True)
        out = cand[np.sort(first)][:k]
    return out


def pick(values: list[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(values, dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))
    if valid is not None:
        s = mask(s, valid)
    return s


def mask(s: pl.Series, valid: np.ndarray) -> pl.Series:
    """``s`` with null where ``valid`` is False."""
    if valid.all():
        return s
    return pl.select(pl.when(pl.Series(valid, dtype=pl.Boolean)).then(s)).to_series().alias(s.name)


def num(x: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(x, dtype=np.int64)).cast(pl.String)


def prefixed(prefix: str, x: np.ndarray) -> pl.Series:
    return pl.select(pl.concat_str(pl.lit(prefix), num(x))).to_series()


def decimal_tenths(x10: np.ndarray) -> pl.Series:
    """Tenths as German decimal text: 125 -> '12,5', 120 -> '12'."""
    whole, frac = num(x10 // 10), num(x10 % 10)
    return pl.select(
        pl.when(pl.Series(x10 % 10 == 0)).then(whole).otherwise(pl.concat_str(whole, pl.lit(","), frac))
    ).to_series()
