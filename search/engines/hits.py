"""Stored document -> :class:`~newslink.search.results.Hit`, the same for every engine.

Both engines store the fields a hit shows (``HIT_KEYS``) and hand them here with
whatever highlighting they produced; the fallback snippet (the escaped lead of the
text) and the score rule live in one place so the engines cannot drift apart.
"""
from __future__ import annotations

import html
from typing import Any

from ..results import Hit

SNIPPET_CHARS = 240
HIT_KEYS = ("id", "title", "published", "source", "url", "entity_list")


def lead(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The start of ``text`` cut at a word boundary (a snippet when nothing was highlighted)."""
    if len(text) <= chars:
        return text
    cut = text[:chars].rsplit(" ", 1)[0]
    return cut + " …"


def make_hit(doc: dict[str, Any], *, score: float | None, snippet: str | None, title_html: str | None, text: str = "") -> Hit:
    """A hit from the stored ``HIT_KEYS`` of a document; ``text`` feeds the fallback snippet.
    ``doc`` is the caller's own fresh decode: its entity dicts become the hit's. (Called ten
    times a search: ``Hit`` is built positionally and ``unlinked`` written only where it is not
    True already, a third of this function's time before.)"""
    entities = doc.get("entity_list") or []
    for entity in entities:  # ``unlinked`` said for every entity (stored only where true), as the API's schema has it
        if entity.get("unlinked") is not True:
            entity["unlinked"] = bool(entity.get("unlinked"))
    get = doc.get
    return Hit(
        doc["id"],
        None if score is None else round(float(score), 4),
        get("title") or "",
        get("published"),
        get("source"),
        get("url"),
        snippet or html.escape(lead(text)),
        title_html,
        entities,
    )
