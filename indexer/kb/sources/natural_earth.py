"""Natural Earth 1:10m populated places (``natural-earth/ne_10m_populated_places.json.gz``).

Source: Natural Earth (naturalearthdata.com), a 2017 release as GeoJSON; public
domain (CC0 1.0, ``LICENCE``). 7,096 cities and towns carry a ``wikidataid``.

Kept per place: QID, ``NAME_EN`` (else ``NAME``) as label, ``NAME`` /
``NAMEASCII`` / ``NAMEALT`` (``|`` or ``,``-separated) as other names, country
ISO code, admin-1 name (resolved to a QID by the merge through dr5hn's states),
``POP_MAX`` as population, ``SCALERANK`` (0 = most important .. 10) as a rank
prior and ``FEATURECLA`` (capitals) as kind. Geometry and the many
population-by-year columns are dropped.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...schema import is_qid
from .archive import SourceError, read_json_file
from .model import SourceEntity

FILE = "natural-earth/ne_10m_populated_places.json.gz"
SOURCE = "natural-earth"

_KINDS = {
    "Admin-0 capital": "capital",
    "Admin-0 capital alt": "capital",
    "Admin-0 region capital": "capital",
    "Admin-1 capital": "admin1_capital",
    "Admin-1 region capital": "admin1_capital",
    "Populated place": "city",
}
_SPLIT = re.compile(r"\s*[|,;]\s*")


def rank_prior(scalerank: object) -> float:
    """A prior from Natural Earth's scale rank: 0 (world cities) -> 100, 10 -> 0."""
    try:
        rank = int(scalerank)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return float(max(0, 10 - rank) * 10)


def read(shared: Path) -> Iterator[SourceEntity]:
    path = Path(shared) / "kb-sources" / FILE
    data = read_json_file(path)
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise SourceError(f"{path}: not a GeoJSON FeatureCollection")
    for number, feature in enumerate(features):
        p = feature.get("properties") or {}
        qid = str(p.get("wikidataid") or "")
        kind = _KINDS.get(p.get("FEATURECLA") or "")
        if not is_qid(qid) or kind is None:  # scientific stations, historic places: not news places
            continue
        label = (p.get("NAME_EN") or p.get("NAME") or "").strip()
        if not label:
            raise SourceError(f"{path}: feature {number} ({qid}) has no name")
        names = [p.get("NAME") or "", p.get("NAMEASCII") or ""] + _SPLIT.split(p.get("NAMEALT") or "")
        iso2 = p.get("ISO_A2") or ""
        yield SourceEntity(
            qid, "place", kind, label, SOURCE,
            names=[n.strip() for n in dict.fromkeys(names) if n and n.strip() and n.strip() != label],
            country_code=iso2 if re.fullmatch(r"[A-Z]{2}", iso2) else "",
            admin1_name=(p.get("ADM1NAME") or "").strip(),
            population=max(0, int(p.get("POP_MAX") or 0)),
            rank_prior=rank_prior(p.get("SCALERANK")),
            extra={"country_name": p.get("ADM0NAME") or ""},
        )
