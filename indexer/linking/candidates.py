"""Candidate generation: which KB entities a mention may name.

A generator takes a mention and its document and returns the candidates it finds
(``Candidates``: the entities and the surface form that found them), or nothing.
Generators are small and chained: ``FirstOf(AliasCandidates(kb),
LegalFormCandidates(kb, geo))`` asks the next one only when the previous found
nothing, as spaCy's injectable ``get_candidates`` lets a pipeline swap the way
candidates are found without touching how they are scored.

Each generator filters what cannot be meant: a type the NER label rules out, an
alias spelled in a way the mention is not ("La." is not "LA"), a company
registered in another country than its legal form says.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from ..kb.store import Candidate
from ..lexicon import LEGAL_FORMS, WEAPON_NOUNS
from ..normalize import normalize_alias
from .context import DocumentContext
from .geo import Geography
from .kb import KB
from .model import Mention

# A one-dot abbreviation of a state or province ("Calif.", "Ala."), and the
# address that makes it one ("Birmingham, ").
_ABBREVIATION = re.compile(r"^[A-Z][a-z]{1,4}\.$")
_CAMEL = re.compile(r"[a-z][A-Z][a-z]")
_ADDRESS = re.compile(r"[A-Z][\w.'’-]*\s*,\s*$")
_LEGAL_JOINERS = frozenset({"and", "&"})
# Legal forms that name the country of registration: "General Electric Co Plc" is
# the British GEC, not the American General Electric.
LEGAL_FORM_COUNTRIES = {
    "plc": frozenset({"Q145", "Q27"}),  # United Kingdom, Ireland
    "ag": frozenset({"Q183", "Q39", "Q40"}),  # Germany, Switzerland, Austria
    "gmbh": frozenset({"Q183", "Q39", "Q40"}),
    "nv": frozenset({"Q55", "Q31"}),  # Netherlands, Belgium
    "spa": frozenset({"Q38"}),  # Italy
}
# Spellings cached per linker (a KB fact, not a document's).
_SPELLED_CACHE_SIZE = 100_000


@dataclass(slots=True)
class Candidates:
    """What a generator found: the candidates and the surface form that found them."""

    found: list[Candidate] = field(default_factory=list)
    form: str = ""
    generator: str = ""

    def __bool__(self) -> bool:
        return bool(self.found)

    @property
    def qids(self) -> set[str]:
        return {c.entity.qid for c in self.found}


class CandidateGenerator(Protocol):
    name: str

    def __call__(self, m: Mention, doc: DocumentContext) -> Candidates: ...


@lru_cache(maxsize=65_536)  # asked for every mention by both generators, once per pass
def weapon_forms(text: str) -> tuple[tuple[str, ...], bool]:
    """Surface forms to look up, longest first, and whether the mention ends in a
    generic weapon noun: "Shahed drones" -> "Shahed drones", "Shahed". A named
    system the KB lacks ("Musudan missile") is never the generic class ("missile"):
    only a mention of nothing but the noun looks the class up ("Drones")."""
    words = text.split()
    tail = 0
    while tail < 2 and tail < len(words) and words[len(words) - 1 - tail].lower() in WEAPON_NOUNS:
        tail += 1
    if not tail:
        return (text,), False
    if tail < len(words):
        return (text, " ".join(words[: len(words) - tail])), True
    noun = words[-1]
    return ((text, noun, noun[:-1]) if noun.lower().endswith("s") else (text, noun)), True


def without_legal_form(text: str) -> str | None:
    """The company name without its trailing legal form, or None if it has none."""
    words = text.split()
    n = len(words)
    while n > 1 and words[n - 1].lower().strip(".,") in LEGAL_FORMS | _LEGAL_JOINERS:
        n -= 1
    if n == len(words) or n == 0:
        return None
    return " ".join(words[:n]).rstrip(",")


def is_generic_class(c: Candidate) -> bool:
    """A weapon class named by a common noun ("aircraft carrier", "missile",
    "drone"): a topic, not an entity. Never a facet value: its lower-case uses are
    no mentions, so counting the capitalised ones ("AIRCRAFT CARRIER" in a
    dateline, "Drones" opening a sentence) would count at random. Search them as
    keywords. (Only weapons: "al-Qaeda" is a name that starts lower-case.)"""
    return c.entity.type == "weapon" and c.entity.label[:1].islower()


class SurfaceFilter:
    """Drop candidates whose alias is spelled in a way this form is not.

    * a short mixed-case form ("La.", "Us") does not name an acronym ("LA", "US");
    * a state abbreviation ("Calif.", "Ala.", "La.") names the state only where
      an address puts it: after "City, " ("Birmingham, Ala.");
    * a lower-case word ("intel") does not name what the KB only spells capitalised.

    All but the address test depend on the form and the KB alone: ``by_spelling``
    answers them, and a caller that meets the same form again and again may keep
    its answer (``AliasCandidates`` does).
    """

    def __init__(self, kb: KB) -> None:
        self.kb = kb
        self._spelled: dict[str, dict[str, set[str]]] = {}

    def spellings(self, form: str) -> dict[str, set[str]]:
        spelled = self._spelled.get(form)
        if spelled is None:
            spelled = self.kb.alias_surfaces(form)
            if len(self._spelled) < _SPELLED_CACHE_SIZE:
                self._spelled[form] = spelled
        return spelled

    def __call__(self, form: str, cands: list[Candidate], m: Mention, doc: DocumentContext) -> list[Candidate]:
        if not cands:
            return cands
        return self.placed(self.by_spelling(form, cands), m, doc)

    def by_spelling(self, form: str, cands: list[Candidate]) -> list[tuple[Candidate, bool]]:
        """The candidates this form may name by its spelling, each with whether it
        also needs an address before the mention (a state abbreviation)."""
        letters = re.sub(r"[^A-Za-z]", "", form)
        short = len(letters) <= 6
        spelled = self.spellings(form)
        camel = bool(_CAMEL.search(form))
        out = []
        for c in cands:
            all_surfaces = spelled.get(c.entity.qid, set()) | {c.entity.label}
            if camel and form not in all_surfaces:
                continue  # "BlackRock" is not Blackrock, Dublin: a camel-cased name is spelled exactly
            surfaces = {x for x in all_surfaces if normalize_alias(x) == normalize_alias(form)} or all_surfaces
            if letters.islower() and not any(x[:1].islower() for x in surfaces):
                continue  # "intel" is not Intel, "west coast" not West Coast, Tasmania: a name is written capitalised
            if c.entity.type == "place" and all(x.endswith(("'s", "’s")) for x in surfaces) and not form.endswith(("'s", "’s")):
                continue  # "Saint John" (of "Saint John's Health Center") is not St. John's, Antigua (but "Sainsbury" is Sainsbury's)
            if not short:
                out.append((c, False))
                continue
            if len(letters) <= 5 and not letters.isupper() and all(re.sub(r"[^A-Za-z]", "", x).isupper() for x in surfaces):
                continue  # "La." is not "LA", "Snap" is not "SNAP"
            # "Miss." alone is not Mississippi: an abbreviation needs an address
            out.append((c, all(_ABBREVIATION.match(x) for x in surfaces)))
        return out

    @staticmethod
    def placed(kept: list[tuple[Candidate, bool]], m: Mention, doc: DocumentContext) -> list[Candidate]:
        """``by_spelling``'s candidates, less the abbreviations no address puts here."""
        if not any(needs for _c, needs in kept):
            return [c for c, _needs in kept]
        text = doc.text
        address = bool(text) and m.start >= 0 and bool(_ADDRESS.search(text[max(0, m.start - 40) : m.start]))
        return [c for c, needs in kept if address or not needs]


