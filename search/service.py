"""The application layer CLI and HTTP API share: names -> QIDs, search, labels.

Keeping this in one place means the API and the CLI cannot drift apart: both
build a SearchQuery, call :meth:`NewsLink.search` and render the same result.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from newslink.indexer.kb import KnowledgeBase
from newslink.indexer.schema import FACET_TYPES, is_name_key

from .engines import Engine
from .facets import FACETS, PUBLISHED, roll_up
from .export import lines as export_lines
from .query import QueryError, SearchQuery
from .related import MIN_COUNT, cooccurrence
from .resolve import FilterResolver, field_notices
from .results import FacetBucket, SearchResults
from .unlinked import name_labels


_HIT_LIST_KEYS = ("sort", "page", "size", "facets", "facet_size")  # what only a hit list / facet count uses


class NewsLink:
    def __init__(self, engine: Engine, kb: KnowledgeBase) -> None:
        self.engine = engine
        self.kb = kb

    def resolve(self, facet: str, values: list[str]) -> list[str]:
        """QIDs for what a user typed (QIDs checked, names through the KB; see :mod:`.resolve`)."""
        return FilterResolver(self.engine, self.kb).entities(facet, values)

    def build_query(self, *, text: str = "", entity_values: dict[str, list[str]] | None = None, **kwargs: Any) -> SearchQuery:
        """A validated query from what a user typed; ``query.notices`` say how its filters were read."""
        resolver = FilterResolver(self.engine, self.kb)
        filters = {facet: resolver.entities(facet, vals) for facet, vals in (entity_values or {}).items() if vals}
        if kwargs.get("sources"):
            kwargs["sources"] = resolver.sources(kwargs["sources"])
        query = SearchQuery(text=text, filters=filters, **kwargs)
        query.notices = [n.to_dict() for n in [*resolver.notices, *field_notices(query)]]
        return query

    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        raw = self.engine.search(query)
        # one fixed order (the registry's): engines group facets by filter set, which moved a filtered type last
        # (a keyword-only search counts nothing: no registry walk, no labelling)
        counted = {name: raw.facets[name] for name in FACETS if name in raw.facets and name != PUBLISHED.name} if raw.facets else {}
        facets = self.label_buckets(query, counted) if counted else {}
        histogram = None
        if query.histogram:
            histogram = roll_up(raw.facets.get(PUBLISHED.name) or [], query.histogram, query.since, query.until)
        return SearchResults(
            total=raw.total,
            hits=raw.hits,
            facets=facets,
            page=query.page,
            size=query.size,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            query=query.to_dict(),
            histogram=histogram,
        )

    def label_buckets(self, query: SearchQuery, raw: dict[str, list[tuple[str, int]]]) -> dict[str, list[FacetBucket]]:
        """(value, count) pairs per facet -> labelled buckets, with one KB call for all of them."""
        wanted = set().union(*(FACETS[name].expand([k for k, _ in buckets]) for name, buckets in raw.items()))
        entities = self.kb.entities(sorted(wanted)) if wanted else {}
        out = {}
        for name, buckets in raw.items():
            facet = FACETS[name]
            chosen = set(facet.selected(query))
            names = self.name_labels(name, [k for k, _ in buckets])
            out[name] = [
                FacetBucket(qid=k, label=names.get(k) or facet.label(k, entities), count=c, selected=k in chosen, unlinked=k in names)
                for k, c in buckets
            ]
        return out

    def name_labels(self, facet: str, keys: list[str]) -> dict[str, str]:
        """Labels of the unlinked name keys among ``keys`` (none: no search)."""
        names = [k for k in keys if is_name_key(k)]
        return name_labels(self.engine, facet, names) if names and facet in FACET_TYPES else {}

    def export(self, query: SearchQuery, fmt: str, *, on_hit: Callable[[], None] | None = None) -> tuple[int, Iterator[str]]:
        """(how many articles match, the lines of every one of them in ``fmt``), streamed
        from the engine's cursor; ``on_hit`` is called once per article written (progress)."""
        total, _ = self.engine.aggregate(query, [], {})

        def hits() -> Iterator[Any]:
            for hit in self.engine.scan(query):
                yield hit
                if on_hit is not None:
                    on_hit()

        return total, export_lines(hits(), fmt)

    def entity_named(self, name: str, type_: str | None = None) -> dict[str, Any] | None:
        """:meth:`entity` for a QID or a name the KB resolves (CLI ``entity``, API ``/entities/{name}``)."""
        try:
            return self.entity(self.find_entity(name, type_).qid)
        except QueryError:
            return None

    def find_entity(self, value: str, type_: str | None = None) -> Any:
        """The KB entity a QID or name means (``type_`` narrows a name); QueryError if none."""
        value = value.strip()
        if value[:1] in "Qq" and value[1:].isdigit():
            entity = self.kb.entity("Q" + value[1:])
        else:
            entity = self.kb.resolve(value, type_)
        if entity is None or (type_ and entity.type != type_):
            raise QueryError("entity", f"no {type_ or 'entity'} {value!r} in the knowledge base (try `newslink kb lookup {value}`)")
        return entity

    def related(self, query: SearchQuery, entity: Any, *, types: tuple[str, ...] = FACET_TYPES, size: int = 10, min_count: int = MIN_COUNT) -> dict[str, Any]:
        """The entities appearing most significantly with ``entity`` in the articles of
        ``query``, per type, labelled (one KB call), as plain data for JSON and terminal."""
        started = time.perf_counter()
        found = cooccurrence(self.engine, query, entity.type, entity.qid, types=types, size=size, min_count=min_count)
        wanted = set().union(*(FACETS[t].expand([r.qid for r in rows]) for t, rows in found.related.items()))
        entities = self.kb.entities(sorted(wanted)) if wanted else {}
        names = {t: self.name_labels(t, [r.qid for r in rows]) for t, rows in found.related.items()}
        return {
            "entity": {"qid": entity.qid, "label": entity.label, "type": entity.type},
            "articles": found.foreground,
            "background": found.background,
            "related": {
                t: [{"qid": r.qid, "label": names[t].get(r.qid) or FACETS[t].label(r.qid, entities), "unlinked": r.qid in names[t], "count": r.count, "background": r.background, "lift": r.lift, "score": r.score} for r in rows]
                for t, rows in found.related.items()
            },
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
            "query": {k: v for k, v in query.to_dict().items() if k not in _HIT_LIST_KEYS},
        }

    def entity(self, qid: str) -> dict[str, Any] | None:
        entity = self.kb.entity(qid)
        if entity is None:
            return None
        out = entity.to_dict()
        out["articles"] = self.engine.count_entity(entity.type, qid)
        return out


__all__ = ["NewsLink", "FACET_TYPES"]
