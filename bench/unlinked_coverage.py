"""How many gold entities an article's facets hold, with and without unlinked names.

On the three ELEVANT development sets (``../shared/eval/*.benchmark.jsonl``), for
every article: the gold person/place/organisation entities (score.py's target
labels: a QID, a target type, inside the evaluation span, no parent, no
coreference) and the article's facet values as ``newslink index`` makes them.

* **before**: share of gold entities whose QID is among the article's facet values;
* **after**: share of gold entities whose QID is there *or* that an unlinked value
  names: one of its mentions overlaps a gold mention of the entity, or its key is
  the key of one of the entity's gold surface forms;
* **noise**: unlinked values per article that match no gold label at all (no overlap
  with any labelled span, NIL labels included, and no key of one); those matching
  only a NIL gold label (an entity Wikidata lacks) are counted apart. The sets do
  not annotate every name, so part of the "noise" is names the annotators left out.

    .venv/bin/python bench/unlinked_coverage.py [--set reuters-128 ...] [--json] [--show-noise N]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, prepare_home  # noqa: E402

SETS = ("msnbc-updated", "reuters-128", "rss-500")


def measure(name: str, pipeline, names) -> dict:
    from newslink.indexer.article import Article
    from newslink.indexer.evaluate import gold_labels, load_jsonl, overlaps
    from newslink.indexer.linking.unlinked import key_for

    gold = load_jsonl(SHARED / "eval" / f"{name}.benchmark.jsonl")
    articles = [Article(id=key, title="", text=doc["text"]) for key, doc in gold.items()]
    total = by_qid = by_either = values = noise = nil_only = 0
    noisy: list[str] = []
    for article, links in pipeline.process(iter(articles)):
        doc = gold[article.id]
        targets, others, (a, b) = gold_labels(doc)
        found = names.find(links, article.body_for_nlp)
        qids = {l.qid for l in links if l.qid}
        entities: dict[str, list[dict]] = {}
        for lab in targets:
            entities.setdefault(lab["entity_id"], []).append(lab)
        spans = {ent.key: [(links[i].mention.start, links[i].mention.end) for i in ent.mentions] for ent in found}

        def names_label(ent, lab) -> bool:
            s, e = lab["span"]
            return any(overlaps(span, lab["span"]) for span in spans[ent.key]) or key_for(ent.type, doc["text"][s:e]) == ent.key

        for qid, labs in entities.items():
            total += 1
            if qid in qids:
                by_qid += 1
                by_either += 1
            elif any(names_label(ent, lab) for ent in found for lab in labs):
                by_either += 1
        in_span = [ent for ent in found if any(a <= s and e <= b for s, e in spans[ent.key])]
        labelled = [lab for lab in doc["labels"] if not lab.get("coref")]
        for ent in in_span:
            values += 1
            hits = [lab for lab in labelled if names_label(ent, lab)]
            if not hits:
                noise += 1
                noisy.append(f"{ent.type}:{ent.label}")
            elif all(not lab["entity_id"].startswith("Q") for lab in hits):
                nil_only += 1
    n = len(articles)
    return {
        "set": name,
        "articles": n,
        "gold_entities": total,
        "before": round(by_qid / total, 4) if total else 0.0,
        "after": round(by_either / total, 4) if total else 0.0,
        "gained": by_either - by_qid,
        "unlinked_values": values,
        "unlinked_per_article": round(values / n, 2) if n else 0.0,
        "matching_nil_gold_only": nil_only,
        "noise": noise,
        "noise_per_article": round(noise / n, 2) if n else 0.0,
        "noise_examples": noisy,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", choices=SETS, help="benchmark(s) to run (default: all three)")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--show-noise", type=int, default=0, metavar="N", help="print N unlinked values per set that match no gold label")
    args = ap.parse_args()
    for name in args.set or SETS:
        if not (SHARED / "eval" / f"{name}.benchmark.jsonl").exists():
            print(f"SKIPPED: {SHARED / 'eval'} lacks {name}.benchmark.jsonl (only on the project's machines)")
            return
    import os

    home = Path(tempfile.mkdtemp(prefix="newslink-unlinked-bench-"))
    os.environ.update(prepare_home(home))
    from newslink.indexer.kb.loader import open_kb
    from newslink.indexer.linking.unlinked import UnlinkedNames
    from newslink.indexer.pipeline import EntityPipeline

    kb = open_kb()
    pipeline = EntityPipeline(kb)
    names = UnlinkedNames(kb, pipeline.linker.threshold)
    rows = [measure(name, pipeline, names) for name in args.set or SETS]
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "noise_examples" or args.show_noise} for r in rows], indent=2))
        return
    print(f"{'set':<14} {'articles':>8} {'gold ents':>9} {'QID only':>9} {'QID|name':>9} {'gained':>7} {'unlinked/art':>12} {'NIL-gold':>8} {'noise/art':>9}")
    for r in rows:
        print(f"{r['set']:<14} {r['articles']:>8} {r['gold_entities']:>9} {r['before']:>9.1%} {r['after']:>9.1%} {r['gained']:>7} "
              f"{r['unlinked_per_article']:>12} {r['matching_nil_gold_only']:>8} {r['noise_per_article']:>9}")
    print("KEY " + " ".join(f"{r['set']}:before={r['before']:.3f},after={r['after']:.3f},noise/art={r['noise_per_article']}" for r in rows))
    for r in rows:
        if args.show_noise and r["noise_examples"]:
            print(f"\n{r['set']}: unlinked values matching no gold label ({r['noise']}):")
            print("  " + "; ".join(r["noise_examples"][: args.show_noise]))


if __name__ == "__main__":
    main()
