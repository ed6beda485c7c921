"""Mentions: the spans of a spaCy Doc that may name a KB entity.

Two sources feed it: the statistical NER (``doc.ents``) and the KB gazetteer
(``doc.spans["kb"]``). Where they overlap we keep one span:

* an NER span the KB resolves with a type its label allows is kept as it is;
* a KB name *inside* a longer NER span is that entity only when the rest of the
  span is decoration — titles ("Defense Secretary Lloyd Austin"), lower-case
  words, other KB names ("U.S.-Israeli"). When the rest is itself part of a name
  ("Georgia Power", "University of Alabama", "North Las Vegas", "George Bush
  Intercontinental Airport") the span names something else: it stays one NIL
  mention and never becomes the place or person inside it;
* a KB name the NER did not see is taken only where that is rarely wrong, and
  never when it is glued to other capitalised words ("Toronto-Dominion Bank") or
  sits inside an NER span of a kind we do not link ("the Paris Agreement");
* a weapon name absorbs the generic noun after it: "Shahed drones", "Patriot
  missile batteries" are one mention (the linker resolves the name, else the
  weapon class the noun names).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from spacy.tokens import Doc, Span, Token

from .kb import KnowledgeBase
from .kb.common_words import all_common_words
from .lexicon import CALENDAR, LEGAL_FORMS, STATE_FORMS, TITLE_WORDS, WEAPON_NOUNS
from .linking.model import ANY_TYPE, LABEL_TYPES, Mention
from .linking.namesakes import is_brand, weak_word
from .schema import GEO_TYPES
from .nlp import GAZETTEER_KEY
from .normalize import strip_possessive

# NER labels that often swallow a KB name into a wrong, longer span.
LOOSE_LABELS = {"ORG", "NORP", "FAC", "PRODUCT"}

_TICKER = re.compile(r"^[A-Z0-9]{2,6}\.[A-Z]{1,2}$")
_CAPITALISED = re.compile(r"^[A-Z][\w'.-]*$")
# Labels of the NER entities a name never runs into.
_NOT_NAME_LABELS = {"PERSON", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}


class _Names:
    """What one extraction asks again and again, answered once per document: a
    span's cleaned text, and the KB types of a name (the NER and gazetteer passes
    look the same few names up dozens of times an article)."""

    __slots__ = ("kb", "text", "_clean", "_types", "_all_types")

    def __init__(self, kb: KnowledgeBase, text: str) -> None:
        self.kb = kb
        self.text = text  # what the doc was made from: a span's text is a slice of it
        self._clean: dict[tuple[int, int], tuple[int, int, str]] = {}
        self._types: dict[str, frozenset[str]] = {}
        self._all_types: dict[str, frozenset[str]] = {}

    def clean(self, span: Span) -> tuple[int, int, str]:
        """The span without a leading "the" and a trailing possessive: (start, end, text)."""
        key = (span.start_char, span.end_char)
        found = self._clean.get(key)
        if found is None:
            found = self._clean[key] = _clean(self.text[key[0] : key[1]], key[0])
        return found

    def kb_types(self, text: str) -> frozenset[str]:
        """Types of the entities ``text`` names by a label, alias or demonym."""
        found = self._types.get(text)
        if found is None:
            found = self._types[text] = frozenset(c.entity.type for c in self.kb.candidates(text) if c.alias_kind != "surname")
        return found

    def resolvable(self, text: str, types: frozenset[str]) -> bool:
        """Does ``text`` name (surnames too) an entity of one of ``types``?"""
        found = self._all_types.get(text)
        if found is None:
            found = self._all_types[text] = frozenset(c.entity.type for c in self.kb.candidates(text))
        return not found.isdisjoint(types)


def _clean(text: str, start: int) -> tuple[int, int, str]:
    """Trim a leading "the" and a trailing possessive from a span's text (it starts at ``start``)."""
    if text.lower().startswith("the "):
        text, start = text[4:], start + 4
    stripped = strip_possessive(text).rstrip(" -–—,:;")
    return start, start + len(stripped), stripped


