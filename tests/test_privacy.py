"""Privacy (docs/betrieb.md, "Privacy and access"): no direct identifier leaves the inbox and the raw
archive; files are private; the inbox is never touched; the key is required and bound to the
warehouse.

The scan runs on the demo inbox (60 participants): every name, TN-Nr, Kundennummer, Hörernummer,
Mentor-Nr and full birth date found in the partners' files is searched for in every table of
both DuckDB files, every file under OUT (except OUT/archiv/, the raw archive), every file of a
Dagster instance on disk, and the output of a ``phasenmonitor run`` subprocess.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import stat
import subprocess
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from conftest import BIN, KEY, assert_staged, cli_env, dagster_home, pseudonym, query, run



@dataclass
class Identifiers:
    names: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)  # TN-Nr, Kundennummer, Hörernummer, Mentor-Nr
    birth_dates: set[date] = field(default_factory=set)

    def texts(self) -> set[str]:
        return self.ids | {f"{d:%d.%m.%Y}" for d in self.birth_dates} | {d.isoformat() for d in self.birth_dates}


def _read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return [{h: ("" if v is None else v) for h, v in zip(header, r)} for r in rows]


def _as_date(v) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(v).strip(), fmt).date()
        except ValueError:
            pass
    return None


def collect_identifiers(inbox: Path) -> Identifiers:
    ids = Identifiers()
    id_columns = {"TN-Nr", "JC-Kundennummer", "VHS-Hörernummer", "Mentor-Nr", "Kundennummer", "Hörernummer"}
    for path in sorted(inbox.rglob("*")):
        if path.suffix == ".csv":
            rows = _read_csv(path)
        elif path.suffix == ".xlsx":
            rows = _read_xlsx(path)
        else:
            continue
        kind = path.name.split("_", 1)[0]
        for r in rows:
            for col, v in r.items():
                v = str(v).strip() if v is not None else ""
                if not v:
                    continue
                if col in id_columns:
                    ids.ids.add(v)
                elif col in ("Nachname", "Vorname") and kind in ("teilnehmende", "mentorinnen"):
                    ids.names.add(v)
                elif col == "Geburtsdatum":
                    d = _as_date(r[col])
                    if d is not None:
                        ids.birth_dates.add(d)
    return ids


def _shape(text: str) -> str:
    """The shape of an identifier as a regex: digits -> \\d, capitals -> [A-Z], the rest literal."""
    out = []
    for ch in text:
        cls = r"\d" if ch.isdigit() else "[A-Z]" if "A" <= ch <= "Z" else re.escape(ch)
        out.append(cls)
    return "".join(out)


class Scanner:
    """Finds identifiers in text: names as whole words (case-sensitive), IDs and dates as substrings.

    IDs and dates are searched by their shapes (``TN-\\d{6}``, ...) and then looked up, which keeps
    the scan of multi-megabyte files fast; names by one alternation of whole words."""

    def __init__(self, ids: Identifiers):
        self.ids = ids
        self.texts = ids.texts()
        names = sorted(ids.names, key=len, reverse=True)
        self.name_re = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
        shapes = sorted({_shape(t) for t in self.texts}, key=len, reverse=True)
        self.shape_re = re.compile("|".join(shapes).encode())
        self.text_bytes = {t.encode() for t in self.texts}

    def find(self, text: str | bytes, names: bool = True) -> list[str]:
        data = text if isinstance(text, bytes) else text.encode("utf-8", errors="replace")
        found = {m.group(0).decode() for m in self.shape_re.finditer(data) if m.group(0) in self.text_bytes}
        if names:
            s = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
            found |= {m.group(0) for m in self.name_re.finditer(s)}
        return sorted(found)


def _png_text(data: bytes) -> bytes:
    """The text chunks of a PNG (tEXt, zTXt, iTXt: title, software, comments): the only place a
    PNG can carry a name as text; its pixel data is compressed, where a short name such as 'Rua'
    turns up by chance."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        if kind in (b"tEXt", b"iTXt"):
            out.append(chunk)
        elif kind == b"zTXt":
            out.append(zlib.decompress(chunk.split(b"\0", 1)[1][1:]))
        pos += 12 + length
    return b"\n".join(out)


