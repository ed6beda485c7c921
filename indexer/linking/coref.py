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

from ..kb.store import Candidate
from ..lexicon import CALENDAR, TITLE_WORDS
from .context import lowercase_words
from .kb import KB, names_another_type
from .model import Link, Mention
from .namesakes import is_brand

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


# A person named in full owns their bare surname in the article, unless the KB
# knows a namesake this many times more prominent whom the article does not name
# ("Ivanka Trump ... Trump said" is as likely her father: no link).
COREF_NAMESAKE_RATIO = 2.0


def overshadowed(kb: KB, surname: str, popularity: float, named: dict[str, float] | set[str]) -> bool:
    """Does the KB know a person with this surname, not named in the article, far
    more prominent than the one who is ("Ivanka Trump ... Trump")?"""
    for c in kb.candidates(surname):
        if c.entity.type == "person" and c.alias_kind == "surname" and c.entity.qid not in named:
            if c.entity.popularity >= COREF_NAMESAKE_RATIO * max(popularity, 1.0):
                return True
    return False


class PeopleNamed:
    """The people an article names in full, read off its confident person links.

    ``surnames``: the last word of each person's label and of each full-name
    mention -> the people it belongs to; ``first_names``: the first words, the same
    way (after a title: "Pope Francis" -> "Francis"). A later short mention is one
    of them only by these words, as the article and the KB's own label spell the
    name: "Biden", "Joe" or "Joe Biden" after "Joe Biden"; "Kim" after "Kim
    Jong-un"; never "John" of "Donald John Trump" or "Donald" of "David William
    Donald Cameron" (middle names of aliases).
    """

    def __init__(self, kb: KB, links: Iterable[Link], threshold: float) -> None:
        self.kb = kb
        self.surnames: dict[str, set[str]] = {}
        self.first_names: dict[str, set[str]] = {}
        self.popularity: dict[str, float] = {}
        self.first_seen: dict[str, int] = {}  # QID -> offset of its first full-name mention
        # Surname -> offset of the first person named in full whom the KB does not
        # know ("Betty Ford"); set by the linker once it knows who is unknown.
        self.unknown: dict[str, int] = {}
        for link in links:
            if not (link.qid and link.type == "person" and link.confidence >= threshold):
                continue
            if " " in link.mention.text:
                self.first_seen[link.qid] = min(self.first_seen.get(link.qid, link.mention.start), link.mention.start)
            ent = kb.entity(link.qid)
            names = [link.mention.text] + ([ent.label] if ent is not None else [])
            self.popularity[link.qid] = ent.popularity if ent is not None else 0.0
            for name in names:
                words = name.replace(",", " ").split()
                tokens = [t for t in words if t.lower().strip(".") not in TITLE_WORDS]
                if len(tokens) == 1 and len(words) > 1:  # "Pope Francis", "Queen Elizabeth": the name after the title
                    for form in name_token_forms(tokens[0]):
                        self.first_names.setdefault(form, set()).add(link.qid)
                if len(tokens) < 2:
                    continue
                for form in name_token_forms(tokens[-1]):
                    self.surnames.setdefault(form, set()).add(link.qid)
                for form in name_token_forms(tokens[0]):
                    self.first_names.setdefault(form, set()).add(link.qid)

    def _owner(self, qids: set[str] | None, surname: str) -> str | None:
        """Who a bare surname names when the article names people with it in full.

        The news convention: the person named first is the one later called by the
        surname alone ("Gerald R. Ford ... Betty Ford ... Ford's boyhood home");
        others get their first names. So the first named owns it, unless that is
        someone the KB does not know (then nobody: ``unknown_first``), or a far more
        prominent namesake could be meant — named later in the article, or not
        named at all ("Ivanka Trump ... Trump said")."""
        if not qids:
            return None
        first = min(qids, key=lambda q: self.first_seen.get(q, 1 << 62))
        unknown_at = self.unknown.get(surname.lower())
        if unknown_at is not None and unknown_at < self.first_seen.get(first, 1 << 62):
            return None
        own = self.popularity.get(first, 0.0)
        if any(self.popularity.get(q, 0.0) >= COREF_NAMESAKE_RATIO * max(own, 1.0) for q in qids if q != first):
            return None
        return None if overshadowed(self.kb, surname, own, self.popularity) else first

    def holder(self, surname: str) -> str | None:
        """The person a bare ``surname`` names in this article, if anyone."""
        qids = {q for form in name_token_forms(surname) for q in self.surnames.get(form, ())}
        return self._owner(qids, surname)

    def unknown_first(self, surname: str) -> bool:
        """Is the first person named in full with this surname one the KB does not know?"""
        unknown_at = self.unknown.get(surname.lower())
        if unknown_at is None:
            return False
        known = [self.first_seen.get(q, 1 << 62) for form in name_token_forms(surname) for q in self.surnames.get(form, ())]
        return not known or unknown_at < min(known)

    def surname_owner(self, m: Mention) -> str | None:
        """The person a bare word NER did not call a person names ("Trump's")."""
        if " " in m.text or m.label == "PERSON":
            return None
        return self._owner(self.surnames.get(m.text.lower()), m.text)

    def by_name_tokens(self, m: Mention) -> str | None:
        """The person a short person mention names: a surname alone, or first name
        and surname ("Joe Biden" after "Joseph R. Biden", "al-Maliki" after "Nouri al-Maliki")."""
        if "person" not in m.allowed_types or not (self.surnames or self.first_names):
            return None
        tokens = [t.lower().strip(".,") for t in m.text.split()]
        if len(tokens) == 1:
            by_surname = {q for form in name_token_forms(tokens[0]) for q in self.surnames.get(form, ())}
            if by_surname:
                return self._owner(by_surname, m.text)
            by_first = {q for form in name_token_forms(tokens[0]) for q in self.first_names.get(form, ())}
            return next(iter(by_first)) if len(by_first) == 1 else None
        if len(tokens) >= 2:  # "Joe Biden", "Donald J. Trump": first and last name of one person
            firsts = {q for form in name_token_forms(tokens[0]) for q in self.first_names.get(form, ())}
            lasts = {q for form in name_token_forms(tokens[-1]) for q in self.surnames.get(form, ())}
            qids = firsts & lasts
            return next(iter(qids)) if len(qids) == 1 else None
        return None


