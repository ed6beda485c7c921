"""Is a name an ordinary English word? ("Target", "Next", "Shell", "Boots", "Orange")

A brand or operator called by one such word cannot be linked on the word alone:
the flag this module computes lets the linker demand supporting context. The
word list is Webster's Second International (``web2``, public domain) from the
``english-words`` package (MIT), read at compile time only; it lists proper
nouns capitalised, so "target" is a word and "tesco" is not. Nothing of it ships.
"""
from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    try:
        from english_words import get_english_words_set
    except ImportError as exc:  # a build-time dependency only
        from .archive import SourceError

        raise SourceError("flagging common-word names needs english-words: pip install 'newslink[kbsources]'") from exc
    return frozenset(w for w in get_english_words_set(["web2"], alpha=True) if w.islower())


def is_word(token: str) -> bool:
    token = token.lower()
    return token in _words() or (token.endswith("'s") and token[:-2] in _words())


# Spelled as a word is: "shell", "Shell", "SHELLS"; an acronym of up to four capitals
# ("ABB", "DART") or a camel-cased name ("miniM") is not read as the word it spells.
_AS_WORD = re.compile(r"[A-Za-z][a-z]+(?:'[a-z]+)?|[A-Z]{5,}")


def is_common_word(name: str) -> bool:
    """One token that is an ordinary English word spelled as one ("Shell", "Boots", "SELECTED")."""
    tokens = name.split()
    return len(tokens) == 1 and bool(_AS_WORD.fullmatch(tokens[0])) and is_word(tokens[0])


def all_common_words(name: str) -> bool:
    """Every token an ordinary English word ("post office", "the bank")."""
    tokens = name.split()
    return bool(tokens) and all(_TOKEN.fullmatch(t) and is_word(t) for t in tokens)
