"""Facets: one object per facet, shared by both engines, the service, the CLI and the API.

Modelled on elasticsearch-dsl's ``FacetedSearch`` (a facet knows its aggregation,
``get_aggregation``; the filter its selected values make, ``add_filter``; and how to read
its buckets back, ``get_values``) and on Aleph's facet classes (labels for a whole
page of buckets are resolved in one batch: ``expand`` names what to look up, ``label``
reads the answer). Adding a facet means adding one object to :data:`FACETS`; the engines
compile its engine-neutral :class:`Clause` s and aggregation, the service labels its
buckets, and the CLI options and API parameters are built from :attr:`Facet.params`.

Multi-select counting (elasticsearch-dsl's model): hits get every facet's filter; each
facet is counted with every *other* facet's filter, so selecting Iran still shows how
many articles every other country has. An entity facet in ``all`` mode keeps its own
filter too (drill-down: "which countries appear with *both* of these?").

Values are plain strings: QIDs, and the unlinked-name values (``name:<key>``, names the KB
does not know) beside them in the same fields; ``expand`` only asks the KB about QIDs,
the service labels name keys from the documents (``search/unlinked.py``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from newslink.indexer.schema import COUNTRY_NAMED, FACET_TYPES, NAME_PREFIX

if TYPE_CHECKING:  # pragma: no cover
    from .query import SearchQuery

QID = re.compile(r"^Q[1-9][0-9]*$")
INTERVALS = ("day", "week", "month", "year")
HISTOGRAM_CHOICES = ("auto", *INTERVALS)
# Which countries a country filter and the country facet see: ``all`` = the ones the text
# names and the ones its places lie in (the roll-up, ``indexer/rollup.py``); ``named`` = only
# the ones the text names.
COUNTRY_SCOPES = ("all", "named")


# ---------------------------------------------------------------------------- neutral clauses
@dataclass(frozen=True, slots=True)
class Terms:
    """Documents whose ``field`` holds any of ``values``."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Range:
    """Documents whose date ``field`` lies in [gte, lte] (ISO 8601 strings; None = open)."""

    field: str
    gte: str | None
    lte: str | None


Clause = Terms | Range


@dataclass(frozen=True, slots=True)
class Param:
    """One user-facing filter parameter: ``--person`` / ``person=`` and where its values go."""

    name: str  # CLI option --name, API query parameter name
    help: str
    multiple: bool = True
    metavar: str = "VALUE"
    # What the OpenAPI schema says a value looks like (documented, not enforced there:
    # a bad value gets the search layer's own 400 with its message).
    schema: dict | None = None
    choices: tuple[str, ...] = ()  # the only values a single-valued parameter takes (CLI: a click.Choice)

    @property
    def option(self) -> str:
        """The CLI option: ``--country-scope`` for the API's ``country_scope``."""
        return "--" + self.name.replace("_", "-")


# A date filter as the API documents it. Examples, not a pattern: the filter also
# reads "Feb 2017" and Unix timestamps, and refuses what it cannot read with a 400
# that says why; a pattern narrower than that would document a different API.
DATE_SCHEMA = {
    "examples": ["2017", "2017-02", "2017-02-07", "2017-02-07T09:30:00Z", "Feb 2017"],
    "x-newslink-format": "YYYY | YYYY-MM | YYYY-MM-DD | ISO 8601 | a Unix timestamp; a year or month is its whole span",
}


