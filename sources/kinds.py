"""All export kinds, in the order they must be parsed (a kind after the kinds it refers to)."""

from __future__ import annotations

from sources import asyl, jobcenter, vhs
from sources.contract import ExportKind

ALL_KINDS: tuple[ExportKind, ...] = asyl.KINDS + jobcenter.KINDS + vhs.KINDS
BY_NAME: dict[str, ExportKind] = {k.name: k for k in ALL_KINDS}


def kind(name: str) -> ExportKind:
    return BY_NAME[name]


# The partner of each source (kind.quelle -> the name every text that leaves the office uses).
PARTNER_NAMEN: dict[str, str] = {m.QUELLE: m.PARTNER for m in (asyl, jobcenter, vhs)}
