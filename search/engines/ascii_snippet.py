"""tantivy's snippet of an ASCII text, without analysing every word of it.

tantivy's ``SnippetGenerator`` runs the field's analyzer (split, lowercase, fold, stem) over
every word of the text it is given (~0.15 µs a word: most of a hit's highlighting) to find
the few that match. :class:`Marker` gives the same HTML, character for character, and
analyses only the words that *can* match, with the same tantivy analyzer:

* **Words**: on ASCII text, tantivy's simple tokenizer splits on anything but ``[A-Za-z0-9]``.
* **Which words are marked**: those whose analysis (tantivy's, called here) is one of the
  query's terms. A word is analysed only if, lower-cased, it starts with its term's
  :func:`needle`: the English (Porter2) stemmer rewrites only the end of a word, and what it
  writes there that the word did not have is at most a final ``e``/``i`` (``hoping`` -> hope,
  ``happy`` -> happi), ``le``/``l`` after ``b`` (``ability`` -> able), or ``ie`` (``dying`` ->
  die; ``skies`` -> sky): so no other word can analyse to that term (checked over every word
  of the five bench corpora, ``tests/test_ascii_snippet.py``).
* **The fragment**: tantivy's ``search_fragments`` (a new fragment starts at the first word
  ending more than ``max_chars`` past the current one's start; a fragment ends at its last
  word's end; each scores the sum of its marked words' term weights, ``1 / (1 + doc freq)``
  in 32-bit floats) and ``select_best_fragment_combination`` (the best score, the earliest on
  a tie), only its words near each cut are looked at.
* **HTML**: the fragment escaped as tantivy escapes it (``& < > " '``), ``<b>…</b>`` around
  each marked word.

A text this cannot answer for sure gets :data:`UNSURE` and the caller asks tantivy: one that
is not ASCII (Unicode letters and case folding), one holding a run of 40 letters or digits
(tantivy's analyzer drops such a word, which moves its fragment cuts), or any text when a
query term's needle is empty (a one-letter stem would make every word a candidate).
"""
from __future__ import annotations

import html
import re
import struct
from collections.abc import Callable

UNSURE = object()  # "ask tantivy": what :meth:`Marker.html` returns for a text it cannot answer for
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LONG_WORD = re.compile(r"[A-Za-z0-9]{40}")  # (the start of) a word tantivy's remove_long(40) drops
_NEXT_WORD = re.compile(r"[A-Za-z0-9]")
_WORD_TAIL = re.compile(r"[a-z0-9]*")
_TO_ESCAPE = re.compile(r"[&<>\"']")
_F32 = struct.Struct("f")


def f32(value: float) -> float:
    """``value`` rounded to a 32-bit float (tantivy's ``Score``), as a Python float."""
    return _F32.unpack(_F32.pack(value))[0]


def weight(doc_freq: int) -> float:
    """tantivy's snippet weight of a term: ``1 / (1 + doc freq)`` in 32-bit floats (rounding the
    double quotient once gives the 32-bit quotient)."""
    return f32(1.0 / (1.0 + doc_freq))


def needle(term: str) -> str:
    """What every lower-cased ASCII word that analyses to ``term`` starts with: the term less
    what the stemmer may have written that the word did not have."""
    if term.endswith(("ble", "ie")):  # ability -> able; dying -> die, vying -> vie
        return term[:-2]
    if term.endswith(("bl", "e", "i")) or term == "sky":  # -> ...bl (able less e), hope, happi; skies
        return term[:-1]
    return term


