"""In-document coreference: short names that point back to an entity the article
names in full.

* "Biden" after "Joe Biden": a name token of a person linked in full;
* "Ford" after "Betty Ford", whom the KB does not know: hers, not a namesake's;
* "BA" after "British Airways": the acronym of an organisation named in full;
* "Hanover" after "Hanover Insurance Co", unknown to the KB: the company, not the
  town;
* a bare surname NER missed ("... Walters added"), found by scanning the text.

Each is a table built from one article's links (``PeopleNamed``), or a function
of the article's text and links; the linker turns what they find into links with
the rule confidences of ``scoring.RULE_CONFIDENCE``.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable

from ..lexicon import CALENDAR
from .context import lowercase_words
from .kb import KB
from .model import Link, Mention

# Words that make a name a company's ("Hanover Insurance Co", "Georgia Power").
CORPORATE_WORDS = frozenset(
    """co corp corporation inc incorporated ltd plc llc ag sa nv company cos bank bancorp insurance power
    group holdings airlines airways exchange motors industries energy petroleum oil steel telecom utilities
    partners capital securities financial trust savings""".split()
)
# A capitalised word right before or after a surname makes it part of another name.
_CAPITALISED_BEFORE = re.compile(r"[A-Z][\w'’.-]*[ \t]+$")
_CAPITALISED_AFTER = re.compile(r"[ \t]+[A-Z]")
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ul|ad|ash|as|at|az|ar|an)-(?=\w{3})", re.I)
# How far back the repeated-surname scan looks for a capitalised word.
_LOOK_BACK = 200


def acronym(name: str) -> str | None:
    """"British Airways" -> "BA", "Federal Bureau of Investigation" -> "FBI" (2-6 letters)."""
    words = [w for w in re.split(r"[\s-]+", name) if w[:1].isupper()]
    if len(words) < 2 or len(words) > 6:
        return None
    return "".join(w[0] for w in words)


def name_token_forms(token: str) -> list[str]:
    """Lower-cased keys one word of a full name answers to later in an article:
    itself, and without an Arabic article ("al-Maliki" is also "Maliki")."""
    tok = token.lower().strip(".,")
    if len(tok) < 3:
        return []
    bare = _ARTICLE_PREFIX.sub("", tok)
    return [tok, bare] if bare != tok else [tok]


class PeopleNamed:
    """The people an article names, read off its confident person links.

    ``tokens``: every name token (of the KB label, its aliases and the mention) ->
    the people it belongs to; ``surnames``: the last word of each full-name
    mention -> the people so named.
    """

    def __init__(self, kb: KB, links: Iterable[Link], threshold: float) -> None:
        self.tokens: dict[str, set[str]] = {}
        self.surnames: dict[str, set[str]] = {}
        for link in links:
            if not (link.qid and link.type == "person" and link.confidence >= threshold):
                continue
            ent = kb.entity(link.qid)
            if ent is not None:
                for name in (ent.label, *ent.aliases, link.mention.text):
                    for tok in name.split():
                        for form in name_token_forms(tok):
                            self.tokens.setdefault(form, set()).add(link.qid)
            if " " in link.mention.text:
                self.surnames.setdefault(link.mention.text.split()[-1].lower(), set()).add(link.qid)

    def surname_owner(self, m: Mention) -> str | None:
        """The one person whose full-name mention ended in this bare word."""
        if " " in m.text or m.label == "PERSON":
            return None
        owners = self.surnames.get(m.text.lower())
        return next(iter(owners)) if owners and len(owners) == 1 else None

    def by_name_tokens(self, m: Mention) -> str | None:
        """The one person every token of a short (1-2 word) person mention names."""
        if "person" not in m.allowed_types or not self.tokens:
            return None
        tokens = [t.lower().strip(".,") for t in m.text.split()]
        if not tokens or len(tokens) > 2:
            return None
        sets = [self.tokens.get(t) for t in tokens]
        if any(s is None for s in sets):
            return None
        qids = set.intersection(*sets)  # type: ignore[arg-type]
        return next(iter(qids)) if len(qids) == 1 else None


def unknown_person_surnames(mentions: list[Mention], linked: dict[int, Link]) -> set[str]:
    """Surnames of people named in full whom the KB does not know: theirs, not a
    namesake's from the KB ("Betty Ford ... Ford")."""
    out = set()
    for i, m in enumerate(mentions):
        if m.label == "PERSON" and " " in m.text and not (linked.get(i) and linked[i].qid):
            out.add(m.text.split()[-1].lower())
    return out


