"""A failed Elasticsearch index job does not block `reindex` (issue 21, item 9).

A job that ends without removing its writer heartbeat (the server was unreachable
when it tried, or it was killed) used to block every reindex for 15 minutes, even
after a rerun of the job had finished. Now a heartbeat of a job of this host whose
process is gone never blocks, a job that completes clears such leftovers, and one
of another host can be cleared by name with `newslink reindex --clear-writer JOB`.
Runs on whatever server the shared fixtures give (osmem-server, NEWSLINK_ES_URL).
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from es_server import es_url, unique_index  # noqa: F401 - fixtures
from test_engine_contract import synthetic_docs

from newslink.search.cli import cli
from newslink.search.engines.elasticsearch import WRITER_MARK, ElasticsearchEngine

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def index(es_url: str) -> Iterator[str]:  # noqa: F811
    name = unique_index("beat")
    yield name
    cleaner = ElasticsearchEngine(es_url, name)
    cleaner.drop()
    cleaner.close()


def _writers(engine: ElasticsearchEngine) -> dict:
    live = engine.generation
    return engine.client.indices.get_mapping(index=live).body[live]["mappings"].get("_meta", {}).get(WRITER_MARK) or {}


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _failed_job(url: str, index: str, job: str, docs: list[dict]) -> None:
    """An index job that wrote, then ended without withdrawing its heartbeat (as when
    the server was unreachable at its end, or it was killed)."""
    engine = ElasticsearchEngine(url, index)
    engine._writer_id = job
    assert engine.write(docs) == []
    assert job in _writers(engine)
    engine._writer_beat = None  # it never gets to withdraw
    engine.close()


def _cli(url: str, index: str, kb, *args: str):
    env = {"NEWSLINK_ENGINE": "elasticsearch", "NEWSLINK_ES_URL": url, "NEWSLINK_INDEX": index, "NEWSLINK_KB": str(kb.path)}
    return CliRunner().invoke(cli, [*args], env=env)


def test_a_failed_job_of_this_host_does_not_block_reindex_and_a_rerun_clears_it(es_url, index, kb) -> None:  # noqa: F811
    docs = synthetic_docs(20)
    dead = f"{socket.gethostname()}:{_dead_pid()}:failed01"
    _failed_job(es_url, index, dead, docs[:10])

    rerun = ElasticsearchEngine(es_url, index)  # the same command again, to the end
    assert rerun.write(docs) == []
    rerun.commit()
    rerun.close()
    checker = ElasticsearchEngine(es_url, index)
    try:
        assert dead not in _writers(checker)  # the completed rerun removed the leftover
    finally:
        checker.close()

    result = _cli(es_url, index, kb, "reindex", "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["indexed"] == len(docs)


def test_a_leftover_heartbeat_of_a_dead_job_never_blocks_even_before_a_rerun(es_url, index, kb) -> None:  # noqa: F811
    _failed_job(es_url, index, f"{socket.gethostname()}:{_dead_pid()}:failed02", synthetic_docs(5))
    result = _cli(es_url, index, kb, "reindex", "--json", "--no-progress")
    assert result.exit_code == 0, result.output


def test_a_heartbeat_of_another_host_blocks_until_cleared_by_name(es_url, index, kb) -> None:  # noqa: F811
    other = "build-host-7:4242:0badf00d"
    _failed_job(es_url, index, other, synthetic_docs(5))
    result = _cli(es_url, index, kb, "reindex", "--no-progress")
    assert result.exit_code == 3 and other in result.stderr and "--clear-writer" in result.stderr, result.output

    result = _cli(es_url, index, kb, "reindex", "--no-progress", "--clear-writer", other)
    assert result.exit_code == 0, result.output
    checker = ElasticsearchEngine(es_url, index)
    try:
        assert other not in _writers(checker)
    finally:
        checker.close()


def test_clear_writer_is_refused_on_the_embedded_engine(tmp_path, kb) -> None:
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "reindex", "--clear-writer", "x:1:y"], env={"NEWSLINK_KB": str(kb.path), "NEWSLINK_ENGINE": "embedded"})
    assert result.exit_code == 2 and "Elasticsearch" in result.stderr, result.output
