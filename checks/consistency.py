"""The data checks on the warehouse as plain functions (testable without Dagster).

Each check looks at the snapshots in use (``aktuell.*``) and returns a :class:`Pruefergebnis`:
passed or not, metadata (counts, rule and expectation names, file names and line numbers) and
one finding per problem for ``kennzahlen.befunde`` and the coordinator's report. Nothing here
carries a cell value or a pseudonym: a row is named by its file and line (``staging.*.zeile``).

``checks/asset_checks.py`` makes every entry of :data:`PRUEFUNGEN` a check spec of the asset it hangs on;
the ``kennzahlen/datenqualitaet`` asset evaluates the same list, each check once per run, so that
the findings table and the report are complete even when a blocking check stops the metrics.

Blocking (ERROR): the contract suite on each snapshot in use, references between the Asyl
exports, the link of every Jobcenter/VHS row to a participant, date order. Bad data there would
corrupt the council's numbers (or, for references and links, hold rows of people who are not,
or no longer, in the registry). Warnings: timeliness and plausibility.
"""

from __future__ import annotations

from typing import Any, Callable

import duckdb
import polars as pl

from checks.check_base import (
    BEFUND_COLUMNS,
    Bewertung,
    Pruefergebnis,
    Pruefung,
    concat_findings,
    file_in_use,
    line_numbers,
    lines_meta,
    row_findings,
)
from checks.contract_records import contract_status
from sources.contract import ExportKind
from sources.findings import FEHLER, WARNUNG
from sources.formats import datum
from sources.kinds import ALL_KINDS, BY_NAME
from sources.settings import Settings
from sources.zeitraum import KeinStichtag, resolve_stichtag

DATENQUALITAET = ("kennzahlen", "datenqualitaet")


# --- the delivery of each export (on its staging asset) -----------------------------------------

def lieferung(kind: ExportKind) -> Callable[[duckdb.DuckDBPyConnection, Settings], Pruefergebnis]:
    """The export's delivery against its contract, as the coordinator needs to see it on the
    staging asset: WARNUNG when rows of the file in use are in quarantine, FEHLER when the newest
    file in the inbox was rejected (the older snapshot, if any, stays in use) or a required
    export has no usable file. Counts and file names only; the rows are in kennzahlen.befunde."""

    def fn(con, settings) -> Pruefergebnis:
        files = con.execute(
            "SELECT datei, datenstand, status, grund, zeilen_gelesen, zeilen_geladen, zeilen_quarantaene, zeilen_ausgeschlossen "
            "FROM meta.dateien WHERE art = ? AND im_eingang ORDER BY datenstand DESC, datei DESC",
            [kind.name],
        ).fetchall()
        # The snapshot the run uses (intern.staende): the newest valid one, or in a reproduction
        # the newest on or before its Datenstand limit, which may have left the inbox.
        in_use = con.execute(
            "SELECT d.datei, d.datenstand, d.status, d.grund, d.zeilen_gelesen, d.zeilen_geladen, d.zeilen_quarantaene, "
            "d.zeilen_ausgeschlossen FROM meta.dateien d JOIN intern.staende s USING (datei_id) WHERE s.art = ? "
            "ORDER BY d.datenstand DESC LIMIT 1",
            [kind.name],
        ).fetchall()
        in_use = in_use[0] if in_use else None
        newest = files[0] if files else None
        meta: dict[str, Any] = {
            "dateien_im_eingang": len(files),
            "dateien_abgelehnt": sum(1 for f in files if f[2] == "abgelehnt"),
            "datei_in_gebrauch": in_use[0] if in_use else "keine",
            "datenstand": str(in_use[1]) if in_use else "–",
            "zeilen_gelesen": int(in_use[4] or 0) if in_use else 0,
            "zeilen_geladen": int(in_use[5] or 0) if in_use else 0,
            "zeilen_quarantaene": int(in_use[6] or 0) if in_use else 0,
            "zeilen_ausgeschlossen": int(in_use[7] or 0) if in_use else 0,
        }
        schwere = None
        if newest is not None and newest[2] == "abgelehnt":
            schwere = FEHLER
            meta["abgelehnt"] = newest[0]
            meta["grund"] = newest[3] or "–"
        elif in_use is None and kind.required_kind:
            schwere = FEHLER
            meta["grund"] = "kein gültiger Stand im Eingang"
        elif meta["zeilen_quarantaene"]:
            schwere = WARNUNG
        return Pruefergebnis(f"vertrag_{kind.name}", schwere is None, meta, schwere=schwere)

    return fn


