"""Releasing a report to the council (``phasenmonitor freigeben``, docs/bericht.md "Freigabe").

A release takes the report of the last run exactly as it was written: its ``bericht.*`` tables
(as ``bericht_<Stichtag>.duckdb``) and its council files are copied under
``OUT/veroeffentlicht/<Stichtag>/``, with the draft as tagged PDF/UA-1 (assets/report/pdf_export.py;
without LibreOffice the release says so and goes on without it) and a ``SHA256SUMS`` file, made read-only, and entered in
the release register (``reihe.berichte``, published as ``kennzahlen.berichte``) with the sha256 of
that file as its fingerprint. Nothing ever writes into a release folder again; a Stichtag is
released once.

The copy is built in a scratch folder beside its place and renamed into place inside the
transaction that registers it: a crash leaves either no release (and at most a scratch folder,
removed by the next release) or a complete one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb

from assets.report import bericht_tables as bt
from assets.report.pdf_export import PdfNichtMoeglich, docx_zu_pdf
from assets.series import register
from sources.archive import content_hash
from sources.formats import datum
from sources.settings import Settings
from sources.sql import literal
from sources.transaction import atomic

ORDNER = "veroeffentlicht"
PRUEFSUMMEN = "SHA256SUMS"
# A release is a public document: readable by everyone, writable by no one.
DATEI_MODUS = 0o444
ORDNER_MODUS = 0o555
SAMMEL_MODUS = 0o755  # OUT/veroeffentlicht/ itself, as OUT/bericht/ (assets/report/files.py)
_ALIAS = "phasenmonitor_freigabe"


class FreigabeAbgelehnt(RuntimeError):
    """The release cannot be made; the message is one sentence for the user."""


def release_dir(settings: Settings, stichtag: date) -> Path:
    return settings.out / ORDNER / stichtag.isoformat()


sha256 = content_hash  # the archive's file hash (sources/archive.py): one copy


def _pruefen(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date | None) -> tuple[date, date | None]:
    """The reasons a release is refused, one sentence each; returns the Stichtag and Datenstand."""
    e = register.entwurf(con)
    if e is None:
        raise FreigabeAbgelehnt("Es gibt noch keinen Bericht, der freigegeben werden könnte; bitte zuerst `phasenmonitor run` ausführen.")
    s_entwurf, datenstand_bis, sha, reihenschutz = e
    s = stichtag or s_entwurf
    frueher = {f.stichtag: f for f in register.freigaben(con)}
    if s in frueher:
        raise FreigabeAbgelehnt(
            f"Der Bericht zum Stichtag {datum(s)} wurde bereits am {datum(frueher[s].freigegeben_am.date())} freigegeben; "
            "eine Freigabe ist endgültig.")
    if s != s_entwurf:
        raise FreigabeAbgelehnt(
            f"Der aktuelle Bericht hat den Stichtag {datum(s_entwurf)}, nicht den {datum(s)}; bitte zuerst "
            f"`phasenmonitor run … --stichtag {s.isoformat()}` ausführen.")
    if not reihenschutz:
        raise FreigabeAbgelehnt("Dieser Bericht wurde ohne Schutz gegen frühere Berichte berechnet (Einstellung reihenschutz) "
                                "und darf nicht freigegeben werden; bitte mit der Standardeinstellung neu berechnen.")
    if bt.tabellen_sha(con, settings) != sha:
        raise FreigabeAbgelehnt("Die Tabellen im Schema bericht passen nicht mehr zum letzten Lauf; bitte zuerst `phasenmonitor run` ausführen.")
    dateien = register.entwurf_dateien(con)
    if not dateien:
        raise FreigabeAbgelehnt("Die Ratsunterlagen des Berichts fehlen; bitte zuerst `phasenmonitor run` ausführen.")
    for name, soll in dateien:
        p = settings.bericht_dir / name
        if not p.is_file() or sha256(p) != soll:
            raise FreigabeAbgelehnt(
                f"Die Datei bericht/{name} wurde seit dem letzten Lauf geändert oder entfernt; bitte zuerst `phasenmonitor run` ausführen.")
    return s, datenstand_bis


def _tabellen_kopieren(con: duckdb.DuckDBPyConnection, settings: Settings, ziel: Path) -> None:
    """The released bericht tables with their comments, readable like reporting.duckdb's."""
    con.execute(f"ATTACH {literal(str(ziel))} AS {_ALIAS}")
    try:
        con.execute(f"CREATE SCHEMA {_ALIAS}.{bt.SCHEMA}")
        for name, spec in bt.tabellen_specs(settings).items():
            con.execute(f"CREATE TABLE {_ALIAS}.{bt.SCHEMA}.{name} AS SELECT * FROM {bt.SCHEMA}.{name}")
            kommentar = con.execute(
                "SELECT comment FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
                [bt.SCHEMA, name]).fetchall()[0][0]
            if kommentar:
                con.execute(f"COMMENT ON TABLE {_ALIAS}.{bt.SCHEMA}.{name} IS {literal(kommentar)}")
    finally:
        con.execute(f"DETACH {_ALIAS}")


