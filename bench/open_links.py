"""What the open data changes on real news, read by a person.

The benchmarks annotate only part of what a reader sees, so the links the
compiled open data adds or changes are also judged by reading. Two runs of
``bench/link_diff.py --save`` on the same articles, one with the starter KB and
one with the open data, are compared decision by decision (their mentions differ:
the gazetteer knows more names with the open data):

    NEWSLINK_KB_SOURCES=starter      .venv/bin/python bench/link_diff.py --save /tmp/starter.jsonl.gz --corpus newsarticles2017 --limit 2000
    NEWSLINK_KB_SOURCES=starter,open .venv/bin/python bench/link_diff.py --save /tmp/open.jsonl.gz --corpus newsarticles2017 --limit 2000
    .venv/bin/python bench/open_links.py sample /tmp/starter.jsonl.gz /tmp/open.jsonl.gz --out bench/audit/open_data.jsonl
    # ... judge: fill "verdict" ("right", "wrong", "unsure") and "note" in each line ...
    .venv/bin/python bench/open_links.py report bench/audit/open_data.jsonl

``sample`` prints how many links were added, changed and dropped, by type and
by the added entity's kind, and writes a random sample of the added and changed
links (seeded) with their sentence; ``report`` gives precision per group.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import prepare_home, table  # noqa: E402


def _links(path: Path) -> dict[str, tuple[str, dict[tuple[int, int], dict]]]:
    out = {}
    for line in gzip.open(path, "rt", encoding="utf-8"):
        r = json.loads(line)
        out[r["key"]] = (r["text"], {(d["s"], d["e"]): d for d in r["links"] if d["qid"]})
    return out


def _overlapping(spans: dict[tuple[int, int], dict], s: int, e: int) -> dict | None:
    return next((d for (a, b), d in spans.items() if a < e and s < b), None)


def sample(args: argparse.Namespace) -> None:
    import os

    from newslink.indexer.kb import KnowledgeBase

    home = Path(tempfile.mkdtemp(prefix="newslink-openlinks-"))
    os.environ["NEWSLINK_KB_SOURCES"] = "starter,open"
    prepare_home(home)
    kb = KnowledgeBase(home / "kb.sqlite")
    before, after = _links(args.starter), _links(args.open)
    changes: list[dict] = []
    counts: Counter = Counter()
    for key, (text, new) in after.items():
        old = before.get(key, (text, {}))[1]
        for (s, e), d in new.items():
            prev = old.get((s, e)) or _overlapping(old, s, e)
            if prev is not None and prev["qid"] == d["qid"]:
                continue
            ent = kb.entity(d["qid"])
            kind = "changed" if prev else "added"
            counts[(kind, ent.type if ent else "?", ent.kind if ent else "?")] += 1
            changes.append({
                "article": key, "change": kind, "text": d["text"], "qid": d["qid"],
                "label": ent.label if ent else None, "type": ent.type if ent else None, "kind": ent.kind if ent else None,
                "description": ent.description if ent else None, "confidence": d["conf"], "method": d["method"],
                "was": prev["qid"] if prev else None,
                "context": text[max(0, s - 150) : e + 150].replace("\n", " "), "verdict": "", "note": "",
            })
        for (s, e), d in old.items():
            if (s, e) not in new and _overlapping(new, s, e) is None:
                counts[("dropped", "", "")] += 1
    rows = [(k, t, kd, n) for (k, t, kd), n in counts.most_common()]
    print(table(["change", "type", "kind", "links"], rows[:40]))
    print(f"articles: {len(after):,}; added {sum(n for (k, _, _), n in counts.items() if k == 'added'):,}, "
          f"changed {sum(n for (k, _, _), n in counts.items() if k == 'changed'):,}, dropped {counts[('dropped', '', '')]:,}")
    random.Random(args.seed).shuffle(changes)
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in changes[: args.n]:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {min(args.n, len(changes))} of {len(changes):,} added/changed links to {args.out}")


def report(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in open(args.file, encoding="utf-8") if line.strip()]
    groups: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        v = r.get("verdict") or "unjudged"
        for g in ("all", f"{r['change']}", f"type {r['type']}", f"method {r['method']}", f"kind {r['kind']}"):
            groups[g][v] += 1
    out = []
    for g, c in sorted(groups.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        judged = c["right"] + c["wrong"]
        out.append((g, sum(c.values()), c["right"], c["wrong"], c["unsure"], f"{c['right'] / judged:.2f}" if judged else "-"))
    print(table(["group", "links", "right", "wrong", "unsure", "precision"], out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("starter", type=Path)
    s.add_argument("open", type=Path)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("-n", type=int, default=100)
    s.add_argument("--seed", type=int, default=14)
    r = sub.add_parser("report")
    r.add_argument("file", type=Path)
    args = ap.parse_args()
    (sample if args.cmd == "sample" else report)(args)


if __name__ == "__main__":
    main()
