"""The metric SQL that is long enough to read on its own: one named statement per file, with its
decision comments; parameters are bound (``?`` or ``$name``), never formatted in."""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).parent


def load(name: str) -> str:
    """The text of ``assets/metrics/sql/<name>``."""
    return (SQL_DIR / name).read_text(encoding="utf-8")
