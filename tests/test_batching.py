"""Batches cut by size as well as count (indexer/batching.py): a worker's spaCy arrays grow
with the words of a whole batch, so long articles go in smaller batches, with the same links."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newslink.indexer import batching, pipeline as pipeline_module
from newslink.indexer.batching import capped_batches
from newslink.indexer.document import build_document
from newslink.indexer.pipeline import EntityPipeline

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
