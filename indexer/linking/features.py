"""Evidence features: each a named function of (mention, candidate, scope)
returning a number.

Two kinds, combined by ``scoring``:

* **score features** add up, each times its weight in ``scoring.WEIGHTS``, into a
  candidate's score; the softmax over the candidates' scores gives its share;
* **evidence factors** are numbers in (0, 1] that multiply the winner's
  confidence: they say how much a link of this *sort* can be trusted whatever its
  rivals (a bare surname nobody introduced; a city named where a team is meant).

``MentionScope`` holds what the features of one mention share: the document, the
surface key, the mention's own words, and memos so that a fact about the mention
(is it named as a team?) is computed once for all its candidates.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable

from ..kb.store import Candidate, Entity
from ..normalize import normalize_alias
from ..schema import GEO_TYPES
from .context import DocumentContext, name_words
from .geo import CITY_KINDS, Geo, Geography, place_level
from .model import Mention
from .namesakes import FACTORS as NAMESAKE_FACTORS
from .namesakes import OUTCLASSED_RATIO, address_container, brand_context, generic_party, minor_place, people_word, weak_acronym
from .sports import in_dateline

# Description words too common to tell namesakes apart ("state of the United
# States" vs "city in New York, United States"): geography is the coherence's job.
GENERIC_DESCRIPTION_WORDS = frozenset(
    """state states united america american city country capital town village region province county district
    largest populous most sovereign area republic kingdom federal located part northern southern eastern western
    north south east west central""".split()
)
# Description words beyond this many add nothing: a long description is not more right.
MAX_OVERLAP = 4
# What follows a place name when it names something else.
_NOT_A_PLACE = re.compile(
    r"(?:(?:'s|’s)\s+(?:wife|husband|son|daughter|mother|father|brother|sister|widow|family|lawyer|attorney|agent|"
    r"girlfriend|boyfriend|fiancee?|parents)\b|\s+(?:radio|television|TV|news agency|state radio|state television)\b)",
    re.I,
)


# "Mr Lyons", "Mrs. Paris": a person, whatever place shares the name.
_HONORIFIC_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+$")


class MentionScope:
    """What the features of one mention read: the mention, its document, and memos."""

    __slots__ = (
        "mention", "doc", "geo", "surface_key", "own_words", "rivals",
        "_team", "_coherence", "_dateline", "_address", "_region", "_level_pairs", "_peers",
    )

    def __init__(self, mention: Mention, doc: DocumentContext, geo: Geography) -> None:
        self.mention = mention
        self.doc = doc
        self.geo = geo
        self.surface_key = normalize_alias(mention.text)
        self.own_words = name_words(mention.text)
        self._team: bool | None = None
        self._dateline: bool | None = None
        self._address: frozenset[str] | None = None
        self._region: float | None = None
        self._coherence: dict[str, tuple[int, int]] = {}
        self.rivals: tuple[Candidate, ...] = ()  # all candidates of the mention (set by the scorer)
        self._level_pairs: frozenset[str] | None = None
        self._peers: dict[tuple[str, str | None], int] = {}

    def in_dateline(self) -> bool:
        if self._dateline is None:
            self._dateline = in_dateline(self.doc.text, self.mention)
        return self._dateline

    def address(self) -> frozenset[str]:
        """QIDs of the place an address names right after the mention ("Paris, Texas")."""
        if self._address is None:
            self._address = address_container(self)
        return self._address

    def top_popularity(self) -> float:
        return max((c.entity.popularity for c in self.rivals), default=0.0)

    def region_words(self) -> float:
        """``region_words`` of this mention, once for all its candidates."""
        if self._region is None:
            self._region = region_words(self.doc.text, self.mention)
        return self._region

    def level_pairs(self) -> frozenset[str]:
        """QIDs of the rivals that form a same-named region and city lying in it
        ("Córdoba" the province and its capital): the pairs a list of peers decides."""
        if self._level_pairs is None:
            # Both must answer to the name as their label: where the KB gives one the
            # label and the other only an alias ("New York" the state, New York City;
            # "Idlib" the city, Idlib Governorate) the name has its first reading. And
            # a country's capital owns its name ("Kabul", whatever provinces the story lists).
            named = [c.entity for c in self.rivals if c.alias_kind == "label"]
            regions = {e.qid for e in named if place_level(e) == "region"}
            paired = {e.qid for e in named if place_level(e) == "city" and e.kind != "capital" and e.admin1 in regions}
            paired |= {e.admin1 for e in named if e.qid in paired}
            self._level_pairs = frozenset(paired)
        return self._level_pairs

    def peers(self, e: Entity, level: str | None = None) -> int:
        """Distinct other places of the article in ``e``'s country at ``level`` (by
        default its own, ``place_level``), named by another surface than this mention's."""
        level = level or place_level(e)
        key = (e.qid, level)
        memo = self._peers.get(key)
        if memo is not None:
            return memo
        support = self.doc.support
        count = 0
        if level is not None and e.country:
            for other in support.entities:
                if other == e.qid or other == e.admin1 or support.surface_only(other, self.surface_key):
                    continue
                o = self.geo.kb.entity(other)
                if o is not None and o.country == e.country and o.admin1 != e.qid and place_level(o) == level:
                    count += 1
        self._peers[key] = count
        return count

    def named_as_team(self) -> bool:
        if self._team is None:
            self._team = self.doc.sports.named_as_team(self.mention)
        return self._team

    def coherence(self, qid: str) -> tuple[int, int]:
        """(mentions of entities sharing a country with ``qid``, mentions of
        entities it lies in or that lie in it), from the article's other entities
        — those named by another surface than this mention's."""
        memo = self._coherence.get(qid)
        if memo is not None:
            return memo
        support = self.doc.support
        key = ("coherence", qid, self.surface_key)  # the same for every mention of this name until a link is added
        memo = support.memo.get(key)
        if memo is None:
            own = self.geo.of(qid)
            shared = located = 0
            surface = self.surface_key
            for other, n, og, only in self._supporters():
                if other == qid or only == surface:  # (named by this very surface only: no support)
                    continue
                if own.countries & og.countries:
                    shared += n
                if other in own.places or qid in og.places or (other in own.countries and qid != other) or qid in og.countries:
                    located += n
            support.memo[key] = memo = (shared, located)
        self._coherence[qid] = memo
        return memo

    def _supporters(self) -> list[tuple[str, int, Geo, str | None]]:
        """(QID, mentions, geography, its one surface or None when named several
        ways) of every entity the article links: what coherence counts, read once
        per state of the links (``EntitySupport.surface_only`` by the fourth item)."""
        support = self.doc.support
        found = support.memo.get("supporters")
        if found is None:
            found = support.memo["supporters"] = [
                (other, n, self.geo.of(other), next(iter(surfaces)) if len(surfaces := support.surfaces.get(other, set())) == 1 else None)
                for other, n in support.entities.items()
            ]
        return found


