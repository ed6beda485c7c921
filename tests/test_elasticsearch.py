"""The Elasticsearch engine's own promises, beyond the shared contract:

zero-downtime reindex (alias swap while searches run), interrupted and killed
reindexes, bulk with rejected documents, retries on 429, the server going away
mid-bulk, talking to OpenSearch, and the CLI end to end. Runs against the cluster at
NEWSLINK_ES_URL (in CI a real OpenSearch node from tools/opensearch-local), else against
osmem-server; no mocked client stands in for the engine.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from es_server import FlakyProxy, es_engine, es_url, private_server, real_es, unique_index  # noqa: F401 - fixtures
from test_engine_contract import synthetic_docs

from newslink.search.engines import EngineError
from newslink.search.engines.elasticsearch import MAPPING_FILE, ElasticsearchEngine
from newslink.search.engines.es_client import detect
from newslink.search.query import QueryError, SearchQuery
from newslink.search.reindex import run_reindex

DATA = Path(__file__).resolve().parent / "data"


def wait_until(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    """Poll ``predicate`` until true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


@pytest.fixture()
def docs(corpus_docs) -> list[dict[str, Any]]:
    return list(corpus_docs) + synthetic_docs(60)


@pytest.fixture()
def filled(es_engine, docs):
    assert es_engine.write(docs) == []
    es_engine.commit()
    return es_engine


# ---------------------------------------------------------------------------- talking to the server
def test_distribution_detection():
    es8 = {"name": "n", "cluster_name": "c", "version": {"number": "8.15.0", "build_flavor": "default"}, "tagline": "You Know, for Search"}
    os2 = {"name": "n", "version": {"distribution": "opensearch", "number": "2.19.1"}, "tagline": "The OpenSearch Project: https://opensearch.org/"}
    assert detect(es8).distribution == "elasticsearch" and detect(es8).wants_compat_media_type
    assert detect(os2).distribution == "opensearch" and not detect(os2).wants_compat_media_type
    with pytest.raises(EngineError):
        detect({"hello": "world"})


def test_opensearch_gets_plain_json(es_url):
    """OpenSearch (and osmem) reject the 8.x client's media type; our client still works."""
    req = urllib.request.Request(
        es_url + "/_count",
        data=b'{"query": {"match_all": {}}}',
        method="POST",
        headers={"Accept": "application/vnd.elasticsearch+json; compatible-with=8", "Content-Type": "application/vnd.elasticsearch+json; compatible-with=8"},
    )
    engine = ElasticsearchEngine(es_url, unique_index())
    try:
        if engine.server.distribution == "opensearch":
            with pytest.raises(urllib.error.HTTPError) as raised:
                urllib.request.urlopen(req, timeout=10)
            assert raised.value.code == 406
        else:  # Elasticsearch 8 is what the compatibility type is for
            with urllib.request.urlopen(req, timeout=10) as resp:
                assert resp.status == 200
        assert engine.write([{"id": "a", "title": "Plain JSON", "text": "bulk is x-ndjson"}]) == []
        engine.commit()  # a real node shows writes to searches and counts only after a refresh
        assert engine.count() == 1
    finally:
        engine.drop()
        engine.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_a_clear_engine_error():
    with pytest.raises(EngineError, match=r"cannot reach Elasticsearch/OpenSearch at http://127\.0\.0\.1:\d+"):
        ElasticsearchEngine(f"http://127.0.0.1:{_free_port()}", "articles")


def test_names_and_mapping_come_from_the_file(es_engine):
    assert es_engine.alias == f"newslink-{es_engine.index_name}"
    assert re.fullmatch(rf"newslink-{es_engine.index_name}-\d{{20}}", es_engine.generation)
    mapping = es_engine.client.indices.get_mapping(index=es_engine.generation).body[es_engine.generation]["mappings"]
    wanted = json.loads(MAPPING_FILE.read_text())["mappings"]
    assert mapping["properties"]["entities"]["properties"] == wanted["properties"]["entities"]["properties"]
    assert mapping["properties"]["entity_list"] == {"type": "object", "enabled": False}
    assert mapping["properties"]["title"]["fields"]["exact"]["analyzer"] == "newslink_exact"
    with pytest.raises(EngineError, match="lowercase"):
        ElasticsearchEngine(es_engine.url, "Bad Name")


def test_page_past_the_cap_is_a_clear_error(filled):
    q = SearchQuery(size=10)
    q.page = 1001  # mutated after validation: the engine checks again
    with pytest.raises(QueryError, match="10,000"):
        filled.search(q)