# ---------------------------------------------------------------------------- facets
class Facet:
    """A filterable, countable dimension of the articles.

    ``field`` is the logical field (the Elasticsearch name; the tantivy compiler maps it to
    its own). Subclasses say which values a query selects, the clauses they make, the
    aggregation that counts them and how a bucket is labelled.
    """

    name: str
    field: str
    params: tuple[Param, ...] = ()
    countable = True  # may be listed in SearchQuery.facets

    def selected(self, query: SearchQuery) -> list[str]:
        """The values a query selected (what ``add_filter`` filters on)."""
        return []

    def field_of(self, query: SearchQuery) -> str:
        """The field this query filters and counts on (the country facet's depends on its scope)."""
        return self.field

    def query_kwargs(self, values: dict[str, Any]) -> dict[str, Any]:
        """``NewsLink.build_query`` keyword arguments from this facet's parameter values."""
        return {p.name: values.get(p.name) for p in self.params}

    def add_filter(self, query: SearchQuery) -> list[Clause]:
        """The clauses the selected values add to the hits (none when nothing is selected)."""
        values = self.selected(query)
        return [Terms(self.field_of(query), tuple(values))] if values else []

    def keeps_own_filter(self, query: SearchQuery) -> bool:
        """Whether this facet's own filter narrows its counts (False = multi-select)."""
        return False

    def get_aggregation(self, query: SearchQuery, size: int) -> dict[str, Any]:
        """The aggregations counting this facet, Elasticsearch-style JSON over ``field``
        (tantivy's aggregation language is the same for terms and date histograms)."""
        field_ = self.field_of(query)
        inner: dict[str, Any] = {"top": {"terms": {"field": field_, "size": size}}}
        selected = self.selected(query)
        if selected:  # a selected value is always shown, even outside the top buckets
            inner["selected"] = {"terms": {"field": field_, "include": list(selected), "size": len(selected)}}
        return inner

    def get_values(self, result: dict[str, Any], query: SearchQuery) -> list[tuple[str, int]]:
        """(value, count) pairs from the answer to ``get_aggregation``: top buckets by count
        then value, then any selected value not among them (with its count, maybe 0)."""
        buckets = [(str(b["key"]), int(b["doc_count"])) for b in (result.get("top") or {}).get("buckets", [])]
        buckets.sort(key=lambda kv: (-kv[1], kv[0]))
        present = {k for k, _ in buckets}
        chosen = {str(b["key"]): int(b["doc_count"]) for b in (result.get("selected") or {}).get("buckets", [])}
        buckets += [(s, chosen.get(s, 0)) for s in self.selected(query) if s not in present]
        return buckets

    def expand(self, keys: list[str]) -> set[str]:
        """The QIDs whose KB labels ``label`` needs (one KB call for a whole answer)."""
        return set()

    def label(self, key: str, entities: dict[str, Any]) -> str:
        return key


class EntityFacet(Facet):
    """Articles linked to Wikidata entities of one type (person, country, …)."""

    def __init__(self, type_: str) -> None:
        self.name = type_
        self.field = f"entities.{type_}"
        self.params = (Param(type_, f"Only articles mentioning this {type_} (repeatable).", metavar="QID|NAME"),)

    def selected(self, query: SearchQuery) -> list[str]:
        return list(query.filters.get(self.name) or [])

    def query_kwargs(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"entity_values": {self.name: list(values.get(self.name) or [])}}  # names -> QIDs in the service

    def add_filter(self, query: SearchQuery) -> list[Clause]:
        values = self.selected(query)
        field_ = self.field_of(query)
        if query.match == "all":
            return [Terms(field_, (v,)) for v in values]
        return [Terms(field_, tuple(values))] if values else []

    def keeps_own_filter(self, query: SearchQuery) -> bool:
        return query.match == "all"

    def get_aggregation(self, query: SearchQuery, size: int) -> dict[str, Any]:
        inner = super().get_aggregation(query, size)
        if query.unlinked:  # only the names the KB does not know (selected values still shown)
            inner["top"]["terms"]["include"] = UNLINKED_VALUES
        return inner

    def expand(self, keys: list[str]) -> set[str]:
        return {k for k in keys if QID.match(k)}

    def label(self, key: str, entities: dict[str, Any]) -> str:
        entity = entities.get(key)
        if entity is not None:
            return entity.label
        return key if QID.match(key) else (key.partition(":")[2] or key)  # name:<key> -> <key>


class CountryFacet(EntityFacet):
    """Countries: those the text names plus those its linked places lie in (Tokyo -> Japan),
    or with ``country_scope=named`` only those the text names. Filter and counts use the
    same field, so the facet counts what the filter finds."""

    def __init__(self) -> None:
        super().__init__("country")
        self.params += (Param(
            "country_scope",
            "Which countries the country filter and facet see: 'all' (default) = those the text names "
            "and those a place it names lies in (Tokyo -> Japan); 'named' = only those the text names.",
            multiple=False, metavar="|".join(COUNTRY_SCOPES), choices=COUNTRY_SCOPES,
            schema={"enum": list(COUNTRY_SCOPES), "default": COUNTRY_SCOPES[0]},
        ),)

    def field_of(self, query: SearchQuery) -> str:
        return f"entities.{COUNTRY_NAMED}" if query.country_scope == "named" else self.field

    def query_kwargs(self, values: dict[str, Any]) -> dict[str, Any]:
        return {**super().query_kwargs(values), "country_scope": values.get("country_scope") or COUNTRY_SCOPES[0]}