def pdf_name(stichtag: date) -> str:
    return f"sachstand_{stichtag.isoformat()}.pdf"


def _pdf(settings: Settings, stichtag: date, tmp: Path) -> str | None:
    """The tagged PDF of the draft beside it; returns the German sentence why not, if it is missing
    (the release goes on without it: the DOCX, tables and files are what the council decides on)."""
    docx = tmp / f"sachstand_{stichtag.isoformat()}.docx"
    if not docx.is_file():
        return f"Die Freigabe enthält kein PDF, weil der Entwurf {docx.name} fehlt."
    try:
        docx_zu_pdf(docx, tmp / pdf_name(stichtag), settings.pdf_zeitlimit_sekunden)
    except PdfNichtMoeglich as exc:
        return str(exc)
    return None


def _kopie(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date, tmp: Path) -> tuple[str, str | None]:
    """Files, the PDF, tables and checksums into ``tmp``; returns the fingerprint and, if the PDF
    is missing, the sentence why."""
    tmp.mkdir(parents=True)
    for name, _ in register.entwurf_dateien(con):
        shutil.copy2(settings.bericht_dir / name, tmp / name)
    pdf_hinweis = _pdf(settings, stichtag, tmp)
    _tabellen_kopieren(con, settings, tmp / f"bericht_{stichtag.isoformat()}.duckdb")
    summen = "".join(f"{sha256(p)}  {p.name}\n" for p in sorted(tmp.iterdir()))
    (tmp / PRUEFSUMMEN).write_text(summen, encoding="utf-8")
    for p in tmp.iterdir():
        os.chmod(p, DATEI_MODUS)
    return hashlib.sha256(summen.encode()).hexdigest(), pdf_hinweis


def freigeben(con: duckdb.DuckDBPyConnection, settings: Settings, stichtag: date | None,
              jetzt: datetime) -> tuple[register.Freigabe, str | None]:
    """Release the current report (of ``stichtag``, if given); raises ``FreigabeAbgelehnt``.
    Returns the release and, if its PDF could not be written, the sentence why."""
    s, datenstand_bis = _pruefen(con, settings, stichtag)
    ziel = release_dir(settings, s)
    tmp = ziel.with_name(f".neu-{s.isoformat()}")
    for rest in (tmp, ziel):  # never registered (checked above): what an interrupted release left
        if rest.exists():
            os.chmod(rest, 0o755)
            shutil.rmtree(rest)
    ziel.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(ziel.parent, SAMMEL_MODUS)  # the run's umask is private: the releases are readable like bericht/
    try:
        fingerabdruck, pdf_hinweis = _kopie(con, settings, s, tmp)
        f = register.Freigabe(s, jetzt, datenstand_bis, fingerabdruck)
        with atomic(con):
            register.register_release(con, f)
            register.build_berichte_table(con)
            os.replace(tmp, ziel)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.chmod(ziel, ORDNER_MODUS)
    return f, pdf_hinweis
