"""The linker: one QID per mention, or none (NIL).

Precision first (DESIGN.md): a wrong facet misleads a reader, a missing one only
costs recall. Linking one article runs these steps, each a part of its own:

1. **candidates** (``candidates.py``): KB entities the mention may name, of a
   type its NER label allows, spelled as the mention is;
2. **scoring** (``scoring.py`` over ``features.py``): popularity prior, how the
   mention names the entity, the article's other mentions of it, description
   overlap, geographic coherence (``geo.py``), and evidence factors such as
   sports metonymy (``sports.py``); one softmax, one confidence;
3. **in-document rules** (``coref.py``, ``institutions.py``): short names of
   people named in full, acronyms, a country's institutions by their bare name,
   "City, State" addresses, short names of companies the KB does not know;
4. **the NIL decision**: below the threshold, no link.

Mentions with a single candidate anchor the article first; ambiguous ones are
scored again once the whole article's unambiguous links are known ("Georgia"
next to Atlanta is the US state, next to Tbilisi the country).

The linker holds the KB and caches of KB facts only (geography, institutions,
spellings); everything about the article being linked lives in a
``DocumentContext`` made for each call, so one linker serves concurrent callers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..normalize import normalize_alias
from ..schema import GEO_TYPES
from .candidates import (
    AliasCandidates,
    Candidates,
    CandidateGenerator,
    FirstOf,
    LegalFormCandidates,
    OnlineCandidates,
    OnlineLookup,
    SurfaceFilter,
)
from .context import DocumentContext, EntitySupport
from .coref import PeopleNamed, org_acronyms, repeated_surnames, short_org_names, unknown_full_names, unknown_person_surnames
from .features import MentionScope, region_words
from .sports import in_dateline
from .geo import Geo, Geography, place_level
from .namesakes import STRONG_NAME, common_name_word
from .institutions import Institutions, home_country
from .kb import KB
from .model import Link, Mention
from .person_names import BareSurnames
from .scoring import DEFAULT_THRESHOLD, RULE_CONFIDENCE, Choice, Scorer

# What joins the items of a list: "A, B and C", "A, B, and C", "A & B".
_LIST_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|&)\s+)\s*")
PEOPLE_IN_LIST = 2  # people's names that make a list one of names
_NEXT_WORD = re.compile(r"[ \t]+([A-Z][\w'’-]+)")
_ADDRESS_COMMA = re.compile(r"\s*,\s*$")
_GLUED = re.compile(r"[ \t]*")
_COMPOUND_JOIN = re.compile(r"-|[ \t]")
# Group words that make "X-American" an ethnicity rather than two places.
_GROUP_WORDS = frozenset({"African", "Asian", "Latin", "Native", "Arab", "Hispanic", "European", "Caribbean", "Pacific"})
# What follows "X-American" when it is about two countries, not a heritage.
_BETWEEN_COUNTRIES = re.compile(
    r"\s+(?:relations|relationship|ties|partnership|alliance|talks|trade|summit|border|war|conflict|agreement|deal|"
    r"dialogue|cooperation|rivalry|treaty|accord|negotiations)\b",
    re.I,
)
# Methods of links the scorer decided (not a rule of the article's own text).
_SCORED = frozenset({"label", "alias", "demonym"})
# Academic degrees written after a name; "M.D." is also Maryland's abbreviation.
_DEGREES = frozenset({"M.D.", "MD", "Ph.D.", "PhD", "D.D.S.", "R.N.", "J.D.", "M.B.A.", "D.O.", "M.A.", "M.S.", "B.A.", "B.S.", "Esq."})


def _a_persons_name(m: Mention) -> bool:
    """NER's PERSON on a common first name or surname ("Carson"; not "Tenn" of
    "Nashville, Tenn")."""
    return m.label == "PERSON" and common_name_word(m.text)


def _title_end(text: str) -> int:
    """Where the headline ends: the pipeline joins title and body with a blank line."""
    cut = text.find("\n\n")
    return cut if 0 < cut <= 300 else 0


@dataclass(slots=True)
class Explanation:
    """Why a mention got its link: the candidates, each feature's value, the rule."""

    mention: Mention
    link: Link
    generator: str = ""
    form: str = ""
    choices: list[Choice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mention": self.mention.to_dict(),
            "decision": {"qid": self.link.qid, "label": self.link.label, "confidence": round(self.link.confidence, 4), "method": self.link.method},
            "generator": self.generator,
            "form": self.form,
            "candidates": [c.to_dict() for c in self.choices],
        }


