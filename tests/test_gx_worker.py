"""The GX helper process (checks/gx_worker.py, checks/gx_worker_process.py): it decides exactly
what GX in the run's own process decides, never sees the pseudonymisation key, and a dead helper
changes nothing but where GX runs. A run with new files starts it; a run with nothing new does
not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import dq_support as dq
from checks import contract_suites as cs
from checks import gx_validation as gv
from checks import gx_worker
from conftest import BIN, KEY, PIPELINE_ROOT, cli_env
from sources.kinds import BY_NAME
from sources.key_names import KEY_ENV
from test_contract_suites import break_frame, demo_frame


@pytest.fixture
def worker():
    gx_worker.stop()
    assert gx_worker.start()
    yield
    gx_worker.stop()


def _bad_frames():
    """One frame per kind that breaks two different expectations of its suite."""
    for name in ("teilnehmende", "kontakte", "kursteilnahmen"):
        kind = BY_NAME[name]
        specs = [s for s in cs.expectation_specs(kind) if s.regel in ("pflichtwert", "code", "bereich", "eindeutig")][:2]
        bad = demo_frame(name)
        for spec in specs:
            bad = break_frame(kind, spec, bad)
        yield kind, bad


def test_helper_and_own_process_decide_the_same(worker):
    for kind, bad in _bad_frames():
        remote = gx_worker.validate(kind, bad, None)
        assert remote is not None, "the helper did not answer"
        local = gv.validate_local(kind, bad)
        assert not local.erfolgreich
        assert (remote.erfolgreich, remote.ergebnisse, remote.zeilen) == (local.erfolgreich, local.ergebnisse, local.zeilen)
        # validate_frame goes through the helper while it runs
        assert gv.validate_frame(kind, bad).ergebnisse == local.ergebnisse


def test_dead_helper_falls_back_to_the_own_process(worker):
    kind, bad = next(_bad_frames())
    gx_worker._proc.kill()
    gx_worker._proc.wait()
    assert gx_worker.validate(kind, bad, None) is None
    res = gv.validate_frame(kind, bad)
    assert not res.erfolgreich and res.ergebnisse == gv.validate_local(kind, bad).ergebnisse


def test_helper_environment_has_no_key(worker, monkeypatch):
    gx_worker.stop()
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    assert gx_worker.start()
    environ = Path(f"/proc/{gx_worker._proc.pid}/environ").read_bytes().split(b"\0")
    assert not any(e.startswith(KEY_ENV.encode() + b"=") for e in environ)
    assert KEY not in b"\0".join(environ)


RUN = (
    "import sys\n"
    "from pathlib import Path\n"
    "from datetime import date\n"
    "from checks import gx_worker\n"
    "from sources.settings import Settings\n"
    "from pipelines.runner import run_pipeline\n"
    "s = run_pipeline(Settings(inbox=Path(sys.argv[1]), out=Path(sys.argv[2]), heute=date(2026, 11, 25)), key=sys.argv[3].encode())\n"
    "print('ERFOLG', s.success, 'HELFER', gx_worker.STARTS, 'GX', 'great_expectations' in sys.modules)\n"
)


def test_a_run_with_new_files_validates_in_the_helper(tmp_path):
    """Fresh process: the run starts the helper and never imports GX itself."""
    inbox, out = dq.demo_inbox(), tmp_path / "out"  # empty data folder: every file is new
    proc = subprocess.run(
        [str(BIN / "python"), "-c", RUN, str(inbox), str(out), KEY.decode()],
        cwd=PIPELINE_ROOT, env=cli_env(), capture_output=True, text=True, timeout=300,
    )
    assert "ERFOLG True HELFER 1 GX False" in proc.stdout, proc.stdout + proc.stderr[-3000:]
    rows = dq.query(out / "warehouse.duckdb", "SELECT count(*), bool_and(erfolgreich) FROM meta.vertragspruefung WHERE ort = 'laden'")
    assert rows[0][0] >= 8 and rows[0][1]


def test_block_validation_gives_the_verdict_and_counts_of_one_pass(monkeypatch):
    """Large frames are validated in blocks (row rules) plus one pass over the key (uniqueness):
    the same result as one pass, also for a key duplicated across blocks."""
    gx_worker.stop()  # in-process, so that the monkeypatched block size applies
    for kind, bad in _bad_frames():
        if kind.key:  # an early and the last row share a key: no block sees both
            early = bad[kind.key].drop_nulls()[1]
            bad = bad.with_columns(bad[kind.key].scatter(bad.height - 1, early))
        one = gv.validate_local(kind, bad)
        # three blocks: the early row and the last one never meet in one of them
        monkeypatch.setattr(gv, "GX_BLOCK_ROWS", bad.height // 3 + 1)
        blocks = gv.validate_local(kind, bad)
        monkeypatch.undo()
        assert not one.erfolgreich
        assert (blocks.erfolgreich, blocks.ergebnisse, blocks.zeilen) == (one.erfolgreich, one.ergebnisse, one.zeilen)
        if kind.key:
            eindeutig = next(e for e in blocks.ergebnisse if e.regel == "eindeutig")
            assert not eindeutig.erfolgreich


def test_rows_cross_the_pipe_in_blocks_unchanged(worker, monkeypatch):
    """Frames go to the helper in blocks of PIPE_BLOCK_ROWS rows: the helper validates the
    reassembled frame (a key duplicated across blocks is still found)."""
    monkeypatch.setattr(gx_worker, "PIPE_BLOCK_ROWS", 5)
    for kind, bad in _bad_frames():
        if kind.key:
            bad = bad.with_columns(bad[kind.key].scatter(bad.height - 1, bad[kind.key].drop_nulls()[1]))
        remote = gx_worker.validate(kind, bad, None)
        assert remote is not None
        local = gv.validate_local(kind, bad)
        assert (remote.erfolgreich, remote.ergebnisse, remote.zeilen) == (local.erfolgreich, local.ergebnisse, local.zeilen)
