"""SearchQuery -> Elasticsearch/OpenSearch request body, as a readable sequence of parts.

Why it looks like this: the embedded engine defines the semantics (an AND of OR-groups
of terms, each term a phrase over title^2/text; excluded terms; facet filters as
multi-select), and this module says the same thing in Query DSL so both engines return
the same documents. User text is only ever passed as the ``query`` of a ``multi_match``,
never to ``query_string``, so there is nothing to escape and no syntax to break.

Facets follow elasticsearch-dsl's ``FacetedSearch``: the main query holds the text, every
facet's filter (entities, source, dates: :func:`newslink.search.facets.hit_filters`) goes
to ``post_filter`` (they narrow the hits, not the counts), and each counted facet is a
``filter`` aggregation carrying the filters it is counted with
(:func:`newslink.search.facets.counts`) around the facet's own aggregations.
"""
from __future__ import annotations

import re
from typing import Any

from .. import facets as facet_registry
from ..facets import Clause, Range, Terms
from ..query import SearchQuery
from ..textquery import ParsedText, Term
from .hits import HIT_KEYS, SNIPPET_CHARS

TEXT_FIELDS = ("title^2", "text")
EXACT_FIELDS = ("title.exact^2", "text.exact")  # unstemmed: ranks exact wording first
SOURCE_FIELDS = (*HIT_KEYS, "text")

_TOKEN = re.compile(r"[^\W_]+")  # what the char_group tokenizer in mappings/articles.json keeps


def facet_field(facet: str) -> str:
    return facet_registry.ENTITY_FACETS[facet].field


def has_tokens(text: str) -> bool:
    """Whether a term survives analysis (else it is ignored, as in the embedded engine)."""
    return any(len(tok.encode("utf-8", "surrogatepass")) < 40 for tok in _TOKEN.findall(text))


def term_clause(term: Term) -> dict[str, Any] | None:
    """One term or phrase over title and text; a multi-token word is a phrase too."""
    if not has_tokens(term.text):
        return None
    fields = [f for f in (*TEXT_FIELDS, *EXACT_FIELDS) if term.field in (None, f.split("^")[0].split(".")[0])]  # title:Trump
    return {"multi_match": {"query": term.text, "type": "phrase", "fields": fields}}


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


def clause(c: Clause) -> dict[str, Any]:
    """One engine-neutral facet clause in Query DSL."""
    if isinstance(c, Terms):
        return {"term": {c.field: c.values[0]}} if len(c.values) == 1 else {"terms": {c.field: list(c.values)}}
    assert isinstance(c, Range)
    return {"range": {c.field: {k: v for k, v in (("gte", c.gte), ("lte", c.lte)) if v}}}


def _bool_filter(clauses: list[Clause]) -> dict[str, Any]:
    return {"bool": {"filter": [clause(c) for c in clauses]}} if clauses else {"match_all": {}}


def aggregations(query: SearchQuery) -> dict[str, Any]:
    """Per counted facet: the filters it is counted with around its own aggregations."""
    return {c.facet.name: {"filter": _bool_filter(c.filters), "aggs": c.aggs} for c in facet_registry.counts(query)}


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
    body: dict[str, Any] = {
        "query": text_q or {"match_all": {}},
        "from": query.offset,
        "size": query.size,
        "track_total_hits": True,
        "_source": list(SOURCE_FIELDS),
    }
    filters = facet_registry.hit_filters(query)
    if filters:
        body["post_filter"] = _bool_filter(filters)
    aggs = aggregations(query)
    if aggs:
        body["aggs"] = aggs
    sort = sort_clause(query)
    if sort:
        body["sort"] = sort
    if query.highlight and text_q is not None and query.size:
        body["highlight"] = highlight()
    return body


def rename_fields(body: Any, stand_ins: dict[str, str]) -> Any:
    """``body`` with every field of ``stand_ins`` (a term/terms key, an aggregation's
    ``field``) replaced by its stand-in: what an index from before a field was added
    holds its values under (``entities.country_named`` -> ``entities.country``)."""
    if not stand_ins:
        return body
    if isinstance(body, list):
        return [rename_fields(v, stand_ins) for v in body]
    if not isinstance(body, dict):
        return body
    out = {}
    for key, value in body.items():
        if key == "field" and isinstance(value, str):
            out[key] = stand_ins.get(value, value)
        else:
            out[stand_ins.get(key, key)] = rename_fields(value, stand_ins)
    return out


def filtered_query(query: SearchQuery, extra: list[Clause] = ()) -> dict[str, Any]:
    """The text AND every facet filter AND ``extra`` as one query (no post_filter: for
    counting and scanning, where nothing is counted multi-select)."""
    text_q = text_query(query.parsed)
    clauses = [clause(c) for c in (*facet_registry.hit_filters(query), *extra)]
    if not clauses:
        return text_q or {"match_all": {}}
    return {"bool": {"must": [text_q] if text_q else [], "filter": clauses}}
