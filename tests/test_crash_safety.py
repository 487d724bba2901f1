"""Crash safety: `phasenmonitor run` killed with SIGKILL at several points of a run.

After each kill both databases open read-only and the published reporting.duckdb is still the
previous, complete one; the next run completes the work and removes what the killed runs left
behind. The kills are triggered by what the run writes or holds open (the warehouse's WAL
appearing, the new reporting database being built, an archive temp file, an archived copy open
for reading in the staging step, reporting.duckdb replaced, the council files' scratch folder),
not by guessed sleeps, so they hit the same phase on a fast or a slow machine.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import BIN, Inbox, cli_env, count, kontakt, run, standard_rows, write_standard

HEUTE = date.today()  # the CLI judges Datenstände against today
D1 = HEUTE - timedelta(days=20)
RUN_LIMIT_S = 240


def _published(out: Path) -> dict[str, list]:
    """Every table of reporting.duckdb, read-only, as sorted rows."""
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        return {f"{s}.{t}": sorted(map(repr, con.execute(f'SELECT * FROM {s}."{t}"').fetchall())) for s, t in tables}
    finally:
        con.close()


def _warehouse_readable(out: Path) -> dict[str, str]:
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
            con.execute(f'SELECT count(*) FROM {s}."{t}"').fetchone()
        return dict(con.execute("SELECT datei, status FROM meta.dateien WHERE im_eingang").fetchall())
    finally:
        con.close()


def _kill_if(inbox: Path, out: Path, due) -> bool:
    """Start the CLI; SIGKILL it (whole process group) as soon as ``due(pid, t0)`` is true.

    Polled every ~2 ms; ``due`` looks at what the run writes or holds open, so the kill lands in
    the same phase on a fast or a slow machine."""
    t0 = time.time()
    proc = subprocess.Popen(
        [str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox), "--out", str(out)],
        env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        while proc.poll() is None and time.time() - t0 < RUN_LIMIT_S:
            if due(proc.pid, t0):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.002)
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _written(out: Path, pattern: str):
    """Due once a file matching ``OUT/pattern`` was written by this run."""
    def due(pid: int, t0: float) -> bool:
        for f in glob.glob(str(out / pattern)):
            try:
                if os.stat(f).st_mtime >= t0:
                    return True
            except OSError:
                pass
        return False
    return due


def _kill_when(inbox: Path, out: Path, pattern: str, delay_s: float = 0.0) -> bool:
    """Start the CLI; SIGKILL it once ``OUT/pattern`` is written by this run (plus ``delay_s``)."""
    written, seen_at = _written(out, pattern), []

    def due(pid: int, t0: float) -> bool:
        if not seen_at and written(pid, t0):
            seen_at.append(time.time())
        return bool(seen_at) and time.time() - seen_at[0] >= delay_s
    return _kill_if(inbox, out, due)


@pytest.mark.slow
def test_sigkill_at_several_points_leaves_previous_state_usable(tmp_path):
    inbox = Inbox(tmp_path / "inbox")
    out = tmp_path / "out"
    rows = standard_rows(n=8)
    write_standard(inbox, D1, rows)
    first = run(inbox.root, out, HEUTE)
    assert first.success, first.failures
    baseline = _published(out)

    # a new delivery: the next runs have real work to do (archive, parse, load, recompute, publish)
    rows["kontakte"].append(kontakt(2, 24))
    neu = inbox.csv(f"asyl/kontakte_{(D1 + timedelta(days=1)).isoformat()}.csv", rows["kontakte"])
    rel = neu.relative_to(inbox.root).as_posix()

    kill_points = [
        ("warehouse.duckdb.wal", 0.3),  # inside the first write transactions (raw / staging)
        ("reporting.duckdb.new", 0.0),  # while the new reporting database is being built
    ]
    for pattern, delay in kill_points:
        assert _kill_when(inbox.root, out, pattern, delay), f"the run ended before {pattern} appeared"
        # the previous, complete state: readable by an analyst right now
        assert _published(out) == baseline, pattern
        _warehouse_readable(out)

    # what a kill at other moments leaves behind (copy into the archive, council files' scratch folder)
    (out / "archiv" / ("0" * 64 + ".csv.tmp")).write_bytes(b"halb kopiert")
    (out / "bericht" / ".neu-abgebrochen").mkdir(parents=True, exist_ok=True)
    (out / "bericht" / ".neu-abgebrochen" / "sachstand.docx").write_bytes(b"halb")
    (out / "reporting.duckdb.new").write_bytes(b"kein duckdb")
    (out / "bericht" / ".datenkatalog.md.neu").write_text("halb", encoding="utf-8")
    (out / "intern").mkdir(mode=0o700, exist_ok=True)
    (out / "intern" / "datenqualitaet_2020-01-01.html.tmp").write_text("halb", encoding="utf-8")

    final = run(inbox.root, out, HEUTE)
    assert final.success, final.failures
    assert _warehouse_readable(out)[rel] == "verwendet"
    assert set(_published(out)) == set(baseline)
    con = duckdb.connect(str(out / "reporting.duckdb"), read_only=True)
    try:
        assert rel in {d for (d,) in con.execute("SELECT datei FROM kennzahlen.datenqualitaet").fetchall()}
    finally:
        con.close()
    leftovers = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*")
        if p.name.endswith((".tmp", ".new", ".neu")) or p.name.startswith(".neu-") or p.name.endswith(".new.wal")
    )
    assert leftovers == []


# --- more kill points: archive copy, staging transaction, after the swap, council files ------------

BIG_MB = 128  # a file this size keeps the archive copy and its read in staging open for a while


def _reading_big_archive_copy(out: Path):
    """Due while the run process has the archived copy of the large delivery open for reading.

    Only the staging step reads archived copies (the raw step writes ``*.tmp`` and renames them),
    inside its transaction (assets/staging/load.py::stage_kind); the large file is the last of its
    kind there (oldest Datenstand), so the newer contacts file's rows are already inserted."""
    pre = str((out / "archiv").resolve()) + os.sep

    def due(pid: int, t0: float) -> bool:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            return False
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith(pre) and not link.endswith(".tmp") and os.stat(link).st_size == BIG_MB << 20:
                    return True
            except OSError:
                continue
        return False
    return due


