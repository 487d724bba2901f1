"""Sensors of the code location: the inbox sensor that starts ``nachtlauf`` when an export arrives.

The cursor is a JSON map ``relpath -> {sha256, groesse, mtime_ns}``. Like ``register_inbox`` the
sensor hashes a file only when its size or mtime changed since the last tick, so an idle inbox
costs one ``stat`` per file. A run is requested only when a file's *content* is new or changed
(touching a file does nothing); its ``run_key`` is derived from the changed files' paths, hashes and
mtimes, so a tick evaluated twice (e.g. after a daemon restart that lost the cursor update) never
starts the same run twice, while the same content delivered again later still starts one.

Ignored: hidden files and folders (``.``), office lock files (``~$…``) and the temp names upload
tools use while copying (``*.tmp``, ``*.part``, ``*.filepart``, …). A file younger than
``Settings.eingang_ruhezeit_sekunden`` is left for the next tick: a partner's copy may still be
under way, and a half-copied snapshot must not become the one in use.

A file that disappears from the inbox is dropped from the cursor but starts no run on its own; the
nightly schedule picks the removal up.

Every configured municipality is served: when the inbox has a folder per municipality of
``Settings.kommunen`` (``INBOX/<kommune>/asyl/...``, the layout of ``nachtlauf_kommunen``), a
changed file starts the partition run of its municipality, one run per changed municipality;
otherwise the inbox is the one inbox of ``nachtlauf``.
"""


import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines.jobs import nightly_job
from pipelines.partitions import KOMMUNEN_JOB_NAME
from assets.resources import PhasenmonitorResource
from sources.archive import content_hash

SENSOR_NAME = "eingang_sensor"
# How often the daemon evaluates the sensor; one stat per inbox file per tick.
SENSOR_INTERVALL_SEKUNDEN = 60
CURSOR_VERSION = 1
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".filepart", ".crdownload", ".download", ".swp", ".lock", "~")
TRIGGER_TAG = "phasenmonitor/ausloeser"


def ignored(rel: str) -> bool:
    """Hidden files and folders, office lock files and upload temp files are not exports."""
    parts = rel.split("/")
    if any(p.startswith(".") for p in parts):
        return True
    name = parts[-1].lower()
    return name.startswith("~") or name.endswith(TEMP_SUFFIXES)


@dataclass(frozen=True)
class Seen:
    sha256: str
    groesse: int
    mtime_ns: int


def parse_cursor(cursor: str | None) -> dict[str, Seen]:
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
        return {}
    return {rel: Seen(**v) for rel, v in data.get("dateien", {}).items()}


def dump_cursor(seen: dict[str, Seen]) -> str:
    return json.dumps(
        {"v": CURSOR_VERSION, "dateien": {rel: s.__dict__ for rel, s in sorted(seen.items())}},
        separators=(",", ":"),
    )


@dataclass
class Scan:
    seen: dict[str, Seen]        # the new cursor
    changed: list[str]           # relpaths whose content is new or changed
    hashed: int = 0              # files read this tick
    waiting: int = 0             # files younger than the settle time, left for the next tick


def scan_inbox(inbox: Path, previous: dict[str, Seen], ruhezeit_s: float, now: float | None = None) -> Scan:
    """Compare the inbox with the cursor; hash only what changed on disk."""
    now = time.time() if now is None else now
    result = Scan(seen={}, changed=[])
    for path in sorted(inbox.rglob("*")):
        rel = path.relative_to(inbox).as_posix()
        if ignored(rel):
            continue
        try:
            if not path.is_file():
                continue
            st = path.stat()
        except OSError:  # vanished between listing and stat
            continue
        prev = previous.get(rel)
        if prev and prev.groesse == st.st_size and prev.mtime_ns == st.st_mtime_ns:
            result.seen[rel] = prev
            continue
        if now - st.st_mtime < ruhezeit_s:
            result.waiting += 1
            if prev:
                result.seen[rel] = prev  # judge it again once it has settled
            continue
        try:
            sha = content_hash(path)
        except OSError:
            continue
        result.hashed += 1
        result.seen[rel] = Seen(sha, st.st_size, st.st_mtime_ns)
        if prev is None or prev.sha256 != sha:
            result.changed.append(rel)
    return result


def run_key_for(scan: Scan) -> str:
    material = "\n".join(f"{rel}\0{scan.seen[rel].sha256}\0{scan.seen[rel].mtime_ns}" for rel in sorted(scan.changed))
    return "eingang-" + hashlib.sha256(material.encode()).hexdigest()[:20]


def run_requests(scan: Scan, partitioned: set[str]) -> list[dg.RunRequest]:
    """One run of ``nachtlauf``, or one partition run per municipality with a changed file."""
    if not partitioned:
        return [dg.RunRequest(job_name=nightly_job.name, run_key=run_key_for(scan), tags={TRIGGER_TAG: "eingang"})]
    by_kommune: dict[str, list[str]] = {}
    for rel in scan.changed:
        kommune = rel.split("/", 1)[0]
        if kommune in partitioned:
            by_kommune.setdefault(kommune, []).append(rel)
    return [
        dg.RunRequest(
            job_name=KOMMUNEN_JOB_NAME,
            partition_key=k,
            run_key=f"{k}-" + run_key_for(Scan(seen=scan.seen, changed=rels)),
            tags={TRIGGER_TAG: "eingang"},
        )
        for k, rels in sorted(by_kommune.items())
    ]


def build_eingang_sensor(kommunen_job) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR_NAME,
        jobs=[nightly_job, kommunen_job],
        minimum_interval_seconds=SENSOR_INTERVALL_SEKUNDEN,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Startet den Nachtlauf, sobald ein neuer oder geänderter Export im Eingangsordner liegt "
            "(erkannt am Inhalts-Hash; versteckte und temporäre Dateien werden übergangen, frisch "
            "kopierte Dateien erst nach der Ruhezeit berücksichtigt). Hat der Eingang einen Ordner je "
            "Kommune, startet er den Lauf der Kommune, deren Datei neu ist (nachtlauf_kommunen)."
        ),
    )
    def eingang_sensor(context: dg.SensorEvaluationContext, phasenmonitor: PhasenmonitorResource):
        settings = phasenmonitor.settings()
        inbox = settings.inbox
        if not inbox.is_dir():
            return dg.SkipReason(f"Der Eingangsordner {inbox} existiert nicht.")
        scan = scan_inbox(inbox, parse_cursor(context.cursor), settings.eingang_ruhezeit_sekunden)
        cursor = dump_cursor(scan.seen)
        requests = run_requests(scan, {k for k in settings.kommunen if (inbox / k).is_dir()}) if scan.changed else []
        if not requests:
            reason = ("Keine neue oder geänderte Datei im Eingang." if not scan.changed else
                      "Neue oder geänderte Dateien liegen nur außerhalb der Ordner der Kommunen: " + ", ".join(sorted(scan.changed)[:5]))
            if scan.waiting:
                reason += f" {scan.waiting} Datei(en) werden noch kopiert (Ruhezeit)."
            return dg.SensorResult(skip_reason=reason, cursor=cursor)
        context.log.info(f"Neu oder geändert: {', '.join(sorted(scan.changed))}")
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return eingang_sensor
