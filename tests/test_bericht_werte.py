"""Numbers to compute with (issue 15, docs/kennzahlen.md version 2): schema ``bericht_werte``
beside ``bericht``, the label and unit of every key of ``kennzahlen.ueberblick``, and counts as
BIGINT in every ``kennzahlen`` table."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import duckdb
import pytest

from assets.metrics import mentoring, teilnahme
from assets.metrics.kennzahl_texte import ANTEIL, EINHEITEN, KENNZAHL_TEXTE, ZAEHL_EINHEITEN
from assets.report.bericht_tables import build_bericht_tables, tabellen_specs
from assets.report.disclosure import Art, format_wert, wert_wie_gedruckt
from sources.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from test_bericht_outputs import STICHTAG, kennzahlen_db  # noqa: E402
from werte_support import assert_twins, gedruckt  # noqa: E402

# DOUBLE by the contract (docs/kennzahlen.md): amounts, rates, medians, the key-value tables whose
# `wert` holds counts, amounts and rates alike, and the ratios of the budget forecast. Every other
# number column of schema kennzahlen is a count and must be BIGINT.
KEINE_ANZAHL = {
    "ueberblick": {"wert"},
    "veraenderung": {"wert", "wert_vorbericht", "veraenderung"},
    "revisionen": {"wert_veroeffentlicht", "wert_heute", "differenz"},
    "mentoring": {"stunden", "kilometer", "co2_kg", "zuschuss_eur"},
    "nachhaltigkeit": {"quote"},
    "phasen_dauer": {"median_tage"},
    "zuschuss_budget": {"zuschuss_stunden", "zuschuss_eur", "zuschuss_kumuliert_eur", "budget_eur", "budget_rest_eur",
                        "prognose_rate_eur_monat", "prognose_eur_je_mentorin_monat", "prognose_reichweite_monate",
                        "prognose_mentorinnen_monate"},
}
NICHT_ZAHLEN = {"VARCHAR", "DATE", "TIMESTAMP", "BOOLEAN"}


@pytest.fixture(scope="module")
def bericht(tmp_path_factory):
    """A report with released, suppressed and zero cells (tests/test_bericht_outputs.py's programme)."""
    tmp = tmp_path_factory.mktemp("werte")
    con = duckdb.connect(str(kennzahlen_db(tmp / "warehouse.duckdb")))
    build_bericht_tables(con, Settings(out=tmp), STICHTAG)
    yield con
    con.close()


def test_every_bericht_table_has_its_twin_cell_by_cell(bericht):
    n = assert_twins(bericht)
    assert n["*"] and n["–"] and n["x"] and n["zahl"] > 50 and n["text"], n  # the check saw every kind of cell
    assert n["text_in_zahlenspalte"] == 1, n  # the month the budget lasts to


def test_twin_column_types_follow_the_kind_of_figure(bericht):
    typen = {(t, c): typ for t, c, typ in bericht.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'bericht_werte'").fetchall()}
    gemischt = {"ueberblick", "veraenderung"}  # persons, EUR and percent in one column
    for name, spec in tabellen_specs(Settings()).items():
        for s in spec.spalten:
            soll = ("VARCHAR" if s.art is None else "DOUBLE" if name in gemischt or s.art is not Art.ANZAHL else "BIGINT")
            assert typen[(name, s.name)] == soll, (name, s.name)
    kommentare = bericht.execute("SELECT count(*), count(comment) FROM duckdb_columns() WHERE schema_name = 'bericht_werte'").fetchone()
    assert kommentare[0] == kommentare[1] > 0
    assert all(c for (c,) in bericht.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = 'bericht_werte'").fetchall())


def test_twin_of_a_rate_is_a_fraction_and_counts_compute(bericht):
    """What an analyst does with it: sums over the years equal the printed total where nothing is
    suppressed, and a rate reads as a fraction like in kennzahlen."""
    rows = bericht.execute("SELECT zeitraum, insgesamt FROM bericht_werte.vermittlungen").fetchall()
    jahre, gesamt = [v for z, v in rows if not z.startswith("Insgesamt")], [v for z, v in rows if z.startswith("Insgesamt")]
    if None not in jahre and gesamt[0] is not None:
        assert sum(jahre) == gesamt[0]
    quote = bericht.execute("SELECT quote_b1 FROM bericht_werte.sprache WHERE kursart = 'Insgesamt'").fetchone()[0]
    text = bericht.execute("SELECT quote_b1 FROM bericht.sprache WHERE kursart = 'Insgesamt'").fetchone()[0]
    assert 0 <= quote <= 1 and text.endswith(" %") and abs(quote * 100 - float(text[:-2].replace(",", "."))) < 1e-9


def test_value_as_printed_equals_the_printed_text():
    """``wert_wie_gedruckt`` is the number ``format_wert`` prints, for every kind and rounding."""
    rng = random.Random(15)
    for _ in range(3000):
        art = rng.choice(list(Art))
        dez = rng.choice([0, 1, 2])
        v = rng.choice([0.0, 0.5, 1.5, 2.5, 0.125, rng.uniform(0, 5), rng.uniform(0, 20000), float(rng.randint(0, 3000))])
        v = v / 100 if art is Art.QUOTE else v
        zahl, text = wert_wie_gedruckt(v, art, dez), format_wert(v, art, dez)
        assert zahl is not None and float(gedruckt(text)) == pytest.approx(zahl, abs=1e-12), (v, art, dez, text, zahl)
        assert isinstance(zahl, int) == (art is Art.ANZAHL)
    assert wert_wie_gedruckt(None, Art.QUOTE) is None and format_wert(None, Art.QUOTE) == "x"


def test_every_key_of_the_overview_has_a_label_and_a_unit():
    keys = [*teilnahme.UEBERBLICK_KEYS, *mentoring.UEBERBLICK_KEYS, "ohne_einwilligung"]
    assert list(KENNZAHL_TEXTE) == keys
    assert all(b and e in EINHEITEN for b, e in KENNZAHL_TEXTE.values())
    assert len({b for b, _ in KENNZAHL_TEXTE.values()}) == len(KENNZAHL_TEXTE)  # a label names one key


# --- the demo run: reporting.duckdb as published ---------------------------------------------


def test_demo_reporting_twins_and_count_types(demo_run):
    con = duckdb.connect(str(demo_run.out / "reporting.duckdb"), read_only=True)
    try:
        n = assert_twins(con)
        assert n["zahl"] and n["–"], n
        cols = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'kennzahlen'").fetchall()
        for t, c, typ in cols:
            if typ in NICHT_ZAHLEN:
                continue
            soll = "DOUBLE" if c in KEINE_ANZAHL.get(t, set()) else "BIGINT"
            assert typ == soll, f"kennzahlen.{t}.{c}: {typ}, laut Vertrag {soll}"
        assert {t for t, _, _ in cols} >= {"ueberblick", "phasen_bestand", "mentoring", "sprache", "datenqualitaet"}
    finally:
        con.close()


def test_demo_overview_labels_and_units_are_those_printed(demo_run):
    con = duckdb.connect(str(demo_run.out / "reporting.duckdb"), read_only=True)
    try:
        intern = con.execute("SELECT kennzahl, wert, bezeichnung, einheit FROM kennzahlen.ueberblick").fetchall()
        gedruckt_ = {k: (w, e) for k, w, e in con.execute("SELECT kennzahl, wert, einheit FROM bericht_werte.ueberblick").fetchall()}
    finally:
        con.close()
    assert intern and all(b and e for _, _, b, e in intern)
    gefunden = 0
    for key, wert, bez, einheit in intern:
        if einheit in ZAEHL_EINHEITEN and wert is not None:
            assert wert == int(wert), key  # a count, though the column is DOUBLE for all keys
        if bez not in gedruckt_:
            continue  # not printed in the overview (austritte, ohne_einwilligung)
        gefunden += 1
        w_pub, e_pub = gedruckt_[bez]
        assert e_pub == ("%" if einheit == ANTEIL else einheit), key
        if w_pub is not None and einheit != ANTEIL:
            assert abs(w_pub - wert) <= 0.5, key  # the printed value is this one, rounded
    assert gefunden >= 18
