"""Reproduction of a released report (issue 14, item 4; docs/betrieb.md "Reproduktion";
docs/entscheidungen.md 33-35): ``phasenmonitor run --stichtag S --datenstand-bis D`` uses per
export kind the newest valid snapshot with a Datenstand on or before D, and a person who withdrew
consent since is in no reproduction.

One data folder, two deliveries of every kind, the June report released in between:

  person   June delivery (30.06.)          December delivery (31.12.)
  1        consent, no job                 consent, a job from 10.05. reported late
  2, 4     consent, job from 01.03.        the same
  3        consent                         Widerruf 15.11.
  5        consent, Widerruf 01.08.        not listed any more
  6        consent                         consent, a job from 15.10.
  7..20    consent                         consent

  run 1  heute 02.07.2026, Stichtag 30.06.: June alone; released (5's Widerruf not yet in force)
  run 2  heute 05.01.2027, default Stichtag 31.12.: both deliveries
  run 3  the same day, --stichtag 2026-06-30 --datenstand-bis 2026-09-30 (the real command line)
  run 4  the same day again without the flag: everything as after run 2

Figures by hand (teilnehmende_gesamt = consenting registry rows with Eintritt <= Stichtag,
vermittlungen = placements with Beginn <= Stichtag):
  released June:        1..20 -> 20;  jobs 2, 4 -> 2;  ohne_einwilligung 0
  run 2 (31.12.):       without 3 and 5 -> 18;  jobs 1, 2, 4, 6 -> 4;  ohne_einwilligung 1 (3)
  run 2, June today:    18;  jobs 1, 2, 4 -> 3 (the late one)
  run 3 (June stands):  18 (3 and 5 withdrew since);  jobs 2, 4 -> 2;
                        ohne_einwilligung 2: the June registry's rows of 3 and 5, purged since
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import (
    PIPELINE_ROOT, Inbox, assert_staged, cli_env, count, integration, kontakt, kundennummer, kursteilnahme, massnahme,
    mentor, person, pseudonym, query, run, tandem, tn_nr, unternehmen, warehouse, write_standard,
)

JUNI, DEZ = date(2026, 6, 30), date(2026, 12, 31)
BIS = date(2026, 9, 30)  # between the two deliveries
HEUTE_1, HEUTE_2 = date(2026, 7, 2), date(2027, 1, 5)


N = 20  # people 1..N: enough that the series protection can hide every small change


def _lieferung(dezember: bool) -> dict[str, list[dict]]:
    leute = [i for i in range(1, N + 1) if not (dezember and i == 5)]
    reg, tandems, kontakte = [], [], []
    for i in leute:
        over: dict = {}
        if i == 3 and dezember:
            over["widerruf"] = date(2026, 11, 15)
        if i == 5:
            over["widerruf"] = date(2026, 8, 1)
        reg.append(person(i, **over))
        tandems.append(tandem(i, 1 + i % 2, i))
        kontakte += [kontakt(i, d) for d in (6, 20)]
    jobs = [integration(i, beginn=date(2026, 3, 1)) for i in (2, 4)]
    if dezember:
        jobs += [integration(1, beginn=date(2026, 5, 10)), integration(6, beginn=date(2026, 10, 15))]
    return {
        "teilnehmende": reg, "mentorinnen": [mentor(1), mentor(2)], "tandems": tandems, "kontakte": kontakte,
        "unternehmen": [unternehmen(1)], "massnahmen": [massnahme(i) for i in leute], "integrationen": jobs,
        "kursteilnahmen": [kursteilnahme(i) for i in leute],
    }


def _cli_run(inbox: Path, out: Path, heute: date, *args: str) -> subprocess.CompletedProcess:
    """The command line of this source tree (python -m from its root) with a fixed run day."""
    config = out.parent / f"heute_{heute}.yaml"
    config.write_text(f"heute: {heute.isoformat()}\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--out", str(out), *args],
        cwd=PIPELINE_ROOT, env=cli_env(PHASENMONITOR_CONFIG=str(config)), capture_output=True, text=True, timeout=600,
    )


def _reporting(out: Path, sql: str, params: list | None = None) -> list[dict]:
    return query(out / "reporting.duckdb", sql, params)


def _ueberblick(out: Path) -> dict[str, float]:
    return {r["kennzahl"]: r["wert"] for r in _reporting(out, "SELECT kennzahl, wert FROM kennzahlen.ueberblick")}


def _revisionen(out: Path) -> dict[tuple[date, str], tuple]:
    rows = _reporting(out, "SELECT * FROM kennzahlen.revisionen")
    return {(r["stichtag"], r["kennzahl"]): (r["wert_veroeffentlicht"], r["wert_heute"], r["differenz"]) for r in rows}


def _veroeffentlicht(out: Path) -> dict[str, list]:
    """Every kennzahlen and bericht table of reporting.duckdb, rows sorted."""
    names = _reporting(out, "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() "
                            "WHERE schema_name IN ('kennzahlen', 'bericht', 'bericht_werte') ORDER BY 1")
    return {n["t"]: sorted(map(str, (tuple(r.values()) for r in _reporting(out, f"SELECT * FROM {n['t']}")))) for n in names}


def _staende(out: Path) -> dict[str, tuple[str, date]]:
    return {r["art"]: (r["datei"], r["datenstand"]) for r in query(warehouse(out), "SELECT * FROM intern.staende")}


@pytest.fixture(scope="module")
def reihe(tmp_path_factory):
    from pipelines.runner import run_release
    from sources.settings import Settings

    root = tmp_path_factory.mktemp("reproduktion")
    inbox, out = Inbox(root / "inbox"), root / "out"
    write_standard(inbox, JUNI, _lieferung(dezember=False))
    assert_staged(run(inbox.root, out, HEUTE_1, stichtag=JUNI))
    released = _ueberblick(out)
    freigabe = run_release(Settings(inbox=inbox.root, out=out, heute=HEUTE_1), JUNI)
    assert freigabe.success and not freigabe.refusal, (freigabe.refusal, freigabe.failures)

    write_standard(inbox, DEZ, _lieferung(dezember=True))
    assert_staged(run(inbox.root, out, HEUTE_2))
    nach_2 = {"ueberblick": _ueberblick(out), "revisionen": _revisionen(out), "tabellen": _veroeffentlicht(out),
              "staende": _staende(out)}

    proc = _cli_run(inbox.root, out, HEUTE_2, "--stichtag", JUNI.isoformat(), "--datenstand-bis", BIS.isoformat())
    assert proc.returncode == 0, proc.stderr[-3000:]
    nach_3 = {"ueberblick": _ueberblick(out), "revisionen": _revisionen(out), "staende": _staende(out), "stdout": proc.stdout,
              "datenbasis": _reporting(out, "SELECT * FROM bericht.datenbasis ORDER BY datei"),
              "fussnoten": [r["text"] for r in _reporting(out, "SELECT text FROM bericht.fussnoten")],
              "kommentar": _reporting(out, "SELECT comment FROM duckdb_tables() WHERE table_name = 'revisionen'")[0]["comment"],
              "entwurf": query(warehouse(out), "SELECT stichtag, datenstand_bis FROM reihe.entwurf")[0]}

    assert_staged(run(inbox.root, out, HEUTE_2))
    return {"out": out, "inbox": inbox, "released": released, "nach_2": nach_2, "nach_3": nach_3}


def test_released_june_figures(reihe):
    r = reihe["released"]
    assert (r["teilnehmende_gesamt"], r["vermittlungen"], r["ohne_einwilligung"]) == (20, 2, 0)


def test_without_the_flag_the_newest_snapshots_are_used(reihe):
    n2 = reihe["nach_2"]
    assert {a: ds for a, (_, ds) in n2["staende"].items()} == {a: DEZ for a in n2["staende"]}
    u = n2["ueberblick"]
    assert (u["teilnehmende_gesamt"], u["vermittlungen"], u["ohne_einwilligung"]) == (18, 4, 1)
    # the June report recomputed with today's data: 3 withdrew, 5 left the registry, 1's job came late
    rev = n2["revisionen"]
    assert rev[(JUNI, "teilnehmende_gesamt")] == (20, 18, -2)
    assert rev[(JUNI, "vermittlungen")] == (2, 3, 1)
    assert rev[(JUNI, "ohne_einwilligung")] == (0, 1, 1)


def test_reproduction_uses_the_older_snapshots(reihe):
    n3 = reihe["nach_3"]
    assert n3["staende"] == {a: (f"{d}/{a}_{JUNI}.{e}", JUNI) for a, (d, e) in {
        "teilnehmende": ("asyl", "csv"), "mentorinnen": ("asyl", "csv"), "tandems": ("asyl", "csv"), "kontakte": ("asyl", "csv"),
        "unternehmen": ("asyl", "csv"), "massnahmen": ("jobcenter", "csv"), "integrationen": ("jobcenter", "csv"),
        "kursteilnahmen": ("vhs", "xlsx")}.items()}
    u = n3["ueberblick"]
    # 3 and 5 withdrew since the release; the June jobs of 2 and 4, not 1's late one
    assert (u["teilnehmende_gesamt"], u["vermittlungen"], u["ohne_einwilligung"]) == (18, 2, 2)
    assert "Reproduktion mit den Datenständen bis 30.09.2026" in n3["stdout"]
    assert f"asyl/teilnehmende_{JUNI}.csv" in n3["stdout"]
    # the draft names the run's limit, so a release of it could be reproduced the same way
    assert n3["entwurf"] == {"stichtag": JUNI, "datenstand_bis": BIS}


def test_reproduction_says_why_it_differs_from_the_release_without_naming_anyone(reihe):
    n3 = reihe["nach_3"]
    rev = n3["revisionen"]
    assert rev[(JUNI, "teilnehmende_gesamt")] == (20, 18, -2)
    assert rev[(JUNI, "vermittlungen")] == (2, 2, 0)  # the same snapshots: no late delivery
    assert rev[(JUNI, "ohne_einwilligung")] == (0, 2, 2)  # the two withdrawals, counted, not named
    kommentar = n3["kommentar"]
    assert "Reproduktion mit den Datenständen bis 30.09.2026" in kommentar and "widerrufen" in kommentar
    assert "TN-" not in kommentar and pseudonym(tn_nr(3), "tn") not in kommentar
    assert "Reproduktion" not in _reporting(reihe["out"], "SELECT comment FROM duckdb_tables() WHERE table_name = 'revisionen'")[0]["comment"]


def test_withdrawn_people_are_in_no_snapshot(reihe):
    out = reihe["out"]
    for i in (3, 5):
        tn = pseudonym(tn_nr(i), "tn")
        for t in ("teilnehmende", "tandems", "massnahmen", "integrationen", "kursteilnahmen"):
            assert count(out, f"staging.{t}", "tn_id = ?", [tn]) == 0, (i, t)
        assert count(out, "staging.massnahmen", "jc_id = ?", [pseudonym(kundennummer(i), "jc")]) == 0, i
    # the others keep both snapshots (history)
    assert count(out, "staging.teilnehmende", "tn_id = ?", [pseudonym(tn_nr(1), "tn")]) == 2


def test_datenbasis_and_footnotes_name_the_snapshots_used(reihe):
    n3 = reihe["nach_3"]
    assert {r["datei"] for r in n3["datenbasis"]} == {Path(d).name for d, _ in n3["staende"].values()}
    assert {r["datenstand"] for r in n3["datenbasis"]} == {"30.06.2026"}
    stand = [t for t in n3["fussnoten"] if t.startswith("Datenstand der verwendeten Quellen")]
    assert stand and all("30.06.2026" in t and "31.12.2026" not in t for t in stand)
    after = _reporting(reihe["out"], "SELECT datenstand FROM bericht.datenbasis")
    assert {r["datenstand"] for r in after} == {"31.12.2026"}


def test_a_run_without_the_flag_afterwards_is_as_before(reihe):
    out, n2 = reihe["out"], reihe["nach_2"]
    assert _staende(out) == n2["staende"]
    assert _veroeffentlicht(out) == n2["tabellen"]


def test_datenstand_bis_without_stichtag_is_refused_by_the_command_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(tmp_path), "--out", str(tmp_path / "out"),
         "--datenstand-bis", BIS.isoformat()],
        cwd=PIPELINE_ROOT, env=cli_env(), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("Fehler: --datenstand-bis braucht --stichtag") and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was opened


# --- a registry snapshot that arrives after a newer one (a restored or late delivery) ---------------

@pytest.fixture(scope="module")
def spaet(tmp_path_factory):
    root = tmp_path_factory.mktemp("spaet")
    inbox, out = Inbox(root / "inbox"), root / "out"
    write_standard(inbox, DEZ, _lieferung(dezember=True))
    assert_staged(run(inbox.root, out, HEUTE_2))
    write_standard(inbox, JUNI, _lieferung(dezember=False))  # staged second, as the older snapshot
    assert_staged(run(inbox.root, out, HEUTE_2))
    assert_staged(run(inbox.root, out, HEUTE_2, stichtag=JUNI, datenstand_bis=BIS))
    return out


def test_a_late_older_registry_gets_the_newest_consent(spaet):
    """The June registry lists 3 with consent and 5 with a Widerruf now in force; the December one
    says 3 withdrew and no longer lists 5: neither enters the history through the late file."""
    for i in (3, 5):
        assert count(spaet, "staging.teilnehmende", "tn_id = ?", [pseudonym(tn_nr(i), "tn")]) == 0, i
    u = {r["kennzahl"]: r["wert"] for r in query(warehouse(spaet), "SELECT * FROM kennzahlen.ueberblick")}
    assert u["teilnehmende_gesamt"] == N - 2
    assert {ds for _, ds in _staende(spaet).values()} == {JUNI}


def test_ueberblick_am_recomputes_without_touching_the_published_tables(reihe):
    import duckdb

    from assets.metrics.neuberechnung import ueberblick_am
    from sources.settings import Settings

    out = reihe["out"]
    settings = Settings(inbox=reihe["inbox"].root, out=out, heute=HEUTE_2)
    con = duckdb.connect(str(warehouse(out)))
    try:
        vorher = con.execute("SELECT count(*), sum(hash(u)) FROM kennzahlen.ueberblick u").fetchall()
        temp = con.execute("CREATE TEMP TABLE tn_teilnehmende AS SELECT 'bleibt' AS tn_id").fetchall()
        # the run's own Stichtag gives exactly the overview the run published; June the revisions' wert_heute
        assert ueberblick_am(con, settings, DEZ) == _ueberblick(out)
        juni = ueberblick_am(con, settings, JUNI)
        assert {k: juni[k] for (s, k) in reihe["nach_2"]["revisionen"] if s == JUNI} == {
            k: w for (s, k), (_, w, _) in reihe["nach_2"]["revisionen"].items() if s == JUNI}
        assert con.execute("SELECT count(*), sum(hash(u)) FROM kennzahlen.ueberblick u").fetchall() == vorher
        assert con.execute("SELECT tn_id FROM tn_teilnehmende").fetchall() == [("bleibt",)], temp  # the caller's TEMP tables stay
    finally:
        con.close()


def test_a_limit_before_every_registry_is_refused_and_publishes_nothing(spaet):
    """Runs after the test above on the same warehouse: a reproduction with nothing to reproduce
    keeps the published report and says why in one sentence (exit 3, like a run without registry)."""
    import hashlib

    vorher = hashlib.sha256((spaet / "reporting.duckdb").read_bytes()).hexdigest()
    proc = _cli_run(spaet.parent / "inbox", spaet, HEUTE_2, "--stichtag", JUNI.isoformat(), "--datenstand-bis", "2026-01-01")
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert proc.stderr.startswith("Fehler: Bis zum Datenstand 01.01.2026 gibt es keinen gültigen Stand der Teilnehmendenliste")
    assert "Traceback" not in proc.stderr + proc.stdout
    assert hashlib.sha256((spaet / "reporting.duckdb").read_bytes()).hexdigest() == vorher


# --- pure rules (no Dagster, in-memory DuckDB) ------------------------------------------------------

def _selection_warehouse():
    """Four registry files: June (left the inbox), August (rejected), September, December (in use)."""
    import duckdb

    from assets.staging.schema import ensure_schema

    con = duckdb.connect()
    ensure_schema(con)
    files = [("jun", date(2026, 6, 30), "ersetzt", False), ("aug", date(2026, 8, 31), "abgelehnt", True),
             ("sep", date(2026, 9, 30), "ersetzt", True), ("dez", DEZ, "verwendet", True)]
    for datei_id, ds, status, im_eingang in files:
        con.execute("INSERT INTO meta.dateien (datei_id, datei, quelle, art, datenstand, status, im_eingang) "
                    "VALUES (?, ?, 'asyl', 'teilnehmende', ?, ?, ?)", [datei_id, f"asyl/teilnehmende_{ds}.csv", ds, status, im_eingang])
        if status != "abgelehnt":
            con.execute("INSERT INTO staging.teilnehmende (datei_id, datenstand, zeile, tn_id) VALUES (?, ?, 2, ?)", [datei_id, ds, f"p-{datei_id}"])
    return con


def test_selection_per_datenstand_limit():
    from assets.staging.schema import set_datenstand_bis
    from sources.zeitraum import reproduktion_bis

    con = _selection_warehouse()

    def used():
        return (con.execute("SELECT datei_id FROM intern.staende WHERE art = 'teilnehmende'").fetchall(),
                con.execute("SELECT datei_id FROM aktuell.teilnehmende").fetchall())

    assert used() == ([("dez",)], [("dez",)])  # no limit: the file marked verwendet
    for bis, expected in ((date(2026, 9, 15), "jun"), (BIS, "sep"), (date(2026, 11, 30), "sep"), (date(2027, 2, 1), "dez")):
        set_datenstand_bis(con, bis)
        assert reproduktion_bis(con) == bis
        assert used() == ([(expected,)], [(expected,)]), bis  # the rejected August file never; June although gone
    set_datenstand_bis(con, date(2026, 1, 1))
    assert used() == ([], [])  # nothing on or before the limit: no snapshot of the kind
    set_datenstand_bis(con, None)
    assert used() == ([("dez",)], [("dez",)]) and reproduktion_bis(con) is None
    assert con.execute("SELECT count(*) FROM intern.auswahl").fetchall() == [(0,)]


def test_explicit_stichtag_of_a_reproduction_needs_a_registry_snapshot():
    from assets.staging.schema import set_datenstand_bis
    from sources.zeitraum import KeinStichtag, resolve_stichtag

    con = _selection_warehouse()
    assert resolve_stichtag(con, JUNI) == JUNI and resolve_stichtag(con, None) == DEZ
    set_datenstand_bis(con, BIS)
    assert resolve_stichtag(con, JUNI) == JUNI and resolve_stichtag(con, None) == BIS
    set_datenstand_bis(con, date(2026, 1, 1))
    with pytest.raises(KeinStichtag, match="Bis zum Datenstand 01.01.2026"):
        resolve_stichtag(con, JUNI)
    con.execute("DELETE FROM meta.dateien")
    set_datenstand_bis(con, None)
    assert resolve_stichtag(con, JUNI) == JUNI  # without a limit an explicit Stichtag stands as before


def test_in_gebrauch_reads_the_selection_or_the_files_status():
    import duckdb
    import polars as pl

    from assets.report.bericht_tables.footnotes import datenbasis, in_gebrauch
    from assets.staging.schema import set_datenstand_bis

    con = _selection_warehouse()
    set_datenstand_bis(con, BIS)
    dq = pl.DataFrame({"quelle": ["asyl"], "datei": ["asyl/teilnehmende_2026-12-31.csv"], "datenstand": [DEZ], "status": ["verwendet"]})
    basis = datenbasis(in_gebrauch(con, dq))
    assert basis.select("datei", "datenstand").rows() == [("teilnehmende_2026-09-30.csv", "30.09.2026")]
    bare = duckdb.connect()  # kennzahlen tables without the warehouse's schemas
    assert datenbasis(in_gebrauch(bare, dq))["datei"].to_list() == ["teilnehmende_2026-12-31.csv"]


def test_purge_of_people_whose_newest_registry_row_withdraws():
    from assets.staging.consent import purge_withdrawn_history

    con = _selection_warehouse()
    con.execute("DELETE FROM staging.teilnehmende")
    con.execute("UPDATE meta.dateien SET zeilen_geladen = 3, ohne_einwilligung = 0, zeilen_ausgeschlossen = 0 WHERE datei_id IN ('jun', 'dez')")
    rows = [("jun", date(2026, 6, 30), "a", date(2026, 8, 1)),  # withdrawn, not listed later: purged
            ("jun", date(2026, 6, 30), "b", date(2026, 8, 1)), ("dez", DEZ, "b", None),  # consent again later: kept
            ("jun", date(2026, 6, 30), "c", None), ("dez", DEZ, "c", date(2027, 3, 1)),  # Widerruf not yet in force: kept
            ("dez", DEZ, "d", None)]
    con.executemany("INSERT INTO staging.teilnehmende (datei_id, datenstand, zeile, tn_id, widerruf) VALUES (?, ?, 2, ?, ?)", rows)
    con.execute("INSERT INTO staging.tandems (datei_id, datenstand, zeile, tandem_id, tn_id) VALUES ('jun-t', '2026-06-30', 2, 't-a', 'a')")
    assert purge_withdrawn_history(con, HEUTE_2) == 2  # a's registry row and tandem
    assert sorted(r[0] for r in con.execute("SELECT DISTINCT tn_id FROM staging.teilnehmende").fetchall()) == ["b", "c", "d"]
    assert con.execute("SELECT count(*) FROM staging.tandems").fetchall() == [(0,)]
    # booked as excluded for consent in the file it left
    assert con.execute("SELECT zeilen_geladen, ohne_einwilligung FROM meta.dateien WHERE datei_id = 'jun'").fetchall() == [(2, 1)]
    assert purge_withdrawn_history(con, HEUTE_2) == 0


def test_datenstand_bis_needs_a_stichtag_and_is_refused_in_the_config_file(monkeypatch):
    import tempfile

    from pydantic import ValidationError

    from sources.settings import CONFIG_ENV, RunOnlyOption, Settings

    with pytest.raises(ValidationError, match="braucht einen Stichtag"):
        Settings(datenstand_bis=BIS)
    assert Settings(stichtag=JUNI, datenstand_bis=BIS).datenstand_bis == BIS
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8") as fh:
        fh.write(f"stichtag: {JUNI}\ndatenstand_bis: {BIS}\n")
        fh.flush()
        monkeypatch.setenv(CONFIG_ENV, fh.name)
        with pytest.raises(RunOnlyOption, match="gilt nur für einen Lauf"):
            Settings.load()
        fh.seek(0)
        fh.truncate()
        fh.write(f"stichtag: {JUNI}\n")
        fh.flush()
        assert Settings.load(datenstand_bis=BIS).datenstand_bis == BIS  # from the command line


def test_cli_refuses_datenstand_bis_without_stichtag_in_process(capsys):
    from pipelines.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["run", "--inbox", "eingang", "--out", "daten", "--datenstand-bis", BIS.isoformat()])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Fehler: --datenstand-bis braucht --stichtag") and err.count("\n") == 1


def test_revisions_comment_names_a_reproduction():
    from assets.metrics.berichtsreihe import REVISIONEN_KOMMENTARE, revisionen_kommentare

    assert revisionen_kommentare(None) == REVISIONEN_KOMMENTARE
    text = revisionen_kommentare(BIS)["_table"]
    assert text.startswith(REVISIONEN_KOMMENTARE["_table"]) and "Reproduktion mit den Datenständen bis 30.09.2026" in text


def test_ueberblick_am_has_every_part_and_refuses_an_open_transaction():
    import duckdb

    from assets.metrics.datenqualitaet import UEBERBLICK_ORDER
    from assets.metrics.neuberechnung import TEILE, OffeneTransaktion, ueberblick_am
    from sources.settings import Settings

    assert tuple(TEILE) == UEBERBLICK_ORDER
    con = duckdb.connect()
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(OffeneTransaktion, match="außerhalb einer offenen Transaktion"):
        ueberblick_am(con, Settings(), JUNI)
