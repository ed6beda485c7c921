"""The indexing pipeline: the worker pool gives the same links as one process,
in input order, and streams (bounded work in flight)."""
from __future__ import annotations

import itertools

import pytest

from newslink.indexer.document import build_document
from newslink.indexer.pipeline import EntityPipeline, run_index
from newslink.indexer.processes import workers_for
from newslink.indexer.readers import read_paths

from conftest import DATA


def _articles(n: int = 1):
    base = [a for a, _ in read_paths([DATA / "articles.jsonl"]) if a is not None]
    out = []
    for k in range(n):
        for a in base:
            copy = type(a)(**{f: getattr(a, f) for f in a.__slots__})
            copy.id = f"{a.id}~{k}" if k else a.id
            out.append(copy)
    return out


def _docs(pairs, kb) -> list[dict]:
    return [build_document(a, links, kb.version) for a, links in pairs]


def test_process_matches_link_text(pipeline, corpus_docs, kb) -> None:
    assert _docs(pipeline.process(_articles()), kb) == corpus_docs


def test_worker_pool_matches_one_process_in_order(pipeline, corpus_docs, kb) -> None:
    articles = _articles(3)  # several chunks of batch_size 4, spread over 2 workers
    pool = EntityPipeline(kb, n_process=2, batch_size=4)
    docs = _docs(pool.process(iter(articles)), kb)
    assert [d["id"] for d in docs] == [a.id for a in articles]
    single = {d["id"]: d for d in corpus_docs}
    for doc in docs:
        expected = dict(single[doc["id"].split("~")[0]], id=doc["id"])
        assert doc == expected


@pytest.mark.parametrize("n_process", [1, 2])
def test_unlinked_names_found_where_parsed_match_one_process(kb, pipeline, n_process) -> None:
    """``process_named``: the workers find the unlinked names; the same as in one process."""
    from newslink.indexer.article import Article
    from newslink.indexer.linking.unlinked import UnlinkedNames

    extra = [Article(id=f"named-{k}", title="Council vote",
                     text=f"Ben Chavis{k and ' Jr.'} spoke in Chicago on Monday. Chavis said Jane Rowe of Brightwater Holdings agreed. "
                          "Later Ms. Rowe left the meeting.") for k in range(2)]
    articles = [*_articles(2), *extra] * 2
    names = UnlinkedNames(kb)
    expected = []
    for a in articles:
        links = pipeline.link_text(a.body_for_nlp)
        expected.append(build_document(a, links, kb.version, kb, unlinked=names.find(links, a.body_for_nlp)))
    assert any(e.get("unlinked") for d in expected for e in d["entity_list"])  # there are names to find
    pool = EntityPipeline(kb, n_process=n_process, batch_size=4)
    docs = [build_document(a, links, kb.version, kb, unlinked=found) for a, links, found in pool.process_named(iter(articles))]
    assert docs == expected


def test_worker_pool_streams_and_stops_cleanly(kb) -> None:
    pool = EntityPipeline(kb, n_process=2, batch_size=2)
    consumed = 0

    def endless():
        nonlocal consumed
        for a in itertools.cycle(_articles()):
            consumed += 1
            yield a

    gen = pool.process(endless())
    first = list(itertools.islice(gen, 5))
    gen.close()  # the workers are stopped, nothing hangs
    assert len(first) == 5
    assert consumed <= 5 + 4 * (2 * 2 + 2) * 2 + 2  # only a bounded window was read ahead (chunks held for the order)


def test_run_index_with_the_pool(kb, embedded_engine) -> None:
    items = ((a, []) for a in _articles(2))
    summary = run_index(items, EntityPipeline(kb, n_process=2, batch_size=4), embedded_engine, write_batch=5, commit_every=7)
    assert summary.indexed == len(_articles(2)) == embedded_engine.count()
    assert summary.entities_linked > 0


def test_workers_for_gives_each_worker_a_few_chunks() -> None:
    assert workers_for(10_000, 64, 2) == 2
    assert workers_for(255, 64, 2) == 1 and workers_for(256, 64, 2) == 2
    assert workers_for(300, 64, 4) == 2  # two workers' worth, not four
    assert workers_for(0, 64, 2) == 1 and workers_for(100, 8, 1) == 1


