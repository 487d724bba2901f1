"""Finding the exports in the inbox: folder, kind and Datenstand from the file name.

The inbox is read only: nothing here moves, changes or deletes a file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sources.formats import datum
from sources.kinds import BY_NAME

_NAME = re.compile(r"^(?P<art>[A-Za-zäöüÄÖÜß]+)(?:_(?P<datum>[^.]*))?\.(?P<ext>[A-Za-z0-9]+)$")
_DATUM = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class InboxFile:
    path: Path
    rel: str
    quelle: str
    art: str | None
    datenstand: date | None
    ext: str
    size: int
    mtime_ns: int
    problem: str | None = None  # set: the file is rejected on its name alone


def _classify(rel: str, run_day: date) -> tuple[str, str | None, date | None, str, str | None]:
    parts = rel.split("/")
    quelle = parts[0] if len(parts) > 1 else "eingang"
    name = parts[-1]
    m = _NAME.match(name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not m:
        return quelle, None, None, ext, "Unbekannte Exportart: Dateiname passt zu keinem Export (ignoriert)."
    art = m.group("art").lower()
    kind = BY_NAME.get(art)
    if kind is None:
        return quelle, None, None, ext, f"Unbekannte Exportart '{art}' (ignoriert)."
    if quelle != kind.quelle:
        return quelle, art, None, ext, f"Export '{art}' gehört in den Ordner '{kind.quelle}/', nicht nach '{quelle}/'."
    if ext not in kind.extensions:
        allowed = ", ".join("." + e for e in kind.extensions)
        return quelle, art, None, ext, f"Dateiformat .{ext} ist für '{art}' nicht vorgesehen (erwartet: {allowed})."
    raw = m.group("datum")
    if not raw:
        return quelle, art, None, ext, "Kein Datenstand im Dateinamen (erwartet: art_JJJJ-MM-TT)."
    if not _DATUM.match(raw):
        return quelle, art, None, ext, f"Kein gültiges Datum im Dateinamen: '{raw}' (erwartet: JJJJ-MM-TT)."
    try:
        stand = date.fromisoformat(raw)
    except ValueError:
        return quelle, art, None, ext, f"Kein gültiges Datum im Dateinamen: '{raw}' gibt es nicht."
    if stand > run_day:
        return quelle, art, stand, ext, f"Datenstand {datum(stand)} liegt nach dem Tag des Laufs ({datum(run_day)})."
    return quelle, art, stand, ext, None


def discover(inbox: Path, run_day: date) -> list[InboxFile]:
    """Every regular file below the inbox (hidden files skipped), classified by its name."""
    if not inbox.is_dir():
        raise FileNotFoundError(f"Der Eingangsordner {inbox} existiert nicht oder ist kein Ordner.")
    found: list[InboxFile] = []
    for path in sorted(inbox.rglob("*")):
        # NFC: macOS file systems hand out names decomposed; kinds, folders and the name shown in
        # every report compare and read as the composed form (the file is still opened by ``path``).
        rel = unicodedata.normalize("NFC", path.relative_to(inbox).as_posix())
        if any(part.startswith(".") for part in rel.split("/")) or not path.is_file():
            continue
        st = path.stat()
        quelle, art, stand, ext, problem = _classify(rel, run_day)
        found.append(InboxFile(path, rel, quelle, art, stand, ext, st.st_size, st.st_mtime_ns, problem))
    return _reject_ambiguous(found)


def _reject_ambiguous(files: list[InboxFile]) -> list[InboxFile]:
    """Two deliveries of one kind for one Datenstand (VHS: .xlsx and .csv) cannot both be right."""
    seen: dict[tuple[str, date], int] = {}
    for f in files:
        if f.problem is None and f.art:
            seen[(f.art, f.datenstand)] = seen.get((f.art, f.datenstand), 0) + 1
    out = []
    for f in files:
        if f.problem is None and f.art and seen[(f.art, f.datenstand)] > 1:
            f = InboxFile(
                f.path, f.rel, f.quelle, f.art, f.datenstand, f.ext, f.size, f.mtime_ns,
                f"Mehrdeutig: für Datenstand {datum(f.datenstand)} liegen mehrere '{f.art}'-Dateien vor (z. B. .xlsx und .csv); beide abgelehnt.",
            )
        out.append(f)
    return out
