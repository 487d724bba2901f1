"""Dagster asset checks: the entries of ``checks.consistency.PRUEFUNGEN``, wired.

Where they hang, and why (docs/datenqualitaet.md, docs/architektur.md):
- ``vertrag_<art>`` hangs on ``staging/<art>`` and is evaluated by the staging step itself (a
  check spec of the asset, :func:`delivery_check_spec`): the delivery as it is, WARN with the
  quarantine count, ERROR when the newest file was rejected. Not blocking: a rejected file leaves
  the older snapshot in use, and the reports stay right.
- Blocking checks (ERROR) judge the snapshots in use across the exports (``stand_<art>``: the
  contract suite on ``aktuell.<art>``; references, partner links, date order) and hang on
  ``kennzahlen/datenqualitaet``, the asset that joins every export: the metric assets depend on
  it, so a failed blocking check skips them and every ``bericht/*`` asset, and the previously
  published reporting database stays as it was. They do not hang on the staging assets: a
  blocking check there would also skip ``kennzahlen/datenqualitaet`` itself, and the
  coordinator would lose the findings table and the report exactly when they matter.
- Warnings hang on the staging asset whose rows they look at (``staging/kontakte``,
  ``staging/kursteilnahmen``) or, for timeliness, on ``kennzahlen/datenqualitaet``.

Metadata: counts, expectation and rule names, file names and line numbers; never a cell value or
a pseudonym. The checks of one asset run in one step on one warehouse connection, closed before
the results are returned.
"""


import dagster as dg

from checks.consistency import FEHLER, PRUEFUNGEN, Pruefergebnis, Pruefung
from pipelines.resources import WAREHOUSE_POOL, PhasenmonitorResource


def _severity(p: Pruefung, res: Pruefergebnis) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if p.schwere_von(res) == FEHLER else dg.AssetCheckSeverity.WARN


def _spec(p: Pruefung) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=p.name,
        asset=dg.AssetKey(list(p.asset)),
        blocking=p.blocking,
        description=p.beschreibung + (" Blockierend: hält Kennzahlen und Bericht an." if p.blocking else " Hält nichts an."),
    )


def check_result(p: Pruefung, res: Pruefergebnis) -> dg.AssetCheckResult:
    meta = {k: v for k, v in res.metadata.items() if v is not None}
    meta["befunde"] = res.befunde.height
    return dg.AssetCheckResult(
        check_name=p.name, asset_key=dg.AssetKey(list(p.asset)), passed=res.ok, severity=_severity(p, res), metadata=meta,
    )


DELIVERY_CHECKS: dict[str, Pruefung] = {p.asset[-1]: p for p in PRUEFUNGEN if p.mit_asset}


def delivery_check_spec(kind: str) -> dg.AssetCheckSpec:
    """The check spec ``vertrag_<kind>`` of a staging asset (evaluated by the asset's step)."""
    return _spec(DELIVERY_CHECKS[kind])


def _asset_checks(asset: tuple[str, ...], pruefungen: list[Pruefung]) -> dg.AssetChecksDefinition:
    """All checks of one asset in one step: one warehouse connection, one result per check.

    (A step per check costs about 0.2 s of Dagster overhead each; blocking works the same, since
    Dagster gates the downstream steps on every blocking spec of the step.)"""
    key = dg.AssetKey(list(asset))

    @dg.multi_asset_check(
        specs=[_spec(p) for p in pruefungen],
        name="datenpruefungen_" + "_".join(asset),
        pool=WAREHOUSE_POOL,
        description="Datenprüfungen (checks/consistency.py); Befunde auch in kennzahlen.befunde und im Datenqualitätsbericht.",
    )
    def _checks(context: dg.AssetCheckExecutionContext, phasenmonitor: PhasenmonitorResource):
        settings = phasenmonitor.settings()
        with phasenmonitor.warehouse() as con:
            results = [(p, p.run(con, settings)) for p in pruefungen]
        for p, res in results:
            yield check_result(p, res)

    return _checks


def _by_asset() -> dict[tuple[str, ...], list[Pruefung]]:
    out: dict[tuple[str, ...], list[Pruefung]] = {}
    for p in PRUEFUNGEN:
        if not p.mit_asset:
            out.setdefault(p.asset, []).append(p)
    return out


CONTRACT_ASSET_CHECKS: list[dg.AssetChecksDefinition] = [_asset_checks(a, ps) for a, ps in _by_asset().items()]
