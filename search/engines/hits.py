"""Stored document -> :class:`~newslink.search.results.Hit`, the same for every engine.

Both engines store the fields a hit shows (``HIT_KEYS``) and hand them here with
whatever highlighting they produced; the fallback snippet (the escaped lead of the
text) and the score rule live in one place so the engines cannot drift apart.
"""
from __future__ import annotations

import html
from itertools import repeat
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
    ``doc`` is the caller's own fresh decode: its entity dicts become the hit's."""
    return make_hits([doc], [score], [snippet], [title_html], [text])[0]


def make_hits(docs: list[dict[str, Any]], scores: list[float] | None, snippets: list[str | None] | None,
              titles_html: list[str | None] | None, texts: list[str], titles: list[str] | None = None) -> list[Hit]:
    """:func:`make_hit` of each of a page's documents, in one loop (called once a search
    rather than ten times: a third of the time the ten calls took). ``scores``, ``snippets``
    and ``titles_html`` are None when the page has none (sorted by date, not highlighted);
    ``titles``: the stored title fields where the head leaves the title out. A ``Hit`` is built
    positionally; ``text`` is read only where the snippet is empty."""
    out: list[Hit] = []
    append = out.append
    escape = html.escape
    none = repeat(None)
    for doc, score, snippet, title_html, text, title in zip(
            docs, none if scores is None else scores, none if snippets is None else snippets,
            none if titles_html is None else titles_html, texts, none if titles is None else titles):
        entities = doc.get("entity_list") or []
        for entity in entities:  # ``unlinked`` said for every entity (the writer stores only true), as the API's schema has it
            entity.setdefault("unlinked", False)
        get = doc.get
        append(Hit(
            doc["id"],
            None if score is None else round(float(score), 4),
            get("title") or title or "",
            get("published"),
            get("source"),
            get("url"),
            snippet or escape(lead(text)),
            title_html,
            entities,
        ))
    return out
