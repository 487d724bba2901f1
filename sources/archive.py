"""The raw archive: a private copy of every new inbox file, named by its content hash.

The inbox is never touched; parsing reads from the archive copy so a file changed while a run is
under way cannot make the run inconsistent. Files are mode 0600 in a 0700 folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def archived_path(archive_dir: Path, sha: str, ext: str) -> Path:
    return archive_dir / f"{sha}.{ext}"


def ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)


def open_private(path: Path, mode: str = "wb", **kw):
    """Open ``path`` for writing, created with mode 0600 (not chmod-ed afterwards: the content is
    never readable by others, whatever the umask). An existing file, e.g. the ``.tmp`` of a killed
    run, gets 0600 too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode, **kw)


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (a ``.tmp`` beside it, then renamed), private (0600)
    from its creation: the internal reports hold unsuppressed small counts."""
    tmp = path.with_name(path.name + ".tmp")
    with open_private(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return path


def archive_file(src: Path, archive_dir: Path, sha: str, ext: str) -> Path:
    """Copy ``src`` into the archive unless a copy with that content is already there."""
    ensure_private_dir(archive_dir)
    target = archived_path(archive_dir, sha, ext)
    if target.exists():
        return target
    tmp = target.with_suffix(target.suffix + ".tmp")
    with open_private(tmp) as out, open(src, "rb") as fh:
        shutil.copyfileobj(fh, out, 1 << 20)
    if content_hash(tmp) != sha:  # the partner overwrote the file while we copied it
        tmp.unlink()
        raise OSError(f"{src.name} hat sich während des Kopierens verändert; nächster Lauf versucht es erneut.")
    os.replace(tmp, target)
    return target


def prune_archive(archive_dir: Path, keep: set[str], max_age_days: int, now: float | None = None) -> list[str]:
    """Delete archive copies older than the retention period, except those still in use."""
    if not archive_dir.is_dir():
        return []
    cutoff = (now or time.time()) - max_age_days * 86400
    removed = []
    for f in archive_dir.iterdir():
        sha = f.name.split(".", 1)[0]
        if sha in keep or not f.is_file():
            continue
        if f.stat().st_mtime < cutoff:
            f.unlink()
            removed.append(sha)
    return removed
