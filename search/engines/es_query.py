"""SearchQuery -> Elasticsearch/OpenSearch request body, as a readable sequence of parts.

Why it looks like this: the embedded engine defines the semantics (an AND of OR-groups
of terms, each term a phrase over title^2/text; excluded terms; facet filters as
multi-select), and this module says the same thing in Query DSL so both engines return
the same documents. User text is only ever passed as the ``query`` of a ``multi_match``,
never to ``query_string``, so there is nothing to escape and no syntax to break.

Facets follow elasticsearch-dsl's ``FacetedSearch``: the main query holds the text and
the non-facet filters (source, dates), the facet filters go to ``post_filter`` (they
narrow the hits, not the counts), and each facet is a ``filter`` aggregation carrying the
*other* facets' filters (``SearchQuery.filters_except``) around a ``terms`` aggregation.
"""
from __future__ import annotations

import re
from typing import Any

from ..query import SearchQuery
from ..textquery import ParsedText, Term
from .embedded import SNIPPET_CHARS

TEXT_FIELDS = ("title^2", "text")
EXACT_FIELDS = ("title.exact^2", "text.exact")  # unstemmed: ranks exact wording first
SOURCE_FIELDS = ("id", "title", "text", "published", "source", "url", "entity_list")

_TOKEN = re.compile(r"[^\W_]+")  # what the char_group tokenizer in mappings/articles.json keeps


def facet_field(facet: str) -> str:
    return f"entities.{facet}"


def has_tokens(text: str) -> bool:
    """Whether a term survives analysis (else it is ignored, as in the embedded engine)."""
    return any(len(tok.encode("utf-8", "surrogatepass")) < 40 for tok in _TOKEN.findall(text))


def term_clause(term: Term) -> dict[str, Any] | None:
    """One term or phrase over title and text; a multi-token word is a phrase too."""
    if not has_tokens(term.text):
        return None
    return {"multi_match": {"query": term.text, "type": "phrase", "fields": [*TEXT_FIELDS, *EXACT_FIELDS]}}


def text_query(parsed: ParsedText) -> dict[str, Any] | None:
    must: list[dict[str, Any]] = []
    for group in parsed.groups:
        alternatives = [c for t in group if (c := term_clause(t)) is not None]
        if len(alternatives) == 1:
            must.append(alternatives[0])
        elif alternatives:
            must.append({"bool": {"should": alternatives, "minimum_should_match": 1}})
    must_not = [c for t in parsed.excluded if (c := term_clause(t)) is not None]
    if not must and not must_not:
        return None
    return {"bool": {"must": must, "must_not": must_not}}


def facet_filters(query: SearchQuery, filters: dict[str, list[str]]) -> list[dict[str, Any]]:
    """``any``: one ``terms`` per facet type; ``all``: one ``term`` per value."""
    out: list[dict[str, Any]] = []
    for facet, qids in filters.items():
        if query.match == "all":
            out.extend({"term": {facet_field(facet): q}} for q in qids)
        else:
            out.append({"terms": {facet_field(facet): list(qids)}})
    return out


def base_filters(query: SearchQuery) -> list[dict[str, Any]]:
    """Filters that apply to hits and facet counts alike."""
    out: list[dict[str, Any]] = []
    if query.sources:
        out.append({"terms": {"source": list(query.sources)}})
    if query.since or query.until:
        bounds = {k: v for k, v in (("gte", query.since), ("lte", query.until)) if v}
        out.append({"range": {"published": bounds}})
    return out


def _bool_filter(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def aggregations(query: SearchQuery) -> dict[str, Any]:
    """Per facet: the other facets' filters around the top terms and the selected ones."""
    if not query.facets or not query.facet_size:
        return {}
    aggs: dict[str, Any] = {}
    for facet in query.facets:
        field = facet_field(facet)
        inner: dict[str, Any] = {"top": {"terms": {"field": field, "size": query.facet_size}}}
        selected = query.filters.get(facet) or []
        if selected:  # a selected value is always shown, even outside the top buckets
            inner["selected"] = {"terms": {"field": field, "include": list(selected), "size": len(selected)}}
        aggs[facet] = {"filter": _bool_filter(facet_filters(query, query.filters_except(facet))), "aggs": inner}
    return aggs


def sort_clause(query: SearchQuery) -> list[dict[str, Any]] | None:
    if query.sort == "relevance":
        return None
    order = "desc" if query.sort == "newest" else "asc"
    return [{"published": {"order": order}}, {"id": {"order": "asc"}}]


def highlight() -> dict[str, Any]:
    """``<b>`` tags around matches, the rest HTML-escaped, like tantivy's ``to_html``."""
    return {
        "pre_tags": ["<b>"],
        "post_tags": ["</b>"],
        "encoder": "html",
        "fields": {
            "title": {"number_of_fragments": 0},
            "text": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1},
        },
    }


def search_body(query: SearchQuery) -> dict[str, Any]:
    """The whole request body for one SearchQuery."""
    text_q = text_query(query.parsed)
    filters = base_filters(query)
    if text_q is None and not filters:
        main: dict[str, Any] = {"match_all": {}}
    else:
        main = {"bool": {"must": [text_q] if text_q else [], "filter": filters}}
    body: dict[str, Any] = {
        "query": main,
        "from": query.offset,
        "size": query.size,
        "track_total_hits": True,
        "_source": list(SOURCE_FIELDS),
    }
    if query.filters:
        body["post_filter"] = _bool_filter(facet_filters(query, query.filters))
    aggs = aggregations(query)
    if aggs:
        body["aggs"] = aggs
    sort = sort_clause(query)
    if sort:
        body["sort"] = sort
    if query.highlight and text_q is not None and query.size:
        body["highlight"] = highlight()
    return body
