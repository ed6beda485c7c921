"""Wikidata entities -> KB records: which classes newslink facets, and how one
entity (from a dump line, the ``wbgetentities`` API or a SPARQL answer) becomes an
``EntityRecord``. Shared by the dump import, the SPARQL import and the online
look-up, none of which imports another.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..schema import FACET_TYPES
from .build import EntityRecord

# Class QID -> (facet type, kind). Roots first; P279 expansion finds the rest.
CLASSES: dict[str, tuple[str, str]] = {
    # people
    "Q5": ("person", "human"),
    # countries
    "Q6256": ("country", "country"),
    "Q3624078": ("country", "sovereign_state"),
    "Q3024240": ("country", "historical_country"),
    "Q15634554": ("country", "state_with_limited_recognition"),
    # places
    "Q515": ("place", "city"),
    "Q1549591": ("place", "big_city"),
    "Q5119": ("place", "capital"),
    "Q1637706": ("place", "city"),
    "Q200250": ("place", "metropolis"),
    "Q1093829": ("place", "city"),
    "Q486972": ("place", "settlement"),
    "Q3957": ("place", "town"),
    "Q532": ("place", "village"),
    "Q15284": ("place", "municipality"),
    "Q35657": ("place", "us_state"),
    "Q10864048": ("place", "region"),
    "Q56061": ("place", "admin_area"),
    "Q82794": ("place", "region"),
    "Q1620908": ("place", "historical_region"),
    "Q5107": ("place", "continent"),
    "Q23442": ("place", "island"),
    "Q8502": ("place", "mountain"),
    "Q4022": ("place", "river"),
    "Q165": ("place", "sea"),
    "Q23397": ("place", "lake"),
    # organisations
    "Q43229": ("org", "organization"),
    "Q4830453": ("org", "company"),
    "Q783794": ("org", "company"),
    "Q891723": ("org", "company"),
    "Q6881511": ("org", "company"),
    "Q7278": ("org", "party"),
    "Q327333": ("org", "agency"),
    "Q484652": ("org", "international_org"),
    "Q245065": ("org", "international_org"),
    "Q17149090": ("org", "armed_group"),
    "Q176799": ("org", "armed_forces"),
    "Q163740": ("org", "nonprofit"),
    "Q3918": ("org", "university"),
    "Q11032": ("org", "media"),
    "Q1331793": ("org", "media"),
    "Q7210356": ("org", "political_org"),
    "Q2659904": ("org", "government_org"),
    # weapons
    "Q728": ("weapon", "weapon"),
    "Q15142894": ("weapon", "weapon_model"),
    "Q15142889": ("weapon", "weapon_family"),
    "Q484000": ("weapon", "drone"),
    "Q12876": ("weapon", "tank"),
    "Q15056995": ("weapon", "aircraft_model"),
}
# When an item is an instance of classes of several types.
TYPE_PRIORITY = ("person", "country", "weapon", "org", "place")


# --------------------------------------------------------------------------- classes
def read_classes(path: str | Path) -> dict[str, tuple[str, str]]:
    """A class list: ``qid<TAB>type[<TAB>kind]`` per line, ``#`` comments."""
    out: dict[str, tuple[str, str]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            qid = cells[0].strip().rsplit("/", 1)[-1]
            if not qid.startswith("Q") or len(cells) < 2 or cells[1].strip() not in FACET_TYPES:
                raise ValueError(f"{path}:{number}: expected 'QID<TAB>type[<TAB>kind]' with a type in {FACET_TYPES}")
            out[qid] = (cells[1].strip(), cells[2].strip() if len(cells) > 2 else cells[1].strip())
    return out


def classes_digest(classes: dict[str, tuple[str, str]]) -> str:
    return hashlib.sha1(json.dumps(sorted(classes.items())).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- one entity
def claim_ids(entity: dict[str, Any], prop: str) -> list[str]:
    """Item ids of a property's non-deprecated statements."""
    out = []
    for statement in (entity.get("claims") or {}).get(prop, []) or []:
        if statement.get("rank") == "deprecated":
            continue
        snak = statement.get("mainsnak") or {}
        value = (snak.get("datavalue") or {}).get("value")
        if isinstance(value, dict):
            qid = value.get("id") or (f"Q{value['numeric-id']}" if "numeric-id" in value else None)
            if qid:
                out.append(qid)
    return out


def text_in(block: dict[str, Any] | None, lang: str) -> str:
    value = (block or {}).get(lang)
    return value.get("value", "").strip() if isinstance(value, dict) else ""


def good_alias(alias: str, label: str) -> bool:
    if not alias or alias == label or len(alias) > 80:
        return False
    if not any(ch.isalpha() for ch in alias):  # flags, codes of digits
        return False
    letters = [ch for ch in alias if ch.isalpha()]
    if len(letters) <= 2 and alias.isupper():  # "PT", "US": ISO codes collide with words
        return False
    return True


def entity_record(
    entity: dict[str, Any],
    classes: dict[str, tuple[str, str]] | None = None,
    *,
    lang: str = "en",
    min_sitelinks: int = 0,
    origin: str = "wikidata",
) -> EntityRecord | None:
    """The KB record of one Wikidata entity, or None when newslink does not facet it."""
    classes = CLASSES if classes is None else classes
    if entity.get("type") != "item" or not str(entity.get("id", "")).startswith("Q"):
        return None
    typed = [classes[c] for c in claim_ids(entity, "P31") if c in classes]
    if not typed:
        return None
    type_, kind = min(typed, key=lambda tk: TYPE_PRIORITY.index(tk[0]))
    label = text_in(entity.get("labels"), lang)
    if not label:
        return None
    sitelinks = len(entity.get("sitelinks") or {})
    if sitelinks < min_sitelinks:
        return None
    aliases = []
    for alias in (entity.get("aliases") or {}).get(lang, []) or []:
        value = alias.get("value", "").strip() if isinstance(alias, dict) else ""
        if good_alias(value, label) and value not in aliases:
            aliases.append(value)
    demonyms = []
    for statement in (entity.get("claims") or {}).get("P1549", []) or []:
        if statement.get("rank") == "deprecated":
            continue
        value = ((statement.get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if isinstance(value, dict) and value.get("language") == lang:
            text = value.get("text", "").strip()
            if text and text not in demonyms:
                demonyms.append(text)
    return EntityRecord(
        qid=entity["id"],
        type=type_,
        label=label,
        kind=kind,
        popularity=float(sitelinks),
        description=text_in(entity.get("descriptions"), lang),
        aliases=aliases,
        demonyms=demonyms,
        origin=origin,
    )
