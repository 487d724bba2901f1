"""Property tests of the participant rules (assets/metrics/teilnahme_rules.py, teilnahme.py).

Hypothesis generates small programmes (participants with consent or not, assessments, courses,
measures, take-ups, Austritte) and a Stichtag; each property must hold for all of them. One test
compares the SQL with a straightforward Python reading of docs/kennzahlen.md.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from fixtures.teilnahme_warehouse import Lager  # noqa: E402

from assets.metrics import teilnahme as T  # noqa: E402
from assets.metrics import teilnahme_rules as R  # noqa: E402
from sources.zeitraum import berichtsmonate  # noqa: E402
from sources.settings import Settings  # noqa: E402
from sources.jobcenter import INTEGRATIONSARTEN, MASSNAHME_STATUS  # noqa: E402
from sources.vhs import KURS_STATUS  # noqa: E402

START = date(2024, 1, 1)
HEUTE = date(2026, 6, 30)
SETTINGS = Settings(heute=HEUTE, programmstart=START)


def tag(offset: int, basis: date = START) -> date:
    return basis + timedelta(days=offset)


ereignis = st.tuples(st.integers(-200, 450), st.one_of(st.none(), st.integers(0, 300)))
person = st.fixed_dictionaries(
    {
        "eintritt": st.integers(0, 600),
        "austritt": st.one_of(st.none(), st.integers(0, 400)),
        "kf": st.one_of(st.none(), st.integers(-30, 300)),
        "einwilligung": st.sampled_from((True, True, True, None)),  # one in four without consent
        "kurse": st.lists(st.tuples(ereignis, st.sampled_from(KURS_STATUS)), max_size=2),
        "massnahmen": st.lists(st.tuples(ereignis, st.sampled_from(MASSNAHME_STATUS)), max_size=2),
        "jobs": st.lists(
            st.tuples(
                st.tuples(st.integers(-100, 500), st.one_of(st.none(), st.integers(0, 400))),
                st.sampled_from(INTEGRATIONSARTEN),
                st.sampled_from(("keine", "keine", "EGZ", "§16i")),
            ),
            max_size=4,
        ),
    }
)
programm = st.tuples(st.lists(person, max_size=8), st.integers(0, 900))


def fill(con: duckdb.DuckDBPyConnection, personen: list[dict]) -> dict[str, dict]:
    """Insert the generated people; return them with absolute dates, keyed by tn_id."""
    lager = Lager(con)
    out: dict[str, dict] = {}
    for i, p in enumerate(personen):
        tn = f"TN{i}"
        e = tag(p["eintritt"])
        a = tag(p["austritt"], e) if p["austritt"] is not None else None
        kf = tag(p["kf"], e) if p["kf"] is not None else None
        lager.teilnehmer(tn, e, kompetenzfeststellung=kf, austritt=a, einwilligung=date(2023, 12, 1) if p["einwilligung"] else None)
        kurse = [(tag(b, e), tag(b + dauer, e) if dauer is not None else None, s) for (b, dauer), s in p["kurse"]]
        massnahmen = [(tag(b, e), tag(b + dauer, e) if dauer is not None else None, s) for (b, dauer), s in p["massnahmen"]]
        jobs = [(tag(b, e), tag(b + dauer, e) if dauer is not None else None, art, f) for (b, dauer), art, f in p["jobs"]]
        for b, en, s in kurse:
            lager.kurs(tn, b, en, status=s)
        for b, en, s in massnahmen:
            lager.massnahme(tn, b, en, status=s)
        for b, en, art, f in jobs:
            lager.integration(tn, b, en, art=art, foerderung=f)
        out[tn] = {"eintritt": e, "austritt": a, "kf": kf, "consent": bool(p["einwilligung"]), "kurse": kurse, "massnahmen": massnahmen, "jobs": jobs}
    return out


def build(personen: list[dict], stichtag_offset: int):
    con = duckdb.connect()
    people = fill(con, personen)
    stichtag = tag(stichtag_offset)
    werte = dict(T.build_teilnahme_kennzahlen(con, SETTINGS, stichtag))
    return con, people, stichtag, werte


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


# --- a plain Python reading of docs/kennzahlen.md ---------------------------------------------------


def aktiv(p: dict, d: date) -> bool:
    return p["eintritt"] <= d and (p["austritt"] is None or d <= p["austritt"])


def placements(p: dict, stichtag: date) -> list[date]:
    """BA placements: one per calendar month, earliest Beginn."""
    ok = sorted(
        b for b, _, art, f in p["jobs"]
        if art in R.INTEGRATIONSARTEN_BA and f != "§16i"
        and p["eintritt"] <= b <= stichtag and (p["austritt"] is None or b <= p["austritt"])
    )
    first: dict[tuple[int, int], date] = {}
    for b in ok:
        first.setdefault((b.year, b.month), b)
    return sorted(first.values())


def phase_starts(p: dict, stichtag: date) -> tuple[date | None, date | None]:
    e, a = p["eintritt"], p["austritt"]

    def counts(d: date | None) -> bool:
        return d is not None and d <= stichtag and (a is None or d <= a)

    cand = [p["kf"]] if p["kf"] is not None and p["kf"] >= e else []
    cand += [max(b, e) for b, en, s in p["kurse"] if s != "storniert" and (en is None or en >= e)]
    cand += [max(b, e) for b, en, s in p["massnahmen"] if s != "geplant" and (en is None or en >= e)]
    p2 = min(cand) if cand else None
    pl = placements(p, stichtag)
    p3 = pl[0] if pl else None
    p2 = p2 if counts(p2) else None
    if p2 is not None and p3 is not None and p2 >= p3:
        p2 = None
    return p2, p3


# --- properties (each a plain check on one built programme) -----------------------------------


def sql_matches_python_reading_of_the_spec(con, people, stichtag, werte, extra_days):
    counted = {tn: p for tn, p in people.items() if p["consent"] and p["eintritt"] <= stichtag}
    got = {r[0]: (r[1], r[2]) for r in rows(con, "SELECT tn_id, beginn_phase_2, beginn_phase_3 FROM tn_phasen")}
    assert got == {tn: phase_starts(p, stichtag) for tn, p in counted.items()}
    got_v = sorted(rows(con, "SELECT tn_id, beginn FROM tn_vermittlungen"))
    assert got_v == sorted((tn, b) for tn, p in counted.items() for b in placements(p, stichtag))
    assert werte["teilnehmende_gesamt"] == len(counted)
    assert werte["teilnehmende_aktiv"] == sum(aktiv(p, stichtag) for p in counted.values())


def phases_add_up_to_active_every_month(con, people, stichtag, werte, extra_days):
    bestand = rows(con, "SELECT zaehltag, phase_1, phase_2, phase_3, aktiv FROM kennzahlen.phasen_bestand ORDER BY monat")
    assert [b[0] for b in bestand] == [m.zaehltag for m in berichtsmonate(START, stichtag)]
    for zaehltag, p1, p2, p3, n in bestand:
        assert p1 + p2 + p3 == n == len(R.aktiv_am(con, zaehltag))
    last = bestand[-1]
    assert (werte["phase_1"], werte["phase_2"], werte["phase_3"], werte["teilnehmende_aktiv"]) == last[1:]


def phases_never_go_back(con, people, stichtag, werte, extra_days):
    days = sorted({m.zaehltag for m in berichtsmonate(START, stichtag)} | {min(tag(x), stichtag) for x in extra_days})
    seen: dict[str, int] = {}
    for d in days:
        for tn, phase in R.phase_am(con, d).items():
            assert phase >= seen.get(tn, 1), (tn, d)
            seen[tn] = phase


def placements_active_one_per_month_and_table_sums(con, people, stichtag, werte, extra_days):
    vermittlungen = rows(con, "SELECT tn_id, beginn, monat FROM tn_vermittlungen")
    for tn, beginn, monat in vermittlungen:
        assert aktiv(people[tn], beginn) and beginn <= stichtag
        assert monat == beginn.replace(day=1)
    per_month = Counter((tn, monat) for tn, _, monat in vermittlungen)
    assert all(n == 1 for n in per_month.values())
    table = rows(con, "SELECT monat, integrationsart, anzahl FROM kennzahlen.vermittlungen")
    assert len(table) == 5 * len(berichtsmonate(START, stichtag))
    placements_per_month = Counter(m for _, m in per_month)
    for m in {r[0] for r in table}:
        ba = sum(n for mm, art, n in table if mm == m and art != R.MINIJOB)
        assert ba == placements_per_month.get(m, 0)
    assert sum(n for _, art, n in table if art != R.MINIJOB) == werte["vermittlungen"]
    assert sum(n for _, art, n in table if art == R.MINIJOB) == werte["minijobs"]
    assert werte["personen_mit_vermittlung"] <= werte["vermittlungen"]


def flows_and_durations_are_consistent(con, people, stichtag, werte, extra_days):
    (p2, p3, austritte, eintritte) = rows(
        con, "SELECT sum(beginn_phase_2), sum(beginn_phase_3), sum(austritte), sum(eintritte) FROM kennzahlen.phasen_bewegungen"
    )[0]
    dauer = dict((u, (n, med)) for u, n, med in rows(con, "SELECT * FROM kennzahlen.phasen_dauer"))
    # every generated Eintritt lies on or after the programme start, so flows add up to the stocks
    assert eintritte == werte["teilnehmende_gesamt"]
    assert p3 == werte["personen_mit_vermittlung"] == dauer[T.UEBERGANG_PHASE_3][0]
    assert p2 == dauer[T.UEBERGANG_PHASE_2][0]
    counted = [p for p in people.values() if p["consent"] and p["eintritt"] <= stichtag]
    assert austritte == werte["austritte"] == sum(1 for p in counted if p["austritt"] and p["austritt"] <= stichtag)
    assert werte["teilnehmende_gesamt"] == werte["teilnehmende_aktiv"] + sum(
        1 for p in counted if p["austritt"] and p["austritt"] < stichtag
    )
    for n, med in dauer.values():
        assert (med is None) == (n == 0)
        assert med is None or med >= 0


def sustainability_and_language_bounds(con, people, stichtag, werte, extra_days):
    bewertbar, nachhaltig, quote = rows(con, "SELECT * FROM kennzahlen.nachhaltigkeit")[0]
    assert 0 <= nachhaltig <= bewertbar <= werte["vermittlungen"]
    assert (quote is None) == (bewertbar == 0)
    assert quote is None or 0.0 <= quote <= 1.0
    for beginn, pruef, bew in rows(con, "SELECT beginn, pruefdatum, bewertbar FROM tn_nachhaltigkeit"):
        assert pruef == R.pruefdatum(beginn, SETTINGS.nachhaltigkeit_monate)
        assert bew == (pruef <= stichtag)
    for _, begonnen, abgeschlossen, abgebrochen, pruefungen, b1 in rows(con, "SELECT * FROM kennzahlen.sprache"):
        assert abgeschlossen + abgebrochen <= begonnen
        assert b1 <= pruefungen <= begonnen


PROPERTIES = (
    sql_matches_python_reading_of_the_spec,
    phases_add_up_to_active_every_month,
    phases_never_go_back,
    placements_active_one_per_month_and_table_sums,
    flows_and_durations_are_consistent,
    sustainability_and_language_bounds,
)


# One build per generated programme, all properties checked on it (a build costs ~0.1 s; one
# test per property would multiply that).
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programm, st.lists(st.integers(0, 900), min_size=2, max_size=6))
def test_properties_hold_for_generated_programmes(prog, extra_days):
    con, people, stichtag, werte = build(*prog)
    for prop in PROPERTIES:
        prop(con, people, stichtag, werte, extra_days)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programm, person)
def test_person_without_consent_changes_nothing(prog, fremd):
    personen, offset = prog
    con_a, _, stichtag, werte_a = build(personen, offset)
    con_b, _, _, werte_b = build(personen + [{**fremd, "einwilligung": None}], offset)
    assert werte_a == werte_b
    for table in T.TABELLEN:
        assert rows(con_a, f"SELECT * FROM kennzahlen.{table}") == rows(con_b, f"SELECT * FROM kennzahlen.{table}")
