"""Batches cut by size as well as count (indexer/batching.py): a worker's spaCy arrays grow
with the words of a whole batch, so long articles go in smaller batches, with the same links."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newslink.indexer import batching, pipeline as pipeline_module
from newslink.indexer.batching import capped_batches
from newslink.indexer.document import build_document
from newslink.indexer.pipeline import EntityPipeline

from conftest import DATA
from test_pipeline import _articles


@given(st.lists(st.integers(min_value=0, max_value=50)), st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=60))
def test_batches_keep_order_and_both_caps(sizes: list[int], max_items: int, max_chars: int) -> None:
    batches = list(capped_batches(sizes, max_items, lambda n: n, max_chars))
    assert [n for batch in batches for n in batch] == sizes  # nothing lost, nothing reordered
    for batch in batches:
        assert 1 <= len(batch) <= max_items
        assert sum(batch) <= max_chars or len(batch) == 1  # over the cap only alone
    for batch, following in zip(batches, batches[1:]):  # each cut was needed: no batch could take the next item
        assert len(batch) == max_items or sum(batch) + following[0] > max_chars


def test_long_articles_are_parsed_in_smaller_batches_with_the_same_links(kb, corpus_docs, monkeypatch) -> None:
    """With a cap of ~2 articles' text, the pool's chunks and the single process's batches
    are cut by size (seen in what capped_batches yields) and every document is the same."""
    articles = _articles(2)
    cap = 2 * max(len(a.body_for_nlp) for a in articles)
    monkeypatch.setattr(batching, "MAX_BATCH_CHARS", cap)
    seen: list[int] = []

    def recorded(items, max_items, length, max_chars=None):
        for batch in capped_batches(items, max_items, length, max_chars):  # the patched default
            seen.append(sum(length(x) for x in batch))
            yield batch

    monkeypatch.setattr(pipeline_module, "capped_batches", recorded)
    single = {d["id"]: d for d in corpus_docs}
    for n_process in (1, 2):
        seen.clear()
        docs = [build_document(a, links, kb.version) for a, links in EntityPipeline(kb, n_process=n_process, batch_size=64).process(iter(articles))]
        assert [d["id"] for d in docs] == [a.id for a in articles]
        for doc in docs:
            assert doc == dict(single[doc["id"].split("~")[0]], id=doc["id"])
        assert len(seen) > 1 and max(seen) <= cap  # 64 would have fit them all in one batch


BATCH_SCRIPT = """
import json, sys
from pathlib import Path
from newslink.indexer.allocator import tune_worker_allocator
from newslink.indexer.batching import MAX_BATCH_CHARS, capped_batches

tune_worker_allocator()  # as a linking worker does, before the model loads
from newslink.indexer.nlp import load_pipeline

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024

sentences = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
article = " ".join(sentences * 4)  # ~3,300 characters: a long news story
texts = [article] * (3 * MAX_BATCH_CHARS // len(article))
nlp = load_pipeline()
list(nlp.pipe(texts[:2]))  # warm: the first parse allocates what every later one reuses
before = status("VmRSS:")
Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here on
batches = list(capped_batches(texts, 64, len))
for batch in batches:
    list(nlp.pipe(batch, batch_size=len(batch)))
print(json.dumps({"added": status("VmHWM:") - before, "before": before, "batches": len(batches), "chars": max(sum(map(len, b)) for b in batches)}))
"""

# What full batches of this test's text may add to a parsing process's peak RSS: at the cap
# of 100,000 characters they added 56 MiB, at 200,000 (the cap before) 136 MiB. (Real news,
# with the linking, adds more: ~170 and ~300 MiB, bench/README.md "Memory".)
BATCH_MEMORY_BUDGET = 100 << 20


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc/self/clear_refs to measure one batch's peak")
def test_a_full_batch_adds_less_than_its_memory_budget(tmp_path) -> None:
    """The cap is what holds a worker's peak: batches of long stories, each at the cap,
    parsed in a fresh process as a worker parses them, raise its peak RSS by less than
    the budget (a cap twice as high breaks it)."""
    done = subprocess.run([sys.executable, "-c", BATCH_SCRIPT, str(DATA / "articles.jsonl")], capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "clear_refs" in done.stderr and "Error" in done.stderr:
        pytest.skip(f"cannot reset this process's peak RSS: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["batches"] >= 3 and result["chars"] > 0.9 * batching.MAX_BATCH_CHARS  # full batches were parsed
    assert result["added"] < BATCH_MEMORY_BUDGET, f"a batch of {result['chars']:,} characters added {result['added'] / 2**20:.0f} MiB"
