"""Latency of ``GET /search`` with three facet filters, under a few concurrent clients.

Why this shape: a newsroom UI narrows a search by clicking facets, so the typical
request is "these entities, counted again for every facet type". The bench
indexes a real news corpus once (reused on later runs), starts the real server
(``newslink serve`` under uvicorn on 127.0.0.1), picks filter combinations that
exist in the data (top country, then its top person, then their top org), and
lets N client threads hammer ``/search`` for a bounded time.

    .venv/bin/python bench/api_latency.py [--clients 4] [--duration 20] [--home DIR]

The last line holds the key figures (``key=value`` pairs) for scripts.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "newsarticles2017" / "newsarticles2017.jsonl.gz"
MAX_CLIENTS = 16
MAX_DURATION = 120.0


def newslink(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newslink.search.cli", "--home", str(home), *args]


def ensure_index(home: Path, corpus: Path, reindex: bool) -> int:
    """Index ``corpus`` into ``home`` unless an index with documents is already there."""
    status = subprocess.run(newslink(home, "status", "--json"), capture_output=True, text=True)
    documents = json.loads(status.stdout)["index"]["documents"] if status.returncode == 0 else 0
    if documents and not reindex:
        print(f"reusing the index in {home}: {documents:,} documents")
        return documents
    print(f"indexing {corpus} into {home} (spaCy; a few minutes) …", flush=True)
    started = time.perf_counter()
    done = subprocess.run(newslink(home, "index", str(corpus), "--json", "--no-progress"), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"indexing failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    print(f"indexed {summary['indexed']:,} articles in {time.perf_counter() - started:.0f} s")
    return summary["index"]["documents"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(newslink(home, "serve", "--port", str(port), "--log-level", "warning"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.terminate()
    sys.exit("server did not become healthy within 60 s")


def top(client: httpx.Client, facet: str, n: int, **filters: str) -> list[str]:
    body = client.get("/search", params={"size": 0, "facets": facet, "facet_size": n, **filters}).raise_for_status().json()
    return [b["qid"] for b in body["facets"].get(facet, []) if not b["selected"]]


def three_facet_queries(client: httpx.Client, limit: int = 24) -> list[dict[str, str]]:
    """Country -> person within it -> org within both: combinations with hits."""
    out = []
    for country in top(client, "country", 6):
        for person in top(client, "person", 3, country=country):
            for org in top(client, "org", 2, country=country, person=person):
                out.append({"country": country, "person": person, "org": org})
    if not out:
        sys.exit("no country/person/org combination found in the index; is the KB linking anything?")
    return out[:limit]


def run_clients(base: str, queries: list[dict[str, str]], clients: int, duration: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def worker(offset: int) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=base, timeout=10) as http:
            for params in itertools.islice(itertools.cycle(queries), offset, None):
                if time.monotonic() >= stop_at:
                    break
                t0 = time.perf_counter()
                try:
                    ok = http.get("/search", params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append((time.perf_counter() - t0) * 1000)
                bad += not ok
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(i * 7,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 30)
    return latencies, errors, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("NEWSLINK_BENCH_HOME", Path(tempfile.gettempdir()) / "newslink-bench")))
    parser.add_argument("--reindex", action="store_true", help="Index again even if the home holds an index.")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds of load (after a short warm-up).")
    args = parser.parse_args()
    clients = max(1, min(args.clients, MAX_CLIENTS))
    duration = max(1.0, min(args.duration, MAX_DURATION))
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    args.home.mkdir(parents=True, exist_ok=True)
    env_home = os.environ.pop("NEWSLINK_HOME", None)  # the bench's --home wins
    documents = ensure_index(args.home, args.corpus, args.reindex)

    port = free_port()
    server = start_server(args.home, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            queries = three_facet_queries(http)
            totals = [http.get("/search", params={**q, "size": 0, "facets": ""}).json()["total"] for q in queries]
            for q in queries * 3:  # warm-up: page cache, tantivy readers, KB label cache
                http.get("/search", params=q)
        print(f"{len(queries)} three-facet queries (country+person+org), {min(totals)}–{max(totals)} hits each, e.g. {queries[0]}")
        print(f"load: {clients} clients for {duration:.0f} s on {base}/search (size=10, all five facets counted, highlight on)")
        latencies, errors, wall = run_clients(base, queries, clients, duration)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        if env_home is not None:
            os.environ["NEWSLINK_HOME"] = env_home
    if not latencies:
        sys.exit("no requests completed")
    median, p90, p99 = statistics.median(latencies), percentile(latencies, 90), percentile(latencies, 99)
    rps = len(latencies) / wall
    print(f"requests {len(latencies):,}, errors {errors}, {rps:.0f} req/s")
    print(f"latency ms: median {median:.2f}, p90 {p90:.2f}, p99 {p99:.2f}, max {max(latencies):.2f}")
    load1 = os.getloadavg()[0]  # other jobs on the machine inflate every figure; say how busy it was
    print(f"machine: {os.cpu_count()} CPUs, load average {load1:.1f} at the end (client threads and server share them)")
    print(
        f"api_latency docs={documents} clients={clients} duration_s={duration:.0f} requests={len(latencies)} "
        f"errors={errors} rps={rps:.0f} median_ms={median:.2f} p99_ms={p99:.2f} cpus={os.cpu_count()} load1={load1:.1f}"
    )


if __name__ == "__main__":
    main()
