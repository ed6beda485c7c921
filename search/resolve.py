"""What a user typed as a filter -> what the engine filters on, said out loud.

A filter that silently finds nothing looks like an answer. So:

- a QID of another type (``--country Q7747``, Putin) is an error naming its real
  type; a QID the KB does not know is kept (an online lookup may have linked it)
  with a warning;
- a name the KB does not know is the unlinked name it normalises to
  (``--person "Ben Chavis"`` -> ``name:ben-chavis``) when the index holds it, and
  an error otherwise; a name the KB knows is its QID, with a note when the index
  also holds the name unlinked (articles a reindex has not re-linked yet, or that
  the linker could not tie to the entity); a key typed as such (``name:…``) is kept;
- a name several entities bear (``--place Washington``, ``--person Clinton``)
  picks one and says which, with the others; when their priors are close (the
  runner-up has at least ``CLOSE_PRIOR`` of the leader's popularity) the one
  the *index* mentions most wins, since that is what the user is searching;
- a source matches without regard to case (``tass`` finds ``TASS``); an unknown
  one is kept with a warning naming the command that lists them;
- a ``name:`` prefix in the text that is not a field (``country:Iran``) is
  searched as words, with a warning pointing at the filter.

Each decision is a :class:`Notice`: the CLI prints it on stderr, the API returns
it in ``query.notices``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from newslink.indexer.kb import Candidate, Entity, KnowledgeBase
from newslink.indexer.linking.unlinked import key_for
from newslink.indexer.schema import UNLINKED_FACET_TYPES, is_name_key, parse_qid

from .engines import Engine
from .facets import FACETS
from .query import QueryError, SearchQuery

CLOSE_PRIOR = 0.5
ALIAS_ORDER = ("label", "alias", "demonym", "surname")  # the KB's alias kinds, strongest first
MAX_OTHERS = 5
MAX_SOURCES = 10_000  # sources listed to match case-insensitively


@dataclass(slots=True)
class Notice:
    """One thing the user should know about how a filter was read."""

    level: str  # "note" (a choice was made) or "warning" (the filter may find nothing)
    param: str
    value: str
    message: str
    qid: str | None = None
    others: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FilterResolver:
    """Resolves the entity and source filters of one query, collecting notices."""

    def __init__(self, engine: Engine, kb: KnowledgeBase) -> None:
        self.engine = engine
        self.kb = kb
        self.notices: list[Notice] = []
        self._sources: list[str] | None = None

    # -- entities -------------------------------------------------------------------
    def entities(self, facet: str, values: list[str]) -> list[str]:
        """QIDs for what a user typed under ``facet`` (QIDs checked, names resolved)."""
        qids = []
        for value in (v.strip() for v in values):
            if value:
                qid = parse_qid(value)
                if qid:
                    qids.append(self._qid(facet, qid))
                elif is_name_key(value):
                    qids.append(value)  # an unlinked name's key, as facet buckets give it
                else:
                    qids.append(self._name(facet, value))
        return qids

    def _qid(self, facet: str, qid: str) -> str:
        entity = self.kb.entity(qid)
        if entity is None:
            self.notices.append(Notice("warning", facet, qid, f"{qid} is not in the knowledge base: only articles linked to it online can match", qid))
        elif entity.type != facet:
            raise QueryError(facet, f"{qid} is {entity.label}, a {entity.type}, not a {facet}: filter on it as a {entity.type}")
        return qid

    def _name(self, facet: str, name: str) -> str:
        found = self._candidates(facet, name)
        key = key_for(facet, name) if facet in UNLINKED_FACET_TYPES else None
        unlinked = self.engine.count_entity(facet, key) if key else 0
        if not found:
            if unlinked:
                return key  # type: ignore[return-value]
            raise QueryError(facet, f"no {facet} called {name!r} in the knowledge base or among the index's unlinked names (try `newslink kb lookup {name}`)")
        chosen, articles = self._choose(facet, found)
        if unlinked:
            self.notices.append(Notice(
                "note", facet, name,
                f"{facet} {name!r} is taken as {chosen.label} ({chosen.qid}); {unlinked:,} articles also name it unlinked "
                f"({key}): filter on {key} for those, or run `newslink reindex` if the KB learnt it since they were indexed",
                chosen.qid,
            ))
        others = [c.entity for c in found if c.entity.qid != chosen.qid][:MAX_OTHERS]
        if others:
            def describe(e: Entity) -> str:
                count = f", {articles[e.qid]:,} articles" if e.qid in articles else ""
                return f"{e.label} ({e.qid}{count})"

            self.notices.append(Notice(
                "note", facet, name,
                f"{facet} {name!r} is taken as {describe(chosen)}"
                + (f", {chosen.description}" if chosen.description else "")
                + f"; it may also be {', '.join(describe(e) for e in others)}: give a QID to choose",
                chosen.qid,
                [{"qid": e.qid, "label": e.label, "description": e.description} for e in others],
            ))
        return chosen.qid

    def _candidates(self, facet: str, name: str) -> list[Candidate]:
        """The KB's candidates of the facet's type, as ``KnowledgeBase.resolve`` picks
        them (a country may be typed where a place is meant and back; surnames only
        when nothing else names it), strongest alias first."""
        every = self.kb.candidates(name)
        found = [c for c in every if c.entity.type == facet]
        if not found and facet in ("country", "place"):
            other = "place" if facet == "country" else "country"
            found = [c for c in every if c.entity.type == other]
        found = [c for c in found if c.alias_kind != "surname"] or found
        return sorted(found, key=lambda c: (_kind_rank(c.alias_kind), -c.entity.popularity))

    def _choose(self, facet: str, found: list[Candidate]) -> tuple[Entity, dict[str, int]]:
        """The KB's first choice, unless a candidate with a close prior is mentioned
        by more indexed articles. Returns it and the article counts looked at."""
        first = found[0].entity
        top = max(c.entity.popularity for c in found)
        close = [c.entity for c in found if top <= 0 or c.entity.popularity >= CLOSE_PRIOR * top]
        if len(close) < 2:
            return first, {}
        articles = {e.qid: self.engine.count_entity(e.type, e.qid) for e in close}
        best = max(close, key=lambda e: (articles[e.qid], e.qid == first.qid))
        return (best if articles[best.qid] > articles.get(first.qid, 0) else first), articles

    # -- sources ----------------------------------------------------------------------
    def sources(self, values: list[str]) -> list[str]:
        """Every indexed spelling of each source, matched without regard to case."""
        out: list[str] = []
        for value in (v.strip() for v in values):
            if not value:
                continue
            same = [s for s in self.known_sources() if s.casefold() == value.casefold()]
            if not same:
                self.notices.append(Notice("warning", "source", value, f"no source called {value!r} in the index (`newslink sources` lists them)"))
            out.extend(s for s in (same or [value]) if s not in out)
        return out

    def known_sources(self) -> list[str]:
        if self._sources is None:
            self._sources = [name for name, _ in list_sources(self.engine)]
        return self._sources


def field_notices(query: SearchQuery) -> list[Notice]:
    """A warning per ``name:`` prefix of the query text that is not a field
    (``country:Iran`` is searched as words; the country filter is what was meant)."""
    out = []
    for name in query.parsed.unknown_fields:
        hint = f"; to filter on it use the {name} filter (--{name})" if name in FACETS else ""
        out.append(Notice("warning", "q", f"{name}:", f"{name}: is not a field (title: and text: are), so it was searched as words{hint}"))
    return out


def list_sources(engine: Engine, query: SearchQuery | None = None) -> list[tuple[str, int]]:
    """Every source (of the index, or of ``query``'s hits) with its article count, most first."""
    counting = query or SearchQuery(size=0)
    counting.size, counting.facets, counting.facet_size = 0, ("source",), MAX_SOURCES  # past a user's cap: list them all
    return list(engine.search(counting).facets.get("source", []))


def _kind_rank(kind: str) -> int:
    return ALIAS_ORDER.index(kind) if kind in ALIAS_ORDER else len(ALIAS_ORDER)
