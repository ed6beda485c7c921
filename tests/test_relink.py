"""Re-linking from stored mentions: identical links when the KB did not change,
and no spaCy on the default reindex path."""
from __future__ import annotations

import pytest

from newslink.indexer.linking import Linker
from newslink.indexer.relink import relink_document, stored_mentions


def _links(doc: dict) -> tuple:
    """Everything linking decides for a document."""
    return doc["entities"], doc["entity_list"], doc["mentions"]


def test_relinking_a_document_reproduces_its_links(corpus_docs, kb) -> None:
    linker = Linker(kb)
    assert any(doc["entity_list"] for doc in corpus_docs)
    for doc in corpus_docs:
        again = relink_document(doc, linker, kb.version)
        assert _links(again) == _links(doc), doc["id"]
        assert again == doc


def test_stored_mentions_keep_span_text_and_label(corpus_docs) -> None:
    for doc in corpus_docs:
        body = f"{doc['title']}\n\n{doc['text']}" if doc["title"] else doc["text"]
        found = [m for m in doc["mentions"] if m["source"] != "coref"]  # the linker's own come back by re-linking
        assert len(found) == len(stored_mentions(doc))
        for stored, m in zip(found, stored_mentions(doc)):
            assert body[m.start : m.end] == m.text == stored["text"]
            assert (m.label, m.source) == (stored["label"], stored["source"])
        for stored in doc["mentions"]:
            assert body[stored["offset"] : stored["offset"] + len(stored["text"])] == stored["text"]


def test_reindex_without_kb_change_keeps_every_link_and_never_parses(filled_embedded, corpus_docs, kb, monkeypatch) -> None:
    import newslink.indexer.pipeline as pipeline_module
    from newslink.search.reindex import run_reindex

    def no_spacy(*_a, **_k):
        raise AssertionError("the default reindex path must not run spaCy")

    monkeypatch.setattr(pipeline_module, "EntityPipeline", no_spacy)
    import newslink.indexer.nlp as nlp_module

    monkeypatch.setattr(nlp_module, "load_pipeline", no_spacy)  # what pipeline._nlp_for calls
    before = {d["id"]: _links(d) for d in filled_embedded.iter_documents()}
    summary = run_reindex(filled_embedded, kb)
    assert summary["indexed"] == len(corpus_docs) and summary["changed"] == 0
    after = {d["id"]: _links(d) for d in filled_embedded.iter_documents()}
    assert after == before


def test_relink_follows_a_kb_change(corpus_docs, kb) -> None:
    """A stricter linker (standing in for a KB change) re-decides from the same mentions."""
    doc = next(d for d in corpus_docs if d["entity_list"])
    strict = relink_document(doc, Linker(kb, threshold=1.01), kb.version)
    assert [m["text"] for m in strict["mentions"]] == [m["text"] for m in doc["mentions"]]
    assert not [e for e in strict["entity_list"] if not e.get("unlinked")] and all(m["qid"] is None for m in strict["mentions"])


@pytest.mark.parametrize("field", ["title", "text"])
def test_relink_keeps_field_offsets(corpus_docs, kb, field) -> None:
    linker = Linker(kb)
    for doc in corpus_docs:
        again = relink_document(doc, linker, kb.version)
        for m in again["mentions"]:
            if m["field"] == field:
                assert doc[field][m["start"] : m["end"]] == m["text"]


def test_reindex_with_a_worker_pool_gives_the_same_documents(filled_embedded, corpus_docs, kb) -> None:
    from newslink.search.reindex import run_reindex

    before = sorted((d for d in filled_embedded.iter_documents()), key=lambda d: d["id"])
    summary = run_reindex(filled_embedded, kb, workers=2)
    assert summary["workers"] == 2 and summary["indexed"] == len(corpus_docs) and summary["changed"] == 0
    after = sorted((d for d in filled_embedded.iter_documents()), key=lambda d: d["id"])
    assert after == before


def test_relink_documents_pool_streams_in_order(corpus_docs, kb) -> None:
    from newslink.indexer.relink import relink_documents

    docs = [dict(d, id=f"{d['id']}~{k}") for k in range(5) for d in corpus_docs]
    out = list(relink_documents(iter(docs), kb, workers=2, chunk=3))
    assert [new["id"] for _changed, new in out] == [d["id"] for d in docs]
    assert not any(changed for changed, _new in out)
    assert [new for _c, new in out] == docs
