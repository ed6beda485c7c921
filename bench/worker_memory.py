"""Memory of `newslink index --workers 2`: spawned workers against workers forked
from a fork server that loaded spaCy and the gazetteer first.

Runs the real command twice over the same articles (newsarticles2017, or its first
``--docs``), once with ``NEWSLINK_WORKER_START=spawn`` (the default: every worker a
fresh interpreter loading its own model) and once with ``forkserver`` (the workers
are forked from a server that preloaded the model and froze it out of the garbage
collector's reach, ``indexer/preload.py``).
Every half second it reads, for every process of the job's tree, RSS (pages a
process maps, shared ones counted in each) and PSS (shared pages split between the
processes sharing them: what each really costs), and reports per process kind
(job, fork server, worker) the peaks and the whole tree's peak.

    .venv/bin/python bench/worker_memory.py [--docs 3823] [--workers 2] [--start spawn]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import _children, _status_kb, corpus_file, process_kind, iter_records, key_line, machine, machine_line, mib, newslink_cmd, prepare_home, table  # noqa: E402


def measure(source: Path, home: Path, env: dict[str, str], workers: int) -> dict:
    cmd = newslink_cmd(home, "index", str(source), "--workers", str(workers), "--force", "--json", "--no-progress")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # pid -> [peak RSS, peak PSS]
    kinds: dict[int, str] = {}
    tree_peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            parents: dict[int, int] = {}
            stack, rss_sum, pss_sum = [proc.pid], 0, 0
            while stack:
                pid = stack.pop()
                rss = _status_kb(pid, "VmRSS:") * 1024
                if not rss:
                    continue
                pss = (_status_kb(pid, "Pss:", "smaps_rollup") * 1024) or rss
                if pid not in kinds:
                    kinds[pid] = process_kind(pid, proc.pid, parents.get(pid))
                peaks[pid][0] = max(peaks[pid][0], rss)
                peaks[pid][1] = max(peaks[pid][1], pss)
                rss_sum, pss_sum = rss_sum + rss, pss_sum + pss
                for child in _children(pid):
                    parents[child] = pid
                    stack.append(child)
            tree_peak[0], tree_peak[1] = max(tree_peak[0], rss_sum), max(tree_peak[1], pss_sum)
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"newslink index failed ({proc.returncode}): {err[-2000:]}")
    by_kind: dict[str, list[list[int]]] = defaultdict(list)
    for pid, (rss, pss) in peaks.items():
        by_kind[kinds.get(pid, "?")].append([rss, pss])
    return {"wall": wall, "tree_rss": tree_peak[0], "tree_pss": tree_peak[1], "by_kind": dict(by_kind), "summary": json.loads(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=0, help="the first N articles of newsarticles2017 (0: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--start", choices=("spawn", "forkserver"), action="append", help="only this way of starting the workers (repeatable; default: both)")
    args = ap.parse_args()
    methods = args.start or ["spawn", "forkserver"]
    corpus = corpus_file("newsarticles2017")
    print(machine_line())
    rows, figures = [], {}
    with tempfile.TemporaryDirectory(prefix="newslink-bench-wmem-") as tmp:
        source = Path(tmp) / "articles.jsonl.gz"
        with gzip.open(source, "wt", encoding="utf-8") as out:
            for n, record in enumerate(iter_records(corpus)):
                if args.docs and n >= args.docs:
                    break
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        home = Path(tmp) / "home"
        env = prepare_home(home)
        for method in methods:
            result = measure(source, home, dict(env, NEWSLINK_WORKER_START=method), args.workers)
            figures[method] = result
            workers = result["by_kind"].get("worker", [])
            server = result["by_kind"].get("fork server", [])
            job = result["by_kind"].get("job", [[0, 0]])
            print(f"  {method}: {result['summary']['indexed']:,} articles in {result['wall']:.1f} s, {len(workers)} workers", flush=True)
            rows.append([
                method, result["wall"], mib(job[0][0]), mib(max((w[0] for w in workers), default=0)), mib(max((w[1] for w in workers), default=0)),
                mib(server[0][0]) if server else "-", mib(server[0][1]) if server else "-", mib(result["tree_rss"]), mib(result["tree_pss"]),
            ])
    print()
    print(table(["workers start by", "seconds", "job RSS MiB", "worker peak RSS MiB", "worker peak PSS MiB",
                 "fork server RSS MiB", "fork server PSS MiB", "tree peak RSS MiB", "tree peak PSS MiB"], rows))
    if len(figures) < 2:
        only = figures[methods[0]]
        workers = [w[1] for w in only["by_kind"].get("worker", [])]
        print()
        print(f"{methods[0]}: per-worker peak PSS {mib(max(workers, default=0)):.0f} MiB; whole tree peak PSS {mib(only['tree_pss']):.0f} MiB, RSS {mib(only['tree_rss']):.0f} MiB")
        print(key_line("worker_memory", {"docs": only["summary"]["indexed"], "workers": args.workers, "start": methods[0], "worker_pss_mib": mib(max(workers, default=0)),
                                         "tree_pss_mib": mib(only["tree_pss"]), "tree_rss_mib": mib(only["tree_rss"]), "seconds": only["wall"], "load1": machine()["load1"]}))
        return
    spawn, fork = figures["spawn"], figures["forkserver"]
    w_spawn = max((w[1] for w in spawn["by_kind"].get("worker", [])), default=0)
    w_fork = max((w[1] for w in fork["by_kind"].get("worker", [])), default=0)
    print()
    print(f"per-worker PSS {mib(w_spawn):.0f} -> {mib(w_fork):.0f} MiB; whole tree peak PSS {mib(spawn['tree_pss']):.0f} -> {mib(fork['tree_pss']):.0f} MiB, "
          f"RSS {mib(spawn['tree_rss']):.0f} -> {mib(fork['tree_rss']):.0f} MiB (spawn -> forkserver)")
    m = machine()
    print(key_line("worker_memory", {
        "docs": spawn["summary"]["indexed"], "workers": args.workers, "worker_pss_spawn_mib": mib(w_spawn), "worker_pss_fork_mib": mib(w_fork),
        "tree_pss_spawn_mib": mib(spawn["tree_pss"]), "tree_pss_fork_mib": mib(fork["tree_pss"]),
        "tree_rss_spawn_mib": mib(spawn["tree_rss"]), "tree_rss_fork_mib": mib(fork["tree_rss"]),
        "spawn_s": spawn["wall"], "fork_s": fork["wall"], "cores": m["cores"], "load1": m["load1"],
    }))


if __name__ == "__main__":
    main()