# --- blocking -----------------------------------------------------------------------------------

def _vertrag(kind: ExportKind) -> Callable[[duckdb.DuckDBPyConnection, Settings], Pruefergebnis]:
    def fn(con, settings) -> Pruefergebnis:
        st = contract_status(con, kind)
        meta: dict[str, Any] = {
            "datei": st.datei or "kein gültiger Stand",
            "datenstand": str(st.datenstand) if st.datenstand else "–",
            "erwartungen": st.erwartungen,
            "fehlgeschlagen": st.fehlgeschlagen or "keine",
            "zeilen": st.zeilen,
            "geprueft": st.quelle,
            "gx_sekunden": round(st.gx_sekunden, 3),
        }
        bf = st.befunde
        befunde = bf.select(
            pl.lit(kind.quelle).alias("quelle"), pl.lit(st.datei).alias("datei"), pl.col("zeile").cast(pl.Int64),
            pl.col("spalte"), pl.col("regel"), pl.col("schwere"), pl.col("grund"),
        ) if bf.height else pl.DataFrame(schema=BEFUND_COLUMNS)
        return Pruefergebnis(f"stand_{kind.name}", st.erfolgreich, meta, befunde)

    return fn


def verweise(con, settings) -> Pruefergebnis:
    """Every key reference between the Asyl exports in use resolves (tandem -> mentor and
    participant, contact -> tandem), derived from the contract's ``Reference(mode="key")``."""
    meta: dict[str, Any] = {}
    frames = []
    for kind in ALL_KINDS:
        for ref in (r for r in kind.references if r.mode == "key"):
            cur = file_in_use(con, kind.name)
            if cur is None:
                continue
            # Names come from the contract, not from input files.
            lines = line_numbers(
                con,
                f"SELECT s.zeile FROM aktuell.{kind.name} s WHERE s.{ref.column} IS NULL OR NOT EXISTS "
                f"(SELECT 1 FROM aktuell.{ref.kind} t WHERE t.{ref.target} = s.{ref.column}) ORDER BY s.zeile",
            )
            h = kind.col(ref.column).header
            meta[f"{kind.name}.{ref.column}_ohne_ziel"] = len(lines)
            if lines:
                meta[f"{kind.name}.{ref.column}_zeilen"] = lines_meta(lines)
                frames.append(row_findings(
                    kind, cur[0], lines, h, "pruefung_verweis", FEHLER,
                    f"'{h}' verweist auf keinen Eintrag im verwendeten Stand von '{ref.kind}' (Warehouse inkonsistent)",
                ))
    bf = concat_findings(frames)
    return Pruefergebnis("verweise_asyl", bf.height == 0, meta, bf)


