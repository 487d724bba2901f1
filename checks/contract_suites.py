"""The export contract as Great Expectations suites: one suite per export kind, derived from
``sources.contract`` (there is no second, hand-kept list of rules). This module builds the suites
as data; running them is ``checks/gx_validation.py``, and the verdicts the pipeline acts on (the
load gate, the snapshot in use) are ``checks/contract_records.py``.

What a suite validates: the rows of one snapshot **as they are stored** — typed, pseudonymised,
names dropped, the birth date reduced to year and age band (``ExportKind.stored_columns``). The
same suite runs in two places:

- the **load gate** (``checks.contract_records.gate_outcome``, called from
  ``assets/staging/load.py::process_file``): on the rows about to be loaded, before they are
  written. A failed suite rejects the whole file with a German reason naming the failed
  expectations; the previous valid snapshot stays in use.
- the **asset check on the snapshot in use** (``checks.contract_records.contract_status``, wired
  in ``checks/asset_checks.py``): the rows of ``aktuell.<kind>`` in the warehouse.

Decision on identifier formats: the cleartext patterns of the contract (``TN-`` + digits,
Kundennummer ``962D123456`` ...) are enforced row by row by the triage in ``sources/cells.py``
(from the same ``Col.pattern``; a bad row is quarantined with its line number, which is what the
partner needs). The suite sees identifiers only after pseudonymisation and checks that every
identifier column holds a well-formed keyed pseudonym (24 hex digits): a cleartext identifier can
therefore never pass the gate into the warehouse, and GX never sees a cleartext identifier.

Cost: nothing here imports GX. Building the specs and the suite fingerprint is pure Python, so a
run with no new file does not pay GX's import (``checks/gx_validation.py``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib.metadata import version as _pkg_version
from typing import Any

from sources.cells import MAX_YEAR, MIN_YEAR
from sources.contract import Col, ExportKind
from sources.pseudonym import PSEUDONYM_HEX_CHARS

PSEUDONYM_REGEX = rf"^[0-9a-f]{{{PSEUDONYM_HEX_CHARS}}}$"

# pandas dtypes accepted per stored SQL type (frames go polars -> pandas). Text columns are handed
# to GX as pandas' StringDtype (see to_gx_frame).
TYPE_LISTS: dict[str, list[str]] = {
    "VARCHAR": ["StringDtype"],
    "DATE": ["datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]"],
    "INTEGER": ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"],
    "DOUBLE": ["float32", "float64"],
    "BOOLEAN": ["bool"],
}

# Rule ids of suite expectations (the "regel" part of a name; docs/datenqualitaet.md lists them).
REGELN = ("spalten", "typ", "pflichtwert", "code", "bereich", "pseudonym", "eindeutig", "pflicht_wenn", "reihenfolge", "zuordnung")


@dataclass(frozen=True)
class ErwartungSpec:
    """One expectation, as data. ``name`` is stable and readable: ``<regel>:<Spalte>``."""

    name: str
    regel: str
    gx_type: str  # class name in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    feld: str | None = None  # stored column the rule is about (None: table level)
    spalte: str | None = None  # its header in the contract
    beschreibung: str = ""
    # AND-ed row condition: ("not_null", feld) | ("gt", feld, value) | ("not_in", feld, [values])
    bedingung: tuple[tuple[Any, ...], ...] = ()
    # for pair rules: (later, earlier)
    paar: tuple[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "gx": self.gx_type, "kwargs": self.kwargs, "bedingung": self.bedingung}


def _stored_header(kind: ExportKind, feld: str) -> str:
    for c in kind.columns:
        if c.field == feld:
            return c.header
        if c.type == "birthdate" and feld == "geburtsjahr":
            return f"{c.header} (Jahr)"
        if c.type == "birthdate" and feld == "altersgruppe":
            return f"{c.header} (Altersgruppe)"
    if feld == "tn_id":
        return "TN-Nr (über Zuordnung)"
    return feld


def expectation_specs(kind: ExportKind) -> list[ErwartungSpec]:
    """Every rule of the kind's contract as expectation specs (pure Python, no GX import)."""
    stored = kind.stored_columns()
    fields = [f for f, _, _ in stored]
    specs: list[ErwartungSpec] = [
        ErwartungSpec(
            "spalten:alle", "spalten", "ExpectTableColumnsToMatchSet",
            {"column_set": fields, "exact_match": False},
            beschreibung="Alle gespeicherten Spalten des Vertrags sind vorhanden.",
        )
    ]
    for f, sqltype, _ in stored:
        h = _stored_header(kind, f)
        specs.append(ErwartungSpec(
            f"typ:{h}", "typ", "ExpectColumnValuesToBeInTypeList", {"column": f, "type_list": TYPE_LISTS[sqltype]},
            f, h, f"'{h}' hat den Typ {sqltype}.",
        ))
    for c in kind.columns:
        specs.extend(_column_specs(kind, c))
    if kind.key:
        h = kind.col(kind.key).header
        specs.append(ErwartungSpec(
            f"eindeutig:{h}", "eindeutig", "ExpectColumnValuesToBeUnique", {"column": kind.key}, kind.key, h,
            f"'{h}' ist im Stand eindeutig (Schlüssel).",
        ))
    for r in kind.required_if:
        h, hw = kind.col(r.column).header, kind.col(r.when).header
        cond: list[tuple[Any, ...]] = [("not_null", r.when)]
        if r.when_not:
            cond.append(("not_in", r.when, list(r.when_not)))
        if r.when_gt is not None:
            cond.append(("gt", r.when, r.when_gt))
        specs.append(ErwartungSpec(
            f"pflicht_wenn:{h}", "pflicht_wenn", "ExpectColumnValuesToNotBeNull", {"column": r.column}, r.column, h,
            f"'{h}' ist gesetzt, wenn '{hw}' gesetzt ist.", bedingung=tuple(cond),
        ))
    for nb in kind.not_before:
        hl, he = kind.col(nb.later).header, kind.col(nb.earlier).header
        specs.append(ErwartungSpec(
            f"reihenfolge:{hl}>={he}", "reihenfolge", "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": nb.later, "column_B": nb.earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
            nb.later, hl, f"'{hl}' liegt nicht vor '{he}'.", paar=(nb.later, nb.earlier),
        ))
    for ref in kind.references:
        if ref.mode == "link":
            h = _stored_header(kind, "tn_id")
            specs.append(ErwartungSpec(
                f"zuordnung:{h}", "zuordnung", "ExpectColumnValuesToNotBeNull", {"column": "tn_id"}, "tn_id", h,
                f"Jede Zeile ist über '{kind.col(ref.column).header}' einer teilnehmenden Person zugeordnet.",
            ))
            specs.append(ErwartungSpec(
                f"pseudonym:{h}", "pseudonym", "ExpectColumnValuesToMatchRegex", {"column": "tn_id", "regex": PSEUDONYM_REGEX},
                "tn_id", h, f"'{h}' ist ein Pseudonym ({PSEUDONYM_HEX_CHARS} Hex-Zeichen), keine Klartext-Kennung.",
            ))
    return specs


