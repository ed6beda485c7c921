"""Entity linking: one QID per mention, or none (NIL).

Precision first (DESIGN.md): a wrong facet misleads a reader, a missing one only
costs recall. Evidence is weighed from cheapest to dearest:

1. **type compatibility** with the NER label (a PERSON is never a country; a name
   ending in "drones" is a weapon) and with the surface form (a mixed-case "La."
   is not the acronym "LA");
2. **how the mention names the entity**: full label > alias > demonym > bare
   surname;
3. **in-document coreference**: a short name ("Biden", "Netanyahu") that matches a
   person named in full in the same article is that person, and a surname that
   belongs to a person the KB does not know ("Betty Ford ... Ford") stays NIL;
4. the **popularity prior** between namesakes;
5. **coherence** between the entities of one article. Each entity's country (and
   the places its description names) is read off its KB description, where
   Wikidata writes it ("city in Georgia, United States", "capital of Georgia",
   "Prime Minister of Israel", "American daily newspaper"). A candidate gains
   from the other entities of the article that share its country, that it is
   located in or that are located in it: "Georgia" next to Atlanta is the US
   state, next to Tbilisi the country. Plus word overlap between the article and
   the candidate's description;
6. **metonymy**: a city or country named as a sports team ("Boston beat Seattle
   5-3") is not the place, so it stays NIL.

The winner's confidence is its share of a softmax over the candidates' scores,
times the strength of the alias kind and of the evidence; it is calibrated on
the development sets (bench/README.md, "Linking quality") so that a confidence
of 0.8 means about 80 % of such links are right. Below ``threshold`` the mention
stays NIL.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

from .kb import Candidate, KnowledgeBase
from .mentions import CALENDAR, LEGAL_FORMS, WEAPON_NOUNS, Mention
from .normalize import normalize_alias

ALIAS_WEIGHT = {"label": 1.0, "alias": 0.95, "demonym": 0.92, "surname": 0.8}
DEFAULT_THRESHOLD = 0.5
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOP = frozenset(
    "the a an of and or in on at to for from by with as is was are were be been its it this that "
    "who which what when where whose his her their our your than then also into over after before "
    "said says say new first last one two three former current".split()
)
_DESC_TOKEN = re.compile(r"[A-Z][\w.'’-]*|[a-z][\w'’-]*|,|\(|\)")
GEO_TYPES = ("country", "place")
# Description words too common to tell namesakes apart ("state of the United
# States" vs "city in New York, United States"): geography is the coherence's job.
_GENERIC = frozenset(
    """state states united america american city country capital town village region province county district
    largest populous most sovereign area republic kingdom federal located part northern southern eastern western
    north south east west central""".split()
)

# Sports metonymy: a place named where a team is meant.
_SPORTS_STRONG = re.compile(
    r"\b(?:inning|innings|touchdowns?|quarterback|pitcher|pitched|homers?|home runs?|playoffs?|postseason|"
    r"rushing|yards|NFL|NBA|MLB|NHL|NCAA|Premier League|Champions League|World Cup|Super Bowl|Red Sox|Yankees|"
    r"wickets?|batsman|bowled|test match|goalkeeper|striker|midfielder|free kick|penalty kick|hat-trick|"
    r"semifinals?|quarterfinals?|halftime|overtime|tailback|linebacker|receiver|coach(?:es|ed)?|seeded|"
    r"Crimson Tide|Buckeyes|Wolverines|Spartans|Bulldogs|Gators|Seminoles|Tigers|Mariners|Dolphins|"
    r"doubleheader|shutout|rebounds|three-pointers?|fumble|interception|field goal|scoreless|Big (?:12|Ten|East)|"
    r"Pac-1[02]|SEC title|national title|bowl game|Fenway|Wrigley|Twins|Cubs|Lakers|Celtics)\b",
    re.I,
)
_SPORTS_WEAK = re.compile(
    r"\b(?:beat|beats|beaten|defeated|defeats|victory|win|wins|won|loss|losses|lost|season|game|games|"
    r"match|team|league|scored|score|points|rally|rallied|champions?|championship|title|series|tournament|"
    r"against|fans|stadium|roster|rookie|ranked|No\. \d+)\b",
    re.I,
)
# A one-dot abbreviation of a state or province ("Calif.", "Ala."), and the
# address that makes it one ("Birmingham, ").
_ABBREVIATION = re.compile(r"^[A-Z][a-z]{1,4}\.$")
_ADDRESS = re.compile(r"[A-Z][\w.'’-]*,\s*$")
_SPORTS_RESULT = re.compile(r"\b(?:beat|beats|defeated|defeats|edged|routed|downed|blanked|topped|lost to|fell to)\b", re.I)
_COMMA = re.compile(r"\s*,\s*$")
# What follows a place name when it names something else.
_NOT_A_PLACE = re.compile(
    r"(?:(?:'s|’s)\s+(?:wife|husband|son|daughter|mother|father|brother|sister|widow|family|lawyer|attorney|agent|"
    r"girlfriend|boyfriend|fiancee?|parents)\b|\s+(?:radio|television|TV|news agency|state radio|state television)\b)",
    re.I,
)
CORPORATE_WORDS = frozenset(
    """co corp corporation inc incorporated ltd plc llc ag sa nv company cos bank bancorp insurance power
    group holdings airlines airways exchange motors industries energy petroleum oil steel telecom utilities
    partners capital securities financial trust savings""".split()
)
_LEGAL_JOINERS = frozenset({"and", "&"})
# Kinds of organisation a country has one of, so that the bare name in an article
# about that country means its own ("the Senate", "the Navy"); parties and
# companies are not among them ("Democrats", "Bank").
STATE_INSTITUTION_KINDS = frozenset({"government_body", "armed_forces", "legislature", "court", "central_bank", "agency"})
# Legal forms that name the country of registration: "General Electric Co Plc" is
# the British GEC, not the American General Electric.
LEGAL_FORM_COUNTRIES = {
    "plc": frozenset({"Q145", "Q27"}),  # United Kingdom, Ireland
    "ag": frozenset({"Q183", "Q39", "Q40"}),  # Germany, Switzerland, Austria
    "gmbh": frozenset({"Q183", "Q39", "Q40"}),
    "nv": frozenset({"Q55", "Q31"}),  # Netherlands, Belgium
    "spa": frozenset({"Q38"}),  # Italy
}
_SCORE = re.compile(r"\b\d{1,3}-\d{1,3}\b")
_SPORTS_ROLE = re.compile(
    r"(?:'s|’s)?\s+(?:head\s+)?(?:coach|manager|captain|skipper|star|quarterback|pitcher|striker|goalkeeper|"
    r"midfielder|defender|outfielder|infielder|shortstop|slugger|forward|winger|batsman|bowler|squad|team-mate|teammate)\b",
    re.I,
)


@dataclass(slots=True)
class Link:
    """The linker's decision for one mention."""

    mention: Mention
    qid: str | None
    type: str | None
    label: str | None
    confidence: float
    method: str  # how it was decided: "label", "alias", "demonym", "surname", "coref", "online", "nil:…"

    def to_dict(self) -> dict:
        out = self.mention.to_dict()
        out.update(qid=self.qid, type=self.type, confidence=round(self.confidence, 3), method=self.method)
        return out


