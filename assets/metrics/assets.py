"""Metrics layer: the published `kennzahlen` tables, computed in the warehouse."""

import json

import dagster as dg

from assets import stand
from assets.metrics.berichtsreihe import build_berichtsreihe
from assets.metrics.datenqualitaet import (
    build_befunde,
    build_datenqualitaet,
    build_ueberblick,
    ohne_einwilligung,
    save_ueberblick_part,
)
from assets.metrics.mentoring import build_mentoring_kennzahlen
from assets.metrics.mentoring_checks import MENTORING_CHECK_SPECS, MENTORING_PRUEFUNG, mentoring_check_results
from assets.metrics.neuberechnung import ueberblick_am
from assets.metrics.teilnahme import build_teilnahme_kennzahlen
from assets.resources import PhasenmonitorResource, warehouse_asset
from assets.staging.assets import staging_key
from assets.table_metadata import readable, records_table as _table, table_metadata
from checks.asset_checks import check_result, check_specs_of, pruefungen_of
from checks.check_base import Bewertung
from checks.consistency import DATENQUALITAET, PRUEFUNGEN, findings_of
from checks.dq_report import record_pruefungen, write_dq_report
from checks.korrekturen import write_korrekturen
from sources.kinds import ALL_KINDS
from sources.zeitraum import KeinStichtag, resolve_stichtag

STAGING_DEPS = [staging_key(k.name) for k in ALL_KINDS]
# The exports each metric asset reads (aktuell.* in its SQL).
TEILNAHME_LIEST = ("teilnehmende", "massnahmen", "integrationen", "kursteilnahmen")
MENTORING_LIEST = ("teilnehmende", "mentorinnen", "tandems", "kontakte")
# merkmale: the overview's counts by person group, from the same per-person rules (tn_stand)
TEILNAHME_TABELLEN = ("phasen_bestand", "phasen_bewegungen", "phasen_dauer", "vermittlungen", "nachhaltigkeit", "sprache", "merkmale")
MENTORING_TABELLEN = ("mentoring", "zuschuss_budget")


def kennzahlen_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["kennzahlen", name])


def result(con, tables, figures: dict | None, recomputed: bool, eingabe: str, checks=(), **extra) -> dg.MaterializeResult:
    """The materialisation of a warehouse asset: its tables as they are, its key figures, whether
    this run recomputed them, and the Eingabestand (assets/stand.py) as Dagster's data version,
    so an unchanged asset keeps its version and the UI shows it fresh."""
    return dg.MaterializeResult(
        metadata={**table_metadata(con, tables), **readable(figures or {}), "neu_berechnet": recomputed, **extra},
        data_version=dg.DataVersion(eingabe),
        check_results=list(checks),
    )


def kennzahlen_tables(names) -> list[str]:
    return [f"kennzahlen.{n}" for n in names]


def _part(con, teil: str) -> dict[str, float | None]:
    return dict(con.execute("SELECT kennzahl, wert FROM intern.ueberblick_teile WHERE teil = ? ORDER BY pos", [teil]).fetchall())


# The blocking data checks (checks/asset_checks.py) hang on kennzahlen/datenqualitaet, the asset
# that joins every export: every metric asset depends on it, so that a failed blocking check keeps
# it from running on bad data; beside it, on the staging assets it reads.
GATE = kennzahlen_key("datenqualitaet")


@warehouse_asset(
    key=kennzahlen_key("teilnahme"),
    deps=[*(staging_key(k) for k in TEILNAHME_LIEST), GATE],
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    description=(
        "Phasenverlauf, Vermittlungen nach BA-Zählweise, Nachhaltigkeit, Sprachkurse und Teilnehmende nach Merkmalen: "
        "kennzahlen.phasen_bestand, phasen_bewegungen, phasen_dauer, vermittlungen, nachhaltigkeit, sprache, merkmale."
    ),
)
def kennzahlen_teilnahme(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Phase, placement, language and person-group tables of the contract."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        neu, eingabe = stand.build_unless_unchanged(con, settings, "kennzahlen/teilnahme", lambda: save_ueberblick_part(
            con, "teilnahme", build_teilnahme_kennzahlen(con, settings, stichtag)))
        return result(con, kennzahlen_tables(TEILNAHME_TABELLEN), _part(con, "teilnahme"), neu, eingabe, stichtag=str(stichtag))


