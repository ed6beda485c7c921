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
