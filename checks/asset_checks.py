"""Dagster asset checks: the entries of ``checks.consistency.PRUEFUNGEN``, wired.

Every check is a check spec of the asset it hangs on, evaluated by that asset's own step: no step
per check (each costs Dagster overhead), and the gate evaluates its checks once, for the findings
table and for Dagster alike. Where they hang, and why (docs/datenqualitaet.md, docs/architektur.md):
- ``vertrag_<art>`` hangs on ``staging/<art>``: the delivery as it is, WARN with the quarantine
  count, ERROR when the newest file was rejected. Not blocking: a rejected file leaves the older
  snapshot in use, and the reports stay right.
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
a pseudonym.
"""


import dagster as dg

from checks.check_base import Pruefergebnis, Pruefung
from sources.findings import FEHLER
from checks.consistency import PRUEFUNGEN


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


def pruefungen_of(asset: tuple[str, ...]) -> list[Pruefung]:
    return [p for p in PRUEFUNGEN if p.asset == asset]


def check_specs_of(asset: tuple[str, ...]) -> list[dg.AssetCheckSpec]:
    """The check specs of an asset: its step evaluates them (no step per check)."""
    return [_spec(p) for p in pruefungen_of(asset)]
