"""TEMPORARY (not committed): replaced by the reproduction branch's module."""

from __future__ import annotations

from assets.metrics.datenqualitaet import build_ueberblick, save_ueberblick_part
from assets.metrics.mentoring import build_mentoring_kennzahlen
from assets.metrics.teilnahme import build_teilnahme_kennzahlen


def ueberblick_am(con, settings, stichtag):
    con.execute("BEGIN TRANSACTION")
    try:
        save_ueberblick_part(con, "teilnahme", build_teilnahme_kennzahlen(con, settings, stichtag))
        save_ueberblick_part(con, "mentoring", build_mentoring_kennzahlen(con, settings, stichtag))
        build_ueberblick(con)
        return dict(con.execute("SELECT kennzahl, wert FROM kennzahlen.ueberblick").fetchall())
    finally:
        con.execute("ROLLBACK")
