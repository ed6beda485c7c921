"""Re-linking a stored document from its stored mentions, without spaCy.

Parsing is by far the dearest step; the mentions (span, text, NER label) it
found are kept in every document so that a KB change only costs re-linking.
"""
from __future__ import annotations

from typing import Any

from .document import article_from_document, build_document
from .linker import Linker
from .mentions import Mention


def stored_mentions(doc: dict[str, Any]) -> list[Mention]:
    out = []
    for m in doc.get("mentions") or []:
        start = int(m["offset"])
        out.append(Mention(start, start + len(m["text"]), m["text"], m.get("label"), m.get("source", "ner")))
    return out


def relink_document(doc: dict[str, Any], linker: Linker, kb_version: str) -> dict[str, Any]:
    article = article_from_document(doc)
    links = linker.link(stored_mentions(doc), article.body_for_nlp)
    return build_document(article, links, kb_version)
