"""What a linking worker spends on top of spaCy, per article: mention extraction,
linking and the unlinked names (CPU, one process).

The texts are parsed once (spaCy + gazetteer, as a worker's pipeline does) and the
Docs cached under the bench cache (``--reparse`` to redo it), so a run times only
the three stages newslink adds after parsing, with cold KB and linker caches as in
a fresh worker, and (like ``pipeline._worker`` after its first chunk) the cyclic
collector kept off what the first article loaded. Issue 22: these stages, the
gazetteer and moving links between processes are the workers' CPU beyond the bare
NER pass.

Comparing two versions of the code: run it on each, alternately, in the same
minutes (the machine may be shared; CPU seconds still move with the load).
``bench/link_diff.py --compare`` says whether any link changed.

    .venv/bin/python bench/worker_cpu.py [--limit N] [--rounds 2]
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CACHE, key_line, machine_line, prepare_home, table  # noqa: E402
from link_diff import EVAL_SETS, _texts as keyed_texts  # noqa: E402


def _texts() -> list[str]:
    """newsarticles2017 and the three ELEVANT sets' texts, as bench/link_diff.py links them (empty ones left out)."""
    return [t for _key, t in keyed_texts(["newsarticles2017", *EVAL_SETS], 0) if t.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="texts (0 = all 4,471)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--reparse", action="store_true", help="parse the texts again (else the cached Docs)")
    args = ap.parse_args()
    print(machine_line())

    from spacy.tokens import DocBin

    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.linking import Linker
    from newslink.indexer.linking.unlinked import UnlinkedNames
    from newslink.indexer.mentions import extract_mentions
    from newslink.indexer.pipeline import _nlp_for

    home = CACHE / "worker_cpu"
    prepare_home(home)
    kb = KnowledgeBase(home / "kb.sqlite")
    nlp = _nlp_for(kb)
    texts = _texts()
    cached = home / f"docs-{kb.version}.spacy"
    if args.reparse or not cached.exists():
        print(f"parsing {len(texts):,} texts once (spaCy + gazetteer) into {cached} …", file=sys.stderr)
        docs = DocBin(store_user_data=True)
        for doc in nlp.pipe(texts, batch_size=32, n_process=2):
            docs.add(doc)
        with tempfile.NamedTemporaryFile(dir=home, delete=False) as tmp:
            tmp.write(docs.to_bytes())
        Path(tmp.name).replace(cached)
    blob = cached.read_bytes()
    n = min(args.limit, len(texts)) if args.limit else len(texts)

    rows = []
    for round_ in range(1, args.rounds + 1):
        linker = Linker(KnowledgeBase(home / "kb.sqlite"))  # cold caches, as a fresh worker's
        names = UnlinkedNames(linker.kb, linker.threshold)
        spent = {"mentions": 0.0, "linking": 0.0, "unlinked names": 0.0}
        for i, (doc, text) in enumerate(zip(DocBin().from_bytes(blob).get_docs(nlp.vocab), texts[:n])):
            t0 = time.process_time()
            mentions = extract_mentions(doc, linker.kb, text)
            t1 = time.process_time()
            links = linker.link(mentions, text)
            t2 = time.process_time()
            names.find(links, text)
            t3 = time.process_time()
            spent["mentions"] += t1 - t0
            spent["linking"] += t2 - t1
            spent["unlinked names"] += t3 - t2
            if i == 0:
                gc.collect()
                gc.freeze()
        gc.unfreeze()
        total = sum(spent.values())
        rows.append([f"round {round_}", *(1000 * v / n for v in spent.values()), 1000 * total / n])
    print()
    print(table(["ms per article", *spent, "all three"], rows))
    best = min(rows, key=lambda r: r[-1])
    print(key_line("worker_cpu", {"articles": n, "mentions_ms": best[1], "linking_ms": best[2], "names_ms": best[3], "total_ms": best[4]}))


if __name__ == "__main__":
    main()
