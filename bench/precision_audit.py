"""A precision audit of the links newslink makes on real news, repeatable.

The benchmarks annotate only part of what a reader sees, so precision is also
judged by reading: a stratified sample of links on one corpus (newsarticles2017 by default), each with its
sentence, judged right / wrong / unsure by a person, committed under
``bench/audit/`` so the next audit compares with the same method.

    # the decisions of the current linker on stored mentions (bench/link_diff.py --save FILE)
    .venv/bin/python bench/precision_audit.py sample --links FILE --out bench/audit/after.jsonl
    # ... judge: fill "verdict" ("right", "wrong", "unsure") and "note" in each line ...
    .venv/bin/python bench/precision_audit.py report bench/audit/before.jsonl bench/audit/after.jsonl

Strata (extra weight where wrong links hide): a person linked from one word, a
short form (three letters or fewer), any other one-word link, and links of two or
more words. ``report`` prints precision per stratum, per type, per method and per
confidence band (is a 0.8 right about 80 % of the time?), and the overall
precision weighted by each stratum's share of all links.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import prepare_home, table  # noqa: E402

QUOTAS = {"one-word person": 90, "short form": 50, "one-word other": 80, "two+ words": 80}


def stratum(text: str, type_: str) -> str:
    letters = re.sub(r"[^A-Za-z]", "", text)
    if " " not in text.strip() and type_ == "person":
        return "one-word person"
    if len(letters) <= 3:
        return "short form"
    if " " not in text.strip():
        return "one-word other"
    return "two+ words"


def _links(path: Path, relink: bool, corpus: str = "newsarticles2017") -> list[dict[str, Any]]:
    """Every link on ``corpus`` in a link_diff file: as saved, or re-linked now."""
    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.linking import Linker, Mention

    home = Path(tempfile.mkdtemp(prefix="newslink-audit-"))
    prepare_home(home)
    kb = KnowledgeBase(home / "kb.sqlite")
    linker = Linker(kb)
    out = []
    for line in gzip.open(path, "rt", encoding="utf-8"):
        row = json.loads(line)
        if not row["key"].startswith(f"{corpus}:"):
            continue
        text = row["text"]
        if relink:
            decisions = [
                {"s": l.mention.start, "e": l.mention.end, "text": l.mention.text, "qid": l.qid, "conf": round(l.confidence, 3), "method": l.method}
                for l in linker.link([Mention(*m) for m in row["mentions"]], text)
            ]
        else:
            decisions = row["links"]
        for d in decisions:
            if not d["qid"]:
                continue
            ent = kb.entity(d["qid"])
            type_ = ent.type if ent else "?"
            out.append({
                "article": row["key"], "start": d["s"], "end": d["e"], "text": d["text"], "qid": d["qid"],
                "label": ent.label if ent else None, "description": ent.description if ent else "", "type": type_,
                "method": d["method"], "confidence": d["conf"], "stratum": stratum(d["text"], type_),
                "context": text[max(0, d["s"] - 160): d["e"] + 160].replace("\n", " "),
            })
    return out


def sample(args: argparse.Namespace) -> None:
    links = _links(args.links, args.relink, args.corpus)
    by_stratum: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        by_stratum[link["stratum"]].append(link)
    rng = random.Random(args.seed)
    chosen = []
    for name, quota in QUOTAS.items():
        pool = by_stratum.get(name, [])
        chosen.extend(rng.sample(pool, min(round(quota * args.scale), len(pool))))
    population = {name: len(pool) for name, pool in by_stratum.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"population": population, "links_file": str(args.links), "seed": args.seed}) + "\n")
        for i, link in enumerate(chosen):
            fh.write(json.dumps(dict(link, id=i, verdict=None, note=""), ensure_ascii=False) + "\n")
    print(f"{len(chosen)} links sampled from {len(links):,} ({population}) -> {args.out}")


def _precision(rows: list[dict[str, Any]]) -> tuple[float | None, int, int]:
    judged = [r for r in rows if r.get("verdict") in ("right", "wrong")]
    right = sum(r["verdict"] == "right" for r in judged)
    return (right / len(judged) if judged else None), right, len(judged)


def _fmt(p: float | None, right: int, n: int) -> str:
    return "—" if p is None else f"{p:.3f} ({right}/{n})"


def report(args: argparse.Namespace) -> None:
    audits = []
    for path in args.files:
        lines = [json.loads(line) for line in open(path, encoding="utf-8")]
        audits.append((Path(path).stem, lines[0]["population"], lines[1:]))
    for row_list in (rows for _n, _p, rows in audits):
        for r in row_list:
            c = float(r["confidence"])
            r["confidence band"] = "0.95-1" if c >= 0.95 else "0.9-0.95" if c >= 0.9 else "0.8-0.9" if c >= 0.8 else "0.5-0.8"
    for key in ("stratum", "type", "method", "confidence band"):
        values = sorted({r[key] for _n, _p, rows in audits for r in rows})
        rows_out = [[v] + [_fmt(*_precision([r for r in rows if r[key] == v])) for _n, _p, rows in audits] for v in values]
        print(table([key] + [n for n, _p, _r in audits], rows_out))
        print()
    overall = []
    for name, population, rows in audits:
        total = sum(population.values())
        weighted = 0.0
        for stratum_name, count in population.items():
            p, _r, n = _precision([r for r in rows if r["stratum"] == stratum_name])
            weighted += (p if p is not None else 1.0) * count / total
        raw = _precision(rows)
        unsure = sum(r.get("verdict") == "unsure" for r in rows)
        overall.append([name, _fmt(*raw), f"{weighted:.3f}", unsure, total])
    print(table(["audit", "sample precision", "weighted by strata", "unsure", "links in corpus"], overall))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--links", type=Path, required=True, help="a bench/link_diff.py --save file")
    s.add_argument("--relink", action="store_true", help="link its stored mentions with the current code (else: its saved decisions)")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--seed", type=int, default=13)
    s.add_argument("--corpus", default="newsarticles2017", help="which corpus's links (the key prefix in the links file)")
    s.add_argument("--scale", type=float, default=1.0, help="multiply every stratum's quota (0.5: a half-size sample)")
    r = sub.add_parser("report")
    r.add_argument("files", nargs="+")
    args = ap.parse_args()
    sample(args) if args.cmd == "sample" else report(args)


if __name__ == "__main__":
    main()