def _file_texts(path: Path) -> list[tuple[str, bytes, bool]]:
    """(where, content, scan for names) for a file; the members of zip containers (docx, xlsx) are
    read unpacked. Compressed bytes (a zip container itself, PNG pixel data) and DuckDB files
    (their strings are scanned through SQL, stored compressed) are searched for identifiers and
    dates only."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return [(str(path), data, False)] + [t for name in z.namelist() for t in _member_texts(f"{path}!{name}", z.read(name))]
    if path.suffix in (".duckdb", ".wal"):
        return [(str(path), data, False)]
    return _member_texts(str(path), data)


def _member_texts(where: str, data: bytes) -> list[tuple[str, bytes, bool]]:
    if data.startswith(b"\x89PNG"):
        return [(where, data, False), (f"{where}!text", _png_text(data), True)]
    return [(where, data, True)]


def _scan_tree(root: Path, scanner: Scanner, skip: tuple[Path, ...] = ()) -> dict[str, list[str]]:
    hits = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(path.is_relative_to(s) for s in skip):
            continue
        for where, text, readable in _file_texts(path):
            found = scanner.find(text, names=readable)
            if found:
                hits[where] = found[:5]
    return hits


def _scan_duckdb(db: Path, scanner: Scanner, birth_dates: set[date]) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
        assert cols, db
        for schema, tbl, col, dtype in cols:
            ref = f'"{schema}"."{tbl}"."{col}"'
            if dtype == "VARCHAR" or dtype.endswith("[]") or dtype.startswith(("STRUCT", "MAP")):
                values = [v for (v,) in con.execute(f'SELECT DISTINCT CAST("{col}" AS VARCHAR) FROM "{schema}"."{tbl}"').fetchall() if v]
                found = sorted({f for v in values for f in scanner.find(v)})
                if found:
                    hits[ref] = found[:5]
            elif dtype in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
                values = {v for (v,) in con.execute(f'SELECT DISTINCT CAST("{col}" AS DATE) FROM "{schema}"."{tbl}"').fetchall() if v}
                found = sorted(str(d) for d in values & birth_dates)
                if found:
                    hits[ref] = found[:5]
    finally:
        con.close()
    return hits


def _inbox_state(inbox: Path) -> dict[str, tuple]:
    return {
        p.relative_to(inbox).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode))
        for p in sorted(inbox.rglob("*")) if p.is_file()
    } | {p.relative_to(inbox).as_posix() + "/": (stat.S_IMODE(p.stat().st_mode),) for p in sorted(inbox.rglob("*")) if p.is_dir()}


def assert_report_files(out: Path) -> None:
    """The files the scan must look into are there: the council's files under OUT/bericht/ and the
    coordinator's data-quality report (under OUT/bericht/ or OUT/intern/: anywhere but the archive)
    and the partners' fix lists."""
    bericht = out / "bericht"
    for pattern in ("*.docx", "*.xlsx", "*.csv"):
        assert [p for p in bericht.glob(pattern) if p.is_file()], f"no {pattern} in {bericht}"
    html = [p for p in out.rglob("datenqualitaet_*.html") if p.is_file() and not p.is_relative_to(out / "archiv")]
    assert html, f"no datenqualitaet_*.html under {out}"
    # the partners' fix lists beside it (one XLSX and one HTML per partner), scanned like the report
    listen = [p for p in (out / "intern").glob("korrekturen_*") if p.suffix in (".xlsx", ".html")]
    assert len(listen) == 6, f"fix lists under {out / 'intern'}: {sorted(p.name for p in listen)}"


# --- fixtures -----------------------------------------------------------------------------------

KEY_FILE_KEY = "schluessel-aus-datei-0123456789"


@pytest.fixture(scope="module")
def demo(demo_run):
    ids = collect_identifiers(demo_run.inbox)
    # the scan is only meaningful if it has something to look for
    assert len(ids.names) > 50 and len(ids.ids) > 150 and len(ids.birth_dates) > 50, (len(ids.names), len(ids.ids), len(ids.birth_dates))
    return demo_run.root, demo_run.inbox, ids, Scanner(ids), _inbox_state(demo_run.inbox)


@pytest.fixture(scope="module")
def inproc(demo, tmp_path_factory):
    """The real job in-process on the same demo inbox, with a Dagster instance on disk
    (DAGSTER_HOME) and the key taken from a key file (PHASENMONITOR_PSEUDONYM_KEY_FILE)."""
    import dagster as dg

    _, inbox, _, _, _ = demo
    root = tmp_path_factory.mktemp("privacy_inproc")
    home = dagster_home(root / "dagster_home")
    key_file = root / "schluessel.txt"
    key_file.write_text(KEY_FILE_KEY + "\n", encoding="utf-8")
    out = root / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        mp.delenv("PHASENMONITOR_PSEUDONYM_KEY", raising=False)
        mp.setenv("PHASENMONITOR_PSEUDONYM_KEY_FILE", str(key_file))
        instance = dg.DagsterInstance.get()
        try:
            summary = run(inbox, out, date.today(), key=None, instance=instance)
        finally:
            instance.dispose()
    assert_staged(summary)
    assert any(home.rglob("*.db")), "the instance did not write its storage to disk"
    assert_report_files(out)
    return out, home


@pytest.fixture(scope="module")
def cli(demo_run):
    proc = demo_run.run_proc
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert_report_files(demo_run.out)
    return demo_run.out, demo_run.dagster_home, proc


# --- the scan -----------------------------------------------------------------------------------

