"""Worker processes never outlive their job.

A job killed with SIGKILL cannot tell its linking or re-linking workers to
stop; each worker must notice on its own that its parent is gone and exit,
instead of blocking on its task queue forever with a spaCy pipeline in memory.
The scripts below start a real pool, print the workers' PIDs, then SIGKILL
their own process; the test polls (with a deadline) until every worker is gone.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newslink.indexer.processes import pid_alive

DEADLINE = 30.0

INDEX_SCRIPT = """
import multiprocessing as mp, os, signal, sys
from newslink.indexer.article import Article
from newslink.indexer.kb import KnowledgeBase
from newslink.indexer.pipeline import EntityPipeline

pipeline = EntityPipeline(KnowledgeBase(sys.argv[1]), n_process=2, batch_size=2)

def articles():
    for i in range(4):
        yield Article(id=f"a{i}", title="Iran", text=f"Joe Biden met Benjamin Netanyahu in Israel, day {i}.")
    print(" ".join(str(p.pid) for p in mp.active_children()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    yield Article(id="never", title="x", text="y")

for _ in pipeline.process(articles()):
    pass
"""

RELINK_SCRIPT = """
import multiprocessing as mp, os, signal, sys
from newslink.indexer.kb import KnowledgeBase
from newslink.indexer.relink import relink_documents

def docs():
    for i in range(200):
        yield {"id": f"d{i}", "title": "Iran", "text": "Iran and Israel.", "mentions": [], "entities": {}}
    print(" ".join(str(p.pid) for p in mp.active_children()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

for _ in relink_documents(docs(), KnowledgeBase(sys.argv[1]), workers=2, chunk=8):
    pass
"""


def _workers_of_a_killed_job(script: str, kb_path: Path, out: Path, start: str = "") -> list[int]:
    # Output to a file, not a pipe: an orphaned worker would hold a pipe open.
    env = dict(os.environ, NEWSLINK_WORKER_START=start) if start else None
    with open(out, "w") as stdout, open(out.with_suffix(".err"), "w") as stderr:
        code = subprocess.run([sys.executable, "-c", script, str(kb_path)], stdout=stdout, stderr=stderr, timeout=120, env=env).returncode
    assert code == -signal.SIGKILL, out.with_suffix(".err").read_text()[-2000:]
    pids = [int(p) for p in out.read_text().split()]
    assert len(pids) >= 2, f"expected the pool's workers, got {out.read_text()!r}"
    return pids


@pytest.mark.parametrize(("script", "start"), [(INDEX_SCRIPT, ""), (INDEX_SCRIPT, "forkserver"), (RELINK_SCRIPT, "")],
                         ids=["linking pool", "linking pool forked by a fork server", "relink pool"])
def test_workers_exit_when_their_job_is_killed(script: str, start: str, kb, tmp_path: Path) -> None:
    pids = _workers_of_a_killed_job(script, kb.path, tmp_path / "job.out", start)
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
        time.sleep(0.1)
    left = [p for p in pids if pid_alive(p)]
    for p in left:  # never leave them behind, whatever the verdict
        os.kill(p, signal.SIGKILL)
    assert not left, f"workers {left} outlived their killed job by {DEADLINE:.0f} s"