# The terms-aggregation ``include`` regex of unlinked values (tantivy and Elasticsearch alike).
UNLINKED_VALUES = NAME_PREFIX + ".*"


class SourceFacet(Facet):
    """The outlet an article came from; one per article, so always any-of."""

    name = "source"
    field = "source"
    params = (Param("source", "Only this source/outlet (repeatable).", metavar="NAME"),)

    def selected(self, query: SearchQuery) -> list[str]:
        return list(query.sources)

    def query_kwargs(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"sources": list(values.get("source") or [])}


class DateHistogramFacet(Facet):
    """Articles per day/week/month/year of ``published``; ``since``/``until`` select a range.

    Both engines count whole days (a ``date_histogram`` with a fixed one-day interval, UTC),
    and the calendar roll-up to weeks (ISO, from Monday), months and years happens here,
    so the engines cannot disagree on where a week starts. Multi-select: the histogram is
    counted without its own date range, so the selected stretch is shown in context.
    """

    name = "published"
    field = "published"
    countable = False  # asked for with SearchQuery.histogram, not in SearchQuery.facets
    params = (
        Param("since", "Published on or after: YYYY, YYYY-MM, YYYY-MM-DD or ISO 8601 (a year or month from its first day).", multiple=False, metavar="DATE", schema=DATE_SCHEMA),
        Param("until", "Published on or before: YYYY, YYYY-MM, YYYY-MM-DD or ISO 8601 (a year, month or day to its last second).", multiple=False, metavar="DATE", schema=DATE_SCHEMA),
    )

    def add_filter(self, query: SearchQuery) -> list[Clause]:
        return [Range(self.field, query.since, query.until)] if (query.since or query.until) else []

    def get_aggregation(self, query: SearchQuery, size: int) -> dict[str, Any]:
        return {"days": {"date_histogram": {"field": self.field, "fixed_interval": "1d", "min_doc_count": 1}}}

    def get_values(self, result: dict[str, Any], query: SearchQuery) -> list[tuple[str, int]]:
        """(YYYY-MM-DD, count) per non-empty day, oldest first."""
        out = []
        for b in (result.get("days") or {}).get("buckets", []):
            if int(b["doc_count"]):
                day = datetime.fromtimestamp(float(b["key"]) / 1000, tz=timezone.utc).date()
                out.append((day.isoformat(), int(b["doc_count"])))
        return sorted(out)


