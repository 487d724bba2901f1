"""The twin check of schema ``bericht_werte`` against schema ``bericht`` (docs/kennzahlen.md,
version 2), shared by the tests that hold a report: read independently of the code that writes
the twin, from the printed text with Babel's German number parser."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from babel.numbers import parse_decimal

GESPERRT, NICHTS, NICHT_SINNVOLL = "*", "–", "x"
ZAHLENTYPEN = {"BIGINT", "DOUBLE"}


def gedruckt(text: str) -> Decimal | None:
    """The number a printed cell shows ('1.417' -> 1417, '+3' -> 3, '66,7 %' -> 0.667, '–' -> 0),
    or None if it shows none ('*', 'x', a month)."""
    t = text.strip()
    if t == NICHTS:
        return Decimal(0)
    prozent = t.endswith("%")
    t = t.removesuffix("%").strip().removeprefix("+")
    try:
        v = parse_decimal(t, locale="de_DE", strict=True)
    except Exception:  # not a number in German notation: a text such as 'Februar 2031'
        return None
    return v / 100 if prozent else v


def _spalten(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                       "ORDER BY column_index", [schema, table]).fetchall()


def assert_twins(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every table of ``bericht`` against its twin in ``bericht_werte``, cell by cell; returns how
    many cells of each kind were compared (so a caller can see the check was not empty)."""
    tabellen = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'bericht' ORDER BY 1").fetchall()]
    zwillinge = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'bericht_werte' ORDER BY 1").fetchall()]
    assert tabellen and zwillinge == tabellen
    n = {"*": 0, "–": 0, "x": 0, "zahl": 0, "text": 0, "text_in_zahlenspalte": 0}
    for t in tabellen:
        text_cols, werte_cols = _spalten(con, "bericht", t), _spalten(con, "bericht_werte", t)
        assert [c for c, _ in werte_cols] == [c for c, _ in text_cols], t
        assert all(typ == "VARCHAR" for _, typ in text_cols), t
        assert {typ for _, typ in werte_cols} <= ZAHLENTYPEN | {"VARCHAR"}, t
        texte = con.execute(f'SELECT * FROM bericht."{t}"').fetchall()  # names from the catalogue
        werte = con.execute(f'SELECT * FROM bericht_werte."{t}"').fetchall()
        assert len(werte) == len(texte), t
        for i, (zeile_t, zeile_w) in enumerate(zip(texte, werte)):
            for (spalte, typ), text, wert in zip(werte_cols, zeile_t, zeile_w):
                wo = f"{t}[{i}].{spalte}: {text!r} / {wert!r}"
                if typ == "VARCHAR":
                    assert wert == text, wo
                    n["text"] += 1
                elif text in (GESPERRT, NICHT_SINNVOLL):
                    assert wert is None, wo
                    n[text] += 1
                elif text == NICHTS:
                    assert wert == 0, wo
                    n["–"] += 1
                elif (zahl := gedruckt(text)) is None:
                    assert wert is None, wo  # a text in a number column (the forecast month)
                    n["text_in_zahlenspalte"] += 1
                else:
                    # rounded as printed: the same number, not a more precise one
                    assert wert is not None and abs(Decimal(repr(wert)) - zahl) < Decimal("1e-9"), wo
                    if typ == "BIGINT":
                        assert isinstance(wert, int) and zahl == zahl.to_integral_value(), wo
                    n["zahl"] += 1
    return n
