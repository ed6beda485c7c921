"""The record every source reader yields, before the sources are merged."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SourceEntity:
    """One entity as one source describes it.

    Country and admin-1 come as the source gives them (an ISO code, a state's
    name) and are resolved to QIDs by the merge, which knows every source; a
    reader that knows the QID itself fills ``country``/``admin1`` directly.
    """

    qid: str
    type: str  # facet type: country, place, org, person
    kind: str  # finer class: city, state, province, party, brand, us_senator, ...
    label: str
    source: str  # which reader: dr5hn, natural-earth, partyfacts, congress, nsi, country-coder
    names: list[str] = field(default_factory=list)  # other names (aliases)
    country_code: str = ""  # ISO 3166-1 alpha-2 or alpha-3 as the source gives it
    country: str = ""  # country QID, when the source knows it
    admin1_name: str = ""  # first-level subdivision by name, when that is all the source gives
    admin1: str = ""  # admin-1 QID, when the source knows it
    population: int = 0
    rank_prior: float = 0.0  # a prior the source's own ranks give (Natural Earth scale rank, office)
    description: str = ""  # a description the source has (Wikidata's, for NSI)
    category: str = ""  # brands: what they are (supermarket, bank, fuel, ...)
    extra: dict[str, str] = field(default_factory=dict)  # source-specific facts the merge reads (party, state)
