"""The HTTP API: the CLI's faceted search as read-only JSON, with an OpenAPI description.

Every endpoint goes through :class:`~newslink.search.service.NewsLink`, the same
object the CLI uses, so the API and the CLI cannot answer the same query
differently. What this module adds is only what HTTP needs:

- parameter parsing with bounds that FastAPI checks *and* documents in OpenAPI;
- one error shape, ``{"error": ..., "param": ...}``, for every failure:
  unknown parameters and bad values are 4xx naming the parameter, an engine that
  is down is 503, and a catch-all handler turns any bug into a JSON 500 (never a
  traceback);
- lazy opening of engine and KB, so ``serve`` starts even while Elasticsearch is
  still booting and recovers when it comes up; the embedded engine follows
  promoted generations by itself, so a ``newslink reindex`` never needs a restart.

Build it with :func:`create_app`; ``newslink serve`` runs it under uvicorn.
"""
from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from newslink.indexer.kb import KBError, KnowledgeBase
from newslink.indexer.kb.complete import complete as complete_names
from newslink.indexer.schema import FACET_TYPES, UNLINKED_FACET_TYPES

from . import __version__
from .api_docs import install_docs
from .api_models import (
    ArticleResponse,
    EntityListResponse,
    EntityResponse,
    ErrorBody,
    HealthResponse,
    RelatedResponse,
    SearchResponse,
)
from .engines import Engine, EngineError, open_engine
from .facets import COUNTABLE, DEFAULT_FACETS, HISTOGRAM_CHOICES, filter_params, query_kwargs
from .export import FORMATS, MEDIA_TYPES
from .related import MIN_COUNT
from .query import MATCH_MODES, MAX_FACET_SIZE, MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SORTS, QueryError
from .results import SearchResults
from .service import NewsLink
from .textquery import MAX_QUERY_CHARS
from .web import install_page

log = logging.getLogger("newslink.api")

MAX_VALUES = 20  # values of one repeatable filter (person=…&person=…)
MAX_VALUE_CHARS = 200  # one entity name / source name
MAX_COMPLETIONS = 50
EXPORT_LIMIT = 100_000  # articles one /export may stream

