"""SQL text the pipeline writes itself.

DuckDB binds no parameters in ``COMMENT ON`` (and in a few catalog statements), so those take
their texts as literals. The texts are this code's constants, dates and the names of its own
schemas; never a value read from an input file (those are always bound parameters).
"""

from __future__ import annotations


def literal(text: str | None) -> str:
    """``text`` as an SQL string literal, quotes doubled; ``None`` as NULL."""
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"
