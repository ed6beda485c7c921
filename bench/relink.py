"""Re-linking without re-parsing: `newslink reindex` against `newslink index`.

Indexes a corpus from scratch (``newslink index``: spaCy, gazetteer, linking,
writing), then rebuilds the index with ``newslink reindex`` (the default path:
every document is re-linked from its stored mentions, no spaCy, into a new
generation that is then promoted). The KB does not change in between, so every
document must come back with exactly the same links.

Marks (issue 7): reindex ≥ 10 × faster than indexing the same articles, and
identical links when the KB did not change.

    .venv/bin/python bench/relink.py [--corpus newsarticles2017] [--workers 2] [--reparse]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check, corpus_file, key_line, machine, machine_line, newslink_cmd, prepare_home, run_child, table  # noqa: E402

MARK = 10.0


def snapshot(home: Path) -> dict[str, tuple]:
    """Every document's links: facets, display entities, mentions with their QIDs."""
    os.environ["NEWSLINK_HOME"] = str(home)
    from newslink.search.engines.embedded import EmbeddedEngine

    engine = EmbeddedEngine(home)
    try:
        return {d["id"]: (d["entities"], d["entity_list"], d["mentions"]) for d in engine.iter_documents()}
    finally:
        engine.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="newsarticles2017")
    ap.add_argument("--workers", type=int, default=2, help="n_process for indexing (reindex picks its own: 2 for ≥ 1,000 documents)")
    ap.add_argument("--reparse", action="store_true", help="also time `newslink reindex --reparse` (spaCy again)")
    args = ap.parse_args()
    corpus = corpus_file(args.corpus)
    print(machine_line())

    with tempfile.TemporaryDirectory(prefix="newslink-bench-relink-") as tmp:
        home = Path(tmp) / "home"
        env = prepare_home(home)
        index = check(run_child(newslink_cmd(home, "index", str(corpus), "--workers", str(args.workers), "--json", "--no-progress"), env=env), "newslink index")
        indexed = index.json()["indexed"]
        print(f"  newslink index: {indexed:,} articles in {index.wall:.1f} s", flush=True)
        before = snapshot(home)
        reindex = check(run_child(newslink_cmd(home, "reindex", "--json", "--no-progress"), env=env), "newslink reindex")
        summary = reindex.json()
        print(f"  newslink reindex: {summary['indexed']:,} documents in {reindex.wall:.1f} s ({summary.get('workers', '?')} processes), "
              f"{summary['changed']:,} changed", flush=True)
        after = snapshot(home)
        runs = [["newslink index (from scratch)", index.wall, index.cpu, indexed / index.wall, 1.0],
                ["newslink reindex (stored mentions)", reindex.wall, reindex.cpu, summary["indexed"] / reindex.wall, index.wall / reindex.wall]]
        if args.reparse:
            reparse = check(run_child(newslink_cmd(home, "reindex", "--reparse", "--json", "--no-progress"), env=env), "newslink reindex --reparse")
            runs.append(["newslink reindex --reparse (spaCy)", reparse.wall, reparse.cpu, reparse.json()["indexed"] / reparse.wall, index.wall / reparse.wall])

    same = sum(1 for k, v in before.items() if after.get(k) == v)
    differ = sorted(k for k, v in before.items() if after.get(k) != v)
    missing = len(set(before) ^ set(after))
    print()
    print(table(["run", "seconds", "CPU s", "documents/s", "speed-up"], runs))
    speedup = index.wall / reindex.wall
    identical = not differ and not missing
    print()
    print(f"reindex is {speedup:.1f} × faster than indexing (mark ≥ {MARK:.0f}: {'MET' if speedup >= MARK else 'MISSED'}); "
          f"CPU {index.cpu / reindex.cpu:.1f} ×; links identical in {same:,} of {len(before):,} documents"
          f"{'' if identical else f' — DIFFER: {differ[:5]} (+{missing} missing)'} (mark: all, KB unchanged: {'MET' if identical else 'MISSED'})")
    m = machine()
    print(key_line("relink", {
        "speedup": speedup, "mark": MARK, "cpu_speedup": index.cpu / reindex.cpu, "identical": identical,
        "documents": len(before), "differ": len(differ) + missing, "index_s": index.wall, "reindex_s": reindex.wall,
        "met": speedup >= MARK and identical, "cores": m["cores"], "load1": m["load1"],
    }))


if __name__ == "__main__":
    main()
