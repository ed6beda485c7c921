"""The Wikidata-scale path (issue 16): a generated dump of N items imported, and linking with that KB.

    .venv/bin/python bench/kb_scale.py --items 1000000 [--index-limit 600] [--eval] [--workdir DIR]

1. Writes a realistic Wikidata-format dump of N items (``bench/_dumpgen.py``; ``.json.bz2``,
   or ``.json.gz`` with ``--gz``, as Wikidata publishes both; cached by size, format and
   generator version), in chunks of 100k items generated and compressed on ``--gen-jobs``
   processes (one bz2 stream or gzip member each: a multi-stream file, as ``pbzip2`` writes).
2. Imports it with ``newslink kb build --dump`` in a child process: items/s, compressed
   MB/s, peak RSS of the import (and of its first and second half: flat means the second
   is not above the first), the KB's size on disk, and the gazetteer index ``kb build``
   writes (seconds, size).
3. Per process, with that KB and with the shipped KB: the gazetteer's start-up and the
   RSS it adds (after matching 300 articles, so the pages it touched count).
4. Candidate look-up (``KnowledgeBase.candidates``, cold: each surface once) for 4,000
   surfaces: KB aliases at random, frequent full names, the shipped KB's labels: p50/p99
   of wall and of CPU time (the thread's: at a load above the cores the wall clock's tail is
   the scheduler's) and the most candidates one surface had.
5. ``newslink index`` of the first ``--index-limit`` articles of newsarticles2017 with the
   shipped KB and with the generated KB (fresh index each, ``--workers 2``): the ratio.
6. ``--eval``: ``newslink eval`` of the three dev sets (../shared/eval) with both KBs: facet
   precision (issue 16: may fall by at most 0.02 with the generated namesakes).

Ends with ``KEY import_items_per_s=… peak_rss_mb=… kb_mb=… gazetteer_mb=… index_ratio=… lookup_p99_us=…``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, SHARED, check, corpus_file, iter_records, machine_line, mib, newslink_cmd, prepare_home, run_child, self_rss_mb, table  # noqa: E402
from _dumpgen import CHUNK_ITEMS, GENERATOR_VERSION, chunk_compressed, chunks  # noqa: E402

EVAL_SETS = ("msnbc-updated", "reuters-128", "rss-500")


# --------------------------------------------------------------------------- 1. the dump
def write_dump(path: Path, items: int, jobs: int, fmt: str) -> float:
    """Generate the dump into ``path`` (via a temp name) on ``jobs`` processes, chunk by
    chunk in order (``_dumpgen.chunk_compressed``); seconds taken."""
    import multiprocessing

    started = time.perf_counter()
    tmp = path.with_name(path.name + ".part")
    tasks = chunks(items, fmt)
    show = sys.stderr.isatty()
    with open(tmp, "wb") as out, multiprocessing.get_context("fork").Pool(jobs) as pool:
        for done, blob in enumerate(pool.imap(chunk_compressed, tasks), 1):
            out.write(blob)
            if show:
                print(f"\r  generated {min(items, done * CHUNK_ITEMS):,}/{items:,} items", end="", file=sys.stderr, flush=True)
    if show:
        print(file=sys.stderr)
    tmp.replace(path)
    return time.perf_counter() - started


# --------------------------------------------------------------------------- 2. the import
IMPORT = """
import json, sys
from pathlib import Path
from newslink.indexer.kb import importer
print(json.dumps(importer.build(Path(sys.argv[1]), dump=sys.argv[2], shipped=["starter"])))
"""
GAZETTEER = """
import json, sys
from pathlib import Path
from newslink.indexer.nlp import prepare_gazetteer
print(json.dumps(prepare_gazetteer(Path(sys.argv[1]))))
"""


def import_dump(home: Path, dump: Path) -> dict:
    """What `kb build --dump` does, in two children: the import (``importer.build``, sampled
    for RSS over its two halves) and then the gazetteer index it writes (its own RSS)."""
    home.mkdir(parents=True, exist_ok=True)
    kb = home / "kb.sqlite"
    env = dict(os.environ, NEWSLINK_HOME=str(home), NEWSLINK_KB=str(kb), NEWSLINK_KB_SOURCES="starter")
    run = check(run_child([sys.executable, "-c", IMPORT, str(kb), str(dump)], env=env, sample_every=0.5), "the dump import")
    result = run.json()
    half = run.wall / 2
    first = max((r for t, r, _p in run.samples if t <= half), default=0)
    second = max((r for t, r, _p in run.samples if t > half), default=0)
    gaz_run = check(run_child([sys.executable, "-c", GAZETTEER, str(kb)], env=env), "building the gazetteer index")
    gaz = gaz_run.json()
    return {
        "import_s": run.wall, "cpu_s": run.cpu, "peak_rss": run.peak_rss, "first_half_rss": first, "second_half_rss": second,
        "entities": result["entities"], "staged": result.get("staged", 0), "kb_bytes": kb.stat().st_size,
        "gazetteer_s": gaz_run.wall, "gazetteer_cpu_s": gaz_run.cpu, "gazetteer_rss": gaz_run.peak_rss,
        "gazetteer_bytes": int(gaz.get("bytes", 0)),
    }


# --------------------------------------------------------------------------- 3./4. child modes

def measure_gazetteer(kb_path: Path) -> dict:
    from newslink.indexer.gazetteer import Gazetteer, open_index
    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.nlp import GAZETTEER_KEY, gazetteer_index, load_pipeline

    texts = [r.get("text") or "" for r, _ in zip(iter_records(corpus_file("newsarticles2017")), range(300))]
    kb = KnowledgeBase(kb_path)
    base = load_pipeline()
    docs = [base.make_doc(t) for t in texts]
    rss0 = self_rss_mb()
    started = time.perf_counter()
    gazetteer = Gazetteer(open_index(gazetteer_index(kb, base)))  # what load_pipeline(kb) adds
    startup = time.perf_counter() - started
    spans = 0
    started = time.process_time()
    for doc in docs:
        spans += len(gazetteer(doc).spans[GAZETTEER_KEY])
    per_doc = (time.process_time() - started) / len(docs)
    return {"startup_s": startup, "rss_added_mb": self_rss_mb() - rss0, "per_doc_us": per_doc * 1e6, "spans": spans,
            **per_mention_lookups(kb, [[span.text for span in gazetteer(doc).spans[GAZETTEER_KEY]] for doc in docs])}


def per_mention_lookups(kb, mentions: list[list[str]]) -> dict:
    """CPU of ``KnowledgeBase.candidates`` for every gazetteer match of the articles, in
    text order, on a KB opened cold: what linking pays per mention (a name's first
    look-up reads the KB, its repeats hit the KB's LRU), where ``measure_lookup`` times
    each name once, cold, a quarter of them the most shared person names."""
    cpu = []
    for surfaces in mentions:
        for surface in surfaces:
            started = time.thread_time()
            kb.candidates(surface)
            cpu.append(time.thread_time() - started)
    cpu.sort()
    distinct = len({s for surfaces in mentions for s in surfaces})
    return {"mentions": len(cpu), "distinct": distinct, "mention_cpu_p50_us": 1e6 * cpu[len(cpu) // 2] if cpu else 0.0,
            "mention_cpu_p99_us": 1e6 * cpu[int(len(cpu) * 0.99)] if cpu else 0.0,
            "mention_cpu_mean_us": 1e6 * sum(cpu) / len(cpu) if cpu else 0.0}


def measure_lookup(kb_path: Path, n: int = 4000) -> dict:
    import sqlite3

    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.kb.build import starter_records

    rng = random.Random(7)
    db = sqlite3.connect(f"file:{kb_path}?mode=ro", uri=True)
    (max_rowid,) = db.execute("SELECT max(rowid) FROM entities").fetchone()
    surfaces: list[str] = []
    while len(surfaces) < n // 2:
        row = db.execute("SELECT label FROM entities WHERE rowid >= ? LIMIT 1", (rng.randint(1, max_rowid),)).fetchone()
        if row:
            surfaces.append(row[0])
    frequent = [r[0] for r in db.execute("SELECT label, count(*) c FROM entities WHERE type = 'person' GROUP BY label ORDER BY c DESC LIMIT 200")]
    shipped = [r.label for r in starter_records()]
    surfaces += rng.choices(frequent, k=n // 4) + rng.choices(shipped, k=n // 4)
    db.close()
    surfaces = list(dict.fromkeys(surfaces))  # each once: every look-up is cold
    rng.shuffle(surfaces)
    kb = KnowledgeBase(kb_path)
    for s in surfaces[-100:]:  # warm the file's pages and the statements (a running indexer has both)
        kb.candidates(s)
    surfaces = surfaces[:-100]
    times, cpu, most = [], [], 0
    for s in surfaces:
        started, started_cpu = time.perf_counter(), time.thread_time()
        found = kb.candidates(s)
        cpu.append(time.thread_time() - started_cpu)  # on a loaded machine the wall clock measures the scheduler
        times.append(time.perf_counter() - started)
        most = max(most, len(found))
    times.sort()
    cpu.sort()
    return {"lookups": len(times), "p50_us": 1e6 * times[len(times) // 2], "p99_us": 1e6 * times[int(len(times) * 0.99)],
            "cpu_p50_us": 1e6 * cpu[len(cpu) // 2], "cpu_p99_us": 1e6 * cpu[int(len(cpu) * 0.99)],
            "max_candidates": most, "top_namesakes": frequent[:3]}


def child(mode: str, kb_path: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(kb_path)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


# --------------------------------------------------------------------------- 5./6. index, eval
def index_rate(home: Path, corpus: Path, workers: int) -> dict:
    env = dict(os.environ, NEWSLINK_HOME=str(home), NEWSLINK_KB=str(home / "kb.sqlite"), NEWSLINK_ENGINE="embedded")
    env.pop("NEWSLINK_INDEX", None)
    for old in ("index", "indexes"):  # the embedded engine's folder (``indexes/<name>/`` now): a rerun indexes afresh
        shutil.rmtree(home / old, ignore_errors=True)
    for old in home.glob("articles*"):
        shutil.rmtree(old, ignore_errors=True)
    run = check(run_child(newslink_cmd(home, "index", str(corpus), "--workers", str(workers), "--no-progress", "--json"), env=env), "newslink index")
    summary = run.json()
    return {"wall_s": run.wall, "indexed": summary["indexed"], "docs_per_s": summary["indexed"] / run.wall, "peak_rss": run.peak_rss,
            "entities_linked": summary["entities_linked"]}


def eval_precision(home: Path) -> dict[str, dict]:
    env = dict(os.environ, NEWSLINK_HOME=str(home), NEWSLINK_KB=str(home / "kb.sqlite"))
    out = {}
    for name in EVAL_SETS:
        path = SHARED / "eval" / f"{name}.benchmark.jsonl"
        done = subprocess.run(newslink_cmd(home, "eval", str(path), "--json", "--no-progress"), env=env, capture_output=True, text=True, check=True)
        report = json.loads(done.stdout)
        out[name] = {"facet_p": report["facet"]["p"], "facet_r": report["facet"]["r"], "facet_f1": report["facet"]["f1"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=CACHE / "kb_scale", help="dumps and KBs (kept for reruns)")
    ap.add_argument("--index-limit", type=int, default=600, help="articles of newsarticles2017 to index with each KB (0: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--gen-jobs", type=int, default=os.cpu_count() or 1, help="processes generating the dump")
    ap.add_argument("--gz", action="store_true", help="a .json.gz dump (gzip level 1) instead of .json.bz2: ~5 x less CPU to write, and to read")
    ap.add_argument("--dump-only", action="store_true", help="generate the dump (if not cached) and stop")
    ap.add_argument("--skip-index", action="store_true", help="leave out the index throughput runs")
    ap.add_argument("--eval", action="store_true", help="also score the dev sets with both KBs")
    ap.add_argument("--reimport", action="store_true", help="import again even if the KB of this dump exists")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, kb_path = args.child
        print(json.dumps((measure_gazetteer if mode == "gazetteer" else measure_lookup)(Path(kb_path))))
        return
    corpus = corpus_file("newsarticles2017")
    print(machine_line())
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)

    fmt = "gz" if args.gz else "bz2"
    dump = work / f"dump-{args.items}-g{GENERATOR_VERSION}.json.{fmt}"
    gen_s = None
    if not dump.exists():
        gen_s = write_dump(dump, args.items, args.gen_jobs, fmt)
    dump_mb = mib(dump.stat().st_size)
    print(f"dump: {dump} ({args.items:,} items, {dump_mb:.1f} MiB {fmt}" + (f", generated in {gen_s:.0f} s)" if gen_s else ", cached)"), flush=True)
    if args.dump_only:
        return

    scale_home = work / f"home-{args.items}" if fmt == "bz2" else work / f"home-{args.items}-gz"
    record = scale_home / "import.json"
    if args.reimport or not record.exists():
        shutil.rmtree(scale_home, ignore_errors=True)
        imp = import_dump(scale_home, dump)
        record.write_text(json.dumps(imp))
    else:
        imp = json.loads(record.read_text())
        print(f"(import figures from the earlier run recorded in {record}; --reimport to redo)")
    shipped_home = work / "home-shipped"
    if not (shipped_home / "kb.sqlite").exists():
        prepare_home(shipped_home)
    kb_scale, kb_shipped = scale_home / "kb.sqlite", shipped_home / "kb.sqlite"

    items_s = args.items / imp["import_s"]
    print(table(["import", "items", "kept", "seconds", "items/s", f"MB/s {fmt}", "CPU s", "items/CPU-s", "peak RSS MiB", "1st half", "2nd half", "KB MiB"], [[
        "kb build --dump", args.items, imp["staged"], imp["import_s"], items_s, dump_mb / imp["import_s"],
        imp["cpu_s"], args.items / imp["cpu_s"],
        mib(imp["peak_rss"]), mib(imp["first_half_rss"]), mib(imp["second_half_rss"]), mib(imp["kb_bytes"]),
    ]]))
    flat = imp["second_half_rss"] <= imp["first_half_rss"] * 1.05
    print(f"memory flat (2nd half peak <= 1st half peak + 5 %): {'yes' if flat else 'NO'}")

    gaz = {name: child("gazetteer", kb) for name, kb in (("shipped", kb_shipped), ("generated", kb_scale))}
    look = {name: child("lookup", kb) for name, kb in (("shipped", kb_shipped), ("generated", kb_scale))}
    def lookups(name: str) -> list:
        got = look[name]
        return [got["p50_us"], got["p99_us"], got["cpu_p50_us"], got["cpu_p99_us"], got["max_candidates"]]

    print(table(["KB", "gazetteer index MiB", "built s (CPU, RSS)", "start-up s", "RSS added MiB", "µs/doc", "lookup p50 µs", "p99 µs", "CPU p50 µs", "CPU p99 µs", "max cands"], [
        ["shipped", mib(next(shipped_home.glob(".kb.sqlite.gazetteer-*.marisa")).stat().st_size), "", gaz["shipped"]["startup_s"],
         gaz["shipped"]["rss_added_mb"], gaz["shipped"]["per_doc_us"], *lookups("shipped")],
        ["generated", mib(imp["gazetteer_bytes"]), f"{imp['gazetteer_s']:.1f} ({imp['gazetteer_cpu_s']:.1f} CPU, {mib(imp['gazetteer_rss']):.0f} MiB)", gaz["generated"]["startup_s"], gaz["generated"]["rss_added_mb"],
         gaz["generated"]["per_doc_us"], *lookups("generated")],
    ]))
    print(f"most frequent generated person names: {', '.join(look['generated']['top_namesakes'])}")
    for name in ("shipped", "generated"):
        g = gaz[name]
        print(f"look-up per mention, {name} KB (the gazetteer's {g['mentions']:,} matches in 300 articles, {g['distinct']:,} distinct, "
              f"in text order, KB opened cold): CPU p50 {g['mention_cpu_p50_us']:.1f} µs, p99 {g['mention_cpu_p99_us']:.1f} µs, "
              f"mean {g['mention_cpu_mean_us']:.1f} µs")

    ratio = float("nan")
    if not args.skip_index:
        subset = work / f"newsarticles2017-{args.index_limit or 'all'}.jsonl"
        if not subset.exists():
            rows = list(iter_records(corpus))
            rows = rows[: args.index_limit] if args.index_limit else rows
            subset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        runs = {"shipped": index_rate(shipped_home, subset, args.workers), "generated": index_rate(scale_home, subset, args.workers)}
        ratio = runs["generated"]["docs_per_s"] / runs["shipped"]["docs_per_s"]
        print(table(["newslink index with", "articles", "seconds", "articles/s", "entities linked", "peak RSS MiB"], [
            [k, r["indexed"], r["wall_s"], r["docs_per_s"], r["entities_linked"], mib(r["peak_rss"])] for k, r in runs.items()
        ]))
        print(f"index throughput, generated KB / shipped KB: {ratio:.3f}")
    if args.eval:
        scores = {"shipped": eval_precision(shipped_home), "generated": eval_precision(scale_home)}
        rows = []
        for name in EVAL_SETS:
            a, b = scores["shipped"][name], scores["generated"][name]
            rows.append([name, a["facet_p"], b["facet_p"], b["facet_p"] - a["facet_p"], a["facet_r"], b["facet_r"]])
        print(table(["dev set", "facet P shipped", "facet P generated", "Δ P", "facet R shipped", "facet R generated"], rows))
        worst = min(r[3] for r in rows)
        print(f"largest facet precision drop: {-worst:.3f} (issue 16: ≤ 0.02) {'met' if worst >= -0.02 else 'MISSED'}")
    print(f"KEY import_items_per_s={items_s:.0f} peak_rss_mb={mib(imp['peak_rss']):.0f} kb_mb={mib(imp['kb_bytes']):.0f} "
          f"gazetteer_mb={mib(imp['gazetteer_bytes']):.1f} index_ratio={ratio:.3f} lookup_p99_us={look['generated']['p99_us']:.0f} "
          f"lookup_cpu_p99_us={look['generated']['cpu_p99_us']:.0f} lookup_per_mention_cpu_p99_us={gaz['generated']['mention_cpu_p99_us']:.0f} "
          f"lookup_per_mention_cpu_mean_us={gaz['generated']['mention_cpu_mean_us']:.1f}")


if __name__ == "__main__":
    main()
