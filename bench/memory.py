"""Memory of indexing 100,000 documents: peak and over time, whole process tree.

Runs the real ``newslink index --workers 2`` (reader, spaCy workers, linking,
embedded engine) on 100,000 records: the corpora in ../shared/corpora
replicated with suffixed ids (``<id>~r1`` …), streamed from a temporary JSONL
file. Every second it samples the resident memory of the newslink process and
of its worker processes: RSS (what ``ps`` shows; pages a forked worker shares
with its parent are counted in both) and PSS (shared pages split between the
processes that share them: what the tree really occupies).

Marks (issue 7): peak RSS ≤ 1.5 GB, and flat: the peak of the second half of
the job is no higher than the peak of the first half (+10 %). Memory swings
with what is being parsed (a batch of 5,000-word articles costs more than one
of 30-word headlines, and the replicated corpus cycles through both), so two
points of the run are not comparable; a job that holds on to what it read
would show a second-half peak above the first, as the corpus repeats.

This is the slow bench: spaCy runs over ~100k articles (~14 M words), about
30-60 minutes on 2 cores. ``--docs`` makes it shorter.

    .venv/bin/python bench/memory.py [--docs 100000] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPLICATE, check, key_line, machine, machine_line, mib, newslink_cmd, prepare_home, replicated_records, require_shared, run_child, table  # noqa: E402

MARK_GB = 1.5
FLAT_TOLERANCE = 0.10  # the second half's peak may exceed the first half's by at most 10 %


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    for name in REPLICATE:
        require_shared("corpora", name)
    print(machine_line())

    with tempfile.TemporaryDirectory(prefix="newslink-bench-memory-") as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "replicated.jsonl"
        words = 0
        with open(source, "w", encoding="utf-8") as handle:
            for record in replicated_records(args.docs):
                words += len((record.get("title") or "").split()) + len((record.get("text") or "").split())
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"corpus: {args.docs:,} records = {', '.join(REPLICATE)} replicated with suffixed ids (<id>~rN), "
              f"{words:,} words, {mib(source.stat().st_size):.0f} MiB of JSONL (streamed, not loaded)", flush=True)
        env = prepare_home(tmp_path / "home")
        run = check(run_child(newslink_cmd(tmp_path / "home", "index", str(source), "--workers", str(args.workers), "--json", "--no-progress"),
                              env=env, sample_every=1.0), "newslink index")
        summary = run.json()

    samples = run.samples
    end = samples[-1][0] if samples else 0.0
    rows = []
    for pct in range(10, 101, 10):  # the peak of each tenth of the run
        window = [s for s in samples if (pct - 10) / 100 * end < s[0] <= pct / 100 * end] or samples[-1:]
        rows.append([f"{pct - 10:3d}-{pct} % of the run (to {window[-1][0]:.0f} s)", mib(max(s[1] for s in window)), mib(max(s[2] for s in window))])
    first = [s for s in samples if s[0] <= 0.5 * end]
    second = [s for s in samples if s[0] > 0.5 * end]
    q_pss = max((s[2] for s in first), default=0)
    l_pss = max((s[2] for s in second), default=0)
    growth = (l_pss - q_pss) / q_pss if q_pss else 0.0
    print()
    print(table(["part of the run", "peak tree RSS MiB", "peak tree PSS MiB"], rows))
    peak_gb = run.peak_rss / 1024**3
    flat = growth <= FLAT_TOLERANCE
    print()
    print(f"indexed {summary['indexed']:,} documents in {run.wall:.0f} s ({summary['indexed'] / run.wall:.0f}/s, {words / run.wall:,.0f} words/s); "
          f"index {mib(summary['index']['size_bytes']) / max(summary['indexed'], 1) * 1000:.2f} MiB per 1,000 documents")
    print(f"peak RSS {peak_gb:.2f} GB (sum over the process tree; PSS {run.peak_pss / 1024**3:.2f} GB) — mark ≤ {MARK_GB} GB: "
          f"{'MET' if peak_gb <= MARK_GB else 'MISSED'}; memory over the run: peak PSS {mib(q_pss):.0f} MiB in the first half, "
          f"{mib(l_pss):.0f} MiB in the second ({100 * growth:+.1f} %) — flat (≤ +{100 * FLAT_TOLERANCE:.0f} %): {'MET' if flat else 'MISSED'}")
    m = machine()
    print(key_line("memory", {
        "docs": summary["indexed"], "replicated": True, "peak_rss_gb": peak_gb, "peak_pss_gb": run.peak_pss / 1024**3, "mark_gb": MARK_GB,
        "growth_pct": 100 * growth, "flat": flat, "met": peak_gb <= MARK_GB and flat, "seconds": run.wall, "cores": m["cores"], "load1": m["load1"],
    }))


if __name__ == "__main__":
    main()
