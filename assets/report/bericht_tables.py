"""Council tables: schema ``bericht``, built from ``kennzahlen.*`` through the disclosure module.

Everything the public sees (these tables and every file built from them) is aggregated to
quarters or years, so that at Hilden's scale (tens of people) most cells stay publishable, and
passes through ``assets.report.disclosure`` in one go: the same figure in two tables is
suppressed in both, totals and breakdowns are protected across tables. Values are text in the
notation of official statistics (``*``, ``–``, ``x``). docs/bericht.md explains the choices.

Entry point: ``build_bericht_tables(con, settings, stichtag) -> {tabelle: zeilen}``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import duckdb
from dateutil.relativedelta import relativedelta
import polars as pl

from assets.report.disclosure import (
    BA_FUSSNOTE,
    GESPERRT,
    NICHT_SINNVOLL,
    ZEICHENERKLAERUNG,
    Art,
    Bericht,
    Geheimhaltung,
    zahl_de,
)
from sources.settings import Settings
from sources.sql import literal

SCHEMA = "bericht"

# --- what each table shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Spalte:
    name: str
    titel: str  # column header in the files (German)
    art: Art | None = None  # None: a label column (text)
    dezimalen: int = 0
    kommentar: str = ""


@dataclass(frozen=True)
class TabellenSpec:
    name: str
    titel: str
    spalten: tuple[Spalte, ...]
    quellen: tuple[str, ...]  # export kinds the figures come from (for the Datenstand footnote)
    hinweise: tuple[str, ...] = field(default=())

    def spalte(self, name: str) -> Spalte:
        return next(s for s in self.spalten if s.name == name)


ALLE_QUELLEN = ("teilnehmende", "massnahmen", "integrationen", "kursteilnahmen", "mentorinnen", "tandems", "kontakte")
PHASEN_QUELLEN = ("teilnehmende", "massnahmen", "integrationen", "kursteilnahmen")

QUELLEN_TITEL = {
    "teilnehmende": "Teilnehmendenliste (Stadt Hilden, Sachgebiet Asyl)",
    "mentorinnen": "Mentor*innenliste (Stadt Hilden, Sachgebiet Asyl)",
    "tandems": "Tandemliste (Stadt Hilden, Sachgebiet Asyl)",
    "kontakte": "Kontaktprotokoll der Tandems (Stadt Hilden, Sachgebiet Asyl)",
    "unternehmen": "Unternehmensnetzwerk (Stadt Hilden)",
    "massnahmen": "Maßnahmen (Jobcenter)",
    "integrationen": "Arbeitsaufnahmen (Jobcenter)",
    "kursteilnahmen": "Kursteilnahmen (VHS Hilden-Haan)",
}
PARTNER = {"asyl": ("teilnehmende", "mentorinnen", "tandems", "kontakte", "unternehmen"),
           "jobcenter": ("massnahmen", "integrationen"), "vhs": ("kursteilnahmen",)}

# Units of the overview rows; rows in these units are counts (primary suppression of 1 and 2).
ZAEHL_EINHEITEN = {"Personen": Art.ANZAHL, "Vermittlungen": Art.ANZAHL, "Minijobs": Art.ANZAHL,
                   "Mentor*innen": Art.ANZAHL, "Tandems": Art.ANZAHL}
EINHEITEN = {**ZAEHL_EINHEITEN, "Stunden": Art.BETRAG, "EUR": Art.BETRAG, "kg CO2e": Art.BETRAG, "%": Art.QUOTE}

SV = "SV-pflichtige Beschäftigung (Voll- und Teilzeit)"
INTEGRATIONSGRUPPEN = {  # Integrationsart -> column of bericht.vermittlungen
    "SVB Vollzeit": "svb",
    "SVB Teilzeit": "svb",
    "Ausbildung": "ausbildung_selbstaendigkeit",
    "Selbständigkeit": "ausbildung_selbstaendigkeit",
    "geringfügig": "minijobs",
}
KURSART_REIHENFOLGE = ("Integrationskurs", "Alphabetisierungskurs", "Jugendintegrationskurs", "Berufssprachkurs", "Sonstiger Kurs")

INSGESAMT = "Insgesamt seit Projektbeginn"


def tabellen_specs(settings: Settings) -> dict[str, TabellenSpec]:
    """The published tables, in the order of the report."""
    n = settings.nachhaltigkeit_monate
    faktoren = "; ".join(f"{k} {zahl_de(v, 3)}" for k, v in settings.emissionsfaktoren_kg_km.items())
    vermittlung_hinweis = (
        "Vermittlungen nach der Zählweise der Bundesagentur für Arbeit (§ 48a SGB II): Aufnahme einer "
        "sozialversicherungspflichtigen Beschäftigung, einer Ausbildung oder einer Selbständigkeit "
        "(auch mit Eingliederungszuschuss, nicht nach § 16i SGB II); höchstens eine Vermittlung je Person "
        "und Kalendermonat. Minijobs (geringfügige Beschäftigung) werden nachrichtlich ausgewiesen und "
        "nicht als Vermittlung gezählt."
    )
    return {
        "ueberblick": TabellenSpec(
            "ueberblick",
            "Das 3-Phasen-Modell auf einen Blick",
            (
                Spalte("bereich", "Bereich", kommentar="Themenbereich der Kennzahl"),
                Spalte("kennzahl", "Kennzahl", kommentar="Bezeichnung der Kennzahl"),
                Spalte("wert", "Wert", Art.ANZAHL, kommentar="Wert am Stichtag bzw. seit Projektbeginn, geheimgehalten (Text)"),
                Spalte("einheit", "Einheit", kommentar="Einheit des Werts; Personen, Vermittlungen, Minijobs, Mentor*innen und Tandems sind Fallzahlen"),
            ),
            ALLE_QUELLEN,
            (
                vermittlung_hinweis,
                f"Nachhaltig: Die Person ist {n} Monate nach Beginn der Beschäftigung (Prüftag) beschäftigt; "
                "bewertbar sind Vermittlungen, deren Prüftag spätestens am Stichtag liegt.",
                f"Ehrenamtszuschuss: {zahl_de(settings.stundensatz_eur, 2)} EUR je Kontaktstunde für Mentor*innen mit "
                f"Zuschuss; Budget aus der Unternehmensspende ({zahl_de(settings.budget_eur, 0)} EUR). Prognose: "
                f"durchschnittlicher Zuschuss der letzten {settings.prognose_monate} abgeschlossenen Monate.",
                f"CO2-Äquivalente der Fahrten zu Tandemtreffen; Emissionsfaktoren in kg CO2e je Personenkilometer "
                f"(UBA/TREMOD): {faktoren}.",
            ),
        ),
        "phasen_quartale": TabellenSpec(
            "phasen_quartale",
            "Aktive Teilnehmende nach Phase am Quartalsende",
            (
                Spalte("quartal", "Quartal", kommentar="Kalenderquartal"),
                Spalte("stand_am", "Stand am", kommentar="Zähltag: letzter Tag des Quartals, im laufenden Quartal der Stichtag"),
                Spalte("phase_1", "Phase 1 (Erkennen)", Art.ANZAHL, kommentar="aktive Teilnehmende in Phase 1 am Zähltag"),
                Spalte("phase_2", "Phase 2 (Fördern)", Art.ANZAHL, kommentar="aktive Teilnehmende in Phase 2 am Zähltag"),
                Spalte("phase_3", "Phase 3 (Integrieren)", Art.ANZAHL, kommentar="aktive Teilnehmende in Phase 3 am Zähltag"),
                Spalte("aktiv", "Aktive insgesamt", Art.ANZAHL, kommentar="aktive Teilnehmende am Zähltag"),
            ),
            PHASEN_QUELLEN,
            ("Phase 1 = Fähigkeiten erkennen, Phase 2 = fördern (Kompetenzfeststellung, Sprachkurs oder Maßnahme), "
             "Phase 3 = in Arbeit oder Ausbildung integriert.",),
        ),
        "phasen_bewegungen": TabellenSpec(
            "phasen_bewegungen",
            "Eintritte, Übergänge und Austritte je Kalenderjahr",
            (
                Spalte("zeitraum", "Zeitraum", kommentar="Kalenderjahr (im laufenden Jahr bis zum Stichtag) oder Summe seit Projektbeginn"),
                Spalte("eintritte", "Eintritte", Art.ANZAHL, kommentar="Teilnehmende mit Eintritt im Zeitraum"),
                Spalte("beginn_phase_2", "Übergänge in Phase 2", Art.ANZAHL, kommentar="Teilnehmende, deren Phase 2 im Zeitraum begann"),
                Spalte("beginn_phase_3", "Übergänge in Phase 3", Art.ANZAHL, kommentar="Teilnehmende, deren Phase 3 im Zeitraum begann"),
                Spalte("austritte", "Austritte", Art.ANZAHL, kommentar="Teilnehmende mit Austritt im Zeitraum"),
            ),
            PHASEN_QUELLEN,
        ),
        "phasen_dauer": TabellenSpec(
            "phasen_dauer",
            "Dauer bis zum Erreichen der Phasen",
            (
                Spalte("uebergang", "Übergang", kommentar="Eintritt bis Phase 2 oder bis Phase 3"),
                Spalte("personen", "Personen", Art.ANZAHL, kommentar="Teilnehmende, die die Phase bis zum Stichtag erreicht haben"),
                Spalte("median_tage", "Median (Tage)", Art.MEDIAN, kommentar="Median der Tage vom Eintritt bis zum Beginn der Phase"),
            ),
            PHASEN_QUELLEN,
            ("Median: mittlerer Wert der Dauer über alle Personen, die die Phase erreicht haben; "
             "er wird mit der Zahl der Personen geheim gehalten.",),
        ),
        "vermittlungen": TabellenSpec(
            "vermittlungen",
            "Vermittlungen nach Art und Kalenderjahr",
            (
                Spalte("zeitraum", "Zeitraum", kommentar="Kalenderjahr (im laufenden Jahr bis zum Stichtag) oder Summe seit Projektbeginn"),
                Spalte("svb", SV, Art.ANZAHL, kommentar="Vermittlungen in SV-pflichtige Beschäftigung (Vollzeit und Teilzeit)"),
                Spalte("ausbildung_selbstaendigkeit", "Ausbildung oder Selbständigkeit", Art.ANZAHL, kommentar="Vermittlungen in Ausbildung oder Selbständigkeit"),
                Spalte("insgesamt", "Vermittlungen insgesamt", Art.ANZAHL, kommentar="Vermittlungen nach Zählweise der BA"),
                Spalte("minijobs", "nachrichtlich: Minijobs", Art.ANZAHL, kommentar="geringfügige Beschäftigungen (keine Vermittlung)"),
            ),
            ("teilnehmende", "integrationen"),
            (vermittlung_hinweis,
             "Ausbildung und Selbständigkeit sind zusammengefasst, damit möglichst wenige Werte geheim gehalten werden müssen."),
        ),
        "mentoring_quartale": TabellenSpec(
            "mentoring_quartale",
            "Mentoring je Quartal",
            (
                Spalte("quartal", "Quartal", kommentar="Kalenderquartal oder Summe seit Projektbeginn"),
                Spalte("stand_am", "Stand am", kommentar="Zähltag der Bestände: letzter Tag des Quartals, im laufenden Quartal der Stichtag"),
                Spalte("mentorinnen_registriert", "Mentor*innen registriert", Art.ANZAHL, kommentar="registrierte Mentor*innen am Zähltag"),
                Spalte("mentorinnen_aktiv", "aktiv (laufendes Tandem)", Art.ANZAHL, kommentar="Mentor*innen mit mindestens einem laufenden Tandem am Zähltag"),
                Spalte("tandems_aktiv", "Tandems aktiv", Art.ANZAHL, kommentar="laufende Tandems am Zähltag"),
                Spalte("kontakte", "Kontakte", Art.ANZAHL, kommentar="Kontakte der Tandems im Quartal"),
                Spalte("stunden", "Kontaktstunden", Art.BETRAG, 0, "Summe der Kontaktdauer im Quartal in Stunden (gerundet)"),
                Spalte("kilometer", "Kilometer", Art.BETRAG, 0, "gefahrene Kilometer im Quartal (gerundet)"),
                Spalte("co2_kg", "CO2 (kg CO2e)", Art.BETRAG, 0, "CO2-Äquivalente der Fahrten im Quartal in kg (gerundet)"),
                Spalte("zuschuss_eur", "Ehrenamtszuschuss (EUR)", Art.BETRAG, 0, "ausgezahlter Ehrenamtszuschuss im Quartal in EUR (gerundet)"),
            ),
            ("mentorinnen", "tandems", "kontakte", "teilnehmende"),
            ("Mentor*innen und Tandems: Bestand am Zähltag; Kontakte, Stunden, Kilometer, CO2 und Zuschuss: Summe im Quartal. "
             "Stunden, Kilometer, CO2 und Zuschuss werden zusammen mit der Zahl der Kontakte geheim gehalten.",),
        ),
        "sprache": TabellenSpec(
            "sprache",
            "Sprachkurse nach Kursart",
            (
                Spalte("kursart", "Kursart", kommentar="Kursart der VHS"),
                Spalte("begonnen", "begonnen", Art.ANZAHL, kommentar="Kursteilnahmen (nicht storniert) mit Kursbeginn bis zum Stichtag"),
                Spalte("abgeschlossen", "abgeschlossen", Art.ANZAHL, kommentar="davon abgeschlossen"),
                Spalte("abgebrochen", "abgebrochen", Art.ANZAHL, kommentar="davon abgebrochen"),
                Spalte("pruefungen", "Prüfungen", Art.ANZAHL, kommentar="abgelegte Prüfungen mit Ergebnis"),
                Spalte("b1_oder_hoeher", "darunter B1 oder höher", Art.ANZAHL, kommentar="Prüfungen mit Ergebnis B1, B2 oder C1"),
                Spalte("quote_b1", "Anteil B1 oder höher", Art.QUOTE, 1, "Anteil der Prüfungen mit B1 oder höher (Prozent)"),
            ),
            ("kursteilnahmen", "teilnehmende"),
            ("Gezählt werden Kursteilnahmen, nicht Personen: eine Person kann mehrere Kurse besuchen.",),
        ),
        "datenbasis": TabellenSpec(
            "datenbasis",
            "Datenbasis: verwendete Exporte der Partner",
            (
                Spalte("quelle", "Quelle", kommentar="Export eines Partners (Stadt Hilden, Jobcenter, VHS)"),
                Spalte("datei", "Datei", kommentar="Name der verwendeten Exportdatei"),
                Spalte("datenstand", "Datenstand", kommentar="Datenstand des Exports (TT.MM.JJJJ)"),
            ),
            ALLE_QUELLEN,
            ("Je Quelle wird der jüngste gültige Export verwendet.",),
        ),
        "fussnoten": TabellenSpec(
            "fussnoten",
            "Fußnoten der Tabellen",
            (
                Spalte("tabelle", "Tabelle", kommentar="Name der Tabelle im Schema bericht"),
                Spalte("nr", "Nr.", kommentar="laufende Nummer der Fußnote"),
                Spalte("text", "Text", kommentar="Wortlaut der Fußnote"),
            ),
            ALLE_QUELLEN,
        ),
    }


# --- reading kennzahlen ------------------------------------------------------------------------


def _tabelle_da(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    n = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? AND database_name = current_database()",
        [schema, name],
    ).fetchall()[0][0]
    v = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE schema_name = ? AND view_name = ? AND database_name = current_database()",
        [schema, name],
    ).fetchall()[0][0]
    return bool(n or v)


def _lesen(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    if not _tabelle_da(con, "kennzahlen", name):
        raise RuntimeError(f"Die Tabelle kennzahlen.{name} fehlt: die Kennzahlen müssen vor dem Bericht berechnet sein.")
    return con.sql(f'SELECT * FROM kennzahlen."{name}"').pl()  # name is one of our constants


def de_datum(d: date) -> str:
    return d.strftime("%d.%m.%Y")


MONATE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember")


def monat_text(d: date) -> str:
    return f"{MONATE[d.month - 1]} {d.year}"


def _quartal(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def quartal_text(y: int, q: int) -> str:
    return f"{q}. Quartal {y}"


def _jahr_text(y: int, stichtag: date) -> str:
    if y == stichtag.year and (stichtag.month, stichtag.day) != (12, 31):
        return f"{y} (bis {stichtag.strftime('%d.%m.')})"
    return str(y)


def _bis_stichtag(df: pl.DataFrame, stichtag: date) -> pl.DataFrame:
    """Berichtsmonate up to the Stichtag, with their Zähltag (last day, or the Stichtag)."""
    df = df.filter(pl.col("monat") <= stichtag).sort("monat")
    if "zaehltag" not in df.columns:
        df = df.with_columns(
            pl.min_horizontal(pl.col("monat").dt.month_end(), pl.lit(stichtag)).alias("zaehltag")
        )
    return df


def _stand_je_quartal(df: pl.DataFrame, spalten: list[str]) -> list[dict]:
    """Stocks: the value on the Zähltag of the quarter's last Berichtsmonat."""
    out: dict[tuple[int, int], dict] = {}
    for row in df.iter_rows(named=True):
        out[_quartal(row["monat"])] = {"zaehltag": row.get("zaehltag"), **{s: row[s] for s in spalten}}
    return [{"yq": k, **v} for k, v in sorted(out.items())]


