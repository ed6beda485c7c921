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
END_MARGIN = 12  # a word counts in a window when it starts this far before the window's end (its length, roughly)
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
    find = lower.find
    hits: list[tuple[int, float]] = []
    for needle, weight in wanted:
        i, seen, step = find(needle), 0, len(needle)
        while i != -1 and seen < MAX_PER_WORD:
            seen += 1
            if i == 0 or not lower[i - 1].isalnum():
                hits.append((i, weight))
            i = find(needle, i + step)
    if not hits:
        return None
    if len(wanted) > 1:
        hits.sort()  # (one word's are found in text order)
    # The fragment tantivy cuts from the region's start holds the words that end within
    # ``width`` of it; a word is scored in a window if it starts ``END_MARGIN`` before its end.
    # Windows start at the text's start or CONTEXT_CHARS before a word; the best sum wins,
    # the earliest on a tie (as tantivy picks among its fragments).
    reach = width - END_MARGIN
    if hits[-1][0] < reach:  # every word in the first window: no later one can sum more (weights are > 0)
        return 0, _word_end(text, limit)
    n = len(hits)
    best, best_start, best_first, total, j, k = -1.0, 0, 0, 0.0, 0, 0
    for s in (0, *(max(0, pos - CONTEXT_CHARS) for pos, _ in hits)):
        while j < n and hits[j][0] < s + reach:
            total += hits[j][1]
            j += 1
        while k < j and hits[k][0] < s:
            total -= hits[k][1]
            k += 1
        if total > best + 1e-9:
            best, best_start, best_first = total, s, hits[k][0] if k < n else s
    start = 0 if best_start == 0 else min(_word_start(text, best_start), best_first)
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
