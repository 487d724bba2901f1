"""Metrics II: mentoring (kennzahlen.md, section "Mentoring"), the allowance budget and its forecast,
the mentor-side data checks and the council text blocks. See docs/mentoring.md.

Plain functions over a DuckDB connection to the warehouse (the ``aktuell.*`` views); the Dagster
asset and the asset checks only wire them:

- :func:`build_mentoring_kennzahlen` (re)creates ``kennzahlen.mentoring`` (contract) and
  ``kennzahlen.zuschuss_budget`` (budget and forecast) and returns this module's ueberblick rows.
- :func:`mentoring_befunde` returns the mentor-side findings (counts, pseudonyms, and the file and
  line of each finding for ``kennzahlen.befunde``).
- :func:`mentoring_textbausteine` returns the German paragraphs for the Mitteilungsvorlage.

Helpers live in TEMP tables prefixed ``mentoring_`` so that nothing but the published tables lands
in schema ``kennzahlen``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
from dateutil.relativedelta import relativedelta

from sources.zeitraum import register_berichtsmonate
from sources.settings import Settings
from sources.sql import literal

SQL_DIR = Path(__file__).parent / "sql"

# Less than half a cent left counts as "used up": amounts are sums of minutes x rate / 60 in
# floating point, and the forecast must not promise a month for a budget that is gone.
CENT_TOLERANZ = 0.005

SCHWERE = "WARNUNG"

# The ueberblick keys this module owns, in publication order (kennzahlen.md).
UEBERBLICK_KEYS: tuple[str, ...] = (
    "mentorinnen_registriert",
    "mentorinnen_aktiv",
    "mentorinnen_mit_zuschuss",
    "mentorinnen_geschult",
    "tandems_aktiv",
    "kontaktstunden",
    "zuschuss_ausgezahlt_eur",
    "zuschuss_rest_eur",
    "co2_kg",
)

# --- published tables: DDL and German comments --------------------------------------------------

MENTORING_TABLE = "kennzahlen.mentoring"
BUDGET_TABLE = "kennzahlen.zuschuss_budget"

MENTORING_COMMENT = (
    "Mentoring je Berichtsmonat (kennzahlen.md, Abschnitt Mentoring): Bestände am Zähltag (letzter Tag "
    "des Monats bzw. Stichtag), Kontakte, Stunden, Kilometer, CO2 und Ehrenamtszuschuss als Fluss vom "
    "1. des Monats bis zum Zähltag."
)
MENTORING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("monat", "DATE", "Berichtsmonat (1. des Monats)."),
    ("mentorinnen_registriert", "BIGINT",
     "Mentor*innen, die am Zähltag registriert sind (Eintritt <= Zähltag und Austritt leer oder >= Zähltag)."),
    ("mentorinnen_aktiv", "BIGINT",
     "Mentor*innen mit mindestens einem am Zähltag laufenden Tandem (kennzahlen.md; auch nach ihrem Austritt, das meldet die Prüfung tandem_nach_austritt_mentorin)."),
    ("tandems_aktiv", "BIGINT",
     "Am Zähltag laufende Tandems (Beginn <= Zähltag und Ende leer oder >= Zähltag); Tandems von Teilnehmenden ohne Einwilligung zählen nicht."),
    ("kontakte", "BIGINT", "Mentoring-Kontakte mit Datum vom 1. des Monats bis zum Zähltag."),
    ("stunden", "DOUBLE", "Kontaktstunden im Monat: Summe der Kontaktminuten / 60."),
    ("kilometer", "DOUBLE", "Von den Mentor*innen für die Kontakte des Monats zurückgelegte Kilometer."),
    ("co2_kg", "DOUBLE",
     "CO2-Äquivalente in kg: Kilometer x Emissionsfaktor des Verkehrsmittels (Konfiguration, UBA/TREMOD)."),
    ("zuschuss_eur", "DOUBLE",
     "Ehrenamtszuschuss in EUR: Stunden der Kontakte von Mentor*innen mit Ehrenamtszuschuss = ja x Stundensatz."),
)

BUDGET_COMMENT = (
    "Budget des Ehrenamtszuschusses je Berichtsmonat (docs/mentoring.md): Zuschuss, kumulierte Auszahlung, "
    "Restbudget, Mentor*innen mit Zuschuss und die Prognose, in welchem Monat das Budget beim Durchschnitt "
    "der letzten vollständigen Monate aufgebraucht ist. Grundlage für die Entscheidung, wie viele "
    "Mentor*innen mit Zuschuss weiter finanziert werden können."
)
BUDGET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("monat", "DATE", "Berichtsmonat (1. des Monats)."),
    ("zaehltag", "DATE", "Zähltag des Monats: letzter Tag des Monats bzw. der Stichtag im Monat des Stichtags."),
    ("monat_vollstaendig", "BOOLEAN",
     "true, wenn der Zähltag der letzte Tag des Monats ist; nur vollständige Monate gehen in die Prognose ein."),
    ("mentorinnen_mit_zuschuss", "BIGINT", "Am Zähltag registrierte Mentor*innen mit Ehrenamtszuschuss = ja."),
    ("mentorinnen_mit_zuschuss_aktiv", "BIGINT",
     "Mentor*innen mit Ehrenamtszuschuss = ja und mindestens einem am Zähltag laufenden Tandem (aktiv wie in kennzahlen.mentoring)."),
    ("mentorinnen_abgerechnet", "BIGINT",
     "Mentor*innen mit Ehrenamtszuschuss = ja und mindestens einem Kontakt im Monat (für sie wurde Zuschuss gezahlt)."),
    ("zuschuss_stunden", "DOUBLE", "Zuschussfähige Kontaktstunden im Monat (Minuten / 60)."),
    ("zuschuss_eur", "DOUBLE", "Ehrenamtszuschuss des Monats in EUR (zuschuss_stunden x Stundensatz); gleich kennzahlen.mentoring.zuschuss_eur."),
    ("zuschuss_kumuliert_eur", "DOUBLE", "Ehrenamtszuschuss seit Programmstart bis zum Zähltag in EUR."),
    ("budget_eur", "DOUBLE", "Budget für Ehrenamtszuschüsse in EUR (Konfiguration budget_eur: die Spende)."),
    ("budget_rest_eur", "DOUBLE", "Restbudget am Zähltag: budget_eur - zuschuss_kumuliert_eur; negativ = überzogen."),
    ("prognose_basis_monate", "BIGINT",
     "Anzahl der vollständigen Monate, über die die Prognoserate gemittelt ist (höchstens prognose_monate der Konfiguration)."),
    ("prognose_rate_eur_monat", "DOUBLE",
     "Durchschnittlicher Zuschuss je Monat über die letzten vollständigen Monate bis einschließlich dieses Monats; NULL ohne vollständigen Monat."),
    ("prognose_eur_je_mentorin_monat", "DOUBLE",
     "Durchschnittlicher Zuschuss je abgerechneter Mentor*in und Monat in denselben Basismonaten; NULL, wenn dort niemand abgerechnet wurde."),
    ("prognose_reichweite_monate", "DOUBLE",
     "Restbudget / Prognoserate: so viele Monate reicht das Restbudget bei gleicher Rate; 0 wenn aufgebraucht, NULL bei Rate 0 oder ohne Basis."),
    ("prognose_mentorinnen_monate", "DOUBLE",
     "Restbudget / Zuschuss je Mentor*in und Monat: so viele Mentor*innen-Monate lassen sich noch finanzieren (z. B. 24 = 4 Mentor*innen für 6 Monate); 0 wenn aufgebraucht."),
    ("prognose_erschoepft_monat", "DATE",
     "Monat (1. des Monats), in dem das Budget bei der Prognoserate aufgebraucht ist; dieser Monat, wenn es bereits aufgebraucht ist; NULL, wenn es bei Rate 0 nie aufgebraucht wird oder keine Basis besteht."),
    ("prognose_status", "VARCHAR",
     "erschoepft (am Zähltag aufgebraucht), prognose (Monat berechnet), nie (Rate 0: reicht bei dieser Rate dauerhaft), keine_basis (noch kein vollständiger Monat)."),
)


# --- small helpers ------------------------------------------------------------------------------


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _create_commented_table(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[tuple[str, str, str], ...], comment: str
) -> None:
    # Explicit DDL (not CREATE TABLE AS): the contract fixes names, order and types.
    cols = ", ".join(f"{name} {sqltype}" for name, sqltype, _ in columns)
    con.execute(f"CREATE OR REPLACE TABLE {table} ({cols})")
    con.execute(f"COMMENT ON TABLE {table} IS {literal(comment)}")
    for name, _, meaning in columns:
        con.execute(f"COMMENT ON COLUMN {table}.{name} IS {literal(meaning)}")


# --- preparation: temp tables -------------------------------------------------------------------


class FehlenderEmissionsfaktor(ValueError):
    """Contacts with kilometres use a Verkehrsmittel that has no configured emission factor."""


def register_emissionsfaktoren(con: duckdb.DuckDBPyConnection, faktoren: dict[str, float]) -> None:
    """(Re)create the temp table ``mentoring_faktoren(verkehrsmittel, kg_je_km)`` from the settings."""
    con.execute("CREATE OR REPLACE TEMP TABLE mentoring_faktoren (verkehrsmittel VARCHAR, kg_je_km DOUBLE)")
    if faktoren:
        con.executemany("INSERT INTO mentoring_faktoren VALUES (?, ?)", [(k, float(v)) for k, v in faktoren.items()])


def pruefe_emissionsfaktoren(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse to publish a CO2 figure that silently leaves out kilometres without a factor."""
    fehlend = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT coalesce(verkehrsmittel, '(leer)') FROM mentoring_kontakte "
            "WHERE kilometer > 0 AND kg_je_km IS NULL ORDER BY 1"
        ).fetchall()
    ]
    if fehlend:
        raise FehlenderEmissionsfaktor(
            "Für diese Verkehrsmittel ist kein Emissionsfaktor konfiguriert (emissionsfaktoren_kg_km): "
            + ", ".join(fehlend)
        )


