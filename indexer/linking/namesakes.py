"""Evidence against weak namesakes: what a KB of 100k+ open-data places and brands adds.

The shipped open data (``indexer/kb_data/open``) names a Florida town "University",
a Russian coffee chain "Prime", a Virginia town "Timberlake" and a department of
Uruguay "Florida". Most of its entities are right only where the text says so;
on the name alone they are decoys. Precision first, so each rule here asks for
evidence beyond the name, and without it the link drops below the threshold:

* **outclassed namesakes** — a namesake far less popular than the best-known
  entity of that name ("Mexico", a town in New York, against the country) is not
  a candidate at all unless the text puts it there: an address ("Paris, Texas")
  or the dateline. Context that merely shares a country cannot lift it.
* **minor places** — a place too small for a population figure is linked only
  by an address, the dateline, or an NER place label on a name that is neither
  an ordinary word nor a common first name or surname ("Corvallis" yes; "Police",
  "Marcus", "Timberlake" no).
* **brands** — a name-suggestion-index brand is linked only with supporting
  context: a legal form, its full name elsewhere in the article, or a business
  word near it; a brand whose name is an ordinary word ("Target", "Next",
  "Shell") also needs NER to call the span an organisation.
* **weak acronyms** — a short all-capitals alias of a little-known organisation
  ("GPS", "AAA") only where the article spells the name out.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..kb.common_names import common_names
from ..kb.common_words import all_common_words, is_common_word
from ..kb.store import Candidate, Entity
from ..lexicon import BRAND_TRADE_WORDS, BUSINESS_WORDS
from ..normalize import normalize_alias
from .candidates import without_legal_form
from .geo import place_level
from .model import Mention

if TYPE_CHECKING:
    from .features import MentionScope

BRAND_KINDS = frozenset({"brand", "brand_common_word"})
BRAND_LABELS = frozenset({"ORG", "PRODUCT", "FAC", None})  # what NER calls a company, its goods or its premises
# A place below this popularity had no population figure in its source (or under ~1,300 people).
MINOR_PLACE = 10.0
# A name the KB gives a prominent entity is that entity unless the text says otherwise.
STRONG_NAME = 100.0
# A namesake this many times less popular than the best-known one needs an address or dateline.
OUTCLASSED_RATIO = 8.0
WEAK_ACRONYM_POPULARITY = 60.0
ACRONYM_KINDS = BRAND_KINDS | {"party"}  # thousands of minor parties and brands share three letters
WEAK_ACRONYM = re.compile(r"[A-Z]{2,5}")
_POSTAL_CODE = re.compile(r"[A-Z]{2}")
_PARTY_STATE = re.compile(r"\b[RDI]-$")  # "(R-SD)"
_AFTER_A_PLACE = re.compile(r"[A-Z][\w.'-]*,\s*$")  # "Sioux Falls, SD"
# How near a business word must be to vouch for a brand (characters either side).
BUSINESS_WINDOW = 120
BESIDE_WINDOW = 25  # ... and for a brand named by an ordinary word, right beside it
FACTORS = {
    "brand_unsupported": 0.3,
    "minor_place": 0.3,
    "weak_acronym": 0.3,
    "people_word": 0.3,
    "generic_party": 0.3,
}
# ", Texas", ", Ala.", ", N.Y.": the container an address names after a place.
_ADDRESS_AFTER = re.compile(r"\s*,\s*((?:[A-Z][\w.'’-]*)(?:\s+[A-Z][\w.'’-]*){0,2})")
_WORD = re.compile(r"[A-Za-z]+")


def is_brand(entity: Entity) -> bool:
    return entity.kind in BRAND_KINDS


def is_minor_place(entity: Entity) -> bool:
    return entity.type == "place" and entity.popularity < MINOR_PLACE


def weak_entity(entity: Entity) -> bool:
    """A brand, or a place or organisation not prominent enough to own a word."""
    return is_brand(entity) or (entity.type in ("place", "org") and entity.popularity < STRONG_NAME)


def weak_word(text: str, candidates: list[Candidate]) -> bool:
    """An ordinary English word ("University", "Police", "Brothers") that names
    only weak entities in the KB: in text it is the word, unless context says more."""
    return is_common_word(text) and bool(candidates) and all(weak_entity(c.entity) for c in candidates)


def common_name_word(text: str) -> bool:
    """A frequent first name or surname ("Marcus", "Bryant"): a person as often as a town."""
    names = common_names()
    word = text.lower()
    return word in names.surnames or word in names.given


def address_container(s: "MentionScope") -> frozenset[str]:
    """QIDs of the place named right after the mention and a comma ("Paris, Texas")."""
    found = _ADDRESS_AFTER.match(s.doc.text, s.mention.end)
    if not found:
        return frozenset()
    words = found.group(1).rstrip("-–—").split()  # "Salem, Indiana- 'Trump is ...'"
    kb = s.geo.kb
    for n in range(len(words), 0, -1):  # longest name first: "New York" before "New"
        qids = frozenset(c.entity.qid for c in kb.candidates(" ".join(words[:n])) if c.entity.type in ("place", "country"))
        if qids:
            return qids
    return frozenset()


def placed_by_text(c: Candidate, s: "MentionScope") -> bool:
    """The text puts this place here: an address names its state or country, or
    the dateline names it."""
    if s.in_dateline():
        return True
    containers = s.address()
    if not containers:
        return False
    geo = s.geo.of(c.entity.qid)  # (it holds the KB's admin-1 and country columns)
    return bool(containers & (geo.places | geo.countries))


def outclassed(cands: list[Candidate], s: "MentionScope") -> list[Candidate]:
    """The candidates without the namesakes the best-known one outclasses (kept
    where the text places them)."""
    if len(cands) < 2:
        return cands
    top = max(c.entity.popularity for c in cands)
    floor = top / OUTCLASSED_RATIO
    kept = [c for c in cands if c.entity.popularity >= floor or (c.entity.type == "place" and placed_by_text(c, s))]
    return kept or cands


# ------------------------------------------------------------------ evidence factors
def person_like(name: str) -> bool:
    """"Paul Smith", "Kate Spade": a common first name and surname, as a brand may be named."""
    words = name.lower().split()
    names = common_names()
    return len(words) == 2 and words[0] in names.given and words[1] in names.surnames


_CATEGORY = re.compile(r"\(([^()]+)\)\s*$")


def place_name(name: str, s: "MentionScope") -> bool:
    """A name the KB gives a place or country ("Santa Fe", "Buenos Aires"): a brand
    so named is no more distinctive than an ordinary word."""
    return any(c.entity.type in ("place", "country") for c in s.geo.kb.candidates(name))


def trade_words(description: str) -> tuple[str, ...]:
    """What an article about this brand says of its trade, from its NSI category."""
    found = _CATEGORY.search(description)
    return BRAND_TRADE_WORDS.get(found.group(1).strip().lower(), ()) if found else ()


def brand_context(m: Mention, c: Candidate, s: "MentionScope") -> float:
    """A brand needs supporting context: its full name, a legal form, or a business
    word near it in an article about its trade. A brand by a shortened alias
    ("Continental" for Continental Reifen Deutschland GmbH) needs its full name in
    the article; an ordinary-word brand ("Target", "Next", "House") NER's ORG and
    the business word right beside it ("Target shares", "the Next chain")."""
    e = c.entity
    if not is_brand(e):
        return 1.0
    if m.label not in BRAND_LABELS:
        return FACTORS["brand_unsupported"]  # "the Roma minority", "Mazda" as a person
    text = s.doc.text
    if normalize_alias(e.label) != s.surface_key and e.label in text and not (
        " " not in e.label and is_common_word(e.label) and e.label not in text[: m.start] + "\0" + text[m.end :]
    ):
        return 1.0  # its full name in the article ("Verizon Wireless", "Lucky Stores Inc"; "Salomon Inc." is a word and a legal form)
    if c.alias_kind != "label" and normalize_alias(without_legal_form(e.label) or "") != s.surface_key:
        return FACTORS["brand_unsupported"]  # "Continental" is not yet Continental Reifen Deutschland GmbH
    short = without_legal_form(m.text)
    # "Salomon Inc." is an ordinary word and a legal form: a company is meant, but one
    # named like the brand is not it in an article about another trade (below).
    words = (short or m.text).replace(",", " ").split()
    if short and not all_common_words(short):
        return 1.0  # "Samsung Electronics Co"; not "Central Bank" ("bank" is also a legal form)
    name = " ".join(words)
    if len(words) > 1 and not all_common_words(name) and not person_like(name) and not place_name(name, s) and not place_and_words(words, s):
        return 1.0  # its full, distinctive name: "Georgia Power", "Home Depot"; not "Santa Fe", not "U.S. Market"
    word_like = e.kind == "brand_common_word" or all_common_words(m.text)
    if word_like and m.label != "ORG":
        return FACTORS["brand_unsupported"]
    if WEAK_ACRONYM.fullmatch(re.sub(r"[^A-Za-z]", "", m.text)):
        return FACTORS["brand_unsupported"]  # "CBA", "DNS": three letters name a hundred things
    window = BESIDE_WINDOW if word_like else BUSINESS_WINDOW
    near = text[max(0, m.start - window) : m.start] + " " + text[m.end : m.end + window]  # not its own words ("Central Bank")
    if not any(w.lower() in BUSINESS_WORDS for w in _WORD.findall(near)):
        return FACTORS["brand_unsupported"]
    if not in_its_trade(e, s):
        return FACTORS["brand_unsupported"]  # business news, but about another trade
    return 1.0


def in_its_trade(e: Entity, s: "MentionScope") -> bool:
    """Does the article speak of the brand's trade (or is its trade unknown)?"""
    trade = trade_words(e.description)
    return not trade or any(w.startswith(trade) for w in s.doc.lowercase)


