"""Publication of reporting.duckdb: complete copy with comments, atomic swap, readers unharmed.

Readers run in separate processes (as analysts do): DuckDB caches database instances per path
within one process, which would hide exactly the effects under test.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from assets.report.bericht_tables import build_bericht_tables
from assets.report.publish import KATALOG, publish_reporting
from sources.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from test_bericht_outputs import STICHTAG, kennzahlen_db  # noqa: E402
from conftest import BIN, Inbox, cli_env, run, standard_rows, write_standard  # noqa: E402

PUBLISHED = ("kennzahlen", "bericht", "bericht_werte")  # the schemas of reporting.duckdb (docs/kennzahlen.md, version 2)

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[1]


def _warehouse(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Settings]:
    out = tmp_path / "out"
    out.mkdir()
    path = kennzahlen_db(out / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    settings = Settings(out=out)
    build_bericht_tables(con, settings, STICHTAG)
    # restricted microdata that must never be published
    con.execute("CREATE SCHEMA aktuell")
    con.execute("CREATE TABLE aktuell.teilnehmende AS SELECT 'tn-pseudonym' AS tn_id")
    # a view in a published schema is materialised
    con.execute("CREATE VIEW kennzahlen.vermittlungen_je_art AS SELECT integrationsart, sum(anzahl) AS anzahl FROM kennzahlen.vermittlungen GROUP BY ALL ORDER BY 1")
    con.execute("COMMENT ON VIEW kennzahlen.vermittlungen_je_art IS 'Vermittlungen je Integrationsart seit Programmstart'")
    con.execute("INSERT INTO kennzahlen.ueberblick VALUES ('version', 0)")
    return con, settings


def _objects(con, db: str) -> dict[tuple[str, str], str | None]:
    return {(s, t): c for s, t, c in con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = ? "
        "UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() WHERE database_name = ? AND NOT internal "
        "AND schema_name IN ('kennzahlen', 'bericht', 'bericht_werte')", [db, db]).fetchall()}


def test_publish_copies_tables_comments_and_writes_catalogue(tmp_path):
    con, settings = _warehouse(tmp_path)
    path = publish_reporting(con, settings)
    assert path == settings.reporting_path and path.exists()
    assert not Path(str(path) + ".new").exists() and not Path(str(path) + ".wal").exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    src = {k: v for k, v in _objects(con, con.execute("SELECT current_database()").fetchall()[0][0]).items() if k[0] in PUBLISHED}
    con.close()

    r = duckdb.connect(str(path), read_only=True)
    pub = _objects(r, r.execute("SELECT current_database()").fetchall()[0][0])
    assert set(pub) == set(src)  # every table and view of the three schemas, nothing else
    assert {s for s, _ in pub} == set(PUBLISHED)
    assert pub == src  # table comments re-applied (views: as table comments)
    assert r.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]  # materialised
    cols = r.execute("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name IN ('bericht', 'bericht_werte')").fetchall()
    assert cols and all(c for _, _, c in cols)
    assert r.execute("SELECT comment FROM duckdb_columns() WHERE schema_name = 'kennzahlen' AND table_name = 'ueberblick' AND column_name = 'wert'").fetchall() == [("Wert der Kennzahl",)]
    # row order survives the copy (the council tables are read in order)
    assert [k for (k,) in r.execute("SELECT quartal FROM bericht.phasen_quartale").fetchall()][0] == "1. Quartal 2024"
    katalog = (settings.bericht_dir / KATALOG).read_text(encoding="utf-8")
    for (schema, table) in pub:
        assert f"## `{schema}.{table}`" in katalog
    for table, column, comment in cols:
        assert f"| `{column}` |" in katalog and comment.replace("|", "\\|") in katalog
    assert "aktuell" not in katalog and "tn-pseudonym" not in katalog
    r.close()


READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    path, mode, stop, ready, result = sys.argv[1:6]
    errors, versions, queries = [], set(), 0
    con = duckdb.connect(path, read_only=True) if mode == "offen" else None
    first = None
    import os
    while not os.path.exists(stop):
        try:
            c = con or duckdb.connect(path, read_only=True)
            v = c.execute("SELECT wert FROM kennzahlen.ueberblick WHERE kennzahl = 'version'").fetchall()[0][0]
            n = c.execute("SELECT count(*) FROM bericht.ueberblick").fetchall()[0][0]
            assert n > 0
            versions.add(v)
            if first is None:
                first = v
                open(ready, "w").close()
            if con is None:
                c.close()
            queries += 1
        except Exception as exc:
            errors.append(repr(exc))
    json.dump({"errors": errors[:20], "n_errors": len(errors), "versions": sorted(versions), "queries": queries}, open(result, "w"))
    """
)