def short_org_names(mentions: list[Mention], links: dict[int, Link]) -> set[str]:
    """Short names of companies the KB does not know: "Hanover Insurance Co ...
    Hanover said", "Georgia Power ... Georgia regulators" (as spelled: "US Airways"
    says nothing of "U.S.")."""
    out = set()
    for i, m in enumerate(mentions):
        words = m.text.split()
        if len(words) >= 2 and not links[i].qid and any(w.lower().strip(".,") in CORPORATE_WORDS for w in words[1:]):
            for n in range(1, len(words)):
                if words[n].lower().strip(".,") in CORPORATE_WORDS:
                    out.add(" ".join(words[:n]).rstrip(","))
                    break
    return out


def org_acronyms(links: Iterable[Link], threshold: float) -> dict[str, set[str]]:
    """Acronym -> organisations named in full whose name or label it abbreviates."""
    out: dict[str, set[str]] = {}
    for link in links:
        if link.qid and link.type == "org" and link.confidence >= threshold:
            for name in {link.mention.text, link.label or ""}:
                short = acronym(name)
                if short:
                    out.setdefault(short, set()).add(link.qid)
    return out


def repeated_surnames(kb: KB, text: str, mentions: list[Mention], links: list[Link], threshold: float, confidence: float) -> list[Link]:
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
        if not (link.qid and link.type == "person" and link.confidence >= threshold and " " in link.mention.text):
            continue
        last = link.mention.text.split()[-1].strip(".,")
        for form in {last, _ARTICLE_PREFIX.sub("", last)}:
            if len(form) >= 3 and form[:1].isupper() and not form.isupper():
                people.setdefault(form, set()).add(link.qid)
    if not people:
        return []
    taken = _Spans((m.start, m.end) for m in mentions)
    lowered = lowercase_words(text)
    out: list[Link] = []
    for surname, qids in people.items():
        if len(qids) != 1 or surname.lower() in CALENDAR or surname.lower() in lowered:
            continue  # "in May 2017", "Rice prices rose": a word, not the person
        if any(c.entity.type != "person" and c.alias_kind in ("label", "alias", "demonym") for c in kb.candidates(surname)):
            continue
        qid = next(iter(qids))
        ent = kb.entity(qid)
        if ent is None:
            continue
        for match in re.finditer(r"(?<![\w-])" + re.escape(surname) + r"(?![\w-])", text):
            a, b = match.span()
            if taken.overlaps(a, b):
                continue
            # Only the word before matters: look back a bounded stretch, not the whole article.
            if _CAPITALISED_BEFORE.search(text, max(0, a - _LOOK_BACK), a) or _CAPITALISED_AFTER.match(text, b):
                continue
            out.append(Link(Mention(a, b, surname, None, "coref"), qid, "person", ent.label, confidence, "coref"))
    return out


class _Spans:
    """Spans, for "does [a, b) overlap any of them?" in O(log n): an article with
    thousands of mentions must not make the surname scan quadratic."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        self.max_end: list[int] = []  # the furthest end among the spans up to each
        furthest = -1
        for _, e in ordered:
            furthest = max(furthest, e)
            self.max_end.append(furthest)

    def overlaps(self, a: int, b: int) -> bool:
        i = bisect_left(self.starts, b)  # the spans that start before b
        return i > 0 and self.max_end[i - 1] > a
