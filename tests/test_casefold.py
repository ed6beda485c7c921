"""The lower-cased scan of the linker's case-insensitive word patterns finds what
the patterns themselves find (linking/casefold.py)."""
from __future__ import annotations

import re

import pytest

from newslink.indexer.linking.casefold import FOLDS_TO_ASCII, FoldedPattern, FoldedText
from newslink.indexer.linking.sports import SPORTS_RESULT, SPORTS_STRONG, SPORTS_WEAK

TEXTS = [
    "Liverpool BEAT Chelsea 2-1 in the Premier League; the Striker scored twice after HalfTime.",
    "The Red Sox and the YANKEES met in the playoffs: No. 3 seed, a Home Run in the 9th Inning.",
    "Pac-12 and Big Ten coaches said the Hat-Trick, three-Pointers and a field goal won the title.",
    "Ünïcode “quotes” — Ｆｕｌｌｗｉｄｔｈ and the Kelvin sign \u212a, a long \u017f, İstanbul, ı: GAME, Coach, wins.",
    "",
    "nothing about sport at all, only rain in Kyiv.",
]


def test_the_list_of_characters_re_i_folds_to_ascii_is_complete() -> None:
    letter = re.compile("[a-z]", re.I)
    found = "".join(ch for ch in map(chr, range(0x80, 0x110000)) if letter.fullmatch(ch))
    assert found == FOLDS_TO_ASCII


@pytest.mark.parametrize("pattern", [SPORTS_STRONG, SPORTS_WEAK, SPORTS_RESULT])
@pytest.mark.parametrize("text", TEXTS)
def test_folded_scan_finds_the_same_spans(pattern: re.Pattern[str], text: str) -> None:
    expected = [m.span() for m in pattern.finditer(text)]
    assert FoldedPattern(pattern).spans(FoldedText(text)) == expected


def test_a_text_with_a_character_re_i_folds_is_scanned_as_it_is() -> None:
    text = "the \u212aings and the Knicks: a coach"
    folded = FoldedText(text)
    assert folded.lower is None  # "\u212a" matches "k" under re.I only
    pattern = re.compile(r"\b(?:kings|coach)\b", re.I)
    assert FoldedPattern(pattern).spans(folded) == [m.span() for m in pattern.finditer(text)] == [(4, 9), (28, 33)]


def test_only_case_insensitive_ascii_patterns_are_folded() -> None:
    with pytest.raises(ValueError):
        FoldedPattern(re.compile(r"\bcoach\b"))
