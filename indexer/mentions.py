"""Mentions: the spans of a spaCy Doc that may name a KB entity.

Two sources feed it: the statistical NER (``doc.ents``) and the KB gazetteer
(``doc.spans["kb"]``). Where they overlap we keep one span, preferring the one the
KB can resolve with a type the NER label allows ("Defense Lloyd Austin"/ORG loses
to "Lloyd Austin" from the gazetteer; "Michael Jordan"/PERSON keeps its span and
never becomes the country inside it).
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from .kb import KnowledgeBase
from .nlp import GAZETTEER_KEY
from .normalize import strip_possessive

# NER labels worth linking, and the facet types each may name.
LABEL_TYPES: dict[str, frozenset[str]] = {
    "PERSON": frozenset({"person"}),
    "GPE": frozenset({"country", "place"}),
    "LOC": frozenset({"place", "country"}),
    "NORP": frozenset({"country", "org"}),
    "ORG": frozenset({"org", "weapon", "country"}),
    "FAC": frozenset({"place", "weapon", "org"}),
    "PRODUCT": frozenset({"weapon", "org"}),
}
ANY_TYPE = frozenset({"person", "country", "place", "org", "weapon"})
# NER labels that often swallow a KB name into a wrong, longer span.
LOOSE_LABELS = {"ORG", "NORP", "FAC", "PRODUCT"}


@dataclass(slots=True)
class Mention:
    """A span of the NLP text that may name an entity."""

    start: int  # character offsets into the text the pipeline saw
    end: int
    text: str
    label: str | None  # NER label, None for a gazetteer-only span
    source: str  # "ner" or "kb"

    @property
    def allowed_types(self) -> frozenset[str]:
        return LABEL_TYPES.get(self.label or "", ANY_TYPE) if self.label else ANY_TYPE

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "label": self.label, "source": self.source}


def _clean(span: Span) -> tuple[int, int, str]:
    """Trim a leading "the" and a trailing possessive from a span's text."""
    text = span.text
    start = span.start_char
    if text.lower().startswith("the "):
        text, start = text[4:], start + 4
    stripped = strip_possessive(text)
    return start, start + len(stripped), stripped


def _resolvable(kb: KnowledgeBase, text: str, types: frozenset[str]) -> bool:
    return any(c.entity.type in types for c in kb.candidates(text))


def _plausible_gazetteer_only(kb: KnowledgeBase, span: Span, text: str) -> bool:
    """Accept a KB match the NER did not see only where that is rarely wrong."""
    if not text[:1].isupper() and not text[:1].isdigit() and not text.startswith(("al-", "el-")):
        return False
    types = {c.entity.type for c in kb.candidates(text)}
    if len(span) > 1:
        return True
    if text.isupper() and len(text) >= 3:  # acronyms: NATO, IAEA, HIMARS
        return True
    return bool(types & {"weapon", "org"}) and not span[0].is_stop


def extract_mentions(doc: Doc, kb: KnowledgeBase) -> list[Mention]:
    """Non-overlapping mentions in document order."""
    chosen: list[Mention] = []
    ner_spans = [e for e in doc.ents if e.label_ in LABEL_TYPES]
    gaz_spans: list[Span] = list(doc.spans[GAZETTEER_KEY]) if GAZETTEER_KEY in doc.spans else []

    taken = [False] * len(doc)

    def take(span: Span, label: str | None, source: str) -> None:
        start, end, text = _clean(span)
        if not text.strip():
            return
        for i in range(span.start, span.end):
            taken[i] = True
        chosen.append(Mention(start, end, text, label, source))

    for ent in ner_spans:
        types = LABEL_TYPES[ent.label_]
        if any(taken[i] for i in range(ent.start, ent.end)):
            continue
        _s, _e, text = _clean(ent)
        if not _resolvable(kb, text, types):
            # Not a KB name as the NER labelled it. A KB name overlapping it may
            # be, if the label is one NER often gets wrong for such names (ORG,
            # NORP, ...); inside a PERSON span only a compatible name counts.
            overlapping = [g for g in gaz_spans if g.start < ent.end and ent.start < g.end]
            if ent.label_ in LOOSE_LABELS:
                usable = [g for g in overlapping if _resolvable(kb, _clean(g)[2], ANY_TYPE)]
            else:
                usable = [g for g in overlapping if g.start >= ent.start and g.end <= ent.end and _resolvable(kb, _clean(g)[2], types)]
            usable = [g for g in usable if not any(taken[i] for i in range(g.start, g.end))]
            if usable:
                for g in usable:
                    take(g, ent.label_ if _resolvable(kb, _clean(g)[2], types) else None, "kb")
                for i in range(ent.start, ent.end):
                    taken[i] = True
                continue
        take(ent, ent.label_, "ner")

    for g in gaz_spans:
        if any(taken[i] for i in range(g.start, g.end)):
            continue
        _s, _e, text = _clean(g)
        if _plausible_gazetteer_only(kb, g, text):
            take(g, None, "kb")

    chosen.sort(key=lambda m: m.start)
    return chosen