@warehouse_asset(
    key=kennzahlen_key("mentoring"),
    deps=[*(staging_key(k) for k in MENTORING_LIEST), GATE],
    check_specs=MENTORING_CHECK_SPECS,
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    description="Mentoring: Mentor*innen, Tandems, Kontaktstunden, Ehrenamtszuschuss und Budget, CO2 (kennzahlen.mentoring, kennzahlen.zuschuss_budget).",
)
def kennzahlen_mentoring(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Mentoring tables of the contract and the allowance budget forecast."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        skip, eingabe = stand.check_unchanged(con, settings, "kennzahlen/mentoring")
        if skip:
            checks = stand.checks(con, "kennzahlen/mentoring")
        else:
            save_ueberblick_part(con, "mentoring", build_mentoring_kennzahlen(con, settings, stichtag))
            checks = mentoring_check_results(con, settings, stichtag)
            stand.record(con, settings, "kennzahlen/mentoring", eingabe, checks=checks)
        return result(con, kennzahlen_tables(MENTORING_TABELLEN), _part(con, "mentoring"), not skip, eingabe, checks, stichtag=str(stichtag))


@warehouse_asset(
    key=kennzahlen_key("datenqualitaet"),
    deps=STAGING_DEPS,
    check_specs=check_specs_of(DATENQUALITAET),
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    description=(
        "kennzahlen.datenqualitaet (eine Zeile je Datei im Eingang mit Status, Grund und Zeilenbilanz), kennzahlen.befunde "
        "(eine Zeile je Befund), der Datenqualitätsbericht intern/datenqualitaet_<Stichtag>.html und die Korrekturlisten "
        "der Partner intern/korrekturen_<Partner>_<Stichtag>.xlsx/.html. Trägt die "
        "blockierenden Datenprüfungen: schlägt eine fehl, laufen die Kennzahlen und die Veröffentlichung nicht."
    ),
)
def kennzahlen_datenqualitaet(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """One row per inbox file (the counts add up per file), the findings table and the coordinator's report.

    Evaluates every check of checks/consistency.py once: all findings go to the table and the
    report, and the results of the checks that hang here (the blocking gate) go to Dagster. The
    materialisation is recorded before a failed blocking check stops the metrics, so the findings
    and the report are complete exactly then.
    """
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        try:
            stichtag = resolve_stichtag(con, settings.stichtag)
        except KeinStichtag:
            stichtag = None
        # The gate judges the rows as they are now, also on an unchanged Eingabestand: rows
        # changed behind the pipeline's back must still stop the metrics (the contract check
        # re-validates when the rows' checksum changed, checks/contract_suites.py). Each check
        # is evaluated once per run; the findings below reuse these results.
        gate = {p.name: Bewertung(p, p.run(con, settings)) for p in pruefungen_of(DATENQUALITAET)}
        checks = [check_result(b.pruefung, b.ergebnis) for b in gate.values()]
        skip, eingabe = stand.check_unchanged(con, settings, "kennzahlen/datenqualitaet")
        if skip and _verdicts(checks) == _verdicts(stand.checks(con, "kennzahlen/datenqualitaet")):
            reports = stand.files(con, settings, "kennzahlen/datenqualitaet")
            return result(con, DQ_TABELLEN, None, False, eingabe, checks, **_dq_figures(con, reports, stichtag))
        stand.forget(con, "kennzahlen/datenqualitaet")  # a verdict or its details changed
        build_datenqualitaet(con)
        save_ueberblick_part(con, "datenqualitaet", [("ohne_einwilligung", float(ohne_einwilligung(con)))])
        bewertungen = [gate.get(p.name) or Bewertung(p, p.run(con, settings)) for p in PRUEFUNGEN]
        # the mentor-side rules (WARN) are Dagster checks on kennzahlen/mentoring; their findings
        # belong in the same findings table and report as every other check's
        bewertungen.append(Bewertung(MENTORING_PRUEFUNG, MENTORING_PRUEFUNG.run(con, settings)))
        record_pruefungen(con, bewertungen)
        build_befunde(con, findings_of(bewertungen))
        # the report and the partners' fix lists beside it, from the same findings
        berichte = [write_dq_report(con, settings, stichtag), *write_korrekturen(con, settings, stichtag)]
        stand.record(con, settings, "kennzahlen/datenqualitaet", eingabe, berichte, checks)
        return result(con, DQ_TABELLEN, None, True, eingabe, checks, **_dq_figures(con, berichte, stichtag))


DQ_TABELLEN = kennzahlen_tables(("datenqualitaet", "befunde"))


# Metadata that says how a verdict was reached, not what it is (a stored GX record or a new look).
HOW_CHECKED = frozenset({"geprueft", "gx_sekunden"})


def _verdicts(checks) -> dict[str, str]:
    """Each check's verdict with its details (counts, lines, rates), comparable across runs."""
    return {
        c.check_name: json.dumps(
            [c.passed, c.severity.value, {k: getattr(v, "value", v) for k, v in sorted((c.metadata or {}).items()) if k not in HOW_CHECKED}],
            default=str, sort_keys=True,
        )
        for c in checks
    }


# Findings listed in the metadata (and so in the CLI's summary); all are in kennzahlen.befunde.
FEHLER_GEZEIGT = 15


def _dq_figures(con, reports, stichtag) -> dict:
    """Files per status, findings per severity, failed checks and the report (as they are now);
    the inbox's files and the first quarantined rows as tables (file, line, column, reason: no
    content of a row)."""
    dateien = con.execute(
        "SELECT datei, status, coalesce(grund, ''), zeilen_gelesen, zeilen_geladen, zeilen_quarantaene, zeilen_ausgeschlossen "
        "FROM kennzahlen.datenqualitaet ORDER BY datei"
    ).fetchall()
    # rows the triage quarantined (meta.befunde), in the files now in the inbox
    fehler = con.execute(
        "SELECT datei, zeile, spalte, grund FROM meta.befunde WHERE schwere = 'FEHLER' AND zeile IS NOT NULL "
        "AND datei_id IN (SELECT datei_id FROM meta.dateien WHERE im_eingang) ORDER BY datei, zeile"
    ).fetchall()
    by_status = dict(con.execute("SELECT status, count(*) FROM kennzahlen.datenqualitaet GROUP BY status").fetchall())
    by_schwere = dict(con.execute("SELECT schwere, count(*) FROM kennzahlen.befunde GROUP BY 1").fetchall())
    failed = [n for (n,) in con.execute("SELECT pruefung FROM meta.pruefungen WHERE NOT bestanden ORDER BY pruefung").fetchall()]
    # the snapshots this run's figures rest on (in a reproduction older ones than the inbox's newest)
    staende = con.execute("SELECT art, datei, datenstand FROM intern.staende ORDER BY art").fetchall()
    return {
        "stichtag": str(stichtag) if stichtag else "–",
        **{f"dateien_{k}": int(v) for k, v in sorted(by_status.items())},
        **{f"befunde_{k.lower()}": int(v) for k, v in sorted(by_schwere.items())},
        "pruefungen_nicht_bestanden": ", ".join(failed) or "keine",
        **({"bericht": dg.MetadataValue.path(str(reports[0]))} if reports else {}),
        **({"korrekturlisten": dg.MetadataValue.path(str(reports[0].parent))} if len(reports) > 1 else {}),
        "eingang": _table(dateien, [("datei", "text"), ("status", "text"), ("grund", "text"), ("gelesen", "int"),
                                    ("geladen", "int"), ("quarantaene", "int"), ("ausgeschlossen", "int")]),
        "staende": _table([(a, d, str(ds)) for a, d, ds in staende], [("art", "text"), ("datei", "text"), ("datenstand", "text")]),
        "zeilen_in_quarantaene": len(fehler),
        "quarantaene_erste": _table(fehler[:FEHLER_GEZEIGT], [("datei", "text"), ("zeile", "int"), ("spalte", "text"), ("grund", "text")]),
    }


@warehouse_asset(
    key=kennzahlen_key("ueberblick"),
    deps=[kennzahlen_key("teilnahme"), kennzahlen_key("mentoring"), kennzahlen_key("datenqualitaet")],
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    description="kennzahlen.ueberblick: die Schlüsselzahlen zum Stichtag, eine Zeile je Kennzahl.",
)
def kennzahlen_ueberblick(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Key figures at the Stichtag, gathered from the metric assets."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        neu, eingabe = stand.build_unless_unchanged(con, settings, "kennzahlen/ueberblick", lambda: build_ueberblick(con))
        figures = dict(con.execute("SELECT kennzahl, wert FROM kennzahlen.ueberblick ORDER BY kennzahl").fetchall())
        return result(con, ["kennzahlen.ueberblick"], figures, neu, eingabe)


@warehouse_asset(
    key=kennzahlen_key("berichtsreihe"),
    deps=[kennzahlen_key("ueberblick"), kennzahlen_key("teilnahme"), kennzahlen_key("mentoring")],
    group_name="kennzahlen",
    kinds={"duckdb", "sql"},
    description=(
        "Die Berichtsreihe: kennzahlen.berichte (freigegebene Berichte), kennzahlen.veraenderung (Kennzahlen gegenüber dem "
        "letzten freigegebenen Bericht) und kennzahlen.revisionen (freigegebene Werte und heute neu berechnete)."
    ),
)
def kennzahlen_berichtsreihe(context: dg.AssetExecutionContext, phasenmonitor: PhasenmonitorResource) -> dg.MaterializeResult:
    """Releases, the change since the last one, and the revisions of every released figure."""
    settings = phasenmonitor.settings()
    with phasenmonitor.warehouse() as con:
        stichtag = resolve_stichtag(con, settings.stichtag)
        # No transaction is open here (stand.build_unless_unchanged opens none): the recomputation
        # of each released Stichtag (ueberblick_am) needs its own on the committed warehouse.
        neu, eingabe = stand.build_unless_unchanged(
            con, settings, "kennzahlen/berichtsreihe",
            lambda: build_berichtsreihe(con, stichtag, lambda s: ueberblick_am(con, settings, s), settings.datenstand_bis))
        freigaben = con.execute("SELECT count(*) FROM kennzahlen.berichte").fetchall()[0][0]
        reproduktion = {"datenstand_bis": str(settings.datenstand_bis)} if settings.datenstand_bis else {}
        return result(con, kennzahlen_tables(("berichte", "veraenderung", "revisionen")), {"freigegebene_berichte": freigaben},
                      neu, eingabe, stichtag=str(stichtag), **reproduktion)


METRIC_ASSETS = [kennzahlen_teilnahme, kennzahlen_mentoring, kennzahlen_datenqualitaet, kennzahlen_ueberblick, kennzahlen_berichtsreihe]
