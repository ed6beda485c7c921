"""Elasticsearch faults at the level of a whole `newslink index` job.

The engine-level cases (a bulk with rejected documents, 429/503 retried, a server
killed mid-bulk) live in test_elasticsearch.py. Here the real command runs against
the test cluster (es_server.es_url) through a TCP hop on 127.0.0.1 that can refuse connections and drop
them mid-bulk, and through the FlakyProxy that answers 429: the job fails with a
clear error saying how many documents made it, that number is what the server
holds (nothing counted that is not there), and the rerun completes without
duplicates.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from newslink.search.cli import cli

from es_server import FlakyProxy, es_url, unique_index  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CORPUS = 300  # the index job writes batches of 256: two bulk requests


class Outage:
    """A TCP hop in front of a server that can go away and come back.

    ``go_away()`` closes the listening socket (new connections are refused) and
    resets every open connection; ``come_back()`` listens on the same port again.
    With ``fail_at_bulk=n`` it goes away by itself when the n-th bulk request
    starts, before forwarding a byte of it: the server never sees that batch.
    """

    def __init__(self, upstream: str, fail_at_bulk: int | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 9200)
        self.fail_at_bulk = fail_at_bulk
        self.bulk_requests = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.port = 0
        self.come_back()
        self.url = f"http://127.0.0.1:{self.port}"

    def come_back(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def go_away(self) -> None:
        with self._lock:
            if self._listener is not None:
                try:  # shutdown first: close() alone leaves a blocked accept() listening
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
                    sock.close()
                except OSError:
                    pass
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, server))
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, requests: bool) -> None:
        try:
            while data := src.recv(65536):
                if requests and data.startswith((b"POST ", b"PUT ")) and b"_bulk" in data.split(b"\r\n", 1)[0]:
                    with self._lock:
                        self.bulk_requests += 1
                        failing = self.bulk_requests == self.fail_at_bulk
                    if failing:
                        self.go_away()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.close()
                except OSError:
                    pass


def server_count(url: str, alias: str) -> int:
    urllib.request.urlopen(urllib.request.Request(f"{url}/{alias}/_refresh", method="POST"), timeout=10).read()
    with urllib.request.urlopen(f"{url}/{alias}/_count", timeout=10) as resp:
        return json.loads(resp.read())["count"]


def write_corpus(path: Path, n: int) -> None:
    path.write_text("".join(json.dumps({"id": f"es-{i:04d}", "title": f"Iran and Germany talk {i}", "text": f"Talks on day {i}."}) + "\n" for i in range(n)))


@pytest.fixture()
def run(tmp_path: Path, kb):
    def invoke(url: str, index: str, *args: str):
        env = {"NEWSLINK_ENGINE": "elasticsearch", "NEWSLINK_ES_URL": url, "NEWSLINK_INDEX": index, "NEWSLINK_KB": str(kb.path), "NEWSLINK_HOME": str(tmp_path / "home")}
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


def test_refused_at_start_then_gone_mid_bulk_then_rerun_completes(es_url, run, tmp_path: Path) -> None:  # noqa: F811
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, CORPUS)
    index = unique_index("outage")
    alias = f"newslink-{index}"
    hop = Outage(es_url, fail_at_bulk=2)
    command = ["index", str(corpus), "--json", "--no-progress"]
    try:
        # 1. The server refuses connections when the job starts: a clear error, at once.
        hop.go_away()
        started = time.monotonic()
        result = run(hop.url, index, *command)
        assert result.exit_code == 3, result.output
        assert "cannot reach Elasticsearch/OpenSearch" in result.stderr and "is it running?" in result.stderr
        assert time.monotonic() - started < 15

        # 2. It comes back, then goes away when the second bulk request starts.
        hop.come_back()
        result = run(hop.url, index, *command)
        assert result.exit_code == 3, result.output
        assert "lost the connection" in result.stderr
        assert f"0 of the {CORPUS - 256} documents in this batch were confirmed indexed, 256 in all" in result.stderr
        assert "Rerun the same command" in result.stderr
        assert server_count(es_url, alias) == 256  # exactly what the job said made it

        # 3. Back again: the same command completes the job, nothing duplicated.
        hop.fail_at_bulk = None
        hop.come_back()
        result = run(hop.url, index, *command)
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        # the 256 confirmed before the server went are skipped unparsed, the rest indexed now
        assert (summary["unchanged"], summary["new"], summary["indexed"]) == (256, CORPUS - 256, CORPUS - 256)
        assert summary["index"]["documents"] == CORPUS
        assert server_count(es_url, alias) == CORPUS
    finally:
        hop.go_away()
        from newslink.search.engines.elasticsearch import ElasticsearchEngine

        engine = ElasticsearchEngine(es_url, index)
        engine.drop()
        engine.close()


class Sleeps:
    """Stands in for the bulk helper's ``time`` module: records the backoff instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.calls.append(seconds)

    def __getattr__(self, name: str):
        return getattr(time, name)


@pytest.mark.parametrize("failures", [3, 100])
def test_429_is_retried_with_exponential_backoff_then_a_clear_error(es_url, run, tmp_path: Path, monkeypatch, failures: int) -> None:  # noqa: F811
    import elasticsearch.helpers.actions as actions

    sleeps = Sleeps()
    monkeypatch.setattr(actions, "time", sleeps)
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 40)
    index = unique_index("busy")
    proxy = FlakyProxy(es_url, status=429, failures=failures)
    try:
        result = run(proxy.url, index, "index", str(corpus), "--json", "--no-progress")
        if failures == 3:  # busy for a while: retried with growing waits, then all in
            assert result.exit_code == 0, result.output
            assert json.loads(result.stdout)["indexed"] == 40
            assert sleeps.calls == [1.0, 2.0, 4.0]
            assert proxy.bulk_requests == 4
            assert server_count(es_url, f"newslink-{index}") == 40
        else:  # busy for good: gives up after the retries, says nothing made it, and it did not
            assert result.exit_code == 3, result.output
            assert "HTTP 429" in result.stderr and "0 of the 40 documents in this batch were confirmed indexed, 0 in all" in result.stderr
            assert sleeps.calls == [1.0, 2.0, 4.0]
            assert server_count(es_url, f"newslink-{index}") == 0
    finally:
        proxy.close()
        from newslink.search.engines.elasticsearch import ElasticsearchEngine

        engine = ElasticsearchEngine(es_url, index)
        engine.drop()
        engine.close()
