"""The default Stichtag (docs/kennzahlen.md "Who counts", docs/entscheidungen.md item 1).

By default the Stichtag is the oldest Datenstand among the newest valid snapshots of the required
kinds; the optional employer list (``unternehmen``) does not hold it back, replaced and rejected
files do not count, and without a participant registry there is no Stichtag. Tested on the plain
function and on a real warehouse built by the real nightly job from files in the partners' formats.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from sources.zeitraum import STICHTAG_KINDS, KeinStichtag, datenstaende_in_use, default_stichtag, resolve_stichtag
from conftest import dateien, mentor, report_modules_ready, run, standard_rows, table, warehouse, write_standard

# docs/kennzahlen.md: every kind the published figures read; entscheidungen.md 1: all but `unternehmen`.
REQUIRED = {"teilnehmende", "mentorinnen", "tandems", "kontakte", "massnahmen", "integrationen", "kursteilnahmen"}


def test_required_kinds_are_all_but_the_employer_list():
    assert set(STICHTAG_KINDS) == REQUIRED


def test_oldest_of_the_required_kinds_newest_snapshots():
    stand = {
        "teilnehmende": date(2026, 1, 20), "mentorinnen": date(2026, 1, 19), "tandems": date(2026, 1, 20),
        "kontakte": date(2026, 1, 20), "massnahmen": date(2026, 1, 17), "integrationen": date(2026, 1, 17),
        "kursteilnahmen": date(2026, 1, 18),
    }
    assert default_stichtag(stand) == date(2026, 1, 17)


def test_employer_list_and_kinds_not_delivered_do_not_count():
    stand = {"teilnehmende": date(2026, 1, 20), "kursteilnahmen": date(2026, 1, 18), "unternehmen": date(2025, 6, 30)}
    assert default_stichtag(stand) == date(2026, 1, 18)
    assert default_stichtag({"teilnehmende": date(2026, 1, 20), "massnahmen": None}) == date(2026, 1, 20)


def test_without_registry_no_stichtag():
    for stand in ({}, {"mentorinnen": date(2026, 1, 20), "unternehmen": date(2026, 1, 20)}, {"teilnehmende": None}):
        with pytest.raises(KeinStichtag, match="keinen gültigen Export der Teilnehmendenliste"):
            default_stichtag(stand)


# --- on a real warehouse ------------------------------------------------------------------------

NEU, ALT, JC, VHS, VHS_ABGELEHNT, UNTERNEHMEN = (
    date(2026, 1, 20), date(2026, 1, 5), date(2026, 1, 17), date(2026, 1, 16), date(2026, 1, 18), date(2025, 12, 1),
)


@pytest.fixture(scope="module")
def gebaut(tmp_path_factory):
    """An inbox whose answer differs from every wrong rule: max() gives NEU, counting the replaced
    registry ALT, the rejected (newer) VHS file VHS_ABGELEHNT instead of VHS, the valid but old
    employer list UNTERNEHMEN; the right answer is VHS."""
    from conftest import Inbox

    root = tmp_path_factory.mktemp("zeitraum")
    inbox = Inbox(root / "inbox")
    inbox.root.mkdir()
    rows = standard_rows(n=8)
    write_standard(inbox, NEU, rows, kinds=["teilnehmende", "mentorinnen", "tandems", "kontakte"])
    write_standard(inbox, ALT, rows, kinds=["teilnehmende"])  # replaced by NEU
    write_standard(inbox, JC, rows, kinds=["massnahmen", "integrationen"])
    write_standard(inbox, VHS, rows, kinds=["kursteilnahmen"])
    inbox.raw(f"vhs/kursteilnahmen_{VHS_ABGELEHNT}.xlsx", b"kein Excel, nur Text")  # newer, but unreadable
    write_standard(inbox, UNTERNEHMEN, rows, kinds=["unternehmen"])
    out = root / "out"
    summary = run(inbox.root, out, heute=date(2026, 1, 22))
    return inbox, out, summary


def test_real_warehouse_newest_valid_snapshot_per_kind(gebaut):
    _, out, summary = gebaut
    status = {rel: r["status"] for rel, r in dateien(out).items()}
    assert status[f"asyl/teilnehmende_{ALT}.csv"] == "ersetzt"
    assert status[f"vhs/kursteilnahmen_{VHS_ABGELEHNT}.xlsx"] == "abgelehnt"
    assert status[f"vhs/kursteilnahmen_{VHS}.xlsx"] == "verwendet"
    assert status[f"asyl/unternehmen_{UNTERNEHMEN}.csv"] == "verwendet"

    con = duckdb.connect(str(warehouse(out)), read_only=True)
    try:
        stand = datenstaende_in_use(con)
        assert stand == {
            "teilnehmende": NEU, "mentorinnen": NEU, "tandems": NEU, "kontakte": NEU,
            "massnahmen": JC, "integrationen": JC, "kursteilnahmen": VHS, "unternehmen": UNTERNEHMEN,
        }
        assert default_stichtag(stand) == VHS
        assert resolve_stichtag(con, None) == VHS
        assert resolve_stichtag(con, date(2025, 12, 31)) == date(2025, 12, 31)  # an explicit Stichtag wins
    finally:
        con.close()
    # the job used it: the run's Stichtag and the last Zähltag of the published stock
    assert summary.success, summary.failures
    assert summary.stichtag == VHS
    assert max(r["zaehltag"] for r in table(out, "kennzahlen.phasen_bestand")) == VHS


@pytest.mark.skipif(not report_modules_ready(), reason="report steps not built yet")
def test_real_warehouse_report_files_carry_the_default_stichtag(gebaut):
    _, out, _ = gebaut
    names = {p.name for p in (out / "bericht").iterdir()}
    assert f"ueberblick_{VHS}.csv" in names, sorted(names)
    assert not any(str(d) in n for n in names for d in (NEU, ALT, JC, VHS_ABGELEHNT, UNTERNEHMEN))


def test_real_warehouse_without_registry_raises(tmp_path):
    from conftest import Inbox

    inbox = Inbox(tmp_path / "inbox")
    inbox.csv(f"asyl/mentorinnen_{NEU}.csv", [mentor(1), mentor(2)])
    inbox.raw(f"asyl/teilnehmende_{NEU}.csv", b"\x81\x8d")  # present, but cannot be read
    out = tmp_path / "out"
    summary = run(inbox.root, out, heute=date(2026, 1, 22))
    assert summary.stichtag is None
    assert dateien(out)[f"asyl/teilnehmende_{NEU}.csv"]["status"] == "abgelehnt"
    con = duckdb.connect(str(warehouse(out)), read_only=True)
    try:
        stand = datenstaende_in_use(con)
        assert "teilnehmende" not in stand and stand.get("mentorinnen") == NEU
        with pytest.raises(KeinStichtag, match="keinen gültigen Export der Teilnehmendenliste"):
            resolve_stichtag(con, None)
    finally:
        con.close()