def prepare_mentoring(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> None:
    """Create the temp tables every figure of this module is computed from.

    ``berichtsmonate`` (zeitraum.py), ``mentoring_faktoren``, ``mentoring_tandems`` (tandems that
    count), ``mentoring_kontakte`` (contacts up to the Stichtag, with mentor, factor and
    zuschussfaehig) and ``mentoring_monate`` (one row per Berichtsmonat). Nothing is written to a
    persistent schema.
    """
    schluessel = _vorbereitung(con, settings, stichtag)
    # Looked up in the catalog, not tried: a failed statement would abort the caller's transaction.
    vorhanden = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '_mentoring_vorbereitet'"
    ).fetchone()[0]
    row = con.execute("SELECT schluessel FROM _mentoring_vorbereitet").fetchone() if vorhanden else None
    if row and row[0] == schluessel:
        return  # built by an earlier step of this run on the same rows and settings
    register_berichtsmonate(con, settings.programmstart, stichtag)
    register_emissionsfaktoren(con, settings.emissionsfaktoren_kg_km)
    con.execute(_sql("mentoring_tandems.sql"), [settings.run_day])
    con.execute(_sql("mentoring_kontakte.sql"), [stichtag])
    pruefe_emissionsfaktoren(con)
    con.execute(_sql("mentoring_monate.sql"))
    con.execute("CREATE OR REPLACE TEMP TABLE _mentoring_vorbereitet AS SELECT ?::VARCHAR AS schluessel", [schluessel])


