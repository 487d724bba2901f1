"""Mentor-side plausibility checks (severity WARN): Dagster asset checks on ``kennzahlen/mentoring``
and the findings for ``kennzahlen.befunde`` and the data-quality report.

The rules are :func:`assets.metrics.mentoring_findings.mentoring_befunde`; this module only wires them:

- :data:`MENTORING_CHECK_SPECS` / :func:`mentoring_check_results`: check specs of
  ``kennzahlen/mentoring``, evaluated by that asset's step in one pass over the warehouse, one
  check result per rule. Metadata carries counts and the German
  description only (CONTRIBUTING: no personal data in Dagster metadata).
- :func:`mentoring_pruefung` / :data:`MENTORING_PRUEFUNG`: the same rules as a
  :class:`checks.consistency.Pruefung` whose findings are rows in the shape of the other checks'
  (partner, file, line, column header, rule, WARNUNG, German reason). The gate asset
  ``kennzahlen/datenqualitaet`` evaluates it beside ``checks.consistency.PRUEFUNGEN``, so the
  findings land in ``kennzahlen.befunde`` and in ``intern/datenqualitaet_<Stichtag>.html``. It is
  not in ``PRUEFUNGEN`` itself: that list is wired as a second set of Dagster checks.
  Positions and rules only: no ID, no pseudonym, no value.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from assets.metrics.mentoring_findings import mentoring_befunde
from checks.check_base import BEFUND_COLUMNS, Pruefergebnis, Pruefung
from sources.findings import WARNUNG
from sources.settings import Settings
from sources.zeitraum import KeinStichtag, resolve_stichtag


MENTORING_KEY = dg.AssetKey(["kennzahlen", "mentoring"])

# rule -> (check name, description); the rules of mentoring_befunde, in its order.
REGELN: dict[str, tuple[str, str]] = {
    "kontakt_ausserhalb_tandem": (
        "mentoring_kontakt_ausserhalb_tandem",
        "Kontakte mit Datum vor Beginn oder nach Ende ihres Tandems.",
    ),
    "tandem_nach_austritt_mentorin": (
        "mentoring_tandem_nach_austritt",
        "Tandems, die nach dem Austritt ihrer Mentor*in bis zum Stichtag weiterlaufen.",
    ),
    "kontakt_ausserhalb_engagement": (
        "mentoring_kontakt_ausserhalb_engagement",
        "Kontakte mit Datum vor dem Eintritt oder nach dem Austritt ihrer Mentor*in (zählen mit, bei Ehrenamtszuschuss auch als Zuschuss).",
    ),
    "mentorin_ohne_kontakt": (
        "mentoring_ohne_kontakt",
        "Mentor*innen laufender Tandems ohne Kontakt in der eingestellten Frist vor dem Stichtag "
        f"(Standard: {Settings.model_fields['inaktiv_tage'].default} Tage).",
    ),
}


MENTORING_CHECK_SPECS: list[dg.AssetCheckSpec] = [
    dg.AssetCheckSpec(name=name, asset=MENTORING_KEY, description=description, blocking=False)
    for name, description in REGELN.values()
]


def mentoring_check_results(con, settings, stichtag) -> list[dg.AssetCheckResult]:
    """The mentor-side rules as results of the check specs of ``kennzahlen/mentoring``
    (evaluated by its own step, on the connection that prepared the mentoring tables)."""
    befunde = {b["regel"]: b for b in mentoring_befunde(con, settings, stichtag)}
    out = []
    for regel, (name, _) in REGELN.items():
        b = befunde[regel]
        out.append(dg.AssetCheckResult(
            check_name=name,
            asset_key=MENTORING_KEY,
            passed=b["anzahl"] == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "regel": regel,
                "anzahl": b["anzahl"],
                "betroffen": len(b["pseudonyme"]),
                "beschreibung": b["beschreibung"],
                "stichtag": str(stichtag),
            },
        ))
    return out


# Rules whose rows another check already writes to kennzahlen.befunde with the same rule id, file,
# line and column (checks/consistency.py, kontakte_im_tandemzeitraum): not written twice.
SCHON_IN_BEFUNDE = frozenset({"kontakt_ausserhalb_tandem"})


def mentoring_pruefung(con, settings):
    """The mentor-side rules as a :class:`checks.consistency.Pruefergebnis` with one finding row per
    contact, tandem or mentor found (file and line of the row in its export)."""
    try:
        stichtag = resolve_stichtag(con, settings.stichtag)
    except KeinStichtag:
        return Pruefergebnis("mentoring_befunde", True, {"stichtag": "–"})
    befunde = mentoring_befunde(con, settings, stichtag)
    meta: dict = {"stichtag": str(stichtag), **{b["regel"]: b["anzahl"] for b in befunde}}
    rows = [
        {"quelle": f.quelle, "datei": f.datei, "zeile": f.zeile, "spalte": f.spalte, "regel": b["regel"],
         "schwere": WARNUNG, "grund": f.grund}
        for b in befunde
        if b["regel"] not in SCHON_IN_BEFUNDE
        for f in b["fundstellen"]
    ]
    frame = pl.DataFrame(rows, schema=BEFUND_COLUMNS) if rows else pl.DataFrame(schema=BEFUND_COLUMNS)
    return Pruefergebnis("mentoring_befunde", all(b["anzahl"] == 0 for b in befunde), meta, frame)


def _mentoring_pruefung_def():
    return Pruefung(
        "mentoring_befunde", tuple(MENTORING_KEY.path), False,
        "Plausibilität der Mentoring-Daten: " + " ".join(d for _, d in REGELN.values()), mentoring_pruefung,
    )


MENTORING_PRUEFUNG = _mentoring_pruefung_def()
