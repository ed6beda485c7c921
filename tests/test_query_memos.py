"""The memos of query texts (issue 22, fifth round): a text is parsed once and compiled once
per opened index, and a search answered from them is the search answered without them."""
from __future__ import annotations

from dataclasses import asdict

import pytest

from newslink.search import textquery
from newslink.search.query import QueryError, SearchQuery
from newslink.search.service import NewsLink

TEXTS = ["drones", "iran -drones", 'houthis OR zelenskyy "Red Sea"', "title:restraint text:iran", "-drones", "!!!"]


def test_a_remembered_parse_is_a_fresh_copy() -> None:
    first = textquery.parse_text("iran OR yemen -drones")
    first.groups[0].append(textquery.Term("mutated"))
    first.excluded.clear()
    again = textquery.parse_text("iran OR yemen -drones")
    assert again.groups == [[textquery.Term("iran"), textquery.Term("yemen")]]
    assert again.excluded == [textquery.Term("drones")]
    assert again.groups[0] is not first.groups[0]


def test_a_text_that_fails_fails_every_time() -> None:
    long = "x" * (textquery.MAX_QUERY_CHARS + 1)
    for _ in range(2):
        with pytest.raises(QueryError):
            SearchQuery(text=long)


def test_the_compiled_text_is_kept_per_compiler(filled_embedded) -> None:
    compiler = filled_embedded.compiler
    parsed = textquery.parse_text("iran -drones")
    query = compiler.text(parsed)
    assert compiler.text(textquery.parse_text("iran -drones")) is query
    assert compiler.text(textquery.parse_text("iran drones")) is not query
    compiler.forget_texts()
    assert compiler.text(parsed) is not query
    assert compiler.text(textquery.parse_text("!!!")) is None  # nothing survives analysis: remembered as such
    assert compiler.text(textquery.parse_text("!!!")) is None


@pytest.mark.parametrize("text", TEXTS)
def test_answers_with_and_without_the_memos_are_the_same(filled_embedded, kb, text) -> None:
    app = NewsLink(filled_embedded, kb)

    def answer(**kwargs) -> dict:
        out = asdict(app.search(SearchQuery(text=text, **kwargs)))
        out.pop("took_ms")
        return out

    pages = [{}, {"filters": {"country": ["Q794"]}}, {"size": 1, "page": 2}, {"sort": "newest"}]
    cold = []
    for kwargs in pages:
        filled_embedded.forget_queries()
        textquery.forget_parsed()
        cold.append(answer(**kwargs))
    warm = [answer(**kwargs) for kwargs in pages for _ in range(2)][1::2]
    assert warm == cold


def test_a_page_with_a_head_orjson_refuses_reads_back(embedded_engine, corpus_docs, kb) -> None:
    """A page's heads are decoded in one orjson call; a NaN (which ``json`` writes and orjson
    refuses) sends that page head by head, and its hits are the same as the others'."""
    import copy
    import math

    docs = copy.deepcopy(corpus_docs)
    odd = next(d for d in docs if d.get("entity_list"))
    odd["entity_list"][0]["confidence"] = float("nan")
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    app = NewsLink(embedded_engine, kb)
    res = app.search(SearchQuery(size=100))
    assert res.total == len(docs) == len(res.hits)
    by_id = {h.id: h for h in res.hits}
    assert math.isnan(by_id[odd["id"]].entities[0]["confidence"])
    others = [h for h in res.hits if h.id != odd["id"]]
    assert {h.id: h.title for h in others} == {d["id"]: d.get("title") or "" for d in docs if d["id"] != odd["id"]}
