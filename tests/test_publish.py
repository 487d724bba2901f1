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
from pathlib import Path

import duckdb
import pytest

from assets.report.bericht_tables import build_bericht_tables
from assets.report.publish import KATALOG, publish_reporting
from pipelines.config import Settings

sys.path.insert(0, str(Path(__file__).parent))
from test_bericht_outputs import STICHTAG, kennzahlen_db  # noqa: E402

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
        "AND schema_name IN ('kennzahlen', 'bericht')", [db, db]).fetchall()}


def test_publish_copies_tables_comments_and_writes_catalogue(tmp_path):
    con, settings = _warehouse(tmp_path)
    path = publish_reporting(con, settings)
    assert path == settings.reporting_path and path.exists()
    assert not Path(str(path) + ".new").exists() and not Path(str(path) + ".wal").exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    src = {k: v for k, v in _objects(con, con.execute("SELECT current_database()").fetchall()[0][0]).items() if k[0] in ("kennzahlen", "bericht")}
    con.close()

    r = duckdb.connect(str(path), read_only=True)
    pub = _objects(r, r.execute("SELECT current_database()").fetchall()[0][0])
    assert set(pub) == set(src)  # every table and view of both schemas, nothing else
    assert {s for s, _ in pub} == {"kennzahlen", "bericht"}
    assert pub == src  # table comments re-applied (views: as table comments)
    assert r.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]  # materialised
    cols = r.execute("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'bericht'").fetchall()
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


CRASHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import duckdb
    from pipelines.config import Settings
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
