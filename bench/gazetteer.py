"""The KB gazetteer: start-up, memory and per-document time, and identical matches to a PhraseMatcher.

    .venv/bin/python bench/gazetteer.py [--kb KB.sqlite ...] [--limit N]

For each KB (default: the starter KB and the KB with the compiled open data, built in
fresh data directories) it runs, each in a fresh process: the old design (a spaCy
``PhraseMatcher`` over every surface form, what newslink ran until issue 16) and the
trie index (``indexer/gazetteer.py``) twice, first building its index (a process after
``kb build``) and then reusing it (every later process). Each prints its start-up
time, the RSS it added, the time to match every text (tokens only: the gazetteer reads
nothing NER makes) and a digest of every ``doc.spans["kb"]``; the digests must agree.
The texts: newsarticles2017 and the three ELEVANT sets' texts from ../shared.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, corpus_file, iter_records, key_line, machine_line, nlp_text, self_rss_mb, table  # noqa: E402

EVAL_SETS = ("msnbc-updated", "reuters-128", "rss-500")



def texts(limit: int) -> list[str]:
    out = [nlp_text(r) for r in iter_records(corpus_file("newsarticles2017"))]
    for name in EVAL_SETS:
        path = SHARED / "eval" / f"{name}.benchmark.jsonl"
        if path.exists():
            out.extend(json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip())
    return out[:limit] if limit else out


def measure(design: str, kb_path: Path, limit: int) -> dict:
    """One design in this process (run as a child of main())."""
    from spacy.matcher import PhraseMatcher
    from spacy.util import filter_spans

    from newslink.indexer.gazetteer import GAZETTEER_KEY, pattern_surfaces
    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.nlp import load_pipeline

    docs_text = texts(limit)
    kb = KnowledgeBase(kb_path)
    nlp = load_pipeline()
    base = self_rss_mb()
    started = time.perf_counter()
    if design == "phrasematcher":
        matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        matcher.add(GAZETTEER_KEY, [nlp.make_doc(s) for s in sorted(set(pattern_surfaces(kb.iter_aliases())))])

        def gazetteer(doc):
            doc.spans[GAZETTEER_KEY] = filter_spans(matcher(doc, as_spans=True))
            return doc
    else:
        from newslink.indexer.gazetteer import Gazetteer, open_index
        from newslink.indexer.nlp import gazetteer_index

        gazetteer = Gazetteer(open_index(gazetteer_index(kb, nlp)))
    startup = time.perf_counter() - started
    rss = self_rss_mb() - base
    docs = [nlp.make_doc(t) for t in docs_text]
    digest = hashlib.sha1()
    spans = 0
    started = time.process_time()
    for doc in docs:
        gazetteer(doc)
    match_s = time.process_time() - started
    for doc in docs:
        found = [(s.start, s.end) for s in doc.spans[GAZETTEER_KEY]]
        spans += len(found)
        digest.update(repr(found).encode())
    return {"startup_s": startup, "rss_mb": rss, "docs": len(docs), "per_doc_us": 1e6 * match_s / max(1, len(docs)),
            "spans": spans, "digest": digest.hexdigest()}


def build_kbs(folder: Path) -> list[Path]:
    out = []
    for name, extra in (("starter", []), ("open", ["--with", "open"])):
        home = folder / name
        env = {"NEWSLINK_HOME": str(home), "NEWSLINK_KB_SOURCES": "starter", "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-m", "newslink.search.cli", "kb", "build", *extra, "--json"], env=env, check=True, capture_output=True)
        out.append(home / "kb.sqlite")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=Path, action="append", help="a built KB (repeatable; default: starter and starter+open, built here)")
    ap.add_argument("--limit", type=int, default=0, help="texts to match (default: all)")
    ap.add_argument("--measure", nargs=2, metavar=("DESIGN", "KB"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), args.limit)))
        return
    corpus_file("newsarticles2017")  # exits with a message when ../shared is absent
    print(machine_line())
    rows, figures, same = [], {}, True
    with tempfile.TemporaryDirectory() as tmp:
        for kb_path in args.kb or build_kbs(Path(tmp)):
            runs = {}
            for design in ("phrasematcher", "trie (build index)", "trie (reuse index)"):
                cmd = [sys.executable, __file__, "--limit", str(args.limit), "--measure", design.split()[0], str(kb_path)]
                runs[design] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
                r = runs[design]
                rows.append([f"{kb_path.parent.name}: {design}", r["startup_s"], r["rss_mb"], r["per_doc_us"], r["spans"], r["digest"][:10]])
            same &= len({r["digest"] for r in runs.values()}) == 1
            tag = kb_path.parent.name
            figures[f"{tag}_startup_s"] = runs["trie (reuse index)"]["startup_s"]
            figures[f"{tag}_pm_startup_s"] = runs["phrasematcher"]["startup_s"]
            figures[f"{tag}_rss_mb"] = runs["trie (reuse index)"]["rss_mb"]
            figures[f"{tag}_pm_rss_mb"] = runs["phrasematcher"]["rss_mb"]
            for index in sorted(kb_path.parent.glob(f".{kb_path.name}.gazetteer-*.marisa")):
                figures[f"{tag}_index_mb"] = index.stat().st_size / 1024 / 1024
    print(table(["KB: design", "start-up s", "RSS added MiB", "µs/doc", "spans", "digest"], rows))
    print(f"identical doc.spans['kb'] across designs: {'yes' if same else 'NO'}")
    print(key_line("gazetteer", {"identical": int(same), **figures}))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
