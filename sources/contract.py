"""The export contract as data.

The input contract (docs/datenvertrag.md) is written down here exactly once, as one
:class:`ExportKind` per export. Everything else is derived from it: the row triage
(sources/triage.py, sources/cells.py), the warehouse's staging
tables (assets/staging/schema.py) and the Great Expectations suites (checks/). A renamed column
is an alias here or in the configuration, never a code change elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColType = Literal["text", "id", "name", "birthdate", "date", "int", "decimal", "percent", "code", "flag"]

# SQL type of a stored column, by contract type.
SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "id": "VARCHAR",
    "date": "DATE",
    "int": "INTEGER",
    "decimal": "DOUBLE",
    "percent": "DOUBLE",
    "code": "VARCHAR",
    "flag": "BOOLEAN",
}


@dataclass(frozen=True)
class Col:
    """One column of an export.

    ``type`` decides parsing: ``id`` values are replaced by a keyed pseudonym (``domain`` keeps the
    ID spaces apart and lets the same Kundennummer from two partners link), ``name`` columns are
    checked for presence and then dropped, ``birthdate`` is reduced to year and age band.
    """

    header: str
    field: str
    type: ColType
    required: bool = False
    codes: tuple[str, ...] = ()
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    domain: str | None = None
    default: str | None = None
    aliases: tuple[str, ...] = ()
    meaning: str = ""

    @property
    def stored(self) -> bool:
        return self.type not in ("name", "birthdate")


@dataclass(frozen=True)
class RequiredIf:
    """``column`` must be set when ``when`` is set (or, with ``when_not``, set to another value;
    with ``when_gt``, greater than it)."""

    column: str
    when: str
    when_not: tuple[str, ...] = ()
    when_gt: float | None = None


@dataclass(frozen=True)
class NotBefore:
    """``later`` must not lie before ``earlier`` when both are set (Austritt/Ende after Beginn)."""

    later: str
    earlier: str


@dataclass(frozen=True)
class Reference:
    """A column pointing at another kind's column.

    ``mode="key"``: an unknown value quarantines the row (tandem -> mentor). ``mode="link"``: the
    row belongs to a participant only through this link; an unlinked row is excluded and counted
    as "nicht zugeordnet" (Jobcenter and VHS rows).
    """

    column: str
    kind: str
    target: str
    mode: Literal["key", "link"] = "key"


@dataclass(frozen=True)
class ExportKind:
    name: str
    quelle: Literal["asyl", "jobcenter", "vhs"]
    columns: tuple[Col, ...]
    key: str | None = None
    required_if: tuple[RequiredIf, ...] = ()
    not_before: tuple[NotBefore, ...] = ()
    references: tuple[Reference, ...] = ()
    extensions: tuple[str, ...] = ("csv",)
    required_kind: bool = True
    description: str = ""
    extra_fields: tuple[tuple[str, str, str], ...] = field(default=())

    def col(self, field_name: str) -> Col:
        for c in self.columns:
            if c.field == field_name:
                return c
        raise KeyError(field_name)

    @property
    def table(self) -> str:
        return f"staging.{self.name}"

    def stored_columns(self) -> list[tuple[str, str, str]]:
        """(field, SQL type, meaning) of the pseudonymised rows as they are stored."""
        out: list[tuple[str, str, str]] = []
        for c in self.columns:
            if c.type == "birthdate":
                out.append(("geburtsjahr", "INTEGER", "birth year (the full birth date is never stored)"))
                out.append(("altersgruppe", "VARCHAR", "age band at the Datenstand of the export"))
            elif c.stored:
                meaning = c.meaning or c.header
                if c.type == "id":
                    meaning = f"keyed pseudonym (HMAC-SHA-256) of {c.header}"
                out.append((c.field, SQL_TYPES[c.type], meaning))
        out.extend(self.extra_fields)
        return out


TN_PATTERN = r"^TN-\d+$"
MENTOR_PATTERN = r"^M-\d+$"
TANDEM_PATTERN = r"^T-\d+$"
KUNDENNUMMER_PATTERN = r"^\d{3}[A-Z]\d{6}$"
DATE_FORMATS_HINT = "TT.MM.JJJJ oder JJJJ-MM-TT"
