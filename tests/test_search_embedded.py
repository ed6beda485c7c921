"""Search on the real tantivy engine: keywords, facets, filters, paging, idempotence."""
from __future__ import annotations

import pytest
import tantivy

from newslink.search.engines import ascii_snippet
from newslink.search.facets import FACETS
from newslink.search.query import QueryError, SearchQuery
from newslink.search.service import NewsLink


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


def test_keyword_search_and_highlight(filled_embedded, kb, highlighter) -> None:
    filled_embedded.use_highlighter(highlighter)
    app = NewsLink(filled_embedded, kb)
    res = app.search(SearchQuery(text="drones"))
    assert set(ids(res)) == {"t-1", "t-3"}
    assert all("<b>" in (h.snippet + (h.title_html or "")) for h in res.hits)


def test_title_boost_ranks_title_match_first(filled_embedded, kb) -> None:
    res = NewsLink(filled_embedded, kb).search(SearchQuery(text="restraint"))
    assert ids(res)[0] == "t-2"


def test_phrase_exclude_or(filled_embedded, kb) -> None:
    app = NewsLink(filled_embedded, kb)
    assert ids(app.search(SearchQuery(text='"Red Sea"'))) == ["t-5"]
    assert "t-1" not in ids(app.search(SearchQuery(text="iran -drones")))
    assert set(ids(app.search(SearchQuery(text="houthis OR zelenskyy")))) == {"t-3", "t-5"}


def test_entity_filter_and_multiselect_facets(filled_embedded, kb) -> None:
    app = NewsLink(filled_embedded, kb)
    res = app.search(SearchQuery(filters={"country": ["Q794"]}))
    docs_with_iran = {"t-1", "t-2", "t-3", "t-4"}
    assert set(ids(res)) == docs_with_iran
    countries = {b.qid: b for b in res.facets["country"]}
    # multi-select: the country facet ignores its own filter, so other countries keep their full counts
    assert countries["Q794"].selected and countries["Q794"].count == 4
    assert countries["Q805"].count == 1  # Yemen (t-5) still counted
    assert countries["Q794"].label == "Iran"
    people = {b.qid: b.count for b in res.facets["person"]}
    assert people.get("Q43723") == 2  # Netanyahu, within the Iran filter


def test_match_all_within_a_facet(filled_embedded, kb) -> None:
    app = NewsLink(filled_embedded, kb)
    both = app.search(SearchQuery(filters={"country": ["Q794", "Q805"]}, match="all"))
    either = app.search(SearchQuery(filters={"country": ["Q794", "Q805"]}, match="any"))
    assert set(ids(both)) < set(ids(either))
    assert ids(both) == [] or all(h.id in ids(either) for h in both.hits)


def test_names_resolve_through_the_kb(filled_embedded, kb) -> None:
    app = NewsLink(filled_embedded, kb)
    by_name = app.search(app.build_query(entity_values={"person": ["Netanyahu"]}))
    by_qid = app.search(SearchQuery(filters={"person": ["Q43723"]}))
    assert ids(by_name) == ids(by_qid) and len(ids(by_qid)) == 2
    with pytest.raises(QueryError) as err:
        app.build_query(entity_values={"person": ["Nobody Atall Zzz"]})
    assert err.value.param == "person"


def test_dates_sources_sort_paging(filled_embedded, kb) -> None:
    app = NewsLink(filled_embedded, kb)
    newest = app.search(SearchQuery(sort="newest", size=3))
    assert ids(newest) == ["t-6", "t-4", "t-2"]
    assert ids(app.search(SearchQuery(sort="oldest", size=1))) == ["t-3"]
    assert set(ids(app.search(SearchQuery(since="2024-04-14", until="2024-04-15")))) == {"t-1", "t-2"}
    assert set(ids(app.search(SearchQuery(sources=["Wire B"])))) == {"t-2", "t-5"}
    page2 = app.search(SearchQuery(sort="newest", size=2, page=2))
    assert ids(page2) == ["t-2", "t-1"] and page2.total == 6


def test_query_validation() -> None:
    for kwargs, param in [({"page": 0}, "page"), ({"page": 2000, "size": 10}, "page"), ({"since": "not a date"}, "since"),
                          ({"sort": "random"}, "sort"), ({"size": 1000}, "size"), ({"text": "x" * 5000}, "q"),
                          ({"since": "2024-02-01", "until": "2024-01-01"}, "since")]:
        with pytest.raises(QueryError) as err:
            SearchQuery(**kwargs)
        assert err.value.param == param


