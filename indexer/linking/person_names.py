"""When one word may stand for a person.

A bare word that is a famous person's surname is usually not that person: "Rice"
is rice wine, "Jordan" the country, "Paul" a patient, "the Ford" an aircraft
carrier, "the Jobs' neighbour" a family, "Gore Fabrics" a company, "Clinton"
either of two. A single word links to a person only when the article names that
person in full (``coref.py``), or when the word is, in news, overwhelmingly that
person's: every test below passes. Each refusal is named, so ``--explain`` and
the ``nil:…`` method say why.
"""
from __future__ import annotations

import re
from collections.abc import Container, Iterator

import marisa_trie

from ..gazetteer import ensure_trie, index_fingerprint, open_index
from ..kb.common_names import common_names
from ..kb.store import Candidate
from ..lexicon import CALENDAR, TITLE_WORDS
from .context import DocumentContext
from .kb import KB, names_another_type
from .model import Mention

# A surname stands alone only for someone at least this prominent (sitelink-like
# popularity) ...
BARE_SURNAME_MIN_POPULARITY = 100
# ... and this many times more prominent than any namesake the KB knows
# ("Obama": Barack 330 vs Michelle 130; "Clinton": Bill 210 vs Hillary 170 is a tie).
NAMESAKE_RATIO = 2.0
# A word before a surname that makes it a thing or a family ("the Ford", "a Jobs").
_DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an)\s+$", re.I)
# ... unless what follows is the person's own government or campaign ("the Obama
# administration", "a Trump campaign aide").
_GOVERNMENT_AFTER = re.compile(
    r"\s+(?:administration|government|campaign|regime|presidency|cabinet|team|camp|aides?|allies|transition|"
    r"doctrine|policy|policies|visit|speech|White House|Kremlin|era|years|legacy|agenda|directive|order|orders|"
    r"rules?|plan|strategy|appointees?|nominees?|pick|officials|voters|supporters|critics|loyalists|tweets?|"
    r"statement|remarks|comments|interview|victory|win|defeat|presidential|-era)\b",
    re.I,
)
# What after a surname makes it a family or something named after it.
_FAMILY_AFTER = re.compile(
    r"(?:['’]\s*|['’]s\s+|\s+)(?:family|families|children|kids|sons|daughters|brothers|sisters|siblings|dynasty|clan|"
    r"household|estate|foundation|ruling|decision|case|library|center|centre|school|airport|street|avenue|"
    r"road|bridge|stadium|park|county|wine|prices?)\b",
    re.I,
)
_CAPITALISED_AFTER = re.compile(r"[ \t]*-?[ \t]*[A-Z][a-z]")
# A lower-case role right before a name: someone introduced by their job ("agent
# Sanders", "the farmer Santos"), not the famous namesake ("Senator Sanders").
_ROLE_BEFORE = re.compile(
    r"\b(?:agent|officer|detective|deputy|trooper|lawyer|attorney|coach|player|teacher|nurse|doctor|dr|witness|"
    r"neighbou?r|resident|student|farmer|driver|worker|teammate|defender|striker|forward|guard|pitcher|"
    r"quarterback|goalkeeper|midfielder|rookie|manager|owner|spokesman|spokeswoman|victim|suspect|"
    r"son|daughter|brother|sister|wife|husband|mother|father|cousin|uncle|aunt|friend)\s+$"
)
# An office held by the person right before the name: a person is meant.
_OFFICE_BEFORE = re.compile(
    r"\b(?:President|Vice President|Prime Minister|Premier|Chancellor|Senator|Sen\.|Governor|Gov\.|Secretary|"
    r"Minister|Speaker|King|Queen|Pope|Ayatollah|Emir|Sheikh|Crown Prince|Prince|Princess|General|Gen\.|"
    r"Ambassador|Justice|Chief Justice|Mayor|Leader)\s+$"
)
# A royal or religious title is followed by a given name ("Sheikh Ali", "Prince
# Charles", "King Fahd", "Pope Francis"), never by the surname of a namesake.
_GIVEN_NAME_TITLE_BEFORE = re.compile(r"\b(?:King|Queen|Crown Prince|Prince|Princess|Sheikh|Sheik|Emir|Sultan|Pope|Sir|Dame)\s+$")
# Where a sentence (or a line: a headline, a caption) starts.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"“‘(—–-]\s*|\n)\s*$")
_PLURAL_POSSESSIVE = re.compile(r"s['’](?!s)")


# Bumped when the rule of _scan changes (the file of a KB's first names is rebuilt).
GIVEN_NAMES_FORMAT = "1"


class GivenNames:
    """First names read off the KB's people ("Paul" of "Paul Ryan", "Ali" of "Ali
    Khamenei"): a word that is somebody's first name is nobody's surname alone.
    Built once per process and KB file (see _given_names_of); a Wikidata-sized KB makes it thorough."""

    def __init__(self, kb: KB) -> None:
        self.kb = kb
        self._names: Container[str] | None = None

    def __contains__(self, word: str) -> bool:
        if self._names is None:
            self._names = _given_names_of(self.kb)
        return word.lower() in self._names


# The linker's and the unlinked-name finder's GivenNames on one KB file read it once
# per process. A KB file's names are moreover a trie file beside it, written by the
# first process that needs them and memory-mapped by every other (as the gazetteer
# index, indexer/gazetteer.py): a Wikidata-sized KB's ~1.3 M person names took ~5 s
# to read in every process (bench/kb_scale.py). Only a KB file is shared (a rebuild
# is another version); an in-memory KB can still grow.
_GIVEN_NAMES: dict[tuple[str, str], Container[str]] = {}


def _scan(kb: KB) -> Iterator[str]:
    for surface, _qid, _type, _kind in kb.iter_aliases(("label", "alias"), types=("person",)):
        tokens = surface.split()
        if len(tokens) >= 2:
            first = tokens[0].lower().strip(".,")
            if first not in TITLE_WORDS and len(first) >= 3:
                yield first


def _given_names_of(kb: KB) -> Container[str]:
    path, version = getattr(kb, "path", None), getattr(kb, "version", None)
    if path is None or version is None:
        return frozenset(_scan(kb))
    key = (str(path), str(version))
    if key not in _GIVEN_NAMES:
        fingerprint = index_fingerprint(path, version, f"given-names {GIVEN_NAMES_FORMAT} {','.join(sorted(TITLE_WORDS))}")
        try:
            _GIVEN_NAMES[key] = open_index(ensure_trie(path, "given-names", fingerprint, lambda: marisa_trie.Trie(set(_scan(kb)))))
        except OSError:  # nowhere to write it: the set in memory
            _GIVEN_NAMES[key] = frozenset(_scan(kb))
    return _GIVEN_NAMES[key]


class BareSurnames:
    """Decides whether a lone word may be linked to the person whose surname it is."""

    def __init__(self, kb: KB) -> None:
        self.kb = kb
        self.given_names = GivenNames(kb)
        self.common = common_names()

    def refusal(self, m: Mention, chosen: Candidate, cands: list[Candidate], doc: DocumentContext) -> str | None:
        """Why ``m`` must not be ``chosen`` (a person by surname), or None if it may.

        An office before the name ("President Carter", "Chancellor Merkel") or the
        person's government after it ("the Carter administration") says a person
        is meant, which outweighs the word being common; which person is still
        decided by prominence and namesakes."""
        word = m.text.strip()
        text = doc.text
        if names_another_type(self.kb, word):
            return "surname-names-something-else"  # "Jordan", "Kerry", "Washington"
        if _FAMILY_AFTER.match(text, m.end) or _PLURAL_POSSESSIVE.match(text, m.end - 1):
            return "surname-of-a-thing-or-family"  # "the Brown ruling", "the Jobs' neighbour", "Trump children"
        if _GIVEN_NAME_TITLE_BEFORE.search(text, max(0, m.start - 20), m.start):
            return "a-given-name-after-a-title"  # "Sheikh Ali" is no namesake of Muhammad Ali
        strong = bool(_OFFICE_BEFORE.search(text, max(0, m.start - 30), m.start) or _GOVERNMENT_AFTER.match(text, m.end))
        if not strong:
            why = self._weak_evidence(m, word, text, doc)
            if why:
                return why
        if chosen.entity.popularity < BARE_SURNAME_MIN_POPULARITY:
            return "surname-of-someone-not-prominent"
        rivals = [c.entity.popularity for c in cands if c.entity.type == "person" and c.entity.qid != chosen.entity.qid]
        if rivals and chosen.entity.popularity < NAMESAKE_RATIO * max(rivals):
            return "surname-of-several-people"  # "Clinton", "Bush"
        return None

    def _weak_evidence(self, m: Mention, word: str, text: str, doc: DocumentContext) -> str | None:
        """Why a bare word with nothing around it saying "person" is not this one."""
        if m.label != "PERSON":
            return "surname-not-a-person-name"  # NER did not even see a person here
        low = word.lower()
        if low in CALENDAR or low in doc.lowercase:
            return "surname-is-a-common-word"  # "May 2017", "rice"
        if low in self.given_names or low in self.common.given:
            return "surname-is-a-first-name"  # "Paul", "James", "Kerry"
        if low in self.common.surnames:
            return "surname-too-common"  # "Williams", "Rice", "Ford": thousands bear it
        if _DETERMINER_BEFORE.search(text, max(0, m.start - 12), m.start):
            return "surname-of-a-thing-or-family"  # "the Ford"
        if _CAPITALISED_AFTER.match(text, m.end):
            return "surname-in-another-name"  # "Gore Fabrics", "Moon Jae-in"
        if _ROLE_BEFORE.search(text, max(0, m.start - 20), m.start):
            return "surname-of-someone-introduced-by-role"  # "agent Sanders"
        if not self._capitalised_mid_sentence(word, text):
            return "surname-only-where-any-word-is-capitalised"  # "Rice is cheap here.", "Kerry, Cork and Dublin"
        return None

    @staticmethod
    def _capitalised_mid_sentence(word: str, text: str) -> bool:
        """Is ``word`` written capitalised somewhere a common word would not be
        (not at the start of a sentence or line)? A capital there is the writer's
        sign of a name; at a sentence start it says nothing."""
        for match in re.finditer(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text):
            if not _SENTENCE_START.search(text, max(0, match.start() - 3), match.start()):
                return True
        return False