# The tables prepare_mentoring reads. The run's steps share one connection, so its TEMP tables
# outlive a step; the metrics, the mentoring check and the council text blocks would otherwise
# build them three times (a third of a run at a million participants).
_MENTORING_QUELLEN = ("mentorinnen", "tandems", "kontakte", "teilnehmende")


def _vorbereitung(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> str:
    """What the prepared tables are a function of: the rows (count and hash of every row), the
    settings with the run day, and the Stichtag. Any change rebuilds them."""
    teile = [str(stichtag), settings.model_copy(update={"heute": settings.run_day}).model_dump_json()]
    for name in _MENTORING_QUELLEN:
        # Table names are constants above, not input.
        n, h = con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM aktuell.{name} t").fetchone()
        teile.append(f"{name}:{n}:{h}")
    return "|".join(teile)


# --- the budget forecast (pure) -----------------------------------------------------------------


@dataclass(frozen=True)
class Prognose:
    basis_monate: int
    rate_eur_monat: float | None
    eur_je_mentorin_monat: float | None
    reichweite_monate: float | None
    mentorinnen_monate: float | None
    erschoepft_monat: date | None
    status: str  # erschoepft / prognose / nie / keine_basis


def erschoepfungsmonat(
    monat: date,
    rest_eur: float,
    rate_eur_monat: float | None,
    zuschuss_monat_eur: float = 0.0,
    monat_vollstaendig: bool = True,
) -> tuple[date | None, str]:
    """The month in which the budget is used up at ``rate_eur_monat`` per month, and a status.

    - already used up on the Zähltag (``rest_eur`` below half a cent): ``monat``, ``erschoepft``;
    - no complete month to average over (``rate`` None): None, ``keine_basis``;
    - rate 0: None, ``nie`` (the budget never runs out at this rate);
    - otherwise ``prognose``: the month in which the spending reaches the budget. The rest of a
      month that is not yet complete (the Stichtag's month) is assumed to spend the rate as well,
      less what it has already spent (at least nothing); every later month spends the rate.
    """
    if rest_eur < CENT_TOLERANZ:
        return monat, "erschoepft"
    if rate_eur_monat is None:
        return None, "keine_basis"
    if rate_eur_monat <= 0:
        return None, "nie"
    rest = rest_eur
    if not monat_vollstaendig:
        rest -= max(0.0, rate_eur_monat - zuschuss_monat_eur)
        if rest < CENT_TOLERANZ:
            return monat, "prognose"
    # k further months spend k x rate; the budget is gone in the first month where that covers rest.
    k = math.ceil(rest / rate_eur_monat - 1e-9)
    return monat + relativedelta(months=max(k, 1)), "prognose"


@dataclass(frozen=True)
class BudgetMonat:
    """Input of the forecast: one Berichtsmonat's allowance figures."""

    monat: date
    vollstaendig: bool
    zuschuss_eur: float
    mentorinnen_abgerechnet: int
    budget_rest_eur: float


def budget_prognose(monate: list[BudgetMonat], index: int, prognose_monate: int) -> Prognose:
    """Forecast as of month ``monate[index]`` from the up to ``prognose_monate`` most recent
    complete months up to and including it (``monate`` in calendar order)."""
    aktuell = monate[index]
    basis = [m for m in monate[: index + 1] if m.vollstaendig][-prognose_monate:]
    rate: float | None = None
    je_mentorin: float | None = None
    if basis:
        summe = sum(m.zuschuss_eur for m in basis)
        rate = summe / len(basis)
        mentorinnen_monate = sum(m.mentorinnen_abgerechnet for m in basis)
        je_mentorin = summe / mentorinnen_monate if mentorinnen_monate else None
    monat, status = erschoepfungsmonat(
        aktuell.monat, aktuell.budget_rest_eur, rate, aktuell.zuschuss_eur, aktuell.vollstaendig
    )
    rest = max(aktuell.budget_rest_eur, 0.0) if status != "erschoepft" else 0.0
    return Prognose(
        basis_monate=len(basis),
        rate_eur_monat=rate,
        eur_je_mentorin_monat=je_mentorin,
        reichweite_monate=(0.0 if status == "erschoepft" else rest / rate) if rate else None,
        mentorinnen_monate=(0.0 if status == "erschoepft" else rest / je_mentorin) if je_mentorin else None,
        erschoepft_monat=monat,
        status=status,
    )


# --- the published tables -----------------------------------------------------------------------


def _budget_rows(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[tuple]:
    """Rows of kennzahlen.zuschuss_budget from the temp table mentoring_monate."""
    rate = settings.stundensatz_eur
    budget = settings.budget_eur
    raw = con.execute(
        """
        SELECT monat, zaehltag, monat_vollstaendig, mentorinnen_mit_zuschuss, mentorinnen_mit_zuschuss_aktiv,
               mentorinnen_abgerechnet, zuschuss_minuten,
               sum(zuschuss_minuten) OVER (ORDER BY monat ROWS UNBOUNDED PRECEDING) AS minuten_kumuliert
        FROM mentoring_monate ORDER BY monat
        """
    ).fetchall()
    monate: list[BudgetMonat] = []
    rows: list[tuple] = []
    for monat, zaehltag, vollst, mit_z, mit_z_aktiv, abgerechnet, minuten, minuten_kum in raw:
        # Amounts from minutes in one multiplication: no drift from adding up rounded months.
        zuschuss = minuten * rate / 60.0
        kumuliert = float(minuten_kum) * rate / 60.0
        rest = budget - kumuliert
        monate.append(BudgetMonat(monat, vollst, zuschuss, abgerechnet, rest))
        p = budget_prognose(monate, len(monate) - 1, settings.prognose_monate)
        rows.append(
            (
                monat, zaehltag, vollst, mit_z, mit_z_aktiv, abgerechnet, minuten / 60.0, zuschuss, kumuliert,
                budget, rest, p.basis_monate, p.rate_eur_monat, p.eur_je_mentorin_monat, p.reichweite_monate,
                p.mentorinnen_monate, p.erschoepft_monat, p.status,
            )
        )
    return rows


def stichtag_werte(con: duckdb.DuckDBPyConnection, stichtag: date) -> dict[str, int]:
    """The mentor and tandem stocks on the Stichtag (needs :func:`prepare_mentoring`)."""
    r = con.execute(
        """
        SELECT
            (SELECT count(*) FROM aktuell.mentorinnen m
              WHERE m.eintritt <= $1 AND (m.austritt IS NULL OR $1 <= m.austritt)),
            -- active (kennzahlen.md): a tandem runs on the Stichtag; registration is not asked
            (SELECT count(DISTINCT t.mentor_id) FROM mentoring_tandems t
              WHERE t.beginn <= $1 AND (t.ende IS NULL OR $1 <= t.ende)),
            (SELECT count(*) FROM aktuell.mentorinnen m
              WHERE m.eintritt <= $1 AND (m.austritt IS NULL OR $1 <= m.austritt) AND m.ehrenamtszuschuss),
            (SELECT count(*) FROM aktuell.mentorinnen m
              WHERE m.eintritt <= $1 AND (m.austritt IS NULL OR $1 <= m.austritt) AND m.schulung <= $1),
            (SELECT count(*) FROM mentoring_tandems t
              WHERE t.beginn <= $1 AND (t.ende IS NULL OR $1 <= t.ende))
        """,
        [stichtag],
    ).fetchone()
    keys = ("mentorinnen_registriert", "mentorinnen_aktiv", "mentorinnen_mit_zuschuss", "mentorinnen_geschult", "tandems_aktiv")
    return dict(zip(keys, (int(v) for v in r)))


def summen_seit_programmstart(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, float]:
    """Flows summed over all Berichtsmonate (= column sums of kennzahlen.mentoring)."""
    minuten, zuschuss_minuten, km, co2, kontakte = con.execute(
        "SELECT coalesce(sum(minuten), 0), coalesce(sum(zuschuss_minuten), 0), coalesce(sum(kilometer), 0), "
        "coalesce(sum(co2_kg), 0), coalesce(sum(kontakte), 0) FROM mentoring_monate"
    ).fetchone()
    zuschuss = float(zuschuss_minuten) * settings.stundensatz_eur / 60.0
    return {
        "kontakte": float(kontakte),
        "kontaktstunden": float(minuten) / 60.0,
        "kilometer": float(km),
        "co2_kg": float(co2),
        "zuschuss_ausgezahlt_eur": zuschuss,
        "zuschuss_rest_eur": settings.budget_eur - zuschuss,
    }


def build_mentoring_kennzahlen(
    con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date
) -> list[tuple[str, float]]:
    """(Re)create ``kennzahlen.mentoring`` and ``kennzahlen.zuschuss_budget`` and return the
    ueberblick rows of the mentoring figures, as of ``stichtag``.

    Reads ``aktuell.mentorinnen``, ``aktuell.tandems``, ``aktuell.kontakte`` and
    ``aktuell.teilnehmende`` (consenting participants). Raises :class:`FehlenderEmissionsfaktor`
    before writing anything if kilometres use a Verkehrsmittel without a configured factor. Runs
    in one transaction when the caller has none open, so a failure leaves the previous tables.
    """
    own_tx = not _in_transaction(con)
    if own_tx:
        con.execute("BEGIN TRANSACTION")
    try:
        prepare_mentoring(con, settings, stichtag)
        _write_tables(con, settings, _budget_rows(con, settings))
        werte: dict[str, float] = {k: float(v) for k, v in stichtag_werte(con, stichtag).items()}
        werte.update(summen_seit_programmstart(con, settings))
    except BaseException:
        if own_tx:
            con.execute("ROLLBACK")
        raise
    if own_tx:
        con.execute("COMMIT")
    return [(k, werte[k]) for k in UEBERBLICK_KEYS]


def _write_tables(con: duckdb.DuckDBPyConnection, settings: Settings, budget_rows: list[tuple]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS kennzahlen")
    _create_commented_table(con, MENTORING_TABLE, MENTORING_COLUMNS, MENTORING_COMMENT)
    con.execute(
        f"""
        INSERT INTO {MENTORING_TABLE}
        SELECT monat, mentorinnen_registriert, mentorinnen_aktiv, tandems_aktiv, kontakte,
               minuten / 60.0, kilometer::DOUBLE, co2_kg::DOUBLE, zuschuss_minuten * ? / 60.0
        FROM mentoring_monate ORDER BY monat
        """,
        [settings.stundensatz_eur],
    )
    _create_commented_table(con, BUDGET_TABLE, BUDGET_COLUMNS, BUDGET_COMMENT)
    if budget_rows:
        placeholders = ", ".join("?" for _ in BUDGET_COLUMNS)
        con.executemany(f"INSERT INTO {BUDGET_TABLE} VALUES ({placeholders})", budget_rows)


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True if the caller holds an open transaction on ``con`` (same probe as teilnahme.py: in
    auto-commit mode every statement gets its own transaction id; a failed BEGIN would abort the
    caller's transaction, so it cannot be the probe)."""
    first = con.execute("SELECT txid_current()").fetchone()[0]
    return con.execute("SELECT txid_current()").fetchone()[0] == first


# --- mentor-side checks -------------------------------------------------------------------------


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
    befunde: list[dict] = []

    # 1. Contacts outside their tandem's period: the log or the tandem dates are wrong.
    rows = con.execute(
        f"""
        SELECT k.tandem_id, {_POS.format(a="k")}, k.datum < t.beginn AS vorher
        FROM mentoring_kontakte k JOIN mentoring_tandems t USING (tandem_id) {_DATEI.format(a="k")}
        WHERE k.datum < t.beginn OR (t.ende IS NOT NULL AND k.datum > t.ende)
        ORDER BY d.datei, k.zeile
        """
    ).fetchall()
    tandems = sorted({r[0] for r in rows})
    befunde.append(
        _befund(
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
    )

    # 2. Tandems still running after their mentor's Austritt (up to the Stichtag).
    rows = con.execute(
        f"""
        SELECT t.tandem_id, {_POS.format(a="s")}
        FROM mentoring_tandems t JOIN aktuell.mentorinnen m USING (mentor_id)
        JOIN aktuell.tandems s ON s.tandem_id = t.tandem_id {_DATEI.format(a="s")}
        WHERE m.austritt IS NOT NULL AND m.austritt < $1
          AND greatest(t.beginn, m.austritt + 1) <= least(coalesce(t.ende, $1), $1)
        ORDER BY d.datei, s.zeile
        """,
        [stichtag],
    ).fetchall()
    befunde.append(
        _befund(
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
    )

    # 3. Contacts before the mentor's Eintritt or after the Austritt. They count and, for mentors
    # with allowance, are paid (kennzahlen.md asks only for Ehrenamtszuschuss = ja).
    rows = con.execute(
        f"""
        SELECT k.mentor_id, {_POS.format(a="k")}, k.datum < m.eintritt AS vorher, k.zuschussfaehig
        FROM mentoring_kontakte k JOIN aktuell.mentorinnen m USING (mentor_id) {_DATEI.format(a="k")}
        WHERE k.datum < m.eintritt OR (m.austritt IS NOT NULL AND k.datum > m.austritt)
        ORDER BY d.datei, k.zeile
        """
    ).fetchall()
    mentorinnen = sorted({r[0] for r in rows})
    bezahlt = sum(1 for r in rows if r[5])
    befunde.append(
        _befund(
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
    )

    # 4. Mentors of running tandems without any contact in the last inaktiv_tage days. A mentor
    # whose running tandems all began within that window is not flagged yet (grace period).
    grenze = stichtag - timedelta(days=settings.inaktiv_tage)
    rows = con.execute(
        f"""
        WITH laufend AS (
            SELECT mentor_id, min(beginn) AS erster_beginn FROM mentoring_tandems
            WHERE beginn <= $1 AND (ende IS NULL OR $1 <= ende) GROUP BY mentor_id
        ), letzter AS (
            SELECT mentor_id, max(datum) AS letzter_kontakt FROM mentoring_kontakte GROUP BY mentor_id
        )
        SELECT l.mentor_id, {_POS.format(a="m")}
        FROM laufend l LEFT JOIN letzter k USING (mentor_id)
        LEFT JOIN aktuell.mentorinnen m ON m.mentor_id = l.mentor_id {_DATEI.format(a="m")}
        WHERE l.erster_beginn <= $2 AND (k.letzter_kontakt IS NULL OR k.letzter_kontakt <= $2)
        ORDER BY d.datei, m.zeile, l.mentor_id
        """,
        [stichtag, grenze],
    ).fetchall()
    befunde.append(
        _befund(
            "mentorin_ohne_kontakt",
            len(rows),
            f"{len(rows)} Mentor*in(nen) mit laufendem Tandem hatten in den {settings.inaktiv_tage} Tagen bis zum "
            f"Stichtag {_datum_de(stichtag)} keinen Kontakt.",
            sorted(r[0] for r in rows),
            [
                _fundstelle("mentorinnen", r[1:4], None,
                            f"Mentor*in mit laufendem Tandem hatte in den {settings.inaktiv_tage} Tagen bis zum Stichtag "
                            f"{_datum_de(stichtag)} keinen Kontakt")
                for r in rows
            ],
        )
    )
    return befunde


# The position of a row in its export: partner, file (meta.dateien) and line; never a value.
_POS = "d.quelle, d.datei, {a}.zeile"
_DATEI = "LEFT JOIN meta.dateien d ON d.datei_id = {a}.datei_id AND d.status = 'verwendet'"


@dataclass(frozen=True)
class Fundstelle:
    """Where a finding is, in the shape of ``kennzahlen.befunde`` (without rule and severity)."""

    quelle: str | None
    datei: str | None
    zeile: int | None
    spalte: str | None
    grund: str


def _fundstelle(art: str, pos: tuple, spalte: str | None, grund: str) -> Fundstelle:
    from sources.kinds import BY_NAME

    quelle, datei, zeile = pos
    header = BY_NAME[art].col(spalte).header if spalte else None
    return Fundstelle(quelle or BY_NAME[art].quelle, datei, None if zeile is None else int(zeile), header, grund)


def _befund(regel: str, anzahl: int, beschreibung: str, pseudonyme: list[str], fundstellen: list[Fundstelle]) -> dict:
    if anzahl == 0:
        beschreibung = "Keine Auffälligkeit."
    return {"regel": regel, "schwere": SCHWERE, "anzahl": anzahl, "beschreibung": beschreibung,
            "pseudonyme": pseudonyme, "fundstellen": fundstellen}


# --- German text blocks -------------------------------------------------------------------------

MONATSNAMEN = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)


def zahl_de(x: float, stellen: int = 0) -> str:
    """German number format: thousands dot, decimal comma (1234.5 -> '1.234,5').

    Rounds half up on the decimal value a reader sees (8.25 -> '8,3'), not half-even on the binary
    one as Python's format does."""
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-stellen), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)  # no '-0,0'
    s = f"{q:,.{stellen}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def anzahl_de(n: int) -> str:
    """A count for text that leaves the office: 1 and 2 are 'weniger als drei', 0 is 'keine'."""
    if n == 0:
        return "keine"
    if n in (1, 2):
        return "weniger als drei"
    return zahl_de(n)


def teilanzahl_de(teil: int, gesamt: int) -> str:
    """A part of a stated total. If the rest (gesamt - teil) is 1 or 2 it could be worked out from
    the two figures, so the part is written as 'alle bis auf weniger als drei' (secondary
    suppression in words)."""
    if teil > 2 and gesamt - teil in (1, 2):
        return "alle bis auf weniger als drei"
    if teil == gesamt and teil > 2:
        return "alle"
    return anzahl_de(teil)


def eur_de(x: float) -> str:
    """An amount as the council tables print it: whole euros (rounded half up), unit 'EUR'."""
    return f"{zahl_de(x, 0)} EUR"


def satz_eur_de(x: float) -> str:
    """A configured rate (the hourly allowance): cents shown, as in the tables' footnote."""
    return f"{zahl_de(x, 2)} EUR"


def _satzanfang(text: str) -> str:
    """``text`` at the start of a sentence (first letter capital, the rest as it is)."""
    return text[:1].upper() + text[1:]


def _datum_de(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def monat_de(d: date) -> str:
    return f"{MONATSNAMEN[d.month - 1]} {d.year}"


def mentoring_textbausteine(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict[str, str]:
    """German text blocks for the Mitteilungsvorlage: ``mentoring`` and ``klimarelevanz``.

    The period is programme start ('Projektbeginn', the word of the tables) to Stichtag (the figures
    equal kennzahlen.ueberblick). Amounts and hours are rounded as the council tables print them
    (whole units, half up; 'EUR'), so that a sentence never states a figure more precisely than
    its table. Counts of 1 or 2 are written as "weniger als drei" (statistical confidentiality).
    Computed from the warehouse in TEMP tables; writes nothing to ``kennzahlen``.
    """
    prepare_mentoring(con, settings, stichtag)
    bestand = stichtag_werte(con, stichtag)
    summen = summen_seit_programmstart(con, settings)
    budget_rows = _budget_rows(con, settings)
    beginn = date(settings.programmstart.year, settings.programmstart.month, 1)
    zeitraum = f"seit Projektbeginn am {_datum_de(beginn)} bis zum Stichtag"

    n = bestand["mentorinnen_registriert"]
    if n == 0:
        satz1 = f"Zum Stichtag {_datum_de(stichtag)} sind keine Mentor*innen im Projekt registriert."
    else:
        satz1 = (
            f"Zum Stichtag {_datum_de(stichtag)} sind {anzahl_de(n)} Mentor*innen im Projekt registriert, davon "
            f"{teilanzahl_de(bestand['mentorinnen_mit_zuschuss'], n)} mit Ehrenamtszuschuss."
        )
    t = bestand["tandems_aktiv"]
    satz2 = f"Es laufen {anzahl_de(t)} Tandems aus Mentor*in und teilnehmender Person."
    kontakte = int(summen["kontakte"])
    if kontakte == 0:
        satz3 = f"{_satzanfang(zeitraum)} wurden keine Mentoring-Kontakte erfasst."
    else:
        satz3 = (
            f"{_satzanfang(zeitraum)} fanden {anzahl_de(kontakte)} Kontakte im Umfang von "
            f"{zahl_de(summen['kontaktstunden'], 0)} Stunden statt."
        )
    satz4 = (
        f"An Ehrenamtszuschüssen ({satz_eur_de(settings.stundensatz_eur)} je Kontaktstunde) wurden seit Projektbeginn "
        f"{eur_de(summen['zuschuss_ausgezahlt_eur'])} ausgezahlt; "
    )
    rest = summen["zuschuss_rest_eur"]
    if rest >= CENT_TOLERANZ:
        satz4 += f"vom Budget in Höhe von {eur_de(settings.budget_eur)} stehen noch {eur_de(rest)} zur Verfügung."
    elif rest > -CENT_TOLERANZ:
        satz4 += f"das Budget in Höhe von {eur_de(settings.budget_eur)} ist damit aufgebraucht."
    else:
        satz4 += (
            f"das Budget in Höhe von {eur_de(settings.budget_eur)} ist damit aufgebraucht und um "
            f"{eur_de(-rest)} überschritten."
        )
    satz5 = _prognose_satz(budget_rows[-1] if budget_rows else None, settings)
    mentoring = " ".join(s for s in (satz1, satz2, satz3, satz4, satz5) if s)

    return {"mentoring": mentoring, "klimarelevanz": _klima_satz(con, summen, zeitraum, settings)}


def _prognose_satz(row: tuple | None, settings: Settings) -> str:
    if row is None:
        return ""
    r = dict(zip((c for c, _, _ in BUDGET_COLUMNS), row))
    basis, rate, monat, status = (
        r["prognose_basis_monate"], r["prognose_rate_eur_monat"], r["prognose_erschoepft_monat"], r["prognose_status"]
    )
    if status == "erschoepft":
        return ""  # said in the sentence before
    if status == "keine_basis":
        return "Für eine Prognose, wann das Budget aufgebraucht ist, liegt noch kein vollständiger Monat vor."
    zeitraum = "im letzten vollständigen Monat" if basis == 1 else f"in den letzten {basis} vollständigen Monaten"
    if status == "nie":
        return f"Da {zeitraum} keine Zuschüsse angefallen sind, ist bei dieser Rate kein Ende des Budgets absehbar."
    return (
        f"Bleibt es bei durchschnittlich {eur_de(rate)} je Monat wie {zeitraum}, ist das Budget voraussichtlich "
        f"im {monat_de(monat)} aufgebraucht."
    )


def _klima_satz(con: duckdb.DuckDBPyConnection, summen: dict[str, float], zeitraum: str, settings: Settings) -> str:
    """The Klimarelevanz sentence: only figures the council tables publish (total kilometres and
    CO2 of the period, whole units as the tables print them) and the emission factors in the
    wording that marks them as configuration ('Pkw 0,166 kg'), so that the council DOCX takes it
    (assets/report/files.py, textbaustein_zulaessig). Kilometres per Verkehrsmittel are in no
    council table and would be rejected there."""
    verkehrsmittel = [
        r[0]
        for r in con.execute(
            """
            SELECT k.verkehrsmittel FROM mentoring_kontakte k
            WHERE k.kilometer > 0 AND k.datum >= (SELECT min(monat) FROM berichtsmonate)
            GROUP BY 1 ORDER BY sum(k.kilometer * k.kg_je_km) DESC, 1
            """
        ).fetchall()
    ]
    km = summen["kilometer"]
    co2 = summen["co2_kg"]
    if km <= 0:
        return (
            f"{_satzanfang(zeitraum)} entstanden durch die Fahrten der ehrenamtlichen Mentor*innen keine "
            "CO2-Emissionen, da keine Fahrten erfasst wurden."
        )
    if co2 <= 0:
        return (
            f"{_satzanfang(zeitraum)} entstanden durch die Fahrten der ehrenamtlichen Mentor*innen keine "
            f"CO2-Emissionen ({zahl_de(km, 0)} gefahrene Kilometer, nur mit Verkehrsmitteln ohne direkte Emissionen)."
        )
    menge = "weniger als 1 kg" if co2 < 0.5 else f"rund {zahl_de(co2, 0)} kg"
    faktoren = [
        f"{vm} {zahl_de(settings.emissionsfaktoren_kg_km[vm], 3)} kg"
        for vm in verkehrsmittel
        if settings.emissionsfaktoren_kg_km.get(vm, 0) > 0
    ]
    return (
        f"Durch die Fahrten der ehrenamtlichen Mentor*innen entstanden {zeitraum} {menge} "
        f"CO2-Äquivalente ({zahl_de(km, 0)} gefahrene Kilometer; Emissionsfaktoren je "
        f"Personenkilometer: {', '.join(faktoren)} CO2-Äquivalente nach Umweltbundesamt, TREMOD)."
    )