# ---------------------------------------------------------------------------- histogram roll-up
def period_start(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def next_period(start: date, interval: str) -> date:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


def period_label(start: date, interval: str) -> str:
    if interval == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if interval == "month":
        return start.strftime("%Y-%m")
    if interval == "year":
        return str(start.year)
    return start.isoformat()


def auto_interval(first: date, last: date) -> str:
    """About 10-60 bars: days up to two months, weeks up to a year, months up to five years."""
    span = (last - first).days
    if span <= 62:
        return "day"
    if span <= 366:
        return "week"
    if span <= 5 * 366:
        return "month"
    return "year"


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


@dataclass(slots=True)
class HistogramBucket:
    key: str  # the first day of the period, YYYY-MM-DD
    label: str
    count: int
    selected: bool = False


@dataclass(slots=True)
class Histogram:
    interval: str
    buckets: list[HistogramBucket] = field(default_factory=list)


MAX_PERIODS = 5000  # more bars than that and the interval is coarsened (the answer's interval says so)


def period_count(first: date, last: date, interval: str) -> int:
    """How many bars a chart from ``first``'s period to ``last``'s has, both ends included (a
    span of days / period length was one short: 5,000 days apart are 5,001 day bars)."""
    lo, hi = period_start(first, interval), period_start(last, interval)
    if interval == "month":
        return (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    if interval == "year":
        return hi.year - lo.year + 1
    return (hi - lo).days // (7 if interval == "week" else 1) + 1


def roll_up(days: list[tuple[str, int]], interval: str, since: str | None = None, until: str | None = None) -> Histogram:
    """Day counts (sorted) -> one bucket per period from the first to the last non-empty
    one (empty periods in between included, so a chart's gaps are real). An interval
    that would need more than ``MAX_PERIODS`` buckets is coarsened."""
    if interval == "auto":
        lo, hi = _day(since), _day(until)
        if not (lo and hi) and days:
            lo, hi = lo or date.fromisoformat(days[0][0]), hi or date.fromisoformat(days[-1][0])
        interval = auto_interval(lo, hi) if lo and hi else "day"
    if days:  # a few far-flung dates must not make a day chart of 200,000 empty bars
        first, last = date.fromisoformat(days[0][0]), date.fromisoformat(days[-1][0])
        while interval != "year" and period_count(first, last, interval) > MAX_PERIODS:
            interval = INTERVALS[INTERVALS.index(interval) + 1]
    counts: dict[date, int] = {}
    for day, n in days:
        start = period_start(date.fromisoformat(day), interval)
        counts[start] = counts.get(start, 0) + n
    hist = Histogram(interval)
    if not counts:
        return hist
    lo_sel, hi_sel = _day(since), _day(until)
    start, last = min(counts), max(counts)
    while start <= last:
        end = next_period(start, interval) - timedelta(days=1)
        chosen = bool(lo_sel or hi_sel) and (lo_sel is None or end >= lo_sel) and (hi_sel is None or start <= hi_sel)
        hist.buckets.append(HistogramBucket(start.isoformat(), period_label(start, interval), counts.get(start, 0), chosen))
        start = next_period(start, interval)
    return hist


# ---------------------------------------------------------------------------- registry
ENTITY_FACETS: dict[str, EntityFacet] = {t: CountryFacet() if t == "country" else EntityFacet(t) for t in FACET_TYPES}
SOURCE = SourceFacet()
PUBLISHED = DateHistogramFacet()
FACETS: dict[str, Facet] = {**ENTITY_FACETS, SOURCE.name: SOURCE, PUBLISHED.name: PUBLISHED}
COUNTABLE: tuple[str, ...] = tuple(name for name, f in FACETS.items() if f.countable)
DEFAULT_FACETS: tuple[str, ...] = FACET_TYPES  # what a search counts unless told otherwise


def hit_filters(query: SearchQuery) -> list[Clause]:
    """Every facet's filter: what the hits (and the total) must match."""
    return [c for f in FACETS.values() for c in f.add_filter(query)]


def count_filters(query: SearchQuery, facet: Facet) -> list[Clause]:
    """What ``facet`` is counted with: every other facet's filter, its own only in drill-down."""
    return [c for f in FACETS.values() if f is not facet or f.keeps_own_filter(query) for c in f.add_filter(query)]


@dataclass(slots=True)
class Count:
    """One facet to count: its filters and aggregation (what an engine executes)."""

    facet: Facet
    filters: list[Clause]
    aggs: dict[str, Any]


def counts(query: SearchQuery) -> list[Count]:
    """The facet counts a query asks for (its ``facets`` and its histogram)."""
    out = []
    if query.facet_size:
        for name in query.facets:
            facet = FACETS[name]
            out.append(Count(facet, count_filters(query, facet), facet.get_aggregation(query, query.facet_size)))
    if query.histogram:
        out.append(Count(PUBLISHED, count_filters(query, PUBLISHED), PUBLISHED.get_aggregation(query, 0)))
    return out


def filter_params() -> list[Param]:
    """Every filter parameter of every facet, in registry order (CLI options, API parameters)."""
    return [p for f in FACETS.values() for p in f.params]


def query_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    """Filter parameter values (``{"person": [...], "since": ..., "source": [...]}``) ->
    ``NewsLink.build_query`` keyword arguments, each facet reading its own parameters."""
    out: dict[str, Any] = {"entity_values": {}}
    for facet in FACETS.values():
        for key, value in facet.query_kwargs(values).items():
            if key == "entity_values":
                out["entity_values"].update(value)
            else:
                out[key] = value
    return out
