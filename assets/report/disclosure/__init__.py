"""Statistical confidentiality (Geheimhaltung) for everything that leaves the office.

The Bundesagentur für Arbeit's rule (docs/bericht.md, "Statistical confidentiality"):

- a count of 1 or 2 is shown as ``*`` (primary suppression);
- so is every figure from which such a count can be worked out: totals of rows and columns,
  "davon" breakdowns whose remainder is small, the same figure in another table of the report,
  and differences between tables (secondary suppression);
- a rate, median or amount built on a suppressed count is suppressed too;
- 0 is shown as ``–``.

How it works, in one place so that every output (bericht tables, CSV, XLSX, DOCX, charts) uses
the same decisions:

1. A report is a set of *cells* (one per published number; ``Ref = (tabelle, zeile, spalte)``)
   plus *hidden cells* (remainders of "davon" breakdowns that are not printed but follow from
   two printed numbers, e.g. "registered but not active mentors"), and a set of linear
   *relations* between them (``sum(coef * cell) == constant``): row and column totals, "davon"
   breakdowns, the same figure in two tables, stock-flow identities (``cells``; collected from
   polars frames by ``tables.Geheimhaltung``).
2. Counts of 1 or 2 are suppressed (primary); dependent cells follow their basis.
3. An *attacker* computes what can be worked out from the printed numbers: exact Gaussian
   elimination over the rationals (a cell is determined if it is a linear combination of the
   relations' right-hand sides) plus interval propagation that uses what the attacker knows about
   a ``*``: it is a whole number of at least 1 (0 would be printed as ``–``) (``attack.angriff``,
   fast); then, for every protected count it left open, a complete integer search for another
   solution of all count relations with that cell changed (``integer_audit.ganzzahlig_bestimmt``):
   if there is none, the cell is determined.
4. While the attacker can determine any suppressed cell, or a hidden remainder of 1 or 2, the
   next smallest printed non-zero cell of a relation that exposes it is suppressed as well (the
   BA's "next smallest" rule), and the attack is repeated (``suppression.sperren``). Every
   iteration suppresses one more cell, so the loop ends; the result is checked by the same
   attacker before it is returned. The attacker's results are kept per connected component of
   unknown cells (``merker``): a round attacks again only what the new '*' changed.

Relations that a caller declares but that do not hold in the data (e.g. entries before the
programme start make "sum of Eintritte = Teilnehmende gesamt" false) are dropped: an attacker
using them would compute wrong values, so they cannot disclose anything.

Everything here is pure: polars frames and Python values in, polars frames of text out. This
package's namespace is its public API; ``notation`` holds the signs and the text formats.
"""

from __future__ import annotations

from assets.report.disclosure.attack import angriff
from assets.report.disclosure.cells import Art, Beziehung, Ref, Zelle
from assets.report.disclosure.notation import (
    BA_FUSSNOTE,
    GESPERRT,
    NICHT_SINNVOLL,
    NICHTS,
    ZEICHENERKLAERUNG,
    format_anzahl,
    format_betrag,
    format_quote,
    format_wert,
    parse_de,
    wert_wie_gedruckt,
)
from assets.report.disclosure.suppression import sperren
from assets.report.disclosure.tables import Aufbau, Bericht, Geheimhaltung

__all__ = [
    "BA_FUSSNOTE",
    "GESPERRT",
    "NICHT_SINNVOLL",
    "NICHTS",
    "ZEICHENERKLAERUNG",
    "Art",
    "Aufbau",
    "Bericht",
    "Beziehung",
    "Geheimhaltung",
    "Ref",
    "Zelle",
    "angriff",
    "format_anzahl",
    "format_betrag",
    "format_quote",
    "format_wert",
    "parse_de",
    "sperren",
    "wert_wie_gedruckt",
]
