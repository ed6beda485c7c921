"""country-coder countries, territories and regions (npm ``@rapideditor/country-coder@5.6.1``).

Source: rapideditor/country-coder, read from the npm tarball (``npm pack``):
``src/data/borders.json``, a GeoJSON of ~390 features with ``wikidata``,
``nameEn``, ``aliases``, ISO codes and grouping. Licence: ISC.

Kept: every country and territory with an ISO alpha-2 code (type ``country``
for ones without a parent country, else a ``place`` of kind ``territory`` in
that country; the QID is cross-checked with dr5hn's reference by the merge),
and the world regions and subregions (``Africa``, ``Western Europe``) as
places of kind ``region``. Aliases that are codes (``GB-ENG``, ``FX``) are
dropped; borders (the geometry), calling codes and driving sides too. Unions
and UN groupings are organisations the curated KB holds: not kept.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...schema import is_qid
from .archive import SourceError, read_json_member
from .model import SourceEntity

PACKAGE = "@rapideditor/country-coder@5.6.1"
SOURCE = "country-coder"
_REGION_LEVELS = {"region", "subregion", "intermediateRegion", "sharedLandform"}
_CODE = re.compile(r"^[A-Z0-9]{1,3}(?:-[A-Z0-9]{1,3})?$")


def read(archive: Path) -> Iterator[SourceEntity]:
    data = read_json_member(archive, "/src/data/borders.json")
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise SourceError(f"{archive}: src/data/borders.json is not a FeatureCollection")
    for feature in features:
        p = feature.get("properties") or {}
        qid = str(p.get("wikidata") or "")
        name = str(p.get("nameEn") or "").strip()
        level = p.get("level")
        if not is_qid(qid) or not name or level in ("union", "unitedNations"):
            continue
        names = [a for a in p.get("aliases") or [] if not _CODE.match(a) and a != name]
        iso2 = str(p.get("iso1A2") or "")
        parent = str(p.get("country") or "")
        if iso2 and not parent:
            yield SourceEntity(qid, "country", "country", name, SOURCE, names=names, country_code=iso2, country=qid,
                               extra={"iso3": str(p.get("iso1A3") or "")})
        elif iso2 or parent:
            yield SourceEntity(qid, "place", "territory", name, SOURCE, names=names, country_code=parent or iso2)
        elif level in _REGION_LEVELS:
            yield SourceEntity(qid, "place", "region", name, SOURCE, names=names)