class AliasCandidates:
    """Entities whose label, alias or demonym (and, with ``surnames``, the surname
    of a person) the mention spells, of a type its NER label allows; a weapon name
    followed by generic nouns tries the name, then the class the noun names.

    What a form may name by its spelling is a fact of the KB: it is kept per
    (form, allowed types) for the life of the linker, so a name met in article
    after article is looked up and filtered once."""

    def __init__(self, kb: KB, surface_filter: SurfaceFilter, *, surnames: bool = False) -> None:
        self.kb = kb
        self.filter = surface_filter
        self.surnames = surnames
        self.name = "alias+surname" if surnames else "alias"
        self._spelled: dict[tuple[str, frozenset[str]], list[tuple[Candidate, bool]]] = {}

    def _by_spelling(self, form: str, allowed: frozenset[str]) -> list[tuple[Candidate, bool]]:
        key = (form, allowed)
        kept = self._spelled.get(key)
        if kept is None:
            found = [
                c
                for c in self.kb.candidates(form)
                if c.entity.type in allowed and (self.surnames or c.alias_kind != "surname") and not is_generic_class(c)
            ]
            kept = self.filter.by_spelling(form, found) if found else []
            if len(self._spelled) < _SPELLED_CACHE_SIZE:
                self._spelled[key] = kept
        return kept

    def __call__(self, m: Mention, doc: DocumentContext) -> Candidates:
        forms, weaponish = weapon_forms(m.text)
        allowed = frozenset({"weapon"}) if weaponish else m.allowed_types
        for form in forms:
            kept = self._by_spelling(form, allowed)
            found = self.filter.placed(kept, m, doc) if kept else []
            if found:
                return Candidates(found, form, self.name)
        return Candidates(form=m.text, generator=self.name)