class OnlineLookup(Protocol):
    """Something that finds candidates the local KB lacks (see kb.online)."""

    def candidates(self, surface: str, types: frozenset[str]) -> list[Candidate]: ...


class _Hits:
    """Where one pattern matches in one document, for counting inside windows.

    The sports test looks at a window around every place mention; scanning the
    document once and counting by bisection costs a fraction of running the
    patterns over each window (it was a third of re-linking time).
    """

    __slots__ = ("starts", "ends")

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        spans = [m.span() for m in pattern.finditer(text)]
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]  # non-overlapping matches: sorted too

    def count(self, lo: int, hi: int) -> int:
        """Matches lying wholly inside text[lo:hi]."""
        return max(0, bisect_right(self.ends, hi) - bisect_left(self.starts, lo))

    def __len__(self) -> int:
        return len(self.starts)


class _SportsWords:
    """The sports vocabulary and the datelines of one document (see
    ``Linker._sports_context``); read only when a place candidate needs it."""

    __slots__ = ("strong", "weak", "score", "result", "story", "datelines")

    def __init__(self, text: str) -> None:
        self.strong = _Hits(_SPORTS_STRONG, text)
        self.weak = _Hits(_SPORTS_WEAK, text)
        self.score = _Hits(_SCORE, text)
        self.result = _Hits(_SPORTS_RESULT, text)
        self.story = len(self.strong) >= 6  # a sports story: its places are teams more often than not
        self.datelines = [match.span(1) for match in _DATELINE.finditer(text)]

    def in_dateline(self, m: Mention) -> bool:
        """Inside the dateline that opens a story's body ("HOUSTON -", "TUSCALOOSA, Ala. (AP) -")."""
        return any(a <= m.start and m.end <= b for a, b in self.datelines)