def place_and_words(words: list[str], s: "MentionScope") -> bool:
    """A country's name and an ordinary word ("U.S. Market", "China Garden"): said of
    the country ("the U.S. market", "the China trade") as often as of a brand so
    named, so no distinctive name. Only with NER's ORG on it is it a company's name.
    (A state's or city's is a name: "Virginia Tech", "Georgia Power".)"""
    if s.mention.label == "ORG" or len(words) < 2 or not is_common_word(words[-1]):
        return False
    return any(c.entity.type == "country" for c in s.geo.kb.candidates(" ".join(words[:-1])))


PLACE_LABELS = frozenset({"GPE", "LOC"})
# Other first-level regions of its country an article names that make a name one of them.
LISTED_REGIONS = 2
# "the Baltic states", "the Caspian Sea": a region's name, not the town that shares it.
_NOT_A_CITY = re.compile(r"\s+(?:states|countries|nations|republics|region|Sea|sea|coast|Coast|Ocean|Mountains|River|Valley)\b")


def minor_place(m: Mention, c: Candidate, s: "MentionScope") -> float:
    """A place that is not prominent enough to own its name, on that name alone,
    only where NER calls the span a place and the name is neither an ordinary
    word ("Gulf", "University") nor, for a town too small for a population
    figure, a person's name ("Palmer", "Timberlake"). Otherwise ("a Gallup poll",
    "Ancona was last seen", "the Jewish man") only an address, the dateline or,
    for a province or state, the article's other regions of its country link it."""
    e = c.entity
    if e.type != "place" or e.popularity >= STRONG_NAME:
        return 1.0
    one_word = " " not in m.text
    word_like = is_common_word(m.text) if one_word else all_common_words(m.text)  # "Gulf", "Capital Region"
    if m.label in PLACE_LABELS and not word_like and not _NOT_A_CITY.match(s.doc.text, m.end):
        if not is_minor_place(e) or not (one_word and common_name_word(m.text)):
            return 1.0
    if place_level(e) == "region" and s.peers(e) >= LISTED_REGIONS:
        return 1.0  # "in Cordoba, La Pampa and Chaco": named among its country's provinces
    return 1.0 if placed_by_text(c, s) else FACTORS["minor_place"]


