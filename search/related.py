"""Co-occurrence: which entities appear with one entity in the articles of a query, and
how much more than they appear anyway.

Counts alone are useless here: "United States" is in a fifth of all news, so it tops
every "appears with" list. Each co-occurring entity is therefore scored like
Elasticsearch's ``significant_terms`` (JLH): the *foreground* is the articles of the
query that mention the entity, the *background* all articles of the query; with
``p_fg = count / foreground`` and ``p_bg = background count / background``,

* ``lift = p_fg / p_bg`` (how many times more often than usual), and
* ``score = (p_fg - p_bg) * lift`` (JLH: lift weighted by the absolute gain, so one
  shared article of a rare name does not outrank a hundred of a frequent one).

Both engines do the same two aggregation requests (:meth:`Engine.aggregate`): top
candidates per type in the foreground, then the background counts of exactly those
candidates; the scoring is this module's, so both engines rank identically.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .facets import ENTITY_FACETS, Terms

if TYPE_CHECKING:  # pragma: no cover
    from .engines.base import Engine
    from .query import SearchQuery

CANDIDATES = 500  # foreground values per type considered for scoring
MIN_COUNT = 2  # shared articles a value needs (significant_terms' min_doc_count is 3)


@dataclass(slots=True)
class Related:
    qid: str
    count: int  # articles of the foreground that mention it
    background: int  # articles of the background that mention it
    lift: float
    score: float
    label: str = ""


@dataclass(slots=True)
class Cooccurrence:
    facet: str  # the entity's type
    qid: str
    foreground: int  # articles of the query that mention the entity
    background: int  # articles of the query
    related: dict[str, list[Related]] = field(default_factory=dict)


def score(count: int, foreground: int, bg_count: int, background: int) -> tuple[float, float]:
    """(lift, JLH score) of a value in ``count`` of ``foreground`` articles and
    ``bg_count`` of ``background`` articles."""
    if not (count and foreground and bg_count and background):
        return 0.0, 0.0
    p_fg, p_bg = count / foreground, bg_count / background
    lift = p_fg / p_bg
    return lift, (p_fg - p_bg) * lift


def cooccurrence(
    engine: Engine,
    query: SearchQuery,
    facet: str,
    qid: str,
    *,
    types: tuple[str, ...] = tuple(ENTITY_FACETS),
    size: int = 10,
    min_count: int = MIN_COUNT,
) -> Cooccurrence:
    """The ``size`` most significant entities per type appearing with ``qid`` (of type
    ``facet``) in the articles matching ``query``; values scoring ≤ 0 (no more frequent
    with the entity than without) are left out."""
    focus = Terms(ENTITY_FACETS[facet].field_of(query), (qid,))
    fg_aggs = {t: {"terms": {"field": ENTITY_FACETS[t].field_of(query), "size": CANDIDATES}} for t in types}
    foreground, fg = engine.aggregate(query, [focus], fg_aggs)
    candidates = {
        t: {str(b["key"]): int(b["doc_count"]) for b in (fg.get(t) or {}).get("buckets", [])
            if int(b["doc_count"]) >= min_count and not (t == facet and str(b["key"]) == qid)}
        for t in types
    }
    bg_aggs = {
        t: {"terms": {"field": ENTITY_FACETS[t].field_of(query), "include": sorted(c), "size": len(c)}}
        for t, c in candidates.items() if c
    }
    background, bg = engine.aggregate(query, [], bg_aggs) if bg_aggs else (engine.aggregate(query, [], {})[0], {})
    out = Cooccurrence(facet=facet, qid=qid, foreground=foreground, background=background)
    for t, counts in candidates.items():
        bg_counts = {str(b["key"]): int(b["doc_count"]) for b in (bg.get(t) or {}).get("buckets", [])}
        rows = []
        for key, n in counts.items():
            lift, jlh = score(n, foreground, bg_counts.get(key, n), background)
            if jlh > 0:
                rows.append(Related(key, n, bg_counts.get(key, n), round(lift, 4), round(jlh, 6)))
        rows.sort(key=lambda r: (-r.score, -r.count, r.qid))
        out.related[t] = rows[:size]
    return out
