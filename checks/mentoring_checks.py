"""Mentor-side plausibility checks as Dagster asset checks on ``kennzahlen/mentoring`` (severity WARN).

The rules are :func:`assets.metrics.mentoring.mentoring_befunde`; this module only wires them. One
multi-asset check evaluates all rules in one pass over the warehouse and reports one check result
per rule. Metadata carries counts and the German description only: the pseudonyms stay in the
warehouse owner's hands (CONTRIBUTING: no personal data in Dagster metadata).

Register with ``ASSET_CHECKS.extend(MENTORING_CHECKS)`` in checks/registry.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from pipelines.resources import PhasenmonitorResource

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
        "Kontakte von Mentor*innen mit Ehrenamtszuschuss vor Eintritt oder nach Austritt (nicht zuschussfähig).",
    ),
    "mentorin_ohne_kontakt": (
        "mentoring_ohne_kontakt",
        "Mentor*innen laufender Tandems ohne Kontakt in den letzten inaktiv_tage Tagen vor dem Stichtag.",
    ),
}


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(name=name, asset=MENTORING_KEY, description=description, blocking=False)
        for name, description in REGELN.values()
    ],
    name="mentoring_befunde",
    description="Plausibilität der Mentoring-Daten (Warnungen, halten nichts auf).",
)
def mentoring_befunde_check(phasenmonitor: PhasenmonitorResource) -> Iterator[dg.AssetCheckResult]:
    from assets.metrics.mentoring import mentoring_befunde
    from assets.metrics.zeitraum import resolve_stichtag

    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        befunde = {b["regel"]: b for b in mentoring_befunde(con, settings, stichtag)}
    for regel, (name, _) in REGELN.items():
        b = befunde[regel]
        yield dg.AssetCheckResult(
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
        )


MENTORING_CHECKS: list[dg.AssetChecksDefinition] = [mentoring_befunde_check]
