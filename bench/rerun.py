"""A rerun only does what changed: `newslink index` over the same corpus three times.

1. the first run (every article parsed and linked),
2. a rerun over the unchanged corpus (every article looked up by id, content hash
   and KB version, none parsed),
3. a run after editing 1 % of the articles (every 100th gets a sentence appended):
   only those are parsed again, and the summary's counts say so.

Marks (issue 22): the rerun ≥ 20 × faster than the first run; after the edit,
exactly the edited articles are re-done (changed = edited, unchanged = the rest).

    .venv/bin/python bench/rerun.py [--corpus newsarticles2017] [--workers 2] [--every 100]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check, corpus_file, iter_records, key_line, machine, machine_line, newslink_cmd, prepare_home, run_child, table  # noqa: E402

MARK = 20.0
EDIT = " This paragraph was added to the article after it was first published."


def write_edited(source: Path, target: Path, every: int) -> list[str]:
    """A copy of ``source`` with every ``every``-th record's text extended; the edited ids."""
    edited: list[str] = []
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for n, record in enumerate(iter_records(source)):
            if n % every == every - 1:
                record["text"] = (record.get("text") or "") + EDIT
                edited.append(str(record.get("id")))
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return edited


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="newsarticles2017")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--every", type=int, default=100, help="edit every N-th article (100: 1 %%)")
    args = ap.parse_args()
    corpus = corpus_file(args.corpus)
    print(machine_line())

    with tempfile.TemporaryDirectory(prefix="newslink-bench-rerun-") as tmp:
        home = Path(tmp) / "home"
        env = prepare_home(home)
        # the same file name for all three runs: a reader's ids do not depend on it, but keep it identical anyway
        data = Path(tmp) / "corpus.jsonl.gz"
        data.write_bytes(corpus.read_bytes()) if corpus.name.endswith(".gz") else data.write_bytes(gzip.compress(corpus.read_bytes()))

        def index(what: str):
            run = check(run_child(newslink_cmd(home, "index", str(data), "--workers", str(args.workers), "--json", "--no-progress"), env=env), what)
            s = run.json()
            print(f"  {what}: {run.wall:.1f} s — new {s['new']:,}, changed {s['changed']:,}, unchanged {s['unchanged']:,} "
                  f"(indexed {s['indexed']:,}, skipped {s['skipped']:,})", flush=True)
            return run, s

        first, s1 = index("first run")
        again, s2 = index("rerun, unchanged")
        edited_ids = write_edited(corpus, data, args.every)
        edit, s3 = index(f"rerun, {len(edited_ids):,} edited")

    total = s1["new"]
    speedup = first.wall / again.wall
    only_edited = s3["changed"] == len(edited_ids) and s3["new"] == 0 and s3["unchanged"] == total - len(edited_ids)
    print()
    print(table(["run", "seconds", "CPU s", "peak RSS MiB", "new", "changed", "unchanged", "speed-up"], [
        ["first run", first.wall, first.cpu, first.peak_rss / 2**20, s1["new"], s1["changed"], s1["unchanged"], 1.0],
        ["rerun, unchanged", again.wall, again.cpu, again.peak_rss / 2**20, s2["new"], s2["changed"], s2["unchanged"], speedup],
        [f"rerun, {len(edited_ids)} edited", edit.wall, edit.cpu, edit.peak_rss / 2**20, s3["new"], s3["changed"], s3["unchanged"], first.wall / edit.wall],
    ]))
    print()
    print(f"rerun over the unchanged corpus is {speedup:.1f} × faster than the first run (mark ≥ {MARK:.0f}: {'MET' if speedup >= MARK else 'MISSED'}); "
          f"after editing {len(edited_ids):,} of {total:,} articles, {s3['changed']:,} were re-done and {s3['unchanged']:,} skipped "
          f"(mark: only the edited: {'MET' if only_edited else 'MISSED'})")
    m = machine()
    print(key_line("rerun", {
        "speedup": speedup, "mark": MARK, "articles": total, "first_s": first.wall, "rerun_s": again.wall,
        "edited": len(edited_ids), "edited_s": edit.wall, "changed": s3["changed"], "only_edited": only_edited,
        "met": speedup >= MARK and only_edited, "cores": m["cores"], "load1": m["load1"],
    }))


if __name__ == "__main__":
    main()