# Literal types built from the query model's own constants, so OpenAPI enums never drift.
FacetType = Literal[FACET_TYPES]  # type: ignore[valid-type]
SortName = Literal[SORTS]  # type: ignore[valid-type]
MatchMode = Literal[MATCH_MODES]  # type: ignore[valid-type]
HistogramInterval = Literal[HISTOGRAM_CHOICES]  # type: ignore[valid-type]
Value = Annotated[str, Query(max_length=MAX_VALUE_CHARS)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A parameter is unknown or its value is not usable."},
    422: {"model": ErrorBody, "description": "A parameter has the wrong type or is out of bounds."},
    503: {"model": ErrorBody, "description": "The search engine or the knowledge base is unavailable."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such item."}}


class ApiError(Exception):
    """An expected failure with its HTTP status, message and offending parameter."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param


class Backend:
    """The engine and KB behind the app: given, or opened on first use.

    Requests run concurrently in FastAPI's thread pool, and they should: tantivy
    releases the GIL while it searches and counts, so two cores answer two
    searches at once. What is shared is made for it: the embedded engine swaps
    its index object under its own lock and hands out searchers (snapshots), the
    KB runs each SQLite statement under a lock and its caches only ever gain
    entries, the Elasticsearch client pools its connections. ``lock`` only guards
    opening and closing. Opening failures are not cached: the next request tries
    again, which is what lets the API recover from an engine outage.
    """

    def __init__(self, engine: Engine | None, kb: KnowledgeBase | None, *, engine_name: str | None, index: str | None, es_url: str | None) -> None:
        self._engine = engine
        self._kb = kb
        self._owned: list[Any] = []
        self._open_args = {"name": engine_name, "index": index, "url": es_url}
        self.lock = threading.RLock()

    def engine(self) -> Engine:
        if self._engine is None:
            with self.lock:
                return self._open_engine()
        return self._engine

    def _open_engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = open_engine(self._open_args["name"], index=self._open_args["index"], url=self._open_args["url"])
            except EngineError:
                raise
            except Exception as exc:  # a missing client library, a refused connection: all "unavailable"
                raise EngineError(f"cannot open the {self._open_args['name'] or 'default'} engine: {exc}") from exc
            self._owned.append(self._engine)
        return self._engine

    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            with self.lock:
                return self._open_kb()
        return self._kb

    def _open_kb(self) -> KnowledgeBase:
        if self._kb is None:
            from newslink.indexer.kb.build import KBDataError
            from newslink.indexer.kb.loader import open_kb

            try:
                self._kb = open_kb()
            except (KBError, KBDataError) as exc:
                raise ApiError(503, f"knowledge base unavailable: {exc}") from exc
            self._owned.append(self._kb)
        return self._kb

    def service(self) -> NewsLink:
        return NewsLink(self.engine(), self.kb())

    def describe(self) -> dict[str, str | None]:
        """Engine and index names without touching the engine (for a 503 health answer)."""
        if self._engine is not None:
            return {"engine": getattr(self._engine, "name", None), "index": getattr(self._engine, "index_name", self._open_args["index"])}
        return {"engine": self._open_args["name"], "index": self._open_args["index"]}

    def close(self) -> None:
        with self.lock:
            for thing in reversed(self._owned):
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - shutting down; nothing left to tell the client
                    log.warning("closing %r failed", thing, exc_info=True)
            self._owned.clear()


# --------------------------------------------------------------------------- errors
def _error(status: int, message: str, param: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=ErrorBody(error=message, param=param).model_dump())


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.param)

    @app.exception_handler(QueryError)
    async def query_error(_: Request, exc: QueryError) -> JSONResponse:
        return _error(400, exc.message, exc.param)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(part) for part in first.get("loc", ())]
        param = loc[-1] if len(loc) > 1 else (loc[0] if loc else None)
        if loc and loc[-1].isdigit() and len(loc) > 2:  # person.3 -> person
            param = loc[-2]
        message = str(first.get("msg", "invalid request"))
        return _error(422, f"{param}: {message}" if param else message, param)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = _error(exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(EngineError)
    async def engine_error(_: Request, exc: EngineError) -> JSONResponse:
        return _error(503, f"search engine unavailable: {exc}")

    @app.exception_handler(Exception)
    async def anything_else(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, "internal error; the server log has the details")


def _declared_query_params(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """(path, method) -> query parameter names, read from the app's own OpenAPI
    description (public and cached by FastAPI), so what is documented is exactly
    what is accepted."""
    cached = getattr(app.state, "query_params", None)
    if cached is None:
        cached = {
            (path, method.upper()): frozenset(p["name"] for p in op.get("parameters", []) if p.get("in") == "query")
            for path, ops in app.openapi().get("paths", {}).items()
            for method, op in ops.items()
        }
        app.state.query_params = cached
    return cached


def reject_unknown_params(request: Request) -> None:
    """Unknown query parameters are an error, not silently ignored.

    A typo (``contry=Q794``) would otherwise return unfiltered results that look
    right; naming the parameter tells the user at once.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    allowed = _declared_query_params(request.app).get((route.path_format, request.method), frozenset())
    for name in request.query_params.keys():
        if name not in allowed:
            hint = f"; this endpoint takes {', '.join(sorted(allowed))}" if allowed else "; this endpoint takes none"
            raise ApiError(400, f"unknown parameter {name!r}{hint}", name)


def _filter_values_dependency() -> Any:
    """A FastAPI dependency taking every facet filter parameter of the registry
    (``person=…&person=…``, ``source=…``, ``since=…``) and returning them as a dict.

    Built from :func:`newslink.search.facets.filter_params`, so a new facet's parameters
    are accepted, validated and documented in OpenAPI without touching this module."""
    params = []
    for param in filter_params():
        if param.multiple:
            annotation: Any = Annotated[list[Value], Query(max_length=MAX_VALUES, description=param.help)]
            default: Any = []
        else:
            annotation = Annotated[str | None, Query(max_length=40, description=param.help, json_schema_extra=param.schema)]
            default = None
        params.append(inspect.Parameter(param.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))

    def filter_values(**values: Any) -> dict[str, Any]:
        return values

    filter_values.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return filter_values


FilterValues = Annotated[dict, Depends(_filter_values_dependency())]


def _facet_list(values: list[str] | None) -> tuple[str, ...]:
    """``facets`` repeated or comma-separated; absent = the default facets, empty = none."""
    if values is None:
        return DEFAULT_FACETS
    return tuple(dict.fromkeys(p.strip() for v in values for p in v.split(",") if p.strip()))


# --------------------------------------------------------------------------- app
def create_app(
    engine: Engine | None = None,
    kb: KnowledgeBase | None = None,
    *,
    cors_origins: Sequence[str] = (),
    engine_name: str | None = None,
    index: str | None = None,
    es_url: str | None = None,
    export_limit: int = EXPORT_LIMIT,
) -> FastAPI:
    """The API over ``engine`` and ``kb``; either one left out is opened on first use
    from ``engine_name``/``index``/``es_url`` and the environment (``NEWSLINK_HOME``,
    ``NEWSLINK_ENGINE``, …), exactly as the CLI opens them. ``/export`` refuses queries
    matching more than ``export_limit`` articles (the CLI's ``search --all`` has no cap)."""
    backend = Backend(engine, kb, engine_name=engine_name, index=index, es_url=es_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:  # warm up; a failure here is reported per request (503), not fatal
            backend.service()
        except Exception as exc:  # noqa: BLE001
            log.warning("newslink API starting without a working backend: %s", exc)
        yield
        backend.close()

    app = FastAPI(
        docs_url=None,  # served from the package by install_docs, not from a CDN
        redoc_url=None,
        title="newslink",
        version=__version__,
        description="Entity-linked news search: keyword search with person, country, place, organization and weapon facets "
        "linked to Wikidata. Read-only.",
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_params)],
    )
    app.state.backend = backend
    _install_error_handlers(app)
    install_docs(app)
    install_page(app)  # the search page at /, a client of the endpoints below
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET"], allow_headers=["*"])

    @app.get("/search", response_model=SearchResponse, responses=_ERRORS, tags=["search"])
    def search(
        filter_values: FilterValues,
        q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description='Keywords: "quoted phrases", -exclusions, OR.')] = "",
        match: Annotated[MatchMode, Query(description="Several values of one entity facet: any of them or all of them.")] = "any",
        sort: SortName = "relevance",
        page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW, description=f"page × size may not exceed {MAX_RESULT_WINDOW}.")] = 1,
        size: Annotated[int, Query(ge=0, le=MAX_PAGE_SIZE, description="Hits per page (0: facets only).")] = 10,
        facets: Annotated[
            list[Annotated[str, Query(max_length=100)]] | None,
            Query(
                max_length=len(COUNTABLE),
                description=f"Facets to count, repeated or comma-separated ({', '.join(COUNTABLE)}); default {','.join(DEFAULT_FACETS)}, empty for none.",
                json_schema_extra={"examples": [["person", "country"], ["person,country,source"]], "x-newslink-values": list(COUNTABLE)},
            ),
        ] = None,
        facet_size: Annotated[int, Query(ge=0, le=MAX_FACET_SIZE, description="Buckets per facet.")] = 10,
        highlight: Annotated[bool, Query(description="<b>…</b> around matches in snippet and title_html.")] = True,
        histogram: Annotated[HistogramInterval | None, Query(description="Also count articles per day/week/month/year (auto: chosen from the range).")] = None,
        unlinked: Annotated[bool, Query(description="Entity facet buckets hold only unlinked names (name:… keys, most frequent first): the names the knowledge base does not know yet. Default facets then person,org,place.")] = False,
    ) -> Any:
        """Keyword + entity-faceted search; facet counts are multi-select (each facet
        is counted with the other facets' filters applied)."""
        def run(app_: NewsLink) -> SearchResults:
            chosen = _facet_list(facets)
            query = app_.build_query(
                text=q, match=match, sort=sort, page=page, size=size,
                facets=UNLINKED_FACET_TYPES if unlinked and facets is None else chosen, unlinked=unlinked,
                facet_size=facet_size, highlight=highlight, histogram=histogram, **query_kwargs(filter_values),
            )
            return app_.search(query)

        # Validated straight from the result dataclasses and dumped by pydantic-core:
        # about 6 ms less per request than asdict() + FastAPI's generic serialization.
        return _json(SearchResponse.model_validate(run(backend.service()), from_attributes=True))

    @app.get("/entities", response_model=EntityListResponse, responses=_ERRORS, tags=["entities"])
    def complete(
        prefix: Annotated[str, Query(min_length=1, max_length=100, description="The start of any word of a name (neta, putin); a misspelt word finds the closest names.")],
        type_: Annotated[FacetType | None, Query(alias="type", description="Only entities of this facet type.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_COMPLETIONS)] = 10,
    ) -> Any:
        """Autocomplete over the words of KB labels and aliases, most popular first (a search box's suggestions)."""
        found = complete_names(backend.kb(), prefix, limit=limit, type_=type_)
        return {
            "prefix": prefix,
            "type": type_,
            "entities": [{k: e.to_dict()[k] for k in ("qid", "label", "type", "kind", "description")} for e in found],
        }

    @app.get("/entities/{name}", response_model=EntityResponse, responses={**_NOT_FOUND, **_ERRORS}, tags=["entities"])
    def entity(
        name: Annotated[str, Path(min_length=1, max_length=MAX_VALUE_CHARS, description="A Wikidata QID (Q794) or a name the KB resolves (Iran, Putin), as `newslink entity` takes.")],
        type_: Annotated[FacetType | None, Query(alias="type", description="The entity type, when a name may name several.")] = None,
    ) -> Any:
        """One KB entity and how many indexed articles are linked to it."""
        data = backend.service().entity_named(name, type_)
        if data is None:
            raise ApiError(404, f"no entity {name!r} in the knowledge base", "name")
        return data

    @app.get("/entities/{qid}/related", response_model=RelatedResponse, responses={**_NOT_FOUND, **_ERRORS}, tags=["entities"])
    def related(
        qid: Annotated[str, Path(pattern=r"^[Qq][1-9][0-9]{0,11}$", description="A Wikidata QID, e.g. Q22686.")],
        filter_values: FilterValues,
        q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="Only articles matching these keywords.")] = "",
        match: Annotated[MatchMode, Query(description="Several values of one entity facet: any of them or all of them.")] = "any",
        types: Annotated[
            list[Annotated[str, Query(max_length=100)]] | None,
            Query(max_length=len(FACET_TYPES), description=f"Entity types to list, repeated or comma-separated ({', '.join(FACET_TYPES)}); default all."),
        ] = None,
        size: Annotated[int, Query(ge=1, le=MAX_FACET_SIZE, description="Entities per type.")] = 10,
        min_count: Annotated[int, Query(ge=1, le=1_000_000, description="Articles an entity must share with this one.")] = MIN_COUNT,
    ) -> Any:
        """The entities that appear with this one in the articles of the query, per type:
        shared articles, lift and a significance score, so that what appears everywhere
        (the United States) does not top every list."""
        service = backend.service()
        entity = service.kb.entity("Q" + qid[1:])
        if entity is None:
            raise ApiError(404, f"no entity {qid} in the knowledge base", "qid")
        chosen = _facet_list(types) if types is not None else FACET_TYPES
        bad = [t for t in chosen if t not in FACET_TYPES]
        if bad:
            raise ApiError(400, f"unknown entity type {bad[0]!r} (use {', '.join(FACET_TYPES)})", "types")
        query = service.build_query(text=q, match=match, size=0, **query_kwargs(filter_values))
        return service.related(query, entity, types=chosen, size=size, min_count=min_count)

    @app.get(
        "/export",
        responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "Every match, streamed."}, **_ERRORS},
        response_class=StreamingResponse,
        tags=["search"],
    )
    def export(
        filter_values: FilterValues,
        q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description='Keywords: "quoted phrases", -exclusions, OR.')] = "",
        match: Annotated[MatchMode, Query(description="Several values of one entity facet: any of them or all of them.")] = "any",
        format: Annotated[Literal[FORMATS], Query(description="jsonl: one article a line; csv: labels and QIDs per entity type.")] = "jsonl",  # type: ignore[valid-type]  # noqa: A002
    ) -> Any:
        f"""Every article matching the query (id order) as a download, streamed; at most
        {export_limit:,} articles (400 beyond: narrow the query or use `newslink search --all`)."""
        service = backend.service()
        query = service.build_query(text=q, match=match, size=0, facets=(), **query_kwargs(filter_values))
        total, lines = service.export(query, format)
        if total > export_limit:
            raise ApiError(400, f"the query matches {total:,} articles, more than this server exports at once ({export_limit:,}); narrow it or use `newslink search --all`", "q")
        return StreamingResponse(
            lines, media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="newslink-export.{format}"', "X-Total-Count": str(total)},
        )

    @app.get("/articles/{id:path}", response_model=ArticleResponse, responses={**_NOT_FOUND, **_ERRORS}, tags=["articles"])
    def article(id: Annotated[str, Path(max_length=1000, description="The article id, as in search hits.")]) -> Any:  # noqa: A002
        """One stored article with its entity mentions (per-field character offsets), to underline them."""

        def fetch(app_: NewsLink) -> dict[str, Any] | None:
            doc = app_.engine.get(id)
            if doc is None:
                return None
            qids = [m["qid"] for m in doc.get("mentions") or [] if m.get("qid")]
            labels = {q: e.label for q, e in app_.kb.entities(qids).items()}
            return _article_view(doc, labels)

        data = fetch(backend.service())
        if data is None:
            raise ApiError(404, f"no article {id!r} in the index", "id")
        return data

    @app.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse, "description": "Engine or KB unavailable."}}, tags=["service"])
    def health() -> Any:
        """Whether the engine answers, which index it serves, how many documents, and the KB version."""
        try:
            info = backend.engine().info()
            kb_version = backend.kb().version
        except (EngineError, ApiError) as exc:
            message = exc.message if isinstance(exc, ApiError) else f"search engine unavailable: {exc}"
            body = HealthResponse(status="unavailable", error=message, **backend.describe())
            return JSONResponse(status_code=503, content=body.model_dump())
        return HealthResponse(
            status="ok",
            engine=info.get("engine"),
            index=info.get("index"),
            generation=info.get("generation"),
            documents=info.get("documents"),
            kb_version=kb_version,
        )

    return app