def _summe_je(df: pl.DataFrame, spalten: list[str], key) -> list[dict]:
    out: dict = {}
    for row in df.iter_rows(named=True):
        k = key(row["monat"])
        acc = out.setdefault(k, {s: 0.0 for s in spalten})
        for s in spalten:
            acc[s] += row[s] or 0
    return [{"k": k, **v} for k, v in sorted(out.items())]


# --- allowance forecast ------------------------------------------------------------------------


@dataclass(frozen=True)
class Prognose:
    ausgezahlt: float
    rest: float
    monatlich: float | None  # average allowance per month the forecast assumes
    erschoepft_im: date | None  # month in which the budget runs out (None: not foreseeable)
    status: str  # 'erschoepft', 'prognose', 'nie' (rate 0), 'keine_basis' (no complete month yet)
    reihe: tuple[tuple[date, float], ...]  # forecast of the cumulative allowance at month ends
    basis_monate: tuple[date, ...]  # months whose allowance drives the forecast
    quelle: str  # 'kennzahlen.zuschuss_budget' or 'kennzahlen.mentoring'


def _month_len(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


def _reihe(stichtag: date, ausgezahlt: float, monat_zuschuss: float, vollstaendig: bool, rate: float | None,
           budget: float, bis: date | None) -> tuple[tuple[date, float], ...]:
    """Cumulative allowance at the end of each month from the Stichtag's month to the month the
    budget runs out, spending ``rate`` per month (the Stichtag's month tops up to the rate)."""
    if not rate or rate <= 0 or ausgezahlt >= budget:
        return ()
    monat = date(stichtag.year, stichtag.month, 1)
    acc = ausgezahlt + (0.0 if vollstaendig else max(0.0, rate - monat_zuschuss))
    out = [(_month_end(monat), min(acc, budget))]
    for _ in range(600):  # at most 50 years: a forecast beyond that says nothing
        if acc >= budget or (bis is not None and monat >= bis):
            break
        monat = monat.replace(day=1) + relativedelta(months=1)
        acc += rate
        out.append((_month_end(monat), min(acc, budget)))
    return tuple(out)


def _month_end(d: date) -> date:
    return date(d.year, d.month, _month_len(d))


BUDGET_SPALTEN = {"monat", "zuschuss_eur", "zuschuss_kumuliert_eur", "prognose_basis_monate", "prognose_rate_eur_monat",
                  "prognose_erschoepft_monat", "prognose_status", "monat_vollstaendig"}


def budget_prognose(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> Prognose:
    """When does the allowance budget run out if spending goes on as in the last complete months?

    Taken from ``kennzahlen.zuschuss_budget`` (the mentoring metrics' forecast, docs/mentoring.md)
    when that table is there; otherwise computed the same way from ``kennzahlen.mentoring``: the
    average allowance of the last ``prognose_monate`` complete months.
    """
    m = _bis_stichtag(_lesen(con, "mentoring"), stichtag)
    budget = settings.budget_eur
    rows = list(m.iter_rows(named=True))
    ausgezahlt = float(sum(r["zuschuss_eur"] or 0 for r in rows))
    letzte = rows[-1] if rows else None
    monat_zuschuss = float(letzte["zuschuss_eur"] or 0) if letzte else 0.0
    vollstaendig = bool(letzte and letzte["zaehltag"].day == _month_len(letzte["monat"]))

    if _tabelle_da(con, "kennzahlen", "zuschuss_budget"):
        cols = {c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'kennzahlen' AND table_name = 'zuschuss_budget' "
            "AND database_name = current_database()").fetchall()}
        if BUDGET_SPALTEN <= cols:
            zb = con.sql(
                "SELECT monat, monat_vollstaendig, zuschuss_eur, zuschuss_kumuliert_eur, prognose_basis_monate, "
                "prognose_rate_eur_monat, prognose_erschoepft_monat, prognose_status FROM kennzahlen.zuschuss_budget "
                "WHERE monat <= ? ORDER BY monat", params=[stichtag]).pl()
            if zb.height:
                z = zb.row(-1, named=True)
                n = int(z["prognose_basis_monate"] or 0)
                basis = tuple(r["monat"] for r in zb.iter_rows(named=True) if r["monat_vollstaendig"])[-n:] if n else ()
                paid = float(z["zuschuss_kumuliert_eur"] or 0.0)
                rate = z["prognose_rate_eur_monat"]
                return Prognose(paid, budget - paid, rate, z["prognose_erschoepft_monat"], z["prognose_status"],
                                _reihe(stichtag, paid, float(z["zuschuss_eur"] or 0), bool(z["monat_vollstaendig"]), rate, budget, z["prognose_erschoepft_monat"]),
                                basis, "kennzahlen.zuschuss_budget")

    komplett = [r for r in rows if r["zaehltag"].day == _month_len(r["monat"])]
    basis_rows = komplett[-settings.prognose_monate:]
    basis = tuple(r["monat"] for r in basis_rows)
    rest = budget - ausgezahlt
    monat = date(stichtag.year, stichtag.month, 1)
    rate = (sum(r["zuschuss_eur"] or 0 for r in basis_rows) / len(basis_rows)) if basis_rows else None
    if rest < 0.005:
        return Prognose(ausgezahlt, rest, rate, monat, "erschoepft", (), basis, "kennzahlen.mentoring")
    if rate is None:
        return Prognose(ausgezahlt, rest, None, None, "keine_basis", (), basis, "kennzahlen.mentoring")
    if rate <= 0:
        return Prognose(ausgezahlt, rest, rate, None, "nie", (), basis, "kennzahlen.mentoring")
    reihe = _reihe(stichtag, ausgezahlt, monat_zuschuss, vollstaendig, rate, budget, None)
    erschoepft = next((date(d.year, d.month, 1) for d, v in reihe if v >= budget - 0.005), None)
    return Prognose(ausgezahlt, rest, rate, erschoepft, "prognose", reihe, basis, "kennzahlen.mentoring")


# --- building the report -----------------------------------------------------------------------


def _frame(rows: list[dict], spalten: list[str]) -> pl.DataFrame:
    data, schema = {}, {}
    for s in spalten:
        data[s] = [r.get(s) for r in rows]
        schema[s] = pl.String if any(isinstance(v, str) for v in data[s]) else pl.Float64
        if schema[s] is pl.Float64:
            data[s] = [None if v is None else float(v) for v in data[s]]
    return pl.DataFrame(data, schema=schema)


def berechnen(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> tuple[Bericht, dict[str, TabellenSpec], list[tuple[str, int, str]]]:
    """Read ``kennzahlen.*``, aggregate, suppress. Returns the text tables, their specs and the
    footnotes (tabelle, nr, text). Writes nothing."""
    specs = tabellen_specs(settings)
    g = Geheimhaltung()

    ue = {r["kennzahl"]: r["wert"] for r in _lesen(con, "ueberblick").iter_rows(named=True)}
    bestand = _bis_stichtag(_lesen(con, "phasen_bestand"), stichtag)
    bewegungen = _bis_stichtag(_lesen(con, "phasen_bewegungen"), stichtag)
    dauer = _lesen(con, "phasen_dauer")
    verm = _bis_stichtag(_lesen(con, "vermittlungen"), stichtag)
    nachh = _lesen(con, "nachhaltigkeit")
    ment = _bis_stichtag(_lesen(con, "mentoring"), stichtag)
    sprache = _lesen(con, "sprache")
    dq = _lesen(con, "datenqualitaet")

    # phases per quarter (stocks)
    pq_rows = []
    for r in _stand_je_quartal(bestand, ["phase_1", "phase_2", "phase_3", "aktiv"]):
        y, q = r["yq"]
        pq_rows.append({"quartal": quartal_text(y, q), "stand_am": de_datum(r["zaehltag"]), **{k: r[k] for k in ("phase_1", "phase_2", "phase_3", "aktiv")}})
    pq_cols = ["quartal", "stand_am", "phase_1", "phase_2", "phase_3", "aktiv"]
    g.tabelle("phasen_quartale", _frame(pq_rows, pq_cols), "quartal", {c: Art.ANZAHL for c in pq_cols[2:]})
    g.zeilensummen("phasen_quartale", "aktiv", ["phase_1", "phase_2", "phase_3"])
    letztes_q = pq_rows[-1]["quartal"] if pq_rows else None

    # movements per year
    bew_cols = ["eintritte", "beginn_phase_2", "beginn_phase_3", "austritte"]
    pb_rows = [{"zeitraum": _jahr_text(r["k"], stichtag), "_jahr": r["k"], **{c: r[c] for c in bew_cols}} for r in _summe_je(bewegungen, bew_cols, lambda d: d.year)]
    pb_rows.append({"zeitraum": INSGESAMT, **{c: sum(r[c] for r in pb_rows) for c in bew_cols}})
    g.tabelle("phasen_bewegungen", _frame(pb_rows, ["zeitraum", *bew_cols]), "zeitraum", {c: Art.ANZAHL for c in bew_cols})
    g.spaltensummen("phasen_bewegungen", INSGESAMT, bew_cols)
    # Stock-flow identity at each year end: active(end of year) - active(end of previous year) =
    # entries - exits of the year. Holds unless someone leaves on a Zähltag; then it is dropped.
    jahresende: dict[int, str] = {}
    for r in pq_rows:
        jahresende[int(r["quartal"].split()[-1])] = r["quartal"]
    vorher = None
    for r in pb_rows[:-1]:
        ende = jahresende.get(r["_jahr"])
        if ende is None:
            continue
        terme = [(("phasen_quartale", ende, "aktiv"), 1), (("phasen_bewegungen", r["zeitraum"], "eintritte"), -1), (("phasen_bewegungen", r["zeitraum"], "austritte"), 1)]
        if vorher is not None:
            terme.append((("phasen_quartale", vorher, "aktiv"), -1))
        g.beziehung(terme, 0.0, f"Bestand und Bewegungen {r['zeitraum']}")
        vorher = ende

    # time to phase
    pd_rows = [{"uebergang": r["uebergang"], "personen": r["personen"], "median_tage": r["median_tage"] if r["personen"] else None} for r in dauer.iter_rows(named=True)]
    g.tabelle("phasen_dauer", _frame(pd_rows, ["uebergang", "personen", "median_tage"]), "uebergang", {"personen": Art.ANZAHL, "median_tage": Art.MEDIAN}, {"median_tage": 0})
    g.quote("phasen_dauer", "median_tage", "personen", "personen")
    g.gleich(("phasen_dauer", "Eintritt bis Phase 2", "personen"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_2"))
    g.gleich(("phasen_dauer", "Eintritt bis Phase 3", "personen"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_3"))

    # placements per year and group
    unbekannt = sorted(set(verm["integrationsart"].unique().to_list()) - set(INTEGRATIONSGRUPPEN))
    if unbekannt:
        raise ValueError(f"kennzahlen.vermittlungen: unbekannte Integrationsart {unbekannt}")
    v_cols = ["svb", "ausbildung_selbstaendigkeit", "minijobs"]
    jahre: dict[int, dict[str, float]] = {}
    for d in sorted({m.year for m in bestand["monat"].to_list()} | {m.year for m in verm["monat"].to_list()}):
        jahre[d] = {c: 0.0 for c in v_cols}
    for r in verm.iter_rows(named=True):
        jahre[r["monat"].year][INTEGRATIONSGRUPPEN[r["integrationsart"]]] += r["anzahl"] or 0
    vm_rows = [{"zeitraum": _jahr_text(y, stichtag), **v, "insgesamt": v["svb"] + v["ausbildung_selbstaendigkeit"]} for y, v in sorted(jahre.items())]
    vm_rows.append({"zeitraum": INSGESAMT, **{c: sum(r[c] for r in vm_rows) for c in [*v_cols, "insgesamt"]}})
    vm_cols = ["zeitraum", "svb", "ausbildung_selbstaendigkeit", "insgesamt", "minijobs"]
    g.tabelle("vermittlungen", _frame(vm_rows, vm_cols), "zeitraum", {c: Art.ANZAHL for c in vm_cols[1:]})
    g.zeilensummen("vermittlungen", "insgesamt", ["svb", "ausbildung_selbstaendigkeit"])
    g.spaltensummen("vermittlungen", INSGESAMT, vm_cols[1:])

    # mentoring per quarter
    stock = ["mentorinnen_registriert", "mentorinnen_aktiv", "tandems_aktiv"]
    flow = ["kontakte", "stunden", "kilometer", "co2_kg", "zuschuss_eur"]
    mq = {r["yq"]: r for r in _stand_je_quartal(ment, stock)}
    mf = {r["k"]: r for r in _summe_je(ment, flow, _quartal)}
    mq_rows = []
    for yq in sorted(set(mq) | set(mf)):
        s, f = mq.get(yq, {}), mf.get(yq, {})
        mq_rows.append({"quartal": quartal_text(*yq), "stand_am": de_datum(s["zaehltag"]) if s.get("zaehltag") else NICHT_SINNVOLL,
                        **{c: s.get(c) for c in stock}, **{c: f.get(c, 0.0) for c in flow}})
    mq_rows.append({"quartal": INSGESAMT, "stand_am": NICHT_SINNVOLL, **{c: None for c in stock}, **{c: sum(r[c] for r in mq_rows) for c in flow}})
    mq_cols = ["quartal", "stand_am", *stock, *flow]
    mspec = specs["mentoring_quartale"]
    g.tabelle("mentoring_quartale", _frame(mq_rows, mq_cols), "quartal",
              {c: mspec.spalte(c).art for c in [*stock, *flow]}, {c: mspec.spalte(c).dezimalen for c in flow})
    g.spaltensummen("mentoring_quartale", INSGESAMT, flow)
    g.zeilen_abhaengig("mentoring_quartale", ["stunden", "kilometer", "co2_kg", "zuschuss_eur"], "kontakte")
    for r in mq_rows[:-1]:
        g.davon(("mentoring_quartale", r["quartal"], "mentorinnen_registriert"), [("mentoring_quartale", r["quartal"], "mentorinnen_aktiv")], "nicht aktiv")
    letztes_mq = mq_rows[-2]["quartal"] if len(mq_rows) > 1 else None

    # language per Kursart
    s_cols = ["begonnen", "abgeschlossen", "abgebrochen", "pruefungen", "b1_oder_hoeher"]
    reihen = {r["kursart"]: r for r in sprache.iter_rows(named=True)}
    ordnung = [k for k in KURSART_REIHENFOLGE if k in reihen] + sorted(k for k in reihen if k not in KURSART_REIHENFOLGE)
    sp_rows = [{"kursart": k, **{c: reihen[k][c] or 0 for c in s_cols}} for k in ordnung]
    sp_rows.append({"kursart": "Insgesamt", **{c: sum(r[c] for r in sp_rows) for c in s_cols}})
    for r in sp_rows:
        r["quote_b1"] = (r["b1_oder_hoeher"] / r["pruefungen"]) if r["pruefungen"] else None
    g.tabelle("sprache", _frame(sp_rows, ["kursart", *s_cols, "quote_b1"]), "kursart", {**{c: Art.ANZAHL for c in s_cols}, "quote_b1": Art.QUOTE}, {"quote_b1": 1})
    g.spaltensummen("sprache", "Insgesamt", s_cols)
    for r in sp_rows:
        k = r["kursart"]
        g.davon(("sprache", k, "begonnen"), [("sprache", k, "abgeschlossen"), ("sprache", k, "abgebrochen")], "laufend")
        g.davon(("sprache", k, "begonnen"), [("sprache", k, "pruefungen")], "ohne Prüfung")
        g.davon(("sprache", k, "pruefungen"), [("sprache", k, "b1_oder_hoeher")], "unter B1")
    g.quote("sprache", "quote_b1", "b1_oder_hoeher", "pruefungen")

    # the overview
    nh = next(nachh.iter_rows(named=True), None) if nachh.height else None
    prognose = budget_prognose(con, settings, stichtag)
    n = settings.nachhaltigkeit_monate
    ue_rows: list[dict] = []

    def zeile(bereich: str, kennzahl: str, wert, einheit: str) -> None:
        if wert is None and einheit != "%":
            return
        ue_rows.append({"bereich": bereich, "kennzahl": kennzahl, "wert": None if wert is None else float(wert), "einheit": einheit, "_art": EINHEITEN[einheit].value})

    gesamt, aktiv = ue.get("teilnehmende_gesamt"), ue.get("teilnehmende_aktiv")
    T, V, M, B, K = "Teilnehmende", "Vermittlungen", "Mentoring", "Ehrenamtszuschuss", "Klimarelevanz"
    zeile(T, "Teilnehmende seit Projektbeginn", gesamt, "Personen")
    zeile(T, "davon am Stichtag aktiv", aktiv, "Personen")
    zeile(T, "davon ausgeschieden", None if gesamt is None or aktiv is None else gesamt - aktiv, "Personen")
    zeile(T, "aktiv in Phase 1 (Erkennen)", ue.get("phase_1"), "Personen")
    zeile(T, "aktiv in Phase 2 (Fördern)", ue.get("phase_2"), "Personen")
    zeile(T, "aktiv in Phase 3 (Integrieren)", ue.get("phase_3"), "Personen")
    zeile(V, "Personen mit Vermittlung", ue.get("personen_mit_vermittlung"), "Personen")
    zeile(V, "Vermittlungen (Zählweise der BA)", ue.get("vermittlungen"), "Vermittlungen")
    zeile(V, "nachrichtlich: Minijobs", ue.get("minijobs"), "Minijobs")
    if nh is not None:
        zeile(V, f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)", nh["bewertbar"], "Vermittlungen")
        zeile(V, f"davon nach {n} Monaten beschäftigt (nachhaltig)", nh["nachhaltig"], "Vermittlungen")
        zeile(V, "Anteil nachhaltiger Vermittlungen", (nh["nachhaltig"] / nh["bewertbar"]) if nh["bewertbar"] else None, "%")
    zeile(M, "Mentor*innen registriert", ue.get("mentorinnen_registriert"), "Mentor*innen")
    zeile(M, "davon mit Ehrenamtszuschuss", ue.get("mentorinnen_mit_zuschuss"), "Mentor*innen")
    zeile(M, "davon geschult", ue.get("mentorinnen_geschult"), "Mentor*innen")
    # Not a "davon" of the registered: by kennzahlen.md a mentor is active while a tandem runs,
    # also after their own Austritt (flagged to the coordinator as tandem_nach_austritt_mentorin).
    zeile(M, "aktiv (mit laufendem Tandem)", ue.get("mentorinnen_aktiv"), "Mentor*innen")
    zeile(M, "Tandems aktiv", ue.get("tandems_aktiv"), "Tandems")
    zeile(M, "Kontaktstunden seit Projektbeginn", ue.get("kontaktstunden"), "Stunden")
    zeile(B, "Budget (Unternehmensspende)", settings.budget_eur, "EUR")
    zeile(B, "ausgezahlt seit Projektbeginn", ue.get("zuschuss_ausgezahlt_eur"), "EUR")
    zeile(B, "Restbudget", ue.get("zuschuss_rest_eur"), "EUR")
    if prognose.monatlich is not None and prognose.basis_monate:
        zeile(B, prognose_rate_label(len(prognose.basis_monate)), prognose.monatlich, "EUR")
    ue_rows.append({"bereich": B, "kennzahl": PROGNOSE, "wert": None, "einheit": "Monat", "_art": Art.BETRAG.value})
    zeile(K, "CO2-Emissionen der Fahrten seit Projektbeginn", ue.get("co2_kg"), "kg CO2e")
    g.tabelle("ueberblick", _frame(ue_rows, ["bereich", "kennzahl", "wert", "einheit", "_art"]), "kennzahl", {"wert": "_art"},
              {"wert": 0}, fest=[("Budget (Unternehmensspende)", "wert")])

    def U(k: str):
        return ("ueberblick", k, "wert")

    g.summe(U("Teilnehmende seit Projektbeginn"), [U("davon am Stichtag aktiv"), U("davon ausgeschieden")])
    g.summe(U("davon am Stichtag aktiv"), [U(f"aktiv in Phase {i} ({p})") for i, p in ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren"))])
    g.davon(U("Teilnehmende seit Projektbeginn"), [U("Personen mit Vermittlung")], "ohne Vermittlung")
    g.davon(U(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)"), [U(f"davon nach {n} Monaten beschäftigt (nachhaltig)")], "nicht nachhaltig")
    g.abhaengig(U("Anteil nachhaltiger Vermittlungen"), [U(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)"), U(f"davon nach {n} Monaten beschäftigt (nachhaltig)")])
    # Active mentors are protected like a breakdown of the registered wherever the data allow it
    # (davon() skips the relation when there are more active than registered mentors).
    for k in ("aktiv (mit laufendem Tandem)", "davon mit Ehrenamtszuschuss", "davon geschult"):
        g.davon(U("Mentor*innen registriert"), [U(k)], "ohne " + k.removeprefix("davon "))
    # Budget - paid = rest (the budget is public): protects 'paid' and 'rest' together.
    g.beziehung([(U("ausgezahlt seit Projektbeginn"), 1), (U("Restbudget"), 1)], settings.budget_eur, "Budget")
    # The same figures in the detail tables (kept only where they are equal in the data).
    if letztes_q:
        for i, p in ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren")):
            g.gleich(U(f"aktiv in Phase {i} ({p})"), ("phasen_quartale", letztes_q, f"phase_{i}"))
        g.gleich(U("davon am Stichtag aktiv"), ("phasen_quartale", letztes_q, "aktiv"))
    g.gleich(U("Teilnehmende seit Projektbeginn"), ("phasen_bewegungen", INSGESAMT, "eintritte"))
    g.gleich(U("davon ausgeschieden"), ("phasen_bewegungen", INSGESAMT, "austritte"))
    g.gleich(U("Personen mit Vermittlung"), ("phasen_dauer", "Eintritt bis Phase 3", "personen"))
    g.gleich(U("Personen mit Vermittlung"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_3"))
    g.gleich(U("Vermittlungen (Zählweise der BA)"), ("vermittlungen", INSGESAMT, "insgesamt"))
    g.gleich(U("nachrichtlich: Minijobs"), ("vermittlungen", INSGESAMT, "minijobs"))
    if letztes_mq:
        g.gleich(U("Mentor*innen registriert"), ("mentoring_quartale", letztes_mq, "mentorinnen_registriert"))
        g.gleich(U("aktiv (mit laufendem Tandem)"), ("mentoring_quartale", letztes_mq, "mentorinnen_aktiv"))
        g.gleich(U("Tandems aktiv"), ("mentoring_quartale", letztes_mq, "tandems_aktiv"))
    g.gleich(U("Kontaktstunden seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "stunden"))
    g.gleich(U("ausgezahlt seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "zuschuss_eur"))
    g.gleich(U("CO2-Emissionen der Fahrten seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "co2_kg"))

    # The forecast rests on the allowance of its basis months: it is withheld with them.
    basis_q = sorted({quartal_text(*_quartal(m)) for m in prognose.basis_monate})
    rate_ref = U(prognose_rate_label(len(prognose.basis_monate)))
    g.abhaengig(rate_ref, [("mentoring_quartale", q, "zuschuss_eur") for q in basis_q] + [U("ausgezahlt seit Projektbeginn")])
    g.fester_text(U(PROGNOSE), prognose_text(prognose))

    # data basis (no figures: nothing to suppress)
    verwendet = dq.filter(pl.col("status") == "verwendet").sort(["quelle", "datei"])
    db_rows = [{"quelle": quelle_titel(r["quelle"], r["datei"]), "datei": _basename(r["datei"]), "datenstand": de_datum(r["datenstand"]) if r["datenstand"] else NICHT_SINNVOLL}
               for r in verwendet.iter_rows(named=True)]

    bericht = g.anwenden()
    bericht.pruefen()
    bericht.tabellen["datenbasis"] = pl.DataFrame(
        {c: [r[c] for r in db_rows] for c in ("quelle", "datei", "datenstand")},
        schema={"quelle": pl.String, "datei": pl.String, "datenstand": pl.String},
    )

    # the forecast month goes with the rate it is computed from
    zuschuss_refs = [rate_ref, U("ausgezahlt seit Projektbeginn")] + [("mentoring_quartale", q, "zuschuss_eur") for q in basis_q]
    if any(r in bericht.gesperrt for r in zuschuss_refs) and prognose.status == "prognose":
        ue_df = bericht.tabellen["ueberblick"]
        bericht.tabellen["ueberblick"] = ue_df.with_columns(
            pl.when(pl.col("kennzahl") == PROGNOSE).then(pl.lit(GESPERRT)).otherwise(pl.col("wert")).alias("wert")
        )

    fussnoten = fussnoten_fuer(specs, dq, stichtag)
    return bericht, specs, fussnoten


PROGNOSE = "Budget reicht voraussichtlich bis"


def prognose_rate_label(n: int) -> str:
    return f"Zuschuss je Monat (Durchschnitt der letzten {n} vollständigen Monate)" if n != 1 else \
        "Zuschuss je Monat (letzter vollständiger Monat)"


def prognose_text(p: Prognose) -> str:
    return {
        "erschoepft": "bereits aufgebraucht",
        "nie": "nicht absehbar (zuletzt kein Zuschuss)",
        "keine_basis": "noch keine Prognose (kein vollständiger Monat)",
    }.get(p.status, monat_text(p.erschoepft_im) if p.erschoepft_im else "nicht absehbar")


def _basename(datei: str | None) -> str:
    if not datei:
        return NICHT_SINNVOLL
    return datei.replace("\\", "/").rsplit("/", 1)[-1]


def _kind_von(quelle: str | None, datei: str | None) -> str | None:
    q = (quelle or "").lower()
    if q in QUELLEN_TITEL:
        return q
    name = _basename(datei).lower()
    for k in sorted(QUELLEN_TITEL, key=len, reverse=True):
        if name.startswith(k) or k in name:
            return k
    return None


def quelle_titel(quelle: str | None, datei: str | None) -> str:
    k = _kind_von(quelle, datei)
    return QUELLEN_TITEL[k] if k else (quelle or NICHT_SINNVOLL)


DATENSTAND_PREFIX = "Datenstand der verwendeten Quellen: "


def datenstand_text(spec: TabellenSpec, dq: pl.DataFrame) -> str:
    """'Datenstand der verwendeten Quellen: <Quelle> TT.MM.JJJJ; ...' for the kinds a table uses."""
    verwendet = [r for r in dq.filter(pl.col("status") == "verwendet").sort(["quelle", "datei"]).iter_rows(named=True)]
    passend = [r for r in verwendet if _kind_von(r["quelle"], r["datei"]) in spec.quellen
               or (r["quelle"] or "").lower() in {p for p, ks in PARTNER.items() if set(ks) & set(spec.quellen)} and _kind_von(None, r["datei"]) is None]
    if not passend:
        passend = verwendet
    if not passend:
        return DATENSTAND_PREFIX + "keine verwendeten Exporte."
    teile = []
    for r in passend:
        teile.append(f"{quelle_titel(r['quelle'], r['datei'])} {de_datum(r['datenstand']) if r['datenstand'] else 'unbekannt'}")
    return DATENSTAND_PREFIX + "; ".join(dict.fromkeys(teile)) + "."


def fussnoten_fuer(specs: dict[str, TabellenSpec], dq: pl.DataFrame, stichtag: date) -> list[tuple[str, int, str]]:
    out = []
    for name, spec in specs.items():
        texte = [
            f"Stichtag: {de_datum(stichtag)}. Bestände am Stichtag bzw. am letzten Tag des Zeitraums, Bewegungen im Zeitraum.",
            datenstand_text(spec, dq),
            BA_FUSSNOTE,
            ZEICHENERKLAERUNG,
            *spec.hinweise,
        ]
        out.extend((name, i, t) for i, t in enumerate(texte, 1))
    return out


def build_bericht_tables(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date) -> dict[str, int]:
    """(Re)create schema ``bericht`` in ``con`` from ``kennzahlen.*``; returns rows per table.

    All tables are replaced in one transaction, so a failed run leaves the previous report.
    """
    bericht, specs, fussnoten = berechnen(con, settings, stichtag)
    tabellen = dict(bericht.tabellen)
    tabellen["fussnoten"] = pl.DataFrame(
        {"tabelle": [t for t, _, _ in fussnoten], "nr": [str(n) for _, n, _ in fussnoten], "text": [x for _, _, x in fussnoten]},
        schema={"tabelle": pl.String, "nr": pl.String, "text": pl.String},
    )
    noten: dict[str, list[str]] = {}
    for t, _, x in fussnoten:
        noten.setdefault(t, []).append(x)
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        con.execute(f"CREATE SCHEMA {SCHEMA}")
        for name, spec in specs.items():
            df = tabellen[name].select([s.name for s in spec.spalten])
            cols = ", ".join(f'"{s.name}" VARCHAR' for s in spec.spalten)
            con.execute(f"CREATE TABLE {SCHEMA}.{name} ({cols})")
            if df.height:
                con.executemany(
                    f"INSERT INTO {SCHEMA}.{name} VALUES ({', '.join('?' for _ in spec.spalten)})",
                    [list(r) for r in df.iter_rows()],
                )
            kommentar = f"{spec.titel}. " + " ".join(noten.get(name, []))
            con.execute(f"COMMENT ON TABLE {SCHEMA}.{name} IS {literal(kommentar)}")
            for s in spec.spalten:
                text = f"{s.titel}: {s.kommentar}" if s.kommentar and s.kommentar != s.titel else s.titel
                con.execute(f'COMMENT ON COLUMN {SCHEMA}.{name}."{s.name}" IS {literal(text)}')
            counts[name] = df.height
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts
