"""Unlinked entities: confident names the KB does not know, as facet values.

No offline KB holds most of the people in the news (athletes, local officials,
witnesses). A mention the linker leaves NIL but that is plainly the name of a
person, organisation or place becomes an *unlinked entity* of that type, keyed by
its normalised name (``name:ben-chavis``) and labelled with its most complete
surface form, so it can be faceted and filtered like a QID. When a bigger KB
links the name, a re-link turns the value into the QID (the linker decides first;
only what it leaves NIL is looked at here).

Runs after linking and never changes a link. Precision first, as everywhere: a
name is taken only when

* the NER called it a person (PERSON), organisation (ORG) or place (GPE, LOC);
* every word is capitalised (connectors such as "of", "de", "al-" aside), it has
  no digits and is not a title, a month or weekday, a demonym, or any name the KB
  knows (a KB name the linker left NIL was left NIL on purpose: ambiguous);
* it is not on a headline-like line, where capitals say nothing;
* a person is named in full (the same test as ``coref.unknown_full_names``): a
  lone "Smith" or "Ms. Rowe" counts only as a short form of a full name the
  article gives ("Jane Rowe ... Ms. Rowe"), owned by the first person named in
  full with that surname as ``coref.PeopleNamed`` decides for linked people (a
  linked person named first keeps it);
* a one-word organisation or place is not a word the article writes in lower
  case, a common first name or surname, or a word of a person's name in the
  article ("Trump" tagged GPE), and appears at least twice or has the NER's
  label more than once; a company's short name ("Hanover" after "Hanover
  Insurance Co") and an acronym of a name given in full fold into that name.

Keys: ASCII (``anyascii`` transliterates), lower case, words joined by "-"; for
people without titles, suffixes and initials ("Benjamin F. Chavis Jr." ->
``name:benjamin-chavis``), for organisations without a trailing legal form
("Paxar Corp" -> ``name:paxar``), so the same name in two articles is one value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from anyascii import anyascii

from ..kb.common_names import common_names
from ..lexicon import CALENDAR, LEGAL_FORMS, TITLE_WORDS
from ..normalize import normalize_alias
from ..schema import GEO_TYPES, NAME_PREFIX
from .context import lowercase_words
from .coref import CORPORATE_WORDS, PeopleNamed, acronym, name_token_forms, short_org_names, unknown_full_names, _title_case_line
from .kb import KB
from .linker import _title_end
from .model import Link, Mention
from .person_names import GivenNames
from .scoring import DEFAULT_THRESHOLD

# NER label -> the facet type an unlinked name of it gets.
UNLINKED_TYPES: dict[str, str] = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}
# Lower-case words a name may contain ("Bank of America", "Charles de Gaulle").
_CONNECTORS = frozenset("of the for and de del della der den di da du des la le van von bin ibn al el y on at in & '".split())
_SUFFIXES = frozenset("jr sr ii iii iv".split())
_INITIAL = re.compile(r"^(?:[A-Za-z]\.)+$|^[A-Z]$")
_WORD_SPLIT = re.compile(r"[\s]+")
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_ABBREVIATIONS = frozenset("st mt ft dr jr sr".split())
# Punctuation no name holds: a span that ran over a quote, a colon or a clause ("Source:-Al Jazeera").
_NOT_IN_NAMES = re.compile(r"[\"“”?!:;()\[\]/@#,]|['’]s\s|\.-|-$|^-|\s-|-\s|^The-")
# "R-New York", "D-Va.": a lawmaker's party and state, not a place.
_PARTY_STATE = re.compile(r"^[RDI]-[A-Z]")
# Words of institution names every country has ("Supreme Court", "Foreign Ministry", "Coast
# Guard"): two of them alone name no one institution, so they are no facet value.
_GENERIC_ORG_WORDS = frozenset(
    """supreme high constitutional federal national state foreign defense defence interior justice finance health
    intelligence security homeland armed services service judiciary budget senate house congress parliament court
    ministry department office committee commission council guard coast secret police army navy air force forces
    military government cabinet kremlin oval capitol hill central command church catholic party green labour labor
    conservative democratic republican liberal islam executive assembly agency bureau administration white public
    general prosecutor affairs opposition royal treasury commerce trade energy education taoiseach""".split()
)
# A one-word place counts only where the text uses it as one: "in Dunmore", "from Raqqa".
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|at|from|near|outside|inside|around|across|into|through)\s+$", re.I)
_SAINT = frozenset({"st", "st.", "saint"})
# One word the NER often calls a place or organisation, read off newsarticles2017's lists: directions, a process.
_NOT_LONE_NAMES = frozenset("north south east west brexit".split())
# A capitalised word right before an organisation or place the NER cut short ("Al" of
# "Al Jazeera News", "US" of "US Central Command"); function words at a sentence start aside.
_CAPITALISED_BEFORE = re.compile(r"(?<!\w)([A-Z][\w'’-]*) $")
_FUNCTION_WORDS = frozenset("the a an in on at and but as for of by with from to when while after before if so this that these those its his her their our".split())
_ARTICLE = re.compile(r"^(?:al|el)-", re.I)
_ADDRESS_AFTER = re.compile(r"\s*,\s*([A-Z][\w.]*(?: [A-Z][\w.]*){0,2})")
# What ends no place's name: "U.S. Attorney", "U.S. District" (a court's) tagged GPE.
_NOT_PLACE_TAILS = frozenset("attorney attorneys district general court marshal marshals".split())  # may end a word inside a name ("St. Louis")
_MAX_WORDS = 6
_MAX_CHARS = 60


@dataclass(slots=True)
class UnlinkedName:
    """One unlinked entity of an article: its key, type, label and mentions."""

    key: str  # "name:ben-chavis"
    type: str  # person, org or place
    label: str  # the most complete surface form
    mentions: list[int] = field(default_factory=list)  # indexes into the links

    @property
    def first(self) -> int:
        return min(self.mentions)

    def __reduce__(self) -> tuple:
        return (UnlinkedName, (self.key, self.type, self.label, self.mentions))  # as model.Mention's


def name_key(text: str) -> str | None:
    """The facet value of a name: ``name:`` + its ASCII words, lower case, joined by
    "-" ("Ben Chavis" -> ``name:ben-chavis``); None when nothing is left."""
    words = _NOT_KEY.sub(" ", normalize_alias(anyascii(text))).split()
    return NAME_PREFIX + "-".join(words) if words else None


def key_for(type_: str, name: str) -> str | None:
    """The key of a name as the indexer makes it for that type: a person without
    titles, suffixes and initials, an organisation without its legal form (a filter
    typed as "Benjamin F. Chavis" or "Paxar Corp" finds what was indexed)."""
    if type_ == "person":
        return name_key(" ".join(_person_words(name.replace(",", " ").split())))
    if type_ == "org":
        return name_key(" ".join(_org_words(name)))
    return name_key(name)


def _person_words(tokens: list[str]) -> list[str]:
    """The words of a person's name that make the key: no titles, suffixes or initials."""
    words = [t for t in tokens if t.lower().strip(".,") not in TITLE_WORDS | _SUFFIXES and not _INITIAL.match(t.strip(","))]
    return words or tokens


