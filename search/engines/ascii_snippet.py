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
_UNKNOWN = object()  # a word the memo has not analysed yet
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LONG_WORD = re.compile(r"[A-Za-z0-9]{40}")  # (the start of) a word tantivy's remove_long(40) drops
_NEXT_WORD = re.compile(r"[A-Za-z0-9]")
_WORD_TAIL = re.compile(r"[a-z0-9]*")
_TO_ESCAPE = re.compile(r"[&<>\"']")
_F32 = struct.Struct("f")
_NOT_WORD_CHARS = "".join(chr(c) for c in range(128) if chr(c) not in _WORD_CHARS)  # what ends a word, in ASCII
MAX_ANALYSED = 200_000  # words a shared memo keeps before it starts over (a few MiB)
# Sums of 32-bit weights differ from their double sums by far less than this share (2^-24
# per addition, and a fragment of max_chars holds a few hundred words at most): a fragment
# this far ahead in doubles is ahead in tantivy's floats too.
_CLEAR_LEAD = 1e-4


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
    analyses it has done (a memo the engine shares across queries: a word is analysed once)."""

    def __init__(self, weights: dict[str, float], analyze: Callable[[str], list[str]], max_chars: int,
                 analysed: dict[str, str | None] | None = None) -> None:
        self.weights = weights  # term -> weight; only terms the index holds (tantivy skips the others)
        self.analyze = analyze
        self.max_chars = max_chars
        # lower-cased word -> its term: a pure function of the word (the analyzer is fixed), so the
        # engine shares one memo across queries and fields (news vocabulary repeats)
        self.analysed = {} if analysed is None else analysed
        self.needles = sorted({needle(t) for t in weights if t.isascii()})
        self.sure = all(self.needles)

    def html(self, text: str, lower: str | None = None) -> str | None | object:
        """tantivy's snippet HTML of ``text`` if it marks something, None if it marks nothing,
        :data:`UNSURE` when this cannot tell (then ask tantivy). ``lower``: ``text.lower()``
        when the caller has it already."""
        if not self.sure or not text.isascii():
            return UNSURE
        marks = self._marks(text.lower() if lower is None else lower)
        return _snippet(text, marks, self.max_chars, 0, len(text)) if marks else None

    def html_many(self, texts: list[str]) -> list[str | None | object]:
        """:meth:`html` of each of ``texts`` (a query's ten hits), worked out together: one
        lower-casing and one scan for the candidates of all of them, since per-text Python
        overhead, not the scanning, was most of a hit's highlighting. The texts are joined with
        a character that is no word's, so each one's words start and end as they did alone."""
        if not self.sure:
            return [UNSURE] * len(texts)
        joined = "\x00".join(texts)
        if not joined.isascii():  # one of them is not: the others together, it alone (UNSURE)
            ascii_ones = [k for k, text in enumerate(texts) if text.isascii()]
            out: list[str | None | object] = [UNSURE] * len(texts)
            for k, one in zip(ascii_ones, self.html_many([texts[k] for k in ascii_ones])):
                out[k] = one
            return out
        marks = self._marks(joined.lower())
        out = [None] * len(texts)
        # The HTML of the texts that are one fragment (titles, short texts) is built together too:
        # marks as \x01 \x02 and texts ended by \x00 in one string, escaped once, then split.
        together = "\x01" not in joined and "\x02" not in joined and joined.count("\x00") == len(texts) - 1
        pieces: list[str] = []
        single: list[int] = []  # which texts are in ``pieces``
        max_chars, m, count, lo = self.max_chars, 0, len(marks), 0
        for k, text in enumerate(texts):
            hi = lo + len(text)
            first = m
            while m < count and marks[m][0] < hi:
                m += 1
            if m > first:
                if hi - lo > max_chars or not together:
                    out[k] = _snippet(joined, marks[first:m], max_chars, lo, hi)
                else:  # as _snippet's one fragment: up to the last word
                    stop = lo + len(text.rstrip(_NOT_WORD_CHARS))
                    if stop - lo >= 40 and _LONG_WORD.fullmatch(joined, stop - 40, stop):
                        out[k] = UNSURE
                    else:
                        at = lo
                        for s, e, _w in marks[first:m]:
                            pieces += (joined[at:s], "\x01", joined[s:e], "\x02")
                            at = e
                        pieces += (joined[at:stop], "\x00")
                        single.append(k)
            lo = hi + 1
        if single:
            marked = "".join(pieces)
            if _TO_ESCAPE.search(marked):
                marked = html.escape(marked)
            for k, one in zip(single, marked.replace("\x01", "<b>").replace("\x02", "</b>").split("\x00")):
                out[k] = one
        return out

    def _marks(self, lower: str) -> list[tuple[int, int, float]]:
        """(start, end, weight) of each word of ``lower`` that analyses to one of the terms, in
        text order. Only words (at a word start) that begin with a needle are candidates."""
        weights, analysed, find, tail = self.weights, self.analysed, lower.find, _WORD_TAIL.match
        marks = {}  # start -> (start, end, weight): two needles may find the same word
        for nd in self.needles:
            i = find(nd)
            while i != -1:
                if i and lower[i - 1] in _WORD_CHARS:
                    i = find(nd, i + 1)
                    continue
                end = tail(lower, i + len(nd)).end()
                word = lower[i:end]
                term = analysed.get(word, _UNKNOWN)  # (one get: another thread may clear the shared memo)
                if term is _UNKNOWN:
                    term = self._analyse(word)
                if term in weights:
                    marks[i] = (i, end, weights[term])
                i = find(nd, end)
        if len(self.needles) == 1:
            return list(marks.values())  # found in text order
        return [marks[i] for i in sorted(marks)]

    def _analyse(self, word: str) -> str | None:
        if len(self.analysed) >= MAX_ANALYSED:  # bounded: a memo shared across queries must not grow forever
            self.analysed.clear()
        terms = self.analyze(word)  # a run of letters and digits: one token, or none when 40 or longer
        term = self.analysed[word] = terms[0] if len(terms) == 1 else None
        return term


def _snippet(text: str, marks: list[tuple[int, int, float]], max_chars: int, lo: int, hi: int) -> str | None | object:
    """The HTML of tantivy's best fragment of ``text[lo:hi]`` given its marked words (start,
    end, weight; positions in ``text``) in text order; None when no fragment scores; UNSURE when
    a word tantivy's analyzer drops (40 letters or more) is where a fragment is cut."""
    n = hi
    if n - lo <= max_chars:  # one fragment: the text up to its last word (a title, a short text)
        stop = lo + len(text[lo:n].rstrip(_NOT_WORD_CHARS))
        if stop - lo >= 40 and _LONG_WORD.fullmatch(text, stop - 40, stop):
            return UNSURE
        return _html(text, lo, stop, marks)
    fragments = []  # (start, stop, first mark, end mark) of each fragment holding a mark
    start, i = lo, 0
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
                m = _NEXT_WORD.search(text, limit + 1, n)
                following = m.start() if m else None
            if following is not None and _LONG_WORD.match(text, following, n):
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
    return _html(text, start, stop, marks[first:end])


