"""What a search returns, engine-independent: hits, total, labelled facet buckets."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .facets import Histogram


@dataclass(slots=True)
class Hit:
    id: str
    score: float | None
    title: str
    published: str | None
    source: str | None
    url: str | None
    snippet: str  # HTML-escaped text with <b>…</b> around matches
    title_html: str | None
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class FacetBucket:
    qid: str  # the value: a QID (or an unlinked name key, name:…) for entity facets, the name for ``source``
    label: str
    count: int
    selected: bool = False
    unlinked: bool = False  # ``qid`` is an unlinked name's key: a name the KB does not know


@dataclass(slots=True)
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]]
    page: int
    size: int
    took_ms: float
    query: dict[str, Any]
    histogram: Histogram | None = None  # articles per period, when the query asked for it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class RawResults:
    """An engine's answer before labels: facets as (qid, count) pairs."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