def _is_decoration(token: Token) -> bool:
    """A token inside an NER span that does not make the span another name."""
    text = token.text
    if token.lower_ in ("of", "for", "&"):
        return False  # "Republican Party of Kentucky" is one name
    if token.is_punct or token.is_space or token.like_num or token.is_stop:
        return True
    if text in ("'s", "’s", "'", "’", "-", "–"):
        return True
    if text[:1].islower() or _TICKER.match(text):
        return True  # lower-case words; Reuters instrument codes ("VOWG.F")
    return text.lower().rstrip(".") in TITLE_WORDS or text.lower() in TITLE_WORDS


def _is_name_word(token: Token) -> bool:
    """A capitalised word that can continue a proper name ("Dominion", "Power")."""
    low = token.text.lower().rstrip(".")
    return (
        bool(_CAPITALISED.match(token.text))
        and not token.is_punct
        and not token.like_num
        and not token.is_stop
        and low not in TITLE_WORDS
        and low not in CALENDAR
    )


def _starts_sentence(doc: Doc, i: int) -> bool:
    if i == 0:
        return True
    prev = doc[i - 1]
    return prev.text in (".", "!", "?", ":", ";", '"', "“", "”", "``", "''", "(", "-", "—", "–") or "\n" in prev.text or "\n" in prev.whitespace_


def _headline(text: str, span: Span, memo: dict[tuple[int, int], bool]) -> bool:
    """Is the span on a Title Case or ALL CAPS line, where capitals say nothing?"""
    lo = text.rfind("\n", 0, span.start_char) + 1
    hi = text.find("\n", span.end_char)
    hi = hi if hi >= 0 else len(text)
    if (lo, hi) in memo:
        return memo[lo, hi]
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text[lo:hi]) if len(w) > 3 or w[0].isupper()]
    capital = sum(1 for w in words if w[0].isupper())
    memo[lo, hi] = result = len(words) >= 4 and capital >= 0.7 * len(words)
    return result


def _national_arm(names: _Names, ent: Span, inner: list[Span]) -> bool:
    """"Lloyds Bank Canada", "Toyota Canada", "BBC Scotland": an organisation's
    name with a country or region glued after it, as NER's one ORG span, names
    its national arm — one organisation, neither the parent nor the place."""
    if ent.label_ != "ORG":
        return False
    for a, b in zip(inner, inner[1:]):
        if b.start == a.end and b.end == ent.end and "org" in names.kb_types(names.clean(a)[2]) and names.kb_types(names.clean(b)[2]) & GEO_TYPES:
            return True
    return False


class _Lazy:
    """A per-token flag computed on demand (a name extension looks at a few tokens)."""

    __slots__ = ("fn",)

    def __init__(self, fn) -> None:
        self.fn = fn

    def __getitem__(self, i: int) -> bool:
        return self.fn(i)


def _extend_name(doc: Doc, start: int, end: int, name_ok: list[bool], head_ok: list[bool] | None = None) -> tuple[int, int]:
    """The longer name a KB name is part of: capitalised words glued to it
    ("Chicago White Sox", "Georgia Public Service Commission", "Toronto-Dominion
    Bank"), or an "X of" before it ("University of Alabama", "Republican Party of
    Kentucky"; not "Kingdom of Saudi Arabia", not "Pace Consultants Inc of Houston")."""
    j = end
    while j < len(doc):
        tok = doc[j]
        if name_ok[j] and _is_name_word(tok):
            j += 1
        elif tok.text in ("-", "–") and not doc[j - 1].whitespace_ and not tok.whitespace_ and j + 1 < len(doc) and name_ok[j + 1] and _is_name_word(doc[j + 1]):
            j += 2
        else:
            break
    i = start
    while i > 0:
        prev = doc[i - 1]
        if name_ok[i - 1] and _is_name_word(prev) and not _starts_sentence(doc, i - 1) and not _starts_sentence(doc, i):
            i -= 1
        elif prev.text in ("-", "–") and not prev.whitespace_ and i >= 2 and not doc[i - 2].whitespace_ and name_ok[i - 2] and _is_name_word(doc[i - 2]):
            i -= 2
        elif (
            prev.lower_ == "of"
            and i >= 2
            and (head_ok or name_ok)[i - 2]
            and _is_name_word(doc[i - 2])
            and doc[i - 2].lower_ not in STATE_FORMS
            and doc[i - 2].lower_.strip(".,") not in LEGAL_FORMS  # "Montedison SPA of Italy": where it is based
            and not _starts_sentence(doc, i - 2)
        ):
            i -= 2
        else:
            break
    return i, j