# ---------------------------------------------------------------------------- bulk
def test_bulk_mix_of_good_and_rejected_documents(es_engine, docs):
    bad = [
        dict(docs[0], id="bad-date", published="last Tuesday-ish"),
        dict(docs[1], id="bad-entities", entities={"person": {"qid": "Q1"}}),
        dict(docs[2], id="bad-title", title={"not": "text"}),
        {"title": "no id at all", "text": "x"},
    ]
    mixed = docs[:20] + bad[:2] + docs[20:40] + bad[2:]
    failed = dict(es_engine.write(mixed))
    assert set(failed) == {"bad-date", "bad-entities", "bad-title", "None"}
    assert "published" in failed["bad-date"] and "entities.person" in failed["bad-entities"]
    es_engine.commit()
    assert es_engine.indexed == 40 == es_engine.count()  # only what the server confirmed
    assert es_engine.get("bad-date") is None and es_engine.get(docs[39]["id"]) == docs[39]


def test_write_never_auto_creates_an_index_behind_a_missing_alias(es_engine, docs):
    es_engine.client.indices.delete(index=es_engine.generation)
    failed = es_engine.write(docs[:3])
    assert [i for i, _ in failed] == [d["id"] for d in docs[:3]] and "alias" in failed[0][1]
    assert not es_engine.client.indices.exists(index=es_engine.alias)


@pytest.mark.parametrize("status", [429, 503])
def test_bulk_retries_with_backoff(es_url, docs, status):
    proxy = FlakyProxy(es_url, status=status, failures=2)
    engine = ElasticsearchEngine(proxy.url, unique_index(), chunk_size=25, initial_backoff=0.05)
    try:
        assert engine.write(docs[:60]) == []
        engine.commit()
        assert engine.count() == 60 == engine.indexed
        assert proxy.bulk_requests >= 3 + 2  # three chunks + the two refused attempts
    finally:
        engine.drop()
        engine.close()
        proxy.close()


def test_bulk_gives_up_after_retries_without_claiming_anything(es_url, docs):
    proxy = FlakyProxy(es_url, status=429, failures=100)
    engine = ElasticsearchEngine(proxy.url, unique_index(), chunk_size=25, max_retries=2, initial_backoff=0.01)
    try:
        with pytest.raises(EngineError, match=r"HTTP 429.*0 of the 30 documents in this batch were confirmed"):
            engine.write(docs[:30])
        assert engine.indexed == 0 and engine.count() == 0
    finally:
        engine.drop()
        engine.close()
        proxy.close()


class KillAfter(list):
    """A batch of documents that kills the server when the bulk helper reaches item ``at``."""

    def __init__(self, docs: list[dict[str, Any]], at: int, server, alias: str) -> None:
        super().__init__(docs)
        self.at, self.server, self.alias = at, server, alias
        self.server_count: int | None = None

    def __iter__(self):
        for i, doc in enumerate(list.__iter__(self)):
            if i == self.at:  # what the server holds: a refresh first, a real node shows nothing before one
                urllib.request.urlopen(urllib.request.Request(f"{self.server.url}/{self.alias}/_refresh", method="POST"), timeout=10).read()
                with urllib.request.urlopen(f"{self.server.url}/{self.alias}/_count", timeout=10) as resp:
                    self.server_count = json.loads(resp.read())["count"]
                self.server.process.kill()
                self.server.process.wait(timeout=10)
            yield doc


def test_server_gone_mid_bulk(private_server, docs):
    engine = ElasticsearchEngine(private_server.url, "articles", chunk_size=20, max_retries=1, initial_backoff=0.01)
    batch = KillAfter(docs[:60], at=50, server=private_server, alias=engine.alias)
    with pytest.raises(EngineError) as raised:
        engine.write(batch)
    message = str(raised.value)
    assert batch.server_count == 40  # two chunks of 20 had reached the server when it died
    assert engine.indexed == 40
    assert "lost the connection" in message and "40 of the 60 documents in this batch were confirmed" in message
    assert "rerun the same command" in message.lower()
    with pytest.raises(EngineError, match="cannot reach"):
        engine.count()
    engine.close()


