"""The forgiving keyword syntax users type: words, "quoted phrases", -exclusions, OR.

Parsed into a small tree that each engine turns into its own query objects, so
user text never reaches an engine's query-string parser (nothing to escape, no
syntax errors from a stray bracket).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 1000
MAX_TERMS = 64

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Lone surrogates cannot be encoded for the engines (tantivy raised
# UnicodeEncodeError: a 500 in the API); control characters are never meant.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class QuerySyntaxError(ValueError):
    """A query the engine will not run (too long, too many terms)."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    phrase: bool = False


@dataclass(slots=True)
class ParsedText:
    """AND of groups, each group an OR of terms; ``excluded`` terms must not match."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]


def parse_text(text: str) -> ParsedText:
    """Parse user text; unbalanced quotes close at the end, stray operators are words."""
    text = _UNSAFE.sub(" ", text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    parsed = ParsedText()
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(text):
        negate, quoted, word = match.group(1), match.group(2), match.group(3)
        if quoted is not None:
            term = Term(quoted.strip(), phrase=True)
            excluded = bool(negate)
        else:
            assert word is not None
            if word == "OR":
                pending_or = bool(parsed.groups)
                continue
            excluded = word.startswith("-") and len(word) > 1
            term = Term(word[1:] if excluded else word)
        if not term.text.strip(" -\"'"):
            continue
        count += 1
        if count > MAX_TERMS:
            raise QuerySyntaxError(f"query has more than {MAX_TERMS} terms")
        if excluded:
            parsed.excluded.append(term)
        elif pending_or and parsed.groups:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        pending_or = False
    return parsed
