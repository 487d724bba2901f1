"""Injected mistakes: the usual errors of real exports, planted at row level into a file's frame.

The package docstring (sources/demo/__init__.py) lists the kinds and how often they occur; the
pipeline's row triage that must find them: docs/datenvertrag.md.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import polars as pl

MISTAKE_RATE = 0.004  # share of a file's rows with an injected mistake
MISTAKE_MIN_ROWS = 8  # files with fewer rows get no forced mistake

_BAD_DATES = [
    "31.02.2024", "30.02.2025", "31.04.2024", "31.06.2025", "31.09.2024", "31.11.2024",
    "29.02.2025", "00.03.2024", "15.13.2024",
]


class Spec:
    """One kind of injected mistake: ``mode`` is set (a bad value), null, dupkey or dupline.

    ``on_added``: a set/null mistake that goes into the rows an earlier dupkey/dupline spec of the
    same call appended, as far as there are such rows (a record entered a second time, incompletely),
    so that it does not make one more row invalid; the rest goes into rows of the frame."""

    def __init__(
        self, kind: str, mode: str, columns: list[str], values: list[str] | Callable[..., list[str]] | None = None,
        on_added: bool = False,
    ):
        self.kind, self.mode, self.columns, self.values = kind, mode, columns, values
        self.on_added = on_added


def inject(
    df: pl.DataFrame, rng: np.random.Generator, specs: list[Spec], counts: dict[str, int],
    first: bool, eligible: np.ndarray | None = None, cost: np.ndarray | None = None,
) -> pl.DataFrame:
    """Inject the mistakes ``specs`` into the string frame ``df`` (counted into ``counts``).

    Mistakes go only into rows where ``eligible`` is True. ``cost`` (per row: how many rows of
    other files refer to it, and are therefore quarantined with it) makes the cheapest rows the
    victims, at random among equal cost; for a dupkey mistake that is the row whose key is
    repeated. Without ``cost`` the victims are drawn uniformly."""
    rows = df.height
    for spec in specs:
        counts.setdefault(spec.kind, 0)
    if rows == 0:
        return df
    ks, on_added = _plan(rng, specs, rows, first)
    pool = np.arange(rows) if eligible is None else np.flatnonzero(eligible)
    total = min(sum(ks) - sum(on_added), len(pool))
    if total + sum(on_added) == 0:
        return df
    if cost is None:
        sel = rng.choice(pool, size=total, replace=False)
    else:
        perm = rng.permutation(pool)
        sel = perm[np.argsort(np.asarray(cost)[perm], kind="stable")[:total]]
    cols = {c: df[c].clone() for c in df.columns}
    extra: list[tuple[int, dict[str, Any]]] = []  # (position key, row)
    n_used = 0  # appended rows that already carry an on_added mistake
    start = 0
    for spec, k, use in zip(specs, ks, on_added):
        part = np.sort(sel[start : start + k - use])
        start += k - use
        if use:
            counts[spec.kind] += use
            _into_added_rows(spec, rng, extra[n_used : n_used + use])
            n_used += use
        if len(part) == 0:
            continue
        counts[spec.kind] += len(part)
        _into_frame(spec, rng, part, cols, extra, rows)
    return _with_added_rows(pl.DataFrame(cols), extra, rows)


def _plan(rng: np.random.Generator, specs: list[Spec], rows: int, first: bool) -> tuple[list[int], list[int]]:
    """How many mistakes of each spec, and how many of those go into appended rows (on_added)."""
    ks = [int(rng.binomial(rows, MISTAKE_RATE / len(specs))) for _ in specs]
    if first and rows >= MISTAKE_MIN_ROWS:
        ks = [max(k, 1) for k in ks]
    cap = rows // 5
    while sum(ks) > cap:
        ks[int(np.argmax(ks))] -= 1
    on_added, added = [], 0
    for spec, k in zip(specs, ks):
        use = min(k, added) if spec.on_added and spec.mode in ("set", "null") else 0
        on_added.append(use)
        added -= use
        if spec.mode in ("dupkey", "dupline"):
            added += k
    return ks, on_added


def _into_added_rows(spec: Spec, rng: np.random.Generator, added: list[tuple[int, dict[str, Any]]]) -> None:
    """A set/null mistake of ``spec`` in each of the appended rows ``added`` (changed in place)."""
    for _, row in added:
        col = spec.columns[int(rng.integers(0, len(spec.columns)))]
        row[col] = None if spec.mode == "null" else _bad_values(spec, rng, 1)[0]


def _into_frame(
    spec: Spec, rng: np.random.Generator, part: np.ndarray, cols: dict[str, pl.Series],
    extra: list[tuple[int, dict[str, Any]]], rows: int,
) -> None:
    """The mistake ``spec`` in the rows ``part`` of ``rows``: changes ``cols``, or appends to ``extra``."""
    if spec.mode in ("set", "null"):
        which = rng.integers(0, len(spec.columns), len(part))
        for ci, col in enumerate(spec.columns):
            idx = part[which == ci]
            if len(idx) == 0:
                continue
            if spec.mode == "null":
                cols[col] = cols[col].scatter(idx, None)
            else:
                cols[col] = cols[col].scatter(idx, pl.Series(_bad_values(spec, rng, len(idx)), dtype=pl.String))
    elif spec.mode == "dupkey":  # a second, different row carrying an existing key
        key = spec.columns[0]
        other = rng.integers(0, rows - 1, len(part))
        other = other + (other >= part)
        for r, s in zip(part.tolist(), other.tolist()):
            row = {c: cols[c][s] for c in cols}
            row[key] = cols[key][r]
            extra.append((2 * s + 1, row))
    elif spec.mode == "dupline":  # the same line saved twice
        for r in part.tolist():
            extra.append((2 * r + 1, {c: cols[c][r] for c in cols}))
    else:  # pragma: no cover
        raise ValueError(spec.mode)


def _with_added_rows(out: pl.DataFrame, extra: list[tuple[int, dict[str, Any]]], rows: int) -> pl.DataFrame:
    """``out`` with the appended rows ``extra`` placed right after the row each one copies."""
    if not extra:
        return out
    extra.sort(key=lambda t: t[0])
    add = pl.DataFrame([r for _, r in extra], schema=out.schema, orient="row")
    pos = np.concatenate([np.arange(rows) * 2, np.array([p for p, _ in extra])])
    return (
        pl.concat([out, add])
        .with_columns(pl.Series("_pos", pos))
        .sort("_pos", maintain_order=True)
        .drop("_pos")
    )


def _bad_values(spec: Spec, rng: np.random.Generator, k: int) -> list[str]:
    if callable(spec.values):
        return spec.values(rng, k)
    return [spec.values[j] for j in rng.integers(0, len(spec.values), k)]


def bad_dates(rng: np.random.Generator, k: int) -> list[str]:
    return [_BAD_DATES[j] for j in rng.integers(0, len(_BAD_DATES), k)]
