"""Alias normalisation shared by the KB build and lookups.

One function so that "U.S.", "US" and "u.s" land on the same key when the KB is
built and when a mention is looked up.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})
_POSSESSIVE = re.compile(r"(?:'s|')$")
_NON_WORD = re.compile(r"[^\w\s&+]")
_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+")


@lru_cache(maxsize=262_144)  # pure, and linking asks for the same few thousand names again and again
def normalize_alias(text: str) -> str:
    """Case-, accent-, punctuation- and article-insensitive key for an alias."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().strip()
    text = _POSSESSIVE.sub("", text)
    text = text.replace("-", " ").replace(".", "")
    text = _NON_WORD.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _LEADING_THE.sub("", text)


def strip_possessive(text: str) -> str:
    """Drop an English possessive from a surface form ("Iran's" -> "Iran")."""
    return _POSSESSIVE.sub("", text.translate(_APOSTROPHES)).rstrip()
