"""Case-insensitive word patterns, run case-sensitively on a lower-cased text.

A pattern such as ``sports.SPORTS_STRONG`` (a hundred words and phrases, ``re.I``)
is slow in Python's ``re``: under ``re.I`` every alternative is tried at every
position with case folding. Lower-casing the text once and running the same
pattern with its letters lower-cased and no ``re.I`` finds exactly the same spans
about three times faster, provided two things hold, which this module checks:

* only ASCII ``A``–``Z`` are lowered (``str.translate``), so the text keeps its
  length and every offset, and ``\\b``/``\\w`` see the same word characters;
* the text holds none of the four non-ASCII characters that ``re.I`` matches to an
  ASCII letter (``İ``, ``ı``, ``ſ``, the Kelvin sign ``K``); a text that does is
  scanned with the original pattern.
"""
from __future__ import annotations

import re

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# The characters outside ASCII that re.I matches to an ASCII letter (tests/test_casefold.py
# checks the list against every code point).
FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"
# A letter of the pattern's source, or an escape such as \b, \d, \s (kept as written).
_SOURCE_LETTER = re.compile(r"\\.|[A-Z]")


class FoldedText:
    """A text and its ASCII-lower-cased copy (``None`` when it cannot stand in for it)."""

    __slots__ = ("text", "lower")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower: str | None = None if any(ch in text for ch in FOLDS_TO_ASCII) else text.translate(_ASCII_LOWER)


class FoldedPattern:
    """An ``re.I`` pattern of ASCII words and its case-sensitive lower-case twin."""

    __slots__ = ("pattern", "folded")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        if not pattern.flags & re.IGNORECASE or not pattern.pattern.isascii():
            raise ValueError(f"not a case-insensitive ASCII pattern: {pattern.pattern[:60]!r}")
        self.pattern = pattern
        source = _SOURCE_LETTER.sub(lambda m: m.group(0) if m.group(0).startswith("\\") else m.group(0).lower(), pattern.pattern)
        self.folded = re.compile(source, pattern.flags & ~re.IGNORECASE)

    def spans(self, text: FoldedText) -> list[tuple[int, int]]:
        """(start, end) of every match, as ``pattern.finditer(text.text)`` gives them."""
        if text.lower is None:
            return [m.span() for m in self.pattern.finditer(text.text)]
        return [m.span() for m in self.folded.finditer(text.lower)]
