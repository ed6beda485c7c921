"""The compiled open data in the KB: what it adds, what it costs.

    .venv/bin/python bench/kb_open.py [--rounds 3] [--wheel]

Builds the KB with `newslink kb build` (starter only) and `newslink kb build --with open`
in fresh data directories (median wall time of alternating rounds, as a user's first
build), prints entities per type, the compiled data's size, optionally the wheel's size
(`pip wheel --no-deps .`), and the KB coverage of the development sets in
`../shared/eval/`: distinct gold QIDs per type that each KB holds. Measures only.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, key_line, machine_line, mib, require_shared, table  # noqa: E402

from newslink.indexer.evaluate import TARGET, gold_labels, load_jsonl  # noqa: E402
from newslink.indexer.kb.build import open_files  # noqa: E402
from newslink.indexer.kb.store import KnowledgeBase  # noqa: E402

NEWSLINK = [sys.executable, "-m", "newslink.search.cli"]


def build(home: Path, *extra: str) -> tuple[float, dict]:
    env = {"NEWSLINK_HOME": str(home), "NEWSLINK_KB_SOURCES": "starter", "PATH": "/usr/bin:/bin"}
    started = time.perf_counter()
    out = subprocess.run([*NEWSLINK, "kb", "build", *extra, "--json"], env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, json.loads(out.stdout)


def gold_qids(path: Path) -> dict[str, set[str]]:
    """Distinct gold QIDs of one benchmark per target type (person, geo, org)."""
    out: dict[str, set[str]] = {t: set() for t in TARGET.values()}
    for doc in load_jsonl(path).values():
        for lab in gold_labels(doc)[0]:
            types = str(lab.get("type", "")).split("|")
            target = next(TARGET[t] for t in types if t in TARGET)
            out[target].add(lab["entity_id"])
    return out


def kbs_for_index(rounds: int) -> dict[str, Path]:
    """A fresh data directory per KB (built outside the timing)."""
    folder = Path(tempfile.mkdtemp(prefix="newslink-kbopen-index-"))
    out = {}
    for name, extra in (("starter", ()), ("starter+open", ("--with", "open"))):
        build(folder / name, *extra)
        out[name] = folder / name
    return out


def index_cost(homes: dict[str, Path], n: int, rounds: int) -> dict[str, float]:
    """`newslink index` of the same N articles with each KB, alternating (ratios in one run)."""
    from _common import corpus_file, iter_records

    src = Path(tempfile.mkdtemp(prefix="newslink-kbopen-src-")) / "articles.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i, rec in enumerate(iter_records(corpus_file("newsarticles2017"))):
            if i >= n:
                break
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    walls: dict[str, list[float]] = {name: [] for name in homes}
    rss: dict[str, int] = {name: 0 for name in homes}
    for r in range(rounds):
        for name, home in homes.items():
            env = {"NEWSLINK_HOME": str(home), "NEWSLINK_INDEX": f"kbopen-{r}", "NEWSLINK_KB_SOURCES": "starter" if name == "starter" else "starter,open",
                   "PATH": "/usr/bin:/bin"}
            started = time.perf_counter()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", *NEWSLINK, "index", str(src), "--workers", "1", "--no-progress", "--json"],
                                  env=env, check=True, capture_output=True, text=True)
            walls[name].append(time.perf_counter() - started)
            rss[name] = max(rss[name], int(done.stderr.strip().splitlines()[-1]) // 1024)
    rows = [[name, n, statistics.median(w), n / statistics.median(w), rss[name]] for name, w in walls.items()]
    print(f"\nnewslink index of {n} newsarticles2017 articles, one process, median of {rounds} alternating rounds")
    print(table(["KB", "articles", "wall s", "articles/s", "peak RSS MiB"], rows))
    ratio = statistics.median(walls["starter"]) / statistics.median(walls["starter+open"])
    print(f"throughput with the open data: {ratio:.2f}x the starter KB's; peak RSS {rss['starter+open'] - rss['starter']:+d} MiB")
    return {"index_ratio": round(ratio, 3), "rss_delta_mib": rss["starter+open"] - rss["starter"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wheel", action="store_true", help="also build the wheel and give its size")
    parser.add_argument("--index", type=int, default=0, metavar="N",
                        help="also index the first N articles of newsarticles2017 with each KB (one process, alternating rounds): articles/s and peak RSS")
    args = parser.parse_args()
    eval_dir = require_shared("eval")
    print(machine_line())
    times: dict[str, list[float]] = {"starter": [], "starter+open": []}
    kbs: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for name, extra in (("starter", ()), ("starter+open", ("--with", "open"))):
                home = Path(tmp) / f"{name}-{r}"
                seconds, _ = build(home, *extra)
                times[name].append(seconds)
                kbs[name] = home / "kb.sqlite"
        rows = []
        stats = {name: KnowledgeBase(path).stats() for name, path in kbs.items()}
        for name in times:
            s = stats[name]
            rows.append([name, statistics.median(times[name]), s["entities"], *s["by_type"].values(), s["aliases"], mib(kbs[name].stat().st_size)])
        print(table(["KB", "build s", "entities", *stats["starter"]["by_type"], "aliases", "file MiB"], rows))
        compiled = sum(p.stat().st_size for p in open_files())
        print(f"\ncompiled open data: {mib(compiled):.2f} MiB in {len(open_files())} files")
        wheel = 0
        if args.wheel:
            with tempfile.TemporaryDirectory() as wdir:
                subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", wdir], check=True)
                wheel = sum(p.stat().st_size for p in Path(wdir).glob("*.whl"))
            print(f"wheel: {mib(wheel):.2f} MiB")
        cov_rows = []
        figures = {}
        opened = {name: KnowledgeBase(path) for name, path in kbs.items()}
        for path in sorted(eval_dir.glob("*.jsonl")):
            gold = gold_qids(path)
            for type_, qids in gold.items():
                held = {name: sum(1 for q in qids if kb.entity(q) is not None) for name, kb in opened.items()}
                cov_rows.append([path.name.split(".")[0], type_, len(qids), *(f"{held[n]} ({held[n] / len(qids):.0%})" for n in opened)])
            every = set().union(*gold.values())
            held = {name: sum(1 for q in every if kb.entity(q) is not None) for name, kb in opened.items()}
            cov_rows.append([path.name.split(".")[0], "all", len(every), *(f"{held[n]} ({held[n] / len(every):.0%})" for n in opened)])
            figures[path.name.split(".")[0] + "_cov_open"] = held["starter+open"] / len(every)
        print("\nKB coverage of the development sets (distinct gold QIDs the KB holds)")
        print(table(["set", "type", "gold QIDs", *opened], cov_rows))
    if args.index:
        figures.update(index_cost(kbs_for_index(args.rounds), args.index, args.rounds))
    print(key_line("kb_open", {
        "build_s_starter": statistics.median(times["starter"]), "build_s_open": statistics.median(times["starter+open"]),
        "entities_open": stats["starter+open"]["entities"], "compiled_mib": mib(compiled), "wheel_mib": mib(wheel), **figures,
    }))


if __name__ == "__main__":
    main()