def _plausible_gazetteer_only(names: _Names, span: Span, text: str) -> bool:
    """Accept a KB match the NER did not see only where that is rarely wrong."""
    if not text[:1].isupper() and not text[:1].isdigit() and not text.startswith(("al-", "el-")):
        return False
    kb = names.kb
    types = names.kb_types(text)
    if not types:
        return False
    if len(span) == 1 and weak_word(text, kb.candidates(text)):
        return False  # "Police", "Court", "Brothers": the word, where NER saw no name
    if len(span) > 1:
        return True
    if text.isupper() and len(text) >= 3:
        # Acronyms (NATO, IAEA, HIMARS), and in a wire headline any name: there every
        # word is in capitals. But not a person's name by one word NER did not see
        # ("LITTLE PRINCE PRODUCTIONS LTD" is no musician), and not a word of a
        # longer name the story spells out ("MCDONNELL DOUGLAS": McDonnell Douglas).
        if _spelled_in_capitals(kb, text):
            return True
        if any(c.entity.type == "person" and c.alias_kind != "surname" for c in kb.candidates(text)):
            return False
        return not _in_a_name_spelled_out(span, names.text)
    if types & {"weapon", "org"} and not span[0].is_stop:
        # An organisation the NER missed, but not a brand by its bare name ("Samsung" needs NER).
        return any(c.entity.type == "weapon" or (c.entity.type == "org" and not is_brand(c.entity)) for c in kb.candidates(text))
    # A city or country by its full label that the NER missed ("Kyiv"), but not
    # a capitalised first word of a sentence.
    labels = {c.entity.type for c in kb.candidates(text) if c.alias_kind == "label"}
    return bool(labels & GEO_TYPES) and not _starts_sentence(span.doc, span.start) and text[1:].islower()


def _in_a_name_spelled_out(span: Span, doc_text: str) -> bool:
    """Is this capitalised word, with the capitalised word before or after it, a
    name the text writes in mixed case elsewhere ("MCDONNELL DOUGLAS" beside
    "McDonnell Douglas Corp", "THAI AIRWAYS" beside "Thai Airways International")?"""
    doc = span.doc
    for pair in ((span.start - 1, span.start), (span.end - 1, span.end)):
        a, b = pair
        if a < 0 or b >= len(doc) or not (doc[a].is_alpha and doc[b].is_alpha and doc[a].is_upper and doc[b].is_upper):
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(doc[a].text)}\s+{re.escape(doc[b].text)}(?!\w)", re.I)
        for found in pattern.finditer(doc_text):
            first, second = found.group(0).split()[0], found.group(0).split()[-1]
            if not found.group(0).isupper() and first[:1].isupper() and second[:1].isupper():
                return True
    return False


def _spelled_in_capitals(kb: KnowledgeBase, text: str) -> bool:
    """Does the KB write this all-caps word so (an acronym: "NATO", "HIMARS")?"""
    return any(text in spellings for spellings in kb.alias_surfaces(text).values())


def _weak_word_span(names: _Names, g: Span) -> bool:
    """Is ``g`` a KB name that is an ordinary word naming only weak entities ("University")?"""
    text = names.clean(g)[2]
    return weak_word(text, names.kb.candidates(text))


def _weapon_tail(doc: Doc, end: int) -> int:
    """Token index after the generic weapon nouns that follow position ``end``."""
    i = end
    while i < len(doc) and i - end < 2 and doc[i].text.lower() in WEAPON_NOUNS:
        i += 1
    return i


