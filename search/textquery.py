"""The forgiving keyword syntax users type: words, "quoted phrases", -exclusions, OR,
and ``title:`` / ``text:`` to look in one field only (``title:Trump``, ``-text:"air strike"``).
A ``name:`` prefix that is not a field is searched as written and reported in
:attr:`ParsedText.unknown_fields`, so the caller can say so instead of finding nothing silently.

Parsed into a small tree that each engine turns into its own query objects, so
user text never reaches an engine's query-string parser (nothing to escape, no
syntax errors from a stray bracket).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_QUERY_CHARS = 1000
MAX_TERMS = 64
# Distinct query texts whose parse is remembered: paging, drill-down and a re-sort repeat the
# text with new filters, and every search of it (the API's too) parses it again otherwise.
PARSED_TEXTS = 4096

FIELDS = ("title", "text")
_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?"([^"]*)"?|(\S+)')
_FIELD_WORD = re.compile(r"([A-Za-z]+):(?!//)(\S+)")  # title:Trump, not http://…
# Lone surrogates cannot be encoded for the engines (tantivy raised
# UnicodeEncodeError: a 500 in the API); control characters are never meant.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class QuerySyntaxError(ValueError):
    """A query the engine will not run (too long, too many terms)."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    phrase: bool = False
    field: str | None = None  # one of FIELDS, or None for title and text


@dataclass(slots=True)
class ParsedText:
    """AND of groups, each group an OR of terms; ``excluded`` terms must not match."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    unknown_fields: list[str] = field(default_factory=list)  # "name:" prefixes searched as words

    @property
    def empty(self) -> bool:
        return not self.groups

    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    def key(self) -> tuple[tuple[tuple[Term, ...], ...], tuple[Term, ...]]:
        """What an engine compiles (the groups and the excluded terms), hashable: two texts
        with the same key are the same query (``unknown_fields`` only feed notices)."""
        return tuple(map(tuple, self.groups)), tuple(self.excluded)

    def copy(self) -> "ParsedText":
        """A copy whose lists are its own (the terms are frozen and shared)."""
        return ParsedText([list(g) for g in self.groups], list(self.excluded), list(self.unknown_fields))


def parse_text(text: str) -> ParsedText:
    """Parse user text; unbalanced quotes close at the end, stray operators are words.
    Each distinct text is parsed once (a bounded memo, :data:`PARSED_TEXTS`); every caller
    gets its own copy, since a :class:`ParsedText` is mutable."""
    return _parsed(text or "").copy()


@lru_cache(maxsize=PARSED_TEXTS)
def _parsed(text: str) -> ParsedText:
    """The memo's entry: never handed out (see :func:`parse_text`). A text that fails is not
    remembered (lru_cache keeps no exception): it is parsed again and fails again."""
    return _parse(text)


def forget_parsed() -> None:
    """Empty the memo (the bench's ``--cold`` measures queries without it)."""
    _parsed.cache_clear()


def _parse(text: str) -> ParsedText:
    text = _UNSAFE.sub(" ", text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    parsed = ParsedText()
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(text):
        negate, scope, quoted, word = match.groups()
        if quoted is not None:
            name = _field(scope, parsed)
            term = Term(quoted.strip() if name or not scope else f"{scope}:{quoted.strip()}", phrase=True, field=name)
            excluded = bool(negate)
        else:
            assert word is not None
            if word == "OR":
                pending_or = bool(parsed.groups)
                continue
            excluded = word.startswith("-") and len(word) > 1
            body = word[1:] if excluded else word
            scoped = _FIELD_WORD.fullmatch(body)
            name = _field(scoped.group(1), parsed) if scoped else None
            term = Term(scoped.group(2), field=name) if scoped and name else Term(body)
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


def _field(prefix: str | None, parsed: ParsedText) -> str | None:
    """The field a ``prefix:`` names, or None (an unknown one is noted once)."""
    if not prefix:
        return None
    name = prefix.lower()
    if name in FIELDS:
        return name
    if name not in parsed.unknown_fields:
        parsed.unknown_fields.append(name)
    return None