# ---------------------------------------------------------------------------- reindex
def test_reindex_swaps_alias_while_searches_keep_answering(filled, docs, kb):
    searcher = ElasticsearchEngine(filled.url, filled.index_name)  # as another process would
    query = SearchQuery(text="iran OR missile", size=5)
    expected = searcher.search(query).total
    assert expected > 0
    seen: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_loop() -> None:
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                total = searcher.search(query).total
                raw = searcher.client.search(index=searcher.alias, size=1, query={"match_all": {}}).body
                seen.append((total, raw["hits"]["hits"][0]["_index"]))
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                errors.append(exc)
                return

    thread = threading.Thread(target=search_loop, daemon=True)
    thread.start()
    try:
        wait_until(lambda: len(seen) >= 3 or errors, what="searches before the reindex")
        before = filled.generation
        summary = run_reindex(filled, kb, batch=7)
        after_start = len(seen)
        wait_until(lambda: len(seen) >= after_start + 3 or errors, what="searches after the reindex")
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert summary["indexed"] == len(docs) and summary["generation"] == filled.generation != before
    assert {t for t, _ in seen} == {expected}  # every search answered, with every document
    assert {g for _, g in seen} == {before, filled.generation}  # served by both generations
    assert filled.generations() == [filled.generation]  # the old one is gone
    assert filled.count() == len(docs)
    searcher.close()


def test_interrupted_reindex_leaves_the_alias_and_a_rerun_succeeds(filled, docs, kb, monkeypatch):
    before = filled.generation
    original = filled.iter_documents

    def dies_half_way(batch_size: int = 500):
        for i, doc in enumerate(original(batch_size)):
            if i == len(docs) // 2:
                raise RuntimeError("relinking crashed")
            yield doc

    monkeypatch.setattr(filled, "iter_documents", dies_half_way)
    with pytest.raises(RuntimeError, match="relinking crashed"):
        run_reindex(filled, kb, batch=5)
    assert filled.generation == before
    assert filled.generations() == [before]  # the unfinished generation was discarded
    assert filled.count() == len(docs) and filled.search(SearchQuery(text="iran")).total > 0

    monkeypatch.undo()
    summary = run_reindex(filled, kb, batch=50)
    assert summary["indexed"] == len(docs)
    assert filled.generation == summary["generation"] != before
    assert filled.generations() == [filled.generation]


def test_killed_reindex_leaves_a_stale_generation_the_next_run_removes(filled, docs, kb):
    live = filled.generation
    orphan = filled.create_generation()  # a job that was kill -9'd after writing a little
    orphan.write(docs[:10])
    assert filled.generations() == sorted([live, orphan.generation])
    first = run_reindex(filled, kb)  # a fresh heartbeat: could be a running job, so it stays
    assert orphan.generation in filled.generations() and filled.generation == first["generation"]
    filled.stale_after = 0.0
    second = run_reindex(filled, kb)
    assert filled.generations() == [second["generation"]] == [filled.generation]
    assert filled.count() == len(docs)


# ---------------------------------------------------------------------------- CLI
def test_cli_index_search_reindex(es_url, session_home, kb):
    from click.testing import CliRunner

    from newslink.search.cli import cli

    index = unique_index("cli")
    env = {"NEWSLINK_ENGINE": "elasticsearch", "NEWSLINK_ES_URL": es_url, "NEWSLINK_INDEX": index}
    runner = CliRunner(env=env)
    try:
        out = runner.invoke(cli, ["index", str(DATA / "articles.jsonl"), "--json", "--no-progress"])
        assert out.exit_code == 0, out.output
        summary = json.loads(out.stdout)
        assert summary["indexed"] == 6 and summary["index"]["engine"] == "elasticsearch"
        out = runner.invoke(cli, ["search", "iran", "--json"])
        assert out.exit_code == 0, out.output
        results = json.loads(out.stdout)
        assert results["total"] >= 3 and any(b["label"] == "Iran" for b in results["facets"]["country"])
        generation = summary["index"]["generation"]
        out = runner.invoke(cli, ["reindex", "--json", "--no-progress"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.stdout)["generation"] != generation
    finally:
        engine = ElasticsearchEngine(es_url, index)
        engine.drop()
        engine.close()


def test_cli_engine_down_exit_code():
    from click.testing import CliRunner

    from newslink.search.cli import cli

    env = {"NEWSLINK_ENGINE": "elasticsearch", "NEWSLINK_ES_URL": f"http://127.0.0.1:{_free_port()}"}
    out = CliRunner(env=env).invoke(cli, ["search", "iran"])
    assert out.exit_code == 3 and "cannot reach" in out.output


def test_index_job_refuses_to_write_while_a_reindex_builds(filled, docs):
    building = filled.create_generation()  # a reindex in progress (fresh heartbeat)
    writer = ElasticsearchEngine(filled.url, filled.index_name)  # an index job in another process
    try:
        with pytest.raises(EngineError, match="a reindex is building"):
            writer.write(docs[:1])
        filled.discard(building)
        assert writer.write(docs[:1]) == []  # the build is gone: writing is fine again
    finally:
        writer.close()