Feature = Callable[[Mention, Candidate, MentionScope], float]


# ------------------------------------------------------------------ score features
def prior(m: Mention, c: Candidate, s: MentionScope) -> float:
    """Popularity between namesakes (sitelink-like counts, log-damped)."""
    return math.log1p(max(c.entity.popularity, 0.0))


def bare_label(m: Mention, c: Candidate, s: MentionScope) -> float:
    """The gazetteer found the entity's own label where NER saw nothing."""
    return 1.0 if m.label is None and c.alias_kind == "label" else 0.0


def other_mentions(m: Mention, c: Candidate, s: MentionScope) -> float:
    """The article names this entity elsewhere, by another surface form."""
    return math.log1p(s.doc.support.others(c.entity.qid, s.surface_key))


def description_overlap(m: Mention, c: Candidate, s: MentionScope) -> float:
    """Words of the candidate's description that the article uses (capped)."""
    words = name_words(c.entity.description) - s.own_words - GENERIC_DESCRIPTION_WORDS
    return float(min(len(words & s.doc.words), MAX_OVERLAP))


def same_country(m: Mention, c: Candidate, s: MentionScope) -> float:
    """Other entities of the article in the same country ("Georgia" with Atlanta)."""
    return math.log1p(s.coherence(c.entity.qid)[0])


def located(m: Mention, c: Candidate, s: MentionScope) -> float:
    """Other entities the candidate lies in, or that lie in it ("Georgia" with Tbilisi)."""
    return math.log1p(s.coherence(c.entity.qid)[1])


