"""The release as a Dagster job (``freigabe``): `phasenmonitor freigeben` runs it in-process, and
the project coordination can launch it from the UI with the Stichtag in the launchpad. A job,
not an asset: a release is a decision made once, never part of "Materialize all"."""

from datetime import date, datetime

from typing import Optional

import dagster as dg

from assets.report.release import FreigabeAbgelehnt, freigeben, release_dir
from assets.report.publish import publish_reporting
from assets.resources import WAREHOUSE_POOL, PhasenmonitorResource
from pipelines.jobs import WAREHOUSE_TAG, WAREHOUSE_TAG_VALUE

RELEASE_JOB_NAME = "freigabe"


class FreigabeConfig(dg.Config):
    # JJJJ-MM-TT; empty: the Stichtag of the current report. (Optional, not 'str | None': Dagster's
    # config classes need the annotation evaluated, so this module has no postponed annotations.)
    stichtag: Optional[str] = None


@dg.op(pool=WAREHOUSE_POOL, out=dg.Out(dg.Nothing), description="Gibt den aktuellen Bericht an den Rat frei (OUT/veroeffentlicht/<Stichtag>/).")
def freigabe_op(context: dg.OpExecutionContext, config: FreigabeConfig, phasenmonitor: PhasenmonitorResource):
    """Freeze the current report and enter it in the register; publish the register."""
    settings = phasenmonitor.settings()
    try:
        stichtag = date.fromisoformat(config.stichtag) if config.stichtag else None
    except ValueError:
        raise FreigabeAbgelehnt(f"'{config.stichtag}' ist kein Datum der Form JJJJ-MM-TT.") from None
    with phasenmonitor.warehouse() as con:
        f, pdf_hinweis = freigeben(con, settings, stichtag, datetime.now().replace(microsecond=0))
        publish_reporting(con, settings)  # kennzahlen.berichte for the analysts at once
    if pdf_hinweis:
        context.log.warning(pdf_hinweis)
    ordner = release_dir(settings, f.stichtag)
    yield dg.Output(None, metadata={
        "stichtag": f.stichtag.isoformat(),
        "ordner": dg.MetadataValue.path(str(ordner)),
        "dateien": len([p for p in ordner.iterdir()]),
        "fingerabdruck": f.fingerabdruck,
        # the one sentence why the release has no PDF (no LibreOffice); empty when it has one
        "pdf_hinweis": pdf_hinweis or "",
    })


@dg.job(name=RELEASE_JOB_NAME, tags={WAREHOUSE_TAG: WAREHOUSE_TAG_VALUE},
        description="Freigabe eines Berichts an den Rat: einmal je Stichtag, danach unveränderlich (docs/bericht.md).")
def release_job():
    freigabe_op()