# One word of a person's name as news writes it: "Eric", "O'Neill", "Jean-Claude", "J.", "al-Sadr".
_NAME_WORD = re.compile(r"(?:[A-Z]\.)+|(?:[a-z]{1,3}-)?[A-Z][a-z]+(?:['’-][A-Za-z][a-z]+)*\.?")


def _title_case_line(text: str, pos: int) -> bool:
    """Is the line around ``pos`` a headline (most of its words capitalised)?"""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    if end - start > 200:
        return False  # a paragraph, not a headline (and no scan of a long line per mention)
    words = re.findall(r"[A-Za-z][\w'’-]*", text[start:end])
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _glued_org(c: Candidate) -> bool:
    """"Reuters Kim": an organisation or country glued onto a name. Not a town or a
    brand named like a first name ("Justin", Texas; "Marcus", Iowa)."""
    e = c.entity
    return c.alias_kind in ("label", "alias") and (e.type == "country" or (e.type == "org" and not is_brand(e)))


def unknown_full_names(
    mentions: list[Mention],
    linked: dict[int, Link],
    people: PeopleNamed | None = None,
    title_end: int = 0,
    text: str = "",
    kb: KB | None = None,
) -> list[tuple[int, list[str]]]:
    """People named in full whom the KB does not know, as (mention index, name
    words without titles), in article order. A full name that is another spelling
    of someone named ("Donald J. Trump" beside "Donald Trump") is not somebody
    else; a headline's capitalised verbs glued onto a name are no name."""
    out: list[tuple[int, list[str]]] = []
    for i, m in enumerate(mentions):
        if m.label != "PERSON" or " " not in m.text or (linked.get(i) and linked[i].qid):
            continue
        tokens = [t for t in m.text.split() if t.lower().strip(".,-") not in TITLE_WORDS]
        if len(tokens) < 2 or not all(_NAME_WORD.fullmatch(t) for t in tokens) or tokens[-1].lower() in tokens[0].lower():
            continue  # "President Trump", "HALTS TRUMP", "Trumps Trump", 'country,"?said Trump': no second person
        if m.start < title_end or _title_case_line(text, m.start):
            continue  # a headline's capitalised verbs glue onto names ("Zings Trump", "Vive Obama")
        if kb is not None and any(_glued_org(c) for c in kb.candidates(tokens[0])):
            continue  # "Reuters Kim": an organisation glued onto a name
        if people is not None and people.by_name_tokens(Mention(m.start, m.end, " ".join(tokens[-2:]), m.label, m.source)) is not None:
            continue  # "Slams Donald Trump" (a headline's verb glued on) is Donald Trump
        out.append((i, tokens))
    return out


