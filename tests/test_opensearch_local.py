"""tools/opensearch-local/run: the launcher of the real OpenSearch node CI tests on.

Its argument errors need no Java. Starting a node needs Java and Maven (and a first
build), so those tests run where ``NEWSLINK_OPENSEARCH_RUN`` names the launcher (CI sets
it) and are skipped, with that reason, elsewhere.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from es_server import RUN_ENV, LocalNode

from conftest import REPO

RUN = REPO / "tools" / "opensearch-local" / "run"


@pytest.mark.parametrize(("args", "message"), [
    (["--data", "x"], "--port PORT is required"),
    (["--port", "nine", "--data", "x"], "--port PORT is required"),
    (["--port", "0"], "--data DIR is required"),
    (["--port", "0", "--data", "x", "--version", "latest"], "--version must look like 2.19.6"),
    (["--port", "0", "--data", "x", "--bogus"], "unknown argument --bogus"),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = subprocess.run([str(RUN), *args], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("opensearch-local: ") and message in result.stderr
    assert not (tmp_path / "x").exists()  # nothing built or created on a bad command


@pytest.fixture()
def run() -> str:
    run = os.environ.get(RUN_ENV)
    if not run:
        pytest.skip(f"starting a node needs Java and Maven: set {RUN_ENV}=tools/opensearch-local/run (CI does)")
    return run


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def test_a_node_says_ready_listens_on_loopback_only_and_stops_when_stdin_closes(run: str) -> None:
    node = LocalNode(run)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", node.url)
        root = get(node.url + "/")
        assert root["version"]["distribution"] == "opensearch" and root["version"]["number"] == node.version
        info = get(node.url + "/_nodes/_local/http,transport,plugins")
        (only,) = info["nodes"].values()
        bound = only["http"]["bound_address"] + only["transport"]["bound_address"]
        assert bound and all(a.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for a in bound), bound
        modules = {p["classname"].rsplit(".", 1)[-1] for p in only["plugins"]}
        assert any(m.startswith("CommonAnalysis") for m in modules), modules
        assert any(m.startswith("Reindex") for m in modules) and any(m.startswith("Netty4") for m in modules)
        assert node.process.stdin is not None
        node.process.stdin.close()  # the parent went away
        assert node.process.wait(timeout=60) == 0
    finally:
        node.close()


def test_sigterm_closes_the_node_cleanly(run: str) -> None:
    node = LocalNode(run)
    log = Path(node.data) / "node" / "logs" / "opensearch.log"
    try:
        node.process.send_signal(signal.SIGTERM)
        assert node.process.wait(timeout=60) == 128 + signal.SIGTERM  # the JVM's exit after its shutdown hooks
        lines = log.read_text(encoding="utf-8").splitlines()
        assert any(line.endswith("] closed") for line in lines[-5:]), lines[-5:]  # the node closed, not just died
    finally:
        node.close()