class LegalFormCandidates:
    """"Texaco Inc" is Texaco: an organisation by its name or alias once the legal
    form is stripped; a form that names a country of registration ("Plc", "AG")
    keeps only companies the KB places there."""

    name = "legal-form"

    def __init__(self, kb: KB, geo: Geography, surface_filter: "SurfaceFilter | None" = None) -> None:
        self.kb = kb
        self.geo = geo
        self.filter = surface_filter

    def __call__(self, m: Mention, doc: DocumentContext) -> Candidates:
        _forms, weaponish = weapon_forms(m.text)
        short = None if weaponish or "org" not in m.allowed_types else without_legal_form(m.text)
        if not short:
            return Candidates(form=m.text, generator=self.name)
        found = self._spelled_out(m.text, short) or [
            c for c in self.kb.candidates(short) if c.entity.type == "org" and c.alias_kind in ("label", "alias")
        ]
        if self.filter is not None:
            found = self.filter(short, found, m, doc)  # "Snap Inc" is not SNAP
        registered = frozenset().union(*(LEGAL_FORM_COUNTRIES.get(w.lower().strip(".,"), frozenset()) for w in m.text.split()))
        if registered:  # a company whose description places it elsewhere is a namesake
            found = [c for c in found if self.geo.of(c.entity.qid).countries <= registered]
        return Candidates(found, short, self.name) if found else Candidates(form=m.text, generator=self.name)


    def _spelled_out(self, text: str, short: str) -> list[Candidate]:
        """The company by its legal name written out ("Coca-Cola Co." is The Coca-Cola
        Company, not Coca-Cola the drink the KB also holds as an organisation)."""
        form = text.split()[-1].lower().strip(".,")
        word = _LEGAL_FORM_WORDS.get(form)
        if word is None:
            return []
        for name in (f"{short} {word}", f"The {short} {word}"):
            # by its label only: an alias so spelled may be a subsidiary's (NSI lists
            # "ExxonMobil Corporation" for ExxonMobil Pipeline Company)
            found = [c for c in self.kb.candidates(name) if c.entity.type == "org" and c.alias_kind == "label"]
            if found:
                return found
        return []


# Abbreviated legal forms and the words they stand for in a company's full name.
_LEGAL_FORM_WORDS = {"co": "Company", "cos": "Companies", "corp": "Corporation", "inc": "Incorporated", "ltd": "Limited"}


class OnlineCandidates:
    """Candidates the local KB lacks, from Wikidata (only with ``--online``)."""

    name = "online"

    def __init__(self, online: "OnlineLookup") -> None:
        self.online = online

    def __call__(self, m: Mention, doc: DocumentContext) -> Candidates:
        if len(m.text) < 3 or not m.text[:1].isupper():
            return Candidates(form=m.text, generator=self.name)
        try:
            found = [c for c in self.online.candidates(m.text, m.allowed_types) if c.entity.type in m.allowed_types]
        except Exception:  # pragma: no cover - network trouble never stops indexing
            found = []
        return Candidates(found, m.text, self.name)


class OnlineLookup(Protocol):
    """Something that finds candidates the local KB lacks (see kb.online)."""

    def candidates(self, surface: str, types: frozenset[str]) -> list[Candidate]: ...


class FirstOf:
    """Generators chained: the first that finds anything wins."""

    def __init__(self, *generators: CandidateGenerator) -> None:
        self.generators = generators
        self.name = "|".join(g.name for g in generators)

    def __call__(self, m: Mention, doc: DocumentContext) -> Candidates:
        for generate in self.generators:
            found = generate(m, doc)
            if found:
                return found
        return Candidates(form=m.text, generator=self.name)
