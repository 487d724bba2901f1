"""End to end on a hand-built inbox: partner files in their real formats -> Dagster run ->
``reporting.duckdb``, schema ``kennzahlen``; every expected number worked out by hand below.

The inbox (tests/fixtures/teilnahme/, built by tests/fixtures/teilnahme_inbox.py, which lists the
edge case of each person) has Datenstand 31.03.2025; the run day is 01.04.2025. Two Stichtage:

- A = 30.09.2024 (an explicit Stichtag in the past: the same exports, reported as of A)
- B = 31.03.2025 (the Datenstand)

Per person (E = Eintritt, P2/P3 = counted phase starts, Aus = Austritt):

TN-001  E 15.01.24  P2 20.02.24 (assessment before the course of 04.03.)  P3 01.06.24
TN-002  E 01.02.24  P2 15.02.24 (measure)  P3 02.05.24  Aus 31.05.24
TN-003  E 01.03.24  P2 10.04.24  P3 05.08.24 (two take-ups in August, the earlier counts)
TN-004  E 01.04.24  P2 none (assessment 20.07. and course 01.09. lie after P3)  P3 15.07.24
TN-005  E 10.01.24  P2 10.01.24 (assessment on the day of Eintritt)  P3 none (§16i)
TN-006  E 15.05.24  P2 15.05.24 (course running since 02.04.)  P3 none (job after Aus)  Aus 31.07.24
TN-007  E 01.06.24  stays Phase 1 (measure 'geplant', course 'storniert')
TN-008  E 01.08.24  P2 14.10.24 (after A)  P3 03.02.25 (EGZ, after A)
TN-009  E 02.12.24 (after A)  stays Phase 1 (measure ended before E, course starts after B)
TN-010  no consent: excluded          TN-011  consent withdrawn 15.02.25: excluded
TN-012  E 01.07.24  P2 22.07.24  Aus 28.02.25 (between A and B)
TN-013  E 01.09.24  Aus 31.10.24  stays Phase 1 (assessment 05.11. after Aus)
TN-014  E 08.01.24  P2 22.01.24  P3 31.03.24
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import teilnahme_inbox  # noqa: E402

from teilnahme_run import STICHTAG_A, STICHTAG_B  # noqa: E402

d = date

# Two real Dagster runs (parsing, checks, council files), shared with tests/test_merkmale.py.
pytestmark = pytest.mark.slow

# ---------------------------------------------------------------------------------------------
# Stichtag A = 30.09.2024
# ---------------------------------------------------------------------------------------------
# Counted: consent and E <= 30.09.24: 001-008, 012, 013, 014 = 11 (009 enters 02.12.24; 010, 011
# excluded). Austritte <= A: 002 (31.05.), 006 (31.07.) = 2. Active on A: 11 - 2 = 9.
# Phase on A: 3 = 001, 003, 004, 014 (4); 2 = 005, 012 (2); 1 = 007, 008 (course 14.10. after A),
# 013 (3). 3 + 2 + 4 = 9.
# Placements (one per person and month, E <= Beginn <= A, Beginn <= Aus):
#   014 31.03.24 SVB Vollzeit; 002 02.05.24 SVB Teilzeit (Aus 31.05.); 001 01.06.24 SVB Vollzeit;
#   004 15.07.24 Selbständigkeit; 003 05.08.24 SVB Teilzeit (26.08. Ausbildung same month: no)
#   not: 005 §16i, 006 after Aus, 003 mini-job before E, 001 01.12.24 and 008 03.02.25 after A
#   -> 5 placements of 5 people. Mini-jobs: 005 01.05.24 -> 1.
UEBERBLICK_A = {
    "teilnehmende_gesamt": 11, "teilnehmende_aktiv": 9, "phase_1": 3, "phase_2": 2, "phase_3": 4,
    "austritte": 2, "personen_mit_vermittlung": 5, "vermittlungen": 5, "minijobs": 1,
    # BA-comparable: the window (Oct 2023 - Sep 2024) holds the Berichtsmonate Jan - Sep 2024 (the
    # programme is younger); its 5 placements / mean active on the 9 Zähltage (BESTAND_A below:
    # 3+4+5+6+7+7+8+8+9 = 57, mean 57/9) = 45/57 = 15/19. 12-month check days (placements other
    # than 004's Selbständigkeit): 014 31.03.25, 002 02.05.25, 001 01.06.25, 003 05.08.25, all
    # after A: nothing assessable.
    "integrationsquote_12m": 15 / 19, "nachhaltig_12m_bewertbar": 0, "nachhaltig_12m": 0,
}
# Stocks on each Zähltag (phase_1, phase_2, phase_3, aktiv), person by person:
#   31.01.24: 001 (P2 on 20.02.) 1; 005 2; 014 2                                  -> 1 2 0 3
#   29.02.24: 001 2; 002 2; 005 2; 014 2                                           -> 0 4 0 4
#   31.03.24: 001 2; 002 2; 003 1; 005 2; 014 3 (P3 on 31.03.)                     -> 1 3 1 5
#   30.04.24: 001 2; 002 2; 003 2; 004 1; 005 2; 014 3                             -> 1 4 1 6
#   31.05.24: 001 2; 002 3 (active on its Aus day); 003 2; 004 1; 005 2; 006 2; 014 3 -> 1 4 2 7
#   30.06.24: 001 3; 003 2; 004 1; 005 2; 006 2; 007 1; 014 3                      -> 2 3 2 7
#   31.07.24: 001 3; 003 2; 004 3; 005 2; 006 2 (Aus day); 007 1; 012 2; 014 3     -> 1 4 3 8
#   31.08.24: 001 3; 003 3; 004 3; 005 2; 007 1; 008 1; 012 2; 014 3               -> 2 2 4 8
#   30.09.24: as August plus 013 1                                                 -> 3 2 4 9
BESTAND_A = [
    (d(2024, 1, 1), d(2024, 1, 31), 1, 2, 0, 3),
    (d(2024, 2, 1), d(2024, 2, 29), 0, 4, 0, 4),
    (d(2024, 3, 1), d(2024, 3, 31), 1, 3, 1, 5),
    (d(2024, 4, 1), d(2024, 4, 30), 1, 4, 1, 6),
    (d(2024, 5, 1), d(2024, 5, 31), 1, 4, 2, 7),
    (d(2024, 6, 1), d(2024, 6, 30), 2, 3, 2, 7),
    (d(2024, 7, 1), d(2024, 7, 31), 1, 4, 3, 8),
    (d(2024, 8, 1), d(2024, 8, 31), 2, 2, 4, 8),
    (d(2024, 9, 1), d(2024, 9, 30), 3, 2, 4, 9),
]
# Flows (eintritte, beginn_phase_2, beginn_phase_3, austritte):
#   Jan: E 001, 005, 014; P2 005 (10.01.), 014 (22.01.)   Feb: E 002; P2 001, 002
#   Mar: E 003; P3 014      Apr: E 004; P2 003      May: E 006; P2 006; P3 002; Aus 002
#   Jun: E 007; P3 001      Jul: E 012; P2 012; P3 004; Aus 006      Aug: E 008; P3 003
#   Sep: E 013
BEWEGUNGEN_A = [
    (d(2024, 1, 1), 3, 2, 0, 0),
    (d(2024, 2, 1), 1, 2, 0, 0),
    (d(2024, 3, 1), 1, 0, 1, 0),
    (d(2024, 4, 1), 1, 1, 0, 0),
    (d(2024, 5, 1), 1, 1, 1, 1),
    (d(2024, 6, 1), 1, 0, 1, 0),
    (d(2024, 7, 1), 1, 1, 1, 1),
    (d(2024, 8, 1), 1, 0, 1, 0),
    (d(2024, 9, 1), 1, 0, 0, 0),
]
# Days from E to P2: 001 36 (15.01.->20.02.), 002 14, 003 40 (01.03.->10.04.), 005 0, 006 0,
# 012 21, 014 14 -> 0 0 14 14 21 36 40: 7 people, median 14.
# Days from E to P3: 014 83 (08.01.->31.03.), 002 91 (01.02.->02.05.), 004 105 (01.04.->15.07.),
# 001 138 (15.01.->01.06.), 003 157 (01.03.->05.08.) -> 5 people, median 105.
DAUER_A = [("Eintritt bis Phase 2", 7, 14.0), ("Eintritt bis Phase 3", 5, 105.0)]
VERMITTLUNGEN_A = {
    (d(2024, 3, 1), "SVB Vollzeit"): 1,  # 014
    (d(2024, 5, 1), "SVB Teilzeit"): 1,  # 002
    (d(2024, 5, 1), "geringfügig"): 1,  # 005's mini-job
    (d(2024, 6, 1), "SVB Vollzeit"): 1,  # 001
    (d(2024, 7, 1), "Selbständigkeit"): 1,  # 004
    (d(2024, 8, 1), "SVB Teilzeit"): 1,  # 003 (not its Ausbildung of 26.08.)
}
# Check days (Beginn + 6 months): 014 31.03.24 -> 30.09.24 (clamped) <= A: assessable; its job
# ends 30.09.24 = check day: sustained. All others' check days lie after A (002 02.11.24,
# 001 01.12.24, 004 15.01.25, 003 05.02.25). -> 1 assessable, 1 sustained, quote 1.0.
NACHHALTIGKEIT_A = [(1, 1, 1.0)]
# Enrolments of counted people, not storniert, Kursbeginn <= A:
#   Integrationskurs: 001 abgeschlossen DTZ B1; 005 abgeschlossen DTZ A2; 006 abgebrochen, no exam
#     (010 and 011 are excluded; 009's course starts 07.04.25)      -> 3 2 1 2 1
#   Alphabetisierungskurs: 007 storniert                             -> 0 0 0 0 0
#   Berufssprachkurs: 012 abgeschlossen DTB B2 -> B2 (008's starts 14.10.24) -> 1 1 0 1 1
#   Sonstiger Kurs: 004 abgeschlossen, telc B1 'nicht bestanden'    -> 1 1 0 1 0
#   (status and result as in the export of 31.03.25; see docs/kennzahlen.md, Entscheidungen)
SPRACHE_A = [
    ("Integrationskurs", 3, 2, 1, 2, 1),
    ("Alphabetisierungskurs", 0, 0, 0, 0, 0),
    ("Berufssprachkurs", 1, 1, 0, 1, 1),
    ("Jugendintegrationskurs", 0, 0, 0, 0, 0),
    ("Sonstiger Kurs", 1, 1, 0, 1, 0),
]

# ---------------------------------------------------------------------------------------------
# Stichtag B = 31.03.2025
# ---------------------------------------------------------------------------------------------
# Counted: A's 11 plus 009 = 12. Austritte <= B: 002, 006, 013 (31.10.24), 012 (28.02.25) = 4.
# Active on B: 8 = 001, 003, 004, 005, 007, 008, 009, 014.
# Phase on B: 3 = 001, 003, 004, 008, 014 (5); 2 = 005 (1); 1 = 007, 009 (2).
# Placements: A's 5 plus 001 01.12.24 (new employer, another month) and 008 03.02.25 (EGZ) = 7,
# of 6 people. Mini-jobs: still only 005's.
UEBERBLICK_B = {
    "teilnehmende_gesamt": 12, "teilnehmende_aktiv": 8, "phase_1": 2, "phase_2": 1, "phase_3": 5,
    "austritte": 4, "personen_mit_vermittlung": 6, "vermittlungen": 7, "minijobs": 1,
    # BA-comparable: window April 2024 - March 2025 (12 Berichtsmonate). Placements in it: 002
    # (May), 001 (June), 004 (July, Selbständigkeit counts here), 003 (August), 001 (December),
    # 008 (February) = 6; 014's of 31.03.24 lies before the window. Active on the Zähltage
    # (BESTAND_B below) 6+7+7+8+8+9+9+8+9+9+9+8 = 97, mean 97/12 -> 6 / (97/12) = 72/97.
    # 12 months: 014 31.03.24 -> check day 31.03.25 = B (assessable); its only job ended
    # 30.09.24: not sustained. 002 (02.05.25), 001 (01.06.25 / 01.12.25), 003 (05.08.25), 008
    # (03.02.26) lie after B; 004 is Selbständigkeit (not assessed). -> 1 assessable, 0 sustained.
    "integrationsquote_12m": 72 / 97, "nachhaltig_12m_bewertbar": 1, "nachhaltig_12m": 0,
}
#   31.10.24: 001 003 004 014 3; 005 2; 008 2 (P2 14.10.); 012 2; 007 1; 013 1 (Aus day) -> 2 3 4 9
#   30.11.24: 013 gone                                                      -> 1 3 4 8
#   31.12.24: 009 enters, Phase 1                                           -> 2 3 4 9
#   31.01.25: unchanged                                                     -> 2 3 4 9
#   28.02.25: 008 Phase 3 (03.02.); 012 on its Aus day still Phase 2        -> 2 2 5 9
#   31.03.25: 012 gone                                                      -> 2 1 5 8
BESTAND_B = BESTAND_A[:-1] + [
    (d(2024, 9, 1), d(2024, 9, 30), 3, 2, 4, 9),
    (d(2024, 10, 1), d(2024, 10, 31), 2, 3, 4, 9),
    (d(2024, 11, 1), d(2024, 11, 30), 1, 3, 4, 8),
    (d(2024, 12, 1), d(2024, 12, 31), 2, 3, 4, 9),
    (d(2025, 1, 1), d(2025, 1, 31), 2, 3, 4, 9),
    (d(2025, 2, 1), d(2025, 2, 28), 2, 2, 5, 9),
    (d(2025, 3, 1), d(2025, 3, 31), 2, 1, 5, 8),
]
#   Oct: P2 008; Aus 013      Nov: -      Dec: E 009      Jan: -      Feb: P3 008; Aus 012      Mar: -
BEWEGUNGEN_B = BEWEGUNGEN_A + [
    (d(2024, 10, 1), 0, 1, 0, 1),
    (d(2024, 11, 1), 0, 0, 0, 0),
    (d(2024, 12, 1), 1, 0, 0, 0),
    (d(2025, 1, 1), 0, 0, 0, 0),
    (d(2025, 2, 1), 0, 0, 1, 1),
    (d(2025, 3, 1), 0, 0, 0, 0),
]
# P2 adds 008: 74 days (01.08.->14.10.) -> 0 0 14 14 21 36 40 74: 8 people (even), median
# (14 + 21) / 2 = 17.5. P3 adds 008: 186 days (01.08.24->03.02.25) -> 83 91 105 138 157 186:
# 6 people (even), median (105 + 138) / 2 = 121.5.
DAUER_B = [("Eintritt bis Phase 2", 8, 17.5), ("Eintritt bis Phase 3", 6, 121.5)]
VERMITTLUNGEN_B = {
    **VERMITTLUNGEN_A,
    (d(2024, 12, 1), "SVB Vollzeit"): 1,  # 001's second employer
    (d(2025, 2, 1), "SVB Teilzeit"): 1,  # 008, EGZ
}
# Assessable (check day <= B): 014 (30.09.24), 002 (02.11.24), 001-June (01.12.24),
# 004 (15.01.25), 003 (05.02.25) = 5; not: 001-December (01.06.25), 008 (03.08.25).
# Sustained: 014 (job ends on the check day), 001 (new employer from 01.12.24 = check day),
# 004 (Selbständigkeit open), 003 (its Ausbildung since 26.08.24 - not itself a placement - holds);
# 002's job ended 31.08.24 and nothing else: not sustained. -> 5, 4, 0.8.
NACHHALTIGKEIT_B = [(5, 4, 0.8)]
#   Berufssprachkurs adds 008 (laufend, no exam) -> 2 1 0 1 1; 009's course (07.04.25) is after B.
SPRACHE_B = [
    ("Integrationskurs", 3, 2, 1, 2, 1),
    ("Alphabetisierungskurs", 0, 0, 0, 0, 0),
    ("Berufssprachkurs", 2, 1, 0, 1, 1),
    ("Jugendintegrationskurs", 0, 0, 0, 0, 0),
    ("Sonstiger Kurs", 1, 1, 0, 1, 0),
]

EXPECTED = {
    STICHTAG_A: (UEBERBLICK_A, BESTAND_A, BEWEGUNGEN_A, DAUER_A, VERMITTLUNGEN_A, NACHHALTIGKEIT_A, SPRACHE_A),
    STICHTAG_B: (UEBERBLICK_B, BESTAND_B, BEWEGUNGEN_B, DAUER_B, VERMITTLUNGEN_B, NACHHALTIGKEIT_B, SPRACHE_B),
}
ARTEN = ["SVB Vollzeit", "SVB Teilzeit", "Ausbildung", "Selbständigkeit", "geringfügig"]


def test_committed_inbox_matches_its_builder():
    for rel, data in teilnahme_inbox.files().items():
        assert (teilnahme_inbox.FIXTURE_DIR / rel).read_bytes() == data, rel


@pytest.fixture(params=[STICHTAG_A, STICHTAG_B], ids=["A_2024-09-30", "B_2025-03-31"])
def reporting(request, teilnahme_berichte):  # tests/teilnahme_run.py
    return request.param, teilnahme_berichte[request.param]


def test_exclusions_add_up_for_every_file(reporting):
    """kennzahlen.datenqualitaet (v2): per file the excluded rows are ohne Einwilligung or nicht
    zugeordnet, and the row balance holds."""
    _, pub = reporting
    assert pub["datenqualitaet"]
    for r in pub["datenqualitaet"]:
        assert r["zeilen_gelesen"] == r["zeilen_geladen"] + r["zeilen_quarantaene"] + r["zeilen_ausgeschlossen"], r
        assert r["zeilen_ausgeschlossen"] == r["zeilen_ohne_einwilligung"] + r["zeilen_nicht_zugeordnet"], r


def test_ueberblick(reporting):
    stichtag, tables = reporting
    werte = {r[0]: r[1] for r in tables["ueberblick"]}  # kennzahl, wert (then bezeichnung, einheit)
    for key, expected in EXPECTED[stichtag][0].items():
        assert werte[key] == pytest.approx(expected), key
    # TN-010 (no Einwilligung) and TN-011 (Widerruf) are left out of the registry
    assert werte["ohne_einwilligung"] == 2


def test_phasen_bestand_and_bewegungen(reporting):
    stichtag, tables = reporting
    _, bestand, bewegungen, *_ = EXPECTED[stichtag]
    assert tables["phasen_bestand"] == bestand
    assert tables["phasen_bewegungen"] == bewegungen


def test_phasen_dauer(reporting):
    stichtag, tables = reporting
    assert tables["phasen_dauer"] == EXPECTED[stichtag][3]


def test_vermittlungen_all_combinations(reporting):
    stichtag, tables = reporting
    expected = EXPECTED[stichtag][4]
    monate = [r[0] for r in EXPECTED[stichtag][1]]
    assert tables["vermittlungen"] == sorted((m, a, expected.get((m, a), 0)) for m in monate for a in ARTEN)


def test_nachhaltigkeit(reporting):
    stichtag, tables = reporting
    [(bewertbar, nachhaltig, quote)] = tables["nachhaltigkeit"]
    [(e_bewertbar, e_nachhaltig, e_quote)] = EXPECTED[stichtag][5]
    assert (bewertbar, nachhaltig) == (e_bewertbar, e_nachhaltig)
    assert quote == pytest.approx(e_quote)


def test_sprache(reporting):
    stichtag, tables = reporting
    assert tables["sprache"] == sorted(EXPECTED[stichtag][6])


def test_published_comments(reporting):
    _, tables = reporting
    own = {"phasen_bestand", "phasen_bewegungen", "phasen_dauer", "vermittlungen", "nachhaltigkeit", "sprache"}
    kommentare = [(t, c, k) for t, c, k in tables["kommentare"] if t in own]
    assert {t for t, c, _ in kommentare if c is None} == own  # one COMMENT ON TABLE each
    assert len(kommentare) == len(own) + 6 + 5 + 3 + 3 + 3 + 6
    assert all(k for _, _, k in kommentare)
