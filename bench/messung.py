"""What bench/run_bench.py measures in child processes: the file floor, the import floor, the run;
and the machine and load the figures were taken on (issue 16, "the benchmark tells the truth on
any machine").

The **import floor** is a fresh interpreter that imports the libraries a run uses one after
another and nothing else: the least a Hilden-scale run could cost on this machine, however little
data it has. Its wall and CPU seconds are recorded beside the file floor's.
"""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The libraries of a full run (report included), in the order the issue measures them.
IMPORT_FLOOR_LIBRARIES = ("dagster", "polars", "duckdb", "great_expectations", "matplotlib.pyplot", "docx",
                          "xlsxwriter", "fastexcel")
IMPORT_FLOOR_CHILD = "import " + ", ".join(IMPORT_FLOOR_LIBRARIES)
RSS_SAMPLE_S = 0.1  # often enough to see the GX helper's peak, rare enough not to load the machine

# The file floor: every export file read once into a DuckDB table, nothing else (all columns as
# text; rows with too few fields padded, not rejected: no validation).
FLOOR_CHILD = r"""
import json, re, sys, tempfile, time
from pathlib import Path
t0 = time.perf_counter()
import duckdb, fastexcel
inbox, out_json = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(str(Path(sys.argv[3]) / "floor.duckdb"))
C1 = re.compile(rb"[\x80-\x9f]")
files, rows, transcoded = [], 0, 0
for i, path in enumerate(sorted(p for p in inbox.rglob("*") if p.suffix.lower() in (".csv", ".xlsx"))):
    t = time.perf_counter()
    table = f"t{i}"
    if path.suffix.lower() == ".xlsx":
        frame = fastexcel.read_excel(str(path)).load_sheet(0).to_arrow()
        con.register("_x", frame)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM _x").fetchall()
        con.unregister("_x")
        enc = "xlsx"
    else:
        src = str(path)
        try:
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, delim=';', header=true, all_varchar=true, "
                        "strict_mode=false, null_padding=true)", [src]).fetchall()
            enc = "utf-8"
        except duckdb.Error:
            data = path.read_bytes()
            if C1.search(data):  # Windows-1252 beyond Latin-1: DuckDB cannot read it, transcode
                tmp = Path(tempfile.mkdtemp()) / "utf8.csv"
                tmp.write_bytes(data.decode("cp1252").encode("utf-8"))
                src, enc, transcoded = str(tmp), "cp1252->utf-8", transcoded + 1
                opts = ""
            else:
                enc, opts = "latin-1", ", encoding='latin-1'"
            del data
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, delim=';', header=true, all_varchar=true, "
                        f"strict_mode=false, null_padding=true{opts})", [src]).fetchall()
    n = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    rows += n
    files.append({"datei": str(path.relative_to(inbox)), "zeilen": n, "kodierung": enc, "sekunden": round(time.perf_counter() - t, 3)})
con.close()
with open(out_json, "w", encoding="utf-8") as fh:
    json.dump({"files": files, "rows": rows, "transcoded": transcoded, "in_process_s": time.perf_counter() - t0}, fh)
"""


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants right now (the run has a helper
    process for GX: the machine must hold both at once). Follows /proc/<pid>/task/*/children,
    so a sample reads a handful of files, not all of /proc."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def child(argv: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> dict:
    """One child process: exit status, wall seconds, CPU seconds (user + system of the child and
    its waited-for descendants: comparable across load levels, unlike wall time), peak RSS in
    bytes, and the 1-minute load average right before and after. The peak is the larger of the
    child's own (``wait4``) and the sum over the child and its descendants, sampled."""
    load_before = load()
    t0 = time.perf_counter()
    peak = [0]
    with open(log or os.devnull, "ab") as fh:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(RSS_SAMPLE_S):
                peak[0] = max(peak[0], tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    wall = time.perf_counter() - t0
    return {"rc": os.waitstatus_to_exitcode(status), "wall_s": round(wall, 3),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "rss": max(usage.ru_maxrss * 1024, peak[0]),  # ru_maxrss is in KiB on Linux
            "load_before": load_before, "load_after": load()}


def load() -> float:
    return round(os.getloadavg()[0], 2)


def measured(res: dict) -> dict:
    """What a result file keeps of one child's measurement."""
    return {"wall_s": res["wall_s"], "cpu_s": res["cpu_s"], "peak_rss_mb": round(res["rss"] / 2**20, 1),
            "load_before": res["load_before"], "load_after": res["load_after"]}


def import_floor(python: str, env: dict[str, str], log: Path) -> dict:
    """A fresh interpreter importing the run's libraries one after another (the issue's command)."""
    res = child([python, "-c", IMPORT_FLOOR_CHILD], env=env, log=log)
    if res["rc"] != 0:
        raise SystemExit(f"import floor failed (exit {res['rc']}); see {log}")
    return {**measured(res), "libraries": list(IMPORT_FLOOR_LIBRARIES)}


def machine() -> dict:
    """CPU model, cores and RAM: a figure without them says nothing on another machine."""
    try:
        mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")) // 2**20
    except (OSError, StopIteration):
        mem = None
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    return {"cpu": cpu, "cpus": os.cpu_count(), "mem_gb": mem, "python": platform.python_version(),
            "system": platform.platform()}


def machine_label(m: dict) -> str:
    """'Intel(R) Xeon(R) Processor, 2 Kerne, 23 GB RAM' (older results have no CPU model)."""
    return f"{m.get('cpu', 'CPU unbekannt')}, {m.get('cpus')} Kerne, {m.get('mem_gb')} GB RAM"


def ratio(a: float, b: float, digits: int = 2) -> float | None:
    return round(a / b, digits) if b else None
