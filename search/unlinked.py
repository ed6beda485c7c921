"""Unlinked names on the search side: their labels, and the list of the most frequent.

An unlinked entity's facet value is its name key (``name:ben-chavis``, made by
``newslink.indexer.linking.unlinked``); its label lives only in the documents'
``entity_list`` (the most complete surface form each article gave). A page of
facet buckets is labelled with a few searches filtered on its keys (no KB has
them), the longest label found winning; a key no document answers for (a race
with a reindex) is shown as its words.
"""
from __future__ import annotations

from newslink.indexer.schema import NAME_PREFIX, is_name_key

from .engines import Engine
from .query import SearchQuery

# Searches per facet type to label one answer's keys: each finds at least one key;
# keys still unlabelled after them get a one-hit search each.
LABEL_ROUNDS = 3
LABEL_HITS = 100


def key_words(key: str) -> str:
    """What a key says without any document: ``name:ben-chavis`` -> "ben chavis"."""
    return key[len(NAME_PREFIX):].replace("-", " ") if key.startswith(NAME_PREFIX) else key


def name_labels(engine: Engine, facet: str, keys: list[str]) -> dict[str, str]:
    """Label of each unlinked key of ``facet`` among ``keys``: the longest surface form
    of the documents found carrying it."""
    remaining = list(dict.fromkeys(k for k in keys if is_name_key(k)))
    out: dict[str, str] = {}
    for _ in range(LABEL_ROUNDS):
        if not remaining:
            break
        query = SearchQuery(filters={facet: remaining}, size=min(LABEL_HITS, max(10, 2 * len(remaining))), facets=(), facet_size=0, highlight=False)
        wanted = set(remaining)
        for hit in engine.search(query).hits:
            for ent in hit.entities:
                key, label = ent.get("qid"), ent.get("label") or ""
                if key in wanted and ent.get("type") == facet and len(label) > len(out.get(key, "")):
                    out[key] = label
        remaining = [k for k in remaining if k not in out]
    for key in remaining:  # rare keys crowded out by frequent ones: one small search each
        one = SearchQuery(filters={facet: [key]}, size=1, facets=(), facet_size=0, highlight=False)
        for hit in engine.search(one).hits:
            out[key] = next((e.get("label") for e in hit.entities if e.get("qid") == key and e.get("label")), "")
        out[key] = out.get(key) or key_words(key).title()
    return out
