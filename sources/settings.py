"""The one typed configuration object of phasenmonitor.

Every rate, budget, factor, path and threshold the pipeline uses lives here, with its default and
its source. An installation overrides values with a YAML file named by the environment variable
``PHASENMONITOR_CONFIG`` (keys as the field names below); the command line sets the paths, the
Stichtag and, for a reproduction, the Datenstand limit (a run-only option: refused in the file).
See docs/konfiguration.md.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

CONFIG_ENV = "PHASENMONITOR_CONFIG"
# Options that belong to one run, never to an installation: a Datenstand limit in the YAML file
# would silently turn every nightly run into a reproduction of an old report.
RUN_ONLY = frozenset({"datenstand_bis"})


class RunOnlyOption(ValueError):
    """A run-only option stands in the configuration file; the message is one sentence."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- paths -------------------------------------------------------------------------------
    inbox: Path = Field(Path("data/inbox"), description="Inbox the partners drop exports into; never modified.")
    out: Path = Field(Path("data/out"), description="Data folder: warehouse, reporting database, archive, bericht/, intern/.")

    # --- reporting period --------------------------------------------------------------------
    programmstart: date = Field(date(2024, 1, 1), description="Programme start (seed document: 01.01.2024).")
    stichtag: date | None = Field(None, description="Reporting date; None = oldest Datenstand of the newest valid snapshots of the required kinds.")
    heute: date | None = Field(None, description="Day of the run; None = today. Consent and 'Datenstand in the future' are judged against it.")
    datenstand_bis: date | None = Field(
        None, description="Reproduction (run only, needs stichtag): per export kind the newest valid snapshot with a Datenstand "
        "on or before this day is used instead of the newest one (docs/warehouse.md, 'intern.staende').",
    )

    # --- BA rules ----------------------------------------------------------------------------
    nachhaltigkeit_monate: int = Field(6, ge=1, description="Months after Beginn on which a placement's sustainability is checked (BA: 6).")

    # --- mentoring ---------------------------------------------------------------------------
    stundensatz_eur: float = Field(15.00, ge=0, description="Hourly Ehrenamtszuschuss in EUR.")
    budget_eur: float = Field(10_000.00, ge=0, description="Allowance budget: the company donation (seed document: 10.000 EUR).")
    emissionsfaktoren_kg_km: dict[str, float] = Field(
        default_factory=lambda: {"Pkw": 0.166, "ÖPNV": 0.065, "Fahrrad": 0.0, "zu Fuß": 0.0, "keins": 0.0},
        description="kg CO2e per passenger-km per Verkehrsmittel (UBA/TREMOD averages).",
    )
    inaktiv_tage: int = Field(60, ge=1, description="Days without contact after which a running tandem's mentor is flagged.")
    prognose_monate: int = Field(3, ge=1, description="Trailing months whose average allowance drives the budget forecast.")
    prognose_horizont_monate: int = Field(
        24, ge=1, description="The council files name the month the budget runs out only up to this many months after the "
        "Stichtag; beyond, they say the budget lasts longer (kennzahlen.zuschuss_budget keeps the exact month).",
    )

    # --- council files (docs/bericht.md) -------------------------------------------------------
    amt: str = Field("Stadt Hilden, Amt für Soziales", min_length=1,
                     description="The office that issues the council files: author of the DOCX and of the release's PDF; sender of the fix lists.")
    pdf_zeitlimit_sekunden: int = Field(
        180, ge=10, description="Longest time LibreOffice may take to convert the draft into the release's PDF (freigeben).")

    # --- the report series (docs/bericht.md, "Die Berichtsreihe") ------------------------------
    reihenschutz: bool = Field(
        True, description="Protect every report against all released ones (kennzahlen.md, 'Report series'). Off only to "
        "show what the protection prevents: a report built without it must not be released.",
    )

    # --- input handling ----------------------------------------------------------------------
    max_quarantaene_anteil: float = Field(0.5, ge=0, le=1, description="A file with more than this share of quarantined rows is rejected.")
    spalten_aliase: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict,
        description="Extra header aliases per kind: {kind: {canonical header: [alias, ...]}}; added to the built-in ones.",
    )
    # --- data checks (WARN findings for the coordinator; checks/consistency.py) ---------------
    datenstand_max_alter_tage: int = Field(
        45, ge=1, description="WARN when a kind's Datenstand is older than this at the Stichtag, or this far behind the newest one."
    )
    plausibel_kontakt_max_minuten: int = Field(480, ge=1, description="WARN for one contact longer than this (the contract allows up to 600).")
    plausibel_kontakt_max_km: float = Field(200.0, ge=0, description="WARN for more kilometres than this for one contact.")

    altersgruppen: list[int] = Field(
        default_factory=lambda: [18, 25, 35, 45, 55],
        description="Lower bounds of the age bands kept instead of the birth date.",
    )

    # --- operations --------------------------------------------------------------------------
    duckdb_speicher_mb: int = Field(
        3072, ge=256, description="memory_limit of the warehouse connection in MB (DuckDB spills beyond it); bounds peak RSS beside polars."
    )
    kommunen: list[str] = Field(
        default_factory=lambda: ["hilden"],
        min_length=1,
        description="Partitions of the job 'nachtlauf_kommunen': one per municipality, inbox INBOX/<kommune>, data OUT/<kommune> (docs/skalierung.md).",
    )
    archiv_aufbewahrung_tage: int = Field(90, ge=1, description="Raw exports in the archive are deleted after this many days.")
    dagster_historie_tage: int = Field(30, ge=1, description="Dagster runs older than this are pruned by the cleanup job.")
    schreibsperre_warten_sekunden: int = Field(
        3600, ge=0,
        description="A Dagster run that finds another process writing the same warehouse waits this long for it (sources/runlock.py), then fails with one sentence.",
    )
    eingang_ruhezeit_sekunden: int = Field(
        30, ge=0, description="The inbox sensor leaves a file younger than this for its next tick (a copy may still be under way)."
    )

    @model_validator(mode="after")
    def _reproduction_needs_stichtag(self) -> "Settings":
        # Without a Stichtag the default (the oldest Datenstand in use) would follow the limit,
        # and a released report is identified by its Stichtag: a reproduction names both.
        if self.datenstand_bis is not None and self.stichtag is None:
            raise ValueError("datenstand_bis (--datenstand-bis) braucht einen Stichtag (--stichtag).")
        return self

    @property
    def run_day(self) -> date:
        return self.heute or date.today()

    @property
    def warehouse_path(self) -> Path:
        return self.out / "warehouse.duckdb"

    @property
    def reporting_path(self) -> Path:
        return self.out / "reporting.duckdb"

    @property
    def archive_dir(self) -> Path:
        return self.out / "archiv"

    @property
    def bericht_dir(self) -> Path:
        """The public council files (disclosure-controlled)."""
        return self.out / "bericht"

    @property
    def intern_dir(self) -> Path:
        """Internal reports (the data-quality report): unsuppressed small counts, owner only."""
        return self.out / "intern"

    @classmethod
    def load(cls, **overrides) -> "Settings":
        """Defaults, then the YAML file of PHASENMONITOR_CONFIG (if set), then explicit overrides."""
        values: dict = {}
        cfg = os.environ.get(CONFIG_ENV)
        if cfg:
            import yaml  # only an installation with a configuration file needs the YAML parser

            with open(cfg, encoding="utf-8") as fh:
                values.update(yaml.safe_load(fh) or {})
            refused = sorted(RUN_ONLY & set(values))
            if refused:
                raise RunOnlyOption(
                    f"{', '.join(refused)} gilt nur für einen Lauf und gehört nicht in die Konfigurationsdatei {cfg} "
                    "(beim Lauf angeben: phasenmonitor run --stichtag … --datenstand-bis …)."
                )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
