"""Published numbers before and after a change: demo inbox and test fixtures -> every
``kennzahlen.*``, ``bericht.*`` and ``bericht_werte.*`` table and the text of every council file.

A table that differs is reported with what differs: columns added or removed, column types
changed, and whether the values of the columns both sides have are the same (numbers compared
across a type change, 1.0 = 1) or differ (with examples). A schema new as a whole is one line.

    python bench/vergleich.py                 # compare the working tree with HEAD
    python bench/vergleich.py --ref abc123    # ... with another commit
    python bench/vergleich.py --dump out.json # only write the current tree's snapshot

The reference commit is checked out into a temporary ``git worktree`` and run with the same
virtualenv (its own source first on ``PYTHONPATH``), through the real command line
``python -m pipelines.cli run`` with a fixed run day (``heute`` in a PHASENMONITOR_CONFIG file),
so both sides see the same inputs. Exit 0 when everything is identical, 1 with the differences.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "VERGLEICH-nur-fuer-synthetische-Testdaten"

# (name, how to build the inbox, run-day config, Stichtag or None)
DEMO_STAND = "2026-11-30"
CASES = [
    ("demo", "demo", {"heute": "2026-12-01"}, None),
    ("demo_200", "demo200", {"heute": "2026-12-01"}, None),
    ("teilnahme_A", "teilnahme", {"heute": "2025-04-01"}, "2024-09-30"),
    ("teilnahme_B", "teilnahme", {"heute": "2025-04-01"}, "2025-03-31"),
    ("mentoring", "mentoring", {"heute": "2026-11-15", "programmstart": "2026-06-01", "budget_eur": 500.0}, "2026-10-31"),
]


def _inbox(tree: Path, kind: str, target: Path, env: dict) -> None:
    py = sys.executable
    if kind.startswith("demo"):
        n = "60" if kind == "demo" else "200"
        subprocess.run([py, "-m", "pipelines.cli", "demo-data", "--out", str(target), "--teilnehmende", n, "--datenstand", DEMO_STAND],
                       cwd=tree, env=env, check=True, capture_output=True)
        return
    code = {
        "teilnahme": "from fixtures.teilnahme_inbox import write_inbox; write_inbox(Path(sys.argv[1]))",
        "mentoring": "from fixtures.mentoring_inbox import write_mentoring_inbox; write_mentoring_inbox(Path(sys.argv[1]))",
    }[kind]
    subprocess.run([py, "-c", "import sys; from pathlib import Path; sys.path.insert(0, 'tests'); " + code, str(target)],
                   cwd=tree, env=env, check=True, capture_output=True)


def _tables(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('kennzahlen', 'bericht', 'bericht_werte') ORDER BY 1, 2"
        ).fetchall():
            desc = con.execute(f'DESCRIBE "{schema}"."{table}"').fetchall()
            rows = con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            out[f"{schema}.{table}"] = {"columns": [r[0] for r in desc], "types": [r[1] for r in desc],
                                        "rows": sorted(json.dumps(r, default=str, ensure_ascii=False) for r in rows)}
        return out
    finally:
        con.close()


def _file_text(path: Path) -> str:
    if path.suffix == ".docx":
        import docx

        d = docx.Document(str(path))
        parts = [p.text for p in d.paragraphs]
        for t in d.tables:
            parts += [" | ".join(c.text for c in row.cells) for row in t.rows]
        return "\n".join(parts)
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(str(path), data_only=True)
        return "\n".join(f"[{ws.title}] " + " | ".join("" if v is None else str(v) for v in row)
                         for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    if path.suffix in (".csv", ".txt", ".md", ".json", ".html"):
        return path.read_text(encoding="utf-8-sig")
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(tree: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PHASENMONITOR_PSEUDONYM_KEY_FILE", "DAGSTER_HOME", "PHASENMONITOR_CONFIG")}
    env.update(PHASENMONITOR_PSEUDONYM_KEY=KEY, PYTHONPATH=str(tree))
    result = {}
    with tempfile.TemporaryDirectory(prefix="vergleich-") as tmp:
        base = Path(tmp)
        for name, inbox_kind, config, stichtag in CASES:
            inbox, out, cfg = base / name / "inbox", base / name / "out", base / name / "config.yaml"
            _inbox(tree, inbox_kind, inbox, env)
            cfg.write_text("".join(f"{k}: {v}\n" for k, v in config.items()), encoding="utf-8")
            cmd = [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--out", str(out)]
            if stichtag:
                cmd += ["--stichtag", stichtag]
            proc = subprocess.run(cmd, cwd=tree, env={**env, "PHASENMONITOR_CONFIG": str(cfg)}, capture_output=True, text=True)
            case = {"exit": proc.returncode}
            rep = out / "reporting.duckdb"
            case["tables"] = _tables(rep) if rep.exists() else {}
            bericht = out / "bericht"
            case["files"] = {p.name: _file_text(p) for p in sorted(bericht.glob("*")) if p.is_file()} if bericht.is_dir() else {}
            result[name] = case
    return result


def _zahlengleich(a, b) -> bool:
    """Equal values, also across a type change of a number (1.0 as DOUBLE, 1 as BIGINT)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return a == b