def people_word(m: Mention, c: Candidate, s: "MentionScope") -> float:
    """"Jewish", "Roma", "Kurdish": NER's NORP names a people, a faith or a party's
    followers; it names a country only by its demonym ("Iranian"), never a place
    or a brand by its label."""
    if m.label != "NORP" or c.entity.type == "person":
        return 1.0
    if c.entity.type in ("place", "country") and c.alias_kind == "demonym":
        return 1.0
    if c.entity.type == "org" and not is_brand(c.entity):
        return 1.0  # "Republicans", "Democrats": a party by its members
    return FACTORS["people_word"]


MINOR_PARTY = 30.0  # Party Facts' thousands of parties without a seat of note


def generic_party(m: Mention, c: Candidate, s: "MentionScope") -> float:
    """"Social Democrats", "Alliance Party", "Liberal Party": dozens of countries
    have one; a party by such a name, or a minor party by any name ("Todos"),
    needs its country in the article."""
    e = c.entity
    if e.kind != "party" or (e.popularity >= MINOR_PARTY and not all_common_words(m.text.replace("'s", ""))):
        return 1.0
    shared, located = s.coherence(e.qid)
    return 1.0 if shared + located > 0 else FACTORS["generic_party"]


def weak_acronym(m: Mention, c: Candidate, s: "MentionScope") -> float:
    """"GPS", "AAA": a little-known organisation's short alias counts only where the
    article spells the name out."""
    e = c.entity
    letters = re.sub(r"[^A-Za-z]", "", m.text)  # "D.C." spells DC
    if place_level(e) == "region" and _POSTAL_CODE.fullmatch(m.text):
        # A state's or province's two-letter postal code ("SD", "IN", "OR"; not a
        # city's "DC", "LA") is a word or another
        # acronym ("SD card") unless it closes an address ("Sioux Falls, SD"), follows
        # a party letter ("R-SD"), or the article names the region in full.
        text = s.doc.text
        if e.label in text or _PARTY_STATE.search(text, max(0, m.start - 3), m.start) or _AFTER_A_PLACE.search(text, max(0, m.start - 40), m.start):
            return 1.0
        return FACTORS["weak_acronym"]
    if e.kind not in ACRONYM_KINDS or e.popularity >= WEAK_ACRONYM_POPULARITY or not WEAK_ACRONYM.fullmatch(letters) or e.label == m.text:
        return 1.0
    text = s.doc.text
    return 1.0 if e.label in text or (without_legal_form(e.label) or "\0") in text else FACTORS["weak_acronym"]
