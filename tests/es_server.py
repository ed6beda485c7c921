"""Elasticsearch-side test fixtures: a real OpenSearch node, or osmem-server as the fallback.

Import the fixtures into a test module (``from es_server import es_url, ...``); they are
kept out of conftest.py on purpose so only the tests that need a server start one.

Which server the Elasticsearch engine is tested on:

* ``NEWSLINK_ES_URL`` set (CI sets it to the real OpenSearch node that ``.ci/run`` starts
  with ``tools/opensearch-local/run``): every Elasticsearch-side test runs against that
  cluster -- Lucene's analyzers, BM25, refresh and highlighting, the reference.
* not set (a plain clone without Java): ``osmem-server`` (PyPI, an in-memory emulator of
  the OpenSearch API) on 127.0.0.1. It checks that our requests are right for the API, not
  Lucene's behaviour; tests that only a real analyzer can pass are skipped then, with a
  reason that says how to run them.

* ``es_url`` (session): the URL of that server.
* ``es_engine``: an ElasticsearchEngine on a fresh, uniquely named index, dropped after.
* ``private_server``: a server of one's own, for tests that kill it -- a private real node
  (``tools/opensearch-local/run --port 0``) when ``NEWSLINK_OPENSEARCH_RUN`` names that
  launcher (CI sets it), else a private osmem-server. Either has ``.url`` and ``.process``.
"""
from __future__ import annotations

import functools
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from osmem_server import OsmemServer

ES_URL_ENV = "NEWSLINK_ES_URL"
RUN_ENV = "NEWSLINK_OPENSEARCH_RUN"  # path of tools/opensearch-local/run: private servers are real nodes
REAL_ONLY = "needs a real OpenSearch/Elasticsearch (Lucene), not osmem-server: set NEWSLINK_ES_URL (README: tools/opensearch-local/run starts one)"


def start_osmem() -> OsmemServer:
    """An osmem-server on 127.0.0.1 (free port chosen by the server); dies with this process."""
    return OsmemServer.start(addr="127.0.0.1:0", japanese=False, startup_timeout=30.0)


class LocalNode:
    """A private real OpenSearch node from ``tools/opensearch-local/run`` on a free port.

    Started with stdin as a pipe, so the node also stops if this process dies without
    ``close()``; ``close()`` sends SIGTERM (a clean stop) and removes its data folder.
    """

    def __init__(self, run: str, startup_timeout: float = 180.0) -> None:
        self.data = tempfile.mkdtemp(prefix="newslink-os-")
        self.log = open(os.path.join(self.data, "run.log"), "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [run, "--port", "0", "--data", os.path.join(self.data, "node")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
        )
        line = self._ready_line(startup_timeout)
        # READY http://127.0.0.1:PORT (OpenSearch X.Y.Z)
        self.url = line.split()[1]
        self.version = line.rsplit(" ", 1)[-1].rstrip(")")

    def _ready_line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 1.0)
            if ready:
                line = self.process.stdout.readline().decode()
                if line.startswith("READY "):
                    return line.strip()
            if self.process.poll() is not None:
                break
        self.close()
        raise RuntimeError(f"tools/opensearch-local/run did not print READY within {timeout:.0f} s; see {self.data}/run.log")

    def close(self, grace: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def real_server() -> bool:
    """Whether the Elasticsearch-side tests run against a real cluster (NEWSLINK_ES_URL)."""
    return bool(os.environ.get(ES_URL_ENV))


@functools.cache
def env_problem() -> str | None:
    """Why the cluster named by NEWSLINK_ES_URL cannot be tested (it does not answer), or None.
    Asked once per session."""
    import requests

    url = os.environ.get(ES_URL_ENV)
    if not url:
        return None
    try:
        requests.get(url, timeout=5)
    except requests.RequestException as exc:
        return f"{ES_URL_ENV}={url} is unreachable ({type(exc).__name__}): its tests are skipped; start it or unset {ES_URL_ENV}"
    return None


def es_targets() -> list[str]:
    """One target: the real cluster when NEWSLINK_ES_URL is set, else osmem-server."""
    return ["env"] if real_server() else ["osmem"]


def unique_index(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def osmem() -> Iterator[OsmemServer]:
    """An osmem-server of its own, for a test about the emulator itself (not the engine's target)."""
    server = start_osmem()
    yield server
    server.close()


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    if real_server():
        if env_problem():  # one skip reason, not a connection traceback from every test
            pytest.skip(env_problem())
        yield os.environ[ES_URL_ENV]
        return
    server = start_osmem()
    yield server.url
    server.close()


@pytest.fixture()
def real_es(es_url: str) -> str:
    """``es_url`` when it is a real cluster; skips on osmem-server (its analyzers are not Lucene's)."""
    if not real_server():
        pytest.skip(REAL_ONLY)
    return es_url


@pytest.fixture()
def es_engine(es_url: str):
    from newslink.search.engines.elasticsearch import ElasticsearchEngine

    engine = ElasticsearchEngine(es_url, unique_index())
    yield engine
    try:
        engine.drop()
    finally:
        engine.close()


@pytest.fixture()
def private_server() -> Iterator[LocalNode | OsmemServer]:
    run = os.environ.get(RUN_ENV)
    server: LocalNode | OsmemServer = LocalNode(run) if run else start_osmem()
    yield server
    server.close(grace=1.0) if isinstance(server, OsmemServer) else server.close()


class FlakyProxy:
    """A real HTTP hop in front of a server that answers the first ``failures`` bulk
    requests with ``status`` (429 = "too many requests", 503 = node restarting).

    Lets a test see the client's retry and backoff against a real server without a
    mocked client. Everything else is forwarded untouched.
    """

    def __init__(self, upstream: str, status: int = 429, failures: int = 1) -> None:
        import http.server
        import threading
        import urllib.error
        import urllib.request

        self.upstream = upstream.rstrip("/")
        self.status = status
        self.failures = failures
        self.bulk_requests = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if "_bulk" in self.path:
                    proxy.bulk_requests += 1
                    if proxy.bulk_requests <= proxy.failures:
                        payload = b'{"error":{"type":"es_rejected_execution_exception","reason":"injected"},"status":%d}' % proxy.status
                        self._reply(proxy.status, {"Content-Type": "application/json", "X-Elastic-Product": "Elasticsearch"}, payload)
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        self._reply(resp.status, dict(resp.headers.items()), resp.read())
                except urllib.error.HTTPError as err:
                    self._reply(err.code, dict(err.headers.items()), err.read())

            def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