def test_reindexing_the_same_docs_is_idempotent(filled_embedded, corpus_docs) -> None:
    before = filled_embedded.count()
    assert filled_embedded.write(corpus_docs) == []
    filled_embedded.commit()
    assert filled_embedded.count() == before == len(corpus_docs)


def test_get_and_iter(filled_embedded, corpus_docs) -> None:
    doc = filled_embedded.get("t-1")
    assert doc["title"] == corpus_docs[0]["title"] and doc["mentions"]
    assert filled_embedded.get("nope") is None
    assert sorted(d["id"] for d in filled_embedded.iter_documents(batch_size=2)) == sorted(d["id"] for d in corpus_docs)
    assert filled_embedded.count_entity("country", "Q794") == 4


def test_stored_documents_round_trip_whole_in_every_layout(tmp_path, corpus_docs, kb, monkeypatch) -> None:
    """Documents are stored as hit fields + the rest (two JSON texts), title and text only in
    their own stored fields; ones stored before that (title and text in the JSON too, or the
    whole document as one JSON text) still read back whole and still make the same hits."""
    import json
    from dataclasses import asdict

    from newslink.search.engines import embedded

    new = embedded.EmbeddedEngine(tmp_path / "new")
    assert new.write(corpus_docs) == []
    new.commit()
    monkeypatch.setattr(embedded, "_FIELD_KEYS", ())
    twice = embedded.EmbeddedEngine(tmp_path / "twice")
    assert twice.write(corpus_docs) == []
    twice.commit()
    monkeypatch.setattr(embedded, "_stored_bytes", lambda doc: json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    old = embedded.EmbeddedEngine(tmp_path / "old")
    assert old.write(corpus_docs) == []
    old.commit()
    monkeypatch.undo()
    stored = new._searcher().doc(new._searcher().search(tantivy.Query.all_query(), 1).hits[0][1])
    head, rest = (json.loads(part) for part in bytes(stored["doc"][0]).split(b"\n"))
    assert "text" not in rest and "title" not in head and stored.get_first("text")  # stored once, in their fields
    for engine in (new, twice, old):
        assert {d["id"]: d for d in engine.iter_documents()} == {d["id"]: d for d in corpus_docs}
        assert engine.get(corpus_docs[0]["id"]) == corpus_docs[0]
    for query in (SearchQuery(text="iran"), SearchQuery(filters={"country": ["Q794"]}), SearchQuery(text="iran", highlight=False)):
        a, b, c = (NewsLink(e, kb).search(query) for e in (new, twice, old))
        assert a.total and [asdict(h) for h in a.hits] == [asdict(h) for h in b.hits] == [asdict(h) for h in c.hits]
        assert all(h.snippet and h.title for h in a.hits)


# ---------------------------------------------------------------------------- bounded snippets, one aggregation pass
def test_snippet_region_is_the_densest_window_of_the_query_words() -> None:
    from newslink.search.engines import snippet_region

    width = 240
    wanted = snippet_region.needles([("treati", 0.5), ("citi", 0.5), ("agre", 0.2)])
    assert dict(wanted) == {"treat": 0.5, "cit": 0.5, "agr": 0.2}  # y -> i / added e: looked for without it
    assert snippet_region.locate("a treaty " * 10, wanted, width) is None  # short: the whole text
    filler = "lorem ipsum dolor sit amet " * 40
    assert snippet_region.locate(filler * 2, wanted, width) is None  # no word found: the whole text
    text = filler + "one treaty here. " + filler + "The cities agreed the treaty and other treaties. " + filler
    start, end = snippet_region.locate(text, wanted, width)
    dense = text.index("The cities")
    assert start <= dense < dense + 40 < end and end - start <= 3 * width + 20  # the three-word stretch, bounded
    assert text[start - 1] == " " and text[end] == " "  # whole words
    lead = "The treaty. " + filler * 3
    assert snippet_region.locate(lead, wanted, width)[0] == 0  # near the start: from the start, as tantivy cuts it


def test_long_articles_get_highlights_from_deep_in_the_text(embedded_engine, highlighter) -> None:
    embedded_engine.use_highlighter(highlighter)
    filler = " ".join(f"word{i} lorem ipsum" for i in range(400))
    docs = [
        {"id": "deep", "title": "Deep", "text": filler + " The cities agreed on a treaty. " + filler, "entities": {}},
        {"id": "accent", "title": "Accent", "text": filler + " Zürich was quiet. " + filler, "entities": {}},
        {"id": "end", "title": "End", "text": filler + " <End> & co.", "entities": {}},
    ]
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    for text, doc_id, marked in (("treaty city", "deep", "<b>cities</b> agreed on a <b>treaty</b>"), ("zurich", "accent", "<b>Zürich</b> was"),
                                 ("co", "end", "&lt;End&gt; &amp; <b>co</b>")):
        hit = {h.id: h for h in embedded_engine.search(SearchQuery(text=text)).hits}[doc_id]
        assert marked in hit.snippet and len(hit.snippet) < 400, hit.snippet


def test_one_aggregation_pass_counts_each_facet_with_the_other_filters(embedded_engine) -> None:
    """Multi-select counts from one pass (filter aggregations) are those of each facet's own filter set,
    with values a query string must quote (quotes, backslashes, spaces, colons)."""
    odd = 'Wire "Q" \\ A: x'
    rows = [("a", ["Q30", "Q794"], odd), ("b", ["Q30"], odd), ("c", ["Q794"], "Other"), ("d", ["Q30", "Q801"], "Other"), ("e", ["Q801"], odd)]
    docs = [{"id": i, "title": "Iran talks", "text": "Talks went on.", "source": s, "entities": {"country": c, "person": ["name:jane-rowe"] if i < "c" else []}} for i, c, s in rows]
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    q = SearchQuery(text="talks", filters={"country": ["Q30"]}, sources=[odd], facets=("country", "source", "person"))
    assert all(embedded_engine.compiler.filter_string(facets.add_filter(q)) for facets in (FACETS["country"], FACETS["source"]))  # one pass
    result = embedded_engine.search(q)
    assert result.total == 2  # a, b
    searcher = embedded_engine._searcher()
    assert embedded_engine._count_facets(searcher, q, embedded_engine.compiler.text(q.parsed)).hits == 2  # counted by the pass (person's set is the hits')
    assert embedded_engine.search(SearchQuery(text="talks", filters={"country": ["Q30"]}, sources=[odd], facets=())).total == 2  # as the search counts them
    assert result.facets["country"] == [("Q30", 2), ("Q794", 1), ("Q801", 1)]  # with the source filter: a, b, e
    assert result.facets["source"] == [(odd, 2), ("Other", 1)]  # with the country filter: a, b, d
    assert result.facets["person"] == [("name:jane-rowe", 2)]  # both filters: a, b
    drill = embedded_engine.search(SearchQuery(text="talks", filters={"country": ["Q30", "Q794"]}, match="all", facets=("country",)))
    assert drill.total == 1 and drill.facets["country"] == [("Q30", 1), ("Q794", 1)]


@pytest.mark.parametrize("odd", ['a]b', '(p) st*r ~1 ^2', "it's", 'new\nline', 'a:b:c', '-neg +plus', 'AND', 'IN [x]', '"', '\\', 'end\\', ' lead ', '{x} /re/ ! && ||', '中文 🙂', 'x' * 300])
def test_filter_aggregations_take_any_value(embedded_engine, odd) -> None:
    """A value in a filter aggregation's query string is quoted whole: no character of it is syntax."""
    docs = [{"id": f"d{i}", "title": "talks", "text": "talks", "source": source, "entities": {"country": [country]}}
            for i, (source, country) in enumerate([(odd, "Q30"), (odd, "Q794"), ("plain", "Q30")])]
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    result = embedded_engine.search(SearchQuery(text="talks", sources=[odd], filters={"country": ["Q30"]}, facets=("country", "source")))
    assert result.total == 1
    assert result.facets["country"] == [("Q30", 1), ("Q794", 1)]  # counted with the source filter
    assert result.facets["source"] == sorted([(odd, 1), ("plain", 1)], key=lambda kv: kv[0])  # with the country filter


def test_snippet_weights_follow_the_searcher(embedded_engine) -> None:
    """A query's snippet markers are remembered per searcher (a drill-down repeats the text), and a
    new commit's searcher weighs the terms with its own doc freqs."""
    docs = [{"id": str(i), "title": "Oil", "text": "oil prices rose", "entities": {}} for i in range(3)]
    assert embedded_engine.write(docs) == []
    embedded_engine.commit()
    query = SearchQuery(text="oil")
    searcher = embedded_engine._searcher()
    text_q = embedded_engine.compiler.text(query.parsed)
    first = embedded_engine._snippets(searcher, query, text_q).markers["text"]
    assert embedded_engine._snippets(searcher, query, text_q).markers["text"] is first  # the same searcher: remembered
    assert embedded_engine.write([{"id": "9", "title": "Oil", "text": "oil again", "entities": {}}]) == []
    embedded_engine.commit()
    embedded_engine.refresh()
    later = embedded_engine._snippets(embedded_engine._searcher(), query, text_q).markers["text"]
    assert first.weights == {"oil": ascii_snippet.weight(3)} and later.weights == {"oil": ascii_snippet.weight(4)}
