"""Where in a long text a snippet is looked for: the densest stretch of the query's words.

tantivy's ``SnippetGenerator`` tokenizes and stems the *whole* stored text of a hit to pick
its best fragment: for the long articles of a news corpus that was a third of a faceted
query's time. This module finds where the query's words are with a plain scan of the
lower-cased text (``str.find`` of each analysed term's stem at a word start; a stem that
ends in ``i`` or ``e``, which the stemmer may have made from ``y`` or added, is looked for
without that letter), picks the window of one snippet's width where their weight (tantivy's
own, ``1 / (1 + doc freq)``) sums highest, earliest on a tie as tantivy does, and bounds the
region tantivy then reads to a little context before it and one and a half snippets' width in all.

tantivy still decides what is highlighted and how the fragment is cut (same analyzer, same
terms): the region only bounds where it looks. A text no longer than the region is read
whole (the same snippet as before); when the scan finds nothing (a form the stem does not
prefix, an accent folded away), the caller reads the whole text, and so it does when tantivy
highlights nothing in the region.
"""
from __future__ import annotations

from collections.abc import Iterable

CONTEXT_CHARS = 40  # how much of the text before the first word of the window the region keeps
# A word this frequent in one text (a one-letter term in a long article) is everywhere: its first
# occurrences are as good a region as any, and the scan stays bounded.
MAX_PER_WORD = 512  # occurrences looked at per word
WIDTHS = 1.5  # the region is this many snippet widths long: the window, some context and what follows


def needles(stems: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """(what to find, weight) for each analysed term: its stem, less a final ``i``/``e``
    the stemmer may have made (``citi`` of cities/city, ``agre`` of agreed)."""
    out: dict[str, float] = {}
    for stem, weight in stems:
        if not stem:
            continue
        key = stem[:-1] if len(stem) > 3 and stem[-1] in "ie" else stem
        out[key] = max(weight, out.get(key, 0.0))
    return list(out.items())


def locate(text: str, wanted: list[tuple[str, float]], width: int) -> tuple[int, int] | None:
    """The (start, end) of the region of ``text`` to highlight in, or None for the whole
    text: it is short, or none of ``wanted`` occurs at a word start."""
    limit = int(width * WIDTHS)
    if len(text) <= limit or not wanted:
        return None
    lower = text.lower()
    hits: list[tuple[int, float]] = []
    for needle, weight in wanted:
        i, seen = lower.find(needle), 0
        while i != -1 and seen < MAX_PER_WORD:
            seen += 1
            if i == 0 or not lower[i - 1].isalnum():
                hits.append((i, weight))
            i = lower.find(needle, i + len(needle))
    if not hits:
        return None
    hits.sort()
    n = len(hits)
    best_at, best, total, j = 0, -1.0, 0.0, 0
    for pos, weight in hits:  # the window [pos, pos + width) of each word: a running sum over the sorted words
        end = pos + width
        while j < n and hits[j][0] < end:
            total += hits[j][1]
            j += 1
        if total > best:
            best, best_at = total, pos
        total -= weight
    start = 0 if best_at < width else min(_word_start(text, best_at - CONTEXT_CHARS), best_at)
    end = _word_end(text, start + limit)
    return start, end


def _word_start(text: str, at: int) -> int:
    """The start of the first word that begins at or after ``at``."""
    space = text.find(" ", at)
    return at if space == -1 else space + 1


def _word_end(text: str, at: int) -> int:
    """``at`` moved on to the next space (a region never cuts a word), or the text's end."""
    if at >= len(text):
        return len(text)
    space = text.find(" ", at)
    return len(text) if space == -1 else space
