"""Where an entity is, read off its KB description.

Wikidata writes an entity's country and region into its description ("city in
Georgia, United States", "capital of Georgia", "Prime Minister of Israel",
"American daily newspaper"). Reading the country and place names there, with the
KB itself as the gazetteer, gives every entity a small geography that coherence
and the "City, State" rule compare — without a second data source.

Results depend only on the KB, so they are cached for the life of the object
(one per linker, shared by all the documents it links).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..kb.store import Candidate, Entity
from ..schema import GEO_TYPES
from .kb import KB

_DESC_TOKEN = re.compile(r"[A-Z][\w.'’-]*|[a-z][\w'’-]*|,|\(|\)")
# Longest place name looked for in a description, in tokens.
MAX_NAME_TOKENS = 5


# Kinds of place that are towns and cities (a dateline names one: where a newsroom files from).
CITY_KINDS = frozenset({"city", "capital", "big_city", "metropolis", "town", "settlement", "municipality"})


def place_level(e: Entity) -> str | None:
    """"city" or "region" (a first-level region of a country: a province, a state),
    the level at which news lists places; None for anything else."""
    if e.type != "place":
        return None
    if e.kind in CITY_KINDS or e.kind == "admin1_capital":
        return "city"
    return "region" if e.country and not e.admin1 else None


@dataclass(slots=True, frozen=True)
class Geo:
    countries: frozenset[str]
    places: frozenset[str]


class Geography:
    """Countries and places of KB entities, cached per (QID, depth)."""

    def __init__(self, kb: KB) -> None:
        self.kb = kb
        self._cache: dict[tuple[str, int], Geo] = {}

    def of(self, qid: str, depth: int = 1) -> Geo:
        """Countries and places an entity belongs to, read off its description.
        ``depth`` bounds the look-ups through the places named there."""
        key = (qid, depth)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        ent = self.kb.entity(qid)
        countries: set[str] = set()
        places: set[str] = set()
        if ent is not None:
            if ent.type == "country":
                countries.add(qid)
            # The KB's own columns (filled from the open data) before what the description says.
            if ent.country and ent.type != "country":
                countries.add(ent.country)
            if ent.admin1:
                places.add(ent.admin1)
            ambiguous = []
            for group in self.description_names(ent.description):
                qids = {c.entity.qid for c in group} - {qid}
                if len(qids) == 1:
                    c = next(c for c in group if c.entity.qid in qids)
                    (countries if c.entity.type == "country" else places).add(c.entity.qid)
                elif qids:
                    ambiguous.append([c for c in group if c.entity.qid != qid])
            for group in ambiguous:
                in_countries = [c for c in group if c.entity.type == "country"]
                fitting = []
                if depth > 0:
                    fitting = [c for c in group if c.entity.type == "place" and self.of(c.entity.qid, depth - 1).countries & countries]
                if len(fitting) > 1:  # "Washington" in "city in Washington, United States": the state
                    fitting = [c for c in fitting if c.alias_kind == "label"]
                if len(fitting) == 1:
                    places.add(fitting[0].entity.qid)
                elif len(in_countries) == 1 and not countries:
                    countries.add(in_countries[0].entity.qid)
            if ent.type == "place" and not countries:
                for p in places:
                    countries |= self.of(p, 0).countries if depth > 0 else set()
        geo = Geo(frozenset(countries), frozenset(places))
        self._cache[key] = geo
        return geo

    def description_names(self, description: str) -> list[list[Candidate]]:
        """Country/place names in a description, longest match first."""
        tokens = _DESC_TOKEN.findall(description)
        out: list[list[Candidate]] = []
        i = 0
        while i < len(tokens):
            if not tokens[i][:1].isupper():
                i += 1
                continue
            for n in range(min(MAX_NAME_TOKENS, len(tokens) - i), 0, -1):
                if not tokens[i + n - 1][:1].isupper():
                    continue
                phrase = " ".join(tokens[i : i + n])
                found = [
                    c
                    for c in self.kb.candidates(phrase)
                    if c.entity.type in GEO_TYPES and c.alias_kind in ("label", "alias", "demonym")
                ]
                if found:
                    out.append(found)
                    i += n
                    break
            else:
                i += 1
        return out