def region_named(m: Mention, c: Candidate, s: MentionScope) -> float:
    """The article names the state or province the candidate lies in ("Portland"
    in a story that names Maine, not Oregon): between namesakes of one country the
    state is what tells them apart."""
    e = c.entity
    if not e.admin1 or e.popularity * OUTCLASSED_RATIO < s.top_popularity():
        return 0.0  # a namesake the best-known outclasses needs an address ("WASHINGTON -" is not a town in a state named later)
    if not any(r.entity.country == e.country and r.entity.qid != e.qid for r in s.rivals):
        return 0.0  # namesakes in other countries: the country features tell them apart (San Jose, California or Costa Rica)
    return 1.0 if s.doc.support.others(e.admin1, s.surface_key) else 0.0


def level_peers(m: Mention, c: Candidate, s: MentionScope) -> float:
    """Where a name is both a region and a city in it ("Córdoba", "Santa Fe", "New
    York"), the article's other places of that country say which level it writes
    at: "rains in Cordoba, La Pampa and Chaco" lists provinces, "New York, Chicago
    and Los Angeles" cities. The log-odds of peers at the candidate's level against
    peers at the other: positive for one of the pair, as negative for the other."""
    e = c.entity
    if e.qid not in s.level_pairs() or s.region_words() >= 1.0:
        return 0.0  # (where the text calls it a province, ``admin_word`` has said so)
    level = place_level(e)
    other = "region" if level == "city" else "city"
    return math.log((s.peers(e) + 1) / (s.peers(e, other) + 1))


def dateline_city(m: Mention, c: Candidate, s: MentionScope) -> float:
    """A dateline ("WASHINGTON (Reuters) -") names the city the story was filed
    from, not the state or region that shares its name."""
    return 1.0 if c.entity.kind in CITY_KINDS and s.in_dateline() else 0.0


_ADMIN_NOUN = r"(?:provinces?|states?|count(?:y|ies)|regions?|departments?|prefectures?|governorates?|districts?|oblasts?)"
_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*"
# "Santa Fe province", "Santa Fe, Corrientes and Formosa provinces", "Washington state".
# (no comma right before the noun: "Homs, state media say" calls nothing a state)
_ADMIN_AFTER = re.compile(rf"(?:\s*(?:,|and|&)\s*{_NAME})*\s+{_ADMIN_NOUN}\b")
# "the provinces of Santa Fe, Corrientes and Formosa", "the state of Georgia"; not
# "the Karada district of Baghdad" (a named district in the city).
_ADMIN_BEFORE = re.compile(rf"\b{_ADMIN_NOUN} of\s+(?:{_NAME}\s*(?:,|and|&)\s*)*$")
_NAMED_BEFORE = re.compile(r"(?<!\S)(?!The\b)[A-Z][\w'’.-]*\s+$")  # "Karada " before "district of"
# "Georgia Gov. Brian Kemp", "Georgia's governor", "the governor of Georgia", "the
# Georgia gubernatorial race": a state or province has a governor, a country does not.
_GOVERNOR_AFTER = re.compile(r"(?:['’]s)?\s+(?:[Gg]overnor|Gov\.|[Gg]ubernatorial|[Ll]ieutenant [Gg]overnor|Lt\. Gov\.)(?!\w)")
_GOVERNOR_BEFORE = re.compile(r"\b(?:[Gg]overnor|Gov\.) of\s+$")
# "upstate New York": a part of the state, never of the city.
_STATE_PART = re.compile(r"\b(?:upstate|downstate)\s+$", re.I)
ADMIN_LOOKBACK = 120
SENTENCE_REACH = 300
# A place written as a region anywhere in a sentence: "Buenos Aires province", "Hebei province".
# (provinces and the like only: "Gulf states", "member states", "Washington state" say nothing of a list)
_ADMIN_NAMED = re.compile(r"[A-Z][\w'’.-]*\s+(?:provinces?|prefectures?|governorates?|oblasts?)\b")


def sentence_bounds(text: str, m: Mention) -> tuple[int, int]:
    """Where the mention's sentence starts and ends (at most ``SENTENCE_REACH`` away)."""
    lo = max(text.rfind(". ", 0, m.start), text.rfind("\n", 0, m.start), m.start - SENTENCE_REACH, 0)
    hi_stop = [i for i in (text.find(". ", m.end), text.find("\n", m.end)) if i >= 0]
    return lo, min(hi_stop + [m.end + SENTENCE_REACH])