def _replaced(path: Path):
    """Due once ``path`` is another file (inode) than when this was called: os.replace happened."""
    ino = path.stat().st_ino

    def due(pid: int, t0: float) -> bool:
        try:
            return os.stat(path).st_ino != ino
        except OSError:
            return False
    return due


def _tables(db: Path, schemas: tuple[str, ...]) -> dict[str, tuple]:
    """Row count and an order-independent content hash of every table of ``schemas`` (read-only)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN (SELECT unnest(?)) ORDER BY 1, 2",
            [list(schemas)],
        ).fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM {s}."{t}" x').fetchone() for s, t in names}
    finally:
        con.close()


def _warehouse_state(out: Path) -> dict:
    """What the published tables are computed from, and the files' statuses; opens read-only
    (a half-written or unreadable warehouse fails here)."""
    _warehouse_readable(out)
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        dateien = dict(con.execute("SELECT datei, status FROM meta.dateien WHERE im_eingang").fetchall())
    finally:
        con.close()
    return {"dateien": dateien, "tabellen": _tables(out / "warehouse.duckdb", ("aktuell", "kennzahlen", "bericht"))}


def _council_files(out: Path) -> dict[str, tuple[int, int]]:
    """Council files in bericht/: name -> (inode, size). Not the scratch folders, and not the data
    catalogue, which belongs to the publication (written right after the swap)."""
    return {
        p.name: (p.stat().st_ino, p.stat().st_size) for p in (out / "bericht").iterdir()
        if not p.name.startswith(".") and p.name != "datenkatalog.md"
    }


def _leftovers(out: Path) -> list[str]:
    return sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*")
        if p.name.endswith((".tmp", ".new", ".neu")) or p.name.startswith(".neu-") or p.name.endswith(".new.wal")
    )


@pytest.mark.slow
def test_sigkill_during_archive_copy_staging_swap_and_council_files(tmp_path):
    """Four more kill points of a real run on a new delivery, one after the other on the same OUT:

    1. while ``archiv/*.tmp`` exists (copy into the archive, inside the raw step's transaction);
    2. while the staging step reads an archived file (inside the staging step's DuckDB
       transaction, after it has already inserted the rows of another new file);
    3. right after reporting.duckdb was swapped in, before the council files are complete;
    4. while ``bericht/.neu-*`` holds council files being written.

    A delivery of BIG_MB (NUL bytes, rejected as undecodable) makes 1 and 2 last long enough to
    be hit by polling; it is part of the inbox of the uninterrupted reference run too.
    """
    inbox = Inbox(tmp_path / "inbox")
    out, ref = tmp_path / "out", tmp_path / "ref"
    rows = standard_rows(n=8)
    write_standard(inbox, D1, rows)
    first = run(inbox.root, out, HEUTE)
    assert first.success, first.failures
    shutil.copytree(out, ref)  # the same starting point for the uninterrupted reference run
    baseline, baseline_wh, baseline_files = _published(out), _warehouse_state(out), _council_files(out)

    # the new delivery: a further contacts export, and a large one that the staging step rejects
    rows["kontakte"].append(kontakt(2, 24))
    neu = inbox.csv(f"asyl/kontakte_{(D1 + timedelta(days=1)).isoformat()}.csv", rows["kontakte"])
    rel_neu = neu.relative_to(inbox.root).as_posix()
    gross = inbox.path(f"asyl/kontakte_{(D1 - timedelta(days=2)).isoformat()}.csv")
    with open(gross, "wb") as fh:
        fh.truncate(BIG_MB << 20)  # sparse: costs no time to write here
    rel_gross = gross.relative_to(inbox.root).as_posix()

    uninterrupted = run(inbox.root, ref, HEUTE)
    assert uninterrupted.success, uninterrupted.failures
    reference, reference_wh, reference_files = _published(ref), _warehouse_state(ref), _council_files(ref)
    assert reference_wh["dateien"][rel_neu] == "verwendet"
    assert reference_wh["dateien"][rel_gross] == "abgelehnt"
    assert reference != baseline  # the delivery changes the published tables

    # 1. archive copy: the raw step's transaction (registration) rolls back, nothing registered
    assert _kill_if(inbox.root, out, _written(out, "archiv/*.tmp")), "run ended before archiv/*.tmp appeared"
    assert glob.glob(str(out / "archiv" / "*.tmp")), "no archive temp file left: the kill missed the copy"
    assert _published(out) == baseline
    assert _warehouse_state(out) == baseline_wh
    assert _council_files(out) == baseline_files

    # 2. staging transaction: the new contacts file was parsed and inserted, the large one is being read
    assert _kill_if(inbox.root, out, _reading_big_archive_copy(out)), "run ended before staging read the archive"
    assert _published(out) == baseline
    state = _warehouse_state(out)
    assert state["tabellen"] == baseline_wh["tabellen"]  # aktuell, kennzahlen, bericht untouched
    # registration committed in the raw step; the staging step's writes rolled back
    assert state["dateien"] == {**baseline_wh["dateien"], rel_neu: "neu", rel_gross: "neu"}
    assert count(out, "staging.kontakte", "datei_id IN (SELECT datei_id FROM meta.dateien WHERE datei = ?)", [rel_neu]) == 0
    assert _council_files(out) == baseline_files

    # 3. right after the swap: the new reporting.duckdb is complete, the council files are the old ones
    assert _kill_if(inbox.root, out, _replaced(out / "reporting.duckdb")), "run ended before reporting.duckdb was replaced"
    assert _published(out) == reference
    assert _warehouse_state(out) == reference_wh
    assert _council_files(out) == baseline_files, "council files changed: the kill came after they were complete"

    # 4. council files being written in bericht/.neu-*: the ones in bericht/ stay the old, complete set
    assert _kill_when(inbox.root, out, "bericht/.neu-*/diagramm_*.png"), "run ended before bericht/.neu-* was written"
    assert glob.glob(str(out / "bericht" / ".neu-*" / "*")), "scratch folder gone: the kill missed the council files"
    assert _published(out) == reference
    assert _warehouse_state(out) == reference_wh
    assert _council_files(out) == baseline_files

    # the next run completes the work: the same as the uninterrupted run, nothing left behind
    final = subprocess.run(
        [str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox.root), "--out", str(out)],
        env=cli_env(), capture_output=True, text=True, timeout=RUN_LIMIT_S,
    )
    assert final.returncode == 0, final.stderr[-3000:]
    assert _published(out) == reference
    assert _warehouse_state(out) == reference_wh
    final_files = _council_files(out)
    assert set(final_files) == set(reference_files)
    for name, (ino, _) in final_files.items():
        assert ino != baseline_files.get(name, (None,))[0], f"{name} was not rewritten"
        if name.endswith((".csv", ".png")):  # byte-identical; DOCX and XLSX carry their creation time
            assert (out / "bericht" / name).read_bytes() == (ref / "bericht" / name).read_bytes(), name
        else:
            with zipfile.ZipFile(out / "bericht" / name) as z:
                assert z.testzip() is None, name
    katalog = "bericht/datenkatalog.md"
    assert (out / katalog).read_text(encoding="utf-8") == (ref / katalog).read_text(encoding="utf-8")
    assert _leftovers(out) == []
