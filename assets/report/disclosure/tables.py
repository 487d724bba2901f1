"""A report as polars frames: ``Geheimhaltung`` collects the tables of one report and the
relations between them, suppresses, and returns the text tables (``Bericht``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

import polars as pl

from assets.report.disclosure.cells import (
    Art,
    Beziehung,
    GeheimhaltungsFehler,
    Ref,
    Zelle,
    haelt,
    ist_primaer,
    ist_schutzbeduerftig,
)
from assets.report.disclosure.merker import Merker
from assets.report.disclosure.notation import GESPERRT, NICHT_SINNVOLL, format_wert, wert_wie_gedruckt
from assets.report.disclosure.suppression import ableitbar, sperren


def _text(z: Zelle) -> str:
    """A cell as printed; a change carries its sign ('+3', '-2')."""
    text = format_wert(z.wert, z.art, z.dezimalen)
    return "+" + text if z.vorzeichen and z.wert is not None and z.wert > 0 and text[0].isdigit() else text


@dataclass
class _Tabelle:
    name: str
    frame: pl.DataFrame
    schluessel: str
    spalten: dict[str, Art | str]
    dezimalen: dict[str, int]
    zeilen: list[str] = field(default_factory=list)


class Geheimhaltung:
    """Collects the tables of one report and the relations between them, then suppresses.

    Usage::

        g = Geheimhaltung()
        g.tabelle("vermittlungen", df, "zeitraum", {"svb": Art.ANZAHL, ...})
        g.zeilensummen("vermittlungen", "insgesamt", ["svb", "ausbildung_selbstaendigkeit"])
        g.spaltensummen("vermittlungen", "Insgesamt", ["svb", ...])
        g.gleich(("ueberblick", "Vermittlungen", "wert"), ("vermittlungen", "Insgesamt", "insgesamt"))
        ergebnis = g.anwenden()

    A value column's kind is an ``Art``, or the name of a frame column that holds the ``Art`` per
    row (for key-value tables such as the overview). ``None`` values print as 'x' and take no part
    in suppression. ``fest`` cells are public anyway (configuration values) and never suppressed.
    """

    def __init__(self) -> None:
        self._tabellen: dict[str, _Tabelle] = {}
        self._cells: dict[Ref, Zelle] = {}
        self._beziehungen: list[Beziehung] = []
        self._abh: dict[Ref, tuple[Ref, ...]] = {}
        self._fest_text: dict[Ref, str] = {}
        self._vorgesperrt: dict[Ref, str] = {}
        self._fremd: set[Ref] = set()  # cells of earlier reports and the changes since: not this report's own

    # -- registration ---------------------------------------------------------------------------

    def tabelle(
        self,
        name: str,
        frame: pl.DataFrame,
        schluessel: str,
        spalten: Mapping[str, Art | str],
        dezimalen: Mapping[str, int] | None = None,
        fest: Iterable[tuple[str, str]] = (),
        vorzeichen: Iterable[str] = (),
    ) -> None:
        if name in self._tabellen:
            raise ValueError(f"Tabelle {name} doppelt")
        zeilen = [str(z) for z in frame[schluessel].to_list()]
        if len(set(zeilen)) != len(zeilen):
            raise ValueError(f"Tabelle {name}: Zeilenschlüssel nicht eindeutig")
        dez = dict(dezimalen or {})
        fest = set(fest)
        vorzeichen = set(vorzeichen)
        t = _Tabelle(name, frame, schluessel, dict(spalten), dez, zeilen)
        self._tabellen[name] = t
        for i, zeile in enumerate(zeilen):
            for spalte, art in t.spalten.items():
                a = art if isinstance(art, Art) else Art(frame[art][i])
                v = frame[spalte][i]
                if v is None:
                    continue
                ref = (name, zeile, spalte)
                self._cells[ref] = Zelle(ref, float(v), a, dez.get(spalte, 0), True, (zeile, spalte) in fest, spalte in vorzeichen)

    def bekannt(self, zelle: Zelle, gesperrt: bool) -> None:
        """A cell of a report published earlier: known to every reader with its value, or a '*'
        that stays one (a later report must not give it away)."""
        self._cells[zelle.ref] = zelle
        self._fremd.add(zelle.ref)
        if gesperrt:
            self._vorgesperrt[zelle.ref] = "veröffentlicht"

    def vorsperren(self, ref: Ref) -> None:
        """A registered cell that is printed as '*' whatever its value (it repeats a '*' of a
        report published earlier)."""
        if ref in self._cells:
            self._vorgesperrt[ref] = "veröffentlicht"

    def differenz(self, neu: Ref, alt: Ref, bezeichnung: str = "") -> None:
        """The change of a count between two reports: not printed, but follows from the two
        printed values; a change by 1 or 2 is protected like a count of 1 or 2."""
        if neu not in self._cells or alt not in self._cells:
            return
        a, b = self._cells[neu], self._cells[alt]
        ref = (neu[0], neu[1], f"({neu[2]} seit {alt[0]})")
        self._cells[ref] = Zelle(ref, a.wert - b.wert, a.art, 0, sichtbar=False, vorzeichen=True)
        self._fremd.add(ref)
        self.beziehung([(neu, 1), (alt, -1), (ref, -1)], 0.0, bezeichnung or f"{neu} - {alt}")

    def verdeckt(self, ref: Ref, wert: float | None, art: Art = Art.ANZAHL) -> None:
        """A figure a printed cell rests on without being printed itself (the numerator and
        denominator of a rate whose counts the report does not show). It is protected like a
        hidden remainder: a count of 1 or 2 must not be derivable, and a cell that depends on it
        (``abhaengig``) is suppressed with it."""
        if wert is not None:
            self._cells[ref] = Zelle(ref, float(wert), art, 0, sichtbar=False)

    def fester_text(self, ref: Ref, text: str) -> None:
        """Print a literal text in a cell that is not a number of the statistics (e.g. a month)."""
        self._fest_text[ref] = text

    def ref(self, tabelle: str, zeile: str, spalte: str) -> Ref:
        return (tabelle, str(zeile), spalte)

    def hat(self, ref: Ref) -> bool:
        return ref in self._cells

    def eigene(self) -> list[Ref]:
        """This report's printed cells (not those of earlier reports, not hidden remainders)."""
        return [r for r, z in self._cells.items() if z.sichtbar and r not in self._fremd]

    def uebernehmen(self, basis: "Bericht") -> None:
        """Keep the decisions of a first pass over part of this report: its printed cells stand
        as public (``fest``), its '*' stay '*' (with their reason). What is registered beyond it
        is then protected against all of it, as a table published after it would be."""
        for ref, grund in basis.gesperrt.items():
            if ref in self._cells:
                self._vorgesperrt[ref] = grund
        for ref, z in basis.zellen.items():
            if z.sichtbar and ref not in basis.gesperrt and ref not in basis.fremd and ref in self._cells:
                self._cells[ref] = replace(self._cells[ref], fest=True)
        # a new cell that prints the same figure as a public one is public too: withholding it
        # would protect nothing (and the engine must not pick it to protect another cell)
        werte = {r: z.wert for r, z in self._cells.items()}
        for b in self._beziehungen:
            if len(b.terme) != 2 or b.konstante != 0 or sorted(k for _, k in b.terme) != [-1, 1] or not haelt(b, werte):
                continue
            (x, _), (y, _) = b.terme
            for neu, alt in ((x, y), (y, x)):
                z = self._cells[neu]
                if self._cells[alt].fest and self._cells[alt].sichtbar and z.sichtbar and not z.fest and neu not in self._vorgesperrt:
                    self._cells[neu] = replace(z, fest=True)

    def festlegen(self, ref: Ref) -> None:
        """A cell that is public anyway (it repeats a value a released report printed)."""
        if ref in self._cells:
            self._cells[ref] = replace(self._cells[ref], fest=True)

    def ist_fest(self, ref: Ref) -> bool:
        z = self._cells.get(ref)
        return z is not None and z.fest

    def wert(self, ref: Ref) -> float | None:
        z = self._cells.get(ref)
        return None if z is None else z.wert

    # -- relations ------------------------------------------------------------------------------

    def beziehung(self, terme: Mapping[Ref, int] | Iterable[tuple[Ref, int]], konstante: float = 0.0, bezeichnung: str = "") -> None:
        items = tuple(terme.items()) if isinstance(terme, Mapping) else tuple(terme)
        if all(r in self._cells for r, _ in items):
            self._beziehungen.append(Beziehung(items, konstante, bezeichnung))

    def summe(self, gesamt: Ref, teile: Iterable[Ref], bezeichnung: str = "") -> None:
        """gesamt = sum(teile)."""
        self.beziehung([(gesamt, 1)] + [(t, -1) for t in teile], 0.0, bezeichnung or f"Summe {gesamt}")

    def gleich(self, a: Ref, b: Ref, bezeichnung: str = "") -> None:
        """The same figure printed twice (e.g. in the overview and in a detail table)."""
        self.beziehung([(a, 1), (b, -1)], 0.0, bezeichnung or f"{a} = {b}")

    def zeilensummen(self, tabelle: str, gesamt_spalte: str, teil_spalten: Iterable[str]) -> None:
        teil_spalten = list(teil_spalten)
        for zeile in self._tabellen[tabelle].zeilen:
            self.summe((tabelle, zeile, gesamt_spalte), [(tabelle, zeile, s) for s in teil_spalten], f"{tabelle}: Zeile {zeile}")

    def spaltensummen(self, tabelle: str, gesamt_zeile: str, spalten: Iterable[str]) -> None:
        zeilen = [z for z in self._tabellen[tabelle].zeilen if z != gesamt_zeile]
        for s in spalten:
            self.summe((tabelle, gesamt_zeile, s), [(tabelle, z, s) for z in zeilen], f"{tabelle}: Spalte {s}")

    def davon(self, gesamt: Ref, teile: Iterable[Ref], rest: str) -> None:
        """gesamt = sum(teile) + an unprinted remainder; the remainder is protected like a printed
        count (e.g. 20 registered mentors, 19 of them active: 1 inactive must not be derivable)."""
        teile = [t for t in teile if t in self._cells]
        if gesamt not in self._cells or not teile:
            return
        v = self._cells[gesamt].wert - sum(self._cells[t].wert for t in teile)
        if v < -1e-9:
            return  # not a breakdown in the data: nothing to derive
        tabelle, zeile, _ = gesamt
        ref = (tabelle, zeile, f"({rest})")
        self._cells[ref] = Zelle(ref, max(v, 0.0), self._cells[gesamt].art, 0, sichtbar=False)
        self.beziehung([(gesamt, 1)] + [(t, -1) for t in teile] + [(ref, -1)], 0.0, f"davon {gesamt}")

    def abhaengig(self, zelle: Ref, basis: Iterable[Ref]) -> None:
        """Suppress ``zelle`` whenever one of ``basis`` is suppressed (rates, medians, amounts)."""
        if zelle in self._cells:
            self._abh[zelle] = tuple(self._abh.get(zelle, ())) + tuple(b for b in basis if b in self._cells)

    def quote(self, tabelle: str, quote_spalte: str, zaehler: str, nenner: str) -> None:
        for zeile in self._tabellen[tabelle].zeilen:
            self.abhaengig((tabelle, zeile, quote_spalte), [(tabelle, zeile, zaehler), (tabelle, zeile, nenner)])

    def zeilen_abhaengig(self, tabelle: str, spalten: Iterable[str], basis_spalte: str) -> None:
        spalten = list(spalten)
        for zeile in self._tabellen[tabelle].zeilen:
            for s in spalten:
                self.abhaengig((tabelle, zeile, s), [(tabelle, zeile, basis_spalte)])

    # -- result ---------------------------------------------------------------------------------

    def anwenden(self) -> "Bericht":
        sperrung = sperren(self._cells, self._beziehungen, self._abh, self._vorgesperrt)
        tabellen: dict[str, pl.DataFrame] = {}
        for name, t in self._tabellen.items():
            art_spalten = {a for a in t.spalten.values() if not isinstance(a, Art)}
            cols: dict[str, list[str | None]] = {}
            for c in t.frame.columns:
                if c in art_spalten:
                    continue  # the per-row kind column is internal
                if c not in t.spalten:
                    cols[c] = [None if v is None else str(v) for v in t.frame[c].to_list()]
                    continue
                vals: list[str | None] = []
                for zeile in t.zeilen:
                    ref = (name, zeile, c)
                    if ref in self._fest_text:
                        vals.append(self._fest_text[ref])
                    elif ref in sperrung.gesperrt:
                        vals.append(GESPERRT)
                    elif ref in self._cells:
                        z = self._cells[ref]
                        vals.append(_text(z))
                    else:
                        vals.append(NICHT_SINNVOLL)
                cols[c] = vals
            tabellen[name] = pl.DataFrame(cols, schema={c: pl.String for c in cols})
        aufbau = {n: Aufbau(list(t.zeilen), {c: a if isinstance(a, Art) else None for c, a in t.spalten.items()})
                  for n, t in self._tabellen.items()}
        return Bericht(tabellen, sperrung.gesperrt, dict(self._cells), sperrung.beziehungen, dict(self._abh), frozenset(self._fremd),
                       aufbau, frozenset(self._fest_text), sperrung.merker)


