"""What flows through linking: a ``Mention`` in, a ``Link`` out.

Plain dataclasses with no spaCy or SQLite import, so every part of the linker can
be built and tested on hand-made mentions.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..schema import FACET_TYPES

# NER labels worth linking, and the facet types each may name.
LABEL_TYPES: dict[str, frozenset[str]] = {
    "PERSON": frozenset({"person"}),
    "GPE": frozenset({"country", "place"}),
    "LOC": frozenset({"place", "country"}),
    "NORP": frozenset({"country", "org", "weapon"}),
    "ORG": frozenset({"org", "weapon", "country"}),
    "FAC": frozenset({"place", "weapon", "org"}),
    "PRODUCT": frozenset({"weapon", "org"}),
}
ANY_TYPE = frozenset(FACET_TYPES)


@dataclass(slots=True)
class Mention:
    """A span of the NLP text that may name an entity."""

    start: int  # character offsets into the text the pipeline saw
    end: int
    text: str
    label: str | None  # NER label, None for a gazetteer-only span
    source: str  # "ner", "kb" or "coref"

    @property
    def allowed_types(self) -> frozenset[str]:
        return LABEL_TYPES.get(self.label or "", ANY_TYPE) if self.label else ANY_TYPE

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "label": self.label, "source": self.source}

    def __reduce__(self) -> tuple:
        # Pickled by its fields: the default for a slotted class goes through copyreg
        # in Python, and every link of every article crosses from a worker to the job.
        return (Mention, (self.start, self.end, self.text, self.label, self.source))


@dataclass(slots=True)
class Link:
    """The linker's decision for one mention."""

    mention: Mention
    qid: str | None
    type: str | None
    label: str | None
    confidence: float
    # How it was decided: "label", "alias", "demonym", "surname" (the alias kind that
    # won the scoring), "coref", "institution", "address", "online", or "nil:<why>".
    method: str

    def to_dict(self) -> dict:
        out = self.mention.to_dict()
        out.update(qid=self.qid, type=self.type, confidence=round(self.confidence, 3), method=self.method)
        return out

    def __reduce__(self) -> tuple:
        return (Link, (self.mention, self.qid, self.type, self.label, self.confidence, self.method))  # as Mention's

    @classmethod
    def nil(cls, mention: Mention, why: str, confidence: float = 0.0) -> "Link":
        return cls(mention, None, None, None, confidence, f"nil:{why}")