def zuordnung(con, settings) -> Pruefergebnis:
    """Every Jobcenter and VHS row in use belongs to a participant in use; linkage rate per partner."""
    meta: dict[str, Any] = {}
    frames = []
    partner: dict[str, list[int]] = {}
    for kind in ALL_KINDS:
        if not any(r.mode == "link" for r in kind.references):
            continue
        cur = file_in_use(con, kind.name)
        if cur is None:
            continue
        lines = line_numbers(
            con,
            f"SELECT s.zeile FROM aktuell.{kind.name} s WHERE s.tn_id IS NULL OR NOT EXISTS "
            f"(SELECT 1 FROM aktuell.teilnehmende t WHERE t.tn_id = s.tn_id) ORDER BY s.zeile",
        )
        meta[f"{kind.name}_ohne_person"] = len(lines)
        if lines:
            meta[f"{kind.name}_zeilen"] = lines_meta(lines)
            h = next(kind.col(r.column).header for r in kind.references if r.mode == "link")
            frames.append(row_findings(
                kind, cur[0], lines, h, "pruefung_zuordnung", FEHLER,
                f"Zeile ist über '{h}' keiner teilnehmenden Person des verwendeten Stands zugeordnet (Warehouse inkonsistent)",
            ))
        geladen, einw, nicht = con.execute(
            "SELECT d.zeilen_geladen, d.ohne_einwilligung, d.nicht_zugeordnet FROM meta.dateien d JOIN intern.staende s USING (datei_id) "
            "WHERE s.art = ? ORDER BY d.datenstand DESC LIMIT 1",
            [kind.name],
        ).fetchone()
        zugeordnet, gesamt = geladen + einw, geladen + einw + nicht
        meta[f"zuordnungsquote_{kind.name}"] = round(zugeordnet / gesamt, 4) if gesamt else None
        acc = partner.setdefault(kind.quelle, [0, 0])
        acc[0] += zugeordnet
        acc[1] += gesamt
    for quelle, (z, g) in partner.items():
        meta[f"zuordnungsquote_{quelle}"] = round(z / g, 4) if g else None
    bf = concat_findings(frames)
    return Pruefergebnis("zuordnung_partner", bf.height == 0, meta, bf)


def reihenfolge(con, settings) -> Pruefergebnis:
    """Every NotBefore rule of the contract (Austritt >= Eintritt, Ende >= Beginn ...) on the rows in use."""
    meta: dict[str, Any] = {}
    frames = []
    for kind in ALL_KINDS:
        cur = file_in_use(con, kind.name)
        if cur is None:
            continue
        for nb in kind.not_before:
            lines = line_numbers(con, f"SELECT zeile FROM aktuell.{kind.name} WHERE {nb.later} < {nb.earlier} ORDER BY zeile")
            hl, he = kind.col(nb.later).header, kind.col(nb.earlier).header
            meta[f"{kind.name}.{nb.later}_vor_{nb.earlier}"] = len(lines)
            if lines:
                frames.append(row_findings(
                    kind, cur[0], lines, hl, "pruefung_reihenfolge", FEHLER, f"'{hl}' liegt vor '{he}' (Warehouse inkonsistent)",
                ))
    bf = concat_findings(frames)
    return Pruefergebnis("reihenfolge_daten", bf.height == 0, meta, bf)


# --- warnings -----------------------------------------------------------------------------------

def kontakte_im_tandemzeitraum(con, settings) -> Pruefergebnis:
    kind = BY_NAME["kontakte"]
    cur = file_in_use(con, "kontakte")
    if cur is None:
        return Pruefergebnis("kontakte_im_tandemzeitraum", True, {"kontakte": 0})
    before = line_numbers(con, "SELECT k.zeile FROM aktuell.kontakte k JOIN aktuell.tandems t USING (tandem_id) WHERE k.datum < t.beginn ORDER BY 1")
    after = line_numbers(con, "SELECT k.zeile FROM aktuell.kontakte k JOIN aktuell.tandems t USING (tandem_id) WHERE k.datum > t.ende ORDER BY 1")
    h = kind.col("datum").header
    bf = concat_findings([
        row_findings(kind, cur[0], before, h, "kontakt_ausserhalb_tandem", WARNUNG, "Kontakt liegt vor dem Beginn seines Tandems"),
        row_findings(kind, cur[0], after, h, "kontakt_ausserhalb_tandem", WARNUNG, "Kontakt liegt nach dem Ende seines Tandems"),
    ])
    meta = {"vor_beginn": len(before), "nach_ende": len(after), "datei": cur[0]}
    if bf.height:
        meta["zeilen"] = lines_meta(sorted(before + after))
    return Pruefergebnis("kontakte_im_tandemzeitraum", bf.height == 0, meta, bf)


