"""Every linking decision on real news, saved once and compared after a change.

Parsing is the dear step and does not depend on the linker, so the mentions of a
corpus sample are extracted once (spaCy + gazetteer, cached beside the saved
links) and every later run re-links those same mentions with the current
linker. ``--save`` writes the decisions of the current code; ``--compare`` links
again and lists every mention whose (QID, confidence, method) changed, with the
sentence around it: the reviewer reads what a change does to what a reader
sees, not only the benchmarks' figures.

    .venv/bin/python bench/link_diff.py --save /tmp/before.jsonl.gz          # on the old code
    .venv/bin/python bench/link_diff.py --compare /tmp/before.jsonl.gz       # on the new code
    .venv/bin/python bench/link_diff.py --relink /tmp/before.jsonl.gz /tmp/after.jsonl.gz  # the new code's decisions, saved
    .venv/bin/python bench/link_diff.py --diff /tmp/before.jsonl.gz /tmp/after.jsonl.gz    # two saves (a change to mention extraction needs a new --save)

``--corpus`` picks corpora (default: newsarticles2017 and the three ELEVANT sets'
texts); ``--limit`` the articles per corpus.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, corpus_file, iter_records, nlp_text, prepare_home  # noqa: E402

EVAL_SETS = ("msnbc-updated", "reuters-128", "rss-500")


def _texts(corpora: list[str], limit: int) -> list[tuple[str, str]]:
    """(key, text) of every article to link."""
    out: list[tuple[str, str]] = []
    for name in corpora:
        if name in EVAL_SETS:
            path = SHARED / "eval" / f"{name}.benchmark.jsonl"
            rows = (json.loads(line) for line in path.open(encoding="utf-8") if line.strip())
            texts = [(f"{name}:{i}", r["text"]) for i, r in enumerate(rows)]
        else:
            texts = [(f"{name}:{r.get('id', i)}", nlp_text(r)) for i, r in enumerate(iter_records(corpus_file(name)))]
        out.extend(texts[:limit] if limit else texts)
    return out


def _mentions(kb: Any, texts: list[tuple[str, str]], workers: int) -> list[list[tuple]]:
    """Mentions of every text (spaCy + gazetteer), as plain tuples."""
    from newslink.indexer.mentions import extract_mentions
    from newslink.indexer.pipeline import _nlp_for

    nlp = _nlp_for(kb)
    out = []
    for n, doc in enumerate(nlp.pipe((t for _k, t in texts), batch_size=32, n_process=workers), 1):
        out.append([(m.start, m.end, m.text, m.label, m.source) for m in extract_mentions(doc, kb)])
        if n % 500 == 0:
            print(f"  parsed {n:,}/{len(texts):,}", file=sys.stderr, flush=True)
    return out


def _decisions(kb: Any, texts: list[tuple[str, str]], mentions: list[list[tuple]]) -> tuple[list[list[dict]], float]:
    from newslink.indexer.linking import Linker
    from newslink.indexer.linking import Mention

    linker = Linker(kb)
    out = []
    started = time.process_time()
    for (_key, text), ms in zip(texts, mentions):
        links = linker.link([Mention(*m) for m in ms], text)
        out.append([
            {"s": l.mention.start, "e": l.mention.end, "text": l.mention.text, "qid": l.qid,
             "conf": round(l.confidence, 4), "method": l.method}
            for l in links
        ])
    return out, time.process_time() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--compare", type=Path)
    group.add_argument("--relink", nargs=2, type=Path, metavar=("SAVED", "OUT"),
                       help="link SAVED's stored mentions with the current code and save them to OUT (no parsing)")
    group.add_argument("--diff", nargs=2, type=Path, metavar=("OLD", "NEW"),
                       help="compare the decisions of two saves of the same texts (mentions extracted by each code)")
    ap.add_argument("--corpus", action="append", help="corpus names (default: newsarticles2017 + the eval sets)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--show", type=int, default=60, help="changed decisions to print")
    ap.add_argument("--summary", type=int, default=0, help="print the N most frequent changes (surface, old -> new QID)")
    args = ap.parse_args()

    import tempfile

    from newslink.indexer.kb import KnowledgeBase
    home = Path(tempfile.mkdtemp(prefix="newslink-linkdiff-"))
    prepare_home(home)
    kb = KnowledgeBase(home / "kb.sqlite")

    if args.save:
        texts = _texts(args.corpus or ["newsarticles2017", *EVAL_SETS], args.limit)
        mentions = _mentions(kb, texts, args.workers)
        decisions, cpu = _decisions(kb, texts, mentions)
        with gzip.open(args.save, "wt", encoding="utf-8") as fh:
            for (key, text), ms, ds in zip(texts, mentions, decisions):
                fh.write(json.dumps({"key": key, "text": text, "mentions": ms, "links": ds}, ensure_ascii=False) + "\n")
        print(f"saved {len(texts):,} articles, {sum(map(len, decisions)):,} decisions (linking {cpu:.1f} CPU s) to {args.save}")
        return

    if args.relink:
        saved, out = args.relink
        rows = [json.loads(line) for line in gzip.open(saved, "rt", encoding="utf-8")]
        decisions, cpu = _decisions(kb, [(r["key"], r["text"]) for r in rows], [[tuple(m) for m in r["mentions"]] for r in rows])
        with gzip.open(out, "wt", encoding="utf-8") as fh:
            for r, ds in zip(rows, decisions):
                fh.write(json.dumps({**r, "links": ds}, ensure_ascii=False) + "\n")
        print(f"relinked {len(rows):,} articles, {sum(map(len, decisions)):,} decisions (linking {cpu:.1f} CPU s) to {out}")
        return

    if args.diff:
        rows = [json.loads(line) for line in gzip.open(args.diff[0], "rt", encoding="utf-8")]
        newer = {r["key"]: r["links"] for r in (json.loads(line) for line in gzip.open(args.diff[1], "rt", encoding="utf-8"))}
        rows = [r for r in rows if r["key"] in newer]
        decisions, cpu = [newer[r["key"]] for r in rows], 0.0
    else:
        rows = [json.loads(line) for line in gzip.open(args.compare, "rt", encoding="utf-8")]
        texts = [(r["key"], r["text"]) for r in rows]
        decisions, cpu = _decisions(kb, texts, [[tuple(m) for m in r["mentions"]] for r in rows])
    changed = Counter()
    grouped: Counter = Counter()
    same_docs = 0
    shown = 0
    for r, new in zip(rows, decisions):
        old = {(d["s"], d["e"]): d for d in r["links"]}
        now = {(d["s"], d["e"]): d for d in new}
        diff = False
        for span in sorted(set(old) | set(now)):
            a, b = old.get(span), now.get(span)
            if a is not None and b is not None and (a["qid"], a["conf"], a["method"]) == (b["qid"], b["conf"], b["method"]):
                continue
            diff = True
            kind = "qid" if (a or {}).get("qid") != (b or {}).get("qid") else "confidence/method"
            changed[kind] += 1
            if kind == "qid":
                grouped[((a or b)["text"], (a or {}).get("qid"), (b or {}).get("qid"), (b or {}).get("method"))] += 1
            if shown < args.show:
                shown += 1
                s, e = span
                ctx = r["text"][max(0, s - 60) : e + 60].replace("\n", " ")
                print(f"{r['key']} [{s}:{e}] {(a or b)['text']!r}: {a and (a['qid'], a['conf'], a['method'])} -> "
                      f"{b and (b['qid'], b['conf'], b['method'])}\n    …{ctx}…")
        same_docs += not diff
    if args.summary:
        labels = {}
        for (_t, old, new, _m) in grouped:
            for q in (old, new):
                if q and q not in labels:
                    e = kb.entity(q)
                    labels[q] = e.label if e else q
        for (text, old, new, method), n in grouped.most_common(args.summary):
            print(f"{n:5d}  {text!r}: {labels.get(old, old)} -> {labels.get(new, new)}  [{method}]")
    print(f"identical documents: {same_docs:,} of {len(rows):,}; changed decisions: {dict(changed)}; linking {cpu:.1f} CPU s")


if __name__ == "__main__":
    main()
