"""Timelines, co-occurrence and export on 100,000 documents (embedded tantivy engine).

The index is built as in bench/query_latency.py: the linked documents of the real
corpora in ../shared/corpora, replicated with suffixed ids (``<id>~rN``) until there are
100,000. When those linked corpora are not cached yet (linking ~45k articles with spaCy
takes a while) and bench/engines.py's cache of linked Reuters-21578 is, that one is
replicated instead (``--docs-from reuters``), which the output says.

Timed in one process after a warm-up pass, through ``NewsLink`` (what CLI and API call):

* ``histogram``: ``search --histogram`` with no hits and no facets: the day counts of
  the matching articles (counted without the date filter) and the roll-up, for each query
  of QUERIES, alone and with the most frequent country as a filter;
* ``co-occurrence``: ``related`` for the 10 most frequent people and countries, over the
  whole index and within each query: the foreground terms aggregation per type, then the
  background counts of the candidates, scoring and labels.

Marks (issue 18): median ≤ 20 ms each. Export: ``newslink search --all`` as a child
process writing JSONL (all 100,000 documents, and a query's subset): documents/s and the
peak RSS of the process, which should not grow with the number exported.

    .venv/bin/python bench/analytics.py [--docs 100000] [--rounds 5] [--home DIR] [--docs-from auto|corpora|reuters]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CACHE,
    REPLICATE,
    check,
    dir_size,
    iter_records,
    key_line,
    machine,
    machine_line,
    mib,
    newslink_cmd,
    replica_id,
    replicated_documents,
    run_child,
    table,
)
from query_latency import QUERIES, bench_index, pct  # noqa: E402

MARK_MS = 20.0


def reuters_documents(total: int) -> Iterator[dict[str, Any]]:
    """bench/engines.py's linked Reuters-21578 (its first line is a header), cycled."""
    path = CACHE / "engines-reuters21578-all.jsonl.gz"
    n = copy = 0
    while n < total:
        for doc in iter_records(path):
            if "id" not in doc:
                continue
            if n >= total:
                return
            doc["id"] = replica_id(str(doc["id"]), copy)
            yield doc
            n += 1
        copy += 1


def pick_documents(choice: str, total: int, kb: Any) -> tuple[str, Iterator[dict[str, Any]]]:
    linked = all(any(CACHE.glob(f"linked-{name}-*.jsonl.gz")) for name in REPLICATE)
    reuters = (CACHE / "engines-reuters21578-all.jsonl.gz").exists()
    if choice == "reuters" or (choice == "auto" and not linked and reuters):
        if not reuters:
            sys.exit(f"no {CACHE / 'engines-reuters21578-all.jsonl.gz'}: run bench/engines.py once, or use --docs-from corpora")
        return "Reuters-21578 (linked by bench/engines.py) replicated", reuters_documents(total)
    return f"{', '.join(REPLICATE)} replicated", replicated_documents(total, kb)


def timed(fn, args_list: list[Any], rounds: int) -> list[float]:
    for a in args_list:  # warm-up
        fn(a)
    out = []
    for _ in range(rounds):
        for a in args_list:
            t0 = time.perf_counter()
            fn(a)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def row(name: str, ms: list[float]) -> list[Any]:
    return [name, len(ms), statistics.median(ms), pct(ms, 0.9), pct(ms, 0.99), max(ms)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5, help="passes over each list of queries")
    ap.add_argument("--home", type=Path, help="data directory to keep the index in (reused when it holds --docs documents)")
    ap.add_argument("--docs-from", choices=("auto", "corpora", "reuters"), default="auto")
    args = ap.parse_args()
    print(machine_line())

    tmp, home, engine, kb = bench_index(args.home, args.docs, "analytics", lambda total, kb: pick_documents(args.docs_from, total, kb))

    from newslink.search.query import SearchQuery
    from newslink.search.service import NewsLink

    total = engine.count()
    app = NewsLink(engine, kb)

    top = engine.search(SearchQuery(size=0, facets=("person", "country"), facet_size=10)).facets
    country = top["country"][0][0]
    entities = [kb.entity(q) for f in ("person", "country") for q, _n in top[f]]
    entities = [e for e in entities if e is not None]
    print(f"index: {total:,} documents, {mib(dir_size(engine.path)):.0f} MiB; filter country={country}; "
          f"co-occurrence of {len(entities)} entities (the top 10 people and countries the KB knows)")

    def histogram(text: str):
        return app.search(SearchQuery(text=text, size=0, facets=(), histogram="auto"))

    def histogram_filtered(text: str):
        return app.search(SearchQuery(text=text, filters={"country": [country]}, size=0, facets=(), histogram="month"))

    def related_all(entity):
        return app.related(SearchQuery(size=0), entity)

    pairs = [(e, QUERIES[i % len(QUERIES)]) for i, e in enumerate(entities)]

    def related_query(pair):
        entity, text = pair
        return app.related(SearchQuery(text=text, size=0), entity)

    sample = histogram("")
    assert sample.histogram and sum(b.count for b in sample.histogram.buckets) > 0, "empty histogram"
    assert any(app.related(SearchQuery(size=0), e)["related"]["country"] for e in entities[:3]), "no co-occurrence"

    times = {
        "histogram (auto interval)": timed(histogram, QUERIES, args.rounds),
        "histogram + country filter (month)": timed(histogram_filtered, QUERIES, args.rounds),
        "co-occurrence, whole index": timed(related_all, entities, args.rounds),
        "co-occurrence within a query": timed(related_query, pairs, args.rounds),
    }
    print()
    print(table(["analytics (ms)", "n", "median", "p90", "p99", "max"], [row(n, ms) for n, ms in times.items()]))
    medians = {n: statistics.median(ms) for n, ms in times.items()}
    print()
    print("; ".join(f"{n}: median {m:.2f} ms ({'MET' if m <= MARK_MS else 'MISSED'} ≤ {MARK_MS:.0f})" for n, m in medians.items()))
    engine.close()

    # Export: the CLI as a child process, stdout to a file; peak RSS of the process.
    env = dict(os.environ, NEWSLINK_HOME=str(home), NEWSLINK_INDEX="bench100k", NEWSLINK_ENGINE="embedded")
    exports = []
    for label, extra in (("a query's subset", ["--country", country]), ("everything", [])):
        run = check(run_child(newslink_cmd(home, "search", *extra, "--all", "--format", "jsonl", "--no-progress"), env=env, sample_every=0.05), "export")
        n = run.stdout.count("\n")
        exports.append((label, n, run))
    print()
    print(table(
        ["export (jsonl)", "documents", "seconds", "docs/s", "peak RSS MiB"],
        [[label, n, run.wall, n / run.wall, mib(run.peak_rss)] for label, n, run in exports],
    ))
    everything = exports[-1]
    assert everything[1] == total, f"exported {everything[1]} of {total}"
    m = machine()
    print(key_line("analytics", {
        "docs": total, "histogram_median_ms": medians["histogram (auto interval)"],
        "histogram_filtered_median_ms": medians["histogram + country filter (month)"],
        "related_median_ms": medians["co-occurrence, whole index"], "related_query_median_ms": medians["co-occurrence within a query"],
        "export_docs_per_s": everything[1] / everything[2].wall, "export_peak_rss_mib": mib(everything[2].peak_rss),
        "subset_export_peak_rss_mib": mib(exports[0][2].peak_rss), "subset_docs": exports[0][1],
        "met": all(v <= MARK_MS for v in medians.values()), "cores": m["cores"], "load1": m["load1"],
    }))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
