"""The model of a report: published cells, hidden remainders, and the linear relations between
them that every reader knows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Mapping

Ref = tuple[str, str, str]  # (tabelle, zeile, spalte)


class Art(StrEnum):
    """Kind of a published number: decides primary suppression, rounding and formatting."""

    ANZAHL = "anzahl"  # count of people, cases, events: primary suppression of 1 and 2
    BETRAG = "betrag"  # amount (hours, km, kg, EUR): suppressed only with its basis
    QUOTE = "quote"  # fraction 0..1, printed as percent; suppressed with numerator/denominator
    MEDIAN = "median"  # median of individual values; suppressed with its number of cases


class GeheimhaltungsFehler(RuntimeError):
    """The suppression could not protect a cell: the report must not be published."""

    def __init__(self, text: str, zelle: "Ref | None" = None) -> None:
        super().__init__(text)
        self.zelle = zelle  # the cell that could not be protected, where one is known


@dataclass(frozen=True)
class Zelle:
    ref: Ref
    wert: float | None
    art: Art
    dezimalen: int = 0
    sichtbar: bool = True  # False: hidden remainder of a "davon" breakdown, never printed
    fest: bool = False  # public anyway (e.g. the budget from the configuration): never suppressed
    # A change between two reports: may be negative, so a reader knows no lower bound of a '*';
    # a change by 1 or 2 of a count is protected like a count of 1 or 2 (docs/bericht.md).
    vorzeichen: bool = False


@dataclass(frozen=True)
class Beziehung:
    """``sum(koeffizient * zelle) == konstante``, known to every reader of the report."""

    terme: tuple[tuple[Ref, int], ...]
    konstante: float = 0.0
    bezeichnung: str = ""

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(r for r, _ in self.terme)


def haelt(b: Beziehung, werte: Mapping[Ref, float | None], toleranz: float = 1e-6) -> bool:
    """Does the relation hold in the data? (Relations that do not are not usable by an attacker.)"""
    s = 0.0
    scale = abs(b.konstante)
    for r, k in b.terme:
        v = werte.get(r)
        if v is None:
            return False
        s += k * v
        scale = max(scale, abs(v))
    return abs(s - b.konstante) <= toleranz * max(1.0, scale) + 1e-9


def vorkommen(gleichungen: Iterable[tuple[Mapping[int, object], object]]) -> dict[int, list[int]]:
    """The positions of the relations each unknown occurs in, for relations over unknowns by
    index (the fast attack's and the integer audit's): what a propagation visits again when the
    unknown's bounds move."""
    rels_of: dict[int, list[int]] = defaultdict(list)
    for n, (koeff, _) in enumerate(gleichungen):
        for i in koeff:
            rels_of[i].append(n)
    return rels_of


def ist_primaer(zelle: Zelle) -> bool:
    """Primary suppression: a count of 1 or 2 (a change of a count: by 1 or 2 either way)."""
    if zelle.art is not Art.ANZAHL or zelle.wert is None:
        return False
    v = int(round(zelle.wert))
    return (abs(v) if zelle.vorzeichen else v) in (1, 2)


def ist_schutzbeduerftig(zelle: Zelle) -> bool:
    """A hidden remainder must not be derivable if it is a small count."""
    return ist_primaer(zelle)
