"""Consent gating and references between exports.

After triage every valid row is either loaded or excluded by rule:
- registry rows without Einwilligung, or with a Widerruf on or before the day of the run, are
  excluded ("ohne Einwilligung"), and so is every row of any source that belongs to them;
- Jobcenter and VHS rows that link to no participant are excluded ("nicht zugeordnet");
- a reference to an unknown key (a tandem's Mentor-Nr, a contact's Tandem-Nr) quarantines the row.
The excluded people's pseudonyms live only in memory, for the purge of older snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from sources.contract import Reference
from sources.findings import BEFUND_SCHEMA, FEHLER, HINWEIS
from sources.parsing import Parsed
from sources.reading import LINE_COL


@dataclass(frozen=True)
class Zeilenbilanz:
    """A file's row balance as ``meta.dateien`` and ``kennzahlen.datenqualitaet`` show it: the one
    place it is computed. Every row read is loaded, quarantined, or excluded by rule, and the
    excluded ones are either without consent or linked to no participant (exports.md):
    ``gelesen = geladen + quarantaene + ohne_einwilligung + nicht_zugeordnet``. An exact repeat of
    a line is the same record and counts once (it is not read a second time); the rows of a
    rejected file are all held back with the file, in quarantine (decision 47)."""

    gelesen: int
    geladen: int
    quarantaene: int
    ohne_einwilligung: int
    nicht_zugeordnet: int

    @property
    def ausgeschlossen(self) -> int:
        return self.ohne_einwilligung + self.nicht_zugeordnet


@dataclass
class Outcome:
    """One file after triage, consent and references: what loads, what is excluded, and why."""

    parsed: Parsed
    loaded: pl.DataFrame
    excluded_keys: pl.DataFrame  # identifiers excluded for consent (in memory only)
    befunde: pl.DataFrame
    quarantaene: int
    ohne_einwilligung: int = 0
    nicht_zugeordnet: int = 0
    rejected: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def gelesen(self) -> int:
        """Lines read, exact repeats included: the base of the 50 % rule (decision 8)."""
        return self.parsed.gelesen

    @property
    def bilanz(self) -> Zeilenbilanz:
        records = self.parsed.gelesen - self.parsed.dubletten
        if self.rejected:
            return Zeilenbilanz(records, 0, records, 0, 0)
        return Zeilenbilanz(records, self.loaded.height, self.quarantaene, self.ohne_einwilligung, self.nicht_zugeordnet)


def consent_mask(run_day: date) -> pl.Expr:
    """True where a registry row may be processed: consent given and not withdrawn by the run day."""
    return pl.col("einwilligung").is_not_null() & (pl.col("widerruf").is_null() | (pl.col("widerruf") > pl.lit(run_day)))


def gate_registry(parsed: Parsed, run_day: date) -> Outcome:
    rows = parsed.rows.with_columns(consent_mask(run_day).alias("_ok"))
    parsed.rows = parsed.rows.clear()  # handed on: ``loaded`` holds them (two copies at 1 M rows)
    loaded = rows.filter(pl.col("_ok")).drop("_ok")
    excluded = rows.filter(~pl.col("_ok")).select("tn_id", "jc_id", "vhs_id")
    del rows
    n_excluded = excluded.height
    # A quarantined row still tells whether its person may be processed: without a readable consent,
    # or with a Widerruf due, their rows elsewhere are excluded and their history purged (the row
    # itself stays counted as quarantined).
    q = parsed.quarantined_rows
    if q.height and "tn_id" in q.columns:
        q_excluded = q.filter(~consent_mask(run_day)).select("tn_id", "jc_id", "vhs_id")
        excluded = pl.concat([excluded, q_excluded]).unique()
    return Outcome(parsed, loaded, excluded, parsed.befunde, parsed.quarantaene, ohne_einwilligung=n_excluded)


def _finding(rows: pl.DataFrame, spalte: str, regel: str, schwere: str, grund: str) -> pl.DataFrame:
    return rows.select(
        pl.col(LINE_COL).alias("zeile"),
        pl.lit(spalte).alias("spalte"),
        pl.lit(regel).alias("regel"),
        pl.lit(schwere).alias("schwere"),
        pl.lit(grund).alias("grund"),
    ).cast(BEFUND_SCHEMA)


def apply_references(parsed: Parsed, targets: dict[str, "Outcome"]) -> Outcome:
    """Check each reference of the kind against the outcome of the kind it points to."""
    rows = parsed.rows
    # Handed on: the rows that pass become ``Outcome.loaded``; the parsed copy would double the
    # memory of the largest file (19 M contacts) until the step ends.
    parsed.rows = parsed.rows.clear()
    befunde = [parsed.befunde]
    quar = parsed.quarantaene
    no_consent = 0
    unlinked = 0
    excluded_frames: list[pl.DataFrame] = []
    for ref in parsed.kind.references:
        target = targets[ref.kind]
        header = parsed.headers.get(ref.column, ref.column)
        ok = target.loaded.select(pl.col(ref.target).alias("_v")).drop_nulls()
        excl = target.excluded_keys.select(pl.col(ref.target).alias("_v")).drop_nulls() if ref.target in target.excluded_keys.columns else pl.DataFrame(schema={"_v": pl.String})
        if ref.mode == "link":
            rows, q, x_consent, x_unlinked, excluded_part, bf = _link(rows, ref, header, target)
            unlinked += x_unlinked
        else:
            v = pl.col(ref.column)
            is_ok = v.is_in(ok["_v"].implode())
            is_excl = v.is_in(excl["_v"].unique().implode()) & ~is_ok
            flagged = rows.with_columns(is_ok.alias("_ok"), is_excl.alias("_x"))
            bad = flagged.filter(~pl.col("_ok") & ~pl.col("_x"))
            excluded_part = flagged.filter(pl.col("_x")).drop("_ok", "_x")
            rows = flagged.filter(pl.col("_ok")).drop("_ok", "_x")
            q, x_consent = bad.height, excluded_part.height
            # Only the target's key pseudonyms of its quarantined rows are known here (memory only).
            quar_keys = target.parsed.quarantined_keys if ref.target == target.parsed.kind.key else pl.Series([], dtype=pl.String)
            in_quar = pl.col(ref.column).is_in(quar_keys.implode())
            bf = pl.concat([
                _finding(bad.filter(~in_quar), header, "verweis", FEHLER, f"Verweis auf unbekannte '{header}' (nicht in '{ref.kind}')"),
                _finding(bad.filter(in_quar), header, "verweis", FEHLER,
                         f"Verweis auf '{header}', deren Zeile in '{ref.kind}' in Quarantäne ist (siehe Befunde dort)"),
            ]).sort("zeile", maintain_order=True)
            if parsed.kind.key and bad.height:
                # Quarantined here for its reference: a file referring to this one says "in quarantine" too.
                parsed.quarantined_keys = pl.concat([parsed.quarantined_keys, bad[parsed.kind.key]]).unique()
        quar += q
        no_consent += x_consent
        befunde.append(bf)
        if parsed.kind.key and excluded_part.height:
            excluded_frames.append(excluded_part.select(parsed.kind.key))
    if unlinked:
        befunde.append(
            pl.DataFrame(
                {"zeile": [None], "spalte": [None], "regel": ["nicht_zugeordnet"], "schwere": [HINWEIS],
                 "grund": [f"{unlinked} Zeilen gehören zu keiner teilnehmenden Person und werden nicht verarbeitet"]},
                schema=BEFUND_SCHEMA,
            )
        )
    key_schema = {parsed.kind.key: pl.String} if parsed.kind.key else {}
    excluded_keys = pl.concat(excluded_frames) if excluded_frames else pl.DataFrame(schema=key_schema)
    return Outcome(parsed, rows, excluded_keys, pl.concat(befunde), quar, ohne_einwilligung=no_consent, nicht_zugeordnet=unlinked)


def _link(rows: pl.DataFrame, ref: Reference, header: str, target: Outcome):
    """Jobcenter/VHS rows -> participant through the registry's Kundennummer / Hörernummer."""
    mapping = target.loaded.select(pl.col(ref.target).alias(ref.column), "tn_id").drop_nulls(ref.column)
    counts = mapping.group_by(ref.column).agg(pl.len().alias("_n"), pl.col("tn_id").first())
    excl = target.excluded_keys.select(pl.col(ref.target).alias("_v")).drop_nulls().unique()
    joined = rows.drop("tn_id", strict=False).join(counts, on=ref.column, how="left", maintain_order="left")
    joined = joined.with_columns(pl.col(ref.column).is_in(excl["_v"].implode()).alias("_x"))
    ambiguous = joined.filter(pl.col("_n") > 1)
    consent = joined.filter(pl.col("_n").is_null() & pl.col("_x"))
    unlinked = joined.filter(pl.col("_n").is_null() & ~pl.col("_x"))
    linked = joined.filter(pl.col("_n") == 1).drop("_n", "_x")
    bf = _finding(ambiguous, header, "zuordnung_mehrdeutig", FEHLER, f"'{header}' ist in der Teilnehmendenliste mehreren Personen zugeordnet")
    return linked, ambiguous.height, consent.height, unlinked.height, consent.drop("_n", "_x"), bf


def reject_if_mostly_bad(outcome: Outcome, max_share: float) -> Outcome:
    if outcome.gelesen and outcome.quarantaene > max_share * outcome.gelesen:
        outcome.rejected = (
            f"Mehr als {max_share:.0%} der Zeilen in Quarantäne ({outcome.quarantaene} von {outcome.gelesen}); "
            "Datei abgelehnt, der vorige gültige Stand bleibt in Gebrauch."
        )
    return outcome
