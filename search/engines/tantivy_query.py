"""SearchQuery parts -> tantivy queries and aggregations: the embedded engine's compiler.

The sibling of :mod:`.es_query`: both compile the same things -- the parsed user text
(an AND of OR-groups of terms, each term a phrase over title^2/text, excluded terms),
the engine-neutral facet clauses of :mod:`newslink.search.facets` and their
aggregations -- one into tantivy's query objects, the other into Query DSL.
"""
from __future__ import annotations

from typing import Any

import tantivy

from newslink.indexer.dates import to_datetime

from ..facets import Clause, Range, Terms
from ..textquery import ParsedText, Term

ANALYZER = "newslink_en"
TITLE_BOOST = 2.0
# Distinct texts whose tantivy query one compiler keeps: paging and drill-down repeat a text
# with new filters, and analysing its terms and building the query cost ~10 us a search.
COMPILED_TEXTS = 1000
_NOT_YET = object()  # a memo miss (None is a compiled text: nothing survived analysis)


def analyzer() -> tantivy.TextAnalyzer:
    """English text analysis: split, drop huge tokens, lowercase, fold accents, stem."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def field_name(logical: str, stand_ins: dict[str, str] | None = None) -> str:
    """A facet's logical field (``entities.person``) -> the tantivy field (``person``);
    ``stand_ins`` maps a field an older index lacks to the one that holds its values there."""
    name = logical.rsplit(".", 1)[-1]
    return (stand_ins or {}).get(name, name)


def aggregations(aggs: Any, stand_ins: dict[str, str] | None = None) -> Any:
    """An Elasticsearch-style aggregation tree with tantivy field names (a new tree: the
    facets' own stays as it is; rebuilt directly, a deepcopy cost more than the rest of it)."""
    if isinstance(aggs, dict):
        return {k: field_name(v, stand_ins) if k == "field" and isinstance(v, str) else aggregations(v, stand_ins) for k, v in aggs.items()}
    if isinstance(aggs, list):
        return [aggregations(v, stand_ins) for v in aggs]
    return aggs


_ID_META = set("\\.+*?()|[]{}^$#&-~")


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in _ID_META else c for c in text)


def after_id_regex(last: str) -> str:
    """A regex over the ``id`` term dictionary matching every id sorting after ``last``
    (code point order, which is UTF-8 byte order: tantivy's and Lucene's term order).

    tantivy has no range query on text fields, so this is the embedded engine's
    ``search_after``: the ids that share a prefix of ``last`` and then have a greater
    character, or extend ``last``.
    """
    alternatives = [
        _regex_escape(last[:i]) + "[\\x{%x}-\\x{10ffff}]" % (ord(ch) + 1) + ".*"
        for i, ch in enumerate(last)
        if ord(ch) < 0x10FFFF
    ]
    alternatives.append(_regex_escape(last) + ".+")
    return "(?s)(" + "|".join(alternatives) + ")"


def _quoted(value: str) -> str:
    """A value as a quoted query-string term (a raw field takes it whole, as one term)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class QueryCompiler:
    """Compiles against one schema and analyzer (those of an open index)."""

    def __init__(self, schema: tantivy.Schema, text_analyzer: tantivy.TextAnalyzer, stand_ins: dict[str, str] | None = None) -> None:
        self.schema = schema
        self.analyzer = text_analyzer
        self.stand_ins = stand_ins or {}  # fields this (older) index lacks -> where their values are
        # parsed text's key -> its query. A compiler is made per opened index (its schema and
        # analyzer), so the memo never outlives what the queries were compiled against;
        # tantivy's queries are immutable, so one can serve every search (and thread).
        self._compiled: dict[tuple, tantivy.Query | None] = {}

    def aggregations(self, aggs: dict[str, Any]) -> dict[str, Any]:
        return aggregations(aggs, self.stand_ins)

    def term(self, term: Term) -> tantivy.Query | None:
        """One term or phrase over title^2 and text; None when nothing survives analysis."""
        tokens = self.analyzer.analyze(term.text)
        if not tokens:
            return None
        subs = []
        for name, boost in (("title", TITLE_BOOST), ("text", 1.0)):
            if term.field not in (None, name):  # title:Trump looks in the title only
                continue
            if len(tokens) == 1:
                q = tantivy.Query.term_query(self.schema, name, tokens[0])
            else:
                q = tantivy.Query.phrase_query(self.schema, name, tokens)
            subs.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, boost) if boost != 1.0 else q))
        return tantivy.Query.boolean_query(subs)

    def text(self, parsed: ParsedText) -> tantivy.Query | None:
        """The text's query (None: no term survives analysis), compiled once per distinct
        text while :data:`COMPILED_TEXTS` others have not filled the memo (then it starts over)."""
        key = parsed.key()
        query = self._compiled.get(key, _NOT_YET)
        if query is _NOT_YET:
            if len(self._compiled) >= COMPILED_TEXTS:
                self._compiled.clear()
            query = self._compiled[key] = self._text(parsed)
        return query  # type: ignore[return-value]

    def forget_texts(self) -> None:
        """Empty the memo of compiled texts (the bench's ``--cold``)."""
        self._compiled.clear()

    def _text(self, parsed: ParsedText) -> tantivy.Query | None:
        clauses = []
        for group in parsed.groups:
            alternatives = [q for t in group if (q := self.term(t)) is not None]
            if alternatives:
                clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in alternatives])))
        for term in parsed.excluded:
            q = self.term(term)
            if q is not None:
                clauses.append((tantivy.Occur.MustNot, q))
        if not clauses:
            return None
        if all(occur == tantivy.Occur.MustNot for occur, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def clause(self, clause: Clause) -> tantivy.Query:
        name = field_name(clause.field, self.stand_ins)
        if isinstance(clause, Terms):
            if len(clause.values) == 1:
                return tantivy.Query.term_query(self.schema, name, clause.values[0])
            return tantivy.Query.term_set_query(self.schema, name, list(clause.values))
        assert isinstance(clause, Range)
        lower = to_datetime(clause.gte) if clause.gte else tantivy.MIN_DATETIME  # type: ignore[attr-defined]
        upper = to_datetime(clause.lte) if clause.lte else tantivy.MAX_DATETIME  # type: ignore[attr-defined]
        return tantivy.Query.range_query(self.schema, name, tantivy.FieldType.Date, lower, upper)

    def combine(self, text_q: tantivy.Query | None, clauses: list[Clause], extra: list[tantivy.Query] = ()) -> tantivy.Query:
        """The text (scored) AND every clause (unscored): one query for hits or counts."""
        if text_q is not None and not clauses and not extra:
            return text_q  # the same hits and scores as wrapped in a one-clause boolean query, built for nothing
        parts = [(tantivy.Occur.Must, text_q)] if text_q is not None else []
        parts += [(tantivy.Occur.Must, tantivy.Query.const_score_query(self.clause(c), 0.0)) for c in clauses]
        parts += [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in extra]
        if not parts:
            return tantivy.Query.all_query()
        return tantivy.Query.boolean_query(parts)

    def filter_string(self, clauses: list[Clause]) -> str | None:
        """``clauses`` as a query string (what tantivy's ``filter`` aggregation takes), or None
        when one of them has no exact query-string form (a date range: its bounds would be
        re-parsed from text; an empty value)."""
        parts = []
        for clause in clauses:
            if not isinstance(clause, Terms) or not clause.values or not all(clause.values):
                return None
            name = field_name(clause.field, self.stand_ins)
            quoted = [_quoted(v) for v in clause.values]
            parts.append(f"{name}:{quoted[0]}" if len(quoted) == 1 else f"{name}:IN [{' '.join(quoted)}]")
        return " AND ".join(parts)

    def after_id(self, last: str) -> tantivy.Query:
        return tantivy.Query.regex_query(self.schema, "id", after_id_regex(last))