def _reader(tmp_path: Path, path: Path, mode: str):
    script = tmp_path / "reader.py"
    script.write_text(READER)
    stop, ready, result = tmp_path / f"stop_{mode}", tmp_path / f"ready_{mode}", tmp_path / f"result_{mode}.json"
    p = subprocess.Popen([PYTHON, str(script), str(path), mode, str(stop), str(ready), str(result)], cwd=ROOT)
    return p, stop, ready, result


def test_readers_never_see_errors_during_repeated_publishes(tmp_path):
    con, settings = _warehouse(tmp_path)
    path = publish_reporting(con, settings)
    readers = [_reader(tmp_path, path, mode) for mode in ("neu", "offen")]
    deadline = time.time() + 60
    while not all(r[2].exists() for r in readers):
        assert time.time() < deadline, "reader did not start"
        assert all(r[0].poll() is None for r in readers)
        time.sleep(0.05)
    for i in range(1, 16):
        con.execute("UPDATE kennzahlen.ueberblick SET wert = ? WHERE kennzahl = 'version'", [i])
        publish_reporting(con, settings)
    time.sleep(0.3)
    results = {}
    for proc, stop, _, result in readers:
        stop.touch()
        proc.wait(timeout=60)
        results[result.name] = json.loads(result.read_text())
    neu, offen = results["result_neu.json"], results["result_offen.json"]
    assert neu["n_errors"] == 0, neu["errors"]
    assert offen["n_errors"] == 0, offen["errors"]
    assert neu["queries"] > 10 and offen["queries"] > 10
    # a reader that reconnects sees the new versions; one that keeps its connection keeps reading
    # the file it opened (the old inode), consistently
    assert len(neu["versions"]) >= 2 and neu["versions"][-1] == 15.0
    assert offen["versions"] == [0.0]
    r = subprocess.run([PYTHON, "-c", "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); "
                        "print(c.execute(\"SELECT wert FROM kennzahlen.ueberblick WHERE kennzahl='version'\").fetchall()[0][0])", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "15.0", r.stderr
    con.close()


# --- readers during a real `phasenmonitor run` ------------------------------------------------------

# One snapshot of the whole published database through one connection: every table's row count
# and content hash (a half-written or mixed state shows as a fingerprint that is neither the old
# nor the new one), and what an analyst would look at: the files in kennzahlen.datenqualitaet and
# their newest Datenstand. Shared by the reader processes and the test.
FINGERPRINT = textwrap.dedent(
    """
    def fingerprint(con):
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        parts = [[f"{s}.{t}", *map(str, con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM {s}."{t}" x').fetchone())]
                 for s, t in names]
        n, stand = con.execute("SELECT count(*), max(datenstand)::VARCHAR FROM kennzahlen.datenqualitaet").fetchone()
        return parts, [n, stand]
    """
)

RUN_READER = FINGERPRINT + textwrap.dedent(
    """
    import json, os, sys, time, duckdb
    path, mode, stop, ready, result = sys.argv[1:6]
    held = duckdb.connect(path, read_only=True) if mode == "offen" else None
    errors, seen, runs, queries = [], [], [], 0  # runs: [index into seen, queries, first t, last t]
    while not os.path.exists(stop):
        try:
            con = held or duckdb.connect(path, read_only=True)
            try:
                fp = fingerprint(con)
            finally:
                if held is None:
                    con.close()
            now = time.time()
            if fp not in seen:
                seen.append(fp)
            i = seen.index(fp)
            if runs and runs[-1][0] == i:
                runs[-1][1] += 1
                runs[-1][3] = now
            else:
                runs.append([i, 1, now, now])
            queries += 1
            if queries == 1:
                open(ready, "w").close()
        except Exception as exc:
            errors.append(repr(exc))
        # a short breath between queries: on a small machine a spinning reader would mostly slow
        # the run down; the held connection cannot change, so it reads less often
        time.sleep(0.02 if held is not None else 0.005)
    json.dump({"errors": errors[:20], "n_errors": len(errors), "seen": seen, "runs": runs, "queries": queries}, open(result, "w"))
    """
)


def _fingerprint(path: Path):
    ns: dict = {}
    exec(FINGERPRINT, ns)
    con = duckdb.connect(str(path), read_only=True)
    try:
        return json.loads(json.dumps(ns["fingerprint"](con)))  # as the readers report it (lists)
    finally:
        con.close()


@pytest.mark.slow
def test_readers_during_a_real_run_see_old_then_new_never_an_error(tmp_path):
    """Analysts query reporting.duckdb in a loop while ``phasenmonitor run`` (the real command, its
    own process) loads a new delivery and publishes: no error, the complete old database before the
    swap, the complete new one after it, nothing in between.

    One reader connects anew for every query (sees the swap); one keeps its connection open for
    the whole run (keeps reading the old file, and does not stand in the run's way)."""
    heute = date.today()  # the CLI judges Datenstände against today
    d1, d2 = heute - timedelta(days=20), heute - timedelta(days=6)
    inbox, out = Inbox(tmp_path / "inbox"), tmp_path / "out"
    write_standard(inbox, d1, standard_rows(n=8))
    first = run(inbox.root, out, heute)
    assert first.success, first.failures
    path = out / "reporting.duckdb"
    alt = _fingerprint(path)
    assert alt[1] == [8, d1.isoformat()]
    # the next delivery: every export again, newer Datenstand, two more participants
    write_standard(inbox, d2, standard_rows(n=10))

    script = tmp_path / "run_reader.py"
    script.write_text(RUN_READER)
    readers = {}
    for mode in ("neu", "offen"):
        stop, ready, result = tmp_path / f"stop_{mode}", tmp_path / f"ready_{mode}", tmp_path / f"result_{mode}.json"
        proc = subprocess.Popen([PYTHON, str(script), str(path), mode, str(stop), str(ready), str(result)], cwd=tmp_path)
        readers[mode] = (proc, stop, ready, result)
    try:
        deadline = time.time() + 60
        while not all(r[2].exists() for r in readers.values()):
            assert time.time() < deadline, "reader did not start"
            assert all(r[0].poll() is None for r in readers.values()), "reader died"
            time.sleep(0.02)

        t_start = time.time()
        cli = subprocess.run(
            [str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox.root), "--out", str(out)],
            env=cli_env(), capture_output=True, text=True, timeout=600,
        )
        t_end = time.time()
        time.sleep(0.3)  # a few more queries after the run
    finally:
        for proc, stop, _, _ in readers.values():
            stop.touch()
        for proc, *_ in readers.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    results = {mode: json.loads(result.read_text()) for mode, (_, _, _, result) in readers.items()}
    assert cli.returncode == 0, cli.stderr[-3000:]

    neu = _fingerprint(path)
    assert neu[1] == [16, d2.isoformat()]  # the new delivery is published
    assert neu != alt
    for mode, res in results.items():
        assert res["n_errors"] == 0, (mode, res["errors"])

    # reconnecting reader: the old database, then the new one, in this order, and nothing else
    r = results["neu"]
    assert r["seen"] == [alt, neu], [s[1] for s in r["seen"]]
    assert [i for i, *_ in r["runs"]] == [0, 1]
    (_, n_alt, _, last_alt), (_, n_neu, first_neu, _) = r["runs"]
    # it read the old file while the run was under way, and the new one before the run ended
    # (the council files are written after the swap)
    assert last_alt > t_start and first_neu < t_end, (t_start, last_alt, first_neu, t_end)
    assert n_alt > 5 and n_neu > 5, r["runs"]
    # the held connection kept reading the file it opened, through the whole run
    h = results["offen"]
    assert h["seen"] == [alt]
    assert h["runs"][0][2] < t_start and h["runs"][0][3] > t_end and h["queries"] > 20


CRASHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import duckdb
    from sources.settings import Settings
    from assets.report.publish import publish_reporting
    out = Path(sys.argv[1])
    con = duckdb.connect(str(out / "warehouse.duckdb"))
    open(out / "gestartet", "w").close()
    publish_reporting(con, Settings(out=out))
    """
)


def test_kill_during_publish_keeps_the_last_good_file(tmp_path):
    con, settings = _warehouse(tmp_path)
    publish_reporting(con, settings)
    # enough data that the copy takes a moment, so the kill lands in the middle
    con.execute("CREATE TABLE kennzahlen.gross AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(3000000)")
    con.execute("UPDATE kennzahlen.ueberblick SET wert = 1 WHERE kennzahl = 'version'")
    con.close()
    out = settings.out
    script = tmp_path / "crash.py"
    script.write_text(CRASHER)
    p = subprocess.Popen([PYTHON, str(script), str(out)], cwd=ROOT)
    deadline = time.time() + 60
    while not (out / "gestartet").exists():
        assert time.time() < deadline and p.poll() is None
        time.sleep(0.01)
    time.sleep(0.4)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    # the published file is a complete database: the old one, or (if the kill came after the
    # swap) the new one; never a half-written one
    r = subprocess.run([PYTHON, "-c", "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); "
                        "print(c.execute(\"SELECT wert FROM kennzahlen.ueberblick WHERE kennzahl='version'\").fetchall()[0][0]); "
                        "print(c.execute('SELECT count(*) FROM bericht.ueberblick').fetchall()[0][0])", str(settings.reporting_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    version, n = r.stdout.split()
    assert version in ("0.0", "1.0") and int(n) > 0
    # the next run cleans up whatever the killed one left and publishes
    con = duckdb.connect(str(out / "warehouse.duckdb"))
    publish_reporting(con, settings)
    con.close()
    assert not Path(str(settings.reporting_path) + ".new").exists()
    c = duckdb.connect(str(settings.reporting_path), read_only=True)
    assert c.execute("SELECT count(*) FROM kennzahlen.gross").fetchall() == [(3000000,)]
    c.close()


def test_failed_publish_leaves_previous_file(tmp_path):
    con, settings = _warehouse(tmp_path)
    publish_reporting(con, settings)
    before = settings.reporting_path.read_bytes()
    # a view that cannot be read (its table is gone): the copy fails half-way
    con.execute("CREATE TABLE kennzahlen.weg AS SELECT 1 AS x")
    con.execute("CREATE VIEW kennzahlen.zz_kaputt AS SELECT * FROM kennzahlen.weg")
    con.execute("DROP TABLE kennzahlen.weg")
    with pytest.raises(duckdb.Error):
        publish_reporting(con, settings)
    assert settings.reporting_path.read_bytes() == before
    assert not Path(str(settings.reporting_path) + ".new").exists()
    # the connection is usable afterwards (the new file was detached)
    assert con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE 'phasenmonitor_%'").fetchall() == [(0,)]
    con.close()