def region_words(text: str, m: Mention) -> float:
    """How plainly the text calls the name a region: 1.0 right beside it ("Santa Fe
    province", "the state of Georgia", "upstate New York", "Georgia Gov."), 0.5 where its sentence counts provinces
    ("rains in Buenos Aires province, 41 mm in Santa Fe, 95 in Corrientes"), else 0."""
    before = text[max(0, m.start - ADMIN_LOOKBACK) : m.start]
    admin_before = _ADMIN_BEFORE.search(before)
    if admin_before and _NAMED_BEFORE.search(before, 0, admin_before.start()):
        admin_before = None  # "the Karada district of Baghdad": a district in the city
    if _ADMIN_AFTER.match(text, m.end) or admin_before or _STATE_PART.search(before):
        return 1.0
    if _GOVERNOR_AFTER.match(text, m.end) or _GOVERNOR_BEFORE.search(before):
        return 1.0
    lo, hi = sentence_bounds(text, m)
    return 0.5 if _ADMIN_NAMED.search(text, lo, hi) else 0.0


def admin_word(m: Mention, c: Candidate, s: MentionScope) -> float:
    """The text calls the name a province, state or county: the region, not its
    capital city or the country."""
    e = c.entity
    if e.type != "place" or e.kind in CITY_KINDS or e.kind == "admin1_capital":
        return 0.0
    return s.region_words()


SCORE_FEATURES: dict[str, Feature] = {
    "prior": prior,
    "bare_label": bare_label,
    "other_mentions": other_mentions,
    "description_overlap": description_overlap,
    "same_country": same_country,
    "located": located,
    "dateline_city": dateline_city,
    "admin_word": admin_word,
    "level_peers": level_peers,
    "region_named": region_named,
}


# ------------------------------------------------------------------ evidence factors
# A bare surname nobody introduced: only the very prominent are safe.
SURNAME_KNOWN = 20  # popularity below which a bare surname is little evidence
SURNAME_PROMINENT = 100  # ... and below which it is some, but not full, evidence
FACTORS = {
    "obscure_surname": 0.5,
    "little_known_surname": 0.6,
    "surname_not_person_label": 0.7,
    "sports_team": 0.3,  # "Boston beat Seattle": teams, not cities
    "not_a_place": 0.3,  # "Guerrero's wife", "Tehran radio": a person, a broadcaster
    **NAMESAKE_FACTORS,  # brands, minor places, weak acronyms (namesakes.py)
}


def surname_prominence(m: Mention, c: Candidate, s: MentionScope) -> float:
    if c.alias_kind != "surname":
        return 1.0
    if c.entity.popularity < SURNAME_KNOWN:
        return FACTORS["obscure_surname"]
    if c.entity.popularity < SURNAME_PROMINENT:
        return FACTORS["little_known_surname"]
    return 1.0


def surname_not_person_label(m: Mention, c: Candidate, s: MentionScope) -> float:
    return FACTORS["surname_not_person_label"] if c.alias_kind == "surname" and m.label != "PERSON" else 1.0


def sports_team(m: Mention, c: Candidate, s: MentionScope) -> float:
    return FACTORS["sports_team"] if c.entity.type in GEO_TYPES and s.named_as_team() else 1.0


def not_a_place(m: Mention, c: Candidate, s: MentionScope) -> float:
    if c.entity.type not in GEO_TYPES:
        return 1.0
    text = s.doc.text
    if _NOT_A_PLACE.match(text, m.end) or _HONORIFIC_BEFORE.search(text, max(0, m.start - 6), m.start):
        return FACTORS["not_a_place"]
    return 1.0


EVIDENCE_FACTORS: dict[str, Feature] = {
    "surname_prominence": surname_prominence,
    "surname_not_person_label": surname_not_person_label,
    "sports_team": sports_team,
    "not_a_place": not_a_place,
    "brand_context": brand_context,
    "minor_place": minor_place,
    "weak_acronym": weak_acronym,
    "people_word": people_word,
    "generic_party": generic_party,
}
