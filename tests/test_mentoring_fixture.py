"""Mentoring end to end: real-format exports -> Dagster in-process run -> reporting.duckdb.

The inbox (tests/fixtures/mentoring_inbox.py) is the scenario of tests/test_mentoring.py in the
Sachgebiet Asyl's CSV format, so the published table must hold exactly the numbers worked out by
hand there. What only the real parser can show: the tandems and contacts of a participant without
Einwilligung (TN-9) and of one who withdrew consent (TN-8) never reach the warehouse, and
kilometres written with a decimal comma (``12,5``) are read as 12.5.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures.mentoring_inbox import HEUTE, write_mentoring_inbox  # noqa: E402

from sources.settings import Settings  # noqa: E402
from pipelines.runner import run_pipeline  # noqa: E402

pytestmark = pytest.mark.slow  # one whole Dagster run (parsing, checks, council files)

STICHTAG = date(2026, 10, 31)
INAKTIV_TAGE = 30
TEST_KEY = b"test-key-mentoring-e2e"  # sources.pseudonym requires at least 16 characters
D = date


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("mentoring_e2e")
    inbox = write_mentoring_inbox(base / "inbox")
    # inaktiv_tage 30 (default 60): at 60 days the scenario has no mentor without contacts, at 30 it
    # has two (M-3, M-4); the setting is used by the check mentorin_ohne_kontakt only, no figure.
    settings = Settings(inbox=inbox, out=base / "out", stichtag=STICHTAG, heute=HEUTE, programmstart=D(2026, 6, 1),
                        inaktiv_tage=INAKTIV_TAGE)
    summary = run_pipeline(settings, key=TEST_KEY)
    assert summary.success, summary.failures
    return settings.out


def test_published_mentoring_table_matches_hand_computation(out):
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT * FROM kennzahlen.mentoring ORDER BY monat").fetchall()
        ueberblick = dict(con.execute("SELECT kennzahl, wert FROM kennzahlen.ueberblick").fetchall())
        budget = con.execute(
            "SELECT monat, zuschuss_eur, zuschuss_kumuliert_eur, budget_rest_eur, prognose_rate_eur_monat, "
            "prognose_erschoepft_monat, prognose_status FROM kennzahlen.zuschuss_budget ORDER BY monat DESC LIMIT 1"
        ).fetchone()
        comments = con.execute(
            "SELECT count(*), count(comment) FROM duckdb_columns() WHERE schema_name = 'kennzahlen' "
            "AND table_name IN ('mentoring', 'zuschuss_budget')"
        ).fetchone()
    finally:
        con.close()
    # Same arithmetic as tests/test_mentoring.py::test_mentoring_stichtag_2. T-9 (no consent: 600 min,
    # 100 km Pkw) and T-8 (consent withdrawn: 600 min, 250.5 km Pkw) would add 10 h / 20 h and
    # 16.6 / 41.6 kg in July if they had leaked in. Kilometres 12,5 / 4,2 / 5,5 / 7,5 come in as decimals:
    # July 12.5 + 3 = 15.5 km, August 4.2 + 8 + 5.5 + 7.5 = 25.2 km.
    # docs/kennzahlen.md, as it says: M-3 left on 15.09. but T-3 runs on, so M-3 is active on 30.09. and
    # 31.10. (active: M-1 M-3 M-4, was 2 when registration was required too), and c11 (M-3, 20.09.,
    # 90 min, Ehrenamtszuschuss = ja) is paid: September 1.5 h x 15 = 22.50 (was 0), total
    # 150 + 22.5 = 172.5, rest 9827.5. Both are flagged for the coordinator (test_befunde_...).
    expected = [
        (D(2026, 6, 1), 4, 2, 2, 2, 3.0, 30.0, 4.98, 45.0),
        (D(2026, 7, 1), 4, 3, 3, 2, 2.5, 15.5, 0.8125, 22.5),
        (D(2026, 8, 1), 4, 3, 4, 5, 3.25, 25.2, 1.8155, 41.25),
        (D(2026, 9, 1), 4, 3, 4, 2, 2.5, 15.0, 2.49, 22.5),
        (D(2026, 10, 1), 4, 3, 3, 2, 2.75, 25.0, 4.15, 41.25),
    ]
    assert len(rows) == len(expected)
    for actual, exp in zip(rows, expected):
        assert actual[:5] == exp[:5]
        assert actual[5:] == pytest.approx(exp[5:], abs=1e-9)
    assert {k: ueberblick[k] for k in (
        "mentorinnen_registriert", "mentorinnen_aktiv", "mentorinnen_mit_zuschuss", "mentorinnen_geschult",
        "tandems_aktiv", "kontaktstunden", "zuschuss_ausgezahlt_eur", "zuschuss_rest_eur", "co2_kg")} == pytest.approx({
        "mentorinnen_registriert": 4.0, "mentorinnen_aktiv": 3.0, "mentorinnen_mit_zuschuss": 2.0,
        "mentorinnen_geschult": 2.0, "tandems_aktiv": 3.0, "kontaktstunden": 14.0,
        "zuschuss_ausgezahlt_eur": 172.5, "zuschuss_rest_eur": 9827.5, "co2_kg": 14.248,
    })
    # October: rate (41.25 + 22.5 + 41.25) / 3 = 35, rest 9827.5 -> ceil(280.8) = 281 months -> March 2050
    # (was 27.5 and September 2056 with c11 unpaid)
    assert budget == pytest.approx((D(2026, 10, 1), 41.25, 172.5, 9827.5, 35.0, D(2050, 3, 1), "prognose"))
    assert comments[0] == comments[1] > 0


def test_befunde_name_file_line_and_rule_and_reach_the_report(out):
    """The mentor-side findings are rows of kennzahlen.befunde (file, line, column, rule, WARNUNG,
    German reason; no ID, no pseudonym) and appear in the internal report with a fix hint.
    Lines count the header as line 1 (fixtures/mentoring_inbox.py: list index + 2)."""
    from checks.dq_report import fix_hint
    from sources.findings import regel as regel_of

    kontakte, tandems, mentorinnen = (f"asyl/{art}_2026-11-05.csv" for art in ("kontakte", "tandems", "mentorinnen"))
    regeln = ("kontakt_ausserhalb_tandem", "tandem_nach_austritt_mentorin", "kontakt_ausserhalb_engagement",
              "mentorin_ohne_kontakt")
    for db in ("warehouse.duckdb", "reporting.duckdb"):
        con = duckdb.connect(str(out / db), read_only=True)
        try:
            rows = con.execute(
                "SELECT datei, zeile, spalte, regel, schwere, grund FROM kennzahlen.befunde "
                "WHERE regel IN (SELECT unnest(?)) ORDER BY regel, datei, zeile",
                [list(regeln)],
            ).fetchall()
        finally:
            con.close()
        assert [(r[3], r[0], r[1], r[2]) for r in rows] == [
            # c11 (line 12): M-3 left on 15.09., contact on 20.09. (paid: M-3 has the allowance)
            ("kontakt_ausserhalb_engagement", kontakte, 12, "Datum"),
            # c8 (line 9): T-2 ended 31.08., contact 10.09.; c13 (line 14): T-4 ended 15.10., contact 20.10.
            ("kontakt_ausserhalb_tandem", kontakte, 9, "Datum"),
            ("kontakt_ausserhalb_tandem", kontakte, 14, "Datum"),
            # inaktiv_tage 30, no contact since 01.10.: M-3 (line 4, last contact 20.09.) and M-4
            # (line 5, T-5 since 05.09. without any contact)
            ("mentorin_ohne_kontakt", mentorinnen, 4, None),
            ("mentorin_ohne_kontakt", mentorinnen, 5, None),
            # T-3 (line 4) runs on after M-3's Austritt on 15.09.
            ("tandem_nach_austritt_mentorin", tandems, 4, "Ende"),
        ], db
        assert all(r[4] == "WARNUNG" and r[5] for r in rows)
        assert rows[0][5] == "Kontakt liegt nach dem Austritt der Mentor*in; er wird als Ehrenamtszuschuss gerechnet"
        texte = " ".join(str(v) for r in rows for v in r)
        assert not any(k in texte for k in ("M-3", "M-4", "T-3", "Schulz", "Wolf"))
    html = (out / "intern" / f"datenqualitaet_{STICHTAG.isoformat()}.html").read_text(encoding="utf-8")
    from html import escape

    for regel in regeln:
        assert escape(regel_of(regel).titel) in html and escape(fix_hint(regel)) in html, regel


def test_no_consent_rows_never_reach_the_warehouse(out):
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        tandems = con.execute("SELECT count(*) FROM aktuell.tandems").fetchone()[0]
        kontakte = con.execute("SELECT count(*), sum(dauer_min), max(kilometer) FROM aktuell.kontakte").fetchone()
        km = sorted(r[0] for r in con.execute("SELECT kilometer FROM aktuell.kontakte").fetchall())
        dateien = dict(
            ((r[0], r[1]), r[2:])
            for r in con.execute(
                "SELECT art, status, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene, zeilen_ausgeschlossen "
                "FROM meta.dateien WHERE art IN ('tandems', 'kontakte', 'mentorinnen')"
            ).fetchall()
        )
    finally:
        con.close()
    # 7 tandems delivered, T-8 and T-9 excluded by rule (not quarantined)
    assert tandems == 5
    assert dateien[("tandems", "verwendet")] == (7, 5, 0, 2)
    # 16 contacts delivered, the two of T-8 / T-9 excluded; 14 loaded (c16 lies after the Stichtag but
    # inside the Datenstand); minutes 60+90+45+30+120+60+30+60+120+60+90+30+45+60 = 900
    assert dateien[("kontakte", "verwendet")] == (16, 14, 0, 2)
    assert kontakte == (14, 900, 25.0)
    assert km == [0.0, 0.0, 0.0, 3.0, 4.2, 5.5, 7.5, 8.0, 10.0, 10.0, 12.5, 15.0, 20.0, 25.0]
    # the older mentor snapshot (M-9) is replaced, not used
    assert ("mentorinnen", "ersetzt") in dateien


def test_exclusions_are_explained_per_file(out):
    """kennzahlen.datenqualitaet (v2) splits the excluded rows: the tandems and contacts of TN-8
    (withdrawn) and TN-9 (never consented) are 'ohne Einwilligung', none 'nicht zugeordnet'."""
    from conftest import assert_exclusions_add_up, datenqualitaet

    assert assert_exclusions_add_up(out) >= 5
    split = {r["datei"].split("/")[1].split("_")[0]: (r["zeilen_ohne_einwilligung"], r["zeilen_nicht_zugeordnet"])
             for r in datenqualitaet(out).values() if r["status"] == "verwendet"}
    assert split["tandems"] == (2, 0) and split["kontakte"] == (2, 0)
    assert split["teilnehmende"] == (2, 0)  # the registry rows of TN-8 and TN-9 themselves


def test_prepared_tables_are_reused_only_for_the_same_rows_and_settings(out, tmp_path):
    """prepare_mentoring builds its TEMP tables once per connection and rows: the run's steps
    share one connection, so the metrics, the check and the text blocks reuse them; a changed
    row or setting rebuilds them."""
    import shutil

    from assets.metrics.mentoring_figures import prepare_mentoring

    db = tmp_path / "warehouse.duckdb"
    shutil.copy(out / "warehouse.duckdb", db)
    settings = Settings(inbox=out, out=tmp_path, stichtag=STICHTAG, heute=HEUTE, programmstart=D(2026, 6, 1))
    con = duckdb.connect(str(db))
    try:
        prepare_mentoring(con, settings, STICHTAG)
        n = con.execute("SELECT count(*) FROM mentoring_kontakte").fetchone()[0]
        assert n > 0
        con.execute("DELETE FROM mentoring_kontakte WHERE true")  # a marker: survives only a reuse
        prepare_mentoring(con, settings, STICHTAG)
        assert con.execute("SELECT count(*) FROM mentoring_kontakte").fetchone()[0] == 0  # reused

        stundensatz = settings.model_copy(update={"stundensatz_eur": settings.stundensatz_eur + 1})
        prepare_mentoring(con, stundensatz, STICHTAG)
        assert con.execute("SELECT count(*) FROM mentoring_kontakte").fetchone()[0] == n  # rebuilt

        datei = con.execute("SELECT datei_id FROM aktuell.kontakte LIMIT 1").fetchone()[0]
        zeile = con.execute("SELECT min(zeile) FROM aktuell.kontakte WHERE datei_id = ?", [datei]).fetchone()[0]
        con.execute("DELETE FROM staging.kontakte WHERE datei_id = ? AND zeile = ?", [datei, zeile])
        prepare_mentoring(con, stundensatz, STICHTAG)
        assert con.execute("SELECT count(*) FROM mentoring_kontakte").fetchone()[0] < n  # rebuilt on the changed rows
    finally:
        con.close()
