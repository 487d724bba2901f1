"""The demo inbox, written chunk by chunk: :func:`write_demo_inbox`.

A chunk is CHUNK participants with everything that refers to them (mentors, tandems, contacts,
companies, Jobcenter and VHS rows). Each component of a chunk draws from its own generator, seeded
by (seed, chunk, component number), so the component numbers below are part of the output; what
spans all chunks (Kundennummern, Hörernummern, consent cases, the company-name scramble) is drawn
once from the generator seeded by (seed, 0xC0FFEE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import numpy as np
import polars as pl
from dateutil.relativedelta import relativedelta

from sources.demo import asyl, jobcenter, mentoring, vhs
from sources.demo.days import P0, PROGRAMME_START, Dates, day_number
from sources.demo.draws import unique_random
from sources.demo.mentoring import Mentoring
from sources.demo.mistakes import inject
from sources.demo.names import Companies, Names
from sources.demo.writers import CsvOut, VhsExport
from sources.kinds import ALL_KINDS

#: Participants generated per chunk (part of the determinism contract: changing it changes output).
CHUNK = 50_000
#: Above this many enrolment rows the VHS export is written as CSV instead of XLSX.
VHS_XLSX_MAX_ROWS = 200_000

# the CSV exports, in the order of the summary: kind -> (folder, file name, whose Datenstand, header)
_CSV_FILES = {
    "teilnehmende": ("asyl", "teilnehmende", "asyl", asyl.H_TEILNEHMENDE),
    "teilnehmende_alt": ("asyl", "teilnehmende", "asyl_alt", asyl.H_TEILNEHMENDE),
    "mentorinnen": ("asyl", "mentorinnen", "asyl", mentoring.H_MENTORINNEN),
    "tandems": ("asyl", "tandems", "asyl", mentoring.H_TANDEMS),
    "kontakte": ("asyl", "kontakte", "asyl", mentoring.H_KONTAKTE),
    "unternehmen": ("asyl", "unternehmen", "asyl", asyl.H_UNTERNEHMEN),
    "massnahmen": ("jobcenter", "massnahmen", "jobcenter", jobcenter.H_MASSNAHMEN),
    "integrationen": ("jobcenter", "integrationen", "jobcenter", jobcenter.H_INTEGRATIONEN),
}
# Sachgebiet Asyl writes UTF-8 with BOM, the Jobcenter Windows-1252 (both CRLF): (encoding, BOM)
_ENCODING = {"asyl": ("utf-8", True), "jobcenter": ("cp1252", False)}
_KINDS = tuple(k.name for k in ALL_KINDS)  # every export kind, in contract order
_Rng = Callable[[int], np.random.Generator]  # the chunk's generator of a component
_NOTIZ = b"Demo-Notiz: kein Export, nur eine Datei unbekannter Art im Posteingang.\r\n"


def write_demo_inbox(
    out: Path,
    teilnehmende: int = 60,
    seed: int = 2024,
    datenstand: date | None = None,
    *,
    vhs_xlsx_max_rows: int = VHS_XLSX_MAX_ROWS,
) -> dict:
    """Write a realistic, deterministic demo inbox for ``teilnehmende`` participants into ``out``.

    ``datenstand`` (default: yesterday) is the Datenstand D of the Asyl exports; the Jobcenter's
    exports are dated D-2, the VHS's D-1, and an older participant registry snapshot is dated one
    month before D. Same arguments -> byte-identical files.

    The VHS export is an XLSX (first sheet, header row 1, dates mixed as Excel date cells and
    ``TT.MM.JJJJ`` text, Anwesenheit as number or ``85 %`` text) unless it would have more than
    ``vhs_xlsx_max_rows`` (default 200,000) enrolment rows: then ``vhs/kursteilnahmen_<D-1>.csv``
    (UTF-8, ``;``) is written instead, because an XLSX sheet holds at most 1,048,576 rows and
    writing it cell by cell is slow.

    Returns a summary without names or IDs::

        {"teilnehmende": N, "seed": S, "datenstand": {...per source, ISO...},
         "files": {relative path: data rows}, "rows": {kind: data rows},
         "mistakes": {kind: {mistake type: count}}, "consent": {...}, "unlinked": {kind: rows},
         "vhs_format": "xlsx" | "csv"}
    """
    n_total = int(teilnehmende)
    if n_total < 1:
        raise ValueError("teilnehmende must be >= 1")
    run = _open(Path(out), n_total, seed, _datenstaende(datenstand), vhs_xlsx_max_rows)
    try:
        for ci, o in enumerate(range(0, n_total, CHUNK)):
            _write_chunk(run, ci, o)
    finally:
        for f in run.files.values():
            f.close()
        run.vhs.close()
    return _finish(run)


class _Ids:
    """Kundennummern and Hörernummern: distinct random numbers, drawn once for all chunks;
    participant g has the g-th, people unknown to the programme (Jobcenter customers, VHS
    students) take theirs from the next N."""

    def __init__(self, rng: np.random.Generator, n_total: int) -> None:
        m_kd, m_h = 2 * 26 * 1_000_000, 9_000_000
        if 2 * n_total > m_h:
            raise ValueError("too many participants for the demo ID spaces")
        self.kd = unique_random(rng, m_kd, 2 * n_total)
        self.h = unique_random(rng, m_h, 2 * n_total) + 1_000_000

    def kundennummer(self, x: np.ndarray) -> pl.Series:
        return jobcenter.format_kundennummer(self.kd[np.asarray(x, dtype=np.int64)])

    def hoerernummer(self, x: np.ndarray) -> pl.Series:
        return vhs.format_hoerernummer(self.h[np.asarray(x, dtype=np.int64)])


@dataclass
class _Run:
    """What every chunk reads and adds to."""

    out: Path
    seed: int
    n_total: int
    stand: dict[str, date]  # Datenstand per source: asyl, asyl_alt, jobcenter, vhs
    paths: dict[str, str]  # kind -> file path relative to ``out``
    dates: Dates
    names: Names
    companies: Companies
    ids: _Ids
    case: np.ndarray  # consent case per participant: 0 normal, 1 no Einwilligung, 2 Widerruf
    vhs: VhsExport
    files: dict[str, CsvOut]
    mistakes: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in _KINDS})
    unlinked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("massnahmen", "integrationen", "kursteilnahmen"), 0))
    mentor_off: int = 0
    tandem_off: int = 0
    company_off: int = 0
    # the Datenstände as day numbers
    D: int = field(init=False)
    D_OLD: int = field(init=False)
    D_JC: int = field(init=False)
    D_VHS: int = field(init=False)

    def __post_init__(self) -> None:
        self.D, self.D_OLD = day_number(self.stand["asyl"]), day_number(self.stand["asyl_alt"])
        self.D_JC, self.D_VHS = day_number(self.stand["jobcenter"]), day_number(self.stand["vhs"])


def _datenstaende(datenstand: date | None) -> dict[str, date]:
    """The Datenstand of each source's files (the partners deliver on different days)."""
    d = datenstand if datenstand is not None else date.today() - timedelta(days=1)
    if d < PROGRAMME_START + timedelta(days=2):
        raise ValueError(f"datenstand must be on or after {PROGRAMME_START + timedelta(days=2)}")
    return {
        "asyl": d, "asyl_alt": d - relativedelta(months=1),
        "jobcenter": d - timedelta(days=2), "vhs": d - timedelta(days=1),
    }


