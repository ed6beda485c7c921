"""Indexing throughput: `newslink index` end to end against a bare spaCy NER pass.

The bare pass is the work newslink cannot avoid: ``nlp.pipe`` over the same
texts (title + text, as the indexer joins them) with the same spaCy pipeline
newslink loads (``load_pipeline()``: the small English model, NER only) and the
same ``n_process``, texts already in memory, model already loaded: only the
``nlp.pipe`` loop is timed. newslink is timed end to end as a user runs it: a
fresh process running ``newslink index CORPUS --workers N`` into an empty
index (reading, NER, gazetteer, mention extraction, linking, building and
writing documents, commits, process start and exit).

``newslink index`` runs without ``--workers`` unless ``--newslink-workers N`` is
given: the job picks its own processes by its size (issue 22), as a user's does.

Mark (issue 7): newslink ≥ 0.8 × the bare pass (issue 22: ≥ 0.95 × at N = 200,
1,000 and 3,823 articles: ``--limit 200,1000,0``). Both run in one invocation;
with ``--rounds 2`` or more they alternate and the median ratio is reported
(the machine may be shared: wall-clock ratios from one run are only as good as
its load average, so CPU seconds are reported too).

    .venv/bin/python bench/index_throughput.py [--corpus newsarticles2017] [--workers 2] [--newslink-workers N] [--rounds 1] [--limit N[,N…]]
    .venv/bin/python bench/index_throughput.py --limit 1000 --workers-list 1,2,4    # scale-up (issue 22)
    .venv/bin/python bench/index_throughput.py --limit 200,1000,0 --rounds 3 --bare-tuned --code-before /tmp/old

``--bare-tuned`` also runs the bare pass with the memory settings newslink's workers
use (``tune_worker_allocator`` in ``indexer/allocator.py``, under the same
``NEWSLINK_WORKER_MALLOC``: by default numpy's arrays without huge-page advice, with
``=keep`` glibc keeping freed memory too): a cheaper parse that spaCy's pass would get
from the same change, so the ratio against it is what newslink costs beyond NER. The
plain bare pass keeps numpy's and glibc's defaults. ``--code-before DIR``
runs the same ``newslink index`` with other code too, in the same rounds (DIR holds a
``newslink`` package: symlinks ``newslink/indexer``, ``newslink/search`` and
``newslink/mappings`` to a checkout's ``indexer``, ``search`` and ``mappings``).

With ``--workers-list`` every listed ``newslink index --workers N`` runs against the
same bare pass, and a second table splits the CPU: the job's own process (reading,
hashing, look-ups, building and writing documents: ``cpu_seconds`` of its summary)
and its workers (parsing and linking: ``worker_cpu_seconds``), per article. The
job process is the bottleneck once workers × its ms per article reach a worker's
ms per article: the last column.

The last line holds the key figures.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    SPACY_WORDS_PER_CORE,
    check,
    corpus_file,
    dir_size,
    iter_records,
    key_line,
    machine,
    machine_line,
    mib,
    newslink_cmd,
    prepare_home,
    run_child,
    table,
)

MARK = 0.8
MARK_22 = 0.95  # issue 22: at every N
BEFORE = "before"  # the newslink runs of --code-before


def _label(which: object) -> str:
    if which == BEFORE:
        return "newslink, code before"
    return f"newslink --workers {which}" if which else "newslink"


def bare_pass(corpus: Path, workers: int, batch_size: int, tuned: bool = False) -> None:
    """Child-process mode: the bare NER pass; prints its figures as JSON.

    ``tuned``: with the memory settings newslink's workers use (indexer/allocator.py's
    ``tune_worker_allocator``, under the same NEWSLINK_WORKER_MALLOC), set before spaCy's
    workers fork (they inherit them): what the bare pass would gain from the same change,
    so newslink's lead over the default pass can be told apart from its cost beyond NER."""
    if tuned:
        from newslink.indexer.allocator import tune_worker_allocator

        tune_worker_allocator()
    from newslink.indexer.nlp import load_pipeline

    nlp = load_pipeline()  # what newslink runs, minus the KB gazetteer
    texts = article_texts(corpus)
    started = time.perf_counter()
    ents = tokens = 0
    for doc in nlp.pipe(texts, batch_size=batch_size, n_process=workers):
        ents += len(doc.ents)
        tokens += len(doc)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "docs": len(texts), "ents": ents, "tokens": tokens, "pipes": nlp.pipe_names}))


