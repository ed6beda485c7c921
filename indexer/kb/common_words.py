"""Ordinary English words: is a name also a word? ("Target", "Next", "Reading", "Police")

A KB of 100k+ open-data places and brands is full of entities named by an
ordinary word: a Florida town called "University", a Russian coffee chain called
"Prime", a Polish clothes brand called "House". Such a name capitalised at the
start of a sentence, in a headline or inside a longer name ("Stony Brook
University", "Salomon Brothers") is the word, not the entity; the linker links
it only with evidence beyond the word itself (``linking/features.py``,
``mentions.py``).

The list is Webster's Second International (``web2``, public domain) as the
``english-words`` package (MIT) ships it, lower-case entries only: web2 lists
proper nouns capitalised, so "target" and "reading" are words and "paris" and
"tesco" are not. It is compiled once into ``kb_data/names/english_words.txt.gz``
(~650 KB) so the default install needs nothing else. Rebuild it with::

    pip install 'english-words>=2.0.2'
    python -m newslink.indexer.kb.common_words indexer/kb_data/names/english_words.txt.gz
"""
from __future__ import annotations

import gzip
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# Spelled as a word is: "shell", "Shell", "SHELLS"; an acronym of up to four capitals
# ("ABB", "DART") or a camel-cased name ("miniM") is not read as the word it spells.
_AS_WORD = re.compile(r"[A-Za-z][a-z]+(?:'[a-z]+)?|[A-Z]{5,}")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The shipped list (read once per process)."""
    path = resources.files("newslink.indexer") / "kb_data" / "names" / "english_words.txt.gz"
    with gzip.open(path.open("rb"), "rt", encoding="utf-8") as fh:  # type: ignore[arg-type]
        return frozenset(line.strip() for line in fh if line.strip() and not line.startswith("#"))


def is_word(token: str) -> bool:
    """An ordinary English word, in any capitalisation ("shell", "Shell", "Reading's")."""
    words = english_words()
    token = token.lower()
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    # web2 lists most nouns in the singular only: "rolls", "brothers", "boots" (not
    # "Paris" for "pari", "Marcus" for "marcu": -is, -us and -ss are no plurals here).
    return token in words or (
        len(token) > 3 and token.endswith("s") and not token.endswith(("is", "us", "ss")) and token[:-1] in words
    )


def is_common_word(name: str) -> bool:
    """One token that is an ordinary English word spelled as one ("Shell", "Boots", "SELECTED")."""
    tokens = name.split()
    return len(tokens) == 1 and bool(_AS_WORD.fullmatch(tokens[0])) and is_word(tokens[0])


def all_common_words(name: str) -> bool:
    """Every token an ordinary English word ("post office", "Western District")."""
    tokens = name.split()
    return bool(tokens) and all(_TOKEN.fullmatch(t) and is_word(t) for t in tokens)


def compile_list(out: Path) -> int:
    """Write web2's lower-case words, one a line, gzip-compressed (deterministic bytes)."""
    try:
        from english_words import get_english_words_set
    except ImportError as exc:  # a build-time dependency only
        raise SystemExit("compiling the word list needs english-words: pip install 'newslink[kbsources]'") from exc
    words = sorted(w for w in get_english_words_set(["web2"], alpha=True) if w.islower())
    header = "# Lower-case entries of Webster's Second International (web2, public domain), via the english-words package (MIT).\n"
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as fh:
        fh.write((header + "\n".join(words) + "\n").encode("utf-8"))
    return len(words)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m newslink.indexer.kb.common_words OUT.txt.gz")
    print(f"{compile_list(Path(sys.argv[1])):,} words written to {sys.argv[1]}")
