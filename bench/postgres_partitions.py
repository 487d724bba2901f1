"""The scale-out path on one machine: PostgreSQL run storage and one partition per municipality.

    .venv/bin/python bench/postgres_partitions.py [--teilnehmende 100] [--keep DIR] [--install]

1. finds PostgreSQL's server binaries (Debian: /usr/lib/postgresql/<version>/bin); with
   ``--install`` and when run as root, installs them with ``apt-get install -y postgresql`` if
   missing. Without them it exits with status 77 ("skipped") and says why;
2. creates a throw-away cluster (initdb, as the ``postgres`` user when run as root) in a temp
   directory and starts it on 127.0.0.1 only, on a free port, socket in the temp directory;
3. writes a Dagster instance (``DAGSTER_HOME/dagster.yaml``) whose run, event-log and schedule
   storage is ``dagster_postgres`` on that server;
4. generates two demo inboxes, ``INBOX/hilden`` and ``INBOX/haan`` (different seeds), and
   runs the partitions ``hilden`` and ``haan`` of the job ``nachtlauf_kommunen``
   (pipelines/partitions.py, run by pipelines/runner.py) **at the same time** in two processes, as two workers of a
   Celery/Kubernetes deployment would;
5. verifies that both ``OUT/<kommune>/reporting.duckdb`` exist and that PostgreSQL holds both
   runs (status SUCCESS, tag ``dagster/partition``), prints a JSON summary, stops the server and
   removes everything (``--keep DIR`` keeps the files there instead).

Exit status 0 when both partitions succeeded and are recorded in PostgreSQL.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KOMMUNEN = {"hilden": 2024, "haan": 2025}
DEMO_KEY = "DEMO-KEY-nur-fuer-synthetische-Testdaten"
SKIP = 77


def pg_bindir(install: bool) -> Path | None:
    def find() -> Path | None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
        return Path(found[-1]).parent if found else None

    bindir = find()
    if bindir is None and install and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=False, env=env, stdout=subprocess.DEVNULL)
        bindir = find()
    return bindir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A private PostgreSQL server for this script only (trust auth, 127.0.0.1, temp directory)."""

    def __init__(self, bindir: Path, base: Path):
        self.bindir, self.base = bindir, base
        self.data, self.sock = base / "pgdata", base / "pgsock"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _cmd(self, *argv: str) -> list[str]:
        # initdb and postgres refuse to run as root: use the postgres user of the Debian package.
        return ["runuser", "-u", "postgres", "--", *argv] if self.as_root else list(argv)

    def start(self) -> None:
        self.sock.mkdir(parents=True)
        if self.as_root:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sock, "postgres")
        subprocess.run(self._cmd(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                 "--no-sync"), check=True, stdout=subprocess.DEVNULL)
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sock} -c fsync=off"
        subprocess.run(self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "postgres.log"),
                                 "-o", opts, "-w", "-t", "60", "start"), check=True, stdout=subprocess.DEVNULL)
        subprocess.run(self._cmd(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "dagster"),
                       check=True)

    def stop(self) -> None:
        subprocess.run(self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def query(self, sql: str) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="dagster") as con, con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()


INSTANCE_YAML = """\
# Written by bench/postgres_partitions.py: every storage in PostgreSQL (as a distributed deployment).
storage:
  postgres:
    postgres_db:
      username: postgres
      password: ""
      hostname: 127.0.0.1
      db_name: dagster
      port: {port}
      scheme: postgresql+psycopg2   # the driver in requirements.lock (SQLAlchemy's default would be psycopg 3)
telemetry:
  enabled: false
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--teilnehmende", type=int, default=100)
    p.add_argument("--keep", type=Path, default=None, help="keep inboxes, outputs and the instance here (the server is stopped)")
    p.add_argument("--install", action="store_true", help="apt-get install postgresql when its binaries are missing (root only)")
    args = p.parse_args(argv)

    bindir = pg_bindir(args.install)
    if bindir is None:
        print("übersprungen: keine PostgreSQL-Serverprogramme (/usr/lib/postgresql/*/bin); "
              "apt-get install -y postgresql oder --install als root", file=sys.stderr)
        return SKIP
    base = Path(tempfile.mkdtemp(prefix="phasenmonitor_pg_"))
    os.chmod(base, 0o755)
    work = args.keep or base
    inbox, out, home = work / "eingang", work / "daten", work / "dagster_home"
    for d in (inbox, out, home):
        d.mkdir(parents=True, exist_ok=True)
    pg = Postgres(bindir, base)
    summary: dict = {"postgres": str(bindir), "kommunen": {}}
    t0 = time.perf_counter()
    try:
        pg.start()
        summary["port"] = pg.port
        (home / "dagster.yaml").write_text(INSTANCE_YAML.format(port=pg.port), encoding="utf-8")
        config = work / "phasenmonitor.yaml"
        config.write_text("kommunen: [" + ", ".join(KOMMUNEN) + "]\n", encoding="utf-8")
        env = {**os.environ, "DAGSTER_HOME": str(home), "PHASENMONITOR_INBOX": str(inbox), "PHASENMONITOR_OUT": str(out),
               "PHASENMONITOR_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
        env.setdefault("PHASENMONITOR_PSEUDONYM_KEY", DEMO_KEY)
        for kommune, seed in KOMMUNEN.items():
            subprocess.run([sys.executable, "-m", "pipelines.cli", "demo-data", "--out", str(inbox / kommune),
                            "--teilnehmende", str(args.teilnehmende), "--seed", str(seed)], check=True, cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL)
        # Create the storage tables once (the workers would otherwise race to migrate them).
        subprocess.run([sys.executable, "-c", "import dagster as dg; dg.DagsterInstance.get().get_runs(limit=1)"],
                       check=True, cwd=ROOT, env=env)
        # Both partitions at once, as two workers would: different warehouses, one run storage.
        t1 = time.perf_counter()
        procs = {k: subprocess.Popen([sys.executable, "-m", "pipelines.runner", k], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in KOMMUNEN}
        for k, proc in procs.items():
            stdout, stderr = proc.communicate()
            summary["kommunen"][k] = {"exit": proc.returncode, "ausgabe": stdout.strip(),
                                      "reporting_duckdb": (out / k / "reporting.duckdb").is_file()}
            if proc.returncode != 0:
                summary["kommunen"][k]["fehler"] = stderr.strip().splitlines()[-20:]
        summary["parallel_s"] = round(time.perf_counter() - t1, 1)
        try:
            rows = pg.query(
            "SELECT t.value, r.status, r.pipeline_name FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
            "WHERE t.key = 'dagster/partition' ORDER BY t.value"
            )
            summary["postgres_events"] = pg.query("SELECT count(*) FROM event_logs")[0][0]
        except Exception as exc:  # no tables: no run reached the storage
            rows, summary["postgres_fehler"] = [], f"{type(exc).__name__}: {exc}".strip()
        summary["postgres_runs"] = [{"partition": v, "status": s, "job": j} for v, s, j in rows]
    finally:
        pg.stop()
        summary["gesamt_s"] = round(time.perf_counter() - t0, 1)
        shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    ok = (
        all(v["exit"] == 0 and v["reporting_duckdb"] for v in summary["kommunen"].values())
        and sorted((r["partition"], r["status"]) for r in summary["postgres_runs"]) == sorted((k, "SUCCESS") for k in KOMMUNEN)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
