"""The Dagster UI tells the story: a real `dagster-webserver` on the workspace, asked over GraphQL.

Starts the webserver exactly as the systemd unit does (`-w workspace.yaml`, the instance
configuration of deploy/dagster.yaml in a temporary DAGSTER_HOME), bound to 127.0.0.1 on a free
port, polls until the code location is loaded (bounded), and always terminates the process group.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, PIPELINE_ROOT

STARTUP_LIMIT_S = 90
GROUPS_IN_ORDER = ["raw", "staging", "kennzahlen", "bericht"]

QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
        }
      }
    }
  }
  assetNodes {
    assetKey { path }
    groupName
    description
    kinds
    owners {
      __typename
      ... on TeamAssetOwner { team }
      ... on UserAssetOwner { email }
    }
    dependencyKeys { path }
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name blocking description } }
    }
  }
  repositoriesOrError {
    __typename
    ... on RepositoryConnection {
      nodes {
        name
        jobs { name description }
        schedules { name cronSchedule executionTimezone pipelineName scheduleState { status } }
        sensors { name targets { pipelineName } sensorState { status } }
      }
    }
  }
  instance { runQueueConfig { maxConcurrentRuns tagConcurrencyLimitsYaml } }
}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=20) as resp:
        body = json.loads(resp.read())
    assert "errors" not in body, body.get("errors")
    return body["data"]


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """(port, GraphQL answer) of a webserver on the real workspace; the process is always stopped."""
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(PIPELINE_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    data = tmp_path_factory.mktemp("daten")
    (data / "inbox").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHASENMONITOR_")}
    env.update(
        DAGSTER_HOME=str(home),
        PHASENMONITOR_INBOX=str(data / "inbox"),
        PHASENMONITOR_OUT=str(data / "out"),
    )
    port = _free_port()
    log = open(home / "webserver.log", "wb")
    proc = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PIPELINE_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        answer = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                answer = _graphql(port, QUERY)
                entries = answer["workspaceOrError"].get("locationEntries") or []
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except urllib.error.HTTPError as exc:  # the server is up and rejects the query: no point waiting
                pytest.fail(f"GraphQL {exc.code}: {exc.read()[:2000]!r}")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        else:
            answer = None
        if answer is None:
            log.flush()
            pytest.fail(
                f"dagster-webserver did not serve the workspace within {STARTUP_LIMIT_S} s:\n"
                + (home / "webserver.log").read_text(errors="replace")[-3000:]
            )
        yield port, answer
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def test_code_location_loads_without_error(ui):
    _, data = ui
    entries = data["workspaceOrError"]["locationEntries"]
    assert entries, data["workspaceOrError"]
    for e in entries:
        assert e["locationOrLoadError"]["__typename"] == "RepositoryLocation", e
    assert [e["name"] for e in entries] == ["phasenmonitor"]


def test_every_staging_asset_shows_its_contract_check(ui):
    _, data = ui
    for n in data["assetNodes"]:
        path = n["assetKey"]["path"]
        if path[0] == "staging":
            checks = {c["name"]: c for c in n["assetChecksOrError"]["checks"]}
            assert f"vertrag_{path[1]}" in checks, path
            assert not checks[f"vertrag_{path[1]}"]["blocking"]


def test_asset_graph_runs_raw_staging_kennzahlen_bericht(ui):
    _, data = ui
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    groups = {n["groupName"] for n in nodes.values()}
    assert groups == set(GROUPS_IN_ORDER)
    for key, node in nodes.items():
        # the group is the first part of the key: the layers are visible in names and groups alike
        assert node["groupName"] == key.split("/")[0], key
        rank = GROUPS_IN_ORDER.index(node["groupName"])
        for dep in node["dependencyKeys"]:
            dep_group = nodes["/".join(dep["path"])]["groupName"]
            assert GROUPS_IN_ORDER.index(dep_group) <= rank, (key, dep)
    # every layer is reached from the one before
    assert nodes["raw/eingang"]["dependencyKeys"] == []
    for layer in GROUPS_IN_ORDER[1:]:
        below = GROUPS_IN_ORDER[GROUPS_IN_ORDER.index(layer) - 1]
        assert any(
            nodes["/".join(d["path"])]["groupName"] == below
            for n in nodes.values() if n["groupName"] == layer for d in n["dependencyKeys"]
        ), layer


DEUTSCH = {"der", "die", "das", "den", "dem", "des", "und", "oder", "mit", "ohne", "je", "nach", "vor", "im", "eine",
           "einer", "nicht", "kein", "keine", "zum", "zur", "von", "aus", "auf", "für", "ist", "wird", "werden", "gegen"}
ENGLISCH = {"the", "and", "of", "per", "one", "row", "with", "without", "is", "are", "for", "from", "to", "each"}


def _german(text: str) -> bool:
    """More German than English function words (umlauts count as German)."""
    words = [w.strip(".,:;()'\"") for w in text.lower().split()]
    de = sum(w in DEUTSCH for w in words) + sum(ch in "äöüß" for ch in text.lower())
    en = sum(w in ENGLISCH for w in words)
    return de > en


def _german_throughout(text: str) -> bool:
    """The whole text and its first sentence (an English lead sentence was the old inconsistency)."""
    return _german(text) and _german(text.split(". ", 1)[0])


def test_assets_have_owners_kinds_and_german_descriptions(ui):
    _, data = ui
    for node in data["assetNodes"]:
        key = "/".join(node["assetKey"]["path"])
        assert node["owners"], key
        assert node["kinds"], key
        assert node["description"] and _german_throughout(node["description"]), (key, node["description"])


def test_checks_are_attached_and_described_in_german(ui):
    from pipelines.definitions import defs

    _, data = ui
    shown = {
        ("/".join(n["assetKey"]["path"]), c["name"]): c
        for n in data["assetNodes"] if n["assetChecksOrError"]["__typename"] == "AssetChecks"
        for c in n["assetChecksOrError"]["checks"]
    }
    defined = {(k.asset_key.to_user_string(), k.name) for k in defs().resolve_asset_graph().asset_check_keys}
    assert set(shown) == defined
    for key, check in shown.items():
        assert check["description"] and _german_throughout(check["description"]), (key, check["description"])


def test_schedule_sensor_and_queue_limit_are_visible(ui):
    _, data = ui
    (repo,) = data["repositoriesOrError"]["nodes"]
    schedules = {s["name"]: s for s in repo["schedules"]}
    nacht = schedules["nachtlauf_0200"]
    assert (nacht["cronSchedule"], nacht["executionTimezone"], nacht["pipelineName"]) == ("0 2 * * *", "Europe/Berlin", "nachtlauf")
    assert nacht["scheduleState"]["status"] == "RUNNING"
    assert schedules["historie_bereinigen_0430"]["pipelineName"] == "historie_bereinigen"
    sensors = {s["name"]: s for s in repo["sensors"]}
    assert sorted(t["pipelineName"] for t in sensors["eingang_sensor"]["targets"]) == ["nachtlauf", "nachtlauf_kommunen"]
    assert sensors["eingang_sensor"]["sensorState"]["status"] == "RUNNING"
    jobs = {j["name"]: j for j in repo["jobs"]}
    assert _german(jobs["nachtlauf"]["description"])
    queue = data["instance"]["runQueueConfig"]
    assert queue["maxConcurrentRuns"] == 1
    assert "phasenmonitor/warehouse" in queue["tagConcurrencyLimitsYaml"]
