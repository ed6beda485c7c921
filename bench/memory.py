"""Memory of indexing 100,000 documents: peak and over time, whole process tree and each process.

Runs the real ``newslink index --workers 2`` (reader, spaCy workers, linking,
embedded engine) on 100,000 records: the corpora in ../shared/corpora
replicated with suffixed ids (``<id>~r1`` …), streamed from a temporary JSONL
file. Every second it samples the resident memory of the newslink process and
of its worker processes: RSS (what ``ps`` shows; pages a forked worker shares
with its parent are counted in both) and PSS (shared pages split between the
processes that share them: what the tree really occupies), and for each process
its PSS split into anonymous memory (what it allocated) and mapped files. It
prints the tree's peaks per tenth of the run, each process's peaks (per half and
per tenth) and what each held at the tree's peak, so a report says which process
grows and when.

Marks (issue 7): peak RSS ≤ 1.5 GB, read strictly as 1.5e9 bytes (1,431 MiB; the
report prints MiB, GiB = 1024**3 bytes, and GB = 1e9 bytes), and flat: the peak
PSS of the second half of the job at most 10 % over the first half's. Memory swings
with what is being parsed (a batch of 5,000-word articles costs more than one
of 30-word headlines, and the replicated corpus cycles through both), so two
points of the run are not comparable; a job that holds on to what it read
would show a second-half peak above the first, as the corpus repeats.

This is the slow bench: spaCy runs over 100k articles (~16 M words), ~20-25
minutes on 2 cores. ``--docs`` makes it shorter; ``--samples-out FILE`` keeps
every sample (per process) for a closer look.

    .venv/bin/python bench/memory.py [--docs 100000] [--workers 2] [--samples-out FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPLICATE, ChildRun, ProcessMemory, check, key_line, machine, machine_line, mib, newslink_cmd, prepare_home, replicated_records, require_shared, run_child, table  # noqa: E402

MARK_BYTES = 1.5e9  # issue 7's "1.5 GB", read strictly: decimal gigabytes (= 1,430 MiB = 1.40 GiB)
FLAT_TOLERANCE = 0.10  # the second half's peak may exceed the first half's by at most 10 %
GIB = 1024**3


def roles(kinds: dict[int, str]) -> dict[int, str]:
    """pid -> a name for the report: the job, its workers numbered in the order they
    appeared (a recycled worker's successor gets the next number), the others by kind."""
    named: dict[int, str] = {}
    workers = 0
    for pid in sorted(kinds):
        kind = kinds[pid]
        if kind == "worker":
            workers += 1
            named[pid] = f"worker {workers}"
        else:
            named[pid] = kind
    return named


def per_process_report(run: ChildRun, end: float) -> tuple[str, str, str, dict[str, dict[str, float]]]:
    """Tables of each process's memory: over the tenths of the run, its peaks and halves,
    and what each held at the tree's peak; and the figures by role (MiB)."""
    named = roles(run.kinds)
    order = list(dict.fromkeys(named[pid] for pid in sorted(named) if named[pid] != "gone"))
    # Worker processes that replace each other (a recycled worker) are columns of their own;
    # "workers" sums whichever are alive at a sample.
    def at(sample: dict[int, ProcessMemory], role: str) -> ProcessMemory | None:
        return next((m for pid, m in sample.items() if named.get(pid) == role), None)

    tenths = []
    for pct in range(10, 101, 10):
        window = [(t, s) for t, s in run.processes if (pct - 10) / 100 * end < t <= pct / 100 * end] or run.processes[-1:]
        row: list[Any] = [f"{pct - 10:3d}-{pct} %"]
        for role in order:
            pss = [m.pss for _t, s in window if (m := at(s, role)) is not None]
            row.append(mib(max(pss)) if pss else "-")
        row.append(mib(max(sum(m.pss for m in s.values()) for _t, s in window)))
        tenths.append(row)
    tenths_table = table(["part of the run", *(f"{r} PSS MiB" for r in order), "tree PSS MiB"], tenths)

    figures: dict[str, dict[str, float]] = {}
    rows = []
    for role in order:
        series = [(t, m) for t, s in run.processes if (m := at(s, role)) is not None]
        first = [m.pss for t, m in series if t <= 0.5 * end]
        second = [m.pss for t, m in series if t > 0.5 * end]
        f = {
            "peak_rss": mib(max(m.rss for _t, m in series)), "peak_pss": mib(max(m.pss for _t, m in series)),
            "peak_anon": mib(max(m.pss_anon for _t, m in series)), "peak_file": mib(max(m.pss_file for _t, m in series)),
            "first_half": mib(max(first)) if first else 0.0, "second_half": mib(max(second)) if second else 0.0,
            "last": mib(series[-1][1].pss), "from": series[0][0], "to": series[-1][0],
        }
        figures[role] = f
        rows.append([role, f"{f['from']:.0f}-{f['to']:.0f}", f["peak_rss"], f["peak_pss"], f["peak_anon"], f["peak_file"],
                     f["first_half"] or "-", f["second_half"] or "-", f["last"]])
    peaks_table = table(["process", "alive s", "peak RSS MiB", "peak PSS MiB", "peak PSS anon", "peak PSS file",
                         "1st half peak PSS", "2nd half peak PSS", "PSS at its end"], rows)

    t_peak, s_peak = max(run.processes, key=lambda ts: sum(m.rss for m in ts[1].values()))
    at_peak = [[named.get(pid, "?"), mib(m.rss), mib(m.pss), mib(m.pss_anon), mib(m.pss_file)] for pid, m in sorted(s_peak.items())]
    at_peak.append(["tree", mib(sum(m.rss for m in s_peak.values())), mib(sum(m.pss for m in s_peak.values())),
                    mib(sum(m.pss_anon for m in s_peak.values())), mib(sum(m.pss_file for m in s_peak.values()))])
    peak_table = f"at the tree's RSS peak ({t_peak:.0f} s):\n" + table(["process", "RSS MiB", "PSS MiB", "PSS anon MiB", "PSS file MiB"], at_peak)
    return tenths_table, peaks_table, peak_table, figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--samples-out", type=Path, help="also write every sample (per process, bytes) to this JSON file")
    args = ap.parse_args()
    for name in REPLICATE:
        require_shared("corpora", name)
    print(machine_line())
    print(f"started {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")

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
                              env=env, sample_every=1.0, per_process=True), "newslink index")
        summary = run.json()
    load_end = machine()["load1"]

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
    tenths_table, peaks_table, peak_table, figures = per_process_report(run, end)
    print()
    print("per process (PSS: shared pages split; anon: the process's own allocations; file: mapped files):")
    print(peaks_table)
    print()
    print(tenths_table)
    print()
    print(peak_table)
    met = run.peak_rss <= MARK_BYTES
    flat = growth <= FLAT_TOLERANCE
    print()
    print(f"indexed {summary['indexed']:,} documents in {run.wall:.0f} s ({summary['indexed'] / run.wall:.0f}/s, {words / run.wall:,.0f} words/s); "
          f"index {mib(summary['index']['size_bytes']) / max(summary['indexed'], 1) * 1000:.2f} MiB per 1,000 documents; load average {load_end} at the end")
    print(f"peak RSS {mib(run.peak_rss):,.0f} MiB = {run.peak_rss / GIB:.2f} GiB = {run.peak_rss / 1e9:.2f} GB (sum over the process tree; "
          f"PSS {mib(run.peak_pss):,.0f} MiB = {run.peak_pss / GIB:.2f} GiB) — mark ≤ 1.5 GB (1.5e9 bytes = {mib(MARK_BYTES):,.0f} MiB): "
          f"{'MET' if met else 'MISSED'}; memory over the run: peak PSS {mib(q_pss):,.0f} MiB in the first half, "
          f"{mib(l_pss):,.0f} MiB in the second ({100 * growth:+.1f} %) — flat (≤ +{100 * FLAT_TOLERANCE:.0f} %): {'MET' if flat else 'MISSED'}")
    if args.samples_out:
        named = roles(run.kinds)
        args.samples_out.write_text(json.dumps({"kinds": {str(p): named[p] for p in named}, "samples": [
            [t, {str(pid): [m.rss, m.pss, m.pss_anon, m.pss_file] for pid, m in s.items()}] for t, s in run.processes]}))
    m = machine()
    print(key_line("memory", {
        "docs": summary["indexed"], "replicated": True, "peak_rss_mib": mib(run.peak_rss), "peak_rss_gb": run.peak_rss / 1e9,
        "peak_pss_mib": mib(run.peak_pss), "mark_gb": MARK_BYTES / 1e9, "growth_pct": 100 * growth, "flat": flat, "met": met and flat,
        "job_peak_pss_mib": figures.get("job", {}).get("peak_pss", 0.0),
        "worker_peak_pss_mib": max((f["peak_pss"] for r, f in figures.items() if r.startswith("worker")), default=0.0),
        "seconds": run.wall, "cores": m["cores"], "load1": m["load1"],
    }))


if __name__ == "__main__":
    main()