class Marker:
    """One query's highlighter for one field: its terms (analysed, with their weights) and the
    analyses it has done (a word analysed once per query)."""

    def __init__(self, weights: dict[str, float], analyze: Callable[[str], list[str]], max_chars: int,
                 analysed: dict[str, str | None] | None = None) -> None:
        self.weights = weights  # term -> weight; only terms the index holds (tantivy skips the others)
        self.analyze = analyze
        self.max_chars = max_chars
        self.analysed = {} if analysed is None else analysed  # lower-cased word -> its term (shared by a query's fields)
        self.needles = sorted({needle(t) for t in weights if t.isascii()})
        self.sure = all(self.needles)

    def html(self, text: str) -> str | None | object:
        """tantivy's snippet HTML of ``text`` if it marks something, None if it marks nothing,
        :data:`UNSURE` when this cannot tell (then ask tantivy)."""
        if not self.sure or not text.isascii():
            return UNSURE
        weights, analysed, lower = self.weights, self.analysed, text.lower()
        marks = {}  # start -> (start, end, weight) of each marked word
        for nd in self.needles:  # the words (at a word start) that begin with a needle: the candidates
            i = lower.find(nd)
            while i != -1:
                if i and lower[i - 1] in _WORD_CHARS:
                    i = lower.find(nd, i + 1)
                    continue
                end = _WORD_TAIL.match(lower, i + len(nd)).end()
                word = lower[i:end]
                term = analysed[word] if word in analysed else self._analyse(word)
                if term in weights:
                    marks[i] = (i, end, weights[term])
                i = lower.find(nd, end)
        if not marks:
            return None
        return _snippet(text, [marks[i] for i in sorted(marks)] if len(marks) > 1 else list(marks.values()), self.max_chars)

    def _analyse(self, word: str) -> str | None:
        terms = self.analyze(word)  # a run of letters and digits: one token, or none when 40 or longer
        term = self.analysed[word] = terms[0] if len(terms) == 1 else None
        return term


def _snippet(text: str, marks: list[tuple[int, int, float]], max_chars: int) -> str | None | object:
    """The HTML of tantivy's best fragment of ``text`` given its marked words (start, end,
    weight) in text order; None when no fragment scores; UNSURE when a word tantivy's analyzer
    drops (40 letters or more) is where a fragment is cut."""
    n = len(text)
    fragments = []  # (start, stop, first mark, end mark) of each fragment holding a mark
    start, i = 0, 0
    while True:
        limit = start + max_chars
        following: int | None  # where the next fragment starts: the first word ending past ``limit``
        if limit >= n:
            following = None
        else:
            if text[limit] in _WORD_CHARS:
                following = limit
                while following > start and text[following - 1] in _WORD_CHARS:
                    following -= 1
            else:
                m = _NEXT_WORD.search(text, limit + 1)
                following = m.start() if m else None
            if following is not None and _LONG_WORD.match(text, following):
                return UNSURE
        upto = n if following is None else following
        stop = upto
        while stop > start and text[stop - 1] not in _WORD_CHARS:
            stop -= 1
        if stop - start >= 40 and _LONG_WORD.fullmatch(text, stop - 40, stop):
            return UNSURE
        first = i
        while i < len(marks) and marks[i][0] < upto:
            i += 1
        if i > first:
            fragments.append((start, stop, first, i))
        if following is None or i == len(marks):
            break  # no later fragment can score
        start = following
    if not fragments:
        return None
    start, stop, first, end = fragments[0] if len(fragments) == 1 else _best(fragments, marks)
    fragment = text[start:stop]
    escape = html.escape if _TO_ESCAPE.search(fragment) else _same
    out, at = [], 0
    for s, e, _w in marks[first:end]:
        out += (escape(fragment[at:s - start]), "<b>", fragment[s - start:e - start], "</b>")
        at = e - start
    out.append(escape(fragment[at:]))
    return "".join(out)


def _best(fragments: list[tuple[int, int, int, int]], marks: list[tuple[int, int, float]]) -> tuple[int, int, int, int]:
    """tantivy's choice among scoring fragments: the highest sum of weights, summed in 32-bit
    floats in text order as tantivy sums them, the earliest on a tie."""
    best, best_score = fragments[0], -1.0
    for fragment in fragments:
        score = 0.0
        for _s, _e, w in marks[fragment[2]:fragment[3]]:
            score = f32(score + w)
        if score > best_score:
            best, best_score = fragment, score
    return best


def _same(text: str) -> str:
    return text