def _column_specs(kind: ExportKind, c: Col) -> list[ErwartungSpec]:
    out: list[ErwartungSpec] = []
    if c.type == "name":
        return out  # never stored
    if c.type == "birthdate":
        hj, ha = _stored_header(kind, "geburtsjahr"), _stored_header(kind, "altersgruppe")
        if c.required:
            out.append(ErwartungSpec(f"pflichtwert:{hj}", "pflichtwert", "ExpectColumnValuesToNotBeNull", {"column": "geburtsjahr"}, "geburtsjahr", hj, f"'{hj}' ist gesetzt."))
            out.append(ErwartungSpec(f"pflichtwert:{ha}", "pflichtwert", "ExpectColumnValuesToNotBeNull", {"column": "altersgruppe"}, "altersgruppe", ha, f"'{ha}' ist gesetzt."))
        out.append(ErwartungSpec(
            f"bereich:{hj}", "bereich", "ExpectColumnValuesToBeBetween", {"column": "geburtsjahr", "min_value": MIN_YEAR, "max_value": MAX_YEAR},
            "geburtsjahr", hj, f"'{hj}' liegt zwischen {MIN_YEAR} und {MAX_YEAR}.",
        ))
        return out
    h, f = c.header, c.field
    if c.required:
        out.append(ErwartungSpec(f"pflichtwert:{h}", "pflichtwert", "ExpectColumnValuesToNotBeNull", {"column": f}, f, h, f"'{h}' ist gesetzt (Pflichtwert)."))
    if c.codes:
        out.append(ErwartungSpec(
            f"code:{h}", "code", "ExpectColumnValuesToBeInSet", {"column": f, "value_set": list(c.codes)}, f, h,
            f"'{h}' hat einen Wert der Codeliste ({', '.join(c.codes)}).",
        ))
    if c.min is not None or c.max is not None:
        out.append(ErwartungSpec(
            f"bereich:{h}", "bereich", "ExpectColumnValuesToBeBetween", {"column": f, "min_value": c.min, "max_value": c.max}, f, h,
            f"'{h}' liegt im Bereich {'…' if c.min is None else f'{c.min:g}'} bis {'…' if c.max is None else f'{c.max:g}'}.",
        ))
    # Dates: the type expectation only. The triage's year bounds (MIN_YEAR..MAX_YEAR) are a parsing
    # sanity bound, not a contract range, and GX's between on datetime columns costs ~8 s per
    # million rows (measured), more than the rest of a suite together.
    if c.type == "id":
        out.append(ErwartungSpec(
            f"pseudonym:{h}", "pseudonym", "ExpectColumnValuesToMatchRegex", {"column": f, "regex": PSEUDONYM_REGEX}, f, h,
            f"'{h}' ist ein Pseudonym ({PSEUDONYM_HEX_CHARS} Hex-Zeichen), keine Klartext-Kennung.",
        ))
    return out


def suite_fingerprint(kind: ExportKind) -> str:
    """Identifies the suite (its rules and the GX version) without importing GX."""
    payload = json.dumps([s.as_json() for s in expectation_specs(kind)], sort_keys=True, default=str)
    return hashlib.sha256(f"{_pkg_version('great-expectations')}|{payload}".encode()).hexdigest()[:16]
