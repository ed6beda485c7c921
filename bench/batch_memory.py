"""Peak memory of one spaCy batch: why a batch is cut by size as well as by count.

spaCy's NER allocates its arrays per batch, in proportion to the words of the whole
batch, so a worker's peak memory is set by its largest batch. This parses one batch of 64
typical articles (the middle of the corpus by length) and one of the 64 longest, each in
a fresh process, and the 64 longest again as newslink's workers batch them
(``indexer/batching.py``: at most ``MAX_BATCH_CHARS`` characters a batch), and prints each
process's peak RSS before and after the batch (the model and the KB's gazetteer loaded
and warmed on the first 64 articles first).

    .venv/bin/python bench/batch_memory.py [--corpus newsarticles2017]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import corpus_file, iter_records, key_line, machine_line, nlp_text, table  # noqa: E402

CASES = (("64 typical articles, one batch", "mid", False), ("64 longest articles, one batch", "long", False),
         ("64 longest articles, size-capped batches", "long", True))


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(corpus: str, which: str, capped: bool) -> None:
    """One case in this process: prints JSON (words, batches, peak before, peak after)."""
    from newslink.indexer.batching import capped_batches
    from newslink.indexer.kb.loader import open_kb
    from newslink.indexer.nlp import load_pipeline

    texts = [nlp_text(r) for r in iter_records(corpus_file(corpus))]
    nlp = load_pipeline(open_kb())
    list(nlp.pipe(texts[:64], batch_size=64))  # warm: model, vocabulary, gazetteer
    texts.sort(key=len)
    middle = len(texts) // 2
    batch = texts[-64:] if which == "long" else texts[middle - 32 : middle + 32]
    before = _peak_mib()
    batches = list(capped_batches(batch, 64, len)) if capped else [batch]
    for part in batches:
        list(nlp.pipe(part, batch_size=len(part)))
    print(json.dumps({"words": sum(len(t.split()) for t in batch), "batches": len(batches), "before": before, "after": _peak_mib()}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="newsarticles2017")
    ap.add_argument("--child", nargs=2, metavar=("WHICH", "CAPPED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.corpus, args.child[0], args.child[1] == "1")
        return
    corpus_file(args.corpus)  # a clear skip without ../shared
    print(machine_line())
    rows, figures = [], {}
    for label, which, capped in CASES:
        out = subprocess.run([sys.executable, __file__, "--corpus", args.corpus, "--child", which, "1" if capped else "0"],
                             check=True, capture_output=True, text=True).stdout
        got = json.loads(out.strip().splitlines()[-1])
        rows.append([label, got["words"], got["batches"], got["before"], got["after"], got["after"] - got["before"]])
        figures[f"{which}{'_capped' if capped else ''}_rise_mib"] = got["after"] - got["before"]
    print(table(["case", "words", "batches", "peak RSS before MiB", "after MiB", "rise MiB"], rows))
    print(key_line("batch_memory", figures))


if __name__ == "__main__":
    main()