def _tabellen_detail(ta: dict, tb: dict) -> str:
    """What differs in one table: columns added or removed, types changed, and whether the values
    of the columns both sides have are the same (numbers compared across a type change)."""
    ca, cb = ta["columns"], tb["columns"]
    teile = []
    neu, weg = [c for c in cb if c not in ca], [c for c in ca if c not in cb]
    if neu or weg:
        teile.append("columns " + ", ".join([f"+{c}" for c in neu] + [f"-{c}" for c in weg]))
    typ_a, typ_b = dict(zip(ca, ta.get("types", []))), dict(zip(cb, tb.get("types", [])))
    typen = [f"{c} {typ_a[c]}->{typ_b[c]}" for c in ca if c in typ_b and c in typ_a and typ_a[c] != typ_b[c]]
    if typen:
        teile.append("types " + ", ".join(typen))
    gemeinsam = [c for c in ca if c in cb]

    def auf_gemeinsame(rows: list[str], cols: list[str]) -> list[list]:
        idx = [cols.index(c) for c in gemeinsam]
        return sorted(([json.loads(r)[i] for i in idx] for r in rows), key=json.dumps)

    ra, rb = auf_gemeinsame(ta["rows"], ca), auf_gemeinsame(tb["rows"], cb)
    if len(ra) == len(rb) and all(_zahlengleich(x, y) for a, b in zip(ra, rb) for x, y in zip(a, b)):
        teile.append("values of the common columns unchanged" if neu or weg or typen else "row order or text only")
    else:
        sa, sb = set(ta["rows"]), set(tb["rows"])
        teile.append(f"VALUES differ: -{sorted(sa - sb)[:3]} +{sorted(sb - sa)[:3]}")
    return " (" + "; ".join(teile) + ")"


def diff(ref: dict, cur: dict) -> list[str]:
    lines = []
    for case in sorted(set(ref) | set(cur)):
        a, b = ref.get(case, {}), cur.get(case, {})
        if a.get("exit") != b.get("exit"):
            lines.append(f"{case}: exit {a.get('exit')} -> {b.get('exit')}")
        for section in ("tables", "files"):
            sa, sb = a.get(section, {}), b.get(section, {})
            # a schema that is new as a whole (bericht_werte) is one line, not one per table
            schemas_a = {k.split(".")[0] for k in sa}
            neue_schemas = {k.split(".")[0] for k in sb if section == "tables" and k.split(".")[0] not in schemas_a}
            for schema in sorted(neue_schemas):
                lines.append(f"{case}: {section} schema {schema} is new ({sum(k.startswith(schema + '.') for k in sb)} tables)")
            for k in sorted(set(sa) | set(sb)):
                if k not in sa:
                    if section != "tables" or k.split(".")[0] not in neue_schemas:
                        lines.append(f"{case}: {section} {k} is new")
                elif k not in sb:
                    lines.append(f"{case}: {section} {k} is gone")
                elif sa[k] != sb[k]:
                    detail = _tabellen_detail(sa[k], sb[k]) if section == "tables" else ""
                    lines.append(f"{case}: {section} {k} differs{detail}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="HEAD", help="reference commit (default HEAD)")
    ap.add_argument("--dump", type=Path, help="write the current tree's snapshot to this file and stop")
    ap.add_argument("--ref-json", type=Path, help="use a snapshot written before with --dump as the reference")
    args = ap.parse_args()
    current = snapshot(ROOT)
    if args.dump:
        args.dump.write_text(json.dumps(current, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{sum(len(c['tables']) for c in current.values())} tables, {sum(len(c['files']) for c in current.values())} files -> {args.dump}")
        return 0
    if args.ref_json:
        reference = json.loads(args.ref_json.read_text(encoding="utf-8"))
    else:
        with tempfile.TemporaryDirectory(prefix="vergleich-ref-") as tmp:
            wt = Path(tmp) / "ref"
            subprocess.run(["git", "worktree", "add", "--detach", str(wt), args.ref], cwd=ROOT, check=True, capture_output=True)
            try:
                reference = snapshot(wt)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(wt)], cwd=ROOT, capture_output=True)
    problems = diff(reference, current)
    n_tables = sum(len(c["tables"]) for c in current.values())
    n_files = sum(len(c["files"]) for c in current.values())
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} differences ({n_tables} tables, {n_files} files compared)")
        return 1
    print(f"identical: {len(current)} inboxes, {n_tables} tables, {n_files} council files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
