"""Pydantic response models of the HTTP API.

They exist for two reasons: FastAPI validates every answer against them (a
drifting engine cannot leak an unexpected shape to clients), and they make the
OpenAPI description exact enough for clients, code generators and the
property-based test that fuzzes the API from it.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


class ErrorBody(BaseModel):
    """Every non-2xx answer: a message and, when one parameter is at fault, its name."""

    error: str = Field(description="What went wrong, in words a user can act on.")
    param: str | None = Field(None, description="The query/path parameter at fault, if any.")


class ViaRef(BaseModel):
    """A linked place a rolled-up country came from."""

    qid: str
    label: str | None = None


class EntityRef(BaseModel):
    """An entity as shown with a hit: one per QID or unlinked name, most mentioned first."""

    model_config = ConfigDict(extra="ignore")

    qid: str = Field(description="A Wikidata QID, or an unlinked name's key (name:ben-chavis; see unlinked).")
    label: str
    type: str
    count: int = Field(description="Mentions of this entity in the article (0 for a country rolled up from its places).")
    first_offset: int | None = None
    confidence: float | None = None
    unlinked: bool = Field(False, description="True when qid is an unlinked name's key (name:ben-chavis): a person, organisation or place the knowledge base does not know, faceted by its normalised name; a reindex after the KB learns it turns it into the QID.")
    via: list[ViaRef] | None = Field(
        None,
        description="Only on a country the article does not name but a linked place of it lies in (the roll-up): "
        "those places, e.g. Japan via Tokyo. Absent for entities the text names.",
    )

    @model_serializer(mode="wrap")
    def _without_empty_via(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``via`` only where there is one: a hit's entities read as stored (and as the CLI prints them)."""
        out = handler(self)
        if out.get("via") is None:
            out.pop("via", None)
        return out


class HitModel(BaseModel):
    id: str
    title: str
    published: str | None
    source: str | None
    url: str | None
    score: float | None = Field(description="Relevance score; null when sorted by date.")
    snippet: str | None = Field(description="HTML-escaped text with <b>…</b> around matches.")
    title_html: str | None = Field(description="The title with <b>…</b> around matches, when it matched.")
    entities: list[EntityRef]


class FacetBucketModel(BaseModel):
    qid: str = Field(description="The value to filter on: a QID, an unlinked name's key (name:ben-chavis), or a source.")
    label: str = Field(description="The entity's KB label (the QID when the KB lacks it); for an unlinked name, its most complete surface form.")
    count: int
    selected: bool = Field(description="True when this value is one of the query's filters.")
    unlinked: bool = Field(False, description="True when qid is an unlinked name's key (name:ben-chavis): a person, organisation or place the knowledge base does not know, faceted by its normalised name; a reindex after the KB learns it turns it into the QID.")


class HistogramBucketModel(BaseModel):
    key: str = Field(description="The first day of the period (YYYY-MM-DD).")
    label: str = Field(description="2025-03-14, 2025-W11, 2025-03 or 2025.")
    count: int
    selected: bool = Field(description="True when the period overlaps the query's since/until range.")


class HistogramModel(BaseModel):
    interval: Literal["day", "week", "month", "year"]
    buckets: list[HistogramBucketModel] = Field(description="Every period from the first to the last with an article, empty ones included.")


class SearchResponse(BaseModel):
    total: int
    page: int
    size: int
    took_ms: float
    hits: list[HitModel]
    facets: dict[str, list[FacetBucketModel]] = Field(description="Per facet type (person, country, place, org, weapon).")
    query: dict[str, Any] = Field(description="The query as understood: names resolved to QIDs, dates normalized (a year or month "
                                  "spans its whole length); `notices` lists how filters were read: {level: note|warning, param, value, "
                                  "message, qid, others} for an ambiguous name (the entity used, the other candidates), an unknown QID "
                                  "or source, a `name:` prefix that is not a field.")
    histogram: HistogramModel | None = Field(None, description="Articles per period (asked for with `histogram`), counted without the since/until range.")


class EntityResponse(BaseModel):
    qid: str
    label: str
    type: str
    kind: str
    description: str
    aliases: list[str]
    popularity: float
    country: str = Field("", description="QID of the country the entity is in or belongs to ('' if the KB does not say).")
    admin1: str = Field("", description="QID of the first-level region a place is in ('' if the KB does not say).")
    articles: int = Field(description="Indexed articles linked to this entity.")


class RelatedEntity(BaseModel):
    qid: str
    label: str
    unlinked: bool = Field(False, description="True when qid is an unlinked name's key (name:ben-chavis): a person, organisation or place the knowledge base does not know, faceted by its normalised name; a reindex after the KB learns it turns it into the QID.")
    count: int = Field(description="Articles of the query that mention both.")
    background: int = Field(description="Articles of the query that mention this one.")
    lift: float = Field(description="How many times more often it appears with the entity than in the query's articles overall.")
    score: float = Field(description="Significance (JLH, as Elasticsearch's significant_terms): (p_with - p_all) × lift.")


class RelatedEntityRef(BaseModel):
    qid: str
    label: str
    type: str


class RelatedResponse(BaseModel):
    entity: RelatedEntityRef
    articles: int = Field(description="Articles of the query that mention the entity (the foreground).")
    background: int = Field(description="Articles of the query (the background).")
    related: dict[str, list[RelatedEntity]] = Field(description="Per entity type, most significant first.")
    took_ms: float
    query: dict[str, Any]


class EntitySummary(BaseModel):
    qid: str
    label: str
    type: str
    kind: str
    description: str


class EntityListResponse(BaseModel):
    prefix: str
    type: str | None
    entities: list[EntitySummary]


class MentionModel(BaseModel):
    """One entity mention; ``start``/``end`` are character offsets into ``field``."""

    field: Literal["title", "text"]
    start: int
    end: int
    text: str
    qid: str | None = Field(description="null for a mention no KB entity confidently matched (NIL).")
    label: str | None = Field(None, description="The linked entity's label.")
    type: str | None = None
    confidence: float | None = None
    ner_label: str | None = Field(None, description="The NER/gazetteer label of the span (GPE, PERSON, …).")
    method: str | None = None
    unlinked: str | None = Field(None, description="For a NIL mention of a name the KB does not know: the unlinked entity's key it counts for (name:ben-chavis).")


class ArticleResponse(BaseModel):
    id: str
    title: str
    text: str
    published: str | None
    source: str | None
    url: str | None
    meta: dict[str, Any]
    entities: dict[str, list[str]] = Field(description="QIDs and unlinked name keys (name:…) per facet type.")
    entity_list: list[EntityRef]
    mentions: list[MentionModel]
    kb_version: str | None


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]
    engine: str | None = None
    index: str | None = None
    generation: str | None = None
    documents: int | None = None
    kb_version: str | None = None
    error: str | None = None
