"""The Article record every reader produces, and its stable identity.

An article's id must survive re-reading the same source, or re-indexing would
duplicate it: we take the source's own id when there is one, else a hash of the
url, else a hash of title + date + text (DESIGN.md, "Article").
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Article:
    """One news article as read from a source, before any NLP."""

    id: str
    title: str
    text: str
    published: str | None = None  # ISO 8601, UTC, seconds precision
    source: str | None = None
    url: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # Where the record was read (file, line) and, for a re-fed dead letter, where it
    # was first rejected: so a problem found later (an engine refusing the document)
    # still names them. Not part of the article: never stored, never compared.
    where: tuple[str, int | None] | None = field(default=None, compare=False, repr=False)
    origin: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def body_for_nlp(self) -> str:
        """Title and text joined the way the NLP pipeline sees them.

        Mention offsets are computed on this string and then split back into
        per-field offsets (see :func:`split_offset`).
        """
        return f"{self.title}\n\n{self.text}" if self.title else self.text

    def split_offset(self, start: int, end: int) -> tuple[str, int, int]:
        """Map an offset range of :attr:`body_for_nlp` to (field, start, end)."""
        if not self.title:
            return "text", start, end
        head = len(self.title) + 2
        if start < len(self.title):
            return "title", start, min(end, len(self.title))
        return "text", max(start - head, 0), max(end - head, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "published": self.published,
            "source": self.source,
            "url": self.url,
            "meta": self.meta,
        }


def stable_id(*, url: str | None, title: str, published: str | None, text: str) -> str:
    """A content-derived id: the same article always hashes to the same id."""
    if url:
        basis = "url\x00" + url.strip()
    else:
        basis = "\x00".join(("content", title.strip(), published or "", text.strip()))
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:20]
