"""Is a name an ordinary English word? ("Target", "Next", "Shell", "Boots", "Orange")

A brand or operator called by one such word cannot be linked on the word alone:
the compile flags it (kind ``brand_common_word``) so the linker demands
supporting context. The test is the linker's own (``indexer/kb/common_words.py``,
web2's lower-case words as shipped in the package), so the compiled flag and the
run-time check never disagree.
"""
from __future__ import annotations

from ..common_words import all_common_words, is_common_word, is_word

__all__ = ["all_common_words", "is_common_word", "is_word"]
