"""Embedded (tantivy) vs Elasticsearch engine: indexing docs/s and faceted-search latency.

What is compared is the *engine* cost, not newslink's NLP: the corpus is read and
linked ONCE (spaCy + gazetteer + linker; timed and reported separately, and cached
under ~/.cache/newslink-bench so reruns skip it), then the very same linked documents
are written to each engine in batches of 500 (``Engine.write`` + a final ``commit``,
what ``newslink index`` does after linking). Then the same five faceted searches
(text, entity filters, multi-select facet counts, date sort) run on each engine:
3 warm-up rounds, then ``--rounds`` timed rounds; the median latency is reported.
Totals and facet counts are checked to agree between the engines.

Elasticsearch side: ``--opensearch-local`` starts a real single-node OpenSearch with
``tools/opensearch-local/run`` (Java + Maven; its cold start and its RSS are reported);
``--es-url`` / ``NEWSLINK_ES_URL`` uses a running cluster (e.g. the docker-compose one);
with neither, an ``osmem-server`` (in-memory OpenSearch-API server, written in Go, NOT
Lucene) is started on 127.0.0.1 -- its figures say nothing about a real cluster's speed,
only that the same requests work end to end.

``--docs N`` writes N documents: the linked corpus cycled with suffixed ids
(``<id>~r1`` …), as bench/query_latency.py does for its 100,000.

    .venv/bin/python bench/engines.py [--limit N] [--docs N] [--workers 2] [--rounds 21]
                                      [--opensearch-local | --es-url URL] [--relink]

The last line holds the key figures.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, CORPORA, mib, replica_id, table, tree_memory  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

CORPUS = CORPORA / "reuters21578" / "reuters21578.jsonl.gz"
WRITE_BATCH = 500


def link_corpus(corpus: Path, home: Path, limit: int | None, workers: int, relink: bool) -> tuple[list[dict[str, Any]], float, str]:
    """Linked documents, the linking docs/s, and where they came from.

    Cached per corpus and limit (not per KB version: the starter KB grows often, and
    the engines only need the same documents on both sides); ``--relink`` refreshes it.
    """
    os.environ["NEWSLINK_HOME"] = str(home)
    from newslink.indexer.document import build_document
    from newslink.indexer.kb.loader import open_kb
    from newslink.indexer.pipeline import EntityPipeline
    from newslink.indexer.readers import read_paths

    kb = open_kb()
    cache = CACHE / f"engines-{corpus.stem.split('.')[0]}-{limit or 'all'}.jsonl.gz"
    if cache.exists() and not relink:
        with gzip.open(cache, "rt", encoding="utf-8") as fh:
            meta = json.loads(fh.readline())
            docs = [json.loads(line) for line in fh]
        return docs, meta["link_docs_per_s"], f"cached {cache}, KB {meta.get('kb_version', '?')}"

    def articles():
        n = 0
        for article, _problems in read_paths([corpus]):
            if article is None:
                continue
            yield article
            n += 1
            if limit and n >= limit:
                return

    pipeline = EntityPipeline(kb, n_process=workers, batch_size=64)
    started = time.perf_counter()
    docs = [build_document(a, links, kb.version, kb) for a, links in pipeline.process(articles())]
    rate = len(docs) / (time.perf_counter() - started)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"link_docs_per_s": rate, "kb_version": kb.version}) + "\n")
        for doc in docs:
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    tmp.replace(cache)
    return docs, rate, f"KB {kb.version}"


def index_into(engine, docs: list[dict[str, Any]]) -> float:
    """Seconds to write every document and make it searchable."""
    started = time.perf_counter()
    for i in range(0, len(docs), WRITE_BATCH):
        failed = engine.write(docs[i:i + WRITE_BATCH])
        if failed:
            sys.exit(f"{engine.name}: {len(failed)} documents rejected, e.g. {failed[:3]}")
    engine.commit()
    return time.perf_counter() - started


def five_searches(top_countries: list[str], top_person: str):
    """The same five faceted searches for every engine (QIDs picked from the corpus)."""
    from newslink.search.query import SearchQuery

    a, b = top_countries[:2]
    return {
        "facets of everything": SearchQuery(size=10),
        "text + facets": SearchQuery(text="oil prices", size=10),
        "country filter, newest": SearchQuery(filters={"country": [a]}, sort="newest", size=10),
        "text + 2 countries (any)": SearchQuery(text="trade OR deficit", filters={"country": [a, b]}, size=10),
        "text + person + countries (all)": SearchQuery(text="talks", filters={"country": [a, b], "person": [top_person]}, match="all", size=10),
    }


def timed_ms(fn: Callable[[], Any], rounds: int) -> list[float]:
    """Milliseconds of ``rounds`` calls after 3 warm-up calls."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def cycled(docs: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    """``docs`` repeated with suffixed ids until there are ``total``."""
    out: list[dict[str, Any]] = []
    copy = 0
    while len(out) < total:
        out.extend({**d, "id": replica_id(d["id"], copy)} for d in docs[: total - len(out)])
        copy += 1
    return out


def start_local_node():
    """A private real OpenSearch node (tools/opensearch-local/run) and its cold start in seconds."""
    sys.path.insert(0, str(REPO / "tests"))
    from es_server import LocalNode

    started = time.perf_counter()
    node = LocalNode(str(REPO / "tools" / "opensearch-local" / "run"))
    return node, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--workers", type=int, default=2, help="linking processes (linking is done once, not compared)")
    parser.add_argument("--relink", action="store_true", help="link the corpus again instead of using the cached documents")
    parser.add_argument("--rounds", type=int, default=21, help="timed rounds per search")
    parser.add_argument("--docs", type=int, default=None, help="write N documents (the corpus cycled with suffixed ids)")
    parser.add_argument("--es-url", default=os.environ.get("NEWSLINK_ES_URL"), help="Elasticsearch/OpenSearch URL (default: start osmem-server)")
    parser.add_argument("--opensearch-local", action="store_true", help="start a real OpenSearch node with tools/opensearch-local/run")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"SKIPPED: {CORPUS} not found (set NEWSLINK_SHARED to a copy of ../shared)")
        return

    from newslink.search.engines.elasticsearch import ElasticsearchEngine
    from newslink.search.engines.embedded import EmbeddedEngine

    with tempfile.TemporaryDirectory(prefix="newslink-bench-engines-") as tmp:
        home = Path(tmp)
        docs, link_rate, origin = link_corpus(CORPUS, home, args.limit, args.workers, args.relink)
        print(f"corpus: {CORPUS.name}, {len(docs):,} linked documents "
              f"(linking {link_rate:.1f} docs/s with {args.workers} workers, {origin}; done once, not part of the engine figures)")
        if args.docs:
            docs = cycled(docs, args.docs)
            print(f"writing {len(docs):,} documents: the corpus cycled with suffixed ids (<id>~r1, …)")

        server = node = None
        cold_start = None
        if args.opensearch_local:
            node, cold_start = start_local_node()
            url, es_label = node.url, f"opensearch {node.version}"
            print(f"real node: OpenSearch {node.version} at {url}, cold start {cold_start:.1f} s (launcher already built)")
        elif args.es_url:
            url, es_label = args.es_url, "elasticsearch"
        else:
            from osmem_server import OsmemServer

            server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
            url, es_label = server.url, "es-engine on osmem"
        embedded = EmbeddedEngine(home / "engine")
        es = ElasticsearchEngine(url, f"bench{uuid.uuid4().hex[:8]}")
        try:
            print(f"elasticsearch engine: {es.server.describe()} at {url}" + (" (osmem-server: in-memory fake, not Lucene)" if server else ""))
            seconds = {"embedded": index_into(embedded, docs), es_label: index_into(es, docs)}
            assert embedded.count() == es.count() == len(docs), (embedded.count(), es.count())
            sizes = {"embedded": embedded.info()["size_bytes"], es_label: es.info()["size_bytes"]}

            from newslink.search.query import SearchQuery

            probe = embedded.search(SearchQuery(size=0, facets=("country", "person"), facet_size=5))
            countries = [q for q, _ in probe.facets["country"]]
            person = probe.facets["person"][0][0]
            queries = five_searches(countries, person)
            rows, samples = [], {"embedded": [], es_label: []}
            for label, query in queries.items():
                a, b = embedded.search(query), es.search(query)
                agree = a.total == b.total and a.facets == b.facets
                if query.sort != "relevance":
                    agree = agree and [h.id for h in a.hits] == [h.id for h in b.hits]
                ms_a = timed_ms(lambda q=query: embedded.search(q), args.rounds)
                ms_b = timed_ms(lambda q=query: es.search(q), args.rounds)
                samples["embedded"].extend(ms_a)
                samples[es_label].extend(ms_b)
                rows.append([label, f"{a.total:,}", f"{statistics.median(ms_a):.2f}", f"{p99(ms_a):.2f}",
                             f"{statistics.median(ms_b):.2f}", f"{p99(ms_b):.2f}", "yes" if agree else "NO"])
            node_rss = tree_memory(node.process.pid)[0] if node is not None else None
            bench_rss = tree_memory(os.getpid())[0]
        finally:
            embedded.close()
            try:
                es.drop()
            finally:
                es.close()
                if server is not None:
                    server.close()
                if node is not None:
                    node.close()

    n = len(docs)
    print()
    print(table(["engine", "docs", "index s", "docs/s", "index MiB", "MiB per 1,000 docs"],
                [[name, f"{n:,}", f"{s:.1f}", f"{n / s:,.0f}", f"{sizes[name] / 2**20:.1f}", f"{sizes[name] / 2**20 / n * 1000:.2f}"]
                 for name, s in seconds.items()]))
    if server is not None:
        print("(osmem-server's store size is its own in-memory estimate; a real Elasticsearch reports Lucene's segments on disk)")
    print()
    print(table(["faceted search (all 5 facet types, 10 buckets)", "hits", "embedded ms", "p99", f"{es_label} ms", "p99",
                 "same totals+facets"], rows))
    print()
    print("all 5 searches pooled: " + ", ".join(f"{k} median {statistics.median(v):.2f} ms, p99 {p99(v):.2f} ms" for k, v in samples.items()))
    if node_rss is not None:
        print(f"RSS: the OpenSearch node (JVM, {os.environ.get('OPENSEARCH_HEAP', '512m')} heap) {mib(node_rss):,.0f} MiB; "
              f"this bench process (embedded engine + both clients) {mib(bench_rss):,.0f} MiB")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (a shared machine makes these noisy)")
    figures = {
        "docs": n,
        "embedded_docs_per_s": round(n / seconds["embedded"]),
        "es_docs_per_s": round(n / seconds[es_label]),
        "es_server": "osmem" if server else (f"opensearch-local-{node.version}" if node else "url"),
        "embedded_median_ms": round(statistics.median(samples["embedded"]), 2),
        "embedded_p99_ms": round(p99(samples["embedded"]), 2),
        "es_median_ms": round(statistics.median(samples[es_label]), 2),
        "es_p99_ms": round(p99(samples[es_label]), 2),
        "embedded_mib_per_1k": round(sizes["embedded"] / 2**20 / n * 1000, 2),
        "es_mib_per_1k": round(sizes[es_label] / 2**20 / n * 1000, 2),
        "agree": all(r[-1] == "yes" for r in rows),
    }
    if node is not None:
        figures.update(node_cold_start_s=round(cold_start or 0, 1), node_rss_mib=round(mib(node_rss or 0)))
    print("KEY engines " + " ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