def _org_words(text: str) -> list[str]:
    """An organisation's name without its trailing legal form ("Paxar Corp" -> Paxar)."""
    words = text.replace(",", " ").split()
    while len(words) > 1 and words[-1].lower().strip(".") in LEGAL_FORMS:
        words.pop()
    return words


def _looks_like_name(text: str) -> bool:
    """Capitalised words (connectors aside), no digits, no line break, not too long."""
    if "\n" in text or len(text) > _MAX_CHARS or any(ch.isdigit() for ch in text):
        return False
    if _NOT_IN_NAMES.search(text) or _PARTY_STATE.match(text) or text[-1] in "'’-":
        return False
    words = _WORD_SPLIT.split(text.strip())
    if not words or len(words) > _MAX_WORDS or not words[0][:1].isupper():
        return False
    for w in words:
        low = w.lower()
        if low in _CONNECTORS or re.match(r"^(?:al|el|ad|as|ash|bin|ibn)-", low):
            continue
        if not w[:1].isupper() and not (w[:1] in "'’" and w[1:2].isupper()):
            return False
    for w in words[:-1]:  # "Hanover Insurance Co. Hanover": a span run across a full stop
        if w.endswith(".") and not _INITIAL.match(w) and w.lower().strip(".") not in TITLE_WORDS | _ABBREVIATIONS:
            return False
    core = [w.lower().strip(".,'’") for w in words if w.lower() not in _CONNECTORS]
    if not core or all(w in TITLE_WORDS or w in CALENDAR for w in core):
        return False
    return True