def article_texts(corpus: Path) -> list[str]:
    """The texts newslink parses: the real reader's articles, title + text joined."""
    from newslink.indexer.readers import read_paths

    return [a.body_for_nlp for a, _problems in read_paths([corpus]) if a is not None]


def same_links(home: Path, index_a: str, index_b: str) -> tuple[int, int]:
    """(documents whose mentions, links and unlinked names are identical, documents) of
    two indexes the bench wrote from the same articles: --code-before must not change a
    link, and the parse that produced them happened in each code's own workers."""
    from newslink.search.engines import open_engine

    def links(index: str) -> dict[str, tuple]:
        engine = open_engine("embedded", home=home, index=index)
        try:
            return {d["id"]: (d.get("mentions"), d.get("entity_list"), d.get("entities")) for d in engine.iter_documents()}
        finally:
            engine.close()

    a, b = links(index_a), links(index_b)
    return sum(1 for k, v in a.items() if b.get(k) == v), max(len(a), len(b))


def limited_copy(corpus: Path, limit: int, tmp: Path) -> Path:
    out = tmp / f"{corpus.name.split('.')[0]}-first{limit}.jsonl"
    with open(out, "w", encoding="utf-8") as handle:
        for i, record in enumerate(iter_records(corpus)):
            if i >= limit:
                break
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="newsarticles2017", help="a corpus name under ../shared/corpora, or a .jsonl[.gz] path")
    ap.add_argument("--workers", type=int, default=2, help="n_process for both (default 2: both cores)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=1, help="alternate bare/newslink this many times (median ratio)")
    ap.add_argument("--limit", default="0", help="only the first N records (quick runs); several sizes comma-separated, 0 = all")
    ap.add_argument("--newslink-workers", type=int, default=0, help="pass --workers N to newslink (default: none, the job sizes its pool)")
    ap.add_argument("--workers-list", default="", help="scale-up: newslink with --workers N for each N (e.g. 1,2,4; 0 = no --workers), all against one bare pass per round")
    ap.add_argument("--code-before", default="", metavar="DIR", help="also run newslink with the code in DIR (a directory holding a `newslink` package, put first on PYTHONPATH), alternated in the same rounds: a before/after")
    ap.add_argument("--bare-tuned", action="store_true", help="run the bare pass with newslink's worker memory settings as well (one more bare run per round)")
    ap.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tuned", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    corpus = corpus_file(args.corpus)
    if args.bare:
        bare_pass(corpus, args.workers, args.batch_size, args.tuned)
        return

    print(machine_line())
    for limit in (int(n) for n in args.limit.split(",")):
        one_size(args, corpus, limit)


def one_size(args: argparse.Namespace, corpus: Path, limit: int) -> None:
    with tempfile.TemporaryDirectory(prefix="newslink-bench-index-") as tmp_name:
        tmp = Path(tmp_name)
        if limit:
            corpus = limited_copy(corpus, limit, tmp)
        texts = article_texts(corpus)
        articles = len(texts)
        words = sum(len(t.split()) for t in texts)
        chars = sum(len(t) for t in texts)
        del texts
        settings: list[int | str] = [int(n) for n in args.workers_list.split(",")] if args.workers_list else [args.newslink_workers]
        if args.code_before:
            settings.append(BEFORE)  # the same newslink command, run with the other code
        print(f"corpus: {corpus} — {articles:,} articles, {words:,} words, {mib(chars):.1f} M characters; "
              f"n_process={args.workers}, batch_size={args.batch_size}, rounds={args.rounds}, newslink --workers {settings}")
        env = prepare_home(tmp / "home")

        bare_runs: list = []
        tuned_runs: list = []  # --bare-tuned
        nl_runs: dict[int | str, list] = {n: [] for n in settings}
        ratios: dict[int | str, list[float]] = {n: [] for n in settings}
        cpu_ratios: dict[int | str, list[float]] = {n: [] for n in settings}
        tuned_ratios: dict[int | str, list[float]] = {n: [] for n in settings}
        tuned_cpu_ratios: dict[int | str, list[float]] = {n: [] for n in settings}
        for r in range(args.rounds):
            bares = ["bare", "bare-tuned"] if args.bare_tuned else ["bare"]
            order = [*bares, *settings] if r % 2 == 0 else [*settings[::-1], *bares[::-1]]
            for which in order:
                if which in ("bare", "bare-tuned"):
                    tuned = ["--tuned"] if which == "bare-tuned" else []
                    run = check(run_child([sys.executable, __file__, "--bare", *tuned, "--corpus", str(corpus), "--workers", str(args.workers), "--batch-size", str(args.batch_size)], env=env), "bare spaCy pass")
                    (tuned_runs if tuned else bare_runs).append((run, run.json()))
                    label = which
                else:
                    n_workers = args.newslink_workers if which == BEFORE else which
                    workers = ["--workers", str(n_workers)] if n_workers else []
                    cmd = newslink_cmd(tmp / "home", "--index", f"bench{r}w{which}", "index", str(corpus), *workers,
                                       "--batch-size", str(args.batch_size), "--json", "--no-progress")
                    code = dict(env, PYTHONPATH=os.pathsep.join(filter(None, [args.code_before, env.get("PYTHONPATH")]))) if which == BEFORE else env
                    run = check(run_child(cmd, env=code), "newslink index")
                    nl_runs[which].append((run, run.json()))
                    label = _label(which)
                print(f"  round {r + 1}: {label:22} {run.wall:7.1f} s wall, {run.cpu:7.1f} s CPU, load {os.getloadavg()[0]:.1f}", flush=True)
            for n in settings:
                ratios[n].append(bare_runs[-1][1]["seconds"] / nl_runs[n][-1][0].wall)
                cpu_ratios[n].append(bare_runs[-1][0].cpu / nl_runs[n][-1][0].cpu)
                if tuned_runs:
                    tuned_ratios[n].append(tuned_runs[-1][1]["seconds"] / nl_runs[n][-1][0].wall)
                    tuned_cpu_ratios[n].append(tuned_runs[-1][0].cpu / nl_runs[n][-1][0].cpu)

        if args.code_before:
            same, total = same_links(tmp / "home", f"bench{args.rounds - 1}w{settings[0]}", f"bench{args.rounds - 1}w{BEFORE}")
            print(f"  links (mentions, entities, unlinked names) identical with the code before: {same:,} of {total:,} documents", flush=True)
        bare_s = statistics.median(b[1]["seconds"] for b in bare_runs)
        cores = args.workers
        rows = [["spaCy nlp.pipe, NER only (bare)", bare_s, articles / bare_s, words / bare_s, words / bare_s / cores, statistics.median(b[0].cpu for b in bare_runs), mib(max(b[0].peak_rss for b in bare_runs))]]
        if tuned_runs:
            tuned_s = statistics.median(b[1]["seconds"] for b in tuned_runs)
            rows.append(["bare, workers' memory settings (--bare-tuned)", tuned_s, articles / tuned_s, words / tuned_s, words / tuned_s / cores,
                         statistics.median(b[0].cpu for b in tuned_runs), mib(max(b[0].peak_rss for b in tuned_runs))])
        cpu_rows, figures = [], {}
        for n in settings:
            runs = nl_runs[n]
            nl_s = statistics.median(x[0].wall for x in runs)
            summary = runs[-1][1]
            name = f"newslink index --workers {n}" if n and n != BEFORE else f"{_label(n)} index (end to end)"
            rows.append([name, nl_s, articles / nl_s, words / nl_s, words / nl_s / cores, statistics.median(x[0].cpu for x in runs), mib(max(x[0].peak_rss for x in runs))])
            # Where the CPU goes: the job's own process during the job (reading, hashing,
            # look-ups, building and writing documents; all of it with one process) and
            # its workers (parsing, linking, unlinked names), per article.
            parent = statistics.median(x[1].get("cpu_seconds", 0.0) for x in runs)
            worker = statistics.median(x[1].get("worker_cpu_seconds", 0.0) for x in runs)
            used = summary.get("workers", n)
            saturates = (worker / parent) if parent and worker else None
            cpu_rows.append([f"{_label(n)}: auto ({used})" if n == BEFORE else n or f"auto ({used})", used, nl_s, articles / nl_s, statistics.median(ratios[n]),
                             parent, 1000 * parent / articles, worker, 1000 * worker / articles, f"{saturates:.0f}" if saturates else "-"])
            figures[n] = {"ratio": statistics.median(ratios[n]), "cpu_ratio": statistics.median(cpu_ratios[n]), "seconds": nl_s,
                          "parent_ms_per_article": 1000 * parent / articles, "worker_ms_per_article": 1000 * worker / articles,
                          "workers_used": used, "summary": summary}
        rows.append(["spaCy published (small model)", "", "", SPACY_WORDS_PER_CORE * cores, SPACY_WORDS_PER_CORE, "", ""])
        print()
        print(table(["run", "seconds", "articles/s", "words/s", "words/s/core", "CPU s", "peak RSS MiB"], rows))
        print()
        print(table(["--workers", "processes", "seconds", "articles/s", "vs bare", "job CPU s", "job ms/article",
                     "workers CPU s", "workers ms/article", "job saturates at ~N workers"], cpu_rows))
        print("(job CPU: the newslink process itself while indexing, start-up excluded; workers CPU: its linking workers, their start-up included)")
        m = machine()
        for n in settings:
            f = figures[n]
            summary = f["summary"]
            index_bytes = dir_size(Path(summary["index"]["path"]))
            print()
            print(f"[{_label(n) if n == BEFORE else '--workers ' + str(n or 'auto')}] throughput ratio newslink / bare = {f['ratio']:.3f} (mark ≥ {MARK}: {'MET' if f['ratio'] >= MARK else 'MISSED'}; "
                  f"issue 22: ≥ {MARK_22}: {'MET' if f['ratio'] >= MARK_22 else 'MISSED'}); "
                  f"CPU-time ratio bare / newslink = {f['cpu_ratio']:.3f} (whole processes, start-up included)")
            if tuned_runs:
                print(f"against the bare pass with newslink's worker memory settings (--bare-tuned): throughput ratio {statistics.median(tuned_ratios[n]):.3f}, "
                      f"CPU-time ratio {statistics.median(tuned_cpu_ratios[n]):.3f}")
            print(f"newslink: {summary['indexed']:,} indexed in {summary.get('workers', '?')} processes, {summary['mentions']:,} mentions, {summary['entities_linked']:,} entity links; "
                  f"bare NER found {bare_runs[-1][1]['ents']:,} entities in {bare_runs[-1][1]['tokens']:,} tokens; "
                  f"embedded index {mib(index_bytes):.1f} MiB = {mib(index_bytes) / summary['indexed'] * 1000:.1f} MiB per 1,000 documents")
            nl_s = f["seconds"]
            print(key_line("index_throughput", {
                "ratio": f["ratio"], "mark": MARK, "met": f["ratio"] >= MARK, "met_22": f["ratio"] >= MARK_22, "cpu_ratio": f["cpu_ratio"],
                "newslink_articles_s": articles / nl_s, "newslink_words_s": words / nl_s,
                "bare_articles_s": articles / bare_s, "bare_words_s": words / bare_s,
                "spacy_ref_words_s_core": SPACY_WORDS_PER_CORE, "n_process": args.workers, "articles": articles,
                "newslink_workers_arg": args.newslink_workers if n == BEFORE else n, "code_before": n == BEFORE, "newslink_workers": summary.get("workers"),
                "parent_ms_per_article": f["parent_ms_per_article"], "worker_ms_per_article": f["worker_ms_per_article"],
                "index_mib_per_1k": mib(index_bytes) / summary["indexed"] * 1000, "cores": m["cores"], "load1": m["load1"],
                **({"ratio_tuned": statistics.median(tuned_ratios[n]), "cpu_ratio_tuned": statistics.median(tuned_cpu_ratios[n])} if tuned_runs else {}),
            }))


if __name__ == "__main__":
    main()
