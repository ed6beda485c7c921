"""Per-document state of one ``Linker.link`` call.

Everything a decision reads off the article being linked — its words, its sports
vocabulary and datelines, the entities already linked in it — lives here, in an
object made for each call, so one ``Linker`` can serve concurrent requests (the
API's threads) and no state leaks from one article into the next.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from .sports import SportsWords

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOP = frozenset(
    "the a an of and or in on at to for from by with as is was are were be been its it this that "
    "who which what when where whose his her their our your than then also into over after before "
    "said says say new first last one two three former current".split()
)


def content_words(text: str) -> set[str]:
    """Lower-cased words of a text less function words (for description overlap)."""
    return {w.lower() for w in _WORD.findall(text)} - _STOP


@lru_cache(maxsize=65_536)
def name_words(text: str) -> frozenset[str]:
    """``content_words`` of a short text the linker reads again and again: a
    mention's surface, an entity's description (every candidate of every mention)."""
    return frozenset(content_words(text))


# The last article's lower-case words: the linker, the repeated-surname scan and the
# unlinked-name finder all ask for them, one article after another.
_LAST_LOWERCASE: tuple[str, frozenset[str]] = ("", frozenset())


def lowercase_words(text: str) -> frozenset[str]:
    """Words that occur in lower case somewhere in the text ("rice", "may")."""
    global _LAST_LOWERCASE
    last, words = _LAST_LOWERCASE  # one tuple: safe to read while another thread replaces it
    if text is last or text == last:
        return words
    words = frozenset(w for w in _WORD.findall(text) if w.islower())
    _LAST_LOWERCASE = (text, words)
    return words


class EntitySupport:
    """Entities linked in an article, with the surface forms that named them."""

    def __init__(self) -> None:
        self.entities: Counter[str] = Counter()
        self.surfaces: dict[str, set[str]] = {}
        # What the scorer's features derive from these links (coherence per QID and
        # surface): the same name is scored again and again in an article, and the
        # links change only by ``add``, which empties it.
        self.memo: dict[Any, Any] = {}

    def add(self, qid: str, surface_key: str) -> None:
        self.entities[qid] += 1
        self.surfaces.setdefault(qid, set()).add(surface_key)
        self.memo.clear()

    def surface_only(self, qid: str, surface_key: str) -> bool:
        """Was ``qid`` named only by this very surface form (no independent support)?"""
        return self.surfaces.get(qid, set()) <= {surface_key}

    def others(self, qid: str, surface_key: str) -> int:
        """Mentions of ``qid`` by another surface form than this one."""
        if self.surface_only(qid, surface_key):
            return 0
        return self.entities[qid]

    def to_dict(self) -> dict[str, Any]:
        return {"entities": dict(self.entities), "surfaces": {k: sorted(v) for k, v in self.surfaces.items()}}


class DocumentContext:
    """The article being linked: its text, its words, and what has been linked so far."""

    __slots__ = ("text", "words", "support", "_sports", "_lowercase")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = content_words(text)
        self.support = EntitySupport()
        self._sports: SportsWords | None = None
        self._lowercase: frozenset[str] | None = None

    @property
    def lowercase(self) -> frozenset[str]:
        """Words the article writes in lower case ("rice"): read on first need."""
        if self._lowercase is None:
            self._lowercase = lowercase_words(self.text)
        return self._lowercase

    @property
    def sports(self) -> SportsWords:
        """Read on first need: most documents never link a place that could be a team."""
        if self._sports is None:
            self._sports = SportsWords(self.text)
        return self._sports
