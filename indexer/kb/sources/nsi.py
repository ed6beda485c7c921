"""name-suggestion-index brands, operators and transit networks (npm ``name-suggestion-index@8.0.20260918``).

Source: osmlab/name-suggestion-index, read from the npm tarball (``npm pack``):
``dist/json/nsi.json`` (the index: categories such as ``brands/shop/supermarket``
with items whose tags carry ``brand:wikidata`` / ``operator:wikidata`` /
``network:wikidata``, their names, ``matchNames`` and ``locationSet``) and
``dist/wikidata/wikidata.json`` (QID -> Wikidata label and description).
Licence: BSD-3-Clause; the Wikidata labels and descriptions are CC0.

Kept per QID: the Wikidata label (else the item's display name), the brand's
own name tags (``brand``, ``brand:en``, ``name`` for brands; ``operator``/
``network`` and their ``:en`` for the others) and multi-word ``matchNames``
that are not just ordinary words, the Wikidata description, the category the
QID appears in most (``supermarket``, ``bank``, ``fuel``), the one country all
its items are limited to (if any), and a prior from its reach: how many
categories and countries it is listed for. Flags (``flags/*``) and
``subject:wikidata`` tags name countries and places, not brands: not kept.
Entities whose Wikidata description makes them a place ("municipality in
Bavaria, Germany": the operator of a town hall is the town) are not kept
either; places come from the gazetteers.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ...schema import is_qid
from .archive import SourceError, read_json_member
from .model import SourceEntity
from .words import all_common_words

PACKAGE = "name-suggestion-index@8.0.20260918"
SOURCE = "nsi"
_GROUPS = {"brands": "brand", "operators": "operator", "transit": "network"}
_KEYS = ("brand", "operator", "network")
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")  # "McDonald's (France)": a display qualifier, not a name
_PLACE_DESCRIPTION = re.compile(
    r"^(?:[\w'-]+ ){0,3}?(?:municipality|city|town|village|county|commune|district|province|region|state|country|capital"
    r"|settlement|borough|parish|island|department|prefecture|canton|territory|ward|suburb|neighbou?rhood|area|locality"
    r"|hamlet|kingdom|republic|comune|gmina|oblast|raion|voivodeship|arrondissement)"
    r"(?: and [\w ]+?)?(?: (?:in|of|on)\b|,)",
    re.IGNORECASE,
)


def is_place_description(description: str) -> bool:
    return bool(_PLACE_DESCRIPTION.match(description or ""))


@dataclass
class _Seen:
    names: dict[str, None] = field(default_factory=dict)
    categories: Counter = field(default_factory=Counter)  # (group rank, category) -> items
    groups: Counter = field(default_factory=Counter)
    locations: set[str] = field(default_factory=set)
    items: int = 0


def _countries(location_set: dict) -> set[str]:
    """ISO alpha-2 codes of a locationSet's includes; '*' for world or multi-country regions."""
    out = set()
    for code in location_set.get("include") or []:
        code = str(code).lower() if not isinstance(code, list) else "*"
        m = re.match(r"^([a-z]{2})(?:$|[-.])", code)
        out.add(m.group(1).upper() if m else "*")
    return out


def reach_prior(items: int, countries: set[str]) -> float:
    """A popularity prior from how widely NSI lists a brand: 8 for a one-category,
    one-country brand, up to 60 for a global one listed under many categories."""
    spread = 10 if "*" in countries else len(countries)
    return float(min(60, 8 + 4 * (min(items, 6) - 1) + 4 * min(spread, 10)))


def category_name(path: str) -> str:
    """``brands/shop/fast_food`` -> ``fast food``."""
    return path.rsplit("/", 1)[-1].replace("_", " ")


def _main_category(categories: Counter) -> str:
    """What a brand is: its most listed category as a brand (shops before amenities),
    else as an operator or network (Tesco is a supermarket, not the toilets it operates)."""
    best = min(categories.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[1], kv[0][2]))
    return best[0][2]


def read(archive: Path) -> Iterator[SourceEntity]:
    index = read_json_member(archive, "/dist/json/nsi.json")
    labels = read_json_member(archive, "/dist/wikidata/wikidata.json")
    if not isinstance(index, dict) or not isinstance(index.get("nsi"), dict):
        raise SourceError(f"{archive}: dist/json/nsi.json has no 'nsi' object")
    wikidata = labels.get("wikidata") if isinstance(labels, dict) else None
    if not isinstance(wikidata, dict):
        raise SourceError(f"{archive}: dist/wikidata/wikidata.json has no 'wikidata' object")
    seen: dict[str, _Seen] = {}
    for path, category in index["nsi"].items():
        group = _GROUPS.get(path.split("/", 1)[0])
        if group is None:
            continue
        for item in category.get("items") or []:
            tags = item.get("tags") or {}
            for rank, key in enumerate(k for k in _KEYS if is_qid(str(tags.get(f"{k}:wikidata") or ""))):
                s = seen.setdefault(tags[f"{key}:wikidata"], _Seen())
                s.items += 1
                s.categories[(list(_GROUPS.values()).index(group), "/shop/" not in path, category_name(path))] += 1
                s.groups[group] += 1
                s.locations |= _countries(item.get("locationSet") or {})
                names = [tags.get(key), tags.get(f"{key}:en")]
                if key == "brand":
                    names += [tags.get("name"), tags.get("name:en")]
                if rank == 0:
                    names.append(item.get("displayName"))
                    names += [m for m in item.get("matchNames") or [] if len(m.split()) > 1 and not all_common_words(m)]
                for name in names:
                    name = _QUALIFIER.sub("", str(name or "")).strip()
                    if name:
                        s.names[name] = None
    for qid, s in seen.items():
        facts = wikidata.get(qid) or {}
        description = str(facts.get("description") or "").strip()
        if is_place_description(description):
            continue
        label = str(facts.get("label") or "").strip() or next(iter(s.names), "")
        if not label:
            continue
        countries = s.locations - {"*"}
        group = min(s.groups, key=list(_GROUPS.values()).index)
        yield SourceEntity(
            qid, "org", "brand", label, SOURCE,
            names=[n for n in s.names if n != label],
            country_code=next(iter(countries)) if len(s.locations) == 1 and countries else "",
            rank_prior=reach_prior(s.items, s.locations),
            description=description,
            category=_main_category(s.categories),
            extra={"group": group},
        )
