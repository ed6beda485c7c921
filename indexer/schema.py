"""What every layer agrees on: the facet types, which of them are places, what a
QID looks like, and the shape of a document's entities.

It lives apart from the KB store so that the engines, the query model and the API
can name a facet type or check a QID without importing SQLite code, and so that
one definition serves all of them (``GEO_TYPES`` and the QID check used to be
written out in several modules).
"""
from __future__ import annotations

import re
from typing import NotRequired, TypedDict

FACET_TYPES: tuple[str, ...] = ("person", "country", "place", "org", "weapon")
# A document's ``entities.country`` holds the countries it names *and* the countries of
# the places it links (Tokyo -> Japan: the roll-up, ``indexer/rollup.py``), so a country
# filter finds the article about Tokyo; ``entities.country_named`` holds only the ones
# the text names, for a filter that wants exactly those (``--country-scope named``).
COUNTRY_NAMED = "country_named"
# Every key of a document's ``entities``: the facet types plus the named-only countries.
ENTITY_FIELDS: tuple[str, ...] = (*FACET_TYPES, COUNTRY_NAMED)
# Facet types that are places on a map: a country and a city are both "where".
GEO_TYPES: frozenset[str] = frozenset({"country", "place"})

QID_PATTERN = re.compile(r"Q[1-9][0-9]*")
# An unlinked entity's facet value: a name the KB does not know, normalised
# ("name:ben-chavis"; ``indexer/linking/unlinked.py``). It sits in the same facet
# fields as QIDs, so both engines count and filter it with no change.
NAME_PREFIX = "name:"
NAME_KEY_PATTERN = re.compile(r"name:[a-z0-9]+(?:-[a-z0-9]+)*")
# The facet types an unlinked name can have (no unknown country; weapons stay KB-only).
UNLINKED_FACET_TYPES: tuple[str, ...] = ("person", "org", "place")


def is_qid(value: str) -> bool:
    """A QID as stored: "Q794"; never "q794", "Q0", "Q7a" or "Iran"."""
    return bool(QID_PATTERN.fullmatch(value))


def parse_qid(text: str) -> str | None:
    """A QID as a user may type it ("q794 ", "Q794") in its stored spelling, or None."""
    text = text.strip()
    return "Q" + text[1:] if text[:1] in "Qq" and text[1:].isdigit() else None


def is_name_key(value: str) -> bool:
    """An unlinked entity's value as stored: "name:ben-chavis"."""
    return bool(NAME_KEY_PATTERN.fullmatch(value))


class Via(TypedDict):
    """A linked place a derived country came from."""

    qid: str
    label: str | None


class DocumentEntity(TypedDict):
    """One entity of a document's ``entity_list`` (what a hit displays)."""

    qid: str
    label: str | None
    type: str | None
    count: int  # mentions in the text (0 for a derived country)
    first_offset: int
    confidence: float
    # Only on a country the text does not name but a linked place lies in: those places
    # ("Japan, via Tokyo"). A country the text names has no ``via``.
    via: NotRequired[list[Via]]
    unlinked: NotRequired[bool]  # True: ``qid`` is a name key ("name:ben-chavis"), no KB entity