def _company_of_place(doc: Doc, ent: Span, names: _Names) -> tuple[Span | None, Span] | None:
    """Wire copy's "Ozaki Trading Co Ltd of Osaka", "Pace Consultants Inc of Houston":
    a company (its name ends in a legal form, so "of" cannot continue it) and the
    place it is based in, which spaCy tags as one ORG. Returned as (company or None
    when only the legal form is left, place) when the part after "of" is a KB place."""
    if ent.label_ != "ORG":
        return None
    for i in range(ent.start + 1, ent.end - 1):
        if doc[i].lower_ == "of" and doc[i - 1].lower_.strip(".,") in LEGAL_FORMS:
            place = doc[i + 1 : ent.end]
            if not names.kb_types(names.clean(place)[2]) & GEO_TYPES:
                return None
            company = doc[ent.start : i]
            return (None if all(t.lower_.strip(".,") in LEGAL_FORMS for t in company) else company), place
    return None


def extract_mentions(doc: Doc, kb: KnowledgeBase, text: str | None = None) -> list[Mention]:
    """Non-overlapping mentions in document order. ``text``: what ``doc`` was made
    from, when the caller holds it (``Doc.text`` joins every token again, ~1.5 ms
    for a news article)."""
    chosen: list[Mention] = []
    doc_text = doc.text if text is None else text
    names = _Names(kb, doc_text)
    ents = doc.ents  # (each ``doc.ents`` builds every Span again)
    ner_spans = [e for e in ents if e.label_ in LABEL_TYPES]
    # Names of kinds we never link (events, laws, works, dates) block the KB
    # names inside them: "Paris" in "the Paris Agreement".
    blocked = [False] * len(doc)
    for ent in ents:
        if ent.label_ not in LABEL_TYPES:
            for i in range(ent.start, ent.end):
                blocked[i] = True
    gaz_spans: list[Span] = sorted(doc.spans[GAZETTEER_KEY], key=lambda g: g.start) if GAZETTEER_KEY in doc.spans else []
    gaz_starts = [g.start for g in gaz_spans]
    gaz_ends = [g.end for g in gaz_spans]
    taken = [False] * len(doc)
    # Tokens a longer name may run into (not people, dates or numbers).
    name_ok = [True] * len(doc)
    for ent in ents:
        if ent.label_ in _NOT_NAME_LABELS:
            for i in range(ent.start, ent.end):
                name_ok[i] = False
    head_ok = list(name_ok)  # "GM of Canada": an organisation may head "X of Y"
    for g in gaz_spans:  # but a name does not run into a KB name of its own ("Israeli" + "F-35")
        g_text = names.clean(g)[2]  # (an ordinary word a brand is named by is no name of its own: "Brothers")
        if names.kb_types(g_text) - GEO_TYPES and not all_common_words(g_text):
            for i in range(g.start, g.end):
                name_ok[i] = False

    taken_label: dict[int, str | None] = {}
    headline_memo: dict[tuple[int, int], bool] = {}

    def take(span: Span, label: str | None, source: str) -> None:
        start, end, text = names.clean(span)
        if not text.strip():
            return
        # A longer name swallows the mentions it runs over ("Blue Shield" +
        # "of Alabama" -> "Blue Shield of Alabama").
        if any(taken[i] for i in range(span.start, span.end)):
            chosen[:] = [m for m in chosen if m.end <= span.start_char or m.start >= span.end_char]
        for i in range(span.start, span.end):
            taken[i] = True
            taken_label[i] = label
        chosen.append(Mention(start, end, text, label, source))

    def free(span: Span) -> bool:
        return not any(taken[i] for i in range(span.start, span.end))

    def longer_name(span: Span) -> Span | None:
        """The longer name a place or demonym is glued into, if any."""
        if _headline(doc_text, span, headline_memo):
            return None
        # Tokens of an organisation already taken may be the head of "X of Y".
        ok = _Lazy(lambda i: name_ok[i] and (not taken[i] or taken_label.get(i) in ("ORG", "FAC")))
        head = _Lazy(lambda i: head_ok[i] and (not taken[i] or taken_label.get(i) in ("ORG", "FAC", None)))
        s2, e2 = _extend_name(doc, span.start, span.end, ok, head)  # type: ignore[arg-type]
        return doc[s2:e2] if (s2, e2) != (span.start, span.end) else None

    def take_weapon(span: Span, label: str | None, source: str) -> None:
        """A weapon name with the generic nouns after it as one mention."""
        end = _weapon_tail(doc, span.end)
        if end > span.end and not any(taken[i] for i in range(span.end, end)):
            span = doc[span.start : end]
        take(span, label, source)

    for ent in ner_spans:
        types = LABEL_TYPES[ent.label_]
        if not free(ent):
            continue
        based = _company_of_place(doc, ent, names)
        if based is not None:
            company, place = based
            if company is not None:
                take(company, "ORG", "ner")
            take(place, "GPE", "ner")
            continue
        _s, _e, text = names.clean(ent)
        # Gazetteer spans are sorted and do not overlap (filter_spans): their starts and
        # ends both ascend, so the ones touching this entity are found by bisection
        # (a scan per entity made a long article quadratic).
        lo, hi = bisect_right(gaz_ends, ent.start), bisect_left(gaz_starts, ent.end)
        overlapping = [g for g in gaz_spans[lo:hi] if free(g)]
        # A KB name that contains the NER span and more ("Lloyd" -> "Lloyd
        # Austin", "Washington" -> "Washington Post").
        wider = [g for g in overlapping if g.start <= ent.start and g.end >= ent.end and len(g) > len(ent)]
        if wider:
            g = max(wider, key=len)
            take(g, ent.label_ if names.resolvable(names.clean(g)[2], types) else None, "kb")
            continue
        if names.resolvable(text, types):
            kb_types = names.kb_types(text)
            if kb_types and kb_types <= GEO_TYPES:
                longer = longer_name(ent)
                if longer is not None:
                    # "Chicago" of "Chicago White Sox": the longer name is the mention.
                    long_text = names.clean(longer)[2]
                    take(longer, None if names.kb_types(long_text) else ent.label_, "kb" if names.kb_types(long_text) else "ner")
                    continue
            if "weapon" in kb_types:
                take_weapon(ent, ent.label_, "ner")
            else:
                take(ent, ent.label_, "ner")
            continue
        inner = [g for g in overlapping if g.start >= ent.start and g.end <= ent.end]
        if ent.label_ in LOOSE_LABELS:
            inner = [g for g in inner if names.kb_types(names.clean(g)[2])]
        else:
            inner = [g for g in inner if names.resolvable(names.clean(g)[2], types)]
        # An ordinary word inside a longer name is part of it, not an entity of its
        # own: "Stony Brook University", "Salomon Brothers", "Georgia State University".
        inner = [g for g in inner if not _weak_word_span(names, g)]
        covered = {i for g in inner for i in range(g.start, g.end)}
        rest = [doc[i] for i in range(ent.start, ent.end) if i not in covered]
        if inner and all(_is_decoration(t) for t in rest) and not _national_arm(names, ent, inner):
            for g in inner:
                g_text = names.clean(g)[2]
                label = ent.label_ if names.resolvable(g_text, types) else None
                if "weapon" in names.kb_types(g_text):
                    take_weapon(g, label, "kb")
                else:
                    take(g, label, "kb")
            for i in range(ent.start, ent.end):
                taken[i] = True
            continue
        # An unknown name followed by a weapon noun the KB knows: "Shahed drones".
        tail = _weapon_tail(doc, ent.end)
        if tail > ent.end and ent.label_ in LOOSE_LABELS and free(doc[ent.end : tail]):
            take(doc[ent.start : tail], None, "ner")
            continue
        take(ent, ent.label_, "ner")

    for g in gaz_spans:
        if not free(g) or any(blocked[i] for i in range(g.start, g.end)):
            continue
        _s, _e, text = names.clean(g)
        if not _plausible_gazetteer_only(names, g, text):
            continue
        types = names.kb_types(text)
        if "weapon" not in types and longer_name(g) is not None:
            continue  # "Toronto" of "Toronto-Dominion Bank"
        if "weapon" in types:
            take_weapon(g, None, "kb")
        else:
            take(g, None, "kb")

    chosen.sort(key=lambda m: m.start)
    return chosen
