"""The mapping's analysis chain and Lucene's near-real-time search, on the server itself.

mappings/articles.json asks for Porter2 stemming, asciifolding and unstemmed ``.exact``
subfields. Each test asks the server (``_analyze``, a search through the engine), so a
mapping or query that lost stemming, folding or the exact subfield fails here. In CI they
run on a real OpenSearch node (Lucene's analyzers); osmem-server reproduces these token
streams too (checked against OpenSearch 2.19 on a list of tricky words), so they also run
on a plain clone. What osmem does not reproduce is Lucene's refresh: a write is invisible
to searches until a refresh. The engine depends on that (``commit``, ``close``, a reindex's
copy), so that test needs a real cluster and is skipped, with the reason, without one.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from es_server import es_url, real_es, unique_index  # noqa: F401 - fixtures

from newslink.search.engines.elasticsearch import MAPPING_FILE, ElasticsearchEngine
from newslink.search.query import SearchQuery

DOCS = [
    {"id": "sanctioned", "title": "Iran sanctioned again", "text": "The council sanctioned three banks on Monday."},
    {"id": "exact", "title": "New measures", "text": "The sanctions imposed on the banks stay in place."},
    {"id": "stemmed-only", "title": "Other measures", "text": "Whoever sanctioned them imposed more later: sanction imposing."},
    {"id": "folded", "title": "Zelenskyy’s visit to Zürich", "text": "President Zelenskyy's talks in Zürich with the Café owners."},
    {"id": "unrelated", "title": "Weather", "text": "Rain over the harbour."},
]


@pytest.fixture()
def engine(es_url: str) -> Iterator[ElasticsearchEngine]:  # noqa: F811
    engine = ElasticsearchEngine(es_url, unique_index("an"))
    assert engine.write(DOCS) == []
    engine.commit()
    yield engine
    engine.drop()
    engine.close()


def tokens(engine: ElasticsearchEngine, analyzer: str, text: str) -> list[str]:
    body = engine.client.indices.analyze(index=engine.generation, analyzer=analyzer, text=text).body
    return [t["token"] for t in body["tokens"]]


def ids(engine: ElasticsearchEngine, text: str) -> set[str]:
    return {h.id for h in engine.search(SearchQuery(text=text, size=20)).hits}


def test_the_index_analyzers_stem_and_fold(engine: ElasticsearchEngine) -> None:
    assert tokens(engine, "newslink_english", "Sanctions sanctioned Zelenskyy’s Zürich F-16") == [
        "sanction", "sanction", "zelenskyy", "s", "zurich", "f", "16",
    ]
    assert tokens(engine, "newslink_exact", "Sanctions sanctioned Zürich") == ["sanctions", "sanctioned", "zurich"]


def test_english_stemming_sanctions_finds_sanctioned(engine: ElasticsearchEngine) -> None:
    assert ids(engine, "sanctions") == {"sanctioned", "exact", "stemmed-only"}
    assert ids(engine, "sanctioning") == {"sanctioned", "exact", "stemmed-only"}


def test_asciifolding_and_possessives(engine: ElasticsearchEngine) -> None:
    assert ids(engine, "zurich") == {"folded"} == ids(engine, "Zürich")
    assert ids(engine, "Zelenskyy") == {"folded"} == ids(engine, "Zelenskyy's")
    assert ids(engine, "cafe") == {"folded"}


def test_a_phrase_matches_stemmed_and_ranks_the_exact_wording_first(engine: ElasticsearchEngine) -> None:
    results = engine.search(SearchQuery(text='"sanctions imposed"', size=20))
    order = [h.id for h in results.hits]
    assert set(order) == {"exact", "stemmed-only"}  # "sanction imposing" is the same stemmed phrase
    assert order[0] == "exact"  # the .exact subfield matches only the words as written
    assert "<b>sanctions</b>" in results.hits[0].snippet and "<b>imposed</b>" in results.hits[0].snippet


def test_the_exact_subfield_holds_the_words_as_written(engine: ElasticsearchEngine) -> None:
    resp = engine.client.search(index=engine.alias, query={"match_phrase": {"text.exact": "sanctions imposed"}}).body
    assert [h["_id"] for h in resp["hits"]["hits"]] == ["exact"]
    resp = engine.client.search(index=engine.alias, query={"match_phrase": {"text": "sanctions imposed"}}).body
    assert {h["_id"] for h in resp["hits"]["hits"]} == {"exact", "stemmed-only"}


def test_writes_show_after_a_refresh_and_a_reindex_copies_unrefreshed_ones(real_es: str, tmp_path: Path) -> None:  # noqa: F811
    """Lucene shows a write to searches only after a refresh. With periodic refresh off (so
    nothing depends on timing): before commit() nothing is searchable, yet iter_documents --
    what a reindex copies -- has every acknowledged document, and close() makes them visible,
    as the embedded engine's close() commits."""
    mapping = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    mapping["settings"]["refresh_interval"] = "-1"
    mapping_file = tmp_path / "articles.json"
    mapping_file.write_text(json.dumps(mapping), encoding="utf-8")
    index = unique_index("nrt")
    writer = ElasticsearchEngine(real_es, index, mapping_file=mapping_file)
    reader = ElasticsearchEngine(real_es, index, mapping_file=mapping_file)
    try:
        assert writer.write(DOCS) == []
        assert reader.count() == 0 and reader.search(SearchQuery(text="sanctions")).total == 0
        assert sorted(d["id"] for d in reader.iter_documents()) == sorted(d["id"] for d in DOCS)
        assert writer.write([{"id": "late", "title": "Late sanctions", "text": "Written after the copy."}]) == []
        writer.close()
        assert reader.count() == len(DOCS) + 1 and "late" in ids(reader, "sanctions")
    finally:
        reader.drop()
        reader.close()
