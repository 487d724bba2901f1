"""The cell rules of the triage run block by block (sources/triage.py, TRIAGE_BLOCK_ROWS) to
bound memory: every block size gives exactly the result of one block, including the rules that
span rows (exact duplicates, duplicate keys across blocks) and the consent of quarantined rows."""

from __future__ import annotations

from datetime import date

import pytest

import dq_support as dq
from conftest import KEY
from sources import cells, triage
from sources.discovery import discover
from sources.kinds import BY_NAME
from sources.parsing import parse_export
from sources.pseudonym import Pseudonymizer


def _parse(path, ext, kind):
    p = parse_export(path, ext, kind, Pseudonymizer(KEY), date(2026, 11, 20))
    return (p.rows, p.befunde, p.gelesen, p.quarantaene, p.dubletten, p.quarantined_rows, p.quarantined_keys)


@pytest.mark.integration
@pytest.mark.parametrize("name", ["teilnehmende", "kontakte", "kursteilnahmen", "tandems"])
def test_block_size_does_not_change_the_triage(name, monkeypatch):
    files = [f for f in discover(dq.demo_inbox(), date(2026, 11, 25)) if f.art == name and f.problem is None]
    f = max(files, key=lambda f: f.datenstand)
    kind = BY_NAME[name]
    whole = _parse(f.path, f.ext, kind)
    assert whole[3] > 0  # the demo file has quarantined rows: the comparison covers them
    for rows in (1, 7, 50):
        monkeypatch.setattr(triage, "TRIAGE_BLOCK_ROWS", rows)
        blocks = _parse(f.path, f.ext, kind)
        assert blocks[0].equals(whole[0]) and blocks[1].equals(whole[1]), (name, rows)
        assert blocks[2:5] == whole[2:5]
        assert (blocks[5] is None and whole[5] is None) or blocks[5].equals(whole[5])
        assert sorted(blocks[6].to_list()) == sorted(whole[6].to_list())  # a set of keys (unique(), unordered)


# --- exact repeats: hash first, full comparison only among equal hashes ---------------------------

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402
import polars as pl  # noqa: E402

_cell = st.one_of(st.none(), st.sampled_from(["", "a", "A", "ä", "1", "a;b", " a"]))


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_cell, _cell, _cell), max_size=60))
def test_exact_repeats_equal_the_full_row_comparison(rows):
    df = pl.DataFrame(rows, schema={"x": pl.String, "y": pl.String, "z": pl.String}, orient="row")
    got = triage.exact_repeats(df, ["x", "y", "z"])
    want = df.select(~pl.struct(["x", "y", "z"]).is_first_distinct()).to_series()
    assert got.to_list() == want.to_list()
    assert got.len() == df.height


def test_exact_repeats_swapped_values_are_no_repeat():
    # the per-column hashes are mixed in order: (a, b) and (b, a) must not look alike
    df = pl.DataFrame({"x": ["a", "b", "a"], "y": ["b", "a", "b"]})
    assert triage.exact_repeats(df, ["x", "y"]).to_list() == [False, False, True]


# --- identifiers reach the pseudonymiser normalised (it then skips its own normalisation) ---------

from sources.pseudonym import normalise_id  # noqa: E402

_id_text = st.text(alphabet=st.sampled_from(list("tnTN-0123 \t\u00a0äß")), max_size=12)


_ID_COLS = [(k.name, c) for k in BY_NAME.values() for c in k.columns if c.type == "id"]


@pytest.mark.parametrize("kind_name, col", _ID_COLS, ids=[f"{k}-{c.field}" for k, c in _ID_COLS])
@hsettings(max_examples=60, deadline=None)
@given(values=st.lists(_id_text, max_size=40))
def test_triage_identifiers_are_already_normalised(kind_name, col, values):
    df = pl.DataFrame({"v": values}, schema={"v": pl.String})
    stripped = df.select(pl.col("v").str.strip_chars()).to_series()
    expr, _, _ = cells.cell_rule(col, pl.col("v"), False)
    out = pl.DataFrame({"v": stripped}).select(expr).to_series()
    assert out.to_list() == normalise_id(out).to_list()