def test_no_identifier_in_any_duckdb_table(demo, inproc, cli):
    _, _, ids, scanner, _ = demo
    dbs = [p for out in (inproc[0], cli[0]) for p in out.glob("*.duckdb")]
    assert len(dbs) >= 2
    hits = {}
    for db in dbs:
        hits.update({f"{db.parent.name}/{db.name}:{k}": v for k, v in _scan_duckdb(db, scanner, ids.birth_dates).items()})
    assert not hits, hits


def test_no_identifier_in_files_under_out(demo, inproc, cli):
    _, _, _, scanner, _ = demo
    for out in (inproc[0], cli[0]):
        assert (out / "archiv").is_dir()
        hits = _scan_tree(out, scanner, skip=(out / "archiv",))
        assert not hits, hits


def test_archive_does_hold_identifiers(demo, inproc):
    """The scan is not blind: the raw archive (excluded above) is full of them."""
    _, _, _, scanner, _ = demo
    assert _scan_tree(inproc[0] / "archiv", scanner)


def test_no_identifier_in_dagster_storage_and_logs(demo, inproc, cli):
    _, _, _, scanner, _ = demo
    for home in (inproc[1], cli[1]):
        files = [p for p in home.rglob("*") if p.is_file()]
        assert files, home
        hits = _scan_tree(home, scanner)
        assert not hits, hits


def test_no_identifier_in_cli_output(demo, cli):
    _, _, _, scanner, _ = demo
    _, _, proc = cli
    assert "Eingang:" in proc.stdout  # the summary with the data-quality findings was printed
    for stream in (proc.stdout, proc.stderr):
        assert not scanner.find(stream), scanner.find(stream)


# --- files and modes ----------------------------------------------------------------------------

def test_private_modes(inproc, cli):
    for out in (inproc[0], cli[0]):
        archive = out / "archiv"
        assert stat.S_IMODE(archive.stat().st_mode) == 0o700
        copies = [p for p in archive.iterdir()]
        assert len(copies) >= 9
        for p in copies:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        for p in [out / "warehouse.duckdb", *out.glob("warehouse.duckdb.wal")]:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_inbox_unchanged(demo, inproc, cli):
    _, inbox, _, _, before = demo
    assert _inbox_state(inbox) == before


# --- the key ------------------------------------------------------------------------------------

def _sentences(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def test_run_without_key_is_refused(tmp_path, demo):
    _, inbox, _, _, _ = demo
    out = tmp_path / "out"
    env = cli_env()
    env.pop("PHASENMONITOR_PSEUDONYM_KEY")
    proc = subprocess.run(
        ["env", "-u", "PHASENMONITOR_PSEUDONYM_KEY", str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox), "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    lines = _sentences(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert "PHASENMONITOR_PSEUDONYM_KEY" in lines[0] and "Traceback" not in proc.stderr
    assert not (out / "warehouse.duckdb").exists()


def test_key_from_key_file(inproc, demo):
    """The in-process run took its key from PHASENMONITOR_PSEUDONYM_KEY_FILE (trailing newline stripped)."""
    out, _ = inproc
    tn_ids = {r["tn_id"] for r in query(out / "warehouse.duckdb", "SELECT tn_id FROM aktuell.teilnehmende")}
    tn_nrs = {i for i in demo[2].ids if i.startswith("TN-")}
    with_file_key = {pseudonym(t, "tn", key=KEY_FILE_KEY.encode()) for t in tn_nrs}
    with_other_key = {pseudonym(t, "tn", key=KEY) for t in tn_nrs}
    assert len(tn_ids) > 40 and tn_ids <= with_file_key
    assert not tn_ids & with_other_key


def test_run_with_another_key_on_existing_warehouse_is_refused(cli, demo):
    _, inbox, _, _, _ = demo
    out, _, _ = cli
    wh = out / "warehouse.duckdb"
    before = (hashlib.sha256(wh.read_bytes()).hexdigest(), wh.stat().st_mtime_ns)
    proc = subprocess.run(
        [str(BIN / "phasenmonitor"), "run", "--inbox", str(inbox), "--out", str(out)],
        env=cli_env(PHASENMONITOR_PSEUDONYM_KEY="ein-ganz-anderer-schluessel-42"), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode != 0
    lines = _sentences(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert "anderen Pseudonymisierungsschlüssel" in lines[0]
    assert (hashlib.sha256(wh.read_bytes()).hexdigest(), wh.stat().st_mtime_ns) == before


def test_the_scan_reads_the_text_chunks_of_a_png(tmp_path):
    """A name in a PNG's metadata is found; its compressed pixel data is not searched for names."""
    from matplotlib.figure import Figure

    path = tmp_path / "bild.png"
    Figure(figsize=(1, 1)).savefig(path, metadata={"Title": "Diagramm von Rua Beispiel"})
    texts = {where.rsplit("!", 1)[-1]: (data, readable) for where, data, readable in _file_texts(path)}
    assert b"Rua Beispiel" in texts["text"][0] and texts["text"][1]
    assert texts[str(path).rsplit("!", 1)[-1]][1] is False
