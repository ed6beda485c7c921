"""A country's institutions by their bare names: "the Senate", "the Supreme Court",
"the Navy" in an article about that country are that country's own.

The table is read off KB labels of the shapes "<country> <name>" and "<name> of
(the) <country>" ("United States Senate", "Supreme Court of Japan"), for kinds of
organisation a state has one of — never parties or companies ("Democrats",
"Bank"). Built once per linker from the KB; entities are looked up only for labels
of that shape (a Wikidata-sized KB has millions of organisations).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..normalize import normalize_alias
from .kb import KB

STATE_INSTITUTION_KINDS = frozenset({"government_body", "armed_forces", "legislature", "court", "central_bank", "agency"})
# A country is what an article is about when it is linked at least this often,
# and more often than any other.
HOME_COUNTRY_MIN_MENTIONS = 2


def country_forms(label: str, countries: dict[str, str]) -> list[tuple[str, str]]:
    """(bare name, country QID) a normalised organisation label is built of:
    "united states senate" -> ("senate", US); "supreme court of the united states"
    -> ("supreme court", US); "supreme court of japan" -> ("supreme court", Japan)."""
    words = label.split()
    out = []
    for n in range(1, len(words)):
        head, rest = " ".join(words[:n]), " ".join(words[n:])
        if head in countries and rest not in countries:
            out.append((rest, countries[head]))
        if rest in countries and words[n - 1] == "of":
            name = " ".join(words[: n - 1])
            if name and name not in countries:
                out.append((name, countries[rest]))
        if rest in countries and n >= 2 and words[n - 1] == "the" and words[n - 2] == "of":
            name = " ".join(words[: n - 2])
            if name and name not in countries:
                out.append((name, countries[rest]))
    return out


class Institutions:
    """Bare name -> country -> the KB institution of that country with that name."""

    def __init__(self, kb: KB) -> None:
        self.kb = kb
        self._table: dict[str, dict[str, str]] | None = None  # built on first use

    def table(self) -> dict[str, dict[str, str]]:
        if self._table is None:
            countries: dict[str, str] = {}  # normalised country name -> QID
            orgs: list[tuple[str, str]] = []
            for surface, qid, _type, _kind in self.kb.iter_aliases(("label", "alias"), types=("country",)):
                countries.setdefault(normalize_alias(surface), qid)
            # Only the kinds of organisation a state has one of, picked by the KB (its millions of others never are).
            for surface, qid, _type, _kind in self.kb.iter_aliases(("label",), types=("org",), entity_kinds=tuple(sorted(STATE_INSTITUTION_KINDS))):
                orgs.append((normalize_alias(surface), qid))
            table: dict[str, dict[str, str]] = {}
            for label, qid in orgs:
                for name, country in country_forms(label, countries):
                    ent = self.kb.entity(qid)
                    if ent is not None and ent.kind in STATE_INSTITUTION_KINDS:
                        table.setdefault(name, {}).setdefault(country, qid)
            self._table = table
        return self._table

    def of(self, surface: str, country: str) -> str | None:
        """The institution ``surface`` names in an article about ``country``."""
        return self.table().get(normalize_alias(surface), {}).get(country)


def home_country(country_qids: Iterable[str]) -> str | None:
    """The country an article is about, from the QIDs of its confident country links."""
    ranked = Counter(country_qids).most_common(2)
    if not ranked or ranked[0][1] < HOME_COUNTRY_MIN_MENTIONS or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]
