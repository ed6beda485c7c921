"""Country roll-up: the country of every place a document links joins its country facet.

Why: a reader who filters on Japan wants the article about an earthquake in Tokyo
too, though it never writes "Japan". The place's country comes from the KB
(``Entity.country``: the open-data gazetteers' country, which ``kb build`` also
fills for the curated places); nothing is read off the text here.

A rolled-up country is marked in the document's entity list by ``via`` (the places
it came from) and has no mentions of its own; a country the text names as well is
a named one and gets no ``via``.
"""
from __future__ import annotations

from typing import Any, Protocol

from .kb.store import Entity


class EntityLookup(Protocol):
    """The one thing the roll-up asks of a KB (``KnowledgeBase`` and ``MemoryKB`` do it)."""

    def entity(self, qid: str) -> Entity | None: ...


def country_of(kb: EntityLookup, place_qid: str) -> Entity | None:
    """The KB country a place lies in, or None (unknown, not a KB country, or the place itself)."""
    place = kb.entity(place_qid)
    if place is None or not place.country or place.country == place_qid:
        return None
    country = kb.entity(place.country)
    return country if country is not None and country.type == "country" else None


def rolled_up_countries(entity_list: list[dict[str, Any]], kb: EntityLookup) -> list[dict[str, Any]]:
    """Entity-list rows for the countries of the linked places that the text does not
    name itself, each with ``via``: the places (QID, label) in order of first mention.
    ``first_offset`` is the first of those places', ``confidence`` the best of theirs."""
    named = {e["qid"] for e in entity_list if e.get("type") == "country"}
    derived: dict[str, dict[str, Any]] = {}
    for ent in sorted((e for e in entity_list if e.get("type") == "place"), key=lambda e: e["first_offset"]):
        country = country_of(kb, ent["qid"])
        if country is None or country.qid in named:
            continue
        row = derived.get(country.qid)
        if row is None:
            derived[country.qid] = {
                "qid": country.qid, "label": country.label, "type": "country", "count": 0,
                "first_offset": ent["first_offset"], "confidence": ent["confidence"], "via": [],
            }
        else:
            row["confidence"] = max(row["confidence"], ent["confidence"])
        derived[country.qid]["via"].append({"qid": ent["qid"], "label": ent["label"]})
    return list(derived.values())