def _open(out: Path, n_total: int, seed: int, stand: dict[str, date], vhs_xlsx_max_rows: int) -> _Run:
    """The folders, what is drawn once for all chunks, and the export files, opened with their header."""
    for sub in ("asyl", "jobcenter", "vhs"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    dates, names = Dates(), Names()
    g_rng = np.random.default_rng([seed, 0xC0FFEE])
    companies = Companies(g_rng)
    ids = _Ids(g_rng, n_total)
    case = _consent_cases(g_rng, n_total)
    paths = {k: f"{folder}/{name}_{stand[s].isoformat()}.csv" for k, (folder, name, s, _) in _CSV_FILES.items()}
    v = stand["vhs"].isoformat()
    vhs_export = VhsExport(out, f"vhs/kursteilnahmen_{v}.xlsx", f"vhs/kursteilnahmen_{v}.csv", vhs_xlsx_max_rows)
    files = {
        k: CsvOut(out / paths[k], header, _ENCODING[folder][0], bom=_ENCODING[folder][1])
        for k, (folder, _, _, header) in _CSV_FILES.items()
    }
    return _Run(out, seed, n_total, stand, paths, dates, names, companies, ids, case, vhs_export, files)


def _consent_cases(rng: np.random.Generator, n_total: int) -> np.ndarray:
    """The consent case of each participant, chosen over all chunks (0 normal, 1 no Einwilligung, 2 Widerruf)."""
    case = np.zeros(n_total, dtype=np.int8)
    n_wid = 0 if n_total < 20 else max(1, round(n_total * 0.001))
    n_no = 0 if n_total < 5 else max(1, round(n_total * 0.03))
    picked = rng.choice(n_total, size=n_wid + n_no, replace=False)
    case[picked[:n_wid]] = 2
    case[picked[n_wid:]] = 1
    return case


def _write_chunk(run: _Run, ci: int, o: int) -> None:
    """Participants ``o`` .. ``o + CHUNK`` and everything that refers to them, into every file."""
    n = min(CHUNK, run.n_total - o)
    first = ci == 0

    def rng(component: int) -> np.random.Generator:
        return np.random.default_rng([run.seed, ci, component])

    p = asyl.gen_participants(rng(1), o, n, run.D, run.case[o : o + n])
    p["kdnr"] = run.ids.kundennummer(p["g"])
    p["hoer"] = run.ids.hoerernummer(p["g"])
    p["last"], p["first"] = run.names.pick(rng(2), p["group"], p["female"])
    m = mentoring.gen_mentoring(rng, p, run.D, run.dates, run.tandem_off, first)
    _write_registry(run, rng, p, m, first)
    _write_mentoring(run, rng, p, m, first)
    comp_idx = _write_companies(run, rng, n, first)
    _write_jobcenter(run, rng, p, o, n, comp_idx, first)
    v_frame, n_unl = vhs.gen_enrolments(rng(22), p, o, n, run.D_VHS, run.dates, run.ids.hoerernummer, run.n_total)
    run.unlinked["kursteilnahmen"] += n_unl
    run.vhs.write(inject(v_frame, rng(23), vhs.ENROLMENT_MISTAKES, run.mistakes["kursteilnahmen"], first))
    run.mentor_off += len(m.mentors["eintritt"])
    run.tandem_off += len(m.t_nr)
    run.company_off += len(comp_idx)


def _write_registry(run: _Run, rng: _Rng, p: dict[str, Any], m: Mentoring, first: bool) -> None:
    # A row with a mistake is quarantined, and so is every row that refers to it (the tandems of
    # a participant or mentor, the contacts of a tandem). The victims are therefore the rows with
    # the fewest dependants: people and mentors without a tandem, tandems without (or with few)
    # contacts. Among people without a tandem, those without Jobcenter or VHS records come first
    # (their rows would no longer link to anybody).
    t_rows = 1 + m.per_tandem  # a tandem and its contacts
    tn_cost = 3 * np.bincount(m.tandems["tn"], weights=t_rows, minlength=len(p["g"])) + p["has_jc"] + p["has_vhs"]
    reg = asyl.registry_frame(p, run.D, run.dates, rng(3))
    in_reg = p["eintritt"] <= run.D  # the rows of ``reg``
    reg = inject(reg, rng(4), asyl.REGISTRY_MISTAKES, run.mistakes["teilnehmende"], first,
                 eligible=(p["case"] == 0)[in_reg], cost=tn_cost[in_reg])
    run.files["teilnehmende"].write(reg)
    if run.D_OLD >= P0:
        run.files["teilnehmende_alt"].write(asyl.registry_frame(p, run.D_OLD, run.dates, rng(5)))


def _write_mentoring(run: _Run, rng: _Rng, p: dict[str, Any], m: Mentoring, first: bool) -> None:
    m_cost = np.bincount(m.tandems["mentor"], weights=1 + m.per_tandem, minlength=len(m.mentors["eintritt"]))
    mt_frame = mentoring.mentor_frame(m.mentors, run.mentor_off, run.dates, rng(9))
    mt_frame = inject(mt_frame, rng(10), mentoring.MENTOR_MISTAKES, run.mistakes["mentorinnen"], first, cost=m_cost)
    run.files["mentorinnen"].write(mt_frame)
    t_frame = mentoring.tandem_frame(m, p, run.mentor_off, run.dates, rng(11), rng(12))
    t_frame = inject(t_frame, rng(13), mentoring.TANDEM_MISTAKES, run.mistakes["tandems"], first, cost=m.per_tandem)
    run.files["tandems"].write(t_frame)
    k_frame = inject(m.contacts, rng(15), mentoring.contact_mistakes(run.n_total), run.mistakes["kontakte"], first)
    run.files["kontakte"].write(k_frame)


def _write_companies(run: _Run, rng: _Rng, n: int, first: bool) -> np.ndarray:
    """The chunk's network companies (returned: their company numbers)."""
    n_comp = max(round(n / 4), 5 if first else 0)
    comp_idx = run.company_off + np.arange(n_comp)
    u_frame = asyl.gen_companies(rng(16), run.companies, comp_idx, run.D, run.dates)
    run.files["unternehmen"].write(inject(u_frame, rng(17), asyl.COMPANY_MISTAKES, run.mistakes["unternehmen"], first))
    return comp_idx


def _write_jobcenter(
    run: _Run, rng: _Rng, p: dict[str, Any], o: int, n: int, comp_idx: np.ndarray, first: bool
) -> None:
    m_frame, n_unl = jobcenter.gen_measures(rng(18), p, o, n, run.D_JC, run.dates, run.ids.kundennummer, run.n_total)
    run.unlinked["massnahmen"] += n_unl
    m_frame = inject(m_frame, rng(19), jobcenter.MEASURE_MISTAKES, run.mistakes["massnahmen"], first)
    run.files["massnahmen"].write(m_frame)
    i_frame, n_unl = jobcenter.gen_integrations(
        rng(20), p, o, n, run.D_JC, run.dates, run.ids.kundennummer, run.n_total, run.companies, comp_idx
    )
    run.unlinked["integrationen"] += n_unl
    i_frame = inject(i_frame, rng(21), jobcenter.INTEGRATION_MISTAKES, run.mistakes["integrationen"], first)
    run.files["integrationen"].write(i_frame)


def _finish(run: _Run) -> dict:
    """The VHS file, the placeholder of an unknown kind, and the summary."""
    vhs_path, vhs_format = run.vhs.finish(run.D_VHS)
    files = run.files
    if files["teilnehmende_alt"].rows == 0:  # no participant had entered a month before D
        (run.out / run.paths["teilnehmende_alt"]).unlink()
        del files["teilnehmende_alt"]
    (run.out / "asyl" / "notizen.docx").write_bytes(_NOTIZ)
    rows = {k: f.rows for k, f in files.items()}
    rows["kursteilnahmen"] = run.vhs.rows
    file_rows = {run.paths[k]: f.rows for k, f in files.items()}
    file_rows[vhs_path] = run.vhs.rows
    return {
        "teilnehmende": run.n_total,
        "seed": run.seed,
        "datenstand": {k: v.isoformat() for k, v in run.stand.items()},
        "files": file_rows,
        "other_files": ["asyl/notizen.docx"],
        "rows": rows,
        "mistakes": run.mistakes,
        "consent": {"ohne_einwilligung": int((run.case == 1).sum()), "widerruf": int((run.case == 2).sum())},
        "unlinked": run.unlinked,
        "vhs_format": vhs_format,
    }