def test_fitted_workers_follow_the_size_of_the_job(kb, corpus_docs) -> None:
    small = EntityPipeline(kb, n_process=2, fit_workers=True)
    assert _docs(small.process(_articles()), kb) == corpus_docs
    assert small.workers_used == 1  # 6 articles: not worth a pool

    articles = _articles(6)  # 36 articles: two workers, in chunks of 9
    pooled = EntityPipeline(kb, n_process=2, fit_workers=True)
    docs = _docs(pooled.process(iter(articles)), kb)
    assert pooled.workers_used == 2
    assert [d["id"] for d in docs] == [a.id for a in articles]
    single = {d["id"]: d for d in corpus_docs}
    assert all(doc == dict(single[doc["id"].split("~")[0]], id=doc["id"]) for doc in docs)


def test_workers_forked_by_a_preloading_fork_server_link_the_same(kb, corpus_docs, monkeypatch) -> None:
    from newslink.indexer.pipeline import WORKER_START_ENV

    monkeypatch.setenv(WORKER_START_ENV, "forkserver")
    articles = _articles(3)
    pool = EntityPipeline(kb, n_process=2, batch_size=4)
    docs = _docs(pool.process(iter(articles)), kb)
    single = {d["id"]: d for d in corpus_docs}
    assert [d["id"] for d in docs] == [a.id for a in articles]
    assert all(doc == dict(single[doc["id"].split("~")[0]], id=doc["id"]) for doc in docs)


def test_given_names_of_a_kb_file_are_read_once_per_process(kb, monkeypatch) -> None:
    """The linker and the unlinked-name finder of a worker share one scan of the KB's
    aliases; an in-memory KB, which can grow, is read again."""
    from newslink.indexer.kb import KnowledgeBase
    from newslink.indexer.linking import MemoryKB
    from newslink.indexer.linking import person_names
    from newslink.indexer.linking.person_names import GivenNames

    monkeypatch.setattr(person_names, "_GIVEN_NAMES", {})
    scans = []
    fresh = KnowledgeBase(kb.path)
    real = fresh.iter_aliases
    monkeypatch.setattr(fresh, "iter_aliases", lambda *a, **k: scans.append(1) or real(*a, **k))
    first, second = GivenNames(fresh), GivenNames(fresh)
    # At most one scan: none where an earlier process left the names' file beside the KB.
    assert ("paul" in first) == ("paul" in second) and len(scans) <= 1 and first._names is second._names

    memory = MemoryKB()
    memory.add("Q1", "person", "Zebulon Quartermaine")
    assert "zebulon" in GivenNames(memory)
    memory.add("Q2", "person", "Xanthippe Morrow")
    assert "xanthippe" in GivenNames(memory)


def test_a_pool_parent_never_imports_spacy(kb, tmp_path) -> None:
    """The job process of a pooled run reads, builds and writes: spaCy (~1 s to import)
    is loaded by the workers only, so they start that much sooner."""
    import subprocess
    import sys

    script = tmp_path / "job.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from newslink.indexer.kb import KnowledgeBase\n"
        "from newslink.indexer.pipeline import EntityPipeline, run_index\n"
        "from newslink.indexer.readers import read_paths\n"
        "class Sink:\n"
        "    docs = []\n"
        "    def write(self, docs):\n"
        "        self.docs.extend(docs)\n"
        "        return []\n"
        "    def commit(self):\n"
        "        pass\n"
        "if __name__ == '__main__':\n"
        f"    kb = KnowledgeBase(Path({str(kb.path)!r}))\n"
        "    sink = Sink()\n"
        f"    summary = run_index(read_paths([Path({str(DATA / 'articles.jsonl')!r})]), EntityPipeline(kb, n_process=2, batch_size=2), sink)\n"
        "    print(summary.indexed, len(sink.docs), sum(len(d['mentions']) for d in sink.docs), 'spacy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout.split()
    articles = len(_articles())
    assert out[:2] == [str(articles), str(articles)] and int(out[2]) > 0
    assert out[3] == "False"
