"""The engine-independent query model: what a user asks, validated once.

CLI and HTTP API both build a :class:`SearchQuery`; each engine translates it.
Entity filters hold QIDs only (names are resolved through the KB before this).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from newslink.indexer.dates import BadDate
from newslink.indexer.schema import FACET_TYPES

from .facets import COUNTABLE, COUNTRY_SCOPES, DEFAULT_FACETS, HISTOGRAM_CHOICES
from .datefilter import parse_bound
from .textquery import ParsedText, parse_text

SORTS = ("relevance", "newest", "oldest")
MATCH_MODES = ("any", "all")
MAX_RESULT_WINDOW = 10_000  # page * size cap, as Elasticsearch's index.max_result_window
MAX_PAGE_SIZE = 100
MAX_FACET_SIZE = 100


class QueryError(ValueError):
    """A query parameter that is out of range or malformed; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(slots=True)
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet type -> QIDs or name keys (name:…)
    match: str = "any"  # values within one facet type: any (OR) or all (AND)
    country_scope: str = "all"  # countries named or rolled up from places ("all"), or named only
    since: str | None = None
    until: str | None = None
    sources: list[str] = field(default_factory=list)
    sort: str = "relevance"
    page: int = 1
    size: int = 10
    facets: tuple[str, ...] = DEFAULT_FACETS
    facet_size: int = 10
    histogram: str | None = None  # None: no histogram; "auto" or day/week/month/year
    highlight: bool = True
    unlinked: bool = False  # entity facet buckets: only unlinked names (name:…), the to-do list of a KB
    parsed: ParsedText = field(default_factory=ParsedText, repr=False)
    notices: list[dict] = field(default_factory=list, repr=False)  # how filters were read (search.resolve)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        from .textquery import QuerySyntaxError

        try:
            self.parsed = parse_text(self.text)
        except QuerySyntaxError as exc:
            raise QueryError("q", str(exc)) from exc
        for type_ in self.filters:
            if type_ not in FACET_TYPES:
                raise QueryError(type_, f"unknown facet type (use {', '.join(FACET_TYPES)})")
        self.filters = {t: list(dict.fromkeys(v)) for t, v in self.filters.items() if v}
        for name in ("since", "until"):
            value = getattr(self, name)
            if value:
                try:
                    setattr(self, name, parse_bound(value, end=name == "until"))
                except BadDate as exc:
                    raise QueryError(name, str(exc)) from exc
        if self.since and self.until and self.since > self.until:
            raise QueryError("since", "is after 'until'")
        if self.sort not in SORTS:
            raise QueryError("sort", f"must be one of {', '.join(SORTS)}")
        if self.match not in MATCH_MODES:
            raise QueryError("match", f"must be one of {', '.join(MATCH_MODES)}")
        if self.country_scope not in COUNTRY_SCOPES:
            raise QueryError("country_scope", f"must be one of {', '.join(COUNTRY_SCOPES)}")
        if self.page < 1:
            raise QueryError("page", "must be 1 or more")
        if not 0 <= self.size <= MAX_PAGE_SIZE:
            raise QueryError("size", f"must be between 0 and {MAX_PAGE_SIZE}")
        if self.page * self.size > MAX_RESULT_WINDOW:
            raise QueryError("page", f"page x size may not exceed {MAX_RESULT_WINDOW:,}; narrow the query instead")
        bad = [f for f in self.facets if f not in COUNTABLE]
        if bad:
            raise QueryError("facets", f"unknown facet type {bad[0]!r} (use {', '.join(COUNTABLE)})")
        if self.histogram is not None and self.histogram not in HISTOGRAM_CHOICES:
            raise QueryError("histogram", f"must be one of {', '.join(HISTOGRAM_CHOICES)}")
        if not 0 <= self.facet_size <= MAX_FACET_SIZE:
            raise QueryError("facet_size", f"must be between 0 and {MAX_FACET_SIZE}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def filters_except(self, facet: str) -> dict[str, list[str]]:
        """Multi-select counting: a facet is counted with the *other* facets' filters.

        In ``all`` mode a facet's own filter narrows its counts too (drill-down).
        """
        if self.match == "all":
            return dict(self.filters)
        return {t: v for t, v in self.filters.items() if t != facet}

    def to_dict(self) -> dict:
        out = {
            "q": self.text,
            "filters": self.filters,
            "match": self.match,
            "since": self.since,
            "until": self.until,
            "sources": self.sources,
            "sort": self.sort,
            "page": self.page,
            "size": self.size,
            "facets": list(self.facets),
            "facet_size": self.facet_size,
        }
        if self.histogram:
            out["histogram"] = self.histogram
        if self.country_scope != "all":
            out["country_scope"] = self.country_scope
        if self.unlinked:
            out["unlinked"] = True
        out["notices"] = self.notices
        return out
