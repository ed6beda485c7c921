"""An index job and a reindex on the same Elasticsearch index never overlap.

A reindex copies the live generation, swaps the alias and deletes the old
generation, so whatever an index job writes through the alias after the copy began
would be lost. Each side marks itself before it looks for the other: the job's
writer heartbeat sits in the live generation's ``_meta``, the reindex's build
heartbeat in the generation it builds. These tests run two engines (as two
processes would) against the test cluster (es_server.es_url), in both orders, with live, closed, dead
and overwritten writers. No waiting: staleness is an old timestamp or a small
``stale_after``, never a sleep.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from es_server import es_url, unique_index  # noqa: F401 - fixtures
from test_engine_contract import synthetic_docs

import newslink.search.engines.elasticsearch as es
from newslink.search.cli import cli
from newslink.search.engines import EngineError
from newslink.search.engines.elasticsearch import BUILD_MARK, MAPPING_MARK, WRITER_MARK, ElasticsearchEngine
from newslink.search.reindex import run_reindex

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REFUSED = re.compile(
    r"an index job is writing to newslink-\w+ \(last heartbeat \d+ s ago\); wait for it to finish, then rerun "
    r"the reindex \(a job that died stops blocking after \d+ minutes; one known to be gone: "
    r"`newslink reindex --clear-writer JOB`; writing: [^()]+\)"
)


@pytest.fixture()
def docs() -> list[dict[str, Any]]:
    return synthetic_docs(40)


@pytest.fixture()
def index(es_url) -> Iterator[str]:  # noqa: F811
    """A fresh index name; every generation of it is dropped afterwards."""
    name = unique_index("conc")
    yield name
    cleaner = ElasticsearchEngine(es_url, name)
    cleaner.drop()
    cleaner.close()


@pytest.fixture()
def engines(es_url, index) -> Iterator[list[ElasticsearchEngine]]:  # noqa: F811
    """Makes engines on ``index`` (one per simulated process) and closes them all."""
    made: list[ElasticsearchEngine] = []
    yield made
    for engine in made:
        engine.close()


def open_engine(url: str, index: str, made: list[ElasticsearchEngine], **kwargs: Any) -> ElasticsearchEngine:
    engine = ElasticsearchEngine(url, index, **kwargs)
    made.append(engine)
    return engine


def live_meta(engine: ElasticsearchEngine) -> dict[str, Any]:
    live = engine.generation
    return engine.client.indices.get_mapping(index=live).body[live]["mappings"].get("_meta") or {}


def put_live_meta(engine: ElasticsearchEngine, meta: dict[str, Any]) -> None:
    engine.client.indices.put_mapping(index=engine.generation, meta=meta)


def test_reindex_refuses_while_an_index_job_writes(es_url, index, engines, docs, kb) -> None:  # noqa: F811
    writer = open_engine(es_url, index, engines)  # an index job, half-way through
    assert writer.write(docs[:20]) == []
    writer.commit()
    reindexer = open_engine(es_url, index, engines)  # `newslink reindex` in another process
    live, generations = reindexer.generation, reindexer.generations()

    with pytest.raises(EngineError) as refused:
        reindexer.create_generation()
    assert REFUSED.fullmatch(str(refused.value)), str(refused.value)
    with pytest.raises(EngineError, match=REFUSED):
        run_reindex(reindexer, kb)
    assert reindexer.generations() == generations == [live]  # the generation it made is gone again
    assert reindexer.generation == live and reindexer.count() == 20  # the alias was not touched
    assert BUILD_MARK not in live_meta(reindexer)

    assert writer.write(docs[20:]) == []  # so the job finishes, and nothing it wrote is lost
    writer.commit()
    assert writer.count() == len(docs)


def test_cli_reindex_exits_3_with_one_line_while_an_index_job_writes(es_url, index, engines, docs, kb) -> None:  # noqa: F811
    writer = open_engine(es_url, index, engines)
    assert writer.write(docs) == []
    env = {"NEWSLINK_ENGINE": "elasticsearch", "NEWSLINK_ES_URL": es_url, "NEWSLINK_INDEX": index, "NEWSLINK_KB": str(kb.path)}
    result = CliRunner().invoke(cli, ["reindex", "--json", "--no-progress"], env=env)
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("newslink: error: an index job is writing to") and REFUSED.search(line), line
    assert writer.generations() == [writer.generation]

    writer.close()  # the job ends: the same command now goes through
    result = CliRunner().invoke(cli, ["reindex", "--json", "--no-progress"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["indexed"] == len(docs)


def test_reindex_proceeds_after_the_writer_closes(es_url, index, engines, docs, kb) -> None:  # noqa: F811
    writer = open_engine(es_url, index, engines)
    assert writer.write(docs) == []
    writer.commit()
    assert writer._writer_id in live_meta(writer)[WRITER_MARK]
    writer.close()
    reindexer = open_engine(es_url, index, engines)
    assert WRITER_MARK not in live_meta(reindexer)  # close() took its heartbeat away
    before = reindexer.generation
    summary = run_reindex(reindexer, kb)
    assert summary["indexed"] == len(docs) and reindexer.generation == summary["generation"] != before
    assert reindexer.generations() == [reindexer.generation]


def test_a_dead_writers_heartbeat_stops_blocking_once_stale(es_url, index, engines, docs, kb) -> None:  # noqa: F811
    writer = open_engine(es_url, index, engines)
    assert writer.write(docs) == []
    writer.commit()
    # A job killed with SIGKILL 20 minutes ago: its heartbeat is still there, and old.
    meta = live_meta(writer)
    put_live_meta(writer, {**meta, WRITER_MARK: {"other-host:4242:deadbeef": time.time() - 20 * 60}})
    writer._writer_beat = None  # this engine plays the dead job: it never removes the mark
    reindexer = open_engine(es_url, index, engines)
    assert run_reindex(reindexer, kb)["indexed"] == len(docs)

    # A fresh heartbeat of a job that died just now blocks until it is `stale_after` old.
    second = open_engine(es_url, index, engines)
    assert second.write(docs[:1]) == []
    second._writer_beat = None  # dies without close()
    with pytest.raises(EngineError, match=REFUSED):
        reindexer.create_generation()
    reindexer.stale_after = 0.0  # as if 15 minutes had passed
    assert run_reindex(reindexer, kb)["indexed"] == len(docs)
    assert reindexer.generations() == [reindexer.generation]


def test_index_job_still_refuses_to_start_during_a_build_and_leaves_no_heartbeat(es_url, index, engines, docs) -> None:  # noqa: F811
    first = open_engine(es_url, index, engines)
    assert first.write(docs[:1]) == []
    first.close()
    reindexer = open_engine(es_url, index, engines)
    building = reindexer.create_generation()  # a reindex in progress, no writer yet
    writer = open_engine(es_url, index, engines)
    with pytest.raises(EngineError, match="a reindex is building"):
        writer.write(docs)
    assert WRITER_MARK not in live_meta(reindexer)  # refused: it does not block the next reindex either
    assert reindexer.count() == 1
    reindexer.discard(building)
    assert writer.write(docs) == []  # the build is gone: writing is fine again


def test_a_writer_whose_heartbeat_was_overwritten_checks_again(es_url, index, engines, docs, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(es, "HEARTBEAT_EVERY", 0.0)  # refresh on every batch
    writer = open_engine(es_url, index, engines)
    assert writer.write(docs[:10]) == []
    # Another job's read-modify-write of _meta dropped our key: a reindex cannot see us...
    meta = live_meta(writer)
    put_live_meta(writer, {k: v for k, v in meta.items() if k != WRITER_MARK})
    reindexer = open_engine(es_url, index, engines)
    building = reindexer.create_generation()
    # ...so the writer's next heartbeat notices and looks for a build before writing more.
    with pytest.raises(EngineError, match="a reindex is building"):
        writer.write(docs[10:])
    writer.commit()  # the job ends here: what it wrote before the refusal is all there is
    assert writer.count() == 10
    reindexer.discard(building)


def test_heartbeats_keep_the_rest_of_the_live_meta(es_url, index, engines, docs, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(es, "HEARTBEAT_EVERY", 0.0)
    one = open_engine(es_url, index, engines)
    two = open_engine(es_url, index, engines)
    observer = open_engine(es_url, index, engines)
    original = live_meta(observer)
    assert MAPPING_MARK in original
    assert one.write(docs[:10]) == [] and two.write(docs[10:20]) == [] and one.write(docs[20:]) == []
    meta = live_meta(observer)
    assert {k: v for k, v in meta.items() if k != WRITER_MARK} == original
    assert set(meta[WRITER_MARK]) == {one._writer_id, two._writer_id}  # one job's heartbeat kept the other's
    one.close()
    meta = live_meta(observer)
    assert meta[MAPPING_MARK] == original[MAPPING_MARK] and set(meta[WRITER_MARK]) == {two._writer_id}
    two.close()
    assert live_meta(observer) == original  # both gone: exactly the mapping's own _meta again


def test_the_reindexing_engine_is_not_blocked_by_its_own_writes(es_url, index, engines, docs, kb) -> None:  # noqa: F811
    engine = open_engine(es_url, index, engines)
    assert engine.write(docs) == []
    engine.commit()
    summary = run_reindex(engine, kb)  # its writes are finished: nothing to lose
    assert summary["indexed"] == len(docs)
    assert engine.write(docs[:1]) == []  # writing again marks the new live generation
    assert engine._writer_id in live_meta(engine)[WRITER_MARK]