# A dateline: a paragraph that opens with a city in capitals, maybe its state or
# country, maybe the agency, then a dash ("HOUSTON -", "TUSCALOOSA, Ala. (AP) —").
_DATELINE = re.compile(r"(?m)^([A-Z][A-Z.'’ -]{2,40}?(?:,\s+[A-Z][\w.]+(?:\s[A-Z][\w.]+)?)?)(?:\s+\([A-Za-z ]+\))?\s+[-–—]\s")
_PLACE_PREPOSITION = re.compile(r"\bin\s+$")
# A capitalised word right before or after a surname makes it part of another name.
_CAPITALISED_BEFORE = re.compile(r"[A-Z][\w'’.-]*[ \t]+$")
_CAPITALISED_AFTER = re.compile(r"[ \t]+[A-Z]")
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ul|ad|ash|as|at|az|ar|an)-(?=\w{3})", re.I)


def _country_forms(label: str, countries: dict[str, str]) -> list[tuple[str, str]]:
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


def _acronym(name: str) -> str | None:
    """"British Airways" -> "BA", "Federal Bureau of Investigation" -> "FBI" (2-6 letters)."""
    words = [w for w in re.split(r"[\s-]+", name) if w[:1].isupper()]
    if len(words) < 2 or len(words) > 6:
        return None
    return "".join(w[0] for w in words)


def _name_token_forms(token: str) -> list[str]:
    """Lower-cased keys one word of a full name answers to later in an article:
    itself, and without an Arabic article ("al-Maliki" is also "Maliki")."""
    tok = token.lower().strip(".,")
    if len(tok) < 3:
        return []
    bare = _ARTICLE_PREFIX.sub("", tok)
    return [tok, bare] if bare != tok else [tok]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - _STOP


@dataclass(slots=True)
class _Geo:
    countries: frozenset[str]
    places: frozenset[str]


@dataclass(slots=True)
class _Choice:
    cand: Candidate
    score: float
    share: float
    evidence: float  # product of evidence factors in (0, 1]


