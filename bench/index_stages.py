"""Where indexing time goes, stage by stage, in one process (CPU seconds).

Runs each stage of ``newslink index`` separately over the same articles:
spaCy NER (the bare pass), the KB gazetteer, mention extraction, linking,
building documents, moving links between processes (pickle), and writing to the
embedded engine. Every stage is shown as a share of the NER time: the issue's
throughput mark (newslink ≥ 0.8 × bare NER) allows the others together 25 %.
CPU time, not wall time, so a busy machine does not blur the split.

With ``--profile`` the mention extraction and linking stages also run under
cProfile and the functions that cost most are listed (what to fix first).

    .venv/bin/python bench/index_stages.py [--corpus newsarticles2017] [--limit 600] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pickle
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import corpus_file, key_line, machine_line, table  # noqa: E402

MARK_OVERHEAD = 0.25


def cpu(fn):
    t0 = time.process_time()
    out = fn()
    return out, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="newsarticles2017")
    ap.add_argument("--limit", type=int, default=600, help="articles (0 = all)")
    ap.add_argument("--profile", action="store_true", help="cProfile mention extraction + linking")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    corpus = corpus_file(args.corpus)
    print(machine_line())

    tmp = tempfile.TemporaryDirectory(prefix="newslink-bench-stages-")
    os.environ["NEWSLINK_HOME"] = tmp.name
    from newslink.indexer.document import build_document
    from newslink.indexer.kb.loader import open_kb
    from newslink.indexer.linking import Linker
    from newslink.indexer.mentions import extract_mentions
    from newslink.indexer.nlp import load_pipeline
    from newslink.indexer.readers import read_paths
    from newslink.search.engines.embedded import EmbeddedEngine

    kb = open_kb()
    articles = []
    for article, _problems in read_paths([corpus]):
        if article is not None:
            articles.append(article)
        if args.limit and len(articles) >= args.limit:
            break
    texts = [a.body_for_nlp for a in articles]
    words = sum(len(t.split()) for t in texts)
    print(f"corpus: {corpus.name}, first {len(articles):,} articles, {words:,} words; KB {kb.version}, {kb.stats()['aliases']:,} aliases")

    nlp = load_pipeline(kb)
    gazetteer = nlp.get_pipe("newslink_gazetteer")
    with nlp.select_pipes(disable=["newslink_gazetteer"]):
        nlp.pipe(texts[:5]).__next__()  # warm-up
        docs, t_ner = cpu(lambda: list(nlp.pipe(texts, batch_size=64)))
    _, t_gaz = cpu(lambda: [gazetteer(d) for d in docs])
    linker = Linker(kb)
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    mentions, t_ext = cpu(lambda: [extract_mentions(d, kb) for d in docs])
    links, t_link = cpu(lambda: [linker.link(m, t) for m, t in zip(mentions, texts)])  # as the pipeline does
    if profiler:
        profiler.disable()
    documents, t_doc = cpu(lambda: [build_document(a, ls, kb.version, kb) for a, ls in zip(articles, links)])
    _, t_pickle = cpu(lambda: pickle.loads(pickle.dumps(links)))
    engine = EmbeddedEngine(Path(tmp.name), "stages")

    def write() -> None:
        for i in range(0, len(documents), 256):
            engine.write(documents[i : i + 256])
        engine.commit()

    _, t_write = cpu(write)
    engine.close()

    stages = [
        ("spaCy NER (the bare pass)", t_ner),
        ("KB gazetteer (trie index)", t_gaz),
        ("mention extraction", t_ext),
        ("linking", t_link),
        ("building documents", t_doc),
        ("links between processes (pickle)", t_pickle),
        ("embedded engine write + commit", t_write),
    ]
    extra = sum(t for _n, t in stages[1:])
    rows = [[name, t, f"{100 * t / t_ner:.1f} %"] for name, t in stages]
    rows.append(["all but NER", extra, f"{100 * extra / t_ner:.1f} %"])
    print()
    print(table(["stage", "CPU s", "of NER"], rows))
    implied = t_ner / (t_ner + extra)
    print()
    print(f"implied throughput ratio (NER / everything, same cores) = {implied:.3f}; the mark allows {100 * MARK_OVERHEAD:.0f} % on top of NER "
          f"(ratio 0.8): {'within' if extra / t_ner <= MARK_OVERHEAD else 'over'} budget")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        print()
        print(f"cProfile of mention extraction + linking, top {args.top} by own time (cProfile inflates Python-heavy code):")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip() and not line.startswith(("   Ordered", "   List"))))
    print(key_line("index_stages", {
        "articles": len(articles), "ner_s": t_ner, "gazetteer_pct": 100 * t_gaz / t_ner, "extract_pct": 100 * t_ext / t_ner,
        "link_pct": 100 * t_link / t_ner, "doc_write_pct": 100 * (t_doc + t_write + t_pickle) / t_ner, "implied_ratio": implied,
    }))
    tmp.cleanup()


if __name__ == "__main__":
    main()
