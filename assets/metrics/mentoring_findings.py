"""The mentor-side plausibility rules (docs/mentoring.md, Checks): one function per rule, each with
its query in ``assets/metrics/sql/mentoring_befund_*.sql``. :mod:`assets.metrics.mentoring_checks`
wires them as Dagster checks and as rows of ``kennzahlen.befunde``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from assets.metrics import sql
from assets.metrics.mentoring_figures import FehlenderEmissionsfaktor, prepare_mentoring
from sources.formats import datum
from sources.kinds import BY_NAME
from sources.settings import Settings

SCHWERE = "WARNUNG"


@dataclass(frozen=True)
class Fundstelle:
    """Where a finding is, in the shape of ``kennzahlen.befunde`` (without rule and severity)."""

    quelle: str | None
    datei: str | None
    zeile: int | None
    spalte: str | None
    grund: str


def mentoring_befunde(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> list[dict]:
    """Mentor-side plausibility findings as of ``stichtag`` (severity WARNUNG).

    Returns one dict per rule, always all rules in a fixed order (``anzahl`` 0 and empty lists
    when a rule finds nothing), each with ``regel``, ``schwere``, ``anzahl``, ``beschreibung``
    (German), ``pseudonyme`` (sorted tandem or mentor pseudonyms, for the warehouse owner only) and
    ``fundstellen``: one :class:`Fundstelle` per finding (the export file, line and column header
    and a German reason; never a value, an ID or a pseudonym), which become rows of
    ``kennzahlen.befunde`` (assets/metrics/mentoring_checks.py). Only tandems that count (participant with
    consent) are looked at; contacts up to the Stichtag.
    """
    try:
        prepare_mentoring(con, settings, stichtag)
    except FehlenderEmissionsfaktor:
        # The findings need only mentoring_tandems and mentoring_kontakte, which are built before
        # the factors are checked; the metrics asset stops with the message about the factor.
        pass
    return [
        kontakt_ausserhalb_tandem(con),
        tandem_nach_austritt_mentorin(con, stichtag),
        kontakt_ausserhalb_engagement(con),
        mentorin_ohne_kontakt(con, stichtag, settings.inaktiv_tage),
    ]


def kontakt_ausserhalb_tandem(con: duckdb.DuckDBPyConnection) -> dict:
    """Contacts outside their tandem's period: the log or the tandem dates are wrong."""
    rows = con.execute(sql.load("mentoring_befund_kontakt_ausserhalb_tandem.sql")).fetchall()
    tandems = sorted({r[0] for r in rows})
    return _befund(
        "kontakt_ausserhalb_tandem",
        len(rows),
        f"{len(rows)} Kontakt(e) in {len(tandems)} Tandem(s) liegen vor dem Beginn oder nach dem Ende ihres Tandems. "
        "Sie zählen in Stunden, Kilometern und CO2 mit; bitte Kontaktliste oder Tandemdaten prüfen.",
        tandems,
        [
            _fundstelle("kontakte", r[1:4], "datum",
                        "Kontakt liegt vor dem Beginn seines Tandems" if r[4] else "Kontakt liegt nach dem Ende seines Tandems")
            for r in rows
        ],
    )


def tandem_nach_austritt_mentorin(con: duckdb.DuckDBPyConnection, stichtag: date) -> dict:
    """Tandems still running after their mentor's Austritt (up to the Stichtag)."""
    rows = con.execute(sql.load("mentoring_befund_tandem_nach_austritt.sql"), [stichtag]).fetchall()
    return _befund(
        "tandem_nach_austritt_mentorin",
        len(rows),
        f"{len(rows)} Tandem(s) laufen nach dem Austritt ihrer Mentor*in weiter. Sie zählen als laufende Tandems und "
        "ihre Mentor*innen als aktiv (kennzahlen.md); bitte Tandem-Ende bzw. Austritt der Mentor*in prüfen.",
        sorted(r[0] for r in rows),
        [
            _fundstelle("tandems", r[1:4], "ende",
                        "Tandem läuft nach dem Austritt seiner Mentor*in weiter; es zählt als laufendes Tandem und die "
                        "Mentor*in als aktiv")
            for r in rows
        ],
    )


def kontakt_ausserhalb_engagement(con: duckdb.DuckDBPyConnection) -> dict:
    """Contacts before the mentor's Eintritt or after the Austritt; they count and, for mentors
    with allowance, are paid."""
    rows = con.execute(sql.load("mentoring_befund_kontakt_ausserhalb_engagement.sql")).fetchall()
    mentorinnen = sorted({r[0] for r in rows})
    bezahlt = sum(1 for r in rows if r[5])
    return _befund(
        "kontakt_ausserhalb_engagement",
        len(rows),
        f"{len(rows)} Kontakt(e) von {len(mentorinnen)} Mentor*in(nen) liegen vor deren Eintritt oder nach deren "
        f"Austritt; sie zählen mit, {bezahlt} davon als Ehrenamtszuschuss. Bitte Kontaktdatum bzw. Eintritt/Austritt prüfen.",
        mentorinnen,
        [
            _fundstelle(
                "kontakte", r[1:4], "datum",
                ("Kontakt liegt vor dem Eintritt der Mentor*in" if r[4] else "Kontakt liegt nach dem Austritt der Mentor*in")
                + ("; er wird als Ehrenamtszuschuss gerechnet" if r[5] else "; er zählt mit"),
            )
            for r in rows
        ],
    )


def mentorin_ohne_kontakt(con: duckdb.DuckDBPyConnection, stichtag: date, inaktiv_tage: int) -> dict:
    """Mentors of running tandems without any contact in the last ``inaktiv_tage`` days."""
    grenze = stichtag - timedelta(days=inaktiv_tage)
    rows = con.execute(sql.load("mentoring_befund_ohne_kontakt.sql"), [stichtag, grenze]).fetchall()
    return _befund(
        "mentorin_ohne_kontakt",
        len(rows),
        f"{len(rows)} Mentor*in(nen) mit laufendem Tandem hatten in den {inaktiv_tage} Tagen bis zum "
        f"Stichtag {datum(stichtag)} keinen Kontakt.",
        sorted(r[0] for r in rows),
        [
            _fundstelle("mentorinnen", r[1:4], None,
                        f"Mentor*in mit laufendem Tandem hatte in den {inaktiv_tage} Tagen bis zum Stichtag "
                        f"{datum(stichtag)} keinen Kontakt")
            for r in rows
        ],
    )


def _fundstelle(art: str, pos: tuple, spalte: str | None, grund: str) -> Fundstelle:
    """``pos`` = (partner, file, line) of the row; the column as its header in the export."""
    quelle, datei, zeile = pos
    header = BY_NAME[art].col(spalte).header if spalte else None
    return Fundstelle(quelle or BY_NAME[art].quelle, datei, None if zeile is None else int(zeile), header, grund)


def _befund(regel: str, anzahl: int, beschreibung: str, pseudonyme: list[str], fundstellen: list[Fundstelle]) -> dict:
    if anzahl == 0:
        beschreibung = "Keine Auffälligkeit."
    return {"regel": regel, "schwere": SCHWERE, "anzahl": anzahl, "beschreibung": beschreibung,
            "pseudonyme": pseudonyme, "fundstellen": fundstellen}