def plausible_kontakte(con, settings) -> Pruefergebnis:
    kind = BY_NAME["kontakte"]
    cur = file_in_use(con, "kontakte")
    max_min, max_km = settings.plausibel_kontakt_max_minuten, settings.plausibel_kontakt_max_km
    if cur is None:
        return Pruefergebnis("plausible_kontakte", True, {"kontakte": 0})
    lang = line_numbers(con, "SELECT zeile FROM aktuell.kontakte WHERE dauer_min > ? ORDER BY 1", [max_min])
    weit = line_numbers(con, "SELECT zeile FROM aktuell.kontakte WHERE kilometer > ? ORDER BY 1", [max_km])
    bf = concat_findings([
        row_findings(kind, cur[0], lang, kind.col("dauer_min").header, "plausibel_dauer", WARNUNG,
                     f"Kontaktdauer über {max_min:g} Minuten: bitte prüfen (Tippfehler oder Sammeleintrag mehrerer Termine?)"),
        row_findings(kind, cur[0], weit, kind.col("kilometer").header, "plausibel_kilometer", WARNUNG,
                     f"Mehr als {max_km:g} km für einen Kontakt: bitte prüfen (Tippfehler, Komma, Summe mehrerer Fahrten?)"),
    ])
    meta = {"dauer_ueber_grenze": len(lang), "kilometer_ueber_grenze": len(weit), "grenze_minuten": max_min, "grenze_km": max_km, "datei": cur[0]}
    if bf.height:
        meta["zeilen"] = lines_meta(sorted(lang + weit))
    return Pruefergebnis("plausible_kontakte", bf.height == 0, meta, bf)


def plausible_kurse(con, settings) -> Pruefergebnis:
    kind = BY_NAME["kursteilnahmen"]
    cur = file_in_use(con, "kursteilnahmen")
    if cur is None:
        return Pruefergebnis("plausible_kurse", True, {"kursteilnahmen": 0})
    null_abgeschlossen = line_numbers(con, "SELECT zeile FROM aktuell.kursteilnahmen WHERE status = 'abgeschlossen' AND anwesenheit = 0 ORDER BY 1")
    bf = row_findings(kind, cur[0], null_abgeschlossen, kind.col("anwesenheit").header, "plausibel_anwesenheit", WARNUNG,
                      "Kurs mit 0 % Anwesenheit ist als 'abgeschlossen' gemeldet: Anwesenheit oder Status prüfen")
    meta = {"abgeschlossen_ohne_anwesenheit": len(null_abgeschlossen), "datei": cur[0]}
    if bf.height:
        meta["zeilen"] = lines_meta(null_abgeschlossen)
    return Pruefergebnis("plausible_kurse", bf.height == 0, meta, bf)


def aktualitaet(con, settings) -> Pruefergebnis:
    """Age of each kind's Datenstand at the Stichtag, and how far it lags behind the newest one.

    With the default Stichtag (the oldest Datenstand of the required kinds) no required kind is
    older than the Stichtag, but a stale source drags the Stichtag back: the lag shows it.
    """
    limit = settings.datenstand_max_alter_tage
    meta: dict[str, Any] = {"grenze_tage": limit}
    rows: list[dict[str, Any]] = []
    try:
        stichtag = resolve_stichtag(con, settings.stichtag)
    except KeinStichtag:
        stichtag = None
    meta["stichtag"] = str(stichtag) if stichtag else "–"
    in_use = {k.name: file_in_use(con, k.name) for k in ALL_KINDS}
    newest = max((c[1] for c in in_use.values() if c and c[1]), default=None)
    for kind in ALL_KINDS:
        cur = in_use[kind.name]
        key = f"{kind.quelle}/{kind.name}"
        if cur is None or cur[1] is None:
            meta[f"{key}_datenstand"] = "kein gültiger Stand"
            if kind.required_kind:
                rows.append({"quelle": kind.quelle, "datei": None, "zeile": None, "spalte": None, "regel": "stand_fehlt", "schwere": WARNUNG,
                             "grund": f"Kein gültiger Stand von '{kind.name}' im Eingang: die Kennzahlen dazu fehlen oder sind veraltet"})
            continue
        datei, ds = cur
        alter = (stichtag - ds).days if stichtag else None
        rueckstand = (newest - ds).days if newest else 0
        meta[f"{key}_datenstand"] = str(ds)
        meta[f"{key}_alter_tage"] = alter
        meta[f"{key}_rueckstand_tage"] = rueckstand
        gruende = []
        if alter is not None and alter > limit:
            gruende.append(f"am Stichtag {datum(stichtag)} {alter} Tage alt")
        if rueckstand > limit:
            gruende.append(f"{rueckstand} Tage älter als der neueste Export")
        if gruende:
            rows.append({"quelle": kind.quelle, "datei": datei, "zeile": None, "spalte": None, "regel": "aktualitaet", "schwere": WARNUNG,
                         "grund": f"Datenstand {datum(ds)} ist " + " und ".join(gruende) + f" (Grenze {limit} Tage)"})
    if stichtag is None:
        rows.append({"quelle": "asyl", "datei": None, "zeile": None, "spalte": None, "regel": "stand_fehlt", "schwere": WARNUNG,
                     "grund": "Keine gültige Teilnehmendenliste: kein Stichtag, keine Kennzahlen"})
    bf = pl.DataFrame(rows, schema=BEFUND_COLUMNS) if rows else pl.DataFrame(schema=BEFUND_COLUMNS)
    meta["veraltet_oder_fehlend"] = bf.height
    return Pruefergebnis("aktualitaet", bf.height == 0, meta, bf)