class Linker:
    def __init__(
        self,
        kb: KB,
        threshold: float = DEFAULT_THRESHOLD,
        online: OnlineLookup | None = None,
        *,
        scorer: Scorer | None = None,
    ) -> None:
        self.kb = kb
        self.threshold = threshold
        self.scorer = scorer or Scorer()
        self.geography = Geography(kb)
        self.institutions = Institutions(kb)
        self.bare_surnames = BareSurnames(kb)
        spelled = SurfaceFilter(kb)
        legal = LegalFormCandidates(kb, self.geography, spelled)
        # Names, aliases and demonyms first; bare surnames only once coreference had its say.
        self.first_pass: CandidateGenerator = FirstOf(AliasCandidates(kb, spelled), legal)
        self.fallback: CandidateGenerator = FirstOf(AliasCandidates(kb, spelled, surnames=True), legal)
        self.online = online

    @property
    def online(self) -> OnlineLookup | None:
        """Wikidata look-up for what the KB lacks (``--online``); None: offline."""
        return self._online

    @online.setter
    def online(self, online: OnlineLookup | None) -> None:
        self._online = online
        self.online_candidates: CandidateGenerator | None = OnlineCandidates(online) if online is not None else None

    # ------------------------------------------------------------------ helpers
    def geo(self, qid: str, depth: int = 1) -> Geo:
        """Countries and places an entity belongs to (see ``geo.py``)."""
        return self.geography.of(qid, depth)

    def _choose(self, m: Mention, cands: Candidates, doc: DocumentContext, method: str | None = None) -> Link:
        choice = self.rank(m, cands, doc)[0]
        e = choice.cand.entity
        return Link(m, e.qid, e.type, e.label, choice.confidence, method or choice.cand.alias_kind)

    def rank(self, m: Mention, cands: Candidates, doc: DocumentContext, *, explain: bool = False) -> list[Choice]:
        """Candidates with their scores, best first."""
        return self.scorer.rank(cands.found, MentionScope(m, doc, self.geography), explain=explain)

    def _bare_surname_checked(self, m: Mention, found: Candidates, doc: DocumentContext, link: Link, people: PeopleNamed) -> Link:
        """A person linked by a surname nobody in the article introduced must pass
        ``person_names.BareSurnames`` ("Rice", "Jordan", "the Ford" do not), and is
        never a namesake of someone the article does name in full ("Jill Biden ...
        Biden" is not Joe)."""
        if link.method != "surname":
            return link
        if people.surnames.get(m.text.lower().strip(".,"), set()) - {link.qid}:
            return Link.nil(m, "surname-of-someone-named-here", link.confidence)
        chosen = next(c for c in found.found if c.entity.qid == link.qid)
        why = self.bare_surnames.refusal(m, chosen, found.found, doc)
        return Link.nil(m, why, link.confidence) if why else link

    def _rule(self, m: Mention, qid: str, type_: str, rule: str, method: str) -> Link:
        ent = self.kb.entity(qid)
        return Link(m, qid, type_, ent.label if ent else None, RULE_CONFIDENCE[rule], method)

    # ------------------------------------------------------------------ main entry
    def link(self, mentions: list[Mention], text: str) -> list[Link]:
        """Link the mentions of one document (``text`` is what their offsets index)."""
        return self._link(mentions, text, None)

    def explain(self, mentions: list[Mention], text: str) -> list[Explanation]:
        """``link`` with, for every mention, its candidates and each feature's value."""
        notes: dict[int, Explanation] = {}
        links = self._link(mentions, text, notes)
        by_mention = {id(n.mention): n for n in notes.values()}
        out = []
        for link in links:
            note = by_mention.get(id(link.mention)) or Explanation(link.mention, link)
            note.link = link
            out.append(note)
        return out

    def _link(self, mentions: list[Mention], text: str, notes: dict[int, Explanation] | None) -> list[Link]:
        doc = DocumentContext(text)
        links: dict[int, Link] = {}
        cands: dict[int, Candidates] = {i: self.first_pass(m, doc) for i, m in enumerate(mentions)}

        # Pass 0: mentions with a single type-compatible entity anchor the article.
        for i, m in enumerate(mentions):
            found = cands[i]
            if len(found.qids) == 1:
                doc.support.add(found.found[0].entity.qid, normalize_alias(m.text))
        # Pass 1: every mention named by a full label, alias or demonym.
        for i, m in enumerate(mentions):
            if cands[i]:
                links[i] = self._choose(m, cands[i], doc)
        doc.support = EntitySupport()  # pass 1b weighs only what pass 1 linked confidently
        for i, link in links.items():
            if link.qid and link.confidence >= self.threshold:
                doc.support.add(link.qid, normalize_alias(mentions[i].text))
        # Pass 1b: ambiguous or unconfident mentions again, now with the whole article's
        # links ("La Pampa" among other provinces of Argentina).
        for i, m in enumerate(mentions):
            if len(cands[i].qids) > 1 or (i in links and links[i].confidence < self.threshold):
                links[i] = self._choose(m, cands[i], doc)
        if notes is not None:
            for i, m in enumerate(mentions):
                if cands[i]:
                    notes[i] = Explanation(m, links[i], cands[i].generator, cands[i].form, self.rank(m, cands[i], doc, explain=True))

        # Pass 2: the rest — short names by in-document coreference, then surnames.
        people = PeopleNamed(self.kb, links.values(), self.threshold)
        unknown_surnames = unknown_person_surnames(mentions, unknown_full_names(mentions, links, people, _title_end(text), text, self.kb))
        people.unknown = unknown_surnames
        for i, m in enumerate(mentions):
            single = " " not in m.text
            weak_place = m.label in ("GPE", "LOC") and i in links and links[i].type == "place" and not self._prominent(links[i].qid)
            if single and (m.label in ("PERSON", "ORG", None) or weak_place) and people.unknown_first(m.text):
                # "Betty Ford ... Ford": hers, not a namesake's from the KB.
                links[i] = Link.nil(m, "unknown-person")
                continue
            owner = people.surname_owner(m)
            if owner is not None:
                links[i] = self._rule(m, owner, "person", "coref_surname", "coref")
                continue
            if i in links and links[i].qid and links[i].confidence >= self.threshold:
                continue
            qid = people.by_name_tokens(m)
            if qid is not None and self.kb.entity(qid) is not None:
                links[i] = self._rule(m, qid, "person", "coref_name", "coref")
                continue
            if i in links:
                continue
            found = self.fallback(m, doc)
            method = None
            if not found and self.online_candidates is not None:
                found, method = self.online_candidates(m, doc), "online"
            if found:
                links[i] = self._bare_surname_checked(m, found, doc, self._choose(m, found, doc, method), people)
                if notes is not None:
                    notes[i] = Explanation(m, links[i], found.generator, found.form, self.rank(m, found, doc, explain=True))
            else:
                links[i] = Link.nil(m, "no-candidate")

        # A country's institution by its bare name ("the Senate"), in an article about that country.
        home = home_country(l.qid for l in links.values() if l.qid and l.type == "country" and l.confidence >= self.threshold)
        if home is not None:
            for i, m in enumerate(mentions):
                if links[i].qid or "org" not in m.allowed_types:
                    continue
                if i and _GLUED.fullmatch(text[mentions[i - 1].end : m.start]) and links[i - 1].type in GEO_TYPES and links[i - 1].qid != home:
                    continue  # "Scottish Parliament" in an article about Britain: not the UK's
                qid = self.institutions.of(m.text, home)
                if qid is not None:
                    links[i] = self._rule(m, qid, "org", "institution", "institution")
        # Acronyms of organisations named in full earlier: "British Airways … BA said".
        acronyms = org_acronyms(links.values(), self.threshold)
        for i, m in enumerate(mentions):
            owners = acronyms.get(m.text) if not links[i].qid else None
            if owners and len(owners) == 1:
                links[i] = self._rule(m, next(iter(owners)), "org", "acronym", "coref")
        short_orgs = short_org_names(mentions, links)
        self._addresses(mentions, links, cands, text)
        self._one_sense(mentions, links, cands, text)
        self._places_among_people(mentions, links, text)
        self._first_names_of_people(mentions, links, text)
        self._ethnic_compounds(mentions, links, text)

        out = []
        for i, m in enumerate(mentions):
            link = links[i]
            if link.qid and link.type in GEO_TYPES and m.text in short_orgs:
                link = Link.nil(m, "short-org")
            elif link.qid and link.confidence < self.threshold:
                link = Link.nil(m, "low-confidence", link.confidence)
            out.append(link)
        repeated = repeated_surnames(self.kb, text, mentions, out, people, RULE_CONFIDENCE["repeated_surname"])
        if repeated:
            out = sorted(out + repeated, key=lambda link: link.mention.start)
        return out

    def _places_among_people(self, mentions: list[Mention], links: dict[int, Link], text: str) -> None:
        """"the firm of Welsh, Carson, Anderson and Stowe": a list is of one kind, so a
        place name listed among surnames ("Carson", "Anderson": at least half the
        list, all one word each) is a surname too — not Wales, not Stowe, Vermont.
        Countries are left alone ("Merkel, Macron and Italy" lists actors of a summit)."""
        run: list[int] = []
        for i in range(len(mentions) + 1):
            if run and (i == len(mentions) or not _LIST_JOIN.fullmatch(text[mentions[i - 1].end : mentions[i].start])):
                people = sum(1 for j in run if _a_persons_name(mentions[j]))
                one_word = all(" " not in mentions[j].text for j in run)  # a list of surnames, not "Phoenix and Gene Johnson"
                if one_word and people >= PEOPLE_IN_LIST and people * 2 >= len(run):
                    for j in run:
                        link = links[j]
                        if mentions[j].label != "PERSON" and link.qid and link.type == "place" and link.method in _SCORED:
                            links[j] = Link.nil(mentions[j], "listed-among-people", link.confidence)
                run = []
            if i < len(mentions):
                run.append(i)

    def _first_names_of_people(self, mentions: list[Mention], links: dict[int, Link], text: str) -> None:
        """"Virginia Thomas Agrees To Interview" over a story about "activist Virginia
        Thomas": a place's name followed by the surname of a person the article names
        in full is that person's first name (NER often calls it a place in a
        headline), not Virginia, Georgia or Jordan."""
        full_names = {m.text for m in mentions if m.label == "PERSON" and " " in m.text}
        if not full_names:
            return
        for i, m in enumerate(mentions):
            link = links[i]
            if " " in m.text or m.label == "PERSON" or not link.qid or link.type not in GEO_TYPES:
                continue
            after = _NEXT_WORD.match(text, m.end)
            if after and any(name == f"{m.text} {after.group(1)}" or name.startswith(f"{m.text} {after.group(1)} ") for name in full_names):
                links[i] = Link.nil(m, "a-persons-first-name", link.confidence)

    def _ethnic_compounds(self, mentions: list[Mention], links: dict[int, Link], text: str) -> None:
        """"African-American", "Asian American": an ethnicity, not Africa or the
        United States. The demonym "American(s)" joined to a group word before it,
        and a continent's demonym joined to it, link to nothing."""
        for i in range(1, len(mentions)):
            a, b = mentions[i - 1], mentions[i]
            if links[i].method != "demonym" or not b.text.startswith("American"):
                continue
            gap = text[a.end : b.start]
            if _BETWEEN_COUNTRIES.match(text, b.end):
                continue  # "Turkish-American relations", "Saudi-American partnership": two countries
            if _COMPOUND_JOIN.fullmatch(gap) and (links[i - 1].method == "demonym" or a.text in _GROUP_WORDS):
                links[i] = Link.nil(b, "ethnic-compound")
                if a.text in _GROUP_WORDS or gap == "-":  # "Somali-American": a heritage, not Somalia
                    links[i - 1] = Link.nil(a, "ethnic-compound")

    def _one_sense(self, mentions: list[Mention], links: dict[int, Link], cands: dict[int, Candidates], text: str) -> None:
        """One place per name per article: "WASHINGTON -" (the city, by its dateline)
        and a later "Washington" scored as the state are one facet value, the one
        decided with the most confidence. Links an address or a rule decided keep
        their own answer (the text supports them), and so do a name the text calls a
        region right beside it ("Washington state and Minnesota sued", "New York Gov.
        Andrew Cuomo") and a dateline's city."""
        groups: dict[str, list[int]] = {}
        for i, link in links.items():
            if link.qid and link.type in GEO_TYPES and link.method in _SCORED and link.confidence >= self.threshold:
                groups.setdefault(normalize_alias(mentions[i].text), []).append(i)
        for members in groups.values():
            if len({links[i].qid for i in members}) < 2:
                continue
            best = links[max(members, key=lambda i: links[i].confidence)]
            for i in members:
                # what the text says right at the mention stands: "Washington state",
                # "New York Gov.", a dateline's city ("WASHINGTON (Reuters) -")
                if region_words(text, mentions[i]) >= 1.0 or in_dateline(text, mentions[i]):
                    continue
                if links[i].qid != best.qid and best.qid in cands[i].qids:
                    links[i] = Link(mentions[i], best.qid, best.type, best.label, links[i].confidence, "one-sense")

    def _prominent(self, qid: str | None) -> bool:
        """A place known enough to own its name against a person's ("Jordan", not "Cullinan", South Africa)."""
        ent = self.kb.entity(qid) if qid else None
        return ent is not None and ent.popularity >= STRONG_NAME

    def _lies_in(self, ga: Geo, qid: str, type_: str) -> bool:
        """Does a place with geography ``ga`` lie in ``qid``? In a country: its
        country. In a state or region: that region, or one its regions lie in; a
        place the KB knows no region of only shares the region's country."""
        if type_ == "country" or qid in ga.countries:
            return qid in ga.countries
        if qid in ga.places or any(qid in self.geo(p, 0).places for p in ga.places):
            return True
        return not ga.places and bool(ga.countries & self.geo(qid).countries)

    def _a_list(self, first: str, second: str) -> bool:
        """"Paris, London and Berlin", "Cordoba, La Pampa and Chaco": a comma between
        two cities, or between two regions of one country, lists peers; it is no
        address (which names a region or country that holds the place)."""
        a, b = self.kb.entity(first), self.kb.entity(second)
        if a is None or b is None:
            return False
        level = place_level(b)
        return level == "city" or (level == "region" and place_level(a) == "region" and a.country == b.country)

    def _addresses(self, mentions: list[Mention], links: dict[int, Link], cands: dict[int, Candidates], text: str) -> None:
        """"City, State": the city must lie in that state or country ("BIRMINGHAM,
        Ala." is not the English city, "Paris, Texas" not the French capital), and
        the container decides between its namesakes ("Atlanta, Georgia" is the state)."""
        for i in range(len(mentions) - 1):
            a, b = links[i], links[i + 1]
            after_comma = bool(_ADDRESS_COMMA.fullmatch(text[mentions[i].end : mentions[i + 1].start]))
            if b.qid and b.type == "place" and after_comma and mentions[i + 1].text in _DEGREES and (
                a.type == "person" or mentions[i].label == "PERSON"
            ):
                links[i + 1] = Link.nil(mentions[i + 1], "degree-not-a-state")  # "John Smith, M.D."
                continue
            if not (a.qid and b.qid and a.type == "place" and b.type in GEO_TYPES):
                continue
            if not after_comma or self._a_list(a.qid, b.qid):
                continue
            ga = self.geo(a.qid)
            fits = [
                c
                for c in cands[i + 1].found
                if c.entity.type in GEO_TYPES
                and (c.entity.qid in ga.places or c.entity.qid in ga.countries or self.geo(c.entity.qid).countries & ga.countries)
            ]
            if len({c.entity.qid for c in fits}) == 1 and fits[0].entity.qid != b.qid:
                e = fits[0].entity
                b = links[i + 1] = Link(mentions[i + 1], e.qid, e.type, e.label, max(b.confidence, RULE_CONFIDENCE["address"]), "address")
            if self._lies_in(ga, b.qid, b.type):  # type: ignore[arg-type]
                continue
            # "Paris, Texas": the namesake that lies in the container, if exactly one does.
            inside = {c.entity.qid: c.entity for c in cands[i].found
                      if c.entity.type == "place" and b.qid in (self.geo(c.entity.qid).places | self.geo(c.entity.qid).countries)}
            if len(inside) == 1:
                e = next(iter(inside.values()))
                links[i] = Link(mentions[i], e.qid, e.type, e.label, RULE_CONFIDENCE["address"], "address")
                continue
            links[i] = Link.nil(mentions[i], "address-mismatch")
