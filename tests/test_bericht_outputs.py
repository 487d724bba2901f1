"""Council outputs: bericht tables and the files built from them (CSV, XLSX, DOCX, charts).

The ``kennzahlen`` input tables are built here from a small simulated programme (participants,
placements, mentors, contacts) by the definitions of docs/kennzahlen.md, so that the relations
between the tables hold as they will in production (totals, the same figure in two tables,
stocks and flows) and the attack on the suppression is a real one. Numbers are small, with 1s,
2s and zeros, as at Hilden's scale.
"""

from __future__ import annotations

import calendar
import csv
import random
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.metrics.merkmale import KEIN_AUSTRITT, katalog
from assets.report import bericht_tables, disclosure
from assets.report.bericht_tables import INSGESAMT, ZAEHL_EINHEITEN, build_bericht_tables, tabellen_specs
from assets.report.disclosure import GESPERRT, NICHTS, NICHT_SINNVOLL, Art, parse_de
from sources import formats
from sources.asyl import AUFENTHALTSSTATUS, AUSTRITTSGRUENDE
from sources.parsing import altersgruppen
from sources.settings import Settings

STICHTAG = date(2025, 9, 30)
START = date(2024, 1, 1)

# --- a simulated programme -> kennzahlen.* --------------------------------------------------------


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _months(start: date, stichtag: date) -> list[tuple[date, date]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (stichtag.year, stichtag.month):
        first = date(y, m, 1)
        out.append((first, min(_month_end(first), stichtag)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _day(rng: random.Random, a: date, b: date) -> date:
    return a + timedelta(days=rng.randint(0, max(0, (b - a).days)))


@dataclass
class Person:
    eintritt: date
    austritt: date | None
    p2: date | None
    p3: date | None


KONTAKT_FAKTOR = {"Pkw": 0.166, "ÖPNV": 0.065, "Fahrrad": 0.0, "zu Fuß": 0.0}


def kennzahlen_db(path: Path, *, seed: int = 7, teilnehmende: int = 40, mentorinnen: int = 14,
                  stichtag: date = STICHTAG, zuschuss_budget: bool = True) -> Path:
    """A warehouse file holding schema ``kennzahlen`` exactly as docs/kennzahlen.md publishes it."""
    rng = random.Random(seed)
    months = _months(START, stichtag)
    settings = Settings()

    people: list[Person] = []
    for _ in range(teilnehmende):
        e = _day(rng, START + timedelta(days=10), stichtag - timedelta(days=20))
        a = _day(rng, e + timedelta(days=60), e + timedelta(days=500)) if rng.random() < 0.3 else None
        a = a if a is not None and a <= stichtag else None
        p2 = e + timedelta(days=rng.randint(7, 150)) if rng.random() < 0.8 else None
        p3 = None
        if rng.random() < 0.45:
            p3 = (p2 or e) + timedelta(days=rng.randint(40, 300))
        lim = min(a or stichtag, stichtag)
        p3 = p3 if p3 is not None and p3 <= lim else None
        p2 = p2 if p2 is not None and p2 <= lim and (p3 is None or p2 < p3) else None
        people.append(Person(e, a, p2, p3))

    # integrations: phase-3 start is the first one; some have a second; some mini-jobs
    arten = ["SVB Vollzeit", "SVB Teilzeit", "Ausbildung", "Selbständigkeit"]
    integ: list[tuple[int, str, date, date | None]] = []  # (person, art, beginn, ende)
    for i, p in enumerate(people):
        if p.p3:
            ende = p.p3 + timedelta(days=rng.randint(60, 500)) if rng.random() < 0.35 else None
            integ.append((i, rng.choices(arten, [45, 30, 20, 5])[0], p.p3, ende))
            second = p.p3 + timedelta(days=rng.randint(35, 200))
            if rng.random() < 0.2 and second <= min(p.austritt or stichtag, stichtag):
                integ.append((i, rng.choice(arten[:2]), second, None))
        if rng.random() < 0.15:
            b = _day(rng, p.eintritt, min(p.austritt or stichtag, stichtag))
            integ.append((i, "geringfügig", b, None))

    def aktiv(p: Person, d: date) -> bool:
        return p.eintritt <= d and (p.austritt is None or d <= p.austritt)

    def phase(p: Person, d: date) -> int:
        return 3 if p.p3 and d >= p.p3 else 2 if p.p2 and d >= p.p2 else 1

    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA kennzahlen")
    bestand, bew, verm, ment = [], [], [], []
    for m, z in months:
        act = [p for p in people if aktiv(p, z)]
        bestand.append((m, z, *(sum(1 for p in act if phase(p, z) == k) for k in (1, 2, 3)), len(act)))
        within = lambda d: d is not None and m <= d <= z  # noqa: E731
        bew.append((m, sum(within(p.eintritt) for p in people), sum(within(p.p2) for p in people),
                    sum(within(p.p3) for p in people), sum(within(p.austritt) for p in people)))
    # placements: at most one per person and month (earliest Beginn), BA counting
    placements: dict[tuple[int, date], tuple[str, date]] = {}
    for i, art, b, _ in sorted(integ, key=lambda t: t[2]):
        if art == "geringfügig":
            continue
        key = (i, date(b.year, b.month, 1))
        placements.setdefault(key, (art, b))
    minijobs = [(i, b) for i, art, b, _ in integ if art == "geringfügig"]
    for m, _ in months:
        for art in [*arten, "geringfügig"]:
            if art == "geringfügig":
                n = sum(1 for _, b in minijobs if date(b.year, b.month, 1) == m)
            else:
                n = sum(1 for (i, mm), (a, _) in placements.items() if mm == m and a == art)
            verm.append((m, art, n))
    bewertbar = nachhaltig = 0
    for (i, _), (_, b) in placements.items():
        check = _add_months(b, settings.nachhaltigkeit_monate)
        if check <= stichtag:
            bewertbar += 1
            if any(j == i and bb <= check and (e is None or e >= check) for j, a, bb, e in integ if a != "geringfügig"):
                nachhaltig += 1
    # BA-comparable (docs/kennzahlen.md, "Mit der BA vergleichbar"): the window is the Stichtag's
    # month and the 11 before it; placements with their month in it / mean active on its Zähltage
    von = _add_months(date(stichtag.year, stichtag.month, 1), -11)
    im_fenster = [m for m, _ in months if m >= von]
    aktiv_fenster = [b[5] for b in bestand if b[0] >= von]
    n_12m = sum(1 for (_, mm) in placements if mm in im_fenster)
    quote_12m = n_12m / statistics.mean(aktiv_fenster) if aktiv_fenster and any(aktiv_fenster) else None
    bewertbar_12m = nachhaltig_12m = 0
    for (i, _), (art, b) in placements.items():
        check = _add_months(b, 12)
        if art == "Selbständigkeit" or check > stichtag:
            continue
        bewertbar_12m += 1
        if any(j == i and a in ("SVB Vollzeit", "SVB Teilzeit", "Ausbildung") and bb <= check and (e is None or e >= check)
               for j, a, bb, e in integ):
            nachhaltig_12m += 1

    # mentoring
    mentors = []
    for k in range(mentorinnen):
        e = _day(rng, START, date(2025, 3, 1))
        a = _day(rng, e + timedelta(days=90), stichtag) if rng.random() < 0.2 else None
        mentors.append({"e": e, "a": a, "zuschuss": k < 5, "schulung": e + timedelta(days=30) if rng.random() < 0.7 else None})
    tandems = []
    for i, p in enumerate(people):
        if rng.random() < 0.6:
            k = rng.randrange(mentorinnen)
            b = max(p.eintritt, mentors[k]["e"]) + timedelta(days=rng.randint(0, 40))
            ende = b + timedelta(days=rng.randint(60, 400)) if rng.random() < 0.4 else None
            if mentors[k]["a"]:
                ende = min(ende or mentors[k]["a"], mentors[k]["a"])
            if b <= stichtag and (ende is None or ende > b):
                tandems.append({"mentor": k, "b": b, "e": ende})
    contacts = []
    for t in tandems:
        d = t["b"]
        while d <= min(t["e"] or stichtag, stichtag):
            vm = rng.choice(list(KONTAKT_FAKTOR))
            km = round(rng.uniform(2, 18), 1) if vm in ("Pkw", "ÖPNV") else 0.0
            contacts.append({"d": d, "min": rng.choice([45, 60, 90, 120]), "km": km, "vm": vm, "mentor": t["mentor"]})
            d += timedelta(days=rng.randint(10, 35))
    rate = settings.stundensatz_eur
    runs = lambda t, d: t["b"] <= d and (t["e"] is None or d <= t["e"])  # noqa: E731
    reg = lambda mt, d: mt["e"] <= d and (mt["a"] is None or d <= mt["a"])  # noqa: E731
    for m, z in months:
        cs = [c for c in contacts if m <= c["d"] <= z]
        stunden = sum(c["min"] for c in cs) / 60
        km = sum(c["km"] for c in cs)
        co2 = sum(c["km"] * KONTAKT_FAKTOR[c["vm"]] for c in cs)
        zus = sum(c["min"] for c in cs if mentors[c["mentor"]]["zuschuss"]) / 60 * rate
        act_m = {t["mentor"] for t in tandems if runs(t, z)}
        ment.append((m, sum(reg(mt, z) for mt in mentors), sum(1 for k in act_m if reg(mentors[k], z)),
                     sum(runs(t, z) for t in tandems), len(cs), stunden, km, co2, zus))

    con.execute("CREATE TABLE kennzahlen.phasen_bestand (monat DATE, zaehltag DATE, phase_1 BIGINT, phase_2 BIGINT, phase_3 BIGINT, aktiv BIGINT)")
    con.executemany("INSERT INTO kennzahlen.phasen_bestand VALUES (?,?,?,?,?,?)", bestand)
    con.execute("CREATE TABLE kennzahlen.phasen_bewegungen (monat DATE, eintritte BIGINT, beginn_phase_2 BIGINT, beginn_phase_3 BIGINT, austritte BIGINT)")
    con.executemany("INSERT INTO kennzahlen.phasen_bewegungen VALUES (?,?,?,?,?)", bew)
    con.execute("CREATE TABLE kennzahlen.vermittlungen (monat DATE, integrationsart VARCHAR, anzahl BIGINT)")
    con.executemany("INSERT INTO kennzahlen.vermittlungen VALUES (?,?,?)", verm)
    con.execute("CREATE TABLE kennzahlen.nachhaltigkeit (bewertbar BIGINT, nachhaltig BIGINT, quote DOUBLE)")
    con.execute("INSERT INTO kennzahlen.nachhaltigkeit VALUES (?,?,?)", [bewertbar, nachhaltig, nachhaltig / bewertbar if bewertbar else None])
    con.execute("CREATE TABLE kennzahlen.mentoring (monat DATE, mentorinnen_registriert BIGINT, mentorinnen_aktiv BIGINT, tandems_aktiv BIGINT, "
                "kontakte BIGINT, stunden DOUBLE, kilometer DOUBLE, co2_kg DOUBLE, zuschuss_eur DOUBLE)")
    con.executemany("INSERT INTO kennzahlen.mentoring VALUES (?,?,?,?,?,?,?,?,?)", ment)
    dauer = []
    for label, attr in (("Eintritt bis Phase 2", "p2"), ("Eintritt bis Phase 3", "p3")):
        days = [(getattr(p, attr) - p.eintritt).days for p in people if getattr(p, attr)]
        dauer.append((label, len(days), float(statistics.median(days)) if days else None))
    con.execute("CREATE TABLE kennzahlen.phasen_dauer (uebergang VARCHAR, personen BIGINT, median_tage DOUBLE)")
    con.executemany("INSERT INTO kennzahlen.phasen_dauer VALUES (?,?,?)", dauer)
    kursarten = ["Integrationskurs", "Alphabetisierungskurs", "Berufssprachkurs", "Jugendintegrationskurs", "Sonstiger Kurs"]
    sprache = []
    for k, n in zip(kursarten, [18, 4, 9, 2, 0]):
        status = [rng.choices(["abgeschlossen", "abgebrochen", "laufend"], [6, 1, 3])[0] for _ in range(n)]
        abg = status.count("abgeschlossen")
        pr = sum(1 for s in status if s == "abgeschlossen" and rng.random() < 0.85)
        b1 = sum(1 for _ in range(pr) if rng.random() < 0.6)
        sprache.append((k, n, abg, status.count("abgebrochen"), pr, b1))
    con.execute("CREATE TABLE kennzahlen.sprache (kursart VARCHAR, begonnen BIGINT, abgeschlossen BIGINT, abgebrochen BIGINT, pruefungen BIGINT, b1_oder_hoeher BIGINT)")
    con.executemany("INSERT INTO kennzahlen.sprache VALUES (?,?,?,?,?,?)", sprache)
    dq = [
        ("asyl", "asyl/teilnehmende_2025-09-30.csv", date(2025, 9, 30), "verwendet", None, 45, 42, 0, 3),
        ("asyl", "asyl/teilnehmende_2025-06-30.csv", date(2025, 6, 30), "ersetzt", None, 40, 38, 0, 2),
        ("asyl", "asyl/mentorinnen_2025-09-30.csv", date(2025, 9, 30), "verwendet", None, 14, 14, 0, 0),
        ("asyl", "asyl/tandems_2025-09-30.csv", date(2025, 9, 30), "verwendet", None, 30, 30, 0, 0),
        ("asyl", "asyl/kontakte_2025-09-30.csv", date(2025, 9, 30), "verwendet", None, 400, 398, 2, 0),
        ("jobcenter", "jobcenter/massnahmen_2025-10-02.xlsx", date(2025, 10, 2), "verwendet", None, 60, 58, 0, 2),
        ("jobcenter", "jobcenter/integrationen_2025-10-02.xlsx", date(2025, 10, 2), "verwendet", None, 25, 25, 0, 0),
        ("vhs", "vhs/kursteilnahmen_2025-09-30.csv", date(2025, 9, 30), "verwendet", None, 35, 33, 0, 2),
        ("vhs", "vhs/kursteilnahmen_2025-09-31.csv", None, "abgelehnt", "ungültiges Datum im Dateinamen", 0, 0, 0, 0),
    ]
    con.execute("CREATE TABLE kennzahlen.datenqualitaet (quelle VARCHAR, datei VARCHAR, datenstand DATE, status VARCHAR, grund VARCHAR, "
                "zeilen_gelesen BIGINT, zeilen_geladen BIGINT, zeilen_quarantaene BIGINT, zeilen_ausgeschlossen BIGINT)")
    con.executemany("INSERT INTO kennzahlen.datenqualitaet VALUES (?,?,?,?,?,?,?,?,?)", dq)

    # the breakdown by person group (docs/kennzahlen.md, "Nach Merkmalen"), drawn from its own
    # generator so the programme above stays as it was
    mrng = random.Random(seed + 1)
    placed = {i for i, _ in placements}
    bands = altersgruppen(settings.altersgruppen)
    merk = [{"geschlecht": mrng.choices(["w", "m", "d"], [45, 53, 2])[0],
             "altersgruppe": mrng.choices(bands, [2, 25, 40, 20, 10, 3])[0],
             "aufenthaltsstatus": mrng.choice(AUFENTHALTSSTATUS),
             "austrittsgrund": mrng.choice(AUSTRITTSGRUENDE) if p.austritt else KEIN_AUSTRITT} for p in people]
    merkmal_rows = []
    for merkmal, auspraegung in katalog(settings):
        grp = [i for i in range(len(people)) if merk[i][merkmal] == auspraegung]
        merkmal_rows.append((merkmal, auspraegung, len(grp), sum(aktiv(people[i], stichtag) for i in grp),
                             sum(1 for i in grp if people[i].austritt), sum(1 for i in grp if i in placed)))
    con.execute("CREATE TABLE kennzahlen.merkmale (merkmal VARCHAR, auspraegung VARCHAR, teilnehmende_gesamt BIGINT, "
                "teilnehmende_aktiv BIGINT, austritte BIGINT, personen_mit_vermittlung BIGINT)")
    con.executemany("INSERT INTO kennzahlen.merkmale VALUES (?,?,?,?,?,?)", merkmal_rows)

    paid = sum(r[8] for r in ment)
    last = bestand[-1]
    ue = {
        "teilnehmende_gesamt": sum(1 for p in people if p.eintritt <= stichtag),
        "teilnehmende_aktiv": last[5], "phase_1": last[2], "phase_2": last[3], "phase_3": last[4],
        "austritte": sum(1 for p in people if p.austritt and p.austritt <= stichtag),
        "personen_mit_vermittlung": len({i for i, _ in placements}),
        "vermittlungen": len(placements), "minijobs": len(minijobs),
        "mentorinnen_registriert": ment[-1][1], "mentorinnen_aktiv": ment[-1][2],
        "mentorinnen_mit_zuschuss": sum(1 for mt in mentors if reg(mt, stichtag) and mt["zuschuss"]),
        "mentorinnen_geschult": sum(1 for mt in mentors if reg(mt, stichtag) and mt["schulung"] and mt["schulung"] <= stichtag),
        "tandems_aktiv": ment[-1][3], "kontaktstunden": sum(r[5] for r in ment),
        "zuschuss_ausgezahlt_eur": paid, "zuschuss_rest_eur": settings.budget_eur - paid,
        "co2_kg": sum(r[7] for r in ment), "ohne_einwilligung": 3,
        "integrationsquote_12m": quote_12m, "nachhaltig_12m_bewertbar": bewertbar_12m, "nachhaltig_12m": nachhaltig_12m,
    }
    con.execute("CREATE TABLE kennzahlen.ueberblick (kennzahl VARCHAR, wert DOUBLE)")
    con.executemany("INSERT INTO kennzahlen.ueberblick VALUES (?,?)", [(k, None if v is None else float(v)) for k, v in ue.items()])
    con.execute("COMMENT ON TABLE kennzahlen.ueberblick IS 'Kennzahlen am Stichtag (eine Zeile je Kennzahl)'")
    con.execute("COMMENT ON COLUMN kennzahlen.ueberblick.kennzahl IS 'Schlüssel der Kennzahl'")
    con.execute("COMMENT ON COLUMN kennzahlen.ueberblick.wert IS 'Wert der Kennzahl'")
    if zuschuss_budget:
        # the columns the mentoring metrics publish (docs/mentoring.md) that the report reads
        rows, acc, vollst = [], 0.0, []
        for (m, z), r in zip(months, ment):
            acc += r[8]
            complete = z.day == calendar.monthrange(z.year, z.month)[1]
            vollst.append((m, r[8]) if complete else None)
            basis = [v for v in vollst if v][-settings.prognose_monate:]
            rate = sum(v for _, v in basis) / len(basis) if basis else None
            rest = settings.budget_eur - acc
            if rest < 0.005:
                ersch, status = m, "erschoepft"
            elif rate is None:
                ersch, status = None, "keine_basis"
            elif rate <= 0:
                ersch, status = None, "nie"
            else:
                k = -(-(rest - (0 if complete else max(0.0, rate - r[8]))) // rate)
                ersch, status = _add_months(m, max(int(k), 1)), "prognose"
            rows.append((m, z, complete, r[8], acc, settings.budget_eur, rest, len(basis), rate, ersch, status))
        con.execute("CREATE TABLE kennzahlen.zuschuss_budget (monat DATE, zaehltag DATE, monat_vollstaendig BOOLEAN, zuschuss_eur DOUBLE, "
                    "zuschuss_kumuliert_eur DOUBLE, budget_eur DOUBLE, budget_rest_eur DOUBLE, prognose_basis_monate BIGINT, "
                    "prognose_rate_eur_monat DOUBLE, prognose_erschoepft_monat DATE, prognose_status VARCHAR)")
        con.executemany("INSERT INTO kennzahlen.zuschuss_budget VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.close()
    return path


# --- helpers -------------------------------------------------------------------------------


def zaehlzellen(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str]]:
    """(tabelle, zeile, spalte, text) of every published count cell of schema bericht."""
    specs = tabellen_specs(Settings())
    out = []
    for name, spec in specs.items():
        df = con.sql(f"SELECT * FROM bericht.{name}").pl()
        key = spec.spalten[0].name
        for s in spec.spalten:
            if s.art is not Art.ANZAHL:
                continue
            for row in df.iter_rows(named=True):
                if name == "ueberblick" and row["einheit"] not in ZAEHL_EINHEITEN:
                    continue
                out.append((name, row[key], s.name, row[s.name]))
    return out


def ist_klein(text: str) -> bool:
    v = parse_de(text)
    return v is not None and v in (1.0, 2.0)


@pytest.fixture()
def warehouse(tmp_path: Path):
    path = kennzahlen_db(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    yield con, Settings(out=tmp_path)
    con.close()


# --- tests ---------------------------------------------------------------------------------


def test_bericht_tables_are_text_and_have_footnotes(warehouse):
    con, settings = warehouse
    counts = build_bericht_tables(con, settings, STICHTAG)
    specs = tabellen_specs(settings)
    assert set(counts) == set(specs)
    assert counts["phasen_quartale"] == 7  # Q1/2024 .. Q3/2025
    assert counts["vermittlungen"] == 3  # 2024, 2025, Insgesamt
    types = con.execute("SELECT DISTINCT data_type FROM duckdb_columns() WHERE schema_name = 'bericht'").fetchall()
    assert types == [("VARCHAR",)]
    # nothing released: the change table exists, empty and without footnotes
    assert counts["veraenderung"] == 0
    assert con.execute("SELECT count(*) FROM bericht.fussnoten WHERE tabelle = 'veraenderung'").fetchall() == [(0,)]
    for name in _vor_der_ersten_freigabe(settings):
        comment = con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = 'bericht' AND table_name = ?", [name]).fetchall()[0][0]
        assert "Stichtag: 30.09.2025" in comment and "statistischen Geheimhaltung" in comment
        noten = [t for (t,) in con.execute("SELECT text FROM bericht.fussnoten WHERE tabelle = ?", [name]).fetchall()]
        assert any(t.startswith("Stichtag: 30.09.2025") for t in noten)
        assert any("Datenstand" in t for t in noten)
        assert disclosure.BA_FUSSNOTE in noten
    # the Datenstand of each source used, ersetzt/abgelehnt files not
    noten = " ".join(t for (t,) in con.execute("SELECT text FROM bericht.fussnoten WHERE tabelle = 'ueberblick'").fetchall())
    assert "Arbeitsaufnahmen (Jobcenter) 02.10.2025" in noten and "Kursteilnahmen (VHS Hilden-Haan) 30.09.2025" in noten
    assert "30.06.2025" not in noten
    dat = con.sql("SELECT * FROM bericht.datenbasis").pl()
    assert dat.height == 7 and "teilnehmende_2025-06-30.csv" not in dat["datei"].to_list()
    # every column commented
    missing = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'bericht' AND comment IS NULL").fetchall()
    assert missing == []


def test_no_count_of_one_or_two_is_published(warehouse):
    con, settings = warehouse
    build_bericht_tables(con, settings, STICHTAG)
    cells = zaehlzellen(con)
    assert cells
    assert [c for c in cells if ist_klein(c[3])] == []
    # the input really has small counts, and they were suppressed
    assert any(t == GESPERRT for *_, t in cells)
    assert any(t == NICHTS for *_, t in cells)


def test_suppressed_rates_and_dependent_amounts(warehouse):
    con, settings = warehouse
    build_bericht_tables(con, settings, STICHTAG)
    for row in con.sql("SELECT * FROM bericht.sprache").pl().iter_rows(named=True):
        if GESPERRT in (row["b1_oder_hoeher"], row["pruefungen"]):
            assert row["quote_b1"] == GESPERRT
    for row in con.sql("SELECT * FROM bericht.mentoring_quartale").pl().iter_rows(named=True):
        if row["kontakte"] == GESPERRT:
            assert row["stunden"] == row["zuschuss_eur"] == row["co2_kg"] == GESPERRT
    for row in con.sql("SELECT * FROM bericht.phasen_dauer").pl().iter_rows(named=True):
        if row["personen"] == GESPERRT:
            assert row["median_tage"] == GESPERRT


def test_same_figure_is_suppressed_alike_in_every_table(warehouse):
    con, settings = warehouse
    build_bericht_tables(con, settings, STICHTAG)
    ue = dict(con.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    pq = con.sql("SELECT * FROM bericht.phasen_quartale").pl().row(-1, named=True)
    for i, p in ((1, "Erkennen"), (2, "Fördern"), (3, "Integrieren")):
        assert ue[f"aktiv in Phase {i} ({p})"] == pq[f"phase_{i}"]
    assert ue["davon am Stichtag aktiv"] == pq["aktiv"]
    vm = dict((r[0], r[1:]) for r in con.execute("SELECT zeitraum, insgesamt, minijobs FROM bericht.vermittlungen").fetchall())
    assert ue["Vermittlungen (Zählweise der BA)"] == vm[INSGESAMT][0]
    assert ue["nachrichtlich: Minijobs"] == vm[INSGESAMT][1]


BA_ZEILEN = (bericht_tables.INTEGRATIONSQUOTE_12M, bericht_tables.BEWERTBAR_12M, bericht_tables.NACHHALTIG_12M,
             bericht_tables.ANTEIL_12M)


def _basis_12m(con: duckdb.DuckDBPyConnection) -> tuple[int, float]:
    """The Integrationsquote's numerator and denominator from the monthly kennzahlen tables:
    window 01.10.2024-30.09.2025 (the Stichtag's month and the 11 before it)."""
    von = date(2024, 10, 1)
    (n,) = con.execute("SELECT sum(anzahl) FROM kennzahlen.vermittlungen WHERE monat >= ? AND integrationsart <> 'geringfügig'",
                       [von]).fetchall()[0]
    (aktiv,) = con.execute("SELECT avg(aktiv) FROM kennzahlen.phasen_bestand WHERE monat >= ?", [von]).fetchall()[0]
    return int(n), aktiv


def test_ba_comparable_rows_are_labelled_footnoted_and_protected(warehouse):
    con, settings = warehouse
    build_bericht_tables(con, settings, STICHTAG)
    rows = con.execute("SELECT bereich, kennzahl, wert, einheit FROM bericht.ueberblick").fetchall()
    labels = [r[1] for r in rows]
    # the four rows, each labelled, in the placements section after the 6-month sustainability
    assert [k for k in labels if "BA-vergleichbar" in k] == list(BA_ZEILEN)
    assert labels.index(BA_ZEILEN[0]) == labels.index("Anteil nachhaltiger Vermittlungen") + 1
    ue = {k: (w, e) for _, k, w, e in rows}
    assert [ue[k][1] for k in BA_ZEILEN] == ["%", "Vermittlungen", "Vermittlungen", "%"]
    # the rate as published: its basis worked out from the monthly tables; withheld with a
    # numerator of 1 or 2, else printed as the kennzahlen value
    n, aktiv = _basis_12m(con)
    kennzahl = dict(con.execute("SELECT kennzahl, wert FROM kennzahlen.ueberblick").fetchall())
    assert kennzahl["integrationsquote_12m"] == pytest.approx(n / aktiv)
    assert ue[BA_ZEILEN[0]][0] == (GESPERRT if n in (1, 2) else disclosure.format_quote(n / aktiv))
    # the counts of the 12-month sustainability as in kennzahlen (or '*'), the rate only with both
    bew, nh = kennzahl["nachhaltig_12m_bewertbar"], kennzahl["nachhaltig_12m"]
    assert ue[BA_ZEILEN[1]][0] in (GESPERRT, disclosure.format_anzahl(bew))
    assert ue[BA_ZEILEN[2]][0] in (GESPERRT, disclosure.format_anzahl(nh))
    if GESPERRT in (ue[BA_ZEILEN[1]][0], ue[BA_ZEILEN[2]][0]):
        assert ue[BA_ZEILEN[3]][0] == GESPERRT
    # the hidden basis is never printed
    assert not [k for k in labels if k.startswith("(")]
    noten = [t for (t,) in con.execute("SELECT text FROM bericht.fussnoten WHERE tabelle = 'ueberblick'").fetchall()]
    assert bericht_tables.BA_VERGLEICH_HINWEIS in noten and "§ 48a SGB II" in bericht_tables.BA_VERGLEICH_HINWEIS


def test_ba_comparable_rate_withheld_with_a_numerator_of_two(tmp_path):
    """Two placements in the 12 months: the rate would tell them (numerator = rate x mean active)."""
    path = kennzahlen_db(tmp_path / "w.duckdb")
    con = duckdb.connect(str(path))
    von = date(2024, 10, 1)
    (vorher,) = con.execute("SELECT sum(anzahl) FROM kennzahlen.vermittlungen WHERE monat >= ? AND integrationsart <> 'geringfügig'",
                            [von]).fetchall()[0]
    con.execute("UPDATE kennzahlen.vermittlungen SET anzahl = 0 WHERE monat >= ? AND integrationsart <> 'geringfügig'", [von])
    con.execute("UPDATE kennzahlen.vermittlungen SET anzahl = 2 WHERE monat = DATE '2025-08-01' AND integrationsart = 'SVB Vollzeit'")
    n, aktiv = _basis_12m(con)
    assert n == 2
    con.execute("UPDATE kennzahlen.ueberblick SET wert = ? WHERE kennzahl = 'integrationsquote_12m'", [n / aktiv])
    con.execute("UPDATE kennzahlen.ueberblick SET wert = wert - ? + 2 WHERE kennzahl = 'vermittlungen'", [vorher])
    settings = Settings(out=tmp_path)
    bericht, _, _ = bericht_tables.berechnen(con, settings, STICHTAG)
    rate = ("ueberblick", bericht_tables.INTEGRATIONSQUOTE_12M, "wert")
    assert bericht.text(rate) == GESPERRT and bericht.gesperrt[rate] == "abhängig"
    con.close()


# --- the attack --------------------------------------------------------------------------------


def _attack_system(con: duckdb.DuckDBPyConnection, settings: Settings):
    """What a reader of the published report knows, written down independently of the module:
    the published text, and the arithmetic any reader can see in it (totals, 'davon', the same
    figure in the overview and the detail tables, stocks and flows, budget - paid = rest)."""
    specs = tabellen_specs(settings)
    tabs = {n: con.sql(f"SELECT * FROM bericht.{n}").pl() for n in specs}
    cells: dict[tuple[str, str, str], str] = {}
    for n, spec in specs.items():
        key = spec.spalten[0].name
        for row in tabs[n].iter_rows(named=True):
            for s in spec.spalten:
                if s.art in (Art.ANZAHL, Art.BETRAG) and (n != "ueberblick" or row["einheit"] in ZAEHL_EINHEITEN or row["einheit"] in ("EUR", "Stunden", "kg CO2e")):
                    if row[s.name] != NICHT_SINNVOLL:
                        cells[(n, row[key], s.name)] = row[s.name]
    eqs: list[tuple[dict, float]] = []  # sum(coef*x) == const
    hidden: list[tuple[str, str, str]] = []

    def total(t, parts):
        if t in cells and all(p in cells for p in parts):
            eqs.append(({t: 1, **{p: -1 for p in parts}}, 0.0))

    def davon(t, parts, name):
        if t in cells and all(p in cells for p in parts):
            h = (t[0], t[1], name)
            hidden.append(h)
            eqs.append(({t: 1, **{p: -1 for p in parts}, h: -1}, 0.0))

    for n, spec in specs.items():
        rows = tabs[n][spec.spalten[0].name].to_list()
        tot = INSGESAMT if INSGESAMT in rows else ("Insgesamt" if "Insgesamt" in rows else None)
        if tot and n != "ueberblick":
            for s in spec.spalten:
                total((n, tot, s.name), [(n, r, s.name) for r in rows if r != tot])
    for r in tabs["phasen_quartale"]["quartal"]:
        total(("phasen_quartale", r, "aktiv"), [("phasen_quartale", r, f"phase_{i}") for i in (1, 2, 3)])
    for r in tabs["vermittlungen"]["zeitraum"]:
        total(("vermittlungen", r, "insgesamt"), [("vermittlungen", r, "svb"), ("vermittlungen", r, "ausbildung_selbstaendigkeit")])
    for r in tabs["mentoring_quartale"]["quartal"]:
        davon(("mentoring_quartale", r, "mentorinnen_registriert"), [("mentoring_quartale", r, "mentorinnen_aktiv")], "inaktiv")
    for r in tabs["sprache"]["kursart"]:
        S = lambda c: ("sprache", r, c)  # noqa: E731
        davon(S("begonnen"), [S("abgeschlossen"), S("abgebrochen")], "laufend")
        davon(S("begonnen"), [S("pruefungen")], "ohne_pruefung")
        davon(S("pruefungen"), [S("b1_oder_hoeher")], "unter_b1")
    U = lambda k: ("ueberblick", k, "wert")  # noqa: E731
    total(U("Teilnehmende seit Projektbeginn"), [U("davon am Stichtag aktiv"), U("davon ausgeschieden")])
    total(U("davon am Stichtag aktiv"), [U("aktiv in Phase 1 (Erkennen)"), U("aktiv in Phase 2 (Fördern)"), U("aktiv in Phase 3 (Integrieren)")])
    davon(U("Teilnehmende seit Projektbeginn"), [U("Personen mit Vermittlung")], "ohne_vermittlung")
    davon(U("Mentor*innen registriert"), [U("aktiv (mit laufendem Tandem)")], "m1")
    davon(U("Mentor*innen registriert"), [U("davon mit Ehrenamtszuschuss")], "m2")
    davon(U("Mentor*innen registriert"), [U("davon geschult")], "m3")
    n = settings.nachhaltigkeit_monate
    davon(U(f"Vermittlungen mit Prüftag nach {n} Monaten (bewertbar)"), [U(f"davon nach {n} Monaten beschäftigt (nachhaltig)")], "nn")
    davon(U(bericht_tables.BEWERTBAR_12M), [U(bericht_tables.NACHHALTIG_12M)], "nn12")
    if U("ausgezahlt seit Projektbeginn") in cells:
        eqs.append(({U("ausgezahlt seit Projektbeginn"): 1, U("Restbudget"): 1}, settings.budget_eur))
    last_q = tabs["phasen_quartale"]["quartal"][-1]
    last_m = tabs["mentoring_quartale"]["quartal"][-2]
    same = [
        (U("aktiv in Phase 1 (Erkennen)"), ("phasen_quartale", last_q, "phase_1")),
        (U("aktiv in Phase 2 (Fördern)"), ("phasen_quartale", last_q, "phase_2")),
        (U("aktiv in Phase 3 (Integrieren)"), ("phasen_quartale", last_q, "phase_3")),
        (U("davon am Stichtag aktiv"), ("phasen_quartale", last_q, "aktiv")),
        (U("Teilnehmende seit Projektbeginn"), ("phasen_bewegungen", INSGESAMT, "eintritte")),
        (U("davon ausgeschieden"), ("phasen_bewegungen", INSGESAMT, "austritte")),
        (U("Personen mit Vermittlung"), ("phasen_dauer", "Eintritt bis Phase 3", "personen")),
        (U("Personen mit Vermittlung"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_3")),
        (("phasen_dauer", "Eintritt bis Phase 2", "personen"), ("phasen_bewegungen", INSGESAMT, "beginn_phase_2")),
        (U("Vermittlungen (Zählweise der BA)"), ("vermittlungen", INSGESAMT, "insgesamt")),
        (U("nachrichtlich: Minijobs"), ("vermittlungen", INSGESAMT, "minijobs")),
        (U("Mentor*innen registriert"), ("mentoring_quartale", last_m, "mentorinnen_registriert")),
        (U("aktiv (mit laufendem Tandem)"), ("mentoring_quartale", last_m, "mentorinnen_aktiv")),
        (U("Tandems aktiv"), ("mentoring_quartale", last_m, "tandems_aktiv")),
        (U("Kontaktstunden seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "stunden")),
        (U("ausgezahlt seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "zuschuss_eur")),
        (U("CO2-Emissionen der Fahrten seit Projektbeginn"), ("mentoring_quartale", INSGESAMT, "co2_kg")),
    ]
    for a, b in same:
        if a in cells and b in cells:
            eqs.append(({a: 1, b: -1}, 0.0))
    # stock and flow: active at year end = active at previous year end + entries - exits
    years = tabs["phasen_bewegungen"]["zeitraum"].to_list()[:-1]
    ends = {}
    for q in tabs["phasen_quartale"]["quartal"]:
        ends[q.split()[-1]] = q
    prev = None
    for y in years:
        q = ends[y.split()[0]]
        e = {("phasen_quartale", q, "aktiv"): 1, ("phasen_bewegungen", y, "eintritte"): -1, ("phasen_bewegungen", y, "austritte"): 1}
        if prev:
            e[("phasen_quartale", prev, "aktiv")] = -1
        eqs.append((e, 0.0))
        prev = q
    return cells, eqs, hidden


def _true_values(tmp_con, settings) -> dict:
    """The unsuppressed values, from the module's own bookkeeping (only to tell which equations
    hold in the data: an attacker using a false equation gets wrong numbers, not disclosures)."""
    bericht, _, _ = bericht_tables.berechnen(tmp_con, settings, STICHTAG)
    return {r: z.wert for r, z in bericht.zellen.items()}


AMOUNT_COLS = ("stunden", "kilometer", "co2_kg", "zuschuss_eur")
AMOUNT_ROWS = ("Kontaktstunden seit Projektbeginn", "ausgezahlt seit Projektbeginn", "Restbudget",
               "CO2-Emissionen der Fahrten seit Projektbeginn")


def _is_amount(k) -> bool:
    return k[2] in AMOUNT_COLS or (k[0] == "ueberblick" and k[1] in AMOUNT_ROWS)


def _recover(cells, eqs, hidden, true):
    """For every suppressed cell, the smallest and largest value consistent with everything
    published (mixed-integer programme): if they coincide, the cell has been recovered. Hidden remainders count only if they are 1 or 2."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    # Stronger than a real reader: published amounts are known exactly, not rounded, so an
    # amount that is determined at all is pinned to a point.
    known = {k: (true[k] if _is_amount(k) and k in true else parse_de(v)) for k, v in cells.items() if v != GESPERRT}
    unknown = [k for k, v in cells.items() if v == GESPERRT] + hidden
    idx = {k: i for i, k in enumerate(unknown)}
    hidden_true: dict = {}
    A, lo, hi = [], [], []
    for e, c in eqs:
        hs = [k for k in e if k in hidden]
        if not hs:
            # an equation that does not hold in the data discloses nothing: leave it out
            if any(k not in true for k in e):
                continue
            s = sum(coef * true[k] for k, coef in e.items())
            if abs(s - c) > 1e-6 * max(1.0, abs(c), *(abs(true[k]) for k in e)):
                continue
        else:
            hidden_true[hs[0]] = c - sum(coef * true[k] for k, coef in e.items() if k not in hidden)
            hidden_true[hs[0]] /= -e[hs[0]]
        row = np.zeros(len(unknown))
        rhs = c
        for k, coef in e.items():
            if k in idx:
                row[idx[k]] += coef
            else:
                rhs -= coef * known[k]
        if not row.any():
            continue
        tol = 1e-6 * max(1.0, abs(rhs))
        A.append(row)
        lo.append(rhs - tol)
        hi.append(rhs + tol)
    is_int = np.array([0 if _is_amount(k) else 1 for k in unknown])
    lb = np.array([0.0 if (k in hidden or not is_int[i]) else 1.0 for i, k in enumerate(unknown)])
    ub = np.full(len(unknown), 1e6)
    cons = [LinearConstraint(np.array(A), lo, hi)] if A else []
    recovered, ranges = [], {}
    for i, k in enumerate(unknown):
        if k in hidden and hidden_true.get(k) not in (1.0, 2.0):
            continue
        c = np.zeros(len(unknown))
        c[i] = 1
        rmin = milp(c, constraints=cons, integrality=is_int, bounds=Bounds(lb, ub))
        rmax = milp(-c, constraints=cons, integrality=is_int, bounds=Bounds(lb, ub))
        assert rmin.status == 0 and rmax.status == 0, (k, rmin.message, rmax.message)
        ranges[k] = (rmin.fun, -rmax.fun)
        if -rmax.fun - rmin.fun < (1e-6 if is_int[i] else 1e-3 * max(1.0, abs(rmin.fun))):
            recovered.append((k, rmin.fun, -rmax.fun))
    return recovered, ranges


@pytest.mark.parametrize("seed,n", [(7, 40), (11, 25), (3, 60), (5, 12)])
def test_attack_cannot_recover_suppressed_cells(tmp_path, seed, n):
    path = kennzahlen_db(tmp_path / "w.duckdb", seed=seed, teilnehmende=n, mentorinnen=max(5, n // 3))
    con = duckdb.connect(str(path))
    settings = Settings(out=tmp_path)
    build_bericht_tables(con, settings, STICHTAG)
    true = _true_values(con, settings)
    cells, eqs, hidden = _attack_system(con, settings)
    assert any(v == GESPERRT for v in cells.values())
    recovered, ranges = _recover(cells, eqs, hidden, true)
    assert recovered == [], recovered
    # and no hidden remainder of a 'davon' is shown to be 1 or 2 by the printed numbers
    for e, c in eqs:
        hs = [k for k in e if k in hidden]
        if len(hs) == 1 and all(k in cells and cells[k] != GESPERRT for k in e if k not in hidden):
            rest = c - sum(coef * parse_de(cells[k]) for k, coef in e.items() if k not in hidden)
            assert rest not in (1.0, 2.0, -1.0, -2.0), (hs, rest)
    con.close()


def test_attack_has_teeth_without_secondary_suppression(tmp_path):
    """Control: with only primary suppression, the same attack recovers cells. (Otherwise the
    attack test above would pass for a useless attacker.)"""
    path = kennzahlen_db(tmp_path / "w.duckdb")
    con = duckdb.connect(str(path))
    settings = Settings(out=tmp_path)
    build_bericht_tables(con, settings, STICHTAG)
    bericht, _, _ = bericht_tables.berechnen(con, settings, STICHTAG)
    true = {r: z.wert for r, z in bericht.zellen.items()}
    cells, eqs, hidden = _attack_system(con, settings)
    sekundaer = [r for r, why in bericht.gesperrt.items() if why == "sekundär"]
    assert sekundaer
    for r in sekundaer:
        cells[r] = disclosure.format_wert(true[r], bericht.zellen[r].art, bericht.zellen[r].dezimalen)
    recovered, _ = _recover(cells, eqs, hidden, true)
    assert recovered
    con.close()


# --- the files -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bericht_dateien(tmp_path_factory):
    from assets.report.files import write_bericht_files

    tmp_path = tmp_path_factory.mktemp("bericht")
    path = kennzahlen_db(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    settings = Settings(out=tmp_path)
    build_bericht_tables(con, settings, STICHTAG)
    paths = write_bericht_files(con, settings, STICHTAG)
    yield con, settings, paths
    con.close()


def _vor_der_ersten_freigabe(settings: Settings) -> dict:
    """The published tables of a report with no release before it: all but the change table
    (tests/test_berichtsreihe.py covers the report after a release)."""
    return {n: s for n, s in tabellen_specs(settings).items() if n != "veraenderung"}


def _count_columns(name: str) -> set[str]:
    spec = tabellen_specs(Settings())[name]
    return {s.titel for s in spec.spalten if s.art is Art.ANZAHL}


def test_files_are_written_into_bericht_dir(bericht_dateien):
    con, settings, paths = bericht_dateien
    names = {p.name for p in paths}
    tag = STICHTAG.isoformat()
    assert {f"sachstand_{tag}.docx", f"tabellen_{tag}.xlsx", f"diagramm_phasen_{tag}.png",
            f"diagramm_vermittlungen_{tag}.png", f"diagramm_zuschuss_{tag}.png"} <= names
    assert {f"{n}_{tag}.csv" for n in _vor_der_ersten_freigabe(settings)} <= names
    assert f"veraenderung_{tag}.csv" not in names  # nothing released yet: nothing to compare with
    assert all(p.parent == settings.bericht_dir and p.stat().st_size > 0 for p in paths)
    assert not [p for p in settings.bericht_dir.iterdir() if p.name.startswith(".neu-")]  # no scratch left


def test_csv_semicolon_bom_and_suppressed(bericht_dateien):
    con, settings, paths = bericht_dateien
    specs = tabellen_specs(settings)
    for p in paths:
        if p.suffix != ".csv":
            continue
        name = p.name.rsplit("_", 1)[0]
        raw = p.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
        assert rows[0] == [s.titel for s in specs[name].spalten]
        db = [list(r) for r in con.execute(f"SELECT * FROM bericht.{name}").fetchall()]
        assert [[c or "" for c in r] for r in db] == rows[1:1 + len(db)]
        counts = _count_columns(name)
        for r in rows[1:1 + len(db)]:
            rec = dict(zip(rows[0], r))
            if name == "ueberblick" and rec["Einheit"] not in ZAEHL_EINHEITEN:
                continue
            assert not [c for c in counts if ist_klein(rec[c])], (name, r)


def test_every_csv_carries_its_footnotes(bericht_dateien):
    """docs/kennzahlen.md: every public file carries the BA footnote, the Datenstand of each source and
    the Stichtag. A CSV travels alone (mail, open data portal), so its footnotes are in it: after
    the table one empty line, then the table's footnotes from bericht.fussnoten, one per line."""
    con, settings, paths = bericht_dateien
    csvs = [p for p in paths if p.suffix == ".csv"]
    assert len(csvs) == len(_vor_der_ersten_freigabe(settings))
    for p in csvs:
        name = p.name.rsplit("_", 1)[0]
        text = p.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(text.splitlines(), delimiter=";"))
        n = con.execute(f"SELECT count(*) FROM bericht.{name}").fetchall()[0][0]
        assert rows[1 + n] == [], (name, rows[1 + n])  # one empty line after the table
        block = [r[0] for r in rows[2 + n:] if r]
        assert len(block) == len(rows[2 + n:])  # one footnote per line, nothing after them
        noten = [x for (x,) in con.execute("SELECT text FROM bericht.fussnoten WHERE tabelle = ? ORDER BY nr::INT", [name]).fetchall()]
        assert block == noten, name
        assert block[0].startswith("Stichtag: 30.09.2025"), name
        assert any(b.startswith("Datenstand der verwendeten Quellen: ") and "30.09.2025" in b for b in block), name
        assert disclosure.BA_FUSSNOTE in block and disclosure.ZEICHENERKLAERUNG in block, name
        assert "* = " in disclosure.ZEICHENERKLAERUNG and "– = " in disclosure.ZEICHENERKLAERUNG


def test_csv_without_footnotes_is_never_written(bericht_dateien, tmp_path):
    """The guard in csv_files.write_csv: a table whose footnotes are missing is not published."""
    from assets.report.csv_files import write_csv
    from assets.report.published_tables import lesen

    con, settings, _ = bericht_dateien
    t = lesen(con, settings, STICHTAG)
    t.fussnoten["sprache"] = [x for x in t.fussnoten["sprache"] if x != disclosure.BA_FUSSNOTE]
    with pytest.raises(RuntimeError, match="BA-Fußnote"):
        write_csv(t, "sprache", tmp_path / "sprache.csv")


def test_xlsx_sheets_numbers_and_footnotes(bericht_dateien):
    import openpyxl

    con, settings, paths = bericht_dateien
    xlsx = next(p for p in paths if p.suffix == ".xlsx")
    wb = openpyxl.load_workbook(xlsx)
    specs = _vor_der_ersten_freigabe(settings)
    assert wb.sheetnames == ["Inhalt", *specs]
    seen_star = seen_number = False
    for name, spec in specs.items():
        ws = wb[name]
        header = [c.value for c in ws[4]][: len(spec.spalten)]
        assert header == [s.titel for s in spec.spalten]
        n = con.execute(f"SELECT count(*) FROM bericht.{name}").fetchall()[0][0]
        counts = _count_columns(name)
        for row in ws.iter_rows(min_row=5, max_row=4 + n):
            rec = {h: c for h, c in zip(header, row)}
            if name == "ueberblick" and rec["Einheit"].value not in ZAEHL_EINHEITEN:
                continue
            for h in counts:
                v = rec[h].value
                assert v not in (1, 2, 1.0, 2.0, "1", "2"), (name, h)
                if v == GESPERRT:
                    seen_star = True
                if isinstance(v, (int, float)):
                    seen_number = True
                    assert rec[h].number_format == "#,##0"
        notes = " ".join(str(c.value) for row in ws.iter_rows(min_row=5 + n) for c in row if c.value)
        assert "Stichtag: 30.09.2025" in notes and disclosure.BA_FUSSNOTE in notes and "Datenstand" in notes
    assert seen_star and seen_number
    quote = next(r for r in wb["sprache"].iter_rows(min_row=5) if r[0].value == "Insgesamt")[6]
    assert isinstance(quote.value, float) and quote.number_format == "0.0 %"


_SAFE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b|\bPhase\s+\d\b|\b(?:Tabelle|Abbildung)\s+\d+|\d-Phasen|§\s*\d+\w*|\b[A-C][12]\b|CO2|\d{4}-\d{2}-\d{2}")


def _docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for tab in doc.tables:
        for row in tab.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_docx_headings_tables_image_footnotes(bericht_dateien):
    import docx

    from assets.report.docx_draft import DOCX_TABELLEN

    con, settings, paths = bericht_dateien
    doc = docx.Document(str(next(p for p in paths if p.suffix == ".docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Erläuterungen und Begründungen:" in headings and "Klimarelevanz:" in headings
    assert len(doc.tables) == len(DOCX_TABELLEN)
    assert len(doc.inline_shapes) >= 1
    text = _docx_text(doc)
    assert "Stichtag" in text and "30.09.2025" in text
    assert disclosure.BA_FUSSNOTE in text
    for quelle, datenstand in con.execute("SELECT quelle, datenstand FROM bericht.datenbasis").fetchall():
        assert f"{quelle}: {datenstand}" in text
    # the BA-comparable rates: the note at the end and under Table 1, the rate in the sentences
    hinweise = [p.text for p in doc.paragraphs]
    assert hinweise.count(bericht_tables.BA_VERGLEICH_HINWEIS) == 2
    quote = dict(con.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())[bericht_tables.INTEGRATIONSQUOTE_12M]
    assert quote != GESPERRT and f"(BA-vergleichbar, siehe Hinweise zu den Zahlen), beträgt die Integrationsquote der letzten 12 Monate {quote}." in text
    # the sentences carry the published figures
    ue = dict(con.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    assert f"Seit Projektbeginn sind {ue['Teilnehmende seit Projektbeginn']} Personen" in text
    # no 1 or 2 as a number in the sentences (dates, 'Phase 1', 'Tabelle 2', 'B1' aside; the
    # table cells are checked column by column in test_docx_count_cells_never_small)
    saetze = "\n".join(p.text for p in doc.paragraphs)
    rest = _SAFE.sub(" ", saetze.replace(disclosure.BA_FUSSNOTE, " "))
    tokens = re.findall(r"\d[\d.,]*\d|\d", rest)
    assert tokens and not [x for x in tokens if x in ("1", "2")], [x for x in tokens if x in ("1", "2")]


def test_docx_count_cells_never_small(bericht_dateien):
    import docx

    from assets.report.docx_draft import DOCX_TABELLEN

    con, settings, paths = bericht_dateien
    doc = docx.Document(str(next(p for p in paths if p.suffix == ".docx")))
    specs = tabellen_specs(settings)
    for tab, name in zip(doc.tables, DOCX_TABELLEN):
        header = [c.text for c in tab.rows[0].cells]
        counts = _count_columns(name)
        for row in tab.rows[1:]:
            rec = dict(zip(header, [c.text for c in row.cells]))
            if name == "ueberblick" and rec.get("Einheit") not in ZAEHL_EINHEITEN:
                continue
            assert not [h for h in counts if h in rec and ist_klein(rec[h])], (name, rec)
        assert specs[name].titel


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) ist nicht installiert: PDF-Umwandlung nicht prüfbar")
def test_docx_converts_to_pdf_with_libreoffice(bericht_dateien, tmp_path):
    _, _, paths = bericht_dateien
    docx_path = next(p for p in paths if p.suffix == ".docx")
    out = tmp_path / "pdf"
    r = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "pdf",
                        "--outdir", str(out), str(docx_path)], capture_output=True, text=True, timeout=240)
    pdf = out / (docx_path.stem + ".pdf")
    assert r.returncode == 0 and pdf.exists(), r.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


def test_charts_never_draw_suppressed_values():
    from matplotlib.patches import Rectangle

    from assets.report import charts

    fig = charts._figure()
    ax = fig.add_subplot(1, 1, 1)
    charts._gruppen_balken(ax, ["a", "b", "c"], [("x", ["7", GESPERRT, NICHTS]), ("y", [GESPERRT, "12", "1.234"])])
    heights = sorted(p.get_height() for p in ax.patches if isinstance(p, Rectangle))
    assert heights == [7.0, 12.0, 1234.0]  # three published values, no bar for '*' or '–'
    texts = [t.get_text() for t in ax.texts]
    assert texts.count(GESPERRT) == 2 and texts.count(NICHTS) == 1


def test_text_blocks_from_elsewhere_only_with_published_figures(bericht_dateien):
    from assets.report.published_tables import lesen
    from assets.report.text_blocks import textbaustein_zulaessig

    con, settings, _ = bericht_dateien
    t = lesen(con, settings, STICHTAG)
    ue = dict(con.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    reg = ue["Mentor*innen registriert"]
    tandems = ue["Tandems aktiv"]
    ok = f"Zum Stichtag 30.09.2025 sind {reg} Mentor*innen registriert. Es laufen {tandems} Tandems."
    assert textbaustein_zulaessig(ok, t, settings)
    assert not textbaustein_zulaessig("Es laufen weniger als drei Tandems.", t, settings)
    assert not textbaustein_zulaessig(f"Es sind {reg} Mentor*innen, davon alle bis auf weniger als drei aktiv.", t, settings)
    assert not textbaustein_zulaessig("Es laufen 4711 Tandems.", t, settings)
    paid = ue["ausgezahlt seit Projektbeginn"]
    assert textbaustein_zulaessig(f"Ausgezahlt wurden {paid} EUR; das Budget in Höhe von 10.000 EUR ...", t, settings)
    # the published precision, not more: the table prints whole euros and hours
    assert not textbaustein_zulaessig(f"Ausgezahlt wurden {paid},40 € von 10.000 EUR.", t, settings)
    stunden = ue["Kontaktstunden seit Projektbeginn"]
    assert textbaustein_zulaessig(f"Es fanden Kontakte im Umfang von {stunden} Stunden statt.", t, settings)
    assert not textbaustein_zulaessig(f"Es fanden Kontakte im Umfang von {stunden},3 Stunden statt.", t, settings)
    # configuration values only inside their own wording
    assert textbaustein_zulaessig("Ehrenamtszuschuss: 15,00 EUR je Kontaktstunde.", t, settings)


@pytest.mark.parametrize("feld", ["prognose_monate", "nachhaltigkeit_monate", "emissionsfaktoren_kg_km", "stundensatz_eur"])
@pytest.mark.parametrize("klein", [1, 2])
def test_configuration_value_of_one_or_two_never_passes_as_a_count(bericht_dateien, feld, klein):
    """A setting that is 1 or 2 (a forecast over 2 months, a rate of 2 EUR, a factor of 1 kg/km)
    must not let a '1' or '2' through as a count: configuration numbers pass only inside the
    wording that marks them as configuration."""
    from assets.report.published_tables import lesen
    from assets.report.text_blocks import textbaustein_zulaessig

    con, settings_tabellen, _ = bericht_dateien
    t = lesen(con, settings_tabellen, STICHTAG)
    published = {w for (w,) in con.execute("SELECT wert FROM bericht.ueberblick").fetchall()}
    assert not {"1", "2"} & published  # so only the configuration could let them pass
    wert = {"emissionsfaktoren_kg_km": {"Pkw": float(klein), "ÖPNV": 0.065}, "stundensatz_eur": float(klein)}.get(feld, klein)
    settings = Settings(**{feld: wert})
    for satz in (f"Es laufen {klein} Tandems.", f"Davon sind {klein} Mentor*innen geschult.",
                 f"Im Quartal kamen {klein} Minijobs hinzu.", f"{klein} Personen sind ausgeschieden."):
        assert not textbaustein_zulaessig(satz, t, settings), (feld, satz)
    # ... while the same value inside its wording is accepted as what it is
    marked = {
        "prognose_monate": f"Bleibt es beim Durchschnitt der letzten {klein} vollständigen Monate, reicht das Budget.",
        "nachhaltigkeit_monate": f"Gezählt wird, wer {klein} Monate nach Beginn noch beschäftigt ist.",
        "emissionsfaktoren_kg_km": f"Emissionsfaktor: Pkw {formats.zahl(klein, 3)} kg je Personenkilometer.",
        "stundensatz_eur": f"Der Zuschuss beträgt {formats.zahl(klein, 2)} EUR je Kontaktstunde.",
    }[feld]
    assert textbaustein_zulaessig(marked, t, settings), marked


@pytest.mark.integration
def test_docx_text_states_the_amounts_of_table_1():
    """End to end on the demo (a real nightly run): the mentoring text block in the DOCX is used
    and states hours and euros exactly as Table 1 prints them, in 'EUR', with 'Projektbeginn'."""
    import docx

    import dq_support as dq

    lauf = dq.base_run()
    assert lauf.summary.success
    con = duckdb.connect(str(lauf.out / "reporting.duckdb"), read_only=True)
    try:
        ue = dict(con.execute("SELECT kennzahl, wert FROM bericht.ueberblick").fetchall())
    finally:
        con.close()
    doc = docx.Document(str(next((lauf.out / "bericht").glob("sachstand_*.docx"))))
    absaetze = [p.text for p in doc.paragraphs]
    block = next((p for p in absaetze if "Tandems aus Mentor*in und teilnehmender Person" in p), None)
    assert block is not None, "der Textbaustein Mentoring wurde nicht übernommen"
    stunden, paid, rest = ue["Kontaktstunden seit Projektbeginn"], ue["ausgezahlt seit Projektbeginn"], ue["Restbudget"]
    assert parse_de(stunden) is not None and parse_de(paid) is not None and parse_de(rest) is not None
    assert f"im Umfang von {stunden} Stunden" in block
    assert f"seit Projektbeginn {paid} EUR ausgezahlt" in block
    assert f"noch {rest} EUR zur Verfügung" in block or parse_de(rest) <= 0
    text = "\n".join(absaetze)
    assert "€" not in text and "Programmstart" not in text


def test_docx_takes_the_generated_klimarelevanz_and_mentoring_text_blocks(tmp_path):
    """End to end on the demo (a real nightly run): the council DOCX holds exactly the text blocks
    that assets/metrics/mentoring.py generates for the run's Stichtag (the Klimarelevanz sentence
    with the council template's lead sentence, and the mentoring paragraph), not the report's own
    fallback sentences (draft_sentences.satz_klima, draft_sentences.satz_mentoring)."""
    import docx

    import dq_support as dq
    from assets.metrics.mentoring_text import mentoring_textbausteine
    from sources.zeitraum import resolve_stichtag

    lauf = dq.base_run()
    assert lauf.summary.success
    kopie = tmp_path / "warehouse.duckdb"  # the text blocks build TEMP tables: never on the run's file
    shutil.copy(lauf.out / "warehouse.duckdb", kopie)
    settings = dq.settings_for(lauf.inbox, lauf.out)
    con = duckdb.connect(str(kopie))
    try:
        texte = mentoring_textbausteine(con, settings, resolve_stichtag(con, settings.stichtag))
    finally:
        con.close()
    absaetze = [p.text for p in docx.Document(str(next((lauf.out / "bericht").glob("sachstand_*.docx")))).paragraphs]
    klima = absaetze[absaetze.index("Klimarelevanz:") + 1]
    assert "gefahrene Kilometer" in texte["klimarelevanz"] and "Pkw 0,166 kg" in texte["klimarelevanz"]
    assert klima == ("Kohlendioxidemissionen werden durch den mobilen Einsatz der ehrenamtlichen Mentor*innen verursacht. "
                     + texte["klimarelevanz"])
    assert "Tandemtreffen" not in klima  # the wording of the fallback sentence
    assert texte["mentoring"] in absaetze


def test_tiny_programme_still_publishes(tmp_path):
    """Five participants: almost everything is suppressed, nothing breaks, nothing small leaks."""
    from assets.report.files import write_bericht_files

    path = kennzahlen_db(tmp_path / "w.duckdb", seed=1, teilnehmende=5, mentorinnen=3)
    con = duckdb.connect(str(path))
    settings = Settings(out=tmp_path)
    build_bericht_tables(con, settings, STICHTAG)
    assert [c for c in zaehlzellen(con) if ist_klein(c[3])] == []
    paths = write_bericht_files(con, settings, STICHTAG)
    assert any(p.suffix == ".docx" for p in paths)
    con.close()


def test_the_forecast_is_read_from_the_metrics_budget_table(tmp_path):
    """The forecast rule lives once (assets/metrics/budget.py): without kennzahlen.zuschuss_budget
    the report says which table is missing instead of computing a forecast of its own."""
    con = duckdb.connect(str(kennzahlen_db(tmp_path / "w.duckdb", seed=1, teilnehmende=5, mentorinnen=3, zuschuss_budget=False)))
    with pytest.raises(RuntimeError, match="kennzahlen.zuschuss_budget fehlt"):
        build_bericht_tables(con, Settings(out=tmp_path), STICHTAG)
    con.close()
