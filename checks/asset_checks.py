"""Dagster asset checks: the entries of ``checks.consistency.PRUEFUNGEN``, wired.

Where they hang, and why:
- Blocking checks (ERROR) hang on ``kennzahlen/datenqualitaet``, the quality gate between the
  staging layer and the metrics: ``kennzahlen/teilnahme``, ``kennzahlen/mentoring`` (and through
  them ``ueberblick`` and every ``bericht/*`` asset, including the publication of
  ``reporting.duckdb``) depend on it, so a failed blocking check skips all of them and the
  previously published reporting database stays as it was. They do not hang on the staging
  assets: a blocking check there would also skip ``kennzahlen/datenqualitaet`` itself, and the
  coordinator would lose the findings table and the report exactly when they matter.
- Warnings hang on the staging asset whose rows they look at (``staging/kontakte``,
  ``staging/kursteilnahmen``) or, for timeliness, on ``kennzahlen/datenqualitaet``.

Metadata: counts, expectation and rule names, file names and line numbers; never a cell value or
a pseudonym. Each check opens the warehouse through the resource and closes it before returning.
"""


import dagster as dg

from checks.consistency import PRUEFUNGEN, Pruefung
from pipelines.resources import PhasenmonitorResource


def _asset_check(p: Pruefung) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(p.asset)),
        name=p.name,
        blocking=p.blocking,
        description=p.beschreibung + (" Blockierend: hält Kennzahlen und Bericht an." if p.blocking else " Warnung: hält nichts an."),
    )
    def _check(context: dg.AssetCheckExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.AssetCheckResult:
        settings = phasenmonitor.settings()
        with phasenmonitor.warehouse() as con:
            res = p.run(con, settings)
        meta = {k: v for k, v in res.metadata.items() if v is not None}
        meta["befunde"] = res.befunde.height
        return dg.AssetCheckResult(
            passed=res.ok,
            severity=dg.AssetCheckSeverity.ERROR if p.blocking else dg.AssetCheckSeverity.WARN,
            metadata=meta,
        )

    return _check


CONTRACT_ASSET_CHECKS: list[dg.AssetChecksDefinition] = [_asset_check(p) for p in PRUEFUNGEN]
