"""Helpers the performance benches share (bench/index_throughput.py, relink.py,
query_latency.py, memory.py): where the corpora are, a private data directory
with a built KB, running `newslink` as a child process with its CPU time and
peak memory, the machine, and the small tables the benches print.

Nothing here is imported by the product.
"""
from __future__ import annotations

import gzip
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSLINK_SHARED", REPO.parent / "shared"))
CORPORA = SHARED / "corpora"
# The corpora replicated for the 100k-document benches ("demo" repeats rows of the others).
REPLICATE = ("newsarticles2017", "reuters21578", "bbc", "huffpost_10k", "agnews_test")
SPACY_WORDS_PER_CORE = 10_000  # spaCy's published CPU speed for its small pipelines
CACHE = Path(os.environ.get("NEWSLINK_BENCH_CACHE", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newslink-bench"))


def require_shared(*parts: str) -> Path:
    """The path under ../shared, or exit 0 with a clear message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        print(f"SKIPPED: {path} not found. The benches read the real corpora in ../shared/corpora "
              f"(only on the project's machines); point NEWSLINK_SHARED at a copy to run them.")
        sys.exit(0)
    return path


def corpus_file(name: str) -> Path:
    """A corpus by its name under ../shared/corpora, or a .jsonl[.gz] file by its path."""
    if name.endswith((".jsonl", ".gz")):
        return Path(name)
    return require_shared("corpora", name, f"{name}.jsonl.gz")


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if line.strip():
                yield json.loads(line)


def nlp_text(record: dict[str, Any]) -> str:
    """What the pipeline parses: title and text as Article.body_for_nlp joins them."""
    title, text = (record.get("title") or "").strip(), record.get("text") or ""
    return f"{title}\n\n{text}" if title else text


def machine() -> dict[str, Any]:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1), "cpu": cpu, "python": platform.python_version(), "load1": round(load, 2)}


def machine_line() -> str:
    m = machine()
    return f"machine: {m['cores']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, load average {m['load1']} at start"


def newslink_cmd(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newslink.search.cli", "--home", str(home), *args]


def prepare_home(home: Path) -> dict[str, str]:
    """A data directory with the starter KB built (outside any timing); env for children."""
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NEWSLINK_HOME=str(home), NEWSLINK_KB=str(home / "kb.sqlite"), NEWSLINK_ENGINE="embedded")
    env.pop("NEWSLINK_INDEX", None)
    if not (home / "kb.sqlite").exists():
        done = subprocess.run(newslink_cmd(home, "kb", "build", "--json"), env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"kb build failed: {done.stderr[-2000:]}")
    return env


# --------------------------------------------------------------------------- processes
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:  # children of every thread, not only the main one
        try:
            out.extend(int(x) for x in (task / "children").read_text().split())
        except (OSError, ValueError):
            pass
    return out


def _status_kb(pid: int, key: str, source: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of a process and all its descendants, from /proc.

    RSS summed over processes counts pages they share (a forked worker's copy of
    the parent) once per process; PSS splits shared pages between them, so the
    PSS sum is what the tree really occupies.
    """
    rss = pss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        r = _status_kb(p, "VmRSS:")
        if not r:
            continue
        rss += r * 1024
        pss += (_status_kb(p, "Pss:", "smaps_rollup") or r) * 1024
        stack.extend(_children(p))
    return rss, pss


def tree_rss(pid: int) -> int:
    return tree_memory(pid)[0]


def process_kind(pid: int, job: int, parent: int | None) -> str:
    """What a process of a job's tree is: the job itself, multiprocessing's resource
    tracker, a fork server (a child of the job forking the workers), or a worker."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if pid == job:
        return "job"
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "forkserver" in cmd and parent == job:
        return "fork server"
    return "worker"


@dataclass(frozen=True)
class ProcessMemory:
    """One process at one sample, bytes (smaps_rollup): RSS and PSS, and PSS split into
    anonymous memory (the heap: what the process allocated) and file pages (mapped files:
    libraries, the gazetteer's memory map, an index's segment files)."""

    rss: int
    pss: int
    pss_anon: int
    pss_file: int


def process_memory(pid: int) -> ProcessMemory | None:
    """A process's memory now, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    kb: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        key, _, rest = line.partition(":")
        try:
            kb[key] = int(rest.split()[0])
        except (IndexError, ValueError):
            continue
    if not kb.get("Rss"):
        return None
    return ProcessMemory(kb["Rss"] * 1024, kb.get("Pss", kb["Rss"]) * 1024, kb.get("Pss_Anon", 0) * 1024, kb.get("Pss_File", 0) * 1024)


def tree_processes(pid: int) -> dict[int, tuple[int | None, ProcessMemory]]:
    """Every live process of ``pid``'s tree: pid -> (its parent in the tree, its memory)."""
    out: dict[int, tuple[int | None, ProcessMemory]] = {}
    stack: list[tuple[int, int | None]] = [(pid, None)]
    while stack:
        p, parent = stack.pop()
        memory = process_memory(p)
        if memory is None:
            continue
        out[p] = (parent, memory)
        stack.extend((child, p) for child in _children(p))
    return out


@dataclass
class ChildRun:
    returncode: int
    wall: float
    cpu: float  # user + system of the child and every descendant it waited for
    peak_rss: int  # of the whole process tree (sum over processes), sampled
    peak_pss: int  # the same as PSS (shared pages split, not counted twice)
    stdout: str
    stderr: str
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (seconds, tree RSS, tree PSS)
    # with ``per_process``: (seconds, {pid: memory}) at every sample, and what each pid is
    processes: list[tuple[float, dict[int, ProcessMemory]]] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_child(cmd: list[str], env: dict[str, str] | None = None, sample_every: float = 0.25, per_process: bool = False) -> ChildRun:
    """Run a command; wall time, CPU time (wait4 rusage) and sampled tree RSS.

    ``per_process``: also keep every process's memory at every sample (``ChildRun.processes``,
    ``ChildRun.kinds``), to tell which one grows and when (bench/memory.py)."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"newslink-bench-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "w+") as out, open(f"{out_path}.err", "w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        samples: list[tuple[float, int, int]] = []
        processes: list[tuple[float, dict[int, ProcessMemory]]] = []
        kinds: dict[int, str] = {}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                if per_process:
                    tree = tree_processes(proc.pid)
                    for pid, (parent, _m) in tree.items():
                        if pid not in kinds:
                            kinds[pid] = process_kind(pid, proc.pid, parent)
                    now = time.perf_counter() - started
                    if tree:
                        processes.append((now, {pid: m for pid, (_parent, m) in tree.items()}))
                        samples.append((now, sum(m.rss for _p, m in tree.values()), sum(m.pss for _p, m in tree.values())))
                else:
                    rss, pss = tree_memory(proc.pid)
                    if rss:
                        samples.append((time.perf_counter() - started, rss, pss))
                stop.wait(sample_every)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    peak = max((rss for _t, rss, _p in samples), default=0)
    peak_pss = max((pss for _t, _r, pss in samples), default=0)
    return ChildRun(proc.returncode, wall, usage.ru_utime + usage.ru_stime, peak, peak_pss, stdout, stderr, samples, processes, kinds)


def check(run: ChildRun, what: str) -> ChildRun:
    if run.returncode != 0:
        sys.exit(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
    return run


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --------------------------------------------------------------------------- output
def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 100:
            return f"{value:.1f}"
        return f"{value:.2f}" if value >= 1 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def key_line(name: str, figures: dict[str, Any]) -> str:
    """The last line every bench prints: ``KEY <bench> k=v ...`` for scripts."""
    parts = []
    for k, v in figures.items():
        if isinstance(v, float):
            v = f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
        parts.append(f"{k}={v}")
    return f"KEY {name} " + " ".join(parts)


def self_rss_mb() -> float:
    """This process's resident memory now (MiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def mib(n: int | float) -> float:
    return n / 1024 / 1024


# --------------------------------------------------------------------------- 100k corpora
def replica_id(doc_id: str, copy: int) -> str:
    """Copy 0 keeps its id; copy k is ``<id>~r<k>`` (the benches say so in their output)."""
    return doc_id if copy == 0 else f"{doc_id}~r{copy}"


def _replicated(files: list[Path], total: int) -> Iterator[dict[str, Any]]:
    """The records of ``files``, cycled with suffixed ids until ``total``.

    Records with neither title nor text (1,799 of Reuters-21578) are left out:
    the indexer would skip them, and "100,000 documents" should mean that.
    """
    n = 0
    copy = 0
    while n < total:
        for path in files:
            for record in iter_records(path):
                if n >= total:
                    return
                if not str(record.get("title") or "").strip() and not str(record.get("text") or "").strip():
                    continue
                record["id"] = replica_id(str(record["id"]), copy)
                yield record
                n += 1
        copy += 1


def replicated_records(total: int) -> Iterator[dict[str, Any]]:
    """Raw records of the real corpora, cycled with suffixed ids until ``total``."""
    return _replicated([corpus_file(name) for name in REPLICATE], total)


def linked_corpus(name: str, kb: Any, workers: int = 2) -> Path:
    """Every article of a corpus linked once by the real pipeline, as documents.

    Cached under ``$NEWSLINK_BENCH_CACHE`` (default ~/.cache/newslink-bench), keyed
    by the corpus name and size (not its mtime: a remount changes that): spaCy runs over each distinct article once, ever,
    and the 100k-document benches write suffixed copies of the result. (Links
    made with an older KB are as good as any for timing queries; delete the
    cache to relink.)
    """
    from newslink.indexer.document import build_document
    from newslink.indexer.pipeline import EntityPipeline
    from newslink.indexer.readers import read_paths

    source = corpus_file(name)
    out = CACHE / f"linked-{name}-{source.stat().st_size}.jsonl.gz"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"  linking {name} once with the real pipeline (n_process={workers}; cached in {CACHE}) …", flush=True)
    started = time.perf_counter()
    pipeline = EntityPipeline(kb, n_process=workers)
    articles = (a for a, _problems in read_paths([source]) if a is not None)
    tmp = out.with_suffix(".tmp")
    n = 0
    with gzip.open(tmp, "wt", encoding="utf-8") as handle:
        for article, links in pipeline.process(articles):
            handle.write(json.dumps(build_document(article, links, kb.version, kb), ensure_ascii=False) + "\n")
            n += 1
    tmp.rename(out)
    print(f"  linked {n:,} {name} articles in {time.perf_counter() - started:.0f} s", flush=True)
    return out


def replicated_documents(total: int, kb: Any) -> Iterator[dict[str, Any]]:
    """Linked documents of the real corpora, cycled with suffixed ids until ``total``."""
    return _replicated([linked_corpus(name, kb) for name in REPLICATE], total)
