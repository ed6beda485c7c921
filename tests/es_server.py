"""Elasticsearch-side test fixtures: an osmem-server on 127.0.0.1, or a real cluster.

Import the fixtures into a test module (``from es_server import es_url, ...``); they are
kept out of conftest.py on purpose so only the tests that need a server start one.

* ``osmem`` (session): ``osmem-server`` (PyPI, an in-memory OpenSearch-API server) on
  127.0.0.1 with a port the server picks itself (``:0``, so no race for a free port),
  stopped when the session ends. It checks that our requests are right for the API,
  not Lucene's relevance.
* ``es_url`` (session, parametrized): that osmem server, plus the cluster named by
  ``NEWSLINK_ES_URL`` when the variable is set (the same tests then run against it).
* ``es_engine``: an ElasticsearchEngine on a fresh, uniquely named index, dropped after.
* ``private_osmem``: a server of one's own, for tests that kill it.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from osmem_server import OsmemServer

ES_URL_ENV = "NEWSLINK_ES_URL"


def start_osmem() -> OsmemServer:
    """An osmem-server on 127.0.0.1 (free port chosen by the server); dies with this process."""
    return OsmemServer.start(addr="127.0.0.1:0", japanese=False, startup_timeout=30.0)


def es_targets() -> list[str]:
    return ["osmem"] + (["env"] if os.environ.get(ES_URL_ENV) else [])


def unique_index(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def osmem() -> Iterator[OsmemServer]:
    server = start_osmem()
    yield server
    server.close()


@pytest.fixture(scope="session", params=es_targets())
def es_url(request: pytest.FixtureRequest) -> str:
    if request.param == "env":
        return os.environ[ES_URL_ENV]
    return request.getfixturevalue("osmem").url


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
def private_osmem() -> Iterator[OsmemServer]:
    server = start_osmem()
    yield server
    server.close(grace=1.0)


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