def _html(text: str, start: int, stop: int, marks: list[tuple[int, int, float]]) -> str:
    """``text[start:stop]`` escaped as tantivy escapes it, ``<b>…</b>`` around ``marks``."""
    fragment = text[start:stop]
    escape = html.escape if _TO_ESCAPE.search(fragment) else _same
    out, at = [], 0
    for s, e, _w in marks:
        out += (escape(fragment[at:s - start]), "<b>", fragment[s - start:e - start], "</b>")
        at = e - start
    out.append(escape(fragment[at:]))
    return "".join(out)


def _best(fragments: list[tuple[int, int, int, int]], marks: list[tuple[int, int, float]]) -> tuple[int, int, int, int]:
    """tantivy's choice among scoring fragments: the highest sum of weights, summed in 32-bit
    floats in text order as tantivy sums them, the earliest on a tie. (Summed in doubles
    first: when one fragment leads clearly, the 32-bit sums rank it first too.)"""
    sums = []
    for f in fragments:
        total = 0.0
        for mark in marks[f[2]:f[3]]:
            total += mark[2]
        sums.append(total)
    top = max(sums)
    near = [k for k, total in enumerate(sums) if total >= top * (1 - _CLEAR_LEAD)]
    if len(near) == 1:
        return fragments[near[0]]
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
