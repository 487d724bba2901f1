"""Unit tests of the participant rules (assets/metrics/teilnahme_rules.py, teilnahme.py) on a real DuckDB warehouse.

Rows go into ``staging.*`` with a 'verwendet' file in ``meta.dateien``, so the real ``aktuell.*``
views of the warehouse DDL feed the rules. Every test holds a case that fails if its rule breaks.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures.teilnahme_warehouse import Lager, con, lager  # noqa: E402,F401 (fixtures)

from assets.metrics import teilnahme as T  # noqa: E402
from assets.metrics import teilnahme_rules as R  # noqa: E402
from sources.settings import Settings  # noqa: E402

d = date
HEUTE = d(2025, 12, 31)
STICHTAG = d(2025, 6, 30)


def settings(**kw) -> Settings:
    return Settings(heute=HEUTE, **kw)


def regeln(con, stichtag=STICHTAG, **kw) -> None:
    R.register_regeln(con, settings(**kw), stichtag)


def phasen(con) -> dict[str, tuple[date | None, date | None]]:
    return {r[0]: (r[1], r[2]) for r in con.execute("SELECT tn_id, beginn_phase_2, beginn_phase_3 FROM tn_phasen").fetchall()}


def vermittlungen(con) -> list[tuple[str, str, date]]:
    return con.execute("SELECT tn_id, integrationsart, beginn FROM tn_vermittlungen ORDER BY tn_id, beginn").fetchall()


def tabelle(con, name: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM kennzahlen.{name}").fetchall()


def build(con, stichtag=STICHTAG, **kw) -> dict[str, float]:
    return dict(T.build_teilnahme_kennzahlen(con, settings(**kw), stichtag))


# --- who counts -------------------------------------------------------------------------------


def test_teilnehmende_consent_stichtag_and_snapshot(con, lager):
    lager.teilnehmer("ok", d(2024, 3, 1))
    lager.teilnehmer("ohne_einwilligung", d(2024, 3, 1), einwilligung=None)
    lager.teilnehmer("widerrufen", d(2024, 3, 1), widerruf=d(2025, 1, 1))
    lager.teilnehmer("widerruf_heute", d(2024, 3, 1), widerruf=HEUTE)
    lager.teilnehmer("widerruf_nach_heute", d(2024, 3, 1), widerruf=d(2026, 2, 1))
    lager.teilnehmer("eintritt_am_stichtag", STICHTAG)
    lager.teilnehmer("eintritt_nach_stichtag", d(2025, 7, 1))
    lager.ersetzter_schnappschuss("teilnehmende")
    lager.teilnehmer("alter_schnappschuss", d(2024, 3, 1), status="ersetzt")
    regeln(con)
    ids = {r[0] for r in con.execute("SELECT tn_id FROM tn_teilnehmende").fetchall()}
    assert ids == {"ok", "widerruf_nach_heute", "eintritt_am_stichtag"}


def test_aktiv_am_includes_eintritt_and_austritt_day(con, lager):
    lager.teilnehmer("a", d(2024, 3, 10), austritt=d(2024, 5, 31))
    lager.teilnehmer("b", d(2024, 4, 1))
    regeln(con)
    assert R.aktiv_am(con, d(2024, 3, 9)) == []
    assert R.aktiv_am(con, d(2024, 3, 10)) == ["a"]
    assert R.aktiv_am(con, d(2024, 5, 31)) == ["a", "b"]
    assert R.aktiv_am(con, d(2024, 6, 1)) == ["b"]


# --- qualification events and phase 2 ----------------------------------------------------------


def test_qualifizierung_status_and_runs_on_or_after_eintritt(con, lager):
    e = d(2024, 5, 15)
    lager.teilnehmer("p", e)
    lager.kurs("p", d(2024, 6, 1), status="storniert", kursnummer="storniert")
    lager.kurs("p", d(2024, 1, 1), d(2024, 5, 14), status="abgeschlossen", kursnummer="vorher")
    lager.kurs("p", d(2024, 2, 1), e, status="abgeschlossen", kursnummer="endet_am_eintritt")
    lager.massnahme("p", d(2024, 7, 1), status="geplant")
    lager.massnahme("p", d(2024, 8, 1), status="abgebrochen", art="FbW")
    regeln(con)
    rows = con.execute(
        "SELECT quelle, beginn, wirksamer_beginn FROM tn_qualifizierung ORDER BY beginn"
    ).fetchall()
    # storniert, geplant and the course that ended before Eintritt are gone; a course running at
    # Eintritt takes effect on Eintritt; an abgebrochen measure still is a qualification event.
    assert rows == [("VHS", d(2024, 2, 1), e), ("Jobcenter", d(2024, 8, 1), d(2024, 8, 1))]


def test_phase_2_start_earliest_candidate(con, lager):
    lager.teilnehmer("kf", d(2024, 2, 1), kompetenzfeststellung=d(2024, 3, 5))
    lager.kurs("kf", d(2024, 4, 1))
    lager.teilnehmer("kurs_frueher", d(2024, 2, 1), kompetenzfeststellung=d(2024, 6, 5))
    lager.kurs("kurs_frueher", d(2024, 4, 1))
    lager.teilnehmer("kf_vor_eintritt", d(2024, 2, 1), kompetenzfeststellung=d(2024, 1, 20))
    lager.massnahme("kf_vor_eintritt", d(2024, 9, 1))
    lager.teilnehmer("laufender_kurs", d(2024, 2, 1))
    lager.kurs("laufender_kurs", d(2024, 1, 8), d(2024, 7, 1))
    lager.teilnehmer("nichts", d(2024, 2, 1))
    regeln(con)
    p = phasen(con)
    assert p["kf"][0] == d(2024, 3, 5)
    assert p["kurs_frueher"][0] == d(2024, 4, 1)
    assert p["kf_vor_eintritt"][0] == d(2024, 9, 1)
    assert p["laufender_kurs"][0] == d(2024, 2, 1)
    assert p["nichts"][0] is None


def test_phase_start_after_austritt_or_stichtag_does_not_count(con, lager):
    lager.teilnehmer("nach_austritt", d(2024, 2, 1), kompetenzfeststellung=d(2024, 8, 1), austritt=d(2024, 7, 31))
    lager.integration("nach_austritt", d(2024, 8, 1))
    lager.teilnehmer("am_austritt", d(2024, 2, 1), kompetenzfeststellung=d(2024, 7, 31), austritt=d(2024, 7, 31))
    lager.teilnehmer("nach_stichtag", d(2025, 1, 1))
    lager.kurs("nach_stichtag", d(2025, 7, 1))
    lager.integration("nach_stichtag", d(2025, 7, 1))
    regeln(con)
    p = phasen(con)
    assert p["nach_austritt"] == (None, None)
    assert p["am_austritt"] == (d(2024, 7, 31), None)
    assert p["nach_stichtag"] == (None, None)


# --- phase 3 and the phase on a day -------------------------------------------------------------


def test_phase_3_start_only_from_counted_integrations(con, lager):
    lager.teilnehmer("vor_eintritt", d(2024, 3, 1))
    lager.integration("vor_eintritt", d(2024, 2, 1))
    lager.teilnehmer("minijob", d(2024, 3, 1))
    lager.integration("minijob", d(2024, 4, 1), art="geringfügig")
    lager.teilnehmer("p16i", d(2024, 3, 1))
    lager.integration("p16i", d(2024, 4, 1), foerderung="§16i")
    lager.teilnehmer("egz", d(2024, 3, 1))
    lager.integration("egz", d(2024, 4, 1), foerderung="EGZ", art="SVB Teilzeit")
    lager.teilnehmer("ausbildung", d(2024, 3, 1))
    lager.integration("ausbildung", d(2024, 8, 1), art="Ausbildung")
    lager.integration("ausbildung", d(2024, 5, 2), art="Selbständigkeit")
    regeln(con)
    p = phasen(con)
    assert p["vor_eintritt"][1] is None
    assert p["minijob"][1] is None
    assert p["p16i"][1] is None
    assert p["egz"][1] == d(2024, 4, 1)
    assert p["ausbildung"][1] == d(2024, 5, 2)


def test_phase_2_on_or_after_phase_3_does_not_count(con, lager):
    # Phase 1 straight to Phase 3: the course starts on the day of the job and the assessment later.
    lager.teilnehmer("direkt", d(2024, 3, 1), kompetenzfeststellung=d(2024, 6, 1))
    lager.kurs("direkt", d(2024, 5, 1))
    lager.integration("direkt", d(2024, 5, 1))
    lager.teilnehmer("normal", d(2024, 3, 1), kompetenzfeststellung=d(2024, 4, 30))
    lager.integration("normal", d(2024, 5, 1))
    regeln(con)
    p = phasen(con)
    assert p["direkt"] == (None, d(2024, 5, 1))
    assert p["normal"] == (d(2024, 4, 30), d(2024, 5, 1))
    assert R.phase_am(con, d(2024, 4, 30)) == {"direkt": 1, "normal": 2}
    assert R.phase_am(con, d(2024, 5, 1)) == {"direkt": 3, "normal": 3}


def test_phase_am_counts_active_participants_only(con, lager):
    lager.teilnehmer("weg", d(2024, 3, 1), kompetenzfeststellung=d(2024, 3, 2), austritt=d(2024, 4, 30))
    lager.teilnehmer("da", d(2024, 3, 1))
    regeln(con)
    assert R.phase_am(con, d(2024, 4, 30)) == {"da": 1, "weg": 2}
    assert R.phase_am(con, d(2024, 5, 1)) == {"da": 1}


# --- placements --------------------------------------------------------------------------------


def test_one_placement_per_person_and_month_earliest_beginn(con, lager):
    lager.teilnehmer("p", d(2024, 1, 15))
    lager.integration("p", d(2024, 3, 20), art="SVB Vollzeit")
    lager.integration("p", d(2024, 3, 4), art="SVB Teilzeit")
    lager.integration("p", d(2024, 4, 1), art="Ausbildung")
    lager.teilnehmer("gleicher_tag", d(2024, 1, 15))
    lager.integration("gleicher_tag", d(2024, 6, 3), art="Selbständigkeit")
    lager.integration("gleicher_tag", d(2024, 6, 3), art="SVB Teilzeit")
    regeln(con)
    assert vermittlungen(con) == [
        ("gleicher_tag", "SVB Teilzeit", d(2024, 6, 3)),
        ("p", "SVB Teilzeit", d(2024, 3, 4)),
        ("p", "Ausbildung", d(2024, 4, 1)),
    ]


def test_placement_date_rules_16i_and_minijobs(con, lager):
    lager.teilnehmer("p", d(2024, 3, 10), austritt=d(2024, 9, 30))
    lager.integration("p", d(2024, 3, 9))  # before Eintritt
    lager.integration("p", d(2024, 4, 1), foerderung="§16i")  # publicly subsidised
    lager.integration("p", d(2024, 5, 1), art="geringfügig")  # mini-job
    lager.integration("p", d(2024, 3, 1), art="geringfügig")  # mini-job before Eintritt
    lager.integration("p", d(2024, 5, 20), art="geringfügig")  # a second mini-job in May
    lager.integration("p", d(2024, 9, 30), art="Ausbildung")  # on the Austritt day
    lager.integration("p", d(2024, 10, 1))  # after Austritt
    lager.teilnehmer("q", d(2025, 1, 1))
    lager.integration("q", STICHTAG)
    lager.integration("q", d(2025, 7, 1))  # after the Stichtag
    lager.integration("q", d(2025, 7, 2), art="geringfügig")
    regeln(con)
    assert vermittlungen(con) == [("p", "Ausbildung", d(2024, 9, 30)), ("q", "SVB Vollzeit", STICHTAG)]
    assert con.execute("SELECT beginn FROM tn_minijobs ORDER BY beginn").fetchall() == [(d(2024, 5, 1),), (d(2024, 5, 20),)]


def test_vermittlungen_table_all_combinations_and_minijobs(con, lager):
    lager.teilnehmer("p", d(2024, 1, 15))
    lager.integration("p", d(2024, 2, 5), art="SVB Teilzeit")
    lager.integration("p", d(2024, 2, 6), art="geringfügig")
    regeln(con)
    werte = build(con, stichtag=d(2024, 3, 10))
    rows = tabelle(con, "vermittlungen")
    assert len(rows) == 3 * 5
    assert [r[1] for r in rows[:5]] == ["SVB Vollzeit", "SVB Teilzeit", "Ausbildung", "Selbständigkeit", "geringfügig"]
    nonzero = [r for r in rows if r[2]]
    assert nonzero == [(d(2024, 2, 1), "SVB Teilzeit", 1), (d(2024, 2, 1), "geringfügig", 1)]
    assert werte["vermittlungen"] == 1 and werte["minijobs"] == 1 and werte["personen_mit_vermittlung"] == 1


# --- sustainability ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beginn,monate,erwartet",
    [
        (d(2024, 8, 31), 6, d(2025, 2, 28)),
        (d(2023, 8, 31), 6, d(2024, 2, 29)),
        (d(2024, 3, 15), 6, d(2024, 9, 15)),
        (d(2024, 10, 31), 6, d(2025, 4, 30)),
        (d(2024, 12, 31), 2, d(2025, 2, 28)),
        (d(2024, 1, 31), 13, d(2025, 2, 28)),
    ],
)
def test_pruefdatum_calendar_months_clamped(beginn, monate, erwartet):
    assert R.pruefdatum(beginn, monate) == erwartet


def test_pruefdatum_python_and_sql_agree(con):
    rows = con.execute(
        "SELECT tag, CAST(tag + to_months(6) AS DATE) FROM range(DATE '2023-01-01', DATE '2025-01-01', INTERVAL 1 DAY) t(tag)"
    ).fetchall()
    assert all(R.pruefdatum(tag.date(), 6) == sql for tag, sql in rows)


def test_nachhaltigkeit_person_level(con, lager):
    # 31.08.2024 + 6 months = 28.02.2025
    lager.teilnehmer("wechsel", d(2024, 8, 1), austritt=d(2024, 9, 30))
    lager.integration("wechsel", d(2024, 8, 31), d(2024, 12, 31), arbeitgeber="AG-1")
    lager.integration("wechsel", d(2025, 1, 2), arbeitgeber="AG-2")  # after Austritt: still holds
    lager.teilnehmer("endet_vorher", d(2024, 8, 1))
    lager.integration("endet_vorher", d(2024, 8, 31), d(2025, 2, 27))
    lager.teilnehmer("endet_am_pruefdatum", d(2024, 8, 1))
    lager.integration("endet_am_pruefdatum", d(2024, 8, 31), d(2025, 2, 28))
    lager.teilnehmer("minijob_danach", d(2024, 8, 1))
    lager.integration("minijob_danach", d(2024, 8, 31), d(2024, 12, 31))
    lager.integration("minijob_danach", d(2025, 1, 1), art="geringfügig")
    lager.integration("minijob_danach", d(2025, 1, 1), foerderung="§16i")
    lager.teilnehmer("zu_frisch", d(2024, 8, 1))
    lager.integration("zu_frisch", d(2024, 9, 1))  # check day 01.03.2025 > Stichtag
    regeln(con, stichtag=d(2025, 2, 28))
    rows = dict(
        (r[0], r[1:])
        for r in con.execute("SELECT tn_id, pruefdatum, bewertbar, nachhaltig FROM tn_nachhaltigkeit").fetchall()
    )
    assert rows["wechsel"] == (d(2025, 2, 28), True, True)
    assert rows["endet_vorher"] == (d(2025, 2, 28), True, False)
    assert rows["endet_am_pruefdatum"] == (d(2025, 2, 28), True, True)
    assert rows["minijob_danach"] == (d(2025, 2, 28), True, False)
    assert rows["zu_frisch"] == (d(2025, 3, 1), False, False)
    build(con, stichtag=d(2025, 2, 28))
    assert tabelle(con, "nachhaltigkeit") == [(4, 2, 0.5)]


def test_nachhaltigkeit_months_come_from_settings(con, lager):
    lager.teilnehmer("p", d(2024, 1, 1))
    lager.integration("p", d(2024, 1, 31), d(2024, 5, 15))
    build(con, stichtag=d(2024, 5, 1), nachhaltigkeit_monate=3)  # check day 30.04.2024
    assert tabelle(con, "nachhaltigkeit") == [(1, 1, 1.0)]
    build(con, stichtag=d(2024, 5, 1))  # 6 months: not assessable yet
    assert tabelle(con, "nachhaltigkeit") == [(0, 0, None)]


# --- language ----------------------------------------------------------------------------------


def test_sprache_per_kursart(con, lager):
    lager.teilnehmer("p", d(2024, 3, 1))
    lager.kurs("p", d(2023, 9, 1), d(2024, 2, 1), status="abgeschlossen", pruefung="DTZ", ergebnis="A2")
    lager.kurs("p", d(2024, 4, 1), status="abgeschlossen", pruefung="DTZ", ergebnis="B1")
    lager.kurs("p", d(2024, 4, 1), status="abgebrochen", pruefung="DTZ", ergebnis="nicht bestanden")
    lager.kurs("p", d(2024, 4, 1), status="storniert", pruefung="DTZ", ergebnis="B1")
    lager.kurs("p", d(2024, 5, 1), status="laufend", kursart="Berufssprachkurs", pruefung="DTB B2", ergebnis="B2")
    lager.kurs("p", d(2024, 5, 1), status="abgeschlossen", kursart="Berufssprachkurs")
    lager.kurs("p", d(2024, 7, 1), status="angemeldet", kursart="Alphabetisierungskurs")  # after Stichtag
    lager.teilnehmer("spaeter", d(2024, 7, 1))
    lager.kurs("spaeter", d(2024, 4, 1), kursart="Sonstiger Kurs")  # participant enters after Stichtag
    build(con, stichtag=d(2024, 6, 30))
    assert tabelle(con, "sprache") == [
        ("Integrationskurs", 3, 2, 1, 3, 1),
        ("Alphabetisierungskurs", 0, 0, 0, 0, 0),
        ("Berufssprachkurs", 2, 1, 0, 1, 1),
        ("Jugendintegrationskurs", 0, 0, 0, 0, 0),
        ("Sonstiger Kurs", 0, 0, 0, 0, 0),
    ]


# --- the published tables ----------------------------------------------------------------------

CONTRACT = {
    "phasen_bestand": [("monat", "DATE"), ("zaehltag", "DATE"), ("phase_1", "BIGINT"), ("phase_2", "BIGINT"), ("phase_3", "BIGINT"), ("aktiv", "BIGINT")],
    "phasen_bewegungen": [("monat", "DATE"), ("eintritte", "BIGINT"), ("beginn_phase_2", "BIGINT"), ("beginn_phase_3", "BIGINT"), ("austritte", "BIGINT")],
    "phasen_dauer": [("uebergang", "VARCHAR"), ("personen", "BIGINT"), ("median_tage", "DOUBLE")],
    "vermittlungen": [("monat", "DATE"), ("integrationsart", "VARCHAR"), ("anzahl", "BIGINT")],
    "nachhaltigkeit": [("bewertbar", "BIGINT"), ("nachhaltig", "BIGINT"), ("quote", "DOUBLE")],
    "sprache": [("kursart", "VARCHAR"), ("begonnen", "BIGINT"), ("abgeschlossen", "BIGINT"), ("abgebrochen", "BIGINT"), ("pruefungen", "BIGINT"), ("b1_oder_hoeher", "BIGINT")],
    "merkmale": [("merkmal", "VARCHAR"), ("auspraegung", "VARCHAR"), ("teilnehmende_gesamt", "BIGINT"), ("teilnehmende_aktiv", "BIGINT"),
                 ("austritte", "BIGINT"), ("personen_mit_vermittlung", "BIGINT")],
}


def test_contract_names_types_order_and_comments(con, lager):
    build(con)
    for table, cols in CONTRACT.items():
        got = con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() "
            "WHERE schema_name = 'kennzahlen' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
        assert [(c, t) for c, t, _ in got] == cols, table
        assert all(comment and len(comment) > 10 for _, _, comment in got), table
        (table_comment,) = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = 'kennzahlen' AND table_name = ?", [table]
        ).fetchone()
        assert table_comment and len(table_comment) > 20
    # nothing else of this module lands in the published schema
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'kennzahlen'").fetchall()}
    assert tables == set(CONTRACT)


def test_empty_warehouse_gives_zero_rows_and_null_rates(con, lager):
    werte = build(con, stichtag=d(2024, 2, 10))
    assert list(werte) == list(T.UEBERBLICK_KEYS)
    # nobody active on the Zähltage 31.01. and 10.02.: the BA-comparable rate has no denominator
    assert werte.pop("integrationsquote_12m") is None
    assert set(werte.values()) == {0.0}
    assert tabelle(con, "phasen_dauer") == [("Eintritt bis Phase 2", 0, None), ("Eintritt bis Phase 3", 0, None)]
    assert tabelle(con, "nachhaltigkeit") == [(0, 0, None)]
    assert tabelle(con, "phasen_bestand") == [(d(2024, 1, 1), d(2024, 1, 31), 0, 0, 0, 0), (d(2024, 2, 1), d(2024, 2, 10), 0, 0, 0, 0)]
    assert len(tabelle(con, "vermittlungen")) == 10


def test_phasen_dauer_median_of_even_count(con, lager):
    e = d(2024, 2, 1)
    for i, tage in enumerate([10, 20, 40, 100]):
        lager.teilnehmer(f"p{i}", e, kompetenzfeststellung=date.fromordinal(e.toordinal() + tage))
    lager.teilnehmer("direkt", e, kompetenzfeststellung=d(2024, 3, 1))
    lager.integration("direkt", d(2024, 2, 8))
    build(con, stichtag=d(2024, 12, 31))
    # Median of 10, 20, 40, 100 = (20 + 40) / 2 = 30. "direkt"'s assessment lies after its
    # phase-3 start (day 7): it never reached Phase 2 and only counts for Phase 3.
    assert tabelle(con, "phasen_dauer") == [("Eintritt bis Phase 2", 4, 30.0), ("Eintritt bis Phase 3", 1, 7.0)]


def test_bestand_bewegungen_and_ueberblick(con, lager):
    lager.teilnehmer("vor_start", d(2023, 11, 1), kompetenzfeststellung=d(2024, 2, 1))
    lager.teilnehmer("a", d(2024, 1, 31), austritt=d(2024, 2, 29))
    lager.teilnehmer("b", d(2024, 2, 1), austritt=d(2024, 3, 20))  # Austritt after the Stichtag
    lager.integration("b", d(2024, 2, 14))
    werte = build(con, stichtag=d(2024, 3, 15), programmstart=d(2024, 1, 1))
    assert tabelle(con, "phasen_bestand") == [
        (d(2024, 1, 1), d(2024, 1, 31), 2, 0, 0, 2),
        (d(2024, 2, 1), d(2024, 2, 29), 1, 1, 1, 3),
        (d(2024, 3, 1), d(2024, 3, 15), 0, 1, 1, 2),
    ]
    # vor_start's Eintritt lies before the first Berichtsmonat: in the stocks, not in the flows.
    assert tabelle(con, "phasen_bewegungen") == [
        (d(2024, 1, 1), 1, 0, 0, 0),
        (d(2024, 2, 1), 1, 1, 1, 1),
        (d(2024, 3, 1), 0, 0, 0, 0),
    ]
    assert werte == {
        "teilnehmende_gesamt": 3.0,
        "teilnehmende_aktiv": 2.0,
        "phase_1": 0.0,
        "phase_2": 1.0,
        "phase_3": 1.0,
        "austritte": 1.0,
        "personen_mit_vermittlung": 1.0,
        "vermittlungen": 1.0,
        "minijobs": 0.0,
        # the window (01.04.2023-15.03.2024) holds the Berichtsmonate Jan-Mar 2024: 1 placement
        # (b, 14.02.) / mean active on 31.01., 29.02., 15.03. = (2 + 3 + 2) / 3 -> 3/7
        "integrationsquote_12m": pytest.approx(3 / 7),
        # b's check day 14.02.2025 lies after the Stichtag: nothing assessable
        "nachhaltig_12m_bewertbar": 0.0,
        "nachhaltig_12m": 0.0,
    }


def test_rebuild_replaces_tables_and_respects_open_transaction(con, lager):
    lager.teilnehmer("a", d(2024, 1, 10))
    build(con, stichtag=d(2024, 3, 31))
    assert len(tabelle(con, "phasen_bestand")) == 3
    con.execute("BEGIN TRANSACTION")
    build(con, stichtag=d(2024, 2, 29))
    con.execute("ROLLBACK")  # the caller's transaction decides
    assert len(tabelle(con, "phasen_bestand")) == 3
    build(con, stichtag=d(2024, 2, 29))
    assert len(tabelle(con, "phasen_bestand")) == 2


def test_failure_leaves_previous_tables(con, lager):
    lager.teilnehmer("a", d(2024, 1, 10))
    build(con, stichtag=d(2024, 3, 31))
    con.execute("DROP VIEW aktuell.kursteilnahmen")
    with pytest.raises(duckdb.Error):
        build(con, stichtag=d(2024, 2, 29))
    assert len(tabelle(con, "phasen_bestand")) == 3
