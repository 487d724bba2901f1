"""Mentoring metrics (assets/metrics/mentoring*.py, budget.py) on a real DuckDB warehouse with a hand-computed fixture.

The fixture (programme start 01.06.2026, rate 15 EUR/h, budget 10.000 EUR, default factors
Pkw 0.166, ÖPNV 0.065, Fahrrad / zu Fuß / keins 0):

mentors (aktuell.mentorinnen)           tandems (mentoring_tandems)
  m1 paid,   01.06.–,     Schulung 10.06   t1 m1-tn1 01.06.–
  m2 unpaid, 15.06.–,     no Schulung      t2 m2-tn2 01.07.–31.08.
  m3 paid,   01.06.–15.09 Schulung 20.05   t3 m3-tn3 15.06.–        (runs on after m3's Austritt)
  m4 unpaid, 01.09.–,     Schulung 05.09   t4 m1-tn4 10.08.–15.10.
  m5 paid,   01.06.–,     no Schulung      t5 m4-tn2 05.09.–        (no contacts)
  (m9 only in a replaced snapshot)         tx m5-tn-ohne 01.06.–    (participant not in the registry)

contacts (tandem, Datum, minutes, km, Verkehrsmittel; paid = mentor with Ehrenamtszuschuss = ja, docs/kennzahlen.md)
  c1  t1 10.06.  60  10.0 Pkw      paid      c9  t3 20.06. 120 20.0 Pkw    paid
  c2  t1 05.07.  90  12.5 ÖPNV     paid      c10 t3 01.08.  60  5.5 keins  paid
  c3  t1 15.08.  45   0   -        paid      c11 t3 20.09.  90 15.0 Pkw    paid (after m3's Austritt: flagged)
  c4  t1 25.08.  30   4.2 Fahrrad  paid      c12 t4 12.08.  30  7.5 ÖPNV   paid
  c5  t1 05.10. 120  25.0 Pkw      paid      c13 t4 20.10.  45  0   -      paid (after t4's Ende: flagged, still paid)
  c6  t2 10.07.  60   3.0 zu Fuß   unpaid    c14 tx 15.07. 600 100  Pkw    excluded (tandem does not count)
  c7  t2 05.08.  30   8.0 Pkw      unpaid    c16 t1 03.11.  60 10.0 Pkw    after both Stichtage
  c8  t2 10.09.  60   0   -        unpaid (after t2's Ende: flagged)
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from assets.metrics.budget import BUDGET_COLUMNS, BudgetMonat, budget_prognose, erschoepfungsmonat
from assets.metrics.mentoring import MENTORING_COLUMNS, build_mentoring_kennzahlen
from assets.metrics.mentoring_figures import FehlenderEmissionsfaktor
from assets.metrics.mentoring_findings import mentoring_befunde
from assets.metrics.mentoring_text import anzahl_de, mentoring_textbausteine, teilanzahl_de
from assets.staging.schema import ensure_schema
from sources.formats import zahl
from sources.settings import Settings

S1 = date(2026, 8, 20)  # August is incomplete
S2 = date(2026, 10, 31)  # every month complete
D = date


@pytest.fixture
def settings() -> Settings:
    return Settings(programmstart=D(2026, 6, 1))


def _datei(con, datei_id: str, art: str, status: str = "verwendet", datenstand: date = D(2026, 11, 5)) -> None:
    con.execute(
        "INSERT INTO meta.dateien (datei_id, datei, quelle, art, datenstand, status) VALUES (?, ?, 'asyl', ?, ?, ?)",
        [datei_id, f"asyl/{art}_{datenstand}.csv", art, datenstand, status],
    )


@pytest.fixture
def con(tmp_path) -> duckdb.DuckDBPyConnection:
    # at Settings(out=tmp_path / "out").warehouse_path, so that the Dagster test can open it too
    (tmp_path / "out").mkdir()
    c = duckdb.connect(str(tmp_path / "out" / "warehouse.duckdb"))
    ensure_schema(c)
    for art in ("teilnehmende", "mentorinnen", "tandems", "kontakte"):
        _datei(c, f"h-{art}", art)
    _datei(c, "h-mentorinnen-alt", "mentorinnen", status="ersetzt", datenstand=D(2026, 6, 1))

    for tn in ("tn1", "tn2", "tn3", "tn4"):
        c.execute(
            "INSERT INTO staging.teilnehmende (datei_id, datenstand, zeile, tn_id, eintritt, einwilligung) "
            "VALUES ('h-teilnehmende', DATE '2026-11-05', 2, ?, DATE '2026-05-01', DATE '2026-05-01')",
            [tn],
        )
    mentorinnen = [
        ("m1", D(2026, 6, 1), None, True, D(2026, 6, 10)),
        ("m2", D(2026, 6, 15), None, False, None),
        ("m3", D(2026, 6, 1), D(2026, 9, 15), True, D(2026, 5, 20)),
        ("m4", D(2026, 9, 1), None, False, D(2026, 9, 5)),
        ("m5", D(2026, 6, 1), None, True, None),
    ]
    c.executemany(
        "INSERT INTO staging.mentorinnen (datei_id, datenstand, zeile, mentor_id, eintritt, austritt, ehrenamtszuschuss, schulung) "
        "VALUES ('h-mentorinnen', DATE '2026-11-05', 2, ?, ?, ?, ?, ?)",
        mentorinnen,
    )
    # A replaced snapshot: m9 must not count anywhere.
    c.execute(
        "INSERT INTO staging.mentorinnen (datei_id, datenstand, zeile, mentor_id, eintritt, austritt, ehrenamtszuschuss, schulung) "
        "VALUES ('h-mentorinnen-alt', DATE '2026-06-01', 2, 'm9', DATE '2026-06-01', NULL, true, DATE '2026-06-01')"
    )
    tandems = [
        ("t1", "m1", "tn1", D(2026, 6, 1), None),
        ("t2", "m2", "tn2", D(2026, 7, 1), D(2026, 8, 31)),
        ("t3", "m3", "tn3", D(2026, 6, 15), None),
        ("t4", "m1", "tn4", D(2026, 8, 10), D(2026, 10, 15)),
        ("t5", "m4", "tn2", D(2026, 9, 5), None),
        ("tx", "m5", "tn-ohne", D(2026, 6, 1), None),
    ]
    c.executemany(
        "INSERT INTO staging.tandems (datei_id, datenstand, zeile, tandem_id, mentor_id, tn_id, beginn, ende) "
        "VALUES ('h-tandems', DATE '2026-11-05', 2, ?, ?, ?, ?, ?)",
        tandems,
    )
    kontakte = [
        ("t1", D(2026, 6, 10), 60, "persönlich", 10.0, "Pkw"),  # c1
        ("t1", D(2026, 7, 5), 90, "persönlich", 12.5, "ÖPNV"),  # c2
        ("t1", D(2026, 8, 15), 45, "telefonisch", 0.0, None),  # c3
        ("t1", D(2026, 8, 25), 30, "persönlich", 4.2, "Fahrrad"),  # c4
        ("t1", D(2026, 10, 5), 120, "persönlich", 25.0, "Pkw"),  # c5
        ("t2", D(2026, 7, 10), 60, "persönlich", 3.0, "zu Fuß"),  # c6
        ("t2", D(2026, 8, 5), 30, "persönlich", 8.0, "Pkw"),  # c7
        ("t2", D(2026, 9, 10), 60, "digital", 0.0, None),  # c8
        ("t3", D(2026, 6, 20), 120, "persönlich", 20.0, "Pkw"),  # c9
        ("t3", D(2026, 8, 1), 60, "persönlich", 5.5, "keins"),  # c10
        ("t3", D(2026, 9, 20), 90, "persönlich", 15.0, "Pkw"),  # c11
        ("t4", D(2026, 8, 12), 30, "persönlich", 7.5, "ÖPNV"),  # c12
        ("t4", D(2026, 10, 20), 45, "telefonisch", 0.0, None),  # c13
        ("tx", D(2026, 7, 15), 600, "persönlich", 100.0, "Pkw"),  # c14
        ("t1", D(2026, 11, 3), 60, "persönlich", 10.0, "Pkw"),  # c16
    ]
    c.executemany(
        "INSERT INTO staging.kontakte (datei_id, datenstand, zeile, tandem_id, datum, dauer_min, kontaktart, kilometer, verkehrsmittel) "
        "VALUES ('h-kontakte', DATE '2026-11-05', 2, ?, ?, ?, ?, ?, ?)",
        kontakte,
    )
    yield c
    c.close()


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _approx_rows(actual: list[tuple], expected: list[tuple]) -> None:
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert len(a) == len(e)
        for x, y in zip(a, e):
            if isinstance(y, float):
                assert x == pytest.approx(y, abs=1e-9), (a, e)
            else:
                assert x == y, (a, e)


# --- kennzahlen.mentoring ---------------------------------------------------------------------


def test_mentoring_stichtag_1_incomplete_month(con, settings):
    ueberblick = dict(build_mentoring_kennzahlen(con, settings, S1))
    actual = _rows(con, "SELECT * FROM kennzahlen.mentoring ORDER BY monat")
    # registered (Zähltag): m1, m2, m3, m5 in every month (m4 enters 01.09.; m9 is in a replaced file)
    # running tandems: Jun 30 t1 t3; Jul 31 t1 t2 t3; Aug 20 t1 t2 t3 t4 (tx never counts)
    # active mentors:  Jun m1 m3;   Jul m1 m2 m3;   Aug m1 m2 m3 (m1 has two tandems)
    # Jun: c1 + c9        2 contacts, 60+120 = 180 min = 3.0 h, 10+20 = 30 km Pkw -> 30*0.166 = 4.98 kg,
    #                     paid 180 min = 3 h * 15 = 45.00
    # Jul: c2 + c6        (c14 excluded) 90+60 = 150 min = 2.5 h, 12.5 ÖPNV + 3 zu Fuß = 15.5 km,
    #                     12.5*0.065 = 0.8125 kg, paid c2 90 min = 1.5 h = 22.50
    # Aug to 20.08.: c3 c7 c10 c12 (c4 on 25.08. is after the Stichtag) 45+30+60+30 = 165 min = 2.75 h,
    #                     0+8+5.5+7.5 = 21 km, 8*0.166 + 7.5*0.065 = 1.328 + 0.4875 = 1.8155 kg,
    #                     paid c3 c10 c12 = 45+60+30 = 135 min = 2.25 h = 33.75
    _approx_rows(
        actual,
        [
            (D(2026, 6, 1), 4, 2, 2, 2, 3.0, 30.0, 4.98, 45.0),
            (D(2026, 7, 1), 4, 3, 3, 2, 2.5, 15.5, 0.8125, 22.5),
            (D(2026, 8, 1), 4, 3, 4, 4, 2.75, 21.0, 1.8155, 33.75),
        ],
    )
    # Stichtag 20.08.: mit Zuschuss m1 m3 m5; geschult m1 (10.06.) m3 (20.05.)
    # hours (180+150+165)/60 = 8.25; allowance 45 + 22.5 + 33.75 = 101.25; rest 10000 - 101.25
    # CO2 4.98 + 0.8125 + 1.8155 = 7.608
    assert ueberblick == pytest.approx(
        {
            "mentorinnen_registriert": 4.0,
            "mentorinnen_aktiv": 3.0,
            "mentorinnen_mit_zuschuss": 3.0,
            "mentorinnen_geschult": 2.0,
            "tandems_aktiv": 4.0,
            "kontaktstunden": 8.25,
            "zuschuss_ausgezahlt_eur": 101.25,
            "zuschuss_rest_eur": 9898.75,
            "co2_kg": 7.608,
        }
    )


def test_mentoring_stichtag_2_complete_months(con, settings):
    result = build_mentoring_kennzahlen(con, settings, S2)
    assert [k for k, _ in result] == [
        "mentorinnen_registriert", "mentorinnen_aktiv", "mentorinnen_mit_zuschuss", "mentorinnen_geschult",
        "tandems_aktiv", "kontaktstunden", "zuschuss_ausgezahlt_eur", "zuschuss_rest_eur", "co2_kg",
    ]
    assert all(isinstance(v, float) for _, v in result)
    actual = _rows(con, "SELECT * FROM kennzahlen.mentoring ORDER BY monat")
    # registered: Aug 31 m1 m2 m3 m5; Sep 30 / Oct 31 m1 m2 m4 m5 (m3 left 15.09.)
    # running: Aug 31 t1 t2 (Ende 31.08. counts) t3 t4; Sep 30 t1 t3 t4 t5; Oct 31 t1 t3 t5 (t4 ended 15.10.)
    # active (a running tandem, docs/kennzahlen.md): Aug m1 m2 m3; Sep m1 m3 m4; Oct m1 m3 m4
    # (m3's t3 still runs after m3 left on 15.09.: t3 counts as a tandem and m3 as active, as the
    # contract says; the check tandem_nach_austritt_mentorin flags it. Until the fix m3 was left out: 2, 2)
    # Aug: c3 c4 c7 c10 c12: 165+30 = 195 min = 3.25 h, 21+4.2 = 25.2 km, CO2 1.8155 (Fahrrad 0),
    #      paid 135+30 = 165 min = 2.75 h = 41.25
    # Sep: c8 c11: 60+90 = 150 min = 2.5 h, 15 km Pkw = 2.49 kg, paid c11 90 min = 1.5 h = 22.50
    #      (m2 unpaid; m3 is paid: the contract pays contacts of mentors with Ehrenamtszuschuss = ja,
    #      also after the Austritt, which the check kontakt_ausserhalb_engagement flags; was 0 before)
    # Oct: c5 c13: 120+45 = 165 min = 2.75 h, 25 km Pkw = 4.15 kg, paid 165 min = 41.25 (c16 after S2)
    _approx_rows(
        actual,
        [
            (D(2026, 6, 1), 4, 2, 2, 2, 3.0, 30.0, 4.98, 45.0),
            (D(2026, 7, 1), 4, 3, 3, 2, 2.5, 15.5, 0.8125, 22.5),
            (D(2026, 8, 1), 4, 3, 4, 5, 3.25, 25.2, 1.8155, 41.25),
            (D(2026, 9, 1), 4, 3, 4, 2, 2.5, 15.0, 2.49, 22.5),
            (D(2026, 10, 1), 4, 3, 3, 2, 2.75, 25.0, 4.15, 41.25),
        ],
    )
    # Stichtag 31.10.: active m1 m3 m4; mit Zuschuss m1 m5; geschult m1 m4 (m3 has left); tandems t1 t3 t5
    # hours 3 + 2.5 + 3.25 + 2.5 + 2.75 = 14.0; allowance 45 + 22.5 + 41.25 + 22.5 + 41.25 = 172.5
    # CO2 4.98 + 0.8125 + 1.8155 + 2.49 + 4.15 = 14.248
    assert dict(result) == pytest.approx(
        {
            "mentorinnen_registriert": 4.0,
            "mentorinnen_aktiv": 3.0,
            "mentorinnen_mit_zuschuss": 2.0,
            "mentorinnen_geschult": 2.0,
            "tandems_aktiv": 3.0,
            "kontaktstunden": 14.0,
            "zuschuss_ausgezahlt_eur": 172.5,
            "zuschuss_rest_eur": 9827.5,
            "co2_kg": 14.248,
        }
    )
    # The ueberblick flows are the column sums of the published table.
    sums = con.execute("SELECT sum(stunden), sum(zuschuss_eur), sum(co2_kg) FROM kennzahlen.mentoring").fetchone()
    assert sums == pytest.approx((14.0, 172.5, 14.248))


def test_contract_types_comments_and_nothing_else_in_kennzahlen(con, settings):
    build_mentoring_kennzahlen(con, settings, S2)
    cols = _rows(
        con,
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = 'kennzahlen' AND table_name = 'mentoring' ORDER BY column_index",
    )
    assert [(c, t) for c, t, _ in cols] == [
        ("monat", "DATE"), ("mentorinnen_registriert", "BIGINT"), ("mentorinnen_aktiv", "BIGINT"),
        ("tandems_aktiv", "BIGINT"), ("kontakte", "BIGINT"), ("stunden", "DOUBLE"), ("kilometer", "DOUBLE"),
        ("co2_kg", "DOUBLE"), ("zuschuss_eur", "DOUBLE"),
    ]
    budget_cols = _rows(
        con,
        "SELECT column_name, comment FROM duckdb_columns() "
        "WHERE schema_name = 'kennzahlen' AND table_name = 'zuschuss_budget' ORDER BY column_index",
    )
    assert [c for c, _ in budget_cols] == [c for c, _, _ in BUDGET_COLUMNS]
    assert len(MENTORING_COLUMNS) == len(cols)
    assert all(comment for _, _, comment in cols) and all(comment for _, comment in budget_cols)
    tables = _rows(con, "SELECT table_name, comment, temporary FROM duckdb_tables() WHERE schema_name = 'kennzahlen' ORDER BY 1")
    assert [t for t, _, _ in tables] == ["mentoring", "zuschuss_budget"]
    assert all(comment and not temp for _, comment, temp in tables)
    # Helpers are TEMP tables only: nothing persistent outside kennzahlen was added either.
    persistent = {r[0] for r in _rows(con, "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE NOT temporary")}
    assert not any("mentoring_" in t for t in persistent)


def test_rebuild_is_idempotent_and_follows_the_stichtag(con, settings):
    build_mentoring_kennzahlen(con, settings, S2)
    first = _rows(con, "SELECT * FROM kennzahlen.zuschuss_budget ORDER BY monat")
    build_mentoring_kennzahlen(con, settings, S1)
    assert _rows(con, "SELECT count(*) FROM kennzahlen.mentoring")[0][0] == 3
    build_mentoring_kennzahlen(con, settings, S2)
    assert _rows(con, "SELECT * FROM kennzahlen.zuschuss_budget ORDER BY monat") == first


def test_missing_emission_factor_refuses_before_writing(con, settings):
    s = Settings(programmstart=D(2026, 6, 1), emissionsfaktoren_kg_km={"Pkw": 0.166, "Fahrrad": 0.0})
    with pytest.raises(FehlenderEmissionsfaktor, match="ÖPNV"):
        build_mentoring_kennzahlen(con, s, S2)
    assert _rows(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'kennzahlen'")[0][0] == 0
    # a failing rebuild leaves the previous tables in place
    build_mentoring_kennzahlen(con, settings, S2)
    with pytest.raises(FehlenderEmissionsfaktor):
        build_mentoring_kennzahlen(con, s, S1)
    assert _rows(con, "SELECT count(*), sum(zuschuss_eur) FROM kennzahlen.mentoring") == [(5, 172.5)]


def test_configured_rate_and_factors_are_used(con):
    s = Settings(programmstart=D(2026, 6, 1), stundensatz_eur=12.0, emissionsfaktoren_kg_km={
        "Pkw": 0.2, "ÖPNV": 0.1, "Fahrrad": 0.0, "zu Fuß": 0.0, "keins": 0.0})
    u = dict(build_mentoring_kennzahlen(con, s, S2))
    # paid minutes 180 + 90 + 165 + 90 + 165 = 690 min = 11.5 h * 12 = 138; Pkw 78 km * 0.2 + ÖPNV 20 km * 0.1 = 17.6
    assert u["zuschuss_ausgezahlt_eur"] == pytest.approx(138.0)
    assert u["co2_kg"] == pytest.approx(17.6)


# --- kennzahlen.zuschuss_budget and the forecast ------------------------------------------------


def test_budget_table_stichtag_2(con, settings):
    build_mentoring_kennzahlen(con, settings, S2)
    actual = _rows(con, "SELECT * FROM kennzahlen.zuschuss_budget ORDER BY monat")
    # paid mentors registered (m1 m3 m5 | m1 m5 from Sep), paid and active (running tandem, as
    # mentorinnen_aktiv): m1 m3 in every month (m3's t3 runs on after 15.09.; was m1 only from Sep),
    # billed (paid contacts): Jun m1 m3, Jul m1, Aug m1 m3, Sep m3 (c11), Oct m1
    # forecast over the last <= 3 complete months, k = ceil(rest / rate) months after the month:
    # Jun: rate 45 (Jun)                      rest 9955    -> ceil(221.2) = 222 -> Dec 2044; per mentor 45/2
    # Jul: rate (45+22.5)/2 = 33.75           rest 9932.5  -> ceil(294.3) = 295 -> Feb 2051; per mentor 67.5/3
    # Aug: rate (45+22.5+41.25)/3 = 36.25     rest 9891.25 -> ceil(272.9) = 273 -> May 2049; per mentor 108.75/5
    # Sep: rate (22.5+41.25+22.5)/3 = 28.75   rest 9868.75 -> ceil(343.3) = 344 -> May 2055; per mentor 86.25/4
    # Oct: rate (41.25+22.5+41.25)/3 = 35     rest 9827.5  -> ceil(280.8) = 281 -> Mar 2050; per mentor 105/4
    _approx_rows(
        actual,
        [
            (D(2026, 6, 1), D(2026, 6, 30), True, 3, 2, 2, 3.0, 45.0, 45.0, 10000.0, 9955.0,
             1, 45.0, 22.5, 9955 / 45, 9955 / 22.5, D(2044, 12, 1), "prognose"),
            (D(2026, 7, 1), D(2026, 7, 31), True, 3, 2, 1, 1.5, 22.5, 67.5, 10000.0, 9932.5,
             2, 33.75, 22.5, 9932.5 / 33.75, 9932.5 / 22.5, D(2051, 2, 1), "prognose"),
            (D(2026, 8, 1), D(2026, 8, 31), True, 3, 2, 2, 2.75, 41.25, 108.75, 10000.0, 9891.25,
             3, 36.25, 21.75, 9891.25 / 36.25, 9891.25 / 21.75, D(2049, 5, 1), "prognose"),
            (D(2026, 9, 1), D(2026, 9, 30), True, 2, 2, 1, 1.5, 22.5, 131.25, 10000.0, 9868.75,
             3, 28.75, 21.5625, 9868.75 / 28.75, 9868.75 / 21.5625, D(2055, 5, 1), "prognose"),
            (D(2026, 10, 1), D(2026, 10, 31), True, 2, 2, 1, 2.75, 41.25, 172.5, 10000.0, 9827.5,
             3, 35.0, 26.25, 9827.5 / 35, 9827.5 / 26.25, D(2050, 3, 1), "prognose"),
        ],
    )
    # the budget table's monthly allowance is the contract table's
    assert _rows(con, "SELECT count(*) FROM kennzahlen.mentoring m JOIN kennzahlen.zuschuss_budget b "
                      "USING (monat) WHERE m.zuschuss_eur <> b.zuschuss_eur")[0][0] == 0


def test_budget_forecast_incomplete_month_stichtag_1(con, settings):
    build_mentoring_kennzahlen(con, settings, S1)
    row = _rows(
        con,
        "SELECT monat_vollstaendig, zuschuss_eur, budget_rest_eur, prognose_basis_monate, prognose_rate_eur_monat, "
        "prognose_erschoepft_monat, prognose_status FROM kennzahlen.zuschuss_budget WHERE monat = DATE '2026-08-01'",
    )[0]
    # August (to 20.08.) is incomplete: the rate averages June and July only: (45 + 22.5) / 2 = 33.75.
    # August already spent 33.75 >= the rate, so nothing more is projected for it:
    # rest 9898.75 -> ceil(9898.75 / 33.75) = ceil(293.3) = 294 months after August 2026 = February 2051
    assert row == pytest.approx((False, 33.75, 9898.75, 2, 33.75, D(2051, 2, 1), "prognose"))


def test_budget_already_exhausted(con):
    # budget 100: cumulative 45 (Jun), 67.5 (Jul), 108.75 (Aug) -> used up in August and stays so
    s = Settings(programmstart=D(2026, 6, 1), budget_eur=100.0)
    u = dict(build_mentoring_kennzahlen(con, s, S2))
    assert u["zuschuss_rest_eur"] == pytest.approx(100 - 172.5)
    rows = _rows(con, "SELECT monat, budget_rest_eur, prognose_erschoepft_monat, prognose_status, "
                      "prognose_reichweite_monate, prognose_mentorinnen_monate FROM kennzahlen.zuschuss_budget ORDER BY monat")
    assert rows[2] == (D(2026, 8, 1), pytest.approx(-8.75), D(2026, 8, 1), "erschoepft", 0.0, 0.0)
    # "the current month when already exhausted": each later row names its own month
    assert [(r[2], r[3]) for r in rows[3:]] == [(D(2026, 9, 1), "erschoepft"), (D(2026, 10, 1), "erschoepft")]
    # exactly used up counts as exhausted: budget 172.5 = allowance by 31.10.
    build_mentoring_kennzahlen(con, Settings(programmstart=D(2026, 6, 1), budget_eur=172.5), S2)
    assert _rows(con, "SELECT budget_rest_eur, prognose_status FROM kennzahlen.zuschuss_budget "
                      "WHERE monat = DATE '2026-10-01'") == [(0.0, "erschoepft")]


def test_budget_never_runs_out_at_rate_zero(con):
    # prognose_monate 1 and a rate of 0 EUR an hour: September's own allowance is 0 -> the budget
    # never runs out at this rate. (Every month of the fixture has paid contacts since c11 counts
    # as paid, as docs/kennzahlen.md says, so the rate is set to 0 to get a month without allowance.)
    s = Settings(programmstart=D(2026, 6, 1), prognose_monate=1, stundensatz_eur=0.0)
    build_mentoring_kennzahlen(con, s, S2)
    row = _rows(con, "SELECT prognose_rate_eur_monat, prognose_reichweite_monate, prognose_erschoepft_monat, "
                     "prognose_status FROM kennzahlen.zuschuss_budget WHERE monat = DATE '2026-09-01'")[0]
    assert row == (0.0, None, None, "nie")


def test_no_complete_month_gives_no_forecast(con, settings):
    build_mentoring_kennzahlen(con, settings, D(2026, 6, 25))
    row = _rows(con, "SELECT monat_vollstaendig, zuschuss_eur, prognose_basis_monate, prognose_rate_eur_monat, "
                     "prognose_erschoepft_monat, prognose_status FROM kennzahlen.zuschuss_budget")
    # c1 (60 min) and c9 (120 min) by 25.06.: 3 h = 45 EUR, but June is not complete yet
    assert row == [(False, 45.0, 0, None, None, "keine_basis")]


def test_erschoepfungsmonat_rules():
    okt = D(2026, 10, 1)
    assert erschoepfungsmonat(okt, 100.0, 0.0) == (None, "nie")
    assert erschoepfungsmonat(okt, 100.0, None) == (None, "keine_basis")
    assert erschoepfungsmonat(okt, -5.0, 50.0) == (okt, "erschoepft")
    assert erschoepfungsmonat(okt, 0.004, 50.0) == (okt, "erschoepft")  # less than half a cent left
    # complete month: 100 at 50/month -> Nov 50, Dec 100 -> December
    assert erschoepfungsmonat(okt, 100.0, 50.0) == (D(2026, 12, 1), "prognose")
    # 101 at 50 -> still 1 EUR left after December -> January
    assert erschoepfungsmonat(okt, 101.0, 50.0) == (D(2027, 1, 1), "prognose")
    # incomplete October that spent 20 so far: it spends 30 more -> 70 left -> ceil(1.4) = 2 -> December
    assert erschoepfungsmonat(okt, 100.0, 50.0, 20.0, False) == (D(2026, 12, 1), "prognose")
    # incomplete October that already spent more than the rate: nothing more projected -> December
    assert erschoepfungsmonat(okt, 100.0, 50.0, 60.0, False) == (D(2026, 12, 1), "prognose")
    # incomplete October, 20 left, spent 10 of a 50 rate: the rest of October uses it up
    assert erschoepfungsmonat(okt, 20.0, 50.0, 10.0, False) == (okt, "prognose")
    assert erschoepfungsmonat(okt, 359 * 50.0, 50.0) == (D(2056, 9, 1), "prognose")  # 359 months on, across leap years


def test_budget_prognose_uses_complete_months_only():
    m = [
        BudgetMonat(D(2026, 6, 1), True, 60.0, 2, 940.0),
        BudgetMonat(D(2026, 7, 1), True, 30.0, 1, 910.0),
        BudgetMonat(D(2026, 8, 1), True, 90.0, 3, 820.0),
        BudgetMonat(D(2026, 9, 1), True, 0.0, 0, 820.0),
        BudgetMonat(D(2026, 10, 1), False, 5.0, 1, 815.0),
    ]
    p = budget_prognose(m, 4, 3)
    # basis Jul, Aug, Sep (October incomplete): (30 + 90 + 0) / 3 = 40; per mentor 120 / (1 + 3 + 0) = 30
    # October spent 5, projected 35 more -> 780 left -> ceil(19.5) = 20 months after October 2026 = June 2028
    assert (p.basis_monate, p.rate_eur_monat, p.eur_je_mentorin_monat) == (3, 40.0, 30.0)
    assert (p.erschoepft_monat, p.status) == (D(2028, 6, 1), "prognose")
    assert p.reichweite_monate == pytest.approx(815 / 40)
    assert p.mentorinnen_monate == pytest.approx(815 / 30)
    # first month with fewer than prognose_monate months available: average over what exists
    assert budget_prognose(m, 1, 3).rate_eur_monat == 45.0


# --- checks -------------------------------------------------------------------------------------


def _by_rule(befunde: list[dict]) -> dict[str, dict]:
    return {b["regel"]: b for b in befunde}


def test_befunde_stichtag_2(con, settings):
    befunde = mentoring_befunde(con, settings, S2)
    assert [b["regel"] for b in befunde] == [
        "kontakt_ausserhalb_tandem", "tandem_nach_austritt_mentorin", "kontakt_ausserhalb_engagement", "mentorin_ohne_kontakt"]
    assert all(b["schwere"] == "WARNUNG"
               and set(b) == {"regel", "schwere", "anzahl", "beschreibung", "pseudonyme", "fundstellen"}
               and len(b["fundstellen"]) == b["anzahl"] for b in befunde)
    b = _by_rule(befunde)
    # c8 (t2 ended 31.08., contact 10.09.) and c13 (t4 ended 15.10., contact 20.10.); c14 of tx is not looked at
    assert (b["kontakt_ausserhalb_tandem"]["anzahl"], b["kontakt_ausserhalb_tandem"]["pseudonyme"]) == (2, ["t2", "t4"])
    # t3 runs on after m3's Austritt 15.09.
    assert (b["tandem_nach_austritt_mentorin"]["anzahl"], b["tandem_nach_austritt_mentorin"]["pseudonyme"]) == (1, ["t3"])
    # c11: m3 left on 15.09. (of any mentor, paid or not; c11 is paid, docs/kennzahlen.md)
    assert (b["kontakt_ausserhalb_engagement"]["anzahl"], b["kontakt_ausserhalb_engagement"]["pseudonyme"]) == (1, ["m3"])
    assert [f.grund for f in b["kontakt_ausserhalb_engagement"]["fundstellen"]] == [
        "Kontakt liegt nach dem Austritt der Mentor*in; er wird als Ehrenamtszuschuss gerechnet"]
    # positions only: the file of the snapshot in use and the column header, never a pseudonym
    f = b["tandem_nach_austritt_mentorin"]["fundstellen"][0]
    assert (f.quelle, f.datei, f.spalte) == ("asyl", "asyl/tandems_2026-11-05.csv", "Ende")
    assert not any(p in f.grund for p in ("t3", "m3"))
    # 60 days (since 01.09.): m1 last contact 20.10., m3 20.09.; m4's t5 began 05.09. (grace period) -> none
    assert (b["mentorin_ohne_kontakt"]["anzahl"], b["mentorin_ohne_kontakt"]["pseudonyme"]) == (0, [])
    assert "Tandem" in b["kontakt_ausserhalb_tandem"]["beschreibung"]


def test_befunde_inaktiv_tage_and_first_stichtag(con):
    s = Settings(programmstart=D(2026, 6, 1), inaktiv_tage=30)
    b = _by_rule(mentoring_befunde(con, s, S2))
    # 30 days (contact after 01.10. needed): m3 (last 20.09.) and m4 (t5 since 05.09., no contact) are flagged
    assert (b["mentorin_ohne_kontakt"]["anzahl"], b["mentorin_ohne_kontakt"]["pseudonyme"]) == (2, ["m3", "m4"])
    assert "30 Tagen" in b["mentorin_ohne_kontakt"]["beschreibung"]
    # at 20.08. nothing is wrong yet: c8 / c11 / c13 lie in the future, m3 has not left
    early = mentoring_befunde(con, Settings(programmstart=D(2026, 6, 1)), S1)
    assert [(x["anzahl"], x["pseudonyme"], x["fundstellen"]) for x in early] == [(0, [], [])] * 4


# --- text blocks --------------------------------------------------------------------------------


def test_number_formatting():
    assert zahl(1234.5, 1) == "1.234,5"
    assert zahl(8.25, 1) == "8,3"  # half up, as a reader rounds
    assert zahl(1234567.891, 2) == "1.234.567,89"
    assert zahl(0.0001, 1) == "0,0"
    assert [anzahl_de(n) for n in (0, 1, 2, 3, 1234)] == ["keine", "weniger als drei", "weniger als drei", "3", "1.234"]
    assert teilanzahl_de(3, 4) == "alle bis auf weniger als drei"  # 4 - 3 = 1 could be worked out
    assert teilanzahl_de(3, 6) == "3"
    assert teilanzahl_de(2, 6) == "weniger als drei"
    assert teilanzahl_de(5, 5) == "alle"


def test_textbausteine_stichtag_2(con, settings):
    t = mentoring_textbausteine(con, settings, S2)
    assert set(t) == {"mentoring", "klimarelevanz"}
    # amounts and hours rounded as the council tables print them (whole units, 'EUR'), 'Projektbeginn'
    # as in the tables: 14.0 h -> 14, 172.50 -> 173 (half up), rest 9.827,50 -> 9.828, 35.00 a month -> 35
    assert t["mentoring"] == (
        "Zum Stichtag 31.10.2026 sind 4 Mentor*innen im Projekt registriert, davon weniger als drei mit "
        "Ehrenamtszuschuss. Es laufen 3 Tandems aus Mentor*in und teilnehmender Person. Seit Projektbeginn am "
        "01.06.2026 bis zum Stichtag fanden 13 Kontakte im Umfang von 14 Stunden statt. An "
        "Ehrenamtszuschüssen (15,00 EUR je Kontaktstunde) wurden seit Projektbeginn 173 EUR ausgezahlt; vom Budget in "
        "Höhe von 10.000 EUR stehen noch 9.828 EUR zur Verfügung. Bleibt es bei durchschnittlich 35 EUR je Monat wie "
        "in den letzten 3 vollständigen Monaten, reicht das Budget noch länger als zwei Jahre."
    )
    # March 2050 is beyond the horizon of 24 months (issue 18); with a horizon that reaches it, the month is named
    weit = mentoring_textbausteine(con, settings.model_copy(update={"prognose_horizont_monate": 12 * 24}), S2)
    assert weit["mentoring"].endswith("in den letzten 3 vollständigen Monaten, ist das Budget voraussichtlich im März 2050 aufgebraucht.")
    # km: Pkw 10+20+8+15+25 = 78, ÖPNV 12.5+7.5 = 20, keins 5.5, Fahrrad 4.2, zu Fuß 3 = 110.7 -> 111
    # (whole km, as the table); CO2 14.248 -> rund 14. Only the totals the council tables publish:
    # kilometres per Verkehrsmittel are in no table, so the DOCX would reject them. The factors are
    # named in their marked wording ('Pkw 0,166 kg'), Pkw first (more CO2 than ÖPNV).
    assert t["klimarelevanz"] == (
        "Durch die Fahrten der ehrenamtlichen Mentor*innen entstanden seit Projektbeginn am 01.06.2026 bis zum "
        "Stichtag rund 14 kg CO2-Äquivalente (111 gefahrene Kilometer; "
        "Emissionsfaktoren je Personenkilometer: Pkw 0,166 kg, ÖPNV 0,065 kg CO2-Äquivalente nach Umweltbundesamt, "
        "TREMOD)."
    )
    # the text writes nothing to kennzahlen
    assert _rows(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'kennzahlen'")[0][0] == 0


def test_textbausteine_stichtag_1_secondary_suppression(con, settings):
    t = mentoring_textbausteine(con, settings, S1)
    # 4 registered, 3 with allowance: "3" would reveal the 1 without -> "alle bis auf weniger als drei"
    assert "sind 4 Mentor*innen im Projekt registriert, davon alle bis auf weniger als drei mit Ehrenamtszuschuss." in t["mentoring"]
    # 8 contacts, 495 min = 8.25 h -> "8" (whole hours, as the table); forecast of
    # test_budget_forecast_incomplete_month_stichtag_1 (S1 unchanged: m3 leaves only on 15.09.): 101.25 paid -> 101, rest 9.898.75 -> 9.899, 33.75 a month -> 34
    assert "fanden 8 Kontakte im Umfang von 8 Stunden statt." in t["mentoring"]
    assert "101 EUR ausgezahlt" in t["mentoring"] and "noch 9.899 EUR" in t["mentoring"]
    assert "durchschnittlich 34 EUR je Monat wie in den letzten 2 vollständigen Monaten" in t["mentoring"]
    assert "reicht das Budget noch länger als zwei Jahre" in t["mentoring"]  # Februar 2051: beyond the horizon
    assert "€" not in t["mentoring"] and "Programmstart" not in t["mentoring"]
    # CO2 7.608 -> "rund 8 kg"; km 66.5 -> 67
    assert "rund 8 kg CO2-Äquivalente (67 gefahrene Kilometer" in t["klimarelevanz"]


@pytest.mark.parametrize("stichtag", [S1, S2])
def test_textbausteine_amounts_are_those_of_the_tables(con, settings, stichtag):
    """The text block must state hours and euros exactly as Table 1 (bericht.ueberblick) prints the
    same figures: formatted by the council tables' own function (whole units, half up), unit 'EUR'.
    A sentence saying 1.840,3 Stunden or 6.910,25 € beside a table saying 1.840 and 6.910 fails."""
    import re

    from assets.report.disclosure import format_betrag

    werte = dict(build_mentoring_kennzahlen(con, settings, stichtag))
    text = mentoring_textbausteine(con, settings, stichtag)["mentoring"]
    assert f"im Umfang von {format_betrag(werte['kontaktstunden'], 0)} Stunden" in text
    assert f"seit Projektbeginn {format_betrag(werte['zuschuss_ausgezahlt_eur'], 0)} EUR ausgezahlt" in text
    assert f"stehen noch {format_betrag(werte['zuschuss_rest_eur'], 0)} EUR zur Verfügung" in text
    assert f"in Höhe von {format_betrag(settings.budget_eur, 0)} EUR" in text
    # one currency notation, one word for the programme start; no decimals except the configured rate
    assert "€" not in text and "Programmstart" not in text and "Berichtszeitraum" not in text
    ohne_satz = text.replace("(15,00 EUR je Kontaktstunde)", "")
    assert not re.search(r"\d,\d", ohne_satz), ohne_satz


def test_textbausteine_small_counts_and_exhausted_budget(con):
    # Stichtag 25.06.: registered m1 m2 m3 m5 (4), with allowance m1 m3 m5 (3); tandems t1 t3 (2);
    # contacts c1 c9 (2) = 3 h = 45 EUR; budget 40 -> overdrawn by 5
    s = Settings(programmstart=D(2026, 6, 1), budget_eur=40.0)
    t = mentoring_textbausteine(con, s, D(2026, 6, 25))
    assert "Es laufen weniger als drei Tandems" in t["mentoring"]
    assert "fanden weniger als drei Kontakte im Umfang von 3 Stunden statt." in t["mentoring"]
    assert "das Budget in Höhe von 40 EUR ist damit aufgebraucht und um 5 EUR überschritten." in t["mentoring"]
    assert "Prognose" not in t["mentoring"]
    assert not any(ch in t["mentoring"] for ch in (" 1 ", " 2 "))


def test_textbausteine_without_trips_and_forecast_never(con):
    s = Settings(programmstart=D(2026, 6, 1), prognose_monate=1, stundensatz_eur=0.0)
    # Stichtag 30.09., rate 0 EUR an hour: September's allowance is 0 -> no end of the budget in sight
    t = mentoring_textbausteine(con, s, D(2026, 9, 30))
    assert "Da im letzten vollständigen Monat keine Zuschüsse angefallen sind, ist bei dieser Rate kein Ende des Budgets absehbar." in t["mentoring"]
    # an empty warehouse: no mentors, no trips
    empty = duckdb.connect()
    ensure_schema(empty)
    t = mentoring_textbausteine(empty, s, D(2026, 9, 30))
    assert t["mentoring"].startswith("Zum Stichtag 30.09.2026 sind keine Mentor*innen im Projekt registriert. Es laufen keine Tandems")
    assert "keine Mentoring-Kontakte erfasst" in t["mentoring"]
    assert "keine CO2-Emissionen, da keine Fahrten erfasst wurden" in t["klimarelevanz"]


# --- Dagster wiring ------------------------------------------------------------------------------


def test_dagster_asset_and_warn_checks(con, tmp_path):
    import dagster as dg

    from assets.metrics.assets import kennzahlen_mentoring
    from assets.resources import PhasenmonitorResource

    con.close()  # one writer per file: the asset opens the warehouse itself
    settings = Settings(out=tmp_path / "out", programmstart=D(2026, 6, 1), stichtag=S2)
    result = dg.materialize(
        [kennzahlen_mentoring],  # the mentor-side checks are check specs of the asset, evaluated by its step
        resources={"phasenmonitor": PhasenmonitorResource(settings_json=settings.model_dump_json())},
    )
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {k: e.passed for k, e in evaluations.items()} == {
        "mentoring_kontakt_ausserhalb_tandem": False,
        "mentoring_tandem_nach_austritt": False,
        "mentoring_kontakt_ausserhalb_engagement": False,
        "mentoring_ohne_kontakt": True,
    }
    assert all(e.severity == dg.AssetCheckSeverity.WARN for e in evaluations.values())
    meta = evaluations["mentoring_kontakt_ausserhalb_tandem"].metadata
    assert meta["anzahl"].value == 2 and meta["betroffen"].value == 2
    # counts and text only: no pseudonym in Dagster metadata
    assert all(set(e.metadata) == {"regel", "anzahl", "betroffen", "beschreibung", "stichtag"} for e in evaluations.values())
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as ro:
        assert ro.execute("SELECT sum(zuschuss_eur) FROM kennzahlen.mentoring").fetchone()[0] == pytest.approx(172.5)


def test_tandem_of_a_participant_whose_widerruf_took_effect_does_not_count(con):
    """mentoring_tandems repeats the consent rule of assets/metrics/teilnahme_rules.py (Einwilligung given,
    no Widerruf effective on the run day), so a Widerruf after the import still excludes the tandem."""
    con.execute("UPDATE staging.teilnehmende SET widerruf = DATE '2026-10-01' WHERE tn_id = 'tn4'")
    # Widerruf not yet effective on the run day: everything as in test_mentoring_stichtag_2
    vorher = dict(build_mentoring_kennzahlen(con, Settings(programmstart=D(2026, 6, 1), heute=D(2026, 9, 30)), S2))
    assert vorher["kontaktstunden"] == pytest.approx(14.0)
    # effective: t4 (m1-tn4) and its contacts c12 (30 min, 7.5 km ÖPNV, paid) and c13 (45 min, paid) drop out:
    # hours 14 - 75/60 = 12.75, allowance 172.5 - 18.75 = 153.75, CO2 14.248 - 7.5 * 0.065 = 13.7605
    nachher = dict(build_mentoring_kennzahlen(con, Settings(programmstart=D(2026, 6, 1), heute=D(2026, 11, 6)), S2))
    assert (nachher["kontaktstunden"], nachher["zuschuss_ausgezahlt_eur"], nachher["co2_kg"]) == pytest.approx(
        (12.75, 153.75, 13.7605))
    # August 31: t1 t2 t3 run (t4 no longer counts)
    assert _rows(con, "SELECT tandems_aktiv FROM kennzahlen.mentoring WHERE monat = DATE '2026-08-01'") == [(3,)]