class Linker:
    def __init__(self, kb: KnowledgeBase, threshold: float = DEFAULT_THRESHOLD, online: OnlineLookup | None = None) -> None:
        self.kb = kb
        self.threshold = threshold
        self.online = online
        self._geo_cache: dict[tuple[str, int], _Geo] = {}
        self._institutions: dict[str, dict[str, str]] | None = None  # built on first use
        self._text = ""  # the document being linked
        self._sports: _SportsWords | None = None  # of the document being linked, read on first need
        self._spelled: dict[str, dict[str, set[str]]] = {}

    # ------------------------------------------------------------------ candidates
    def _forms(self, m: Mention) -> tuple[list[str], bool]:
        """Surface forms to look up, longest first, and whether the mention ends
        in a generic weapon noun ("Shahed drones" -> "Shahed drones", "Shahed",
        then the class "drones")."""
        words = m.text.split()
        tail = 0
        while tail < len(words) - 0 and tail < 2 and words[len(words) - 1 - tail].lower() in WEAPON_NOUNS:
            tail += 1
        if not tail:
            return [m.text], False
        forms = [m.text]
        if tail < len(words):
            forms.append(" ".join(words[: len(words) - tail]))
        noun = words[-1]
        forms.append(noun)
        if noun.lower().endswith("s"):
            forms.append(noun[:-1])
        return forms, True

    @staticmethod
    def _without_legal_form(text: str) -> str | None:
        """The company name without its trailing legal form, or None if it has none."""
        words = text.split()
        n = len(words)
        while n > 1 and words[n - 1].lower().strip(".,") in LEGAL_FORMS | _LEGAL_JOINERS:
            n -= 1
        if n == len(words) or n == 0:
            return None
        return " ".join(words[:n]).rstrip(",")

    def _candidates(self, m: Mention, *, surnames: bool = False) -> tuple[list[Candidate], str]:
        """Type-compatible candidates of the first form that has any."""
        forms, weaponish = self._forms(m)
        allowed = frozenset({"weapon"}) if weaponish else m.allowed_types
        for form in forms:
            found = [c for c in self.kb.candidates(form) if c.entity.type in allowed and (surnames or c.alias_kind != "surname")]
            found = self._surface_filter(form, found, m)
            if found:
                return found, form
        short = None if weaponish or "org" not in allowed else self._without_legal_form(m.text)
        if short:  # "Texaco Inc" is Texaco: only an organisation, by its name or alias
            found = [c for c in self.kb.candidates(short) if c.entity.type == "org" and c.alias_kind in ("label", "alias")]
            registered = frozenset().union(*(LEGAL_FORM_COUNTRIES.get(w.lower().strip(".,"), frozenset()) for w in m.text.split()))
            if registered:  # a company whose description places it elsewhere is a namesake
                found = [c for c in found if self.geo(c.entity.qid).countries <= registered]
            if found:
                return found, short
        return [], m.text

    def _surface_filter(self, form: str, cands: list[Candidate], m: Mention) -> list[Candidate]:
        """Drop candidates whose alias is spelled in a way this form is not.

        * a short mixed-case form ("La.", "Us") does not name an acronym ("LA", "US");
        * a state abbreviation ("Calif.", "Ala.", "La.") names the state only where
          an address puts it: after "City, " ("Birmingham, Ala.").
        """
        letters = re.sub(r"[^A-Za-z]", "", form)
        if len(letters) > 6 or not cands:
            return cands
        spelled = self._spelled.get(form)
        if spelled is None:
            spelled = self.kb.alias_surfaces(form)
            if len(self._spelled) < 100_000:
                self._spelled[form] = spelled
        address = m.start >= 0 and bool(_ADDRESS.search(self._text[max(0, m.start - 40) : m.start])) if self._text else False
        out = []
        for c in cands:
            surfaces = spelled.get(c.entity.qid, set()) | {c.entity.label}
            surfaces = {x for x in surfaces if normalize_alias(x) == normalize_alias(form)} or surfaces
            if len(letters) <= 3 and not letters.isupper() and all(re.sub(r"[^A-Za-z]", "", x).isupper() for x in surfaces):
                continue  # "La." is not "LA"
            if all(_ABBREVIATION.match(x) for x in surfaces) and not address:
                continue  # "Miss." alone is not Mississippi
            out.append(c)
        return out

    # ------------------------------------------------------------------ geography of an entity
    def geo(self, qid: str, depth: int = 1) -> _Geo:
        """Countries and places an entity belongs to, read off its description."""
        key = (qid, depth)
        cached = self._geo_cache.get(key)
        if cached is not None:
            return cached
        ent = self.kb.entity(qid)
        countries: set[str] = set()
        places: set[str] = set()
        if ent is not None:
            if ent.type == "country":
                countries.add(qid)
            groups = self._description_names(ent.description)
            ambiguous = []
            for group in groups:
                qids = {c.entity.qid for c in group} - {qid}
                if len(qids) == 1:
                    c = next(c for c in group if c.entity.qid in qids)
                    (countries if c.entity.type == "country" else places).add(c.entity.qid)
                elif qids:
                    ambiguous.append([c for c in group if c.entity.qid != qid])
            for group in ambiguous:
                in_countries = [c for c in group if c.entity.type == "country"]
                fitting = []
                if depth > 0:
                    fitting = [c for c in group if c.entity.type == "place" and self.geo(c.entity.qid, depth - 1).countries & countries]
                if len(fitting) > 1:  # "Washington" in "city in Washington, United States": the state
                    fitting = [c for c in fitting if c.alias_kind == "label"]
                if len(fitting) == 1:
                    places.add(fitting[0].entity.qid)
                elif len(in_countries) == 1 and not countries:
                    countries.add(in_countries[0].entity.qid)
            if ent.type == "place" and not countries:
                for p in places:
                    countries |= self.geo(p, 0).countries if depth > 0 else set()
        geo = _Geo(frozenset(countries), frozenset(places))
        self._geo_cache[key] = geo
        return geo

    def _description_names(self, description: str) -> list[list[Candidate]]:
        """Country/place names in a description, longest match first."""
        tokens = _DESC_TOKEN.findall(description)
        out: list[list[Candidate]] = []
        i = 0
        while i < len(tokens):
            if not tokens[i][:1].isupper():
                i += 1
                continue
            for n in range(min(5, len(tokens) - i), 0, -1):
                if not tokens[i + n - 1][:1].isupper():
                    continue
                phrase = " ".join(tokens[i : i + n])
                found = [
                    c
                    for c in self.kb.candidates(phrase)
                    if c.entity.type in GEO_TYPES and c.alias_kind in ("label", "alias", "demonym")
                ]
                if found:
                    out.append(found)
                    i += n
                    break
            else:
                i += 1
        return out

    # ------------------------------------------------------------------ context
    def _sports_context(self, text: str, m: Mention) -> bool:
        """Is a place named here as a team? A sports role right after it
        ("Cleveland coach", "England captain"), or sports words around it."""
        if _SPORTS_ROLE.match(text, m.end):
            return True
        if self._sports is None:
            self._sports = _SportsWords(text)
        words = self._sports
        if words.in_dateline(m) or _PLACE_PREPOSITION.search(text, max(0, m.start - 4), m.start):
            return False  # "TUSCALOOSA, Ala. -", "a loss in Chicago": where, not who
        if words.story:
            return True
        lo = max(0, m.start - 160)
        hi = min(len(text), m.end + 160)
        strong = words.strong.count(lo, hi)
        weak = words.weak.count(lo, hi)
        score = words.score.count(lo, hi)
        if score and words.result.count(lo, hi):
            return True  # "Boston beat Seattle 5-3"
        return strong >= 2 or (strong >= 1 and weak + score >= 1) or (score >= 1 and weak >= 2)

    def _coherence(self, qid: str, surface_key: str, ctx: "_Context") -> float:
        """Support a candidate gets from the other entities of the article."""
        score = 0.0
        own = self.geo(qid)
        shared = 0
        located = 0
        for other, n in ctx.entities.items():
            if other == qid or ctx.surface_only(other, surface_key):
                continue
            og = self.geo(other)
            if own.countries & og.countries:
                shared += n
            if other in own.places or qid in og.places or (other in own.countries and qid != other) or qid in og.countries:
                located += n
        if shared:
            score += 0.8 * math.log1p(shared)
        if located:
            score += 1.2 * math.log1p(located)
        return score

    # ------------------------------------------------------------------ main entry
    def link(self, mentions: list[Mention], text: str) -> list[Link]:
        """Link the mentions of one document (``text`` is what their offsets index)."""
        context = _words(text)
        self._text = text
        self._sports = None
        ctx = _Context()
        links: dict[int, Link] = {}
        cands: dict[int, tuple[list[Candidate], str]] = {i: self._candidates(m) for i, m in enumerate(mentions)}

        # Pass 0: mentions with a single type-compatible entity anchor the article.
        for i, m in enumerate(mentions):
            found, _form = cands[i]
            if len({c.entity.qid for c in found}) == 1:
                ctx.add(found[0].entity.qid, normalize_alias(m.text))
        # Pass 1: every mention named by a full label, alias or demonym.
        for i, m in enumerate(mentions):
            found, form = cands[i]
            if found:
                links[i] = self._choose(m, found, context, ctx, text)
        ctx = _Context()
        for i, link in links.items():
            if link.qid and link.confidence >= self.threshold:
                ctx.add(link.qid, normalize_alias(mentions[i].text))
        # Pass 1b: ambiguous mentions again, now with the whole article's links.
        for i, m in enumerate(mentions):
            found, _form = cands[i]
            if len({c.entity.qid for c in found}) > 1:
                links[i] = self._choose(m, found, context, ctx, text)

        # People named in full: their name tokens resolve later short mentions.
        named_people: dict[str, set[str]] = {}
        named_surnames: dict[str, set[str]] = {}
        for i, link in links.items():
            if link.qid and link.type == "person" and link.confidence >= self.threshold:
                ent = self.kb.entity(link.qid)
                if ent is not None:
                    for name in (ent.label, *ent.aliases, link.mention.text):
                        for tok in name.split():
                            for form in _name_token_forms(tok):
                                named_people.setdefault(form, set()).add(link.qid)
                if " " in link.mention.text:
                    named_surnames.setdefault(link.mention.text.split()[-1].lower(), set()).add(link.qid)
        # Names of people the KB does not know: their surnames are theirs, not a
        # namesake's from the KB ("Betty Ford ... Ford").
        unknown_surnames: set[str] = set()
        for i, m in enumerate(mentions):
            if m.label == "PERSON" and " " in m.text and not (links.get(i) and links[i].qid):
                unknown_surnames.add(m.text.split()[-1].lower())

        # Pass 2: the rest — short names by in-document coreference, then surnames.
        for i, m in enumerate(mentions):
            single = " " not in m.text
            key = m.text.lower()
            if single and key in unknown_surnames and key not in named_people and m.label in ("PERSON", "ORG", None):
                links[i] = Link(m, None, None, None, 0.0, "nil:unknown-person")
                continue
            surname_of = named_surnames.get(key) if single and m.label != "PERSON" else None
            if surname_of and len(surname_of) == 1:
                qid = next(iter(surname_of))
                links[i] = Link(m, qid, "person", self.kb.entity(qid).label, 0.9, "coref")  # type: ignore[union-attr]
                continue
            if i in links and links[i].qid and links[i].confidence >= self.threshold:
                continue
            coref = self._coref(m, named_people)
            if coref is not None:
                links[i] = coref
                continue
            found, _form = self._candidates(m, surnames=True)
            if found and i not in links:
                links[i] = self._choose(m, found, context, ctx, text)
            elif not found and self.online is not None and i not in links:
                online = self._online(m)
                if online:
                    links[i] = self._choose(m, online, context, ctx, text, method="online")
            if i not in links:
                links[i] = Link(m, None, None, None, 0.0, "nil:no-candidate")
        # A country's institution by its bare name ("the Senate", "the Supreme Court"),
        # in an article about that country.
        home = self._home_country(links)
        if home is not None:
            for i, m in enumerate(mentions):
                if links[i].qid or "org" not in m.allowed_types:
                    continue
                qid = self.institutions().get(normalize_alias(m.text), {}).get(home)
                if qid is not None:
                    links[i] = Link(m, qid, "org", self.kb.entity(qid).label, 0.8, "institution")  # type: ignore[union-attr]
        # Acronyms of organisations named in full earlier: "British Airways … BA said".
        acronyms: dict[str, set[str]] = {}
        for link in links.values():
            if link.qid and link.type == "org" and link.confidence >= self.threshold:
                for name in {link.mention.text, link.label or ""}:
                    short = _acronym(name)
                    if short:
                        acronyms.setdefault(short, set()).add(link.qid)
        for i, m in enumerate(mentions):
            owners = acronyms.get(m.text) if not links[i].qid else None
            if owners and len(owners) == 1:
                qid = next(iter(owners))
                links[i] = Link(m, qid, "org", self.kb.entity(qid).label, 0.9, "coref")  # type: ignore[union-attr]
        # Short names of companies the KB does not know: "Hanover Insurance Co ...
        # Hanover said", "Georgia Power ... Georgia regulators".
        short_orgs = set()
        for i, m in enumerate(mentions):
            words = m.text.split()
            if len(words) >= 2 and not links[i].qid and any(w.lower().strip(".,") in CORPORATE_WORDS for w in words[1:]):
                for n in range(1, len(words)):
                    if words[n].lower().strip(".,") in CORPORATE_WORDS:
                        short_orgs.add(" ".join(words[:n]).rstrip(","))  # as spelled: "US Airways" says nothing of "U.S."
                        break
        # "City, State": the city must lie in that state or country ("BIRMINGHAM,
        # Ala." is not the English city, "Paris, Texas" not the French capital).
        for i in range(len(mentions) - 1):
            a, b = links[i], links[i + 1]
            if not (a.qid and b.qid and a.type == "place" and b.type in GEO_TYPES):
                continue
            if not _COMMA.fullmatch(text[mentions[i].end : mentions[i + 1].start]):
                continue
            ga = self.geo(a.qid)
            # The container decides between namesakes: "Atlanta, Georgia" is the state.
            fits = [
                c
                for c in cands[i + 1][0]
                if c.entity.type in GEO_TYPES
                and (c.entity.qid in ga.places or c.entity.qid in ga.countries or self.geo(c.entity.qid).countries & ga.countries)
            ]
            if len({c.entity.qid for c in fits}) == 1 and fits[0].entity.qid != b.qid:
                e = fits[0].entity
                b = links[i + 1] = Link(mentions[i + 1], e.qid, e.type, e.label, max(b.confidence, 0.9), "address")
            gb = self.geo(b.qid)
            if b.qid in ga.places or b.qid in ga.countries or ga.countries & gb.countries:
                continue
            links[i] = Link(mentions[i], None, None, None, 0.0, "nil:address-mismatch")
        out = []
        for i, m in enumerate(mentions):
            link = links[i]
            if link.qid and link.type in GEO_TYPES and m.text in short_orgs:
                link = Link(m, None, None, None, 0.0, "nil:short-org")
            elif link.qid and link.confidence < self.threshold:
                link = Link(m, None, None, None, link.confidence, "nil:low-confidence")
            out.append(link)
        repeated = self._repeated_surnames(text, mentions, out)
        if repeated:
            out = sorted(out + repeated, key=lambda link: link.mention.start)
        return out

    def institutions(self) -> dict[str, dict[str, str]]:
        """Bare name -> country -> the KB institution of that country with that name:
        read off labels "<country> <name>" and "<name> of (the) <country>" ("United
        States Senate", "Supreme Court of Japan"), institutions of a state only (see
        ``STATE_INSTITUTION_KINDS``). Built once per linker from the KB."""
        if self._institutions is None:
            countries: dict[str, str] = {}  # normalised country name -> QID
            orgs: list[tuple[str, str]] = []
            for surface, qid, type_, kind in self.kb.iter_aliases(("label", "alias")):
                if type_ == "country":
                    countries.setdefault(normalize_alias(surface), qid)
                elif type_ == "org" and kind == "label":
                    orgs.append((normalize_alias(surface), qid))
            table: dict[str, dict[str, str]] = {}
            for label, qid in orgs:
                for name, country in _country_forms(label, countries):
                    ent = self.kb.entity(qid)  # only for labels of that shape: a Wikidata-sized KB has millions of orgs
                    if ent is not None and ent.kind in STATE_INSTITUTION_KINDS:
                        table.setdefault(name, {}).setdefault(country, qid)
            self._institutions = table
        return self._institutions

    def _home_country(self, links: dict[int, Link]) -> str | None:
        """The country an article is about: linked at least twice, and more often than any other."""
        counts = Counter(link.qid for link in links.values() if link.qid and link.type == "country" and link.confidence >= self.threshold)
        ranked = counts.most_common(2)
        if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            return None
        return ranked[0][0]

    def _repeated_surnames(self, text: str, mentions: list[Mention], links: list[Link]) -> list[Link]:
        """A person named in full is usually called by the surname alone afterwards,
        and spaCy's small model often misses those bare surnames ("Barbara Walters
        said … Walters added"). Each whole-word, capitalised occurrence of the
        surname of exactly one person linked in this article, outside every other
        mention, becomes a mention of that person (source "coref"; re-linking
        finds them again, so they are not stored as mentions of their own).

        Skipped: a surname that the KB also knows as a place, organisation or
        weapon ("Jordan", "Washington"), one that is also a word of the article
        in lower case ("rice") or a month or weekday ("May"), and an occurrence
        next to another capitalised word ("Vernon Walters", "Walters Street").
        """
        people: dict[str, set[str]] = {}
        for link in links:
            if not (link.qid and link.type == "person" and link.confidence >= self.threshold and " " in link.mention.text):
                continue
            last = link.mention.text.split()[-1].strip(".,")
            for form in {last, _ARTICLE_PREFIX.sub("", last)}:
                if len(form) >= 3 and form[:1].isupper() and not form.isupper():
                    people.setdefault(form, set()).add(link.qid)
        if not people:
            return []
        taken = [(m.start, m.end) for m in mentions]
        lowered = {w for w in _WORD.findall(text) if w.islower()}
        out: list[Link] = []
        for surname, qids in people.items():
            if len(qids) != 1 or surname.lower() in CALENDAR or surname.lower() in lowered:
                continue  # "in May 2017", "Rice prices rose": a word, not the person
            if any(c.entity.type != "person" and c.alias_kind in ("label", "alias", "demonym") for c in self.kb.candidates(surname)):
                continue
            qid = next(iter(qids))
            ent = self.kb.entity(qid)
            if ent is None:
                continue
            for match in re.finditer(r"(?<![\w-])" + re.escape(surname) + r"(?![\w-])", text):
                a, b = match.span()
                if any(s < b and a < e for s, e in taken):
                    continue
                # Only the word before matters: look back a bounded stretch, not the whole article.
                if _CAPITALISED_BEFORE.search(text, max(0, a - 200), a) or _CAPITALISED_AFTER.match(text, b):
                    continue
                out.append(Link(Mention(a, b, surname, None, "coref"), qid, "person", ent.label, 0.9, "coref"))
        return out

    def _online(self, m: Mention) -> list[Candidate]:
        if self.online is None or len(m.text) < 3 or not m.text[:1].isupper():
            return []
        try:
            return [c for c in self.online.candidates(m.text, m.allowed_types) if c.entity.type in m.allowed_types]
        except Exception:  # pragma: no cover - network trouble never stops indexing
            return []

    def _coref(self, m: Mention, named_people: dict[str, set[str]]) -> Link | None:
        if "person" not in m.allowed_types or not named_people:
            return None
        tokens = [t.lower().strip(".,") for t in m.text.split()]
        if not tokens or len(tokens) > 2:
            return None
        sets = [named_people.get(t) for t in tokens]
        if any(s is None for s in sets):
            return None
        qids = set.intersection(*sets)  # type: ignore[arg-type]
        if len(qids) != 1:
            return None
        qid = next(iter(qids))
        ent = self.kb.entity(qid)
        if ent is None:
            return None
        return Link(m, qid, "person", ent.label, 0.95, "coref")

    def _choose(
        self,
        m: Mention,
        cands: list[Candidate],
        context: set[str],
        ctx: "_Context",
        text: str,
        method: str | None = None,
    ) -> Link:
        """Score type-compatible candidates; the best one with its confidence."""
        choice = self.rank(m, cands, context, ctx, text)[0]
        e = choice.cand.entity
        confidence = ALIAS_WEIGHT[choice.cand.alias_kind] * choice.share * choice.evidence
        return Link(m, e.qid, e.type, e.label, confidence, method or choice.cand.alias_kind)

    def rank(self, m: Mention, cands: list[Candidate], context: set[str], ctx: "_Context", text: str) -> list[_Choice]:
        """Candidates with their scores, best first (also for explaining a decision)."""
        best_kind: dict[str, Candidate] = {}
        for c in cands:
            prev = best_kind.get(c.entity.qid)
            if prev is None or ALIAS_WEIGHT[c.alias_kind] > ALIAS_WEIGHT[prev.alias_kind]:
                best_kind[c.entity.qid] = c
        surface_key = normalize_alias(m.text)
        own_words = _words(m.text)
        sports = None
        scored: list[tuple[float, float, Candidate]] = []
        for c in best_kind.values():
            e = c.entity
            score = math.log1p(max(e.popularity, 0.0))
            if m.label is None and c.alias_kind == "label":
                score += 0.5
            score += 1.5 * math.log1p(ctx.others(e.qid, surface_key))
            overlap = len((_words(e.description) - own_words - _GENERIC) & context)
            score += 0.5 * min(overlap, 4)
            score += self._coherence(e.qid, surface_key, ctx)
            evidence = 1.0
            if c.alias_kind == "surname":
                # A bare surname nobody introduced: only the very prominent are safe.
                if e.popularity < 20:
                    evidence *= 0.5
                elif e.popularity < 100:
                    evidence *= 0.6
                if m.label != "PERSON":
                    evidence *= 0.7
            if e.type in GEO_TYPES:
                if sports is None:
                    sports = self._sports_context(text, m)
                if sports:
                    evidence *= 0.3  # "Boston beat Seattle": teams, not cities
                if _NOT_A_PLACE.match(text, m.end):
                    evidence *= 0.3  # "Guerrero's wife", "Tehran radio": a person, a broadcaster
            scored.append((score, evidence, c))
        scored.sort(key=lambda t: t[0], reverse=True)
        top = scored[0][0]
        z = sum(math.exp(2 * (s - top)) for s, _, _ in scored)
        return [_Choice(c, s, math.exp(2 * (s - top)) / z, ev) for s, ev, c in scored]


class _Context:
    """Entities linked in an article, with the surface forms that named them."""

    def __init__(self) -> None:
        self.entities: Counter[str] = Counter()
        self.surfaces: dict[str, set[str]] = {}

    def add(self, qid: str, surface_key: str) -> None:
        self.entities[qid] += 1
        self.surfaces.setdefault(qid, set()).add(surface_key)

    def surface_only(self, qid: str, surface_key: str) -> bool:
        """Was ``qid`` named only by this very surface form (no independent support)?"""
        return self.surfaces.get(qid, set()) <= {surface_key}

    def others(self, qid: str, surface_key: str) -> int:
        """Mentions of ``qid`` by another surface form than this one."""
        if self.surface_only(qid, surface_key):
            return 0
        return self.entities[qid]

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - debugging aid
        return {"entities": dict(self.entities), "surfaces": {k: sorted(v) for k, v in self.surfaces.items()}}
