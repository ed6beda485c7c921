"""Comparing names across sources: do two records name the same thing?

Used to catch a source's QID slips (a row that gives Vienna's QID to "Vigaun")
without rejecting mere spellings ("Bogotá D.C." / "Bogotá", "Chernihivska" /
"Chernihiv Oblast", "Hessen" / "Hesse").
"""
from __future__ import annotations

import re
import unicodedata

from ...normalize import normalize_alias

_LATIN = re.compile(r"[A-Za-z]")


def _word_agrees(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 5 and long_.startswith(short))  # "chernihiv" / "chernihivska"


def names_agree(a: list[str], b: list[str]) -> bool:
    """Do two lists of names share one, up to words added ("Bogotá D.C." / "Bogotá")
    and endings ("Chernihivska" / "Chernihiv Oblast")?"""
    sa = [normalize_alias(n).split() for n in a if normalize_alias(n)]
    sb = [normalize_alias(n).split() for n in b if normalize_alias(n)]
    for x in sa:
        for y in sb:
            small, big = (x, y) if len(x) <= len(y) else (y, x)
            if all(any(_word_agrees(w, v) for v in big) for w in small):
                return True
    return False


def has_latin(name: str) -> bool:
    return bool(_LATIN.search(unicodedata.normalize("NFKD", name)))
