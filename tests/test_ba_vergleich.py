"""The BA-comparable rates (assets/metrics/teilnahme_rules.py, section 7; docs/kennzahlen.md,
"Mit der BA vergleichbar"): ``integrationsquote_12m``, ``nachhaltig_12m_bewertbar`` and
``nachhaltig_12m`` on a warehouse built row by row, every value worked out by hand below.

Pure rule tests: a real DuckDB with the real ``aktuell.*`` views, no Dagster.
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
STICHTAG = d(2025, 3, 31)


def build(con, stichtag=STICHTAG, **kw) -> dict[str, float | None]:
    return dict(T.build_teilnahme_kennzahlen(con, Settings(heute=HEUTE, **kw), stichtag))


# --- integrationsquote_12m ---------------------------------------------------------------------


def _programm(lager: Lager) -> None:
    """Six participants and their take-ups; the Zähltage each is active on (window of Stichtag
    31.03.2025: the Berichtsmonate April 2024 to March 2025, twelve Zähltage 30.04.24 ... 31.03.25):

    a  E 15.01.24                 active on all 12
    b  E 01.03.24  Aus 30.09.24   30.04. - 30.09.24 (the Austritt day still counts): 6
    c  E 01.10.24                 31.10.24 - 31.03.25: 6
    d  E 31.03.25 (the Stichtag)  31.03.25 only: 1
    e  E 01.06.23 (before the programme start)   all 12
    f  E 01.02.24                 all 12
    -> 12 + 6 + 6 + 1 + 12 + 12 = 49 person-Zähltage, mean 49 / 12.
    """
    lager.teilnehmer("a", d(2024, 1, 15))
    lager.integration("a", d(2024, 3, 20))  # placement in March 2024: before the window
    lager.integration("a", d(2024, 4, 1), art="SVB Teilzeit")  # in the window: counts
    lager.integration("a", d(2024, 4, 20), art="Ausbildung")  # same month: no second placement
    lager.teilnehmer("b", d(2024, 3, 1), austritt=d(2024, 9, 30))
    lager.integration("b", d(2024, 6, 10), art="Selbständigkeit")  # a placement for the rate: counts
    lager.teilnehmer("c", d(2024, 10, 1))
    lager.integration("c", d(2025, 3, 31))  # on the Stichtag: counts
    lager.integration("c", d(2024, 11, 1), art="geringfügig")  # mini-job: never a placement
    lager.integration("c", d(2024, 12, 1), foerderung="§16i")  # §16i: no integration
    lager.teilnehmer("d", STICHTAG)
    lager.teilnehmer("e", d(2023, 6, 1))
    lager.teilnehmer("f", d(2024, 2, 1))


def test_integrationsquote_12m_by_hand(con, lager):
    _programm(lager)
    werte = build(con)
    # placements in the window: a (01.04.24), b (10.06.24), c (31.03.25) = 3
    # 3 / (49 / 12) = 36 / 49 = 0.7347
    assert R.integrationsquote_12m(con, STICHTAG) == (3, pytest.approx(49 / 12), pytest.approx(36 / 49))
    assert werte["integrationsquote_12m"] == pytest.approx(36 / 49)
    # the same rate from the published monthly tables (what the report's hidden basis reads):
    # placements of the four BA kinds in the window's months / mean of phasen_bestand.aktiv
    von = R.ba_zeitraum_beginn(STICHTAG)
    assert von == d(2024, 4, 1)
    (n,) = con.execute("SELECT sum(anzahl) FROM kennzahlen.vermittlungen WHERE monat >= ? AND integrationsart <> 'geringfügig'",
                       [von]).fetchone()
    (aktiv,) = con.execute("SELECT avg(aktiv) FROM kennzahlen.phasen_bestand WHERE monat >= ?", [von]).fetchone()
    assert (n, aktiv) == (3, pytest.approx(49 / 12))


def test_integrationsquote_12m_of_a_programme_younger_than_the_window(con, lager):
    _programm(lager)
    werte = build(con, programmstart=d(2024, 10, 1))
    # Berichtsmonate October 2024 to March 2025 only (6 Zähltage): active a 6, b 0 (left
    # 30.09.), c 6, d 1, e 6, f 6 = 25, mean 25 / 6. Placements in those months: c (31.03.25) = 1
    # (a's and b's lie before the programme start's month). 1 / (25 / 6) = 6 / 25 = 0.24.
    assert werte["integrationsquote_12m"] == pytest.approx(6 / 25)


def test_integrationsquote_12m_is_null_without_berichtsmonat(con, lager):
    _programm(lager)
    # Stichtag before the programme start: no Berichtsmonat, no denominator
    werte = build(con, stichtag=d(2023, 12, 31))
    assert werte["integrationsquote_12m"] is None
    assert R.integrationsquote_12m(con, d(2023, 12, 31)) == (0, None, None)


def test_integrationsquote_12m_is_null_when_nobody_was_active(con, lager):
    lager.teilnehmer("spaeter", d(2025, 4, 1))  # enters after the Stichtag
    assert build(con)["integrationsquote_12m"] is None


# --- nachhaltig_12m ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beginn,erwartet",
    [
        (d(2024, 1, 31), d(2025, 1, 31)),  # month end stays the month end
        (d(2024, 2, 29), d(2025, 2, 28)),  # the leap day: clamped to the end of February
        (d(2024, 3, 31), d(2025, 3, 31)),
    ],
)
def test_pruefdatum_12_months(beginn, erwartet):
    assert R.pruefdatum(beginn, R.BA_MONATE) == erwartet


def test_pruefdatum_12_months_python_and_sql_agree(con):
    rows = con.execute(
        "SELECT tag, CAST(tag + to_months(?) AS DATE) FROM range(DATE '2023-01-01', DATE '2025-01-01', INTERVAL 1 DAY) t(tag)",
        [R.BA_MONATE],
    ).fetchall()
    assert all(R.pruefdatum(tag.date(), R.BA_MONATE) == sql for tag, sql in rows)


def test_nachhaltig_12m_by_hand(con, lager):
    e = d(2024, 1, 2)
    ja, nein = True, False
    faelle = {}  # tn_id -> (check day, bewertbar, nachhaltig) of its first placement

    lager.teilnehmer("genau", e)
    lager.integration("genau", d(2024, 3, 31))  # check day 31.03.25 = Stichtag: assessable
    faelle["genau"] = (d(2025, 3, 31), ja, ja)
    lager.teilnehmer("endet_vortag", e)
    lager.integration("endet_vortag", d(2024, 2, 15), d(2025, 2, 14), art="SVB Teilzeit")  # ended the day before
    faelle["endet_vortag"] = (d(2025, 2, 15), ja, nein)
    lager.teilnehmer("endet_am_pruefdatum", e)
    lager.integration("endet_am_pruefdatum", d(2024, 1, 10), d(2025, 1, 10), art="Ausbildung")  # the end day holds
    faelle["endet_am_pruefdatum"] = (d(2025, 1, 10), ja, ja)
    lager.teilnehmer("nach_selbst", e)
    lager.integration("nach_selbst", d(2024, 2, 1), d(2024, 12, 31))
    lager.integration("nach_selbst", d(2025, 1, 1), art="Selbständigkeit")  # does not hold at 12 months
    faelle["nach_selbst"] = (d(2025, 2, 1), ja, nein)
    lager.teilnehmer("wechsel", e)
    lager.integration("wechsel", d(2024, 3, 1), d(2024, 10, 31), art="SVB Teilzeit", arbeitgeber="AG-1")
    lager.integration("wechsel", d(2024, 11, 1), art="Ausbildung", arbeitgeber="AG-2")  # any employer holds
    faelle["wechsel"] = (d(2025, 3, 1), ja, ja)
    lager.teilnehmer("minijob", e)
    lager.integration("minijob", d(2024, 1, 15), d(2024, 6, 30))
    lager.integration("minijob", d(2024, 7, 1), art="geringfügig")  # a mini-job does not hold
    lager.integration("minijob", d(2024, 8, 1), foerderung="§16i")  # nor does a §16i job
    faelle["minijob"] = (d(2025, 1, 15), ja, nein)
    lager.teilnehmer("schalttag", e)
    lager.integration("schalttag", d(2024, 2, 29), d(2025, 2, 28))  # check day clamped to 28.02.25
    faelle["schalttag"] = (d(2025, 2, 28), ja, ja)
    lager.teilnehmer("monatsende", e)
    lager.integration("monatsende", d(2024, 1, 31), d(2025, 1, 31))  # 31.01. + 12 months = 31.01.
    faelle["monatsende"] = (d(2025, 1, 31), ja, ja)
    lager.teilnehmer("zu_frisch", e)
    lager.integration("zu_frisch", d(2024, 4, 1))  # check day 01.04.25 after the Stichtag
    faelle["zu_frisch"] = (d(2025, 4, 1), nein, nein)
    lager.teilnehmer("selbstaendig", e)
    lager.integration("selbstaendig", d(2024, 1, 5), art="Selbständigkeit")  # not assessed at all

    werte = build(con)
    rows = con.execute(
        "SELECT tn_id, beginn, pruefdatum, bewertbar, nachhaltig FROM tn_nachhaltigkeit_12m ORDER BY tn_id, beginn"
    ).fetchall()
    erste = {}
    for tn_id, beginn, pruef, bewertbar, nachhaltig in rows:
        assert pruef == R.pruefdatum(beginn, R.BA_MONATE)
        erste.setdefault(tn_id, (pruef, bewertbar, nachhaltig))
    assert erste == faelle  # 'selbstaendig' is not there
    # the second placements: wechsel's Ausbildung (01.11.24, check day 01.11.25) is in, not
    # assessable yet; nach_selbst's Selbständigkeit (01.01.25) is not assessed at all
    assert len(rows) == len(faelle) + 1
    assert ("wechsel", d(2024, 11, 1), d(2025, 11, 1), False, False) in rows
    # assessable: genau, endet_vortag, endet_am_pruefdatum, nach_selbst, wechsel, minijob,
    # schalttag, monatsende = 8; sustained: genau, endet_am_pruefdatum, wechsel, schalttag,
    # monatsende = 5
    assert (werte["nachhaltig_12m_bewertbar"], werte["nachhaltig_12m"]) == (8.0, 5.0)
    # The 6-month sustainability stays as it was. Its check days (Beginn + 6 months) on or before
    # 31.03.25: the first placement of every person, Selbständigkeit included (selbstaendig
    # 05.07.24, zu_frisch 01.10.24, ...) = 10; the second ones (wechsel 01.05.25, nach_selbst
    # 01.07.25) not. Sustained: all but minijob (its job ended 30.06.24 before 15.07.24; the
    # mini-job and the §16i job do not hold) = 9; here selbstaendig's open Selbständigkeit holds.
    assert con.execute("SELECT bewertbar, nachhaltig FROM kennzahlen.nachhaltigkeit").fetchall() == [(10, 9)]