@dataclass(frozen=True)
class Aufbau:
    """How a registered table was laid out: its row keys in order, and the kind of each value
    column (None: the kind is given per row, as in key-value tables such as the overview)."""

    zeilen: list[str]
    arten: dict[str, Art | None]


@dataclass
class Bericht:
    """Result of ``Geheimhaltung.anwenden``: text tables plus what was decided and why."""

    tabellen: dict[str, pl.DataFrame]
    gesperrt: dict[Ref, str]
    zellen: dict[Ref, Zelle]
    beziehungen: list[Beziehung]
    abhaengigkeiten: dict[Ref, tuple[Ref, ...]]
    fremd: frozenset[Ref] = frozenset()  # cells of earlier reports and the changes since
    aufbau: dict[str, Aufbau] = field(default_factory=dict)  # the registered tables
    texte: frozenset[Ref] = frozenset()  # cells printed as a fixed text, not as a number
    # the suppression's results of the attacker: the final check attacks again only what they
    # do not cover (used only while cells and relations are still those it was made for)
    merker: Merker | None = field(default=None, compare=False, repr=False)

    def zahl(self, ref: Ref) -> int | float | None:
        """The number a printed cell shows, as the value it was formatted from rounded as printed:
        None where the cell shows '*', 'x' or a text; 0 where it shows '–'."""
        z = self.zellen.get(ref)
        if ref in self.gesperrt or ref in self.texte or z is None or not z.sichtbar:
            return None
        return wert_wie_gedruckt(z.wert, z.art, z.dezimalen)

    def text(self, ref: Ref) -> str:
        """The printed text of a cell ('*' if suppressed)."""
        if ref in self.gesperrt:
            return GESPERRT
        z = self.zellen.get(ref)
        if z is None:
            return NICHT_SINNVOLL
        return _text(z)

    def pruefen(self) -> None:
        """Re-run the attacker on the final state; raise if anything protected is derivable."""
        verdeckt = {r for r, z in self.zellen.items() if not z.sichtbar}
        schutz = set(self.gesperrt) | {r for r in verdeckt if ist_schutzbeduerftig(self.zellen[r])}
        merker = self.merker if self.merker is not None and self.merker.passt(self.zellen, self.beziehungen) else None
        offen = ableitbar(self.zellen, self.beziehungen, set(self.gesperrt) | verdeckt, schutz, merker)
        if offen:
            raise GeheimhaltungsFehler(f"ableitbar: {sorted(offen)}")
        for r, z in self.zellen.items():
            if z.sichtbar and not z.fest and r not in self.gesperrt and ist_primaer(z):
                raise GeheimhaltungsFehler(f"Zahlenwert 1 oder 2 sichtbar: {r}")
