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
a pseudonym. The checks of one asset run in one step on one warehouse connection, closed before
the results are returned.
"""


import dagster as dg

from checks.consistency import PRUEFUNGEN, Pruefung
from pipelines.resources import PhasenmonitorResource


def _asset_checks(asset: tuple[str, ...], pruefungen: list[Pruefung]) -> dg.AssetChecksDefinition:
    """All checks of one asset in one step: one warehouse connection, one result per check.

    (A step per check costs about 0.2 s of Dagster overhead each; blocking works the same, since
    Dagster gates the downstream steps on every blocking spec of the step.)"""
    key = dg.AssetKey(list(asset))

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                name=p.name,
                asset=key,
                blocking=p.blocking,
                description=p.beschreibung + (" Blockierend: hält Kennzahlen und Bericht an." if p.blocking else " Warnung: hält nichts an."),
            )
            for p in pruefungen
        ],
        name="datenpruefungen_" + "_".join(asset),
        description="Datenprüfungen (checks/consistency.py); Befunde auch in kennzahlen.befunde und im Datenqualitätsbericht.",
    )
    def _checks(context: dg.AssetCheckExecutionContext, phasenmonitor: PhasenmonitorResource):
        settings = phasenmonitor.settings()
        with phasenmonitor.warehouse() as con:
            results = [(p, p.run(con, settings)) for p in pruefungen]
        for p, res in results:
            meta = {k: v for k, v in res.metadata.items() if v is not None}
            meta["befunde"] = res.befunde.height
            yield dg.AssetCheckResult(
                check_name=p.name,
                asset_key=key,
                passed=res.ok,
                severity=dg.AssetCheckSeverity.ERROR if p.blocking else dg.AssetCheckSeverity.WARN,
                metadata=meta,
            )

    return _checks


def _by_asset() -> dict[tuple[str, ...], list[Pruefung]]:
    out: dict[tuple[str, ...], list[Pruefung]] = {}
    for p in PRUEFUNGEN:
        out.setdefault(p.asset, []).append(p)
    return out


CONTRACT_ASSET_CHECKS: list[dg.AssetChecksDefinition] = [_asset_checks(a, ps) for a, ps in _by_asset().items()]