def unknown_person_surnames(mentions: list[Mention], full_names: list[tuple[int, list[str]]]) -> dict[str, int]:
    """Surnames of people named in full whom the KB does not know (``unknown_full_names``):
    theirs, not a namesake's from the KB ("Betty Ford ... Ford"). Surname -> offset of
    the first such mention."""
    out: dict[str, int] = {}
    for i, tokens in full_names:
        out.setdefault(tokens[-1].lower(), mentions[i].start)
    return out


def short_org_names(mentions: list[Mention], links: dict[int, Link]) -> dict[str, str]:
    """Short names of companies the KB does not know -> the full name they stand
    for (the first one named): "Hanover Insurance Co ... Hanover said", "Georgia
    Power ... Georgia regulators" (as spelled: "US Airways" says nothing of "U.S.")."""
    out: dict[str, str] = {}
    for i, m in enumerate(mentions):
        words = m.text.split()
        if len(words) >= 2 and not links[i].qid and any(w.lower().strip(".,") in CORPORATE_WORDS for w in words[1:]):
            for n in range(1, len(words)):
                if words[n].lower().strip(".,") in CORPORATE_WORDS:
                    out.setdefault(" ".join(words[:n]).rstrip(","), m.text)
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


def repeated_surnames(kb: KB, text: str, mentions: list[Mention], links: list[Link], people: PeopleNamed, confidence: float) -> list[Link]:
    """A person named in full is usually called by the surname alone afterwards,
    and spaCy's small model often misses those bare surnames ("Barbara Walters
    said … Walters added"). Each whole-word, capitalised occurrence of the
    surname of exactly one person linked in this article, outside every other
    mention, becomes a mention of that person (source "coref"; re-linking
    finds them again, so they are not stored as mentions of their own).

    Skipped: a surname that the KB also knows as a place, organisation or
    weapon ("Jordan", "Washington"), one that is also a word of the article
    in lower case ("rice") or a month or weekday ("May"), one that belongs to
    nobody in particular (``PeopleNamed.holder``: a namesake named first or far
    more prominent), and an occurrence next to another capitalised word
    ("Walters Street").
    """
    surnames: set[str] = set()
    for link in links:
        if not (link.qid and link.type == "person" and link.qid in people.popularity and " " in link.mention.text):
            continue
        last = link.mention.text.split()[-1].strip(".,")
        for form in {last, _ARTICLE_PREFIX.sub("", last)}:
            if len(form) >= 3 and form[:1].isupper() and not form.isupper():
                surnames.add(form)
    if not surnames:
        return []
    taken = _Spans((m.start, m.end) for m in mentions)
    lowered = lowercase_words(text)
    out: list[Link] = []
    for surname in sorted(surnames):
        if surname.lower() in CALENDAR or surname.lower() in lowered:
            continue  # "in May 2017", "Rice prices rose": a word, not the person
        if names_another_type(kb, surname):
            continue
        qid = people.holder(surname)  # none when a namesake shares it ("Vernon Walters") or outshines it
        ent = kb.entity(qid) if qid else None
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