PRUEFUNGEN: list[Pruefung] = [
    *[
        Pruefung(f"vertrag_{k.name}", ("staging", k.name), False,
                 f"Lieferung gegen den Exportvertrag '{k.name}': Warnung, wenn Zeilen der verwendeten Datei in Quarantäne sind, "
                 "Fehler, wenn die neueste Datei abgelehnt wurde (Zählungen und Grund in den Metadaten).", lieferung(k))
        for k in ALL_KINDS
    ],
    *[
        Pruefung(f"stand_{k.name}", DATENQUALITAET, True,
                 f"Der verwendete Stand '{k.name}' hält den Exportvertrag ein (Spalten, Pflichtwerte, Wertelisten, eindeutige "
                 "Nummern, Reihenfolge der Daten). Geprüft werden die geladenen Zeilen; Zeilen in Quarantäne wurden vorher "
                 "herausgenommen.", _vertrag(k))
        for k in ALL_KINDS
    ],
    Pruefung("verweise_asyl", DATENQUALITAET, True,
             "Jedes Tandem verweist auf eine vorhandene Mentor*in und teilnehmende Person, jeder Kontakt auf ein vorhandenes Tandem.", verweise),
    Pruefung("zuordnung_partner", DATENQUALITAET, True,
             "Jede Jobcenter- und VHS-Zeile gehört zu einer teilnehmenden Person (Zuordnungsquote je Partner in den Metadaten).", zuordnung),
    Pruefung("reihenfolge_daten", DATENQUALITAET, True,
             "Austritt nicht vor Eintritt, Ende nicht vor Beginn (alle Reihenfolge-Regeln des Vertrags) im verwendeten Stand.", reihenfolge),
    Pruefung("aktualitaet", DATENQUALITAET, False,
             "Alter jedes Datenstands am Stichtag und Rückstand zum neuesten Export (Warnung über der Grenze).", aktualitaet),
    Pruefung("kontakte_im_tandemzeitraum", ("staging", "kontakte"), False,
             "Kontakte liegen im Zeitraum ihres Tandems (Beginn bis Ende).", kontakte_im_tandemzeitraum),
    Pruefung("plausible_kontakte", ("staging", "kontakte"), False,
             "Kontaktdauer und Kilometer je Kontakt plausibel (Grenzen aus der Konfiguration).", plausible_kontakte),
    Pruefung("plausible_kurse", ("staging", "kursteilnahmen"), False,
             "Kein als 'abgeschlossen' gemeldeter Kurs mit 0 % Anwesenheit.", plausible_kurse),
]


def evaluate_all(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Bewertung]:
    return [Bewertung(p, p.run(con, settings)) for p in PRUEFUNGEN]


def findings_of(bewertungen: list[Bewertung]) -> pl.DataFrame:
    """All findings of the checks, each with its check's severity (FEHLER for blocking checks)."""
    frames = []
    for b in bewertungen:
        if b.ergebnis.befunde.height:
            frames.append(b.ergebnis.befunde.with_columns(pl.lit(b.pruefung.schwere_von(b.ergebnis)).alias("schwere")))
    return concat_findings(frames)