def _json(model: BaseModel) -> Response:
    return Response(content=model.model_dump_json(), media_type="application/json")


def _article_view(doc: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """A stored document as the API shows it: mentions renamed for clients.

    A stored mention's ``label`` is the NER label (GPE, PERSON…); clients want the
    entity's name there, so the NER label moves to ``ner_label``.
    """
    mentions = []
    for m in doc.get("mentions") or []:
        mentions.append({
            "field": m.get("field", "text"),
            "start": m.get("start", 0),
            "end": m.get("end", 0),
            "text": m.get("text", ""),
            "qid": m.get("qid"),
            "label": labels.get(m["qid"]) if m.get("qid") else None,
            "type": m.get("type"),
            "confidence": m.get("confidence"),
            "ner_label": m.get("label"),
            "method": m.get("method"),
            "unlinked": m.get("unlinked"),
        })
    return {
        "id": doc["id"],
        "title": doc.get("title") or "",
        "text": doc.get("text") or "",
        "published": doc.get("published"),
        "source": doc.get("source"),
        "url": doc.get("url"),
        "meta": doc.get("meta") or {},
        "entities": doc.get("entities") or {},
        "entity_list": doc.get("entity_list") or [],
        "mentions": mentions,
        "kb_version": doc.get("kb_version"),
    }
