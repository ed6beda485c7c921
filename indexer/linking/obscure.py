"""Obscure namesakes in a Wikidata-scale KB: people and organisations known by a name they share.

A KB imported from a Wikidata dump (``kb build --dump``) holds millions of entities
with a Wikipedia article or two: a "John Vincent" who was a Canadian businessman,
a "Larry Brown" who was an Iranian officer, a company "Cormiqu Energy" whose acronym
is "CEO". The news names other people by those names, mostly people the KB does not
hold at all, and the famous namesake where there is one. Sharing a name is no
evidence that the article means the obscure entity, so here (``bench/kb_scale.py
--eval``, issue 16):

* **no link by name alone** — an obscure person (fewer than :data:`OBSCURE` sitelinks)
  or an obscure organisation's short all-capitals alias ("CEO") is linked only when
  the article vouches for it: the entity is already linked there by another name, or
  its description shares :data:`DESCRIPTION_WORDS` words with the article ("basketball
  coach"); an acronym also by its full name in the article. Without that its
  confidence falls below the threshold and the mention stays NIL
  (:func:`obscure_namesake`, an evidence factor).
* **no rivals by name alone** — the same unvouched obscure namesakes are dropped from
  a mention's candidates when any other candidate is left (:func:`without_obscure`),
  so that hundreds of minor "John Smith"s do not dilute the famous one's share of the
  softmax down to NIL.

The shipped KB holds no such entity (its people have a popularity of 15 and more;
its minor parties and brands have :func:`namesakes.weak_acronym`), so these rules
change nothing there.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..kb.store import Candidate
from .candidates import without_legal_form
from .context import name_words
from .model import Mention
from .namesakes import ACRONYM_KINDS, WEAK_ACRONYM

if TYPE_CHECKING:
    from .features import MentionScope

# Popularity (Wikidata sitelinks) below which a person or organisation is obscure:
# ~97 % of the people of a generated dump, most of the real dump's; none of the
# shipped KB's people (15 and more).
OBSCURE = 10.0
# Description words the article must share to vouch for an obscure person
# ("basketball coach"; one word such as a nationality is too common).
DESCRIPTION_WORDS = 2
FACTORS = {"obscure_namesake": 0.3}
_GENERIC = frozenset({"american", "united", "states", "america"})  # the description words every US article has


def _obscure(m: Mention, c: Candidate) -> bool:
    e = c.entity
    if e.popularity >= OBSCURE:
        return False
    if e.type == "person":
        return True
    # An organisation by a short all-capitals alias ("CEO"); minor parties and brands
    # are weak_acronym's (namesakes.py).
    letters = re.sub(r"[^A-Za-z]", "", m.text)
    return e.type == "org" and e.kind not in ACRONYM_KINDS and bool(WEAK_ACRONYM.fullmatch(letters)) and e.label != m.text


def vouched(m: Mention, c: Candidate, s: "MentionScope") -> bool:
    """Does the article say more of this entity than its name?"""
    e = c.entity
    if s.doc.support.others(e.qid, s.surface_key):
        return True  # already linked in the article by another name
    if e.type == "org":
        text = s.doc.text
        return e.label in text or (without_legal_form(e.label) or "\0") in text
    words = name_words(e.description) - s.own_words - _GENERIC
    return len(words & s.doc.words) >= DESCRIPTION_WORDS


def unvouched_obscure(m: Mention, c: Candidate, s: "MentionScope") -> bool:
    return _obscure(m, c) and not vouched(m, c, s)


def obscure_namesake(m: Mention, c: Candidate, s: "MentionScope") -> float:
    """Evidence factor: an obscure person or acronym named without support is not enough."""
    return FACTORS["obscure_namesake"] if unvouched_obscure(m, c, s) else 1.0


def without_obscure(cands: list[Candidate], s: "MentionScope") -> list[Candidate]:
    """The candidates less the unvouched obscure namesakes, when any other is left."""
    kept = [c for c in cands if not unvouched_obscure(s.mention, c, s)]
    return kept if kept and len(kept) < len(cands) else cands


OBSCURE_FACTORS = {"obscure_namesake": obscure_namesake}