class UnlinkedNames:
    """Finds an article's unlinked entities among the NIL mentions its links leave."""

    def __init__(self, kb: KB, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.kb = kb
        self.threshold = threshold
        self.common = common_names()
        self._given_names = GivenNames(kb)

    def known(self, text: str) -> bool:
        """Does the KB know this surface as a name of anything (not merely a surname)?"""
        return any(c.alias_kind != "surname" for c in self.kb.candidates(text))

    def find(self, links: list[Link], text: str) -> list[UnlinkedName]:
        """The unlinked entities of one article (``text`` is what the offsets index),
        in order of their first mention; each link index appears in one at most."""
        mentions = [link.mention for link in links]
        linked = dict(enumerate(links))
        people = PeopleNamed(self.kb, links, self.threshold)
        title_end = _title_end(text)
        names: dict[tuple[str, str], UnlinkedName] = {}

        def add(type_: str, key: str | None, label: str, i: int) -> None:
            if key is None:
                return
            ent = names.get((type_, key))
            if ent is None:
                names[type_, key] = UnlinkedName(key, type_, label, [i])
                return
            ent.mentions.append(i)
            if len(label) > len(ent.label):
                ent.label = label

        usable_memo: dict[int, bool] = {}  # asked by each of the three passes below

        def usable(i: int, m: Mention) -> bool:
            found = usable_memo.get(i)
            if found is None:
                found = usable_memo[i] = _usable(i, m)
            return found

        def _usable(i: int, m: Mention) -> bool:
            return (
                links[i].qid is None
                and m.source != "coref"
                and m.label in UNLINKED_TYPES
                and m.start >= title_end
                and not _title_case_line(text, m.start)
                and _looks_like_name(m.text)
                and not (m.start and (text[m.start - 1].isalnum() or text[m.start - 1] in "-'’"))  # "-Al Jazeera News": a fragment
                and not (m.end < len(text) and text[m.end].isalnum())
            )

        # People named in full (coref's test), then their short forms.
        full = [(i, t) for i, t in unknown_full_names(mentions, linked, people, title_end, text, self.kb) if usable(i, mentions[i])]
        full = [(i, t) for i, t in full if not self.known(mentions[i].text) and self._person_ok(t, text, people)]
        people.unknown = {}
        by_surname: dict[str, str] = {}  # surname form -> key of the first person named in full with it
        by_first: dict[str, set[str]] = {}
        for i, tokens in full:
            words = _person_words(tokens)
            key = name_key(" ".join(words))
            label = " ".join(t for t in mentions[i].text.split() if t.lower().strip(".,-") not in TITLE_WORDS)
            add("person", key, label, i)
            if key is None or len(words) < 2:
                continue
            for form in name_token_forms(words[-1]):
                people.unknown.setdefault(form, mentions[i].start)
                by_surname.setdefault(form, key)
            for form in name_token_forms(words[0]):
                by_first.setdefault(form, set()).add(key)
        named_words = {w for i, t in full for w in (x.lower().strip(".,") for x in t)} | set(people.surnames) | set(people.first_names)
        taken = {i for ent in names.values() for i in ent.mentions}
        for i, m in enumerate(mentions):
            if i in taken or not usable(i, m) or m.label != "PERSON":
                continue
            tokens = [t for t in m.text.split() if t.lower().strip(".,-") not in TITLE_WORDS]
            if len(tokens) != 1:
                continue
            word = tokens[0].strip(".,")
            forms = name_token_forms(word)
            owner = next((by_surname[f] for f in forms if f in by_surname), None)
            if owner is not None and people.unknown_first(word):
                add("person", owner, "", i)  # "Chavis", "Ms. Rowe" after "Ben Chavis", "Jane Rowe"
                continue
            firsts = {k for f in forms for k in by_first.get(f, ())}
            if len(firsts) == 1 and not any(f in people.first_names for f in forms):
                add("person", next(iter(firsts)), "", i)  # "Ben" after "Ben Chavis"

        # Organisations and places.
        lowered = lowercase_words(text)
        short_orgs = short_org_names(mentions, linked)
        seen: dict[str, int] = {}
        for m in mentions:
            seen[m.text] = seen.get(m.text, 0) + 1
        org_full: dict[str, str] = {}  # acronym -> key of an org named in full
        placed = {m.text for m in mentions if m.label in ("GPE", "LOC") and self._used_as_place(m, " " not in m.text, text)}
        for i, m in enumerate(mentions):
            if i in taken or not usable(i, m) or UNLINKED_TYPES[m.label] == "person":
                continue
            type_ = UNLINKED_TYPES[m.label]
            words = _org_words(m.text) if type_ == "org" else m.text.split()
            if type_ == "org" and m.text in short_orgs:
                words = _org_words(short_orgs[m.text])  # "Hanover" -> Hanover Insurance Co
            if self.known(m.text) or self.known(" ".join(words)):
                continue
            if len(words) > 1 and self._holds_a_person(words, named_words):
                continue  # "Defense Lloyd Austin" tagged ORG: a title glued onto a person
            glued = _CAPITALISED_BEFORE.search(text, max(0, m.start - 30), m.start)
            if glued and glued.group(1).lower() not in _FUNCTION_WORDS:
                continue  # "Al Jazeera News" seen as "Jazeera News": the name is longer than the span
            if type_ == "org" and self._generic_org(words):
                continue
            if type_ == "org" and self._person_like_org(words):
                continue  # "Nikki Haley", "Maurice Mc Cabe" tagged ORG; "Lagan Valley MP"
            if " of " in m.text and re.match(r"\s+and\s+(?:the\s+)?[A-Z]", text[m.end : m.end + 12]):
                continue  # "Islamic State of Iraq" of "... of Iraq and the Levant": cut short
            if type_ == "place" and (words[-1].lower().strip(".,") in TITLE_WORDS | _NOT_PLACE_TAILS or m.text not in placed):
                continue  # "U.S. Attorney"; "Brexit", "the North", "Morning Ireland" tagged GPE
            if len(words) == 1 and not self._lone_word_ok(words[0], m.text, seen if type_ == "org" else None, lowered, named_words, short_orgs):
                short = org_full.get(words[0]) if type_ == "org" else None
                if short is not None:
                    add("org", short, "", i)  # "NAN" after "National Action Network"
                continue
            key = name_key(" ".join(words))
            add(type_, key, m.text if type_ != "org" or m.text not in short_orgs else short_orgs[m.text], i)
            if type_ == "org" and key is not None:
                abbrev = acronym(" ".join(words))
                if abbrev:
                    org_full.setdefault(abbrev, key)
        # An org key that is also a person's or place's: the NER disagreed with itself; keep neither.
        by_key: dict[str, set[str]] = {}
        for type_, key in names:
            by_key.setdefault(key, set()).add(type_)
        out = [ent for (type_, key), ent in names.items() if len(by_key[key]) == 1 and ent.label]
        return sorted(out, key=lambda e: e.first)

    def _person_ok(self, tokens: list[str], text: str, people: PeopleNamed) -> bool:
        """A full name that is a person's: not "Trump Tower" (a linked person's surname
        first), "Marine Le" (cut before its last word), "St Patrick" (a saint, in news his
        day), "Space Shuttles" (common words), nor a KB person spelt another way ("Bashar
        Assad" when the KB knows Bashar al-Assad: the linker's to decide, not a second value)."""
        words = _person_words(tokens)
        first, last = words[0].lower().strip(".,"), words[-1].lower().strip(".,")
        if first in people.surnames or first in _SAINT or tokens[0].lower() in _SAINT:
            return False
        if last in _CONNECTORS or len(words) < 2 or any(_INITIAL.match(w.strip(",")) for w in words):
            return False  # "Marine Le" (cut short); "U. S." (initials only)
        given = first in self.common.given or first in self._given_names
        if not given and (first in lowercase_words(text) or last in lowercase_words(text)):
            return False
        surname = _ARTICLE.sub("", words[-1])
        for form in {surname, words[-1], "al-" + surname, "el-" + surname}:  # "Assad" is the KB's "al-Assad"
            for c in self.kb.candidates(form):
                if c.entity.type == "person" and c.alias_kind == "surname" and c.entity.label.split()[0].lower() == first:
                    return False
        return True

    def _generic_org(self, words: list[str]) -> bool:
        """An institution every country has, by its bare name ("Supreme Court", "Senate")."""
        core = [w.lower().strip(".,") for w in words if w.lower() not in _CONNECTORS]
        return len(core) <= 2 and all(w in _GENERIC_ORG_WORDS for w in core)

    def _person_like_org(self, words: list[str]) -> bool:
        """An "organisation" that is a person's name (a first name, then no word an
        organisation's name has) or ends with a title ("Lagan Valley MP")."""
        lows = [w.lower().strip(".,") for w in words]
        if lows[-1] in TITLE_WORDS or lows[-1] == "mp":
            return True
        org_words = CORPORATE_WORDS | LEGAL_FORMS | _GENERIC_ORG_WORDS | {"university", "college", "school", "institute", "foundation", "hospital", "club"}
        return len(words) >= 2 and lows[0] in self.common.given and not any(w in org_words for w in lows)

    def _holds_a_person(self, words: list[str], named: set[str]) -> bool:
        """Does a several-word organisation or place hold a person's name: the
        surname or first name of someone the article names, a common first name
        after another word, or a KB person's name?"""
        if any(w.lower().strip(".,") in named for w in words if w[:1].isupper()):
            return True
        for i in range(1, len(words) - 1):  # "Defense Lloyd Austin": a first name inside, a word before it
            if words[i].lower() in self.common.given and words[i + 1][:1].isupper() and words[i - 1].lower() not in _CONNECTORS:
                return True
        for n in range(2, len(words) + 1):
            for i in range(len(words) - n + 1):
                if any(c.entity.type == "person" and c.alias_kind != "surname" for c in self.kb.candidates(" ".join(words[i : i + n]))):
                    return True
        return False

    def _used_as_place(self, m: Mention, lone: bool, text: str) -> bool:
        """Is this mention written as a place: after "in", "from", "near" … (a
        several-word name may have "the" between), or as a dateline or address
        ("DUNMORE, Pa. -", "Lohn, West Germany")? One such mention makes every
        mention of the name count."""
        before = text[max(0, m.start - 20) : m.start]
        if _LOCATIVE_BEFORE.search(before):
            return True
        if not lone and re.search(r"\b(?:in|at|from|near|outside|inside|around|across|into|through)\s+the\s+$", before, re.I):
            return True
        after = _ADDRESS_AFTER.match(text, m.end)  # "Lohn, West Germany", "Dunmore, Pa.": a place the KB knows after the comma
        words = after.group(1).split() if after else []
        return any(c.entity.type in GEO_TYPES for n in range(len(words), 0, -1) for c in self.kb.candidates(" ".join(words[:n])))

    def _lone_word_ok(self, word: str, surface: str, seen: dict[str, int] | None, lowered: frozenset[str], named: set[str], short_orgs: dict[str, str]) -> bool:
        """May one word alone name an organisation or place? Only a word no reader
        would take for anything else in this article."""
        low = word.lower().strip(".,")
        if word in short_orgs:
            return True
        if len(low) < 3 or low in lowered or low in CALENDAR or low in TITLE_WORDS:
            return False
        if low in named or low in self.common.given or low in self.common.surnames:
            return False  # "Trump" tagged GPE, "Chavis" tagged ORG
        if word.isupper():
            return False  # a bare acronym: only as the short form of a name given in full
        if low in _NOT_LONE_NAMES:
            return False
        return seen is None or seen.get(surface, 0) >= 2  # an organisation named twice; a place "in" it


def unlinked_names(links: list[Link], text: str, kb: KB, threshold: float = DEFAULT_THRESHOLD) -> list[UnlinkedName]:
    """``UnlinkedNames(kb, threshold).find(links, text)`` for a single article."""
    return UnlinkedNames(kb, threshold).find(links, text)
