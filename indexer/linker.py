"""Entity linking: one QID per mention, or none (NIL).

Precision first (DESIGN.md): a wrong facet misleads a reader, a missing one only
costs recall. Evidence is weighed from cheapest to dearest:

1. type compatibility with the NER label (a PERSON is never a country);
2. how the mention names the entity (full label > alias > demonym > bare surname);
3. in-document evidence: a short name ("Biden", "Netanyahu") that matches a person
   already named in full in the same article is that person;
4. the popularity prior between namesakes, sharpened by overlap between the
   article's words and each candidate's description.

The result carries a confidence in [0, 1]; below ``threshold`` the mention stays NIL.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .kb import Candidate, KnowledgeBase
from .mentions import Mention

ALIAS_WEIGHT = {"label": 1.0, "alias": 0.95, "demonym": 0.92, "surname": 0.8}
DEFAULT_THRESHOLD = 0.5
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOP = frozenset(
    "the a an of and or in on at to for from by with as is was are were be been its it this that "
    "who which what when where whose his her their our your than then also into over after before "
    "said says say new first last one two three former current".split()
)


@dataclass(slots=True)
class Link:
    """The linker's decision for one mention."""

    mention: Mention
    qid: str | None
    type: str | None
    label: str | None
    confidence: float
    method: str  # how it was decided: "alias", "coref", "surname", "demonym", "nil:…"

    def to_dict(self) -> dict:
        out = self.mention.to_dict()
        out.update(qid=self.qid, type=self.type, confidence=round(self.confidence, 3), method=self.method)
        return out


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - _STOP


class Linker:
    def __init__(self, kb: KnowledgeBase, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.kb = kb
        self.threshold = threshold

    def link(self, mentions: list[Mention], text: str) -> list[Link]:
        """Link the mentions of one document (``text`` is what their offsets index)."""
        context = _words(text)
        links: dict[int, Link] = {}
        # Pass 1: mentions named by a full label, alias or demonym.
        for i, m in enumerate(mentions):
            cands = [c for c in self.kb.candidates(m.text) if c.entity.type in m.allowed_types and c.alias_kind != "surname"]
            if cands:
                links[i] = self._choose(m, cands, context, {}, method=None)
        # People linked in full: their name tokens resolve later short mentions.
        named_people: dict[str, set[str]] = {}
        for link in links.values():
            if link.qid and link.type == "person" and link.confidence >= self.threshold:
                ent = self.kb.entity(link.qid)
                if ent is not None:
                    for name in (ent.label, *ent.aliases, link.mention.text):
                        for tok in name.split():
                            if len(tok) >= 3:
                                named_people.setdefault(tok.lower().strip(".,"), set()).add(link.qid)
        linked_counts: dict[str, int] = {}
        for link in links.values():
            if link.qid and link.confidence >= self.threshold:
                linked_counts[link.qid] = linked_counts.get(link.qid, 0) + 1
        # Surnames of people named in full here: NER often labels a later bare
        # surname GPE/ORG ("Michael Jordan ... Jordan retired"); the person wins.
        named_surnames: dict[str, set[str]] = {}
        for link in links.values():
            if link.qid and link.type == "person" and link.confidence >= self.threshold and " " in link.mention.text:
                named_surnames.setdefault(link.mention.text.split()[-1].lower(), set()).add(link.qid)
        # Pass 2: the rest — short names by in-document coreference, then surnames.
        for i, m in enumerate(mentions):
            surname_of = named_surnames.get(m.text.lower()) if " " not in m.text and m.label != "PERSON" else None
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
            cands = [c for c in self.kb.candidates(m.text) if c.entity.type in m.allowed_types]
            if cands:
                links[i] = self._choose(m, cands, context, linked_counts, method=None)
            elif i not in links:
                links[i] = Link(m, None, None, None, 0.0, "nil:no-candidate")
        out = []
        for i, m in enumerate(mentions):
            link = links[i]
            if link.qid and link.confidence < self.threshold:
                link = Link(m, None, None, None, link.confidence, "nil:low-confidence")
            out.append(link)
        return out

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
        linked_counts: dict[str, int],
        method: str | None,
    ) -> Link:
        """Score type-compatible candidates; the best one with its confidence."""
        best_kind: dict[str, Candidate] = {}
        for c in cands:
            prev = best_kind.get(c.entity.qid)
            if prev is None or ALIAS_WEIGHT[c.alias_kind] > ALIAS_WEIGHT[prev.alias_kind]:
                best_kind[c.entity.qid] = c
        scored = []
        for c in best_kind.values():
            e = c.entity
            score = math.log1p(max(e.popularity, 0.0))
            score += 1.5 * math.log1p(linked_counts.get(e.qid, 0))
            overlap = len(_words(e.description) & context)
            score += 0.5 * min(overlap, 4)
            if m.label is None and c.alias_kind == "label":
                score += 0.5
            scored.append((score, c))
        scored.sort(key=lambda sc: sc[0], reverse=True)
        top_score, top = scored[0]
        # Share of the top candidate under a softmax with temperature 1/2 on
        # log-popularity: a 3x more popular namesake takes ~90 % of the mass.
        z = sum(math.exp(2 * (s - top_score)) for s, _ in scored)
        share = 1.0 / z
        confidence = ALIAS_WEIGHT[top.alias_kind] * share
        if top.alias_kind == "surname" and top.entity.popularity < 20:
            confidence *= 0.5  # an obscure person's bare surname is weak evidence
        e = top.entity
        return Link(m, e.qid, e.type, e.label, confidence, method or top.alias_kind)
